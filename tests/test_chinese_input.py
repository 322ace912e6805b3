"""A Chinese-speaking director and GM type as a Chinese keyboard does: full-width forms,
Chinese numerals and units, Chinese separators. What the bot takes it reads right; what it
refuses it says why, in Chinese; nothing is stored wrong."""

from __future__ import annotations

from tests.support import running_since, say
from tests.test_checkin import answers_of


async def test_a_command_typed_with_a_full_width_slash_is_the_command(bot, chat):
    # A Chinese IME in full-width mode types '／'; mid-check-in '／pause' was filed as
    # the answer to "本周有哪些成绩？" and the check-in went on.
    await bot.run_checkins(["li"])
    await say(bot, "li", "52000")
    await say(bot, "li", "／pause")
    assert "wins" not in answers_of(bot, "li")
    assert "暂停" in chat.last("li")
    await say(bot, "li", "／ｓｕｍｍａｒｙ\u3000last 4w")
    assert "最近 4 周概况" in chat.last("li")


async def test_a_figure_in_another_currency_is_refused_not_stored_as_usd(bot, chat):
    # Li's revenue is in USD. '¥52000' (renminbi, about 7,300 USD) was stored as 52,000 USD
    # and '12万元' refused as 这不是一个数字 though it is one.
    await bot.run_checkins(["li"])
    for typed in ("¥52000", "￥52,000", "12万元", "52000人民币", "€45k"):
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        reply = chat.last("li")
        assert "USD" in reply and "这不是一个数字" not in reply, (typed, reply)
        assert "未保存" in reply, (typed, reply)
    await say(bot, "li", "5.2万美元")  # the question's own currency, in Chinese: taken
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 52000.0, False)


async def test_a_percentage_for_a_revenue_figure_is_refused(bot, chat):
    # '80％' (80% of target, perhaps) was stored as 80 USD of revenue.
    await bot.run_checkins(["li"])
    for typed in ("80％", "80%", "百分之八十"):
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        assert "百分比" in chat.last("li"), (typed, chat.last("li"))
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "104%")
    assert "percentage" in chat.last("alice") and "USD" in chat.last("alice")


async def test_amounts_written_with_chinese_units_after_digits(bot, chat):
    # 百万 and 千万 are how Chinese business writes millions; '3万5千' is 35,000 on any
    # Chinese invoice. Each was refused as 这不是一个数字.
    await bot.run_checkins(["li"])
    await say(bot, "li", "1百万")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 1_000_000.0, False)
    for typed, meant in (("3万5千", 35_000.0), ("12万3千", 123_000.0), ("1.2百万", 1_200_000.0),
                         ("5十万", 500_000.0)):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, meant, False), typed
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "5千万")  # 50 million: over 20 times the target, so confirmed first
    assert "50,000,000" in chat.last("li")
    await say(bot, "li", "是")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 50_000_000.0, False)


async def test_a_chinese_amount_shortened_as_said_is_read_as_said(bot, chat):
    """'五万二' and '5万2' are 52,000 as every Chinese speaker says them (50,002 is
    '五万零二'): they were refused with "这不是一个数字" (that is not a number)."""
    await bot.run_checkins(["li"])
    await say(bot, "li", "五万二")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 52_000.0, False)
    for typed, meant in (("5万2", 52_000.0), ("六万零五", 60_005.0), ("一千二百万", 12_000_000.0)):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        if "是" in chat.last("li") and "12,000,000" in chat.last("li"):
            await say(bot, "li", "是")  # (far over the target: confirmed first)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, meant, False), typed


async def test_a_chinese_amount_with_its_units_out_of_order_is_refused(bot, chat):
    # '3千5万' has its units the wrong way round; '1.5万3千' says two amounts at once.
    await bot.run_checkins(["li"])
    for typed in ("3千5万", "1.5万3千", "3万50"):
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        assert "数字" in chat.last("li")


