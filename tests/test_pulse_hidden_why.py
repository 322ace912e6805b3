"""Why a team's pulse figure is hidden is told alike wherever the GM reads it: `/pulse
results team East`, the summaries (chat and JSON) and `teampulse pulse results` JSON all
take it from one function (handlers/pulse.py why_hidden)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.org import parse_org
from tests.support import run_cli, say
from tests.test_pulse import POLL_DAY, answer_all, close
from tests.test_pulse_anon_attacks import cli_view, org_bot

APART = "beside the org's results, this team's answers would give away those of the fewer"
APART_SUMMARY = "beside the whole org's figures, it would single out a smaller group"
EITHER_SUMMARY = ("too few answers to stay anonymous, or beside the whole org's figures it "
                  "would single out a smaller group")


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


def _org_is(bot, settings, text: str) -> None:
    """The org file now reads `text`, and the bot follows it (as a reload does)."""
    settings.org_file.write_text(text, encoding="utf-8")
    bot.org = parse_org(text)
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)


async def _exactly_the_threshold_answered(bot, chat, pclock) -> None:
    """East of six (director e6), West of five (director w5): five of East answer, exactly
    the threshold, and three of West. The org's eight are shown, West's three are too few,
    and East's five beside the org's eight would give away West's three: East is hidden
    by subtraction alone (both teams' participation shows)."""
    await bot.run_pulse()
    for key in ("e1", "e2", "e3", "e4", "e5", "w1", "w2", "w3"):
        await answer_all(bot, chat, key, 4, 2)
    await close(bot, pclock)


async def test_pulse_results_and_the_summary_give_one_reason_where_exactly_the_threshold_answered(
        tmp_path, pclock, database_url):
    """/pulse results said "beside the org's results" of East's morale, and the GM's
    `/summary team East` "too few answers, or beside the whole org's figures" of the same
    figure: five of six answered, which East's participation shows is enough. Both now
    say subtraction, and the JSON of both names it so."""
    async with org_bot(tmp_path, pclock, database_url, {"East": 6, "West": 5},
                       directors=("e6", "w5")) as (bot, chat, settings):
        await _exactly_the_threshold_answered(bot, chat, pclock)
        await say(bot, "grace", "/pulse results team East")
        reply = chat.last("grace")
        assert "Participation: 5 of 6 answered." in reply
        assert f"Morale: hidden — {APART}" in reply
        # Stress, which fewer may answer, is told either way (how many went on would show).
        assert "Stress: hidden — fewer than 5 of this team answered this question, or" in reply
        await say(bot, "grace", "/summary team East 2026-W50")
        assert f"East (E6 Person): hidden ({APART_SUMMARY})" in chat.last("grace"), \
            chat.last("grace")
        assert EITHER_SUMMARY not in chat.last("grace")
        view = cli_view(settings, "--team", "East")
        assert {q["key"]: q["hidden_why"] for q in view["questions"]} == {
            "morale": "subtraction", "stress": "either"}
        # West: too few, in each.
        await say(bot, "grace", "/pulse results team West")
        assert "Morale: hidden — fewer than 5 answers in this team." in chat.last("grace")
        assert {q["key"]: q["hidden_why"] for q in cli_view(settings, "--team", "West")[
            "questions"]} == {"morale": "few", "stress": "few"}
        # The org's figures are shown: no reason.
        assert all(q["hidden_why"] is None for q in cli_view(settings)["questions"])
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/pulse results team East")
        assert "士气：已隐藏——与全组织的结果对照，本团队的回答会暴露其余不足 5 人的回答。" in \
            chat.last("grace")
        await say(bot, "grace", "/summary team East 2026-W50")
        assert "不显示（与全组织的结果对照会暴露更小的群体）" in chat.last("grace")


async def test_a_team_hidden_at_the_close_by_a_reader_since_gone_is_told_either_alike(
        tmp_path, pclock, database_url):
    """At the close e6, a summary viewer, was asked in East: East's five answers needed one
    more (she knows whether she answered). Once she is no viewer, today's readers would
    show East's five, but what the close decided stays hidden, and why is not told by
    what is shown now: both views say either reason may hold, never subtraction alone."""
    async with org_bot(tmp_path, pclock, database_url, {"East": 6, "West": 6},
                       directors=("e6", "w6")) as (bot, chat, settings):
        text = settings.org_file.read_text(encoding="utf-8")
        _org_is(bot, settings, text.replace("  name: Attack Test\n",
                                            "  name: Attack Test\n  summary_viewers: [e6]\n"))
        await bot.run_pulse()
        for key in ("e1", "e2", "e3", "e4", "e5", *(f"w{i}" for i in range(1, 7))):
            await answer_all(bot, chat, key, 4, 2)
        await close(bot, pclock)
        _org_is(bot, settings, text)  # e6 is no summary viewer any more
        view = cli_view(settings, "--team", "East")
        assert view["needed"] == 5 and view["answered"] == 5, view
        assert view["questions"][0]["hidden_why"] == "either"
        await say(bot, "grace", "/pulse results team East")
        assert ("Morale: hidden — too few of this team answered to stay anonymous, or, "
                "beside the org's results") in chat.last("grace")
        await say(bot, "grace", "/summary team East 2026-W50")
        assert f"East (E6 Person): hidden ({EITHER_SUMMARY})" in chat.last("grace")
        code, out = run_cli(settings, "summary", "--team", "East", "--week", "2026-W50",
                            "--format", "json")
        assert code == 0, out
        json.loads(out)


async def test_the_summary_json_says_why_a_teams_pulse_is_hidden(tmp_path, pclock,
                                                                 database_url, monkeypatch):
    """`teampulse summary --format json` gave a hidden team's morale as null, and its pulse
    as "hidden", with no reason: a tool reading it could not tell the GM what the chat
    says. Each now carries the chat's reason (few, subtraction, either), and validates
    against docs/schema/summary.schema.json."""
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "docs/schema/summary.schema.json")
                        .read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    async with org_bot(tmp_path, pclock, database_url, {"East": 6, "West": 5},
                       directors=("e6", "w5")) as (bot, chat, settings):
        await _exactly_the_threshold_answered(bot, chat, pclock)
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: pclock.now())

        def summary(*args: str) -> dict:
            code, out = run_cli(settings, "summary", "--format", "json", "--week",
                                "2026-W50", *args)
            assert code == 0, out
            data = json.loads(out)
            validator.validate(data)
            return data  # type: ignore[no-any-return]

        gm = {d["key"]: d["team_management"] for d in summary()["directors"]}
        # The GM's chat reads East's "morale and stress hidden (too few answers ..., or
        # beside ...)": stress, which fewer may answer, does not tell which.
        await say(bot, "grace", "/summary 2026-W50")
        assert "morale and stress hidden (too few answers to stay anonymous, or beside" in \
            chat.last("grace")
        assert (gm["e6"]["pulse"], gm["e6"]["pulse_hidden_why"]) == ("hidden", "either")
        assert (gm["w5"]["pulse"], gm["w5"]["pulse_hidden_why"]) == ("hidden", "few")
        [east] = summary("--team", "East")["weeks"][-1]["morale"]
        assert (east["morale"], east["hidden_why"]) == (None, "subtraction")
        [west] = summary("--team", "West")["weeks"][-1]["morale"]
        assert (west["morale"], west["hidden_why"]) == (None, "few")
