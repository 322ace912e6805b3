"""The weekly check-in: prompting, answering one question at a time, skipping,
editing, resuming, reminders, and marking oneself away."""

from __future__ import annotations

import copy
import logging
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.events import Choice, OutboundMessage, Target
from bot.numbers import round_half_up
from bot.questions import ChoiceDef, Question
from bot.render import LOCALES, format_number
from bot.schedule import checkin_moment
from bot.text import clean_text
from bot.weeks import current_week, previous_week, week_end, week_start
from handlers import support
from handlers.answers import (
    NO_WORDS,
    YES_WORDS,
    AnswerError,
    is_pause,
    is_percent,
    is_skip,
    keyword,
    normalise,
    parse_answer,
    read_any_money,
    read_number,
    said_back,
)
from handlers.away import is_away
from handlers.context import Context, Fallback
from handlers.waiting import after_dialog, under_way
from storage.models import Answer, CheckinRound, Conversation, Person
from storage.oneonone import OneOnOneRepo
from storage.repositories import UNDER_WAY
from storage.round_batch import RoundBatchRepo

log = logging.getLogger(__name__)

ACTION_PREFIX = "ans"
CONFIRM_PREFIX = "num"
# A KPI value over this many times the weekly target is confirmed before it is stored.
PLAUSIBLE_FACTOR = 20
# From this weekly target on, the input hint suggests thousands ('45k', '4.5万').
LARGE_TARGET = 1000
# A KPI value under a hundredth of a weekly target of LARGE_TARGET or more is confirmed
# too: '52' typed meaning 52k, '5.2' meaning 5.2万 would otherwise be stored as they are.
SMALL_FACTOR = 100


# --- questions of a round -------------------------------------------------------------------

def round_questions(ctx: Context, rnd: CheckinRound) -> list[Question]:
    """The round's questions, with built-in choice labels filled in for every locale.

    Parsed once per round and transaction: one answer needs them several times.
    """
    if getattr(rnd, "id", None) is None:
        return snapshot_questions(ctx, rnd.questions)
    return list(ctx.checkins.cached_questions(
        rnd, lambda snapshot: snapshot_questions(ctx, snapshot)))


def snapshot_questions(ctx: Context, snapshot: list[dict[str, Any]]) -> list[Question]:
    """Questions from a round's snapshot dicts, built-in choice labels filled in."""
    out = []
    for data in snapshot:
        q = Question.from_dict(data)
        if q.kind == "choice" and any(not c.labels for c in q.choices):
            q = replace(q, choices=tuple(
                ChoiceDef(c.value, c.labels or {
                    loc: ctx.renderer.choice_label(loc, q.key, c.value) for loc in LOCALES})
                for c in q.choices))
        out.append(q)
    return out


def applicable(rnd: CheckinRound, questions: list[Question]) -> list[Question]:
    """Questions that apply given the answers so far (e.g. no support detail if none needed).

    A follow-up counts as long as the question it depends on is still unanswered (so
    the total shown does not grow mid-way), and stops applying when that question is
    answered with one of its `skip_if` values or skipped: there is nothing to follow up.
    """
    return applicable_given(questions, {a.question_key: a for a in rnd.answers})


def applicable_given(questions: list[Question], answers: Mapping[str, Any]) -> list[Question]:
    """applicable(), on a map of question key to answer (anything with `skipped` and
    `text_value`) that the caller already has."""
    out = []
    for q in questions:
        if q.skip_if:
            other = answers.get(q.skip_if[0])
            if other is not None and (other.skipped or other.text_value in q.skip_if[1]):
                continue
        out.append(q)
    return out


def save_answer(ctx: Context, rnd: CheckinRound, key: str, *, text: str | None = None,
                number: float | None = None, skipped: bool = False) -> int:
    """Store an answer and forget answers to questions it made inapplicable.

    A support detail given before "no support needed" must not silently come back
    when support is needed again: it is asked afresh. Returns how the number of
    questions that apply changed (-1: one question fewer).
    """
    questions = round_questions(ctx, rnd)
    before = len(applicable(rnd, questions))
    now = ctx.clock.now()
    given = ctx.checkins.answer(rnd, key) if rnd.status == "submitted" else None
    after = rnd.status == "submitted" and _changes(given, text, number, skipped) and \
        _mark_if_after_the_week(rnd, now)
    # (Read before save_answer overwrites it: the figure the week ended with.)
    was = given.number_value if given is not None and not given.skipped else None
    saved = ctx.checkins.save_answer(rnd, key, text=text, number=number, skipped=skipped,
                                     now=now)
    if after and saved.changed_after_week_at is None:
        # The first change after the week keeps what it replaced; a later one, the first's.
        saved.changed_after_week_at = now
        saved.number_at_week_end = was
    live = {q.key for q in applicable(rnd, questions)}
    for q in questions:
        if q.key not in live:
            ctx.checkins.delete_answer(rnd, q.key)
    return len(live) - before


def _changes(given: Answer | None, text: str | None, number: float | None,
             skipped: bool) -> bool:
    """Whether storing this answer changes what the round read: a figure typed again
    ("60000" for "60,000") changes nothing."""
    if given is None or given.skipped != skipped:
        return True
    if number is not None or given.number_value is not None:
        return given.number_value != number
    return given.text_value != text


def _mark_if_after_the_week(rnd: CheckinRound, now: datetime) -> bool:
    """A submitted round changed `now`: after its week ended where it was run (as `late`
    is decided; rounds made before rounds had a timezone read the person's today), the
    round keeps when, and the GM's view says its week was edited after the fact. Whether
    it was after the week."""
    if now >= week_over(rnd.week, rnd.timezone or rnd.person.timezone):
        rnd.edited_at = now
        return True
    return False


def next_question(rnd: CheckinRound, questions: list[Question]) -> Question | None:
    """The first applicable question with no answer (nor explicit skip) yet."""
    answered = {a.question_key for a in rnd.answers}
    return next((q for q in applicable(rnd, questions) if q.key not in answered), None)


#: session.info key: question_text() per question object and locale, for the session's
#: life (a batch of answers asks the same few questions of many people).
_PROMPTS = "teampulse.question_prompts"


def question_text(ctx: Context, locale: str, q: Question) -> str:
    """The prompt of a question in a locale (plain text, for lists)."""
    if q.prompt:
        return q.prompt.get(locale) or q.prompt.get("en", q.key)
    # Rendered once per question object and locale in a session: the text depends on
    # nothing else, and a round's question objects are shared for the session's life
    # (see round_questions); the entry holds the question, so its id() is not reused.
    cache: dict[tuple[int, str], tuple[Question, str]] = ctx.session.info.setdefault(
        _PROMPTS, {})
    hit = cache.get((id(q), locale))
    if hit is not None and hit[0] is q:
        return hit[1]
    text = ctx.renderer.message(locale, "question_prompt", key=q.key,
                                label=kpi_label(ctx, locale, q), unit=q.unit_text(locale),
                                target=q.target, target_unit=q.unit_for(locale, q.target)
                                if q.target is not None else None, unit_code=q.unit or "")
    cache[(id(q), locale)] = (q, text)
    return text


def number_hint(q: Question) -> str:
    """Which input example fits a number question: 'large' (45k) or 'plain' (a count)."""
    return "large" if q.target is not None and q.target >= LARGE_TARGET else "plain"


def kpi_label(ctx: Context, locale: str, q: Question) -> str:
    """A KPI's name in a locale: the org file's label, else a known name, else the metric."""
    if q.label.get(locale):
        return q.label[locale]
    known = ctx.renderer.message(locale, "kpi_name", metric=q.metric or "")
    return known or q.label.get("en") or (q.metric or q.key).replace("_", " ")


def own_words(ctx: Context, q: Question) -> tuple[str, ...]:
    """A KPI's name in every language, which a director may type after its figure ('3 new
    customers', '3个新客户'); nothing for other questions."""
    if q.kind != "number" or q.metric is None:
        return ()
    return tuple(dict.fromkeys(kpi_label(ctx, locale, q) for locale in LOCALES))


def _choices(rnd: CheckinRound, q: Question, index: int, locale: str) -> list[Choice]:
    return _choices_for(rnd.id, q, index, locale)


def _choices_for(round_id: int, q: Question, index: int, locale: str) -> list[Choice]:
    if q.kind == "scale":
        return [Choice(str(n), f"{ACTION_PREFIX}:{round_id}:{index}:{n}") for n in range(1, 6)]
    if q.kind == "choice":
        return [Choice(c.labels.get(locale) or c.value, f"{ACTION_PREFIX}:{round_id}:{index}:{i}")
                for i, c in enumerate(q.choices, start=1)]
    return []


