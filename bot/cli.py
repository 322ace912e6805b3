"""The `teampulse` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.config import ConfigError, Settings
from bot.org import OrgError, load_org

log = logging.getLogger("teampulse")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="teampulse",
        description="Weekly check-ins, 1:1s, recognition and morale for a GM and their "
                    "directors, in Slack, Telegram or a console chat.")
    parser.add_argument("--version", action="version", version=f"teampulse {__version__}")
    parser.add_argument("--env-file", type=Path, default=Path(".env"),
                        help="settings file read before the environment (default: .env)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the console chat when no platform token is set)")
    sub.add_parser("console", help="run the bot with the console chat, even if tokens are set")
    summary = sub.add_parser("summary", help="print the GM's summary (Markdown or JSON)")
    summary.add_argument("--format", choices=("md", "json"), default="md")
    summary.add_argument("--week", help="ISO week such as 2026-W47 (default: this week)")
    summary.add_argument("--weeks", type=int, default=1, help="how many weeks back (1-12)")
    summary.add_argument("--person", help="one person's history (their key)")
    summary.add_argument("--team", help="only this team")
    summary.add_argument("--locale", choices=("en", "zh-CN"), default=None,
                         help="language (default: the GM's)")
    kudos = sub.add_parser("kudos", help="export kudos (CSV or JSON), e.g. for payroll or HR")
    kudos.add_argument("--since", help="first day, YYYY-MM-DD in the org's timezone "
                                       "(default: everything)")
    kudos.add_argument("--until", help="last day included, YYYY-MM-DD (default: today)")
    kudos.add_argument("--format", choices=("csv", "json"), default="csv")
    sub.add_parser("migrate", help="bring the database up to date")
    check = sub.add_parser("check-org", help="validate the org file and list who is in it")
    check.add_argument("path", nargs="?", type=Path, help="org file (default: from settings)")
    sub.add_parser("config", help="show the settings in effect (secrets masked)")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point; returns the process exit code."""
    out = stdout or sys.stdout
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help(out)
        return 0
    try:
        settings = Settings.load(env_file=args.env_file)
        return _dispatch(args, settings, out)
    except (ConfigError, OrgError) as exc:
        print(f"teampulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _setup_logging(settings: Settings, console: bool) -> None:
    # In the console chat, log lines would drown the conversation: warnings only,
    # unless LOG_LEVEL asks for more.
    level = settings.log_level or ("WARNING" if console else "INFO")
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _dispatch(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.command in {"run", "console"}:
        from dataclasses import replace

        from bot.app import run

        if args.command == "console":
            settings = replace(settings, console=True)
        _setup_logging(settings, settings.console_enabled)
        asyncio.run(run(settings))
        return 0
    _setup_logging(settings, console=True)
    if args.command == "migrate":
        from storage.db import create_db_engine
        from storage.migrate import current_revision, upgrade

        engine = create_db_engine(settings.database_url)
        upgrade(engine)
        print(f"database is at revision {current_revision(engine)}", file=out)
        return 0
    if args.command == "check-org":
        path = args.path or settings.org_file
        org = load_org(path)
        print(f"{path}: OK — {org.name}, {len(org.people)} people", file=out)
        for p in org.people:
            kpis = ", ".join(f"{k.metric} {k.weekly_target:g} {k.unit}" for k in p.kpis)
            print(f"  {p.key:<12} {p.role:<8} {p.timezone:<20} {p.locale:<5} "
                  f"{'checks in' if p.checks_in else '':<9} {kpis}", file=out)
        return 0
    if args.command == "config":
        for name, value in settings.describe().items():
            print(f"{name} = {value}", file=out)
        return 0
    if args.command == "summary":
        return _summary(args, settings, out)
    if args.command == "kudos":
        return _kudos(args, settings, out)
    return 2


def _kudos(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import csv
    from datetime import date, datetime, time, timedelta

    from bot.app import prepare
    from handlers.kudos import export_rows
    from storage.kudos import KudosRepo

    bounds: list[date | None] = []
    for flag, value in (("--since", args.since), ("--until", args.until)):
        try:
            bounds.append(date.fromisoformat(value) if value else None)
        except ValueError:
            print(f"teampulse: {flag} {value!r}: expected a date such as 2026-11-01",
                  file=sys.stderr)
            return 2
    since, until = bounds
    if since and until and until < since:
        print("teampulse: --until is before --since", file=sys.stderr)
        return 2
    bot, engine = prepare(settings)
    tz = bot.org.tz
    start = datetime.combine(since, time(), tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz) if until else None
    with bot.unit() as ctx:
        rows = export_rows(KudosRepo(ctx.session).between(start, end), tz)
    engine.dispose()
    if args.format == "json":
        json.dump({"org": bot.org.name, "timezone": bot.org.timezone, "kudos": rows}, out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "values": ";".join(row["values"])})
    return 0


EXPORT_FIELDS = ("given_at", "giver", "giver_name", "giver_team", "recipient",
                 "recipient_name", "recipient_team", "reason", "values", "platform", "source")


def _summary(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.app import prepare
    from handlers.summary import (
        MAX_WEEKS,
        SummaryRequest,
        render_summary,
        summaries,
    )

    if not 1 <= args.weeks <= MAX_WEEKS:
        print(f"teampulse: --weeks must be from 1 to {MAX_WEEKS}", file=sys.stderr)
        return 2
    if args.week is not None:
        from bot.weeks import parse_week

        if parse_week(args.week) is None:
            print(f"teampulse: --week {args.week!r}: expected an ISO week such as 2026-W47",
                  file=sys.stderr)
            return 2
        args.week = parse_week(args.week)
    bot, engine = prepare(settings)
    kind = "person" if args.person else "team" if args.team else (
        "trend" if args.weeks > 1 else "week")
    weeks = args.weeks if kind != "person" or args.weeks > 1 else 4
    request = SummaryRequest(kind, weeks=weeks, week=args.week, person=args.person,
                             team=args.team)
    gm = next((p for p in bot.org.people if p.role == "gm"), bot.org.people[0])
    locale = args.locale or gm.locale
    with bot.unit() as ctx:
        try:
            result = summaries(ctx, request, locale, gm.timezone)
        except LookupError as exc:
            what = "team" if args.team else "person"
            print(f"teampulse: no {what} {exc.args[0]!r} in the org", file=sys.stderr)
            return 2
        if args.format == "json":
            json.dump({"org": bot.org.name, "generated_at": bot.clock.now().isoformat(),
                       "weeks": [w.to_dict() for w in result]}, out, ensure_ascii=False,
                      indent=2)
            out.write("\n")
        else:
            out.write(render_summary(bot.renderer, locale, "markdown", request, result,
                                     bot.org.name) + "\n")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
