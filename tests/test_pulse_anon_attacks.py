"""A curious GM (or director, or operator) attacks the pulse poll's anonymity from the chat
and the CLI: by differencing (the org less a team, two teams less one, a poll read again
after one more answer, a month's morale less a week's), in small groups (a member who left
after answering, a team filter spelt otherwise), and by timing and metadata (a reply that
moves while someone is in the middle of the poll, a person's data export or erasure). Each
test is one attack, and proves it fails (README: *Your answers are anonymous — what that
means*). Attacks older tests prove are not repeated here: the org less one team
(test_pulse: a team revealed by subtraction, a small team's participation), an open poll's
chat and CLI results (test_pulse: nothing that moves), a member moved mid-poll, a team
kept but asked of too few, a reader who answered too, a reader added after the close
(test_pulse_shown_at_close), a team in two letter cases (test_pulse_team_case), and the
database, logs and outbox (test_pulse: nothing links a person to a value, and the
PostgreSQL `xmin` pairing)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.org import parse_org, team_spellings
from handlers.pulse import team_morale, visible_slices
from handlers.summary_gm import team_pulse
from storage.pulse import PulseVote
from tests.support import RecordingAdapter, run_cli, say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_checkin import answer_all as answer_checkin
from tests.test_pulse import (
    EAST,
    POLL_DAY,
    PREVIOUS_POLL_DAY,
    PULSE_ORG,
    WEST,
    answer_all,
    close,
    press,
)

BRUNO = ["41000", "Won Globex", "No blockers", "1", "Call 3", "3"]
THRESHOLD = 5


async def first_poll_in_full(bot, chat, pclock) -> None:
    """The poll before: all six of East (morale 4, stress 2) and of West (3, 3) answer;
    then it closes."""
    pclock.set(PREVIOUS_POLL_DAY)
    await bot.run_pulse()
    for i in range(1, 7):
        await answer_all(bot, chat, f"e{i}", 4, 2)
        await answer_all(bot, chat, f"w{i}", 3, 3)
    await close(bot, pclock)


def _person(key: str, role: str, team: str | None) -> str:
    return (f"  - key: {key}\n    name: {key.capitalize()} Person\n    role: {role}\n"
            + (f"    team: {team}\n" if team else "")
            + "    timezone: America/New_York\n    locale: en\n    checks_in: false\n")


def org_text(teams: dict[str, int], leave: tuple[str, ...] = (),
             directors: tuple[str, ...] = ()) -> str:
    """Teams of these sizes (people `<team initial><n>`, e.g. `a1`), threshold 5, the GM
    not asked (no reader is asked: the groups are exactly as large as they look);
    `leave`: keys taken out of the file; `directors`: keys that are their team's director
    (else members)."""
    people = [_person("grace", "gm", None)]
    for team, size in teams.items():
        people += [_person(key, "director" if key in directors else "member", team)
                   for key in (f"{team[0].lower()}{i}" for i in range(1, size + 1))
                   if key not in leave]
    return ("org:\n  name: Attack Test\n"
            f"pulse:\n  threshold: {THRESHOLD}\n  audience: {{teams: [{', '.join(teams)}]}}\n"
            "people:\n" + "".join(people))


@pytest.fixture
def pclock() -> FakeClock:
    return FakeClock(POLL_DAY)


@asynccontextmanager
async def org_bot(tmp_path: Path, clock: FakeClock, database_url: str, teams: dict[str, int],
                  directors: tuple[str, ...] = ()
                  ) -> AsyncIterator[tuple[TeamPulse, RecordingAdapter, Settings]]:
    org_file = tmp_path / "org.yaml"
    org_file.write_text(org_text(teams, directors=directors), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=org_file)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        yield bot, chat, settings
    finally:
        await bot.drain()
        engine.dispose()


def cli_view(settings: Settings, *args: str) -> dict[str, Any]:
    code, out = run_cli(settings, "pulse", "results", "--format", "json", *args)
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def answers(view: dict[str, Any]) -> dict[str, int | None]:
    """Per question, how many answers the view shows (None: hidden)."""
    return {q["key"]: q["stats"]["n"] if q["stats"] else None for q in view["questions"]}


# --- differencing -----------------------------------------------------------------------------

async def test_no_sum_or_difference_of_what_is_shown_singles_out_a_small_group(
        tmp_path, pclock, database_url):
    """Alpha, Bravo and Cobalt of five, Delta of three (never kept as a team): everyone
    answers. The GM reads the org and every team, in chat and the CLI, and adds and takes
    away what she read (the org less Bravo; Bravo and Cobalt less the org; ...): every
    group those reads tell apart is either nobody or at least the threshold. Had all three
    teams shown, the org less the three was Delta's three answers."""
    teams = {"Alpha": 5, "Bravo": 5, "Cobalt": 5, "Delta": 3}
    morale = {"Alpha": 4, "Bravo": 3, "Cobalt": 2, "Delta": 1}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        for team, size in teams.items():
            for i in range(1, size + 1):
                await answer_all(bot, chat, f"{team[0].lower()}{i}", morale[team], 3,
                                 f"{team} comment {i}")
        await close(bot, pclock)
        org = cli_view(settings)
        per_team = {t: cli_view(settings, "--team", t) for t in teams}
        for team in teams:
            await say(bot, "grace", f"/pulse results team {team}")
            shown_in_chat = f"Morale: {morale[team]}.0 (" in chat.last("grace")
            assert shown_in_chat == (answers(per_team[team])["morale"] is not None), team
    assert answers(org) == {"morale": 18, "stress": 18}
    assert answers(per_team["Delta"])["morale"] is None
    for question in ("morale", "stress"):
        shown = {t: answers(v)[question] for t, v in per_team.items()
                 if answers(v)[question] is not None}
        assert shown, "a guard: some team is shown"
        # The groups the reads tell apart: each team shown, and the org less all of them.
        rest = answers(org)[question] - sum(shown.values())  # type: ignore[operator]
        for group in [*shown.values(), rest]:
            assert group == 0 or group >= THRESHOLD, (question, shown, rest)
        # Any sum or difference of reads is a union of those groups: never smaller.
        for k in range(1, len(shown) + 1):
            for some in itertools.combinations(shown.values(), k):
                left = answers(org)[question] - sum(some)  # type: ignore[operator]
                assert left == 0 or left >= THRESHOLD
    # The comments of a team are shown with its answers alone: the org's less the shown
    # teams' are at least the rest's (no team's few comments read apart).
    shown_comments = {t: v["comments"] for t, v in per_team.items() if v["comments"]}
    assert set(shown_comments) == {t for t, v in per_team.items()
                                   if answers(v)["morale"] is not None}
    assert not any("Delta" in c for v in shown_comments.values() for c in v)


