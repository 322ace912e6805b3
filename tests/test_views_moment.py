"""The GM's and the directors' views other than the summary read one moment too: a write
committed while such a view is being read (several statements) shows in all of it or none
of it. On PostgreSQL each statement of the unit's READ COMMITTED transaction saw what had
committed before it, so the view could contradict itself: the whole org's revenue without
a check-in its team's revenue counted, "Received: 2" above three kudos. On SQLite the
CLI's form of a view held the write lock while it read: the second bot could not answer.

Each test reads a view, then reads it again while a second bot on the same database (on a
thread of its own, as another process) commits right after one of the view's statements,
and then once more: the second reading equals the first, the third shows the write.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from bot.app import prepare
from bot.config import Settings
from bot.core import TeamPulse
from tests.conftest import SERVER_URL
from tests.oneonone_support import ONEONONES
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_ingest_batch import typed
from tests.test_kudos import kudo
from tests.test_monthly_review import DEC_1_9AM_NY

#: The statement that reads the figures typed in check-ins (storage.goals.self_reported):
#: each goal's actual and each metric of a monthly review read it, one after the other.
TYPED_FIGURES = "answers.number_value IS NOT NULL"
#: /kudos me counts a person's kudos before it reads the newest of them.
KUDOS_COUNTED = "count(kudos.id)"
#: The CRM's figures, read after the typed ones.
CRM_FIGURES = "FROM crm_actuals"
#: The monthly overview reads who answered the month's questions before any review.
WHO_ANSWERED = "GROUP BY monthly_review_answers.person_id"

LI_ANSWERS = ["66000", "新签两家客户", "渠道冲突", "5", "需要市场部支持", "拜访三家", "4"]

GOALS = """
goals:
  - {metric: revenue, period: 2026-Q4, target: 480000}
  - {metric: revenue, period: 2026-Q4, team: East, target: 200000}
  - {metric: revenue, period: 2026-Q4, team: Europe, target: 120000}
  - {metric: revenue, period: 2026-Q4, team: China, target: 120000}
"""

Act = Callable[[TeamPulse], Awaitable[object]]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test org with the org's and each team's revenue goal for the quarter, and
    one-on-ones."""
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8") + GOALS + ONEONONES, encoding="utf-8")
    return Settings(database_url=database_url, org_file=org)


@pytest.fixture
def mid_read(settings, clock) -> Iterator[Callable[[str, Act], list[bool]]]:
    """`arm(marker, act)`: right after the next statement containing `marker`, `act` runs
    on a second bot on the same database, on a thread of its own (as another process
    would), and is committed before the view reads on. Returns a list that holds True
    once it has."""
    other, engine = prepare(settings, clock)
    landed: list[bool] = []
    listening: list[Callable[..., None]] = []

    def arm(marker: str, act: Act, *, once_read: str | None = None) -> list[bool]:
        """(`once_read`: only after a statement containing it has been read.)"""
        primed = [once_read is None]

        def after(conn, cursor, statement, parameters, context, executemany) -> None:
            if once_read is not None and once_read in statement:
                primed[0] = True
            if landed or not primed[0] or marker not in statement:
                return
            landed.append(False)  # once: the act's own statements must not set it off
            failed: list[BaseException] = []

            def run() -> None:
                try:
                    asyncio.run(act(other))  # type: ignore[arg-type]
                except BaseException as exc:  # reported by the assert below
                    failed.append(exc)
            worker = threading.Thread(target=run)
            worker.start()
            worker.join(timeout=60)
            assert not worker.is_alive() and not failed, failed
            landed[0] = True

        event.listen(Engine, "after_cursor_execute", after)
        listening.append(after)
        return landed
    yield arm
    for after in listening:
        event.remove(Engine, "after_cursor_execute", after)
    engine.dispose()


async def alice_checks_in(other: TeamPulse) -> None:
    """Alice answers her whole check-in (52,000 USD of revenue, 3 new customers)."""
    await answer_all(other, "alice", ALICE_ANSWERS)


def goals_json(settings) -> dict:
    code, raw = run_cli(settings, "goals", "--format", "json")
    assert code == 0, raw
    data = json.loads(raw)
    data.pop("generated_at")
    return data


def actual(data: dict, scope: str, owner: str | None) -> float:
    return next(g["actual"] for g in data["goals"]
                if (g["scope"], g["owner"]) == (scope, owner))


async def test_teampulse_goals_reads_every_goal_at_one_moment(bot, chat, settings, mid_read):
    """The org's actual and East's count the same check-ins. Before, Alice's check-in
    committed after the org's goal had read the typed figures counted in East's 52,000
    and not in the whole org's 0 (PostgreSQL); SQLite held the writer, and her answers
    waited out the lock and failed."""
    await bot.run_checkins()
    before = goals_json(settings)
    assert actual(before, "org", None) == actual(before, "team", "East") == 0
    landed = mid_read(TYPED_FIGURES, alice_checks_in)
    during = goals_json(settings)
    assert landed == [True]  # her answers did land while it was being read
    assert during == before
    after = goals_json(settings)
    assert actual(after, "org", None) == actual(after, "team", "East") == 52_000


