"""Chat replies that list people or items stay readable in a large org: a few named, the
rest counted, and where to see them; a small org reads as before."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from bot.app import prepare
from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.support import RecordingAdapter, bot_on_org, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_kudos import kudo
from tests.test_pulse import pclock  # noqa: F401 (the pulse tests' clock)
from tests.test_summary_pages import (
    big,  # noqa: F401 (the 45-director org)
    director,
    grown_org,
)

WIDE = 30  # directors d01 ... d30 in team East, with Alice: 31
MEMBERS = 14  # m01 ... m14 reporting to Alice, with Sam: 15 pairs in her team
# Their one-on-ones are on Monday (asked about, never confirmed: overdue by Wednesday);
# everyone else's on Tuesday, which nobody is asked about here.
MONDAY = ["d27", "d28", "d29", "d30", "m13", "m14"]


def wide_org(tmp_path: Path, locale: str = "en") -> Path:
    """The test org with 30 more directors in East and 14 more members under Alice."""
    members = [{"key": f"m{i:02d}", "name": f"Member {i:02d}", "role": "member",
                "manager": "alice", "team": "East", "timezone": "America/New_York",
                "locale": "en"} for i in range(1, MEMBERS + 1)]
    return grown_org(tmp_path / "wide.yaml", locale,
                     [director(i, "East") for i in range(1, WIDE + 1)] + members,
                     oneonones={"default": {"cadence": "weekly", "day": "tue", "time": "10:00",
                                            "duration": 30},
                                "pairs": [{"report": k, "day": "mon"} for k in MONDAY]})


@pytest.fixture
def wide(request, settings, clock, tmp_path) -> Iterator[tuple]:
    """A bot on the wide org (the GM in English, or the fixture's parameter) and a chat."""
    with bot_on_org(settings, clock, wide_org(tmp_path, getattr(request, "param", "en"))) as made:
        yield made


async def monday_pairs_overdue(bot, clock) -> None:
    """Monday's one-on-ones are asked about and never confirmed; it is Wednesday now."""
    clock.set(MONDAY_SLOT + timedelta(hours=2))
    await bot.run_oneonones()
    clock.set(MONDAY_SLOT + timedelta(days=2))


def overview_of(text: str, heading: str = "One-on-ones") -> str:
    return text.split(heading, 1)[1]


def director_blocks(overview: str) -> list[str]:
    return [b.strip().splitlines()[0] for b in overview.split("\n\n")
            if b.strip().startswith(("Director ", "Alice Martin"))]


# --- the one-on-one overview in a team's summary ---------------------------------------------

async def test_a_wide_teams_one_on_ones_show_twenty_directors_overdue_first(wide, clock):
    bot, chat, _settings = wide
    await monday_pairs_overdue(bot, clock)
    await say(bot, "grace", "/summary team East")
    overview = overview_of(chat.last("grace"))
    shown = director_blocks(overview)
    # Twenty of the 31 directors: the five with something overdue first, in the file's order.
    assert len(shown) == 20
    assert shown[:5] == ["Alice Martin", "Director 27", "Director 28", "Director 29",
                         "Director 30"]
    assert shown[5:] == [f"Director {i:02d}" for i in range(1, 16)]
    assert overview.rstrip().splitlines()[-1] == (
        "Directors: 20 of 31 shown, the 5 with something overdue first · "
        "/summary <person> for one director · teampulse oneonones for all of them")
    # Alice's team: ten of her fifteen one-on-ones, the two overdue first, then a count.
    alice = overview.split("Alice Martin", 1)[1].split("action items", 1)[0].splitlines()
    team = [x for x in alice if "their 1:1 with " in x]
    assert len(team) == 10
    assert "Member 13" in team[0] and "overdue" in team[0]
    assert "Member 14" in team[1] and "overdue" in team[1]
    assert not any("overdue" in x for x in team[2:])
    assert "and 5 more of their team's 1:1s" in alice
    # 31 blocks and 15 pairs had been 4,974 characters (~110 a director: 10,000 of them
    # would be 1.1 MB in one message); now 3,430, and no more however wide the team.
    assert len(overview) < 4_000


@pytest.mark.parametrize("wide", ["zh-CN"], indirect=True)
async def test_the_wide_overview_in_chinese(wide, clock):
    bot, chat, _settings = wide
    await monday_pairs_overdue(bot, clock)
    await say(bot, "grace", "/summary team East")
    overview = overview_of(chat.last("grace"), "一对一面谈")
    assert len(director_blocks(overview)) == 20
    assert overview.rstrip().splitlines()[-1] == (
        "总监：显示 20 位，共 31 位，有逾期事项的 5 位在前 · 查看单个总监：/summary <成员> · "
        "查看全部：teampulse oneonones")
    assert "与下属的另外 5 场一对一" in overview


async def test_the_cli_still_lists_every_director_and_pair(wide, clock):
    bot, _chat, settings = wide
    await monday_pairs_overdue(bot, clock)
    code, text = run_cli(settings, "oneonones")
    assert code == 0
    assert all(f"Director {i:02d}" in text for i in range(1, WIDE + 1))
    assert text.count("their 1:1 with ") == MEMBERS + 1
    assert " shown" not in text and "more of their team" not in text


async def test_a_small_teams_overview_has_no_count_or_footer(bot, chat):
    await say(bot, "grace", "/summary team East")
    overview = overview_of(chat.last("grace"))
    assert "their 1:1 with Sam Lee" in overview
    assert " shown" not in overview and "more of their team" not in overview


# --- /support for the GM of a large org ------------------------------------------------------

BUDGET = ["41000", "Signed Rome", "none", "2", "Trade fair budget", "Keep going", "3"]


async def many_requests(bot, clock) -> None:
    """30 budget requests a week old (ageing), then 12 new ones: 42 open."""
    await bot.run_checkins([f"d{i:02d}" for i in range(1, 31)])
    for i in range(1, 31):
        await answer_all(bot, f"d{i:02d}", BUDGET)
    clock.advance(timedelta(days=8))
    await bot.run_checkins([f"d{i:02d}" for i in range(31, 43)])
    for i in range(31, 43):
        await answer_all(bot, f"d{i:02d}", BUDGET)


def numbers(text: str) -> list[int]:
    return [int(x.split()[1].lstrip("#")) for x in text.splitlines() if x.startswith("• #")]


async def test_support_for_a_large_org_lists_twenty_oldest_first_then_where_the_rest_are(
        big, clock):  # noqa: F811
    bot, chat = big
    await many_requests(bot, clock)
    await say(bot, "grace", "/support")
    text = chat.last("grace")
    assert numbers(text) == list(range(1, 21))
    assert text.splitlines()[-1] == (
        "Requests 1–20 of 42 (30 ⚠️ ageing) · next page: /support page 2 · /support N for one")
    # All 42 had been 3,389 characters (~80 a request with a short detail: 800,000 for
    # 10,000 open); a page is 1,824.
    assert len(text) < 2_500
    await say(bot, "grace", "/support page 3")
    text = chat.last("grace")
    assert numbers(text) == [41, 42]
    assert text.splitlines()[-1] == "Requests 41–42 of 42 (30 ⚠️ ageing) · /support N for one"
    await say(bot, "grace", "/support list page 2")
    assert numbers(chat.last("grace")) == list(range(21, 41))
    await say(bot, "grace", "/support page 4")
    assert chat.last("grace") == ("There is no page 4: the open support requests fill 3 "
                                  "pages. The last one is /support page 3.")
    await say(bot, "grace", "/support page two")
    assert chat.last("grace").startswith("Usage: /support lists open requests, 20 a page")


@pytest.mark.parametrize("big", ["zh-CN"], indirect=True)
async def test_support_pages_in_chinese(big, clock):  # noqa: F811
    bot, chat = big
    await many_requests(bot, clock)
    await say(bot, "grace", "/support")
    text = chat.last("grace")
    assert len(numbers(text)) == 20
    assert text.splitlines()[-1] == (
        "请求 1–20，共 42 条（30 条 ⚠️ 已积压） · 下一页：/support page 2 · 查看一条：/support 编号")
    await say(bot, "grace", "/support page 5")
    assert chat.last("grace") == \
        "没有第 5 页：未解决的支持请求共 3 页，最后一页是 /support page 3。"


async def test_support_in_a_small_org_is_one_list_without_a_footer(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/support")
    text = chat.last("grace")
    assert numbers(text) == [1]
    # Nothing is ageing, so no legend for a mark no row carries: the GM's commands close it.
    assert text.splitlines()[-1].startswith("/support ack N")
    assert "ageing" not in text
    await say(bot, "grace", "/support page 2")
    assert chat.last("grace") == ("There is no page 2: the open support requests fill 1 "
                                  "page. The last one is /support.")


# --- lists of teams in "there is no team" replies ---------------------------------------------

TEAMS = 42  # d01 ... d42, each the one director of team T01 ... T42: 45 teams with the three


@pytest.fixture
def many_teams(request, settings, clock, tmp_path) -> Iterator[tuple]:
    """A bot on the test org plus 42 one-director teams (the GM in English, or the
    fixture's parameter) and a chat."""
    path = grown_org(tmp_path / "teams.yaml", getattr(request, "param", "en"), [
        {"key": f"d{i:02d}", "name": f"Director {i:02d}", "role": "director", "manager": "grace",
         "team": f"T{i:02d}", "timezone": "America/New_York", "locale": "en"}
        for i in range(1, TEAMS + 1)])
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


# Ten of the 45 (the one typed, T-42 for T42, among them), then how many more.
TEN = "China, East, Europe, T01, T02, T03, T04, T05, T06, T42 and 35 more"


@pytest.mark.parametrize(("typed", "expected"), [
    ("/summary team T-42", 'There is no team called "T-42". Did you mean T42 '
                           f"(/summary team T42)? Teams: {TEN}."),
    ("/kudos top team T-42", "There is no team T-42. Did you mean T42 (/kudos top team T42)? "
                             f"Teams: {TEN}."),
    ("/checkin send team T-42", 'There is no team called "T-42". Did you mean T42 '
                                f"(/checkin send team T42)? Nothing was sent. Teams: {TEN}."),
    ("/pulse results team T-42", "There is no team called T-42. Did you mean T42 (/pulse results "
                                 f"team T42)? Teams: {TEN}."),
    ("/goals team T-42", "I don't know T-42. Did you mean T42 (/goals team T42)? Otherwise, give "
                         f"a person's key or name, or a team ({TEN}), for example /goals alice "
                         "or /goals team East."),
])
async def test_an_unknown_team_names_ten_teams_the_likeliest_among_them(
        many_teams, typed, expected):
    bot, chat = many_teams
    await say(bot, "grace", typed)
    assert chat.last("grace") == expected


@pytest.mark.parametrize("many_teams", ["zh-CN"], indirect=True)
async def test_an_unknown_team_in_chinese(many_teams):
    bot, chat = many_teams
    ten = "China、East、Europe、T01、T02、T03、T04、T05、T06、T42 等另外 35 个"
    await say(bot, "grace", "/summary team T-42")
    assert chat.last("grace") == \
        f"没有名为“T-42”的团队。你是指 T42（/summary team T42）吗？现有团队：{ten}。"
    await say(bot, "grace", "/kudos top team T-42")
    assert chat.last("grace") == \
        f"没有名为 T-42 的团队。你是指 T42（/kudos top team T42）吗？现有团队：{ten}。"
    await say(bot, "grace", "/pulse results team T-42")
    assert chat.last("grace") == \
        f"没有名为 T-42 的团队。你是指 T42（/pulse results team T42）吗？现有团队：{ten}。"


def pulse_org(database_url, clock, tmp_path, extra: list[dict], locale: str = "en") -> tuple:
    """A bot on the pulse tests' org with `extra` people (New York, English, no check-in)
    and the GM reading in `locale`: the bot, its chat, its engine and its settings."""
    from tests.test_pulse import PULSE_ORG

    data = yaml.safe_load(PULSE_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == "grace":
            person["locale"] = locale
    data["people"] += [{"timezone": "America/New_York", "locale": "en", "checks_in": False,
                        **person} for person in extra]
    path = tmp_path / "pulse.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, chat, engine, settings


async def test_a_morale_chart_names_ten_hidden_teams_then_how_many_more(
        database_url, pclock, tmp_path):  # noqa: F811
    from bot.charts import chart_data_for
    from tests.test_pulse import PREVIOUS_POLL_DAY, run_poll

    # Twelve more teams of one director, each below the anonymity threshold (5) like West (4).
    bot, chat, engine, _settings = pulse_org(database_url, pclock, tmp_path, [
        {"key": f"s{i:02d}", "name": f"Solo {i:02d}", "role": "director", "team": f"S{i:02d}"}
        for i in range(1, 13)])
    try:
        everyone = [p.key for p in bot.org.people]
        await run_poll(bot, chat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
        with bot.unit() as ctx:
            en = chart_data_for(ctx.session, ctx.org, "morale", "en",
                                end_week=date(2026, 11, 23), weeks=4)
            zh = chart_data_for(ctx.session, ctx.org, "morale", "zh-CN",
                                end_week=date(2026, 11, 23), weeks=4)
    finally:
        engine.dispose()
    # West and the twelve: a one-line note under the chart, not thirteen names.
    assert en.note == ("Hidden for anonymity (fewer than 5 answers, or beside the org's a "
                       "smaller group would show): S01, S02, S03, S04, S05, S06, S07, S08, S09, "
                       "S10 and 3 more")
    assert zh.note == ("为匿名隐藏（回答少于 5 人，或与全组织对照会暴露更小的群体）："
                       "S01、S02、S03、S04、S05、S06、S07、S08、S09、S10 等另外 3 个")


# --- a GM's own one-on-ones when every director reports to them -------------------------------

def items(text: str, start: str) -> list[str]:
    return [x for x in text.splitlines() if x.startswith(start)]


async def test_the_gms_schedule_shows_the_twenty_soonest_then_how_many_more(big):  # noqa: F811
    bot, chat = big
    await say(bot, "grace", "/1on1")
    text = chat.last("grace")
    assert len(items(text, "Director ")) + len(items(text, "Alice")) + \
        len(items(text, "Bruno")) + len(items(text, "李雷")) == 20
    assert "and 25 more after these (the soonest are shown)" in text
    # All 45 had been 4,874 (~105 a pair: 10,000 pairs, ~1 MB); each of the 20 now also
    # says it is at the same time as the others (all at the default slot), in a few words.
    assert len(text) < 3_600
    assert "at the same time as 19 of your other 1:1s" in text


async def test_the_soonest_one_on_ones_come_first_when_they_do_not_all_fit(wide):
    bot, chat, _settings = wide
    await say(bot, "grace", "/1on1")
    rows = items(chat.last("grace"), "Director ")
    # Directors 27-30 meet on Monday, everyone else on Tuesday: theirs lead.
    assert [r.split(":")[0] for r in rows[:4]] == [f"Director {i}" for i in range(27, 31)]
    assert "and 13 more after these" in chat.last("grace")  # of 33


async def test_the_gms_agenda_shows_the_twenty_soonest_and_says_where_the_rest_are(
        big):  # noqa: F811
    bot, chat = big
    await say(bot, "grace", "/agenda")
    text = chat.last("grace")
    assert text.count("1:1 with ") == 20
    assert text.splitlines()[-1] == (
        "Your next 20 one-on-ones of 45; each other one's agenda comes with its reminder. "
        "/agenda add @person … adds to any of them.")


@pytest.mark.parametrize("big", ["zh-CN"], indirect=True)
async def test_the_gms_schedule_and_agenda_in_chinese(big):  # noqa: F811
    bot, chat = big
    await say(bot, "grace", "/1on1")
    assert "以及之后的另外 25 场（只列出最近的）" in chat.last("grace")
    await say(bot, "grace", "/agenda")
    assert chat.last("grace").splitlines()[-1] == (
        "以上是你 45 场一对一面谈中最近的 20 场；其他面谈的议程随各自的提醒发送。"
        "/agenda add @某人 … 可为任意一场添加议程。")
    await say(bot, "grace", "/1on1 skip")
    text = chat.last("grace")
    assert text.startswith("是哪一个一对一面谈？请用 @ 指明：")
    assert text.count("、") == 9 and text.endswith(" 等另外 35 人。")


async def test_which_one_on_one_names_ten_then_how_many_more(big):  # noqa: F811
    bot, chat = big
    await say(bot, "grace", "/1on1 skip")
    text = chat.last("grace")
    assert text.startswith("Which one-on-one? Name the person with @: Alice Martin, ")
    assert text.count(", ") == 9 and text.endswith(" and 35 more.")
    await say(bot, "grace", "/agenda add @sam Pipeline review")
    text = chat.last("grace")
    assert text.startswith("You have no one-on-one with @sam. Yours: ")
    assert text.count(", ") == 9 and text.endswith(" and 35 more.")


async def test_actions_lists_the_twenty_due_first_then_how_many_more(
        settings, clock, tmp_path):
    from tests.test_oneonone import buttons

    bot, engine = prepare(replace(settings, org_file=write_org(tmp_path)), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        clock.set(MONDAY_SLOT + timedelta(minutes=31))
        await bot.run_oneonones()
        yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
        await say(bot, "grace", action=yes)
        await say(bot, "grace", "next")
        for day in range(1, 26):
            await say(bot, "grace", f"Call client {day:02d} 2026-12-{day:02d}")
        await say(bot, "grace", "done")
        await say(bot, "grace", "/actions")
        text = chat.last("grace")
    finally:
        engine.dispose()
    listed = items(text, "#")
    assert len(listed) == 20
    assert listed[0].startswith("#1 Call client 01 — Alice Martin, due ")
    assert listed[-1].startswith("#20 Call client 20 ")
    assert "and 5 more, due later" in text
    assert text.splitlines()[-1] == "/actions done <number> closes one."


# --- /pulse results' comments ----------------------------------------------------------------

async def commented_poll(database_url, clock, tmp_path, n: int, comment: str,
                         locale: str = "en") -> tuple[str, tuple[int, str]]:
    """A poll that `n` members of East answered, each with a comment (`comment` formatted
    with their number), then closed: the GM's /pulse results, and the CLI's (code, text)."""
    from tests.test_pulse import POLL_DAY, answer_all, close

    bot, chat, engine, settings = pulse_org(database_url, clock, tmp_path, [
        {"key": f"n{i:02d}", "name": f"North {i:02d}", "role": "member", "team": "East"}
        for i in range(1, n + 1)], locale=locale)
    try:
        clock.set(POLL_DAY)
        await bot.run_pulse()
        for i in range(1, n + 1):
            await answer_all(bot, chat, f"n{i:02d}", 4, 2, comment.format(i))
        await close(bot, clock)
        await say(bot, "grace", "/pulse results")
        return chat.last("grace"), run_cli(settings, "pulse", "results")
    finally:
        engine.dispose()


async def test_pulse_results_show_twenty_comments_then_how_many_more(
        database_url, pclock, tmp_path):  # noqa: F811
    text, (code, cli) = await commented_poll(database_url, pclock, tmp_path, 25,
                                             "Comment number {:02d}")
    comments = text.split("Comments (anonymous):\n", 1)[1].split("\nResults (and how many", 1)[0]
    lines = comments.splitlines()
    assert len(lines) == 21
    assert lines[:20] == [f"• Comment number {i:02d}" for i in range(1, 21)]
    assert lines[20] == "• … and 5 more: teampulse pulse results prints every one"
    # The CLI is the full listing.
    assert code == 0 and all(f"Comment number {i:02d}" in cli for i in range(1, 26))
    assert "more: teampulse pulse results" not in cli


async def test_pulse_results_comments_in_chinese(database_url, pclock, tmp_path):  # noqa: F811
    text, _cli = await commented_poll(database_url, pclock, tmp_path, 22, "意见 {:02d}",
                                      locale="zh-CN")
    assert text.count("• 意见 ") == 20
    assert "• …… 另有 2 条：teampulse pulse results 可列出全部\n" in text


# --- /goals: self-reported figures that differ from the CRM ----------------------------------

@pytest.mark.parametrize(("locale", "first", "more"), [
    ("en", "⚑ Director 01, 2026-W48: CRM 52,000, self-reported 45,000 (more than 10% apart; "
           "the CRM figure counts)",
     "⚑ … and 15 more self-reported figures that differ from the CRM; /goals <person> shows "
     "one person's"),
    ("zh-CN", "⚑ Director 01，2026-W48：CRM 52,000，自报 45,000（相差超过 10%，以 CRM 数字为准）",
     "⚑ ……另有 15 条自报数字与 CRM 不符；/goals <成员> 可查看某个人的"),
])
async def test_goals_flag_ten_differing_figures_then_how_many_more(
        settings, clock, tmp_path, locale, first, more):
    from bot.crm_import import import_actuals
    from bot.org import parse_org
    from tests.test_goals import GOALS, NOW, answer_kpi
    from tests.test_summary_pages import big_org

    path = big_org(tmp_path, locale)
    path.write_text(path.read_text(encoding="utf-8") + GOALS, encoding="utf-8")
    settings = replace(settings, org_file=path)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    bot.org = parse_org(path.read_text(encoding="utf-8"))
    clock.set(NOW)
    # 25 directors typed 45,000 for a week the CRM says 52,000: more than 10% apart.
    rows = ['"Opportunity Owner","Account Name","Opportunity Name","Stage","Fiscal Period",'
            '"Amount","Probability (%)","Close Date","Created Date","Lead Source","Type"']
    for i in range(1, 26):
        answer_kpi(bot, f"d{i:02d}", "2026-W48", 45_000)
        rows.append(f'"Director {i:02d}","Acme","Acme {i}","Closed Won","Q4-2026","52,000.00",'
                    '"100","11/24/2026","10/02/2026","Web","New Customer"')
    try:
        with bot.unit() as ctx:
            import_actuals(ctx.session, "export.csv", "\n".join(rows).encode(), bot.org.crm,
                           [(p.key, p.name) for p in bot.org.people], NOW)
        await say(bot, "grace", "/goals")
        text = chat.last("grace")
        code, cli = run_cli(settings, "goals")
    finally:
        engine.dispose()
    flags = [x.strip() for x in text.splitlines() if x.strip().startswith("⚑")]
    assert len(flags) == 11
    assert flags[0] == first and flags[10] == more
    # The CLI lists them all.
    assert code == 0 and cli.count("⚑ Director ") == 25 and "⚑ …" not in cli


# --- the honour roll --------------------------------------------------------------------------

async def twelve_kudos(bot) -> None:
    """d01 ... d12 each thank one of d13 ... d24: twelve teams with one kudos each, and
    twelve givers tied as the most generous."""
    for i in range(1, 13):
        await kudo(bot, f"d{i:02d}", f"/kudos @d{i + 12:02d} for the help with the tender")


async def test_the_honour_roll_names_ten_teams_and_ten_of_a_tie(many_teams):
    bot, chat = many_teams
    await twelve_kudos(bot)
    await say(bot, "grace", "/honours 2026-11")
    text = chat.last("grace")
    teams = [x for x in text.splitlines() if x.startswith("• T")]
    assert len(teams) == 10
    assert "• … and 2 more teams" in text
    assert "Most recognised, per team (the 10 teams whose best received the most)" in text
    generous = next(x for x in text.splitlines() if x.startswith("Most generous: "))
    assert generous == ("Most generous: Director 01, Director 02, Director 03, Director 04, "
                        "Director 05, Director 06, Director 07, Director 08, Director 09, "
                        "Director 10 and 2 more — 1 kudo given each, a tie")
    best = next(x for x in text.splitlines() if x.startswith("Team of the month: "))
    assert best.endswith(" and 2 more — 1 kudo received each, a tie")
    # A second kudos for Director 24 puts T24, last by name, first among the ten.
    await kudo(bot, "grace", "/kudos @d24 for the Rome deal")
    await say(bot, "grace", "/honours 2026-11")
    teams = [x for x in chat.last("grace").splitlines() if x.startswith("• T")]
    assert teams[0] == "• T24: Director 24 — 2 kudos" and len(teams) == 10


async def test_one_team_past_the_ten_is_one_more_team(many_teams):
    # "… and 1 more teams": a count and its word agree in English wherever a number is
    # said (the README), here too.
    bot, chat = many_teams
    for i in range(1, 12):
        await kudo(bot, f"d{i:02d}", f"/kudos @d{i + 12:02d} for the help with the tender")
    await say(bot, "grace", "/honours 2026-11")
    text = chat.last("grace")
    assert len([x for x in text.splitlines() if x.startswith("• T")]) == 10
    assert "• … and 1 more team\n" in text


@pytest.mark.parametrize("many_teams", ["zh-CN"], indirect=True)
async def test_the_honour_roll_in_chinese(many_teams):
    bot, chat = many_teams
    await twelve_kudos(bot)
    await say(bot, "grace", "/honours 2026-11")
    text = chat.last("grace")
    assert len([x for x in text.splitlines() if x.startswith("• T")]) == 10
    assert "• ……另有 2 个团队" in text
    generous = next(x for x in text.splitlines() if x.startswith("最慷慨："))
    assert generous.count("、") == 9 and " 等另外 2 个 —— 送出 1 次点赞（并列）" in generous


async def test_a_small_honour_roll_reads_as_before(bot, chat):
    await kudo(bot, "alice", "/kudos @bruno for the demo")
    await kudo(bot, "li", "/kudos @bruno for the deck")
    await say(bot, "grace", "/honours 2026-11")
    text = chat.last("grace")
    assert "• Europe: Bruno Rossi — 2 kudos" in text
    assert "Most generous: Alice Martin and 李雷 — 1 kudo given each, a tie" in text
    assert "more" not in text and "(the 10 teams" not in text


# --- the 360° review report -------------------------------------------------------------------

@pytest.mark.parametrize(("big", "more"), [
    ("en", "• … and 5 more: teampulse review prints every comment"),
    ("zh-CN", "• ……另有 5 条：teampulse review 可列出全部评语"),
], indirect=["big"])
async def test_a_review_report_shows_twenty_comments_of_a_group_then_how_many_more(
        big, more):  # noqa: F811
    from bot.org import parse_org

    bot, chat = big
    # Every other director is Alice's peer: 25 of them answer, each with a comment.
    bot.org = parse_org(bot.settings.org_file.read_text(encoding="utf-8") +
                        "reviews:\n  peers: all\n")
    await say(bot, "grace", "/review start alice")
    for i in range(1, 26):
        for text in [f"3 Comment of peer {i:02d}", "3", "3", "3", "3"]:
            await say(bot, f"d{i:02d}", text)
    await say(bot, "grace", "/review close alice")
    report = chat.last("grace")
    lines = report.splitlines()
    start = next(i for i, x in enumerate(lines)
                 if x.startswith(("Comments — peers", "评语 —— 同级")))
    comments = lines[start + 1:start + 22]
    assert sum(1 for x in comments if "Comment of peer" in x) == 20
    assert comments[20] == more
    assert report.count("Comment of peer") == 20


# --- 360° reviews on a schedule for every director ----------------------------------------------

async def test_review_schedule_names_ten_directors_and_ten_open_reviews(big):  # noqa: F811
    from bot.org import parse_org
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

    bot, chat = big
    bot.org = parse_org(bot.settings.org_file.read_text(encoding="utf-8") + QUARTERLY)
    await say(bot, "grace", "/review schedule")
    line = next(x for x in chat.last("grace").splitlines() if x.startswith("• 2027-01-01"))
    assert line.count(", ") == 9 and line.endswith(" and 35 more")
    bot.clock.set(JAN_1_10AM_NY + timedelta(hours=1))
    assert await bot.run_review_schedule() == 45
    await say(bot, "grace", "/review schedule")
    view = chat.last("grace")
    opened = view.split("Open now\n", 1)[1].splitlines()
    assert len(opened) == 12 and all(" — closes 2027-01-15 11:00" in x for x in opened[:10])
    assert opened[10] == "• … and 35 more, closing later"
    assert opened[11].startswith("/review status <director> shows how many answered")


@pytest.mark.parametrize(("locale", "start", "more"), [
    ("en", "Not reachable on any running platform: ", " and 32 more."),
    ("zh-CN", "在任何运行中的平台上都无法联系：", " 等另外 32 人。"),
])
async def test_a_review_start_names_ten_unreachable_then_how_many_more(
        settings, clock, tmp_path, locale, start, more):
    from bot.events import InboundEvent
    from bot.org import parse_org
    from tests.test_summary_pages import big_org

    # Only Slack runs: the 42 extra directors have no Slack id, so these 42 peers (every
    # other director is asked: `peers: all`) cannot be reached; Grace, Bruno, 李雷 and Sam
    # can.
    bot, engine = prepare(replace(settings, org_file=big_org(tmp_path, locale)), clock)
    bot.org = parse_org(bot.settings.org_file.read_text(encoding="utf-8") +
                        "reviews:\n  peers: all\n")
    chat = RecordingAdapter(platform="slack")
    bot.register(chat)
    try:
        await bot.handle(InboundEvent(platform="slack", user_id="U0GRACE", chat_id="D0GRACE",
                                      chat_type="direct", text="/review start alice"))
        line = chat.last("U0GRACE").splitlines()[-1]
    finally:
        engine.dispose()
    sep = ", " if locale == "en" else "、"
    assert line.startswith(start) and line.count(sep) == 9 and line.endswith(more)


# --- the weekly digest's header -------------------------------------------------------------

async def test_the_digest_header_names_ten_who_did_not_answer_then_how_many_more(
        many_teams, clock):
    """README, *Weekly digest*: the header says who has not answered and who was away,
    "ten names of each, then "and N more"". 45 directors are asked on Friday; Alice
    answers, eleven are away; on Monday at 08:00 the GM's digest names ten of the 33 who
    did not answer and ten of the eleven away, each list then how many more (the 34 asked
    are those not away)."""
    from tests.support import running_since
    from tests.test_digest import MONDAY_8AM_NY, digests

    bot, chat = many_teams
    await running_since(bot, clock)
    for i in range(31, 42):
        await say(bot, f"d{i:02d}", "/away 2026-12-04")
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    ten = ", ".join(["Bruno Rossi (no answer)"]
                    + [f"Director {i:02d} (no answer)" for i in range(1, 10)])
    away = ", ".join(f"Director {i}" for i in range(31, 41))
    assert gm.split("\n")[2] == (f"1 of 34 answered. Not answered: {ten} and 23 more. "
                                  f"Away: {away} and 1 more."), gm


async def test_a_reminder_of_many_surveys_names_ten_then_how_many_more(many_teams, clock):
    """README, *A reminder*: "Someone asked to rate several directors of the period (the GM
    rates each as their manager) gets one DM naming them all (ten, then how many more), not
    one per review." Grace manages 45 directors: two days before the close her one
    reminder lists ten surveys, then "… and 35 more"."""
    from bot.org import parse_org
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

    bot, chat = many_teams
    bot.org = parse_org(bot.settings.org_file.read_text(encoding="utf-8") + QUARTERLY)
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 45
    clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
    await bot.run_review_schedule()
    [reminder] = [t for t in chat.to("grace") if t.startswith("⏰")]
    lines = reminder.splitlines()
    assert lines[0] == "⏰ A reminder: 45 360° surveys you were asked to answer close soon:"
    assert len([x for x in lines if x.endswith(" — closes 2027-01-15 10:00")]) == 10
    assert lines[11] == "• … and 35 more"


async def test_the_gms_summary_of_a_periods_closed_reviews_lists_twenty_then_how_many_more(
        many_teams, clock):
    """README, *360° reviews on a schedule*: when the period's last scheduled review has
    closed the GM gets one summary, "the lowest rated by others first, twenty lines and
    then how many more". 45 directors are reviewed: twenty lines, then "… and 25 more"."""
    from bot.org import parse_org
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

    bot, chat = many_teams
    bot.org = parse_org(bot.settings.org_file.read_text(encoding="utf-8") + QUARTERLY)
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 45
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    for _ in range(3):  # (the close goes one review at a time; the sweep carries on)
        await bot.run_review_schedule()
    [summary] = [t for t in chat.to("grace") if t.startswith("🔄 Scheduled 360° reviews closed")]
    lines = [x for x in summary.splitlines() if x.startswith("• ")]
    assert len(lines) == 21 and lines[-1] == "• … and 25 more", summary
