"""The GM's charts as PNG images: KPI attainment, team morale and stress, kudos by team.

`render_chart_png` is the one entry point (chat, CLI, digests). It is synchronous and runs
in the database thread: the numbers come from storage/chart_data.py (a few aggregate
reads), the drawing is matplotlib's object-oriented API on its Agg canvas (`Figure`, never
pyplot), so nothing global is switched (no `matplotlib.use`, no rcParams) and nothing is
left behind between calls or threads. Every label comes from the locale's templates.

Chinese text needs a CJK font: Noto Sans CJK, installed as a Python dependency
(noto-cjk-sans-otc), is added to matplotlib's font manager by path once, and named after
DejaVu Sans in each text's family list, so it draws only the glyphs DejaVu lacks.

`python -m bot.charts --demo docs/img` writes the README's example charts.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import quantiles
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import DEFAULT_CHECKIN_SCHEDULE, CheckinSchedule
from bot.numbers import percent_to, round_half_up
from bot.org import Org, team_spellings
from bot.render import Renderer
from bot.team_names import team_key
from bot.weeks import week_of, week_start, weeks_back
from storage import chart_data
from storage.pulse import shown_threshold

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

KINDS = ("attainment", "morale", "kudos")
MAX_WEEKS = 52
#: Image size: 1000 x 560 pixels (readable on a phone, sharp enough on a desktop).
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 100
#: Above this many people, attainment is drawn per team (the mean of its people).
MAX_PEOPLE_LINES = 10
#: Above this many lines (an org's teams, or a team's people), a line each is noise: the
#: chart draws the median and the middle half of everyone's attainment as a shaded band,
#: and only the HIGHLIGHT highest and lowest of them as lines, and says so in a note.
MAX_LINES = 10
HIGHLIGHT = 3
LATIN_FAMILY = "DejaVu Sans"  # matplotlib's own font: ships with it
CJK_FAMILY = "Noto Sans CJK SC"  # the Simplified Chinese face of the collection

_renderer: Renderer | None = None
_font_lock = threading.Lock()
_font_ready = False


def cjk_font_path() -> str:
    """Where the CJK font collection is installed (the noto-cjk-sans-otc package)."""
    import noto_cjk_sans_otc

    return str(noto_cjk_sans_otc.FONT_PATH)


def _fonts() -> None:
    """Add the CJK font to matplotlib's font manager, once per process (by path)."""
    global _font_ready
    if _font_ready:
        return
    with _font_lock:
        if not _font_ready:
            from matplotlib import font_manager

            font_manager.fontManager.addfont(cjk_font_path())
            _font_ready = True


def font(size: float = 10.0) -> FontProperties:
    """Text properties: DejaVu Sans, falling back to Noto Sans CJK SC for CJK glyphs."""
    from matplotlib.font_manager import FontProperties

    _fonts()
    return FontProperties(family=[LATIN_FAMILY, CJK_FAMILY], size=size)


def _text(locale: str, name: str, **params: Any) -> str:
    global _renderer
    if _renderer is None:
        _renderer = Renderer()
    return _renderer.message(locale, name, "plain", **params)


# --- what a chart shows (plain data, tested without pixels) --------------------------------

@dataclass
class Line:
    """One line of a chart: a value (or None: no point) per week shown.

    `tone` is set on a large org's attainment chart: "median", "high" (one of the highest)
    or "low" (one of the lowest); None draws it in the palette's next colour.
    """

    label: str
    values: list[float | None]
    tone: str | None = None
    #: The indexes of the points whose figure (or one of those averaged in it) was
    #: changed after its week ended: drawn ringed, the new figure as /summary reads it.
    edited: list[int] = field(default_factory=list)


@dataclass
class Band:
    """A shaded range per week (None: no range that week), e.g. the middle half of people."""

    label: str
    low: list[float | None]
    high: list[float | None]


