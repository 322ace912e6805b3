"""The headline's month and quarter to date in a fresh install's first quarter, where the
CRM booked a director's sales in weeks before the bot first asked for check-ins."""

from __future__ import annotations

from pathlib import Path

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all


async def crm_booked(settings, tmp_path: Path, rows: str) -> None:
    """The CRM's export of `rows` (person,metric,week,value lines) imported."""
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\n" + rows, encoding="utf-8")
    code, out = run_cli(settings, "import-actuals", str(export))
    assert code == 0, out


async def test_the_crm_s_weeks_before_the_bot_are_said_to_count_with_no_target(
        bot, chat, settings, tmp_path: Path):
    """The bot first asked in 2026-W48; the CRM booked 30,000 of Alice's in W47. The
    headline read `Revenue 82,000 / 50,000 USD (164%)` and 'no week of the month or
    quarter before it had a target', with nothing to say that week's sales were in the
    actual: the GM took 164% for the month's attainment."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary")
    plain = chat.last("grace")
    assert ("Counted from 2026-W48, the first week the bot asked for check-ins: no week of "
            "the month or quarter before it had a target.\n") in plain, plain
    await crm_booked(settings, tmp_path, "alice,revenue,2026-W47,30000\n")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Month to date (2026-11): Revenue 82,000 / 50,000 USD (164%)" in text, text
    assert ("Counted from 2026-W48, the first week the bot asked for check-ins: no week of "
            "the month or quarter before it had a target; the CRM's figures of those weeks "
            "count in the actual all the same, with no target.") in text, text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert ("自 2026-W48（机器人首次发出签到的一周）起计：本月及本季度此前的周没有目标；"
            "这些周的 CRM 数字仍计入实际完成，不计目标。") in chat.last("grace")


async def test_a_member_s_crm_figures_before_the_bot_are_not_said_to_count(
        bot, chat, settings, tmp_path: Path):
    """A member's sales are no director's and count in no month to date: nothing is said."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await crm_booked(settings, tmp_path, "sam,revenue,2026-W47,30000\n")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "before it had a target.\n" in text, text
    assert "CRM's figures of those weeks" not in text
