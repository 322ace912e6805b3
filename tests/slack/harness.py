"""Drive the Slack adapter end to end: signed requests in, FakeSlackAPI calls out.

Requests are signed like Slack signs them and dispatched into the adapter's bolt
AsyncApp (HTTP mode) exactly as the aiohttp endpoint would; the adapter's real
AsyncWebClient talks to FakeSlackAPI on 127.0.0.1. Time only moves when a test
(or `settle`) advances the FakeClock, so nothing sleeps on the wall clock.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import func, select

from bot.adapters.slack import SlackAdapter
from bot.clock import FakeClock
from bot.core import TeamPulse
from storage.models import Answer, OutboxMessage, ProcessedEvent
from tests.fakes.slack_api import FakeCall, FakeSlackAPI, event_callback, sign_request

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0TEAMPULSE-test"
SIGNING_SECRET = "test-signing-secret"
FROZEN_NOW = 1_700_000_000  # what bolt's signature check believes the time is (epoch seconds)

GRACE, ALICE, VERA, SAM, LILEI = "U0GRACE", "U0ALICE", "U0VERA", "U0SAM", "U0LILEI"
CHANNEL = "C0GENERAL"


def dm_channel(user: str) -> str:
    """The id of a person's DM with the bot (Slack's D… ids; any stable value works)."""
    return "D" + user[1:]


@dataclass
class SlackHarness:
    """A Slack workspace in a test: people type, press and run commands; the bot answers."""

    adapter: SlackAdapter
    fake: FakeSlackAPI
    bot: TeamPulse
    clock: FakeClock
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    #: Every request body dispatched, in order: a test delivers one again, as Slack may.
    bodies: list[str] = field(default_factory=list)

    # --- requests in -------------------------------------------------------------------

    def signed(self, body: str, *, timestamp: int = FROZEN_NOW, secret: str = SIGNING_SECRET,
               **headers: str) -> AsyncBoltRequest:
        """A request as Slack sends it: body, v0 signature, timestamp, extra headers."""
        return AsyncBoltRequest(body=body, headers={**sign_request(secret, body, timestamp),
                                                    **headers})

    async def dispatch(self, body: str, **kwargs: Any) -> BoltResponse:
        """Send a signed request into the adapter, as its HTTP endpoint does."""
        self.bodies.append(body)
        return await self.adapter.dispatch(self.signed(body, **kwargs))

    def callback(self, event: dict[str, Any], event_id: str | None = None) -> str:
        """An Events API body for one event."""
        return json.dumps(event_callback(event, event_id=event_id or self.next_id("Ev")))

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    settle: bool = True, **headers: str) -> BoltResponse:
        """Deliver an Events API event; by default wait until it is processed and sent.

        Slack sends a channel's messages only to an app that is a member of it, so the
        bot is in any channel an event comes from; and only under the subscription of the
        conversation's kind (slack-manifest.yaml's bot_events): an event it would never
        send fails the test, unless the test subscribes the app (`fake.events`).
        """
        assert self.fake.delivers(event), (
            f"Slack sends no {event.get('channel_type')} message event to this app: "
            "slack-manifest.yaml does not subscribe to it")
        channel = str(event.get("channel") or "")
        if channel[:1] in ("C", "G"):
            self.fake.join(channel)
        resp = await self.dispatch(self.callback(event, event_id), **headers)
        if settle:
            await self.settle()
        return resp

    async def edit(self, original: dict[str, Any], text: str, *,
                   edited_ts: str = "1700000300.000000") -> None:
        """The author edits a channel message (`original`, an event sent before) to `text`.

        Slack sends a `message` event of subtype message_changed, and, when the new text
        mentions the bot, `app_mention` again: the whole message, with an `edited` field.
        """
        user, channel, ts = original["user"], original["channel"], original["ts"]
        kind = original.get("channel_type", "channel")
        changed = {"type": "message", "user": user, "text": text, "ts": ts,
                   "edited": {"user": user, "ts": edited_ts}}
        await self.event({"type": "message", "subtype": "message_changed", "channel": channel,
                          "hidden": True, "ts": edited_ts, "event_ts": edited_ts,
                          "channel_type": kind, "message": changed,
                          "previous_message": {**changed, "text": original["text"]}})
        if f"<@{self.fake.bot_user_id}" in text:
            await self.event({"type": "app_mention", "channel": channel, "user": user,
                              "text": text, "ts": ts, "event_ts": edited_ts,
                              "edited": {"user": user, "ts": edited_ts}})

    async def delete(self, original: dict[str, Any], *,
                     deleted_ts: str = "1700000400.000000", **headers: str) -> None:
        """Someone (the author, or an admin) deletes a channel message (`original`, an event
        sent before), as Slack tells it.

        A message without replies goes: a `message` event of subtype message_deleted, with
        the deleted message as `previous_message` and its ts as `deleted_ts`. A message with
        replies in its thread (a kudos message has the bot's shout-out there) stays as
        Slackbot's "This message was deleted.": a message_changed whose `message` is that
        tombstone, without `edited`. Once the thread's last reply is deleted too, Slack
        deletes the tombstone (message_deleted, its `previous_message` the tombstone).
        """
        event_id = headers.pop("event_id", None)
        user, channel, ts = original["user"], original["channel"], original["ts"]
        kind = original.get("channel_type", "channel")
        previous = {"type": "message", "user": user, "text": original["text"], "ts": ts}
        if not self.replies_to(channel, ts):
            await self.event({"type": "message", "subtype": "message_deleted", "hidden": True,
                              "channel": channel, "ts": deleted_ts, "event_ts": deleted_ts,
                              "deleted_ts": ts, "channel_type": kind,
                              "previous_message": previous}, event_id=event_id, **headers)
            return
        tombstone = {"type": "message", "subtype": "tombstone", "hidden": True,
                     "user": "USLACKBOT", "text": "This message was deleted.", "ts": ts,
                     "thread_ts": ts, "parent_user_id": "USLACKBOT",
                     "reply_count": len(self.replies_to(channel, ts))}
        await self.event({"type": "message", "subtype": "message_changed", "hidden": True,
                          "channel": channel, "ts": deleted_ts, "event_ts": deleted_ts,
                          "channel_type": kind, "message": tombstone,
                          "previous_message": {**previous, "thread_ts": ts}},
                         event_id=event_id, **headers)
        if not self.replies_to(channel, ts):  # the bot deleted its shout-out, the last reply
            gone = f"{float(deleted_ts) + 1:.6f}"
            await self.event({"type": "message", "subtype": "message_deleted", "hidden": True,
                              "channel": channel, "ts": gone, "event_ts": gone,
                              "deleted_ts": ts, "channel_type": kind,
                              "previous_message": {**tombstone, "reply_count": 0}})

    def replies_to(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies the channel shows in the thread of message `ts` (the bot's posts)."""
        return [m for m in self.fake.posted(channel)
                if m.get("thread_ts") == ts and m.get("ts") != ts]

    async def dm(self, user: str, typed: str, *, raw: bool = False,
                 **kwargs: Any) -> BoltResponse:
        """`user` types `typed` in their DM with the bot (encoded as Slack does, unless raw)."""
        text = typed if raw else slack_encode(typed)
        return await self.event(message(user, text, channel=dm_channel(user),
                                        channel_type="im"), **kwargs)

    async def command(self, user: str, command: str, typed: str = "", *,
                      channel: str = CHANNEL, settle: bool = True,
                      raw: bool = False) -> BoltResponse:
        """`user` runs a slash command in `channel` (a D… id means their DM).

        `raw` sends `typed` as is: a command with `should_escape: true` gets mentions
        as `<@U…|name>`, which a test writes itself (a person picking someone from
        Slack's list). For a command the manifest gives `should_escape: false`, Slack
        sends such a mention as the plain `@name` instead, and so does this.
        """
        text = typed if raw else slack_encode(typed)
        if not escapes(command):
            text = unescaped(text)
        form = {
            "token": "legacy-verification-token", "team_id": self.fake.team_id,
            "team_domain": "teampulse-test", "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user, "user_name": user.lower(), "command": command, "text": text,
            "api_app_id": self.fake.app_id, "response_url": self.fake.response_url(
                self.next_id("cmd")), "trigger_id": self.fake.trigger_id(self.next_id("cmd")),
        }
        resp = await self.dispatch(urlencode(form))
        if settle:
            await self.settle()
        return resp

    async def press(self, user: str, call: FakeCall, label: str, *,
                    settle: bool = True, **signing: Any) -> BoltResponse:
        """`user` presses the button labelled `label` on the message `call` posted
        (`signing`: as `signed` takes it, e.g. a wrong `secret`)."""
        blocks = call.params["blocks"]
        button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"]
                      if e["text"]["text"] == label)
        channel = dm_channel(call.params["channel"]) if call.params["channel"].startswith("U") \
            else call.params["channel"]
        ts = self.ts_of(call)
        payload = {
            "type": "block_actions", "token": "legacy-verification-token",
            "api_app_id": self.fake.app_id, "trigger_id": self.fake.trigger_id(self.next_id("act")),
            "team": {"id": self.fake.team_id, "domain": "teampulse-test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(),
                     "team_id": self.fake.team_id},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                          "is_ephemeral": False},
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "user": self.fake.bot_user_id,
                        "bot_id": self.fake.bot_id, "ts": ts, "text": call.params["text"],
                        "blocks": blocks},
            "response_url": self.fake.response_url(self.next_id("act"), kind="actions"),
            "actions": [{"type": "button", "action_id": button["action_id"],
                         "block_id": "tp_choices_0", "text": button["text"],
                         "value": button["value"], "action_ts": f"1700000100.{self.next_n()}"}],
        }
        resp = await self.dispatch(urlencode({"payload": json.dumps(payload)}), **signing)
        if settle:
            await self.settle()
        return resp

    def next_n(self) -> int:
        return next(self._ids)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{self.next_n():06d}"

    # --- time and delivery -------------------------------------------------------------

    async def settle(self) -> None:
        """Finish processing what was acknowledged, then deliver everything queued.

        The outbox paces one message per second per chat on the fake clock; a person
        takes longer than that to read and answer, so the clock is moved on to each
        deferred message's due time.
        """
        await self.adapter.drain()
        await self.bot.drain()  # e.g. a round /checkin send started
        for _ in range(100):
            due = await self.bot.outbox.flush()
            if due is None:
                return
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now())
        raise AssertionError("the outbox never became empty")

    # --- what was sent -----------------------------------------------------------------

    def posts(self, channel: str | None = None) -> list[FakeCall]:
        """chat.postMessage calls (to one channel or user id)."""
        return [c for c in self.fake.calls_for("chat.postMessage")
                if channel is None or c.params.get("channel") == channel]

    def last_text(self, channel: str) -> str:
        """The text of the last message posted to a channel or user id."""
        posts = self.posts(channel)
        assert posts, f"nothing was posted to {channel}; calls: {self.fake.methods_called()}"
        return str(posts[-1].params["text"])

    def ephemerals(self, user: str | None = None) -> list[FakeCall]:
        """chat.postEphemeral calls (for one person)."""
        return [c for c in self.fake.calls_for("chat.postEphemeral")
                if user is None or c.params.get("user") == user]

    def ts_of(self, call: FakeCall) -> str:
        """The ts Slack gave a posted message (the outbox records it as external_id)."""
        with self.bot.sessions() as session:
            rows = session.scalars(select(OutboxMessage).where(
                OutboxMessage.status == "sent",
                OutboxMessage.address == call.params["channel"]).order_by(OutboxMessage.id))
            for row in rows:
                if row.payload["text"] == call.params["text"] and row.external_id:
                    return row.external_id
        raise AssertionError("that message was never recorded as sent")

    def counts(self) -> dict[str, int]:
        """Rows that prove something was (or was not) stored."""
        with self.bot.sessions() as session:
            return {name: session.scalar(select(func.count()).select_from(model)) or 0
                    for name, model in (("answers", Answer), ("outbox", OutboxMessage),
                                        ("events", ProcessedEvent))}


MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"
_MENTION = re.compile(r"<([@#])[A-Z0-9]+\|([^<>]*)>")


@functools.cache
def _escaping() -> dict[str, bool]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {c["command"]: bool(c.get("should_escape"))
            for c in manifest["features"]["slash_commands"]}


def escapes(command: str) -> bool:
    """Whether slack-manifest.yaml has Slack send this command's mentions as ids."""
    return _escaping().get(command, False)


def unescaped(text: str) -> str:
    """Mentions and channel links as Slack sends them to a command without should_escape:
    `<@U…|alice>` as `@alice`, `<#C…|sales>` as `#sales`."""
    return _MENTION.sub(lambda m: m.group(1) + m.group(2), text)


def slack_encode(typed: str) -> str:
    """What Slack puts in an event's `text` for what a person typed: & < > as entities."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(user: str, text: str, *, channel: str = CHANNEL, channel_type: str = "channel",
            ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    """A `message` event."""
    return {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
            "event_ts": ts, "channel_type": channel_type, **extra}


def mention(user: str, text: str, *, channel: str = CHANNEL, **extra: Any) -> dict[str, Any]:
    """An `app_mention` event; write the bot as <@U0BOTUSER> in `text`."""
    return {"type": "app_mention", "channel": channel, "user": user, "text": text,
            "ts": "1700000000.000200", "event_ts": "1700000000.000200", **extra}


async def through_outage(slack: SlackHarness, until: datetime) -> None:
    """Let the outbox work, retrying as it is told to, until `until` on the fake clock."""
    for _ in range(1000):
        if slack.clock.now() >= until:
            return
        due = await slack.bot.outbox.flush()
        slack.clock.set(min(until, due) if due is not None and due > slack.clock.now()
                        else until)
    raise AssertionError("the outbox kept working without the clock moving on")