def ask(ctx: Context, person: Person, rnd: CheckinRound, q: Question, *, intro: str | None = None,
        editing: bool = False, dedupe_key: str | None = None, count_change: int = 0,
        count_reason: str = "", expires_at: datetime | None = None,
        fallback: Fallback | None = None) -> bool:
    """Send a question (with buttons where it has choices) and wait for its answer
    (`expires_at`: not sent at all if still waiting then, see Context.tell; `fallback`:
    sent instead should the platform give it up for good).

    Someone no running platform can reach is not asked: a later message from them
    must not be taken as the answer to a question they never saw.
    """
    if ctx.dm_target(person) is None:
        return False
    questions = round_questions(ctx, rnd)
    live = applicable(rnd, questions)
    position = next((i for i, x in enumerate(live, start=1) if x.key == q.key), 1)
    index = next(i for i, x in enumerate(questions) if x.key == q.key)
    ctx.conversations.ask(person, rnd, q.key, editing=editing, now=ctx.clock.now())
    return ctx.tell(
        person, "question", dedupe_key=dedupe_key, expires_at=expires_at,
        asks=None if dedupe_key else asked_in(rnd.id),
        choices=_choices(rnd, q, index, person.locale),
        intro=intro or "", position=position, total=len(live), kind=q.kind,
        prompt=question_text(ctx, person.locale, q),
        options=[c.labels.get(person.locale) or c.value for c in q.choices],
        unit=q.unit_text(person.locale), hint=number_hint(q), editing=editing, week=rnd.week,
        name=person.display_name, fallback=fallback,
        count_note=ctx.renderer.message(person.locale, "checkin_count_changed",
                                        change=count_change, reason=count_reason)
        if count_change else "")


# --- starting and prompting -----------------------------------------------------------------

def _new_round(ctx: Context, person: Person, week: str) -> CheckinRound:
    # A copy of the shared snapshot: this round's object may be changed in the session.
    snapshot = copy.deepcopy(ctx.org.question_snapshot(ctx.org.person(person.key)))
    return ctx.checkins.create_round(person, week, snapshot, ctx.clock.now())


def left_open(ctx: Context, rnd: CheckinRound | None, week: str) -> dict[str, Any] | None:
    """What a new week's prompt says of last week's round `rnd` when it was started and
    not finished (None otherwise): its week, how many of its questions are unanswered, and
    the last day /checkin still resumes it (cmd_checkin: this week's or last week's, the
    newer first, so once this week's is in)."""
    if rnd is None or rnd.status != "open" or not rnd.answers:
        return None
    given = {a.question_key for a in rnd.answers}
    live = applicable(rnd, round_questions(ctx, rnd))
    left = sum(1 for q in live if q.key not in given)
    if not left:
        return None
    return {"week": rnd.week, "left": left, "total": len(live), "until": week_end(week)}


def prompt_checkin(ctx: Context, person: Person, week: str | None = None, *,
                   take_over: bool = False) -> str:
    """The scheduled prompt for one person. Returns what happened, for logs and the console.

    Idempotent per person and week: a restart, a catch-up after downtime, or a
    manual fire never sends the same prompt twice. Someone in the middle of another
    dialog is told the first question follows it, unless `take_over` (the console's /fire).
    """
    if not person.active or not person.checks_in:
        return "not-checking-in"
    if is_away(ctx, person):
        return "away"
    week = week or current_week(ctx.clock.now(), person.timezone)
    rnd = ctx.checkins.round_for(person, week)
    if rnd is not None and (rnd.prompted_at is not None or rnd.status == "submitted"):
        return "already-prompted"
    if rnd is None:
        rnd = _new_round(ctx, person, week)
    q = next_question(rnd, round_questions(ctx, rnd))
    if q is None:
        rnd.prompted_at = ctx.clock.now()
        return "already-prompted"
    if not take_over and under_way(ctx, person, ctx.clock.now(), "checkin"):
        # In the middle of another dialog: its next answer must not be taken as this
        # one's (the first question follows it: resume_held).
        if not ctx.tell(person, "checkin_intro", name=person.display_name, week=rnd.week,
                        start=week_start(rnd.week), end=week_end(rnd.week),
                        resumed=bool(rnd.answers), held=True,
                        dedupe_key=f"checkin:{person.key}:{week}:prompt",
                        expires_at=prompt_expiry(week, person.timezone, ctx.clock.now())):
            return "unreachable"
        rnd.prompted_at = ctx.clock.now()
        return "prompted"
    earlier = None if rnd.answers else left_open(
        ctx, ctx.checkins.round_for(person, previous_week(week)), week)
    intro = ctx.renderer.message(person.locale, "checkin_intro", _markup(ctx, person),
                                 name=person.display_name, week=rnd.week,
                                 start=week_start(rnd.week), end=week_end(rnd.week),
                                 resumed=bool(rnd.answers), unfinished=earlier)
    if not ask(ctx, person, rnd, q, intro=intro,
               dedupe_key=f"checkin:{person.key}:{week}:prompt",
               expires_at=prompt_expiry(week, person.timezone, ctx.clock.now())):
        # No running platform knows them yet: a later run (or /checkin) can still reach them.
        return "unreachable"
    rnd.prompted_at = ctx.clock.now()
    return "prompted"


def prompt_checkins(ctx: Context, wanted: Sequence[tuple[int, str | None]], *,
                    take_over: bool = False) -> dict[str, str]:
    """The scheduled prompt for a batch of people (person id, week or None for this week).

    Does what prompt_checkin does for each, with what each result means unchanged, but
    in a constant number of statements for the whole batch: a round of 10,000 people is
    linear in people and cheap per batch. The rare person with an unfinished round that
    was never prompted (started with /checkin, say) is resumed one at a time.
    Returns each person key's outcome, in the order given.
    """
    now = ctx.clock.now()
    repo = RoundBatchRepo(ctx.session)
    people = repo.people([pid for pid, _ in wanted])
    outcome: dict[int, str] = {}
    todo: list[tuple[Person, str]] = []
    for pid, week in wanted:
        person = people.get(pid)
        if person is None or pid in outcome:
            continue
        if not person.active or not person.checks_in:
            outcome[pid] = "not-checking-in"
            continue
        outcome[pid] = ""  # decided below
        todo.append((person, week or current_week(now, person.timezone)))
    away = ctx.away.covering((p.id, p.timezone, now) for p, _ in todo)
    # This week's rounds, and last week's started and not finished, which the prompt
    # names (left_open): one statement.
    existing, started = repo.rounds_started(
        pair for p, week in todo for pair in ((p.id, week), (p.id, previous_week(week))))
    earlier = {pair: existing[pair] for pair in started}
    fresh: list[tuple[Person, str]] = []
    for person, week in todo:
        rnd = existing.get((person.id, week))
        if (person.id, now) in away:
            outcome[person.id] = "away"
        elif rnd is not None and (rnd.prompted_at is not None or rnd.status == "submitted"):
            outcome[person.id] = "already-prompted"
        elif rnd is not None:
            outcome[person.id] = prompt_checkin(ctx, person, week, take_over=take_over)
        else:
            fresh.append((person, week))
    _prompt_fresh(ctx, repo, fresh, outcome, take_over, earlier)
    return {people[pid].key: result for pid, result in outcome.items()}