@dataclass
class ChartData:
    """Everything a chart draws, already labelled in the viewer's language."""

    kind: str
    locale: str
    title: str
    weeks: list[str]
    week_labels: list[str]
    lines: list[Line] = field(default_factory=list)  # attainment (%), morale
    band: Band | None = None  # attainment of a large org: the middle half of people
    stress: list[Line] = field(default_factory=list)  # morale's second panel
    bars: list[tuple[str, int, int]] = field(default_factory=list)  # kudos: team, given, rcvd
    note: str | None = None  # e.g. slices hidden below the anonymity threshold
    #: How many points are ringed, edited after their week (Line.edited): the legend and
    #: the chat's caption say what the ring means.
    edited: int = 0
    empty: str | None = None  # set when there is nothing to draw: says so instead

    @property
    def has_data(self) -> bool:
        """Whether there is anything to draw."""
        return self.empty is None


def chart_weeks(end_week: date, weeks: int) -> list[str]:
    """The ISO weeks a chart shows, oldest first, ending with the week of `end_week`."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"a chart shows 1 to {MAX_WEEKS} weeks, not {weeks}")
    return weeks_back(week_of(end_week), weeks)


def scope_label(org: Org, locale: str, team: str | None) -> str:
    """What a chart covers: the org's name, or the team."""
    return org.name if team is None else _text(locale, "chart_scope_team", team=team)


def chart_data_for(session: Session, org: Org, kind: str, locale: str, *, end_week: date,
                   weeks: int = 8, team: str | None = None,
                   today: date | None = None, lead: bool = False,
                   reader: str | None = None,
                   schedule: CheckinSchedule = DEFAULT_CHECKIN_SCHEDULE,
                   timezone: str | None = None) -> ChartData:
    """The labelled numbers of a chart (see render_chart_png)."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart {kind!r}: choose one of {', '.join(KINDS)}")
    shown = chart_weeks(end_week, weeks)
    period = _text(locale, "chart_period", first=shown[0], last=shown[-1])
    data = ChartData(kind, locale, _text(locale, "chart_title", kind=kind,
                                 scope=scope_label(org, locale, team), period=period),
                     shown, [_text(locale, "chart_week", number=int(w[-2:])) for w in shown])
    if kind == "attainment":
        _attainment(session, locale, team, data, today, schedule)
    elif kind == "morale":
        _morale(session, org, locale, team, data, lead, reader)
    else:
        _kudos(session, org, locale, team, data, timezone)
    return data


def _attainment(session: Session, locale: str, team: str | None, data: ChartData,
                today: date | None, schedule: CheckinSchedule) -> None:
    """Attainment lines: one per person; for more people, one per team; for more teams
    (or a team of more people) than MAX_LINES, the spread and its extremes (_spread)."""
    people = chart_data.attainment(session, data.weeks, team, today, schedule)
    if not people:
        data.empty = _text(locale, "chart_no_data", kind="attainment")
        return
    _attainment_lines(locale, team, data, people)
    data.edited = sum(len(line.edited) for line in data.lines)


def _person_line(data: ChartData, p: chart_data.PersonAttainment) -> Line:
    return Line(p.name, [_pct(p.weeks.get(w)) for w in data.weeks],
                edited=[i for i, w in enumerate(data.weeks) if w in p.edited])


def _attainment_lines(locale: str, team: str | None, data: ChartData,
                      people: list[chart_data.PersonAttainment]) -> None:
    """The lines of _attainment (see there), edited points marked."""
    if len(people) <= MAX_PEOPLE_LINES:
        data.lines = [_person_line(data, p) for p in people]
        return
    if team is not None:  # a team's chart stays per member: its people are who it is about
        members = [_person_line(data, p) for p in people]
        _spread(locale, data, people, members, "people")
        return
    # Too many people for one line each: one line per team, the mean of its people in
    # each week, each person in the team of that week (as /summary team <name> of that
    # week counts them), not their latest team's over every week.
    teams: dict[str | None, dict[str, list[float]]] = {}
    # A team's week with one of its figures edited after the week: its average is ringed.
    changed: set[tuple[str | None, str]] = set()
    for p in people:
        for w, value in p.weeks.items():
            teams.setdefault(p.teams.get(w, p.team), {}).setdefault(w, []).append(value)
        changed.update((p.teams.get(w, p.team), w) for w in p.edited)
    lines: list[Line] = []
    for name in sorted(teams, key=lambda t: team_key(t or "\uffff")):
        values: list[float | None] = []
        for w in data.weeks:
            found = teams[name].get(w)
            values.append(_pct(sum(found) / len(found)) if found else None)
        label = name if name is not None else _text(locale, "chart_no_team")
        lines.append(Line(_text(locale, "chart_team_average", team=label), values,
                          edited=[i for i, w in enumerate(data.weeks) if (name, w) in changed]))
    if len(lines) <= MAX_LINES:
        data.lines = lines
        return
    _spread(locale, data, people, lines, "teams")


def _spread(locale: str, data: ChartData, people: Sequence[chart_data.PersonAttainment],
            lines: list[Line], unit: str) -> None:
    """More lines than a reader can follow: draw the median and the middle half (25th to
    75th percentile) of the people's attainment each week, and of `lines` (teams or people)
    only the HIGHLIGHT highest and lowest by their average over the weeks shown, with a
    note saying so. Ties go by label, so the same data always picks the same lines."""
    def average(line: Line) -> float:
        shown = [v for v in line.values if v is not None]
        return sum(shown) / len(shown) if shown else -math.inf

    ranked = sorted(lines, key=lambda line: (-average(line), line.label))
    low: list[float | None] = []
    middle: list[float | None] = []
    high: list[float | None] = []
    for w in data.weeks:
        found = [p.weeks[w] for p in people if w in p.weeks]
        quartiles = quantiles(found, n=4, method="inclusive") if len(found) > 1 else found * 3
        for into, value in zip((low, middle, high), quartiles or [None] * 3, strict=True):
            into.append(_pct(value))
    data.band = Band(_text(locale, "chart_middle_half"), low, high)
    # (The median and the band are of everyone: no point of theirs is one person's.)
    data.lines = [Line(_text(locale, "chart_median", people=len(people)), middle, "median"),
                  *(Line(line.label, line.values, "high", line.edited)
                    for line in ranked[:HIGHLIGHT]),
                  *(Line(line.label, line.values, "low", line.edited)
                    for line in ranked[-HIGHLIGHT:])]
    data.note = _text(locale, "chart_spread", unit=unit, count=len(lines), shown=HIGHLIGHT,
                      people=len(people))


def _pct(ratio: float | None) -> float | None:
    """A ratio as the percentage drawn, to 0.1, a half rounded up as every figure shown is
    (bot.numbers): 0.5725 is drawn at 57.3, not round()'s 57.2."""
    return None if ratio is None else percent_to(ratio, 1)


