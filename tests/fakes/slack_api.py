"""A fake Slack Web API + Socket Mode server on aiohttp, for loopback end-to-end tests.

Modelled on bolt-python's mock web API server and opsdroid's ``ExternalAPIMockServer``:
every request is recorded (``calls``, ``called``, ``call_count``, ``calls_for``), answers can
be scripted (``add_response``, ``rate_limit``, ``fail``, ``set_handler``) and sensible
defaults exist for the methods a bolt app typically uses.

Usage::

    async with FakeSlackAPI() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        app = AsyncApp(client=client, signing_secret="secret")
        handler = AsyncSocketModeHandler(app, app_token="xapp-test")  # inside the loop
        await handler.connect_async()
        env_id = await fake.socket_send(events_api_envelope({"type": "app_mention", ...}))
        await fake.wait_for_ack(env_id)
        call = await fake.wait_for_call("chat.postMessage")
        await handler.close_async()   # close clients *before* the fake stops

Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import inspect
import itertools
import json
import mimetypes
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import WSMsgType, web
from multidict import CIMultiDict
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.rate_limits import SimulatedLimits

#: How long a wait on the fake (a call, an ack, a connection) may take at most. Only a
#: bound on a hang: each wait ends as soon as what it waits for happens. Generous, since a
#: loaded machine (CI's 2 busy cores) takes seconds to start a bot under test.
WAIT = 60.0

__all__ = [
    "FakeCall",
    "FakeResponse",
    "FakeSlackAPI",
    "FixedClock",
    "UploadedFile",
    "event_callback",
    "events_api_envelope",
    "instant_retry_sleeps",
    "now_ts",
    "pin_signature_clock",
    "sign_request",
]


#: Methods that authenticate with client_id/secret instead of a bearer token.
_NO_TOKEN_METHODS = frozenset(
    {"oauth.access", "oauth.v2.access", "oauth.v2.exchange", "openid.connect.token"}
)

JsonDict = dict[str, Any]


#: The bot scopes an app installed from slack-manifest.yaml is granted.
MANIFEST_SCOPES = frozenset(yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "slack-manifest.yaml").read_text(encoding="utf-8")
)["oauth_config"]["scopes"]["bot"])
#: The bot events an app installed from slack-manifest.yaml subscribes to.
MANIFEST_EVENTS = frozenset(yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "slack-manifest.yaml").read_text(encoding="utf-8")
)["settings"]["event_subscriptions"]["bot_events"])
#: The subscription a `message` event needs, by its channel_type (Slack's Events API:
#: message.channels, message.groups for private channels, message.im, message.mpim).
MESSAGE_EVENTS = {"channel": "message.channels", "group": "message.groups",
                  "im": "message.im", "mpim": "message.mpim"}
#: The bot scope each Web API method needs (Slack's method reference). History reads need
#: the scope of the conversation's kind; see FakeSlackAPI._needed_scope.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write", "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write", "chat.delete": "chat:write",
    "conversations.open": "im:write", "users.info": "users:read",
    "files.upload": "files:write", "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
_HISTORY_SCOPES = {"C": "channels:history", "G": "groups:history", "D": "im:history"}

#: Methods the simulated limits apply to (Slack's "1 message per second per channel").
LIMITED_METHODS = frozenset({"chat.postMessage"})
#: FakeSlackAPI.max_text's default.
MAX_TEXT = 4000
#: How many posts one response_url takes.
RESPONSE_URL_USES = 5


@dataclass
class FakeCall:
    """One request received by the fake (a Web API call or a response_url post)."""

    method: str
    """Slack method name, e.g. ``chat.postMessage`` (``response_url`` for webhook posts)."""
    http_method: str
    path: str
    params: JsonDict
    """Query string, form and JSON body merged (body wins); form/query values are strings."""
    headers: CIMultiDict[str]
    body: bytes = b""
    json: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    #: The client's address and port: calls over one kept-alive connection share it.
    peer: tuple[str, int] | None = None

    @property
    def token(self) -> str | None:
        """Bearer token from the Authorization header, if any."""
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


@dataclass
class FakeResponse:
    """A canned answer; ``body`` is JSON-encoded unless it is ``str``/``bytes``."""

    status: int = 200
    body: JsonDict | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class UploadedFile:
    """A file pushed through the files_upload_v2 flow."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None


Handler = Callable[[FakeCall], "JsonDict | FakeResponse | Awaitable[JsonDict | FakeResponse]"]


