"""Goals: periods, weekly targets, progress arithmetic, the org file's goals, and /goals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.goals import Goal, compact, parse_period, progress
from bot.org import OrgError, parse_org
from tests.support import TEST_ORG


def goal(period: str, target: float, start: date | None = None, fiscal: int = 1,
         plan: tuple[float, ...] | None = None) -> Goal:
    return Goal("revenue", parse_period(period, start, fiscal), target, "org", None, "USD",
                plan)


# --- periods and weekly targets ---------------------------------------------------------

def test_named_periods():
    assert parse_period("2026-Q4").start == date(2026, 10, 1)
    assert parse_period("2026-Q4").end == date(2026, 12, 31)
    assert (parse_period("2026-H1").start, parse_period("2026-H1").end) == (
        date(2026, 1, 1), date(2026, 6, 30))
    assert parse_period("2026-02").end == date(2026, 2, 28)
    assert parse_period("2026").end == date(2026, 12, 31)
    assert (parse_period("2026-W48").start, parse_period("2026-W48").end) == (
        date(2026, 11, 23), date(2026, 11, 29))
    with pytest.raises(ValueError, match="2026-Q5"):
        parse_period("2026-Q5")


def test_a_quarter_spanning_the_year_boundary():
    # A fiscal year starting in December: FY2027-Q1 is December 2026 to February 2027.
    q = goal("2027-Q1", 130_000, fiscal=12)
    assert (q.period.start, q.period.end) == (date(2026, 12, 1), date(2027, 2, 28))
    weeks = q.weeks()
    # ISO year 2026 has 53 weeks: its W53 (Dec 28 - Jan 3) is one week of the quarter,
    # and 2027-W01 follows it; no week is lost or counted twice at the boundary.
    names = [w.week for w in weeks]
    assert names[0] == "2026-W49" and names[-1] == "2027-W08"
    assert "2026-W53" in names and names.index("2027-W01") == names.index("2026-W53") + 1
    assert len(names) == len(set(names)) == 13
    # A week counts whole in the quarter of its Thursday: W49 with its Monday 30 November,
    # as /summary's month and quarter to date count it. 13 weeks, 10,000 each.
    assert sum(len(w.days) for w in weeks) == 65
    assert sum(w.target for w in weeks) == pytest.approx(130_000)
    assert weeks[0].days[0] == date(2026, 11, 30) and weeks[0].target == pytest.approx(10_000)
    assert weeks[5].target == pytest.approx(10_000)
    # The same quarter with a start date instead of a fiscal calendar.
    same = goal("quarter", 130_000, start=date(2026, 12, 1))
    assert (same.period.start, same.period.end) == (date(2026, 12, 1), date(2027, 2, 28))


def test_a_period_that_starts_mid_week():
    # A month from Wednesday 2026-12-16 to Friday 2027-01-15: the weeks whose Thursday it
    # holds, 2026-W51 (Thursday 17 December) to 2027-W02 (Thursday 14 January), whole.
    m = goal("month", 250_000, start=date(2026, 12, 16))
    assert m.period.end == date(2027, 1, 15)
    weeks = m.weeks()
    assert [w.week for w in weeks] == ["2026-W51", "2026-W52", "2026-W53", "2027-W01",
                                       "2027-W02"]
    assert [len(w.days) for w in weeks] == [5, 5, 5, 5, 5]
    assert [round(w.target) for w in weeks] == [50_000] * 5
    # On Monday of the second week the plan to date is the first week's 50k.
    p = progress(m, actual=50_000, today=date(2026, 12, 21))
    assert p.planned_to_date == pytest.approx(50_000) and p.state == "on_track"


def test_a_weekly_plan_replaces_the_even_spread():
    g = goal("2026-12", 100_000, plan=(10_000, 20_000, 30_000, 30_000, 10_000))
    assert [w.target for w in g.weeks()] == [10_000, 20_000, 30_000, 30_000, 10_000]
    # Halfway through the third week (Wed Dec 16: Mon and Tue done) the plan is
    # 10k + 20k + 2/5 of 30k.
    p = progress(g, actual=35_000, today=date(2026, 12, 16))
    assert p.planned_to_date == pytest.approx(42_000)
    assert p.state == "behind"


def test_pace_when_behind():
    # Q4 2026 counts the ISO weeks whose Thursday it holds: W40 (Monday 28 September, its
    # Thursday 1 October) to W53 (its Thursday 31 December), 70 working days. Target
    # 700,000: 10,000 a working day, 50,000 a week.
    q = goal("2026-Q4", 700_000)
    assert len(q.period.working_days()) == 70
    # Monday 2026-11-30: 45 working days done, 25 left. Planned 450k; actual 300k.
    p = progress(q, actual=300_000, today=date(2026, 11, 30))
    assert p.days_elapsed == 45 and p.days_left == 25
    assert p.planned_to_date == pytest.approx(450_000)
    assert p.state == "behind"
    assert p.attainment == pytest.approx(300_000 / 700_000)
    # 400k to go over 25 working days = 16,000 a day = 80,000 a week (vs the plan's 50k).
    assert p.pace_needed == pytest.approx(80_000)
    ahead = progress(q, actual=460_000, today=date(2026, 11, 30))
    assert ahead.state == "on_track" and ahead.pace_needed == pytest.approx(48_000)
    assert progress(q, 700_000, date(2026, 12, 1)).state == "achieved"
    # Its last week ends on Sunday 3 January: missed from the Monday after.
    assert progress(q, 600_000, date(2027, 1, 3)).state == "behind"
    assert progress(q, 600_000, date(2027, 1, 4)).state == "missed"
    assert progress(q, 600_000, date(2027, 1, 4)).pace_needed is None
    assert progress(q, 0, date(2026, 9, 28)).state == "not_started"


def test_compact_amounts_in_both_languages():
    # A half rounds up, as every figure shown (1.25M is 1.3M, not round()'s even 1.2M).
    assert compact(440_000) == "440k" and compact(1_250_000) == "1.3M"
    assert compact(440_000, "zh-CN") == "44万" and compact(40_000, "zh-CN") == "4万"
    assert compact(950) == "950"


# --- goals in the org file --------------------------------------------------------------

GOALS = """
goals:
  - {metric: revenue, period: 2026-Q4, target: 480000}
  - {metric: revenue, period: 2026-Q4, team: East, target: 200000}
  - {metric: revenue, period: 2026-Q4, team: Europe, target: 120000}
  - {metric: revenue, period: 2026-Q4, team: China, target: 120000}
  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}
  - {metric: revenue, period: 2026-Q4, person: sam, target: 50000}
  - {metric: revenue, period: 2026-11, person: bruno, target: 160000}