def morale_series(session: Session, weeks: Sequence[str], team: str | None = None,
                  threshold_now: int = 0, *, lead: bool = False, reader: str | None = None,
                  spelled: Mapping[str, str] | None = None
                  ) -> tuple[dict[str | None, dict[str, dict[str, float]]], set[str | None], int]:
    """Thresholded pulse averages: slice -> question -> week -> mean of the polls' averages.

    Slices are the teams with a director (only `team`, if given) and, without a team,
    None for everyone. A slice appears in a poll only where /pulse results would show it
    (at least the poll's threshold answered, and not revealed by subtraction); the
    second value names the slices hidden in some poll, the third the largest threshold.
    `lead`: `team`'s chart read by its own director, who knows their own answers: a poll
    whose team figure holds them needs one answer more (handlers/pulse.py leads_answered;
    `reader`: that director's key, whose own answers alone count).
    """
    from handlers.pulse import (  # /pulse's rule
        Readers,
        asked_visible,
        fold_kept,
        folded_decision,
        leads_answered,
        shown_in,
        visible_slices,
    )
    from storage.pulse import PulseRepo

    # A director written `team: EAST` leads the team the file first writes `East`, whose
    # answers a poll keeps under that name (`spelled`: team_spellings): one line, East.
    names = spelled or {}
    teams = list(dict.fromkeys(names.get(t.casefold(), t)
                               for t in chart_data.director_teams(session, team)))
    if team is not None and not teams:
        teams = [names.get(team.casefold(), team)]
    wanted: list[str | None] = [*teams] if team is not None else [None, *teams]
    first, last = week_start(weeks[0]), week_start(weeks[-1]) + timedelta(days=6)
    polls: dict[str, dict[str, dict[str | None, tuple[int, int]]]] = {}
    thresholds: dict[str, int] = {}
    for t in chart_data.pulse_tallies(session, first, last):
        polls.setdefault(t.poll, {}).setdefault(t.question, {})[t.team] = (t.n, t.total)
        thresholds[t.poll] = shown_threshold(t.threshold, threshold_now)
    # A poll hidden as a whole keeps no answers (handlers/pulse.py forget_hidden): hidden
    # still, in every line (as its answers, read, had it), not a week without a poll.
    dropped = {key: shown_threshold(threshold, threshold_now) for key, threshold in
               chart_data.pulse_dropped(session, first, last) if key not in polls}
    thresholds.update(dropped)
    repo = PulseRepo(session)
    # Those asked who read the results, who know their own answers (one statement), and
    # where each poll keeps their answers (its teams, its questions' order: another).
    readers_of = repo.readers_asked(polls)
    kept = repo.kept(polls)
    # A poll kept before may hold one team under two spellings (`East`, `EAST`), each a
    # group of its own: one team, as /pulse results reads it (handlers/pulse.py team_fold).
    folds = {key: fold_kept(kept.get(key, ([], []))[0], names) for key in polls}
    for key, questions in polls.items():
        for question, slices in questions.items():
            summed: dict[str | None, tuple[int, int]] = {}
            for t, (n, total) in slices.items():
                was = summed.get(folds[key](t), (0, 0))
                summed[folds[key](t)] = (was[0] + n, was[1] + total)
            questions[question] = summed
    readers = {key: Readers(tuple(folds[key](t) for t in rows))
               for key, rows in readers_of.items()}
    # The slices each poll's close showed (handlers/pulse.py decide): these or fewer.
    decided = repo.shown_of(polls)
    asked_of = repo.asked_by_team_of(polls)
    allowed: dict[str, set[str]] = {}
    for key, asked in asked_of.items():
        asked_in: dict[str | None, int] = {}
        for t, n in asked.items():
            asked_in[folds[key](t)] = asked_in.get(folds[key](t), 0) + n
        allowed[key] = asked_visible(asked_in, thresholds[key],
                                     readers.get(key, Readers()).asked())
    own = {(key, folds[key](t), q) for key, t, q in leads_answered(session, kept, teams, reader)
           if key in folds} if team is not None and lead else set()
    readings: dict[tuple[str | None, str, str], list[float]] = {}
    hidden: set[str | None] = set(wanted) if dropped else set()
    for poll, questions in polls.items():
        week = week_of(date.fromisoformat(poll))
        stored = kept.get(poll, ([], []))[0]
        # Shown as one only where every spelling was shown at the close (folded_decision).
        decision = folded_decision(decided.get(poll), folds[poll], stored,
                                   asked_of.get(poll, {}))
        for question, slices in questions.items():
            total = sum(n for n, _ in slices.values())
            per_team = {str(t): n for t, (n, _) in slices.items() if t is not None}
            asked_readers = readers[poll].in_slices(
                {str(folds[poll](t)) for t in stored}) if poll in readers else {}
            org_shown, team_shown = visible_slices(total, per_team, thresholds[poll],
                                                   allowed.get(poll, set()), asked_readers)
            if decision is not None:
                keep = shown_in(decision, question)
                org_shown, team_shown = org_shown and "" in keep, team_shown & keep
            for s in wanted:
                if s is None and org_shown:
                    value = sum(v for _, v in slices.values()) / total
                elif s is not None and s in team_shown and (
                        (poll, s, question) not in own or slices[s][0] > thresholds[poll]):
                    n, value_sum = slices[s]
                    value = value_sum / n
                else:
                    hidden.add(s)
                    continue
                readings.setdefault((s, question, week), []).append(value)
    out: dict[str | None, dict[str, dict[str, float]]] = {}
    for (s, question, week), values in readings.items():
        out.setdefault(s, {}).setdefault(question, {})[week] = sum(values) / len(values)
    return out, hidden, max(thresholds.values(), default=0)


