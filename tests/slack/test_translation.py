"""Pure translation: Slack payloads to events, messages to Block Kit, errors to outbox verdicts,
and the manifest matching the code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.base import RetryLater
from bot.adapters.slack import (
    PERMANENT_ERRORS,
    SlackAdapter,
    SlackDeliveryError,
    api_base_url,
    delivery_error,
)
from bot.adapters.slack_blocks import answered_blocks, message_blocks, split_text
from bot.adapters.slack_inbound import (
    action_event,
    command_event,
    mention_event,
    message_event,
    slack_to_plain,
)
from bot.config import ConfigError, Secret
from bot.events import Choice, OutboundMessage
from handlers.registry import COMMANDS

MANIFEST = Path(__file__).parents[2] / "slack-manifest.yaml"
KNOWN = frozenset(COMMANDS)


@pytest.mark.parametrize("slack, plain", [
    ("Big &lt;win&gt; &amp; more", "Big <win> & more"),
    ("thanks <@U0SAM>!", "thanks @Sam Lee!"),
    ("thanks <@U0NOBODY|nobody>", "thanks @nobody"),
    ("see <#C0GENERAL|general> and <#C0OTHER>", "see #general and #C0OTHER"),
    ("<!here> <!subteam^S1|@sales> <!date^1392734382^{date}|Feb 18>", "@here @sales Feb 18"),
    # A user group sent without its handle reads as its id, not as a group named "subteam".
    ("thanks <!subteam^S0614TZR7> for the launch", "thanks @S0614TZR7 for the launch"),
    ("<https://example.com|example.com> <https://x.io/a|the deck> <mailto:a@b.co|a@b.co>",
     "https://example.com the deck (https://x.io/a) a@b.co"),
    ("&amp;lt; stays literal", "&lt; stays literal"),
])
def test_slack_text_becomes_what_the_person_typed(slack: str, plain: str) -> None:
    assert slack_to_plain(slack, {"U0SAM": "Sam Lee"}) == plain


def body(event: dict, event_id: str = "Ev1") -> dict:
    return {"type": "event_callback", "event_id": event_id, "event": event}


def test_dm_and_channel_messages() -> None:
    dm = message_event(body({"type": "message", "user": "U1", "channel": "D1", "text": " 45k ",
                             "ts": "1.1", "channel_type": "im", "thread_ts": "1.0"}))
    chatter = message_event(body({"type": "message", "user": "U1", "channel": "C1",
                                  "text": "hi", "ts": "1.2", "channel_type": "channel",
                                  "thread_ts": "1.0"}, "Ev2"))
    assert dm is not None and chatter is not None
    assert (dm.chat_type, dm.text, dm.event_id, dm.thread_id) == ("direct", "45k", "Ev1", None)
    assert (chatter.chat_type, chatter.chat_id, chatter.thread_id) == ("group", "C1", "1.0")


@pytest.mark.parametrize("extra", [{"bot_id": "B1"}, {"subtype": "bot_message"},
                                   {"subtype": "message_changed"}, {"hidden": True},
                                   {"user": "U0BOT"}])
def test_messages_the_core_must_not_see(extra: dict) -> None:
    event = {"type": "message", "user": "U1", "channel": "D1", "text": "x", "ts": "1.1",
             "channel_type": "im", **extra}
    assert message_event(body(event), bot_user_id="U0BOT") is None


def test_a_person_editing_a_message_is_an_edit_and_a_reply_in_its_thread_is_not() -> None:
    old = {"type": "message", "user": "U1", "text": "thanks <@U2> for the demo",
           "ts": "1700000000.000100", "edited": {"user": "U1", "ts": "1700000060.000000"}}
    edit = {"type": "message", "subtype": "message_changed", "channel": "C1", "hidden": True,
            "channel_type": "channel", "ts": "1700000060.000001",
            "message": {**old, "text": "thanks <@U3> for the demo"}, "previous_message": old}
    found = message_event(body(edit))
    assert found is not None and found.edited_after == pytest.approx(60, abs=0.01)
    assert (found.message_id, found.text, found.chat_type) == (
        "1700000000.000100", "thanks @U3 for the demo", "group")
    # Someone replies in the thread of that (once edited) message: Slack changes the
    # parent's reply count, its text as it was. No edit, whoever reads it.
    replied = {**edit, "message": {**old, "reply_count": 1}}
    assert message_event(body(replied)) is None
    unfurled = {**edit, "message": {k: v for k, v in edit["message"].items() if k != "edited"}}
    assert message_event(body(unfurled)) is None


@pytest.mark.parametrize("text, command", [
    ("<@U0BOT> summary last 4w", "/summary last 4w"),
    ("<@U0BOT> /checkin", "/checkin"),
    ("<@U0BOT>", "/help"),
    ("hey <@U0BOT|teampulse> summary", "/summary"),
    ("summary please <@U0BOT>", "/summary please"),
])
def test_a_mention_is_a_command(text: str, command: str) -> None:
    event = mention_event(body({"type": "app_mention", "user": "U1", "channel": "C1",
                                "text": text, "ts": "1.1"}), "U0BOT")
    assert event is not None
    assert (event.text, event.chat_type) == (command, "group")


def test_a_mention_in_a_dm_is_left_to_the_message_event() -> None:
    assert mention_event(body({"type": "app_mention", "user": "U1", "channel": "D1",
                               "text": "<@U0BOT> help", "ts": "1.1"}), "U0BOT") is None


@pytest.mark.parametrize("command, text, core", [
    ("/summary", "last 4w", "/summary last 4w"),
    ("/checkin", "", "/checkin"),
    ("/teampulse", "", "/help"),
    ("/teampulse", "away 2026-12-31", "/away 2026-12-31"),
    ("/teampulse", "/summary  team East", "/summary team East"),
    ("/tp", "edit 3", "/edit 3"),  # a renamed universal command needs no code change
    ("/summary", "team R&amp;D", "/summary team R&D"),
])
def test_slash_commands_become_core_commands(command: str, text: str, core: str) -> None:
    payload = {"command": command, "text": text, "user_id": "U1", "user_name": "u1",
               "channel_id": "C1", "channel_name": "general", "trigger_id": "9.9"}
    event = command_event(payload, KNOWN)
    # The trigger_id (a credential while it lives) is recorded as its digest.
    digest = hashlib.sha256(b"9.9").hexdigest()[:32]
    assert (event.text, event.chat_type, event.event_id) == (core, "group", f"command:{digest}")


def test_a_slash_command_in_a_dm_is_direct() -> None:
    event = command_event({"command": "/summary", "text": "", "user_id": "U1",
                           "channel_id": "D1", "channel_name": "directmessage"}, KNOWN)
    assert event.chat_type == "direct" and event.event_id is None


def test_a_button_press() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1", "username": "u1"},
               "container": {"type": "message", "message_ts": "1.5", "channel_id": "D1"},
               "channel": {"id": "D1"}}
    event = action_event(payload, {"action_id": "tp_choice_2", "value": "ans:4:5:3",
                                   "action_ts": "1.6"})
    assert (event.action, event.chat_type, event.event_id, event.user_id) == (
        "ans:4:5:3", "direct", "action:1.5:1.6", "U1")


def test_choices_become_buttons_with_unique_ids_and_a_text_fallback() -> None:
    message = OutboundMessage("*Pick*", tuple(Choice(f"Option {i}", f"ans:1:2:{i}")
                                              for i in range(1, 31)))
    blocks = message_blocks(message)
    assert blocks is not None
    section, first, second = blocks
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "*Pick*"}}
    assert len(first["elements"]) == 25 and len(second["elements"]) == 5
    ids = [e["action_id"] for b in (first, second) for e in b["elements"]]
    assert ids == [f"tp_choice_{i}" for i in range(30)]
    assert second["elements"][-1]["value"] == "ans:1:2:30"
    assert message_blocks(OutboundMessage("no choices")) is None


def test_long_text_and_long_labels_fit_slack_limits() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(80))
    blocks = message_blocks(OutboundMessage(text, (Choice("L" * 100, "v"),)))
    assert blocks is not None
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= 3000 for s in sections)
    assert "\n".join(sections) == text
    assert len(blocks[-1]["elements"][0]["text"]["text"]) == 75
    assert split_text("y" * 7000) == ["y" * 3000, "y" * 3000, "y" * 1000]


def test_answered_message_keeps_the_question_and_drops_the_buttons() -> None:
    original = message_blocks(OutboundMessage("Q?", (Choice("A & <B>", "v"),)))
    blocks = answered_blocks(original, "Q?", "A & <B>")
    assert [b["type"] for b in blocks] == ["section", "context"]
    assert blocks[-1]["elements"][0]["text"] == "✅ *A &amp; &lt;B&gt;*"


def api_error(status: int, data: dict, headers: dict | None = None) -> SlackApiError:
    response = AsyncSlackResponse(client=None, http_verb="POST", api_url="u", req_args={},
                                  data=data, headers=headers or {}, status_code=status)
    return SlackApiError("failed", response)


def test_slack_errors_become_outbox_verdicts() -> None:
    limited = delivery_error("chat_postMessage", api_error(429, {"ok": False},
                                                           {"retry-after": "17"}))
    assert isinstance(limited, RetryLater) and limited.seconds == 17
    no_header = delivery_error("chat_postMessage", api_error(429, {"ok": False}))
    assert isinstance(no_header, RetryLater) and no_header.seconds == 1
    gone = delivery_error("chat_postMessage", api_error(200, {"ok": False,
                                                              "error": "is_archived"}))
    assert isinstance(gone, SlackDeliveryError) and gone.permanent and gone.code == "is_archived"
    assert str(gone) == "Slack chat.postMessage: is_archived"
    flaky = delivery_error("chat_update", api_error(500, {"ok": False,
                                                          "error": "internal_error"}))
    assert isinstance(flaky, SlackDeliveryError) and not flaky.permanent
    assert {"channel_not_found", "not_in_channel", "is_archived", "user_not_found",
            "invalid_auth", "account_inactive"} <= PERMANENT_ERRORS


def test_api_url_setting() -> None:
    assert api_base_url(None) == "https://slack.com/api/"
    assert api_base_url("https://slack-gov.com/api") == "https://slack-gov.com/api/"


def test_adapter_refuses_settings_that_cannot_work(bot) -> None:
    from dataclasses import replace

    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        SlackAdapter(bot, replace(bot.settings, slack_bot_token=None))
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(bot, replace(bot.settings, slack_signing_secret=None))
    adapter = SlackAdapter(bot, replace(bot.settings, slack_api_url=None,
                                        slack_bot_token=Secret("xoxb-1")))
    assert adapter.client.base_url == "https://slack.com/api/"
    assert (adapter.platform, adapter.markup, adapter.supports_ephemeral) == (
        "slack", "slack", True)
    assert (adapter.pacing.per_chat, adapter.pacing.per_group) == (1.0, 1.0)
    assert adapter.is_group_address("C0GENERAL") and not adapter.is_group_address("U0GRACE")
    assert "xoxb-1" not in repr(vars(adapter.settings))


def test_manifest_matches_the_code() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert {"/teampulse", "/checkin", "/summary"} <= set(commands)
    assert "/away" not in commands  # Slack's own /away would win
    for command in commands:
        name = command.lstrip("/")
        core = command_event({"command": command, "text": "", "user_id": "U1",
                              "channel_id": "C1"}, KNOWN).text
        assert core == (f"/{name}" if name in KNOWN else "/help")
    # message.groups: kudos said in a private channel the bot is in, as in a public one
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "message.channels", "message.groups"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read", "chat:write", "commands", "files:write", "im:history", "im:write",
        # read back only to look an interrupted post up (bot/adapters/slack.py), and
        # channels:history and groups:history for kudos in public and private channels too
        "channels:history", "groups:history", "mpim:history"}
    # Kudos need mentions as <@U…> ids, which Slack sends only with should_escape.
    escaping = {c["command"]: c["should_escape"] for c in manifest["features"]["slash_commands"]}
    # ... and so do /teampulse kudos, 1on1 and agenda, the universal command's forms of them.
    assert escaping["/kudos"] is escaping["/teampulse"] is True
    # ... and every one-on-one command that names the other side (`/actions add … @alice`).
    assert escaping["/1on1"] is escaping["/agenda"] is escaping["/actions"] is True
    # ... and every command that names a person (README, *Naming a person*).
    assert all(escaping[c] for c in ("/checkin", "/summary", "/goals", "/review", "/monthly"))
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]


def test_readme_names_every_slash_command_the_manifest_creates() -> None:
    """An operator reads in README's *Run on Slack* which slash commands the app has."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    readme = (MANIFEST.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Run on Slack\n", 1)[1].split("\n## ", 1)[0]
    for entry in manifest["features"]["slash_commands"]:
        assert f"`{entry['command']}" in section, entry["command"]


