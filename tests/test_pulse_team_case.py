"""A team written in two letter cases in the org file (`team: East` for three people,
`team: EAST` for two) is one team of five for pulse polls too: its answers are kept and
shown as one team named as the file first writes it, never as two groups (one of them
below the minimum group size) nor as one a reader could take from the org's figure."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import prepare
from bot.charts import morale_series
from bot.clock import FakeClock
from bot.config import Settings
from bot.org import team_spellings
from handlers.digest import build_digest
from handlers.pulse import team_morale
from storage.pulse import PulseParticipant, PulsePoll, PulseVote
from tests.support import RecordingAdapter, run_cli, say
from tests.test_pulse import POLL_DAY, answer_all, close

#: (key, team as written, morale answered)
PEOPLE = [("e1", "East", 4), ("e2", "East", 4), ("e3", "East", 4),
          ("e4", "EAST", 2), ("e5", "EAST", 2),
          *[(f"w{i}", "West", 1) for i in range(1, 6)]]


def _person(key: str, role: str, team: str | None) -> str:
    return (f"  - key: {key}\n    name: {key.capitalize()} Person\n    role: {role}\n"
            + (f"    team: {team}\n" if team else "")
            + "    timezone: America/New_York\n    locale: en\n    checks_in: false\n")


def org_text(people_in: list[tuple[str, str, int]] | None = None) -> str:
    """East of five (three written `East`, two `EAST`, one of whom, e4, its director),
    West of five; threshold 5; the GM is not asked."""
    people = [_person("grace", "gm", None)]
    people += [_person(key, "director" if key == "e4" else "member", team)
               for key, team, _ in (PEOPLE if people_in is None else people_in)]
    return ("org:\n  name: Case Test\n"
            "pulse:\n  threshold: 5\n  audience: {teams: [East, West]}\n"
            "people:\n" + "".join(people))


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


@asynccontextmanager
async def closed_poll(tmp_path: Path, clock: FakeClock, database_url: str,
                      people: list[tuple[str, str, int]] = PEOPLE, audience: str = "East",
                      checks_in: bool = False
                      ) -> AsyncIterator[tuple[Any, RecordingAdapter, Settings]]:
    """A bot on org_text(people) whose poll everyone answered (morale as listed, stress 3)
    and which has closed: (the bot, its chat, its settings); drained and disposed after.
    `audience`: the team the poll asks beside West, as the file spells it; `checks_in`:
    whether its people are asked to check in (listed in a summary)."""
    org_file = tmp_path / "org.yaml"
    text = org_text(people).replace("[East, West]", f"[{audience}, West]")
    if checks_in:
        text = text.replace("checks_in: false", "checks_in: true")
    org_file.write_text(text, encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=org_file)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        for key, _, morale in people:
            await answer_all(bot, chat, key, morale, 3)
        await close(bot, clock)
        yield bot, chat, settings
    finally:
        await bot.drain()
        engine.dispose()


async def test_a_team_in_two_cases_is_one_team_of_five(tmp_path: Path, pclock,
                                                        database_url: str) -> None:
    async with closed_poll(tmp_path, pclock, database_url) as (bot, chat, settings):
        # The GM's chat: East of five, named as the file first writes it, once.
        for typed in ("East", "east", "EAST"):
            await say(bot, "grace", f"/pulse results team {typed}")
            text = chat.last("grace")
            assert "Morale: 3.2 (5 answers)" in text, text
            assert "EAST" not in text, text
        await say(bot, "grace", "/pulse results")
        text = chat.last("grace")
        assert "EAST" not in text, text
        # The operator's CLI export: the same team, one name.
        code, out = run_cli(settings, "pulse", "results", "--team", "east", "--format",
                            "json")
        assert code == 0, out
        found = json.loads(out)
        stats = {q["key"]: q["stats"] for q in found["questions"]}
        assert stats["morale"] is not None and stats["morale"]["n"] == 5, out
        assert found["asked"] == 5, out
        assert "EAST" not in out, out
        code, out = run_cli(settings, "pulse", "results", "--format", "json")
        assert code == 0, out
        assert "EAST" not in out, out
        # The GM's /summary of the poll's week: East's morale, under the file's first
        # spelling.
        pclock.set(datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
        for typed in ("/summary", "/summary team east", "/summary team EAST"):
            await say(bot, "grace", typed)
            text = chat.last("grace")
            assert "team East" in text, (typed, text)
            assert ("East (E4 Person): 3.2 / 5" if "team" in typed else "morale 3.2 / 5") \
                in text, (typed, text)
            assert "EAST" not in text.replace(typed, ""), (typed, text)
        # The week's digests: the GM's, and East's director's (written `EAST`).
        with bot.unit() as ctx:
            for reader, morale in (("grace", "morale 3.2 / 5"),
                                   # e4 knows their own answer: East's five are hidden to them.
                                   ("e4", "East (E4 Person): hidden")):
                text = build_digest(ctx, ctx.people.by_key(reader), "2026-W50", "plain").text
                assert "EAST" not in text, (reader, text)
                assert morale in text, (reader, text)
        # The summary's team morale (by each director's team as the org file names it).
        with bot.unit() as ctx:
            morale = team_morale(ctx.session, ["East", "West"], date(2026, 12, 1),
                                 threshold_now=5)
            # The morale chart (/summary chart morale): East's line, once, as East.
            for team in (None, "east"):
                series, hidden, _ = morale_series(ctx.session, ["2026-W50"], team, 5,
                                                  spelled=team_spellings(bot.org))
                assert series["East"]["morale"] == {"2026-W50": pytest.approx(3.2)}, series
                assert "EAST" not in series and not hidden, (series, hidden)
        assert morale == {"East": pytest.approx(3.2), "West": pytest.approx(1.0)}


async def test_the_cli_reads_a_team_name_as_the_chat_does(tmp_path: Path, pclock,
                                                           database_url: str) -> None:
    """The GM reads East typing `/pulse results team  East ` or, from a Chinese input
    method, full-width `ＥＡＳＴ`; the operator's `teampulse pulse results --team " East "`
    (pasted, or quoted from a script) or `--team ＥＡＳＴ` was refused: "no team called
    ' East '". The CLI reads a team name as the chat does."""
    async with closed_poll(tmp_path, pclock, database_url) as (bot, chat, settings):
        for typed in (" East ", "ＥＡＳＴ"):
            await say(bot, "grace", f"/pulse results team {typed}")
            assert "Morale: 3.2 (5 answers)" in chat.last("grace"), chat.last("grace")
        code, want = run_cli(settings, "pulse", "results", "--team", "East", "--format",
                             "json")
        assert code == 0 and json.loads(want)["team"] == "East", want
        for typed in (" East ", "ＥＡＳＴ", "\tｅａｓｔ "):
            code, out = run_cli(settings, "pulse", "results", "--team", typed, "--format",
                                "json")
            assert (code, out) == (0, want), (typed, out)
        code, out = run_cli(settings, "pulse", "results", "--team", "North")
        assert (code, out) == (2, "")  # refused still (on stderr)


