"""Action items agreed between meetings: `/actions add TEXT [@person] [due]`.

Before, an action item could only be typed in the dialog after a meeting: "send Bruno the
pricing deck", agreed on a call on Wednesday, had nowhere to go until the next 1:1 and was
answered with the usage. The clock: Friday 2026-11-27, 16:00 in New York.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import say


async def test_the_gm_adds_one_for_a_director_who_is_told_and_sees_it_on_the_agenda(bot, chat):
    await say(bot, "grace", "/actions add send the pricing deck @bruno by Dec 10")

    reply = chat.last("grace")
    number = reply.split("#")[1].split(":")[0]
    assert reply == (f"Action item #{number}: send the pricing deck — Bruno Rossi, due "
                     f"2026-12-10. Bruno Rossi is told. It is on that one-on-one's agenda "
                     f"until closed (/actions done {number}).")
    assert chat.last("bruno") == (f"Grace Chen added an action item for you: #{number} send "
                                  f"the pricing deck, due 2026-12-10. Send /actions done "
                                  f"{number} when it's done.")
    await say(bot, "bruno", "/actions")
    assert f"#{number} send the pricing deck — Bruno Rossi, due 2026-12-10" in chat.last("bruno")
    await say(bot, "bruno", "/agenda")
    assert f"#{number} send the pricing deck — Bruno Rossi" in chat.last("bruno")
    await say(bot, "bruno", f"/actions done {number}")
    await say(bot, "bruno", "/actions")
    assert "send the pricing deck" not in chat.last("bruno")


async def test_a_director_adds_their_own_in_chinese_and_closes_it(bot, chat):
    # 李雷 has one one-on-one (with Grace): the item is for it, hers unless she names Grace.
    await say(bot, "li", "/actions 添加 准备Q1计划 12月10日")
    reply = chat.last("li")
    number = reply.split("#")[1].split("：")[0]
    assert reply.startswith(f"行动项 #{number}：准备Q1计划 —— 你，截止 2026-12-10。")
    assert not chat.to("grace")  # nobody else owns it: nobody is told
    await say(bot, "li", "/actions 添加 和财务确认预算 @grace")
    assert "和财务确认预算 —— Grace Chen，截止 2026-12-05。已通知Grace Chen。" in chat.last("li")
    assert "李雷 added an action item for you" in chat.last("grace")
    await say(bot, "li", f"/actions 完成 {number}")
    await say(bot, "li", "/actions")
    assert "准备Q1计划" not in chat.last("li") and "和财务确认预算" in chat.last("li")


async def test_a_day_named_inside_the_text_is_the_items_own_not_its_due_date(bot, chat):
    await say(bot, "grace", "/actions add prepare the Friday demo @bruno")
    assert "prepare the Friday demo — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "grace", "/actions add prepare the Friday demo @bruno by Wednesday")
    assert "prepare the Friday demo — Bruno Rossi, due 2026-12-02." in chat.last("grace")


async def test_nothing_is_stored_when_it_is_unclear_whose_or_when(bot, chat):
    await say(bot, "grace", "/actions add call the CFO")  # three directors: which pair?
    assert chat.last("grace") == ("Which one-on-one? Name the person with @: Alice Martin, "
                                  "Bruno Rossi, 李雷.")
    await say(bot, "grace", "/actions add call the CFO @sam")  # Alice's report, not Grace's
    assert chat.last("grace").startswith("You have no one-on-one with @sam.")
    await say(bot, "grace", "/actions add book the offsite @bruno Feb 30")
    assert chat.last("grace").startswith("Feb 30 is not a date. Nothing was saved. "
                                         "Write it as /actions add")
    await say(bot, "grace", "/actions add book the offsite @bruno 2026-11-20")
    assert chat.last("grace").startswith("2026-11-20 is already past")
    await say(bot, "grace", "/actions add @bruno")
    assert chat.last("grace").startswith("Write it as /actions add <text> [@person]")
    await say(bot, "grace", "/actions")
    assert chat.last("grace").startswith("No open action items")
    assert not chat.to("bruno") and not chat.to("sam")


async def test_a_day_said_in_chinese_at_the_end_is_the_due_date(bot, chat):
    # Saturday 2026-11-28, 05:00 in Shanghai: 明天 is Sunday, 周三 next Wednesday.
    await say(bot, "li", "/actions 添加 给客户打电话 明天")
    assert "给客户打电话 —— 你，截止 2026-11-29。" in chat.last("li")
    await say(bot, "li", "/actions 添加 准备演示 截止下周五")
    assert "准备演示 —— 你，截止 2026-12-04。" in chat.last("li")
    await say(bot, "li", "/actions 添加 和财务确认预算周三前")
    assert "和财务确认预算 —— 你，截止 2026-12-02。" in chat.last("li")
    await say(bot, "li", "/actions 添加 准备周五的演示")  # inside the text: the item's own
    assert "准备周五的演示 —— 你，截止 2026-12-05。" in chat.last("li")


async def test_a_name_that_is_also_a_short_weekday_ends_the_text_as_a_name(bot, chat):
    # "Sun" (孙) and "Mon" are names as often as days: alone at the end, the item's own.
    await say(bot, "grace", "/actions add intro call with Mr. Sun @bruno")
    assert "intro call with Mr. Sun — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "grace", "/actions add intro call with Mr. Sun @bruno by Sun")
    assert "intro call with Mr. Sun — Bruno Rossi, due 2026-11-29." in chat.last("grace")
    await say(bot, "grace", "/actions add send the recap @bruno Wednesday")
    assert "send the recap — Bruno Rossi, due 2026-12-02." in chat.last("grace")


async def test_every_or_last_friday_at_the_end_is_the_items_own_not_its_due_date(bot, chat):
    await say(bot, "grace", "/actions add move the pipeline review to every Friday @bruno")
    assert ("move the pipeline review to every Friday — Bruno Rossi, due 2026-12-04."
            in chat.last("grace"))
    await say(bot, "grace", "/actions add send the notes from last Monday @bruno")
    assert "send the notes from last Monday — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "li", "/actions 添加 例会改到每周一")
    assert "例会改到每周一 —— 你，截止 2026-12-05。" in chat.last("li")
    await say(bot, "li", "/actions 添加 补发会议纪要，会是上周五开的")
    assert "补发会议纪要，会是上周五开的 —— 你，截止 2026-12-05。" in chat.last("li")
    await say(bot, "li", "/actions 添加 整理纪要 上个周五")
    assert "整理纪要 上个周五 —— 你，截止 2026-12-05。" in chat.last("li")


async def test_a_manager_naming_herself_names_the_other_side_too(bot, chat):
    await say(bot, "grace", "/actions add call the CFO @grace")  # three pairs: whose?
    assert chat.last("grace").startswith("Which one-on-one? Name the person with @")
    await say(bot, "grace", "/actions add call the CFO @grace @alice")
    assert "call the CFO — you, due 2026-12-04." in chat.last("grace")
    assert not chat.to("alice")  # hers to do: nobody else is told
    await say(bot, "alice", "/agenda @grace")
    assert "call the CFO — Grace Chen" in chat.last("alice")


async def test_by_friday_said_on_friday_night_is_not_overdue_for_an_owner_already_in_saturday(
        bot, chat, clock):
    # Friday 23:00 in New York is Saturday noon in Shanghai: "by Friday" was stored as
    # Friday, and 李雷's item was overdue the moment Grace set it. The day is read as Grace
    # said it (her Friday), and, being over where Li is, becomes Li's today.
    clock.set(datetime(2026, 11, 28, 4, 0, tzinfo=UTC))
    await say(bot, "grace", "/actions add send the deck @li by Friday")
    reply = chat.last("grace")
    assert "send the deck — 李雷, due 2026-11-28 (2026-11-27 is already over where 李雷 is)." \
        in reply, reply
    assert "截止 2026-11-28" in chat.last("li")
    await say(bot, "li", "/actions")
    assert "send the deck — 李雷，截止 2026-11-28" in chat.last("li")
    assert "已逾期" not in chat.last("li")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/actions 添加 准备报价 @li 周五")
    assert "准备报价 —— 李雷，截止 2026-11-28（李雷所在地的 2026-11-27 已经过去）。" \
        in chat.last("grace")
    # Said for an owner where it is still that day, the day is as said.
    await say(bot, "grace", "/actions 添加 call the CFO @bruno 2026-11-28")
    assert "截止 2026-11-28。" in chat.last("grace")


async def test_a_due_day_just_passed_is_asked_for_with_its_year_not_stored_a_year_away(
        bot, chat, clock):
    # "by Nov 30" said on December 1 was stored as due 2027-11-30 and Bruno told so.
    clock.set(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))  # Wednesday already in Shanghai
    await say(bot, "grace", "/actions add send the deck @bruno by Nov 30")
    assert chat.last("grace") == (
        "2026-11-30 has passed (today is 2026-12-01), and without a year it would be next "
        "year's, 2027-11-30. Nothing was saved. Give a due date from today on or, if you meant "
        "next year's, the date with its year: 2027-11-30.")
    await say(bot, "li", "/actions 添加 准备Q1计划 11月30日前")
    assert chat.last("li").startswith("2026-11-30 已经过去了（今天是 2026-12-02），不写年份就会"
                                      "读成明年的 2027-11-30。未保存。")
    assert not chat.to("bruno")
    for key in ("grace", "li"):
        await say(bot, key, "/actions")
        assert "2027-11-30" not in chat.last(key)
    await say(bot, "grace", "/actions add send the deck @bruno by 2027-11-30")
    assert "send the deck — Bruno Rossi, due 2027-11-30." in chat.last("grace")


async def test_spaces_inside_a_chinese_week_word_are_read_through_in_a_due_day(bot, chat, clock):
    # '下 周五' (a space typed in it) was read as this week's Friday, with '下' left in the
    # item's text; '下 个 星期 五 前' was not read at all. /away reads through such spaces.
    await say(bot, "grace", "/actions add 准备Q1计划 @bruno 下 周五")  # Friday in New York
    assert "准备Q1计划 — Bruno Rossi, due 2026-12-04." in chat.last("grace"), chat.last("grace")
    clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # Monday 10:00 in Shanghai
    await say(bot, "li", "/actions 添加 准备Q2计划 下 个 星期 五 前")
    assert "准备Q2计划 —— 你，截止 2026-12-11。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 准备Q3计划 本 周五")
    assert "准备Q3计划 —— 你，截止 2026-12-04。" in chat.last("li"), chat.last("li")
    # '上 周五' (last Friday) is what the item speaks of, not when it is due.
    await say(bot, "li", "/actions 添加 回顾 上 周五")
    assert "回顾 上 周五 —— 你，截止 2026-12-07。" in chat.last("li"), chat.last("li")


async def test_the_end_of_a_month_quarter_or_year_is_a_due_date(bot, chat):
    """'by end of month' stayed in the item's text and it was due in a week (2026-12-04)."""
    await say(bot, "grace", "/actions add send the forecast @bruno by end of month")
    assert "send the forecast — Bruno Rossi, due 2026-11-30." in chat.last("grace")
    await say(bot, "grace", "/actions add renew the contract @bruno by the end of next month")
    assert "renew the contract — Bruno Rossi, due 2026-12-31." in chat.last("grace")
    await say(bot, "grace", "/actions add close the Acme deal @bruno by EOQ")
    assert "close the Acme deal — Bruno Rossi, due 2026-12-31." in chat.last("grace")
    await say(bot, "grace", "/actions add hire two reps @bruno before year end")
    assert "hire two reps — Bruno Rossi, due 2026-12-31." in chat.last("grace")
    # Without by/before/due the words are the item's own.
    await say(bot, "grace", "/actions add prepare the month end @bruno")
    assert "prepare the month end — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    # Saturday 2026-11-28 in Shanghai.
    await say(bot, "li", "/actions 添加 准备季度复盘 月底前")
    assert "准备季度复盘 —— 你，截止 2026-11-30。" in chat.last("li")
    await say(bot, "li", "/actions 添加 续签合同 下个月底")
    assert "续签合同 —— 你，截止 2026-12-31。" in chat.last("li")
    await say(bot, "li", "/actions 添加 完成招聘 截止年底")
    assert "完成招聘 —— 你，截止 2026-12-31。" in chat.last("li")
    await say(bot, "li", "/actions 添加 核对上月底")  # last month's end: the item's own
    assert "核对上月底 —— 你，截止 2026-12-05。" in chat.last("li")


