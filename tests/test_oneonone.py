"""One-on-ones on the console: cadence from the org file, schedule, moving and skipping,
reminders (two timezones, across a DST change), the shared agenda (from both sides and
from a check-in), the after-meeting dialog, action items, feedback, history, the GM's
overview, and nothing sent twice across a restart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import prepare
from bot.config import Settings
from bot.org import OrgError, parse_org
from handlers.oneonone import oneonone_overview, pairs
from storage.oneonone import OneOnOneRepo
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import NAMESAKES, TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_cli_views import valid


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def texts(chat: RecordingAdapter, key: str, needle: str) -> list[str]:
    return [t for t in chat.to(key) if needle in t]


def buttons(chat: RecordingAdapter, key: str) -> list[str]:
    return [c.value for s in chat.sent if s.target.address == key for c in s.message.choices]


# --- cadence ----------------------------------------------------------------------------

def test_cadence_comes_from_pair_then_team_then_role_then_default(bot):
    with bot.unit() as ctx:
        found = {(p.manager.key, p.report.key): p.cadence for p in pairs(ctx.session, ctx.org)}
    assert set(found) == {("grace", "alice"), ("grace", "bruno"), ("grace", "li"),
                          ("alice", "sam")}  # vera has no manager: no pair
    assert found[("grace", "alice")].cadence == "weekly"
    assert found[("grace", "li")].cadence == "monthly"  # the pair's own rule
    assert found[("alice", "sam")].cadence == "biweekly"  # members: every two weeks
    assert found[("alice", "sam")].time.hour == 14


def test_a_pair_switched_off_and_team_rules(tmp_path):
    org = parse_org(TEST_ORG.read_text() + """
oneonones:
  teams:
    Europe: {cadence: monthly}
  pairs:
    - {report: sam, enabled: false}
""")
    bruno = org.person("bruno")
    assert org.oneonones.cadence_for(bruno.role, bruno.team, "bruno").cadence == "monthly"
    assert not org.oneonones.cadence_for("member", "East", "sam").enabled


def test_bad_one_on_one_rules_are_refused_with_every_problem():
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text() + """
oneonones:
  default: {time: "25:00"}
  teams:
    Mars: {cadence: weekly}
  pairs:
    - {report: vera}
    - {report: nobody}
