"""Kudos: one row per (giver, recipient) of a recognition, and the queries over them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from bot.team_names import spellings_of, team_key, team_order
from storage import row_locks
from storage.models import Base, Person, UTCDateTime
from storage.repositories import PeopleRepo


class Kudos(Base):
    """One person recognising another, with why, the values it shows, and where it was said.

    `source_key` identifies the message it came from (platform, chat, message id); it is
    unique per recipient, so the same message seen twice (a redelivery, or Slack sending
    both `app_mention` and `message` for it) gives kudos once.

    `giver_team` and `recipient_team` are the two people's teams when it was given (None:
    no team then): a move to another team later (an org file edit) does not rewrite past
    honour rolls, boards or summaries. Kudos given before 0015_kudosteam carry the teams
    the people had at that upgrade, the best that was known.

    `value_labels` keeps the label of each value in `values` as the org file had it when
    the kudos was given (`{"customer-first": {"en": "Customer first", "zh-CN": "客户第一"}}`):
    a value renamed or taken out of the org file later does not rewrite past kudos. None:
    not known yet, for kudos given before 0018_kudoslabel until the next start fills them
    in from the org file of then (fill_value_labels), the best that is known.
    """

    __tablename__ = "kudos"
    __table_args__ = (UniqueConstraint("source_key", "recipient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                          index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                              index=True)
    reason: Mapped[str] = mapped_column(Text)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(128))
    message_id: Mapped[str | None] = mapped_column(String(128))
    source_key: Mapped[str | None] = mapped_column(String(300))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    giver_team: Mapped[str | None] = mapped_column(String(100))
    recipient_team: Mapped[str | None] = mapped_column(String(100))
    value_labels: Mapped[dict[str, dict[str, str]] | None] = mapped_column(
        JSON(none_as_null=True))

    giver: Mapped[Person] = relationship(foreign_keys=[giver_id])
    recipient: Mapped[Person] = relationship(foreign_keys=[recipient_id])


@dataclass(frozen=True)
class TeamKudos:
    """Recognition activity of one team in a period (`team` None: people without a team)."""

    team: str | None
    given: int
    received: int
    givers: int
    recipients: int


class KudosRepo:
    """Kudos given and received."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def give(self, *, giver: Person, recipient: Person, reason: str, values: Sequence[str],
             platform: str, chat_id: str | None, message_id: str | None,
             now: datetime, value_labels: Mapping[str, Mapping[str, str]] | None = None
             ) -> Kudos | None:
        """Record one kudos; None when this message already gave this recipient kudos.
        `value_labels`: the labels of `values` in the org file now (see Kudos)."""
        source_key = f"{platform}:{chat_id}:{message_id}" if message_id else None
        if source_key is not None and self.session.scalar(select(Kudos.id).where(
                Kudos.source_key == source_key, Kudos.recipient_id == recipient.id)):
            return None
        row = Kudos(giver_id=giver.id, recipient_id=recipient.id, reason=reason,
                    values=list(values), platform=platform, chat_id=chat_id,
                    message_id=message_id, source_key=source_key, given_at=now,
                    giver_team=giver.team, recipient_team=recipient.team,
                    value_labels=labels_of(values, value_labels)
                    if value_labels is not None else None)
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return None
        return row

    def already_given(self, platform: str, chat_id: str | None, message_id: str,
                      recipients: Sequence[Person]) -> bool:
        """Whether one message already gave kudos to all these recipients."""
        source_key = f"{platform}:{chat_id}:{message_id}"
        found = set(self.session.scalars(select(Kudos.recipient_id).where(
            Kudos.source_key == source_key)))
        return all(p.id in found for p in recipients)

    def from_message(self, platform: str, chat_id: str | None, message_id: str) -> list[Kudos]:
        """The kudos one message gave, in the order given."""
        source_key = f"{platform}:{chat_id}:{message_id}"
        return list(self.session.scalars(select(Kudos).where(Kudos.source_key == source_key)
                                          .options(selectinload(Kudos.recipient))
                                          .order_by(Kudos.id)))

    def lock_giver(self, giver: Person) -> None:
        """Lock the giver's row until the transaction ends, before anything of their kudos
        is read: two of their messages handled at once by two replicas (PostgreSQL) would
        otherwise both count the daily allowance before either gave, and together pass it
        (and one message arriving twice at once, as a Slack mention and a channel message,
        read as not yet given by both, was refused as over the allowance by the second).
        The second reads once the first has committed. (SQLite has no row locks, and needs
        none: its writers take turns.)

        In a batch of events (one transaction) every sender is held already (on
        PostgreSQL the batch locks them up front, see PeopleRepo.lock); otherwise the first
        call locks every sender of the batch, in id order, in one statement, and later
        calls cost nothing. Locked one by one as their kudos came, two batches with two
        givers in opposite order each held one and waited for the other: a deadlock,
        which PostgreSQL breaks after a second by undoing one batch. FOR NO KEY UPDATE,
        not FOR UPDATE: a row written elsewhere that only refers to the giver (a kudo to
        them, a poll's participant row) need not wait, and a sweep inserting such rows
        cannot hold one the batch waits for."""
        if giver.id in row_locks.held(self.session, "people"):
            return
        people = PeopleRepo(self.session)
        people.lock([giver.id, *(p.id for p in people.senders())])

    def given_since(self, giver: Person, since: datetime, until: datetime | None = None
                    ) -> int:
        """How many kudos a person has given since a time (before `until`, if given): their
        daily allowance (see lock_giver)."""
        query = select(func.count(Kudos.id)).where(
            Kudos.giver_id == giver.id, Kudos.given_at >= since)
        if until is not None:
            query = query.where(Kudos.given_at < until)
        return int(self.session.scalar(query) or 0)

    def between(self, start: datetime | None, end: datetime | None,
                teams: Collection[str] | None = None) -> list[Kudos]:
        """Every kudos in [start, end) (given or received by someone who was in one of
        `teams` then, if given, in any spelling: bot/team_names.py), oldest first, with
        giver and recipient loaded."""
        query = select(Kudos).options(selectinload(Kudos.giver), selectinload(Kudos.recipient))
        if start is not None:
            query = query.where(Kudos.given_at >= start)
        if end is not None:
            query = query.where(Kudos.given_at < end)
        if teams is not None:
            # The period's spellings of the teams, matched in Python (SQL's lower() keeps
            # `Straße` apart from `STRASSE`, and SQLite's lowers ASCII letters only).
            names = spellings_of(teams, stored_teams(self.session, start, end))
            query = query.where(or_(Kudos.giver_team.in_(names),
                                    Kudos.recipient_team.in_(names)))
        return list(self.session.scalars(query.order_by(Kudos.given_at, Kudos.id)))

    def received_by(self, person: Person, limit: int = 10) -> tuple[int, list[Kudos]]:
        """How many kudos a person received in all, and the newest few."""
        return self._of(Kudos.recipient_id == person.id, limit)

    def given_by(self, person: Person, limit: int = 10) -> tuple[int, list[Kudos]]:
        """How many kudos a person gave in all, and the newest few."""
        return self._of(Kudos.giver_id == person.id, limit)

    def _of(self, where: Any, limit: int) -> tuple[int, list[Kudos]]:
        total = int(self.session.scalar(select(func.count(Kudos.id)).where(where)) or 0)
        rows = list(self.session.scalars(
            select(Kudos).where(where).options(selectinload(Kudos.giver),
                                               selectinload(Kudos.recipient))
            .order_by(Kudos.given_at.desc(), Kudos.id.desc()).limit(limit)))
        return total, rows