def _morale(session: Session, org: Org, locale: str, team: str | None,
            data: ChartData, lead: bool = False, reader: str | None = None) -> None:
    series, hidden, threshold = morale_series(session, data.weeks, team, org.pulse.threshold,
                                              lead=lead, reader=reader,
                                              spelled=team_spellings(org))
    order = sorted(series, key=lambda s: (s is not None, s or ""))
    for s in order:
        label = _text(locale, "chart_everyone") if s is None else s
        for question, into in (("morale", data.lines), ("stress", data.stress)):
            weeks = series[s].get(question)
            if weeks:
                into.append(Line(label, [_round(weeks.get(w)) for w in data.weeks]))
    if hidden:
        names = sorted(_text(locale, "chart_everyone") if s is None else s for s in hidden)
        data.note = _text(locale, "chart_hidden", threshold=threshold, teams=names)
    if not data.lines and not data.stress:
        data.empty = _text(locale, "chart_no_data", kind="morale")


def _round(value: float | None) -> float | None:
    return None if value is None else round_half_up(value, 2)


def kudos_period(org: Org, weeks: Sequence[str],
                 timezone: str | None = None) -> tuple[datetime, datetime]:
    """The UTC instants a chart's weeks span: Monday 00:00 to Monday in the reader's
    timezone (None: the org's), as the reader's /summary counts its kudos: a kudos given on
    Sunday evening in New York is Monday's, next week's, for a reader in Shanghai."""
    tz = ZoneInfo(timezone or org.timezone)
    start = datetime.combine(week_start(weeks[0]), time(), tz).astimezone(UTC)
    end = datetime.combine(week_start(weeks[-1]) + timedelta(days=7), time(), tz)
    return start, end.astimezone(UTC)


