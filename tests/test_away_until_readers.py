"""An away period's "until" reads the away person's own last day, whoever reads it.

A period is a span of the away person's calendar days (storage/away.py); cut short by
/back, its last day is the day /back was sent *where they are*. A GM east or west of them
(whose calendar is already, or still, on another day at that moment) reads that same day
in every view that names them away "until" it: /summary, a person's and a team's view,
the weekly digest, and `teampulse summary` (Markdown, and JSON's `away_until`), in English
and in Chinese.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.digest import build_digest
from tests.support import TEST_ORG, bot_on_org, run_cli, say
from tests.test_digest import digests
from tests.test_summary_gm import DANA

# Dana (a director in Los Angeles, PST, UTC-8) goes away from Wednesday 2026-12-02 10:00
# her time until 2026-12-10; her Friday 16:00 check-in of 2026-W49 finds her away.
WEDNESDAY_10AM_LA = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
FRIDAY_4PM_LA = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def _org(gm_zone: str, dana_zone: str = "America/Los_Angeles") -> str:
    """The test org with Dana added, Grace (the GM) in `gm_zone`, Dana in `dana_zone`."""
    return TEST_ORG.read_text(encoding="utf-8").replace(
        "timezone: America/New_York", f"timezone: {gm_zone}", 1).replace(
        "# Company values", DANA.replace("America/Los_Angeles", dana_zone)
        + "# Company values")


def _until_lines(text: str) -> list[str]:
    """The lines of a view that name Dana away until a day (en: "until", zh: "至"): her
    status line, and her history's line of 2026-W49."""
    return [line for line in text.splitlines() if ("until" in line or "至" in line)
            and ("Dana Wu" in line or line.lstrip("# ").startswith("2026-W49"))]


