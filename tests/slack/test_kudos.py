"""Kudos on Slack through slack-bolt and the real WebClient, against FakeSlackAPI."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.kudos import Kudos
from storage.models import OutboxMessage
from tests.slack.harness import (
    ALICE,
    CHANNEL,
    GRACE,
    LILEI,
    SAM,
    SlackHarness,
    mention,
    message,
)

BOT = "U0BOTUSER"


def kudos_count(slack: SlackHarness) -> int:
    with slack.bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(Kudos)) or 0


async def test_slash_kudos_with_two_mentions_and_a_value(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/kudos", "<@U0ALICE|alice> <@U0LILEI|lilei> for closing "
                        "Acme &amp; Co #customer-first", raw=True)

    shout = slack.last_text(CHANNEL)
    assert shout == ("👏 <@U0ALICE>, <@U0LILEI> — kudos from *Grace Chen*: closing Acme &amp; "
                     "Co\nValues: Customer first")
    assert "🎉 You got kudos from <@U0GRACE>: closing Acme &amp; Co" in slack.last_text(ALICE)
    assert slack.last_text(LILEI) == ("🎉 <@U0GRACE> 给你点赞：closing Acme &amp; Co\n"
                                      "体现的价值观：客户第一")
    assert kudos_count(slack) == 2


async def test_channel_message_with_a_kudos_word_is_answered_in_its_thread(
        slack: SlackHarness) -> None:
    await slack.event(message(SAM, "thanks <@U0ALICE> for the demo prep :clap:",
                              ts="1700000000.000777"))

    [shout] = slack.posts(CHANNEL)
    assert shout.params["thread_ts"] == "1700000000.000777"
    assert shout.params["text"].startswith("👏 <@U0ALICE> — kudos from *Sam Lee*: thanks for "
                                           "the demo prep :clap:")
    assert "You got kudos from <@U0SAM>" in slack.last_text(ALICE)


async def test_ordinary_channel_chatter_is_ignored(slack: SlackHarness) -> None:
    await slack.event(message(SAM, "<@U0ALICE> can you send the deck?"))
    await slack.event(message(SAM, "thanks all, see you tomorrow"))
    assert slack.posts() == [] and slack.ephemerals() == []
    assert kudos_count(slack) == 0


async def test_self_kudos_is_refused_privately(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/kudos", "<@U0ALICE|alice> for all my hard work", raw=True)
    [note] = slack.ephemerals(ALICE)
    assert "you can't give them to yourself" in note.params["text"]
    assert slack.posts(CHANNEL) == [] and kudos_count(slack) == 0


async def test_kudos_to_the_bot_is_refused(slack: SlackHarness) -> None:
    await slack.event(mention(ALICE, f"<@{BOT}> kudos <@{BOT}> for the reminders"))
    assert "I'm just the bot" in slack.ephemerals(ALICE)[-1].params["text"]
    assert kudos_count(slack) == 0


async def test_kudos_to_another_apps_bot_says_kudos_are_for_people(slack: SlackHarness) -> None:
    """Kudos naming another app's bot (Zoom's, picked from Slack's list) told the giver to
    "ask the person who runs teampulse to add them", as if a bot could join the org as a
    person. The refusal now says kudos are for people, not apps or bots, and asks for the
    addition only if the one named is a colleague; in Chinese to a Chinese speaker."""
    await slack.command(ALICE, "/kudos", "<@U0ZOOMBOT|zoom> for the flawless call", raw=True)
    note = slack.ephemerals(ALICE)[-1].params["text"]
    assert note == ("I can't give kudos to <@U0ZOOMBOT>: they are not in the org file. Kudos "
                    "are for the people you work with, not for apps or bots; if <@U0ZOOMBOT> "
                    "is a colleague, ask the person who runs teampulse to add them to the org "
                    "file.")
    await slack.command(LILEI, "/kudos", "<@U0ZOOMBOT|zoom> 会议很顺利", raw=True)
    note = slack.ephemerals(LILEI)[-1].params["text"]
    assert note == ("无法给 <@U0ZOOMBOT> 点赞：对方不在组织文件中。点赞是给一起工作的同事的，"
                    "不能给应用或机器人；如果 <@U0ZOOMBOT> 是你的同事，请联系 teampulse 管理员"
                    "把此人加入组织文件。")
    assert slack.posts(CHANNEL) == [] and kudos_count(slack) == 0


async def test_a_bot_named_in_a_channel_is_called_by_its_name_not_its_id(
        slack: SlackHarness) -> None:
    """Praise in a channel naming another app's bot carries only its id (<@U0ZOOMBOT>):
    the refusal read "I can't give kudos to @U0ZOOMBOT". It now mentions it as Slack
    does, so Slack shows its name."""
    await slack.event(message(ALICE, "thanks <@U0ZOOMBOT> for the flawless call :clap:"))
    note = slack.ephemerals(ALICE)[-1].params["text"]
    assert note.startswith("I can't give kudos to <@U0ZOOMBOT>: they are not in the org file.")
    assert "U0ZOOMBOT" not in note.replace("<@U0ZOOMBOT>", "")
    await slack.event(message(LILEI, "谢谢 <@U0ZOOMBOT> 会议很顺利 :clap:"))
    note = slack.ephemerals(LILEI)[-1].params["text"]
    assert note.startswith("无法给 <@U0ZOOMBOT> 点赞：对方不在组织文件中。")
    assert kudos_count(slack) == 0


async def test_allowance_runs_out(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/kudos", "<@U0SAM|sam> <@U0LILEI|lilei> <@U0GRACE|grace> "
                        "<@U0VERA|vera> <@U0BRUNO|bruno> for a great kickoff", raw=True)
    await slack.command(ALICE, "/kudos", "<@U0SAM|sam> for the follow-up call", raw=True)
    assert "You've given all 5 kudos you have today" in slack.ephemerals(ALICE)[-1].params[
        "text"]
    assert kudos_count(slack) == 5


async def test_redelivered_event_and_mention_twin_count_once(slack: SlackHarness) -> None:
    typed = f"<@{BOT}> thanks <@U0ALICE> for the pricing review"
    ts = "1700000000.000900"
    await slack.event(message(SAM, typed, ts=ts), event_id="Ev0KUDOS1")
    # Slack retries the same event, and also sends the app_mention twin of the message.
    await slack.event(message(SAM, typed, ts=ts), event_id="Ev0KUDOS1",
                      **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await slack.event({**mention(SAM, typed), "ts": ts, "event_ts": ts}, event_id="Ev0KUDOS2")

    assert kudos_count(slack) == 1
    assert len(slack.posts(CHANNEL)) == 1
    assert len(slack.posts(ALICE)) == 1
    assert slack.ephemerals() == []  # the mention twin is not "an unknown command"


async def test_unknown_value_lists_the_values(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the demo #speed", raw=True)
    text = slack.ephemerals(GRACE)[-1].params["text"]
    assert text.startswith("`#speed` is not one of our values")
    assert "`#customer-first` (Customer first), `#ownership` (Ownership)" in text


async def test_a_link_to_a_channel_is_not_taken_for_a_value(slack: SlackHarness) -> None:
    await slack.event(message(SAM, "thanks <@U0ALICE> for the demo in <#C0SALES|sales> "
                                   "#customer-first :clap:", ts="1700000000.000888"))
    [shout] = slack.posts(CHANNEL)
    assert "for the demo in #sales" in shout.params["text"]
    assert "Values: Customer first" in shout.params["text"]
    assert kudos_count(slack) == 1
    # A real unknown tag is still refused, with the values listed.
    await slack.event(message(SAM, "thanks <@U0ALICE> for the demo #speed :clap:"))
    assert "`#speed` is not one of our values" in slack.ephemerals(SAM)[-1].params["text"]
    assert kudos_count(slack) == 1


async def test_leaderboard_command_posts_in_the_channel(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal", raw=True)
    await slack.command(ALICE, "/kudos", "top month")
    board = slack.last_text(CHANNEL)
    assert "*Kudos leaderboard* — this month (since 2026-11-01)" in board
    assert "1. Sam Lee — 1" in board


async def test_honour_roll_is_posted_to_the_slack_channel_once(slack: SlackHarness) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    bot = slack.bot
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"slack": "C0HONOURS"}))
    slack.fake.join("C0HONOURS")  # docs/slack.md: invite the bot to the honour roll's channel
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal #ownership",
                        raw=True)
    slack.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York
    assert await bot.run_honours()
    assert await bot.run_honours()
    await slack.settle()
    [roll] = slack.posts("C0HONOURS")
    assert roll.params["text"].startswith("🏆 *Honour roll — November 2026*")
    assert "• East: Sam Lee — 1 kudo\n" in roll.params["text"]
    assert "*Most cited value*: Ownership — 1 time" in roll.params["text"]
    assert slack.last_text(GRACE) == roll.params["text"]  # the GM's DM


async def test_slash_kudos_in_a_channel_the_bot_is_not_in_is_shown_in_that_channel(
        slack: SlackHarness) -> None:
    # Slash commands work in any channel, but Slack refuses the bot's own post where it is
    # not a member (not_in_channel); the command's response_url still reaches the channel.
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal", raw=True,
                        channel="C0ELSEWHERE")

    [shout] = slack.fake.calls_for("response_url")
    assert shout.params["response_type"] == "in_channel"
    assert shout.params["text"] == "👏 <@U0SAM> — kudos from *Grace Chen*: the Acme renewal"
    assert "🎉 You got kudos from <@U0GRACE>: the Acme renewal" in slack.last_text(SAM)
    assert kudos_count(slack) == 1
    with slack.bot.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


async def test_the_leaderboard_asked_in_a_channel_the_bot_is_not_in_is_shown_there(
        slack: SlackHarness) -> None:
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal", raw=True)
    await slack.command(ALICE, "/kudos", "top month", channel="C0ELSEWHERE")

    [board] = slack.fake.calls_for("response_url")
    assert board.params["response_type"] == "in_channel"
    assert "*Kudos leaderboard* — this month (since 2026-11-01)" in board.params["text"]
    assert "1. Sam Lee — 1" in board.params["text"]


async def test_kudos_through_the_universal_command_names_the_person_picked(
        slack: SlackHarness) -> None:
    # Where another app owns /kudos, docs/slack.md says to use /teampulse kudos. Slack sends
    # the person picked from its list as an id only if the command has should_escape.
    await slack.command(GRACE, "/teampulse", "kudos <@U0SAM|sam> for the Acme renewal",
                        raw=True)

    assert slack.last_text(CHANNEL) == "👏 <@U0SAM> — kudos from *Grace Chen*: the Acme renewal"
    assert "🎉 You got kudos from <@U0GRACE>: the Acme renewal" in slack.last_text(SAM)
    assert kudos_count(slack) == 1


async def test_the_givers_export_lists_the_messages_to_them_not_the_shout_out_they_asked_for(
        slack: SlackHarness) -> None:
    from storage.personal_data import export_person, find_person

    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal", raw=True)
    with slack.bot.sessions() as session:
        grace = find_person(session, "grace")
        assert grace is not None
        texts = [m["text"] for m in export_person(session, grace)["messages_to_them"]]
    assert not any("kudos from *Grace Chen*" in (t or "") for t in texts)  # the channel's


async def test_an_edited_kudos_message_is_corrected_within_minutes(slack: SlackHarness) -> None:
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.000500")
    await slack.event(said)
    assert "You got kudos from <@U0SAM>" in slack.last_text(ALICE)
    # Sam meant 李雷 and fixes the name two minutes later.
    await slack.edit(said, "thanks <@U0LILEI> for the pricing review :clap:",
                     edited_ts="1700000120.000000")
    # The shout-out that praised Alice now shows who has the kudos (chat.update in place):
    # the thread no longer reads "👏 Alice" above a separate "✏️ Corrected" post.
    [shout] = slack.posts(CHANNEL)
    [update] = slack.fake.calls_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, slack.ts_of(shout))
    assert shown_in_thread(slack, "1700000000.000500") == [
        "✏️ Corrected: <@U0LILEI> — kudos from *Sam Lee*: thanks for the pricing review "
        ":clap:"]
    assert slack.last_text(LILEI).startswith("🎉 <@U0SAM> 给你点赞：thanks for the pricing review")
    assert "corrected their kudos: it was meant for someone else" in slack.last_text(ALICE)
    assert kudos_count(slack) == 1
    # Half an hour on, an edit changes nothing, and Sam is told why.
    await slack.edit(said, "thanks <@U0GRACE> for the pricing review :clap:",
                     edited_ts="1700001800.000000")
    assert ("I didn't read your edit: a message can correct its kudos only in the first 15 "
            "minutes after it was sent. The kudos stay as first given.") in slack.ephemerals(
        SAM)[-1].params["text"]
    with slack.bot.sessions() as session:
        assert [k.recipient.key for k in session.scalars(select(Kudos))] == ["li"]


async def test_an_edit_of_ordinary_chatter_changes_nothing(slack: SlackHarness) -> None:
    said = message(SAM, "<@U0ALICE> can you send the deck?", ts="1700000000.000600")
    await slack.event(said)
    await slack.edit(said, "<@U0ALICE> can you send the deck today?")
    assert slack.posts() == [] and slack.ephemerals() == []


async def test_a_waiting_shout_out_naming_someone_erased_mentions_nobody(
        slack: SlackHarness, tmp_path, monkeypatch) -> None:
    """Sam thanks Alice in the channel while Slack holds the bot back (429); the operator
    erases Alice before the shout-out goes out. It goes out with former-<id> in place of
    her, as README says, and not as a mention of an account called former-<id>
    (<@U0ALICE> had become <@former-…>)."""
    from io import StringIO

    from bot.cli import main
    from tests.test_personal_data import without_alice

    slack.fake.rate_limit("chat.postMessage", retry_after=60, times=10)
    await slack.event(message(SAM, "thanks <@U0ALICE> for the demo prep :clap:"),
                      settle=False)
    await slack.adapter.drain()
    await slack.bot.drain()
    without_alice(tmp_path, monkeypatch)
    monkeypatch.setenv("DATABASE_URL", slack.bot.settings.database_url)
    out = StringIO()
    assert main(["--env-file", "/dev/null", "erase", "alice", "--yes"], stdout=out) == 0
    assert "1 waiting anonymised" in out.getvalue()
    slack.fake.reset()
    await slack.settle()
    [shout] = [m["text"] for m in slack.fake.posted(CHANNEL)]
    assert shout.startswith("👏 former-") and "kudos from *Sam Lee*" in shout
    assert "U0ALICE" not in shout and "<@former" not in shout


def received_on_board(slack: SlackHarness, period: str = "month") -> list[tuple[str, int]]:
    """`/kudos top`'s "most recognised" side, as the team reads it, by key and count."""
    from handlers.kudos import build_board

    with slack.bot.sessions() as session:
        board = build_board(session, slack.bot.org, slack.clock.now(), period, None, None)
        return [(p.person.key, p.count) for p in board.received]