def _prompt_fresh(ctx: Context, repo: RoundBatchRepo, fresh: list[tuple[Person, str]],
                  outcome: dict[int, str], take_over: bool = False,
                  earlier: Mapping[tuple[int, str], CheckinRound] | None = None) -> None:
    """Create and prompt the rounds of people who have none for their week yet
    (`earlier`: last week's rounds started and not finished, by person id and week)."""
    earlier = earlier or {}
    now = ctx.clock.now()
    plans = []  # (person, week, snapshot, target, dedupe key)
    for person, week in fresh:
        snapshot = ctx.org.question_snapshot(ctx.org.person(person.key))
        plans.append((person, week, snapshot, ctx.dm_target(person),
                      f"checkin:{person.key}:{week}:prompt"))
    taken = repo.taken_dedupe_keys([key for *_, target, key in plans if target is not None])
    # Questions per distinct snapshot (a round shares a handful): parsed once per batch,
    # and the first question's prompt rendered once per snapshot and locale.
    parsed: dict[int, list[Question]] = {}
    prompts: dict[tuple[int, str], str] = {}
    rows = []
    for person, week, snapshot, target, key in plans:
        questions = parsed.get(id(snapshot))
        if questions is None:
            questions = parsed[id(snapshot)] = snapshot_questions(ctx, snapshot)
        # Prompted once the question is recorded for sending; with no question at all
        # there is nothing to ask, and the round counts as prompted (as prompt_checkin).
        prompted = not questions or (target is not None and key not in taken)
        rows.append({"person_id": person.id, "week": week, "questions": snapshot,
                     "status": "open", "team": person.team, "role": person.role,
                     "timezone": person.timezone, "manager_key": person.manager_key,
                     "created_at": now,
                     "prompted_at": now if prompted else None})
    ids = repo.create_rounds(rows)
    busy = set() if take_over else _in_other_dialogs(ctx, [person for person, *_ in plans], now)
    # The first question, recorded as asked of those it is asked of (not busy), at once:
    # unless taking over, not over another dialog's question that another replica sent
    # since `busy` was read (they are then told their check-in follows, as the busy are).
    first = [_asked_row(person, round_id, parsed[id(snapshot)][0], now)
             for round_id, (person, _, snapshot, target, _) in zip(ids, plans, strict=True)
             if parsed[id(snapshot)] and target is not None and person.id not in busy]
    asked = repo.ask(first) if take_over else _ask_unless_busy(repo, first, now)
    messages = []
    for round_id, (person, week, snapshot, target, key) in zip(ids, plans, strict=True):
        questions = parsed[id(snapshot)]
        if not questions:
            outcome[person.id] = "already-prompted"
            continue
        if target is None:
            # No running platform knows them yet: a later run (or /checkin) can still reach them.
            outcome[person.id] = "unreachable"
            continue
        q = questions[0]  # nothing is answered yet, so every question applies
        if key in taken:
            outcome[person.id] = "unreachable"  # as ask() says of a repeated prompt
            continue
        markup = ctx.addressbook.markup(target.platform)
        if person.id not in asked:
            # In the middle of another dialog: told, not asked (resume_held asks after it).
            messages.append(_outbox_row(target, OutboundMessage(ctx.renderer.message(
                person.locale, "checkin_intro", markup, name=person.display_name, week=week,
                start=week_start(week), end=week_end(week), held=True)), key, now,
                prompt_expiry(week, person.timezone, now)))
            outcome[person.id] = "prompted"
            continue
        prompt = prompts.get((id(snapshot), person.locale))
        if prompt is None:
            prompt = prompts[(id(snapshot), person.locale)] = question_text(
                ctx, person.locale, q)
        intro = ctx.renderer.message(
            person.locale, "checkin_intro", markup, name=person.display_name, week=week,
            start=week_start(week), end=week_end(week), resumed=False,
            unfinished=left_open(ctx, earlier.get((person.id, previous_week(week))), week))
        message = _question_message(ctx, person, markup, round_id, week, q, intro=intro,
                                    position=1, total=len(questions), index=0, prompt=prompt)
        messages.append(_outbox_row(target, message, key, now,
                                    prompt_expiry(week, person.timezone, now)))
        ctx.sent.append(message)
        outcome[person.id] = "prompted"
    repo.enqueue(messages)


def _markup(ctx: Context, person: Person) -> str:
    target = ctx.dm_target(person)
    return ctx.addressbook.markup(target.platform) if target else "plain"


def send_reminders(ctx: Context, after_id: int = 0, limit: int | None = None
                   ) -> tuple[int, int | None]:
    """Remind, once, whoever has not finished a round prompted longer ago than the delay.

    Looks at rounds with ids above `after_id`, at most `limit` of them (all without one),
    in a constant number of statements for the lot. Returns how many reminders were
    recorded and the last round id looked at (None when there is nothing more), so a
    sweep over 10,000 people goes in short transactions.
    """
    if ctx.settings.reminder_delay is None:  # CHECKIN_REMINDER_DELAY=off
        return 0, None
    now = ctx.clock.now()
    cutoff = now - ctx.settings.reminder_delay
    # The weeks that are "this week" somewhere on earth right now (UTC-12 .. UTC+14).
    weeks = {current_week(now + timedelta(hours=h), "UTC") for h in (-12, 14)}
    repo = RoundBatchRepo(ctx.session)
    rounds = repo.awaiting_reminder(cutoff, sorted(weeks), after_id, limit)
    if not rounds:
        return 0, None
    away = ctx.away.covering((r.person.id, r.person.timezone, now) for r in rounds)
    begun = begun_and_away(ctx, [r for r in rounds if (r.person.id, now) not in away])
    # Someone in the middle of another dialog (a pulse poll, a survey) is reminded now as
    # well, without the question (their next answer is that dialog's; the check-in's
    # question follows it: resume_held). Left for a later sweep, as it was, they stood
    # apart in the GM's /checkin remind that hour ("reminded" beside everyone's "reminded
    # already today"), which told when they were answering the anonymous poll.
    busy = _in_other_dialogs(ctx, [r.person for r in rounds], now)
    # The reminders already recorded, and the prompts: the delay counts from when the
    # prompt arrived, not from when it was queued (held up by an outage, the prompt and
    # the reminder came a second apart once it was over). One read for both.
    states = repo.dedupe_states([f"checkin:{r.person.key}:{r.week}:{kind}"
                                 for r in rounds for kind in ("prompt", "reminder")])
    unread = {key for key, (status, sent_at) in states.items() if key.endswith(":prompt")
              and (status in ("pending", "sending")
                   or (status == "sent" and sent_at is not None and sent_at > cutoff))}
    due = []  # (round, person, questions, question, target, dedupe key)
    for rnd in rounds:
        person = rnd.person
        if rnd.week != current_week(now, person.timezone):
            # Only this week's round is worth a reminder; an old one is left alone
            # (and stays open for a late answer through /checkin).
            continue
        if f"checkin:{person.key}:{rnd.week}:prompt" in unread:
            continue  # not with them for the delay yet: a later sweep reminds them
        if not person.active or (person.id, now) in away or rnd.id in begun:
            rnd.reminded_at = now
            continue
        questions = round_questions(ctx, rnd)
        q = next_question(rnd, questions)
        target = ctx.dm_target(person)
        if q is None or target is None:
            rnd.reminded_at = now
            continue  # nothing left to ask, or no running platform can reach them
        due.append((rnd, person, questions, q, target,
                    f"checkin:{person.key}:{rnd.week}:reminder"))
    # Marked reminded only if still as read (README: "never arrives after it is"): with
    # several replicas, an answer a follower committed since the rounds were read is
    # not followed by a reminder of what it answered, or of a check-in it finished.
    still = repo.mark_reminded({rnd.id: len(rnd.answers) for rnd, *_ in due}, now)
    due = [d for d in due if d[0].id in still]
    # Another replica may have sent one of them a question of another dialog since `busy`
    # was read: theirs is then not written over, and they are told as the busy are.
    asked = _ask_unless_busy(repo, [_asked_row(person, rnd.id, q, now) for rnd, person, _, q, *_
                                    in due if person.id not in busy], now)
    messages = []
    for rnd, person, questions, q, target, key in due:
        held = person.id not in asked
        if key in states:
            continue  # reminded already (as ask() would find)
        # Worth sending only within the round's week, as this sweep decides (after it the
        # next week's check-in takes over): held up past its end, it is not sent.
        messages.append(_reminder_row(ctx, rnd, person, questions, q, target, key, now,
                                      expires_at=week_over(rnd.week, person.timezone),
                                      held=held))
    repo.enqueue(messages)
    return len(messages), rounds[-1].id


def begun_and_away(ctx: Context, rounds: Sequence[CheckinRound]) -> set[int]:
    """The ids of the `rounds` begun (an answer given) and not finished whose week's
    check-in moment an away period covers (time away planned from Thursday, said after
    answering on Monday): the summaries read them in progress and not to chase, so no
    reminder goes, before the time away begins either. Asked only of the few people with
    an away period near those weeks (handlers.summary.away_weeks)."""
    from handlers.summary import away_weeks  # (the summaries import this module)

    begun = [r for r in rounds if r.answers and r.status != "submitted"]
    if not begun:
        return set()
    covered = away_weeks(ctx, list({r.person.id: r.person for r in begun}.values()),
                         sorted({r.week for r in begun}))
    return {r.id for r in begun if (r.person.id, r.week) in covered}


def week_over(week: str, timezone: str, weeks_after: int = 0) -> datetime:
    """When `week` (plus `weeks_after` more) has ended where the person is: the next
    Monday's midnight in their timezone, as an aware datetime."""
    monday = week_start(week) + timedelta(weeks=1 + weeks_after)
    return datetime.combine(monday, datetime.min.time(), ZoneInfo(timezone))