async def test_a_day_and_month_with_a_slash_is_a_due_date_and_never_a_guess(bot, chat):
    """'by 1/25' stayed in the item's text; 'by 1/5' (5 January or 1 May?) is asked for."""
    await say(bot, "grace", "/actions add call the CFO @bruno by 1/25")
    assert "call the CFO — Bruno Rossi, due 2027-01-25." in chat.last("grace")
    await say(bot, "grace", "/actions add call the CTO @bruno by 25/1")
    assert "call the CTO — Bruno Rossi, due 2027-01-25." in chat.last("grace")
    await say(bot, "grace", "/actions add book the offsite @bruno by 1/5")
    assert chat.last("grace") == ("by 1/5 could be 2027-01-05 or 2027-05-01. Nothing was "
                                  "saved. Write the one you mean as it reads here (for "
                                  "example 2027-01-05).")
    await say(bot, "grace", "/actions add book the offsite @bruno by 13/13")
    assert chat.last("grace").startswith("by 13/13 is not a date. Nothing was saved.")
    await say(bot, "grace", "/actions add finish part 2/3 @bruno")  # no 'by': the item's own
    assert "finish part 2/3 — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "bruno", "/actions")
    assert "book the offsite" not in chat.last("bruno")
    # Month first, as dates are written in Chinese.
    await say(bot, "li", "/actions 添加 给客户打电话 12/8前")
    assert "给客户打电话 —— 你，截止 2026-12-08。" in chat.last("li")
    await say(bot, "li", "/actions 添加 准备材料 截止1/5")
    assert "准备材料 —— 你，截止 2027-01-05。" in chat.last("li")