async def test_confidence_is_taken_as_a_chinese_keyboard_types_it(bot, chat):
    # The pulse poll takes '4分', '四分' and '4/5'; the check-in's confidence question
    # refused all three (请回复 1 到 5 之间的整数).
    await bot.run_checkins(["li"])
    for answer in ("52000", "新签两家客户", "渠道冲突", "1", "拜访三家"):
        await say(bot, "li", answer)
    for typed, meant in (("4分", 4.0), ("三分", 3.0), ("5/5", 5.0), ("２ 分", 2.0)):
        if "confidence" in answers_of(bot, "li"):
            await say(bot, "li", "/edit 6")  # the support detail was ruled out
        await say(bot, "li", typed)
        assert answers_of(bot, "li").get("confidence") == (None, meant, False), \
            (typed, chat.last("li"))


async def test_a_circled_digit_typed_for_a_rating_is_refused_not_an_error(bot, chat):
    # '❺' (a keyboard symbol panel's circled digit) is a digit to Python that int() cannot
    # read: the support and confidence questions failed with "出了点问题" and a logged
    # traceback, as the pulse poll did. It is refused as any unreadable answer is.
    await bot.run_checkins(["li"])
    for answer in ("52000", "新签两家客户", "渠道冲突"):
        await say(bot, "li", answer)
    await say(bot, "li", "❶")  # the kind of support: by its number in the list
    assert "support_type" not in answers_of(bot, "li")
    assert "出了点问题" not in chat.last("li"), chat.last("li")
    for answer in ("1", "拜访三家"):
        await say(bot, "li", answer)
    await say(bot, "li", "❺")
    assert "confidence" not in answers_of(bot, "li")
    assert "出了点问题" not in chat.last("li") and "1 到 5" in chat.last("li"), chat.last("li")
    await say(bot, "li", "5")
    assert answers_of(bot, "li").get("confidence") == (None, 5.0, False)


