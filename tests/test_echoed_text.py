"""What one person types, shown to others: it stays their words and never takes over the
message around it (the bot's own words and figures, other people's lines)."""

from __future__ import annotations

from tests.support import say
from tests.test_checkin import answers_of
from tests.test_summary_gm import alice, blocks, weeks_of_checkins

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
