"""The GM's summary says why someone was not reached, read in one statement for the week
and only when someone was not reached (the summary is benchmarked: bench/summary.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bot.adapters.base import DeliveryError
from tests.support import RecordingAdapter, csv_records, run_cli, say, settle_outbox
from tests.test_checkin import answer_all
from tests.test_summary_truth import LI_ANSWERS

NO_PLATFORM = ("no running chat platform could reach them when it was sent — check their "
               "slack_id or telegram_id in the org file")


def _reads_of_why(bot) -> list[str]:
    """A list that fills with the statements reading why someone was not reached (the
    only read of the outbox's attempts), as they run."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "outbox.attempts" in statement and "outbox.last_error" in statement:
            seen.append(statement)

    event.listen(bot.engine, "before_cursor_execute", record)
    return seen


async def test_a_director_no_running_platform_knows_reads_check_their_ids(bot, settings,
                                                                          clock, monkeypatch):
    """Bruno's prompt had nowhere to go (no running platform knew him): the GM reads to
    check his ids in the org file; Alice, reached, has no reason in the JSON."""
    assert (await bot.run_checkins(["bruno"])).results["bruno"] == "unreachable"
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "li", LI_ANSWERS)
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary")

    assert f"⚠️ Bruno Rossi — not reached: the check-in could not be delivered ({NO_PLATFORM})" \
        in chat.last("grace"), chat.last("grace")
    assert len(reads) == 1  # one statement for the week, whoever was not reached
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    why = {d["key"]: d["not_reached_why"] for d in json.loads(out)["directors"]}
    assert why == {"alice": None, "bruno": "no_platform", "li": None}
    code, md = run_cli(settings, "summary", "--format", "md", "--locale", "zh-CN")
    assert "Bruno Rossi — 未送达：签到消息无法发送（发送时没有正在运行的聊天平台能联系到" \
        r"对方——请检查组织文件中的 slack\_id 或 telegram\_id）" in md, md  # (Markdown: \_ is _)


async def test_nothing_more_is_read_when_everyone_was_reached(bot, chat):
    """With everyone reached, the summary reads nothing more than before."""
    await bot.run_checkins(["alice", "li"])
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary")

    assert "not reached" not in chat.last("grace")
    assert reads == []


# --- The team's view and a person's history (handlers/summary.py) say why as well ---

BLOCKED = "they blocked the bot — ask them to unblock it and send /start"


def _blocked() -> DeliveryError:
    """What the Telegram adapter raises for a user who blocked the bot."""
    return DeliveryError("Telegram refused: Forbidden: bot was blocked by the user",
                         permanent=True, by_recipient=True)


async def _two_weeks_unreached(bot, clock) -> RecordingAdapter:
    """Bruno's check-in of 2026-W48 had no running platform to go by; that of 2026-W49
    was refused: he had blocked the bot. Alice was reached both weeks."""
    assert (await bot.run_checkins(["bruno"])).results["bruno"] == "unreachable"
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins(["alice"])
    clock.advance(timedelta(days=7))
    chat.fail_next.append(_blocked())
    await bot.run_checkins(["bruno", "alice"])
    await settle_outbox(bot, clock)
    return chat


