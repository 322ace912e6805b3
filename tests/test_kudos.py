"""Kudos on the console platform: giving, the rules, shout-outs, leaderboards, /kudos me."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest

from bot.adapters.console import console_mentions
from bot.app import run
from bot.events import InboundEvent
from bot.org import OrgError, parse_org
from storage.kudos import KudosRepo, kudos_by_team
from tests.support import TEST_ORG, csv_records, run_cli


async def kudo(bot, key: str, text: str, *, group: bool = True, message_id: str | None = None,
               event_id: str | None = None) -> bool:
    """Person `key` writes in the team's group chat (or a DM), with @mentions as the console
    adapter reads them."""
    return await bot.handle(InboundEvent(
        platform="console", user_id=key, chat_id="team" if group else key,
        chat_type="group" if group else "direct", text=text, event_id=event_id,
        message_id=message_id, mentions=console_mentions(text)))


def count_kudos(bot) -> int:
    with bot.unit() as ctx:
        return len(KudosRepo(ctx.session).between(None, None))


async def test_kudos_with_two_mentions_and_a_value_shouts_out_and_dms_each(bot, chat):
    await kudo(bot, "grace", "/kudos @alice @li for closing Acme together #customer-first")
    shout = chat.last("team")
    assert "Alice Martin, 李雷 — kudos from Grace Chen: closing Acme together" in shout
    assert "Values: Customer first" in shout
    assert chat.last("alice") == ("🎉 You got kudos from Grace Chen: closing Acme together\n"
                                  "For our values: Customer first")
    assert chat.last("li") == ("🎉 Grace Chen 给你点赞：closing Acme together\n"
                               "体现的价值观：客户第一")
    assert count_kudos(bot) == 2


async def test_plain_channel_message_with_a_kudos_word_gives_kudos(bot, chat):
    await kudo(bot, "alice", "thanks @sam for the great demo today 👏")
    assert "Sam Lee — kudos from Alice Martin: thanks for the great demo today 👏" in chat.last(
        "team")
    assert "You got kudos from Alice Martin" in chat.last("sam")


async def test_chatter_that_only_mentions_people_is_left_alone(bot, chat):
    await kudo(bot, "alice", "@sam can you send me the deck?")
    await kudo(bot, "alice", "thanks everyone for coming")  # a kudos word, but nobody named
    assert chat.sent == []
    assert count_kudos(bot) == 0


async def test_kudos_in_chinese_with_a_chinese_kudos_word(bot, chat):
    await kudo(bot, "li", "谢谢 @alice 帮忙准备投标材料")
    assert "Alice Martin —— 来自 李雷 的点赞：谢谢 帮忙准备投标材料" in chat.last("team")


async def test_kudos_typed_all_in_full_width_on_a_chinese_keyboard(bot, chat):
    # '／ｋｕｄｏｓ　＠ａｌｉｃｅ': the command was read, the key after the wide '＠' was not.
    await kudo(bot, "li", "／ｋｕｄｏｓ　＠ａｌｉｃｅ　帮忙准备投标材料")
    assert "Alice Martin —— 来自 李雷 的点赞：帮忙准备投标材料" in chat.last("team")
    await kudo(bot, "li", "谢谢＠ＡＬＩＣＥ的帮助，辛苦了")
    assert "Alice Martin —— 来自 李雷 的点赞：帮助，辛苦了" in chat.last("team")
    assert count_kudos(bot) == 2


async def test_names_inside_a_chinese_sentence_stay_in_it(bot, chat):
    # "learned a lot from Alice and Sam" read "从 那里学到很多" (from there); "/kudos
    # 给 @alice 点赞 …" read "给 点赞" (give a like).
    await kudo(bot, "li", "从@alice和@sam那里学到很多，感谢👏")
    assert "Alice Martin、Sam Lee —— 来自 李雷 的点赞：从@alice和@sam那里学到很多，感谢👏" in \
        chat.last("team")
    await kudo(bot, "li", "/kudos 给 ＠ａｌｉｃｅ 点赞，方案写得很好")
    assert "Alice Martin —— 来自 李雷 的点赞：给 ＠alice 点赞，方案写得很好" in chat.last("team")


async def test_self_kudos_is_refused_and_nothing_is_stored(bot, chat):
    await kudo(bot, "alice", "/kudos @alice for working so hard")
    assert "you can't give them to yourself" in chat.last("alice")
    assert "team" not in {s.target.address for s in chat.sent if "kudos from" in s.text}
    assert count_kudos(bot) == 0


async def test_kudos_to_the_bot_or_a_stranger_is_refused(bot, chat):
    await kudo(bot, "alice", "/kudos @teampulse for reminding me")
    assert "I'm just the bot" in chat.last("alice")
    await kudo(bot, "alice", "/kudos @alice @mallory for the help")
    assert "Nice try" in chat.last("alice")  # the first problem found is named
    await kudo(bot, "alice", "/kudos @mallory for the help")
    assert "I can't give kudos to @mallory: they are not in the org file" in chat.last("alice")
    await kudo(bot, "li", "/kudos @nobody 帮了大忙")
    assert "无法给 @nobody 点赞：对方不在组织文件中" in chat.last("li")
    assert count_kudos(bot) == 0


async def test_a_refusal_says_the_others_named_with_it_got_nothing_either(bot, chat):
    """"I can't give kudos to @mallory" (or "not to yourself") alone read as if Sam, named
    beside, had had his: nothing is given to anyone, and the giver is told so, by name."""
    await kudo(bot, "alice", "/kudos @sam @mallory for the joint demo", group=False)
    assert chat.last("alice") == (
        "I can't give kudos to @mallory: they are not in the org file. Kudos are for the "
        "people you work with, not for apps or bots; if @mallory is a colleague, ask the "
        "person who runs teampulse to add them to the org file. Nothing was given, to Sam "
        "Lee either.")
    await kudo(bot, "alice", "thanks @sam, @bruno and @alice for the joint demo 👏")
    assert chat.last("alice") == (
        "Nice try 🙂 Kudos are for recognising others, so you can't give them to yourself. "
        "Nothing was given, to Sam Lee and Bruno Rossi either: send your kudos again without "
        "your own name.")
    await kudo(bot, "li", "谢谢 @sam 和 @li 一起做的演示")
    assert chat.last("li") == ("想法不错 🙂 不过点赞是用来认可别人的，不能给自己点赞。这次没有送出"
                               "任何点赞，Sam Lee 也没有收到：去掉你自己的名字再发一次。")
    await kudo(bot, "li", "/kudos @sam @nobody 帮了大忙")
    assert chat.last("li").endswith("组织文件。这次没有送出任何点赞，Sam Lee 也没有收到。")
    assert not chat.to("sam") and count_kudos(bot) == 0
    # Named alone, the refusal is as before: there is nobody else to speak of.
    await kudo(bot, "alice", "/kudos @alice for working so hard")
    assert chat.last("alice") == ("Nice try 🙂 Kudos are for recognising others, so you "
                                  "can't give them to yourself.")


async def test_a_mistyped_name_is_answered_with_who_was_likely_meant(bot, chat):
    # '/kudos @alicee' was told "they are not in the org file … ask the person who runs
    # teampulse to add them", of Alice, who is: a GM asked the admin to add her.
    await kudo(bot, "grace", "/kudos @alicee for the deck")
    assert chat.last("grace") == (
        "I can't give kudos to @alicee: nobody in the org file goes by that. Did you mean "
        "@alice (Alice Martin)? Nothing was given: send your kudos again with their handle.")
    await kudo(bot, "li", "/kudos @brunoo 谢谢")
    assert chat.last("li") == ("无法给 @brunoo 点赞：组织文件中没有人用这个名字。你是不是想找 "
                               "@bruno（Bruno Rossi）？这次没有送出点赞："
                               "请用正确的 @ 名称重新发送。")
    assert count_kudos(bot) == 0

async def test_two_letters_swapped_in_a_short_handle_are_answered_with_who_was_meant(
        bot, chat):
    """'@sma' for Sam (or '@il' for 李雷): two letters swapped, the commonest slip, in a
    short key was told "not in the org file: ask to add them", as the spelling score of
    a three-letter key falls below the bar with one swap."""
    await kudo(bot, "alice", "/kudos @sma for the demo prep")
    assert chat.last("alice") == (
        "I can't give kudos to @sma: nobody in the org file goes by that. Did you mean "
        "@sam (Sam Lee)? Nothing was given: send your kudos again with their handle.")
    await kudo(bot, "grace", "/kudos @il 帮忙准备投标材料")
    assert "Did you mean @li (李雷)?" in chat.last("grace")
    assert count_kudos(bot) == 0


async def test_a_mistyped_name_is_never_answered_with_the_giver_themselves(bot, chat):
    # Alice praising '@alicee' was asked "Did you mean @alice (Alice Martin)?": kudos to
    # herself, which sent as suggested were refused.
    await kudo(bot, "alice", "/kudos @alicee for the deck")
    assert "Did you mean" not in chat.last("alice")
    assert chat.last("alice").startswith("I can't give kudos to @alicee: they are not in the "
                                         "org file.")
    await kudo(bot, "sam", "/kudos @alicee for the deck")
    assert "Did you mean @alice (Alice Martin)?" in chat.last("sam")
    assert count_kudos(bot) == 0


async def test_a_reason_is_required(bot, chat):
    await kudo(bot, "alice", "/kudos @sam")
    assert "Please say why in a few words" in chat.last("alice")
    await kudo(bot, "alice", "/kudos @sam for #customer-first")
    assert "Please say why in a few words" in chat.last("alice")
    await kudo(bot, "li", "/kudos @alice 谢")
    assert "请用几个字说明原因" in chat.last("li")
    assert count_kudos(bot) == 0


async def test_unknown_value_lists_the_values_and_gives_nothing(bot, chat):
    await kudo(bot, "alice", "/kudos @sam for the demo prep #speed")
    assert chat.last("alice") == (
        "#speed is not one of our values, so I haven't given these kudos yet. Our values: "
        "#customer-first (Customer first), #ownership (Ownership).")
    assert count_kudos(bot) == 0


async def test_daily_allowance_runs_out_and_starts_again_in_the_givers_timezone(bot, chat, clock):
    # Friday 16:00 in New York; Alice gives 4 + 1 recipients, then is out.
    await kudo(bot, "alice", "/kudos @sam @li @bruno @vera for a great quarter kickoff")
    await kudo(bot, "alice", "/kudos @li @grace for the pricing review")
    assert "You have 1 kudo left today, but this names 2 people" in chat.last("alice")
    await kudo(bot, "alice", "/kudos @grace for the pricing review")
    assert "kudos from Alice Martin" in chat.last("team")
    await kudo(bot, "alice", "/kudos @sam for the follow-up call")
    assert "You've given all 5 kudos you have today" in chat.last("alice")
    assert count_kudos(bot) == 5
    clock.advance(timedelta(hours=7))  # 23:00 in New York: still Friday there
    await kudo(bot, "alice", "/kudos @sam for the follow-up call")
    assert "You've given all 5 kudos" in chat.last("alice")
    clock.advance(timedelta(hours=1, minutes=1))  # past midnight in New York
    await kudo(bot, "alice", "/kudos @sam for the follow-up call")
    assert "Sam Lee — kudos from Alice Martin: the follow-up call" in chat.last("team")
    assert count_kudos(bot) == 6


async def test_the_allowance_counts_kudos_so_one_person_praised_five_times_uses_it_up(
        bot, chat):
    """README: the allowance is kudos a day, each person named one: praising Sam five
    times uses all five, though it is one person."""
    for n in range(5):
        await kudo(bot, "alice", f"/kudos @sam for demo number {n + 1}")
    await kudo(bot, "alice", "/kudos @li for the pricing review")
    assert "You've given all 5 kudos you have today" in chat.last("alice")
    assert count_kudos(bot) == 5


async def test_allowance_is_configurable(settings, clock, tmp_path):
    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text().replace(
        "  summary_viewers: [vera]", "  summary_viewers: [vera]\n  kudos: {allowance: 1}"))
    from bot.app import prepare
    from tests.support import RecordingAdapter
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    await kudo(bot, "alice", "/kudos @sam for the demo prep")
    await kudo(bot, "alice", "/kudos @li for the demo prep")
    assert "You've given the 1 kudo you have today" in chat.last("alice")
    engine.dispose()


async def test_a_redelivered_message_gives_kudos_once(bot, chat):
    await kudo(bot, "alice", "/kudos @sam for the demo prep", message_id="m1", event_id="e1")
    assert not await kudo(bot, "alice", "/kudos @sam for the demo prep", message_id="m1",
                          event_id="e1")
    # The same message under another event id (Slack sends app_mention and message):
    await kudo(bot, "alice", "/kudos @sam for the demo prep", message_id="m1", event_id="e2")
    assert count_kudos(bot) == 1
    assert len([s for s in chat.sent if "— kudos from" in s.text]) == 1
    assert len(chat.to("sam")) == 1


async def test_kudos_in_a_dm_to_the_bot(bot, chat):
    await kudo(bot, "alice", "thanks @sam for covering my calls", group=False)
    assert "Sam Lee — kudos from Alice Martin" in chat.last("alice")
    assert "You got kudos from Alice Martin" in chat.last("sam")


async def test_kudos_without_anyone_explains_how(bot, chat):
    await kudo(bot, "li", "/kudos")
    assert "点赞时请写明给谁、为什么" in chat.last("li")
    assert "#customer-first（客户第一）" in chat.last("li")


async def test_leaderboard_over_a_month_boundary_in_two_timezones(bot, chat, clock):
    """The org's month starts at midnight in the org's timezone (the GM's: New York)."""
    # 2026-11-30 23:30 in New York is already 2026-12-01 04:30 UTC.
    clock.set(datetime(2026, 12, 1, 4, 30, tzinfo=UTC))
    await kudo(bot, "li", "/kudos @alice 帮我搞定了报价单")  # November in New York
    clock.set(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))      # 00:30 on Dec 1 in New York
    await kudo(bot, "grace", "/kudos @sam for the first December deal")
    await kudo(bot, "alice", "/kudos @bruno for the joint pitch")
    await kudo(bot, "li", "/kudos @sam 第一单拿下了")
    chat.clear()
    await kudo(bot, "grace", "/kudos top", group=False)
    board = chat.last("grace")
    assert "this month (since 2026-12-01)" in board
    assert "1. Sam Lee — 2" in board
    assert "2. Bruno Rossi — 1" in board
    assert "Alice Martin — 1" in board.split("Most generous")[1]  # as a giver only
    assert "1=. Alice Martin — 1" in board and "1=. Grace Chen — 1" in board
    assert '"=" marks a tie' in board
    # The same moments counted in Shanghai's calendar: all four fall in December there.
    shanghai = parse_org(TEST_ORG.read_text().replace(
        "  summary_viewers: [vera]", "  summary_viewers: [vera]\n  timezone: Asia/Shanghai"))
    bot.org = replace(bot.org, timezone=shanghai.timezone)
    await kudo(bot, "li", "/kudos top month", group=False)
    board = chat.last("li")
    assert "本月（自 2026-12-01 起）" in board
    assert "1. Sam Lee —— 2 次" in board
    assert "2=. Alice Martin —— 1 次" in board and "2=. Bruno Rossi —— 1 次" in board
    assert "1. 李雷 —— 2 次" in board


