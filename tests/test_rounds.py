"""Sending a check-in round now: the GM's /checkin send, the CLI while the bot runs,
rounds written in small transactions off the event loop."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.org import OrgError, parse_org
from storage.models import OutboxMessage
from storage.round_requests import RoundRequest
from tests.support import run_cli, say
from tests.test_summary_pages import big  # noqa: F401 (the 45-director org)


async def test_gm_sends_a_round_now_and_hears_what_was_sent(bot, chat):
    with bot.unit() as ctx:
        bruno = ctx.people.by_key("bruno")
        today = ctx.clock.now().date()
        ctx.away.add(bruno.id, today, today, ctx.clock.now())
    await bot.run_checkins(["li"])  # Li was already prompted this week
    chat.clear()
    await say(bot, "grace", "/checkin send")
    assert "Time for your weekly check-in" in chat.last("alice")
    assert chat.to("bruno") == [] and chat.to("li") == []
    report = chat.last("grace")
    # One line each (they had run together: "1 prompted.Already prompted this week: 李雷Away").
    assert report.splitlines() == ["Check-in round sent: 1 prompted.",
                                   "Already prompted this week: 李雷", "Away: Bruno Rossi"]


async def test_a_round_for_one_team_or_person(bot, chat):
    await say(bot, "grace", "/checkin send team europe")
    assert "Time for your weekly check-in" in chat.last("bruno")
    assert chat.to("alice") == []
    assert "to team Europe: 1 prompted" in chat.last("grace")
    await say(bot, "grace", "/checkin send li")
    assert "每周签到" in chat.last("li")
    assert "to 李雷: 1 prompted" in chat.last("grace")  # by name, not the org file's key
    # By name, and as /help words it ('or one <person>'): both were "I didn't understand".
    await say(bot, "grace", "/checkin send Alice Martin")
    assert "Time for your weekly check-in" in chat.last("alice")
    assert "to Alice Martin: 1 prompted" in chat.last("grace")
    await say(bot, "grace", "/checkin send one 李雷")
    assert "to 李雷: 0 prompted" in chat.last("grace")


async def test_a_name_two_people_share_sends_nothing_and_names_both(bot, chat):
    from bot.org import parse_org
    from tests.support import TEST_ORG

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
        "name: Bruno Rossi", "name: Alice Martin"))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    await say(bot, "grace", "/checkin send alice martin")
    assert chat.last("grace") == ("2 people are called Alice Martin; nothing was sent; "
                                  "name one by key: /checkin send alice (team East), "
                                  "/checkin send bruno (team Europe).")
    assert {s.target.address for s in chat.sent} == {"grace"}


@pytest.mark.parametrize("locale, note, report", [
    ("en", "Sending the check-in round now; I'll tell you in a private message who was "
     "prompted.", "Check-in round sent to team Europe: 1 prompted."),
    ("zh-CN", "正在发送签到，谁收到了，我会通过私信告诉你。",
     "签到已发送给团队 Europe：已提醒 1 人。")])
async def test_a_round_sent_from_a_group_says_where_its_report_goes(
        bot, chat, locale, note, report):
    """`/checkin send` typed in the team's group: the report came to the GM's DM and the
    group showed nothing, so she could not tell whether it ran or where its answer went.
    The group hears that the round is going and that its report comes in private: said
    there once, not as a DM that only repeats it beside "I've answered you in a private
    message" (each of which a person who blocked the bot heard fail)."""
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = locale
    await say(bot, "grace", "/checkin send team europe", group=True)
    group = [s.text for s in chat.sent if s.target.kind == "channel"]
    assert group == [note]
    assert chat.to("grace") == [report]
    assert "Time for your weekly check-in" in chat.last("bruno")
    # In her DM the report alone, as before: no note about where it goes.
    chat.clear()
    await say(bot, "grace", "/checkin send team europe")
    assert chat.to("grace") == [report.replace(": 1 prompted", ": 0 prompted").replace(
        "已提醒 1 人", "已提醒 0 人") + {"en": "\nAlready prompted this week: Bruno Rossi",
                                         "zh-CN": "\n本周已提醒过：Bruno Rossi"}[locale]]


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
    assert 'There is no team called "mars"' in chat.last("grace")
    assert "Teams: China, East, Europe" in chat.last("grace")
    await say(bot, "grace", "/checkin send nobody")
    await say(bot, "grace", "/checkin send two words")  # a name with a space, as any command
    assert 'no team or person called "two words"' in chat.last("grace")
    assert {s.target.address for s in chat.sent} == {"grace"}