def labels_of(keys: Sequence[str], labels: Mapping[str, Mapping[str, str]]
              ) -> dict[str, dict[str, str]]:
    """What a kudos tagged with `keys` stores of `labels` (each value's label per
    language): those of its values only (a value not in `labels` has none)."""
    return {k: dict(labels[k]) for k in keys if k in labels}


def stored_label(row: Kudos, key: str, locale: str) -> str | None:
    """The label value `key` had in `locale` when kudos `row` was given (falling back to
    English, as CompanyValue.label_for does); None when not stored."""
    return label_in((row.value_labels or {}).get(key) or {}, locale)


def label_in(label: Mapping[str, str], locale: str) -> str | None:
    """A stored label (per language) in `locale`, else in English (as
    CompanyValue.label_for reads the org file's); None when it has neither."""
    return label.get(locale) or label.get("en") or None


def fill_value_labels(session: Session, labels: Mapping[str, Mapping[str, str]]) -> int:
    """Give kudos stored without their values' labels (before 0018_kudoslabel) the
    labels of the org file now, the best that is known; how many. Run at the bot's start:
    once filled, rows are left alone, so a later rename does not reach them."""
    rows = list(session.scalars(select(Kudos).where(Kudos.value_labels.is_(None))))
    for row in rows:
        row.value_labels = labels_of(list(row.values or []), labels)
    session.flush()
    return len(rows)


