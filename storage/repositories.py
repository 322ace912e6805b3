"""Repositories: the only place that queries the database. Handlers use these."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Connection,
    Row,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from bot.events import ASKED_IN_KEY, ASKS_KEY
from bot.readers import AGAIN_KEY, READERS_KEY, may_read
from bot.renames import (
    KeyGiven,
    accounts,
    accounts_taken,
    given_in_place,
    key_reused,
    renames,
    same_name,
)
from storage import row_locks
from storage.db import defer_after, defer_insert, insert_connection
from storage.goals import follow_rename as follow_crm_rename
from storage.models import (
    Answer,
    CheckinRound,
    Conversation,
    KpiTarget,
    OutboxMessage,
    Person,
    ProcessedEvent,
    UTCDateTime,
)
from storage.review_schedule import follow_rename as follow_review_rename

_PERSON_FIELDS = ("display_name", "role", "manager_key", "team", "timezone", "locale",
                  "checks_in", "can_view_summary", "slack_id", "telegram_id",
                  "telegram_username", "active", "left_at")


def _person_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in _PERSON_FIELDS}


#: session.info keys of what a batch loaded up front (see preload_senders and friends).
_SENDERS = "teampulse.senders"
#: The lookups of who wrote, built once: building a select and working out its cache key
#: cost more than SQLite took to run it, on every event's path.
_ACTIVE_BY_KEY = select(Person).where(Person.key == bindparam("key"), Person.active)
_ACTIVE_BY_SLACK = select(Person).where(Person.active, Person.slack_id == bindparam("uid"))
_ACTIVE_BY_TELEGRAM = select(Person).where(Person.active,
                                           Person.telegram_id == bindparam("uid"))
_NO_CONVERSATION = "teampulse.no_conversation"
_QUESTIONS = "teampulse.round_questions"
_SNAPSHOTS = "teampulse.round_snapshots"


_HELD = "teampulse.preloaded"
#: session.info key: the name of the session's unit of work (OutboxRepo.unit).
_UNIT = "teampulse.unit"

_T = TypeVar("_T")
#: Bound parameters per IN list: well under SQLite's and PostgreSQL's limits.
KEYS_PER_STATEMENT = 1000
#: A dialog counts as under way this long after its last question. A pulse poll, a 360°
#: survey or the monthly questions that arrive meanwhile wait instead of taking it over: a
#: person typing "3" for the check-in question in front of them must not have it filed as a
#: pulse vote. A dialog left longer than this may be taken over, as before.
UNDER_WAY = timedelta(hours=1)


def hold_loaded(session: Session, objects: Iterable[Any]) -> None:
    """Keep preloaded objects referenced for the session's life: its identity map holds
    them only weakly, and a dropped one would be queried again."""
    session.info.setdefault(_HELD, []).extend(objects)


def in_session(session: Session, model: type[_T], key: int) -> _T | None:
    """Session.get(model, key), for an object already in the session (preloaded by a
    batch, or added) straight from its identity map, without Session.get's own
    machinery (an answer looks up its round and dialog several times); an expired
    one, or one not there, read as Session.get reads it (autoflush first, the row loaded
    into the identity map, None if there is none). `model`: one primary-key column."""
    found = session.identity_map.get((model, (key,), None))
    if found is not None and not instance_state(found).expired:
        return found  # type: ignore[no-any-return]
    # Not there (or expired): read by a select built once per model, which loads the row
    # into the identity map as Session.get does, without Session.get building its select
    # and working out the select's cache key anew on every call.
    statement = _BY_PRIMARY_KEY.get(model)
    if statement is None:
        (column,) = model.__mapper__.primary_key  # type: ignore[attr-defined]
        statement = _BY_PRIMARY_KEY[model] = select(model).where(column == bindparam("pk"))
    return session.scalars(statement, {"pk": key}).first()


#: in_session's selects, one per model (a single-column primary key).
_BY_PRIMARY_KEY: dict[type[Any], Select[Any]] = {}


def _person_key_at(parts: list[str]) -> int | None:
    """Where an outbox dedupe key (split at ':') names a person by key, if it does: the
    keys the handlers write, such as 'checkin:alice:2026-W48:prompt', 'monthly:2026-11:
    q:alice', 'digest:2026-W48:alice:chart', 'review:7:report:alice'. By position, as
    other parts (a request's id, a department) may read like a key."""
    head, size = parts[0], len(parts)
    if (head, size) in (("delete-not-read", 3), ("digest", 3), ("digest", 4), ("pulse", 4)):
        return 1 if head == "delete-not-read" else 2
    if head == "checkin" and size >= 4:
        return 1
    if head == "monthly" and size >= 3:
        return size - 1
    if size == 4 and (head, parts[2]) in (("honours", "dm"), ("review", "report")):
        return 3
    if head == "review" and size >= 5 and parts[-3] == "reminder":
        return size - 2  # ('review:quarterly:2027-01:reminder:alice:2027-01-13')
    if head == "support" and size >= 4 and parts[2] != "tracked":
        return size - 1
    return None


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


class PeoplePlan(NamedTuple):
    """What syncing an org's people would do to the people table (see PeopleRepo.plan)."""

    #: How many people are in the org now (active).
    active: int
    #: Keys of the active people the org leaves out (not those it renamed).
    removed: list[str]
    #: Keys the org brings in: new, or back after a removal (not those it renamed).
    added: list[str]
    #: {new key: old key} of the people it renamed.
    renamed: dict[str, str]
    #: Each key the org gives to very likely another person: of someone who left
    #: (bot.renames.key_reused), or of someone still in it whose entry was edited in place
    #: (bot.renames.given_in_place); and each entry (new or not) naming a chat account
    #: stored for another person, in the org or who left it (bot.renames.accounts_taken).
    reused: tuple[KeyGiven, ...] = ()


class ManagerChanged(NamedTuple):
    """Someone in the org before and after a sync whose manager the sync changed."""

    #: Their key now, and as it was (the same unless the edit renamed them).
    report: str
    report_was: str
    #: The manager they had (by that manager's key now) and the one they have (or None).
    former: str
    manager: str | None
    #: True: the sync took them out of the org (`manager` is then None).
    left: bool = False


class PeopleRepo:
    """People, kept in step with the org file."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, people: Sequence[Any]) -> PeoplePlan:
        """What `sync(people)` would do, writing nothing."""
        existing = self._stored()
        return self._plan(existing, people, self._renamed(existing, people))

    def _stored(self) -> dict[str, dict[str, Any]]:
        """Every person stored, as plain rows by key (what sync and plan start from)."""
        return {row.key: row._asdict() for row in self.session.execute(select(Person.__table__))}

    @staticmethod
    def _plan(existing: Mapping[str, Mapping[str, Any]], people: Sequence[Any],
              moved: Mapping[str, str]) -> PeoplePlan:
        in_file = {op.key for op in people}
        old_keys = set(moved.values())
        active = [key for key, row in existing.items() if row["active"]]
        return PeoplePlan(
            active=len(active),
            removed=[key for key in active if key not in in_file and key not in old_keys],
            added=[op.key for op in people if op.key not in moved
                   and not (existing.get(op.key) or {}).get("active")],
            renamed=dict(moved),
            reused=PeopleRepo._given(existing, people, moved))

    @staticmethod
    def _given(existing: Mapping[str, Mapping[str, Any]], people: Sequence[Any],
               moved: Mapping[str, str]) -> tuple[KeyGiven, ...]:
        """What the sync would give to very likely another person (PeoplePlan.reused)."""
        renamed_to = {old: new for new, old in moved.items()}
        # The chat accounts of each person in the org, by the key they keep after the
        # edit. A Telegram id stored beside a username may have been learned from it (and
        # bound the wrong account): the username tells whose it is.
        held = {account: renamed_to.get(key, key)
                for key, row in existing.items() if row["active"]
                for account in accounts(
                    row["slack_id"], None if row["telegram_username"] else row["telegram_id"],
                    row["telegram_username"])}
        # And those stored for people who left before this edit (not the row an entry
        # takes back, by its key or by a rename): a Slack or Telegram id is never another
        # account's, and a username still names whoever held it (README: Editing the org
        # file, "A chat account of someone who left").
        taken_back = set(moved.values())
        gone = {account: key for key, row in sorted(existing.items(), reverse=True)
                if not row["active"] and key not in taken_back
                for account in accounts(row["slack_id"], row["telegram_id"],
                                        row["telegram_username"])}
        found: list[KeyGiven] = []
        for op in people:
            row = existing.get(moved.get(op.key, op.key))
            named = accounts(op.slack_id, op.telegram_id, op.telegram_username)
            # (An account the row has already is its own: applied on purpose before.)
            new_here = named - (frozenset() if row is None else accounts(
                row["slack_id"], row["telegram_id"], row["telegram_username"]))
            taken = accounts_taken(held, op.key, named)
            left = [] if taken else accounts_taken(gone, op.key, new_here)
            if taken or left:
                holder_key = (taken or left)[0]
                holder = existing[moved.get(holder_key, holder_key) if taken else holder_key]
                found.append(KeyGiven(
                    op.key, "" if row is None else row["display_name"], op.name, left=False,
                    holder=holder["display_name"], holder_key=holder_key,
                    holder_left=not taken, added=row is None))
            elif row is not None and op.key in moved and not same_name(
                    row["display_name"], op.name):
                # A new key taking a row by a chat account, under another name: one person
                # renamed twice over, or a successor on a shared account handed on, who
                # would read what the one before kept there.
                found.append(KeyGiven(op.key, row["display_name"], op.name,
                                      left=not row["active"], renamed_from=moved[op.key]))
            elif row is not None and op.key in existing and (
                    given_in_place if row["active"] else key_reused)(
                    row["display_name"], accounts(
                        row["slack_id"], row["telegram_id"], row["telegram_username"]),
                    op.name, named):
                found.append(KeyGiven(op.key, row["display_name"], op.name,
                                      left=not row["active"]))
        return tuple(found)

    def sync(self, people: Sequence[Any], now: datetime | None = None, *,
             check: Callable[[PeoplePlan], None] | None = None) -> list[ManagerChanged]:
        """Upsert people from a validated org (bot.org.OrgPerson); deactivate the rest.

        `now`: stored as `added_at` of whoever is inserted, or found back in the file after
        a removal (their weeks away are as none of theirs as the weeks before they first
        came); without it, or at the first sync of all (an empty table: the org was there
        before the bot), nobody's `added_at` is set. It is also the `left_at` of whoever
        the sync takes out of the file (cleared when the file has them back). History
        (rounds, answers) of someone removed from the file is kept. `check` is given
        what the sync would do before anything is written, and may refuse it by raising.
        Works on plain rows with one multi-row statement per kind of change, and writes
        only what changed: an org of 10,000 people syncs in well under a second on every
        start.
        Returns who, active before and after, the sync gave another manager (or none),
        and who, with a manager, it took out of the org (ManagerChanged.left).
        """
        people_t = Person.__table__
        existing = self._stored()
        if not existing:
            # The first start: the org file's people were there before the bot, so when
            # each joined is not known (None, as people synced before 0016).
            now = None
        claimed = {op.telegram_id: op.key for op in people if op.telegram_id is not None}
        moved = self._renamed(existing, people)
        if check is not None:  # before anything is written: it may refuse the org
            check(self._plan(existing, people, moved))
        for new_key, old_key in moved.items():
            existing[new_key] = existing.pop(old_key)
        renamed_to = {old: new for new, old in moved.items()}
        managers: list[ManagerChanged] = []
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for op in people:
            row = existing.pop(op.key, None)
            old = row or {"telegram_id": None, "telegram_username": None}
            want: dict[str, Any] = {
                "key": op.key, "display_name": op.name, "role": op.role, "manager_key": op.manager,
                "team": op.team, "timezone": op.timezone,
                # (A language chosen in chat wins: see Person.chosen_locale.)
                "locale": (row or {}).get("chosen_locale") or op.locale,
                "checks_in": op.checks_in, "can_view_summary": op.can_view_summary,
                "slack_id": op.slack_id, "telegram_id": old["telegram_id"],
                "telegram_username": op.telegram_username, "active": True,
                # In the file: not left (back after a removal: the latest stay shows).
                "left_at": None}
            if op.telegram_id is not None or _lower(op.telegram_username) != _lower(
                    old["telegram_username"]):
                # The file's id wins. An id learned from a username stays, unless the
                # operator changed the username (say, because the wrong account bound).
                want["telegram_id"] = op.telegram_id
            elif old["telegram_id"] in claimed and claimed[old["telegram_id"]] != op.key:
                # A learned id the file now gives to someone else: it is theirs alone.
                want["telegram_id"] = None
            if row is None:
                inserts.append({"key": op.key, **want, "added_at": now})
                continue
            if now is not None and not row["active"]:
                want["added_at"] = now  # back after a removal
            if any(row[k] != v for k, v in want.items()):
                updates.append({"id": row["id"], **want})
                # (Only among the rows that changed: a sync that changes nothing does no
                # more. A manager renamed by the same edit is the same manager.)
                former = renamed_to.get(row["manager_key"], row["manager_key"])
                if row["active"] and former is not None and former != op.manager:
                    managers.append(ManagerChanged(op.key, moved.get(op.key, op.key),
                                                   former, op.manager))
        for gone in existing.values():
            if gone["active"] and gone["manager_key"] is not None:
                # Their 1:1 with their manager ends with them (handlers.oneonone).
                manager = renamed_to.get(gone["manager_key"], gone["manager_key"])
                managers.append(ManagerChanged(gone["key"], gone["key"], manager, None,
                                               left=True))
            change: dict[str, Any] = {"active": False}
            if gone["active"]:
                # Taken out now (a person already out keeps the moment they went).
                change["left_at"] = now
            if gone["telegram_id"] in claimed:
                change["telegram_id"] = None
            if any(gone[k] != v for k, v in change.items()):
                updates.append({"id": gone["id"], **{**_person_fields(gone), **change}})
        if updates:  # by primary key, one executemany
            # In id order, as everything else that locks several people rows takes them
            # (PeopleRepo.lock, RoundBatchRepo.people): in the file's order, a round's
            # batch holding one and waiting for another deadlocked with the sync.
            updates.sort(key=itemgetter("id"))
            self.session.execute(update(Person), updates)
        for new_key, old_key in moved.items():
            self._follow_rename(old_key, new_key)
        if inserts:  # the table's own insert: the ORM's bulk path costs 3x for 10,000 rows
            self.session.execute(insert(people_t), inserts)
        self._sync_kpis(people)
        # Objects loaded earlier in this session must not hide what was just written.
        self.session.expire_all()
        return managers

    @staticmethod
    def _renamed(existing: Mapping[str, dict[str, Any]],
                 people: Sequence[Any]) -> dict[str, str]:
        """{new key: old key} of people whose key the file changed (see bot.renames)."""
        in_file = {op.key for op in people}
        # A Telegram username is the account's only while it keeps it: one freed by
        # someone removed earlier may be anyone's now, so only the ids of people who left
        # before this edit tell a rename (ids are never reused).
        gone = {key: accounts(r["slack_id"], r["telegram_id"],
                              r["telegram_username"] if r["active"] else None)
                for key, r in existing.items() if key not in in_file}
        if not gone:
            return {}
        added = {op.key: accounts(op.slack_id, op.telegram_id, op.telegram_username)
                 for op in people if op.key not in existing}
        return renames(gone, added)

    def _follow_rename(self, old_key: str, new_key: str) -> None:
        # Past rounds name their manager of the week by key: a member's week under
        # `alice` must still find her as `amartin`. On the console a person's address is
        # their key, so what waits for them there goes to the new one.
        self.session.execute(update(CheckinRound).where(CheckinRound.manager_key == old_key)
                             .values(manager_key=new_key))
        follow_crm_rename(self.session, old_key, new_key)
        follow_review_rename(self.session, old_key, new_key)
        self.session.execute(
            update(OutboxMessage).where(OutboxMessage.platform == "console",
                                        OutboxMessage.address == old_key,
                                        OutboxMessage.status == "pending")
            .values(address=new_key).execution_options(synchronize_session=False))
        self._follow_rename_in_dedupe_keys(old_key, new_key)

    def _follow_rename_in_dedupe_keys(self, old_key: str, new_key: str) -> None:
        # What was sent to someone once only (their monthly review and its questions,
        # a digest, a check-in prompt, a survey's reminder) is found again by a dedupe key
        # naming them by key: left under the old one, `/monthly` told her no review had
        # been sent, and a job run again that day (a restart) sent it a second time.
        literal = old_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.session.execute(select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like(f"%:{literal}%", escape="\\"))).all()
        moved: dict[int, str] = {}
        for row_id, key in rows:
            parts = key.split(":")
            at = _person_key_at(parts)
            if at is not None and parts[at] == old_key:
                parts[at] = new_key
                moved[row_id] = ":".join(parts)
        if not moved:
            return
        # (One already recorded under the new key, say sent since, keeps both apart.)
        taken = set(self.session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(list(moved.values())))))
        updates = [{"id": i, "dedupe_key": k} for i, k in moved.items() if k not in taken]
        if updates:
            self.session.execute(update(OutboxMessage), updates)

    def _sync_kpis(self, people: Sequence[Any]) -> None:
        kpis_t = KpiTarget.__table__
        ids = {key: pid for key, pid in self.session.execute(
            select(Person.__table__.c.key, Person.__table__.c.id))}
        have: dict[tuple[int, str], dict[str, Any]] = {
            (r.person_id, r.metric): r._asdict() for r in self.session.execute(select(kpis_t))}
        wanted_keys: set[tuple[int, str]] = set()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for op in people:
            person_id = ids[op.key]
            for i, k in enumerate(op.kpis):
                if (person_id, k.metric) in wanted_keys:
                    continue  # the org file check refuses a metric listed twice
                wanted_keys.add((person_id, k.metric))
                want = {"position": i, "label": k.label.get("en") or k.metric,
                        "unit": k.unit, "weekly_target": k.weekly_target}
                row = have.get((person_id, k.metric))
                if row is None:
                    inserts.append({"person_id": person_id, "metric": k.metric, **want})
                elif any(row[f] != v for f, v in want.items()):
                    updates.append({"id": row["id"], **want})
        # KPIs of people still in the file that the file no longer lists go; those of
        # people removed from the file stay with their (inactive) person, as before.
        in_file = {ids[op.key] for op in people}
        gone = [r["id"] for key, r in have.items() if key[0] in in_file and key not in wanted_keys]
        if gone:
            self.session.execute(kpis_t.delete().where(kpis_t.c.id.in_(gone)))
        if updates:
            self.session.execute(update(KpiTarget), updates)
        if inserts:
            self.session.execute(insert(kpis_t), inserts)

    def by_key(self, key: str) -> Person | None:
        """An active person by key."""
        return self.session.scalar(_ACTIVE_BY_KEY, {"key": key})

    def everyone(self) -> list[Person]:
        """Everyone ever synced, also people since removed from the org file, in key order."""
        return list(self.session.scalars(select(Person).order_by(Person.key)))

    def by_platform(self, platform: str, user_id: str,
                    username: str | None = None) -> Person | None:
        """Find who wrote: Slack by user id; Telegram by id, else by username.

        A Telegram username is compared exactly (case-insensitively, never as a
        pattern). It only vouches for someone whose id is not known yet: their id is
        then bound to them, and from then on only that id is them. A username whose
        owner is already bound to another id is a stranger's (a name given up and
        taken by someone else), so it finds nobody and rebinds nothing.
        """
        preloaded = self.session.info.get(_SENDERS, {}).get((platform, user_id))
        if preloaded is not None:
            return preloaded
        if platform == "slack":
            return self.session.scalar(_ACTIVE_BY_SLACK, {"uid": user_id})
        if platform == "telegram":
            if not user_id.isdigit():
                return None  # Telegram user ids are positive numbers; anything else is no one
            found = self.session.scalar(_ACTIVE_BY_TELEGRAM, {"uid": int(user_id)})
            if found is not None or not username:
                return found
            name = username.removeprefix("@").lower()
            found = self.session.scalar(select(Person).where(Person.active,
                Person.telegram_username.is_not(None),
                func.lower(Person.telegram_username) == name))
            if found is None or found.telegram_id is not None:
                return None
            # Bound only if still unbound when written: of two first messages racing
            # (two processes, say), one binds and the other finds nobody.
            bound = self.session.execute(
                update(Person).where(Person.id == found.id, Person.telegram_id.is_(None))
                .values(telegram_id=int(user_id)))
            if bound.rowcount != 1:  # type: ignore[attr-defined]
                self.session.expire(found)
                return None
            return found
        if platform == "console":
            return self.by_key(user_id)
        return None

    def former(self, platform: str, user_id: str) -> Person | None:
        """Someone removed from the org file who writes from the account they had (the
        latest such, when several left with it); None for anyone else. Binds nothing."""
        query = select(Person).where(~Person.active).order_by(Person.id.desc()).limit(1)
        if platform == "slack":
            return self.session.scalar(query.where(Person.slack_id == user_id))
        if platform == "telegram" and user_id.isdigit():
            # By the id alone: a username someone removed has given up may be a stranger's
            # now, and the stranger would be told the removed person's key and name.
            return self.session.scalar(query.where(Person.telegram_id == int(user_id)))
        if platform == "console":
            return self.session.scalar(query.where(Person.key == user_id))
        return None

    def preload_senders(self, senders: Collection[tuple[str, str]], *,
                        lock: bool = False) -> list[Person]:
        """Load the active people behind (platform, user id) pairs in one statement per
        platform, so by_platform() finds them without a query of its own (for the rest
        of this session: a batch of events loads its senders once). Returns them.

        `lock`: read them FOR NO KEY UPDATE in that same statement (one sender: an
        event handled alone; several are locked in id order by lock() instead), as they
        are once another transaction holding them has committed."""
        found: dict[tuple[str, str], Person] = self.session.info.setdefault(_SENDERS, {})
        by_platform: dict[str, set[str]] = {}
        for platform, user_id in senders:
            by_platform.setdefault(platform, set()).add(user_id)
        query = select(Person).where(Person.active)
        if lock:
            query = query.with_for_update(key_share=True).execution_options(
                populate_existing=True)
        for platform, ids in by_platform.items():
            if platform == "slack":
                for person in self.session.scalars(query.where(Person.slack_id.in_(ids))):
                    found[(platform, person.slack_id or "")] = person
            elif platform == "telegram":
                numbers = [int(i) for i in ids if i.isdigit()]
                for person in self.session.scalars(
                        query.where(Person.telegram_id.in_(numbers))):
                    found[(platform, str(person.telegram_id))] = person
            elif platform == "console":
                for person in self.session.scalars(query.where(Person.key.in_(ids))):
                    found[(platform, person.key)] = person
        if lock:
            row_locks.remember(self.session, "people", [p.id for p in found.values()])
        return list(found.values())

    def lock(self, ids: Iterable[int]) -> None:
        """Hold these people's rows (FOR NO KEY UPDATE) until the transaction ends: those
        it does not hold yet, in id order, in one statement (none if it holds them all).

        People rows are the first thing a transaction that writes to several people
        locks, all together in id order: a batch of events its senders (bot.core), a
        round batch its people (RoundBatchRepo.people, FOR SHARE), a pulse sweep those it
        asks. Locked one by one as each event came (a `/away`, a `/language`, a kudos, a
        pulse tap), two batches with two people in opposite order each held one and
        waited for the other: a deadlock, which PostgreSQL broke after a second by
        undoing one batch. NO KEY UPDATE: a row written elsewhere that only refers to
        the person (an answer, a kudo to them) need not wait. (SQLite has no row locks:
        the statement locks nothing there.)"""
        held = row_locks.held(self.session, "people")
        missing = sorted({i for i in ids if i not in held})
        if not missing:
            return
        for start in range(0, len(missing), KEYS_PER_STATEMENT):  # (in id order still)
            self.session.execute(select(Person.id).where(
                Person.id.in_(missing[start:start + KEYS_PER_STATEMENT]))
                .order_by(Person.id).with_for_update(key_share=True))
        row_locks.remember(self.session, "people", missing)

    def senders(self) -> list[Person]:
        """The senders this session loaded (preload_senders: a batch's), none if none."""
        return list(self.session.info.get(_SENDERS, {}).values())

    def locales_read(self, platform: str) -> dict[str, int]:
        """How many active people read each language (their /language choice included),
        of those reachable on `platform` (on the console, everyone)."""
        reachable = {"slack": Person.slack_id.is_not(None),
                     "telegram": Person.telegram_id.is_not(None)
                     | Person.telegram_username.is_not(None)}.get(platform, true())
        return {locale: count for locale, count in self.session.execute(
            select(Person.locale, func.count()).where(Person.active, reachable)
            .group_by(Person.locale))}

    def active(self) -> list[Person]:
        """Everyone active, in key order."""
        return list(self.session.scalars(select(Person).where(Person.active).order_by(Person.key)))

    def left(self) -> list[Person]:
        """Everyone taken out of the org file since (inactive), in key order: what a name
        nobody active has is compared with, not the whole table (everyone())."""
        return list(self.session.scalars(
            select(Person).where(~Person.active).order_by(Person.key)))

    def active_by_keys(self, keys: Iterable[str]) -> list[Person]:
        """The active people with these keys, in key order (a few statements for many)."""
        wanted = sorted(set(keys))
        found: list[Person] = []
        for start in range(0, len(wanted), KEYS_PER_STATEMENT):
            found += self.session.scalars(select(Person).where(
                Person.active, Person.key.in_(wanted[start:start + KEYS_PER_STATEMENT])))
        return sorted(found, key=lambda p: p.key)

    def reports_roles(self) -> dict[str, tuple[str, str | None]]:
        """{key: (role, team)} of everyone active with a manager (one plain read)."""
        return {key: (role, team) for key, role, team in self.session.execute(
            select(Person.key, Person.role, Person.team).where(
                Person.active, Person.manager_key.is_not(None)))}

    def by_keys(self, keys: Iterable[str]) -> list[Person]:
        """The people with these keys, active or not, in key order."""
        wanted = sorted(set(keys))
        found: list[Person] = []
        for start in range(0, len(wanted), KEYS_PER_STATEMENT):
            found += self.session.scalars(select(Person).where(
                Person.key.in_(wanted[start:start + KEYS_PER_STATEMENT])))
        return sorted(found, key=lambda p: p.key)

    def checking_in(self) -> list[Person]:
        """Everyone who answers the weekly check-in."""
        return [p for p in self.active() if p.checks_in]


#: CheckinRepo.week_sent's statement, built once (the week bound when it runs): building
#: it and working out its cache key cost SQLAlchemy more than SQLite took to answer it.
_WEEK_SENT = select(CheckinRound.id).where(CheckinRound.week == bindparam("week")).limit(1)


class CheckinRepo:
    """Check-in rounds and their answers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def round_for(self, person: Person, week: str) -> CheckinRound | None:
        """A person's round for an ISO week ('2026-W48'), if any."""
        return self.session.scalar(select(CheckinRound).where(
            CheckinRound.person_id == person.id, CheckinRound.week == week))

    def by_id(self, round_id: int) -> CheckinRound | None:
        """A round by id."""
        return in_session(self.session, CheckinRound, round_id)

    def preload(self, round_ids: Collection[int]) -> None:
        """Load rounds and their answers in two statements, so by_id() and `answers`
        cost no query of their own later in this session (a batch of answers).

        On PostgreSQL the rounds are locked as they are read (lock_for_answer: a batch's
        answers read `reminded_at` as the reminder sweep committed it), in id order in
        the one statement: one by one in event order, two batches could deadlock."""
        if not round_ids:
            return
        # The question snapshot comes as text and is decoded once per distinct text:
        # the rounds of one send share their snapshot, and decoding it for each round
        # cost more than the rest of the load.
        query = select(CheckinRound, cast(CheckinRound.questions, Text)).where(
            CheckinRound.id.in_(sorted(round_ids))).options(defer(CheckinRound.questions))
        locking = self._locking()
        if locking:
            query = query.order_by(CheckinRound.id).with_for_update(key_share=True)
        rows = self.session.execute(query)
        decoded: dict[str, Any] = self.session.info.setdefault(_SNAPSHOTS, {})
        rounds = []
        # The answers of the rounds whose answers are not loaded yet (a loaded collection
        # may hold changes not written yet): one plain query, each round's share then
        # set as its loaded collection. selectinload did the same at half again the cost.
        unloaded: dict[int, list[Answer]] = {}
        for rnd, text in rows:
            rounds.append(rnd)
            if "questions" not in rnd.__dict__ and text is not None:
                snapshot = decoded.get(text)
                if snapshot is None:
                    snapshot = decoded[text] = json.loads(text)
                set_committed_value(rnd, "questions", snapshot)
            if "answers" not in rnd.__dict__:
                unloaded[rnd.id] = []
        if unloaded:
            # In the relationship's own order (Answer.id).
            for answer in self.session.scalars(
                    select(Answer).where(Answer.round_id.in_(list(unloaded)))
                    .order_by(Answer.id)):
                unloaded[answer.round_id].append(answer)
            by_id = {rnd.id: rnd for rnd in rounds}
            for round_id, answers in unloaded.items():
                set_committed_value(by_id[round_id], "answers", answers)
        hold_loaded(self.session, rounds)
        if locking:
            row_locks.remember(self.session, "rounds", [r.id for r in rounds])

    def _locking(self) -> bool:
        # SQLite lets one writer in at a time: nothing to wait for there.
        return self.session.get_bind().dialect.name == "postgresql"

    def lock_for_away(self, person: Person, weeks: Sequence[str]) -> None:
        """On PostgreSQL, hold a person going away until this transaction commits: their
        row, then their rounds of these weeks (FOR NO KEY UPDATE, in that order).

        A round's batch (RoundBatchRepo.people, FOR SHARE) and the reminder sweep
        (RoundBatchRepo.awaiting_reminder) read someone "not away", then queue their
        prompt or reminder, then commit: an `/away` committed in between found nothing
        queued to drop, and it went on holiday. Now the `/away` waits for a batch or a
        sweep under way and then finds what it queued; one coming while this transaction
        holds them waits (a batch) and reads the period, or passes the round over (a
        sweep). One statement each, two per `/away`; SQLite lets one writer in anyway."""
        if not self._locking():
            return
        # (Held already in a batch of events: see PeopleRepo.lock.)
        PeopleRepo(self.session).lock([person.id])
        self.session.execute(select(CheckinRound.id).where(
            CheckinRound.person_id == person.id, CheckinRound.week.in_(sorted(weeks)))
            .order_by(CheckinRound.id).with_for_update(key_share=True))

    def lock_for_answer(self, rnd: CheckinRound) -> None:
        """On PostgreSQL, lock an open round an answer is stored to (FOR NO KEY UPDATE,
        once per transaction; a batch's rounds are locked by preload) and read its
        `reminded_at` afresh.

        The reminder sweep marks a round reminded, then queues its reminder, then
        commits: an answer read in between saw the round "not reminded yet", withdrew
        nothing, and the reminder asked the question just answered. The sweep holds the
        rounds it read (RoundBatchRepo.awaiting_reminder): the lock waits for its commit,
        and read after it `reminded_at` says a reminder was queued, to withdraw. A sweep
        coming while this transaction holds the round passes it over, for a later one.
        Answers' own inserts take only a key-share lock: they never wait on this."""
        if not self._locking():
            return
        if rnd.id in row_locks.held(self.session, "rounds"):
            return
        reminded = self.session.execute(
            select(CheckinRound.reminded_at).where(CheckinRound.id == rnd.id)
            .with_for_update(key_share=True)).scalar_one_or_none()
        row_locks.remember(self.session, "rounds", [rnd.id])
        if reminded is not None and rnd.reminded_at is None:
            set_committed_value(rnd, "reminded_at", reminded)

    def cached_questions(self, rnd: CheckinRound, build: Any) -> Any:
        """`build(snapshot)` of a round's question snapshot, worked out once per round
        and session (an answer needs the parsed questions several times); rounds that
        share one snapshot object (see preload) share the result. `build` must not
        depend on the round beyond its snapshot."""
        cache: dict[int, tuple[Any, Any]] = self.session.info.setdefault(_QUESTIONS, {})
        snapshot = rnd.questions
        hit = cache.get(id(snapshot))
        if hit is not None and hit[0] is snapshot:  # the same snapshot object: unchanged
            return hit[1]
        built = build(snapshot)
        # (The entry holds the snapshot, so its id() is not reused while it is cached.)
        cache[id(snapshot)] = (snapshot, built)
        return built

    def create_round(self, person: Person, week: str, questions: list[dict[str, Any]],
                     now: datetime) -> CheckinRound:
        """Start a round (the caller has checked there is none for that week)."""
        rnd = CheckinRound(person_id=person.id, week=week, questions=questions, status="open",
                           team=person.team, role=person.role,
                           timezone=person.timezone, manager_key=person.manager_key,
                           created_at=now)
        self.session.add(rnd)
        self.session.flush()
        return rnd

    def latest_open(self, person: Person, weeks: Sequence[str]) -> CheckinRound | None:
        """The newest unfinished round among the given weeks."""
        return self.session.scalar(select(CheckinRound).where(
            CheckinRound.person_id == person.id, CheckinRound.status == "open",
            CheckinRound.week.in_(list(weeks))).order_by(CheckinRound.week.desc()))

    def latest(self, person: Person, submitted: bool = False) -> CheckinRound | None:
        """A person's newest round (with `submitted`, their newest submitted one)."""
        query = select(CheckinRound).where(CheckinRound.person_id == person.id)
        if submitted:
            query = query.where(CheckinRound.status == "submitted")
        return self.session.scalar(query.order_by(CheckinRound.week.desc()))

    def rounds_of(self, weeks: Sequence[str], people: Iterable[Person]) -> list[CheckinRound]:
        """These people's rounds of the given weeks, answers loaded, in one read for all
        (as rounds_in_weeks of each: by week, then person)."""
        ids = sorted({p.id for p in people})
        if not ids or not weeks:
            return []
        return list(self.session.scalars(
            select(CheckinRound).where(CheckinRound.week.in_(list(weeks)),
                                       CheckinRound.person_id.in_(ids))
            .options(selectinload(CheckinRound.answers), selectinload(CheckinRound.person))
            .order_by(CheckinRound.week, CheckinRound.person_id)))

    def rounds_in_weeks(self, weeks: Sequence[str], person: Person | None = None
                        ) -> list[CheckinRound]:
        """All rounds of the given weeks (one person's, if given), answers loaded."""
        query = select(CheckinRound).where(CheckinRound.week.in_(list(weeks)))
        if person is not None:
            query = query.where(CheckinRound.person_id == person.id)
        return list(self.session.scalars(
            query.options(selectinload(CheckinRound.answers), selectinload(CheckinRound.person))
            .order_by(CheckinRound.week, CheckinRound.person_id)))

    def week_sent(self, week: str) -> bool:
        """Whether anyone has been sent (or has started) a check-in for an ISO week, or
        its sending was tried: a round is made only to prompt someone or when they start.

        A prompt that never arrived counts: were every one of a week's prompts refused
        (Telegram users who never pressed Start, a bot with no platform running), the
        GM's /summary would otherwise show last week, as if this week's had not gone out,
        and hide the one thing to mend.
        """
        # (Through the session: its pending changes are written first, which the
        # summary's later reads on the session's connection then see.)
        return self.session.scalar(_WEEK_SENT, {"week": week}) is not None

    def answer(self, rnd: CheckinRound, key: str) -> Answer | None:
        """The stored answer to one question of a round."""
        return next((a for a in rnd.answers if a.question_key == key), None)

    def save_answer(self, rnd: CheckinRound, key: str, *, text: str | None,
                    number: float | None, skipped: bool, now: datetime) -> Answer:
        """Store (or replace) the answer to one question."""
        # No flush of its own: the next query, or the end of the event's savepoint,
        # writes it together with the rest of the answer's changes (one flush, not two).
        existing = self.answer(rnd, key)
        if existing is None:
            existing = Answer(question_key=key, answered_at=now, text_value=text,
                              number_value=number, skipped=skipped, updated_at=now)
            # Added before it joins the round: the save-update cascade then finds it in
            # the session already, instead of walking from it to the round and back
            # through the round's other answers.
            self.session.add(existing)
            rnd.answers.append(existing)
            return existing
        existing.text_value = text
        existing.number_value = number
        existing.skipped = skipped
        existing.updated_at = now
        return existing

    def awaiting_reminder(self, prompted_before: datetime,
                          weeks: Sequence[str] | None = None) -> list[CheckinRound]:
        """Open rounds prompted before a time that have had no reminder yet.

        With `weeks`, only rounds of those ISO weeks (old rounds are never reminded).
        """
        query = select(CheckinRound).where(
            CheckinRound.status == "open", CheckinRound.reminded_at.is_(None),
            CheckinRound.prompted_at.is_not(None),
            CheckinRound.prompted_at <= prompted_before)
        if weeks is not None:
            query = query.where(CheckinRound.week.in_(list(weeks)))
        return list(self.session.scalars(query.order_by(CheckinRound.id)))

    def delete_answer(self, rnd: CheckinRound, key: str) -> bool:
        """Forget the answer to one question (it no longer applies); False if none."""
        existing = self.answer(rnd, key)
        if existing is None:
            return False
        rnd.answers.remove(existing)
        self.session.flush()
        return True


class ConversationRepo:
    """What the bot is currently asking each person."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, person: Person) -> Conversation | None:
        """The person's open dialog, if any."""
        if person.id in self.session.info.get(_NO_CONVERSATION, ()):
            return None  # preloaded: none (and none added since, see wait_for)
        return in_session(self.session, Conversation, person.id)

    def under_way(self, person: Person, now: datetime, besides: str | None = None
                  ) -> Conversation | None:
        """The person's open dialog if its last question was asked less than UNDER_WAY
        ago (they may be typing an answer to it), and it is not of the kind `besides`
        (the caller's own, which it may carry on); None otherwise."""
        conv = self.get(person)
        if conv is None or conv.kind == besides:
            return None
        asked = conv.updated_at if conv.updated_at.tzinfo else \
            conv.updated_at.replace(tzinfo=UTC)
        return conv if now - asked < UNDER_WAY else None

    def preload(self, person_ids: Collection[int]) -> list[Conversation]:
        """Load these people's dialogs in one statement, so get() costs no query of its
        own later in this session (and knows who has none). Returns those found."""
        found = list(self.session.scalars(select(Conversation).where(
            Conversation.person_id.in_(list(person_ids))))) if person_ids else []
        hold_loaded(self.session, found)
        have = {c.person_id for c in found}
        self.session.info.setdefault(_NO_CONVERSATION, set()).update(
            pid for pid in person_ids if pid not in have)
        return found

    def ask(self, person: Person, rnd: CheckinRound, question_key: str, *, editing: bool,
            now: datetime) -> Conversation:
        """Record that we asked a check-in question and wait for its answer."""
        return self.wait_for(person, "checkin", question_key, now=now, round_id=rnd.id,
                             editing=editing)

    def wait_for(self, person: Person, kind: str, question_key: str, *, now: datetime,
                 round_id: int | None = None, editing: bool = False) -> Conversation:
        """Record what the bot now waits for from a person (one dialog at a time): a
        feature's `kind` and its own key for the question asked."""
        conv = self.get(person)
        added = conv is None
        if conv is None:
            # Ask the database from now on (a rolled-back savepoint may drop the row again).
            self.session.info.get(_NO_CONVERSATION, set()).discard(person.id)
            conv = Conversation(person_id=person.id, kind=kind)
            self.session.add(conv)
        conv.kind = kind
        conv.round_id = round_id
        conv.question_key = question_key
        conv.editing = editing
        conv.pending_numbers = None
        conv.updated_at = now
        if added:  # so get() finds it by identity; a changed row is written with the rest
            self.session.flush()
        return conv

    def wait_for_unless_under_way(self, person: Person, kind: str, question_key: str, *,
                                  now: datetime, besides: str | None = None) -> bool:
        """wait_for, for a dialog the person did not start (the GM's survey, a pulse poll,
        the monthly questions), written only over one that is not under way as it is
        written (asked UNDER_WAY ago or longer, as under_way reads it), or is of the kind
        `besides` (the caller's own, which it may carry on: a poll's reminder). False,
        nothing written, if it is.

        The caller read the person free, then writes: another replica may have asked
        them something in between (their /checkin, a round's question), which wait_for
        wrote over, and their answer to it was taken for this dialog's. One statement,
        which on PostgreSQL waits for a dialog being written and reads it as committed.
        (The ORM's version check did not catch it: the identity map holds the dialog
        read only weakly, and wait_for read it afresh, as the other had left it.)"""
        table = Conversation.__table__
        insert = _dialect_insert(self.session.get_bind().dialect.name)(table).values(
            person_id=person.id, kind=kind, round_id=None, question_key=question_key,
            editing=False, pending_numbers=None, updated_at=now, version=1)
        free = table.c.updated_at <= now - UNDER_WAY
        if besides is not None:
            free = or_(free, table.c.kind == besides)
        written = self.session.execute(insert.on_conflict_do_update(
            index_elements=["person_id"],
            set_={**{c: getattr(insert.excluded, c) for c in (
                "kind", "round_id", "question_key", "editing", "pending_numbers",
                "updated_at")},
                "version": table.c.version + 1},  # (a dialog changed: see Conversation)
            # RETURNING says whether it was written (rowcount is -1 on some drivers).
            where=free).returning(table.c.person_id)).first() is not None
        # What the session holds of the row is no longer it: read again when asked for.
        loaded = self.session.identity_map.get((Conversation, (person.id,), None))
        if loaded is not None:
            self.session.expire(loaded)
        if written:
            self.session.info.get(_NO_CONVERSATION, set()).discard(person.id)
        return written

    def set_pending(self, person: Person, numbers: list[float] | None, now: datetime) -> None:
        """Hold (or drop, with None) a number awaiting confirmation for the open question."""
        conv = self.get(person)
        if conv is not None:
            conv.pending_numbers = list(numbers) if numbers else None
            conv.updated_at = now
            self.session.flush()

    def clear(self, person: Person) -> None:
        """Forget the open dialog."""
        conv = self.get(person)
        if conv is not None:
            self.session.delete(conv)
            self.session.flush()


#: The outbox columns a send needs (what pending_lanes reads): no timestamps but not_before,
#: which cost more to parse than the rest of the row; `expired` is computed, not a column.
SENDING_COLUMNS = ("id", "platform", "target_kind", "address", "thread_id", "user_ref",
                   "payload", "attempts", "not_before", "priority", "expired")


class PendingRow(NamedTuple):
    """An outbox row as a send needs it (SENDING_COLUMNS). A plain tuple: the outbox
    reads its fields a score of times per message, and an attribute of SQLAlchemy's
    Row costs ten times a tuple's."""

    id: int
    platform: str
    target_kind: str
    address: str
    thread_id: str | None
    user_ref: str | None
    payload: dict[str, Any]
    attempts: int
    not_before: datetime | None
    priority: int
    #: Truthy when the row's expires_at is not later than the `now` it was read at: it is
    #: not to be sent any more (see OutboxRepo.expire); 0 (falsy, not None) when it has
    #: an expires_at still to come (a time-bound message: never given up before it).
    expired: bool | None


assert PendingRow._fields == SENDING_COLUMNS


def _pending_rows(rows: Iterable[Row[Any]]) -> list[PendingRow]:
    # tuple.__new__ straight from each Row (the NamedTuple's own __new__ is Python code).
    return [tuple.__new__(PendingRow, row) for row in rows]


def _json_batches() -> bool:
    """Whether this SQLite can run the JSON statements below: JSON functions (built in
    since 3.38, an extension before) and UPDATE .. FROM (3.33)."""
    if sqlite3.sqlite_version_info < (3, 33):
        return False
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("SELECT json_group_array(value) FROM json_each('[1]')")
    except sqlite3.Error:
        return False
    return True


#: Older SQLite (Ubuntu 20.04 ships 3.31) takes the statements PostgreSQL does.
SQLITE_JSON_BATCHES = _json_batches()


def sqlite_utc_text(moment: datetime) -> str:
    """An aware datetime as UTCDateTime stores it on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'
    in UTC, what its bind processors write), formatted in C."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def outbox_statements_alone(engine: Engine) -> bool:
    """Whether claim_alone() and record_sent_alone() apply (SQLite with the JSON
    statements below)."""
    return SQLITE_JSON_BATCHES and engine.dialect.name == "sqlite"


# The outbox's two writes per batch on SQLite, each one statement that is its own
# transaction (the driver runs in autocommit, see storage.db): committed when it returns,
# as atomic as a transaction around it, without BEGIN IMMEDIATE and COMMIT. Each call into
# Python's sqlite3 hands the interpreter over and takes it back, on the outbox's database
# thread while the event loop's thread (sending) wants it: a third of the hand-overs.
# Straight on the driver's connection: SQLAlchemy's Session and Connection would begin a
# transaction around them (storage.db._sqlite_begin).

def claim_alone(engine: Engine, ids: Sequence[int], now: datetime) -> set[int] | None:
    """SQLite: mark every one of `ids` 'sending' (committed on return) if all are still
    pending, and return them; None, with nothing marked, if some are not (another process
    claimed them since they were read: OutboxRepo.claim then claims the rest)."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return set()
    changed = _alone(engine, _CLAIM_ALL_SQL, {"ids": json.dumps(unique), "n": len(unique),
                                              "now": sqlite_utc_text(now)})
    return set(unique) if changed == len(unique) else None


def record_sent_alone(engine: Engine,
                      sent: Sequence[tuple[int, datetime, int, str | None]]) -> bool:
    """SQLite: OutboxRepo.record_sent as one statement of its own (committed on return);
    False, with nothing written, where that cannot be (record them in a transaction)."""
    if not sent:
        return True
    return _alone(engine, _RECORD_SENT_SQL, {"sent": _sent_json(sent)}) is not None


def recalls_alone(engine: Engine) -> list[tuple[int, list[int]]] | None:
    """SQLite: OutboxRepo.recalls as one statement outside a transaction (read a dozen
    times a fan-out; in a Session it began with BEGIN IMMEDIATE, the write lock, so it
    could wait for another connection's claim, record or transaction, and made two more
    calls into sqlite3); None, with nothing read, where that cannot be (read them in a
    session).
    One statement reads one snapshot, as the transaction around it did."""
    found = _alone(engine, _RECALLS_SQL, {"status": RECALL}, read=True)
    if found is None:
        return None
    assert isinstance(found, list)
    return [(note_id, list(json.loads(ids)) if ids is not None else [])
            for note_id, ids in found]


def _alone(engine: Engine, statement: str, params: dict[str, Any],
           read: bool = False) -> int | list[Any] | None:
    """Run one statement as its own transaction: the rows it changed, or with `read` the
    rows it read. None (run nothing) unless the driver's connection is in autocommit and
    outside a transaction, so that the statement commits as it ends. A driver error is
    raised as SQLAlchemy's (DBAPIError), as from a Session."""
    with contextlib.closing(engine.raw_connection()) as connection:
        driver = connection.driver_connection
        if driver is None or driver.isolation_level is not None or driver.in_transaction:
            return None
        cursor = driver.cursor()
        try:
            cursor.execute(statement, params)
            done: int | list[Any] = cursor.fetchall() if read else cursor.rowcount
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc
        finally:
            cursor.close()
        assert not driver.in_transaction  # (committed: nothing else can leave it open)
        return done


def _sent_json(sent: Sequence[tuple[int, datetime, int, str | None]],
               stamp: Callable[[datetime], str] = sqlite_utc_text) -> str:
    """A batch's sends as record_sent's JSON parameter, each time written by `stamp` (in
    C: the column type's processors cost 2 us a row)."""
    return json.dumps([(row_id, stamp(sent_at), attempts, external_id)
                       for row_id, sent_at, attempts, external_id in sent])


def _json_batched(session: Session) -> bool:
    """On SQLite, with the JSON statements below (else the portable ones)."""
    return outbox_statements_alone(session.get_bind())


# On SQLite the outbox's per-batch statements pass their many ids and values as one JSON
# parameter, and read many rows back as one JSON value: Python's sqlite3 steps a
# statement once a row, handing the interpreter over at every step and waiting to take it
# back, so a fetch or an executemany of a batch's hundreds of rows, on the outbox's
# database thread, cost the event loop's thread (sending that batch) as much again.
_NOW = bindparam("now", type_=UTCDateTime())
_SQLITE_CLAIMABLE = sql_text(
    "SELECT json_group_array(id) FROM outbox "
    "WHERE id IN (SELECT value FROM json_each(:ids)) AND status = 'pending'")
_SQLITE_CLAIM = sql_text(
    "UPDATE outbox SET status = 'sending', sending_at = :now "
    "WHERE id IN (SELECT value FROM json_each(:ids))").bindparams(_NOW)
_SQLITE_IN_FLIGHT = sql_text(
    "SELECT json_group_array(id) FROM outbox WHERE status = 'sending' "
    "AND platform IN (SELECT value FROM json_each(:platforms)) "
    "AND id NOT IN (SELECT value FROM json_each(:mine))")
#: Each element of :sent is [id, sent_at, attempts, external_id]. (UPDATE .. FROM: SQLite 3.33+.)
_RECORD_SENT_SQL = (
    "UPDATE outbox SET status = 'sent', last_error = NULL, "
    "sent_at = json_extract(sent.value, '$[1]'), "
    "attempts = json_extract(sent.value, '$[2]'), "
    "external_id = json_extract(sent.value, '$[3]') "
    "FROM json_each(:sent) AS sent WHERE outbox.id = json_extract(sent.value, '$[0]')")
_SQLITE_RECORD_SENT = sql_text(_RECORD_SENT_SQL)
#: The recall notes (status :status): each note's id and the JSON array of ids it recalls.
_RECALLS_SQL = "SELECT id, json_extract(payload, '$.ids') FROM outbox WHERE status = :status"
#: Every one of :ids marked 'sending' if all :n of them are pending, else none.
_CLAIM_ALL_SQL = (
    "UPDATE outbox SET status = 'sending', sending_at = :now "
    "WHERE id IN (SELECT value FROM json_each(:ids)) AND status = 'pending' "
    "AND (SELECT count(*) FROM outbox WHERE id IN (SELECT value FROM json_each(:ids)) "
    "AND status = 'pending') = :n")
_outbox = OutboxMessage.__table__



def _recipient(row: Any) -> tuple[str, str]:
    """Whose a queued DM or ephemeral note is: (platform, their address)."""
    return row.platform, row.address if row.target_kind == "dm" else (row.user_ref or "")


def _addresses(rows: Iterable[Any]) -> set[tuple[str, str]]:
    """Where a DM to each of these people (key, slack_id, telegram_id) goes."""
    found: set[tuple[str, str]] = set()
    for row in rows:
        found.add(("console", row.key))
        if row.slack_id:
            found.add(("slack", row.slack_id))
        if row.telegram_id is not None:
            found.add(("telegram", str(row.telegram_id)))
    return found
#: The same elsewhere: one UPDATE by primary key, executed for many rows at once.
_RECORD_SENT = (update(_outbox).where(_outbox.c.id == bindparam("row_id"))
                .values(status="sent", last_error=None, sent_at=bindparam("sent_at"),
                        attempts=bindparam("attempts"), external_id=bindparam("external_id")))

# On PostgreSQL too a batch's many ids and values go as one text parameter (an array
# literal of ids, or JSON), and its many rows come back as one JSON value: an expanding
# IN binds a parameter per id, an executemany runs one UPDATE per row, and a fetch makes
# a row per message, each in Python on the outbox's database thread while the event
# loop's thread wants the interpreter to send. Delivering 2,000 messages, the outbox's
# database thread spent about 70 ms of CPU that way and about 25 ms this way, on a
# fan-out of some 400 ms (bench/fanout.py: slack-fanout on PostgreSQL read 0.69x the raw
# loop before).
#: Each element of :sent is [id, sent_at (ISO 8601 with its offset), attempts, external_id].
_PG_RECORD_SENT = sql_text(
    "UPDATE outbox SET status = 'sent', last_error = NULL, sent_at = sent.sent_at, "
    "attempts = sent.attempts, external_id = sent.external_id FROM ("
    "SELECT CAST(e->>0 AS integer) AS id, CAST(e->>1 AS timestamptz) AS sent_at, "
    "CAST(e->>2 AS integer) AS attempts, e->>3 AS external_id "
    "FROM json_array_elements(CAST(:sent AS json)) AS e) AS sent WHERE outbox.id = sent.id")
#: Those of :ids still pending marked 'sending', locked first with SKIP LOCKED: a row
#: another transaction holds is skipped, one it already claimed is no longer pending.
_PG_CLAIM = sql_text(
    "WITH claimed AS (UPDATE outbox SET status = 'sending', sending_at = :now "
    "WHERE id IN (SELECT id FROM outbox WHERE id = ANY(CAST(:ids AS integer[])) "
    "AND status = 'pending' FOR UPDATE SKIP LOCKED) RETURNING id) "
    "SELECT CAST(json_agg(id) AS text) FROM claimed").bindparams(_NOW)
_PG_IN_FLIGHT = sql_text(
    "SELECT CAST(json_agg(id) AS text) FROM outbox WHERE status = 'sending' "
    "AND platform = ANY(CAST(:platforms AS varchar[])) "
    "AND id <> ALL(CAST(:mine AS integer[]))")


def _postgres(session: Session) -> bool:
    """On PostgreSQL, with the statements above."""
    return session.get_bind().dialect.name == "postgresql"


def _int_array(ids: Iterable[int]) -> str:
    """Ids as a PostgreSQL array literal ('{1,2,3}'): one text parameter."""
    return "{" + ",".join(map(str, ids)) + "}"


def _json_list(found: str | None) -> list[Any]:
    """A json_agg's value read back (NULL, of no rows, as none)."""
    return json.loads(found) if found else []


def _iso_aware(moment: datetime) -> str:
    """An aware datetime in ISO 8601 with its offset, as PostgreSQL reads a timestamptz
    (a naive one refused, as UTCDateTime refuses it)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.isoformat()


def _pg_time(value: str) -> datetime:
    """A timestamp as PostgreSQL writes one in JSON (ISO 8601, the session's offset)."""
    return datetime.fromisoformat(value).astimezone(UTC)


_NOT_BEFORE = SENDING_COLUMNS.index("not_before")
_EXPIRED = SENDING_COLUMNS.index("expired")


@functools.cache
def _lane_statements(due_only: bool, packed: str | None) -> tuple[Any, Any, Any]:
    """pending_lanes' three queries, built once (building them cost more than running
    them): the chats with a reply waiting, everything pending to some of them (the
    `addresses`), and the oldest bulk messages; with `due_only`, not_before is read only
    where it is later than `now`, and `expired` says whether expires_at has come by `now`
    (a flag, not the timestamp: 1 if it has, 0 if it is still to come, NULL for nearly
    every row, which has none; cheaper to read). On SQLite and PostgreSQL (`packed`:
    the dialect's name) the last two come as one JSON value."""
    table = _outbox
    columns: list[Any] = [table.c[name] for name in SENDING_COLUMNS[:_EXPIRED]]
    if due_only:
        now = bindparam("now", type_=UTCDateTime())
        columns[_NOT_BEFORE] = case((table.c.not_before > now, table.c.not_before)
                                    ).label("not_before")
        # 0 for a time-bound row not yet expired: the outbox keeps trying it until then.
        columns.append(case((table.c.expires_at <= now, literal(1)),
                            (table.c.expires_at.is_not(None), literal(0))).label("expired"))
    else:
        columns.append(null().label("expired"))
    wanted = (table.c.status == "pending",
              table.c.platform.in_(bindparam("platforms", expanding=True)))
    replies = (select(table.c.platform, table.c.address)
               .where(*wanted, table.c.priority > OutboxMessage.BULK)
               .order_by(table.c.id).limit(bindparam("limit")))
    lane = (select(*columns)
            .where(*wanted, table.c.address.in_(bindparam("addresses", expanding=True)))
            .order_by(table.c.id))
    bulk = (select(*columns).where(*wanted, table.c.priority == OutboxMessage.BULK)
            .order_by(table.c.id).limit(bindparam("limit")))
    if packed == "sqlite":
        lane, bulk = _packed(lane), _packed(bulk)
    elif packed == "postgresql":
        lane, bulk = _packed_pg(lane), _packed_pg(bulk)
    return replies, lane, bulk


def _packed(query: Select[Any]) -> Select[Any]:
    """SQLite: the rows of `query` (SENDING_COLUMNS) as one JSON array of arrays."""
    rows = query.subquery()
    # The payload is stored as JSON text: json() embeds it as JSON, not as a string.
    return select(func.json_group_array(func.json_array(*(
        func.json(rows.c[name]) if name == "payload" else rows.c[name]
        for name in SENDING_COLUMNS))))


def _packed_pg(query: Select[Any]) -> Select[Any]:
    """PostgreSQL: the rows of `query` (SENDING_COLUMNS) as one JSON array of arrays, as
    text (NULL for no row)."""
    rows = query.subquery()
    return select(cast(func.json_agg(func.json_build_array(*(
        rows.c[name] for name in SENDING_COLUMNS))), Text))


@functools.cache
def _enqueue_statement(dialect: str, dedupe: bool) -> Any:
    """The outbox's INSERT ... RETURNING id for a dialect, built once: its values come
    as parameters, so a reply costs no statement building or compiling of its own."""
    table = OutboxMessage.__table__
    statement = _dialect_insert(dialect)(table)
    if dedupe:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return statement.returning(table.c.id)


def _dialect_insert(dialect: str) -> Any:
    """The INSERT construct with ON CONFLICT for SQLite or PostgreSQL."""
    return sqlite_insert if dialect == "sqlite" else postgresql_insert


#: An outbox row's status for a note, not a message: the ids of rows an erase deleted or
#: rewrote, which a worker holding an older copy in a claimed batch must not send
#: (OutboxRepo.recall).
RECALL = "recall"
#: How long a recall note is kept.
RECALL_KEPT = timedelta(hours=1)

#: A row without a dedupe key, which cannot conflict: any dialect, no RETURNING.
_ADD = insert(OutboxMessage.__table__)


class OutboxRepo:
    """Messages waiting to be delivered.

    With `replies=True` (a handler answering an inbound event) what it records goes
    ahead of bulk traffic such as a round (see bot.outbox).
    """

    def __init__(self, session: Session, *, replies: bool = False) -> None:
        self.session = session
        self.priority = OutboxMessage.REPLY if replies else OutboxMessage.BULK

    def enqueue(self, *, platform: str, target_kind: str, address: str, payload: dict[str, Any],
                now: datetime, thread_id: str | None = None, user_ref: str | None = None,
                dedupe_key: str | None = None, expires_at: datetime | None = None
                ) -> int | None:
        """Record a message to send; its id, or None if one with the same dedupe key
        exists already. With `expires_at`, a time-bound message: still waiting then (an
        outage, a stopped bot), it is dropped as 'expired' instead of sent."""
        row = self._row(platform, target_kind, address, payload, now, thread_id, user_ref,
                        dedupe_key, expires_at)
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # One Core statement, no savepoint: every reply takes this path. A key taken
            # (also by a concurrent transaction, once it commits) inserts nothing.
            return insert_connection(self.session).execute(
                _enqueue_statement(dialect, dedupe_key is not None), row).scalar()
        if dedupe_key is not None and self.session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
            return None
        msg = OutboxMessage(**row)
        try:
            with self.session.begin_nested():
                self.session.add(msg)
        except IntegrityError:
            return None
        return msg.id

    def add(self, *, platform: str, target_kind: str, address: str, payload: dict[str, Any],
            now: datetime, thread_id: str | None = None, user_ref: str | None = None,
            expires_at: datetime | None = None) -> None:
        """Record a message to send that has no dedupe key (so it always goes in); see
        enqueue() for `expires_at`.

        In a batch of events (see storage.db.defer_insert) the row is written together
        with the batch's other replies, in one statement, before the batch's next
        statement or its commit: a reply is on every answer's path.
        """
        row = self._row(platform, target_kind, address, payload, now, thread_id, user_ref,
                        None, expires_at)
        if not defer_insert(self.session, _ADD, row):
            insert_connection(self.session).execute(_ADD, row)

    def _row(self, platform: str, target_kind: str, address: str, payload: dict[str, Any],
             now: datetime, thread_id: str | None, user_ref: str | None,
             dedupe_key: str | None, expires_at: datetime | None) -> dict[str, Any]:
        """A new pending message's row, due now (enqueue's and add's)."""
        if ASKS_KEY in payload:  # (a question without a key: see bot.events.ASKED_IN_KEY)
            payload = {**payload, ASKED_IN_KEY: self.unit()}
        return {"platform": platform, "target_kind": target_kind, "address": address,
                "thread_id": thread_id, "user_ref": user_ref, "payload": payload,
                "dedupe_key": dedupe_key, "status": "pending", "attempts": 0,
                "not_before": now, "created_at": now, "priority": self.priority,
                "expires_at": expires_at}

    def pending(self, platforms: Sequence[str], limit: int = 200) -> list[OutboxMessage]:
        """Undelivered messages for the running platforms, oldest first."""
        return list(self.session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.platform.in_(list(platforms)))
            .order_by(OutboxMessage.id).limit(limit)))

    def pending_lanes(self, platforms: Sequence[str], limit: int = 200,
                      now: datetime | None = None
                      ) -> tuple[list[PendingRow], list[PendingRow]]:
        """Undelivered messages in two lanes, each oldest first: (replies, bulk).

        The reply lane holds the chats with a pending reply, with everything pending to
        them (an earlier bulk message to the same chat must still go first); the bulk
        lane holds up to `limit` of the oldest bulk messages to other chats. Rows are
        PendingRow tuples (not ORM objects, which cost more to build than the send they
        are for), with the columns a send needs (SENDING_COLUMNS). Given `now`, a
        row's not_before is None when it is not later than `now` (most rows: reading
        a timestamp costs more than the rest of the row).
        """
        packed = "sqlite" if _json_batched(self.session) else \
            "postgresql" if _postgres(self.session) else None
        replies_of, lane_of, bulk_of = _lane_statements(now is not None, packed)
        params: dict[str, Any] = {"platforms": list(platforms), "limit": limit}
        if now is not None:
            params["now"] = now
        replies = self.session.execute(replies_of, params).all()
        chats = {(platform, address) for platform, address in replies}
        lane: list[PendingRow] = []
        if chats:
            lane = [row for row in self._read_pending(
                lane_of, {**params, "addresses": list({a for _, a in chats})}, packed)
                if (row.platform, row.address) in chats]
        bulk = self._read_pending(bulk_of, params, packed)
        if chats:
            bulk = [row for row in bulk if (row.platform, row.address) not in chats]
        return lane, bulk

    def _read_pending(self, query: Select[Any], params: dict[str, Any],
                      packed: str | None) -> list[PendingRow]:
        """The rows a _lane_statements query selects (in order of id) as PendingRows."""
        if packed is None:
            # (.all(): one fetch for the lot, not one a row.)
            return _pending_rows(self.session.execute(query, params).all())
        data = _json_list(self.session.execute(query, params).scalar_one())
        # An aggregate's order is not promised: in order of id (already so, in one pass).
        data.sort(key=itemgetter(0))
        parse = None
        for row in data:
            if row[_NOT_BEFORE] is not None:  # (None for a row due by `now`: most of them)
                if parse is None:  # (as SQLAlchemy reads the column)
                    dialect = self.session.get_bind().dialect
                    parse = _pg_time if packed == "postgresql" else \
                        _outbox.c.not_before.type.dialect_impl(dialect).result_processor(
                            dialect, None)
                row[_NOT_BEFORE] = parse(row[_NOT_BEFORE])
        return [tuple.__new__(PendingRow, row) for row in data]

    def record_sent(self, sent: Sequence[tuple[int, datetime, int, str | None]]) -> None:
        """Mark rows sent: (id, sent_at, attempts, external_id) each, in one statement."""
        if not sent:
            return
        if _json_batched(self.session):
            # Each timestamp as the column's own type writes it (so that it compares and
            # reads back as the rest, and a naive one is refused).
            self.session.connection().execute(_SQLITE_RECORD_SENT,
                                              {"sent": _sent_json(sent)})
            return
        if _postgres(self.session):
            self.session.connection().execute(_PG_RECORD_SENT,
                                              {"sent": _sent_json(sent, _iso_aware)})
            return
        self.session.connection().execute(_RECORD_SENT, [
            {"row_id": row_id, "sent_at": sent_at, "attempts": attempts,
             "external_id": external_id}
            for row_id, sent_at, attempts, external_id in sent])

    def claim(self, ids: Sequence[int], now: datetime) -> set[int]:
        """Mark those of `ids` still pending as 'sending'; return the ids this call claimed.

        One statement: on PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED in
        its subquery, so two processes never claim (and send) the same row: a row another
        transaction holds is skipped, one it already claimed is no longer pending. SQLite
        has one writer at a time (BEGIN IMMEDIATE), so the plain read is enough there.
        """
        if not ids:
            return set()
        table = OutboxMessage.__table__
        if _json_batched(self.session):
            # The ids as one JSON parameter, and the claimed ones back as one JSON value:
            # a fetch steps once a row, and Python's sqlite3 hands the interpreter to the
            # event loop's thread and waits to take it back at every step. The writer
            # holds SQLite's only write lock from BEGIN IMMEDIATE, so nothing can claim a
            # row between this read and the UPDATE.
            claimed = json.loads(self.session.connection().execute(
                _SQLITE_CLAIMABLE, {"ids": json.dumps(list(ids))}).scalar_one())
            if claimed:
                self.session.connection().execute(
                    _SQLITE_CLAIM, {"ids": json.dumps(claimed), "now": now})
            return set(claimed)
        if _postgres(self.session):
            return set(_json_list(self.session.connection().execute(
                _PG_CLAIM, {"ids": _int_array(ids), "now": now}).scalar_one()))
        # An expanding parameter: the ids are bound as they are, not each coerced into
        # an expression (which cost more than the statement for a batch of hundreds).
        pending = (select(table.c.id)
                   .where(table.c.id.in_(bindparam("ids", expanding=True)),
                          table.c.status == "pending")
                   .with_for_update(skip_locked=True))
        return set(self.session.connection().execute(
            update(table).where(table.c.id.in_(pending.scalar_subquery()))
            .values(status="sending", sending_at=now).returning(table.c.id),
            {"ids": list(ids)}).scalars().all())

    def expire(self, ids: Sequence[int], scrub: Mapping[int, dict[str, Any]]) -> list[int]:
        """Mark those of `ids` still pending 'expired' (dropped unsent: past expires_at);
        return them. `scrub`: new payloads for some of them (a pulse DM keeps no text once
        done with). Rare, and a handful of rows: no batching tricks."""
        if not ids:
            return []
        table = _outbox
        expired = list(self.session.connection().execute(
            update(table).where(table.c.id.in_(list(ids)), table.c.status == "pending")
            .values(status="expired").returning(table.c.id)).scalars().all())
        for row_id in expired:
            if row_id in scrub:
                self.session.connection().execute(
                    update(table).where(table.c.id == row_id).values(payload=scrub[row_id]))
        return sorted(expired)

    def unit(self) -> str:
        """A name for this session's unit of work (its transaction), made on first use."""
        return self.session.info.setdefault(_UNIT, uuid.uuid4().hex)

    def withdraw(self, keys: Sequence[str], now: datetime,
                 payload: dict[str, Any] | None = None, *, keep_keys: bool = False,
                 asks: Sequence[str] = (), earlier: bool = False) -> int:
        """Drop the messages of these dedupe keys still waiting (pending): what they say
        stopped being true `now` (a 1:1 reminder of a meeting just moved or skipped, a
        check-in reminder of a check-in just finished). They become 'expired' as of now,
        and give up their keys, so that a message of the same key made later (the meeting
        moved back) goes in. `asks`: also the keyless questions marked as asking one of
        these (bot.events.ASKS_KEY); with `earlier`, only those queued before this unit of
        work (on an answer's path: its own follow the answers, in order). `payload`: what
        they keep instead of theirs (a pulse DM keeps no text once done with, see expire).
        `keep_keys`: they keep their keys, so that the sweep that queued them takes them as
        sent and does not queue them again (a reminder of a survey put aside with /pause).
        How many were dropped."""
        connection = self.session.connection()
        return sum(len(connection.execute(statement, params).scalars().all())
                   for statement, params in _withdrawals(
                       keys, asks, now, self.unit() if earlier else None, payload=payload,
                       keep_keys=keep_keys, returning=True))

    def withdraw_soon(self, keys: Sequence[str], now: datetime,
                      asks: Sequence[str] = ()) -> None:
        """withdraw(), as part of a batch of events: with the batch's other withdrawals in
        one statement, before its next statement or its commit (storage.db.defer_after),
        not one statement and a write of everything pending per answer (the check-in's
        answers take this path). Now, outside a batch. `asks`: as withdraw()'s with
        `earlier` (what this batch asked goes, in order)."""
        if (keys or asks) and not defer_after(
                self.session, "outbox.withdraw", (list(keys), now, list(asks), self.unit()),
                _withdraw_all):
            self.withdraw(keys, now, asks=asks, earlier=True)

    def withdraw_for_leavers(self, now: datetime) -> int:
        """Drop what still waits to be sent privately (a DM, an ephemeral note) to people
        no longer in the org file: a summary or digest queued while the platform was
        down must not reach someone removed since. An address an active person has too
        (a key renamed, the same Slack account) keeps its messages. How many were dropped.

        Run at every sync (each start, each reload): it reads those removed (usually
        none, and then nothing more), the active people sharing their addresses and the
        messages waiting at those addresses, never the whole org nor the whole outbox."""
        people = Person.__table__
        gone = _addresses(self.session.execute(select(
            people.c.key, people.c.slack_id, people.c.telegram_id).where(
                people.c.active.is_(False))).all())
        if not gone:
            return 0
        gone -= _addresses(self._people_at(gone, active=True))
        ids = self._pending_private_at(gone)
        if ids:
            self._expire(ids, now)
        return len(ids)

    def withdraw_unreadable(self, now: datetime,
                            department_owners: Mapping[str, Collection[str]],
                            again: list[tuple[str, str, str]] | None = None) -> int:
        """Drop what still waits to be sent privately to someone who may no longer read
        it: a summary, digest, GM-only message or a support request's news to a
        department's owner (marked with bot.readers' READERS_KEY when queued) for a
        person the org file took that right from since (off `org.summary_viewers`, no
        longer the GM, a director of another team, no longer an owner of the
        department). `department_owners`: the org file's departments (key -> owners'
        person keys), which the people table does not hold. Unmarked messages (ordinary
        replies) stay. How many were dropped; with `again`, each dropped message that says
        what replaces it (bot.readers.AGAIN_KEY) is added to it as (the recipient's person
        key, that, its mark)."""
        table = _outbox
        mark = table.c.payload[READERS_KEY].as_string()
        hint = table.c.payload[AGAIN_KEY].as_string()
        # The marked rows first: usually none wait, and then no person is read.
        waiting = self.session.execute(select(
            table.c.id, table.c.platform, table.c.target_kind, table.c.address,
            table.c.user_ref, mark.label("mark"), hint.label("again")).where(
                table.c.status == "pending", table.c.target_kind.in_(("dm", "ephemeral")),
                mark.is_not(None))).all()
        if not waiting:
            return 0
        at: dict[tuple[str, str], list[Any]] = {}
        for row in self._people_at({_recipient(w) for w in waiting}):
            for address in _addresses([row]):
                at.setdefault(address, []).append(row)
        owns: dict[str, set[str]] = {}
        for department, keys in department_owners.items():
            for key in keys:
                owns.setdefault(key, set()).add(department)
        ids: list[int] = []
        for w in waiting:
            readers = at.get(_recipient(w))
            # An address nobody has is not judged here (withdraw_for_leavers is for those
            # removed); one an active person may read at keeps its message.
            if readers and not any(may_read(w.mark, active=r.active, role=r.role, team=r.team,
                                            can_view_summary=r.can_view_summary,
                                            owns=owns.get(r.key, ()))
                                   for r in readers):
                ids.append(w.id)
                if again is not None and w.again:
                    again.extend((r.key, w.again, w.mark) for r in readers if r.active)
        if ids:
            self._expire(ids, now)
        return len(ids)

    def _people_at(self, addresses: Collection[tuple[str, str]], *,
                   active: bool | None = None) -> list[Any]:
        """The people (a few columns) reached at any of these addresses."""
        people = Person.__table__
        columns = {"console": people.c.key, "slack": people.c.slack_id,
                   "telegram": people.c.telegram_id}
        found: dict[Any, Any] = {}
        for platform, column in columns.items():
            values: list[Any] = [a for p, a in addresses if p == platform]
            if platform == "telegram":
                values = [int(v) for v in values if v.lstrip("-").isdigit()]
            for start in range(0, len(values), KEYS_PER_STATEMENT):
                query = select(people.c.id, people.c.active, people.c.role, people.c.team,
                               people.c.can_view_summary, people.c.key, people.c.slack_id,
                               people.c.telegram_id).where(
                    column.in_(values[start:start + KEYS_PER_STATEMENT]))
                if active is not None:
                    query = query.where(people.c.active.is_(active))
                found.update((row.id, row) for row in self.session.execute(query))
        return list(found.values())

    def _pending_private_at(self, addresses: Collection[tuple[str, str]]) -> list[int]:
        """The DMs and ephemeral notes still waiting to be sent to these addresses."""
        table = _outbox
        ids: list[int] = []
        for platform in sorted({p for p, _ in addresses}):
            values = sorted(a for p, a in addresses if p == platform)
            for start in range(0, len(values), KEYS_PER_STATEMENT):
                chunk = values[start:start + KEYS_PER_STATEMENT]
                ids += self.session.scalars(select(table.c.id).where(
                    table.c.status == "pending", table.c.platform == platform,
                    or_((table.c.target_kind == "dm") & table.c.address.in_(chunk),
                        (table.c.target_kind == "ephemeral") & table.c.user_ref.in_(chunk))))
        return ids

    def _expire(self, ids: list[int], now: datetime) -> None:
        for start in range(0, len(ids), KEYS_PER_STATEMENT):
            self.session.connection().execute(
                _expiry(_outbox.c.id.in_(ids[start:start + KEYS_PER_STATEMENT]), now))

    def in_flight(self, platforms: Sequence[str],
                  exclude: Collection[int] = ()) -> list[OutboxMessage]:
        """Messages whose platform call began but whose outcome was never recorded
        (except `exclude`: ones the caller is sending right now)."""
        if _json_batched(self.session):
            # The caller's own set aside in the query, the rest's ids as one JSON value
            # (see claim()): usually none are left.
            ids = json.loads(self.session.connection().execute(
                _SQLITE_IN_FLIGHT, {"platforms": json.dumps(list(platforms)),
                                    "mine": json.dumps(list(exclude))}).scalar_one())
        elif _postgres(self.session):
            ids = _json_list(self.session.connection().execute(
                _PG_IN_FLIGHT, {"platforms": list(platforms),
                                "mine": _int_array(exclude)}).scalar_one())
        else:
            ids = self._in_flight_ids(platforms, exclude)
        if not ids:
            return []
        return list(self.session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.status == "sending")
            .order_by(OutboxMessage.id)))

    def _in_flight_ids(self, platforms: Sequence[str], exclude: Collection[int]) -> list[int]:
        table = OutboxMessage.__table__
        # The ids first (a running batch's hundreds of rows are 'sending' too): whole
        # rows only for the few left once the caller's own are set aside.
        return [row_id for row_id in self.session.scalars(
            select(table.c.id).where(table.c.status == "sending",
                                     table.c.platform.in_(list(platforms)))).all()
            if row_id not in exclude]

    def id_of(self, dedupe_key: str) -> int | None:
        """The id of the message recorded with `dedupe_key`, if it is still kept."""
        return self.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == dedupe_key))

    def queued_since(self, dedupe_keys: Sequence[str], since: datetime) -> bool:
        """Whether a message of one of `dedupe_keys` was queued at or after `since` (a note
        sent "once an hour at most": the last hour, not the clock's)."""
        return self.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key.in_(list(dedupe_keys)),
            OutboxMessage.created_at >= since).limit(1)) is not None

    def recall(self, ids: Collection[int], now: datetime) -> None:
        """Tell every running outbox worker not to send its copy of rows `ids` (an erase
        deleted or rewrote them): one 'recall' note, in the caller's transaction, that a
        worker reads before its calls (recalls()). Notes older than RECALL_KEPT go: no
        batch holds a row that long (one in flight longer is taken as orphaned)."""
        table = _outbox
        self.session.connection().execute(delete(table).where(
            table.c.status == RECALL, table.c.created_at < now - RECALL_KEPT))
        if ids:
            self.session.connection().execute(insert(table).values(
                platform="", target_kind=RECALL, address="", payload={"ids": sorted(ids)},
                status=RECALL, attempts=0, not_before=now, created_at=now,
                priority=OutboxMessage.BULK))

    def recalls(self) -> list[tuple[int, list[int]]]:
        """The recall notes kept: (note id, the row ids it recalls). One statement on the
        status index, nearly always finding none."""
        table = _outbox
        return [(note_id, list((payload or {}).get("ids") or []))
                for note_id, payload in self.session.connection().execute(
                    select(table.c.id, table.c.payload).where(table.c.status == RECALL))]

    def by_status(self, status: str) -> list[OutboxMessage]:
        """Messages in a status (for tests and the CLI)."""
        return list(self.session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == status).order_by(OutboxMessage.id)))


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """The processed-events INSERT .. ON CONFLICT DO NOTHING RETURNING of a dialect,
    built once (see _enqueue_statement)."""
    table = ProcessedEvent.__table__
    return (_dialect_insert(dialect)(table)
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(table.c.platform, table.c.event_id))