""")
    problems = "\n".join(err.value.problems)
    assert "time '25:00' must be HH:MM" in problems
    assert "nobody is in team 'Mars'" in problems
    assert "'vera' has no manager" in problems
    assert "'nobody' is not a person" in problems


# --- schedule, move, skip ---------------------------------------------------------------

async def test_schedule_shows_each_side_the_time_in_their_own_timezone(bot, chat):
    await say(bot, "bruno", "/1on1 schedule")
    text = chat.last("bruno")
    assert "Grace Chen: weekly, Mon 10:00 (America/New_York)" in text
    assert "next: Mon 2026-11-30 16:00 (Europe/Rome)" in text
    await say(bot, "grace", "/1on1")
    text = chat.last("grace")
    assert "Bruno Rossi: weekly" in text and "Mon 2026-11-30 10:00 (America/New_York)" in text
    assert "李雷: monthly, Tue 09:00" in text and "Tue 2026-12-01 09:00" in text
    await say(bot, "li", "/1on1")
    assert "2026-12-01 22:00（周二，Asia/Shanghai）" in chat.last("li")  # Chinese, Shanghai time


async def test_the_hint_under_the_schedule_names_the_person_to_whoever_has_several(bot, chat):
    """The hint showed '/1on1 move YYYY-MM-DD HH:MM' to the GM too, who has three one-on-ones
    and is then asked "Which one-on-one?": it shows the form with the person to them."""
    await say(bot, "grace", "/1on1")
    assert chat.last("grace").splitlines()[-1] == (
        "/1on1 move @person YYYY-MM-DD HH:MM · /1on1 skip @person · /agenda")
    await say(bot, "grace", "/1on1 bruno")  # that one-on-one: its person, ready to copy
    assert "/1on1 move @bruno YYYY-MM-DD HH:MM · /1on1 skip @bruno · /agenda" in \
        chat.to("grace")[-2]
    await say(bot, "bruno", "/1on1")  # one one-on-one: nobody to name
    assert chat.last("bruno").splitlines()[-1] == (
        "/1on1 move YYYY-MM-DD HH:MM · /1on1 skip · /agenda")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/1on1")
    assert chat.last("grace").splitlines()[-1] == (
        "/1on1 move @某人 YYYY-MM-DD HH:MM · /1on1 skip @某人 · /agenda")
    await say(bot, "li", "/1on1")
    assert chat.last("li").splitlines()[-1] == "/1on1 move YYYY-MM-DD HH:MM · /1on1 skip · /agenda"


async def test_moving_to_a_day_or_hour_that_does_not_exist_says_which(bot, chat):
    """A typo in the month or the hour is named, not answered with the usage line as if the
    format were wrong; the meeting stays where it was. In Chinese too."""
    await say(bot, "grace", "/1on1")
    before = chat.last("grace")
    for typed, shown in (("2026-13-01 09:00", "2026-13-01 09:00"),
                         ("2026-12-08 25:00", "2026-12-08 25:00"),
                         ("2026-2-30 9:00", "2026-02-30 09:00")):
        await say(bot, "grace", f"/1on1 move @bruno {typed}")
        assert chat.last("grace").startswith(f"{shown} is not a real date and time")
    await say(bot, "li", "/1on1 move 2026-12-32 10:00")
    assert chat.last("li").startswith("2026-12-32 10:00 不是有效的日期和时间")
    assert not chat.to("bruno")
    await say(bot, "grace", "/1on1")
    assert chat.last("grace") == before


async def test_a_move_said_in_words_lands_on_that_day(bot, chat):
    # "/1on1 move @grace tomorrow 3pm" was answered with the usage: only YYYY-MM-DD was
    # read in English. Alice is in New York on Friday 2026-11-27; Li in Shanghai, Saturday.
    await say(bot, "alice", "/1on1 move @grace tomorrow 3pm")
    assert "your next 1:1 with Grace Chen is Sat 2026-11-28 15:00" in chat.last("alice")
    await say(bot, "alice", "/1on1 move @grace Dec 3, 10:30")
    assert "your next 1:1 with Grace Chen is Thu 2026-12-03 10:30" in chat.last("alice")
    await say(bot, "li", "/1on1 move 下周三 上午9点")
    assert "改为 2026-12-02 09:00（周三，Asia/Shanghai）" in chat.last("li")


async def test_a_move_to_a_day_written_before_its_month_and_a_time_lands_on_that_day(bot, chat):
    # "3 Dec 10:30" read the month and the hour as "Dec 10" and refused "3 2026-12-10 :30";
    # "Dec 3, 10:30" moved it. Both orders are how /away takes a day.
    await say(bot, "alice", "/1on1 move @grace 3 Dec 10:30")
    assert "your next 1:1 with Grace Chen is Thu 2026-12-03 10:30" in chat.last("alice")
    await say(bot, "alice", "/1on1 move @grace 4 December 9:00")
    assert "your next 1:1 with Grace Chen is Fri 2026-12-04 09:00" in chat.last("alice")


async def test_a_move_to_a_day_that_passed_weeks_ago_asks_for_the_year(bot, chat):
    # Said on Friday 2026-11-27, "Nov 20" is a slip or the past; read as the next such day
    # it moved the next one-on-one to 2027-11-20, a year away, and said so as a success.
    await say(bot, "alice", "/1on1")
    before = chat.last("alice")
    await say(bot, "alice", "/1on1 move @grace Nov 20 10:00")
    assert chat.last("alice").startswith(
        "2026-11-20 has passed (today is 2026-11-27), and without a year it would be next "
        "year's, 2027-11-20: nothing was moved. To move it there, send the date with its "
        "year (/1on1 move @grace 2027-11-20 HH:MM).")
    await say(bot, "li", "/1on1 move 11月20日 上午10点")
    assert chat.last("li").startswith("2026-11-20 已经过去了（今天是 2026-11-28）")
    assert "（/1on1 move @grace 2027-11-20 HH:MM）" in chat.last("li")
    assert not chat.to("grace")
    await say(bot, "alice", "/1on1")
    assert chat.last("alice") == before
    # Earlier today is named with the time it is now: "That time has already passed" did
    # not say which time it read.
    await say(bot, "alice", "/1on1 move @grace 2026-11-27 09:00")
    assert chat.last("alice") == ("2026-11-27 09:00 has already passed (it is now 2026-11-27 "
                                  "16:00, America/New_York): nothing was moved. Give a time "
                                  "in the future.")
    await say(bot, "li", "/1on1 move 2026-11-28 上午4点")
    assert chat.last("li") == ("2026-11-28 04:00 已经过去了（现在是 2026-11-28 05:00，"
                               "Asia/Shanghai），未改期。请给出将来的时间。")
    # A day still ahead this year is read as before.
    await say(bot, "alice", "/1on1 move @grace Dec 3 10:00")
    assert "your next 1:1 with Grace Chen is Thu 2026-12-03 10:00" in chat.last("alice")


async def test_moving_and_skipping_the_next_one(bot, chat, clock):
    await say(bot, "grace", "/1on1 move 2026-12-01 11:00")
    assert "Which one-on-one?" in chat.last("grace")  # Grace has three reports
    await say(bot, "grace", "/1on1 move @bruno 2026-12-01 11:00")
    assert "Moved: your next 1:1 with Bruno Rossi is Tue 2026-12-01 11:00" in chat.last("grace")
    assert "Grace Chen moved your next 1:1 to Tue 2026-12-01 17:00 (Europe/Rome)" \
        in chat.last("bruno")
    await say(bot, "bruno", "/1on1 move 2026-11-20 10:00")
    assert "already passed" in chat.last("bruno")
    await say(bot, "bruno", "/1on1 move tomorrow")
    assert "YYYY-MM-DD HH:MM" in chat.last("bruno")
    chat.clear()
    # No reminder for the old Monday slot; the moved one is reminded at its new time.
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=10))
    assert not chat.to("bruno")
    await sweep_at(bot, clock, datetime(2026, 12, 1, 15, 50, tzinfo=UTC))
    assert "starts soon: Tue 2026-12-01 17:00 (Europe/Rome)" in chat.last("bruno")
    # Alice skips hers: no reminder, and Grace is told.
    await say(bot, "alice", "/1on1 skip @grace")
    assert "Skipped" in chat.last("alice")
    assert "Alice Martin skipped your 1:1 on Mon 2026-12-07 10:00" in chat.last("grace")


async def test_moving_to_a_time_the_clocks_skip_is_refused(bot, chat, clock):
    # 02:30 on 2027-03-14 does not exist in New York (the clocks go from 02:00 to 03:00):
    # the move had been confirmed as "Sun 2027-03-14 02:30" and the meeting set at 03:30.
    await say(bot, "alice", "/1on1 move @grace 2027-03-14 02:30")
    assert chat.last("alice") == ("2027-03-14 02:30 does not exist in America/New_York: the "
                                  "clocks go forward then. Give another time; nothing was "
                                  "moved.")
    assert not chat.to("grace")
    await say(bot, "alice", "/1on1")
    assert "next: Mon 2026-11-30 10:00" in chat.last("alice")
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
    await say(bot, "alice", "/1on1 move @grace 2027-03-14 02:30")
    assert chat.last("alice") == ("America/New_York 没有 2027-03-14 02:30 这个时间：那时时钟"
                                  "向前拨。请换一个时间；面谈没有调整。")
    await say(bot, "alice", "/1on1 move @grace 2027-03-14 03:30")  # the real one is fine
    assert "2027-03-14 03:30" in chat.last("alice")


# --- reminders --------------------------------------------------------------------------

async def test_reminders_across_a_dst_change_in_two_timezones(bot, chat, clock):
    # New York leaves summer time on 2026-11-01, Rome on 2026-10-25. Monday 2026-11-02
    # 10:00 in New York is 15:00 UTC (16:00 in Rome), an hour later in UTC than in October.
    await sweep_at(bot, clock, datetime(2026, 11, 1, 14, 30, tzinfo=UTC))
    assert not texts(chat, "bruno", "2026-11-02")  # 24h + 30 min before: not yet
    await sweep_at(bot, clock, datetime(2026, 11, 1, 15, 5, tzinfo=UTC))
    assert "is tomorrow, Mon 2026-11-02 16:00 (Europe/Rome)" in chat.last("bruno")
    assert "is tomorrow, Mon 2026-11-02 10:00 (America/New_York)" in texts(
        chat, "grace", "Bruno")[-1]
    # 13:50 UTC would be 10 minutes before a summer-time 10:00: it is 70 minutes early now.
    await sweep_at(bot, clock, datetime(2026, 11, 2, 13, 50, tzinfo=UTC))
    assert not texts(chat, "bruno", "starts soon")
    await sweep_at(bot, clock, datetime(2026, 11, 2, 14, 50, tzinfo=UTC))
    assert "starts soon: Mon 2026-11-02 16:00 (Europe/Rome)" in chat.last("bruno")
    # The week before (both on summer time) the same slot was 14:00 UTC.
    chat.clear()
    await sweep_at(bot, clock, datetime(2026, 10, 26, 13, 50, tzinfo=UTC))
    assert "starts soon: Mon 2026-10-26 15:00 (Europe/Rome)" in chat.last("bruno")


async def test_nobody_is_reminded_of_a_one_on_one_while_away(bot, chat, clock):
    # Alice is away Friday to Friday; Li will be away on the day of his 1:1 with Grace.
    # Both had been reminded ("your 1:1 with Grace Chen is tomorrow") and Grace reminded
    # of 1:1s with people who would not be there, with no word of it.
    await say(bot, "alice", "/away 2026-12-04")
    await say(bot, "li", "/away 2026-12-01 2026-12-02")
    chat.clear()
    await sweep_at(bot, clock, datetime(2026, 11, 29, 15, 5, tzinfo=UTC))  # Sun, NY
    assert not texts(chat, "alice", "Grace Chen")
    assert "Reminder: your 1:1 with Alice Martin is tomorrow, Mon 2026-11-30 10:00 " \
        "(America/New_York).\nAlice Martin is away then (until 2026-12-04): /1on1 skip " \
        "@alice or /1on1 move @alice if it will not happen." in texts(chat, "grace", "Alice")[-1]
    assert "away" not in texts(chat, "grace", "Bruno Rossi")[-1]
    assert "Reminder: your 1:1 with Grace Chen is tomorrow" in chat.last("bruno")
    await sweep_at(bot, clock, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # Li: Mon 22:30
    assert not texts(chat, "li", "Grace Chen")  # not away yet, but away for the 1:1
    assert "李雷 is away then (until 2026-12-02)" in texts(chat, "grace", "李雷")[-1]
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=10))
    assert not texts(chat, "alice", "starts soon")
    # Grace in Chinese: the note is in her language.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await sweep_at(bot, clock, datetime(2026, 12, 1, 13, 50, tzinfo=UTC))  # Li: 15 min
    assert "李雷届时不在（休假至 2026-12-02）" in texts(chat, "grace", "李雷")[-1]


async def test_reminder_in_chinese_for_li(bot, chat, clock):
    await sweep_at(bot, clock, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    text = chat.last("li")
    assert "提醒：你与Grace Chen的一对一面谈在明天，2026-12-01 22:00（周二，Asia/Shanghai）" in text
    assert "还没有议程" in text


async def test_nothing_is_sent_twice_across_a_restart(bot, chat, clock, settings):
    when = MONDAY_SLOT - timedelta(hours=20)
    assert await sweep_at(bot, clock, when) > 0
    before = list(chat.sent)
    assert await bot.run_oneonones() == 0  # the same minute again
    again, engine = prepare(settings, clock)  # a restarted bot on the same database
    chat2 = RecordingAdapter()
    again.register(chat2)
    try:
        assert await again.run_oneonones() == 0
        clock.advance(timedelta(minutes=1))
        assert await again.run_oneonones() == 0
        assert chat2.sent == [] and chat.sent == before
    finally:
        engine.dispose()


# --- agenda -----------------------------------------------------------------------------

async def _alice_checked_in_with_a_blocker(bot) -> None:
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        rnd = ctx.checkins.create_round(alice, "2026-W48", [], bot.clock.now())
        now = bot.clock.now()
        ctx.checkins.save_answer(rnd, "blockers", text="Legal review slows contracts",
                                 number=None, skipped=False, now=now)
        ctx.checkins.save_answer(rnd, "support_type", text="budget", number=None,
                                 skipped=False, now=now)
        ctx.checkins.save_answer(rnd, "support_detail", text="Two more demo licences",
                                 number=None, skipped=False, now=now)
        rnd.status = "submitted"


async def test_agenda_from_both_sides_and_from_the_check_in(bot, chat, clock):
    await _alice_checked_in_with_a_blocker(bot)
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan")
    assert "Added to the agenda of your next 1:1 with Grace Chen: Q1 hiring plan" \
        in chat.last("alice")
    await say(bot, "grace", "/agenda add Pipeline review")
    assert "Which one-on-one?" in chat.last("grace")
    await say(bot, "grace", "/agenda add @alice Pipeline review")
    await say(bot, "grace", "/agenda add @vera Budget")
    assert "You have no one-on-one with @vera" in chat.last("grace")
    await say(bot, "alice", "/agenda")
    text = chat.last("alice")
    section = text.split("1:1 with Grace Chen")[1].split("1:1 with")[0]
    assert "Q1 hiring plan — Alice Martin" in section
    assert "Pipeline review — Grace Chen" in section
    assert "Legal review slows contracts (blocker from the check-in)" in section
    assert "Budget: Two more demo licences (support request from the check-in)" in section
    assert "1:1 with Sam Lee" in text  # Alice's own report
    # The day before, both get the reminder with the agenda so far; proposed only once.
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(hours=20))
    reminder = texts(chat, "grace", "your 1:1 with Alice Martin is tomorrow")[-1]
    assert reminder.count("Legal review slows contracts") == 1
    assert "Q1 hiring plan" in reminder
    assert "Pipeline review" in texts(chat, "alice", "is tomorrow")[-1]


async def test_a_check_in_saying_no_blockers_puts_no_blocker_on_the_agenda(bot, chat):
    """Alice answered 'No blockers this week' (and 李雷 '无'): the 1:1's agenda had listed
    "No blockers this week (blocker from the check-in)" as an item to talk through."""
    with bot.unit() as ctx:
        for key, said in (("alice", "No blockers this week"), ("li", "无")):
            rnd = ctx.checkins.create_round(ctx.people.by_key(key), "2026-W48", [],
                                            bot.clock.now())
            ctx.checkins.save_answer(rnd, "blockers", text=said, number=None, skipped=False,
                                     now=bot.clock.now())
            rnd.status = "submitted"
    await say(bot, "grace", "/agenda")
    agenda = chat.last("grace")
    assert "blocker from the check-in" not in agenda and "无" not in agenda, agenda


async def test_a_check_in_still_in_progress_puts_nothing_on_the_agenda(bot, chat):
    """Alice answers her check-in up to the support detail and pauses; Grace looks at the
    agenda of their 1:1. It read "Budget: Two more demo licences (support request from the
    check-in)" from answers still in progress, and kept it when Alice then changed them
    to no support needed and submitted: a request /summary and /support never had. The
    agenda takes the latest check-in submitted, as they do."""
    from tests.test_checkin import answer_all

    await bot.run_checkins(["alice"])
    for answer in ("52000", "3", "Closed Acme", "Legal review slows contracts", "2",
                   "Two more demo licences"):
        await say(bot, "alice", answer)
    await say(bot, "alice", "/pause")
    await say(bot, "grace", "/agenda")
    section = chat.last("grace").split("1:1 with Alice Martin")[1].split("1:1 with")[0]
    assert "Two more demo licences" not in section and "Legal review" not in section
    await say(bot, "alice", "/checkin")
    await answer_all(bot, "alice", ["Visit 5", "4"])
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "1")  # no support needed after all
    await say(bot, "grace", "/agenda")
    section = chat.last("grace").split("1:1 with Alice Martin")[1].split("1:1 with")[0]
    assert "Legal review slows contracts (blocker from the check-in)" in section
    assert "Two more demo licences" not in section and "support request" not in section


async def test_a_full_width_at_names_the_person_in_chinese(bot, chat):
    # A Chinese keyboard types '＠' (full width): Grace, reading in Chinese, had been asked
    # "which one-on-one?" though she had named 李雷.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/agenda add ＠李雷 讨论预算")
    assert chat.last("grace") == "已加入你与李雷下次一对一面谈的议程：讨论预算"
    await say(bot, "grace", "/agenda add 讨论 ＠li 招聘计划")  # and no gap left behind
    assert chat.last("grace") == "已加入你与李雷下次一对一面谈的议程：讨论 招聘计划"
    await say(bot, "li", "/agenda")
    assert "讨论预算" in chat.last("li") and "讨论 招聘计划" in chat.last("li")


async def test_agenda_needs_text(bot, chat):
    await say(bot, "bruno", "/agenda add")
    assert "/agenda add [@person] <text>" in chat.last("bruno")
    await say(bot, "vera", "/agenda")
    assert "You have no one-on-ones" in chat.last("vera")


# --- after the meeting ------------------------------------------------------------------

async def _held_with_alice(bot, chat, clock) -> None:
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    assert texts(chat, "grace",
                 "Did your 1:1 with Alice Martin (Mon 2026-11-30 10:00 (America/New_York)) happen?")
    yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
    await say(bot, "grace", action=yes)
    assert "Send short notes" in chat.last("grace")


async def test_a_private_note_typed_in_full_width_mode_stays_private(bot, chat, clock):
    """Grace types the marker on a Chinese keyboard left in full-width mode, as README
    says every command's words may come: 'ｐｒｉｖａｔｅ：' was no marker, the note was saved
    as shared and went to Alice in the recap of the meeting."""
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "ｐｒｉｖａｔｅ：consider her for the team lead role")
    assert "Private note saved" in chat.last("grace")
    await say(bot, "grace", "ＰＲＩＶＡＴＥ: she asked about a raise")
    assert "Private note saved" in chat.last("grace")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    recap = texts(chat, "alice", "Your 1:1 with Grace Chen on 2026-11-30")[-1]
    assert "team lead" not in recap and "raise" not in recap
    await say(bot, "grace", "/1on1 history alice")
    assert "(private) consider her for the team lead role; (private) she asked about a raise" \
        in chat.last("grace")


async def test_a_private_note_or_agenda_item_typed_in_a_group_is_not_kept_as_private(
        bot, chat, clock):
    """Alice types `/1on1 note @grace private: …` in the team's group chat (on Telegram,
    or the console's group, everyone there reads what was typed): it was saved and shown
    to her later as "(private)", only she sees it, though the whole group had read it.
    Nothing is kept; she is told, in private, why and where to send it; the group hears
    no more of it. The same in Chinese, and for a private agenda item; a shared note
    typed there is kept as before (she chose to say it in front of them)."""
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    chat.clear()
    await say(bot, "alice", "/1on1 note @grace private: ask for the raise next time",
              group=True)
    told = chat.last("alice")
    assert "everyone in that chat read it" in told and "not saved" in told, told
    assert "in a private chat with me" in told, told
    assert not any("raise" in t for t in chat.to("team")), chat.to("team")
    await say(bot, "alice", "/agenda add @grace private: my attrition risk", group=True)
    assert "everyone in that chat read it" in chat.last("alice")
    await say(bot, "alice", "/language 中文")
    await say(bot, "alice", "/1on1 note @grace 私密：想调岗", group=True)
    assert "群里的每个人都看到了" in chat.last("alice"), chat.last("alice")
    await say(bot, "alice", "/1on1 history")
    assert "raise" not in chat.last("alice") and "调岗" not in chat.last("alice")
    await say(bot, "alice", "/agenda @grace")
    assert "attrition" not in chat.last("alice")
    # In private the same note is kept, as before; a shared one typed in the group too.
    await say(bot, "alice", "/1on1 note @grace private: ask for the raise next time")
    assert chat.last("alice") == "私密记录已保存（只有你能看到）。"
    await say(bot, "alice", "/1on1 note @grace I will shadow Bruno's demo", group=True)
    assert "共享记录已保存" in chat.last("alice")


async def test_the_whole_after_meeting_dialog(bot, chat, clock):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "Alice will take over the Boston account")
    assert "Shared note saved" in chat.last("grace")
    await say(bot, "grace", "private: consider her for the team lead role")
    assert "Private note saved" in chat.last("grace")
    await say(bot, "grace", "next")
    assert "Action items" in chat.last("grace")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-04")
    assert "Action item #1: Send the Q1 forecast — Alice Martin, due 2026-12-04" \
        in chat.last("grace")
    await say(bot, "grace", "Ask finance about licences @grace")
    assert "Action item #2: Ask finance about licences — Grace Chen, due 2026-12-07" \
        in chat.last("grace")
    await say(bot, "grace", "Call the client @bruno")
    assert "belongs to Grace Chen or Alice Martin" in chat.last("grace")
    await say(bot, "grace", "done")
    assert "is recorded" in texts(chat, "grace", "recorded")[-1]
    recap = texts(chat, "alice", "Your 1:1 with Grace Chen on 2026-11-30")[-1]
    assert "Alice will take over the Boston account" in recap
    assert "team lead" not in recap  # a private note stays with its author
    assert "#1 Send the Q1 forecast" in recap
    # Feedback: both are asked; Alice answers with the buttons, then one thing to improve.
    assert "How useful was your 1:1 with Grace Chen?" in chat.last("alice")
    four = next(v for v in buttons(chat, "alice") if v.startswith("oo:fb:") and v.endswith(":4"))
    await say(bot, "alice", action=four)
    assert "One thing to improve" in chat.last("alice")
    await say(bot, "alice", "More time on the pipeline")
    assert "Thanks for the feedback" in chat.last("alice")
    assert "Feedback from Alice Martin on your 1:1 of 2026-11-30: 4/5. One thing to improve: " \
        "More time on the pipeline" in chat.last("grace")
    # Grace types her rating instead of pressing a button.
    await say(bot, "grace", "5")
    await say(bot, "grace", "skip")
    assert "Feedback from Grace Chen on your 1:1 of 2026-11-30: 5/5." in chat.last("alice")
    # The discussed agenda item is gone; open action items carry over to the next agenda.
    await say(bot, "alice", "/agenda")
    section = chat.last("alice").split("1:1 with Grace Chen")[1].split("1:1 with")[0]
    assert "Q1 hiring plan" not in section
    assert "#1 Send the Q1 forecast — Alice Martin, due 2026-12-04" in section
    # History shows the shared notes to both, and Grace's private one to Grace alone.
    await say(bot, "grace", "/1on1 history alice")
    history = chat.last("grace")
    assert "2026-11-30: Grace Chen · Alice Martin — Alice will take over the Boston account; " \
        "(private) consider her for the team lead role" in history
    await say(bot, "bruno", "/1on1 history alice")
    assert "only one-on-ones you were in" in chat.last("bruno")
    # Alone, one's own history (it asked whose, of a director with one manager).
    await say(bot, "alice", "/1on1 history")
    assert chat.last("alice").startswith("Your one-on-ones\n")
    assert "2026-11-30: Grace Chen · Alice Martin — Alice will take over" in chat.last("alice")
    assert "team lead" not in chat.last("alice")
    await say(bot, "li", "/1on1 历史")
    assert chat.last("li").startswith("你还没有一对一面谈记录")


async def test_a_meeting_that_did_not_happen_keeps_its_agenda(bot, chat, clock):
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=2))
    await say(bot, "grace", "maybe")
    assert "yes or no" in chat.last("grace")
    await say(bot, "grace", "no")
    assert "the 1:1 with Alice Martin did not happen" in chat.to("grace")[-2]
    assert chat.last("grace").startswith("Did your 1:1 with Bruno Rossi")  # asked again
    await say(bot, "alice", "/agenda")
    assert "Q1 hiring plan" in chat.last("alice")
    # Right after the slot nothing is overdue yet; a day and more later both pairs whose
    # slot was not confirmed as held are (Bruno's manager never answered).
    with bot.unit() as ctx:
        soon = oneonone_overview(ctx.session, ctx.org, MONDAY_SLOT + timedelta(hours=3))
        later = oneonone_overview(ctx.session, ctx.org, MONDAY_SLOT + timedelta(days=2))
    assert not any(d.own.overdue for d in soon if d.own)
    alice = next(d for d in later if d.key == "alice")
    assert alice.own is not None and alice.own.overdue and alice.own.last_held is None
    assert alice.own.next == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert next(d for d in later if d.key == "bruno").own.overdue
    assert not next(d for d in later if d.key == "li").own.overdue  # its slot was never asked about


async def test_a_check_in_in_progress_keeps_typed_answers(bot, chat, clock):
    """Alice is asked about her 1:1 with Sam while a check-in question waits: her typed
    reply goes to the check-in; the buttons still answer the 1:1, and the 1:1 dialog
    takes typed replies again once the check-in is paused."""
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))  # Wed 14:40 New York, after the slot
    await say(bot, "alice", "/checkin")
    question = chat.last("alice")
    await bot.run_oneonones()
    assert "Did your 1:1 with Sam Lee" in chat.last("alice")
    assert "Your check-in is waiting" in chat.last("alice")
    await say(bot, "alice", "no")
    assert "did not happen" not in chat.last("alice")  # taken by the check-in
    with bot.unit() as ctx:
        meeting = OneOnOneRepo(ctx.session).meeting_states()[-1]
        assert meeting.status == "asked"
    await say(bot, "alice", "/pause")
    await say(bot, "alice", "yes")
    assert "Send short notes on your 1:1 with Sam Lee" in chat.last("alice")
    assert question


# --- action items and feedback reminders ----------------------------------------------

async def test_due_action_items_are_reminded_once_and_can_be_closed(bot, chat, clock):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-02")
    await say(bot, "grace", "done")
    await say(bot, "alice", "/actions")
    assert "#1 Send the Q1 forecast — Alice Martin, due 2026-12-02" in chat.last("alice")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 4, 0, tzinfo=UTC))  # still Dec 1 in NY
    assert not texts(chat, "alice", "is due")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    assert "Action item #1 is due 2026-12-02: Send the Q1 forecast" in chat.last("alice")
    await sweep_at(bot, clock, datetime(2026, 12, 3, 13, 0, tzinfo=UTC))
    assert len(texts(chat, "alice", "is due")) == 1
    await say(bot, "alice", "/actions")
    assert "(overdue)" in chat.last("alice")
    await say(bot, "bruno", "/actions done 1")
    assert "no open action item #1" in chat.last("bruno")  # not his
    await say(bot, "alice", "/actions done 1")
    assert "Done: #1 Send the Q1 forecast" in chat.last("alice")
    await say(bot, "alice", "/actions")
    assert "No open action items" in chat.last("alice")


async def test_an_action_item_due_while_away_is_reminded_on_return(bot, chat, clock):
    # Alice had been told "Action item #1 is due" on the first day of her time away.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-02")
    await say(bot, "grace", "done")
    await say(bot, "alice", "/away 2026-12-02 2026-12-03")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    assert not texts(chat, "alice", "Action item #1")
    await sweep_at(bot, clock, datetime(2026, 12, 4, 13, 0, tzinfo=UTC))  # back on Friday
    # Two days after its day, it was due: "is due 2026-12-02" read as if still to come.
    assert "Action item #1 was due 2026-12-02 (overdue): Send the Q1 forecast" \
        in chat.last("alice")
    await sweep_at(bot, clock, datetime(2026, 12, 5, 13, 0, tzinfo=UTC))
    assert len(texts(chat, "alice", "was due")) == 1
    with bot.unit() as ctx:  # in Chinese too
        assert "截止于 2026-12-02（已逾期）：" in ctx.renderer.message(
            "zh-CN", "oo_action_due", number=1, text="x", due=date(2026, 12, 2), overdue=True)


async def test_the_manager_is_reminded_of_overdue_feedback(bot, chat, clock):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")  # no notes, no action items
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=6))
    assert not texts(chat, "grace", "haven't given")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=7, hours=1))
    assert "You haven't given Alice Martin feedback on your 1:1 of 2026-11-30" \
        in texts(chat, "grace", "haven't given")[-1]
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=8))
    assert len(texts(chat, "grace", "haven't given")) == 1


def test_oneonones_section_is_optional():
    # The plain test org (no section): everyone with a manager meets every two weeks.
    org = parse_org(TEST_ORG.read_text())
    assert org.oneonones.cadence_for("director", "East", "alice").cadence == "biweekly"
    assert "oneonones" in ONEONONES


async def test_old_slots_are_not_asked_about(bot, chat, clock):
    # A bot started days after a slot (or a pair just added) does not ask about it.
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=3))
    assert not texts(chat, "grace", "Did your 1:1")


# --- the CLI ----------------------------------------------------------------------------



async def test_cli_lists_one_on_ones_per_director(bot, chat, clock, settings):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-04")
    await say(bot, "grace", "done")
    code, text = run_cli(settings, "oneonones", "--format", "json")
    assert code == 0
    data = valid("oneonones", text)  # a pair held once is what the schema says, too
    alice = next(d for d in data["directors"] if d["key"] == "alice")
    assert alice["own"]["manager"] == "grace"
    assert alice["own"]["last_held"] == "2026-11-30T15:00:00+00:00"
    assert [p["report"] for p in alice["team"]] == ["sam"]
    assert alice["open_actions"] == 1
    assert {d["key"] for d in data["directors"]} == {"alice", "bruno", "li"}
    code, text = run_cli(settings, "oneonones")
    assert code == 0
    assert "## One-on-ones" in text
    assert "with Grace Chen: last held Mon 2026-11-30 10:00 (America/New\\_York)" in text
    assert "their 1:1 with Sam Lee: last held never" in text
    code, text = run_cli(settings, "oneonones", "--locale", "zh-CN")
    assert "## 一对一面谈" in text


async def test_the_report_adds_notes_after_the_meeting(bot, chat, clock):
    await say(bot, "alice", "/1on1 note @grace Thanks for the help")
    assert "haven't had a recorded 1:1 with Grace Chen" in chat.last("alice")
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    await say(bot, "alice", "/1on1 note @grace I will shadow Bruno's demo")
    assert chat.last("alice") == "Shared note saved."
    await say(bot, "alice", "/1on1 note @grace private: ask for the raise next time")
    assert chat.last("alice") == "Private note saved (only you see it)."
    await say(bot, "grace", "/1on1 history alice")
    assert "I will shadow Bruno's demo" in chat.last("grace")
    assert "raise" not in chat.last("grace")


async def test_the_author_reads_their_private_notes_back_and_nobody_else_does(bot, chat, clock):
    # Grace (the GM) notes privately before her next 1:1 with Alice; Alice does too.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "Alice will take over the Boston account")
    await say(bot, "grace", "private: consider her for the team lead role")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    await say(bot, "alice", "/1on1 note @grace private: ask for the raise next time")
    # Each reads their own private note back, marked, beside the shared one.
    await say(bot, "grace", "/1on1 history alice")
    history = chat.last("grace")
    assert "Alice will take over the Boston account; " \
        "(private) consider her for the team lead role" in history
    assert "Notes marked (private) are yours alone: nobody else sees them." in history
    assert "raise" not in history  # the GM, manager above, never sees Alice's
    await say(bot, "grace", "/1on1 history")  # her own history lists it too
    assert "(private) consider her for the team lead role" in chat.last("grace")
    await say(bot, "alice", "/1on1 history")
    history = chat.last("alice")
    assert "Alice will take over the Boston account; (private) ask for the raise next time" \
        in history
    assert "team lead" not in history
    # A manager above the pair (Grace over Alice and Sam) never reads Alice's private note
    # on her 1:1 with Sam, nor does Sam.
    clock.set(datetime(2026, 12, 9, 19, 31, tzinfo=UTC))  # Wed 14:00 NY + 31 min
    await bot.run_oneonones()
    yes = next(v for v in buttons(chat, "alice") if v.endswith(":y"))
    await say(bot, "alice", action=yes)
    await say(bot, "alice", "private: Sam looks tired")
    await say(bot, "alice", "Sam leads the demo")
    await say(bot, "alice", "done")
    await say(bot, "alice", "done")
    for reader, whose in (("grace", "sam"), ("sam", "")):
        await say(bot, reader, f"/1on1 history {whose}".strip())
        assert "Sam leads the demo" in chat.last(reader)
        assert "tired" not in chat.last(reader)
        assert "(private)" not in chat.last(reader)
    await say(bot, "alice", "/1on1 history sam")
    assert "(private) Sam looks tired; Sam leads the demo" in chat.last("alice")
    # In Chinese, the mark and the line under the list are Chinese.
    await say(bot, "alice", "/language 中文")
    await say(bot, "alice", "/1on1 history sam")
    assert "（私密）Sam looks tired；Sam leads the demo" in chat.last("alice")
    assert "标有（私密）的记录只有你能看到，其他人都看不到。" in chat.last("alice")
    # Nor does the recap Alice sent Sam, nor the GM's summary or the operator's CLI.
    assert not any("tired" in t for t in chat.to("sam"))
    await say(bot, "grace", "/summary")
    assert "tired" not in chat.last("grace") and "team lead" not in chat.last("grace")


async def test_no_view_of_the_command_line_shows_a_private_note_but_its_authors_export(
        bot, chat, clock, settings, monkeypatch):
    """README (*Private notes*): nobody else ever reads a private note, "nor any summary,
    digest, chart or CLI view"; the operator's `teampulse oneonones` shows no notes at
    all, and the one view outside the author's chat is `teampulse export <author>`, each
    note marked `"shared": false`. The operator at the shell tries every view."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "Alice will take over the Boston account")
    await say(bot, "grace", "private: consider her for the team lead role")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    await say(bot, "alice", "/1on1 note @grace private: ask for the raise next time")
    views = [("oneonones",), ("oneonones", "--format", "json"), ("oneonones", "--format", "csv"),
             ("summary",), ("summary", "--format", "json"), ("summary", "--format", "csv"),
             ("summary", "--person", "alice", "--format", "json"),
             ("summary", "--team", "East", "--format", "json"),
             ("digest", "--dry-run"), ("digest", "--to", "alice", "--dry-run"),
             ("export", "bruno")]
    for args in views:
        code, out = run_cli(settings, *args)
        assert code == 0, (args, out)
        for private in ("team lead", "raise next time"):
            assert private not in out, (args, private)
    # (And no shared note either: the CLI's one-on-ones are the GM's overview.)
    assert "Boston" not in run_cli(settings, "oneonones", "--format", "json")[1]
    # Each author's own export has their private note, marked, and never the other's.
    for author, mine, theirs in (("grace", "team lead", "raise next time"),
                                 ("alice", "raise next time", "team lead")):
        code, out = run_cli(settings, "export", author)
        assert code == 0 and theirs not in out, author
        written = json.loads(out)["oneonones"]["notes_written"]
        assert [n["shared"] for n in written if mine in n["text"]] == [False], written


