"""`teampulse summary --chart attainment|morale|kudos --out FILE.png`: a chart to a file."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bot.config import Settings

DEFAULT_WEEKS = 8


def _fail(message: str) -> int:
    print(f"teampulse: {message}", file=sys.stderr)
    return 2


def no_team_line(typed: str, today: list[str], gone: list[str],
                 last: tuple[str, str] | None = None, guess: str | None = None,
                 locale: str = "en") -> str:
    """"no team 'X' in the org (did you mean 'Y'?) (teams: …; no longer in the org, …:
    …)": what a refusal of --team names (handlers/teams_then.py); `last`: a team gone
    since, and its last week; `guess`: the team close to what was typed; said in `locale`
    (the org's language: --locale, else the GM's)."""
    from bot.render import shared_renderer

    return shared_renderer().message(locale, "cli_no_team_in_org", "plain", typed=repr(typed),
                                     teams=today, gone=gone, last=last,
                                     guess=repr(guess) if guess else None)


def summary_chart(args: argparse.Namespace, settings: Settings) -> int:
    """Write the chart to --out; 2 with a clear message for bad arguments or a bad path."""
    from bot.app import prepare
    from bot.charts import MAX_WEEKS, render_chart_png
    from bot.weeks import week_start
    from handlers.answers import normalise
    from handlers.context import one_moment
    from handlers.summary import SummaryRequest, SummaryWeekError, resolve_week
    from handlers.summary_chart import chart_team
    from handlers.teams_then import last_week_of

    if not args.chart:
        return _fail("--out needs --chart attainment, morale or kudos")
    if args.out is None:
        return _fail("--chart needs --out FILE.png (where to write the image)")
    if args.person is not None:
        return _fail("--chart draws everyone or one --team, not one --person")
    weeks = args.weeks or DEFAULT_WEEKS
    if not 1 <= weeks <= MAX_WEEKS:
        return _fail(f"--weeks must be from 1 to {MAX_WEEKS} for a chart")
    folder = args.out.parent if str(args.out.parent) else None
    if folder is not None and not folder.is_dir():
        return _fail(f"--out: cannot write {args.out}: folder {folder} does not exist")
    if args.out.is_dir():
        return _fail(f"--out: {args.out} is a folder; name the PNG file to write")
    if not _replaceable(args.out):
        # `--out data/teampulse.db`, a tab completion one word off, replaced the database.
        return _fail(f"--out: {args.out} exists and is no PNG image: a chart replaces only a "
                     "PNG; give a new file name (nothing was written)")
    bot, engine = prepare(settings)
    try:
        gm = next((p for p in bot.org.people if p.role == "gm"), bot.org.people[0])
        locale = args.locale or gm.locale
        week = args.week.strip().lower() if args.week and args.week.strip().lower() in {
            "last", "this"} else args.week
        with bot.unit() as ctx:
            try:
                end = resolve_week(ctx, SummaryRequest("week", week=week), gm.timezone)
            except SummaryWeekError as exc:
                text = bot.renderer.message(locale, "summary_bad_week", "plain",
                                            value=exc.value, reason=exc.reason,
                                            example="--week last", cli=True,
                                            **exc.params)
                return _fail(f"--week: {text}")
            # (Read as the chat's /summary chart … team reads it: ＥＡＳＴ is East.)
            team = None if args.team is None else normalise(args.team)
            if team is not None:
                # Today's teams, or one the chart's weeks stored (renamed or closed since).
                found = chart_team(ctx.session, bot.org, team, week_start(end), weeks,
                                   gm.timezone)
                if found.name is None:
                    return _fail(no_team_line(args.team, found.today, found.gone,
                                              last_week_of(ctx.session, team, gm.timezone),
                                              found.guess(team), locale))
                team = found.name
            with one_moment(ctx) as seen:  # its reads at one moment (see one_moment)
                png = render_chart_png(seen.session, bot.org, args.chart, locale,
                                       end_week=week_start(end), weeks=weeks, team=team,
                                       today=ctx.org_today(),
                                       schedule=settings.checkin_schedule,
                                       timezone=gm.timezone)
    finally:
        engine.dispose()
    # Written beside the target and renamed: a failed write never leaves half a PNG.
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(prefix=".chart-", suffix=".png",
                                    dir=folder if folder is not None else ".")
        with os.fdopen(fd, "wb") as handle:
            handle.write(png)
        os.replace(temp, args.out)
    except OSError as exc:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        return _fail(f"--out: cannot write {args.out}: {exc.strerror or exc}")
    print(f"teampulse: wrote {args.out} ({len(png):,} bytes)")
    return 0


#: The first bytes of every PNG file.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _replaceable(path: Path) -> bool:
    """Whether --out may be written over: no file there, an empty one, or a PNG (last
    week's chart, a cron job's); any other file (a database, .env) is someone's data."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(_PNG_SIGNATURE))
    except FileNotFoundError:
        return True
    except OSError:
        return True  # unreadable: the write says what is wrong with it
    return start in (b"", _PNG_SIGNATURE)
