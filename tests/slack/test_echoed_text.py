"""What directors type, shown to the GM on Slack: it stays in their own line of the
summary, through the real Slack SDK against the fake Web API."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import CHANNEL, GRACE, SlackHarness, dm_channel, message
from tests.test_checkin import ALICE_ANSWERS, answer_all

GRAVE = "\u02cb"  # a backtick typed at a word's edge is shown as this look-alike
QUOTE = "\u02c3"  # a ">" that would start a line is shown as this look-alike


async def test_code_fences_typed_by_two_directors_do_not_swallow_the_summary_between(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    # Slack pairs a ``` with the next one however many lines down: Alice's blocker and
    # Bruno's wins each held one, and the GM's summary between them (the rest of Alice's
    # block, Bruno's bold name, his mention) showed as one grey code block.
    await bot.run_checkins()
    alice = list(ALICE_ANSWERS)
    alice[3] = "the API ``` still fails"
    await answer_all(bot, "alice", alice)
    await answer_all(bot, "bruno", ["41000", "Signed ``` Rome", "none", "1", "Go", "3"])
    await slack.settle()
    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))
    summary = slack.last_text(GRACE)
    assert "```" not in summary
    # Their words read as typed (each backtick as its look-alike) ...
    assert f"blockers: the API {GRAVE * 3} still fails" in summary
    assert f"this week's wins: Signed {GRAVE * 3} Rome" in summary
    # ... and Bruno's block is his, as the template lays it out.
    assert "\n\n*Bruno Rossi · team Europe*\n✅ <@U0BRUNO> — checked in\n" in summary


async def test_a_link_a_group_and_markup_in_a_kudos_reason_are_shown_not_acted_on(
        slack: SlackHarness) -> None:
    """What Slack sends for a link with a label, a user group, a stranger and a typed
    `&lt;b&gt;`: the shout-out shows each as the words they are, and holds no Slack
    token (`<…>`) but the one mention of the person praised."""
    await slack.event(message(
        GRACE, "thanks <@U0ALICE> for <https://evil.example/x|the deck> and "
               "<!subteam^S123> &lt;b&gt;&amp;lt;", ts="1700000000.001070"))
    shout = slack.last_text(CHANNEL)
    assert shout == ("👏 <@U0ALICE> — kudos from *Grace Chen*: thanks for the deck "
                     "(https://evil.example/x) and @S123 &lt;b&gt;&amp;lt;")


async def test_a_quote_pasted_into_a_blocker_does_not_quote_the_summary_after_it(
        slack: SlackHarness, bot) -> None:
    # Alice pastes an e-mail thread into her blocker: Slack shows a line starting with
    # '>' as a block quote, and one starting with '>>>' quotes everything after it, to
    # the end of the message: the rest of the GM's summary, Bruno's block included, read
    # as if Alice had quoted it. Escaping '>' as '&gt;' does not help: that is how Slack
    # writes a quote itself.
    await bot.run_checkins()
    alice = list(ALICE_ANSWERS)
    alice[3] = "the API fails, see below\n> Legal: not before Q3\n>>> sent from my phone"
    await answer_all(bot, "alice", alice)
    await answer_all(bot, "bruno", ["41000", "Signed Rome", "> Legal: not before Q3", "1",
                                    "Go", "3"])
    await slack.settle()
    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))
    summary = slack.last_text(GRACE)
    assert not [line for line in summary.splitlines() if line.lstrip().startswith("&gt;")]
    # Her words still read as typed, on her line (each break a ' / ': a person's lines
    # never start one of the summary's), where a '>' starts no quote and is shown as is.
    assert ("Execution: blockers: the API fails, see below / &gt; Legal: not before Q3 / "
            "&gt;&gt;&gt; sent from my phone · ") in summary
    # Bruno's starts with one: shown as its look-alike (as for * _ ~ `), quoting nothing.
    assert f"Execution: blockers: {QUOTE} Legal: not before Q3 · " in summary
    assert "\n\n*Bruno Rossi · team Europe*\n✅ <@U0BRUNO> — checked in\n" in summary