class FakeSlackAPI:
    """Fake ``https://slack.com/api/`` + Socket Mode websocket, served on 127.0.0.1:<random>."""

    def __init__(
        self,
        *,
        team_id: str = "T0TEAMPULSE",
        team: str = "Teampulse Test",
        bot_user_id: str = "U0BOTUSER",
        bot_id: str = "B0BOT",
        bot_name: str = "teampulse",
        app_id: str = "A0TEAMPULSE",
        require_token: bool = True,
    ) -> None:
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.require_token = require_token
        #: The bot token's scopes: a method needing another is answered missing_scope, as
        #: Slack does. By default those slack-manifest.yaml asks for, so every test runs the
        #: app as an operator installs it; None: any method.
        self.scopes: frozenset[str] | None = MANIFEST_SCOPES

        self.calls: list[FakeCall] = []
        self.uploads: dict[str, UploadedFile] = {}
        #: The secret part of each upload_url handed out, to its file id.
        self.upload_keys: dict[str, str] = {}
        self.users: dict[str, JsonDict] = {}
        self.socket_acks: list[JsonDict] = []
        self.socket_messages: list[Any] = []
        self.socket_connection_count = 0
        #: The one-time ticket in the WebSocket URL apps.connections.open hands out.
        self.ticket = "fake-ticket"
        #: How many WebSocket handshakes to refuse (401), as Slack does a used or expired
        #: ticket, before accepting one.
        self.refuse_handshakes = 0
        #: What each conversation holds, as Slack would return it: channel id -> messages,
        #: oldest first (posts to a user id are kept under their DM's D… id).
        self.history: dict[str, list[JsonDict]] = {}
        #: Where new message timestamps come from: epoch seconds (a test's fake clock),
        #: or None for a fixed counting sequence.
        self.clock: Callable[[], float] | None = None
        #: Simulated rate limits on chat.postMessage (per channel, per workspace), if any:
        #: a post over them is answered 429 with Retry-After and not posted.
        self.limits: SimulatedLimits | None = None
        #: The longest message text Slack takes: chat.postMessage's documentation asks for
        #: at most 4,000 characters, and Slack answers msg_too_long above that (it used to
        #: truncate at 40,000). None: any length.
        self.max_text: int | None = MAX_TEXT
        #: The channels (C…, G…) the bot is a member of. Slack refuses a post to any other
        #: with not_in_channel (a public channel; chat:write.public, which teampulse does not
        #: ask for, would allow it) or channel_not_found (a private one), and an ephemeral
        #: note there with channel_not_found, though slash commands work in any channel.
        #: DMs with the app (D…, or a user id) are always open. None: every channel, as if
        #: joined.
        self.joined: set[str] | None = set()
        #: DMs between people (see dm_between): the app is never a member of one. A slash
        #: command works there, but Slack refuses the app's posts, ephemeral notes and
        #: history reads with channel_not_found; only the command's response_url reaches it.
        self.people_dms: set[str] = set()
        #: The events the app subscribes to: Slack sends a `message` event only under the
        #: subscription of its conversation's kind (see delivers). By default those
        #: slack-manifest.yaml subscribes to; None: every event.
        self.events: frozenset[str] | None = MANIFEST_EVENTS

        self._scripted: dict[str, deque[FakeResponse]] = {}
        self._outages: dict[str, tuple[float, FakeResponse]] = {}
        self._handlers: dict[str, Handler] = {}
        self._drops: dict[str, int] = {}
        self._response_uses: dict[str, int] = {}
        #: Each response_url handed out: "<number>/<secret>" -> its response id.
        self._hooks: dict[str, str] = {}
        #: response_url posts Slack took and showed (not those it refused).
        self.responses_shown: list[FakeCall] = []
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlackAPI:
        """Bind to 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            return self
        self._changed = asyncio.Condition()  # bind to the loop that serves us
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{key}", self._handle_upload)
        app.router.add_post("/{kind:commands|actions}/{team}/{number}/{secret}",
                            self._handle_response_url)
        app.router.add_post("/services/{team}/{hook}/{secret}", self._handle_incoming_webhook)
        app.router.add_get("/link/", self._handle_socket)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        # The same port again after unplug(): the client still has the old address.
        site = web.TCPSite(runner, "127.0.0.1", self._port or 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Close open websockets and shut the server down."""
        await self.close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def unplug(self) -> None:
        """Slack unreachable: the sockets dropped, every connection refused."""
        await self.stop()

    async def plug_in(self) -> None:
        """Slack reachable again, on the same address."""
        await self.start()

    async def __aenter__(self) -> FakeSlackAPI:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ URLs / clients

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlackAPI is not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.root_url}/api/"

    @property
    def socket_url(self) -> str:
        """The ws:// URL handed out by ``apps.connections.open``."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={self.ticket}&app_id={self.app_id}"

    def response_url(self, response_id: str = "1", kind: str = "commands") -> str:
        """A ``response_url`` pointing back here, its path shaped as Slack's
        (``https://hooks.slack.com/commands/T…/<number>/<secret>``; `kind` ``actions`` for a
        pressed button's): posts are recorded as method ``response_url``, its five posts
        counted per `response_id`."""
        number, secret = _hook_parts(response_id)
        self._hooks[f"{number}/{secret}"] = response_id
        return f"{self.root_url}/{kind}/{self.team_id}/{number}/{secret}"

    def incoming_webhook_url(self, name: str = "1") -> str:
        """An incoming webhook's URL pointing back here, its path shaped as Slack's
        (``https://hooks.slack.com/services/T…/B…/<secret>``); posts are recorded as method
        ``incoming_webhook``."""
        number, secret = _hook_parts(name)
        return f"{self.root_url}/services/{self.team_id}/B{number[:10]}/{secret}"

    @staticmethod
    def trigger_id(name: str = "1") -> str:
        """A ``trigger_id`` shaped as Slack's (``13345224609.738474920.8088930838d88f…``)."""
        digest = hashlib.sha256(f"trigger:{name}".encode()).hexdigest()
        return f"{int(digest[:8], 16) % 10**11:011d}.{int(digest[8:16], 16) % 10**9:09d}." \
               f"{digest[16:48]}"

    def client(self, token: str = "xoxb-test-token", **kwargs: Any) -> AsyncWebClient:
        """An ``AsyncWebClient`` pointed at this fake."""
        return AsyncWebClient(token=token, base_url=self.base_url, **kwargs)

    # ------------------------------------------------------------------ scripting

    def add_response(
        self,
        method: str,
        body: JsonDict | str | bytes | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue a one-off answer for ``method`` (FIFO, used ``times`` times).

        ``body=None`` means: the default answer for 2xx, ``{"ok": false}`` otherwise.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        response = FakeResponse(status=status, body=body, headers=dict(headers or {}), times=times)
        self._scripted.setdefault(method, deque()).append(response)

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 429 + ``Retry-After``."""
        self.add_response(
            method,
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(retry_after)},
            times=times,
        )

    def outage(self, method: str, until: float, *, status: int = 503,
               retry_after: int | None = None) -> None:
        """Answer every call of ``method`` with HTTP ``status`` (with ``Retry-After`` if
        given) until ``self.clock()`` reaches ``until`` (epoch seconds): Slack down, or
        rate limiting us, for a stretch of the test's fake clock. Nothing is posted."""
        if self.clock is None:
            raise RuntimeError("an outage is timed by the fake's clock: set it first")
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        error = "ratelimited" if status == 429 else "service_unavailable"
        self._outages[method] = (until, FakeResponse(
            status=status, body={"ok": False, "error": error}, headers=headers))

    def fail(self, method: str, error: str, *, times: int = 1, **extra: Any) -> None:
        """Answer the next ``times`` calls with ``{"ok": false, "error": error}`` (HTTP 200)."""
        self.add_response(method, {"ok": False, "error": error, **extra}, times=times)

    def fail_channel(self, method: str, channel: str, error: str, *, status: int = 200,
                     times: int = 1) -> None:
        """As fail(), for the calls of ``method`` to one channel only (taken before
        fail()'s), answered with HTTP ``status``: a channel's posts failing while DMs go
        through."""
        self.add_response(f"{method}@{channel}", {"ok": False, "error": error},
                          status=status, times=times)

    def drop_after_accepting(self, method: str, times: int = 1) -> None:
        """Process the next ``times`` calls (a post lands in ``history``), then break the
        connection instead of answering: the client cannot know that the call worked."""
        self._drops[method] = self._drops.get(method, 0) + times

    def set_handler(self, method: str, handler: Handler | None) -> None:
        """Permanently replace the default answer (``None`` restores the built-in one)."""
        if handler is None:
            self._handlers.pop(method, None)
        else:
            self._handlers[method] = handler

    def add_user(self, user_id: str, **fields: Any) -> JsonDict:
        """Register/override a user returned by ``users.info`` (fields are merged shallowly)."""
        user = {**self._default_user(user_id), **fields}
        self.users[user_id] = user
        return user

    def join(self, *channels: str) -> None:
        """The bot is invited to these channels (as `/invite @teampulse` does)."""
        if self.joined is not None:
            self.joined.update(channels)

    def leave(self, *channels: str) -> None:
        """The bot is removed from these channels."""
        if self.joined is not None:
            self.joined.difference_update(channels)

    def dm_between(self, *users: str) -> str:
        """The id of a DM between people (not with the app), where one may run a command."""
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
        channel = "D9" + digest
        self.people_dms.add(channel)
        return channel

    def delivers(self, event: JsonDict) -> bool:
        """Whether Slack sends `event` to the app: a `message` event (its edits and
        deletions too) only if the app subscribes to the `message.*` event of its
        conversation's channel_type; a private channel's (`group`) needs message.groups."""
        if self.events is None or event.get("type") != "message":
            return True
        needed = MESSAGE_EVENTS.get(str(event.get("channel_type")))
        return needed is None or needed in self.events

    def is_member(self, channel: str) -> bool:
        """Whether the bot may post in `channel` (its own DMs always; a channel if joined;
        a DM between people never)."""
        if channel in self.people_dms:
            return False
        return self.joined is None or channel[:1] not in ("C", "G") or channel in self.joined

    def posted(self, channel: str) -> list[JsonDict]:
        """Messages posted to a conversation (a user id means their DM with the app)."""
        return list(self.history.get(self._conversation_id(channel), []))

    def reset(self) -> None:
        """Forget recorded calls, acks and scripted answers (handlers and users are kept)."""
        self.calls.clear()
        self.socket_acks.clear()
        self.socket_messages.clear()
        self._scripted.clear()
        self._outages.clear()

    # ------------------------------------------------------------------ assertions

    def calls_for(self, method: str) -> list[FakeCall]:
        return [c for c in self.calls if c.method == method]

    def called(self, method: str) -> bool:
        return any(c.method == method for c in self.calls)

    def call_count(self, method: str) -> int:
        return len(self.calls_for(method))

    def last_call(self, method: str) -> FakeCall:
        calls = self.calls_for(method)
        if not calls:
            raise AssertionError(f"{method} was never called; calls: {self.methods_called()}")
        return calls[-1]

    def methods_called(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = WAIT) -> FakeCall:
        """Wait until ``method`` has been called ``count`` times; return the ``count``-th call."""
        await self._wait(lambda: self.call_count(method) >= count, timeout, f"{count}x {method}")
        return self.calls_for(method)[count - 1]

    async def wait_for_ack(self, envelope_id: str, timeout: float = WAIT) -> JsonDict:
        """Wait until the Socket Mode client acked ``envelope_id``; return the ack frame."""

        def find() -> JsonDict | None:
            return next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None)

        await self._wait(lambda: find() is not None, timeout, f"ack for {envelope_id}")
        ack = find()
        assert ack is not None
        return ack

    async def wait_for_socket_connection(self, count: int = 1, timeout: float = WAIT) -> None:
        """Wait until ``count`` websocket connections have been made in total."""
        await self._wait(
            lambda: self.socket_connection_count >= count and bool(self._open_sockets()),
            timeout,
            f"{count} socket connection(s)",
        )

    async def wait_until(self, predicate: Callable[[], bool], timeout: float,
                         what: str) -> None:
        """Wait until `predicate()` holds (checked as calls arrive); fail naming `what`."""
        await self._wait(predicate, timeout, what)

    async def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; calls: {self.methods_called()}"
            ) from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ socket mode

    def _open_sockets(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self._sockets if not ws.closed]

    async def socket_send(self, frame: JsonDict, timeout: float = WAIT) -> str | None:
        """Push a frame (usually an envelope) to the newest live connection.

        Waits up to ``timeout`` for a client to connect. Returns the frame's ``envelope_id``.
        """
        await self._wait(lambda: bool(self._open_sockets()), timeout, "a socket connection")
        # Slack's JSON escapes every '/' (its URLs arrive as "https:\/\/hooks.slack.com\/…").
        await self._open_sockets()[-1].send_str(json.dumps(frame).replace("/", "\\/"))
        return frame.get("envelope_id")

    async def push_event(self, event: JsonDict, timeout: float = WAIT, **kwargs: Any) -> str:
        """Wrap ``event`` in an ``events_api`` envelope for this fake's team/app and push it."""
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("bot_user_id", self.bot_user_id)
        envelope = events_api_envelope(event, **kwargs)
        await self.socket_send(envelope, timeout)
        return str(envelope["envelope_id"])

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` frame; slack_sdk reconnects via apps.connections.open."""
        await self.socket_send({"type": "disconnect", "reason": reason, "debug_info": {}})

    async def close_sockets(self) -> None:
        """Close every websocket from the server side."""
        for ws in self._open_sockets():
            await ws.close()

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_handshakes > 0:
            self.refuse_handshakes -= 1
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse()  # autoping=True answers slack_sdk's ping frames
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connection_count += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._open_sockets()),
                    "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        await self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    frame: Any = json.loads(msg.data)
                except ValueError:
                    frame = msg.data
                self.socket_messages.append(frame)
                if isinstance(frame, dict) and "envelope_id" in frame:
                    self.socket_acks.append(frame)
                await self._notify()
        finally:
            await self._notify()
        return ws

    # ------------------------------------------------------------------ HTTP handlers

    async def _record(self, request: web.Request, method: str) -> FakeCall:
        params: JsonDict = dict(request.query)
        body = b""
        json_body: Any = None
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    params.setdefault("filename", value.filename)
                else:
                    params[key] = value
        else:
            body = await request.read()
            if request.content_type == "application/json" and body:
                json_body = json.loads(body)
                if isinstance(json_body, dict):
                    params.update(json_body)
            elif request.content_type == "application/x-www-form-urlencoded" and body:
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
        call = FakeCall(
            method=method,
            http_method=request.method,
            path=request.path_qs,
            params=params,
            headers=CIMultiDict(request.headers),
            body=body,
            json=json_body,
            files=files,
            peer=request.transport.get_extra_info("peername") if request.transport else None,
        )
        self.calls.append(call)
        await self._notify()
        return call

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        response = await self._answer_api(request)
        method = request.match_info["method"]
        if self._drops.get(method):
            self._drops[method] -= 1
            if request.transport is not None:
                request.transport.abort()  # the work is done; the answer never leaves
        return response

    async def _answer_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        call = await self._record(request, method)
        outage = self._outages.get(method)
        if outage is not None and self.clock is not None:
            if self.clock() < outage[0]:
                return _to_web_response(outage[1])
            del self._outages[method]
        if self.limits is not None and method in LIMITED_METHODS:
            wait = self.limits.check(str(call.params.get("channel")))
            if wait is not None:
                return _to_web_response(FakeResponse(
                    status=429, body={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": str(wait)}))
        queue = self._scripted.get(f"{method}@{call.params.get('channel')}") \
            or self._scripted.get(method)
        if queue:
            scripted = queue[0]
            scripted.times -= 1
            if scripted.times <= 0:
                queue.popleft()
            if scripted.body is not None or scripted.status >= 300:
                return _to_web_response(scripted)
            default = await self._default_answer(call)
            if isinstance(default, FakeResponse):
                return _to_web_response(default)
            return _to_web_response(
                FakeResponse(status=scripted.status, body=default, headers=scripted.headers)
            )
        return _to_web_response(await self._default_answer(call))

    async def _default_answer(self, call: FakeCall) -> JsonDict | FakeResponse:
        if (
            self.require_token
            and call.method not in _NO_TOKEN_METHODS
            and not call.token
            and not call.params.get("token")
        ):
            return {"ok": False, "error": "not_authed"}
        needed = self._needed_scope(call)
        if needed is not None and self.scopes is not None and needed not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": needed,
                    "provided": ",".join(sorted(self.scopes))}
        handler = self._handlers.get(call.method)
        if handler is not None:
            result = handler(call)
            return await result if inspect.isawaitable(result) else result
        builtin = _BUILTIN.get(call.method)
        return builtin(self, call) if builtin is not None else {"ok": True}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(self.upload_keys.get(request.match_info["key"], ""))
        if upload is None:
            return web.Response(status=404, text="unknown upload url", content_type="text/plain")
        upload.data = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(upload.data)}", content_type="text/plain")

    async def _handle_incoming_webhook(self, request: web.Request) -> web.Response:
        await self._record(request, "incoming_webhook")
        return web.Response(text="ok", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        info = request.match_info
        response_id = self._hooks.get(f"{info['number']}/{info['secret']}")
        if info["team"] != self.team_id or response_id is None:
            # An address Slack never handed out (Slack: 404 and `invalid_token`).
            return web.Response(status=404, text="invalid_token", content_type="text/plain")
        call = await self._record(request, "response_url")
        handler = self._handlers.get("response_url")
        if handler is not None and (answer := handler(call)) is not None:
            return _to_web_response(answer)  # a handler's answer; None: as Slack does
        queue = self._scripted.get("response_url")
        if queue:  # a scripted failure (add_response): Slack shows nothing
            scripted = queue[0]
            scripted.times -= 1
            if scripted.times <= 0:
                queue.popleft()
            return _to_web_response(scripted)
        # "You can use a response_url up to 5 times within 30 minutes" (Slack's docs on
        # handling user interaction); a sixth post is refused (used_url, as teampulse
        # names it among the permanent errors) and shown to nobody.
        used = self._response_uses.get(response_id, 0)
        if used >= RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url", content_type="text/plain")
        self._response_uses[response_id] = used + 1
        self.responses_shown.append(call)
        if self._drops.get("response_url"):  # drop_after_accepting("response_url")
            self._drops["response_url"] -= 1
            if request.transport is not None:
                request.transport.abort()  # shown; the answer never leaves
        return web.Response(text="ok", content_type="text/plain")

    # ------------------------------------------------------------------ default answers

    def next_ts(self) -> str:
        """A fresh, strictly increasing message timestamp (from ``clock`` when set)."""
        n = next(self._ts)
        if self.clock is None:
            return f"{1_700_000_000 + n}.{n:06d}"
        # The clock's second, with the counter as microseconds to keep them distinct.
        return f"{int(self.clock())}.{n:06d}"

    def _needed_scope(self, call: FakeCall) -> str | None:
        """The bot scope `call` needs (None: none, or a method not in METHOD_SCOPES)."""
        if call.method in {"conversations.history", "conversations.replies"}:
            channel = self._conversation_id(str(call.params.get("channel") or ""))
            return _HISTORY_SCOPES.get(channel[:1])
        return METHOD_SCOPES.get(call.method)

    @staticmethod
    def _conversation_id(channel: str) -> str:
        """A user id (U…/W…) stands for that person's DM with the app (D…)."""
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _default_user(self, user_id: str) -> JsonDict:
        name = user_id.lower()
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": user_id == self.bot_user_id,
            "is_admin": False,
            "tz": "UTC",
            "tz_label": "Coordinated Universal Time",
            "tz_offset": 0,
            "profile": {
                "real_name": f"User {user_id}",
                "display_name": name,
                "email": f"{name}@example.com",
                "image_72": "https://example.invalid/avatar.png",
            },
        }

    def _auth_test(self, call: FakeCall) -> JsonDict:
        token = call.token or ""
        result: JsonDict = {
            "ok": True,
            "url": "https://teampulse-test.slack.com/",
            "team": self.team,
            "team_id": self.team_id,
            "user": self.bot_name,
            "user_id": self.bot_user_id,
            "is_enterprise_install": False,
        }
        if token.startswith("xoxp-"):
            result.update(user="installer", user_id="U0INSTALLER")
        else:
            result["bot_id"] = self.bot_id
        return result

    def _message(self, call: FakeCall, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
            "text": call.params.get("text", ""),
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in call.params:
                message[key] = _maybe_json(call.params[key])
        return message

    def _too_long(self, call: FakeCall) -> JsonDict | None:
        """msg_too_long for a text over `max_text` characters, as Slack answers it; then
        invalid_blocks for blocks over Block Kit's limits."""
        text = str(call.params.get("text") or "")
        if self.max_text is not None and len(text) > self.max_text:
            return {"ok": False, "error": "msg_too_long"}
        if "blocks" in call.params:
            problems = block_kit_problems(_maybe_json(call.params["blocks"]))
            if problems:
                return {"ok": False, "error": "invalid_blocks",
                        "response_metadata": {"messages": problems}}
        return None

    def _chat_post_message(self, call: FakeCall) -> JsonDict:
        if (refused := self._too_long(call)) is not None:
            return refused
        channel = str(call.params.get("channel", ""))
        if not self.is_member(channel):
            return {"ok": False, "error": "not_in_channel" if channel.startswith("C")
                    else "channel_not_found"}
        ts = self.next_ts()
        channel = call.params.get("channel", "")
        message = self._message(call, ts)
        self.history.setdefault(self._conversation_id(str(channel)), []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _conversation_messages(self, call: FakeCall, replies_to: str | None) -> JsonDict:
        """conversations.history / .replies over ``history``, with Slack's window rules."""
        channel = str(call.params.get("channel", ""))
        if channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}  # Slack wants the D… id
        if channel not in self.history and channel[:1] not in ("C", "G", "D"):
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _truthy(call.params.get("inclusive"))
        oldest = float(call.params.get("oldest") or 0)
        latest = float(call.params.get("latest") or 1e12)

        def in_window(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        if not self.is_member(channel):
            return {"ok": False, "error": "not_in_channel" if channel.startswith("C")
                    else "channel_not_found"}
        messages = self.history.get(channel, [])
        if replies_to is None:  # history: thread parents and plain messages, newest first
            picked = [m for m in reversed(messages)
                      if m.get("thread_ts", m["ts"]) == m["ts"] and in_window(float(m["ts"]))]
        else:  # replies: the parent, then its replies, oldest first
            picked = [m for m in messages if m["ts"] == replies_to or (
                m.get("thread_ts") == replies_to and in_window(float(m["ts"])))]
            if not picked:
                return {"ok": False, "error": "thread_not_found"}
        if not _truthy(call.params.get("include_all_metadata")):
            picked = [{k: v for k, v in m.items() if k != "metadata"} for m in picked]
        start = int(call.params.get("cursor") or 0)
        limit = int(call.params.get("limit") or 100)
        page = picked[start:start + limit]
        more = start + limit < len(picked)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _conversations_history(self, call: FakeCall) -> JsonDict:
        return self._conversation_messages(call, None)

    def _conversations_replies(self, call: FakeCall) -> JsonDict:
        return self._conversation_messages(call, str(call.params.get("ts", "")))

    def _chat_post_ephemeral(self, call: FakeCall) -> JsonDict:
        if (refused := self._too_long(call)) is not None:
            return refused
        if not self.is_member(str(call.params.get("channel", ""))):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self.next_ts()}

    def _chat_update(self, call: FakeCall) -> JsonDict:
        if (refused := self._too_long(call)) is not None:
            return refused
        ts = str(call.params.get("ts", ""))
        for posted in self.history.get(self._conversation_id(str(call.params.get("channel"))),
                                       []):
            if posted.get("ts") == ts:  # what the channel shows from now on
                posted["text"] = call.params.get("text", "")
        return {
            "ok": True,
            "channel": call.params.get("channel", ""),
            "ts": ts,
            "text": call.params.get("text", ""),
            "message": self._message(call, ts),
        }

    def _chat_delete(self, call: FakeCall) -> JsonDict:
        # Gone from the channel's history (posted() shows what the channel shows).
        history = self.history.get(self._conversation_id(str(call.params.get("channel"))), [])
        history[:] = [m for m in history if m.get("ts") != call.params.get("ts")]
        return {"ok": True, "channel": call.params.get("channel"), "ts": call.params.get("ts")}

    def _conversations_open(self, call: FakeCall) -> JsonDict:
        if "channel" in call.params:
            return {"ok": True, "no_op": True, "channel": {"id": call.params["channel"]}}
        users = [u for u in str(call.params.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) == 1:
            channel: JsonDict = {"id": "D" + users[0][1:], "is_im": True, "user": users[0]}
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel = {"id": "G" + digest, "is_mpim": True}
        return {"ok": True, "no_op": False, "already_open": False, "channel": channel}

    def _users_info(self, call: FakeCall) -> JsonDict:
        user_id = str(call.params.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self.users.get(user_id) or self._default_user(user_id)}

    def _file_object(self, upload: UploadedFile, channel: str | None) -> JsonDict:
        mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        return {
            "id": upload.file_id,
            "created": 1_700_000_000,
            "timestamp": 1_700_000_000,
            "name": upload.filename,
            "title": upload.title or upload.filename,
            "mimetype": mimetype,
            "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "text",
            "user": self.bot_user_id,
            "size": upload.length,
            "url_private": f"{self.root_url}/files/{upload.file_id}/{upload.filename}",
            "permalink": f"https://teampulse-test.slack.com/files/{upload.file_id}",
            "channels": [channel] if channel else [],
        }

    def _files_upload(self, call: FakeCall) -> JsonDict:
        data = call.files.get("file")
        if data is None:
            data = str(call.params.get("content", "")).encode()
        filename = str(call.params.get("filename") or "file")
        upload = UploadedFile(self._next_id("F"), filename, len(data), data=data)
        upload.title = call.params.get("title")
        self.uploads[upload.file_id] = upload
        channel = str(call.params.get("channels", "")).split(",")[0] or None
        return {"ok": True, "file": self._file_object(upload, channel)}

    def _files_get_upload_url_external(self, call: FakeCall) -> JsonDict:
        filename = str(call.params.get("filename", ""))
        length = int(call.params.get("length", 0) or 0)
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        upload = UploadedFile(self._next_id("F"), filename, length, call.params.get("alt_txt"))
        self.uploads[upload.file_id] = upload
        # Slack's is pre-signed (`https://files.slack.com/upload/v1/CwABAAAAXAoAAZnK…`):
        # whoever holds it uploads into the workspace until it expires. Opaque here too.
        key = "CwABAAAA" + hashlib.sha256(f"upload:{upload.file_id}:{self.port}".encode()
                                          ).hexdigest()[:40]
        self.upload_keys[key] = upload.file_id
        return {
            "ok": True,
            "upload_url": f"{self.root_url}/upload/v1/{key}",
            "file_id": upload.file_id,
        }

    def _files_complete_upload_external(self, call: FakeCall) -> JsonDict:
        items = _maybe_json(call.params.get("files", "[]"))
        channel = call.params.get("channel_id") or None
        files: list[JsonDict] = []
        for item in items:
            upload = self.uploads.get(item.get("id", ""))
            if upload is None or upload.data is None:
                return {"ok": False, "error": "file_not_found"}
            upload.title = item.get("title") or upload.title
            files.append(self._file_object(upload, channel))
        return {"ok": True, "files": files}

    def _views(self, call: FakeCall) -> JsonDict:
        view = _maybe_json(call.params.get("view", {}))
        view_id = str(call.params.get("view_id") or self._next_id("V"))
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "hash": f"{next(self._ts)}.fakehash",
                "state": {"values": {}},
                **(view if isinstance(view, dict) else {}),
            },
        }

    def _apps_connections_open(self, call: FakeCall) -> JsonDict:
        if not (call.token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}


