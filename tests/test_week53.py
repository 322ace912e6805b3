"""ISO week 53 of 2026 (Monday 28 December to Sunday 3 January) as the users meet it: one
week across two months, two quarters and two calendar years."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import prepare
from bot.charts import chart_data_for
from bot.clock import FakeClock
from bot.core import TeamPulse
from tests.support import RecordingAdapter, run_cli, say
from tests.test_checkin import round_status
from tests.test_timezones import run_the_scheduled_job

# A GM in Shanghai and two directors on either side of the date line: Kiritimati (UTC+14)
# is the first place in the new year, Pago Pago (UTC-11) the last.
PACIFIC = """org:
  name: Pacific Sales
people:
  - key: grace
    name: Grace Chen
    role: gm
    timezone: Asia/Shanghai
    locale: en
  - key: kiri
    name: Kai Teiti
    role: director
    manager: grace
    team: Line Islands
    timezone: Pacific/Kiritimati
    locale: en
    kpis:
      - {metric: revenue, unit: USD, weekly_target: 10000}
  - key: pago
    name: Pele Tuia
    role: director
    manager: grace
    team: Samoa
    timezone: Pacific/Pago_Pago
    locale: zh-CN
    kpis:
      - {metric: revenue, unit: USD, weekly_target: 10000}
