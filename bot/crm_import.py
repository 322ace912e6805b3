"""CRM actuals: reading a CRM report export (CSV) into rows of person, metric, day/week
and value, and importing them as one replaceable batch per source file.

A file is read whole before anything is stored: any bad row refuses the whole file,
each bad row named by its line number, so nothing is ever half-imported. Importing the
same content again changes nothing, however the file was saved (files are compared by
their rows); a corrected file (same name, new content) replaces the rows it brought
before. Rows other files brought too are never counted again unseen (see import_actuals).
"""

from __future__ import annotations

import codecs
import csv
import errno
import functools
import hashlib
import io
import re
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.file_words import os_reason
from bot.readers import GM
from bot.suggest import closest
from bot.text import Problem, count_text, problems_text
from bot.weeks import parse_week, week_of, week_start, weeks_in_year

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.goals import RowKey

_METRIC = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True)
class CrmFormat:
    """Which columns of an export hold what. `metric` fixes the metric for every row;
    `metric_column` reads it per row instead."""

    name: str
    person: str
    value: str
    date: str | None = None
    week: str | None = None
    metric: str | None = None
    metric_column: str | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
    #: A deal-stage column, if the export has it: only rows at a `won` stage are actuals
    #: (an opportunity report lists lost and open deals too).
    stage: str | None = None
    won: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        """The columns a file must have to be read in this format."""
        cols = [self.person, self.value, self.date or self.week or ""]
        return [c for c in [*cols, self.metric_column or ""] if c]


#: Built-in formats, tried after the org's own: a Salesforce opportunity report
#: ("Opportunity Owner, Close Date, Amount"; US dates), the usual headers of Chinese
#: CRM exports (销售易, 纷享销客: 销售负责人, 成交日期, 金额), and a plain
#: person/metric/date-or-week/value file.
PRESETS: tuple[CrmFormat, ...] = (
    # Salesforce writes dates in the exporting user's locale: 11/23/2026 (US), 23/11/2026
    # (UK and most of the world: see _day_first), 2026/11/23 (China, Japan), 23.11.2026.
    CrmFormat("salesforce", person="Opportunity Owner", date="Close Date", value="Amount",
              metric="revenue", date_formats=("%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y"),
              stage="Stage", won=("Closed Won",)),
    CrmFormat("chinese", person="销售负责人", date="成交日期", value="金额", metric="revenue",
              stage="销售阶段", won=("赢单", "成交", "已成交", "赢单成交")),
    CrmFormat("teampulse-daily", person="person", date="date", value="value",
              metric_column="metric"),
    CrmFormat("teampulse-weekly", person="person", week="week", value="value",
              metric_column="metric"),
)


@dataclass(frozen=True)
class CrmSettings:
    """The org file's `crm:` section."""

    tolerance: float = DEFAULT_TOLERANCE
    watch_folder: Path | None = None
    owners: dict[str, str] = field(default_factory=dict)  # CRM name or e-mail (lower) -> key
    formats: tuple[CrmFormat, ...] = ()
    #: (CRM name as written, key) of owners mapped to someone not in the file: someone who
    #: left (their deals still count) or a mistake; only the database can tell which
    #: (see owners_not_in_file).
    not_in_file: tuple[tuple[str, str], ...] = ()

    def all_formats(self) -> tuple[CrmFormat, ...]:
        """The org's own formats first, then the presets."""
        return self.formats + PRESETS


_FORMAT_FIELDS = {"name", "person", "value", "date", "week", "metric", "metric_column",
                  "date_format", "stage", "won"}


def load_crm_settings(raw: Any, org_path: Path, keys: set[str],
                      problems: list[str]) -> CrmSettings:
    """Validate the `crm:` section, adding each problem found."""
    if raw is None:
        return CrmSettings()
    if not isinstance(raw, dict):
        problems.append(Problem(
            "crm: expected a mapping (tolerance, watch_folder, owners, formats)",
            "crm：应为映射（tolerance、watch_folder、owners、formats）"))
        return CrmSettings()
    unknown = sorted(str(k) for k in set(raw) - {"tolerance", "watch_folder", "owners",
                                                   "formats"})
    if unknown:
        problems.append(Problem(
            f"crm: unknown field(s) {', '.join(unknown)} (use tolerance, "
            "watch_folder, owners, formats)",
            f"crm：未知的字段 {', '.join(unknown)}（请用 tolerance、watch_folder、owners、"
            "formats）"))
    tolerance = raw.get("tolerance", DEFAULT_TOLERANCE)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) \
            or not 0 <= tolerance < 10:
        problems.append(Problem("crm.tolerance: must be a fraction such as 0.1 (10%)",
                                "crm.tolerance：必须是小数，例如 0.1（10%）"))
        tolerance = DEFAULT_TOLERANCE
    folder = raw.get("watch_folder")
    watch = None
    if folder is not None:
        watch = Path(str(folder))
        watch = watch if watch.is_absolute() else org_path.parent / watch
    owners: dict[str, str] = {}
    owners_raw = raw.get("owners") or {}
    if not isinstance(owners_raw, dict):
        problems.append(Problem(
            "crm.owners: expected a mapping of CRM owner name or e-mail to a key",
            "crm.owners：应为从 CRM 负责人姓名或邮箱到 key 的映射"))
        owners_raw = {}
    not_in_file: list[tuple[str, str]] = []
    written: dict[str, tuple[str, str]] = {}  # matched as -> (as written, key)
    for name, key in owners_raw.items():
        if str(key) not in keys:
            # Someone who left keeps their CRM name: their deals must still map to them.
            not_in_file.append((str(name), str(key)))
        same = written.setdefault(person_name_key(str(name)), (str(name), str(key)))
        if same[1] != str(key):
            # Matched alike, the last entry took the deals of both spellings.
            problems.append(Problem(
                f"crm.owners: {same[0]!r} and {str(name)!r} are the same CRM name "
                "(matched whatever the case, width or spacing) but map to "
                f"{same[1]} and {key}: keep the one that is right",
                f"crm.owners：{same[0]!r} 和 {str(name)!r} 是同一个 CRM 名称"
                f"（不论大小写、全半角或空格），却分别对应 {same[1]} 和 {key}：请只保留正确的那个"))
        owners[str(name).strip().casefold()] = str(key)
    formats: list[CrmFormat] = []
    for i, f in enumerate(raw.get("formats") or []):
        where = f"crm.formats[{i}]"
        if not isinstance(f, dict):
            problems.append(Problem(f"{where}: expected a mapping of columns",
                                    f"{where}：应为列的映射"))
            continue
        bad = sorted(str(k) for k in set(f) - _FORMAT_FIELDS)
        if bad:
            problems.append(Problem(
                f"{where}: unknown field(s) {', '.join(bad)} (allowed: "
                f"{', '.join(sorted(_FORMAT_FIELDS))})",
                f"{where}：未知的字段 {', '.join(bad)}（可用的字段："
                f"{', '.join(sorted(_FORMAT_FIELDS))}）"))
        missing = [k for k in ("name", "person", "value") if not f.get(k)]
        if missing:
            problems.append(Problem(f"{where}: {', '.join(missing)} missing",
                                    f"{where}：缺少 {', '.join(missing)}"))
        if bool(f.get("date")) == bool(f.get("week")):
            problems.append(Problem(
                f"{where}: give the date column or the week column (one of them)",
                f"{where}：请给出 date 列或 week 列（二者之一）"))
        if bool(f.get("metric")) == bool(f.get("metric_column")):
            problems.append(Problem(
                f"{where}: give metric (one for every row) or metric_column",
                f"{where}：请给出 metric（所有行共用一个）或 metric_column"))
        if f.get("metric") and not _METRIC.match(str(f["metric"])):
            problems.append(Problem(
                f"{where}: metric {f['metric']!r} must be a short lower-case name",
                f"{where}：metric {f['metric']!r} 必须是简短的小写名称"))
        # A deal export (HubSpot's, Pipedrive's) lists lost and open deals too: without
        # its stage column named, every one of them counted as revenue.
        won = f.get("won")
        won = [won] if isinstance(won, str) else won
        if f.get("stage") is not None and (not isinstance(won, list) or not won or not all(
                isinstance(w, str) and w.strip() for w in won)):
            problems.append(Problem(
                f"{where}: with stage, give won: the stage or stages of a won "
                "deal (won: [Closed won])",
                f"{where}：给了 stage 就要给 won：赢单的一个或多个阶段（won: [Closed won]）"))
            continue
        if won is not None and f.get("stage") is None:
            problems.append(Problem(
                f"{where}: won needs stage, the column holding each deal's stage",
                f"{where}：won 需要 stage，即记录每笔交易阶段的那一列"))
            continue
        if missing or bad:
            continue
        date_format = f.get("date_format")
        if date_format is not None and not _reads_dates(str(date_format)):
            said = _date_format_problem(str(date_format))
            problems.append(Problem(f"{where}: {said}", f"{where}：{said.zh}"))
            continue
        formats.append(CrmFormat(
            str(f["name"]), str(f["person"]), str(f["value"]),
            date=f.get("date"), week=f.get("week"), metric=f.get("metric"),
            metric_column=f.get("metric_column"),
            date_formats=(str(date_format),) if date_format else CrmFormat.date_formats,
            stage=str(f["stage"]) if f.get("stage") is not None else None,
            won=tuple(str(w).strip() for w in won or ())))
    return CrmSettings(float(tolerance), watch, owners, tuple(formats), tuple(not_in_file))


