"""The context a handler works with: repositories, renderer, clock, settings, and replies.

Every message a handler produces is rendered from a template in the recipient's
locale and escaped for the recipient's platform, then recorded in the outbox in
the same transaction as the handler's other changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.events import (
    ASKS_KEY,
    FALLBACK_KEY,
    GAVE_UP,
    REJECTED,
    CauseMessage,
    Choice,
    InboundEvent,
    OutboundMessage,
    Target,
    fallback_payload,
)
from bot.org import Org
from bot.readers import AGAIN_KEY, READERS_KEY
from bot.render import Renderer
from storage import same_moment
from storage.away import AwayRepo
from storage.db import IN_BATCH, READS_ONLY
from storage.models import Person
from storage.repositories import CheckinRepo, ConversationRepo, EventRepo, OutboxRepo, PeopleRepo

#: A message to send instead should one fail for good, with its wording (and, where it
#: differs, its target) for the causes (bot.events.GAVE_UP, REJECTED) other than the
#: recipient's refusal.
Fallback = tuple[Target, OutboundMessage, Mapping[str, CauseMessage]]


class Addressbook(Protocol):
    """How to reach people on the platforms that are running."""

    def dm_target(self, person: Person) -> Target | None:
        """Where a DM to this person goes, or None if no running platform knows them."""
        ...

    def markup(self, platform: str) -> str:
        """The template markup of a platform."""
        ...

    def supports_ephemeral(self, platform: str) -> bool:
        """Whether a platform can show a private note inside a shared channel."""
        ...


#: The replies to a pressed button that say it did nothing: its message is not then marked
#: with the choice ("→ 12,500 USD" under a button whose press saved nothing).
PRESS_REFUSALS = frozenset({"button_stale", "button_last_week", "confirm_button_replaced",
                            "pulse_button_stale",
                            "pulse_closed"})

#: The longest a platform keeps a message for a bot that is not reading (Telegram holds
#: updates for 24 hours; Slack retries an event for minutes), with an hour to spare.
PLATFORM_HOLDS = timedelta(hours=25)


@dataclass
class Context:
    """One unit of work: a session and everything a handler may use."""

    session: Session
    renderer: Renderer
    clock: Clock
    settings: Settings
    org: Org
    addressbook: Addressbook
    event: InboundEvent | None = None
    person: Person | None = None
    sent: list[OutboundMessage] = field(default_factory=list)
    #: Set by a handler that queued a round request, so the core carries it out at once.
    round_requested: bool = False
    #: The group was told "I've answered you in a private message" for this event: once is
    #: enough however many answers went (a director's '/monthly answers' got two).
    told_in_group: bool = False
    #: Set by the pulse poll when this event answered it (or asked its question): the core
    #: then leaves it out of the handler metrics, which would say when someone answered.
    anonymous: bool = False
    #: Set when this event was a pressed button that did nothing (a stale button, one of
    #: an earlier confirmation): the adapter then leaves its message as it was, rather
    #: than marking the pressed choice as taken (see TeamPulse.pressed_label).
    press_refused: bool = False
    #: A second connection reading the same moment as `session` (one_moment's `beside`):
    #: the summary reads on both at once. None: read on `session` alone.
    beside: Connection | None = None

    @property
    def people(self) -> PeopleRepo:
        """People repository."""
        return PeopleRepo(self.session)

    @property
    def away(self) -> AwayRepo:
        """Away-periods repository."""
        return AwayRepo(self.session)

    @property
    def checkins(self) -> CheckinRepo:
        """Check-in repository."""
        return CheckinRepo(self.session)

    @property
    def conversations(self) -> ConversationRepo:
        """Conversation-state repository."""
        return ConversationRepo(self.session)

    @property
    def outbox(self) -> OutboxRepo:
        """Outbox repository (what a handler answering an event records is a reply)."""
        return OutboxRepo(self.session, replies=self.event is not None)

    @property
    def events(self) -> EventRepo:
        """Processed-events repository."""
        return EventRepo(self.session)

    @property
    def locale(self) -> str:
        """The sender's locale (an unknown sender gets the platform's hint, else English)."""
        if self.person is not None:
            return self.person.locale
        hint = (self.event.locale_hint or "") if self.event else ""
        return "zh-CN" if hint.lower().startswith("zh") else "en"

    def sent_at(self) -> datetime:
        """When the person sent what is being handled: the platform's time of the message
        (InboundEvent.sent_at), else now. A time ahead of the bot's clock is now; one older
        than PLATFORM_HOLDS is no platform's (a clock wrong somewhere) and is now too."""
        now = self.clock.now()
        sent = self.event.sent_at if self.event is not None else None
        if sent is None or sent > now or now - sent > PLATFORM_HOLDS:
            return now
        return sent

    def org_today(self) -> date:
        """Today in the org's timezone (its months, fiscal quarters and CRM days)."""
        return self.clock.now().astimezone(self.org.tz).date()

    def render(self, name: str, /, *, locale: str | None = None, platform: str | None = None,
               **params: Any) -> str:
        """Render a message for the sender (or the given locale/platform)."""
        plat = platform or (self.event.platform if self.event else "console")
        return self.renderer.message(locale or self.locale, name,
                                     self.addressbook.markup(plat), **params)

    def reply(self, name: str, /, *, private: bool = True, choices: Sequence[Choice] = (),
              if_undeliverable: str | None = None, readers: str | None = None,
              asks: str | None = None, resend: str | None = None, scrub: bool = False,
              dedupe_key: str | None = None, **params: Any) -> bool:
        """Answer the event where it came from; False if it is a repeat (`dedupe_key`).

        A private answer to something said in a group goes where only the sender
        sees it: an ephemeral note where the platform has one, else a DM plus a
        short note in the group that the answer went there. With `if_undeliverable`
        (a message name), the group hears nothing unless the DM fails for good
        (a Telegram user who never started the bot), and then only that message.
        `readers` (bot.readers) marks what only some may read: withdrawn unsent should an
        edit of the org file take the reader's right away; `resend` (bot.readers.AGAIN_KEY)
        what is sent in its place then. `asks`: as tell()'s, for a question asked in
        reply in a direct chat. `scrub`: as tell()'s. `dedupe_key`: sent once per key (a
        stranger told once a day who to ask: handlers.help.unknown_person).
        """
        if self.event is not None and self.event.action and name in PRESS_REFUSALS:
            self.press_refused = True
        fallback = self.render(if_undeliverable) if if_undeliverable else None
        return self.reply_text(self.render(name, **params), private=private, choices=choices,
                               if_undeliverable=fallback, readers=readers, asks=asks,
                               resend=resend, scrub=scrub, dedupe_key=dedupe_key)

    def reply_text(self, text: str, *, private: bool = True, choices: Sequence[Choice] = (),
                   if_undeliverable: str | None = None, readers: str | None = None,
                   asks: str | None = None, resend: str | None = None,
                   scrub: bool = False, dedupe_key: str | None = None) -> bool:
        """Like reply(), for text already rendered for the event's platform."""
        event = self._need_event()
        message = OutboundMessage(text, tuple(choices), anonymous=scrub)
        kind = "thread" if event.thread_id else "channel"
        # user_ref names who asked: Slack posts through their command where the bot is
        # not a member of the channel.
        in_group = Target(event.platform, kind, event.chat_id, event.thread_id,
                          user_ref=event.user_id)
        if event.is_direct:
            return self._enqueue(Target(event.platform, "dm", event.user_id), message,
                                 dedupe_key, readers=readers, asks=asks, resend=resend)
        if not private:
            return self._enqueue(in_group, message, dedupe_key)
        if self.addressbook.supports_ephemeral(event.platform):
            return self._enqueue(_seen_by_sender(event), message, dedupe_key, readers=readers,
                                 resend=resend)
        if if_undeliverable is not None:
            return self._enqueue(Target(event.platform, "dm", event.user_id), message,
                                 dedupe_key,
                                 fallback=(in_group, OutboundMessage(if_undeliverable)),
                                 readers=readers, resend=resend)
        first = not self.told_in_group
        if not self._enqueue(Target(event.platform, "dm", event.user_id), message, dedupe_key,
                             readers=readers, resend=resend,
                             fallback=self._private_failed(in_group) if first else None):
            return False  # a repeat: nothing to tell the group of either
        if first:
            self.told_in_group = True
            self._enqueue(in_group, OutboundMessage(self.render("answered_in_private")))
        return True

    def _private_failed(self, in_group: Target) -> Fallback:
        """What the group hears should the private answer it was told of fail for good:
        else its "I've answered you in a private message" would be all they had, and
        untrue. Worded for why: a Telegram user who blocked the bot or never pressed
        Start is told to; Telegram failing for the outbox's whole retry window (hours)
        or refusing it otherwise is not blamed on them: "ask again" is all they can do.
        Said even hours late (decided; docs/telegram.md, *Groups and privacy mode*): the
        group was told the answer went, and without a word they would go on looking for it
        (or believe they had blocked the bot)."""
        return (in_group, OutboundMessage(self.render("private_answer_failed")), {
            GAVE_UP: OutboundMessage(self.render("private_answer_gave_up")),
            REJECTED: OutboundMessage(self.render("private_answer_rejected"))})

    def reply_image(self, image: bytes, filename: str, caption: str, *,
                    readers: str | None = None) -> None:
        """Send an image (a chart) privately: to the sender's DM, a group told it went there."""
        event = self._need_event()
        kind = "thread" if event.thread_id else "channel"
        in_group = Target(event.platform, kind, event.chat_id, event.thread_id)
        noted = self.seen_by_others
        dm = Target(event.platform, "dm", event.user_id)
        fallback = (self._private_failed(in_group) if noted
                    else self.private_note_fallback("chart_not_sent"))
        self._enqueue(dm, OutboundMessage(caption, image=image, image_name=filename),
                      readers=readers, fallback=fallback)
        if event.is_direct:
            return
        note = OutboundMessage(self.render("answered_in_private"))
        self._enqueue(in_group if noted else _seen_by_sender(event), note)

    @property
    def seen_by_others(self) -> bool:
        """Whether what the sender just typed was read by others too: typed in a group on
        a platform where everyone there reads a command (Telegram, the console's group),
        not in a DM nor as a Slack command in a channel (seen by whoever typed it alone)."""
        event = self.event
        return event is not None and not event.is_direct \
            and not self.addressbook.supports_ephemeral(event.platform)

    def private_note_fallback(self, name: str) -> Fallback | None:
        """What the sender hears should a DM that a note only they saw (Slack's
        ephemeral: `/summary chart`, `/checkin`, `/pulse` in a channel) said was on its
        way never get there: else they would look for it there in vain. Message `name`,
        given `service` and `cause`: said at once, where they asked, for a DM the
        platform refused (a workspace that allows no file uploads, a person the bot may
        not see); after hours of the platform failing, in the DM instead, as a note seen
        only by the sender is shown only while they are online and the DM is where they
        were sent to look.

        None where there was no such note: a direct chat, or a platform without notes
        seen by one person, whose note in the group is a message with a fallback of its
        own (reply_text's, reply_image's)."""
        event = self.event
        if (event is None or event.is_direct
                or not self.addressbook.supports_ephemeral(event.platform)):
            return None
        dm = Target(event.platform, "dm", event.user_id)

        def worded(cause: str) -> OutboundMessage:
            return OutboundMessage(self.render(name, service=event.platform, cause=cause))
        return _seen_by_sender(event), worded(REJECTED), {GAVE_UP: (dm, worded(GAVE_UP))}

    def tell(self, person: Person, name: str, /, *, choices: Sequence[Choice] = (),
             dedupe_key: str | None = None, expires_at: datetime | None = None,
             readers: str | None = None, asks: str | None = None, resend: str | None = None,
             fallback: Fallback | None = None, scrub: bool = False, **params: Any) -> bool:
        """DM a person in their own locale; False if they cannot be reached or it is a repeat.

        When the person is the one who just wrote to us, the DM goes back on that
        platform; otherwise on the first running platform that knows them. With
        `expires_at`, a time-bound message: not sent at all if it is still waiting then
        (see OutboxRepo.enqueue). `asks`: what a question without a dedupe key asks, by
        which it is withdrawn unsent (bot.events.ASKS_KEY). `fallback`: sent instead should
        the platform give it up for good (private_note_fallback). `scrub`: a DM of an
        anonymous survey (bot.events.SCRUB_KEY): blanked once delivered, in no metric,
        logged per message at DEBUG only, so that neither says when someone answered.
        """
        target = self.dm_target(person)
        if target is None:
            return False
        text = self.renderer.message(person.locale, name, self.addressbook.markup(
            target.platform), **params)
        return self._enqueue(target, OutboundMessage(text, tuple(choices), anonymous=scrub),
                             dedupe_key, expires_at=expires_at, readers=readers, asks=asks,
                             resend=resend, fallback=fallback)

    def post(self, target: Target, text: str, *, dedupe_key: str | None = None,
             readers: str | None = None,
             fallback: tuple[Target, OutboundMessage] | Fallback | None = None) -> bool:
        """Send text already rendered for the target's platform; False if it is a repeat.
        `fallback` is sent instead should the platform give it up for good (worded for
        why, if it gives its wordings by cause)."""
        return self._enqueue(target, OutboundMessage(text), dedupe_key, fallback=fallback,
                             readers=readers)

    def dm_target(self, person: Person) -> Target | None:
        """Where a DM to this person goes now."""
        if self.event is not None and self.person is not None and self.person.id == person.id:
            return Target(self.event.platform, "dm", self.event.user_id)
        return self.addressbook.dm_target(person)

    def _enqueue(self, target: Target, message: OutboundMessage,
                 dedupe_key: str | None = None,
                 fallback: tuple[Target, OutboundMessage] | Fallback | None = None,
                 expires_at: datetime | None = None, readers: str | None = None,
                 asks: str | None = None, resend: str | None = None) -> bool:
        payload = message.to_payload()
        if fallback is not None:
            # Sent by the outbox instead, should this message fail for good.
            payload[FALLBACK_KEY] = fallback_payload(*fallback)
        if readers is not None:
            payload[READERS_KEY] = readers
            if resend is not None:
                payload[AGAIN_KEY] = resend
        if asks is not None:
            payload[ASKS_KEY] = asks
        if dedupe_key is None:  # nothing to check: it goes in (with a batch's others)
            self.outbox.add(
                platform=target.platform, target_kind=target.kind, address=target.address,
                thread_id=target.thread_id, user_ref=target.user_ref, payload=payload,
                now=self.clock.now(), expires_at=expires_at)
            self.sent.append(message)
            return True
        row = self.outbox.enqueue(
            platform=target.platform, target_kind=target.kind, address=target.address,
            thread_id=target.thread_id, user_ref=target.user_ref,
            payload=payload, now=self.clock.now(), dedupe_key=dedupe_key,
            expires_at=expires_at)
        if row is not None:
            self.sent.append(message)
        return row is not None

    def _need_event(self) -> InboundEvent:
        if self.event is None:
            raise RuntimeError("reply() needs an inbound event")
        return self.event