@pytest.mark.parametrize("sizes", [(3, 3, 3), (5, 4), (5, 5, 2), (6, 5, 5, 1), (7, 2, 5)])
def test_visible_slices_leave_no_small_group_in_any_difference(sizes):
    """The rule itself, over every number of answers per team up to its size and every
    reader placement: each shown team, and the org less all shown teams, is empty or at
    least the threshold (one more where a reader who knows their own answer was asked)."""
    threshold = 3
    teams = [f"t{i}" for i in range(len(sizes))]
    for counts in itertools.product(*[range(n + 1) for n in sizes]):
        for rest in range(0, 4):
            per_team = dict(zip(teams, counts, strict=True))
            total = sum(counts) + rest
            for reader_in in [None, *teams, "nobody"]:
                readers = {} if reader_in == "nobody" else {reader_in: 1}
                org_shown, shown = visible_slices(total, per_team, threshold,
                                                  readers=readers)
                if not org_shown:
                    assert not shown
                    continue
                need = threshold + (reader_in != "nobody")
                assert total >= need
                for team in shown:
                    assert per_team[team] >= threshold + (reader_in == team)
                left = total - sum(per_team[t] for t in shown)
                in_left = reader_in is None or (reader_in in teams and reader_in not in shown)
                assert left == 0 or left >= threshold + in_left, (counts, rest, reader_in)


async def test_a_month_of_team_morale_is_no_sum_a_hidden_poll_can_be_taken_from(
        tmp_path, pclock, database_url):
    """East answered the first poll in full (six) and the next only four times: the next
    poll's East is hidden. A month's team morale pooling both polls' answers (6 x 4 and
    4 x 1: 2.8) less the first poll's (4.0) would give the four away; the month reads the
    mean of what each poll shows, so it is the first poll's 4.0 exactly, in the GM's
    summary, the team's own view, the GM's five questions and the trend."""
    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await first_poll_in_full(bot, chat, pclock)
        pclock.set(POLL_DAY)
        await bot.run_pulse()
        for i in range(1, 5):
            await answer_all(bot, chat, f"e{i}", 1, 5)
        for i in range(1, 7):
            await answer_all(bot, chat, f"w{i}", 3, 3)
        await close(bot, pclock)
        assert answers(cli_view(settings, "--team", "East"))["morale"] is None
        with bot.unit() as ctx:
            week = team_morale(ctx.session, ["East"], date(2026, 12, 7), threshold_now=5)
            month = team_morale(ctx.session, ["East"], date(2026, 11, 16), threshold_now=5)
            own = team_morale(ctx.session, ["East"], date(2026, 11, 16), threshold_now=5,
                              team_view=True)
            five = team_pulse(ctx.session, ["East"], date(2026, 11, 16), date(2026, 12, 13),
                              5, team_spellings(ctx.org))
        assert week == {"East": None}
        assert month == own == {"East": 4.0}
        assert five == {"East": (4.0, 2.0)}
        trend = cli_view(settings, "--team", "East", "--last", "2")["trend"]
        assert [(t["morale"], t["stress"]) for t in trend] == [(4.0, 2.0), (None, None)]