#: Excel's, Java's and most CRMs' way of writing a date pattern -> strptime's codes.
_PATTERN_TOKENS = re.compile(r"yyyy|yy|MM|dd|HH|hh|mm|ss", re.IGNORECASE)


def _reads_dates(pattern: str) -> bool:
    """Whether strptime reads a day, with its year, month and day, in this pattern."""
    day = datetime(2026, 11, 24, 13, 45, 30)
    try:
        return datetime.strptime(day.strftime(pattern), pattern).date() == day.date()
    except ValueError:
        return False


def _date_format_problem(pattern: str) -> Problem:
    """What is wrong with a date_format no date reads with, and the strptime pattern it
    likely means ('YYYY-MM-DD' -> '%Y-%m-%d'), in both languages."""
    timed = re.search("h", pattern, re.IGNORECASE) is not None

    def code(match: re.Match[str]) -> str:
        token = match[0]
        if token == "mm" and timed:
            return "%M"  # minutes beside the hours; MM or mm alone is the month
        return {"yyyy": "%Y", "yy": "%y", "mm": "%m", "dd": "%d", "hh": "%H",
                "ss": "%S"}[token.lower()]

    meant = _PATTERN_TOKENS.sub(code, pattern) if "%" not in pattern else ""
    known = bool(meant) and _reads_dates(meant)
    hint = f" (did you mean {meant!r}?)" if known else ""
    hint_zh = f"（是不是 {meant!r}？）" if known else ""
    return Problem(
        f"date_format {pattern!r} is not a date pattern as teampulse reads it{hint}: a "
        "pattern is written with Python's codes, %Y the year, %m the month, %d the day "
        "(%Y-%m-%d, %d/%m/%Y, %m/%d/%Y %H:%M)",
        f"date_format {pattern!r} 不是 teampulse 能读的日期格式{hint_zh}：格式用 Python 的代码"
        "书写，%Y 是年，%m 是月，%d 是日（%Y-%m-%d、%d/%m/%Y、%m/%d/%Y %H:%M）")


@dataclass(frozen=True, slots=True)
class CrmRow:
    """One figure from an export: the file's line, whose, which metric, when, how much."""

    line: int
    person_key: str
    metric: str
    day: date | None
    week: str
    value: float


@dataclass(frozen=True)
class CrmProblem:
    """One thing wrong with a CRM file or one of its rows, said in the reader's language:
    `code` is a case of the `crm_problem` message (templates/<locale>/messages/goals.j2),
    `params` fill it in. A Chinese GM's DM about a refused file read its rows' reasons in
    English when they were made here as text."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        """The problem in a language, plain text (English: the CLI's and the log's)."""
        from bot.render import shared_renderer

        return shared_renderer().message(locale, "crm_problem", "plain", problem=self)

    def __str__(self) -> str:
        return self.text()


def _weeks_of_year(text: str) -> dict[str, int]:
    """For a week its year does not have ('2025-W53': 2025 has 52), the year and its last
    week, so the problem can say so; nothing for anything else."""
    found = re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", text.strip())
    if found is None or not 1 <= int(found.group(1)) <= 9998 or int(found.group(2)) < 1:
        return {}
    year = int(found.group(1))
    return {"year": year, "last": weeks_in_year(year)}


def _problem(code: str, **params: Any) -> CrmProblem:
    return CrmProblem(code, params)


#: What is wrong with a file: (line, its problems), line 0 for the file as a whole.
Errors = list[tuple[int, tuple[CrmProblem, ...]]]


@dataclass
class ParsedExport:
    """A whole file read: its format, its rows, and every bad row (line, problems)."""

    format: str | None
    rows: list[CrmRow] = field(default_factory=list)
    errors: Errors = field(default_factory=list)
    not_won: list[str] = field(default_factory=list)  # the stage of each row left out
    #: (person key, metric, week, lines) of a file by week that gives one person's week
    #: on several lines: added up, and said (see repeated_weeks).
    repeated: list[tuple[str, str, str, tuple[int, ...]]] = field(default_factory=list)
    #: (person key, metric, week) -> (line, value as written) of each rate row: another
    #: file's rate of the same week would be added to it (see rates_elsewhere).
    rates: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)
    #: The value column's name, as a row's problem names it.
    value_column: str = "value"


class CrmImportError(ValueError):
    """A file that cannot be imported; `errors` are (line, problems), line 0 for the file."""

    def __init__(self, source: str, errors: Errors) -> None:
        super().__init__(source)
        self.source = source
        self.errors = errors

    def reasons(self, locale: str = "en") -> list[tuple[int, str]]:
        """(line, what is wrong with it) in a language, a row's problems joined."""
        joint = "；" if locale == "zh-CN" else "; "
        return [(n, joint.join(p.text(locale) for p in problems))
                for n, problems in self.errors]

    def __str__(self) -> str:
        # The CLI's words (English, as its every other line): rendered only when said.
        lines = "\n".join(f"  - line {n}: {why}" if n else f"  - {why}"
                          for n, why in self.reasons())
        return f"{self.source}: nothing imported, {problems_text(len(self.errors))}:\n{lines}"


@dataclass(frozen=True)
class ImportResult:
    """What an import did: 'new', 'replaced' (a corrected file), 'unchanged' (this file's
    rows as imported before), 'duplicate' (the rows of another file already imported,
    named in `same_as`), or 'covered' (a new file every row of which other files already
    brought, named in `matches`: nothing stored)."""

    source: str
    status: str
    rows: int
    replaced_rows: int = 0
    format: str | None = None
    same_as: str | None = None
    not_won: tuple[str, ...] = ()  # stages of the rows left out (lost or open deals)
    #: (line, day or week) of rows dated after the import's day: they count only from then,
    #: so a mistyped year is pointed out rather than missing from the goals unseen.
    future: tuple[tuple[int, str], ...] = ()
    #: (file, how many rows) of other files that brought rows equal to some of this one's
    #: (person, metric, day or week, value), most first: counted again if imported, so a
    #: double count is pointed out rather than unseen.
    matches: tuple[tuple[str, int], ...] = ()
    matched: int = 0  # how many of its rows equal a row of another file
    #: (file, rows) of files every row of which this one holds: replaced by this one.
    superseded: tuple[tuple[str, int], ...] = ()
    #: (person key, metric, week, lines) given on several lines of a file by week, added up.
    repeated: tuple[tuple[str, str, str, tuple[int, ...]], ...] = ()


