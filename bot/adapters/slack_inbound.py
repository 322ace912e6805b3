"""Slack payloads → the core's InboundEvent. Pure translation: no I/O, no decisions.

Each function returns None for a payload the core must never see (a bot's own
message, a change that is nobody's edit) and raises
KeyError/TypeError/ValueError for a shape it does not understand; the adapter logs
those and acknowledges them anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.adapters.slack_blocks import ACTION_ID_PATTERN, ACTION_ID_PREFIX
from bot.events import ChatType, InboundEvent, Mention

PLATFORM = "slack"

# Message subtypes that are a person saying something; every other subtype
# (message_changed, message_deleted, bot_message, channel_join, ...) is not.
_PERSON_SUBTYPES = frozenset({None, "file_share", "me_message", "thread_broadcast"})


def _by_an_app(message: Mapping[str, Any]) -> bool:
    """Whether an app posted this message, a bot or a workflow, also one posted under a
    person's user id (a workflow's "send as the user" step, an app with their user
    token): Slack marks those with the app's `app_id` or `bot_profile`, and a bot's with
    `bot_id`, which such a post may lack. None of them is what the person typed: not an
    answer to their check-in, nor kudos from them."""
    return bool(message.get("bot_id") or message.get("app_id") or message.get("bot_profile"))


_SPECIAL = re.compile(r"<([^<>]*)>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")
_CHANNEL_LINK = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")


def channel_links_in(text: str) -> tuple[str, ...]:
    """Links to channels (`<#C…|general>`), as slack_to_plain writes them (`#general`)."""
    return tuple("#" + (m.group(2) or m.group(1)) for m in _CHANNEL_LINK.finditer(text))


def mentions_in(text: str, names: Mapping[str, str] | None = None,
                bot_user_id: str | None = None) -> tuple[Mention, ...]:
    """The people a message mentions (`<@U…>` or `<@U…|name>`), in order.

    Each mention's `display` is what slack_to_plain turns it into, so the core can
    find it in the plain text; the bot itself is marked rather than dropped.
    """
    names = names or {}
    return tuple(
        Mention(platform_user_id=m.group(1), username=m.group(2) or None,
                display="@" + (names.get(m.group(1)) or m.group(2) or m.group(1)),
                is_bot=bool(bot_user_id) and m.group(1) == bot_user_id)
        for m in _USER_MENTION.finditer(text))


def slack_to_plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """What a person typed, as plain text: Slack's markup resolved, `&amp; &lt; &gt;` undone.

    Slack encodes links, mentions and the characters & < > in message text; the core
    stores plain text and the renderer escapes it again for whatever platform shows it.
    `names` maps Slack user ids to display names for readable mentions.
    """
    names = names or {}

    def resolve(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user = target[1:]
            return "@" + (names.get(user) or label or user)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            if label:  # <!subteam^S1|@sales>, <!date^...|fallback>
                return label
            kind, _, ref = target[1:].partition("^")
            if kind == "subteam" and ref:
                # A user group without its handle: its id, which names that group, not
                # '@subteam', which read as the handle of a group called 'subteam'.
                return "@" + ref
            return "@" + kind
        if label and label != target and not target.endswith(label):
            return f"{label} ({target})"
        return target.removeprefix("mailto:") if target.startswith("mailto:") else target

    resolved = _SPECIAL.sub(resolve, text)
    return resolved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def chat_type_of(channel: str, channel_type: str | None = None) -> ChatType:
    """'direct' for a DM (channel type 'im', or an id starting with D), else 'group'."""
    if channel_type is not None:
        return "direct" if channel_type == "im" else "group"
    return "direct" if channel.startswith("D") else "group"


def _event_id(body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    # The Events API id is the same on every retry; the fallback is stable as well.
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        return event_id
    return f"msg:{event['channel']}:{event['ts']}"


def sent_at(ts: Any) -> datetime | None:
    """A Slack `ts` ('1764543000.000200', seconds since the epoch by Slack's clock) as the
    time it names; None for anything else."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def message_event(body: Mapping[str, Any], names: Mapping[str, str] | None = None,
                  bot_user_id: str | None = None) -> InboundEvent | None:
    """A `message` event (a DM, or channel chatter) → InboundEvent, also a person's edit or a
    deletion; None for bots and anything else."""
    event = body["event"]
    if event.get("subtype") == "message_changed":
        return _edit_event(body, event, names, bot_user_id)
    if event.get("subtype") == "message_deleted":
        return _delete_event(body, event)
    if _by_an_app(event) or event.get("hidden") or event.get("subtype") not in _PERSON_SUBTYPES:
        return None
    user = event["user"]
    if not isinstance(user, str) or (bot_user_id and user == bot_user_id):
        return None
    channel = event["channel"]
    chat_type = chat_type_of(channel, event.get("channel_type"))
    raw = str(event.get("text") or "")
    thread = event.get("thread_ts")
    # A reply in a thread in a DM (Slack offers "Reply in thread" under every question, and
    # under the person's own answers): when its first message was sent, the thread's ts.
    replying = chat_type == "direct" and bool(thread) and thread != event.get("ts")
    return InboundEvent(
        platform=PLATFORM, user_id=user, chat_id=channel, chat_type=chat_type,
        text=slack_to_plain(raw, names).strip(),
        event_id=_event_id(body, event), message_id=event.get("ts"),
        thread_id=thread if chat_type == "group" else None,
        mentions=mentions_in(raw, names, bot_user_id), channel_links=channel_links_in(raw),
        sent_at=sent_at(event.get("ts")),
        reply_to_sent_at=sent_at(thread) if replying else None,
        reply_to_own=replying and event.get("parent_user_id") == user,
        with_files=bool(event.get("files")))