async def test_a_deleted_kudos_message_no_longer_counts(slack: SlackHarness) -> None:
    """Sam thanks Alice, then deletes the message: the channel no longer shows any praise,
    so neither the board nor the honour roll counts it, and Alice is told privately. Slack
    retrying the deletion changes nothing more."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.000700")
    await slack.event(said)
    assert received_on_board(slack) == [("alice", 1)]
    await slack.delete(said, event_id="Ev0DELETE1")
    assert kudos_count(slack) == 0 and received_on_board(slack) == []
    assert slack.last_text(ALICE) == ("The kudos from <@U0SAM> no longer count as yours: the "
                                      "message that gave them was deleted.")
    told = len(slack.posts(ALICE))
    await slack.delete(said, event_id="Ev0DELETE1",
                       **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert len(slack.posts(ALICE)) == told and kudos_count(slack) == 0
    # The allowance it used is given back: Sam's day counts what the channel shows.
    for n, who in enumerate(["U0ALICE", "U0LILEI", "U0GRACE", "U0ALICE", "U0LILEI"]):
        await slack.event(message(SAM, f"thanks <@{who}> for the review number {n} :clap:",
                                  ts=f"1700000100.00000{n}"))
    assert kudos_count(slack) == 5


async def test_a_kudos_message_deleted_after_its_month_is_over_stays_in_its_roll(
        slack: SlackHarness) -> None:
    """November's honour roll is history once December begins (it is posted on the 1st
    working day): deleting a November kudos message in December does not rewrite it."""
    from datetime import timedelta

    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.000800")
    await slack.event(said)  # Friday 27 November, New York
    slack.clock.advance(timedelta(days=5))
    told = len(slack.posts(ALICE))
    await slack.delete(said)
    assert kudos_count(slack) == 1
    assert received_on_board(slack, "last-month") == [("alice", 1)]
    assert len(slack.posts(ALICE)) == told


async def test_an_edit_that_takes_the_praise_out_takes_the_kudos_back(
        slack: SlackHarness) -> None:
    """The channel now reads "<@alice> can you send the deck?": no praise, no kudos. The
    author is told, and how to give them again."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.000900")
    await slack.event(said)
    await slack.edit(said, "<@U0ALICE> can you send the pricing review?",
                     edited_ts="1700000060.000000")
    assert kudos_count(slack) == 0 and received_on_board(slack) == []
    assert slack.ephemerals(SAM)[-1].params["text"].startswith(
        "Your edited message no longer reads as kudos, so the kudos it gave are taken back "
        "(Alice Martin).")
    assert slack.last_text(ALICE).endswith("was edited and no longer praises you.")
    # Put back within the 15 minutes, it gives them again.
    await slack.edit(said, "thanks <@U0ALICE> for the pricing review after all :clap:",
                     edited_ts="1700000120.000000")
    assert received_on_board(slack) == [("alice", 1)]