async def test_the_pulse_poll_says_its_closing_day_as_a_chinese_reader_writes_it(
        database_url, tmp_path):
    # '截止时间：01月10日 01:00' read like a form field; Chinese writes 1月10日, with the
    # weekday (the English intro names it: 'Sat 09 Jan').
    from datetime import UTC, datetime

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from tests.support import DATA, RecordingAdapter

    clock = FakeClock(datetime(2027, 1, 6, 17, 5, tzinfo=UTC))  # a poll day, a Wednesday
    bot, engine = prepare(Settings(database_url=database_url,
                                   org_file=DATA / "org_pulse.yaml"), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        intro = chat.to("east5")[0]
        assert "截止时间：1月10日（周日）01:00" in intro, intro
        assert "月0" not in intro
    finally:
        engine.dispose()


async def test_time_away_written_as_chinese_writes_a_range(bot, chat):
    # '12月21日到31日' (the month said once) and a full-width comma between two dates were
    # answered with the usage text.
    await say(bot, "li", "/away 12月21日到31日")
    assert "已计划：你将在 2026-12-21 – 2026-12-31" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/away cancel")
    await say(bot, "li", "/away 12月28日至1月3日")  # two months named: as before
    assert "2026-12-28 – 2027-01-03" in chat.last("li")
    await say(bot, "li", "/away cancel")
    await say(bot, "li", "/away 12月28号-3号")  # into the next month
    assert "2026-12-28 – 2027-01-03" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/away cancel")
    await say(bot, "li", "/away 2026/12/21，2026/12/31")
    assert "2026-12-21 – 2026-12-31" in chat.last("li"), chat.last("li")


async def test_a_one_on_one_moved_with_a_chinese_date_or_a_full_width_colon(bot, chat):
    # '10：00' (a Chinese keyboard's colon) and '12月10日' were answered with the usage text.
    await say(bot, "li", "/1on1 move 2026-12-09 10：00")
    assert "已调整" in chat.last("li") and "2026-12-09 10:00" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 12月10日 ９:３０")
    assert "2026-12-10 09:30" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 2026/12/11 15:00")
    assert "2026-12-11 15:00" in chat.last("li"), chat.last("li")


async def test_a_one_on_one_moved_to_a_time_said_in_chinese_or_with_pm(bot, chat):
    # '下午3点' (3 pm) was answered with the usage text: only '15:00' was read.
    await say(bot, "li", "/1on1 move 12月10日 下午3点")
    assert "已调整" in chat.last("li") and "2026-12-10 15:00" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 2026/12/11 上午十点半")
    assert "2026-12-11 10:30" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 12月12日晚上7点一刻")
    assert "2026-12-12 19:15" in chat.last("li"), chat.last("li")
    await say(bot, "grace", "/1on1 move @li 2026-12-14 3:30pm")
    assert "2026-12-14 15:30" in chat.last("grace"), chat.last("grace")
    # Midnight at the end of a day is the next day's: asked for a time, not guessed.
    await say(bot, "li", "/1on1 move 12月13日 晚上12点")
    assert "YYYY-MM-DD HH:MM" in chat.last("li"), chat.last("li")


async def test_a_one_on_one_moved_to_a_part_of_the_day_with_a_clock_time(bot, chat):
    # '下午3:30' (the afternoon's 3:30, as phones write it) was answered with the usage
    # text, while '下午3点半' was read.
    await say(bot, "li", "/1on1 move 明天下午3:30")
    assert "已调整" in chat.last("li") and "2026-11-29 15:30" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 12月10日 晚上 8：15")
    assert "2026-12-10 20:15" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 12月11日 上午9:05")
    assert "2026-12-11 09:05" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1 move 12月11日 下午15:00")  # (the afternoon's 15:00 is 15:00)
    assert "2026-12-11 15:00" in chat.last("li"), chat.last("li")
    # A morning's 15:00 is no time: asked for one, nothing moved.
    await say(bot, "li", "/1on1 move 12月12日 上午15:00")
    assert "YYYY-MM-DD HH:MM" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/1on1")
    assert "2026-12-11 15:00" in chat.last("li"), chat.last("li")


async def test_the_leaderboard_and_honour_roll_take_chinese_periods(bot, chat):
    # 本周, 本季度, 团队 …, 2026年10月 were each answered with the usage text: a Chinese
    # director had to type 'quarter team China' and '2026-10'.
    await say(bot, "li", "/kudos top 本季度 团队 China")
    assert "点赞排行榜" in chat.last("li") and "用法" not in chat.last("li"), chat.last("li")
    await say(bot, "li", "/kudos top quarter team China")
    quarter = chat.last("li")
    await say(bot, "li", "/kudos top 本季度 团队 China")
    assert chat.last("li") == quarter
    for period, english in (("本周", "week"), ("本月", "month"), ("今年", "year"),
                            ("全部", "all")):
        await say(bot, "li", f"/kudos top {english}")
        expected = chat.last("li")
        await say(bot, "li", f"/kudos top {period}")
        assert chat.last("li") == expected, period
    await say(bot, "li", "/honours 2026年10月")
    assert "荣誉榜 —— 2026年10月" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/honours 2026-10")
    october = chat.last("li")
    await say(bot, "li", "/honours 2026年10月")
    assert chat.last("li") == october
    await say(bot, "li", "/honours 2026")
    year = chat.last("li")
    await say(bot, "li", "/honours 2026年")
    assert chat.last("li") == year


async def test_a_week_named_as_chinese_names_it(bot, chat):
    # '/summary 第47周' was taken for a person's name: 李雷 read 您只能查看本团队的概况, and
    # the GM that nobody is called 第47周.
    for key in ("li", "grace"):
        await say(bot, key, "/summary 2026-W47")
        expected = chat.last(key)
        for typed in ("第47周", "2026年第47周", "第四十七周", "2026 年 第 47 周"):
            await say(bot, key, f"/summary {typed}")
            assert chat.last(key) == expected, (key, typed, chat.last(key))
    await say(bot, "li", "/summary 2025-W50")
    expected = chat.last("li")
    await say(bot, "li", "/summary 第50周")  # not yet this year: last year's
    assert chat.last("li") == expected


async def test_a_chart_asked_for_in_chinese(bot, chat):
    # '/summary chart 士气' was 没看懂“士气”, and 最近8周 and 第47周 likewise, while /summary
    # itself takes 最近4周 and 上周.
    await say(bot, "li", "/summary chart morale last 4w 2026-W47")
    expected = chat.last("li")
    await say(bot, "li", "/summary 图表 士气 最近4周 第47周")
    assert chat.last("li") == expected, chat.last("li")
    for english, chinese in (("attainment", "达成率"), ("kudos", "点赞")):
        await say(bot, "li", f"/summary chart {english} team China")
        expected = chat.last("li")
        await say(bot, "li", f"/summary chart {chinese} 团队 China")
        assert chat.last("li") == expected, chat.last("li")


async def test_a_half_point_rating_is_refused_not_stored_as_the_lower_one(bot, chat):
    # '4.5分' was stored as a rating of 4 with the comment '5分' (and '4,5' and '3-4' alike):
    # the survey's ratings are whole numbers, so the rater is asked to choose.
    from sqlalchemy import select

    from storage.review import ReviewAnswer

    await say(bot, "grace", "/review start alice")
    for typed in ("4.5分 很好", "4,5", "3-4", "４．５"):
        await say(bot, "li", typed)
        with bot.unit() as ctx:
            assert list(ctx.session.scalars(select(ReviewAnswer))) == [], typed
        assert chat.last("li").startswith("请以 1 到 5 的整数分数开头"), (typed, chat.last("li"))
    await say(bot, "bruno", "3.5 solid")
    assert chat.last("bruno").startswith("Please start with a whole rating from 1 to 5")
    await say(bot, "li", "4 很好")
    await say(bot, "li", "4 - 3 big deals")  # a comment that starts with a number: as before
    with bot.unit() as ctx:
        # By criterion (the answers' keys are random: their order says nothing of when).
        rows = [(a.criterion, a.rating, a.comment) for a in ctx.session.scalars(
            select(ReviewAnswer).order_by(ReviewAnswer.criterion))]
    assert rows == [("goals", 4, "很好"), ("team", 4, "3 big deals")]


async def test_a_half_point_or_a_range_is_answered_with_the_two_whole_ratings_around_it(
        bot, chat):
    """README: "a half point or a range, `4.5分` or `3-4`, is refused with the two whole
    ratings to choose from". The refusal names them, in the rater's language; a half point
    past the scale (5.5) has no two to offer and is refused as any other bad rating."""
    await say(bot, "grace", "/review start alice")
    for typed, pair in (("4.5分 很好", "（4 或 5）"), ("3-4", "（3 或 4）"),
                        ("２．５", "（2 或 3）")):
        await say(bot, "li", typed)
        assert pair in chat.last("li"), (typed, chat.last("li"))
    await say(bot, "bruno", "3.5 solid")
    assert chat.last("bruno").startswith("Please start with a whole rating from 1 to 5 — 3 "
                                         "or 4 — optionally followed by a comment")
    await say(bot, "bruno", "5.5")
    assert chat.last("bruno") == ("Please start with a rating from 1 to 5, optionally "
                                  "followed by a comment, e.g. 4 clear weekly plans.")


async def test_a_value_tagged_with_a_full_width_hash(bot, chat):
    # A Chinese keyboard in full-width mode types '＃': the value was not recorded and
    # '＃客户第一' stayed in the reason Alice read.
    from tests.test_kudos import kudo

    await kudo(bot, "li", "/kudos @alice 帮忙准备投标材料 ＃客户第一")
    assert chat.last("alice") == ("🎉 You got kudos from 李雷: 帮忙准备投标材料\n"
                                  "For our values: Customer first")
    await kudo(bot, "li", "/kudos @alice，帮忙准备投标材料＃ownership")
    assert chat.last("alice") == ("🎉 You got kudos from 李雷: 帮忙准备投标材料\n"
                                  "For our values: Ownership")


async def test_a_count_typed_with_a_chinese_measure_word(database_url, clock, tmp_path):
    # Chinese counts with a measure word: '3家' (three companies), '三个客户'. A new-customers
    # question answered '3家' was refused as 这不是一个数字.
    from bot.app import prepare
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter

    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "      - {metric: revenue, unit: USD, weekly_target: 60000}\n",
        "      - {metric: revenue, unit: USD, weekly_target: 60000}\n"
        "      - {metric: new_customers, unit: {en: customers, zh-CN: 位客户}, "
        "weekly_target: 4}\n"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_checkins(["li"])
        await say(bot, "li", "52000")
        for typed, meant in (("3家", 3.0), ("三个客户", 3.0), ("２位", 2.0), ("5位客户", 5.0),
                             ("两家", 2.0)):
            if "kpi:new_customers" in answers_of(bot, "li"):
                await say(bot, "li", "/edit 2")
            await say(bot, "li", typed)
            assert answers_of(bot, "li").get("kpi:new_customers") == (None, meant, False), \
                (typed, chat.last("li"))
        await say(bot, "li", "/edit 1")
        await say(bot, "li", "3单")  # three deals is no revenue figure: still refused
        assert answers_of(bot, "li")["kpi:revenue"] == (None, 52000.0, False)
        assert "USD" in chat.last("li")
    finally:
        engine.dispose()


async def test_pausing_in_the_words_the_question_shows(bot, chat):
    # Each question ends '/skip 跳过 · /pause 暂停', and typing 跳过 skips; typing 暂停 was
    # filed as the answer to 本周有哪些成绩？ and the next question asked.
    await bot.run_checkins(["li"])
    await say(bot, "li", "52000")
    await say(bot, "li", "暂停")
    assert "wins" not in answers_of(bot, "li")
    assert chat.last("li").startswith("已暂停"), chat.last("li")


async def test_skipping_with_a_full_stop_after_the_word_as_pausing_does(bot, chat):
    # '暂停。' paused, but '跳过。' to the revenue question was answered 这不是一个数字 ……
    # （或发送 /skip 跳过）, and to 本周有哪些成绩？ filed as the wins the GM reads.
    await bot.run_checkins(["li"])
    await say(bot, "li", "跳过。")
    assert chat.last("li").startswith("已跳过。"), chat.last("li")
    await say(bot, "li", "跳过！")
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "Skip.")
    assert chat.last("alice").startswith("Skipped."), chat.last("alice")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, None, True),
                                     "wins": (None, None, True)}
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, None, True)}


