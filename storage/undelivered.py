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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

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
        session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.status.in_(("failed", "expired")))
            .values(dedupe_key=None).execution_options(synchronize_session=False))


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
