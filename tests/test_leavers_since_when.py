"""Since when someone is out of the org file. The GM takes Bruno out of the org file on a
Friday evening in New York (already Saturday in Rome, where he lives) and the bot reloads
it: `/summary bruno` said "no longer in the org file" nowhere above his weeks, and no view
said since when. The header now says it, on the GM's own calendar, in both languages; the
JSON of his history (`left_on`) and his personal data export (`left_at`) too. Put back in
the file, he is not "no longer in the org file"; taken out again, the date is the latest.
Someone taken out before the bot recorded it (a database migrated from before 0024) is
still no longer in the org file, with no date made up."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

from sqlalchemy import text

from bot.app import prepare
from bot.config import Settings
from tests.support import TEST_ORG, run_cli, say
from tests.test_org_reload import BRUNO, VALUES, running  # noqa: F401 (the fixture)

#: Friday 27 November, 21:30 in New York (the GM's time); Saturday 03:30 in Rome.
TAKEN_OUT = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


def _header(summary: str) -> str:
    return summary.splitlines()[0]


async def _bruno_taken_out(r, at: datetime | None = TAKEN_OUT) -> None:
    """The GM takes Bruno out of the org file (at `at`; None: now) and the bot reloads."""
    if at is not None:
        r.clock.set(at)
    r.edit(BRUNO, "")
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno",)


async def _grace_reads(r, locale: str = "en") -> str:
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = locale
    await say(r.bot, "grace", "/summary bruno")
    return r.chat.last("grace")


def _cli(r, database_url: str, *args: str) -> dict:
    settings = Settings(database_url=database_url, org_file=r.path)
    code, raw = run_cli(settings, *args)
    assert code == 0, raw
    return json.loads(raw)


async def test_the_gm_reads_since_when_bruno_is_out_of_the_org_file(
        running, database_url):  # noqa: F811 - the fixture
    r = running
    await _bruno_taken_out(r)
    summary = await _grace_reads(r)
    header = _header(summary)
    # Grace's day (New York), not Bruno's (Rome: already the 28th).
    assert header == ("Bruno Rossi · team Europe · last 4 weeks · no longer in the org "
                      "file since 2026-11-27"), header
    assert summary.startswith(header + "\n\n2026-W48 "), summary  # (the layout as before)
    header = _header(await _grace_reads(r, "zh-CN"))
    assert header.endswith(" · 自 2026-11-27 起已不在组织文件中"), header

    # The CLI's JSON of his history (in the GM's timezone) and his personal data export.
    data = _cli(r, database_url, "summary", "--person", "bruno", "--format", "json")
    assert data["view"] == "person" and data["left_on"] == "2026-11-27"
    assert all(w["people"][0]["left"] for w in data["weeks"])
    code, md = run_cli(Settings(database_url=database_url, org_file=r.path),
                       "summary", "--person", "bruno")
    assert code == 0 and "no longer in the org file since 2026-11-27" in md, md
    exported = _cli(r, database_url, "export", "bruno")["person"]
    assert exported["active"] is False
    assert datetime.fromisoformat(exported["left_at"]) == TAKEN_OUT

    # Alice, in the file all along: no such line, no date.
    await say(r.bot, "grace", "/summary alice")
    assert "no longer in the org file" not in _header(r.chat.last("grace"))
    assert _cli(r, database_url, "summary", "--person", "alice",
                "--format", "json")["left_on"] is None
    assert _cli(r, database_url, "export", "alice")["person"]["left_at"] is None


async def test_bruno_put_back_is_in_the_org_and_taken_out_again_reads_the_latest_date(
        running, database_url):  # noqa: F811 - the fixture
    r = running
    await _bruno_taken_out(r)
    r.clock.advance(timedelta(days=5))
    r.edit(VALUES, BRUNO + VALUES)
    change = await r.watcher.check()
    assert change is not None and change.added == ("bruno",)
    summary = await _grace_reads(r)
    assert "no longer in the org file" not in summary, summary
    assert "已不在组织文件中" not in await _grace_reads(r, "zh-CN")
    assert _cli(r, database_url, "summary", "--person", "bruno",
                "--format", "json")["left_on"] is None
    assert _cli(r, database_url, "export", "bruno")["person"]["left_at"] is None

    # Taken out again on 8 December (New York): the date is the latest stay's end.
    await _bruno_taken_out(r, TAKEN_OUT + timedelta(days=11))
    assert _header(await _grace_reads(r)).endswith(
        " · no longer in the org file since 2026-12-08"), r.chat.last("grace")
    assert _cli(r, database_url, "summary", "--person", "bruno",
                "--format", "json")["left_on"] == "2026-12-08"


async def test_a_reload_that_leaves_him_out_again_keeps_the_day_he_went(
        running, database_url):  # noqa: F811 - the fixture
    """Later edits (another person added) do not move the day Bruno was taken out."""
    r = running
    await _bruno_taken_out(r)
    r.clock.advance(timedelta(days=3))
    r.edit("name: Alice Martin", "name: Alice B. Martin")
    assert await r.watcher.check() is not None
    assert _cli(r, database_url, "summary", "--person", "bruno",
                "--format", "json")["left_on"] == "2026-11-27"


async def test_taken_out_before_the_bot_recorded_when_he_is_still_out_with_no_date(
        running, database_url):  # noqa: F811 - the fixture
    """A database migrated from before 0024_leftat holds no date for someone taken out
    then (NULL): the header still says he is no longer in the org file, without one."""
    r = running
    await _bruno_taken_out(r)
    with r.bot.engine.begin() as conn:  # as the migration leaves a leaver of before it
        conn.execute(text("UPDATE people SET left_at = NULL WHERE key = 'bruno'"))
    header = _header(await _grace_reads(r))
    assert header.endswith(" · no longer in the org file"), header
    assert "since" not in header
    assert _header(await _grace_reads(r, "zh-CN")).endswith(" · 已不在组织文件中")
    data = _cli(r, database_url, "summary", "--person", "bruno", "--format", "json")
    assert data["left_on"] is None and data["weeks"][-1]["people"][0]["left"] is True
    assert _cli(r, database_url, "export", "bruno")["person"]["left_at"] is None


def _without_bruno(settings: Settings, tmp_path) -> Settings:
    edited = tmp_path / "org-without-bruno.yaml"
    org = TEST_ORG.read_text(encoding="utf-8")
    assert BRUNO in org
    edited.write_text(org.replace(BRUNO, ""), encoding="utf-8")
    return Settings(database_url=settings.database_url, org_file=edited)


async def test_a_start_dates_whom_an_edit_made_while_stopped_takes_out(
        bot, chat, settings, clock, tmp_path):
    """The org file edited while the bot was stopped: the start's sync takes Bruno out,
    and that is the day the GM reads (her Sunday evening, Monday already in Rome)."""
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    started, engine = prepare(_without_bruno(settings, tmp_path), clock, backfill=True)
    try:
        started.register(chat)
        await say(started, "grace", "/summary bruno")
        assert _header(chat.last("grace")).endswith(
            " · no longer in the org file since 2026-11-29"), chat.last("grace")
    finally:
        started.close()
        engine.dispose()


async def test_teampulse_apply_org_dates_whom_it_takes_out(bot, settings, clock, tmp_path):
    """The operator applies an edit with `teampulse apply-org --yes` (the bot stopped):
    Bruno is out since that day, the GM's (New York), as after a reload."""
    clock.set(TAKEN_OUT + timedelta(days=2))
    without = _without_bruno(settings, tmp_path)
    code, out = run_cli(without, "apply-org", "--yes")
    assert code == 0, out
    code, raw = run_cli(without, "summary", "--person", "bruno", "--format", "json")
    assert code == 0, raw
    assert json.loads(raw)["left_on"] == "2026-11-29"


