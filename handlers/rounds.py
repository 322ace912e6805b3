"""Sending a check-in round now: `/checkin send` for the GM and the org's admins.

The command only records a request; the core carries it out in small batches off
the event loop (the same path the CLI's `teampulse checkin send` takes through the
running bot's poller) and answers the sender with what was sent.
"""

from __future__ import annotations

from typing import Any

from bot.events import GAVE_UP, REFUSED, REJECTED, OutboundMessage, Target
from bot.suggest import closest
from bot.team_names import team_key
from handlers import checkin
from handlers.answers import normalise, team_word
from handlers.context import Context, Fallback
from handlers.people_named import mentions_as_keys, people_named, reply_namesakes
from handlers.summary import SummaryRequest, resolve_week
from storage.models import Person
from storage.round_requests import RoundRequest, RoundRequestRepo

#: Outcomes of prompt_checkin reported back, in the order they are listed.
REPORTED = ("already-prompted", "away", "unreachable", "not-checking-in")
#: '/checkin remind' as people say it.
REMIND_WORDS = {"remind", "nudge", "chase", "提醒", "催", "催促"}


def cmd_checkin(ctx: Context, args: str) -> None:
    """/checkin: your own check-in; `/checkin send ...` sends a round (GM and admins)."""
    words = normalise(args).split()
    if words[:1] == ["send"]:
        cmd_send(ctx, " ".join(words[1:]))
        return
    if words[:1] and words[0].lower() in REMIND_WORDS:
        cmd_remind(ctx, " ".join(words[1:]))
        return
    checkin.cmd_checkin(ctx, args)


class AmbiguousPerson(LookupError):
    """Several people by the name typed (`people`: who)."""

    def __init__(self, people: list[Any]) -> None:
        super().__init__(people[0].display_name)
        self.people = people


def parse_scope(ctx: Context, args: str) -> tuple[str, str | None] | None:
    """'' / 'everyone' / 'team <name>' / '[one] <person key or name>' -> (scope, name);
    None if unknown. Raises AmbiguousPerson for a name several people have."""
    words = team_word(args).split()
    if not words or words == ["everyone"]:
        return "everyone", None
    if words[0] == "team" and len(words) >= 2:
        wanted = team_key(" ".join(words[1:]))
        team = next((p.team for p in ctx.people.active()
                     if p.team and team_key(p.team) == wanted), None)
        return ("team", team) if team else None
    if words[0] == "one" and len(words) >= 2:  # as /help words it: "or one <person>"
        words = words[1:]
    named = people_named(ctx.people.active(), " ".join(words), ctx.org)
    if len(named) > 1:
        raise AmbiguousPerson(named)
    # Words that name nobody are a name nobody has ('Alice Mart'), as every command says.
    return ("person", named[0].key) if named else None


def _asked(ctx: Context, args: str, sub: str
           ) -> tuple[Person | None, tuple[str, str | None] | None]:
    """The sender of `/checkin send|remind` and the scope they named; (None, None), with
    the reason replied, when they may not or the scope names nobody (or several)."""
    sender = ctx.person
    if sender is None or not ctx.org.can_send_rounds(sender.key):
        ctx.reply("rounds_refused")
        return None, None
    typed = mentions_as_keys(ctx, args)
    if typed is None:
        return None, None
    try:
        scope = parse_scope(ctx, typed)
    except AmbiguousPerson as err:
        reply_namesakes(ctx, err.people, "checkin", sub, "nothing_sent")
        return None, None
    if scope is None:
        teams = sorted({p.team for p in ctx.people.active() if p.team})
        words = team_word(normalise(args)).split()
        if words[:1] == ["team"] and len(words) > 1:
            # A team nobody is in: say so of the team, not of "team Nope" as a person.
            team = " ".join(words[1:])
            ctx.reply("rounds_no_team", team=team, teams=teams, sub=sub,
                      guess=closest(team, teams))
        else:
            ctx.reply("rounds_unknown", name=args, teams=teams)
    return sender, scope


def cmd_send(ctx: Context, args: str) -> None:
    """/checkin send [everyone | team <name> | <person key>]: prompt now, report what was sent."""
    sender, scope = _asked(ctx, args, "send")
    if sender is None or scope is None:
        return
    event = ctx.event
    in_group = event is not None and not event.is_direct
    request = RoundRequestRepo(ctx.session).add(
        scope[0], scope[1], sender.key, ctx.clock.now(),
        reply_platform=event.platform if event else None,
        reply_user=event.user_id if event else None,
        # Where the report's DM falls back to should the platform refuse it for good.
        reply_chat=event.chat_id if event and in_group else None,
        reply_thread=event.thread_id if event and in_group else None)
    ctx.round_requested = True
    if not in_group or event is None:
        return
    # The report comes later, to their DM (the core answers the request there): said
    # where they asked, or the group shows nothing and they do not know where to look.
    if ctx.addressbook.supports_ephemeral(event.platform):
        ctx.reply("rounds_send_in_private")  # a note only they see (Slack)
        return
    # Where everyone reads it (Telegram), said in the group itself, once: not a DM that
    # only repeats it with "I've answered you in a private message" in the group, each
    # followed by a failure note of its own should that DM be refused (someone who
    # blocked the bot heard three notes). Should the report's DM be refused, this very
    # message is edited to say so and what to do (_report_fallback).
    ctx.post(_group(event.platform, request), ctx.render("rounds_send_in_private"),
             dedupe_key=_ack_key(request))