async def test_a_long_history_says_how_many_older_one_on_ones_it_leaves_out(bot, chat, clock):
    """`/1on1 history` lists the latest ten meetings: after twelve weekly 1:1s Alice's
    first two were left out without a word, her private note among them, so it read as
    lost. The reply now says how many older ones are not shown (README, /1on1 history)."""
    for week in range(12):
        chat.clear()
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(weeks=week, minutes=31))
        (asked,) = [s for s in chat.sent if s.target.address == "grace"
                    and "Did your 1:1 with Alice Martin" in s.text]
        await say(bot, "grace", action=next(c.value for c in asked.message.choices
                                            if c.value.endswith(":y")))
        await say(bot, "grace", f"private: week {week + 1}" if week == 0 else f"week {week + 1}")
        await say(bot, "grace", "done")
        await say(bot, "grace", "done")
    await say(bot, "grace", "/1on1 history alice")
    history = chat.last("grace")
    assert "week 12" in history and "week 3" in history and "week 2" not in history
    assert history.count("Grace Chen · Alice Martin") == 10
    assert "and 2 older one-on-ones not shown" in history
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/1on1 history alice")
    assert "另有 2 次更早的一对一面谈未显示" in chat.last("grace")


async def test_an_old_unanswered_question_stops_taking_typed_replies(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    clock.advance(timedelta(days=4))
    await say(bot, "grace", "yes")
    assert "I'm not waiting for an answer from you" in chat.last("grace")
    yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
    await say(bot, "grace", action=yes)  # the button still answers it
    assert "Send short notes" in chat.last("grace")


async def test_a_paused_record_left_three_days_lapses_as_an_unanswered_one_does(
        bot, chat, clock):
    """README, */pause in the after-meeting dialog*: /1on1 carries a paused dialog on;
    left three days, it lapses as an unanswered one does: /1on1 then shows the schedule,
    and what is typed is no note of that meeting. Its buttons still work."""
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "Alice will take over the Boston account")
    await say(bot, "grace", "/pause")
    assert chat.last("grace").startswith("Paused.")
    clock.advance(timedelta(days=2, hours=23))
    await say(bot, "grace", "/1on1")
    assert "Back to your 1:1 with Alice Martin:" in chat.to("grace")[-2:][0]
    await say(bot, "grace", "/pause")
    clock.advance(timedelta(days=3, minutes=1))
    await say(bot, "grace", "/1on1")
    assert chat.last("grace").startswith("Your one-on-ones\n"), chat.last("grace")
    assert not any("Back to your 1:1" in t for t in chat.to("grace")[-2:])
    await say(bot, "grace", "Budget for Q1 agreed")
    assert "I'm not waiting for an answer from you" in chat.last("grace")
    await say(bot, "grace", "/1on1 history alice")
    history = chat.last("grace")
    assert "Alice will take over the Boston account" in history
    assert "Budget for Q1 agreed" not in history


