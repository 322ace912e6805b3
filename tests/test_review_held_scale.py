"""360° surveys that waited for a rater away: finding them costs the same few statements
however many there are (a GM back from a holiday with a review of every director held)."""

from __future__ import annotations

from datetime import timedelta

from handlers.review import held_invites
from tests.support import bot_on_org, say
from tests.test_ingest_batch import statements

DIRECTORS = 30


def org_yaml(directors: int) -> str:
    """A GM and `directors` directors reporting to them, every other one in Chinese."""
    lines = ["org: {name: Big}", "reviews: {peers: 3}", "people:",
             "  - {key: gm, name: Grace GM, role: gm, timezone: America/New_York, "
             "slack_id: U0GM}"]
    for i in range(directors):
        locale = "zh-CN" if i % 2 else "en"
        lines.append(f"  - {{key: d{i:02d}, name: Director {i:02d}, role: director, "
                     f"manager: gm, timezone: America/New_York, locale: {locale}, "
                     f"slack_id: U0D{i:02d}}}")
    return "\n".join(lines) + "\n"


async def test_a_gm_back_to_30_held_surveys_is_found_them_in_as_few_statements_as_3(
        settings, clock, tmp_path):
    """The GM starts reviews while away: each director's survey waits for the GM (their
    manager) to be back. Reading which waited took one statement per survey (its
    director): 3 held, then 30 after a second holiday, must cost the same; and the GM
    is sent the 30 invitations, each naming its director, once."""
    org = tmp_path / "org.yaml"
    org.write_text(org_yaml(DIRECTORS), encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _):
        counts = []
        for first, last, until in ((0, 3, "2026-11-30"), (3, DIRECTORS, "2026-12-07")):
            await say(bot, "gm", f"/away {until}")
            for i in range(first, last):
                await say(bot, "gm", f"/review start d{i:02d}")
            assert not any(t.startswith("📋") for t in chat.to("gm"))  # held while away
            clock.advance(timedelta(days=7))  # back (the sweep not run meanwhile)
            with bot.unit() as ctx, statements(bot) as seen:
                found = held_invites(ctx)
            assert [(s.key, p.key, i.rater_group) for i, s, p in found] == [
                (f"d{i:02d}", "gm", "manager") for i in range(last)]
            counts.append(len(seen))
        assert counts[1] == counts[0], counts
        chat.clear()
        assert await bot.run_review_held() == DIRECTORS
        invites = [t for t in chat.to("gm") if t.startswith("📋")]
        # The first survey's question follows its invitation; the others wait for it.
        assert invites == [
            f"📋 You're asked for feedback on Director {i:02d} as their manager: 5 short "
            "questions, a rating from 1 to 5 and an optional comment each.\nAs their "
            "manager, your answers are shown with your name."
            + ("" if i == 0 else "\nI'll ask the first question when you've finished what "
               "you're answering now (or send /review to start).") for i in range(DIRECTORS)]
        assert await bot.run_review_held() == 0  # once


async def test_sending_held_surveys_reads_no_closing_time_one_by_one(settings, clock, tmp_path):
    """Back from a holiday, the GM is sent the 30 surveys that waited: each read its
    review's closing time again (one statement a survey) though the read that found them
    had it; a scheduled review's survey still expires when the review closes."""
    import re

    org = tmp_path / "org.yaml"
    org.write_text(org_yaml(DIRECTORS), encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _):
        await say(bot, "gm", "/away 2026-11-30")
        for i in range(DIRECTORS):
            await say(bot, "gm", f"/review start d{i:02d}")
        clock.advance(timedelta(days=7))
        with statements(bot) as seen:
            assert await bot.run_review_held() == DIRECTORS
        closing = [s for s in seen
                   if re.match(r"SELECT review_schedule_runs\.closes_at\s+FROM", s)]
        assert closing == [], len(closing)
        assert len([t for t in chat.to("gm") if t.startswith("📋")]) == DIRECTORS