async def test_east_of_five_beside_a_west_of_three_is_hidden_as_one(
        tmp_path: Path, pclock, database_url: str) -> None:
    """East of five (3 `East`, 2 `EAST`) beside a West of three: East's figure, taken from
    the org's, would give West's three away, so East is hidden; neither spelling is shown
    as a group of its own (EAST's two, East's three) anywhere."""
    people = [*PEOPLE[:5], *[(f"w{i}", "West", 1) for i in range(1, 4)]]
    async with closed_poll(tmp_path, pclock, database_url, people) as (bot, chat, settings):
        await say(bot, "grace", "/pulse results")
        text = chat.last("grace")
        assert "Morale: 2.4 (8 answers)" in text, text  # the org's, all eight
        for typed in ("East", "EAST"):
            await say(bot, "grace", f"/pulse results team {typed}")
            text = chat.last("grace")
            assert "team East" in text and "Morale: hidden" in text, text
            assert "EAST" not in text.replace(f"team {typed}\n", ""), text
        code, out = run_cli(settings, "pulse", "results", "--format", "json")
        assert code == 0, out
        assert "EAST" not in out and '"East"' not in out, out
        code, out = run_cli(settings, "pulse", "results", "--team", "EAST", "--format",
                            "json")
        assert code == 0, out
        found = json.loads(out)
        assert {q["key"]: q["stats"] for q in found["questions"]}["morale"] is None, out
        with bot.unit() as ctx:
            morale = team_morale(ctx.session, ["EAST", "East", "West"], date(2026, 12, 1),
                                 threshold_now=5)
        assert morale == {"EAST": None, "East": None, "West": None}