async def test_on_the_first_of_the_month_last_months_board_is_a_command_away(
        bot, chat, clock, settings, monkeypatch):
    """On 1 December /kudos top is December's, empty: November's leaders are one command
    away (it said only "No kudos yet in this period"), in both languages and the CLI, and
    a December kudos never counts in it."""
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    await kudo(bot, "grace", "/kudos @sam @alice for the Acme renewal")
    await kudo(bot, "alice", "/kudos @sam for the demo prep")
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    await kudo(bot, "grace", "/kudos top", group=False)
    assert chat.last("grace").endswith(
        "No kudos yet in this period. Be the first: /kudos @someone for … · the month "
        "before: /kudos top last month\nThe month runs midnight to midnight in the org's time "
        "(America/New_York).")
    await kudo(bot, "li", "/kudos @bruno 谢谢")  # December's: not November's
    await kudo(bot, "grace", "/kudos top last month", group=False)
    board = chat.last("grace")
    assert board.startswith("Kudos leaderboard — last month (2026-11-01 – 2026-11-30)")
    assert "1. Sam Lee — 2\n2. Alice Martin — 1" in board and "Bruno" not in board
    await kudo(bot, "li", "/kudos top 上月", group=False)
    assert chat.last("li").startswith("点赞排行榜 —— 上月（2026-11-01 至 2026-11-30）")
    await kudo(bot, "grace", "/kudos top last-week", group=False)  # 2026-W48: none
    assert "last week (2026-11-23 – 2026-11-29)" in chat.last("grace")
    assert "No kudos in this period." in chat.last("grace")
    assert "Be the first" not in chat.last("grace")  # (a week gone by)
    await kudo(bot, "grace", "/kudos top last year", group=False)
    assert "last year (2025-01-01 – 2025-12-31)" in chat.last("grace")
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())  # the CLI's
    code, out = run_cli(settings, "kudos", "top", "--period", "last-month", "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["since"][:10], data["until"]) == ("2026-11-01", "2026-11-30")
    assert [(p["person"], p["count"]) for p in data["received"]] == [("sam", 2), ("alice", 1)]
    code, md = run_cli(settings, "kudos", "top", "--period", "last-quarter")
    assert "Last quarter, 2026-07-01 – 2026-09-30" in md


async def test_leaderboard_filters_and_empty_period(bot, chat, clock):
    await kudo(bot, "grace", "/kudos @sam @alice for the Acme renewal #customer-first")
    await kudo(bot, "alice", "/kudos @li for owning the rollout #ownership")
    await kudo(bot, "grace", "/kudos top team east value customer-first", group=False)
    board = chat.last("grace")
    assert "team East, value Customer first" in board
    assert "Li" not in board.split("Most generous")[0].replace("Alice Martin", "")
    await kudo(bot, "grace", "/kudos top team Mars", group=False)
    assert "There is no team Mars. Teams: China, East, Europe." in chat.last("grace")
    await kudo(bot, "grace", "/kudos top decade", group=False)
    assert "Usage: /kudos top [week|month|quarter|year|all]" in chat.last("grace")
    clock.advance(timedelta(days=40))
    await kudo(bot, "grace", "/kudos top week", group=False)
    assert "No kudos yet in this period" in chat.last("grace")
    await kudo(bot, "grace", "/kudos top all", group=False)
    board = chat.last("grace")
    assert "1=. Alice Martin — 1\n1=. 李雷 — 1\n1=. Sam Lee — 1" in board  # (李 is "li")
    assert "1. Grace Chen — 2\n2. Alice Martin — 1" in board


async def test_leaderboard_in_a_channel_is_public(bot, chat):
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "sam", "/kudos top")
    assert "Kudos leaderboard" in chat.last("team")