async def test_the_gm_s_and_the_team_s_views_say_since_when_a_director_asked_left(
        running, database_url):  # noqa: F811 - the fixture
    """Bruno is sent the week's check-in and taken out of the org file before answering:
    the GM's summary named him "no longer in the org file" with no date, where
    `/summary bruno` says since when. Her view, the team's and the export now say the
    same day (hers); taken out before the bot recorded it (0024_leftat), none of them
    makes one up, as `/summary bruno` does not."""
    r = running
    await r.bot.run_checkins(["bruno"])
    await r.bot.drain()
    await _bruno_taken_out(r)
    settings = Settings(database_url=database_url, org_file=r.path)

    async def read(locale: str) -> tuple[str, str, str]:
        """The GM's headline and Bruno's line in her view, and the team's weeks' line."""
        with r.bot.unit() as ctx:
            ctx.people.by_key("grace").locale = locale
        await say(r.bot, "grace", "/summary")
        gm = r.chat.last("grace").splitlines()
        headline = next(line for line in gm if line.startswith(("Check-ins:", "签到：")))
        block = next(line for line in gm if line.startswith("❌ Bruno Rossi"))
        await say(r.bot, "grace", "/summary team Europe last 2w")
        team = next(line for line in r.chat.last("grace").splitlines() if "-W48" in line
                    and "Bruno" in line)
        return headline, block, team

    headline, block, team = await read("en")
    assert headline.endswith("· no longer in the org file: Bruno Rossi (since 2026-11-27)"), \
        headline
    assert block == "❌ Bruno Rossi — not checked in · no longer in the org file since " \
                    "2026-11-27", block
    assert team.endswith("· no longer in the org file: Bruno Rossi (since 2026-11-27)"), team
    headline, block, team = await read("zh-CN")
    assert headline.endswith("· 已不在组织文件中：Bruno Rossi（自 2026-11-27 起）"), headline
    assert block == "❌ Bruno Rossi — 未签到 · 自 2026-11-27 起已不在组织文件中", block
    assert team.endswith("· 已不在组织文件中：Bruno Rossi（自 2026-11-27 起）"), team
    data = _cli(r, database_url, "summary", "--format", "json")
    rows = {d["key"]: d for d in data["directors"]}
    assert (rows["bruno"]["left_on"], rows["alice"]["left_on"]) == ("2026-11-27", None)
    code, raw = run_cli(settings, "summary", "--format", "csv")
    assert code == 0, raw
    rows = {row["director"]: row for row in csv.DictReader(StringIO(raw))}
    assert (rows["bruno"]["left_on"], rows["alice"]["left_on"]) == ("2026-11-27", "")

    with r.bot.engine.begin() as conn:  # as the migration leaves a leaver of before it
        conn.execute(text("UPDATE people SET left_at = NULL WHERE key = 'bruno'"))
    headline, block, team = await read("en")
    assert headline.endswith("· no longer in the org file: Bruno Rossi"), headline
    assert block == "❌ Bruno Rossi — not checked in · no longer in the org file", block
    assert team.endswith("· no longer in the org file: Bruno Rossi"), team
    headline, block, team = await read("zh-CN")
    assert headline.endswith("· 已不在组织文件中：Bruno Rossi"), headline
    assert block == "❌ Bruno Rossi — 未签到 · 已不在组织文件中", block
    data = _cli(r, database_url, "summary", "--format", "json")
    assert {d["key"]: d["left_on"] for d in data["directors"]}["bruno"] is None
    code, raw = run_cli(settings, "summary", "--format", "csv")
    assert {row["director"]: row["left_on"]
            for row in csv.DictReader(StringIO(raw))}["bruno"] == ""


