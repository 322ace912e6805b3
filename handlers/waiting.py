"""One dialog at a time, and what waited for it.

A person answers one thing at a time (storage ConversationRepo). A check-in prompt, a 360°
survey or the monthly review's questions that arrive while they are in the middle of
another dialog (their check-in, a poll, a survey) do not take it over, so that their next
message still answers the question in front of them (see ConversationRepo.under_way); they
are asked here, once that dialog has been finished. (A pulse poll waits for the pulse
sweep, which asks every five minutes whoever is due and free.)
"""

from __future__ import annotations

from handlers.context import Context
from storage.models import Person


def after_dialog(ctx: Context, person: Person) -> bool:
    """`person` has just finished a dialog: start the one that waited, if any (their
    check-in first, then a survey, then the monthly questions); True if one was asked."""
    from handlers import checkin, monthly_review, review

    return checkin.resume_held(ctx, person) or review.resume_held(ctx, person) \
        or monthly_review.resume_held(ctx, person)