def _edit_event(body: Mapping[str, Any], event: Mapping[str, Any],
                names: Mapping[str, str] | None, bot_user_id: str | None
                ) -> InboundEvent | None:
    """A person's edit of their message (`message_changed` with `edited`): the message's
    new text under its own ts. Slack also changes a message when it unfurls a link or a
    bot updates its own post; those carry no `edited` and are nobody's edit."""
    message = event.get("message") or {}
    previous = event.get("previous_message")
    if message.get("subtype") == "tombstone":
        # A message with replies in its thread (a kudos message has the bot's shout-out
        # there) is not deleted but left as "This message was deleted." by Slackbot: Slack
        # sends this change, not message_deleted, and the channel no longer shows it.
        return _deleted(body, event, message.get("ts"),
                        previous if isinstance(previous, dict) else message)
    if isinstance(previous, dict) and previous.get("text") == message.get("text"):
        return None  # a reply in its thread, a reaction count: the text is as it was
    edited = message.get("edited")
    user = message.get("user")
    if not isinstance(edited, dict) or _by_an_app(message) or not isinstance(user, str) \
            or (bot_user_id and user == bot_user_id) \
            or message.get("subtype") not in _PERSON_SUBTYPES:
        return None
    channel = event["channel"]
    chat_type = chat_type_of(channel, event.get("channel_type"))
    raw = str(message.get("text") or "")
    ts = str(message["ts"])
    return InboundEvent(
        platform=PLATFORM, user_id=user, chat_id=channel, chat_type=chat_type,
        text=slack_to_plain(raw, names).strip(),
        event_id=_event_id(body, event), message_id=ts,
        thread_id=message.get("thread_ts") if chat_type == "group" else None,
        mentions=mentions_in(raw, names, bot_user_id), channel_links=channel_links_in(raw),
        edited_after=max(0.0, float(edited.get("ts") or event["ts"]) - float(ts)),
        sent_at=sent_at(edited.get("ts") or event["ts"]))


def _delete_event(body: Mapping[str, Any], event: Mapping[str, Any]) -> InboundEvent | None:
    """A deleted message (`message_deleted`): its ts and author, for the kudos it gave. Who
    deleted it (the author or an admin) Slack does not say, nor need it: the channel no
    longer shows it either way."""
    previous = event.get("previous_message") or {}
    return _deleted(body, event, event.get("deleted_ts") or previous.get("ts"), previous)


def _deleted(body: Mapping[str, Any], event: Mapping[str, Any], ts: Any,
             previous: Mapping[str, Any]) -> InboundEvent | None:
    """The message `ts` (whose last shown form is `previous`) no longer in the channel."""
    user = previous.get("user")
    if not ts or _by_an_app(previous) or not isinstance(user, str):
        return None
    channel = str(event["channel"])
    return InboundEvent(
        platform=PLATFORM, user_id=user, chat_id=channel,
        chat_type=chat_type_of(channel, event.get("channel_type")),
        event_id=_event_id(body, event), message_id=str(ts), deleted=True)


def mention_event(body: Mapping[str, Any], bot_user_id: str | None,
                  names: Mapping[str, str] | None = None) -> InboundEvent | None:
    """An `app_mention` → a command in the channel: '@teampulse summary last 4w' → '/summary …'.

    A bare mention asks for help. Mentions in a DM are left to the DM's message event,
    which Slack sends as well, so nothing is answered twice. An edited message that
    mentions the bot comes again as app_mention, with `edited`: its command was carried
    out the first time (an edit is never read, as in a DM).
    """
    event = body["event"]
    if _by_an_app(event) or event.get("edited") \
            or event.get("subtype") not in _PERSON_SUBTYPES:
        return None
    user, channel = event["user"], event["channel"]
    if not isinstance(user, str) or channel.startswith("D") or user == bot_user_id:
        return None
    raw = str(event.get("text") or "")
    mention = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>" if bot_user_id
                         else r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
    before, found, after = _split_once(mention, raw)
    rest = after if found and after.strip() else before + after
    words = slack_to_plain(rest, names).strip()
    text = "/help" if not words else (words if words.startswith("/") else "/" + words)
    return InboundEvent(
        platform=PLATFORM, user_id=user, chat_id=channel, chat_type="group", text=text,
        event_id=_event_id(body, event), message_id=event.get("ts"),
        thread_id=event.get("thread_ts"), mentions=mentions_in(rest, names, bot_user_id),
        channel_links=channel_links_in(rest), sent_at=sent_at(event.get("ts")))


