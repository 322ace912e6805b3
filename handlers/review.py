"""360° review of a director: the GM starts one (`/review start <director>`), the director's
manager, peers (other directors: at most the org file's `reviews.peers`, 8 unless it says,
those who work closest with the director first), direct reports and the director themself
each get a short DM survey, and when it closes the GM and the director get the report.

Peer and report answers are anonymous with the pulse polls' guarantees: an answer row
carries its rater group and never the person (who has answered is kept apart, without
a time); nothing orders the answers as they came, nor points from a rater's progress at
their answer (random keys, written in company, shuffled at the close: storage/review.py);
the survey's DMs to a peer or report are marked SCRUB_KEY (blanked once sent, in no
metric, no line about one at INFO), and the events answering it set `ctx.anonymous`;
a chosen rating is never echoed back; and a group is shown only with at least
MIN_GROUP raters — otherwise peers and reports are merged, or withheld, and the report
says so. The manager's answers and the self-assessment are named.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from statistics import mean
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.numbers import round_half_up
from bot.org import Org
from bot.readers import GM
from bot.review_config import MIN_GROUP  # with reviews.peers, which is checked against it
from bot.text import clean_text
from handlers.answers import is_pause, is_skip, normalise
from handlers.checkin import cmd_cancel
from handlers.context import Context
from handlers.people_named import (
    mentions_as_keys,
    people_named,
    person_guesses,
    reply_namesakes,
)
from handlers.waiting import after_dialog, under_way
from storage.db import ConcurrentChange
from storage.models import Conversation, OutboxMessage, Person
from storage.repositories import KEYS_PER_STATEMENT
from storage.review import (
    ReviewAnswer,
    ReviewInvite,
    ReviewRound,
    advance_invite,
    shuffle_answers,
    store_answer,
)
from storage.round_batch import RoundBatchRepo

CRITERIA = ("goals", "team", "cooperation", "strategy", "communication")
GROUPS = ("manager", "peer", "report", "self")
ANONYMOUS = frozenset({"peer", "report"})
#: The report in chat shows this many comments of each group, then how many more (the CLI
#: prints them all): a director may have dozens of reports, and with `reviews.peers: all`
#: every other director is a peer, 10,000 of them in a large org.
COMMENTS_SHOWN = 20
CONVERSATION = "review"
#: A peer who left is replaced only while a scheduled review has this long before it
#: closes (the GM's own has no closing date): later, a new rater could hardly answer.
REPLACE_TIME_LEFT = timedelta(days=1)
#: The prefix of a withdrawn invite's rater group ('left:manager', 'left:peer').
LEFT = "left:"
#: '4', '4/5', '4 clear plans'; as a Chinese keyboard types it too: '４', '四', '4分',
#: '3分，合作一般', '五：策略清晰' (full-width digits, numerals, 分, full-width punctuation).
_RATING = re.compile(r"^\s*([1-5１-５一二三四五])(?:\s*分)?(?:\s*[/／]\s*[5５五])?"
                     r"(?:$|[\s,.:;\-—–，。：；、]+(.*))", re.DOTALL)
_CN_RATING = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


# '4.5', '4,5', '3-4', '3到4': between two ratings (the mark right after the digit, so
# '4 - 3 big deals' is still 4 with a comment).
_BETWEEN = re.compile(r"^\s*([1-5])(?:[.,。]([0-9]+)|(?:[-–—~]|到|至)([1-5])(?![0-9]))")


def rating_between(text: str) -> tuple[int, int] | None:
    """The two whole ratings a typed half-point or range lies between ('4.5分' -> (4, 5);
    '5.5', past the scale, (5, 5)); None for anything else ('4.0' is 4)."""
    match = _BETWEEN.match(normalise(text))
    if match is None:
        return None
    low = int(match.group(1))
    if match.group(3):
        high = int(match.group(3))
        return (min(low, high), max(low, high)) if high != low else None
    if not match.group(2).strip("0"):
        return None
    return (low, low + 1) if low < 5 else (5, 5)  # '5.5': past the scale


def parse_rating(text: str) -> tuple[int, str] | None:
    """A typed answer's rating (1-5) and the comment after it; None if it starts with none."""
    match = _RATING.match(re.sub(r"^(\s*[1-5１-５])[.．。]0+(?![0-9０-９])", r"\1", text))
    if match is None:
        return None
    digit = match.group(1)
    return _CN_RATING.get(digit) or int(digit), match.group(2) or ""


# --- the report -------------------------------------------------------------------------

@dataclass
class CriterionRow:
    """Averages for one criterion: per shown group, self, and everyone shown but self."""

    criterion: str
    groups: dict[str, float | None]
    self_rating: float | None
    others: float | None


