"""Sending a check-in round now: the GM's /checkin send, the CLI while the bot runs,
rounds written in small transactions off the event loop."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.org import OrgError, parse_org
from storage.models import OutboxMessage
from storage.round_requests import RoundRequest
from tests.support import say


async def test_gm_sends_a_round_now_and_hears_what_was_sent(bot, chat):
    with bot.unit() as ctx:
        ctx.people.set_away(ctx.people.by_key("bruno"), ctx.clock.now().date())
    await bot.run_checkins(["li"])  # Li was already prompted this week
    chat.clear()
    await say(bot, "grace", "/checkin send")
    assert "Time for your weekly check-in" in chat.last("alice")
    assert chat.to("bruno") == [] and chat.to("li") == []
    report = chat.last("grace")
    assert "1 prompted" in report
    assert "Already prompted this week: 李雷" in report
    assert "Away: Bruno Rossi" in report


async def test_a_round_for_one_team_or_person(bot, chat):
    await say(bot, "grace", "/checkin send team europe")
    assert "Time for your weekly check-in" in chat.last("bruno")
    assert chat.to("alice") == []
    assert "to team Europe: 1 prompted" in chat.last("grace")
    await say(bot, "grace", "/checkin send li")
    assert "每周签到" in chat.last("li")
    assert "to li: 1 prompted" in chat.last("grace")


async def test_a_director_cannot_send_a_round(bot, chat):
    await say(bot, "alice", "/checkin send")
    assert "Only the GM and the admins" in chat.last("alice")
    assert chat.to("bruno") == [] and chat.to("li") == []
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(RoundRequest)) == 0


async def test_an_admin_named_in_the_org_file_can_send_a_round(bot, chat):
    from dataclasses import replace

    bot.org = replace(bot.org, admins=frozenset({"vera"}))
    await say(bot, "vera", "/checkin send alice")
    assert "Time for your weekly check-in" in chat.last("alice")
    assert "1 prompted" in chat.last("vera")


async def test_unknown_team_or_person_sends_nothing_and_says_so(bot, chat):
    await say(bot, "grace", "/checkin send team mars")
    assert 'no team or person called "team mars"' in chat.last("grace")
    assert "Teams: China, East, Europe" in chat.last("grace")
    await say(bot, "grace", "/checkin send nobody")
    await say(bot, "grace", "/checkin send two words")
    assert "Usage: /checkin send" in chat.last("grace")
    assert {s.target.address for s in chat.sent} == {"grace"}


async def test_the_report_reaches_a_chinese_speaking_gm_in_chinese(bot, chat):
    from dataclasses import replace

    bot.org = replace(bot.org, admins=frozenset({"li"}))
    await say(bot, "li", "/checkin send team china")
    assert "签到已发送给团队 China：已提醒 1 人" in chat.last("li")


def test_org_admins_must_be_people_in_the_file():
    text = """
org: {name: X, admins: [ghost]}
people:
  - {key: gm, name: G, role: gm, timezone: UTC, locale: en}
"""
    with pytest.raises(OrgError, match=r"org\.admins: 'ghost' is not a person in this file"):
        parse_org(text)
    org = parse_org(text.replace("[ghost]", "[gm2]") + "  - {key: gm2, name: H, role: member, "
                    "timezone: UTC, locale: en}\n")
    assert org.can_send_rounds("gm") and org.can_send_rounds("gm2")


def _prompts(bot) -> int:
    with bot.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(OutboxMessage))
