"""The console chat, driven by scripted input as a newcomer would use it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from io import StringIO
from pathlib import Path

from bot.app import run

ROOT = Path(__file__).parent.parent

SESSION = """\
/fire checkin
/as alice
52000
3
Closed the Acme deal <big>
Pricing pushback
2
Travel budget for demos
Visit 5 prospects
4
/as li
６６０００
/skip
新签两家客户
渠道冲突
1
拜访三家
5
/as grace
/summary
/quit
"""


async def test_scripted_console_session_shows_answers_in_the_summary(settings, clock):
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(SESSION), stdout=out,
              clock=clock)
    text = out.getvalue()
    assert "teampulse console — Test Sales" in text
    assert "You are Grace Chen (grace)" in text
    assert "[bot → Alice Martin (alice), private]" in text
    assert "alice> 52000" in text  # piped input is echoed, so the transcript reads well
    assert "第 1 题，共 7 题" in text  # Li gets the check-in in Chinese
    assert "谢谢！你 2026-W48 的签到已提交。" in text
    summary = text[text.rindex("grace> /summary"):]
    assert "Check-ins: 2 of 3" in summary
    assert ("Goals: Revenue 52,000 / 50,000 USD (104%) · "
            "New customers 3 / 4 customers (75%)") in summary
    assert "Goals: Revenue 66,000 / 60,000 USD (110%)" in summary
    assert "Closed the Acme deal <big>" in summary


async def test_fire_checkin_on_a_sunday_evening_asks_li_about_the_week_the_gm_reads(
        settings, clock):
    """README's quick start tried on a Sunday afternoon in New York, when it is already
    Monday in Shanghai: /fire checkin asked 李雷 about the week just begun there (W49),
    and Grace's /summary, of the week ending in New York (W48), read him "no check-in
    sent" right after he had answered. The operator's round asks everyone about the week
    the GM reads."""
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))  # Sun 12:00 NY, Mon 01:00 Shanghai
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(SESSION), stdout=out,
              clock=clock)
    text = out.getvalue()
    assert "该做 2026-W48（2026-11-23 – 2026-11-29）的每周签到了" in text
    assert "谢谢！你 2026-W48 的签到已提交。" in text
    summary = text[text.rindex("grace> /summary"):]
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in summary
    assert "Check-ins: 2 of 3" in summary
    assert "Goals: Revenue 66,000 / 60,000 USD (110%)" in summary


async def test_console_commands_and_mistakes(settings, clock):
    script = "/as nobody\n/who\n/fire later\n/press 1\n/group hello all\n/console\n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "No person with key 'nobody'. Known keys: alice, bruno, grace, li, sam, vera" in text
    assert "grace        Grace Chen (gm)  ← you" in text
    assert "Usage: /fire checkin [key…]  or  /fire reminders" in text
    assert "Your last message has no buttons." in text
    assert text.count("Console commands") == 2


async def test_as_takes_a_key_in_any_case_or_a_name_and_fire_names_an_unknown_key(
        settings, clock):
    """`/as ALICE` or `/as Alice Martin` (as the org file writes her) was 'No person with
    key', though chat and the command line name people by key in any case or by name; a
    bare `/as` said "No person with key ''"; `/fire checkin alice zed` prompted Alice and
    dropped zed without a word. In Chinese too, for whoever /as made you."""
    script = ("/as ALICE\n/as 李雷\n/as\n/as Grace Chen\n/fire checkin Bruno zed\n"
              "/fire checkin zed\n/as li\n/fire checkin zed\n")
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "grace> /as ALICE\nYou are now Alice Martin (alice)." in text
    assert "alice> /as 李雷\n你现在是 李雷（li）。" in text
    assert ("li> /as\n用法：/as <key>（或其名字，与组织文件中写法一致）。已有的 key：alice、bruno、"
            "grace、li、sam、vera") in text
    assert "You are now Grace Chen (grace)." in text
    fired = text[text.index("grace> /fire checkin Bruno zed"):]
    assert fired.startswith("grace> /fire checkin Bruno zed\nNo person with key 'zed'. "
                            "Known keys: alice, bruno, grace, li, sam, vera\n")
    assert "\n(check-in: bruno: " in fired  # (start-up may have asked him already)
    alone = fired[fired.index("grace> /fire checkin zed"):]
    assert alone.startswith("grace> /fire checkin zed\nNo person with key 'zed'.")
    assert "nobody to prompt" not in alone.split("grace> ")[1]
    assert "li> /fire checkin zed\n没有 key 为“zed”的人。" in text


async def test_fire_checkin_takes_a_name_of_two_words_as_the_org_file_writes_it(
        settings, clock):
    """README: /fire checkin's keys are read as /as reads them, a name as the org file
    writes it too. Each word was read as a key of its own: `/fire checkin Alice Martin`
    answered "No person with key 'Martin'" (and prompted Alice for 'Alice', her key in
    another case); two words that are each a key are still two people."""
    script = "/fire checkin Alice Martin\n/fire checkin li Bruno Rossi\n/fire checkin vera sam\n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "No person with key" not in text
    assert "(check-in: alice: " in text.split("grace> /fire checkin Alice Martin", 1)[1]
    both = text.split("grace> /fire checkin li Bruno Rossi", 1)[1]
    assert "(check-in: li: " in both and ", bruno: " in both.split("grace> ", 1)[0]
    keys = text.split("grace> /fire checkin vera sam", 1)[1]
    assert "vera: " in keys and "sam: " in keys


async def test_buttons_can_be_pressed_in_the_console(settings, clock):
    script = "/fire checkin alice\n/as alice\n52000\n1\nwins\nblockers\n/press 3\n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    assert "Tell me more: what exactly do you need" in out.getvalue()  # Training was pressed


def test_make_run_entry_point_with_piped_input(tmp_path):
    """`teampulse run` with no tokens starts the console; a piped session works end to end."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/tp.db", TEAMPULSE_ORG_FILE=str(
        ROOT / "org.example.yaml"), CHECKIN_SCHEDULE="mon 09:00")
    script = "/fire checkin alice\n/as alice\n/skip\n/skip\nwin\n/pause\n/as grace\n/summary\n"
    done = subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
                          input=script, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "teampulse console — Northwind Sales" in done.stdout
    assert "Paused. Your answers so far are saved" in done.stdout
    assert "⏳ Alice Martin — in progress (1 of 8 answered, 2 skipped)" in done.stdout
    assert done.stderr == ""


