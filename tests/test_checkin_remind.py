"""/checkin remind: the GM chases the check-ins still missing, now.

On Monday the GM reads last week's summary: Alice stopped after two answers, 李雷 never
started, Bruno is done. The automatic reminder went out on Saturday; before, the GM had
no way to nudge them again but to write to each by hand. The clock starts on Friday
2026-11-27, 16:00 in New York, when the week's check-ins go out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.adapters.base import RetryLater
from bot.app import prepare
from bot.config import Settings
from storage.pulse import PulseVote
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of

BRUNO = ["41000", "Won Globex", "No blockers", "1", "Call 3", "3"]


async def monday(bot, chat, clock) -> None:
    await bot.run_checkins(["alice", "bruno", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    await answer_all(bot, "bruno", BRUNO)
    clock.advance(timedelta(days=3))  # Monday 16:00 in New York
    chat.clear()


async def test_the_gm_reminds_those_who_have_not_finished_and_they_carry_on(bot, chat, clock):
    await monday(bot, chat, clock)

    await say(bot, "grace", "/checkin remind")

    assert chat.last("grace") == ("Reminded 2 people whose 2026-W48 check-in is not finished: "
                                  "Alice Martin, 李雷. Each was told you asked.")
    alice = chat.last("alice")
    assert alice.startswith("Grace Chen asked me to remind you, Alice Martin: your check-in "
                            "for 2026-W48 isn't finished yet.")
    assert "Question 3 of 8\nWhat were your wins this week?" in alice
    assert chat.last("li").startswith("李雷，Grace Chen 请我提醒你：你 2026-W48 的签到还没有完成。")
    assert not chat.to("bruno")  # done: nothing to remind him of
    # Alice answers where the reminder left her, and her check-in is in.
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    assert answers_of(bot, "alice")["wins"][0] == "Closed Acme"


async def test_once_a_day_each_and_the_reply_says_who_was_not_reminded_and_why(bot, chat,
                                                                              clock):
    await monday(bot, chat, clock)
    await say(bot, "grace", "/checkin remind")
    chat.clear()

    await say(bot, "grace", "/checkin remind")  # the same day: nobody twice
    assert chat.last("grace") == ("Nobody reminded for 2026-W48.\n"
                                  "Reminded already today: Alice Martin, 李雷")
    assert not chat.to("alice") and not chat.to("li")
    await say(bot, "alice", "/away 2026-12-10")
    clock.advance(timedelta(days=1))  # Tuesday: a new day for each of them
    await say(bot, "grace", "/checkin remind")
    assert chat.last("grace") == ("Reminded 1 person whose 2026-W48 check-in is not finished: "
                                  "李雷. Each was told you asked.\nAway: Alice Martin")
    await say(bot, "grace", "/checkin remind bruno")
    assert chat.last("grace") == ("Bruno Rossi has finished the 2026-W48 check-in: nobody to "
                                  "remind.")


async def test_a_team_in_chinese_and_only_for_the_gm_and_admins(bot, chat, clock):
    await monday(bot, chat, clock)
    await say(bot, "alice", "/checkin remind")
    assert chat.last("alice").startswith("Only the GM and the admins named in the org file "
                                         "can send a check-in round or reminders.")
    assert not chat.to("li")
    chat.clear()
    await say(bot, "grace", "/checkin 提醒 team China")
    assert chat.last("grace") == ("Reminded 1 person whose 2026-W48 check-in is not finished "
                                  "(team China): 李雷. Each was told you asked.")
    assert not chat.to("alice")
    await say(bot, "grace", "/checkin remind team Atlantis")
    assert chat.last("grace").startswith('There is no team called "Atlantis"')


async def test_a_reminder_asked_for_takes_the_place_of_the_automatic_one(bot, chat, clock):
    # Friday: the check-ins went out at 16:00; the GM chases Alice at 17:00, before the
    # automatic reminder's two hours are up. At 18:00 she is not reminded a second time.
    await bot.run_checkins(["alice"])
    clock.advance(timedelta(hours=1))
    await say(bot, "grace", "/checkin remind alice")
    assert chat.last("alice").startswith("Grace Chen asked me to remind you")
    chat.clear()
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 0
    assert not chat.to("alice")


async def test_after_the_automatic_reminder_the_gm_reminding_the_same_day_sends_no_second(
        bot, chat, clock):
    # The other order: the automatic reminder reached Alice (Friday 18:00 in New York) and
    # 李雷 (Saturday 07:00 in Shanghai); the GM's /checkin remind an hour later reached them
    # again. At most once a day each holds whichever came first; the next day it is a new one.
    await bot.run_checkins(["alice", "li"])
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 2
    assert chat.last("alice").startswith("Friendly reminder, Alice Martin: your check-in for")
    chat.clear()
    clock.advance(timedelta(hours=1))
    await say(bot, "grace", "/checkin remind")
    assert chat.last("grace").startswith("Nobody reminded for 2026-W48.\n"
                                         "Reminded already today: Alice Martin, 李雷\n")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/checkin 提醒 李雷")
    assert chat.last("grace").endswith("今天已提醒过：李雷")
    assert not chat.to("alice") and not chat.to("li")
    clock.advance(timedelta(days=1))  # Saturday in New York, Sunday in Shanghai
    await say(bot, "grace", "/checkin 提醒")
    assert chat.last("grace").startswith("已提醒 2 位 2026-W48 签到尚未完成的成员")
    assert chat.last("li").startswith("李雷，Grace Chen 请我提醒你")


async def test_a_person_named_who_does_not_check_in_is_not_said_to_have_finished(bot, chat,
                                                                                 clock):
    await monday(bot, chat, clock)
    await say(bot, "grace", "/checkin remind vera")
    assert chat.last("grace") == ("Nobody reminded for 2026-W48 (Vera Ops).\n"
                                  "Does not check in: Vera Ops")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/checkin 提醒 vera")
    assert chat.last("grace") == "2026-W48 没有需要提醒的人（Vera Ops）。\n不参与签到：Vera Ops"


async def test_those_whose_check_in_has_not_gone_out_yet_in_their_timezone_are_not_sent_one(
        bot, chat, clock):
    # The next Friday, 09:00 in New York: 李雷's W49 check-in went out at 16:00 Shanghai;
    # Alice's goes out at 16:00 New York, Bruno's at 16:00 Rome. Nothing is missing there.
    clock.advance(timedelta(days=6, hours=17))
    await bot.run_checkins(["li"])
    await say(bot, "grace", "/checkin remind")
    assert chat.last("grace") == (
        "Reminded 1 person whose 2026-W49 check-in is not finished: 李雷. Each was told you "
        "asked.\nCheck-in not due yet (it goes out at their own time): Alice Martin, "
        "Bruno Rossi")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/checkin 提醒 alice")
    assert chat.last("grace") == ("2026-W49 没有需要提醒的人（Alice Martin）。\n"
                                  "签到还没到时间（按其本人时区的时间发出）：Alice Martin")


async def test_an_admin_who_checks_in_is_not_reminded_of_their_own_by_themselves(
        database_url, clock, tmp_path):
    # Alice, a director, is also an admin; she chases everyone while half-way through
    # her own check-in. The others are reminded; she is not told "Alice Martin asked me".
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "  summary_viewers: [vera]", "  summary_viewers: [vera]\n  admins: [alice]"),
        encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await monday(bot, chat, clock)
        await say(bot, "alice", "/checkin remind")
        assert chat.last("alice") == ("Reminded 1 person whose 2026-W48 check-in is not "
                                      "finished: 李雷. Each was told you asked.")
        assert len(chat.to("alice")) == 1
    finally:
        engine.dispose()


async def test_someone_named_who_was_not_sent_it_or_does_not_check_in_is_said_so(bot, chat,
                                                                                 clock):
    await bot.run_checkins(["alice"])  # Bruno's was never sent (left out of the round)
    await say(bot, "grace", "/checkin remind bruno")
    assert chat.last("grace") == ("Nobody reminded for 2026-W48 (Bruno Rossi).\n"
                                  "Not sent the 2026-W48 check-in (/checkin send sends it): "
                                  "Bruno Rossi")
    await say(bot, "grace", "/checkin remind sam")  # a member who does not check in
    assert chat.last("grace") == ("Nobody reminded for 2026-W48 (Sam Lee).\n"
                                  "Does not check in: Sam Lee")
    assert not chat.to("bruno") and not chat.to("sam")


async def test_someone_away_when_the_round_went_out_is_named_away_not_to_be_sent_it(
        bot, chat, clock):
    """Found by the five-week soak: Bruno, away all week, was listed as "Not sent the
    check-in (/checkin send sends it)", and the command it named sends him nothing."""
    await say(bot, "bruno", "/away 2026-12-06")
    await bot.run_checkins()
    await say(bot, "grace", "/checkin remind bruno")
    assert chat.last("grace") == ("Nobody reminded for 2026-W48 (Bruno Rossi).\n"
                                  "Away: Bruno Rossi")
    await say(bot, "grace", "/checkin remind")
    assert "Away: Bruno Rossi" in chat.last("grace")
    assert "Not sent" not in chat.last("grace")
    assert not [t for t in chat.to("bruno") if "check-in" in t]


