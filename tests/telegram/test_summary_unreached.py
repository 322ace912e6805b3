"""The GM's /summary says why a director's check-in did not reach them, and what to do:
the real python-telegram-bot client against the fake Bot API, time on a fake clock.

"⚠️ Alice Martin — not reached: the check-in could not be delivered" left the GM to ask the
operator, who had to find the line in the log: whether she blocked the bot, never pressed
Start, or Telegram was down, each mended differently.
"""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support import run_cli, settle_outbox
from tests.telegram.conftest import ALICE, GRACE, LI, TG
from tests.telegram.test_long_outage_checkin import _tries_until

BLOCKED = "they blocked the bot — ask them to unblock it and send /start"
NOT_STARTED = ("they never started a chat with the bot on Telegram — ask them to open it "
               "and press Start")
OUTAGE = "the platform was unreachable until the check-in expired"


def _cli(tg: TG, *args: str) -> str:
    """`teampulse summary …` against the bot's database, at the fake clock's moment."""
    import bot.clock as clocks

    real = clocks.SystemClock.now
    clocks.SystemClock.now = lambda self: tg.clock.now()  # type: ignore[method-assign]
    try:
        code, out = run_cli(tg.bot.settings, "summary", *args)
    finally:
        clocks.SystemClock.now = real  # type: ignore[method-assign]
    assert code == 0, out
    return out


async def test_the_gm_reads_who_blocked_the_bot_and_who_never_pressed_start(tg: TG) -> None:
    """Alice blocked the bot (Telegram: 403 "bot was blocked by the user"); Li never
    pressed Start (403 "bot can't initiate conversation"): the GM's /summary tells them
    apart and says what to ask of each, in chat, JSON, CSV and Markdown."""
    tg.fake.blocked_by(ALICE)
    tg.fake.block_bot(LI)
    await tg.checkins("alice", "li")

    await tg.say(GRACE, "/summary")

    summary = tg.shown(GRACE)[-1]
    assert f"⚠️ Alice Martin — not reached: the check-in could not be delivered ({BLOCKED})" \
        in summary, summary
    assert f"⚠️ 李雷 — not reached: the check-in could not be delivered ({NOT_STARTED})" \
        in summary, summary
    assert "Check-ins: 0 of 2 · not reached: Alice Martin, 李雷" in summary

    data = json.loads(_cli(tg, "--format", "json"))
    why = {d["key"]: (d["status"], d["not_reached_why"]) for d in data["directors"]}
    assert why["alice"] == ("unreachable", "blocked")
    assert why["li"] == ("unreachable", "not_started")
    assert data["weeks"][-1]["not_reached"] == ["Alice Martin", "李雷"]  # (as before)
    csv = _cli(tg, "--format", "csv").lstrip("\ufeff").splitlines()
    header = csv[0].split(",")
    rows = {r.split(",")[header.index("director")]: r.split(",") for r in csv[1:]}
    assert rows["alice"][header.index("not_reached_why")] == "blocked"
    assert rows["li"][header.index("not_reached_why")] == "not_started"
    md = _cli(tg, "--format", "md")
    assert BLOCKED in md and NOT_STARTED in md
    zh = _cli(tg, "--format", "md", "--locale", "zh-CN")
    assert "对方屏蔽了机器人——请对方解除屏蔽并发送 /start" in zh, zh
    assert "对方从未在 Telegram 上与机器人开始对话" in zh


async def test_once_she_unblocks_and_is_sent_it_again_no_reason_is_left(tg: TG) -> None:
    """The reason is of the week's latest prompt: sent again and delivered, she is no
    longer "not reached", and nothing about the block is said."""
    tg.fake.blocked_by(ALICE)
    await tg.checkins("alice")
    tg.fake.start_bot(ALICE)
    await tg.say(GRACE, "/checkin send alice")
    await tg.settle()

    await tg.say(GRACE, "/summary")

    summary = tg.shown(GRACE)[-1]
    assert "not reached" not in summary and "blocked" not in summary, summary


