"""Check-in edge cases from the director's side: who may check in, /edit across weeks,
reminders, conditional questions, the question count, and confirmed numbers."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import prepare
from bot.config import ConfigError, Settings
from bot.events import InboundEvent
from bot.org import OrgError, parse_org
from handlers.answers import AnswerError, read_number
from storage.models import CheckinRound
from tests.conftest import SERVER_URL
from tests.support import (
    RecordingAdapter,
    direct_message,
    reads_side_by_side,
    run_cli,
    say,
)
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of, round_status


def round_count(bot, key: str) -> int:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        return len(ctx.session.scalars(select(CheckinRound).where(
            CheckinRound.person_id == person.id)).all())


# --- 13: someone who does not check in ------------------------------------------------------

async def test_someone_who_does_not_check_in_gets_a_clear_answer_not_a_round(bot, chat):
    await say(bot, "sam", "/checkin")
    assert "You don't answer the weekly check-in" in chat.last("sam")
    assert "/summary" not in chat.last("sam")
    assert "Question" not in chat.last("sam")
    await say(bot, "grace", "/checkin")
    assert "You don't answer the weekly check-in" in chat.last("grace")
    assert "send /summary" in chat.last("grace")
    assert round_count(bot, "sam") == 0 and round_count(bot, "grace") == 0
    await say(bot, "sam", "52000")
    assert "not waiting for an answer" in chat.last("sam")


# --- 12: /edit across weeks, reminders only for the current round ---------------------------

async def test_edit_reaches_last_weeks_answers_when_this_weeks_round_is_empty(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))  # next Friday: this week's round is created, unanswered
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    await say(bot, "alice", "/pause")
    await say(bot, "alice", "/edit")
    listing = chat.last("alice")
    assert "Your answers for 2026-W48" in listing and "52,000 USD" in listing
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "61000")
    assert "Your check-in for 2026-W48 is updated" in chat.last("alice")
    with bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key("alice"), "2026-W48")
        assert ctx.checkins.answer(rnd, "kpi:revenue").number_value == 61000.0


async def test_editing_last_week_while_this_weeks_question_waits_says_how_to_carry_on(
        bot, chat, clock):
    """This week's first question was asked; Alice fixes last week's wins first, then
    types this week's revenue: "I'm not waiting for an answer from you right now", the
    edit having closed the question, and nothing said of it."""
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", ["66000", "新签两家客户", "渠道冲突", "1", "拜访三家", "4"])
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "/edit 3")
    await say(bot, "alice", "Closed Acme and Globex")
    assert chat.last("alice") == ("Saved. Your check-in for 2026-W48 is updated. Your check-in "
                                  "for 2026-W49 is not finished yet: send /checkin to carry on.")
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "61000")
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 61000.0, False)
    await say(bot, "li", "/edit 2")
    await say(bot, "li", "新签三家客户")
    assert chat.last("li") == ("已保存。你 2026-W48 的签到已更新。你 2026-W49 的签到还没有完成："
                               "发送 /checkin 继续。")
    # This week's own answers edited, or none left unfinished: nothing more is said.
    await say(bot, "li", "/checkin")
    await answer_all(bot, "li", ["66000", "新签两家客户", "渠道冲突", "1", "拜访三家", "4"])
    await say(bot, "li", "/edit 2")
    await say(bot, "li", "新签四家客户")
    assert chat.last("li") == "已保存。你 2026-W49 的签到已更新。"


async def test_reminders_only_concern_the_current_round(bot, chat, clock):
    await bot.run_checkins(["alice"])  # W48, never answered
    clock.advance(timedelta(days=21))  # the bot was down; now it is W51
    assert await bot.run_reminders() == 0
    assert not any("2026-W48 isn't finished" in t for t in chat.to("alice"))
    await bot.run_checkins(["alice"])  # this week's round
    clock.advance(bot.settings.reminder_delay)
    assert await bot.run_reminders() == 1
    assert "your check-in for 2026-W51 isn't finished" in chat.last("alice")
    assert not any("2026-W48 isn't" in t for t in chat.to("alice"))


# --- 11: skipping the support question skips its follow-up ---------------------------------

async def test_skipping_the_support_question_skips_its_follow_up(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "/skip"])
    assert "What is your plan for next week?" in chat.last("alice")
    await answer_all(bot, "alice", ["Plan", "4"])
    assert round_status(bot, "alice") == "submitted"
    assert "support_detail" not in answers_of(bot, "alice")
    assert "Tell me more" not in chat.last("alice")  # not listed as skipped either


async def test_editing_support_back_to_needed_asks_the_follow_up_afresh(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)  # budget, "Travel budget"
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "1")  # no support needed after all
    assert "Saved" in chat.last("alice")
    assert "support_detail" not in answers_of(bot, "alice")
    await say(bot, "alice", "/edit")
    assert "Travel budget" not in chat.last("alice")
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "3")  # training: the detail is asked again, the old one is gone
    assert "Tell me more" in chat.last("alice")
    await say(bot, "alice", "A negotiation course")
    assert answers_of(bot, "alice")["support_detail"][0] == "A negotiation course"
    await say(bot, "alice", "/edit")
    assert "Travel budget" not in chat.last("alice")


# --- 14: the question count stays stable, or says why it changed -----------------------------

async def test_the_count_says_why_it_drops_when_no_support_is_needed(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b"])
    assert "Question 5 of 8" in chat.last("alice")
    await say(bot, "alice", "1")
    assert "Question 6 of 7 (one question fewer, since you need no support)" in chat.last("alice")
    await say(bot, "alice", "Plan")
    assert "Question 7 of 7" in chat.last("alice") and "fewer" not in chat.last("alice")


async def test_the_count_says_why_when_the_support_question_is_skipped_in_chinese(bot, chat):
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["66000", "w", "b"])
    assert "第 4 题，共 7 题" in chat.last("li")
    await say(bot, "li", "跳过")
    assert "第 5 题，共 6 题（少了一题，因为你跳过了支持问题）" in chat.last("li")


async def test_the_count_does_not_change_when_support_is_needed(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "2"])
    assert "Question 6 of 8" in chat.last("alice")
    assert "fewer" not in chat.last("alice") and "more question" not in chat.last("alice")


# --- 15: numbers are confirmed ----------------------------------------------------------------

async def test_an_ambiguous_comma_is_asked_about_with_both_readings(bot, chat):
    # (For a count, '4,5' is refused instead: 4.5 customers is no reading; see
    # test_checkin_number_input.)
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "45000,5")
    ask = chat.sent[-1].message
    assert 'I can read "45000,5" two ways: 45,000.5 USD or 450,005 USD' in ask.text
    assert [c.label for c in ask.choices] == ["45,000.5 USD", "450,005 USD"]
    assert "kpi:revenue" not in answers_of(bot, "alice")  # nothing saved yet
    await say(bot, "alice", action=ask.choices[0].value)
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 45000.5
    assert "Question 2 of 8" in chat.last("alice")
    await say(bot, "alice", action=ask.choices[1].value)  # pressed again later: refused
    assert "no longer open" in chat.last("alice")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 45000.5


async def test_a_dot_before_three_digits_is_asked_about_and_retyping_settles_it(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "45.000")
    assert "45 USD or 45,000 USD" in chat.last("alice")
    assert "type the number again as 45 or 45000" in chat.last("alice")
    await say(bot, "alice", "maybe")
    assert "press a button, or type the number again as 45 or 45000" in chat.last("alice")
    await say(bot, "alice", "45000")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 45000.0
    assert "Question 2 of 8" in chat.last("alice")


async def test_unambiguous_forms_are_stored_without_asking(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "45,000")
    await say(bot, "alice", "4.0")  # a count: whole, however written
    stored = answers_of(bot, "alice")
    assert stored["kpi:revenue"][1] == 45000.0 and stored["kpi:new_customers"][1] == 4.0
    assert "Question 3 of 8" in chat.last("alice")


async def test_a_value_far_above_the_target_is_confirmed_before_it_is_stored(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "5200000")  # target 50,000: an extra zero or two?
    ask = chat.sent[-1].message
    assert "5,200,000 USD is more than 20 times your weekly target of 50,000 USD" in ask.text
    assert [c.label for c in ask.choices] == ["Yes, 5,200,000 USD", "No, I'll type it again"]
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "no")
    assert "nothing saved. Please type the number again in USD" in chat.last("alice")
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "52000")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 52000.0
    await say(bot, "alice", "100")  # 25 times 4 customers
    await say(bot, "alice", "yes")
    assert answers_of(bot, "alice")["kpi:new_customers"][1] == 100.0
    assert "Question 3 of 8" in chat.last("alice")


async def test_typing_the_large_value_again_confirms_it_and_buttons_work(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "2000000")
    await say(bot, "alice", "2,000,000")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 2000000.0
    await say(bot, "alice", "500")
    await say(bot, "alice", action=chat.sent[-1].message.choices[0].value)  # Yes
    assert answers_of(bot, "alice")["kpi:new_customers"][1] == 500.0


async def test_a_chinese_director_confirms_with_shi(bot, chat):
    await bot.run_checkins(["li"])
    await say(bot, "li", "6000000")
    assert "超过你每周目标（60,000 USD）的 20 倍" in chat.last("li")
    await say(bot, "li", "是")
    assert answers_of(bot, "li")["kpi:revenue"][1] == 6000000.0
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "4,5万")
    assert "“4,5万”有两种理解：45,000 USD 或 450,000 USD" in chat.last("li")
    await say(bot, "li", "否")
    assert "没有保存" in chat.last("li")
    assert answers_of(bot, "li")["kpi:revenue"][1] == 6000000.0


async def test_an_edit_is_confirmed_too_and_the_round_stays_submitted(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "61.000")
    await say(bot, "alice", action=chat.sent[-1].message.choices[1].value)
    assert "Your check-in for 2026-W48 is updated" in chat.last("alice")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 61000.0
    assert round_status(bot, "alice") == "submitted"


async def test_a_confirmation_for_a_replaced_question_is_not_applied(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "5200000")
    old_yes = chat.sent[-1].message.choices[0].value
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])  # the new week's round asks its first question
    await say(bot, "alice", action=old_yes)
    # Last week's question is unanswered still: the reply names its week and the way back.
    assert "That button is from your check-in for 2026-W48, which is still unfinished" in \
        chat.last("alice") and "nothing was saved" in chat.last("alice")
    await say(bot, "alice", "yes")  # not a confirmation any more: an answer to W49's question
    assert "That isn't a number" in chat.last("alice")
    assert answers_of(bot, "alice") == {}


async def test_a_button_of_a_number_turned_down_or_typed_again_saves_nothing(bot, chat):
    """李雷 turns down "6000000", then types "4,5万" and is asked which reading: pressing
    "是，6,000,000 USD" on the older message stored 45,000 (the first reading waiting then);
    with nothing waiting, after "否", it was refused as a question no longer open."""
    await bot.run_checkins(["li"])
    await say(bot, "li", "6000000")
    old_yes = chat.sent[-1].message.choices[0].value
    await say(bot, "li", "否")
    await say(bot, "li", action=old_yes)
    assert chat.last("li") == ("这个按钮对应的数字你之后已否定：本次未保存。请输入数字"
                               "（或发送 /skip 跳过）。")
    await say(bot, "li", "4,5万")
    await say(bot, "li", action=old_yes)
    assert chat.last("li") == ("这个按钮对应的数字你之后已重新输入：本次未保存。请回复最新"
                               "一条消息：点击其中的按钮，或输入数字（或发送 /skip 跳过）。")
    assert answers_of(bot, "li") == {}
    await say(bot, "li", action=chat.sent[-2].message.choices[1].value)  # 450,000 USD
    assert answers_of(bot, "li")["kpi:revenue"][1] == 450000.0


async def test_the_hint_fits_the_unit(bot, chat):
    await bot.run_checkins(["alice"])
    assert "e.g. 45000 or 45k" in chat.last("alice")
    await say(bot, "alice", "52000")
    assert "Reply with a number in customers." in chat.last("alice")
    assert "45k" not in chat.last("alice")
    await say(bot, "alice", "a few")
    assert "such as 3" in chat.last("alice") and "45k" not in chat.last("alice")


UNIT_ORG = """
org: {name: Units}
people:
  - {key: grace, name: Grace, role: gm, timezone: America/New_York, locale: en}
  - key: li
    name: 李雷
    role: director
    manager: grace
    timezone: Asia/Shanghai
    locale: zh-CN
    kpis:
      - {metric: revenue, unit: {en: USD, zh-CN: 美元}, weekly_target: 60000}
      - {metric: new_customers, unit: {en: customers, zh-CN: 位客户}, weekly_target: 3}
  - key: ann
    name: Ann
    role: director
    manager: grace
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: new_customers, unit: {en: customers, zh-CN: 位客户}, weekly_target: 3}
"""


def bot_on(org_text: str, tmp_path: Path, database_url: str, clock: Any) -> Any:
    """A bot on this org file, with a recording chat: (bot, chat), for a fixture to yield
    from (the engine is disposed after the test)."""
    org = tmp_path / "org.yaml"
    org.write_text(org_text, encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


@pytest.fixture
def unit_bot(tmp_path, database_url, clock):
    yield from bot_on(UNIT_ORG, tmp_path, database_url, clock)


async def test_the_unit_is_in_the_persons_language(unit_bot):
    bot, chat = unit_bot
    await bot.run_checkins(["li", "ann"])
    assert "单位：美元" in chat.last("li") and "USD" not in chat.last("li")
    assert "45k" in chat.last("li")
    await say(bot, "li", "61000")
    assert "单位：位客户" in chat.last("li") and "4.5万" not in chat.last("li")
    await say(bot, "li", "4 位客户")  # the unit typed after the number is understood
    await say(bot, "li", "/pause")
    await say(bot, "li", "/edit")
    assert "61,000 美元" in chat.last("li") and "4 位客户" in chat.last("li")
    assert "in customers" in chat.last("ann")
    await say(bot, "ann", "300")
    assert "300 customers is more than 20 times your weekly target of 3 customers" in \
        chat.last("ann")


async def test_rounds_stored_before_per_locale_units_stay_readable(unit_bot):
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    with bot.unit() as ctx:  # an old snapshot: no unit_label at all
        rnd = ctx.checkins.latest(ctx.people.by_key("li"))
        rnd.questions = [{k: v for k, v in q.items() if k != "unit_label"}
                         for q in rnd.questions]
    await say(bot, "li", "61000")
    await say(bot, "li", "/pause")
    await say(bot, "li", "/edit")
    assert "61,000 USD" in chat.last("li")  # the unit it was asked with, not a crash


async def test_summaries_show_the_unit_in_the_readers_language(tmp_path, database_url, clock):
    # A GM reading Chinese had "新客户 … 6 customers": the label in Chinese, the unit not.
    org = tmp_path / "org.yaml"
    org.write_text(UNIT_ORG.replace("timezone: America/New_York, locale: en}",
                                    "timezone: America/New_York, locale: zh-CN}")
                   .replace("    locale: zh-CN\n    kpis:", "    locale: zh-CN\n    team: China\n"
                            "    kpis:")
                   + "goals:\n  - {metric: new_customers, period: 2026-Q4, target: 40}\n",
                   encoding="utf-8")
    # Ann's KPI has its unit in English only: added up with Li's, it reads as Li's does.
    text = org.read_text(encoding="utf-8")
    at = text.rindex("unit: {en: customers, zh-CN: 位客户}")
    org.write_text(text[:at] + "unit: customers" + text[at + len("unit: {en: customers, "
                                                                  "zh-CN: 位客户}"):],
                   encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_checkins(["li", "ann"])
        await say(bot, "li", "61000")
        await say(bot, "li", "4")
        await say(bot, "ann", "2")
        for key, request in (("grace", "/summary"), ("grace", "/summary last 2w"),
                             ("li", "/summary")):
            await say(bot, key, request)
            text = chat.last(key)
            assert "位客户" in text and "美元" in text, request
            assert "customers" not in text and "USD" not in text, request
        await say(bot, "grace", "/goals")
        assert " / 40 位客户" in chat.last("grace") and "customers" not in chat.last("grace")
        await say(bot, "grace", "/summary")
        assert "61,000 / 60,000 美元" in chat.last("grace")
        assert "团队 · 新客户 6 / 6 位客户" in chat.last("grace")
        # The export keeps the canonical unit (what adds up like with like).
        with bot.unit() as ctx:
            from handlers.summary_gm import build_gm_summary
            view = build_gm_summary(ctx, "zh-CN", "2026-W48", 1, "America/New_York")
        assert {f["unit"] for f in view.to_dict()["headline"]["week"]} == {"USD", "customers"}
        # (The week named: the command reads the system's clock, not the test's.)
        code, out = run_cli(bot.settings, "summary", "--team", "China", "--format", "json",
                            "--locale", "zh-CN", "--week", "2026-W48")
        assert code == 0 and "位客户" not in out and '"unit": "customers"' in out
        # The month in review, Li's and the GM's overview of it, in Chinese too (the GM
        # got a copy of each director's review; one is read with /monthly <director>).
        clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # the first working day, 9:00
        assert await bot.run_monthly_review()
        [own] = [t for t in chat.to("li") if t.startswith("📅")]
        [overview] = [t for t in chat.to("grace") if t.startswith("📅")]
        # (Of the weeks asked: W48, 3 customers; not the whole month's 12.6, weeks nobody
        # was asked counted as none won, nor Monday 30 November, asked on 4 December.)
        assert "月度回顾" in overview and "新客户 133%" in overview \
            and "customers" not in overview
        await say(bot, "grace", "/monthly ann")
        for text in (own, chat.last("grace")):  # both in Chinese
            assert "月度回顾" in text and "位客户" in text and "customers" not in text
    finally:
        engine.dispose()


def test_a_unit_per_locale_needs_english_and_known_locales():
    text = UNIT_ORG.replace("{en: USD, zh-CN: 美元}", "{fr: EUR, zh-CN: 欧元}")
    with pytest.raises(OrgError) as info:
        parse_org(text, Path("org.yaml"))
    assert any("unit has an unknown locale fr" in p for p in info.value.problems)
    assert any("a unit given per locale needs an en label" in p for p in info.value.problems)


async def test_an_answer_to_a_question_the_round_no_longer_has_is_not_filed_elsewhere(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "5")
    await say(bot, "alice", "Closed Acme")
    with bot.unit() as ctx:  # the round's questions were replaced while "blockers" was open
        rnd = ctx.checkins.latest(ctx.people.by_key("alice"))
        rnd.questions = [q for q in rnd.questions if q["key"] != "blockers"]
    await say(bot, "alice", "Pricing pushback")
    assert "no longer open" in chat.last("alice") and "Nothing was saved" in chat.last("alice")
    assert "blockers" not in answers_of(bot, "alice")
    assert all(v[0] != "Pricing pushback" for v in answers_of(bot, "alice").values())
    await say(bot, "alice", "/checkin")
    assert "What support do you need" in chat.last("alice")


def test_which_number_forms_are_ambiguous():
    assert read_number("4,5") == [4.5, 45.0]
    assert read_number("45.000") == [45.0, 45000.0]
    assert read_number("4,5万") == [45000.0, 450000.0]
    for text, value in [("45,000", 45000.0), ("4.5", 4.5), ("45.000,50", 45000.5),
                        ("45,000.50", 45000.5), ("1.234.567", 1234567.0), ("0,5", 0.5),
                        ("0.500", 0.5), ("1,00,000", 100000.0), ("$45k USD", 45000.0)]:
        assert read_number(text, ("USD",)) == [value], text
    with pytest.raises(AnswerError):
        read_number("1.2.3")


@pytest.mark.parametrize(("text", "value"), [
    ("六", 6), ("两", 2), ("十", 10), ("十二", 12), ("二十五", 25), ("一百零五", 105),
    ("一百二十", 120), ("两千零一十", 2010), ("五万", 50000), ("三万五千", 35000),
    ("十万", 100000), ("一亿两千万", 120000000), ("零", 0), ("六位客户", 6),
    # Shortened as said: the last digit is a tenth of the unit before it (305 is 三百零五).
    ("三百五", 350), ("五万二", 52000), ("一千二", 1200), ("两万三千五", 23500),
    ("一亿二", 120000000), ("三万零五", 30005), ("一千零五十", 1050)])
def test_chinese_numerals_are_numbers(text, value):
    assert read_number(text, ("位客户",)) == [float(value)]


@pytest.mark.parametrize("text", ["三五", "万", "十百", "三万两亿", "百", "三千五万"])
def test_chinese_numerals_no_number_has_are_refused(text):
    with pytest.raises(AnswerError):
        read_number(text)


async def test_a_count_typed_in_chinese_numerals_is_stored(unit_bot):
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "六万一千")
    assert "新客户" in chat.last("li")  # the next question: revenue was taken
    await say(bot, "li", "两位客户")
    await say(bot, "li", "/pause")
    await say(bot, "li", "/edit")
    assert "61,000 美元" in chat.last("li") and "2 位客户" in chat.last("li")


async def test_confidence_typed_as_a_chinese_numeral(bot, chat):
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["66000", "新签两家", "渠道冲突", "1", "拜访三家"])
    await say(bot, "li", "六")  # not on the scale
    assert "1" in chat.last("li") and "5" in chat.last("li")
    await say(bot, "li", "四")
    assert "4/5" in chat.last("li")


async def test_a_keycap_emoji_is_its_digit(bot, chat):
    # A phone's keyboard offers 1️⃣ … 5️⃣ beside the numbered options: the support choice
    # and the confidence typed so were refused ("Please reply with one of the options: a
    # number from 1 to 5"), the revenue as "That isn't a number".
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["5️⃣2️⃣0️⃣0️⃣0️⃣", "3⃣", "Closed Acme", "Pricing", "1️⃣",
                                    "Visit 5", "4️⃣"])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    assert answers_of(bot, "alice") == {
        "kpi:revenue": (None, 52000.0, False), "kpi:new_customers": (None, 3.0, False),
        "wins": ("Closed Acme", None, False), "blockers": ("Pricing", None, False),
        "support_type": ("none", None, False), "plan": ("Visit 5", None, False),
        "confidence": (None, 4.0, False)}


async def test_the_question_starts_on_its_own_line_after_the_count(bot, chat):
    await bot.run_checkins(["alice"])
    assert "Question 1 of 8\nRevenue: what did you achieve" in chat.last("alice")
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "1"])
    assert "need no support)\nWhat is your plan" in chat.last("alice")


# --- the words people type ------------------------------------------------------------------

@pytest.mark.parametrize("key, typed", [("li", "无"), ("li", "没有"), ("li", "不需要"),
                                        ("alice", "nothing"), ("alice", "n/a")])
async def test_none_said_in_other_words_is_no_support_needed(bot, chat, key, typed):
    # Li reads 不需要支持 among the choices and types 无 ("none"), as she would in chat.
    await bot.run_checkins([key])
    first = ["60000", "成绩", "阻碍"] if key == "li" else ["52000", "3", "wins", "blockers"]
    for answer in first:
        await say(bot, key, answer)

    await say(bot, key, typed)

    reply = chat.last(key)
    # The support detail question is left out, as for "1": the plan comes next.
    assert ("少了一题，因为你不需要支持" if key == "li" else "since you need no support") \
        in reply
    with bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key(key), "2026-W48")
        assert ctx.checkins.answer(rnd, "support_type").text_value == "none"


async def test_a_number_typed_after_the_edit_list_says_how_to_change_that_answer(bot, chat):
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    for answer in ["60000", "成绩", "阻碍", "1", "计划", "4"]:
        await say(bot, "li", answer)
    await say(bot, "alice", "/edit")
    await say(bot, "li", "/edit")

    await say(bot, "alice", "2")
    await say(bot, "li", "３")  # a full-width digit, as a Chinese keyboard types it

    assert "To change answer 2 of your 2026-W48 check-in, send /edit 2." in chat.last("alice")
    assert "要修改 2026-W48 签到的第 3 个回答，请发送 /edit 3。" in chat.last("li")
    # A number past the list is no answer's number: a figure, said not taken (her
    # check-in is in), with /edit, never "/edit 99"; nothing to edit is just "not waiting".
    await say(bot, "alice", "99")
    assert "is already in, so I did not take 99" in chat.last("alice") and "/edit 99" not in \
        chat.last("alice")
    await say(bot, "bruno", "2")
    assert "not waiting for an answer" in chat.last("bruno") and "/edit" not in \
        chat.last("bruno")


@pytest.mark.parametrize("minus", ["\u2212", "\u2013", "\u2014"])  # −, –, —
async def test_a_negative_figure_typed_with_the_typographic_minus_is_refused_as_negative(
        bot, chat, minus):
    # A phone turns '-' into an en or em dash as readily as a word processor into '−'.
    await bot.run_checkins(["alice", "li"])

    await say(bot, "alice", f"{minus}5000")
    await say(bot, "li", f"{minus}5000")

    assert "Please reply with a number of zero or more in USD" in chat.last("alice")
    assert "isn't a number" not in chat.last("alice")
    assert "请回复一个不小于 0 的数字（单位：USD）" in chat.last("li")


async def test_reminders_off_sends_none_and_zero_is_refused(bot, chat, clock):
    # An operator who wants no reminder writes CHECKIN_REMINDER_DELAY=off; 0s had been
    # taken as "remind at the next sweep", minutes after the prompt.
    bot.settings = replace(bot.settings, reminder_delay=Settings.from_mapping(
        {"CHECKIN_REMINDER_DELAY": "off"}).reminder_delay)
    await bot.run_checkins(["alice"])
    clock.advance(timedelta(days=2))

    assert await bot.run_reminders() == 0
    assert not any("isn't finished" in t for t in chat.to("alice"))
    with pytest.raises(ConfigError, match=r"CHECKIN_REMINDER_DELAY='0s': a reminder comes "
                                          r"some time after the prompt .*use off"):
        Settings.from_mapping({"CHECKIN_REMINDER_DELAY": "0s"})


async def two_replicas_at_wins(settings: Settings, bot: Any, clock: Any) -> tuple[Any, Any]:
    """A second bot on the test's database (and its engine), Alice's check-in answered up
    to the wins question."""
    other, engine = prepare(settings, clock)
    other.register(RecordingAdapter())
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3"])
    return other, engine


@pytest.mark.skipif(not SERVER_URL, reason="two replicas at once need PostgreSQL "
                                           "(TEST_DATABASE_URL); SQLite has one writer")
async def test_two_answers_handled_at_once_by_two_replicas_are_both_kept(
        database_url, settings, bot, chat, clock, monkeypatch, watcher):
    # Alice types her wins and her blockers in quick succession; each message reaches a
    # different replica, and both read her at the wins question before either has
    # written. The second met the first's answer to that question and was dropped as
    # "processed concurrently": one of her answers was lost, and nobody was told.
    # (Text answers: a figure far from its target waits for a confirmation instead.)
    other, engine = await two_replicas_at_wins(settings, bot, clock)

    def message(text: str, event_id: str) -> InboundEvent:
        return direct_message("alice", text, event_id)

    with reads_side_by_side(monkeypatch, watcher):
        await asyncio.gather(bot.handle(message("Closed Acme", "m1")),
                             other.handle(message("Legal review slipping", "m2")))
    answers = answers_of(bot, "alice")
    assert {answers["wins"][0], answers["blockers"][0]} == {"Closed Acme",
                                                            "Legal review slipping"}

    # One message delivered twice, each copy to another replica at once: handled once
    # (had both stored it, the second '1' would have become her plan). The copies' claims
    # of one event id meet first, so no barrier is needed to make them overlap.
    done = await asyncio.gather(*(replica.handle(message("1", "m3"))
                                  for replica in (bot, other)))

    assert sorted(done) == [False, True]
    answers = answers_of(bot, "alice")
    assert answers["support_type"][0] == "none" and "plan" not in answers
    engine.dispose()


@pytest.mark.skipif(not SERVER_URL, reason="two replicas at once need PostgreSQL "
                                           "(TEST_DATABASE_URL); SQLite has one writer")
async def test_an_answer_handled_on_a_dialog_another_replica_moved_on_is_not_lost(
        database_url, settings, bot, chat, clock, monkeypatch, watcher):
    # As above, with the order that lost an answer about one run in twelve: both replicas
    # read Alice at the wins question, the first stores "Closed Acme" and commits, and
    # only then does the second read her round's answers. It found wins answered and
    # overwrote it with her blockers: no conflict was met, the blockers were gone.
    other, engine = await two_replicas_at_wins(settings, bot, clock)
    with reads_side_by_side(monkeypatch, watcher, then_one_commits=True):
        await asyncio.gather(bot.handle(direct_message("alice", "Closed Acme", "m1")),
                             other.handle(direct_message("alice", "Legal review slipping",
                                                         "m2")))
    answers = answers_of(bot, "alice")
    assert {answers["wins"][0], answers.get("blockers", [None])[0]} == {
        "Closed Acme", "Legal review slipping"}
    engine.dispose()


async def test_edit_tells_a_skipped_question_from_one_not_reached_yet(bot, chat):
    """Alice skipped question 3 and paused before question 5: /edit must not call both "no
    answer" (the confirmation at submit says "(skipped)"), since one needs nothing and the
    other is still owed. In Chinese too."""
    await bot.run_checkins(["alice", "li"])
    for key, first in (("alice", ["52000", "3"]), ("li", ["66000", "5"])):
        for text in [*first, "/skip", "channel conflict"]:
            await say(bot, key, text)
        await say(bot, key, "/pause")
        await say(bot, key, "/edit")
    alice, li = chat.last("alice"), chat.last("li")
    lines = alice.splitlines()
    wins = lines.index(next(line for line in lines if line.startswith("3. ")))
    assert lines[wins + 1].strip() == "(skipped)"
    assert lines[wins + 3].strip() == "channel conflict"
    assert "(not answered yet)" in lines[wins + 5]
    assert "（已跳过）" in li and "（尚未回答）" in li
    assert "(no answer)" not in alice and "未回答）" not in li.replace("尚未回答）", "")


async def test_an_answer_changed_mid_check_in_is_confirmed_before_the_next_question(bot, chat):
    """/edit 1 in the middle of the check-in, a new figure typed: the reply went straight
    to question 3 as if nothing had happened, so Alice could not tell the change took.
    It says so first (and the figure is the new one); in Chinese too, a skip as well."""
    await bot.run_checkins(["alice", "li"])
    for text in ("45k", "3", "/edit 1", "52,000"):
        await say(bot, "alice", text)
    reply = chat.last("alice")
    assert reply.startswith("Changed.\n\nQuestion 3 of 8")
    for text in ("6万", "/edit 1", "/skip"):
        await say(bot, "li", text)
    assert chat.last("li").startswith("已修改。\n\n第 2 题")
    await say(bot, "alice", "/edit")
    assert "52,000 USD" in chat.last("alice") and "45,000" not in chat.last("alice")


async def test_an_answer_of_control_characters_only_is_asked_for_again(bot, chat):
    """A number answer that was only control characters (an arrow key's escape sequence,
    a Ctrl-G) was answered "Sorry, something went wrong on my side": the no-answer reply
    could not be written for a number question. It is asked for again, nothing stored."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "\x1b[A")
    assert chat.last("alice") == "I didn't get an answer. Please type your answer, or /skip."
    await say(bot, "li", "\x07")
    assert chat.last("li") == "我没有收到回答。请输入你的回答，或发送 /skip 跳过。"
    await say(bot, "alice", "52000")
    assert "2 of" in chat.last("alice"), chat.last("alice")
    assert (None, 52000, False) in answers_of(bot, "alice").values()


async def test_a_choice_typed_with_a_full_stop_is_read_as_the_rating_is(bot, chat):
    """'2.', 'Budget.' and '预算。' to the support question were refused as no option,
    while '4.' to the confidence question and 'skip.' were read as typed without it."""
    await bot.run_checkins(["alice", "li"])
    for said in ("52000", "3", "w", "b", "2."):
        await say(bot, "alice", said)
    assert answers_of(bot, "alice")["support_type"] == ("budget", None, False)
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "Training!")
    assert answers_of(bot, "alice")["support_type"] == ("training", None, False)
    for said in ("52000", "w", "b", "预算。"):
        await say(bot, "li", said)
    assert answers_of(bot, "li")["support_type"] == ("budget", None, False)


