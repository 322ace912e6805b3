"""A photo's caption sent mid check-in on Telegram (the real python-telegram-bot client,
fake API): read as the answer, as Slack reads the words sent with a file.

A director sends the screenshot of the week's revenue with the figure typed under it: it
was answered "I can only read text messages", though the figure was plain to read.
"""

from __future__ import annotations

from datetime import timedelta

from storage.models import Answer
from tests.telegram.conftest import ALICE, GRACE, LI, TG
from tests.telegram.test_kudos_captions import in_group, photo

NOT_KEPT = "I read the words you sent with your file; the file itself isn't kept."


def answers(tg: TG) -> list[float]:
    """The figures stored, of everyone's check-ins."""
    with tg.bot.unit() as ctx:
        return sorted(a.number_value for a in ctx.session.query(Answer)
                      if a.number_value is not None)


async def test_a_caption_mid_check_in_is_the_answer_and_the_photo_said_not_kept(
        tg: TG) -> None:
    """Alice sends her revenue screenshot captioned "52000", then "3 new customers" under
    another: both are her answers; she is told once that the picture itself is not kept,
    before the next question, which stays the last message. The GM's summary shows them."""
    await tg.checkins("alice", "li")
    await tg.send(photo(tg.fake.private_message(ALICE, ""), "52000", []))
    assert tg.shown(ALICE)[-2] == NOT_KEPT
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]
    told = len(tg.shown(ALICE))
    await tg.send(photo(tg.fake.private_message(ALICE, ""), "3 new customers", []))
    assert len(tg.shown(ALICE)) == told + 1  # once a day: the note is not said again
    assert "Question 3 of 8" in tg.shown(ALICE)[-1]
    for answer in ["Big win", "None really", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    await tg.say(GRACE, "/summary")
    summary = tg.shown(GRACE)[-1]
    assert "Revenue 52,000 / 110,000 USD" in summary, summary
    assert "New customers 3 / 4 customers" in summary, summary
    # In Chinese, the same.
    await tg.send(photo(tg.fake.private_message(LI, ""), "6万", []))
    assert tg.shown(LI)[-2] == "我读取了你随文件发送的文字；文件本身不会保存。"
    assert answers(tg) == [3.0, 4.0, 52000.0, 60000.0]  # (4: Alice's confidence)
    # A day later it is said again; a text question takes a caption as well.
    tg.clock.advance(timedelta(hours=25))
    await tg.send(photo(tg.fake.private_message(LI, ""), "签下了 Acme", []))
    assert tg.shown(LI)[-2] == "我读取了你随文件发送的文字；文件本身不会保存。"
    assert "第 3 题，共 7 题" in tg.shown(LI)[-1]
    with tg.bot.unit() as ctx:
        assert "签下了 Acme" in [a.text_value for a in ctx.session.query(Answer)]


async def test_a_caption_runs_no_command_and_a_group_photo_answers_nothing(tg: TG) -> None:
    """Mid check-in, a caption is no command ("/skip" under a screenshot gets the text-only
    hint, as before, and skips nothing); a photo posted in the team's group answers no
    question; with no question waiting, a caption is read for kudos only, as before."""
    await tg.checkins("alice")
    await tg.send(photo(tg.fake.private_message(ALICE, ""), "/skip", []))
    assert tg.shown(ALICE)[-1] == ("I can only read text messages: please type your answer "
                                   "to the question above.")
    await tg.send(in_group(tg, ALICE, "52000", []))
    assert answers(tg) == []
    await tg.say(ALICE, "/pause")
    await tg.send(photo(tg.fake.private_message(ALICE, ""), "52000", []))
    assert answers(tg) == []
    assert tg.shown(ALICE)[-1] == ("I can only read text messages. Send /help to see what I "
                                   "can do.")