# --- held up until it was no longer true ------------------------------------------------------

def go_down(chat: RecordingAdapter) -> None:
    """The platform refuses every message (rate limited, an hour at a time) until back_up."""
    chat.fail_next[:] = [RetryLater(3600)] * 10_000


async def back_up(bot, chat: RecordingAdapter) -> None:
    """The platform takes messages again: the outbox sends what is due, and what waits."""
    chat.fail_next.clear()
    bot.clock.advance(timedelta(hours=1))  # the last Retry-After is over
    for _ in range(100):
        due = await bot.outbox.flush()
        if due is None:
            return
        bot.clock.set(max(due, bot.clock.now()))
    raise AssertionError("the outbox never became empty")


def expired_keys(bot) -> list[str]:
    with bot.unit() as ctx:
        return [r.dedupe_key or "" for r in ctx.outbox.by_status("expired")]


async def test_a_reminder_held_up_past_the_end_of_its_week_is_not_sent(bot, chat, clock):
    # Friday: Alice answers two questions; the automatic reminder falls due at 18:00, while
    # the platform refuses everything, and it does so all weekend. On Monday morning her
    # week is over (next week's check-in comes on Friday): the reminder is not sent late.
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    chat.clear()
    go_down(chat)
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 1
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("America/New_York")))
    await back_up(bot, chat)
    assert not chat.to("alice")
    assert expired_keys(bot) == ["checkin:alice:2026-W48:reminder"]
    # Her round is still there to finish by hand, as before.
    await say(bot, "alice", "/checkin")
    assert "Question 3 of 8" in chat.last("alice")