async def test_a_check_in_held_up_by_telegram_past_its_week_reads_so(tg: TG) -> None:
    """Telegram answers 502 from Friday until the week is over: Alice was not reached
    because Telegram was down, not because of anything she or the GM did. Read so before
    the outbox has marked the prompt expired (`teampulse summary` with the bot stopped),
    and after."""
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice"])
    await _tries_until(tg, start + timedelta(days=2))  # the outbox tries until Sunday,
    tg.clock.set(start + timedelta(days=4))  # then is not run again until Tuesday
    with tg.bot.unit() as ctx:
        assert [m.status for m in ctx.outbox.by_status("pending")] == ["pending"]

    held = json.loads(_cli(tg, "--format", "json", "--week", "2026-W48"))
    assert [(d["key"], d["not_reached_why"]) for d in held["directors"]
            if d["status"] == "unreachable"] == [("alice", "outage")]

    tg.fake.clear_responses()
    await settle_outbox(tg.bot, tg.clock)  # (it marks the prompt expired, not sent)
    with tg.bot.unit() as ctx:
        assert len(ctx.outbox.by_status("expired")) == 1
    await tg.say(GRACE, "/summary 2026-W48")
    summary = tg.shown(GRACE)[-1]
    assert f"⚠️ Alice Martin — not reached: the check-in could not be delivered ({OUTAGE})" \
        in summary, summary


async def test_a_check_in_only_her_chat_kept_failing_for_hours_reads_given_up(tg: TG) -> None:
    """Telegram answers 502 to Alice's chat alone for longer than the retry window, while
    Li's check-in goes through: given up after six hours, her week reads that the platform
    kept failing (nothing for her to do), and how to send it again."""
    from bot.outbox import RETRY_FOR

    tg.fake.fail_chat("sendMessage", ALICE, 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice", "li"])
    await _tries_until(tg, start + RETRY_FOR - timedelta(hours=1))
    # Li answers meanwhile: Telegram works, what fails is Alice's chat.
    await tg.send(tg.fake.private_message(LI, "52000"), settle=False)
    await _tries_until(tg, start + RETRY_FOR + timedelta(hours=1))

    await tg.say(GRACE, "/summary")

    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered (the " \
        "platform kept failing for hours, so the bot gave up — /checkin send sends it " \
        "again while the week lasts)" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]


async def test_a_chinese_gm_reads_the_reason_in_chinese(tg: TG) -> None:
    """The GM who reads Chinese (/language 中文) is told so in Chinese."""
    tg.fake.blocked_by(ALICE)
    await tg.checkins("alice")
    await tg.say(GRACE, "/language 中文")

    await tg.say(GRACE, "/summary")

    assert "Alice Martin — 未送达：签到消息无法发送（对方屏蔽了机器人——请对方解除屏蔽并发送 " \
        "/start）" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]


async def test_her_history_and_her_teams_view_say_she_blocked_the_bot(tg: TG) -> None:
    """Not only the GM's overview: `/summary alice` (her history) and `/summary team East`
    say why her check-in never reached her, in English and in Chinese, and her history's
    JSON gives it per week."""
    tg.fake.blocked_by(ALICE)
    await tg.checkins("alice")

    await tg.say(GRACE, "/summary alice")
    history = tg.shown(GRACE)[-1]
    assert f"2026-W48 (2026-11-23 – 2026-11-29): not reached: the check-in could not be " \
        f"delivered ({BLOCKED})" in history, history
    await tg.say(GRACE, "/summary team East")
    assert f"⚠️ Alice Martin — not reached: the check-in could not be delivered ({BLOCKED})" \
        in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]

    data = json.loads(_cli(tg, "--person", "alice", "--format", "json"))
    assert [(w["week"], w["people"][0]["status"], w["people"][0]["not_reached_why"])
            for w in data["weeks"]][-1] == ("2026-W48", "unreachable", "blocked")

    await tg.say(GRACE, "/language 中文")
    await tg.say(GRACE, "/summary team East")
    assert "Alice Martin — 未送达：签到消息无法发送（对方屏蔽了机器人——请对方解除屏蔽并发送 " \
        "/start）" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]


async def test_sending_a_round_to_one_no_platform_knows_says_what_to_check(tg: TG) -> None:
    """Bruno has no Telegram id in the org file (a username alone) and Slack is not
    running: the GM's `/checkin send bruno` names him not reachable with what to check,
    and the GM's /summary then says the same of his week, in the same words."""
    await tg.say(GRACE, "/checkin send bruno")

    sent = tg.shown(GRACE)[-1]
    assert "Not reachable on any running platform (check their slack_id or telegram_id " \
        "in the org file): Bruno Rossi" in sent, sent
    await tg.say(GRACE, "/summary")
    assert "⚠️ Bruno Rossi — not reached: the check-in could not be delivered (no running " \
        "chat platform could reach them when it was sent — check their slack_id or " \
        "telegram_id in the org file)" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]

    await tg.say(GRACE, "/language 中文")
    await tg.say(GRACE, "/checkin send bruno")
    assert "在运行中的平台上无法联系（请检查组织文件中的 slack_id 或 telegram_id）：Bruno Rossi" \
        in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]