def _kudos(session: Session, org: Org, locale: str, team: str | None,
           data: ChartData, timezone: str | None = None) -> None:
    start, end = kudos_period(org, data.weeks, timezone)
    # One team stored in two spellings (`EAST`, `East`) is one bar, named as the org file
    # first writes it (a gone team's: as first stored), as /summary counts its kudos.
    names = dict(team_spellings(org))
    bars: dict[str | None, list[int]] = {}
    for r in chart_data.kudos_per_team(session, start, end):
        if team is None or team_key(r.team) == team_key(team):
            name = names.setdefault(team_key(r.team), r.team) if r.team else None
            counts = bars.setdefault(name, [0, 0])
            counts[0] += r.given
            counts[1] += r.received
    data.bars = [(t if t is not None else _text(locale, "chart_no_team"), given, received)
                 for t, (given, received) in sorted(bars.items(),
                                                    key=lambda b: (b[0] is None, b[0] or ""))]
    if not data.bars:
        data.empty = _text(locale, "chart_no_data", kind="kudos")


# --- drawing -------------------------------------------------------------------------------

def render_chart(session: Session, org: Org, kind: str, locale: str, *, end_week: date,
                 weeks: int = 8, team: str | None = None, today: date | None = None,
                 lead: bool = False, reader: str | None = None,
                 schedule: CheckinSchedule = DEFAULT_CHECKIN_SCHEDULE,
                 timezone: str | None = None) -> tuple[bytes, ChartData]:
    """render_chart_png's PNG, and the data it draws (the chat's caption reads it)."""
    data = chart_data_for(session, org, kind, locale, end_week=end_week, weeks=weeks,
                          team=team, today=today, lead=lead, reader=reader,
                          schedule=schedule, timezone=timezone)
    return draw(data), data


