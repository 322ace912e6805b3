"""The weekly check-in through the core, with a recording adapter and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core import TeamPulse
from handlers.answers import MAX_TEXT_LENGTH
from storage.models import Answer, CheckinRound, OutboxMessage
from tests.support import TEST_ORG, RecordingAdapter, bot_on_org, say

ALICE_ANSWERS = ["52000", "3", "Closed Acme", "Pricing pushback", "2", "Travel budget", "Visit 5",
                 "4"]


def answers_of(bot: TeamPulse, key: str) -> dict[str, tuple[str | None, float | None, bool]]:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        rows = ctx.session.scalars(select(Answer).join(CheckinRound).where(
            CheckinRound.person_id == person.id)).all()
        return {a.question_key: (a.text_value, a.number_value, a.skipped) for a in rows}


def round_status(bot: TeamPulse, key: str) -> str | None:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        rnd = ctx.checkins.latest(person)
        return rnd.status if rnd else None


async def answer_all(bot: TeamPulse, key: str, answers: list[str]) -> None:
    for text in answers:
        await say(bot, key, text)


async def test_prompt_goes_to_each_director_in_their_language(bot, chat):
    run = await bot.run_checkins()
    assert run.results == {"alice": "prompted", "bruno": "prompted", "li": "prompted"}
    assert "Time for your weekly check-in for 2026-W48" in chat.last("alice")
    assert "Revenue: what did you achieve this week (in USD)?" in chat.last("alice")
    assert "Your weekly target is 50,000 USD" in chat.last("alice")
    assert "每周签到" in chat.last("li")
    assert "营收" in chat.last("li")
    assert chat.to("grace") == [] and chat.to("sam") == []


async def test_full_checkin_stores_every_answer_and_confirms(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    stored = answers_of(bot, "alice")
    assert stored["kpi:revenue"] == (None, 52000.0, False)
    assert stored["kpi:new_customers"] == (None, 3.0, False)
    assert stored["wins"] == ("Closed Acme", None, False)
    assert stored["support_type"] == ("budget", None, False)
    assert stored["support_detail"] == ("Travel budget", None, False)
    assert stored["confidence"] == (None, 4.0, False)
    assert round_status(bot, "alice") == "submitted"
    done = chat.last("alice")
    assert "your check-in for 2026-W48 is in" in done
    assert "52,000 USD" in done and "Budget" in done and "4/5" in done


async def test_one_of_a_plural_unit_reads_in_the_singular(bot, chat):
    # One new customer read "1 customers" in the recap and in /edit.
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "1", *ALICE_ANSWERS[2:]])
    assert "\n  1 customer\n" in chat.last("alice")
    await say(bot, "alice", "/edit")
    assert "   1 customer\n" in chat.last("alice")
    await say(bot, "alice", "/edit 2")
    await say(bot, "alice", "3")
    await say(bot, "alice", "/edit")
    assert "   3 customers\n" in chat.last("alice")


async def test_a_target_of_one_is_asked_in_the_singular(settings, clock, tmp_path):
    # "Your weekly target is 1 customers." (the recap already read "1 customer").
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "unit: customers, weekly_target: 4", "unit: customers, weekly_target: 1"),
        encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _settings):
        await bot.run_checkins(["alice"])
        await say(bot, "alice", "52000")
        question = chat.last("alice")
    assert "(in customers)? Your weekly target is 1 customer.\n" in question

async def test_each_answer_is_stored_as_it_arrives(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    assert round_status(bot, "alice") == "open"


async def test_numbers_in_common_forms_are_understood(bot, chat):
    await bot.run_checkins(["li"])
    await say(bot, "li", "４.５万")  # full-width digits and 万 (ten thousand)
    await say(bot, "li", "/skip")
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "$45k USD")
    await say(bot, "alice", "1,200")
    await say(bot, "alice", "yes")  # 300 times the target of 4 customers: confirmed first
    assert answers_of(bot, "li")["kpi:revenue"][1] == 45000.0
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 45000.0
    assert answers_of(bot, "alice")["kpi:new_customers"][1] == 1200.0


async def test_non_number_is_asked_again_and_changes_nothing(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "a few")
    assert "That isn't a number" in chat.last("alice")
    assert "in customers" in chat.last("alice")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    await say(bot, "alice", "3")
    assert "Question 3 of 8" in chat.last("alice")


async def test_negative_number_is_refused(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "-5")
    assert "zero or more" in chat.last("alice")
    assert answers_of(bot, "alice") == {}


async def test_too_long_answer_is_refused_with_the_limit(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3"])
    await say(bot, "alice", "x" * (MAX_TEXT_LENGTH + 1))
    assert f"the limit is {MAX_TEXT_LENGTH:,}" in chat.last("alice")
    assert "wins" not in answers_of(bot, "alice")
    await say(bot, "alice", "x" * MAX_TEXT_LENGTH)
    assert answers_of(bot, "alice")["wins"][0] == "x" * MAX_TEXT_LENGTH


async def test_scale_and_choice_validation(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b"])
    await say(bot, "alice", "9")
    assert "number from 1 to 5, or its name" in chat.last("alice")
    await say(bot, "alice", "training")  # by label, case-insensitive
    assert answers_of(bot, "alice")["support_type"][0] == "training"
    await answer_all(bot, "alice", ["Sales coaching", "Plan"])
    await say(bot, "alice", "7")
    assert "whole number from 1 to 5" in chat.last("alice")
    assert round_status(bot, "alice") == "open"
    await say(bot, "alice", "5")
    assert round_status(bot, "alice") == "submitted"


async def test_no_support_needed_skips_the_detail_question(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "1"])
    assert "What is your plan for next week?" in chat.last("alice")
    assert "Question 6 of 7" in chat.last("alice")


async def test_skip_moves_on_and_is_recorded(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "/skip")
    assert "Skipped." in chat.last("alice")
    await say(bot, "alice", "skip")
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, None, True)
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, None, True)
    assert "Question 3 of 8" in chat.last("alice")


async def test_buttons_answer_choice_and_scale_questions(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b"])
    last = chat.sent[-1].message
    assert [c.label for c in last.choices][:2] == ["No support needed", "Budget"]
    await say(bot, "alice", action=last.choices[2].value)  # Training
    assert answers_of(bot, "alice")["support_type"][0] == "training"


async def test_a_button_for_a_question_no_longer_open_is_refused(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b"])
    stale = chat.sent[-1].message.choices[1].value
    await say(bot, "alice", "2")
    await say(bot, "alice", action=stale)
    assert "no longer open" in chat.last("alice")
    assert answers_of(bot, "alice")["support_type"][0] == "budget"


async def test_prompt_is_sent_once_per_round_even_after_a_restart(bot, chat, settings, clock):
    await bot.run_checkins(["alice"])
    await bot.run_checkins(["alice"])
    assert len(chat.to("alice")) == 1
    restarted = TeamPulse(settings, bot.org, bot.engine, clock=clock)
    again = RecordingAdapter()
    restarted.register(again)
    run = await restarted.run_checkins(["alice"])
    assert run.results == {"alice": "already-prompted"}
    assert again.sent == []


async def test_pause_and_resume_with_checkin(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "/pause")
    assert "Paused" in chat.last("alice")
    await say(bot, "alice", "3")
    assert "not waiting for an answer" in chat.last("alice")
    assert "kpi:new_customers" not in answers_of(bot, "alice")
    await say(bot, "alice", "/checkin")
    assert "Welcome back" in chat.last("alice")
    assert "Question 2 of 8" in chat.last("alice")


async def test_checkin_on_demand_without_a_prompt(bot, chat):
    await say(bot, "bruno", "/checkin")
    assert "Question 1 of 7" in chat.last("bruno")
    await answer_all(bot, "bruno", ["41000", "w", "b", "1", "p", "3"])
    assert round_status(bot, "bruno") == "submitted"
    await say(bot, "bruno", "/checkin")
    assert "already submitted" in chat.last("bruno")
    run = await bot.run_checkins(["bruno"])
    assert run.results == {"bruno": "already-prompted"}


async def test_late_answer_resumes_last_weeks_round(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    clock.advance(timedelta(days=3))  # Monday of the next week
    await say(bot, "alice", "/checkin")
    assert "2026-W48" in chat.last("alice")
    assert "Question 2 of 8" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[1:])
    with bot.unit() as ctx:
        rnd = ctx.checkins.latest(ctx.people.by_key("alice"))
        assert (rnd.week, rnd.status) == ("2026-W48", "submitted")


async def test_edit_a_submitted_answer(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "alice", "/edit")
    listing = chat.last("alice")
    assert "1. Revenue" in listing and "52,000 USD" in listing
    await say(bot, "alice", "/edit 1")
    assert "Changing your answer" in chat.last("alice")
    await say(bot, "alice", "61000")
    assert "Saved" in chat.last("alice")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 61000.0
    assert round_status(bot, "alice") == "submitted"


async def test_edit_that_makes_a_question_apply_asks_it(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "1", "Plan", "4"])
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "3")  # now needs training: the detail question applies
    assert "Tell me more" in chat.last("alice")
    await say(bot, "alice", "A negotiation course")
    assert answers_of(bot, "alice")["support_detail"][0] == "A negotiation course"


async def test_edit_with_a_bad_number_shows_usage(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "alice", "/edit 42")
    assert "Usage: /edit" in chat.last("alice") and "(1–8)" in chat.last("alice")


async def test_away_people_are_not_prompted_until_back(bot, chat, clock):
    await say(bot, "alice", "/away 2026-12-10")
    assert "away from now until 2026-12-10" in chat.last("alice")
    run = await bot.run_checkins(["alice"])
    assert run.results == {"alice": "away"}
    await say(bot, "alice", "/back")
    assert "Welcome back" in chat.last("alice")
    run = await bot.run_checkins(["alice"])
    assert run.results == {"alice": "prompted"}


async def test_away_period_ends_by_itself(bot, chat, clock):
    await say(bot, "alice", "/away 2026-11-28")
    clock.advance(timedelta(days=7))
    run = await bot.run_checkins(["alice"])
    assert run.results == {"alice": "prompted"}


async def test_away_with_bad_dates(bot, chat, clock):
    await say(bot, "alice", "/away after the conference")
    assert "Usage: /away YYYY-MM-DD" in chat.last("alice")
    await say(bot, "alice", "/away 2026-02-30")
    assert "not a real date" in chat.last("alice")
    await say(bot, "alice", "/away 2026-11-01")
    assert "in the past" in chat.last("alice")
    await say(bot, "alice", "/away 2030-01-01")
    assert "more than a year away" in chat.last("alice")
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert not ctx.away.open_periods(alice.id, alice.timezone, clock.now())


async def test_one_reminder_after_the_delay(bot, chat, clock):
    await bot.run_checkins(["alice", "bruno"])
    await answer_all(bot, "bruno", ["41000", "w", "b", "1", "p", "3"])
    assert await bot.run_reminders() == 0
    clock.advance(bot.settings.reminder_delay)
    assert await bot.run_reminders() == 1
    assert "Friendly reminder" in chat.last("alice")
    assert "Question 1 of 8" in chat.last("alice")
    assert not any("reminder" in t for t in chat.to("bruno"))
    clock.advance(timedelta(days=1))
    assert await bot.run_reminders() == 0


async def test_reminder_skips_someone_who_went_away(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "/away 2026-12-05")
    clock.advance(bot.settings.reminder_delay)
    assert await bot.run_reminders() == 0


async def test_unknown_command_names_the_help(bot, chat):
    await say(bot, "alice", "/frobnicate")
    assert "don't know the command /frobnicate" in chat.last("alice")
    assert "Did you mean" not in chat.last("alice")  # (nothing like it)


async def test_a_mistyped_command_is_answered_with_the_one_meant(bot, chat):
    for typed, meant in (("/action", "/actions"), ("/sumary", "/summary"),
                         ("/oneonone", "/1on1"), ("/agneda", "/agenda")):
        await say(bot, "grace", typed)
        assert chat.last("grace") == (
            f"I don't know the command {typed}. Did you mean {meant}? Send /help to see "
            "what I can do.")
    await say(bot, "li", "/kudo @alice 谢谢")
    assert chat.last("li") == "我不认识命令 /kudo。你是想用 /kudos 吗？发送 /help 查看我能做什么。"
    # The American spelling is the command itself.
    await say(bot, "alice", "/honours")
    roll = chat.last("alice")
    await say(bot, "alice", "/honors")
    assert chat.last("alice") == roll and "don't know" not in roll


async def test_a_command_with_a_space_after_its_slash_or_a_full_stop_after_it(bot, chat):
    """`/ summary` was "I don't know the command /." (no guess, the word lost), and
    `/summary。` or `/summary!`, a sentence's end typed after the command, "I don't know
    the command /summary。." though nothing else was typed: the punctuation is no part of
    the command, and the spaced one is asked back, never run."""
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    for typed in ("/summary。", "/summary!", "/summary.", "/SUMMARY！"):
        await say(bot, "grace", typed)
        assert chat.last("grace") == summary, typed
    await say(bot, "grace", "/ summary")
    assert chat.last("grace") == ("I don't know the command / summary. Did you mean /summary? "
                                  "Send /help to see what I can do.")
    await say(bot, "li", "/ away 2026-12-20")
    assert chat.last("li") == "我不认识命令 / away。你是想用 /away 吗？发送 /help 查看我能做什么。"
    await say(bot, "li", "/away")
    assert chat.last("li").startswith("你当前没有外出。")  # (the spaced one set nothing)


async def test_edit_before_the_first_answer_points_at_the_question_asked(bot, chat):
    """Prompted, nothing answered yet: /edit said 'Send /checkin to start one', though the
    first question was waiting and the next answer would fill it."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "/edit")
    assert chat.last("alice").startswith("You have no check-in answers yet to change: answer "
                                         "the question I asked above")
    await say(bot, "alice", "52000")
    assert "Question 2 of" in chat.last("alice")
    await say(bot, "li", "/edit")
    assert chat.last("li").startswith("你还没有可修改的签到回答：请先回答上面的问题")
    await say(bot, "bruno", "/edit")  # never prompted
    assert "Send /checkin to start one" in chat.last("bruno")


