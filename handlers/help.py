"""/help and /start, and what to tell people the bot does not know."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from handlers.context import Context
from storage.models import Answer, CheckinRound, OutboxMessage

log = logging.getLogger(__name__)

#: Someone the org file does not list (a stranger, or someone taken out of it) is told
#: who to ask at most once in this long per chat account: a script or an impatient
#: stranger writing a hundred times got a hundred replies, each a message the bot sent
#: (and paced against the platform's limits with everyone else's). Their other messages
#: meanwhile are ignored, logged once (at the reply) and never quoted.
STRANGER_REPLY_EVERY = timedelta(hours=24)


def cmd_help(ctx: Context, args: str) -> None:
    """/help: the commands this person can use, in their language."""
    person = ctx.person
    ctx.reply("help", can_view_summary=bool(person and person.can_view_summary),
              # A director who is not a viewer still gets their own team's summary.
              own_team_summary=bool(person and not person.can_view_summary
                                    and person.role == "director"),
              checks_in=bool(person and person.checks_in),
              can_send_rounds=bool(person and ctx.org.can_send_rounds(person.key)),
              name=person.display_name if person else "",
              role=person.role if person else "")


def unknown_person(ctx: Context) -> None:
    """Explain politely that the sender is not in the org file, and what to tell the operator."""
    event = ctx.event
    if event is None:
        return
    # In a group the answer (it quotes their id) is for them alone: an ephemeral note
    # (Slack) or a DM; where a DM cannot reach them (a Telegram user who never started
    # the bot), the group gets a short note that names no id.
    now = ctx.clock.now()
    base = f"stranger:{event.platform}:{event.user_id}"
    if _told_since(ctx, base, now - STRANGER_REPLY_EVERY, now):
        return  # told lately: ignored, not even logged again
    key = f"{base}:{now.date().isoformat()}"
    former = ctx.people.former(event.platform, event.user_id)
    if former is not None:
        # Someone the operator took out of the file: "I don't know you yet" would be
        # untrue, and a check-in they were answering stopped without a word.
        told = ctx.reply("left_org", locale=former.locale, key=former.key,
                         name=former.display_name, unfinished=_unfinished_week(ctx, former.id),
                         if_undeliverable="stranger_group_note", dedupe_key=key)
    else:
        told = ctx.reply("unknown_user", network=event.platform, user_id=event.user_id,
                         username=event.username or "", if_undeliverable="stranger_group_note",
                         dedupe_key=key)
    if told:
        # Their id, as the reply quotes it to them for the operator; never what they wrote.
        log.info("%s account %s is not in the org file: told so; its messages for the "
                 "next %d hours are ignored", event.platform, event.user_id,
                 STRANGER_REPLY_EVERY // timedelta(hours=1))


def _told_since(ctx: Context, base: str, since: datetime, now: datetime) -> bool:
    """Whether the account whose reply keys start with `base` was told after `since`.
    The keys name the UTC day of the reply (so the outbox's unique key settles two
    replicas answering at once): every day from `since` to `now` is looked up."""
    keys = [f"{base}:{(since.date() + timedelta(days=n)).isoformat()}"
            for n in range((now.date() - since.date()).days + 1)]
    return ctx.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key.in_(keys), OutboxMessage.created_at > since).limit(1)) \
        is not None


def _unfinished_week(ctx: Context, person_id: int) -> str:
    """The week of a check-in they had begun answering and not finished, else ''."""
    week = ctx.session.scalar(
        select(CheckinRound.week).where(
            CheckinRound.person_id == person_id, CheckinRound.status == "open",
            exists().where(Answer.round_id == CheckinRound.id))
        .order_by(CheckinRound.week.desc()).limit(1))
    return week or ""
