"""Anonymous pulse polls: morale, stress and the org's own questions, every second week.

How anonymity holds (see also storage/pulse.py):
- Each answer is stored the moment it is given, as its own row with no person, no
  platform id and no time (storage/pulse.py). So a poll answered over several
  messages needs no partial answers anywhere: the conversation only records which
  question comes next ("<poll id>:<step>"), never a value.
- Buttons carry a concealed action (bot.events.CONCEALED_PREFIX): the adapters show
  "answered" in place of a pressed button, never its label.
- Nothing the bot sends depends on a value, the care note included: it follows the
  stress question for everyone, whatever they answered, inside the next question. Sent
  after a high stress answer only, it sat in the outbox, text and all, for as long as
  the platform was down: whoever read the database then learnt who had answered high
  stress. Now every row of that step reads the same, and the note is as durable, and
  sent once, as any outbox message (README, *Your answers are anonymous*).
- Nothing here logs; the core logs counts only, never values or comments. The events
  that answer a poll set `ctx.anonymous`, and its DMs are marked SCRUB_KEY: neither is
  counted or timed in the metrics, nor logged per message above DEBUG (bot.metrics).
- Results are shown only for groups of at least the poll's threshold, per question,
  and a team is hidden when the org minus the shown teams would leave a group
  smaller than that (see `visible_slices`).
- Results are shown only once a poll has closed: while it is open, reading them before
  and after one more person answers would show that person's answer (the difference).
  Nor is participation shown while it is open, everywhere (chat, CLI; the summaries,
  their charts and the digest read closed polls only): a count that moves would tell a
  manager watching it whether, and when, the person they just asked answered.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.events import (
    CONCEALED_PREFIX,
    SCRUB_KEY,
    Choice,
    scrubbed,
)
from bot.org import team_guess, team_spellings
from bot.pulse_config import MAX_TREND_POLLS, PulseQuestion, PulseSettings
from bot.readers import GM, VIEWERS, team_readers
from bot.team_names import spellings_of, team_key
from bot.text import clean_text
from handlers.answers import (
    NOTHING_WORDS,
    chinese_number,
    is_pause,
    is_skip,
    keyword,
    normalise,
    team_word,
)
from handlers.checkin import cmd_cancel
from handlers.context import Context, Fallback
from handlers.waiting import after_dialog, under_way
from storage.models import Conversation, Person
from storage.oneonone import OneOnOneRepo
from storage.pulse import (
    DIALOG_KIND,
    PulseParticipant,
    PulsePoll,
    PulseRepo,
    Tally,
    shown_threshold,
)
from storage.round_batch import RoundBatchRepo

ACTION = f"{CONCEALED_PREFIX}pulse"
CONVERSATION_KIND = DIALOG_KIND
COMMENT_LIMIT = 2000
#: /pulse results in chat shows this many of the poll's comments, then how many more (the
#: CLI prints them all): 10,000 people may leave thousands.
COMMENTS_SHOWN = 20
#: Words that leave the comment out: the button's own label typed ("No comment", 不留言),
#: and how people say "nothing to add". Each had been kept as an anonymous comment, which
#: nobody can take back. (Not "no support" or the like: that is a comment.)
NO_COMMENT_WORDS = NOTHING_WORDS | {"skip", "/skip", "-", "nope", "no comment", "no comments",
                                    "跳过", "不留言", "无意见", "没意见", "没有意见",
                                    "没什么要说的", "没有补充", "无补充"}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
ORG_SLICE = ""  # the whole org, in slice maps and alert keys
#: A date with no poll: this many of the latest poll dates are named.
POLL_DATES_SHOWN = 6


# --- cadence ------------------------------------------------------------------------------

def poll_date(settings: PulseSettings, today: date) -> date:
    """The latest poll date on or before `today` (every N weeks, on the weekday)."""
    anchor = settings.first_week - timedelta(days=settings.first_week.weekday())
    day = today - timedelta(days=(today.weekday() - settings.weekday) % 7)
    weeks = (day - anchor).days // 7
    return day - timedelta(weeks=weeks % settings.every_weeks)


def opens_at(settings: PulseSettings, day: date, timezone: str) -> datetime:
    """When a poll dated `day` opens in a timezone."""
    return datetime.combine(day, settings.at, tzinfo=ZoneInfo(timezone))


def audience(ctx: Context) -> list[Person]:
    """Who is asked: active people with a listed role or team (everyone if none listed)."""
    settings = ctx.org.pulse
    people = ctx.people.active()
    if not settings.roles and not settings.teams:
        return people
    return [p for p in people if p.role in settings.roles
            or team_key(p.team) in settings.teams]


def questions_of(poll: PulsePoll) -> list[PulseQuestion]:
    """A poll's questions as they were when it opened."""
    return [PulseQuestion.from_dict(q) for q in poll.questions]


# --- the scheduled sweep --------------------------------------------------------------------

@dataclass
class SweepResult:
    """What one sweep did (counts only: nothing here may name a value)."""

    asked: int = 0
    reminded: int = 0
    closed: list[str] = field(default_factory=list)
    alerts: int = 0


def sweep(ctx: Context) -> SweepResult:
    """Open due polls, ask whoever's time has come, remind once, close and alert.

    Run every few minutes by the scheduler (the core runs the same steps in several
    transactions: see TeamPulse.run_pulse); idempotent: a person is asked once per
    poll, reminded once, and a poll closes once.
    """
    result = SweepResult(asked=ask_people(ctx, due_people(ctx)))
    finish = remind_and_close(ctx)
    finish.asked = result.asked
    return finish


def due_people(ctx: Context) -> list[int]:
    """Open the polls whose time has come; the ids of the people to ask now."""
    settings = ctx.org.pulse
    if not settings.enabled:
        return []
    now = ctx.clock.now()
    repo = PulseRepo(ctx.session)
    people = audience(ctx)
    asked: dict[int, set[int]] = {}  # poll id -> people already asked (one query a poll)
    due: list[int] = []
    for person in people:
        poll = _live_poll(ctx, person, now)
        if poll is None:
            poll = _create_poll(ctx, _poll_day(settings, person, now), people) \
                if _in_window(settings, person, now) else None
        if poll is None or poll.closed:
            continue
        if poll.id not in asked:
            asked[poll.id] = repo.participant_ids(poll)
        if person.id not in asked[poll.id]:
            due.append(person.id)
    return due


def _poll_day(settings: PulseSettings, person: Person, now: datetime) -> date:
    return poll_date(settings, now.astimezone(ZoneInfo(person.timezone)).date())


def _in_window(settings: PulseSettings, person: Person, now: datetime) -> bool:
    start = opens_at(settings, _poll_day(settings, person, now), person.timezone)
    return start <= now < start + timedelta(days=settings.close_after_days)


def _next_opening(ctx: Context, person: Person, now: datetime) -> datetime | None:
    """When the next poll opens for `person`, in their time; None if polls are off, they
    are not asked, or one's window is open now (the sweep has not opened it yet)."""
    settings = ctx.org.pulse
    if not settings.enabled or _in_window(settings, person, now) or \
            person.id not in {p.id for p in audience(ctx)}:
        return None
    day = _poll_day(settings, person, now)
    start = opens_at(settings, day, person.timezone)
    if start <= now:
        start = opens_at(settings, day + timedelta(weeks=settings.every_weeks),
                         person.timezone)
    return start


def _live_poll(ctx: Context, person: Person, now: datetime) -> PulsePoll | None:
    """The poll open for a person now (by their own clock), if it exists yet."""
    settings = ctx.org.pulse
    if not _in_window(settings, person, now):
        return None
    return PulseRepo(ctx.session).poll(_poll_day(settings, person, now).isoformat())


def ask_people(ctx: Context, person_ids: list[int]) -> int:
    """Send the first question of their open poll to these people (once); how many.

    Someone in the middle of another dialog (their check-in, say) is not asked yet: the
    poll would take over their next message. The sweep asks them once it has ended. So
    too one asked something else since they were read free (_record_unless_under_way).
    """
    now = ctx.clock.now()
    repo = PulseRepo(ctx.session)
    if ctx.session.get_bind().dialect.name == "postgresql":
        # Their rows first, in id order, in one statement, as a batch of events locks its
        # senders: asked one by one while two of them said /pulse in a batch elsewhere,
        # each side held one and waited for the other (PeopleRepo.lock).
        ctx.people.lock(person_ids)
    ctx.conversations.preload(person_ids)
    OneOnOneRepo(ctx.session).preload_dialogs(person_ids)
    people = [p for p in (ctx.session.get(Person, i) for i in person_ids) if p is not None]
    # Nobody is asked while away (one query for all): a later sweep asks them once back,
    # if the poll is still open.
    away = {pid for pid, _ in ctx.away.covering([(p.id, p.timezone, now) for p in people])}
    count = 0
    for person in people:
        poll = _live_poll(ctx, person, now)
        if poll is None or poll.closed or person.id in away or \
                repo.participant(poll, person) is not None or \
                under_way(ctx, person, now) or \
                not _record_unless_under_way(ctx, person, poll, 0):
            continue
        part = repo.add_participant(poll, person, _team_of(ctx, person))
        # Asked after the reminder's time (back from time away, or out of a long dialog):
        # a "gentle reminder" minutes after the poll itself would be noise.
        part.reminded = now >= opens_at(ctx.org.pulse, date.fromisoformat(poll.key),
                                        person.timezone) + \
            timedelta(hours=ctx.org.pulse.remind_after_hours)
        if _ask(ctx, person, poll, 0, intro="pulse_intro", recorded=True,
                dedupe_key=f"pulse:{poll.key}:{person.key}:prompt"):
            count += 1
    return count


def remind_and_close(ctx: Context) -> SweepResult:
    """Remind once whoever has not finished; close polls whose time is up and alert (all in
    the caller's transaction: the core runs each step in one of its own, see
    TeamPulse.run_pulse)."""
    result = remind(ctx)
    for poll_id in open_poll_ids(ctx):
        finished = finish_poll(ctx, poll_id)
        result.alerts += finished.alerts
        result.closed += finished.closed
    return result