def decodings(data: bytes) -> list[str]:
    """The file's text in each encoding it may be in: UTF-8 (with or without the BOM Excel
    writes) alone if it is UTF-8, else GB18030 (Chinese Excel's "CSV") and Windows-1252
    (Western European Excel's "CSV": Germany, France…), each that decodes it. Raises
    UnicodeDecodeError if none does. A file with a UTF-16 byte order mark (Excel's
    "Unicode Text", tab-separated) is read as UTF-16 alone."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Read as GB18030 its every other byte a NUL, it was "not valid CSV: its lines end
        # with a lone carriage return".
        return [data.decode("utf-16")]
    try:
        return [data.decode("utf-8-sig")]
    except UnicodeDecodeError as exc:
        failure = exc
    texts: list[str] = []
    for encoding in ("gb18030", "cp1252"):
        try:
            texts.append(data.decode(encoding))
        except UnicodeDecodeError as exc:
            failure = exc
    if not texts:
        raise failure
    return texts


def parse_bytes(data: bytes, settings: CrmSettings, people: Iterable[tuple[str, str]],
                format_name: str | None = None) -> ParsedExport:
    """parse_export of a file's bytes, read in the encoding in which it makes sense: both
    GB18030 and Windows-1252 decode almost any bytes, and each garbles the other's text
    ('Jürgen Müller' read as GB18030 is 'J黵gen M黮ler', not a person of the org). Of the
    readings, the first without a problem, else the one that finds a header and names
    the fewest bad lines. Raises UnicodeDecodeError if no encoding decodes the file."""
    best: ParsedExport | None = None
    for text in decodings(data):
        parsed = parse_export(text, settings, people, format_name)
        if not parsed.errors:
            return parsed
        if best is None or (parsed.format is not None, -len(parsed.errors)) > (
                best.format is not None, -len(best.errors)):
            best = parsed
    assert best is not None
    return best


_TOTAL_ROWS = {"total", "grand total", "合计", "总计"}
@functools.cache
def _currency() -> re.Pattern[str]:
    """A currency before or after a figure, a sign anywhere, and spaces: what a value is
    read without. The check-in's names (handlers.answers), so an INR org's export reads
    '₹40,000', 'INR 12500' and 'Rs. 5000' (they were "not a number"); which currency a
    row names is checked against the KPI's (other_currency) where one is known."""
    from handlers.answers import currency_names_pattern, currency_signs

    names, signs = currency_names_pattern(), re.escape(currency_signs())
    # (A sign anywhere, as inside an accounting negative's parentheses: '(₹400)'.)
    return re.compile(rf"(?i)^(?:{names})\.?\s*|\s*(?:{names})\.?$|[{signs}\s]")


def _nfkc(text: str) -> str:
    # Full-width digits, commas and letters (a Chinese keyboard's) read as plain ones.
    return unicodedata.normalize("NFKC", text)


def person_name_key(text: str) -> str:
    """How a person's key, name or CRM owner is matched: whatever the case, width
    ('ａｌｉｃｅ') or spacing ('Sam  Lee')."""
    return " ".join(_nfkc(text).split()).casefold()


#: A unit of ten after a figure ('1.5k', '2.6万', '3 Mio.'), letters of any script, inside
#: or after an accounting negative's parentheses: which word is one is the check-in's
#: table (_scale); here only where a figure may end.
_SUFFIX = r"(?:[^\W\d_]+\.?)?"
#: Commas as thousands separators only: "1,5" or "12.500,00" (a decimal comma) is refused,
#: not read as 15 or 12.5. India's lakhs and crores ('₹8,00,000', '1,23,45,678') are
#: grouped thousands too, as the check-in reads them ('Rs. 41,00,000'): an Indian team's
#: export was refused "a comma may only separate thousands".
_GROUPED = re.compile(r"^\(?[-+]?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d*)?"
                      + _SUFFIX + r"\)?" + _SUFFIX + "$")
#: Every minus sign a report writes: the typeset one (U+2212), the figure dash (U+2012), the
#: en and em dashes (U+2013, U+2014) a word processor or a phone makes of a typed '-' (the
#: check-in reads a leading en or em dash so too); NFKC leaves them all as they are.
_MINUS_SIGNS = str.maketrans(dict.fromkeys("\u2212\u2012\u2013\u2014", "-"))
#: A minus after the figure, as SAP and other ERP exports write a negative ('500-',
#: '1.234,56-'): the figure alone before it, no sign or parenthesis of its own.
_TRAILING_MINUS = re.compile(r"^(\d[^-+()]*)-$")


def _plain(text: str) -> str:
    """A value as it is read: NFKC, every minus sign '-', the currency and spaces left
    out, and a minus after the figure put before it ('500-' is '-500')."""
    cleaned = _currency().sub("", _nfkc(text.translate(_MINUS_SIGNS)).strip())
    trailing = _TRAILING_MINUS.match(cleaned)
    return "-" + trailing.group(1) if trailing else cleaned


def misplaced_comma(text: str) -> bool:
    """Whether a value has a comma that does not separate thousands (a decimal comma)."""
    cleaned = _plain(text)
    return "," in cleaned and not _GROUPED.match(cleaned)


#: A number as written where the decimal mark is a comma: 12.500,00, 12500,5, 1.250.000.
_COMMA_DECIMAL = re.compile(r"^\(?[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?" + _SUFFIX
                            + r"\)?" + _SUFFIX + "$")
#: An accounting negative with a sign too: '(-5)', '(+1,000)', '(5)-', '(5-)'.
_TWICE_NEGATIVE = re.compile(r"^\(\s*[-+]\s*\d.*\)$|^\(.*\d.*\)-$|^\(.*\d.*-\)$")
#: A sign before the figure and a minus after it: '-500-', '+500-'.
_TWO_SIGNS = re.compile(r"^[-+]\d.*-$")
_DOT_GROUPS = re.compile(r"^\(?[-+]?\d{1,3}(?:\.\d{3})+" + _SUFFIX + r"\)?" + _SUFFIX + "$")


def dot_thousands(text: str) -> bool:
    """Whether a value of a file whose decimal mark is a comma is a dot before three
    digits and no comma ('12.500'): 12,500 there, but 12.5 to anyone else."""
    cleaned = _plain(text)
    return _DOT_GROUPS.match(cleaned) is not None and cleaned.count(".") == 1


def negative_twice(text: str) -> str | None:
    """'parentheses' for an accounting negative with a sign too ('(-5)', '(5)-'), 'signs'
    for a figure with a sign before it and a minus after ('-500-'), else None: which of
    the two negatives was meant only the export's writer knows."""
    cleaned = _plain(text)
    return "parentheses" if _TWICE_NEGATIVE.match(cleaned) else \
        "signs" if _TWO_SIGNS.match(cleaned) else None