def _prefixed(column: Any, prefix: str, session: Session, holding: str = "") -> Any:
    """`column` starts with `prefix` (and holds `holding` after it), exactly, as the
    (platform, event_id) index can answer it: SQLite's LIKE ignores case, so it scans the
    table; its GLOB (case-sensitive, as the index's order) is a range of the index.
    PostgreSQL uses the index for a LIKE only under the collation "C" itself: the range is
    given as well where the database orders text by its bytes (C.UTF-8 too); under another
    collation ('en_US': punctuation weighs little) the range would leave rows out, and the
    LIKE alone is a scan, as before."""
    if session.get_bind().dialect.name == "sqlite":
        def glob(text: str) -> str:
            return "".join(f"[{c}]" if c in "*?[" else c for c in text)

        return column.op("GLOB")(glob(prefix) + (f"*{glob(holding)}" if holding else "") + "*")

    def like(text: str) -> str:
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    matched = column.like(like(prefix) + (f"%{like(holding)}" if holding else "") + "%",
                          escape="\\")
    if not prefix or not _orders_by_bytes(session):
        return matched
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first text past every `prefix…`
    return and_(column >= prefix, column < after, matched)


def _orders_by_bytes(session: Session) -> bool:
    """Whether PostgreSQL's default collation (the one event_id has) orders text by its
    bytes, as "C", "POSIX" and libc's "C.UTF-8" do (ICU's never)."""
    collation, provider = session.connection().exec_driver_sql(
        "SELECT datcollate, to_jsonb(d) ->> 'datlocprovider' FROM pg_database d "
        "WHERE datname = current_database()").one()
    return provider in (None, "c") and (
        collation in ("C", "POSIX") or collation.upper().startswith("C."))


