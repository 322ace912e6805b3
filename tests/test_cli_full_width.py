"""A person or role typed with full-width letters, as a Chinese input method types them
(ＧＭ, ａｌｉｃｅ), names on the command line whom it names in chat, where every name is
read through NFKC: `teampulse digest --to ＧＭ` said "no person 'ＧＭ' in the org"."""

from __future__ import annotations

import pytest

from tests.support import run_cli, say


@pytest.mark.parametrize(("typed", "key"), [("ＧＭ", "grace"), ("Ｇｍ", "grace"),
                                            ("ａｌｉｃｅ", "alice"),
                                            ("Ａｌｉｃｅ　Ｍａｒｔｉｎ", "alice")])
def test_digest_to_in_full_width_letters(bot, settings, capsys, typed, key):
    code, out = run_cli(settings, "digest", "--to", typed, "--week", "2026-W48", "--dry-run")
    assert code == 0, capsys.readouterr().err
    assert [line for line in out.splitlines() if line.startswith("## Digest for ")] == [
        f"## Digest for {key}, 2026-W48"]


@pytest.mark.parametrize(("args", "says"), [
    (("summary", "--person", "ａｌｉｃｅ"), "Alice Martin"),
    (("review", "ａｌｉｃｅ"), "# 🔄 360° review — Alice Martin"),
    (("goals", "ａｌｉｃｅ"), "Alice Martin"),
    (("checkin", "send", "--person", "ａｌｉｃｅ", "--wait", "0"), " to alice"),
    (("export", "ａｌｉｃｅ"), '"key": "alice"'),
    (("summary", "--team", "ＥＡＳＴ"), "East"),
])
async def test_every_person_argument_reads_full_width_letters(bot, settings, capsys, args,
                                                              says):
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review close alice")
    code, out = run_cli(settings, *args)
    assert code == 0, capsys.readouterr().err
    assert says in out


def test_erase_names_whom_a_full_width_key_is_before_it_erases(bot, settings, capsys):
    # Without --yes: who would be erased, the key read as typed in half-width.
    assert run_cli(settings, "erase", "ａｌｉｃｅ") == (2, "")
    assert capsys.readouterr().err.startswith("teampulse: erasing Alice Martin (alice) ")
