"""The one inbound event type and the outbound message shapes shared by every adapter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ChatType = Literal["direct", "group"]
TargetKind = Literal["dm", "channel", "thread", "ephemeral"]


@dataclass(frozen=True)
class Mention:
    """Someone a message names, as the platform identified them (not yet a person of the org).

    `platform_user_id` is the platform's id when it gave one (Slack `U…`, a Telegram
    text mention's user id), `username` the handle typed after `@` when that is all
    there is, and `display` the exact text standing for the mention in the event's
    `text`, so a handler can take it out of the reason. `is_bot` marks this bot itself.
    """

    platform_user_id: str | None = None
    username: str | None = None
    display: str = ""
    is_bot: bool = False


@dataclass(frozen=True)
class InboundEvent:
    """Something a person did in chat, normalised by an adapter.

    `text` holds what they typed (a command too, such as '/summary last 4w');
    `action` holds the value of a pressed button. `event_id` is the platform's
    delivery id, used to process a redelivered event only once. `mentions` are the
    people the message names, in order; `reply_to_user_id` is the platform id of the
    author of the message this one replies to (Telegram replies).
    """

    platform: str
    user_id: str
    chat_id: str
    chat_type: ChatType = "direct"
    text: str = ""
    action: str | None = None
    username: str | None = None
    display_name: str | None = None
    event_id: str | None = None
    message_id: str | None = None
    thread_id: str | None = None
    locale_hint: str | None = None
    mentions: tuple[Mention, ...] = ()
    reply_to_user_id: str | None = None
    reply_to_username: str | None = None
    #: The replied-to author's name as the platform shows it ('Zhang San'): what a refusal
    #: calls someone not in the org file who has no username.
    reply_to_name: str | None = None
    #: The message replies to a bot's (this one's too): its author names nobody, and
    #: "/kudos for …" said so is answered that kudos are for people, not the usage.
    reply_to_bot: bool = False
    #: Links to chat channels in `text`, as they read there (`#general`): a channel, not a
    #: `#value` tag of a kudos (Slack turns `<#C…|general>` into `#general`).
    channel_links: tuple[str, ...] = ()
    #: Set when the person edited an earlier message (`message_id`, `text` its new text):
    #: the seconds between sending it and this edit, by the platform's clock. None: not
    #: an edit.
    edited_after: float | None = None
    #: Set when the message `message_id` was deleted (Slack's message_deleted; Telegram
    #: tells a bot of no deletion): `user_id` is its author, `text` empty.
    deleted: bool = False
    #: Set when the message was forwarded (Telegram's forward_origin): someone's words
    #: passed on, which are no command and no kudos of the person who passed them on.
    forwarded: bool = False
    #: The inline bot a message was sent through (Telegram's via_bot: '@calcbot 50000+2000'
    #: picked from its results), by username: a bot wrote those words, not the person, so
    #: they are no answer, command or kudos.
    via_bot: str | None = None
    #: In private: when the message this one replies to was sent, by the platform's clock
    #: (a Telegram reply, a Slack reply in its thread), the bot's or the person's own. A
    #: reply to a message sent before the question waiting was asked is no answer to it
    #: (a fix of an earlier answer). None: not such a reply.
    reply_to_sent_at: datetime | None = None
    #: The message replied to is the person's own (with reply_to_sent_at).
    reply_to_own: bool = False
    #: Set when the message was sent in a chat's name, not from a person's account (an
    #: anonymous group admin, someone posting as a channel): `user_id` is that chat's id.
    as_chat: bool = False
    #: Set when `text` is the caption of a photo (a video, a file) rather than a message's
    #: text (Telegram, with `with_files`): in private while a question waits, read as its
    #: answer as Slack's file words are; otherwise as kudos only, as a text message's
    #: would be. No other command is carried out for a caption.
    captioned: bool = False
    #: Set when files came with the message's words (Slack's file_share, a Telegram
    #: caption's photo): the words are read as any message's; the files are not kept, and
    #: a person mid-dialog is told so.
    with_files: bool = False
    #: When the platform says the message was sent (Slack's `ts`, Telegram's `date`; an
    #: edit's time for an edit), UTC: what a check-in's submission and a kudos are dated
    #: by (Context.sent_at), so a message read late — Telegram holds updates while the bot
    #: is down, Slack retries an event for minutes — counts when it was sent. None where
    #: the platform gives no such time (a pressed Telegram button, the console).
    sent_at: datetime | None = None

    @property
    def is_direct(self) -> bool:
        """True for a private chat with the bot."""
        return self.chat_type == "direct"


@dataclass(frozen=True)
class Choice:
    """A button: what it shows and the action value it sends back."""

    label: str
    value: str


@dataclass(frozen=True)
class Target:
    """Where a message goes: a person's DM, a channel, a thread, or an ephemeral note.

    `user_ref` is the person an ephemeral note is for; on a channel or thread post, the
    person whose message or command asked for it (Slack answers a slash command through
    its response_url in a channel the bot is not a member of).
    """

    platform: str
    kind: TargetKind
    address: str
    thread_id: str | None = None
    user_ref: str | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """What to show. `text` is already rendered and escaped for the target's markup.

    `choices` become buttons where the platform has them; the text itself always
    says how to answer by typing, so nothing depends on buttons.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    image: bytes | None = None
    image_name: str | None = None
    #: The outbox row being delivered (not stored in the payload): platforms that can tag
    #: a message with it find it again after a crash instead of sending it twice.
    outbox_id: int | None = None
    #: Not a new message: the platform's id of one the bot posted before (its outbox row's
    #: external_id), to show `text` instead, or with `deletes` to delete (a kudos shout-out
    #: whose kudos were taken back). Done twice, either does nothing more.
    replaces: str | None = None
    deletes: bool = False
    #: As `replaces`, by the outbox row that posted the bot's message rather than its
    #: platform id: every part of a long text it was split into goes (`text` shows in the
    #: first), and one still being sent is done once its send is recorded.
    replaces_row: int | None = None
    #: An anonymous poll's DM (its payload marked SCRUB_KEY): counted in no metric, and
    #: logged at DEBUG only, so that neither says when someone answered (bot.metrics).
    anonymous: bool = False

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready form for the outbox."""
        payload: dict[str, Any] = {"text": self.text}
        if self.anonymous:
            payload[SCRUB_KEY] = True
        if self.replaces is not None:
            payload[REPLACES_KEY] = self.replaces
            if self.deletes:
                payload["delete"] = True
        elif self.replaces_row is not None:
            payload[REPLACES_ROW_KEY] = self.replaces_row
            if self.deletes:
                payload["delete"] = True
        if self.choices:
            payload["choices"] = [{"label": c.label, "value": c.value} for c in self.choices]
        if self.image is not None:
            payload["image_hex"] = self.image.hex()
            payload["image_name"] = self.image_name or "image.png"
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any],
                     outbox_id: int | None = None) -> OutboundMessage:
        """Inverse of to_payload (`outbox_id`: the outbox row it is delivered from)."""
        image_hex = payload.get("image_hex")
        return cls(
            text=payload["text"],
            choices=tuple(Choice(c["label"], c["value"]) for c in payload.get("choices", [])),
            image=bytes.fromhex(image_hex) if image_hex else None,
            image_name=payload.get("image_name"),
            outbox_id=outbox_id,
            replaces=payload.get(REPLACES_KEY),
            deletes=bool(payload.get("delete")),
            replaces_row=payload.get(REPLACES_ROW_KEY),
            anonymous=bool(payload.get(SCRUB_KEY)),
        )


@dataclass
class SendResult:
    """What the platform said about a sent message (its id, for later edits)."""

    external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


#: An outbox payload's message to send instead, should the message fail for good.
FALLBACK_KEY = "fallback"

#: An outbox payload that edits or deletes a message posted before (OutboundMessage.replaces).
REPLACES_KEY = "replaces"

#: An outbox payload that edits or deletes the message an outbox row posted (all its parts).
REPLACES_ROW_KEY = "replaces_row"

#: A sent outbox row's payload: the platform ids of the messages its delivery posted besides
#: its external_id (the earlier parts of a long text), for a later edit or deletion to reach.
PARTS_KEY = "parts"

#: Platforms whose messages the bot can edit in place (elsewhere an edit says it anew).
EDITS_IN_PLACE = frozenset({"slack", "telegram"})

#: The longest text (in UTF-16 code units, which are never fewer than characters) one message
#: takes on every platform that edits: an edit cannot split a text into parts.
ONE_MESSAGE = 4000


def fits_one_message(text: str) -> bool:
    """Whether `text` goes in one message (and so can replace one in place)."""
    return len(text.encode("utf-16-le")) // 2 <= ONE_MESSAGE


#: An outbox payload marked with this key keeps no text once delivered (anonymous polls).
SCRUB_KEY = "scrub_after_send"

#: The payload key naming what a question sent without a dedupe key asks ("checkin:<round
#: id>", "review:<invite id>", ...): the next question sent as the reply to an answer, or a
#: survey's first question sent with its invitation. Held up in the outbox, it is withdrawn
#: by that name (OutboxRepo.withdraw's `asks`) when what it asks is put aside, finished or
#: closed: without a key there was nothing else to find it by, and a key would cost every
#: answer a statement of its own (a keyed row is inserted at once, see OutboxRepo.add).
ASKS_KEY = "asks"

#: Beside ASKS_KEY, a name for the unit of work (one transaction: an event, or a batch of
#: them) that queued the question: a withdrawal on an answer's path leaves the questions
#: its own unit asked (in order, after the answers they followed) and takes earlier ones.
ASKED_IN_KEY = "asked_in"

#: A button whose action starts with this is an anonymous answer: once pressed, the
#: adapters show "answered" in its place, never the chosen label.
CONCEALED_PREFIX = "anon:"


def is_concealed(action: str | None) -> bool:
    """Whether a pressed button's choice must not be shown back in the chat."""
    return bool(action) and action.startswith(CONCEALED_PREFIX)  # type: ignore[union-attr]


def scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    """What stays of a delivered payload marked SCRUB_KEY: no text, no buttons."""
    return {"text": "", SCRUB_KEY: True} if payload.get(SCRUB_KEY) else payload


#: Why a message was given up, for the fallback standing in for it (fallback_of): the
#: recipient refused it (blocked the bot, never started a chat with it) ...
REFUSED = "refused"
#: ... the platform refused it for another reason (a request it will never take) ...
REJECTED = "rejected"
#: ... or it kept failing for a reason that might have passed (the network, a 5xx) for
#: the outbox's whole retry window (bot.outbox.RETRY_FOR, hours).
GAVE_UP = "gave_up"
#: A fallback's messages for the causes other than REFUSED, where they differ (its own
#: message is for REFUSED, and for any cause it names none for).
_BY_CAUSE = "message_if"
#: ... and where one of them goes, where that differs from the fallback's own target.
_TARGET_IF = "target_if"

#: A fallback's message for one cause: worded for it, or worded and sent elsewhere.
CauseMessage = OutboundMessage | tuple[Target, OutboundMessage]


def _target_payload(target: Target) -> dict[str, Any]:
    return {"platform": target.platform, "kind": target.kind, "address": target.address,
            "thread_id": target.thread_id, "user_ref": target.user_ref}


