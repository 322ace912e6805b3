"""The monthly honour roll: posted once on the first working day, and /honours on demand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import TeamPulse
from bot.org import OrgError, parse_org
from bot.scheduler import start_scheduler
from handlers.honours import first_working_day
from tests.support import NAMESAKES, TEST_ORG, RecordingAdapter, running_since, say
from tests.test_kudos import kudo

# Tuesday 2026-12-01 09:00 in New York (EST): the first working day of December.
DEC_1_9AM_NY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def with_honours_channel(bot: TeamPulse) -> None:
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"console": "honours"}))


async def november_kudos(bot: TeamPulse) -> None:
    await kudo(bot, "grace", "/kudos @sam @li for the Acme renewal #customer-first")
    await kudo(bot, "alice", "/kudos @sam for the demo prep #ownership")
    await kudo(bot, "li", "/kudos @bruno 帮忙翻译合同 #customer-first")


def test_first_working_day_skips_the_weekend():
    assert first_working_day(2026, 12) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(2026, 8) == date(2026, 8, 3)    # the 1st is a Saturday
    assert first_working_day(2026, 11) == date(2026, 11, 2)  # the 1st is a Sunday


async def test_honour_roll_is_posted_once_and_the_gm_gets_it(bot, chat, clock):
    with_honours_channel(bot)
    await november_kudos(bot)
    chat.clear()
    clock.set(DEC_1_9AM_NY - timedelta(minutes=1))
    assert not await bot.run_honours()  # 08:59: not yet
    assert chat.sent == []
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    roll = chat.last("honours")
    assert roll.startswith("🏆 Honour roll — November 2026\n4 kudos in all.")
    assert "• China: 李雷 — 1 kudo\n" in roll
    assert "• East: Sam Lee — 2 kudos" in roll
    assert "• Europe: Bruno Rossi — 1 kudo\n" in roll
    assert "Team of the month: East — 2 kudos received" in roll
    assert "Most cited value: Customer first — 3 times" in roll
    assert "Most generous: Grace Chen — 2 kudos given" in roll
    assert chat.last("grace") == roll
    clock.advance(timedelta(hours=2))
    assert await bot.run_honours()  # the job fires again, or the process restarted
    assert len(chat.to("honours")) == 1 and len(chat.to("grace")) == 1


async def test_a_restart_at_that_moment_posts_once(bot, chat, clock):
    with_honours_channel(bot)
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY)
    chat.clear()
    await bot.run_honours()  # the job ran; then the process restarts at 09:00
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    second = RecordingAdapter()
    again.register(second)
    scheduler = await start_scheduler(again, again.engine)
    try:
        job = scheduler.get_job("honours")
        assert str(job.trigger.timezone) == "America/New_York"  # the org's (the GM's)
        assert "day='1-7', day_of_week='mon-fri', hour='9'" in str(job.trigger)
    finally:
        scheduler.shutdown(wait=False)
    await again.drain()  # the start-up catch-up runs in the background, once running
    # (The monthly review, due the same morning, may reach the GM; the roll must not.)
    assert second.to("honours") == [] and not [
        t for t in second.to("grace") if t.startswith("🏆")]
    assert len(chat.to("honours")) == 1


async def test_restarting_on_the_day_before_the_job_ran_posts_it(bot, clock):
    with_honours_channel(bot)
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY + timedelta(minutes=5))  # down at 09:00, back at 09:05
    chat = RecordingAdapter()
    bot.register(chat)
    scheduler = await start_scheduler(bot, bot.engine)
    scheduler.shutdown(wait=False)
    await bot.drain()  # the start-up catch-up runs in the background, once running
    assert len(chat.to("honours")) == 1


async def test_down_all_the_first_working_day_it_posts_on_the_next_start_that_week(bot, clock):
    # Down from Monday night to Thursday 07:00: nothing the day the roll was due.
    with_honours_channel(bot)
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=2, hours=-2))
    chat = RecordingAdapter()
    bot.register(chat)
    scheduler = await start_scheduler(bot, bot.engine)
    scheduler.shutdown(wait=False)
    await bot.drain()  # the start-up catch-up
    assert len(chat.to("honours")) == 1 and chat.last("honours").startswith(
        "🏆 Honour roll — November 2026")
    clock.advance(timedelta(hours=2))
    assert await bot.run_honours()  # Thursday's 09:00 job: nothing twice
    assert len(chat.to("honours")) == 1


@pytest.mark.parametrize("when", [
    datetime(2026, 12, 8, 14, 0, tzinfo=UTC),  # the second Tuesday: too late to be news
    datetime(2026, 11, 30, 23, 0, tzinfo=UTC)])  # November still, in New York
async def test_outside_the_first_week_nothing_is_posted(bot, chat, clock, when):
    with_honours_channel(bot)
    await november_kudos(bot)
    chat.clear()
    clock.set(when)
    assert not await bot.run_honours()
    assert chat.to("honours") == []


async def test_an_empty_month_reads_naturally(bot, chat, clock):
    with_honours_channel(bot)
    clock.set(DEC_1_9AM_NY)
    # A fresh install posts no roll of a month before it, and one of a month it ran part
    # of says from when it counted (tests/test_first_weeks.py): running all November.
    await running_since(bot, clock, timedelta(weeks=6))
    await bot.run_honours()
    assert chat.last("honours") == ("🏆 Honour roll — November 2026\nNo kudos were given in "
                                    "November 2026. A quiet month — recognise someone with "
                                    "/kudos @someone for ….")


async def test_honours_command_for_a_month_a_year_and_in_chinese(bot, chat, clock):
    # Running since early 2025, so July 2025 is a month it ran without kudos (one before
    # its first run says so instead: tests/test_first_weeks.py).
    await running_since(bot, clock, ago=timedelta(days=600))
    await november_kudos(bot)
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    assert "Honour roll — November 2026 (so far)" in chat.last("grace")
    clock.set(DEC_1_9AM_NY)
    await kudo(bot, "alice", "/kudos @li for the December kickoff")
    await kudo(bot, "grace", "/honours", group=False)  # last month
    text = chat.last("grace")
    assert "Honour roll — November 2026\n" in text and "(so far)" not in text
    await kudo(bot, "grace", "/honours 2026", group=False)
    year = chat.last("grace")
    assert "Honour roll — 2026 (so far)" in year and "5 kudos in all." in year
    assert "Team of the year: China and East — 2 kudos received each, a tie" in year
    assert "Most generous: Alice Martin and Grace Chen — 2 kudos given each, a tie" in year
    await kudo(bot, "li", "/honours 2026-11", group=False)
    zh = chat.last("li")
    assert "荣誉榜 —— 2026年11月" in zh and "最常提及的价值观：客户第一 —— 3 次" in zh
    await kudo(bot, "li", "/honours 2025-07", group=False)
    assert "2025年7月没有人点赞。这个月比较安静" in chat.last("li")


# ("november" had been here: a month named without its year is now the latest one begun,
# tests/test_month_words.py; a thirteenth month by name is still no month.)
@pytest.mark.parametrize("arg", ["2026-13", "13月", "26"])
async def test_honours_bad_argument_explains_usage(bot, chat, arg):
    await kudo(bot, "grace", f"/honours {arg}", group=False)
    assert chat.last("grace").startswith("Usage: /honours for last month, /honours 2026-11 for")


@pytest.mark.parametrize(("key", "arg", "expected"), [
    ("grace", "Q4", "Honour rolls are by month or by year, not by quarter: /honours for last "
                    "month, /honours 2026-11 for a month, or /honours 2026 for a whole year. "
                    "For 2026-Q4's kudos, try /kudos top Q4."),
    ("grace", "2026-Q3", "For 2026-Q3's kudos, try /kudos top 2026-Q3."),
    ("grace", "q4 2025", "For 2025-Q4's kudos, try /kudos top q4 2025."),
    ("li", "第四季度", "荣誉榜按月或按年，不按季度：/honours 查看上个月，/honours 2026-11 "
                      "查看某个月，/honours 2026 查看全年。2026-Q4 的点赞请用 /kudos top "
                      "第四季度 查看。"),
])
async def test_honours_for_a_quarter_says_rolls_are_monthly_and_points_to_the_board(
        bot, chat, key, arg, expected):
    """`/honours Q4` got the bare usage line, as if Q4 were a slip: the user meant a
    quarter, which /honours has no roll for; the board of that quarter is /kudos top's,
    and the reply says so with the words they typed (read the same way there)."""
    await kudo(bot, key, f"/honours {arg}", group=False)
    assert expected in chat.last(key)
    await kudo(bot, key, f"/kudos top {arg}", group=False)  # the pointer leads to a board
    assert "Q" in chat.last(key) and "Usage" not in chat.last(key) and "用法" not in chat.last(key)


@pytest.mark.parametrize(("key", "arg", "expected"), [
    # To this year: 2027 (next year, let through) has not begun and says so.
    ("grace", "0000", "Honour rolls go from 2000 to 2026. Try /honours 2026-11 for a month "
                      "or /honours 2026 for a year."),
    ("grace", "9999-12", "Honour rolls go from 2000 to 2026"),
    ("grace", "0001-01", "Honour rolls go from 2000 to 2026"),
    ("li", "0000", "荣誉榜可查看 2000 年到 2026 年"),
])
async def test_honours_for_a_year_out_of_range_says_which_years_work(bot, chat, key, arg,
                                                                      expected):
    # Year 0 and 9999-12 had answered "something went wrong"; year 1 an empty
    # "Honour roll — January 1".
    await kudo(bot, key, f"/honours {arg}", group=False)
    assert expected in chat.last(key)
    assert "went wrong" not in chat.last(key) and "出错" not in chat.last(key)


TWINS = NAMESAKES


@pytest.fixture
def twins(settings, clock, tmp_path):
    """The test org with two members of China both called 王伟 (a common name)."""
    from bot.app import prepare
    from tests.support import TEST_ORG

    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", TWINS + "# Company values"), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


async def test_two_people_with_the_same_name_are_not_added_up(twins):
    bot, chat = twins
    # Each 王伟 receives 2 kudos and gives 2; 李雷 receives 3, Grace gives 3.
    await kudo(bot, "grace", "/kudos @li @wangwei @wangwei2 for the Acme renewal")
    await kudo(bot, "alice", "/kudos @wangwei for the translation work")
    await kudo(bot, "bruno", "/kudos @wangwei2 for the tender documents")
    await kudo(bot, "wangwei", "/kudos @li @alice 帮忙准备投标材料")
    await kudo(bot, "wangwei2", "/kudos @li @sam 帮忙准备投标材料")
    await kudo(bot, "li", "/honours 2026-11", group=False)
    roll = chat.last("li")
    # It had read "China：王伟 —— 4 次" and "最慷慨：王伟 —— 送出 4 次点赞": nobody had 4.
    assert "• China：李雷 —— 3 次\n" in roll
    assert "最慷慨：Grace Chen —— 送出 3 次点赞" in roll
    assert "4 次" not in roll
    await kudo(bot, "alice", "/kudos @li for the Shanghai visit")  # 李雷 4, Alice gives 2
    await kudo(bot, "grace", "/kudos @wangwei for the Beijing visit")  # 王伟 (@wangwei) 3
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    assert "• China: 李雷 — 4 kudos\n" in chat.last("grace")
    await kudo(bot, "bruno", "/kudos @wangwei2 for the Beijing visit")  # 王伟 (@wangwei2) 3
    await kudo(bot, "alice", "/kudos @wangwei @wangwei2 for the Beijing follow-up")
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    # A tie between namesakes says which is which.
    assert "• China: 李雷, 王伟 (@wangwei) and 王伟 (@wangwei2) — 4 kudos each, a tie" \
        in chat.last("grace")


async def test_the_roll_keys_a_namesake_the_other_of_whom_has_no_kudos(twins):
    # Only one 王伟 earned kudos in November: the roll read "China: 王伟 — 2 kudos", which
    # the team could take for the other 王伟; the board and shout-outs name him by key.
    bot, chat = twins
    await kudo(bot, "grace", "/kudos @wangwei2 for the tender documents")
    await kudo(bot, "alice", "/kudos @wangwei2 for the Beijing visit")
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    assert "• China: 王伟 (@wangwei2) — 2 kudos" in chat.last("grace")
    await kudo(bot, "li", "/honours 2026-11", group=False)
    assert "• China：王伟 (@wangwei2) —— 2 次" in chat.last("li")


async def test_the_leaderboard_tells_namesakes_apart(twins):
    bot, chat = twins
    await kudo(bot, "grace", "/kudos @wangwei @wangwei2 for the Acme renewal")
    await kudo(bot, "alice", "/kudos @wangwei for the translation work")
    await kudo(bot, "li", "/kudos top", group=False)
    # It had read "1. 王伟 —— 2 次 / 2. 王伟 —— 1 次": which 王伟? (With the key as the
    # shout-outs write it, as typed to name them.)
    assert "1. 王伟 (@wangwei) —— 2 次\n2. 王伟 (@wangwei2) —— 1 次" in chat.last("li")
    await kudo(bot, "grace", "/kudos top", group=False)
    assert "1. 王伟 (@wangwei) — 2\n2. 王伟 (@wangwei2) — 1" in chat.last("grace")
    assert "1. Grace Chen — 2" in chat.last("grace")  # no namesake: the name alone


async def test_a_month_or_year_to_come_has_no_roll_and_says_so(bot, chat, clock):
    """`/honours 2027-03` on 1 December 2026 answered "No kudos were given in March 2027. A
    quiet month", as of a month gone by; `/monthly 2027-01` showed an overview of it, every
    director at "no check-ins asked"."""
    from datetime import UTC, datetime

    from tests.support import say

    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/honours 2027-03")
    assert chat.last("grace") == ("2027-03 has not begun yet, so it has no honour roll. "
                                  "/honours shows last month's, /honours 2026 this year's so far.")
    await say(bot, "li", "/honours 2027年")
    assert chat.last("li") == ("2027 还没有开始，所以没有荣誉榜。/honours 查看上个月的，"
                               "/honours 2026 查看今年到目前为止的。")
    await say(bot, "grace", "/monthly 2027-01")
    assert chat.last("grace") == (
        "2027-01 has not begun yet: a month's review comes on the first working day after it "
        "ends. /monthly shows 2026-11, the last month reviewed.")
    await say(bot, "grace", "/honours 2026-12")  # the month in progress: its roll so far
    assert chat.last("grace").startswith("🏆 Honour roll — December 2026 (so far)")


async def test_one_kudo_is_counted_as_one_not_as_1_kudos(bot, chat, clock):
    """'1 kudos in all', 'Sam Lee — 1 kudos', '1 kudos given': the count and its word agree
    in English, as in '2 kudos'; the monthly review's recognition line too."""
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    roll = chat.last("grace")
    assert "1 kudo in all.\n" in roll
    assert "• East: Sam Lee — 1 kudo\n" in roll
    assert "Team of the month: East — 1 kudo received" in roll
    assert roll.endswith("Most generous: Grace Chen — 1 kudo given\nMonth counted midnight to "
                         "midnight in the org's time (America/New_York); a tie names everyone "
                         "on it, by name.")
    await kudo(bot, "alice", "/kudos @sam for the demo")
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    roll = chat.last("grace")
    assert "2 kudos in all.\n" in roll and "• East: Sam Lee — 2 kudos\n" in roll


