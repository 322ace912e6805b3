"""A new team's first weeks, as its GM and directors read them.

Kestrel Sales installs teampulse on Wednesday 18 November 2026 at 15:00 in Berlin: a GM
there, three directors in Berlin, Shanghai (reading Chinese) and Los Angeles, a fresh
database. What each of them is told at each step must not read as if the bot had been
there all along (a month before it ran "a quiet month", a week before it ran a week of
"no check-in sent" with nothing said of when the first one comes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest

from bot.app import run
from bot.clock import FakeClock
from bot.core import TeamPulse
from tests.support import RecordingAdapter, bot_on_org, say

ORG = """org:
  name: Kestrel Sales
people:
  - {key: greta, name: Greta Vogel, role: gm, timezone: Europe/Berlin, locale: en}
  - key: karl
    name: Karl Bauer
    role: director
    manager: greta
    team: DACH
    timezone: Europe/Berlin
    locale: en
    kpis: [{metric: revenue, unit: EUR, weekly_target: 40000}]
  - key: mei
    name: 王梅
    role: director
    manager: greta
    team: China
    timezone: Asia/Shanghai
    locale: zh-CN
    kpis: [{metric: revenue, unit: USD, weekly_target: 60000}]
  - key: dan
    name: Dan Ortiz
    role: director
    manager: greta
    team: West
    timezone: America/Los_Angeles
    locale: en
    kpis: [{metric: revenue, unit: USD, weekly_target: 50000}]