async def test_kudos_to_the_whole_channel_says_to_name_people(slack: SlackHarness) -> None:
    """`/kudos @here …` (or @channel, @everyone) names nobody in particular: the giver is
    told that kudos go to people by name, not the usage text as if nobody had been named;
    a plain "thanks @here" in the channel is the team's own thank-you and is left alone."""
    await slack.command(GRACE, "/kudos", "<!here> for shipping the launch", raw=True)
    assert slack.ephemerals(GRACE)[-1].params["text"].startswith(
        "Kudos go to people by name, not to @here")
    # The README names '@channel', '@everyone' and '@all' too ('@all' is plain text to Slack).
    for crowd, said in (("<!channel>", "@channel"), ("<!everyone>", "@everyone"),
                        ("@all", "@all")):
        await slack.command(GRACE, "/kudos", f"{crowd} for shipping the launch", raw=True)
        assert slack.ephemerals(GRACE)[-1].params["text"].startswith(
            f"Kudos go to people by name, not to {said}"), crowd
    await slack.event(message(GRACE, "thanks <!channel> for shipping the launch :tada:",
                              ts="1700000000.001000"))
    assert kudos_count(slack) == 0 and slack.posts(CHANNEL) == []


async def test_kudos_naming_a_person_and_the_channel_never_call_the_channel(
        slack: SlackHarness) -> None:
    """"/kudos @alice @here for the demo" praises Alice: the shout-out read "…: @here for
    the demo", and the board and her DM kept "@here" in the reason. The reason is "the
    demo" now, and no post of the bot's carries the channel's call (`<!here>`), escaped
    or not; the same in a plain channel message with `<!channel>`."""
    await slack.command(GRACE, "/kudos", "<@U0ALICE|alice> <!here> for the demo prep",
                        raw=True)
    assert slack.last_text(CHANNEL) == "👏 <@U0ALICE> — kudos from *Grace Chen*: the demo prep"
    await slack.event(message(SAM, "thanks <@U0LILEI> and <!channel> for the launch :tada:",
                              ts="1700000000.001050"))
    assert slack.last_text(CHANNEL) == ("👏 <@U0LILEI> — kudos from *Sam Lee*: thanks for the "
                                        "launch :tada:")
    assert slack.last_text(LILEI).startswith("🎉 <@U0SAM> 给你点赞：thanks for the launch")
    # The channel first, the person after: the same.
    await slack.command(SAM, "/kudos", "<!here> <@U0ALICE|alice> for the pricing deck",
                        raw=True)
    assert slack.last_text(CHANNEL) == ("👏 <@U0ALICE> — kudos from *Sam Lee*: the pricing "
                                        "deck")
    said = [str(c.params.get("text")) for c in slack.posts() + slack.ephemerals()]
    assert not [t for t in said if "here>" in t or "@here" in t or "channel" in t]
    with slack.bot.sessions() as session:
        assert sorted(k.reason for k in session.scalars(select(Kudos))) == [
            "thanks for the launch :tada:", "the demo prep", "the pricing deck"]


