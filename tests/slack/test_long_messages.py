"""Texts longer than Slack takes in one message (4,000 characters) arrive whole, in parts."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

from sqlalchemy import select

from bot.adapters.slack import SlackAdapter
from bot.clock import FakeClock
from bot.events import Choice, OutboundMessage, Target
from storage.models import OutboxMessage
from tests.fakes.slack_api import MAX_TEXT, FakeCall, FakeResponse, FakeSlackAPI
from tests.slack.harness import ALICE, CHANNEL, GRACE, LILEI, SlackHarness, dm_channel
from tests.text_cuts import EMOJI_LINE, assert_cut_between_characters

# Each under the 2,000 characters a text answer may have, and no character mrkdwn escapes.
WINS = "Won the Northwind renewal " + "and the regional expansion deal " * 58 + "END-OF-WINS"
BLOCKERS = "Legal review of the reseller contract " + "keeps slipping a week " * 80 + \
    "END-OF-BLOCKERS"
PLAN = "Close the Contoso pilot " + "then follow up with procurement " * 58 + "END-OF-PLAN"
# A reply of 60 lines of 99 characters and a line break each: 6,000 characters.
LINES = [f"line {i:02d} " + "x" * 91 for i in range(60)]
LONG = "\n".join(LINES)


def statuses(bot) -> list[str]:
    with bot.sessions() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def long_checkin(slack: SlackHarness, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    for answer in ["52000", "3", WINS, BLOCKERS, "1", PLAN, "4"]:
        await slack.dm(ALICE, answer)


async def test_the_gms_summary_in_a_long_week_arrives_whole_in_parts(
        slack: SlackHarness, bot) -> None:
    await long_checkin(slack, bot)

    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))

    parts = [c.params["text"] for c in slack.posts(GRACE)]
    whole = "\n".join(parts)
    assert len(whole) > MAX_TEXT  # the week's summary is longer than one Slack message
    assert len(parts) >= 2 and all(len(p) <= MAX_TEXT for p in parts)
    assert parts[0].startswith("*Weekly summary — Test Sales*")
    for text in ("Revenue 52,000 / 50,000 USD (104%)", WINS, BLOCKERS,
                 "One-on-one with you: last never · next 2026-12-08"):
        assert text in whole  # nothing cut off, no answer split across two messages
    # Cut between directors' blocks where one fits, not inside one.
    assert parts[-1].startswith("*")
    assert "failed" not in statuses(bot)


async def test_a_long_summary_asked_in_a_channel_comes_as_private_notes_in_parts(
        slack: SlackHarness, bot) -> None:
    await long_checkin(slack, bot)
    before = len(slack.posts(CHANNEL))

    await slack.command(GRACE, "/summary")

    notes = [c.params["text"] for c in slack.ephemerals(GRACE)]
    assert len(notes) >= 2 and all(len(n) <= MAX_TEXT for n in notes)
    assert all(text in "\n".join(notes) for text in (WINS, BLOCKERS))
    assert len(slack.posts(CHANNEL)) == before  # still nothing said in public


async def test_a_long_text_is_cut_at_line_breaks_and_only_its_last_part_stands_for_it(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter, clock: FakeClock) -> None:
    fake.clock = lambda: clock.now().timestamp()
    message = OutboundMessage(LONG, outbox_id=7)

    await adapter.deliver(Target("slack", "dm", ALICE), message)

    posts = fake.calls_for("chat.postMessage")
    texts = [c.params["text"] for c in posts]
    assert len(texts) == 2 and all(len(t) <= MAX_TEXT for t in texts)
    assert [line for t in texts for line in t.split("\n")] == LINES  # whole lines, in order
    # The outbox finds a delivery again by its tag: only once the last part is out; an
    # earlier part names its number, for a resend after a crash to go on after it.
    tags = [c.params["metadata"] for c in posts]
    tags = [json.loads(t) if isinstance(t, str) else t for t in tags]
    assert [t["event_payload"] for t in tags] == [{"outbox_id": 7, "part": 1, "parts": 2},
                                                  {"outbox_id": 7}]
    assert await adapter.find_delivered(Target("slack", "dm", ALICE), message,
                                        bot.clock.now()) is not None


async def test_a_long_question_keeps_its_buttons_on_the_last_part(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    message = OutboundMessage(LONG, choices=(Choice("Yes", "yes"), Choice("No", "no")))

    await adapter.send_dm(ALICE, message)

    first, last = fake.calls_for("chat.postMessage")
    assert "blocks" not in first.params
    buttons = [e["text"]["text"] for b in last.params["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == ["Yes", "No"]


async def test_a_failure_on_the_second_part_resends_only_what_was_not_sent(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter, clock: FakeClock) -> None:
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="dm", address=ALICE,
                           payload={"text": LONG}, now=bot.clock.now())
    calls = itertools.count()

    def second_fails(call: FakeCall) -> object:  # the second post meets a server error once
        if next(calls) == 1:
            return FakeResponse(status=500, body={"ok": False, "error": "internal_error"})
        return FakeSlackAPI._chat_post_message(fake, call)

    fake.set_handler("chat.postMessage", second_fails)

    for _ in range(5):
        await bot.outbox.flush()
        clock.advance(timedelta(minutes=10))

    assert next(calls) == 3  # part 1, part 2 refused, part 2 again (not part 1)
    texts = [m["text"] for m in fake.posted(ALICE)]
    assert [line for t in texts for line in t.split("\n")] == LINES  # each line once
    assert statuses(bot) == ["sent"]


async def test_a_long_summary_where_the_bot_is_not_a_member_comes_whole_by_response_url(
        slack: SlackHarness, bot, fake: FakeSlackAPI) -> None:
    await long_checkin(slack, bot)
    fake.fail("chat.postEphemeral", "channel_not_found")

    await slack.command(GRACE, "/summary", channel="C0ELSEWHERE")

    notes = [c.params["text"] for c in fake.calls_for("response_url")]
    assert len(notes) >= 2 and all(len(n) <= MAX_TEXT for n in notes)
    assert notes[0].startswith("*Weekly summary — Test Sales*")
    assert all(text in "\n".join(notes) for text in (WINS, BLOCKERS))


# 300 lines of 99 characters: 30,000 characters, eight messages.
LONGER = [f"line {i:03d} " + "y" * 90 for i in range(300)]


async def test_a_reply_longer_than_five_notes_where_the_bot_is_not_a_member_comes_in_the_dm(
        slack: SlackHarness, bot, fake: FakeSlackAPI) -> None:
    # A command's response_url takes five posts; a private reply needing more, in a channel
    # where chat.postEphemeral is refused, would have lost everything after the fifth.
    await slack.command(GRACE, "/help", channel="C0ELSEWHERE")
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="ephemeral", address="C0ELSEWHERE",
                           user_ref=GRACE, payload={"text": "\n".join(LONGER)},
                           now=bot.clock.now())
    await slack.settle()

    texts = [c.params["text"] for c in slack.posts(GRACE)]
    assert [line for t in texts for line in t.split("\n")] == LONGER  # whole, in the DM
    help_reply, note = fake.calls_for("response_url")
    assert help_reply.params["text"].startswith("*teampulse* — your team's weekly rhythm.")
    assert note.params == {"response_type": "ephemeral",
                           "text": "I've answered you in a private message."}
    assert statuses(bot) == ["sent", "sent"]


# One line, no line break or space to cut at, longer than a Slack message: the Chinese of
# a long answer, where each "&" the bot escaped is five characters ("&amp;") and each
# "<" four ("&lt;").
CHINESE_LINE = "华东区&华南区<合作>伙伴" * 400  # 9,200 characters once escaped
def parts_of(fake: FakeSlackAPI) -> list[str]:
    return [c.params["text"] for c in fake.calls_for("chat.postMessage")]


async def test_a_long_line_is_never_cut_inside_an_entity(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    from bot.adapters.slack_blocks import escape_mrkdwn

    # Every offset of the entities against the 4,000-character cut: one of them falls
    # inside "&amp;", "&lt;" or "&gt;" (each text: 5 characters shifted).
    for shift in range(5):
        fake.calls.clear()
        text = "x" * shift + escape_mrkdwn(CHINESE_LINE)
        await adapter.send_dm(ALICE, OutboundMessage(text))
        parts = parts_of(fake)
        assert len(parts) >= 2 and all(len(p) <= MAX_TEXT for p in parts)
        assert "".join(parts) == text  # nothing lost or added
        for part in parts:  # each part's entities whole: Slack shows "&", not "&am" "p;"
            assert part.count("&") == part.count("&amp;") + part.count("&lt;") + \
                part.count("&gt;"), part[-8:]


async def test_a_long_line_is_never_cut_inside_a_character(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    import unicodedata

    for shift in range(8):
        fake.calls.clear()
        text = "x" * shift + unicodedata.normalize("NFD", EMOJI_LINE)
        await adapter.send_dm(ALICE, OutboundMessage(text))
        parts = parts_of(fake)
        assert len(parts) >= 2 and all(len(p) <= MAX_TEXT for p in parts)
        assert "".join(parts) == text
        assert_cut_between_characters(parts)


async def test_a_long_line_of_mentions_is_never_cut_inside_one(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    for shift in range(3):
        fake.calls.clear()
        text = "x" * shift + "<@U0ALICE>&amp;" * 400  # a kudos naming many people, say
        await adapter.send_dm(ALICE, OutboundMessage(text))
        parts = parts_of(fake)
        assert len(parts) >= 2 and "".join(parts) == text
        assert all(p.count("<") == p.count(">") == p.count("<@U0ALICE>") for p in parts)


async def test_a_list_pasted_after_a_command_gets_one_short_answer(
        slack: SlackHarness) -> None:
    # Grace pastes a column of 3,000 names from a spreadsheet after /summary in her DM (a
    # Slack message takes 40,000 characters): 'I don't know anyone called "<all of it>"'
    # came back as ten messages.
    typed = "/summary " + ", ".join(f"Person {i}" for i in range(3000))
    await slack.dm(GRACE, typed)
    assert [c.params["text"] for c in slack.posts(GRACE)] == [
        "/summary came with 37,897 characters; a command takes at most 5,000. Nothing was "
        "done: please send it again, shorter."]
    await slack.dm(LILEI, "/goals " + "x" * 6000)
    assert slack.last_text(LILEI) == (
        "/goals 带了 6,007 个字符，一条命令最多 5,000 个。本次没有执行：请精简后重新发送。")
