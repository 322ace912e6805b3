"""`teampulse import-actuals --list` and `--remove NAME [--yes]`: the CRM files imported,
and taking one imported by mistake (last year's, another region's, a test file) back out
of the goals and summaries."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.cli_output import FORMATS, dump_json, write_csv
from bot.config import Settings
from bot.crm_import import rows_text
from bot.render import format_number

#: One CSV row per imported file and metric.
CRM_FIELDS = ("source", "format", "rows", "imported_at", "first_week", "last_week", "weeks",
              "metric", "metric_rows", "total")
#: How many weeks a line names one by one; more are shown as a range.
WEEKS_NAMED = 6


def _fail(message: str, code: int = 2) -> int:
    print(f"teampulse import-actuals: {message}", file=sys.stderr)
    return code


def imports(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """--list (md, json, csv) or --remove NAME [--yes]."""
    if args.files:
        return _fail("give files to import, or --list, or --remove NAME: not both")
    if args.list:
        if args.yes:
            return _fail("--yes is for --remove NAME")
        fmt = args.crm_format or "md"
        if fmt not in FORMATS:
            return _fail(f"--format {fmt!r} with --list: expected one of {', '.join(FORMATS)}")
        return _list(args, settings, out, fmt)
    if args.crm_format is not None:
        return _fail("--format is for importing or --list, not --remove")
    if args.locale is not None:
        return _fail("--locale is for --list")
    return _remove(args, settings, out)


def record(f: Any, tz: Any) -> dict[str, Any]:
    """An imported file as --list's JSON writes it (docs/schema/crm-imports.schema.json)."""
    return {"source": f.source, "format": f.format, "rows": f.rows,
            "imported_at": f.imported_at.astimezone(tz).replace(microsecond=0),
            "first_week": f.weeks[0] if f.weeks else None,
            "last_week": f.weeks[-1] if f.weeks else None, "weeks": list(f.weeks),
            "totals": [{"metric": t.metric, "rows": t.rows, "total": t.total}
                       for t in f.totals]}


def metric_units(org: Any) -> dict[str, str]:
    """Each metric's unit where the org's KPIs and goals give it only one: a CRM file's
    total of it is grouped as that unit's figures are everywhere else (rupees in lakhs and
    crores, '41,00,000'), not '4,100,000'."""
    seen: dict[str, set[str]] = {}
    for person in org.people:
        for kpi in person.kpis:
            seen.setdefault(kpi.metric, set()).add(kpi.unit)
    for goal in org.goals.goals:
        if goal.unit:
            seen.setdefault(goal.metric, set()).add(goal.unit)
    return {metric: next(iter(units)) for metric, units in seen.items() if len(units) == 1}


def _list(args: argparse.Namespace, settings: Settings, out: TextIO, fmt: str) -> int:
    from bot.app import prepare
    from storage.goals import CrmRepo

    bot, engine = prepare(settings)
    try:
        with bot.unit() as ctx:
            files = CrmRepo(ctx.session).imported()
    finally:
        engine.dispose()
    tz = bot.org.tz
    records = [record(f, tz) for f in files]
    folder = bot.org.crm.watch_folder
    if fmt == "json":
        dump_json({"org": bot.org.name, "generated_at": bot.clock.now().isoformat(),
                   "timezone": bot.org.timezone,
                   "watch_folder": str(folder) if folder is not None else None,
                   "files": records}, out)
    elif fmt == "csv":
        write_csv(out, CRM_FIELDS, [
            {**r, "weeks": len(r["weeks"]), "metric": t["metric"], "metric_rows": t["rows"],
             "total": t["total"]} for r in records for t in r["totals"]])
    else:
        gm = next((p for p in bot.org.people if p.role == "gm"), bot.org.people[0])
        out.write(bot.renderer.message(
            args.locale or gm.locale, "cli_crm_imports", "markdown", org=bot.org.name,
            files=[{**r, "imported_at": r["imported_at"].strftime("%Y-%m-%d %H:%M")}
                   for r in records],
            timezone=bot.org.timezone, units=metric_units(bot.org)) + "\n")
    return 0


