"""Pulse polls: polls, anonymous votes and comments, and who has answered — kept apart.

What makes a vote anonymous here:
- `pulse_votes` and `pulse_comments` hold no person id, no platform id and no time
  at all (the poll says when); the team is stored only for a team of at least the
  threshold of people asked, else it is NULL, and once the poll has closed only for a
  team its results show, and a poll whose results are hidden as a whole keeps none
  of its answers and comments (handlers/pulse.py `forget_hidden`).
- Their primary keys are random tokens, and on SQLite the tables are WITHOUT ROWID,
  so neither an id nor the storage order tells in which order votes arrived.
- Each answer is stored at once, as its own row: nothing of a half-answered poll
  waits anywhere linked to the person (the conversation only says which question
  comes next, never what was answered).
- `pulse_participants` records that someone was asked and how far they got, with no
  value, no time and nothing that points at a vote.

What could point at one: on PostgreSQL every row keeps the id of the transaction that
wrote it (`xmin`, readable by any SELECT), and an answer is written in the transaction
that moves its person's progress on (and their dialog, and the next question's outbox
row). So that transaction writes the answer in company (`_in_company`): it rewrites
other answers of the same slice along with it, all in one INSERT, and a reader who pairs
the person's progress with the answers of its transaction finds at least as many as the
threshold (or every answer so far, while there are fewer). 'No comment' rewrites comments
too, one more in the missing one's place, so a finished step looks the same with or
without a comment once the slice has comments to spare. `shuffle`, run by every pulse
sweep, then rewrites all of them. What neither hides: a reader who compares the answers
before and after one person answers (README: *Your answers are anonymous*, the limits).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Conversation, Person, UTCDateTime


def _token() -> str:
    return secrets.token_hex(16)


#: The kind of a person's open dialog (storage.models.Conversation) while a poll asks them.
DIALOG_KIND = "pulse"

#: Results are never shown for fewer answers than this, whatever a poll's own threshold.
MIN_SHOWN = 3


def shown_threshold(threshold: int, today: int = 0) -> int:
    """The fewest answers a slice of a poll stored with `threshold` is shown for, given the
    org file's threshold `today`: the stricter of the two. Lowered after a poll, the
    threshold shows no more of it than its people were promised; raised, it hides what
    the org now deems too small a group in past polls too."""
    return max(MIN_SHOWN, threshold, today)

class PulsePoll(Base):
    """One poll: the date it opened, its questions (snapshot), when it closes."""

    __tablename__ = "pulse_polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The date it opens (people's local date), e.g. '2026-12-02'.
    key: Mapped[str] = mapped_column(String(10), unique=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    threshold: Mapped[int] = mapped_column(Integer)
    #: Teams big enough (at least the threshold of people asked) to be stored with votes.
    teams: Mapped[list[str]] = mapped_column(JSON)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Once closed, the slices its results may show, decided then and kept (a later read
    #: shows these or fewer: handlers/pulse.py `decide`); None until then (or, for a poll
    #: closed before migration 0019_pulseshown, until the first start after it).
    shown: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class PulseVote(Base):
    """One answer to one question: the poll, the question, the value, maybe the team."""

    __tablename__ = "pulse_votes"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_token)
    poll_id: Mapped[int] = mapped_column(ForeignKey("pulse_polls.id", ondelete="CASCADE"),
                                         index=True)
    question_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    team: Mapped[str | None] = mapped_column(String(100))


class PulseComment(Base):
    """An anonymous comment: the poll, the text, maybe the team."""

    __tablename__ = "pulse_comments"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_token)
    poll_id: Mapped[int] = mapped_column(ForeignKey("pulse_polls.id", ondelete="CASCADE"),
                                         index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)


class PulseParticipant(Base):
    """Someone asked in a poll: how far they got (next question), never what they said."""

    __tablename__ = "pulse_participants"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    poll_id: Mapped[int] = mapped_column(ForeignKey("pulse_polls.id", ondelete="CASCADE"),
                                         primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: The person's team when asked, for participation per team.
    team: Mapped[str | None] = mapped_column(String(100))
    #: Index of the next question to answer (len(questions) for the comment).
    step: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)


#: The columns `_in_company` copies to a row it rewrites (besides the poll).
_COPIED = {"pulse_votes": ("question_key", "value", "team"), "pulse_comments": ("team", "text")}


@dataclass(frozen=True)
class Tally:
    """Votes of one question in one team slice (None: not stored by team)."""

    question_key: str
    team: str | None
    counts: dict[int, int]

    @property
    def n(self) -> int:
        """How many answered."""
        return sum(self.counts.values())


class PulseRepo:
    """Polls, votes, comments and participation."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- polls ---------------------------------------------------------------------------

    def poll(self, key: str) -> PulsePoll | None:
        """A poll by its date key."""
        return self.session.scalars(select(PulsePoll).where(PulsePoll.key == key)).first()

    def by_id(self, poll_id: int) -> PulsePoll | None:
        """A poll by id."""
        return self.session.get(PulsePoll, poll_id)

    def create(self, key: str, questions: list[dict[str, Any]], threshold: int,
               teams: list[str], closes_at: datetime) -> PulsePoll:
        """A new poll."""
        poll = PulsePoll(key=key, questions=questions, threshold=threshold, teams=teams,
                         closes_at=closes_at, closed=False)
        self.session.add(poll)
        self.session.flush()
        return poll

    def hold_open(self, poll: PulsePoll) -> bool:
        """Whether `poll` still takes answers, read afresh; on PostgreSQL its row is then
        held (FOR SHARE) until this transaction ends, so that its close (`close`) waits for
        whatever this transaction stores and decides with it. An answer checked while a
        close is under way waits for that close and reads the poll closed: under READ
        COMMITTED, without the lock, an answer read the poll open, the close counted the
        answers and decided what may be shown, and the answer was stored after, counted in
        no decision. Answers hold it together (share locks), never waiting on each other.
        (SQLite lets one writer in at a time, from its BEGIN IMMEDIATE on: what this
        transaction read of the poll stays true until it ends.)"""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.refresh(poll, ["closed"], with_for_update={"read": True})
        return not poll.closed

    def close(self, poll: PulsePoll) -> bool:
        """Mark `poll` closed, after every answer being stored has been (on PostgreSQL the
        UPDATE waits for their `hold_open` locks, and what this transaction reads after it
        includes them); False if it was closed already (by another sweep). The poll and
        its participants are read afresh."""
        closed = self.session.execute(
            update(PulsePoll).where(PulsePoll.id == poll.id, PulsePoll.closed.is_(False))
            .values(closed=True).execution_options(synchronize_session=False))
        self.session.refresh(poll)
        for obj in list(self.session.identity_map.values()):
            # Loaded before the answers the UPDATE waited for were stored: read them again.
            if isinstance(obj, PulseParticipant) and obj.poll_id == poll.id:
                self.session.expire(obj)
        return closed.rowcount == 1  # type: ignore[attr-defined]

    def open_polls(self) -> list[PulsePoll]:
        """Polls not closed yet."""
        return list(self.session.scalars(
            select(PulsePoll).where(PulsePoll.closed.is_(False)).order_by(PulsePoll.key)))

    def recent(self, limit: int, *, closed_only: bool = False,
               before_key: str | None = None) -> list[PulsePoll]:
        """The latest polls, oldest first."""
        query = select(PulsePoll)
        if closed_only:
            query = query.where(PulsePoll.closed.is_(True))
        if before_key is not None:
            query = query.where(PulsePoll.key < before_key)
        rows = list(self.session.scalars(query.order_by(PulsePoll.key.desc()).limit(limit)))
        return rows[::-1]

    def since(self, key: str) -> list[PulsePoll]:
        """Polls from a date key on, oldest first."""
        return list(self.session.scalars(
            select(PulsePoll).where(PulsePoll.key >= key).order_by(PulsePoll.key)))

    # --- participation -------------------------------------------------------------------

    def participant(self, poll: PulsePoll, person: Person) -> PulseParticipant | None:
        """Whether (and how far) a person was asked in a poll."""
        return self.session.get(PulseParticipant, (poll.id, person.id))

    def add_participant(self, poll: PulsePoll, person: Person,
                        team: str | None = None) -> PulseParticipant:
        """Record that a person is asked (`team`: their team as the poll keeps it, one
        spelling per team; their own by default)."""
        row = PulseParticipant(poll_id=poll.id, person_id=person.id,
                               team=team if team is not None else person.team,
                               step=0, done=False, reminded=False)
        self.session.add(row)
        self.session.flush()
        return row

    def advance(self, part: PulseParticipant, step: int, *, done: bool = False) -> bool:
        """Move a participant on from `step` (to the next question, or `done`) if they are
        still there; False if another transaction moved them first (a second tap handled
        at once by another replica): the caller then stores nothing. On PostgreSQL the
        guarded UPDATE waits for that transaction and finds the row moved on."""
        values: dict[str, Any] = {"done": True} if done else {"step": step + 1}
        moved = self.session.execute(
            update(PulseParticipant)
            .where(PulseParticipant.poll_id == part.poll_id,
                   PulseParticipant.person_id == part.person_id,
                   PulseParticipant.step == step, PulseParticipant.done.is_(False))
            .values(**values).execution_options(synchronize_session=False))
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            self.session.expire(part)
            return False
        self.session.expire(part)
        return True

    def take_to_remind(self, poll: PulsePoll, person_ids: Collection[int]) -> set[int]:
        """Of these people asked in `poll`, those whose progress and open dialog this
        transaction now holds (on PostgreSQL), to remind: anyone whose row another
        transaction holds (their answer being stored) is left out, never waited for, and a
        later sweep looks again. Waiting, the reminders held the rows of the people reminded
        before, in their own order, while a batch of events answering held others in the
        order of its events, and each waited for the other: a deadlock, which PostgreSQL
        broke after a second by undoing one side."""
        ids = set(person_ids)
        if not ids or self.session.get_bind().dialect.name != "postgresql":
            return ids
        taken = set(self.session.scalars(
            select(PulseParticipant.person_id)
            .where(PulseParticipant.poll_id == poll.id, PulseParticipant.person_id.in_(ids))
            .with_for_update(skip_locked=True)))
        if not taken:
            return taken
        # A dialog row another transaction holds (an event of theirs): left out.
        dialogs = set(self.session.scalars(
            select(Conversation.person_id).where(Conversation.person_id.in_(taken))))
        free = set(self.session.scalars(
            select(Conversation.person_id).where(Conversation.person_id.in_(dialogs))
            .with_for_update(skip_locked=True)))
        # Someone with no dialog row may be getting one from a batch of events (a
        # `/pulse`), not to be seen until it commits: the reminder's own row then waited
        # for it, holding the progress of the batch's next tap, a deadlock. Such a batch
        # holds its senders (PeopleRepo.lock): those whose row is held are left out.
        # (FOR SHARE: a round's batch reads people so too. Mostly nobody: no statement.)
        bare = taken - dialogs
        if bare:
            taken -= bare - set(self.session.scalars(
                select(Person.id).where(Person.id.in_(bare)).order_by(Person.id)
                .with_for_update(read=True, skip_locked=True)))
        return taken - (dialogs - free)

    def participants(self, poll: PulsePoll) -> list[PulseParticipant]:
        """Everyone asked in a poll."""
        return list(self.session.scalars(
            select(PulseParticipant).where(PulseParticipant.poll_id == poll.id)))

    # --- votes ---------------------------------------------------------------------------

    def vote(self, poll: PulsePoll, question_key: str, value: int, team: str | None) -> None:
        """Store one anonymous answer (team only where the poll keeps that team), in
        company on PostgreSQL (see `_in_company`)."""
        row = PulseVote(poll_id=poll.id, question_key=question_key, value=value,
                        team=team if team in poll.teams else None)
        self._in_company(poll, row, PulseVote.question_key == question_key)

    def comment(self, poll: PulsePoll, text: str, team: str | None) -> None:
        """Store one anonymous comment, in company on PostgreSQL (see `_in_company`)."""
        row = PulseComment(poll_id=poll.id, text=text,
                           team=team if team in poll.teams else None)
        self._in_company(poll, row, PulseComment.poll_id == poll.id)

    def no_comment(self, poll: PulsePoll, team: str | None) -> None:
        """'No comment': store nothing, but on PostgreSQL rewrite as many comments of the
        person's slice as a comment would be written with, plus one in its place, so the
        group a reader finds beside their finished progress looks the same either way."""
        self._in_company(poll, None, PulseComment.poll_id == poll.id,
                         team=team if team in poll.teams else None)

    def _in_company(self, poll: PulsePoll, row: PulseVote | PulseComment | None,
                    same_question: Any, team: str | None = None) -> None:
        """Add `row` in company of other rows of its slice (same poll, question and stored
        team: a reader knows the person's question from their progress and their team),
        see `write_in_company`. `row` None ('No comment', a comment of `team`'s slice left
        out): one more row of the slice is rewritten in the new one's place."""
        model: type[PulseVote] | type[PulseComment] = \
            PulseComment if row is None else type(row)
        if row is not None:
            team = row.team
        same_slice = [model.poll_id == poll.id, same_question,
                      model.team.is_(None) if team is None else model.team == team]
        write_in_company(self.session, model, row, same_slice,
                         shown_threshold(poll.threshold), _COPIED[model.__tablename__],
                         {"poll_id": poll.id}, stand_in=row is None)

    def tallies(self, poll: PulsePoll, question_key: str | None = None) -> list[Tally]:
        """Counts of each value per question (only `question_key`, if given) and team slice."""
        query = select(PulseVote.question_key, PulseVote.team, PulseVote.value, func.count()
                       ).where(PulseVote.poll_id == poll.id)
        if question_key is not None:
            query = query.where(PulseVote.question_key == question_key)
        rows = self.session.execute(
            query.group_by(PulseVote.question_key, PulseVote.team, PulseVote.value)).all()
        out: dict[tuple[str, str | None], dict[int, int]] = {}
        for key, team, value, count in rows:
            out.setdefault((key, team), {})[int(value)] = int(count)
        return [Tally(k, t, c) for (k, t), c in sorted(out.items(), key=lambda i: (
            i[0][0], i[0][1] or ""))]

    def shuffle(self, poll: PulsePoll) -> None:
        """Write a poll's votes and comments again, in random order with new keys.

        PostgreSQL keeps rows in the order they were written (SQLite here orders them by
        their random key), and that order, read beside the order in which people's
        progress changed, could pair them up: rewriting in random order breaks it.

        The rows are taken in one statement, skipping those an answer being stored is
        rewriting (`_in_company`: locked by it, and written again by it). Read first and
        deleted after, such a row was deleted by the answer meanwhile, and written again
        by both, beside the answer's copy: a sweep at the moment someone answered counted
        the answers it rewrote twice.
        """
        for model in (PulseVote, PulseComment):
            columns = _COPIED[model.__tablename__]
            fresh = [{"id": _token(), "poll_id": poll.id, **r._mapping}
                     for r in self.session.execute(
                         delete(model).where(model.id.in_(
                             select(model.id).where(model.poll_id == poll.id)
                             .with_for_update(skip_locked=True)))
                         .returning(*[model.__table__.c[c] for c in columns])
                         .execution_options(synchronize_session=False))]
            if not fresh:
                continue
            secrets.SystemRandom().shuffle(fresh)
            self.session.execute(insert(model), fresh)
        self._let_go_of_answers(poll)  # (deleted above, behind the ORM's back)

    def _let_go_of_answers(self, poll: PulsePoll) -> None:
        """Forget the session's copies of `poll`'s votes and comments, after a statement
        that deleted or changed their rows without the ORM."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, PulseVote | PulseComment) and obj.poll_id == poll.id:
                self.session.expunge(obj)

    def forget_teams(self, poll: PulsePoll, keep: dict[str, Collection[str]],
                     comments: Collection[str], *, answers: bool = True) -> None:
        """Of a closed poll, keep each question's answers (by key) under their team only
        for the teams `keep` names for it (as stored; a question it does not name: none),
        the others' with no team, as a team too small to be kept is; `comments`: so for
        the comments (alone, without `answers`). (handlers/pulse.py `forget_hidden` says
        why.)"""
        keys = list(self.session.scalars(
            select(PulseVote.question_key).where(PulseVote.poll_id == poll.id).distinct())
        ) if answers else []
        parts: list[tuple[Any, Collection[str], list[Any]]] = [
            (PulseVote, keep.get(key, ()), [PulseVote.question_key == key]) for key in keys]
        parts.append((PulseComment, comments, []))
        for model, teams, same in parts:
            self.session.execute(
                update(model).where(model.poll_id == poll.id, *same, model.team.is_not(None),
                                    model.team.not_in(sorted(teams)))
                .values(team=None).execution_options(synchronize_session=False))
        self._let_go_of_answers(poll)  # (changed above, behind the ORM's back)

    def forget_comments(self, poll: PulsePoll) -> int:
        """Of a closed poll whose results show no comment (too few answered every question),
        delete the comments (handlers/pulse.py `comment_slices`). How many."""
        gone = self.session.execute(
            delete(PulseComment).where(PulseComment.poll_id == poll.id)
            .execution_options(synchronize_session=False)).rowcount or 0  # type: ignore[attr-defined]
        self._let_go_of_answers(poll)  # (deleted above, behind the ORM's back)
        return int(gone)

    def forget_answers(self, poll: PulsePoll) -> int:
        """Of a closed poll whose results are hidden as a whole, delete every answer and
        comment: its participation alone is kept (handlers/pulse.py `forget_hidden` says
        why). How many rows."""
        gone = 0
        for model in (PulseVote, PulseComment):
            gone += self.session.execute(
                delete(model).where(model.poll_id == poll.id)
                .execution_options(synchronize_session=False)
            ).rowcount or 0  # type: ignore[attr-defined]
        self._let_go_of_answers(poll)  # (deleted above, behind the ORM's back)
        return gone

    def asked_by_team_of(self, keys: Collection[str]) -> dict[str, dict[str | None, int]]:
        """How many people of each team (as when asked; None: no team) each poll asked, by
        poll key, in one statement (a chart of 52 weeks reads 52 polls: two statements
        each cost more than drawing it)."""
        found: dict[str, dict[str | None, int]] = {}
        if not keys:
            return found
        for key, team, count in self.session.execute(
                select(PulsePoll.key, PulseParticipant.team, func.count())
                .join(PulsePoll, PulsePoll.id == PulseParticipant.poll_id)
                .where(PulsePoll.key.in_(sorted(keys)))
                .group_by(PulsePoll.key, PulseParticipant.team)):
            found.setdefault(key, {})[team] = int(count)
        return found

    def shown_of(self, keys: Collection[str]) -> dict[str, dict[str, Any] | None]:
        """Each poll's (by key) slices decided at its close (PulsePoll.shown), in one
        statement."""
        if not keys:
            return {}
        return {key: shown for key, shown in self.session.execute(
            select(PulsePoll.key, PulsePoll.shown).where(PulsePoll.key.in_(sorted(keys))))}

    def readers_asked(self, keys: Collection[str]) -> dict[str, list[str | None]]:
        """Of the people each poll asked (by poll key), those who may read its results today
        (the GM and summary viewers: `/pulse results`): the team each was asked in, in one
        statement. A reader who answered knows their own answer, and takes it from any
        figure they read, so a group they were asked in needs one answer more, whether they
        answered or not (handlers/pulse.py: `visible_slices`): how far they got is not read.
        A handful of rows per poll."""
        found: dict[str, list[str | None]] = {}
        if not keys:
            return found
        for key, team in self.session.execute(
                select(PulsePoll.key, PulseParticipant.team)
                .join(PulsePoll, PulsePoll.id == PulseParticipant.poll_id)
                .join(Person, Person.id == PulseParticipant.person_id)
                .where(PulsePoll.key.in_(sorted(keys)), Person.can_view_summary.is_(True))):
            found.setdefault(key, []).append(team)
        return found

    def progress_of(self, keys: Collection[str], person_ids: Collection[int]
                    ) -> dict[tuple[str, int], tuple[str | None, int]]:
        """Of these people, each one's team as asked and how far they got (`step`) in each
        of these polls (by poll key), in one statement: a team's director, reading the
        team's alert, knows their own answer (handlers/pulse.py: send_alerts)."""
        if not keys or not person_ids:
            return {}
        return {(key, int(person)): (team, int(step))
                for key, person, team, step in self.session.execute(
                    select(PulsePoll.key, PulseParticipant.person_id, PulseParticipant.team,
                           PulseParticipant.step)
                    .join(PulsePoll, PulsePoll.id == PulseParticipant.poll_id)
                    .where(PulsePoll.key.in_(sorted(keys)),
                           PulseParticipant.person_id.in_(sorted(person_ids))))}

    def kept(self, keys: Collection[str]) -> dict[str, tuple[list[str], list[str]]]:
        """Each poll's (by key) teams kept with its answers and its questions' keys in
        order, in one statement."""
        if not keys:
            return {}
        return {key: (list(teams), [str(q["key"]) for q in questions])
                for key, teams, questions in self.session.execute(
                    select(PulsePoll.key, PulsePoll.teams, PulsePoll.questions)
                    .where(PulsePoll.key.in_(sorted(keys))))}

    def participant_ids(self, poll: PulsePoll) -> set[int]:
        """Ids of the people asked in a poll."""
        return set(self.session.scalars(select(PulseParticipant.person_id).where(
            PulseParticipant.poll_id == poll.id)))

    def comments(self, poll: PulsePoll) -> list[tuple[str | None, str]]:
        """(team, text) of a poll's comments, in an order unrelated to when they came."""
        rows = self.session.execute(
            select(PulseComment.team, PulseComment.text).where(PulseComment.poll_id == poll.id)
            .order_by(PulseComment.text)).all()
        return [(team, text) for team, text in rows]


