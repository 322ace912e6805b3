"""The `teampulse` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import stat
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from bot import __version__
from bot.cli_output import (
    FORMATS,
    add_format,
    add_locale,
    dump_json,
    guessed,
    json_text,
    left_line,
    namesakes_line,
    one_named,
    start_csv,
    utf8,
    write_new_file,
)
from bot.config import ConfigError, Settings, mask_url
from bot.gc_pause import without_gc
from bot.org import Org, OrgError, load_org, teams_in_other_case
from bot.pulse_config import MAX_TREND_POLLS
from bot.questions import LOCALES
from bot.review_config import DEFAULT_PEERS
from bot.telegram_rights import UnboundRights
from bot.text import count_text, joined, problems_text

if TYPE_CHECKING:
    from storage.repositories import PeoplePlan

log = logging.getLogger("teampulse")

#: How often `checkin send` looks whether the running bot has carried out its request;
#: tests replace the pause to step the bot instead of waiting.
ROUND_POLL_SECONDS = 0.5
round_wait_pause: Callable[[float], None] = time.sleep
#: The longest `checkin send --wait`: an hour is far past any round's report; the round
#: itself goes on in the bot whatever the wait.
MAX_ROUND_WAIT_SECONDS = 3600


class _Unbuilt:
    """A sub-command's parser left unbuilt (see `_parse`): every builder call on it (an
    option, a group, a sub-command of its own) does nothing and gives itself back."""

    def __getattr__(self, _name: str) -> Callable[..., _Unbuilt]:
        return self._same

    def _same(self, *_args: Any, **_kwargs: Any) -> _Unbuilt:
        return self


_UNBUILT = _Unbuilt()


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Sub-commands whose own --help says what they do: argparse shows a command's `help`
    only in its parent's list, so `teampulse run --help` printed its usage alone."""

    #: The one sub-command to build (`_parser(only=...)`): the others are left unbuilt.
    only: str | None = None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        """Add a sub-command; with no description of its own, its help line is one."""
        if self.only is not None and name != self.only:
            return _UNBUILT
        text = kwargs.get("help")
        if text and not kwargs.get("description"):
            kwargs["description"] = text[0].upper() + text[1:] + "."
        parser = super().add_parser(name, **kwargs)
        parser.is_command = True
        return parser


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one clear line (and exit code 2), not the usage."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Commands)
        #: Its sub-commands built, by name (see `_parse`).
        self.commands: Mapping[str, argparse.ArgumentParser] = {}
        #: A sub-command's own parser (`teampulse config`, `teampulse pulse results`).
        self.is_command = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """As argparse, but a word a sub-command does not take is refused by that
        sub-command, so the line names it and its --help (`teampulse config --bogus` sent
        the operator to `teampulse --help`, which lists none of config's options)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self.is_command and not any(
                isinstance(a, argparse._SubParsersAction) for a in self._actions):
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        """Print `teampulse <command>: <what is wrong>` and exit 2."""
        from bot.log_privacy import redact

        # argparse quotes what it could not place: a TARGET_URL given twice was echoed
        # with its password (`unrecognized arguments: postgresql://u:<password>@h/db`).
        self.exit(2, f"{self.prog}: {redact(message, known=False)} (see: {self.prog} --help)\n")


MOVE_DB_HELP = """\
Copy every check-in, 1:1 note, kudos, poll, review and the rest from the database in use
(DATABASE_URL) into TARGET_URL, a new, empty database: typically from SQLite to PostgreSQL.

Steps: 1. stop the bot; 2. teampulse backup data/before-move.db (SQLite); 3. teampulse
move-db TARGET_URL; 4. put the DATABASE_URL line it prints in .env; 5. start the bot.

The target is brought to the same migration revision, then every table is copied in one
transaction: a move that fails or is stopped leaves the target's tables empty, and can
simply be run again. Killed after its commit (no DATABASE_URL line printed), run again it
finds every row already in the target, says so and prints the line. Refused, changing
nothing: a target that holds any other data, a database in use that is not up to date
(run 'teampulse migrate' first), a TARGET_URL that is wrong or cannot be reached, and a
second move from the same database, or into the same one, while one runs, and a SQLite
target a bot runs on.