async def test_nothing_read_of_an_open_poll_moves_when_one_more_person_answers(
        tmp_path, pclock, database_url):
    """The views the older test (test_pulse: an open poll shows nothing that moves) does not
    read: the morale chart (everyone's line and each team's), the team morale of the GM's
    summary, a director's own view and the summary's JSON, read before and after east5
    answers an open poll, are the same; once it closes they show it."""
    from bot.charts import chart_data_for

    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    pbot, engine = prepare(settings, pclock)
    pchat = RecordingAdapter()
    pbot.register(pchat)
    try:
        await _open_poll_reads(pbot, pchat, pclock, settings, chart_data_for)
    finally:
        await pbot.drain()
        engine.dispose()


async def _open_poll_reads(pbot: TeamPulse, pchat: RecordingAdapter, pclock: FakeClock,
                           settings: Settings, chart_data_for: Any) -> None:
    await pbot.run_pulse()
    for key in [*EAST[:5], *WEST, "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)

    async def everything() -> list[Any]:
        seen: list[Any] = []
        with pbot.unit() as ctx:
            for team in (None, "East"):
                data = chart_data_for(ctx.session, ctx.org, "morale", "en",
                                      end_week=date(2026, 12, 7), weeks=2, team=team)
                seen.append([(line.label, line.values) for line in data.lines])
            seen.append(team_morale(ctx.session, ["East", "West"], date(2026, 11, 16),
                                    threshold_now=5))
        await say(pbot, "alice", "/summary 2026-W50")
        seen.append(pchat.last("alice"))
        code, out = run_cli(settings, "summary", "--week", "2026-W50", "--format", "json")
        assert code == 0, out
        seen.append({k: v for k, v in json.loads(out).items() if k != "generated_at"})
        return seen

    before = await everything()
    await answer_all(pbot, pchat, "east5", 1, 5)
    assert await everything() == before
    await close(pbot, pclock)
    assert await everything() != before  # (a guard: the closed poll shows)


# --- small groups -----------------------------------------------------------------------------

async def test_a_member_who_left_after_answering_or_was_erased_changes_nothing_shown(
        tmp_path, pclock, database_url):
    """East of exactly five: e5 answers, then leaves (the org file without them) before
    the poll closes, and is erased after. Had leaving or erasure taken them out of the
    poll's participation or answers, East's "5 of 5" turning "4 of 4" (or its answers
    hidden) beside the org's figures would say whether, and what, e5 had answered.
    Everything read before and after is the same, and the team is shown as the five it
    asked."""
    teams = {"East": 5, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        for key in ("e1", "e2", "e3", "e4", "e5", *[f"w{i}" for i in range(1, 7)]):
            await answer_all(bot, chat, key, 2 if key == "e5" else 4, 3)

        def reads() -> list[Any]:
            return [cli_view(settings), cli_view(settings, "--team", "East"),
                    cli_view(settings, "--team", "West")]

        settings.org_file.write_text(org_text(teams, leave=("e5",)), encoding="utf-8")
        bot.org = parse_org(settings.org_file.read_text(encoding="utf-8"))
        with bot.unit() as ctx:
            ctx.people.sync(bot.org.people)
        await close(bot, pclock)
        before = reads()
        assert before[1]["answered"] == 5 and answers(before[1]) == {"morale": 5,
                                                                     "stress": 5}
        code, out = run_cli(settings, "erase", "e5", "--yes")
        assert code == 0, out
        assert reads() == before
        await say(bot, "grace", "/pulse results team East")
        assert "Participation: 5 of 5 answered." in chat.last("grace")


@pytest.mark.parametrize("typed", ["east", "EAST", " East ", "ＥＡＳＴ", "Еast", "East1",
                                   "Eas", "East, West"])
async def test_no_spelling_of_a_team_shows_what_its_name_hides(tmp_path, pclock,
                                                               database_url, typed):
    """East (six) is hidden by subtraction, West being four. Named otherwise (its letters
    in another case, full width, a Cyrillic look-alike `Е`, a typo, two teams at once),
    East is either found as East, hidden, or is no team at all: never a group read apart."""
    teams = {"East": 6, "West": 4}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        for key in [*(f"e{i}" for i in range(1, 7)), *(f"w{i}" for i in range(1, 5))]:
            await answer_all(bot, chat, key, 4 if key[0] == "e" else 1, 3)
        await close(bot, pclock)
        await say(bot, "grace", "/pulse results team East")
        east = chat.last("grace")
        assert "Morale: hidden" in east
        await say(bot, "grace", f"/pulse results team {typed}")
        reply = chat.last("grace")
        assert reply == east or reply.startswith("There is no team called")
        assert "4.0" not in reply and "1.0" not in reply and "6 answers" not in reply
        code, out = run_cli(settings, "pulse", "results", "--team", typed, "--format",
                            "json")
        if code == 0:
            assert answers(json.loads(out)) == {"morale": None, "stress": None}
            assert json.loads(out)["answered"] is None
        else:  # refused (on stderr), nothing shown
            assert "4.0" not in out and "1.0" not in out


# --- timing and metadata ----------------------------------------------------------------------

async def test_the_automatic_check_in_reminder_says_nothing_of_who_is_in_the_poll(
        bot, chat, clock):
    """Friday of a poll week: Alice and Bruno left the week's check-in half done. Alice is
    in the middle of the poll (she answered morale minutes ago) when the automatic
    reminder's sweep comes; Bruno is not. The sweep reminded Bruno and left Alice for a
    later sweep, so the GM's /checkin remind a little later read "Reminded: Alice Martin"
    for her and "Reminded already today: Bruno Rossi" for him: that Alice was answering
    the anonymous poll at the sweep's minute. Now both are reminded alike (Alice without
    the question, which would take her next poll answer), and the replies are the same."""
    clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))  # Wednesday: the poll goes out
    await bot.run_pulse()
    clock.set(datetime(2026, 12, 11, 14, 0, tzinfo=UTC))  # Friday, the poll still open
    await bot.run_checkins(["alice", "bruno"])
    await answer_checkin(bot, "alice", ALICE_ANSWERS[:2])
    await answer_checkin(bot, "bruno", BRUNO[:2])
    clock.set(datetime(2026, 12, 11, 15, 40, tzinfo=UTC))
    await say(bot, "alice", "/pulse")
    await say(bot, "alice", "4")  # morale: she is in the middle of the poll now
    clock.set(datetime(2026, 12, 11, 16, 5, tzinfo=UTC))  # the reminder is due for both
    chat.clear()
    await bot.run_reminders()
    assert "isn't finished yet" in chat.last("bruno")
    alice = chat.last("alice")
    assert alice == ("Friendly reminder, Alice Martin: your check-in for 2026-W50 isn't "
                     "finished yet. You're in the middle of answering something else: once "
                     "you've finished it, send /checkin to pick up where you left off.")
    clock.set(datetime(2026, 12, 11, 16, 20, tzinfo=UTC))
    await say(bot, "grace", "/checkin remind alice")
    reply_alice = chat.last("grace")
    await say(bot, "grace", "/checkin remind bruno")
    reply_bruno = chat.last("grace")
    assert reply_alice.replace("Alice Martin", "X") == reply_bruno.replace("Bruno Rossi", "X")
    assert "Reminded already today" in reply_alice
    await say(bot, "alice", "2")  # stress: still the poll's, not the check-in's
    with bot.unit() as ctx:
        assert sorted(v.value for v in ctx.session.scalars(select(PulseVote))) == [2, 4]
    await say(bot, "alice", "没有")  # no comment: the poll is done, the check-in is back
    assert "Question 3 of" in chat.last("alice")