async def test_the_channel_roll_is_in_the_language_most_of_the_org_reads(bot, chat, clock):
    """The roll in the channel was in the GM's language from the org file: an org reading
    Chinese got it in English. It follows the language most people reachable there read
    (their /language choice too); the GM's own copy stays in the GM's language."""
    with_honours_channel(bot)
    for key in ("alice", "bruno", "sam"):  # with Li, four of the six read Chinese
        await say(bot, key, "/language 中文")
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    assert chat.last("honours").startswith("🏆 荣誉榜 —— 2026年11月")
    assert "最常提及的价值观：客户第一 —— 3 次" in chat.last("honours")
    assert chat.last("grace").startswith("🏆 Honour roll — November 2026")


async def test_org_locale_sets_the_channel_rolls_language(bot, chat, clock):
    with_honours_channel(bot)
    bot.org = replace(bot.org, locale="en")
    for key in ("alice", "bruno", "sam"):
        await say(bot, key, "/language 中文")
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    assert chat.last("honours").startswith("🏆 Honour roll — November 2026")


async def test_a_tie_in_the_channels_languages_goes_to_the_gms(bot, chat, clock):
    with_honours_channel(bot)
    for key in ("alice", "sam"):  # three read Chinese, three English, the GM among them
        await say(bot, key, "/language 中文")
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    assert chat.last("honours").startswith("🏆 Honour roll — November 2026")