class EventRepo:
    """Inbound events already processed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; False when it was processed before.

        The claim commits together with the work it guards, so a crash mid-way
        leaves the event unclaimed and its redelivery is processed.
        """
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # One statement, no savepoint: the claim is on every event's path. A claim
            # by a concurrent transaction makes this one wait, then do nothing.
            # RETURNING says whether a row went in (rowcount is -1 on some drivers).
            # Core on the table: the ORM's bulk-insert machinery costs more than the insert.
            claimed = insert_connection(self.session).execute(
                _claim_statement(dialect),
                {"platform": platform, "event_id": event_id, "received_at": now}).first()
            return claimed is not None
        if self.session.scalar(select(ProcessedEvent.id).where(
                ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id)):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(ProcessedEvent(platform=platform, event_id=event_id,
                                                received_at=now))
        except IntegrityError:
            return False
        return True

    def claim_all(self, events: Sequence[tuple[str, str]], now: datetime) -> set[tuple[str, str]]:
        """Record many (platform, event id) pairs in one statement; the pairs this call
        recorded (not those processed before). Empty where the database has no
        INSERT .. ON CONFLICT: claim() each event then."""
        dialect = self.session.get_bind().dialect.name
        rows = [{"platform": p, "event_id": e, "received_at": now}
                for p, e in dict.fromkeys(events)]
        if not rows or dialect not in ("sqlite", "postgresql"):
            return set()
        # The rows as parameters of one statement built once (SQLAlchemy sends them as
        # one multi-row INSERT): rows given in .values() made a statement of their own,
        # compiled again for every batch.
        result = insert_connection(self.session).execute(_claim_statement(dialect), rows)
        return {(p, e) for p, e in result}

    def seen(self, platform: str, event_id: str) -> bool:
        """Whether an event id was recorded (and not forgotten yet)."""
        return self.session.scalar(select(ProcessedEvent.id).where(
            ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id)) is not None

    def any_holding(self, platform: str, prefix: str, holding: str) -> bool:
        """Whether an id under `prefix` holds `holding` after it: on SQLite a range of the
        (platform, event_id) index (see _prefixed), not a scan of the table."""
        table = ProcessedEvent.__table__
        return self.session.connection().execute(select(table.c.id).where(
            table.c.platform == platform,
            _prefixed(table.c.event_id, prefix, self.session, holding)).limit(1)
        ).first() is not None

    def rekey(self, platform: str, prefix: str, new_id: Callable[[str], str | None]) -> int:
        """Record ids under `prefix` in the form `new_id` gives (None: already in it), so
        an event claimed in the old form is still found once the adapter names it anew;
        where both forms are recorded, the old row goes. How many rows changed."""
        table = ProcessedEvent.__table__
        connection = self.session.connection()
        rows = connection.execute(select(table.c.id, table.c.event_id).where(
            table.c.platform == platform,
            _prefixed(table.c.event_id, prefix, self.session))).all()
        changed = 0
        for row_id, event_id in rows:
            new = new_id(event_id)
            if new is None or new == event_id:
                continue
            if self.seen(platform, new):
                connection.execute(table.delete().where(table.c.id == row_id))
            else:
                connection.execute(table.update().where(table.c.id == row_id)
                                   .values(event_id=new))
            changed += 1
        return changed

    def unclaim(self, platform: str, event_id: str) -> None:
        """Forget a claim whose work was undone, so a redelivery is processed."""
        table = ProcessedEvent.__table__
        self.session.connection().execute(table.delete().where(
            table.c.platform == platform, table.c.event_id == event_id))

    def forget_before(self, cutoff: datetime) -> int:
        """Drop ids older than any platform redelivers (keeps the table small)."""
        result = self.session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)