"""


def org_text(extra: str) -> str:
    return TEST_ORG.read_text(encoding="utf-8") + extra


def test_goals_are_read_from_the_org_file():
    org = parse_org(org_text(GOALS))
    assert len(org.goals.goals) == 7
    alice = org.goals.for_owner("person", "alice")[0]
    assert alice.unit == "USD" and alice.period.label == "2026-Q4" and alice.target == 150_000


def test_goals_file_named_by_the_org_file(tmp_path: Path):
    (tmp_path / "goals.yaml").write_text(
        "fiscal_year_start: 12\ntargets:\n  - {metric: revenue, period: 2027-Q1, "
        "target: 130000}\n", encoding="utf-8")
    org_path = tmp_path / "org.yaml"
    org = parse_org(org_text("goals: goals.yaml\n"), org_path)
    assert org.goals.goals[0].period.start == date(2026, 12, 1)
    with pytest.raises(OrgError, match=r"the goals file 'nope\.yaml' is not found"):
        parse_org(org_text("goals: nope.yaml\n"), org_path)


def test_bad_goals_are_refused_with_every_problem_named():
    bad = """
goals:
  - {metric: revenue, period: 2026-Q5, target: 100}
  - {metric: revenue, period: 2026-Q4, person: zed, target: 100}
  - {metric: revenue, period: 2026-Q4, team: Nowhere, target: 100}
  - {metric: revenue, period: 2026-12, target: -5}
  - {metric: revenue, period: 2026-12, person: alice, target: 100, weekly_plan: [50, 50]}
  - {metric: revenue, period: 2026-12, team: East, person: alice, target: 100}
  - {metric: revenue, period: 2026-Q4, target: 100, tagret: 3}
  - {metric: revenue, period: 2026-Q4, target: 100}
"""
    with pytest.raises(OrgError) as err:
        parse_org(org_text(bad))
    problems = "\n".join(err.value.problems)
    assert "goals[0] (revenue 2026-Q5): period '2026-Q5' is not one of" in problems
    assert "goals[1] (revenue 2026-Q4): person 'zed' does not exist in the org file" in problems
    assert "goals[2] (revenue 2026-Q4): team 'Nowhere' has nobody in the org file" in problems
    assert "goals[3] (revenue 2026-12): target must be a number greater than 0" in problems
    assert ("goals[4] (revenue 2026-12): weekly_plan has 2 numbers but the period has 5 "
            "working weeks (2026-W49 to 2026-W53)") in problems
    assert "goals[5] (revenue 2026-12): give team or person, not both" in problems
    assert "goals[6]: unknown field(s) tagret" in problems
    assert "goals[7] (revenue 2026-Q4 (org)): the same target is also goals[6]" not in problems
    assert len(err.value.problems) == 7


def test_a_weekly_plan_that_does_not_add_up_is_refused():
    bad = ("goals:\n  - {metric: revenue, period: 2026-12, person: alice, target: 100000, "
           "weekly_plan: [20000, 20000, 20000, 20000, 10000]}\n")
    with pytest.raises(OrgError, match="weekly_plan adds up to 90000, not the target 100000"):
        parse_org(org_text(bad))


def test_the_same_target_twice_is_refused():
    twice = ("goals:\n  - {metric: revenue, period: 2026-Q4, target: 1}\n"
             "  - {metric: revenue, period: 2026-Q4, target: 2}\n")
    with pytest.raises(OrgError, match=r"goals\[1\] \(revenue 2026-Q4 \(org\)\): the same "
                                       r"target is also goals\[0\]"):
        parse_org(org_text(twice))


NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


# --- the breakdown check ----------------------------------------------------------------

def test_the_breakdown_check_names_what_is_not_allocated():
    from bot.goals import breakdown_gaps, describe_gap

    org = parse_org(org_text(GOALS + """\
  - {metric: revenue, period: 2026-Q4, person: bruno, target: 130000}
