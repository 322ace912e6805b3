"""On Slack, an edited org file reaches what the adapter keeps of the org (locales)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.org_reload import OrgWatcher
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import GRACE, SlackHarness
from tests.support import TEST_ORG

GRACE_EN = """    timezone: America/New_York
    locale: en
    slack_id: U0GRACE"""


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The Slack test settings on a copy of the test org the test may edit."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    return replace(settings, org_file=path)


async def test_a_locale_changed_in_the_org_file_is_used_for_the_note_in_the_channel(
        slack: SlackHarness, bot, fake: FakeSlackAPI) -> None:
    path = bot.settings.org_file
    watcher = OrgWatcher(bot, path)
    text = path.read_text(encoding="utf-8")
    assert GRACE_EN in text
    before = path.stat()
    path.write_text(text.replace(GRACE_EN, GRACE_EN.replace("locale: en", "locale: zh-CN")),
                    encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    change = await watcher.check()
    assert change is not None and change.changed == ("grace",)

    # A reply too long for the command's response_url comes in the DM, with a note where
    # she asked: both in her new language.
    await slack.command(GRACE, "/help", channel="C0ELSEWHERE")
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="ephemeral", address="C0ELSEWHERE",
                           user_ref=GRACE, payload={"text": "\n".join(["x" * 99] * 300)},
                           now=bot.clock.now())
    await slack.settle()
    help_reply, note = fake.calls_for("response_url")
    assert "teampulse" in help_reply.params["text"]
    assert "/summary" in help_reply.params["text"]
    assert note.params == {"response_type": "ephemeral", "text": "我已通过私信回复你。"}


async def test_the_slack_id_quoted_to_a_stranger_added_while_running_makes_them_known(
        slack: SlackHarness, bot) -> None:
    """docs/slack.md, step 5: the `slack_id` line the bot quotes, added to the org file
    while teampulse runs, is taken in at the next look; no restart."""
    await slack.dm("U0DANA", "/checkin")
    refusal = slack.last_text("U0DANA")
    assert "I don't know you yet" in refusal and "`slack_id: U0DANA`" in refusal

    path = bot.settings.org_file
    watcher = OrgWatcher(bot, path)
    text = path.read_text(encoding="utf-8")
    before = path.stat()
    path.write_text(text.replace("  - key: vera\n", (
        "  - key: dana\n    name: Dana Kim\n    role: director\n    manager: grace\n"
        "    team: East\n    timezone: America/New_York\n    locale: en\n"
        "    slack_id: U0DANA\n  - key: vera\n"), 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    change = await watcher.check()
    assert change is not None and change.added == ("dana",)

    await slack.dm("U0DANA", "/checkin")
    assert "I don't know you yet" not in slack.last_text("U0DANA")
    assert "Question 1 of" in slack.last_text("U0DANA")
