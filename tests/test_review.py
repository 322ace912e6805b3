"""360° review: surveys to manager, peers, reports and self; anonymity; the report."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from sqlalchemy import select

from bot.app import prepare
from bot.cli import main
from handlers.review import CRITERIA
from storage.review import ReviewAnswer, ReviewInvite
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, direct_message, reads_side_by_side, run_cli, say

ANSWERS = {
    "grace": ["4 Strong quarter", "4", "3", "4", "5 Weekly one-on-ones"],
    "bruno": ["3", "3", "2 Slow to share leads", "3", "3"],
    "li": ["5", "4", "4", "4", "4 沟通顺畅"],
    "sam": ["2", "2 Not enough coaching", "3", "3", "2"],
    "alice": ["4", "3", "3", "4", "4"],
}


async def run_review(bot, chat) -> None:
    await say(bot, "grace", "/review start alice")
    for key, answers in ANSWERS.items():
        for text in answers:
            await say(bot, key, text)


async def test_a_360_round_with_a_small_group_merged(bot, chat):
    await say(bot, "grace", "/review start alice")
    assert any("360° review of Alice Martin started: 1 manager, 2 peers, 1 report and the "
               "self-assessment asked" in t for t in chat.to("grace"))
    assert "as a fellow director" in chat.to("bruno")[0]
    assert "anonymous" in chat.to("sam")[0]
    for key, answers in ANSWERS.items():
        for text in answers:
            await say(bot, key, text)
    # Nothing a peer or report chose is said back to them.
    assert all("Slow to share" not in t and "2 " not in t.split("\n")[0]
               for t in chat.to("bruno")[-1:])
    report = chat.last("alice")
    assert report == chat.last("grace")
    assert report.startswith("🔄 360° review — Alice Martin")
    # Peers (2) and the one report are below 3 each: shown together (3), and said so.
    assert "Peers and reports are shown together" in report
    assert ("• Goal and plan completion: manager 4 · peers and reports 3.33 · self 4 · "
            "others 3.5") in report
    assert "Comments — peers and reports\n• Team management (hiring, training, motivating): " \
           "Not enough coaching\n• Cooperation with other departments: Slow to share leads" \
           in report
    assert "Comments — manager" in report and "Weekly one-on-ones" in report
    # The answers carry no person for peers and reports; the manager's are named.
    with bot.unit() as ctx:
        rows = list(ctx.session.scalars(select(ReviewAnswer)))
        assert {r.rater_key for r in rows if r.rater_group in {"peer", "report"}} == {None}
        assert {r.rater_key for r in rows if r.rater_group == "manager"} == {"grace"}
        assert all(i.done for i in ctx.session.scalars(select(ReviewInvite)))


async def test_a_peer_made_gm_reads_no_group_of_three_holding_their_own_ratings(bot, chat):
    """Bruno, one of the three peers and reports whose ratings of Alice show merged
    ('peers and reports 3.33'), is made GM by the org file. His /review report alice read
    the same, and he took his own 3 out: Li's and Sam's together, 3.5. A group holding the
    reader's own ratings now needs one answer more (4), as a pulse poll's group does; the
    report says why, in his language. Grace, the GM at the close, read it merged (guard)."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org

    await run_review(bot, chat)
    assert "peers and reports 3.33" in chat.last("grace")
    text = TEST_ORG.read_text()
    text = text.replace("  - key: grace\n    name: Grace Chen\n    role: gm\n",
                        "  - key: grace\n    name: Grace Chen\n    role: director\n", 1)
    text = text.replace("  - key: bruno\n    name: Bruno Rossi\n    role: director\n",
                        "  - key: bruno\n    name: Bruno Rossi\n    role: gm\n", 1)
    edit_org(bot, text)
    await say(bot, "bruno", "/review report alice")
    report = chat.last("bruno")
    assert "peers and reports 3.33" not in report and "3.33" not in report
    assert "• Goal and plan completion: manager 4 · self 4 · others 4" in report
    assert "Slow to share leads" not in report and "Not enough coaching" not in report
    assert "need 4 answers where they hold the GM's own" in report
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").locale = "zh-CN"
    await say(bot, "bruno", "/review report alice")
    assert "需至少 4 份回答才显示" in chat.last("bruno")


