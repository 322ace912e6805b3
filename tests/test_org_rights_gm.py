"""What is sent to the GM because they are the GM (a support request, the honour roll, the
monthly overview and answers, a 360° report, the GM's own /monthly and /review status)
still waits in the outbox when the platform is down; the operator makes someone else GM
in the org file meanwhile. Once the platform is back the old GM gets none of it; the new
GM reads it all where the product keeps it (/support, /monthly, /review report), gets
the roll and the overview from their jobs' next run, and the directors' own messages go
out."""

from __future__ import annotations

from datetime import timedelta

from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_crm_import import settled, watched_inbox
from tests.test_honours import DEC_1_9AM_NY
from tests.test_org_reload import running  # noqa: F401  (the fixture)
from tests.test_org_rights import DOWN, _back, _statuses
from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

VERA = "    role: member\n    timezone: America/New_York\n    locale: en\n    slack_id: U0VERA"
GRACE = "    role: gm\n    timezone: America/New_York"


async def vera_made_gm(running) -> None:  # noqa: F811
    """The operator hands the GM's role from Grace to Vera (Grace stays, as a member)."""
    running.edit(VERA, VERA.replace("role: member", "role: gm"))
    running.edit(GRACE, GRACE.replace("role: gm", "role: member"))
    change = await running.watcher.check()
    assert change is not None and change.removed == ()


async def test_a_support_request_told_to_the_old_gm_waits_no_more_once_replaced(
        running):  # noqa: F811
    """Alice asks for a travel budget in her check-in while the platform is down: the GM
    is told of request #1. Vera becomes GM before the platform is back: Grace never gets
    "New support request"; Alice gets her number and check-in; Vera finds #1 in /support."""
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await answer_all(running.bot, "alice", ALICE_ANSWERS)
    await say(running.bot, "grace", "/support")  # the whole org's list, asked as GM
    assert running.chat.sent == []
    await vera_made_gm(running)
    await _back(running)
    assert not any("support request" in t for t in running.chat.to("grace"))
    assert not any("#1" in t for t in running.chat.to("grace"))
    assert [s for s, _ in _statuses(running.bot, "grace")] == ["expired"] * 2
    assert any("tracked as #1" in t for t in running.chat.to("alice"))
    await say(running.bot, "vera", "/support")
    assert "#1" in running.chat.last("vera") and "Travel budget" in running.chat.last("vera")


async def test_the_honour_roll_and_the_monthly_overview_wait_no_more_for_an_old_gm(
        running):  # noqa: F811
    """On the first working day of December the honour roll and November's overview are
    sent to the GM, Li answers the month's questions (the GM is told they are arriving)
    and Grace asks /monthly herself, all while the platform is down; Vera becomes GM.
    Grace gets none of it; Li's own review goes out; Vera reads /monthly."""
    running.clock.set(DEC_1_9AM_NY)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    assert await running.bot.run_honours()
    assert await running.bot.run_monthly_review()
    for text in ("很好", "不好", "计划"):
        await say(running.bot, "li", text)
    await say(running.bot, "grace", "/monthly")
    await say(running.bot, "grace", "/monthly answers")
    assert running.chat.sent == []
    await vera_made_gm(running)
    await _back(running)
    to_grace = running.chat.to("grace")
    assert not any(t.startswith(("🏆", "📅", "📝", "✅")) for t in to_grace), to_grace
    # The roll, the overview (with the month's digests), "answers arriving", and both
    # of Grace's /monthly answers: all withdrawn.
    assert [s for s, _ in _statuses(running.bot, "grace")] == ["expired"] * 6
    assert any("2026-11" in t or "11 月" in t for t in running.chat.to("li"))
    await say(running.bot, "vera", "/monthly")
    assert running.chat.last("vera").startswith("📅 Month in review — 2026-11")
    # The honours job's next run that week gives the new GM the roll (each GM once).
    running.clock.advance(timedelta(days=1))
    assert await running.bot.run_honours()
    assert [t for t in running.chat.to("vera") if t.startswith("🏆")] != []
    assert not any(t.startswith("🏆") for t in running.chat.to("grace"))