def _withdraw_all(connection: Connection,
                  items: list[tuple[list[str], datetime, list[str], str]]) -> None:
    """OutboxRepo.withdraw_soon's queued withdrawals, in one statement: the keys never
    overlap a row the batch queued since (an enqueue writes what is deferred first), and
    the questions the batch asked itself are left (`earlier`)."""
    keys = sorted({key for batch, _, _, _ in items for key in batch})
    asks = sorted({mark for _, _, marks, _ in items for mark in marks})
    now = max(at for _, at, _, _ in items)
    for statement, params in _withdrawals(keys, asks, now, items[0][3]):
        connection.execute(statement, params)


def _withdrawals(keys: Sequence[str], asks: Sequence[str], now: datetime,
                 unit: str | None = None, *, payload: dict[str, Any] | None = None,
                 keep_keys: bool = False, returning: bool = False
                 ) -> list[tuple[Any, dict[str, Any]]]:
    """The statements of a withdrawal, each with its parameters: the pending rows of
    these dedupe keys, or keyless and marked as asking one of `asks`
    (bot.events.ASKS_KEY) and, given `unit`, queued by another unit of work than that
    one, at most KEYS_PER_STATEMENT of either in one, become as _expiry makes them. (The
    mark is read only from pending rows without a key: a few, unless the platform is
    down.) Every answer of a check-in withdraws: the statement of each shape is built
    once (_withdrawal), its keys, marks, unit and time given as parameters; building and
    compiling it anew took a fifth of an answer's handling."""
    keys, asks = list(keys), list(asks)
    done = []
    for start in range(0, max(len(keys), len(asks)), KEYS_PER_STATEMENT):
        some, marks = keys[start:start + KEYS_PER_STATEMENT], asks[start:start + KEYS_PER_STATEMENT]
        params: dict[str, Any] = {"w_now": now}
        if some:
            params["w_keys"] = some
        if marks:
            params["w_marks"] = marks
            if unit is not None:
                params["w_unit"] = unit
        if payload is not None:
            params["w_payload"] = payload
        done.append((_withdrawal(bool(some), bool(marks), bool(marks) and unit is not None,
                                 payload is not None, keep_keys, returning), params))
    return done


