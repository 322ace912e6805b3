"""Names from the org file and what people type, as Telegram shows them to others (python-
telegram-bot against the fake Bot API, which refuses HTML it cannot parse and texts over
4,096 UTF-16 units): a name with `<`, `&` and emoji inside a link to its person, and one
word longer than a message with no space to cut at, arrive whole and as written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.telegram_format import shown_len, split_html
from bot.config import Settings
from tests.support import TEST_ORG
from tests.telegram.conftest import GROUP, LI, TG

#: Alice as the org file names her: markup characters, an emoji drawn from a ZWJ sequence.
ALICE_NAME = 'Alice <A&B> "Ops" 👩‍💻'


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "name: Alice Martin", f"name: '{ALICE_NAME}'"), encoding="utf-8")
    return replace(settings, org_file=path)


async def test_a_marked_up_name_and_a_word_longer_than_a_message_reach_the_group_whole(
        tg: TG, monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,980 characters without a space: '&' and '<' are 5 and 4 in the HTML sent (one each
    # as Telegram counts them), a flag two regional indicators. A reason of 2,000
    # characters fits one of Telegram's messages: a message of 1,000 here, so that the
    # shout-out takes more than one, as a longer one would.
    from bot.adapters import telegram as adapter

    monkeypatch.setattr(adapter, "split_html", lambda text: split_html(text, limit=1000))
    word = "&<签约🇨🇳" * 330
    assert len(word) <= 2000
    text = f"/kudos Alice {word}"
    await tg.say_in_group(LI, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 5,
         "user": {"id": 1002, "is_bot": False, "first_name": "Alice"}}])
    parts = [m for m in tg.sent(GROUP) if "签约" in m["text"] or "点赞" in m["text"]]
    assert len(parts) > 1
    assert all(shown_len(m["text"]) <= 1000 and m["parse_mode"] == "HTML" for m in parts)
    shown = tg.shown(GROUP)[-len(parts):]
    # Her name shows as the org file writes it, and links to her account.
    assert shown[0].startswith(f"👏 {ALICE_NAME} —— 来自 李雷 的点赞："), shown[0][:80]
    assert 'href="tg://user?id=1002">Alice &lt;A&amp;B&gt; "Ops" 👩‍💻</a>' in parts[0]["text"]
    # The word reads whole across the parts, no flag split in two.
    assert word in "".join(shown)
    assert all(not s.startswith("🇨🇳"[1]) for s in shown[1:])