async def test_kudos_me_shows_received_and_given_with_reasons(bot, chat):
    await kudo(bot, "grace", "/kudos @alice for the Acme renewal #customer-first")
    await kudo(bot, "alice", "/kudos @sam for the demo prep")
    await kudo(bot, "alice", "/kudos me", group=False)
    text = chat.last("alice")
    assert "Received: 1" in text
    assert "• 2026-11-27 Grace Chen: the Acme renewal (Customer first)" in text
    assert "Given: 1" in text
    assert "• 2026-11-27 Sam Lee: the demo prep" in text
    await kudo(bot, "li", "/kudos me", group=False)
    assert "收到：0 次" in chat.last("li") and "还没有。" in chat.last("li")


async def test_kudos_me_lists_the_newest_ten_of_each_and_counts_them_all(bot, chat, clock):
    """README: `/kudos me` shows the newest ten kudos received and given."""
    for day in range(12):
        await kudo(bot, "grace", f"/kudos @alice for the work of day {day + 1}")
        clock.advance(timedelta(days=1))
    await kudo(bot, "alice", "/kudos me", group=False)
    text = chat.last("alice")
    received = [line for line in text.splitlines() if line.startswith("• ")]
    assert "Received: 12" in text and len(received) == 10
    assert received[0].endswith("the work of day 12") and received[-1].endswith("day 3")


