"""The GM's /summary in chat, and `teampulse summary` in the shell."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.support import TEST_ORG, bot_on_org, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all


async def checked_in(bot, chat, clock):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", ["66000", "新签两家客户 <重点>", "渠道冲突", "5", "需要市场部支持",
                                 "拜访三家", "4"])
    await say(bot, "bruno", "20000")  # started, not finished


async def test_gm_summary_shows_who_checked_in_and_kpi_attainment(bot, chat, clock):
    await checked_in(bot, chat, clock)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Weekly summary — Test Sales" in text
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in text
    assert "Check-ins: 2 of 3" in text
    assert "✅ Alice Martin — checked in" in text
    assert "⏳ Bruno Rossi — in progress (1 of 7 answered)" in text
    # One block per director (the GM's five questions), their goals first.
    assert ("Goals: Revenue 52,000 / 50,000 USD (104%) · "
            "New customers 3 / 4 customers (75%)") in text
    assert "Goals: Revenue 66,000 / 60,000 USD (110%)" in text
    # Team total over the people who reported: (52k + 20k + 66k) / (50k + 40k + 60k)
    assert "Team · Revenue 138,000 / 150,000 USD (92%), 3 of 3 reporting\n" in text
    assert "Team · New customers 3 / 4 customers (75%), 1 of 1 reporting\n" in text
    assert "Execution: blockers: Pricing pushback" in text
    # Tracked requests carry the number /support acts on; age counts from the check-in.
    assert "Support: #1 Budget: Travel budget — open, opened today" in text
    assert "Support: #2 Help from another department: 需要市场部支持 — open, opened today" in text
    assert "this week's wins: Closed Acme · confidence 4" in text
    # Li needs another department: the GM's attention list says so first.
    assert "李雷: needs help from another department (opened today)" in text


async def test_summary_lists_people_who_did_not_check_in_and_who_is_away(bot, chat, clock):
    friday = clock.now()
    clock.set(friday - timedelta(days=2))  # Bruno says so on Wednesday, before his check-in
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 0 of 2" in text
    assert "❌ Alice Martin — not checked in" in text
    assert "🌴 Bruno Rossi — away until 2026-12-20" in text


async def test_viewer_may_read_the_summary_and_others_may_not(bot, chat):
    await say(bot, "vera", "/summary")
    assert "Weekly summary" in chat.last("vera")
    # A director now gets their own team's summary (tests/test_summary_gm.py), a member not.
    await say(bot, "alice", "/summary")
    assert "team East" in chat.last("alice") and "Europe" not in chat.last("alice")
    await say(bot, "sam", "/summary team East")
    assert "only for the GM" in chat.last("sam")


async def test_summary_for_a_person_and_a_team(bot, chat, clock):
    await checked_in(bot, chat, clock)
    await say(bot, "grace", "/summary alice")
    text = chat.last("grace")
    assert "Alice Martin · team East · last 4 weeks" in text
    assert "2026-W48 (2026-11-23 – 2026-11-29): checked in" in text
    assert "2026-W45 (2026-11-02 – 2026-11-08): no check-in sent" in text
    assert "Wins: Closed Acme" in text
    await say(bot, "grace", "/summary team china")
    text = chat.last("grace")
    assert "team China" in text and "Check-ins: 1 of 1" in text and "Alice" not in text


async def test_summary_over_several_weeks(bot, chat, clock):
    await checked_in(bot, chat, clock)
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["25000", "1", "w", "b", "1", "p", "2"])
    await say(bot, "grace", "/summary last 2w")
    text = chat.last("grace")
    assert "Summary of the last 2 weeks" in text
    assert "2026-W48: 2 of 3 · in progress: Bruno Rossi" in text  # (started, not finished)
    assert "2026-W49: 1 of 1" in text  # only Alice was asked that week
    assert "trend ↓ (— → — → 90% → 38%)" in text  # the mean of her two KPIs


async def test_several_weeks_name_the_week_their_team_figures_are_of(bot, chat, clock):
    # Under "Summary of the last 2 weeks", "Team · Revenue 25,000 / 50,000 USD (50%)" read
    # as the two weeks' total; it is the latest week's alone (W48's 52,000 is not in it).
    await checked_in(bot, chat, clock)
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["25000", "1", "w", "b", "1", "p", "2"])
    await say(bot, "grace", "/summary last 2w")
    text = chat.last("grace")
    assert "Team · 2026-W49 · Revenue 25,000 / 50,000 USD (50%), 1 of 1 reporting" in text
    assert "No check-in sent in 2026-W49, not in the targets: Bruno Rossi, 李雷" in text
    await say(bot, "grace", "/summary")  # one week: as before
    assert "Team · Revenue 25,000 / 50,000 USD (50%)" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary last 2w")
    text = chat.last("grace")
    assert "团队 · 2026-W49 · 营收 25,000 / 50,000 USD（50%）" in text
    assert "2026-W49 未发送签到，不计入目标：Bruno Rossi、李雷" in text

@pytest.mark.parametrize("said", ["last 2 weeks", "past 2 weeks", "Last 2 wks", "最近2周",
                                  "最近两周", "过去 2 个星期", "近两周"])
async def test_the_last_weeks_said_in_words_are_the_last_weeks(bot, chat, clock, said):
    # A GM types it as they would say it, in English or Chinese: not a person's name.
    await checked_in(bot, chat, clock)
    clock.advance(timedelta(days=7))
    await say(bot, "grace", "/summary last 2w")
    expected = chat.last("grace")

    await say(bot, "grace", f"/summary {said}")

    assert "Summary of the last 2 weeks" in chat.last("grace")
    assert chat.last("grace") == expected
    await say(bot, "grace", f"/summary alice {said}")
    assert "Alice Martin · team East · last 2 weeks" in chat.last("grace")


async def test_summary_of_a_given_week(bot, chat, clock):
    await checked_in(bot, chat, clock)
    clock.advance(timedelta(days=7))
    await say(bot, "grace", "/summary 2026-W48")
    assert "Check-ins: 2 of 3" in chat.last("grace")
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    assert "2026-W49" in chat.last("grace") and "Check-ins: 0 of 3" in chat.last("grace")


async def test_bad_summary_arguments(bot, chat):
    await say(bot, "grace", "/summary last 40w")  # understood, only too many weeks
    assert chat.last("grace") == ("A summary covers at most 12 weeks, and \"40w\" is more. "
                                  "For the last 12: /summary last 12w.")
    await say(bot, "grace", "/summary last 0w")
    assert "I didn't understand \"0w\"" in chat.last("grace")
    assert "Usage: /summary" in chat.last("grace")
    await say(bot, "grace", "/summary team Atlantis")
    assert 'no team called "Atlantis"' in chat.last("grace")
    assert "China, East, Europe" in chat.last("grace")
    await say(bot, "grace", "/summary nobody")
    assert "don't know anyone called \"nobody\"" in chat.last("grace")


async def test_summary_in_chinese_for_a_chinese_gm(bot, chat, clock):
    await checked_in(bot, chat, clock)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "每周概况 — Test Sales" in text
    assert "签到：2 / 3" in text
    assert "营收 52,000 / 50,000 USD（104%）" in text
    assert "其他部门的协助：需要市场部支持" in text
    assert "需要您关注" in text


async def test_summary_in_a_group_is_answered_privately(bot, chat, clock):
    await checked_in(bot, chat, clock)
    chat.clear()
    await say(bot, "grace", "/summary", group=True)
    group = [s.text for s in chat.sent if s.target.kind == "channel"]
    assert group == ["I've answered you in a private message."]
    assert "Weekly summary" in chat.last("grace")




async def test_cli_summary_markdown_and_json(bot, chat, clock, settings, monkeypatch):
    await checked_in(bot, chat, clock)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, md = run_cli(settings, "summary", "--format", "md")
    assert code == 0
    assert "# Weekly summary — Test Sales" in md
    assert "Revenue 52,000 / 50,000 USD (104%)" in md
    assert "新签两家客户 \\<重点\\>" in md  # user text is escaped for Markdown
    code, raw = run_cli(settings, "summary", "--format", "json")
    data = json.loads(raw)  # the GM's view (docs/schema/summary.schema.json)
    week = data["weeks"][0]
    assert (week["week"], week["checked_in"], week["expected"]) == ("2026-W48", 2, 3)
    alice = next(d for d in data["directors"] if d["key"] == "alice")
    assert alice["status"] == "submitted"
    assert alice["goals"]["week"][0] == {
        "metric": "revenue", "label": "Revenue", "unit": "USD", "target": 50000.0,
        "actual": 52000.0, "attainment": 1.04, "reported": 1, "expected": 1, "crm": None,
        "self_reported": 52000.0, "crm_differs": False}
    assert alice["support"][0]["type"] == "budget"
    code, zh = run_cli(settings, "summary", "--locale", "zh-CN", "--team", "China")
    assert "每周概况" in zh and "团队 China" in zh


async def test_cli_summary_rejects_bad_arguments(settings, bot, capsys):
    code, _ = run_cli(settings, "summary", "--week", "2026-W60")
    assert code == 2
    assert '"2026-W60" is not a week' in capsys.readouterr().err
    code, _ = run_cli(settings, "summary", "--team", "Atlantis")
    assert code == 2
    assert "no team 'Atlantis'" in capsys.readouterr().err


async def test_a_mistyped_name_is_answered_with_who_was_meant(bot, chat):
    """The GM types 'alise' or 'Bruno Rosi': the reply names the likely person with the
    command to send, in the GM's language; a name like nobody's gets the usage with
    examples from this org (not a hard-coded 'alice' the org may not have)."""
    await say(bot, "grace", "/summary alise")
    assert chat.last("grace") == ("I don't know anyone called \"alise\". Did you mean Alice "
                                  "Martin (/summary alice)?")
    await say(bot, "grace", "/summary Bruno Rosi")
    assert chat.last("grace").endswith("Did you mean Bruno Rossi (/summary bruno)?")
    await say(bot, "grace", "/summary zzz")
    assert chat.last("grace").startswith("I don't know anyone called \"zzz\". Use their key")
    assert "Did you mean" not in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary brunoo")
    assert chat.last("grace") == "我不认识“brunoo”。你是指 Bruno Rossi（/summary bruno）吗？"


async def test_an_unknown_name_and_a_fault_read_differently(bot, chat, clock, monkeypatch):
    # A name nobody has gets "I don't know anyone called …"; a fault inside the summary
    # (here a KeyError) is an error on our side, not a name the GM mistyped.
    await checked_in(bot, chat, clock)
    await say(bot, "grace", "/summary alise")
    assert chat.last("grace").startswith("I don't know anyone called")
    import handlers.summary_gm

    def broken(*_args, **_kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(handlers.summary_gm, "build_gm_summary", broken)
    await say(bot, "grace", "/summary")
    assert chat.last("grace").startswith("Sorry, something went wrong on my side.")


async def test_a_team_of_two_people_of_one_name_says_which_has_not_checked_in(
        database_url, clock, tmp_path):
    # Li's team has two people called 王伟 who check in. His /summary read "✅ 王伟 — 已签到",
    # "❌ 王伟 — 未签到" and "未填报：王伟": he could not tell whom to chase.
    from dataclasses import replace as _replace

    from bot.app import prepare
    from bot.config import Settings
    from tests.support import NAMESAKES, TEST_ORG, RecordingAdapter

    twins = NAMESAKES.replace("    role: member\n", "    role: member\n    checks_in: true\n"
                              "    kpis: [{metric: revenue, unit: USD, weekly_target: 10000}]\n")
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", twins + "# Company values"), encoding="utf-8")
    bot, engine = prepare(_replace(Settings(database_url=database_url), org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_checkins(["wangwei", "wangwei2"])
        await answer_all(bot, "wangwei", ["8000", "好", "无", "1", "计划", "4"])
        await say(bot, "li", "/summary")
        text = chat.last("li")
        assert "✅ 王伟 (@wangwei) — 已签到" in text and "❌ 王伟 (@wangwei2) — 未签到" in text
        assert "未填报：王伟 (@wangwei2)" in text
        assert "• 王伟 (@wangwei)：营收 8,000 / 10,000 USD（80%）" in text
        await say(bot, "grace", "/summary team China")
        assert "❌ 王伟 (@wangwei2) — not checked in" in chat.last("grace")
    finally:
        engine.dispose()


async def test_a_teams_weeks_name_in_progress_apart_from_missing_as_the_headline_does(
        settings, clock, tmp_path, monkeypatch):
    # (The CLI reads the clock of the machine: the test's, as the running bot's.)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    # The GM's headline named a check-in started and not finished "in progress"; a team's
    # trend (and its JSON) counted it as "missing". Sam and Dana check in with Alice in
    # East: one of each, in chat and in the export alike.
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "    timezone: America/Chicago\n", "    timezone: America/Chicago\n    checks_in: true\n")
        .replace("  - key: vera\n", "  - key: dana\n    name: Dana Wu\n    role: member\n"
                 "    manager: alice\n    team: East\n    timezone: America/New_York\n"
                 "    checks_in: true\n    telegram_id: 1007\n  - key: vera\n"),
        encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, cli_settings):
        await bot.run_checkins(["alice", "sam", "dana"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
        await say(bot, "sam", "ok")  # started, not finished
        await say(bot, "grace", "/summary team East last 2w")
        assert "2026-W48: 1 of 3 · in progress: Sam Lee · missing: Dana Wu" in chat.last("grace")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary team East last 2w")
        assert "2026-W48：1 / 3 · 填写中：Sam Lee · 未签到：Dana Wu" in chat.last("grace")
        # ... and so does the members' line of Alice's block in the GM's view.
        await say(bot, "grace", "/summary alice")
        assert "0/2 名成员已签到（填写中：Sam Lee；未签到：Dana Wu）" in chat.last("grace")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "en"
        await say(bot, "grace", "/summary alice")
        assert "0 of 2 members checked in (in progress: Sam Lee; not: Dana Wu)" in chat.last(
            "grace")
        code, raw = run_cli(cli_settings, "summary", "--format", "json", "--team", "East",
                            "--weeks", "2")
        assert code == 0
        week = json.loads(raw)["weeks"][-1]
        assert (week["checked_in"], week["in_progress"], week["missing"], week["expected"],
                sorted(week["not_checked_in"])) == (1, ["sam"], ["dana"], 3, ["dana", "sam"])
        code, raw = run_cli(cli_settings, "summary", "--format", "json")
        team = next(d for d in json.loads(raw)["directors"] if d["key"] == "alice")[
            "team_management"]
        assert (team["members_in_progress"], team["members_missing"]) == (["Sam Lee"],
                                                                          ["Dana Wu"])


async def test_a_team_member_whose_check_in_is_still_to_come_is_not_said_to_be_left_out(
        settings, clock, tmp_path):
    # Friday 16:05 in New York, 15:05 in Chicago: Alice has been asked, Sam's check-in goes
    # out at 16:00 where he is. The team view read "▫️ Sam Lee — no check-in sent", as if
    # he had been left out, where the GM's view says when it goes out.
    from datetime import UTC, datetime

    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "    timezone: America/Chicago\n", "    timezone: America/Chicago\n    checks_in: true\n"),
        encoding="utf-8")
    clock.set(datetime(2026, 11, 27, 21, 5, tzinfo=UTC))
    with bot_on_org(settings, clock, org) as (bot, chat, _):
        await bot.run_checkins(timezone="America/New_York")
        for reader, command in (("alice", "/summary"), ("grace", "/summary team East")):
            await say(bot, reader, command)
            text = chat.last(reader)
            assert ("▫️ Sam Lee — check-in not sent yet: it goes out Fri 2026-11-27 17:00 "
                    "your time") in text
            assert "no check-in sent" not in text.lower()
            assert ("Check-in still to come where they are, not in the targets yet: Sam Lee"
                    in text)
        with bot.unit() as ctx:
            ctx.people.by_key("alice").locale = "zh-CN"
        await say(bot, "alice", "/summary")
        text = chat.last("alice")
        assert "Sam Lee — 签到尚未发送：将于你的时间 2026-11-27（周五）17:00 发出" in text
        assert "当地签到时间未到，暂不计入目标：Sam Lee" in text and "未发送签到" not in text
        # His history reads it the same way; once his round has gone out, as any other week.
        await say(bot, "grace", "/summary sam")
        assert ("2026-W48 (2026-11-23 – 2026-11-29): check-in not sent yet: it goes out Fri "
                "2026-11-27 17:00 your time") in chat.last("grace")
        clock.set(datetime(2026, 11, 27, 22, 5, tzinfo=UTC))
        await bot.run_checkins(timezone="America/Chicago")
        await say(bot, "alice", "/summary")
        assert "签到尚未发送" not in chat.last("alice")
        assert "当地签到时间未到" not in chat.last("alice")


async def test_a_very_long_name_is_quoted_cut_short(bot, chat):
    """`/summary` or `/goals` with a pasted paragraph (4,500 characters, under the 5,000 a
    command may take) quoted all of it back: "I don't know anyone called "xxxx…"", a
    message longer than Telegram's 4,096, sent in pieces. No key or name is that long:
    the quote keeps its start and says it was cut."""
    pasted = "lorem ipsum " * 375
    await say(bot, "grace", f"/summary {pasted}")
    said = chat.last("grace")
    assert said.startswith('I don\'t know anyone called "lorem ipsum lorem ipsum') and \
        '…". Use their key or their name' in said and len(said) < 300, said
    await say(bot, "li", f"/goals {'长' * 3000}")
    said = chat.last("li")
    assert said.startswith("找不到 长长长") and "…：请给出某人的 key 或姓名" in said, said
    assert len(said) < 250, said