def render_chart_png(session: Session, org: Org, kind: str, locale: str, *, end_week: date,
                     weeks: int = 8, team: str | None = None,
                     today: date | None = None, lead: bool = False,
                     reader: str | None = None,
                     schedule: CheckinSchedule = DEFAULT_CHECKIN_SCHEDULE,
                     timezone: str | None = None) -> bytes:
    """A chart as PNG bytes (1000 x 560 px), labelled in `locale` (en or zh-CN).

    `kind`: attainment (each person's KPI attainment, % of target, with a 100% line;
    per team when there are many people), morale (team morale and stress from the pulse
    polls, only slices at or above the anonymity threshold, hidden ones named), or kudos
    (given and received per team). `end_week` is the Monday of the last week shown;
    `team` restricts it to one team (`lead`: for its own director, `reader` their key, see
    morale_series).
    `today` is the org's day (its timezone): a CRM row dated after it counts from its day
    on, as /summary and /goals count it (None: every row, for a chart of weeks long past).
    `schedule`: CHECKIN_SCHEDULE, which tells a week away as /summary does (no point).
    `timezone`: the reader's (None: the org's), whose Monday to Sunday the kudos chart
    counts, as their /summary does.
    ValueError for an unknown kind or a bad week count.
    """
    return render_chart(session, org, kind, locale, end_week=end_week, weeks=weeks, team=team,
                        today=today, lead=lead, reader=reader, schedule=schedule,
                        timezone=timezone)[0]


