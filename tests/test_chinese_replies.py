"""A Chinese-speaking director and GM answer the bot's yes/no questions and praise people as
they speak and type: the words Chinese uses for "yes" (确定, 好的, 没问题), a full-width ＠,
a name written right against Chinese text. Each was refused or silently dropped."""

from __future__ import annotations

from contextlib import asynccontextmanager

from tests.support import say
from tests.test_checkin import answers_of


async def test_a_large_figure_is_confirmed_with_the_word_the_question_asks_in(bot, chat):
    # The bot asks "…的 20 倍。确定吗？" and 确定 (the word it asked with), 好的, 嗯, 行,
    # 可以, 没问题 are how a Chinese speaker says yes: each was answered "50,000,000 USD
    # 对吗？请回复“是”或“否”", the figure still not saved.
    await bot.run_checkins(["li"])
    await say(bot, "li", "52000")
    for typed in ("确定", "好的", "嗯", "行", "可以", "没问题", "没错", "确定！", "好的。"):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", "5千万")
        assert "确定吗" in chat.last("li")
        await say(bot, "li", typed)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, 50_000_000.0, False), \
            (typed, chat.last("li"))
        await say(bot, "li", "/edit 1")  # back to 52000: the next word confirms afresh
        await say(bot, "li", "52000")
        assert answers_of(bot, "li")["kpi:revenue"] == (None, 52_000.0, False)


async def test_a_large_figure_is_refused_with_the_words_chinese_says_no_in(bot, chat):
    # 不要 (don't), 错了 (that's wrong), 不行 (no good): the figure is not saved, and the
    # question is asked again.
    await bot.run_checkins(["li"])
    for typed in ("不要", "错了", "不行", "不对"):
        await say(bot, "li", "5千万")
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        assert chat.last("li").startswith("好的，没有保存。"), (typed, chat.last("li"))
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "5m")
    await say(bot, "alice", "nah")
    assert "kpi:revenue" not in answers_of(bot, "alice")
    assert chat.last("alice").startswith("OK, nothing saved."), chat.last("alice")


async def test_kudos_with_a_full_width_at_sign_or_a_name_against_chinese_text(bot, chat):
    # A Chinese keyboard in full-width mode types '＠'; Chinese puts no space around a name.
    # '/kudos ＠li …' was answered with how to give kudos, '感谢@alice帮忙…' in the team's
    # chat was silently nothing (the name read as 'alice帮忙…', or not at all).
    from tests.test_kudos import count_kudos, kudo
    await kudo(bot, "grace", "/kudos ＠li 帮忙准备投标材料 ＃ownership")
    assert "李雷 — kudos from Grace Chen: 帮忙准备投标材料" in chat.last("team")
    assert chat.last("li").startswith("🎉 Grace Chen 给你点赞：帮忙准备投标材料")
    await kudo(bot, "li", "谢谢@alice帮忙准备投标材料👏")
    assert "Alice Martin —— 来自 李雷 的点赞：谢谢 帮忙准备投标材料👏" in chat.last("team")
    await kudo(bot, "li", "点赞＠alice和＠sam，演示做得非常好")
    assert "Alice Martin、Sam Lee —— 来自 李雷 的点赞：点赞，演示做得非常好" in chat.last("team")
    assert count_kudos(bot) == 4
    await kudo(bot, "li", "写信给 bob@example.com 谢谢")  # an e-mail address names nobody
    assert count_kudos(bot) == 4


async def test_a_reason_of_a_few_chinese_characters_is_a_reason(bot, chat):
    # The refusal asks for "几个字" (a few characters): 辛苦了 (you worked hard) is three,
    # as "great work" is two words; it was refused, while 辛苦了！ was taken (the '！'
    # counted as a word). A bare thank-you, with or without its '！', is still no reason.
    from tests.test_kudos import count_kudos, kudo
    await kudo(bot, "li", "/kudos @alice 辛苦了")
    assert "Alice Martin —— 来自 李雷 的点赞：辛苦了" in chat.last("team")
    for typed in ("/kudos @alice 谢谢！", "/kudos @alice 谢谢", "/kudos @alice ！！！"):
        await kudo(bot, "li", typed)
        assert "请用几个字说明原因" in chat.last("li"), typed
    await kudo(bot, "alice", "/kudos @li great !")  # a mark alone is no word in English either
    assert "Please say why in a few words" in chat.last("alice")
    assert count_kudos(bot) == 1


