"""What a message the platform refused for good undoes.

A check-in prompt that never reached its director (a Telegram user who never pressed
Start, a Slack id that is no user) was recorded as sent when it was queued: the GM's
summary would read the week as "missed", as if they had ignored it. When the outbox gives
such a prompt up, the round is marked not prompted again, so the summary reads "not
reached", no reminder follows, and a later `/checkin send` (or the next run) may prompt
them once they can be reached: the prompt's dedupe key is freed for it. The same goes for
a prompt that expired unsent (held up by an outage past its week's end): it never
arrived either.

The outbox marks a prompt expired only when it next reads its queue: with the bot stopped,
a prompt past its `expires_at` is still 'pending', and `teampulse summary` or `digest`
run from the shell meanwhile would read its round as prompted ("not checked in"). The
readers ask held_past_expiry() and read such a round as not reached, as it will be.

Why a prompt never arrived (why_not_reached) is read off the row it left: given up, its key
is renamed `undelivered:<week>:checkin:<person key>:<row id>` rather than dropped, and its
`last_error` keeps what the platform answered. (A row given up before keys were renamed
kept no key: its week reads as no platform reaching them.)
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import String, bindparam, cast, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import CheckinRound, OutboxMessage, Person

#: The dedupe key of a check-in prompt (handlers/checkin.prompt_checkin, the round batch).
_PROMPT = re.compile(r"^checkin:(?P<key>.+):(?P<week>\d{4}-W\d{2}):prompt$")


def undelivered(session: Session, row_ids: Sequence[int]) -> None:
    """Undo what these outbox messages' sending recorded (see the module); in the
    transaction that marks them failed or expired. (Rare: one small read for their keys.)"""
    keys = session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.id.in_(list(row_ids)), OutboxMessage.dedupe_key.like("checkin:%:prompt")))
    for dedupe_key in list(keys):
        found = _PROMPT.match(dedupe_key or "")
        if found is None:
            continue
        person = select(Person.id).where(Person.key == found["key"]).scalar_subquery()
        session.execute(update(CheckinRound).where(
            CheckinRound.person_id == person, CheckinRound.week == found["week"],
            CheckinRound.status != "submitted").values(prompted_at=None)
            .execution_options(synchronize_session=False))
        # The key is freed for a later prompt, but not dropped: renamed (week first, the
        # row's id keeping it unique) it still says whose week's prompt this row was, for
        # the GM's summary to say why they were not reached (why_not_reached).
        session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.status.in_(("failed", "expired")))
            .values(dedupe_key=_gone_key(found["week"], found["key"], OutboxMessage.id))
            .execution_options(synchronize_session=False))


#: held_past_expiry's read, built once (`now` bound when it runs): every summary asks it.
_HELD = select(OutboxMessage.dedupe_key).where(
    OutboxMessage.status == "pending", OutboxMessage.expires_at <= bindparam("now"),
    OutboxMessage.dedupe_key.like("checkin:%:prompt"))


def held_past_expiry(session: Session, now: datetime) -> set[tuple[int, str]]:
    """(person id, week) of each check-in prompt still queued unsent past its expiry:
    read as not reached whether or not the outbox has marked it expired yet (see the
    module). Queued rows are few (the outbox drains them), and read by their status."""
    keys = session.execute(_HELD, {"now": now}).scalars().all()
    found = [m for m in map(_PROMPT.match, (k or "" for k in keys)) if m is not None]
    if not found:
        return set()
    ids = dict(session.execute(select(Person.key, Person.id).where(
        Person.key.in_({m["key"] for m in found}))).all())
    return {(ids[m["key"]], m["week"]) for m in found if m["key"] in ids}


#: Why a check-in prompt did not reach someone (why_not_reached), as every summary says
#: it with what to do (the `whys` of templates/*/_summary_parts.j2), and JSON and CSV give it.
BLOCKED = "blocked"  # a Telegram user who blocked the bot
NOT_STARTED = "not_started"  # a Telegram user who never pressed Start
TELEGRAM_ACCOUNT = "telegram_account"  # deleted account, or no chat with their id
SLACK_ACCOUNT = "slack_account"  # no such Slack user, or deactivated
OUTAGE = "outage"  # the platform could not be reached until the prompt expired
GAVE_UP = "gave_up"  # the platform kept failing (not for them) until it was given up
REFUSED = "refused"  # refused for good for another reason (the log says which)
NO_PLATFORM = "no_platform"  # nothing queued: no running platform knew them then
UNREACHED_WHY = (BLOCKED, NOT_STARTED, TELEGRAM_ACCOUNT, SLACK_ACCOUNT, OUTAGE, GAVE_UP,
                 REFUSED, NO_PLATFORM)

#: What the adapters record as last_error (bot/adapters: "DeliveryError: Telegram refused:
#: Forbidden: bot was blocked by the user", "SlackDeliveryError: Slack chat.postMessage:
#: user_not_found"), lower-cased, and what it means; the first found wins.
_ERRORS = (
    ("bot was blocked by the user", BLOCKED),
    ("can't initiate conversation", NOT_STARTED),
    ("bot can't send messages to the user", NOT_STARTED),
    ("user is deactivated", TELEGRAM_ACCOUNT),
    ("chat not found", TELEGRAM_ACCOUNT),
    ("is not a telegram chat id", TELEGRAM_ACCOUNT),
    (": user_not_found", SLACK_ACCOUNT),
    (": user_disabled", SLACK_ACCOUNT),
    (": account_inactive", SLACK_ACCOUNT),
    (": channel_not_found", SLACK_ACCOUNT),
    (": cannot_dm_bot", SLACK_ACCOUNT),
)

_GONE = re.compile(r"^undelivered:(?P<week>\d{4}-W\d{2}):checkin:(?P<key>.+):(?P<id>\d+)$")


def _gone_key(week: str, key: str, row_id: ColumnElement[int]) -> ColumnElement[str]:
    """The key a given-up prompt's row keeps (see the module), its id added in SQL."""
    return literal(f"undelivered:{week}:checkin:{key}:", String) + cast(row_id, String)


