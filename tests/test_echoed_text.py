"""What one person types, shown to others: it stays their words and never takes over the
message around it (the bot's own words and figures, other people's lines)."""

from __future__ import annotations

import pytest

from bot.events import InboundEvent
from bot.render import Renderer
from tests.support import RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of
from tests.test_digest import MONDAY_8AM_SHANGHAI, digests
from tests.test_summary_gm import LI, alice, blocks, weeks_of_checkins

RLO, PDF = "\u202e", "\u202c"  # right-to-left override, and what ends it


def open_overrides(text: str) -> int:
    """How many bidi embeddings or overrides are still open at the end of `text`'s last
    line: the text after that point on the line is shown turned around."""
    depth = 0
    for ch in text.rsplit("\n", 1)[-1]:
        if ch in "\u202a\u202b\u202d\u202e":
            depth += 1
        elif ch == PDF and depth:
            depth -= 1
    return depth


async def test_a_right_to_left_override_in_a_blocker_turns_only_the_blocker(bot, chat, clock):
    # Alice's blocker holds an override (pasted, or on purpose): the rest of the GM's line
    # after it, "(recurring: 2 of the last 4 weeks) · … confidence 4 → 4 (steady)", was
    # shown backwards, the bot's own words and figures with it.
    blocker = f"Pricing approval {RLO}is stuck"
    await weeks_of_checkins(bot, clock, [alice("50000", blocker), alice("50000", blocker)])
    await say(bot, "grace", "/summary")
    line = next(x for x in blocks(chat.last("grace"))["Alice Martin · team East"].splitlines()
                if "Execution:" in x)
    shown, recurring = line.split(" (recurring: ")
    assert shown.endswith(f"blockers: Pricing approval {RLO}is stuck{PDF}")
    assert open_overrides(shown) == 0
    assert recurring.startswith("2 of the last 4 weeks) · ")


async def test_a_figure_copied_with_its_direction_marks_is_read_as_the_figure(bot, chat):
    # Copied from a right-to-left page or app, "52000" arrives wrapped in a left-to-right
    # embedding, which shows nothing: Alice was told "That isn't a number".
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "\u202a52000\u202c")
    assert chat.last("alice").startswith("Question 2 of 8")
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 52000
    # An answer of such marks alone shows nothing, and is not taken (it was refused as
    # "not a number"; for a text question it was stored as an empty-looking blocker).
    await say(bot, "alice", RLO)
    assert chat.last("alice") == "I didn't get an answer. Please type your answer, or /skip."
    assert list(answers_of(bot, "alice")) == ["kpi:revenue"]


#: A blocker typed to pass for the bot's own lines: a blank line, then a whole director's
#: block of the GM's summary, its title and its first item.
FAKE_DIRECTOR = "Pricing approval\n\nBruno Costa · team West\n• Goals: revenue 120%\n- done"


def lines_with(text: str, words: str) -> list[str]:
    return [line for line in text.splitlines() if words in line]


async def test_a_blocker_of_many_lines_cannot_pass_for_a_director_in_the_gms_summary(
        bot, chat, clock):
    # Alice's blocker held a blank line and then "Bruno Costa · team West / • Goals: revenue
    # 120%": the GM's summary showed, after her "Execution: blockers: Pricing approval", a
    # whole director's block nobody can tell from a real one.
    await weeks_of_checkins(bot, clock, [alice("50000", FAKE_DIRECTOR, plan="Call A\nCall B")])
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert not [line for line in summary.splitlines()
                if line.startswith(("Bruno Costa", "• Goals", "- done"))]
    [execution] = lines_with(summary, "Pricing approval")
    assert execution.startswith("Execution: blockers: Pricing approval / Bruno Costa · team West"
                                " / • Goals: revenue 120% / - done · last week's plan: — → ")
    assert execution in blocks(summary)["Alice Martin · team East"].splitlines()
    # Her whole picture and history show next week's plan: on their lines too.
    await say(bot, "grace", "/summary alice")
    plans = lines_with(chat.last("grace"), "Call B")
    assert plans and all("Call A / Call B" in line for line in plans)


