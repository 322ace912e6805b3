"""The monthly review from the GM's side: one overview, and each director's on demand.

The GM of an org of 300 directors got 300 long DMs on the first working day of a month
(each director's whole review) and 300 more over the week (each director's answers to the
three monthly questions). Now the GM gets:

- one overview DM when the month's reviews have gone out: a line per director (team,
  check-ins, attainment per metric, kudos, recurring blockers and support requests still
  open), by team and name, OVERVIEW_PAGE_SIZE a page (`/monthly page N` for the next);
- one DM when the first director has answered the three questions, pointing to
  `/monthly answers` (every answer so far, newest first, a page at a time), and one when
  every director sent the review has (one never sent it, away all the month after, is
  not waited for); `/monthly` shows who has answered, `/monthly <director>` one
  director's whole review and answers.

Each DM is sent once per month and GM (outbox dedupe keys), also across a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.name_order import name_key
from bot.readers import GM
from handlers.context import Context, one_moment
from handlers.digest import month_weeks
from handlers.honours import before_first_run, month_typed
from handlers.monthly_review import (
    MonthKudos,
    MonthlyRun,
    MonthReview,
    build_review,
    month_after,
    month_kudos,
    not_sent_one,
    previous_month,
    review_rounds,
    unsent_while_away,
    unsent_why,
)
from handlers.people_named import mentions_as_keys, people_named, reply_namesakes
from handlers.period_words import month_said
from storage.models import CheckinRound, Person
from storage.review import MONTHLY_QUESTIONS, MonthlyAnswer, MonthlyRepo
from storage.round_batch import RoundBatchRepo

#: Directors per page of the overview (`/monthly page N`); an org of up to this many
#: reads as one message. Each line's review is built (about 0.1 s a director), so a page
#: costs a couple of seconds whatever the size of the org.
OVERVIEW_PAGE_SIZE = 20
#: Directors whose answers one page of `/monthly answers` shows (each up to 3 x 2,000
#: characters).
ANSWERS_PAGE_SIZE = 10


@dataclass
class OverviewLine:
    """One director's month in a line of the GM's overview."""

    key: str
    name: str
    team: str | None
    review: MonthReview
    answered: bool  # went through the three questions (each answered or skipped)
    #: Their review waited while they were away ("held"), or never went out ("dropped"):
    #: see monthly_review.unsent_while_away; or they joined the org after it went out
    #: ("joined": no review, no questions, see monthly_review.not_sent_one), or the bot
    #: did not run in that month ("before": none was sent to anyone).
    unsent: str | None = None
    #: The month after the overview's, which "dropped" names (away until it ended).
    after: str = ""
    #: A director of the month since taken out of the org file (see month_former):
    #: listed with the month's numbers, as the month had them, and not waited for.
    left: bool = False
    #: A director of the month who is no longer one (a member now, in the org file): the
    #: same, as a member is asked no monthly questions.
    not_director: bool = False
    #: Of the three questions, how many they skipped (/skip): 3 reads "skipped all three",
    #: not "answered".
    skipped: int = 0

    @property
    def open_support(self) -> int:
        """Support requests still open (or acknowledged) at the month's end."""
        return sum(1 for s in self.review.support if s.status in ("open", "acknowledged"))


@dataclass
class Overview:
    """A page of the GM's monthly overview."""

    month: str
    total: int  # directors in the overview
    #: Of whom answered the three questions (a question skipped, the others answered,
    #: counts; all three skipped does not: see skipped_all).
    answered: int
    page: int
    pages: int
    first: int  # the page's first director's place (1-based)
    lines: list[OverviewLine] = field(default_factory=list)
    #: Of `total`, those whose review was never sent (away all the month after: see
    #: monthly_review.unsent_while_away): no questions to answer, so not counted as to come.
    not_sent: int = 0
    #: Of `total`, those added to the org after the reviews went out: no review, no
    #: questions, so not counted as to come either.
    joined: int = 0
    #: Of `total`, those sent no review because the bot did not run in the month (a fresh
    #: install: monthly_review.unsent_why), not counted as to come either.
    before: int = 0
    #: Of `total`, directors of the month since taken out of the org file who had not
    #: answered: they never will, so not counted as to come.
    left: int = 0
    #: Of `total`, directors of the month who are no longer directors (still in the org
    #: file) and had not answered: asked nothing now, so not counted as to come.
    not_director: int = 0
    #: Of `total`, those who went through the three questions and skipped every one:
    #: done, not waited for, but no answer either.
    skipped_all: int = 0