async def test_a_reminder_asked_for_goes_while_the_check_in_can_still_be_answered(
        bot, chat, clock):
    # Monday: the GM chases last week's (W48) check-ins, and the platform goes down just
    # then until Sunday evening in New York. /checkin takes W48's answers until the end of
    # W49 where each person is: Alice (New York) still gets hers, in order after the GM's
    # answer; for 李雷 (Shanghai) W49 ended at 11:00 New York time, so his is dropped.
    await monday(bot, chat, clock)
    go_down(chat)
    await say(bot, "grace", "/checkin remind")
    clock.set(datetime(2026, 12, 6, 18, 0, tzinfo=ZoneInfo("America/New_York")))
    await back_up(bot, chat)
    assert chat.last("grace").startswith("Reminded 2 people whose 2026-W48 check-in is not "
                                         "finished")
    assert chat.last("alice").startswith("Grace Chen asked me to remind you, Alice Martin")
    assert not chat.to("li")
    assert expired_keys(bot) == ["checkin:li:2026-W48:nudge:2026-12-01"]
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")


async def test_a_question_held_up_on_one_platform_is_withdrawn_when_answered_on_another(
        settings, clock):
    """Alice is on Slack and Telegram. Slack goes down after her first answer there, with
    the next question (new customers) queued; she answers it on Telegram and goes on. The
    stale question was sent once Slack came back, asking what she had answered: only
    finishing the check-in withdrew it."""
    from bot.events import InboundEvent

    bot, engine = prepare(settings, clock)
    slack, telegram = RecordingAdapter(platform="slack"), RecordingAdapter(platform="telegram")
    bot.register(slack)
    bot.register(telegram)

    async def alice(platform: str, text: str) -> None:
        user = "U0ALICE" if platform == "slack" else "1002"
        await bot.handle(InboundEvent(platform=platform, user_id=user, chat_id=user,
                                      chat_type="direct", text=text))
        await bot.drain()

    try:
        await bot.run_checkins(["alice"])
        go_down(slack)
        await alice("slack", "52000")  # the reply, "New customers?", waits for Slack
        await alice("telegram", "3")
        assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 3.0, False)
        asked_next = telegram.last("1002")
        await back_up(bot, slack)
        assert not [t for t in slack.to("U0ALICE") if "New customers" in t], slack.to("U0ALICE")
        assert telegram.last("1002") == asked_next  # the question now open is still hers
    finally:
        await bot.drain()
        engine.dispose()