async def test_edit_from_someone_who_does_not_check_in_says_so(bot, chat):
    """A member or the GM was told 'Send /checkin to start one', and /checkin then said they
    don't check in. /edit says so itself, in their language."""
    await bot.run_checkins()
    for key in ("sam", "grace"):
        await say(bot, key, "/edit")
        assert chat.last(key) == ("You have no check-in answers to change: you are not asked "
                                  "to check in.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/edit")
    assert chat.last("grace") == "你没有可修改的签到回答：你不需要填写每周签到。"


async def test_skip_from_someone_who_does_not_check_in_says_so(bot, chat):
    """/skip, like /edit, sent a member or the GM to /checkin, which turns them away."""
    await say(bot, "sam", "/skip")
    assert chat.last("sam") == "There's no open question to skip: you are not asked to check in."
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/skip")
    assert chat.last("grace") == "当前没有可以跳过的问题：你不需要填写每周签到。"
    await say(bot, "bruno", "/skip")  # a director not yet asked is still sent to /checkin
    assert chat.last("bruno").endswith("Send /checkin to start your check-in.")


async def test_chatting_with_no_open_question(bot, chat):
    await say(bot, "alice", "hello?")
    assert "not waiting for an answer" in chat.last("alice")


async def test_help_lists_commands_for_the_role(bot, chat):
    await say(bot, "sam", "/help")  # a member
    assert "/summary" not in chat.last("sam")
    await say(bot, "alice", "/help")  # a director: her own team's summary
    assert "/summary — your team this week" in chat.last("alice")
    assert "/summary team" not in chat.last("alice")
    await say(bot, "grace", "/help")
    assert "/summary — this week per director" in chat.last("grace")
    assert "/summary chart attainment" in chat.last("grace")
    await say(bot, "li", "/help")
    assert "开始或继续本周签到（/checkin 上周：先补完上周未完成的签到）" in chat.last("li")
    assert "/checkin — start or resume this week's check-in (/checkin last week: last " \
        "week's unfinished one first)" in chat.last("alice")
    assert "/summary — 你团队的本周概况" in chat.last("li")
    # The monthly review and 360° review were in no one's /help.
    assert "/monthly — 回答上个月的三个月度回顾问题" in chat.last("li")
    await say(bot, "grace", "/help")
    assert "/monthly — last month's overview of every director" in chat.last("grace")
    assert "/review start <person> — a 360° review" in chat.last("grace")
    await say(bot, "sam", "/help")  # a member has neither
    assert "/monthly" not in chat.last("sam") and "/review" not in chat.last("sam")


