"""Every chat command, in one table: adapters register these with their platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers import (
    away,
    checkin,
    goals,
    help,
    honours,
    kudos,
    language,
    monthly_review,
    oneonone,
    pulse,
    review,
    rounds,
    summary,
    support,
)
from handlers.context import Context


@dataclass(frozen=True)
class Command:
    """A command: its handler and whether only summary viewers see it in menus."""

    name: str
    run: Callable[[Context, str], None]
    summary_only: bool = False
    hidden: bool = False


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("help", help.cmd_help),
    Command("start", help.cmd_help, hidden=True),
    Command("checkin", rounds.cmd_checkin),
    Command("skip", checkin.cmd_skip),
    Command("edit", checkin.cmd_edit),
    Command("pause", checkin.cmd_cancel),
    Command("cancel", checkin.cmd_cancel, hidden=True),
    Command("away", away.cmd_away),
    Command("back", away.cmd_back),
    Command("summary", summary.cmd_summary, summary_only=True),
    Command("kudos", kudos.cmd_kudos),
    Command("honours", honours.cmd_honours),
    Command("honors", honours.cmd_honours, hidden=True),  # (the American spelling)
    Command("1on1", oneonone.cmd_oneonone),
    Command("agenda", oneonone.cmd_agenda),
    Command("actions", oneonone.cmd_actions),
    Command("goals", goals.cmd_goals),
    Command("monthly", monthly_review.cmd_monthly, hidden=True),
    Command("review", review.cmd_review, hidden=True),
    Command("pulse", pulse.cmd_pulse),
    Command("support", support.cmd_support),
    Command("language", language.cmd_language),
)}


def menu() -> list[Command]:
    """Commands to list in a platform's command menu."""
    return [c for c in COMMANDS.values() if not c.hidden]