async def test_skipping_and_pausing_the_monthly_questions(bot, chat, clock):
    # In the monthly review '/skip' answered 当前没有可以跳过的问题。发送 /checkin 开始签到 with a
    # question open, '跳过' was sent to the GM as the answer, and '/pause' said to resume
    # with /checkin, which does not resume it.
    from tests.test_monthly_review import DEC_1_9AM_NY

    clock.set(DEC_1_9AM_NY)
    await running_since(bot, clock)  # running since November: a fresh install reviews none
    assert await bot.run_monthly_review()  # November's review, and its questions
    await say(bot, "li", "/monthly")
    await say(bot, "li", "/skip")
    assert chat.last("li").startswith("2026-11 月度回顾，第 2 / 3 题"), chat.last("li")
    await say(bot, "li", "/pause")
    assert "/monthly" in chat.last("li") and "/checkin" not in chat.last("li"), chat.last("li")
    await say(bot, "li", "/monthly")
    assert chat.last("li").startswith("2026-11 月度回顾，第 2 / 3 题")
    await say(bot, "li", "跳过")
    await say(bot, "li", "拜访三家重点客户")
    await say(bot, "grace", "/monthly answers")  # the GM reads the answers on demand
    gm = chat.last("grace")
    assert "跳过" not in gm and "(skipped)" in gm and "拜访三家重点客户" in gm, gm