def prompt_expiry(week: str, timezone: str, now: datetime) -> datetime:
    """When a check-in prompt for `week` queued `now` stops being worth sending: at the end
    of that week where the person is (its answers were due by Sunday; the digest reads the
    week on Monday and the next week's prompt takes over). One sent after the week (an
    operator's `checkin send` for last week) has until /checkin stops taking that round:
    the end of the week after. Held up past it, the prompt is dropped and the round reads
    as never prompted (storage.undelivered)."""
    over = week_over(week, timezone)
    return over if now < over else week_over(week, timezone, 1)


def _reminder_row(ctx: Context, rnd: CheckinRound, person: Person, questions: list[Question],
                  q: Question, target: Target, key: str, now: datetime,
                  by: Person | None = None, expires_at: datetime | None = None,
                  held: bool = False) -> dict[str, Any]:
    """The outbox row of a reminder: its intro (naming who asked for it, `by`, if
    anyone) and the next question, numbered among those that apply; `held`, someone in
    the middle of another dialog: the intro alone, saying /checkin carries on after it
    (a question would take the next answer meant for that dialog)."""
    markup = ctx.addressbook.markup(target.platform)
    intro = ctx.renderer.message(person.locale, "checkin_reminder", markup,
                                 name=person.display_name, week=rnd.week,
                                 by=by.display_name if by is not None else None, held=held)
    if held:
        message = OutboundMessage(intro)
        ctx.sent.append(message)
        return _outbox_row(target, message, key, now, expires_at)
    live = applicable(rnd, questions)
    position = next((i for i, x in enumerate(live, start=1) if x.key == q.key), 1)
    index = next(i for i, x in enumerate(questions) if x.key == q.key)
    message = _question_message(ctx, person, markup, rnd.id, rnd.week, q, intro=intro,
                                position=position, total=len(live), index=index,
                                prompt=question_text(ctx, person.locale, q))
    ctx.sent.append(message)
    return _outbox_row(target, message, key, now, expires_at)


def nudge(ctx: Context, people: Sequence[Person], week: str, by: Person
          ) -> dict[str, list[Person]]:
    """Remind now, on `by`'s word (`/checkin remind`), those of `people` whose check-in
    of `week` went out and is not finished, at most once a day each (their day): the
    reminder names who asked, then their next question, as the automatic one does.
    Returns who was reminded and, by reason, who was not.

    Someone in the middle of another dialog (a pulse poll, a survey) is reminded as well,
    without the question (see _reminder_row), and counted as everyone else: a reply
    naming them apart would tell whoever asks, again and again, who is answering the
    anonymous poll right now, and when (README: Your answers are anonymous)."""
    now = ctx.clock.now()
    out: dict[str, list[Person]] = {k: [] for k in (
        "reminded", "done", "not_yet", "not_sent", "away", "already", "unreachable",
        "not_checking_in")}
    active = [p for p in people if p.active]
    repo = RoundBatchRepo(ctx.session)
    rounds = {r.person_id: r for r in repo.week_rounds(week, [p.id for p in active])}
    away = ctx.away.covering((p.id, p.timezone, now) for p in active)
    begun = begun_and_away(ctx, list(rounds.values()))
    busy = _in_other_dialogs(ctx, active, now)
    due = []
    for person in active:
        rnd = rounds.get(person.id)
        if rnd is None or rnd.prompted_at is None:
            # The GM's week began before theirs: their check-in goes out later today, at
            # their own time, and is not one to send by hand now. Someone away now is
            # named away: `/checkin send` would send them nothing either.
            out["not_checking_in" if not person.checks_in else "not_yet" if checkin_moment(
                ctx.settings.checkin_schedule, person.timezone, week) > now
                else "away" if (person.id, now) in away else "not_sent"].append(person)
            continue
        questions = round_questions(ctx, rnd)
        q = next_question(rnd, questions) if rnd.status != "submitted" else None
        target = ctx.dm_target(person)
        reason = ("done" if q is None else "away" if (person.id, now) in away
                  or rnd.id in begun else "unreachable" if target is None else None)
        if reason is not None:
            out[reason].append(person)
            continue
        day = now.astimezone(ZoneInfo(person.timezone)).date().isoformat()
        due.append((rnd, person, questions, q, target, f"checkin:{person.key}:{week}:nudge:{day}"))
    automatic = {rnd.id: f"checkin:{person.key}:{week}:reminder" for rnd, person, *_ in due}
    taken = repo.taken_dedupe_keys([key for *_, key in due] + list(automatic.values()))
    todo = []
    for rnd, person, questions, q, target, key in due:
        # Once a day each, whichever came first: the automatic reminder that reached them
        # today (their day) counts as today's, as this one stands for it (below).
        reached_today = automatic[rnd.id] in taken and rnd.reminded_at is not None and \
            _local_day(rnd.reminded_at, person) == _local_day(now, person)
        if key in taken or reached_today:
            out["already"].append(person)
        else:
            todo.append((rnd, person, questions, q, target, key))
    # As the reminder sweep: not over another dialog's question sent since `busy` was read.
    asked = _ask_unless_busy(repo, [_asked_row(person, rnd.id, q, now) for rnd, person, _, q, *_
                                    in todo if person.id not in busy], now)
    messages = []
    for rnd, person, questions, q, target, key in todo:
        held = person.id not in asked  # their next answer is that dialog's: no question
        # Asked for by hand, maybe of last week's round (the GM chasing on Monday): held
        # up, it goes while /checkin can still take the answers (until the end of the
        # week after the round's, see cmd_checkin), not after.
        messages.append(_reminder_row(ctx, rnd, person, questions, q, target, key, now, by,
                                      expires_at=week_over(week, person.timezone, 1),
                                      held=held))
        # It stands for the automatic reminder too: not a second one an hour later.
        rnd.reminded_at = rnd.reminded_at or now
        out["reminded"].append(person)
    repo.enqueue(messages)
    return out


def queued_keys(person: Person, week: str, *, prompt: bool = False) -> list[str]:
    """The outbox dedupe keys of what may still wait to be sent about `person`'s check-in
    of `week`: the automatic reminder, `/checkin remind`'s (one a day, until the end of
    the week after, see nudge), and with `prompt` the prompt itself."""
    first = week_start(week)
    keys = [f"checkin:{person.key}:{week}:reminder"] + [
        f"checkin:{person.key}:{week}:nudge:{(first + timedelta(days=d)).isoformat()}"
        for d in range(-1, 15)]  # (a day either side: their day, not the week's calendar)
    return [*keys, f"checkin:{person.key}:{week}:prompt"] if prompt else keys


def asked_in(round_id: int) -> str:
    """What a check-in question sent without a dedupe key (the next one after an answer,
    /checkin's, /edit's) is marked as asking (bot.events.ASKS_KEY): withdrawn by it."""
    return f"checkin:{round_id}"


def withdraw_queued(ctx: Context, person: Person, rnd: CheckinRound, *,
                    prompt: bool = False) -> int:
    """Drop the reminders of `rnd` and its questions sent without a key (and with `prompt`
    its prompt) still waiting in the outbox (the platform down or rate limiting since they
    were queued): the check-in was finished, put aside or moved on past the question they
    ask, meanwhile, and "your check-in isn't finished yet" must not arrive after it is
    (OutboxRepo.withdraw, as a moved 1:1's reminders). How many were dropped."""
    return ctx.outbox.withdraw(queued_keys(person, rnd.week, prompt=prompt), ctx.clock.now(),
                               asks=[asked_in(rnd.id)])


def _withdraw_soon(ctx: Context, person: Person, rnd: CheckinRound, *,
                   prompt: bool = False, asked: bool = False) -> None:
    """withdraw_queued on an answer's path: in a batch of answers, one statement for the
    batch at its end (OutboxRepo.withdraw_soon), not one per answer that also writes
    the batch's pending rows early. With `asked` (the check-in is in: nothing of it is
    asked after), its questions sent without a key too, the batch's own included."""
    ctx.outbox.withdraw_soon(queued_keys(person, rnd.week, prompt=prompt), ctx.clock.now(),
                             asks=[asked_in(rnd.id)] if asked else ())