def test_the_quick_start_on_a_fresh_checkout_runs_the_console_on_sqlite(tmp_path):
    """README's quick start, as a newcomer runs it: no .env, no org.yaml and no setting in
    the environment; `make run` (`teampulse run` in the virtualenv) starts the console on
    org.example.yaml and a SQLite file under ./data/, and the README's piped session ends in
    a summary showing 李雷's check-in. (Guard: the tests above set DATABASE_URL and the org
    file, so the defaults themselves went untried.)"""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = re.search(r"printf '([^']*)' \| make run", readme)
    assert script is not None
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run: .*\n\t\$\(BIN\)/teampulse run$", makefile, re.M)
    assert 'teampulse = "bot.__main__:main"' in (ROOT / "pyproject.toml").read_text(
        encoding="utf-8")
    (tmp_path / "org.example.yaml").write_bytes((ROOT / "org.example.yaml").read_bytes())
    names = {line.split("=", 1)[0].lstrip("# ") for line in
             (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
             if re.match(r"#? ?[A-Z][A-Z0-9_]+=", line)} - {"TEAMPULSE_CACHE_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "bot", "run"],
                          input=script[1].replace("\\n", "\n"),
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "teampulse console — Northwind Sales" in done.stdout
    assert (tmp_path / "data" / "teampulse.db").is_file()
    summary = done.stdout[done.stdout.rindex("grace> /summary"):]
    assert "✅ 李雷 — checked in" in summary
    assert "Goals: Revenue 66,000 / 60,000 USD (110%)" in summary


async def test_at_a_check_in_hour_the_console_s_first_line_meets_this_week_s_prompt(
        settings, clock, monkeypatch):
    """Start-up prompts the check-ins due in the background once the bot runs; the
    console (one person typing) waits for that before reading, so an answer typed at once
    answers this week's prompt, however slowly the catch-up goes."""
    import bot.scheduler as scheduler

    real = scheduler.catch_up

    async def a_slow_catch_up(bot):
        for _ in range(200):  # a busy machine: many turns of the loop before it starts
            await asyncio.sleep(0)
        return await real(bot)

    monkeypatch.setattr(scheduler, "catch_up", a_slow_catch_up)
    out = StringIO()
    # Friday 16:00 in New York: Alice's check-in is due as the bot starts.
    await run(replace(settings, console=True), stdin=StringIO("/as alice\n52000\n/quit\n"),
              stdout=out, clock=clock)
    text = out.getvalue()
    answered = text[text.index("alice> 52000"):]
    assert "Question 2 of" in answered


async def test_fire_checkin_starts_the_check_in_even_in_a_month_s_first_week(settings, clock):
    """On the first working day the start-up asks Alice the monthly review's first question;
    the operator's /fire checkin still starts her check-in, so what she types next answers
    it (a check-in the bot sends itself would wait for the monthly question)."""
    from datetime import UTC, datetime

    from bot.app import prepare
    from tests.support import running_since

    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tuesday 09:00 in New York
    bot, engine = prepare(settings, clock)
    await running_since(bot, clock)  # since November: a fresh install reviews no month before
    engine.dispose()
    script = "/fire checkin alice\n/as alice\n52000\n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "Monthly review 2026-11, question 1 of 3" in text  # asked at start
    assert "Question 2 of 8" in text.split("alice> 52000", 1)[1]


async def test_a_message_that_comes_while_you_type_goes_below_the_prompt(settings, clock,
                                                                         monkeypatch):
    """At a terminal, a scheduled message (a prompt, a digest) printed while the prompt
    awaited typing went into the prompt's line ('g[bot → …]race> '); it now goes below,
    and the prompt comes back under it with what was typed so far."""
    import bot.adapters.console as console
    from bot.adapters.base import OutboundMessage
    from bot.app import prepare

    bot, engine = prepare(settings, clock)
    out = StringIO()
    adapter = console.ConsoleAdapter(bot, stdin=StringIO(), stdout=out, interactive=True)
    adapter.banner()
    out.write("grace> ")  # input() drew the prompt; she has typed '/sum' so far
    monkeypatch.setattr(console, "_typed_so_far", lambda: "/sum")
    adapter._reading = True
    await adapter.send_dm("alice", OutboundMessage("Time for your weekly check-in"))
    assert out.getvalue() == ("grace> \n[bot → Alice Martin (alice), private]\n"
                              "  Time for your weekly check-in\n\ngrace> /sum")
    engine.dispose()


async def test_what_to_type_is_said_again_below_what_start_up_sent(settings, clock):
    """A first start on a Friday afternoon sends the check-ins due (tens of lines): the
    banner's "Type /help" had scrolled off the first screen; it is said again just above
    the first prompt."""
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 27, 21, 30, tzinfo=UTC))  # Friday 16:30 in New York
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO("/who\n"), stdout=out,
              clock=clock)
    text = out.getvalue()
    before_first_line = text[:text.index("grace> /who")]
    assert "Question 1 of" in before_first_line  # start-up sent something
    after_start_up = before_first_line[before_first_line.rindex("[bot → "):]
    assert "You are Grace Chen (grace). Type /help for the bot's commands" in after_start_up


