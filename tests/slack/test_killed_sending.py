"""`teampulse run` on Slack SIGKILLed after Slack posted a message and before the outbox
recorded it as sent (a real process, killed while Slack's answer is on its way): started
again, the bot looks the post up in the conversation and does not post it again (README,
Durable delivery)."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from tests.fakes.slack_api import FakeCall, FakeSlackAPI
from tests.fakes.telegram_api import free_port
from tests.killed_sending import AFTER, TEXT, outbox_status, queue_dm, quiet_org, run_until
from tests.slack.harness import ALICE, BOT_TOKEN, SIGNING_SECRET
from tests.support import WAIT


async def test_a_post_slack_accepted_as_the_bot_was_killed_shows_once_after_restart(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path) -> None:
    org = quiet_org(tmp_path)
    queue_dm(database_url, org, "slack", ALICE)
    env = {"DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(org),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.base_url, "SLACK_HTTP_HOST": "127.0.0.1"}
    # The bot's process reads the machine's clock and looks a post up around the moment it
    # began sending: Slack's timestamps are that clock's too.
    fake.clock = time.time
    release = asyncio.Event()

    async def posted_then_held(call: FakeCall) -> object:
        answer = fake._chat_post_message(call)  # Slack has it: the DM shows it
        if call.params.get("text") != TEXT:
            return answer
        await release.wait()  # the answer never reaches the bot before the kill
        return answer

    fake.set_handler("chat.postMessage", posted_then_held)

    async def posted() -> None:
        await fake.wait_until(lambda: bool(fake.posted(ALICE)), WAIT, "Alice's DM posted")

    killed = await run_until(tmp_path, {**env, "SLACK_HTTP_PORT": str(free_port())},
                             posted, signal.SIGKILL)
    assert killed == -signal.SIGKILL
    assert outbox_status(database_url) == "sending"
    fake.set_handler("chat.postMessage", None)
    release.set()
    looked_up = fake.call_count("conversations.history")

    async def settled() -> None:
        await fake.wait_until(lambda: AFTER in [m["text"] for m in fake.posted(ALICE)], WAIT,
                              "the next DM, sent once the first is settled")

    assert await run_until(tmp_path, {**env, "SLACK_HTTP_PORT": str(free_port())},
                           settled, signal.SIGTERM) == 0
    assert [m["text"] for m in fake.posted(ALICE)] == [TEXT, AFTER]
    assert fake.call_count("conversations.history") > looked_up
    assert outbox_status(database_url) == "sent"
