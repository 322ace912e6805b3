"""Actuals for goals: figures imported from CRM exports (one batch per source file), and
the week-by-week figures per person from both the CRM and the check-in answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Answer, Base, CheckinRound, Person, UTCDateTime

if TYPE_CHECKING:
    from bot.crm_import import CrmRow


class CrmImport(Base):
    """One imported file (by name): its content hash, so the same content imports once
    and a corrected file replaces the rows it brought."""

    __tablename__ = "crm_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
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

    def replace(self, source: str, digest: str, fmt: str, rows: Sequence[CrmRow],
                now: datetime) -> int:
        """Store a file's rows in place of what it brought before; returns how many rows
        were replaced."""
        imp = self.source(source)
        replaced = 0
        if imp is None:
            imp = CrmImport(source=source, content_hash=digest, format=fmt,
                            row_count=len(rows), imported_at=now)
            self.session.add(imp)
            self.session.flush()
        else:
            replaced = imp.row_count
            self.session.execute(delete(CrmActual).where(CrmActual.import_id == imp.id))
            imp.content_hash, imp.format, imp.row_count, imp.imported_at = (
                digest, fmt, len(rows), now)
        self.session.add_all(CrmActual(import_id=imp.id, line=r.line, person_key=r.person_key,
                                       metric=r.metric, day=r.day, week=r.week, value=r.value)
                             for r in rows)
        self.session.flush()
        return replaced

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


def week_figures(session: Session, metric: str, keys: Sequence[str],
                 weeks: Sequence[str]) -> list[WeekFigure]:
    """Every (person, week) with a figure from the check-in, the CRM or both."""
    reported = self_reported(session, metric, keys, weeks)
    crm: dict[tuple[str, str], list[tuple[date | None, float]]] = defaultdict(list)
    for row in CrmRepo(session).rows(metric, keys, weeks):
        crm[(row.person_key, row.week)].append((row.day, row.value))
    out: list[WeekFigure] = []
    for person_key, week in sorted(set(reported) | set(crm)):
        days = crm.get((person_key, week))
        out.append(WeekFigure(person_key, week, reported.get((person_key, week)),
                              sum(v for _, v in days) if days else None, tuple(days or ())))
    return out
