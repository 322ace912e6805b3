"""A fake Telegram Bot API server (aiohttp, loopback only) for end-to-end bot tests.

Point the *real* python-telegram-bot client at it::

    async with FakeTelegramAPI(token=TOKEN) as fake:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .job_queue(None)
            .build()
        )
        ...
        fake.push_update(fake.private_message(42, "/start"))
        await fake.wait_for_call("sendMessage")

PTB builds request URLs as ``base_url + token + "/" + method`` and sends the parameters
form-urlencoded (``multipart/form-data`` when files are uploaded); every value is a string,
non-string values JSON-encoded. The fake decodes those back into Python values, and also
accepts JSON bodies and query strings.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes.rate_limits import SimulatedLimits

__all__ = [
    "Call",
    "EntityParseError",
    "FakeTelegramAPI",
    "ScriptedResponse",
    "UploadedFile",
    "bind_local_socket",
    "free_port",
    "parse_html",
    "post_webhook",
    "utf16_len",
    "validate_markdown_v2",
]

JSONDict = dict[str, Any]
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: How long a wait on the fake (a call, an ack, a connection) may take at most. Only a
#: bound on a hang: each wait ends as soon as what it waits for happens. Generous, since a
#: loaded machine (CI's 2 busy cores) takes seconds to start a bot under test.
WAIT = 60.0
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_MISSING: Any = object()

# Parameters that Telegram expects as JSON-serialized objects / arrays.
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "button",
        "caption_entities",
        "commands",
        "entities",
        "explanation_entities",
        "input_message_content",
        "link_preview_options",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "permissions",
        "prices",
        "question_entities",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "results",
        "rights",
        "scope",
        "shipping_options",
        "text_entities",
    }
)
# Parameters that are always strings, even if they look like numbers or JSON.
_STRING_FIELDS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "caption",
        "callback_query_id",
        "custom_title",
        "data",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "phone_number",
        "photo",
        "query",
        "question",
        "secret_token",
        "short_description",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a ``multipart/form-data`` request."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Call:
    """One request received by the fake (``status``/``response`` are filled once answered)."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile] = field(default_factory=dict)
    token: str = ""
    http_method: str = "POST"
    status: int | None = None
    response: Any = None


@dataclass
class ScriptedResponse:
    """A canned answer queued with :meth:`FakeTelegramAPI.add_response`."""

    status: int
    body: Any
    times: int | None  # None = forever


class EntityParseError(ValueError):
    """Raised by the markup validators; becomes ``400 can't parse entities: ...``."""