@pytest.mark.parametrize("key", ["grace", "alice", "sam", "li"])
async def test_help_gives_each_command_its_own_line(bot, chat, key):
    # "/pulse …" and "/support …" had run together on one line, for every reader.
    await say(bot, key, "/help")
    title, *lines = chat.last(key).splitlines()
    assert title.startswith("teampulse")
    assert lines and all(line.startswith("/") for line in lines)
    assert all(line.count(" — ") <= 1 for line in lines)
    assert any(line.startswith("/support — ") for line in lines)


async def test_checkin_from_a_group_moves_to_private(bot, chat):
    await say(bot, "alice", "/checkin", group=True)
    group = [s for s in chat.sent if s.target.kind == "channel"]
    assert len(group) == 1 and "private message" in group[0].text
    assert "Question 1 of 8" in chat.last("alice")


async def test_redelivered_event_is_processed_once(bot, chat):
    await bot.run_checkins(["alice"])
    assert await say(bot, "alice", "52000", event_id="evt-1") is True
    assert await say(bot, "alice", "52000", event_id="evt-1") is False
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Answer)) == 1
    assert len(chat.to("alice")) == 2


async def test_zh_cn_director_gets_chinese_errors(bot, chat):
    await bot.run_checkins(["li"])
    await say(bot, "li", "很多")
    assert "这不是一个数字" in chat.last("li")