"""

#: Install day: Wednesday 18 November 2026, 15:00 in Berlin (CET, UTC+1).
INSTALL = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


@pytest.fixture
def kestrel(settings, tmp_path: Path) -> Iterator[tuple[TeamPulse, RecordingAdapter, FakeClock]]:
    """The fresh install, on install day."""
    org_file = tmp_path / "org.yaml"
    org_file.write_text(ORG, encoding="utf-8")
    clock = FakeClock(INSTALL)
    with bot_on_org(settings, clock, org_file) as (bot, chat, _):
        yield bot, chat, clock


async def test_the_roll_of_the_month_before_the_bot_ran_says_so_not_a_quiet_month(kestrel):
    """On 30 November, Greta's /honours shows October's roll, the month before the bot
    first ran: "No kudos were given in October 2026. A quiet month" read as if her team
    had praised nobody, when nothing could have been counted."""
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")  # install day: the bot's first message
    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    await say(bot, "greta", "/honours")
    roll = chat.last("greta")
    assert roll.startswith("🏆 Honour roll — October 2026")
    assert "quiet" not in roll and "No kudos were given" not in roll
    assert ("The bot was not running yet in October 2026 (it first ran on 2026-11-18), so "
            "no kudos were counted then and there is no roll. This month's so far: "
            "/honours 2026-11") in roll
    await say(bot, "mei", "/honours 2026-10")
    roll = chat.last("mei")
    assert roll.startswith("🏆 荣誉榜 —— 2026年10月")
    assert "比较安静" not in roll
    assert ("2026年10月机器人尚未运行（首次运行于 2026-11-18），因此当时没有记录点赞，也没有"
            "荣誉榜。本月至今：/honours 2026-11") in roll
    # A year wholly before it: the same, not "A quiet year".
    await say(bot, "greta", "/honours 2025")
    assert "The bot was not running yet in 2025" in chat.last("greta")
    # The month it first ran is its own: a roll, kudos or none.
    await say(bot, "greta", "/honours 2026-11")
    assert "Honour roll — November 2026" in chat.last("greta")
    assert "not running yet" not in chat.last("greta")


async def test_honours_asked_before_the_bot_wrote_anything_counts_today_as_its_first(kestrel):
    bot, chat, _ = kestrel
    await say(bot, "greta", "/honours")  # the very first thing anyone sends
    assert ("The bot was not running yet in October 2026 (it first ran on 2026-11-18)"
            in chat.last("greta"))


async def test_the_gm_on_install_day_reads_that_the_bot_was_not_running_and_when_it_asks(
        kestrel):
    """Greta's first /summary on install day shows last week, the latest whose check-in
    could have gone out: it read "No check-in was sent for this week." and each director
    "no check-in sent", with nothing said of why, nor of when the first check-in comes."""
    bot, chat, _ = kestrel
    await say(bot, "greta", "/summary")
    text = chat.last("greta")
    assert "2026-W46 (2026-11-09 – 2026-11-15)" in text
    assert "0 of 3" not in text and "0%" not in text and "❌" not in text
    # Nobody was asked: not "blockers not reported", as if each had left them out.
    assert "blockers not reported" not in text
    assert text.count("Execution: not asked this week") == 3
    # The first to be asked is 王梅, Friday 16:00 in Shanghai: 09:00 in Berlin.
    assert ("No check-in was sent for this week. The bot was not running yet then: it "
            "first ran on 2026-11-18. The first check-in goes out Fri 2026-11-20 09:00 your "
            "time (/summary this week: each director's time).") in text
    await say(bot, "greta", "/language 中文")
    await say(bot, "greta", "/summary")
    assert ("该周未发送签到。当时机器人尚未运行：首次运行于 2026-11-18。第一次签到将于你的时间 "
            "2026-11-20（周五）09:00 发出（/summary 本周 查看每位总监的时间）。"
            ) in chat.last("greta")
    assert "障碍未填报" not in chat.last("greta")
    assert chat.last("greta").count("执行：本周未问") == 3
    # 王梅's own team view says the same, in her time: Friday 16:00 in Shanghai.
    await say(bot, "mei", "/summary")
    assert ("该周未发送签到。当时机器人尚未运行：首次运行于 2026-11-18。第一次签到将于你的时间 "
            "2026-11-20（周五）16:00 发出。") in chat.last("mei")


async def test_a_week_the_bot_ran_in_with_nothing_sent_says_no_more_than_before(kestrel):
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))  # three weeks on, still no round
    await say(bot, "greta", "/summary")
    text = chat.last("greta")
    assert "2026-W49" in text and "No check-in was sent for this week." in text
    assert "not running" not in text


async def test_the_console_at_first_start_says_when_the_first_check_in_goes_out(
        settings, tmp_path: Path):
    """`make run` on install day: the console said "Try: /fire checkin, …" and nothing of
    the check-in going out by itself, nor when: Greta could not tell whether anyone would
    be asked on Friday unless she sent it by hand. The earliest is 王梅's, Friday 16:00 in
    Shanghai, 09:00 in Berlin."""
    org_file = tmp_path / "org.yaml"
    org_file.write_text(ORG, encoding="utf-8")
    out = StringIO()
    await run(replace(settings, org_file=org_file, console=True),
              stdin=StringIO("/as mei\n/quit\n"), stdout=out, clock=FakeClock(INSTALL))
    text = out.getvalue()
    banner = text[:text.index("greta> /as mei")]
    assert ("The weekly check-in goes out by itself, next on Fri 2026-11-20 09:00 your time "
            "(to each person at Friday 16:00 their time). To try it now: /fire checkin, then "
            "/as <a director's key> and answer; then /as greta and /summary.") in banner
    assert "Try: " not in banner
    # Once its time has passed everywhere, the next is the week after's (a start on
    # Saturday 21 November at noon in Berlin: Los Angeles' went out at 01:00).
    out = StringIO()
    await run(replace(settings, org_file=org_file, console=True), stdin=StringIO("/quit\n"),
              stdout=out, clock=FakeClock(datetime(2026, 11, 21, 11, 0, tzinfo=UTC)))
    assert "next on Fri 2026-11-27 09:00 your time" in out.getvalue()
    # A GM who reads Chinese is told the same in Chinese.
    org_file.write_text(ORG.replace("timezone: Europe/Berlin, locale: en",
                                    "timezone: Europe/Berlin, locale: zh-CN"), encoding="utf-8")
    out = StringIO()
    await run(replace(settings, org_file=org_file, console=True), stdin=StringIO("/quit\n"),
              stdout=out, clock=FakeClock(INSTALL))
    assert ("每周签到会自动发出，下一次在你的时间 2026-11-20（周五）09:00（每人在各自当地时间的"
            "周五 16:00 收到）。现在就想试试：/fire checkin") in out.getvalue()


async def test_monday_morning_tells_missed_from_a_week_still_running_in_los_angeles(kestrel):
    """Monday 08:00 in Berlin, the first round over: 王梅 answered, Karl never did, and
    Dan's Sunday still has an hour to run in Los Angeles. Both read "❌ not checked in",
    alike: Greta could not tell the director who missed the week from the one who may
    still answer it (the digest above said the week was open; the /summary did not)."""
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))  # Friday 16:00 in Shanghai
    await bot.run_checkins(timezone="Asia/Shanghai")
    for answer in ("70000", "签了两家", "无", "1", "拜访三家", "4"):
        await say(bot, "mei", answer)
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    await bot.run_checkins(timezone="Europe/Berlin")
    # Friday 18:00 in Berlin: Dan is asked at 16:00 his time, 01:00 hers.
    clock.set(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
    await say(bot, "greta", "/summary")
    dan = chat.last("greta").split("Dan Ortiz · team West\n")[1].split("\n\n")[0]
    assert dan.startswith("▫️ Dan Ortiz — check-in not sent yet: it goes out Sat 2026-11-21 "
                          "01:00 your time\n")
    assert "Execution: not asked yet" in dan
    clock.set(datetime(2026, 11, 21, 0, 0, tzinfo=UTC))
    await bot.run_checkins(timezone="America/Los_Angeles")
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 Berlin, 23:00 Sunday LA
    await say(bot, "greta", "/summary")
    text = chat.last("greta")
    assert "2026-W47" in text and "✅ 王梅 — checked in" in text
    assert "❌ Karl Bauer — not checked in\n" in text
    assert ("❌ Dan Ortiz — not checked in (its week still runs where they are: until "
            "Mon 2026-11-23 09:00 your time)") in text
    await say(bot, "greta", "/language 中文")
    await say(bot, "greta", "/summary")
    assert ("❌ Dan Ortiz — 未签到（当地该周尚未结束：至你的时间 2026-11-23（周一）09:00）"
            in chat.last("greta"))
    assert "❌ Karl Bauer — 未签到\n" in chat.last("greta")
    # An hour later the week is over in Los Angeles too: missed, as Karl's.
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    await say(bot, "greta", "/language en")
    await say(bot, "greta", "/summary")
    assert "❌ Dan Ortiz — not checked in\n" in chat.last("greta")


async def test_pulse_before_the_first_poll_says_when_it_opens(kestrel):
    """Greta tries /pulse on install day: "There's no pulse poll open right now. The next
    one will come to you in a private message." — next when? A week, a month? Polls open
    every second Wednesday at 11:00 where each person is: the next, 25 November."""
    bot, chat, _ = kestrel
    await say(bot, "greta", "/pulse")
    assert chat.last("greta") == (
        "There's no pulse poll open right now. The next one opens Wed 2026-11-25 11:00 your "
        "time and will come to you in a private message.")
    await say(bot, "mei", "/pulse")
    assert chat.last("mei") == (
        "目前没有进行中的脉搏调查。下一次调查将于你的时间 2026-11-25（周三）11:00 开始，会通过"
        "私信发给你。")


async def test_the_operators_first_start_line_says_when_the_first_check_in_goes_out(
        settings, tmp_path: Path, caplog):
    """A start on Slack or Telegram logged only "teampulse is running on slack; press
    Ctrl-C to stop": the operator setting up a new team could not tell when anyone would
    first be asked (nor that nobody would be before Friday)."""
    org_file = tmp_path / "org.yaml"
    org_file.write_text(ORG, encoding="utf-8")
    stop = asyncio.Event()

    class StopWhenRunning(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "teampulse is running on" in record.getMessage():
                stop.set()

    watcher = StopWhenRunning()
    logging.getLogger("bot.app").addHandler(watcher)
    caplog.set_level(logging.INFO, logger="bot.app")
    try:
        await run(replace(settings, org_file=org_file, console=False),
                  clock=FakeClock(INSTALL), stop=stop)
    finally:
        logging.getLogger("bot.app").removeHandler(watcher)
    assert ("teampulse is running on no chat platform (no token set, console off); the next "
            "check-in goes out 2026-11-20 08:00 UTC (Fri 16:00 in Asia/Shanghai, the first "
            "of those asked); press Ctrl-C to stop") in caplog.text


async def test_the_first_digests_chart_draws_the_weeks_since_the_bot_started(kestrel,
                                                                              monkeypatch):
    """Greta's first weekly digest, Monday 23 November: its chart was captioned "the 8
    weeks to 2026-W47" and drew seven empty weeks and one dot, as if her team had given no
    figure for seven weeks. Those weeks did not exist for the bot: it draws the week since
    it started, and says so."""
    from bot import charts

    drawn: list[tuple[str, ...]] = []
    real = charts.chart_data_for

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        data = real(*args, **kwargs)
        drawn.append(tuple(data.weeks))
        return data

    monkeypatch.setattr(charts, "chart_data_for", recording)
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))  # Friday 16:00 in Shanghai
    await bot.run_checkins(timezone="Asia/Shanghai")
    for answer in ("70000", "签了两家", "无", "1", "拜访三家", "4"):
        await say(bot, "mei", answer)
    clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # Monday 08:00 in Shanghai
    await bot.run_digests()
    (mei,) = [s.text for s in chat.sent if s.target.address == "mei" and s.message.image]
    assert mei == "📈 目标达成率：teampulse 启动以来的 1 周（2026-W47） · 团队 China"
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin
    await bot.run_digests()
    (greta,) = [s.text for s in chat.sent if s.target.address == "greta" and s.message.image]
    assert greta == "📈 Attainment against target, the 1 week since teampulse started (2026-W47)"
    assert set(drawn) == {("2026-W47",)}  # 王梅's, Greta's, Karl's (no figure: not sent)
    # A week on, two weeks: still not eight.
    clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    await bot.run_digests()
    greta = [s.text for s in chat.sent if s.target.address == "greta" and s.message.image][-1]
    assert greta == ("📈 Attainment against target, the 2 weeks since teampulse started "
                     "(2026-W47 to 2026-W48)")
    assert drawn[-1] == ("2026-W47", "2026-W48")
    # Eight weeks on, the chart is the usual eight, captioned as before.
    clock.set(datetime(2027, 1, 11, 7, 0, tzinfo=UTC))
    await bot.run_digests()
    greta = [s.text for s in chat.sent if s.target.address == "greta" and s.message.image][-1]
    assert greta == "📈 Attainment against target, the 8 weeks to 2027-W01"


async def test_the_first_months_roll_says_it_counted_from_the_day_the_bot_first_ran(kestrel):
    """1 December, 09:00 in Berlin: Greta's roll of November, the bot's first month (it
    first ran on the 18th), read "No kudos were given in November 2026. A quiet month", as
    if her team had praised nobody all month: seventeen of its days were never counted."""
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # Tuesday, the first working day
    assert await bot.run_honours()
    roll = chat.last("greta")
    assert roll.startswith("🏆 Honour roll — November 2026\n")
    assert "quiet" not in roll
    assert ("No kudos were given in November 2026 since the bot first ran, on 2026-11-18: it "
            "counted them from then, nothing before.") in roll
    await say(bot, "mei", "/honours 2026-11")
    roll = chat.last("mei")
    assert "比较安静" not in roll
    assert ("自机器人于 2026-11-18 首次运行以来，2026年11月没有人点赞：点赞从那天起记录，"
            "此前的没有记录。") in roll


async def test_a_roll_with_kudos_of_a_month_the_bot_ran_part_of_says_from_when(kestrel):
    from tests.test_kudos import kudo

    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    await kudo(bot, "karl", "/kudos @mei for the Shanghai launch")
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    await say(bot, "greta", "/honours")
    roll = chat.last("greta")
    assert roll.startswith("🏆 Honour roll — November 2026\n1 kudo in all.\nCounted from "
                           "2026-11-18, when the bot first ran: nothing before it was "
                           "recorded.\n")
    await say(bot, "mei", "/honours 2026")  # the year too: it ran from 18 November
    assert ("共 1 次点赞。\n自 2026-11-18 机器人首次运行起记录，此前的点赞没有记录。\n"
            in chat.last("mei"))
    # A month it ran whole says nothing of it.
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    await say(bot, "greta", "/honours 2026-12")
    assert "first ran" not in chat.last("greta")


async def test_kudos_top_of_a_period_before_the_bot_ran_says_it_was_not_running(kestrel):
    """Greta, two days after install, types /kudos top last month: "No kudos in this
    period." — October, when the bot was not there to count any (as /honours now says)."""
    bot, chat, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    await say(bot, "greta", "/kudos top last month")
    board = chat.last("greta")
    assert "No kudos in this period." not in board
    assert ("The bot was not running yet then (it first ran on 2026-11-18), so no kudos were "
            "counted. This month's so far: /kudos top month") in board
    await say(bot, "mei", "/kudos top 上个月")
    board = chat.last("mei")
    assert "这段时间没有点赞。" not in board
    assert ("当时机器人尚未运行（首次运行于 2026-11-18），因此没有记录点赞。本月至今："
            "/kudos top 本月") in board
    # Last week ended before the 18th too; October by its name as well.
    await say(bot, "greta", "/kudos top last week")
    assert ("not running yet then (it first ran on 2026-11-18), so no kudos were counted. This "
            "week's so far: /kudos top week") in chat.last("greta")
    await say(bot, "greta", "/kudos top October")
    assert "not running yet then" in chat.last("greta")
    # A period the bot ran in, without kudos, reads as before.
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    await say(bot, "greta", "/kudos top last week")
    assert "No kudos in this period." in chat.last("greta")
    assert "not running" not in chat.last("greta")


