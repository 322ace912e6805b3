"""Which slices of a closed poll's results are shown is decided once, when it closes, and
kept: a later read shows those slices or fewer, never others. The rule that decides them
counts the poll's readers (the GM, summary viewers), who know their own answers; decided
again at each read with the readers of that day, a reader added after the close moved the
shown teams, and two reads together gave away a team too small to be shown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import prepare
from bot.charts import morale_series
from bot.clock import FakeClock
from bot.config import Settings
from bot.org import parse_org
from handlers.pulse import team_morale
from storage.pulse import PulsePoll
from tests.support import RecordingAdapter, run_cli, say
from tests.test_pulse import POLL_DAY, answer_all, close

TEAMS = {"Alpha": 5, "Bravo": 5, "Cobalt": 3}


def _person(key: str, role: str, team: str | None) -> str:
    return (f"  - key: {key}\n    name: {key.capitalize()} Person\n    role: {role}\n"
            + (f"    team: {team}\n" if team else "")
            + "    timezone: America/New_York\n    locale: en\n    checks_in: false\n")


def org_text(viewers: list[str]) -> str:
    """Alpha and Bravo of 5 people, Cobalt of 3, asked alone (threshold 5); the GM is not
    asked. `viewers`: the summary viewers."""
    people = [_person("grace", "gm", None)]
    for team, size in TEAMS.items():
        people += [_person(f"{team[0].lower()}{i}", "member", team) for i in range(1, size + 1)]
    return ("org:\n  name: Shown Test\n  summary_viewers: [" + ", ".join(viewers) + "]\n"
            "pulse:\n  threshold: 5\n  audience: {teams: [Alpha, Bravo, Cobalt]}\n"
            "people:\n" + "".join(people))


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


async def _gm_reads(bot, chat, settings: Settings) -> dict[str, str]:
    """What the GM reads of each team: chat, the CLI's JSON (answers and participation),
    the summary's team morale and the morale chart ('shown' or 'hidden')."""
    out: dict[str, str] = {}
    for team in TEAMS:
        await say(bot, "grace", f"/pulse results team {team}")
        out[f"chat {team}"] = "shown" if "Morale: 4.0 (5 answers)" in chat.last("grace") or \
            "Morale: 2.0 (5 answers)" in chat.last("grace") else "hidden"
        code, text = run_cli(settings, "pulse", "results", "--team", team, "--format", "json")
        assert code == 0, text
        stats = {q["key"]: q["stats"] for q in json.loads(text)["questions"]}
        out[f"cli {team}"] = "hidden" if stats["morale"] is None else "shown"
        out[f"cli asked {team}"] = "hidden" if json.loads(text)["asked"] is None else "shown"
    with bot.unit() as ctx:
        morale = team_morale(ctx.session, sorted(TEAMS), date(2026, 12, 1),
                             threshold_now=5)
        for team in TEAMS:
            out[f"summary {team}"] = "hidden" if morale[team] is None else "shown"
            series, _, _ = morale_series(ctx.session, ["2026-W50"], team, 5)
            out[f"chart {team}"] = "shown" if team in series else "hidden"
    return out


def _shown(read: dict[str, str]) -> set[str]:
    return {k for k, v in read.items() if v == "shown"}


async def _poll_then_a_bravo_viewer(tmp_path: Path, pclock, database_url: str, *,
                                    before_upgrade: bool = False
                                    ) -> tuple[dict[str, str], dict[str, str]]:
    """The poll goes out, everyone answers (Alpha morale 4, Bravo 2, Cobalt 1), it closes;
    the GM reads it; b1, of Bravo, becomes a summary viewer; the GM reads it again.
    `before_upgrade`: the poll closed before its shown slices were kept."""
    org_file = tmp_path / "org.yaml"
    org_file.write_text(org_text([]), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=org_file)
    bot, engine = prepare(settings, pclock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        for team, size in TEAMS.items():
            morale = {"Alpha": 4, "Bravo": 2, "Cobalt": 1}[team]
            for i in range(1, size + 1):
                await answer_all(bot, chat, f"{team[0].lower()}{i}", morale, 3)
        await close(bot, pclock)
        if before_upgrade:
            with bot.unit() as ctx:
                for poll in ctx.session.scalars(select(PulsePoll)):
                    poll.shown = None
            bot.sync_org(backfill=True)  # the bot's first start after the upgrade
        first = await _gm_reads(bot, chat, settings)
        org_file.write_text(org_text(["b1"]), encoding="utf-8")
        bot.org = parse_org(org_file.read_text(encoding="utf-8"))
        with bot.unit() as ctx:
            ctx.people.sync(bot.org.people)
        second = await _gm_reads(bot, chat, settings)
        # Then a1 is erased (who left, say): no other slice either.
        org_file.write_text(org_text(["b1"]).replace(_person("a1", "member", "Alpha"), ""),
                            encoding="utf-8")
        code, out = run_cli(settings, "erase", "a1", "--yes")
        assert code == 0, out
        third = await _gm_reads(bot, chat, settings)
        assert _shown(third) <= _shown(first), sorted(_shown(third) - _shown(first))
        return first, second
    finally:
        await bot.drain()
        engine.dispose()


async def test_a_viewer_added_after_the_close_shows_no_other_team(tmp_path, pclock,
                                                                  database_url):
    """Alpha 5, Bravo 5, Cobalt 3 (never a slice). The GM reads the org and Bravo (Alpha
    hidden: beside both, the org gave Cobalt's three away). Then b1, of Bravo, becomes a
    summary viewer: Bravo, holding a reader's answer, needed one more, and Alpha was shown
    instead — the org less Alpha and Bravo: Cobalt's three answers. Now Alpha stays hidden
    everywhere (chat, the CLI, the summary's team morale, the chart); Bravo may go."""
    first, second = await _poll_then_a_bravo_viewer(tmp_path, pclock, database_url)
    assert first["chat Bravo"] == "shown" and first["chat Alpha"] == "hidden"
    assert _shown(second) <= _shown(first), sorted(_shown(second) - _shown(first))
    assert {k for k in first if "Alpha" in k or "Cobalt" in k} & _shown(second) == set()


async def test_a_poll_closed_before_the_upgrade_is_decided_at_the_bots_first_start(
        tmp_path, pclock, database_url):
    """A poll closed before its slices were kept has them decided at the bot's first start
    after the upgrade (the readers of then: the best that is known), and kept from there."""
    first, second = await _poll_then_a_bravo_viewer(tmp_path, pclock, database_url,
                                                    before_upgrade=True)
    assert first["chat Bravo"] == "shown"
    assert _shown(second) <= _shown(first), sorted(_shown(second) - _shown(first))
