"""Anonymous pulse polls on the console platform: asking, answering, anonymity, results,
alerts, care, the CLI, reminders and closing."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.events import InboundEvent
from bot.org import OrgError, parse_org
from bot.pulse_config import PulseSettings
from handlers.pulse import poll_date, team_morale, visible_slices
from storage.models import Conversation, OutboxMessage, Person
from storage.pulse import PulseComment, PulseParticipant, PulsePoll, PulseRepo, PulseVote
from tests.conftest import SERVER_URL
from tests.support import DATA, RecordingAdapter, say
from tests.test_checkin_remind import go_down
from tests.test_summary import run_cli

PULSE_ORG = DATA / "org_pulse.yaml"
EAST = ["alice", "east1", "east2", "east3", "east4", "east5"]
WEST = ["bruno", "west1", "west2", "west3"]
# Wednesday 2026-12-09 is a poll day (every second Wednesday from the week of 2026-01-05).
# At 17:05 UTC it is past 11:00 in New York, Chicago, Rome and (Thursday) Shanghai.
POLL_DAY = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)
PREVIOUS_POLL_DAY = datetime(2026, 11, 25, 17, 5, tzinfo=UTC)


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


@pytest.fixture
def pbot(database_url: str, pclock: FakeClock) -> Iterator[TeamPulse]:
    bot, engine = prepare(Settings(database_url=database_url, org_file=PULSE_ORG), pclock)
    yield bot
    engine.dispose()


@pytest.fixture
def pchat(pbot: TeamPulse) -> RecordingAdapter:
    adapter = RecordingAdapter()
    pbot.register(adapter)
    return adapter


def last_choices(chat: RecordingAdapter, key: str) -> list[str]:
    """The button actions of the last message sent to a person."""
    sent = [s for s in chat.sent if s.target.address == key]
    assert sent, f"nothing was sent to {key}"
    return [c.value for c in sent[-1].message.choices]


async def press(bot: TeamPulse, chat: RecordingAdapter, key: str, n: int) -> None:
    """Press button n (1-based) of the last message to `key`."""
    await say(bot, key, action=last_choices(chat, key)[n - 1])


async def answer_all(bot: TeamPulse, chat: RecordingAdapter, key: str, morale: int, stress: int,
                     comment: str | None = None) -> None:
    """Answer morale and stress by buttons, then comment (or press 'No comment')."""
    await press(bot, chat, key, morale)
    await press(bot, chat, key, stress)
    if comment is None:
        await press(bot, chat, key, 1)
    else:
        await say(bot, key, comment)


async def close(bot: TeamPulse, clock: FakeClock) -> None:
    with bot.unit() as ctx:
        closes = max(p.closes_at for p in ctx.session.scalars(select(PulsePoll)))
    clock.set(closes + timedelta(minutes=1))
    await bot.run_pulse()


async def remind(bot: TeamPulse, chat: RecordingAdapter, clock: FakeClock, *,
                 down: bool = False) -> int:
    """A day after the open poll went out (pulse.remind_after_hours: 24) the sweep reminds
    whoever has not finished it, the chat cleared first; how many it reminded. `down`: the
    platform refuses everything meanwhile (tests.test_checkin_remind.go_down), so the
    reminders wait in the outbox."""
    chat.clear()
    if down:
        go_down(chat)
    clock.advance(timedelta(hours=25))
    return (await bot.run_pulse()).reminded


def write_pulse_org(org_file: Path, threshold: int) -> Path:
    """The pulse org with `threshold`, East and West asked alone (beside East's and
    West's, the org's figures would tell whether the GM or Nova, each a group of one,
    answered)."""
    org_file.write_text(PULSE_ORG.read_text().replace(
        "pulse:\n", f"pulse:\n  threshold: {threshold}\n"
                    "  audience: {teams: [East, West]}\n"))
    return org_file


async def east_and_west_answer(bot: TeamPulse, chat: RecordingAdapter,
                               clock: FakeClock) -> None:
    """The poll goes out, East answers morale 4 and stress 2, West 2 and 4; it closes."""
    await bot.run_pulse()
    for key in EAST:
        await answer_all(bot, chat, key, 4, 2)
    for key in WEST:
        await answer_all(bot, chat, key, 2, 4)
    await close(bot, clock)


# --- cadence and asking -----------------------------------------------------------------------

def test_cadence_is_every_second_wednesday():
    settings = PulseSettings()
    assert poll_date(settings, date(2026, 12, 9)) == date(2026, 12, 9)
    assert poll_date(settings, date(2026, 12, 12)) == date(2026, 12, 9)
    assert poll_date(settings, date(2026, 12, 16)) == date(2026, 12, 9)  # the off week
    assert poll_date(settings, date(2026, 12, 23)) == date(2026, 12, 23)
    assert poll_date(settings, date(2026, 12, 8)) == date(2026, 11, 25)


async def test_poll_arrives_at_11_in_each_persons_timezone(pbot, pchat, pclock):
    pclock.set(datetime(2026, 12, 9, 16, 5, tzinfo=UTC))  # 11:05 New York, 10:05 Chicago
    await pbot.run_pulse()
    assert "anonymous pulse poll" in pchat.last("alice")
    assert "Question 1 of 2" in pchat.last("alice")
    assert pchat.to("east1") == []  # Chicago: not 11:00 yet
    assert "匿名脉搏调查" in pchat.last("east5")  # Shanghai, in Chinese
    pclock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))
    await pbot.run_pulse()
    assert len(pchat.to("east1")) == 1
    await pbot.run_pulse()  # a second sweep asks nobody twice
    assert len(pchat.to("east1")) == 1 and len(pchat.to("alice")) == 1
    pclock.set(datetime(2026, 12, 16, 17, 5, tzinfo=UTC))  # the off week: nothing
    pchat.clear()
    await pbot.run_pulse()
    assert not [s for s in pchat.sent if "Question 1" in s.text]


async def test_someone_away_gets_the_poll_when_back_if_it_is_still_open(pbot, pchat, pclock):
    # Alice, away from Monday to Wednesday, had been sent the poll (and its reminder) on
    # holiday; Bruno, away the whole time it is open, had it waiting on his return.
    pclock.set(POLL_DAY - timedelta(days=5))  # planned on the Friday before
    await say(pbot, "alice", "/away 2026-12-07 2026-12-09")
    await say(pbot, "bruno", "/away 2026-12-07 2026-12-20")
    pclock.set(POLL_DAY)
    pchat.clear()
    await pbot.run_pulse()
    assert not pchat.to("alice") and not pchat.to("bruno")
    assert "Question 1 of 2" in pchat.last("east1")
    with pbot.unit() as ctx:
        assert len(ctx.session.scalars(select(PulseParticipant)).all()) == 10
    pclock.set(datetime(2026, 12, 10, 17, 5, tzinfo=UTC))  # Thursday: Alice is back
    await pbot.run_pulse()
    assert "anonymous pulse poll" in pchat.last("alice")
    assert not pchat.to("bruno")
    pclock.advance(timedelta(minutes=10))  # her reminder's time is past: none minutes later
    await pbot.run_pulse()
    assert len(pchat.to("alice")) == 1
    await close(pbot, pclock)
    assert not pchat.to("bruno")


async def test_audience_by_role_or_team(database_url, pclock, tmp_path):
    org = PULSE_ORG.read_text().replace("pulse:\n", "pulse:\n  audience: {roles: [director]}\n")
    path = tmp_path / "org.yaml"
    path.write_text(org)
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_pulse()
    assert {s.target.address for s in chat.sent} == {"alice", "bruno"}
    await say(bot, "west1", "/pulse")
    assert "for other roles or teams" in chat.last("west1")
    await say(bot, "alice", "/pulse")
    assert "Question 1 of 2" in chat.last("alice")
    engine.dispose()


async def test_answer_by_buttons_and_by_typing_with_a_comment(pbot, pchat):
    await pbot.run_pulse()
    await press(pbot, pchat, "alice", 2)
    assert "Question 2 of 2" in pchat.last("alice")
    await say(pbot, "alice", "3")
    assert "Anything you'd like to add?" in pchat.last("alice")
    await say(pbot, "alice", "More pairing on big deals, please")
    assert "Thank you, that's all" in pchat.last("alice")
    with pbot.unit() as ctx:
        votes = sorted((v.question_key, v.value, v.team)
                       for v in ctx.session.scalars(select(PulseVote)))
        comments = [(c.team, c.text) for c in ctx.session.scalars(select(PulseComment))]
    assert votes == [("morale", 2, "East"), ("stress", 3, "East")]
    assert comments == [("East", "More pairing on big deals, please")]
    # Answered: /pulse says so rather than asking again.
    await say(pbot, "alice", "/pulse")
    assert "already answered" in pchat.last("alice")


async def test_chinese_answers_typed_full_width_and_no_comment(pbot, pchat):
    await pbot.run_pulse()
    await say(pbot, "east5", "４")
    await say(pbot, "east5", "二")
    await say(pbot, "east5", "没有")
    assert "已匿名收到" in pchat.last("east5")
    with pbot.unit() as ctx:
        assert sorted((v.question_key, v.value) for v in ctx.session.scalars(
            select(PulseVote))) == [("morale", 4), ("stress", 2)]
        assert ctx.session.scalars(select(PulseComment)).all() == []


async def test_a_comment_over_the_limit_is_refused_not_cut_short(pbot, pchat):
    # A comment over 2,000 characters was stored cut off mid-sentence, without a word.
    await pbot.run_pulse()
    await say(pbot, "east5", "4")
    await say(pbot, "east5", "3")
    long = "我们团队最近加班很多，希望能调整一下重点客户的分配方式。" * 80  # 2,240 characters
    await say(pbot, "east5", long)
    assert "2000" in pchat.last("east5") or "2,000" in pchat.last("east5"), pchat.last("east5")
    with pbot.unit() as ctx:
        assert ctx.session.scalars(select(PulseComment)).all() == []
    await say(pbot, "east5", long[:500])
    assert "已匿名收到" in pchat.last("east5")
    with pbot.unit() as ctx:
        assert [c.text for c in ctx.session.scalars(select(PulseComment))] == [long[:500]]


async def test_a_typed_answer_that_is_not_1_to_5_is_refused_without_echo(pbot, pchat):
    await pbot.run_pulse()
    await say(pbot, "alice", "7")
    reply = pchat.last("alice")
    assert "couldn't read that" in reply and "7" not in reply
    await say(pbot, "alice", "fine I guess")
    assert "fine" not in pchat.last("alice")
    with pbot.unit() as ctx:
        assert ctx.session.scalars(select(PulseVote)).all() == []


async def test_a_digit_symbol_typed_as_an_answer_is_refused_not_an_error(pbot, pchat, caplog):
    """'❺' (a circled digit a Chinese keyboard's symbol panel offers) counts as a digit to
    Python but is no number int() reads: typed as an answer, or after /pulse, it failed
    with "Sorry, something went wrong" and an ERROR line with its traceback in the log at
    the moment that person answered the poll. It is refused as any unreadable answer is,
    the question still waits, and nothing is logged."""
    caplog.set_level(logging.INFO)
    await pbot.run_pulse()
    caplog.clear()
    await say(pbot, "east5", "❺")
    assert pchat.last("east5") == "我无法识别这个回答。请点击按钮或输入 1 到 5 的数字。本次未保存。"
    await say(pbot, "alice", "/pulse ➍")
    assert pchat.last("alice").startswith("Nothing was saved: type your answer on its own")
    # (Nor does a press whose data was made up: the bot's buttons carry ASCII digits.)
    await say(pbot, "alice", action="anon:pulse:1:0:❺")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await say(pbot, "east5", "5")
    assert pchat.last("east5").startswith("第 2 题，共 2 题")
    with pbot.unit() as ctx:
        assert [v.value for v in ctx.session.scalars(select(PulseVote))] == [5]


async def test_pulse_on_demand_answers_the_open_poll_or_says_none_is_open(pbot, pchat, pclock):
    pclock.set(datetime(2026, 12, 16, 17, 5, tzinfo=UTC))  # no poll this week
    await say(pbot, "west1", "/pulse")
    assert "no pulse poll open" in pchat.last("west1")
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    await press(pbot, pchat, "west1", 4)
    await say(pbot, "west1", "/pulse")  # resumes at the question not yet answered
    assert "Question 2 of 2" in pchat.last("west1")
    await say(pbot, "west1", "/pulse", group=True)
    assert "private message" in pchat.last("team")


async def test_a_number_typed_after_pausing_the_poll_points_to_pulse_not_to_checkin(
        pbot, pchat, pclock):
    """Everyone in this org is not asked to check in: someone who paused the poll and types
    a number is not told to /checkin (it turns them away) but to /pulse, in their language;
    once the poll is done or closed, only /help."""
    await pbot.run_pulse()
    await press(pbot, pchat, "east1", 4)
    await say(pbot, "east1", "/pause")
    await say(pbot, "east1", "3")
    assert pchat.last("east1") == (
        "I'm not waiting for an answer from you right now. The pulse poll you put aside is "
        "still open: send /pulse to carry on. Send /help to see everything I can do.")
    await say(pbot, "east1", "/skip")  # nor is /skip sent to /checkin
    assert pchat.last("east1") == ("There's no open question to skip: the pulse poll you put "
                                   "aside is waiting, and /pulse carries on.")
    await press(pbot, pchat, "east5", 3)
    await say(pbot, "east5", "/pause")
    await say(pbot, "east5", "二")
    assert pchat.last("east5") == ("我现在没有在等你的回答。你暂时搁置的脉搏调查仍在进行："
                                   "发送 /pulse 继续。发送 /help 查看全部功能。")
    await say(pbot, "east5", "/skip")
    assert pchat.last("east5") == ("当前没有可以跳过的问题：你暂时搁置的脉搏调查还在等你，"
                                   "发送 /pulse 继续。")
    await answer_all(pbot, pchat, "east2", 4, 2, "Busy month")
    await say(pbot, "east2", "Busy month")
    assert pchat.last("east2") == ("I'm not waiting for an answer from you right now. "
                                   "Send /help to see everything I can do.")
    await close(pbot, pclock)
    await say(pbot, "east1", "3")
    assert "/pulse" not in pchat.last("east1") and "/checkin" not in pchat.last("east1")


async def test_what_a_director_hears_after_finishing_or_pausing_the_poll_is_not_kept(
        pbot, pchat, pclock):
    """Alice (a director) finishes the poll, then types '/pulse 4' and '/pulse': she hears
    that she has already answered; Bruno pauses it and types '3': he hears that it is still
    open. Those replies stayed in the outbox, word for word, long after: whoever read the
    database read that Alice had finished the poll, and Bruno had not, and when each
    looked at it again. README promises the poll's replies are blanked once delivered, a
    blank row saying only that a reply went to them then: so are these, as the in-poll
    replies are. Someone never in the poll (the GM asks /pulse 4 after it closed) hears
    nothing kept of a poll either."""
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 4, 2)
    await say(pbot, "alice", "/pulse 4")
    assert pchat.last("alice").startswith("You have already answered this pulse poll")
    await say(pbot, "alice", "/pulse")
    assert pchat.last("alice").startswith("You have already answered this pulse poll")
    await press(pbot, pchat, "bruno", 3)
    await say(pbot, "bruno", "/pause")
    await say(pbot, "bruno", "3")
    assert "The pulse poll you put aside is still open" in pchat.last("bruno")
    await pbot.outbox.flush()
    told = ("already answered", "put aside", "已经回答", "搁置")
    with pbot.unit() as ctx:
        rows = [r for r in ctx.session.scalars(select(OutboxMessage))
                if r.address in {"alice", "bruno"}]
    assert rows
    for row in rows:
        assert not any(word in repr(row.payload) for word in told), row.payload
    # Each reply still left its blank row (README: "a blank row still says that a reply
    # went to you then"), and no more than that: no text, no buttons.
    blank = [r for r in rows if r.payload.get("scrub_after_send")]
    assert all(r.status == "sent" and r.payload == {"text": "", "scrub_after_send": True}
               for r in blank), [r.payload for r in blank]
    # The poll closes; Bruno, who never finished, asks with '/pulse 4': told it closed,
    # and that reply is not kept either.
    await close(pbot, pclock)
    await say(pbot, "bruno", "/pulse 4")
    assert "closed" in pchat.last("bruno")
    await pbot.outbox.flush()
    with pbot.unit() as ctx:
        assert not any("closed" in r.payload.get("text", "")
                       for r in ctx.session.scalars(select(OutboxMessage))
                       if r.address == "bruno")


async def test_pause_and_skip_typed_as_words_in_a_poll_pause_it_and_store_nothing(pbot, pchat):
    """'pause'/'暂停' put the poll aside as they do a check-in (also at the comment, where
    they were kept as an anonymous comment nobody can take back); 'skip'/'跳过' at a
    rating says it cannot be skipped and how to put it aside, not "couldn't read that"."""
    await pbot.run_pulse()
    await say(pbot, "alice", "skip")
    assert pchat.last("alice") == ("This question can't be skipped: please answer it, or send "
                                   "/pause to put it aside (/pulse brings it back).")
    await say(pbot, "alice", "pause")
    assert pchat.last("alice") == ("Paused. Your answers so far are saved; send /pulse "
                                   "whenever you want to continue.")
    await press(pbot, pchat, "east5", 4)
    await press(pbot, pchat, "east5", 2)
    await say(pbot, "east5", "暂停")  # at the comment
    assert pchat.last("east5") == "已暂停。已回答的内容都已保存；想继续时发送 /pulse 即可。"
    await say(pbot, "east5", "/pulse")
    assert "留言" in pchat.last("east5")  # the comment is still asked
    await say(pbot, "east5", "没有")
    with pbot.unit() as ctx:
        assert list(ctx.session.scalars(select(PulseComment))) == []
        assert ctx.session.scalar(select(PulseVote.id).limit(1)) is not None


async def test_pulse_with_the_rating_after_it_answers_the_question_in_private(pbot, pchat):
    """'/pulse 4' (or '/pulse 四') in private answered nothing and said only what /pulse is
    for; it answers the question in front of them. Anything else after /pulse is never
    kept (no comment), and the reply says nothing was saved."""
    await pbot.run_pulse()
    await say(pbot, "east1", "/pulse 4")
    assert pchat.last("east1").startswith("Question 2 of 2: How stressed")
    await say(pbot, "east5", "/pulse 四")
    assert pchat.last("east5").startswith("第 2 题，共 2 题")
    await say(pbot, "east1", "/pulse 2")
    assert "\n\nAnything you'd like to add?" in pchat.last("east1")  # (after the care note)
    await say(pbot, "east1", "/pulse great team")
    assert pchat.last("east1") == ("Nothing was saved: type your answer on its own, without "
                                   "/pulse, or press a button. /pulse answers the open "
                                   "anonymous pulse poll.")
    await say(pbot, "east5", "/pulse 9")
    assert pchat.last("east5").startswith("没有保存任何内容：请直接输入你的回答")
    # In a group the number is never read: it would show the vote to everyone there.
    await say(pbot, "east2", "/pulse 5", group=True)
    with pbot.unit() as ctx:
        votes = list(ctx.session.scalars(select(PulseVote)))
        assert sorted(v.value for v in votes) == [2, 4, 4]
        assert list(ctx.session.scalars(select(PulseComment))) == []


# `/pulse 4` typed in private where it can answer nothing (the poll finished, closed, or none
# open) says why the number was not taken, as a plain `4` does: the usage alone read as if
# the late vote had counted.

def _votes(bot) -> int:
    with bot.unit() as ctx:
        return len(ctx.session.scalars(select(PulseVote)).all())


async def test_a_rating_after_finishing_the_poll_says_it_is_already_answered(pbot, pchat):
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 4, 2)
    await say(pbot, "alice", "/pulse 5")
    assert pchat.last("alice").startswith("You have already answered this pulse poll")
    await answer_all(pbot, pchat, "east5", 4, 2)
    await say(pbot, "east5", "/pulse 五")
    assert pchat.last("east5").startswith("你已经回答了本次脉搏调查")


async def test_a_rating_after_the_close_says_it_closed_and_is_not_counted(pbot, pchat, pclock):
    await pbot.run_pulse()
    await press(pbot, pchat, "bruno", 3)
    await close(pbot, pclock)
    await say(pbot, "bruno", "/pulse 4")
    assert pchat.last("bruno").startswith("This pulse poll has closed (at ")
    assert "this one is not counted" in pchat.last("bruno")
    await say(pbot, "east5", "/pulse 四")  # never started it, in Chinese
    assert pchat.last("east5").startswith("本次脉搏调查已")
    assert _votes(pbot) == 0


async def test_a_rating_with_no_poll_open_says_none_is_open_and_when_the_next_opens(
        pbot, pchat, pclock):
    pclock.advance(-timedelta(days=2))  # the Monday before the poll day
    await say(pbot, "alice", "/pulse 4")
    assert pchat.last("alice").startswith("There's no pulse poll open right now. The next "
                                          "one opens Wed 2026-12-09 11:00 your time")
    assert _votes(pbot) == 0


async def test_a_stale_or_repeated_button_stores_nothing_more(pbot, pchat):
    await pbot.run_pulse()
    first = last_choices(pchat, "alice")
    await say(pbot, "alice", action=first[0])
    await say(pbot, "alice", action=first[4])  # the morale buttons again
    assert "no longer open" in pchat.last("alice")
    with pbot.unit() as ctx:
        assert [v.value for v in ctx.session.scalars(select(PulseVote))] == [1]


def test_a_pressed_pulse_button_shows_only_answered(pbot):
    event = InboundEvent(platform="console", user_id="alice", chat_id="alice",
                         action="anon:pulse:1:0:2")
    assert pbot.pressed_label(event, "2") == "answered"
    zh = InboundEvent(platform="console", user_id="east5", chat_id="east5",
                      action="anon:pulse:1:0:2")
    assert pbot.pressed_label(zh, "2") == "已回答"
    checkin = InboundEvent(platform="console", user_id="alice", chat_id="alice",
                           action="ans:1:0:2")
    assert pbot.pressed_label(checkin, "2") == "2"



async def test_the_answered_mark_of_a_pressed_button_follows_the_language_chosen(pbot, pchat):
    # Alice's file says en; she chose Chinese, and her poll came in Chinese: the button she
    # presses is replaced by 已回答, not the file's "answered".
    await say(pbot, "alice", "/language 中文")
    await pbot.run_pulse()
    first = last_choices(pchat, "alice")
    event = InboundEvent(platform="console", user_id="alice", chat_id="alice", action=first[0])
    await pbot.handle(event)
    assert pbot.pressed_label(event, "1") == "已回答"
    await say(pbot, "alice", "/language default")
    assert pbot.pressed_label(event, "1") == "answered"

# --- anonymity under inspection -----------------------------------------------------------

def dump_tables(bot: TeamPulse) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as the database holds it."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with bot.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            out[table] = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}"'))]
    return out


async def test_nothing_links_a_person_to_a_value(pbot, pchat, pclock, caplog):
    """Run a poll, then search every table, log line and outgoing payload for a link."""
    caplog.set_level(logging.DEBUG)
    await pbot.run_pulse()
    comments = {"alice": "Zebra-quartz pipeline worry", "east1": "Marmalade quota fatigue",
                "bruno": "Obsidian travel overload", "west1": "Tangerine tooling gripe"}
    # Different values, none high enough for the care note (that one is tested apart).
    answers = {"alice": (1, 1), "east1": (5, 3), "east2": (3, 2), "bruno": (2, 3),
               "west1": (4, 1), "east3": (2, 2)}
    for key, (morale, stress) in answers.items():
        await answer_all(pbot, pchat, key, morale, stress, comments.get(key))
    await pbot.outbox.flush()
    tables = dump_tables(pbot)

    # 1. The vote and comment tables have no column that could name a person or a time.
    for table in ("pulse_votes", "pulse_comments"):
        columns = {c["name"] for c in inspect(pbot.engine).get_columns(table)}
        assert columns <= {"id", "poll_id", "question_key", "value", "team", "text"}
    # 2. A comment appears in exactly one row of one table: its own, without a person.
    for secret in comments.values():
        hits = [(t, r) for t, rows in tables.items() for r in rows if secret in repr(r)]
        assert [t for t, _ in hits] == ["pulse_comments"], hits
    # 3. Participation has no value and no time; conversations hold no value.
    part_columns = {c["name"] for c in inspect(pbot.engine).get_columns("pulse_participants")}
    assert part_columns == {"poll_id", "person_id", "team", "step", "done", "reminded"}
    for row in tables["conversations"]:
        assert all(secret not in repr(row) for secret in comments.values())
    # 4. Processed events and the outbox keep no chosen action, no comment, no text.
    for table in ("processed_events", "outbox"):
        for row in tables[table]:
            assert "anon:pulse" not in repr(row) or table == "outbox"
            assert all(secret not in repr(row) for secret in comments.values())
    with pbot.unit() as ctx:
        pulse_rows = [r for r in ctx.session.scalars(select(OutboxMessage))
                      if r.payload.get("scrub_after_send")]
        assert pulse_rows and all(r.status == "sent" and r.payload["text"] == ""
                                  and "choices" not in r.payload for r in pulse_rows)
    # 5. What the bot sent does not depend on the values: alice (1, 1) and east1 (5, 3)
    #    got the very same messages, apart from the greeting with their name.
    def seen(key: str) -> list[str]:
        return [s.text.replace(name, "NAME") + repr([c.label for c in s.message.choices])
                for s in pchat.sent if s.target.address == key
                for name in [("Alice Martin" if key == "alice" else "East Person 1")]]
    assert seen("alice")[1:] == seen("east1")[1:]
    for s in pchat.sent:
        assert all(secret not in s.text for secret in comments.values())
    # 6. No log line carries a comment or a pressed value.
    for record in caplog.records:
        line = record.getMessage() + repr(record.args)
        assert all(secret not in line for secret in comments.values()), line
        assert "anon:pulse" not in line, line
    # 7. The vote rows' order says nothing about who answered when (random keys).
    ids = [r[0] for r in tables["pulse_votes"]]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)


async def test_the_ids_of_a_respondents_messages_are_kept_seven_days_then_forgotten(
        pbot, pchat, pclock):
    """README: besides how far they got, the database keeps "for seven days (so that a
    redelivered message is not handled twice), the platform's id of each message or
    button press you sent and when it arrived". Kept longer, those times would say when
    each person answered for as long as the database lasts."""
    from storage.models import ProcessedEvent

    def kept() -> set[str]:
        with pbot.unit() as ctx:
            return {e.event_id for e in ctx.session.scalars(select(ProcessedEvent))}

    await pbot.run_pulse()
    await pbot.handle(InboundEvent(platform="console", user_id="alice", chat_id="alice",
                                   chat_type="direct", text="4", event_id="Ev-answer-1"))
    await pbot.drain()
    assert "Question 2 of 2" in pchat.last("alice")
    assert kept() == {"Ev-answer-1"}
    # Redelivered within the week, it is not handled twice: still one answer.
    await pbot.handle(InboundEvent(platform="console", user_id="alice", chat_id="alice",
                                   chat_type="direct", text="4", event_id="Ev-answer-1"))
    await pbot.drain()
    with pbot.unit() as ctx:
        assert [v.value for v in ctx.session.scalars(select(PulseVote))] == [4]
    pclock.advance(timedelta(days=6, hours=23))
    await pbot.run_reminders()  # the minute's sweep
    assert kept() == {"Ev-answer-1"}
    pclock.advance(timedelta(hours=2))
    await pbot.run_reminders()
    assert kept() == set()


async def test_care_note_after_the_stress_question_is_everyones_and_leaves_nothing(
        pbot, pchat):
    # Only a high stress answer got it once: the message then told one answer from
    # another wherever it was kept (the outbox during an outage: tests/test_pulse_operator).
    await pbot.run_pulse()
    await press(pbot, pchat, "west2", 2)
    await press(pbot, pchat, "west2", 5)
    care = pchat.last("west2")
    assert "you don't have to carry it alone" in care
    assert "Employee assistance line: 800-555-0199" in care
    assert "whatever they answered, so it says nothing about your answer" in care
    assert "Anything you'd like to add?" in care  # the same message as everyone's next one
    await press(pbot, pchat, "west3", 2)
    await press(pbot, pchat, "west3", 1)
    assert pchat.last("west3") == care
    await press(pbot, pchat, "east5", 3)
    await press(pbot, pchat, "east5", 4)
    assert "每个人在压力问题之后都会收到这条相同的消息" in pchat.last("east5")
    assert "员工援助热线：800-555-0199" in pchat.last("east5")
    await pbot.outbox.flush()
    tables = dump_tables(pbot)
    assert not any("carry it alone" in repr(r) or "800-555" in repr(r)
                   for rows in tables.values() for r in rows)
    # Only after the stress question: nobody hears it twice, or at another step.
    assert [s.target.address for s in pchat.sent
            if "carry it alone" in s.text or "独自承担" in s.text] == ["west2", "west3", "east5"]


async def test_an_older_org_files_care_stress_at_is_accepted_and_changes_nothing(
        database_url, pclock, tmp_path):
    """README: `pulse.care_stress_at`, in older org files, is still accepted and changes
    nothing: whatever it says, everyone gets the same care note after the stress question,
    a stress of 1 as one of 5 (a note for high stress alone would tell their answer)."""
    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text().replace("pulse:\n", "pulse:\n  care_stress_at: 5\n",
                                                  1))
    assert parse_org(path.read_text()).pulse.care_stress_at == 5  # read, not refused
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        await press(bot, chat, "west2", 3)
        await press(bot, chat, "west2", 1)
        await press(bot, chat, "west3", 3)
        await press(bot, chat, "west3", 5)
        assert "you don't have to carry it alone" in chat.last("west2")
        assert chat.last("west2") == chat.last("west3")
    finally:
        engine.dispose()


# --- results and thresholds -------------------------------------------------------------------

def test_visible_slices_hide_small_groups_and_groups_revealed_by_subtraction():
    assert visible_slices(4, {"East": 4}, 5) == (False, set())
    assert visible_slices(16, {"East": 6, "West": 5}, 5) == (True, {"East", "West"})
    # 12 = East 6 + West 5 + one more: West (the smaller) goes, leaving 6 outside East.
    assert visible_slices(12, {"East": 6, "West": 5}, 5) == (True, {"East"})
    # East 6 of 8: the org minus East would show the other 2.
    assert visible_slices(8, {"East": 6}, 5) == (True, set())
    # East 6 and West 5 of 13: hiding only one of them is not enough if the rest is 2.
    assert visible_slices(13, {"East": 6, "West": 5}, 5) == (True, {"East"})
    assert visible_slices(11, {"East": 6, "West": 5}, 5) == (True, {"East", "West"})


async def test_results_below_the_threshold_are_hidden(pbot, pchat, pclock):
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    for key in ("alice", "east1", "east2", "east3"):
        await answer_all(pbot, pchat, key, 4, 2, f"comment of {key}")
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results")
    reply = pchat.last("grace")
    assert "Participation: 4 of 12 answered" in reply
    # (Grace, who reads them, was asked too: the org needs one answer more, see below.)
    assert "Morale: hidden — fewer than 6 answers (someone who reads these results was " \
           "asked in this group)." in reply
    assert "comment of" not in reply
    # Just at the threshold, one more for the GM asked in the org: six answers are shown.
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in ("alice", "east1", "east2", "east3", "east5"):
        await answer_all(pbot, pchat, key, 4, 2, f"comment of {key}")
    await answer_all(pbot, pchat, "east4", 5, 1)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results")
    reply = pchat.last("grace")
    assert "Morale: 4.2 (6 answers) · 4: 5, 5: 1" in reply
    assert "Stress: 1.8 (6 answers)" in reply
    assert "• comment of alice" in reply


async def test_an_open_poll_shows_nothing_that_moves_when_one_more_person_answers(
        pbot, pchat, pclock, database_url):
    # Read before and after one more answer, an open poll's results had given that answer
    # away ('4: 5' became '1: 1, 4: 5', and 'I am the sixth' appeared): the GM who saw
    # east5 answer (or asked them to, now) knew east5's morale and comment. Its
    # participation did the same for whether they answered: the GM asks east5 "did you
    # answer?", then reads "5 of 12" turn "6 of 12" (the team's "5 of 6" turn "6 of 6", the
    # CLI's answered 5 turn 6). Nothing of an open poll moves now; once closed, it shows.
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    await close(pbot, pclock)
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in ("alice", "east1", "east2", "east3", "east4"):
        await answer_all(pbot, pchat, key, 4, 2, f"comment of {key}")

    async def everything() -> list[str]:
        seen = []
        for words in ("", " team East", " last 2", " last 2 team East"):
            await say(pbot, "grace", f"/pulse results{words}")
            seen.append(pchat.last("grace"))
        for args in (("--format", "json"), ("--team", "East", "--format", "json"),
                     ("--last", "2", "--format", "json"), ("--locale", "zh-CN")):
            code, out = run_cli(settings, "pulse", "results", *args)
            assert code == 0
            seen.append(out)
        return seen

    before = await everything()
    await answer_all(pbot, pchat, "east5", 1, 5, "I am the sixth")
    after = await everything()
    assert after == before
    org, east, trend = after[0], after[1], after[2]
    assert "(open)" in org and "Participation" not in org and " of 12" not in org
    assert ("How many answered, the answers and the comments are shown once the poll "
            "closes (Sat 12 Dec, 12:00): while it is open") in org
    assert " of 6" not in east and "Morale" not in org and "I am the sixth" not in org
    assert "2026-12-09: — / — (open)" in trend
    for out in after[4:7]:
        view = json.loads(out)
        assert (view["asked"], view["answered"], view["asked_hidden"]) == (None, None, "open")
    assert json.loads(after[6])["trend"][-1] == {
        "poll": "2026-12-09", "closed": False, "morale": None, "stress": None,
        "answered": None, "asked": None}
    assert "调查截止（12月12日（周六）12:00）后才显示回答人数、回答和留言" in after[7]
    assert "人已回答" not in after[7]
    assert "士气" not in after[7]
    await say(pbot, "grace", "/summary 2026-W50")  # nor East's morale in the summary
    assert "morale 3.5" not in pchat.last("grace") and " of 12" not in pchat.last("grace")
    await close(pbot, pclock)
    await say(pbot, "grace", "/summary 2026-W50")
    assert "morale 3.5 / 5" in pchat.last("grace")
    await say(pbot, "grace", "/pulse results")
    closed = pchat.last("grace")
    assert "(closed)" in closed and "Participation: 6 of 12 answered." in closed
    assert "Morale: 3.5 (6 answers) · 1: 1, 4: 5" in closed and "• I am the sixth" in closed
    assert "参与：12 人中 6 人已回答。" in run_cli(settings, "pulse", "results", "--locale",
                                               "zh-CN")[1]


async def test_an_org_asked_fewer_than_the_threshold_shows_no_participation(
        database_url, pclock, tmp_path):
    """A poll asking only West (four people, threshold 5) read "Participation: 3 of 4
    answered" for the whole org: the org is then a group below the threshold like any
    team, and said which one of four had not taken it. Its participation is hidden as a
    small team's is, in chat and the CLI, in both languages; its answers and
    comments are hidden as well."""
    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text().replace(
        "pulse:\n", "pulse:\n  audience: {teams: [West]}\n"))
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        for key in WEST[:3]:
            await answer_all(bot, chat, key, 5, 1, "West is fine")
        await close(bot, pclock)
        await say(bot, "grace", "/pulse results")
        reply = chat.last("grace")
        assert "Participation: hidden — fewer than 5 people were asked." in reply.splitlines()
        assert " of 4" not in reply
        assert "Morale: hidden — fewer than 5 answers." in reply and "West is fine" not in reply
        code, out = run_cli(settings, "pulse", "results", "--format", "json")
        view = json.loads(out)
        assert code == 0 and (view["asked"], view["answered"], view["asked_hidden"]) == (
            None, None, "small")
        assert view["comments"] is None and all(q["stats"] is None for q in view["questions"])
        code, out = run_cli(settings, "pulse", "results", "--locale", "zh-CN")
        assert "参与：已隐藏——被邀请的人少于 5 人。" in out and "4 人中" not in out
    finally:
        engine.dispose()


async def test_a_unanimous_group_at_the_threshold_shows_each_answer_and_says_so(
        pbot, pchat, pclock):
    """All of East answer morale 4, the org's six answers the fewest it is shown for (the
    threshold, 5, and one more: Grace, who reads the results, was asked in it): "4: 6"
    says what each of the six answered. No threshold can hide that (nor would an average
    alone: 4.0 of six answers); the README's pulse section says so, and so do the results
    and `/pulse help`, in English and Chinese, where they used to promise that nobody's own
    answers can be seen."""
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    limit = ("One thing no threshold hides: when everyone in a group gives the same answer, "
             "the results show what each of them answered.")
    await say(pbot, "grace", "/pulse results")
    reply = pchat.last("grace")
    assert "Morale: 4.0 (6 answers) · 4: 6" in reply and limit in reply
    assert "nobody's own answers can be seen" not in reply
    for key in ("grace", "east1"):
        await say(pbot, key, "/pulse help")
        assert limit in pchat.last(key) and "at least 5 people" in pchat.last(key)
    zh_limit = ("有一种情况任何门槛都无法隐藏：一个群体的所有人给出相同的回答时，"
                "结果就说明了每个人的回答。")
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
        ctx.people.by_key("east1").locale = "zh-CN"
    for key, words in (("grace", "/pulse 结果"), ("grace", "/pulse help"),
                       ("east1", "/pulse help")):
        await say(pbot, key, words)
        assert zh_limit in pchat.last(key) and "任何人的个人回答都无法查看" not in pchat.last(key)
    readme = (DATA.parent.parent / "README.md").read_text()
    assert "What no threshold can hide: a group that all give the same answer." in readme
    assert "任何门槛都无法隐藏的情况：一个群体的所有人给出相同的回答。" in readme


async def test_a_team_revealed_by_subtraction_is_hidden(pbot, pchat, pclock):
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2)
    await answer_all(pbot, pchat, "bruno", 1, 5, "West is drowning")
    await answer_all(pbot, pchat, "west1", 1, 5)
    await close(pbot, pclock)
    # The org (8) is shown; East (6) alone would give away West's 2 by subtraction.
    await say(pbot, "grace", "/pulse results")
    # (2 x 1 and 6 x 4: 3.25, which reads 3.3 as a spreadsheet rounds it, not 3.2.)
    assert "Morale: 3.3 (8 answers)" in pchat.last("grace")
    await say(pbot, "grace", "/pulse results team East")
    reply = pchat.last("grace")
    assert "Morale: hidden" in reply and "would give away those of the fewer than 5" in reply
    assert "4.0" not in reply
    await say(pbot, "grace", "/pulse results team West")
    assert "Morale: hidden" in pchat.last("grace")
    # The next poll, with all of West, Nova and Grace: West is still never stored as a
    # team (4 people), the org minus East is 6 and East may be shown.
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2)
    for key in [*WEST, "nova"]:
        await answer_all(pbot, pchat, key, 3, 3)
    await say(pbot, "grace", "/pulse")
    await answer_all(pbot, pchat, "grace", 3, 3)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results team East")
    assert "Morale: 4.0 (6 answers)" in pchat.last("grace")
    with pbot.unit() as ctx:
        assert {v.team for v in ctx.session.scalars(select(PulseVote))} == {"East", None}


async def test_the_gm_who_answered_too_never_reads_a_smaller_group_by_taking_hers_away(
        pbot, pchat, pclock, database_url):
    """The GM answers the poll herself, then reads the org's results and East's: the org
    less East was 5 answers, the threshold, and East was shown — but one of the 5 was
    hers. Taking her own away she read West's four (all "2": each of them), a team the
    threshold hides. A group holding the answer of someone who reads the results needs
    one more; East is hidden, and says why, in chat, the summary, the CLI and the chart."""
    from bot.charts import morale_series

    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 4)
    for key in WEST:
        await answer_all(pbot, pchat, key, 2, 2)
    await say(pbot, "grace", "/pulse")
    await answer_all(pbot, pchat, "grace", 5, 1)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results")
    assert "Morale: 3.4 (11 answers) · 2: 4, 4: 6, 5: 1" in pchat.last("grace")
    await say(pbot, "grace", "/pulse results team East")
    east = pchat.last("grace")
    assert "Morale: hidden" in east and "4.0" not in east and "6 answers" not in east
    code, out = run_cli(settings, "pulse", "results", "--team", "East", "--format", "json")
    assert code == 0 and all(q["stats"] is None for q in json.loads(out)["questions"])
    await say(pbot, "grace", "/summary 2026-W50")
    assert "morale 4.0" not in pchat.last("grace")
    with pbot.unit() as ctx:
        assert team_morale(ctx.session, ["East"], date(2026, 12, 1)) == {"East": None}
        series, hidden, _ = morale_series(ctx.session, ["2026-W50"], "East")
        assert "East" not in series and "East" in hidden
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(pbot, "grace", "/pulse results team East")
    assert "士气：已隐藏" in pchat.last("grace")



async def test_a_summary_viewer_cannot_tell_from_the_results_whether_the_gm_answered(
        database_url, pclock, tmp_path):
    """Nova reads the results too (a summary viewer). In one poll Grace, the GM, answered
    with West's four; in the next East Person 1 did instead. The org's five answers were
    hidden in the first (one of them a reader's) and shown in the second: beside
    "5 of 12 answered", Nova, who answered neither, read whether Grace had taken the poll
    — which the README says the GM and the chat never show of anyone. Whether a group
    needs one answer more now depends on whether someone who reads the results was asked
    in it, never on whether they answered: both polls read the same, and say why."""
    from bot.charts import morale_series

    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text().replace("summary_viewers: []",
                                                  "summary_viewers: [nova]"))
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        seen = []
        for day, fifth in ((PREVIOUS_POLL_DAY, "grace"), (POLL_DAY, "east1")):
            pclock.set(day)
            await bot.run_pulse()
            for key in [*WEST, fifth]:
                await answer_all(bot, chat, key, 4, 2)
            await close(bot, pclock)
            await say(bot, "nova", "/pulse results")
            seen.append(chat.last("nova").replace(day.date().isoformat(), "DAY"))
        assert seen[0] == seen[1]
        assert "Participation: 5 of 12 answered." in seen[1]
        assert ("Morale: hidden — fewer than 6 answers (someone who reads these results was "
                "asked in this group).") in seen[1]
        assert "Comments are hidden below 6 answers." in seen[1]
        await say(bot, "grace", "/pulse results")
        assert "Morale: hidden — fewer than 6 answers" in chat.last("grace")
        with bot.unit() as ctx:  # the morale chart's line for everyone, likewise
            series, hidden, _ = morale_series(ctx.session, ["2026-W48", "2026-W50"])
            assert None not in series and None in hidden
            ctx.people.by_key("nova").locale = "zh-CN"
        await say(bot, "nova", "/pulse 结果")
        assert "士气：已隐藏——回答少于 6 个（这个群体中有查看这些结果的人被邀请）。" in \
            chat.last("nova")
    finally:
        engine.dispose()


async def test_a_team_that_answered_enough_but_is_hidden_is_not_said_to_be_too_few(
        pbot, pchat, pclock):
    # East answered 6 of 6 (the threshold is 5), hidden because the org's results less
    # East's would give West's 2 away. The reply said "Participation: 6 of 6 answered"
    # and then "Comments are hidden below 5 answers": the GM read a contradiction.
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2, "More demos please")
    await answer_all(pbot, pchat, "bruno", 1, 5)
    await answer_all(pbot, pchat, "west1", 1, 5)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results team East")
    reply = pchat.last("grace")
    assert "Participation: 6 of 6 answered." in reply
    assert ("Morale: hidden — beside the org's results, this team's answers would give away "
            "those of the fewer than 5 others.") in reply
    assert "Comments are hidden with this team's answers." in reply
    assert "below 5" not in reply and "More demos" not in reply
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(pbot, "grace", "/pulse results team East")
    reply = pchat.last("grace")
    assert "士气：已隐藏——与全组织的结果对照，本团队的回答会暴露其余不足 5 人的回答。" in reply
    assert "留言与本团队的回答一同隐藏。" in reply and "少于 5 个时" not in reply

async def test_a_teams_results_count_the_teams_participation(pbot, pchat, pclock, database_url):
    """'/pulse results team East' said "Participation: 9 of 12 answered": the whole org's
    figure under the team's name. It counts East's people (as they were when asked), in
    chat, in the trend and in the CLI, and is hidden for a team smaller than the results'
    threshold; the org's view keeps the org's."""
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    for key in [*EAST[:3], *WEST]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in [*EAST[:5], *WEST]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results team East")
    # (Its own line: the next one ran on from it, "answered.Stress: …".)
    assert "Participation: 5 of 6 answered." in pchat.last("grace").splitlines()
    await say(pbot, "grace", "/pulse results")
    assert "Participation: 9 of 12 answered." in pchat.last("grace").splitlines()
    await say(pbot, "grace", "/pulse results last 2 team East")
    trend = pchat.last("grace")
    assert "2026-11-25: " in trend and "(3 of 6)" in trend and "(5 of 6)" in trend
    code, out = run_cli(Settings(database_url=database_url, org_file=PULSE_ORG),
                        "pulse", "results", "--team", "East", "--format", "json")
    assert code == 0 and (json.loads(out)["asked"], json.loads(out)["answered"]) == (6, 5)
    # West: four asked, under the threshold of 5: how many of them took it is not shown
    # ("4 of 4" in a team of one would say who answered), in either language.
    await say(pbot, "grace", "/pulse results last 2 team West")
    west = pchat.last("grace")
    assert "Participation: hidden — fewer than 5 people of this team were asked." in west
    assert " of 4" not in west and "(—)" in west
    code, out = run_cli(Settings(database_url=database_url, org_file=PULSE_ORG),
                        "pulse", "results", "--team", "West", "--format", "json")
    assert code == 0 and (json.loads(out)["asked"], json.loads(out)["answered"]) == (None, None)
    code, out = run_cli(Settings(database_url=database_url, org_file=PULSE_ORG),
                        "pulse", "results", "--team", "West", "--locale", "zh-CN")
    assert "参与：已隐藏——本团队被邀请的人少于 5 人。" in out


async def test_results_asked_for_in_chinese(pbot, pchat, pclock):
    # '/pulse 结果' was taken, but 最近2次, 团队 East and 2026年11月25日 after it were each
    # answered 我没看懂.
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    for english, chinese in (("last 2", "最近2次"), ("last 2", "最近 两 次"),
                             ("team East", "团队 East"), ("2026-11-25", "2026年11月25日"),
                             ("last 3 team East", "最近3次 团队 East")):
        await say(pbot, "grace", f"/pulse results {english}")
        expected = pchat.last("grace")
        await say(pbot, "grace", f"/pulse 结果 {chinese}")
        assert pchat.last("grace") == expected, (chinese, pchat.last("grace"))


async def test_results_are_for_the_gm_and_bad_requests_are_explained(pbot, pchat):
    await say(pbot, "west1", "/pulse results")
    assert "for the GM and summary viewers" in pchat.last("west1")
    await say(pbot, "grace", "/pulse results")
    assert "No pulse poll has run yet" in pchat.last("grace")
    await pbot.run_pulse()
    await say(pbot, "grace", "/pulse results team Mars")
    assert "no team called Mars" in pchat.last("grace")
    await say(pbot, "grace", "/pulse results yesterday")
    assert "didn't understand" in pchat.last("grace")
    await say(pbot, "grace", "/pulse nonsense")
    assert "/pulse results" in pchat.last("grace")


async def test_results_for_a_date_without_a_poll_name_the_poll_dates(pbot, pchat, pclock):
    # A plain date with no poll on it had been answered "I didn't understand that".
    pclock.set(PREVIOUS_POLL_DAY)
    await pbot.run_pulse()
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    await say(pbot, "grace", "/pulse results 2026-12-10")
    assert pchat.last("grace") == ("There was no pulse poll on 2026-12-10. Polls: 2026-12-09, "
                                   "2026-11-25.")
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(pbot, "grace", "/pulse results 2026-12-10")
    assert pchat.last("grace") == "2026-12-10 没有脉搏调查。调查日期：2026-12-09、2026-11-25。"
    await say(pbot, "grace", "/pulse results 2026-12-09")
    assert "脉搏调查 2026-12-09" in pchat.last("grace")


async def run_poll(bot, chat, clock, when, morale: dict[str, int], stress: int = 2) -> None:
    clock.set(when)
    await bot.run_pulse()
    for key, value in morale.items():
        await answer_all(bot, chat, key, value, stress)
    await close(bot, clock)


async def test_trend_over_recent_polls_and_team_morale_for_the_summary(pbot, pchat, pclock):
    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    await run_poll(pbot, pchat, pclock, POLL_DAY, dict.fromkeys(EAST + WEST[:2], 3))
    await say(pbot, "grace", "/pulse results last 6")
    reply = pchat.last("grace")
    assert "Trend (morale / stress):" in reply
    assert "2026-11-25: 4.0 / 2.0 (12 of 12)" in reply
    assert "2026-12-09: 3.0 / 2.0 (8 of 12)" in reply
    with pbot.unit() as ctx:
        # East shown in the first poll only (in the second, the org minus East is 2).
        assert team_morale(ctx.session, ["East", "West"], date(2026, 11, 1)) == {
            "East": 4.0, "West": None}
        assert team_morale(ctx.session, ["East"], date(2026, 12, 1)) == {"East": None}


async def test_a_trend_asked_over_more_polls_than_24_shows_the_latest_24(pbot, pchat):
    """README: `/pulse results last 6` reads a trend; asked for more than 24 polls, the
    chat shows the latest 24 (one message, not a year and more of rows)."""
    with pbot.unit() as ctx:
        repo = PulseRepo(ctx.session)
        for i in range(30):
            day = date(2025, 12, 17) + timedelta(weeks=2 * i)
            repo.create(day.isoformat(), [], 5, [],
                        datetime(2025, 1, 1, tzinfo=UTC)).closed = True
    await say(pbot, "grace", "/pulse results last 30")
    rows = [x for x in pchat.last("grace").splitlines() if x.endswith(": — / — (—)")]
    assert len(rows) == 24
    assert rows[0].startswith("2026-03-11") and rows[-1].startswith("2027-01-27")


async def test_an_open_polls_results_name_the_latest_closed_ones_command(pbot, pchat, pclock):
    """On a poll day `/pulse results` shows the open poll's participation only; it names
    the command for the results the GM can read, the last closed poll's (by its date),
    in the reader's language and for the team asked about."""
    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    await say(pbot, "grace", "/pulse results")
    assert ("while it is open, reading them before and after one more answer would show "
            "that answer, and a count that moves would show when someone answered. The latest "
            "closed poll: /pulse results 2026-11-25.\n") in pchat.last("grace")
    await say(pbot, "grace", "/pulse results team East")
    assert "The latest closed poll: /pulse results 2026-11-25 team East." in pchat.last("grace")
    await say(pbot, "grace", "/pulse results 2026-11-25")
    assert "Morale: 4.0 (12 answers)" in pchat.last("grace")
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(pbot, "grace", "/pulse 结果")
    assert "最近一次已截止的调查：/pulse results 2026-11-25。" in pchat.last("grace")


# --- alerts ---------------------------------------------------------------------------------

async def test_a_morale_drop_alerts_the_gm_and_the_director_once(pbot, pchat, pclock):
    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    assert not [s for s in pchat.sent if "Pulse alert" in s.text]
    morale = dict.fromkeys(EAST, 2) | dict.fromkeys([*WEST, "grace", "nova"], 4)
    await run_poll(pbot, pchat, pclock, POLL_DAY, morale)
    alerts = [(s.target.address, s.text) for s in pchat.sent if "Pulse alert" in s.text]
    assert sorted(a for a, _ in alerts) == ["alice", "grace", "grace"]
    east = next(t for a, t in alerts if a == "alice")
    assert "team East" in east and "Morale fell to 2.0, from a recent average of 4.0" in east
    org = [t for a, t in alerts if a == "grace" and "whole org" in t]
    assert org and "Morale fell to 3.0" in org[0]
    assert all(name not in t for _, t in alerts for name in ("East Person", "West Person"))
    pchat.clear()
    await pbot.run_pulse()
    await close(pbot, pclock)
    assert not [s for s in pchat.sent if "Pulse alert" in s.text]


@pytest.mark.parametrize("window", [None, 4])
async def test_a_morale_drop_is_against_the_average_of_the_last_window_polls(
        database_url, pclock, tmp_path, window):
    """README: an alert when morale falls by `pulse.alerts.morale_drop` (0.5) "against its
    average over the last `pulse.alerts.window` polls (default 3)". The org's morale reads
    2.0, then 4.0 three times, then 3.5: against the last three (4.0) a fall of 0.5, an
    alert; with `window: 4` the 2.0 is in the average (3.5), and there is none."""
    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text() if window is None else PULSE_ORG.read_text()
                    .replace("pulse:\n", f"pulse:\n  alerts: {{window: {window}}}\n", 1))
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    everyone = EAST + WEST + ["grace", "nova"]
    try:
        for weeks_before, morale in ((8, 2), (6, 4), (4, 4), (2, 4)):
            await run_poll(bot, chat, pclock, POLL_DAY - timedelta(weeks=weeks_before),
                           dict.fromkeys(everyone, morale))
        chat.clear()
        await run_poll(bot, chat, pclock, POLL_DAY,
                       dict.fromkeys(EAST, 3) | dict.fromkeys([*WEST, "grace", "nova"], 4))
        org = [s.text for s in chat.sent
               if "Pulse alert" in s.text and "whole org" in s.text]
        if window is None:
            assert len(org) == 1
            assert "Morale fell to 3.5, from a recent average of 4.0" in org[0]
        else:
            assert org == []
    finally:
        engine.dispose()


