"""How the `teampulse` views print: one JSON dumper, one CSV writer, one `--format` option.

Every view (kudos, one-on-ones, pulse results, reviews, goals) writes through these, so
the formats behave alike: JSON is UTF-8 with a stable key order (the order the view
builds, the same on every run) and ISO 8601 dates; CSV has one header row and one row
per record, with plain numbers, ISO dates and no cell a spreadsheet would run as a
formula. The JSON of each view is described by `docs/schema/<view>.schema.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO

import orjson

from bot.questions import LOCALES
from bot.text import clean_text

#: Every format a view may offer (a view that is not a table offers md and json only).
FORMATS = ("md", "json", "csv")
#: The byte-order mark every CSV starts with: Excel reads a CSV without one in the
#: system's ANSI code page (GBK on a Chinese Windows), which turns UTF-8 names into mojibake.
CSV_BOM = "\ufeff"
#: A spreadsheet runs a cell starting with one of these as a formula (or DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# JSON escapes C0 controls itself, not DEL and C1 (which some terminals obey): in UTF-8.
_C1_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def add_locale(parser: argparse.ArgumentParser, of: str | None = "the Markdown") -> None:
    """The `--locale` option, the same wording on every view (`of`: what it is the
    language of; None for the whole output)."""
    what = f"language of {of}" if of else "language"
    parser.add_argument("--locale", choices=LOCALES, default=None,
                        help=f"{what} (default: the GM's)")


def add_format(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS,
               default: str = "md") -> None:
    """The `--format` option, the same wording on every view."""
    parser.add_argument("--format", choices=tuple(formats), default=default,
                        help=f"{', '.join(formats)} (default: {default})")


def _plain(value: Any) -> Any:
    """What orjson does not write itself: sets as sorted lists (dates and times it writes
    as ISO 8601, as `isoformat()` does)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _record(value: Any) -> Any:
    """_plain, and a record (a dataclass, passed through to here) as its `as_dict()`."""
    as_dict = getattr(value, "as_dict", None)
    if as_dict is not None:
        return as_dict()
    return _plain(value)


def utf8(out: TextIO) -> TextIO:
    """`out` switched to UTF-8 if it is a stream that can be (stdout on a server whose
    locale is Latin-1 or GBK): every view prints UTF-8 whatever the locale, as README
    says, instead of failing on the first 李雷 (or, for a CSV, announcing UTF-8 with its
    byte-order mark in front of another encoding)."""
    encoding = (getattr(out, "encoding", None) or "utf-8").replace("_", "-").lower()
    if encoding not in {"utf-8", "utf8"} and hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    return out


def json_bytes(data: Any, records: bool = False) -> bytes:
    """`data` as indented (2 spaces) UTF-8 JSON, DEL and C1 controls escaped.

    orjson, not the standard library: `json.dumps` with `indent` runs its pure-Python
    encoder, which took most of `teampulse summary --format json` for 1,000 directors.

    `records`: every dataclass in `data` is written as its `as_dict()` returns it, called
    as orjson reaches it. A list of 10,000 directors' views is then made into dicts one
    director at a time, each written and freed while still in the CPU's cache: some 40%
    less time than all the dicts made first, written, then freed (and a fraction of the
    memory).
    """
    default, option = (_record, orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS) \
        if records else (_plain, orjson.OPT_INDENT_2)
    try:
        # Keys as strings first: orjson's path for other keys (an int key, written as
        # json.dumps writes it) is some 20% slower on every dict, and a summary of 10,000
        # directors has 200,000 of them, all keyed by strings.
        raw = orjson.dumps(data, default=default, option=option)
    except orjson.JSONEncodeError:
        raw = orjson.dumps(data, default=default, option=option | orjson.OPT_NON_STR_KEYS)
    # JSON escapes C0 controls itself, not DEL and C1 (which some terminals obey). In
    # UTF-8 every C1 control is byte 0xC2 and a byte 0x80-0x9F, and 0xC2 never occurs
    # inside another character: two byte searches rule most exports out (a
    # 10,000-director summary is tens of MB).
    if b"\x7f" not in raw and b"\xc2" not in raw:
        return raw
    return _C1_UTF8.sub(lambda m: b"\\u%04x" % ord(m.group().decode()), raw)


def json_text(data: Any, records: bool = False) -> str:
    """`data` as `json_bytes` writes it, as text."""
    return json_bytes(data, records).decode()


def dump_json(data: Any, out: TextIO, records: bool = False) -> None:
    """Write `data` as indented UTF-8 JSON and a newline (`records`: as json_bytes').

    To a stream with bytes beneath (stdout, a file), the bytes go straight down: the
    export of 10,000 directors is tens of MB, which decoding to text and encoding again
    would copy twice over.
    """
    raw = json_bytes(data, records)
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").replace("_", "-").lower()
    if buffer is not None and encoding in {"utf-8", "utf8"}:
        out.flush()  # what was written as text first stays first
        buffer.write(raw)
        buffer.write(b"\n")
    else:
        out.write(raw.decode() + "\n")


