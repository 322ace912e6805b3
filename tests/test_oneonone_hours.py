"""A one-on-one at night for one side: the org file sets a pair's time in the manager's
timezone, and 10:00 in New York (the GM's) is 23:00 in Shanghai (李雷's). The GM's
`/1on1` says so beside the pair, and `teampulse check-org` lists such pairs, with what to
set, in every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.app import prepare
from bot.config import Settings
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_cli_views import ROOT, valid

# 19:30 in New York is 08:30 in Shanghai the next morning (07:30 in the summer).
EVENING = """
oneonones:
  teams:
    China: {time: "19:30"}
"""


def org_text(locale: str = "en", extra: str = "") -> str:
    text = TEST_ORG.read_text(encoding="utf-8")
    if locale != "en":  # Grace, the GM, reads Chinese
        text = text.replace("timezone: America/New_York\n    locale: en\n    slack_id: U0GRACE",
                            f"timezone: America/New_York\n    locale: {locale}\n"
                            "    slack_id: U0GRACE", 1)
        assert f"locale: {locale}\n    slack_id: U0GRACE" in text
    return text + extra


@pytest.fixture
def make_bot(database_url, tmp_path, clock):
    made = []

    def make(locale: str = "en", extra: str = ""):
        path = tmp_path / "org.yaml"
        path.write_text(org_text(locale, extra), encoding="utf-8")
        bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
        made.append(engine)
        chat = RecordingAdapter()
        bot.register(chat)
        return bot, chat
    yield make
    for engine in made:
        engine.dispose()


def lines(chat: RecordingAdapter, key: str) -> list[str]:
    return chat.last(key).splitlines()


async def test_the_gm_sees_that_the_directors_one_on_one_is_at_night_for_them(make_bot):
    bot, chat = make_bot()
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert ("next: Tue 2026-12-08 10:00 (America/New_York) · for 李雷: "
                       "Tue 2026-12-08 23:00 (Asia/Shanghai), outside working hours "
                       "(07:00–21:00, Mon–Fri)") in li
    # Alice (New York) and Bruno (16:00 in Rome) meet in their working hours: no mark.
    others = [line for line in lines(chat, "grace")
              if line.startswith(("Alice Martin", "Bruno Rossi"))]
    assert len(others) == 2 and not any("working hours" in line for line in others)
    # 李雷 sees the meeting in their own time already.
    await say(bot, "li", "/1on1")
    assert "23:00（周二，Asia/Shanghai）" in chat.last("li")
    assert "工作时间" not in chat.last("li")


async def test_a_chinese_gm_reads_it_in_chinese(make_bot):
    bot, chat = make_bot("zh-CN")
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert ("· 对 李雷 而言是 2026-12-08 23:00（周二，Asia/Shanghai），"
                       "不在工作时间（周一至周五 07:00–21:00）内") in li


async def test_a_meeting_moved_into_the_directors_morning_loses_the_mark(make_bot):
    bot, chat = make_bot()
    await say(bot, "li", "/1on1 move 2026-12-09 09:00")  # Wed 09:00 in Shanghai
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert "(moved)" in li and "working hours" not in li
    assert "Tue 2026-12-08 20:00 (America/New_York)" in li


async def test_a_team_time_that_suits_both_has_no_mark(make_bot):
    bot, chat = make_bot(extra=EVENING)
    await say(bot, "grace", "/1on1")
    assert "working hours" not in chat.last("grace")


def check_org(path, *args: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", "/dev/null", "check-org", str(path),
         *args], cwd=ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True, text=True, timeout=60, check=False)
    return result.returncode, result.stdout


def test_check_org_lists_the_pair_with_what_to_set(tmp_path, settings):
    path = tmp_path / "org.yaml"
    path.write_text(org_text(), encoding="utf-8")
    code, plain = check_org(path)
    assert code == 0
    at = plain.splitlines().index(
        "one-on-ones outside working hours (07:00-21:00, Monday to Friday, in each "
        "person's timezone; set their time under oneonones: pairs, teams or roles):")
    assert plain.splitlines()[at:at + 2] == [
        "one-on-ones outside working hours (07:00-21:00, Monday to Friday, in each "
        "person's timezone; set their time under oneonones: pairs, teams or roles):",
        "  grace -> li: Tue 10:00 America/New_York is Tue 23:00 for li (Asia/Shanghai)"]
    code, md = run_cli(settings, "check-org", str(path), "--format", "md")
    assert code == 0
    assert (
        "- Grace Chen → 李雷: Tue 10:00 (America/New\\_York) is Tue 23:00 "
        "(Asia/Shanghai) for 李雷") in md
    code, md = run_cli(settings, "check-org", str(path), "--format", "md", "--locale", "zh-CN")
    assert "## 工作时间以外的一对一面谈" in md
    assert ("- Grace Chen → 李雷：周二 10:00（America/New\\_York），"
                                "对 李雷 而言是 周二 23:00（Asia/Shanghai）") in md
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert valid("org", raw)["oneonones_off_hours"] == [{
        "manager": "grace", "report": "li", "person": "li",
        "slot": {"weekday": "tue", "time": "10:00", "timezone": "America/New_York"},
        "local": {"weekday": "tue", "time": "23:00", "timezone": "Asia/Shanghai"}}]


def test_check_org_says_nothing_once_the_time_suits_both(tmp_path, settings):
    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra=EVENING), encoding="utf-8")
    code, plain = check_org(path)
    assert code == 0 and "working hours" not in plain
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert json.loads(raw)["oneonones_off_hours"] == []
    code, md = run_cli(settings, "check-org", str(path), "--format", "md")
    assert "working hours" not in md


def test_a_friday_evening_in_new_york_is_saturday_in_shanghai(tmp_path, settings):
    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra="""