def write_in_company(session: Session, model: Any, row: Any, same_slice: list[Any],
                     threshold: int, columns: tuple[str, ...], parent: dict[str, Any], *,
                     stand_in: bool = False) -> None:
    """Add `row` (an anonymous answer of `model`, whose `id` is a random token) and, on
    PostgreSQL, rewrite other rows of its slice (`same_slice`: what a reader knows of the
    person who answered, e.g. the poll, question and stored team) in the same statement,
    in random order with new keys, so the transaction that moves the person on wrote at
    least min(threshold, rows so far + 1) rows a reader cannot tell apart: same `xmin`,
    same command (`cmin`), new places. `columns` are copied to a rewritten row, `parent`
    (e.g. the poll's id) is the same for the whole slice.

    Other answers' company is kept: a transaction's rows are taken all, or so few that
    at least the threshold stay (otherwise someone answering the same question just
    after would leave a person's latest answer with thinner company, down to alone).
    Which rows of a group keep the new one company does not matter: they are alike
    to a reader.

    `row` None with `stand_in` (a pulse 'No comment'): one more row of the slice is
    rewritten in the new one's place (`_company`'s `stand_in`)."""
    if session.get_bind().dialect.name != "postgresql":
        if row is not None:
            session.add(row)  # SQLite keeps no transaction id on a row
        return
    taken = _company(session, model, same_slice, threshold, stand_in=stand_in)
    fresh = [] if row is None else [{c: getattr(row, c) for c in columns}]
    if taken:
        fresh += [dict(r._mapping) for r in session.execute(
            # SKIP LOCKED: a row another transaction is rewriting (a sweep, an answer
            # at the same moment) is left to it; an answer never waits on one, so it
            # adds no lock wait to the answer path and no deadlock with the sweep.
            delete(model).where(model.id.in_(
                select(model.id).where(model.id.in_(taken))
                .with_for_update(skip_locked=True)))
            .returning(*[model.__table__.c[c] for c in columns])
            .execution_options(synchronize_session=False))]
    if not fresh:  # 'No comment' in a slice without comments (or all being rewritten)
        return
    secrets.SystemRandom().shuffle(fresh)
    # One multi-row INSERT (not the ORM's executemany, which may send one statement per
    # row): every row then has the same command id as well as the same transaction.
    session.execute(insert(model).values([{"id": _token(), **parent, **r} for r in fresh]))


