"""Bruno starts his check-in, answers the revenue, and is taken out of the org file before
he finishes. He is told it stopped where he was. The GM's summary of that week still lists
him (he was asked in it), but read "Needs your attention: Bruno Rossi: in progress this
week", as if he would still finish, or could be chased: it says he is no longer in the
org file, and leaves him out of what needs attention. Nobody reminds him. Each view says
since when he is out of it (the GM's day), as `/summary bruno` does."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from io import StringIO

from bot.config import Settings
from bot.weeks import week_of
from tests.support import run_cli, say
from tests.test_org_reload import BRUNO, running  # noqa: F401 (the fixture)


async def _bruno_leaves_halfway(r) -> None:
    await say(r.bot, "bruno", "/checkin")
    await say(r.bot, "bruno", "41000")
    assert "Question 2 of 7" in r.chat.last("bruno")
    r.edit(BRUNO, "")
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno",)


def _attention(summary: str, heading: str) -> str:
    """The summary's attention list (its lines up to the next blank line)."""
    return summary.split(heading + "\n", 1)[1].split("\n\n", 1)[0]


async def test_the_gm_reads_a_director_gone_halfway_as_no_longer_in_the_org(
        running):  # noqa: F811 - the fixture
    r = running
    await _bruno_leaves_halfway(r)
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    assert "⏳ Bruno Rossi — in progress (1 of 7 answered) · no longer in the org file since " \
           "2026-11-27\n" in summary, summary
    attention = _attention(summary, "Needs your attention")
    assert "Alice Martin: not checked in this week" in attention  # (a guard)
    assert "Bruno" not in attention, attention
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    assert "⏳ Bruno Rossi — 填写中（已答 1/7） · 自 2026-11-27 起已不在组织文件中\n" in summary, \
        summary
    assert "Bruno" not in _attention(summary, "需要您关注"), summary


async def test_a_director_gone_halfway_is_neither_reminded_nor_named_for_reminding(
        running):  # noqa: F811 - the fixture
    """Guards: the reminders and /checkin remind leave him out, as they did."""
    r = running
    await _bruno_leaves_halfway(r)
    seen = len(r.chat.to("bruno"))
    for _ in range(6):
        r.clock.advance(timedelta(hours=12))
        await r.bot.run_reminders()
        await r.bot.drain()
    assert r.chat.to("bruno")[seen:] == []
    await say(r.bot, "grace", "/checkin remind")
    assert "Bruno" not in r.chat.last("grace")


def _headline(summary: str, heading: str) -> str:
    """The summary's check-ins line (the headline's count of the week)."""
    return next(line for line in summary.splitlines() if heading in line)


async def test_the_headline_counts_a_director_gone_halfway_apart_from_those_in_progress(
        running):  # noqa: F811 - the fixture
    """'in progress: Bruno Rossi' read as someone the GM could still chase: the headline
    names him as no longer in the org file instead, in both languages."""
    r = running
    await _bruno_leaves_halfway(r)
    await say(r.bot, "grace", "/summary")
    line = _headline(r.chat.last("grace"), "Check-ins:")
    assert "in progress" not in line, line
    assert line.endswith("· no longer in the org file: Bruno Rossi (since 2026-11-27)"), line
    assert "missing: Alice Martin" in line, line  # (a guard)
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(r.bot, "grace", "/summary")
    line = _headline(r.chat.last("grace"), "签到：")
    assert "填写中" not in line, line
    assert line.endswith("· 已不在组织文件中：Bruno Rossi（自 2026-11-27 起）"), line