async def test_kudos_by_team_counts_given_and_received_per_team(bot, chat, clock):
    start = clock.now()
    await kudo(bot, "alice", "/kudos @sam @li for the joint pitch")  # East -> East, China
    await kudo(bot, "vera", "/kudos @alice for the quick turnaround")  # no team -> East
    clock.advance(timedelta(days=10))
    await kudo(bot, "bruno", "/kudos @li for the translation help")  # outside the period
    with bot.unit() as ctx:
        teams = kudos_by_team(ctx.session, start, start + timedelta(days=7))
    by = {t.team: t for t in teams}
    assert [t.team for t in teams] == ["China", "East", None]
    assert (by["East"].given, by["East"].received, by["East"].recipients) == (2, 2, 2)
    assert (by["China"].given, by["China"].received) == (0, 1)
    assert (by[None].given, by[None].received, by[None].givers) == (1, 0, 1)


async def test_console_session_gives_kudos_in_the_group(settings, clock):
    script = ("/as alice\n/group thanks @sam for the demo prep 👏\n"
              "/kudos @alice for nothing\n/as sam\n/kudos me\n")
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "[bot → #team (thread" not in text
    assert "[bot → #team]\n  👏 Sam Lee — kudos from Alice Martin: thanks for the demo prep 👏" \
        in text
    assert "[bot → Sam Lee (sam), private]\n  🎉 You got kudos from Alice Martin" in text
    assert "you can't give them to yourself" in text
    assert "• 2026-11-27 Alice Martin: thanks for the demo prep 👏" in text