def remind(ctx: Context) -> SweepResult:
    """Remind once whoever has not finished an open poll (a transaction of its own in the
    core: it holds people's progress, which an answer moves on; see `finish_poll`)."""
    return SweepResult(reminded=_remind(ctx, PulseRepo(ctx.session), ctx.clock.now()))


def open_poll_ids(ctx: Context) -> list[int]:
    """The ids of the polls not closed yet, oldest first."""
    return [poll.id for poll in PulseRepo(ctx.session).open_polls()]


def finish_poll(ctx: Context, poll_id: int) -> SweepResult:
    """Shuffle an open poll's answers; close it and alert if its time is up.

    The core runs it in a transaction of its own per poll, which writes nothing an answer
    waits for before its close waits for the answers holding the poll (PulseRepo.close;
    the rows `shuffle` takes are skipped by an answer, never waited for). With the
    reminders, or another poll's close, in the same transaction, a batch of events answering
    two polls could hold this one while waiting for what the sweep held: a person's
    progress it had reminded, or the other poll it had closed. A deadlock, which
    PostgreSQL broke after a second by undoing one side (the sweep: no poll closed, nobody
    reminded until the next)."""
    result = SweepResult()
    repo = PulseRepo(ctx.session)
    poll = repo.by_id(poll_id)
    if poll is None or poll.closed:
        return result
    if ctx.session.get_bind().dialect.name != "sqlite":
        repo.shuffle(poll)  # see PulseRepo.shuffle: row order must not pair answers up
    if ctx.clock.now() >= poll.closes_at:
        alerts = close_poll(ctx, poll)
        if alerts is not None:
            result.alerts += alerts
            result.closed.append(poll.key)
    return result


def _team_of(ctx: Context, person: Person) -> str | None:
    """A person's team as a poll keeps it: as the org file first writes it (team_spellings),
    so `team: East` for three people and `EAST` for two are one team of five, not two
    groups each below the threshold."""
    if not person.team:
        return person.team
    return team_spellings(ctx.org).get(team_key(person.team), person.team)


def _create_poll(ctx: Context, day: date, people: list[Person]) -> PulsePoll:
    settings = ctx.org.pulse
    sizes: dict[str, int] = {}
    for p in people:
        team = _team_of(ctx, p)
        if team:
            sizes[team] = sizes.get(team, 0) + 1
    # A team is stored with votes only if it is big enough to be shown one day.
    teams = sorted(t for t, n in sizes.items() if n >= settings.threshold)
    closes = max(opens_at(settings, day, p.timezone) for p in people) + \
        timedelta(days=settings.close_after_days)
    return PulseRepo(ctx.session).create(
        day.isoformat(), [q.to_dict() for q in settings.all_questions()], settings.threshold,
        teams, closes)


def _remind(ctx: Context, repo: PulseRepo, now: datetime) -> int:
    settings = ctx.org.pulse
    count = 0
    for poll in repo.open_polls():
        if now >= poll.closes_at:
            continue
        reminding: list[tuple[PulseParticipant, Person, datetime]] = []  # (.., when due)
        for part in repo.participants(poll):
            if part.done or part.reminded:
                continue
            person = ctx.session.get(Person, part.person_id)
            if person is None or not person.active:
                continue
            due = opens_at(settings, date.fromisoformat(poll.key), person.timezone) + \
                timedelta(hours=settings.remind_after_hours)
            if now < due:
                continue
            if under_way(ctx, person, now, CONVERSATION_KIND) or \
                    ctx.away.is_away(person.id, person.timezone, now):
                continue  # in something else, or away: reminded by a later sweep
            reminding.append((part, person, due))
        # Only those no answer being stored holds (never waited for: PulseRepo.take_to_remind).
        free = repo.take_to_remind(poll, [person.id for _, person, _ in reminding])
        reminding = [r for r in reminding if r[1].id in free]
        # The poll must have reached them before the reminder's time. Held up by an outage
        # it is still queued (a later sweep looks again), or came after that time: then,
        # as for one asked late (ask_people), "a gentle reminder" a second after the poll
        # itself would be noise. (One read for the sweep's prompts.)
        states = RoundBatchRepo(ctx.session).dedupe_states(
            [f"pulse:{poll.key}:{person.key}:prompt" for _, person, _ in reminding])
        for part, person, due in reminding:
            status, sent_at = states.get(f"pulse:{poll.key}:{person.key}:prompt", ("", None))
            if status in ("pending", "sending"):
                continue
            if status == "sent" and sent_at is not None and sent_at > due:
                part.reminded = True
                continue
            if not _record_unless_under_way(ctx, person, poll, part.step, CONVERSATION_KIND):
                continue  # asked something else meanwhile: as above, a later sweep
            part.reminded = True
            if _ask(ctx, person, poll, part.step, intro="pulse_reminder", recorded=True,
                    dedupe_key=f"pulse:{poll.key}:{person.key}:reminder"):
                count += 1
    return count


def close_poll(ctx: Context, poll: PulsePoll) -> int | None:
    """Close a poll, then alert where a slice calls for it: how many alerts (None: another
    sweep closed it first, and decided and alerted).

    Whoever was still answering hears that it closed at their next message (and
    the conversation ends then), rather than being told nothing was asked.
    """
    # The close waits for answers being stored (PulseRepo.hold_open) and decides with
    # them; an answer after it reads the poll closed. Closed already by another sweep: that
    # one decided and alerted.
    if not PulseRepo(ctx.session).close(poll):
        return None
    decide(ctx.session, poll, ctx.org.pulse.threshold, team_spellings(ctx.org))
    forget_hidden(ctx.session, poll, team_spellings(ctx.org))
    return send_alerts(ctx, poll)


# --- asking ---------------------------------------------------------------------------------

def _prompt(ctx: Context, locale: str, q: PulseQuestion) -> str:
    if q.prompt:
        return q.prompt.get(locale) or q.prompt.get("en") or q.key
    return ctx.renderer.message(locale, "pulse_builtin_prompt", key=q.key)


def _choices(ctx: Context, poll: PulsePoll, step: int, q: PulseQuestion | None,
             locale: str) -> list[Choice]:
    prefix = f"{ACTION}:{poll.id}:{step}"
    if q is None:  # the comment: one button to leave it out
        return [Choice(ctx.renderer.message(locale, "pulse_no_comment_button"), f"{prefix}:0")]
    if q.kind == "scale":
        return [Choice(ctx.renderer.message(locale, "pulse_scale_label", key=q.key, n=n),
                       f"{prefix}:{n}") for n in range(1, 6)]
    return [Choice(c.get(locale) or c.get("en") or str(i), f"{prefix}:{i}")
            for i, c in enumerate(q.choices, start=1)]


def _ask(ctx: Context, person: Person, poll: PulsePoll, step: int, *, intro: str = "",
         care: bool = False, dedupe_key: str | None = None,
         fallback: Fallback | None = None, recorded: bool = False) -> bool:
    """Send question `step` (or the comment prompt after the last) and wait for it
    (`fallback`: sent instead should the platform give it up for good; `recorded`: the
    dialog already waits for it, see _record_unless_under_way)."""
    ctx.anonymous = True  # the event asking it answered, or asked for, the poll
    if ctx.dm_target(person) is None:
        return False
    questions = questions_of(poll)
    q = questions[step] if step < len(questions) else None
    if not recorded:
        _set_conversation(ctx, person, poll, step)
    settings = ctx.org.pulse
    locale = person.locale
    # Queued as every DM is (tell), marked `scrub` (SCRUB_KEY) as every DM of the poll:
    # delivered, it keeps no text in the outbox (the next question repeats no answer, but
    # says which step was reached), and no metric counts it (bot.metrics). A question (the
    # first, a reminder, the next) cannot be answered once the poll has closed: held up
    # until then, it is not sent. One without a key (the next question, /pulse's) is
    # withdrawn by what it asks.
    return ctx.tell(
        person, "pulse_question", choices=_choices(ctx, poll, step, q, locale),
        dedupe_key=dedupe_key, expires_at=poll.closes_at, fallback=fallback, scrub=True,
        asks=asked_in(poll, person) if dedupe_key is None else None,
        intro=intro, name=person.display_name,
        closes=poll.closes_at.astimezone(ZoneInfo(person.timezone)),
        position=step + 1, total=len(questions), comment=q is None,
        prompt=_prompt(ctx, locale, q) if q else "", kind=q.kind if q else "comment",
        options=[c.get(locale) or c.get("en") or "" for c in q.choices] if q else [],
        care=care, support=[(r.label_for(locale), r.contact) for r in settings.support])


def asked_in(poll: PulsePoll, person: Person) -> str:
    """What a poll's question sent without a key (the next one after an answer, /pulse's)
    is marked as asking (bot.events.ASKS_KEY): withdrawn by it."""
    return f"pulse:{poll.id}:{person.id}"


def _withdraw_queued(ctx: Context, person: Person, poll: PulsePoll, *,
                     earlier: bool = False) -> int:
    """Drop the poll's first question and reminder to `person`, and its questions sent
    without a key, still waiting in the outbox (the platform down or rate limiting since):
    the question they ask was just answered, or the poll put aside, and a late "gentle
    reminder" of a poll answered meanwhile would ask it again, or ask for one finished
    (OutboxRepo.withdraw; `earlier`, on an answer's path: not the questions asked in this
    unit of work, which follow the answers they came after, in order). What is left of
    them keeps no text, as of a pulse DM expired. How many were dropped."""
    keys = [f"pulse:{poll.key}:{person.key}:{kind}" for kind in ("prompt", "reminder")]
    return ctx.outbox.withdraw(keys, ctx.clock.now(), payload=scrubbed({SCRUB_KEY: True}),
                               asks=[asked_in(poll, person)], earlier=earlier)


