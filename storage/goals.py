"""Actuals for goals: figures imported from CRM exports (one batch per source file), and
the week-by-week figures per person from both the CRM and the check-in answers."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Answer, Base, CheckinRound, Person, UTCDateTime
from storage.summary_rows import snapshot_texts

if TYPE_CHECKING:
    from bot.crm_import import CrmRow


class Figure(Protocol):
    """A CRM figure as parsed from a file (CrmRow) or read back (CrmActual)."""

    person_key: str
    metric: str
    day: date | None
    week: str
    value: float


#: A figure as compared across files: whose, which metric, when, how much (to the
#: millionth, so 1.2万 and 12000 are one value); not the line, which moves when a file is
#: re-saved with blank lines or sorted otherwise.
RowKey = tuple[str, str, str, str, str]


def row_key(figure: Figure) -> RowKey:
    """What makes two figures the same, whichever file, format or database they come from."""
    value = round(float(figure.value), 6) + 0.0  # (+ 0.0: -0.0 is 0)
    return (figure.person_key, figure.metric, figure.day.isoformat() if figure.day else "",
            figure.week, f"{value:.6f}")


def rows_digest(figures: Iterable[Figure]) -> str:
    """The SHA-256 of a file's figures as a multiset: the same for the same export however
    it was saved (line endings, quoting, `12,500.00` or `12500`, column or row order,
    blank lines), and for its rows parsed now or read back from the database."""
    keys = sorted(row_key(f) for f in figures)
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode()).hexdigest()


#: How many CRM rows one INSERT statement writes.
_INSERT_BATCH = 5_000


class CrmImport(Base):
    """One imported file (by name): its content hash and the digest of its rows, so the
    same content (or the same rows saved otherwise) imports once and a corrected file
    replaces the rows it brought."""

    __tablename__ = "crm_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: rows_digest of the rows it brought (0010_crmtwin back-filled the older imports).
    rows_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrmActual(Base):
    """One figure from a CRM export. The person is kept by key, so history outlives an
    edit of the org file; `line` traces the figure back to its file's line."""

    __tablename__ = "crm_actuals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("crm_imports.id", ondelete="CASCADE"),
                                           index=True)
    line: Mapped[int] = mapped_column(Integer)
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    day: Mapped[date | None] = mapped_column(Date)
    week: Mapped[str] = mapped_column(String(10), index=True)
    value: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class MetricTotal:
    """What an imported file brought for one metric: how many rows, adding up to what."""

    metric: str
    rows: int
    total: float


@dataclass(frozen=True)
class ImportedFile:
    """An imported file as the operator lists it: its name, format, rows, when it was
    imported (or last replaced by a corrected file), the ISO weeks it has rows in, and
    its total per metric."""

    source: str
    format: str
    rows: int
    imported_at: datetime
    weeks: tuple[str, ...]
    totals: tuple[MetricTotal, ...]