def test_org_file_kudos_settings_values_and_timezone():
    text = TEST_ORG.read_text().replace("  summary_viewers: [vera]", """  summary_viewers: [vera]
  timezone: Europe/Rome
  kudos:
    allowance: 3
    words: [bravo, 好样的]
    honours_channel: {slack: C0HONOURS, telegram: "-1001234"}""")
    org = parse_org(text)
    assert org.timezone == "Europe/Rome"
    assert org.kudos.allowance == 3 and org.kudos.words == ("bravo", "好样的")
    assert org.kudos.honours_channel == {"slack": "C0HONOURS", "telegram": "-1001234"}
    assert org.value("Customer-First").label_for("zh-CN") == "客户第一"
    default = parse_org(TEST_ORG.read_text())
    assert default.timezone == "America/New_York"  # the GM's
    assert default.kudos.allowance == 5 and "thanks" in default.kudos.words


def test_org_file_kudos_mistakes_are_listed():
    bad = TEST_ORG.read_text().replace("  summary_viewers: [vera]", """  summary_viewers: [vera]
  timezone: Mars/Olympus
  kudos: {allowance: 0, honours_channel: {discord: x}}""").replace(
        "  - key: ownership", "  - key: Own Ership")
    with pytest.raises(OrgError) as err:
        parse_org(bad)
    text = str(err.value)
    assert "org: kudos.allowance: Input should be greater than or equal to 1" in text
    with pytest.raises(OrgError) as err:
        parse_org(bad.replace("allowance: 0, ", ""))
    text = str(err.value)
    assert "org.timezone: 'Mars/Olympus' is not a known IANA timezone" in text
    assert "org.kudos.honours_channel: 'discord' is not a platform" in text
    assert "values[1] ('Own Ership'): key must be lower-case" in text


@pytest.mark.parametrize("channel", ["-1001234567890", "-1001234567890/12", "@northwind"])
def test_a_telegram_honours_channel_may_name_a_forum_topic(channel: str) -> None:
    text = TEST_ORG.read_text().replace("  summary_viewers: [vera]", f"""  summary_viewers: [vera]
  kudos: {{honours_channel: {{telegram: "{channel}"}}}}""")
    assert parse_org(text).kudos.honours_channel == {"telegram": channel}


def test_a_telegram_honours_channel_that_is_no_chat_is_refused_at_start() -> None:
    # It used to fail only on the first of the month, in the log, when the roll was due.
    text = TEST_ORG.read_text().replace("  summary_viewers: [vera]", """  summary_viewers: [vera]
  kudos: {honours_channel: {telegram: "Sales team#12"}}""")
    with pytest.raises(OrgError) as err:
        parse_org(text)
    assert ("org.kudos.honours_channel.telegram: 'Sales team#12' is not a Telegram chat "
            "(a group's id such as -1001234567890, -1001234567890/12 for topic 12 of a "
            "forum, or @channelname)") in str(err.value)