async def test_the_json_and_csv_say_a_director_gone_halfway_left(
        running, database_url):  # noqa: F811 - the fixture
    """`teampulse summary --format json|csv`: the week's count has him under `left`, not
    `in_progress`, and his row says `left` (the fields before it as they were)."""
    r = running
    await _bruno_leaves_halfway(r)
    with r.bot.unit() as ctx:
        week = week_of(ctx.clock.now().date())
    settings = Settings(database_url=database_url, org_file=r.path)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", week)
    assert code == 0, raw
    data = json.loads(raw)
    count = data["weeks"][-1]
    assert count["in_progress"] == [] and count["left"] == ["Bruno Rossi"], count
    # (the fields there before `left`, then `not_reached`, as they were)
    assert list(count) == ["week", "start", "end", "expected", "checked_in",
                           "in_progress", "missing", "away", "not_sent",
                           "nothing_sent", "left", "not_reached"]
    assert count["checked_in"] + len(count["in_progress"]) + len(count["missing"]) \
        + len(count["not_reached"]) + len(count["left"]) == count["expected"]
    rows = {d["key"]: d for d in data["directors"]}
    assert rows["bruno"]["left"] is True and rows["alice"]["left"] is False
    assert rows["bruno"]["status"] == "in_progress"  # (what the week was: a guard)
    assert list(rows["bruno"])[-2:] == ["left", "left_on"]
    # Since when, in the GM's timezone, as `/summary bruno` says it; null for those in it.
    assert (rows["bruno"]["left_on"], rows["alice"]["left_on"]) == ("2026-11-27", None)
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", week)
    assert code == 0, raw
    table = list(csv.DictReader(StringIO(raw)))
    left = {row["director"]: (row["left"], row["left_on"]) for row in table}
    assert (left["alice"], left["bruno"]) == (("false", ""), ("true", "2026-11-27")), left


async def test_a_teams_view_and_its_weeks_say_a_director_gone_halfway_left(
        running, database_url):  # noqa: F811 - the fixture
    """`/summary team Europe` (and over weeks) named him "in progress", and its JSON and CSV
    under `in_progress`: each says he is no longer in the org file, in both languages."""
    r = running
    await _bruno_leaves_halfway(r)
    await say(r.bot, "grace", "/summary team Europe")
    assert "⏳ Bruno Rossi — in progress (1 of 7 answered) · no longer in the org file since " \
           "2026-11-27\n" in r.chat.last("grace"), r.chat.last("grace")
    await say(r.bot, "grace", "/summary team Europe last 2w")
    line = _headline(r.chat.last("grace"), "-W48:")
    assert line.endswith("0 of 1 · no longer in the org file: Bruno Rossi (since 2026-11-27)"), \
        line
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
        week = week_of(ctx.clock.now().date())
    await say(r.bot, "grace", "/summary team Europe")
    assert "⏳ Bruno Rossi — 进行中（已答 1/7） · 自 2026-11-27 起已不在组织文件中\n" \
        in r.chat.last("grace"), r.chat.last("grace")
    await say(r.bot, "grace", "/summary team Europe last 2w")
    line = _headline(r.chat.last("grace"), "-W48：")
    assert line.endswith("0 / 1 · 已不在组织文件中：Bruno Rossi（自 2026-11-27 起）"), line
    settings = Settings(database_url=database_url, org_file=r.path)
    code, raw = run_cli(settings, "summary", "--team", "Europe", "--format", "json",
                        "--week", week)
    assert code == 0, raw
    count = json.loads(raw)["weeks"][-1]
    assert (count["in_progress"], count["left"], count["expected"]) == ([], ["bruno"], 1)
    # (the fields before `left` as they were, then `not_reached`)
    assert list(count)[-3:] == ["not_sent", "left", "not_reached"]
    assert [p["left"] for p in count["people"]] == [True]
    code, raw = run_cli(settings, "summary", "--team", "Europe", "--format", "csv",
                        "--week", week)
    assert code == 0, raw
    rows = list(csv.DictReader(StringIO(raw)))
    assert [(row["person"], row["status"], row["left"], row["left_on"]) for row in rows] == [
        ("bruno", "in_progress", "true", "2026-11-27")], rows
    assert list(rows[0])[-1] == "left_on"  # (after the columns there before)
    # Every yes/no column reads as README says, `late` too (it read "False").
    assert rows[0]["late"] == "false", rows