def weeks_text(weeks: list[str] | tuple[str, ...]) -> str:
    """The weeks a file has rows in: '2026-W42, 2026-W48', or a range when there are many
    ('2026-W01 – 2026-W52, 40 weeks')."""
    if len(weeks) <= WEEKS_NAMED:
        return ", ".join(weeks)
    return f"{weeks[0]} – {weeks[-1]}, {len(weeks)} weeks"


def described(f: Any, tz: Any, units: dict[str, str] | None = None) -> list[str]:
    """What a file brought, as --remove says it: the file, its weeks, a line per metric
    (its total grouped for the metric's unit in `units`, see metric_units)."""
    when = f.imported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    lines = [f"{f.source}: {rows_text(f.rows)} ({f.format} format), "
             f"imported {when} ({tz})",
             f"  weeks: {weeks_text(f.weeks)}"]
    lines += [f"  {t.metric}: {format_number(t.total, unit=(units or {}).get(t.metric))} "
              f"({rows_text(t.rows)})"
              for t in f.totals]
    return lines


def _remove(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.app import prepare
    from bot.crm_import import folder_brings_back, import_people
    from storage.goals import CrmRepo

    bot, engine = prepare(settings)
    try:
        with bot.unit() as ctx:
            repo = CrmRepo(ctx.session)
            names = [f.source for f in repo.imported()]
        name = args.remove
        if name not in names and Path(name).name in names:
            name = Path(name).name  # the path it was imported from: stored by file name
        if name not in names:
            known = ", ".join(names) if names else "none yet"
            return _fail(f"--remove {args.remove!r}: no imported file by that name (imported "
                         f"files: {known}; see --list)")
        tz = bot.org.tz
        folder = bot.org.crm.watch_folder
        back: list[tuple[str, int]] = []
        unseen = None
        try:
            with bot.sessions() as session:
                people = import_people(session, bot.org)
            back = folder_brings_back(bot.sessions, name, bot.org.crm, people,
                                      bot.clock.now())
        except OSError as exc:
            unseen = exc.strerror or type(exc).__name__
        with bot.unit() as ctx:
            repo = CrmRepo(ctx.session)
            found = repo.imported(name)
            if not found:  # the bot replaced or removed it meanwhile
                return _fail(f"--remove {name!r}: no longer imported (see --list)")
            lines = described(found[0], tz, metric_units(bot.org))
            if back or not args.yes:
                # Named as the command's other messages are (_fail): one prefix for all.
                print(f"teampulse import-actuals: --remove {name} would take out of the "
                      "goals and summaries:", file=sys.stderr)
                for line in lines:
                    print(line, file=sys.stderr)
                if back:
                    print(f"It cannot be removed while the watched folder {folder} holds "
                          "files the bot would import again within a minute, bringing its "
                          "rows back:", file=sys.stderr)
                    for other, n in back:
                        print(f"  - {other} ({rows_text(n)} of {name})",
                              file=sys.stderr)
                    print("Move them out of the folder (or delete them), then run this "
                          "again. Nothing removed.", file=sys.stderr)
                    return 1
                if unseen is not None:
                    print(_unseen(folder, unseen, name), file=sys.stderr)
                print("Nothing removed. To remove it: teampulse import-actuals --remove "
                      f"{shlex.quote(name)} --yes", file=sys.stderr)
                return 2
            repo.remove(name)  # its rows and its record, in this one transaction
    finally:
        engine.dispose()
    print("removed " + "\n".join(lines), file=out)
    print(f"{name} is no longer counted in the goals and summaries; importing it again "
          "counts it again.", file=out)
    if unseen is not None:
        print(_unseen(folder, unseen, name), file=out)
    return 0


def _unseen(folder: Path | None, reason: str, name: str) -> str:
    return (f"warning: the watched folder {folder} could not be read ({reason}): if it holds "
            f"{name}, a copy or a part of it, the bot imports it again; move it out.")