async def test_the_cli_board_of_a_period_before_the_bot_ran_says_it_was_not_running(
        kestrel, monkeypatch):
    """`teampulse kudos top --period last-month` on 20 November printed "No kudos yet in
    this period." of October, over before the bot first ran, where `/kudos top last month`
    says the bot was not running yet then."""
    from tests.support import run_cli

    bot, _, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(bot.settings, "kudos", "top", "--period", "last-month")
    assert code == 0 and "No kudos yet" not in out
    assert ("The bot was not running yet then (it first ran on 2026-11-18), so no kudos were "
            "counted.") in out
    code, out = run_cli(bot.settings, "kudos", "top", "--period", "last-month",
                        "--locale", "zh-CN")
    assert "还没有点赞" not in out
    assert "当时机器人尚未运行（首次运行于 2026-11-18），因此没有记录点赞。" in out
    # A period the bot ran in, over and without kudos, is no period "yet" to come.
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    code, out = run_cli(bot.settings, "kudos", "top", "--period", "last-week")
    assert "No kudos in this period." in out and "not running" not in out
    code, out = run_cli(bot.settings, "kudos", "top", "--period", "month")
    assert "No kudos yet in this period." in out


async def test_the_cli_board_s_json_says_the_bot_was_not_running_as_the_honours_does(
        kestrel, monkeypatch):
    """`teampulse kudos top --format json` of October, over before the bot first ran, was
    an empty board a script could not tell from a month nobody praised anyone in; the
    honours' JSON said it (`before_first_run`). The board's says it too, with the same
    meaning: the day the bot first ran, null for a period it ran in."""
    import json

    from tests.support import run_cli

    bot, _, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())

    def board(*period: str) -> dict:
        code, out = run_cli(bot.settings, "kudos", "top", *period, "--format", "json")
        assert code == 0, out
        return json.loads(out)

    before = board("--period", "last-month")
    assert before["before_first_run"] == "2026-11-18"
    assert before["received"] == before["given"] == []
    honours = json.loads(run_cli(bot.settings, "kudos", "honours", "--period", "2026-10",
                                 "--format", "json")[1])
    assert honours["before_first_run"] == before["before_first_run"]
    # The month it first ran in, in progress and still empty: nothing to explain.
    assert board("--period", "month")["before_first_run"] is None
    # A week it ran in, over and without kudos: "no kudos", not "not running".
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert board("--period", "last-week")["before_first_run"] is None
    # A board with kudos on it never says so.
    from tests.test_kudos import kudo

    assert await kudo(bot, "karl", "/kudos @dan for the intro to Acme")
    month = board("--period", "month")
    assert month["received"][0]["person"] == "dan" and month["before_first_run"] is None
    assert board("--period", "all")["before_first_run"] is None