async def test_a_persons_history_says_why_each_week_was_not_reached(bot, settings, clock,
                                                                     monkeypatch):
    """The GM asks for Bruno's history: each week not reached says its own reason (no
    platform knew him, then he blocked the bot), read in one statement for both weeks;
    the CLI's JSON (and a team's CSV) give it as the GM's view does, `not_reached_why`."""
    chat = await _two_weeks_unreached(bot, clock)
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary bruno")

    history = chat.last("grace")
    assert f"2026-W48 (2026-11-23 – 2026-11-29): not reached: the check-in could not be " \
        f"delivered ({NO_PLATFORM})" in history, history
    assert f"2026-W49 (2026-11-30 – 2026-12-06): not reached: the check-in could not be " \
        f"delivered ({BLOCKED})" in history, history
    assert len(reads) == 1, reads  # one statement for every week of the history

    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--person", "bruno", "--format", "json")
    assert code == 0, out
    why = {w["week"]: w["people"][0]["not_reached_why"] for w in json.loads(out)["weeks"]}
    assert why["2026-W48"] == "no_platform" and why["2026-W49"] == "blocked", why
    assert why["2026-W47"] is None  # (not asked that week: no reason to give)
    # (A director's CSV is the GM's view of their latest week: a team's has every week.)
    code, out = run_cli(settings, "summary", "--team", "Europe", "--weeks", "2",
                        "--format", "csv")
    rows = {r["week"]: r for r in csv_records(out)}
    assert rows["2026-W49"]["not_reached_why"] == "blocked"
    assert rows["2026-W48"]["not_reached_why"] == "no_platform"
    assert list(rows["2026-W49"]).index("not_reached_why") \
        == list(rows["2026-W49"]).index("left") + 1  # (added after left, before the KPIs)
    code, md = run_cli(settings, "summary", "--person", "bruno", "--format", "md",
                       "--locale", "zh-CN")
    assert "未送达：签到消息无法发送（对方屏蔽了机器人——请对方解除屏蔽并发送 /start）" in md, md


async def test_a_teams_view_says_why_from_the_gms_side_and_the_directors(bot, clock):
    """The GM's `/summary team Europe`, and over several weeks each week's 'not reached'
    names Bruno with why; Bruno's own `/summary` of his team says it too, in Chinese
    for a reader of Chinese."""
    chat = await _two_weeks_unreached(bot, clock)

    await say(bot, "grace", "/summary team Europe")
    assert f"⚠️ Bruno Rossi — not reached: the check-in could not be delivered ({BLOCKED})" \
        in chat.last("grace"), chat.last("grace")

    await say(bot, "grace", "/summary team Europe last 2w")
    trend = chat.last("grace")
    assert f"2026-W48: 0 of 1 · not reached: Bruno Rossi ({NO_PLATFORM})" in trend, trend
    assert f"2026-W49: 0 of 1 · not reached: Bruno Rossi ({BLOCKED})" in trend, trend

    await say(bot, "bruno", "/summary")
    assert f"Bruno Rossi — not reached: the check-in could not be delivered ({BLOCKED})" \
        in chat.last("bruno"), chat.last("bruno")
    await say(bot, "bruno", "/language 中文")
    await say(bot, "bruno", "/summary")
    assert "Bruno Rossi — 未送达：签到消息无法发送（对方屏蔽了机器人——请对方解除屏蔽并发送 " \
        "/start）" in chat.last("bruno"), chat.last("bruno")


async def test_a_history_and_a_team_read_nothing_more_when_everyone_was_reached(bot, chat):
    """Reached every week: neither a person's history nor a team's view reads why."""
    await bot.run_checkins(["alice", "li"])
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary alice")
    await say(bot, "grace", "/summary team East last 4w")
    await say(bot, "alice", "/summary")

    assert "not reached" not in chat.last("grace") + chat.last("alice")
    assert reads == []


NOT_STARTED = ("they never started a chat with the bot on Telegram — ask them to open it "
               "and press Start")


async def test_a_director_reads_why_a_member_was_not_reached_in_summary_and_digest(
        settings, clock, tmp_path):
    """Alice's team East has Sam, who checks in; Telegram refused his check-in (he never
    pressed Start). Alice's own `/summary` and her Monday digest say so and what to ask
    of him, not a bare "could not be delivered"."""
    from tests.test_digest import digests
    from tests.test_digest_scope import bot_on, monday_digests, two_teams

    bot, chat = bot_on(settings, clock, tmp_path, two_teams())
    try:
        clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
        chat.fail_next.append(DeliveryError(
            "Telegram refused: Forbidden: bot can't initiate conversation with a user",
            permanent=True, by_recipient=True))
        await bot.run_checkins(["sam"])
        await bot.run_checkins(["alice"])
        await settle_outbox(bot, clock)

        await say(bot, "alice", "/summary")
        assert f"⚠️ Sam Lee — not reached: the check-in could not be delivered " \
            f"({NOT_STARTED})" in chat.last("alice"), chat.last("alice")

        await monday_digests(bot, clock)
    finally:
        bot.engine.dispose()
    (digest,) = digests(chat, "alice")
    assert f"Sam Lee — not reached: the check-in could not be delivered ({NOT_STARTED})" \
        in digest, digest


