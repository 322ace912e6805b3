"""Slash commands and mentions: answered ephemerally in channels, in the DM when used there."""

from __future__ import annotations

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, CHANNEL, GRACE, SAM, VERA, SlackHarness, dm_channel, mention


async def answer_checkin(slack: SlackHarness, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    for answer in ["52000", "3", "Closed <Acme> & Co", "None", "1", "Plan", "4"]:
        await slack.dm(ALICE, answer)


async def test_summary_in_a_channel_is_ephemeral_with_mentions_and_escaped_text(
        slack: SlackHarness, bot) -> None:
    await answer_checkin(slack, bot)
    before = len(slack.posts(CHANNEL))

    resp = await slack.command(GRACE, "/summary")

    assert resp.status == 200 and resp.body == ""  # acked at once, with nothing to show
    [note] = slack.ephemerals(GRACE)
    assert note.params["channel"] == CHANNEL
    text = note.params["text"]
    assert "Revenue 52,000 / 50,000 USD (104%)" in text
    assert "✅ <@U0ALICE> — checked in" in text
    assert "▫️ <@U0BRUNO> — no check-in sent" in text  # only Alice was prompted
    assert "Closed &lt;Acme&gt; &amp; Co" in text
    assert len(slack.posts(CHANNEL)) == before  # nothing said in public


async def test_summary_viewer_may_read_it_and_a_member_is_refused(slack: SlackHarness) -> None:
    await slack.command(VERA, "/summary")
    await slack.command(SAM, "/summary")

    assert "*Weekly summary — Test Sales*" in slack.ephemerals(VERA)[-1].params["text"]
    refusal = slack.ephemerals(SAM)[-1].params["text"]
    assert refusal.startswith("Sorry, the summary is only for the GM")
    assert slack.posts() == []


async def test_universal_command_reaches_every_subcommand(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/teampulse", "summary last 2w")
    await slack.command(GRACE, "/teampulse")
    await slack.command(GRACE, "/teampulse", "frobnicate")

    trend, help_text, unknown = (c.params["text"] for c in slack.ephemerals(GRACE))
    # No check-in has gone out this week (2026-W48) yet: the summary ends with last week.
    assert "2026-W46" in trend and "2026-W47" in trend
    # Slack has its own /away and no app /help: the bot spells those as subcommands.
    assert "/summary" in help_text and "/teampulse help" in help_text
    assert "I don't know the command /frobnicate" in unknown


@pytest.mark.parametrize("command, typed, usage", [
    ("/summary", "last 0w", 'I didn\'t understand "0w". Usage: /summary'),
    ("/summary", "last 99w", 'A summary covers at most 12 weeks, and "99w" is more.'),
    ("/teampulse", "away someday", "Usage: /teampulse away YYYY-MM-DD"),
    ("/edit", "", "You have no check-in answers"),
])
async def test_malformed_arguments_get_the_usage_line_ephemerally(
        slack: SlackHarness, command: str, typed: str, usage: str) -> None:
    await slack.command(GRACE, command, typed)

    [note] = slack.ephemerals(GRACE)
    assert note.params["channel"] == CHANNEL
    assert usage in note.params["text"]
    assert slack.posts() == []


async def test_malformed_arguments_in_the_dm_are_answered_in_the_dm(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/summary", "last 0w", channel=dm_channel(GRACE))

    assert "Usage: /summary" in slack.last_text(GRACE)
    assert slack.ephemerals() == []


async def test_checkin_command_in_the_dm_starts_the_checkin(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/checkin", channel=dm_channel(ALICE))

    assert "*Question 1 of 8*" in slack.last_text(ALICE)
    await slack.dm(ALICE, "45k")
    assert "*Question 2 of 8*" in slack.last_text(ALICE)
    await slack.command(ALICE, "/skip", channel=dm_channel(ALICE))
    assert "Skipped." in slack.last_text(ALICE)


async def test_reply_goes_through_response_url_where_the_bot_is_not_a_member(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    fake.fail("chat.postEphemeral", "channel_not_found")

    await slack.command(SAM, "/summary", channel="C0ELSEWHERE")

    [via_url] = fake.calls_for("response_url")
    assert via_url.params["response_type"] == "ephemeral"
    assert via_url.params["text"].startswith("Sorry, the summary is only for the GM")
    assert slack.counts()["outbox"] == 1


async def test_a_mention_is_a_command_in_the_channel(slack: SlackHarness) -> None:
    await slack.event(mention(GRACE, "<@U0BOTUSER> summary last 2w"))
    await slack.event(mention(SAM, "<@U0BOTUSER>", thread_ts="1700000000.000050"))

    trend = slack.ephemerals(GRACE)[-1]
    assert "2026-W47" in trend.params["text"]
    help_note = slack.ephemerals(SAM)[-1]
    assert "/teampulse help" in help_note.params["text"]
    assert help_note.params["thread_ts"] == "1700000000.000050"  # stays in the thread
    assert slack.posts() == []


async def test_an_unknown_person_is_answered_not_ignored(slack: SlackHarness) -> None:
    assert (await slack.dm("U0STRANGER", "hello?")).status == 200
    assert (await slack.command("U0NEWBIE", "/summary")).status == 200

    assert slack.posts("U0STRANGER")  # a reply in their DM, not silence
    assert slack.posts(CHANNEL) or slack.ephemerals("U0NEWBIE")  # answered in the channel


async def test_an_unknown_person_is_told_politely_with_their_id(slack: SlackHarness) -> None:
    await slack.dm("U0STRANGER", "hello?")
    await slack.command("U0NEWBIE", "/summary")

    dm = slack.last_text("U0STRANGER")
    assert "I don't know you yet" in dm
    assert "`slack_id: U0STRANGER`" in dm
    # In a channel, the refusal (it quotes their id) is shown to them alone.
    assert slack.posts(CHANNEL) == []
    assert "`slack_id: U0NEWBIE`" in slack.ephemerals("U0NEWBIE")[-1].params["text"]


@pytest.mark.parametrize(("command", "typed"), [
    ("/summary", "@alice"),  # /summary does not escape: Slack sends the plain @alice
    ("/teampulse", "summary <@U0ALICE|alice>"),  # picked from Slack's list: a mention
    ("/summary", "alice")])
async def test_the_gm_names_a_director_as_slack_lets_them(slack: SlackHarness, command, typed
                                                          ) -> None:
    await slack.command(GRACE, command, typed, raw=True, channel=dm_channel(GRACE))

    text = slack.last_text(GRACE)
    assert text.startswith("*Full picture — Alice Martin*"), text[:200]


@pytest.mark.parametrize(("command", "typed", "answer"), [
    ("/summary", "<@U0ALICE|amartin>", "*Full picture — Alice Martin*"),
    ("/goals", "<@U0ALICE|amartin>", "*🎯 Goals — Alice Martin*"),
    ("/monthly", "<@U0ALICE|amartin>", "*📅 Month in review — 2026-10 · Alice Martin*"),
    ("/review", "status <@U0ALICE|amartin>", "There is no open 360° review of Alice Martin."),
    ("/checkin", "send <@U0ALICE|amartin>", "Check-in round sent to Alice Martin: 1 prompted."),
])
async def test_a_director_picked_from_slacks_list_is_that_director_in_every_command(
        slack: SlackHarness, command: str, typed: str, answer: str) -> None:
    """README, *Naming a person*: every command that names a person reads a platform
    mention. Picked from Slack's member list, Alice reaches a command without
    should_escape as her Slack handle (amartin), which is no key or name in the org file:
    /summary, /goals, /monthly and /review answered that they know no 'amartin'."""
    await slack.command(GRACE, command, typed, raw=True, channel=dm_channel(GRACE))
    assert slack.last_text(GRACE).startswith(answer), slack.last_text(GRACE)[:200]


@pytest.mark.parametrize(("command", "typed"), [
    ("/summary", "<@U0PARTNER|alice>"),
    ("/checkin", "send <@U0PARTNER|alice>"),
    ("/goals", "<@U0PARTNER|alice>"),
    # The one-on-one commands read it by the handle it showed: the item went on the GM's
    # agenda with Alice Martin, and Alice was told of the skip and the action item.
    ("/agenda", "add <@U0PARTNER|alice> pipeline review"),
    ("/1on1", "skip <@U0PARTNER|alice>"),
    ("/actions", "add send the Initech deck <@U0PARTNER|alice>"),
])
async def test_a_slack_account_outside_the_org_named_like_a_director_is_not_her(
        slack: SlackHarness, command: str, typed: str) -> None:
    """A Slack Connect guest whose handle is 'alice', picked from Slack's list: the
    mention says which account it is, and it is none of the org's. The GM got Alice
    Martin's full picture, and '/checkin send' prompted Alice Martin."""
    await slack.command(GRACE, command, typed, raw=True, channel=dm_channel(GRACE))
    text = slack.last_text(GRACE)
    assert "Alice Martin" not in text.split("Did you mean")[0], text[:300]
    assert "Full picture" not in text and "sent to" not in text and "Goals —" not in text
    assert text == ("<@U0PARTNER> is not in the org file, so no command reads about them: a "
                    "mention names that very account, not someone else called the same. Did "
                    "you mean Alice Martin (`alice`)? Name them by key.")
    assert not any(p.params.get("channel") == dm_channel(ALICE) for p in slack.posts())


async def test_a_mention_is_written_as_its_key_where_it_stands_not_inside_a_longer_name(
        slack: SlackHarness) -> None:
    """A name typed by hand ('@Alice Martinez', no account) before Alice picked from
    Slack's list ('@Alice Martin'): her key was written into the typed name, and the GM
    was told of "aliceez @Alice Martin", which nobody typed."""
    await slack.command(GRACE, "/teampulse", "summary @Alice Martinez <@U0ALICE|alice>",
                        raw=True, channel=dm_channel(GRACE))
    assert slack.last_text(GRACE).startswith(
        'I don\'t know anyone called "@Alice Martinez alice".'), slack.last_text(GRACE)


async def test_a_commands_trigger_id_is_not_kept_and_a_double_dispatch_still_runs_once(
        slack: SlackHarness, bot) -> None:
    """A slash command's trigger_id opens a modal as whoever ran it while it lives: the
    database (and so every backup of it) keeps a digest, which still tells the same
    command delivered twice from the next one."""
    from urllib.parse import parse_qs

    from sqlalchemy import select

    from storage.models import ProcessedEvent

    await slack.command(ALICE, "/checkin", channel=dm_channel(ALICE))
    await slack.dispatch(slack.bodies[-1])  # the same command again
    await slack.settle()
    asked = [p for p in slack.posts(ALICE) if "*Question 1 of 8*" in p.params["text"]]
    assert len(asked) == 1
    trigger = parse_qs(slack.bodies[-1])["trigger_id"][0]
    with bot.sessions() as session:
        stored = [r.event_id for r in session.scalars(select(ProcessedEvent))]
    assert [e for e in stored if e.startswith("command:")]  # it was recorded…
    secret = trigger.rsplit(".", 1)[1]
    assert [e for e in stored if secret in e or trigger in e] == []  # …as a digest


async def test_a_command_recorded_whole_before_an_upgrade_is_still_run_once_after_it(
        slack: SlackHarness, fake: FakeSlackAPI, bot, clock) -> None:
    """Earlier versions recorded `command:<trigger_id>`. The upgraded bot's start records
    the digest in its place, so the same command delivered again after the upgrade is
    still known (and the trigger_id leaves the database with it)."""
    from sqlalchemy import select

    from bot.app import prepare
    from storage.models import ProcessedEvent

    trigger = fake.trigger_id("before-the-upgrade")
    with bot.sessions.begin() as session:  # as the version before recorded it
        session.add(ProcessedEvent(platform="slack", event_id=f"command:{trigger}",
                                   received_at=clock.now()))
    upgraded, engine = prepare(bot.settings, clock)  # the upgraded bot starts on it
    upgraded.close()
    engine.dispose()
    fake.trigger_id = lambda name="1": trigger  # type: ignore[method-assign]
    await slack.command(ALICE, "/checkin", channel=dm_channel(ALICE))  # delivered again
    assert not [p for p in slack.posts(ALICE) if "*Question 1 of 8*" in p.params["text"]]
    with bot.sessions() as session:
        stored = [r.event_id for r in session.scalars(select(ProcessedEvent))]
    assert len([e for e in stored if e.startswith("command:")]) == 1
    assert [e for e in stored if trigger.rsplit(".", 1)[1] in e] == []


def test_a_command_recorded_in_both_forms_keeps_one_row(bot, clock) -> None:
    """Replicas of two versions side by side (a rolling upgrade on PostgreSQL) may record
    one command in both forms: the next start keeps the digest's row alone."""
    from sqlalchemy import select

    from bot.adapters.slack_inbound import command_id_now
    from storage.models import ProcessedEvent
    from storage.repositories import EventRepo

    trigger = FakeSlackAPI.trigger_id("both")
    with bot.sessions.begin() as session:
        for event_id in (f"command:{trigger}", command_id_now(f"command:{trigger}")):
            session.add(ProcessedEvent(platform="slack", event_id=event_id,
                                       received_at=clock.now()))
    with bot.sessions.begin() as session:
        assert EventRepo(session).rekey("slack", "command:", command_id_now) == 1
        assert EventRepo(session).rekey("slack", "command:", command_id_now) == 0
    with bot.sessions() as session:
        stored = session.scalars(select(ProcessedEvent.event_id)).all()
    assert stored == [command_id_now(f"command:{trigger}")]


def test_a_start_with_nothing_to_digest_reads_processed_events_by_its_index_alone(
        bot, clock) -> None:
    """The digest of old `command:<trigger_id>` rows read processed_events at every start
    by a LIKE, which SQLite (its LIKE ignores case) and PostgreSQL's usual collations answer
    by scanning the whole table (a week of every message and button press), though there is
    something to digest only in the week after the upgrade. Now a start looks for an old row
    in the index first, and digests only when there is one (see the test above)."""
    from sqlalchemy import event

    import bot.app as app
    from bot.adapters.slack_inbound import command_id_now
    from storage.db import create_db_engine
    from storage.models import ProcessedEvent
    from storage.repositories import EventRepo

    with bot.sessions.begin() as session:  # a week of events, slash commands among them
        events = EventRepo(session)
        for n in range(50):
            events.claim("slack", f"event:Ev{n}", clock.now())
            events.claim("slack", command_id_now(f"command:1{n}.2.abcdef0123456789"),
                         clock.now())
    sent: list[tuple[str, object]] = []

    def engine_watched(*args, **kwargs):
        engine = create_db_engine(*args, **kwargs)
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _k, statement, parameters, *_: sent.append(
                         (statement, parameters)) if "processed_events" in statement else None)
        return engine

    original, app.create_db_engine = app.create_db_engine, engine_watched
    try:
        again, engine = app.prepare(bot.settings, clock)
    finally:
        app.create_db_engine = original
    again.close()
    engine.dispose()
    assert len(sent) == 1  # the look in the index; no rekey
    statement, parameters = sent[0]
    with bot.sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", tuple(parameters)))
            # The commands' range of the index, not every Slack row's (platform=? alone).
            assert "SCAN" not in plan and "event_id>? AND event_id<?" in plan, plan
        else:  # (the test server's collation is C.UTF-8: text in the order of its bytes)
            connection = session.connection()
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN {statement}", parameters))
            assert "Seq Scan" not in plan, plan
            assert "(event_id)::text >= 'command:'" in plan, plan  # the commands' range
        stored = session.query(ProcessedEvent).filter_by(platform="slack").count()
    assert stored == 100
