"""`teampulse import-actuals` given a file it cannot read at all, or one that is no text.

A missing file or a folder was a wrong command (status 2, nothing imported, so the
corrected command is run again whole), but a file without read permission, an image or a
binary dump printed `teampulse: …`, exited 1, and imported the other files named: a PNG
read "not valid CSV: its lines end with a lone carriage return", a NUL after a figure
"value '100' is not a number". They are now refused as a missing file is:
`teampulse import-actuals: <file>: <reason>`, status 2, nothing imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import run_cli
from tests.test_crm_bad_input import weekly
from tests.test_crm_import import crm_scan, settled, stored, watched_inbox

BINARY = ("the file is not a CSV but binary data (an image, a PDF, or text saved as UTF-16 "
          "without its byte order mark): export the report as CSV (CSV UTF-8), then import "
          "that file")


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An export its reader may not open (chmod 000; the tests may run as root, whom no
    mode stops, so opening it is refused as the system would)."""
    path = weekly(tmp_path, "locked.csv", "alice,revenue,2026-W47,100")
    path.chmod(0)
    if os.geteuid() == 0:
        opened = Path.open

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return opened(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Path, "open", refuse)
    yield path
    path.chmod(0o600)


def test_a_file_without_read_permission_is_a_wrong_command(bot, settings, clock, tmp_path,
                                                           capsys, locked):
    good = weekly(tmp_path, "good.csv", "alice,revenue,2026-W47,100")
    assert run_cli(settings, "import-actuals", str(good), str(locked)) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse import-actuals: {locked}: cannot read the file: Permission denied\n")
    assert stored(bot) == []  # good.csv neither: the command is run again whole


@pytest.mark.parametrize(("name", "data"), [
    ("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)),  # an image
    ("dump.csv", os.urandom(4096).replace(b"\x00", b"") + b"\x00"),  # garbage
    ("nul.csv", b"person,metric,week,value\nalice,revenue,2026-W47,100\x00\n"),
], ids=["image", "garbage", "nul-in-text"])
def test_binary_data_is_a_wrong_command_not_a_bad_row(bot, settings, clock, tmp_path,
                                                      capsys, name, data):
    good = weekly(tmp_path, "good.csv", "alice,revenue,2026-W47,100")
    junk = tmp_path / name
    junk.write_bytes(data)
    missing = tmp_path / "gone.csv"
    assert run_cli(settings, "import-actuals", str(good), str(junk), str(missing)) == (2, "")
    # Every wrong file of the command at once, in its order.
    assert capsys.readouterr().err == (f"teampulse import-actuals: {junk}: {BINARY}\n"
                                       f"teampulse import-actuals: {missing}: no such file\n")
    assert stored(bot) == []
    assert run_cli(settings, "import-actuals", str(good))[0] == 0


def test_an_excel_workbook_is_a_wrong_file_too(bot, settings, clock, tmp_path, capsys):
    good = weekly(tmp_path, "good.csv", "alice,revenue,2026-W47,100")
    workbook = tmp_path / "report.xlsx"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))
    assert run_cli(settings, "import-actuals", str(good), str(workbook)) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse import-actuals: {workbook}: the file is an Excel workbook, not a CSV: "
        "open it and save or export it as CSV (CSV UTF-8), then import that file\n")
    assert stored(bot) == []


def test_excel_s_unicode_text_is_no_binary_data(bot, settings, clock, tmp_path):
    # UTF-16 with its byte order mark holds a NUL in every other byte: text all the same.
    export = tmp_path / "unicode.csv"
    export.write_bytes("person\tmetric\tweek\tvalue\r\nalice\trevenue\t2026-W47\t100\r\n"
                       .encode("utf-16"))
    assert run_cli(settings, "import-actuals", str(export)) == (
        0, "unicode.csv: imported 1 row (teampulse-weekly format)\n")


@pytest.mark.parametrize(("locale", "said"), [
    ("en", BINARY),
    ("zh-CN", "该文件不是 CSV，而是二进制数据（图片、PDF，或不带字节顺序标记的 UTF-16 文本）："
              "请将报表导出为 CSV（CSV UTF-8），然后导入那个文件"),
])
async def test_an_image_in_the_watched_folder_is_told_as_one(bot, chat, clock, tmp_path,
                                                             locale, said):
    """The GM was told to fix "line 3: not valid CSV: its lines end with a lone carriage
    return" of a chart saved into the folder by mistake."""
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = locale
    inbox = watched_inbox(bot, tmp_path)
    (inbox / "chart.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    settled(*inbox.iterdir())
    await crm_scan(bot)
    told = chat.last("grace")
    assert said in told and "carriage return" not in told, told
    assert stored(bot) == []


def test_a_pipe_is_imported_whole(bot, settings, clock, tmp_path, capsys):
    """`import-actuals <(curl …)`: a pipe is read once, so nothing may be read from it
    before the import (the check for binary data took its head, and the import read the
    rest: "the file is empty")."""
    read, write = os.pipe()
    os.write(write, b"person,metric,week,value\nalice,revenue,2026-W47,100\n")
    os.close(write)
    try:
        code, out = run_cli(settings, "import-actuals", f"/dev/fd/{read}")
    finally:
        os.close(read)
    assert (code, out) == (0, f"{read}: imported 1 row (teampulse-weekly format)\n"), \
        capsys.readouterr().err
    assert [(r[0], r[2]) for r in stored(bot)] == [("alice", 100)]