def stored_teams(session: Session, start: datetime | None = None,
                 end: datetime | None = None) -> set[str]:
    """The teams stored with the kudos given in [start, end) (giver's or recipient's): a
    team gone from the org file still names its own past kudos."""
    found: set[str] = set()
    for column in (Kudos.giver_team, Kudos.recipient_team):
        query = select(column).where(column.is_not(None)).distinct()
        if start is not None:
            query = query.where(Kudos.given_at >= start)
        if end is not None:
            query = query.where(Kudos.given_at < end)
        found.update(t for t in session.scalars(query) if t)
    return found


def kudos_by_team(session: Session, start: datetime | None,
                  end: datetime | None, teams: Collection[str] | None = None,
                  spelled: Mapping[str, str] | None = None) -> list[TeamKudos]:
    """Kudos given and received per team in [start, end), for the GM's summary (only
    `teams`, if given: a team's summary reads its own kudos, not the org's).

    A kudos counts as given by the giver's team and received by the recipient's team
    (their teams when it was given, as stored with it). Teams with no activity are left out;
    sorted by team name (bot.team_names.team_order), people without a team last.
    """
    rows = KudosRepo(session).between(start, end, teams)
    given: Counter[str | None] = Counter()
    received: Counter[str | None] = Counter()
    givers: dict[str | None, set[int]] = {}
    recipients: dict[str | None, set[int]] = {}
    # A team written in two letter cases (`East`, `EAST`) is one team, named by `spelled`
    # (casefolded team -> name: the org file's first spelling), else as first stored.
    names = dict(spelled or {})

    def one(team: str | None) -> str | None:
        return names.setdefault(team.casefold(), team) if team else team

    for row in rows:
        giver_team, recipient_team = one(row.giver_team), one(row.recipient_team)
        given[giver_team] += 1
        received[recipient_team] += 1
        givers.setdefault(giver_team, set()).add(row.giver_id)
        recipients.setdefault(recipient_team, set()).add(row.recipient_id)
    # With `teams`, the other side's team of a kudos is counted from part of its kudos
    # only: left out.
    wanted = None if teams is None else {team_key(t) for t in teams}
    shown = sorted((t for t in set(given) | set(received)
                    if wanted is None or (t is not None and team_key(t) in wanted)),
                   key=team_order)
    return [TeamKudos(team=t, given=given[t], received=received[t],
                      givers=len(givers.get(t, ())), recipients=len(recipients.get(t, ())))
            for t in shown]


def find_mentioned(session: Session, platform: str, user_id: str | None,
                   username: str | None) -> Person | None:
    """The active person a mention names, by exact id or username (never a pattern).

    Slack mentions carry the user id; Telegram ones a user id (text mentions, the author
    of a message replied to) or a username (compared case-insensitively, as Telegram
    does); console ones a key. As for a sender (PeopleRepo.by_platform), a username that
    comes with an id names only someone whose account is not known yet: once bound, the
    person is their account, not whoever holds their old username now.
    """
    query = select(Person).where(Person.active)
    if platform == "slack" and user_id:
        return session.scalar(query.where(Person.slack_id == user_id))
    if platform == "telegram":
        with_id = bool(user_id and user_id.isdigit())
        if with_id:
            found = session.scalar(query.where(Person.telegram_id == int(user_id or 0)))
            if found is not None or not username:
                return found
        if username:
            found = session.scalar(query.where(
                func.lower(Person.telegram_username) == username.lstrip("@").lower()))
            if found is not None and with_id and found.telegram_id is not None:
                return None  # bound to another account: the username was given up
            return found
        return None
    if platform == "console":
        key = user_id or (username or "").lstrip("@")
        return session.scalar(query.where(Person.key == key.lower())) if key else None
    return None


def find_former_mentioned(session: Session, platform: str, user_id: str | None,
                          username: str | None) -> Person | None:
    """Someone taken out of the org file whom a mention names (the latest such), by the
    account id they had, or on the console by key; None for anyone else. (Not by a
    Telegram username alone: one given up may be a stranger's now.)"""
    query = select(Person).where(~Person.active).order_by(Person.id.desc()).limit(1)
    if platform == "slack" and user_id:
        return session.scalar(query.where(Person.slack_id == user_id))
    if platform == "telegram" and user_id and user_id.isdigit():
        return session.scalar(query.where(Person.telegram_id == int(user_id)))
    if platform == "console":
        key = user_id or (username or "").lstrip("@")
        return session.scalar(query.where(Person.key == key.lower())) if key else None
    return None


def shared_names(session: Session, names: set[str]) -> set[str]:
    """Of `names`, those more than one active person has."""
    if not names:
        return set()
    return set(session.scalars(
        select(Person.display_name).where(Person.active, Person.display_name.in_(names))
        .group_by(Person.display_name).having(func.count() > 1)))