async def test_a_persons_data_export_holds_nothing_of_their_poll(tmp_path, pclock,
                                                                 database_url):
    """The operator exports e1's data (their own request, say) after e1 answered the poll
    with a comment: it holds none of their answers, their comment, how far they got or
    when the poll's messages went to them (each would tie the poll to them)."""
    teams = {"East": 5}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 2, 5, "Quokka-pressure in the sprint")
        await answer_all(bot, chat, "e2", 4, 1)
        await bot.outbox.flush()
        pclock.advance(timedelta(minutes=5))
        code, out = run_cli(settings, "export", "e1")
        assert code == 0, out
    assert "Quokka" not in out
    lowered = out.lower()
    assert "pulse" not in lowered and "anon:" not in lowered and "morale" not in lowered
    assert "stress" not in lowered


def stored_groups(bot: TeamPulse) -> dict[tuple[str, str, str | None], list[int]]:
    """What a plain read of the database gives, per closed poll, question (or 'comment')
    and team as stored: the answers, and so how many people each group's answers are."""
    from storage.pulse import PulseComment, PulsePoll

    groups: dict[tuple[str, str, str | None], list[int]] = {}
    with bot.unit() as ctx:
        polls = {p.id: p.key for p in ctx.session.scalars(select(PulsePoll))
                 if p.closed}
        for vote in ctx.session.scalars(select(PulseVote)):
            if vote.poll_id in polls:
                groups.setdefault((polls[vote.poll_id], vote.question_key, vote.team),
                                  []).append(vote.value)
        for comment in ctx.session.scalars(select(PulseComment)):
            if comment.poll_id in polls:
                groups.setdefault((polls[comment.poll_id], "comment", comment.team),
                                  []).append(0)
    return groups


async def test_once_closed_the_database_keeps_no_group_of_answers_too_small_to_show(
        tmp_path, pclock, database_url):
    """East (six) is kept with its answers; only e1 of East answered, with a comment, the
    rest of the org (West, six) in full. East's results are hidden (one answer), but the
    database kept e1's answers under East's name: beside the participation (who got how
    far, by name), `SELECT ... WHERE team = 'East'` read them as e1's, the poll long
    closed. At its close the answers of a team whose results stay hidden lose their team
    (West's too, hidden beside the org's): every group of answers the database holds is
    one the results may show, and they show just what they did."""
    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 1, 5, "Only e1 of East says this")
        for i in range(1, 7):
            await answer_all(bot, chat, f"w{i}", 4, 2)
        await close(bot, pclock)
        org = cli_view(settings)
        east = cli_view(settings, "--team", "East")
        groups = stored_groups(bot)
        assert answers(org) == {"morale": 7, "stress": 7}
        assert answers(east) == {"morale": None, "stress": None}
        assert "Only e1 of East says this" in org["comments"]
        assert {team for (_, _, team) in groups} == {None}, sorted(groups)
        # (A comment is among the answers of its group: who left one, no one can tell.)
        assert all(len(v) >= THRESHOLD for (_, q, _), v in groups.items() if q != "comment")
        # What the results show is as before.
        await say(bot, "grace", "/pulse results")
        assert "Morale: 3.6 (7 answers) · 1: 1, 4: 6" in chat.last("grace")



