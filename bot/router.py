"""From an inbound event to the handler that deals with it."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import timedelta

from bot.clock import as_utc
from bot.events import InboundEvent
from bot.text import INVISIBLE, shows_nothing
from handlers import checkin, kudos, monthly_review, oneonone, pulse, review
from handlers.context import Context
from handlers.help import unknown_person
from handlers.honours import channel_locale
from handlers.registry import COMMANDS
from storage.models import Conversation

#: The longest command read, in characters: above the longest anything takes (a kudos
#: reason or a support request of 2,000, with the names and words around it).
MAX_COMMAND_LENGTH = 5000
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


def command_form(text: str) -> str:
    """A command typed on a Chinese keyboard in full-width mode ('／ｓｕｍｍａｒｙ　ｌａｓｔ　４ｗ')
    as the ASCII command it means; any other text as it is.

    The command word is folded whole; in what follows, which may be the person's own text
    (a kudos reason, an agenda item), only full-width letters and digits.
    """
    if not text.startswith(("/", "\uff0f")):
        return text
    head = re.match(r"\S*", text)
    assert head is not None
    return unicodedata.normalize("NFKC", head.group(0)) + text[head.end():].translate(_WIDE)


# Full-width letters and digits ('ｌａｓｔ　４ｗ', 'Ｑ１') as ASCII: in full-width mode the
# arguments come that way too, and so does the space between words, '　' (U+3000): a
# subcommand read up to an ASCII space ('/kudos　top　本月') was taken for kudos to give.
# Chinese punctuation（，。）stays as typed.
_WIDE = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                          *range(0xFF41, 0xFF5B))} | {0x3000: 0x20}


# A command alone with a sentence's end typed after it ('/summary。', '/summary!'): the
# command. ('/kudos。@alice …', with more after it, stays unread.)
_COMMAND_THEN_STOP = re.compile(r"^(/[A-Za-z0-9_]+(?:@\w+)?)[.。!！?？]+$")


def parse_command(text: str, bot_username: str | None = None) -> tuple[str, str] | None:
    """'/summary@MyBot last 4w' -> ('summary', 'last 4w'); None if not a command.

    A command addressed to another bot (`/x@OtherBot`) is not ours: None.
    """
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name, addressed, args = match.group(1).lower(), match.group(2), match.group(3) or ""
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None
    return name, args.strip()


def for_another_bot(text: str, bot_username: str | None) -> bool:
    """Whether `text` is a command addressed to another bot ('/kudos@OtherBot …')."""
    match = _COMMAND.match(text.strip())
    addressed = match.group(2) if match else None
    return bool(addressed and bot_username and addressed.lower() != bot_username.lower())


def route(ctx: Context, bot_username: str | None = None) -> None:
    """Decide what an event means and call its handler."""
    event = ctx.event
    assert event is not None
    # A zero-width space or a byte order mark pasted around an answer ('12\u200b') is
    # not part of it.
    text = "" if shows_nothing(event.text) else \
        _COMMAND_THEN_STOP.sub(r"\1", command_form(event.text.strip().strip(INVISIBLE).strip()))
    command = parse_command(text, bot_username) if text.startswith("/") else None
    if event.deleted:
        # A deleted message is read for the kudos it gave only. In a DM it may have been a
        # mistyped answer, deleted to take it back: the person is told it was recorded
        # (and how to change it), not left to type it again into the next question.
        if not kudos.on_delete(ctx) and event.is_direct and ctx.person is not None:
            # Once an hour at most: several messages deleted in a row are told once. (The
            # last hour's, not the clock's: keyed by the hour alone, 10:59 and 11:00 were
            # told twice.) Keyed by the hour still, so the note of the last hour is found
            # by its key among the two it can have (the outbox's unique index, not a scan).
            now = ctx.clock.now()
            keys = [f"delete-not-read:{ctx.person.key}:{moment:%Y-%m-%dT%H}"
                    for moment in (now - timedelta(hours=1), now)]
            if not ctx.outbox.queued_since(keys, now - timedelta(hours=1)):
                ctx.tell(ctx.person, "delete_not_read", dedupe_key=keys[-1])
        return
    # A group's command for another bot ('/kudos@OtherBot thanks @alice') is that bot's
    # to answer: not ours, and not kudos either, though it reads like praise.
    elsewhere = not event.is_direct and for_another_bot(text, bot_username)
    if event.via_bot is not None:
        # Picked from an inline bot's results: that bot's words, sent from the person's
        # account. Taken as typed, '52000' from @calcbot became their revenue.
        if event.is_direct and ctx.person is None:
            unknown_person(ctx)
        elif event.is_direct and ctx.person is not None:
            ctx.reply("via_bot_not_read", bot=event.via_bot,
                      waiting=ctx.conversations.get(ctx.person) is not None
                      or oneonone.waits_for_text(ctx))
        return
    if event.edited_after is not None:
        _edited(ctx, "" if elsewhere else text, command)
        return
    if elsewhere:
        return
    if event.as_chat:
        # An anonymous group admin (or someone posting as a channel) has no account we can
        # tell apart: said in the group, where it was asked, for there is nobody to DM,
        # in the language of the team's channel posts.
        if command is not None:
            ctx.reply("sent_as_chat", private=False,
                      locale=channel_locale(ctx, event.platform))
        return
    if event.forwarded and not event.is_direct:
        # Words passed on from elsewhere (a colleague's "/kudos @bruno …", praise said in
        # another group): giving them again in the forwarder's name would double them.
        return
    if ctx.person is None:
        # Strangers in a group chatting among themselves are none of our business.
        if event.is_direct or command is not None or event.action:
            unknown_person(ctx)
        return
    if event.action:
        handled = oneonone.on_action(ctx, event.action)
        if handled is not None:
            if not handled:
                ctx.reply("button_stale")
            return
        if not checkin.on_action(ctx, event.action) and not pulse.on_action(ctx, event.action):
            ctx.reply("button_stale")
        return
    if event.captioned and not _caption_answers(ctx, text, command):
        _captioned(ctx, text, command)
        return
    if event.forwarded and text.startswith("/"):
        # A command passed on ('/checkin send' from the GM's chat) is not this person's.
        ctx.reply("forwarded_not_read")
        return
    if command is not None:
        name, args = command
        if len(text) > MAX_COMMAND_LENGTH and name != "kudos":
            # A list or a document pasted after a command (a Slack message takes 40,000
            # characters): an answer quoting what was typed ('I don't know anyone called
            # "…"') came back as many messages. No command takes anything this long;
            # /kudos says how long a reason may be, quoting none of it.
            ctx.reply("command_too_long", length=len(text), limit=MAX_COMMAND_LENGTH,
                      command=name if len(name) <= 32 else name[:32] + "…")
            return
        found = COMMANDS.get(name)
        if found is None and kudos.looks_like_kudos(ctx.org, event, text, ctx.session):
            # '@teampulse thanks @alice for …' in Slack arrives as the command '/thanks …'.
            kudos.on_message(ctx, text[1:])
            return
        if found is None:
            ctx.reply("unknown_command", command=name, guess=_guess(name))
            return
        found.run(ctx, args)
        return
    if text.startswith("/") and event.is_direct:
        typed = text.split()[0].lstrip("/")
        if not typed and len(text.split()) > 1:
            # '/ summary': a space typed after the slash. Asked back (with the command
            # meant), not run: "I don't know the command /." lost the word.
            word = text.split()[1]
            ctx.reply("unknown_command", command=" " + word, guess=_guess(word))
            return
        ctx.reply("unknown_command", command=typed, guess=_guess(typed))
        return
    if not event.is_direct:
        # Channel chatter is none of our business, except praise: a kudos word with a mention.
        if kudos.looks_like_kudos(ctx.org, event, text, ctx.session):
            kudos.on_message(ctx, text)
        return
    if not text:
        _not_text(ctx)
        return
    # The answer is for the question asked last: a person has at most two open, their
    # check-in's, poll's, survey's or monthly question (one at a time) and a 1:1 one.
    # A "5" typed after Thursday's "how useful was your 1:1?" is its rating, not the
    # revenue asked on Monday and never started; the check-in question follows the 1:1
    # (oneonone._ask_next_waiting). A 1:1 question that came in the middle of a check-in
    # waits behind it and says so (oneonone._waits_behind).
    conv = ctx.conversations.get(ctx.person)
    if _replies_to_earlier(event, conv):
        ctx.reply("reply_to_earlier")
        return
    if event.with_files and (conv is not None or oneonone.waits_for_text(ctx)):
        _files_not_kept(ctx)
    one_on_one_first = oneonone.takes_typed(ctx, conv)
    if one_on_one_first and oneonone.on_text(ctx, text):
        return
    if checkin.on_text(ctx, text) or pulse.on_text(ctx, text) \
            or monthly_review.on_text(ctx, text) or review.on_text(ctx, text):
        return
    if not one_on_one_first and oneonone.on_text(ctx, text):
        return
    if kudos.looks_like_kudos(ctx.org, event, text, ctx.session):
        if event.forwarded:  # an answer above takes it; kudos are typed by their giver
            ctx.reply("forwarded_not_read")
        else:
            kudos.on_message(ctx, text)
        return
    if checkin.edit_hint(ctx, text):
        return
    # Not sent to /checkin if they are not asked to check in (it turns them away),
    # and pointed to the poll or survey they put aside: a number typed after /pause
    # is no vote, nor a rating.
    if pulse.put_aside(ctx, ctx.person):
        pulse.say_put_aside(ctx, ctx.person.checks_in)
        return
    aside = "review" if review.survey_waiting(ctx, ctx.person) else ""
    ctx.reply("not_waiting", checks_in=ctx.person.checks_in, put_aside=aside)


#: How far the platform's clock may lag ours (Telegram dates messages in whole seconds):
#: a reply to a bot message sent this little before a question was asked is taken as one
#: to that question. The person's own answer to the question before always came first.
_CLOCKS_APART = timedelta(seconds=2)


def _replies_to_earlier(event: InboundEvent, conv: Conversation | None) -> bool:
    """Whether a private message replies to a message (the bot's, or the person's own)
    sent before the check-in question waiting was asked: a fix of an earlier answer,
    typed as a reply to its question or to the answer, was filed as the answer to the
    question asked since. Not while a typed number awaits confirmation: the reply may
    well be to its question."""
    if event.reply_to_sent_at is None or conv is None or conv.kind != "checkin" \
            or conv.pending_numbers:
        return False
    apart = timedelta(0) if event.reply_to_own else _CLOCKS_APART
    return event.reply_to_sent_at < as_utc(conv.updated_at) - apart


def _files_not_kept(ctx: Context) -> None:
    """Words sent with a file (a screenshot) to a question waiting: the words are read as
    its answer, the file dropped. Said before what the words bring (the next question
    stays the last message), once a day at most: the last 24 hours', keyed by the day
    as the deleted-message note is by the hour (the outbox's unique index, not a scan)."""
    assert ctx.person is not None
    now = ctx.clock.now()
    keys = [f"files-not-kept:{ctx.person.key}:{day:%Y-%m-%d}"
            for day in (now - timedelta(days=1), now)]
    if not ctx.outbox.queued_since(keys, now - timedelta(days=1)):
        ctx.tell(ctx.person, "files_not_kept", dedupe_key=keys[-1])


def _not_text(ctx: Context) -> None:
    """A sticker, a photo or a voice note in private: mid-dialog (a 1:1's too), the
    question still waits for text."""
    event, person = ctx.event, ctx.person
    assert event is not None and person is not None
    waiting = ctx.conversations.get(person) is not None or oneonone.waits_for_text(ctx)
    if event.text and shows_nothing(event.text):
        # Only invisible characters: an empty message, which the console drops. Asked a
        # question, they are told no answer came (as for one of control characters
        # only), never that their number is wrong; otherwise nothing is said, as a
        # chat app sends nothing for it.
        if waiting:
            ctx.reply("answer_empty")
        return
    ctx.reply("unsupported_message", waiting=waiting)


def _caption_answers(ctx: Context, text: str, command: tuple[str, str] | None) -> bool:
    """Whether a caption is read as the words typed with it, as Slack reads a file's: in
    private, while a question waits for text (a check-in's, a poll's, a 1:1's), and not a
    command (a caption runs none but /kudos). A screenshot captioned "8000" mid check-in
    was answered that only text is read, though the figure was typed right under it."""
    assert ctx.person is not None
    event = ctx.event
    assert event is not None
    if not event.is_direct or not text or command is not None or text.startswith("/"):
        return False
    return ctx.conversations.get(ctx.person) is not None or oneonone.waits_for_text(ctx)


def _captioned(ctx: Context, text: str, command: tuple[str, str] | None) -> None:
    """A photo's (a video's, a file's) caption with no question waiting for it (see
    _caption_answers): kudos as the same words typed would give (praise with a kudos word,
    or `/kudos …`), under the same rules, and nothing else. Its caption runs no other
    command: in private, the person hears what they heard for a photo before captions
    were read."""
    event = ctx.event
    assert event is not None
    found = COMMANDS.get(command[0]) if command is not None else None
    args = command[1] if command is not None and found is COMMANDS["kudos"] else None
    # A command for another bot ('/kudos@OtherBot …') is no praise here either.
    praise = command is None and not text.startswith("/") \
        and kudos.looks_like_kudos(ctx.org, event, text, ctx.session)
    if (args is not None or praise) and event.forwarded:
        # Only in private (a group's forwards were left alone above): passed-on praise is
        # not the forwarder's to give, as for a forwarded text.
        ctx.reply("forwarded_not_read")
    elif args is not None:
        COMMANDS["kudos"].run(ctx, args)
    elif praise:
        kudos.on_message(ctx, text)
    elif event.is_direct:
        _not_text(ctx)


def _edited(ctx: Context, text: str, command: tuple[str, str] | None) -> None:
    """An edited message: read again only as kudos (a name fixed moments after praising
    someone); any other edit changes nothing, and in private the person is told so."""
    event = ctx.event
    assert event is not None
    if ctx.person is None:
        if event.is_direct:
            unknown_person(ctx)
        return
    praise: str | None = None
    if command is not None and command[0] == "kudos":
        if command[1].split(" ", 1)[0].lower() not in ("top", "me"):
            praise = command[1]
    elif command is not None and COMMANDS.get(command[0]) is None:
        praise = text[1:] if kudos.looks_like_kudos(ctx.org, event, text, ctx.session) else None
    elif command is None and kudos.looks_like_kudos(ctx.org, event, text, ctx.session):
        praise = text
    if not kudos.on_edit(ctx, praise) and event.is_direct:
        # Mid-dialog, "send it again as a new message" filed a corrected answer under the
        # question asked since (the wins fixed, stored as the blockers): say what a new
        # message answers, and what changes one given.
        ctx.reply("edit_not_read", waiting=ctx.conversations.get(ctx.person) is not None
                  or oneonone.waits_for_text(ctx))


def _guess(typed: str) -> str | None:
    """The command a mistyped one is closest to ('/action' -> 'actions', '/sumary' ->
    'summary'), if one is close; the hidden aliases are never offered."""
    typed = typed.lower()
    if typed in _SAID_SO:
        return _SAID_SO[typed]
    names = [c.name for c in COMMANDS.values() if not c.hidden or c.name in _OFFERED]
    close = difflib.get_close_matches(typed, names, n=1, cutoff=0.6)
    return close[0] if close else None


# What people call a command, which no spelling distance finds: a one-on-one's other
# names, and the commands' names in Chinese (a command is typed in Latin letters).
_SAID_SO = {"oneonone": "1on1", "one-on-one": "1on1", "1-on-1": "1on1", "1to1": "1on1",
            "one_on_one": "1on1", "meeting": "1on1", "帮助": "help", "一对一": "1on1",
            "面谈": "1on1", "议程": "agenda", "行动项": "actions", "点赞": "kudos",
            "总结": "summary", "汇总": "summary", "概况": "summary", "目标": "goals",
            "支持": "support", "周报": "checkin", "外出": "away", "请假": "away",
            "回来": "back", "荣誉榜": "honours", "脉搏": "pulse", "月度回顾": "monthly",
            "跳过": "skip", "修改": "edit", "暂停": "pause", "语言": "language",
            "lang": "language", "切换语言": "language"}


# Hidden from the platforms' menus (GM-only, or an answer to a DM), but a typo of them is
# still theirs.
_OFFERED = frozenset({"monthly", "review"})