def withdraw_for_away(ctx: Context, person: Person) -> int:
    """`person` has just set time away: drop what still waits in the outbox about their
    unfinished check-ins that /checkin takes (this week's and last week's). Away now,
    their reminders (nobody away is reminded, see send_reminders) and the questions sent
    without a key (the one after an answer), whose dialog then ends (/checkin asks it once
    they are back); the prompt too, with its reminders, of a week the summary now reads as
    away (the period covers its check-in moment: a round sent ahead of it, `/checkin send`
    on a Wednesday), whose question then no longer waits for a typed answer. A week whose
    moment went by before the period began stays as it was (README: Time away): its
    prompt still goes, and `/checkin` takes it once they are back. How many were dropped."""
    from handlers.summary import away_weeks  # (the summaries import this module)

    now = ctx.clock.now()
    week = current_week(now, person.timezone)
    # First (on PostgreSQL) their row and these rounds, for a round's batch or a reminder
    # sweep on another replica: what it queues is read below, to drop (see lock_for_away).
    ctx.checkins.lock_for_away(person, (previous_week(week), week))
    rounds = [r for r in (ctx.checkins.round_for(person, w) for w in (previous_week(week), week))
              if r is not None and r.status != "submitted" and r.prompted_at is not None]
    ctx.session.flush()  # (the period just added, for away_weeks)
    covered = away_weeks(ctx, [person], [r.week for r in rounds])
    away_now = is_away(ctx, person)
    conv = ctx.conversations.get(person)
    dropped = 0
    for rnd in rounds:
        if (person.id, rnd.week) in covered:
            prompt = ctx.outbox.withdraw([f"checkin:{person.key}:{rnd.week}:prompt"], now)
        elif away_now:
            prompt = 0
        else:
            continue
        # The next question, sent as the reply to an answer just before (the platform
        # down since), would ask them away what /checkin asks once they are back.
        asked = ctx.outbox.withdraw([], now, asks=[asked_in(rnd.id)])
        if (prompt or asked) and conv is not None and conv.round_id == rnd.id:
            # Its question never arrived: what they type is no answer to it.
            ctx.conversations.clear(person)
        dropped += prompt + asked + ctx.outbox.withdraw(queued_keys(person, rnd.week), now)
    return dropped


def _local_day(moment: datetime, person: Person) -> date:
    return moment.astimezone(ZoneInfo(person.timezone)).date()


def _in_other_dialogs(ctx: Context, people: Sequence[Person], now: datetime) -> set[int]:
    """Of `people`, the ids of those in the middle of a dialog other than their check-in (a
    survey, a poll, the monthly questions, a 1:1's after-meeting questions:
    handlers.waiting.under_way), in two queries."""
    ids = [p.id for p in people]
    ctx.conversations.preload(ids)
    OneOnOneRepo(ctx.session).preload_dialogs(ids)
    return {p.id for p in people if under_way(ctx, p, now, "checkin")}


def resume_held(ctx: Context, person: Person) -> bool:
    """Once another dialog is over, ask this week's check-in question that waits, named
    as the check-in's: the first one if its prompt came while the person was in that
    dialog or that dialog took its place (a poll or survey asked after it had waited an
    hour), or the one a started check-in stopped at (so too, or put aside with /pause).
    False if none waits."""
    if not person.active or not person.checks_in or ctx.conversations.get(person) is not None:
        return False
    rnd = ctx.checkins.round_for(person, current_week(ctx.clock.now(), person.timezone))
    if rnd is None or rnd.prompted_at is None or rnd.status == "submitted":
        return False
    q = next_question(rnd, round_questions(ctx, rnd))
    # Held up past its week's end, it is dropped as the prompt it follows would be: the
    # week's question is not asked once the next week has begun (README: One dialog at a
    # time); /checkin still takes the round.
    return q is not None and ask(ctx, person, rnd, q, intro=ctx.render(
        "back_to_dialog", kind="checkin", week=rnd.week),
        expires_at=week_over(rnd.week, person.timezone))


def ask_again(ctx: Context, person: Person, conv: Conversation) -> bool:
    """Ask again the check-in question `conv` waits on, put aside by a 1:1 dialog that
    came after it (handlers.waiting.back_to_dialog); False if `conv` is not a check-in's
    or its question is gone."""
    if conv.kind != "checkin" or conv.round_id is None:
        return False
    rnd = ctx.checkins.by_id(conv.round_id)
    q = next((x for x in round_questions(ctx, rnd) if x.key == conv.question_key),
             None) if rnd is not None else None
    # As the prompt and resume_held's question: held up past the week's end where they
    # are (last week's round, taken by /checkin, past the end of the week after), it is
    # not sent; /checkin still takes the round while it can.
    return q is not None and ask(ctx, person, rnd, q, editing=conv.editing, intro=ctx.render(
        "back_to_dialog", kind="checkin", week=rnd.week),
        expires_at=prompt_expiry(rnd.week, person.timezone, ctx.clock.now()))


def _ask_unless_busy(repo: RoundBatchRepo, rows: list[dict[str, Any]], now: datetime) -> set[int]:
    """Record the questions a reminder asks (_asked_row rows), each only over a dialog
    that is not another one under way as it is written: another replica may have sent
    that person a poll's or a survey's question since the reminder read who was busy.
    The ids of the people whose question was recorded (the others are told, not asked)."""
    return repo.ask(rows, not_over_since=now - UNDER_WAY)


def _asked_row(person: Person, round_id: int, q: Question, now: datetime) -> dict[str, Any]:
    """A Conversation row: the question a person was just asked."""
    return {"person_id": person.id, "kind": "checkin", "round_id": round_id,
            "question_key": q.key, "editing": False, "pending_numbers": None,
            "updated_at": now}


def _question_message(ctx: Context, person: Person, markup: str, round_id: int, week: str,
                      q: Question, *, intro: str, position: int, total: int, index: int,
                      prompt: str) -> OutboundMessage:
    """A question as ask() sends it, for the batched paths."""
    text = ctx.renderer.message(
        person.locale, "question", markup, intro=intro, position=position, total=total,
        kind=q.kind, prompt=prompt,
        options=[c.labels.get(person.locale) or c.value for c in q.choices],
        unit=q.unit_text(person.locale), hint=number_hint(q), editing=False, week=week,
        name=person.display_name, count_note="")
    return OutboundMessage(text, tuple(_choices_for(round_id, q, index, person.locale)))


def _outbox_row(target: Target, message: OutboundMessage, dedupe_key: str,
                now: datetime, expires_at: datetime | None = None) -> dict[str, Any]:
    """An OutboxMessage row for the batched paths (`expires_at`: see OutboxRepo.enqueue)."""
    return {"platform": target.platform, "target_kind": target.kind,
            "address": target.address, "thread_id": target.thread_id,
            "user_ref": target.user_ref, "payload": message.to_payload(),
            "dedupe_key": dedupe_key, "status": "pending", "attempts": 0,
            "not_before": now, "created_at": now, "expires_at": expires_at}


# --- commands -------------------------------------------------------------------------------

def cmd_checkin(ctx: Context, args: str) -> None:
    """/checkin: start this week's check-in, or resume an unfinished one (late answers too)."""
    person = _sender(ctx)
    if not person.checks_in:
        # A GM or team member gets a clear answer, not a round nobody will read.
        ctx.reply("checkin_not_for_you", can_view_summary=person.can_view_summary)
        return
    week = current_week(ctx.clock.now(), person.timezone)
    said = _week_said(args, week)
    if said is None:
        # "/checkin 2026-W47" started this week's as if the week typed were it.
        ctx.reply("checkin_which_week", typed=clean_text(args).strip(), week=week,
                  last=previous_week(week))
        return
    if said != week:
        rnd = ctx.checkins.round_for(person, said)
        if rnd is None or rnd.status == "submitted":
            ctx.reply("checkin_already_submitted" if rnd else "checkin_none_last_week",
                      week=said)
            return
    else:
        rnd = ctx.checkins.latest_open(person, [week, previous_week(week)])
    resumed = rnd is not None
    if rnd is None:
        rnd = ctx.checkins.round_for(person, week)
        if rnd is not None and rnd.status == "submitted":
            ctx.reply("checkin_already_submitted", week=week)
            return
        rnd = rnd or _new_round(ctx, person, week)
    questions = round_questions(ctx, rnd)
    q = next_question(rnd, questions)
    if q is None:
        _submit(ctx, person, rnd)
        return
    if not ctx.event or not ctx.event.is_direct:
        ctx.reply("moved_to_private")
    intro = ctx.render("checkin_intro", name=person.display_name, week=rnd.week,
                       start=week_start(rnd.week), end=week_end(rnd.week),
                       resumed=resumed and bool(rnd.answers))
    # In a channel, a note only they see (Slack) said the question is in their DM: should
    # it never get there, they are told so (Telegram's note in the group has its own).
    if ask(ctx, person, rnd, q, intro=intro,
           fallback=ctx.private_note_fallback("checkin_not_sent")) \
            and rnd.prompted_at is None:
        # Started by the person: they have the question, so the scheduled prompt does not
        # ask again and the GM reads "in progress" or "not checked in", not "not reached".
        rnd.prompted_at = ctx.clock.now()