async def test_an_alert_waits_no_more_for_a_director_moved_off_the_team(
        pbot, pchat, pclock, tmp_path):
    """East's morale fell while the platform was down; before it is back the operator
    makes Alice director of West. East's alert never reaches her; the GM's still go."""
    from bot.adapters.base import DeliveryError
    from bot.org import load_org

    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key, value in (dict.fromkeys(EAST, 2) | dict.fromkeys([*WEST, "grace", "nova"], 4)).items():
        await answer_all(pbot, pchat, key, value, 2)
    pchat.clear()
    pchat.fail_next = [DeliveryError("platform down")] * 100
    await close(pbot, pclock)
    assert not pchat.sent
    edited = tmp_path / "org.yaml"
    edited.write_text(PULSE_ORG.read_text().replace(
        "    role: director\n    team: East\n", "    role: director\n    team: West\n", 1))
    pbot.org = load_org(edited)
    pbot.sync_org()  # as at a reload, or the next start
    pchat.fail_next = []
    pclock.advance(timedelta(minutes=10))
    await pbot.deliver()
    await pbot.drain()
    alerts = [(s.target.address, s.text) for s in pchat.sent if "Pulse alert" in s.text]
    assert sorted(a for a, _ in alerts) == ["grace", "grace"]


async def test_a_director_who_answered_reads_no_alert_of_a_team_of_exactly_the_threshold(
        pbot, pchat, pclock):
    """East's director Alice answers morale 5 and stress 1; of the rest of East four
    answer (morale 1, stress 5), east5 none: East's figures are 5 answers, one hers.
    Her alert 'Morale fell to 1.8 (5 answers)' let her take her 5 out and read the
    other four's 1.0 (and 'Stress is 4.2' their 5.0), as the GM who answered could
    before a group holding her answer needed one more. The GM, whose answer is not
    East's, still reads East's alerts; with east5's answer too, so does Alice."""
    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    pchat.clear()
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 5, 1)
    for key in EAST[1:5]:
        await answer_all(pbot, pchat, key, 1, 5)
    for key in [*WEST, "grace", "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    alerts = [(s.target.address, s.text) for s in pchat.sent if "Pulse alert" in s.text]
    assert [a for a, _ in alerts if a != "grace"] == []
    east = [t for a, t in alerts if a == "grace" and "team East" in t]
    assert any("Morale fell to 1.8" in t and "(5 answers)" in t for t in east)
    assert any("Stress is 4.2" in t for t in east)
    # Guard: the next poll, all six of East answer: Alice's answer is one of six.
    pchat.clear()
    pclock.set(POLL_DAY + timedelta(days=14))
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 5, 1)
    for key in EAST[1:]:
        await answer_all(pbot, pchat, key, 1, 5)
    for key in [*WEST, "grace", "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    mine = [s.text for s in pchat.sent if "Pulse alert" in s.text and s.target.address == "alice"]
    assert any("Stress is 4.3" in t and "(6 answers)" in t for t in mine)
    # Her morale alert compares with the polls she may read East's morale in: the first
    # (six answers), not the second (five, one hers).
    assert any("Morale fell to 1.7, from a recent average of 4.0" in t for t in mine)


async def test_a_director_who_answered_reads_no_team_morale_of_exactly_the_threshold(
        pbot, pchat, pclock):
    """Alice (East's director, no summary viewer) answers morale 5; four more of East
    answer 1: East's morale is 5 answers, one hers. Her /summary (and so her digest) read
    'East (Alice Martin): 1.8 / 5', and her morale chart drew 1.8: she took her 5 out
    and read the other four's 1.0. The team's view now needs one answer more; with all
    six of East (the guard), it shows; the GM's view of the team is as before."""
    from bot.charts import morale_series

    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 5, 1)
    for key in EAST[1:5]:
        await answer_all(pbot, pchat, key, 1, 5)
    for key in [*WEST, "grace", "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    pclock.set(datetime(2026, 12, 14, 15, 0, tzinfo=UTC))  # Monday: W50's summary
    await say(pbot, "alice", "/summary")
    reply = pchat.last("alice")
    assert "2026-W50" in reply and "1.8 / 5" not in reply
    # (Why, she is not told: either reason may hold, as she sees no participation.)
    assert ("East (Alice Martin): hidden (too few answers to stay anonymous, or beside the "
            "whole org's figures it would single out a smaller group)") in reply
    # The GM, whose answer is not East's, reads East's 1.8 in the same view (a guard).
    await say(pbot, "grace", "/summary team East")
    assert "East (Alice Martin): 1.8 / 5" in pchat.last("grace")
    with pbot.unit() as ctx:
        series, hidden, _ = morale_series(ctx.session, ["2026-W50"], "East", 5, lead=True)
        assert "East" not in series and "East" in hidden
        # The GM's own view of the org, which holds no answer of Alice's apart, still has it.
        assert team_morale(ctx.session, ["East"], date(2026, 12, 1)) == {"East": 1.8}
    # Guard: the next poll all six of East answer: her answer is one of six.
    pclock.set(POLL_DAY + timedelta(days=14))
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 5, 1)
    for key in EAST[1:]:
        await answer_all(pbot, pchat, key, 1, 5)
    for key in [*WEST, "grace", "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    with pbot.unit() as ctx:
        assert team_morale(ctx.session, ["East"], date(2026, 12, 20), team_view=True) == {
            "East": pytest.approx(10 / 6)}
        series, _, _ = morale_series(ctx.session, ["2026-W50", "2026-W52"], "East",
                                     5, lead=True)
        assert series["East"]["morale"] == {"2026-W52": pytest.approx(10 / 6)}


async def test_a_director_cannot_tell_from_the_team_morale_whether_a_co_director_answered(
        database_url, pclock, tmp_path):
    """East has two directors, Alice and East Person 1, neither a summary viewer. East
    Person 1 answers morale 5 with four more of East (1 each); Alice does not. East's
    figure is five answers, one of East Person 1's: hidden from them (they would take
    theirs out), and it was hidden from Alice too — who, knowing she had not answered,
    learnt that her co-director had. Each director's own answers alone count in what
    they read: Alice reads East's 1.8 in her /summary, digest and chart, East Person 1
    does not."""
    from bot.charts import morale_series
    from handlers.digest import build_digest

    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text().replace(
        "  - key: east1\n    name: East Person 1\n    role: member\n",
        "  - key: east1\n    name: East Person 1\n    role: director\n"))
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        await answer_all(bot, chat, "east1", 5, 1)
        for key in EAST[2:]:
            await answer_all(bot, chat, key, 1, 5)
        for key in [*WEST, "grace", "nova"]:
            await answer_all(bot, chat, key, 4, 2)
        await close(bot, pclock)
        pclock.set(datetime(2026, 12, 14, 15, 0, tzinfo=UTC))  # Monday: W50's summary
        await say(bot, "alice", "/summary")
        assert "1.8 / 5" in chat.last("alice"), chat.last("alice")
        await say(bot, "east1", "/summary")
        assert "1.8 / 5" not in chat.last("east1")
        assert ("hidden (too few answers to stay anonymous, or beside the whole org's "
                "figures it would single out a smaller group)") in chat.last("east1")
        with bot.unit() as ctx:
            for reader, shown in (("alice", True), ("east1", False)):
                series, _, _ = morale_series(ctx.session, ["2026-W50"], "East", 5, lead=True,
                                             reader=reader)
                assert ("East" in series) is shown, reader
                digest = build_digest(ctx, ctx.people.by_key(reader), "2026-W50", "plain")
                assert ("1.8 / 5" in digest.text) is shown, reader
    finally:
        engine.dispose()


