"""One dialog at a time, and what waited for it.

A person answers one thing at a time (storage ConversationRepo). A check-in prompt, a 360°
survey or the monthly review's questions that arrive while they are in the middle of
another dialog (their check-in, a poll, a survey, a 1:1's after-meeting questions) do not
take it over, so that their next message still answers the question in front of them
(under_way); they are asked here, once that dialog has been finished. (A pulse poll waits
for the pulse sweep, which asks every five minutes whoever is due and free.)
"""

from __future__ import annotations

from datetime import datetime

from handlers.context import Context
from storage.models import Person


def under_way(ctx: Context, person: Person, now: datetime, besides: str | None = None
              ) -> bool:
    """Whether `person` is in the middle of a dialog (its question asked less than an hour
    ago) other than one of the kind `besides` (the caller's own): their check-in, a poll,
    a survey, the monthly questions (ConversationRepo.under_way), or the 1:1 dialog that
    has their typed replies (typing a meeting's notes, say). What arrives then waits."""
    from handlers import oneonone

    return ctx.conversations.under_way(person, now, besides) is not None or \
        oneonone.under_way(ctx, person, now)


def back_to_dialog(ctx: Context, person: Person) -> bool:
    """`person` has finished (or paused) a 1:1 dialog that had their typed replies ahead of
    their open check-in, poll, survey or monthly question: say so and ask that question
    again, which takes their next typed reply; with none open, start what waited behind
    the 1:1 dialog (a check-in prompt, a survey, the monthly questions that arrived while
    it was under way). True if one was asked."""
    from handlers import checkin, monthly_review, pulse, review

    conv = ctx.conversations.get(person)
    if conv is None:
        return checkin.resume_held(ctx, person) or review.resume_held(ctx, person) \
            or monthly_review.resume_held(ctx, person)
    return any(ask(ctx, person, conv) for ask in (
        checkin.ask_again, pulse.ask_again, monthly_review.ask_again, review.ask_again))


def after_dialog(ctx: Context, person: Person) -> bool:
    """`person` has just finished a dialog: start the one that waited, if any (their
    check-in first, then a survey, then the monthly questions), else ask again a 1:1
    question that came meanwhile and waited behind it; True if one was asked."""
    from handlers import checkin, monthly_review, oneonone, review

    return checkin.resume_held(ctx, person) or review.resume_held(ctx, person) \
        or monthly_review.resume_held(ctx, person) or oneonone.ask_again(ctx, person)