async def test_a_team_named_after_the_chinese_word_for_team(bot, chat):
    # '/summary 团队 China', '/goals 团队 East' and '/checkin send 团队 China' were refused
    # (or read 团队 as a person), though the usage texts write '/summary team <团队>'.
    for key, english, chinese in (("li", "/summary team China", "/summary 团队 China"),
                                  ("grace", "/goals team East", "/goals 团队 East"),
                                  ("grace", "/summary team East last 2w",
                                   "/summary 团队 East 最近2周")):
        await say(bot, key, english)
        expected = chat.last(key)
        await say(bot, key, chinese)
        assert chat.last(key) == expected, (chinese, chat.last(key))
    await say(bot, "grace", "/checkin send 团队 China")
    assert chat.last("grace") == "Check-in round sent to team China: 1 prompted.", \
        chat.last("grace")


async def test_the_leaderboard_and_my_kudos_asked_for_in_chinese(bot, chat):
    # '/kudos 排行榜' and '/kudos 我的' were taken for kudos to give and answered with how
    # to give kudos.
    for english, chinese in (("/kudos top", "/kudos 排行榜"),
                             ("/kudos top 本季度", "/kudos 排行 本季度"),
                             ("/kudos me", "/kudos 我的")):
        await say(bot, "li", english)
        expected = chat.last("li")
        await say(bot, "li", chinese)
        assert chat.last("li") == expected, (chinese, chat.last("li"))


