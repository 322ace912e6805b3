"""One-on-ones on Slack through slack-bolt and the real WebClient, against FakeSlackAPI:
reminders in two timezones, agenda items from both sides and from a check-in, the "did it
happen" buttons, notes and action items, a due-item reminder, feedback, and no repeats."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.slack_mrkdwn import Span, formatted
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel, mention

BRUNO = "U0BRUNO"


@pytest.fixture
def settings(settings, tmp_path):
    """The Slack test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


async def sweep(slack: SlackHarness, when: datetime) -> None:
    slack.clock.set(when)
    await slack.bot.run_oneonones()
    await slack.settle()


def texts(slack: SlackHarness, user: str, needle: str) -> list[str]:
    return [str(c.params["text"]) for c in slack.posts(user) if needle in c.params["text"]]


async def test_the_one_on_one_cycle_on_slack(slack: SlackHarness) -> None:
    await slack.command(BRUNO, "/1on1", "", channel=dm_channel(BRUNO))
    assert "next: Mon 2026-11-30 16:00 (Europe/Rome)" in slack.last_text(BRUNO)
    with slack.bot.unit() as ctx:  # Alice's latest check-in (submitted) names a blocker
        alice = ctx.people.by_key("alice")
        rnd = ctx.checkins.create_round(alice, "2026-W48", [], ctx.clock.now())
        ctx.checkins.save_answer(rnd, "blockers", text="Legal review slows contracts",
                                 number=None, skipped=False, now=ctx.clock.now())
        rnd.status = "submitted"
    await slack.command(ALICE, "/agenda", "add <@U0GRACE|grace> Q1 hiring plan", raw=True,
                        channel=dm_channel(ALICE))
    assert "Added to the agenda of your next 1:1 with Grace Chen" in slack.last_text(ALICE)
    await slack.command(GRACE, "/agenda", "add <@U0ALICE|alice> Pipeline &amp; forecast",
                        raw=True, channel=dm_channel(GRACE))

    # The day before: both reminded, each in their own timezone, with the agenda so far.
    await sweep(slack, MONDAY_SLOT - timedelta(hours=20))
    to_alice = texts(slack, ALICE, "is tomorrow")[-1]
    assert "Mon 2026-11-30 10:00 (America/New_York)" in to_alice
    assert "Q1 hiring plan" in to_alice and "Pipeline &amp; forecast" in to_alice
    assert "Legal review slows contracts _(blocker from the check-in)_" in to_alice
    assert "Mon 2026-11-30 16:00 (Europe/Rome)" in texts(slack, BRUNO, "is tomorrow")[-1]
    posted = len(slack.posts())
    await sweep(slack, MONDAY_SLOT - timedelta(hours=19))  # the next sweep sends nothing new
    assert len(slack.posts()) == posted

    # After the slot Grace is asked with buttons; she answers, notes and one action item.
    await sweep(slack, MONDAY_SLOT + timedelta(minutes=35))
    ask = next(c for c in slack.posts(GRACE)
               if "Did your 1:1 with Alice Martin (Mon 2026-11-30" in c.params["text"])
    await slack.press(GRACE, ask, "Yes")
    assert "Send short notes" in slack.last_text(GRACE)
    await slack.dm(GRACE, "Alice takes over Boston")
    await slack.dm(GRACE, "private: team lead candidate")
    await slack.dm(GRACE, "next")
    await slack.dm(GRACE, "Send the Q1 forecast 2026-12-02")
    assert "Action item #1: Send the Q1 forecast — Alice Martin, due 2026-12-02" \
        in slack.last_text(GRACE)
    await slack.dm(GRACE, "done")
    recap = texts(slack, ALICE, "Your 1:1 with Grace Chen on 2026-11-30")[-1]
    assert "Alice takes over Boston" in recap and "team lead" not in recap

    # Feedback from Alice reaches Grace.
    question = next(c for c in slack.posts(ALICE)
                    if "How useful was your 1:1" in c.params["text"])
    await slack.press(ALICE, question, "4")
    await slack.dm(ALICE, "Start on time")
    assert "Feedback from Alice Martin on your 1:1 of 2026-11-30: 4/5. One thing to " \
           "improve: Start on time" in slack.last_text(GRACE)

    # The action item is reminded on its due day, once, and closed with /actions done.
    await sweep(slack, datetime(2026, 12, 2, 14, 0, tzinfo=UTC))
    await sweep(slack, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert len(texts(slack, ALICE, "Action item #1 is due 2026-12-02")) == 1
    await slack.command(ALICE, "/actions", "done 1", channel=dm_channel(ALICE))
    assert "Done: #1 Send the Q1 forecast" in slack.last_text(ALICE)


async def test_an_edited_mention_is_not_a_second_command(slack: SlackHarness) -> None:
    # Slack sends app_mention again when someone edits a message that mentions the bot
    # (with an `edited` field); the command it carried was carried out the first time.
    said = mention(ALICE, "<@U0BOTUSER> agenda add <@U0GRACE|grace> Q1 hiring plan")
    await slack.event(said)
    await slack.edit(said, "<@U0BOTUSER> agenda add <@U0GRACE|grace> Q1 hiring plan, budget")

    added = [c for c in slack.ephemerals(ALICE) if "Added to the agenda" in c.params["text"]]
    assert len(added) == 1
    await slack.command(ALICE, "/agenda", "", channel=dm_channel(ALICE))
    agenda = slack.last_text(ALICE)
    assert agenda.count("Q1 hiring plan") == 1 and "budget" not in agenda


async def test_an_action_item_for_someone_picked_from_slacks_list_is_theirs(
        slack: SlackHarness) -> None:
    """docs/slack.md: `/actions add send the deck @alice by Dec 10`. Grace picks Alice from
    Slack's member list; her Slack handle (amartin) is no key or name of the org file, so
    only the id, which Slack sends with should_escape, says who is meant. (/actions had
    none: Grace was told she has no one-on-one with @amartin, and nothing was added.)"""
    await slack.command(GRACE, "/actions", "add send the deck <@U0ALICE|amartin> by Dec 10",
                        raw=True, channel=dm_channel(GRACE))
    assert slack.last_text(GRACE).startswith(
        "Action item #1: send the deck — Alice Martin, due 2026-12-10. Alice Martin is told.")
    assert "Grace Chen added an action item for you: #1 send the deck, due 2026-12-10." \
        in slack.last_text(ALICE)


async def test_marks_typed_into_the_agenda_format_nothing_but_the_bots_own(
        slack: SlackHarness) -> None:
    # An agenda item "*pricing* for _Acme_" showed bold and italic in the 1:1 agenda, and
    # a blocker ending in "_legal_" took the bot's italic note after it apart.
    with slack.bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        rnd = ctx.checkins.create_round(alice, "2026-W48", [], ctx.clock.now())
        ctx.checkins.save_answer(rnd, "blockers", text="stuck on _legal_", number=None,
                                 skipped=False, now=ctx.clock.now())
        rnd.status = "submitted"  # (the agenda reads submitted check-ins only)
    await slack.command(ALICE, "/agenda", "add <@U0GRACE|grace> *pricing* for _Acme_ ~maybe~",
                        raw=True, channel=dm_channel(ALICE))
    await slack.command(ALICE, "/agenda", "", channel=dm_channel(ALICE))
    agenda = slack.last_text(ALICE)
    assert "∗pricing∗ for ˍAcmeˍ ∼maybe∼" in agenda
    assert "stuck on ˍlegalˍ _(blocker from the check-in)_" in agenda
    assert [s for s in formatted(agenda) if s.style != "bold"] == [
        Span("italic", "(blocker from the check-in)")], agenda
