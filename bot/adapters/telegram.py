"""Telegram, through python-telegram-bot: long polling, or a webhook with a secret token.

The adapter translates only. An update becomes one InboundEvent for
`TeamPulse.handle` (which deduplicates by update id in the same transaction as the
work); an OutboundMessage becomes Bot API calls: HTML parse mode, inline keyboards,
long texts split at line breaks. Who the sender is, what to answer and where private
data may go is decided by the core.

The PTB Application is built without a job queue (the process has one scheduler) and
driven by hand instead of `run_polling`, which would block and own the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler, filters
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

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
from bot.adapters.telegram_format import (
    MAX_CALLBACK_DATA,
    MAX_CAPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    button_rows,
    html_to_plain,
    shown_len,
    split_html,
)
from bot.config import ConfigError, Settings, mask_url, webhook_url_advice
from bot.events import (
    Choice,
    InboundEvent,
    Mention,
    OutboundMessage,
    SendResult,
    Target,
    is_concealed,
)
from bot.health import cannot_listen
from bot.log_privacy import protect, redact
from bot.text import ascii_width
from handlers.registry import menu

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TELEGRAM_API = "https://api.telegram.org"
# What the bot reads; anything else Telegram would only send to be thrown away.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
POLL_TIMEOUT = 10  # seconds one getUpdates long poll may wait for news
#: Updates received but not yet handed to the core's ingest queue, at most.
UPDATE_QUEUE_SIZE = 256
#: How long stop() waits for updates already received to be processed.
STOP_GRACE_SECONDS = 10.0
#: How long stop() waits for Bot API calls under way to be answered before closing the
#: connections: longer than python-telegram-bot's own timeouts (5 s to connect, read and
#: write; 20 s to write a photo), which end a call first.
CALLS_GRACE_SECONDS = 30.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
#: How long a message waits before looking again whether the token is back (it is not
#: asked: a token revoked in @BotFather never works again, only a restart with a new one).
TOKEN_RETRY_SECONDS = 60.0
#: A 400's words that say the chat itself refuses the bot: 'chat not found' (to a person's
#: private chat, Telegram's other answer to someone who never opened one with the bot; to
#: a group, one that is gone), and the group's own rules, which its admins can change: the
#: bot may not send messages (or photos) there ('not enough rights to send text messages
#: to the chat', 'have no rights to send a message', CHAT_WRITE_FORBIDDEN).
_REFUSED_BY_THE_CHAT = ("chat not found", "not enough rights", "have no rights",
                        "chat_write_forbidden")


def _by_the_chat(message: str) -> bool:
    """Whether a 400 is the chat's refusal (see _REFUSED_BY_THE_CHAT), not the request's."""
    lowered = message.lower()
    return any(words in lowered for words in _REFUSED_BY_THE_CHAT)


TOKEN_REFUSED_ERROR = (
    "Telegram no longer accepts TELEGRAM_BOT_TOKEN (%s answered 401 Unauthorized): the "
    "token was revoked in @BotFather or the bot deleted. Nothing is received from or sent "
    "to Telegram meanwhile; messages stay queued and go out after the restart. To fix: "
    "take the bot's current token from @BotFather (/mybots → API Token), put it in "
    "TELEGRAM_BOT_TOKEN and restart teampulse")
UNREACHABLE_ADVICE = ("If it lasts, check the network and any proxy (HTTPS_PROXY), and "
                      "TELEGRAM_API_URL if set")
#: How far apart python-telegram-bot's polling tries at most after network errors.
PTB_POLL_RETRY_MAX = 30
# Telegram's command menu: the default list is English, 'zh' clients get Chinese.
MENU_LANGUAGES = (("", "en"), ("zh", "zh-CN"))
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NUMERIC = re.compile(r"-?\d+")
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|mailto:)", re.IGNORECASE)
# A username typed with a Chinese keyboard's full-width '＠', or all in full-width forms
# ('＠ｂｒｕｎｏ＿ｒ'): Telegram makes no mention entity of it, yet the writer named that person
# as surely as with '@'. (An ASCII '@' with an ASCII name is Telegram's own mention.)
_WIDE_MENTION = re.compile(r"(?<![A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿])(?:＠(?P<name>[A-Za-zＡ-Ｚａ-ｚ]"
                           r"[A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿]{3,31})|@(?P<wide>[A-Za-zＡ-Ｚａ-ｚ]"
                           r"[A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿]{3,31}))(?![A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿])")

App = Application[Any, Any, Any, Any, Any, Any]


class TelegramAdapter(Adapter):
    """Teampulse as a Telegram bot."""

    platform = PLATFORM
    markup = "telegram"
    supports_ephemeral = False
    # About 1 message/s per chat, 20/min per group and 30/s overall (Telegram's FAQ).
    pacing = Pacing(per_chat=1.0, per_group=3.0, overall=1 / 30)

    def __init__(self, bot: TeamPulse, settings: Settings) -> None:
        if settings.telegram_bot_token is None:
            raise ConfigError("the Telegram adapter needs TELEGRAM_BOT_TOKEN")
        self.bot = bot
        self.settings = settings
        self._app: App | None = None
        # Parts of multi-part deliveries already sent, so a retry after a failure
        # half-way (a 429 on part 2, say) does not send part 1 again.
        self._progress = Resumable()
        #: Bot API calls under way (see _call), and set whenever there are none.
        self._calls_under_way = 0
        self._no_calls = asyncio.Event()
        self._no_calls.set()
        #: The call Telegram answered 401 (None while it accepts the token).
        self._token_refused: str | None = None
        #: Telegram's servers not answering at all (a network outage), as opposed to a 401.
        self._reach = Reachability(bot, PLATFORM, "Telegram", UNREACHABLE_ADVICE)

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def application(self) -> App:
        """The running PTB application (RuntimeError before start)."""
        if self._app is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._app

    @property
    def webhook_mode(self) -> bool:
        """Whether updates arrive by webhook (else by long polling)."""
        return bool(self.settings.telegram_webhook_url)

    def build_application(self) -> App:
        """The PTB application: our API URL, no job queue, one handler for every update."""
        assert self.settings.telegram_bot_token is not None
        api = api_root(self.settings.telegram_api_url)
        app = (
            ApplicationBuilder()
            .token(self.settings.telegram_bot_token.get())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .job_queue(None)  # one scheduler per process: ours (see DESIGN.md)
            # Bounded: when the core's ingest queue is full our handler waits, this queue
            # fills, and the webhook (or polling) waits in turn, so Telegram keeps the
            # updates (redelivering them) instead of us holding an unbounded backlog.
            .update_queue(asyncio.Queue(UPDATE_QUEUE_SIZE))
            # At a stop PTB calls getUpdates once more to mark what it fetched as read;
            # with its one pooled connection for getUpdates that call waited (1 s) for the
            # cancelled long poll's connection to be let go, and on a busy machine logged
            # PoolTimeout with a traceback, leaving the updates to be fetched again.
            # Watched: a 401 ends PTB's polling for good, which it only logs.
            .get_updates_request(WatchedRequest(self._token_refused_now,
                                                self._polling_unreachable, self._reach.back,
                                                connection_pool_size=2))
            .build()
        )
        # Updates are taken one at a time (PTB's default, concurrent_updates off), which
        # keeps each chat's order; that is cheap because _on_update only queues the event
        # for the core's ingest workers (bot/ingest.py), which batch and store them.
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app

    async def start(self) -> None:
        """Connect, register the command menu, start receiving updates; returns once running."""
        quiet_ptb_retry_after_warning()
        quiet_ptb_invalid_token_line()
        app = await self._initialized()
        self._app = app
        self._token_refused = None  # getMe just accepted it
        try:
            self.bot.bot_usernames[PLATFORM] = app.bot.username
            await self.register_commands(app.bot)
            updater = app.updater
            assert updater is not None
            if self.webhook_mode:
                await self._start_webhook(app)
            else:
                # Pending updates are kept: what people wrote while we were down is answered.
                await updater.start_polling(poll_interval=0.0, timeout=POLL_TIMEOUT,
                                            allowed_updates=list(ALLOWED_UPDATES),
                                            drop_pending_updates=False,
                                            error_callback=self._polling_failed)
            await app.start()
        except BaseException:
            await self.stop()
            raise
        log.info("telegram: running as @%s (%s)", app.bot.username,
                 "webhook" if self.webhook_mode else "long polling")
        # Telegram never tells a bot what privacy mode hid from it, so nobody can be told
        # in the chat: the operator learns it here (getMe's can_read_all_group_messages).
        if app.bot.bot.can_read_all_group_messages:
            log.info("telegram: group privacy mode is off: the bot reads plain group "
                     "messages for kudos (and drops everything else at once)")
        else:
            log.info("telegram: group privacy mode is on (BotFather's default): in groups "
                     "the bot sees only commands, mentions of it and replies to it, so kudos "
                     "said without /kudos ('thanks @alice 👏') never reach it. To read them: "
                     "BotFather /setprivacy → Disable, then remove the bot and add the bot "
                     "to each group again (docs/telegram.md, step 5)")

    async def check(self) -> None:
        """getMe with the token, then disconnect: a replica waiting as standby (only the
        leader polls) learns of a wrong token at start, not when it is elected."""
        app = await self._initialized()
        await app.shutdown()

    async def _initialized(self) -> App:
        """The application, initialised (getMe): ConfigError if Telegram rejects the token."""
        assert self.settings.telegram_bot_token is not None
        protect_token_in_logs(self.settings)
        app = self.build_application()
        try:
            await app.initialize()  # getMe: a wrong token fails here, before anything runs
        except BaseException as exc:
            await app.bot.shutdown()  # the HTTP clients were opened before getMe failed
            if isinstance(exc, InvalidToken):
                # PTB's message quotes the token; a log or a traceback must never show it.
                raise ConfigError(
                    "Telegram rejected TELEGRAM_BOT_TOKEN (getMe answered 401 Unauthorized): "
                    "copy the token from @BotFather again") from None
            if isinstance(exc, NetworkError):  # TimedOut too: nothing answered getMe
                # One line, as for a database that cannot be reached; the reason is the
                # client's (the token redacted, should a library ever quote the URL).
                where = mask_url(self.settings.telegram_api_url or "https://api.telegram.org")
                reason = redact(exc.message)
                raise ConfigError(
                    f"cannot reach the Telegram Bot API at {where} to check "
                    f"TELEGRAM_BOT_TOKEN: {reason}; check the network and any proxy "
                    "(HTTPS_PROXY), and TELEGRAM_API_URL if set") from None
            raise
        return app

    async def _start_webhook(self, app: App) -> None:
        url = self.settings.telegram_webhook_url
        secret = self.settings.telegram_webhook_secret
        if not url or secret is None:
            raise ConfigError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
        assert app.updater is not None
        # PTB answers 403 to a request without the right X-Telegram-Bot-Api-Secret-Token.
        host, port = self.settings.telegram_webhook_host, self.settings.telegram_webhook_port
        try:
            await app.updater.start_webhook(
                listen=host,
                port=port,
                url_path=urlsplit(url).path or "/",
                webhook_url=url,
                secret_token=secret.get(),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
        except OSError as exc:
            raise cannot_listen("TELEGRAM_WEBHOOK_HOST/TELEGRAM_WEBHOOK_PORT", host, port,
                                exc) from None
        except BadRequest as exc:
            # setWebhook refused the URL ('bad webhook: …'): a setting, not a crash.
            raise ConfigError(f"{webhook_url_advice(url)}; Telegram answered: "
                              f"{exc.message}") from None

    async def stop(self) -> None:
        """Stop receiving, finish the updates already received, disconnect. Idempotent."""
        app = self._app
        if app is None:
            return
        try:
            try:
                if app.updater is not None and app.updater.running:
                    await self._stop_polling(app)  # also confirms the last offset
            except InvalidToken:
                # Polling had ended at Telegram's 401 (said at the time); PTB re-raises
                # it here, and the application must still be stopped below: shut down
                # running, it raised 'This Application is still running!'.
                pass
            if app.running:
                await app.stop()  # hands the updates already fetched to the core
            if not await self.bot.ingest.join(STOP_GRACE_SECONDS):  # ... which stores them
                log.warning("telegram: %d update(s) still waiting at shutdown",
                            self.bot.ingest.waiting())
        finally:
            self._app = None  # deliveries from now on wait in the outbox for the next start
            # A message on its way is answered before the connections close: closed under
            # it, Telegram may have shown it while the outbox records a failure and sends
            # it again at the next start (the stop's own wait for the outbox gives up after
            # a few seconds; a slow network takes longer).
            await self._calls_ended()
            await app.shutdown()

    async def _stop_polling(self, app: App) -> None:
        assert app.updater is not None
        if not self._reach.down:
            await app.updater.stop()
            return
        # PTB's confirming getUpdates cannot reach Telegram either: its ERROR traceback
        # would only repeat the outage already said; the line below says what it means.
        ptb = logging.getLogger("telegram.ext.Updater")
        ptb.addFilter(_not_ptb_last_offset_line)
        try:
            await app.updater.stop()
        finally:
            ptb.removeFilter(_not_ptb_last_offset_line)
        log.info("telegram: stopped while Telegram cannot be reached: the updates fetched "
                 "last could not be confirmed, so Telegram may send them again after the "
                 "next start (each is handled once)")

    async def _calls_ended(self) -> None:
        """Until the Bot API calls under way are answered (at most CALLS_GRACE_SECONDS)."""
        if not self._calls_under_way:
            return
        log.info("telegram: waiting for %d message(s) on their way before disconnecting",
                 self._calls_under_way)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._no_calls.wait(), CALLS_GRACE_SECONDS)

    async def register_commands(self, tg: Bot) -> None:
        """Fill Telegram's command menu, in English and in Chinese."""
        for language, locale in MENU_LANGUAGES:
            commands = [BotCommand(c.name, self._describe(locale, c.name))
                        for c in menu() if _COMMAND_NAME.fullmatch(c.name)]
            try:
                await tg.set_my_commands(commands, language_code=language or None)
            except TelegramError as exc:  # a missing menu must not stop the bot
                log.warning("telegram: could not register the %s command menu: %s",
                            language or "default", exc)

    def _describe(self, locale: str, command: str) -> str:
        text = self.bot.renderer.message(locale, "command_description", "plain",
                                         command=command)
        return (text or command)[:256]

    # --- inbound -------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_callback(update, update.callback_query)
            return
        if update.message is not None and update.message.migrate_to_chat_id:
            self._group_upgraded(update.message.chat.id, update.message.migrate_to_chat_id)
        event = message_event(update, self.bot.bot_usernames.get(PLATFORM))
        if event is not None:
            await self.bot.submit(event)

    def _group_upgraded(self, old: int, new: int) -> None:
        """A group became a supergroup, with a new id: the operator hears at once of the
        honour roll's setting naming the old one (each roll would follow it, warning)."""
        chat, slash, topic = self.bot.org.kudos.honours_channel.get(PLATFORM, "").partition("/")
        if chat.strip() == str(old):
            log.warning("telegram: the group %s became a supergroup with the id %s; "
                        "org.kudos.honours_channel.telegram names the old id: change it to "
                        "\"%s%s%s\" in the org file", old, new, new, slash, topic)

    async def _on_callback(self, update: Update, query: CallbackQuery) -> None:
        try:
            await query.answer()  # first: the client spins until answered, with a deadline
        except TelegramError as exc:  # (a pulse answer's at DEBUG: see _show_choice)
            log.log(logging.DEBUG if is_concealed(query.data) else logging.INFO,
                    "telegram: could not answer callback query %s: %s", query.id, exc)
        event = callback_event(update)
        if event is None:
            return
        message, data = query.message, query.data

        async def show(handled: bool) -> None:
            if handled and isinstance(message, Message) and data:
                await self._show_choice(message, data, event)

        await self.bot.submit(event, show)

    async def _show_choice(self, message: Message, data: str, event: InboundEvent) -> None:
        """Edit a message whose button was pressed: show the choice, drop the keyboard.

        An anonymous answer shows only "answered" (the core says which), never the choice.
        """
        markup = message.reply_markup
        label = next((button.text for row in (markup.inline_keyboard if markup else ())
                      for button in row if button.callback_data == data), None)
        if label is None:
            return
        label = self.bot.pressed_label(event, label)
        if label is None:  # a press that did nothing: its reply says so, its choice is open
            return
        tg = self.application.bot
        try:
            text = f"{message.text_html}\n\n→ <b>{html.escape(label, quote=False)}</b>" \
                if message.text else None
            if text is not None and shown_len(text) <= MAX_MESSAGE_LENGTH:
                await tg.edit_message_text(text, chat_id=message.chat.id,
                                           message_id=message.message_id,
                                           parse_mode=ParseMode.HTML,
                                           link_preview_options=NO_PREVIEW)
            else:
                await tg.edit_message_reply_markup(chat_id=message.chat.id,
                                                   message_id=message.message_id)
        except TelegramError as exc:  # cosmetic: the answer itself is already stored
            # A pulse answer's line only at DEBUG: at INFO its time said when they answered.
            log.log(logging.DEBUG if is_concealed(event.action) else logging.INFO,
                    "telegram: could not mark the pressed button on message %s: %s",
                    message.message_id, exc)

    def _polling_unreachable(self, reason: str) -> None:
        self._reach.lost(f"getUpdates: {reason}",
                         f"polls again (at most {PTB_POLL_RETRY_MAX} s apart) and tries "
                         f"sending again every {RETRY_SECONDS:g} s", receiving=True)

    def _polling_failed(self, exc: TelegramError) -> None:
        """A failed getUpdates: an outage was said once already (see _polling_unreachable);
        anything else is logged as python-telegram-bot would, once per failure."""
        if self._reach.down and isinstance(exc, NetworkError):
            return
        log.error("telegram: polling for updates failed, trying again", exc_info=exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Logged, never raised: one bad update must not stop the others.
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s could not be processed", update_id,
                  exc_info=context.error)

    # --- outbound ------------------------------------------------------------------------

    def is_group_address(self, address: str) -> bool:
        """Groups and channels: negative chat ids, or a public '@channel' name."""
        return address.startswith(("-", "@"))

    async def send_dm(self, user_ref: str, message: OutboundMessage) -> SendResult:
        """A private chat's id is the user's id."""
        return await self._send_text(chat_id(user_ref), message)

    async def post_to_channel(self, channel: str, message: OutboundMessage) -> SendResult:
        """Post to a group, supergroup or channel (a forum's topic: '<chat id>/<topic>')."""
        chat, topic = split_channel(channel)
        return await self._send_text(chat, message, topic=topic)

    async def reply_in_thread(self, channel: str, thread_id: str,
                              message: OutboundMessage) -> SendResult:
        """Reply to a message, in its forum topic (see thread_of)."""
        reply_to, topic = split_thread(thread_id)
        return await self._send_text(chat_id(channel), message, reply_to=reply_to, topic=topic)

    async def edit_message(self, target: Target, external_id: str,
                           message: OutboundMessage) -> SendResult:
        """editMessageText of the bot's message; one gone or already so is left as it is."""
        chat, _, _ = self._destination(target)
        await self._left_as_is(self._tg().edit_message_text, "text", chat_id=chat,
                               message_id=int(external_id), text=message.text,
                               parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
        return SendResult(external_id=external_id)

    async def delete_message(self, target: Target, external_id: str) -> SendResult:
        """deleteMessage of the bot's message; one gone already is left so."""
        chat, _, _ = self._destination(target)
        await self._left_as_is(self._tg().delete_message, "text", chat_id=chat,
                               message_id=int(external_id))
        return SendResult(external_id=external_id)

    async def _left_as_is(self, method: Callable[..., Awaitable[Any]], text_field: str,
                          **params: Any) -> None:
        """An edit or a deletion, where Telegram's "not found" or "not modified" means
        done already (a redone outbox row, a message someone deleted by hand)."""
        try:
            await self._call(method, text_field, **params)
        except DeliveryError as exc:
            said = str(exc).lower()
            if not exc.permanent or not ("not found" in said or "not modified" in said):
                raise

    async def upload_image(self, target: Target, image: bytes, filename: str,
                           caption: str) -> SendResult:
        """sendPhoto with the caption; a caption too long for one goes after the photo."""
        tg = self._tg()
        chat, reply_to, topic = self._destination(target)
        fits = shown_len(caption) <= MAX_CAPTION_LENGTH
        steps: list[Callable[[], Awaitable[Message]]] = [
            lambda: self._call(tg.send_photo, "caption", chat_id=chat, photo=image,
                               filename=filename, caption=caption if fits else None,
                               parse_mode=ParseMode.HTML if fits else None,
                               message_thread_id=topic,
                               reply_parameters=reply_parameters(reply_to))]
        if not fits:
            steps += self._text_steps(tg, chat, OutboundMessage(caption), None, topic)
        key = delivery_key(chat, caption, filename, image)
        sent = await self._run_steps(key, steps)
        return SendResult(external_id=str(sent[0]), extra={"message_ids": sent})

    async def _send_text(self, chat: int | str, message: OutboundMessage,
                         reply_to: int | None = None, topic: int | None = None) -> SendResult:
        tg = self._tg()
        steps = self._text_steps(tg, chat, message, reply_to, topic)
        key = delivery_key(chat, message.text, *(c.value for c in message.choices))
        sent = await self._run_steps(key, steps)
        # The last part carries the keyboard: its id is the one a later edit needs.
        return SendResult(external_id=str(sent[-1]), extra={"message_ids": sent})

    def _text_steps(self, tg: Bot, chat: int | str, message: OutboundMessage,
                    reply_to: int | None, topic: int | None = None
                    ) -> list[Callable[[], Awaitable[Message]]]:
        parts = split_html(message.text)
        keyboard = inline_keyboard(message.choices)

        def step(index: int, part: str) -> Callable[[], Awaitable[Message]]:
            last = index == len(parts) - 1
            # Every part names the forum topic: only the first replies, and a reply whose
            # message was deleted meanwhile would land in General.
            return lambda: self._call(
                tg.send_message, "text", chat_id=chat, text=part, parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW, reply_markup=keyboard if last else None,
                message_thread_id=topic,
                reply_parameters=reply_parameters(reply_to) if index == 0 else None)

        return [step(i, part) for i, part in enumerate(parts)]

    async def _run_steps(self, key: str,
                         steps: Sequence[Callable[[], Awaitable[Message]]]) -> list[int]:
        """Run the steps of one delivery in order, resuming after the last one that worked."""
        sent = await self._progress.run(key, steps)
        return [m.message_id for m in sent] or [0]

    async def _call(self, method: Callable[..., Awaitable[Message]], text_field: str,
                    **params: Any) -> Message:
        """One Bot API call, with Telegram's errors turned into the outbox's; counted while
        under way, so that stop() lets it be answered before closing the connections."""
        # While Telegram cannot be reached one message at a time tries it; the rest wait
        # for its answer (and go at once if Telegram is back).
        reaching = self._reach.down and await self._reach.probe()
        self._calls_under_way += 1
        self._no_calls.clear()
        try:
            sent = await self._call_once(method, text_field, **params)
        finally:
            self._calls_under_way -= 1
            if not self._calls_under_way:
                self._no_calls.set()
            if reaching:
                self._reach.probed()
        self._reach.back()
        return sent

    async def _call_once(self, method: Callable[..., Awaitable[Message]], text_field: str,
                         **params: Any) -> Message:
        try:
            return await method(**params)
        except RetryAfter as exc:
            # Every error below but NetworkError is Telegram's own answer: its servers can
            # be reached, so the messages held while they could not go on (as Slack's).
            self._reach.back()
            raise RetryLater(retry_after_seconds(exc), "Telegram flood control") from exc
        except ChatMigrated as exc:
            # A group became a supergroup: same chat, new id. Deliver there this time.
            log.warning("telegram: chat %s is now %s; update the chat id where it is configured",
                        params.get("chat_id"), exc.new_chat_id)
            self._reach.back()  # Telegram answered: the retry below is no second probe
            return await self._call(method, text_field, **{**params, "chat_id": exc.new_chat_id})
        except InvalidToken as exc:  # 401: no message's fault, each waits for a new token
            self._reach.back()
            raise self._token_refused_now(bot_api_name(method)) from exc
        except Forbidden as exc:  # blocked by the user, never started, removed from the group
            self._reach.back()
            raise DeliveryError(f"Telegram refused: {exc.message}", permanent=True,
                                by_recipient=True) from exc
        except BadRequest as exc:  # 'chat not found' and the like: retrying cannot help
            if "can't parse entities" in exc.message.lower() and params.get("parse_mode"):
                # A template produced bad HTML: better the words without formatting than
                # nothing at all. Logged as an error so the template gets fixed.
                log.error("telegram: Telegram could not parse our HTML (%s); sending it "
                          "as plain text", exc.message)
                plain = html_to_plain(str(params.get(text_field) or ""))
                self._reach.back()
                return await self._call(method, text_field,
                                        **{**params, text_field: plain, "parse_mode": None})
            self._reach.back()
            raise DeliveryError(f"Telegram rejected the request: {exc.message}",
                                permanent=True, by_recipient=_by_the_chat(exc.message)) from exc
        except NetworkError as exc:  # includes TimedOut
            if not_connected(exc):  # never sent: the message waits, none given up
                raise self._reach.lost(
                    f"{bot_api_name(method)}: {exc.message}",
                    f"tries again every {RETRY_SECONDS:g} s with one queued message",
                    receiving=not self.webhook_mode) from exc
            # The connection broke after the request left: the outbox retries with backoff.
            raise DeliveryError(f"Telegram unreachable: {exc.message}") from exc
        except TelegramError as exc:
            self._reach.back()
            raise DeliveryError(f"Telegram error: {exc.message}") from exc

    def _tg(self) -> Bot:
        if self._app is None:
            # Not connected yet (or stopping): the message waits in the outbox, unharmed.
            raise NotRunning(1.0, "the Telegram adapter is not running")
        if self._token_refused is not None:
            # Not asked again: a revoked token never comes back (see TOKEN_RETRY_SECONDS).
            raise NotRunning(TOKEN_RETRY_SECONDS, "Telegram refuses TELEGRAM_BOT_TOKEN")
        return self._app.bot

    @property
    def token_refused(self) -> bool:
        """Whether Telegram answered 401 to the token since the last start."""
        return self._token_refused is not None

    def _token_refused_now(self, call: str) -> NotRunning:
        """Say once what happened and what to do, report Telegram down (/readyz); every
        message waits in the outbox from now on (NotRunning holds the whole platform)."""
        if self._token_refused is None:
            self._token_refused = call
            log.error(TOKEN_REFUSED_ERROR, call)
            self.bot.platform_state[PLATFORM] = TOKEN_REFUSED_STATE
        return NotRunning(TOKEN_RETRY_SECONDS, "Telegram refuses TELEGRAM_BOT_TOKEN")

    @staticmethod
    def _destination(target: Target) -> tuple[int | str, int | None, int | None]:
        """Chat, message to reply to, forum topic."""
        if target.kind == "ephemeral" and target.user_ref:
            return chat_id(target.user_ref), None, None  # Telegram has no ephemeral: a DM
        if target.kind == "thread" and target.thread_id:
            return chat_id(target.address), *split_thread(target.thread_id)
        chat, topic = split_channel(target.address)
        return chat, None, topic


# --- translation helpers ---------------------------------------------------------------------

def mentions_of(message: Message, bot_username: str | None = None) -> tuple[Mention, ...]:
    """People a message names: `@username` mentions and text mentions (people without a
    username, linked to their user id), in order; this bot is marked, not dropped."""
    found: list[tuple[int, Mention]] = []
    # A photo's (a video's, a file's) caption carries its own entities, as text does.
    types: list[str | None] = ["mention", "text_mention"]
    if message.text is None and message.caption is not None:
        entities, body = message.parse_caption_entities(types), message.caption
    else:
        entities, body = message.parse_entities(types), message.text or ""
    for entity, text in entities.items():
        if entity.type == "text_mention" and entity.user is not None:
            found.append((entity.offset, Mention(
                platform_user_id=str(entity.user.id), username=entity.user.username,
                display=text, is_bot=entity.user.is_bot)))
        elif entity.type == "mention":
            found.append((entity.offset, _username_mention(text, text, bot_username)))
    # Entity offsets count UTF-16 units: a '＠name' is placed among them in the same units.
    for match in _WIDE_MENTION.finditer(body):
        name = match.group("name") or match.group("wide")
        if match.group("wide") and name.isascii():
            continue  # '@bruno_r': Telegram's own mention entity, read above
        offset = len(body[:match.start()].encode("utf-16-le")) // 2
        found.append((offset, _username_mention(ascii_width(name), match.group(0),
                                                bot_username)))
    return tuple(mention for _, mention in sorted(found, key=lambda item: item[0]))


def _username_mention(name: str, display: str, bot_username: str | None) -> Mention:
    name = name.lstrip("@")
    return Mention(username=name, display=display, is_bot=bool(
        bot_username and name.lower() == bot_username.lower()))


def message_event(update: Update, bot_username: str | None = None) -> InboundEvent | None:
    """An update with a (new or edited) message as an InboundEvent; None if nobody spoke."""
    message = update.message or update.edited_message
    if message is None:
        return None
    user = message.from_user
    if message.sender_chat is not None:
        return as_chat_event(update, message)
    # Bots are not people of the org.
    if user is None or user.is_bot:
        return None
    # Service messages (someone joined, a pin, a new title) are nobody talking to us.
    if update.message is not None and filters.StatusUpdate.ALL.check_update(update):
        return None
    direct = message.chat.type == ChatType.PRIVATE
    # A sticker or a photo arrives with empty text, and the core answers with a short
    # hint in private (and nothing in a group). An edit carries its new text and how long
    # after sending it came: the core reads it as a correction of kudos only.
    text = with_link_addresses(message.text or "", message.entities)
    # A photo (a video, a file) with a caption: teams post the closed deal's screenshot
    # with their thanks under it, or a figure under its screenshot mid check-in. The core's
    # router reads it as an answer where Slack reads a file's words, else as kudos only.
    captioned = message.text is None and bool(message.caption)
    if captioned:
        text = with_link_addresses(message.caption or "", message.caption_entities)
    edited = update.edited_message is not None and update.message is None
    edited_after = None
    if edited:
        sent, changed = message.date, message.edit_date or message.date
        edited_after = max(0.0, (changed - sent).total_seconds())
    # "/kudos for …" as a reply names the replied-to author. A reply to a bot (this one
    # included) names nobody; a forum topic's service root is not a person's message either.
    original = message.reply_to_message
    replied = original.from_user if original is not None and not (
        original.forum_topic_created) else None
    replied_name = replied.full_name if replied is not None else None
    if original is not None and original.forward_origin is not None:
        # A forwarded message's words are its first author's, not the forwarder's (who
        # replying '/kudos' to it was refused kudos to themselves): Telegram names that
        # author unless they hide their account, or it is a chat's (a channel post).
        replied, replied_name = forwarded_from(original.forward_origin)
    elif original is not None and original.sender_chat is not None:
        # Sent in a chat's name (an anonymous admin's, a channel's): no person's account.
        replied, replied_name = None, original.sender_chat.title
    elif original is None and message.external_reply is not None:
        # A reply quoting a message of another chat names its author as a forward does.
        replied, replied_name = forwarded_from(message.external_reply.origin)
    to_bot = replied is not None and replied.is_bot
    if to_bot:
        replied, replied_name = None, None
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        chat_type="direct" if direct else "group",
        text=text,
        username=user.username,
        display_name=user.full_name,
        event_id=str(update.update_id),
        message_id=str(message.message_id),
        # In a group, answers reply to the message that asked, in its forum topic.
        thread_id=None if direct else thread_of(message),
        locale_hint=user.language_code,
        mentions=mentions_of(message, bot_username) if text else (),
        reply_to_user_id=str(replied.id) if replied is not None else None,
        reply_to_username=replied.username if replied is not None else None,
        reply_to_name=replied_name,
        reply_to_bot=to_bot,
        edited_after=edited_after,
        forwarded=message.forward_origin is not None,
        via_bot=(message.via_bot.username or str(message.via_bot.id))
        if message.via_bot is not None else None,
        captioned=captioned,
        with_files=captioned,
        sent_at=(message.edit_date or message.date) if edited else message.date,
        reply_to_sent_at=original.date if direct and original is not None else None,
        reply_to_own=direct and original is not None and original.from_user is not None
        and original.from_user.id == user.id,
    )