def _seen_by_sender(event: InboundEvent) -> Target:
    """A note only the event's sender sees, where they wrote (Slack's ephemeral message;
    through their command's reply address where the bot is not in the channel)."""
    return Target(event.platform, "ephemeral", event.chat_id, event.thread_id,
                  user_ref=event.user_id)


@contextmanager
def one_moment(ctx: Context, beside: bool = False) -> Iterator[Context]:
    """`ctx` for a view read in many statements (a summary: two dozen), every one of them
    seeing the database as it was at one moment, in a read-only transaction of its own.

    On PostgreSQL, REPEATABLE READ: in the unit's READ COMMITTED each statement saw
    whatever had committed before it, so a check-in submitted while the GM's summary was
    being read counted in the headline's revenue and not in its check-ins. On SQLite a
    plain BEGIN, one snapshot (WAL) without the write lock the units take: the CLI's
    summary no longer holds up the bot's answers while it reads (a chat unit that has
    written already holds the lock anyway; an in-memory database, one connection, reads
    in `ctx` itself). A summary asked in a batch of events (a burst) reads in `ctx`, so
    that it sees the answers of the events before it. Whatever the view replies goes
    through `ctx`.

    `beside`: also a second connection reading the same moment, as the context's
    `beside`, where one can be had (storage/same_moment.py; else None there).
    """
    bind = ctx.session.get_bind()
    url = bind.engine.url
    if ctx.session.info.get(IN_BATCH) or (
            url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")):
        # In a burst of messages handled in one transaction, the answers typed before
        # the summary are not committed yet: it reads in that transaction to see them.
        yield ctx
        return
    options: dict[str, Any] = {READS_ONLY: True}
    if url.get_backend_name() == "postgresql":
        options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    # (expire_on_commit off: what the view read stays readable once it is closed.)
    with bind.engine.connect().execution_options(**options) as conn, \
            Session(bind=conn, expire_on_commit=False) as session, session.begin():
        if not beside:
            yield replace(ctx, session=session)
            return
        with same_moment.beside(bind.engine, session.connection(), options) as other:
            yield replace(ctx, session=session, beside=other)
