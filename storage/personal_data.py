"""Everything stored about one person: export it as JSON, or erase it.

A registry: each feature contributes a `Part` that knows its own tables. The parts for
check-ins, kudos, away periods, open dialogs, messages and round requests are here; a new
feature (one-on-ones, action items...) calls `contribute(Part(...))` in its storage module,
which storage/models.py imports, and `teampulse export` / `erase` include it from then on.

What erasing means (the choice, written down):
- The person's row stays, anonymised: key and name become `former-<id>`, every platform id
  and username is removed, as is the language they chose in chat (the row's language
  becomes the default, English), and they are no longer active. Rows that count in the GM's
  totals keep pointing at that anonymous row, so a past week's team total, a team's kudos
  count or a past "away" week reads as before; only who it was is gone. The teams stored
  with their kudos and check-in weeks stay for the same reason: a team is a group, not a
  person, and the row keeps its own team too.
- What they wrote in their own words is deleted: free-text check-in answers, the reasons of
  kudos they gave or received, monthly review answers, the words of their one-on-ones on
  both sides (agenda items, notes, action items, feedback), the comments of their named
  360° answers and of every rater's answers on reviews of them, open dialogs, and every
  message addressed to them.
  Numbers, scales and fixed choices (e.g. the kind of support asked for) stay as anonymous
  figures in the totals. Past summaries therefore keep their totals; their line reads
  `former-<id>` instead of the name, and their comments are gone.
- Anonymous pulse votes are not linked to anyone and are left alone. Their part in a poll
  (participation, the poll's dialog and DMs) is left out of the export, as are anonymous
  360° invitations and the other side's private 1:1 notes (README, "A person's data").
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, Text, cast, delete, func, inspect, literal, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from bot.events import SCRUB_KEY
from bot.text import count_text
from storage.away import AwayPeriod
from storage.digest import DigestSent
from storage.goals import CrmActual
from storage.kudos import Kudos
from storage.models import CheckinRound, Conversation, OutboxMessage, Person
from storage.oneonone import (
    ActionItem,
    AgendaItem,
    MeetingFeedback,
    MeetingNote,
    OneOnOneDialog,
    OneOnOneMeeting,
    OneOnOneOverride,
    OneOnOnePairEnd,
)
from storage.pulse import DIALOG_KIND as PULSE_DIALOG
from storage.repositories import OutboxRepo
from storage.review import MonthlyAnswer, ReviewAnswer, ReviewInvite, ReviewRound
from storage.review_schedule import ScheduledReview
from storage.round_requests import RoundRequest
from storage.support import erase_part as _erase_support
from storage.support import export_part as _export_support

#: A part's export: any JSON-able value. Its erase: what it did, one line per effect.
Exporter = Callable[[Session, Person], Any]
Eraser = Callable[[Session, Person, str], list[str]]


@dataclass(frozen=True)
class Part:
    """One feature's share of a person's data."""

    name: str
    export: Exporter
    erase: Eraser


PARTS: list[Part] = []


def contribute(part: Part) -> None:
    """Add (or replace, by name) a feature's part of a person's data."""
    PARTS[:] = [p for p in PARTS if p.name != part.name]
    PARTS.append(part)


def find_person(session: Session, key: str) -> Person | None:
    """A person by key, also one who has left the org (erasing is often asked after); a
    key typed in full-width letters (ａｌｉｃｅ, a Chinese input method's) is that key."""
    wanted = unicodedata.normalize("NFKC", key).strip().lower()
    return session.scalar(select(Person).where(Person.key == wanted))


def erased_already(session: Session) -> str:
    """For "no person KEY": whether that may be someone erased. Nothing keeps an erased
    person's key, so an erase whose output was lost (a killed process, a dropped SSH
    session) cannot be confirmed by it; the count of erased rows at least says that a
    second `erase` finding no one is what follows a first that went through."""
    erased = session.scalar(select(func.count()).select_from(Person).where(
        Person.key == literal("former-") + cast(Person.id, String))) or 0
    if not erased:
        return ""
    people = "1 person" if erased == 1 else f"{erased} people"
    return (": never there, or erased already (an erased person is no longer found by "
            f"their key; {people} erased so far)")


def export_person(session: Session, person: Person) -> dict[str, Any]:
    """Everything stored about a person, as JSON-able data, one section per part."""
    data: dict[str, Any] = {"person": _profile(person)}
    for part in PARTS:
        data[part.name] = _jsonable(part.export(session, person))
    return data


def erase_person(session: Session, person: Person) -> list[str]:
    """Erase a person as described above; returns what was done, one line per effect."""
    former = f"former-{person.id}"
    done: list[str] = []
    for part in PARTS:
        done.extend(part.erase(session, person, former))
    person.key = former
    person.display_name = former
    person.slack_id = None
    person.telegram_id = None
    person.telegram_username = None
    # The language she chose in chat is hers too; the row writes to no one, so the default.
    person.chosen_locale = None
    person.locale = "en"
    person.active = False
    person.checks_in = False
    person.can_view_summary = False
    session.flush()
    done.append(f"name, key and chat ids removed; the person is now {former!r}")
    return done


def _profile(person: Person) -> dict[str, Any]:
    return {"key": person.key, "name": person.display_name, "role": person.role,
            "manager": person.manager_key, "team": person.team, "timezone": person.timezone,
            "locale": person.locale, "locale_chosen_in_chat": person.chosen_locale,
            "checks_in": person.checks_in, "can_view_summary": person.can_view_summary,
            "added_at": person.added_at,
            # When the org sync took them out of the file (None: in it, or before 0024).
            "left_at": person.left_at,
            "slack_id": person.slack_id, "telegram_id": person.telegram_id,
            "telegram_username": person.telegram_username, "active": person.active,
            "kpi_targets": [{"metric": k.metric, "unit": k.unit,
                             "weekly_target": k.weekly_target} for k in person.kpis]}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --- check-ins ---------------------------------------------------------------------------

def _rounds(session: Session, person: Person) -> list[CheckinRound]:
    return list(session.scalars(
        select(CheckinRound).where(CheckinRound.person_id == person.id)
        .options(selectinload(CheckinRound.answers)).order_by(CheckinRound.week)))


def _export_checkins(session: Session, person: Person) -> list[dict[str, Any]]:
    out = []
    for rnd in _rounds(session, person):
        kinds = {q.get("key"): q.get("kind") for q in rnd.questions}
        out.append({
            # What the round kept of them that week: their role, team, timezone and
            # manager then (summaries read past weeks by them).
            "week": rnd.week, "status": rnd.status, "team": rnd.team, "role": rnd.role,
            "timezone": rnd.timezone, "manager": rnd.manager_key,
            "prompted_at": rnd.prompted_at, "reminded_at": rnd.reminded_at,
            "submitted_at": rnd.submitted_at,
            # When its answers were last changed after the week (0021_roundedit).
            "edited_at": rnd.edited_at,
            "answers": [{"question": a.question_key, "kind": kinds.get(a.question_key),
                         "text": a.text_value, "number": a.number_value,
                         "skipped": a.skipped, "answered_at": a.answered_at,
                         "updated_at": a.updated_at,
                         # The first change after the week, and the figure it replaced.
                         "changed_after_week_at": a.changed_after_week_at,
                         "number_at_week_end": a.number_at_week_end}
                        for a in rnd.answers]})
    return out


def _erase_checkins(session: Session, person: Person, former: str) -> list[str]:
    # Others' rounds made while they managed them name them by key: the anonymous key now,
    # so a past week's one-on-one reads "with former-<id>" (and never whoever takes the key).
    managed = session.execute(
        update(CheckinRound).where(CheckinRound.manager_key == person.key)
        .values(manager_key=former)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    # So do the people they manage now (until the org file names their new manager): their
    # key there beside former-<id> in those people's rounds would say who former-<id> is.
    session.execute(update(Person).where(Person.manager_key == person.key)
                    .values(manager_key=former).execution_options(synchronize_session=False))
    rounds = _rounds(session, person)
    dropped = kept = 0
    for rnd in rounds:
        kinds = {q.get("key"): q.get("kind") for q in rnd.questions}
        for answer in rnd.answers:
            if kinds.get(answer.question_key) in {"number", "scale", "choice"}:
                kept += 1
            elif answer.text_value is not None:
                # Free text (or a question we cannot place): their own words go. The row
                # stays, answered and without words: that the question was answered makes
                # the week's status and check-in count (a week answered in words only
                # would otherwise read as not checked in).
                answer.text_value = None
                dropped += 1
    session.flush()
    return [f"check-ins: {count_text(dropped, 'written answer')} deleted; "
            f"{count_text(kept, 'number or choice', 'numbers and choices')} in "
            f"{count_text(len(rounds), 'week')} kept anonymously in the totals"] + \
        ([f"check-ins: {managed} of others' made while they managed them name {former}"]
         if managed else [])


# --- kudos -------------------------------------------------------------------------------

def _kudos_row(row: Kudos) -> dict[str, Any]:
    # The teams stored with it (giver's and recipient's when it was given) are theirs too.
    return {"given_at": row.given_at, "giver": row.giver.key, "giver_team": row.giver_team,
            "recipient": row.recipient.key, "recipient_team": row.recipient_team,
            "reason": row.reason, "values": list(row.values or []), "platform": row.platform}


def _export_kudos(session: Session, person: Person) -> dict[str, Any]:
    rows = list(session.scalars(
        select(Kudos).where(or_(Kudos.giver_id == person.id, Kudos.recipient_id == person.id))
        .options(selectinload(Kudos.giver), selectinload(Kudos.recipient))
        .order_by(Kudos.given_at, Kudos.id)))
    return {"given": [_kudos_row(r) for r in rows if r.giver_id == person.id],
            "received": [_kudos_row(r) for r in rows if r.recipient_id == person.id]}


def _erase_kudos(session: Session, person: Person, _former: str) -> list[str]:
    mine = or_(Kudos.giver_id == person.id, Kudos.recipient_id == person.id)
    count = session.execute(
        update(Kudos).where(mine)
        .values(reason="", chat_id=None, message_id=None, source_key=None)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    # The teams stored with them stay: they make a team's past kudos counts read as before,
    # and say no more than the anonymous row's own team and its check-in weeks' teams do.
    return [f"kudos: the words of {count_text(count, 'kudo')} given or received removed; "
            "the counts stay, with the teams of when each was given"]


# --- away periods ------------------------------------------------------------------------

def _export_away(session: Session, person: Person) -> list[dict[str, Any]]:
    return [{"starts_on": p.starts_on, "ends_on": p.ends_on, "recorded_at": p.created_at,
             "ended_at": p.ended_at} for p in session.scalars(
                 select(AwayPeriod).where(AwayPeriod.person_id == person.id)
                 .order_by(AwayPeriod.starts_on, AwayPeriod.id))]


def _erase_away(session: Session, person: Person, _former: str) -> list[str]:
    count = len(_export_away(session, person))
    # Dates only, no reason: kept so a past week reads "away", not "missed", in the totals.
    return [f"away: {count_text(count, 'period')} kept (dates only) so past weeks still "
            "read as away"]


# --- open dialogs, messages to them, round requests ---------------------------------------

def _export_dialog(session: Session, person: Person) -> dict[str, Any] | None:
    conv = session.get(Conversation, person.id)
    # A pulse poll's dialog says how far they got in an anonymous poll: left out on purpose
    # (README, "A person's data"), as is their participation.
    if conv is None or conv.kind == PULSE_DIALOG:
        return None
    week = session.scalar(select(CheckinRound.week).where(CheckinRound.id == conv.round_id)) \
        if conv.round_id is not None else None
    return {"kind": conv.kind, "week": week, "question": conv.question_key,
            "editing": conv.editing, "number_to_confirm": conv.pending_numbers,
            "updated_at": conv.updated_at}


def _erase_dialog(session: Session, person: Person, _former: str) -> list[str]:
    count = session.execute(delete(Conversation).where(
        Conversation.person_id == person.id)).rowcount  # type: ignore[attr-defined]
    return [f"dialogs: {count_text(count, 'open dialog')} deleted"] if count else []


def _addressed_to(person: Person) -> Any:
    # user_ref is who an ephemeral note is for; on a channel post, only who asked for it
    # (bot.events.Target): such a post is to the channel, not to them.
    to_them = OutboxMessage.target_kind == "ephemeral"
    clauses = [(OutboxMessage.platform == "console") & (OutboxMessage.address == person.key)]
    if person.slack_id:
        clauses.append((OutboxMessage.platform == "slack") & or_(
            OutboxMessage.address == person.slack_id,
            to_them & (OutboxMessage.user_ref == person.slack_id)))
    if person.telegram_id is not None:
        ident = str(person.telegram_id)
        clauses.append((OutboxMessage.platform == "telegram") & or_(
            OutboxMessage.address == ident, to_them & (OutboxMessage.user_ref == ident)))
    return or_(*clauses)


def _export_messages(session: Session, person: Person) -> list[dict[str, Any]]:
    # An anonymous poll's DMs (its questions, reminder, thanks), and a 360° survey's to a peer
    # or report, say whether and how far they answered it: left out on purpose, as their
    # participation is (README); erase deletes them.
    return [{"platform": m.platform, "created_at": m.created_at, "sent_at": m.sent_at,
             "status": m.status, "text": (m.payload or {}).get("text")}
            for m in session.scalars(select(OutboxMessage).where(_addressed_to(person))
                                     .order_by(OutboxMessage.id))
            if not (m.payload or {}).get(SCRUB_KEY)]


def _erase_messages(session: Session, person: Person, former: str) -> list[str]:
    # A running bot's outbox sends a batch it has claimed ('sending') from what it read
    # then, and may have read a row still pending a moment ago: every row still to go
    # that is deleted or rewritten here is recalled (OutboxRepo.recall), so that no
    # worker sends its old copy. Only a call already made (its request on its way) may
    # still arrive as it was: the operator is told how many were being sent (README).
    in_flight = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        _addressed_to(person), OutboxMessage.status == "sending")) or 0
    gone = session.execute(delete(OutboxMessage).where(_addressed_to(person)).returning(
        OutboxMessage.id, OutboxMessage.status)).all()
    count = len(gone)
    recalled = {row_id for row_id, status in gone if status in {"pending", "sending"}}
    # Messages to others that name them (a shout-out, a kudos DM, the GM's summary): once
    # delivered (or given up, or dropped as expired), the outbox row is only a log and is
    # deleted with what it quoted; one still to send goes out with every trace of them
    # (name, mention, username) replaced by the new key.
    redact = _redactor(person, former)
    dropped = redacted = 0
    for row in session.scalars(select(OutboxMessage).where(or_(
            *[OutboxMessage.payload.cast(Text).contains(_json_inner(n))
              for n in redact.traces]))):
        if row.status in {"sent", "failed", "expired"}:  # none of them will be sent
            session.delete(row)
            dropped += 1
            continue
        in_flight += row.status == "sending"
        recalled.add(row.id)
        row.payload = redact(row.payload)
        redacted += 1
    # A message's key names whom it is about by their key ('checkin:alice:2026-W49:prompt',
    # 'undelivered:2026-W49:checkin:alice:7'): one sent to a chat they have since left, its
    # words not naming them, was found by neither read above and kept their key. Done, it
    # goes; waiting, its key names the new key (nothing looks it up by theirs again).
    for row in session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.contains(person.key, autoescape=True))):
        parts = (row.dedupe_key or "").split(":")
        if person.key not in parts:
            continue
        if row.status in {"sent", "failed", "expired"}:
            session.delete(row)
            count += 1  # (to them, at the chat they had)
        else:
            row.dedupe_key = ":".join(former if part == person.key else part
                                      for part in parts)
    session.flush()
    OutboxRepo(session).recall(recalled, datetime.now(UTC))
    sending = (f"; {count_text(in_flight, 'message')} to or naming them "
               f"{'was' if in_flight == 1 else 'were'} being sent by the running bot at this "
               "moment: it sends none of them from now on; only one whose request had "
               "already left (or leaves within 0.1 s) may still arrive as it was, at "
               "most one per chat"
               ) if in_flight else ""
    return [f"messages: {count_text(count, 'message')} to them deleted; of the messages to "
            f"others naming them, {dropped} delivered deleted and {redacted} waiting "
            f"anonymised{sending}"]


