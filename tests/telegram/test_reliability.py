"""Each update processed once; webhook secret; flood control; nothing lost or doubled."""

from __future__ import annotations

import logging
import re
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.clock import FakeClock
from bot.config import Secret
from bot.core import TeamPulse
from storage.models import OutboxMessage, ProcessedEvent
from tests.fakes.telegram_api import FakeTelegramAPI, free_port, post_webhook
from tests.support import TEST_ORG
from tests.telegram.conftest import ALICE, GRACE, GROUP, LI, TG, TOKEN, Handled, running
from tests.test_resilience_stop import signal_a_running_platform_bot

SECRET = "s3cret-Token_1"


def count(bot: TeamPulse, model: type) -> int:
    with bot.unit() as ctx:
        return ctx.session.query(model).count()


async def test_update_redelivered_after_a_restart_is_processed_once(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    handled = Handled(bot, monkeypatch)
    update = fake.private_message(ALICE, "/help")
    async with running(bot):
        fake.push_update(update)
        await handled.wait(1)
        await fake.wait_for_call("sendMessage")
    # The process died before Telegram saw the offset confirmed: Telegram sends it again,
    # and the next run starts polling at offset 0.
    fake.push_update(update)
    clock.advance(timedelta(seconds=5))
    async with running(bot):
        await handled.wait(2)
        fake.push_update(fake.private_message(GRACE, "/checkin"))  # a fresh one after it
        await handled.wait(3)
        await fake.wait_for_call("sendMessage", count=2)
    assert [(e.event_id, new) for e, new in handled.events] == [
        (str(update["update_id"]), True), (str(update["update_id"]), False),
        (handled.events[2][0].event_id, True)]
    assert [c.params["chat_id"] for c in fake.calls_for("sendMessage")] == [ALICE, GRACE]
    assert count(bot, ProcessedEvent) == 2
    assert fake.pending_updates == []


async def test_button_pressed_twice_is_answered_once(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Win", "Blocker"]:
        await tg.say(ALICE, answer)
    question = tg.last_message(ALICE)
    button = question["reply_markup"]["inline_keyboard"][0][0]
    update = tg.fake.callback_query(ALICE, button["callback_data"], question["message_id"])
    assert await tg.send(update)
    assert not await tg.send(update)  # same update_id again
    assert tg.fake.call_count("editMessageText") == 1
    assert sum("What is your plan for next week?" in t for t in tg.shown(ALICE)) == 1


async def test_flood_control_then_success_delivers_once_after_the_wait(tg: TG) -> None:
    tg.fake.flood("sendMessage", retry_after=5)
    await tg.send(tg.fake.private_message(ALICE, "/help"), settle=False)
    assert [c.status for c in tg.fake.calls_for("sendMessage")] == [429]
    with tg.bot.unit() as ctx:
        row = ctx.session.query(OutboxMessage).one()
        assert row.status == "pending" and row.attempts == 0  # a wait, not a failure
        assert row.not_before == tg.clock.now() + timedelta(seconds=5)

    tg.clock.advance(timedelta(seconds=4))
    await tg.bot.outbox.flush()
    assert tg.fake.call_count("sendMessage") == 1  # still waiting
    tg.clock.advance(timedelta(seconds=1))
    await tg.bot.outbox.flush()
    tg.clock.advance(timedelta(minutes=5))
    await tg.bot.outbox.flush()  # nothing left to send: no second copy
    assert [c.status for c in tg.fake.calls_for("sendMessage")] == [429, 200]
    assert len(tg.shown(ALICE)) == 1 and "teampulse" in tg.shown(ALICE)[0]
    with tg.bot.unit() as ctx:
        assert ctx.session.query(OutboxMessage).one().status == "sent"


async def test_a_429_leaves_the_operators_log_free_of_ptbs_deprecation_warning(
        fake: FakeTelegramAPI, database_url: str, tmp_path: Path) -> None:
    """With warnings shown (PYTHONWARNINGS, python -X dev), every Telegram 429 printed PTB's
    own PTBDeprecationWarning for RetryAfter.retry_after (two lines from telegram/error.py)
    into the operator's log. Now only our one line for the 429 is there."""
    fake.flood("sendMessage", retry_after=1)
    fake.push_update(fake.private_message(ALICE, "/help"))

    async def answered() -> None:  # after the 429 and the wait it asked for
        await fake.wait_for(lambda: [c.status for c in fake.calls_for("sendMessage")]
                            == [429, 200])

    log = await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url,
        "PYTHONWARNINGS": "always"}, signal.SIGTERM, answered)
    assert re.search(r"INFO bot\.outbox: outbox \d+: telegram asked us to wait 1\.0s\n", log)
    assert "PTBDeprecationWarning" not in log and "retry_after" not in log, log


