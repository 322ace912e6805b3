"""A refusal is not praise: "@alice no thanks, I'll do it" in a channel gives no kudos,
in English or Chinese, while real kudos that happen to hold a "no" still count."""

from __future__ import annotations

import pytest

from tests.test_kudos import count_kudos, kudo

REFUSALS = [
    "@sam no thanks, I'll do it",
    "@sam No, thank you. I have it covered",
    "@sam thanks, but no",
    "thank you @sam but no thanks, we keep the old deck",
    "@sam no need, thanks",
    "@sam 不用谢",
    "@sam 不用了谢谢，我自己来",
    "@sam 不用了，谢谢",
    "谢谢 @sam，不用了",
    "@sam 不必感谢，应该的",
    "@sam 不谢不谢",
    # In Traditional characters, as a Taiwan or Hong Kong keyboard writes them.
    "@sam 不用謝",
    "謝謝 @sam，不用了",
]


@pytest.mark.parametrize("text", REFUSALS)
async def test_a_refusal_in_a_channel_gives_no_kudos(bot, chat, text):
    await kudo(bot, "alice", text)
    assert count_kudos(bot) == 0
    assert chat.sent == []  # no shout-out, no DM, and no "a reason is needed" either


PRAISE = [
    ("thanks @sam, no problem was too big for you", "thanks, no problem was too big for you"),
    ("no problem is too big for @sam, thanks for the weekend shift",
     "no problem is too big for, thanks for the weekend shift"),
    ("No, thank YOU @sam for the weekend shift", "No, thank YOU for the weekend shift"),
    ("thanks @sam but no one else stayed that late", "thanks but no one else stayed that late"),
    ("谢谢 @sam 不用加班就把合同改完了", "谢谢 不用加班就把合同改完了"),
    ("不用说，谢谢 @sam 帮忙准备投标材料", "不用说，谢谢 帮忙准备投标材料"),
    ("thanks @sam for the demo prep :clap:", "thanks for the demo prep :clap:"),
    ("谢谢 @sam，帮忙改了 .NET 的报价单", "谢谢，帮忙改了 .NET 的报价单"),
    # Traditional: praised as in Simplified, the reason kept as written.
    ("謝謝 @sam 幫忙準備投標資料", "謝謝 幫忙準備投標資料"),
    ("感謝 @sam 的週末加班", "週末加班"),  # as 感谢 @sam 的…: what for
    ("給 @sam 點讚，報價單做得好", "給 @sam 點讚，報價單做得好"),  # a name in the sentence
]


@pytest.mark.parametrize(("text", "reason"), PRAISE)
async def test_real_kudos_with_a_no_in_them_still_count(bot, chat, text, reason):
    await kudo(bot, "alice", text)
    assert count_kudos(bot) == 1
    assert f"kudos from Alice Martin: {reason}" in chat.last("team")


async def test_an_edit_into_a_refusal_no_longer_reads_as_kudos(bot, chat):
    """As any edit that is no longer kudos (within the 15 minutes): the kudos are taken
    back, as the chat no longer shows praise, and the author and Sam are told."""
    from bot.adapters.console import console_mentions
    from bot.events import InboundEvent

    await kudo(bot, "alice", "thanks @sam for covering the Acme call", message_id="m1")
    text = "@sam no thanks, I'll cover the Acme call myself"
    await bot.handle(InboundEvent(platform="console", user_id="alice", chat_id="team",
                                  chat_type="group", text=text, message_id="m1",
                                  event_id="edit-1", edited_after=60.0,
                                  mentions=console_mentions(text)))
    assert "no longer reads as kudos, so the kudos it gave are taken back" in chat.last("alice")
    assert "was edited and no longer praises you" in chat.last("sam")
    assert count_kudos(bot) == 0


async def test_no_kudos_is_a_refusal_too_and_so_is_no_before_the_orgs_own_word(
        settings, clock, tmp_path):
    """README: refusals are read "with the org's own English kudos words too: `no
    kudos`". With the default words, "@sam no kudos, I'll do it" gives nothing; an org
    whose kudos word is "bravo" reads "@sam no bravo, …" as a refusal, and "bravo @sam for
    …" as praise."""
    from dataclasses import replace

    from bot.app import prepare
    from tests.support import TEST_ORG, RecordingAdapter

    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text().replace(
        "  summary_viewers: [vera]", "  summary_viewers: [vera]\n  kudos: {words: [bravo]}"))
    for org in (settings.org_file, org_file):
        bot, engine = prepare(replace(settings, org_file=org), clock)
        try:
            chat = RecordingAdapter()
            bot.register(chat)
            word = "kudos" if org == settings.org_file else "bravo"
            before = count_kudos(bot)  # (the two bots share the test's database)
            await kudo(bot, "alice", f"@sam no {word}, I'll take the Acme call myself")
            assert count_kudos(bot) == before and chat.sent == [], (word, chat.sent)
            await kudo(bot, "alice", f"{word} @sam for the Acme call")
            assert count_kudos(bot) == before + 1, word
            assert f"Sam Lee — kudos from Alice Martin: {word} for the Acme call" in \
                chat.last("team")
        finally:
            engine.dispose()