async def test_the_no_comment_button_typed_or_said_otherwise_leaves_no_comment(
        database_url, tmp_path):
    # The pulse poll's last question offers a 不留言 / "No comment" button. Typed instead of
    # pressed (a client without buttons, or just typed), 不留言 was stored as an anonymous
    # comment nobody can take back, as were 暂无, 没什么, 无意见 and "no comment".
    from sqlalchemy import select

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from storage.pulse import PulseComment
    from tests.support import RecordingAdapter
    from tests.test_pulse import EAST, POLL_DAY, PULSE_ORG, press
    pbot, engine = prepare(Settings(database_url=database_url, org_file=PULSE_ORG),
                           FakeClock(POLL_DAY))
    pchat = RecordingAdapter()
    pbot.register(pchat)
    try:
        with pbot.unit() as ctx:
            for key in EAST[1:]:
                ctx.people.by_key(key).locale = "zh-CN"
        await pbot.run_pulse()
        for key, typed in zip(EAST, ("No comment", "不留言", "暂无", "没什么", "无意见", "没有了"),
                              strict=True):
            await press(pbot, pchat, key, 4)
            await press(pbot, pchat, key, 2)
            await say(pbot, key, typed)
            assert "已匿名收到" in pchat.last(key) or "anonymously" in pchat.last(key), \
                (typed, pchat.last(key))
        with pbot.unit() as ctx:
            assert [c.text for c in ctx.session.scalars(select(PulseComment))] == []
    finally:
        engine.dispose()


async def test_a_gm_without_a_chinese_keyboard_names_a_director_by_an_alias(
        database_url, clock, tmp_path):
    # Grace reads "李雷" in every summary but cannot type it: "/summary Li Lei" was
    # "I don't know anyone called …". The org file gives his pinyin name as an alias, which
    # every command that names a person reads (his key, li, still works).
    async with _li_aliased(database_url, clock, tmp_path, "Li Lei, Lei Li") as (bot, chat):
        for typed in ("li lei", "LEI LI", "Li　Lei"):
            await say(bot, "grace", f"/summary {typed}")
            assert chat.last("grace").startswith("Full picture — 李雷"), (typed, chat.last("grace"))
        await say(bot, "grace", "/1on1 history Li Lei")
        assert "李雷" in chat.last("grace") and "don't know" not in chat.last("grace")
        await say(bot, "grace", "/goals li lei")
        assert chat.last("grace").startswith("🎯 Goals — 李雷"), chat.last("grace")
        await say(bot, "grace", "/summary lilei")  # not an alias: nobody, as before
        assert "I don't know anyone called \"lilei\"" in chat.last("grace")