def withdraw_for_away(ctx: Context, person: Person) -> int:
    """`person` is away from now: drop their poll reminders still waiting in the outbox
    (nobody away is reminded, see _remind), and mark them not reminded, so that a later
    sweep reminds them once back if the poll is still open and unfinished. A poll's
    first question queued before stays (as a check-in prompt sent before the period
    began): it was asked then. The next question, sent as the reply to an answer just
    before, is dropped, and the dialog waiting on it ends (its question never arrived:
    `/pulse` asks it). How many were dropped."""
    repo = PulseRepo(ctx.session)
    now = ctx.clock.now()
    conv = ctx.conversations.get(person)
    dropped = 0
    for poll in repo.open_polls():
        part = repo.participant(poll, person)
        if part is None or part.done or now >= poll.closes_at:
            continue
        asked = ctx.outbox.withdraw([], now, payload=scrubbed({SCRUB_KEY: True}),
                                    asks=[asked_in(poll, person)])
        if asked and conv is not None and conv.kind == CONVERSATION_KIND and \
                (conv.question_key or "").partition(":")[0] == str(poll.id):
            ctx.conversations.clear(person)
        dropped += asked
        if not part.reminded:
            continue
        if ctx.outbox.withdraw([f"pulse:{poll.key}:{person.key}:reminder"], now,
                               payload=scrubbed({SCRUB_KEY: True})):
            part.reminded = False
            dropped += 1
    return dropped


def withdraw_paused(ctx: Context, person: Person, conv: Conversation) -> int:
    """The poll `conv` waited on was put aside with /pause: drop its first question and
    reminder still waiting in the outbox, which would ask after "Paused" a question no
    longer taking what is typed (`/pulse` carries on at it). How many were dropped."""
    poll_id = (conv.question_key or "").partition(":")[0]
    poll = PulseRepo(ctx.session).by_id(int(poll_id)) if poll_id.isdigit() else None
    return _withdraw_queued(ctx, person, poll) if poll is not None else 0


def ask_again(ctx: Context, person: Person, conv: Conversation) -> bool:
    """Ask again the poll question `conv` waits on, put aside by a 1:1 dialog that came
    after it (handlers.waiting.back_to_dialog); False if `conv` is not a poll's, or the
    poll closed or was answered meanwhile (the next message hears so, as before)."""
    poll_id = (conv.question_key or "").partition(":")[0]
    if conv.kind != CONVERSATION_KIND or not poll_id.isdigit():
        return False
    repo = PulseRepo(ctx.session)
    poll = repo.by_id(int(poll_id))
    part = repo.participant(poll, person) if poll is not None else None
    if poll is None or part is None or part.done or poll.closed or \
            ctx.clock.now() >= poll.closes_at:
        return False
    ctx.reply("back_to_dialog", kind=CONVERSATION_KIND, asks=asked_in(poll, person))
    return _ask(ctx, person, poll, part.step)


def _set_conversation(ctx: Context, person: Person, poll: PulsePoll, step: int) -> None:
    # Only which question comes next: never an answer (there is none to keep, see above).
    ctx.conversations.wait_for(person, CONVERSATION_KIND, f"{poll.id}:{step}",
                               now=ctx.clock.now())


def _record_unless_under_way(ctx: Context, person: Person, poll: PulsePoll, step: int,
                             besides: str | None = None) -> bool:
    """The sweep's _set_conversation, for someone it read free of other dialogs: written
    only over a dialog still not under way (besides one of the kind `besides`, as read),
    since another replica may have asked them something meanwhile (a round's check-in
    question, the GM's survey), which it wrote over, and their answer to that was taken
    for a vote. False, nothing written, if so: not asked (nor reminded) now, they are by
    a later sweep once that dialog has ended, as anyone read busy. (Unreachable, nothing
    is written either: _ask asks nobody then.)"""
    if ctx.dm_target(person) is None:
        return True
    return ctx.conversations.wait_for_unless_under_way(
        person, CONVERSATION_KIND, f"{poll.id}:{step}", now=ctx.clock.now(),
        besides=besides)


# --- answering ------------------------------------------------------------------------------

def cmd_pulse(ctx: Context, args: str) -> None:
    """/pulse: answer the open poll; /pulse results [last N | <date>] [team <name>]."""
    person = _sender(ctx)
    sub, _, rest = args.strip().partition(" ")
    if sub.lower() in ("results", "result", "结果"):
        cmd_results(ctx, rest)
        return
    repo = PulseRepo(ctx.session)
    now = ctx.clock.now()
    # Held open (on PostgreSQL) for the rest of the transaction: someone added to those
    # asked after its close decided would change "N of M answered" after the fact.
    poll = next((p for p in reversed(repo.open_polls())
                 if now < p.closes_at and repo.hold_open(p)), None)
    if sub:
        part = repo.participant(poll, person) if poll is not None else None
        questions = questions_of(poll) if poll is not None else []
        if part is not None and not part.done and part.step < len(questions) and \
                read_choice(questions[part.step], args) is not None and \
                ctx.event is not None and ctx.event.is_direct:
            # '/pulse 4' in private answers the question in front of them, as '4' would
            # (in a group it would show the vote to everyone there: never read there; nor
            # is anything after /pulse kept as a comment, which cannot be taken back).
            assert poll is not None
            _set_conversation(ctx, person, poll, part.step)
            on_text(ctx, args.strip())
            return
        if ctx.event is not None and ctx.event.is_direct and _reads_as_rating(args) and \
                _refuse_late_rating(ctx, repo, person, poll, part, now):
            return
        ctx.reply("pulse_usage", can_view=person.can_view_summary,
                  answering=part is not None and not part.done,
                  threshold=shown_threshold(ctx.org.pulse.threshold))
        return
    if poll is None:
        # When the next one opens: "the next one will come" alone left a new team's GM
        # to wonder whether that was next week or next month.
        ctx.reply("pulse_none_open", next_at=_next_opening(ctx, person, now))
        return
    part = repo.participant(poll, person)
    if part is not None and part.done:
        # Blanked once delivered, as the poll's own replies: kept, it told whoever read
        # the outbox that they had finished the poll, and when they last looked at it.
        _say(ctx, "pulse_already_answered", closes=poll.closes_at.astimezone(
            ZoneInfo(person.timezone)))
        return
    if part is None:
        if person.id not in {p.id for p in audience(ctx)}:
            ctx.reply("pulse_not_invited")  # the org file asks other roles or teams
            return
        part = repo.add_participant(poll, person, _team_of(ctx, person))
    if ctx.event is not None and not ctx.event.is_direct:
        ctx.reply("pulse_moved_to_private")
    # (A note only they see, on Slack: should the DM never get there, they are told so.)
    _ask(ctx, person, poll, part.step, intro="pulse_intro" if part.step == 0 else "",
         fallback=ctx.private_note_fallback("pulse_not_sent"))


def _reads_as_rating(text: str) -> bool:
    """Whether `text` after /pulse is a rating ('4', '４', '四', '4/5'): a vote meant."""
    raw = re.sub(r"\s*(/\s*5|分)$", "", normalise(text).lower().rstrip(".!。！"))
    return raw.isdecimal() or raw in _CN_DIGITS


def _refuse_late_rating(ctx: Context, repo: PulseRepo, person: Person,
                        poll: PulsePoll | None, part: PulseParticipant | None,
                        now: datetime) -> bool:
    """'/pulse 4' in private that can answer nothing: why it was not taken, as a plain '4'
    is answered (the usage alone read as if the late vote had counted). False when the
    usage is the answer (a question is waiting, or they were never asked)."""
    if poll is not None:
        if part is not None and part.done:
            _say(ctx, "pulse_already_answered", closes=poll.closes_at.astimezone(
                ZoneInfo(person.timezone)))
            return True
        return False
    latest = repo.recent(1)
    asked = repo.participant(latest[0], person) if latest else None
    if asked is not None and not asked.done and now >= latest[0].closes_at:
        _say(ctx, "pulse_closed", closed=_closed_at(latest[0], person))
    else:
        ctx.reply("pulse_none_open", next_at=_next_opening(ctx, person, now))
    return True


def say_put_aside(ctx: Context, checks_in: bool) -> None:
    """What someone who put the poll aside hears of a word that is no answer (a number
    typed after /pause is no vote): that the poll is still open and /pulse carries on;
    blanked once delivered, as the poll's replies are (`_say`): kept, it told whoever read
    the outbox that they had not finished it."""
    _say(ctx, "not_waiting", checks_in=checks_in, put_aside="pulse")


def put_aside(ctx: Context, person: Person) -> bool:
    """Whether `person` was asked a poll still open and has not finished it (paused, or
    left mid-way): what they type next is no answer, but `/pulse` carries on."""
    repo = PulseRepo(ctx.session)
    now = ctx.clock.now()
    for poll in repo.open_polls():
        part = repo.participant(poll, person)
        if now < poll.closes_at and part is not None and not part.done:
            return True
    return False


def _say(ctx: Context, name: str, **params: Any) -> None:
    """Reply within the poll (a refusal, a button no longer open, the poll closed, the
    poll already answered or put aside) as its questions are sent: blanked once
    delivered, and the event neither timed nor logged per event. Kept, a refusal to one
    person named what they had typed, near enough: "That comment is longer than 2,000
    characters" said whose the poll's longest comment was, to whoever read the outbox long
    after; and "You have already answered this pulse poll", that they had finished it."""
    ctx.anonymous = True
    ctx.reply(name, scrub=True, **params)