async def test_high_stress_alerts_with_the_level(pbot, pchat, pclock):
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in EAST + WEST:
        await answer_all(pbot, pchat, key, 3, 4)
    await close(pbot, pclock)
    alerts = [s.text for s in pchat.sent if "Pulse alert" in s.text]
    assert any("Stress is 4.0, above the alert level of 3.5" in t for t in alerts)



async def test_an_alert_never_names_a_team_its_results_would_hide_by_subtraction(
        pbot, pchat, pclock):
    """East's 6 all answer stress 5, and of the rest only two: the org's 8 answers less
    East's 6 would leave those two, so East's results are hidden. Its stress alert would
    say the same as its results (and, beside the org's, what the two said): only the
    org's alert goes, to the GM, and East's director hears nothing."""
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 3, 5)
    for key in ("bruno", "west1"):
        await answer_all(pbot, pchat, key, 3, 1)
    await close(pbot, pclock)
    alerts = [(s.target.address, s.text) for s in pchat.sent if "Pulse alert" in s.text]
    assert [a for a, _ in alerts] == ["grace"]
    assert "whole org" in alerts[0][1] and "East" not in alerts[0][1]


# --- reminder and closing -------------------------------------------------------------------

async def test_one_reminder_then_the_poll_closes(pbot, pchat, pclock):
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 3, 3)
    await press(pbot, pchat, "bruno", 3)
    await remind(pbot, pchat, pclock)
    reminded = {s.target.address for s in pchat.sent}
    assert "alice" not in reminded and {"bruno", "west1", "east1"} <= reminded
    assert "gentle reminder" in pchat.last("bruno") and "Question 2 of 2" in pchat.last("bruno")
    west1_button = last_choices(pchat, "west1")[0]
    pchat.clear()
    pclock.advance(timedelta(hours=5))
    await pbot.run_pulse()
    assert pchat.sent == []  # one reminder only
    await close(pbot, pclock)
    await say(pbot, "bruno", "4")
    assert "has closed" in pchat.last("bruno")
    await say(pbot, "bruno", "4")
    assert "not waiting" in pchat.last("bruno")
    await say(pbot, "west1", action=west1_button)
    assert "has closed" in pchat.last("west1")
    with pbot.unit() as ctx:
        # Alice's two answers and Bruno's one were taken, two of twelve: the results are
        # hidden as a whole, so the close keeps no answer, only how far each got.
        assert ctx.session.scalars(select(PulseVote)).all() == []
        assert "bruno" not in {c.person_id for c in ctx.session.scalars(select(Conversation))}
        parts = ctx.session.scalars(select(PulseParticipant)).all()
        assert len(parts) == 12 and sum(p.done for p in parts) == 1
        assert sum(p.step > 0 for p in parts) == 2


