"""Outbound: the adapter's sends against the fake Bot API, and how errors reach the outbox."""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.base import DeliveryError, RetryLater
from bot.adapters.telegram import TelegramAdapter, api_root, chat_id, retry_after_seconds
from bot.adapters.telegram_format import html_to_plain, shown_len, utf16_len
from bot.core import TeamPulse
from bot.events import Choice, OutboundMessage, Target
from tests.telegram.conftest import ALICE, GRACE, GROUP, TG
from tests.text_cuts import EMOJI_LINE, assert_cut_between_characters

PNG = b"\x89PNG\r\n\x1a\nchart"
CHOICES = (Choice("Yes", "ans:1:0:1"), Choice("No", "ans:1:0:2"))


def long_summary(lines: int = 300) -> str:
    return "\n".join(f"<b>Line {n:03d}</b> — Alice &amp; Bob: <i>on track</i>"
                     for n in range(lines))


async def test_a_long_message_is_split_at_lines_in_order_with_buttons_last(tg: TG) -> None:
    text = long_summary()
    # Measured as Telegram counts it, without its tags and with `&amp;` one `&`.
    assert 2 * 4096 < shown_len(text) <= 3 * 4096 < utf16_len(text)
    result = await tg.adapter.send_dm(str(GRACE), OutboundMessage(text, CHOICES))
    calls = tg.fake.calls_for("sendMessage")
    assert len(calls) == 3 and all(c.status == 200 for c in calls)  # valid HTML, each fits
    assert all(shown_len(c.params["text"]) <= 4096 for c in calls)
    assert ["reply_markup" in c.params for c in calls] == [False, False, True]
    assert html_to_plain("\n".join(c.params["text"] for c in calls)) == html_to_plain(text)
    assert result.external_id == str(calls[-1].response["result"]["message_id"])
    assert result.extra["message_ids"] == [c.response["result"]["message_id"] for c in calls]


async def test_a_retry_after_a_failed_part_does_not_resend_the_parts_before(tg: TG) -> None:
    text = long_summary(150)  # two parts
    first = {"message_id": 900, "date": 0, "chat": {"id": GRACE, "type": "private"},
             "text": "part 1"}
    tg.fake.add_response("sendMessage", result=first)
    tg.fake.flood("sendMessage", retry_after=3)
    with pytest.raises(RetryLater) as excinfo:
        await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))
    assert excinfo.value.seconds == 3
    await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))  # the outbox's retry
    texts = [c.params["text"] for c in tg.fake.calls_for("sendMessage")]
    assert len(texts) == 3 and texts[1] == texts[2] != texts[0]
    await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))  # a new message: from part 1
    assert tg.fake.calls_for("sendMessage")[3].params["text"] == texts[0]


async def test_errors_become_delivery_errors(tg: TG) -> None:
    message = OutboundMessage("hello")
    tg.fake.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    with pytest.raises(DeliveryError) as blocked:
        await tg.adapter.send_dm(str(ALICE), message)
    assert blocked.value.permanent
    tg.fake.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(DeliveryError) as missing:
        await tg.adapter.post_to_channel("-100999", message)
    assert missing.value.permanent and "not found" in str(missing.value)
    tg.fake.fail("sendMessage", 502, "Bad Gateway")
    with pytest.raises(DeliveryError) as gateway:
        await tg.adapter.send_dm(str(ALICE), message)
    assert not gateway.value.permanent and not isinstance(gateway.value, RetryLater)
    with pytest.raises(DeliveryError) as bad_address:
        await tg.adapter.send_dm("alice", message)
    assert bad_address.value.permanent


@pytest.mark.parametrize(("error", "permanent"), [
    (TimedOut(), False),
    (NetworkError("httpx.ConnectError: All connection attempts failed"), False),
    (TelegramError("Internal Server Error"), False),
    (Forbidden("Forbidden: user is deactivated"), True),
    (BadRequest("Bad Request: chat not found"), True),
])
async def test_how_each_telegram_error_reaches_the_outbox(
        bot: TeamPulse, error: Exception, permanent: bool) -> None:
    async def failing(**params: object) -> Message:
        raise error

    adapter = TelegramAdapter(bot, bot.settings)
    with pytest.raises(DeliveryError) as excinfo:
        await adapter._call(failing, "text", chat_id=1, text="hi")
    assert excinfo.value.permanent is permanent
    assert not isinstance(excinfo.value, RetryLater)