def on_action(ctx: Context, action: str) -> bool:
    """A pressed pulse button: 'anon:pulse:<poll>:<step>:<choice>'. False if not ours."""
    parts = action.split(":")
    if len(parts) != 5 or f"{parts[0]}:{parts[1]}" != ACTION or \
            not all(p.isdecimal() for p in parts[2:]):
        return False
    person = _sender(ctx)
    repo = PulseRepo(ctx.session)
    poll = repo.by_id(int(parts[2]))
    step, pick = int(parts[3]), int(parts[4])
    part = repo.participant(poll, person) if poll is not None else None
    if poll is None or part is None:
        _say(ctx, "pulse_button_stale")
        return True
    # Held open (on PostgreSQL) until the answer is stored: its close waits for it.
    if not repo.hold_open(poll) or ctx.clock.now() >= poll.closes_at:
        _say(ctx, "pulse_closed", closed=_closed_at(poll, person))
        return True
    if part.done or part.step != step:
        _say(ctx, "pulse_button_stale")
        return True
    questions = questions_of(poll)
    if step == len(questions):
        if pick != 0:
            _say(ctx, "pulse_button_stale")
            return True
        _finish(ctx, person, poll, comment=None)
        return True
    if not 1 <= pick <= questions[step].options():
        _say(ctx, "pulse_button_stale")
        return True
    _answer(ctx, person, poll, step, pick)
    return True


def on_text(ctx: Context, text: str) -> bool:
    """A typed answer while a pulse question is open; False if none is."""
    person = _sender(ctx)
    conv = ctx.session.get(Conversation, person.id)
    if conv is None or conv.kind != CONVERSATION_KIND or not conv.question_key:
        return False
    poll_id, _, _step_text = conv.question_key.partition(":")
    repo = PulseRepo(ctx.session)
    poll = repo.by_id(int(poll_id)) if poll_id.isdigit() else None
    part = repo.participant(poll, person) if poll is not None else None
    # Held open (on PostgreSQL) until the answer is stored: its close waits for it.
    if poll is None or part is None or not repo.hold_open(poll) or \
            ctx.clock.now() >= poll.closes_at:
        ctx.session.delete(conv)
        # (When, only of a poll that did close: not of one they were never asked in.)
        _say(ctx, "pulse_closed", closed=_closed_at(poll, person)
                  if poll is not None and part is not None else None)
        return True
    step = part.step
    questions = questions_of(poll)
    if part.done:
        ctx.session.delete(conv)
        _say(ctx, "pulse_already_answered", closes=poll.closes_at.astimezone(
            ZoneInfo(person.timezone)))
        return True
    if is_pause(text):
        # 'pause' or '暂停' puts the poll aside, as in the check-in: never a vote refused as
        # unreadable, nor an anonymous comment "暂停" that cannot be taken back.
        cmd_cancel(ctx, "")
        return True
    if step < len(questions) and is_skip(text):
        _say(ctx, "nothing_to_skip", waiting="pulse", checks_in=person.checks_in)
        return True
    if step == len(questions):
        word = keyword(text)
        comment = None if word in NO_COMMENT_WORDS else clean_text(text).strip()
        if comment and len(comment) > COMMENT_LIMIT:
            # Cut short it would be stored half a sentence; the comment question still waits.
            _say(ctx, "pulse_comment_too_long", limit=COMMENT_LIMIT)
            return True
        _finish(ctx, person, poll, comment=comment or None)
        return True
    q = questions[step]
    value = read_choice(q, text)
    if value is None:
        # The refusal never repeats what was typed: it would echo a value into the chat.
        _say(ctx, "pulse_invalid", kind=q.kind, count=q.options())
        return True
    _answer(ctx, person, poll, step, value)
    return True


def _closed_at(poll: PulsePoll, person: Person) -> datetime:
    """When `poll` stopped taking answers, in `person`'s time (its close comes with the
    next sweep, but an answer from then on is refused)."""
    return poll.closes_at.astimezone(ZoneInfo(person.timezone))


def read_choice(q: PulseQuestion, text: str) -> int | None:
    """A typed answer as a choice number ('4', '４', '四', or a choice's label), else None."""
    raw = normalise(text).lower().rstrip(".!。！")
    raw = re.sub(r"\s*(/\s*5|分)$", "", raw)
    value: int | None = None
    # isdecimal, not isdigit: '❺' or '➍' is a "digit" that int() cannot read (NFKC keeps it).
    if raw.isdecimal():
        value = int(raw)
    elif raw in _CN_DIGITS:
        value = _CN_DIGITS[raw]
    elif q.kind == "choice":
        value = next((i for i, c in enumerate(q.choices, start=1)
                      if raw in {v.lower() for v in c.values()}), None)
    return value if value is not None and 1 <= value <= q.options() else None


def _answer(ctx: Context, person: Person, poll: PulsePoll, step: int, value: int) -> None:
    q = questions_of(poll)[step]
    repo = PulseRepo(ctx.session)
    part = repo.participant(poll, person)
    assert part is not None
    if not repo.advance(part, step):  # answered at this very moment elsewhere: one vote
        _say(ctx, "pulse_button_stale")
        return
    # The team they were asked in, as participation counts them: moved since (an org
    # file reload mid-poll), their answer under the new team would leave their old one
    # "6 of 6 answered" with 5 answers, saying when they answered.
    repo.vote(poll, q.key, value, part.team)
    if step == 0 or part.reminded:
        _withdraw_queued(ctx, person, poll, earlier=True)
    # The care note and the org's support resources follow the stress question for
    # everyone: the message waiting in the outbox (an outage) must not tell a high stress
    # answer from a low one, and it still reaches whoever needs it, once, after a restart
    # too. (pulse.care_stress_at is kept for old org files; it no longer chooses anyone.)
    _ask(ctx, person, poll, step + 1, care=q.key == "stress")


def _finish(ctx: Context, person: Person, poll: PulsePoll, *, comment: str | None) -> None:
    ctx.anonymous = True
    repo = PulseRepo(ctx.session)
    part = repo.participant(poll, person)
    assert part is not None
    if not repo.advance(part, len(questions_of(poll)), done=True):  # finished elsewhere
        _say(ctx, "pulse_button_stale")
        return
    if comment:
        repo.comment(poll, comment, part.team)  # the team asked in (see _answer)
    else:  # rewrites comments, so this step looks like a comment's to a database reader
        repo.no_comment(poll, part.team)
    _withdraw_queued(ctx, person, poll, earlier=True)
    conv = ctx.session.get(Conversation, person.id)
    if conv is not None and conv.kind == CONVERSATION_KIND:
        ctx.session.delete(conv)
    if not ctx.tell(person, "pulse_thanks", scrub=True):  # (False: reachable nowhere)
        return
    ctx.session.flush()
    after_dialog(ctx, person)


# --- results --------------------------------------------------------------------------------

def visible_slices(total: int, teams: dict[str, int], threshold: int,
                   allowed: set[str] | None = None,
                   readers: Mapping[str | None, int] | None = None) -> tuple[bool, set[str]]:
    """Which slices may be shown: (the whole org?, these teams).

    A slice needs at least `threshold` answers. A team is also hidden when
    subtracting the shown teams from the org would leave a group of 1..threshold-1:
    the smallest shown team is dropped until the remainder is empty or big enough.
    `allowed`: the teams that may be shown at all (for answers, those whose
    participation may be: `asked_visible`).

    `readers`: how many of those who may read the results (`Readers`) were asked in
    each slice, by where their answers are kept (None: outside every team slice). Such a
    reader knows their own answer and takes it from what they read: a group of exactly
    the threshold that holds one (the org, a team, or what the org less the teams shown
    leaves) would show them threshold-1 others — the GM who answered too read "org less
    East" as West's four. So a group in which a reader was asked needs one answer more
    than the threshold, whether they answered or not: needed only where they did, a group
    of exactly the threshold shown or hidden told every other reader whether they had (a
    viewer who had not answered read "5 of 12 answered" beside hidden answers, and knew
    the GM had).
    """
    readers = readers or {}

    def least(readers_in: int) -> int:
        return threshold + (readers_in > 0)

    if total < least(sum(readers.values())):
        return False, set()
    shown = {t for t, n in teams.items() if n >= least(readers.get(t, 0))
             and (allowed is None or t in allowed)}
    while shown:
        left = total - sum(teams[t] for t in shown)
        readers_left = sum(readers.values()) - sum(readers.get(t, 0) for t in shown)
        if left == 0 or left >= least(readers_left):
            break
        shown.discard(min(shown, key=lambda t: (teams[t], t)))
    return True, shown


def asked_visible(asked: dict[str | None, int], threshold: int,
                  readers: Mapping[str | None, int] | None = None) -> set[str]:
    """The teams whose participation may be shown, by the people a poll asked (None: no
    team; `readers`: of them, those who may read the results, who know whether they
    answered themselves): `visible_slices` over them. Their answers may be shown only
    among these: a team's answer count beside the org's would otherwise tell how many of
    a smaller group answered (none, say, of a West of four asked)."""
    teams = {t: n for t, n in asked.items() if t is not None}
    return visible_slices(sum(asked.values()), teams, threshold, readers=readers)[1]


def leads_answered(session: Session, kept: Mapping[str, tuple[list[str], list[str]]],
                   teams: Collection[str], reader: str | None = None
                   ) -> set[tuple[str, str, str]]:
    """(poll key, team, question key): where a director of one of `teams` who is no summary
    viewer (the GM and viewers are `Readers` already) answered the question, their answer
    kept in the team's figure. Such a director reads their team's figures (its summary,
    digest and chart, as its alerts: `_as_read_by`) knowing their own answer, so there a
    team's figure needs one answer more than the threshold: in a team of exactly five who
    answered, they would take theirs out and read the other four's. `reader`: the key of
    the director who reads them, whose own answers alone count (as in their alerts): a
    co-director's would hide a figure from them just where the other had answered, and so
    tell them that they had. None: every such director's. `kept`: per poll key, its teams
    kept with answers and its questions' keys in order (PulseRepo.kept). Three statements
    (the first a row per team name)."""
    # The team's directors alone (a team's digest reads what the team costs, not the org).
    # Their team's spellings matched in Python (bot/team_names.py), not with SQL's lower():
    # a director written `STRASSE` leads `Straße`, which lower() keeps apart.
    directing = (Person.active.is_(True), Person.role == "director",
                 Person.can_view_summary.is_(False))
    written = spellings_of(teams, session.scalars(
        select(Person.team).where(*directing, Person.team.is_not(None)).distinct()))
    if not written:
        return set()
    query = select(Person.id).where(*directing, Person.team.in_(written))
    if reader is not None:
        query = query.where(Person.key == reader)
    leads = list(session.scalars(query))
    found: set[tuple[str, str, str]] = set()
    for (key, _), (team, step) in PulseRepo(session).progress_of(kept, leads).items():
        stored, order = kept[key]
        if team is not None and team in stored:
            found |= {(key, team, q) for q in order[:step]}
    return found


