"""What a director does mid check-in in Slack that is not a plain new DM message: a reply
in a question's thread, a file with words, an edit, an app posting for them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, LILEI, SlackHarness, dm_channel, message


def said(who: str, text: str, slack: SlackHarness, **extra: Any) -> dict[str, Any]:
    """A message `who` types in their DM now (dated by the test's clock, as Slack does)."""
    slack.clock.advance(timedelta(seconds=30))  # time to type it
    ts = f"{slack.clock.now().timestamp():.6f}"
    return message(who, text, channel=dm_channel(who), channel_type="im", ts=ts, **extra)


def in_thread_of(slack: SlackHarness, question: Any) -> dict[str, Any]:
    """The fields of a reply in the thread of the bot's message `question` in a DM."""
    return {"thread_ts": slack.ts_of(question), "parent_user_id": slack.fake.bot_user_id}


async def test_a_reply_in_an_earlier_questions_thread_is_not_filed_under_the_next(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Slack offers "Reply in thread" under each question. Alice answers her revenue,
    then replies "61000" in the revenue question's thread to fix it: it was taken as her
    new customers, the question asked since. Now she is told how to change an answer
    (李雷 in Chinese) and nothing is stored; a reply in the thread of the question waiting
    is its answer, and the next question comes in the DM itself."""
    fake.clock = lambda: slack.clock.now().timestamp()  # Slack's clock and ours agree
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    for who in (ALICE, LILEI):
        revenue = slack.posts(who)[-1]
        await slack.event(said(who, "52000", slack))
        await slack.event(said(who, "61000", slack, **in_thread_of(slack, revenue)))
    assert slack.last_text(ALICE) == (
        "You replied to an earlier message, so I didn't take this as an answer: a new "
        "message answers the question I asked last. To change an answer you already gave, "
        "send /edit.")
    assert slack.last_text(LILEI) == (
        "你回复的是之前的一条消息，所以我没有把它当作回答：直接发送的新消息会作为我最后提出的那个问题的"
        "回答。要修改已经给出的回答，请发送 /edit。")
    assert slack.counts()["answers"] == 2
    customers = next(p for p in reversed(slack.posts(ALICE))
                     if "Question 2 of 8" in p.params["text"])
    await slack.event(said(ALICE, "3", slack, **in_thread_of(slack, customers)))
    assert slack.counts()["answers"] == 3
    assert "Question 3 of 8" in slack.last_text(ALICE)
    assert "thread_ts" not in slack.posts(ALICE)[-1].params  # in the DM, not the thread


async def test_a_file_with_words_an_edit_and_an_apps_post_mid_check_in(
        slack: SlackHarness, bot) -> None:
    """李雷 uploads a screenshot with "8000" typed in the message: the words are his answer
    (the file itself is not kept). He edits it to 9000: not read, he is told how to change
    it, in Chinese. A workflow posting "70000" as Alice is no answer of hers."""
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    sent = said(LILEI, "8000", slack, subtype="file_share", files=[{"id": "F1"}])
    await slack.event(sent)
    assert "第 2 题，共 7 题" in slack.last_text(LILEI)
    await slack.edit(sent, "9000")
    assert slack.last_text(LILEI) == (
        "我不读取编辑过的消息。新发送的消息会作为我最后提出的那个问题的回答；要修改已经给出的签到回答，"
        "请发送 /edit。")
    await slack.event(said(ALICE, "70000", slack, bot_id="B0WF", app_id="A0WF"))
    await slack.event({**said(ALICE, "70000", slack), "subtype": "bot_message",
                       "bot_id": "B0X"})
    assert "Question 1 of 8" in slack.last_text(ALICE)
    with bot.unit() as ctx:
        from storage.models import Answer
        assert [a.number_value for a in ctx.session.query(Answer)] == [8000]


async def test_a_reply_in_the_thread_of_ones_own_answer_is_no_answer_to_the_next(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Alice replies in the thread of her own "52000" to fix it: not her new customers."""
    fake.clock = lambda: slack.clock.now().timestamp()
    await bot.run_checkins(["alice"])
    await slack.settle()
    answer = said(ALICE, "52000", slack)
    slack.clock.advance(timedelta(seconds=1))  # Slack delivers it a moment after
    await slack.event(answer)
    await slack.event(said(ALICE, "61000", slack, thread_ts=answer["ts"],
                           parent_user_id=ALICE))
    assert slack.last_text(ALICE).startswith("You replied to an earlier message")
    assert slack.counts()["answers"] == 1


async def test_words_with_a_file_mid_check_in_are_the_answer_and_the_file_is_said_not_kept(
        slack: SlackHarness, bot) -> None:
    """Alice sends "52000" with a screenshot of her revenue, 李雷 "8000" with his: the
    words were stored as the answer and the screenshot dropped without a word, so they
    took it to be kept beside the answer, for the GM to see. Now each is told, in their
    language, that only the words were read, before the next question (which stays the
    last message); once a day at most, as the deleted-message note is limited."""
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    shot = {"subtype": "file_share", "files": [{"id": "F1", "name": "revenue.png"}]}
    await slack.event(said(ALICE, "52000", slack, **shot))
    await slack.event(said(LILEI, "8000", slack, **shot))
    assert [p.params["text"] for p in slack.posts(ALICE)][-2] == (
        "I read the words you sent with your file; the file itself isn't kept.")
    assert "Question 2 of 8" in slack.last_text(ALICE)
    assert [p.params["text"] for p in slack.posts(LILEI)][-2] == (
        "我读取了你随文件发送的文字；文件本身不会保存。")
    assert "第 2 题，共 7 题" in slack.last_text(LILEI)
    with bot.unit() as ctx:
        from storage.models import Answer
        assert sorted(a.number_value for a in ctx.session.query(Answer)) == [8000, 52000]
    # Another file the same day: the answer is taken, the note not said again.
    told = len(slack.posts(ALICE))
    await slack.event(said(ALICE, "3", slack, **shot))
    assert len(slack.posts(ALICE)) == told + 1
    assert "Question 3 of 8" in slack.last_text(ALICE)
    # A day later it is said again.
    slack.clock.advance(timedelta(hours=24))
    await slack.event(said(ALICE, "2", slack, **shot))
    assert [p.params["text"] for p in slack.posts(ALICE)][-2].startswith(
        "I read the words you sent with your file")
    assert "Question 4 of 8" in slack.last_text(ALICE)
