"""A 360° review closes by itself when everyone still in the org file has answered: the GM
(and, for a scheduled review, the director) gets the report at once, and the review leaves
`/review status`. That moment says "everyone has answered" — so it must not come where
the report itself withholds who answered: fewer than 3 peers and reports (their counts
not shown), or a peer or report the survey never reached (named by the status, kept out
of its counts even once they answer). There the review waits for its closing date or
`/review close`, whoever answered."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.app import prepare
from bot.events import InboundEvent
from bot.org import parse_org
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_review_rate import answer
from tests.test_review_unreached import MORE_PEERS, _bruno_away_on_telegram


async def gm_reads_after_answering_last(bot, chat, subject: str, first: tuple[str, ...]
                                        ) -> tuple[list[str], str, str, str]:
    """`first` answer a review of `subject` the GM started, then the GM (its manager)
    answers last: what the GM is sent then, her /review status of it and of all, and
    the report once she closes it."""
    await say(bot, "grace", f"/review start {subject}")
    for key in first:
        await answer(bot, key)
    chat.clear()
    await answer(bot, "grace")
    told = chat.to("grace")
    await say(bot, "grace", f"/review status {subject}")
    one = chat.last("grace")
    await say(bot, "grace", "/review status")
    listing = chat.last("grace")
    await say(bot, "grace", f"/review close {subject}")
    return told, one, listing, chat.last("grace")


async def test_two_peers_both_answering_do_not_close_the_review_by_themselves(bot, chat):
    """Bruno's peers are Alice and Li, two: the report never counts them ("fewer than 3
    were asked"). Grace, his manager, answers last. When both peers had answered, the
    review closed at her last answer and the report came at once — telling her that both
    had; when one had not, nothing came. She now reads the same either way."""
    both = await gm_reads_after_answering_last(bot, chat, "bruno", ("bruno", "alice", "li"))
    one = await gm_reads_after_answering_last(bot, chat, "bruno", ("bruno", "alice"))
    assert both == one
    told, status, listing, report = both
    assert not any("360° review — Bruno Rossi" in t for t in told), told
    assert "🔄 360° review of Bruno Rossi — open" in status
    assert "no closing date: it closes with /review close bruno" in status
    assert "• Bruno Rossi — how many answered is not shown" in listing
    assert "fewer than 3 were asked and reached, so how many of them answered is not " \
        "shown" in report
    # In Chinese, for a GM who reads it so.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/review start bruno")
    await say(bot, "grace", "/review status bruno")
    assert "没有结束日期：用 /review close bruno 结束（所有人回答后也不会自动结束：同级与下属问卷" \
        "送达的少于 3 人或有人问卷尚未送达时，自动结束会透露谁已回答）。" in chat.last("grace")


async def test_a_review_of_three_or_more_peers_and_reports_still_closes_by_itself(bot, chat):
    """Alice's peers and report are three (counted together): everyone answering closes it,
    the report at once, as before (its counts say as much)."""
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review status alice")
    assert "no closing date: it closes when everyone has answered, or with " \
           "/review close alice" in chat.last("grace")
    for key in ("bruno", "li", "sam", "alice", "grace"):
        await answer(bot, key)
    assert chat.last("grace").startswith("🔄 360° review — Alice Martin")
    assert "• Peers and reports: 3 of 3 answered" in chat.last("grace")


async def test_a_rater_the_survey_never_reached_answering_last_does_not_close_it(
        settings, clock, tmp_path):
    """Bruno, away when the review began, is named by /review status as not reached; the
    counts leave him out even once he answers with /review, so that the GM cannot tell.
    Everyone else has answered. His answer closed the review, the report coming at once:
    he had answered. It now stays open, the status as it was, until the GM closes it."""
    org = TEST_ORG.read_text(encoding="utf-8").replace("\n# Company values",
                                                       MORE_PEERS + "\n# Company values")
    path = tmp_path / "org.yaml"
    path.write_text(org, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter(platform="telegram")
    bot.register(chat)

    async def says(user: str, text: str) -> None:
        await bot.handle(InboundEvent(platform="telegram", user_id=user, chat_id=user,
                                      chat_type="direct", text=text))
        await bot.drain()

    try:
        _bruno_away_on_telegram(bot, clock)
        await says("1001", "/review start alice")
        # Li, Carol, Dan (peers), Sam (report), Alice (self) and Grace (manager).
        for user in ("1004", "1007", "1008", "1006", "1002", "1001"):
            for _ in range(5):
                await says(user, "4")
        await says("1001", "/review status alice")
        before = chat.last("1001")
        assert "Bruno Rossi (away: asked once back)" in before
        assert "it closes with /review close alice" in before
        chat.clear()
        await says("1003", "/review")
        for _ in range(5):
            await says("1003", "4")
        assert chat.to("1001") == []  # no report at his last answer
        await says("1001", "/review status alice")
        assert chat.last("1001") == before
        await says("1001", "/review close alice")
        assert "• Peers and reports: 4 of 4 answered · 1 more could not be reached" \
            in chat.last("1001")
    finally:
        await bot.drain()
        engine.dispose()


async def test_a_scheduled_review_of_two_peers_waits_for_its_closing_date(bot, chat, clock):
    """Bruno's scheduled review (peers Alice and Li, not counted): all four raters answer.
    It closed then, days early — Bruno got his report, the GM saw it leave /review
    schedule: both peers had answered. It closes on its date, as with one peer silent."""
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY, scheduled

    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [bruno]"))
    clock.set(JAN_1_10AM_NY)
    await bot.run_review_schedule()
    for key in ("alice", "li", "bruno", "grace"):
        await answer(bot, key)
    assert not any(t.startswith("🔄 360° review — Bruno") for t in chat.to("bruno"))
    await say(bot, "grace", "/review schedule")
    assert "• Bruno Rossi — closes 2027-01-15 10:00" in chat.last("grace")
    await say(bot, "grace", "/review status bruno")
    assert "🔄 360° review of Bruno Rossi — open" in chat.last("grace")
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await bot.run_review_schedule()
    assert chat.last("bruno").startswith("🔄 360° review — Bruno Rossi")


async def _alice_reviewed_after_sam_left(bot, chat, sam_answers: bool
                                         ) -> tuple[list[str], str, str]:
    """Grace starts Alice's review (peers Bruno and Li, report Sam); Sam answers or not,
    then leaves the org file; everyone still here answers, Grace last. What Grace is sent
    then, her /review status of it, and the report once she closes it."""
    from bot.org import parse_org
    from tests.test_goals import without_sam

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8"))  # Sam here (again)
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    await say(bot, "grace", "/review start alice")
    if sam_answers:
        await answer(bot, "sam")
    bot.org = parse_org(without_sam(""))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    for key in ("bruno", "li", "alice"):
        await answer(bot, key)
    chat.clear()
    await answer(bot, "grace")
    told = chat.to("grace")
    await say(bot, "grace", "/review status alice")
    status = chat.last("grace")
    await say(bot, "grace", "/review close alice")
    return told, status, chat.last("grace")


async def test_a_report_who_left_keeps_the_review_from_closing_by_itself(bot, chat):
    """Sam, Alice's report, leaves the org file while her review is open. Everyone still
    here answering closed it, the report at once: "Peers and reports: 2 of 3 answered"
    pointed at Sam, who had not. It now waits for /review close (or its closing date),
    whether Sam had answered or not, and the status says so."""
    told, status, report = await _alice_reviewed_after_sam_left(bot, chat, False)
    assert not any("360° review — Alice Martin" in t for t in told), told
    assert "🔄 360° review of Alice Martin — open" in status
    assert "no closing date: it closes with /review close alice (not by itself once " \
        "everyone has answered" in status
    assert report.startswith("🔄 360° review — Alice Martin"), report
    # Sam having answered before he left: the same, so the closing tells nothing.
    told2, status2, _ = await _alice_reviewed_after_sam_left(bot, chat, True)
    assert not any("360° review — Alice Martin" in t for t in told2), told2
    assert "it closes with /review close alice (not by itself" in status2
    # In Chinese, for a GM who reads it so.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review status alice")
    assert "没有结束日期：用 /review close alice 结束（所有人回答后也不会自动结束" \
        in chat.last("grace")


async def test_a_scheduled_review_whose_report_left_closes_on_its_date(bot, chat, clock):
    """Alice's scheduled review: Sam, her report, leaves the org file; everyone else
    answers. It does not close then (that read "2 of 3 answered" beside Sam): the schedule
    shows its date, and on that date it closes and Alice gets her report."""
    from tests.test_goals import without_sam
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8")
                        + QUARTERLY.replace("directors: all", "directors: [alice]"))
    clock.set(JAN_1_10AM_NY)
    await bot.run_review_schedule()
    bot.org = parse_org(without_sam("") + QUARTERLY.replace("directors: all",
                                                             "directors: [alice]"))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    for key in ("bruno", "li", "alice", "grace"):
        await answer(bot, key)
    assert not any(t.startswith("🔄 360° review — Alice") for t in chat.to("alice"))
    await say(bot, "grace", "/review schedule")
    assert "• Alice Martin — closes 2027-01-15 10:00" in chat.last("grace")
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await bot.run_review_schedule()
    assert chat.last("alice").startswith("🔄 360° review — Alice Martin")


LEFT = {"en": "no closing date: it closes with /review close alice (not by itself once "
              "everyone has answered: someone asked as a peer or report has left the org "
              "since it began, and closing when the others have answered would tell whether "
              "they had answered).",
        "zh-CN": "没有结束日期：用 /review close alice 结束（所有人回答后也不会自动结束："
                 "有受邀的同级或下属在评估开始后离开了组织，其余人回答后自动结束会透露其是否已回答）。"}


async def test_the_status_names_a_rater_who_left_as_why_it_waits(bot, chat):
    """Sam, Alice's report, left while her review was open; everyone else has answered.
    /review status said it would not close by itself "with fewer than 3 peers and reports
    reached, or one the survey has not reached" — neither true (all three were reached),
    leaving the GM to wonder what to wait for. It says someone asked has left, not who,
    nor whether they had answered: the same words whether Sam had answered or not."""
    told, status, _ = await _alice_reviewed_after_sam_left(bot, chat, False)
    assert not any("360° review — Alice Martin" in t for t in told), told
    assert LEFT["en"] in status
    assert "fewer than 3" not in status and "Sam" not in status
    _, answered, _ = await _alice_reviewed_after_sam_left(bot, chat, True)
    assert LEFT["en"] in answered  # (its counts are Sam's answers', as before he left)
    await say(bot, "grace", "/language 中文")  # (kept through the org file's edits)
    _, chinese, _ = await _alice_reviewed_after_sam_left(bot, chat, False)
    assert LEFT["zh-CN"] in chinese
    assert "少于 3 人" not in chinese and "Sam" not in chinese
    await say(bot, "grace", "/review start alice")  # Sam gone: two peers alone asked
    await say(bot, "grace", "/review status alice")
    assert "（所有人回答后也不会自动结束：同级与下属问卷送达的少于 3 人或有人问卷尚未送达时，" \
        "自动结束会透露谁已回答）。" in chat.last("grace")