async def test_a_poll_held_up_past_its_reminders_time_gets_no_reminder_on_its_heels(
        pbot, pchat, pclock):
    """README: one reminder a day later, "not to one the poll reached only after that,
    held up by an outage: a reminder a second after the poll itself would be noise". The
    platform refuses everything from the poll's start until past the reminder's time."""
    from tests.test_checkin_remind import back_up

    go_down(pchat)
    await pbot.run_pulse()
    assert pchat.sent == []
    # A day later the polls still wait in the outbox: nobody is reminded of a poll that
    # has not reached them.
    assert await remind(pbot, pchat, pclock, down=True) == 0
    await back_up(pbot, pchat)  # the polls go out now, past the reminder's time
    assert "Question 1 of 2" in pchat.last("bruno")
    await pbot.run_pulse()
    pclock.advance(timedelta(hours=5))
    await pbot.run_pulse()
    assert [s.target.address for s in pchat.sent if "gentle reminder" in s.text] == []
    # The poll itself is still theirs to answer.
    await press(pbot, pchat, "bruno", 3)
    assert "Question 2 of 2" in pchat.last("bruno")


async def test_a_poll_held_up_by_an_outage_until_it_closed_is_never_sent(pbot, pchat, pclock):
    """README: "the poll closes after 3 days (a poll question or reminder still waiting to
    be sent then, held up by an outage, is dropped". The platform refuses everything from
    the poll's start past its close: once back, nobody is asked a poll they can no longer
    answer, nor reminded of it."""
    from tests.test_checkin_remind import back_up

    go_down(pchat)
    await pbot.run_pulse()
    await remind(pbot, pchat, pclock, down=True)
    await close(pbot, pclock)
    await back_up(pbot, pchat)
    assert [s for s in pchat.sent if "Question" in s.text or "gentle reminder" in s.text
            or "问题" in s.text] == []
    with pbot.unit() as ctx:
        expired = [r for r in ctx.outbox.by_status("expired")]
    assert len(expired) >= 12  # each one's first question, dropped unsent