async def test_html_telegram_cannot_parse_goes_out_as_plain_text(
        tg: TG, caplog: pytest.LogCaptureFixture) -> None:
    await tg.adapter.send_dm(str(ALICE), OutboundMessage("Use /summary <person> &amp; more"))
    first, second = tg.fake.calls_for("sendMessage")
    assert first.status == 400 and second.status == 200
    assert "parse_mode" not in second.params
    assert second.params["text"] == "Use /summary <person> & more"
    assert "could not parse our HTML" in caplog.text


async def test_group_upgraded_to_supergroup_is_followed(tg: TG) -> None:
    tg.fake.add_response("sendMessage", 400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": GROUP}})
    await tg.adapter.post_to_channel("-4242", OutboundMessage("kudos!"))
    assert [c.params["chat_id"] for c in tg.fake.calls_for("sendMessage")] == [-4242, GROUP]
    assert tg.shown(GROUP) == ["kudos!"]


async def test_reply_in_thread_replies_to_the_message(tg: TG) -> None:
    await tg.adapter.reply_in_thread(str(GROUP), "77", OutboundMessage("noted"))
    params = tg.fake.last_call("sendMessage").params
    assert params["chat_id"] == GROUP
    assert params["reply_parameters"] == {"message_id": 77, "allow_sending_without_reply": True}


async def test_images_go_as_photos_with_their_caption(tg: TG) -> None:
    target = Target("telegram", "dm", str(GRACE))
    await tg.adapter.upload_image(target, PNG, "kpi.png", "<b>KPIs</b> &amp; trend")
    call = tg.fake.last_call("sendPhoto")
    assert call.files["photo"].data == PNG and call.files["photo"].filename == "kpi.png"
    assert call.params["caption"] == "<b>KPIs</b> &amp; trend"
    assert call.params["parse_mode"] == "HTML"
    # Through the outbox payload too (deliver() picks upload_image for images).
    await tg.adapter.deliver(Target("telegram", "thread", str(GROUP), "5"),
                             OutboundMessage("chart", image=PNG, image_name="c.png"))
    assert tg.fake.last_call("sendPhoto").params["reply_parameters"]["message_id"] == 5


async def test_a_caption_too_long_follows_the_photo(tg: TG) -> None:
    caption = "word " * 400
    await tg.adapter.upload_image(Target("telegram", "dm", str(GRACE)), PNG, "a.png", caption)
    assert "caption" not in tg.fake.last_call("sendPhoto").params
    assert tg.fake.last_call("sendMessage").params["text"] == caption


async def test_buttons_with_values_telegram_would_refuse_are_left_out(tg: TG) -> None:
    message = OutboundMessage("Pick one (or type its number)", (Choice("A", "x" * 65),))
    await tg.adapter.send_dm(str(ALICE), message)
    assert "reply_markup" not in tg.fake.last_call("sendMessage").params


async def test_before_start_messages_wait_in_the_outbox(bot: TeamPulse) -> None:
    adapter = TelegramAdapter(bot, bot.settings)
    with pytest.raises(RetryLater):
        await adapter.send_dm(str(ALICE), OutboundMessage("hi"))
    await adapter.stop()  # stopping what never started is harmless


def test_limits_and_addresses(bot: TeamPulse) -> None:
    adapter = TelegramAdapter(bot, bot.settings)
    assert adapter.markup == "telegram" and not adapter.supports_ephemeral
    assert (adapter.pacing.per_chat, adapter.pacing.per_group) == (1.0, 3.0)
    assert adapter.pacing.overall == pytest.approx(1 / 30)
    assert adapter.is_group_address("-1001234") and adapter.is_group_address("@news")
    assert not adapter.is_group_address("1001")
    assert chat_id("1001") == 1001 and chat_id("-100123") == -100123
    assert chat_id("@news") == "@news"


def test_api_url_setting() -> None:
    assert api_root(None) == "https://api.telegram.org"
    assert api_root("http://localhost:8081/") == "http://localhost:8081"
    assert api_root("http://localhost:8081/bot") == "http://localhost:8081"


def test_retry_after_is_read_quietly_as_int_or_timedelta(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)  # PTB's own constructor warns
        as_int = RetryAfter(7)
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    as_timedelta = RetryAfter(timedelta(seconds=2.5))
    monkeypatch.delenv("PTB_TIMEDELTA")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry_after_seconds(as_int) == 7.0
        monkeypatch.setenv("PTB_TIMEDELTA", "1")
        assert retry_after_seconds(as_timedelta) == 2.5


# One line, no line break or space to cut at, longer than a Telegram message (Chinese text
# has no spaces): entities the bot escaped, bold around part of it, and characters drawn as
# one though written as several code points (a skin tone, a flag, e + accent, a ZWJ emoji).
CHINESE_LINE = "华东区&华南区<合作>伙伴" * 400
async def test_a_long_line_is_never_cut_inside_an_entity_or_a_tag(tg: TG) -> None:
    import html

    # Every offset of the entities against the cut: one falls inside "&amp;" or "&lt;".
    for shift in range(5):
        tg.fake.calls.clear()
        text = "x" * shift + "<b>" + html.escape(CHINESE_LINE[:1500]) + "</b>" + \
            html.escape(CHINESE_LINE[1500:])
        await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))
        calls = tg.fake.calls_for("sendMessage")
        assert len(calls) >= 2 and all(c.status == 200 for c in calls)  # valid HTML each
        parts = [c.params["text"] for c in calls]
        assert all(shown_len(p) <= 4096 for p in parts)
        assert "".join(html_to_plain(p) for p in parts) == html_to_plain(text)
        for part in parts:
            assert part.count("&") == part.count("&amp;") + part.count("&lt;") + \
                part.count("&gt;"), part[-8:]