def draw(data: ChartData) -> bytes:
    """Draw a chart's data as PNG bytes."""
    buffer = io.BytesIO()
    figure(data).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def figure(data: ChartData) -> Any:
    """A chart's data as a matplotlib Figure on an Agg canvas, ready to save."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.suptitle(data.title, fontproperties=font(13))
    if not data.has_data:
        fig.text(0.5, 0.5, data.empty or "", ha="center", va="center",
                 fontproperties=font(14), color="#555555")
    elif data.kind == "attainment":
        _draw_attainment(fig, data)
    elif data.kind == "morale":
        _draw_morale(fig, data)
    else:
        _draw_kudos(fig, data)
    if data.note:
        fig.text(0.01, 0.015, data.note, ha="left", va="bottom", fontproperties=font(9),
                 color="#7a4a00")
    _literal(fig)
    return fig


def _literal(fig: Any) -> None:
    """Draw every text as written: names such as "Team $West$" or "R&D $1M club$" are not
    TeX (matplotlib would set them as mathematics, or fail on a stray "$" or "^").

    Every text artist of the figure is switched once it is complete (titles, labels,
    notes, legend entries and the tick labels the axes hold), so no drawing call can
    forget it; nothing global (rcParams) is touched.
    """
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _colours(count: int) -> list[Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(count)]


def _week_axis(ax: Any, data: ChartData) -> None:
    step = max(1, math.ceil(len(data.weeks) / 13))  # at most ~13 labels: they stay legible
    ticks = list(range(0, len(data.weeks), step))
    ax.set_xticks(ticks, [data.week_labels[i] for i in ticks], fontproperties=font(9))
    ax.set_xlim(-0.5, len(data.weeks) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def _legend(ax: Any, count: int) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), prop=font(9 if count <= 12 else 7),
              frameon=False)


def _draw_attainment(fig: Any, data: ChartData) -> None:
    ax = fig.add_axes((0.08, 0.1, 0.66, 0.78))
    xs = list(range(len(data.weeks)))
    if data.band is None:  # a line per person or team
        for line, colour in zip(data.lines, _colours(len(data.lines)), strict=True):
            ax.plot(xs, _nan(line.values), marker="o", markersize=3.5, linewidth=1.6,
                    color=colour, label=line.label)
    else:
        _draw_spread(ax, xs, data)
    ax.axhline(100, color="#333333", linestyle="--", linewidth=1.2,
               label=_text(data.locale, "chart_target_line"))
    if data.edited:
        # A ring round each point whose figure was changed after its week ended (the
        # line's colour), and one legend entry saying what a ring means.
        colours = [line.get_color() for line in ax.get_lines()]
        for line, colour in zip(data.lines, colours, strict=False):
            if line.edited:
                ax.scatter(line.edited, [line.values[i] for i in line.edited], s=110,
                           facecolors="none", edgecolors=[colour], linewidths=1.6, zorder=3)
        ax.scatter([], [], s=110, facecolors="none", edgecolors="#333333", linewidths=1.6,
                   label=_text(data.locale, "chart_edited"))
    highs = data.band.high if data.band is not None else []
    top = max([v for line in data.lines for v in line.values if v is not None]
              + [v for v in highs if v is not None] + [100])
    ax.set_ylim(0, top * 1.1)
    ax.set_ylabel(_text(data.locale, "chart_attainment_axis"), fontproperties=font(10))
    _week_axis(ax, data)
    _legend(ax, len(data.lines) + 1 + (data.band is not None) + bool(data.edited))


#: A large org's attainment: the highest lines in greens, the lowest in reds, darkest first.
_TONES = {"high": ("#1b7837", "#4dac26", "#a1d76a"), "low": ("#b2182b", "#e66101", "#f1a340")}


def _draw_spread(ax: Any, xs: list[int], data: ChartData) -> None:
    """The shaded middle half, the median over it, and the highest and lowest lines."""
    assert data.band is not None
    ax.fill_between(xs, _nan(data.band.low), _nan(data.band.high), color="#9aa7b4",
                    alpha=0.35, linewidth=0, label=data.band.label)
    # A point marker per week only while there are few weeks: 52 of them are clutter.
    marker = "o" if len(xs) <= 13 else None
    used = {"high": 0, "low": 0}
    for line in data.lines:
        if line.tone == "median":
            colour, width = "#1f2d3d", 2.4
        else:
            tone = line.tone or "high"
            colour, width = _TONES[tone][used[tone] % 3], 1.6
            used[tone] += 1
        ax.plot(xs, _nan(line.values), marker=marker, markersize=3.5, linewidth=width,
                color=colour, label=line.label)


def _draw_morale(fig: Any, data: ChartData) -> None:
    xs = list(range(len(data.weeks)))
    panels = [(data.lines, "chart_morale_axis", (0.08, 0.55, 0.66, 0.34)),
              (data.stress, "chart_stress_axis", (0.08, 0.12, 0.66, 0.34))]
    labels = sorted({line.label for lines, _, _ in panels for line in lines},
                    key=lambda label: label != _text(data.locale, "chart_everyone"))
    colour = dict(zip(labels, _colours(len(labels)), strict=True))
    for lines, axis, box in panels:
        ax = fig.add_axes(box)
        for line in lines:
            # Polls come every few weeks: the line joins the readings across the weeks
            # without one (an attainment line, by contrast, breaks where nobody reported).
            points = [(x, v) for x, v in zip(xs, line.values, strict=True) if v is not None]
            ax.plot([x for x, _ in points], [v for _, v in points], marker="o", markersize=4,
                    linewidth=1.6, color=colour[line.label], label=line.label)
        ax.set_ylim(1, 5)
        ax.set_ylabel(_text(data.locale, axis), fontproperties=font(9))
        _week_axis(ax, data)
        if lines and axis == "chart_morale_axis":
            _legend(ax, len(lines))


def _draw_kudos(fig: Any, data: ChartData) -> None:
    ax = fig.add_axes((0.08, 0.16, 0.72, 0.72))
    xs = list(range(len(data.bars)))
    width = 0.4
    given_label = _text(data.locale, "chart_kudos_given")
    received_label = _text(data.locale, "chart_kudos_received")
    from matplotlib.ticker import MaxNLocator

    given = ax.bar([x - width / 2 for x in xs], [b[1] for b in data.bars], width,
                   label=given_label, color="#4c72b0")
    received = ax.bar([x + width / 2 for x in xs], [b[2] for b in data.bars], width,
                      label=received_label, color="#dd8452")
    if len(xs) <= 12:  # the counts themselves, where there is room for them
        ax.bar_label(given, fontsize=8)
        ax.bar_label(received, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(xs, [b[0] for b in data.bars], fontproperties=font(9),
                  rotation=30 if len(xs) > 8 else 0, ha="right" if len(xs) > 8 else "center")
    ax.set_ylabel(_text(data.locale, "chart_kudos_axis"), fontproperties=font(10))
    ax.grid(axis="y", alpha=0.3)
    _legend(ax, 2)