async def test_cli_exports_kudos_as_csv_and_json(bot, chat, clock, settings, capsys):
    import json

    from tests.test_summary import run_cli

    await kudo(bot, "grace", "/kudos @alice for closing Acme, finally #customer-first")
    clock.set(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))  # Dec 1, 00:30 in New York
    await kudo(bot, "li", "/kudos @sam 第一单拿下了 #ownership #customer-first")
    code, out = run_cli(settings, "kudos", "--since", "2026-12-01", "--format", "csv")
    assert code == 0
    [row] = csv_records(out)
    assert row["given_at"] == "2026-12-01T00:30:00-05:00"
    assert (row["giver"], row["recipient"], row["recipient_team"]) == ("li", "sam", "East")
    assert row["reason"] == "第一单拿下了"
    assert row["values"] == "ownership;customer-first"
    code, out = run_cli(settings, "kudos", "--format", "json", "--until", "2026-11-30")
    data = json.loads(out)
    assert data["timezone"] == "America/New_York"
    assert [(k["giver"], k["recipient"], k["reason"], k["values"]) for k in data["kudos"]] == [
        ("grace", "alice", "closing Acme, finally", ["customer-first"])]
    code, _ = run_cli(settings, "kudos", "--since", "last week")
    assert code == 2
    assert ("--since 'last week': expected a date (YYYY-MM-DD) such as 2026-11-01"
            in capsys.readouterr().err)


async def test_a_mention_that_begins_another_leaves_the_reason_whole(settings, clock, tmp_path):
    # @li is the start of @lin: removing "@li" everywhere had left "n" of "@lin" in the
    # reason ("李雷, Lin Feng — kudos from Grace Chen: n for the bid").
    from bot.app import prepare
    from tests.support import RecordingAdapter
    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text(encoding="utf-8").replace("# Company values", """\
  - key: lin
    name: Lin Feng
    role: member
    manager: li
    team: China
    timezone: Asia/Shanghai
    locale: en
# Company values"""), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    await kudo(bot, "grace", "/kudos @li @lin for the bid")
    assert "李雷, Lin Feng — kudos from Grace Chen: the bid" in chat.last("team")
    assert chat.last("lin") == "🎉 You got kudos from Grace Chen: the bid"
    await kudo(bot, "alice", "谢谢 @li 和 @lin 帮忙准备投标材料")
    # (The 和 that joined the two names goes with them.)
    assert "kudos from Alice Martin: 谢谢 帮忙准备投标材料" in chat.last("team")
    engine.dispose()


async def test_a_value_tagged_with_its_chinese_label_counts(bot, chat):
    # '#客户第一' had stayed in the reason as text: no value recorded, none shown, and the
    # honour roll's most cited value never counted it.
    await kudo(bot, "li", "/kudos @alice 谢谢你帮忙准备投标材料 #客户第一")
    shout = chat.last("team")
    assert shout == "👏 Alice Martin —— 来自 李雷 的点赞：谢谢你帮忙准备投标材料\n价值观：客户第一"
    assert chat.last("alice").endswith("For our values: Customer first")
    await kudo(bot, "li", "/kudos @sam #主人翁精神 主动跟进了续约")
    assert "价值观：主人翁精神" in chat.last("team") and "#" not in chat.last("team")
    await kudo(bot, "li", "/kudos top value 客户第一", group=False)
    assert "价值观 客户第一" in chat.last("li") and "Alice Martin —— 1 次" in chat.last("li")
    await kudo(bot, "grace", "/kudos top value #Customer-First", group=False)
    assert "1. Alice Martin — 1" in chat.last("grace")


async def test_the_words_joining_several_names_leave_the_reason_with_them(bot, chat):
    """'great job @bruno and @li on the launch' praised Bruno and 李雷 for "great job and on
    the launch": the names go from the reason, and so must the words that joined them; a
    word that is part of the praise stays."""
    await kudo(bot, "grace", "great job @bruno and @li on the launch 🎉")
    assert chat.last("team") == ("👏 Bruno Rossi, 李雷 — kudos from Grace Chen: great job on "
                                 "the launch 🎉")
    await kudo(bot, "grace", "thanks @alice, @bruno, and @li for the Q4 plan and the demo")
    assert chat.last("team").endswith("kudos from Grace Chen: thanks for the Q4 plan and the demo")
    await kudo(bot, "li", "/kudos @alice 和 @bruno 支持了投标", group=False)
    assert chat.last("alice").endswith("支持了投标")
    assert "和" not in chat.last("team")
    with bot.unit() as ctx:
        reasons = {row.reason for row in KudosRepo(ctx.session).between(None, None)}
    assert reasons == {"great job on the launch 🎉", "thanks for the Q4 plan and the demo",
                       "支持了投标"}


async def test_kudos_to_one_of_two_people_of_one_name_names_that_one_by_key(
        settings, clock, tmp_path):
    # Two people called 王伟: '/kudos @wangwei2 …' shouted out "👏 王伟 — kudos from …",
    # and the team could not tell which 王伟 was praised.
    from tests.support import NAMESAKES, bot_on_org

    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        await kudo(bot, "alice", "/kudos @wangwei2 @sam for closing Acme together")
        assert chat.last("team") == ("👏 王伟 (@wangwei2), Sam Lee — kudos from Alice Martin: "
                                     "closing Acme together")
        await kudo(bot, "li", "/kudos @wangwei 拿下了大客户", group=False)
        assert chat.last("li") == "👏 王伟 (@wangwei) —— 来自 李雷 的点赞：拿下了大客户"
        assert chat.last("wangwei") == "🎉 李雷 给你点赞：拿下了大客户"