async def test_sending_again_to_a_large_org_names_ten_already_prompted_then_how_many_more(big):  # noqa: F811
    bot, chat = big
    await bot.run_checkins()
    await say(bot, "grace", "/checkin send")
    report = chat.last("grace")
    assert report.startswith("Check-in round sent: 0 prompted.\n")
    line = next(x for x in report.splitlines() if x.startswith("Already prompted this week: "))
    with bot.unit() as ctx:
        asked = sum(1 for p in ctx.people.active() if p.checks_in)
    assert asked > 40
    assert line.count(", ") == 9 and line.endswith(f" and {asked - 10} more")
    assert len(report) < 1000


@pytest.mark.parametrize("big", ["zh-CN"], indirect=True)
async def test_the_large_org_report_in_chinese(big):  # noqa: F811
    bot, chat = big
    bot.org = replace(bot.org, admins=frozenset({"li"}))
    await bot.run_checkins()
    await say(bot, "li", "/checkin send")
    line = next(x for x in chat.last("li").splitlines() if x.startswith("本周已提醒过："))
    assert line.count("、") == 9 and " 等另外 " in line and line.endswith(" 人")


async def test_the_report_reaches_a_chinese_speaking_gm_in_chinese(bot, chat):
    from dataclasses import replace

    bot.org = replace(bot.org, admins=frozenset({"li"}))
    await say(bot, "li", "/checkin send team china")
    assert chat.last("li") == "签到已发送给团队 China：已提醒 1 人。"
    await say(bot, "li", "/checkin send team china")
    assert chat.last("li").splitlines() == ["签到已发送给团队 China：已提醒 0 人。",
                                            "本周已提醒过：李雷"]


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


# --- the CLI, while the bot runs -----------------------------------------------------------

async def test_cli_request_waits_in_the_database_until_the_bot_runs(bot, chat, settings, capsys):
    # --wait 0 asks not to wait: queued is what happened, said on standard output, exit 0
    # (it said the bot "did not pick up" the request, "is it running?", and exited 3).
    code, out = run_cli(settings, "checkin", "send", "--person", "alice", "--wait", "0")
    assert code == 0
    assert out == ("Check-in round request #1 queued to alice; not waited for (--wait 0): the "
                   "running bot sends it within a few seconds, or when it next runs.\n")
    assert capsys.readouterr().err == ""
    assert chat.to("alice") == []
    # The running bot's poller finds it and carries it out, once.
    assert await bot.run_round_requests() == 1
    assert "Time for your weekly check-in" in chat.last("alice")
    assert await bot.run_round_requests() == 0
    with bot.unit() as ctx:
        request = ctx.session.get(RoundRequest, 1)
        assert request.status == "done" and request.result == {"prompted": ["alice"]}


def test_cli_waiting_for_a_bot_that_does_not_answer_says_so_and_exits_3(
        bot, settings, capsys, monkeypatch):
    """A wait that runs out (the bot down) is not --wait 0: it says the request stays
    queued, with exit code 3."""
    from bot import cli

    monkeypatch.setattr(cli, "round_wait_pause", lambda _seconds: None)
    code, out = run_cli(settings, "checkin", "send", "--person", "alice", "--wait", "0.01")
    assert (code, out) == (3, "")
    err = capsys.readouterr().err
    assert "did not pick up request #1 within 0.01 s (is it running?)" in err
    assert "The request stays queued" in err