# --------------------------------------------------------------------------- helpers


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_value(name: str, value: str) -> Any:
    """Undo PTB's per-field encoding (strings raw, everything else JSON)."""
    if name in _STRING_FIELDS:
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    if _INT_RE.fullmatch(value):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port that was free a moment ago (racy; prefer :func:`bind_local_socket`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bind_local_socket(host: str = "127.0.0.1") -> socket.socket:
    """Bind+listen a non-blocking TCP socket on an OS-chosen port (race-free).

    Pass it as ``Updater.start_webhook(unix=sock, webhook_url=...)``; PTB/tornado then serve on
    it (``listen``/``port`` must be left unset). The port is ``sock.getsockname()[1]``.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def post_webhook(
    url: str,
    update: JSONDict,
    secret_token: str | None = None,
    *,
    content_type: str = "application/json",
    timeout: float = WAIT,
) -> int:
    """POST ``update`` to a bot's webhook like Telegram does; return the HTTP status.

    PTB's webhook handler requires ``Content-Type`` to be exactly ``application/json`` and
    answers 403 if the secret token header is missing or wrong.
    """
    headers = {"Content-Type": content_type}
    if secret_token is not None:
        headers[SECRET_TOKEN_HEADER] = secret_token
    async with (
        ClientSession(timeout=ClientTimeout(total=timeout)) as session,
        session.post(url, data=json.dumps(update), headers=headers) as resp,
    ):
        await resp.read()
        return resp.status


# --------------------------------------------------------------------------- markup checks

_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_HTML_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_HTML_ATTR_RE = re.compile(r"""([a-zA-Z][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_HTML_TAGS = frozenset({*_HTML_SIMPLE, "a", "span", "blockquote", "tg-emoji"})


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)`` like the Bot API.

    Raises :class:`EntityParseError` for unsupported tags, a bare ``<`` and unbalanced tags.
    """
    out: list[str] = []
    entities: list[JSONDict] = []
    stack: list[JSONDict] = []
    pos = 0  # UTF-16 offset in the plain text
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _HTML_TAG_RE.match(text, i)
            at = _byte_offset(text, i)
            if match is None:
                raise EntityParseError(f'Unsupported start tag "" at byte offset {at}')
            closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _HTML_ATTR_RE.findall(raw_attrs)}
            if name not in _HTML_TAGS or (name == "span" and attrs.get("class") != "tg-spoiler"):
                kind = "end" if closing else "start"
                raise EntityParseError(f'Unsupported {kind} tag "{name}" at byte offset {at}')
            if not closing:
                stack.append({"tag": name, "offset": pos, "attrs": attrs})
            else:
                if not stack or stack[-1]["tag"] != name:
                    expected = f'"</{stack[-1]["tag"]}>"' if stack else "nothing"
                    raise EntityParseError(
                        f"Unmatched end tag at byte offset {at}, expected {expected}, "
                        f'found "</{name}>"'
                    )
                frame = stack.pop()
                entity = _html_entity(frame, pos - frame["offset"], stack)
                if entity is not None:
                    entities.append(entity)
            i = match.end()
            continue
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is not None:
                decoded = html.unescape(match.group(0))
                out.append(decoded)
                pos += utf16_len(decoded)
                i = match.end()
                continue
        out.append(char)
        pos += utf16_len(char)
        i += 1
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(frame: JSONDict, length: int, stack: list[JSONDict]) -> JSONDict | None:
    tag, attrs = frame["tag"], frame["attrs"]
    if tag == "code" and stack and stack[-1]["tag"] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1]["language"] = language.removeprefix("language-")
            return None
    if length == 0:
        return None
    entity: JSONDict = {"offset": frame["offset"], "length": length}
    if tag in _HTML_SIMPLE:
        entity["type"] = _HTML_SIMPLE[tag]
        if tag == "pre" and frame.get("language"):
            entity["language"] = frame["language"]
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "a":
        entity.update(type="text_link", url=attrs.get("href", ""))
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    else:  # tg-emoji
        entity.update(type="custom_emoji", custom_emoji_id=attrs.get("emoji-id", ""))
    return entity


def validate_markdown_v2(text: str) -> None:
    """Reject MarkdownV2 with unescaped reserved characters, as the Bot API does.

    Conservative: only flags characters that are never markup outside code spans and link
    URLs (``# + - = { } . ! ( )``) plus unterminated code spans / links.
    """
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of PreCode entity at byte offset {_byte_offset(text, i)}"
                )
            i = end + 3
            continue
        if char == "`" or (char == "]" and text.startswith("](", i)):
            closer, start = ("`", i + 1) if char == "`" else (")", i + 2)
            end = _find_unescaped(text, closer, start)
            if end < 0:
                what = "Code entity" if char == "`" else "a URL"
                raise EntityParseError(
                    f"Can't find end of {what} at byte offset {_byte_offset(text, i)}"
                )
            i = end + 1
            continue
        if char in "#+-={}.!()":
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        i += 1


def _find_unescaped(text: str, char: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


# --------------------------------------------------------------------------- the fake


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


#: The ports setWebhook accepts.
WEBHOOK_PORTS = (80, 88, 443, 8443)

#: Sending methods the simulated flood limits apply to.
LIMITED_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


class FakeTelegramAPI:
    """In-process fake of the Telegram Bot API listening on ``127.0.0.1:<random port>``.

    Records every request in :attr:`calls`, keeps a Telegram-like update queue for
    ``getUpdates`` (offset confirmation, redelivery, long polling) and remembers sent messages,
    commands, webhook settings and uploaded files so follow-up calls behave consistently.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int = 7_000_000_001,
        bot_username: str = "TeamPulseBot",
        bot_first_name: str = "TeamPulse",
        host: str = "127.0.0.1",
        port: int = 0,
        max_long_poll: float = 1.0,
        first_update_id: int = 100_000,
        validate_markup: bool = True,
    ) -> None:
        """``token=None`` accepts any token; otherwise other tokens get ``401 Unauthorized``.

        ``max_long_poll`` caps how long a ``getUpdates`` call with ``timeout`` blocks.
        ``validate_markup`` enables the HTML/MarkdownV2 "can't parse entities" checks.
        """
        self.token = token
        self.host = host
        #: The platform's clock, in epoch seconds: what every message is dated by. A fixed
        #: moment (2023-11-14) unless a test sets it (to its fake clock, say), so that a
        #: message's date never depends on the day the suite runs: the bot believes a
        #: message's date only within a day of its own clock.
        self.clock: Callable[[], float] = lambda: 1_700_000_000.0
        self.max_long_poll = max_long_poll
        self.validate_markup = validate_markup
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.messages: dict[tuple[int | str, int], JSONDict] = {}
        self.my_commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.webhook: JSONDict = {}
        self.answered_callback_queries: list[JSONDict] = []
        #: Where a request to the registered webhook URL lands: the operator's reverse
        #: proxy passing it on to the bot's listener (``http://127.0.0.1:<port>``); the path
        #: is kept. None: the registered URL itself.
        self.reverse_proxy: str | None = None
        #: Users who opened a private chat with the bot (pressed Start, or wrote to it).
        #: "Bots can't initiate conversations with users": a message to anyone else's
        #: private chat is refused with 403 "Forbidden: bot can't initiate conversation
        #: with a user". None: every user, as if all had started the bot.
        self.started: set[int] | None = set()
        #: Users who blocked the bot (blocked_by): a message to them is refused with 403
        #: "Forbidden: bot was blocked by the user", started or not.
        self.blocked: set[int] = set()
        self.files: dict[str, tuple[str, bytes]] = {}
        #: Forum supergroups (topics on) and their topics' ids. A message sent there lands
        #: in the topic named by ``message_thread_id``, else in the topic of the message it
        #: replies to, else in General (Bot API: sendMessage, ReplyParameters).
        self.forums: dict[int, set[int]] = {}
        self._port = port
        self._pending: list[JSONDict] = []
        self._scripted: dict[str, list[ScriptedResponse]] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        #: Simulated flood limits on sending methods (30/s overall, 1/s per chat, 20/min
        #: per group), if any: a send over them gets 429 with retry_after and is not kept.
        self.limits: SimulatedLimits | None = None
        #: Methods whose answers are held back (see hold()), and the calls held.
        self._holds: dict[str, asyncio.Event] = {}
        self._chat_holds: dict[tuple[str, str], asyncio.Event] = {}
        self.held: list[Call] = []
        #: (method, chat id) whose next calls are carried out and then lose their
        #: connection before the answer (see drop_answers()), how many times more.
        self._drops: dict[tuple[str, str], int] = {}

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> FakeTelegramAPI:
        """Start serving; the bound port is available as :attr:`port` afterwards."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self._port).start()
        self._port = int(self._runner.addresses[0][1])  # the OS-chosen port when port=0
        self._closing = False
        return self

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        return self._port

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:12345``."""
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)`` / ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def bot_username(self) -> str:
        """The ``username`` returned by ``getMe`` (used for ``/cmd@BotName``)."""
        return str(self.bot_user["username"])

    # ----------------------------------------------------------------- call inspection

    def calls_for(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (case-insensitive), oldest first."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def called(self, method: str) -> bool:
        """Whether ``method`` was called at least once."""
        return bool(self.calls_for(method))

    def call_count(self, method: str) -> int:
        """How many times ``method`` was called."""
        return len(self.calls_for(method))

    def last_call(self, method: str) -> Call:
        """The most recent call of ``method`` (``LookupError`` if none)."""
        found = self.calls_for(method)
        if not found:
            raise LookupError(f"{method} was never called; calls: {self.method_names()}")
        return found[-1]

    def method_names(self) -> list[str]:
        """Names of all recorded calls, in order (handy in assertion messages)."""
        return [c.method for c in self.calls]

    def reset_calls(self) -> None:
        """Forget recorded calls (state such as messages and updates is kept)."""
        self.calls.clear()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        """Wait until ``predicate()`` is true; re-checked whenever the fake's state changes."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s; calls so far: {self.method_names()}"
            ) from None

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = WAIT) -> list[Call]:
        """Wait until ``method`` has been received ``count`` times; return its calls.

        Returns as soon as the request was handled by the fake (the client may not have
        processed the response yet).
        """
        try:
            await self.wait_for(lambda: self.call_count(method) >= count, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{method} called {self.call_count(method)}/{count} times within {timeout}s; "
                f"calls so far: {self.method_names()}"
            ) from None
        return self.calls_for(method)

    def _notify(self) -> None:
        # Generation event: wake every current waiter, hand out a fresh event to new ones.
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    # ----------------------------------------------------------------- scripting

    def add_response(
        self,
        method: str,
        status: int = 200,
        body: Any = None,
        *,
        result: Any = _MISSING,
        description: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Queue a canned answer for the next ``times`` calls of ``method`` (None = forever).

        ``body`` is the full JSON body (dict/list/str/bytes, or ``callable(call) -> body``).
        Without ``body``: ``result=`` gives ``{"ok": true, "result": result}``; a status >= 400
        gives a Telegram-style error with ``description`` (default: the HTTP phrase).
        Scripted answers take precedence over built-in behaviour, FIFO per method.
        """
        if body is None:
            if result is not _MISSING:
                body = {"ok": True, "result": result}
            elif status >= 400:
                body = {
                    "ok": False,
                    "error_code": status,
                    "description": description or HTTPStatus(status).phrase,
                }
            else:
                body = {"ok": True, "result": True}
        self._scripted.setdefault(method.lower(), []).append(ScriptedResponse(status, body, times))

    def flood(self, method: str, retry_after: int = 1, times: int | None = 1) -> None:
        """Answer ``method`` with HTTP 429 (PTB raises ``telegram.error.RetryAfter``)."""
        self.add_response(
            method,
            status=429,
            body={
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
            times=times,
        )

    def fail(
        self,
        method: str,
        status: int = 400,
        description: str = "Bad Request: scripted failure",
        times: int | None = 1,
    ) -> None:
        """Answer ``method`` with a Telegram error (400 → BadRequest, 403 → Forbidden, ...)."""
        self.add_response(method, status=status, description=description, times=times)

    def fail_chat(
        self,
        method: str,
        chat_id: int | str,
        status: int = 400,
        description: str = "Bad Request: scripted failure",
        times: int | None = 1,
    ) -> None:
        """As fail(), for the calls of ``method`` to one chat only (taken before fail()'s):
        a person's private chat failing while the group's messages go through."""
        self.add_response(f"{method}@{chat_id}", status=status, description=description,
                          times=times)

    def hold(self, method: str) -> asyncio.Event:
        """Carry out the next calls of ``method`` (a message is sent) but keep their answers
        back until the returned event is set: a call in flight, as on a slow network."""
        release = asyncio.Event()
        self._holds[method.lower()] = release
        return release

    def hold_chat(self, method: str, chat_id: int | str) -> asyncio.Event:
        """As hold(), for the calls of ``method`` to one chat only: the others are
        answered at once."""
        release = asyncio.Event()
        self._chat_holds[(method.lower(), str(chat_id))] = release
        return release

    def drop_answers(self, method: str, chat_id: int | str, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method`` to one chat (a message is sent)
        and then break the connection before the answer: the client sees the connection
        lost after its request left, as on a flaky network."""
        self._drops[(method.lower(), str(chat_id))] = times

    def clear_responses(self) -> None:
        """Drop all scripted answers."""
        self._scripted.clear()

    # ----------------------------------------------------------------- updates

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed via ``getUpdates(offset=...)``."""
        return list(self._pending)

    def next_update_id(self) -> int:
        """Reserve the next update_id."""
        return next(self._update_ids)

    def start_bot(self, *user_ids: int) -> None:
        """These users opened a private chat with the bot (pressed Start; unblocking it
        first, if they had blocked it)."""
        self.blocked.difference_update(user_ids)
        if self.started is not None:
            self.started.update(user_ids)

    def block_bot(self, *user_ids: int) -> None:
        """These users never started the bot (or stopped and blocked it)."""
        if self.started is not None:
            self.started.difference_update(user_ids)

    def blocked_by(self, *user_ids: int) -> None:
        """These users blocked the bot (Telegram says so, unlike block_bot's "never
        started"): refused with 403 "Forbidden: bot was blocked by the user"."""
        self.blocked.update(user_ids)

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue an update for ``getUpdates`` (assigning ``update_id`` if missing)."""
        if "update_id" not in update:
            update = {"update_id": self.next_update_id(), **update}
        self._pending.append(update)
        self._pending.sort(key=lambda u: int(u["update_id"]))
        self._notify()
        return update

    def make_user(
        self,
        user_id: int,
        *,
        username: str | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """A Telegram ``User`` dict for a human user."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def make_message(
        self,
        chat: JSONDict,
        from_user: JSONDict,
        text: str,
        *,
        message_id: int | None = None,
        entities: list[JSONDict] | None = None,
        **extra: Any,
    ) -> JSONDict:
        """A ``Message`` dict; a leading ``/command`` gets a ``bot_command`` entity."""
        message: JSONDict = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "from": from_user,
            "chat": chat,
            "date": int(self.clock()),
            "text": text,
        }
        if entities is None and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        if entities:
            message["entities"] = entities
        message.update(extra)
        return message

    def private_message(
        self,
        user_id: int,
        text: str,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str | None = None,
        *,
        last_name: str | None = None,
        **message_fields: Any,
    ) -> JSONDict:
        """An ``Update`` with a private-chat message from ``user_id`` (not yet pushed)."""
        user = self.make_user(
            user_id,
            username=username,
            first_name=first_name,
            last_name=last_name,
            language_code=language_code,
        )
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            chat["last_name"] = last_name
        if username is not None:
            chat["username"] = username
        self._chats[user_id] = chat
        self.start_bot(user_id)
        message = self.make_message(chat, user, text, **message_fields)
        return {"update_id": self.next_update_id(), "message": message}

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str | None = None,
        *,
        title: str = "Test Group",
        chat_type: str | None = None,
        **message_fields: Any,
    ) -> JSONDict:
        """An ``Update`` with a group message (``supergroup`` for ``-100…`` ids by default)."""
        user = self.make_user(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        chat = self._group_chat(chat_id, title, chat_type)
        self._chats[chat_id] = chat
        message = self.make_message(chat, user, text, **message_fields)
        return {"update_id": self.next_update_id(), "message": message}

    def topic_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        topic: int | None,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str | None = None,
        *,
        deleted: bool = False,
        **message_fields: Any,
    ) -> JSONDict:
        """An ``Update`` with a message in a forum supergroup's topic (``None``: General).

        The message is kept, as Telegram keeps it, so a reply to it finds its topic;
        ``deleted`` models its author (or a clean-up bot) deleting it at once.
        """
        topics = self.forums.setdefault(chat_id, set())
        update = self.group_message(chat_id, user_id, text, username, first_name,
                                    language_code, chat_type="supergroup", **message_fields)
        message = update["message"]
        message["chat"]["is_forum"] = True
        if topic is not None:
            topics.add(topic)
            message["message_thread_id"] = topic
            message["is_topic_message"] = True
        if not deleted:
            self.messages[(chat_id, message["message_id"])] = message
        return update

    def callback_query(
        self,
        user_id: int,
        data: str,
        message_id: int,
        chat_id: int | None = None,
        *,
        username: str | None = None,
        first_name: str = "Test",
        language_code: str | None = None,
    ) -> JSONDict:
        """An ``Update`` with a callback query pressed on message ``message_id``.

        ``chat_id`` defaults to ``user_id`` (private chat). If the bot sent that message
        through the fake, the real stored message (text, reply_markup) is embedded.
        """
        chat_id = user_id if chat_id is None else chat_id
        user = self.make_user(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        message = self.messages.get((chat_id, message_id))
        if message is None:
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(self.clock()),
                "text": "",
            }
        query = {
            "id": str(4_000_000_000_000_000 + next(self._callback_ids)),
            "from": user,
            "message": message,
            "chat_instance": str(8_000_000_000_000_000 + abs(int(chat_id))),
            "data": data,
        }
        return {"update_id": self.next_update_id(), "callback_query": query}

    async def send_to_webhook(self, update: JSONDict, secret_token: str | None = _MISSING) -> int:
        """POST ``update`` to the URL registered via ``setWebhook`` (with its secret token)."""
        if not self.webhook.get("url"):
            raise RuntimeError("no webhook registered via setWebhook")
        if secret_token is _MISSING:
            secret_token = self.webhook.get("secret_token")
        url = self.webhook["url"]
        if self.reverse_proxy is not None:
            url = self.reverse_proxy.rstrip("/") + (urlsplit(url).path or "/")
        return await post_webhook(url, update, secret_token)

    # ----------------------------------------------------------------- state helpers

    def commands_for(
        self, language_code: str = "", scope: JSONDict | None = None
    ) -> list[JSONDict] | None:
        """Commands set via ``setMyCommands`` for that scope/language (None if never set)."""
        return self.my_commands.get((self._scope_key(scope), language_code))

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Messages currently stored (sent/edited by the bot), optionally for one chat."""
        seen: dict[int, JSONDict] = {}
        for (cid, _), message in self.messages.items():
            if chat_id is None or cid == chat_id:
                seen.setdefault(id(message), message)
        return list(seen.values())

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope or scope == {"type": "default"}:
            return "default"
        return json.dumps(scope, sort_keys=True)

    @staticmethod
    def _group_chat(chat_id: int, title: str, chat_type: str | None) -> JSONDict:
        if chat_type is None:
            chat_type = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": chat_type, "title": title}

    def _chat(self, chat_id: int | str) -> JSONDict:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if isinstance(chat_id, str):
            chat: JSONDict = {
                "id": -1_001_000_000_001,
                "type": "channel",
                "title": chat_id.lstrip("@"),
                "username": chat_id.lstrip("@"),
            }
        elif chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        else:
            chat = self._group_chat(chat_id, "Test Group", None)
        self._chats[chat_id] = chat
        return chat

    # ----------------------------------------------------------------- HTTP plumbing

    async def _parse_request(
        self, request: web.Request
    ) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = {k: _decode_value(k, v) for k, v in request.query.items()}
        files: dict[str, UploadedFile] = {}
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.read()
            if body:
                params.update(json.loads(body))
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    upload = UploadedFile(
                        name=key,
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                    files[key] = upload
                    params[key] = upload
                else:
                    params[key] = _decode_value(key, str(value))
        return params, files

    async def _handle_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params, files = await self._parse_request(request)
        call = Call(method, params, files, token, request.method)
        self.calls.append(call)
        self._notify()
        try:
            if self.token is not None and token != self.token:
                raise _ApiError(401, "Unauthorized")
            if self.limits is not None and method.lower() in LIMITED_METHODS:
                wait = self.limits.check(str(params.get("chat_id")))
                if wait is not None:
                    raise _ApiError(429, f"Too Many Requests: retry after {wait}",
                                    {"retry_after": wait})
            scripted = (self._take_scripted(f"{method}@{params.get('chat_id')}")
                        or self._take_scripted(method))
            if scripted is not None:
                body = scripted.body(call) if callable(scripted.body) else scripted.body
                status = scripted.status
            else:
                result = await self._dispatch(method, params)
                status, body = 200, {"ok": True, "result": result}
        except _ApiError as err:
            status = err.status
            body = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
        call.status, call.response = status, body
        self._notify()
        release = self._holds.get(method.lower()) or self._chat_holds.get(
            (method.lower(), str(params.get("chat_id"))))
        if release is not None and not release.is_set():
            self.held.append(call)
            self._notify()
            await release.wait()
        drop = (method.lower(), str(params.get("chat_id")))
        if self._drops.get(drop) and request.transport is not None:
            self._drops[drop] -= 1
            request.transport.abort()  # done, and the answer lost with the connection
            raise ConnectionResetError("the fake dropped the connection before answering")
        if isinstance(body, bytes | str):
            return web.Response(status=status, body=body, content_type="application/json")
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        if self.token is not None and request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response({"ok": False, "error_code": 404}, status=404)

    def _take_scripted(self, method: str) -> ScriptedResponse | None:
        queue = self._scripted.get(method.lower())
        if not queue:
            return None
        scripted = queue[0]
        if scripted.times is not None:
            scripted.times -= 1
            if scripted.times <= 0:
                queue.pop(0)
        return scripted

    async def _dispatch(self, method: str, params: JSONDict) -> Any:
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is not None:
            return await handler(params)
        if method.lower().startswith("send") and method[4:].lower() in _MEDIA_FIELDS:
            return self._api_send_media(method[4:].lower(), params)
        return True

    # ----------------------------------------------------------------- API methods

    async def _api_getme(self, params: JSONDict) -> Any:
        return self.bot_user

    async def _api_logout(self, params: JSONDict) -> Any:
        return True

    async def _api_close(self, params: JSONDict) -> Any:
        return True

    async def _api_setwebhook(self, params: JSONDict) -> Any:
        url = str(params.get("url") or "")
        if url:
            # Telegram sends webhooks only to HTTPS, on four ports (Bot API, setWebhook).
            parts = urlsplit(url)
            if parts.scheme != "https":
                raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be "
                                     "provided for webhook")
            if parts.port not in (None, *WEBHOOK_PORTS):
                raise _ApiError(400, "Bad Request: bad webhook: Webhook can be set up only "
                                     "on ports 80, 88, 443 or 8443")
        if not url:
            self.webhook = {}
        else:
            self.webhook = {k: v for k, v in params.items() if k != "certificate"}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_deletewebhook(self, params: JSONDict) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_getwebhookinfo(self, params: JSONDict) -> Any:
        info: JSONDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        for key in ("max_connections", "ip_address", "allowed_updates"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    async def _api_getupdates(self, params: JSONDict) -> Any:
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(float(params.get("timeout") or 0), self.max_long_poll)
        if not self._pending and wait > 0 and not self._closing:
            try:
                async with asyncio.timeout(wait):
                    while not self._pending and not self._closing:
                        await self._changed.wait()
            except TimeoutError:
                pass
        return list(self._pending[:limit])

    def _confirm(self, offset: int) -> None:
        """Apply Telegram's offset semantics to the pending queue."""
        if offset > 0:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def _api_sendmessage(self, params: JSONDict) -> Any:
        chat_id = self._require_chat(params)
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        message = self._new_bot_message(chat_id, params)
        self._apply_text(
            message,
            "text",
            str(text),
            params.get("parse_mode"),
            params.get("entities"),
            MAX_MESSAGE_LENGTH,
        )
        if "reply_markup" in params:
            self._check_markup(params)
            message["reply_markup"] = params["reply_markup"]
        return self._store(message)

    async def _api_editmessagetext(self, params: JSONDict) -> Any:
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        message = self._message_to_edit(params)
        if message is None:
            return True
        new = dict(message)
        self._apply_text(
            new,
            "text",
            str(text),
            params.get("parse_mode"),
            params.get("entities"),
            MAX_MESSAGE_LENGTH,
        )
        if "reply_markup" in params:
            self._check_markup(params)
            new["reply_markup"] = params["reply_markup"]
        else:
            new.pop("reply_markup", None)
        return self._store_edit(message, new)

    async def _api_editmessagereplymarkup(self, params: JSONDict) -> Any:
        message = self._message_to_edit(params)
        if message is None:
            return True
        new = dict(message)
        if params.get("reply_markup"):
            new["reply_markup"] = params["reply_markup"]
        else:
            new.pop("reply_markup", None)
        return self._store_edit(message, new)

    async def _api_editmessagecaption(self, params: JSONDict) -> Any:
        message = self._message_to_edit(params)
        if message is None:
            return True
        new = dict(message)
        self._apply_text(
            new,
            "caption",
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            MAX_CAPTION_LENGTH,
        )
        if "reply_markup" in params:
            new["reply_markup"] = params["reply_markup"]
        return self._store_edit(message, new)

    async def _api_deletemessage(self, params: JSONDict) -> Any:
        chat_id, message_id = self._require_chat(params), params.get("message_id")
        message = self.messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if message is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        for key in [k for k, m in self.messages.items() if m is message]:
            del self.messages[key]
        return True

    async def _api_answercallbackquery(self, params: JSONDict) -> Any:
        if not params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query_id is empty")
        self.answered_callback_queries.append(params)
        return True

    async def _api_sendchataction(self, params: JSONDict) -> Any:
        self._require_chat(params)
        if not params.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _api_setmycommands(self, params: JSONDict) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.my_commands[key] = commands
        return True

    async def _api_getmycommands(self, params: JSONDict) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.my_commands.get(key, [])

    async def _api_deletemycommands(self, params: JSONDict) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.my_commands.pop(key, None)
        return True

    async def _api_sendphoto(self, params: JSONDict) -> Any:
        chat_id = self._require_chat(params)
        photo = params.get("photo")
        if photo is None:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        data = photo.data if isinstance(photo, UploadedFile) else str(photo).encode()
        sizes = []
        for width, height in ((90, 67), (800, 600)):
            file_id, unique_id = self._save_file("photos", "jpg", data)
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            )
        message = self._new_bot_message(chat_id, params)
        message["photo"] = sizes
        self._apply_caption(message, params)
        return self._store(message)

    def _api_send_media(self, kind: str, params: JSONDict) -> Any:
        chat_id = self._require_chat(params)
        field_name = _MEDIA_FIELDS[kind]
        media = params.get(field_name)
        if media is None:
            raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")
        data = media.data if isinstance(media, UploadedFile) else str(media).encode()
        file_id, unique_id = self._save_file(f"{field_name}s", "bin", data)
        obj: JSONDict = {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}
        if isinstance(media, UploadedFile):
            if media.filename:
                obj["file_name"] = media.filename
            if media.content_type:
                obj["mime_type"] = media.content_type
        obj.update(_MEDIA_EXTRA.get(field_name, {}))
        message = self._new_bot_message(chat_id, params)
        message[field_name] = obj
        self._apply_caption(message, params)
        return self._store(message)

    async def _api_getfile(self, params: JSONDict) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    # ----------------------------------------------------------------- message helpers

    def _require_chat(self, params: JSONDict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int | str):
            raise _ApiError(400, "Bad Request: chat not found")
        if isinstance(chat_id, int) and chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if isinstance(chat_id, int) and chat_id > 0 and self.started is not None \
                and chat_id not in self.started:
            raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _new_bot_message(self, chat_id: int | str, params: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(self.clock()),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        reply_to = params.get("reply_to_message_id")
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
        if isinstance(chat_id, int) and chat_id in self.forums:
            reply_to = self._place_in_topic(chat_id, message, params, reply_to)
        if reply_to is not None:
            original = self.messages.get((chat_id, reply_to))
            message["reply_to_message"] = original or {
                "message_id": reply_to,
                "chat": self._chat(chat_id),
                "date": int(self.clock()),
            }
        return message

    def _place_in_topic(self, chat_id: int, message: JSONDict, params: JSONDict,
                        reply_to: Any) -> Any:
        """Put a message sent to a forum in its topic; the reply it still makes, if any.

        A reply to a message that no longer exists fails unless the sender allows sending
        without it; then, without ``message_thread_id``, it lands in General.
        """
        topic = params.get("message_thread_id") or None
        if reply_to is not None:
            original = self.messages.get((chat_id, reply_to))
            reply_parameters = params.get("reply_parameters")
            allowed = params.get("allow_sending_without_reply") or (
                isinstance(reply_parameters, dict)
                and reply_parameters.get("allow_sending_without_reply"))
            if original is None:
                if not allowed:
                    raise _ApiError(400, "Bad Request: message to be replied not found")
                reply_to = None
            elif topic is None and original.get("is_topic_message"):
                topic = original.get("message_thread_id")
        message.pop("message_thread_id", None)
        if topic is not None:
            if topic not in self.forums[chat_id]:
                raise _ApiError(400, "Bad Request: message thread not found")
            message["message_thread_id"] = topic
            message["is_topic_message"] = True
        return reply_to

    def _apply_text(
        self,
        message: JSONDict,
        key: str,
        text: str,
        parse_mode: Any,
        entities: Any,
        max_length: int,
    ) -> None:
        mode = str(parse_mode or "").lower()
        rendered, parsed = text, entities if isinstance(entities, list) else []
        try:
            if mode == "html":
                rendered, parsed = parse_html(text)
            elif mode == "markdownv2" and self.validate_markup:
                validate_markdown_v2(text)
        except EntityParseError as err:
            if self.validate_markup:
                raise _ApiError(400, f"Bad Request: can't parse entities: {err}") from err
            rendered, parsed = text, []
        if utf16_len(rendered) > max_length:
            what = "message is too long" if key == "text" else "message caption is too long"
            raise _ApiError(400, f"Bad Request: {what}")
        message[key] = rendered
        entity_key = "entities" if key == "text" else "caption_entities"
        message.pop(entity_key, None)
        if parsed:
            message[entity_key] = parsed

    @staticmethod
    def _check_markup(params: JSONDict) -> None:
        """An inline keyboard as the Bot API checks it: every button has a label, and its
        callback_data is 1-64 bytes (InlineKeyboardButton); else Telegram refuses the
        whole message."""
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        for row in rows or []:
            for button in row:
                if not button.get("text"):
                    raise _ApiError(400, "Bad Request: text buttons are unallowed in the "
                                         "inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _apply_caption(self, message: JSONDict, params: JSONDict) -> None:
        if params.get("caption"):
            self._apply_text(
                message,
                "caption",
                str(params["caption"]),
                params.get("parse_mode"),
                params.get("caption_entities"),
                MAX_CAPTION_LENGTH,
            )
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]

    def _store(self, message: JSONDict) -> JSONDict:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        chat_key = next((key for key, chat in self._chats.items() if chat is message["chat"]), None)
        if chat_key is not None and chat_key != message["chat"]["id"]:
            self.messages[(chat_key, message["message_id"])] = message
        return message

    def _message_to_edit(self, params: JSONDict) -> JSONDict | None:
        """Stored message addressed by chat_id/message_id; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._require_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message = self.messages.get((chat_id, message_id))
        if message is None:  # lenient: edits of messages the fake never saw succeed
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(self.clock()),
                "text": "",
            }
        return message

    def _store_edit(self, old: JSONDict, new: JSONDict) -> JSONDict:
        keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
        known = self.messages.get((old["chat"]["id"], old["message_id"])) is old
        if known and all(old.get(k) == new.get(k) for k in keys):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        new["edit_date"] = int(self.clock())
        return self._store(new)

    def _save_file(self, folder: str, ext: str, data: bytes) -> tuple[str, str]:
        number = next(self._file_ids)
        file_id = f"FAKE-{folder}-{number}"
        self.files[file_id] = (f"{folder}/file_{number}.{ext}", data)
        return file_id, f"U{number}"


_MEDIA_FIELDS = {
    "document": "document",
    "audio": "audio",
    "video": "video",
    "voice": "voice",
    "animation": "animation",
    "sticker": "sticker",
    "videonote": "video_note",
}
_MEDIA_EXTRA: dict[str, JSONDict] = {
    "audio": {"duration": 1},
    "video": {"duration": 1, "width": 320, "height": 240},
    "voice": {"duration": 1},
    "animation": {"duration": 1, "width": 320, "height": 240},
    "sticker": {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    },
    "video_note": {"duration": 1, "length": 240},
}