async def test_the_leaderboard_and_kudos_me_tell_two_people_of_one_name_apart(
        settings, clock, tmp_path):
    # The shout-out named 王伟 (@wangwei2) apart from the other 王伟; /kudos top and
    # /kudos me read "王伟" bare, so nobody could tell which one led the board or whom
    # they had thanked.
    from tests.support import NAMESAKES, bot_on_org

    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        await kudo(bot, "alice", "/kudos @wangwei2 for closing Acme")
        await kudo(bot, "grace", "/kudos @wangwei2 for the tender documents")
        await kudo(bot, "wangwei2", "/kudos @sam 帮忙准备投标材料")
        await kudo(bot, "grace", "/kudos top", group=False)
        board = chat.last("grace")
        assert "1. 王伟 (@wangwei2) — 2" in board, board
        assert "王伟 (@wangwei2) — 1" in board.split("Most generous")[1]
        assert "Sam Lee — 1" in board  # a name nobody else has: as it was
        await kudo(bot, "li", "/kudos 排行榜", group=False)
        assert "1. 王伟 (@wangwei2) —— 2 次" in chat.last("li")
        await kudo(bot, "alice", "/kudos me", group=False)
        assert "王伟 (@wangwei2): closing Acme" in chat.last("alice")
        await kudo(bot, "wangwei2", "/kudos 我的", group=False)
        mine = chat.last("wangwei2")
        assert "Alice Martin：closing Acme" in mine and "Sam Lee：帮忙准备投标材料" in mine


async def test_a_kudos_at_the_turn_of_the_month_counts_in_the_orgs_month_and_says_so(
        bot, chat, clock):
    """The org's time (New York, the GM's) bounds its months. 李雷 praises Bruno at 08:30
    on 1 December in Shanghai, still 30 November in New York, and Alice at 23:50 on 30
    November in New York, already 1 December in UTC: both count in November's roll. On
    1 December (org time) the board is empty and says whose midnight that is, and the
    roll says by which time it counts its month and how it settles a tie."""
    clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    await kudo(bot, "li", "/kudos @bruno 谢谢 帮忙 翻译 投标 材料")
    clock.set(datetime(2026, 12, 1, 4, 50, tzinfo=UTC))
    await kudo(bot, "alice", "/kudos @sam for the late-night pricing review")
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    await kudo(bot, "li", "/kudos top", group=False)
    assert chat.last("li").endswith("按组织时区（America/New_York）从午夜到午夜计算。")
    await kudo(bot, "grace", "/kudos top", group=False)
    assert "The month runs midnight to midnight in the org's time (America/New_York)." \
        in chat.last("grace")
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    roll = chat.last("grace")
    assert "2 kudos in all." in roll
    assert "Sam Lee" in roll and "Bruno Rossi" in roll
    assert roll.endswith("Month counted midnight to midnight in the org's time "
                         "(America/New_York); a tie names everyone on it, by name.")
    await kudo(bot, "li", "/honours 2026-11", group=False)
    assert chat.last("li").endswith(
        "月份按组织时区（America/New_York）从午夜到午夜计算；并列时按姓名列出所有人。")


async def test_a_value_taken_out_of_the_org_file_still_ranks_the_kudos_tagged_with_it(
        bot, chat, settings, tmp_path):
    """Kudos were tagged #customer-first; then the org file drops that value. The
    period's board by that value was refused ("not one of our values"), though its kudos
    carry it: a past period is asked for by the values it had, as by the teams it had. A
    value no kudos of the period carries is still refused."""
    from dataclasses import replace

    from tests.support import TEST_ORG, run_cli
    from tests.test_digest import edit_org

    await kudo(bot, "li", "/kudos @alice thanks for the bid #customer-first")
    text = TEST_ORG.read_text(encoding="utf-8")
    start = text.index("  - key: customer-first\n")
    without = text[:start] + text[text.index("  - key: ownership\n"):]
    settings = replace(settings, org_file=tmp_path / "org.yaml")  # (never the shared file)
    settings.org_file.write_text(without, encoding="utf-8")
    edit_org(bot, without)
    await kudo(bot, "grace", "/kudos top value customer-first", group=False)
    board = chat.last("grace")
    # Asked for by its key; named as its kudos named it (not by its key).
    assert "1. Alice Martin — 1" in board and ", value Customer first\n" in board, board
    await kudo(bot, "grace", "/kudos top value teamwork", group=False)
    assert "is not one of our values" in chat.last("grace")
    code, out = run_cli(settings, "kudos", "top", "--period", "all", "--value",
                        "customer-first")
    assert code == 0 and "Alice Martin" in out, out


@pytest.mark.parametrize("word", ["kudos", "thanks", "thank you", "shoutout", "谢谢", "感谢",
                                  "点赞", ":clap:", "👏", ":tada:", "🎉"])
