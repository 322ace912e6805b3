"""A 360° review the GM started (no closing date) waits for every rater; one the survey
never reached (here Bruno, whom the only running platform, Telegram, does not know) keeps
it open until /review close. /review status <director> names who was not reached, why,
and what the GM can do, in English and Chinese; the report then counts them apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.base import DeliveryError
from bot.app import prepare
from bot.core import TeamPulse
from bot.events import InboundEvent
from tests.support import RecordingAdapter

GRACE = "1001"  # her Telegram id in the test org (Bruno has a username only: no DM)


@pytest.fixture
async def on_telegram(settings, clock) -> AsyncIterator[tuple[TeamPulse, RecordingAdapter]]:
    bot, engine = prepare(replace(settings), clock)
    chat = RecordingAdapter(platform="telegram")
    bot.register(chat)
    try:
        yield bot, chat
    finally:
        await bot.drain()
        engine.dispose()


async def grace_says(bot: TeamPulse, chat: RecordingAdapter, text: str) -> str:
    await bot.handle(InboundEvent(platform="telegram", user_id=GRACE, chat_id=GRACE,
                                  chat_type="direct", text=text))
    await bot.drain()
    return chat.last(GRACE)


async def test_the_gm_is_told_who_the_survey_never_reached_and_what_to_do(on_telegram):
    bot, chat = on_telegram
    started = await grace_says(bot, chat, "/review start alice")
    assert "Not reachable on any running platform: Bruno Rossi." in started
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️ The survey has not reached Bruno Rossi (no running chat platform reaches " \
        "them).\nThis review has no closing date, so it waits for them: once the bot can " \
        "reach them (their chat account in the org file, its platform running), ask them " \
        "to send /review to answer; or close it without them with /review close alice " \
        "(the report counts them as could not be reached)." in status
    assert "who has or has not answered (only whom the survey has not reached)." in status
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️ 问卷尚未送达：Bruno Rossi（没有运行中的聊天平台能联系到此人）。\n" \
        "本评估没有结束日期，会一直等他们：待机器人能联系到他们（组织文件中有其聊天账号，" \
        "且该平台在运行），请他们发送 /review 作答；或用 /review close alice " \
        "不等他们直接结束（报告中计为无法联系到）。" in status
    assert "谁未回答（只说明问卷未送达谁）。" in status
    # The GM closes it without him: the report comes at once.
    report = await grace_says(bot, chat, "/review close alice")
    assert report.startswith("🔄 360° 评估 —— Alice Martin")


async def test_a_review_everyone_was_reached_for_names_nobody(on_telegram):
    """Only those the survey missed are named: with everyone reached (Bruno's Telegram id
    added), the status is the counts alone, as before."""
    bot, chat = on_telegram
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").telegram_id = 1003
    await grace_says(bot, chat, "/review start alice")
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️" not in status and "has not reached" not in status
    assert "nobody, you included, is told who has or has not answered. The ratings" in status


def _bruno_away_on_telegram(bot: Any, clock: Any) -> None:
    """Bruno reachable on Telegram, away from today for three days."""
    with bot.unit() as ctx:
        bruno = ctx.people.by_key("bruno")
        bruno.telegram_id = 1003
        today = clock.now().date()
        ctx.away.add(bruno.id, today, today + timedelta(days=3), clock.now())


async def _bruno_answers_with_review(bot: Any, rating: str = "4") -> None:
    """Bruno answers the first question with /review though the survey never reached him."""
    from storage.review import ReviewInvite

    for text in ("/review", rating):
        await bot.handle(InboundEvent(platform="telegram", user_id="1003", chat_id="1003",
                                      chat_type="direct", text=text))
        await bot.drain()
    with bot.unit() as ctx:
        answered = [i.answered for i in ctx.session.query(ReviewInvite).where(
            ReviewInvite.person_id == ctx.people.by_key("bruno").id)]
    assert answered == [1], answered  # he did answer


async def test_a_rater_away_when_the_review_began_is_named_as_away(on_telegram, clock):
    """Bruno (reachable on Telegram) is away when the GM starts Alice's review: his survey
    waits until he is back, and /review status says so; back and swept, he is reached."""
    bot, chat = on_telegram
    _bruno_away_on_telegram(bot, clock)
    await grace_says(bot, chat, "/review start alice")
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️ The survey has not reached Bruno Rossi (away: asked once back)." in status
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️ 问卷尚未送达：Bruno Rossi（不在，回来后再发送）。" in status
    clock.set(clock.now() + timedelta(days=5))
    assert await bot.run_review_held() == 1
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️" not in status and "Bruno Rossi" not in status


async def test_a_survey_that_failed_is_named_as_not_delivered_even_once_away(
        on_telegram, clock):
    """Bruno's survey failed to send (Telegram refused it): /review status says it could
    not be delivered. He goes away after: it said "away: asked once back", a promise
    nothing keeps (a survey that failed is never sent again; /review is how he answers)."""
    bot, chat = on_telegram
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").telegram_id = 1003
    chat.fail_next = [DeliveryError("Forbidden: bot was blocked by the user", permanent=True)]
    await grace_says(bot, chat, "/review start alice")
    status = await grace_says(bot, chat, "/review status alice")
    assert "⚠️ The survey has not reached Bruno Rossi (the survey could not be " \
        "delivered)." in status
    with bot.unit() as ctx:
        bruno = ctx.people.by_key("bruno")
        today = clock.now().date()
        ctx.away.add(bruno.id, today, today + timedelta(days=3), clock.now())
    status = await grace_says(bot, chat, "/review status alice")
    assert "Bruno Rossi (the survey could not be delivered)." in status
    assert "away: asked once back" not in status
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    status = await grace_says(bot, chat, "/review status alice")
    assert "Bruno Rossi（问卷未能送达）" in status


async def test_a_named_rater_answering_with_review_is_not_told_by_the_status(
        on_telegram, clock):
    """Bruno, named as not reached (away), answers with /review meanwhile. The status then
    dropped his name and counted one more answer: the GM, who had seen him named, read
    that Bruno had answered. Until the close his name and the counts stay as they were."""
    bot, chat = on_telegram
    _bruno_away_on_telegram(bot, clock)
    await grace_says(bot, chat, "/review start alice")
    before = await grace_says(bot, chat, "/review status alice")
    assert "Bruno Rossi (away: asked once back)" in before
    await _bruno_answers_with_review(bot)
    after = await grace_says(bot, chat, "/review status alice")
    assert after == before
    assert "They stay named here until the review closes, and out of the counts above " \
        "and the report's, even once they answer with /review: who has answered is never " \
        "told." in after
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    status = await grace_says(bot, chat, "/review status alice")
    assert "即使他们在此期间用 /review 作答，评估结束前也仍列在这里，且不计入上面和报告中的人数：" \
        "谁已回答从不透露。" in status and "Bruno Rossi（不在，回来后再发送）" in status


async def test_a_named_rater_answering_with_review_is_not_told_by_the_schedule(
        on_telegram, clock):
    """/review schedule shows an open scheduled review's answered count: Bruno, away when
    it began (named "asked once back"), answers with /review meanwhile. The count must not
    move by his answer until the close, as the README promises of /review schedule too."""
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY, scheduled

    bot, chat = on_telegram
    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [alice]"))
    clock.set(JAN_1_10AM_NY - timedelta(hours=1))
    _bruno_away_on_telegram(bot, clock)
    clock.set(JAN_1_10AM_NY + timedelta(hours=1))
    await bot.run_review_schedule()
    before = await grace_says(bot, chat, "/review schedule")
    assert "• Alice Martin — closes 2027-01-15 11:00 · " in before, before
    assert "Bruno Rossi (away: asked once back)" in await grace_says(
        bot, chat, "/review status alice")
    await _bruno_answers_with_review(bot)
    assert await grace_says(bot, chat, "/review schedule") == before
    # Nor at the close: the report counts him as the status did, as could not be reached.
    await grace_says(bot, chat, "/review close alice")
    report = await grace_says(bot, chat, "/review report alice")
    # Nor at the close: he was the one that lifted the peers and reports to three, shown
    # as "1 of 3 answered" where the status had withheld them: he is still not counted.
    await grace_says(bot, chat, "/review close alice")
    report = await grace_says(bot, chat, "/review report alice")
    assert "Peers and reports: fewer than 3 were asked and reached" in report, report


#: Two more directors under Grace, on Telegram: Alice's peers are then Bruno, Li, Carol
#: and Dan, her report Sam.
MORE_PEERS = """
  - {key: carol, name: Carol White, role: director, manager: grace, team: East,
     timezone: America/New_York, telegram_id: 1007}
  - {key: dan, name: Dan Brown, role: director, manager: grace, team: East,
     timezone: America/New_York, telegram_id: 1008}
