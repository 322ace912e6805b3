"""`/summary chart [attainment|morale|kudos] [team <name>] [last Nw] [week]`: a chart as an image.

The same readers as /summary: the GM and the summary viewers see any team or everyone;
a director sees their own team's charts only; anyone else is refused. The image always
goes to the reader's DM (a group hears only that the answer went there), in their language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.charts import (
    KINDS,
    MAX_WEEKS,
    chart_weeks,
    kudos_period,
    render_chart,
    scope_label,
)
from bot.org import Org, team_spellings
from bot.readers import VIEWERS, team_readers
from bot.team_names import team_key
from bot.weeks import week_start
from handlers.context import Context, one_moment
from handlers.period_words import CHINESE, read_period
from handlers.summary import (
    SummaryRequest,
    SummaryWeekError,
    resolve_week,
    said_in_english,
    typed_week,
)
from handlers.teams_then import (
    TeamLookup,
    find_team,
    last_week_of,
    teams_then,
    teams_today,
)

DEFAULT_WEEKS = 8
_WEEK = re.compile(r"\d{1,6}-[Ww]\w*|[Ww]\d{1,2}")
#: The charts' and the command's words in Chinese.
_CHINESE_WORDS = {"达成率": "attainment", "完成率": "attainment", "士气": "morale",
                  "点赞": "kudos", "团队": "team"}


class ChartUsageError(ValueError):
    """The chart arguments could not be understood."""


@dataclass(frozen=True)
class ChartRequest:
    """What `/summary chart` was asked for."""

    kind: str = "attainment"
    weeks: int = DEFAULT_WEEKS
    week: str | None = None  # as SummaryRequest.week: None, 'last', 'this' or typed
    team: str | None = None


def parse_chart(args: str) -> ChartRequest:
    """'chart', 'chart morale team East last 12w', 'chart kudos 2026-W47', 'chart last week',
    'chart week' (this week's), 'chart week 2026-W47'."""
    words = [_CHINESE_WORDS.get(w, w) for w in said_in_english(args).split()[1:]]
    kind, weeks, week, team = "attainment", DEFAULT_WEEKS, None, None
    i = 0
    while i < len(words):
        word = words[i].lower()
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        said = read_period(words, i) if word != "week" else None
        if word in KINDS:
            kind = word
        elif said is not None:
            # 'this week', 这周, 上个星期 (handlers/period_words.py); a chart is of weeks:
            # a month or a quarter is not one of its words.
            if said[0] not in {"week", "last-week"}:
                raise ChartUsageError(" ".join(words[i:i + said[1]]))
            week = "last" if said[0] == "last-week" else "this"
            i += said[1] - 1
        elif word == "last" and nxt:
            match = re.fullmatch(r"(\d{1,2})\s*w?", nxt)
            if not match or not 1 <= int(match.group(1)) <= MAX_WEEKS:
                raise ChartUsageError(words[i + 1])
            weeks, i = int(match.group(1)), i + 1
        elif word == "before-last":  # 上上周 (said_in_english)
            week = word
        elif word == "week":
            # `week 2026-W47` (`week 47`, `week last`) as /summary reads it; a bare `week`
            # is the current week, as `this week` and every period word's reader take it
            # (README *Period words*), not a word the chart does not know.
            # (`week last 12w` is this week's chart of 12 weeks.)
            after = words[i + 2].lower() if i + 2 < len(words) else ""
            if _WEEK.fullmatch(nxt) or re.fullmatch(r"\d{1,2}", nxt) or (
                    nxt in {"last", "this"} and not re.fullmatch(r"\d{1,2}\s*w?", after)):
                week, i = typed_week(words[i + 1]), i + 1
            else:
                week = "this"
        elif _WEEK.fullmatch(word):
            week = words[i]
        elif word == "team" and nxt:
            # A team's name may have spaces: it runs up to the next word with a meaning.
            end = i + 1
            while end < len(words) and not _keyword(words[end]):
                end += 1
            if end == i + 1:
                raise ChartUsageError(words[i])
            team, i = " ".join(words[i + 1:end]), end - 1
        else:
            raise ChartUsageError(words[i])
        i += 1
    return ChartRequest(kind, weeks, week, team)


def chart_team(session: Session, org: Org, typed: str, end: date, weeks: int,
               timezone: str | None = None) -> TeamLookup:
    """The team a chart of `weeks` weeks up to the one starting `end` is asked for: one of
    today's, or one its weeks' rounds or kudos (the reader's `timezone`, as the chart
    counts them) were stored with, renamed or closed since (handlers/teams_then.py)."""
    shown = chart_weeks(end, weeks)
    start, stop = kudos_period(org, shown, timezone)
    return find_team(typed, teams_today(session), teams_then(session, shown, start, stop),
                     team_spellings(org))


def _keyword(word: str) -> bool:
    lower = word.lower()
    return lower in KINDS or lower in {"last", "this", "current", "previous", "team",
                                       "before-last", "week"} or \
        lower in CHINESE or \
        bool(_WEEK.fullmatch(lower))


def cmd_summary_chart(ctx: Context, args: str) -> None:
    """Send the chart `args` asks for to the reader, if they may see it."""
    person = ctx.person
    if person is None or not (person.can_view_summary or
                              (person.role == "director" and person.team)):
        ctx.reply("summary_chart_refused")
        return
    try:
        request = parse_chart(args)
    except ChartUsageError as err:
        ctx.reply("summary_chart_usage", bad=str(err))
        return
    team = request.team
    if not person.can_view_summary:
        # A director: their own team, whatever else was typed.
        # (Named as the org file first writes it: `EAST`'s director leads East's chart.)
        own = team_spellings(ctx.org).get(team_key(person.team), person.team)
        if team is not None and team_key(team) != team_key(person.team):
            ctx.reply("summary_chart_own_team", team=own)
            return
        team = own
    try:
        week = resolve_week(ctx, SummaryRequest("week", week=request.week), person.timezone)
    except SummaryWeekError as err:
        ctx.reply("summary_bad_week", value=err.value, reason=err.reason, **err.params)
        return
    end = week_start(week)
    if person.can_view_summary and team is not None:
        found = chart_team(ctx.session, ctx.org, team, end, request.weeks, person.timezone)
        if found.name is None:
            ctx.reply("summary_unknown", kind="team", name=team, teams=found.today,
                      gone=found.gone, chart=True, guess=found.guess(team),
                      last=last_week_of(ctx.session, team, person.timezone))
            return
        team = found.name
    with one_moment(ctx) as seen:  # the chart's reads, at one moment (see one_moment)
        png, data = render_chart(seen.session, ctx.org, request.kind, person.locale,
                                 end_week=end, weeks=request.weeks, team=team,
                                 today=ctx.org_today(), lead=not person.can_view_summary,
                                 reader=person.key,
                                 schedule=ctx.settings.checkin_schedule,
                                 timezone=person.timezone)
    shown = chart_weeks(end, request.weeks)
    period = ctx.render("chart_period", first=shown[0], last=shown[-1])
    # (Points edited after their week are ringed: the caption says what a ring means.)
    caption = ctx.render("summary_chart_caption", kind=request.kind, period=period,
                         scope=scope_label(ctx.org, person.locale, team), edited=data.edited)
    ctx.reply_image(png, f"{request.kind}-{week}.png", caption,
                    readers=VIEWERS if person.can_view_summary else team_readers(team or ""))