async def test_the_end_of_the_week_is_its_friday(bot, chat):
    """'by end of week' stayed in the item's text and it was due in a week (2026-12-04).

    Friday 2026-11-27 in New York: this week's Friday is today. Saturday 2026-11-28 in
    Shanghai: this working week is over, its end is the coming Friday."""
    await say(bot, "grace", "/actions add send the forecast @bruno by end of week")
    assert "send the forecast — Bruno Rossi, due 2026-11-27." in chat.last("grace")
    await say(bot, "grace", "/actions add call the CFO @bruno by the end of the week")
    assert "call the CFO — Bruno Rossi, due 2026-11-27." in chat.last("grace")
    await say(bot, "grace", "/actions add renew the lease @bruno by end of next week")
    assert "renew the lease — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "grace", "/actions add book the venue @bruno by EOW")
    assert "book the venue — Bruno Rossi, due 2026-11-27." in chat.last("grace")
    await say(bot, "grace", "/actions add sign the NDA @bruno by EOD")  # end of today
    assert "sign the NDA — Bruno Rossi, due 2026-11-27." in chat.last("grace")
    await say(bot, "grace", "/actions add plan the weekend offsite @bruno")  # the item's own
    assert "plan the weekend offsite — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "li", "/actions 添加 准备季度复盘 本周末")
    assert "准备季度复盘 —— 你，截止 2026-12-04。" in chat.last("li")
    await say(bot, "li", "/actions 添加 发送报价 周末前")
    assert "发送报价 —— 你，截止 2026-12-04。" in chat.last("li")
    await say(bot, "li", "/actions 添加 续签合同 下周末之前")
    assert "续签合同 —— 你，截止 2026-12-04。" in chat.last("li")
    await say(bot, "li", "/actions 添加 核对上周末的数据")  # last weekend's: the item's own
    assert "核对上周末的数据 —— 你，截止 2026-12-05。" in chat.last("li")