async def test_a_poll_closed_before_this_lets_go_of_its_hidden_teams_at_the_bots_start(
        tmp_path, pclock, database_url):
    """A poll closed before its close let go of hidden teams' names keeps them (e1's
    answers under East's): the bot's first start after the upgrade (`teampulse run`)
    lets go of them, once, and the results read the same."""
    from storage.pulse import PulsePoll

    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 1, 5)
        for i in range(1, 7):
            await answer_all(bot, chat, f"w{i}", 4, 2)
        await close(bot, pclock)
        before = cli_view(settings)
        with bot.unit() as ctx:  # as it was stored before
            poll = ctx.session.scalars(select(PulsePoll)).one()
            poll.shown = {k: v for k, v in poll.shown.items() if k != "forgotten"}
            for vote in ctx.session.scalars(select(PulseVote)):
                vote.team = "East" if vote.value in (1, 5) else "West"
        assert {team for (_, _, team) in stored_groups(bot)} == {"East", "West"}
        bot.sync_org(backfill=True)  # the bot's first start after the upgrade
        assert {team for (_, _, team) in stored_groups(bot)} == {None}
        assert cli_view(settings) == before


async def test_the_gm_sending_a_check_in_reads_the_same_reply_mid_poll_or_not(
        bot, chat, clock):
    """The GM sends this week's check-in by hand to Alice, in the middle of the poll
    (morale answered a minute ago), and to Bruno, who is not: the prompt she gets waits
    for the poll (its first question would take her next poll answer), but the GM's two
    replies say the same of each, or the reply would time her answering."""
    clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))  # Wednesday: the poll goes out
    await bot.run_pulse()
    await say(bot, "alice", "4")  # morale: she is in the middle of the poll now
    await say(bot, "grace", "/checkin send alice")
    reply_alice = chat.last("grace")
    assert chat.last("alice").endswith("You're in the middle of answering something else: "
                                       "the first question follows when you've finished "
                                       "(or send /checkin).")
    await say(bot, "grace", "/checkin send bruno")
    reply_bruno = chat.last("grace")
    assert reply_alice.replace("Alice Martin", "X") == reply_bruno.replace("Bruno Rossi", "X")
    assert reply_bruno == "Check-in round sent to Bruno Rossi: 1 prompted."


async def test_a_poll_hidden_as_a_whole_keeps_no_answer_only_how_many_answered(
        tmp_path, pclock, database_url):
    """Of the twelve asked, e1 (with a comment) and w1 alone answered: the poll's results
    are hidden as a whole. Its close kept their answers and the comment, no team on them,
    beside the participation that names who answered: a plain read of the database gave
    two people's answers (one person's, had one answered). At its close such a poll keeps
    no answer and no comment, only who got how far; and everything that reads it (the
    results in chat and CLI, JSON and CSV, the trend, the summaries' morale over a week or
    a month, the morale chart) still says it is hidden, with 2 of 12 answered."""
    from bot.charts import morale_series
    from storage.pulse import PulseParticipant

    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await first_poll_in_full(bot, chat, pclock)
        pclock.set(POLL_DAY)
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 1, 5, "Only e1 says this")
        await answer_all(bot, chat, "w1", 2, 4)
        await close(bot, pclock)
        day = POLL_DAY.date().isoformat()
        assert [g for g in stored_groups(bot) if g[0] == day] == []
        with bot.unit() as ctx:  # who answered is still known: how many answered reads right
            assert sum(p.step > 0 for p in ctx.session.scalars(select(PulseParticipant))
                       if p.poll_id == max(p.poll_id for p in ctx.session.scalars(
                           select(PulseParticipant)))) == 2
        view = cli_view(settings, "--last", "2")
        assert (view["asked"], view["answered"], view["comments"]) == (12, 2, None)
        assert answers(view) == {"morale": None, "stress": None}
        assert [(t["morale"], t["stress"], t["answered"]) for t in view["trend"]] == \
            [(3.5, 2.5, 12), (None, None, 2)]
        east = cli_view(settings, "--team", "East", "--last", "2")
        assert answers(east) == {"morale": None, "stress": None}
        assert [(t["morale"], t["stress"]) for t in east["trend"]] == \
            [(4.0, 2.0), (None, None)]
        code, out = run_cli(settings, "pulse", "results", "--format", "csv")
        assert code == 0, out
        assert [line.split(",")[4] for line in out.splitlines()[1:]] == ["false", "false"]
        await say(bot, "grace", "/pulse results last 2")
        reply = chat.last("grace")
        assert "Participation: 2 of 12 answered." in reply
        assert "Morale: hidden — fewer than 5 answers." in reply
        assert "Stress: hidden — fewer than 5 answers." in reply
        assert "Comments are hidden below 5 answers." in reply
        assert f"{day}: — / — (2 of 12)" in reply
        with bot.unit() as ctx:
            spelled = team_spellings(ctx.org)
            assert team_morale(ctx.session, ["East", "West"], date(2026, 12, 7),
                               threshold_now=5) == {"East": None, "West": None}
            assert team_morale(ctx.session, ["East"], date(2026, 11, 16),
                               threshold_now=5) == {"East": 4.0}
            assert team_pulse(ctx.session, ["East", "West"], date(2026, 12, 7),
                              date(2026, 12, 13), 5, spelled) == \
                {"East": (None, None), "West": (None, None)}
            assert team_pulse(ctx.session, ["East"], date(2026, 11, 16), date(2026, 12, 13),
                              5, spelled) == {"East": (4.0, 2.0)}
            series, hidden, threshold = morale_series(ctx.session, ["2026-W50"], None, 5)
            assert (series, hidden, threshold) == ({}, {None}, 5)
            series, hidden, _ = morale_series(ctx.session, ["2026-W48", "2026-W50"], None, 5)
            assert series[None]["morale"] == {"2026-W48": 3.5} and hidden == {None}