@dataclass(frozen=True)
class _Redactor:
    """Replaces every trace of a person in a message's payload by their anonymous key."""

    #: What a payload naming them contains (as typed and as chat markup escapes it).
    traces: tuple[str, ...]
    #: (pattern, replacement), in order: mentions whole first, then the bare traces.
    rules: tuple[tuple[re.Pattern[str], str], ...]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for pattern, replacement in self.rules:
                value = pattern.sub(replacement, value)
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _redactor(person: Person, former: str) -> _Redactor:
    names = [person.display_name, html.escape(person.display_name, quote=False)]
    rules: list[tuple[re.Pattern[str], str]] = []
    if person.slack_id:
        # A Slack mention, <@U0ALICE> or <@U0ALICE|alice>: the key alone, not <@former-7>.
        rules.append((re.compile(rf"<@{re.escape(person.slack_id)}(?:\|[^>]*)?>"), former))
        names.append(person.slack_id)
    if person.telegram_id is not None:
        # A Telegram mention links their account by id: the link goes, its text stays
        # (their name, replaced below).
        link = f"tg://user?id={int(person.telegram_id)}"
        rules.append((re.compile(rf'<a href="{re.escape(link)}">(.*?)</a>', re.S), r"\1"))
        names.append(link)
    if person.telegram_username:
        names.append(f"@{person.telegram_username}")
    traces = tuple(dict.fromkeys(n for n in names if n))
    # Longest first: a name that holds another (a username in it) is replaced whole.
    rules.extend((re.compile(re.escape(n)), former)
                 for n in sorted(traces, key=len, reverse=True))
    return _Redactor(traces, tuple(rules))