async def test_a_slashed_day_is_month_first_for_a_chinese_speaker_in_any_form(bot, chat):
    """李雷 (zh-CN) typing 'by 1/5' was asked whether 5 January or 1 May: in Chinese dates
    are written month first. An English speaker is still asked."""
    await say(bot, "li", "/actions 添加 准备材料 by 1/5")
    assert "准备材料 —— 你，截止 2027-01-05。" in chat.last("li")
    await say(bot, "li", "/actions 添加 准备报告 by 25/1")  # no 25th month: 1月25日
    assert "准备报告 —— 你，截止 2027-01-25。" in chat.last("li")
    await say(bot, "grace", "/actions add book the offsite @bruno by 1/5")
    assert chat.last("grace").startswith("by 1/5 could be 2027-01-05 or 2027-05-01.")


async def test_closing_an_item_without_its_number_says_what_to_send(bot, chat):
    """'/actions done' answered 'no open action item #?', '/actions done abc' '#abc', and
    '/actions 完成 #1' '##1'."""
    await say(bot, "grace", "/actions add send the deck @bruno by Friday")
    number = chat.last("grace").split("#")[1].split(":")[0]
    await say(bot, "bruno", "/actions done")
    assert chat.last("bruno") == ("Which action item? Send /actions done with its number, "
                                  "for example /actions done 3; /actions lists them.")
    for typed in ("abc", f"{number} {number}", "-1", "²"):
        await say(bot, "bruno", f"/actions done {typed}")
        assert chat.last("bruno") == (
            f"{typed} is not an action item number. Send /actions done with one number, for "
            f"example /actions done 3; /actions lists them."), typed
    await say(bot, "li", "/actions 完成")
    assert chat.last("li") == "要关闭哪一项？请发送 /actions done 加编号，例如 /actions done 3；" \
                              "/actions 列出你的行动项。"
    await say(bot, "li", "/actions 完成 第一")
    assert chat.last("li") == ("第一 不是行动项编号。请发送 /actions done 加一个编号，例如 "
                               "/actions done 3；/actions 列出你的行动项。")
    await say(bot, "li", f"/actions 完成 #{number}")  # Bruno's item, not hers
    assert chat.last("li") == f"你没有编号为 #{number} 的未完成行动项。发送 /actions 查看。"
    await say(bot, "bruno", "/actions")
    assert "send the deck" in chat.last("bruno")  # nothing was closed on the way
    await say(bot, "bruno", f"/actions done #{number}")
    assert chat.last("bruno") == f"Done: #{number} send the deck"