oneonones:
  teams:
    China: {day: fri, time: "19:30"}
"""), encoding="utf-8")
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert code == 0
    found = json.loads(raw)["oneonones_off_hours"]
    assert [(o["person"], o["local"]["weekday"]) for o in found] == [("li", "sat")]


async def test_in_one_timezone_the_time_is_not_said_twice(make_bot):
    """East meets at 22:00 New York time: Alice (New York) sees it in her own time, with no
    "for Grace Chen" repeating it; for Sam, in Chicago, it is 21:00, and she is told."""
    bot, chat = make_bot(extra="""
oneonones:
  teams:
    East: {time: "22:00"}
""")
    await say(bot, "alice", "/1on1")
    rows = lines(chat, "alice")
    grace = next(line for line in rows if line.startswith("Grace Chen"))
    assert "22:00 (America/New_York)" in grace and "for Grace Chen" not in grace
    sam = next(line for line in rows if line.startswith("Sam Lee"))
    assert ("· for Sam Lee: Tue 2026-12-08 21:00 (America/Chicago), outside "
                        "working hours (07:00–21:00, Mon–Fri)") in sam


def test_check_org_reads_the_clock_so_a_week_across_a_daylight_saving_change_is_told(
        tmp_path, settings, monkeypatch):
    """Grace's 10:00 in New York is 23:00 for 李雷 in winter and 22:00 once New York's
    clocks go forward (Sunday 2027-03-14; Shanghai keeps none). check-org reads the
    command's clock, not the machine's date: run on Saturday the 6th the next meeting day
    is Tuesday the 9th (23:00), on the 13th it is the 16th (22:00)."""
    from datetime import UTC, datetime

    from bot.clock import FakeClock

    path = tmp_path / "org.yaml"
    path.write_text(org_text(), encoding="utf-8")
    clock = FakeClock(datetime(2027, 3, 6, 17, 0, tzinfo=UTC))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    for local in ("23:00", "22:00"):
        code, plain = run_cli(settings, "check-org", str(path))
        assert code == 0 and (
            f"  grace -> li: Tue 10:00 America/New_York is Tue {local} for li (Asia/Shanghai)"
        ) in plain.splitlines()
        code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
        assert [o["local"]["time"] for o in json.loads(raw)["oneonones_off_hours"]] == [local]
        code, md = run_cli(settings, "check-org", str(path), "--format", "md")
        assert (f"is Tue {local} (Asia/Shanghai) for 李雷") in md
        clock.advance(timedelta(days=7))


def test_check_org_run_in_the_spring_still_finds_a_slot_off_hours_only_in_winter(
        tmp_path, settings, monkeypatch):
    """08:00 in New York is 21:00–21:30 in Shanghai in winter, 20:00 in summer. Run on
    Tuesday 2027-03-16, two days into New York's summer time, the next meeting day and
    half a year later are both summer: the winter's late evening for 李雷 went unseen."""
    from datetime import UTC, datetime

    from bot.clock import FakeClock

    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra="""
oneonones:
  teams:
    China: {time: "08:00"}
"""), encoding="utf-8")
    clock = FakeClock(datetime(2027, 3, 16, 12, 0, tzinfo=UTC))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, plain = run_cli(settings, "check-org", str(path))
    assert code == 0 and (
        "  grace -> li: Tue 08:00 America/New_York is Tue 21:00 for li (Asia/Shanghai)"
    ) in plain.splitlines()
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert [(o["person"], o["local"]["time"])
            for o in json.loads(raw)["oneonones_off_hours"]] == [("li", "21:00")]