async def test_checkin_reminder_delay_sets_when_the_one_reminder_comes(bot, chat, clock):
    """README and .env.example: CHECKIN_REMINDER_DELAY, "one reminder this long after the
    prompt reached them (30m, 1d, 1h30m …)". Set to 30m, Alice is not reminded 29 minutes
    after her prompt, is 31 minutes after, and only once."""
    bot.settings = replace(bot.settings, reminder_delay=Settings.from_mapping(
        {"CHECKIN_REMINDER_DELAY": "30m"}).reminder_delay)
    await bot.run_checkins(["alice"])
    clock.advance(timedelta(minutes=29))
    assert await bot.run_reminders() == 0
    clock.advance(timedelta(minutes=2))
    assert await bot.run_reminders() == 1
    assert "isn't finished" in chat.last("alice")
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 0


async def test_the_longest_reminder_delay_accepted_still_reminds_within_the_week(
        bot, chat, clock):
    """README, Configuration: CHECKIN_REMINDER_DELAY is at most the time from the check-in
    to the end of its week, less an hour. With Friday 16:00 that is 2d7h: Alice, prompted
    at 16:00 in New York, is reminded on Sunday at 23:00. A delay past Sunday midnight (8d
    had been accepted) would never remind anyone: a reminder goes only within the round's
    week, so such a value is refused at start rather than left to do nothing."""
    longest = Settings.from_mapping({"CHECKIN_REMINDER_DELAY": "2d7h"}).reminder_delay
    assert longest == timedelta(days=2, hours=7)
    bot.settings = replace(bot.settings, reminder_delay=longest)
    await bot.run_checkins(["alice"])
    clock.advance(longest + timedelta(minutes=5))  # the next sweep, Sunday 23:05
    assert await bot.run_reminders() == 1
    assert "isn't finished" in chat.last("alice")


async def test_a_reminder_due_after_the_week_never_comes_hence_the_refusal(bot, chat, clock):
    """Why a longer CHECKIN_REMINDER_DELAY is refused at start: set past Sunday midnight
    (here 2d9h after Friday 16:00), Alice is never reminded, then or later."""
    bot.settings = replace(bot.settings, reminder_delay=timedelta(days=2, hours=9))
    await bot.run_checkins(["alice"])
    clock.advance(timedelta(days=2, hours=9, minutes=5))  # Monday 01:05 in New York
    assert await bot.run_reminders() == 0
    clock.advance(timedelta(days=1))
    assert await bot.run_reminders() == 0
    assert not any("isn't finished" in t for t in chat.to("alice"))
    with pytest.raises(ConfigError, match=r"CHECKIN_REMINDER_DELAY='2d9h': .* at most 2d7h"):
        Settings.from_mapping({"CHECKIN_REMINDER_DELAY": "2d9h"})