async def test_a_poll_stored_under_both_spellings_reads_as_one_team(
        tmp_path: Path, pclock, database_url: str) -> None:
    """A poll closed before this fix kept East's five `East` and five `EAST` apart (each
    big enough to be kept, and shown, on its own): read today, it is one East of ten,
    with no migration of what is stored."""
    people = [*[(f"e{i}", "East", 4) for i in range(1, 6)],
              *[(f"e{i}", "EAST", 2) for i in range(6, 11)],
              *[(f"w{i}", "West", 1) for i in range(1, 6)]]
    async with closed_poll(tmp_path, pclock, database_url, people) as (bot, chat, settings):
        # As the poll was stored before: EAST's people, answers and decision apart.
        with bot.unit() as ctx:
            assert ctx.session.scalars(select(PulsePoll)).one().teams == ["East", "West"]
            stored_as_before(ctx, [f"e{i}" for i in range(6, 11)], 2)
        await say(bot, "grace", "/pulse results team East")
        text = chat.last("grace")
        assert "Morale: 3.0 (10 answers)" in text, text
        assert "10 of 10" in text, text
        await say(bot, "grace", "/pulse results")
        assert "EAST" not in chat.last("grace"), chat.last("grace")
        code, out = run_cli(settings, "pulse", "results", "--team", "east", "--format",
                            "json")
        assert code == 0, out
        found = json.loads(out)
        assert {q["key"]: q["stats"] for q in found["questions"]}["morale"]["n"] == 10, out
        assert "EAST" not in out, out
        with bot.unit() as ctx:
            morale = team_morale(ctx.session, ["East", "West"], date(2026, 12, 1),
                                 threshold_now=5)
        assert morale == {"East": pytest.approx(3.0), "West": pytest.approx(1.0)}
        # Had its close hidden EAST's morale, East's ten less East's five (read then)
        # would give it away: East's morale stays hidden, as one.
        with bot.unit() as ctx:
            hidden_at_close(ctx, "morale", "EAST")
        await say(bot, "grace", "/pulse results team East")
        text = chat.last("grace")
        assert "Morale: hidden" in text and "Stress: 3.0 (10 answers)" in text, text
        with bot.unit() as ctx:
            morale = team_morale(ctx.session, ["East", "West"], date(2026, 12, 1),
                                 threshold_now=5)
        assert morale == {"East": None, "West": pytest.approx(1.0)}


def hidden_at_close(ctx: Any, question: str, team: str) -> None:
    """Rewrite the poll's kept decision as if its close had hidden `team`'s `question`."""
    poll = ctx.session.scalars(select(PulsePoll)).one()
    shown = copy.deepcopy(poll.shown)
    shown["questions"][question]["teams"].remove(team)
    poll.shown = shown