"""))
    gaps = breakdown_gaps(org.goals, {p.key: p.team for p in org.people},
                          {p.key: p.name for p in org.people})
    # East: Alice 150k + Sam 50k = 200k, exactly East's target: not listed.
    assert [describe_gap(g) for g in gaps] == [
        "revenue 2026-Q4: Bruno Rossi = 130k of Europe's 120k; over-allocated by 10k",
        "revenue 2026-Q4: East + Europe + China = 440k of the org's 480k; 40k not allocated",
    ]


def test_check_org_shows_the_breakdown(tmp_path: Path, capsys):
    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(org_text(GOALS), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    out = capsys.readouterr().out
    assert "goals: 7" in out
    assert ("breakdown: revenue 2026-Q4: East + Europe + China = 440k of the org's 480k; "
            "40k not allocated") in out


def test_check_org_in_chinese_words_the_breakdown_as_goals_does(tmp_path: Path, capsys):
    """check-org's Markdown in Chinese (--locale zh-CN, or a Chinese GM's default) listed
    the breakdown gaps in English ('revenue 2026-Q4: … 40k not allocated')."""
    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(org_text(GOALS), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md",
                 "--locale", "zh-CN"]) == 0
    md = capsys.readouterr().out
    assert "East + Europe + China = 44万，全公司 2026-Q4 营收目标为 48万；4万 尚未分配" in md, md
    assert "not allocated" not in md
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md"]) == 0
    assert "East + Europe + China = 440k of the org's 480k; 40k not allocated" in \
        capsys.readouterr().out


# --- /goals, from the user's side ---------------------------------------------------------

def answer_kpi(bot, key: str, week: str, value: float, metric: str = "revenue") -> None:
    """Store a submitted check-in answer for one KPI, as the check-in would."""
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        rnd = ctx.checkins.round_for(person, week) or ctx.checkins.create_round(
            person, week, [], NOW)
        rnd.status = "submitted"
        ctx.checkins.save_answer(rnd, f"kpi:{metric}", text=None, number=value, skipped=False,
                                 now=NOW)


@pytest.fixture
def goals_bot(bot, clock):
    bot.org = parse_org(org_text(GOALS))
    clock.set(NOW)
    return bot


async def test_a_director_sees_their_goal_behind_with_the_pace_needed(goals_bot, chat):
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W47", 40_000)
    answer_kpi(goals_bot, "alice", "2026-W48", 45_000)
    answer_kpi(goals_bot, "sam", "2026-W48", 10_000)
    await say(goals_bot, "alice", "/goals")
    text = chat.last("alice")
    assert text.startswith("🎯 Goals — Alice Martin")
    # Alice: 85k of 150k; 45 of the quarter's 70 working days done (its weeks: W40, whose
    # Thursday is 1 October, to W53, whose Thursday is 31 December) -> plan to date
    # 96,429; behind.
    assert ("• Revenue · 2026-Q4 (2026-10-01 – 2026-12-31) · Alice Martin\n"
            "  85,000 of 150,000 USD (57%) · plan to date 96,429 · ⚠️ behind · figures from "
            "2026-W47 on (none before)\n"
            "  Pace needed: 13,000 a week for the 25 working days left") in text
    # East counts Alice's and Sam's figures against the team's 200k.
    assert "95,000 of 200,000 USD (48%)" in text
    await say(goals_bot, "alice", "/goals bruno")
    assert chat.last("alice").startswith("You can see your own goals and your team's.")


async def test_a_half_percent_and_a_half_unit_round_up_as_a_spreadsheet_shows_them(
        goals_bot, chat):
    """86,250 of 150,000 is 57.5%: the director's spreadsheet shows 58%, /goals read 57%
    (round() on the float 57.49999…, a half to the even number)."""
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W47", 86_250)
    await say(goals_bot, "alice", "/goals")
    assert "86,250 of 150,000 USD (58%)" in chat.last("alice")
    with goals_bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(goals_bot, "alice", "/goals")
    assert "86,250 / 150,000 USD（58%）" in chat.last("alice")


async def test_a_goal_barely_begun_never_reads_0_percent_nor_one_missed_100(goals_bot, chat):
    """600 of Alice's 150,000 (0.4%) read '(0%)', as Sam's nothing does; Bruno's November,
    159,360 of 160,000 and missed, must not read '(100%)' beside '❌ missed' (from 1 December)."""
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W47", 600)
    answer_kpi(goals_bot, "sam", "2026-W47", 0)
    answer_kpi(goals_bot, "bruno", "2026-W47", 159_360)
    answer_kpi(goals_bot, "li", "2026-W47", 119_520)
    await say(goals_bot, "alice", "/goals")
    text = chat.last("alice")
    assert "600 of 150,000 USD (<1%) · plan to date 96,429" in text
    assert "600 of 200,000 USD (<1%) · plan to date 128,571" in text  # team East
    await say(goals_bot, "sam", "/goals")
    assert "0 of 50,000 USD (0%) · plan to date 32,143" in chat.last("sam")
    await say(goals_bot, "bruno", "/goals")
    # Monday 30 November is November's last day, though its week (2026-W49, Thursday 3
    # December) counts in December: behind, not missed yet (tests/test_goal_last_days.py).
    assert ("159,360 of 160,000 USD (99%) · plan to date 160,000 · ⚠️ behind · figures from "
            "2026-W47 on (none before)\n  Still needed: 640, with no working day left"
            ) in chat.last("bruno")
    goals_bot.clock.set(NOW + timedelta(days=1))
    await say(goals_bot, "bruno", "/goals")
    assert "159,360 of 160,000 USD (99%) · plan to date 160,000 · ❌ missed" in chat.last("bruno")
    goals_bot.clock.set(NOW)
    await say(goals_bot, "li", "/goals")
    assert "119,520 / 120,000 USD（99%）· 计划进度 77,143" in chat.last("li")
    with goals_bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(goals_bot, "alice", "/goals")
    assert "600 / 150,000 USD（<1%）· 计划进度 96,429" in chat.last("alice")


async def test_someone_of_your_team_s_goals_by_name_as_the_team_s_list_shows_them(goals_bot,
                                                                                   chat):
    """`/goals team East` lists Sam's goal to Alice and to Sam; `/goals sam` was refused to
    Alice. A person of the reader's own team is now shown; another team's still is not."""
    from tests.support import say

    await say(goals_bot, "alice", "/goals sam")
    assert chat.last("alice").startswith("🎯 Goals — Sam Lee")
    assert "target 50,000 USD" in chat.last("alice")
    await say(goals_bot, "sam", "/goals alice")
    assert chat.last("sam").startswith("🎯 Goals — Alice Martin")
    await say(goals_bot, "sam", "/goals li")
    assert chat.last("sam").startswith("You can see your own goals and your team's.")


async def test_another_team_s_goals_are_refused_however_they_are_named(goals_bot, chat):
    """README: the GM and summary viewers see every team's goals; "anyone else may name
    their own team or someone in it". Bruno (Europe) asks for East's, by team, key and
    name; Sam (East) for China's; Li in Chinese: each is refused, naming nothing of it.
    Vera, a summary viewer, reads East's (a guard)."""
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W48", 45_000)
    refused = ("You can see your own goals and your team's. The GM and the summary viewers "
               "can see everyone's.")
    for who, typed in (("bruno", "/goals team East"), ("bruno", "/goals alice"),
                       ("bruno", "/goals Alice Martin"), ("sam", "/goals team China")):
        await say(goals_bot, who, typed)
        assert chat.last(who) == refused, typed
    await say(goals_bot, "li", "/goals 团队 East")
    assert chat.last("li") == ("你可以查看自己和所在团队的目标。"
                               "总经理和可查看汇总的人可以查看所有人的目标。")
    await say(goals_bot, "vera", "/goals team East")
    assert chat.last("vera").startswith("🎯 Goals — East")
    assert "45,000" in chat.last("vera")


async def test_the_gm_sees_the_org_and_the_unallocated_part(goals_bot, chat):
    from tests.support import say

    await say(goals_bot, "grace", "/goals")
    text = chat.last("grace")
    assert text.startswith("🎯 Goals — Test Sales")
    assert "· whole org" in text
    assert ("• East + Europe + China = 440k of the org's 480k Revenue (2026-Q4); "
            "40k not allocated") in text
    await say(goals_bot, "grace", "/goals team nowhere")
    assert "I don't know nowhere" in chat.last("grace")


async def test_goals_in_chinese(goals_bot, chat):
    from tests.support import say

    goals_bot.org = parse_org(org_text(GOALS.replace("team: China, target: 120000",
                                                     "team: China, target: 120000}\n"
                                                     "  - {metric: revenue, period: 2026-Q4, "
                                                     "person: li, target: 100000")))
    answer_kpi(goals_bot, "li", "2026-W48", 66_000)
    await say(goals_bot, "li", "/goals")
    text = chat.last("li")
    assert text.startswith("🎯 目标 —— 李雷")
    assert "66,000 / 100,000 USD（66%）" in text and "✅ 进度正常" in text
    assert "李雷 = 10万，China 2026-Q4 营收目标为 12万；2万 尚未分配" in text


def without_sam(extra: str) -> str:
    """The org file after Sam left: his entry and his own goal taken out."""
    text = org_text(extra)
    start = text.index("  - key: sam")
    end = text.index("# Company values")
    return (text[:start] + text[end:]).replace(
        "  - {metric: revenue, period: 2026-Q4, person: sam, target: 50000}\n", "")


async def test_a_director_names_their_own_team_in_any_case_beside_a_team_written_so(
        goals_bot, chat):
    """The org file writes Sam's team `EAST` and Alice's `East` (check-org warns of it):
    Alice's `/goals team east` picked `EAST`, the first spelling, and refused her her own
    team's goals. A team typed in any case is the reader's own where theirs matches it,
    else the spelling typed (the GM's `/goals team EAST`)."""
    from tests.support import say

    goals_bot.org = parse_org(org_text(GOALS).replace(
        "    team: East\n    timezone: America/Chicago",
        "    team: EAST\n    timezone: America/Chicago"))
    await say(goals_bot, "alice", "/goals team east")
    assert chat.last("alice").startswith("🎯 Goals — East"), chat.last("alice")
    await say(goals_bot, "grace", "/goals team EAST")  # the GM: the spelling typed
    assert chat.last("grace").startswith("🎯 Goals — EAST"), chat.last("grace")


