"""A past week's team lines name who led each team THAT week, whatever the org file says
today: a week with kudos but no check-in round, and the morale lines, of a team renamed
since (East, now "Americas East") name East's directors of then, not today's."""

from __future__ import annotations

from datetime import timedelta

import yaml

from tests.conftest import FRIDAY_4PM_NY
from tests.support import TEST_ORG, bot_on_org, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos import kudo
from tests.test_kudos_team_moves import november_in_east, renamed
from tests.test_pulse import (  # noqa: F401 (the fixtures)
    EAST,
    PREVIOUS_POLL_DAY,
    PULSE_ORG,
    WEST,
    pbot,
    pchat,
    pclock,
    run_poll,
)


async def test_a_renamed_teams_week_with_kudos_but_no_checkin_names_its_director(
        bot, chat, clock, tmp_path):
    """W47 had check-ins (Alice led East); W48 had kudos but its check-in was never sent.
    After East became "Americas East", `/summary team East 2026-W48` named nobody on
    East's kudos line (no round that week), though Alice led East that week."""
    clock.set(clock.now() - timedelta(days=7))
    await bot.run_checkins()  # 2026-W47: Alice's round is stored with East
    clock.set(clock.now() + timedelta(days=7))
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "sam", "/kudos @li for the joint pitch deck")
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary team East 2026-W48")
        assert "East (Alice Martin): 1 given by 1 person, 1 received by 1 person" \
            in chat.last("grace")
        await say(later, "grace", "/summary 2026-W48")
        # The GM's view of the week: Alice under East, with East's kudos of that week
        # (it read "team Americas East", kudos 0 given, 0 received).
        org_view = chat.last("grace")
        assert "Alice Martin · team East\n" in org_view
        assert "kudos 1 given, 1 received" in org_view
        assert "Americas East" not in org_view
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team East 2026-W48")
        assert "East（Alice Martin）：送出 1 次" in chat.last("grace")


def pulse_org_renamed(tmp_path, old: str, new: str):
    data = yaml.safe_load(PULSE_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person.get("team") == old:
            person["team"] = new
    path = tmp_path / "pulse-renamed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_a_renamed_teams_past_morale_names_that_weeks_directors(
        pbot, pchat, pclock, tmp_path):  # noqa: F811
    """The morale lines of 2026-W48 read after East became "Americas East": the team's
    view had no morale line at all, the org's named today's "Americas East (Alice)" with
    no morale, where East (Alice) answered 4.0 that week."""
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY,
                   dict.fromkeys([*EAST, *WEST, "grace", "nova"], 4))
    pclock.set(FRIDAY_4PM_NY)
    await pbot.run_checkins()  # 2026-W48's rounds are stored with East
    pclock.set(PREVIOUS_POLL_DAY + timedelta(days=21))
    org = pulse_org_renamed(tmp_path, "East", "Americas East")
    with bot_on_org(pbot.settings, pclock, org) as (later, chat, _):
        await say(later, "grace", "/summary team East 2026-W48")
        team_view = chat.last("grace")
        assert "East (Alice Martin): 4.0 / 5" in team_view
        await say(later, "grace", "/summary 2026-W48")
        org_view = chat.last("grace")
        assert "Americas East" not in org_view


def promoted(tmp_path):
    """The test org file after Alice (East's director) became GM and Grace (the GM) took
    over East as its director."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == "alice":
            person["role"] = "gm"
            person.pop("team", None)
        elif person["key"] == "grace":
            person["role"] = "director"
            person["team"] = "East"
    path = tmp_path / "org-alice-gm.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_a_week_before_a_promotion_reads_as_it_was(bot, chat, clock, tmp_path):
    """Alice led East in 2026-W48 (her check-in, kudos); in December she is made GM and
    Grace East's director. `/summary team East 2026-W48` then listed Grace (GM in W48) as
    East's member with 'no check-in sent' and named East's kudos 'East (Grace Chen)'."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await november_in_east(bot)
    await say(bot, "grace", "/summary team East 2026-W48")
    before = chat.last("grace")
    assert "East (Alice Martin): 2 given by 2 people" in before
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    with bot_on_org(bot.settings, clock, promoted(tmp_path)) as (later, chat, _):
        await say(later, "alice", "/summary team East 2026-W48")
        after = chat.last("alice")
        assert "Grace Chen — no check-in sent" not in after
        assert "East (Alice Martin): 2 given by 2 people" in after
        assert after.split("Check-ins")[1].split("KPIs")[0] == \
            before.split("Check-ins")[1].split("KPIs")[0]
        with later.unit() as ctx:
            ctx.people.by_key("alice").locale = "zh-CN"
        await say(later, "alice", "/summary team East 2026-W48")
        assert "East（Alice Martin）：送出 2 次" in chat.last("alice")
        assert "Grace Chen" not in chat.last("alice").split("一对一")[0]
