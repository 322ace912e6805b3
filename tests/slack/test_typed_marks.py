"""Slack's inline marks (`*`, `_`, `~`, a backtick) typed by a person or written in a name in
the org file, as the GM reads them on Slack: shown as typed, never bold, italic, struck or
code, and never breaking the bold the bot puts around a name (tests/fakes/slack_mrkdwn.py
reads the text as Slack pairs its marks)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.slack_blocks import answered_blocks
from bot.config import Settings
from tests.fakes.slack_mrkdwn import Span, decoded, formatted
from tests.slack.harness import CHANNEL, GRACE, SlackHarness, dm_channel, message
from tests.support import TEST_ORG
from tests.test_checkin import ALICE_ANSWERS, answer_all

#: How a mark typed at a word's edge is shown: ∗ ˍ ∼ ˋ (bot.render.SLACK_MARK_LOOKALIKES).
LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
#: The name the org file gives Bruno: a mark at a word's edge, and one inside a word.
MARKED_NAME = "_Bruno_ *B* Ro~ssi"


def as_typed(text: str) -> str:
    """What a reader copies out of the shown text, the look-alikes read as the marks."""
    text = decoded(text)
    for mark, lookalike in LOOKALIKES.items():
        text = text.replace(lookalike, mark)
    return text


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "name: Bruno Rossi", f'name: "{MARKED_NAME}"'), encoding="utf-8")
    return replace(settings, org_file=path)


async def test_marks_in_answers_and_a_name_show_as_typed_in_the_gms_summary(
        slack: SlackHarness, bot) -> None:
    await bot.run_checkins()
    alice = list(ALICE_ANSWERS)
    alice[2] = "*urgent* price 2*3 for _Acme_"
    alice[3] = "~legal~ says `no` and viv_ops :white_check_mark:"
    await answer_all(bot, "alice", alice)
    await answer_all(bot, "bruno", ["41000", "Signed Rome", "none", "1", "Go", "3"])
    await slack.settle()
    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))
    summary = slack.last_text(GRACE)
    spans = formatted(summary)
    # Nothing Alice typed is formatted: no bold "urgent", no italic "Acme", no struck
    # "legal", no code "no" ...
    assert not [s for s in spans if s.style != "bold"], spans
    assert all("urgent" not in s.text and "legal" not in s.text for s in spans), spans
    # ... and her words read as she typed them, in her own line.
    shown = as_typed(summary)
    assert "*urgent* price 2*3 for _Acme_" in shown
    assert "~legal~ says `no` and viv_ops :white_check_mark:" in shown
    # Marks inside a word are left as typed (a handle copied out of the summary works).
    assert "2*3" in summary and "viv_ops" in summary and ":white_check_mark:" in summary
    # Bruno's header is bold whole, his name as the org file writes it.
    assert Span("bold", "ˍBrunoˍ ∗B∗ Ro~ssi · team Europe") in spans, spans
    assert f"{MARKED_NAME} · team Europe" in shown


async def test_a_name_with_marks_keeps_the_bold_of_a_kudos_shout_out(slack: SlackHarness) -> None:
    await slack.event(message("U0BRUNO", "thanks <@U0ALICE> for the *big* demo",
                              ts="1700000000.001071"))
    shout = slack.last_text(CHANNEL)
    assert formatted(shout) == [Span("bold", "ˍBrunoˍ ∗B∗ Ro~ssi")], shout
    assert as_typed(shout) == (f"👏 <@U0ALICE> — kudos from *{MARKED_NAME}*: "
                               "thanks for the *big* demo")


def test_a_chosen_label_with_marks_is_bold_whole_under_the_answered_question() -> None:
    # A pulse choice the org file labels "*Very* good_": the line saying what was chosen.
    blocks = answered_blocks(None, "How was the week?", "*Very* good_")
    line = blocks[-1]["elements"][0]["text"]
    assert formatted(line) == [Span("bold", "∗Very∗ goodˍ")], line


async def test_a_link_pasted_into_a_blocker_reaches_the_gm_as_the_link(
        slack: SlackHarness, bot) -> None:
    # Underscores at a path segment's edge are where a look-alike would send the GM to
    # another address: the link stays byte for byte, the marks around it still format
    # nothing.
    link = "https://crm.example.com/_reports/q4_pipeline_/?view=_all_&owner=alice"
    await bot.run_checkins()
    alice = list(ALICE_ANSWERS)
    alice[3] = f"*urgent* see {link} and www.example.com/_x_"
    await answer_all(bot, "alice", alice)
    await slack.settle()
    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))
    summary = slack.last_text(GRACE)
    assert link in decoded(summary), summary
    assert "www.example.com/_x_" in summary
    assert "\u2217urgent\u2217" in summary
    assert not [s for s in formatted(summary) if "urgent" in s.text]