@pytest.mark.skipif(not SERVER_URL, reason="in chat, the unit writes before it reads the "
                    "view, and SQLite then holds its one writer: nothing can land")
async def test_goals_in_chat_read_every_goal_at_one_moment(bot, chat, mid_read):
    await bot.run_checkins()
    await say(bot, "grace", "/goals")
    before = chat.last("grace")
    assert before.count("no figures yet") == 4  # the org and its three teams
    landed = mid_read(TYPED_FIGURES, alice_checks_in)
    await say(bot, "grace", "/goals")
    assert landed == [True]
    assert chat.last("grace") == before
    await say(bot, "grace", "/goals")
    after = chat.last("grace")
    assert "52,000 of 480,000 USD" in after and "52,000 of 200,000 USD" in after


def kudos_me(chat: RecordingAdapter) -> str:
    """Alice's last /kudos me (the kudos DMs the second bot queued arrive beside it)."""
    return [t for t in chat.to("alice") if t.startswith("Your kudos")][-1]


@pytest.mark.skipif(not SERVER_URL, reason="in chat, the unit writes before it reads the "
                    "view, and SQLite then holds its one writer: nothing can land")
async def test_kudos_me_counts_the_kudos_it_lists(bot, chat, mid_read):
    """Bruno's kudos committed after /kudos me had counted Alice's showed "Received: 2"
    above three kudos (PostgreSQL)."""
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    await kudo(bot, "li", "/kudos @alice for the pricing deck")
    await say(bot, "alice", "/kudos me")
    before = kudos_me(chat)
    assert "Received: 2\n" in before and before.count("• ") == 2

    async def bruno_thanks_alice(other: TeamPulse) -> None:
        await kudo(other, "bruno", "/kudos @alice for the Rome demo")
    landed = mid_read(KUDOS_COUNTED, bruno_thanks_alice)
    await say(bot, "alice", "/kudos me")
    assert landed == [True]
    assert kudos_me(chat) == before
    await say(bot, "alice", "/kudos me")
    after = kudos_me(chat)
    assert "Received: 3\n" in after and "the Rome demo" in after


@pytest.mark.skipif(not SERVER_URL, reason="in chat, the unit writes before it reads the "
                    "view, and SQLite then holds its one writer: nothing can land")
async def test_a_directors_monthly_review_reads_one_moment(bot, chat, mid_read):
    """`/monthly 2026-11 alice`: Alice's check-in committed after her revenue had been
    read counted her week as checked in and her 3 new customers, beside no revenue at
    all (PostgreSQL)."""
    await bot.run_checkins()
    await say(bot, "grace", "/monthly 2026-11 alice")
    before = chat.last("grace")
    landed = mid_read(TYPED_FIGURES, alice_checks_in)
    await say(bot, "grace", "/monthly 2026-11 alice")
    assert landed == [True]
    assert chat.last("grace") == before
    await say(bot, "grace", "/monthly 2026-11 alice")
    after = chat.last("grace")
    assert "Check-ins: 0 of 1 week\n• Revenue: no figures this month" in before
    # (November's target is its weeks', those whose Thursday it holds: W48's 50,000;
    # W49, from Monday 30 November, is December's.)
    assert "Check-ins: 1 of 1 week\n• Revenue: 52,000 of 50,000 USD" in after


@pytest.mark.skipif(not SERVER_URL, reason="in chat, the unit writes before it reads the "
                    "view, and SQLite then holds its one writer: nothing can land")
async def test_the_gms_monthly_overview_reads_one_moment(bot, chat, mid_read):
    """`/monthly 2026-11`: Li's check-in committed after his revenue had been read (his
    line is the first, China) read "check-ins 1 of 1 · Revenue —" (PostgreSQL)."""
    await bot.run_checkins()
    await say(bot, "grace", "/monthly 2026-11")
    before = chat.last("grace")
    assert "• 李雷 · China — check-ins 0 of 1 · Revenue —\n" in before

    async def li_checks_in(other: TeamPulse) -> None:
        await answer_all(other, "li", LI_ANSWERS)
    landed = mid_read(TYPED_FIGURES, li_checks_in)
    await say(bot, "grace", "/monthly 2026-11")
    assert landed == [True]
    assert chat.last("grace") == before
    await say(bot, "grace", "/monthly 2026-11")
    # (66,000 of W48's 60,000: W49, from Monday 30 November, is December's.)
    assert "• 李雷 · China — check-ins 1 of 1 · Revenue 110%" in chat.last("grace")


async def test_goals_asked_in_a_burst_count_the_answers_typed_just_before(bot, chat):
    """A view asked in a batch of events reads in the batch's transaction (see
    one_moment): the revenue Alice and Li typed just before the GM's /goals, not yet
    committed, counts in it."""
    await bot.run_checkins()
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("li", "61000", "e2"),
                                   typed("grace", "/goals", "e3")])
    assert done == [True] * 3
    text = chat.last("grace")
    assert "113,000 of 480,000 USD" in text and "52,000 of 200,000 USD" in text