# --- the org file's working hours ----------------------------------------------------------

#: 20:00 in New York is 09:00 in Shanghai (08:00 in the summer): inside 07:00-21:00.
LATER = """
oneonones:
  teams:
    China: {time: "20:00"}
"""


async def test_the_org_file_sets_the_working_hours_the_gm_sees_a_slot_against(make_bot):
    bot, chat = make_bot(extra=LATER)
    await say(bot, "grace", "/1on1")
    assert "working hours" not in chat.last("grace")
    bot, chat = make_bot(extra=LATER + '  working_hours: "09:30-21:00"\n')
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert ("· for 李雷: Wed 2026-12-09 09:00 (Asia/Shanghai), outside working "
                       "hours (09:30–21:00, Mon–Fri)") in li
    # 20:00 in New York is inside Grace's hours: 李雷 is not told.
    await say(bot, "li", "/1on1")
    assert "工作时间" not in chat.last("li")


async def test_a_sunday_to_thursday_week_marks_a_friday_morning_in_both_languages(make_bot):
    """Thursday 19:30 in New York is Friday 08:30 in Shanghai: a working day by default,
    not in an org whose week runs Sunday to Thursday."""
    thursday = """
oneonones:
  teams:
    China: {day: thu, time: "19:30"}
  working_days: [sun, mon, tue, wed, thu]
"""
    bot, chat = make_bot(extra=thursday)
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert ("· for 李雷: Fri 2026-12-11 08:30 (Asia/Shanghai), outside working "
                       "hours (07:00–21:00, Sun–Thu)") in li
    bot, chat = make_bot("zh-CN", extra=thursday.replace("[sun, mon, tue, wed, thu]",
                                                         "[mon, wed, thu]"))
    await say(bot, "grace", "/1on1")
    li = next(line for line in lines(chat, "grace") if line.startswith("李雷"))
    assert ("· 对 李雷 而言是 2026-12-11 08:30（周五，Asia/Shanghai），"
                       "不在工作时间（周一、周三、周四 07:00–21:00）内") in li


