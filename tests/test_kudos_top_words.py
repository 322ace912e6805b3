"""`/kudos top` and `/honours` asked with words they had read wrongly, from the asker's
side: two teams ('团队 China 团队 East') silently gave the last one's board; a period other
commands read ('last 4w', W48, 2026, today) and `/honours team East` got the bare usage;
a month not begun asked with a team that is none said "not begun" before "no such team".
"""

from __future__ import annotations

from tests.test_kudos import kudo

_PERIODS = ("/kudos top reads week, month, quarter, year (this one, or the one before: "
            "last month), all, or a month or a quarter by its name (December, 2026-12, Q4).")


async def test_two_teams_are_refused_naming_both_in_either_language(bot, chat):
    await kudo(bot, "grace", "/kudos top team China team East", group=False)
    assert chat.last("grace") == (
        "A leaderboard is one team's, and you named two: China and East. Ask for each on its "
        "own: /kudos top team China, /kudos top team East; every team together: /kudos top.")
    await kudo(bot, "li", "/kudos top 团队 China 团队 East", group=False)
    assert chat.last("li") == (
        "排行榜一次只看一个团队，你写了两个：China 和 East。请分别查看：/kudos top 团队 China、"
        "/kudos top 团队 East；所有团队一起：/kudos top。")
    # One team written twice (in two letter cases) is still one board.
    await kudo(bot, "grace", "/kudos top team east team East", group=False)
    assert chat.last("grace").startswith("Kudos leaderboard — this month (since 2026-11-01), "
                                         "team East")


async def test_the_boards_offered_for_two_teams_keep_the_period_and_value_asked(bot, chat):
    # The commands offered are the ones the asker meant, one team each: 'quarter' and
    # 'value ownership' had been dropped, so the boards offered were this month's, every
    # value.
    await kudo(bot, "grace", "/kudos top quarter team China team East value ownership",
               group=False)
    assert chat.last("grace") == (
        "A leaderboard is one team's, and you named two: China and East. Ask for each on its "
        "own: /kudos top quarter value ownership team China, /kudos top quarter value "
        "ownership team East; every team together: /kudos top quarter value ownership.")
    await kudo(bot, "grace", "/kudos top quarter value ownership team East", group=False)
    assert chat.last("grace").startswith("Kudos leaderboard — this quarter")
    await kudo(bot, "li", "/kudos top 本季度 团队 China 团队 East", group=False)
    assert chat.last("li") == (
        "排行榜一次只看一个团队，你写了两个：China 和 East。请分别查看：/kudos top 本季度 团队 "
        "China、/kudos top 本季度 团队 East；所有团队一起：/kudos top 本季度。")


async def test_a_count_of_weeks_is_told_what_a_board_counts(bot, chat):
    await kudo(bot, "grace", "/kudos top last 4w team East", group=False)
    assert chat.last("grace") == (
        "A leaderboard counts a whole period, not a number of weeks, so I can't read last 4w "
        "here: /kudos top week is this week's, /kudos top last week last week's, /kudos top "
        "month this month's. " + _PERIODS)
    await kudo(bot, "li", "/kudos top 最近4周", group=False)
    assert chat.last("li").startswith("排行榜按完整的时段统计，不按周数，所以这里读不懂 最近4周："
                                      "/kudos top 本周 查看本周的")


async def test_a_week_by_its_number_a_year_and_a_day_are_each_told_why(bot, chat):
    await kudo(bot, "grace", "/kudos top W48", group=False)
    assert chat.last("grace").startswith(
        "A leaderboard counts this week or the one before, not a week by its number, so I "
        "can't read W48 here: /kudos top week is this week's, /kudos top last week last week's.")
    await kudo(bot, "grace", "/kudos top 2026", group=False)
    assert chat.last("grace").startswith(
        "A leaderboard counts the org's (fiscal) year, not a year by its number, so I can't "
        "read 2026 here: /kudos top year is this year's, /kudos top last year last year's; a "
        "calendar year's honour roll: /honours 2026.")
    await kudo(bot, "grace", "/kudos top today", group=False)
    assert chat.last("grace") == (
        "A leaderboard counts a week at the shortest, so I can't read today here: /kudos top "
        "week is this week's; your own kudos: /kudos me. " + _PERIODS)
    await kudo(bot, "li", "/kudos top 第48周", group=False)
    assert chat.last("li").startswith("排行榜统计本周或上周，不按周次编号，所以这里读不懂 第48周")
    await kudo(bot, "li", "/kudos top 今天", group=False)
    assert chat.last("li").startswith("排行榜最短按一周统计，所以这里读不懂 今天")
    # Words that name no period at all still get the usage.
    await kudo(bot, "grace", "/kudos top decade", group=False)
    assert chat.last("grace").startswith("Usage: /kudos top [week|month|quarter|year|all]")


async def test_a_team_that_is_none_is_said_before_a_month_not_begun(bot, chat):
    await kudo(bot, "grace", "/kudos top 2027-03 team Nowhere", group=False)
    assert chat.last("grace") == "There is no team Nowhere. Teams: China, East, Europe."
    await kudo(bot, "grace", "/kudos top 2027-03 team East", group=False)  # a team: as before
    assert chat.last("grace").startswith("March 2027 has not begun yet, so it has no kudos.")
    await kudo(bot, "grace", "/honours 2027-03 team Nowhere", group=False)
    assert chat.last("grace") == (
        "There is no team Nowhere. Teams: China, East, Europe. An honour roll names each "
        "team's most recognised people; one team's leaderboard: /kudos top team NAME.")
    await kudo(bot, "li", "/honours 2027-03 团队 Nowhere", group=False)
    assert chat.last("li").startswith("没有名为 Nowhere 的团队。现有团队：China、East、Europe。")


async def test_honours_of_a_team_points_to_that_teams_board(bot, chat):
    # 2026-11-27: /honours alone is October's roll; the team's board of that month.
    await kudo(bot, "grace", "/honours team East", group=False)
    assert chat.last("grace") == (
        "An honour roll is the whole org's: it names the most recognised people of each team, "
        "East among them, so it takes no team. For East's own leaderboard: /kudos top 2026-10 "
        "team East.")
    await kudo(bot, "li", "/honours 2026 团队 China", group=False)
    assert chat.last("li") == (
        "荣誉榜是全组织的：它列出每个团队（包括 China）获赞最多的人，所以不按团队查看。China "
        "自己的排行榜：/kudos top 今年 团队 China。")
    # The board it points to is one /kudos top reads.
    await kudo(bot, "grace", "/kudos top 2026-10 team East", group=False)
    assert chat.last("grace").startswith("Kudos leaderboard — October 2026")
