"""The `teampulse` views other than the summary: kudos (export, leaderboard, honour roll),
one-on-ones, pulse results, a 360° review and goals, each in Markdown, JSON and (where it
is a table) CSV, written through bot.cli_output. Each shows what the same command in the
chat shows the GM; the JSON of each is described in docs/schema/<view>.schema.json.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.cli_output import (
    csv_cell,
    dump_json,
    guessed,
    namesakes_line,
    one_named,
    write_csv,
)
from bot.config import Settings
from bot.numbers import ratio_kept
from bot.oneonone import DAY_NAMES, pairs_at_once, pairs_off_hours
from bot.suggest import closest
from bot.team_names import team_key
from bot.text import clean_text


def fail(message: str) -> int:
    """One clear line on standard error; the exit code of a bad request."""
    print(f"teampulse: {message}", file=sys.stderr)
    return 2


def said(locale: str, name: str, **params: Any) -> str:
    """A line of the CLI's own (templates/<locale>/messages/cliviews.j2) in `locale`: its
    errors follow the org's language as its views do (--locale, else the GM's)."""
    from bot.render import shared_renderer

    return shared_renderer().message(locale, name, "plain", **params)


def org_language(args: argparse.Namespace, settings: Settings) -> str:
    """--locale, else the GM's language, for a line said before the database is opened
    (a bad argument): the org file alone is read; English if it cannot be."""
    if getattr(args, "locale", None):
        return str(args.locale)
    from bot.org import OrgError, load_org

    try:
        org = load_org(settings.org_file)
    except (OrgError, OSError, ValueError):
        return "en"  # (the command says what is wrong with the org file itself)
    gm = next((p for p in org.people if p.role == "gm"), org.people[0] if org.people else None)
    return gm.locale if gm is not None else "en"


def nothing_yet(message: str) -> int:
    """One line on standard error saying there is nothing to show yet, nothing on standard
    output, and success: nothing yet is no wrong request (docs/cli.md, Errors and pipes)."""
    print(f"teampulse: {message}", file=sys.stderr)
    return 0


@contextmanager
def reading(bot: Any) -> Iterator[Any]:
    """The context a view reads in: every statement at one moment, in a read-only
    transaction of its own (handlers.context.one_moment). On SQLite it takes no write
    lock, so the running bot stores answers while a view is read (the unit held SQLite's
    one writer for the whole read); on PostgreSQL a write committed meanwhile shows in
    all of the view or none of it."""
    from handlers.context import one_moment

    with bot.unit() as ctx, one_moment(ctx) as seen:
        yield seen


def _gm(bot: Any) -> Any:
    return next((p for p in bot.org.people if p.role == "gm"), bot.org.people[0])


def _header(bot: Any) -> dict[str, Any]:
    return {"org": bot.org.name, "generated_at": bot.clock.now().isoformat()}


# --- kudos --------------------------------------------------------------------------------

KUDOS_FIELDS = ("given_at", "giver", "giver_name", "giver_team", "recipient",
                "recipient_name", "recipient_team", "reason", "values", "platform", "source",
                # (Added last: the columns before keep their places.)
                "value_labels")
BOARD_FIELDS = ("board", "rank", "tied", "person", "name", "team", "count", "teams", "left")
HONOURS_FIELDS = ("award", "team", "winner", "count")
#: Options that belong to one kudos view only, to refuse them on the others.
_KUDOS_OPTIONS = {"export": ("since", "until"), "top": ("period", "team", "value"),
                  "honours": ("period",)}


def kudos(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse kudos [export|top|honours]`."""
    view = args.view
    for other, names in _KUDOS_OPTIONS.items():
        for name in names:
            if getattr(args, name) is not None and name not in _KUDOS_OPTIONS[view]:
                return fail(f"--{name} is for 'kudos {other}', not 'kudos {view}'")
    fmt = args.format or ("csv" if view == "export" else "md")
    if view == "export":
        return _kudos_export(args, settings, out, fmt)
    if view == "top":
        return _kudos_top(args, settings, out, fmt)
    return _honours(args, settings, out, fmt)