def _away_untils(data: object) -> set[str]:
    """Every `away_until` given in a JSON view (null ones left out)."""
    if isinstance(data, dict):
        found = {data["away_until"]} if data.get("away_until") else set()
        return found.union(*(_away_untils(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_away_untils(v) for v in data))
    return set()


# (the GM's timezone, when Dana sends /back, her day then, the GM's day then)
EAST_AND_WEST = [
    # Saturday 22:30 in Los Angeles: already Sunday in Shanghai, Auckland (and UTC).
    ("Asia/Shanghai", datetime(2026, 12, 6, 6, 30, tzinfo=UTC), "2026-12-05", "2026-12-06"),
    ("Pacific/Auckland", datetime(2026, 12, 6, 6, 30, tzinfo=UTC), "2026-12-05",
     "2026-12-06"),
    # Sunday 00:30 in Los Angeles: still Saturday in Honolulu (UTC-10).
    ("Pacific/Honolulu", datetime(2026, 12, 6, 8, 30, tzinfo=UTC), "2026-12-06", "2026-12-05"),
]


@pytest.mark.parametrize(("gm_zone", "back_at", "her_day", "gm_day"), EAST_AND_WEST)
async def test_a_gm_east_or_west_reads_the_day_the_director_came_back_on_her_calendar(
        settings, clock, tmp_path, monkeypatch, gm_zone, back_at, her_day, gm_day):
    path = tmp_path / "org.yaml"
    path.write_text(_org(gm_zone), encoding="utf-8")
    clock.set(WEDNESDAY_10AM_LA)
    with bot_on_org(settings, clock, path) as (bot, chat, on_org):
        await say(bot, "dana", "/away 2026-12-10")
        clock.set(FRIDAY_4PM_LA)
        assert (await bot.run_checkins(timezone="America/Los_Angeles")).results == \
            {"dana": "away"}
        clock.set(back_at)
        await say(bot, "dana", "/back")
        # (The GM's calendar was on another day than hers when she came back.)
        assert str(back_at.astimezone(ZoneInfo(gm_zone)).date()) == gm_day
        assert str(back_at.astimezone(ZoneInfo("America/Los_Angeles")).date()) == her_day
        # Every view that names her away, by what it shows (compared once at the end, so
        # that a wrong day names each view that shows it).
        seen: dict[str, list[str]] = {}
        # The GM's digest of 2026-W49, at Monday 08:05 her time.
        clock.set(datetime(2026, 12, 7, 8, 5, tzinfo=ZoneInfo(gm_zone)).astimezone(UTC))
        await bot.run_digests()
        (digest,) = digests(chat, "grace")
        seen["digest"] = _until_lines(digest)
        for command in ("/summary 2026-W49", "/summary dana", "/summary team West 2026-W49",
                        "/summary last 2w"):
            await say(bot, "grace", command)
            seen[command] = _until_lines(chat.last("grace"))
        # The CLI reads as the GM does (her timezone: the week and "your time" are hers).
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
        for args in (("--week", "2026-W49"), ("--team", "West", "--week", "2026-W49"),
                     ("--person", "dana"), ("--week", "2026-W49", "--locale", "zh-CN")):
            code, md = run_cli(on_org, "summary", *args)
            seen[" ".join(("cli", *args))] = _until_lines(md) if code == 0 else [f"exit {code}"]
        for args in (("--week", "2026-W49"), ("--person", "dana")):
            code, raw = run_cli(on_org, "summary", *args, "--format", "json")
            seen[" ".join(("cli json", *args))] = sorted(_away_untils(json.loads(raw)))
        # The same in Chinese.
        with bot.unit() as ctx:
            grace = ctx.people.by_key("grace")
            grace.locale = "zh-CN"
            seen["digest zh"] = _until_lines(build_digest(ctx, grace, "2026-W49", "plain").text)
        for command in ("/summary 2026-W49", "/summary dana", "/summary team West 2026-W49"):
            await say(bot, "grace", command)
            seen[f"{command} zh"] = _until_lines(chat.last("grace"))
    line, history = f"🌴 Dana Wu — away until {her_day}", f"away until {her_day}"
    zh = f"🌴 Dana Wu — 外出至 {her_day}"
    assert seen == {
        "digest": [line],
        "/summary 2026-W49": [line],
        "/summary dana": [line, f"2026-W49 (2026-11-30 – 2026-12-06): {history}"],
        "/summary team West 2026-W49": [line],
        "/summary last 2w": [line],
        "cli --week 2026-W49": [line],
        "cli --team West --week 2026-W49": [f"- {line}"],
        "cli --person dana": [line, f"## 2026-W49 (2026-11-30 – 2026-12-06): {history}"],
        "cli --week 2026-W49 --locale zh-CN": [zh],
        "cli json --week 2026-W49": [her_day],
        "cli json --person dana": [her_day],
        "digest zh": [zh],
        "/summary 2026-W49 zh": [zh],
        "/summary dana zh": [zh, f"2026-W49（2026-11-30 – 2026-12-06）：外出至 {her_day}"],
        "/summary team West 2026-W49 zh": [f"🌴 Dana Wu — 外出至 {her_day}"]}


@pytest.mark.parametrize("gm_zone", ["Pacific/Auckland", "Pacific/Honolulu"])
async def test_a_day_set_in_another_timezone_reads_as_set_after_a_move(
        settings, clock, tmp_path, monkeypatch, gm_zone):
    """Dana sets /away until 2026-12-10 while in Tokyo, then moves to Los Angeles in the
    org file: the GM, east or west of both, reads the day she typed."""
    path = tmp_path / "org.yaml"
    path.write_text(_org(gm_zone, dana_zone="Asia/Tokyo"), encoding="utf-8")
    clock.set(WEDNESDAY_10AM_LA)
    with bot_on_org(settings, clock, path) as (bot, _chat, _on_org):
        await say(bot, "dana", "/away 2026-12-10")
    path.write_text(_org(gm_zone), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, on_org):
        clock.set(FRIDAY_4PM_LA)
        assert (await bot.run_checkins(timezone="America/Los_Angeles")).results == \
            {"dana": "away"}
        clock.set(FRIDAY_4PM_LA + timedelta(days=3))
        await say(bot, "grace", "/summary 2026-W49")
        assert _until_lines(chat.last("grace")) == ["🌴 Dana Wu — away until 2026-12-10"]
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
        code, raw = run_cli(on_org, "summary", "--week", "2026-W49", "--format", "json")
        assert code == 0 and {d["key"]: d["away_until"] for d in json.loads(raw)[
            "directors"]}["dana"] == "2026-12-10"
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary 2026-W49")
        assert _until_lines(chat.last("grace")) == ["🌴 Dana Wu — 外出至 2026-12-10"]