async def test_a_failing_handler_rolls_back_and_apologises(bot, chat, monkeypatch):
    from handlers import checkin

    def boom(ctx, text):
        ctx.checkins.save_answer(ctx.checkins.latest(ctx.person), "kpi:revenue", text=None,
                                 number=1.0, skipped=False, now=ctx.clock.now())
        raise RuntimeError("bug")

    await bot.run_checkins(["alice"])
    monkeypatch.setattr(checkin, "on_text", boom)
    await say(bot, "alice", "52000", event_id="e-crash")
    assert "something went wrong" in chat.last("alice")
    assert answers_of(bot, "alice") == {}
    monkeypatch.undo()
    # The event id was not claimed, so the platform's redelivery is processed.
    assert await say(bot, "alice", "52000", event_id="e-crash") is True
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 52000.0


async def test_messages_are_recorded_in_the_outbox_before_sending(bot, chat):
    chat.fail_next.append(ConnectionError("network down"))
    await bot.run_checkins(["alice"])
    with bot.unit() as ctx:
        rows = ctx.session.scalars(select(OutboxMessage)).all()
        assert [(r.status, r.attempts) for r in rows] == [("pending", 1)]
    assert chat.sent == []


async def test_a_stranger_is_told_what_to_give_the_operator(bot, chat):
    await say(bot, "mallory", "hello")
    assert "don't know you yet" in chat.last("mallory")
    assert "key: mallory" in chat.last("mallory")
    chat.clear()
    await say(bot, "mallory", "just chatting", group=True)
    assert chat.sent == []  # strangers talking in a group are none of our business