class CrmRepo:
    """Imported CRM files and their rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def source(self, source: str) -> CrmImport | None:
        """The import of a file name, if any."""
        return self.session.scalar(select(CrmImport).where(CrmImport.source == source))

    def by_content(self, digest: str) -> CrmImport | None:
        """The import of another file with exactly this content, if any."""
        return self.session.scalar(select(CrmImport).where(CrmImport.content_hash == digest)
                                   .order_by(CrmImport.id).limit(1))

    def rates_given(self, wanted: Iterable[tuple[str, str, str]], other_than: Sequence[str]
                    ) -> dict[tuple[str, str, str], tuple[str, int]]:
        """Of the (person key, metric, week) `wanted`, those a file not in `other_than`
        already gives a row for: the first such file and its line."""
        wanted = set(wanted)
        if not wanted:
            return {}
        query = (select(CrmImport.source, CrmActual.line, CrmActual.person_key,
                        CrmActual.metric, CrmActual.week)
                 .join(CrmImport, CrmActual.import_id == CrmImport.id)
                 .where(CrmImport.source.not_in(list(other_than)),
                        CrmActual.person_key.in_(sorted({k for k, _, _ in wanted})),
                        CrmActual.metric.in_(sorted({m for _, m, _ in wanted})),
                        CrmActual.week.in_(sorted({w for _, _, w in wanted})))
                 .order_by(CrmImport.id, CrmActual.line))
        found: dict[tuple[str, str, str], tuple[str, int]] = {}
        for source, line, key, metric, week in self.session.execute(query):
            if (key, metric, week) in wanted:
                found.setdefault((key, metric, week), (source, line))
        return found

    def by_rows(self, digest: str, other_than: str) -> CrmImport | None:
        """The import of another file that brought exactly these rows, if any."""
        return self.session.scalar(select(CrmImport).where(
            CrmImport.rows_digest == digest, CrmImport.source != other_than)
            .order_by(CrmImport.id).limit(1))

    def matching(self, rows: Sequence[CrmRow], other_than: str
                 ) -> dict[str, tuple[int, Counter[RowKey]]]:
        """Of each other file that brought rows equal to some of `rows`: how many rows it
        brought in all, and those equal rows (row_key -> how many times it brought it)."""
        if not rows:
            return {}
        wanted = {row_key(r) for r in rows}
        out: dict[str, tuple[int, Counter[RowKey]]] = {}
        query = (select(CrmImport.source, CrmImport.row_count, CrmActual.person_key,
                        CrmActual.metric, CrmActual.day, CrmActual.week, CrmActual.value)
                 .join(CrmImport, CrmActual.import_id == CrmImport.id)
                 .where(CrmImport.source != other_than,
                        CrmActual.person_key.in_(sorted({r.person_key for r in rows})),
                        CrmActual.week.in_(sorted({r.week for r in rows})),
                        CrmActual.metric.in_(sorted({r.metric for r in rows}))))
        for row in self.session.execute(query):
            key = row_key(row)
            if key in wanted:
                out.setdefault(row.source, (row.row_count, Counter()))[1][key] += 1
        return out

    def remove(self, source: str) -> None:
        """Forget a file and the rows it brought."""
        imp = self.source(source)
        if imp is not None:
            self.session.execute(delete(CrmActual).where(CrmActual.import_id == imp.id))
            self.session.delete(imp)
            self.session.flush()

    def replace(self, source: str, digest: str, fmt: str, rows: Sequence[CrmRow],
                now: datetime, rows_hash: str | None = None) -> int:
        """Store a file's rows in place of what it brought before; returns how many rows
        were replaced."""
        imp = self.source(source)
        replaced = 0
        rows_hash = rows_hash or rows_digest(rows)
        if imp is None:
            imp = CrmImport(source=source, content_hash=digest, rows_digest=rows_hash,
                            format=fmt, row_count=len(rows), imported_at=now)
            self.session.add(imp)
            self.session.flush()
        else:
            replaced = imp.row_count
            self.session.execute(delete(CrmActual).where(CrmActual.import_id == imp.id))
            imp.content_hash, imp.rows_digest, imp.format, imp.row_count, imp.imported_at = (
                digest, rows_hash, fmt, len(rows), now)
        # Inserted as plain rows, in batches: as ORM objects, a 50 MB export's 1.5 million
        # rows took 5 GB, enough for the OOM killer to stop the bot, whose watched folder
        # then tried the file again at the next start.
        for start in range(0, len(rows), _INSERT_BATCH):
            self.session.execute(insert(CrmActual), [
                {"import_id": imp.id, "line": r.line, "person_key": r.person_key,
                 "metric": r.metric, "day": r.day, "week": r.week, "value": r.value}
                for r in rows[start:start + _INSERT_BATCH]])
        return replaced

    def imported(self, source: str | None = None) -> list[ImportedFile]:
        """Every imported file (or the one named), oldest import first: what it brought,
        so an operator can tell a wrong export from the right ones."""
        query = select(CrmImport).order_by(CrmImport.imported_at, CrmImport.source)
        if source is not None:
            query = query.where(CrmImport.source == source)
        imports = list(self.session.scalars(query))
        if not imports:
            return []
        weeks: dict[int, set[str]] = defaultdict(set)
        totals: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
        for import_id, metric, week, rows, total in self.session.execute(
                select(CrmActual.import_id, CrmActual.metric, CrmActual.week,
                       func.count(), func.sum(CrmActual.value))
                .where(CrmActual.import_id.in_([i.id for i in imports]))
                .group_by(CrmActual.import_id, CrmActual.metric, CrmActual.week)):
            weeks[import_id].add(week)
            had_rows, had = totals[import_id].get(metric, (0, 0.0))
            totals[import_id][metric] = (had_rows + rows, had + float(total or 0))
        return [ImportedFile(i.source, i.format, i.row_count, i.imported_at,
                             tuple(sorted(weeks[i.id])),
                             tuple(MetricTotal(m, n, round(t, 6) + 0.0)
                                   for m, (n, t) in sorted(totals[i.id].items())))
                for i in imports]

    def row_keys(self, source: str) -> Counter[RowKey]:
        """The rows a file brought, as compared across files (row_key -> how many)."""
        return Counter(row_key(r) for r in self.session.scalars(
            select(CrmActual).join(CrmImport, CrmActual.import_id == CrmImport.id)
            .where(CrmImport.source == source)))

    def known_hashes(self) -> dict[str, str]:
        """Source name -> content hash of every imported file."""
        rows = self.session.execute(select(CrmImport.source, CrmImport.content_hash))
        return {source: digest for source, digest in rows}

    def rows(self, metric: str, keys: Sequence[str], weeks: Sequence[str]) -> list[CrmActual]:
        """A metric's CRM rows of some people in some weeks."""
        if not keys or not weeks:
            return []
        return list(self.session.scalars(select(CrmActual).where(
            CrmActual.metric == metric, CrmActual.person_key.in_(list(keys)),
            CrmActual.week.in_(list(weeks))).order_by(CrmActual.id)))


