"""A chart Slack never delivers to the DM, from the asker's side: the real slack_sdk client
against the fake Slack Web API.

Grace types `/summary chart` in a channel; a note only she sees says "I've answered you in
a private message", and the chart goes to her DM as a file upload. Should Slack refuse the
upload for good (the workspace allows no file uploads, say) or keep failing for the
outbox's whole retry window, that note must not be the last word: she would look in her
DM for a chart that is not coming.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
from storage.models import OutboxMessage
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import CHANNEL, GRACE, SlackHarness
from tests.support import settle_outbox

ANSWERED = "I've answered you in a private message."
ANSWERED_ZH = "我已通过私信回复你。"
REFUSED = ("I couldn't send you the chart in a private message after all: Slack refused it, "
           "for a reason that is not yours to fix. Ask again; if it fails again, tell the "
           "person who runs teampulse (its log says why).")
REFUSED_ZH = ("我最终没能通过私信把图表发给你：Slack 拒绝了它，原因不在你这边。请再发一次；"
              "如果仍然失败，请告诉负责运行 teampulse 的人（日志里有原因）。")
GAVE_UP = ("I couldn't send you the chart you asked for: Slack kept failing for hours, so I "
           "gave up on it. Nothing is wrong on your side: ask again.")
GAVE_UP_ZH = ("我没能把你要的图表发给你：Slack 连续几个小时发送失败，我只好放弃了。"
              "这不是你那边的问题，请再发一次。")
#: Enough answers to outlast every try the outbox makes: failing "for good".
ALWAYS = 10 * MAX_ATTEMPTS


def _notes(slack: SlackHarness) -> list[str]:
    """The notes only Grace sees in the channel."""
    return [str(c.params["text"]) for c in slack.ephemerals(GRACE)]


def _chart_row(slack: SlackHarness) -> OutboxMessage:
    """The chart's upload to Grace's DM, as the outbox left it."""
    with slack.bot.sessions() as session:
        [row] = [r for r in session.query(OutboxMessage).filter_by(target_kind="dm",
                                                                    address=GRACE)
                 if "image_hex" in r.payload]
        session.expunge(row)
        return row


async def _retry_until_settled(slack: SlackHarness) -> None:
    """What the adapter holds handed to the outbox, then retried as over hours."""
    await slack.adapter.drain()
    await settle_outbox(slack.bot, slack.clock)


@pytest.mark.parametrize(("method", "error"), [
    ("files.getUploadURLExternal", "file_uploads_disabled"),  # the workspace's file policy
    ("files.getUploadURLExternal", "file_type_not_allowed"),
    ("files.completeUploadExternal", "posting_to_channel_denied"),
    ("conversations.open", "user_not_visible"),  # the DM itself cannot be opened
])
async def test_an_upload_slack_refuses_is_owned_up_to_where_she_asked(
        slack: SlackHarness, method: str, error: str) -> None:
    """Refused for good: given up at once, and a second note only Grace sees, right
    under the first, says the chart is not coming and why in plain words."""
    slack.fake.fail(method, error, times=ALWAYS)

    await slack.command(GRACE, "/summary", "chart attainment")

    assert _notes(slack) == [ANSWERED, REFUSED]
    row = _chart_row(slack)
    assert (row.status, row.attempts) == ("failed", 1)  # not retried for hours meanwhile
    assert slack.posts(CHANNEL) == [] and slack.posts(GRACE) == []  # nothing else, anywhere


async def test_in_chinese_the_note_is_in_chinese(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/language", "中文", channel="D0GRACE")
    slack.fake.fail("files.getUploadURLExternal", "file_uploads_disabled", times=ALWAYS)

    await slack.command(GRACE, "/summary", "图表 达成率")

    assert _notes(slack) == [ANSWERED_ZH, REFUSED_ZH]


async def test_in_a_channel_the_bot_is_not_in_the_note_comes_through_the_command(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    """Slash commands work in any channel; there Slack refuses the bot's own notes, and
    both reach Grace through the command's reply address, shown to her alone."""
    fake.fail("files.getUploadURLExternal", "file_uploads_disabled", times=ALWAYS)

    await slack.command(GRACE, "/summary", "chart kudos", channel="C0ELSEWHERE")

    shown = [(c.params["response_type"], c.params["text"])
             for c in fake.calls_for("response_url")]
    assert shown == [("ephemeral", ANSWERED), ("ephemeral", REFUSED)]
    assert fake.posted("C0ELSEWHERE") == []


@pytest.mark.parametrize(("locale", "expected"), [("en", GAVE_UP), ("zh-CN", GAVE_UP_ZH)])
async def test_hours_of_slack_failing_are_said_in_her_dm(
        slack: SlackHarness, locale: str, expected: str) -> None:
    """Slack answers the upload 503 for the outbox's whole retry window (about six hours
    of fake time). The chart is given up, and Grace hears so in her DM, where she was sent
    to look (a note only she sees in the channel is shown only while she is online), and
    that nothing is wrong on her side."""
    if locale == "zh-CN":
        await slack.command(GRACE, "/language", "中文", channel="D0GRACE")
    before = len(slack.posts(GRACE))
    slack.fake.add_response("files.getUploadURLExternal",
                            {"ok": False, "error": "service_unavailable"}, status=503,
                            times=ALWAYS)
    asked_at: datetime = slack.clock.now()

    await slack.command(GRACE, "/summary", "chart morale", settle=False)
    await _retry_until_settled(slack)

    row = _chart_row(slack)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert slack.clock.now() - asked_at >= RETRY_FOR
    assert _notes(slack) == [ANSWERED if locale == "en" else ANSWERED_ZH]
    assert [c.params["text"] for c in slack.posts(GRACE)[before:]] == [expected]
