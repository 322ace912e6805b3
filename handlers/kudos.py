"""Kudos: people recognise each other where the team talks, tagged with company values.

`/kudos @alice @bob for closing Acme #customer-first`, or a plain channel message that
mentions people together with a kudos word (`thanks @alice for …`, `👏 @bob …`). The
adapters say who is mentioned (`InboundEvent.mentions`, `reply_to_user_id`); here we
resolve them to people of the org, apply the rules, store one row per recipient, post
a public shout-out and DM each recipient. `/kudos top` and `/kudos me` read them back.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.events import (
    EDITS_IN_PLACE,
    InboundEvent,
    Mention,
    OutboundMessage,
    Target,
    fits_one_message,
)
from bot.goals import fiscal_first_day, parse_period
from bot.name_order import name_key
from bot.org import Org, team_spellings
from bot.suggest import closest, closest_people
from bot.team_names import team_order
from bot.text import ascii_width, either_width
from handlers.answers import MAX_TEXT_LENGTH, simplified
from handlers.context import Context, one_moment
from handlers.kudos_refusals import without_refusals
from handlers.people_named import org_aliases, people_named
from handlers.period_words import CHINESE, month_named, quarter_named, read_period
from handlers.teams_then import teams_gone
from storage.digest import DigestRepo
from storage.kudos import (
    Kudos,
    KudosRepo,
    find_former_mentioned,
    find_mentioned,
    label_in,
    labels_of,
    shared_names,
    stored_label,
    stored_teams,
)
from storage.models import OutboxMessage, Person

MIN_REASON_WORDS = 2
#: The longest reason, in characters, as a check-in answer's: a longer one was quoted
#: whole in the channel's shout-out, several posts of one person's praise.
MAX_REASON = MAX_TEXT_LENGTH
BOARD_SIZE = 10
PERIODS = ("week", "month", "quarter", "year", "all", "last-week", "last-month",
           "last-quarter", "last-year")
#: The leaderboard's words as a Chinese reader types them (the usage text shows both);
#: its periods are every command's (handlers/period_words.py).
_CHINESE_WORDS = {"全部": "all", "所有": "all", "团队": "team", "价值观": "value"}

# Not inside a word ('C#', a URL's '#anchor'), but right after Chinese text, which has no
# spaces to set a tag apart ('材料#ownership').
_TAG = re.compile(r"(?<![A-Za-z0-9_&#/])#([A-Za-z0-9][\w.-]*)")
# (Traditional forms too, 為了, 感謝: as a Taiwan or Hong Kong keyboard writes them.)
_LEAD = re.compile(r"^(?:for|because|为了|因为|感谢|為了|因為|感謝|[-–—:：,，])\s*", re.IGNORECASE)
_THANKS_THEN_WHAT_FOR = re.compile(
    r"^\s*(?:非常|特别|特別|十分)?(?:感谢|谢谢|多谢|感謝|謝謝|多謝)\s*\x00\s*(?:的(?!确)|(?=对))")
_POSSESSIVE = re.compile(r"\x00\s*的(?!确)(?=[\u3400-\u9fff])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A space before a punctuation mark that ends a word: not before ':clap:' or '.NET'.
_SPACE_BEFORE_MARK = re.compile(r" ([，。！？；：、]+|[,.!?;:]+(?=\s|$))")  # ("thanks @li!!")
#: The whole channel as Slack writes it in plain text (`<!here>` → '@here'): one kudos per
#: person named, so a channel-wide thank-you gives none (the allowance, the board).
_CROWD = re.compile(r"(?<!\w)@(?:here|channel|everyone|all)(?!\w)", re.IGNORECASE)
_CROWD_NAMES = frozenset({"here", "channel", "everyone", "all"})
_HOLE = "\x00"  # where a mention was (a NUL: one typed in a message at worst reads as a space)
_TAG_HOLE = "\x01"  # where a value's #tag was
_THANKS_TO = re.compile(
    r"\b(kudos|thanks|thank you|shout-?outs?|shout outs?|props|cheers)\s+to(?=\s*\x00)",
    re.IGNORECASE)
# Brackets that held only #tags (and what separated them): '(#ownership, #customer-first)'.
_EMPTIED_BRACKETS = re.compile(
    r"[(\[（【]" r"[\s,，、\x01]*\x01[\s,，、\x01]*" r"[)\]）】]")
# Mentions in a row with what joins them: ',', '&', 'and', ', and', '和', '与', '及', '、'.
_NAMES_RUN = re.compile(r"\x00(?:(?:\s*(?:,|，|、|&|\band\b|和|与|及|跟))*\s*\x00)*",
                        re.IGNORECASE)

#: The whole channel named beside a person ('@alice @here', '@li and @channel', '@here
#: @alice'), the people already holes: it goes with them.
_CROWD_BY_NAMES = re.compile(
    r"(?:(?<!\w)@(?:here|channel|everyone|all)(?:\s*(?:,|，|、|&|\band\b|和|与|及|跟))*\s*)+"
    r"(?=\x00)|(?<=\x00)(?:(?:\s*(?:,|，|、|&|\band\b|和|与|及|跟))*\s*"
    r"@(?:here|channel|everyone|all)(?!\w))+", re.IGNORECASE)


def _has_word(text: str, word: str) -> bool:
    if re.fullmatch(r"[\w ]+", word) and word.isascii():
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None
    return simplified(word.lower()) in text.lower()


def _named(session: Session | None, event: InboundEvent) -> list[Mention]:
    """The event's mentions without those of the whole channel: Telegram (and the console)
    read '@channel' or '@everyone' as a username, as Slack never does ('<!channel>').
    A person of the org with that very username is named all the same (Telegram usernames
    of 5 characters or more can be 'channel' or 'everyone')."""
    return [m for m in event.mentions if not (
        m.platform_user_id is None and m.username
        and m.username.lstrip("@").lower() in _CROWD_NAMES
        and (session is None or find_mentioned(session, event.platform, None,
                                               m.username) is None))]


def looks_like_kudos(org: Org, event: InboundEvent, text: str,
                     session: Session | None = None) -> bool:
    """Whether a plain (non-command) message is someone giving kudos.

    It must mention someone other than the bot (the whole channel, '@channel', is nobody:
    a "thanks @channel" is the team's own thank-you) and contain one of the org's kudos
    words or emoji outside a refusal ("@alice no thanks, I'll do it", "不用了，谢谢": see
    handlers.kudos_refusals); ordinary chatter that only mentions people is left alone.
    `session` looks up whether someone of the org has a username like 'channel'.
    """
    if not any(not m.is_bot for m in _named(session, event)):
        return False
    # Traditional characters read as Simplified (謝謝, 點讚, 不用謝), as a dialog's words are.
    said = without_refusals(text, org.kudos.words, (m.display for m in event.mentions),
                            simplified)
    return any(_has_word(said, word) for word in org.kudos.words)


def cmd_kudos(ctx: Context, args: str) -> None:
    """/kudos @someone for … | /kudos top [period] [team X] [value Y] | /kudos me."""
    sub, _, rest = args.strip().partition(" ")
    if sub.lower() in ("top", "排行榜", "排行"):
        leaderboard(ctx, rest)
    elif sub.lower() in ("me", "我的", "我"):
        mine(ctx)
    elif not args.strip() and ctx.event is not None and not (
            ctx.event.reply_to_user_id or ctx.event.reply_to_name):
        ctx.reply("kudos_usage", values=_value_list(ctx))
    else:
        give(ctx, args)


def on_message(ctx: Context, text: str) -> None:
    """A plain channel message that looks like kudos (see looks_like_kudos)."""
    give(ctx, text)


# --- giving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    recipients: list[Person]
    values: list[str]
    reason: str


def give(ctx: Context, text: str) -> None:
    """Give kudos to everyone the event mentions (or the author of the replied-to message)."""
    event, giver = ctx.event, ctx.person
    assert event is not None and giver is not None
    parsed = _parse(ctx, event, giver, text)
    if parsed is None:
        return
    settings = ctx.org.kudos
    now = ctx.sent_at()  # sent at 23:50 on the 30th, read after midnight: November's
    day_start = _day_start(now, giver.timezone)
    repo = KudosRepo(ctx.session)
    repo.lock_giver(giver)  # before reading what this message or the day gave
    if event.message_id and repo.already_given(event.platform, event.chat_id, event.message_id,
                                               parsed.recipients):
        return  # this very message gave these kudos already (a redelivery)
    if event.message_id and ctx.events.seen(event.platform,
                                            _deleted_key(event.chat_id, event.message_id)):
        return  # deleted before its own delivery came (Slack retried it): it shows nothing
    used = repo.given_since(giver, day_start)
    if used + len(parsed.recipients) > settings.allowance:
        ctx.reply("kudos_allowance", allowance=settings.allowance,
                  left=max(0, settings.allowance - used), wanted=len(parsed.recipients))
        return
    rows: list[Kudos] = []
    value_labels = org_labels(ctx.org)
    for person in parsed.recipients:
        row = repo.give(giver=giver, recipient=person, reason=parsed.reason,
                        values=parsed.values, platform=event.platform, chat_id=event.chat_id,
                        message_id=event.message_id, now=now, value_labels=value_labels)
        if row is not None:
            rows.append(row)
    if not rows:
        return  # this very message gave these kudos already (a redelivery)
    ctx.session.flush()
    got = [r.recipient for r in rows]
    labels = _labels(ctx.org, parsed.values, ctx.locale)
    left = settings.allowance - used - len(rows)
    shout = ctx.render("kudos_shoutout", giver=giver, recipients=got, reason=parsed.reason,
                       values=labels, left=left, keyed=_namesakes(ctx.session, [giver, *got]))
    # Keyed by the message where there is one: an edit may delete a row, and the database
    # may give its id to the next kudos, whose messages must not pass for repeats.
    base = rows[0].source_key or f"id{rows[0].id}"
    _announce(ctx, shout, f"kudos-shout:{base}", [r.recipient for r in rows], parsed,
              f"kudos-dm:{base}")


def _namesakes(session: Session, people: list[Person]) -> frozenset[int]:
    """The ids of those of `people` whose name another active person has: a shout-out
    names them with their key ('👏 王伟 (@wangwei2)'), or the team cannot tell which 王伟
    was praised. One query for the few names of a kudos, not the whole org."""
    shared = shared_names(session, {p.display_name for p in people})
    return frozenset(p.id for p in people if p.display_name in shared)


def _announce(ctx: Context, shout: str | None, shout_key: str, praised: list[Person],
              parsed: _Parsed, dm_key: str) -> None:
    """The shout-out where the kudos were given (its thread, or the DM; None: none) and a
    DM to each of `praised` in their language; `dm_key` and the person's id key each DM."""
    event, giver = ctx.event, ctx.person
    assert event is not None and giver is not None
    if shout is None:
        pass
    elif event.is_direct:
        ctx.reply_text(shout)
    else:
        thread = event.thread_id or event.message_id
        ctx.post(Target(event.platform, "thread" if thread else "channel", event.chat_id,
                        thread, user_ref=event.user_id), shout, dedupe_key=shout_key)
    for person in praised:
        ctx.tell(person, "kudos_received", giver=giver, reason=parsed.reason,
                 values=_labels(ctx.org, parsed.values, person.locale),
                 dedupe_key=f"{dm_key}:{person.id}")


#: How long after sending a message its author may still correct the kudos it gives by
#: editing it (a misspelt name, a forgotten @): later, give new kudos instead.
EDIT_WINDOW = timedelta(minutes=15)


def on_edit(ctx: Context, praise: str | None) -> bool:
    """An edited message: `praise` is its new text read as kudos (None: it is not kudos).

    Within EDIT_WINDOW of sending it, the edit is what the message says: a message whose
    kudos were refused (a name not in the org file, a missing reason) gives them now; one
    that gave kudos has them corrected (see _correct). Later, the author is told that the
    edit was not read. False when the edit has nothing to do with kudos.
    """
    event, giver = ctx.event, ctx.person
    assert event is not None and giver is not None and event.edited_after is not None
    given = KudosRepo(ctx.session).from_message(event.platform, event.chat_id,
                                                event.message_id) if event.message_id else []
    if praise is None and not given:
        return False
    if event.edited_after > EDIT_WINDOW.total_seconds():
        ctx.reply("kudos_edit_too_late", minutes=int(EDIT_WINDOW.total_seconds() // 60),
                  given=bool(given))
        return True
    if not given:
        give(ctx, praise or "")
        return True
    if praise is None:
        # The message no longer praises anyone where the team reads it: nor does the count.
        taken = _take_back(ctx, given, deleted=False)
        ctx.reply("kudos_edit_not_kudos", recipients=[r.recipient for r in given],
                  taken=bool(taken), minutes=int(EDIT_WINDOW.total_seconds() // 60))
        return True
    parsed = _parse(ctx, event, giver, praise, kept=given)
    if parsed is not None:
        _correct(ctx, given, parsed)
    return True


def on_delete(ctx: Context) -> bool:
    """A deleted message (Slack): the kudos it gave no longer count, as the channel no
    longer shows them; their recipients are told privately. Telegram tells a bot of no
    deletion: there an edit that takes the praise out does this (on_edit). True when the
    message had given kudos."""
    event = ctx.event
    assert event is not None
    if not event.message_id:
        return False
    # Remembered (as long as event ids are), so that the message itself, arriving after
    # its deletion (a delivery Slack retried), gives nothing the channel no longer shows.
    ctx.events.claim(event.platform, _deleted_key(event.chat_id, event.message_id),
                     ctx.clock.now())
    given = KudosRepo(ctx.session).from_message(event.platform, event.chat_id,
                                                event.message_id)
    _take_back(ctx, given, deleted=True)
    return bool(given)


def _month_over(ctx: Context, given: list[Kudos]) -> bool:
    """Whether kudos `given` (of one message) are of a month that is over (org time)."""
    month_start, _ = period_bounds("month", ctx.clock.now(), ctx.org.tz)
    assert month_start is not None
    return bool(given) and given[0].given_at < month_start


def _deleted_key(chat_id: str, message_id: str) -> str:
    """The mark a deleted message leaves among the processed event ids."""
    return f"deleted:{chat_id}:{message_id}"


def _take_back(ctx: Context, given: list[Kudos], *, deleted: bool) -> list[Kudos]:
    """Delete the kudos of a message that no longer shows them (and tell each recipient),
    but those of a month that is over: its honour roll is history, posted on the 1st."""
    event = ctx.event
    assert event is not None
    month_start, _ = period_bounds("month", ctx.clock.now(), ctx.org.tz)
    assert month_start is not None
    taken = [r for r in given if r.given_at >= month_start]
    if taken and taken[0].source_key:
        _withdraw_shouts(ctx, taken[0].source_key, deleted=deleted)
    for row in taken:
        ctx.tell(row.recipient, "kudos_taken_back", giver=row.giver, deleted=deleted,
                 dedupe_key=f"kudos-taken-back:{row.source_key}:{row.recipient_id}:"
                            f"{event.event_id}")
        ctx.session.delete(row)
    ctx.session.flush()
    return taken


def _shouts(ctx: Context, source: str) -> list[OutboxMessage]:
    """The bot's public shout-outs of the kudos of message `source`, oldest first: the
    first, and any '✏️ Corrected' posted where the first could not be edited."""
    shout, fix = f"kudos-shout:{source}", f"kudos-fix:{source}:"
    return list(ctx.session.scalars(select(OutboxMessage).where(or_(
        OutboxMessage.dedupe_key == shout,
        OutboxMessage.dedupe_key.startswith(fix, autoescape=True))).order_by(OutboxMessage.id)))


def _withdraw_shouts(ctx: Context, source: str, *, deleted: bool) -> None:
    """The bot's public shout-outs of the kudos of message `source` (see _shouts), whose
    kudos were just taken back: none may go on praising where the team reads. Deleted
    with a message deleted (its thread goes with it), edited to say they were withdrawn
    when it was edited (it still stands, and the thread reads on); one still waiting to
    be sent is not sent. Each gives up its key: kudos given again by the same message
    (edited back within the 15 minutes) get a shout-out of their own.
    """
    note = None if deleted else ctx.render("kudos_shout_withdrawn")
    _undo_shouts(ctx, _shouts(ctx, source), note)
    ctx.session.flush()


def _undo_shouts(ctx: Context, rows: list[OutboxMessage], note: str | None) -> None:
    """Shout-outs `rows` no longer shown: those waiting are not sent; the others are
    deleted, or with `note` edited to say it. By their outbox rows, so every part of a
    long one goes, and one being sent right now is done once its send is recorded."""
    waiting = [r.dedupe_key for r in rows if r.status == "pending" and r.dedupe_key]
    if waiting:
        ctx.outbox.withdraw(waiting, ctx.clock.now())
    for row in rows:
        if row.status in ("pending", "sending", "sent"):
            # Also one read as waiting: the outbox may have taken it to send meanwhile,
            # and then the withdrawal missed it; one withdrawn is found never sent. (Nor
            # is anything found where the bot could not post: a slash command's public
            # answer through Slack's response_url has no id.)
            _replace_shout(ctx, row, note, key=f"kudos-unshout:{row.id}")
        if row.status != "pending":
            row.dedupe_key = None


def _replace_shout(ctx: Context, row: OutboxMessage, text: str | None, *, key: str) -> None:
    """Queue the edit (to `text`) or, with no text, the deletion of the message outbox
    `row` posted, in its place."""
    undo = OutboundMessage(text or "", replaces_row=row.id, deletes=text is None)
    ctx.outbox.enqueue(platform=row.platform, target_kind=row.target_kind,
                       address=row.address, thread_id=row.thread_id, user_ref=row.user_ref,
                       payload=undo.to_payload(), now=ctx.clock.now(), dedupe_key=key)


def _correct(ctx: Context, given: list[Kudos], parsed: _Parsed) -> None:
    """The kudos of an edited message made to say what it now says: people no longer named
    lose theirs (and are told it was meant otherwise), people newly named get theirs (dated
    as the message), the others keep theirs with the new reason and values; a corrected
    shout-out follows the first. Nothing changes when the edit changed none of that."""
    event, giver = ctx.event, ctx.person
    assert event is not None and giver is not None
    wanted = {p.id for p in parsed.recipients}
    had = {r.recipient_id for r in given}
    removed = [r for r in given if r.recipient_id not in wanted]
    added = [p for p in parsed.recipients if p.id not in had]
    kept = [r for r in given if r.recipient_id in wanted]
    if not removed and not added and all(
            r.reason == parsed.reason and list(r.values or []) == parsed.values for r in kept):
        return  # the same kudos (a redelivery, or an edit of other words)
    if _month_over(ctx, given):
        # As a deletion or an edit taking the praise out would leave them (_take_back): a
        # month that is over is history, its roll counted (maybe posted, for an edit read
        # late); a correction moving them off Sam rewrote it.
        ctx.reply("kudos_edit_month_over", recipients=[r.recipient for r in given])
        return
    repo = KudosRepo(ctx.session)
    repo.lock_giver(giver)
    settings = ctx.org.kudos
    when, source = given[0].given_at, given[0].source_key
    # The kudos an edit adds are dated as the message: they count against the allowance of
    # the day it was sent (its own day in the giver's timezone), not of today's. A message
    # sent at 23:50 and edited at 00:02 made that day's fifth kudo a sixth.
    day_start = _day_start(when, giver.timezone)
    day_end = _day_start(day_start + timedelta(hours=36), giver.timezone)
    used = repo.given_since(giver, day_start, day_end) - len(removed)
    if added and used + len(added) > settings.allowance:
        sent_on = day_start.astimezone(ZoneInfo(giver.timezone)).date()
        earlier = sent_on < ctx.clock.now().astimezone(ZoneInfo(giver.timezone)).date()
        _refuse(ctx, given, "kudos_allowance",
                allowance=settings.allowance, left=max(0, settings.allowance - used),
                wanted=len(added), day=sent_on.isoformat() if earlier else None)
        return
    withdrawn = [r.recipient for r in removed]
    value_labels = org_labels(ctx.org)
    for row in kept:
        row.reason, row.values = parsed.reason, list(parsed.values)
        row.value_labels = labels_of(parsed.values, value_labels)
    for row in removed:
        ctx.session.delete(row)
    ctx.session.flush()
    new_rows = [row for person in added if (row := repo.give(
        giver=giver, recipient=person, reason=parsed.reason, values=parsed.values,
        platform=event.platform, chat_id=event.chat_id, message_id=event.message_id,
        now=when, value_labels=value_labels)) is not None]
    ctx.session.flush()
    labels = _labels(ctx.org, parsed.values, ctx.locale)
    shout: str | None = ctx.render(
        "kudos_corrected", giver=giver, recipients=parsed.recipients, reason=parsed.reason,
        values=labels, keyed=_namesakes(ctx.session, [giver, *parsed.recipients]))
    assert shout is not None
    shouts = _shouts(ctx, source) if source else []
    editable = next((r for r in shouts if _editable(r)), None)
    if editable is not None:
        # The channel shows who has the kudos now where it showed who had them: the first
        # shout-out edited in place ("Alice" had stood above a "Corrected: Bruno"), any
        # later one deleted. A correction too long for one message replaces them all with
        # a '✏️ Corrected' post; so does one of a shout-out that cannot be edited (none
        # posted with an id, a platform that cannot edit), after it.
        gone = shouts
        if fits_one_message(shout):
            _replace_shout(ctx, editable, shout,
                           key=f"kudos-reshout:{source}:{event.event_id}")
            gone, shout = [r for r in shouts if r.id != editable.id], None
        _undo_shouts(ctx, gone, None)
    # (The new rows are of the same message as those given: the same source key.)
    _announce(ctx, shout, f"kudos-fix:{source}:{event.event_id}",
              [r.recipient for r in new_rows], parsed, f"kudos-dm:{source}:{event.event_id}")
    for person in withdrawn:
        ctx.tell(person, "kudos_withdrawn", giver=giver,
                 dedupe_key=f"kudos-withdrawn:{source}:{person.id}:{event.event_id}")


def _editable(row: OutboxMessage) -> bool:
    """Whether the shout-out outbox `row` posts (or posted) can be edited in place: on a
    platform that edits, posted by the bot with an id (one still to be sent is edited
    once it is)."""
    if row.platform not in EDITS_IN_PLACE or row.target_kind not in ("channel", "thread"):
        return False
    return row.status in ("pending", "sending") or (row.status == "sent"
                                                    and bool(row.external_id))


def _look_alikes(ctx: Context, platform: str, typed: str | None) -> list[tuple[str, str]]:
    """Who a typed @handle nobody has was likely meant to be: (handle, name) of those whose
    handle (their key on the console, their Telegram username) or name is close to it.
    '@alicee' was told "not in the org file: ask the person who runs teampulse to add
    them", of someone who is. (A Slack mention names a real user: nothing was mistyped.)
    Never the giver: Alice's '@alicee' was not meant for herself, whom kudos never reach."""
    if not typed or platform not in ("console", "telegram"):
        return []
    giver = ctx.person.id if ctx.person is not None else None
    handles = [(p.key if platform == "console" else p.telegram_username, p.display_name, p.key)
               for p in ctx.people.active() if p.id != giver]
    aliases = org_aliases(ctx.org)
    return closest_people(typed.lstrip("@"), [(h, n) for h, n, _ in handles if h],
                          aliases={h: aliases[k] for h, _, k in handles if h and k in aliases})


def _own_username(event: InboundEvent, mention: Mention) -> bool:
    """Whether a typed Telegram `@username` is the sender's own. A username is one
    account's at a time, so it names the giver, whoever the org file (written before a
    username changed hands) gives it to: the group sees a link to the giver."""
    return (event.platform == "telegram" and not mention.platform_user_id
            and bool(mention.username) and bool(event.username)
            and (mention.username or "").lstrip("@").casefold()
            == (event.username or "").lstrip("@").casefold())


@dataclass(frozen=True)
class _Named:
    """Someone a message names who is not in the org file, for the templates' `mention`:
    on Slack their own mention (`<@U…>`), which Slack shows as their name, where the
    message itself gave only the id (another app's bot named in a channel read "@U0ZOOM")."""

    name: str
    slack_id: str | None = None


def _parse(ctx: Context, event: InboundEvent, giver: Person, text: str, *,
           kept: Sequence[Kudos] = ()) -> _Parsed | None:
    """The kudos a message gives, or None once the giver is told why not (`kept`: the
    kudos an edited message gave, which stand, and stay as they were)."""
    mentions = _named(ctx.session, event)
    if not mentions and event.reply_to_user_id:
        mentions = [Mention(platform_user_id=event.reply_to_user_id,
                            username=event.reply_to_username)]
    elif not mentions and event.reply_to_name:
        # A reply to a message forwarded from a hidden account or a channel, or sent in a
        # group's or channel's name: a name with no account behind it, which never stands
        # for someone of the org (names are no key).
        _refuse(ctx, kept, "kudos_author_hidden", who=event.reply_to_name)
        return None
    elif not mentions and event.reply_to_bot:
        # '/kudos for the reminders' in reply to the bot's own message: a bot named, as
        # '/kudos @TeamPulseBot …' is (it read as a /kudos with nobody named at all).
        _refuse(ctx, kept, "kudos_to_bot")
        return None
    if not mentions:
        crowd = _CROWD.search(text)
        if crowd is not None:  # '/kudos @here for …': the whole channel is nobody by name
            _refuse(ctx, kept, "kudos_to_everyone", crowd=crowd.group(0))
        else:
            _refuse(ctx, kept, "kudos_usage", values=_value_list(ctx))
        return None
    people = [m for m in mentions if not m.is_bot]
    if not people:
        _refuse(ctx, kept, "kudos_to_bot")
        return None
    recipients: list[Person] = []
    for mention in people:  # '@teampulse thanks @alice …' addresses the bot, praises Alice
        # (A reply names its author by their name, not typed in the text: not a display to
        # strip from the reason, but what a refusal calls them; it had read "to ?".)
        who = mention.display or (f"@{mention.username}" if mention.username else
                                  event.reply_to_name or "?")
        if _own_username(event, mention):
            _refuse(ctx, kept, "kudos_self",
                    others=_others_named(ctx, event, people, giver, mention, kept))
            return None
        person = find_mentioned(ctx.session, event.platform, mention.platform_user_id,
                                mention.username)
        if person is None and (former := find_former_mentioned(
                ctx.session, event.platform, mention.platform_user_id,
                mention.username)) is not None:
            # Someone who left: "ask the person who runs teampulse to add them to the org
            # file" was untrue of them, and advice to put them back.
            _refuse(ctx, kept, "kudos_to_leaver", who=former, kept=bool(kept))
            return None
        if person is None:
            slack_id = mention.platform_user_id if event.platform == "slack" else None
            # A mention with an account id (a reply, a text mention) names a real account
            # that is nobody's here, so nothing was mistyped: no "did you mean" (it offered
            # the handle of the person who gave that username up).
            typed = None if mention.platform_user_id else mention.username
            # An account outside the org that has the name of someone in it (a Slack
            # Connect guest, a Telegram account calling itself "Alice Martin"): "not in the
            # org file: ask to add them" said Alice was missing, and to add the look-alike.
            # (Not someone whose Telegram username it is now: a username changed hands,
            # of which the org file is out of date, not a name imitated.)
            namesakes = [(p.key, p.display_name) for p in people_named(
                ctx.people.active(), who) if (p.telegram_username or "").casefold()
                != who.lstrip("@").casefold()][:3] if mention.platform_user_id else []
            _refuse(ctx, kept, "kudos_unknown_person", who=_Named(who, slack_id),
                    guesses=_look_alikes(ctx, event.platform, typed), kept=bool(kept),
                    namesakes=namesakes,
                    others=_others_named(ctx, event, people, giver, mention, kept))
            return None
        if person.id == giver.id:
            _refuse(ctx, kept, "kudos_self",
                    others=_others_named(ctx, event, people, giver, mention, kept))
            return None
        if all(p.id != person.id for p in recipients):
            recipients.append(person)
    rest = text.replace("\uff03", "#")  # a Chinese keyboard's full-width '＃'
    rest, in_sentence = _names_in_sentence(
        rest, [m.display for m in mentions if m.display], ctx.org.kudos.words)
    # Longest first, and never inside a longer handle: "@li" must not eat the start of
    # "@lin" (nor a Slack "@Li" the start of "@Li Wei").
    # A name typed in full-width mode ('＠ｂｒｕｎｏ＿ｒ') is found in either width: a command's
    # letters were read as ASCII already (bot.router.command_form), its '＠' and '＿' not.
    # A handle ('@bruno_r') is the mention wherever it is typed; a name a Telegram text
    # mention shows ('Sam', no handle) is taken out as often as it was mentioned, first
    # first: "thanks Sam for Sam's deck" read "thanks for 's deck".
    times = Counter(m.display for m in mentions if m.display)
    for display in sorted(times, key=len, reverse=True):
        last = ascii_width(display[-1])
        end = r"(?![A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿])" if last.isascii() and last.isalnum() else ""
        rest = re.sub(either_width(display) + end, _HOLE, rest,
                      count=0 if display.startswith(("@", "＠")) else times[display])
    # '/kudos @alice @here for the demo': the kudos go to Alice; the channel named beside
    # her is no part of why (a shout-out quoting '@here' read as if it called everyone).
    # Within the reason ('for helping @all of us') the word stays, without its '@'.
    rest = _CROWD.sub(lambda m: m.group(0)[1:], _CROWD_BY_NAMES.sub("", rest))
    # The words that only joined the names go with them: "great job @bruno and @li on the
    # launch" is praise for "great job on the launch", not "great job and on the launch".
    rest = _NAMES_RUN.sub(_HOLE, rest)
    links = {link.lower() for link in event.channel_links}

    def is_channel(tag: str) -> bool:
        return f"#{tag}".lower() in links

    values: list[str] = []
    # '#客户第一': a value tagged with its label in some language (Chinese has no spaces to
    # end a tag, so only the org's own labels are read, longest first).
    labels = sorted(((label, v.key) for v in ctx.org.values for label in v.label.values()
                     if not label.isascii()), key=lambda item: -len(item[0]))
    for label, key in labels:
        if f"#{label}" in rest:
            rest = rest.replace(f"#{label}", _TAG_HOLE)
            if key not in values:
                values.append(key)
    for tag in _TAG.findall(rest):
        if is_channel(tag):
            continue  # "thanks @alice for the demo in #general": a channel, not a value
        key = tag.rstrip(".-").lower()
        if ctx.org.value(key) is None:
            _refuse(ctx, kept, "kudos_unknown_value", tag=key, values=_value_list(ctx),
                    kept=bool(kept))
            return None
        if key not in values:
            values.append(key)
    rest = _TAG.sub(lambda m: m.group(0) if is_channel(m.group(1)) else _TAG_HOLE, rest)
    # '(#ownership)' leaves no '( )' in the reason; brackets the giver typed stay.
    rest = _EMPTIED_BRACKETS.sub(" ", rest).replace(_TAG_HOLE, " ")
    # In Chinese a 的 right after a name is that person's ('感谢 @alice 的支持': Alice's
    # support); it goes with the name, or the reason began with a stray particle ("的支持").
    # A thank-you said to the names and then what for ('谢谢 @alice 对我的帮助') leaves the
    # reason as that what-for, as 感谢 already did; '谢谢 @alice 帮忙…' keeps its 谢谢.
    # What was typed is what must be a few words, as before: '感谢 @alice 的支持' gives kudos.
    # 'thanks to @sam for the pitch': the 'to' was the names' and goes with them ("thanks
    # to for the pitch" had been the shout-out).
    shown = _THANKS_TO.sub(r"\1", rest)
    shown = _POSSESSIVE.sub(_HOLE, _THANKS_THEN_WHAT_FOR.sub(_HOLE, shown, count=1))
    # 'kudos to @sam - great demo', '谢谢 @sam —— 演示很棒': a thank-you to the names, then a
    # dash or colon, then what for; the reason is what follows ("kudos - great demo").
    shown = _salutation(ctx.org.kudos.words).sub(_HOLE, shown, count=1)
    said, reason = _reason_of(rest), _reason_of(shown)
    for n, names in enumerate(in_sentence):
        said, reason = said.replace(chr(_KEPT + n), names), reason.replace(chr(_KEPT + n), names)
    if len(reason) > MAX_REASON:
        # (It says itself that the kudos stay as they were.)
        ctx.reply("kudos_too_long", length=len(reason), limit=MAX_REASON, kept=bool(kept))
        return None
    if _reason_words(said) < MIN_REASON_WORDS or _reason_words(reason) == 0:
        _refuse(ctx, kept, "kudos_reason_needed")
        return None
    return _Parsed(recipients, values, reason)


def _others_named(ctx: Context, event: InboundEvent, mentions: Sequence[Mention],
                  giver: Person, refused: Mention, kept: Sequence[Kudos]) -> list[Person]:
    """The people of the org a refused message also named (not the giver, nor the one it
    was refused for), in order: told that they got nothing either, as "I can't give kudos
    to @zed" alone read as if Sam, named beside, had had his. None for an edit, whose
    refusal says with whom the kudos stay."""
    if kept:
        return []
    others: list[Person] = []
    for mention in mentions:
        if mention is refused or _own_username(event, mention):
            continue
        person = find_mentioned(ctx.session, event.platform, mention.platform_user_id,
                                mention.username)
        if person is not None and person.id != giver.id and \
                all(p.id != person.id for p in others):
            others.append(person)
    return others


def _refuse(ctx: Context, staying: Sequence[Kudos], name: str, /, **params: Any) -> None:
    """Tell the giver privately why kudos were not given (message `name`). `staying`: the
    kudos an edited message gave; what was refused is the edit, not those kudos, which the
    giver is told stand, and with whom (a refusal alone had read "nothing was given", and
    a giver who sent new kudos left the first person with the ones meant for another)."""
    if not staying:
        ctx.reply(name, **params)
        return
    # (Of a month that is over, a correction would not be read either: no "edit again".)
    note = ctx.render("kudos_edit_kept", recipients=[r.recipient for r in staying],
                      minutes=int(EDIT_WINDOW.total_seconds() // 60),
                      over=_month_over(ctx, list(staying)))
    ctx.reply_text(f"{ctx.render(name, **params)}\n{note}")


#: Where names kept in a Chinese sentence wait while the rest is read (private-use
#: characters, of which one typed at worst reads as a name).
_KEPT = 0xF0000
_JOINER = r"\s*(?:,|，|、|&|\band\b|和|与|及|跟)\s*"
# Thank-you words before a name: '谢谢 @alice 帮忙…' is thanks to Alice, then what for.
_THANKS_WORDS = ("谢谢", "感谢", "多谢", "谢了", "致谢", "謝謝", "感謝", "多謝", "謝了", "致謝")


def _names_in_sentence(text: str, displays: list[str],
                       words: tuple[str, ...]) -> tuple[str, list[str]]:
    """`text` with the names that are part of a Chinese sentence set aside, and those names.

    Chinese writes a name into the sentence with no space to set it apart: taken out,
    '从@alice那里学到很多' (learned a lot from Alice) reads "从 那里学到很多" (from there), so a
    name (or names joined by 和, 、 …) with Chinese right before and after it stays as typed.
    Not after a thank-you word ('谢谢 @alice 帮忙…': the thanks, then what for) nor before
    a possessive 的 ('感谢 @alice 的支持': her support), which read as before.
    """
    if not displays or not _CJK.search(text):
        return text, []
    names = "|".join(
        either_width(d) + (r"(?![A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿])"
                           if ascii_width(d[-1]).isascii() and ascii_width(d[-1]).isalnum()
                           else "")
        for d in sorted(set(displays), key=len, reverse=True))
    run = re.compile(rf"(?:{names})(?:{_JOINER}(?:{names}))*", re.IGNORECASE)
    thanks = tuple(w.lower() for w in (*_THANKS_WORDS, *words) if _CJK.search(w))
    kept: list[str] = []

    def keep(m: re.Match[str]) -> str:
        before, after = text[:m.start()].rstrip(), text[m.end():].lstrip()
        if not before or not after or not _CJK.match(before[-1]) or not _CJK.match(after[0]) \
                or after.startswith("的") or before.lower().endswith(thanks):
            return m.group()
        kept.append(m.group())
        return chr(_KEPT + len(kept) - 1)

    return run.sub(keep, text), kept


#: What sets a reason apart from the names before it: a dash (or two), an en or em dash
#: (Chinese writes two: '——'), a colon of either width, a tilde.
_SEPARATOR = r"(?:-{1,2}|[–—]{1,2}|[:：]|[~～])"


@lru_cache(maxsize=8)
def _salutation(words: tuple[str, ...]) -> re.Pattern[str]:
    """A message's opening that only thanks the names and then sets the reason apart with
    a separator ('kudos to @sam - …', 'thanks @sam: …', '谢谢 @sam —— …', the names a
    hole): all of it goes, the reason being what follows."""
    said = sorted({*(w.lower() for w in words), *_THANKS_WORDS, "to", "big", "huge", "many",
                   "非常", "特别", "十分"}, key=len, reverse=True)
    thanks = "|".join(rf"{re.escape(w)}(?!\w)" if w[-1:].isalnum() and w.isascii()
                      else re.escape(w) for w in said)
    return re.compile(rf"^\s*(?:(?:{thanks})[\s,，!！]*)+\x00\s*{_SEPARATOR}\s*",
                      re.IGNORECASE)


def _reason_of(rest: str) -> str:
    # (A name taken out before a comma left "thanks , no problem …" in the shout-out.)
    reason = _SPACE_BEFORE_MARK.sub(r"\1", " ".join(rest.replace(_HOLE, " ").split()))
    while True:
        stripped = _LEAD.sub("", reason, count=1).strip()
        if stripped == reason:
            return reason
        reason = stripped


def _reason_words(reason: str) -> float:
    # Chinese has no spaces, and says in three characters (辛苦了) what English says in two
    # words (great work): three characters count as two words. A punctuation mark alone is
    # no word ('辛苦了！' had passed where '辛苦了' was refused).
    cjk = len(_CJK.findall(reason))
    latin = sum(1 for token in _CJK.sub(" ", reason).split()
                if not all(unicodedata.category(ch).startswith("P") for ch in token))
    return latin + cjk / 1.5


def _day_start(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(ZoneInfo(timezone))
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo).astimezone(now.tzinfo)


def value_key(org: Org, written: str) -> str:
    """A value's key from its key or its label in any language ('客户第一', 'Customer first')."""
    return _labelled(org, written) or written.lower()


def _labelled(org: Org, written: str) -> str | None:
    """The key of the value whose label in some language `written` is, if any."""
    return next((v.key for v in org.values if written.casefold() in
                 {label.casefold() for label in v.label.values()}), None)


def _value_named(org: Org, words: list[str]) -> tuple[str, int]:
    """The value the words after 'value' name, and how many words it took: the longest
    run of them that is a value's label ('value Customer first', as the board heads
    itself), else the first word, as a key or a label."""
    for end in range(len(words), 1, -1):
        found = _labelled(org, " ".join(words[:end]).lstrip("#"))
        if found is not None:
            return found, end
    return value_key(org, words[0].lstrip("#")), 1


def _labels(org: Org, keys: list[str], locale: str) -> list[str]:
    return [v.label_for(locale) for v in (org.value(k) for k in keys) if v is not None]


def org_labels(org: Org) -> dict[str, dict[str, str]]:
    """Each company value's label per language in the org file now: what a kudos given
    now stores (Kudos.value_labels)."""
    return {v.key: dict(v.label) for v in org.values}


def kudos_label(org: Org, row: Kudos, key: str, locale: str) -> str:
    """How kudos `row` names value `key` in `locale`: as it was when given (a value
    renamed or taken out of the org file since reads as it did); one stored without its
    labels, as the org file has it now, or by its key."""
    return stored_label(row, key, locale) or value_label(org, key, locale)


def value_label(org: Org, key: str, locale: str) -> str:
    """A value's label in `locale`; a value taken out of the org file since, by its key
    (what its kudos stored)."""
    found = org.value(key)
    return found.label_for(locale) if found is not None else key


def board_value_label(org: Org, board: Board, key: str, locale: str) -> str:
    """How a board by value `key` names it in `locale`: a period gone by as its kudos
    named it (the latest that cites it: a rename or removal since does not rename a past
    board); the period in progress as the org file does today, or, for a value taken out
    of it since, as its kudos did. Its key when neither knows a label."""
    stored = label_in(board.value_labels, locale)
    if stored and (board.last_day is not None or org.value(key) is None):
        return stored
    return value_label(org, key, locale)


def _value_list(ctx: Context) -> list[tuple[str, str]]:
    return [(v.key, v.label_for(ctx.locale)) for v in ctx.org.values]


# --- reading back ------------------------------------------------------------------------


def period_bounds(period: str, now: datetime, tz: ZoneInfo, fiscal_year_start: int = 1
                  ) -> tuple[datetime | None, datetime]:
    """[start, end) of a period in the org's timezone: the current week, month, quarter or
    year up to `now` (start None: all time), or the whole one before it ('last-month').
    Quarters and years are the org's fiscal ones (goals' `fiscal_year_start`), as the goals
    and the GM's summary count them."""
    local = now.astimezone(tz)
    day = local.date()
    if period == "all":
        return None, now
    if month_of(period) is not None or quarter_of(period) is not None:
        # A month or (fiscal) quarter by its name ('2026-12', '2026-Q4'): whole, or up to now.
        span = parse_period(period, fiscal_year_start=fiscal_year_start)
        end = datetime.combine(span.end + timedelta(days=1), time(), tzinfo=tz)
        return datetime.combine(span.start, time(), tzinfo=tz), min(end, now)
    kind = period.removeprefix("last-")
    first = _period_start(kind, day, fiscal_year_start)
    if period == kind:
        return datetime.combine(first, time(), tzinfo=tz), now
    # The one before: it ends where the current one begins.
    previous = _period_start(kind, first - timedelta(days=1), fiscal_year_start)
    return (datetime.combine(previous, time(), tzinfo=tz),
            datetime.combine(first, time(), tzinfo=tz))


def month_of(period: str) -> tuple[int, int] | None:
    """(year, month) of a board of a month named ('2026-12', from '/kudos top December');
    None for the other periods."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", period)
    return (int(found.group(1)), int(found.group(2))) if found else None


def quarter_of(period: str) -> str | None:
    """The label of a board of a (fiscal) quarter named ('2026-Q4', from '/kudos top Q4');
    None for the other periods."""
    return period if re.fullmatch(r"\d{4}-Q[1-4]", period) else None


def period_over(period: str, now: datetime, tz: ZoneInfo, fiscal_year_start: int = 1
                ) -> bool:
    """Whether a board's period is over ('last-month', a month named that has ended):
    counted to its end and shown with its last day, not "so far"."""
    if period.startswith("last-"):
        return True
    return (month_of(period) is not None or quarter_of(period) is not None) and \
        period_bounds(period, now, tz, fiscal_year_start)[1] < now


def _period_start(kind: str, day: date, fiscal_year_start: int) -> date:
    """The first day of the week, month, (fiscal) quarter or year `day` is in."""
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return fiscal_first_day(kind, day, fiscal_year_start)


@dataclass(frozen=True)
class Place:
    """One line of a leaderboard: rank (shared on ties), person, count, and the name to
    show (with the key beside it when someone else on the board has the same name)."""

    rank: int
    person: Person
    count: int
    tied: bool
    name: str = ""
    #: The team the board counted them under: the one stored with their latest kudos on
    #: that side of the board in the period (a board of a past month keeps its teams).
    team: str | None = None
    #: Each team their kudos on that side were stored with and how many, oldest first:
    #: someone who moved within the period has two ((East, 2), (Europe, 1)), so their
    #: count is not read as all their latest team's.
    teams: tuple[tuple[str | None, int], ...] = ()
    #: Taken out of the org file since (a board of a period that is over keeps them, and
    #: says so: "no longer in the org file").
    left: bool = False


def ranking(counts: Counter[int], people: dict[int, Person], size: int = BOARD_SIZE,
            shared: Collection[str] = (),
            teams: dict[int, str | None] | None = None,
            splits: dict[int, dict[str | None, int]] | None = None) -> list[Place]:
    """Most first; equal counts share a rank (1, 2, 2, 4) and are listed by name. A name
    in `shared` (another active person has it) or twice on the board is shown with its
    key, as the shout-outs show it ('王伟 (@wangwei2)'). `teams`: each one's team on the
    board (default: their team today); `splits`: their count per team, oldest first."""
    # Two people of one name tied are listed by key, as the honour roll lists them: not by
    # who was praised first.
    order = sorted(counts, key=lambda pid: (-counts[pid], name_key(people[pid].display_name),
                                            people[pid].key))
    per_count = Counter(counts.values())
    namesakes = Counter(people[pid].display_name for pid in counts)
    places: list[Place] = []
    for index, pid in enumerate(order[:size]):
        count = counts[pid]
        rank = index + 1 if index == 0 or counts[order[index - 1]] != count else places[-1].rank
        person = people[pid]
        name = person.display_name
        keyed = namesakes[name] > 1 or name in shared
        places.append(Place(rank, person, count, per_count[count] > 1,
                            f"{name} (@{person.key})" if keyed else name,
                            teams.get(pid) if teams is not None else person.team,
                            tuple((splits or {}).get(pid, {}).items()), not person.active))
    return places


def tied_beyond(counts: Counter[int], places: list[Place]) -> int:
    """How many people share the board's last place but did not fit on it: the board
    says "and N more" of them (as the honour roll does) rather than drop them unsaid."""
    if not places:
        return 0
    last = places[-1].count
    return sum(1 for c in counts.values() if c == last) - \
        sum(1 for p in places if p.count == last)


@dataclass(frozen=True)
class NamedPeriod:
    """A board's month or (fiscal) quarter named in words (`named_period`)."""

    kind: str  # "month" | "quarter"
    period: str  # '2026-12' or '2026-Q4' ('' when `problem` is "bad")
    taken: int  # how many words named it
    problem: str | None = None  # "bad" (no such month, or before 2000) | "not_begun"


def named_period(words: list[str], i: int, now: datetime, tz: ZoneInfo,
                 fiscal_year_start: int = 1) -> NamedPeriod | None:
    """The month ('December', 12月, 'Dec 2026', 2026-12: without its year the latest begun)
    or fiscal quarter (Q4, 2026Q4, 第四季度) named at `words[i]`, as `/kudos top` and
    `teampulse kudos top --period` read it, with what stops it being a board; None if
    neither is named there."""
    today = now.astimezone(tz).date()
    month = month_named(words, i, today)
    if month is not None:
        (year, number), taken = month
        if not 1 <= number <= 12 or year < 2000:
            return NamedPeriod("month", "", taken, "bad")
        return NamedPeriod("month", f"{year}-{number:02d}", taken,
                           "not_begun" if date(year, number, 1) > today else None)
    quarter = quarter_named(words, i, today, fiscal_year_start)
    if quarter is None:
        return None
    label, taken = quarter
    if int(label[:4]) < 2000:  # (no kudos then; year 0 has no calendar)
        return NamedPeriod("quarter", "", taken, "bad")
    start, _ = period_bounds(label, now, tz, fiscal_year_start)
    begun = start is None or start <= now
    return NamedPeriod("quarter", label, taken, None if begun else "not_begun")


def leaderboard(ctx: Context, args: str) -> None:
    """/kudos top [week|month|quarter|year|all] [team <name>] [value <key>]; the period
    also a month or a (fiscal) quarter by its name: December, 12月, Q4, 第四季度."""
    words = args.split()
    period, team, value = "month", None, None
    current = today_teams(ctx)
    typed: str | None = None
    team_words: tuple[int, int] = (0, 0)  # where in `words` the team was named
    not_begun: NamedPeriod | None = None
    i = 0
    while i < len(words):
        word = words[i].lower()
        word = _CHINESE_WORDS.get(word, word)
        said = read_period(words, i)  # 'month', 'this month', 'last month', 上个月
        # A month or (fiscal) quarter by its name: December, 12月, Dec 2026, Q4, 第四季度.
        named = named_period(words, i, ctx.clock.now(), ctx.org.tz,
                             ctx.org.goals.fiscal_year_start) if said is None else None
        if named is not None:
            if named.problem == "bad":
                ctx.reply("kudos_top_usage")
                return
            if named.problem == "not_begun":
                # Answered once the team and value are read: its pointers keep them.
                not_begun = named
            period = named.period
            i += named.taken
            continue
        if said is not None:
            period = said[0]
            i += said[1] - 1
        elif word in PERIODS:
            period = word
        elif word == "team" and i + 1 < len(words):
            # Any team a kudos was ever stored with is read as a name here; whether the
            # board's period knows it is asked once the period is read (it may come after).
            named_team, said_team, used = team_typed(ctx, words[i + 1:])
            if typed is not None and (named_team or said_team).casefold() != \
                    (team or typed).casefold():
                # 'team China team East': a board is one team's, and the later name had
                # silently won; both are named back, with each one's board for the period
                # and value asked ('quarter … value grit' kept in the commands offered).
                rest = [w for at, w in enumerate(words)
                        if not (team_words[0] <= at < team_words[1] or i <= at <= i + used)]
                ctx.reply("kudos_top_two_teams", first=team or typed,
                          second=named_team or said_team, rest=" ".join(rest))
                return
            team, typed = named_team, said_team
            team_words = (i, i + used + 1)
            i += used
        elif word == "value" and i + 1 < len(words):
            # One the org file no longer has is asked whether the period's kudos carry it
            # once the board is read (the period may come after).
            value, used = _value_named(ctx.org, words[i + 1:])
            i += used
        else:
            _refuse_period(ctx, words[i:])
            return
        i += 1
    if typed is not None:
        # Before "March 2027 has not begun": a team that is none is the mistake to mend
        # ('/kudos top 2027-03 team Nowhere' would be as wrong next March).
        teams, gone = board_teams(ctx.session, current, period, ctx.clock.now(), ctx.org.tz,
                                  ctx.org.goals.fiscal_year_start)
        if team is None or team.casefold() not in {t.casefold() for t in [*teams, *gone]}:
            ctx.reply("kudos_unknown_team", team=typed, teams=teams, gone=gone,
                      guess=closest(typed or "", teams))
            return
    if not_begun is not None:
        kept = {"team": team, "value_key": value}
        if not_begun.kind == "month":
            year, month = not_begun.period.split("-")
            ctx.reply("kudos_top_not_begun", year=int(year), month=int(month), **kept)
        else:
            ctx.reply("kudos_top_not_begun", quarter=not_begun.period, **kept)
        return
    board = build_board(ctx.session, ctx.org, ctx.clock.now(), period, team, value)
    if value is not None and ctx.org.value(value) is None and not board.counted:
        # (Not kudos_unknown_value's "so I haven't given these kudos": none were given.)
        ctx.reply("kudos_top_unknown_value", tag=value, values=_value_list(ctx))
        return
    label = board_value_label(ctx.org, board, value, ctx.locale) if value else None
    ctx.reply("kudos_top", period=period, start=board.start, team=team, value=label,
              top=board.received, givers=board.given, tied=board.tied, private=False,
              last=board.last_day, top_more=board.received_more,
              givers_more=board.given_more, tz=ctx.org.timezone, month=month_of(period),
              quarter=quarter_of(period), before_bot=_before_bot(ctx, period, board),
              value_key=value)


#: The words that begin a board's other options: what is not read as a period stops there.
_OPTIONS = frozenset({"team", "value", "团队", "价值观"})
_DAY_SAID = re.compile(r"(?:today|yesterday|tomorrow|今天|昨天|前天|明天)$"
                       r"|\d{4}\s*[-/]\s*\d{1,2}\s*[-/]\s*\d{1,2}$"
                       r"|(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]$", re.IGNORECASE)
_YEAR_SAID = re.compile(r"(?:\d{4})\s*年?(?:度)?$")


def other_period(typed: str) -> str | None:
    """What kind of period `typed` names that a leaderboard does not count, as other
    commands read it: "weeks" (a count of them, /summary's 'last 4w', 最近4周), "week"
    (one by its number: W48, 2026-W48, 第48周), "year" (a calendar year: 2026, 2026年) or
    "day" (today, 2026-11-23, 11月23日); None when it names no period."""
    from handlers.summary import said_in_english  # (the summary's own reading of weeks)

    text = " ".join(typed.split())
    if _DAY_SAID.fullmatch(text):
        return "day"
    if _YEAR_SAID.fullmatch(text):
        return "year"
    said = said_in_english(text).split()
    if len(said) == 2 and said[0].lower() == "last" and re.fullmatch(r"\d{1,6}\s*w?", said[1],
                                                                     re.IGNORECASE):
        return "weeks"
    if len(said) == 1 and re.fullmatch(r"(?:\d{4}-)?[Ww]\d{1,2}", said[0]):
        return "week"
    return None


def _refuse_period(ctx: Context, words: list[str]) -> None:
    """`/kudos top` with words it does not read (`words`: from the first of them): a
    period another command reads ('last 4w', W48, 2026, today) is told which periods a
    board counts; anything else gets the usage."""
    end = next((n for n, w in enumerate(words) if n and w.lower() in _OPTIONS), len(words))
    typed = " ".join(words[:end])
    kind = other_period(typed)
    if kind is None:
        ctx.reply("kudos_top_usage")
    else:
        ctx.reply("kudos_top_period_unread", typed=typed, kind=kind)


def today_teams(ctx: Context) -> set[str]:
    """Today's teams (the org file's active people's), one written in two letter cases
    once, as the org file first writes it."""
    spelled = team_spellings(ctx.org)
    return {spelled.get(p.team.casefold(), p.team) for p in ctx.people.active() if p.team}


def team_typed(ctx: Context, words: list[str]) -> tuple[str | None, str, int]:
    """The team `words` (those after 'team') name, as /kudos top reads it: today's teams
    and any a kudos was stored with; with the words as typed and how many it took."""
    known = [*sorted(stored_teams(ctx.session)), *sorted(today_teams(ctx))]  # today's win
    team, used = team_named(words, known)
    return team, " ".join(words[:used]), used


def _before_bot(ctx: Context, period: str, board: Board) -> date | None:
    """The day the bot first ran, when an empty board's period was over before it (the
    board says the bot was not running yet then, as /honours does; "No kudos in this
    period" read as if the team had praised nobody); else None."""
    return board_before_bot(ctx.session, ctx.org, ctx.clock.now(), period, board)


def board_before_bot(session: Session, org: Org, now: datetime, period: str,
                     board: Board) -> date | None:
    """The day the bot first ran, when an empty board's period was over before it, else
    None: what `/kudos top` and `teampulse kudos top` say instead of "No kudos"."""
    if board.received or board.given or board.last_day is None:
        return None
    _, end = period_bounds(period, now, org.tz, org.goals.fiscal_year_start)
    first = DigestRepo(session).first_run()
    began = as_utc(first) if first is not None else now
    return began.astimezone(org.tz).date() if began >= end else None


def board_teams(session: Session, current: Collection[str], period: str, now: datetime,
                tz: ZoneInfo, fiscal_year_start: int = 1) -> tuple[list[str], list[str]]:
    """The teams a board of `period` can be narrowed to, sorted: today's (the org file's),
    and those no longer in the org file that the period's kudos were stored with (a team
    renamed or closed still has its past)."""
    start, end = period_bounds(period, now, tz, fiscal_year_start)
    stored = stored_teams(session, start, end if period_over(period, now, tz, fiscal_year_start)
                          else None)
    return sorted(current, key=team_order), teams_gone(current, stored)


def team_named(words: list[str], teams: list[str]) -> tuple[str | None, int]:
    """The team the words after 'team' name, and how many words its name took: the
    longest run of them that is a team ('team North America', as /summary reads it; it
    had been taken for a team "North"). None and the words up to the board's next
    option (what to call the team not found) when none is."""
    by_name = {t.casefold(): t for t in teams}
    for end in range(len(words), 0, -1):
        found = by_name.get(" ".join(words[:end]).casefold())
        if found is not None:
            return found, end
    options = {*PERIODS, *_CHINESE_WORDS, *CHINESE, "this", "current", "last", "previous",
               "team", "value"}
    typed = next((n for n, w in enumerate(words) if n and w.lower() in options), len(words))
    return None, typed


@dataclass(frozen=True)
class Board:
    """A leaderboard: who received and who gave the most kudos since `start` (org time)."""

    period: str
    start: datetime | None
    received: list[Place]
    given: list[Place]
    #: A period gone by ('last-month'): its last day; None for the current one (up to now).
    last_day: date | None = None
    #: How many more share the last place of `received` / `given` than fit (tied_beyond).
    received_more: int = 0
    given_more: int = 0
    #: How many of the period's kudos the board counted (those of its value, if one was
    #: asked for), ranked or not: a value taken out of the org file since is still one of
    #: the period's while its kudos carry it.
    counted: int = 0
    #: The asked value's labels per language as the period's latest kudos citing it
    #: stored them (board_value_label); empty without a value or such kudos.
    value_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def tied(self) -> bool:
        """Whether any rank is shared."""
        return any(p.tied for p in self.received + self.given)


def build_board(session: Session, org: Org, now: datetime, period: str, team: str | None,
                value: str | None, size: int = BOARD_SIZE) -> Board:
    """The leaderboard of `/kudos top` (and `teampulse kudos top`): kudos from the start of
    the period up to now, optionally one team's (received by / given by its people) or
    one value's.

    A period that is over is history and reads as it was: someone who has left the org
    file since is ranked where their kudos put them, under the name they had, marked as
    gone (`Place.left`). The period in progress ranks only people in the org file: its
    board is the team's race today, which someone who left yesterday is no longer in
    (nor in the honour roll in progress, which ranks as it does); it becomes history,
    with them, once the period is over. What a leaver gave counts for the people they
    praised either way."""
    start, end = period_bounds(period, now, org.tz, org.goals.fiscal_year_start)
    past = period_over(period, now, org.tz, org.goals.fiscal_year_start)
    # The current period up to now, this very second included; one gone by to its end.
    rows = KudosRepo(session).between(start, end if past else None)
    if value is not None:
        rows = [r for r in rows if value in (r.values or [])]
    people: dict[int, Person] = {}
    received: Counter[int] = Counter()
    given: Counter[int] = Counter()
    # Each one's team as counted (rows come oldest first: the latest wins).
    received_team: dict[int, str | None] = {}
    given_team: dict[int, str | None] = {}
    # Each one's count per team, in the order the teams first appear (oldest first).
    received_split: dict[int, dict[str | None, int]] = {}
    given_split: dict[int, dict[str | None, int]] = {}
    wanted = team.casefold() if team is not None else None
    # A team written in two letter cases (`East`, `EAST`: an edit of the file, or two
    # spellings at once) is one team, named as the org file first writes it, not a move;
    # one gone from the file since, as the period's oldest kudos write it (as the roll).
    spelled = dict(team_spellings(org))

    def team_of(stored: str | None) -> str | None:
        return spelled.setdefault(stored.casefold(), stored) if stored else stored

    for row in rows:
        recipient_team, giver_team = team_of(row.recipient_team), team_of(row.giver_team)
        people[row.recipient_id] = row.recipient
        people[row.giver_id] = row.giver
        # A team's board counts the kudos its people got and gave while in it (the teams
        # stored with each kudos): someone who moved keeps their old team's past.
        if (past or row.recipient.active) and (
                wanted is None or (recipient_team or "").casefold() == wanted):
            received[row.recipient_id] += 1
            received_team[row.recipient_id] = recipient_team
            split = received_split.setdefault(row.recipient_id, {})
            split[recipient_team] = split.get(recipient_team, 0) + 1
        if (past or row.giver.active) and (
                wanted is None or (giver_team or "").casefold() == wanted):
            given[row.giver_id] += 1
            given_team[row.giver_id] = giver_team
            split = given_split.setdefault(row.giver_id, {})
            split[giver_team] = split.get(giver_team, 0) + 1
    # One 王伟 on the board while another works here too: which one it is, by key. (One
    # query for the names on the board, not the whole org.)
    shared = shared_names(session, {people[pid].display_name for pid in received | given})
    top = ranking(received, people, size, shared, received_team, received_split)
    generous = ranking(given, people, size, shared, given_team, given_split)
    return Board(period, start.astimezone(org.tz) if start else None, top, generous,
                 (end.astimezone(org.tz).date() - timedelta(days=1)) if past else None,
                 tied_beyond(received, top), tied_beyond(given, generous), len(rows),
                 dict((rows[-1].value_labels or {}).get(value) or {})
                 if value is not None and rows else {})


def mine(ctx: Context) -> None:
    """/kudos me: what I received and gave, newest first, with reasons."""
    person = ctx.person
    assert person is not None
    # The totals and the newest kudos read at one moment (see one_moment): "Received: 2"
    # above three kudos was a kudos given between the two. Replied through ctx.
    with one_moment(ctx) as seen:
        repo = KudosRepo(seen.session)
        got_total, got = repo.received_by(person)
        gave_total, gave = repo.given_by(person)
        keyed = _namesakes(seen.session, [*(k.giver for k in got), *(k.recipient for k in gave)])
    # Each kudos dated by the reader's calendar, not UTC's: a Shanghai morning's kudos had
    # read as given the day before.
    tz = ZoneInfo(person.timezone)
    days = {k.id: k.given_at.astimezone(tz).date() for k in [*got, *gave]}
    # Each kudos' values as it was given them, not as the org file names them today.
    labels = {k.id: {v: kudos_label(ctx.org, k, v, ctx.locale) for v in k.values or []}
              for k in [*got, *gave]}
    ctx.reply("kudos_me", received_total=got_total, received=got, given_total=gave_total,
              given=gave, labels=labels,
              keyed=keyed, days=days)


def export_rows(rows: list[Kudos], tz: ZoneInfo, org: Org) -> list[dict[str, object]]:
    """Kudos as plain records for export (times in the org's timezone, ISO 8601; teams
    as they were when each was given; `value_labels`: each value's labels per language as
    given, keyed by value, or the org file's today for one stored without them, none for
    a value it no longer has either)."""
    today = org_labels(org)
    return [{
        "given_at": row.given_at.astimezone(tz).isoformat(),
        "giver": row.giver.key, "giver_name": row.giver.display_name,
        "giver_team": row.giver_team or "",
        "recipient": row.recipient.key, "recipient_name": row.recipient.display_name,
        "recipient_team": row.recipient_team or "",
        "reason": row.reason, "values": list(row.values or []), "platform": row.platform,
        "source": f"{row.chat_id}/{row.message_id}" if row.message_id else (row.chat_id or ""),
        "value_labels": {key: dict((row.value_labels or {}).get(key) or today.get(key) or {})
                         for key in row.values or []},
    } for row in rows]