async def test_a_due_date_already_passed_is_asked_for_again_not_kept_in_the_text(bot, chat):
    """'by yesterday', 'by end of last week', 昨天前 stayed in the item's text and the item was
    due in a week: a passed due date is a slip, answered as /away answers a passed day.

    Friday 2026-11-27 in New York; Saturday 2026-11-28 in Shanghai."""
    # The refusal names the day it read, so a misreading shows ("last Friday" said on a
    # Friday is a week ago, not today).
    for typed, day in (("by yesterday", "2026-11-26"), ("by end of last week", "2026-11-20"),
                       ("due last Friday", "2026-11-20"), ("by last Wednesday", "2026-11-25"),
                       ("by the end of last month", "2026-10-31"),
                       ("by the day before yesterday", "2026-11-25"),
                       ("by last year end", "2025-12-31"), ("by 2026-11-20", None),
                       # README: 'last week' and 上周 are that week's Friday
                       ("by last week", "2026-11-20"), ("due last week", "2026-11-20")):
        await say(bot, "grace", f"/actions add call Acme @bruno {typed}")
        read = f" ({day})" if day else ""
        assert chat.last("grace") == (f"{typed}{read} is already past: give a due date from "
                                      f"today (2026-11-27) on. Nothing was saved."), typed
    for typed, day in (("昨天前", "2026-11-27"), ("截止上周五", "2026-11-20"),
                       ("上周五前", "2026-11-20"), ("上周前", "2026-11-20"),
                       ("上个月底前", "2026-10-31"),  # was read as this month's end
                       ("去年底前", "2025-12-31")):
        await say(bot, "li", f"/actions 添加 准备复盘 {typed}")
        assert chat.last("li") == (f"{typed}（{day}） 已经过去：请给出今天（2026-11-28）或之后的"
                                   f"截止日期。未保存。"), typed
    assert not chat.to("bruno")
    await say(bot, "grace", "/actions")
    assert chat.last("grace").startswith("No open action items")
    await say(bot, "li", "/actions")
    assert chat.last("li").startswith("没有未完成的行动项")
    # Without by/due, or 截止/前, the words are the item's own.
    await say(bot, "grace", "/actions add review deals closed before last week @bruno")
    assert "review deals closed before last week — Bruno Rossi, due 2026-12-04." \
        in chat.last("grace")
    await say(bot, "li", "/actions 添加 核对上个月底")
    assert "核对上个月底 —— 你，截止 2026-12-05。" in chat.last("li"), chat.last("li")