def _kudos_export(args: argparse.Namespace, settings: Settings, out: TextIO, fmt: str) -> int:
    from bot.app import prepare
    from handlers.kudos import export_rows, value_label
    from storage.kudos import KudosRepo, label_in

    bounds: list[date | None] = []
    for flag, value in (("--since", args.since), ("--until", args.until)):
        try:
            # '' (`--since "$FROM"` with FROM unset) is a bad date, not "not given".
            bounds.append(date.fromisoformat(value) if value is not None else None)
        except ValueError:
            return fail(said(org_language(args, settings), "cli_bad_date", flag=flag,
                             typed=repr(value), example="2026-11-01"))
    since, until = bounds
    if since and until and until < since:
        return fail("--until is before --since")
    bot, engine = prepare(settings)
    try:
        tz = bot.org.tz
        start = datetime.combine(since, time(), tzinfo=tz) if since else None
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz) if until else None
        with reading(bot) as ctx:
            rows = export_rows(KudosRepo(ctx.session).between(start, end), tz, bot.org)
    finally:
        engine.dispose()
    locale = args.locale or _gm(bot).locale

    # The values' labels in one language, in the order of `values` (as chat shows a
    # kudos' values: its label then, else the org file's today, else its key): the CSV's
    # value_labels column, and what the Markdown names them by.
    def labelled(row: dict[str, Any]) -> dict[str, Any]:
        given: dict[str, dict[str, str]] = row["value_labels"]
        return row | {"value_labels": [
            label_in(given[key], locale) or value_label(bot.org, key, locale)
            for key in row["values"]]}

    if fmt == "json":
        dump_json({"org": bot.org.name, "timezone": bot.org.timezone, "kudos": rows}, out)
    elif fmt == "csv":
        write_csv(out, KUDOS_FIELDS, map(labelled, rows))
    else:
        out.write(bot.renderer.message(locale, "cli_kudos_list",
                                       "markdown", org=bot.org.name,
                                       rows=[labelled(row) for row in rows],
                                       since=since, until=until) + "\n")
    return 0


#: What `kudos top --period` takes besides the words of PERIODS (said when it is refused).
NAMED_PERIODS = "a month (2026-12, December, 12月) or a fiscal quarter (2026-Q4, Q4, 第四季度)"


def board_period(text: str, now: datetime, tz: ZoneInfo, fiscal_year_start: int) -> str:
    """The board period `--period` names, read as `/kudos top` reads it (a month or quarter
    without its year is the latest one begun; quarters are the org's fiscal ones): 'month',
    'last-quarter', '2026-12', '2026-Q4'. ValueError says what is wrong and what is taken."""
    from handlers.kudos import PERIODS, named_period
    from handlers.period_words import read_period

    words = text.split()
    expected = f"expected one of {', '.join(PERIODS)}; or {NAMED_PERIODS}"
    if not words:
        raise ValueError(expected)
    if len(words) == 1 and words[0].lower() in PERIODS:
        return words[0].lower()
    if len(words) == 1 and words[0] in ("全部", "所有"):  # as /kudos top 全部
        return "all"
    said = read_period(words, 0)
    if said is not None:
        if said[1] == len(words):
            return said[0]
        raise ValueError(expected)
    named = named_period(words, 0, now, tz, fiscal_year_start)
    if named is None or named.taken != len(words):
        raise ValueError(expected)
    if named.problem == "bad":
        raise ValueError(f"no such {named.kind}; {expected}")
    if named.problem == "not_begun":
        fiscal = "; quarters are the goals' fiscal ones" if named.kind == "quarter" else ""
        raise ValueError(f"{named.period} has not begun (no kudos yet{fiscal})")
    return named.period
    raise ValueError(expected)