async def test_the_gms_digest_says_why_reading_it_once(bot, clock):
    """The GM's Monday digest (her /summary of the week under its header) says why Bruno
    was not reached, as does Bruno's own digest of his team Europe; each reads it once,
    in the view that shows it (the GM's header names no reason: nothing is read for it),
    and Alice's, whose team was reached, reads nothing."""
    from tests.test_digest import digests
    from tests.test_digest_scope import MONDAY_8AM_NY

    assert (await bot.run_checkins(["bruno"])).results["bruno"] == "unreachable"
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins(["alice", "li"])
    clock.set(MONDAY_8AM_NY)
    reads = _reads_of_why(bot)

    await bot.run_digests()

    (digest,) = digests(chat, "grace")
    assert f"⚠️ Bruno Rossi — not reached: the check-in could not be delivered ({NO_PLATFORM})" \
        in digest, digest
    (own,) = digests(chat, "bruno")
    assert f"Bruno Rossi — not reached: the check-in could not be delivered ({NO_PLATFORM})" \
        in own, own
    assert "not reached" not in digests(chat, "alice")[0]
    assert len(reads) == 2, reads  # the GM's and Bruno's digest, once each


async def test_a_digests_header_says_why_each_one_it_lists_was_not_reached(
        settings, clock, tmp_path):
    """Sam (team East, a member) never pressed Start on Telegram, and Pia (team Europe)
    blocked the bot. The GM's Monday digest lists Sam as not reached in its header, and
    her view below it holds directors only: the header itself must say why, and what to
    do. Bruno, who reads Chinese, reads why Pia was not reached in his header too; each
    digest reads the reasons once (the GM's view below reuses what her header read)."""
    from tests.test_digest import digests
    from tests.test_digest_scope import bot_on, monday_digests, two_teams

    org = two_teams().replace("timezone: Europe/Rome, kpis", "timezone: Europe/Rome, "
                              "locale: zh-CN, kpis")
    bot, chat = bot_on(settings, clock, tmp_path, org)
    try:
        clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
        chat.fail_next.append(DeliveryError(
            "Telegram refused: Forbidden: bot can't initiate conversation with a user",
            permanent=True, by_recipient=True))
        await bot.run_checkins(["sam"])
        await settle_outbox(bot, clock)
        chat.fail_next.append(DeliveryError(
            "Telegram refused: Forbidden: bot was blocked by the user",
            permanent=True, by_recipient=True))
        await bot.run_checkins(["pia"])
        await settle_outbox(bot, clock)
        await bot.run_checkins(["alice", "bruno"])
        await settle_outbox(bot, clock)
        reads = _reads_of_why(bot)

        await monday_digests(bot, clock)
    finally:
        bot.engine.dispose()
    (gm,) = digests(chat, "grace")
    header = gm.split("\n\n")[0]
    assert f"Sam Lee (could not be reached: {NOT_STARTED})" in header, gm
    assert "Pia Weber (could not be reached: they blocked the bot — ask them to unblock " \
        "it and send /start)" in header, gm
    (bruno,) = digests(chat, "bruno")
    assert "Pia Weber（无法联系：对方屏蔽了机器人——请对方解除屏蔽并发送 /start）" \
        in bruno.split("\n\n")[0], bruno
    (alice,) = digests(chat, "alice")
    assert f"Sam Lee (could not be reached: {NOT_STARTED})" in alice.split("\n\n")[0], alice
    assert len(reads) == 3, reads  # one per digest: the GM's, Alice's and Bruno's
