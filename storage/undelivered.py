"""What a message the platform refused for good undoes.

A check-in prompt that never reached its director (a Telegram user who never pressed
Start, a Slack id that is no user) was recorded as sent when it was queued: the GM's
summary would read the week as "missed", as if they had ignored it. When the outbox gives
such a prompt up, the round is marked not prompted again, so the summary reads "not
reached", no reminder follows, and a later `/checkin send` (or the next run) may prompt
them once they can be reached: the prompt's dedupe key is freed for it. The same goes for
a prompt that expired unsent (held up by an outage past its week's end): it never
arrived either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select, update
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