#: What `/checkin` takes to mean last week's check-in (also its week, "2026-W48").
LAST_WEEK_WORDS = frozenset({"last", "last week", "previous", "previous week", "上周",
                             "上星期", "上一周", "上个星期"})


def _week_said(args: str, week: str) -> str | None:
    """The week `/checkin <args>` asks for: this one (no argument, or its label), or the
    previous one ("last week", "上周", its label: a director answering on Monday for the
    week just over, whose new week's prompt has come); None for anything else."""
    typed = " ".join(normalise(args).casefold().split())
    last = previous_week(week)
    if typed in ("", week.casefold(), week[5:].casefold(), "this week", "本周"):
        return week
    if typed in LAST_WEEK_WORDS or typed in (last.casefold(), last[5:].casefold()):
        return last
    return None


def cmd_skip(ctx: Context, args: str) -> None:
    """/skip: leave the current question unanswered and move on."""
    from handlers import oneonone  # (its imports reach this module)

    person = _sender(ctx)
    conv = ctx.conversations.get(person)
    # The current question is the one asked last: "/skip" sent for "one thing to improve?"
    # must not skip the revenue of a check-in asked days before.
    if oneonone.takes_typed(ctx, conv) and oneonone.skip(ctx):
        return
    if conv is None or conv.round_id is None:
        from handlers import monthly_review  # (it reads the summary, which reads this)

        if not monthly_review.skip(ctx, person):
            from handlers import pulse, review  # (both import this module)

            # A survey's or a poll's question is open: it takes a rating, not a skip.
            waiting = conv.kind if conv is not None and conv.kind in ("review", "pulse") else ""
            # One put aside with /pause is named with the command that carries on.
            aside = "" if waiting else "pulse" if pulse.put_aside(ctx, person) else \
                "review" if review.survey_waiting(ctx, person) else ""
            # Someone not asked to check in must not be sent to /checkin, which turns them away.
            ctx.reply("nothing_to_skip", waiting=waiting, checks_in=person.checks_in,
                      put_aside=aside)
        return
    rnd = ctx.checkins.by_id(conv.round_id)
    if rnd is None or conv.question_key is None:
        ctx.conversations.clear(person)
        ctx.reply("nothing_to_skip")
        return
    key = conv.question_key
    change = save_answer(ctx, rnd, key, skipped=True)
    _advance(ctx, person, rnd, editing=conv.editing, acknowledgement="skipped",
             count_change=change, count_reason=_count_reason(key, skipped=True))


#: The command that resumes a dialog put aside with /pause, by its conversation's kind.
_RESUMED_BY = {"checkin": "checkin", "monthly_review": "monthly", "review": "review",
               "pulse": "pulse"}


def cmd_cancel(ctx: Context, args: str) -> None:
    """/pause: stop asking for now; what was answered stays saved. It pauses the question
    asked last: the 1:1 dialog's when that has the typed replies (then the check-in or other
    question it was in front of is asked again), else the check-in's, poll's, survey's or
    monthly one."""
    from handlers import oneonone  # (its imports reach this module)

    person = _sender(ctx)
    conv = ctx.conversations.get(person)
    if oneonone.takes_typed(ctx, conv) and oneonone.pause(ctx):
        return
    if conv is None:
        # Said plainly (it spoke of "no check-in in progress" to someone who had just
        # paused a 1:1), with the 1:1 dialog already put aside, if any, and what resumes it.
        ctx.reply("nothing_to_pause", put_aside=oneonone.put_aside_with(ctx))
        return
    ctx.conversations.clear(person)
    if conv.kind == "checkin" and conv.round_id is not None and \
            (rnd := ctx.checkins.by_id(conv.round_id)) is not None:
        # A prompt or reminder still queued (the platform down or rate limiting) would
        # ask, after "Paused", a question that no longer takes what is typed, its buttons
        # answering "no longer open": /checkin carries on, at that question.
        withdraw_queued(ctx, person, rnd, prompt=True)
    else:
        _withdraw_paused(ctx, person, conv)
    # Said with the command that picks the dialog up again.
    ctx.reply("checkin_paused", resume=_RESUMED_BY.get(conv.kind, "checkin"))


def _withdraw_paused(ctx: Context, person: Person, conv: Conversation) -> None:
    # As for the check-in: what is still queued for the poll, survey or monthly questions
    # just put aside would ask, after "Paused", what no longer takes what is typed.
    from handlers import monthly_review, pulse, review, review_progress  # (they import this)

    if conv.kind == pulse.CONVERSATION_KIND:
        pulse.withdraw_paused(ctx, person, conv)
    elif conv.kind == review.CONVERSATION:
        review_progress.withdraw_reminders_to(ctx, person, keep_keys=True)
        review.withdraw_questions(ctx, person)
    elif conv.kind == monthly_review.CONVERSATION:
        monthly_review.withdraw_paused(ctx, person, conv)


def cmd_edit(ctx: Context, args: str) -> None:
    """/edit [n]: list this week's answers, or change answer n (also after submitting)."""
    person = _sender(ctx)
    rnd = _editable(ctx, person)
    if rnd is None:
        # Prompted, nothing answered yet: the question asked is what to answer, not /checkin.
        conv = ctx.conversations.get(person)
        # Someone not asked to check in must not be sent to /checkin, which turns them away.
        ctx.reply("edit_nothing", waiting=conv is not None and conv.kind == "checkin",
                  checks_in=person.checks_in)
        return
    live = applicable(rnd, round_questions(ctx, rnd))
    arg = normalise(args)
    if not arg:
        given = [ctx.checkins.answer(rnd, q.key) for q in live]
        # A skipped question reads "(skipped)", as in the confirmation at submit; one not
        # reached yet "(not answered yet)": the two need different things from the person.
        ctx.reply("edit_list", week=rnd.week, items=[
            {"n": i, "prompt": question_text(ctx, person.locale, q),
             "answer": display_answer(ctx, person.locale, q, a),
             "skipped": a is not None and a.skipped}
            for i, (q, a) in enumerate(zip(live, given, strict=True), start=1)])
        return
    if not arg.isdigit() or not 1 <= int(arg) <= len(live):
        ctx.reply("usage", command="edit", count=len(live))
        return
    ask(ctx, person, rnd, live[int(arg) - 1], editing=True)


def _editable(ctx: Context, person: Person) -> CheckinRound | None:
    """The round /edit changes: this week's if it holds answers, else last week's (an
    empty round just created this week must not hide last week's submitted answers)."""
    week = current_week(ctx.clock.now(), person.timezone)
    return next((r for r in (ctx.checkins.round_for(person, w)
                             for w in (week, previous_week(week)))
                 if r is not None and r.answers), None)


#: The characters a figure in Chinese numerals has ('五万二').
_CN_FIGURE = frozenset("零〇一二两三四五六七八九十百千万萬亿億")


def edit_hint(ctx: Context, text: str) -> bool:
    """A bare number when no question is open, from someone with answers /edit lists
    (just after the list, most likely): say how to change that answer. A figure typed
    after the check-in is in ('62000', '62k': a corrected revenue, most likely) is said
    not to be taken, with /edit to change it. False otherwise."""
    number = normalise(text)
    if not any(ch.isdigit() or ch in _CN_FIGURE for ch in number):
        return False  # no figure ('one' is a word): the rounds need not be read
    rnd = _editable(ctx, _sender(ctx))
    if rnd is None:
        return False
    if number.isdigit() and 1 <= int(number) <= len(applicable(rnd, round_questions(ctx, rnd))):
        ctx.reply("edit_hint", n=int(number), week=rnd.week)
        return True
    if rnd.status != "submitted":
        return False  # put aside: "send /checkin" carries on with it
    try:
        read_any_money(text)
    except AnswerError:
        return False
    # Told "send /checkin to start your weekly check-in", a director whose check-in is in
    # took the figure for stored, or was sent round by /checkin to /edit.
    ctx.reply("figure_after_submit", typed=number, week=rnd.week)
    return True


# --- answers --------------------------------------------------------------------------------