@dataclass(frozen=True)
class Readers:
    """Those a poll asked who may read its results today (the GM, summary viewers), each
    by their team as asked (storage PulseRepo.readers_asked; not whether they answered,
    which what the results show must not depend on)."""

    asked_in: tuple[str | None, ...] = ()

    def asked(self) -> dict[str | None, int]:
        """How many readers were asked, per team as asked (None: no team)."""
        return dict(Counter(self.asked_in))

    def in_slices(self, stored: Collection[str]) -> dict[str | None, int]:
        """How many readers were asked, per slice their answers are kept in (their team
        where the poll keeps it with answers, `stored`; else None): whether they answered
        or not, which must not change what the results show (see `visible_slices`)."""
        return dict(Counter(team if team in stored else None for team in self.asked_in))


@dataclass(frozen=True)
class Stats:
    """A question's results in one slice."""

    n: int
    average: float
    distribution: dict[int, int]

    def as_dict(self, places: int | None = 2) -> dict[str, Any]:
        """JSON-ready form; `places=None` keeps the average exact (for a view, which rounds
        it once as it shows it: rounded to 2 first, 2.545 became 2.55 and read 2.6)."""
        average = self.average if places is None else round(self.average, places)
        return {"n": self.n, "average": average,
                "distribution": {str(k): v for k, v in sorted(self.distribution.items())}}