async def test_the_channel_named_within_the_reason_keeps_its_word(slack: SlackHarness) -> None:
    """"thanks @alice for helping @all of us ship": the whole channel named inside the
    reason, not beside the person, is part of why. It read "helping of us ship" (the
    word cut out with the mention); now the word stays, without the '@' that would read
    as calling everyone."""
    await slack.command(GRACE, "/kudos", "<@U0ALICE|alice> for helping @all of us ship "
                        "and keeping <!channel> posted", raw=True)
    assert slack.last_text(CHANNEL) == ("👏 <@U0ALICE> — kudos from *Grace Chen*: helping "
                                        "all of us ship and keeping channel posted")
    said = [str(c.params.get("text")) for c in slack.posts() + slack.ephemerals()]
    assert not [t for t in said if "@all" in t or "channel>" in t or "@channel" in t]


async def test_an_edit_that_adds_a_second_person_counts_each_once(slack: SlackHarness) -> None:
    """Sam forgot 李雷 and adds him a minute later: Alice keeps her one kudos (not two),
    李雷 gets his, and the edit delivered again changes nothing."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.001100")
    await slack.event(said)
    await slack.edit(said, "thanks <@U0ALICE> and <@U0LILEI> for the pricing review :clap:",
                     edited_ts="1700000060.000000")
    assert sorted(received_on_board(slack)) == [("alice", 1), ("li", 1)]
    assert len([c for c in slack.posts(ALICE) if "You got kudos" in c.params["text"]]) == 1
    posts = len(slack.posts())
    changed = {"type": "message", "user": SAM, "ts": said["ts"],
               "text": "thanks <@U0ALICE> and <@U0LILEI> for the pricing review :clap:",
               "edited": {"user": SAM, "ts": "1700000060.000000"}}
    body = {"type": "message", "subtype": "message_changed", "channel": CHANNEL,
            "hidden": True, "ts": "1700000060.000000", "event_ts": "1700000060.000000",
            "channel_type": "channel", "message": changed,
            "previous_message": {**changed, "text": said["text"]}}
    await slack.event(body, event_id="Ev0EDITAGAIN")
    await slack.event(body, event_id="Ev0EDITAGAIN",
                      **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert sorted(received_on_board(slack)) == [("alice", 1), ("li", 1)]
    assert len(slack.posts()) == posts


def shown_in_thread(slack: SlackHarness, thread_ts: str) -> list[str]:
    """What the channel shows of the bot's posts in one thread now (edits and deletions
    applied)."""
    return [m["text"] for m in slack.fake.posted(CHANNEL) if m.get("thread_ts") == thread_ts]


async def test_a_deleted_kudos_message_takes_its_shout_out_with_it(slack: SlackHarness) -> None:
    """Sam deletes his kudos message: the kudos stopped counting, but the bot's "👏 Alice —
    kudos from Sam" stayed in the thread, still praising. It is deleted too now
    (chat.delete of the post the outbox recorded), once, whatever Slack redelivers."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002000")
    await slack.event(said)
    [shout] = slack.posts(CHANNEL)
    ts = slack.ts_of(shout)
    assert shown_in_thread(slack, said["ts"]) == [shout.params["text"]]
    await slack.delete(said, event_id="Ev0DELETE2")
    await slack.delete(said, event_id="Ev0DELETE2",
                       **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert [(c.params["channel"], c.params["ts"]) for c in
            slack.fake.calls_for("chat.delete")] == [(CHANNEL, ts)]
    assert shown_in_thread(slack, said["ts"]) == [] and len(slack.posts(CHANNEL)) == 1


async def test_a_kudos_message_left_as_this_message_was_deleted_no_longer_counts(
        slack: SlackHarness) -> None:
    """Sam deletes his kudos message after the bot's shout-out and Lilei's "congrats!"
    were posted in its thread. A message with replies is not deleted on Slack: Slackbot's
    "This message was deleted." takes its place, and Slack says so with a message_changed
    (the tombstone, no `edited`), never a message_deleted. That change was taken for
    nobody's edit and ignored: Alice kept the kudos on the board and the shout-out went on
    praising her under the deleted message. Now the kudos go, Alice is told once, and the
    shout-out is deleted, Lilei's reply left as it is."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002100")
    await slack.event(said)
    [shout] = slack.posts(CHANNEL)
    slack.fake.history[CHANNEL].append({"type": "message", "user": LILEI, "text": "congrats!",
                                        "ts": "1700000000.002150", "thread_ts": said["ts"]})
    told = len(slack.posts(ALICE))

    await slack.delete(said, event_id="Ev0TOMBSTONE")

    assert received_on_board(slack) == [] and kudos_count(slack) == 0
    assert len(slack.posts(ALICE)) == told + 1
    assert slack.last_text(ALICE) == ("The kudos from <@U0SAM> no longer count as yours: the "
                                      "message that gave them was deleted.")
    assert [c.params["ts"] for c in slack.fake.calls_for("chat.delete")] == [
        slack.ts_of(shout)]
    assert [m["text"] for m in slack.replies_to(CHANNEL, said["ts"])] == ["congrats!"]


async def test_a_kudos_message_deleted_before_slack_delivered_it_gives_nothing(
        slack: SlackHarness) -> None:
    """Sam's kudos message did not get through at first (the bot was busy: Slack retries
    it within minutes); he deleted it meanwhile, and the deletion came first. The retried
    message then gave Alice kudos and a shout-out under a message nobody could see any
    more. Now it gives nothing: the channel shows no praise, and nobody is told of any."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002200")
    await slack.delete(said)
    told = len(slack.posts(ALICE))

    await slack.event(said, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})

    assert kudos_count(slack) == 0 and received_on_board(slack) == []
    assert slack.posts(CHANNEL) == [] and len(slack.posts(ALICE)) == told
    # Another message of his, not deleted, gives kudos as ever.
    await slack.event(message(SAM, "thanks <@U0ALICE> for the deck :clap:",
                              ts="1700000000.002201"))
    assert received_on_board(slack) == [("alice", 1)]