@functools.cache
def _scale() -> tuple[re.Pattern[str], Mapping[str, float]]:
    """The units of ten the check-in reads after a figure ('k', 'm', 'Mio', '万', '亿', …;
    handlers.answers), as a pattern taking the figure and the word, and their factors."""
    from handlers.answers import MULTIPLIERS

    # But 'cr': in an accounting export '500 CR' marks a credit (as 'DR' a debit), not
    # crores (5,000,000,000): not a number here, as '500 DR' is ('crore' is read).
    factors = {w: f for w, f in MULTIPLIERS.items() if w != "cr"}
    words = "|".join(re.escape(w) for w in sorted(factors, key=len, reverse=True))
    return re.compile(r"^(.*[\d)])(" + words + r")\.?$", re.IGNORECASE), factors


def parse_value(text: str, decimal_comma: bool = False) -> float | None:
    """'$12,500.00', 'USD 12500', '¥8,800', '1.2万', '1.5k', '500-', '–100' -> a number;
    None if it is not one (also '1,5' or '12.500,00': a comma that does not separate
    thousands; '-500-' or '(-5)': negative twice).

    A unit of ten after the figure is read as the check-in reads it ('1.5k' is 1,500,
    '2M' 2,000,000: handlers.answers); a minus after the figure (SAP's '500-') or written
    as a dash ('–100') is a minus, as '-500' and '(500)' are.

    `decimal_comma`: the file writes numbers as where the decimal mark is a comma (a
    semicolon-separated export): '12.500,00' and '1.250.000' are read so; '12.500' alone,
    which is 12.5 to everyone else, is refused (dot_thousands)."""
    cleaned = _plain(text)
    if decimal_comma:
        if dot_thousands(cleaned) or not _COMMA_DECIMAL.match(cleaned):
            return None if "," in cleaned or dot_thousands(cleaned) else parse_value(cleaned)
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif misplaced_comma(cleaned):
        return None
    cleaned = cleaned.replace(",", "")
    scaled, factors = _scale()
    factor = 1.0
    if found := scaled.match(cleaned):  # '1.5k', '(1.2)万'
        cleaned, factor = found.group(1), factors[found.group(2).lower()]
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1]
        if not found and (found := scaled.match(cleaned)):  # '(1.5k)'
            cleaned, factor = found.group(1), factors[found.group(2).lower()]
    if "(" in cleaned or ")" in cleaned or (negative and cleaned[:1] in "+-"):
        # '(-5)' is negative twice and '(5' half an accounting negative: read as 5, a
        # refund counted as a sale; which was meant only the export's writer knows.
        return None
    try:
        value = float(cleaned) * factor
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return -value if negative else value


class CrmPeople(list[tuple[str, str]]):
    """(key, display name) of everyone a CRM row may name, the unit of each one's
    KPIs as the org file asks them: `units[(key, metric)]` ('USD'), and the metrics the
    org file's KPIs and goals name (a row's metric close to one of them is a typo)."""

    def __init__(self, people: Iterable[tuple[str, str]],
                 units: dict[tuple[str, str], str] | None = None,
                 metrics: Iterable[str] = ()) -> None:
        super().__init__(people)
        self.units = units or {}
        self.metrics = frozenset(metrics)


def parse_export(text: str, settings: CrmSettings, people: Iterable[tuple[str, str]],
                 format_name: str | None = None) -> ParsedExport:
    """Read a CSV export. `people` are (key, display name) of the org (with the units of
    their KPIs when a CrmPeople: a value in another currency is refused).

    The header is the first of the top ten lines that has every column of a format
    (the org's own formats first, then the presets); `format_name` forces one.
    """
    records, problem = _records(text, ",")
    if problem is not None:
        return ParsedExport(None, errors=[problem])
    formats = [f for f in settings.all_formats() if format_name in (None, f.name)]
    if format_name is not None and not formats:
        names = [f.name for f in settings.all_formats()]
        return ParsedExport(None, errors=[(0, (_problem("no_format", name=format_name,
                                                        formats=names),))])
    header_at, fmt, index = _find_header(records[:10], formats)
    decimal_comma = False
    if fmt is None:
        # Excel saves "CSV" with semicolons where the decimal mark is a comma (Germany,
        # France, Italy, Spain, Russia…): its columns were all there, yet the file read
        # "no header row with the columns of a known format". Its numbers are written so
        # too (12.500,00), and read so (see parse_value).
        other, problem = _records(text, ";")
        if problem is None:
            header_at, fmt, index = _find_header(other[:10], formats)
            records, decimal_comma = (other, True) if fmt is not None else (records, False)
    if fmt is None and "\t" in text:
        # Tab-separated: Excel's "Unicode Text" and "Text (Tab delimited)", saved as .csv.
        other, problem = _records(text, "\t")
        if problem is None:
            header_at, fmt, index = _find_header(other[:10], formats)
            records = other if fmt is not None else records
    if fmt is None:
        wanted = [(f.name, f.columns()) for f in formats]
        return ParsedExport(None, errors=[(0, (_problem("no_header", formats=wanted),))])
    from handlers.answers import is_count, is_percent, other_currency

    units = people.units if isinstance(people, CrmPeople) else {}
    metrics = people.metrics if isinstance(people, CrmPeople) else frozenset()
    # A metric counted in one unit across the org: a count also for someone whose KPI it
    # is not (Sam's new_customers, whom the org file asks no KPIs).
    by_metric: dict[str, set[str]] = {}
    for (_, kpi), unit in units.items():
        by_metric.setdefault(kpi, set()).add(unit)
    counted_in = {kpi: next(iter(u)) for kpi, u in by_metric.items() if len(u) == 1}
    lookup, shared = _person_lookup(settings, people)
    mapped_to = {person_name_key(name): key for name, key in settings.owners.items()}
    out = ParsedExport(fmt.name, value_column=fmt.value)
    date_formats = _day_first(fmt, [cells[index[fmt.date]] for _, cells in
                                    records[header_at + 1:] if index[fmt.date] < len(cells)]
                              ) if fmt.date is not None else fmt.date_formats
    header = records[header_at][1]
    stage_at = _column(header, fmt.stage) if fmt.stage else None
    won = {w.casefold() for w in fmt.won}
    blank_seen = False
    # Each rate's first row per person, metric and week: (line, value as written).
    rates = out.rates
    for line, record in records[header_at + 1:]:
        cells = [c.strip() for c in record]
        filled = [c for c in cells if c]
        if not filled:
            blank_seen = True
            continue
        if blank_seen and len(filled) <= 1:
            continue  # a report footer ("Confidential Information - Do Not Distribute")

        def cell(column: str, cells: list[str] = cells) -> str:
            i = index[column]
            return cells[i] if i < len(cells) else ""

        owner = cell(fmt.person)
        if filled[0].casefold() in _TOTAL_ROWS:
            continue  # a totals row ("合计"), whichever column it is labelled in
        extra = [c for c in cells[len(header):] if c]
        if extra:
            # A value with an unquoted comma ('1,234.50' written bare) splits into two
            # cells: its columns were read shifted, 1 234,50 as 1234, and the rest unseen.
            out.errors.append((line, (_problem("extra_cells", cells=len(cells),
                                               header=len(header), extra=extra[:3]),)))
            continue
        stage = cells[stage_at] if stage_at is not None and stage_at < len(cells) else ""
        if stage and stage.casefold() not in won:
            out.not_won.append(stage)  # a lost or open deal: not an actual
            continue
        row_errors: list[CrmProblem] = []
        key = lookup.get(person_name_key(owner))
        if not owner:
            row_errors.append(_problem("empty", column=fmt.person))
        elif key is None and person_name_key(owner) in mapped_to:
            row_errors.append(_problem("owner_maps_to_nobody", column=fmt.person, owner=owner,
                                       key=mapped_to[person_name_key(owner)]))
        elif key is None and person_name_key(owner) in shared:
            # Two people called 王伟: the first of them in the file got every deal.
            row_errors.append(_problem("shared_name", column=fmt.person, owner=owner,
                                       keys=shared[person_name_key(owner)]))
        elif key is None:
            row_errors.append(_problem("not_a_person", column=fmt.person, owner=owner))
        metric = fmt.metric or cell(fmt.metric_column or "").lower()
        if not _METRIC.match(metric):
            row_errors.append(_problem("bad_metric", metric=metric))
        elif fmt.metric is None and metric not in metrics and (
                close := closest(metric, metrics)) is not None and not _other_metric(metric,
                                                                                    close):
            # 'revenu' was stored as a metric of its own that no goal counts: the quarter
            # read behind by those deals with nothing to say why (a goal refuses it too).
            row_errors.append(_problem("metric_typo", metric=metric, close=close))
        raw_value = cell(fmt.value)
        unit_of = (units.get((key, metric)) if key else None) or counted_in.get(metric)
        percent = _nfkc(raw_value).endswith("%")
        if percent and unit_of and is_percent((unit_of,)):
            # A rate as a report prints it, '60%' (or '60.00 %'): 60 of a KPI in %.
            value = parse_value(_nfkc(raw_value).removesuffix("%"), decimal_comma)
        else:
            value = parse_value(raw_value, decimal_comma) if raw_value else None
        if value is None:
            if not raw_value:
                row_errors.append(_problem("empty", column=fmt.value))
            elif percent and unit_of and not is_percent((unit_of,)):
                row_errors.append(_problem("percent_not_unit", column=fmt.value,
                                           value=raw_value, owner=owner, metric=metric,
                                           unit=unit_of))
            elif decimal_comma and dot_thousands(raw_value):
                row_errors.append(_problem("dot_thousands", column=fmt.value, value=raw_value))
            elif not decimal_comma and misplaced_comma(raw_value):
                row_errors.append(_problem("decimal_comma", column=fmt.value, value=raw_value))
            elif (twice := negative_twice(raw_value)) is not None:
                row_errors.append(_problem("twice_negative" if twice == "parentheses"
                                           else "two_signs", column=fmt.value,
                                           value=raw_value))
            else:
                row_errors.append(_problem("not_a_number", column=fmt.value, value=raw_value))
        elif key is not None and (unit := units.get((key, metric))) and (
                other := other_currency(raw_value, unit)):
            # Read as the KPI's currency, '¥40,000' for a USD target would count several
            # times too high: the check-in refuses it too.
            row_errors.append(_problem("other_currency", column=fmt.value, value=raw_value,
                                       other=other, owner=owner, metric=metric, unit=unit))
        elif key is not None and value % 1 and unit_of and is_count(unit_of):
            # Half a customer: the check-in refuses it (a count is a whole number), and
            # stored it would show as 2.5 customers in /goals and the summaries.
            row_errors.append(_problem("fraction_for_count", column=fmt.value,
                                       value=raw_value, owner=owner, metric=metric,
                                       unit=unit_of))
        day: date | None = None
        week: str | None = None
        if fmt.date is not None:
            raw_day = cell(fmt.date)
            day = _parse_day(raw_day, date_formats)
            if day is None:
                row_errors.append(_problem("not_a_date", column=fmt.date, value=raw_day,
                                           formats=list(date_formats) if raw_day else []))
            else:
                week = week_of(day)
        else:
            raw_week = cell(fmt.week or "")
            week = parse_week(raw_week)
            if week is None:
                row_errors.append(_problem("not_a_week", column=fmt.week, value=raw_week,
                                           **_weeks_of_year(raw_week)))
        if row_errors:
            out.errors.append((line, tuple(row_errors)))
            continue
        assert key is not None and value is not None and week is not None
        if unit_of and is_percent((unit_of,)):
            first = rates.setdefault((key, metric, week), (line, raw_value))
            if first[0] != line:
                # Two rates of one week (60% and 40%) were added up as any two rows of a
                # week are, and read 100%; nor is their mean the week's rate for sure (one
                # may correct the other): which one is, only the export's writer knows.
                out.errors.append((line, (_problem(
                    "rate_twice", column=fmt.value, value=raw_value, owner=key,
                    metric=metric, week=week, line=first[0], first=first[1]),)))
                continue
        out.rows.append(CrmRow(line, key, metric, day, week, value))
    if fmt.date is None and not out.errors:
        out.repeated = repeated_weeks(out.rows)
    if not out.rows and not out.errors:
        out.errors.append((0, (_problem("no_rows") if not out.not_won else
                               _problem("no_won_rows", stages=list(dict.fromkeys(out.not_won))),
                               )))
    return out