async def test_the_summary_shows_each_directors_one_on_ones(bot, chat):
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "One-on-one with you: last never · next 2026-12-01" in text
    assert "members' one-on-ones: 0 held" in text  # Alice's with Sam
    await say(bot, "grace", "/summary team East")  # the team view keeps the overview
    assert "with Grace Chen: last held never · next " in chat.last("grace")
    assert "their 1:1 with Sam Lee" in chat.last("grace")
    await say(bot, "grace", "/summary team China")
    team = chat.last("grace")
    assert "李雷" in team.split("One-on-ones", 1)[1]
    assert "Alice Martin" not in team.split("One-on-ones", 1)[1]


async def test_the_gm_sees_an_overdue_one_on_one_in_the_summary(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=2))
    await say(bot, "grace", "no")  # Grace's 1:1 with Alice did not happen
    clock.set(MONDAY_SLOT + timedelta(days=2))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # First in what needs the GM's attention, and Alice's block comes first.
    attention = text.split("Needs your attention", 1)[1].split("\n\n", 1)[0]
    assert attention.strip().splitlines()[0] == (
        "Alice Martin: one-on-one with you overdue: Mon 2026-11-30 10:00 (America/New_York) "
        "did not happen")
    blocks = text.split("Needs your attention", 1)[1].split("\n\n")[1:]
    assert blocks[0].startswith("Alice Martin · team East")
    assert "One-on-one with you: last never · next" in blocks[0] and "· overdue" in blocks[0]
    # A summary viewer reads whose one-on-one it is.
    await say(bot, "vera", "/summary")
    assert "Alice Martin: one-on-one with Grace Chen overdue" in chat.last("vera")