def test_only_that_warning_is_silenced() -> None:
    """The adapter silences PTB's retry_after warning alone: any other warning, another of
    PTB's deprecations included, still shows as the operator's settings say."""
    from bot.adapters.telegram import quiet_ptb_retry_after_warning

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")  # as PYTHONWARNINGS=always
        quiet_ptb_retry_after_warning()  # as the adapter's start does
        RetryAfter(5)  # what PTB raises on a 429
        warnings.warn(PTBDeprecationWarning("v22.2", "some other deprecation"), stacklevel=1)
        warnings.warn("a warning of our own", UserWarning, stacklevel=1)
    assert [str(w.message) for w in shown] == [
        "Deprecated since version v22.2: some other deprecation", "a warning of our own"]


@contextmanager
def commit_lost_after(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                      when: Callable[[str, Any], bool]) -> Iterator[list[int]]:
    """The first COMMIT after a statement `when` picks goes through on the server, then
    raises on the client as a connection dropped at that moment would; yields how many
    such commits there were."""
    armed: list[bool] = []
    lost: list[int] = []

    def watch(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if not lost and when(statement, parameters):
            armed.append(True)

    do_commit = engine.dialect.do_commit

    def commit_then_drop(dbapi_connection: Any) -> None:
        do_commit(dbapi_connection)  # the server has it now
        if armed and not lost:
            armed.clear()
            lost.append(1)
            raise engine.dialect.loaded_dbapi.OperationalError(
                "server closed the connection unexpectedly")

    event.listen(engine, "after_cursor_execute", watch)
    monkeypatch.setattr(engine.dialect, "do_commit", commit_then_drop)
    try:
        yield lost
    finally:
        event.remove(engine, "after_cursor_execute", watch)


async def test_a_commit_lost_after_the_server_took_it_sends_no_second_group_note(
        tg: TG, monkeypatch: pytest.MonkeyPatch) -> None:
    """README, Durable delivery: a stranger who never started the bot gets one short note
    in the group, in place of the DM that failed. The COMMIT recording that failure (and
    queueing the note) went through, but the connection dropped before its answer: the
    outbox recorded the outcome again once the database was back, and queued the note a
    second time. The group saw it twice."""
    tg.fake.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    with commit_lost_after(tg.bot.engine, monkeypatch, lambda sql, params: (
            sql.lstrip().upper().startswith("UPDATE OUTBOX") and "'failed'" in repr(params))
    ) as lost:
        # The flush fails ('sending from the outbox failed …'); the outbox retries it.
        await tg.send(tg.fake.group_message(GROUP, 7777, "/summary"), settle=False)
        assert lost == [1]
    await tg.settle()  # the database is back: the outcome is recorded again
    notes = [t for t in tg.texts(GROUP) if "I don't know you yet" in t]
    assert len(notes) == 1, tg.texts(GROUP)
    with tg.bot.unit() as ctx:
        rows = ctx.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        assert [(r.target_kind, r.status) for r in rows] == [("dm", "failed"),
                                                             ("thread", "sent")]


async def test_network_error_is_retried_with_backoff(tg: TG) -> None:
    tg.fake.fail("sendMessage", 502, "Bad Gateway")
    await tg.send(tg.fake.private_message(ALICE, "/help"), settle=False)
    with tg.bot.unit() as ctx:
        row = ctx.session.query(OutboxMessage).one()
        assert row.status == "pending" and row.attempts == 1
    await tg.settle()
    assert len(tg.shown(ALICE)) == 1


async def test_blocked_user_fails_for_good_without_retrying(tg: TG) -> None:
    tg.fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await tg.checkins("alice")
    with tg.bot.unit() as ctx:
        row = ctx.session.query(OutboxMessage).one()
        assert row.status == "failed" and "blocked" in (row.last_error or "")
    assert tg.fake.call_count("sendMessage") == 1


# --- webhook ----------------------------------------------------------------------------------

async def test_webhook_checks_the_secret_token(
        fake: FakeTelegramAPI, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    handled = Handled(bot, monkeypatch)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"  # behind the reverse proxy
    public = "https://bot.example.com/telegram/hook"
    fake.reverse_proxy = f"http://127.0.0.1:{port}"
    async with running(bot, telegram_webhook_url=public,
                       telegram_webhook_secret=Secret(SECRET),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=port):
        registered = fake.last_call("setWebhook").params
        assert registered["url"] == public and registered["secret_token"] == SECRET
        assert registered["allowed_updates"] == ["message", "edited_message", "callback_query"]
        assert not registered.get("drop_pending_updates")

        forged = fake.private_message(GRACE, "/summary")  # as if from the GM
        assert await post_webhook(url, forged, secret_token="wrong") == 403
        assert await post_webhook(url, forged) == 403
        good = fake.private_message(ALICE, "/help")
        assert await post_webhook(url, good, secret_token=SECRET) == 200
        await handled.wait(1)
        await fake.wait_for_call("sendMessage")
        # Telegram retries a delivery it thinks failed: the same update id, processed once.
        assert await fake.send_to_webhook(good) == 200
        await handled.wait(2)

    assert [(e.event_id, new) for e, new in handled.events] == [
        (str(good["update_id"]), True), (str(good["update_id"]), False)]
    assert fake.call_count("sendMessage") == 1
    assert "teampulse" in fake.last_call("sendMessage").params["text"]
    assert count(bot, ProcessedEvent) == 1  # the forged update left no trace
    assert count(bot, OutboxMessage) == 1
    assert not fake.called("getUpdates")


async def test_a_webhook_request_at_another_path_gets_404_and_changes_nothing(
        fake: FakeTelegramAPI, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/telegram.md: teampulse listens at the path of TELEGRAM_WEBHOOK_URL; "Webhook
    requests get 404: the proxy changes the path" (a proxy that strips `/telegram`)."""
    handled = Handled(bot, monkeypatch)
    port = free_port()
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret(SECRET),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=port):
        update = fake.private_message(ALICE, "/help")
        for path in ("/hook", "/", "/bot/telegram/hook"):
            assert await post_webhook(f"http://127.0.0.1:{port}{path}", update,
                                      secret_token=SECRET) == 404, path
        assert await post_webhook(f"http://127.0.0.1:{port}/telegram/hook", update,
                                  secret_token=SECRET) == 200
        await handled.wait(1)
    assert len(handled.events) == 1  # only the request at the URL's own path was read


@pytest.mark.parametrize(("url", "reason"), [
    ("http://bot.example.com/telegram/hook", "an HTTPS URL"),
    ("https://bot.example.com:8080/telegram/hook", "port 443, 80, 88 or 8443")])
async def test_a_webhook_url_telegram_refuses_is_named_in_one_line(
        fake: FakeTelegramAPI, bot: TeamPulse, url: str, reason: str) -> None:
    """Telegram refuses a webhook that is not HTTPS on one of four ports; start-up had
    stopped with PTB's 'telegram.error.BadRequest: Bad webhook: …' traceback."""
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=rf"TELEGRAM_WEBHOOK_URL={re.escape(url)}: .*{reason}"):
        async with running(bot, telegram_webhook_url=url, telegram_webhook_secret=Secret(SECRET),
                           telegram_webhook_host="127.0.0.1", telegram_webhook_port=free_port()):
            pass
    assert bot.adapters["telegram"]._app is None  # stopped again, nothing left open
    assert not fake.called("getUpdates")


async def test_a_webhook_port_in_use_is_named_in_one_line_and_leaves_nothing_running(
        fake: FakeTelegramAPI, bot: TeamPulse) -> None:
    """TELEGRAM_WEBHOOK_PORT held by another program had stopped start-up with a bare
    'OSError: [Errno 98] Address already in use' traceback that named no setting."""
    import socket

    from bot.config import ConfigError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=(
                rf"TELEGRAM_WEBHOOK_HOST/TELEGRAM_WEBHOOK_PORT: cannot listen on "
                rf"127\.0\.0\.1:{port}: .*in use")):
            async with running(bot, telegram_webhook_url="https://bot.example.com/hook",
                               telegram_webhook_secret=Secret(SECRET),
                               telegram_webhook_host="127.0.0.1", telegram_webhook_port=port):
                pass
    assert bot.adapters["telegram"]._app is None  # stopped again, nothing left open


async def test_messages_a_stopped_adapter_holds_back_are_not_logged_as_rate_limits(
        tg: TG, caplog: pytest.LogCaptureFixture) -> None:
    """At a stop during a round the outbox's last flush met the adapter already stopped,
    and logged each message it held back as a 429 ('telegram asked us to wait 1.0s',
    'telegram is rate limiting several chats; holding all of them'): Telegram had asked
    nothing. The messages wait, unharmed, for the next start, and the log says so once
    at most, at DEBUG."""
    await tg.adapter.stop()
    caplog.set_level(logging.DEBUG, logger="bot.outbox")
    await tg.bot.run_checkins(["alice", "li"])
    await tg.bot.outbox.flush()
    assert "asked us to wait" not in caplog.text and "rate limiting" not in caplog.text
    assert not [r for r in caplog.records if r.name == "bot.outbox" and r.levelno >= logging.INFO]
    with tg.bot.unit() as ctx:
        rows = ctx.session.query(OutboxMessage).all()
        assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]

    await tg.adapter.start()  # the next start sends them, once each
    await tg.settle()
    assert len(tg.texts(ALICE)) == 1 and len(tg.texts(LI)) == 1
