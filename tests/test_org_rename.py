"""The operator changes a person's key in the org file while the bot runs: the same
person, by the chat account the entry keeps, not someone leaving and someone joining."""

from __future__ import annotations

import logging

from tests.support import say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_org_reload import PROMPT, running  # noqa: F401  (the fixture)


async def test_a_director_whose_key_changes_keeps_her_history_and_is_not_asked_again(
        running, caplog):  # noqa: F811
    """Alice checked in this week; the operator corrects her key `alice` to `amartin`
    (her Slack and Telegram ids unchanged). The GM still sees one Alice, checked in; she
    is not asked for this week again; her check-in is in `/summary amartin`, and Sam,
    her report, still meets her."""
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    for answer in ALICE_ANSWERS:
        await say(running.bot, "alice", answer)
    running.chat.clear()
    running.edit("key: alice", "key: amartin")
    running.edit("manager: alice", "manager: amartin")
    change = await running.watcher.check()
    await running.bot.drain()
    assert change is not None and change.renamed == (("alice", "amartin"),)
    assert change.added == () and change.removed == ()
    assert "1 renamed (alice → amartin)" in caplog.text
    assert not any(PROMPT in text for text in running.chat.to("amartin"))

    await say(running.bot, "grace", "/summary")
    summary = running.chat.last("grace")
    assert "Alice Martin (@" not in summary  # one Alice, not two told apart by key
    assert "missing: Alice Martin" not in summary
    assert "✅ Alice Martin — checked in" in summary
    await say(running.bot, "grace", "/summary amartin")
    history = running.chat.last("grace")
    assert "Closed Acme" in history and "not in the org file yet" not in history
    await say(running.bot, "sam", "/1on1")
    assert "Alice Martin" in running.chat.last("sam")


def _without(text: str, key: str) -> str:
    """The org file without one person's entry."""
    start = text.index(f"  - key: {key}\n")
    end = text.find("  - key: ", start + 1)
    return text[:start] + (text[end:] if end != -1 else "")


async def test_someone_removed_midway_through_a_check_in_is_told_so_in_their_language(
        running):  # noqa: F811
    """Alice is three answers into her check-in and 李雷 has not begun his when the
    operator takes both out of the org file. Alice's next answer is told that she left
    the file and her check-in stopped where she was, what she gave kept; 李雷 is told in
    Chinese. Neither reads "I don't know you yet", which a stranger still does."""
    for answer in ALICE_ANSWERS[:3]:
        await say(running.bot, "alice", answer)
    running.chat.clear()
    text = _without(_without(running.path.read_text(encoding="utf-8"), "alice"), "li")
    running.write(text.replace("manager: alice", "manager: grace"))
    change = await running.watcher.check()
    assert change is not None and set(change.removed) == {"alice", "li"}

    await say(running.bot, "alice", ALICE_ANSWERS[3])
    told = running.chat.last("alice")
    assert "you are no longer in teampulse's org file" in told
    assert "Your check-in for 2026-W48 stopped where you were: what you answered is kept" in told
    assert "key: alice" in told and "don't know you yet" not in told
    await say(running.bot, "li", "/summary")
    told = running.chat.last("li")
    assert "你已不在 teampulse 的组织名单中" in told and "key: li" in told
    assert "签到停在了" not in told  # he had not begun one
    await say(running.bot, "nobody", "hello")
    assert "I don't know you yet" in running.chat.last("nobody")


async def test_a_key_changed_while_the_bot_was_stopped_or_after_a_removal_keeps_the_person(
        tmp_path, database_url, clock):
    """The bot is stopped, Alice's key corrected to `amartin`, the bot started: her
    check-in of the week is hers. Later she is taken out and put back as `alice.m` (same
    Slack id): still her."""
    from bot.app import prepare
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter

    path = tmp_path / "org.yaml"
    text = TEST_ORG.read_text(encoding="utf-8")

    async def start(org: str) -> tuple[object, RecordingAdapter]:
        path.write_text(org, encoding="utf-8")
        bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
        chat = RecordingAdapter()
        bot.register(chat)
        return (bot, engine), chat

    (bot, engine), _ = await start(text)
    await say(bot, "alice", "/checkin")
    for answer in ALICE_ANSWERS:
        await say(bot, "alice", answer)
    bot.close()
    engine.dispose()
    for org in (text.replace("key: alice", "key: amartin").replace("manager: alice",
                                                                   "manager: amartin"),
                _without(text, "alice").replace("manager: alice", "manager: grace"),
                text.replace("key: alice", "key: alice.m").replace("manager: alice",
                                                                   "manager: alice.m")):
        (bot, engine), chat = await start(org)
        key = "amartin" if "key: amartin" in org else "alice.m"
        if "Alice" in org:
            await say(bot, "grace", f"/summary {key}")
            assert "Closed Acme" in chat.last("grace"), org
        bot.close()
        engine.dispose()