@functools.cache
def _withdrawal(keyed: bool, marked: bool, by_unit: bool, with_payload: bool,
                keep_keys: bool, returning: bool) -> Any:
    """One shape of _withdrawals' UPDATE, with bound parameters: w_keys, w_marks, w_unit,
    w_now, w_payload (the same statement _expiry makes of the same clauses)."""
    parts = [_outbox.c.dedupe_key.in_(bindparam("w_keys", expanding=True))] if keyed else []
    if marked:
        mark = _outbox.c.payload[ASKS_KEY].as_string()
        asked = _outbox.c.dedupe_key.is_(None) & mark.in_(bindparam("w_marks", expanding=True))
        if by_unit:
            asked &= func.coalesce(_outbox.c.payload[ASKED_IN_KEY].as_string(), "") != \
                bindparam("w_unit", type_=String())
        parts.append(asked)
    values: dict[str, Any] = {
        "status": "expired", "expires_at": bindparam("w_now", type_=_outbox.c.expires_at.type)}
    if not keep_keys:
        values["dedupe_key"] = None
    if with_payload:
        values["payload"] = bindparam("w_payload", type_=_outbox.c.payload.type)
    statement = update(_outbox).where(or_(*parts), _outbox.c.status == "pending").values(**values)
    return statement.returning(_outbox.c.id) if returning else statement


def _expiry(which: Any, now: datetime, *, payload: dict[str, Any] | None = None,
            keep_keys: bool = False) -> Any:
    """The UPDATE every withdrawal runs: the pending messages `which` picks become
    'expired' as of `now`, giving up their dedupe keys unless `keep_keys`, keeping
    `payload` instead of theirs if given (see OutboxRepo.withdraw)."""
    values: dict[str, Any] = {"status": "expired", "expires_at": now}
    if not keep_keys:
        values["dedupe_key"] = None
    if payload is not None:
        values["payload"] = payload
    return update(_outbox).where(which, _outbox.c.status == "pending").values(**values)