def test_check_org_lists_against_the_org_files_hours_in_every_format(tmp_path, settings):
    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra=LATER + '  working_hours: "09:30-21:00"\n'
                                           "  working_days: [sun, mon, tue, wed, thu]\n"),
                    encoding="utf-8")
    code, plain = run_cli(settings, "check-org", str(path))
    assert code == 0
    at = plain.splitlines().index(
        "one-on-ones outside working hours (09:30-21:00, Sunday to Thursday, in each "
        "person's timezone; set their time under oneonones: pairs, teams or roles):")
    assert "  grace -> li: Tue 20:00 America/New_York is Wed 09:00 for li (Asia/Shanghai)" \
        in plain.splitlines()[at:]
    code, md = run_cli(settings, "check-org", str(path), "--format", "md")
    assert "Outside 09:30–21:00, Sunday to Thursday, in the person's own timezone" in md
    code, md = run_cli(settings, "check-org", str(path), "--format", "md", "--locale", "zh-CN")
    assert "按本人所在时区，不在周日至周四 09:30–21:00 之内" in md
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    data = valid("org", raw)
    assert data["oneonones_working_hours"] == {
        "start": "09:30", "end": "21:00", "days": ["mon", "tue", "wed", "thu", "sun"]}
    assert ("grace", "li", "li") in {(o["manager"], o["report"], o["person"])
                                     for o in data["oneonones_off_hours"]}


@pytest.mark.parametrize(("setting", "problem"), [
    ('working_hours: "25:00-21:00"', "oneonones.working_hours: '25:00' in '25:00-21:00' is "
     'not a time of day (HH:MM, 24-hour, 00:00 to 23:59; for example "07:00-21:00")'),
    ('working_hours: "21:00-07:00"', "oneonones.working_hours: '21:00-07:00' ends before it "
     "starts (the hours are one day's, in each person's timezone, and cannot run past "
     "midnight)"),
    ('working_hours: "9 to 5"', "oneonones.working_hours: '9 to 5' must be a start and an "
     'end, HH:MM-HH:MM (24-hour), for example "07:00-21:00"'),
    ("working_days: [mon, funday]", "oneonones.working_days: 'funday' is not a day (use "
     "mon, tue, wed, thu, fri, sat, sun)"),
    ("working_days: [mon, mon]", "oneonones.working_days: 'mon' is listed twice"),
    ("working_days: []", "oneonones.working_days: [] must be a list of days, for example "
     "[mon, tue, wed, thu, fri]"),
])
def test_bad_working_hours_are_refused_by_check_org_and_at_start_up(
        setting, problem, tmp_path, settings, capsys):
    from dataclasses import replace

    from bot.cli import main
    from bot.org import OrgError

    path = tmp_path / "org.yaml"
    text = org_text(extra=f"oneonones:\n  {setting}\n")
    path.write_text(text, encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 2
    line = text.splitlines().index(f"  {setting}") + 1  # where the operator's edit is
    assert capsys.readouterr().err.splitlines() == [
        f"teampulse: {path}: 1 problem in the org file:", f"  - {path}:{line}: {problem}"]
    with pytest.raises(OrgError) as err:
        prepare(replace(settings, org_file=path))
    assert err.value.problems == [problem]


async def test_a_move_into_the_other_sides_night_is_said_to_both(bot, chat):
    # 李雷 (Shanghai) moves her 1:1 to 15:00 her time: 02:00 for Grace in New York. Grace
    # was told "李雷 moved your next 1:1 to Wed 02:00" and nothing more; 李雷 was not told.
    await say(bot, "li", "/1on1 move 下周三 下午3点")
    assert "对Grace Chen来说是 2026-12-02 02:00（周三，America/New_York），不在工作时间内" \
        "（周一至周五 07:00–21:00）。" in chat.last("li")
    assert chat.last("grace") == (
        "李雷 moved your next 1:1 to Wed 2026-12-02 02:00 (America/New_York). That is outside "
        "your working hours (07:00–21:00, Mon–Fri): /1on1 move @li … proposes another time.")
    # Her morning is Grace's evening, within the hours: no mark on either side.
    await say(bot, "li", "/1on1 move 下周三 上午9点")
    assert "不在工作时间内" not in chat.last("li")
    assert chat.last("grace") == ("李雷 moved your next 1:1 to Tue 2026-12-01 20:00 "
                                  "(America/New_York).")