async def test_no_notes_and_no_action_items_said_in_words_store_nothing(
        database_url, clock, tmp_path):
    # After the 1:1, asked for notes, action items and one thing to improve, a manager with
    # none types 没有 or 无 ("none"): each was saved as a shared note "没有" sent to the
    # report, an action item "无" due in a week (overdue after it, carried onto every
    # agenda), and "One thing to improve: 没有" told to the other side.
    from datetime import timedelta

    from bot.app import prepare
    from bot.config import Settings
    from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
    from tests.support import RecordingAdapter
    bot, engine = prepare(Settings(database_url=database_url, org_file=write_org(tmp_path)),
                          clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
        await say(bot, "grace", "进行了")  # Alice's 1:1
        await say(bot, "grace", "没有")  # no notes: on to the action items
        assert chat.last("grace").startswith("行动项："), chat.last("grace")
        await say(bot, "grace", "无")  # no action items: done
        assert "有多大帮助" in chat.last("grace"), chat.last("grace")
        assert "没有" not in chat.to("alice")[-2] and "无" not in chat.to("alice")[-2]
        await say(bot, "grace", "/actions")
        assert "#1" not in chat.last("grace"), chat.last("grace")
        await say(bot, "grace", "4")  # rates Alice's: nothing to improve
        await say(bot, "grace", "没有")
        # (Alice was told "One thing to improve: 没有".)
        assert chat.last("alice") == "Feedback from Grace Chen on your 1:1 of 2026-11-30: 4/5."
        # Then Bruno's, in English.
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "en"
        await say(bot, "grace", "yes")
        await say(bot, "grace", "no notes")
        assert chat.last("grace").startswith("Action items:"), chat.last("grace")
        await say(bot, "grace", "none")
        assert "How useful" in chat.last("grace"), chat.last("grace")
        await say(bot, "grace", "5")
        await say(bot, "grace", "nothing")
        assert chat.last("bruno") == "Feedback from Grace Chen on your 1:1 of 2026-11-30: 5/5."
        await say(bot, "grace", "/actions")
        assert "#1" not in chat.last("grace"), chat.last("grace")
    finally:
        engine.dispose()


async def test_a_summary_asked_for_by_a_day_shows_that_days_week(bot, chat):
    # A GM asks for the week of a day: "/summary 11月23日" was "I don't know anyone called
    # "11月23日"", as was "/summary 2026-11-23". Each names the ISO week the day is in.
    for typed in ("11月23日", "2026年11月25日", "2026-11-29", "2026/11/23", "11 月 27 日"):
        await say(bot, "grace", f"/summary {typed}")
        assert "2026-W48 (2026-11-23 – 2026-11-29)" in chat.last("grace"), \
            (typed, chat.last("grace"))
    await say(bot, "li", "/summary 11月16日")  # a director's own team, in Chinese
    assert "2026-W47（2026-11-16 – 2026-11-22）" in chat.last("li"), chat.last("li")
    # README: the latest such day whose week has begun: Sunday the 29th, said on Friday the
    # 27th, is still ahead but its week is this one.
    await say(bot, "grace", "/summary 11月29日")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "/summary 12月31日")  # no year, still ahead: last year's
    assert "2026-W01 (2025-12-29 – 2026-01-04)" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "/summary 2月30日")  # no such day: the forms there are
    assert chat.last("grace").startswith('"2月30日" is not a week'), chat.last("grace")
    assert "as a day in it (2026-11-23)" in chat.last("grace")
    await say(bot, "grace", "/summary alice 11月16日")
    assert "Full picture — Alice Martin" in chat.last("grace")
    assert "2026-W44 – 2026-W47" in chat.last("grace"), chat.last("grace")


async def test_a_command_spaced_with_full_width_spaces_is_the_command(bot, chat):
    # A Chinese keyboard types '　' (U+3000) between words. "/kudos　top　本月" was answered
    # with how to give kudos and "/1on1　history　＠li" with the /1on1 usage: the
    # subcommand was read only up to an ASCII space.
    from tests.test_kudos import kudo
    await kudo(bot, "grace", "/kudos @li 帮忙准备投标材料")
    await say(bot, "grace", "/kudos　top　本月")
    assert chat.last("grace").startswith("Kudos leaderboard — this month"), chat.last("grace")
    await say(bot, "li", "/kudos　me")
    assert chat.last("li").startswith("我的点赞"), chat.last("li")
    await say(bot, "grace", "/1on1　history　＠li")
    assert chat.last("grace") == "No one-on-ones of 李雷 are recorded yet."