async def test_a_team_goal_keeps_what_someone_who_left_brought_in(goals_bot, chat):
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W47", 40_000)
    answer_kpi(goals_bot, "sam", "2026-W47", 10_000)
    answer_kpi(goals_bot, "sam", "2026-W48", 5_000)
    await say(goals_bot, "alice", "/goals team East")
    assert "55,000 of 200,000 USD" in chat.last("alice")
    # Sam leaves at the end of November: the operator takes him out of the org file. The
    # 15,000 he sold this quarter is still East's (and the org's); the target is unchanged.
    goals_bot.org = parse_org(without_sam(GOALS))
    with goals_bot.unit() as ctx:
        ctx.people.sync(goals_bot.org.people)
    await say(goals_bot, "alice", "/goals team East")
    assert "55,000 of 200,000 USD" in chat.last("alice")
    await say(goals_bot, "grace", "/goals")
    assert "55,000 of 480,000 USD" in chat.last("grace")


async def test_in_the_last_days_of_a_quarter_the_amount_still_needed_is_said_plainly(
        goals_bot, chat, clock):
    from tests.support import say

    # Friday 1 January, the quarter's last working day (its last week is 2026-W53, whose
    # Thursday is 31 December), Alice at 85,000 of 150,000. She was told 'Pace needed:
    # 325,000 a week for the 1 working days left': five times what she has to bring in,
    # the one day she has left.
    answer_kpi(goals_bot, "alice", "2026-W47", 40_000)
    answer_kpi(goals_bot, "alice", "2026-W48", 45_000)
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))
    await say(goals_bot, "alice", "/goals alice")
    text = chat.last("alice")
    assert "Still needed: 65,000 on the last working day (today)" in text
    assert "325,000" not in text
    # Three working days left (Wednesday 30 December): the total over those days.
    clock.set(datetime(2026, 12, 30, 14, 0, tzinfo=UTC))
    await say(goals_bot, "alice", "/goals alice")
    assert "Still needed: 65,000 over the 3 working days left" in chat.last("alice")
    goals_bot.org = parse_org(org_text(GOALS.replace(
        "person: sam, target: 50000}",
        "person: sam, target: 50000}\n  - {metric: revenue, period: 2026-Q4, person: li, "
        "target: 100000}")))
    answer_kpi(goals_bot, "li", "2026-W48", 66_000)
    await say(goals_bot, "li", "/goals")
    assert "还需完成：34,000（剩余 3 个工作日）" in chat.last("li")