async def test_a_next_question_held_up_until_the_poll_closed_is_not_sent_nor_kept(
        pbot, pchat, pclock):
    """Alice answers the first question just as the platform starts refusing everything,
    and it does until after the poll has closed. The next question (queued without a key,
    as every question after an answer is) is not sent late, a question nobody can answer
    any more; and its row, dropped, keeps no text (it would say which step she reached),
    as a delivered pulse DM keeps none. Her answer counts; what she types next hears that
    the poll closed."""
    from tests.test_checkin_remind import back_up

    await pbot.run_pulse()
    assert "Question 1 of 2" in pchat.last("alice")
    four = last_choices(pchat, "alice")[3]
    go_down(pchat)
    pchat.clear()
    await say(pbot, "alice", action=four)
    await close(pbot, pclock)
    await back_up(pbot, pchat)
    assert pchat.to("alice") == []
    with pbot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        [row] = [r for r in ctx.outbox.by_status("expired") if r.address == alice.key
                 and r.dedupe_key is None]
        assert row.payload.get("scrub_after_send") and row.payload["text"] == "", row.payload
        assert "choices" not in row.payload
        # Her answer was taken (she got past the first question), the only one: the
        # results are hidden as a whole, so the close keeps no answer, only how far she got.
        assert ctx.session.scalars(select(PulseVote)).all() == []
        [part] = [p for p in ctx.session.scalars(select(PulseParticipant))
                  if p.person_id == alice.id]
        assert part.step == 1
    await say(pbot, "alice", "3")
    assert pchat.last("alice") == ("This pulse poll has closed (at Sat 12 Dec, 12:00), so I "
                                   "can't take answers for it any more: this one is not "
                                   "counted. Thank you all the same.")