async def test_a_past_weeks_summary_shows_one_on_ones_as_they_stood_that_week(
        bot, chat, clock):
    await bot.run_checkins()
    await _held_with_alice(bot, chat, clock)  # Mon 2026-11-30, in 2026-W49
    await say(bot, "grace", "done")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-02")
    await say(bot, "grace", "done")
    clock.set(MONDAY_SLOT + timedelta(days=3))  # the action item is overdue now
    # Before this week's check-in goes out /summary shows 2026-W48, with what the GM
    # acts on today.
    await say(bot, "grace", "/summary")
    now = chat.last("grace").split("Alice Martin · team East", 1)[1].split("\n\n")[0]
    assert "2026-W48" in chat.last("grace")
    assert "One-on-one with you: last 2026-11-30" in now
    assert "1 open action item (1 overdue)" in now
    await bot.run_checkins()  # 2026-W49's check-in is out: 2026-W48 is history now
    await say(bot, "grace", "/summary 2026-W48")
    then = chat.last("grace").split("Alice Martin · team East", 1)[1].split("\n\n")[0]
    assert "One-on-one with you: last never · next 2026-11-30" in then
    assert "open action item" not in then
    await say(bot, "grace", "/summary")
    assert "2026-W49" in chat.last("grace")
    assert "1 open action item (1 overdue)" in chat.last("grace")