def _tag(year: int, month_no: int) -> str:
    return f"{year}-{month_no:02d}"


def _directors(ctx: Context) -> list[Person]:
    """The active directors, by team then name (a director without a team last)."""
    people = [p for p in ctx.people.active() if p.role == "director"]
    return sorted(people, key=lambda p: (p.team is None, (p.team or "").casefold(),
                                         name_key(p.display_name), p.key))


#: A round of the month made by a director (each keeps its person's role of then; a round
#: made before rounds had a role reads the person's).
_DIRECTOR_THEN = func.coalesce(CheckinRound.role, Person.role) == "director"


def _no_director_now(person: Any) -> Any:
    """Not a director today: taken out of the org file since (`active` false), or made a
    member (`person`: Person or an alias of it)."""
    return or_(person.active.is_(False), person.role != "director")


def month_former(session: Session, year: int, month_no: int) -> dict[int, Person]:
    """Directors of the month who are not directors today, by person id: taken out of
    the org file since (`active` false), or made members.

    Who they were is read from what the month stored, its check-in rounds (each keeps its
    person's role and team of then; a round made before rounds had a role reads the
    person's role): a director who led a team that month and left on the 10th of the next
    was in its overview, and leaving must not rewrite it (the summary keeps its weeks'
    leavers, and a demotion never rewrites a week, the same way)."""
    r = CheckinRound
    ids = select(r.person_id).join(Person, Person.id == r.person_id).where(
        r.week.in_(month_weeks(year, month_no)), _no_director_now(Person), _DIRECTOR_THEN)
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


@dataclass(frozen=True)
class MonthRounds:
    """What the month's check-in rounds say of its directors, from one read of them."""

    #: As month_former: directors of the month who are not directors today, by id.
    former: dict[int, Person]
    #: Person id -> the team their latest round of the month was made in (each round
    #: keeps its person's team of then), for those with one.
    teams: dict[int, str]


def month_rounds(session: Session, year: int, month_no: int) -> MonthRounds:
    """The month's former directors and teams of then, from one read of its rounds (the
    overview and /monthly answers read them twice: once for each)."""
    r, former = CheckinRound, aliased(Person)
    rows = session.execute(
        select(r.person_id, r.team, _DIRECTOR_THEN, former)
        .join(Person, Person.id == r.person_id)
        # The person comes along only when no director today (usually nobody).
        .outerjoin(former, and_(former.id == r.person_id, _no_director_now(former)))
        .where(r.week.in_(month_weeks(year, month_no)))
        .order_by(r.person_id, r.week)).all()
    return MonthRounds(
        {p.id: p for _, _, then, p in rows if p is not None and then},
        {pid: team for pid, team, _, _ in rows if team is not None})  # the latest week's wins


def _month_directors(ctx: Context, year: int, month_no: int
                     ) -> tuple[list[Person], dict[int, str | None], set[int]]:
    """The month's directors as its overview lists them, by team then name: today's,
    and those who are no longer (month_former: left the org file, or made members); each
    one's team of the month (MonthRounds.teams: one moved to another team since is listed in
    the one they led then, as the month's summary and honour roll have them; today's
    without a round); and the ids of the former."""
    month = month_rounds(ctx.session, year, month_no)
    gone = month.former
    people = [p for p in ctx.people.active() if p.role == "director"] + list(gone.values())
    teams = {p.id: month.teams.get(p.id, p.team) for p in people}
    return sorted(people, key=lambda p: (
        (team := teams[p.id]) is None, (team or "").casefold(),
        name_key(p.display_name), p.key)), teams, set(gone)