@pytest.mark.parametrize("wait", ["nan", "-1", "inf", "1e308", "3600.5"])
def test_cli_refuses_a_wait_that_is_no_number_of_seconds_and_queues_nothing(
        bot, settings, capsys, monkeypatch, wait):
    """`--wait nan` (a script's computed value gone wrong) passed the check for a negative
    wait and then waited for ever: no time is ever at or past NaN seconds; `--wait inf` (or
    1e308) passed both and waited for ever too, for a report the bot gives in seconds."""
    from bot import cli

    def waited(_seconds: float) -> None:
        raise AssertionError("waited for the bot")

    monkeypatch.setattr(cli, "round_wait_pause", waited)
    assert run_cli(settings, "checkin", "send", "--wait", wait) == (2, "")
    assert capsys.readouterr().err == "teampulse: --wait must be from 0 to 3600 seconds\n"
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(RoundRequest)) == 0


def test_cli_waits_up_to_the_longest_wait_allowed(bot, settings, capsys, monkeypatch):
    """The top of the range is taken: 3600 s waits (here, steps) for the bot's report."""
    from bot import cli

    clock = [0.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: clock[0])

    def pause(seconds: float) -> None:
        clock[0] += 600

    monkeypatch.setattr(cli, "round_wait_pause", pause)
    code, out = run_cli(settings, "checkin", "send", "--person", "alice", "--wait", "3600")
    assert (code, out) == (3, "")
    assert "did not pick up request #1 within 3600 s" in capsys.readouterr().err


async def test_cli_prints_what_the_running_bot_sent(bot, chat, settings, monkeypatch):
    import asyncio

    from bot import cli

    loop = asyncio.get_running_loop()

    def bot_runs_meanwhile(_seconds: float) -> None:
        # Instead of sleeping, let the running bot take its turn (its poller would).
        asyncio.run_coroutine_threadsafe(bot.run_round_requests(), loop).result(timeout=30)

    monkeypatch.setattr(cli, "round_wait_pause", bot_runs_meanwhile)
    with bot.unit() as ctx:
        bruno = ctx.people.by_key("bruno")
        today = ctx.clock.now().date()
        ctx.away.add(bruno.id, today, today, ctx.clock.now())
    code, out = await asyncio.to_thread(run_cli, settings, "checkin", "send")
    assert code == 0
    assert "Check-in round sent: 2 prompted." in out
    assert "  prompted: alice, li" in out and "  away: bruno" in out
    assert "Time for your weekly check-in" in chat.last("alice")


def test_cli_refuses_an_unknown_team_and_records_nothing(bot, settings, capsys):
    code, _ = run_cli(settings, "checkin", "send", "--team", "mars")
    assert code == 2
    assert "no team 'mars' in the org (teams: China, East, Europe)" in capsys.readouterr().err
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(RoundRequest)) == 0


async def test_the_scheduler_polls_for_round_requests(bot, chat, settings):
    from bot import jobs
    from bot.scheduler import start_scheduler

    run_cli(settings, "checkin", "send", "--team", "china", "--wait", "0")
    scheduler = await start_scheduler(bot, bot.engine)  # picks up what was queued while down
    try:
        await bot.drain()  # ... in the background, once the bot is running
        job = scheduler.get_job("round-requests")
        assert job is not None and job.trigger.interval.total_seconds() == 3
        assert "每周签到" in chat.last("li")
        run_cli(settings, "checkin", "send", "--person", "bruno", "--wait", "0")
        jobs.bind(bot)
        await jobs.round_requests_job()
        await jobs.round_requests_job()  # a tick while the first poll still runs adds nothing
        await bot.drain()
        assert chat.to("bruno") == [chat.last("bruno")]
        assert "Time for your weekly check-in" in chat.last("bruno")
    finally:
        jobs.bind(None)
        scheduler.shutdown(wait=False)


async def test_a_request_runs_once_even_with_two_pollers_and_a_restart(bot, chat, settings):
    import asyncio

    from bot.app import prepare

    run_cli(settings, "checkin", "send", "--wait", "0")
    other, engine = prepare(settings, bot.clock)  # a restarted (or second) bot process
    other.register(chat)
    try:
        counts = await asyncio.gather(bot.run_round_requests(), other.run_round_requests())
        assert sorted(counts) == [0, 1]
        assert await other.run_round_requests() == 0
    finally:
        engine.dispose()
    assert len(chat.to("alice")) == 1 and len(chat.to("li")) == 1