async def test_closing_an_item_the_other_side_closed_says_who_and_when(bot, chat, clock):
    """Grace closes Bruno's item on Friday; on Monday Bruno, who had missed the notice,
    sends /actions done for it: it answered "Done" again, as if his closed it. It says
    it was closed already, when and by whom, and nothing changes."""
    await say(bot, "grace", "/actions add send the pricing deck @bruno by Dec 10")
    number = chat.last("grace").split("#")[1].split(":")[0]
    await say(bot, "grace", f"/actions done {number}")
    assert chat.last("grace") == f"Done: #{number} send the pricing deck"
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 15:00 in Rome
    await say(bot, "bruno", f"/actions done {number}")
    assert chat.last("bruno") == (f"#{number} send the pricing deck was already closed on "
                                  "2026-11-27 by Grace Chen: nothing changed.")
    await say(bot, "grace", f"/actions done {number}")  # she sends it twice
    assert chat.last("grace") == (f"#{number} send the pricing deck was already closed on "
                                  "2026-11-27 by you: nothing changed.")
    notices = [t for t in chat.to("bruno") if "closed your action item" in t]
    assert len(notices) == 1, notices  # told once, not again
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").locale = "zh-CN"
    await say(bot, "bruno", f"/actions 完成 {number}")
    assert chat.last("bruno") == (f"#{number} send the pricing deck 已于 2026-11-27 "
                                  "由Grace Chen关闭，此次未作更改。")


async def test_in_chinese_closing_ones_own_item_twice_says_it_was_already_closed(bot, chat):
    """李雷 closes her own item, then sends the same number again (the first reply missed):
    who closed it is not said (she did: nobody was told), when is, in her calendar (late
    Friday in New York is Saturday in Shanghai)."""
    await say(bot, "li", "/actions 添加 准备Q1计划 12月10日")
    number = chat.last("li").split("#")[1].split("：")[0]
    await say(bot, "li", f"/actions 完成 {number}")
    assert chat.last("li") == f"已完成：#{number} 准备Q1计划"
    await say(bot, "li", f"/actions 完成 {number}")
    assert chat.last("li") == f"#{number} 准备Q1计划 已于 2026-11-28 关闭，此次未作更改。"
    await say(bot, "grace", f"/actions done {number}")  # the other side, days later or not
    assert chat.last("grace") == (f"#{number} 准备Q1计划 was already closed on 2026-11-27: "
                                  "nothing changed.")