async def test_a_director_gone_before_answering_is_not_missing_but_left(
        running, database_url):  # noqa: F811 - the fixture
    """Bruno is sent his check-in and taken out of the org file before answering anything.
    His block said "no longer in the org file" while the headline above it still read
    "missing: Bruno Rossi", a name to chase; a team's view and the JSON said the same.
    Now the headline, a team's view and the JSON count him under "left", in both
    languages."""
    r = running
    await r.bot.run_checkins(["bruno"])
    await r.bot.drain()
    r.edit(BRUNO, "")
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno",)
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    line = _headline(summary, "Check-ins:")
    assert "Bruno" not in line.split("· no longer in the org file:")[0], line
    assert "· no longer in the org file: Bruno Rossi" in line, line
    assert "❌ Bruno Rossi — not checked in · no longer in the org file" in summary, summary
    await say(r.bot, "grace", "/summary team Europe")
    assert "❌ Bruno Rossi — not checked in · no longer in the org file" \
        in r.chat.last("grace"), r.chat.last("grace")
    await say(r.bot, "grace", "/summary bruno last 1w")
    assert "not checked in · no longer in the org file" in r.chat.last("grace"), \
        r.chat.last("grace")
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
        week = week_of(ctx.clock.now().date())
    await say(r.bot, "grace", "/summary")
    line = _headline(r.chat.last("grace"), "签到：")
    assert "Bruno" not in line.split("已不在组织文件中")[0], line
    assert "· 已不在组织文件中：Bruno Rossi" in line, line
    await say(r.bot, "grace", "/summary team Europe")
    assert "❌ Bruno Rossi — 未签到 · 自 2026-11-27 起已不在组织文件中" in r.chat.last("grace"), \
        r.chat.last("grace")
    settings = Settings(database_url=database_url, org_file=r.path)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", week)
    assert code == 0, raw
    count = json.loads(raw)["weeks"][-1]
    assert "Bruno Rossi" not in count["missing"] and count["left"] == ["Bruno Rossi"], count
    assert count["checked_in"] + len(count["in_progress"]) + len(count["missing"]) \
        + len(count["left"]) == count["expected"]
    code, raw = run_cli(settings, "summary", "--team", "Europe", "--format", "json",
                        "--week", week)
    assert code == 0, raw
    count = json.loads(raw)["weeks"][-1]
    assert (count["missing"], count["left"], count["expected"]) == ([], ["bruno"], 1), count


async def test_a_teams_and_a_persons_json_say_per_person_since_when_a_leaver_is_out(
        running, database_url):  # noqa: F811 - the fixture
    """`teampulse summary --team Europe --format json` listed Bruno with `left: true` and no
    date: a script had to ask for his history to learn since when, though the GM's view's
    directors and the CSV say it. Each person now has `left_on` (the GM's day), null for
    those in the org file; in his history, each week's row says what the view's does."""
    r = running
    await _bruno_leaves_halfway(r)
    with r.bot.unit() as ctx:
        week = week_of(ctx.clock.now().date())
    settings = Settings(database_url=database_url, org_file=r.path)

    def people(*args: str) -> list[dict]:
        code, raw = run_cli(settings, "summary", *args, "--format", "json")  # schema-checked
        assert code == 0, raw
        return [p for w in json.loads(raw)["weeks"] for p in w["people"]]

    europe = people("--team", "Europe", "--week", week)
    assert [(p["key"], p["left"], p["left_on"]) for p in europe] == [
        ("bruno", True, "2026-11-27")]
    assert list(europe[0])[-1] == "left_on"  # (after the fields there before)
    east = people("--team", "East", "--week", week)
    assert [(p["key"], p["left"], p["left_on"]) for p in east] == [("alice", False, None)]
    code, raw = run_cli(settings, "summary", "--person", "bruno", "--format", "json")
    assert code == 0, raw
    history = json.loads(raw)
    assert {p["left_on"] for w in history["weeks"] for p in w["people"]} == {
        history["left_on"]} == {"2026-11-27"}
    assert {p["left_on"] for p in people("--person", "alice")} == {None}