def test_org_locale_must_be_a_language_the_bot_writes():
    text = TEST_ORG.read_text(encoding="utf-8").replace("  name: Test Sales\n",
                                                        "  name: Test Sales\n  locale: fr\n")
    with pytest.raises(OrgError, match=r"org.locale: 'fr' is not supported"):
        parse_org(text)
    assert parse_org(text.replace("locale: fr\n", "locale: zh\n")).locale == "zh-CN"


async def test_a_roll_refused_on_one_platform_is_reported_where_the_gm_reads(
        bot, chat, clock):
    """The roll goes to a Slack channel that refuses it for good, while the GM's DMs go
    to another platform (the console here; Telegram alike): she is told there, not in a
    Slack DM she does not read, nor not at all."""
    from bot.adapters.base import DeliveryError

    slack = RecordingAdapter(platform="slack", fail_next=[
        DeliveryError("Slack chat.postMessage: is_archived", permanent=True)])
    bot.register(slack)  # after the console: Grace's DMs go to the console
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"slack": "C0HONOURS"}))
    clock.set(DEC_1_9AM_NY)
    await running_since(bot, clock)  # a fresh install posts no roll of a month before it
    chat.clear()
    assert await bot.run_honours()
    await bot.deliver()

    assert slack.sent == []
    roll, note = chat.to("grace")
    assert roll.startswith("🏆 Honour roll — November 2026")
    assert note.startswith("⚠️ I could not post the honour roll of November 2026 in its "
                           "channel (C0HONOURS, org.kudos.honours_channel.slack in the org "
                           "file): Slack refused it")