async def test_each_default_kudos_word_in_a_channel_message_gives_kudos(bot, chat, word):
    """README: a channel message that mentions people and holds a kudos word counts; "by
    default `kudos`, `thanks`, `thank you`, `shoutout`, `谢谢`, `感谢`, `点赞`,
    `:clap:`/👏, `:tada:`/🎉". Each of them alone, beside a name and a reason, gives Sam
    kudos; the same message without the word is left alone."""
    await kudo(bot, "alice", "@sam the renewal deck for Acme was great")
    assert count_kudos(bot) == 0 and chat.sent == []
    await kudo(bot, "alice", f"{word} @sam the renewal deck for Acme was great")
    assert count_kudos(bot) == 1, word
    assert "Sam Lee — kudos from Alice Martin:" in chat.last("team")


async def test_a_board_of_a_value_that_is_none_says_so_not_that_kudos_were_held_back(bot, chat):
    """`/kudos top value teamwork` (no such value) answered "#teamwork is not one of our
    values, so I haven't given these kudos yet": nobody was giving kudos, only asking for a
    board. It names the values and how to ask for a board of one; nothing is stored."""
    await kudo(bot, "grace", "/kudos top value teamwork", group=False)
    assert chat.last("grace") == (
        "#teamwork is not one of our values. Our values: #customer-first (Customer first), "
        "#ownership (Ownership). For example /kudos top value customer-first.")
    await kudo(bot, "li", "/kudos top value 团队合作", group=False)
    assert chat.last("li") == (
        "#团队合作 不是我们的价值观。我们的价值观：#customer-first（客户第一）、#ownership"
        "（主人翁精神）。例如 /kudos top value customer-first。")
    assert count_kudos(bot) == 0


async def test_values_tagged_in_brackets_leave_no_empty_brackets_in_the_reason(bot, chat):
    # "(#ownership)" at the end had left "the demo prep ( )" in the shout-out and the DM.
    await kudo(bot, "alice", "/kudos @sam for the demo prep (#ownership, #customer-first)")
    assert "👏 Sam Lee — kudos from Alice Martin: the demo prep\n" in chat.last("team")
    assert chat.last("sam").startswith("🎉 You got kudos from Alice Martin: the demo prep\n")
    await kudo(bot, "alice", "/kudos 谢谢 @li 帮忙准备投标材料（#客户第一）")
    assert chat.last("li").startswith("🎉 Alice Martin 给你点赞：谢谢 帮忙准备投标材料\n")
    # Brackets with words in them are the giver's and stay.
    await kudo(bot, "alice", "/kudos @bruno for the tender (a long one) #ownership")
    assert "the tender (a long one)\n" in chat.last("bruno")


async def test_thanks_to_the_names_leaves_no_dangling_to_in_the_reason(bot, chat):
    # "Big thanks to @sam, @li, and @bruno for the pitch!" had read "Big thanks to for the
    # pitch!" in the channel and in each DM.
    await kudo(bot, "alice", "Big thanks to @sam, @li, and @bruno for the pitch!")
    assert "👏 Sam Lee, 李雷, Bruno Rossi — kudos from Alice Martin: Big thanks for the pitch!" \
        in chat.last("team")
    await kudo(bot, "grace", "kudos to @sam for a great demo today")
    assert chat.last("sam").startswith("🎉 You got kudos from Grace Chen: kudos for a great demo")
    # A 'to' that is no part of the thanks stays.
    await kudo(bot, "bruno", "thanks @li for sending the deck to the client")
    assert "thanks for sending the deck to the client" in chat.last("li")


async def test_marks_right_after_a_name_stay_with_the_words_before(bot, chat):
    # "谢谢 @li!! 报价单很及时" had read "谢谢 !! 报价单很及时" (one "!" had been joined back).
    await kudo(bot, "sam", "谢谢 @li!! 报价单很及时")
    assert chat.last("li").startswith("🎉 Sam Lee 给你点赞：谢谢!! 报价单很及时")
    await kudo(bot, "alice", "thanks @sam?! what a save on the Acme call")
    assert chat.last("sam").startswith("🎉 You got kudos from Alice Martin: thanks?! what a save")


@pytest.mark.parametrize(("text", "reason"), [
    ("kudos to @sam - great demo", "great demo"),
    ("thanks @sam: great demo today", "great demo today"),
    ("Thanks, @sam — great demo today", "great demo today"),
    ("👏 @sam -- great demo", "great demo"),
    ("谢谢 @sam —— 演示做得很好", "演示做得很好"),
    ("谢谢 @sam：演示做得很好", "演示做得很好"),
])
async def test_a_dash_or_colon_after_the_thanked_names_is_no_part_of_the_reason(
        bot, chat, text, reason):
    # "kudos from Alice Martin: kudos - great demo" was the shout-out.
    await kudo(bot, "alice", text)
    assert chat.last("team").endswith(f"— kudos from Alice Martin: {reason}"), chat.last("team")
    assert chat.last("sam").startswith(f"🎉 You got kudos from Alice Martin: {reason}")


async def test_a_dash_after_names_within_the_praise_stays_with_it(bot, chat):
    # Praise before the names is the reason's: only a bare thank-you goes with the dash.
    await kudo(bot, "alice", "great job @sam - thanks for the launch")
    assert chat.last("team").endswith("kudos from Alice Martin: great job - thanks for the "
                                       "launch"), chat.last("team")