def stored_as_before(ctx: Any, keys: list[str], morale: int) -> PulsePoll:
    """Rewrite the one closed poll as a poll closed before one team was kept under one
    spelling: `keys` (who answered morale `morale`, stress 3) asked, answered and shown
    as `EAST`, apart from East's others. The poll."""
    poll = ctx.session.scalars(select(PulsePoll)).one()
    poll.teams = sorted({"EAST", *poll.teams})
    ids = [ctx.people.by_key(key).id for key in keys]
    ctx.session.execute(update(PulseParticipant).where(
        PulseParticipant.poll_id == poll.id,
        PulseParticipant.person_id.in_(ids)).values(team="EAST"))
    for question, value in (("morale", morale), ("stress", 3)):
        votes = list(ctx.session.scalars(select(PulseVote.id).where(
            PulseVote.poll_id == poll.id, PulseVote.question_key == question,
            PulseVote.team == "East", PulseVote.value == value).limit(len(keys))))
        ctx.session.execute(update(PulseVote).where(PulseVote.id.in_(votes))
                            .values(team="EAST"))
    shown = copy.deepcopy(poll.shown)
    for part in [*shown["questions"].values(), shown["asked"]]:
        part["teams"] = sorted([*part["teams"], "EAST"])
    poll.shown = shown
    return poll


async def test_a_director_written_east_knows_their_answer_in_an_old_polls_east(
        tmp_path: Path, pclock, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll closed before kept East's five `East` and five `EAST` (its director e4 among
    them) apart; the org's threshold is 10 since. Read today, that poll's East is one
    team of exactly ten answers, one of them e4's: e4 would take theirs out and read the
    other nine's. Their alert of the next poll compared with it all the same ('Morale fell
    to 1.0, from a recent average of 3.0'): e4, asked as `EAST`, was not taken for one
    of East's. Now the morale alert, which only that poll's East could ground, is not
    theirs; the GM's is, and e4 still hears of East's stress."""
    people = [*[(k, "East", 4) for k in ("e1", "e2", "e3", "e5", "e6")],
              *[(k, "EAST", 2) for k in ("e4", "e7", "e8", "e9", "e10")],
              *[(f"w{i}", "West", 3) for i in range(1, 11)]]
    async with closed_poll(tmp_path, pclock, database_url, people) as (bot, _, _):
        with bot.unit() as ctx:
            stored_as_before(ctx, ["e4", "e7", "e8", "e9", "e10"], 2)
        # Since: the threshold is 10, and e11 joins East.
        later = tmp_path / "later.yaml"
        later.write_text(org_text([*people, ("e11", "East", 1)]).replace(
            "threshold: 5", "threshold: 10"), encoding="utf-8")
        pclock.set(POLL_DAY + timedelta(days=14))
        now, engine = prepare(Settings(database_url=database_url, org_file=later), pclock)
        chat = RecordingAdapter()
        now.register(chat)
        try:
            await now.run_pulse()
            for key, _, _ in [*people, ("e11", "East", 1)]:
                await answer_all(now, chat, key, 1, 4)
            await close(now, pclock)
            await now.drain()
            alerts = [(s.target.address, s.text) for s in chat.sent
                      if "Pulse alert" in s.text]
            grace = [t for a, t in alerts if a == "grace" and "team East" in t]
            assert any("Morale fell to 1.0, from a recent average of 3.0" in t
                       for t in grace), alerts
            mine = [t for a, t in alerts if a == "e4"]
            assert any("Stress is 4.0" in t for t in mine), alerts
            assert not any("Morale fell" in t for t in mine), mine
            # Their morale chart of their own team, as their alert: that poll's East of
            # ten (one e4's) is not drawn for them; the GM's chart draws it.
            from tests.test_charts import charts_drawn

            drawn = charts_drawn(monkeypatch)
            await say(now, "grace", "/summary chart morale team East")
            data = drawn[-1]
            east = {line.label: line.values for line in data.lines}["East"]
            assert east[data.weeks.index("2026-W50")] == pytest.approx(3.0), east
            await say(now, "e4", "/summary chart morale team East")
            data = drawn[-1]
            east = {line.label: line.values for line in data.lines}.get("East") or []
            assert not any(east), (data.lines, data.note)
            assert "East" in (data.note or ""), data.note
            # Their team, as the org file first writes it (the chart was of "team EAST").
            assert "team East" in data.title, data.title
            assert "EAST" not in chat.last("e4"), chat.last("e4")
        finally:
            await now.drain()
            engine.dispose()


async def test_the_morale_chart_of_an_old_poll_draws_east_as_one_team(
        tmp_path: Path, pclock, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll kept before, East's five `East` (4) apart from its five `EAST` (2): the
    GM's morale chart drew East at 4.0, `East`'s half alone (EAST's part in no line).
    Now East's ten, 3.0, as /pulse results reads it; and with EAST's morale hidden at
    the close, East's is hidden as one (the ten less the five read then would give it)."""
    from tests.test_charts import charts_drawn

    drawn = charts_drawn(monkeypatch)
    people = [*[(f"e{i}", "East", 4) for i in range(1, 6)],
              *[(f"e{i}", "EAST", 2) for i in range(6, 11)],
              *[(f"w{i}", "West", 1) for i in range(1, 6)]]
    async with closed_poll(tmp_path, pclock, database_url, people) as (bot, _, _):
        with bot.unit() as ctx:
            stored_as_before(ctx, [f"e{i}" for i in range(6, 11)], 2)
        pclock.set(datetime(2026, 12, 14, 15, 0, tzinfo=UTC))  # Monday of 2026-W51

        def lines() -> dict[str, dict[str, list[float | None]]]:
            data = drawn[-1]
            w50 = data.weeks.index("2026-W50")
            return {kind: {line.label: line.values[w50] for line in found}
                    for kind, found in (("morale", data.lines), ("stress", data.stress))}

        for typed in ("/summary chart morale", "/summary chart morale team East"):
            await say(bot, "grace", typed)
            assert lines()["morale"]["East"] == pytest.approx(3.0), (typed, lines())
            assert "EAST" not in lines()["morale"], (typed, lines())
        with bot.unit() as ctx:
            hidden_at_close(ctx, "morale", "EAST")
        await say(bot, "grace", "/summary chart morale team East")
        assert "East" not in lines()["morale"], lines()
        assert lines()["stress"]["East"] == pytest.approx(3.0), lines()
        assert "East" in (drawn[-1].note or ""), drawn[-1].note