# --- large rounds: small transactions, off the event loop ----------------------------------

def big_org(path, directors: int):
    """An org file with a GM (Grace, as in the test org) and `directors` directors."""
    lines = ["org: {name: Big Sales}", "people:",
             "  - {key: grace, name: Grace Chen, role: gm, timezone: America/New_York, "
             "locale: en, slack_id: U0GRACE}"]
    lines += [f"  - {{key: d{n:04d}, name: Director {n}, role: director, manager: grace, "
              f"team: Field, timezone: America/New_York, locale: en, slack_id: U9{n:07d}}}"
              for n in range(1, directors + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_a_crash_mid_round_then_a_restart_prompts_nobody_twice(settings, clock, tmp_path):
    from dataclasses import replace

    from bot.app import prepare
    from tests.support import RecordingAdapter

    settings = replace(settings, org_file=big_org(tmp_path / "big.yaml", 250))
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    batches: list[int] = []

    def crash_in_the_second_batch(number: int) -> None:
        batches.append(number)
        if number == 2:
            raise RuntimeError("the process died")

    bot.round_batch_hook = crash_in_the_second_batch
    with pytest.raises(RuntimeError):
        await bot.run_checkins()
    assert batches == [1, 2]
    assert len(chat.sent) == 100  # the first batch was committed (and sent); the second not
    engine.dispose()

    restarted, engine = prepare(settings, clock)
    restarted.register(chat)
    restarted.round_batch_hook = batches.append
    run = await restarted.run_checkins()
    engine.dispose()
    assert batches == [1, 2, 1, 2, 3]  # 250 people in transactions of 100
    outcomes = run.grouped()
    assert len(outcomes["already-prompted"]) == 100 and len(outcomes["prompted"]) == 150
    addresses = [s.target.address for s in chat.sent]
    assert len(addresses) == 250 and len(set(addresses)) == 250  # everyone, once


async def test_help_shows_checkin_send_to_the_gm_only(bot, chat):
    await say(bot, "grace", "/help")
    assert "/checkin send — send this week's check-in now" in chat.last("grace")
    await say(bot, "alice", "/help")
    assert "/checkin send" not in chat.last("alice")


async def test_a_request_queued_while_the_bot_was_down_sends_the_week_current_when_it_runs(
        bot, chat, settings, clock) -> None:
    """`checkin send --wait 0` on Friday with the bot down (queued); the bot comes back the
    next Tuesday: the round it sends is for the week current then, not the week asked in,
    and the week asked in is not prompted on top of it."""
    from datetime import timedelta

    code, _ = run_cli(settings, "checkin", "send", "--person", "alice", "--wait", "0")
    assert code == 0
    clock.advance(timedelta(days=4))  # Friday 2026-11-27 -> Tuesday 2026-12-01
    assert await bot.run_round_requests() == 1
    [prompt] = [t for t in chat.to("alice") if "Time for your weekly check-in" in t]
    assert "2026-W49" in prompt
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert ctx.checkins.round_for(alice, "2026-W48") is None
        assert ctx.checkins.round_for(alice, "2026-W49") is not None


async def test_a_team_nobody_is_in_is_named_as_a_team_with_the_closest_one(bot, chat):
    # '/checkin send team Nope' answered 'There is no team or person called "team Nope"',
    # as if "team Nope" were someone's name.
    await say(bot, "grace", "/checkin send team Nope")
    assert chat.last("grace") == ('There is no team called "Nope". Nothing was sent. '
                                  "Teams: China, East, Europe.")
    await say(bot, "grace", "/checkin send team Est")
    assert chat.last("grace") == ('There is no team called "Est". Did you mean East '
                                  "(/checkin send team East)? Nothing was sent. "
                                  "Teams: China, East, Europe.")
    await say(bot, "grace", "/checkin remind team Eurpoe")
    assert "Did you mean Europe (/checkin remind team Europe)?" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/checkin send 团队 Est")
    assert chat.last("grace") == ("没有名为“Est”的团队。你是指 East（/checkin send team East）吗？"
                                  "未发送任何内容。现有团队：China、East、Europe。")
    assert {s.target.address for s in chat.sent} == {"grace"}
