"""A GM–director one-on-one the org file switches off (`enabled: false`) and back on.

Grace's Monday 10:00 1:1 with Alice on 30 November did not happen (Grace said "no"); in
December the operator switched Alice's 1:1s off, in January back on. The GM's summary,
the team's and `teampulse oneonones` still called it "overdue: Mon 2026-11-30 10:00 did
not happen" in January, first in what needs the GM's attention: a slot from before the
switch-off that nobody could make up (only the outbox's notice recorded the switch, and
that is no record the summary reads). A miss after the switch back on counts as usual; a
past week before the switch-off still reads as it stood then.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, run_cli, say

ORG = TEST_ORG.read_text(encoding="utf-8")
ON = ORG + ONEONONES
OFF = ORG + ONEONONES.replace(
    '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n',
    '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n'
    "    - {report: alice, enabled: false}\n")
SWITCHED_OFF = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # Wed 2026-12-09 10:00 in New York
SWITCHED_ON = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)  # Tue 2027-01-12
LATER = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)
OLD_MISS = "overdue: Mon 2026-11-30 10:00 (America/New_York) did not happen"


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice weekly, Mondays 10:00)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def reloaded(bot, text: str) -> None:
    """The running bot reloads the org file saved as `text`, and sends what it queued."""
    org = parse_org(text)
    bot.sync_org_to(org)
    bot.apply_org(org)
    await bot.deliver()


async def missed_on_november_30(bot, clock) -> None:
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "no")  # Alice's (asked first)
    await say(bot, "grace", "yes")  # Bruno's: held
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")


async def alices_line(bot, chat, *args: str) -> tuple[str, str]:
    """What needs the GM's attention, and Alice's one-on-one line, in /summary."""
    await say(bot, "grace", " ".join(("/summary", *args)))
    text = chat.last("grace")
    attention = text.split("Needs your attention", 1)[1].split("\n\n", 1)[0] \
        if "Needs your attention" in text else ""
    line = next(t for t in text.split("Alice Martin · team East", 1)[1].splitlines()
                if t.startswith("One-on-one with you"))
    return attention, line


def cli_overdue(bot) -> bool:
    code, out = run_cli(bot.settings, "oneonones", "--format", "json")
    assert code == 0
    (alice,) = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    return alice["own"]["overdue"]


async def test_a_miss_before_the_switch_off_is_not_overdue_once_back_on(bot, chat, clock):
    await missed_on_november_30(bot, clock)
    clock.set(SWITCHED_OFF)
    _, line = await alices_line(bot, chat)
    assert OLD_MISS in line  # the pair still on: overdue, as always
    await reloaded(bot, OFF)
    # While the pair is off: "none set up", nothing overdue.
    clock.set(SWITCHED_OFF + timedelta(days=7))
    attention, line = await alices_line(bot, chat)
    assert "overdue" not in line and "Alice Martin: one-on-one" not in attention, line
    clock.set(SWITCHED_ON)
    await reloaded(bot, ON)
    clock.set(LATER)
    attention, line = await alices_line(bot, chat)
    assert "Alice Martin: one-on-one" not in attention
    assert line == "One-on-one with you: last never · next 2027-01-18"
    assert not cli_overdue(bot)
    await say(bot, "grace", "/summary team East")
    assert "overdue" not in chat.last("grace").split("One-on-ones", 1)[1]
    # The week of the missed slot, before the switch-off, still reads as it stood then.
    await say(bot, "grace", "/summary 2026-W49")
    assert "One-on-one with you: last never · next 2026-12-07 · " + OLD_MISS \
        in chat.last("grace")


async def test_a_miss_after_the_switch_back_on_is_overdue_as_usual(bot, chat, clock):
    await missed_on_november_30(bot, clock)
    clock.set(SWITCHED_OFF)
    await reloaded(bot, OFF)
    clock.set(SWITCHED_ON)
    await reloaded(bot, ON)
    # Monday 18 January's 1:1 does not happen either.
    await sweep_at(bot, clock, datetime(2027, 1, 18, 15, 31, tzinfo=UTC))
    await say(bot, "grace", "no")
    clock.set(datetime(2027, 1, 20, 15, 0, tzinfo=UTC))
    attention, line = await alices_line(bot, chat)
    assert "overdue: Mon 2027-01-18 10:00 (America/New_York) did not happen" in line
    assert "Alice Martin" in attention
    assert cli_overdue(bot)


async def test_a_switch_off_read_at_a_start_counts_too(settings, clock, tmp_path):
    """The operator switched the pair off while the bot was stopped, and on again at a
    later stop: the start that read the switch-off recorded it."""
    from bot.app import prepare
    from tests.support import RecordingAdapter

    clock.set(MONDAY_SLOT - timedelta(days=1))

    async def start(text: str):
        settings.org_file.write_text(text, encoding="utf-8")
        bot, engine = prepare(settings, clock, backfill=True)
        chat = RecordingAdapter()
        bot.register(chat)
        await bot.tell_pairs_ended_at_start()
        await bot.deliver()
        return bot, engine, chat

    bot, engine, chat = await start(ON)
    await missed_on_november_30(bot, clock)
    engine.dispose()
    clock.set(SWITCHED_OFF)
    bot, engine, chat = await start(OFF)
    engine.dispose()
    clock.set(SWITCHED_ON)
    bot, engine, chat = await start(ON)
    clock.set(LATER)
    _, line = await alices_line(bot, chat)
    assert line == "One-on-one with you: last never · next 2027-01-18"
    engine.dispose()


async def test_the_end_is_in_both_sides_export(bot, chat, clock):
    """What the bot keeps of the switch-off is theirs: `teampulse export` holds it."""
    await missed_on_november_30(bot, clock)
    clock.set(SWITCHED_OFF)
    await reloaded(bot, OFF)
    for key in ("alice", "grace"):
        code, out = run_cli(bot.settings, "export", key)
        assert code == 0
        ended = json.loads(out)["oneonones"]["pair_ended"]
        assert [(e["manager"], e["report"]) for e in ended] == [("grace", "alice")]
        assert ended[0]["ended_at"].startswith("2026-12-09T15:00")
