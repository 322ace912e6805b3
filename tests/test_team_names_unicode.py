"""A team whose name is not plain ASCII, written two ways in the org file (`team: Straße`
for three people, `team: STRASSE` for two): one team of five wherever the bot compares
team names, by one rule (bot.team_names.team_key: Python's casefold, as team_spellings
groups them). `lower()` (Python's or SQL's) reads `Straße` as `straße` and `STRASSE` as
`strasse`: two teams, so the summary's team filter lost STRASSE's two, and a director
written `STRASSE` was not taken for one of Straße's, so their own team's morale figure
was shown to them where it held their answer. SQLite's lower() leaves `ΑΘΉΝΑ` as it is
(ASCII letters only): the same for a Greek team there. (And with check-ins sent, the
summary's morale line named the team as the director's round wrote it, `EAST`.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from handlers.digest import build_digest
from tests.support import say
from tests.test_pulse import POLL_DAY
from tests.test_pulse_team_case import closed_poll

#: A team's first spelling in the org file and its other one.
SPELLINGS = [("Straße", "STRASSE"), ("Αθήνα", "ΑΘΉΝΑ"), ("East", "EAST")]


def people(first: str, other: str) -> list[tuple[str, str, int]]:
    """(key, team as written, morale answered): e4, written `other`, directs the team."""
    return [("e1", first, 4), ("e2", first, 4), ("e3", first, 4),
            ("e4", other, 2), ("e5", other, 2),
            *[(f"w{i}", "West", 1) for i in range(1, 6)]]


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


@pytest.mark.parametrize(("first", "other"), SPELLINGS)
async def test_the_gm_reads_a_team_of_five_by_either_spelling(
        tmp_path: Path, pclock, database_url: str, first: str, other: str) -> None:
    async with closed_poll(tmp_path, pclock, database_url, people(first, other), first,
                           checks_in=True) as (bot, chat, _):
        await bot.run_checkins()  # the poll's week's check-ins go out (nobody answers)
        pclock.set(datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
        for typed in (first, other, other.casefold()):
            await say(bot, "grace", f"/summary team {typed}")
            text = chat.last("grace")
            # All five of the team, under the file's first spelling, its morale of five.
            for key in ("E1", "E2", "E3", "E4", "E5"):
                assert f"{key} Person" in text, (typed, text)
            assert "W1 Person" not in text, (typed, text)
            assert f"{first} (E4 Person): 3.2 / 5" in text, (typed, text)
            assert other not in text.replace(f"team {typed}", ""), (typed, text)


@pytest.mark.parametrize(("first", "other"), SPELLINGS)
async def test_a_director_written_the_other_way_knows_their_own_answer(
        tmp_path: Path, pclock, database_url: str, first: str, other: str) -> None:
    """e4 (`STRASSE`) answered in Straße's five: their team's figure needs a sixth answer
    before it is shown to them (they would take theirs out and read the other four's)."""
    async with closed_poll(tmp_path, pclock, database_url, people(first, other),
                           first) as (bot, chat, _):
        pclock.set(datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
        with bot.unit() as ctx:
            for reader, morale in (("grace", "morale 3.2 / 5"),
                                   ("e4", f"{first} (E4 Person): hidden")):
                text = build_digest(ctx, ctx.people.by_key(reader), "2026-W50", "plain").text
                assert morale in text, (reader, text)
                assert other not in text, (reader, text)
        await say(bot, "e4", "/summary")
        text = chat.last("e4")
        assert f"{first} (E4 Person): hidden" in text, text
        assert "3.2" not in text, text
