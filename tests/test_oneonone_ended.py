"""A regular 1:1 the org file ends for a reason other than a new manager, or ended by an
edit the bot reads at a start (tried as users: the console chat, a restart).

Alice (New York) meets Sam (Chicago, her report) every other Wednesday at 14:00 New York
time; Grace meets Alice weekly on Monday at 10:00. Only a report moved to another manager
was told, and only by a reload: when the file switched the pair's 1:1s off, or took one of
them out, or when the bot read the edit at its next start, both sides kept expecting the
next meeting (a reminder of it may have gone out already) and heard nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.app import prepare
from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_oneonone_new_manager import SAM_UNDER_ALICE, SAM_UNDER_BRUNO

ORG = TEST_ORG.read_text(encoding="utf-8")
#: Monday 2026-12-07, 09:00 in New York: Alice and Sam's next 1:1 is on Wednesday.
MONDAY = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
SAM = re.search(r"  - key: sam\n(?:    .*\n)*", ORG).group(0)  # type: ignore[union-attr]
ALICE = re.search(r"  - key: alice\n(?:    .*\n|      .*\n)*",
                  ORG).group(0)  # type: ignore[union-attr]
#: The org file's versions: Sam's 1:1s switched off, Sam taken out, Alice taken out (Sam
#: then under Grace), Sam moved under Bruno.
SWITCHED_OFF = ORG + ONEONONES.replace(
    '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n',
    '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n'
    "    - {report: sam, enabled: false}\n")
SAM_LEAVES = ORG.replace(SAM, "") + ONEONONES
ALICE_LEAVES = ORG.replace(ALICE, "").replace(
    SAM_UNDER_ALICE, SAM_UNDER_ALICE.replace("alice", "grace")) + ONEONONES
SAM_MOVED = ORG.replace(SAM_UNDER_ALICE, SAM_UNDER_BRUNO) + ONEONONES
ENDED = "has ended"


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with the one-on-one rules of tests/oneonone_support.py."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def reloaded(bot, text: str) -> None:
    """The running bot reloads the org file saved as `text`, and sends what it queued."""
    org = parse_org(text)
    bot.sync_org_to(org)
    bot.apply_org(org)
    await bot.deliver()


def notices(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if ENDED in t or "已结束" in t]


async def test_a_pair_the_file_switches_off_is_told_on_both_sides(bot, chat, clock):
    """Sam reads Chinese; the operator switches his 1:1s off (`enabled: false`)."""
    clock.set(MONDAY)
    await say(bot, "sam", "/language zh-CN")
    chat.clear()
    await reloaded(bot, SWITCHED_OFF)
    assert notices(chat, "alice") == [
        "Your regular 1:1 with Sam Lee has ended: the org file no longer schedules it. The "
        "next one, Wed 2026-12-09 14:00 (America/New_York), will not take place."]
    assert notices(chat, "sam") == [
        "你与Alice Martin的定期一对一面谈已结束：组织文件不再安排这项面谈。原定的下一次"
        "（2026-12-09 13:00（周三，America/Chicago））不再举行。"]
    # Reloaded again, or read again at a start: nobody is told twice.
    await reloaded(bot, SWITCHED_OFF)
    assert len(notices(chat, "alice")) == 1 and len(notices(chat, "sam")) == 1
    # Sam's /1on1 says why he has none.
    await say(bot, "sam", "/1on1")
    assert "enabled: false" in chat.last("sam")


async def test_a_report_taken_out_is_told_to_the_manager_only(bot, chat, clock):
    clock.set(MONDAY)
    chat.clear()
    await reloaded(bot, SAM_LEAVES)
    assert notices(chat, "alice") == [
        "Your regular 1:1 with Sam Lee has ended: Sam Lee has left the org. The next one, "
        "Wed 2026-12-09 14:00 (America/New_York), will not take place."]
    assert chat.to("sam") == []  # someone taken out is sent nothing more of their 1:1s


async def test_a_manager_taken_out_is_told_to_the_report_in_chinese(bot, chat, clock):
    """Alice leaves; Sam, now under Grace, reads Chinese. Grace loses her 1:1 with Alice."""
    clock.set(MONDAY)
    await say(bot, "sam", "/language zh-CN")
    chat.clear()
    await reloaded(bot, ALICE_LEAVES)
    assert notices(chat, "sam") == [
        "你与Alice Martin的定期一对一面谈已结束：Alice Martin已离开组织，你的经理现在是"
        "Grace Chen。原定的下一次（2026-12-09 13:00（周三，America/Chicago））不再举行。"]
    assert notices(chat, "grace") == [
        "Your regular 1:1 with Alice Martin has ended: Alice Martin has left the org. The "
        "next one, Mon 2026-12-07 10:00 (America/New_York), will not take place."]
    assert chat.to("alice") == []


@pytest.mark.parametrize("text", [SAM_MOVED, SAM_LEAVES, ALICE_LEAVES],
                         ids=["moved", "report-left", "manager-left"])
async def test_an_edit_read_at_a_start_is_told_once(settings, clock, text):
    """The operator edits the file while the bot is stopped: the start tells it, as a
    reload would, and the next start tells nobody again."""
    clock.set(MONDAY)
    told: dict[str, list[str]] = {"alice": [], "sam": [], "grace": []}

    async def start() -> None:
        """`teampulse run`'s start (bot.app._run): the sync, the platforms registered,
        what the sync ended told, the outbox sent."""
        bot, engine = prepare(settings, clock, backfill=True)
        chat = RecordingAdapter()
        bot.register(chat)
        await bot.tell_pairs_ended_at_start()
        await bot.deliver()
        for key, said in told.items():
            said.extend(notices(chat, key))
        bot.close()
        engine.dispose()

    await start()  # (before the edit: nothing to tell)
    settings.org_file.write_text(text, encoding="utf-8")
    await start()
    await start()  # the next start tells nobody again
    if text is SAM_MOVED:
        assert told["alice"] == [
            "Your regular 1:1 with Sam Lee has ended: the org chart changed, and Sam Lee now "
            "reports to Bruno Rossi. The next one, Wed 2026-12-09 14:00 (America/New_York), "
            "will not take place."]
        assert told["sam"] == [
            "Your regular 1:1 with Alice Martin has ended: the org chart changed, and your "
            "manager is now Bruno Rossi. The next one, Wed 2026-12-09 13:00 "
            "(America/Chicago), will not take place."]
    elif text is SAM_LEAVES:
        assert told["alice"] == [
            "Your regular 1:1 with Sam Lee has ended: Sam Lee has left the org. The next "
            "one, Wed 2026-12-09 14:00 (America/New_York), will not take place."]
        assert told["sam"] == []
    else:
        assert told["sam"] == [
            "Your regular 1:1 with Alice Martin has ended: Alice Martin has left the org, "
            "and your manager is now Grace Chen. The next one, Wed 2026-12-09 13:00 "
            "(America/Chicago), will not take place."]
        assert len(told["grace"]) == 1 and told["alice"] == []


async def test_someone_away_is_told_at_once_as_of_a_skip(bot, chat, clock):
    """Sam is away until Friday. The pair's end is a notice, not a reminder: it reaches
    him at once, as Alice's `/1on1 skip` of it would (reminders and prompts wait, or are
    not sent, while someone is away)."""
    clock.set(MONDAY)
    await say(bot, "sam", "/away 2026-12-11")
    await say(bot, "alice", "/1on1 skip @sam")
    assert any("skipped" in t for t in chat.to("sam")), chat.to("sam")
    chat.clear()
    await reloaded(bot, SAM_MOVED)
    assert len(notices(chat, "sam")) == 1 and len(notices(chat, "alice")) == 1


async def test_an_edit_applied_with_apply_org_is_told_by_the_running_bots_reload(
        settings, bot, chat, clock):
    """The operator applies the edit with `teampulse apply-org --yes` (another process,
    which finds the people table to change): the running bot's reload of it finds nothing
    left to sync, and still tells both sides, from the two files."""
    clock.set(MONDAY)
    settings.org_file.write_text(SAM_MOVED, encoding="utf-8")
    code, out = run_cli(settings, "apply-org", "--yes")
    assert code == 0, out
    await reloaded(bot, SAM_MOVED)
    assert len(notices(chat, "alice")) == 1 and len(notices(chat, "sam")) == 1


async def test_a_pair_switched_off_while_stopped_is_told_at_the_start_once(settings, clock):
    """Alice and Sam met on Wednesday 2026-11-25 (the bot asked Alice whether it happened);
    the operator then switches Sam's 1:1s off (`enabled: false`) while the bot is stopped.
    The start told nobody: both kept expecting the meeting of 2026-12-09. It is told as a
    reload tells it, once: the next start tells nobody again, nor does a pair switched off
    by the running bot's reload (told then) get told a second time at a start."""
    told: dict[str, list[str]] = {"alice": [], "sam": [], "grace": []}

    async def start(sweep: datetime | None = None) -> None:
        """`teampulse run`'s start (bot.app._run), then the 1:1 sweep at `sweep`."""
        bot, engine = prepare(settings, clock, backfill=True)
        chat = RecordingAdapter()
        bot.register(chat)
        await bot.tell_pairs_ended_at_start()
        if sweep is not None:
            await sweep_at(bot, clock, sweep)
        await bot.deliver()
        for key, said in told.items():
            said.extend(notices(chat, key))
        bot.close()
        engine.dispose()

    clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # before their 14:00 (New York)
    await start(sweep=datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # asked after it ended
    clock.set(MONDAY)
    settings.org_file.write_text(SWITCHED_OFF, encoding="utf-8")
    await start()
    assert told["alice"] == [
        "Your regular 1:1 with Sam Lee has ended: the org file no longer schedules it. The "
        "next one, Wed 2026-12-09 14:00 (America/New_York), will not take place."]
    assert told["sam"] == [
        "Your regular 1:1 with Alice Martin has ended: the org file no longer schedules it. "
        "The next one, Wed 2026-12-09 13:00 (America/Chicago), will not take place."]
    assert told["grace"] == []  # her 1:1s with her directors are as they were
    clock.set(datetime(2026, 12, 10, 14, 0, tzinfo=UTC))  # after the slot that did not come
    await start()
    assert len(told["alice"]) == 1 and len(told["sam"]) == 1


async def test_a_pair_the_running_bot_switched_off_is_not_told_again_at_a_start(
        settings, bot, chat, clock):
    """Switched off while the bot ran (its reload told both sides): a restart tells
    nobody a second time."""
    await sweep_at(bot, clock, datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    clock.set(MONDAY)
    settings.org_file.write_text(SWITCHED_OFF, encoding="utf-8")
    await reloaded(bot, SWITCHED_OFF)
    assert len(notices(chat, "alice")) == 1
    clock.set(datetime(2026, 12, 10, 14, 0, tzinfo=UTC))  # a slot later: another "next"
    again, engine = prepare(settings, clock, backfill=True)
    second = RecordingAdapter()
    again.register(second)
    assert await again.tell_pairs_ended_at_start() == 0
    again.close()
    engine.dispose()


async def test_a_pair_switched_off_after_its_first_reminder_is_told_at_the_start(
        settings, clock):
    """A fresh bot: Alice and Sam's first 1:1, Wednesday 2026-12-09 14:00, is not yet
    asked about, but both were reminded of it on Tuesday ("tomorrow"). The bot is
    stopped, the operator switches Sam's 1:1s off (and Li's, whose monthly 1:1 nobody
    was reminded of yet). The start told nobody: a pair was found only from a slot asked
    about, and Alice and Sam kept expecting Wednesday's meeting the bot had reminded
    them of. Now the reminder is the record that they expected it; Grace and Li, never
    told of a meeting, are told nothing (nothing shows the file had them on)."""
    told: dict[str, list[str]] = {"alice": [], "sam": [], "grace": [], "li": []}

    async def start(sweep: datetime | None = None) -> None:
        bot, engine = prepare(settings, clock, backfill=True)
        chat = RecordingAdapter()
        bot.register(chat)
        await bot.tell_pairs_ended_at_start()
        if sweep is not None:
            await sweep_at(bot, clock, sweep)
        await bot.deliver()
        if sweep is not None:
            assert any("is tomorrow" in t for t in chat.to("sam")), chat.to("sam")
        for key, said in told.items():
            said.extend(notices(chat, key))
        bot.close()
        engine.dispose()

    clock.set(MONDAY)
    await start(sweep=datetime(2026, 12, 8, 19, 5, tzinfo=UTC))  # Tue 14:05 in New York
    clock.set(datetime(2026, 12, 8, 23, 0, tzinfo=UTC))
    settings.org_file.write_text(SWITCHED_OFF.replace(
        '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n',
        "    - {report: li, enabled: false}\n"), encoding="utf-8")
    await start()
    assert told["alice"] == [
        "Your regular 1:1 with Sam Lee has ended: the org file no longer schedules it. The "
        "next one, Wed 2026-12-09 14:00 (America/New_York), will not take place."]
    assert told["sam"] == [
        "Your regular 1:1 with Alice Martin has ended: the org file no longer schedules it. "
        "The next one, Wed 2026-12-09 13:00 (America/Chicago), will not take place."]
    assert told["grace"] == [] and told["li"] == []
    await start()  # the next start tells nobody again
    assert len(told["alice"]) == 1 and len(told["sam"]) == 1


async def test_a_pair_that_moved_its_first_meeting_is_told_at_the_start(settings, clock):
    """Alice moved their first 1:1 to Thursday before any reminder; the file switches
    Sam's 1:1s off while the bot is stopped: both planned that meeting with the bot, and
    are told it will not take place."""
    told: dict[str, list[str]] = {"alice": [], "sam": []}

    async def start(move: bool = False) -> None:
        bot, engine = prepare(settings, clock, backfill=True)
        chat = RecordingAdapter()
        bot.register(chat)
        await bot.tell_pairs_ended_at_start()
        if move:
            await say(bot, "alice", "/1on1 move @sam 2026-12-10 15:00")
            assert "Moved" in chat.last("alice"), chat.last("alice")
        await bot.deliver()
        for key, said in told.items():
            said.extend(notices(chat, key))
        bot.close()
        engine.dispose()

    clock.set(MONDAY)
    await start(move=True)
    clock.set(MONDAY.replace(hour=20))
    settings.org_file.write_text(SWITCHED_OFF, encoding="utf-8")
    await start()
    assert told["alice"] == [
        "Your regular 1:1 with Sam Lee has ended: the org file no longer schedules it. The "
        "next one, Thu 2026-12-10 15:00 (America/New_York), will not take place."]
    assert len(told["sam"]) == 1