@pytest.mark.parametrize("command, usage, subcommands", [
    ("/review", "review_usage", {"start", "close", "report", "status", "schedule"}),
    ("/1on1", "oo_usage", {"schedule", "move", "skip", "note", "history"}),
])
def test_the_manifest_s_usage_hints_name_every_subcommand(command: str, usage: str,
                                                         subcommands: set[str]) -> None:
    """The hint Slack shows while /review or /1on1 is typed named neither `schedule` nor
    `note` (of /review and /1on1), which the handlers take: a GM typing `/review` was
    not told a schedule of reviews could be looked at. It names each subcommand the
    handler takes, and each the chat's own usage text names."""
    import re

    from bot.render import Renderer

    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    hint = next(c["usage_hint"] for c in manifest["features"]["slash_commands"]
                if c["command"] == command)
    said = set(re.findall(r"[a-z]+", hint))
    assert subcommands <= said, subcommands - said
    for locale in ("en", "zh-CN"):
        text = Renderer().message(locale, usage, "plain")
        # ('/review status alice': a key; '/review on its own': the command alone)
        named = set(re.findall(re.escape(command) + r" ([a-z]+)\b(?! its own)", text))
        assert named - {"alice"} <= said, named - said


def test_docs_slack_md_lists_the_manifest_s_commands_events_and_scopes() -> None:
    """docs/slack.md tells the admin what the app asks for; it says what the manifest does
    (a scope added to one and not the other would surprise whoever approves the app)."""
    import re

    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    docs = (MANIFEST.parent / "docs" / "slack.md").read_text(encoding="utf-8")
    creates = docs.split("The manifest creates a bot user", 1)[1].split("\n> ", 1)[0]
    commands = creates.split("**Slash commands:**", 1)[1].split("\n- ", 1)[0]
    assert set(re.findall(r"`(/[a-z0-9]+)`", commands)) == {
        c["command"] for c in manifest["features"]["slash_commands"]}
    events = creates.split("**Events:**", 1)[1].split("\n- ", 1)[0]
    assert set(re.findall(r"`([a-z_.]+)`", events)) == set(
        manifest["settings"]["event_subscriptions"]["bot_events"])
    scopes = creates.split("The bot scopes are", 1)[1].split(".\n", 1)[0]
    assert set(re.findall(r"`([a-z_]+:[a-z_]+|commands)`", scopes)) == set(
        manifest["oauth_config"]["scopes"]["bot"])


def test_docs_slack_md_says_what_each_slash_command_of_the_manifest_does() -> None:
    """*Commands in Slack* has a row for every command the manifest creates (it had none
    for /goals, /review and /monthly), and names no command the manifest lacks but
    `/teampulse away` and `/teampulse help`, which Slack's own /away and the missing /help
    make the way to type them."""
    import re

    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    created = {c["command"] for c in manifest["features"]["slash_commands"]}
    docs = (MANIFEST.parent / "docs" / "slack.md").read_text(encoding="utf-8")
    table = docs.split("### Commands in Slack\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(" | ")[0] for line in table.splitlines() if line.startswith("| `/")]
    named = {name for row in rows for name in re.findall(r"`(/[a-z0-9]+)", row)}
    assert named == created
    assert "/away" not in created and "/help" not in created