def with_link_addresses(text: str, entities: Sequence[MessageEntity]) -> str:
    """`text` with the address of each link hidden behind words (a `text_link`: Telegram
    sends the words in the text and the address apart) written after them, 'the ticket
    (https://…)', as Slack's links read: kept out, a blocker's link never reached the GM,
    and a kudos reason hid where it pointed. Words that are their own address stay as
    they are, as do words linked to a person's account."""
    links = [e for e in entities if e.type == MessageEntity.TEXT_LINK and e.url]
    if not links:
        return text
    units = text.encode("utf-16-le")  # entity offsets count UTF-16 units
    for link in sorted(links, key=lambda e: e.offset + e.length, reverse=True):
        end = 2 * (link.offset + link.length)
        words = units[2 * link.offset:end].decode("utf-16-le", "replace").strip()
        url = link.url or ""
        # A link to a person's account (tg://user?id=…) names them, as a text mention
        # does; its address is an id, nothing for a reader to follow.
        if not words or _bare(url) == _bare(words) or url.lower().startswith("tg://user"):
            continue
        units = units[:end] + f" ({url})".encode("utf-16-le") + units[end:]
    return units.decode("utf-16-le", "replace")


def _bare(address: str) -> str:
    """An address as compared with the words it hides behind: 'https://www.acme.com/' and
    'acme.com' are the same place; 'docs' is not 'https://elsewhere.example/docs'."""
    bare = _SCHEME.sub("", address.strip()).removeprefix("www.")
    return bare.rstrip("/").casefold()


