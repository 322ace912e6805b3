"""Kudos boards and honour rolls when someone has left the org file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import yaml

from bot.app import prepare
from bot.core import TeamPulse
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_honours import DEC_1_9AM_NY, with_honours_channel
from tests.test_kudos import count_kudos, kudo


def without(tmp_path: Path, key: str) -> Path:
    """The test org file with one person taken out (they left)."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"] = [p for p in data["people"] if p["key"] != key]
    path = tmp_path / f"org-without-{key}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def sam_leads_november(bot: TeamPulse) -> None:
    """Sam receives 2 kudos and gives 2 (the most of anyone); 李雷 and Bruno receive 1."""
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "alice", "/kudos @sam for the demo prep")
    await kudo(bot, "sam", "/kudos @li @bruno for the joint pitch deck")


def after_sam_left(bot: TeamPulse, tmp_path: Path) -> tuple[TeamPulse, RecordingAdapter, object]:
    later, engine = prepare(replace(bot.settings, org_file=without(tmp_path, "sam")), bot.clock)
    chat = RecordingAdapter()
    later.register(chat)
    return later, chat, engine


async def test_someone_who_left_is_not_ranked_on_the_kudos_board(bot, chat, tmp_path):
    await sam_leads_november(bot)
    await kudo(bot, "grace", "/kudos top", group=False)
    assert "1. Sam Lee — 2" in chat.last("grace")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        for period in ("", " all"):
            await kudo(later, "grace", f"/kudos top{period}", group=False)
            board = chat.last("grace")
            assert "Sam Lee" not in board  # neither as received nor as giver
            # What he gave still counts for the people he praised.
            assert "1=. Bruno Rossi — 1\n1=. 李雷 — 1" in board
            assert "1=. Alice Martin — 1\n1=. Grace Chen — 1" in board
        await kudo(later, "li", "/kudos top", group=False)
        assert "Sam Lee" not in chat.last("li")
    finally:
        engine.dispose()


async def test_the_month_in_progress_leaves_out_someone_who_left_a_past_month_keeps_them(
        bot, chat, clock, tmp_path):
    with_honours_channel(bot)
    await sam_leads_november(bot)
    later, chat, engine = after_sam_left(bot, tmp_path)
    with_honours_channel(later)
    try:
        await kudo(later, "grace", "/honours 2026-11", group=False)  # November, in progress
        roll = chat.last("grace")
        assert "(so far)" in roll and "Sam Lee" not in roll
        assert "Most generous: Alice Martin and Grace Chen — 1 kudo given each, a tie" in roll
        clock.set(DEC_1_9AM_NY)
        assert await later.run_honours()
        # November is over: its roll is history and names who earned it, as it would have
        # the day before he left.
        posted = chat.last("honours")
        assert "• East: Sam Lee — 2 kudos" in posted
        assert "Most generous: Sam Lee — 2 kudos given" in posted
        await kudo(later, "li", "/honours 2026-11", group=False)
        assert "Sam Lee" in chat.last("li")
        clock.advance(timedelta(hours=1))
        await kudo(later, "grace", "/kudos top month", group=False)  # December: nobody yet
        assert "No kudos yet in this period" in chat.last("grace")
    finally:
        engine.dispose()


async def test_the_gms_monthly_view_of_the_month_in_progress_shows_its_roll_as_honours_does(
        bot, chat, clock, tmp_path):
    # The README: a director's month in review carries "the month's honour roll (as
    # /honours shows it)". Of the month in progress that is a roll so far, ranking nobody
    # who has left; /monthly had shown it as November's final roll, with Sam on it.
    await sam_leads_november(bot)
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        for honours, monthly, so_far, next_part in (
                ("/honours this month", "/monthly this month alice", " (so far)", "\n\n📝"),
                ("/honours 本月", "/monthly 本月 alice", "（截至目前）", "\n\n📝")):
            if honours.endswith("本月"):
                await kudo(later, "grace", "/language 中文", group=False)
            await kudo(later, "grace", honours, group=False)
            shown = chat.last("grace")
            await kudo(later, "grace", monthly, group=False)
            review = chat.last("grace")
            roll = review[review.index("🏆"):review.index(next_part)]
            assert roll == shown
            assert so_far in roll.splitlines()[0]
            assert "Sam Lee" not in roll
        # November is over: its roll is history, and names Sam, who earned his place.
        clock.set(DEC_1_9AM_NY)
        await kudo(later, "grace", "/monthly 2026-11 alice", group=False)
        review = chat.last("grace")
        assert "🏆 荣誉榜 —— 2026年11月\n" in review and "截至目前" not in review
        assert "• East：Sam Lee —— 2 次" in review
    finally:
        engine.dispose()



async def test_a_roll_in_progress_whose_givers_all_left_names_no_most_generous(
        bot, chat, tmp_path):
    """README: "A roll in progress whose recipients (or givers) have all left leaves that
    heading out rather than name nobody." Sam gave November's only kudos, and leaves:
    what he gave still counts for 李雷 and Bruno; no "Most generous" over nobody."""
    await kudo(bot, "sam", "/kudos @li @bruno for the joint pitch deck #ownership")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        for typed, kept, gone in (
                ("/honours this month", "• China: 李雷 — 1 kudo", "Most generous"),
                ("/honours 本月", "• China：李雷 —— 1 次", "最慷慨")):
            if typed.endswith("本月"):
                await kudo(later, "grace", "/language 中文", group=False)
            await kudo(later, "grace", typed, group=False)
            roll = chat.last("grace")
            assert kept in roll and gone not in roll and "Sam Lee" not in roll, roll
    finally:
        engine.dispose()


async def test_a_roll_in_progress_whose_recipients_all_left_names_no_most_recognised(
        bot, chat, tmp_path):
    """As above, for recipients: Sam received November's only kudos, and leaves. No
    "Most recognised, per team" heading over an empty list; Grace is still the most
    generous."""
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        await kudo(later, "grace", "/honours this month", group=False)
        roll = chat.last("grace")
        assert "Most recognised" not in roll and "Sam Lee" not in roll, roll
        assert "Most generous: Grace Chen — 1 kudo given" in roll
    finally:
        engine.dispose()


async def test_kudos_to_someone_who_left_says_they_left_not_to_add_them(bot, chat, tmp_path):
    """`/kudos @sam …` after Sam left answered "they are not in the org file … if @sam is a
    colleague, ask the person who runs teampulse to add them": untrue of someone who left,
    and advice to put them back. It names who left; nothing is given to anyone."""
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        await kudo(later, "alice", "/kudos @sam for covering the booth all day", group=False)
        assert chat.last("alice") == ("Sam Lee (sam) has left the org, so kudos can't go to "
                                      "them any more. Nothing was given.")
        await kudo(later, "li", "/kudos @bruno @sam 谢谢你们的帮助和支持")
        assert chat.last("li") == ("Sam Lee（sam）已离开组织，不能再给此人点赞。"
                                   "这次没有给出任何点赞。")
        assert count_kudos(later) == 0
    finally:
        engine.dispose()