def _split_once(pattern: re.Pattern[str], text: str) -> tuple[str, bool, str]:
    match = pattern.search(text)
    if match is None:
        return text, False, ""
    return text[:match.start()], True, text[match.end():]


def command_event(command: Mapping[str, Any], known: frozenset[str] | set[str],
                  names: Mapping[str, str] | None = None,
                  bot_user_id: str | None = None) -> InboundEvent:
    """A slash command → the text the core parses.

    A command the core knows (`/summary last 4w`) passes through; any other name is
    the universal command (`/teampulse summary last 4w`), whose first word is the
    subcommand. Renaming `/teampulse` in the manifest therefore needs no code change.
    """
    name = str(command["command"]).lstrip("/").lower()
    raw = str(command.get("text") or "")
    args = slack_to_plain(raw, names).strip()
    if name in known:
        text = f"/{name} {args}".strip()
    elif not args:
        text = "/help"
    else:
        sub, _, rest = args.partition(" ")
        text = f"/{sub.lstrip('/')} {rest.strip()}".strip()
    channel = str(command["channel_id"])
    trigger = command.get("trigger_id")
    direct = channel.startswith("D") or command.get("channel_name") == "directmessage"
    return InboundEvent(
        platform=PLATFORM, user_id=str(command["user_id"]), chat_id=channel,
        chat_type="direct" if direct else "group", text=text,
        username=command.get("user_name"),
        # Slack does not retry slash commands; the trigger id still guards a double dispatch.
        event_id=f"command:{trigger_key(str(trigger))}" if trigger else None,
        # With `should_escape: true` (see slack-manifest.yaml) mentions arrive as <@U…|name>.
        mentions=mentions_in(raw, names, bot_user_id), channel_links=channel_links_in(raw))


def trigger_key(trigger: str) -> str:
    """What a slash command's trigger_id is recorded as (processed_events): a digest.

    The trigger_id opens a modal as that person while it lives; stored whole, anyone
    reading the table (a backup) held it. Its digest tells two deliveries apart as well."""
    return hashlib.sha256(trigger.encode()).hexdigest()[:32]


def command_id_now(event_id: str) -> str | None:
    """A slash command's id as recorded before trigger_key (`command:<its trigger_id>`,
    which holds dots; a digest is hex), in today's form; None when already in it."""
    trigger = event_id.removeprefix("command:")
    return f"command:{trigger_key(trigger)}" if "." in trigger else None


def action_event(body: Mapping[str, Any], action: Mapping[str, Any]) -> InboundEvent:
    """A pressed button (block_actions) → InboundEvent(action=<the button's value>)."""
    user = body["user"]
    container = body.get("container") or {}
    channel = container.get("channel_id") or body["channel"]["id"]
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    value = action["value"]
    if not isinstance(value, str):
        raise TypeError("button value is not a string")
    return InboundEvent(
        platform=PLATFORM, user_id=str(user["id"]), chat_id=channel,
        chat_type=chat_type_of(channel), action=value,
        username=user.get("username") or user.get("name"),
        event_id=f"action:{message_ts}:{action['action_ts']}",
        message_id=message_ts, thread_id=container.get("thread_ts"))


def _action_id(action_id: object) -> str:
    """A pressed button's action_id for a log line: one of ours without its number. The
    number is the button's place in its row, so for a pulse poll's scale the choice
    (`tp_choice_1`: morale 2), which no log line may show (README: *Your answers are
    anonymous*); another app's is named as it is."""
    text = str(action_id)
    return f"{ACTION_ID_PREFIX}*" if ACTION_ID_PATTERN.match(text) else text


def describe(body: Any) -> str:
    """A short, secret-free description of a payload for log lines (never the whole body)."""
    if not isinstance(body, Mapping):
        return type(body).__name__
    if body.get("command"):
        return f"slash command {body['command']}"
    parts = [f"type={body.get('type')}"]
    event = body.get("event")
    if isinstance(event, Mapping):
        parts.append(f"event={event.get('type')}")
        if event.get("subtype"):
            parts.append(f"subtype={event.get('subtype')}")
    actions = body.get("actions")
    if isinstance(actions, list):
        parts.append("actions=" + ",".join(_action_id(a.get("action_id")) for a in actions
                                           if isinstance(a, Mapping)))
    if body.get("event_id"):
        parts.append(f"event_id={body['event_id']}")
    return " ".join(parts)