async def rated_by_a_peer_made_gm(bot, chat, raters: tuple[str, ...]) -> tuple[str, str]:
    """Bruno rates Alice as a peer, then the org file makes him GM (Grace a director, still
    Alice's manager as asked) while her review is open; `raters` answer, and Bruno closes
    it: his copy of the report and Alice's."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org

    await say(bot, "grace", "/review start alice")
    for text in ANSWERS["bruno"]:
        await say(bot, "bruno", text)
    text = TEST_ORG.read_text()
    text = text.replace("  - key: grace\n    name: Grace Chen\n    role: gm\n",
                        "  - key: grace\n    name: Grace Chen\n    role: director\n", 1)
    text = text.replace("  - key: bruno\n    name: Bruno Rossi\n    role: director\n",
                        "  - key: bruno\n    name: Bruno Rossi\n    role: gm\n", 1)
    edit_org(bot, text)
    for key in raters:
        for answer in ANSWERS[key]:
            await say(bot, key, answer)
    if "li" not in raters:
        await say(bot, "bruno", "/review close alice")
    return chat.last("bruno"), chat.last("alice")


async def test_the_director_is_not_told_that_the_gm_who_was_their_peer_answered(bot, chat):
    """The GM's copy needs 4 answers in a group holding his own ratings, and says why;
    Alice's copy said so too — "the GM, a peer or report of this director before becoming
    GM" was one of the 2 of 3 who answered, which told her who. She holds no rating in
    the group: her copy reads as any director's, with the threshold of 3."""
    gm, own = await rated_by_a_peer_made_gm(bot, chat, ("grace", "sam", "alice"))
    assert "Peers and reports: 2 of 3 answered" in gm and "Peers and reports: 2 of 3" in own
    assert "need 4 answers where they hold the GM's own" in gm
    assert "GM" not in own and "need 4" not in own
    assert "Peers' and reports' ratings and comments are withheld: fewer than 3 answered" \
        in own


async def test_the_director_reads_three_answers_that_hold_the_gm_s_own(bot, chat):
    """Three of three answered, Bruno's ratings among them: withheld from him (he would
    take his out and read the other two's), shown to Alice, who can take out none."""
    gm, own = await rated_by_a_peer_made_gm(bot, chat, ("li", "sam", "grace", "alice"))
    assert "peers and reports 3.33" in own and "GM" not in own
    assert "Slow to share leads" in own
    assert "3.33" not in gm and "Slow to share leads" not in gm
    assert "need 4 answers where they hold the GM's own" in gm


async def test_a_group_too_small_even_merged_is_withheld(bot, chat):
    await say(bot, "grace", "/review start alice")
    for text in ANSWERS["sam"]:  # only the one report answers
        await say(bot, "sam", text)
    await say(bot, "grace", "/review close alice")
    report = chat.last("grace")
    assert "Peers' and reports' ratings and comments are withheld: fewer than 3 answered" in report
    assert "Not enough coaching" not in report and "reports 2" not in report
    assert "• Goal and plan completion: self — · others —" in report
    # A late answer after closing is not recorded.
    await say(bot, "bruno", "3")
    with bot.unit() as ctx:
        groups = [r.rater_group for r in ctx.session.scalars(select(ReviewAnswer))]
    assert groups == ["report"] * 5


async def test_the_director_is_never_told_who_has_answered_about_them(bot, chat):
    """README: "A director cannot ask (the command is the GM's), and is never told who has
    answered about them." As her manager, peers and report answer, Alice hears nothing;
    her /review status, /review report and /review close are refused alike, whoever has
    answered; the report comes once, at the close."""
    await say(bot, "grace", "/review start alice")
    before = list(chat.to("alice"))  # her own survey's invitation and first question
    refusals = []
    for key, answers in ANSWERS.items():
        if key == "alice":
            continue
        for text in answers:
            await say(bot, key, text)
            assert chat.to("alice") == before + refusals, (key, text)
        for typed in ("/review status", "/review status alice", "/review report alice"):
            await say(bot, "alice", typed)
            refusals.append(chat.last("alice"))
    assert set(refusals) == {"Only the GM starts and closes 360° reviews. If you were asked "
                             "to answer one, send /review."}
    for text in ANSWERS["alice"]:
        await say(bot, "alice", text)
    assert chat.last("alice").startswith("🔄 360° review — Alice Martin")


