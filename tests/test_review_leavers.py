"""A rater who leaves the org file while a 360° review is open, from the GM's side (the
counts of `/review status` and the report) and the raters' (who is asked instead, who is
reminded): a peer who had not answered is replaced by the next closest director not yet
asked, so the review keeps its number of peers; a manager who had not answered is no
longer counted as asked; and the counts never tell whether someone who left had answered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support import bot_on_org, say
from tests.test_digest import edit_org
from tests.test_review_rate import MORE, answer, org_text, reminders
from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

#: Alice's four fellow directors (Bruno, Li, Dan, Eve), three of them asked.
PEERS_3 = "reviews:\n  peers: 3\n"
FELLOW = {"en": "📋 You're asked for feedback on Alice Martin as a fellow director",
          "zh-CN": "📋 邀请你以同级身份对 Alice Martin 给出反馈"}


def asked_about_alice(chat) -> list[str]:
    """Who was sent a survey about Alice as a fellow director, in order."""
    return [s.target.address for s in chat.sent if s.text.startswith(tuple(FELLOW.values()))]


def without(text: str, key: str) -> str:
    """The org file with `key` taken out of `people` (an entry on one line, or a block)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("  - "):
            skipping = line.startswith((f"  - key: {key}\n", f"  - {{key: {key},"))
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            out.append(line)
    assert len(out) < len(text.splitlines()), key
    return "".join(out)


async def reload(bot, path: Path, text: str) -> None:
    """The org file saved as `text` and taken in by the running bot's watcher."""
    import os

    from bot.org_reload import OrgWatcher

    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert await OrgWatcher(bot, path, stamp=bot.org_stamp).check() is not None


async def test_a_peer_who_leaves_unanswered_is_replaced_and_the_review_keeps_its_peers(
        settings, tmp_path: Path, clock):
    # Three of Alice's four fellow directors are asked. One leaves before answering: the
    # fourth is asked instead, in their own language, and at the close the peers' ratings
    # are shown apart (three answered), where two would only show merged with the reports'.
    path = tmp_path / "org.yaml"
    text = org_text(MORE, PEERS_3)
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        await say(bot, "grace", "/review start alice")
        first = asked_about_alice(chat)
        assert len(first) == 3
        spare = ({"bruno", "li", "dan", "eve"} - set(first)).pop()
        leaver, *stayers = first
        await say(bot, "grace", "/review status alice")
        assert "• Peers: 0 of 3 answered" in chat.last("grace")
        await reload(bot, path, without(text, leaver))
        assert asked_about_alice(chat)[3:] == [spare]
        # 李雷, who reads Chinese, the one of the four not asked at the start.
        assert spare == "li"
        invite, question = chat.to("li")[-2:]
        assert invite.startswith(FELLOW["zh-CN"])
        assert question.startswith("1/5 · ") and "你给 Alice Martin 打几分" in question
        await say(bot, "grace", "/review status alice")
        status = chat.last("grace")
        assert "• Peers: 0 of 3 answered" in status, status  # not 0 of 4
        for key in [*stayers, "li", "grace", "sam", "ray", "rosa", "alice"]:
            await answer(bot, key)
        # Everyone asked who is still here answered. A peer of it left while it was open:
        # it waits for the GM (or its date), as it would had they answered before leaving
        # (kept then, not replaced), so that its closing never tells which.
        assert not chat.last("grace").startswith("🔄 360° review — Alice Martin")
        await say(bot, "grace", "/review close alice")
        report = chat.last("grace")
        assert report.startswith("🔄 360° review — Alice Martin"), report
        assert "• Peers: 3 of 3 answered\n" in report
        assert "• Reports: 3 of 3 answered\n" in report
        assert "Response rate: 8 of 8 asked answered (100%)." in report
        assert "peers 4 ·" in report  # the peers' ratings are shown: three answered
        # The one who left is not asked again, nor anyone a second time.
        assert leaver not in asked_about_alice(chat)[3:]
        assert len(asked_about_alice(chat)) == 4


async def test_the_manager_who_leaves_unanswered_is_no_longer_counted_nor_reminded(
        settings, tmp_path, clock):
    # Dan's manager is Vic, a director; Vic leaves the org file (Dan now reports to Grace)
    # before answering: "Manager (…): 0 of 1 answered" and a rate short by one were
    # waiting for someone gone.
    vic = ("  - {key: vic, name: Vic Hale, role: director, manager: grace, "
           "timezone: America/New_York}\n")
    people = MORE.replace("{key: dan, name: Dan Wu, role: director, manager: grace",
                          "{key: dan, name: Dan Wu, role: director, manager: vic") + vic
    path = tmp_path / "scheduled.yaml"
    text = org_text(people, QUARTERLY.replace("directors: all", "directors: [dan]"))
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await say(bot, "grace", "/review status dan")
        assert "• Manager (Vic Hale): 0 of 1 answered" in chat.last("grace")
        edit_org(bot, without(text, "vic").replace("manager: vic", "manager: grace"))
        await bot.deliver()
        await say(bot, "grace", "/review status dan")
        status = chat.last("grace")
        assert "• Manager" not in status and "Response rate: 0 of 5 asked" in status, status
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        assert reminders(chat, "vic") == []