async def test_a_pulse_question_and_a_checkin_do_not_mix_up_answers(bot, chat, clock):
    """In the default test org the pulse goes to everyone; a check-in started after it
    takes the typed answers, and /pulse brings the poll back."""
    clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))
    await bot.run_pulse()
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "45000")
    with bot.unit() as ctx:
        assert ctx.session.scalars(select(PulseVote)).all() == []
    await say(bot, "alice", "/pulse")
    await say(bot, "alice", "4")
    with bot.unit() as ctx:
        assert [v.value for v in ctx.session.scalars(select(PulseVote))] == [4]


# --- org file, custom questions, CLI ---------------------------------------------------------

async def test_custom_questions_from_the_org_file(database_url, pclock, tmp_path):
    org = PULSE_ORG.read_text().replace("pulse:\n", """pulse:
  questions:
    - key: workload
      type: choice
      prompt: {en: "How is your workload?", zh-CN: "你的工作量如何？"}
      choices:
        - {en: Too light, zh-CN: 太少}
        - {en: About right, zh-CN: 正好}
        - {en: Too heavy, zh-CN: 太多}
""")
    path = tmp_path / "org.yaml"
    path.write_text(org)
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_pulse()
    await press(bot, chat, "alice", 3)
    await press(bot, chat, "alice", 3)
    assert "Question 3 of 3" in chat.last("alice") and "How is your workload?" in chat.last("alice")
    # Each option on its line, the hint on its own ("3. Too heavyPress a button…" before).
    assert chat.last("alice").splitlines()[-2:] == ["3. Too heavy",
                                                    "Press a button or type the number."]
    assert [c.label for c in chat.sent[-1].message.choices] == ["Too light", "About right",
                                                                 "Too heavy"]
    await say(bot, "east5", "3")
    await say(bot, "east5", "3")
    assert "你的工作量如何？" in chat.last("east5")
    assert chat.last("east5").splitlines()[-2:] == ["3. 太多", "请点击按钮或输入序号。"]
    await say(bot, "east5", "太多")
    with bot.unit() as ctx:
        assert sorted((v.question_key, v.value) for v in ctx.session.scalars(
            select(PulseVote)) if v.question_key == "workload") == [("workload", 3)]
    engine.dispose()


def test_org_file_pulse_threshold_is_never_below_three():
    base = PULSE_ORG.read_text()
    with pytest.raises(OrgError) as err:
        parse_org(base.replace("pulse:\n", "pulse:\n  threshold: 2\n"))
    assert "pulse.threshold: 2 is too small" in str(err.value)
    with pytest.raises(OrgError) as err:
        parse_org(base.replace("pulse:\n", "pulse:\n  weekday: someday\n"))
    assert "pulse.weekday" in str(err.value)
    org = parse_org(base.replace("pulse:\n", "pulse:\n  threshold: 3\n  every_weeks: 1\n"))
    assert org.pulse.threshold == 3 and org.pulse.every_weeks == 1


async def test_cli_results_are_thresholded_like_the_chat(pbot, pchat, pclock, database_url):
    from tests.test_summary import run_cli

    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2, f"note {key}")
    await answer_all(pbot, pchat, "bruno", 1, 5)
    await close(pbot, pclock)
    code, out = run_cli(settings, "pulse", "results", "--format", "json", "--team", "east")
    assert code == 0
    data = json.loads(out)
    # East's own participation (6 of 6), not the org's 7 with Bruno's under East's name.
    assert data["team"] == "East" and (data["answered"], data["asked"]) == (6, 6)
    assert all(q["stats"] is None for q in data["questions"])  # 7 - 6 = 1 would be revealed
    assert data["comments"] is None
    code, out = run_cli(settings, "pulse", "results", "--format", "md")
    assert code == 0
    assert "**Pulse poll 2026-12-09**" in out and "Morale: 3.6 (7 answers)" in out
    assert "note east1" in out
    code, _ = run_cli(settings, "pulse", "results", "--team", "Mars")
    assert code == 2


async def test_shuffling_keeps_every_answer_and_forgets_the_order(pbot, pchat):
    await pbot.run_pulse()
    for key, value in (("alice", 1), ("east1", 5), ("west1", 3)):
        await answer_all(pbot, pchat, key, value, 2, f"words of {key}")
    with pbot.unit() as ctx:
        from storage.pulse import PulseRepo

        before = {v.id for v in ctx.session.scalars(select(PulseVote))}
        poll = ctx.session.scalars(select(PulsePoll)).one()
        PulseRepo(ctx.session).shuffle(poll)
    with pbot.unit() as ctx:
        votes = ctx.session.scalars(select(PulseVote)).all()
        assert sorted((v.question_key, v.value, v.team or "-") for v in votes) == [
            ("morale", 1, "East"), ("morale", 3, "-"), ("morale", 5, "East"),
            ("stress", 2, "-"), ("stress", 2, "East"), ("stress", 2, "East")]
        assert not before & {v.id for v in votes}
        assert sorted(c.text for c in ctx.session.scalars(select(PulseComment))) == [
            "words of alice", "words of east1", "words of west1"]


async def test_console_fires_the_pulse_and_presses_its_buttons(database_url, pclock):
    from io import StringIO

    from bot.app import run

    session = "/fire pulse\n/as alice\n/press 2\n3\nno\n/quit\n"
    out = StringIO()
    await run(Settings(database_url=database_url, org_file=PULSE_ORG, console=True),
              stdin=StringIO(session), stdout=out, clock=pclock)
    text = out.getvalue()
    assert "(pulse: asked 12, reminded 0, closed none" in text
    assert "Question 2 of 2" in text and "Your answers are in" in text


async def test_console_shows_what_fire_sent_before_it_reads_the_next_line(
        database_url, pclock, monkeypatch):
    """/fire only wakes the outbox's loop in the scheduled jobs' way; the console must not
    read the next line (here: press a button of the poll just sent) before the poll is
    shown, however late the loop gets to it (a busy machine: it never does, here)."""
    from io import StringIO

    from bot.app import run
    from bot.outbox import OutboxWorker

    async def a_loop_that_does_not_get_round_to_it(self, stop):
        await stop.wait()

    monkeypatch.setattr(OutboxWorker, "_loop", a_loop_that_does_not_get_round_to_it)
    session = "/fire pulse\n/as alice\n/press 2\n3\nno\n/quit\n"
    out = StringIO()
    await run(Settings(database_url=database_url, org_file=PULSE_ORG, console=True),
              stdin=StringIO(session), stdout=out, clock=pclock)
    text = out.getvalue()
    assert "Your last message has no buttons" not in text
    assert "Question 2 of 2" in text and "Your answers are in" in text


# --- team morale in the GM's summary -------------------------------------------------------

