"""360° review: an operator with a copy of the database (a backup) and the bot's log tries
to find which anonymous answers are a peer's or a report's, as tests/test_pulse.py tries
for a pulse poll's votes: by the answers' ids or their order, by a time, by the outbox
rows sent to the raters as they answered, by the log lines written meanwhile, and (on
PostgreSQL) by the transaction that wrote a row. None of them pairs an answer with its
rater; the report reads as before."""

from __future__ import annotations

import json
import logging
import re

import aiohttp
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from bot.adapters.base import DeliveryError
from handlers.review import CRITERIA
from tests.support import say

#: The anonymous raters of Alice's review in the test org: two peers and a report.
RATERS = ("bruno", "li", "sam")


def comment(rater: str, n: int) -> str:
    """The comment `rater` adds to their `n`-th answer: the test's own truth, which the
    operator's attacks below never read."""
    return f"marker {RATERS.index(rater)}{n}"


async def answer_in_turn(bot, chat, *, upto: int = len(CRITERIA)) -> list[str]:
    """Alice's review: the anonymous raters answer in turn, question by question (the
    order an operator watching the outbox sees); returns the raters in answering order."""
    await say(bot, "grace", "/review start alice")
    order = []
    for n in range(upto):
        for rater in RATERS:
            await say(bot, rater, f"{1 + (RATERS.index(rater) + n) % 5} {comment(rater, n)}")
            order.append(rater)
    return order


def whose(comment_text: str) -> str:
    return RATERS[int(re.fullmatch(r"marker (\d)\d", comment_text)[1][0])]


def anonymous_rows(conn, order_by: str) -> list[str]:
    """The anonymous answers' comments as a reader lists them (`order_by`: '' for the
    table's own order)."""
    return conn.execute(text(
        "SELECT comment FROM review_answers WHERE rater_group IN ('peer', 'report') "
        + order_by)).scalars().all()


def answer_moments(conn) -> list[str]:
    """Whom the bot replied to after each answer, in the order it did: the outbox's rows
    to the raters (the next question, or the thanks), but the invitation and first
    question of the review's start."""
    rows = conn.execute(text(
        "SELECT address FROM outbox WHERE dedupe_key IS NULL AND address IN "
        "('bruno', 'li', 'sam') ORDER BY id")).scalars().all()
    for rater in RATERS:
        rows.remove(rater)  # the first question, sent with the invitation
    return rows


async def test_an_operator_cannot_pair_an_answer_with_its_rater_by_order(bot, chat,
                                                                          monkeypatch):
    """Bruno, Li (peers) and Sam (a report) rate Alice in turn. An operator pairs the k-th
    anonymous answer (by id, or as the table lists them) with the k-th rater the bot
    replied to (by outbox id): with ids handed out as answers came, that named the
    rater of every single answer.

    On PostgreSQL the table lists rows where they were written, and the peers' two rows
    of a question are written together in the order a shuffle picks (write_in_company):
    the operator's guess of each pair is a coin's. So that the test rests on no coin (all
    five came up the answers' order one run in 32), the shuffle is recorded and left as
    given: the rows must lie as it left them, and so unlike the answers' order."""
    shuffled: list[list[str]] = []

    class Recorded:
        def shuffle(self, rows: list) -> None:
            if rows and isinstance(rows[0], dict):  # (the rows written: not _company's ids)
                shuffled.append([r["comment"] for r in rows])

    monkeypatch.setattr("storage.pulse.secrets.SystemRandom", Recorded)
    order = await answer_in_turn(bot, chat)
    with bot.engine.connect() as conn:
        moments = answer_moments(conn)
        assert moments == order  # the outbox does say who answered when
        for listing in ("ORDER BY id", ""):
            found = anonymous_rows(conn, listing)
            assert len(found) == len(order)
            guessed = sum(whose(c) == rater for c, rater in zip(found, moments, strict=True))
            assert guessed < len(order), listing
        if bot.engine.dialect.name == "postgresql":  # each pair as its shuffle left it
            pairs = [given for given in shuffled if len(given) > 1]
            assert len(pairs) == len(CRITERIA), shuffled
            stored = anonymous_rows(conn, "")
            assert all([c for c in stored if c in given] == given for given in pairs), \
                (stored, pairs)
        ids = conn.execute(text("SELECT id FROM review_answers")).scalars().all()
        assert all(re.fullmatch(r"[0-9a-f]{32}", str(i)) for i in ids), ids  # random keys
        if bot.engine.dialect.name == "sqlite":
            with pytest.raises(OperationalError, match="rowid"):
                conn.execute(text("SELECT rowid FROM review_answers"))
        # No time on an answer to set beside the outbox's times.
        columns = {c["name"] for c in inspect(conn).get_columns("review_answers")}
        assert columns == {"id", "round_id", "rater_group", "rater_key", "criterion",
                           "rating", "comment"}
        # A comment is in one row of one table: its answer's, without a person.
        for rater in RATERS:
            secret = comment(rater, 2)
            hits = [table for table in inspect(conn).get_table_names()
                    for row in conn.execute(text(f'SELECT * FROM "{table}"'))
                    if secret in repr(tuple(row))]
            assert hits == ["review_answers"], (secret, hits)