async def test_on_the_quarter_s_last_weekend_a_goal_behind_says_what_is_missing(
        goals_bot, chat, clock):
    """Saturday 2 January 2027: Q4's last working day is gone, its last week (W53) not over
    until Sunday. Alice at 85,000 of 150,000 read '⚠️ behind' and nothing more, no pace
    and no amount, the weekend the GM looks back at the quarter."""
    from tests.support import say

    answer_kpi(goals_bot, "alice", "2026-W47", 40_000)
    answer_kpi(goals_bot, "alice", "2026-W48", 45_000)
    clock.set(datetime(2027, 1, 2, 15, 0, tzinfo=UTC))
    await say(goals_bot, "alice", "/goals alice")
    assert ("85,000 of 150,000 USD (57%) · plan to date 139,286 · ⚠️ behind · figures from "
            "2026-W47 on (none before)\n"
            "  Still needed: 65,000, with no working day left") in chat.last("alice")
    goals_bot.org = parse_org(org_text(GOALS + "  - {metric: revenue, period: 2026-Q4, "
                                               "person: li, target: 100000}\n"))
    answer_kpi(goals_bot, "li", "2026-W48", 66_000)
    await say(goals_bot, "li", "/goals")
    assert "还需完成：34,000（已没有剩余工作日）" in chat.last("li")
    # On Monday the quarter is missed: no amount is asked for any more.
    clock.set(datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    await say(goals_bot, "alice", "/goals alice")
    assert "❌ missed" in chat.last("alice") and "Still needed" not in chat.last("alice")


async def test_a_count_goal_says_the_customers_still_needed_not_0_a_week(bot, chat, clock):
    """Alice has 18 of her 20 new customers with 25 working days of Q4 left: 2 to go, 0.4
    a week. /goals read 'Pace needed: 0 a week' (rounded), as if nothing more were needed;
    a count goal's small pace is said as what is still needed, in both languages."""
    from tests.support import say

    bot.org = parse_org(org_text(GOALS.replace(
        "person: bruno, target: 160000}",
        "person: bruno, target: 160000}\n"
        "  - {metric: new_customers, period: 2026-Q4, person: alice, target: 20}")))
    clock.set(NOW)
    answer_kpi(bot, "alice", "2026-W47", 10, "new_customers")
    answer_kpi(bot, "alice", "2026-W48", 8, "new_customers")
    await say(bot, "alice", "/goals")
    text = chat.last("alice")
    assert "18 of 20 customers (90%)" in text
    assert "Still needed: 2 over the 25 working days left" in text
    assert "0 a week" not in text
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/goals")
    assert "还需完成：2（剩余 25 个工作日）" in chat.last("alice")
    assert "每周 0" not in chat.last("alice")


async def test_a_person_named_as_people_write_them(goals_bot, chat):
    from tests.support import say

    # The GM typed a director's name, or a key with a Chinese keyboard's '＠', and was
    # told 'I don't know 李雷: give a person's key'.
    goals_bot.org = parse_org(org_text(GOALS + "  - {metric: revenue, period: 2026-Q4, "
                                                "person: li, target: 100000}\n"))
    await say(goals_bot, "grace", "/goals 李雷")
    assert chat.last("grace").startswith("🎯 Goals — 李雷"), chat.last("grace")
    await say(goals_bot, "grace", "/goals alice martin")
    assert chat.last("grace").startswith("🎯 Goals — Alice Martin")
    await say(goals_bot, "grace", "/goals ＠alice")
    assert chat.last("grace").startswith("🎯 Goals — Alice Martin")
    # Two people with one name: neither is guessed.
    twin = org_text(GOALS).replace("name: Sam Lee", "name: Alice Martin")
    goals_bot.org = parse_org(twin)
    await say(goals_bot, "grace", "/goals Alice Martin")
    assert chat.last("grace") == ("2 people are called Alice Martin; name one by key: "
                                  "/goals alice (team East), /goals sam (team East).")
    await say(goals_bot, "li", "/goals 李雷")
    assert chat.last("li").startswith("🎯 目标 —— 李雷")


async def test_someone_who_moved_team_leaves_what_they_sold_with_the_old_team(
        goals_bot, chat):
    from tests.support import say

    # Sam sold 10,000 for East in W47, then moved to Europe and sold 5,000 there in W48.
    # /goals showed all 15,000 as Europe's and none as East's: East's quarter looked
    # 10,000 further behind than it was.
    answer_kpi(goals_bot, "alice", "2026-W47", 40_000)
    answer_kpi(goals_bot, "sam", "2026-W47", 10_000)
    moved = org_text(GOALS).replace("    manager: alice\n    team: East\n",
                                    "    manager: alice\n    team: Europe\n")
    goals_bot.org = parse_org(moved)
    with goals_bot.unit() as ctx:
        ctx.people.sync(goals_bot.org.people)
    answer_kpi(goals_bot, "sam", "2026-W48", 5_000)
    answer_kpi(goals_bot, "bruno", "2026-W48", 20_000)
    await say(goals_bot, "grace", "/goals team East")
    assert "50,000 of 200,000 USD" in chat.last("grace"), chat.last("grace")
    await say(goals_bot, "grace", "/goals team Europe")
    assert "25,000 of 120,000 USD" in chat.last("grace")


async def test_a_goal_nothing_is_known_of_is_not_behind(goals_bot, chat):
    # Installed mid-quarter, before any check-in: Alice's goal read '0 of 150,000 USD
    # (0%) · ⚠️ behind · Pace needed …', as if she had sold nothing since October.
    from tests.support import say

    await say(goals_bot, "alice", "/goals")
    text = chat.last("alice")
    assert "• Revenue · 2026-Q4 (2026-10-01 – 2026-12-31) · Alice Martin\n  no figures yet " \
        "(no check-in or CRM figure since 2026-W40, the week from Monday 2026-09-28) · " \
        "target 150,000 USD" in text, text
    assert "behind" not in text and "Pace needed" not in text
    await say(goals_bot, "li", "/goals")
    assert "暂无数字（自 2026-W40 起没有签到或 CRM 数字；该周从 2026-09-28（周一）开始）" \
        in chat.last("li")


async def test_a_goal_with_no_figures_yet_keeps_the_next_goal_on_a_line_of_its_own(
        goals_bot, chat):
    """The GM's /goals before any figure: the org's goal's 'plan to date 274,286' ran on
    into the next goal's bullet, '… plan to date 274,286• Revenue · 2026-Q4 … · East'."""
    from tests.support import say

    await say(goals_bot, "grace", "/goals")
    text = chat.last("grace")
    lines = text.splitlines()
    bullets = [x for x in lines if x.startswith("• Revenue")]
    assert len(bullets) == 4, text  # the org, East, Europe and China
    assert all("no figures yet" in x for x in lines if x.startswith("  ")
               and "target" in x), text
    assert not any("•" in x for x in lines if x.startswith("  ")), text
    with goals_bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(goals_bot, "grace", "/goals")
    lines = chat.last("grace").splitlines()
    assert len([x for x in lines if x.startswith("• 营收")]) == 4, chat.last("grace")
    assert not any("•" in x for x in lines if x.startswith("  ")), chat.last("grace")


@pytest.mark.parametrize(("person", "expected"), [
    ("bruno", "no figures yet (no check-in or CRM figure since 2026-W47, the week from "
              "Monday 2026-11-16)"),
    ("li", "暂无数字（自 2026-W47 起没有签到或 CRM 数字；该周从 2026-11-16（周一）开始）")])
async def test_a_goal_written_from_a_friday_says_the_weeks_it_counts(
        goals_bot, chat, person, expected):
    # A quarter written from Friday 13 November counts from W47 (Monday 16 November): W46's
    # Thursday, the 12th, is before it, so W46's figures are the month's, never this goal's.
    # It read "since 2026-11-13", as if a figure for that week would have counted.
    from tests.support import say

    goals_bot.org = parse_org(org_text(
        GOALS + f"  - {{metric: revenue, period: quarter, start: 2026-11-13, person: {person}, "
                "target: 90000}\n"))
    answer_kpi(goals_bot, "bruno", "2026-W46", 30_000)  # in November's goal, not this one
    await say(goals_bot, person, "/goals")
    text = chat.last(person)
    assert expected in text, text
    assert "2026-11-13" in text  # the period still reads as it was written


async def test_a_small_or_round_gap_in_chinese_is_written_as_chinese_writes_it(goals_bot, chat):
    # Under 1万 the Chinese line fell back to English 'k' ('1.5k 尚未分配'), and just under
    # 1亿 it read '10,000万' for 1亿.
    from tests.support import say

    goals_bot.org = parse_org(org_text(GOALS.replace("team: China, target: 120000",
                                                     "team: China, target: 120000}\n"
                                                     "  - {metric: revenue, period: 2026-Q4, "
                                                     "person: li, target: 118500")))
    await say(goals_bot, "li", "/goals")
    # (11.85万 reads 11.9万: a half rounds up, as every figure shown.)
    assert "李雷 = 11.9万，China 2026-Q4 营收目标为 12万；1,500 尚未分配" in chat.last("li"), \
        chat.last("li")
    assert compact(99_999_000, "zh-CN") == "1亿" and compact(999_990) == "1M"


async def test_each_breakdown_gap_is_a_line_of_its_own_in_both_languages(goals_bot, chat):
    """Two gaps (Bruno over Europe's target, the teams short of the org's) were run into one
    line, "…over-allocated by 10k• East + Europe …", in the GM's /goals."""
    from tests.support import say

    extra = GOALS + "  - {metric: revenue, period: 2026-Q4, person: bruno, target: 130000}\n"
    goals_bot.org = parse_org(org_text(extra))
    await say(goals_bot, "grace", "/goals")
    assert ("Bruno Rossi = 130k of Europe's 120k Revenue (2026-Q4); over-allocated by 10k\n"
            "• East + Europe + China = 440k of the org's 480k Revenue (2026-Q4); "
            "40k not allocated") in chat.last("grace")
    zh = parse_org(org_text(extra).replace("    locale: en", "    locale: zh-CN", 1))
    goals_bot.sync_org_to(zh)
    goals_bot.apply_org(zh)
    await say(goals_bot, "grace", "/goals")
    assert ("Bruno Rossi = 13万，Europe 2026-Q4 营收目标为 12万；超额分配 1万\n"
            "• East + Europe + China = 44万，全公司 2026-Q4 营收目标为 48万；4万 尚未分配"
            ) in chat.last("grace")


def test_a_mistyped_goal_is_refused_saying_what_went_wrong():
    """`target: 480,000` in a {…} entry was refused as "unknown field(s) 0" (YAML reads a
    target of 480 and a field 000); `metric: revenu` was accepted, and East's goal read "no
    figures yet" all quarter, since no check-in reports a metric of that name."""
    bad = """
goals:
  - {metric: revenue, period: 2026-Q4, target: 480,000}
  - {metric: revenu, period: 2026-Q4, team: East, target: 200000}
  - {metric: revenue, period: 2026-12, person: li, target: 90k}
"""
    with pytest.raises(OrgError) as err:
        parse_org(org_text(bad))
    assert err.value.problems == [
        "goals[0]: target 480 is followed by a field 0: in {…} a comma separates fields, so a "
        "target written with a comma (480,000) is cut there; write it without commas (480000)",
        "goals[1]: metric 'revenu' is no one's KPI in the org file (did you mean 'revenue'?): "
        "no check-in would ever report on this goal",
        "goals[2] (revenue 2026-12): target must be a number greater than 0 ('90k' is not), "
        "written in digits without commas or units: 480000, 90000"]
    # A metric only the CRM brings, close to no KPI, is still a goal of its own.
    org = parse_org(org_text("goals:\n  - {metric: pipeline, period: 2026-Q4, target: 9}\n"))
    assert org.goals.goals[0].metric == "pipeline"


def test_the_week_in_progress_counts_in_the_plan_once_its_figure_is_in():
    """Figures come a week at a time, at the week's check-in. On Thursday 2026-12-03 the
    plan held Monday to Wednesday of a week nobody had reported yet: a director exactly on
    plan read 'behind' (planned 480k against 450k), every Monday to Thursday."""
    q = goal("2026-Q4", 700_000)  # 10,000 a working day: W40 to W53, 70 days
    thursday = date(2026, 12, 3)
    before = progress(q, 450_000, thursday, weeks_in={f"2026-W{n}" for n in range(40, 49)})
    assert before.planned_to_date == pytest.approx(450_000) and before.state == "on_track"
    # Once this week's figure is in, its days so far count, today with them (the figure
    # covers today).
    after = progress(q, 500_000, thursday, weeks_in={f"2026-W{n}" for n in range(40, 50)})
    assert after.planned_to_date == pytest.approx(490_000) and after.state == "on_track"
    # A week that is over counts whether or not its figure came: a missed check-in is
    # behind the plan.
    missed = progress(q, 400_000, thursday, weeks_in={f"2026-W{n}" for n in range(40, 48)})
    assert missed.planned_to_date == pytest.approx(450_000) and missed.state == "behind"
    # The days left are those the plan has not counted yet: before the figure, today is
    # one of them (its sales are still to come); with it, today is done, as in the plan.
    assert before.days_elapsed == 48 and before.days_left == 22
    assert after.days_elapsed == 49 and after.days_left == 21
    assert after.pace_needed == pytest.approx(200_000 / 21 * 5)
    # Before it, the week's days gone by are still to come in its figure: the pace is over
    # the 25 days the plan has not counted, the plan's own 50,000 a week.
    assert before.pace_needed == pytest.approx(50_000)


async def test_a_director_on_plan_reads_on_track_on_a_thursday(bot, chat, clock):
    from tests.support import say

    bot.org = parse_org(org_text("""
goals:
  - {metric: revenue, period: 2026-Q4, person: alice, target: 700000}
"""))
    # 50,000 a week, every week of the quarter so far (W40 counts whole: its Thursday is
    # 1 October).
    for n in range(40, 49):
        answer_kpi(bot, "alice", f"2026-W{n}", 50_000)
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))  # Thursday 10:00 in New York
    await say(bot, "alice", "/goals")
    line = next(x for x in chat.last("alice").splitlines() if "of 700,000 USD" in x)
    assert line.startswith("  450,000 of 700,000 USD (64%) · plan to date 450,000")
    assert "behind" not in line