def section(text: str, heading: str) -> list[str]:
    """The lines under a heading, up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        out.append(line)
    return out


async def test_the_gm_reads_team_morale_only_where_it_stays_anonymous(pbot, pchat, pclock):
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY,
                   dict.fromkeys([*EAST, *WEST, "grace", "nova"], 4))
    await say(pbot, "grace", "/summary 2026-W48")
    blocks = pchat.last("grace").split("\n\n")
    east = next(b for b in blocks if "· team East" in b.split("\n", 1)[0])
    west = next(b for b in blocks if "· team West" in b.split("\n", 1)[0])
    assert "morale 4.0 / 5" in east
    # West has 4 people: below the threshold of 5, so its morale is not shown at all.
    assert "morale and stress hidden (too few answers to stay anonymous)" in west
    assert "4.0" not in west
    await say(pbot, "grace", "/summary team West 2026-W48")  # nor in the team view
    assert "4.0" not in pchat.last("grace").split("Team morale", 1)[1]


async def test_a_summary_of_a_week_before_any_poll_shows_no_morale(pbot, pchat, pclock):
    await run_poll(pbot, pchat, pclock, POLL_DAY, dict.fromkeys(EAST + WEST, 2))
    # A week long before the poll: a later poll must not rewrite what that week showed.
    await say(pbot, "grace", "/summary 2026-W40")
    assert "morale" not in pchat.last("grace")
    await say(pbot, "grace", "/summary 2026-W50")
    assert "morale" in pchat.last("grace")


async def test_morale_in_chinese_and_in_json(pbot, pchat, pclock, monkeypatch):
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY,
                   dict.fromkeys([*EAST, *WEST, "grace", "nova"], 4))
    with pbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(pbot, "grace", "/summary 2026-W48")
    text = pchat.last("grace")
    assert "士气 4.0 / 5" in text and "士气和压力已隐藏（回答人数太少，无法保证匿名）" in text
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: pclock.now())
    code, raw = run_cli(pbot.settings, "summary", "--format", "json", "--week", "2026-W48")
    assert code == 0
    morale = {d["team"]: d["team_management"]["morale"] for d in json.loads(raw)["directors"]}
    assert morale == {"East": 4.0, "West": None}


async def test_low_morale_and_high_stress_come_first_but_never_for_a_hidden_team(
        pbot, pchat, pclock):
    # Everyone low and stressed: East (6 people) may be shown; West (4) stays hidden.
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY,
                   dict.fromkeys([*EAST, *WEST, "grace", "nova"], 2), stress=5)
    await say(pbot, "grace", "/summary 2026-W48")
    text = pchat.last("grace")
    attention = text.split("Needs your attention\n", 1)[1].split("\n\n", 1)[0]
    assert "Alice Martin: team morale low (2.0 / 5)" in attention
    assert "Alice Martin: team stress high (5.0 / 5)" in attention
    # West's numbers are below the anonymity threshold: not in the list, not anywhere.
    assert "Bruno" not in attention
    west = next(b for b in text.split("\n\n") if "· team West" in b.split("\n", 1)[0])
    assert "2.0" not in west and "5.0" not in west


@pytest.mark.parametrize("day", ["wedding", "monkey", "thunder"])
def test_org_file_pulse_weekday_that_is_no_day_is_refused(day):
    """'weekday: monkey' had sent the poll on Mondays (only the first three letters read)."""
    base = PULSE_ORG.read_text()
    with pytest.raises(OrgError) as err:
        parse_org(base.replace("pulse:\n", f"pulse:\n  weekday: {day}\n"))
    assert f"pulse.weekday: '{day}' is not a weekday" in str(err.value)
    org = parse_org(base.replace("pulse:\n", "pulse:\n  weekday: Thursday\n"))
    assert org.pulse.weekday == 3


@pytest.mark.skipif(not SERVER_URL, reason="two replicas at once need PostgreSQL "
                                           "(TEST_DATABASE_URL); SQLite has one writer")
async def test_two_presses_handled_at_once_by_two_replicas_count_one_vote(
        database_url, pbot, pchat, pclock, monkeypatch, watcher):
    # Alice double-taps the morale button; each tap reaches a different replica, and both
    # read her at question 1 before either has written (or, as an event handled alone
    # holds its sender first now, the second waits for the first's commit). One vote may
    # count, not two.
    other, engine = prepare(Settings(database_url=database_url, org_file=PULSE_ORG), pclock)
    other.register(RecordingAdapter())
    await pbot.run_pulse()
    tap = last_choices(pchat, "alice")[3]
    from tests.test_pulse_close_race import held_after_first  # (it imports this module)

    both_read = held_after_first(watcher)
    seen = threading.local()
    read = PulseRepo.participant

    def participant(self, poll, person):  # each replica's first read, side by side
        found = read(self, poll, person)
        if not getattr(seen, "once", False):
            seen.once = True
            both_read()
        return found

    monkeypatch.setattr(PulseRepo, "participant", participant)

    await asyncio.gather(*(bot.handle(InboundEvent(
        platform="console", user_id="alice", chat_id="alice", chat_type="direct", text="",
        action=tap, event_id=f"tap-{n}")) for n, bot in enumerate((pbot, other))))

    with pbot.unit() as ctx:
        assert [v.value for v in ctx.session.scalars(select(PulseVote))] == [4]
        step = ctx.session.scalars(select(PulseParticipant.step).join(
            Person, Person.id == PulseParticipant.person_id).where(Person.key == "alice"))
        assert list(step) == [1]
    engine.dispose()


async def test_the_org_s_threshold_not_five_decides_which_teams_are_kept_and_shown(
        database_url, pclock, tmp_path):
    """README: a team is stored with the answers when at least the threshold of its people
    were asked, and shown from that many answers: with `threshold: 4` West's four are
    (the GM not asked: beside East's and West's, the org's figures would tell whether
    she, a group of one, answered)."""
    org_file = write_pulse_org(tmp_path / "org.yaml", 4)
    bot, engine = prepare(Settings(database_url=database_url, org_file=org_file), pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await east_and_west_answer(bot, chat, pclock)
        await say(bot, "grace", "/pulse results team West")
        assert "Morale: 2.0 (4 answers)" in chat.last("grace")
        with bot.unit() as ctx:
            assert {v.team for v in ctx.session.scalars(select(PulseVote))} == {"East", "West"}
    finally:
        engine.dispose()


async def test_an_average_is_rounded_once_as_shown(pbot, pchat, pclock, capsys):
    # Eleven answer: six say 3, five say 2; morale 28 / 11 = 2.545..., which reads 2.5.
    # Rounded to 2 places first (2.55), /pulse results read 2.6.
    everyone = EAST + WEST + ["grace"]
    morale = {key: 3 if n < 6 else 2 for n, key in enumerate(everyone)}
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, morale)
    await say(pbot, "grace", "/pulse results")
    reply = pchat.last("grace")
    assert "2.5 (11 answers)" in reply and "2.6" not in reply, reply
    code, md = run_cli(pbot.settings, "pulse", "results")
    assert code == 0 and "2.5 (11 answers)" in md and "2.6" not in md, md
    # JSON keeps the figure to 2 places, as before.
    code, raw = run_cli(pbot.settings, "pulse", "results", "--format", "json")
    [row] = [q for q in json.loads(raw)["questions"] if q["key"] == "morale"]
    assert row["stats"]["average"] == 2.55


async def test_a_small_teams_participation_is_not_given_away_by_subtraction(
        pbot, pchat, pclock, database_url):
    """West's participation is hidden (4 asked, under 5), but Grace (and Nova), away for
    the poll and so not asked, read "6 of 10" for the org and "6 of 6" for East: West, "0 of 4", by
    subtraction. East's participation is hidden too while the org less East is a group
    of 1 to 4 people asked, and so are its answers: East's "6 answers" beside the org's
    "6 answers" said as much ("0 of 4" for West)."""
    pclock.set(POLL_DAY - timedelta(days=5))
    for key in ("grace", "nova"):
        await say(pbot, key, "/away 2026-12-07 2026-12-20")
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results")
    assert "Participation: 6 of 10 answered." in pchat.last("grace").splitlines()
    await say(pbot, "grace", "/pulse results team East")
    east = pchat.last("grace")
    assert "6 of 6" not in east and "of 6" not in east
    assert ("Participation: hidden — beside the org's, this team's would give away that "
            "of the fewer than 5 others asked.") in east.splitlines()
    assert "Morale: hidden" in east and "(6 answers)" not in east
    # Its own line ("…this team's answers.Results … are shown…" ran on).
    assert "Comments are hidden with this team's answers." in east.splitlines()
    assert ("Morale: hidden — beside the org's results, this team's answers would give away "
            "those of the fewer than 5 others.") in east.splitlines()
    await say(pbot, "grace", "/pulse results")
    assert "Morale: 4.0 (6 answers)" in pchat.last("grace")  # the org's: nothing to subtract
    await say(pbot, "grace", "/summary 2026-W50")
    assert "4.0" not in pchat.last("grace")
    await say(pbot, "alice", "/summary 2026-W50")  # East's director, their own team
    assert "• East (Alice Martin): hidden (too few answers" in pchat.last("alice")
    from bot.charts import chart_data_for
    with pbot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "morale", "en",
                              end_week=date(2026, 12, 7), weeks=1)
    assert [line.label for line in data.lines] == ["Everyone"]
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    code, out = run_cli(settings, "pulse", "results", "--team", "East", "--format", "json")
    assert code == 0 and (json.loads(out)["asked"], json.loads(out)["answered"]) == (None, None)
    assert json.loads(out)["asked_hidden"] == "subtraction"
    code, out = run_cli(settings, "pulse", "results", "--team", "East", "--locale", "zh-CN")
    assert ("参与：已隐藏——与全组织的对照，本团队的参与情况会暴露其余不足 5 名被邀请者的"
            "参与情况。") in out
    assert "留言与本团队的回答一同隐藏。\\\n调查截止后才显示结果" in out  # (Markdown: a hard break)
    assert "6 人中" not in out


async def test_a_threshold_raised_after_a_poll_hides_its_smaller_groups_too(
        database_url, pclock, tmp_path):
    """West's four answered under `threshold: 4`; the org file then asks for 5. Its
    people read "groups of at least 5" in the org file: the stricter threshold holds
    for past polls too, in /pulse results, the CLI, the summary and the chart (a
    threshold lowered after a poll shows no more of it: the poll keeps its own)."""
    from bot.charts import chart_data_for
    org_file = write_pulse_org(tmp_path / "org.yaml", 4)
    settings = Settings(database_url=database_url, org_file=org_file)
    bot, engine = prepare(settings, pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await east_and_west_answer(bot, chat, pclock)
        await say(bot, "grace", "/pulse results team West")
        assert "Morale: 2.0 (4 answers)" in chat.last("grace")
    finally:
        engine.dispose()
    write_pulse_org(org_file, 5)
    bot, engine = prepare(settings, pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "grace", "/pulse results team West")
        west = chat.last("grace")
        assert "Morale: hidden" in west and "2.0" not in west
        assert "Participation: hidden — fewer than 5 people of this team were asked." in west
        await say(bot, "grace", "/pulse results")
        org = chat.last("grace")
        # The org (10) is shown; East (6) alone would give West's 4 away by subtraction.
        assert "Morale: 3.2 (10 answers)" in org
        await say(bot, "grace", "/pulse results team East")
        assert "Morale: hidden" in chat.last("grace")
        await say(bot, "grace", "/summary 2026-W50")
        assert "2.0" not in chat.last("grace")
        await say(bot, "bruno", "/summary 2026-W50")  # West's director, their own team
        assert "• West (Bruno Rossi): hidden (too few answers" in chat.last("bruno")
        with bot.unit() as ctx:
            data = chart_data_for(ctx.session, ctx.org, "morale", "en",
                                  end_week=date(2026, 12, 7), weeks=1)
        assert [line.label for line in data.lines] == ["Everyone"]
        code, out = run_cli(settings, "pulse", "results", "--team", "West", "--format", "json")
        assert code == 0
        assert all(q["stats"] is None for q in json.loads(out)["questions"])
    finally:
        engine.dispose()


async def test_a_team_kept_with_answers_but_asked_of_too_few_shows_none_of_them(
        pbot, pchat, pclock):
    """README (Your answers are anonymous): a team is saved with the answers when the poll
    is for at least the threshold of its people, counted when it opens; someone away the
    whole time counts there though never asked, so fewer may answer under the team's
    name — and its results are still hidden then. East's six, two away throughout: four
    asked answer, stored as East's; East's view shows neither how many nor what."""
    pclock.set(POLL_DAY - timedelta(days=5))
    await say(pbot, "east4", "/away 2026-12-07 2026-12-20")
    await say(pbot, "east5", "/away 2026-12-07 2026-12-20")
    pclock.set(POLL_DAY)
    await pbot.run_pulse()
    for key in [*EAST[:4], *WEST, "grace", "nova"]:
        await answer_all(pbot, pchat, key, 3, 2, comment="East or not")
    with pbot.unit() as ctx:
        east = [v for v in ctx.session.scalars(select(PulseVote)) if v.team == "East"]
        assert len(east) == 4 * 2  # the limit the README states: four under East's name
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results team East")
    east_view = pchat.last("grace")
    assert "Participation: hidden — fewer than 5 people of this team were asked." in east_view
    assert "Morale: hidden" in east_view and "Stress: hidden" in east_view
    assert "East or not" not in east_view and "(4 answers)" not in east_view
    # The org's results, ten asked, are shown (a guard).
    await say(pbot, "grace", "/pulse results")
    assert "Participation: 10 of 10 answered." in pchat.last("grace")


async def test_someone_moved_mid_poll_answers_with_the_team_they_were_asked_in(
        pbot, pchat, pclock):
    """east1 was asked in East, then the org file moved them to West, and they answered.
    Their answers went to West (too small to be kept: no team), so East read "6 of 6
    answered" beside "5 answers": east1 answered after the move, for anyone who knew of
    it. Answers go with the team the person was asked in, as participation counts them."""
    await pbot.run_pulse()
    with pbot.unit() as ctx:
        moved = ctx.session.scalars(select(Person).where(Person.key == "east1")).one()
        moved.team = "West"
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2, "all good" if key == "east1" else None)
    await close(pbot, pclock)
    await say(pbot, "grace", "/pulse results team East")
    east = pchat.last("grace")
    assert "Participation: 6 of 6 answered." in east.splitlines()
    assert "Morale: 4.0 (6 answers)" in east and "• all good" in east
    with pbot.unit() as ctx:
        assert {v.team for v in ctx.session.scalars(select(PulseVote))} == {"East"}


# --- an operator reading the database -------------------------------------------------------

# An operator's attack on the pulse polls' anonymity through the database itself: on
# PostgreSQL every row carries the id of the transaction that last wrote it (`xmin`), and an
# answer is stored in the very transaction that moves its person's progress on. A plain
# SELECT (no low-level tools) pairing them must find a group of answers at least as large
# as the threshold (the answer's transaction rewrites others with it), and none after the
# sweep's reshuffle (README: *Your answers are anonymous*, the limits). On SQLite no row
# has a transaction id, a row number or a time; rows are read in the order of random keys.

#: What someone with read access to the database would run: each person beside the
#: answers written in the same transaction as their latest progress.
PAIRED = text("""
    SELECT p.key, v.question_key, v.value FROM pulse_votes v
    JOIN pulse_participants pp ON pp.xmin::text = v.xmin::text
    JOIN people p ON p.id = pp.person_id
    UNION ALL
    SELECT p.key, 'comment', 0 FROM pulse_comments c
    JOIN pulse_participants pp ON pp.xmin::text = c.xmin::text
    JOIN people p ON p.id = pp.person_id
    UNION ALL
    SELECT p.key, v.question_key, v.value FROM pulse_votes v
    JOIN conversations cv ON cv.xmin::text = v.xmin::text
    JOIN people p ON p.id = cv.person_id""")


async def test_after_the_sweep_no_answer_shares_a_transaction_with_its_person(pbot, pchat):
    if pbot.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's (SQLite keeps no transaction id on a row)")
    await pbot.run_pulse()
    await answer_all(pbot, pchat, "alice", 1, 1)
    await answer_all(pbot, pchat, "east1", 5, 3)
    await press(pbot, pchat, "east2", 2)  # half-way: progress and answer, same transaction
    await answer_all(pbot, pchat, "west1", 4, 2, "Tangerine tooling gripe")
    with pbot.engine.connect() as conn:
        assert conn.execute(PAIRED).all()  # in company (see the next test), but there
    await pbot.run_pulse()  # the sweep, every 5 minutes while the poll is open
    with pbot.engine.connect() as conn:
        assert conn.execute(PAIRED).all() == []


#: For each person, the answers a reader finds beside their progress: written in the
#: transaction that last moved it on (participant row or dialog), to the question it moved
#: on from (or the comment, once done), in the person's stored team.
CANDIDATES = text("""
    SELECT p.key, pp.step, pp.done, (
        SELECT count(*) FROM pulse_votes v
        WHERE NOT pp.done AND pp.step > 0
          AND v.poll_id = pp.poll_id AND v.question_key = (pl.questions -> (pp.step - 1)) ->> 'key'
          AND v.team IS NOT DISTINCT FROM st.team
          AND (v.xmin::text = pp.xmin::text
               OR v.xmin::text IN (SELECT cv.xmin::text FROM conversations cv
                                   WHERE cv.person_id = pp.person_id))
    ) + (
        SELECT count(*) FROM pulse_comments c
        WHERE pp.done AND c.poll_id = pp.poll_id AND c.team IS NOT DISTINCT FROM st.team
          AND c.xmin::text = pp.xmin::text
    ) AS found, (
        SELECT count(*) FROM pulse_votes v
        WHERE NOT pp.done AND pp.step > 0 AND v.poll_id = pp.poll_id
          AND v.question_key = (pl.questions -> (pp.step - 1)) ->> 'key'
          AND v.team IS NOT DISTINCT FROM st.team
    ) + (
        SELECT count(*) FROM pulse_comments c
        WHERE pp.done AND c.poll_id = pp.poll_id AND c.team IS NOT DISTINCT FROM st.team
    ) AS slice
    FROM pulse_participants pp
    JOIN pulse_polls pl ON pl.id = pp.poll_id
    JOIN people p ON p.id = pp.person_id
    CROSS JOIN LATERAL (SELECT CASE WHEN pl.teams::jsonb ? pp.team THEN pp.team END AS team) st
    ORDER BY p.key""")


async def test_a_reader_of_the_database_finds_each_answer_among_a_group_as_large_as_the_threshold(
        pbot, pchat):
    """Someone with SQL access reads the database after each of ten people answers a
    question (or comments) and, for each person, counts the answers written in the
    transaction that last moved their progress on. That used to be one answer — theirs —
    until the next sweep; now it is at least the threshold (5), or every answer of that
    question and team so far while there are fewer, for every person at every moment."""
    if pbot.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's (SQLite keeps no transaction id on a row)")
    await pbot.run_pulse()
    steps: list[tuple[str, int | str]] = [(k, 2) for k in [*EAST, *WEST]]
    steps += [(k, 4) for k in EAST[1:]] + [("west1", 3), ("bruno", 1)]
    steps += [(k, f"Comment {i}") for i, k in enumerate(EAST[1:])] + [("west1", "No")]
    seen = []
    for key, answer in steps:
        if isinstance(answer, int):
            await press(pbot, pchat, key, answer)
        else:
            await say(pbot, key, answer)
        with pbot.engine.connect() as conn:
            for person, step, done, found, slice_ in conn.execute(CANDIDATES):
                if found:
                    seen.append((person, step, done, found))
                    assert found >= min(5, slice_), (key, person, step, done, found, slice_)
            # Nor does the command within the transaction (`cmin`) single the new one out.
            assert conn.execute(text(
                "SELECT count(*) FROM (SELECT xmin::text FROM pulse_votes GROUP BY 1"
                " HAVING count(DISTINCT cmin::text) > 1) x")).scalar() == 0
    assert any(f >= 5 for *_, f in seen)
    assert any(done for _, _, done, _ in seen)  # comments were read too


async def test_on_sqlite_no_row_number_or_order_pairs_an_answer_with_its_person(pbot, pchat):
    """SQLite keeps no transaction id on a row; what else a reader might try: a row number
    (rowid, in the order rows were added) or the order a plain SELECT returns them in."""
    if pbot.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's rowid and storage order")
    await pbot.run_pulse()
    for key in EAST:
        await press(pbot, pchat, key, 3)
    with pbot.engine.connect() as conn:
        for table in ("pulse_votes", "pulse_comments", "pulse_participants"):
            with pytest.raises(OperationalError, match="rowid"):
                conn.execute(text(f"SELECT rowid FROM {table}"))
        ids = conn.execute(text("SELECT id FROM pulse_votes")).scalars().all()
        assert len(ids) == len(EAST) and ids == sorted(ids)  # key order: random tokens


def test_answers_in_company_lose_no_vote_and_keep_every_group_at_the_threshold(pbot):
    """Past the first rows (after many answers without a sweep, each its own small group),
    every answer still finds company, none of the values is lost or doubled, and no
    transaction's group of answers is left smaller than the threshold."""
    if pbot.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    with Session(pbot.engine) as s, s.begin():
        poll = PulseRepo(s).create("2026-12-09", [{"key": "morale"}], 5, [],
                                   POLL_DAY + timedelta(days=3))
        poll_id = poll.id
    values = [n % 5 + 1 for n in range(60)]
    for n, value in enumerate(values):
        with Session(pbot.engine) as s, s.begin():
            poll = s.get(PulsePoll, poll_id)
            if n < 45:  # written alone, as before this change: 45 groups of one
                s.add(PulseVote(poll_id=poll_id, question_key="morale", value=value))
            else:
                PulseRepo(s).vote(poll, "morale", value, None)
        if n >= 45:
            with pbot.engine.connect() as conn:
                groups = conn.execute(text(
                    "SELECT count(*) FROM pulse_votes GROUP BY xmin::text")).scalars().all()
                stored = sorted(conn.execute(text("SELECT value FROM pulse_votes")).scalars())
            assert stored == sorted(values[:n + 1])
            assert max(groups) >= 5
            assert all(g == 1 or g >= 5 for g in groups), groups  # the old ones, or company