async def test_a_poll_hidden_as_a_whole_closed_before_this_lets_go_of_its_answers_at_start(
        tmp_path, pclock, database_url):
    """A poll hidden as a whole, closed before its close deleted such a poll's answers,
    keeps e1's and w1's (its hidden teams let go of already): the bot's first start after
    the upgrade (`teampulse run`) deletes them, once, and the results read the same."""
    from storage.pulse import PulseComment, PulsePoll

    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 1, 5, "Only e1 says this")
        await answer_all(bot, chat, "w1", 2, 4)
        await close(bot, pclock)
        before = cli_view(settings)
        with bot.unit() as ctx:  # as it was stored before
            poll = ctx.session.scalars(select(PulsePoll)).one()
            poll.shown = {k: v for k, v in poll.shown.items() if k != "dropped"}
            ctx.session.add_all([
                *(PulseVote(poll_id=poll.id, question_key=q, value=v, team=None)
                  for q, values in (("morale", (1, 2)), ("stress", (5, 4))) for v in values),
                PulseComment(poll_id=poll.id, text="Only e1 says this", team=None)])
        assert len(stored_groups(bot)) == 3
        bot.sync_org(backfill=True)  # the bot's first start after the upgrade
        assert stored_groups(bot) == {}
        assert cli_view(settings) == before
        with bot.unit() as ctx:
            assert ctx.session.scalars(select(PulsePoll)).one().shown["dropped"] is True


async def test_a_question_fewer_of_a_team_answered_is_not_said_hidden_for_the_others(
        tmp_path, pclock, database_url):
    """East and West of six: all twelve answer morale, e5 and e6 of East stop there. East's
    participation reads 6 of 6 and its morale shows; its stress (four answers) is hidden
    because fewer than five of East answered it. The reply said it was hidden because,
    beside the org's results, East's answers would give away those of fewer than five
    others: the GM went looking for a small group that is not there (West's six). It now
    says either reason may hold (which one would tell how many of East answered it)."""
    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        for i in range(1, 7):
            await answer_all(bot, chat, f"w{i}", 3, 3)
            if i <= 4:
                await answer_all(bot, chat, f"e{i}", 4, 2)
            else:
                await press(bot, chat, f"e{i}", 4)
                await say(bot, f"e{i}", "pause")
        await close(bot, pclock)
        assert answers(cli_view(settings, "--team", "East")) == {"morale": 6, "stress": None}
        await say(bot, "grace", "/pulse results team East")
        reply = chat.last("grace")
        assert "Participation: 6 of 6 answered." in reply
        assert "Morale: 4.0 (6 answers)" in reply
        assert ("Stress: hidden — fewer than 5 of this team answered this question, or, "
                "beside the org's results, this team's answers would give away those of "
                "fewer than 5 others.") in reply
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/pulse results team East")
        assert ("压力：已隐藏——本团队回答这一题的人少于 5 个，或与全组织的结果对照，本团队的"
                "回答会暴露其余不足 5 人的回答。") in chat.last("grace")