async def test_a_past_weeks_team_summary_shows_one_on_ones_as_they_stood_that_week(
        bot, chat, clock):
    """'/summary team East 2026-W48' listed Alice's one-on-one held on Monday 2026-11-30
    and the action item made there: both came after the week it is about."""
    await bot.run_checkins()
    await _held_with_alice(bot, chat, clock)  # Mon 2026-11-30, in 2026-W49
    await say(bot, "grace", "done")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-02")
    await say(bot, "grace", "done")
    clock.set(MONDAY_SLOT + timedelta(days=3))
    await bot.run_checkins()  # 2026-W49's check-in is out: 2026-W48 is history now

    def alices(text: str) -> str:  # (East's only director: the section to its end)
        return text.split("One-on-ones", 1)[1].split("Alice Martin", 1)[1]

    await say(bot, "grace", "/summary team East 2026-W48")
    then = alices(chat.last("grace"))
    assert "with Grace Chen: last held never · next Mon 2026-11-30 10:00" in then
    assert "action items: 0 open" in then
    await say(bot, "grace", "/summary team East")
    now = alices(chat.last("grace"))
    assert "with Grace Chen: last held Mon 2026-11-30 10:00" in now
    assert "action items: 1 open, 1 overdue" in now
    # The CLI reads the same.
    code, out = run_cli(bot.settings, "summary", "--team", "East", "--week", "2026-W48",
                        "--format", "json")
    assert code == 0
    (alice,) = [d for d in json.loads(out)["weeks"][-1]["oneonones"] if d["key"] == "alice"]
    assert alice["own"]["last_held"] is None and alice["open_actions"] == 0


async def test_overdue_feedback_waits_while_the_manager_is_away(bot, chat, clock):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    await say(bot, "grace", "/away 2026-12-06 2026-12-08")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=7, hours=1))
    assert not texts(chat, "grace", "haven't given")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=9, hours=1))  # back
    assert "You haven't given Alice Martin feedback" in texts(chat, "grace", "haven't given")[-1]


async def test_action_item_due_dates_that_are_not_plain_are_read_or_refused(bot, chat, clock):
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    # '2026-12-3' had stayed in the text ("Send the deck 2026-12-3 — …, due 2026-12-07").
    await say(bot, "grace", "Send the deck 2026-12-3")
    assert "Action item #1: Send the deck — Alice Martin, due 2026-12-03" in chat.last("grace")
    # A date already past had been taken, and reminded as due at once.
    await say(bot, "grace", "Call the client 2020-01-01")
    assert chat.last("grace") == ("2020-01-01 is already past: give a due date from today "
                                  "(2026-11-30) on. Nothing was saved.")
    await say(bot, "grace", "Call the client 2026-02-30")
    assert chat.last("grace").startswith("2026-02-30 is not a date. Nothing was saved.")
    # A handle right after Chinese text (no space) names the owner; it had been ignored.
    await say(bot, "grace", "发送报价@grace 2026-12-05")
    assert "Action item #2: 发送报价 — Grace Chen, due 2026-12-05" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "打电话给客户 2020-01-01")
    assert chat.last("grace") == ("2020-01-01 已经过去：请给出今天（2026-11-30）或之后的截止日期。"
                                  "未保存。")
    await say(bot, "grace", "打电话给客户 2026-13-01")
    assert chat.last("grace").startswith("2026-13-01 不是有效日期。未保存。")
    await say(bot, "grace", "完成")
    await say(bot, "alice", "/actions")
    assert "#1 Send the deck — Alice Martin, due 2026-12-03" in chat.last("alice")
    assert "Call the client" not in chat.last("alice")


async def test_an_action_item_due_date_written_as_chinese_writes_it(bot, chat, clock):
    # '发送预测 12月10日前' kept '12月10日前' in the item's text and gave it the default due
    # day, a week after the meeting: the owner was reminded on the wrong day.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    for typed, text, due in (("发送预测 12月10日前", "发送预测", "2026-12-10"),
                             ("更新报价 2026年12月11日", "更新报价", "2026-12-11"),
                             ("约见客户 2026/12/12", "约见客户", "2026-12-12"),
                             ("整理名单 截止１２月１３日", "整理名单", "2026-12-13"),
                             ("回顾 12月5日 的会议 2026-12-14", "回顾 12月5日 的会议",
                              "2026-12-14")):
        await say(bot, "grace", typed)
        assert f": {text} — Alice Martin, due {due}" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "打电话 9月3日")  # a day long past this year: next year's
    assert "打电话 — Alice Martin, due 2027-09-03" in chat.last("grace"), chat.last("grace")


async def test_an_action_item_due_a_day_just_passed_is_not_read_as_next_years(bot, chat, clock):
    # In the dialog on Monday 2026-11-30, "by Nov 20" (and 11月3日) was read as the next such
    # day, a year away: a slip or the past, stored as due next November. As /away and /1on1
    # move do, the day is named as passed and the year asked for; nothing is saved.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "Call the client by Nov 20")
    assert chat.last("grace") == (
        "2026-11-20 has passed (today is 2026-11-30), and without a year it would be next "
        "year's, 2027-11-20. Nothing was saved. Give a due date from today on or, if you meant "
        "next year's, the date with its year: 2027-11-20.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "打电话给客户 11月3日前")
    assert chat.last("grace") == (
        "2026-11-03 已经过去了（今天是 2026-11-30），不写年份就会读成明年的 2027-11-03。未保存。"
        "请给出今天或之后的截止日期；如果指的是明年，请连同年份写出：2027-11-03。")
    # The dialog goes on: the item given with its year is saved, with its text alone.
    await say(bot, "grace", "Call the client by 2027-11-20")
    assert "：Call the client — Alice Martin，截止 2027-11-20。" in chat.last("grace")
    await say(bot, "grace", "完成")
    await say(bot, "alice", "/actions")
    assert chat.last("alice").count("#") == 1


async def test_one_on_one_feedback_typed_as_a_chinese_keyboard_types_it(bot, chat, clock):
    # '4分', '四' and '４' were each answered 'Please answer with a number from 1 to 5',
    # though the pulse poll, the 360° review and the check-in take them; a half point is
    # refused, not stored as the lower rating.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    assert "How useful was your 1:1 with Grace Chen?" in chat.last("alice"), chat.last("alice")
    await say(bot, "alice", "4.5分")
    assert "1 to 5" in chat.last("alice")
    await say(bot, "alice", "4分")
    assert "One thing to improve" in chat.last("alice"), chat.last("alice")
    await say(bot, "alice", "跳过")
    assert "Feedback from Alice Martin on your 1:1 of 2026-11-30: 4/5." in chat.last("grace")
    await say(bot, "grace", "五")
    assert "One thing to improve" in chat.last("grace"), chat.last("grace")


async def test_a_long_improvement_is_refused_not_cut_short(bot, chat, clock):
    # 'One thing to improve' kept the first 1,000 characters of a longer answer and said
    # nothing: Grace read a suggestion cut off mid-sentence.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    await say(bot, "alice", "4")
    long = "希望下次多花时间讨论重点客户的推进计划。" * 60  # 1,200 characters
    await say(bot, "alice", long)
    assert "1000" in chat.last("alice") or "1,000" in chat.last("alice"), chat.last("alice")
    assert not any("Feedback from Alice Martin" in t for t in chat.to("grace"))
    await say(bot, "alice", long[:400])
    assert f"One thing to improve: {long[:400]}" in chat.last("grace")


async def test_a_note_action_item_or_agenda_item_over_1000_characters_is_refused_whole(
        bot, chat, clock):
    """README, *Bad input never loses anything*: a one-on-one's note, action item or agenda
    item takes up to 1,000 characters (a check-in answer 2,000); a longer one is refused
    with the limit stated, nothing of it is kept, and the dialog still takes the next."""
    await _held_with_alice(bot, chat, clock)
    long = "Walk through every open deal in the Boston pipeline. " * 20  # 1,060 characters
    assert len(long) > 1000
    await say(bot, "grace", long)
    # It said "keep it under 1000 characters", though 1,000 itself is taken.
    assert chat.last("grace") == ("That is too long: keep it to 1,000 characters or fewer. "
                                  "Nothing was saved.")
    await say(bot, "grace", long[:1000])  # exactly the limit is taken
    assert "Shared note saved" in chat.last("grace")
    await say(bot, "grace", "next")
    await say(bot, "grace", long + " 2026-12-04")
    assert "Nothing was saved" in chat.last("grace")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-04")
    assert "Action item #1: Send the Q1 forecast" in chat.last("grace")
    await say(bot, "grace", "done")
    recap = texts(chat, "alice", "Your 1:1 with Grace Chen on 2026-11-30")[-1]
    assert long[:1000].strip() in recap and long not in recap
    assert "#2" not in recap  # the long action item was never made
    await say(bot, "alice", "/agenda add @grace " + long)
    assert "Nothing was saved" in chat.last("alice")
    await say(bot, "alice", "/actions add " + long + " @grace by Friday")
    assert "Nothing was saved" in chat.last("alice")
    await say(bot, "alice", "/agenda @grace")
    assert "Boston pipeline" not in chat.last("alice")
    await say(bot, "alice", "/actions")
    assert "Boston pipeline" not in chat.last("alice")


async def test_two_questions_at_once_take_typed_answers_one_after_the_other(bot, chat, clock):
    # Grace meets Alice and Bruno at the same hour: both are asked whether it happened.
    # A typed "yes" had answered the question asked last (Bruno's), and once that dialog
    # was over, Alice's could no longer be answered by typing at all.
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    asked = [t for t in chat.to("grace") if t.startswith("Did your 1:1")]
    assert [t.split(" (")[0] for t in asked] == ["Did your 1:1 with Alice Martin",
                                                 "Did your 1:1 with Bruno Rossi"]
    await say(bot, "grace", "yes")
    assert "Send short notes on your 1:1 with Alice Martin" in chat.last("grace")
    await say(bot, "grace", "Alice takes the Boston account")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    assert "How useful was your 1:1 with Alice Martin?" in chat.last("grace")
    await say(bot, "grace", "4")
    await say(bot, "grace", "skip")
    # Alice's is recorded; Bruno's question comes again, and typed replies answer it.
    assert chat.last("grace").startswith(
        "Did your 1:1 with Bruno Rossi (Mon 2026-11-30 10:00 (America/New_York)) happen?")
    await say(bot, "grace", "no")
    assert "did not happen" in chat.last("grace") and "Bruno Rossi" in chat.last("grace")
    with bot.unit() as ctx:
        statuses = {d.key: (d.own.last_held is not None, d.own.overdue) for d in
                    oneonone_overview(ctx.session, ctx.org, MONDAY_SLOT + timedelta(days=2))
                    if d.key in ("alice", "bruno")}
    assert statuses == {"alice": (True, False), "bruno": (False, True)}


async def test_a_question_arriving_mid_dialog_waits_its_turn(bot, chat, clock):
    # Grace is still writing notes on her 1:1 with Alice the next morning when the
    # question about her 1:1 with 李雷 arrives: her next note had been refused with
    # "Please answer yes or no".
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "Alice takes the Boston account")
    await sweep_at(bot, clock, datetime(2026, 12, 1, 14, 31, tzinfo=UTC))  # Tue 09:31 NY
    assert "Did your 1:1 with 李雷" in chat.last("grace")
    await say(bot, "grace", "She also mentors Sam")
    assert "Shared note saved" in chat.last("grace")
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    await say(bot, "grace", "5")
    await say(bot, "grace", "skip")
    # Then the questions still open, oldest first: Bruno's, then 李雷's.
    assert chat.last("grace").startswith("Did your 1:1 with Bruno Rossi")
    await say(bot, "grace", "no")
    assert chat.last("grace").startswith("Did your 1:1 with 李雷")
    await say(bot, "grace", "yes")
    assert "Send short notes on your 1:1 with 李雷" in chat.last("grace")