def answered_ids(ctx: Context, tag: str) -> dict[int, datetime]:
    """Person id -> when they gave the last of the three answers, for those who gave all."""
    rows = ctx.session.execute(
        select(MonthlyAnswer.person_id, func.max(MonthlyAnswer.answered_at))
        .where(MonthlyAnswer.month == tag, MonthlyAnswer.question.in_(MONTHLY_QUESTIONS))
        .group_by(MonthlyAnswer.person_id)
        .having(func.count() == len(MONTHLY_QUESTIONS)))
    return {pid: at for pid, at in rows.all()}


def skipped_counts(ctx: Context, tag: str) -> dict[int, int]:
    """Person id -> how many of the month's three questions they skipped (stored as an
    empty answer: /skip leaves one unanswered), for those who skipped any."""
    rows = ctx.session.execute(
        select(MonthlyAnswer.person_id, func.count())
        .where(MonthlyAnswer.month == tag, MonthlyAnswer.question.in_(MONTHLY_QUESTIONS),
               MonthlyAnswer.text == "")
        .group_by(MonthlyAnswer.person_id))
    return {pid: n for pid, n in rows.all()}


def skipped_all(skipped: dict[int, int]) -> set[int]:
    """Of skipped_counts, who skipped all three questions: went through them (not waited
    for) but gave no answer (README: a skipped question is shown as skipped)."""
    return {pid for pid, n in skipped.items() if n >= len(MONTHLY_QUESTIONS)}


