"""What people type, shown to others on Telegram (python-telegram-bot against the fake Bot
API, which refuses HTML it cannot parse and texts over 4,096 UTF-16 units): it arrives,
whole, as the words typed, and adds no markup or mention of its own."""

from __future__ import annotations

from bot.adapters.telegram import with_link_addresses
from bot.adapters.telegram_format import html_to_plain, shown_len, utf16_len
from tests.telegram.conftest import ALICE, GRACE, GROUP, TG
from tests.telegram.test_kudos import mention
from tests.test_checkin import ALICE_ANSWERS

TYPED = ('<b>bold & [x](tg://user?id=1001) *half _open `code '
         '<a href="tg://user?id=1001">Grace</a> &lt;')


async def test_html_and_markdown_in_a_kudos_reason_show_as_typed(tg: TG) -> None:
    text = f"/kudos @bruno_r for {TYPED}"
    await tg.say_in_group(GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6}, mention(text, "bruno_r")])
    shout = tg.sent(GROUP)[-1]
    assert shout["parse_mode"] == "HTML"
    assert html_to_plain(shout["text"]).endswith(f": {TYPED}")
    assert "<a " not in shout["text"]  # Bruno has no text mention; nobody else is linked


async def test_a_blocker_longer_than_a_message_reaches_the_gm_whole(tg: TG) -> None:
    # 1,900 rockets: Alice's answer is 1,998 characters (2,000 are taken) but 3,898 of
    # Telegram's units (a rocket counts two), and with the rest of the GM's summary more
    # than one message takes. It goes in parts, none cut inside a rocket, none refused,
    # her markup as typed.
    blocker = f"{TYPED} " + "🚀" * 1900 + " end"
    assert len(blocker) == 1998
    answers = list(ALICE_ANSWERS)
    answers[3] = blocker
    await tg.checkins("alice")
    for answer in answers:
        assert await tg.say(ALICE, answer)
    before = len(tg.sent(GRACE))
    await tg.say(GRACE, "/summary")
    parts = tg.sent(GRACE)[before:]
    assert len(parts) > 1
    assert all(shown_len(m["text"]) <= 4096 for m in parts)  # as Telegram counts them
    shown = "".join(tg.shown(GRACE)[-len(parts):])
    assert f"blockers: {TYPED} " + "🚀" * 1900 + " end" in shown.replace("\n", "")


async def test_a_link_hidden_behind_words_in_a_blocker_reaches_the_gm_with_its_address(
        tg: TG) -> None:
    # Alice links the ticket to two words (Telegram's Ctrl+K, or a link copied from a
    # document): Telegram sends the words and, apart, the address. The GM read "see the
    # ticket 🚀" and never had the address; now it stands after the words, as on Slack.
    blocker = "Legal blocks us, see the ticket 🚀 and the thread"
    links = [{"type": "text_link", "offset": utf16_len(blocker[:blocker.index("the ticket")]),
              "length": len("the ticket"), "url": "https://jira.example/LEGAL-7"},
             {"type": "text_link", "offset": utf16_len(blocker[:blocker.index("the thread")]),
              "length": len("the thread"), "url": "https://chat.example/t/1"},
]
    answers = list(ALICE_ANSWERS)
    await tg.checkins("alice")
    for i, answer in enumerate(answers):
        assert await tg.say(ALICE, blocker if i == 3 else answer,
                            **({"entities": links} if i == 3 else {}))
    await tg.say(GRACE, "/summary")
    assert ("blockers: Legal blocks us, see the ticket (https://jira.example/LEGAL-7) 🚀 "
            "and the thread (https://chat.example/t/1)") in "".join(tg.shown(GRACE))


async def test_a_kudos_reason_shows_where_its_hidden_link_goes(tg: TG) -> None:
    text = "/kudos @bruno_r for the deck https://a.example"
    await tg.say_in_group(GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6}, mention(text, "bruno_r"),
        {"type": "text_link", "offset": text.index("the deck"), "length": 8,
         "url": "https://evil.example/x"},
        {"type": "url", "offset": text.index("https"), "length": 17}])
    assert html_to_plain(tg.sent(GROUP)[-1]["text"]).endswith(
        ": the deck (https://evil.example/x) https://a.example")


async def test_a_hidden_link_after_emoji_and_chinese_keeps_its_place(tg: TG) -> None:
    """A skin-toned 👍🏽 (two characters outside the BMP: four UTF-16 units), a flag and
    Chinese before the linked words, and more after: Telegram counts the link's offset in
    UTF-16 units, and the address still lands right after the words linked."""
    text = "/kudos @bruno_r 👍🏽🇨🇳 谢谢 for 这份方案 𠀋 and the deck 👏"
    at = {"type": "bot_command", "offset": 0, "length": 6}
    await tg.say_in_group(GRACE, text, entities=[at, mention(text, "bruno_r"), *(
        {"type": "text_link", "offset": utf16_len(text[:text.index(words)]),
         "length": utf16_len(words), "url": url}
        for words, url in (("这份方案", "https://docs.example/方案"),
                           ("the deck", "https://deck.example/7")))])
    assert html_to_plain(tg.sent(GROUP)[-1]["text"]).endswith(
        ": 👍🏽🇨🇳 谢谢 for 这份方案 (https://docs.example/方案) 𠀋 and the deck "
        "(https://deck.example/7) 👏"), tg.sent(GROUP)[-1]["text"]


def test_words_that_are_their_own_address_stay_as_they_are() -> None:
    from telegram import MessageEntity

    def link(text: str, words: str, url: str) -> str:
        entity = MessageEntity(MessageEntity.TEXT_LINK, utf16_len(text[:text.index(words)]),
                               utf16_len(words), url=url)
        return with_link_addresses(text, [entity])

    assert link("see acme.com now", "acme.com", "https://www.acme.com/") == "see acme.com now"
    assert link("read the docs", "docs", "https://elsewhere.example/docs") == \
        "read the docs (https://elsewhere.example/docs)"
    assert link("🚀 mail me", "mail me", "mailto:a@b.example") == \
        "🚀 mail me (mailto:a@b.example)"
    assert link("thanks Bruno", "Bruno", "tg://user?id=1003") == "thanks Bruno"