async def test_the_gm_is_told_in_chat_of_an_edit_refused_and_still_there_a_minute_later(
        running):  # noqa: F811
    """The operator saves a tab into Bruno's entry. The bot keeps its org; at the next look,
    the file still so, the GM reads in chat which file, line and entry, once. A file
    briefly bad while an editor saves it, good at the next look, tells nobody. The GM who
    reads Chinese is told in Chinese."""
    good = running.path.read_text(encoding="utf-8")
    running.chat.clear()
    running.write(good.replace("    role: director\n    manager: grace\n    team: Europe",
                               "    role: director\n\tmanager: grace\n    team: Europe"))
    assert await running.watcher.check() is None
    assert running.chat.to("grace") == []  # (maybe half-saved: wait for the next look)
    running.write(good)  # it was: fixed before the next look
    await running.watcher.check()
    await running.watcher.check()
    assert running.chat.to("grace") == []

    bad = good.replace("    role: director\n    manager: grace\n    team: Europe",
                       "    role: director\n\tmanager: grace\n    team: Europe")
    running.write(bad)
    await running.watcher.check()
    await running.watcher.check(force=True)  # a SIGHUP on it changes nothing
    await running.watcher.check()
    await running.bot.drain()
    line = bad[:bad.index("\t")].count("\n") + 1
    told = running.chat.to("grace")
    assert len(told) == 1
    assert "The org file org.yaml was edited, but the edit was not applied" in told[0]
    assert (f"org.yaml:{line}: column 1: not valid YAML (found a tab character that violates "
            "indentation), in the entry of 'bruno'") in told[0]
    await running.watcher.check()
    await running.bot.drain()
    assert len(running.chat.to("grace")) == 1  # once
    await say(running.bot, "bruno", "/help")
    assert "don't know you" not in running.chat.last("bruno")  # the running org is kept

    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.write(bad.replace("role: member", "role: boss", 1))
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    assert "组织文件 org.yaml 已被修改，但这次修改没有生效" in running.chat.last("grace")


async def test_a_director_whose_key_changes_keeps_her_open_360_review_and_its_report(
        running):  # noqa: F811
    """The GM started a 360° review of Alice; all but a peer have answered, Alice her
    self-assessment too, when her key is corrected to `amartin`. The GM's `/review status`
    names her with the key she has now to close it by, `/review close amartin` closes it,
    `/review report amartin` shows it, and `teampulse export amartin` holds the ratings she
    gave herself: the review is hers, not a stranger's under a key gone."""
    import json

    from tests.support import run_cli
    from tests.test_review import ANSWERS

    for answer in ALICE_ANSWERS:  # (her check-in of the week first: it is open)
        await say(running.bot, "alice", answer)
    await say(running.bot, "grace", "/review start alice")
    for key, answers in ANSWERS.items():
        if key != "bruno":  # (he is still in his check-in)
            for text in answers:
                await say(running.bot, key, text)
    running.edit("key: alice", "key: amartin")
    running.edit("manager: alice", "manager: amartin")
    change = await running.watcher.check()
    assert change is not None and change.renamed == (("alice", "amartin"),)
    await running.bot.drain()

    await say(running.bot, "grace", "/review status")
    status = running.chat.last("grace")
    assert "• Alice Martin — 4 of 5 answered (80%)" in status  # (not "• alice", a key gone)
    assert "/review close amartin" in status and "alice" not in status
    await say(running.bot, "grace", "/review close amartin")
    assert running.chat.last("grace").startswith("🔄 360° review — Alice Martin")
    assert running.chat.last("amartin").startswith("🔄 360° review — Alice Martin")
    await say(running.bot, "grace", "/review report amartin")
    assert running.chat.last("grace").startswith("🔄 360° review — Alice Martin")
    code, out = run_cli(running.bot.settings, "export", "amartin")
    assert code == 0
    assert [a["as"] for a in json.loads(out)["reviews_360"]] == ["self"] * 5


async def test_a_scheduled_360_review_is_not_started_again_for_a_key_corrected(
        running):  # noqa: F811
    """The quarter's scheduled reviews started Alice's; her key corrected to `amartin` an
    hour later, the next sweep starts none: her raters are not surveyed a second time."""
    from datetime import timedelta

    from sqlalchemy import select

    from storage.review import ReviewRound
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

    running.write(running.path.read_text(encoding="utf-8") + QUARTERLY)
    await running.watcher.check()
    running.clock.set(JAN_1_10AM_NY)
    assert await running.bot.run_review_schedule() == 3
    await running.bot.drain()
    surveys = len(running.chat.to("bruno"))
    running.edit("key: alice", "key: amartin")
    running.edit("manager: alice", "manager: amartin")
    await running.watcher.check()
    running.clock.advance(timedelta(hours=1))
    assert await running.bot.run_review_schedule() == 0
    await running.bot.drain()
    assert len(running.chat.to("bruno")) == surveys
    with running.bot.unit() as ctx:
        assert sorted(ctx.session.scalars(select(ReviewRound.subject_key))) == [
            "amartin", "bruno", "li"]


async def test_a_director_whose_key_changes_keeps_her_monthly_review_and_gets_it_once(
        running):  # noqa: F811
    """November's review went out on 1 December and Alice answered its first question
    when her key is corrected to `amartin`. `/monthly` asks her the second (before: "No
    monthly review has been sent to you yet"), and the job run again that day (a restart)
    sends her neither the review nor its first question a second time."""
    from datetime import timedelta

    from tests.test_monthly_review import DEC_1_9AM_NY

    for answer in ALICE_ANSWERS:
        await say(running.bot, "alice", answer)
    running.clock.set(DEC_1_9AM_NY)
    assert await running.bot.run_monthly_review()
    await say(running.bot, "alice", "Two new logos")
    assert running.chat.last("alice").endswith("What did not work, and why?")
    running.edit("key: alice", "key: amartin")
    running.edit("manager: alice", "manager: amartin")
    await running.watcher.check()
    await running.bot.drain()
    running.chat.clear()

    await say(running.bot, "amartin", "/monthly")
    assert running.chat.last("amartin") == ("Monthly review 2026-11, question 2 of 3:\n"
                                            "What did not work, and why?")
    running.chat.clear()
    running.clock.advance(timedelta(hours=2))
    await running.bot.run_monthly_review()
    await running.bot.drain()
    assert running.chat.to("amartin") == []