async def test_a_thank_you_for_someones_support_gives_the_support_as_the_reason(bot, chat):
    # "感谢 @alice 的支持" (thanks for Alice's support) shouted out "…的点赞：的支持": the 的
    # that made "support" Alice's was left starting the reason, in the shout-out, her DM
    # and /kudos me. A 谢谢 before a name and then 对… ("for what you did for me") left
    # "谢谢 对我的帮助"; the reason is what they were thanked for.
    from tests.test_kudos import kudo
    await kudo(bot, "li", "感谢 @alice 的支持")
    assert chat.last("team").endswith("Alice Martin —— 来自 李雷 的点赞：支持"), chat.last("team")
    assert chat.last("alice") == "🎉 You got kudos from 李雷: 支持"
    await kudo(bot, "li", "谢谢 @alice 对我的帮助")
    assert chat.last("team").endswith("的点赞：对我的帮助"), chat.last("team")
    await kudo(bot, "li", "感谢@alice和@sam的支持")
    assert chat.last("team").endswith("Alice Martin、Sam Lee —— 来自 李雷 的点赞：支持")
    assert chat.last("sam") == "🎉 You got kudos from 李雷: 支持"
    await kudo(bot, "li", "这次多亏了 @bruno 的帮忙，谢谢")  # the name's 的 within the reason
    assert chat.last("team").endswith("的点赞：这次多亏了 帮忙，谢谢"), chat.last("team")
    await kudo(bot, "sam", "谢谢 @bruno 帮忙准备投标材料")  # a thank-you for doing: as it was
    assert chat.last("team").endswith("kudos from Sam Lee: 谢谢 帮忙准备投标材料")
    await say(bot, "li", "/kudos me")
    assert "支持" in chat.last("li") and "的支持" not in chat.last("li"), chat.last("li")
    assert "对我的帮助" in chat.last("li")
    await kudo(bot, "grace", "thanks @alice for the support")  # English: as it was
    assert chat.last("team").endswith("kudos from Grace Chen: thanks for the support")


async def test_a_week_said_as_chinese_says_it_names_that_week(bot, chat):
    # In 2026-W48: "/summary 48周" (no 第, as typed quickly), 上上周 (the week
    # before last), and the traditional 週 were each "I don't know anyone called …".
    for typed, week in (("48周", "2026-W48 (2026-11-23"), ("47 周", "2026-W47 (2026-11-16"),
                        ("2026年46周", "2026-W46 (2026-11-09"), ("第48週", "2026-W48 (2026-11-23"),
                        ("上上周", "2026-W46 (2026-11-09"), ("上上週", "2026-W46 (2026-11-09"),
                        ("week before last", "2026-W46 (2026-11-09"),
                        ("上週", "2026-W47 (2026-11-16")):
        await say(bot, "grace", f"/summary {typed}")
        assert week in chat.last("grace"), (typed, chat.last("grace"))
    for typed in ("最近4周", "最近4週", "过去 4 个星期"):  # a count of weeks, still: not W4
        await say(bot, "grace", f"/summary {typed}")
        assert "2026-W44 – 2026-W47" in chat.last("grace"), (typed, chat.last("grace"))
    await say(bot, "grace", "/summary alice 上上周")
    assert "Full picture — Alice Martin" in chat.last("grace")
    assert "2026-W43 – 2026-W46" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "/summary chart kudos 上上周")  # the chart reads it as the summary does
    assert chat.last("grace").endswith("2026-W39 to 2026-W46."), chat.last("grace")


async def test_summary_of_the_last_weeks_said_with_shang(bot, chat):
    """`/summary 上4周` (the last four weeks, as 上周 is last week) was read as a person
    "上" and week W4: "I don't know anyone called "上"". It is `last 4w`, as 最近4周 is."""
    await say(bot, "grace", "/summary 最近4周")
    expected = chat.last("grace")
    for typed in ("上4周", "上四周", "上 4 个星期"):
        await say(bot, "grace", f"/summary {typed}")
        assert chat.last("grace") == expected, typed
    await say(bot, "grace", "/summary 上周")
    last_week = chat.last("grace")
    for typed in ("上一周", "上一个星期"):  # last week still, not the last one week
        await say(bot, "grace", f"/summary {typed}")
        assert chat.last("grace") == last_week, typed
    await say(bot, "li", "/summary 上4周")
    assert chat.last("li").startswith("最近 4 周概况 — Test Sales · 团队 China"), chat.last("li")


