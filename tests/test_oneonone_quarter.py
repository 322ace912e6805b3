"""One-on-ones over a quarter, from the GM's side: meetings skipped past the next one's
usual horizon, and the agenda between a meeting and the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import run_cli, say
from tests.test_cli_views import valid


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (李雷 meets Grace monthly, first Tuesday)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_monthly_one_on_one_skipped_twice_still_names_the_one_after(bot, chat, clock):
    # December 2: the first Tuesday (Dec 1) is past; 李雷 skips January's and February's
    # (the holidays, Chinese New Year). March 2 is 90 days away: it was "none planned".
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(bot, "li", "/1on1 skip")
    assert "2027-01-05" in chat.last("li")
    await say(bot, "li", "/1on1 skip")
    assert "2027-02-02" in chat.last("li")
    await say(bot, "li", "/1on1")
    assert "下次：2027-03-02 22:00（周二，Asia/Shanghai）" in chat.last("li")
    assert "暂无安排" not in chat.last("li")
    await say(bot, "grace", "/1on1 li")
    assert "Tue 2027-03-02 09:00" in chat.last("grace")
    await say(bot, "grace", "/summary")
    li = chat.last("grace").split("李雷 · team China", 1)[1]
    assert "One-on-one with you: last never · next 2027-03-02" in li
    # And the next skip is March's, not "no next one-on-one".
    await say(bot, "grace", "/1on1 skip @li")
    assert "Skipped" in chat.last("grace") and "2027-03-02" in chat.last("grace")
    await say(bot, "li", "/1on1")
    assert "下次：2027-04-06" in chat.last("li")


async def test_an_agenda_item_added_after_the_meeting_waits_for_the_next_one(bot, chat, clock):
    # Alice meets Grace Mondays 10:00-10:30 (New York). Before it she adds "pipeline";
    # at 11:00 she adds a topic for next week; Grace says at 13:00 that it happened.
    clock.set(MONDAY_SLOT - timedelta(hours=2))
    await say(bot, "alice", "/agenda add @grace pipeline")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    clock.set(MONDAY_SLOT + timedelta(hours=1))
    await say(bot, "alice", "/agenda add @grace Q1 territories")
    clock.set(MONDAY_SLOT + timedelta(hours=3))
    await say(bot, "grace", "yes")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    # "pipeline" was discussed; "Q1 territories" came after the meeting and is next week's.
    await say(bot, "alice", "/agenda")
    agenda = chat.last("alice").split("1:1 with Sam Lee", 1)[0]
    assert "Q1 territories" in agenda and "pipeline" not in agenda
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=7, minutes=-10))
    reminder = [t for t in chat.to("grace") if "1:1 with Alice Martin starts soon" in t]
    assert reminder and "Q1 territories" in reminder[-1] and "pipeline" not in reminder[-1]


async def test_a_private_agenda_item_is_its_authors_alone(bot, chat, clock, settings):
    clock.set(MONDAY_SLOT - timedelta(days=2))
    await say(bot, "grace", "/agenda add @alice private: raise her attrition risk")
    assert "only you see it" in chat.last("grace")
    assert "private:" not in chat.last("grace").split(": ", 2)[-1]
    await say(bot, "grace", "/agenda add @alice Q1 plan")
    await say(bot, "li", "/agenda 私密：问一下调岗的想法")
    assert "仅你可见" in chat.last("li")
    await say(bot, "grace", "/agenda @alice")
    mine = chat.last("grace")
    assert "raise her attrition risk (private: only you see it)" in mine and "Q1 plan" in mine
    # Alice's agenda and both reminders carry the shared item only.
    await say(bot, "alice", "/agenda @grace")
    assert "Q1 plan" in chat.last("alice") and "attrition" not in chat.last("alice")
    await say(bot, "grace", "/agenda @li")
    assert "调岗" not in chat.last("grace")
    await say(bot, "li", "/agenda")
    assert "问一下调岗的想法 （私密：仅你可见）" in chat.last("li")
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=10))
    assert not [t for t in chat.to("alice") if "attrition" in t]
    assert [t for t in chat.to("grace") if "attrition" in t]
    # Nor is it Alice's data: her export leaves it out.
    code, out = run_cli(settings, "export", "alice")
    assert code == 0 and "attrition" not in out
    code, out = run_cli(settings, "export", "grace")
    assert code == 0 and "attrition" in out


async def test_an_action_item_closed_by_the_other_side_is_told_to_its_owner(bot, chat, clock):
    await say(bot, "grace", "/actions add send the deck @alice by Dec 10")
    await say(bot, "grace", "/actions add 更新客户名单 @li by Dec 10")
    await say(bot, "grace", "/actions")
    assert "#1 send the deck" in chat.last("grace") and "#2 更新客户名单" in chat.last("grace")
    # Grace closes both in the follow-up: each owner learns it is off their list.
    await say(bot, "grace", "/actions done 1")
    assert "Done: #1 send the deck" in chat.last("grace")
    assert chat.last("alice") == ("Grace Chen closed your action item #1 send the deck: it "
                                  "is off your list and will not be reminded.")
    await say(bot, "grace", "/actions done 2")
    assert chat.last("li").startswith("Grace Chen已将你的行动项 #2 更新客户名单 标记为完成")
    # An owner closing their own is not told twice; nor is anyone when it was closed already.
    await say(bot, "alice", "/actions add call ACME @alice by Dec 11")
    await say(bot, "alice", "/actions done 3")
    await say(bot, "grace", "/actions done 3")
    assert len([t for t in chat.to("alice") if "closed your action item" in t]) == 1



async def test_the_gm_reads_why_a_one_on_one_is_overdue(bot, chat, clock, settings,
                                                         monkeypatch):
    # The CLI reads the wall clock: at the test's moment, not whenever the suite runs.
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    # Grace says her 1:1 with Alice did not happen; Bruno's question she never answers.
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    asked = [t for t in chat.to("grace") if t.startswith("Did your 1:1")]
    assert "Alice Martin" in asked[0] and "Bruno Rossi" in asked[1]
    await say(bot, "grace", "no")
    clock.set(MONDAY_SLOT + timedelta(days=2))
    code, text = run_cli(settings, "oneonones")
    assert code == 0
    alice, bruno = text.split("**Alice Martin**")[1], text.split("**Bruno Rossi**")[1]
    assert ("with Grace Chen: last held never · next Mon 2026-12-07 10:00 (America/New\\_York)"
            " · **overdue**: Mon 2026-11-30 10:00 (America/New\\_York) did not happen") in alice
    assert ('· **overdue**: Mon 2026-11-30 10:00 (America/New\\_York) not confirmed ("did it '
            'happen?" unanswered)') in bruno
    code, text = run_cli(settings, "oneonones", "--locale", "zh-CN")
    assert "**已逾期**：2026-11-30 10:00（周一，America/New\\_York） 未进行" in text
    assert "未确认（“是否进行了？”尚未回答）" in text
    code, text = run_cli(settings, "oneonones", "--format", "json")
    data = {d["key"]: d for d in valid("oneonones", text)["directors"]}
    assert (data["alice"]["own"]["missed"], data["alice"]["own"]["missed_reason"]) == \
        ("2026-11-30T15:00:00+00:00", "not_held")
    assert data["bruno"]["own"]["missed_reason"] == "unanswered"
    assert (data["li"]["own"]["missed"], data["li"]["own"]["missed_reason"]) == (None, None)
    # The team's summary in chat says it too.
    await say(bot, "grace", "/summary team East")
    assert "· overdue: Mon 2026-11-30 10:00 (America/New_York) did not happen" \
        in chat.last("grace")
    # And so does the main page: the attention line and each director's block.
    await say(bot, "grace", "/summary")
    page = chat.last("grace")
    attention = page.split("Needs your attention", 1)[1].split("\n\n", 1)[0]
    assert ("Alice Martin: one-on-one with you overdue: Mon 2026-11-30 10:00 "
            "(America/New_York) did not happen") in attention
    assert ('Bruno Rossi: one-on-one with you overdue: Mon 2026-11-30 10:00 '
            '(America/New_York) not confirmed ("did it happen?" unanswered)') in attention
    alice = page.split("Alice Martin · team", 1)[1].split("\n\n", 1)[0]
    assert ("One-on-one with you: last never · next 2026-12-07 · overdue: Mon 2026-11-30 "
            "10:00 (America/New_York) did not happen") in alice
    li = page.split("李雷 · team", 1)[1].split("\n\n", 1)[0]
    assert "overdue" not in li
    await say(bot, "grace", "/language zh-CN")
    await say(bot, "grace", "/summary")
    page = chat.last("grace")
    assert "与您的一对一已逾期：2026-11-30 10:00（周一，America/New_York） 未进行" in page
    assert "· 已逾期：2026-11-30 10:00（周一，America/New_York） 未确认（“是否进行了？”尚未回答）" \
        in page