async def test_a_chinese_manager_answers_did_it_happen_as_chinese_is_spoken(bot, chat, clock):
    # "进行了吗？" is answered "进行了" or "没有" (not 是/否): both had been refused with
    # "请回答“是”或“否”".
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "没有")
    assert "与Alice Martin的一对一面谈没有进行" in chat.to("grace")[-2]
    assert chat.last("grace").startswith("你与Bruno Rossi的一对一面谈")
    await say(bot, "grace", "进行了")
    assert "请发送与Bruno Rossi面谈的简短记录" in chat.last("grace")
    with bot.unit() as ctx:
        repo = OneOnOneRepo(ctx.session)
        grace = ctx.people.by_key("grace")
        states = {k: repo.meeting_for(grace, ctx.people.by_key(k), "2026-11-30").status
                  for k in ("alice", "bruno")}
    assert states == {"alice": "not_held", "bruno": "held"}


async def test_an_unanswered_feedback_question_does_not_hold_up_the_next_meeting(
        bot, chat, clock):
    # Grace does not rate her 1:1 with Alice; the next day, "yes" answers whether her 1:1
    # with 李雷 happened (the feedback buttons still work).
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    assert "How useful was your 1:1 with Alice Martin?" in chat.last("grace")
    await sweep_at(bot, clock, datetime(2026, 12, 1, 14, 31, tzinfo=UTC))  # Tue 09:31 NY
    assert "Did your 1:1 with 李雷" in chat.last("grace")
    await say(bot, "grace", "yes")
    assert "Send short notes on your 1:1 with 李雷" in chat.last("grace")


TWIN_REPORTS = NAMESAKES


async def test_two_reports_with_the_same_name_are_not_guessed(database_url, clock, tmp_path):
    # Li manages two people called 王伟: '@王伟' had silently meant the first in the org
    # file, so the agenda item went to that 王伟's 1:1 and /1on1 history showed theirs.
    path = write_org(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "# Company values", TWIN_REPORTS + "# Company values"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    both = "有 2 人叫 王伟，请用对方的 key：@wangwei（团队 China）、@wangwei2（团队 China）。"
    await say(bot, "li", "/agenda add @王伟 讨论预算")
    assert chat.last("li") == both
    await say(bot, "li", "/1on1 history 王伟")
    assert chat.last("li") == ("有 2 人叫 王伟，请用对方的 key："
                               "/1on1 history wangwei（团队 China）、"
                               "/1on1 history wangwei2（团队 China）。")
    await say(bot, "li", "/agenda add @wangwei2 讨论预算")
    assert chat.last("li") == "已加入你与王伟 (@wangwei2)下次一对一面谈的议程：讨论预算"
    await say(bot, "wangwei", "/agenda")
    assert "讨论预算" not in chat.last("wangwei")
    await say(bot, "grace", "/1on1 history 王伟")
    assert chat.last("grace") == ("2 people are called 王伟; name one by key: "
                                  "/1on1 history wangwei (team China), "
                                  "/1on1 history wangwei2 (team China).")
    engine.dispose()



async def test_a_manager_of_two_people_with_the_same_name_is_told_whose_1on1_it_is(
        database_url, clock, tmp_path):
    # Li manages two people called 王伟: "/1on1" listed 王伟 twice, the sweep asked
    # "did your 1:1 with 王伟 happen?" twice, and the notes and action items typed next
    # went to whichever meeting that was: '@wangwei2' was refused as "the owner can only
    # be 李雷 or 王伟", leaving Li to guess which 王伟 it had been.
    path = write_org(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "# Company values", TWIN_REPORTS + "# Company values"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "li", "/1on1")
        listed = chat.last("li")
        assert "王伟 (@wangwei)：每两周" in listed and "王伟 (@wangwei2)：每两周" in listed
        await say(bot, "li", "/agenda")
        assert "与王伟 (@wangwei2)的一对一面谈" in chat.last("li")
        await sweep_at(bot, clock, datetime(2026, 12, 9, 6, 31, tzinfo=UTC))  # Wed 14:31
        asked = texts(chat, "li", "进行了吗")
        assert [t.split("的一对一面谈")[0] for t in asked] == ["你与王伟 (@wangwei)",
                                                             "你与王伟 (@wangwei2)"]
        await say(bot, "li", "是")
        assert "请发送与王伟 (@wangwei)面谈的简短记录" in chat.last("li")
        await say(bot, "li", "下一步")
        await say(bot, "li", "跟进报价 @wangwei2")
        assert chat.last("li") == ("行动项的负责人只能是李雷或王伟 (@wangwei)。"
                                   "请重试，或发送“完成”。")
        # Their own 1:1 lists name Li alone: each has one 1:1 with someone called 李雷.
        await say(bot, "wangwei", "/1on1")
        assert "李雷：" in chat.last("wangwei")
    finally:
        engine.dispose()


async def test_a_teams_summary_tells_a_directors_two_reports_of_one_name_apart(
        database_url, clock, tmp_path):
    # '/summary team China' listed "their 1:1 with 王伟" twice, one of them overdue, and
    # the GM could not tell whose 1:1 had been missed.
    path = write_org(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "# Company values", TWIN_REPORTS + "# Company values"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "grace", "/summary team China")
        reply = chat.last("grace")
        assert "their 1:1 with 王伟 (@wangwei): last held never" in reply
        assert "their 1:1 with 王伟 (@wangwei2): last held never" in reply
        await say(bot, "li", "/summary")
        assert "与下属 王伟 (@wangwei2)：上次 从未进行" in chat.last("li")
    finally:
        engine.dispose()

#: Two directors called 王伟 reporting to Grace, in different teams, and a member of
#: China also called 王伟 (Li's report).
TWIN_DIRECTORS = """  - {key: wangwei, name: 王伟, role: director, manager: grace, team: North,
     timezone: Asia/Shanghai, locale: zh-CN}
  - {key: wangwei2, name: 王伟, role: director, manager: grace, team: South,
     timezone: Asia/Shanghai, locale: zh-CN}
  - {key: wangwei3, name: 王伟, role: member, manager: li, team: China,
     timezone: Asia/Shanghai, locale: zh-CN}
"""


async def test_the_gm_can_tell_two_directors_with_the_same_name_apart(
        database_url, clock, tmp_path):
    # "Which one-on-one?" had listed '… 王伟, 王伟': the GM could not tell which was which,
    # nor what to type; and '@王伟' named three people though only two are hers.
    path = write_org(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "# Company values", TWIN_DIRECTORS + "# Company values"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "grace", "/agenda add Q1 budget")
        assert chat.last("grace") == (
            "Which one-on-one? Name the person with @: Alice Martin, Bruno Rossi, 李雷, "
            "王伟 (@wangwei, team North), 王伟 (@wangwei2, team South).")
        await say(bot, "grace", "/agenda add @王伟 Q1 budget")
        assert chat.last("grace") == ("2 people are called 王伟; name one by key: "
                                      "@wangwei (team North), @wangwei2 (team South).")
        await say(bot, "grace", "/agenda add @wangwei2 Q1 budget")
        assert "Added to the agenda of your next 1:1 with 王伟" in chat.last("grace")
        # Li has one report called 王伟: '@王伟' is that one, whoever else has the name.
        await say(bot, "li", "/agenda add @王伟 讨论预算")
        assert chat.last("li") == "已加入你与王伟下次一对一面谈的议程：讨论预算"
        await say(bot, "wangwei3", "/agenda")
        assert "讨论预算" in chat.last("wangwei3")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/1on1 skip")
        assert chat.last("grace") == (
            "是哪一个一对一面谈？请用 @ 指明：Alice Martin、Bruno Rossi、李雷、"
            "王伟（@wangwei，团队 North）、王伟（@wangwei2，团队 South）。")
        await say(bot, "grace", "/1on1 skip @王伟")
        assert chat.last("grace") == ("有 2 人叫 王伟，请用对方的 key：@wangwei（团队 North）、"
                                      "@wangwei2（团队 South）。")
    finally:
        engine.dispose()


async def test_someone_whose_one_on_one_is_switched_off_is_told_so(bot, chat):
    """Bruno has a manager in the org file; `enabled: false` turns their one-on-one off.
    "they are between each person and their manager" would send him to the file for a
    manager he already has."""
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8")
                        + "oneonones:\n  pairs:\n    - {report: bruno, enabled: false}\n"
                        + "    - {report: li, enabled: false}\n")
    await say(bot, "bruno", "/1on1")
    assert chat.last("bruno") == ("You have no one-on-ones: the org file switches off yours "
                                  "with Grace Chen (oneonones.pairs, enabled: false).")
    await say(bot, "li", "/agenda")
    assert chat.last("li") == ("你没有一对一面谈：组织文件关闭了你与 Grace Chen 的一对一面谈"
                               "（oneonones.pairs 中的 enabled: false）。")
    await say(bot, "vera", "/1on1")  # no manager at all: as before
    assert chat.last("vera") == ("You have no one-on-ones: they are between each person and "
                                 "their manager in the org file.")