def fallback_payload(target: Target, message: OutboundMessage,
                     by_cause: Mapping[str, CauseMessage] | None = None) -> dict[str, Any]:
    """A fallback's JSON form, kept in the payload of the message it stands in for:
    `message` to `target`, or the one `by_cause` gives for why it was given up (REJECTED,
    GAVE_UP), to the target it names with it, if any."""
    raw: dict[str, Any] = {**_target_payload(target), "message": message.to_payload()}
    if by_cause:
        raw[_BY_CAUSE] = {cause: (m[1] if isinstance(m, tuple) else m).to_payload()
                          for cause, m in by_cause.items()}
        elsewhere = {cause: _target_payload(m[0]) for cause, m in by_cause.items()
                     if isinstance(m, tuple)}
        if elsewhere:
            raw[_TARGET_IF] = elsewhere
    return raw


def fallback_of(platform: str, payload: dict[str, Any],
                cause: str = REFUSED) -> tuple[Target, OutboundMessage] | None:
    """The fallback recorded in an outbox payload by fallback_payload(), if any, worded
    (and addressed) for `cause`: on the message's own platform unless it names another
    (a GM told on Telegram of a Slack post)."""
    raw = payload.get(FALLBACK_KEY)
    if not isinstance(raw, dict):
        return None
    message = (raw.get(_BY_CAUSE) or {}).get(cause) or raw["message"]
    where = (raw.get(_TARGET_IF) or {}).get(cause) or raw
    return (Target(where.get("platform") or platform, where["kind"], where["address"],
                   where.get("thread_id"), where.get("user_ref")),
            OutboundMessage.from_payload(message))
