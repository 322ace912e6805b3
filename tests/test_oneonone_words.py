"""One-on-one commands as people type them: `/1on1 alice` (that one-on-one: when, and its
agenda), `/agenda pipeline review` (an item, without `add`), `/agenda @li` (that agenda),
and the other words for the subcommands (`notes`, `cancel`, `reschedule`)."""

from __future__ import annotations

from tests.support import say


async def test_naming_a_person_shows_that_one_on_one_and_its_agenda(bot, chat):
    await say(bot, "grace", "/agenda add @alice pipeline review for Q1")
    for typed in ("/1on1 alice", "/1on1 @alice", "/1on1 Alice Martin"):
        await say(bot, "grace", typed)
        schedule, agenda = [m.message.text for m in chat.sent[-2:]]
        rows = [line for line in schedule.splitlines() if "every two weeks" in line]
        assert len(rows) == 1 and rows[0].startswith("Alice Martin: every two weeks, Tue 10:00")
        assert "more after these" not in schedule
        assert agenda.splitlines()[0] == \
            "1:1 with Alice Martin — Tue 2026-12-08 10:00 (America/New_York)"
        assert "pipeline review for Q1 — Grace Chen" in agenda
    # In Chinese, by name.
    await say(bot, "li", "/1on1 Grace Chen")
    assert "Grace Chen" in chat.sent[-2].message.text and "下次" in chat.sent[-2].message.text


async def test_someone_who_is_not_ones_own_one_on_one_is_said_to_be_so(bot, chat):
    await say(bot, "grace", "/1on1 sam")  # Alice's report, not Grace's
    assert chat.last("grace") == \
        "You have no one-on-one with sam. Yours: Alice Martin, Bruno Rossi, 李雷."
    await say(bot, "grace", "/1on1 frobnicate")  # nobody: the usage, as before
    assert chat.last("grace").startswith("/1on1 — your one-on-ones and when they are next")


async def test_an_agenda_item_needs_no_add(bot, chat):
    # Bruno has one one-on-one (with Grace): the item is for it.
    await say(bot, "bruno", "/agenda budget for the Milan office")
    assert chat.last("bruno") == \
        "Added to the agenda of your next 1:1 with Grace Chen: budget for the Milan office"
    await say(bot, "grace", "/agenda @bruno")
    assert chat.last("grace").splitlines()[0].startswith("1:1 with Bruno Rossi — ")
    assert "budget for the Milan office — Bruno Rossi" in chat.last("grace")
    assert "Alice Martin" not in chat.last("grace")  # that one's agenda only
    # Grace has three: the item needs a name, and is not stored meanwhile.
    await say(bot, "grace", "/agenda hiring plan")
    assert chat.last("grace").startswith("Which one-on-one? Name the person with @")
    await say(bot, "grace", "/agenda list")
    assert "hiring plan" not in chat.last("grace")
    assert chat.last("grace").count("1:1 with ") == 3


async def test_other_words_for_the_subcommands(bot, chat):
    # (No meeting held yet to note: the answer /1on1 note gives, not the usage.)
    await say(bot, "grace", "/1on1 notes @alice she wants a recruiter")
    assert chat.last("grace") == "You haven't had a recorded 1:1 with Alice Martin yet."
    await say(bot, "grace", "/1on1 cancel @bruno")
    assert chat.last("grace").startswith("Skipped: your 1:1 with Bruno Rossi on Tue 2026-12-08")
    await say(bot, "grace", "/1on1 reschedule @li 2026-12-09 19:30")
    assert chat.last("grace").startswith("Moved: your next 1:1 with 李雷 is Wed 2026-12-09 19:30")


async def test_the_subcommands_said_in_chinese(bot, chat):
    """'/1on1 跳过' and '/1on1 取消' answered with the usage and skipped nothing."""
    await say(bot, "li", "/agenda 添加 讨论预算")
    assert chat.last("li") == "已加入你与Grace Chen下次一对一面谈的议程：讨论预算"
    await say(bot, "li", "/agenda 查看")
    assert "讨论预算 — 李雷" in chat.last("li")
    await say(bot, "li", "/1on1 跳过")
    assert chat.last("li").startswith("已跳过：你与Grace Chen在 2026-12-08 23:00")
    await say(bot, "li", "/1on1 改期 2026-12-23 08:30")
    assert chat.last("li").startswith(
        "已调整：你与Grace Chen的下一次一对一面谈改为 2026-12-23 08:30")
    await say(bot, "li", "/议程")  # a command's name in Chinese: the one meant is named
    assert chat.last("li") == "我不认识命令 /议程。你是想用 /agenda 吗？发送 /help 查看我能做什么。"


async def test_the_other_chinese_words_for_skip_move_note_and_history(bot, chat):
    """README's one-on-one table: 取消 is skip, 调整 move, 记录 note, 历史 history, as 跳过
    and 改期 (above) are."""
    await say(bot, "li", "/1on1 取消")
    assert chat.last("li").startswith("已跳过：你与Grace Chen在 2026-12-08 23:00")
    await say(bot, "li", "/1on1 调整 2026-12-23 08:30")
    assert chat.last("li").startswith(
        "已调整：你与Grace Chen的下一次一对一面谈改为 2026-12-23 08:30")
    await say(bot, "li", "/1on1 记录 想多聊渠道")
    noted = chat.last("li")
    await say(bot, "li", "/1on1 note 想多聊渠道")
    assert noted == chat.last("li") and "用法" not in noted, noted
    await say(bot, "li", "/1on1 历史")
    assert chat.last("li").startswith("你还没有一对一面谈记录")