def page_count(total: int, size: int) -> int:
    """Pages of `size` that `total` items fill (1 for none)."""
    return max(1, -(-total // size))


def build_overview(ctx: Context, year: int, month_no: int, locale: str, page: int = 1,
                   kudos: MonthKudos | None = None) -> Overview | None:
    """One page of the overview in `locale`; None past the last page. Only the page's
    directors' reviews are built."""
    return _overview(ctx, year, month_no, locale, page, kudos)[0]


def _overview(ctx: Context, year: int, month_no: int, locale: str, page: int,
              kudos: MonthKudos | None = None) -> tuple[Overview | None, int]:
    """build_overview's page, and how many pages the overview has (a page past the last
    says so: worked out again, it read the month's directors once more)."""
    tag = _tag(year, month_no)
    directors, teams, gone = _month_directors(ctx, year, month_no)
    pages = page_count(len(directors), OVERVIEW_PAGE_SIZE)
    if page < 1 or page > pages:
        return None, pages
    # The review's states (away, joined since) are of today's directors: one who left
    # (or stopped leading a team) before the reviews went out was never sent one, and
    # did not join after.
    present = [p for p in directors if p.id not in gone]
    answered = answered_ids(ctx, tag)
    skipped = skipped_counts(ctx, tag)
    # Went through the questions skipping all three: done (not waited for), but no
    # answer, so not counted as one (README: a skipped question is shown as skipped).
    blank = skipped_all(skipped) & answered.keys()
    start = (page - 1) * OVERVIEW_PAGE_SIZE
    shown = directors[start:start + OVERVIEW_PAGE_SIZE]
    if kudos is None or locale not in kudos.rolls:
        kudos = month_kudos(ctx, year, month_no, [locale])
    # Every director's state, not the page's: the count of answers leaves out all those
    # never sent the review. (Usually nobody: one read of the away calendar's few.)
    away = unsent_while_away(ctx, year, month_no, present)
    unsent: dict[int, str] = dict(away)
    # Added since the reviews went out: counted apart, as /monthly answers does. (Whether
    # the bot first ran after the month is worked out once: three reads each time; and
    # who was away is not read again.)
    fresh = before_first_run(ctx, year, month_no)
    unsent.update(dict.fromkeys(not_sent_one(ctx, year, month_no, present, fresh=fresh,
                                             waiting=away),
                                unsent_why(ctx, year, month_no, fresh=fresh)))
    states = list(unsent.values())
    view = Overview(tag, len(directors),
                    sum(1 for p in directors if p.id in answered and p.id not in blank),
                    page, pages, start + 1, not_sent=states.count("dropped"),
                    joined=states.count("joined"), before=states.count("before"),
                    left=sum(1 for p in directors
                             if p.id in gone and not p.active and p.id not in answered),
                    not_director=sum(1 for p in directors
                                     if p.id in gone and p.active and p.id not in answered),
                    skipped_all=sum(1 for p in directors if p.id in blank))
    # The page's directors' rounds in one read: each review read its director's four
    # times (three statements each), some 240 statements for a page of 20.
    rounds = review_rounds(ctx, shown, year, month_no)
    for person in shown:
        view.lines.append(OverviewLine(
            person.key, person.display_name, teams[person.id],
            build_review(ctx, person, year, month_no, locale, kudos,
                         rounds=rounds[person.id]), person.id in answered,
            unsent.get(person.id), _tag(*month_after(year, month_no)),
            left=person.id in gone and not person.active,
            not_director=person.id in gone and person.active,
            skipped=skipped.get(person.id, 0) if person.id in answered else 0))
    return view, pages


def send_gm_overview(ctx: Context, run: MonthlyRun) -> None:
    """The month's overview to each GM, once (after every director's review went out)."""
    gms = [p for pid in run.gms if (p := ctx.session.get(Person, pid)) is not None
           and p.active]
    keys = {gm.id: f"monthly:{run.tag}:overview:{gm.key}" for gm in gms}
    taken = RoundBatchRepo(ctx.session).taken_dedupe_keys(list(keys.values()))
    views: dict[str, Overview | None] = {}
    for gm in gms:
        if keys[gm.id] in taken:
            continue  # sent before a restart, or by the job's earlier run
        if gm.locale not in views:
            with one_moment(ctx) as seen:  # every director's line at the same moment
                views[gm.locale] = build_overview(seen, run.year, run.month, gm.locale, 1,
                                                  run.kudos)
        view = views[gm.locale]
        if view is None or not view.total:
            continue
        ctx.tell(gm, "monthly_overview", view=view, dedupe_key=keys[gm.id], readers=GM)


def tell_answers_arriving(ctx: Context, director: Person, tag: str) -> None:
    """Tell each GM, once a month, that the directors' answers are coming in (on the
    first director's third answer), and once that every director sent the review has
    answered (see tell_all_answered); the answers themselves are read with /monthly
    answers."""
    if not tell_all_answered(ctx, int(tag[:4]), int(tag[5:])):
        if director.id in skipped_all(skipped_counts(ctx, tag)):
            return  # skipped all three: no answer is coming in yet (the next one tells)
        for gm in ctx.people.active():
            if gm.role == "gm":
                ctx.tell(gm, "monthly_answers_arriving", name=director.display_name,
                         month=tag, dedupe_key=f"monthly:{tag}:answers:{gm.key}",
                         readers=GM)


def tell_all_answered(ctx: Context, year: int, month_no: int, *,
                      after_drop: bool = False) -> bool:
    """If every director sent the month's review has answered its three questions, tell
    each GM so, once (its dedupe key); whether they all have.

    A director whose review was never sent (away all the month after) has no questions
    and is named apart, not waited for. That is known only once the month after has
    ended, when the others have often all answered already: the first monthly run after
    it calls this too (bot.core.run_monthly_review) with `after_drop`: it tells only if
    someone's review was dropped (else nothing changed since the last answer, which
    told the GM if all were in)."""
    tag = _tag(year, month_no)
    people = ctx.people.active()
    directors = [p for p in people if p.role == "director"]
    # (As never_sent: who was away is read once, for both.)
    away = unsent_while_away(ctx, year, month_no, directors)
    dropped = {pid for pid, state in away.items() if state == "dropped"}
    # Only those sent the review (or whom it still waits for) have questions to answer: a
    # director added since it went out is not waited for.
    expected = {p.id for p in directors} - dropped - not_sent_one(ctx, year, month_no,
                                                                  directors, waiting=away)
    if (after_drop and not dropped) or not expected \
            or not expected <= set(answered_ids(ctx, tag)):
        return False
    ordered = _directors(ctx)
    unsent = [p.display_name for p in ordered if p.id in dropped]
    # Those who skipped all three went through them and are not waited for, but did not
    # answer: named, not counted among those who answered.
    skipped = skipped_all(skipped_counts(ctx, tag))
    blank = [p.display_name for p in ordered if p.id in expected and p.id in skipped]
    for gm in people:
        if gm.role == "gm":
            ctx.tell(gm, "monthly_answers_all", total=len(expected), month=tag,
                     unsent=unsent, after=_tag(*month_after(year, month_no)),
                     skipped=blank,
                     dedupe_key=f"monthly:{tag}:answers-all:{gm.key}", readers=GM)
    return True


def tell_all_answered_before(ctx: Context, run: MonthlyRun) -> None:
    """On a month's run, the month before last: if its last unanswered reviews were never
    sent (away all of last month), every director sent one has answered now."""
    tell_all_answered(ctx, *previous_month(date(run.year, run.month, 1)), after_drop=True)


# --- /monthly for the GM ---------------------------------------------------------------

@dataclass
class AnswerBlock:
    """One director's three answers."""

    name: str
    team: str | None
    answers: list[tuple[str, str]]


def _parse(args: str, today: date) -> tuple[str | None, str, int | None]:
    """(YYYY-MM or None, the rest, page N or None) of what follows /monthly."""
    words = args.split()
    month: str | None = None
    page: int | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.lower() in ("page", "页") and i + 1 < len(words) and words[i + 1].isdigit():
            page = int(words[i + 1])
            i += 2
            continue
        typed = month_typed(word)
        said = month_said(words, i, today)  # 'last month', 本月 (handlers/period_words.py)
        if said is not None:
            month = _tag(*said[0])
            i += said[1]
            continue
        if typed is not None and 1 <= typed[1] <= 12:
            month = _tag(*typed)
        else:
            rest.append(word)
        i += 1
    return month, " ".join(rest), page


def cmd_monthly_gm(ctx: Context, args: str) -> None:
    """/monthly [YYYY-MM] [page N] | answers [page N] | <director> (the GM)."""
    person = ctx.person
    assert person is not None
    month, rest, page = _parse(args, ctx.org_today())
    if month is None:
        year, month_no = previous_month(ctx.org_today())
    else:
        year, month_no = int(month[:4]), int(month[5:])
    tag = _tag(year, month_no)
    locale = person.locale
    today = ctx.org_today()
    if (year, month_no) > (today.year, today.month):
        # A month to come read like one gone by: "no check-ins asked", "0 of 3 answered".
        last = previous_month(today)
        ctx.reply("monthly_not_begun", month=tag, last=_tag(*last))
        return
    if rest.lower() in ("answers", "回答"):
        _answers(ctx, tag, page or 1)
        return
    if month_typed(rest) is not None:  # month-shaped, but no month (2026-13, 2026年13月)
        ctx.reply("monthly_bad_month", value=rest)
        return
    if rest:
        keys = mentions_as_keys(ctx, rest)
        if keys is None:
            return
        # The review and the answers read at one moment (see one_moment): a check-in
        # submitted meanwhile counted in the weeks checked in and not in the revenue.
        with one_moment(ctx) as seen:
            named = people_named(seen.people.active(), keys, ctx.org)
            # A director of the month who is not one now (left the org file, or a member):
            # the month's review all the same.
            gone = month_former(seen.session, year, month_no)
            if not named:
                named = people_named([p for p in gone.values() if not p.active], keys,
                                     ctx.org)
            director = named[0] if len(named) == 1 and (
                named[0].role == "director" or named[0].id in gone) else None
            former = director is not None and director.id in gone
            review, given, unsent = None, {}, None
            if director is not None:
                review = build_review(seen, director, year, month_no, locale,
                                      timezone=person.timezone)
                given = MonthlyRepo(seen.session).answers(director, tag)
            if director is not None and not former:  # away, or joined since: today's
                away = unsent_while_away(seen, year, month_no, [director])
                unsent = away.get(director.id)
                fresh = before_first_run(seen, year, month_no) if unsent is None else None
                if unsent is None and not_sent_one(seen, year, month_no, [director],
                                                   fresh=fresh, waiting=away):
                    # Added to the org after the reviews went out, or none went out.
                    unsent = unsent_why(seen, year, month_no, fresh=fresh)
        if len(named) > 1:
            reply_namesakes(ctx, named, "monthly")
            return
        if director is None:
            ctx.reply("monthly_no_director", value=rest)
            return
        # The GM's view of the org (/monthly is theirs alone): withdrawn unsent should the
        # org file make someone else GM while it waits, as the overview the job sends.
        ctx.reply("monthly_director", review=review, month=tag, readers=GM,
                  answers=[(q, given[q]) for q in MONTHLY_QUESTIONS if q in given],
                  unsent=unsent, after=_tag(*month_after(year, month_no)),
                  left=former and not director.active,
                  not_director=former and director.active)
        return
    with one_moment(ctx) as seen:  # every director's line at the same moment
        view, pages = _overview(seen, year, month_no, locale, page or 1)
    if view is None:
        ctx.reply("monthly_no_such_page", page=page, pages=pages, month=tag)
        return
    ctx.reply("monthly_overview", view=view, readers=GM)


def _answers(ctx: Context, tag: str, page: int) -> None:
    """The directors' answers to the month's questions, newest first, a page at a time
    (who answered and what, read at one moment: see one_moment)."""
    with one_moment(ctx) as seen:
        directors = {p.id: p for p in seen.people.active() if p.role == "director"}
        done = answered_ids(seen, tag)
        year, month_no = int(tag[:4]), int(tag[5:])
        # A director of the month since taken out of the org file: their answers stay
        # (given, they are the month's); one who had not answered is not waited for.
        month = month_rounds(seen.session, year, month_no)
        directors.update({pid: p for pid, p in month.former.items() if pid in done})
        order = sorted((pid for pid in done if pid in directors), key=lambda pid: done[pid],
                       reverse=True)
        # Named apart from those who have not answered: never sent the review (no
        # questions, not counted), or away with it waiting for their return.
        unsent = unsent_while_away(seen, year, month_no,
                                   [p for p in directors.values() if p.id not in done])
        # Added to the org since the reviews went out: no review, no questions, not counted.
        newcomers = not_sent_one(seen, year, month_no,
                                 [p for p in directors.values() if p.id not in done],
                                 waiting=unsent)
        ordered = [p for p in _directors(seen) if p.id not in done and p.id not in newcomers]
        waiting = [p.display_name for p in ordered if p.id not in unsent]
        held = [p.display_name for p in ordered if unsent.get(p.id) == "held"]
        dropped = [p.display_name for p in ordered if unsent.get(p.id) == "dropped"]
        blank = len(skipped_all(skipped_counts(seen, tag)) & set(order))
        pages = page_count(len(order), ANSWERS_PAGE_SIZE)
        start = (page - 1) * ANSWERS_PAGE_SIZE
        shown = order[start:start + ANSWERS_PAGE_SIZE] if 1 <= page <= pages else []
        texts: dict[int, dict[str, str]] = {}
        if shown:
            for row in seen.session.scalars(select(MonthlyAnswer).where(
                    MonthlyAnswer.month == tag, MonthlyAnswer.person_id.in_(shown))):
                texts.setdefault(row.person_id, {})[row.question] = row.text
    if page < 1 or page > pages:
        ctx.reply("monthly_no_such_page", page=page, pages=pages, month=tag, answers=True)
        return
    # Each with the team they led that month, as the overview lists them.
    blocks = [AnswerBlock(directors[pid].display_name,
                          month.teams.get(pid, directors[pid].team),
                          [(q, texts[pid][q]) for q in MONTHLY_QUESTIONS])
              for pid in shown]
    ctx.reply("monthly_answers_page", month=tag, blocks=blocks, answered=len(order), readers=GM,
              skipped_all=blank,
              total=len(directors) - len(dropped) - len(newcomers), waiting=waiting,
              page=page, pages=pages,
              first=start + 1, held=held, dropped=dropped,
              after=_tag(*month_after(year, month_no)))
