"""A Telegram username or id in the org file that no account can have is refused with the
fix: before, the file loaded and the person was a stranger to the bot for good ("I don't
know you yet"), with nothing telling the operator why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

GM = "  - {key: grace, name: Grace, role: gm, timezone: UTC}\n"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], person: str) -> tuple[int, str]:
    path = tmp_path / "org.yaml"
    path.write_text("people:\n" + GM + person, encoding="utf-8")
    code = main(["check-org", str(path)])
    return code, capsys.readouterr().err.replace(str(path), "org.yaml")


@pytest.mark.parametrize(("written", "told"), [
    # A profile link copied from Telegram's "share" menu.
    ('"https://t.me/bruno_r"', "telegram_username 'https://t.me/bruno_r' is not a Telegram "
     "username: 4 to 32 Latin letters, digits and _, as their Telegram profile shows it, "
     "without @ or a link (did you mean 'bruno_r'?)"),
    ("t.me/bruno_r", "(did you mean 'bruno_r'?)"),
    # A zero-width space pasted along from a web page.
    ('"bruno\\u200b_r"', "telegram_username 'bruno\\u200b_r' is not a Telegram username"),
    # A Cyrillic letter that looks Latin (typed on a Russian layout).
    ("bruno_г", "telegram_username 'bruno_г' has 'г' (U+0433, cyrillic small letter ghe), "
     "which no Telegram username has"),
    ('"bruno r"', "telegram_username 'bruno r' is not a Telegram username"),
])
def test_a_username_no_telegram_account_can_have_is_refused_with_the_fix(
        tmp_path, capsys, written, told) -> None:
    code, err = _check(tmp_path, capsys, "  - {key: bruno, name: Bruno, role: director, "
                       f"manager: grace, timezone: UTC, telegram_username: {written}}}\n")
    assert code == 2
    assert "org.yaml:3: people[1] ('bruno'): telegram_username" in err
    assert told in err


def test_a_groups_id_given_as_a_persons_is_refused(tmp_path, capsys) -> None:
    code, err = _check(tmp_path, capsys, "  - {key: bruno, name: Bruno, role: director, "
                       "manager: grace, timezone: UTC, telegram_id: -1001234567890}\n")
    assert code == 2
    assert ("people[1] ('bruno'): telegram_id -1001234567890 is not a person's Telegram id: a "
            "person's is a positive number (one starting with - is a group's or a channel's"
            ) in err


@pytest.mark.parametrize("written", ["bruno_r", "Bruno_R", "'@bruno_r'", "bruno_rossi_sales_eu"])
def test_a_real_username_is_taken(tmp_path, capsys, written) -> None:
    code, err = _check(tmp_path, capsys, "  - {key: bruno, name: Bruno, role: director, "
                       f"manager: grace, timezone: UTC, telegram_username: {written}}}\n")
    assert code == 0, err
