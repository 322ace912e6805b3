"""Where someone was in a week with no round of theirs: round_zones, which the GM's view,
a team's and a person's read before judging such a week away or not (README, *Time
away*): the latest round before the window made with a timezone, and every round of the
window that has one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from storage.models import CheckinRound
from storage.summary_rows import round_zones

MADE = datetime(2026, 9, 1, tzinfo=UTC)


def _round(person_id: int, week: str, timezone: str | None) -> CheckinRound:
    return CheckinRound(person_id=person_id, week=week, questions=[], status="submitted",
                        created_at=MADE, timezone=timezone)


def test_the_zone_before_the_window_is_the_latest_round_made_with_one(bot):
    """Li's rounds: W36 in Shanghai, W38 in Berlin, W40 stored before rounds had a
    timezone (none), W43 and W45 inside the window. Asked about W42-W46, his week before
    the window reads Berlin (W38): not Shanghai (older), not W40 (no timezone), and not a
    round of the window. Alice, with rounds only inside the window, has no week before it;
    Bruno, with none at all, nothing."""
    with bot.unit() as ctx:
        li, alice, bruno = (ctx.people.by_key(k).id for k in ("li", "alice", "bruno"))
        ctx.session.add_all([
            _round(li, "2026-W36", "Asia/Shanghai"), _round(li, "2026-W38", "Europe/Berlin"),
            _round(li, "2026-W40", None), _round(li, "2026-W43", "America/New_York"),
            _round(li, "2026-W45", "America/New_York"),
            _round(alice, "2026-W44", "America/Los_Angeles")])
        ctx.session.flush()
        zones = round_zones(ctx.session, {li, alice, bruno}, "2026-W42", "2026-W46")
    assert zones == {
        li: [("2026-W38", "Europe/Berlin"), ("2026-W43", "America/New_York"),
             ("2026-W45", "America/New_York")],
        alice: [("2026-W44", "America/Los_Angeles")]}


def test_only_the_people_asked_about_are_read(bot):
    """Two people's rounds before the window: asked about one, the other is not in the
    answer (the window's first week itself counts as inside it, not before)."""
    with bot.unit() as ctx:
        li, alice = (ctx.people.by_key(k).id for k in ("li", "alice"))
        ctx.session.add_all([_round(li, "2026-W41", "Asia/Shanghai"),
                             _round(li, "2026-W42", "Europe/Berlin"),
                             _round(alice, "2026-W41", "America/Los_Angeles")])
        ctx.session.flush()
        zones = round_zones(ctx.session, {li}, "2026-W42", "2026-W46")
    assert zones == {li: [("2026-W41", "Asia/Shanghai"), ("2026-W42", "Europe/Berlin")]}