def test_the_spellings_are_read_once_per_org_file_load(tmp_path: Path) -> None:
    """team_spellings walked all the org file's people at every call (several a /summary,
    one per person a poll asks: quadratic at 10,000 people): read once per load of the
    file, and afresh at the next (an edit that writes the team `EAST` first names it so).
    What it hands out is read-only, so no caller can change another's names."""
    from bot.org import load_org

    path = tmp_path / "org.yaml"
    path.write_text(org_text(), encoding="utf-8")
    org = load_org(path)
    walks = 0

    class Counted(tuple):  # type: ignore[type-arg]  # the people, counting each walk
        def __iter__(self):  # type: ignore[no-untyped-def]
            nonlocal walks
            walks += 1
            return super().__iter__()

    object.__setattr__(org, "people", Counted(org.people))
    first = team_spellings(org)
    for _ in range(3):
        assert team_spellings(org) is first
    assert walks <= 1, walks
    assert first["east"] == "East"
    with pytest.raises(TypeError):
        first["east"] = "EAST"  # type: ignore[index]
    # The file edited: EAST's people first. The reload's Org names the team `EAST`.
    path.write_text(org_text([*PEOPLE[3:5], *PEOPLE[:3], *PEOPLE[5:]]), encoding="utf-8")
    assert team_spellings(load_org(path))["east"] == "EAST"