def repeated_weeks(rows: list[CrmRow]) -> list[tuple[str, str, str, tuple[int, ...]]]:
    """(person key, metric, week, lines) of each week several rows of a file by week give
    the same person and metric. A file by day lists deals, several a week; a file by week
    usually gives the week's figure, so two of them (a row pasted twice, a figure
    corrected below the old one) are added up, as any rows of one week are, and pointed
    out: the GM's goals would read 300 where the CRM's report says 200."""
    lines: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        lines.setdefault((row.person_key, row.metric, row.week), []).append(row.line)
    return [(*k, tuple(n)) for k, n in lines.items() if len(n) > 1]


def _records(text: str, delimiter: str
             ) -> tuple[list[tuple[int, list[str]]], tuple[int, tuple[CrmProblem, ...]] | None]:
    """A file's records (first line, cells), or the line that is not valid CSV and why."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for record in reader:
            records.append((last_line + 1, record))
            last_line = reader.line_num
    except csv.Error as exc:
        detail = str(exc)
        problem = _problem("csv_lone_cr") if "new-line character" in detail else \
            _problem("csv_cell_too_long", limit=csv.field_size_limit()) \
            if "field limit" in detail else \
            _problem("csv_invalid", detail=detail, kind=_csv_kind(detail))
        return records, (last_line + 1, (problem,))
    return records, None


def _csv_kind(detail: str) -> str:
    """Which of Python's csv errors `detail` is, for a language other than its English
    (the `csv_invalid` problem's Chinese): '' for one not known here."""
    if "unexpected end of data" in detail:
        return "open_quote"  # a quoted cell never closed
    if re.fullmatch(r"'.' expected after '.'", detail):
        return "after_quote"  # text after a quoted cell's closing quote
    if "NUL" in detail:
        return "nul"  # a NUL byte (older Pythons)
    return ""


def _find_header(records: list[tuple[int, list[str]]], formats: list[CrmFormat]
                 ) -> tuple[int, CrmFormat | None, dict[str, int]]:
    for at, (_, record) in enumerate(records):
        names = {c.strip().lstrip("\ufeff").casefold(): i for i, c in enumerate(record)}
        for fmt in formats:
            if all(c.casefold() in names for c in fmt.columns()):
                return at, fmt, {c: names[c.casefold()] for c in fmt.columns()}
    return 0, None, {}


def _other_metric(metric: str, known: str) -> bool:
    """Whether `metric`, close to the org's `known`, is a metric of its own, not a typo:
    one of them the other's words and more ('net_revenue', 'revenue_eu' beside revenue;
    'customers' beside new_customers), as a CRM brings beside the KPIs. 'revenu',
    'revenues' and 'new_customer' are typos."""
    words, known_words = set(metric.split("_")), set(known.split("_"))
    return words != known_words and (words < known_words or known_words < words)


def _column(header: list[str], name: str) -> int | None:
    names = [c.strip().lstrip("\ufeff").casefold() for c in header]
    return names.index(name.casefold()) if name.casefold() in names else None


def _person_lookup(settings: CrmSettings, people: Iterable[tuple[str, str]]
                   ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The key each CRM owner (key, name, crm.owners) names, and the names several people
    share with the keys of each: such a name names nobody, as it does in chat."""
    lookup: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for key, name in dict.fromkeys(people):
        by_name.setdefault(person_name_key(name), []).append(key)
    shared = {name: keys for name, keys in by_name.items() if len(keys) > 1}
    for name, keys in by_name.items():
        if len(keys) == 1:
            lookup[name] = keys[0]
    known = {key for keys in by_name.values() for key in keys}
    lookup.update((person_name_key(key), key) for key in known)
    # The org's own mapping wins, where it names someone known (in the file or who left).
    lookup.update((person_name_key(name), key) for name, key in settings.owners.items()
                  if key in known)
    return lookup, {name: keys for name, keys in shared.items() if name not in lookup}


def owners_not_in_file(session: Session, settings: CrmSettings
                       ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The crm.owners entries naming someone not in the org file: (CRM name, key, name)
    of those who left it (known to the database), and (CRM name, key) of the others."""
    from sqlalchemy import select

    from storage.models import Person

    wanted = {key for _, key in settings.not_in_file}
    names = {key: name for key, name in session.execute(
        select(Person.key, Person.display_name).where(Person.key.in_(wanted)))}
    left = [(crm, key, names[key]) for crm, key in settings.not_in_file if key in names]
    unknown = [(crm, key) for crm, key in settings.not_in_file if key not in names]
    return left, unknown


def unknown_owner_problem(crm_name: str, key: str) -> str:
    """What check-org and the log say of a crm.owners entry naming nobody."""
    return (f"crm.owners: {crm_name!r} maps to {key!r}, who is neither in this file nor "
            f"someone who left it (the database has nobody called {key!r}): correct the key, "
            f"or add {key} to people")


_SLASHED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{4}\s*$")


def _day_first(fmt: CrmFormat, days: list[str]) -> tuple[str, ...]:
    """A format's date formats for one file: month first (%m/%d/%Y, a US export) read day
    first instead when the file's slashed dates are (a UK or European user's export:
    23/11/2026, where 03/11/2026 is 3 November, not 11 March). Only when some date can only
    be day first and none only month first: a file mixing both keeps month first, its
    day-first dates refused with their lines."""
    if "%m/%d/%Y" not in fmt.date_formats:
        return fmt.date_formats
    firsts = [(int(m.group(1)), int(m.group(2))) for d in days
              if (m := _SLASHED.match(d)) is not None]
    if any(a > 12 >= b for a, b in firsts) and not any(b > 12 >= a for a, b in firsts):
        return tuple("%d/%m/%Y" if f == "%m/%d/%Y" else f for f in fmt.date_formats)
    return fmt.date_formats


def _parse_day(text: str, formats: tuple[str, ...]) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def import_people(session: Session, org: Any) -> CrmPeople:
    """(key, name) of everyone a CRM row may name: the org file's people, then those who
    left it (kept inactive), whose deals from before they left still count; with the
    units of the org file's KPIs."""
    from sqlalchemy import select

    from storage.models import Person

    people = [(p.key, p.name) for p in org.people]
    in_file = {key for key, _ in people}
    people += [(key, name) for key, name in session.execute(
        select(Person.key, Person.display_name).where(Person.active.is_(False))
        .order_by(Person.key)) if key not in in_file]
    units = {(p.key, k.metric): k.unit for p in org.people for k in p.kpis}
    metrics = {metric for _, metric in units} | {g.metric for g in org.goals.goals}
    return CrmPeople(people, units, metrics)


#: How much of a file's start binary_problem looks at: a binary file (an image, a PDF, a
#: workbook) gives itself away in its first bytes, and a 50 MB export is not read twice.
BINARY_HEAD = 64 * 1024


def binary_problem(head: bytes) -> CrmProblem | None:
    """Why a file starting with `head` is no text export at all, else None: an Excel
    workbook, or binary data (a NUL byte, which no CSV in UTF-8, GB18030 or Windows-1252
    holds; a UTF-16 file with its byte order mark is text)."""
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        # An .xlsx (a zip) or an old .xls: read as text it was "no header row with the
        # columns of a known format", which sent the GM looking at the columns.
        return _problem("excel_workbook")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # A PNG was "not valid CSV: its lines end with a lone carriage return", a NUL
        # after a figure "value '100' is not a number".
        return _problem("binary")
    return None


def content_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, a leading UTF-8 BOM left out: a file seen before is
    known without reading its rows again, also when saved again from Excel as "CSV UTF-8"
    (which adds the BOM). Saved otherwise, it is known by its rows (rows_digest)."""
    return hashlib.sha256(data.removeprefix(b"\xef\xbb\xbf")).hexdigest()


def import_actuals(session: Session, source: str, data: bytes, settings: CrmSettings,
                   people: Iterable[tuple[str, str]], now: datetime,
                   format_name: str | None = None, today: date | None = None) -> ImportResult:
    """Import one export as the rows of `source` (its file name), in the caller's
    transaction. Raises CrmImportError, storing nothing, if any row is bad.

    Files are compared by their rows (person, metric, day or week, value), however they
    were saved: rows another file brought are not stored again (see ImportResult)."""
    from storage.goals import CrmRepo, row_key, rows_digest

    digest = content_hash(data)
    repo = CrmRepo(session)
    previous = repo.source(source)
    if previous is not None and previous.content_hash == digest:
        return ImportResult(source, "unchanged", previous.row_count, format=previous.format)
    twin = repo.by_content(digest)
    if twin is not None:
        # The same export saved again under another name ("report (1).csv"): importing
        # it would count every figure twice.
        return ImportResult(source, "duplicate", twin.row_count, format=twin.format,
                            same_as=twin.source)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        # A download that failed, a report with nothing in it: it was "no header row with
        # the columns of a known format", which sent the GM looking at columns.
        raise CrmImportError(source, [(0, (_problem("empty_file"),))])
    binary = binary_problem(data[:BINARY_HEAD])
    if binary is not None:
        raise CrmImportError(source, [(0, (binary,))])
    try:
        parsed = parse_bytes(data, settings, people, format_name)
    except UnicodeDecodeError:
        raise CrmImportError(source, [(0, (_problem("not_text"),))]) from None
    if parsed.errors:
        raise CrmImportError(source, parsed.errors)
    rows_hash = rows_digest(parsed.rows)
    if previous is not None and previous.rows_digest == rows_hash:
        # Saved again (by Excel: CRLF, other quoting, 12500 for 12,500.00): same rows.
        return ImportResult(source, "unchanged", previous.row_count, format=previous.format)
    twin = repo.by_rows(rows_hash, other_than=source)
    if twin is not None:
        return ImportResult(source, "duplicate", twin.row_count, format=twin.format,
                            same_as=twin.source)
    wanted = Counter(row_key(r) for r in parsed.rows)
    others = repo.matching(parsed.rows, other_than=source)
    if previous is None and (sum((have for _, have in others.values()), Counter())
                             & wanted).total() == len(parsed.rows):
        # A part of an export already imported ("November.csv" after "Q4.csv"): it brings
        # nothing new, and once stored it would count twice until someone found it and
        # took it out (import-actuals --remove).
        return ImportResult(source, "covered", len(parsed.rows), format=parsed.format,
                            matches=_counted(others, wanted), matched=len(parsed.rows))
    # A file every row of which this one holds ("November.csv" before "Q4.csv"): this
    # one takes its place, or its rows would count twice until taken out by hand.
    superseded = tuple((name, count) for name, (count, have) in sorted(others.items())
                       if (have & wanted).total() == count)
    clash = rates_elsewhere(repo, parsed, [source, *(name for name, _ in superseded)])
    if clash:
        raise CrmImportError(source, clash)
    for name, _ in superseded:
        repo.remove(name)
        del others[name]
    matches = _counted(others, wanted)
    matched = (sum((have for _, have in others.values()), Counter()) & wanted).total()
    replaced = repo.replace(source, digest, parsed.format or "", parsed.rows, now, rows_hash)
    today = today or now.date()
    future = tuple((r.line, r.day.isoformat() if r.day else r.week) for r in parsed.rows
                   if (r.day or week_start(r.week)) > today)
    return ImportResult(source, "replaced" if previous is not None else "new",
                        len(parsed.rows), replaced, parsed.format,
                        not_won=tuple(parsed.not_won), future=future, matches=matches,
                        matched=matched, superseded=superseded,
                        repeated=tuple(parsed.repeated))


def rates_elsewhere(repo: Any, parsed: ParsedExport, leaving: Sequence[str]) -> Errors:
    """Each row of `parsed` giving a rate for a person's week that another imported file
    (not one of `leaving`: this file's own earlier rows, and files it takes the place of)
    gives too, as a problem of its line: the two were added up when read (60% in
    Q4.csv and 60% in November.csv read 120%), and which holds the week's rate only the
    operator knows."""
    if not parsed.rates:
        return []
    given = repo.rates_given(parsed.rates, other_than=leaving)
    errors: Errors = []
    for (key, metric, week), (line, written) in parsed.rates.items():
        other = given.get((key, metric, week))
        if other is not None:
            errors.append((line, (_problem(
                "rate_elsewhere", column=parsed.value_column, value=written, owner=key,
                metric=metric, week=week, file=other[0], line=other[1]),)))
    return sorted(errors, key=lambda e: e[0])


def _counted(others: dict[str, tuple[int, Counter[RowKey]]], wanted: Counter[RowKey]
             ) -> tuple[tuple[str, int], ...]:
    """(file, how many of the wanted rows it brought too), most first; as multisets: two
    equal deals in one file are two deals, matched by two equal rows of the other."""
    counts = [(name, (have & wanted).total()) for name, (_, have) in others.items()]
    return tuple(sorted(counts, key=lambda c: (-c[1], c[0])))


def matches_text(result: ImportResult) -> str:
    """How many of an imported file's rows other files brought too, and which (the CLI's
    and the log's words): '2 rows the same as rows already imported (2 of Q4.csv, 1 of
    October.csv)'."""
    n = result.matched
    return (f"{rows_text(n)} the same as rows already imported "
            f"({matched_files(result)})")


def repeated_text(result: ImportResult, named: int = 5) -> str:
    """The weeks a file by week gives on several lines, added up (the CLI's and the log's
    words): '2 weeks given on several lines, added up: sam revenue 2026-W38 (lines 2, 3),
    alice revenue 2026-W39 (lines 4, 7)'."""
    n = len(result.repeated)
    shown = ", ".join(f"{key} {metric} {week} (lines {', '.join(map(str, lines))})"
                      for key, metric, week, lines in result.repeated[:named])
    more = f" and {n - named} more" if n > named else ""
    return f"{count_text(n, 'week')} given on several lines, added up: {shown}{more}"


def rows_text(n: int) -> str:
    """'1 row', '2 rows': how the import's messages count rows."""
    return count_text(n, "row")


def matched_files(result: ImportResult) -> str:
    """Which files brought rows of an imported one too, and how many: '2 of Q4.csv, 1 of
    October.csv' (the CLI's and the log's words)."""
    return ", ".join(f"{count} of {name}" for name, count in result.matches)


def folder_brings_back(sessions: Callable[[], Session], source: str, settings: CrmSettings,
                       people: Iterable[tuple[str, str]], now: datetime
                       ) -> list[tuple[str, int]]:
    """The files in the watched folder that the bot's next scans would import, bringing
    rows of `source` back, were `source` removed now: (file name, how many of its rows).

    The file itself still in the folder, a copy saved otherwise, a part of it the scan
    skipped while it was imported: each would undo the removal a minute later, unseen.
    Each file is tried on its own, as the scan would import it after the removal, in a
    transaction of its own that is rolled back: any one of them left in the folder would
    bring rows back (a copy skipped as the same rows as the file itself is imported once
    the file is moved out). Raises OSError if the folder cannot be listed."""
    from storage.goals import CrmRepo

    folder = settings.watch_folder
    if folder is None or not folder.is_dir():
        return []  # no folder, no scan
    back: list[tuple[str, int]] = []
    # The scan's filter: visible *.csv files.
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name[:1] != "."
                       and p.suffix.lower() == ".csv"):
        try:
            data = path.read_bytes()
        except OSError:
            continue  # unreadable: not imported until it is, and then reported
        with sessions() as session:
            repo = CrmRepo(session)
            removed = repo.row_keys(source)
            repo.remove(source)
            try:
                result = import_actuals(session, path.name, data, settings, people, now)
            except CrmImportError:
                result = None  # refused: the scan does not import it either
            if result is not None and result.status in {"new", "replaced"}:
                brought = (repo.row_keys(path.name) & removed).total()
                if brought:
                    back.append((path.name, brought))
            session.rollback()
    return back


#: A file in the watched folder is imported once it is complete: unchanged (size and
#: modification time) since the previous scan, or last modified this long ago.
SETTLE_SECONDS = 60
#: Names of files still being downloaded or copied, or an Office lock (~$report.csv): not
#: CRM exports (yet), logged and waited for without a word to the GM.
_IN_PROGRESS = re.compile(r"(\.(part|partial|crdownload|download|tmp|temp|filepart)$)"
                          r"|^~\$", re.IGNORECASE)


def _not_a_folder(folder: Path) -> str:
    """Why a watch_folder is no folder, in a few words."""
    try:
        return "it is a file" if folder.exists() else "there is no such folder"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def watch_folder_problem(folder: Path | None) -> str | None:
    """check-org's word on a crm.watch_folder that is not a folder, else None."""
    if folder is None or folder.is_dir():
        return None
    return (f"crm.watch_folder: {folder} is not a folder ({_not_a_folder(folder)}; a relative "
            "path is read from the org file's folder): the running bot imports nothing from "
            "it until it is; create it, or correct the path")


@dataclass
class _FolderState:
    """What one bot's scans of the watched folder remember between scans."""

    refused: set[str] = field(default_factory=set)  # "name:hash" of refused files
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (size, mtime)
    said: set[str] = field(default_factory=set)  # what was already logged or told
    #: "name:hash" of files found not to bring new rows -> what was stored then (a digest
    #: of every file's name and content hash)
    not_stored: dict[str, str] = field(default_factory=dict)


def watch_folder(bot: Any) -> list[ImportResult | CrmImportError]:
    """Import each new or changed `*.csv` in the org's watched folder once (by content hash,
    then by its rows: see import_actuals), once it is complete (see SETTLE_SECONDS).
    A file that brings rows other files brought too is imported and the GM told which; so
    is one that holds every row of a file imported before, and replaces it.

    A refused file is reported to the GM by DM once per content, and tried again only
    when its content changes. A file not imported for another reason is never passed
    over in silence: one log line each time its reason changes, and a DM to the GM where
    the GM must act (a file that is not a CSV, one that stays unreadable). Runs on the
    database thread (`bot` is the running TeamPulse).
    """
    import logging
    import time

    from storage.goals import CrmRepo

    log = logging.getLogger(__name__)
    folder = bot.org.crm.watch_folder
    if folder is None:
        return []
    state = _states.setdefault(bot, _FolderState())
    if not folder.is_dir():
        # A typo in the path, or a share not mounted: each scan returned without a word,
        # and the exports dropped in the folder meant were never imported.
        if "folder:missing" not in state.said:
            state.said.add("folder:missing")
            log.warning("CRM watch folder %s is not a folder (%s): nothing is imported from "
                        "it until it is", folder, _not_a_folder(folder))
        return []
    state.said.discard("folder:missing")  # said again if it goes missing again
    with bot.unit() as ctx:
        known = CrmRepo(ctx.session).known_hashes()
        people = import_people(ctx.session, bot.org)
    done: list[ImportResult | CrmImportError] = []

    def once(key: str, level: int, message: str, *args: Any) -> bool:
        if key in state.said:
            return False
        state.said.add(key)
        log.log(level, message, *args)
        return True

    def tell_gm(name: str, dedupe: str, ctx: Any = None, **params: Any) -> None:
        if ctx is None:
            with bot.unit() as ctx:
                tell_gm(name, dedupe, ctx, **params)
            return
        for gm in ctx.people.active():
            if gm.role == "gm":
                ctx.tell(gm, name, dedupe_key=f"{dedupe}:{gm.key}", readers=GM, **params)

    seen: dict[str, tuple[int, int]] = {}
    # Hidden files are the system's or an editor's (.DS_Store, .~lock.report.csv#).
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name[:1] != "."):
        if path.suffix.lower() != ".csv":
            if _IN_PROGRESS.search(path.name):
                once(f"partial:{path.name}", logging.INFO, "CRM folder: %s looks like a file "
                     "still being copied or downloaded; waiting for it to be saved as .csv",
                     path.name)
            elif once(f"not-csv:{path.name}", logging.WARNING, "CRM folder: %s not imported: "
                      "only .csv files are (export the report as CSV)", path.name):
                tell_gm("crm_file_not_csv", f"crm-not-csv:{_short(path.name)}",
                        source=path.name)
            continue
        try:
            info = path.stat()
            stamp = (info.st_size, info.st_mtime_ns)
            seen[path.name] = stamp
            # The file's age by the filesystem's clock (wall time), the one that set it.
            settled = state.seen.get(path.name) == stamp or \
                time.time() - info.st_mtime >= SETTLE_SECONDS
            if not settled:
                once(f"settling:{path.name}:{stamp}", logging.INFO, "CRM file %s is new or "
                     "changed; imported once it has not changed for a minute (a copy may "
                     "still be in progress)", path.name)
                continue
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # moved away or deleted since the folder was listed
        except OSError as exc:
            # A copy holding the file locked, or a file that cannot be read at all: said
            # once; the GM is told when it is still so at the next scan.
            reason = exc.strerror or type(exc).__name__
            first = once(f"unreadable:{path.name}:{reason}", logging.WARNING,
                         "CRM file %s could not be read (%s); trying again at the next scan",
                         path.name, reason)
            if not first and f"unreadable-told:{path.name}:{reason}" not in state.said:
                state.said.add(f"unreadable-told:{path.name}:{reason}")
                # The system's words are English: the errno lets a Chinese GM read why.
                tell_gm("crm_file_unreadable", f"crm-unreadable:{_short(path.name + reason)}",
                        source=path.name, reason=reason, reason_zh=os_reason(exc).zh,
                        error=errno.errorcode.get(exc.errno or 0, ""))
            continue
        state.said = {k for k in state.said if not k.startswith(f"unreadable:{path.name}:")
                      and not k.startswith(f"unreadable-told:{path.name}:")}
        digest = content_hash(data)
        refused_key = f"crm-refused:{path.name}:{digest}"
        if refused_key in state.refused:
            continue
        if digest in known.values():
            same = next(name for name, h in known.items() if h == digest)
            if same != path.name:
                once(f"same:{path.name}:{digest}", logging.INFO, "CRM file %s: the same "
                     "content as %s, already imported; nothing changed", path.name, same)
            continue
        # A file whose rows were found imported already (saved otherwise) is read again
        # only once an import changed what is stored.
        stored_now = _short(repr(sorted(known.items())))
        if state.not_stored.get(f"{path.name}:{digest}") == stored_now:
            continue
        try:
            with bot.unit() as ctx:
                result = import_actuals(ctx.session, path.name, data, bot.org.crm, people,
                                        bot.clock.now())
                # Told in the transaction that stores the file: once it is stored, the
                # next scan passes it over, so a process killed between the two never
                # told the GM that rows now count twice or that a file was replaced.
                # (A file not stored, "covered" by others, names its matches too.)
                stored = result.status in {"new", "replaced"}
                if stored and result.superseded:
                    # Told as an overlap is: the GM sees an earlier file gone from --list
                    # and its rows counted once, and should not have to find out why in
                    # the log.
                    tell_gm("crm_file_replaced", f"crm-replaced:{_short(path.name + digest)}",
                            ctx, source=path.name, files=list(result.superseded))
                if stored and result.matched:
                    tell_gm("crm_file_overlap", f"crm-overlap:{_short(path.name + digest)}",
                            ctx, source=path.name, rows=result.matched,
                            files=list(result.matches))
                if stored and result.repeated:
                    # The GM reads the sum in /goals; only they can tell a figure
                    # corrected below the old one from two real ones.
                    tell_gm("crm_file_repeated", f"crm-repeated:{_short(path.name + digest)}",
                            ctx, source=path.name, weeks=list(result.repeated))
            if result.status in {"unchanged", "duplicate", "covered"}:
                state.not_stored[f"{path.name}:{digest}"] = stored_now
                if result.status == "duplicate":
                    once(f"same:{path.name}:{digest}", logging.INFO, "CRM file %s: the same "
                         "content as %s, already imported; nothing changed", path.name,
                         result.same_as)
                elif result.status == "unchanged":
                    once(f"unchanged:{path.name}:{digest}", logging.INFO, "CRM file %s: saved "
                         "again with the same rows; nothing changed", path.name)
                elif result.status == "covered":
                    once(f"covered:{path.name}:{digest}", logging.INFO, "CRM file %s: every "
                         "row already imported (%s); nothing changed", path.name,
                         matched_files(result))
                continue
            log.info("CRM file %s: %s, %d rows", path.name, result.status, result.rows)
            if result.repeated:
                log.warning("CRM file %s: %s", path.name, repeated_text(result))
            for name, rows in result.superseded:
                log.info("CRM file %s holds every row of %s (%d rows): %s's rows were "
                         "replaced, nothing counted twice", path.name, name, rows, name)
                known.pop(name, None)
            if result.matched:
                log.warning("CRM file %s: %s, counted again", path.name, matches_text(result))
            known[path.name] = digest
            done.append(result)
        except CrmImportError as exc:
            state.refused.add(refused_key)
            # Line numbers only: the reasons quote the file's content.
            log.warning("CRM file %s refused: %d problem(s) at line(s) %s", path.name,
                        len(exc.errors), ", ".join(str(n) for n, _ in exc.errors[:20]))
            tell_gm("crm_file_refused", f"crm-refused:{_short(refused_key)}",
                    source=path.name, errors=exc.errors[:20], more=max(len(exc.errors) - 20, 0))
            done.append(exc)
    state.seen = seen
    return done


def _short(text: str) -> str:
    return content_hash(text.encode())[:40]


#: Per bot: the files it refused (by name and content), so a bad file is not re-read and
#: re-reported on every scan (the outbox's dedupe key covers restarts), what each file
#: looked like at the last scan, and what was already said.
_states: weakref.WeakKeyDictionary[Any, _FolderState] = weakref.WeakKeyDictionary()