@dataclass
class PollResults:
    """One poll's results, already thresholded: hidden slices are simply absent."""

    key: str
    threshold: int
    asked: int
    answered: int
    closed: bool
    #: question key -> slice ('' for the org, else the team) -> stats
    questions: dict[str, dict[str, Stats]] = field(default_factory=dict)
    #: slice -> comments ('' for the org: every comment, without a team)
    comments: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    #: team (as when asked) -> (asked, answered); shown only as `participation` allows
    teams: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: those asked who may read the results (see `visible_slices`)
    readers: Readers = field(default_factory=Readers)
    #: the teams the poll keeps with answers (PulsePoll.teams)
    kept: tuple[str, ...] = ()
    #: the slices decided at its close (PulsePoll.shown, see `decide`): shown, at most
    decision: dict[str, Any] | None = None

    def needed(self, slice_: str = ORG_SLICE) -> int:
        """The fewest answers a slice is shown for: the threshold, one more where someone
        who reads the results was asked in it (`visible_slices`)."""
        asked = self.readers.in_slices(self.kept)
        readers = sum(asked.values()) if slice_ == ORG_SLICE else asked.get(slice_, 0)
        return self.threshold + (readers > 0)

    def participation(self, slice_: str = ORG_SLICE) -> tuple[int | None, int | None]:
        """(asked, answered) of the org, or of a team; (None, None) while the poll is open
        (see `participation_hidden`), for a group fewer than the threshold were asked of
        (in a team of one, "1 of 1" would say that they took the poll; an org of four,
        "3 of 4", that one of the four did not), or for a team whose figure, taken from the
        org's, would leave such a group (`visible_slices` over the people asked: the
        answers' own rule)."""
        if self.participation_hidden(slice_) is not None:
            return None, None
        if slice_ == ORG_SLICE:
            return self.asked, self.answered
        return self.teams[slice_]

    def participation_hidden(self, slice_: str = ORG_SLICE) -> str | None:
        """Why a slice's participation is hidden: 'open' (the poll is still open: a count
        that moves tells whoever watches it when someone answered — "did you answer,
        Bob?", then 6 of 11 turning 7 — so it is shown, as the answers are, once the poll
        closes), 'small' (fewer than the threshold asked), 'reader' (exactly the threshold
        asked, one of whom reads the results and knows whether they answered: see
        `visible_slices`), 'subtraction' (a team whose figure, taken from the org's, would
        single out a smaller group); None when shown."""
        if not self.closed:
            return "open"
        asked = self.asked if slice_ == ORG_SLICE else self.teams.get(slice_, (0, 0))[0]
        if asked < self.threshold:
            return "small"
        readers = self.readers.asked()
        if asked == self.threshold and (sum(readers.values()) if slice_ == ORG_SLICE
                                        else readers.get(slice_, 0)):
            return "reader"
        if slice_ != ORG_SLICE and slice_ not in self.asked_shown():
            return "subtraction"
        # Shown today, but not as decided at the close: kept hidden (see `decide`).
        kept = (self.decision or {}).get("asked")
        if kept is not None and slice_ == ORG_SLICE and not kept.get("org"):
            return "reader" if asked == self.threshold else "small"
        if kept is not None and slice_ != ORG_SLICE and slice_ not in kept.get("teams", []):
            return "subtraction"
        return None

    def decision_now(self) -> dict[str, Any]:
        """The slices these results show, as PulsePoll.shown keeps them: per question,
        whether the org's and which teams'; whose participation (the org's, the teams')."""
        return {"questions": {key: {"org": ORG_SLICE in self.questions.get(key, {}),
                                    "teams": sorted(t for t in self.questions.get(key, {})
                                                    if t != ORG_SLICE)}
                              for key in self.kinds},
                "asked": {"org": self.participation_hidden() is None,
                          "teams": sorted(t for t in self.teams
                                          if self.participation_hidden(t) is None)}}

    def keep_to(self, decision: dict[str, Any]) -> None:
        """Show no slice `decision` (decided at the close) does not: of a question, of the
        comments (`comment_slices`), of participation."""
        for key in list(self.questions):
            keep = shown_in(decision, key)
            self.questions[key] = {s: st for s, st in self.questions[key].items() if s in keep}
            if not self.questions[key]:
                del self.questions[key]
        keep = comment_slices({key: dict.fromkeys(shown_in(decision, key))
                               for key in self.kinds}, list(self.kinds))
        self.comments = {s: c for s, c in self.comments.items() if s in keep}
        self.decision = decision

    def first_shown_now(self) -> set[str]:
        """The teams today's readers and threshold would show for the first question, by
        who answered it (participation: kept once the close has let go of a hidden team's
        answers): `visible_slices` as `_computed` applies it, before the close's decision."""
        answered = {t: n for t, (_, n) in self.teams.items() if t in self.kept}
        return visible_slices(self.answered, answered, self.threshold, self.asked_shown(),
                              self.readers.in_slices(self.kept))[1]

    def asked_shown(self) -> set[str]:
        """The teams whose participation (and so answers) may be shown: `asked_visible`."""
        asked: dict[str | None, int] = {t: a for t, (a, _) in self.teams.items()}
        asked[None] = self.asked - sum(asked.values())
        return asked_visible(asked, self.threshold, self.readers.asked())

    def stats(self, key: str, slice_: str = ORG_SLICE) -> Stats | None:
        """A question's stats in a slice, or None when hidden."""
        return self.questions.get(key, {}).get(slice_)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (only what may be shown)."""
        return {"poll": self.key, "threshold": self.threshold, "closed": self.closed,
                "asked": self.participation()[0], "answered": self.participation()[1],
                "questions": {k: {s or "org": st.as_dict() for s, st in v.items()}
                              for k, v in self.questions.items()},
                "comments": {s or "org": c for s, c in self.comments.items()}}


Fold = Callable[[str | None], str | None]


def team_fold(poll: PulsePoll, spelled: Mapping[str, str] | None = None) -> Fold:
    """A stored team as one name per team: a poll stored before teams were kept by the org
    file's first spelling may hold one team under two (`East`, `EAST`), each a group of
    its own; read as one (by casefold; no migration), named by `spelled` (team_spellings:
    casefolded team -> name), else as the poll keeps it with answers, else as first read."""
    return fold_kept(poll.teams, spelled)


def fold_kept(kept: Collection[str], spelled: Mapping[str, str] | None = None) -> Fold:
    """team_fold of a poll whose teams kept with answers are `kept` (PulseRepo.kept)."""
    names = dict(spelled or {})
    for team in kept:
        names.setdefault(team_key(team), team)

    def fold(team: str | None) -> str | None:
        return names.setdefault(team_key(team), team) if team else team
    return fold


def folded_tallies(tallies: list[Tally], fold: Fold) -> list[Tally]:
    """Tallies of one team under two spellings summed as one (see team_fold)."""
    out: dict[tuple[str, str | None], dict[int, int]] = {}
    for t in tallies:
        counts = out.setdefault((t.question_key, fold(t.team)), {})
        for value, count in t.counts.items():
            counts[value] = counts.get(value, 0) + count
    return [Tally(k, team, c) for (k, team), c in out.items()]


def folded_decision(decision: dict[str, Any] | None, fold: Fold, kept: Collection[str],
                     asked: Collection[str | None]) -> dict[str, Any] | None:
    """A decision kept at a close (PulsePoll.shown) with its teams as `fold` names them.
    A team is shown as one only where every spelling it was stored under was shown then
    (`kept`: the poll's teams kept with answers; `asked`: the teams its people were asked
    in): its figure is then the sum of figures shown then; were one of them hidden, the
    one team's figure less the other's, read then, would give the hidden one away."""
    if decision is None:
        return None
    out = copy.deepcopy(decision)
    for part, stored in [*((q, kept) for q in out.get("questions", {}).values()),
                         (out.get("asked") or {}, asked)]:
        if "teams" not in part:
            continue
        hidden = {fold(t) for t in stored if t and t not in part["teams"]}
        part["teams"] = sorted({fold(t) for t in part["teams"]} - hidden - {None})
    return out


def _stats(counts: dict[int, int]) -> Stats:
    n = sum(counts.values())
    return Stats(n, sum(v * c for v, c in counts.items()) / n if n else 0.0, dict(counts))


def _slices(tallies: list[Tally], threshold: int, allowed: set[str],
            readers: Mapping[str | None, int] | None = None
            ) -> tuple[dict[int, int], dict[str, dict[int, int]], bool, set[str]]:
    """One question's counts per value for the org and per team, and which of those
    slices may be shown (visible_slices; `readers`: the results' readers asked, per
    slice)."""
    total: dict[int, int] = {}
    teams: dict[str, dict[int, int]] = {}
    for t in tallies:
        for v, c in t.counts.items():
            total[v] = total.get(v, 0) + c
        if t.team is not None:
            teams[t.team] = t.counts
    org_shown, team_shown = visible_slices(
        sum(total.values()), {t: sum(c.values()) for t, c in teams.items()}, threshold,
        allowed, readers)
    return total, teams, org_shown, team_shown


def shown_in(decision: dict[str, Any] | None, key: str) -> set[str]:
    """The slices of question `key` (ORG_SLICE for the org) a poll's decision (PulsePoll.
    shown) lets be shown; none where it says nothing of the question."""
    found = (decision or {}).get("questions", {}).get(key)
    if found is None:
        return set()
    return set(found.get("teams", [])) | ({ORG_SLICE} if found.get("org") else set())


def comment_slices(questions: Mapping[str, Mapping[str, object]],
                   order: Sequence[str]) -> set[str]:
    """The slices whose comments may be shown, given the slices each question shows
    (`questions`: key -> slice -> anything; `order`: the poll's question keys in order):
    those of morale (as ever) that the last question shows too. Only who answered every
    question reaches the comment, so the last question's group holds all who could leave
    one: shown with morale's alone, a comment of the one person of six who went on past
    morale showed, and a GM who asked who had finished knew whose it was."""
    if not order:
        return set()
    return set(questions.get("morale", {})) & set(questions.get(order[-1], {}))


def decide(session: Session, poll: PulsePoll, threshold_now: int = 0,
           spelled: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Decide, once, which slices of a closed poll's results may be shown, and keep it
    (PulsePoll.shown): at its close (close_poll), with the readers of then (or, for a poll
    closed before migration 0019_pulseshown, at the first start after it: fill_shown).

    Which slices show depends on who reads the results (`visible_slices`), who may change
    after the close: decided again at each read, a summary viewer added from Bravo moved
    the shown teams from Bravo to Alpha, and two reads together gave Cobalt's three
    answers away (the org less both). A later read shows these slices or fewer
    (poll_results, team_morale, the chart): each is as safe as the first. None while open.
    """
    if not poll.closed:
        return None
    if poll.shown is None:
        poll.shown = _computed(session, poll, threshold_now, spelled).decision_now()
        session.flush()
    return poll.shown


#: In PulsePoll.shown: the answers of its slices hidden at the close have been let go of
#: (`forget_hidden`).
FORGOTTEN = "forgotten"

#: In PulsePoll.shown, of a poll whose results are hidden as a whole: its answers and
#: comments have been deleted (`forget_hidden`); True if it had any (the morale chart
#: still names it hidden, as it did when it read them), False if none.
DROPPED = "dropped"


#: In PulsePoll.shown: its comments the results hide have been let go of as
#: `comment_slices` has it (only where the last question shows too). A poll let go of
#: before that rule kept the comments its morale alone would show: done again, for them.
COMMENTS_FORGOTTEN = "comments_forgotten"


def hidden_whole(decision: dict[str, Any] | None) -> bool:
    """Whether a decision kept at a close (PulsePoll.shown) shows no question's answers
    at all, not even the org's (nor, so, any team's or comment)."""
    return decision is not None and not any(
        q.get("org") for q in decision.get("questions", {}).values())


def forget_hidden(session: Session, poll: PulsePoll,
                  spelled: Mapping[str, str] | None = None) -> bool:
    """Once a closed poll's slices are decided (`decide`), keep its answers under a team
    only where its results may show that team: a team hidden keeps its answers with no
    team, with the rest of the org's (as a team too small to be kept does); the comments
    as the results show them (`comment_slices`), and none where they show none. Kept
    under a hidden team's name, the one answer of a team of which one
    person answered was, beside the participation (who got how far, by name), theirs to a
    plain read of the database, long after the close. A poll whose results are hidden as
    a whole (`hidden_whole`: fewer than the threshold answered) keeps no answer and no
    comment at all: kept, without a team, its one answer was as plainly the one person's
    who answered; its participation stays, and says how many answered. Now every group
    of answers the database keeps is a shown team, or the org less the shown teams
    (empty or at least the threshold: `visible_slices`), or a question its poll's results
    hide though they show another's (README: the limits). What the results show is the
    same: the slices they show are untouched, and the org less them was their rest
    before as well. Once per poll (marked in PulsePoll.shown: a poll whose teams were let
    go of before this deleted a poll hidden as a whole's answers is done again, and one
    let go of before comments followed the last question has its comments done again,
    `COMMENTS_FORGOTTEN`); False if there was nothing to do."""
    decision = poll.shown
    if not poll.closed or decision is None:
        return False
    repo = PulseRepo(session)
    if hidden_whole(decision):
        if DROPPED in decision:
            return False
        poll.shown = {**decision, FORGOTTEN: True, DROPPED: repo.forget_answers(poll) > 0}
        session.flush()
        return True
    if decision.get(FORGOTTEN) and decision.get(COMMENTS_FORGOTTEN):
        return False
    fold = team_fold(poll, spelled)
    decided = folded_decision(decision, fold, poll.teams,
                              {part.team for part in repo.participants(poll)}) or {}

    def kept(key: str) -> list[str]:
        shown = shown_in(decided, key)
        return [t for t in poll.teams if fold(t) in shown and ORG_SLICE in shown]

    order = [q.key for q in questions_of(poll)]
    commented = comment_slices({key: dict.fromkeys(shown_in(decided, key)) for key in order},
                               order)
    comment_teams = [t for t in poll.teams if fold(t) in commented and ORG_SLICE in commented]
    if decision.get(FORGOTTEN):
        # Let go of before comments followed the last question: its answers are as they
        # should be; the comments under a team whose last question is hidden lose it.
        repo.forget_teams(poll, {key: kept(key) for key in order}, comment_teams,
                          answers=False)
    else:
        repo.forget_teams(poll, {key: kept(key) for key in order}, comment_teams)
    if ORG_SLICE not in commented:
        repo.forget_comments(poll)  # comments the results never show (`comment_slices`)
    poll.shown = {**decision, FORGOTTEN: True, COMMENTS_FORGOTTEN: True}
    session.flush()
    return True


def forget_all_hidden(session: Session, spelled: Mapping[str, str] | None = None) -> int:
    """forget_hidden for every closed poll decided before it was done at the close (the
    bot's start, after fill_shown). How many."""
    done = 0
    for poll in session.scalars(select(PulsePoll).where(
            PulsePoll.closed.is_(True), PulsePoll.shown.is_not(None))):
        try:
            done += forget_hidden(session, poll, spelled)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # questions this version cannot read (see fill_shown)
    return done


def fill_shown(session: Session, threshold_now: int = 0,
               spelled: Mapping[str, str] | None = None) -> int:
    """Decide the slices of polls closed before migration 0019_pulseshown (`decide`), with
    the readers in the database now: run at the bot's start, before the org file is synced
    (its edits made while stopped come after them). How many."""
    polls = list(session.scalars(select(PulsePoll).where(
        PulsePoll.closed.is_(True), PulsePoll.shown.is_(None))))
    filled = 0
    for poll in polls:
        try:
            decide(session, poll, threshold_now, spelled)
        except (KeyError, TypeError, ValueError, AttributeError):
            # Questions this version cannot read: its results cannot be read either; the
            # start goes on, the poll left undecided (shown as before the upgrade).
            continue
        filled += 1
    return filled


def poll_results(session: Session, poll: PulsePoll, threshold_now: int = 0,
                 spelled: Mapping[str, str] | None = None) -> PollResults:
    """A poll's results, with every slice below the threshold (the poll's or, if higher,
    `threshold_now`, the org file's today) or revealed by subtraction left out, and none
    its close did not show (`decide`); of a poll still open, participation only (see the
    top). Teams as `spelled` names them, one name per team (see team_fold)."""
    out = _computed(session, poll, threshold_now, spelled)
    if poll.closed and poll.shown is not None:
        out.keep_to(folded_decision(
            poll.shown, team_fold(poll, spelled), poll.teams,
            {part.team for part in PulseRepo(session).participants(poll)}) or {})
    return out


def _computed(session: Session, poll: PulsePoll, threshold_now: int,
              spelled: Mapping[str, str] | None = None) -> PollResults:
    """poll_results by today's readers and threshold alone."""
    repo = PulseRepo(session)
    parts = repo.participants(poll)
    threshold = shown_threshold(poll.threshold, threshold_now)
    fold = team_fold(poll, spelled)
    kept = tuple(dict.fromkeys(str(fold(t)) for t in poll.teams))
    out = PollResults(poll.key, threshold, asked=len(parts),
                      answered=sum(1 for p in parts if p.step > 0), closed=poll.closed,
                      readers=Readers(tuple(fold(t) for t in repo.readers_asked(
                          [poll.key]).get(poll.key, []))),
                      kept=kept)
    for part in parts:
        team = fold(part.team)
        if team:
            asked, answered = out.teams.get(team, (0, 0))
            out.teams[team] = (asked + 1, answered + (part.step > 0))
    if not poll.closed:
        out.kinds = {q.key: q.kind for q in questions_of(poll)}
        return out
    by_question: dict[str, list[Tally]] = {}
    for tally in folded_tallies(repo.tallies(poll), fold):
        by_question.setdefault(tally.question_key, []).append(tally)
    allowed = out.asked_shown()
    for q in questions_of(poll):
        out.kinds[q.key] = q.kind
        total, teams, org_shown, team_shown = _slices(
            by_question.get(q.key, []), threshold, allowed,
            out.readers.in_slices(kept))
        if org_shown:
            out.questions[q.key] = {ORG_SLICE: _stats(total)}
            for team in sorted(team_shown):
                out.questions[q.key][team] = _stats(teams[team])
    shown = comment_slices(out.questions, list(out.kinds))
    org_shown, team_shown = ORG_SLICE in shown, shown - {ORG_SLICE}
    if org_shown:
        comments = [(fold(t), text) for t, text in repo.comments(poll)]
        out.comments[ORG_SLICE] = [text for _, text in comments]
        for team in sorted(team_shown):
            out.comments[team] = [text for t, text in comments if t == team]
    return out


def team_morale(session: Session, teams: list[str], since: date,
                until: date | None = None, threshold_now: int = 0, *,
                team_view: bool = False, reader: str | None = None,
                spelled: Mapping[str, str] | None = None) -> dict[str, float | None]:
    """Each team's average morale over the polls dated from `since` (to `until`), thresholded.

    For /summary's team-morale line per director. A team gets None when no poll in
    the period may show it (too few answers, or revealed by subtraction); otherwise
    the mean of its shown per-poll averages. `team_view`: a team's own summary (and so
    digest), which its director reads: a poll's figure holding their answer needs one
    answer more than the threshold (`leads_answered`; `reader`: that director's key).
    A team stored under two spellings is one (team_fold; `spelled`: team_spellings).
    """
    averages: dict[str, list[float]] = {t: [] for t in teams}
    repo = PulseRepo(session)
    polls = [poll for poll in polls_between(session, since, until, closed_only=True)
             if any(q.key == "morale" for q in questions_of(poll))]
    # Who each poll asked, per team, for all of them in one statement (as the chart),
    # and which of them read the results (another).
    asked = repo.asked_by_team_of([poll.key for poll in polls])
    readers_of = repo.readers_asked([poll.key for poll in polls])
    own = leads_answered(session, {p.key: (list(p.teams), [q.key for q in questions_of(p)])
                                   for p in polls}, teams, reader) if team_view else set()
    for poll in polls:
        # poll_results' morale slices, without what they do not need (who was asked,
        # the comments: a row per person of the org, where a team's summary needs a
        # count per team and value).
        threshold = shown_threshold(poll.threshold, threshold_now)
        fold = team_fold(poll, spelled)
        kept = {str(fold(t)) for t in poll.teams}
        readers = Readers(tuple(fold(t) for t in readers_of.get(poll.key, [])))
        asked_in: Counter[str | None] = Counter()
        for t, n in asked.get(poll.key, {}).items():
            asked_in[fold(t)] += n
        _total, by_team, org_shown, shown = _slices(
            folded_tallies(repo.tallies(poll, "morale"), fold), threshold,
            asked_visible(dict(asked_in), threshold, readers.asked()),
            readers.in_slices(kept))
        if poll.shown is not None:  # no team its close did not show (`decide`)
            decided = folded_decision(poll.shown, fold, poll.teams, asked.get(poll.key, {}))
            org_shown = org_shown and ORG_SLICE in shown_in(decided, "morale")
            shown = shown & shown_in(decided, "morale")
        mine = {(key, fold(t), q) for key, t, q in own if key == poll.key}
        for team in teams:
            one = fold(team)
            if org_shown and one in shown:
                stats = _stats(by_team[str(one)])
                if (poll.key, one, "morale") not in mine or stats.n > threshold:
                    averages[team].append(stats.average)
    return {t: (sum(v) / len(v) if v else None) for t, v in averages.items()}


#: Why a team's figure over some polls is hidden (`hidden_why`): too few of the team
#: answered; showing it beside the org's would single out a smaller group; either (what
#: is shown does not tell which, or the polls differ).
FEW, SUBTRACTION, EITHER = "few", "subtraction", "either"


def hidden_why(session: Session, teams: Collection[str], since: date,
               until: date | None = None, threshold_now: int = 0,
               spelled: Mapping[str, str] | None = None,
               keys: Sequence[str] = ("morale",),
               read: Sequence[tuple[PulsePoll, PollResults]] | None = None) -> dict[str, str]:
    """Why each of `teams` (as `spelled` names them) is hidden in the closed polls from
    `since` to `until` (its `keys` questions; the caller knows it is hidden in each):
    FEW, SUBTRACTION, or EITHER where the polls or questions differ. Each poll's question
    as /pulse results tells it (`why_hidden`, the one function both use), from what a
    reader of the results sees: a team whose participation is hidden beside the org's is
    hidden by subtraction; one fewer than the threshold were asked of, or fewer than
    needed answered, by too few answers; one enough of whom answered the first question,
    by subtraction for that question; a later question is EITHER (which would tell how
    many went on to answer it), and so is a team of exactly the threshold who answered
    that today's readers would show, hidden as decided at the close (a reader asked in it
    then needed one answer more). `read`: those polls' results, read already (else each
    poll's are read here, for the few hidden teams of a summary)."""
    found: dict[str, set[str]] = {t: set() for t in teams}
    if not found:
        return {}
    if read is None:
        read = [(poll, poll_results(session, poll, threshold_now, spelled))
                for poll in polls_between(session, since, until, closed_only=True)
                if any(q.key in keys for q in questions_of(poll))]
    for poll, results in read:
        order = [q.key for q in questions_of(poll)]
        fold = team_fold(poll, spelled)
        for team in teams:
            one = str(fold(team))
            for key in (k for k in keys if k in order):
                found[team].add(why_hidden(results, one, key))
    return {t: (next(iter(w)) if len(w) == 1 else EITHER) for t, w in found.items() if w}


def why_hidden(results: PollResults, slice_: str, key: str) -> str:
    """Why question `key` of a slice (ORG_SLICE or a team, as folded) is hidden in one
    poll's results (the caller knows it is): FEW, SUBTRACTION or EITHER, as `hidden_why`
    tells it. The org is only ever hidden by too few answers (there is nothing to take it
    from). One function for /pulse results and the summaries, so that both give the same
    reason for the same figure."""
    order = list(results.kinds)
    first = bool(order) and key == order[0]
    if slice_ == ORG_SLICE:
        return FEW
    why = results.participation_hidden(slice_)
    if why == "subtraction":
        return SUBTRACTION
    if why is not None or slice_ not in results.kept:
        return FEW  # fewer than the threshold asked (or kept), or exactly it with a reader
    _asked, answered = results.participation(slice_)
    if answered is None or answered < results.needed(slice_):
        return FEW
    if not first:
        return EITHER
    if answered == results.threshold and slice_ in results.first_shown_now():
        # Enough by today's readers, hidden only as decided at the close: a reader then
        # asked in the team (since gone) needed one answer more, and exactly the threshold
        # was too few; or the org less the team was too small by the readers of then.
        return EITHER
    # Enough answered, by the readers of the close too (one more than the threshold is
    # enough for either), or by today's readers and still hidden today: only what the
    # org's figures less the team's would leave hides it.
    return SUBTRACTION


def polls_between(session: Session, since: date, until: date | None = None, *,
                  closed_only: bool = False) -> list[PulsePoll]:
    """The polls dated from `since` to `until` (inclusive), oldest first (with
    `closed_only`, those closed: the ones whose results may be read)."""
    polls = PulseRepo(session).since(since.isoformat())
    return [p for p in polls if (until is None or p.key <= until.isoformat())
            and (p.closed or not closed_only)]


_LAST = re.compile(r"^last\s+(\d{1,2})$")
# 最近2次 / 最近 两 次 / 近3次 / 过去3次: 'last N'.
_CN_LAST = re.compile(r"(?:最近|过去|近)\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*次?")
_CN_DAY = re.compile(r"(?<!\d)(?:(\d{4})\s*(?:年\s*|[/.-]))?(\d{1,2})\s*(?:月\s*|[/.-])"
                     r"(\d{1,2})\s*[日号]?(?!\d)")


def _said_in_english(words: str, today: date) -> str:
    """'/pulse 结果' as Chinese asks it: 最近2次 as 'last 2', 团队 as 'team', a poll's
    date as 2026年11月25日, 11月25日 or 2026/11/25 (as 2026-11-25)."""
    def last(match: re.Match[str]) -> str:
        count = match.group(1)
        number = int(count) if count.isdigit() else chinese_number(count)
        return f"last {number} " if number else match.group()

    def day(match: re.Match[str]) -> str:
        year, month, day_ = match.group(1), int(match.group(2)), int(match.group(3))
        if year is None:  # a poll already held: this year's, or last year's
            year = str(today.year if (month, day_) <= (today.month, today.day)
                       else today.year - 1)
        return f" {year}-{month:02d}-{day_:02d} "

    words = team_word(words)
    # Only before the team: a team's own name is kept as typed ('T01-2', '最近').
    found = re.search(r"(?:^|\s)team\s", words, re.IGNORECASE)
    head, tail = (words[:found.start()], words[found.start():]) if found else (words, "")
    head = _CN_DAY.sub(day, _CN_LAST.sub(last, head))
    return " ".join(f"{head} {tail}".split())


def cmd_results(ctx: Context, args: str) -> None:
    """/pulse results [last N | <poll date>] [team <name>] — GM and summary viewers."""
    person = _sender(ctx)
    if not person.can_view_summary:
        ctx.reply("pulse_results_denied")
        return
    # A day typed without its year is read by the reader's calendar, not UTC's: at 11:30
    # on 1 January in Auckland (still 31 December in UTC) "1月1日" is today's poll.
    today = ctx.clock.now().astimezone(ZoneInfo(person.timezone)).date()
    words = _said_in_english(normalise(args), today)
    team: str | None = None
    found = re.search(r"(?:^|\s)team\s+(.+)$", words, re.IGNORECASE)
    if found:
        team = found.group(1).strip()
        words = words[:found.start()].strip()
    repo = PulseRepo(ctx.session)
    last = _LAST.match(words.lower())
    if last:
        polls = repo.recent(max(1, min(int(last.group(1)), MAX_TREND_POLLS)))
    elif not words:
        polls = repo.recent(1)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", words) and repo.poll(words) is not None:
        polls = [repo.poll(words)]  # type: ignore[list-item]
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", words):
        # A date, but no poll on it: say which dates have one (the latest first).
        dates = [p.key for p in reversed(repo.recent(POLL_DATES_SHOWN))]
        ctx.reply("pulse_no_poll_on", day=words, dates=dates)
        return
    else:
        ctx.reply("pulse_results_usage")
        return
    if team is not None:
        # One name per team (`team: East` and `EAST` are one team, as its answers keep it).
        spelled = team_spellings(ctx.org)
        known = {spelled.get(team_key(p.team), p.team) for p in ctx.people.active() if p.team}
        match = next((t for t in known if team_key(t) == team_key(team)), None)
        if match is None:
            # The team closest to a typo, as /summary team and /goals team name it.
            guess = team_guess(ctx.org, team)
            ctx.reply("pulse_unknown_team", team=team, teams=sorted(known),
                      guess=guess if guess in known else None)
            return
        team = match
    if not polls:
        ctx.reply("pulse_no_polls")
        return
    view = results_view(ctx.session, polls, team, ctx.org.pulse.threshold,
                        team_spellings(ctx.org))
    comments = view["comments"]
    if comments and len(comments) > COMMENTS_SHOWN:
        # A chat message, not the CLI's full listing: thousands answer in a large org.
        view["comments"], view["more_comments"] = comments[:COMMENTS_SHOWN], \
            len(comments) - COMMENTS_SHOWN
    if not view["closed"]:
        # An open poll shows participation only: name the command for the results the
        # GM can read, the latest closed poll's, whose date they may not know.
        before = repo.recent(1, closed_only=True)
        view["last_closed"] = before[-1].key if before else None
        # When the count and the answers come, in the reader's own time (chat only: the
        # JSON keeps its fields).
        view["closes"] = polls[-1].closes_at.astimezone(ZoneInfo(person.timezone))
    ctx.reply("pulse_results", readers=VIEWERS, **view)


def results_view(session: Session, polls: list[PulsePoll], team: str | None,
                 threshold_now: int = 0, spelled: Mapping[str, str] | None = None
                 ) -> dict[str, Any]:
    """What /pulse results and the CLI show: the latest poll in detail, plus a trend
    (`threshold_now`: the org file's threshold today, see poll_results).

    Averages are exact: the view rounds each once, as it shows it (bot.numbers); JSON and
    CSV take them through exported()."""
    results = [poll_results(session, p, threshold_now, spelled) for p in polls]
    latest = results[-1]
    slice_ = team or ORG_SLICE
    # A team's view counts the team's participation, as it shows the team's answers.
    trend = [{"poll": r.key, "closed": r.closed, "morale": _avg(r, "morale", slice_),
              "stress": _avg(r, "stress", slice_), "answered": r.participation(slice_)[1],
              "asked": r.participation(slice_)[0]}
             for r in results]
    rows = []

    def why(key: str, stats: Stats | None) -> str | None:
        # Why a closed poll's figure is hidden, by the summaries' own rule (`why_hidden`):
        # the chat's reply and the summary name the same reason for the same team.
        return None if stats is not None or not latest.closed else why_hidden(
            latest, slice_, key)

    for key, per_slice in latest.questions.items():
        stats = per_slice.get(slice_)
        rows.append({"key": key, "kind": latest.kinds.get(key, "scale"),
                     "stats": stats.as_dict(None) if stats else None,
                     "hidden_why": why(key, stats)})
    for key, kind in latest.kinds.items():
        if key not in latest.questions:
            rows.append({"key": key, "kind": kind, "stats": None,
                         "hidden_why": why(key, None)})
    return {"poll": latest.key, "team": team, "threshold": latest.threshold,
            "needed": latest.needed(slice_), "closed": latest.closed,
            "asked": latest.participation(slice_)[0],
            "answered": latest.participation(slice_)[1],
            "asked_hidden": latest.participation_hidden(slice_),
            "questions": rows, "comments": latest.comments.get(slice_),
            "trend": trend if len(results) > 1 else []}


def _avg(results: PollResults, key: str, slice_: str) -> float | None:
    stats = results.stats(key, slice_)
    return stats.average if stats else None


def exported(view: dict[str, Any]) -> dict[str, Any]:
    """results_view() for JSON and CSV: a question's average to 2 places, the trend's to 4
    (as before; any rounding ahead of the one a view makes could change what it shows:
    3.24998 to 4 places is 3.25, which reads 3.3)."""
    def rounded(value: float | None, places: int) -> float | None:
        return None if value is None else round(value, places)

    questions = [{**q, "stats": None if q["stats"] is None else
                  {**q["stats"], "average": rounded(q["stats"]["average"], 2)}}
                 for q in view["questions"]]
    trend = [{**t, "morale": rounded(t["morale"], 4), "stress": rounded(t["stress"], 4)}
             for t in view["trend"]]
    return {**view, "questions": questions, "trend": trend}


# --- alerts ---------------------------------------------------------------------------------

def send_alerts(ctx: Context, poll: PulsePoll) -> int:
    """DM the GM and the team's director about slices whose morale fell or stress is high.

    Only shown slices count (so an alert never says more than results would), once
    per poll, slice and kind (the outbox's dedupe key). A team's director reads it as
    one more reader who knows their own answer (see `visible_slices`): a figure of the
    team holding it needs one answer more than the threshold, or is left out of theirs.
    Returns how many DMs went out.
    """
    settings = ctx.org.pulse
    repo = PulseRepo(ctx.session)
    now_results = poll_results(ctx.session, poll, settings.threshold, team_spellings(ctx.org))
    past = repo.recent(settings.alert_window, closed_only=True, before_key=poll.key)
    before = [poll_results(ctx.session, p, settings.threshold, team_spellings(ctx.org))
              for p in past]
    people = ctx.people.active()
    gms = [p for p in people if p.role == "gm"]
    polls = {p.key: p for p in [*past, poll]}
    # Directors who read the whole org's results are counted there already (Readers).
    leads = [p for p in people if p.role == "director" and p.team and not p.can_view_summary]
    progress = repo.progress_of(polls, [p.id for p in leads])
    sent = 0
    slices = now_results.questions.get("morale", {}) | now_results.questions.get("stress", {})
    for slice_ in sorted(slices):
        directors = [p for p in people if p.role == "director" and slice_ and
                     team_key(p.team) == team_key(slice_)]
        for person in gms + directors:
            seen = _as_read_by(person, slice_, polls, progress)
            reasons = _alert_reasons(now_results, before, seen, settings)
            if not reasons:
                continue
            # The GM's alone, or the team's director's: withdrawn unsent should an edit
            # of the org file take that away (bot.readers).
            readers = GM if person.role == "gm" else team_readers(slice_)
            for reason in reasons:
                if ctx.tell(person, "pulse_alert", team=slice_ or None, poll=poll.key,
                            dedupe_key=f"pulse-alert:{poll.key}:{slice_ or '*'}:"
                                       f"{reason['kind']}:{person.key}", readers=readers,
                            **reason):
                    sent += 1
    return sent


def _as_read_by(person: Person, slice_: str, polls: Mapping[str, PulsePoll],
                progress: Mapping[tuple[str, int], tuple[str | None, int]]
                ) -> Callable[[PollResults, str], Stats | None]:
    """A poll's stats of a question in `slice_` as `person` may read them in an alert: a
    team's director who is no summary viewer (the GM and viewers count as `Readers`
    already) and whose own answer to it is in the team's figure (`progress`: their team as
    asked and step, per poll key and person id) reads it only with one answer more than
    the threshold: in a team of exactly five they would take theirs out and read the
    other four's."""
    def seen(results: PollResults, key: str) -> Stats | None:
        stats = results.stats(key, slice_)
        if stats is None or person.role == "gm" or person.can_view_summary:
            return stats
        team, step = progress.get((results.key, person.id), (None, 0))
        order = [q.key for q in questions_of(polls[results.key])]
        # By casefold: a poll kept before may hold the team under two spellings (`EAST`
        # asked apart from `East`), read as one (team_fold), their answer in its figure.
        own = team is not None and team_key(team) == team_key(slice_) \
            and team in polls[results.key].teams and key in order and step > order.index(key)
        return None if own and stats.n <= results.threshold else stats

    return seen


def _alert_reasons(now: PollResults, before: list[PollResults],
                   seen: Callable[[PollResults, str], Stats | None],
                   settings: PulseSettings) -> list[dict[str, Any]]:
    """Why a slice calls for an alert to one reader (`seen`: a poll's stats of a question
    as that reader may read them): morale fell from the recent average of the polls they
    may read it in, or stress is above the level; each with its answers' count."""
    reasons: list[dict[str, Any]] = []
    morale = seen(now, "morale")
    past = [s.average for r in before if (s := seen(r, "morale")) is not None]
    if morale is not None and past:
        recent = sum(past) / len(past)
        if recent - morale.average >= settings.morale_drop:
            reasons.append({"kind": "morale", "now": morale.average, "before": recent,
                            "n": morale.n})
    stress = seen(now, "stress")
    if stress is not None and stress.average > settings.stress_above:
        reasons.append({"kind": "stress", "now": stress.average,
                        "level": settings.stress_above, "n": stress.n})
    return reasons


def _sender(ctx: Context) -> Person:
    if ctx.person is None:
        raise RuntimeError("handler needs a known sender")
    return ctx.person