async def test_the_monthly_questions_asked_after_a_1on1_rating_take_the_typed_answers(
        bot, chat, clock):
    """Found by the five-week soak: Alice left the rating of Monday's 1:1 unanswered; on
    Tuesday the monthly review asked its first question, and each of her three answers was
    refused as "Please answer with a number from 1 to 5" (the older 1:1 question took
    them). The question asked last, the one in front of her, takes what she types; the
    1:1 rating still waits, its buttons working."""
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    assert "How useful was your 1:1 with Grace Chen?" in chat.last("alice")
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 New York
    assert await bot.run_monthly_review()
    assert chat.last("alice").endswith("What worked well this month?")
    await say(bot, "alice", "Two new logos")
    assert chat.last("alice").endswith("What did not work, and why?")
    await say(bot, "alice", "Legal review")
    await say(bot, "alice", "Push the Globex expansion")
    thanks, again = chat.to("alice")[-2:]
    assert thanks.startswith("Thank you")
    # The rating that waited is asked again: her next typed answer goes to it.
    assert again.startswith("How useful was your 1:1 with Grace Chen?")
    await say(bot, "grace", "/monthly alice")
    assert "• What worked: Two new logos\n" in chat.last("grace")
    # With the monthly questions answered, a typed rating goes to the 1:1 again.
    await say(bot, "alice", "4")
    assert "One thing to improve" in chat.last("alice")


async def test_a_day_before_reminder_sent_on_the_meeting_day_says_today(bot, chat, clock):
    # Alice, away over the weekend and Monday, sends /back at 08:00 on Monday, the day of
    # her 10:00 1:1 with Grace; Bruno's time away ended with Sunday. The reminder held
    # while each was away came minutes later saying "your 1:1 is tomorrow": it is today.
    await say(bot, "alice", "/away 2026-11-30")
    await say(bot, "bruno", "/away 2026-11-29")
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").locale = "zh-CN"
    await sweep_at(bot, clock, datetime(2026, 11, 29, 15, 5, tzinfo=UTC))  # Sun 10:05, NY
    chat.clear()
    # Monday 00:01 in Rome: Bruno is back, and his 1:1 is at 16:00 his time, today.
    await sweep_at(bot, clock, datetime(2026, 11, 29, 23, 1, tzinfo=UTC))
    assert texts(chat, "bruno", "Grace Chen") == [chat.last("bruno")]
    assert chat.last("bruno").startswith(
        "提醒：你与Grace Chen的一对一面谈在今天，2026-11-30 16:00（周一，Europe/Rome）。")
    clock.set(MONDAY_SLOT - timedelta(hours=2))  # 08:00 in New York
    await say(bot, "alice", "/back")
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(hours=2) + timedelta(minutes=1))
    assert chat.last("alice").startswith(
        "Reminder: your 1:1 with Grace Chen is today, Mon 2026-11-30 10:00 (America/New_York).")
    # The day before, as ever: tomorrow.
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=6, minutes=1))  # Sun 10:01
    assert chat.last("alice").startswith(
        "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-12-07 10:00")


async def test_an_action_item_reads_its_due_date_before_or_after_its_owner(bot, chat, clock):
    # The owner named after the date ("… by Friday @grace"), as /actions add takes it: the
    # date was kept as the item's words and the item made due a week after the meeting.
    await _held_with_alice(bot, chat, clock)
    await say(bot, "grace", "next")
    await say(bot, "grace", "Send the forecast 2026-12-10 @grace")
    assert chat.last("grace").startswith(
        "Action item #1: Send the forecast — Grace Chen, due 2026-12-10.")
    await say(bot, "grace", "Book the offsite by Friday @grace")
    assert chat.last("grace").startswith(
        "Action item #2: Book the offsite — Grace Chen, due 2026-12-04.")
    await say(bot, "grace", "发报价 12月10日前 @alice")
    assert chat.last("grace").startswith("Action item #3: 发报价 — Alice Martin, due 2026-12-10.")
    # Before the owner, as always.
    await say(bot, "grace", "Call Acme @alice by end of next month")
    assert chat.last("grace").startswith(
        "Action item #4: Call Acme — Alice Martin, due 2026-12-31.")


async def test_a_no_pressed_by_mistake_is_put_right_with_the_yes_button(bot, chat, clock):
    # Grace pressed "No" for Alice's 1:1, meaning "Yes" (the two buttons side by side);
    # pressing "Yes" then was refused as already answered, and the GM's summary called a
    # meeting held overdue, "did not happen", with nowhere to put its notes.
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    choices = [v for v in buttons(chat, "grace") if ":held:" in v]
    no = next(v for v in choices if v.endswith(":n"))
    yes = next(v for v in choices if v.endswith(":y"))
    await say(bot, "grace", action=no)
    assert "the 1:1 with Alice Martin did not happen" in chat.to("grace")[-2]
    await say(bot, "grace", "Bruno was out sick")  # (Bruno's, asked next: "no")
    await say(bot, "grace", "no")
    clock.set(MONDAY_SLOT + timedelta(hours=2))
    await say(bot, "grace", action=yes)
    assert "Send short notes" in chat.last("grace")
    await say(bot, "grace", "Alice will take over the Boston account")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    assert "Alice will take over the Boston account" in [
        t for t in chat.to("alice") if t.startswith("Your 1:1 with Grace Chen on")][-1]
    await say(bot, "alice", "/agenda")
    assert "Q1 hiring plan" not in chat.last("alice")  # discussed
    clock.set(MONDAY_SLOT + timedelta(days=2))
    await say(bot, "grace", "/summary")
    alice = chat.last("grace").split("Alice Martin · team East", 1)[1].split("\n\n", 1)[0]
    assert "One-on-one with you: last 2026-11-30" in alice and "overdue" not in alice, alice
    # A "No" after "Yes" (its notes taken) is answered as before: nothing changes.
    await say(bot, "grace", action=no)
    assert chat.last("grace") == "You've already said whether your 1:1 with Alice Martin " \
        "happened."


async def test_a_no_stands_once_the_three_days_to_put_it_right_are_over(bot, chat, clock):
    # README: a "No" pressed by mistake is put right with "Yes" within three days; after
    # them the "No" stands (the meeting's slot long past, the overdue reading settled).
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    choices = [v for v in buttons(chat, "grace") if ":held:" in v]
    no = next(v for v in choices if v.endswith(":n"))
    yes = next(v for v in choices if v.endswith(":y"))
    clock.set(MONDAY_SLOT + timedelta(minutes=40))
    await say(bot, "grace", action=no)
    assert "the 1:1 with Alice Martin did not happen" in chat.to("grace")[-2]
    clock.set(MONDAY_SLOT + timedelta(minutes=40) + timedelta(days=3, seconds=1))
    await say(bot, "grace", action=yes)
    assert chat.last("grace") == "You've already said whether your 1:1 with Alice Martin " \
        "happened."