async def test_a_reader_of_the_database_cannot_tell_no_comment_from_a_comment(pbot, pchat):
    """The last step used to show whether someone commented: their finished progress shared
    its transaction with a group of comments, or with none ('No comment' wrote nothing).
    Now 'No comment' rewrites comments of the person's slice too, as many as a comment is
    written with: once the slice has comments to spare, the reader finds the same group
    of the threshold (5) beside either, and no comment is lost or doubled."""
    if pbot.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's (SQLite keeps no transaction id on a row)")
    await pbot.run_pulse()
    earlier = [f"Earlier comment {n}" for n in range(10)]
    with pbot.unit() as ctx:  # East's comments so far (the poll keeps East's team)
        poll = ctx.session.scalars(select(PulsePoll)).one()
        for said in earlier:
            PulseRepo(ctx.session).comment(poll, said, "East")
    found = {}
    for key, comment in (("east4", None), ("east5", "Tangerine tooling gripe")):
        await pbot.run_pulse()  # the sweep: every comment in one transaction again
        await answer_all(pbot, pchat, key, 4, 2, comment)
        with pbot.engine.connect() as conn:
            rows = {person: (done, n) for person, _, done, n, _ in conn.execute(CANDIDATES)}
        found[key] = rows[key]
    assert found == {"east4": (True, 5), "east5": (True, 5)}
    with pbot.unit() as ctx:
        poll = ctx.session.scalars(select(PulsePoll)).one()
        assert sorted(t for _, t in PulseRepo(ctx.session).comments(poll)) == sorted(
            [*earlier, "Tangerine tooling gripe"])


async def test_an_org_of_exactly_the_threshold_with_the_gm_in_it_hides_its_participation(
        database_url, pclock, tmp_path):
    """West (four) and the GM asked, five: "4 of 5 answered" told the GM, who knows she
    did not, that all of West did — a group of four, under the threshold. Hidden, with
    why, in both languages and in the CLI's JSON."""
    path = tmp_path / "org.yaml"
    path.write_text(PULSE_ORG.read_text().replace(
        "pulse:\n", "pulse:\n  audience: {teams: [West], roles: [gm]}\n"))
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        for key in WEST:
            await answer_all(bot, chat, key, 3, 3)
        await close(bot, pclock)
        await say(bot, "grace", "/pulse results")
        reply = chat.last("grace")
        assert ("Participation: hidden — exactly 5 people were asked, one of whom reads these "
                "results and knows whether they answered.") in reply
        assert "of 5" not in reply and "Morale: hidden" in reply
        assert ("A group in which someone who reads these results was asked needs one "
                "more: they know their own answer.") in reply
        code, out = run_cli(settings, "pulse", "results", "--format", "json")
        assert code == 0
        view = json.loads(out)
        assert (view["asked"], view["answered"], view["asked_hidden"]) == (None, None, "reader")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/pulse 结果")
        assert "被邀请的正好 5 人，其中有人查看这些结果，知道自己是否回答了" in chat.last("grace")
    finally:
        engine.dispose()


async def test_the_log_never_says_whether_the_one_person_of_a_timezone_answered(
        pbot, pchat, pclock, caplog):
    """East5 is the org's only person in Shanghai: a day after the poll reached them, the
    sweep at their 11:00 reminds them alone. Its INFO line "pulse sweep: asked 0,
    reminded 1" told whoever reads the log (the operator, or a GM who runs the bot) that
    east5 had not answered, and no line that they had. The sweep says nothing of it."""
    await pbot.run_pulse()
    caplog.set_level(logging.INFO, logger="bot.core")
    pchat.clear()
    pclock.set(datetime(2026, 12, 10, 3, 5, tzinfo=UTC))  # Thursday 11:05 in Shanghai
    assert (await pbot.run_pulse()).reminded == 1
    assert "温馨提醒" in pchat.last("east5")  # (east5 reads Chinese)
    assert [s.target.address for s in pchat.sent] == ["east5"]
    assert not [r for r in caplog.records if "pulse sweep" in r.getMessage()]


@pytest.mark.parametrize(("every_weeks", "close_after_days"), [(1, 7), (1, 14), (2, 14)])
def test_org_file_pulse_open_until_the_next_poll_is_refused(every_weeks, close_after_days):
    """A weekly poll open 7 days or more (or a fortnightly one 14) was accepted: the next
    poll went out while the last was still open, and people were asked the new one with
    the old one unfinished, two polls open at once."""
    base = PULSE_ORG.read_text()
    with pytest.raises(OrgError) as err:
        parse_org(base.replace("pulse:\n", f"pulse:\n  every_weeks: {every_weeks}\n"
                                           f"  close_after_days: {close_after_days}\n"))
    days = every_weeks * 7
    assert (f"pulse.close_after_days: {close_after_days} would keep a poll open until the "
            f"next one is sent (every_weeks: {every_weeks}, a poll every {days} days); use "
            f"at most {days - 1}") in str(err.value)
    org = parse_org(base.replace("pulse:\n", f"pulse:\n  every_weeks: {every_weeks}\n"
                                             f"  close_after_days: {days - 1}\n"))
    assert org.pulse.close_after_days == days - 1


async def test_an_unreadable_vote_says_nothing_was_saved(pbot, pchat):
    """An answer the poll could not read was refused without saying whether anything was
    kept, as every other refused answer (the check-in's, the comment too long) says."""
    await pbot.run_pulse()
    await say(pbot, "alice", "very good")
    assert pchat.last("alice") == ("I couldn't read that as an answer. Please press a button "
                                   "or type a number from 1 to 5. Nothing was saved.")
    await say(pbot, "east5", "很好")
    assert pchat.last("east5") == "我无法识别这个回答。请点击按钮或输入 1 到 5 的数字。本次未保存。"
    with pbot.unit() as ctx:
        assert ctx.session.scalars(select(PulseVote)).all() == []