async def test_a_comment_is_never_shown_from_fewer_than_the_threshold(tmp_path, pclock,
                                                                      database_url):
    """East of six all answer morale; e1 alone goes on, answers stress and comments; the
    others stop there. Morale shows (six answers), stress is hidden (one): yet the comment
    showed, though only those who answered every question can leave one, here one person.
    The GM who then asks around "did you finish the poll?" (as README's threat model has
    it) knew whose it was. A comment now shows only where the last question does, with a
    reason that says why; the database keeps no comment its results hide."""
    from storage.pulse import PulseComment

    async with org_bot(tmp_path, pclock, database_url, {"East": 6}) as (bot, chat, settings):
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 2, 5, "Budget cuts scare me")
        for i in range(2, 7):
            await press(bot, chat, f"e{i}", 4)
            await say(bot, f"e{i}", "pause")
        await close(bot, pclock)
        await say(bot, "grace", "/pulse results")
        reply = chat.last("grace")
        assert "Morale: 3.7 (6 answers)" in reply and "Stress: hidden" in reply
        assert "Budget cuts" not in reply
        assert ("Comments are hidden: fewer than 5 answered every question, and only they "
                "could leave one.") in reply
        for args in ((), ("--team", "East")):
            view = cli_view(settings, *args)
            assert view["comments"] is None, args
        code, out = run_cli(settings, "pulse", "results", "--format", "csv")
        assert code == 0 and "Budget cuts" not in out
        with bot.unit() as ctx:
            assert ctx.session.scalars(select(PulseComment)).all() == []
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/pulse results")
        assert "留言已隐藏：回答了全部问题的人少于 5 个，只有他们才能留言。" in chat.last("grace")


async def test_a_poll_closed_before_comments_followed_the_last_question_lets_go_of_them(
        tmp_path, pclock, database_url):
    """Two polls closed before a comment showed only where the last question does, as
    that version kept them. In the first all of East and West answered morale, e1 alone
    of East went on (stress and a comment), West in full: stress shows for the org alone,
    but e1's comment was kept under East's name, the one comment of East, and how far
    each got says whose. In the second all twelve answered morale, e1 and w1 alone went
    on, each with a comment: stress is hidden, so are the comments, yet both were kept.
    The bot's first start after the upgrade (`teampulse run`) lets go of East's and
    West's names on the first poll's comments and deletes the second's, once; the
    results (chat, JSON) read as before."""
    from storage.pulse import PulseComment, PulsePoll

    teams = {"East": 6, "West": 6}
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        pclock.set(PREVIOUS_POLL_DAY)
        await bot.run_pulse()
        await answer_all(bot, chat, "e1", 2, 5, "Only e1 of East went this far")
        for i in range(2, 7):
            await press(bot, chat, f"e{i}", 4)
            await say(bot, f"e{i}", "pause")
        for i in range(1, 7):
            await answer_all(bot, chat, f"w{i}", 3, 3, f"West comment {i}")
        await close(bot, pclock)
        pclock.set(POLL_DAY)
        await bot.run_pulse()
        for key in [*(f"e{i}" for i in range(1, 7)), *(f"w{i}" for i in range(1, 7))]:
            if key in ("e1", "w1"):
                await answer_all(bot, chat, key, 1, 5, f"Only {key} says this")
            else:
                await press(bot, chat, key, 4)
                await say(bot, key, "pause")
        await close(bot, pclock)
        first, second = PREVIOUS_POLL_DAY.date().isoformat(), POLL_DAY.date().isoformat()
        before = [cli_view(settings, "--poll", first), cli_view(settings, "--poll", second),
                  cli_view(settings, "--team", "East", "--poll", first)]
        assert answers(before[0]) == {"morale": 12, "stress": 7}
        assert "Only e1 of East went this far" in before[0]["comments"]
        assert before[2]["comments"] is None and before[1]["comments"] is None
        with bot.unit() as ctx:  # as the version before kept them
            polls = {p.key: p for p in ctx.session.scalars(select(PulsePoll))}
            for poll in polls.values():
                poll.shown = {k: v for k, v in poll.shown.items()
                              if k != "comments_forgotten"}
            ctx.session.execute(PulseComment.__table__.delete())
            ctx.session.add_all([
                PulseComment(poll_id=polls[first].id, text="Only e1 of East went this far",
                             team="East"),
                *(PulseComment(poll_id=polls[first].id, text=f"West comment {i}",
                               team="West") for i in range(1, 7)),
                PulseComment(poll_id=polls[second].id, text="Only e1 says this", team="East"),
                PulseComment(poll_id=polls[second].id, text="Only w1 says this",
                             team="West")])
        assert stored_groups(bot)[(first, "comment", "East")] == [0]
        await say(bot, "grace", f"/pulse results {first}")
        said = chat.last("grace")
        bot.sync_org(backfill=True)  # the bot's first start after the upgrade
        groups = stored_groups(bot)
        assert [g for g in groups if g[1] == "comment"] == [(first, "comment", None)]
        assert len(groups[(first, "comment", None)]) == 7
        assert [cli_view(settings, "--poll", first), cli_view(settings, "--poll", second),
                cli_view(settings, "--team", "East", "--poll", first)] == before
        await say(bot, "grace", f"/pulse results {first}")
        assert chat.last("grace") == said
        with bot.unit() as ctx:
            assert all(p.shown["comments_forgotten"] is True
                       for p in ctx.session.scalars(select(PulsePoll)))