async def test_someone_no_platform_knows_is_prompted_once_they_can_be_reached(bot, clock):
    assert (await bot.run_checkins(["alice"])).results == {"alice": "unreachable"}
    with bot.unit() as ctx:
        assert ctx.conversations.get(ctx.people.by_key("alice")) is None
    chat = RecordingAdapter()
    bot.register(chat)
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    assert "Question 1 of 8" in chat.last("alice")


async def test_old_event_ids_are_forgotten_after_a_week(bot, chat, clock):
    await say(bot, "alice", "hello", event_id="old")
    clock.advance(timedelta(days=8))
    await bot.run_reminders()
    assert await say(bot, "alice", "hello", event_id="old") is True


async def test_a_new_weeks_prompt_says_last_weeks_check_in_was_left_unfinished(bot, chat,
                                                                            clock):
    # Alice answered two of W48's eight questions; W49's prompt said nothing of it, and
    # she did not know W48 could still be finished.
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    await answer_all(bot, "li", ["66000"])
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice", "li"])
    assert ("Your check-in for 2026-W48 is unfinished: 6 of 8 questions unanswered. Once this "
            "one is in, send /checkin to finish it (until 2026-12-06), or /checkin last week "
            "to finish it first.") in chat.last("alice")
    assert "Time for your weekly check-in for 2026-W49" in chat.last("alice")
    assert ("你 2026-W48 的签到还没有完成：7 题中还有 6 题未回答。"
            "提交本周签到后，发送 /checkin 即可补完（截至 2026-12-06），也可发送 /checkin 上周 "
            "先补完。") in chat.last("li")
    # What it promises works: this week's first, then /checkin takes up W48 where it was.
    await answer_all(bot, "alice", ALICE_ANSWERS)
    assert "your check-in for 2026-W49 is in" in chat.last("alice")
    await say(bot, "alice", "/checkin")
    assert "Let's finish your check-in for 2026-W48" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    # A week after one finished says nothing of it.
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])
    assert "is unfinished" not in chat.last("alice")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_director_finishes_last_weeks_check_in_first_on_monday(bot, chat, clock,
                                                                       locale):
    """Monday: this week's prompt has come, and Alice wants to give last week's numbers
    while she has them. "/checkin last week" (or its week, "/checkin 2026-W48") started
    this week's instead, as if it were last week's, and her 48000 went in as this week's
    revenue. It takes last week's where it stopped; this week's comes back once it is in."""
    last = {"en": "/checkin last week", "zh-CN": "/checkin 上周"}[locale]
    if locale != "en":
        await say(bot, "alice", "/language 中文")
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:1])
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])  # W49's prompt
    await say(bot, "alice", last)
    assert {"en": "Let's finish your check-in for 2026-W48",
            "zh-CN": "我们继续完成 2026-W48"}[locale] in chat.last("alice"), chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[1:])
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        w48 = ctx.checkins.round_for(alice, "2026-W48")
        w49 = ctx.checkins.round_for(alice, "2026-W49")
        assert w48.status == "submitted" and w49.answers == []
    done, back = chat.to("alice")[-2:]
    assert "2026-W48" in done
    assert back.startswith({"en": "Back to your check-in for 2026-W49:",
                            "zh-CN": "回到你 2026-W49 的签到："}[locale]), back
    await say(bot, "alice", "/checkin 2026-W48")  # in, as any week handed in
    assert "2026-W48" in chat.last("alice") and {
        "en": "already submitted", "zh-CN": "已经提交"}[locale] in chat.last("alice")