async def test_what_the_gm_reads_never_tells_whether_a_peer_who_left_had_answered(
        settings, tmp_path: Path, clock):
    # X rates Alice and Bruno as a peer; X answers about Alice, not about Bruno, then
    # leaves, with Sam, a report of Alice's who had not answered. The GM, who knows who
    # left, reads each review's counts as before the edit: about Alice X stays counted
    # with their answers; about Bruno the next closest director takes X's place.
    path = tmp_path / "org.yaml"
    text = org_text(MORE, PEERS_3)
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        await say(bot, "grace", "/review start alice")
        await say(bot, "grace", "/review start bruno")
        about_bruno = "📋 You're asked for feedback on Bruno Rossi as a fellow director"
        bruno_peers = [s.target.address for s in chat.sent if s.text.startswith(about_bruno)
                       or s.text.startswith("📋 邀请你以同级身份对 Bruno Rossi 给出反馈")]
        x = next(k for k in asked_about_alice(chat) if k in bruno_peers)
        # X's surveys come one after the other: Alice's first.
        await answer(bot, x)
        await say(bot, "grace", "/review status alice")
        alice_before = chat.last("grace")
        await say(bot, "grace", "/review status bruno")
        bruno_before = chat.last("grace")
        assert "• Peers: 1 of 3 answered" in alice_before
        assert "• Peers: 0 of 3 answered" in bruno_before
        assert "• Reports: 0 of 3 answered" in alice_before
        edit_org(bot, without(without(text, x), "sam"))
        await bot.deliver()
        # The counts read the same; each review, a peer of it gone, no longer closes by
        # itself (answered or not: X had about Alice, not about Bruno), and says so.
        itself = "it closes when everyone has answered, or with /review close {}"
        not_itself = "it closes with /review close {} (not by itself once everyone has " \
            "answered: someone asked as a peer or report has left the org since it began, " \
            "and closing when the others have answered would tell whether they had answered)"
        for key, before in (("alice", alice_before), ("bruno", bruno_before)):
            await say(bot, "grace", f"/review status {key}")
            assert itself.format(key) in before
            assert chat.last("grace") == before.replace(itself.format(key),
                                                        not_itself.format(key))
        # Bruno's review asked a director in X's place; Alice's, whose answers X gave, did not.
        after = [s.target.address for s in chat.sent if s.text.startswith(about_bruno)
                 or s.text.startswith("📋 邀请你以同级身份对 Bruno Rossi 给出反馈")]
        assert len(after) == 4 and after[3] not in bruno_peers
        assert len(asked_about_alice(chat)) == 3


async def test_on_a_schedule_the_peer_asked_instead_is_reminded_and_none_is_asked_at_the_end(
        settings, tmp_path: Path, clock):
    # Alice's scheduled review closes on the 15th. Her peer who leaves on the 3rd is
    # replaced, and the director asked instead is reminded before the close like the
    # others (the one who left is not); one who leaves on the 14th, with less than a day
    # left, is not: nobody could answer in time.
    path = tmp_path / "scheduled.yaml"
    text = org_text(MORE, QUARTERLY.replace("directors: all", "directors: [alice]")
                    + "  peers: 3\n")
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        leaver, *stayers = asked_about_alice(chat)
        clock.set(JAN_1_10AM_NY + timedelta(days=2))
        text = without(text, leaver)
        edit_org(bot, text)
        await bot.deliver()
        assert asked_about_alice(chat)[3:] == ["li"]
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        assert len(reminders(chat, "li")) == 1
        assert [len(reminders(chat, k)) for k in stayers] == [1, 1]
        assert reminders(chat, leaver) == []
        # Less than a day before the close Li leaves too, not having answered, as Fay
        # joins: too late to ask her, and the review still counts three peers asked.
        clock.set(JAN_1_10AM_NY + timedelta(days=13, hours=1))
        fay = ("  - {key: fay, name: Fay Lin, role: director, manager: grace, "
               "timezone: America/New_York}\n")
        edit_org(bot, without(text, "li").replace("  - {key: ray,", fay + "  - {key: ray,"))
        await bot.deliver()
        assert len(asked_about_alice(chat)) == 4 and chat.to("fay") == []
        await say(bot, "grace", "/review status alice")
        assert "• Peers: 0 of 3 answered" in chat.last("grace")


async def test_a_peer_taken_out_while_the_bot_was_down_is_replaced_once_it_runs(
        settings, tmp_path: Path, clock):
    from bot.scheduler import start_scheduler

    path = tmp_path / "org.yaml"
    text = org_text(MORE, PEERS_3)
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, settings_on):
        await say(bot, "grace", "/review start alice")
        leaver = asked_about_alice(chat)[0]
    # The org file is edited while the bot is stopped; it starts on the edited file.
    path.write_text(without(text, leaver), encoding="utf-8")
    with bot_on_org(settings_on, clock, path) as (bot, chat, _):
        scheduler = await start_scheduler(bot, bot.engine)
        scheduler.shutdown(wait=False)
        await bot.drain()
        assert asked_about_alice(chat) == ["li"]
        await say(bot, "grace", "/review status alice")
        assert "• Peers: 0 of 3 answered" in chat.last("grace")