async def test_a_number_too_large_for_any_item_is_answered_as_no_such_item(bot, chat):
    # A mistyped number (a phone number pasted) overflowed the database's integer: the
    # sender got "something went wrong on my side" instead of being told there is none.
    await say(bot, "li", "/actions add 准备Q1计划 12月10日")
    await say(bot, "grace", "/actions done 99999999999999999999")
    assert chat.last("grace") == ("There is no open action item #99999999999999999999 of "
                                  "yours. Send /actions to see them.")
    await say(bot, "li", "/actions done 13800138000")
    assert chat.last("li") == ("你没有编号为 #13800138000 的未完成行动项。发送 /actions 查看。")
    await say(bot, "li", "/actions")
    assert "准备Q1计划" in chat.last("li")


async def test_a_date_in_chinese_numerals_is_a_due_date(bot, chat):
    """'十二月十日' stayed in the item's words and the item was due in a week (2026-12-05
    in Shanghai, 2026-12-04 in New York), as '12月10日' is not."""
    await say(bot, "li", "/actions 添加 准备材料 十二月十日")
    assert "准备材料 —— 你，截止 2026-12-10。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 发报价 截止十二月二十号前")
    assert "发报价 —— 你，截止 2026-12-20。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 准备Q1计划 一月五号")  # January: next year's
    assert "准备Q1计划 —— 你，截止 2027-01-05。" in chat.last("li"), chat.last("li")
    # Inside the text it is the item's own, as 12月1日 is.
    await say(bot, "li", "/actions 添加 准备十二月一日的材料")
    assert "准备十二月一日的材料 —— 你，截止 2026-12-05。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 准备材料 十三月五日")  # no 13th month: refused
    assert chat.last("li").startswith("十三月五日"), chat.last("li")
    await say(bot, "grace", "/actions add send the quote @bruno 十二月十日")
    assert "send the quote — Bruno Rossi, due 2026-12-10." in chat.last("grace")


async def test_a_day_and_month_with_a_dot_is_read_as_with_a_slash_never_guessed(bot, chat):
    """'by 25.12.' and '12.10前' stayed in the item's words, due in a week. A dot is read as a
    slash is: 'by 12.10' (10 December or 12 October?) is asked back, nothing saved; month
    first for someone writing in Chinese; without 'by' or 前 it is the item's own (a
    version: 'upgrade to 3.2')."""
    await say(bot, "grace", "/actions add call the CFO @bruno by 25.12.")
    assert "call the CFO — Bruno Rossi, due 2026-12-25." in chat.last("grace")
    await say(bot, "grace", "/actions add book the venue @bruno by 12.10")
    assert chat.last("grace") == ("by 12.10 could be 2026-12-10 or 2027-10-12. Nothing was "
                                  "saved. Write the one you mean as it reads here (for "
                                  "example 2026-12-10).")
    await say(bot, "grace", "/actions add book the hotel @bruno by 10.12.")
    assert chat.last("grace").startswith("by 10.12. could be 2027-10-12 or 2026-12-10.")
    await say(bot, "grace", "/actions add upgrade the CRM to 3.2 @bruno")
    assert "upgrade the CRM to 3.2 — Bruno Rossi, due 2026-12-04." in chat.last("grace")
    await say(bot, "bruno", "/actions")
    assert "book the" not in chat.last("bruno")
    await say(bot, "li", "/actions 添加 核对数据 12.10前")
    assert "核对数据 —— 你，截止 2026-12-10。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 核对报表 by 3.12")  # month first: not 3 December
    assert "核对报表 —— 你，截止 2027-03-12。" in chat.last("li"), chat.last("li")