async def test_checkin_with_a_week_it_cannot_take_says_which_it_can(bot, chat, clock):
    """"/checkin 2026-W46" started this week's as if it were the week typed."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "/checkin 2026-W46")
    assert chat.last("alice") == ('There is no check-in "2026-W46" to answer: send /checkin '
                                  "for this week's (2026-W48), or /checkin last week to finish "
                                  "last week's (2026-W47).")
    await say(bot, "li", "/checkin 上上周")
    assert chat.last("li") == ("没有可回答的“上上周”签到：发送 /checkin 填写本周（2026-W48）"
                               "的签到，或发送 /checkin 上周 补完上周（2026-W47）的签到。")
    await say(bot, "alice", "/checkin last week")  # none was sent for W47
    assert chat.last("alice") == ("You have no check-in for 2026-W47 to finish: none was "
                                  "sent to you for that week. Send /checkin for this week's.")
    await say(bot, "li", "/checkin 上周")
    assert chat.last("li") == ("你没有 2026-W47 的签到需要补完：那一周没有向你发送签到。"
                               "发送 /checkin 填写本周的签到。")
    await say(bot, "alice", "/checkin W48")  # this week's, by its week
    assert "Question 1 of 8" in chat.last("alice")
    with bot.unit() as ctx:  # nothing was stored for the weeks it could not take
        assert ctx.checkins.round_for(ctx.people.by_key("alice"), "2026-W46") is None


async def test_help_names_skip_and_pause_to_someone_who_does_not_check_in(bot, chat):
    # Grace checks in on nothing, but answers pulse polls, 360° surveys and her one-on-ones'
    # questions, where /skip and /pause work: her /help named neither.
    assert not bot.org.person("grace").checks_in
    await say(bot, "grace", "/help")
    lines = chat.last("grace").splitlines()
    assert any(line.startswith("/skip — skip the question asked") for line in lines)
    assert any(line.startswith("/pause — stop the questions asked") for line in lines)
    assert not any(line.startswith("/checkin —") or line.startswith("/edit") for line in lines)
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/help")
    lines = chat.last("grace").splitlines()
    assert any(line.startswith("/skip — 跳过") for line in lines)
    assert any(line.startswith("/pause — 暂停") for line in lines)