def csv_cell(value: Any) -> str:
    """One value as a CSV cell: not localised, and never a formula.

    Numbers are plain (`52000`, `0.35`: no thousands separator), dates ISO 8601,
    booleans `true`/`false`, nothing an empty cell, a list its items joined by `;`.
    Text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe,
    so a name such as "=cmd|' /C calc'!A0" is shown, not run, by a spreadsheet.
    """
    text = _raw(value)
    if isinstance(value, str | list | tuple) and text.startswith(FORMULA_START):
        return "'" + text  # numbers stay numbers: -5 is not a formula
    return text


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(_raw(v) for v in value)
    return clean_text(str(value))


def start_csv(out: TextIO) -> TextIO:
    """`out` ready for a CSV: UTF-8 whatever the locale says, and the BOM written.

    Returns the stream to write to (stdout switched to UTF-8 if it was not, so the BOM
    never announces UTF-8 in front of GBK or Latin-1).
    """
    out = utf8(out)
    out.write(CSV_BOM)
    return out


def write_csv(out: TextIO, fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """The BOM, one header row of `fields`, then one row per record (missing fields empty)."""
    writer = csv.writer(start_csv(out), lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_cell(row.get(f)) for f in fields])


def namesakes_line(typed: str, people: Iterable[tuple[str, str | None]], how: str,
                   locale: str = "en", unsent: bool = False) -> str:
    """A name several people share, as every command here answers it: none of them picked,
    each with what to type instead (`how`: '--person', 'review') and their team, in
    `locale` (the org's language); `unsent`: it adds that nothing was sent.
    `people`: (key, team) pairs."""
    from bot.render import shared_renderer

    return shared_renderer().message(locale, "cli_namesakes", "plain", typed=repr(typed),
                                     people=sorted(people), how=how, unsent=unsent)


def left_line(typed: str, people: Iterable[Any], org: Any, tz: str, what: str) -> str | None:
    """Why `typed`, naming someone who has left the org (among `people`, stored: a Person
    no longer active), is sent nothing, as `checkin send --person` and `digest --to` say
    it: "Sam Lee (sam) left the org on 2026-11-30 …: a leaver is not sent `what`;
    nothing was sent" (the day on the calendar of `tz`). None when it names no one such
    (or several: the "no person" line then stands)."""
    from handlers.people_named import people_named
    from storage.models import left_on

    named = people_named([p for p in people if not p.active], typed, org)
    if len(named) != 1:
        return None
    who = named[0]
    day = left_on(who.left_at, tz)
    when = f"on {day.isoformat()} ({tz})" if day else "(the day is not on record)"
    return (f"{who.display_name} ({who.key}) left the org {when}: a leaver is not sent "
            f"{what}; nothing was sent")


def guessed(guesses: Sequence[tuple[str, str]], more: Sequence[str] = ()) -> list[str]:
    """What to type instead, quoted: "'alice' (Alice Martin)" for each (key, name)
    guessed, then `more` (already worded: 'team East')."""
    return [f"{key!r} ({name})" if name and name != key else repr(key)
            for key, name in guesses] + [repr(m) for m in more]


def guesses_hint(guesses: Sequence[tuple[str, str]], more: Sequence[str] = ()) -> str:
    """" (did you mean 'alice' (Alice Martin)?)": what to type instead for each (key, name)
    guessed, then `more` (already worded: 'team East'); "" when nothing is close."""
    said = guessed(guesses, more)
    if not said:
        return ""
    return " (did you mean " + (", ".join(said[:-1]) + " or " if len(said) > 1 else "") \
        + said[-1] + "?)"


def one_named(named: list[Any], typed: str, how: str, director: bool = False,
              unsent: bool = False, gm: bool = False,
              guesses: Sequence[tuple[str, str]] = (), locale: str = "en") -> str | None:
    """Why `named` (whom `typed` names, handlers/people_named.people_named) is not one
    person, as every command here says it, in `locale` (the org's language: --locale,
    else the GM's); None when it is. `how`: what to type before a key ('--person',
    'review'); `director`: the "nobody" line asks for the director's key; `gm`: it offers
    gm too; `unsent`: the namesakes line says nothing was sent; `guesses`: who is close
    to a typo (person_guesses), named on the "nobody" line."""
    from bot.render import shared_renderer
    from handlers.people_named import namesakes

    if len(named) > 1:
        return namesakes_line(typed, namesakes(named), how, locale, unsent)
    if not named:
        return shared_renderer().message(locale, "cli_nobody_named", "plain",
                                         typed=repr(typed), guesses=guessed(guesses),
                                         director=director, gm=gm)
    return None


def write_new_file(path: Path, text: str) -> None:
    """Write `text` to `path`, a file that is not there yet, whole or not at all.

    FileExistsError if `path` is there (never written over, as `backup FILE` is not); any
    other OSError (a full disk, no such folder) leaves nothing under `path` nor beside it.
    The text goes to a file of its own in the same folder first (readable by this user
    alone: an export holds a person's data), linked to `path` once written: a part of it
    under the name would pass for the whole, and block the next try as 'exists already'."""
    if path.exists() or path.is_symlink():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temp, path)  # fails, changing nothing, if `path` is there by now
        except FileExistsError:
            raise
        except OSError:
            # A file system without hard links (some network shares): renamed instead.
            if path.exists():
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST),
                                      str(path)) from None
            os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