async def test_kudos_edited_out_turn_the_shout_out_into_a_withdrawal(
        slack: SlackHarness) -> None:
    """Sam edits the praise out: the thread kept "👏 Alice — kudos from Sam: …" under a
    message that no longer praises anyone. The shout-out now says the kudos were
    withdrawn (chat.update; the message still stands, so the thread reads on). Edited
    back within the 15 minutes, the kudos come back with a shout-out of their own."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002100")
    await slack.event(said)
    [shout] = slack.posts(CHANNEL)
    await slack.edit(said, "<@U0ALICE> can you send the pricing review?",
                     edited_ts="1700000060.000000")
    [update] = slack.fake.calls_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, slack.ts_of(shout))
    withdrawn = ("↩️ Kudos withdrawn: the message that gave them was edited and no longer "
                 "praises anyone.")
    assert shown_in_thread(slack, said["ts"]) == [withdrawn]
    await slack.edit(said, "thanks <@U0ALICE> for the pricing review after all :clap:",
                     edited_ts="1700000120.000000")
    assert shown_in_thread(slack, said["ts"]) == [
        withdrawn, "👏 <@U0ALICE> — kudos from *Sam Lee*: thanks for the pricing review "
                   "after all :clap:"]
    assert received_on_board(slack) == [("alice", 1)]


async def test_a_corrected_shout_out_is_withdrawn_with_the_first(slack: SlackHarness) -> None:
    """Sam fixes the name (the shout-out edited in place to "✏️ Corrected"), then edits the
    praise out: nothing in the thread may go on praising 李雷 or Alice. The one post now
    says the kudos were withdrawn; deleted, the message takes it with it."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002150")
    await slack.event(said)
    await slack.edit(said, "thanks <@U0LILEI> for the pricing review :clap:",
                     edited_ts="1700000060.000000")
    [shout] = slack.posts(CHANNEL)
    [fixed] = shown_in_thread(slack, said["ts"])
    assert fixed.startswith("✏️ Corrected") and "U0LILEI" in fixed and "U0ALICE" not in fixed
    await slack.edit(said, "<@U0LILEI> can you send the pricing review?",
                     edited_ts="1700000120.000000")
    assert {c.params["ts"] for c in slack.fake.calls_for("chat.update")} == {slack.ts_of(shout)}
    withdrawn = ("↩️ Kudos withdrawn: the message that gave them was edited and no longer "
                 "praises anyone.")
    assert shown_in_thread(slack, said["ts"]) == [withdrawn]
    assert kudos_count(slack) == 0

    again = message(SAM, "thanks <@U0ALICE> for the forecast :clap:", ts="1700000000.002160")
    await slack.event(again)
    await slack.edit(again, "thanks <@U0LILEI> for the forecast :clap:",
                     edited_ts="1700000060.000000")
    shouts = [slack.ts_of(p) for p in slack.posts(CHANNEL)[1:]]
    assert len(shouts) == 1
    await slack.delete(again, event_id="Ev0DELETE3")
    assert [c.params["ts"] for c in slack.fake.calls_for("chat.delete")] == shouts
    assert shown_in_thread(slack, again["ts"]) == [] and kudos_count(slack) == 0


