"""A past week without a check-in round names the person's team as it was then, in every
view: the GM's, a team's, a person's history and the command line's exports.

Bruno led Europe and checked in in 2026-W48; no check-in went out in W49; then the org
file moved him to East. The GM's view of W49 already placed him in Europe (the team last
recorded for him by then), but his own history and Europe's exports read today's org
file: "East" for a week he spent in Europe, so the same week read two ways.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from tests.support import bot_on_org, run_cli
from tests.test_checkin import answer_all
from tests.test_summary_truth import BRUNO_ANSWERS, _with_roles


async def _moved_after_a_week_not_sent(bot, clock, tmp_path, monkeypatch):
    """W48 answered in Europe, W49 not sent, then moved to East; read in W51 (the command
    line reads the same clock)."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await bot.run_checkins()
    await answer_all(bot, "bruno", BRUNO_ANSWERS)
    clock.advance(timedelta(days=21))
    return _with_roles(tmp_path, {"bruno": {"team": "East"}}, "moved.yaml")


def _json(settings, *args: str) -> dict:
    code, raw = run_cli(settings, "summary", "--format", "json", *args)
    assert code == 0, raw
    return json.loads(raw)


async def test_a_persons_week_without_a_check_in_names_the_team_they_were_in_then(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    org = await _moved_after_a_week_not_sent(bot, clock, tmp_path, monkeypatch)
    with bot_on_org(settings, clock, org) as (_later, _chat, moved):
        history = _json(moved, "--person", "bruno", "--week", "2026-W49", "--weeks", "2")
        rows = {w["week"]: w["people"][0] for w in history["weeks"]}
        assert (rows["2026-W48"]["status"], rows["2026-W48"]["team"]) == ("submitted", "Europe")
        assert (rows["2026-W49"]["status"], rows["2026-W49"]["team"]) == ("not_sent", "Europe")
        # The GM's view of that week says the same.
        gm = _json(moved, "--week", "2026-W49")
        assert {d["key"]: d["team"] for d in gm["directors"]}["bruno"] == "Europe"
        # This week is today's org file's: East.
        now = _json(moved, "--person", "bruno", "--week", "this", "--weeks", "1")
        assert now["weeks"][-1]["people"][0]["team"] == "East"


async def test_a_teams_export_of_a_past_week_names_the_team_of_then(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    org = await _moved_after_a_week_not_sent(bot, clock, tmp_path, monkeypatch)
    with bot_on_org(settings, clock, org) as (_later, _chat, moved):
        # Europe's W49 lists him (he was in Europe then), and says so in its team column.
        code, raw = run_cli(moved, "summary", "--format", "csv", "--team", "Europe",
                            "--week", "2026-W49", "--weeks", "2")
        assert code == 0, raw
        teams = {(row["week"], row["person"]): row["team"]
                 for row in csv.DictReader(io.StringIO(raw.lstrip("\ufeff")))}
        assert teams[("2026-W48", "bruno")] == "Europe"
        assert teams[("2026-W49", "bruno")] == "Europe"
        europe = _json(moved, "--team", "Europe", "--week", "2026-W49", "--weeks", "2")
        assert {p["key"]: p["team"] for p in europe["weeks"][-1]["people"]}["bruno"] == "Europe"
        # East's W49 does not list him.
        east = _json(moved, "--team", "East", "--week", "2026-W49")
        assert "bruno" not in [p["key"] for p in east["weeks"][-1]["people"]]
