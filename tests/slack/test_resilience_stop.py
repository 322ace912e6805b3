"""`teampulse run` on Slack stops promptly on SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import prepare
from bot.clock import SystemClock
from bot.config import Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import free_port
from tests.slack.harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.support import TEST_ORG
from tests.test_resilience_stop import PROMPT, signal_a_running_platform_bot


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_slack_http_mode_stops_promptly(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path, sig: signal.Signals) -> None:
    log = await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url, "SLACK_HTTP_HOST": "127.0.0.1",
        "SLACK_HTTP_PORT": str(free_port())}, sig)
    assert "teampulse is running on slack" in log


async def test_slack_socket_mode_stops_promptly(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path) -> None:
    await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake.base_url}, signal.SIGTERM)


#: DMs queued before the start, and the workspace cap teampulse is told of: delivering them
#: all takes 15 s, longer than a stop may (PROMPT).
QUEUED, CAP = 60, 4


def queue_dms(database_url: str, org_file: Path) -> list[str]:
    """A fresh install's database with QUEUED DMs waiting in the outbox; their users."""
    # (Synced with the org the bot then starts on: one that took out the people of
    # another would be refused at the start, see bot/org_guard.py.)
    bot, engine = prepare(Settings(database_url=database_url, org_file=org_file), SystemClock())
    users = [f"UFAN{i:03d}" for i in range(QUEUED)]
    with bot.unit() as ctx:
        for user in users:
            ctx.outbox.enqueue(platform="slack", target_kind="dm", address=user,
                               payload={"text": f"Your check-in, {user}"}, now=bot.clock.now())
    bot.close()
    engine.dispose()
    return users


def outbox_states(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        states = dict(conn.execute(text(  # type: ignore[arg-type]
            "SELECT status, COUNT(*) FROM outbox GROUP BY status")).all())
    engine.dispose()
    return states


async def test_a_stop_during_a_paced_fan_out_is_prompt_and_a_restart_sends_the_rest_once(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path) -> None:
    """An operator restarts the bot while a round goes out under the workspace's cap: the
    stop does not wait for the whole round (a supervisor would kill it), and after the
    restart every director has the message exactly once."""
    # An org of one GM no platform knows: nothing the calendar makes due at start (the
    # monthly review in a month's first week, a Monday's digests) joins the queued DMs.
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("org: {name: Quiet}\npeople:\n"
                     "  - {key: gm, name: GM, role: gm, timezone: America/New_York}\n",
                     encoding="utf-8")
    users = queue_dms(database_url, quiet)
    env = {"DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(quiet),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.base_url, "SLACK_HTTP_HOST": "127.0.0.1",
           "SLACK_MAX_POSTS_PER_SECOND": str(CAP)}

    def delivered() -> int:
        return sum(1 for user in users if fake.posted(user))

    async def some_delivered() -> None:
        await fake.wait_until(lambda: delivered() >= CAP, PROMPT, "the first DMs")

    log = await signal_a_running_platform_bot(
        tmp_path, {**env, "SLACK_HTTP_PORT": str(free_port())}, signal.SIGTERM,
        some_delivered)  # (exits within PROMPT, or fails)
    sent_before = delivered()
    assert CAP <= sent_before < QUEUED, log
    states = outbox_states(database_url)
    assert "sending" not in states, states  # nothing left in doubt for the next start
    assert states.get("sent", 0) == sent_before

    async def all_delivered() -> None:
        await fake.wait_until(lambda: delivered() == QUEUED, QUEUED / CAP + PROMPT, "every DM")

    await signal_a_running_platform_bot(
        tmp_path, {**env, "SLACK_HTTP_PORT": str(free_port())}, signal.SIGTERM,
        all_delivered)
    assert [len(fake.posted(user)) for user in users] == [1] * QUEUED
