"""Whose name a 360° review puts over the manager's answers, from the GM's side: the
manager who was asked and answered, also once the org file gives the director another
manager or the one asked leaves it — in `/review status`, the report at the close,
`/review report` and `teampulse review` — and none for a director who had no manager when
the review started."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import bot_on_org, run_cli, say
from tests.test_review_leavers import reload, without
from tests.test_review_rate import MORE, answer, org_text

#: Alice's place in the test org, under Grace; and the same under Bruno, or Vic.
UNDER_GRACE = "    manager: grace\n    team: East\n"
UNDER_BRUNO = "    manager: bruno\n    team: East\n"
UNDER_VIC = "    manager: vic\n    team: East\n"
VIC = "  - {key: vic, name: Vic Hale, role: director, manager: grace, timezone: America/New_York}\n"
#: The manager's five answers: a 2 with a comment, then four 2s.
TWOS = ["2 misses the forecast every month", "2", "2", "2", "2"]


def manager_of_alice(text: str, under: str) -> str:
    """The org file with Alice under another manager."""
    assert text.count(UNDER_GRACE) + text.count(UNDER_VIC) == 1
    return text.replace(UNDER_GRACE, under).replace(UNDER_VIC, under)


async def test_the_managers_answers_keep_her_name_when_the_director_gets_a_new_manager(
        settings, tmp_path: Path, clock):
    # Grace, Alice's manager, answers; then the org file makes Bruno Alice's manager.
    # Everything the GM read named Bruno over Grace's ratings and comment.
    path = tmp_path / "org.yaml"
    text = org_text()
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, settings):
        await say(bot, "grace", "/review start alice")
        await answer(bot, "grace", TWOS)
        await reload(bot, path, manager_of_alice(text, UNDER_BRUNO))
        await say(bot, "grace", "/review status alice")
        status = chat.last("grace")
        assert "• Manager (Grace Chen): 1 of 1 answered" in status, status
        assert "Bruno" not in status
        await say(bot, "grace", "/review close alice")
        report = chat.last("grace")
        assert "• Manager (Grace Chen): 1 of 1 answered\n" in report, report
        assert "Bruno" not in report
        assert "• Goal and plan completion: manager 2 · " in report
        assert report == chat.last("alice")  # the DM at the close, to Alice too
        await say(bot, "grace", "/review report alice")
        assert chat.last("grace") == report
        code, raw = run_cli(settings, "review", "alice", "--format", "json")
        assert code == 0
        data = json.loads(raw)
        assert data["manager"] == "Grace Chen"
        assert data["comments"]["manager"] == [
            {"criterion": "goals", "comment": "misses the forecast every month"}]
        assert data["criteria"][0]["groups"]["manager"] == 2
        code, md = run_cli(settings, "review", "alice")
        assert code == 0 and "- Manager (Grace Chen): 1 of 1 answered" in md
        assert "Bruno" not in md


async def test_a_manager_who_leaves_after_answering_is_still_the_one_named(
        settings, tmp_path: Path, clock):
    # Vic, Alice's manager, answers and then leaves the org file; Alice is Grace's again.
    # Vic's answers were shown as Grace's, who had given none.
    path = tmp_path / "org.yaml"
    text = manager_of_alice(org_text(MORE + VIC), UNDER_VIC)
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, settings):
        await say(bot, "grace", "/review start alice")
        await answer(bot, "vic", TWOS)
        await reload(bot, path, manager_of_alice(without(text, "vic"), UNDER_GRACE))
        await say(bot, "grace", "/review status alice")
        status = chat.last("grace")
        assert "• Manager (Vic Hale): 1 of 1 answered" in status, status
        await say(bot, "grace", "/review close alice")
        report = chat.last("grace")
        assert "• Manager (Vic Hale): 1 of 1 answered\n" in report, report
        assert "Grace" not in report
        await say(bot, "grace", "/review report alice")
        assert chat.last("grace") == report
        code, raw = run_cli(settings, "review", "alice", "--format", "json")
        assert code == 0
        assert json.loads(raw)["manager"] == "Vic Hale"


async def test_a_director_without_a_manager_at_the_start_gets_none_named_later(
        settings, tmp_path: Path, clock):
    # Alice has no manager when her review starts, so none is asked; the org file then
    # makes Bruno her manager. The JSON named Bruno as the manager of a review he was
    # never asked in as one.
    path = tmp_path / "org.yaml"
    text = org_text().replace(UNDER_GRACE, "    team: East\n")
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, settings):
        await say(bot, "grace", "/review start alice")
        assert chat.last("grace").startswith("360° review of Alice Martin started: 0 managers")
        await reload(bot, path, text.replace("    team: East\n", UNDER_BRUNO, 1))
        await say(bot, "grace", "/review close alice")
        report = chat.last("grace")
        assert "Manager" not in report and "Bruno" not in report, report
        code, raw = run_cli(settings, "review", "alice", "--format", "json")
        assert code == 0
        data = json.loads(raw)
        assert data["manager"] is None and "manager" not in data["groups_shown"]