def _group(platform: str, request: RoundRequest) -> Target:
    """Where `/checkin send` was typed: the group (or its topic) of `request`."""
    return Target(platform, "thread" if request.reply_thread else "channel",
                  request.reply_chat or "", request.reply_thread, user_ref=request.reply_user)


def _ack_key(request: RoundRequest) -> str:
    """The dedupe key of the group's "Sending the check-in round now" for `request`, by
    which its report's fallback finds that message to edit. (With who asked: an id SQLite
    gives again after an erase deleted the latest request names another request.)"""
    return f"rounds-ack:{request.id}:{request.requested_by}"


def cmd_remind(ctx: Context, args: str) -> None:
    """/checkin remind [everyone | team <name> | <person>]: remind now those whose check-in
    of the week /summary shows has gone out and is not finished (the GM chasing the
    missing ones on Monday); report who was reminded and why the others were not."""
    sender, scope = _asked(ctx, args, "remind")
    if sender is None or scope is None:
        return
    kind, name = scope
    # (A person named is reported even if they do not check in; a team or everyone means
    # those who do, but not the sender: an admin who checks in knows their own is open.)
    people = [p for p in ctx.people.active() if p.key == name] if kind == "person" else [
        p for p in ctx.people.active() if p.checks_in and p.id != sender.id
        and (kind == "everyone" or p.team == name)]
    week = resolve_week(ctx, SummaryRequest("week"), sender.timezone)
    out = checkin.nudge(ctx, people, week, sender)
    named = {k: [p.display_name for p in v] for k, v in out.items()}
    shown = next((p.display_name for p in people), name) if kind == "person" else name
    ctx.reply("rounds_reminded", week=week, scope=kind, name=shown or "", **named)


def reply_result(ctx: Context, request: RoundRequest, result: dict[str, list[str]] | None,
                 error: str | None) -> None:
    """Tell the sender of `/checkin send` what the round did (names, never answers), in
    their DM (`ctx.event` is it); asked in a group, with a fallback there should the
    platform refuse that DM for good (_report_fallback)."""
    prompted: int | None = None  # (None: the round failed)
    if error is not None or result is None:
        message, params = "rounds_failed", {}
    else:
        names = {p.key: p.display_name for p in ctx.people.active()}
        params = {outcome.replace("-", "_"): [names.get(k, k) for k in result.get(outcome, [])]
                  for outcome in REPORTED}
        # A person by name, as the sender knows them (the request holds their key).
        name = names.get(request.name or "", request.name) if request.scope == "person" \
            else request.name
        prompted = len(result.get("prompted", []))
        message = "rounds_result"
        params |= {"scope": request.scope, "name": name or "", "prompted": prompted}
    fallback = _report_fallback(ctx, request, message, params, prompted)
    if fallback is None or ctx.person is None:
        ctx.reply(message, **params)
    else:
        ctx.tell(ctx.person, message, fallback=fallback, **params)


def _report_fallback(ctx: Context, request: RoundRequest, message: str,
                     params: dict[str, Any], prompted: int | None) -> Fallback | None:
    """What the sender hears should the platform refuse the report's DM for good (a
    Telegram user who blocked the bot or never pressed Start): the group was told the
    report goes there, and without a word they would wait for it in vain. None for a
    request typed in a DM (the DM is where they asked) or from before the group was kept.

    Where the platform shows notes to one person (Slack), the report itself in one, where
    they asked (hours of the platform failing: in the DM instead, as private_note_fallback
    does). Else a note in the group, worded for why, with how many were prompted and no
    names: who is away or unreachable is the sender's to read, not the group's."""
    event = ctx.event
    if event is None or request.reply_chat is None:
        return None
    platform = event.platform
    dm = Target(platform, "dm", event.user_id)
    if ctx.addressbook.supports_ephemeral(platform):
        report = ctx.render(message, **params)
        return (Target(platform, "ephemeral", request.reply_chat, request.reply_thread,
                       user_ref=event.user_id),
                OutboundMessage(ctx.render("rounds_report_here", service=platform) + "\n\n"
                                + report),
                {GAVE_UP: (dm, OutboundMessage(report))})
    group = _group(platform, request)
    # The group's "Sending the check-in round now" becomes the note: one message, not a
    # second (a request from before that message existed, or one no longer kept: anew).
    ack = ctx.outbox.id_of(_ack_key(request))

    def worded(cause: str) -> OutboundMessage:
        return OutboundMessage(ctx.render("rounds_report_not_sent", service=platform,
                                          cause=cause, prompted=prompted), replaces_row=ack)
    return group, worded(REFUSED), {GAVE_UP: worded(GAVE_UP), REJECTED: worded(REJECTED)}