@pytest.mark.skipif(not SERVER_URL, reason="the job's unit has read before it builds a "
                    "review, and SQLite then holds its one writer: nothing can land")
async def test_the_months_reviews_sent_on_the_first_working_day_read_one_moment(
        bot, chat, clock, mid_read):
    """The monthly review job: Alice's check-in committed after her review had read her
    revenue (directors by key: hers is built first) counted her week as checked in
    beside no revenue (PostgreSQL)."""
    await bot.run_checkins()
    clock.set(DEC_1_9AM_NY)
    landed = mid_read(TYPED_FIGURES, alice_checks_in)
    assert await bot.run_monthly_review()
    assert landed == [True]
    review = next(t for t in chat.to("alice") if t.startswith("📅 Month in review"))
    assert "Check-ins: 0 of 1 week\n• Revenue: no figures this month" in review
    await say(bot, "grace", "/monthly alice")
    # (November's target is its one asked week's: Monday the 30th is asked on 4 December.)
    assert "Check-ins: 1 of 1 week\n• Revenue: 52,000 of 50,000 USD" in chat.last("grace")


@pytest.mark.skipif(not SERVER_URL, reason="the job's unit has read before it builds the "
                    "overview, and SQLite then holds its one writer: nothing can land")
async def test_the_gms_monthly_overview_dm_reads_one_moment(bot, chat, clock, settings,
                                                             tmp_path, mid_read):
    """The GM's overview DM, after every director's review: a CRM export imported after
    it had read Li's CRM figures (his line first) and before his week's figures read
    "李雷 · China — check-ins 0 of 1 · Revenue 0%", a figure known and counted as
    nothing, beside Alice's revenue from the same file (PostgreSQL)."""
    await bot.run_checkins()
    clock.set(DEC_1_9AM_NY)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nli,revenue,2026-W48,66000\n"
                      "alice,revenue,2026-W48,52000\n", encoding="utf-8")

    async def imported(other: TeamPulse) -> None:
        assert run_cli(settings, "import-actuals", str(export))[0] == 0
    landed = mid_read(CRM_FIGURES, imported, once_read=WHO_ANSWERED)
    assert await bot.run_monthly_review()
    assert landed == [True]
    overview = next(t for t in chat.to("grace") if t.startswith("📅 Month in review"))
    assert "• 李雷 · China — check-ins 0 of 1 · Revenue —\n" in overview
    assert "• Alice Martin · East — check-ins 0 of 1 · Revenue — · New customers —\n" \
        in overview
    await say(bot, "grace", "/monthly")
    now = chat.last("grace")
    # (Of W48's target alone: November's Monday 30th is asked on 4 December.)
    assert "• 李雷 · China — check-ins 0 of 1 · Revenue 110%" in now
    assert "• Alice Martin · East — check-ins 0 of 1 · Revenue 104%" in now


#: Each `teampulse` view (JSON) and its first statement of a kind, after which the second
#: bot writes; whether that write shows in the view (the two with nothing to show print
#: nothing alike before and after: no review, no poll).
CLI_VIEWS = [
    (("oneonones",), "FROM oneonone_meetings", True),
    (("kudos", "top"), "FROM kudos", True),
    (("kudos", "honours", "--period", "2026-11"), "FROM kudos", True),
    (("kudos", "export"), "FROM kudos", True),
    (("support",), "FROM support_requests", True),
    (("pulse", "results"), "FROM pulse_polls", False),
    (("review", "alice"), "FROM review_rounds", False),
]


def cli_json(settings, args: tuple[str, ...]) -> tuple[int, object]:
    code, raw = run_cli(settings, *args, "--format", "json")
    if code != 0 or not raw.strip():  # an error, or nothing to show yet (stdout empty)
        return code, raw
    data = json.loads(raw)
    data.pop("generated_at", None)
    return code, data


@pytest.mark.parametrize(("args", "marker", "shows"), CLI_VIEWS,
                         ids=[" ".join(v[0]) for v in CLI_VIEWS])
async def test_every_teampulse_view_reads_one_moment_and_leaves_the_writer_free(
        bot, chat, clock, settings, mid_read, monkeypatch, args, marker, shows):
    """While a `teampulse` view is read, Bruno skips his next one-on-one, Li checks in
    (a support request with it) and Grace thanks Sam: on SQLite the view held the write
    lock for its whole read, and they waited out the lock and failed; on PostgreSQL the
    one-on-ones had read the meetings before Bruno's skip and his next slot after it. Now
    each is stored while the view reads, and the view is the one read before."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await bot.run_checkins()
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    before = cli_json(settings, args)

    async def meanwhile(other: TeamPulse) -> None:
        await say(other, "bruno", "/1on1 skip")
        await answer_all(other, "li", LI_ANSWERS)
        await kudo(other, "grace", "/kudos @sam for the Initech seats")
    landed = mid_read(marker, meanwhile)
    during = cli_json(settings, args)
    assert landed == [True]
    assert during == before
    assert (cli_json(settings, args) != before) is shows