def reason_of(status: str, last_error: str | None, attempts: int) -> str:
    """Why a check-in prompt's outbox row did not deliver it (one of UNREACHED_WHY)."""
    if status != "failed":  # expired unsent, or still queued past its expiry
        return OUTAGE
    error = (last_error or "").lower()
    # A refusal for good ends the first try; one tried again and again failed otherwise
    # (5xx answers for hours: bot.outbox's MAX_ATTEMPTS), whatever its last answer said.
    return next((why for text, why in _ERRORS if text in error),
                GAVE_UP if attempts > 1 else REFUSED)


def why_not_reached(session: Session, week: str, keys: Sequence[str],
                    now: datetime) -> dict[str, str]:
    """Why each of these people (keys) was not reached by `week`'s check-in prompt, by
    key (one of UNREACHED_WHY): one statement for them all, asked only when someone was
    not reached. Their latest prompt of the week speaks; someone with none queued that
    week was known to no running platform then (NO_PLATFORM; so reads one whose prompt
    was given up before keys were renamed, which left no trace of whose it was)."""
    return why_not_reached_in(session, {week: keys}, now).get(week, {})


def why_not_reached_in(session: Session, wanted: Mapping[str, Collection[str]],
                       now: datetime) -> dict[str, dict[str, str]]:
    """why_not_reached over several weeks at once (a person's history, a team's weeks):
    `wanted` maps a week to the keys not reached in it; the answer maps each such week to
    its keys' reasons. One statement for them all; none when nobody was not reached."""
    wanted = {week: set(keys) for week, keys in wanted.items() if keys}
    if not wanted:
        return {}
    # By status first (indexed: given-up and queued rows are few beside those sent), then
    # by the weeks' keys: renamed, or still queued past its expiry.
    weeks = sorted(wanted)
    rows = session.execute(select(
        OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status,
        OutboxMessage.last_error, OutboxMessage.attempts).where(
        OutboxMessage.status.in_(("failed", "expired", "pending")),
        or_(*[OutboxMessage.dedupe_key.like(f"undelivered:{week}:checkin:%")
              for week in weeks],
            (OutboxMessage.status == "pending") & (OutboxMessage.expires_at <= now)
            & or_(*[OutboxMessage.dedupe_key.like(f"checkin:%:{week}:prompt")
                    for week in weeks])))).all()
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for row_id, dedupe_key, status, last_error, attempts in rows:
        named = (_PROMPT if status == "pending" else _GONE).match(dedupe_key or "")
        if named is None or named["key"] not in wanted.get(named["week"], ()):
            continue
        at = (named["week"], named["key"])
        if at not in found or found[at][0] < row_id:
            found[at] = (row_id, reason_of(status, last_error, attempts or 0))
    return {week: {key: found[(week, key)][1] if (week, key) in found else NO_PLATFORM
                   for key in keys}
            for week, keys in wanted.items()}