@dataclass
class ReviewReport:
    """What the GM and the director read when a review closes."""

    subject: str
    subject_key: str
    status: str
    manager: str | None
    shown: list[str]  # group keys shown: manager, peer, report, or peer+report
    counts: dict[str, int]  # raters who answered, per group
    rows: list[CriterionRow]
    notes: list[str]  # merged, withheld, withheld_peer, withheld_report, partial,
    # response_withheld, reader (see least_shown)
    comments: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: Answered of asked per group as shown (see response_lines); `overall` None when the
    #: peers' and reports' counts are withheld (it would give them by subtraction).
    response: list[Response] = field(default_factory=list)
    overall: Response | None = None
    #: Per group, whether shown or not: those asked whose survey reached them.
    asked: dict[str, int] = field(default_factory=dict)
    #: Per group: those asked whose survey never reached them (see unreached_counts).
    unreached: dict[str, int] = field(default_factory=dict)

    def raters(self) -> dict[str, int | None]:
        """Who answered, per group — None for peers and reports where the report counts
        them together or not at all (see response_lines): '1 report answered' of a
        director with one report would say whose answers are in."""
        alone = {r.group for r in self.response}
        return {g: n if g not in ANONYMOUS or g in alone or not self.asked.get(g) else None
                for g, n in self.counts.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for `teampulse review --format json`."""
        return {"director": self.subject_key, "name": self.subject, "status": self.status,
                "manager": self.manager, "groups_shown": self.shown, "notes": self.notes,
                "raters": self.raters(), "min_group": MIN_GROUP,
                "criteria": [{"criterion": r.criterion, "groups": r.groups,
                              "self": r.self_rating, "others": r.others} for r in self.rows],
                "comments": {g: [{"criterion": c, "comment": t} for c, t in items]
                             for g, items in self.comments.items()},
                "response": {"groups": [{"group": r.group, "asked": r.asked,
                                         "answered": r.answered,
                                         "not_reached": r.unreached} for r in self.response],
                             "overall": None if self.overall is None else {
                                 "asked": self.overall.asked,
                                 "answered": self.overall.answered,
                                 "not_reached": self.overall.unreached,
                                 "rate": None if self.overall.rate is None
                                 else round(self.overall.rate, 2)}}}


@dataclass(frozen=True)
class Response:
    """How many of a rater group were asked and how many answered (at least one question)."""

    group: str  # manager, peer, report, peer+report, self; 'all' for the overall line
    asked: int  # those whose survey reached them: the "m" of "n of m answered"
    answered: int
    #: Asked, but their survey never reached them (see unreached_counts): not in `asked`.
    unreached: int = 0

    @property
    def rate(self) -> float | None:
        """The share who answered, 0-1 (None when nobody was asked); not rounded: rounded
        to 2 places, 23 of 40 (0.575, a float a hair under) became 0.57 and read '57%'."""
        return self.answered / self.asked if self.asked else None


def response_lines(asked: dict[str, int], answered: dict[str, int],
                   unreached: dict[str, int] | None = None
                   ) -> tuple[list[Response], Response | None]:
    """Answered of asked per rater group as a report or the GM's progress shows them, and
    overall (None when withheld). `asked` counts those the survey reached; `unreached`,
    per group, those it did not (said beside, never counted as asked: "3 of 4 answered"
    of four peers one of whom never got the survey read as if one had not bothered, and
    its threshold counted a rater who could not answer).

    An anonymous group reached fewer than MIN_GROUP is never counted alone: "1 of 1
    reports answered" tells whose answers are in. It is counted with the other anonymous
    group (both together, so that neither is given by subtracting the other), and when
    even together fewer than MIN_GROUP were reached, neither is counted, nor overall (the
    named manager and self beside it would give them away). Who answered is never said.
    """
    gone = unreached or {}
    lines: list[Response] = []
    if asked["manager"] or gone.get("manager"):
        lines.append(Response("manager", asked["manager"], answered["manager"],
                              gone.get("manager", 0)))
    peers, reports = asked["peer"], asked["report"]
    hidden = False
    if all(n == 0 or n >= MIN_GROUP for n in (peers, reports)):
        lines += [Response(g, asked[g], answered[g], gone.get(g, 0))
                  for g in ("peer", "report") if asked[g]]
    elif peers + reports >= MIN_GROUP:
        lines.append(Response("peer+report", peers + reports,
                              answered["peer"] + answered["report"],
                              gone.get("peer", 0) + gone.get("report", 0)))
    else:
        hidden = True
    if asked["self"] or gone.get("self"):
        lines.append(Response("self", asked["self"], answered["self"], gone.get("self", 0)))
    overall = None if hidden else Response(
        "all", sum(asked.values()), sum(answered[g] for g in asked), sum(gone.values()))
    return lines, overall


def unreached_counts(session: Session, round_id: int, now: datetime, *,
                     live: bool = False) -> dict[str, int]:
    """Per rater group: those asked who have answered nothing and whose survey DM never
    reached them by `now` (for a closed review, its close): none was sent (no chat
    platform reaches them, or they were away until the review closed), or it failed, or
    it expired unsent (an outage past the closing time: the outbox's expires_at), or it
    is still waiting past its expiry. One sent, or on its way and still in time, reached
    them; so did one they answered (by /review) whatever became of the DM.

    A review none of whose invitations left a keyed message at all (started by a version
    before invitations had their `review:invite:<id>` key, or where no platform reached
    anyone) tells nothing about who was reached: every rater reads as reached, as before,
    rather than an upgrade turning a whole open review into "could not be reached".

    `live` (an open review's status): whether they answered is left out, see _unreached."""
    return _unreached_groups(session, round_id, now, live)[0]


def _unreached_groups(session: Session, round_id: int, now: datetime, live: bool
                      ) -> tuple[dict[str, int], dict[str, int]]:
    """Per rater group: those unreached_counts counts, and how many of them answered
    (none unless `live`)."""
    found = dict.fromkeys(GROUPS, 0)
    answered = dict.fromkeys(GROUPS, 0)
    unreached = _unreached(session, round_id, now, live=live)
    if unreached is None:
        return found, answered
    for group, count, started in session.execute(
            select(ReviewInvite.rater_group, func.count(),
                   func.coalesce(func.sum(case((ReviewInvite.answered > 0, 1), else_=0)), 0))
            .where(ReviewInvite.round_id == round_id, unreached)
            .group_by(ReviewInvite.rater_group)):
        if group in found:
            found[group] += int(count)
            answered[group] += int(started)
    return found, answered


def unreached_raters(session: Session, round_id: int, now: datetime, *,
                     live: bool = False) -> list[int]:
    """The person ids of those unreached_counts counts (the same rule), by invite."""
    unreached = _unreached(session, round_id, now, live=live)
    if unreached is None:
        return []
    return list(session.scalars(select(ReviewInvite.person_id).where(
        ReviewInvite.round_id == round_id, unreached).order_by(ReviewInvite.id)))


def _keyed() -> Any:
    """The condition on an outbox row that it is an invite's survey DM (invite_key)."""
    return OutboxMessage.dedupe_key == literal("review:invite:") + cast(ReviewInvite.id,
                                                                         String)


def invite_queued() -> Any:
    """The condition on invites that their survey DM was ever queued (whatever became of
    it): one that was not waits for its rater to be back (send_held)."""
    return exists().where(_keyed())


def _unreached(session: Session, round_id: int, now: datetime, *, live: bool = False) -> Any:
    """The condition on a review's invites of those its survey never reached by `now`
    (see unreached_counts); None when the review tells nothing about it.

    `live`: also those who answered (with /review) though it never reached them. While a
    review is open the GM's status names the unreached; one dropping out of that list and
    into the answered counts the moment they answer told the GM who had answered (and
    could lift a group over MIN_GROUP with their answer alone). They stay as they were
    until the close, and in its report's peers and reports (see reach_counts)."""
    keyed = _keyed()
    if session.execute(select(ReviewInvite.id).where(
            ReviewInvite.round_id == round_id, exists().where(keyed)).limit(1)).first() is None:
        return None
    reached = exists().where(
        keyed,
        or_(OutboxMessage.status.in_(("sent", "sending")),
            and_(OutboxMessage.status == "pending",
                 or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))))
    return ~reached if live else and_(ReviewInvite.answered == 0, ~reached)


def reach_counts(session: Session, rnd: ReviewRound, now: datetime, *, live: bool = False
                 ) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Per rater group: those asked whose survey reached them, of them those who answered
    at least one question, and those it never reached (a closed review as at its close).

    Peers and reports are reached by the survey alone (see _unreached), open or closed:
    one the GM's last /review status named as not reached who then answered with /review
    and at the close was counted as reached (the unreached one fewer, an answer more) told
    the GM that they had answered. Their ratings still count (build_report); only the
    counts leave them out. The manager and self, whose ratings are shown by name anyway,
    are reached by an answer once closed; while open (`live`) by the survey alone too."""
    asked, answered = group_counts(session, rnd.id)
    unreached, hidden = _unreached_groups(session, rnd.id, rnd.closed_at or now, True)
    if not live:
        for g in GROUPS:
            if g not in ANONYMOUS:
                unreached[g] -= hidden[g]
                hidden[g] = 0
    return ({g: asked[g] - unreached[g] for g in GROUPS},
            {g: answered[g] - hidden[g] for g in GROUPS}, unreached)


def group_counts(session: Session, round_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Per rater group: how many were asked, and how many answered at least one question
    (counts only: never who)."""
    asked = dict.fromkeys(GROUPS, 0)
    answered = dict.fromkeys(GROUPS, 0)
    # Grouped by the group alone: PostgreSQL refuses `GROUP BY answered > 0` beside a
    # selected `answered > 0` (each `0` is a parameter of its own, so not the same
    # expression to it), which broke every report, status and close there.
    for group, raters, started in session.execute(
            select(ReviewInvite.rater_group, func.count(),
                   func.coalesce(func.sum(case((ReviewInvite.answered > 0, 1), else_=0)), 0))
            .where(ReviewInvite.round_id == round_id)
            .group_by(ReviewInvite.rater_group)):
        if group in asked:
            asked[group] += raters
            answered[group] += int(started)
    return asked, answered


def build_report(session: Session, org: Org, rnd: ReviewRound, *, gm_reads: bool = True
                 ) -> ReviewReport:
    """Averages per criterion and shown rater group, self against others, and comments.

    `gm_reads`: the GM's copy (chat, the command line, the period's summary), whose groups
    holding a GM's own ratings need an answer more (least_shown); the director's own copy
    (False) holds none of theirs, and its thresholds and notes are any director's: the
    GM's note told them that the GM, once their peer or report, had answered."""
    # Columns, not rows as objects: with `reviews.peers: all` every other director is a
    # peer, so a review of a thousand directors reads a thousand invites and thousands of
    # answers.
    # Counted by who the survey reached (as at the close): one it never reached could not
    # answer, and counting them as asked let a group of 3 asked, 2 reached, stand alone.
    asked, counts, unreached = reach_counts(session, rnd, rnd.closed_at or rnd.started_at)
    answers = session.execute(select(
        ReviewAnswer.rater_group, ReviewAnswer.criterion, ReviewAnswer.rating,
        ReviewAnswer.comment).where(ReviewAnswer.round_id == rnd.id)).all()
    peers, reports = counts["peer"], counts["report"]
    need = least_shown(session, rnd.id) if gm_reads else dict.fromkeys(
        ("peer", "report", "peer+report"), MIN_GROUP)
    notes: list[str] = []
    merge: dict[str, str] = {}
    shown: list[str] = []
    if counts["manager"]:
        shown.append("manager")
    # A group asked fewer than MIN_GROUP is counted only with the other (response_lines):
    # whether it shows merged or the other alone must not tell if its one or two answered.
    small = asked["peer"] and asked["report"] and min(asked["peer"], asked["report"]) < MIN_GROUP
    if small:
        if peers + reports >= need["peer+report"]:
            shown.append("peer+report")
            merge = {"peer": "peer+report", "report": "peer+report"}
            notes.append("merged")
        elif peers or reports:
            notes.append("withheld")
    elif peers >= need["peer"] and reports >= need["report"]:
        shown += ["peer", "report"]
        merge = {"peer": "peer", "report": "report"}
    elif peers + reports >= need["peer+report"] and peers and reports:
        # Showing one group beside the merged one would reveal the other by subtraction.
        shown.append("peer+report")
        merge = {"peer": "peer+report", "report": "peer+report"}
        notes.append("merged")
    elif peers >= need["peer"] or reports >= need["report"]:
        group = "peer" if peers >= need["peer"] else "report"
        shown.append(group)
        merge = {group: group}
        if peers + reports > (peers if group == "peer" else reports):
            notes.append("withheld_" + ("report" if group == "peer" else "peer"))
    elif peers or reports:
        notes.append("withheld")
    if need["peer+report"] > MIN_GROUP and (peers or reports):
        notes.append("reader")
    by: dict[tuple[str, str], list[int]] = {}
    comments: dict[str, list[tuple[str, str]]] = {}
    for a in answers:
        group = a.rater_group if a.rater_group not in ANONYMOUS else merge.get(a.rater_group)
        if group is None:
            continue  # a group too small to show, even merged
        by.setdefault((group, a.criterion), []).append(a.rating)
        if a.comment:
            comments.setdefault(group, []).append((a.criterion, a.comment))
    rows: list[CriterionRow] = []
    withheld: set[tuple[str, str]] = set()
    for c in CRITERIA:
        # A rater may stop part-way: a question fewer than MIN_GROUP of an anonymous group
        # answered is withheld for that group (and left out of 'others', where the named
        # manager's rating beside it would give it away).
        kept = {g: by.get((g, c), []) for g in shown}
        for g in shown:
            if g != "manager" and 0 < len(kept[g]) < need[g]:
                kept[g] = []
                withheld.add((g, c))
                if "partial" not in notes:
                    notes.append("partial")
        groups = {g: _avg(kept[g]) for g in shown}
        others = [r for g in shown for r in kept[g]]
        rows.append(CriterionRow(c, groups, _avg(by.get(("self", c))), _avg(others)))
    for group in comments:
        # A comment goes where its rating goes: one on a question whose ratings are
        # withheld for its group (two raters answered it) says as much about who wrote
        # it as the rating would. Sorted, so the order never tells who wrote what or when.
        comments[group] = sorted(
            (item for item in comments[group] if (group, item[0]) not in withheld),
            key=lambda item: (CRITERIA.index(item[0]), item[1]))
    subject = org.person(rnd.subject_key)
    response, overall = response_lines(asked, counts, unreached)
    if overall is None:
        notes.append("response_withheld")
    return ReviewReport(subject.name if subject else subject_name(session, rnd.subject_key),
                        rnd.subject_key,
                        rnd.status, manager_asked(session, rnd.id), shown, counts, rows,
                        notes, {g: comments[g] for g in (*shown, "self") if comments.get(g)},
                        response, overall, asked, unreached)


def least_shown(session: Session, round_id: int) -> dict[str, int]:
    """The fewest answers each anonymous group (peer, report, peer+report) needs to be
    shown: MIN_GROUP, and one more where it holds the answers of someone who reads the
    report — the GM, who was a peer or a report before the org file made them GM (the
    director, whose report it is, is in none). They know their own ratings and take them
    out: a former peer reading 'peers and reports 3.33' of three would read the other
    two's (as the pulse polls' `visible_slices`)."""
    own = dict.fromkeys(ANONYMOUS, 0)
    for group, count in session.execute(
            select(ReviewInvite.rater_group, func.count())
            .join(Person, ReviewInvite.person_id == Person.id)
            .where(ReviewInvite.round_id == round_id, ReviewInvite.answered > 0,
                   ReviewInvite.rater_group.in_(sorted(ANONYMOUS)),
                   Person.active.is_(True), Person.role == "gm")
            .group_by(ReviewInvite.rater_group)):
        own[group] = int(count)
    return {"peer": MIN_GROUP + (own["peer"] > 0), "report": MIN_GROUP + (own["report"] > 0),
            "peer+report": MIN_GROUP + (own["peer"] + own["report"] > 0)}


def manager_asked(session: Session, round_id: int) -> str | None:
    """The name of who a review asked as the director's manager: their answers are shown
    under it. The director's manager now is not (the org file may since have given them
    another, whose name over the first one's answers would rewrite what was said, and by
    whom), nor invented for a director who had none at the start; one who has left the
    org file is named as they were last in it. None when nobody is counted as asked (a
    manager who left without answering is not: replace_leavers)."""
    return session.scalar(select(Person.display_name).join(
        ReviewInvite, ReviewInvite.person_id == Person.id).where(
        ReviewInvite.round_id == round_id, ReviewInvite.rater_group == "manager")
        .order_by(ReviewInvite.id).limit(1))


def _avg(values: list[int] | None) -> float | None:
    # Rounded as the review shows it (bot.numbers: 3.125 reads 3.13), also in its JSON.
    return round_half_up(mean(values), 2) if values else None


# --- the command ------------------------------------------------------------------------

def cmd_review(ctx: Context, args: str) -> None:
    """/review start|close|report|status <director>, /review schedule|status (GM);
    /review alone resumes a survey."""
    person = ctx.person
    assert person is not None
    parts = args.split()
    if not parts:
        invite = _pending_invite(ctx.session, person)
        if invite is None:
            # Someone resuming a survey learns there is none left to answer; only the GM,
            # whose commands these are, gets the GM's forms with it.
            ctx.reply("review_nothing_to_answer", gm=person.role == "gm")
        else:
            _ask_next(ctx, person, invite)
        return
    if person.role != "gm":
        ctx.reply("review_not_allowed")
        return
    if [w.lower() for w in parts] == ["schedule"]:
        from handlers.review_schedule import show_schedule

        show_schedule(ctx)
        return
    if [w.lower() for w in parts] == ["status"]:
        from handlers.review_progress import show_status

        show_status(ctx, None)
        return
    parts = args.split(maxsplit=1)  # the director by key, or by a name with spaces
    if len(parts) != 2 or parts[0].lower() not in {"start", "close", "report", "status"}:
        ctx.reply("review_usage")
        return
    typed = mentions_as_keys(ctx, parts[1])
    if typed is None:
        return
    named = people_named(ctx.people.active(), typed, ctx.org)
    if len(named) > 1:
        reply_namesakes(ctx, named, "review", parts[0].lower())
        return
    subject = named[0] if named else None
    if subject is None and parts[0].lower() in {"status", "close"}:
        # A director who left the org file mid-review: /review status still lists the
        # review with "/review close <key>", which must work, or it stays open for ever
        # (and its raters are still asked about someone gone).
        subject = _left_with_open_review(ctx, parts[1])
    elif subject is None and parts[0].lower() == "report":
        # A director who has left the org file: the reports of their closed reviews stay
        # the GM's to read again (by the key or the name they had), not only the DM at
        # the close. (Only the GM gets here: a director reads no one's report.)
        gone = _left_with_review(ctx, parts[1], "closed")
        if len(gone) > 1:
            reply_namesakes(ctx, gone, "review", "report")
            return
        subject = gone[0] if gone else None
    sub = parts[0].lower()
    if subject is None or subject.role != "director":
        # A typo ('/review report brnuo') is told which director is close, as /summary
        # and the command line's `teampulse review` tell it; never of someone named.
        guesses = [] if subject is not None else person_guesses(
            typed, _reviewable(ctx, sub), ctx.org)
        ctx.reply("review_not_director", value=parts[1].strip(), guesses=guesses, sub=sub)
        return
    running = open_round(ctx.session, subject.key)
    if parts[0].lower() == "status":
        from handlers.review_progress import show_status

        show_status(ctx, subject)
        return
    if parts[0].lower() == "report":
        _show_report(ctx, subject)
        return
    if parts[0].lower() == "close":
        if running is None:
            ctx.reply("review_none_open", name=subject.display_name)
        else:
            close_round(ctx, running, to_gm=True)
        return
    if running is not None:
        ctx.reply("review_already_open", name=subject.display_name)
        return
    start_review(ctx, subject, person)


def _show_report(ctx: Context, subject: Person) -> None:
    """/review report <director>: the latest closed review's report (an open one's
    answers stay unseen until it closes, as the GM would otherwise watch them arrive)."""
    rnd = latest_closed_round(ctx.session, subject.key)
    if rnd is None:
        ctx.reply("review_no_report", name=subject.display_name,
                  still_open=open_round(ctx.session, subject.key) is not None)
        return
    ctx.reply("review_report", report=build_report(ctx.session, ctx.org, rnd),
              comments_shown=COMMENTS_SHOWN, readers=GM)


def _left_with_open_review(ctx: Context, text: str) -> Person | None:
    """A director the org file no longer lists whose review is still open, by key or
    name (the one such; None for none or a name two share)."""
    found = _left_with_review(ctx, text, "open")
    return found[0] if len(found) == 1 else None


def _left_with_review(ctx: Context, text: str | None, status: str) -> list[Person]:
    """The directors the org file no longer lists with a review in `status` (open or
    closed), by key or by the name they had (all of them for None), in key order."""
    wanted = None if text is None else text.strip().casefold()
    return [p for p in ctx.session.scalars(select(Person).where(
        Person.active.is_(False), Person.role == "director",
        Person.key.in_(select(ReviewRound.subject_key).where(ReviewRound.status == status)))
        .order_by(Person.key))
        if wanted is None or wanted in {p.key.casefold(), p.display_name.casefold()}]


def _reviewable(ctx: Context, sub: str) -> list[Person]:
    """Whom `/review <sub>` may name: the org file's directors, and for `report` those
    gone with a closed review, for `status` and `close` those gone with an open one."""
    gone = _left_with_review(ctx, None, "closed" if sub == "report" else "open") \
        if sub != "start" else []
    return [p for p in ctx.people.active() if p.role == "director"] + gone


def subject_name(session: Session, key: str) -> str:
    """A review's director by name, also one who has since left the org file (their
    review is still listed, closed and reported until the GM closes it)."""
    return session.scalar(select(Person.display_name).where(Person.key == key)) or key


def latest_closed_round(session: Session, key: str) -> ReviewRound | None:
    """A director's newest closed review: the one a report may show (the chat's and the
    command line's), as an open one's answers stay unseen until it closes."""
    return session.scalar(select(ReviewRound).where(
        ReviewRound.subject_key == key, ReviewRound.status == "closed")
        .order_by(ReviewRound.id.desc()))


def open_round(session: Session, key: str) -> ReviewRound | None:
    """A director's review that is still open, if any."""
    return session.scalar(select(ReviewRound).where(
        ReviewRound.subject_key == key, ReviewRound.status == "open"))


def survey_waiting(ctx: Context, person: Person) -> bool:
    """Whether a survey of an open review waits for `person`'s answers (put aside, say)."""
    return _pending_invite(ctx.session, person) is not None


def _pending_invite(session: Session, person: Person) -> ReviewInvite | None:
    return session.scalar(select(ReviewInvite).join(
        ReviewRound, ReviewInvite.round_id == ReviewRound.id).where(
        ReviewInvite.person_id == person.id, ReviewInvite.done.is_(False),
        ReviewRound.status == "open").order_by(ReviewInvite.id))


def raters(ctx: Context, subject: Person) -> tuple[list[tuple[Person, str]], int]:
    """Who rates a director: their manager, their reports, themself, and as peers other
    directors — at most the org file's `reviews.peers`, those who work closest with them
    first (see closest_peers); and how many directors could have been peers."""
    out: list[tuple[Person, str]] = []
    candidates: list[Person] = []
    for p in ctx.people.active():
        if p.id == subject.id:
            continue
        if p.key == subject.manager_key:
            out.append((p, "manager"))
        elif p.manager_key == subject.key:
            out.append((p, "report"))
        elif p.role == "director":
            out.append((p, "peer"))
            candidates.append(p)
    cap = ctx.org.reviews.peers
    if cap is not None and len(candidates) > cap:
        chosen = {p.id for p in closest_peers(subject, candidates, cap)}
        out = [(p, g) for p, g in out if g != "peer" or p.id in chosen]
    out.append((subject, "self"))
    return out, len(candidates)


@lru_cache(maxsize=1 << 16)
def _ring(key: str) -> int:
    # A stable hash (Python's hash() of a str changes with each process); cached, as a
    # period of 10,000 reviews ranks 10,000 candidates each.
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def closest_peers(subject: Person, candidates: list[Person], count: int) -> list[Person]:
    """The `count` of `candidates` (other directors) who work closest with `subject`,
    closest first: the same manager, then the same team, then the rest — and under the
    same manager, those of the same team first (in the usual org every director reports
    to the GM, so the manager alone would tell nobody apart).

    Among equals, the next after the subject on a ring of the directors' keys' hashes: a
    restart or a re-run picks the same, and when a whole period of reviews starts each
    director is the next after as many subjects as anyone else, so each is asked about
    as many colleagues (in a group of directors who all share a manager, exactly the cap).
    """
    start = _ring(subject.key)

    def rank(p: Person) -> tuple[bool, bool, int, str]:
        other_manager = subject.manager_key is None or p.manager_key != subject.manager_key
        other_team = subject.team is None or p.team != subject.team
        return other_manager, other_team, (_ring(p.key) - start) % (1 << 64), p.key

    return heapq.nsmallest(count, candidates, key=rank)


def start_review(ctx: Context, subject: Person, by: Person | None,
                 closes_at: datetime | None = None) -> ReviewRound:
    """Open a review and send every rater the first question.

    `by` is the GM who typed `/review start` (answered in the chat), or None for the
    schedule (handlers/review_schedule.py), which tells each GM once about all the
    period's reviews (a DM per director flooded a GM of many); `closes_at`, the
    schedule's closing time (the surveys are not sent after it).
    """
    rnd = ReviewRound(subject_key=subject.key, started_by=by.key if by else "schedule",
                      status="open", started_at=ctx.clock.now())
    ctx.session.add(rnd)
    ctx.session.flush()
    counts = dict.fromkeys(GROUPS, 0)
    unreachable: list[str] = []
    asked, candidates = raters(ctx, subject)
    for person, group in asked:
        counts[group] += 1
        if not _invite(ctx, rnd, subject, person, group, closes_at):
            unreachable.append(person.display_name)
    if by is not None:
        ctx.reply("review_started", name=subject.display_name, counts=counts,
                  unreachable=unreachable, min_group=MIN_GROUP,
                  peers_of=candidates if candidates > counts["peer"] else None)
    return rnd


class _Unread:
    """A review's closing time its caller has not read (None is one read: no closing
    time, a review the GM started by hand)."""


_UNREAD = _Unread()


def _invite(ctx: Context, rnd: ReviewRound, subject: Person, person: Person,
            group: str, closes_at: datetime | _Unread | None = _UNREAD) -> bool:
    """Ask `person` to rate `subject` in `group`: their invite, and the survey's DM with
    its first question; False if no platform reaches them (the invite stands).
    `closes_at`: the review's closing time, read here unless given."""
    invite = ReviewInvite(round_id=rnd.id, person_id=person.id, rater_group=group,
                          answered=0, done=False)
    ctx.session.add(invite)
    ctx.session.flush()
    if ctx.dm_target(person) is None:
        return False
    if not ctx.away.is_away(person.id, person.timezone, ctx.clock.now()):
        _send_invite(ctx, subject, person, invite, closes_at)
    # (Someone away is sent it once back: send_held.)
    return True


def invite_key(invite: ReviewInvite) -> str:
    """The outbox dedupe key of an invite's DM: sent once, and its absence is how
    send_held knows an invite waited."""
    return f"review:invite:{invite.id}"


def review_closes(ctx: Context, round_id: int) -> datetime | None:
    """When a review closes: its schedule's closing time (None for one the GM started,
    closed by hand)."""
    from storage.review_schedule import ScheduledReview

    return ctx.session.scalar(select(ScheduledReview.closes_at).where(
        ScheduledReview.round_id == round_id))


def _send_invite(ctx: Context, subject: Person, person: Person, invite: ReviewInvite,
                 closes_at: datetime | _Unread | None = _UNREAD) -> bool:
    """The invite's DM and, unless another dialog is under way, its first question (the
    next, to one who began it with /review while away; none, to one who finished it
    so: the DM says their answers are in); False if it was sent before or cannot be.
    Both expire when the review closes (`closes_at`, read here unless given): held up by
    an outage until then, a survey nobody can answer any more is not sent."""
    if isinstance(closes_at, _Unread):
        closes_at = review_closes(ctx, invite.round_id)
    now = ctx.clock.now()
    # Someone in the middle of another dialog is asked once it ends (resume_held), so
    # that their next message still answers what they were answering; so is one asked
    # something else since they were read free (by another replica: the question is
    # recorded only over a dialog still not under way, before the invitation is
    # worded), and told so, as the busy are.
    held = not invite.done and (
        under_way(ctx, person, now) or not ctx.conversations.wait_for_unless_under_way(
            person, CONVERSATION, asked_in(invite.id), now=now))
    asking = not held and not invite.done  # (its question recorded just now)
    group = invite.rater_group
    if not ctx.tell(person, "review_invite", subject=subject.display_name, group=group,
                    anonymous=group in ANONYMOUS, total=len(CRITERIA), held=held,
                    answered=invite.answered, dedupe_key=invite_key(invite),
                    expires_at=closes_at, scrub=group in ANONYMOUS):
        if asking:
            # Sent meanwhile by another transaction, which asked its question or held it:
            # not waiting here for an answer to a question this one never sent.
            ctx.conversations.clear(person)
        return False
    if asking:
        _ask_next(ctx, person, invite, closes_at, recorded=True)
    return True


def send_held(ctx: Context) -> int:
    """The surveys of open reviews that waited while their rater was away (see _invite),
    to those back now and reachable; how many went out."""
    return send_invites(ctx, held_invites(ctx))


class HeldInvites(list[tuple[ReviewInvite, Person, Person]]):
    """held_invites' (invite, subject, rater) rows, with the closing time of each one's
    review read in the same statement (`closes`, by round id; None: the GM's own, closed
    by hand), which send_invites gives each survey: read again, one statement a survey."""

    def __init__(self, rows: Iterable[tuple[ReviewInvite, Person, Person]] = (),
                 closes: Mapping[int, datetime | None] | None = None) -> None:
        super().__init__(rows)
        self.closes: dict[int, datetime | None] = dict(closes or {})


def held_invites(ctx: Context, only: Person | None = None) -> HeldInvites:
    """The invites (with their subject and rater) whose survey waited while the rater was
    away and goes out now that they are back and reachable; with `only`, theirs alone
    (/back sends them at once). Only raters with time away since the oldest open review
    began are read (usually a few), and of their invites the ones whose DM was never sent
    — begun or even finished with /review meanwhile too: /review status names such a
    rater as not reached until the survey reaches them, and the report counts them so,
    and the name staying after they were back, where one who had not answered dropped
    out of the list, told the GM that they had answered (_send_invite carries on from
    where they are). (One sent before invites were keyed, to someone away since, goes
    once more.)"""
    now = ctx.clock.now()
    started = ctx.session.scalar(select(func.min(ReviewRound.started_at)).where(
        ReviewRound.status == "open"))
    if started is None:
        return HeldInvites()
    away_since = ctx.away.near(started.date(), now.date())
    if only is not None:
        away_since &= {only.id}
    if not away_since:
        return HeldInvites()
    from storage.review_schedule import ScheduledReview

    # A scheduled review whose closing time has passed is closed by the next sweep (every
    # 5 minutes): its survey, sent in between ("follows now" at /back), was closed under
    # the rater mid-answer. (The GM's own has no closing time.)
    # The director reviewed comes in the same statement (one read each made a sweep
    # after a holiday cost a statement per survey that waited); also one who has left
    # the org file since: their raters are still asked until the GM closes the review
    # (/review status said "asked once back"). None: no such person any more. And the
    # review's closing time, which the survey expires at (send_invites).
    subject = aliased(Person)
    found = ctx.session.execute(select(ReviewInvite, subject, Person,
                                       ScheduledReview.closes_at).join(
        ReviewRound, ReviewInvite.round_id == ReviewRound.id).join(
        Person, ReviewInvite.person_id == Person.id).outerjoin(
        subject, subject.key == ReviewRound.subject_key).outerjoin(
        ScheduledReview, ScheduledReview.round_id == ReviewRound.id).where(
        or_(ScheduledReview.closes_at.is_(None), ScheduledReview.closes_at > now),
        ReviewRound.status == "open", ReviewInvite.rater_group.in_(GROUPS), Person.active,
        Person.id.in_(sorted(away_since))).order_by(ReviewInvite.id)).all()
    if not found:
        return HeldInvites()
    rows = [(invite, of, person) for invite, of, person, _ in found]
    keys, repo, taken = [invite_key(invite) for invite, _, _ in rows], \
        RoundBatchRepo(ctx.session), set()
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        taken |= repo.taken_dedupe_keys(keys[start:start + KEYS_PER_STATEMENT])
    waiting = [(invite, of, person) for invite, of, person in rows
               if invite_key(invite) not in taken]
    away = ctx.away.covering([(p.id, p.timezone, now) for _, _, p in waiting])
    return HeldInvites(((invite, of, person) for invite, of, person in waiting
                        if (person.id, now) not in away and of is not None
                        and ctx.dm_target(person) is not None),
                       {invite.round_id: closes for invite, _, _, closes in found})


def send_invites(ctx: Context, invites: HeldInvites) -> int:
    """Send invites found by held_invites (each expiring at its review's closing time, read
    with them); how many went out."""
    return sum(_send_invite(ctx, subject, person, invite, invites.closes[invite.round_id])
               for invite, subject, person in invites)


def withdrawn(group: str) -> str:
    """The rater group an invite is kept under once withdrawn (see replace_leavers): not
    one of GROUPS, so no count reads it, and done, so nobody answers it."""
    return f"{LEFT}{group}"


def replace_leavers(ctx: Context) -> int:
    """Raters of open reviews who left the org file without answering a question (taken
    out of `people`): how many peers were asked in their place.

    The manager who left is no longer counted as asked (named in any case, so nothing is
    told that the report would not). A peer who left is, when a director not yet asked can
    take their place while the review has REPLACE_TIME_LEFT or more (the closest first, as
    at the start: closest_peers): that director gets the survey, in their language, and
    the review keeps its number of peers — so the count reads the same whether or not the
    one who left had answered. A peer no one can replace, and a report (nobody else is
    one), stay counted as asked: dropping them would tell the GM, who knows who left,
    that they had not answered. Those who answered at least one question stay counted with
    their answers. Nobody who left is reminded or waited for (send_reminders, on_text).

    Runs in the transaction that takes in an org file edit (and once after a start, for an
    edit made while the bot was down); a second replica taking in the same edit finds
    nothing left to do."""
    from storage.review_schedule import ScheduledReview

    now = ctx.clock.now()
    found = ctx.session.execute(
        select(ReviewInvite, ReviewRound, ScheduledReview.closes_at)
        .join(ReviewRound, ReviewInvite.round_id == ReviewRound.id)
        .join(Person, ReviewInvite.person_id == Person.id)
        .outerjoin(ScheduledReview, ScheduledReview.round_id == ReviewRound.id)
        .where(ReviewRound.status == "open", ReviewInvite.done.is_(False),
               ReviewInvite.answered == 0, ReviewInvite.rater_group.in_(("manager", "peer")),
               Person.active.is_(False))
        .order_by(ReviewInvite.id)).all()
    if not found:
        return 0
    directors: list[Person] | None = None
    asked_instead = 0
    for invite, rnd, closes in found:
        instead: tuple[Person, Person] | None = None  # (the subject, the peer asked)
        if invite.rater_group == "peer":
            subject = ctx.people.by_key(rnd.subject_key)
            if subject is None or (closes is not None and closes - now < REPLACE_TIME_LEFT):
                continue  # a review of someone gone, or too late to answer: counted
            if directors is None:  # read once, and only when a peer is to be replaced
                directors = [p for p in ctx.people.active() if p.role == "director"]
            invited = set(ctx.session.scalars(select(ReviewInvite.person_id).where(
                ReviewInvite.round_id == rnd.id)))
            candidates = [p for p in directors
                          if p.id not in invited and p.id != subject.id
                          and p.key != subject.manager_key and p.manager_key != subject.key]
            chosen = closest_peers(subject, candidates, 1)
            if not chosen:
                continue  # nobody left to ask: counted, see above
            instead = subject, chosen[0]
        _withdraw(ctx, invite)
        if instead is not None:
            _invite(ctx, rnd, instead[0], instead[1], "peer")
            asked_instead += 1
    return asked_instead


def _withdraw(ctx: Context, invite: ReviewInvite) -> None:
    # The leaver's survey dialog goes with it (they may come back to the org file).
    for conv in ctx.session.scalars(select(Conversation).where(
            Conversation.kind == CONVERSATION, Conversation.question_key == f"review:{invite.id}")):
        ctx.session.delete(conv)
    invite.rater_group, invite.done = withdrawn(invite.rater_group), True
    ctx.session.flush()


def resume_held(ctx: Context, person: Person) -> bool:
    """Ask the first question of a survey held back while the person was in another
    dialog (see start_review); False if none waits. A survey already begun is left to
    /review: it was put aside (/pause), and is not what waited. (Looking at the first
    pending survey alone, one put aside after a rating kept a survey that arrived during
    a check-in from ever being asked, though its invitation said it would follow.) Nor
    is one whose invitation has not gone out (it waited while they were away: send_held
    sends both): its first question came cold, the invitation after it."""
    now = ctx.clock.now()
    for invite in ctx.session.scalars(select(ReviewInvite).join(
            ReviewRound, ReviewInvite.round_id == ReviewRound.id).where(
            ReviewInvite.person_id == person.id, ReviewInvite.done.is_(False),
            ReviewInvite.answered == 0, ReviewRound.status == "open", invite_queued())
            .order_by(ReviewInvite.id)):
        # As its invitation: not asked once the review's time is up (the close sweep,
        # every 5 minutes, still to come), nor sent if held up until then.
        closes = review_closes(ctx, invite.round_id)
        if closes is not None and closes <= now:
            continue
        _ask_next(ctx, person, invite, closes)
        return True
    return False


def _ask_next(ctx: Context, person: Person, invite: ReviewInvite,
              expires_at: datetime | None = None, *, recorded: bool = False) -> None:
    """Ask the survey's next question; `recorded`: the dialog already waits for it."""
    if not recorded:
        # Only which survey and how far: never a rating.
        ctx.conversations.wait_for(person, CONVERSATION, asked_in(invite.id),
                                   now=ctx.clock.now())
    rnd = ctx.session.get(ReviewRound, invite.round_id)
    # By name also once the director has left the org file: their raters are still asked
    # until the GM closes the review (an active-only lookup asked them to rate "").
    subject = subject_name(ctx.session, rnd.subject_key) if rnd else ""
    ctx.tell(person, "review_question", criterion=CRITERIA[invite.answered],
             index=invite.answered + 1, total=len(CRITERIA),
             subject=subject, own=invite.rater_group == "self",
             expires_at=expires_at, asks=asked_in(invite.id),
             scrub=invite.rater_group in ANONYMOUS)


def asked_in(invite_id: int) -> str:
    """What a survey's question is marked as asking (bot.events.ASKS_KEY): sent without a
    key (with the invitation, or as the reply to a rating), it is withdrawn by this. (The
    same as the dialog's question_key.)"""
    return f"review:{invite_id}"


def withdraw_questions(ctx: Context, person: Person) -> int:
    """Drop the questions of the surveys open to `person` still waiting in the outbox (the
    platform down or rate limiting since): put aside with /pause, or gone away (/away),
    they would ask what no longer takes what is typed. The dialog waiting on one ends: its
    question never arrived (`/review` asks it). How many were dropped."""
    marks = [asked_in(i) for i in ctx.session.scalars(select(ReviewInvite.id).join(
        ReviewRound, ReviewInvite.round_id == ReviewRound.id).where(
        ReviewInvite.person_id == person.id, ReviewInvite.done.is_(False),
        ReviewRound.status == "open"))]
    dropped = ctx.outbox.withdraw([], ctx.clock.now(), asks=marks) if marks else 0
    conv = ctx.conversations.get(person)
    if dropped and conv is not None and conv.kind == CONVERSATION and \
            conv.question_key in marks:
        ctx.conversations.clear(person)
    return dropped


def withdraw_invites(ctx: Context, person: Person) -> int:
    """Drop the invitations of open reviews' surveys to `person` not begun yet that still
    wait in the outbox (the platform down or rate limiting since the review began): gone
    away from now (/away), they would be asked on holiday. Each gives up its key, so that
    the survey waits as for someone away when the review began (held_invites): sent once
    they are back, if the review is still open. How many were dropped."""
    keys = [invite_key(invite) for invite in ctx.session.scalars(select(ReviewInvite).join(
        ReviewRound, ReviewInvite.round_id == ReviewRound.id).where(
        ReviewInvite.person_id == person.id, ReviewInvite.done.is_(False),
        ReviewInvite.answered == 0, ReviewRound.status == "open"))]
    return ctx.outbox.withdraw(keys, ctx.clock.now()) if keys else 0


def ask_again(ctx: Context, person: Person, conv: Conversation) -> bool:
    """Ask again the survey question `conv` waits on, put aside by a 1:1 dialog that came
    after it (handlers.waiting.back_to_dialog); False if `conv` is not a survey's, or the
    survey closed or was finished meanwhile (the next message hears so, as before)."""
    key = conv.question_key or ""
    if conv.kind != CONVERSATION or not key.startswith("review:") or \
            not key.partition(":")[2].isdigit():
        return False
    invite = ctx.session.get(ReviewInvite, int(key.partition(":")[2]))
    rnd = ctx.session.get(ReviewRound, invite.round_id) if invite else None
    if invite is None or rnd is None or rnd.status != "open" or invite.done:
        return False
    ctx.reply("back_to_dialog", kind=CONVERSATION, asks=asked_in(invite.id))
    _ask_next(ctx, person, invite)
    return True


def on_text(ctx: Context, text: str) -> bool:
    """An answer to the open review question: '4' or '4 holds great one-on-ones'."""
    person = ctx.person
    if person is None:
        return False
    conv = ctx.conversations.get(person)
    if conv is None or conv.kind != CONVERSATION or not (conv.question_key or "").startswith(
            "review:"):
        return False
    invite = ctx.session.get(ReviewInvite, int((conv.question_key or "0").split(":")[1]))
    rnd = ctx.session.get(ReviewRound, invite.round_id) if invite else None
    if invite is None or rnd is None or rnd.status != "open" or invite.done:
        ctx.conversations.clear(person)
        ctx.reply("review_closed_already")
        return True
    if is_pause(text):
        # 'pause' or '暂停' puts the survey aside, as in the check-in, not "start with a rating".
        cmd_cancel(ctx, "")
        return True
    if is_skip(text):
        ctx.reply("nothing_to_skip", waiting="review", checks_in=person.checks_in)
        return True
    between = rating_between(text)
    if between is not None:
        # Stored as the digit before the mark, '4.5' was a 4 with the comment '5'.
        if between[0] == between[1]:
            ctx.reply("review_bad_rating")
        else:
            ctx.reply("review_rating_between", low=between[0], high=between[1])
        return True
    parsed = parse_rating(text)
    if parsed is None:
        ctx.reply("review_bad_rating")
        return True
    rating, typed = parsed
    # Control characters go before storing (PostgreSQL refuses a NUL), as in check-ins.
    comment = clean_text(typed).strip() or None
    if comment is not None and len(comment) > 2000:
        ctx.reply("review_too_long", limit=2000)
        return True
    seen, group = invite.answered, invite.rater_group
    done = seen + 1 >= len(CRITERIA)
    # Moved on before the rating is stored: two ratings typed at once and handled by two
    # replicas would otherwise both rate the same criterion (an anonymous average cannot
    # be corrected afterwards); the second is handled again and rates the next one.
    if not advance_invite(ctx.session, invite, seen, done=done):
        raise ConcurrentChange(f"review invite {invite.id} moved on from {seen}")
    if group in ANONYMOUS:
        # Neither timed nor counted in the metrics (as a pulse answer): a count rising by
        # one, or a line naming their chat, said when this rater answered.
        ctx.anonymous = True
    store_answer(ctx.session, ReviewAnswer(
        round_id=rnd.id, rater_group=group,
        rater_key=None if group in ANONYMOUS else person.key,
        criterion=CRITERIA[seen], rating=rating, comment=comment),
        anonymous=group in ANONYMOUS, threshold=MIN_GROUP)
    if not done:
        ctx.session.flush()
        _ask_next(ctx, person, invite)
        return True
    ctx.conversations.clear(person)
    ctx.session.flush()
    from handlers.review_progress import withdraw_reminders  # (it imports this module)

    withdraw_reminders(ctx, rnd.id, [person])
    # A question of it still queued (asked again by /review elsewhere while held up).
    ctx.outbox.withdraw([], ctx.clock.now(), asks=[asked_in(invite.id)], earlier=True)
    ctx.reply("review_thanks", anonymous=group in ANONYMOUS, scrub=group in ANONYMOUS)
    after_dialog(ctx, person)
    # Someone who left (taken out of the org file) will not answer: only those still here
    # hold the review open.
    waiting = ctx.session.scalar(select(ReviewInvite.id).join(
        Person, ReviewInvite.person_id == Person.id).where(
        ReviewInvite.round_id == rnd.id, ReviewInvite.done.is_(False), Person.active).limit(1))
    if waiting is None and closes_itself(ctx.session, rnd, ctx.clock.now()):
        close_round(ctx, rnd)
    return True


def closes_itself(session: Session, rnd: ReviewRound, now: datetime,
                  counts: tuple[dict[str, int], dict[str, int], dict[str, int]] | None = None
                  ) -> bool:
    """Whether an open review closes by itself once everyone still here has answered.

    Its closing then says "everyone has answered" (the report comes at once, the review
    leaves /review status): not where the counts withhold who answered — fewer than
    MIN_GROUP peers and reports reached (counted nowhere: its closing said "both peers
    answered"), or a peer or report the survey never reached (named by the status, out of
    its counts even once they answer with /review: their answer closed it). Decided by
    who was asked and reached alone, never by who answered; such a review waits for its
    closing date or /review close. Nor where a peer or report left the org file while it
    was open (`left_anonymous`): closing at the last answer of those still here, it read
    "2 of 3 answered" beside the one who left. `counts`: its reach_counts (live), if
    read already."""
    return not kept_open(session, rnd, now, counts)


def kept_open(session: Session, rnd: ReviewRound, now: datetime,
              counts: tuple[dict[str, int], dict[str, int], dict[str, int]] | None = None
              ) -> tuple[str, ...]:
    """Why an open review will not close by itself (closes_itself), for /review status to
    say: "counts" (fewer than MIN_GROUP peers and reports reached, or one not reached) and
    "left" (a peer or report left the org file while it was open); empty: it will. Never
    who: the GM knows who left, not whether they were asked or had answered."""
    asked, answered, unreached = counts or reach_counts(session, rnd, now, live=True)
    why = []
    if any(unreached[g] for g in ANONYMOUS) or response_lines(asked, answered)[1] is None:
        why.append("counts")
    if left_anonymous(session, rnd.id):
        why.append("left")
    return tuple(why)


def left_anonymous(session: Session, round_id: int) -> bool:
    """Whether a peer or report asked in a review has left the org file since: answered or
    not (what closes_itself decides must not depend on that). A peer who left without
    answering was withdrawn (replace_leavers): counted too, else only one who had answered
    kept the review from closing itself."""
    return session.scalar(select(ReviewInvite.id).join(
        Person, ReviewInvite.person_id == Person.id).where(
        ReviewInvite.round_id == round_id,
        or_(and_(ReviewInvite.rater_group.in_(ANONYMOUS), Person.active.is_(False)),
            ReviewInvite.rater_group.in_([withdrawn(g) for g in sorted(ANONYMOUS)])))
        .limit(1)) is not None


def close_round(ctx: Context, rnd: ReviewRound, *, to_gm: bool | None = None,
                summary: bool = True) -> None:
    """Close a review and DM the report to the director and the GM (once each).

    A scheduled review's report goes to the GM only when the GM closes it (`to_gm`):
    otherwise the GM gets one summary once all the period's reviews have closed
    (review_schedule.tell_closed), not a report per director. The sweep that closes a
    period's reviews one by one sends that summary itself (`summary=False`).
    """
    rnd.status, rnd.closed_at = "closed", ctx.clock.now()
    # Its answers rewritten in random order, all in this transaction: what a reader of the
    # database (or a backup) finds is never the order, or the company, they were written in.
    shuffle_answers(ctx.session, rnd.id)
    # The dialogs still waiting on this survey end: found in a few statements, not one
    # per rater who never finished (a thousand of them per review in a large org with
    # `reviews.peers: all`).
    waiting = [asked_in(i) for i in ctx.session.scalars(select(ReviewInvite.id).where(
        ReviewInvite.round_id == rnd.id, ReviewInvite.done.is_(False)))]
    for start in range(0, len(waiting), KEYS_PER_STATEMENT):
        for conv in ctx.session.scalars(select(Conversation).where(
                Conversation.kind == CONVERSATION,
                Conversation.question_key.in_(waiting[start:start + KEYS_PER_STATEMENT]))):
            ctx.session.delete(conv)
    ctx.session.flush()
    from handlers.review_progress import withdraw_reminders  # (it imports this module)

    # Closed before its time (/review close): "closes on Friday" must not arrive after,
    # nor a question of it (a review the GM started has no closing time to expire it by).
    withdraw_reminders(ctx, rnd.id)
    ctx.outbox.withdraw([], ctx.clock.now(), asks=waiting)
    report = build_report(ctx.session, ctx.org, rnd)
    # The director's copy differs only where a group holds a GM's ratings (the note).
    own = report if "reader" not in report.notes else build_report(
        ctx.session, ctx.org, rnd, gm_reads=False)
    if to_gm is None:
        to_gm = rnd.started_by != "schedule"
    if to_gm:
        readers = [p for p in ctx.people.active()
                   if p.role == "gm" or p.key == rnd.subject_key]
    else:  # the director alone: no need to read the whole org for them
        readers = [p] if (p := ctx.people.by_key(rnd.subject_key)) is not None else []
    for reader in readers:
        # The GM's copy is the GM's (bot.readers); the director's own report stays theirs.
        theirs = reader.key == rnd.subject_key
        ctx.tell(reader, "review_report", report=own if theirs else report,
                 comments_shown=COMMENTS_SHOWN,
                 dedupe_key=f"review:{rnd.id}:report:{reader.key}",
                 readers=None if theirs else GM)
    if rnd.started_by == "schedule" and summary:
        from handlers.review_schedule import tell_closed

        tell_closed(ctx, rnd)