async def test_the_operator_asking_for_goals_or_a_review_of_bruno_is_told_he_left(
        running, database_url, capsys):  # noqa: F811 - the fixture
    """`teampulse goals bruno` after he was taken out said "no person or team 'bruno' in the
    org", where /goals tells the GM he left and where his check-ins stay; `teampulse review
    bruno` said "nothing to show yet (start one with /review start bruno)", a review
    /review start refuses for someone out of the org file. Both say he left (exit 2: as
    for someone who is no director, nothing will come)."""
    r = running
    await _bruno_taken_out(r)
    settings = Settings(database_url=database_url, org_file=r.path)
    capsys.readouterr()
    for typed in ("bruno", "Bruno Rossi"):
        assert run_cli(settings, "goals", typed) == (2, "")
        assert capsys.readouterr().err == (
            "teampulse: Bruno Rossi (bruno) is no longer in the org file, which sets no goals "
            "for them any more; their check-ins stay: teampulse summary --person bruno\n")
    # The command it names works.
    assert _cli(r, database_url, "summary", "--person", "bruno",
                "--format", "json")["left_on"] == "2026-11-27"
    assert run_cli(settings, "goals", "team", "bruno")[0] == 2  # (a team is asked for)
    assert "no person or team 'bruno'" in capsys.readouterr().err
    assert run_cli(settings, "review", "bruno") == (2, "")
    err = capsys.readouterr().err
    assert err == ("teampulse: Bruno Rossi (bruno) is no longer in the org file and had no "
                   "closed 360° review: there is none to show, and none can be started for "
                   "them\n"), err
    assert "/review start" not in err