def _kudos_top(args: argparse.Namespace, settings: Settings, out: TextIO, fmt: str) -> int:
    from bot.app import prepare
    from bot.org import team_spellings
    from handlers.answers import normalise
    from handlers.kudos import (
        board_before_bot,
        board_teams,
        board_value_label,
        build_board,
        month_of,
        quarter_of,
        value_key,
    )

    bot, engine = prepare(settings)
    try:
        try:
            # An empty --period is refused (board_period), not read as the default month.
            period = board_period("month" if args.period is None else args.period,
                                  bot.clock.now(), bot.org.tz,
                                  bot.org.goals.fiscal_year_start)
        except ValueError as exc:
            return fail(f"--period {args.period!r}: {exc}")
        locale = args.locale or _gm(bot).locale
        team = None
        if args.team is not None:
            # Today's teams, and those gone from the org file that the period's kudos
            # were given in (their past is stored with them).
            with reading(bot) as ctx:
                # (A team written in two letter cases once, as the file first writes it.)
                spelled = team_spellings(bot.org)
                teams, gone = board_teams(ctx.session, {spelled.get(p.team.casefold(), p.team)
                                                        for p in bot.org.people if p.team},
                                          period, bot.clock.now(), bot.org.tz,
                                          bot.org.goals.fiscal_year_start)
            # (Read as the chat reads it: ` East ` and full-width `ＥＡＳＴ` are East.)
            wanted = team_key(normalise(args.team))
            team = next((t for t in [*teams, *gone] if team_key(t) == wanted), None)
            if team is None:
                guess = closest(args.team, teams)
                return fail(said(locale, "cli_no_team", typed=repr(args.team), teams=teams,
                                 guess=repr(guess) if guess else None, gone=gone))
        value, found = None, None
        if args.value is not None:
            # By its key or its label in any language, as /kudos top reads it; one taken
            # out of the org file since: as the period's kudos stored it (keys are written
            # in lower case).
            value = value_key(bot.org, args.value.lstrip("#"))
            found = bot.org.value(value)
        with reading(bot) as ctx:
            board = build_board(ctx.session, bot.org, bot.clock.now(), period, team, value)
            if value is not None and found is None and not board.counted:
                return fail(f"no company value {args.value!r} (values: "
                            f"{', '.join(v.key for v in bot.org.values) or 'none'})")

            def places(items: list[Any]) -> list[dict[str, Any]]:
                return [{"rank": p.rank, "tied": p.tied, "person": p.person.key,
                         "name": p.person.display_name, "team": p.team,
                         "count": p.count,
                         "teams": [{"team": t, "count": n} for t, n in p.teams],
                         # Taken out of the org file since (only a past period ranks them).
                         "left": p.left}
                        for p in items]

            # A period over before the bot first ran, without kudos: not running yet then,
            # not "no kudos" (as the Markdown and the honours' JSON say it).
            before = board_before_bot(ctx.session, bot.org, bot.clock.now(), period, board)
            data = {**_header(bot), "timezone": bot.org.timezone, "period": period,
                    "since": board.start, "until": board.last_day, "team": team,
                    "value": value,
                    "received": places(board.received), "given": places(board.given),
                    "received_more": board.received_more, "given_more": board.given_more,
                    "before_first_run": before.isoformat() if before is not None else None}
            text = bot.renderer.message(
                locale, "cli_kudos_top", "markdown", org=bot.org.name, period=period,
                month=month_of(period), quarter=quarter_of(period),
                start=board.start, team=team,
                value=board_value_label(bot.org, board, value, locale) if value else None,
                top=board.received, givers=board.given, tied=board.tied,
                last=board.last_day, top_more=board.received_more,
                givers_more=board.given_more, tz=bot.org.timezone, before_bot=before)
    finally:
        engine.dispose()
    if fmt == "json":
        dump_json(data, out)
    elif fmt == "csv":
        # One row a person; a move within the period spelt out: "East: 2; Europe: 1".
        write_csv(out, BOARD_FIELDS, [
            {"board": board_name, **place, "teams": "; ".join(
                f"{t['team'] or 'no team'}: {t['count']}" for t in place["teams"])}
            for board_name in ("received", "given") for place in data[board_name]])
    else:
        out.write(text + "\n")
    return 0


def _honours(args: argparse.Namespace, settings: Settings, out: TextIO, fmt: str) -> int:
    from bot.app import prepare
    from handlers.honours import FIRST_YEAR, build_roll, first_ran, period_of, roll_period
    from storage.kudos import KudosRepo

    bot, engine = prepare(settings)
    try:
        now = bot.clock.now()
        # roll_period reads '' as last month (/honours alone): an empty --period given
        # (`--period "$MONTH"` with MONTH unset) is refused rather than read so.
        show = None if args.period is not None and not args.period.strip() else \
            roll_period(args.period or "", now.astimezone(bot.org.tz).date())
        if show is None:
            return fail(f"--period {args.period!r}: expected a month such as 2026-11 or a "
                        "year such as 2026 (default: last month)")
        this_year = now.astimezone(bot.org.tz).year
        if not FIRST_YEAR <= show[0] <= this_year + 1:
            return fail(f"--period {args.period!r}: honour rolls go from {FIRST_YEAR} to "
                        f"{this_year + 1}")
        locale = args.locale or _gm(bot).locale
        start, end = period_of(show[0], show[1], bot.org.tz)
        in_progress = start <= now < end
        with reading(bot) as ctx:
            began = first_ran(ctx.session, now)
            roll = build_roll(KudosRepo(ctx.session).between(start, end), bot.org, locale,
                              *show, current=in_progress, began=began)
        # A period over before the bot first ran, without kudos: it was not running yet
        # then (as /honours says), not "No kudos were given", as if nobody had praised.
        before = began.astimezone(bot.org.tz).date() \
            if not roll.total and began >= end else None
        # The days counted, in the org's time: a month in progress read as the month.
        counted = None if before is not None or start > now else (
            roll.counted_from or start.date(),
            now.astimezone(bot.org.tz).date() if in_progress else (end - timedelta(days=1)).date())
    finally:
        engine.dispose()

    def winners(w: Any) -> dict[str, Any] | None:
        return {"names": list(w.names), "count": w.count} if w is not None else None

    data = {**_header(bot), "timezone": bot.org.timezone,
            "period": f"{roll.year}-{roll.month:02d}" if roll.month else str(roll.year),
            "year": roll.year, "month": roll.month, "in_progress": in_progress,
            "total": roll.total,
            "teams": [{"team": t.team, **(winners(t.winners) or {})} for t in roll.teams],
            "best_team": winners(roll.best_team), "value": winners(roll.value),
            "giver": winners(roll.giver),
            "before_first_run": before.isoformat() if before is not None else None,
            "counted_from": counted[0].isoformat() if counted else None,
            "counted_to": counted[1].isoformat() if counted else None}
    if fmt == "json":
        dump_json(data, out)
    elif fmt == "csv":
        rows: list[dict[str, Any]] = [{"award": "team", "team": t.team, "winner": name,
                                       "count": t.winners.count}
                                      for t in roll.teams for name in t.winners.names]
        for award in ("best_team", "value", "giver"):
            found = getattr(roll, award)
            if found is not None:
                rows += [{"award": award, "winner": name, "count": found.count}
                         for name in found.names]
        write_csv(out, HONOURS_FIELDS, rows)
    else:
        out.write(bot.renderer.message(locale, "cli_honours", "markdown", org=bot.org.name,
                                       roll=roll, in_progress=in_progress,
                                       before_bot=before, counted=counted) + "\n")
    return 0


