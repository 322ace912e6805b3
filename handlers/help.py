"""/help and /start, and what to tell people the bot does not know."""

from __future__ import annotations

from handlers.context import Context


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
    ctx.reply("unknown_user", network=event.platform, user_id=event.user_id,
              username=event.username or "", if_undeliverable="stranger_group_note",
              left=ctx.people.left(event.platform, event.user_id))