async def test_the_example_org_speaks_chinese_units_to_whoever_switches(settings, clock):
    """A newcomer trying the quick start's org who sends /language 中文 as Alice or Bruno
    reads the check-in's units in Chinese too, not '4 customers' inside Chinese text."""
    script = ("/as alice\n/language 中文\n/checkin\n52000\n/as bruno\n/language 中文\n"
              "/checkin\n40000\n/quit\n")
    out = StringIO()
    await run(replace(settings, console=True, org_file=ROOT / "org.example.yaml"),
              stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "新客户：本周完成了多少（单位：位客户）？你的每周目标是 4 位客户。" in text
    assert "你的每周目标是 90 分。" in text
    assert "customers" not in text and "points" not in text


async def test_group_chatter_and_a_bare_group_get_a_word_from_the_console(settings, clock):
    """`/group hi` got nothing at all: the bot rightly ignores group chatter, but in the
    console that reads as broken. Now the console says why, and what the bot answers there,
    in the language of whoever is typing; a bare /group says what to write."""
    script = "/group hi\n/group\n/group /kudos top\n/as li\n/group 你好\n/group  \n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    hi = text[text.index("grace> /group hi"):text.index("grace> /group\n")]
    assert "(No reply: in the group chat the bot stays quiet except for praise, a kudos word " \
           "with a @mention such as /group thanks @sam for the demo 👏, and commands such " \
           "as /group /kudos top. To talk to the bot, type without /group" in hi
    bare = text[text.index("grace> /group\n"):text.index("grace> /group /kudos top")]
    assert "Usage: /group <text> says it in the team's group chat" in bare
    assert "Nothing was sent." in bare
    command = text[text.index("grace> /group /kudos top"):text.index("grace> /as li")]
    assert "[bot → #team]" in command and "No reply" not in command  # a command is answered
    li = text[text.index("li> /group 你好"):]
    assert "（没有回复：在群聊中，机器人只回应表扬" in li
    assert "用法：/group <内容> 以当前身份在团队群聊里发言" in li


async def test_a_chinese_speaker_at_the_console_reads_its_own_words_in_chinese(settings, clock):
    """Li (zh-CN) trying the bot in the console got the bot's messages in Chinese but the
    console's own words in English: /fire's usage and what it did, /press's usage, /who,
    /as, /console, the header of each message and the line under its buttons."""
    script = ("/as li\n/who\n/fire later\n/press 1\n/fire checkin li\n６６０００\n/skip\n"
              "新签两家客户\n渠道冲突\n/press 9\n/fire reminders\n/fire pulse\n/as nobody\n"
              "/console\n")
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    li = text[text.index("grace> /as li"):]
    assert "你现在是 李雷（li）。" in li
    assert "  li           李雷（总监）  ← 你" in li
    assert "  grace        Grace Chen（总经理）" in li
    assert "用法：/fire checkin [key…]，或 /fire reminders，或 /fire pulse" in li
    assert "你收到的上一条消息没有按钮。" in li
    assert "[bot → 李雷（li），私信]" in li
    assert "（签到：li：已发送）" in li
    assert "  按钮：[1: " in li and "（直接输入答案，或 /press <n>）" in li
    pressed = li[li.index("li> /press 9"):li.index("li> /fire reminders")]
    assert "用法：/press <n>，n 为 1 到 " in pressed
    assert "（已发送提醒：0 条）" in li
    assert "（脉搏调查：已询问 " in li and "调查每 2 周开放一次" in li
    assert "没有 key 为“nobody”的人。已有的 key：alice、bruno、grace、li、sam、vera" in li
    assert "控制台命令（其他输入都作为聊天消息发给机器人）：" in li
    for english in ("Usage", "(li), private]", "(check-in:", "(reminders sent", "(pulse:",
                    "No person", "Console commands", "You are now"):
        assert english not in li, english
    # Grace (English) reads the same in English, and each DM's header is in its reader's
    # language: the pulse sent to her while Li typed came under an English header.
    assert "[bot → Grace Chen (grace), private]" in li
    assert "buttons: [1: 1 · low]" in li


async def test_a_chinese_speaking_gm_is_greeted_in_chinese(settings, clock, tmp_path):
    """The console starts as the org's GM: a GM whose language is Chinese reads the banner
    and the console's command list in Chinese."""
    org = settings.org_file.read_text(encoding="utf-8")
    zh_org = tmp_path / "org.yaml"
    assert org.index("key: grace") < org.index("locale: en\n") < org.index("key: alice")
    zh_org.write_text(org.replace("locale: en\n", "locale: zh-CN\n", 1), encoding="utf-8")
    out = StringIO()
    await run(replace(settings, console=True, org_file=zh_org), stdin=StringIO(""),
              stdout=out, clock=clock)
    text = out.getvalue()
    assert "teampulse 控制台 — Test Sales" in text
    assert "你现在是 Grace Chen（grace）。输入 /help 查看机器人的命令。" in text
    assert "控制台命令（其他输入都作为聊天消息发给机器人）：" in text


async def test_a_line_with_nothing_visible_on_it_sends_nothing(settings, clock):
    """Enter on an empty line sends nothing, as a chat app does; nor does a line that shows
    nothing (an arrow key's escape sequence where the terminal has no line editing, a
    pasted zero-width space): it had been sent, and mid-check-in answered "Sorry, something
    went wrong on my side" (or, for a text question, "I didn't get an answer")."""
    script = ("/fire checkin alice li\n/as alice\n\n   \n\x1b[A\n\u200b\n\ufe0f\n52000\n"
              "/as li\n\n\x1b[B\n\ufeff\n66000\n")
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    alice = text[text.index("You are now Alice Martin"):text.index("alice> /as li")]
    assert "alice> 52000" in alice and alice.count("alice> ") == 1, alice
    assert "went wrong" not in alice and "didn't get an answer" not in alice
    assert "isn't a number" not in alice and "only read text" not in alice
    assert "Question 2 of" in alice
    li = text[text.index("\nli> ") + 1:]
    assert li.startswith("li> 66000") and li.count("li> ") == 1, li
    assert "出错" not in li and "没有收到回答" not in li and "第 2 题" in li


async def test_an_answer_starting_with_a_hash_is_sent_not_taken_as_a_comment(settings, clock):
    """'#1 in the region: 52000' typed as a check-in answer was dropped as a comment, with
    no reply: in a script only '#' followed by a space is a comment, at the prompt none."""
    import bot.adapters.console as console
    from bot.app import prepare

    script = "/fire checkin alice\n/as alice\n# a script's own note\n#1 in the region: 52000\n"
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO(script), stdout=out, clock=clock)
    text = out.getvalue()
    assert "isn't a number" not in text.split("alice> # a script's own note", 1)[1].split(
        "alice> #1 in the region", 1)[0]  # the comment is not sent
    answered = text.split("alice> #1 in the region: 52000", 1)[1]
    assert "[bot → Alice Martin (alice), private]" in answered, answered  # not dropped

    bot, engine = prepare(settings, clock)
    out = StringIO()
    adapter = console.ConsoleAdapter(bot, stdin=StringIO(), stdout=out, interactive=True)
    bot.register(adapter)
    adapter.current = "alice"
    await adapter.process_line("# 12")  # at the prompt: a message like any other
    await bot.drain()
    assert "(alice), private]" in out.getvalue()
    engine.dispose()