@dataclass(frozen=True)
class WeekFigure:
    """One person's figure for a metric in one week, from both sources where they exist.

    `crm_days` lists (day, value) of CRM rows with a date (None for a week-only row),
    so a period that starts or ends inside the week counts only its days.
    """

    person_key: str
    week: str
    reported: float | None
    crm: float | None
    crm_days: tuple[tuple[date | None, float], ...] = ()
    # The unit the week's check-in asked the figure in (its round's snapshot); None when
    # nothing was typed, or the snapshot names no unit: a goal adds like with like only.
    unit: str | None = None
    # The person had a check-in round that week (which asked the metric or not): its
    # questions, not today's org file, say whether the metric was a KPI of theirs then.
    had_round: bool = False


def self_reported(session: Session, metric: str, keys: Sequence[str],
                  weeks: Sequence[str]) -> dict[tuple[str, str], float]:
    """(person key, week) -> the number typed in the check-in for this metric."""
    if not keys or not weeks:
        return {}
    query = (select(Person.key, CheckinRound.week, Answer.number_value)
             .join(CheckinRound, Answer.round_id == CheckinRound.id)
             .join(Person, CheckinRound.person_id == Person.id)
             .where(Answer.question_key == f"kpi:{metric}", Answer.skipped.is_(False),
                    Answer.number_value.is_not(None), Person.key.in_(list(keys)),
                    CheckinRound.week.in_(list(weeks))))
    return {(key, week): float(value) for key, week, value in session.execute(query)}


def reported_units(session: Session, metric: str, keys: Sequence[str],
                   weeks: Sequence[str]) -> dict[tuple[str, str], str]:
    """(person key, week) -> the unit the week's check-in asked this metric in, from the
    round's snapshot (one read per distinct snapshot): a KPI moved from USD to CNY in the
    org file still reads its earlier weeks in USD."""
    return _round_units(session, metric, keys, weeks)[0]


def _round_units(session: Session, metric: str, keys: Sequence[str], weeks: Sequence[str]
                 ) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """reported_units, and every (person key, week) with a round (asking it or not)."""
    if not keys or not weeks:
        return {}, set()
    rounds = list(session.execute(
        select(Person.key, CheckinRound.week, CheckinRound.snapshot_key, CheckinRound.id)
        .join(Person, CheckinRound.person_id == Person.id)
        .where(Person.key.in_(list(keys)), CheckinRound.week.in_(list(weeks)))))
    first: dict[str, int] = {}
    for _, _, snapshot, round_id in rounds:
        first.setdefault(snapshot, round_id)
    units: dict[str, str] = {}
    question = f"kpi:{metric}"
    for snapshot, text in snapshot_texts(session.connection(), first).items():
        for q in json.loads(text) or ():
            if isinstance(q, dict) and q.get("key") == question and q.get("unit"):
                units[snapshot] = str(q["unit"])
    return ({(key, week): units[snapshot] for key, week, snapshot, _ in rounds
             if snapshot in units}, {(key, week) for key, week, _, _ in rounds})


def week_figures(session: Session, metric: str, keys: Sequence[str],
                 weeks: Sequence[str]) -> list[WeekFigure]:
    """Every (person, week) with a figure from the check-in, the CRM or both."""
    reported = self_reported(session, metric, keys, weeks)
    crm: dict[tuple[str, str], list[tuple[date | None, float]]] = defaultdict(list)
    for row in CrmRepo(session).rows(metric, keys, weeks):
        crm[(row.person_key, row.week)].append((row.day, row.value))
    units, asked = _round_units(session, metric, keys, weeks) if reported or crm \
        else ({}, set())
    out: list[WeekFigure] = []
    for person_key, week in sorted(set(reported) | set(crm)):
        days = crm.get((person_key, week))
        out.append(WeekFigure(person_key, week, reported.get((person_key, week)),
                              sum(v for _, v in days) if days else None, tuple(days or ()),
                              units.get((person_key, week)), (person_key, week) in asked))
    return out


def follow_rename(session: Session, old_key: str, new_key: str) -> None:
    """A key corrected in the org file (`alice` to `amartin`, bot.renames): the CRM's
    figures are kept by key, so they follow it, or her past weeks would read what she
    typed instead of the CRM's, and the same export imported again under the new key
    would count twice. The digests of the files that brought them follow too."""
    touched = list(session.scalars(select(CrmActual.import_id).where(
        CrmActual.person_key == old_key).distinct()))
    if not touched:
        return
    session.execute(update(CrmActual).where(CrmActual.person_key == old_key)
                    .values(person_key=new_key).execution_options(synchronize_session=False))
    for imp in session.scalars(select(CrmImport).where(CrmImport.id.in_(touched))):
        # (Columns, not objects: one already loaded would still have the old key.)
        imp.rows_digest = rows_digest(session.execute(select(
            CrmActual.person_key, CrmActual.metric, CrmActual.day, CrmActual.week,
            CrmActual.value).where(CrmActual.import_id == imp.id)))
