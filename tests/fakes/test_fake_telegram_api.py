"""End-to-end tests of FakeTelegramAPI with the real python-telegram-bot client (loopback only)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import warnings
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.warnings import PTBDeprecationWarning

from .telegram_api import FakeTelegramAPI, bind_local_socket, free_port, post_webhook

TOKEN = "123456:TEST-token"
USER = 4242
GROUP = -1_001_234_567_890
# Proxy variables are cleared for every test by tests/conftest.py.


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TOKEN) as api:
        api.start_bot(USER)
        yield api


@pytest_asyncio.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def build_app(fake: FakeTelegramAPI, handlers: Sequence[BaseHandler[Any, Any, Any]]) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .job_queue(None)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    return app


@contextlib.asynccontextmanager
async def polling_app(
    fake: FakeTelegramAPI, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application]:
    """What run_polling() does, minus blocking and signal handling."""
    app = build_app(fake, handlers)
    updater = app.updater
    assert updater is not None
    async with app:  # initialize() (calls getMe) ... shutdown()
        await updater.start_polling(poll_interval=0.0, timeout=10)
        await app.start()
        try:
            yield app
        finally:
            await updater.stop()  # cancels the long poll, then confirms the offset
            await app.stop()


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_user
    await update.effective_message.reply_text(f"Hello {update.effective_user.first_name}!")


# ------------------------------------------------------------------ plain Bot


@pytest.mark.asyncio
async def test_get_me_and_urls(fake: FakeTelegramAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == fake.bot_username and me.is_bot
    call = fake.last_call("getMe")
    assert call.token == TOKEN and call.status == 200
    assert bot.base_url == f"{fake.base_url}{TOKEN}"
    assert fake.base_url.startswith("http://127.0.0.1:")


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized(fake: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=fake.base_url) as wrong:
            await wrong.get_me()
    assert fake.last_call("getMe").status == 401


@pytest.mark.asyncio
async def test_send_message_is_recorded_with_decoded_params(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="vote:yes")]])
    first = await bot.send_message(
        USER, "<b>Stand-up</b> in 5 &lt;min&gt;", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    second = await bot.send_message(USER, "123")

    params = fake.calls_for("sendMessage")[0].params
    assert params["chat_id"] == USER
    assert params["text"] == "<b>Stand-up</b> in 5 &lt;min&gt;"
    assert params["parse_mode"] == "HTML"
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "vote:yes"}]]
    }
    assert fake.calls_for("sendMessage")[1].params["text"] == "123"  # stays a string
    # Like Telegram, the returned message has plain text plus entities.
    assert first.text == "Stand-up in 5 <min>"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 0, 8)]
    assert first.reply_markup == keyboard
    assert first.chat.id == USER and first.from_user and first.from_user.is_bot
    assert second.message_id == first.message_id + 1
    assert fake.call_count("sendMessage") == 2 and fake.called("sendMessage")


@pytest.mark.asyncio
async def test_flood_then_success_raises_retry_after(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.flood("sendMessage", retry_after=3)
    # Without PTB_TIMEDELTA, RetryAfter warns (its __init__ already reads .retry_after).
    with pytest.raises(RetryAfter) as excinfo, pytest.warns(PTBDeprecationWarning):
        await bot.send_message(USER, "hi")
    assert retry_after_seconds(excinfo.value) == 3
    assert (await bot.send_message(USER, "hi")).text == "hi"
    assert [c.status for c in fake.calls_for("sendMessage")] == [429, 200]


@pytest.mark.asyncio
async def test_retry_after_is_timedelta_with_ptb_timedelta_env(
    fake: FakeTelegramAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.flood("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER, "hi")
    assert excinfo.value.retry_after == dtm.timedelta(seconds=7)


@pytest.mark.asyncio
async def test_add_response_and_fail(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER, "x")
    fake.add_response("getMe", result={**fake.bot_user, "username": "OtherBot"}, times=None)
    assert (await bot.get_me()).username == "OtherBot"
    assert (await bot.get_me()).username == "OtherBot"


@pytest.mark.asyncio
async def test_fail_chat_fails_one_chat_only(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_chat("sendMessage", USER, 403, "Forbidden: bot was blocked by the user",
                   times=2)
    assert (await bot.send_message(-100, "the group")).message_id
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(USER, "x")
    assert (await bot.send_message(USER, "x")).message_id


@pytest.mark.asyncio
async def test_markup_validation(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "a <script> b", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(USER, "Done. 3 items", parse_mode=ParseMode.MARKDOWN_V2)
    ok = await bot.send_message(
        USER, r"*Done\.* [docs](https://x.org/a.b) `a.b`", parse_mode=ParseMode.MARKDOWN_V2
    )
    assert ok.message_id
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)


@pytest.mark.asyncio
async def test_edit_message_and_not_modified(fake: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_message(USER, "v1")
    edited = await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "v2" and edited.edit_date
    assert fake.messages[(USER, sent.message_id)]["text"] == "v2"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=markup)
    stored = fake.messages[(USER, sent.message_id)]
    assert stored["reply_markup"] == markup.to_dict()
    assert fake.last_call("editMessageReplyMarkup").params["message_id"] == sent.message_id


@pytest.mark.asyncio
async def test_my_commands_per_language(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_my_commands([("standup", "Start a stand-up")])
    await bot.set_my_commands([("standup", "Stand-up starten")], language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["standup"]
    german = await bot.get_my_commands(language_code="de")
    assert german[0].description == "Stand-up starten"
    assert await bot.get_my_commands(language_code="fr") == ()
    assert fake.commands_for("de") == [{"command": "standup", "description": "Stand-up starten"}]
    assert fake.last_call("setMyCommands").params["language_code"] == "de"


@pytest.mark.asyncio
async def test_send_photo_multipart_and_download(fake: FakeTelegramAPI, bot: Bot) -> None:
    data = b"\x89PNG\r\n\x1a\nfake-image"
    message = await bot.send_photo(
        USER, photo=data, filename="chart.png", caption="<i>Weekly</i>", parse_mode="HTML"
    )
    call = fake.last_call("sendPhoto")
    assert call.files["photo"].data == data and call.files["photo"].filename == "chart.png"
    assert call.params["caption"] == "<i>Weekly</i>" and call.params["chat_id"] == USER
    assert message.caption == "Weekly" and message.photo
    tg_file = await bot.get_file(message.photo[-1].file_id)
    assert tg_file.file_path and tg_file.file_path.startswith(fake.base_file_url)
    assert bytes(await tg_file.download_as_bytearray()) == data


@pytest.mark.asyncio
async def test_send_chat_action_and_unknown_method(fake: FakeTelegramAPI, bot: Bot) -> None:
    assert await bot.send_chat_action(USER, "typing") is True
    assert await bot.set_chat_title(GROUP, "Team") is True  # generic ok:true
    assert fake.last_call("sendChatAction").params == {"chat_id": USER, "action": "typing"}


# ------------------------------------------------------------------ getUpdates semantics


@pytest.mark.asyncio
async def test_get_updates_offset_redelivery_and_long_poll(fake: FakeTelegramAPI, bot: Bot) -> None:
    first = fake.push_update(fake.private_message(USER, "one"))
    second = fake.push_update(fake.private_message(USER, "two"))
    ids = [first["update_id"], second["update_id"]]

    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed: redelivered
    assert [u.update_id for u in await bot.get_updates(offset=ids[0] + 1)] == ids[1:]
    assert fake.pending_updates == [second]  # update_id < offset was confirmed and dropped
    assert await bot.get_updates(offset=ids[1] + 1) == ()
    assert fake.pending_updates == []

    # Long poll: the call blocks until an update is pushed.
    poll = asyncio.create_task(bot.get_updates(offset=ids[1] + 1, timeout=30))
    await fake.wait_for_call("getUpdates", count=5)
    assert not poll.done()
    third = fake.push_update(fake.private_message(USER, "three"))
    assert [u.update_id for u in await poll] == [third["update_id"]]

    # Negative offset keeps only the last -offset updates.
    fake.push_update(fake.private_message(USER, "four"))
    assert len(await bot.get_updates(offset=-1)) == 1 and len(fake.pending_updates) == 1


@pytest.mark.asyncio
async def test_long_poll_is_capped() -> None:
    async with (
        FakeTelegramAPI(max_long_poll=0.05) as api,
        Bot(TOKEN, base_url=api.base_url) as b,
    ):
        assert await b.get_updates(timeout=30) == ()


@pytest.mark.asyncio
async def test_get_updates_conflicts_with_webhook(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook", secret_token="abc")
    assert fake.webhook["url"] == "https://example.invalid/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


@pytest.mark.asyncio
async def test_wait_for_call_times_out(fake: FakeTelegramAPI) -> None:
    with pytest.raises(TimeoutError, match="sendMessage called 0/1"):
        await fake.wait_for_call("sendMessage", timeout=0.05)


# ------------------------------------------------------------------ Application (polling)


@pytest.mark.asyncio
async def test_application_polling_command_reply(fake: FakeTelegramAPI) -> None:
    async with polling_app(fake, CommandHandler("start", start)):
        update = fake.push_update(fake.private_message(USER, "/start", first_name="Alice"))
        calls = await fake.wait_for_call("sendMessage")
        assert calls[0].params == {"chat_id": USER, "text": "Hello Alice!"}
    assert fake.called("deleteWebhook")  # PTB's polling bootstrap
    # Updater.stop() makes one last getUpdates(offset=last+1, timeout=0) to confirm.
    last = fake.last_call("getUpdates").params
    assert last["offset"] == update["update_id"] + 1 and last["timeout"] == 0
    assert fake.pending_updates == []


@pytest.mark.asyncio
async def test_unconfirmed_update_is_redelivered_to_application(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    update = fake.push_update(fake.private_message(USER, "/start", first_name="Bob"))
    # Someone fetched it without confirming (e.g. a crashed previous run) ...
    assert [u.update_id for u in await bot.get_updates()] == [update["update_id"]]
    # ... so the application gets it again: PTB starts polling with offset=0.
    async with polling_app(fake, CommandHandler("start", start)):
        await fake.wait_for_call("sendMessage")
    app_polls = fake.calls_for("getUpdates")[1:]
    assert app_polls[0].params["offset"] == 0
    assert fake.last_call("sendMessage").params["text"] == "Hello Bob!"
    assert fake.pending_updates == []


@pytest.mark.asyncio
async def test_failing_handler_still_confirms_update(fake: FakeTelegramAPI) -> None:
    errors: list[object] = []

    async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise RuntimeError("handler failed")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    async with polling_app(fake, CommandHandler("boom", boom)) as app:
        app.add_error_handler(on_error)
        update = fake.push_update(fake.private_message(USER, "/boom"))
        next_offset = update["update_id"] + 1
        # The offset is advanced as soon as updates are queued, regardless of handler outcome.
        await fake.wait_for(
            lambda: any(c.params.get("offset") == next_offset for c in fake.calls_for("getUpdates"))
        )
        await fake.wait_for(lambda: bool(errors))
    assert isinstance(errors[0], RuntimeError)
    assert fake.pending_updates == []


@pytest.mark.asyncio
async def test_group_command_addressed_with_bot_username(fake: FakeTelegramAPI) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        await update.effective_message.reply_text(f"pong {update.effective_message.text}")

    async with polling_app(fake, CommandHandler("ping", ping)):
        fake.push_update(fake.group_message(GROUP, USER, "/ping@SomeOtherBot"))
        fake.push_update(fake.group_message(GROUP, USER, f"/ping@{fake.bot_username} now"))
        calls = await fake.wait_for_call("sendMessage")
    # Updates are processed in order, so the first one was ignored, not merely slow.
    assert fake.call_count("sendMessage") == 1
    assert calls[0].params["chat_id"] == GROUP
    assert calls[0].params["text"] == f"pong /ping@{fake.bot_username} now"
    assert calls[0].response["result"]["chat"]["type"] == "supergroup"


@pytest.mark.asyncio
async def test_callback_query_flow(fake: FakeTelegramAPI) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        keyboard = [
            [
                InlineKeyboardButton("Yes", callback_data="vote:yes"),
                InlineKeyboardButton("No", callback_data="vote:no"),
            ]
        ]
        await update.effective_message.reply_text(
            "Ship it?", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query and query.data and isinstance(query.message, Message)
        await query.answer("Thanks!")
        await query.edit_message_text(f"{query.message.text} -> {query.data.split(':')[1]}")

    async with polling_app(
        fake, CommandHandler("menu", menu), CallbackQueryHandler(vote, pattern=r"^vote:")
    ):
        fake.push_update(fake.private_message(USER, "/menu"))
        sent = (await fake.wait_for_call("sendMessage"))[0].response["result"]
        assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "vote:yes"
        update = fake.push_update(fake.callback_query(USER, "vote:yes", sent["message_id"]))
        edit = (await fake.wait_for_call("editMessageText"))[0]

    answer = fake.last_call("answerCallbackQuery").params
    assert answer == {"callback_query_id": update["callback_query"]["id"], "text": "Thanks!"}
    assert edit.params["message_id"] == sent["message_id"]
    assert edit.params["text"] == "Ship it? -> yes"
    stored = fake.messages[(USER, sent["message_id"])]
    assert stored["text"] == "Ship it? -> yes" and "reply_markup" not in stored


# ------------------------------------------------------------------ Application (webhook)


@contextlib.asynccontextmanager
async def webhook_app(
    fake: FakeTelegramAPI, *handlers: BaseHandler[Any, Any, Any], **webhook_kwargs: Any
) -> AsyncIterator[Application]:
    app = build_app(fake, handlers)
    updater = app.updater
    assert updater is not None
    async with app:
        await updater.start_webhook(**webhook_kwargs)
        await app.start()
        try:
            yield app
        finally:
            await updater.stop()
            await app.stop()


@pytest.mark.asyncio
async def test_webhook_secret_token_on_os_chosen_port(fake: FakeTelegramAPI) -> None:
    sock = bind_local_socket()  # bound to 127.0.0.1:0 before PTB/tornado use it: no race
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/tg-hook"
    fake.reverse_proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with webhook_app(
        fake,
        CommandHandler("start", start),
        url_path="tg-hook",
        webhook_url="https://bot.example.com/tg-hook",
        secret_token="s3cret",
        unix=sock,  # PTB accepts any listening socket here; listen/port must stay unset
    ):
        registered = fake.last_call("setWebhook").params
        assert registered["url"] == "https://bot.example.com/tg-hook"
        assert registered["secret_token"] == "s3cret"

        rejected = fake.private_message(USER, "/start", first_name="Mallory")
        statuses = {
            "wrong": await post_webhook(url, rejected, secret_token="nope"),
            "missing": await post_webhook(url, rejected),
            "bad content type": await post_webhook(
                url, rejected, "s3cret", content_type="application/json; charset=utf-8"
            ),
        }
        assert statuses == {"wrong": 403, "missing": 403, "bad content type": 403}

        accepted = fake.private_message(USER, "/start", first_name="Alice")
        assert await post_webhook(url, accepted, secret_token="s3cret") == 200
        calls = await fake.wait_for_call("sendMessage")
        assert fake.call_count("sendMessage") == 1
        assert calls[0].params["text"] == "Hello Alice!"

        assert await fake.send_to_webhook(fake.private_message(USER, "/start")) == 200
        await fake.wait_for_call("sendMessage", count=2)
    assert not fake.called("getUpdates")


@pytest.mark.asyncio
async def test_webhook_listen_on_free_port(fake: FakeTelegramAPI) -> None:
    port = free_port()  # small race window; bind_local_socket() avoids it
    url = f"http://127.0.0.1:{port}/hook"
    async with webhook_app(
        fake,
        CommandHandler("start", start),
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://bot.example.com:8443/hook",
        secret_token="s3cret",
    ):
        update = fake.private_message(USER, "/start", first_name="Carol")
        assert await post_webhook(url, update, secret_token="wrong") == 403
        assert await post_webhook(url, update, secret_token="s3cret") == 200
        assert (await fake.wait_for_call("sendMessage"))[0].params["text"] == "Hello Carol!"


@pytest.mark.asyncio
async def test_channel_username_and_delete(fake: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_message("@teampulse_news", "release notes")
    assert sent.chat.type == "channel"
    assert fake.sent_messages("@teampulse_news") == fake.sent_messages(sent.chat.id)
    assert await bot.delete_message("@teampulse_news", sent.message_id) is True
    assert fake.sent_messages() == []
    with pytest.raises(BadRequest, match="not found"):
        await bot.delete_message(USER, 999)


async def test_a_user_who_never_started_the_bot_cannot_be_written_to(
        fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(chat_id=4343, text="hello")
    fake.push_update(fake.private_message(4343, "/start"))  # they press Start
    assert (await bot.send_message(chat_id=4343, text="hello")).text == "hello"
    fake.block_bot(4343)
    with pytest.raises(Forbidden):
        await bot.send_message(chat_id=4343, text="again")


async def test_a_callback_data_over_64_bytes_is_refused_as_telegram_refuses_it(
        bot: Bot) -> None:
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):  # as PTB words it
        await bot.send_message(chat_id=USER, text="pick", reply_markup=long_data)
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    assert (await bot.send_message(chat_id=USER, text="pick", reply_markup=fits)).text == "pick"


@pytest.mark.parametrize(("url", "refusal"), [
    ("http://bot.example.com/hook", r"(?i)an https url must be provided for webhook"),
    ("https://bot.example.com:8080/hook", r"(?i)only on ports 80, 88, 443 or 8443")])
async def test_set_webhook_refuses_what_telegram_refuses(
        bot: Bot, url: str, refusal: str) -> None:
    with pytest.raises(BadRequest, match=refusal):
        await bot.set_webhook(url)


async def test_a_forum_places_each_message_in_a_topic_as_telegram_does(
        fake: FakeTelegramAPI, bot: Bot) -> None:
    from telegram import ReplyParameters

    forum = -1_009_000_000_001
    asked = fake.topic_message(forum, USER, "in the sales topic", topic=7)["message"]
    gone = fake.topic_message(forum, USER, "deleted at once", topic=7, deleted=True)["message"]

    reply = await bot.send_message(forum, "reply", reply_parameters=ReplyParameters(
        asked["message_id"]))
    named = await bot.send_message(forum, "named", message_thread_id=7)
    plain = await bot.send_message(forum, "plain")
    orphan = await bot.send_message(forum, "orphan", reply_parameters=ReplyParameters(
        gone["message_id"], allow_sending_without_reply=True))

    assert [(m.message_thread_id, m.is_topic_message) for m in (reply, named)] == [(7, True)] * 2
    assert plain.message_thread_id is None and orphan.message_thread_id is None  # General
    assert orphan.reply_to_message is None
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(forum, "x", reply_parameters=ReplyParameters(gone["message_id"]))
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum, "x", message_thread_id=99)