def on_text(ctx: Context, text: str) -> bool:
    """Treat a direct message as the answer to the open question; False if none is open."""
    person = _sender(ctx)
    conv = ctx.conversations.get(person)
    if conv is None or conv.kind != "checkin" or conv.round_id is None:
        return False
    rnd = ctx.checkins.by_id(conv.round_id)
    q = next((x for x in round_questions(ctx, rnd) if x.key == conv.question_key),
             None) if rnd is not None else None
    if q is None:
        # The round or its question was replaced since we asked: say so rather than
        # file the answer elsewhere or pretend we were never waiting.
        ctx.conversations.clear(person)
        ctx.reply("checkin_question_gone")
        return True
    if is_skip(text):
        cmd_skip(ctx, "")
        return True
    if is_pause(text):
        cmd_cancel(ctx, "")
        return True
    if conv.pending_numbers:
        _confirm_by_text(ctx, person, rnd, q, list(conv.pending_numbers), text,
                         editing=conv.editing)
        return True
    _store(ctx, person, rnd, q, text, editing=conv.editing)
    return True


def on_action(ctx: Context, action: str) -> bool:
    """A pressed button: 'ans:<round>:<question index>:<choice>'. False if not ours."""
    parts = action.split(":")
    # A confirmation's button carries a fifth part, the mark of the readings it was for
    # (one sent before it did carries none, and is taken as it was).
    mark = parts.pop() if len(parts) == 5 and parts[0] == CONFIRM_PREFIX else None
    if len(parts) != 4 or parts[0] not in (ACTION_PREFIX, CONFIRM_PREFIX) or \
            not all(p.isdigit() for p in parts[1:]) or (mark is not None and not mark.isdigit()):
        return False
    person = _sender(ctx)
    rnd = ctx.checkins.by_id(int(parts[1]))
    if rnd is None or rnd.person_id != person.id:
        ctx.reply("button_stale")
        return True
    questions = round_questions(ctx, rnd)
    index, pick = int(parts[2]), int(parts[3])
    conv = ctx.conversations.get(person)
    if index >= len(questions) or conv is None or conv.round_id != rnd.id or \
            conv.question_key != questions[index].key:
        _stale_button(ctx, person, rnd, questions[index] if index < len(questions) else None,
                      conv)
        return True
    q = questions[index]
    if parts[0] == CONFIRM_PREFIX:
        pending = list(conv.pending_numbers or [])
        if mark is not None and (not pending or mark != _readings_mark(pending)):
            # The button of an earlier confirmation of this question, its number turned
            # down or another typed since: its pick took the reading waiting now ("12,500
            # USD" pressed, 2,000,000 stored), while the question itself is still open.
            ctx.reply("confirm_button_replaced", waiting=bool(pending))
        elif not pending or pick > len(pending):
            ctx.reply("button_stale")
        elif pick == 0:
            _retype(ctx, person, q)
        else:
            _save_and_advance(ctx, person, rnd, q, None, pending[pick - 1],
                              editing=conv.editing)
        return True
    if conv.pending_numbers:
        ctx.reply("button_stale")
        return True
    _store(ctx, person, rnd, q, str(pick), editing=conv.editing)
    return True


def _stale_button(ctx: Context, person: Person, rnd: CheckinRound, q: Question | None,
                  conv: Conversation | None) -> None:
    """A button of a question not waiting now. Last week's question still unanswered,
    pressed while this week's check-in is under way, names both weeks and how to finish
    last week's: "no longer open" read as if last week's were closed and lost."""
    week = current_week(ctx.clock.now(), person.timezone)
    under_way = ctx.checkins.by_id(conv.round_id) if conv is not None and \
        conv.kind == "checkin" and conv.round_id is not None else None
    if q is None or rnd.status != "open" or rnd.week != previous_week(week) or \
            under_way is None or under_way.id == rnd.id or under_way.week != week or \
            any(a.question_key == q.key for a in rnd.answers):
        ctx.reply("button_stale")
        return
    ctx.reply("button_last_week", week=rnd.week, current=week, until=week_end(week))


def _store(ctx: Context, person: Person, rnd: CheckinRound, q: Question, text: str, *,
           editing: bool) -> None:
    try:
        parsed = parse_answer(q, text, own_words(ctx, q))
    except AnswerError as err:
        # Nothing is stored; the same question stays open.
        params = dict(err.params)
        if q.kind == "number":  # the unit in the person's language, an example that fits
            params.update(unit=q.unit_text(person.locale), hint=number_hint(q))
        ctx.reply(err.message, **params)
        return
    readings = parsed.extra.get("readings")
    if readings:
        _ask_to_confirm(ctx, person, rnd, q, text, readings)
        return
    if q.kind == "number" and parsed.number is not None:
        value = parsed.number
        if _implausible(q, value):
            _ask_to_confirm(ctx, person, rnd, q, text, [value])
            return
        if _rate_as_fraction(q, value):
            # '0.3' to a rate whose target is 30 %: 0.3 % or 30 %, the person says which.
            _ask_to_confirm(ctx, person, rnd, q, text, [value, round_half_up(value * 100, 6)])
            return
        if _implausibly_small(q, value):
            _ask_to_confirm(ctx, person, rnd, q, text, [value], small=True)
            return
        if said_back(text, q.unit_spellings(), value):
            _save_and_advance(ctx, person, rnd, q, None, value, editing=editing,
                              read_as=_with_unit(person.locale, q, value))
            return
    _save_and_advance(ctx, person, rnd, q, parsed.text, parsed.number, editing=editing)


def _save_and_advance(ctx: Context, person: Person, rnd: CheckinRound, q: Question,
                      text: str | None, number: float | None, *, editing: bool,
                      read_as: str = "") -> None:
    """Store an answer and go on; `read_as`, the figure as it was read, is said first."""
    change = save_answer(ctx, rnd, q.key, text=text, number=number)
    _advance(ctx, person, rnd, editing=editing, acknowledgement="", count_change=change,
             count_reason=_count_reason(q.key, skipped=False, value=text), read_as=read_as)


# --- confirming numbers ---------------------------------------------------------------------

def _implausible(q: Question, value: float) -> bool:
    """Far above the weekly target (a typo such as an extra zero, or the wrong unit)."""
    return q.target is not None and q.target > 0 and value > PLAUSIBLE_FACTOR * q.target


def _implausibly_small(q: Question, value: float) -> bool:
    """Far below a large weekly target: typed in thousands or 万 ('52' for 52,000)."""
    return q.target is not None and q.target >= LARGE_TARGET and \
        0 < value * SMALL_FACTOR < q.target


def _rate_as_fraction(q: Question, value: float) -> bool:
    """A percentage typed as a fraction of one ('0.3' for 30 %) while the target is a
    percentage of one or more."""
    return q.target is not None and q.target >= 1 and 0 < value < 1 and \
        is_percent(q.unit_spellings())


def _with_unit(locale: str, q: Question, value: float) -> str:
    return f"{format_number(value, digits=6, unit=q.unit)} {q.unit_text(locale)}".strip()


def _ask_to_confirm(ctx: Context, person: Person, rnd: CheckinRound, q: Question, typed: str,
                    readings: list[float], *, small: bool = False) -> None:
    """Hold the reading(s) of a number and ask which one (or whether it) is meant.

    Nothing is stored until the person confirms; the question stays open, so typing
    the number again in an unambiguous form works too.
    """
    ctx.conversations.set_pending(person, readings, ctx.clock.now())
    index = next(i for i, x in enumerate(round_questions(ctx, rnd)) if x.key == q.key)
    locale = person.locale
    shown = [_with_unit(locale, q, v) for v in readings]
    prefix = f"{CONFIRM_PREFIX}:{rnd.id}:{index}"
    mark = _readings_mark(readings)
    if len(readings) > 1:
        choices = [Choice(label, f"{prefix}:{i}:{mark}")
                   for i, label in enumerate(shown, start=1)]
        ctx.reply("confirm_number_ambiguous", choices=choices, typed=normalise(typed),
                  options=shown, plain=[_plain_number(v) for v in readings],
                  asks=asked_in(rnd.id))
        return
    # Button labels are plain text on every platform: rendered without markup.
    choices = [Choice(ctx.renderer.message(locale, "confirm_number_yes", value=shown[0]),
                      f"{prefix}:1:{mark}"),
               Choice(ctx.renderer.message(locale, "confirm_number_no"), f"{prefix}:0:{mark}")]
    ctx.reply("confirm_number_small" if small else "confirm_number_large", choices=choices,
              value=shown[0], target=_with_unit(locale, q, q.target or 0),
              factor=SMALL_FACTOR if small else PLAUSIBLE_FACTOR, asks=asked_in(rnd.id))