async def test_did_it_happen_answered_as_chinese_says_it(bot, chat, clock):
    """"没开成" (it didn't come off), "改期了" (moved) and "推迟了" (put off) were answered
    "please answer yes or no", again and again; "开过了" (we had it) too."""
    from datetime import UTC, datetime

    from tests.oneonone_support import sweep_at

    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await sweep_at(bot, clock, datetime(2026, 12, 8, 15, 31, tzinfo=UTC))  # Tue 10:31 NY
    for said in ("没开成", "改期了。", "推迟了"):
        await say(bot, "grace", said)
        assert any("没有进行" in t for t in chat.to("grace")[-2:]), (said, chat.to("grace")[-2:])
    # (All three of Grace's Tuesday 1:1s answered: the week after, one held.)
    await sweep_at(bot, clock, datetime(2026, 12, 22, 15, 31, tzinfo=UTC))
    await say(bot, "grace", "开过了")
    assert chat.last("grace").startswith("好的。请发送与")


async def test_agenda_with_someone_elses_name_alone_adds_nothing(bot, chat):
    # Bruno asked for Alice's agenda by name (not his one-on-one): "Alice Martin" was put
    # on the agenda of his 1:1 with Grace, where Grace read it, and nothing takes it off.
    for typed in ("/agenda Alice Martin", "/agenda alice", "/agenda 李雷"):
        await say(bot, "bruno", typed)
        assert chat.last("bruno") == ("You have no one-on-one with "
                                      f"{typed.split(' ', 1)[1]}. Yours: Grace Chen."), typed
    await say(bot, "grace", "/agenda @bruno")
    assert "No agenda items yet" in chat.last("grace")
    # With `add`, the words are the item, whatever they are.
    await say(bot, "bruno", "/agenda add Alice Martin")
    assert chat.last("bruno") == \
        "Added to the agenda of your next 1:1 with Grace Chen: Alice Martin"


async def test_a_name_two_of_ones_reports_share_is_asked_back_not_denied(
        database_url, clock, tmp_path):
    # Li manages two people called 王伟: '/1on1 王伟' told her she had no one-on-one with
    # 王伟, listing both 王伟 among hers.
    from bot.app import prepare
    from bot.config import Settings
    from tests.oneonone_support import write_org
    from tests.support import NAMESAKES, RecordingAdapter

    path = write_org(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    both = "有 2 人叫 王伟，请用对方的 key：@wangwei（团队 China）、@wangwei2（团队 China）。"
    for typed in ("/1on1 王伟", "/agenda 王伟"):
        await say(bot, "li", typed)
        assert chat.last("li") == both, typed
    await say(bot, "li", "/agenda list")
    assert chat.last("li").count("王伟") == 2  # (the two agendas, nothing added)
    # Someone with a one-on-one with neither is told whose they have.
    await say(bot, "bruno", "/1on1 王伟")
    assert chat.last("bruno") == "You have no one-on-one with 王伟. Yours: Grace Chen."
    engine.dispose()


async def test_a_move_said_with_at_or_the_time_first(bot, chat):
    # 'Dec 3 at 3pm' and '3pm Thursday', as people say them, were answered with the usage.
    for typed in ("Dec 3 at 3pm", "Thursday at 15:00", "3pm Thursday", "15:00 2026-12-03",
                  "tomorrow at 9:30am"):
        await say(bot, "grace", f"/1on1 move @alice {typed}")
        assert chat.last("grace").startswith("Moved: your next 1:1 with Alice Martin is "), \
            (typed, chat.last("grace"))
    assert "Sat 2026-11-28 09:30" in chat.last("grace")
    # 'at' alone is no time: the usage, nothing moved.
    await say(bot, "grace", "/1on1 move @alice Dec 4 at")
    assert chat.last("grace").startswith("Give the new date and time in your timezone")


async def test_a_move_to_a_date_with_another_days_weekday_is_asked_back(bot, chat):
    """`/1on1 move @alice 12月20日（周一）10:00`, the 20th being a Sunday, was answered with
    the usage alone ("Give the new date and time…"), as if nothing had been read: the
    reply names the clash and offers each day as the command to send; nothing moves."""
    await say(bot, "grace", "/1on1 move @alice Dec 20 (Mon) 10:00")
    assert chat.last("grace") == (
        "December 20, 2026 is a Sunday, not a Monday, so nothing was moved. Which did you "
        "mean? The Sunday: /1on1 move @alice 2026-12-20 10:00 · the Monday, December 21, "
        "2026: /1on1 move @alice 2026-12-21 10:00.")
    await say(bot, "li", "/1on1 move 12月20日（周一）下午3点")
    assert chat.last("li") == (
        "2026年12月20日是周日，不是周一，所以没有调整。你指的是哪一天？周日：/1on1 move @grace "
        "2026-12-20 15:00 · 周一（2026年12月21日）：/1on1 move @grace 2026-12-21 15:00。")
    await say(bot, "grace", "/1on1 alice")
    assert "next: Tue 2026-12-08 10:00" in chat.sent[-2].message.text  # not moved
    assert not any("moved your next 1:1" in t for t in chat.to("alice") + chat.to("li"))