async def test_skip_in_a_survey_says_the_question_waits(bot, chat):
    # With a 360° survey question open, /skip answered 当前没有可以跳过的问题。发送 /checkin
    # 开始签到: there was a question, and /checkin is no way to it.
    await say(bot, "grace", "/review start alice")
    await say(bot, "li", "/skip")
    reply = chat.last("li")
    assert "/checkin" not in reply and "不能跳过" in reply and "/pause" in reply, reply
    await say(bot, "li", "4")
    assert chat.last("li").startswith("2/5"), chat.last("li")


async def test_a_whole_command_typed_in_full_width_mode(bot, chat):
    # In full-width mode the arguments come full-width too: '／ｓｕｍｍａｒｙ　ｌａｓｔ　４ｗ'
    # was answered 我没看懂“ｌａｓｔ ４ｗ”, '/kudos ｔｏｐ' with how to give kudos.
    for key, plain, wide in (("li", "/summary last 4w", "／ｓｕｍｍａｒｙ　ｌａｓｔ　４ｗ"),
                             ("li", "/kudos top", "/kudos ｔｏｐ"),
                             ("grace", "/summary team East", "/summary ｔｅａｍ Ｅａｓｔ"),
                             ("li", "/support page 2", "／ｓｕｐｐｏｒｔ ｐａｇｅ ２"),
                             ("li", "/1on1", "／１ｏｎ１")):
        await say(bot, key, plain)
        expected = chat.last(key)
        await say(bot, key, wide)
        assert chat.last(key) == expected, (wide, chat.last(key))


async def test_financial_numerals_as_an_invoice_writes_them_are_read(bot, chat):
    # '伍万贰仟' (大写, as on an invoice or a cheque) and '陆万美元整' (整: exactly) were
    # "这不是一个数字" to a director copying the amount from the contract.
    await bot.run_checkins(["li"])
    await say(bot, "li", "伍万贰仟")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 52000.0, False)
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "陆万美元整")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 60000.0, False)
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "伍万圆整")  # yuan, to a question in USD: refused, not stored
    assert chat.last("li").startswith("这个金额的货币是 元，但这个问题要求以 USD 计。")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 60000.0, False)


async def test_a_chinese_amount_with_its_tail_written_in_full_digits(bot, chat):
    """'12万5000' (125,000) and '3万零5' (30,005), as Chinese writes an amount after 万 in
    full, were refused with "这不是一个数字"; the code's own hint said 30,005 is '3万零5'.
    A tail that could be short for a unit below ('3万50') stays refused."""
    await bot.run_checkins(["li"])
    await say(bot, "li", "12万5000")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 125_000.0, False)
    for typed, meant in (("3万零5", 30_005.0), ("5万0500", 50_500.0), ("6万零500", 60_500.0),
                         ("4千500", 4_500.0), ("１２万５０００", 125_000.0),
                         ("5万2000美元", 52_000.0)):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, meant, False), \
            (typed, chat.last("li"))
    for typed in ("3万50", "3万500", "12万50000", "3万零50000"):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, 52_000.0, False), typed
        assert "数字" in chat.last("li"), typed
