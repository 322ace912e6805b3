"""One-on-ones on Telegram through python-telegram-bot against FakeTelegramAPI: Li reads
everything in Chinese and Shanghai time, Grace in English and New York time; agenda from
both sides, the "did it happen" buttons, notes, an action item reminded when due,
feedback both ways, and nothing sent twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.oneonone_support import write_org
from tests.telegram.conftest import GRACE, LI, TG

# Grace meets Li monthly, on the first Tuesday at 09:00 New York time (22:00 in Shanghai).
SLOT = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings, tmp_path):
    """The Telegram test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


async def sweep(tg: TG, when: datetime) -> int:
    tg.clock.set(when)
    count = await tg.bot.run_oneonones()
    await tg.settle()
    return count


async def test_the_one_on_one_cycle_on_telegram(tg: TG) -> None:
    await tg.say(LI, "/1on1")
    assert "Grace Chen：每月，周二 09:00（America/New_York）— 下次：2026-12-01 22:00（周二，" \
           "Asia/Shanghai）" in tg.shown(LI)[-1]
    await tg.say(LI, "/agenda add 招聘计划")
    assert "已加入你与Grace Chen下次一对一面谈的议程：招聘计划" in tg.shown(LI)[-1]
    await tg.say(GRACE, "/agenda add @li Budget for Q1")
    assert "Added to the agenda of your next 1:1 with 李雷" in tg.shown(GRACE)[-1]

    await sweep(tg, SLOT - timedelta(hours=23))
    reminder = next(t for t in tg.shown(LI) if "提醒" in t)
    assert "2026-12-01 22:00（周二，Asia/Shanghai）" in reminder
    assert "招聘计划" in reminder and "Budget for Q1" in reminder
    assert any("Tue 2026-12-01 09:00 (America/New_York)" in t for t in tg.shown(GRACE))
    await sweep(tg, SLOT - timedelta(minutes=10))
    assert "即将开始" in tg.shown(LI)[-1]
    before = len(tg.fake.calls_for("sendMessage"))
    assert await sweep(tg, SLOT - timedelta(minutes=9)) == 0
    assert len(tg.fake.calls_for("sendMessage")) == before

    await sweep(tg, SLOT + timedelta(minutes=40))
    assert "Did your 1:1 with 李雷" in tg.shown(GRACE)[-1]
    await tg.press(GRACE, "Yes")
    await tg.say(GRACE, "Li hires two sales reps in Q1")
    await tg.say(GRACE, "next")
    await tg.say(GRACE, "Draft the job ads 2026-12-04")
    await tg.say(GRACE, "done")
    recap = next(t for t in tg.shown(LI) if "2026-12-01 的一对一面谈" in t)
    assert "Li hires two sales reps in Q1" in recap and "Draft the job ads" in recap
    assert "你与Grace Chen的一对一面谈有多大帮助" in tg.shown(LI)[-1]
    await tg.press(LI, "5")
    await tg.say(LI, "多留一些时间讨论客户")
    assert "谢谢你的反馈" in tg.shown(LI)[-1]
    assert "Feedback from 李雷 on your 1:1 of 2026-12-01: 5/5. One thing to improve: " \
           "多留一些时间讨论客户" in tg.shown(GRACE)[-1]

    # Due on Friday in Shanghai: reminded at 07:00 there, still Thursday in UTC.
    await sweep(tg, datetime(2026, 12, 3, 23, 0, tzinfo=UTC))
    assert "行动项 #1 截止于 2026-12-04：Draft the job ads" in tg.shown(LI)[-1]
    await tg.say(LI, "/actions done 1")
    assert "已完成：#1 Draft the job ads" in tg.shown(LI)[-1]


async def test_the_person_picked_is_taken_where_they_stand_not_from_inside_a_word(
        tg: TG) -> None:
    """Alice picks Sam from Telegram's list (a text mention, shown as his first name,
    "Sam") after typing "Samantha": the mention was taken out of "Samantha", and the
    action item read "ask antha for the deck"."""
    from tests.telegram.conftest import ALICE, SAM

    text = "/actions add ask Samantha for the deck Sam by Dec 10"
    await tg.say(ALICE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 8},
        {"type": "text_mention", "offset": text.rindex("Sam"), "length": 3,
         "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}])
    assert tg.shown(ALICE)[-1].startswith(
        "Action item #1: ask Samantha for the deck — Sam Lee, due 2026-12-10."), \
        tg.shown(ALICE)[-1]


async def test_an_action_item_for_an_outsider_named_like_the_report_is_nobodys(
        tg: TG) -> None:
    """In the after-meeting dialog Grace picks, from Telegram's list, an account outside
    the org whose name is 李雷's: the item was 李雷's, and he was told of it. It is nobody's,
    Grace is told whom she likely meant, and the dialog still takes the action items."""
    from storage.oneonone import ActionItem

    await sweep(tg, SLOT + timedelta(minutes=40))
    await tg.press(GRACE, "Yes")
    await tg.say(GRACE, "next")
    text = "Draft the job ads 李雷"
    await tg.say(GRACE, text, entities=[
        {"type": "text_mention", "offset": text.index("李雷"), "length": 2,
         "user": {"id": 7777, "is_bot": False, "first_name": "李雷"}}])
    assert tg.shown(GRACE)[-1] == (
        "李雷 is not in the org file, so no command reads about them: a mention names that "
        "very account, not someone else called the same. Did you mean 李雷 (li)? Name them "
        "by key.")
    with tg.bot.unit() as ctx:
        assert ctx.session.query(ActionItem).count() == 0
    await tg.say(GRACE, "Draft the job ads @li")
    assert tg.shown(GRACE)[-1].startswith("Action item #1: Draft the job ads — 李雷")