"""


async def test_the_report_at_the_close_does_not_tell_who_answered_since_the_status(
        settings, clock, tmp_path):
    """Bruno, named by the GM's last /review status as not reached (away), answers with
    /review, then the GM closes the review. The report counted him as reached, with an
    answer more: "1 more not reached yet" gone and "4 of 5 answered" where the status said
    "3 of 4" told the GM that Bruno had answered. The counts stay as the status had them;
    his rating is still in the averages (1 beside three 4s: 3.25)."""
    from tests.support import TEST_ORG

    org = TEST_ORG.read_text(encoding="utf-8").replace("\n# Company values",
                                                       MORE_PEERS + "\n# Company values")
    path = tmp_path / "org.yaml"
    path.write_text(org, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter(platform="telegram")
    bot.register(chat)
    try:
        _bruno_away_on_telegram(bot, clock)
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await grace_says(bot, chat, "/review start alice")
        for rater in ("1004", "1007", "1008"):  # Li, Carol and Dan rate the first question
            await bot.handle(InboundEvent(platform="telegram", user_id=rater, chat_id=rater,
                                          chat_type="direct", text="4"))
            await bot.drain()
        status = await grace_says(bot, chat, "/review status alice")
        assert "• 同级与下属：4 人受邀，3 人已回答 · 另有 1 人尚未送达" in status, status
        await _bruno_answers_with_review(bot, rating="1")
        assert await grace_says(bot, chat, "/review status alice") == status
        report = await grace_says(bot, chat, "/review close alice")
        assert "• 同级与下属：4 人受邀，3 人已回答 · 另有 1 人无法联系到" in report, report
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "en"
        report = await grace_says(bot, chat, "/review report alice")
        assert "• Peers and reports: 3 of 4 answered · 1 more could not be reached" in report
        assert "Response rate: 3 of 6 reached answered (50%). 1 asked could not be " \
            "reached" in report, report
        assert "• Goal and plan completion: peers and reports 3.25 · " in report, report
    finally:
        await bot.drain()
        engine.dispose()


async def test_whether_a_rater_answered_while_away_is_not_told_once_they_are_back(
        on_telegram, clock):
    """Bruno, away when Alice's review began, is named by /review status as not reached.
    Back and swept, the survey went to him only if he had not begun it with /review
    meanwhile: the one who had answered stayed named ("away: asked once back", days after
    his return) and was counted at the close as could not be reached, the one who had not
    dropped out of the list and was counted as reached. Now the survey reaches him either
    way — the next question, or a note that his answers are in — and the GM reads the
    same list and the same reach: none of the three Brunos named, none unreached."""
    bot, chat = on_telegram

    async def bruno_says(text: str) -> None:
        await bot.handle(InboundEvent(platform="telegram", user_id="1003", chat_id="1003",
                                      chat_type="direct", text=text))
        await bot.drain()

    for answers in (0, 1, 5):
        _bruno_away_on_telegram(bot, clock)
        await grace_says(bot, chat, "/review start alice")
        for text in ["/review"] * bool(answers) + ["4"] * answers:
            await bruno_says(text)
        chat.clear()
        clock.set(clock.now() + timedelta(days=5))
        assert await bot.run_review_held() == 1
        told = chat.to("1003")
        if answers == 5:
            assert told == ["📋 Your feedback on Alice Martin is in: you answered it with "
                            "/review while you were away. Thank you — nothing more to do."]
        elif answers == 1:
            assert "You have answered 1 of 5 already." in told[0]
            assert told[1].startswith("2/5 · ")
        else:
            assert told[1].startswith("1/5 · ")
        status = await grace_says(bot, chat, "/review status alice")
        assert "has not reached" not in status and "Bruno" not in status, status
        report = await grace_says(bot, chat, "/review close alice")
        assert "could not be reached" not in report, report
    # In Chinese, for a rater who reads it so.
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").locale = "zh-CN"
    _bruno_away_on_telegram(bot, clock)
    await grace_says(bot, chat, "/review start alice")
    for text in ("/review", "4"):
        await bruno_says(text)
    chat.clear()
    clock.set(clock.now() + timedelta(days=5))
    await bot.run_review_held()
    assert "你已回答 5 题中的 1 题。" in chat.to("1003")[0]