async def test_a_360_report_to_the_old_gm_waits_no_more_the_directors_own_goes_out(
        running):  # noqa: F811
    """Grace starts a 360° review of Alice, then closes it and asks /review status while
    the platform is down; Vera becomes GM. Grace gets neither the report nor the status;
    Alice gets her own report; Vera reads it with /review report alice."""
    await say(running.bot, "grace", "/review start alice")
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "grace", "/review status")
    await say(running.bot, "grace", "/review close alice")
    assert running.chat.sent == []
    await vera_made_gm(running)
    await _back(running)
    assert not any("360" in t for t in running.chat.to("grace")), running.chat.to("grace")
    assert any("360" in t for t in running.chat.to("alice"))
    assert [s for s, _ in _statuses(running.bot, "grace")][-2:] == ["expired"] * 2
    await say(running.bot, "vera", "/review report alice")
    assert "Alice Martin" in running.chat.last("vera")


async def test_the_monthly_overview_waits_no_more_for_an_old_gm(running):  # noqa: F811
    """The monthly overview alone (its GM mark, handlers.monthly_gm): queued for Grace on
    the first working day with the platform down, withdrawn once Vera is made GM; the
    directors' own reviews go out."""
    running.clock.set(DEC_1_9AM_NY)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    assert await running.bot.run_monthly_review()
    assert running.chat.sent == []
    await vera_made_gm(running)
    await _back(running)
    assert not any(t.startswith("📅") for t in running.chat.to("grace"))
    assert "expired" in [s for s, t in _statuses(running.bot, "grace") if t.startswith("📅")]
    assert any(t.startswith("📅") for t in running.chat.to("alice"))  # her own review
    # The new GM gets the month's overview from the monthly job's next run (each GM once).
    running.clock.advance(timedelta(days=1))
    assert await running.bot.run_monthly_review()
    assert next(t for t in running.chat.to("vera") if t.startswith("📅")).startswith(
        "📅 Month in review — 2026-11 · 3 directors")


async def test_the_scheduled_reviews_notes_wait_no_more_for_an_old_gm(running):  # noqa: F811
    """A quarterly 360° schedule: the GM's notes that the period's reviews started and
    closed wait in the outbox (the platform down all fortnight); Vera becomes GM. Grace
    gets neither note; each director gets their own report; Vera reads one on demand."""
    running.write(running.path.read_text(encoding="utf-8") + QUARTERLY.replace(
        "directors: all", "directors: [alice, bruno]"))
    assert await running.watcher.check() is not None
    running.clock.set(JAN_1_10AM_NY)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    assert await running.bot.run_review_schedule() == 2
    running.clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await running.bot.run_review_schedule()
    assert running.chat.sent == []
    await vera_made_gm(running)
    await _back(running)
    assert not any(t.startswith("🔄 Scheduled") for t in running.chat.to("grace"))
    assert [s for s, t in _statuses(running.bot, "grace")
            if t.startswith("🔄 Scheduled")] == ["expired"] * 2
    for key, name in (("alice", "Alice Martin"), ("bruno", "Bruno Rossi")):
        assert any(t.startswith(f"🔄 360° review — {name}") for t in running.chat.to(key))
    await say(running.bot, "vera", "/review report bruno")
    assert running.chat.last("vera").startswith("🔄 360° review — Bruno Rossi")


async def test_a_crm_folder_notice_waits_no_more_for_an_old_gm(running, tmp_path):  # noqa: F811
    """A spreadsheet saved in the watched CRM folder: the GM is told it is not imported,
    with the platform down; Vera becomes GM before it is back: Grace is not told."""
    from bot.jobs import crm_watch_job

    inbox = watched_inbox(running.bot, tmp_path)
    (inbox / "pipeline.xlsx").write_bytes(b"PK")
    settled(inbox / "pipeline.xlsx")
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await crm_watch_job()
    assert [t for s, t in _statuses(running.bot, "grace")] == [
        "⚠️ The file pipeline.xlsx in the watched"]
    await vera_made_gm(running)
    await _back(running)
    assert running.chat.to("grace") == []