async def test_a_summary_says_truly_why_a_teams_morale_is_hidden(tmp_path, pclock,
                                                                  database_url):
    """East of six (director e1) and West of four (director w1) all answer. West is hidden
    as too few, and so is East, because beside the org's figures its six would give away
    West's four. The summaries said "too few answers" of both: the GM asked East why so
    few had answered, when all six had. Each now says its own reason, as /pulse results
    does (en and zh-CN): the GM's five questions (morale and stress), a team's morale in
    `/summary team`; East's director, who reads no participation, is told either may
    hold."""
    teams = {"East": 6, "West": 4}
    few = "too few answers to stay anonymous"
    apart = "beside the whole org's figures, {} would single out a smaller group"
    async with org_bot(tmp_path, pclock, database_url, teams,
                       directors=("e1", "w1")) as (bot, chat, settings):
        await bot.run_pulse()
        for key in [*(f"e{i}" for i in range(1, 7)), *(f"w{i}" for i in range(1, 5))]:
            await answer_all(bot, chat, key, 4, 2)
        await close(bot, pclock)
        await say(bot, "grace", "/pulse results team East")
        assert "would give away those of the fewer than 5 others" in chat.last("grace")
        await say(bot, "grace", "/summary 2026-W50")
        blocks = chat.last("grace").split("\n\n")
        east = next(b for b in blocks if "· team East" in b.split("\n", 1)[0])
        west = next(b for b in blocks if "· team West" in b.split("\n", 1)[0])
        assert f"morale and stress hidden ({apart.format('they')})" in east
        assert f"morale and stress hidden ({few})" in west
        await say(bot, "grace", "/summary team East 2026-W50")
        assert f"East (E1 Person): hidden ({apart.format('it')})" in chat.last("grace")
        await say(bot, "grace", "/summary team West 2026-W50")
        assert f"West (W1 Person): hidden ({few})" in chat.last("grace")
        code, out = run_cli(settings, "summary", "--team", "East", "--week", "2026-W50",
                            "--format", "md")
        assert code == 0 and f"hidden ({apart.format('it')})" in out, out
        await say(bot, "e1", "/summary 2026-W50")  # East's director: their own team
        assert (f"East (E1 Person): hidden ({few}, or beside the whole org's figures it "
                "would single out a smaller group)") in chat.last("e1")
        # The morale chart's note named East beside West as "fewer than 5 answered".
        from bot.charts import chart_data_for
        with bot.unit() as ctx:
            note = chart_data_for(ctx.session, ctx.org, "morale", "en",
                                  end_week=date(2026, 12, 7), weeks=2).note
        assert note == ("Hidden for anonymity (fewer than 5 answers, or beside the org's a "
                        "smaller group would show): East, West")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary 2026-W50")
        said = chat.last("grace")
        assert "士气和压力已隐藏（与全组织的结果对照会暴露更小的群体）" in said
        assert "士气和压力已隐藏（回答人数太少，无法保证匿名）" in said
        await say(bot, "grace", "/summary team East 2026-W50")
        assert "不显示（与全组织的结果对照会暴露更小的群体）" in chat.last("grace")
        await say(bot, "grace", "/summary team West 2026-W50")
        assert "不显示（回答人数太少，无法保持匿名）" in chat.last("grace")


async def test_the_outbox_keeps_no_reply_that_ties_someone_to_their_comment(
        tmp_path, pclock, database_url):
    """e1 types a comment too long to keep, is asked to shorten it, and sends it shorter;
    e2 types a morale answer the bot cannot read, then presses one. The refusals stayed in
    the bot's record of messages sent, text and all, to e1 and e2 by name, long after
    delivery: an operator reading it found that e1 had written a comment near 2,000
    characters, and the one comment that long in the poll was e1's. Now every reply in
    the poll is blanked once delivered, as its questions are: what each was sent reads
    alike whatever they typed; nor is the refusal in e1's own data export (`teampulse
    export e1`), which listed it beside their check-in's messages."""
    from storage.models import OutboxMessage

    teams = {"East": 6}
    long_comment = "The targets are unreachable and nobody listens. " * 45
    async with org_bot(tmp_path, pclock, database_url, teams) as (bot, chat, settings):
        await bot.run_pulse()
        await press(bot, chat, "e1", 2)
        await press(bot, chat, "e1", 5)
        await say(bot, "e1", long_comment)
        assert "longer than 2,000 characters" in chat.last("e1")
        await say(bot, "e1", long_comment[:1990])
        await say(bot, "e2", "quite good")
        assert "couldn't read that" in chat.last("e2")
        await say(bot, "e2", "4")
        await press(bot, chat, "e2", 1)
        await say(bot, "e2", "Fine here")
        await bot.outbox.flush()
        with bot.unit() as ctx:
            rows = [(r.address, r.payload.get("text", "")) for r in ctx.session.scalars(
                select(OutboxMessage)) if r.status == "sent" and r.address in ("e1", "e2")]
        code, out = run_cli(settings, "export", "e1")  # their own data, on request
        assert code == 0, out
    assert len(rows) > 8, "a guard: the poll's messages went out"
    kept = [text for _, text in rows if text]
    assert not any("longer than" in t or "couldn't read" in t for t in kept), kept
    assert "longer than" not in out