async def test_the_reply_never_tells_the_gm_who_is_answering_the_pulse_poll_right_now(
        bot, chat, clock):
    """A curious GM on a poll day: Alice left last week's check-in half done; "did you take
    the poll, Alice?", then /checkin remind alice, before and after. Had the reply named her
    "in the middle of another survey or poll" while she answers and not otherwise, it would
    say whether, and to the minute when, she answered (README: Your answers are anonymous).
    She is reminded either way, without a question that would take her next poll answer."""
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York, W49
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    await answer_all(bot, "li", ALICE_ANSWERS[:2])
    clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))  # Wednesday: the poll goes out
    await bot.run_pulse()
    clock.advance(timedelta(hours=2))  # the poll's own hour is long past
    await say(bot, "alice", "4")  # morale: she is in the middle of the poll now
    await say(bot, "li", "3")  # and so is 李雷
    chat.clear()

    await say(bot, "grace", "/checkin remind team China")
    assert chat.last("grace") == ("Reminded 1 person whose 2026-W49 check-in is not finished "
                                  "(team China): 李雷. Each was told you asked.")
    assert chat.last("li") == ("李雷，Grace Chen 请我提醒你：你 2026-W49 的签到还没有完成。"
                               "你正在回答其他问题：答完后发送 /checkin 即可从上次停下的地方继续。")
    await say(bot, "grace", "/checkin remind alice")
    reply = chat.last("grace")
    assert reply == ("Reminded 1 person whose 2026-W49 check-in is not finished: "
                     "Alice Martin. Each was told you asked.")
    assert "middle" not in reply and "poll" not in reply
    reminder = chat.last("alice")
    assert reminder.startswith("Grace Chen asked me to remind you, Alice Martin: your "
                               "check-in for 2026-W49 isn't finished yet.")
    assert "send /checkin" in reminder and "Question" not in reminder
    # Her next typed number still answers the poll, not the check-in.
    await say(bot, "alice", "2")
    with bot.unit() as ctx:
        assert sorted(v.value for v in ctx.session.scalars(select(PulseVote))) == [2, 3, 4]
    # Asked again later the same day, the reply is the same whether or not she is
    # answering: reminded already today.
    await say(bot, "grace", "/checkin remind alice")
    assert chat.last("grace") == ("Nobody reminded for 2026-W49 (Alice Martin).\n"
                                  "Reminded already today: Alice Martin")
    await say(bot, "alice", "没有")  # no comment: the poll is finished
    await say(bot, "grace", "/checkin remind alice")
    assert chat.last("grace") == ("Nobody reminded for 2026-W49 (Alice Martin).\n"
                                  "Reminded already today: Alice Martin")