def as_chat_event(update: Update, message: Message) -> InboundEvent | None:
    """A command sent in a chat's name (an anonymous group admin, someone posting as a
    channel: nobody of the org, as far as Telegram tells), for the core to say whose
    account to send it from; None for anything else said so, a linked channel's post
    forwarded to its discussion group included."""
    text = message.text or ""
    if (update.message is None or message.is_automatic_forward or message.sender_chat is None
            or message.chat.type == ChatType.PRIVATE or not text.startswith("/")):
        return None
    return InboundEvent(
        platform=PLATFORM, user_id=str(message.sender_chat.id), chat_id=str(message.chat.id),
        chat_type="group", text=text, event_id=str(update.update_id),
        message_id=str(message.message_id), thread_id=thread_of(message), as_chat=True)


def forwarded_from(origin: MessageOrigin) -> tuple[User | None, str | None]:
    """Who first wrote a forwarded message: the account, if Telegram tells it, and the
    name it shows ('Bruno Rossi', a hidden account's chosen name, a channel's title)."""
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user, origin.sender_user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return None, origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        return None, origin.sender_chat.title
    if isinstance(origin, MessageOriginChannel):
        return None, origin.chat.title
    return None, None


def callback_event(update: Update) -> InboundEvent | None:
    """A pressed inline button as an InboundEvent carrying the button's value."""
    query = update.callback_query
    if query is None or not query.data:
        return None
    user = query.from_user
    message = query.message
    chat = message.chat if message is not None else None
    direct = chat is None or chat.type == ChatType.PRIVATE
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(chat.id if chat is not None else user.id),
        chat_type="direct" if direct else "group",
        action=query.data,
        username=user.username,
        display_name=user.full_name,
        event_id=str(update.update_id),
        message_id=str(message.message_id) if message is not None else None,
        thread_id=None if direct or message is None else (
            thread_of(message) if isinstance(message, Message) else str(message.message_id)),
        locale_hint=user.language_code,
    )