# --- one-on-ones -------------------------------------------------------------------------

ONEONONE_FIELDS = ("director", "director_name", "relation", "manager", "manager_name",
                   "report", "report_name", "last_held", "next", "overdue", "missed",
                   "missed_reason", "open_actions", "overdue_actions")


def oneonones(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse oneonones`: per director, the last and next one-on-one, overdue ones and
    open action items."""
    from bot.app import prepare
    from handlers.oneonone import oneonone_overview, render_overview

    bot, engine = prepare(settings)
    gm = _gm(bot)
    try:
        with reading(bot) as ctx:
            overview = oneonone_overview(ctx.session, bot.org, bot.clock.now())
            directors = [d.as_dict() for d in overview]
            # The CLI prints every director and pair: chat's bound is for a message.
            text = render_overview(bot.renderer, args.locale or gm.locale, "markdown",
                                   overview, gm.timezone, bounded=False) \
                if args.format == "md" else ""
    finally:
        engine.dispose()
    if args.format == "json":
        dump_json({**_header(bot), "directors": directors}, out)
    elif args.format == "csv":
        rows: list[dict[str, Any]] = []
        for d in directors:
            common = {"director": d["key"], "director_name": d["name"],
                      "open_actions": d["open_actions"],
                      "overdue_actions": d["overdue_actions"]}
            pairs = ([("own", d["own"])] if d["own"] else []) + [("team", p)
                                                                for p in d["team"]]
            rows += [{**common, "relation": relation, **pair} for relation, pair in pairs]
            if not pairs:  # every director has a row, even with no one-on-ones set up
                rows.append({**common, "relation": "none"})
        write_csv(out, ONEONONE_FIELDS, rows)
    else:
        out.write(text + "\n")
    return 0


# --- pulse results ------------------------------------------------------------------------

#: hidden_why: why a question's cells are empty (`shown` false): few, subtraction or either
#: as the JSON's hidden_why says it, or open while the poll is (empty when shown).
PULSE_FIELDS = ("poll", "team", "question", "kind", "shown", "answers", "average",
                "distribution", "hidden_why")


def pulse_results(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse pulse results`: the latest poll (or one by date), thresholded as in the
    chat, with the trend over the last N polls."""
    from bot.app import prepare
    from bot.org import team_guess, team_spellings
    from bot.pulse_config import MAX_TREND_POLLS
    from handlers.answers import normalise
    from handlers.pulse import POLL_DATES_SHOWN, exported, results_view
    from storage.pulse import PulseRepo

    if args.last < 1:
        return fail("--last must be 1 or more")
    last = min(args.last, MAX_TREND_POLLS)  # as in the chat, whichever poll the trend ends on
    day: date | None = None
    if args.poll is not None:  # '' is a bad date, not "the latest poll"
        try:  # a poll is known by its date: 'notadate' is a wrong date, not a missing poll
            day = date.fromisoformat(args.poll)
        except ValueError:
            return fail(said(org_language(args, settings), "cli_bad_date", flag="--poll",
                             typed=repr(args.poll), example="2026-12-09"))
    bot, engine = prepare(settings)
    try:
        with reading(bot) as ctx:
            repo = PulseRepo(ctx.session)
            if day is not None:
                poll = repo.poll(day.isoformat())
                if poll is None:  # as /pulse results names them: the latest first
                    dates = [p.key for p in reversed(repo.recent(POLL_DATES_SHOWN))]
                    return fail(said(args.locale or _gm(bot).locale, "cli_no_poll",
                                     day=day.isoformat(), dates=dates))
                polls = [*repo.recent(last - 1, before_key=poll.key), poll]
            else:
                polls = repo.recent(last)
            team = args.team
            if team is not None:
                # One name per team, as the poll keeps it (`East` and `EAST`: one team),
                # read as /pulse results reads it (normalise: ` East `, full-width `ＥＡＳＴ`
                # from a Chinese input method), then by team_key.
                spelled = team_spellings(bot.org)
                teams = {spelled.get(team_key(p.team), p.team)
                         for p in ctx.people.active() if p.team}
                wanted = team_key(normalise(team))
                team = next((t for t in teams if team_key(t) == wanted), None)
                if team is None:
                    # The team closest to a typo, as `summary --team` names it.
                    guess = team_guess(bot.org, args.team) if args.team.strip() else None
                    return fail(said(args.locale or _gm(bot).locale, "cli_no_team",
                                     typed=repr(args.team), teams=sorted(teams),
                                     guess=repr(guess) if guess in teams else None))
            if not polls:
                return nothing_yet("no pulse poll has run yet: nothing to show (see README: "
                                   "Pulse polls, for when they go out)")
            # The very same thresholded view as /pulse results in the chat.
            view = results_view(ctx.session, polls, team, ctx.org.pulse.threshold,
                                team_spellings(ctx.org))
            closes_at = polls[-1].closes_at
    finally:
        engine.dispose()
    if args.format in {"json", "csv"}:
        view = exported(view)
    if args.format == "json":
        dump_json(view, out)
    elif args.format == "csv":
        write_csv(out, PULSE_FIELDS, [{
            "poll": view["poll"], "team": view["team"], "question": q["key"],
            "kind": q["kind"], "shown": q["stats"] is not None,
            "answers": q["stats"]["n"] if q["stats"] else None,
            "average": q["stats"]["average"] if q["stats"] else None,
            "distribution": ";".join(f"{k}={v}" for k, v in q["stats"]["distribution"].items())
            if q["stats"] else None,
            # Empty cells said nothing of why: the reader took them for no answers at all.
            "hidden_why": None if q["stats"] else q["hidden_why"] if view["closed"] else "open",
        } for q in view["questions"]])
    else:
        gm = _gm(bot)
        closes = None if view["closed"] else closes_at.astimezone(ZoneInfo(gm.timezone))
        out.write(bot.renderer.message(args.locale or gm.locale, "pulse_results",
                                       "markdown", **view, closes=closes) + "\n")
    return 0


# --- 360° review --------------------------------------------------------------------------

#: A row per criterion and group with its average, then a row per comment shown (its
#: criterion and group, as the report lists it), then a row per rater group as counted
#: (criterion 'response': how many were asked and reached, answered, and asked but never
#: reached; group 'all' overall).
REVIEW_FIELDS = ("director", "criterion", "group", "average", "asked", "answered",
                 "not_reached", "comment")


def review(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse review DIRECTOR`: the director's latest closed 360° review (the director
    by key or name, as /review reads them)."""
    from bot.app import prepare
    from handlers.people_named import people_named, person_guesses
    from handlers.review import build_report, latest_closed_round, open_round

    bot, engine = prepare(settings)
    try:
        with reading(bot) as ctx:
            # Also someone since removed (their last review), a current namesake first.
            named = people_named(ctx.people.everyone(), args.director, ctx.org)
            named = [p for p in named if p.active] or named
            # A typo is told which director is close (someone who left too: their
            # reviews stay), as /summary names who is close in chat.
            wrong = one_named(named, args.director, "review", director=True,
                              locale=args.locale or _gm(bot).locale,
                              guesses=[] if named else person_guesses(
                                  args.director, [p for p in ctx.people.everyone()
                                                  if p.role == "director"], ctx.org))
            if wrong:
                return fail(wrong)
            who = f"{named[0].display_name} ({named[0].key})"
            # As /review report: an open review's answers stay unseen until it closes
            # (watching them arrive would tell who gave which).
            rnd = latest_closed_round(ctx.session, named[0].key)
            if rnd is None and open_round(ctx.session, named[0].key) is not None:
                return nothing_yet(f"the 360° review of {who} is still open: nothing to show "
                                   "until it closes, its answers stay unseen till then "
                                   f"(/review close {named[0].key})")
            if rnd is None and named[0].active and named[0].role != "director":
                # Not "nothing yet": /review start refuses anyone but a director, so nothing
                # would ever come (someone once a director keeps the reviews they had).
                example = next((p.key for p in bot.org.people if p.role == "director"), "alice")
                return fail(f"{who} is not a director in the org file; a 360° review is of a "
                            f"director, such as: teampulse review {example}")
            if rnd is None and not named[0].active:
                # Not "nothing yet ... start one": /review start takes only someone in the
                # org file, so nothing will come (as for someone who is no director).
                return fail(f"{who} is no longer in the org file and had no closed 360° "
                            "review: there is none to show, and none can be started for them")
            if rnd is None:
                return nothing_yet(f"no 360° review of {who} yet: nothing to show (start one "
                                   f"with /review start {named[0].key})")
            report = build_report(ctx.session, bot.org, rnd)
    finally:
        engine.dispose()
    if args.format == "json":
        dump_json(report.to_dict(), out)
    elif args.format == "csv":
        rows = []
        for row in report.rows:
            averages = {**row.groups, "self": row.self_rating, "others": row.others}
            rows += [{"director": report.subject_key, "criterion": row.criterion,
                      "group": group, "average": value} for group, value in averages.items()]
        # Every comment the report shows, and only those (withheld with their ratings).
        rows += [{"director": report.subject_key, "criterion": criterion, "group": group,
                  "comment": text}
                 for group, items in report.comments.items() for criterion, text in items]
        rows += [{"director": report.subject_key, "criterion": "response", "group": r.group,
                  "asked": r.asked, "answered": r.answered, "not_reached": r.unreached}
                 for r in (*report.response, *([report.overall] if report.overall else []))]
        write_csv(out, REVIEW_FIELDS, rows)
    else:
        out.write(bot.renderer.message(args.locale or _gm(bot).locale, "review_report",
                                       "markdown", report=report) + "\n")
    return 0


# --- goals --------------------------------------------------------------------------------

GOAL_FIELDS = ("metric", "metric_label", "period", "period_kind", "start", "end", "scope",
               "owner", "owner_name", "unit", "target", "actual", "from_crm", "attainment",
               "planned_to_date", "state", "days_left", "pace_needed", "mismatches",
               "other_units", "averaged_over")


def goals(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse goals [PERSON | team NAME]`: what `/goals` shows the GM."""
    from bot.app import prepare
    from bot.org import team_guess, team_spellings
    from handlers.answers import normalise, team_word
    from handlers.goals import GoalScopeError, current_goals, gap_lines, goal_scope, goal_views
    from handlers.people_named import namesakes, people_named

    bot, engine = prepare(settings)
    try:
        locale = args.locale or _gm(bot).locale
        # Each team once, as the org file first writes it (as `summary --team` lists them).
        teams = ", ".join(sorted(team_spellings(bot.org).values())) or "none"

        def nobody(value: str, team: bool = False) -> int:
            # Who and which team are close to a typo, as /goals names them in chat
            # ('alcie': alice; 'Est': team East); no person when a team was asked for.
            guess = team_guess(bot.org, value) if value.strip() else None
            from handlers.people_named import person_guesses

            people = [] if team else person_guesses(value, bot.org.people, bot.org)
            return fail(said(locale, "cli_no_person_or_team", typed=repr(value),
                             teams=sorted(team_spellings(bot.org).values()),
                             guesses=guessed(people, [f"team {guess}"] if guess else [])))

        # Read as /goals reads it in chat: full-width ＥＡＳＴ from a Chinese input method
        # is East, and 团队 China is team China (both were "no person or team").
        typed = team_word(normalise(" ".join(args.who)))
        if args.who and not typed.strip():
            # `goals "$WHO"` with WHO unset: not the org's goals, as `goals` alone shows.
            return nobody(" ".join(args.who))  # as typed (' ')
        try:
            # The operator reads as the GM does: everyone's goals.
            scope = goal_scope(bot.org, typed, viewer=True)
        except GoalScopeError as exc:
            if exc.reason == "ambiguous":
                return fail(namesakes_line(exc.value, namesakes(exc.people), "goals", locale))
            if not typed.strip().lower().startswith("team "):
                # Someone taken out of the org file since, as /goals tells the GM: not
                # "no person", and where their check-ins stay.
                with reading(bot) as ctx:
                    gone = [(p.display_name, p.key)
                            for p in people_named(ctx.people.left(), exc.value, bot.org)]
                if len(gone) == 1:
                    return fail(f"{gone[0][0]} ({gone[0][1]}) is no longer in the org file, "
                                "which sets no goals for them any more; their check-ins "
                                f"stay: teampulse summary --person {gone[0][1]}")
            if typed.strip().lower() in {"team", "团队"}:
                # `goals team` with the name left out ('goals team "$TEAM"', TEAM unset):
                # not a person called "team".
                spelled = sorted(team_spellings(bot.org).values())
                return fail("goals team: give the team's name, e.g. teampulse goals team "
                            + (f"{spelled[0]} (teams: {teams})" if spelled
                               else "NAME (the org file gives no one a team)"))
            return nobody(exc.value, team=typed.strip().lower().startswith("team "))
        today = bot.clock.now().astimezone(bot.org.tz).date()
        with reading(bot) as ctx:  # at one moment, as /goals
            views = goal_views(ctx, current_goals(bot.org, scope.owners, today), locale)
        gaps = gap_lines(bot.org, locale, scope.owners, bot.renderer)
    finally:
        engine.dispose()
    records = [_goal_record(v) for v in views]
    if args.format == "json":
        dump_json({**_header(bot), "title": scope.title, "today": today,
                   "tolerance": bot.org.crm.tolerance, "goals": records,
                   "breakdown": [{"metric": g.gap.metric, "period": g.gap.period.label,
                                  "whole_scope": g.gap.whole.scope,
                                  "whole_owner": g.gap.whole.owner,
                                  "whole": g.gap.whole.target, "allocated": g.gap.allocated,
                                  "difference": g.gap.difference,
                                  "parts": [{"name": n, "target": t}
                                            for n, t in g.gap.parts],
                                  "apart": [{"name": n, "unit": u}
                                            for n, u in g.gap.apart]} for g in gaps]}, out)
    elif args.format == "csv":
        # The figures left out for their unit as "300000 CNY", one per unit (joined by
        # `;`): whose they are is in json and md.
        write_csv(out, GOAL_FIELDS, [{**r, "mismatches": len(r["mismatches"]),
                                      "other_units": [f"{csv_cell(o['value'])} {o['unit']}"
                                                      for o in r["other_units"]]}
                                     for r in records])
    else:
        out.write(bot.renderer.message(locale, "goals_view", "markdown", title=scope.title,
                                       views=views, today=today, gaps=gaps,
                                       tolerance=bot.org.crm.tolerance) + "\n")
    return 0


def _goal_record(v: Any) -> dict[str, Any]:
    goal, p = v.goal, v.progress
    return {"metric": goal.metric, "metric_label": v.metric_label,
            "period": goal.period.label, "period_kind": goal.period.kind,
            "start": goal.period.start, "end": goal.period.end, "scope": goal.scope,
            "owner": goal.owner, "owner_name": v.owner_name or None, "unit": goal.unit,
            "target": goal.target, "actual": round(p.actual, 2),
            "from_crm": round(v.actual.from_crm, 2),
            "attainment": ratio_kept(p.attainment) if p.attainment is not None else None,
            "planned_to_date": round(p.planned_to_date, 2), "state": p.state,
            "days_left": p.days_left,
            "pace_needed": round(p.pace_needed, 2) if p.pace_needed is not None else None,
            "averaged_over": v.actual.averaged,
            "mismatches": [{"person": m.person, "week": m.week, "crm": m.crm,
                            "reported": m.reported} for m in v.mismatches],
            "other_units": [{"unit": o.unit, "value": round(o.value, 2), "people": list(o.people)}
                            for o in v.actual.other_units]}


# --- the org file's people (check-org) -----------------------------------------------------

PEOPLE_FIELDS = ("key", "name", "role", "manager", "team", "timezone", "locale", "checks_in",
                 "can_view_summary", "kpis", "warning")


def _moment(when: datetime) -> dict[str, str]:
    """A weekly slot as check-org shows it: weekday, time, timezone."""
    return {"weekday": DAY_NAMES[when.weekday()], "time": when.strftime("%H:%M"),
            "timezone": str(when.tzinfo)}


def org_people(args: argparse.Namespace, org: Any, path: Any, out: TextIO,
               unbound: Sequence[Any] = ()) -> int:
    """`teampulse check-org --format md|json|csv`: who is in a valid org file, the
    one-on-ones whose usual slot is outside someone's working hours, those someone has
    at the same time, and who reads others' data on a Telegram username the bot has not
    bound yet (`unbound`: bot.telegram_rights.UnboundRights)."""
    from bot.cli import org_today
    from bot.goals import breakdown_gaps, describe_gap
    from bot.render import shared_renderer

    people = [{"key": p.key, "name": p.name, "role": p.role, "manager": p.manager,
               "team": p.team, "timezone": p.timezone, "locale": p.locale,
               "checks_in": p.checks_in, "can_view_summary": p.can_view_summary,
               "kpis": [{"metric": k.metric, "unit": k.unit,
                         "weekly_target": k.weekly_target} for k in p.kpis]}
              for p in org.people]
    if args.format == "csv":
        warned = {u.key: u.text() for u in unbound}
        write_csv(out, PEOPLE_FIELDS, [{**p, "kpis": [
            f"{k['metric']} {csv_cell(k['weekly_target'])} {k['unit']}".strip()
            for k in p["kpis"]], "warning": warned.get(p["key"])} for p in people])
        return 0
    gaps = [describe_gap(g) for g in breakdown_gaps(
        org.goals, {p.key: p.team for p in org.people}, {p.key: p.name for p in org.people})]
    r = org.reviews
    reviews = {"schedule": r.name, "start_month": r.start_month, "day": r.day,
               "time": r.at.strftime("%H:%M"), "directors": list(r.directors)
               if r.directors is not None else "all", "open_days": r.open_days,
               "peers": r.peers if r.peers is not None else "all",
               "remind_days": r.remind_days} \
        if r.enabled else None
    names = {p.key: p.name for p in org.people}
    hours = org.oneonones.hours.params()
    off_hours = [{"manager": o.manager, "report": o.report, "person": o.person,
                  "slot": _moment(o.slot), "local": _moment(o.local)}
                 for o in pairs_off_hours(org.people, org.oneonones, org_today(org))]
    at_once = [{**_moment(c.first), "person": c.person, "with": list(c.others),
                "first": c.first.strftime("%Y-%m-%d")}
               for c in pairs_at_once(org.people, org.oneonones, org_today(org))]
    if args.format == "json":
        dump_json({"file": str(path), "org": org.name, "timezone": org.timezone,
                   "people": people, "goals": len(org.goals.goals), "breakdown": gaps,
                   "goal_units": list(org.goals.advice),
                   "reviews": reviews, "oneonones_off_hours": off_hours,
                   "oneonones_at_once": at_once,
                   "telegram_unbound": [u.as_dict() for u in unbound],
                   "oneonones_working_hours": {
                       "start": hours["start"], "end": hours["end"],
                       "days": [DAY_NAMES[d] for d in hours["days"]]}}, out)
        return 0
    gm = next((p for p in org.people if p.role == "gm"), org.people[0])
    locale = args.locale or gm.locale
    renderer = shared_renderer()
    if locale != "en":
        # The breakdown as /goals words it in this language (describe_gap is English).
        from markupsafe import Markup

        from handlers.goals import gap_lines
        gaps = [Markup(renderer.message(locale, "goal_gap", "markdown", g=line))
                for line in gap_lines(org, locale, None, renderer)]
    out.write(renderer.message(locale, "cli_org", "markdown",
                               org=org.name, file=str(path), people=people,
                               goals=len(org.goals.goals), gaps=gaps,
                               goal_units=org.goals.advice,
                               off_hours=off_hours, at_once=at_once,
                               names=names, hours=hours,
                               unbound=[u.as_dict() for u in unbound]) + "\n")
    return 0



# --- support requests ---------------------------------------------------------------------

SUPPORT_FIELDS = ("id", "requester", "requester_name", "type", "detail", "department",
                  "opened", "age_days", "status", "ageing", "repeats", "week",
                  # Added last, so a spreadsheet reading columns by place reads on.
                  "requester_left", "requester_left_on")


def support(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse support`: the open support requests, oldest first, as
    storage.support.open_items() reads them (age, status, the ageing flag)."""
    from bot.app import prepare
    from bot.support_config import department_name
    from storage.support import open_items

    bot, engine = prepare(settings)
    ageing = bot.org.support.ageing_days
    try:
        with reading(bot) as ctx:
            # The day a requester left on the GM's calendar, as `teampulse summary` says
            # it, so that both exports give one date for one departure.
            items = open_items(ctx.session, as_of=bot.clock.now(), ageing_days=ageing,
                               timezone=bot.org.timezone, left_tz=_gm(bot).timezone)
    finally:
        engine.dispose()
    rows = [i.as_dict() for i in items]
    if args.format == "json":
        dump_json({**_header(bot), "ageing_days": ageing, "requests": rows}, out)
        return 0
    if args.format == "csv":
        write_csv(out, SUPPORT_FIELDS, rows)
        return 0
    locale = args.locale or _gm(bot).locale
    renderer = bot.renderer

    def cell(text: str) -> str:  # one table cell: one line (the template escapes it)
        return " ".join(clean_text(text).split())

    lines = [{"id": i.id, "requester": cell(i.requester_name), "left": i.requester_left,
              "left_on": i.requester_left_on,
              # The type and department as the chat names them, in the reader's language.
              "type": cell(renderer.choice_label(locale, "support_type", i.type)),
              "department": cell(department_name(bot.org.support, renderer, locale,
                                                 i.department)), "week": i.week,
              "age": i.age_days, "ageing": i.ageing, "status": i.status,
              "detail": cell(i.detail)} for i in items]
    out.write(renderer.message(locale, "cli_support", "markdown", org=bot.org.name,
                               rows=lines, ageing_days=ageing) + "\n")
    return 0