_BUILTIN: dict[str, Callable[[FakeSlackAPI, FakeCall], JsonDict]] = {
    "auth.test": FakeSlackAPI._auth_test,
    "chat.postMessage": FakeSlackAPI._chat_post_message,
    "chat.postEphemeral": FakeSlackAPI._chat_post_ephemeral,
    "chat.update": FakeSlackAPI._chat_update,
    "chat.delete": FakeSlackAPI._chat_delete,
    "conversations.open": FakeSlackAPI._conversations_open,
    "conversations.history": FakeSlackAPI._conversations_history,
    "conversations.replies": FakeSlackAPI._conversations_replies,
    "users.info": FakeSlackAPI._users_info,
    "files.upload": FakeSlackAPI._files_upload,
    "files.getUploadURLExternal": FakeSlackAPI._files_get_upload_url_external,
    "files.completeUploadExternal": FakeSlackAPI._files_complete_upload_external,
    "views.open": FakeSlackAPI._views,
    "views.push": FakeSlackAPI._views,
    "views.update": FakeSlackAPI._views,
    "views.publish": FakeSlackAPI._views,
    "apps.connections.open": FakeSlackAPI._apps_connections_open,
}


#: Block Kit's limits (Block Kit reference: blocks, section, actions, button element).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255  # action_id, block_id