async def test_the_cli_honours_of_a_month_before_the_bot_ran_says_it_was_not_running(
        kestrel, monkeypatch):
    """`teampulse kudos honours --period 2026-10` on 20 November printed "No kudos were given
    in October 2026.", the month before the bot first ran."""
    from tests.support import run_cli

    bot, _, clock = kestrel
    await say(bot, "greta", "/help")
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(bot.settings, "kudos", "honours", "--period", "2026-10")
    assert code == 0
    assert "No kudos were given" not in out
    assert ("The bot was not running yet in October 2026 (it first ran on 2026-11-18), so no "
            "kudos were counted then and there is no roll.") in out
    code, out = run_cli(bot.settings, "kudos", "honours", "--period", "2026-10",
                        "--locale", "zh-CN")
    assert "没有人点赞" not in out
    assert ("2026年10月机器人尚未运行（首次运行于 2026-11-18），因此当时没有记录点赞，也没有"
            "荣誉榜。") in out
    code, out = run_cli(bot.settings, "kudos", "honours", "--period", "2026-10",
                        "--format", "json")
    assert '"before_first_run": "2026-11-18"' in out
    # November, the month it first ran in, is a roll as before.
    code, out = run_cli(bot.settings, "kudos", "honours", "--period", "2026-11",
                        "--format", "json")
    assert '"before_first_run": null' in out and '"total": 0' in out
