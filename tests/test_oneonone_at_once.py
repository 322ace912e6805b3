"""One-on-ones at the same time: the org file's rules give every pair of a rule one slot, so
a GM whose directors all have the default meets three of them at Tue 10:00, and Alice,
who reports to Grace and manages Sam, has both of hers then too. teampulse never moves a
meeting on its own; it says so where each person plans (`/1on1`, a move's confirmation)
and where the operator checks the file (`teampulse check-org`, every format)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.oneonone import pairs_at_once
from bot.org import load_org
from tests.support import run_cli, say
from tests.test_cli_views import valid
from tests.test_oneonone_hours import lines, make_bot, org_text  # noqa: F401

# Bruno and 李雷 each get a time of their own: Grace's Tuesday has no clash left, and
# Alice's with Sam moves to 11:00 (Sam's own pair).
STAGGERED = """
oneonones:
  pairs:
    - {report: bruno, time: "11:00"}
    - {report: li, time: "19:30"}
    - {report: sam, time: "11:00"}
"""


def row(chat, key: str, start: str) -> str:
    return next(line for line in lines(chat, key) if line.startswith(start))


async def test_the_gm_sees_which_one_on_ones_are_at_the_same_time(make_bot):  # noqa: F811
    bot, chat = make_bot()
    await say(bot, "grace", "/1on1")
    assert row(chat, "grace", "Alice Martin").endswith(
        "· at the same time as your 1:1 with Bruno Rossi and 李雷")
    assert row(chat, "grace", "Bruno Rossi").endswith(
        "· at the same time as your 1:1 with Alice Martin and 李雷")
    # Alice manages Sam at the time she meets Grace: both of hers are marked.
    await say(bot, "alice", "/1on1")
    assert row(chat, "alice", "Grace Chen").endswith(
        "· at the same time as your 1:1 with Sam Lee")
    assert row(chat, "alice", "Sam Lee").endswith(
        "· at the same time as your 1:1 with Grace Chen")
    # Bruno has one one-on-one: nothing to say.
    await say(bot, "bruno", "/1on1")
    assert "same time" not in chat.last("bruno")


async def test_a_chinese_reader_reads_it_in_chinese(make_bot):  # noqa: F811
    bot, chat = make_bot("zh-CN")
    await say(bot, "grace", "/1on1")
    assert row(chat, "grace", "Alice Martin").endswith(
        "· 与你和 Bruno Rossi 和 李雷 的一对一面谈时间重叠")


async def test_pairs_given_their_own_time_are_not_marked(make_bot):  # noqa: F811
    bot, chat = make_bot(extra=STAGGERED)
    for key in ("grace", "alice"):
        await say(bot, key, "/1on1")
        assert "same time" not in chat.last(key)


async def test_a_move_into_another_ones_time_is_made_and_said(make_bot):  # noqa: F811
    bot, chat = make_bot(extra=STAGGERED)
    # Alice's is at 10:00, Bruno's at 11:00 (Tuesday 2026-12-08, New York).
    await say(bot, "grace", "/1on1 move @bruno 2026-12-08 10:15")
    assert chat.last("grace").endswith(
        "That is also the time of your 1:1 with Alice Martin: one of them needs another "
        "time (/1on1 move @person …).")
    assert "also the time" not in chat.last("bruno")  # Bruno's only one-on-one
    await say(bot, "grace", "/1on1")
    assert row(chat, "grace", "Bruno Rossi").endswith(
        "· at the same time as your 1:1 with Alice Martin")
    # 李雷 moves theirs onto Grace's 10:00 with Alice, in Shanghai's time (23:00): Grace is
    # told in English, 李雷 in Chinese.
    await say(bot, "li", "/1on1 move 2026-12-08 23:10")
    assert "这个时间你还有" not in chat.last("li")
    assert "That is also the time of your 1:1 with Alice Martin and Bruno Rossi" \
        in chat.last("grace")
    # A move to a free time says nothing of the kind.
    await say(bot, "grace", "/1on1 move @alice 2026-12-09 09:00")
    assert "also the time" not in chat.last("grace")


async def test_a_chinese_side_told_of_a_move_reads_the_clash_in_chinese(make_bot):  # noqa: F811
    bot, chat = make_bot(extra=STAGGERED)
    await say(bot, "alice", "/1on1 move @sam 2026-12-08 10:00")  # onto hers with Grace
    assert "That is also the time of your 1:1 with Grace Chen" in chat.last("alice")
    bot2, chat2 = make_bot("zh-CN", extra=STAGGERED)
    await say(bot2, "alice", "/1on1 move @grace 2026-12-08 19:30")  # onto 李雷's
    assert chat2.last("grace").endswith(
        "这个时间你还有与 李雷 的一对一面谈：其中一个需要改期（/1on1 move @某人 …）。")


@pytest.fixture
def today(monkeypatch):
    """check-org reads the command's clock: Tuesday 2026-12-01 (a week before the
    biweekly pairs' next meeting)."""
    moment = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: moment)


