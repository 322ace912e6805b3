"""A 360° review asks a handful of peers, not every director: at most the org file's
`reviews.peers` (8 unless it says), those who work closest with the director first (the
same manager, then the same team), and a whole period spreads the surveys so that no
director is asked about far more colleagues than that. `peers: all` keeps every director;
a value that would break anonymity, or is not a number, is refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import prepare
from bot.cli import main
from bot.core import TeamPulse
from bot.org import OrgError, parse_org
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

TEAMS = ("North", "South", "West")
HEADS = 5
EACH = 5  # directors under each head: 5 + 25 = 30 directors


def team_of(i: int) -> str:
    return TEAMS[i % len(TEAMS)]


def org_yaml(reviews: str = "") -> str:
    """A GM; five regional heads (v0-v4, directors under the GM, team HQ); 25 directors
    d00-d24, five under each head, in three teams that cut across the heads; and two
    members under d00 (her reports)."""
    lines = ["org: {name: Regions}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    lines += [f"  - {{key: v{h}, name: Head {h}, role: director, manager: gm, team: HQ, "
              "timezone: America/New_York}" for h in range(HEADS)]
    lines += [f"  - {{key: d{i:02d}, name: Director {i}, role: director, manager: "
              f"v{i // EACH}, team: {team_of(i)}, timezone: America/New_York}}"
              for i in range(HEADS * EACH)]
    lines += [f"  - {{key: m{j}, name: Member {j}, role: member, manager: d00, "
              "team: North, timezone: America/New_York}" for j in range(2)]
    return "\n".join(lines) + "\n" + reviews


def regions(settings, tmp_path: Path, clock, reviews: str = "") -> tuple[TeamPulse, object]:
    path = tmp_path / "regions.yaml"
    path.write_text(org_yaml(reviews), encoding="utf-8")
    return prepare(replace(settings, org_file=path), clock)


@pytest.fixture
def org30(settings, tmp_path, clock):
    bot, engine = regions(settings, tmp_path, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


def asked_as_peer(chat: RecordingAdapter, subject: str) -> list[str]:
    """Who was sent a survey about `subject` as a fellow director, in order."""
    return [s.target.address for s in chat.sent if s.text.startswith((
        f"📋 You're asked for feedback on {subject} as a fellow director",
        f"📋 邀请你以同级身份对 {subject} 给出反馈"))]


SIBLINGS = ["d01", "d02", "d03", "d04"]  # d00's fellow directors under Head 0
NORTH = [f"d{i:02d}" for i in range(5, 25) if team_of(i) == "North"]  # not under Head 0


async def test_a_review_asks_eight_peers_those_who_work_closest_first(org30, clock):
    bot, chat = org30
    await say(bot, "gm", "/review start d00")
    peers = asked_as_peer(chat, "Director 0")
    # Was every one of the 28 other directors (all but her manager).
    assert len(peers) == 8 == len(set(peers))
    # The four under the same head first, then four of her team under other heads.
    assert set(SIBLINGS) < set(peers)
    assert set(peers) - set(SIBLINGS) < set(NORTH)
    assert chat.last("gm").startswith(
        "360° review of Director 0 started: 1 manager, 8 peers (of 28 other directors, "
        "those who work closest with them: the same manager, then the same team; "
        "reviews.peers in the org file sets how many), 2 reports and the self-assessment "
        "asked.")
    # It closes when those asked have answered: not waiting for 20 directors never asked.
    for key in ["v0", *peers, "m0", "m1", "d00"]:
        for text in ["4 Solid", "4", "3", "4", "4"]:
            await say(bot, key, text)
    report = chat.last("gm")
    # Two reports asked are counted with the peers, never apart.
    assert report.startswith("🔄 360° review — Director 0\n"
                             "• Manager (Head 0): 1 of 1 answered\n"
                             "• Peers and reports: 10 of 10 answered\n"
                             "• Self-assessment: 1 of 1 answered\n"
                             "Response rate: 12 of 12 asked answered (100%).")
    assert report == chat.last("d00")
    # A head's peers: the four other heads, then four directors who are not her reports.
    await say(bot, "gm", "/review start v2")
    heads = asked_as_peer(chat, "Head 2")
    assert len(heads) == 8 and {"v0", "v1", "v3", "v4"} < set(heads)
    assert not set(heads) & {f"d{i:02d}" for i in range(10, 15)}  # Head 2's own reports
    # After a restart, the next review of Director 0 asks the same eight.
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    second = RecordingAdapter()
    again.register(second)
    await say(again, "gm", "/review start d00")
    assert sorted(asked_as_peer(second, "Director 0")) == sorted(peers)


async def test_a_whole_period_asks_each_director_about_as_many_colleagues_as_the_cap(
        settings, tmp_path, clock):
    bot, engine = regions(settings, tmp_path, clock, QUARTERLY)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        clock.set(JAN_1_10AM_NY)
        assert await bot.run_review_schedule() == 30
        load = Counter(s.target.address for s in chat.sent
                       if "as a fellow director" in s.text.split("\n")[0])
        # Each director was asked about 24 to 28 colleagues as a peer; now 8 each review
        # asks, 240 in all, and nobody carries much more than their share of 8.
        assert sum(load.values()) == 30 * 8
        assert max(load.values()) <= 12
        [note] = [t for t in chat.to("gm") if t.startswith("🔄 Scheduled 360° reviews")]
        assert ("33 people were asked (each director's manager, up to 8 peers — those who "
                "work closest with them —, reports and the self-assessment).") in note
        await say(bot, "gm", "/review schedule")
        assert ("Each asks the director's manager, up to 8 peers (those who work closest "
                "with them first), their reports and themself.") in chat.last("gm")
    finally:
        engine.dispose()


async def test_under_one_gm_the_director_s_own_team_comes_first(settings, tmp_path, clock):
    """The usual org: every director under the GM, so "the same manager" is everyone;
    those of the director's own team must still come before the rest."""
    lines = ["org: {name: Flat}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    lines += [f"  - {{key: f{i}, name: Flat {i}, role: director, manager: gm, "
              f"team: {'East' if i < 3 else 'West'}, timezone: America/New_York}}"
              for i in range(12)]
    path = tmp_path / "flat.yaml"
    path.write_text("\n".join(lines) + "\nreviews:\n  peers: 3\n", encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        for i in range(3):
            await say(bot, "gm", f"/review start f{i}")
            peers = asked_as_peer(chat, f"Flat {i}")
            # Both East colleagues, then one of the nine West directors.
            assert len(peers) == 3
            assert {f"f{j}" for j in range(3) if j != i} < set(peers), peers
    finally:
        engine.dispose()


async def test_peers_all_asks_every_other_director(settings, tmp_path, clock):
    bot, engine = regions(settings, tmp_path, clock, "reviews:\n  peers: all\n")
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "gm", "/review start d00")
        assert len(asked_as_peer(chat, "Director 0")) == 28
        assert chat.last("gm").startswith(
            "360° review of Director 0 started: 1 manager, 28 peers, 2 reports and the "
            "self-assessment asked.")
    finally:
        engine.dispose()


async def test_a_small_org_asks_every_other_director_as_before(bot, chat):
    # Alice has two fellow directors: fewer than the cap, even the smallest one allowed.
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + "reviews:\n  peers: 3\n")
    await say(bot, "grace", "/review start alice")
    assert sorted(asked_as_peer(chat, "Alice Martin")) == ["bruno", "li"]
    assert chat.last("grace").startswith(
        "360° review of Alice Martin started: 1 manager, 2 peers, 1 report and the "
        "self-assessment asked. Peers' and reports' answers are anonymous")


@pytest.mark.parametrize(("value", "problem"), [
    ("2", "reviews.peers: 2 is too few: peers' answers are shown only when at least 3 of "
          "them answer, so a review asks 3 or more (or all)"),
    ("0", "reviews.peers: 0 is too few: peers' answers are shown only when at least 3 of "
          "them answer, so a review asks 3 or more (or all)"),
    ("a few", "reviews.peers: 'a few' is not a number of peers (use a whole number, 3 or "
              "more, or all for every other director)"),
    ("5.5", "reviews.peers: 5.5 is not a number of peers (use a whole number, 3 or more, "
            "or all for every other director)"),
    ("yes", "reviews.peers: True is not a number of peers (use a whole number, 3 or more, "
            "or all for every other director)"),
])
def test_a_bad_peers_value_is_refused_with_its_message(settings, tmp_path, clock, capsys,
                                                       value, problem):
    reviews = f"reviews:\n  peers: {value}\n"
    with pytest.raises(OrgError) as err:
        parse_org(org_yaml(reviews))
    assert err.value.problems == [problem]
    # check-org names it, and the bot does not start on it.
    path = tmp_path / "regions.yaml"
    path.write_text(org_yaml(reviews), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 2
    assert problem in capsys.readouterr().err
    with pytest.raises(OrgError, match=r"reviews\.peers: "):
        regions(settings, tmp_path, clock, reviews)


def test_check_org_shows_how_many_peers_a_review_asks(tmp_path, capsys):
    path = tmp_path / "regions.yaml"
    none = "/dev/null"
    path.write_text(org_yaml(QUARTERLY), encoding="utf-8")
    assert main(["--env-file", none, "check-org", str(path)]) == 0
    assert ("open 14 days; up to 8 peers each, those who work closest with the director "
            "first") in capsys.readouterr().out
    path.write_text(org_yaml(QUARTERLY + "  peers: all\n"), encoding="utf-8")
    assert main(["--env-file", none, "check-org", str(path), "--format", "json"]) == 0
    from tests.test_cli_views import valid

    assert valid("org", capsys.readouterr().out)["reviews"]["peers"] == "all"
    # Without a schedule, a cap other than the default is still said.
    path.write_text(org_yaml("reviews:\n  peers: 5\n"), encoding="utf-8")
    assert main(["--env-file", none, "check-org", str(path)]) == 0
    assert ("reviews: started with /review start only; up to 5 peers each, those who work "
            "closest with the director first") in capsys.readouterr().out


async def test_the_status_of_many_reviews_the_gm_started_never_says_they_close_later(org30):
    """Past the ten listed, the rest are the reviews closing later — or, started by the
    GM, with no closing date at all: "closing later" is not said of those."""
    bot, chat = org30
    for i in range(11):
        await say(bot, "gm", f"/review start d{i:02d}")
    await say(bot, "gm", "/review status")
    lines = chat.last("gm").splitlines()
    assert len([x for x in lines if "no closing date" in x]) == 10
    assert "• … and 1 more" in lines and "closing later" not in chat.last("gm")


def test_a_thousand_directors_under_one_manager_are_each_asked_about_exactly_eight():
    """README: "at 1,000 directors under one manager, exactly 8 each, where it was 999".
    Each director's review asks 8 peers; across the whole period every director is one
    of the 8 for exactly 8 colleagues (the next after them on the ring), whatever the
    keys; with two teams under that manager, each team's first."""
    from types import SimpleNamespace

    from handlers.review import closest_peers

    directors = [SimpleNamespace(key=f"d{i:04d}", manager_key="gm", team=None)
                 for i in range(1000)]
    load = Counter(p.key for d in directors
                   for p in closest_peers(d, [o for o in directors if o is not d], 8))
    assert set(load.values()) == {8} and len(load) == 1000
    teams = [SimpleNamespace(key=d.key, manager_key="gm", team=f"T{i % 2}")
             for i, d in enumerate(directors[:40])]
    for d in teams:
        assert {p.team for p in closest_peers(d, [o for o in teams if o is not d], 8)} \
            == {d.team}