def _readings_mark(readings: Sequence[float]) -> str:
    """A short mark of the readings a confirmation asks about, carried by its buttons, so
    that a button of an earlier confirmation never picks from the readings asked since
    (Telegram's callback data holds 64 bytes: digits, ten at most)."""
    return str(zlib.crc32(",".join(_plain_number(v) for v in readings).encode()))


def _plain_number(value: float) -> str:
    """A reading as the person could type it back unambiguously ('45000', '4.5')."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


#: Refusals of a reply that holds no figure at all ('hmm', '?'): while a number awaits
#: confirmation it is asked about again; any other refusal is of a figure typed.
_NO_FIGURE_TYPED = frozenset({"answer_not_number", "answer_no_figure", "answer_empty"})


def _confirm_by_text(ctx: Context, person: Person, rnd: CheckinRound, q: Question,
                     pending: list[float], text: str, *, editing: bool) -> None:
    """yes / no / 是 / 否, or the number typed again, while a number awaits confirmation."""
    word = keyword(text)
    if len(pending) == 1 and word in YES_WORDS:
        _save_and_advance(ctx, person, rnd, q, None, pending[0], editing=editing)
        return
    if word in NO_WORDS:
        _retype(ctx, person, q)
        return
    try:
        readings = read_number(text, q.unit_spellings(), own_words(ctx, q))
    except AnswerError as error:
        if error.message not in _NO_FIGURE_TYPED:
            # A figure refused for a reason of its own ('1.5 million dollars' to a count,
            # '60万元' to USD): that reason, as typed straight to the question, and the
            # waiting figure let go. Asked "is 1,500,000 right?" again, a yes stored it.
            ctx.conversations.set_pending(person, None, ctx.clock.now())
            _store(ctx, person, rnd, q, text, editing=editing)
            return
        readings = []
    if len(readings) == 1 and readings[0] in pending:
        # The same value again, now unambiguous: that is the confirmation.
        _save_and_advance(ctx, person, rnd, q, None, readings[0], editing=editing)
        return
    if readings:
        ctx.conversations.set_pending(person, None, ctx.clock.now())
        _store(ctx, person, rnd, q, text, editing=editing)  # a new number: checked afresh
        return
    locale = person.locale
    ctx.reply("confirm_number_unclear", options=[_with_unit(locale, q, v) for v in pending],
              plain=[_plain_number(v) for v in pending])


def _retype(ctx: Context, person: Person, q: Question) -> None:
    ctx.conversations.set_pending(person, None, ctx.clock.now())
    ctx.reply("confirm_number_retype", unit=q.unit_text(person.locale), hint=number_hint(q))


def _count_reason(key: str, *, skipped: bool, value: str | None = None) -> str:
    """Why the number of questions changed, for the note beside the count."""
    if key == "support_type":
        if skipped:
            return "support_skipped"
        return "no_support" if value == "none" else "support_needed"
    return "other"


def _advance(ctx: Context, person: Person, rnd: CheckinRound, *, editing: bool,
             acknowledgement: str, count_change: int = 0, count_reason: str = "",
             read_as: str = "") -> None:
    if editing and rnd.status == "submitted":
        conv = ctx.conversations.get(person)
        ctx.conversations.clear(person)
        # The submitted round holds the edit already, and the GM's summary reads it: the
        # request is brought in line now, not once a follow-up is answered (support needed
        # after all, its detail asked), which may be never.
        support.on_round_saved(ctx, person, rnd)  # no duplicate: the round's request changes
        follow = next_question(rnd, round_questions(ctx, rnd))
        if follow is not None:  # the edit made a new question apply (e.g. support now needed)
            ask(ctx, person, rnd, follow, editing=True)
            return
        ctx.reply("edit_saved", week=rnd.week, unfinished=_unfinished_besides(ctx, person, rnd),
                  read_as=read_as)
        if conv is not None:
            # A 1:1 question that arrived during the edit waited behind it, saying it
            # would come once done: it never did, and the next typed number was refused
            # as not 1-5 by a question nobody saw come back. (Not after_dialog: a check-in
            # put aside with /pause before the edit stays aside.)
            from handlers import oneonone  # (it imports this module)

            oneonone.ask_if_came_since(ctx, person, conv.updated_at)
        return
    # The reminder sweep of another replica may hold this round, about to commit its
    # reminder: wait for it, and read reminded_at as committed (a reminder to withdraw).
    ctx.checkins.lock_for_answer(rnd)
    q = next_question(rnd, round_questions(ctx, rnd))
    if q is None:
        _submit(ctx, person, rnd)
        return
    # A reminder (or the prompt, at the first answer) still queued asks a question
    # answered now: sent late, what they type to it would answer another one. So does a
    # question of this check-in held up on one platform (down) and answered on another:
    # the one asked next is asked below, on the platform the answer came from.
    keys = queued_keys(person, rnd.week, prompt=len(rnd.answers) == 1) \
        if rnd.reminded_at is not None or len(rnd.answers) == 1 else []
    ctx.outbox.withdraw_soon(keys, ctx.clock.now(), asks=[asked_in(rnd.id)])
    # An answer changed mid check-in (/edit N) is confirmed before the question it left.
    intro = ctx.render("edit_resume_note") if editing else \
        ctx.render("skipped_note") if acknowledgement == "skipped" else None
    if read_as:  # (rendered only where it is said: an edit's reply words its own)
        said = ctx.render("answer_read_as", value=read_as)
        intro = f"{intro}\n{said}" if intro else said
    ask(ctx, person, rnd, q, intro=intro, count_change=count_change, count_reason=count_reason)


def _unfinished_besides(ctx: Context, person: Person, rnd: CheckinRound) -> str:
    """This week's check-in, when it is not `rnd` and waits unfinished ('' otherwise).

    Last week's answers are edited while this week's round has none; its question, asked
    before the edit, is no longer the one open after it, and what was typed next for it
    was answered "I'm not waiting for an answer from you". (Not asked again here: one put
    aside with /pause stays aside.)"""
    current = ctx.checkins.round_for(person, current_week(ctx.clock.now(), person.timezone))
    if current is None or current.id == rnd.id or current.status == "submitted" \
            or current.prompted_at is None \
            or next_question(current, round_questions(ctx, current)) is None:
        return ""
    return current.week


def _submit(ctx: Context, person: Person, rnd: CheckinRound) -> None:
    ctx.conversations.clear(person)
    first_time = rnd.status != "submitted"
    if first_time:
        _withdraw_soon(ctx, person, rnd, prompt=True, asked=True)
    rnd.status = "submitted"
    if rnd.submitted_at is None:
        # When the last answer was sent, not read: one sent on Sunday at 23:50 and read
        # after midnight (the bot restarting, Telegram holding it) was on time.
        sent = ctx.sent_at()
        rnd.submitted_at = max(sent, rnd.prompted_at) if rnd.prompted_at else sent
    support.on_round_saved(ctx, person, rnd)
    live = applicable(rnd, round_questions(ctx, rnd))
    ctx.reply("checkin_done", week=rnd.week, first_time=first_time, items=[
        {"prompt": question_text(ctx, person.locale, q),
         "answer": display_answer(ctx, person.locale, q, ctx.checkins.answer(rnd, q.key))}
        for q in live])
    after_dialog(ctx, person)  # a survey or the monthly questions that waited for it


def display_answer(ctx: Context, locale: str, q: Question, answer: Answer | None) -> str | None:
    """An answer as a person reads it: '52,000 USD', 'Budget', '4/5'; None if skipped/missing."""
    if answer is None or answer.skipped:
        return None
    if q.kind == "number" and answer.number_value is not None:
        return f"{format_number(answer.number_value, unit=q.unit)} " \
            f"{q.unit_for(locale, answer.number_value)}".strip()
    if q.kind == "scale" and answer.number_value is not None:
        return f"{int(answer.number_value)}/5"
    if q.kind == "choice" and answer.text_value is not None:
        choice = next((c for c in q.choices if c.value == answer.text_value), None)
        if choice is not None:
            return choice.labels.get(locale) or choice.value
        if not q.prompt:
            return ctx.renderer.choice_label(locale, q.key, answer.text_value)
    # Text stored before answers were cleaned on the way in must not carry control codes
    # into the summary's JSON either (templates clean what they render).
    return clean_text(answer.text_value) if answer.text_value is not None else None


def _sender(ctx: Context) -> Person:
    if ctx.person is None:
        raise RuntimeError("handler needs a known sender")
    return ctx.person