async def test_a_count_typed_with_a_number_sign_at_the_prompt_is_read(settings, clock):
    """'# 12' typed at the prompt for 'New customers' was sent, and answered "That isn't a
    number": it is 12 customers ('# of customers: 12'), as on Slack and Telegram."""
    import bot.adapters.console as console
    from bot.app import prepare
    from tests.test_checkin import answers_of

    bot, engine = prepare(settings, clock)
    out = StringIO()
    adapter = console.ConsoleAdapter(bot, stdin=StringIO(), stdout=out, interactive=True)
    bot.register(adapter)
    adapter.current = "alice"
    await bot.run_checkins(["alice"])
    await bot.drain()
    for line in ("52000", "# 12"):
        await adapter.process_line(line)
        await bot.drain()
    assert "isn't a number" not in out.getvalue()
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False),
                                        "kpi:new_customers": (None, 12.0, False)}
    engine.dispose()


def test_teampulse_console_with_a_token_set_runs_the_platform_beside_it(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """README and `teampulse console --help`: the console chat "even when tokens are set
    (then beside Slack or Telegram, as TEAMPULSE_CONSOLE=true)": a Slack token set, the
    console starts Slack too, and a Slack it cannot reach stops it as it stops `run`."""
    from bot.cli import main
    from tests.support import TEST_ORG

    for name, value in {"DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
                        "TEAMPULSE_ORG_FILE": str(TEST_ORG),
                        "SLACK_BOT_TOKEN": "xoxb-1-2-console-test",
                        "SLACK_APP_TOKEN": "xapp-1-A1-1-console-test",
                        "SLACK_API_URL": "http://127.0.0.1:9/api/"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", StringIO("/quit\n"))
    assert main(["--env-file", "/dev/null", "console"]) == 2
    assert "cannot reach Slack's Web API at http://127.0.0.1:9/api/" in capsys.readouterr().err


async def test_a_1on1_reminder_with_a_long_agenda_prints_whole_in_the_console(
        settings, clock, tmp_path):
    """30 agenda items of 1,000 characters (the most one takes): the console has no
    message limit, and prints each item whole on its line, in the order added."""
    from datetime import timedelta

    import bot.adapters.console as console
    from bot.app import prepare
    from tests.oneonone_support import MONDAY_SLOT, write_org
    from tests.text_cuts import agenda_item

    items = [agenda_item(n) for n in range(1, 31)]
    bot, engine = prepare(replace(settings, org_file=write_org(tmp_path)), clock)
    out = StringIO()
    adapter = console.ConsoleAdapter(bot, stdin=StringIO(), stdout=out, interactive=False)
    bot.register(adapter)
    try:
        for n, item in enumerate(items):
            adapter.current = "alice" if n % 2 else "grace"
            await adapter.process_line(
                f"/agenda add {'@grace' if n % 2 else '@alice'} {item}")
            await bot.drain()
        clock.set(MONDAY_SLOT - timedelta(hours=20))
        await bot.run_oneonones()
        await bot.deliver()
        printed = out.getvalue()
        for reader, other in (("alice", "Grace Chen"), ("grace", "Alice Martin")):
            reminder = printed[printed.index(
                f"({reader}), private]\n  Reminder: your 1:1 with {other} is tomorrow"):]
            lines = [line.strip() for line in reminder.split("\n\n[", 1)[0].splitlines()]
            shown = [next(x for x in lines if x.startswith(i)) for i in items]
            assert [x.split(" — ")[0] for x in shown] == items  # whole, each on its line
            assert [lines.index(x) for x in shown] == sorted(lines.index(x) for x in shown)
    finally:
        engine.dispose()