async def test_time_away_for_a_week_named_by_its_number(bot, chat):
    # "/away 第50周" (a week as a Chinese calendar numbers it) was answered with the usage;
    # so were W50, 下下周 (the week after next) and the traditional 週. Each is that week,
    # Monday to Sunday. Li is in Shanghai, where it is Saturday 2026-11-28 (W48).
    for typed, said in (("第50周", "2026-12-07 – 2026-12-13"),
                        ("第五十周", "2026-12-07 – 2026-12-13"),
                        ("2026年第50週", "2026-12-07 – 2026-12-13"),
                        ("下下周", "2026-12-07 – 2026-12-13"), ("下週", "2026-11-30 – 2026-12-06"),
                        ("第1周", "2027-01-04 – 2027-01-10")):  # W01 of this year is over
        await say(bot, "li", f"/away {typed}")
        assert f"你将在 {said}（含）外出" in chat.last("li"), (typed, chat.last("li"))
        await say(bot, "li", "/away cancel all")
    await say(bot, "li", "/away 第48周")  # this week: from today
    assert "外出至 2026-11-29" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/back")
    for typed in ("W50", "week 50", "2026-W50", "the week after next"):
        await say(bot, "alice", f"/away {typed}")
        assert "away 2026-12-07 – 2026-12-13" in chat.last("alice"), (typed, chat.last("alice"))
        await say(bot, "alice", "/away cancel all")
    await say(bot, "alice", "/away W54")  # no such week: the usage, nothing set
    assert chat.last("alice").startswith("Usage: /away"), chat.last("alice")


async def test_the_monthly_view_and_the_summary_say_no_check_in_sent_alike(bot, chat):
    # A Chinese GM read "未发出签到" in /monthly for what /summary calls "未发送签到".
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly")
    assert "李雷 · China —— 未发送签到" in chat.last("grace"), chat.last("grace")
    assert "未发出" not in chat.last("grace")
    await say(bot, "grace", "/summary")
    assert "未发送签到" in chat.last("grace"), chat.last("grace")


async def test_a_name_close_to_an_alias_is_offered_as_did_you_mean(database_url, clock,
                                                                    tmp_path):
    # 李雷's org entry gives "Li Lei" as an alias. "/summary Li Lie" or "/summary lilei"
    # was "I don't know anyone called …" with no suggestion (nothing is close to 李雷 or
    # li), and "/kudos @lilei …" told Grace nobody goes by that.
    from tests.test_kudos import count_kudos, kudo
    async with _li_aliased(database_url, clock, tmp_path, "Li Lei") as (bot, chat):
        for typed in ("Li Lie", "lilei"):
            await say(bot, "grace", f"/summary {typed}")
            assert f'I don\'t know anyone called "{typed}"' in chat.last("grace")
            assert "Did you mean 李雷 (/summary li)?" in chat.last("grace"), chat.last("grace")
        await kudo(bot, "grace", "/kudos @lilei for the bid")
        assert "Did you mean @li (李雷)?" in chat.last("grace"), chat.last("grace")
        assert count_kudos(bot) == 0
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary lilei")
        assert "李雷" in chat.last("grace") and "/summary li" in chat.last("grace"), \
            chat.last("grace")


@asynccontextmanager
async def _li_aliased(database_url, clock, tmp_path, aliases: str):
    """A bot on the test org whose 李雷 has these `aliases` in the org file, with a
    recording chat: (bot, chat)."""
    from bot.app import prepare
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "    name: 李雷\n", f"    name: 李雷\n    aliases: [{aliases}]\n"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        yield bot, chat
    finally:
        engine.dispose()


async def test_an_alias_never_takes_a_name_from_someone_else(database_url, clock, tmp_path):
    # README: an alias is read only once no key, username or name matched. 李雷's entry
    # giving "Alice Martin" and "bruno" as aliases (a slip) leaves both names to their own.
    async with _li_aliased(database_url, clock, tmp_path, "Alice Martin, bruno") as (bot, chat):
        await say(bot, "grace", "/summary alice martin")
        assert chat.last("grace").startswith("Full picture — Alice Martin"), chat.last("grace")
        await say(bot, "grace", "/summary bruno")
        assert chat.last("grace").startswith("Full picture — Bruno Rossi"), chat.last("grace")