async def test_the_raters_survey_messages_keep_no_text_once_sent(bot, chat):
    """The outbox's rows to a peer or report (the invitation, each question, the thanks)
    are blanked once delivered, as a pulse poll's; the manager's are kept as ever."""
    await answer_in_turn(bot, chat, upto=2)
    await say(bot, "grace", "4 Strong quarter")
    await bot.outbox.flush()
    with bot.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT address, status, payload FROM outbox WHERE address IN "
            "('bruno', 'li', 'sam', 'grace')")).all()
    payloads = [(a, s, json.loads(p) if isinstance(p, str) else p) for a, s, p in rows]
    survey = [(a, s, p) for a, s, p in payloads if a in RATERS]
    assert survey and all(s == "sent" and p["text"] == "" for _, s, p in survey), survey
    assert any("2/5" in p["text"] for a, _, p in payloads if a == "grace")


async def test_the_log_says_nothing_of_a_rater_as_they_answer(bot, chat, caplog):
    """The next question to Bruno fails once, a second after his answer: "outbox 17 to
    console:bruno failed (attempt 1), retrying" at WARNING told the log's reader that
    Bruno had just answered (and, beside the answers' order, which answer). Logged at
    DEBUG only, as a pulse poll's DM is; the manager's DMs are logged as before."""
    await say(bot, "grace", "/review start alice")
    await bot.outbox.flush()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    chat.fail_next[:] = [DeliveryError("boom")]
    await say(bot, "bruno", "3 clear plans")
    await bot.outbox.flush()
    lines = [r for r in caplog.records if "bruno" in r.getMessage()]
    assert lines and all(r.levelno == logging.DEBUG for r in lines), \
        [(r.levelname, r.getMessage()) for r in lines]
    caplog.clear()
    chat.fail_next[:] = [DeliveryError("boom")]
    await say(bot, "grace", "4")
    await bot.outbox.flush()
    assert any(r.levelno == logging.WARNING and "grace" in r.getMessage()
               for r in caplog.records)


async def test_the_metrics_do_not_move_when_a_peer_answers(bot, chat):
    """An operator watching /metrics after asking Bruno "did you rate Alice?" saw the
    messages sent and the handler's count rise by one as he answered each question, as
    a pulse poll's answer once did (tests/test_pulse_operator.py)."""
    from bot.health import HealthServer

    await say(bot, "grace", "/review start alice")
    await bot.outbox.flush()
    server = HealthServer(bot, "127.0.0.1", 0)
    await server.start()
    try:
        async def scrape() -> str:
            async with aiohttp.ClientSession() as session, \
                    session.get(f"http://127.0.0.1:{server.port}/metrics") as response:
                return await response.text()

        before = await scrape()
        for typed in ("3", "4 clear plans", "2", "3", "4"):
            await say(bot, "bruno", typed)
            assert await scrape() == before
        assert "Thank you" in chat.last("bruno")  # all of them were sent
        await say(bot, "grace", "4")  # the manager's answers are counted as before
        assert await scrape() != before
    finally:
        await server.stop()


async def test_the_report_reads_as_before(bot, chat):
    """What the operator can no longer do changes nothing the GM and Alice read."""
    from tests.test_review import run_review

    await run_review(bot, chat)
    report = chat.last("grace")
    assert report == chat.last("alice")
    assert ("• Goal and plan completion: manager 4 · peers and reports 3.33 · self 4 · "
            "others 3.5") in report
    assert "Comments — peers and reports\n• Team management (hiring, training, motivating): " \
           "Not enough coaching\n• Cooperation with other departments: Slow to share leads" \
           in report


# --- PostgreSQL: the transaction id on every row ---------------------------------------------