def test_check_org_names_who_is_booked_twice_in_every_format(tmp_path, settings, today):
    path = tmp_path / "org.yaml"
    path.write_text(org_text(), encoding="utf-8")
    code, plain = run_cli(settings, "check-org", str(path))
    assert code == 0
    at = plain.splitlines().index(
        "one-on-ones at the same time (give each pair its own time under oneonones: "
        "pairs, teams or roles):")
    assert plain.splitlines()[at + 1:at + 3] == [
        "  grace with alice, bruno and li: Tue 10:00 America/New_York, first 2026-12-08",
        "  alice with grace and sam: Tue 10:00 America/New_York, first 2026-12-08"]
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert valid("org", raw)["oneonones_at_once"] == [
        {"person": "grace", "with": ["alice", "bruno", "li"], "weekday": "tue",
         "time": "10:00", "timezone": "America/New_York", "first": "2026-12-08"},
        {"person": "alice", "with": ["grace", "sam"], "weekday": "tue",
         "time": "10:00", "timezone": "America/New_York", "first": "2026-12-08"}]
    code, md = run_cli(settings, "check-org", str(path), "--format", "md")
    assert "## One-on-ones at the same time" in md
    assert "- Grace Chen: with Alice Martin, Bruno Rossi and 李雷 at Tue 10:00 " \
        "(America/New\\_York), first 2026-12-08" in md
    code, md = run_cli(settings, "check-org", str(path), "--format", "md", "--locale", "zh-CN")
    assert "- Alice Martin：与 Grace Chen 和 Sam Lee 的面谈都在 周二 10:00" in md
    # Each pair at a time of its own: no such section, an empty list.
    path.write_text(org_text(extra=STAGGERED), encoding="utf-8")
    code, plain = run_cli(settings, "check-org", str(path))
    assert code == 0 and "same time" not in plain
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert json.loads(raw)["oneonones_at_once"] == []


def test_a_monthly_pair_meets_a_weekly_one_on_its_day_only(tmp_path):
    """Sam meets Alice monthly (the first Tuesday) and Alice meets Grace weekly at the same
    time: they clash once a month, first on the first Tuesday of next month, not on the
    weekly meetings before it."""
    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra="""
oneonones:
  default: {cadence: weekly}
  pairs:
    - {report: bruno, time: "11:00"}
    - {report: li, time: "19:30"}
    - {report: sam, cadence: monthly}
"""), encoding="utf-8")
    org = load_org(path)
    found = pairs_at_once(org.people, org.oneonones, date(2026, 12, 2))
    assert [(c.person, c.others, c.first.date()) for c in found] == [
        ("alice", ("grace", "sam"), date(2027, 1, 5))]


def test_meetings_that_only_touch_are_not_at_the_same_time(tmp_path):
    """Alice's 30 minutes with Grace end at 10:30, when Bruno's begin. 李雷's at 10:15
    overlaps both, but Alice's and Bruno's never meet: two clashes, not one of three."""
    path = tmp_path / "org.yaml"
    for li, expected in (("19:30", []),
                         ("10:15", [("grace", ("alice", "li")), ("grace", ("bruno", "li"))])):
        path.write_text(org_text(extra=f"""
oneonones:
  pairs:
    - {{report: bruno, time: "10:30"}}
    - {{report: li, time: "{li}"}}
    - {{report: sam, time: "11:00"}}
"""), encoding="utf-8")
        org = load_org(path)
        found = pairs_at_once(org.people, org.oneonones, date(2026, 12, 2))
        assert [(c.person, c.others) for c in found] == expected


def test_a_gm_with_many_directors_at_one_slot_reads_ten_names_then_how_many_more(
        tmp_path, settings, today):
    more = "".join(f"""
  - key: d{i:02d}
    name: Director {i:02d}
    role: director
    manager: grace
    timezone: America/New_York
""" for i in range(1, 11))
    text = org_text().replace("\nvalues:\n", more + "\nvalues:\n", 1)  # (after the people)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    code, plain = run_cli(settings, "check-org", str(path))
    assert code == 0
    assert "  grace with alice, bruno, li, d01, d02, d03, d04, d05, d06, d07 and 3 more: " \
        "Tue 10:00 America/New_York, first 2026-12-08" in plain.splitlines()
    code, md = run_cli(settings, "check-org", str(path), "--format", "md")
    assert "- Grace Chen: with Alice Martin, Bruno Rossi, 李雷, Director 01, Director 02, " \
        "Director 03, Director 04, Director 05, Director 06, Director 07, and 3 more at " \
        "Tue 10:00" in md
    code, raw = run_cli(settings, "check-org", str(path), "--format", "json")
    assert len(valid("org", raw)["oneonones_at_once"][0]["with"]) == 13
