"""The day a GM reads as an away director's last, at its edges.

/back sent at exactly midnight where the director is: they are back for the whole of that
day, so it is not their last day away (the day before is). Away again from the very next
moment (a period planned to begin the day after one ends): they are still away, and the GM
reads the last day of the whole stretch, not the day the first period ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.support import TEST_ORG, bot_on_org, say
from tests.test_summary_gm import DANA

LI_ZONE = "Asia/Shanghai"  # Li (李雷, zh-CN), UTC+8
DANA_ZONE = "America/Los_Angeles"  # Dana, UTC-8 in December


def _at(day: str, clock_time: time, zone: str) -> datetime:
    """A moment on a day at a time of day where `zone` is, in UTC."""
    return datetime.combine(datetime.fromisoformat(day).date(), clock_time,
                            tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _org(tmp_path) -> object:
    """The test org with Dana (a director in Los Angeles) added."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", DANA + "# Company values"), encoding="utf-8")
    return path


def _away_lines(text: str, name: str) -> list[str]:
    """The lines of a view naming `name` away until a day, and their history's line of
    2026-W49."""
    return [line for line in text.splitlines()
            if ("until" in line or "至" in line)
            and (name in line or line.lstrip("# ").startswith("2026-W49"))]


async def _away_over_friday(bot, clock, key: str, zone: str, *commands: str) -> None:
    """`key` sends `commands` on Wednesday 2026-12-02 10:00 their time; their Friday 16:00
    check-in of 2026-W49 then finds them away."""
    clock.set(_at("2026-12-02", time(10), zone))
    for command in commands:
        await say(bot, key, command)
    clock.set(_at("2026-12-04", time(16), zone))
    assert (await bot.run_checkins(timezone=zone)).results == {key: "away"}


# (who, their timezone, their name, when they send /back their time, the last day away)
BACK_AT = [
    # Back at 00:00 on Sunday: Saturday was their last day away, not Sunday.
    ("li", LI_ZONE, "李雷", ("2026-12-06", time(0)), "2026-12-05"),
    ("dana", DANA_ZONE, "Dana Wu", ("2026-12-06", time(0)), "2026-12-05"),
    # Back a minute before, at 23:59 on Saturday: Saturday was (as it always was).
    ("li", LI_ZONE, "李雷", ("2026-12-05", time(23, 59)), "2026-12-05"),
    ("dana", DANA_ZONE, "Dana Wu", ("2026-12-05", time(23, 59)), "2026-12-05"),
    # A minute after midnight: that day had begun away.
    ("li", LI_ZONE, "李雷", ("2026-12-06", time(0, 1)), "2026-12-06"),
]


@pytest.mark.parametrize(("key", "zone", "name", "back", "last_day"), BACK_AT)
async def test_back_at_midnight_is_back_for_that_whole_day(
        settings, clock, tmp_path, key, zone, name, back, last_day):
    with bot_on_org(settings, clock, _org(tmp_path)) as (bot, chat, _):
        await _away_over_friday(bot, clock, key, zone, "/away 2026-12-10")
        clock.set(_at(back[0], back[1], zone))
        await say(bot, key, "/back")
        # (Told the week they were away stays away, in their language.)
        assert any("2026-W49" in t and ("Welcome back" in t or "欢迎回来" in t)
                   for t in chat.to(key))
        clock.set(_at("2026-12-07", time(9), "America/New_York"))
        seen = {}
        for command in ("/summary 2026-W49", f"/summary {key}",
                        f"/summary team {'China' if key == 'li' else 'West'} 2026-W49"):
            await say(bot, "grace", command)
            seen[command] = _away_lines(chat.last("grace"), name)
    line = f"🌴 {name} — away until {last_day}"
    assert seen == {
        "/summary 2026-W49": [line],
        f"/summary {key}": [line, f"2026-W49 (2026-11-30 – 2026-12-06): away until {last_day}"],
        f"/summary team {'China' if key == 'li' else 'West'} 2026-W49": [line]}


@pytest.mark.parametrize(("key", "zone", "name"), [("li", LI_ZONE, "李雷"),
                                                   ("dana", DANA_ZONE, "Dana Wu")])
async def test_back_to_back_periods_read_as_away_until_the_last_of_them(
        settings, clock, tmp_path, key, zone, name):
    # Away until Thursday the 10th, and a trip planned from Friday the 11th to the 20th:
    # away without a break until the 20th, which is the day the GM should plan on.
    with bot_on_org(settings, clock, _org(tmp_path)) as (bot, chat, _):
        await _away_over_friday(bot, clock, key, zone, "/away 2026-12-10",
                                "/away 2026-12-11 2026-12-20")
        assert "2026-12-11 – 2026-12-20" in chat.last(key)  # (planned, not refused)
        clock.set(_at("2026-12-07", time(9), "America/New_York"))
        await say(bot, "grace", "/summary 2026-W49")
        week = _away_lines(chat.last("grace"), name)
        await say(bot, "grace", f"/summary {key}")
        person = _away_lines(chat.last("grace"), name)
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary 2026-W49")
        week_zh = _away_lines(chat.last("grace"), name)
        await say(bot, "grace", f"/summary {key}")
        person_zh = _away_lines(chat.last("grace"), name)
    assert week == [f"🌴 {name} — away until 2026-12-20"]
    assert person == [f"🌴 {name} — away until 2026-12-20",
                      "2026-W49 (2026-11-30 – 2026-12-06): away until 2026-12-20"]
    assert week_zh == [f"🌴 {name} — 外出至 2026-12-20"]
    assert person_zh == [f"🌴 {name} — 外出至 2026-12-20",
                         "2026-W49（2026-11-30 – 2026-12-06）：外出至 2026-12-20"]


@pytest.mark.parametrize(("commands", "last_day"), [
    # A day back in between (the 11th): they are back on the 11th, not away until the 20th.
    (("/away 2026-12-10", "/away 2026-12-12 2026-12-20"), "2026-12-10"),
    # The trip that followed called off: nothing follows.
    (("/away 2026-12-10", "/away 2026-12-11 2026-12-20", "/away cancel"), "2026-12-10"),
])
async def test_time_away_with_a_day_back_between_is_not_one_stretch(
        settings, clock, tmp_path, commands, last_day):
    with bot_on_org(settings, clock, _org(tmp_path)) as (bot, chat, _):
        await _away_over_friday(bot, clock, "li", LI_ZONE, *commands)
        clock.set(_at("2026-12-07", time(9), "America/New_York"))
        await say(bot, "grace", "/summary 2026-W49")
        assert _away_lines(chat.last("grace"), "李雷") == [f"🌴 李雷 — away until {last_day}"]


async def test_the_chinese_summary_says_away_until_as_every_other_view_does(
        settings, clock, tmp_path):
    # "外出至 …" in the GM's summary as in a person's view, /away's replies and /help;
    # it read "外出，至 …" there alone.
    with bot_on_org(settings, clock, _org(tmp_path)) as (bot, chat, _):
        await _away_over_friday(bot, clock, "li", LI_ZONE, "/away 2026-12-10")
        assert "外出至 2026-12-10" in chat.last("li")
        clock.set(_at("2026-12-07", time(9), "America/New_York"))
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        for command in ("/summary 2026-W49", "/summary li", "/summary team China 2026-W49"):
            await say(bot, "grace", command)
            assert "🌴 李雷 — 外出至 2026-12-10" in chat.last("grace").splitlines(), command
            assert "外出，至" not in chat.last("grace"), command