async def test_a_withdrawn_shout_out_is_in_the_givers_language(slack: SlackHarness) -> None:
    """李雷 writes in Chinese: the shout-out he gave was in Chinese, and so is its
    withdrawal."""
    said = message(LILEI, "谢谢 <@U0ALICE> 帮忙准备投标材料 :clap:", ts="1700000000.002200")
    await slack.event(said)
    await slack.edit(said, "<@U0ALICE> 投标材料发我一下", edited_ts="1700000030.000000")
    assert shown_in_thread(slack, said["ts"]) == [
        "↩️ 点赞已撤回：给出点赞的那条消息已被编辑，不再点赞任何人。"]


async def test_a_shout_out_not_yet_sent_when_its_message_is_deleted_is_never_sent(
        slack: SlackHarness) -> None:
    """The message is deleted before the shout-out went out (Slack slow, a burst): it is
    not sent at all, rather than posted and then deleted."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002300")
    await slack.event(said, settle=False)
    await slack.delete(said, event_id="Ev0DELETE3")
    assert slack.posts(CHANNEL) == [] and slack.fake.calls_for("chat.delete") == []
    assert kudos_count(slack) == 0


async def test_a_shout_out_an_admin_deleted_already_is_left_so(slack: SlackHarness) -> None:
    """An admin deleted the bot's shout-out by hand before Sam deleted his message: Slack
    answers chat.delete with message_not_found, which is what was wanted; nothing is
    retried or reported as failed."""
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002400")
    await slack.event(said)
    slack.fake.fail("chat.delete", "message_not_found")
    await slack.delete(said, event_id="Ev0DELETE4")
    assert len(slack.fake.calls_for("chat.delete")) == 1
    with slack.bot.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


async def test_a_long_shout_out_goes_whole_when_its_kudos_are_taken_back(
        slack: SlackHarness) -> None:
    """A shout-out longer than one Slack message goes out in parts: deleting the message
    that gave the kudos deleted only its last part, and the first went on praising Alice.
    Every part goes now; and a long one edited out shows the withdrawal in its first part,
    the rest deleted."""
    # Within the 2,000 characters a reason takes, but Slack's &lt;, &gt; and &amp; for its
    # <, > and & fill more than one message.
    long_reason = " ".join(f"step {n} &lt;{'&amp;' * 8}&gt;" for n in range(95))
    said = message(SAM, f"thanks <@U0ALICE> for {long_reason} :clap:", ts="1700000000.002500")
    await slack.event(said)
    parts = slack.posts(CHANNEL)
    assert len(parts) == 2 and parts[0].params["text"].startswith("👏 <@U0ALICE>")
    posted = [m["ts"] for m in slack.fake.posted(CHANNEL) if m.get("thread_ts") == said["ts"]]
    await slack.delete(said, event_id="Ev0DELETE5")
    assert sorted(c.params["ts"] for c in slack.fake.calls_for("chat.delete")) == sorted(posted)
    assert shown_in_thread(slack, said["ts"]) == []

    said = message(SAM, f"thanks <@U0LILEI> for {long_reason} :clap:", ts="1700000000.002600")
    await slack.event(said)
    assert len(shown_in_thread(slack, said["ts"])) == 2
    await slack.edit(said, "<@U0LILEI> can you send the pricing review?",
                     edited_ts="1700000060.000000")
    assert shown_in_thread(slack, said["ts"]) == [
        "↩️ Kudos withdrawn: the message that gave them was edited and no longer praises "
        "anyone."]


async def test_a_correction_of_a_long_shout_out_leaves_one_post_for_the_kudos(
        slack: SlackHarness) -> None:
    """Sam corrects the name in a long kudos message: the shout-out's first part shows the
    correction and its other part goes, or the correction too long for one message is
    posted once the old parts are deleted; either way nothing names Alice any more."""
    # Within the 2,000 characters a reason takes, but Slack's &lt;, &gt; and &amp; for its
    # <, > and & fill more than one message.
    long_reason = " ".join(f"step {n} &lt;{'&amp;' * 8}&gt;" for n in range(95))
    said = message(SAM, f"thanks <@U0ALICE> for {long_reason} :clap:", ts="1700000000.002700")
    await slack.event(said)
    await slack.edit(said, f"thanks <@U0LILEI> for {long_reason} :clap:",
                     edited_ts="1700000060.000000")
    shown = shown_in_thread(slack, said["ts"])
    assert not [t for t in shown if "U0ALICE" in t]
    assert shown[0].startswith("✏️ Corrected: <@U0LILEI> — kudos from *Sam Lee*: thanks for "
                               "step 0")
    said = message(SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   ts="1700000000.002800")
    await slack.event(said)
    await slack.edit(said, "thanks <@U0LILEI> for the pricing review :clap:",
                     edited_ts="1700000060.000000")
    await slack.edit(said, "thanks <@U0GRACE> for the pricing review :clap:",
                     edited_ts="1700000090.000000")
    assert shown_in_thread(slack, said["ts"]) == [
        "✏️ Corrected: <@U0GRACE> — kudos from *Sam Lee*: thanks for the pricing review :clap:"]


async def test_a_name_inside_a_chinese_sentence_stays_in_the_shout_out(
        slack: SlackHarness) -> None:
    # "从<@U0ALICE>那里学到很多" (learned a lot from Alice) was shouted out "从 那里学到很多".
    await slack.event(message(LILEI, "从<@U0ALICE>那里学到很多，谢谢👏", ts="1700000000.002001"))
    shout = slack.last_text(CHANNEL)
    assert shout.startswith("👏 <@U0ALICE> —— 来自 *李雷* 的点赞："), shout
    assert shout.endswith("：从@Alice Martin那里学到很多，谢谢👏"), shout
    assert kudos_count(slack) == 1


async def test_an_honour_roll_its_channel_refuses_is_reported_to_the_gm(
        slack: SlackHarness) -> None:
    """The honours channel is archived (or the bot was never invited, or removed): Slack
    refuses the roll for good. Only the log said so; Grace, reading her own copy in her
    DM, believed the team had it too. Now she is told which channel refused it, what to
    do, and to forward her copy; in Chinese once she reads Chinese."""
    from dataclasses import replace
    from datetime import UTC, datetime

    bot = slack.bot
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"slack": "C0HONOURS"}))
    slack.fake.join("C0HONOURS")
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal #ownership",
                        raw=True)
    slack.fake.fail("chat.postMessage", "is_archived", times=1)
    slack.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York
    assert await bot.run_honours()
    await slack.settle()

    assert slack.posts("C0HONOURS")[-1].params["text"].startswith("🏆 *Honour roll")
    assert slack.fake.posted("C0HONOURS") == []  # refused: the team never saw it
    roll, note = [c.params["text"] for c in slack.posts(GRACE)[-2:]]
    assert roll.startswith("🏆 *Honour roll — November 2026*")
    assert note == (
        "⚠️ I could not post the honour roll of November 2026 in its channel (`C0HONOURS`, "
        "`org.kudos.honours_channel.slack` in the org file): Slack refused it, so the "
        "channel may be archived or gone, or I am not in it. Invite me there "
        "(`/invite @teampulse`), or name another channel in the org file. The team has not "
        "seen the roll: forward them the copy I sent you.")
    assert await bot.run_honours()  # the job firing again posts nothing more
    await slack.settle()
    assert slack.posts(GRACE)[-1].params["text"] == note


async def test_an_honour_roll_refused_is_reported_in_the_gms_language(
        slack: SlackHarness) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    bot = slack.bot
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"slack": "C0NOTJOINED"}))
    await slack.command(GRACE, "/language", "中文", channel="D0GRACE")
    slack.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert await bot.run_honours()
    await slack.settle()

    assert slack.last_text(GRACE) == (
        "⚠️ 2026年11月的荣誉榜没能发到它的频道（`C0NOTJOINED`，即组织文件中的 "
        "`org.kudos.honours_channel.slack`）：Slack 拒绝了这条消息，频道可能已归档或删除，或者"
        "我不在这个频道里。请把我邀请进去（`/invite @teampulse`），或在组织文件中改用别的频道。"
        "团队还没有看到这份荣誉榜：可以把我发给你的那份转发给大家。")


async def test_kudos_to_a_guest_named_like_a_director_say_so_not_to_add_them(
        slack: SlackHarness) -> None:
    """A Slack Connect guest whose handle is 'alice', picked from Slack's list: the giver
    was told to ask for 'alice' to be added to the org file, which has her."""
    await slack.command(GRACE, "/kudos", "<@U0PARTNER|alice> for the flawless demo", raw=True)
    note = slack.ephemerals(GRACE)[-1].params["text"]
    assert note == ("I can't give kudos to <@U0PARTNER>: that account is not in the org file, "
                    "though it has the name of Alice Martin (`alice`) of the org: a mention "
                    "names that very account, not someone else called the same. Nothing was "
                    "given: to praise the person of the org, mention their own account or "
                    "reply to one of their messages.")
    assert slack.posts(CHANNEL) == [] and kudos_count(slack) == 0