async def test_a_director_on_plan_on_a_thursday_is_asked_the_plan_s_pace(bot, chat, clock):
    """Thursday 3 December, Alice exactly on plan (450,000 of 700,000), this week's figure
    still to come: she was told 'Pace needed: 56,818 a week', 250,000 over the 22 calendar
    days left, when the five weekly figures to come (this week's with its Monday to
    Wednesday) need 50,000 each, her plan."""
    from tests.support import say

    bot.org = parse_org(org_text("""
goals:
  - {metric: revenue, period: 2026-Q4, person: alice, target: 700000}
"""))
    for n in range(40, 49):
        answer_kpi(bot, "alice", f"2026-W{n}", 50_000)
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))  # Thursday 10:00 in New York
    await say(bot, "alice", "/goals")
    text = chat.last("alice")
    assert "450,000 of 700,000 USD (64%) · plan to date 450,000 · ✅ on track" in text, text
    assert "Pace needed: 50,000 a week for the 22 working days left" in text, text
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/goals")
    assert "所需进度：剩余 22 个工作日，每周 50,000" in chat.last("alice")


async def test_a_weeks_figure_is_held_against_the_plan_of_the_same_days(bot, chat, clock):
    # Friday 2026-12-04: Alice, on plan until last week (450,000), reports 45,000 for a
    # 50,000 week. The plan to date held Monday to Thursday (490,000) against a figure
    # that covers Friday too: 495,000 read "on track" while the week fell short.
    from tests.support import say

    bot.org = parse_org(org_text("""
goals:
  - {metric: revenue, period: 2026-Q4, person: alice, target: 700000}
"""))
    for n in range(40, 49):
        answer_kpi(bot, "alice", f"2026-W{n}", 50_000)
    answer_kpi(bot, "alice", "2026-W49", 45_000)
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
    await say(bot, "alice", "/goals")
    line = next(x for x in chat.last("alice").splitlines() if "of 700,000 USD" in x)
    assert line.startswith("  495,000 of 700,000 USD (71%) · plan to date 500,000 · ⚠️ behind")
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/goals")
    line = next(x for x in chat.last("alice").splitlines() if "700,000 USD" in x)
    assert "500,000" in line and "落后" in line


async def test_on_friday_after_the_check_in_the_pace_is_over_the_days_the_plan_has_not_counted(
        bot, chat, clock):
    """Friday 2026-11-27, the week's figure in: the plan to date counted Friday as done
    (45 of the quarter's 70 working days, 96,429 of 150,000), while the pace was spread
    over '26 working days left', today again among them: 45 + 26 days in a quarter of 70,
    and a director who kept that pace for the 5 weeks left (W49 to W53) fell short."""
    from tests.support import say

    bot.org = parse_org(org_text("""
goals:
  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}
"""))
    answer_kpi(bot, "alice", "2026-W47", 40_000)
    answer_kpi(bot, "alice", "2026-W48", 45_000)
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
    await say(bot, "alice", "/goals")
    text = chat.last("alice")
    assert "85,000 of 150,000 USD (57%) · plan to date 96,429 · ⚠️ behind" in text
    # 65,000 over the 25 working days of W49 to W53: 13,000 a week.
    assert "Pace needed: 13,000 a week for the 25 working days left" in text
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/goals")
    assert "所需进度：剩余 25 个工作日，每周 13,000" in chat.last("alice")


async def test_the_day_before_the_last_with_the_week_in_it_is_not_called_today(bot, chat,
                                                                                clock):
    """Thursday 31 December, 2026-W53's figure in: one working day is left, Friday 1
    January, which is not today."""
    from tests.support import say

    bot.org = parse_org(org_text("""
goals:
  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}
"""))
    answer_kpi(bot, "alice", "2026-W48", 45_000)
    answer_kpi(bot, "alice", "2026-W53", 40_000)
    clock.set(datetime(2026, 12, 31, 21, 0, tzinfo=UTC))  # Thursday 16:00 in New York
    await say(bot, "alice", "/goals")
    text = chat.last("alice")
    assert "Still needed: 65,000 on the 1 working day left" in text, text
    assert "(today)" not in text
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/goals")
    text = chat.last("alice")
    assert "还需完成：65,000（剩余 1 个工作日）" in text, text
    assert "即今天" not in text


# --- units: a goal adds up figures in its own unit only ------------------------------------