#: Each rater beside the anonymous answers written in the transaction that last moved their
#: invite on, to the criterion it moved on from, in their group (what a reader knows).
BESIDE = text("""
    SELECT p.key, (
        SELECT count(*) FROM review_answers a
        WHERE a.round_id = i.round_id AND a.rater_group = i.rater_group
          AND a.xmin::text = i.xmin::text
    ) AS found, (
        SELECT count(*) FROM review_answers a
        WHERE a.round_id = i.round_id AND a.rater_group = i.rater_group
          AND a.criterion = (SELECT criterion FROM review_answers b
                             WHERE b.xmin::text = i.xmin::text LIMIT 1)
    ) AS slice
    FROM review_invites i JOIN people p ON p.id = i.person_id
    WHERE i.rater_group IN ('peer', 'report') AND i.answered > 0""")


async def test_on_postgresql_an_answer_shares_its_transaction_with_a_group_or_none(bot, chat):
    """On PostgreSQL a row keeps the id of the transaction that wrote it (`xmin`, read by
    any SELECT): an answer was written by the transaction moving its rater's invite on,
    so the operator read each rater's latest answer beside their invite. Now that
    transaction rewrites the other answers of the group and criterion with it (at least
    the group's threshold, 3, or all there are), and the close rewrites them all."""
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's (SQLite keeps no transaction id on a row)")
    await say(bot, "grace", "/review start alice")
    for rater in ("bruno", "li", "bruno", "li"):
        await say(bot, rater, "3")
        with bot.engine.connect() as conn:
            for key, found, slice_ in conn.execute(BESIDE):
                assert found == 0 or found >= min(3, slice_), (rater, key, found, slice_)
    await say(bot, "grace", "/review close alice")
    with bot.engine.connect() as conn:
        assert [found for _, found, _ in conn.execute(BESIDE)] == [0, 0]
        assert conn.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM review_answers")).scalar() == 1


def test_on_postgresql_closing_a_review_of_thousands_of_answers_keeps_every_one(bot):
    """With `reviews.peers: all` a review of a large org holds tens of thousands of
    answers: rewritten at the close, in one transaction, none is lost or doubled (past
    PostgreSQL's 65,535 parameters a statement)."""
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("the close rewrites answers on PostgreSQL only")
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from storage.review import ReviewAnswer, ReviewRound, shuffle_answers

    with Session(bot.engine) as s, s.begin():
        rnd = ReviewRound(subject_key="alice", started_by="grace", status="open",
                          started_at=datetime(2026, 11, 27, tzinfo=UTC))
        s.add(rnd)
        s.flush()
        round_id = rnd.id
        s.add_all(ReviewAnswer(round_id=round_id, rater_group="peer", criterion=c,
                               rating=1 + n % 5, comment=f"c{n}" if n % 7 == 0 else None)
                  for n in range(2000) for c in CRITERIA)
    with bot.engine.connect() as conn:
        before = sorted(map(tuple, conn.execute(text(
            "SELECT criterion, rating, comment FROM review_answers")).all()), key=repr)
    with Session(bot.engine) as s, s.begin():
        shuffle_answers(s, round_id)
    with bot.engine.connect() as conn:
        after = sorted(map(tuple, conn.execute(text(
            "SELECT criterion, rating, comment FROM review_answers")).all()), key=repr)
        assert conn.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM review_answers")).scalar() == 1
    assert after == before and len(after) == 10000


async def test_the_log_never_counts_the_reminders_a_sweep_sent(settings, tmp_path, clock,
                                                              caplog):
    """Sam, a report of Alice's, is away when the reminders of her scheduled review fall
    due; back two days later, a sweep reminds him alone if he has not finished. "360°
    review reminders: 1 sent" at INFO then told whoever reads the log that he had not (and
    no line, that he had), as the pulse sweep's count once did: reminders are counted in
    no INFO line."""
    from datetime import timedelta

    from tests.test_review_rate import reminders, scheduled
    from tests.test_review_schedule import JAN_1_10AM_NY

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await say(bot, "sam", "/away 2027-01-13")
        caplog.set_level(logging.INFO)
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        assert reminders(chat, "ray")
        clock.set(JAN_1_10AM_NY + timedelta(days=13, hours=6))  # the 14th, back
        await bot.run_review_schedule()
        assert len(reminders(chat, "sam")) == 1
        lines = [r.getMessage() for r in caplog.records
                 if r.levelno >= logging.INFO and "remind" in r.getMessage().lower()]
        assert lines == [], lines
    finally:
        engine.dispose()