def thread_of(message: Message) -> str:
    """Where answers to a group message go: '<message id>', or '<message id>:<topic>' for
    a message in a forum topic (General has none: Telegram refuses its id)."""
    if message.is_topic_message and message.message_thread_id:
        return f"{message.message_id}:{message.message_thread_id}"
    return str(message.message_id)


def split_thread(thread_id: str) -> tuple[int, int | None]:
    """thread_of's value as (message to reply to, forum topic or None)."""
    reply_to, _, topic = thread_id.partition(":")
    return int(reply_to), int(topic) if topic else None


def inline_keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """Choices as an inline keyboard: one button each, short labels sharing rows."""
    if not choices:
        return None
    if any(len(c.value.encode()) > MAX_CALLBACK_DATA for c in choices):
        # Telegram would refuse the whole message; the text says how to answer by typing.
        log.error("telegram: a button value is longer than %d bytes; sending no buttons",
                  MAX_CALLBACK_DATA)
        return None
    rows = button_rows([c.label for c in choices])
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(choices[i].label, callback_data=choices[i].value) for i in row]
         for row in rows])


def reply_parameters(message_id: int | None) -> ReplyParameters | None:
    """Reply to a message, and still send if it was deleted meanwhile."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def split_channel(address: str) -> tuple[int | str, int | None]:
    """A configured group as (chat id, forum topic or None): '-1001234567890/12' names
    topic 12 of that forum (the number after the chat in the topic's t.me link)."""
    chat, slash, topic = address.partition("/")
    if slash and _NUMERIC.fullmatch(chat) and topic.isdigit():
        return int(chat), int(topic)
    return chat_id(address), None


def chat_id(address: str) -> int | str:
    """A Bot API chat id: numeric ids as int, '@channelname' as is."""
    if _NUMERIC.fullmatch(address):
        return int(address)
    if address.startswith("@"):
        return address
    raise DeliveryError(f"{address!r} is not a Telegram chat id", permanent=True)


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds: an int before PTB 22.2's timedelta, either read quietly."""
    with warnings.catch_warnings():
        # Reading it as int is deprecated in PTB 22; the value is right either way.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


#: PTB 22.2+'s deprecation warning for RetryAfter.retry_after read as an int, which PTB's own
#: RetryAfter constructor gives on every 429 (telegram/error.py builds its message from it).
_RETRY_AFTER_WARNING = r"Deprecated since version v22\.2: .*attribute `retry_after` will be"


def quiet_ptb_retry_after_warning() -> None:
    """Keep PTB's retry_after deprecation warning out of the operator's log: with warnings
    shown (PYTHONWARNINGS, python -X dev) it was printed on every Telegram 429, from PTB's
    own code, about nothing the operator can change (retry_after_seconds reads either type;
    the 429 itself is logged by the outbox in one line). Only that warning, only from
    telegram.error: every other warning, PTB's included, shows as configured."""
    warnings.filterwarnings("ignore", message=_RETRY_AFTER_WARNING,
                            category=PTBDeprecationWarning, module=r"telegram\.error\Z")


def not_connected(exc: NetworkError) -> bool:
    """Whether no connection to Telegram could be made (refused, timed out, a name that
    does not resolve): the request never left, so sending it again cannot double it."""
    return isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))


