"""Bulk reads and writes for one batch of a check-in round.

A round for 10,000 people is written in batches (bot.core.ROUND_BATCH); each batch
costs a constant number of statements, whatever its size: people, away periods and
existing rounds are read with one query each, and new rounds, conversations and
outbox rows are written with one multi-row statement each. (One person at a time
this was about ten statements per person.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Select, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from storage.db import planned_afresh
from storage.models import Answer, CheckinRound, Conversation, OutboxMessage, Person
from storage.repositories import KEYS_PER_STATEMENT


class RoundBatchRepo:
    """The statements of one round batch, each covering the whole batch."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table: Any) -> Insert:
        # ON CONFLICT is spelled the same by both dialects we support, but each has its own
        # construct for it.
        if self.session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def checking_in_ids(self, timezone: str | None = None) -> list[int]:
        """Ids of everyone active who checks in (in one timezone, if given), in key order."""
        query = select(Person.id).where(Person.active, Person.checks_in)
        if timezone is not None:
            query = query.where(Person.timezone == timezone)
        return list(self.session.scalars(query.order_by(Person.key)))

    def checking_in_timezones(self) -> list[str]:
        """The distinct timezones of everyone active who checks in, sorted."""
        return sorted(self.session.scalars(select(Person.timezone).where(
            Person.active, Person.checks_in).distinct()))

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        """People by id, in one query, held (on PostgreSQL) until the batch commits.

        Read FOR SHARE, in id order: an `/away` takes its sender's row FOR NO KEY UPDATE
        (CheckinRepo.lock_for_away). Committed while the batch read them "not away" and
        wrote their prompt, it saw no prompt to drop, and the prompt went on holiday; now
        the batch waits for an `/away` under way and reads its period, or the `/away`
        waits for the batch and drops the prompt still waiting."""
        if not ids:
            return {}
        return {p.id: p for p in self.session.scalars(
            select(Person).where(Person.id.in_(list(ids))).order_by(Person.id)
            .with_for_update(read=True))}

    def rounds(self, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], CheckinRound]:
        """Existing rounds for (person id, week) pairs, in one query."""
        wanted = set(pairs)
        rows = self.session.scalars(_of_pairs(select(CheckinRound), wanted)) if wanted else ()
        return {(r.person_id, r.week): r for r in rows if (r.person_id, r.week) in wanted}

    def latest_round_zones(self, ids: Sequence[int]) -> dict[int, str]:
        """{person id: the timezone their latest round was run in}, in one query (people
        without a round, or whose latest has no timezone stored, are left out)."""
        latest = (select(CheckinRound.person_id, func.max(CheckinRound.week).label("week"))
                  .where(CheckinRound.person_id.in_(sorted(set(ids))))
                  .group_by(CheckinRound.person_id).subquery())
        return {pid: zone for pid, zone in self.session.execute(
            select(CheckinRound.person_id, CheckinRound.timezone).join(
                latest, (CheckinRound.person_id == latest.c.person_id)
                & (CheckinRound.week == latest.c.week))) if zone is not None}

    def rounds_started(self, pairs: Iterable[tuple[int, str]]
                       ) -> tuple[dict[tuple[int, str], CheckinRound], set[tuple[int, str]]]:
        """rounds(), with the pairs whose round is started (an answer given) and not
        finished, in the same one statement (a new week's prompt says so of last week's)."""
        wanted = set(pairs)
        if not wanted:
            return {}, set()
        with planned_afresh(self.session.connection()):  # (a round's batches: see there)
            rows = self.session.execute(_of_pairs(select(
                CheckinRound, (CheckinRound.status == "open") & CheckinRound.answers.any()),
                wanted)).all()
        found: dict[tuple[int, str], CheckinRound] = {}
        started: set[tuple[int, str]] = set()
        for rnd, begun in rows:
            pair = (rnd.person_id, rnd.week)
            if pair in wanted:
                found[pair] = rnd
                if begun:
                    started.add(pair)
        return found, started

    def create_rounds(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert rounds (CheckinRound columns) and return their ids, in row order.

        One multi-row insert and one query for the ids: RETURNING in row order would make
        SQLite insert row by row.
        """
        if not rows:
            return []
        self.session.execute(CheckinRound.__table__.insert(), rows)
        found = self.rounds_ids((r["person_id"], r["week"]) for r in rows)
        return [found[(r["person_id"], r["week"])] for r in rows]

    def rounds_ids(self, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """Ids of the rounds for (person id, week) pairs, in one query."""
        wanted = set(pairs)
        if not wanted:
            return {}
        with planned_afresh(self.session.connection()):  # (a round's batches: see there)
            rows = self.session.execute(_of_pairs(select(
                CheckinRound.id, CheckinRound.person_id, CheckinRound.week), wanted)).all()
        return {(pid, week): rid for rid, pid, week in rows if (pid, week) in wanted}

    def ask(self, rows: list[dict[str, Any]], *,
            not_over_since: datetime | None = None) -> set[int]:
        """Record, for many people at once, the question each was asked (Conversation rows).
        Returns the ids of the people whose row was written.

        `not_over_since`: not over another kind's dialog asked since then (one under way,
        see ConversationRepo.under_way), as each row is when written. A sweep reads who
        is in another dialog, then writes: a survey question sent meanwhile by another
        replica's transaction (committed, or waited for here) was written over, and the
        rater's answer to it taken for the check-in's. (On SQLite nothing commits between
        the sweep's read and its write: every row is written, as read.)"""
        if not rows:
            return set()
        stmt = self._insert(Conversation.__table__)
        columns = ("kind", "round_id", "question_key", "editing", "pending_numbers",
                   "updated_at")
        table = Conversation.__table__
        upsert = stmt.on_conflict_do_update(
            index_elements=["person_id"],
            set_={**{c: getattr(stmt.excluded, c) for c in columns},
                  # (a dialog changed: see Conversation.version)
                  "version": table.c.version + 1},
            where=None if not_over_since is None else or_(
                table.c.kind == "checkin", table.c.updated_at <= not_over_since))
        if not_over_since is None or self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(upsert, rows)
            return {row["person_id"] for row in rows}
        return set(self.session.scalars(upsert.returning(table.c.person_id), rows))

    def awaiting_reminder(self, prompted_before: datetime, weeks: Sequence[str],
                          after_id: int = 0, limit: int | None = None) -> list[CheckinRound]:
        """Open rounds of these weeks prompted before a time and not reminded yet, with ids
        above `after_id`, in id order, their people and answers loaded with them.

        On PostgreSQL the rounds are locked (FOR NO KEY UPDATE, in id order) until the
        sweep commits, those an answer holds (CheckinRepo.lock_for_answer) passed over
        for a later sweep: an answer being stored on another replica could otherwise be
        followed by the reminder of what it answered. An answer coming after waits for
        the sweep's commit, and finds its reminder queued, to withdraw."""
        query = select(CheckinRound).where(
            CheckinRound.status == "open", CheckinRound.reminded_at.is_(None),
            CheckinRound.prompted_at.is_not(None),
            CheckinRound.prompted_at <= prompted_before,
            CheckinRound.week.in_(list(weeks)), CheckinRound.id > after_id,
        ).options(selectinload(CheckinRound.person), selectinload(CheckinRound.answers)
                  ).order_by(CheckinRound.id)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(
            query.with_for_update(key_share=True, skip_locked=True)))

    def mark_reminded(self, answered: dict[int, int], now: datetime) -> set[int]:
        """Mark these rounds (id -> how many answers the reminder sweep read of each)
        reminded at `now`, in one statement, where they are still as read: open, not
        reminded, with as many answers. The ids of those. A round an answer has changed
        since is left unmarked, for a later sweep.

        The sweep reads its rounds, then queues: with several replicas, a last answer
        handled by a follower in between (committed, with nothing queued yet for it to
        withdraw) was followed by "your check-in isn't finished yet". This UPDATE reads
        each round afresh, and on PostgreSQL waits for a last answer being stored (both
        write the row) and then leaves it out; a last answer after it waits for this
        transaction and finds the reminder queued, to withdraw. (Rounds read locked, see
        awaiting_reminder: on PostgreSQL no answer is committed to them meanwhile.)"""
        if not answered:
            return set()
        # Named in full: RETURNING writes its columns unqualified, and a bare "id" inside
        # the subquery would be the answer's own.
        count = select(func.count(Answer.id)).where(
            Answer.round_id == literal_column(f"{CheckinRound.__tablename__}.id")) \
            .scalar_subquery()
        rows = self.session.execute(
            update(CheckinRound).where(
                CheckinRound.id.in_(sorted(answered)), CheckinRound.status == "open",
                CheckinRound.reminded_at.is_(None))
            .values(reminded_at=now).returning(CheckinRound.id, count)
            .execution_options(synchronize_session=False)).all()
        still = {int(i) for i, n in rows if int(n) == answered[int(i)]}
        if changed := sorted(int(i) for i, _ in rows if int(i) not in still):
            # An answer came meanwhile (rare): reminded of what is left by a later sweep.
            self.session.execute(
                update(CheckinRound).where(CheckinRound.id.in_(changed))
                .values(reminded_at=None).execution_options(synchronize_session=False))
        return still

    def week_rounds(self, week: str, person_ids: Sequence[int]) -> list[CheckinRound]:
        """These people's rounds of one week, with their answers (and people) loaded."""
        found: list[CheckinRound] = []
        for start in range(0, len(person_ids), KEYS_PER_STATEMENT):
            found += self.session.scalars(select(CheckinRound).where(
                CheckinRound.week == week,
                CheckinRound.person_id.in_(list(person_ids[start:start + KEYS_PER_STATEMENT])),
            ).options(selectinload(CheckinRound.person), selectinload(CheckinRound.answers)))
        return found

    def dedupe_states(self, keys: Sequence[str]) -> dict[str, tuple[str, datetime | None]]:
        """The status and sent_at of the outbox messages recorded under these dedupe keys
        (a key not recorded is not in the result)."""
        found: dict[str, tuple[str, datetime | None]] = {}
        with planned_afresh(self.session.connection()):  # (as taken_dedupe_keys)
            for start in range(0, len(keys), KEYS_PER_STATEMENT):
                found.update((key, (status, sent_at)) for key, status, sent_at in
                             self.session.execute(select(
                                 OutboxMessage.dedupe_key, OutboxMessage.status,
                                 OutboxMessage.sent_at).where(OutboxMessage.dedupe_key.in_(
                                     list(keys[start:start + KEYS_PER_STATEMENT])))))
        return found

    def taken_dedupe_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these outbox dedupe keys are already recorded."""
        if not keys:
            return set()
        # (A round looks up each batch's keys in an outbox it is filling: see planned_afresh.)
        with planned_afresh(self.session.connection()):
            return set(self.session.scalars(select(OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.in_(list(keys)))))

    def dedupe_keys_between(self, prefix: str, suffix: str) -> list[str]:
        """The recorded outbox dedupe keys that start with `prefix` and end with `suffix`
        (each taken literally: a '_' in a person's key is no wildcard)."""
        def literal(text: str) -> str:
            return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

        found = self.session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like(f"{literal(prefix)}%{literal(suffix)}",
                                          escape="\\")))
        return [k for k in found if k is not None]

    def enqueue(self, rows: list[dict[str, Any]]) -> None:
        """Record outbox messages (OutboxMessage columns) in one statement, in row order.

        A dedupe key recorded meanwhile by someone else keeps its first message.
        """
        if not rows:
            return
        self.session.execute(self._insert(OutboxMessage.__table__).on_conflict_do_nothing(
            index_elements=["dedupe_key"]), rows)


def _of_pairs(query: Select[Any], wanted: set[tuple[int, str]]) -> Select[Any]:
    """`query` of the rounds of `wanted`'s people in `wanted`'s weeks: a superset of the
    pairs (one statement, not one per pair), which the caller narrows."""
    return query.where(CheckinRound.person_id.in_(sorted({pid for pid, _ in wanted})),
                       CheckinRound.week.in_(sorted({week for _, week in wanted})))