def _company(session: Session, model: Any, same_slice: list[Any], threshold: int, *,
             stand_in: bool = False) -> list[str]:
    """Ids of the rows to rewrite with a new one: threshold-1 of them (or the whole
    slice, if smaller), taking each transaction's rows all or leaving it at least the
    threshold. The first rows of the slice usually settle it (after a sweep one
    transaction holds them all): the whole slice is read only when they are many
    groups too small to share, so an answer costs the same in a poll of 10,000.

    `stand_in` (no new row): the same rows plus one more in the new row's place, where
    a group can spare one and keep the threshold; else as many whole groups as make
    the threshold (a group then one larger or smaller than a new row's would be)."""
    need = threshold - 1
    first = session.execute(select(text("xmin::text"), model.id).where(*same_slice)
                                 .limit(8 * threshold)).all()
    groups: dict[str, list[str]] = {}
    for xid, row_id in first:
        groups.setdefault(xid, []).append(row_id)
    if len(first) == 8 * threshold:  # a part of the slice: only a big group is safe
        big = [ids for ids in groups.values()
               if len(ids) >= need + stand_in + threshold]
        if big:
            return secrets.choice(big)[:need + stand_in]
        every = session.execute(
            select(func.count(), text(f"(array_agg(id))[1:{2 * threshold}]"))
            .select_from(model).where(*same_slice).group_by(text("xmin::text"))).all()
        groups = {str(i): list(ids) for i, (_, ids) in enumerate(every)}
        sizes = {str(i): int(n) for i, (n, _) in enumerate(every)}
    else:
        sizes = {x: len(ids) for x, ids in groups.items()}
    order = list(groups)
    secrets.SystemRandom().shuffle(order)
    taken = _pick(groups, sizes, order, need, threshold)
    if not stand_in:
        return taken
    chosen = set(taken)
    for x in order:
        left = [i for i in groups[x] if i not in chosen]
        # The group keeps the threshold without this one (a small group's ids were all read).
        if left and sizes[x] - (len(groups[x]) - len(left)) - 1 >= threshold:
            return [*taken, left[0]]
    return _pick(groups, sizes, order, threshold, threshold)


def _pick(groups: dict[str, list[str]], sizes: dict[str, int], order: list[str], need: int,
          threshold: int) -> list[str]:
    """`need` ids from the groups in `order`, each group taken all or left the threshold."""
    taken: list[str] = []
    for x in order:
        if len(taken) >= need:
            break
        left = need - len(taken)
        # A group this small has at most 2*threshold-2 rows: all of its ids were read.
        taken += groups[x][:left] if sizes[x] - left >= threshold else groups[x]
    return taken