"""
SUNDAY_20_DEC = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
# Each week's revenue, the same for both directors.
REVENUE = {"2026-W52": 14_000, "2026-W53": 15_000, "2027-W01": 16_000}


@pytest.fixture
def pacific(settings, tmp_path: Path) -> Iterator[tuple[TeamPulse, RecordingAdapter, FakeClock,
                                                       object]]:
    org = tmp_path / "org.yaml"
    org.write_text(PACIFIC, encoding="utf-8")
    settings = dataclasses.replace(settings, org_file=org)
    clock = FakeClock(SUNDAY_20_DEC)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        yield bot, chat, clock, settings
    finally:
        engine.dispose()


async def run_zone_job(bot: TeamPulse, clock: FakeClock, zone: str, until: datetime,
                       answer: bool) -> list[datetime]:
    """Fire `zone`'s stored weekly check-in job at each time its trigger names until
    `until`, as the running scheduler would (the director answering each prompt at once if
    `answer`); the fire times."""
    key = {"Pacific/Kiritimati": "kiri", "Pacific/Pago_Pago": "pago"}[zone]

    async def answer_it(fired: int) -> None:
        week = sorted(REVENUE)[fired - 1]
        for text in (str(REVENUE[week]), f"Won {week}", "none", "2", "x", "plan", "4"):
            await say(bot, key, text)
        assert round_status(bot, key) == "submitted"

    return await run_the_scheduled_job(bot, clock, zone, until, answer_it if answer else None)


async def test_week_53_is_asked_once_on_either_side_of_the_date_line(pacific):
    bot, chat, clock, _ = pacific
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        clock.set(SUNDAY_20_DEC)
        fired = await run_zone_job(bot, clock, zone, datetime(2027, 1, 10, tzinfo=UTC),
                                   answer=True)
        # Friday 16:00 where each director is: New Year's Day in both, 25 hours apart.
        assert [f.astimezone(UTC).replace(tzinfo=None) for f in fired] == {
            "Pacific/Kiritimati": [datetime(2026, 12, 25, 2), datetime(2027, 1, 1, 2),
                                   datetime(2027, 1, 8, 2)],
            "Pacific/Pago_Pago": [datetime(2026, 12, 26, 3), datetime(2027, 1, 2, 3),
                                  datetime(2027, 1, 9, 3)]}[zone]
    kiri = [t.splitlines()[0] for t in chat.to("kiri") if "weekly check-in for" in t]
    assert kiri == [f"Hi Kai Teiti! Time for your weekly check-in for {w}. It takes a few "
                    "minutes; each answer is saved as you go." for w in (
                        "2026-W52 (2026-12-21 – 2026-12-27)", "2026-W53 (2026-12-28 – 2027-01-03)",
                        "2027-W01 (2027-01-04 – 2027-01-10)")]
    pago = [t for t in chat.to("pago") if "的每周签到了" in t]
    assert [t.count("2026-W53（2026-12-28 – 2027-01-03）") for t in pago] == [0, 1, 0]
    # Asked again (the job firing twice, a restart): nobody is asked twice.
    await bot.run_checkins()
    assert len([t for t in chat.to("kiri") if "weekly check-in for" in t]) == 3


async def test_week_53_counts_in_december_and_q4_and_never_in_january(pacific,
                                                                       monkeypatch):
    """W53 (Thursday 31 December) counts whole in December and Q4, as README's "A week
    counts in the month and quarter of its Thursday" says: the GM's 2027-W01 month and
    quarter to date start afresh with W01, with no W53 and nothing of Q4."""
    bot, chat, clock, settings = pacific
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        clock.set(SUNDAY_20_DEC)
        await run_zone_job(bot, clock, zone, datetime(2027, 1, 10, tzinfo=UTC), answer=True)
    clock.set(datetime(2027, 1, 11, 4, 0, tzinfo=UTC))  # Monday noon in Shanghai
    await say(bot, "grace", "/summary 2026-W53")
    w53 = chat.last("grace")
    assert "2026-W53 (2026-12-28 – 2027-01-03) · month 2026-12 · quarter 2026-Q4" in w53
    assert "Team · Revenue 30,000 / 20,000 USD (150%), 2 of 2 reporting" in w53
    # December to date is W52 and W53 (the weeks asked), both directors.
    assert "Month to date (2026-12): Revenue 58,000 / 40,000 USD (145%)" in w53
    assert "Quarter to date (2026-Q4): Revenue 58,000 / 40,000 USD (145%)" in w53
    await say(bot, "grace", "/summary 2027-W01")
    w01 = chat.last("grace")
    assert "2027-W01 (2027-01-04 – 2027-01-10) · month 2027-01 · quarter 2027-Q1" in w01
    assert "Month to date (2027-01): Revenue 32,000 / 20,000 USD (160%)" in w01
    assert "Quarter to date (2027-Q1): Revenue 32,000 / 20,000 USD (160%)" in w01
    await say(bot, "grace", "/summary 2027-W01 last 3w")
    trend = chat.last("grace")
    assert "2026-W52 – 2027-W01 (2026-12-21 – 2027-01-10)" in trend
    assert trend.index("2026-W52: 2 of 2") < trend.index("2026-W53: 2 of 2") \
        < trend.index("2027-W01: 2 of 2")
    assert "140% → 150% → 160%)" in trend
    await say(bot, "grace", "/summary team Samoa 2027-W01 last 3w")
    assert "Revenue (USD): W52 140% · W53 150% · W01 160%" in chat.last("grace")
    # The shell's summary says the same (its clock is the test's).
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--week", "2026-W53", "--format", "json")
    view = json.loads(out)
    assert code == 0 and (view["week"], view["month"], view["quarter"]) == (
        "2026-W53", "2026-12", "2026-Q4")
    code, out = run_cli(settings, "summary", "--week", "2027-W01", "--weeks", "4",
                        "--format", "json")
    view = json.loads(out)
    assert (view["month"], view["quarter"]) == ("2027-01", "2027-Q1")
    assert [w["week"] for w in view["weeks"]] == ["2026-W51", "2026-W52", "2026-W53",
                                                  "2027-W01"]
    code, out = run_cli(settings, "summary", "--week", "2027-W01")
    assert "- Quarter to date (2027-Q1): Revenue 32,000 / 20,000 USD (160%)" in out
    # The chart's week axis runs W52, W53, W01: in time, not sorted as text, and written
    # as the summary writes the week (2027-W01), not W1.
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, bot.org, "attainment", "en",
                              end_week=date(2027, 1, 5), weeks=3)
    assert data.weeks == ["2026-W52", "2026-W53", "2027-W01"]
    assert data.week_labels == ["W52", "W53", "W01"]
    assert [line.values for line in data.lines] == [[140.0, 150.0, 160.0]] * 2


@pytest.mark.parametrize(("typed", "en", "zh"), [
    ("2025-W53", '"2025-W53" is not a week: the weeks of 2025 run from 2025-W01 to 2025-W52.',
     "“2025-W53”不是有效的周：2025 年的周从 2025-W01 到 2025-W52。"),
    ("2027-W53", '"2027-W53" is not a week: the weeks of 2027 run from 2027-W01 to 2027-W52.',
     "“2027-W53”不是有效的周：2027 年的周从 2027-W01 到 2027-W52。"),
])
async def test_a_week_53_of_a_year_that_has_none_is_refused_by_name(bot, chat, clock, settings,
                                                                      monkeypatch, typed, en,
                                                                      zh):
    clock.set(datetime(2027, 1, 11, 15, 0, tzinfo=UTC))
    await say(bot, "grace", f"/summary {typed}")
    assert chat.last("grace") == en
    await say(bot, "li", f"/summary {typed}")
    assert chat.last("li") == zh
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--week", typed)
    assert code == 2 and out == ""


async def test_a_bare_w53_says_what_was_typed_not_a_week_of_a_year_nobody_named(bot, chat,
                                                                             clock):
    # On 2 December 2026 "/summary W53" (this year's W53 still ahead) was read as 2025-W53
    # and answered '"2025-W53" is not a week: the weeks of 2025 run ... to 2025-W52', a
    # year the GM never named, with no word that 2026-W53 is four weeks away.
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    for typed in ("/summary W53", "/summary week 53"):
        await say(bot, "grace", typed)
        assert chat.last("grace") == (
            '"W53" is not a week yet: 2026-W53 begins on Monday 2026-12-28, and 2025 had no '
            "W53 (its weeks ran to 2025-W52).")
    await say(bot, "li", "/summary 第53周")
    assert chat.last("li") == ("“W53”还不是有效的周：2026-W53 从 2026-12-28（周一）开始，"
                               "而 2025 年没有第 53 周（只到 2025-W52）。")
    await say(bot, "grace", "/summary 2026年第53周")  # with its year, the week ahead
    assert "2026-W53 (2026-12-28 – 2027-01-03) · month 2026-12" in chat.last("grace")
    # Once it has begun, and all of 2027, W53 is 2026's.
    for when in (datetime(2026, 12, 28, 15, 0, tzinfo=UTC), datetime(2027, 11, 2, 15, 0,
                                                                     tzinfo=UTC)):
        clock.set(when)
        await say(bot, "grace", "/summary W53")
        assert "2026-W53 (2026-12-28 – 2027-01-03)" in chat.last("grace")
    # In 2028 neither that year nor 2027 has one: the latest is named.
    clock.set(datetime(2028, 3, 1, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary W53")
    assert chat.last("grace") == ('"W53" is not a week: neither 2028 nor 2027 has a W53 (their '
                                  "weeks run to W52); the latest was 2026-W53.")
    await say(bot, "li", "/summary W53")
    assert chat.last("li") == ("“W53”不是有效的周：2028 年和 2027 年都没有第 53 周（只到 W52）；"
                               "最近的是 2026-W53。")


def test_a_week_53_its_year_lacks_is_refused_in_the_org_file_and_a_crm_export(
        settings, tmp_path, capsys):
    # Both said only "'2025-W53' is not an ISO week" (a CRM row: "… such as 2026-W48"),
    # which reads as a typo of the form, not as a year of 52 weeks.
    org = tmp_path / "org.yaml"
    org.write_text(settings.org_file.read_text(encoding="utf-8") + (
        "goals:\n  - {metric: revenue, period: 2025-W53, person: alice, target: 50000}\n"),
        encoding="utf-8")
    code, _ = run_cli(dataclasses.replace(settings, org_file=org), "check-org")
    assert code == 2
    assert ("goals[0] (revenue 2025-W53): '2025-W53' is not an ISO week: the weeks of 2025 "
            "run from 2025-W01 to 2025-W52") in capsys.readouterr().err
    export = tmp_path / "weekly.csv"
    export.write_text("person,metric,week,value\nalice,revenue,2026-W53,30000\n"
                      "alice,revenue,2025-W53,22000\nalice,revenue,2026-W5x,1\n",
                      encoding="utf-8")
    code, out = run_cli(settings, "import-actuals", str(export))
    err = capsys.readouterr().err
    assert code != 0 and out == ""
    assert ("line 3: week '2025-W53' is not an ISO week (the weeks of 2025 run from 2025-W01 "
            "to 2025-W52)") in err, err
    assert "line 4: week '2026-W5x' is not an ISO week such as 2026-W48" in err
    assert "line 2" not in err  # 2026-W53 is a week


async def test_new_years_eve_kudos_are_december_s_on_january_s_first_roll_and_boards(bot, chat,
                                                                                  clock):
    from tests.test_honours import with_honours_channel
    from tests.test_kudos import kudo

    with_honours_channel(bot)
    # 23:30 on 31 December in New York (the org's time) is already 1 January in Shanghai.
    clock.set(datetime(2027, 1, 1, 4, 30, tzinfo=UTC))
    await kudo(bot, "li", "/kudos @bruno 帮忙翻译合同 #customer-first")
    clock.set(datetime(2027, 1, 1, 5, 30, tzinfo=UTC))  # 00:30 on 1 January in New York
    await kudo(bot, "grace", "/kudos @alice for the new-year deal #customer-first")
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))  # Friday 09:00: the first working day
    assert await bot.run_honours()
    roll = chat.last("honours")
    assert roll.startswith("🏆 Honour roll — December 2026\n1 kudo in all.")
    assert "• Europe: Bruno Rossi — 1 kudo" in roll and "Alice" not in roll
    await say(bot, "grace", "/kudos top")
    assert chat.last("grace").startswith("Kudos leaderboard — this month (since 2027-01-01)\n"
                                         "Most recognised (kudos received)\n1. Alice Martin — 1")
    # This week is W53, from Monday 28 December: both; last week is W52.
    await say(bot, "grace", "/kudos top week")
    week = chat.last("grace")
    assert week.startswith("Kudos leaderboard — this week (since 2026-12-28)")
    assert "Alice Martin — 1" in week and "Bruno Rossi — 1" in week
    await say(bot, "grace", "/kudos top last week")
    assert "last week (2026-12-21 – 2026-12-27)" in chat.last("grace")
    await say(bot, "grace", "/honours 2026")
    assert "• Europe: Bruno Rossi — 1 kudo" in chat.last("grace")


async def test_time_away_for_week_53_said_by_its_number_in_its_january_days(bot, chat, clock):
    # On Friday 1 January 2027 (Li's in Shanghai, Alice's in New York) "/away 第53周" and
    # "/away W53" were answered with the usage: a week number without its year was looked
    # for in calendar 2027, which has no W53, though 2026-W53 runs to Sunday 3 January.
    clock.set(datetime(2027, 1, 1, 15, 0, tzinfo=UTC))
    await say(bot, "li", "/away 第53周")
    assert "你从现在起外出至 2027-01-03（含当天）" in chat.last("li"), chat.last("li")
    for typed in ("W53", "week 53"):
        await say(bot, "alice", f"/away {typed}")
        assert "you're away from now until 2027-01-03 (inclusive)" in chat.last("alice"), \
            (typed, chat.last("alice"))
        await say(bot, "alice", "/back")
    # Next week is still 2027-W01, and once W53 is over a W53 is no week (2027 has none).
    await say(bot, "alice", "/away W01")
    assert "away 2027-01-04 – 2027-01-10" in chat.last("alice"), chat.last("alice")
    clock.set(datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    await say(bot, "li", "/away 第53周")
    assert chat.last("li").startswith("用法：/away"), chat.last("li")