def answer_asked(bot, key: str, week: str, value: float, metric: str = "revenue") -> None:
    """A submitted check-in answer, in a round asked the org file's questions of today (its
    KPI's unit and target), as the check-in stores it."""
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        rnd = ctx.checkins.round_for(person, week) or ctx.checkins.create_round(
            person, week, bot.org.question_snapshot(bot.org.person(key)), NOW)
        rnd.status = "submitted"
        ctx.checkins.save_answer(rnd, f"kpi:{metric}", text=None, number=value, skipped=False,
                                 now=NOW)


def li_in_cny(extra: str) -> str:
    """The org file with 李雷's revenue counted in CNY (China sells in yuan)."""
    return org_text(extra).replace("{metric: revenue, unit: USD, weekly_target: 60000}",
                                   "{metric: revenue, unit: CNY, weekly_target: 400000}")


async def test_a_goal_never_adds_up_figures_in_two_currencies(goals_bot, chat):
    """Alice reports revenue in USD, 李雷 in CNY. The org's Q4 revenue goal (in USD) read
    '340,000 of 480,000 USD': 300,000 yuan added to 40,000 dollars. China's team goal, set
    without a unit, was said in USD (the first director's unit), its people's yuan read as
    dollars."""
    from tests.support import say

    goals_bot.org = parse_org(li_in_cny(GOALS))
    with goals_bot.unit() as ctx:
        ctx.people.sync(goals_bot.org.people)
    answer_asked(goals_bot, "alice", "2026-W47", 40_000)
    answer_asked(goals_bot, "li", "2026-W48", 300_000)
    await say(goals_bot, "grace", "/goals")
    text = chat.last("grace")
    org_goal = text[text.index("· whole org"):].split("\n•")[0]
    assert "40,000 of 480,000 USD (8%)" in org_goal, org_goal
    assert "Not counted, in another unit than USD: 300,000 CNY (李雷)" in org_goal
    china = text[text.index("· China"):].split("\n•")[0]
    assert "300,000 of 120,000 CNY" in china and "Not counted" not in china, china
    await say(goals_bot, "li", "/goals team China")
    assert "300,000 / 120,000 CNY" in chat.last("li")


async def test_a_kpi_whose_unit_changed_mid_quarter_keeps_the_old_weeks_apart(goals_bot, chat):
    """李雷 reported revenue in USD until the org file moved China to CNY in December: his
    quarter goal (now in CNY) added his October and November dollars to his December yuan."""
    from tests.support import say

    goal = "  - {metric: revenue, period: 2026-Q4, person: li, target: 900000}\n"
    goals_bot.org = parse_org(org_text(GOALS + goal))
    answer_asked(goals_bot, "li", "2026-W47", 60_000)  # asked in USD
    goals_bot.org = parse_org(li_in_cny(GOALS + goal))
    with goals_bot.unit() as ctx:
        ctx.people.sync(goals_bot.org.people)
    answer_asked(goals_bot, "li", "2026-W49", 400_000)  # asked in CNY
    await say(goals_bot, "li", "/goals")
    text = chat.last("li")
    assert "400,000 / 900,000 CNY（44%）" in text, text
    assert "未计入（单位不是 CNY）：60,000 USD（李雷）" in text
    # His figures are known from W47 (in dollars): not "none before W49".
    assert "数字自 2026-W47 起" in text


async def test_a_goal_over_before_its_kpi_moved_currency_keeps_its_unit(goals_bot, chat,
                                                                        clock):
    """Bruno's November goal, 160,000 (no unit: his KPI's, USD), was achieved. On
    2 December the org file moved his revenue to EUR: `/goals` then read November "0 of
    160,000 EUR (0%) · ❌ missed", his dollars not counted. A goal is read in the unit its
    period's check-ins asked (his latest of November's), as the monthly review reads it."""
    from tests.support import say

    goals_bot.org = parse_org(org_text(GOALS))
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        answer_asked(goals_bot, "bruno", week, 41_000)  # asked in USD
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(goals_bot, "bruno", "/goals")
    before = chat.last("bruno")
    assert "164,000 of 160,000 USD (103%) · plan to date 160,000 · 🏁 achieved" in before, \
        before
    await say(goals_bot, "grace", "/monthly 2026-11 bruno")
    review = chat.last("grace")
    assert "• Revenue: 164,000 of 160,000 USD (103% of the month's target)" in review, review
    goals_bot.org = parse_org(org_text(GOALS).replace(
        "{metric: revenue, unit: USD, weekly_target: 40000}",
        "{metric: revenue, unit: EUR, weekly_target: 37000}"))
    with goals_bot.unit() as ctx:
        ctx.people.sync(goals_bot.org.people)
    await say(goals_bot, "bruno", "/goals")
    assert chat.last("bruno") == before
    await say(goals_bot, "grace", "/monthly 2026-11 bruno")
    assert chat.last("grace") == review


def test_a_weekly_target_written_as_people_write_numbers_is_refused_saying_why():
    """`weekly_target: 50,000` in a KPI's {…} was refused as "kpis.0.0: Keys should be
    strings" (YAML reads a target of 50 and a field 000), naming nothing to fix; `true`
    was taken as a target of 1 and `1e400` as an infinite one, whose attainment reads 0%."""
    kpi = "{metric: revenue, unit: USD, weekly_target: 50000}"
    for typed, reason in [
            ("50,000", "people[1] ('alice'): kpis.0: weekly_target 50 is followed by a field "
                       "0: in {…} a comma separates fields, so a target written with a comma "
                       "(50,000) is cut there; write it without commas (50000)"),
            ("true", "people[1] ('alice'): kpis.0.weekly_target: must be a number greater "
                     "than 0, written in digits (50000), not true"),
            ("1e400", "people[1] ('alice'): kpis.0.weekly_target: must be a finite number")]:
        with pytest.raises(OrgError) as err:
            parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
                kpi, kpi.replace("50000", typed), 1))
        assert err.value.problems == [reason], typed
    # Written as a string of digits it is still the number.
    org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
        kpi, kpi.replace("50000", "'50000'"), 1))
    assert org.person("alice").kpis[0].weekly_target == 50_000


async def test_the_breakdown_never_adds_targets_in_two_currencies(goals_bot, chat):
    """The org's 480k USD was held against East + Europe + China = 440k, China's 120,000
    being yuan (its people report in CNY): the GM read 40k not allocated, in dollars."""
    from bot.goals import breakdown_gaps, describe_gap
    from tests.support import say

    goals_bot.org = parse_org(li_in_cny(GOALS))
    org = goals_bot.org
    [gap] = breakdown_gaps(org.goals, {p.key: p.team for p in org.people},
                           {p.key: p.name for p in org.people})
    assert describe_gap(gap) == (
        "revenue 2026-Q4: East + Europe = 320k of the org's 480k; 160k not allocated; "
        "not added, in another unit than USD: China (CNY)")
    await say(goals_bot, "grace", "/goals")
    assert ("• East + Europe = 320k of the org's 480k Revenue (2026-Q4); 160k not allocated; "
            "not added, in another unit than USD: China (CNY)") in chat.last("grace")
    with goals_bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(goals_bot, "grace", "/goals")
    assert ("East + Europe = 32万，全公司 2026-Q4 营收目标为 48万；16万 尚未分配；"
            "未计入（单位不是 USD）：China（CNY）") in chat.last("grace"), chat.last("grace")