async def test_the_monthly_job_builds_each_language_of_the_roll_once(bot, chat, clock,
                                                                      monkeypatch):
    """The roll reads every kudos of the month's people (their names, namesakes): the job
    built the GM's twice (the DM, and the copy its channel's note of a refused post would
    repeat) and the channel's again though in the same language. Once per language."""
    import handlers.honours as honours

    built: list[str] = []
    real = honours.build_roll

    def counted(rows, org, locale, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(locale)
        return real(rows, org, locale, *args, **kwargs)

    monkeypatch.setattr(honours, "build_roll", counted)
    with_honours_channel(bot)
    # Running since October: a fresh install posts no roll of a month before it.
    await running_since(bot, clock, ago=timedelta(weeks=8))
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    assert chat.last("honours") == chat.last("grace")  # the same roll, in English
    assert built == ["en"]
    built.clear()
    bot.org = replace(bot.org, locale="zh-CN")  # the channel's in Chinese, the GM's not
    clock.set(DEC_1_9AM_NY.replace(month=11, day=2))  # a month earlier: October's roll
    chat.clear()
    assert await bot.run_honours()
    assert chat.last("honours").startswith("🏆 荣誉榜 —— 2026年10月")
    assert chat.last("grace").startswith("🏆 Honour roll — October 2026")
    assert sorted(built) == ["en", "zh-CN"]


async def test_the_readmes_example_roll_is_the_one_the_bot_posts(settings, clock, tmp_path):
    """README, *Honours*: the example roll of November 2026 (12 kudos; 李雷 3 in China;
    Alice and Sam tied at 4 in East, the team of the month with 8; Customer first cited
    7 times; Grace the most generous with 5), in English and in Chinese, is what
    `/honours 2026-11` reads for kudos that add up so, word for word, with its closing line."""
    from tests.support import bot_on_org

    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text().replace("  - key: vera\n", (
        "  - key: mei\n    name: 韩梅梅\n    role: member\n    manager: li\n    team: China\n"
        "    timezone: Asia/Shanghai\n    locale: zh-CN\n    slack_id: U0MEI\n"
        "  - key: vera\n"), 1), encoding="utf-8")
    with bot_on_org(settings, clock, org_file) as (bot, chat, _):
        # Running all November: the example is a whole month's roll (one of a month it
        # first ran in says from when it counted: tests/test_first_weeks.py).
        await running_since(bot, clock, timedelta(weeks=6))
        for typed in ("@alice @sam for closing Acme #customer-first",
                      "@alice @sam for the renewal plan #customer-first",
                      "@li 拿下了 Acme 大单 #customer-first"):
            await kudo(bot, "grace", f"/kudos {typed}")
        await kudo(bot, "bruno", "/kudos @alice @sam for the Rome demo #customer-first")
        await kudo(bot, "vera", "/kudos @alice @sam for the quick turnaround")
        await kudo(bot, "alice", "/kudos @li 帮忙准备投标材料")
        await kudo(bot, "sam", "/kudos @li for the pricing review")
        await kudo(bot, "li", "/kudos @mei 帮忙翻译合同")
        clock.set(DEC_1_9AM_NY + timedelta(days=1))
        await say(bot, "grace", "/honours 2026-11")
        assert chat.last("grace") == (
            "🏆 Honour roll — November 2026\n"
            "12 kudos in all.\n"
            "Most recognised, per team\n"
            "• China: 李雷 — 3 kudos\n"
            "• East: Alice Martin and Sam Lee — 4 kudos each, a tie\n"
            "Team of the month: East — 8 kudos received\n"
            "Most cited value: Customer first — 7 times\n"
            "Most generous: Grace Chen — 5 kudos given\n"
            "Month counted midnight to midnight in the org's time (America/New_York); a tie "
            "names everyone on it, by name.")
        await say(bot, "li", "/honours 2026-11")
        assert chat.last("li") == (
            "🏆 荣誉榜 —— 2026年11月\n"
            "共 12 次点赞。\n"
            "各团队最受认可\n"
            "• China：李雷 —— 3 次\n"
            "• East：Alice Martin、Sam Lee —— 4 次（并列）\n"
            "月度最佳团队：East —— 收到 8 次点赞\n"
            "最常提及的价值观：客户第一 —— 7 次\n"
            "最慷慨：Grace Chen —— 送出 5 次点赞\n"
            "月份按组织时区（America/New_York）从午夜到午夜计算；并列时按姓名列出所有人。")