def _json_inner(value: str) -> str:
    """A string as it appears inside JSON text (quotes and escapes as json.dumps writes)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _export_requests(session: Session, person: Person) -> list[dict[str, Any]]:
    # Made by them, or for them alone (`teampulse round alice`, a GM's /checkin @alice).
    return [{"created_at": r.created_at, "requested_by": r.requested_by, "scope": r.scope,
             "name": r.name, "status": r.status}
            for r in session.scalars(select(RoundRequest).where(or_(
                RoundRequest.requested_by == person.key,
                (RoundRequest.scope == "person") & (RoundRequest.name == person.key)))
                .order_by(RoundRequest.id))]


def _erase_requests(session: Session, person: Person, former: str) -> list[str]:
    for row in session.scalars(select(RoundRequest).where(RoundRequest.result.is_not(None))):
        result = row.result or {}
        if any(person.key in keys for keys in result.values() if isinstance(keys, list)):
            row.result = {outcome: [former if k == person.key else k for k in keys]
                          if isinstance(keys, list) else keys
                          for outcome, keys in result.items()}
    session.execute(update(RoundRequest).where(RoundRequest.requested_by == person.key)
                    .values(requested_by=former, reply_user=None, reply_chat=None,
                            reply_thread=None)
                    .execution_options(synchronize_session=False))
    session.execute(update(RoundRequest).where(RoundRequest.scope == "person",
                                               RoundRequest.name == person.key)
                    .values(name=former).execution_options(synchronize_session=False))
    # The scheduler's stored weekly job is named after the key: it goes too.
    if inspect(session.connection()).has_table("apscheduler_jobs"):
        session.execute(text("DELETE FROM apscheduler_jobs WHERE id = :id"),
                        {"id": f"checkin:{person.key}"})
    return []


# --- the monthly review, one-on-ones, 360° reviews -----------------------------------------

def _export_monthly(session: Session, person: Person) -> list[dict[str, Any]]:
    return [{"month": a.month, "question": a.question, "text": a.text,
             "answered_at": a.answered_at} for a in session.scalars(
                 select(MonthlyAnswer).where(MonthlyAnswer.person_id == person.id)
                 .order_by(MonthlyAnswer.month, MonthlyAnswer.id))]


def _erase_monthly(session: Session, person: Person, _former: str) -> list[str]:
    count = session.execute(delete(MonthlyAnswer).where(
        MonthlyAnswer.person_id == person.id)).rowcount  # type: ignore[attr-defined]
    return [f"monthly review: {count_text(count, 'answer')} deleted"] if count else []


def _theirs(person: Person) -> Any:
    """Their agenda items: written by them, or taken from their check-in or support request."""
    return or_(AgendaItem.author_id == person.id,
               (AgendaItem.report_id == person.id) & AgendaItem.source.startswith("checkin"))


def _their_pairs(model: Any, person: Person) -> Any:
    """Rows of their one-on-ones, on either side (as manager or as report)."""
    return or_(model.manager_id == person.id, model.report_id == person.id)


def _their_meetings(person: Person) -> Any:
    return select(OneOnOneMeeting.id).where(_their_pairs(OneOnOneMeeting, person))


#: An agenda item kept private by its author (handlers.oneonone.PRIVATE_ITEM).
_PRIVATE_ITEM = "private"


def _export_oneonones(session: Session, person: Person) -> dict[str, Any]:
    keys = dict(session.execute(select(Person.id, Person.key)).all())
    others_agenda = (_their_pairs(AgendaItem, person) & ~_theirs(person)
                     & (AgendaItem.source != _PRIVATE_ITEM))
    return {
        "meetings": [{"id": m.id, "manager": keys.get(m.manager_id),
                      "report": keys.get(m.report_id), "occurrence": m.occurrence,
                      "scheduled_at": m.scheduled_at, "status": m.status,
                      "asked_at": m.asked_at, "answered_at": m.answered_at}
                     for m in session.scalars(select(OneOnOneMeeting).where(
                         _their_pairs(OneOnOneMeeting, person))
                         .order_by(OneOnOneMeeting.scheduled_at))],
        "agenda_items_written": [{"text": a.text, "source": a.source, "created_at": a.created_at}
                                 for a in session.scalars(select(AgendaItem).where(
                                     _theirs(person)).order_by(AgendaItem.id))],
        "notes_written": [{"meeting_id": n.meeting_id, "text": n.text, "shared": n.shared,
                           "created_at": n.created_at}
                          for n in session.scalars(select(MeetingNote).where(
                              MeetingNote.author_id == person.id).order_by(MeetingNote.id))],
        "action_items": [{"text": a.text, "due": a.due, "created_at": a.created_at,
                          "done_at": a.done_at}
                         for a in session.scalars(select(ActionItem).where(
                             ActionItem.owner_id == person.id).order_by(ActionItem.id))],
        "feedback_given": [{"meeting_id": f.meeting_id, "rating": f.rating,
                            "improve": f.improve, "created_at": f.created_at}
                           for f in session.scalars(select(MeetingFeedback).where(
                               MeetingFeedback.from_id == person.id)
                               .order_by(MeetingFeedback.id))],
        # The other side's words in their one-on-ones, as each was shown or sent to them
        # (the shared agenda, the recap's shared notes, action items, feedback to them); a
        # private note or agenda item is its author's alone (README).
        "from_the_other_side": {
            "agenda_items": [{"text": a.text, "author": keys.get(a.author_id or 0),
                              "created_at": a.created_at}
                             for a in session.scalars(select(AgendaItem).where(
                                 others_agenda).order_by(AgendaItem.id))],
            "shared_notes": [{"meeting_id": n.meeting_id, "author": keys.get(n.author_id),
                              "text": n.text, "created_at": n.created_at}
                             for n in session.scalars(select(MeetingNote).where(
                                 MeetingNote.meeting_id.in_(_their_meetings(person)),
                                 MeetingNote.shared, MeetingNote.author_id != person.id)
                                 .order_by(MeetingNote.id))],
            "action_items": [{"text": a.text, "owner": keys.get(a.owner_id), "due": a.due,
                              "created_at": a.created_at, "done_at": a.done_at}
                             for a in session.scalars(select(ActionItem).where(
                                 _their_pairs(ActionItem, person),
                                 ActionItem.owner_id != person.id).order_by(ActionItem.id))],
            "feedback_received": [{"meeting_id": f.meeting_id, "from": keys.get(f.from_id),
                                   "rating": f.rating, "improve": f.improve,
                                   "created_at": f.created_at}
                                  for f in session.scalars(select(MeetingFeedback).where(
                                      MeetingFeedback.to_id == person.id)
                                      .order_by(MeetingFeedback.id))]},
        # Moved or skipped meetings of theirs (or that they moved), and a question of a
        # meeting still waiting for their answer.
        "moved_or_skipped": [{"manager": keys.get(o.manager_id), "report": keys.get(o.report_id),
                              "occurrence": o.occurrence, "moved_to": o.moved_to,
                              "skipped": o.skipped, "by": keys.get(o.by_id),
                              "created_at": o.created_at}
                             for o in session.scalars(select(OneOnOneOverride).where(or_(
                                 _their_pairs(OneOnOneOverride, person),
                                 OneOnOneOverride.by_id == person.id))
                                 .order_by(OneOnOneOverride.id))],
        # When the org file ended a regular 1:1 of theirs (switched off, another manager,
        # one side taken out), as the bot read it.
        "pair_ended": [{"manager": keys.get(e.manager_id), "report": keys.get(e.report_id),
                        "ended_at": e.ended_at}
                       for e in session.scalars(select(OneOnOnePairEnd).where(
                           _their_pairs(OneOnOnePairEnd, person)).order_by(OneOnOnePairEnd.id))],
        "open_dialog": [{"meeting_id": d.meeting_id, "step": d.step, "updated_at": d.updated_at}
                        for d in session.scalars(select(OneOnOneDialog).where(
                            OneOnOneDialog.person_id == person.id))],
    }


def _erase_oneonones(session: Session, person: Person, _former: str) -> list[str]:
    def run(statement: Any) -> int:
        return int(session.execute(statement.execution_options(
            synchronize_session=False)).rowcount)  # type: ignore[attr-defined]

    # The words of their one-on-ones go, on both sides, as a kudo's words go whoever wrote
    # them: a note or agenda item about them (even the other side's private one) would
    # say who former-<id> was. Meetings, dates, status and ratings stay for the GM's view.
    meetings = _their_meetings(person)
    agenda = run(delete(AgendaItem).where(or_(_theirs(person), _their_pairs(AgendaItem, person))))
    notes = run(delete(MeetingNote).where(or_(MeetingNote.author_id == person.id,
                                              MeetingNote.meeting_id.in_(meetings))))
    actions = run(update(ActionItem).where(or_(ActionItem.owner_id == person.id,
                                               _their_pairs(ActionItem, person)))
                  .values(text=""))
    feedback = run(update(MeetingFeedback).where(or_(
        MeetingFeedback.from_id == person.id, MeetingFeedback.to_id == person.id,
        MeetingFeedback.meeting_id.in_(meetings))).values(improve=None))
    run(delete(OneOnOneDialog).where(OneOnOneDialog.person_id == person.id))
    if not (agenda or notes or actions or feedback):
        return []
    return [f"one-on-ones: {count_text(agenda, 'agenda item')} and "
            f"{count_text(notes, 'note')} of theirs or of their one-on-ones deleted; the "
            f"words of {count_text(actions, 'action item')} and "
            f"{count_text(feedback, 'feedback comment')} removed (meetings, dates and "
            "ratings kept)"]


def _export_reviews(session: Session, person: Person) -> list[dict[str, Any]]:
    return [{"round_id": a.round_id, "as": a.rater_group, "criterion": a.criterion,
             "rating": a.rating, "comment": a.comment} for a in session.scalars(
                 select(ReviewAnswer).where(ReviewAnswer.rater_key == person.key)
                 .order_by(ReviewAnswer.round_id, ReviewAnswer.criterion))]


def _export_reviews_of(session: Session, person: Person) -> dict[str, Any]:
    """360° reviews of them or started by them, and the named invites (manager, self) they
    had; which anonymous reviews they were asked to rate is left out (README)."""
    rounds = session.scalars(select(ReviewRound).where(or_(
        ReviewRound.subject_key == person.key, ReviewRound.started_by == person.key))
        .order_by(ReviewRound.id))
    return {
        "rounds": [{"round_id": r.id, "subject": r.subject_key, "started_by": r.started_by,
                    "status": r.status, "started_at": r.started_at, "closed_at": r.closed_at}
                   for r in rounds],
        "scheduled": [{"period": s.period, "round_id": s.round_id, "claimed_at": s.claimed_at,
                       "closes_at": s.closes_at, "closed": s.closed}
                      for s in session.scalars(select(ScheduledReview).where(
                          ScheduledReview.subject_key == person.key)
                          .order_by(ScheduledReview.id))],
        "named_invites": [{"round_id": i.round_id, "as": i.rater_group, "answered": i.answered,
                           "done": i.done} for i in session.scalars(select(ReviewInvite).where(
                               ReviewInvite.person_id == person.id,
                               ReviewInvite.rater_group.in_(("manager", "self")))
                               .order_by(ReviewInvite.id))]}


def _erase_reviews(session: Session, person: Person, former: str) -> list[str]:
    # Every rater's comments on a review of them go, as a kudo's words go whoever wrote
    # them: words about them (the manager's, peers' and reports') would say who former-<id>
    # was. Their own named answers in others' reviews lose theirs; the ratings all stay.
    of_them = select(ReviewRound.id).where(ReviewRound.subject_key == person.key)
    theirs = or_(ReviewAnswer.rater_key == person.key, ReviewAnswer.round_id.in_(of_them))
    count = session.execute(update(ReviewAnswer).where(theirs, ReviewAnswer.comment.is_not(None))
                            .values(comment=None)
                            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    # Peers' and reports' answers carry no key: nothing links them to anyone.
    session.execute(update(ReviewAnswer).where(ReviewAnswer.rater_key == person.key)
                    .values(rater_key=former).execution_options(synchronize_session=False))
    for column in (ReviewRound.subject_key, ReviewRound.started_by):
        session.execute(update(ReviewRound).where(column == person.key)
                        .values({column: former}).execution_options(synchronize_session=False))
    # The schedule's record of their review points at the review: left under their key,
    # it would name whose the anonymous review (and every figure under former-<id>) is.
    session.execute(update(ScheduledReview).where(ScheduledReview.subject_key == person.key)
                    .values(subject_key=former).execution_options(synchronize_session=False))
    if not count:
        return []
    return [f"360° reviews: {count_text(count, 'comment')} in the reviews of them or in "
            "their named answers deleted (ratings kept)"]


def _export_digests(session: Session, person: Person) -> list[dict[str, Any]]:
    return [{"week": d.week, "team": d.scope, "queued_at": d.queued_at, "via": d.via}
            for d in session.scalars(select(DigestSent).where(DigestSent.person_id == person.id)
                                     .order_by(DigestSent.week, DigestSent.id))]


def _erase_digests(session: Session, person: Person, _former: str) -> list[str]:
    count = len(_export_digests(session, person))
    # Weeks and teams only: kept so a digest already sent is not sent again.
    return [f"digests: {count_text(count, 'record')} of digests sent kept (week and team "
            "only)"] if count else []


def _export_crm(session: Session, person: Person) -> list[dict[str, Any]]:
    return [{"metric": r.metric, "week": r.week, "day": r.day, "value": r.value}
            for r in session.scalars(select(CrmActual).where(
                CrmActual.person_key == person.key).order_by(CrmActual.week, CrmActual.id))]


def _erase_crm(session: Session, person: Person, former: str) -> list[str]:
    # Figures, not words: they follow the anonymous row, so the GM's past weeks still count
    # the CRM's figure (not the self-report) for them.
    count = session.execute(update(CrmActual).where(CrmActual.person_key == person.key)
                            .values(person_key=former)
                            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    return [f"CRM actuals: {count_text(count, 'figure')} kept under {former}"] if count else []


for _part in (Part("checkins", _export_checkins, _erase_checkins),
              Part("kudos", _export_kudos, _erase_kudos),
              Part("away", _export_away, _erase_away),
              Part("open_dialog", _export_dialog, _erase_dialog),
              Part("messages_to_them", _export_messages, _erase_messages),
              Part("round_requests", _export_requests, _erase_requests),
              # Defined beside its tables; registered here, as storage.support is imported
              # by storage.models, which this module imports.
              Part("support_requests", _export_support, _erase_support),
              Part("monthly_reviews", _export_monthly, _erase_monthly),
              Part("oneonones", _export_oneonones, _erase_oneonones),
              Part("reviews_360", _export_reviews, _erase_reviews),
              # Erased by reviews_360 (their key in these rows becomes former-<id>).
              Part("reviews_360_of_them", _export_reviews_of, lambda _s, _p, _f: []),
              Part("digests", _export_digests, _erase_digests),
              Part("crm_actuals", _export_crm, _erase_crm)):
    contribute(_part)
