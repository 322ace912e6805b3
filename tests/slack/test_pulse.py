"""An anonymous pulse poll in Slack: sent, answered by buttons and typing, a comment, a
reminder, closing, thresholded results — and nothing sent back that shows a choice."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from tests.fakes.slack_api import FakeCall, FakeSlackAPI
from tests.slack.harness import ALICE, GRACE, LILEI, SAM, VERA, SlackHarness, dm_channel

BRUNO = "U0BRUNO"
POLL_DAY = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)  # past 11:00 everywhere in the test org
COMMENT = "Quokka-lantern forecast anxiety"


def use_history_ts(slack: SlackHarness, fake: FakeSlackAPI) -> None:
    # A delivered pulse DM keeps no text in the outbox, so find a message's ts in the
    # fake's own history rather than by the outbox row's text.
    def ts_of(call: FakeCall) -> str:
        return next(m["ts"] for m in fake.posted(call.params["channel"])
                    if m["text"] == call.params["text"])
    slack.ts_of = ts_of  # type: ignore[method-assign]


async def test_a_pulse_poll_in_slack_never_shows_a_choice(slack: SlackHarness, fake, bot,
                                                          clock) -> None:
    use_history_ts(slack, fake)
    clock.set(POLL_DAY)
    await bot.run_pulse()
    await slack.settle()
    first = slack.posts(ALICE)[-1]
    assert "anonymous pulse poll" in first.params["text"]
    assert "*Question 1 of 2*" in first.params["text"]
    buttons = first.params["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["1 · low", "2", "3", "4", "5 · great"]
    assert all(b["value"].startswith("anon:pulse:") for b in buttons)

    # Alice presses 2: the buttons are replaced by "answered", not by her choice.
    await slack.press(ALICE, first, "2")
    update = fake.last_call("chat.update")
    assert update.params["channel"] == dm_channel(ALICE)
    assert update.params["blocks"][-1]["elements"][0]["text"] == "✅ *answered*"
    # She types the stress answer, then a comment.
    assert "*Question 2 of 2*" in slack.last_text(ALICE)
    await slack.dm(ALICE, "3")
    assert "Anything you'd like to add?" in slack.last_text(ALICE)
    await slack.dm(ALICE, COMMENT)
    assert "Your answers are in" in slack.last_text(ALICE)

    # Four more answer by buttons; Sam stops after the first question.
    for user, morale, stress, skip in ((GRACE, "4", "2", "No comment"),
                                       (BRUNO, "3", "3", "No comment"),
                                       (LILEI, "4", "2", "不留言"),
                                       (VERA, "5 · great", "1 · calm", "No comment")):
        await slack.press(user, slack.posts(user)[-1], morale)
        await slack.press(user, slack.posts(user)[-1], stress)
        await slack.press(user, slack.posts(user)[-1], skip)
    assert fake.last_call("chat.update").params["blocks"][-1]["elements"][0]["text"] == \
        "✅ *answered*"
    await slack.press(SAM, slack.posts(SAM)[-1], "3")

    # Six have answered the first question (the threshold is 5), but the poll is open:
    # the GM sees neither the answers (more would show the next answer by difference) nor
    # how many answered (a count that moves would show who just did).
    await slack.command(GRACE, "/pulse", "results", channel=dm_channel(GRACE))
    results = slack.last_text(GRACE)
    assert "(open)" in results and "6 of 6" not in results and "Morale" not in results
    assert COMMENT not in results

    # One reminder a day later, to Sam only (the others have finished).
    before = len(fake.calls_for("chat.postMessage"))
    clock.advance(timedelta(hours=25))
    await bot.run_pulse()
    await slack.settle()
    reminders = fake.calls_for("chat.postMessage")[before:]
    assert [c.params["channel"] for c in reminders] == [SAM]
    assert "gentle reminder" in reminders[0].params["text"]
    assert "*Question 2 of 2*" in reminders[0].params["text"]
    await slack.press(SAM, reminders[0], "2")
    await slack.press(SAM, slack.posts(SAM)[-1], "No comment")

    # Closing: a late answer is refused kindly.
    clock.advance(timedelta(days=3))
    await bot.run_pulse()
    await slack.command(SAM, "/pulse", channel=dm_channel(SAM))
    assert "no pulse poll open" in slack.last_text(SAM)

    # Closed, the results: six answers each.
    await slack.command(GRACE, "/pulse", "results", channel=dm_channel(GRACE))
    results = slack.last_text(GRACE)
    assert "Morale: 3.5 (6 answers)" in results
    assert "Stress: hidden — fewer than 5 answers" not in results
    assert COMMENT in results

    # Every chat.update shows only "answered"; no outgoing call carries the comment
    # except the GM's thresholded results.
    for call in fake.calls_for("chat.update"):
        assert call.params["blocks"][-1]["elements"][0]["text"] in ("✅ *answered*",
                                                                    "✅ *已回答*")
    for call in fake.calls:
        dumped = json.dumps(call.params, ensure_ascii=False)
        if COMMENT in dumped:
            assert call.method == "chat.postMessage" and call.params["channel"] == GRACE
            assert "Pulse poll 2026-12-09" in call.params["text"]
    from storage.models import OutboxMessage, ProcessedEvent
    with bot.sessions() as session:
        for row in session.scalars(select(OutboxMessage)):
            if row.payload.get("scrub_after_send"):
                assert row.payload == {"text": "", "scrub_after_send": True}
        assert all("anon:" not in r.event_id for r in session.scalars(select(ProcessedEvent)))


async def test_a_pulse_button_that_cannot_be_marked_is_logged_at_debug_only(
        slack: SlackHarness, fake, bot, clock, caplog) -> None:
    # "Slack: could not mark the answered message" at WARNING, the moment Alice pressed a
    # pulse button, told the log's reader when she answered.
    use_history_ts(slack, fake)
    clock.set(POLL_DAY)
    await bot.run_pulse()
    await slack.settle()
    caplog.set_level(logging.DEBUG)
    fake.fail("chat.update", "cant_update_message")
    caplog.clear()
    await slack.press(ALICE, slack.posts(ALICE)[-1], "2")
    marks = [r for r in caplog.records if "could not mark the answered" in r.getMessage()]
    assert marks and all(r.levelno == logging.DEBUG for r in marks)
    assert "*Question 2 of 2*" in slack.last_text(ALICE)  # answered all the same


async def test_a_redelivered_pulse_press_is_ignored_without_naming_it_at_info(
        slack: SlackHarness, fake, bot, clock, caplog) -> None:
    # "slack event action:<message ts>:<press ts> already processed" at INFO: the message's
    # ts is that of the poll sent to Alice's DM, so the log's reader knew she answered, and
    # when; the press's id is no more than DEBUG's to tell.
    from storage.pulse import PulseVote

    use_history_ts(slack, fake)
    clock.set(POLL_DAY)
    await bot.run_pulse()
    await slack.settle()
    poll = slack.posts(ALICE)[-1]
    await slack.press(ALICE, poll, "2")
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    assert (await slack.dispatch(slack.bodies[-1])).status == 200  # Slack delivers it again
    await slack.settle()
    press = json.loads(parse_qs(slack.bodies[-1])["payload"][0])
    ids = (press["container"]["message_ts"], press["actions"][0]["action_ts"])
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert any("already processed" in text and level == logging.INFO
               for level, text in lines)  # the operator still sees a redelivery ignored
    assert [text for level, text in lines
            if level >= logging.INFO and any(i in text for i in ids)] == []
    with bot.sessions() as session:  # and it was ignored: one answer, not two
        assert len(session.scalars(select(PulseVote)).all()) == 1


async def test_a_pulse_press_the_bot_is_too_busy_to_take_logs_no_choice(
        slack: SlackHarness, fake, bot, clock, caplog, monkeypatch) -> None:
    # Everyone answers as the poll goes out at 11:00, and the bot's queue of events is
    # full: each press is logged at WARNING and not acknowledged (Slack delivers it again).
    # The line named the button pressed by its place, `actions=tp_choice_1`: the second
    # button, morale 2, at the minute it was pressed; beside the bot's record of when the
    # next question went to whom, the log's reader read Alice's answer. Every press of a
    # poll's buttons now reads the same there; a button of another app is still named.
    from bot.ingest import IngestBusy

    use_history_ts(slack, fake)
    clock.set(POLL_DAY)
    await bot.run_pulse()
    await slack.settle()

    async def busy(*_args: object, **_kwargs: object) -> None:
        raise IngestBusy("the queue is full")

    monkeypatch.setattr(slack.adapter, "_queue", busy)
    caplog.set_level(logging.INFO)
    lines: dict[str, list[str]] = {}
    for user, label in ((ALICE, "2"), (GRACE, "4"), (BRUNO, "5 · great")):
        caplog.clear()
        await slack.press(user, slack.posts(user)[-1], label)
        lines[label] = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert all(any("too many events waiting" in line for line in got)
               for got in lines.values()), lines  # the operator still sees what happened
    assert lines["2"] == lines["4"] == lines["5 · great"]
    assert not any("tp_choice_" + digit in line for got in lines.values() for line in got
                   for digit in "0123456789")


def test_at_debug_a_library_quoting_a_press_never_shows_which_button(
        settings, request: pytest.FixtureRequest) -> None:
    # The operator troubleshoots at LOG_LEVEL=DEBUG on poll day. slack_bolt quotes a
    # request it has a word about, and slack_sdk's Socket Mode every payload it receives,
    # whole: a pulse button's value is masked there (`anon:pulse:7:1:***`), but its
    # action_id said its place in the row, `tp_choice_3`, and the payload its label,
    # `"text": "4"`: morale 4. Two presses of different choices now read alike; a check-in
    # button's label is still there to read.
    from tests.operator_log import operator_log

    def action(place: int, label: str, value: str) -> dict[str, object]:
        return {"action_id": f"tp_choice_{place}", "block_id": "tp_choices_0",
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": value, "type": "button", "action_ts": "1.3"}

    # The two libraries' loggers as `teampulse run` leaves them at DEBUG (propagating to
    # the root's handler, no level of their own): an earlier test's bot may have left one
    # with a level or disabled, and the line never reached the log.
    libraries = [logging.getLogger(name) for name in
                 ("slack_bolt.AsyncApp", "slack_sdk.socket_mode.aiohttp")]
    saved = [(lg.level, lg.disabled, lg.propagate) for lg in libraries]
    for lg in libraries:
        lg.setLevel(logging.NOTSET)
        lg.disabled, lg.propagate = False, True
    request.addfinalizer(lambda: [
        (lg.setLevel(level), setattr(lg, "disabled", off), setattr(lg, "propagate", up))
        for lg, (level, off, up) in zip(libraries, saved, strict=True)])

    def pressed(place: int, label: str) -> str:
        envelope = {"type": "interactive", "payload": {"type": "block_actions", "actions": [
            action(place, label, f"anon:pulse:7:1:{place + 1}")]}}
        with operator_log(settings) as log:
            logging.getLogger("slack_bolt.AsyncApp").debug(
                "Unhandled request (%s)", json.dumps(envelope["payload"]))
            logging.getLogger("slack_sdk.socket_mode.aiohttp").debug(
                "Received message (data: %s)", json.dumps(envelope, ensure_ascii=False))
            logging.getLogger("slack_sdk.socket_mode.aiohttp").debug(
                "Received message (data: %r)", envelope)
        # Each of the three lines from its level on (its time differs from one call to
        # the next); the root's DEBUG also takes whatever another thread or a collected
        # object logs meanwhile (an earlier test's unclosed session), which is no part of it.
        return "\n".join(line.split(" DEBUG ", 1)[-1]
                         for line in log.getvalue().splitlines()
                         if "Unhandled request (" in line or "Received message (" in line)

    assert len(pressed(1, "2").splitlines()) == 3
    assert pressed(1, "2") == pressed(4, "5 · great")
    assert "tp_choice_***" in pressed(1, "2")
    assert "great" not in pressed(4, "5 · great")
    with operator_log(settings) as log:
        logging.getLogger("slack_sdk.socket_mode.aiohttp").debug(
            "Received message (data: %s)", json.dumps({"actions": [
                action(0, "Yes, 45,000", "num:1:45000")]}))
    assert "Yes, 45,000" in log.getvalue()


async def test_a_forged_press_logged_at_debug_never_shows_which_button(
        slack: SlackHarness, fake, bot, clock, settings, request: pytest.FixtureRequest
) -> None:
    # The operator chases a signing problem at LOG_LEVEL=DEBUG on poll day: bolt logs the
    # body of every request whose signature it refuses, form-encoded as Slack sent it
    # (`payload=%7B%22actions%22%3A…`). The value was masked there, but not the pressed
    # button's place (`%22tp_choice_1%22`) nor its label (`%22text%22%3A%222%22`): morale
    # 2. Two presses of different buttons now read alike in the real app's log line.
    from tests.operator_log import operator_log

    use_history_ts(slack, fake)
    # bolt's loggers as `teampulse run` leaves them at DEBUG (propagating, no level of
    # their own): an earlier test's bot may have left one with a level or disabled.
    loggers = [logging.getLogger(name) for name in
               ("slack_bolt", "slack_bolt.RequestVerification", "slack_bolt.AsyncApp")]
    saved = [(lg.level, lg.disabled, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.NOTSET)
        lg.disabled, lg.propagate = False, True
    request.addfinalizer(lambda: [
        (lg.setLevel(level), setattr(lg, "disabled", off), setattr(lg, "propagate", up))
        for lg, (level, off, up) in zip(loggers, saved, strict=True)])
    clock.set(POLL_DAY)
    await bot.run_pulse()
    await slack.settle()
    question = slack.posts(ALICE)[-1]

    def forged_line(log: str) -> str:
        line = next(line for line in log.splitlines() if "Invalid request signature" in line)
        # Each press has its own ids (trigger, response_url, action_ts): compare the rest.
        payload = line.split("body: payload=", 1)[1]
        fields = payload.split("%2C+")
        return "%2C+".join(f for f in fields if not f.startswith(
            ("%22trigger_id", "%22response_url", "%22action_ts")))

    lines = {}
    for label in ("2", "5 · great"):
        with operator_log(settings) as log:
            resp = await slack.press(ALICE, question, label, secret="not-the-signing-secret")
        assert resp.status == 401
        lines[label] = forged_line(log.getvalue())
    assert "%22actions%22" in lines["2"]  # (a guard: the payload is in the line)
    assert "%22tp_choice_***%22" in lines["2"]
    assert lines["2"] == lines["5 · great"]
    pressed = lines["2"].split("%22actions%22", 1)[1]
    assert "%22text%22%3A+%22***%22" in pressed
    assert "great" not in lines["5 · great"].split("%22actions%22", 1)[1]
    with bot.sessions() as session:  # nothing was taken
        from storage.pulse import PulseVote
        assert session.scalars(select(PulseVote)).all() == []
