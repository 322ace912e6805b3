"""Slack, through slack-bolt: Socket Mode or HTTP (Events API, slash commands, interactivity).

The adapter only translates. Inbound, bolt verifies the request, the adapter turns it
into an InboundEvent, queues it for the core's ingest workers (`TeamPulse.submit`, see
bot/ingest.py) and acknowledges it, so Slack's 3-second deadline never waits on the
database. Outbound, it implements the Adapter interface with slack_sdk's
AsyncWebClient and maps Slack's answers to RetryLater / DeliveryError for the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.base import (
    TOKEN_REFUSED_STATE,
    Adapter,
    DeliveryError,
    NotRunning,
    Pacing,
    RetryLater,
)
from bot.adapters.parts import Resumable, delivery_key
from bot.adapters.reach import RETRY_SECONDS, Reachability
from bot.adapters.slack_blocks import (
    ACTION_ID_PATTERN,
    answered_blocks,
    message_blocks,
    split_text,
)
from bot.adapters.slack_inbound import (
    action_event,
    command_event,
    describe,
    mention_event,
    message_event,
)
from bot.config import ConfigError, Settings, mask_url
from bot.events import InboundEvent, OutboundMessage, SendResult, Target, is_concealed
from bot.health import add_routes as add_health_routes
from bot.health import cannot_listen
from bot.ingest import INGEST_WAIT, IngestBusy
from bot.log_privacy import describe_exception, held_at_debug, hold_library_loggers, protect
from handlers.registry import COMMANDS

if TYPE_CHECKING:
    from bot.core import TeamPulse
    from bot.org import Org

log = logging.getLogger(__name__)
#: The logger handed to bolt; every logger bolt creates takes its level and filters from it.
BOLT_LOGGER = "bot.adapters.slack.bolt"
#: Our Web API client's logger (see web_api_logger()): under slack_sdk's, so that what an
#: operator sets for slack_sdk holds for it.
WEB_API_LOGGER = "slack_sdk.web.teampulse"

DEFAULT_API_URL = "https://slack.com/api/"
#: Longest Retry-After slept through inside one call; longer waits go back to the outbox.
IN_CALL_RETRY_MAX_WAIT = 5
DEFAULT_RETRY_AFTER = 1.0
#: A slash command's response_url works for 30 minutes, and for five posts ("up to 5 times
#: within 30 minutes", Slack's Handling user interaction page); a sixth is refused.
RESPONSE_URL_TTL = timedelta(minutes=30)
RESPONSE_URL_USES = 5
#: How long stop() waits for events already acknowledged to finish processing.
STOP_GRACE_SECONDS = 10.0
#: How long a slash command from an unfamiliar DM waits to learn whether that DM is the
#: app's own (conversations.open). It comes out of the ingest queue's INGEST_WAIT, so the
#: acknowledgement still leaves within Slack's 3 seconds.
APP_DM_LOOKUP_WAIT = 1.0

#: Every post carries its outbox id in Slack message metadata under this event type, so
#: a post whose outcome a crash left unrecorded can be found in the conversation again.
OUTBOX_EVENT_TYPE = "teampulse_outbox"
#: The window searched for such a post, around the time its call began: before it, for
#: clocks that disagree; after it, for the call's own timeout and in-call retries.
LOOKUP_BEFORE = timedelta(minutes=2)
LOOKUP_AFTER = timedelta(minutes=10)
LOOKUP_PAGE = 100
LOOKUP_MAX_PAGES = 20

#: The longest text one message carries. chat.postMessage's documentation asks for at most
#: 4,000 characters; above that Slack answers msg_too_long (it used to truncate at 40,000).
#: A longer text goes out as several messages, cut at line breaks (see SlackAdapter._parts).
TEXT_LIMIT = 4000
RATE_LIMIT_ERRORS = frozenset({"ratelimited", "rate_limited"})
#: Errors no retry can fix: the outbox marks the message failed at once.
PERMANENT_ERRORS = frozenset({
    "account_inactive", "as_user_not_supported", "cannot_dm_bot", "channel_not_found",
    "ekm_access_denied", "invalid_arguments", "invalid_auth", "invalid_blocks",
    "invalid_blocks_format", "invalid_channel", "invalid_ts", "is_archived", "message_not_found",
    "messages_tab_disabled", "missing_scope", "msg_too_long", "no_permission", "no_text",
    "not_allowed_token_type", "not_authed", "not_in_channel", "org_login_required",
    "restricted_action", "restricted_action_read_only_channel", "team_access_not_granted",
    "token_expired", "token_revoked", "too_many_attachments", "user_disabled", "user_not_found",
    "user_not_in_channel", "cant_update_message", "edit_window_closed", "expired_url", "used_url",
    # A chart's upload to a DM (conversations.open, files.getUploadURLExternal and
    # files.completeUploadExternal): the workspace's file policy, its storage, or a person
    # the bot may not see. Retried, each was given up only after hours, its sender told
    # meanwhile that the chart was in their DM.
    "file_uploads_disabled", "file_uploads_except_images_disabled", "file_type_not_allowed",
    "file_upload_size_restricted", "storage_limit_reached", "posting_to_channel_denied",
    "user_not_visible",
})
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                         "token_expired", "not_allowed_token_type", "missing_scope"})
#: The token itself no longer works (the app uninstalled, the token revoked, the workspace
#: or bot user deactivated): no message can go out until the operator puts in a new token,
#: so queued messages wait instead of each being given up (see SlackAdapter.deliver).
TOKEN_GONE_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive",
                               "token_revoked", "token_expired"})
#: How often, while the token is refused, one queued message tries it again.
TOKEN_RETRY_SECONDS = 60.0
BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format"})
#: chat.postEphemeral fails like this in a channel the bot is not in (slash commands work there).
NOT_IN_CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel"})
#: A channel post refused by the channel itself (archived, gone, the bot not a member): the
#: channel's to fix, as a person's block is theirs (DeliveryError.by_recipient,
#: bot.events.REFUSED), not a request Slack would refuse anywhere (REJECTED).
CHANNEL_REFUSED_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
_TRANSLATION_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class SlackDeliveryError(DeliveryError):
    """A Slack call failed; `code` is Slack's error string (None for transport failures).

    `unreachable` gives the reason when no connection to Slack could be made (refused, timed
    out, a name that does not resolve): the request never left, and Slack is down for all."""

    def __init__(self, message: str, *, code: str | None = None, permanent: bool = False,
                 maybe_delivered: bool = False, unreachable: str | None = None,
                 answered: bool = False) -> None:
        super().__init__(message, permanent=permanent, maybe_delivered=maybe_delivered)
        self.code = code
        self.unreachable = unreachable
        #: Slack itself answered (an error response): it can be reached.
        self.answered = answered


#: Calls that post a message: sent twice, they show it twice.
POSTING_METHODS = frozenset({"chat.postMessage"})
#: Connection errors raised before a request left this machine: retrying cannot double it.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (aiohttp.ClientConnectorError,
                                                aiohttp.ConnectionTimeoutError)


def request_not_sent(err: BaseException) -> bool:
    """Whether a transport failure certainly happened before Slack got the request."""
    while err is not None:
        if isinstance(err, NOT_SENT_ERRORS):
            return True
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return False


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header value from slack_sdk's header shapes ({name: str} or {name: [str]})."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return str(value)
    return None


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds from a Retry-After header, a number of seconds or an HTTP date (as HTTP
    allows: the seconds until then by this machine's clock, none if it has passed); None
    when it is missing or neither."""
    raw = _header(headers, "Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class ShortWaitRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, only when Slack asks for a short wait.

    The retry sleeps inside the call, holding up the whole outbox; a long Retry-After
    is better served by RetryLater, which defers only that chat's messages, durably.
    """

    def __init__(self, max_retry_count: int = 2,
                 max_wait: float = IN_CALL_RETRY_MAX_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def can_retry_async(self, *, state: RetryState, request: HttpRequest,
                              response: HttpResponse | None = None,
                              error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False  # (every answer passes here: no further coroutines for most)
        return await super().can_retry_async(state=state, request=request,
                                              response=response, error=error)

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        raw = _header(response.headers, "Retry-After")
        if raw is None:
            return True  # the parent waits a second or so
        # The parent parses the header with int(); anything else would crash the call.
        return raw.strip().isdigit() and int(raw) <= self.max_wait


class PostSafeConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's retry of dropped connections, except where it could post twice.

    A connection that breaks after a chat.postMessage was sent may break after Slack
    posted it; retrying in the call would post it again. Only a failure to connect is
    retried there; anything else goes back to the outbox, which looks the post up first.
    """

    async def can_retry_async(self, *, state: RetryState, request: HttpRequest,
                              response: HttpResponse | None = None,
                              error: Exception | None = None) -> bool:
        if error is None:
            return False  # an answer came back (every call that worked passes here)
        return await super().can_retry_async(state=state, request=request,
                                              response=response, error=error)

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        if method in POSTING_METHODS and not (error is not None and request_not_sent(error)):
            return False
        return await super()._can_retry_async(state=state, request=request,
                                              response=response, error=error)


class NotSentRetryHandler(AsyncConnectionErrorRetryHandler):
    """For a response_url post: retry only a connection that failed before the request
    left. A response_url post cannot be looked up afterwards (the bot may not read that
    channel; ephemeral notes have no history), so one whose connection broke later goes
    back to the outbox as maybe delivered, never re-posted inside the call."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if error is None or not request_not_sent(error):
            return False
        return await super()._can_retry_async(state=state, request=request,
                                              response=response, error=error)


def web_api_logger() -> logging.Logger:
    """The logger for our Web API client, its own level set to what logging lets through
    now (an adapter is built after logging is configured).

    slack_sdk writes out a DEBUG line for every request and every answer (the whole body,
    a message's text included) whenever its logger's own level, not the effective one, is
    DEBUG or unset, and only then asks logging whether the line is wanted: at the SDK's
    unset level a fan-out spent a twentieth of its time on lines that were then dropped.
    At LOG_LEVEL=DEBUG they are still written, as the operator asked.
    """
    logger = logging.getLogger(WEB_API_LOGGER)
    logger.setLevel(logging.getLogger(WEB_API_LOGGER.rsplit(".", 1)[0]).getEffectiveLevel())
    return logger


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retries for every outbound call: short 429 waits and dropped connections."""
    return [ShortWaitRateLimitRetryHandler(max_retry_count=2),
            PostSafeConnectionErrorRetryHandler(max_retry_count=2)]


def _method_name(method: str) -> str:
    return method.replace("_", ".", 1)


def delivery_error(method: str, err: SlackApiError) -> DeliveryError:
    """Slack's error answer → RetryLater (429), or a permanent or retryable DeliveryError."""
    response = err.response
    status = getattr(response, "status_code", None)
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    name = _method_name(method)
    if status == 429 or code in RATE_LIMIT_ERRORS:
        wait = retry_after_seconds(getattr(response, "headers", None))
        return RetryLater(wait if wait is not None else DEFAULT_RETRY_AFTER,
                          f"Slack {name} rate limited")
    return SlackDeliveryError(f"Slack {name}: {code or f'HTTP {status}'}", code=code,
                              permanent=code in PERMANENT_ERRORS, answered=True)


def outbox_metadata(outbox_id: int, part: int | None = None,
                    parts: int | None = None) -> dict[str, Any]:
    """Slack message metadata naming the outbox row a post delivers; a part of a long text
    but its last also names which part it is (the last stands for the whole delivery)."""
    payload: dict[str, Any] = {"outbox_id": outbox_id}
    if part is not None:
        payload.update(part=part, parts=parts)
    return {"event_type": OUTBOX_EVENT_TYPE, "event_payload": payload}


def slack_ts(moment: datetime) -> str:
    """A datetime as a Slack timestamp (epoch seconds with microseconds)."""
    return f"{moment.timestamp():.6f}"


def api_base_url(url: str | None) -> str:
    """The Web API base URL with the trailing slash slack_sdk needs."""
    base = (url or DEFAULT_API_URL).strip()
    return base if base.endswith("/") else base + "/"


class _SocketModeHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler, except that an envelope bolt chokes on is still acked."""

    async def handle(self, client: AsyncBaseSocketModeClient,  # type: ignore[override]
                     req: SocketModeRequest) -> None:
        try:
            await super().handle(client, req)
        except Exception as exc:
            # Unacknowledged, Slack would redeliver the same envelope, to fail again.
            log.warning("Slack: acknowledged a Socket Mode envelope that could not be "
                        "processed (%s): %s", describe(req.payload), describe_exception(exc))
            await client.send_socket_mode_response(SocketModeResponse(req.envelope_id))


#: What a Web API call may raise that the outbox is told about as a delivery error.
_CALL_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, OSError, TimeoutError)


#: Failures to reach Slack at all, as aiohttp and asyncio raise them.
_UNREACHABLE_ERRORS = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError,
                       TimeoutError)
UNREACHABLE_ADVICE = ("If it lasts, check the network and any proxy (HTTPS_PROXY), and "
                      "SLACK_API_URL if set")


def _call_failure(method: str, err: BaseException) -> Exception:
    """A failed Web API call (one of _CALL_ERRORS) as the outbox's delivery error."""
    if isinstance(err, SlackApiError):
        return delivery_error(method, err)
    name = _method_name(method)
    not_sent = request_not_sent(err)
    return SlackDeliveryError(
        f"Slack {name}: {type(err).__name__}",
        maybe_delivered=name in POSTING_METHODS and not not_sent,
        # The text names the host and port, never the request or a token.
        unreachable=f"{name}: {type(err).__name__}: {err}" if not_sent else None)


def _response_url_error(body: str | None) -> str:
    """Slack's error for a refused response_url post: the body (`used_url`), or its `error`
    when the body is JSON (`{"ok": false, "error": "expired_url"}`)."""
    text = (body or "").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return data["error"]
    return text


class SlackAdapter(Adapter):
    """teampulse in one Slack workspace."""

    platform = "slack"
    markup = "slack"
    supports_ephemeral = True
    # Slack allows about one message per second per channel.
    pacing = Pacing(per_chat=1.0, per_group=1.0)

    def __init__(self, bot: TeamPulse, settings: Settings) -> None:
        if settings.slack_bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set: the Slack adapter needs a bot token")
        self.bot = bot
        self.settings = settings
        # The log handler knows the secrets of the settings it was built from; these may be
        # others (a test's), and their signing secret has no shape a pattern would know.
        protect(*settings.secret_values())
        self.socket_mode = settings.slack_app_token is not None
        # Parts of long texts already posted, so a retry after a failure half-way does not
        # post the first part again.
        self._progress = Resumable()
        token = settings.slack_bot_token.get()
        if not token.startswith("xoxb-"):
            log.warning("SLACK_BOT_TOKEN does not start with xoxb-: use the app's Bot User "
                        "OAuth Token (OAuth & Permissions page)")
        if self.socket_mode:
            assert settings.slack_app_token is not None
            if not settings.slack_app_token.get().startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...) with "
                                  "the connections:write scope (Basic Information → App-Level "
                                  "Tokens)")
        elif settings.slack_signing_secret is None:
            raise ConfigError("Slack HTTP mode needs SLACK_SIGNING_SECRET (or set "
                              "SLACK_APP_TOKEN for Socket Mode)")
        if settings.slack_max_posts_per_second:
            self.pacing = Pacing(per_chat=1.0, per_group=1.0,
                                 overall=1 / settings.slack_max_posts_per_second)
        self.client = AsyncWebClient(token=token, base_url=api_base_url(settings.slack_api_url),
                                     retry_handlers=retry_handlers(), logger=web_api_logger())
        self.app = AsyncApp(
            client=self.client,
            name="teampulse",
            # Passed explicitly so bolt never reads SLACK_SIGNING_SECRET from os.environ itself.
            signing_secret=(settings.slack_signing_secret.get()
                            if settings.slack_signing_secret else ""),
            # Socket Mode frames are authenticated by the app token's connection instead.
            request_verification_enabled=not self.socket_mode,
            # Listeners only ack and start a task, so running them before responding costs
            # nothing and makes the ack deterministic (no polling for it in bolt).
            process_before_response=True,
            # Unknown payloads reach _on_error, which logs and acknowledges them.
            raise_error_for_unhandled_request=True,
            # bolt logs whole request bodies (a refused signature's, at INFO): its loggers,
            # the Socket Mode client's too, only speak below ERROR when DEBUG is on.
            logger=held_at_debug(BOLT_LOGGER),
        )
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self.http_port: int | None = None
        self._known_commands = frozenset(COMMANDS)
        self._names: dict[str, str] = {}
        self._locales: dict[str, str] = {}
        self.org_changed(bot.org)
        self._inflight: set[asyncio.Task[None]] = set()
        self._response_urls: dict[tuple[str, str], tuple[str, datetime]] = {}
        #: Posts made through each remembered response_url.
        self._url_uses: dict[str, int] = {}
        #: Each person's DM with the app (user id → D… id), as far as seen: a command from
        #: any other DM was typed in a DM between people, where the app is no member.
        self._app_dms: dict[str, str] = {}
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        # Whether calls share one connection pool: not once stopped (see stop()).
        self._pooled = True
        #: Slack's error while it refuses the bot token (None while it accepts it).
        self._token_refused: str | None = None
        #: Slack's error while it refuses the app-level token (Socket Mode reconnects).
        self._app_token_refused: str | None = None
        #: How long a Socket Mode reconnect waits before asking again for a refused app token.
        self.app_token_retry_seconds = TOKEN_RETRY_SECONDS
        #: Whether a message is trying the refused token (the others wait meanwhile).
        self._token_probe = False
        #: Slack's servers not answering at all (a network outage), as opposed to refusing.
        self._reach = Reachability(bot, self.platform, "Slack", UNREACHABLE_ADVICE)
        #: How long a Socket Mode reconnect waits before asking again while Slack is down.
        self.unreachable_retry_seconds = RETRY_SECONDS
        self._register_listeners()
        # bolt copies its base logger's filter only to loggers it creates afresh; one made
        # earlier (by another app in this process) gets it here.
        hold_library_loggers("slack_bolt")

    def org_changed(self, org: Org) -> None:
        """Names (for mentions) and locales (for private notes) from the org file in use."""
        # Replaced whole, not updated in place: a listener running meanwhile reads one or
        # the other.
        self._names = {p.slack_id: p.name for p in org.people if p.slack_id}
        self._locales = {p.slack_id: p.locale for p in org.people if p.slack_id}

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token, then connect (Socket Mode) or listen (HTTP); returns once running."""
        self._pooled = True
        self.bot_user_id = await self._whoami()
        self._token_refused = None  # auth.test just accepted it (a new term, say)
        if self.socket_mode:
            await self._start_socket_mode()
        else:
            await self._start_http()

    async def _whoami(self) -> str | None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as err:
            code = err.response.get("error") if isinstance(err.response.data, dict) else None
            if code in AUTH_ERRORS:
                raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN ({code}): copy the Bot User "
                                  "OAuth Token (xoxb-...) from the app's OAuth & Permissions "
                                  "page, and reinstall the app if you changed its scopes") from err
            raise
        except (TimeoutError, aiohttp.ClientError) as err:
            # Nothing answered auth.test: one line, as for a database that cannot be reached.
            reason = str(err) or type(err).__name__
            where = mask_url(api_base_url(self.settings.slack_api_url))
            raise ConfigError(
                f"cannot reach Slack's Web API at {where} to check SLACK_BOT_TOKEN: "
                f"{reason}; check the network and any proxy "
                "(HTTPS_PROXY), and SLACK_API_URL if set") from None
        log.info("Slack: signed in as %s (%s) in workspace %s", auth.get("user"),
                 auth.get("user_id"), auth.get("team"))
        self.bot_id = auth.get("bot_id")
        self._share_auth_test(auth)
        return auth.get("user_id")

    def _share_auth_test(self, auth: AsyncSlackResponse) -> None:
        """Give bolt's authorization the auth.test answer start() already has.

        Left to itself, bolt calls auth.test on the first request it serves, and on
        every request that arrives before that call returns: the first burst after a
        start made one call per event (and each of those requests waited for it).
        bolt has no public way to hand it over; if its internals move, it asks again.
        """
        for middleware in getattr(self.app, "_async_middleware_list", ()):
            if isinstance(middleware, AsyncSingleTeamAuthorization) \
                    and middleware.auth_test_result is None:
                middleware.auth_test_result = auth

    async def _start_socket_mode(self) -> None:
        assert self.settings.slack_app_token is not None
        app_token = self.settings.slack_app_token.get()
        # slack_sdk's connect() retries a rejected token forever; ask once here so a wrong
        # token stops start-up with a clear message, and hand the URL on.
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as err:
            code = err.response.get("error") if isinstance(err.response.data, dict) else None
            raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({code}): create an app-level "
                              "token with connections:write and enable Socket Mode") from err
        handler = _SocketModeHandler(self.app, app_token=app_token, web_client=self.client)
        handler.client.wss_uri = opened["url"]
        # Every later URL (the reconnects) through ours: see _socket_url.
        handler.client.issue_new_wss_url = self._socket_url  # type: ignore[method-assign]
        await handler.connect_async()
        self._socket = handler
        log.info("Slack: connected in Socket Mode")

    async def _socket_url(self) -> str:
        """A new Socket Mode URL for slack_sdk's reconnects (apps.connections.open).

        When Slack refuses the app-level token (the app uninstalled, the token revoked),
        slack_sdk would log two ERROR lines every 10 seconds, forever, naming neither the
        setting nor the fix, while /readyz said "connected". Instead: one ERROR line with
        what to do, /readyz 503 "token_refused", and the token tried again once a minute
        (this call waits meanwhile; a stop cancels it), reconnecting once it is accepted.
        """
        assert self.settings.slack_app_token is not None
        while True:
            try:
                opened = await self.client.apps_connections_open(
                    app_token=self.settings.slack_app_token.get())
            except _UNREACHABLE_ERRORS as err:
                # slack_sdk would log an ERROR line every 10 seconds, while /readyz said
                # "connected": one WARNING instead, and "unreachable" until it answers.
                self._reach.lost(f"apps.connections.open: {type(err).__name__}: {err}",
                                 f"asks again every {self.unreachable_retry_seconds:g} s "
                                 "and reconnects in Socket Mode", receiving=True)
                await asyncio.sleep(self.unreachable_retry_seconds)
                continue
            except SlackApiError as err:
                code = err.response.get("error") if isinstance(err.response.data, dict) else None
                if code == "ratelimited":  # as slack_sdk does: wait as told, ask again
                    # (An HTTP date, not seconds, raised here: slack_sdk's ERROR line and
                    # traceback every 10 seconds, not the wait asked for.)
                    wait = retry_after_seconds(err.response.headers)
                    await asyncio.sleep(30.0 if wait is None else wait)
                    continue
                if code not in TOKEN_GONE_ERRORS:
                    raise  # slack_sdk logs it and tries again in 10 seconds
                self._app_token_refused_now(code)
                await asyncio.sleep(self.app_token_retry_seconds)
                continue
            self._app_token_accepted()
            self._reach.back()
            return str(opened["url"])

    def _app_token_refused_now(self, code: str) -> None:
        if self._app_token_refused is None:
            log.error(
                "Slack no longer accepts SLACK_APP_TOKEN (%s): the app was uninstalled or "
                "its app-level token revoked, so the Socket Mode connection is closed and "
                "nothing from Slack (messages, slash commands, buttons) reaches teampulse "
                "meanwhile. teampulse asks again once a minute and reconnects on its own "
                "once Slack accepts the token. To fix: reinstall the app if it was "
                "uninstalled, create an app-level token with connections:write (Basic "
                "Information → App-Level Tokens), put it (xapp-…) in SLACK_APP_TOKEN and "
                "restart teampulse", code)
        self._app_token_refused = code
        self.bot.platform_state[self.platform] = TOKEN_REFUSED_STATE

    def _app_token_accepted(self) -> None:
        if self._app_token_refused is None:
            return
        self._app_token_refused = None
        log.warning("Slack accepts SLACK_APP_TOKEN again: reconnecting in Socket Mode")
        self._token_state_cleared()

    def _token_state_cleared(self) -> None:
        """/readyz "connected" again, once Slack accepts both tokens."""
        # Only our own mark is undone: a follower's "standby" or a stopped adapter stays.
        if self._token_refused is None and self._app_token_refused is None \
                and self.bot.platform_state.get(self.platform) == TOKEN_REFUSED_STATE:
            self.bot.platform_state[self.platform] = "connected"

    async def _start_http(self) -> None:
        settings = self.settings
        # One path for the Events API, slash commands and interactivity, like bolt's server.
        web_app = web.Application()
        web_app.router.add_post(settings.slack_http_path, self._on_http)
        # Health checks and metrics on the port the load balancer already reaches.
        add_health_routes(web_app, self.bot)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.slack_http_host, settings.slack_http_port).start()
        except OSError as exc:
            await runner.cleanup()
            raise cannot_listen("SLACK_HTTP_HOST/SLACK_HTTP_PORT", settings.slack_http_host,
                                settings.slack_http_port, exc) from None
        self._runner = runner
        self.http_port = int(runner.addresses[0][1])
        log.info("Slack: HTTP mode, receiving events, commands and interactivity on "
                 "http://%s:%d%s", settings.slack_http_host, self.http_port,
                 settings.slack_http_path)

    async def stop(self) -> None:
        """Stop receiving, then let events already acknowledged finish."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if not await self.bot.ingest.join(STOP_GRACE_SECONDS):
            log.warning("Slack: %d event(s) still waiting at shutdown; Slack was told they "
                        "were received, but they are lost", self.bot.ingest.waiting())
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=STOP_GRACE_SECONDS)
            if pending:
                log.warning("Slack: %d event(s) still processing at shutdown", len(pending))
        # A call after this (the outbox's last flush at exit) goes on a session of its own
        # that slack_sdk closes after it: a pool opened again now would never be closed.
        self._pooled = False
        await self._close_session()

    async def dispatch(self, request: AsyncBoltRequest) -> BoltResponse:
        """One HTTP-mode request through bolt (signature check, ack, listeners).

        A payload that trips bolt itself is logged and acknowledged: answered with an
        error, Slack would only deliver it again.
        """
        try:
            return await self.app.async_dispatch(request)
        except Exception as exc:
            log.warning("Slack: acknowledged a request that could not be processed (%s): %s",
                        describe(request.body), describe_exception(exc))
            return BoltResponse(status=200, body="")

    async def _on_http(self, request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:
            # Slack always sends JSON or a form; this came from somewhere else.
            log.warning("Slack: refused an HTTP request whose body is neither JSON nor a form")
            return web.Response(status=400, text="bad request")
        return await to_aiohttp_response(await self.dispatch(bolt_request))

    async def drain(self) -> None:
        """Wait until every event acknowledged so far has been processed, and what their
        processing queued has been sent as far as it is due (the outbox loop's work)."""
        await self.bot.ingest.join()
        while self._inflight:
            await asyncio.gather(*set(self._inflight), return_exceptions=True)
        await self.bot.deliver()

    # --- inbound -------------------------------------------------------------------------

    def _register_listeners(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.command(re.compile(r"^/"))(self._on_command)
        app.action(ACTION_ID_PATTERN)(self._on_choice)
        app.error(self._on_error)

    # Each listener queues its event (bot/ingest.py) and only then acknowledges it: the
    # queue is bounded, and when it stays full IngestBusy escapes the listener, bolt
    # answers 500 (no ack) and Slack delivers the event again later, instead of us
    # acknowledging an event we could not keep.

    async def _on_message(self, ack: AsyncAck, body: dict[str, Any],
                          context: AsyncBoltContext) -> None:
        event = body.get("event") or {}
        if event.get("channel_type") == "im" and isinstance(event.get("user"), str) \
                and isinstance(event.get("channel"), str):
            # message.im brings only the app's own DMs.
            self._app_dms[event["user"]] = event["channel"]
        await self._accept(body, lambda: message_event(body, self._names,
                                                       context.bot_user_id or self.bot_user_id))
        await ack()

    async def _on_mention(self, ack: AsyncAck, body: dict[str, Any],
                          context: AsyncBoltContext) -> None:
        await self._accept(body, lambda: mention_event(
            body, context.bot_user_id or self.bot_user_id, self._names))
        await ack()

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        event = self._translate(command, lambda: command_event(
            command, self._known_commands, self._names, self.bot_user_id))
        if event is not None:
            url = command.get("response_url")
            if isinstance(url, str) and url:
                self._remember_response_url(event.chat_id, event.user_id, url)
            loop = asyncio.get_running_loop()
            began = loop.time()
            if event.is_direct and not await self._is_app_dm(event.user_id, event.chat_id):
                # A DM between people: Slack names it like the app's DM, but the app is no
                # member. Answered there as in a channel the bot is not in: a private
                # answer as an ephemeral note through the command's response_url (the
                # other person never sees it), a public one (a kudos shout-out) for both.
                event = replace(event, chat_type="group")
            await self.bot.submit(event, wait=max(0.0, INGEST_WAIT - (loop.time() - began)))
        await ack()

    async def _is_app_dm(self, user: str, channel: str) -> bool:
        """Whether `channel` (a DM a command came from) is `user`'s DM with the app.

        Asked of Slack once per person (conversations.open names the app's DM). If
        Slack cannot answer in time, it counts as the app's DM: the answer then goes
        there, where nobody else reads it, though the person is not told so.
        """
        known = self._app_dms.get(user)
        if known is None:
            try:
                opened = await asyncio.wait_for(
                    self._call("conversations_open", users=user), APP_DM_LOOKUP_WAIT)
                known = str(opened["channel"]["id"])
            except (DeliveryError, TimeoutError, KeyError, TypeError) as exc:
                log.warning("Slack: could not tell whether a command came from %s's DM with "
                            "the app (%s); answering in that DM", user,
                            describe_exception(exc))
                return True
            self._app_dms[user] = known
        return known == channel

    async def _on_choice(self, ack: AsyncAck, body: dict[str, Any],
                         action: dict[str, Any]) -> None:
        event = self._translate(body, lambda: action_event(body, action))
        if event is not None:
            async def mark(handled: bool) -> None:
                # Once handled (not before: a press that did nothing, a stale button, leaves
                # the message as it was), and not holding the acknowledgement up.
                if handled:
                    await self._mark_answered(body, action, event)

            await self._queue(event, mark)
        await ack()

    async def _on_error(self, error: Exception, body: dict[str, Any],
                        response: BoltResponse | None) -> BoltResponse | None:
        if isinstance(error, IngestBusy):
            log.warning("Slack: too many events waiting (%s); not acknowledging %s, so "
                        "Slack delivers it again later", error, describe(body))
            return None  # bolt answers 500: no ack
        if isinstance(error, BoltUnhandledRequestError):
            # Acknowledge it: a 404 would only make Slack deliver it again and again.
            log.warning("Slack: acknowledged a request teampulse does not handle (%s)",
                        describe(body))
            return BoltResponse(status=200, body="") if response is not None else None
        log.error("Slack: handling a request (%s) failed: %s", describe(body),
                  describe_exception(error))
        return None

    def _translate(self, body: Any,
                   translate: Callable[[], InboundEvent | None]) -> InboundEvent | None:
        try:
            event = translate()
        except _TRANSLATION_ERRORS as exc:
            # The exception's message may quote the payload: its type only.
            log.warning("Slack: acknowledged a payload of unexpected shape (%s): %s",
                        describe(body), describe_exception(exc))
            return None
        if event is None:
            log.debug("Slack: ignoring %s (a bot, an edit or a deletion)", describe(body))
        return event

    async def _accept(self, body: dict[str, Any],
                      translate: Callable[[], InboundEvent | None]) -> None:
        event = self._translate(body, translate)
        if event is not None:
            await self._queue(event)

    async def _queue(self, event: InboundEvent,
                     then: Callable[[bool], Coroutine[Any, Any, None]] | None = None) -> None:
        await self.bot.submit(event, then, wait=INGEST_WAIT)

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        # Tracked, so stop() and drain() can wait for work Slack was already told is done.
        task = asyncio.create_task(work, name=f"slack: {what}")
        self._inflight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("Slack: processing %s failed", task.get_name(), exc_info=exc)

    async def _mark_answered(self, body: dict[str, Any], action: dict[str, Any],
                             event: InboundEvent) -> None:
        """Show the pressed button's label in place of the buttons, so it is not pressed twice.

        An anonymous answer shows only "answered" (the core says which): the chat
        history must not keep the choice.
        """
        label = self.bot.pressed_label(event, str(
            (action.get("text") or {}).get("text") or action.get("value") or ""))
        if label is None:  # a press that did nothing: its reply says so, its choice is open
            return
        container = body.get("container") or {}
        message = body.get("message") or {}
        text = str(message.get("text") or label)
        blocks = answered_blocks(message.get("blocks"), text, label)
        try:
            if message and not container.get("is_ephemeral") and container.get("message_ts"):
                await self._call("chat_update", channel=container["channel_id"],
                                 ts=container["message_ts"], text=text, blocks=blocks)
            elif body.get("response_url"):
                # Ephemeral messages cannot be edited with chat.update; response_url can.
                await self._respond(body["response_url"], {"replace_original": True,
                                                           "text": text, "blocks": blocks})
        except DeliveryError as exc:
            # A pulse answer's line only at DEBUG: at WARNING its time said when someone
            # answered (an outage fails every press alike).
            log.log(logging.DEBUG if is_concealed(event.action) else logging.WARNING,
                    "Slack: could not mark the answered message: %s", exc)

    def _remember_response_url(self, channel: str, user: str, url: str) -> None:
        now = self.bot.clock.now()
        self._response_urls = {k: v for k, v in self._response_urls.items() if v[1] > now}
        self._response_urls[(channel, user)] = (url, now + RESPONSE_URL_TTL)
        live = {v[0] for v in self._response_urls.values()}
        self._url_uses = {u: n for u, n in self._url_uses.items() if u in live}

    def _response_url(self, channel: str, user: str) -> str | None:
        found = self._response_urls.get((channel, user))
        if found is None or found[1] <= self.bot.clock.now():
            return None
        return found[0]

    # --- outbound ------------------------------------------------------------------------

    async def send_dm(self, user_ref: str, message: OutboundMessage) -> SendResult:
        """Post to a person's DM with the app (channel = their user id)."""
        return self._result(await self._post("chat_postMessage", message, channel=user_ref))

    async def post_to_channel(self, channel: str, message: OutboundMessage) -> SendResult:
        """Post to a channel the bot is a member of."""
        return self._result(await self._post("chat_postMessage", message, channel=channel))

    async def reply_in_thread(self, channel: str, thread_id: str,
                              message: OutboundMessage) -> SendResult:
        """Reply in a message's thread."""
        return self._result(await self._post("chat_postMessage", message, channel=channel,
                                             thread_ts=thread_id))

    async def send_ephemeral(self, channel: str, user_ref: str,
                             message: OutboundMessage) -> SendResult:
        """A note only `user_ref` sees, inside the channel."""
        return await self._ephemeral(channel, user_ref, message)

    async def deliver(self, target: Target, message: OutboundMessage) -> SendResult:
        """As the base class, keeping an ephemeral reply inside its thread, and posting
        through a slash command's response_url in a channel the bot is not a member of.

        While Slack refuses the token itself, every message waits in the outbox (NotRunning
        holds the whole platform) rather than being given up one by one; one message at
        a time tries the token again, the others wait without asking Slack."""
        # One function, no wrapper: a coroutine more per message costs a fan-out (below).
        probing = self._token_refused is not None
        if probing:
            if self._token_probe:
                raise NotRunning(TOKEN_RETRY_SECONDS,
                                 f"Slack refuses SLACK_BOT_TOKEN ({self._token_refused})")
            self._token_probe = True
        # While Slack cannot be reached, likewise one message at a time tries it; those due
        # meanwhile wait for its answer (and go at once if Slack is back).
        try:
            reaching = self._reach.down and await self._reach.probe()
        except BaseException:  # held (still down), or a stop while waiting
            if probing:
                self._token_probe = False
            raise
        try:
            if message.replaces is not None:
                return await self._replace(target, message.replaces, message)
            if message.image is not None:
                return await super().deliver(target, message)
            if target.kind == "ephemeral" and target.user_ref:
                return await self._ephemeral(target.address, target.user_ref, message,
                                             target.thread_id)
            # A DM, a channel post or a thread reply: chat.postMessage, as send_dm,
            # post_to_channel and reply_in_thread do (straight here: two coroutines fewer
            # for every message of a fan-out).
            thread_ts = target.thread_id if target.kind == "thread" else None
            try:
                if message.choices or len(message.text) > TEXT_LIMIT:
                    # Blocks (_post sends the text alone if Slack refuses them), or parts.
                    sent = await self._post_all("chat_postMessage", message,
                                                channel=target.address, thread_ts=thread_ts)
                    result = self._result(sent[-1])
                    if len(sent) > 1:  # each part's ts, for an edit or deletion of it all
                        result.extra["message_ids"] = [r.get("ts") for r in sent]
                    return result
                # Text alone (nearly every message of a round): the call _post and _call
                # would make, from here, failures translated as _call does (two coroutines
                # and two argument dicts fewer per message: 1-3% of an uncapped fan-out,
                # measured).
                kwargs: dict[str, Any] = {"channel": target.address, "text": message.text,
                                          "unfurl_links": False, "unfurl_media": False}
                if thread_ts is not None:
                    kwargs["thread_ts"] = thread_ts
                if message.outbox_id is not None:
                    kwargs["metadata"] = outbox_metadata(message.outbox_id)
                if self._pooled:
                    self._shared_session()
                try:
                    resp = await self.client.chat_postMessage(**kwargs)
                except _CALL_ERRORS as err:
                    raise _call_failure("chat_postMessage", err) from err
                return self._result(resp)
            except SlackDeliveryError as err:
                if err.code not in NOT_IN_CHANNEL_ERRORS or not target.user_ref \
                        or target.kind == "dm":
                    raise
                url = self._response_url(target.address, target.user_ref)
                if url is None:
                    return await self._to_dm_instead(target.address, target.user_ref, message)
                if self._posts_needed(url, "in_channel", message) > self._uses_left(url):
                    raise
            # A slash command in a channel the bot is not in (they work in any channel):
            # Slack refuses the bot's post there, but the command's response_url posts for
            # everyone.
            try:
                await self._respond_in_parts(url, "in_channel", message)
            except SlackDeliveryError as refused:
                if not refused.permanent:
                    raise
                return await self._to_dm_instead(target.address, target.user_ref, message,
                                                 self._url_refused(url, refused))
            return SendResult(extra={"channel": target.address, "via": "response_url"})
        except SlackDeliveryError as err:
            if err.unreachable is not None:
                raise self._unreachable(err.unreachable) from err
            if err.code in CHANNEL_REFUSED_ERRORS and target.kind in ("channel", "thread"):
                err.by_recipient = True
            if err.code not in TOKEN_GONE_ERRORS:
                if err.answered:  # an error of this message's (a channel gone, a 500)
                    self._reach.back()
                raise
            raise self._token_refused_now(err.code) from err
        except RetryLater as err:
            if not isinstance(err, NotRunning):  # a 429 is an answer too
                self._reach.back()
            raise
        finally:
            if probing:
                self._token_probe = False
            if reaching:
                self._reach.probed()

    def _unreachable(self, reason: str) -> NotRunning:
        """No connection to Slack: said once, /readyz "unreachable", the message waits."""
        tried = (f"tries again every {RETRY_SECONDS:g} s with one queued message"
                 if not self.socket_mode else
                 f"reconnects in Socket Mode and tries sending again every {RETRY_SECONDS:g} s")
        return self._reach.lost(reason, tried, receiving=self.socket_mode)

    def _token_refused_now(self, code: str) -> NotRunning:
        """Say once (per refusal) what happened and what to do; the message waits."""
        if self._token_refused is None:
            log.error(
                "Slack no longer accepts SLACK_BOT_TOKEN (%s): the app was uninstalled, its "
                "token revoked, or the workspace deactivated. Nothing is sent to Slack "
                "meanwhile; messages stay queued and go out once Slack accepts a token again "
                "(tried once a minute). To fix: reinstall the app (OAuth & Permissions → "
                "Reinstall to Workspace), put its Bot User OAuth Token (xoxb-…) in "
                "SLACK_BOT_TOKEN and restart teampulse", code)
        self._token_refused = code
        # /readyz: 503 while no message can go out, rather than "connected".
        self.bot.platform_state[self.platform] = TOKEN_REFUSED_STATE
        return NotRunning(TOKEN_RETRY_SECONDS, f"Slack refuses SLACK_BOT_TOKEN ({code})")

    def _token_accepted(self) -> None:
        """A call Slack answered: after a refused token, say it works again (log, /readyz)."""
        if self._token_refused is None:
            return
        self._token_refused = None
        log.warning("Slack accepts SLACK_BOT_TOKEN again: sending what was queued")
        self._token_state_cleared()

    async def _ephemeral(self, channel: str, user: str, message: OutboundMessage,
                         thread_ts: str | None = None) -> SendResult:
        try:
            resp = await self._post("chat_postEphemeral", message, channel=channel, user=user,
                                    thread_ts=thread_ts)
        except SlackDeliveryError as err:
            if err.code not in NOT_IN_CHANNEL_ERRORS:
                raise
            url = self._response_url(channel, user)
            if url is None:
                return await self._to_dm_instead(channel, user, message)
            # Slash commands work in channels the bot is not in; their response_url
            # still reaches the person there, for as many posts as it has left.
            if self._posts_needed(url, "ephemeral", message) <= self._uses_left(url):
                try:
                    await self._respond_in_parts(url, "ephemeral", message)
                except SlackDeliveryError as refused:
                    if not refused.permanent:
                        raise
                    return await self._to_dm_instead(channel, user, message,
                                                     self._url_refused(url, refused))
                return SendResult(extra={"channel": channel, "via": "response_url"})
            # Longer than that: whole in their DM, and a note where they asked.
            sent = await self._post("chat_postMessage", message, channel=user)
            await self._note_answered_in_private(url, user)
            return self._result(sent)
        return SendResult(external_id=resp.get("message_ts"), extra={"channel": channel})

    async def _to_dm_instead(self, channel: str, user: str, message: OutboundMessage,
                             why: str = "is gone (a restart, or over 30 minutes)"
                             ) -> SendResult:
        """The answer to `user`'s command, for a conversation the bot cannot post in and
        whose response_url is unknown or refused, in their DM with the app instead.

        The address lives in memory only, for 30 minutes: it is gone after a restart
        between the command and its answer, or when the answer waited longer (a long
        rate limit); Slack may refuse it too (expired_url, used_url: its clock and count,
        not ours). Failing would lose the answer for good.
        """
        log.info("Slack: cannot post in %s and the command's reply address %s; sending "
                 "the answer to %s's DM", channel, why, user)
        return self._result(await self._post("chat_postMessage", message, channel=user))

    def _url_refused(self, url: str, err: SlackDeliveryError) -> str:
        """A response_url Slack refused for good is used no more (no note through it
        either); why, for the log."""
        self._url_uses[url] = RESPONSE_URL_USES
        return f"was refused ({err.code or err})"

    def _uses_left(self, url: str) -> int:
        return RESPONSE_URL_USES - self._url_uses.get(url, 0)

    @staticmethod
    def _response_key(url: str, response_type: str, message: OutboundMessage) -> str:
        return delivery_key("response_url", url, response_type, message.outbox_id,
                            message.text)

    def _posts_needed(self, url: str, response_type: str, message: OutboundMessage) -> int:
        """The response_url posts `message` still takes: its parts not yet confirmed."""
        return len(self._parts(message)) - self._progress.done(
            self._response_key(url, response_type, message))

    async def _respond_in_parts(self, url: str, response_type: str,
                                message: OutboundMessage) -> None:
        """Post `message` through a command's response_url, counting the posts it takes.

        A retry resumes at the first part Slack did not confirm. A post that may have
        arrived (its connection broke after it left) counts as one of the address's five.
        """
        async def post(part: OutboundMessage) -> None:
            try:
                await self._respond(url, {"response_type": response_type, "text": part.text,
                                          "blocks": message_blocks(part)})
            except SlackDeliveryError as err:
                if err.maybe_delivered:
                    self._url_uses[url] = self._url_uses.get(url, 0) + 1
                raise
            self._url_uses[url] = self._url_uses.get(url, 0) + 1

        await self._progress.run(self._response_key(url, response_type, message),
                                 [partial(post, part) for part in self._parts(message)])

    async def _note_answered_in_private(self, url: str, user: str) -> None:
        """Tell the person, where they asked, that the answer is in their DM."""
        if self._uses_left(url) < 1:
            return
        locale = self.bot.sender_locale("slack", user) or self._locales.get(user, "en")
        note = self.bot.renderer.message(locale, "answered_in_private", "slack")
        try:
            await self._respond_in_parts(url, "ephemeral", OutboundMessage(note))
        except DeliveryError as exc:  # the answer itself is in the DM already
            log.info("Slack: could not say in the channel that the answer is in the DM: %s",
                     exc)

    async def upload_image(self, target: Target, image: bytes, filename: str,
                           caption: str) -> SendResult:
        """Upload a file with a caption; a DM (or ephemeral) image goes to the person's DM."""
        channel = target.address
        if target.kind in {"dm", "ephemeral"}:
            user = target.user_ref if target.kind == "ephemeral" and target.user_ref \
                else target.address
            opened = await self._call("conversations_open", users=user)
            channel = opened["channel"]["id"]
        resp = await self._call("files_upload_v2", channel=channel, file=image,
                                filename=filename, initial_comment=caption or None,
                                thread_ts=target.thread_id if target.kind == "thread" else None)
        file = resp.get("file") or {}
        return SendResult(external_id=file.get("id"), extra={"channel": channel})

    def can_find_delivered(self, target: Target, message: OutboundMessage) -> bool:
        """Posts (DM, channel, thread) carry their outbox id and can be looked up.

        Ephemeral notes cannot: Slack keeps no history of them. Nor can images: a file
        upload carries no message metadata. An edit or a deletion needs no looking up:
        done again, it changes nothing more.
        """
        if message.outbox_id is None or message.image is not None or message.replaces:
            return False
        return not (target.kind == "ephemeral" and target.user_ref)

    async def find_delivered(self, target: Target, message: OutboundMessage,
                             since: datetime) -> SendResult | None:
        """Search the conversation around `since` for the post tagged with the outbox id.

        A refused token is no answer: the lookup waits (NotRunning) for a token Slack
        accepts, rather than the outbox taking 'cannot look' as 'send it again'."""
        try:
            found = await self._find_delivered(target, message, since)
        except SlackDeliveryError as err:
            if err.unreachable is not None:
                raise self._unreachable(err.unreachable) from err
            if err.code not in TOKEN_GONE_ERRORS:
                raise
            raise self._token_refused_now(err.code) from err
        self._token_accepted()
        self._reach.back()
        return found

    async def _find_delivered(self, target: Target, message: OutboundMessage,
                              since: datetime) -> SendResult | None:
        channel = target.address
        if target.kind == "dm":
            # Posts to a user id land in the app's DM with them, whose id history needs.
            opened = await self._call("conversations_open", users=target.address)
            channel = opened["channel"]["id"]
        method = "conversations_history"
        query: dict[str, Any] = {
            "channel": channel, "oldest": slack_ts(since - LOOKUP_BEFORE),
            "latest": slack_ts(since + LOOKUP_AFTER), "inclusive": True,
            "include_all_metadata": True, "limit": LOOKUP_PAGE}
        if target.kind == "thread" and target.thread_id:
            # conversations.history lists only a thread's parent, not its replies.
            method, query["ts"] = "conversations_replies", target.thread_id
        cursor: str | None = None
        parts_found: set[int] = set()
        for _ in range(LOOKUP_MAX_PAGES):
            resp = await self._call(method, cursor=cursor, **query)
            for posted in resp.get("messages") or []:
                part = self._delivers(posted, message.outbox_id)
                if part == 0:
                    return SendResult(external_id=posted.get("ts"), extra={"channel": channel})
                if part is not None:
                    parts_found.add(part)
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                self._resume_parts(target, message, parts_found)
                return None
        # Thousands of messages in a few minutes: asking again would only stall the chat.
        raise SlackDeliveryError(f"Slack {_method_name(method)}: more than "
                                 f"{LOOKUP_MAX_PAGES} pages in the lookup window",
                                 permanent=True)

    def _delivers(self, posted: Mapping[str, Any], outbox_id: int | None) -> int | None:
        """Whether a message from history is this app's post of outbox row `outbox_id`:
        0 for the whole delivery (or a long text's last part), a part's number for an
        earlier part, None for another message."""
        metadata = posted.get("metadata") or {}
        if metadata.get("event_type") != OUTBOX_EVENT_TYPE:
            return None
        if self.bot_id is not None and posted.get("bot_id") not in (None, self.bot_id):
            return None  # another app (another teampulse, say) with its own outbox ids
        payload = metadata.get("event_payload") or {}
        if str(payload.get("outbox_id")) != str(outbox_id):
            return None
        part = payload.get("part")
        return part if isinstance(part, int) and part > 0 else 0

    def _resume_parts(self, target: Target, message: OutboundMessage,
                      found: set[int]) -> None:
        """A long text a crash cut short: its resend starts after the parts Slack has,
        so none shows twice (the key is the one deliver() gives _post)."""
        done = 0
        while done + 1 in found:
            done += 1
        if done:
            thread_ts = target.thread_id if target.kind == "thread" else None
            self._progress.resume(delivery_key("chat_postMessage", target.address, None,
                                               thread_ts, message.outbox_id, message.text),
                                  done)

    async def _replace(self, target: Target, ts: str, message: OutboundMessage) -> SendResult:
        """chat.update (or chat.delete) of the bot's post `ts`; one already gone (deleted
        by an admin) is left so. Only in a channel: a DM's posts are at its own id."""
        method = "chat_delete" if message.deletes else "chat_update"
        try:
            resp = await self._call(method, channel=target.address, ts=ts,
                                    text=None if message.deletes else message.text)
        except SlackDeliveryError as err:
            if err.code != "message_not_found":
                raise
            self._reach.back()
            return SendResult(external_id=ts, extra={"channel": target.address})
        return self._result(resp)

    def is_group_address(self, address: str) -> bool:
        """Channels (C…) and private channels or group DMs (G…); user ids and DMs are not."""
        return address[:1] in {"C", "G"}

    def _result(self, resp: AsyncSlackResponse) -> SendResult:
        """A post Slack accepted; the first after a refused token says the token works."""
        self._token_accepted()
        self._reach.back()
        return SendResult(external_id=resp.get("ts"), extra={"channel": resp.get("channel")})

    @staticmethod
    def _parts(message: OutboundMessage) -> list[OutboundMessage]:
        """`message` as Slack takes it: itself, or for a text over TEXT_LIMIT several
        messages cut at line breaks, the buttons and the outbox id on the last (so the
        outbox finds a delivery again only once all of it went out; _post tags the
        earlier parts with their number, for a resend to start after them)."""
        pieces = split_text(message.text, TEXT_LIMIT)
        if len(pieces) <= 1:
            return [message]
        last = len(pieces) - 1
        return [replace(message, text=piece, choices=message.choices if i == last else (),
                        outbox_id=message.outbox_id if i == last else None)
                for i, piece in enumerate(pieces)]

    async def _post(self, method: str, message: OutboundMessage,
                    **kwargs: Any) -> AsyncSlackResponse:
        """Send `message`, in parts if its text is longer than one message takes; a retry
        after a failure half-way starts from the part that failed. Slack's answer to the
        last part."""
        return (await self._post_all(method, message, **kwargs))[-1]

    async def _post_all(self, method: str, message: OutboundMessage,
                        **kwargs: Any) -> list[AsyncSlackResponse]:
        """_post, with Slack's answer to each part posted."""
        parts = self._parts(message)
        if len(parts) == 1:
            return [await self._post_one(method, message, **kwargs)]
        key = delivery_key(method, kwargs.get("channel"), kwargs.get("user"),
                           kwargs.get("thread_ts"), message.outbox_id, message.text)
        tagged = method == "chat_postMessage" and message.outbox_id is not None
        steps = []
        for index, part in enumerate(parts):
            extra = dict(kwargs)
            if tagged and index < len(parts) - 1:
                # Found after a crash, the parts posted say where to go on from.
                assert message.outbox_id is not None
                extra["metadata"] = outbox_metadata(message.outbox_id, index + 1, len(parts))
            steps.append(partial(self._post_one, method, part, **extra))
        return list(await self._progress.run(key, steps))

    async def _post_one(self, method: str, message: OutboundMessage,
                        **kwargs: Any) -> AsyncSlackResponse:
        """Send text (plus Block Kit for choices); if Slack rejects the blocks, the text alone.

        A chat.postMessage from the outbox carries the outbox id as message metadata.
        """
        blocks = message_blocks(message)
        if method == "chat_postMessage" and message.outbox_id is not None:
            kwargs["metadata"] = outbox_metadata(message.outbox_id)
        try:
            return await self._call(method, text=message.text, blocks=blocks,
                                    unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackDeliveryError as err:
            if blocks is None or err.code not in BLOCK_ERRORS:
                raise
            # The text always says how to answer by typing, so it works without buttons.
            # (An anonymous poll's DM at DEBUG: its time would say when someone answered.)
            log.log(logging.DEBUG if message.anonymous else logging.WARNING,
                    "Slack: %s; sending the text without buttons", err)
            return await self._call(method, text=message.text, unfurl_links=False,
                                    unfurl_media=False, **kwargs)

    def _shared_session(self) -> None:
        """Give the Web API client one HTTP session (a pool of kept-alive connections).

        Without one, slack_sdk opens and closes a session, and a connection, per call:
        most of a fan-out's time went to that. Made on first use, inside the event loop.
        """
        session = self.client.session
        if session is None or session.closed:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.client.timeout),
                trust_env=self.client.trust_env_in_session)

    async def _close_session(self) -> None:
        session, self.client.session = self.client.session, None
        if session is not None and not session.closed:
            await session.close()

    async def _call(self, method: str, **kwargs: Any) -> AsyncSlackResponse:
        """One Web API call, its failure translated for the outbox."""
        if self._pooled:
            self._shared_session()
        api = getattr(self.client, method)
        try:
            return await api(**{k: v for k, v in kwargs.items() if v is not None})
        except _CALL_ERRORS as err:
            raise _call_failure(method, err) from err

    async def _respond(self, url: str, payload: dict[str, Any]) -> None:
        """Post to a response_url (an interaction's reply address).

        Replacing a message can be repeated harmlessly; a new post whose connection broke
        after it left is not repeated here (see NotSentRetryHandler).
        """
        handlers = retry_handlers() if payload.get("replace_original") else [
            ShortWaitRateLimitRetryHandler(max_retry_count=2),
            NotSentRetryHandler(max_retry_count=2)]
        webhook = AsyncWebhookClient(url, retry_handlers=handlers)
        body = {k: v for k, v in payload.items() if v is not None}
        try:
            resp = await webhook.send_dict(body)
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as err:
            raise SlackDeliveryError(f"Slack response_url: {type(err).__name__}",
                                     maybe_delivered=not request_not_sent(err)) from err
        if resp.status_code == 429:
            wait = retry_after_seconds(resp.headers)
            raise RetryLater(wait if wait is not None else DEFAULT_RETRY_AFTER,
                             "Slack response_url rate limited")
        if resp.status_code != 200:
            code = _response_url_error(resp.body) or f"HTTP {resp.status_code}"
            raise SlackDeliveryError(f"Slack response_url: {code}", code=code,
                                     permanent=code in PERMANENT_ERRORS or resp.status_code == 404)