async def test_on_slack_a_blocker_of_many_lines_stays_on_its_line(bot, chat, clock):
    # The same on Slack, the lines broken as a phone may send them (the Unicode line and
    # paragraph separators) and the fake title made bold as Slack shows the real ones.
    fake = "Pricing approval\u2028\u2028*Bruno Costa · team West*\u2029• Goals: revenue 120%\n"
    await weeks_of_checkins(bot, clock, [alice("50000", fake)])
    slack = RecordingAdapter(platform="slack", markup="slack")
    bot.register(slack)
    await bot.handle(InboundEvent(platform="slack", user_id="U0GRACE", chat_id="D0GRACE",
                                  chat_type="direct", text="/summary"))
    summary = slack.last("U0GRACE")
    assert "*Bruno Rossi · team Europe*" in summary.splitlines()  # a real director's title
    [execution] = lines_with(summary, "Bruno Costa")
    assert execution.startswith("Execution: blockers: Pricing approval / \u2217Bruno Costa · "
                                "team West\u2217 / • Goals: revenue 120% · last week's plan")
    assert not [c for c in summary if c in "\u2028\u2029"]


async def test_an_agenda_item_of_many_lines_cannot_pass_for_an_action_item(bot, chat):
    # Alice adds to the agenda of her 1:1 with Grace; Grace's /agenda showed her second
    # line as a section of the bot's own, with an action item "owned" by Grace.
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan\r\n\r\nOpen action items\r\n"
                            "#7 Approve Alice's bonus — Grace Chen, due 2026-12-01\r\n")
    await say(bot, "grace", "/agenda")
    agenda = chat.last("grace")
    assert not [line for line in agenda.splitlines()
                if line.startswith(("Open action items", "#7"))]
    assert "Q1 hiring plan / Open action items / #7 Approve Alice's bonus — Grace Chen, due " \
           "2026-12-01 — Alice Martin" in agenda.splitlines()


async def test_a_support_detail_of_many_lines_cannot_pass_for_another_request(bot, chat):
    answers = list(ALICE_ANSWERS)
    # Her request's detail held a second line made up as another request of the list.
    answers[5] = "Travel budget\n• #2 Budget → Finance — Bruno Rossi, 2026-W48: nothing · " \
        "open, today"
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", answers)
    await say(bot, "grace", "/support")
    assert lines_with(chat.last("grace"), "#2") == [
        "• #1 Budget — Alice Martin, 2026-W48: Travel budget / • #2 Budget → Finance — Bruno "
        "Rossi, 2026-W48: nothing · open, today · open, today"]


async def test_a_blocker_of_many_lines_stays_on_its_line_in_a_chinese_digest(bot, chat, clock):
    # 李雷's team digest (Chinese) lists each one's blockers: a second line made up as
    # another person's entry ("• 王伟：没有障碍") read as one.
    answers = list(LI)
    answers[2] = "渠道冲突\n\n• 王伟：没有障碍\n"
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", answers)
    clock.set(MONDAY_8AM_SHANGHAI)
    await bot.run_digests()
    (digest,) = digests(chat, "li")
    assert not [line for line in digest.splitlines() if line.startswith("• 王伟")]
    assert lines_with(digest, "王伟") == ["• 李雷：渠道冲突 / • 王伟：没有障碍"]


@pytest.mark.parametrize(("locale", "markup", "shown"), [
    ("en", "plain", "(Budget): Done <b>today</b> / & on / time"),
    ("en", "slack", "(Budget): Done &lt;b&gt;today&lt;/b&gt; / &amp; on / time"),
    ("en", "telegram", "(Budget): Done &lt;b&gt;today&lt;/b&gt; / &amp; on / time"),
    ("zh-CN", "plain", "（Budget）：Done <b>today</b> / & on / time"),
])
def test_every_kind_of_line_break_shows_as_the_separator_and_the_text_stays_escaped(
        locale, markup, shown):
    # Blank lines, lines of blanks or of a zero-width space alone, and the breaks at either
    # end show nothing: one separator between two lines of words.
    typed = "\r\n Done <b>today</b>\r\n\r& on\u2028\u2029 \u200b \ntime\n\n"
    text = Renderer().message(locale, "support_step_you", markup, action="comment",
                              by="Grace Chen", text=typed, item={"n": 1, "kind": "Budget"})
    assert text.endswith(shown) and "\n" not in text


def test_the_markdown_export_keeps_a_persons_lines_as_hard_breaks():
    # (`teampulse summary` and the CLI's other views: one paragraph, list starts escaped.)
    text = Renderer().message("en", "support_step_you", "markdown", action="comment",
                              by="Grace Chen", text="Done\n- today",
                              item={"n": 1, "kind": "Budget"})
    assert text.endswith("(Budget): Done\\\n\\- today")