async def test_only_the_gm_starts_a_review_and_bad_ratings_are_explained(bot, chat):
    await say(bot, "alice", "/review start bruno")
    assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
    await say(bot, "grace", "/review start sam")
    assert chat.last("grace").startswith("sam is not a director in the org file")
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review start alice")
    assert chat.last("grace").startswith("A 360° review of Alice Martin is already open.")
    await say(bot, "bruno", "great guy")
    assert chat.last("bruno").startswith("Please start with a rating from 1 to 5")
    await say(bot, "li", "4 好")
    assert chat.last("li").startswith("2/5 · 团队管理（招聘、培训、激励）")


async def test_the_report_from_the_command_line(bot, chat, settings, monkeypatch, tmp_path,
                                                capsys):
    await run_review(bot, chat)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(settings.org_file))
    assert main(["--env-file", "/dev/null", "review", "alice", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["groups_shown"] == ["manager", "peer+report"] and data["notes"] == ["merged"]
    # Two peers and one report asked: counted together only ("1 report answered" of a
    # director with one report would say whose answers are in).
    assert data["raters"] == {"manager": 1, "peer": None, "report": None, "self": 1}
    assert data["response"] == {"groups": [
        {"group": "manager", "asked": 1, "answered": 1, "not_reached": 0},
        {"group": "peer+report", "asked": 3, "answered": 3, "not_reached": 0},
        {"group": "self", "asked": 1, "answered": 1, "not_reached": 0}],
        "overall": {"asked": 5, "answered": 5, "not_reached": 0, "rate": 1.0}}
    assert data["criteria"][0] == {"criterion": "goals", "self": 4.0, "others": 3.5,
                                   "groups": {"manager": 4.0, "peer+report": 3.33}}
    assert main(["--env-file", "/dev/null", "review", "alice"]) == 0
    assert capsys.readouterr().out.startswith("# 🔄 360° review — Alice Martin")


async def test_control_characters_in_a_review_comment_are_dropped_not_stored(bot, chat):
    # A NUL pasted into a comment failed on PostgreSQL ("something went wrong", the rating
    # lost); a terminal escape was stored as typed.
    await say(bot, "grace", "/review start alice")
    await say(bot, "bruno", "3 Slow to\x00 share \x1b[31mleads\x1b[0m")
    assert "went wrong" not in chat.last("bruno")
    assert chat.last("bruno").startswith("2/5")
    with bot.unit() as ctx:
        [answer] = ctx.session.scalars(select(ReviewAnswer))
        assert (answer.rating, answer.comment) == (3, "Slow to share leads")


async def test_ratings_as_a_chinese_keyboard_types_them(bot, chat):
    # 李雷 answers as he writes Chinese: a full-width digit, a Chinese numeral, '分' after
    # the score, a full-width comma or colon before the comment. Each was refused with
    # '请以 1 到 5 的分数开头' though each is a plain rating.
    await say(bot, "grace", "/review start alice")
    for text, question in [("４", "2/5"), ("四分", "3/5"), ("3分，合作一般", "4/5"),
                           ("五：策略清晰", "5/5")]:
        await say(bot, "li", text)
        assert chat.last("li").startswith(question), (text, chat.last("li"))
    await say(bot, "li", "4。沟通顺畅")
    assert "请以 1 到 5" not in chat.last("li")
    with bot.unit() as ctx:
        # In the survey's order of criteria (the answers' keys are random: see
        # tests/test_review_anonymity.py).
        rows = [(a.rating, a.comment) for a in sorted(
            ctx.session.scalars(select(ReviewAnswer)), key=lambda a: CRITERIA.index(a.criterion))]
    assert rows == [(4, None), (4, None), (3, "合作一般"), (5, "策略清晰"), (4, "沟通顺畅")]
    # Still refused: a number outside 1-5, or none.
    await say(bot, "grace", "4")
    await say(bot, "grace", "六分")
    assert chat.last("grace").startswith("Please start with a rating from 1 to 5")
    await say(bot, "grace", "10")
    assert chat.last("grace").startswith("Please start with a rating from 1 to 5")


async def test_a_criterion_fewer_than_3_anonymous_raters_answered_is_withheld(bot, chat):
    # Bruno answers the whole survey; Li and Sam stop after the first question. Three
    # anonymous raters "answered", so peers and reports are shown merged, but from the
    # second question on only Bruno's ratings were there: the report printed his own
    # rating as the group's average ('peers and reports 2'), and 'others' with the
    # manager's named rating beside it gave it away too.
    await say(bot, "grace", "/review start alice")
    for text in ["4", "4", "3", "4", "5"]:
        await say(bot, "grace", text)
    for text in ["3", "3", "2 Slow to share leads", "3", "3"]:
        await say(bot, "bruno", text)
    await say(bot, "li", "5")
    await say(bot, "sam", "2")
    await say(bot, "grace", "/review close alice")
    report = chat.last("alice")
    assert "• Goal and plan completion: manager 4 · peers and reports 3.33 · self — · " \
           "others 3.5" in report
    assert ("• Cooperation with other departments: manager 3 · peers and reports — · "
            "self — · others 3") in report
    assert "peers and reports 2" not in report and "others 2.5" not in report
    assert ("Where fewer than 3 peers and reports answered a question, their ratings and "
            "comments for it are withheld.") in report
    # A Chinese reader of the same report (the GM's language may be Chinese).
    from handlers.review import COMMENTS_SHOWN, build_report, latest_closed_round

    with bot.unit() as ctx:
        built = build_report(ctx.session, bot.org, latest_closed_round(ctx.session, "alice"))
    zh = bot.renderer.message("zh-CN", "review_report", report=built,
                              comments_shown=COMMENTS_SHOWN)
    assert "同级与下属回答少于 3 份的问题，不显示其评分和评语。" in zh
    assert "：上级 3 · 同级与下属 — · 自评 — · 他评 3" in zh


async def test_a_comment_is_withheld_with_its_criterions_ratings(bot, chat, settings):
    # Bruno answers the whole survey; Li and Sam stop after the first question. The
    # cooperation question's ratings were withheld (one anonymous rater answered it), but
    # Bruno's comment on it was still listed under it, as identifying as his rating.
    await say(bot, "grace", "/review start alice")
    for text in ["4", "4", "3 Works well with finance", "4", "5"]:
        await say(bot, "grace", text)
    for text in ["3 Good pipeline", "3", "2 Slow to share leads", "3", "3"]:
        await say(bot, "bruno", text)
    await say(bot, "li", "5 Solid numbers")
    await say(bot, "sam", "2")
    for text in ["4", "3", "3 Could share more", "4", "4"]:
        await say(bot, "alice", text)
    await say(bot, "grace", "/review close alice")
    report = chat.last("alice")
    assert report == chat.last("grace")
    assert "Slow to share leads" not in report
    # The goals question three answered: its comments are shown, merged as its ratings.
    assert ("Comments — peers and reports\n• Goal and plan completion: Good pipeline\n"
            "• Goal and plan completion: Solid numbers") in report
    # The named manager's and the self-assessment's comments stay as they were.
    assert "Comments — manager\n• Cooperation with other departments: Works " \
           "well with finance" in report
    assert "Comments — self\n• Cooperation with other departments: Could share more" in report
    assert ("Where fewer than 3 peers and reports answered a question, their ratings and "
            "comments for it are withheld.") in report
    from handlers.review import COMMENTS_SHOWN, build_report, latest_closed_round

    with bot.unit() as ctx:
        built = build_report(ctx.session, bot.org, latest_closed_round(ctx.session, "alice"))
    zh = bot.renderer.message("zh-CN", "review_report", report=built,
                              comments_shown=COMMENTS_SHOWN)
    assert "Slow to share leads" not in zh and "Solid numbers" in zh
    assert "同级与下属回答少于 3 份的问题，不显示其评分和评语。" in zh
    # The command line: every format leaves it out, and keeps the others.
    code, md = run_cli(settings, "review", "alice")
    assert code == 0 and "Slow to share leads" not in md and "Solid numbers" in md
    code, out = run_cli(settings, "review", "alice", "--format", "json")
    comments = json.loads(out)["comments"]
    assert comments["peer+report"] == [
        {"criterion": "goals", "comment": "Good pipeline"},
        {"criterion": "goals", "comment": "Solid numbers"}]
    assert comments["manager"] == [{"criterion": "cooperation",
                                    "comment": "Works well with finance"}]
    assert comments["self"] == [{"criterion": "cooperation", "comment": "Could share more"}]
    code, out = run_cli(settings, "review", "alice", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    said = [(r["criterion"], r["group"], r["comment"]) for r in rows if r["comment"]]
    assert said == [("cooperation", "manager", "Works well with finance"),
                    ("goals", "peer+report", "Good pipeline"),
                    ("goals", "peer+report", "Solid numbers"),
                    ("cooperation", "self", "Could share more")]


async def test_a_rater_who_left_does_not_hold_the_review_open(bot, chat):
    from bot.org import parse_org
    from tests.test_goals import without_sam

    await say(bot, "grace", "/review start alice")
    # Sam, Alice's report, leaves before answering: he is taken out of the org file.
    bot.org = parse_org(without_sam(""))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    for key, answers in ANSWERS.items():
        if key != "sam":
            for text in answers:
                await say(bot, key, text)
    # Everyone who is still here has answered. Closing now, the report said "2 of 3
    # answered" beside Sam who left: it waits for the GM (or its date), Sam not awaited.
    assert not chat.last("grace").startswith("🔄 360° review — Alice Martin")
    await say(bot, "grace", "/review close alice")
    report = chat.last("alice")
    assert report.startswith("🔄 360° review — Alice Martin"), report
    assert report == chat.last("grace") and "Still open" not in report


async def test_the_gm_names_the_director_as_people_write_them(bot, chat):
    # '/review start 李雷' was answered '李雷 不是组织文件中的总监' though he is one;
    # '/review start Alice Martin' got the usage, '/review start ＠alice' 'not a director'.
    await say(bot, "grace", "/review start 李雷")
    assert chat.last("grace").startswith("360° review of 李雷 started"), chat.last("grace")
    await say(bot, "grace", "/review close 李雷")
    assert "🔄 360° review — 李雷" in chat.last("grace")
    await say(bot, "grace", "/review start Alice Martin")
    assert chat.last("grace").startswith("360° review of Alice Martin started")
    await say(bot, "grace", "/review close ＠alice")
    assert "🔄 360° review — Alice Martin" in chat.last("grace")
    await say(bot, "grace", "/review start Sam Lee")
    assert chat.last("grace").startswith("Sam Lee is not a director in the org file")
    # Two directors with one name: neither is guessed.
    from bot.org import parse_org
    from tests.support import TEST_ORG

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
        "name: Bruno Rossi", "name: Alice Martin"))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    await say(bot, "grace", "/review start alice martin")
    assert chat.last("grace") == ("2 people are called Alice Martin; name one by key: "
                                  "/review start alice (team East), "
                                  "/review start bruno (team Europe).")
    # The keys offered are for the command asked (it offered '/review start' for a report).
    await say(bot, "grace", "/review report alice martin")
    assert chat.last("grace") == ("2 people are called Alice Martin; name one by key: "
                                  "/review report alice (team East), "
                                  "/review report bruno (team Europe).")


@pytest.mark.skipif(not SERVER_URL, reason="two replicas at once need PostgreSQL "
                                           "(TEST_DATABASE_URL); SQLite has one writer")
async def test_two_ratings_handled_at_once_by_two_replicas_rate_two_criteria(
        settings, bot, chat, clock, monkeypatch, watcher):
    # Bruno, a peer, types his first two ratings in quick succession; each message
    # reaches another replica, and both read him at the first criterion before either
    # wrote. Both were stored against it: an anonymous average counted him twice, and
    # the second criterion was asked of him again.
    other, engine = prepare(settings, clock)
    other.register(RecordingAdapter())
    await say(bot, "grace", "/review start alice")
    with reads_side_by_side(monkeypatch, watcher):
        await asyncio.gather(bot.handle(direct_message("bruno", "3", "m1")),
                             other.handle(direct_message("bruno", "2", "m2")))
    with bot.unit() as ctx:
        rows = list(ctx.session.scalars(select(ReviewAnswer).where(
            ReviewAnswer.rater_group == "peer")))
        invite = next(i for i in ctx.session.scalars(select(ReviewInvite))
                      if i.rater_group == "peer" and i.answered)
        assert sorted(r.criterion for r in rows) == sorted(CRITERIA[:2])
        assert sorted(r.rating for r in rows) == [2, 3]
        assert invite.answered == 2
    engine.dispose()


async def test_review_alone_with_no_survey_waiting_says_so_not_the_gms_commands(bot, chat):
    """A rater who has finished (or was never asked) and sends /review to carry on is told
    no survey waits, in their language, not handed the GM's /review start|close forms."""
    await run_review(bot, chat)  # every rater has answered: the review has closed
    await say(bot, "sam", "/review")
    assert chat.last("sam") == ("No 360° survey is waiting for your answers. When you are "
                                "asked to rate someone, the survey comes to you by DM.")
    await say(bot, "li", "/review")
    assert chat.last("li") == "目前没有等你填写的 360° 问卷。邀请你评价某人时，问卷会以私信发给你。"
    # The GM hears the same, then their own commands.
    await say(bot, "grace", "/review")
    first, rest = chat.last("grace").split("\n", 1)
    assert first.startswith("No 360° survey is waiting") and "/review start alice" in rest


async def test_pause_and_skip_typed_as_words_in_a_survey(bot, chat):
    """'pause'/'暂停' put a survey aside as they do a check-in; 'skip'/'跳过' say a rating
    cannot be skipped and how to put it aside; neither is "start with a rating"."""
    await say(bot, "grace", "/review start alice")
    await say(bot, "bruno", "skip")
    assert chat.last("bruno") == ("This question can't be skipped: please answer it, or send "
                                  "/pause to put it aside (/review brings it back).")
    await say(bot, "bruno", "pause")
    assert chat.last("bruno") == ("Paused. Your answers so far are saved; send /review "
                                  "whenever you want to continue.")
    await say(bot, "li", "跳过")
    assert chat.last("li") == ("这个问题不能跳过：请回答它，或发送 /pause 暂时搁置"
                               "（发送 /review 可继续）。")
    await say(bot, "li", "暂停")
    assert chat.last("li") == "已暂停。已回答的内容都已保存；想继续时发送 /review 即可。"
    # A rating typed after pausing is no answer; the reply says the survey waits.
    await say(bot, "li", "4")
    assert chat.last("li") == ("我现在没有在等你的回答。有一份邀请你填写的 360° 问卷还在等你："
                               "发送 /review 继续。发送 /checkin 开始每周签到，"
                               "或发送 /help 查看全部功能。")
    await say(bot, "sam", "/pause")
    await say(bot, "sam", "4")
    assert chat.last("sam") == (
        "I'm not waiting for an answer from you right now. A 360° survey you were asked to "
        "answer is waiting: send /review to carry on. Send /help to see everything I can do.")
    await say(bot, "li", "/review")
    assert chat.last("li").startswith("1/5 · ")
    with bot.unit() as ctx:
        assert list(ctx.session.scalars(select(ReviewAnswer))) == []


async def test_a_survey_waits_for_a_rater_away_until_they_are_back(bot, chat, clock):
    # The survey and its first question reached Sam and 李雷 on holiday; each waits until
    # they are back, then comes once (the sweep runs every 5 minutes), and counts as asked.
    from datetime import timedelta

    await say(bot, "sam", "/away 2026-11-30")  # Friday: away until Monday
    await say(bot, "li", "/away 2026-12-01")
    chat.clear()
    await say(bot, "grace", "/review start alice")
    assert "1 manager, 2 peers, 1 report and the self-assessment asked" in chat.last("grace")
    assert chat.to("sam") == [] and chat.to("li") == []
    assert "as a fellow director" in chat.to("bruno")[0]
    assert await bot.run_review_held() == 0  # still away: nothing
    clock.advance(timedelta(days=4))  # Tuesday 16:00 in New York; Wednesday in Shanghai
    assert await bot.run_review_held() == 2
    invite, question = chat.to("sam")
    assert invite.startswith("📋 You're asked for feedback on Alice Martin as one of their team")
    assert question.startswith("1/5 · Goal and plan completion: how would you rate Alice")
    assert chat.to("li")[0].startswith("📋 邀请你以")
    assert await bot.run_review_held() == 0  # once
    for text in ANSWERS["sam"]:
        await say(bot, "sam", text)
    assert len(chat.to("sam")) == 2 + len(ANSWERS["sam"])


async def test_a_survey_that_waited_while_away_is_not_asked_before_its_invitation(
        bot, chat, clock):
    """Bruno, away when Alice's review began, is back; before the sweep sends him the
    survey that waited (every 5 minutes), he answers his check-in. Its end asked him
    "1/5 · how would you rate Alice Martin" cold — not told who asks, that his answers
    are anonymous, how many questions —, and the invitation came after, saying the first
    question would follow. Now the sweep sends the invitation, then the first question."""
    from datetime import timedelta

    await say(bot, "bruno", "/away 2026-11-30")
    await say(bot, "grace", "/review start alice")
    clock.advance(timedelta(days=4))  # Tuesday: he is back
    chat.clear()
    await say(bot, "bruno", "/checkin")
    for text in ["40000", "Closed Acme", "Pricing pushback", "1", "Visit 5", "4"]:
        await say(bot, "bruno", text)
    assert "your check-in for 2026-W49 is in" in chat.last("bruno")
    assert not any("how would you rate" in t for t in chat.to("bruno"))
    chat.clear()
    assert await bot.run_review_held() == 1
    invite, question = chat.to("bruno")
    assert invite.startswith("📋 You're asked for feedback on Alice Martin as a fellow director")
    assert "when you've finished" not in invite
    assert question.startswith("1/5 · Goal and plan completion: how would you rate Alice")


async def test_back_sends_the_survey_that_waited_at_once_and_the_sweep_not_again(
        bot, chat, clock):
    # A survey held while Sam was away went out only at the sweep after his period ended
    # (every 5 minutes, or days later for a period cut short with /back). Said /back, it
    # comes now, his alone, once; the reply says it follows.
    from datetime import timedelta

    await say(bot, "sam", "/away 2026-12-04")
    await say(bot, "li", "/away 2026-12-04")
    chat.clear()
    await say(bot, "grace", "/review start alice")
    assert chat.to("sam") == [] and chat.to("li") == []
    clock.advance(timedelta(days=1))
    await say(bot, "sam", "/back")
    reply, invite, question = chat.to("sam")
    assert reply.endswith("What waited for you while you were away follows now: "
                          "1 360° survey.")
    assert invite.startswith("📋 You're asked for feedback on Alice Martin as one of their team")
    assert question.startswith("1/5 · Goal and plan completion: how would you rate Alice")
    assert chat.to("li") == []  # still away: hers waits
    assert await bot.run_review_held() == 0
    assert len(chat.to("sam")) == 3
    await say(bot, "li", "/back")
    assert chat.to("li")[0].endswith("你外出期间等着你的内容现在发送：1 份 360° 问卷。")
    assert chat.last("li").startswith("1/5 · ")
    assert await bot.run_review_held() == 0
    # Back again with nothing waiting: the reply says nothing of it.
    await say(bot, "sam", "/back")
    assert chat.last("sam") == "You weren't away."