def block_kit_problems(blocks: Any) -> list[str]:
    """What Slack would say is wrong with `blocks` (as its invalid_blocks messages), if
    anything: the limits teampulse's messages come near, not the whole of Block Kit."""
    if not isinstance(blocks, list):
        return ["[ERROR] must provide an array [json-pointer:/blocks]"]
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"[ERROR] no more than {MAX_BLOCKS} items allowed "
                        "[json-pointer:/blocks]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > MAX_ID or block_id in block_ids:
                problems.append(f"[ERROR] invalid block_id [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
        text = (block.get("text") or {}).get("text") if block.get("type") == "section" else None
        if text is not None and not 0 < len(text) <= MAX_SECTION_TEXT:
            problems.append(f"[ERROR] must be between 1 and {MAX_SECTION_TEXT} characters "
                            f"[json-pointer:{where}/text/text]")
        if block.get("type") != "actions":
            continue
        elements = block.get("elements") or []
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            problems.append(f"[ERROR] no more than {MAX_ACTIONS_ELEMENTS} items allowed "
                            f"[json-pointer:{where}/elements]")
        for j, element in enumerate(elements):
            at = f"{where}/elements/{j}"
            label = (element.get("text") or {}).get("text") or ""
            if not 0 < len(label) <= MAX_BUTTON_TEXT:
                problems.append(f"[ERROR] must be between 1 and {MAX_BUTTON_TEXT} characters "
                                f"[json-pointer:{at}/text/text]")
            if len(str(element.get("value") or "")) > MAX_BUTTON_VALUE:
                problems.append(f"[ERROR] must be less than {MAX_BUTTON_VALUE + 1} characters "
                                f"[json-pointer:{at}/value]")
            if len(str(element.get("action_id") or "")) > MAX_ID:
                problems.append(f"[ERROR] must be less than {MAX_ID + 1} characters "
                                f"[json-pointer:{at}/action_id]")
    return problems


def _maybe_json(value: Any) -> Any:
    """slack_sdk JSON-encodes nested values (blocks, files, view) when sending form/query data."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    """A boolean argument as slack_sdk sends it (``1``/``true``) or as JSON."""
    return value is True or str(value).lower() in ("1", "true")


def _to_web_response(answer: JsonDict | FakeResponse) -> web.Response:
    if not isinstance(answer, FakeResponse):
        return web.json_response(answer)
    body = answer.body if answer.body is not None else {"ok": answer.status < 300}
    if isinstance(body, dict):
        return web.json_response(body, status=answer.status, headers=answer.headers)
    raw = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": "text/plain", **answer.headers}
    return web.Response(body=raw, status=answer.status, headers=headers)


# ---------------------------------------------------------------------- payload builders


def event_callback(
    event: JsonDict,
    *,
    team_id: str = "T0TEAMPULSE",
    api_app_id: str = "A0TEAMPULSE",
    event_id: str | None = None,
    event_time: int = 1_700_000_000,
    bot_user_id: str = "U0BOTUSER",
) -> JsonDict:
    """An Events API ``event_callback`` body (HTTP mode) / envelope payload (Socket Mode)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _event_id(event),
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def _hook_parts(name: str) -> tuple[str, str]:
    """The number and the secret of a hooks.slack.com address, derived from `name` (Slack's:
    13 digits, then 24 letters and digits)."""
    digest = hashlib.sha256(f"hook:{name}".encode()).digest()
    number = f"{int.from_bytes(digest[:8]) % 10**13:013d}"
    secret = "".join(_ALNUM[b % len(_ALNUM)] for b in digest[8:32])
    return number, secret


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _event_id(event: JsonDict) -> str:
    digest = hashlib.sha1(json.dumps(event, sort_keys=True).encode()).hexdigest()
    return "Ev" + digest[:10].upper()


_envelope_ids = itertools.count(1)


def events_api_envelope(
    event: JsonDict,
    *,
    envelope_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
    **callback_kwargs: Any,
) -> JsonDict:
    """A Socket Mode ``events_api`` envelope wrapping ``event_callback(event)``."""
    return {
        "envelope_id": envelope_id or f"env-{next(_envelope_ids):06d}",
        "payload": event_callback(event, **callback_kwargs),
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


# ---------------------------------------------------------------------- signing / clocks


def sign_request(
    signing_secret: str,
    body: str,
    timestamp: int,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers Slack would send for ``body``: v0 HMAC-SHA256 signature + timestamp.

    ``content_type`` defaults to JSON for bodies starting with ``{``, form-encoded otherwise.
    """
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if content_type is None:
        is_json = body.lstrip().startswith("{")
        content_type = "application/json" if is_json else "application/x-www-form-urlencoded"
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": f"v0={digest}",
    }


class FixedClock(Clock):
    """A ``slack_sdk.signature.Clock`` frozen at ``now`` (epoch seconds)."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def pin_signature_clock(app: Any, now: float) -> SignatureVerifier:
    """Make a bolt (Async)App's built-in request verification use a frozen clock.

    Bolt builds ``SignatureVerifier(signing_secret)`` with the real clock and rejects
    timestamps more than 5 minutes away; this swaps in ``FixedClock(now)`` (private attrs).
    """
    from slack_bolt.middleware.request_verification import RequestVerification

    middleware = getattr(app, "_async_middleware_list", None) or app._middleware_list
    for mw in middleware:
        if isinstance(mw, RequestVerification):
            verifier = SignatureVerifier(mw._signing_secret, clock=FixedClock(now))
            mw._verifier = verifier
            return verifier
    raise LookupError("app has no RequestVerification middleware (request_verification_enabled?)")


# ---------------------------------------------------------------------- retry sleeps


class _RecordingAsyncio:
    """Stands in for the ``asyncio`` module inside slack_sdk's retry handlers."""

    def __init__(self, real: ModuleType, sleeps: list[float]) -> None:
        self._real = real
        self._sleeps = sleeps

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self._sleeps.append(delay)
        await self._real.sleep(0)
        return result


@contextlib.contextmanager
def instant_retry_sleeps() -> Iterator[list[float]]:
    """Make slack_sdk's async retry handlers skip their ``asyncio.sleep`` (durations recorded).

    ``AsyncRateLimitErrorRetryHandler`` sleeps ``int(Retry-After) + random()`` seconds and has
    no injectable clock/interval, so the ``asyncio`` name in those modules is patched instead.
    """
    from unittest import mock

    from slack_sdk.http_retry import async_handler, builtin_async_handlers

    sleeps: list[float] = []
    proxy = _RecordingAsyncio(asyncio, sleeps)
    with (
        mock.patch.object(builtin_async_handlers, "asyncio", proxy),
        mock.patch.object(async_handler, "asyncio", proxy),
    ):
        yield sleeps


def now_ts() -> int:
    """Current epoch seconds (for signing against bolt's real clock)."""
    return int(time.time())