async def test_a_long_line_is_never_cut_inside_a_character(tg: TG) -> None:
    """A flag came as two letters in boxes, a thumbs-up lost its skin tone to the next
    message (a lone brown square there), an 'é' lost its accent."""
    import unicodedata

    for shift in range(8):
        tg.fake.calls.clear()
        text = "x" * shift + unicodedata.normalize("NFD", EMOJI_LINE)
        await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))
        calls = tg.fake.calls_for("sendMessage")
        assert len(calls) >= 2 and all(c.status == 200 for c in calls)
        parts = [c.params["text"] for c in calls]
        assert all(utf16_len(p) <= 4096 for p in parts)
        assert "".join(parts) == text  # nothing lost or added
        assert_cut_between_characters(parts)


async def test_a_group_upgraded_to_a_supergroup_tells_the_operator_to_move_the_roll(
        tg: TG, caplog: pytest.LogCaptureFixture) -> None:
    """The honour roll's group (-4242, a basic group) is upgraded to a supergroup (a new
    id, GROUP). Telegram says so at once with a service message in the old group; the
    operator heard of it only when the next month's roll met 'group chat was upgraded'
    (and then each month). The log now names the setting and the value to put there as
    the upgrade happens; the roll still follows the new id meanwhile."""
    tg.bot.org = replace(tg.bot.org, kudos=replace(
        tg.bot.org.kudos, honours_channel={"telegram": "-4242"}))
    upgraded = tg.fake.group_message(-4242, ALICE, "", chat_type="group",
                                     migrate_to_chat_id=GROUP)
    del upgraded["message"]["text"]
    tg.fake.push_update(upgraded)
    await tg.say(GRACE, "/kudos @alice_m for the Globex demo", entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 8,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}])
    said = [r.getMessage() for r in caplog.records if "became a supergroup" in r.getMessage()]
    assert said == [f"telegram: the group -4242 became a supergroup with the id {GROUP}; "
                    "org.kudos.honours_channel.telegram names the old id: change it to "
                    f"\"{GROUP}\" in the org file"]

    tg.fake.add_response("sendMessage", 400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": GROUP}})
    tg.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York
    assert await tg.bot.run_honours()
    await tg.settle()
    assert tg.shown(GROUP)[-1].startswith("🏆 Honour roll — November 2026")