def test_check_org_warns_of_an_org_goal_without_a_unit_over_several_currencies(
        tmp_path: Path, capsys):
    """The org's revenue goal gives no unit; Alice and Bruno report revenue in USD, 李雷 in
    CNY. check-org said OK: the goal was silently taken to be in USD (the first director's
    unit in the file), 李雷's yuan left out of it, and nothing said so."""
    import json

    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(li_in_cny(GOALS), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    out = capsys.readouterr().out
    advice = ("goals[0] (revenue 2026-Q4 (org)): no unit, and revenue is reported in USD "
              "(alice, bruno) and CNY (li): the goal is read in USD, the first in the file, "
              "and the CNY figures are not counted in it; write the unit it is in (unit: USD "
              "in its entry), and give the CNY figures a goal of their own in CNY")
    assert f"  unit: {advice}" in out, out
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["goal_units"] == [advice]
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "## Goal units\n" in md and "no unit, and revenue is reported in USD" in md, md
    # In Chinese (--locale zh-CN, or a Chinese GM's default), the advice too.
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md",
                 "--locale", "zh-CN"]) == 0
    md = capsys.readouterr().out
    assert ("（revenue 2026-Q4 (org)）：没有写 unit，而 revenue 以 USD（alice、bruno）、"
            "CNY（li）汇报：目标按文件中第一个单位 USD 计算，CNY 的数字不计入") in md, md
    assert "no unit" not in md
    # Said in the entry, the unit is what was meant: nothing to warn of.
    path.write_text(li_in_cny(GOALS.replace("target: 480000}", "target: 480000, unit: USD}")),
                    encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    assert "unit:" not in capsys.readouterr().out


async def test_a_gap_in_a_quarter_written_from_a_start_date_reads_in_chinese(goals_bot, chat):
    """A breakdown gap of goals written as 'quarter' with a start date named its period by
    its English label ('China quarter from 2026-11-13 营收目标为 12万') to a Chinese reader."""
    from tests.support import say

    goals_bot.org = parse_org(org_text(
        "goals:\n"
        "  - {metric: revenue, period: quarter, start: 2026-11-13, team: China, target: 120000}\n"
        "  - {metric: revenue, period: quarter, start: 2026-11-13, person: li, target: 100000}\n"))
    await say(goals_bot, "li", "/goals")
    text = chat.last("li")
    assert "李雷 = 10万，China 自 2026-11-13 起的季度 营收目标为 12万；2万 尚未分配" in text, text
    assert "quarter from" not in text


async def test_a_chinese_gm_reads_a_space_between_chinese_and_a_quarter(goals_bot, chat):
    """The breakdown line in Chinese ran 全公司 into the quarter, `全公司2027-Q1`, where the
    product's other Chinese texts put a space between Chinese and Latin letters or digits;
    a period named in Chinese (a quarter from a start date) keeps none."""
    from tests.support import say

    quarters = ("goals:\n"
                "  - {metric: revenue, period: 2027-Q1, target: 300000}\n"
                "  - {metric: revenue, period: 2027-Q1, team: East, target: 100000}\n"
                "  - {metric: revenue, period: quarter, start: 2027-02-01, target: 90000}\n"
                "  - {metric: revenue, period: quarter, start: 2027-02-01, team: East, "
                "target: 10000}\n")
    zh = parse_org(org_text(quarters).replace("    locale: en", "    locale: zh-CN", 1))
    goals_bot.sync_org_to(zh)
    goals_bot.apply_org(zh)
    await say(goals_bot, "grace", "/goals")
    text = chat.last("grace")
    assert "全公司 2027-Q1 营收目标为 30万" in text, text
    assert "全公司自 2027-02-01 起的季度 营收目标为 9万" in text, text
    assert "全公司2027" not in text
    # A KPI labelled in Latin letters only (no zh-CN label): a space before 目标 too.
    nps = org_text(quarters).replace("    locale: en", "    locale: zh-CN", 1).replace(
        "      - {metric: new_customers, unit: customers, weekly_target: 4}",
        "      - {metric: new_customers, unit: customers, weekly_target: 4}\n"
        "      - {metric: nps, label: {en: NPS}, unit: points, weekly_target: 50}") + (
        "  - {metric: nps, period: 2027-Q1, target: 600}\n"
        "  - {metric: nps, period: 2027-Q1, team: East, target: 300}\n")
    zh = parse_org(nps)
    goals_bot.sync_org_to(zh)
    goals_bot.apply_org(zh)
    await say(goals_bot, "grace", "/goals")
    assert "全公司 2027-Q1 NPS 目标为 600" in chat.last("grace"), chat.last("grace")


async def test_the_gm_s_overview_names_whose_own_goals_it_leaves_out(goals_bot, chat):
    """The GM's /goals lists the org's and the teams' goals: Alice's, Bruno's and Sam's own
    goals were nowhere in it, nor that there were any, and a director with goals of their
    own in a team with none read as someone with no goal at all."""
    from tests.support import say

    await say(goals_bot, "grace", "/goals")
    text = chat.last("grace")
    assert text.endswith("\n\nPeople's own goals: Alice Martin, Bruno Rossi, Sam Lee "
                         "(/goals <person>)"), text
    await say(goals_bot, "alice", "/goals")
    assert "People's own goals" not in chat.last("alice")
    with goals_bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(goals_bot, "grace", "/goals")
    assert chat.last("grace").endswith(
        "\n\n个人目标：Alice Martin、Bruno Rossi、Sam Lee（/goals <成员>）")


async def test_a_member_with_no_goals_of_their_own_is_pointed_to_their_team_s(bot, chat,
                                                                               clock):
    """Sam (a member of East) asked /goals and read "No goals are set here yet", while
    /goals team East showed his director's goal: one command away, unsaid."""
    from tests.support import say

    bot.org = parse_org(org_text(
        "goals:\n  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}\n"))
    clock.set(NOW)
    await say(bot, "sam", "/goals")
    assert chat.last("sam").endswith(
        "No goals are set here yet. Goals are set in the org file (or the goals file it "
        "names). Your team's people's goals: /goals team East.")
    await say(bot, "sam", "/goals team East")
    assert "· Alice Martin" in chat.last("sam")
    with bot.unit() as ctx:
        ctx.people.by_key("sam").locale = "zh-CN"
    await say(bot, "sam", "/goals")
    assert chat.last("sam").endswith("你所在团队成员的目标：/goals 团队 East。")
    await say(bot, "sam", "/goals 团队 East")
    assert "Alice Martin" in chat.last("sam")
    # Bruno's team (Europe) has no goal at all: nothing to point to.
    await say(bot, "bruno", "/goals")
    assert chat.last("bruno").endswith("(or the goals file it names).")