class WatchedRequest(HTTPXRequest):
    """PTB's HTTP client for getUpdates, telling `on_refused` of a 401 (a revoked token):
    PTB's polling then ends for good with one log line, while the process runs on; and
    `on_unreachable` of no connection to Telegram, `on_answered` of any answer."""

    def __init__(self, on_refused: Callable[[str], object],
                 on_unreachable: Callable[[str], object], on_answered: Callable[[], object],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_refused = on_refused
        self._on_unreachable = on_unreachable
        self._on_answered = on_answered

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """As HTTPXRequest's; a 401 is reported before PTB raises InvalidToken."""
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except NetworkError as exc:
            if not_connected(exc):
                self._on_unreachable(exc.message)
            retrieved_if_dropped_by_a_stop()
            raise
        self._on_answered()
        if code == HTTPStatus.UNAUTHORIZED:
            self._on_refused("getUpdates")
        return code, payload


#: The coroutine PTB runs each getUpdates of its polling in, as a task of its own.
_PTB_POLL = "Updater._start_polling.<locals>.polling_action_cb"


def retrieved_if_dropped_by_a_stop() -> None:
    """Mark the error of the PTB poll task failing now as retrieved, once it ends.

    python-telegram-bot's network_retry_loop (telegram/ext/_utils/networkloop.py) waits for
    the poll task or the stop event; when both end in the same turn of the loop (a stop
    while Telegram cannot be reached, under load) it returns on the stop and never reads
    the poll's error, so asyncio logged 'Task exception was never retrieved' as an ERROR
    with a traceback at the stop, for an outage the operator was already told of in one
    line (upstream race: python-telegram-bot PR #5310 'Fix network_retry_loop stop_event
    handling'). Reading the error in a done callback of that task only (not a handler for
    the whole loop) changes nothing else: when PTB reads it as usual it still gets it.
    A poll abandoned by a stop needs no line of its own."""
    task = asyncio.current_task()
    if task is not None and getattr(task.get_coro(), "__qualname__", None) == _PTB_POLL:
        task.add_done_callback(_read_error)


def _read_error(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


def bot_api_name(method: Callable[..., object]) -> str:
    """The Bot API method a PTB method calls: send_message → sendMessage."""
    first, *rest = getattr(method, "__name__", "request").split("_")
    return first + "".join(word.capitalize() for word in rest)


def _not_ptb_last_offset_line(record: logging.LogRecord) -> bool:
    return "one more time to mark all fetched updates" not in str(record.msg)


def _not_ptb_invalid_token_line(record: logging.LogRecord) -> bool:
    return "Invalid token. Aborting retry loop" not in str(record.msg)


def quiet_ptb_invalid_token_line() -> None:
    """Leave out PTB's 'Polling Updates Invalid token. Aborting retry loop.' (a
    traceback, no advice): the adapter's own ERROR line says it, with what to do."""
    ptb = logging.getLogger("telegram.ext")  # PTB's network loop logs here
    if _not_ptb_invalid_token_line not in ptb.filters:
        ptb.addFilter(_not_ptb_invalid_token_line)


def api_root(url: str | None) -> str:
    """The Bot API server root: TELEGRAM_API_URL (with or without '/bot'), else Telegram's."""
    root = (url or TELEGRAM_API).strip().rstrip("/")
    return root.removesuffix("/bot")


def protect_token_in_logs(settings: Settings) -> None:
    """Keep the token out of logs: httpx (a line per request, its URL holding the token)
    held at WARNING; the settings' secrets left out of every line that still quotes a URL
    or a setWebhook's parameters (bot/log_privacy.py), for settings the log handler was
    not built from too."""
    httpx_log = logging.getLogger("httpx")
    if httpx_log.getEffectiveLevel() < logging.WARNING:
        httpx_log.setLevel(logging.WARNING)
    protect(*settings.secret_values())