Stop the bot first. The copy is the database as it was at the moment move-db began reading
it (SQLite's online backup, or one transaction), so a running bot cannot make it
inconsistent; but what it does afterwards is not in the copy: answers, kudos and notes
written after it are missing from the new database, and messages waiting to be sent at the
copy that went out afterwards are sent a second time by the bot on the new one. Never run
the old and the new bot together. The scheduled jobs are not copied: the bot rebuilds them
when it starts.
"""


def _command_word(argv: Sequence[str]) -> str | None:
    """The sub-command `argv` names, past the options that come before it; None if it
    names none, or asks for anything else first (--help, --version, an abbreviation)."""
    words = iter(argv)
    for word in words:
        if word == "--env-file":
            next(words, None)
        elif not word.startswith("--env-file="):
            return None if word.startswith("-") else word
    return None


def _parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """`argv` (the command line's, by default) parsed as the whole parser parses it, with
    only the sub-command it names built: argparse makes a parser and its options for each
    of some thirty sub-commands on every run, most of the work of reading a command line
    (2-3 ms, a few % of `teampulse summary --format json` for 1,000 directors). Anything
    else (no command, an unknown one, --help before it) is read by the whole parser."""
    argv = sys.argv[1:] if argv is None else list(argv)
    word = _command_word(argv)
    if word is not None:
        parser = _parser(only=word)
        if word in parser.commands:
            return parser.parse_args(argv)
    return _parser().parse_args(argv)


def _parser(only: str | None = None) -> _Parser:
    """The command line's parser: every sub-command's, or only that of `only`."""
    parser = _Parser(
        prog="teampulse",
        description="Weekly check-ins, 1:1s, recognition and morale for a GM and their "
                    "directors, in Slack, Telegram or a console chat.")
    parser.add_argument("--version", action="version", version=f"teampulse {__version__}")
    parser.add_argument("--env-file", type=Path, default=None, metavar="FILE",
                        help="settings file read before the environment (default: .env, if "
                             "there is one; a file (or a pipe) named here must exist: /dev/null "
                             "for none)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cast(_Commands, sub).only = only
    parser.commands = sub.choices
    sub.add_parser(
        "run", help="run the bot (the console chat when no platform token is set)",
        description="Run the bot (the console chat when no platform token is set). Slack runs "
                    "when SLACK_BOT_TOKEN is set, Telegram when TELEGRAM_BOT_TOKEN is, the "
                    "console chat when neither is (TEAMPULSE_CONSOLE=true or false forces it "
                    "on or off). It first brings the database (DATABASE_URL, default "
                    "sqlite:///data/teampulse.db) up to date and applies the org file "
                    "(TEAMPULSE_ORG_FILE, default org.yaml, or org.example.yaml while there is "
                    "no org.yaml). One bot at a time on a SQLite file: a second is refused. "
                    "Every setting and its value: teampulse config; a value that cannot work "
                    "(CHECKIN_REMINDER_DELAY past the end of the check-in's week less an "
                    "hour, 2d7h with fri 16:00; a grace period under 1m; a port outside "
                    "1-65535) stops the start, named on a line of its own with its range, "
                    "exit code 2.")
    sub.add_parser("console", help="run the bot with the console chat, even if tokens are set",
                   description="Run the bot with the console chat, even if tokens are set: "
                   "then beside Slack or Telegram, which the tokens turn on as for 'run' "
                   "(as TEAMPULSE_CONSOLE=true does). For the console alone, run it with no "
                   "token set.")
    summary = sub.add_parser("summary", help="print the GM's summary (Markdown, JSON or CSV), or "
                                    "write a chart as a PNG (--chart)")
    summary.add_argument("--format", choices=("md", "json", "csv"), default="md",
                         help="md, json (docs/schema/summary.schema.json) or csv (one row "
                              "per director; per person and week with --team/--person)")
    summary.add_argument("--week", metavar="WEEK",
                         help="ISO week such as 2026-W47, 'last' (the week before the current "
                              "one) or 'this' (the current week, also before its check-in "
                              "has gone out); default: the latest week whose check-in has "
                              "been sent")
    summary.add_argument("--weeks", type=int, default=None,
                         help="how many weeks back (1-12; default 1, or 4 with --person; "
                              "with --chart 1-52, default 8)")
    # One or the other: --team beside --person had been dropped without a word.
    whose = summary.add_mutually_exclusive_group()
    whose.add_argument("--person", help="one person's history (their key, or their name "
                                        "if nobody shares it)")
    whose.add_argument("--team", help="only this team (not with --person)")
    add_locale(summary, None)
    summary.add_argument("--lang", dest="locale", choices=LOCALES,
                         help="the same as --locale")
    summary.add_argument("--chart", choices=("attainment", "morale", "kudos"),
                         help="write a chart as a PNG image instead (with --out)")
    summary.add_argument("--out", type=Path,
                         help="the chart's PNG file (with --chart; a PNG there is replaced, "
                              "any other file refused)")
    kudos = sub.add_parser(
        "kudos", help="kudos: export (CSV/JSON/Markdown), leaderboard (top), honour roll",
        description="export (the default): every kudos, e.g. for payroll or HR; top: the "
                    "leaderboard of /kudos top; honours: the honour roll of /honours.")
    kudos.add_argument("view", nargs="?", choices=("export", "top", "honours"),
                       default="export", help="export (default), top or honours")
    kudos.add_argument("--since", help="export: first day, YYYY-MM-DD in the org's timezone "
                                       "(default: everything)")
    kudos.add_argument("--until", help="export: last day included, YYYY-MM-DD "
                                       "(default: today)")
    kudos.add_argument("--period", help="top: week, month (default), quarter, year or all "
                                        "(so far), or last-week, last-month, last-quarter, "
                                        "last-year (the whole one before), or a month or "
                                        "quarter by name as /kudos top takes it: 2026-12, "
                                        "December, 12月, 2026-Q4, Q4, 第四季度 (without a "
                                        "year, the latest begun; quarters and years are the "
                                        "goals' fiscal ones); honours: YYYY-MM or YYYY "
                                        "(default: last month)")
    kudos.add_argument("--team", help="top: only this team's people")
    kudos.add_argument("--value", help="top: only kudos tagged with this company value")
    kudos.add_argument("--format", choices=FORMATS, default=None,
                       help="md, json or csv (default: csv for export, md otherwise)")
    add_locale(kudos, "the Markdown and of the export CSV's value_labels")
    support = sub.add_parser("support", help="open support requests, oldest first, with age, "
                             "status and the ageing flag (Markdown, JSON or CSV)")
    add_format(support)
    add_locale(support)
    oneonones = sub.add_parser("oneonones", help="one-on-ones per director: last held, next, "
                               "overdue, open action items (Markdown, JSON or CSV)")
    add_format(oneonones)
    add_locale(oneonones)
    goals = sub.add_parser("goals", help="goals with actual to date, attainment, pace and "
                           "breakdown gaps, as /goals shows the GM (Markdown, JSON or CSV)")
    goals.add_argument("who", nargs="*", metavar="PERSON | team NAME",
                       help="a person's key or name (as the org file writes it), or 'team' "
                            "and a team's name (default: the org's and every team's goals)")
    add_format(goals)
    add_locale(goals, "the Markdown and metric labels")
    actuals = sub.add_parser(
        "import-actuals", help="import CRM report exports (CSV) as actuals for the goals; "
                               "list the files imported (--list), take one out (--remove)",
        description="Read CRM report exports (CSV): person (key, name, or a CRM owner name or "
                    "e-mail mapped under crm.owners in the org file), metric, date or week, "
                    "value. Each file is imported whole or not at all; a corrected file with "
                    "the same name replaces the rows it brought before. Files are compared by "
                    "their rows, however they were saved: the same rows again change nothing "
                    "(also under another name), a new file every row of which is already "
                    "imported is not stored, one holding every row of an earlier file "
                    "replaces it, and rows that other files brought too are counted and "
                    "named. --list shows each file imported (rows, format, when, weeks, total "
                    "per metric); --remove NAME --yes takes a file's rows back out of the "
                    "goals and summaries (refused while the watched folder holds a file "
                    "that would bring them back).")
    actuals.add_argument("files", nargs="*", type=Path, metavar="FILE.csv",
                         help="the exports to import")
    actuals.add_argument("--format", dest="crm_format", default=None, metavar="FORMAT",
                         help="importing: the export's format, salesforce, chinese, "
                              "teampulse-daily, teampulse-weekly or a name under crm.formats "
                              "(default: found from the header row); with --list: md, json "
                              "(docs/schema/crm-imports.schema.json) or csv (default: md)")
    which = actuals.add_mutually_exclusive_group()
    which.add_argument("--list", action="store_true",
                       help="list the files imported: rows, format, when, weeks covered and "
                            "total per metric")
    which.add_argument("--remove", metavar="NAME",
                       help="take the rows of an imported file (its name as --list shows it) "
                            "back out; says what would go unless --yes")
    actuals.add_argument("--yes", action="store_true", help="really remove (with --remove)")
    add_locale(actuals, "--list's Markdown")
    review = sub.add_parser("review", help="a director's latest closed 360° review "
                                           "(Markdown, JSON or CSV; an open one's answers "
                                           "stay unseen until it closes)")
    review.add_argument("director", help="the director: their key, or their name as the org "
                                         "file writes it (a name two people share lists "
                                         "both, with their keys)")
    add_format(review)
    add_locale(review, None)
    pulse = sub.add_parser("pulse", help="anonymous pulse polls (results, thresholded)")
    pulse_actions = pulse.add_subparsers(dest="pulse_command", metavar="ACTION", required=True)
    results = pulse_actions.add_parser(
        "results", help="the latest poll's results (groups below the threshold are hidden)")
    add_format(results)
    results.add_argument("--last", type=int, default=1, metavar="N",
                         help=f"also show the trend over the last N polls (at most "
                              f"{MAX_TREND_POLLS}: a larger N shows {MAX_TREND_POLLS}, as "
                              "in the chat)")
    results.add_argument("--poll", metavar="DATE", help="a poll by its date (2026-12-09)")
    results.add_argument("--team", metavar="NAME", help="one team's slice")
    add_locale(results)
    sub.add_parser("migrate", help="bring the database up to date",
                   description="Bring the database (DATABASE_URL, default "
                               "sqlite:///data/teampulse.db) up to date, and print its "
                               "revision. 'teampulse run' does it itself at start; this does "
                               "it alone (before a deploy, say).")
    backup = sub.add_parser(
        "backup", help="copy the SQLite database to FILE, safely while the bot runs",
        description="Make a consistent copy of the SQLite database (DATABASE_URL, default "
                    "sqlite:///data/teampulse.db) with SQLite's online backup, also while the "
                    "bot runs. For PostgreSQL use pg_dump.")
    backup.add_argument("file", type=Path, help="the backup file to write (must not exist)")
    restore = sub.add_parser(
        "restore", help="replace the SQLite database with a backup (the bot must be stopped)",
        description="Replace the SQLite database with a backup made by 'teampulse backup', "
                    "then bring it up to date. Refuses a backup from a newer version. "
                    "Everything written since the backup (check-ins, kudos, notes) leaves "
                    "the database, so it asks first, showing the database and the backup "
                    "(on a terminal; elsewhere it needs --yes), and keeps a copy of the "
                    "database as it was beside it, named with the time "
                    "(teampulse.before-restore-20261201T003512Z.db; its path is printed): "
                    "'teampulse restore' that copy to go back. Such copies are never "
                    "deleted by teampulse: each restore lists those earlier restores left, "
                    "with their size, for you to delete once not needed.")
    restore.add_argument("file", type=Path, help="the backup file to restore")
    restore.add_argument("--yes", action="store_true",
                         help="restore without asking (scripts; needed when not run on a "
                              "terminal)")
    move = sub.add_parser(
        "move-db", help="copy everything into a new, empty database (SQLite to PostgreSQL); "
                        "stop the bot first",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=MOVE_DB_HELP)
    move.add_argument("target", metavar="TARGET_URL",
                      help="the new database, e.g. postgresql+psycopg://teampulse@db/teampulse "
                           "(a password can stay out of the URL, and your shell history, in "
                           "PGPASSWORD or ~/.pgpass)")
    export = sub.add_parser(
        "export", help="write everything stored about one person as JSON",
        description="Write everything stored about one person as JSON, but what README's "
                    "\"A person's data\" leaves out on purpose: their part in anonymous "
                    "pulse polls and 360° reviews, and the other side's private 1:1 notes "
                    "and agenda items.")
    export.add_argument("person", help="their key, as in the org file (a name is not "
                                       "accepted)")
    export.add_argument("--output", "-o", type=Path,
                        help="write to this new file (refused if it exists, as backup "
                             "does; default: standard output)")
    erase = sub.add_parser(
        "erase", help="erase one person's data (keeps anonymous totals); cannot be undone",
        description="Delete what a person wrote and every link to who they were; numbers in "
                    "the GM's totals stay as an anonymous former member. See README: A "
                    "person's data.")
    erase.add_argument("person", help="their key, as in the org file (a name is not "
                                      "accepted: erasing must name one person beyond doubt)")
    erase.add_argument("--yes", action="store_true", help="really erase (required)")
    check = sub.add_parser("check-org", help="validate the org file and list who is in it")
    check.add_argument("path", nargs="?", type=Path,
                       help="org file (default: TEAMPULSE_ORG_FILE, else org.yaml, or "
                            "org.example.yaml while there is no org.yaml)")
    check.add_argument("--format", choices=FORMATS, default=None,
                       help="list the people as md, json or csv; md and json add the goals "
                       "breakdown and the one-on-ones outside someone's working hours, json "
                       "the review schedule (default: the check's report)")
    add_locale(check)
    apply = sub.add_parser(
        "apply-org", help="apply the org file to the people stored now, also when it "
                          "removes many at once; says what it would change unless --yes",
        description="Say whom applying the org file (TEAMPULSE_ORG_FILE) would add, rename "
                    "and remove; with --yes, apply it now as a start would, also an edit "
                    "the running bot and every start hold back: one that removes more than a "
                    "quarter of the people in the org (and at least 3), in case the file was "
                    "cut short, or that gives a leaver's key, an entry or a chat account to "
                    "another person (each named, with what it would hand over). A running "
                    "bot follows within a minute (at once on SIGHUP). "
                    "People removed keep their history; they are no longer prompted, and "
                    "what still waits for them in the outbox is dropped.")
    apply.add_argument("--yes", action="store_true",
                       help="really apply it (nothing changes without it)")
    config = sub.add_parser("config", help="show the settings in effect (secrets masked) "
                                           "and check them and DATABASE_URL",
                            description="Print each setting in effect, one VARIABLE = value "
                                        "line (defaults included, tokens and passwords "
                                        "masked), from the environment and the settings file "
                                        "(--env-file, default .env); names in that file that "
                                        "look like a mistyped setting are named on standard "
                                        "error as ignored, and so are its settings that the "
                                        "environment, which wins, sets empty (the default is "
                                        "used). A value that cannot work (a Slack "
                                        "token of the wrong kind: SLACK_BOT_TOKEN not xoxb-, "
                                        "SLACK_APP_TOKEN not xapp-; a TELEGRAM_BOT_TOKEN not "
                                        "of the shape 123456:ABC…; a duration out of its "
                                        "range: CHECKIN_REMINDER_DELAY past the end of the "
                                        "check-in's week less an hour, 2d7h with fri 16:00; "
                                        "a grace period under 1m; any duration over 365d) "
                                        "is named instead, with exit code 2; so it is by "
                                        "'teampulse run'.")
    config.add_argument("--check-db", action="store_true",
                        help="also connect to the database and report its migration revision")
    checkin = sub.add_parser("checkin", help="check-in rounds (send one now)")
    actions = checkin.add_subparsers(dest="checkin_command", metavar="ACTION", required=True)
    send = actions.add_parser(
        "send", help="ask the running bot to send a check-in round now",
        description="Ask the running bot to prompt everyone due for this week's check-in now "
                    "(or one team, or one person). The request is recorded in the database; "
                    "the bot picks it up within a few seconds and prompts each person at most "
                    "once a week. Anyone who can run this against the database acts with the "
                    "operator's authority, like an admin in the org file.")
    who = send.add_mutually_exclusive_group()
    who.add_argument("--team", help="only this team (as named in the org file)")
    who.add_argument("--person", help="only this person: their key, or their name as the org "
                                      "file writes it (a name two people share sends "
                                      "nothing and lists both, with their keys)")
    send.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                      help="how long to wait for the bot's report (0 to "
                           f"{MAX_ROUND_WAIT_SECONDS}; default: 30); 0: only queue the "
                           "request, say so and exit 0 without waiting")
    digest = sub.add_parser(
        "digest", help="print (--dry-run) or queue the weekly digest now",
        description="Queue the weekly digest (the week's summary with its attainment chart) "
                    "for the GM and each director with a team, or for one of them, now. It is "
                    "recorded as sent for that week, so the scheduled one is not sent again; "
                    "one already sent is not sent twice. The running bot delivers it on the "
                    "first configured platform that knows the person. --dry-run prints it "
                    "and records nothing.")
    digest.add_argument("--week", help="ISO week such as 2026-W48, or 'last' (default: the "
                                       "week of the latest scheduled check-in, "
                                       "CHECKIN_SCHEDULE, in each recipient's timezone; a "
                                       "round sent early with checkin send does not count)")
    digest.add_argument("--to", metavar="gm|DIRECTOR",
                        help="only the GM (gm), or one director: their key, or their name as "
                             "the org file writes it (\"Alice Martin\", 李雷)")
    digest.add_argument("--dry-run", action="store_true",
                        help="print the digest (Markdown) instead of queueing it")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point; returns the process exit code."""
    out = utf8(stdout or sys.stdout)
    args = _parse(argv)
    if args.command is None:
        _parser().print_help(out)
        return 0
    settings: Settings | None = None
    _early_logging()
    given = args.env_file
    if args.env_file is None:
        args.env_file = Path(".env")  # read if there is one
    elif not args.env_file.exists():
        # A typo here ran the bot on the defaults (the console on a local SQLite file)
        # instead of the settings meant: named, and nothing run.
        print(f"teampulse: --env-file {args.env_file}: no such file (nothing was run; "
              "without --env-file, ./.env is read if there is one)", file=sys.stderr)
        return 2
    elif args.env_file.is_dir():
        # Read as no file at all, the bot ran on the defaults, as for a typo above.
        print(f"teampulse: --env-file {args.env_file}: a folder, not a settings file "
              "(nothing was run)", file=sys.stderr)
        return 2
    try:
        # (As given: the commands teampulse tells the operator to run name it.)
        settings = replace(Settings.load(env_file=args.env_file), env_file=given)
        code = _dispatch(args, settings, out)
        out.flush()  # here, not at exit, so a closed pipe is caught below
        return code
    except ConfigError as exc:
        from bot.log_privacy import redact

        # A refusal quotes the value refused: a token pasted into the wrong line of .env
        # is masked there as the log masks it (`CHECKIN_SCHEDULE='xoxb-***'`).
        print(f"teampulse: {redact(str(exc), known=False)}", file=sys.stderr)
        return 2
    except OrgError as exc:
        print(f"teampulse: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`teampulse summary | head`): stop quietly, as a tool
        # killed by SIGPIPE would, and keep Python's final flush from complaining.
        _silence(out)
        return SIGPIPE_EXIT
    except Exception as exc:
        # A database that cannot be used stops start-up with one line, not a traceback.
        message = _database_problem(exc, settings.database_url if settings else None)
        if message is None:
            if not _logging_set_up():
                raise
            # Python would print the traceback with the exception's message, which may
            # quote a secret or what someone wrote: written as the log writes every error
            # instead (frames and type, secrets masked), and the same exit code.
            logging.getLogger(__name__).critical("teampulse stopped on an unexpected error",
                                                 exc_info=exc)
            return 1
        print(f"teampulse: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Before the bot is running (a running one stops on Ctrl-C itself, exit 0), or in
        # a command: said, as the exit code alone is not (the ^C is often all one sees).
        print("teampulse: interrupted (Ctrl-C)", file=sys.stderr)
        return 130


SIGPIPE_EXIT = 128 + 13


def _silence(out: TextIO) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test's StringIO): nothing will flush it at exit


def _database_problem(exc: BaseException, url: str | None) -> str | None:
    """One line for a database that cannot be used, or None if `exc` is something else."""
    from sqlalchemy.exc import DBAPIError

    from storage.db import DatabaseSetupError, describe_db_error, sqlite_write_problem

    if isinstance(exc, DatabaseSetupError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        where = ""
        if url is not None:
            from bot.config import mask_url
            from storage.instance_lock import sqlite_path

            # SQLite's own words for a read-only folder or file ('unable to open database
            # file') do not say which, nor that it is a permission: named in full instead.
            with contextlib.suppress(DatabaseSetupError):
                database = sqlite_path(url)
                if database is not None and (problem := sqlite_write_problem(database)):
                    return problem
                # SQLite's 'database is locked' after its busy timeout: not a second bot
                # (its instance lock refuses that first), so another program's write.
                if database is not None and "database is locked" in str(exc.orig):
                    return (f"DATABASE_URL: the SQLite database {database} is locked by "
                            "another program that holds a write on it (a sqlite3 shell, or "
                            "a database browser with changes not yet saved); close it or "
                            "let it finish, then run the command again")

            where = f" at {mask_url(url)}"
        return f"cannot use the database{where}: {describe_db_error(exc)}"
    return None


def log_formatter(settings: Settings) -> logging.Formatter:
    """How the bot's log lines are written: LOG_FORMAT's JSON or text, an exception's
    message left out of both (see bot/log_privacy.py)."""
    if settings.log_format == "json":
        from bot.logjson import JsonFormatter

        return JsonFormatter()
    from bot.log_privacy import TextFormatter

    return TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def log_handler(settings: Settings, stream: TextIO) -> logging.Handler:
    """The handler every log line goes through: LOG_FORMAT's formatter on `stream`, the
    settings' secrets (and anything shaped like one) left out of every line."""
    from bot.log_privacy import RedactSecrets, protect

    protect(*settings.secret_values())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_formatter(settings))
    handler.addFilter(RedactSecrets())
    return handler


def _logging_set_up() -> bool:
    """Whether the log handler (log_handler's, with its secret filter) is in place."""
    from bot.log_privacy import RedactSecrets

    return any(isinstance(f, RedactSecrets) for handler in logging.getLogger().handlers
               for f in handler.filters)


#: The name of the handler `_early_logging` puts in place until the log is set up.
_EARLY = "teampulse-early"


def _early_logging() -> None:
    """Until the settings are read and the log is set up, what is logged (a library's
    line, a warning, an error nothing expected) is masked on stderr as the log masks it:
    Python's fallback handler wrote a line quoting DATABASE_URL whole, and an unexpected
    error was printed with its message. Left alone where the root logger has a handler
    already (an embedding program's, a test's capture)."""
    root = logging.getLogger()
    if root.handlers:
        return
    from bot.log_privacy import RedactSecrets, TextFormatter, route_python_reports

    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_EARLY)
    handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())  # (what is shaped like a secret: none is known yet)
    root.addHandler(handler)
    route_python_reports()


def _setup_logging(settings: Settings, console: bool) -> None:
    # In the console chat, log lines would drown the conversation: warnings only,
    # unless LOG_LEVEL asks for more.
    level = settings.log_level or ("WARNING" if console else "INFO")
    root = logging.getLogger()
    for early in [h for h in root.handlers if h.get_name() == _EARLY]:
        root.removeHandler(early)  # (basicConfig does nothing while a handler is there)
    logging.basicConfig(level=level, handlers=[log_handler(settings, sys.stderr)])
    # Python's own reports (a library's warning, a thread's uncaught exception) were printed
    # whole on stderr, past the handler: a token quoted in one was not masked.
    from bot.log_privacy import route_python_reports

    route_python_reports()
    for noisy in ("apscheduler", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _dispatch(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.command in {"run", "console"}:
        from bot.app import run
        from storage.db import in_memory_sqlite

        if in_memory_sqlite(settings.database_url):
            # The bot's connections each got a database of their own, empty: it greeted
            # the console, then stopped on 'no such table'.
            # (Masked: a URL may carry a password even here.)
            print(f"teampulse: DATABASE_URL {mask_url(settings.database_url)} is a SQLite "
                  "database in memory, which the bot cannot run on (each of its connections "
                  "would have its own, and everything is lost when it stops): give a file, "
                  "such as sqlite:///data/teampulse.db (nothing was run)", file=sys.stderr)
            return 2
        if args.command == "console":
            settings = replace(settings, console=True)
        elif not settings.console_enabled and not (settings.slack_enabled
                                                   or settings.telegram_enabled):
            # Started, it sat there with nothing to listen on and nothing to send through.
            print("teampulse: no chat platform is configured: TEAMPULSE_CONSOLE is off and "
                  "neither SLACK_BOT_TOKEN nor TELEGRAM_BOT_TOKEN is set; set a token (README: "
                  "Run on Slack, Run on Telegram), or leave TEAMPULSE_CONSOLE empty for the "
                  "console chat (nothing was run)", file=sys.stderr)
            return 2
        if settings.org_file_fallback and (settings.slack_enabled or settings.telegram_enabled):
            # The console's demo runs on the example; a platform bot doing so (org.yaml not
            # mounted, TEAMPULSE_ORG_FILE left out of the unit) synced the sample people over
            # the real ones: everyone taken out of the org, their queued messages withdrawn,
            # check-ins sent to sample ids. Refused before anything is opened.
            print(f"teampulse: no org file: there is no org.yaml here and TEAMPULSE_ORG_FILE "
                  f"is not set, and a Slack or Telegram bot does not run on {settings.org_file} "
                  "(its people are samples); copy it to org.yaml and put your people in it, "
                  "or set TEAMPULSE_ORG_FILE to your org file (nothing was run)",
                  file=sys.stderr)
            return 2
        _setup_logging(settings, settings.console_enabled)
        for line in Settings.unknown_in(args.env_file):
            # As `config` names them: SLACK_BOT_TOKN=… started the console chat instead of
            # Slack without a word on why.
            log.warning("%s", line)
        asyncio.run(run(settings))
        return 0
    _setup_logging(settings, console=True)
    if args.command == "migrate":
        from storage.db import create_db_engine
        from storage.migrate import current_revision, upgrade

        engine = create_db_engine(settings.database_url)
        try:
            upgrade(engine)
            revision = current_revision(engine)
        finally:
            # Closed here, not by the garbage collector some time later: on SQLite the
            # last connection's close folds the write-ahead log in and removes -wal, -shm.
            engine.dispose()
        print(f"database is at revision {revision}", file=out)
        return 0
    if args.command == "check-org":
        path = args.path or settings.org_file
        org = load_org(path, given=args.path is not None)
        unbound = _telegram_unbound(org, settings)
        # The problems a start refuses the file for, in every format: a script reading the
        # JSON view was told OK (exit 0) of a file no start would take. (A view's stdout
        # holds the view alone: the notes on crm.owners go to stderr then.)
        unknown_owners = _crm_owners_who_left(org, settings,
                                              out if args.format is None else sys.stderr)
        unknown_owners += _keys_reused(org, path, settings)
        if not unknown_owners and args.format is not None:
            from bot.cli_views import org_people

            return org_people(args, org, path, out, unbound)
        if unknown_owners:
            print(f"teampulse: {path}: {problems_text(len(unknown_owners))} in the org file:",
                  file=sys.stderr)
            for problem in unknown_owners:
                print(f"  - {problem}", file=sys.stderr)
            return 2
        print(f"{path}: OK — {org.name}, {count_text(len(org.people), 'person', 'people')}",
              file=out)
        for p in org.people:
            kpis = ", ".join(f"{k.metric} {k.weekly_target:g} {k.unit}" for k in p.kpis)
            print(f"  {p.key:<12} {p.role:<8} {p.timezone:<20} {p.locale:<5} "
                  f"{'checks in' if p.checks_in else '':<9} {kpis}", file=out)
        _print_goals(org, out)
        from bot.crm_import import watch_folder_problem

        if (folder_problem := watch_folder_problem(org.crm.watch_folder)) is not None:
            print(folder_problem, file=out)
        r = org.reviews
        peers = "every other director as a peer" if r.peers is None else \
            f"up to {count_text(r.peers, 'peer')} each, those who work closest with the " \
            "director first"
        remind = ("no reminder" if r.remind_days == 0 else "raters not done reminded "
                  f"{count_text(r.remind_days, 'day')} before the close")
        if r.enabled:
            who = "every director" if r.directors is None else ", ".join(r.directors)
            print(f"reviews: {r.name} 360° reviews of {who}, from the period's working day "
                  f"{r.day} at {r.at:%H:%M} in the GM's timezone, open "
                  f"{count_text(r.open_days, 'day')}; "
                  f"{peers}; {remind}", file=out)
        elif r.peers != DEFAULT_PEERS:  # the default, unscheduled, is not worth a line
            print(f"reviews: started with /review start only; {peers}", file=out)
        _print_departments(org, out)
        for warning in teams_in_other_case(org):
            print(f"warning: {warning}", file=out)
        _print_off_hours(org, out)
        _print_at_once(org, out)
        if unbound:
            print("Telegram usernames that bind whoever writes with them first (people who "
                  "read others' data):", file=out)
            for u in unbound:
                print(f"  {u.text()}", file=out)
        return 0
    if args.command == "apply-org":
        return _apply_org(args, settings, out)
    if args.command == "config":
        from bot.org import cache_dir

        for name, value in settings.in_effect():
            print(f"{name} = {value}", file=out)
        for line in Settings.unknown_in(args.env_file):
            # CHECKIN_SCHEDUL=fri 10:00 left the check-in at fri 16:00 without a word.
            print(f"teampulse: {line}", file=sys.stderr)
        print(f"TEAMPULSE_CACHE_DIR = {cache_dir()} (from the environment only)", file=out)
        return _check_database(settings, args.check_db, out)
    if args.command == "summary":
        return _summary(args, settings, out)
    if args.command == "checkin":
        return _send_round(args, settings, out)
    if args.command in {"kudos", "oneonones", "goals", "review", "pulse", "support"}:
        from bot import cli_views

        view = {"kudos": cli_views.kudos, "oneonones": cli_views.oneonones,
                "goals": cli_views.goals, "review": cli_views.review,
                "pulse": cli_views.pulse_results,
                "support": cli_views.support}[args.command]
        return view(args, settings, out)
    if args.command == "import-actuals":
        return _import_actuals(args, settings, out)
    if args.command in {"backup", "restore"}:
        return _backup(args, settings, out)
    if args.command == "move-db":
        return _move_db(args, settings, out)
    if args.command in {"export", "erase"}:
        return _personal_data(args, settings, out)
    if args.command == "digest":
        return _digest(args, settings, out)
    return 2


#: People `apply-org` names per line of what it would change before "and N more".
APPLY_NAMED = 20


def _apply_org(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`teampulse apply-org [--yes]`: whom the org file adds, renames and removes; with
    --yes, applied as a start would, many removals included (see bot.org_guard).

    The file is read once: --yes applies the very org it read (an edit saved meanwhile is
    not applied unlisted), and lists what its sync did, read in the sync's transaction."""
    from bot.app import prepare
    from bot.org_guard import KeyReused, apply_command, removes_too_many
    from bot.renames import same_name
    from storage.db import create_db_engine, session_factory
    from storage.migrate import upgrade
    from storage.repositories import PeopleRepo

    path = settings.org_file
    org = load_org(path)
    if args.yes:
        applied: list[PeoplePlan] = []
        bot, engine = prepare(settings, allow_removals=True, org=org, planned=applied.append)
        bot.close()
        engine.dispose()
        changes = _org_changes(applied[0])
        print(f"applied {path}:" if changes else f"applied {path}: nobody added, renamed or "
              "removed", file=out)
        for _, done, which in changes:
            print(f"  {done} {which}", file=out)
        for r in applied[0].reused:
            if r.holder and (r.added or same_name(r.old, r.new)):
                # (the account is the entry's now)
                left = ", who left the org" if r.holder_left else ""
                print(f"  {r.key}: {r.new} now has a chat account that was {r.holder}'s "
                      f"('{r.holder_key}'{left})", file=out)
                continue
            # Applied on purpose: the key's row, and all stored under it, is theirs now.
            print(f"  {r.key}: {r.old} → {r.new}, who now has everything stored under "
                  f"'{r.renamed_from or r.key}'", file=out)
        print("A running bot follows within a minute (at once on SIGHUP).", file=out)
        return 0
    engine = create_db_engine(settings.database_url)
    try:
        upgrade(engine)  # a no-op when the bot has already migrated the database
        with session_factory(engine).begin() as session:
            plan = PeopleRepo(session).plan(org.people)
    finally:
        engine.dispose()
    changes = _org_changes(plan)
    print(f"teampulse apply-org: {path} would change the {plan.active} people now in "
          "the org:" if changes else f"teampulse apply-org: {path} adds, renames and "
          f"removes nobody of the {plan.active} people now in the org", file=sys.stderr)
    for verb, _, which in changes:
        print(f"  {verb} {which}", file=sys.stderr)
    if removes_too_many(plan.active, len(plan.removed)):
        print("That removes more than a quarter of them at once, which the running bot "
              "and every start hold back: check the file is complete.", file=sys.stderr)
    if plan.reused:  # (worded once, in bot.org_guard, as the log and the GM read it)
        said = KeyReused(path, plan.reused, apply_command(settings.env_file)).problem
        print(f"{said[0].upper()}{said[1:]}.", file=sys.stderr)
    print(f"Nothing changed. To apply it: {apply_command(settings.env_file)}",
          file=sys.stderr)
    return 2


def _org_changes(plan: PeoplePlan) -> list[tuple[str, str, str]]:
    """(verb, past tense, 'N: who') of each kind of change a PeoplePlan makes, if any."""
    return [(verb, done, f"{len(keys)}: {_listed(keys)}") for verb, done, keys in (
        ("remove", "removed", plan.removed), ("add", "added", plan.added),
        ("rename", "renamed", [f"{old} → {new}" for new, old in plan.renamed.items()]))
        if keys]


def _listed(keys: Sequence[str]) -> str:
    shown = ", ".join(keys[:APPLY_NAMED])
    return shown + (f" and {len(keys) - APPLY_NAMED} more" if len(keys) > APPLY_NAMED else "")


def _import_actuals(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Import each file in its own transaction; report what each did. With --list or
    --remove: the files imported (bot/cli_crm.py)."""
    from bot.app import prepare
    from bot.crm_import import (
        CrmImportError,
        import_actuals,
        import_people,
        matched_files,
        matches_text,
        repeated_text,
        rows_text,
    )

    if args.list or args.remove is not None:
        from bot import cli_crm

        return cli_crm.imports(args, settings, out)
    wrong = ("give the CRM exports to import (FILE.csv …), or --list, or --remove NAME"
             if not args.files else
             "--yes is for --remove NAME" if args.yes else
             "--locale is for --list" if args.locale else None)
    if wrong:
        print(f"teampulse import-actuals: {wrong}", file=sys.stderr)
        return 2
    # A path that names no file is a slip in the command, as a bad option is (docs/cli.md:
    # exit 2): said before anything is imported, so the command is corrected and run
    # again whole rather than leaving the operator to work out which files went in.
    absent = [why for path in args.files if (why := _not_a_file(path) or _unreadable(path))]
    if not absent:
        absent = _same_names(args.files)
    for why in absent:
        print(f"teampulse import-actuals: {why}", file=sys.stderr)
    if absent:
        return 2
    bot, engine = prepare(settings)
    formats = [f.name for f in bot.org.crm.all_formats()]
    if args.crm_format is not None and args.crm_format not in formats:
        # A bad option, as docs/cli.md says of every command: one line, exit 2, before any
        # file is read (it was each file's own failure, status 1).
        engine.dispose()
        print(f"teampulse import-actuals: --format {args.crm_format!r}: expected one of "
              f"{', '.join(formats)} (or leave it out: the format is found from the header "
              "row)", file=sys.stderr)
        return 2
    with bot.unit() as ctx:
        people = import_people(ctx.session, bot.org)
    code = 0
    try:
        for path in args.files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                # Readable a moment ago (_unreadable): the files before it are imported,
                # so this one is refused on its own, as one refused for its content.
                print(f"teampulse import-actuals: {path}: cannot read the file: "
                      f"{exc.strerror or exc}", file=sys.stderr)
                code = 1
                continue
            try:
                now = bot.clock.now()
                with bot.unit() as ctx:
                    result = import_actuals(ctx.session, path.name, data, bot.org.crm, people,
                                            now, args.crm_format,
                                            today=now.astimezone(bot.org.tz).date())
            except CrmImportError as exc:
                print(f"teampulse import-actuals: {exc}", file=sys.stderr)
                code = 1
                continue
            if result.status == "unchanged":
                print(f"{path.name}: already imported with this content; nothing changed "
                      f"({rows_text(result.rows)})", file=out)
            elif result.status == "duplicate":
                print(f"{path.name}: the same content as {result.same_as}, already imported; "
                      "nothing changed", file=out)
            elif result.status == "covered":
                print(f"{path.name}: every row already imported ({matched_files(result)}); "
                      "nothing changed", file=out)
            else:
                left_out = ""
                if result.not_won:
                    their = "its" if len(result.not_won) == 1 else "their"
                    left_out = (f"; {rows_text(len(result.not_won))} not counted, {their} "
                                f"stage not won ({', '.join(dict.fromkeys(result.not_won))})")
                if result.future:
                    n = len(result.future)
                    lines = ", ".join(f"line {line} ({when})" for line, when in result.future[:10])
                    more = f" and {n - 10} more" if n > 10 else ""
                    left_out += (f"; {rows_text(n)} dated after today "
                                 f"({now.astimezone(bot.org.tz).date()}), counted only from "
                                 f"then: {lines}{more}")
                for name, rows in result.superseded:
                    # The words of the watched folder's log and DM (crm_file_replaced).
                    left_out += (f"; it holds every row of {name} ({rows_text(rows)}): "
                                 f"{name}'s rows were replaced, nothing counted twice")
                if result.repeated:
                    left_out += (f"; {repeated_text(result)}: if one of them replaces the "
                                 "other, keep only it and import the file again")
                if result.matched:
                    left_out += (f"; {matches_text(result)}, counted again: if they are the "
                                 "same deals, take them out of one of the files and import "
                                 "it again")
                if result.status == "replaced":
                    print(f"{path.name}: corrected file: {rows_text(result.replaced_rows)} "
                          f"replaced by {result.rows} ({result.format} format){left_out}",
                          file=out)
                else:
                    print(f"{path.name}: imported {rows_text(result.rows)} ({result.format} "
                          f"format){left_out}", file=out)
    finally:
        engine.dispose()
    return code


def _not_a_file(path: Path) -> str | None:
    """Why import-actuals cannot take `path` as a file ('x.csv: no such file'), else None.
    A file it may not read is said by _unreadable."""
    try:
        if path.is_dir():
            return f"{path}: a folder, not a CSV export"
        if path.exists():
            return None
    except OSError:
        return None  # a folder on the way that cannot be searched: _unreadable says so
    return f"{path}: no such file"


def _unreadable(path: Path) -> str | None:
    """Why import-actuals cannot read `path` at all ('x.csv: cannot read the file:
    Permission denied'), or why it is no text export (binary data, an Excel workbook),
    else None: a wrong file given, said before anything is imported, as a missing one."""
    from bot.crm_import import BINARY_HEAD, binary_problem

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            # A pipe (`import-actuals <(curl …)`) is read once: its head taken here would
            # be missing from the import. Read then, and said then.
            return None
        with path.open("rb") as fh:
            head = fh.read(BINARY_HEAD)
    except OSError as exc:
        return f"{path}: cannot read the file: {exc.strerror or exc}"
    problem = binary_problem(head)
    return None if problem is None else f"{path}: {problem.text()}"


def _same_names(paths: Sequence[Path]) -> list[str]:
    """Why two of the files given cannot be imported in one command: an import is known
    by its file name, so jan/report.csv then feb/report.csv read as a corrected file and
    February's rows replaced January's."""
    def one_file(a: Path, b: Path) -> bool:
        try:
            return a.samefile(b)
        except OSError:  # cannot be looked at: said when read
            return a.absolute() == b.absolute()

    by_name: dict[str, list[Path]] = {}
    for path in paths:
        same = by_name.setdefault(path.name, [])
        if not any(one_file(path, other) for other in same):
            same.append(path)
    return [f"{joined([str(p) for p in same])} have the same file name: an import is known "
            "by its file name, so each would replace the rows of the one before it; rename "
            "them apart (report-2026-10.csv) and run the command again"
            for same in by_name.values() if len(same) > 1]


def _crm_owners_who_left(org: Org, settings: Settings, out: TextIO) -> list[str]:
    """check-org's word on crm.owners entries naming someone not in the file: those who
    left (known to the database) are fine and said so; the problems of the others."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from bot.crm_import import owners_not_in_file, unknown_owner_problem
    from storage.db import create_db_engine
    from storage.instance_lock import sqlite_path

    if not org.crm.not_in_file:
        return []
    names = ", ".join(f"{crm!r} → {key}" for crm, key in org.crm.not_in_file)
    unread = (f"crm.owners: {names}: not in this file, and the database could not be read to "
              "tell whether they left ({}); someone who left is fine, any other key is "
              "refused when a file is imported")
    database = sqlite_path(settings.database_url)
    if database is not None and not database.exists():  # connecting would create it
        print(unread.format("there is no database yet"), file=out)
        return []
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as conn, Session(bind=conn) as session:
            left, unknown = owners_not_in_file(session, org.crm)
    except SQLAlchemyError as exc:
        print(unread.format(type(exc).__name__), file=out)
        return []
    finally:
        engine.dispose()
    for crm, key, name in left:
        print(f"crm.owners: {crm!r} maps to {key} ({name}), who has left the org file: "
              "their deals still import to them", file=out)
    return [unknown_owner_problem(crm, key) for crm, key in unknown]


def _keys_reused(org: Org, path: Path, settings: Settings) -> list[str]:
    """check-org's word on entries giving a key to another person, of someone who left or
    edited in place (bot.org_guard.KeyReused), which every start and the running bot hold back: read
    from the database when there is one to read."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from bot.org_guard import KeyReused, apply_command
    from storage.db import create_db_engine
    from storage.instance_lock import sqlite_path
    from storage.repositories import PeopleRepo

    database = sqlite_path(settings.database_url)
    if database is not None and not database.exists():  # connecting would create it
        return []
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as conn, Session(bind=conn) as session:
            reused = PeopleRepo(session).plan(org.people).reused
    except SQLAlchemyError:  # not migrated yet, or unreachable: the start tells
        return []
    finally:
        engine.dispose()
    if not reused:
        return []
    return [KeyReused(path, reused, apply_command(settings.env_file)).problem]


def _telegram_unbound(org: Org, settings: Settings) -> list[UnboundRights]:
    """check-org's warnings of bot.telegram_rights, leaving out those whose id the bot's
    database (when there is one to read) has learned."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from bot.telegram_rights import bound_keys, unbound_rights
    from storage.db import create_db_engine
    from storage.instance_lock import sqlite_path

    found = unbound_rights(org)
    database = sqlite_path(settings.database_url)
    if not found or (database is not None and not database.exists()):
        return found  # no database yet (connecting would create it): nobody is bound
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as conn, Session(bind=conn) as session:
            return unbound_rights(org, bound_keys(session))
    except SQLAlchemyError:  # unreadable: as good as nobody bound, so warned of
        return found
    finally:
        engine.dispose()


def org_today(org: Org) -> date:
    """Today in the org's timezone, by the clock every command reads (bot.clock's, which
    tests set), for check-org's one-on-one probes."""
    from bot.clock import SystemClock

    return SystemClock().now().astimezone(org.tz).date()


def _print_off_hours(org: Org, out: TextIO) -> None:
    """The one-on-ones whose usual slot is outside someone's working hours (advice: the
    file is valid all the same)."""
    from bot.oneonone import pairs_off_hours

    found = pairs_off_hours(org.people, org.oneonones, org_today(org))
    if not found:
        return
    print(f"one-on-ones outside working hours ({org.oneonones.hours.text()}, in each "
          "person's timezone; set their time under oneonones: pairs, teams or roles):",
          file=out)
    for o in found:
        print(f"  {o.manager} -> {o.report}: {o.slot:%a %H:%M} {o.slot.tzinfo} is "
              f"{o.local:%a %H:%M} for {o.person} ({o.local.tzinfo})", file=out)


def _print_at_once(org: Org, out: TextIO) -> None:
    """The people the org file's rules book into two one-on-ones at once (advice: the file
    is valid all the same; teampulse never moves a meeting on its own)."""
    from bot.oneonone import pairs_at_once
    from bot.render import first_shown
    from bot.text import joined

    found = pairs_at_once(org.people, org.oneonones, org_today(org))
    if not found:
        return
    print("one-on-ones at the same time (give each pair its own time under oneonones: "
          "pairs, teams or roles):", file=out)
    for c in found:
        # Ten keys, then how many more (a GM's 10,000 directors at the default slot).
        shown, more = first_shown(c.others)
        who = f"{', '.join(shown)} and {more:,} more" if more else joined(shown)
        print(f"  {c.person} with {who}: {c.first:%a %H:%M} {c.first.tzinfo}, "
              f"first {c.first:%Y-%m-%d}", file=out)


def _print_departments(org: Org, out: TextIO) -> None:
    """The departments support requests go to, their owners and what they handle."""
    support = org.support
    if not support.departments:
        return
    print(f"departments (support requests ageing after {count_text(support.ageing_days, 'day')}):",
          file=out)
    for d in support.departments:
        owners = ", ".join(d.owners) or "none (only the GM acts on its requests)"
        handles = ", ".join(d.handles) or "requests that name it"
        print(f"  {d.key:<12} {d.name_for('en')} — owners: {owners}; handles: {handles}",
              file=out)


def _print_goals(org: Org, out: TextIO) -> None:
    """The goals in the org file, and any whose parts do not add up to the whole."""
    from bot.goals import breakdown_gaps, describe_gap

    if not org.goals.goals:
        return
    source = f" (from {org.goals.source})" if org.goals.source else ""
    print(f"goals: {len(org.goals.goals)}{source}", file=out)
    gaps = breakdown_gaps(org.goals, {p.key: p.team for p in org.people},
                          {p.key: p.name for p in org.people})
    if not gaps:
        print("  breakdown: every team's and person's targets add up to the whole", file=out)
    for gap in gaps:
        print(f"  breakdown: {describe_gap(gap)}", file=out)
    for advice in org.goals.advice:
        print(f"  unit: {advice}", file=out)


def _backup(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`backup FILE` and `restore FILE` (SQLite; PostgreSQL is pointed to pg_dump)."""
    from storage.backup import RestoreCancelled, backup, restore, safety_copies
    from storage.db import DatabaseSetupError, create_db_engine
    from storage.instance_lock import sqlite_path
    from storage.migrate import current_revision

    if args.command == "backup":
        source = backup(settings.database_url, args.file)
        print(f"backed up {source} to {args.file}", file=out)
        return 0
    def confirm(database: Path, revision: str) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            # A script or a cron job cannot answer: it says --yes, or nothing happens.
            raise DatabaseSetupError(
                f"restore replaces the database at {database} and asks first; not on a "
                "terminal, so nothing was changed: run it again with --yes to restore "
                "without the question")
        print(f"This replaces the database {database} ({_file_facts(database)}) with the "
              f"backup {args.file} ({_file_facts(args.file)}, revision {revision}).\n"
              "Everything written to the database since that backup leaves it; a copy of "
              "the database as it is now is kept beside it first.\n"
              "Restore? [y/N] ", end="", file=sys.stderr, flush=True)
        return sys.stdin.readline().strip().lower() in {"y", "yes"}

    def kept(copy: Path) -> None:
        # Said at once: a restore killed from here on leaves the copy named on screen.
        print(f"kept the database as it was in {copy} (to go back: teampulse restore "
              f"{copy})", file=out, flush=True)

    try:
        done = restore(settings.database_url, args.file, confirm=confirm, kept=kept)
    except RestoreCancelled:
        print("teampulse: restore cancelled; nothing was changed", file=sys.stderr)
        return 1
    engine = create_db_engine(settings.database_url)
    try:
        now = current_revision(engine)
    finally:
        engine.dispose()
    print(f"restored {args.file} (revision {done.revision}); the database is now at revision "
          f"{now}", file=out)
    if done.settled:
        print(f"{count_text(done.settled, 'message')} waiting to be sent in the backup "
              f"{'was' if done.settled == 1 else 'were'} sent (or given up) since it was made, "
              "as the database it replaced records: not sent again", file=out)
    if done.carried:
        print(f"{count_text(done.carried, 'message')} the replaced database sent (or gave up) "
              "since the backup was made kept as sent: what "
              f"{'it belongs' if done.carried == 1 else 'they belong'} to (a digest, the "
              "honour roll, a check-in prompt) is not sent again", file=out)
    if erased := done.erased_again:
        # A restore undoing an erase (a person's request) must not go unnoticed.
        print(f"the backup was made before {count_text(len(erased), 'person', 'people')} "
              f"{'was' if len(erased) == 1 else 'were'} erased ({', '.join(erased)}): "
              f"{'they are' if len(erased) == 1 else 'each is'} in it again with everything "
              "erase had removed; erase them again before starting the bot: "
              + "; ".join(f"teampulse erase {key} --yes" for key in erased), file=out)
    earlier = [c for c in safety_copies(sqlite_path(settings.database_url) or Path())
               if c != done.kept]
    if earlier:
        # Kept, never pruned: each is the way back from its restore; the operator decides.
        size = sum(c.stat().st_size for c in earlier)
        print(f"{count_text(len(earlier), 'earlier copy', 'earlier copies')} kept by restore "
              f"{'is' if len(earlier) == 1 else 'are'} beside it ({_size_text(size)} in all), "
              "to delete once not needed:", file=out)
        for copy in earlier:
            print(f"  {copy}", file=out)
    return 0


def _size_text(size: int) -> str:
    """'3.9 MB': a file's size as restore shows it, a half rounded up (bot.numbers):
    2,250,000 bytes read 2.3 MB, as a file manager shows them, not 2.2."""
    from bot.numbers import half_up

    # The unit by the figure shown: 999,950 bytes read 1.0 MB, not 1000 kB.
    if (kb := half_up(size / 1e3)) < 1000:
        return f"{kb} kB"
    if (mb := half_up(size / 1e6, 1)) < 1000:
        return f"{mb} MB"
    return f"{half_up(size / 1e9, 1)} GB"


def _file_facts(path: Path) -> str:
    """'1.2 MB, last written 2026-12-01 00:30 UTC' (a SQLite file's write-ahead log
    counts as written), or that there is none."""
    if not path.is_file():
        return "there is none yet"
    wal = path.with_name(path.name + "-wal")
    written = max(p.stat().st_mtime for p in (path, wal) if p.is_file())
    shown = _size_text(path.stat().st_size)
    when = datetime.fromtimestamp(written).astimezone()
    return f"{shown}, last written {when:%Y-%m-%d %H:%M %Z}"


def _move_db(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`move-db TARGET_URL`: copy everything into an empty database, print what and the
    DATABASE_URL line to use next (its password masked)."""
    from bot.config import mask_url
    from storage.instance_lock import lock_for
    from storage.move import MoveFailed, move_database

    lock = lock_for(settings.database_url)
    holder = lock.holder() if lock is not None else None
    if lock is not None and holder is not None:
        print(f"teampulse: note: a bot is running on {lock.database} ({holder}); the copy is "
              "the database as it is now, and what the bot does from now on stays behind: "
              "stop it before you switch", file=sys.stderr)
    try:
        moved = move_database(settings.database_url, args.target)
    except MoveFailed as exc:
        print(f"teampulse: {exc}", file=sys.stderr)
        return 1
    shown = mask_url(args.target)
    if moved.already:
        print(f"{shown} already holds every row of {mask_url(settings.database_url)} "
              f"(revision {moved.revision}): a move into it finished before; nothing was "
              "copied:", file=out)
    else:
        print(f"copied {mask_url(settings.database_url)} (revision {moved.revision}) into "
              f"{shown}:", file=out)
    filled = sorted((name, rows) for name, rows in moved.tables if rows)
    width = max((len(name) for name, _ in filled), default=5)
    for name, rows in filled:
        print(f"  {name:<{width}}  {rows:>9,}", file=out)
    empty = len(moved.tables) - len(filled)
    print(f"  {'total':<{width}}  {moved.total:>9,} rows in {len(moved.tables)} tables"
          + (f" ({empty} of them empty)" if empty else ""), file=out)
    password = " (your password in place of ***)" if shown != args.target else ""
    print(f"Next: with the bot stopped, put this line in .env{password} and start the bot "
          "(it rebuilds its scheduled jobs when it starts):", file=out)
    print(f"DATABASE_URL={shown}", file=out)
    return 0


def _personal_data(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`export PERSON` (JSON) and `erase PERSON --yes`."""
    from storage.db import create_db_engine, session_factory
    from storage.migrate import upgrade
    from storage.personal_data import erase_person, erased_already, export_person, find_person

    engine = create_db_engine(settings.database_url)
    try:
        upgrade(engine)
        with session_factory(engine).begin() as session:
            person = find_person(session, args.person)
            if person is None:
                print(f"teampulse: no person {args.person!r} in the database (use their key)"
                      f"{erased_already(session)}", file=sys.stderr)
                return 2
            if args.command == "erase" and not args.yes:
                # Whom it would erase, once the key is known to name someone: a mistyped
                # key was told to add --yes, only then that it names nobody.
                print(f"teampulse: erasing {person.display_name} ({person.key}) cannot be "
                      "undone; run again with --yes", file=sys.stderr)
                return 2
            if args.command == "export":
                text = json_text(export_person(session, person)) + "\n"
                if args.output is not None:
                    try:
                        # Like `backup FILE`: never over a file that is there, never a
                        # part of the export under its name (a full disk, a kill).
                        write_new_file(args.output, text)
                    except FileExistsError:
                        if args.output.is_dir():
                            # Not "File exists": what to give instead, a file in it.
                            print(f"teampulse: cannot write {args.output}: it is a folder; "
                                  "name the file to write, such as "
                                  f"{args.output / (person.key + '.json')}", file=sys.stderr)
                        else:
                            print(f"teampulse: {args.output} exists already; give a new "
                                  "file name", file=sys.stderr)
                        return 2
                    except OSError as exc:
                        print(f"teampulse: cannot write {args.output}: "
                              f"{exc.strerror or type(exc).__name__}", file=sys.stderr)
                        return 2
                    print(f"wrote everything stored about {person.key} to {args.output}",
                          file=out)
                else:
                    out.write(text)
                return 0
            key = person.key
            done = erase_person(session, person)
    finally:
        engine.dispose()
    print(f"erased {key}:", file=out)
    for line in done:
        print(f"  {line}", file=out)
    try:
        in_org = load_org(settings.org_file).person(key) is not None
    except OrgError:
        in_org = False
    if in_org:
        print(f"note: {key} is still in the org file {settings.org_file}; remove them there, "
              "or the bot will treat them as a new person from its next start", file=out)
    return 0


def _send_round(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Record a round request for the running bot, wait for its report, and print it."""
    from bot.clock import SystemClock
    from storage.db import create_db_engine, session_factory
    from storage.migrate import upgrade
    from storage.round_requests import RoundRequestRepo

    # `not 0 <= x <= max` refuses NaN too (no time is ever at or past it), and inf or 1e308
    # would wait for ever for a report the running bot gives in seconds.
    if not 0 <= args.wait <= MAX_ROUND_WAIT_SECONDS:
        print(f"teampulse: --wait must be from 0 to {MAX_ROUND_WAIT_SECONDS} seconds",
              file=sys.stderr)
        return 2
    org = load_org(settings.org_file)
    scope, name = "everyone", None
    if args.team is not None:
        from bot.team_names import team_key
        from handlers.answers import normalise

        teams = sorted({p.team for p in org.people if p.team})
        # Read as /checkin send reads it in chat: a stray space or full-width letters (a
        # Chinese input method's ＥＡＳＴ) name the same team.
        wanted = team_key(normalise(args.team))
        name = next((t for t in teams if team_key(t) == wanted), None)
        if name is None:
            from bot.chart_cli import no_team_line
            from bot.org import team_guess, team_spellings

            # As `summary --team` refuses it: each team once, and the one closest to a typo.
            guess = team_guess(org, args.team) if args.team.strip() else None
            line = no_team_line(args.team, sorted(team_spellings(org).values()), [], None,
                                guess, _gm_locale(org))
            print(f"teampulse: {line}", file=sys.stderr)
            return 2
        scope = "team"
    elif args.person is not None:
        from handlers.people_named import people_named, person_guesses

        # The person as /checkin send reads them (handlers/people_named.py).
        named = people_named(org.people, args.person)
        # Someone who has left the org file is told so, with the day, not "no person".
        wrong = (None if named else _left_of(settings, org, args.person, "check-ins")) or \
            one_named(named, args.person, "--person", unsent=True,
                      guesses=person_guesses(args.person, org.people, org),
                      locale=_gm_locale(org))
        if wrong:
            print(f"teampulse: {wrong}", file=sys.stderr)
            return 2
        scope, name = "person", named[0].key
    engine = create_db_engine(settings.database_url)
    try:
        upgrade(engine)  # a no-op when the bot has already migrated the database
        sessions = session_factory(engine)
        with sessions.begin() as session:
            # (The CLI's one clock, as its views read it: a test's fake one reads alike.)
            request_id = RoundRequestRepo(session).add(scope, name, "cli",
                                                       SystemClock().now()).id
        if args.wait == 0:
            # Asked not to wait: queued is the whole outcome, not a bot that failed to answer.
            print(f"Check-in round request #{request_id} queued{_to(scope, name)}; not waited "
                  "for (--wait 0): the running bot sends it within a few seconds, or when it "
                  "next runs.", file=out)
            return 0
        deadline = time.monotonic() + args.wait
        while True:
            with sessions() as session:
                request = RoundRequestRepo(session).get(request_id)
                assert request is not None
                status, result, error = request.status, request.result, request.error
            if status in {"done", "failed"} or time.monotonic() >= deadline:
                break
            round_wait_pause(ROUND_POLL_SECONDS)
    finally:
        engine.dispose()
    if status == "done":
        _print_round(result or {}, scope, name, out)
        return 0
    if status == "failed":
        print(f"teampulse: the round (request #{request_id}) failed part-way ({error}); see "
              "the bot's log. Whoever was prompted keeps their prompt; sending again asks only "
              "the rest.", file=sys.stderr)
        return 1
    if status == "running":
        print(f"teampulse: the bot is sending the round (request #{request_id}) but did not "
              f"finish within {args.wait:g} s; it goes on in the bot.", file=sys.stderr)
    else:
        print(f"teampulse: the bot did not pick up request #{request_id} within "
              f"{args.wait:g} s (is it running?). The request stays queued: the bot sends the "
              "round when it next runs.", file=sys.stderr)
    return 3


def _to(scope: str, name: str | None) -> str:
    """' to team East', ' to alice', or '' for everyone due."""
    return f" to team {name}" if scope == "team" else f" to {name}" if scope == "person" else ""


def _print_round(result: dict[str, list[str]], scope: str, name: str | None,
                 out: TextIO) -> None:
    print(f"Check-in round sent{_to(scope, name)}: {len(result.get('prompted', []))} "
          "prompted.", file=out)
    for outcome, label in (("prompted", "prompted"), ("already-prompted", "already prompted"),
                           ("away", "away"), ("unreachable", "unreachable"),
                           ("not-checking-in", "does not check in")):
        if result.get(outcome):
            print(f"  {label}: {', '.join(result[outcome])}", file=out)


def _check_database(settings: Settings, connect: bool, out: TextIO) -> int:
    """Say whether DATABASE_URL can work; with `connect`, try it (a short connection)."""
    from storage.db import DatabaseSetupError, check_database_url, create_db_engine

    try:
        url = check_database_url(settings.database_url)
    except DatabaseSetupError as exc:
        print(f"teampulse: {exc}", file=sys.stderr)
        return 2
    if not connect:
        print(f"database: {url.get_backend_name()} via {url.get_driver_name()} (driver "
              "installed; not connected: use 'config --check-db' to try)", file=out)
        return 0
    from storage.migrate import current_revision, head_revision, known_revisions

    engine = create_db_engine(settings.database_url)
    try:
        found = current_revision(engine)  # a DBAPIError here is reported by main()
        head = head_revision(engine)
    finally:
        engine.dispose()
    known = found is None or found in known_revisions()
    if found == head:
        state = "up to date"
    elif found is None:
        state = "empty: 'teampulse migrate' or 'run' sets it up"
    elif known:
        state = f"behind: 'teampulse migrate' brings it to {head}"
    else:
        state = f"unknown to this version, which knows up to {head}"
    print(f"database: {url.get_backend_name()} via {url.get_driver_name()}, connected; "
          f"revision {found or 'none'} ({state})", file=out)
    return 0 if known else 2


def _summary_view(ctx: Any, request: Any, locale: str, tz: str) -> tuple[Any, list[Any]]:
    """What `teampulse summary` shows: the GM's view (everyone, or one director's full
    picture above their history) and/or the check-in weeks (a team, a person)."""
    from handlers.context import one_moment
    from handlers.summary import resolve_week, summaries, was_director
    from handlers.summary_gm import build_gm_summary

    # Every statement reads the same moment; the GM's view on two connections at once.
    with one_moment(ctx, beside=request.kind in {"week", "trend"}) as seen:
        if request.kind in {"week", "trend"}:
            week = resolve_week(seen, request, tz)
            return build_gm_summary(seen, locale, week, request.weeks, tz), []
        result = summaries(seen, request, locale, tz, texts="all")
        view = None
        if request.kind == "person":
            found = seen.people.by_key(result[-1].people[0].key)
            # (None for weeks all before they were in the org file, or with no director's
            # block: as in chat.)
            if found is not None and was_director(found, result) \
                    and result[-1].people[0].status != "joined_later":
                view = build_gm_summary(seen, locale, result[-1].week, request.weeks, tz,
                                        only=found.key)
                view = view if view.directors else None
        return view, result


def _summary(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.app import prepare
    from handlers.answers import normalise
    from handlers.summary import MAX_WEEKS, SummaryRequest

    if args.chart or args.out:
        from bot.chart_cli import summary_chart
        return summary_chart(args, settings)
    if args.weeks is not None and not 1 <= args.weeks <= MAX_WEEKS:
        print(f"teampulse: --weeks must be from 1 to {MAX_WEEKS}", file=sys.stderr)
        return 2
    bot, engine = prepare(settings)
    kind = "person" if args.person is not None else "team" if args.team is not None else (
        "trend" if (args.weeks or 1) > 1 else "week")
    # The same defaults as /summary: a person's history is four weeks unless told.
    weeks = args.weeks or (4 if kind == "person" else 1)
    week = args.week.strip().lower() if args.week and args.week.strip().lower() in {
        "last", "this"} else args.week
    # (A team read as /summary team … reads it in chat: full-width ＥＡＳＴ is East.)
    request = SummaryRequest(kind, weeks=weeks, week=week, person=args.person,
                             team=None if args.team is None else normalise(args.team))
    try:
        return _summary_write(bot, args, request, kind, out)
    finally:
        engine.dispose()


@without_gc
def _summary_write(bot: Any, args: argparse.Namespace, request: Any, kind: str,
                   out: TextIO) -> int:
    """Build the summary asked for and write it out: with the collector held off until
    the view is freed (see bot/gc_pause.py), as /summary in chat."""
    from handlers.summary import (
        SummaryAmbiguousError,
        SummaryUnknownError,
        SummaryWeekError,
        render_summary,
        weeks_csv,
    )
    from handlers.summary_gm import render_gm, to_csv

    gm = next((p for p in bot.org.people if p.role == "gm"), bot.org.people[0])
    locale = args.locale or gm.locale
    with bot.unit() as ctx:
        try:
            view, result = _summary_view(ctx, request, locale, gm.timezone)
        except SummaryWeekError as exc:
            text = bot.renderer.message(locale, "summary_bad_week", "plain",
                                        value=exc.value, reason=exc.reason,
                                        example="--week last", cli=True, **exc.params)
            print(f"teampulse: --week: {text}", file=sys.stderr)
            return 2
        except SummaryAmbiguousError as exc:
            pairs = [(key, team) for key, _name, team in exc.people]
            print(f"teampulse: {namesakes_line(exc.args[0], pairs, '--person', locale)}",
                  file=sys.stderr)
            return 2
        except SummaryUnknownError as exc:
            if args.team is not None:
                from bot.chart_cli import no_team_line
                from bot.org import team_guess, team_spellings

                # Each team once, as the org file first writes it.
                teams = sorted(team_spellings(bot.org).values())
                guess = team_guess(bot.org, exc.args[0])
                print("teampulse: " + no_team_line(exc.args[0], teams, exc.gone, exc.last,
                                                   guess, locale), file=sys.stderr)
            else:
                # Who is close to a typo, as /summary names them in chat; also someone
                # taken out of the org file, whose history --person still prints.
                from handlers.people_named import person_guesses

                guesses = person_guesses(exc.args[0], ctx.people.everyone(), bot.org)
                print("teampulse: " + bot.renderer.message(
                    locale, "cli_no_person", "plain", typed=repr(exc.args[0]),
                    guesses=guessed(guesses)), file=sys.stderr)
            return 2
        if args.format == "json":
            data: dict[str, Any] = {"view": kind if kind in {"person", "team"} else "gm",
                                    "org": bot.org.name,
                                    "generated_at": bot.clock.now().isoformat()}
            if result:
                data["weeks"] = [w.to_dict() for w in result]
                if kind == "team":
                    # What the org file says of the team today, as the chat's view says
                    # it above past weeks: a script reading them can tell too.
                    data["team_now"] = result[-1].team_now or "in_org"
                if kind == "person":
                    # Since when they are out of the org file (each week's `left` says
                    # whether), in the GM's timezone as the Markdown's header says it.
                    left_on = result[-1].people[0].left_on
                    data["left_on"] = left_on.isoformat() if left_on else None
                if view is not None:  # a director: their five questions beside
                    data["director"] = view.to_dict()
            elif view is not None:
                data |= view.for_json()
            # The GM's view: its directors' views made into dicts as they are written
            # (json_bytes' `records`), not all of them first.
            dump_json(data, out, records=not result)
        elif args.format == "csv":
            # One row per person and week with --team/--person (a director's history
            # too, as --help says): the GM's row alone dropped every week but the last.
            start_csv(out).write(weeks_csv(result) if result else to_csv(view))
        else:
            text = render_gm(bot.renderer, locale, "markdown", view) if view else ""
            if result:
                text += ("\n\n" if text else "") + render_summary(
                    bot.renderer, locale, "markdown", request, result, bot.org.name)
            out.write(text + "\n")
    return 0


class _ConfiguredPlatforms:
    """Where the running bot would DM a person: the platforms the settings turn on, in the
    order `teampulse run` registers them (Slack, Telegram, then the console), as
    TeamPulse.dm_target picks them. The CLI queues; the running bot sends."""

    def __init__(self, settings: Settings) -> None:
        self.platforms = [name for name, on in (("slack", settings.slack_enabled),
                                                ("telegram", settings.telegram_enabled),
                                                ("console", settings.console_enabled)) if on]

    def dm_target(self, person: Any) -> Any:
        from bot.core import first_dm_target

        return first_dm_target(self.platforms, person)

    def markup(self, platform: str) -> str:
        return {"slack": "slack", "telegram": "telegram"}.get(platform, "plain")

    def supports_ephemeral(self, platform: str) -> bool:
        return platform == "slack"


def _gm_locale(org: Org) -> str:
    """The GM's language: that of a command's own lines where it has no --locale (as a
    view's Markdown is written in it by default)."""
    gm = next((p for p in org.people if p.role == "gm"), org.people[0] if org.people else None)
    return gm.locale if gm is not None else "en"


def _gm_timezone(org: Org) -> str:
    """The GM's timezone: the calendar a day someone left on is told on, as `summary`
    tells it."""
    return next((p.timezone for p in org.people if p.role == "gm"), org.timezone)


def _left_of(settings: Settings, org: Org, typed: str, what: str) -> str | None:
    """left_line for `typed` among the people stored (the org file no longer lists a
    leaver): None when it names no one who has left."""
    from sqlalchemy import select

    from storage.db import create_db_engine, session_factory
    from storage.migrate import upgrade
    from storage.models import Person

    engine = create_db_engine(settings.database_url)
    try:
        upgrade(engine)  # a no-op when the bot has already migrated the database
        with session_factory(engine)() as session:
            gone = list(session.scalars(select(Person).where(Person.active.is_(False))))
            return left_line(typed, gone, org, _gm_timezone(org), what)
    finally:
        engine.dispose()


def _digest(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Print or queue weekly digests now (see handlers/digest.py)."""
    from bot.app import prepare
    from bot.weeks import current_week, previous_week
    from handlers.context import Context
    from handlers.digest import build_digest, digest_week, gets_digest, queue_digest
    from handlers.people_named import fold, people_named, person_guesses
    from handlers.summary import SummaryWeekError, check_week
    from storage.digest import DigestRepo

    bot, engine = prepare(settings)
    try:
        with bot.sessions() as session:
            ctx = Context(session=session, renderer=bot.renderer, clock=bot.clock,
                          settings=settings, org=bot.org, addressbook=_ConfiguredPlatforms(
                              settings))
            everyone = [p for p in DigestRepo(session).recipients() if gets_digest(p)]
            if args.to is None:
                # The GM's first (the whole org's), then the directors' by key.
                chosen = sorted(everyone, key=lambda p: p.role != "gm")
            elif fold(args.to) == "gm":  # also ＧＭ, as a Chinese input method types it
                chosen = [p for p in everyone if p.role == "gm"]
            else:
                # The person as every other command reads them (handlers/people_named.py),
                # among all active people: a namesake who gets no digest is not guessed away.
                named = people_named(ctx.people.active(), args.to, ctx.org)
                # Someone who has left is told so, with the day (not "no person"); a typo
                # is told who is close among those a digest goes to.
                gone = None if named else left_line(args.to, ctx.people.everyone(), ctx.org,
                                                    _gm_timezone(bot.org), "digests")
                wrong = gone or one_named(named, args.to, "--to", unsent=True,
                                          gm=True, locale=_gm_locale(ctx.org),
                                          guesses=person_guesses(args.to, everyone, ctx.org))
                if wrong:
                    print(f"teampulse: {wrong}", file=sys.stderr)
                    return 2
                chosen = [p for p in everyone if p.id == named[0].id]
                if not chosen:
                    names = ", ".join(["gm", *(p.key for p in everyone if p.role != "gm")])
                    print(f"teampulse: --to {args.to!r}: no digest goes to them (choose one "
                          f"of: {names})", file=sys.stderr)
                    return 2
            week: str | None = None
            typed = (args.week or "").strip()
            now = bot.clock.now()
            # An empty --week given ('--week "$WEEK"', WEEK unset) is a bad week, not the
            # default one: it is refused as any other.
            if args.week is not None and typed.lower() != "last":
                today = current_week(now, bot.org.timezone)
                try:
                    week = check_week(typed, today)
                except SummaryWeekError:
                    week = None
                if week is None or week > today:
                    print(f"teampulse: --week {typed!r}: expected a past or the current ISO "
                          "week such as 2026-W48, or 'last'", file=sys.stderr)
                    return 2
            code = 0
            for person in chosen:
                this = week or digest_week(settings, person.timezone, now)
                if typed.lower() == "last":
                    this = previous_week(current_week(now, person.timezone))
                if args.dry_run:
                    digest = build_digest(ctx, person, this, "markdown")
                    chart = f"{len(digest.chart)} bytes" if digest.chart is not None \
                        else "none: no figures in its weeks, or it could not be drawn (logged)"
                    print(f"## Digest for {person.key}, {this}\n\n{digest.text}\n\n"
                          f"[chart: {digest.caption} — {chart}]\n", file=out)
                    continue
                outcome = queue_digest(ctx, person, this, "cli")
                if outcome == "queued":
                    print(f"{person.key}: digest of {this} queued", file=out)
                elif outcome == "already":
                    # Not "sent before": queued with no bot running, it has not gone out.
                    print(f"{person.key}: the digest of {this} was queued or sent before "
                          "(the running bot sends what is queued); not queued again", file=out)
                else:
                    code = 1
                    # A telegram_username is bound to an id only once they write to the bot.
                    how = ("they must write to the bot on Telegram once, so their "
                           "telegram_username is bound to their account"
                           if settings.telegram_enabled and person.telegram_username
                           and person.telegram_id is None
                           else "set their slack_id or telegram_id in the org file")
                    print(f"{person.key}: not reachable on any configured platform ({how})",
                          file=out)
            if not args.dry_run:
                session.commit()  # the claims and the outbox rows together
    finally:
        engine.dispose()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
