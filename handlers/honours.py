"""Honours: the monthly honour roll built from kudos, posted on the first working day of
each month (or, after the bot was down then, when it starts within the month's first week),
and `/honours [YYYY-MM|YYYY]` for any month or year."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, object_session

from bot.clock import as_utc
from bot.events import GAVE_UP, REFUSED, REJECTED, OutboundMessage, Target
from bot.name_order import name_key
from bot.org import Org, team_spellings
from bot.readers import GM
from bot.suggest import closest
from bot.team_names import team_key, team_order
from handlers.answers import normalise, team_word
from handlers.context import Context, Fallback
from handlers.kudos import kudos_label, team_typed, today_teams
from handlers.period_words import month_named, month_said, quarter_named, read_period
from storage.digest import DigestRepo
from storage.kudos import Kudos, KudosRepo, shared_names
from storage.models import Person

_MONTH = re.compile(r"^(\d{4})(?:-|\s*年\s*)(\d{1,2})(?:\s*月)?$")  # 2026-11, 2026年11月
_YEAR = re.compile(r"^(\d{4})(?:\s*年)?$")
POST_HOUR = 9  # local time in the org's timezone; the job runs then
#: The first year /honours reads (as /summary's weeks); the last is next year.
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Winners:
    """Who (or what) came first, all of them on a tie, and with how many."""

    names: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class TeamHonour:
    """A team's most recognised people (`team` None: people without a team)."""

    team: str | None
    winners: Winners


@dataclass(frozen=True)
class Roll:
    """An honour roll for a month (`month` set) or a year."""

    year: int
    month: int | None
    total: int
    teams: tuple[TeamHonour, ...]
    best_team: Winners | None
    value: Winners | None
    giver: Winners | None
    #: The org's timezone, whose midnights bound its months (a kudos given on the 1st in
    #: Shanghai is still the month before in New York): the roll says which.
    tz: str | None = None
    #: The day (org time) the bot first ran, when that was within the period: nothing
    #: before it was counted, and the roll says so ("A quiet month" of a month it ran
    #: the last 13 days of read as the whole month's).
    counted_from: date | None = None


def _top(counts: Counter[str]) -> Winners | None:
    if not counts:
        return None
    best = max(counts.values())
    return Winners(tuple(sorted((k for k, v in counts.items() if v == best), key=name_key)),
                   best)


def period_of(year: int, month: int | None, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a month or a year, midnight to midnight in the org's timezone."""
    if month is None:
        first, after = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        first = date(year, month, 1)
        after = date(year + (month == 12), month % 12 + 1, 1)
    return (datetime.combine(first, time(), tzinfo=tz), datetime.combine(after, time(), tzinfo=tz))


def first_ran(session: Session, now: datetime) -> datetime:
    """When the bot first ran (storage.digest.first_run), in UTC; `now` if it has written
    nothing yet (this is its first run)."""
    first = DigestRepo(session).first_run()
    return as_utc(first) if first is not None else now


def build_roll(rows: list[Kudos], org: Org, locale: str, year: int,
               month: int | None, *, current: bool = False,
               began: datetime | None = None) -> Roll:
    """Who was most recognised per team, the most cited value, the most generous giver,
    and the team whose people received the most kudos.

    A `current` roll (the month or year in progress) is a current board: someone who has
    left the org file is not ranked on it. A period that is over is history and names who
    earned its honours, also someone who left since. Totals, teams and values count every
    kudos either way.

    Each kudos counts for the recipient's team when it was given (stored with it): someone
    who moved team since is on their old team's roll for that period.

    People are counted by who they are, not by name: two people called 王伟 are two
    people (named with their key beside it, so a reader tells them apart).

    `began`: when the bot first ran (first_ran); if within the period, the roll says it
    counted from that day."""
    per_team: dict[str | None, Counter[str]] = {}
    teams: Counter[str] = Counter()
    values: Counter[str] = Counter()
    givers: Counter[str] = Counter()
    cited: Counter[str] = Counter()
    named: dict[str, str] = {}
    people = {p.id: p for row in rows for p in (row.recipient, row.giver)}
    names = Counter(p.display_name for p in people.values())
    # Two of one name among the period's people (one may have left since), or a name
    # another active person has: keyed as the board and the shout-outs key them, so one
    # 王伟 on the roll is not taken for the other.
    session = object_session(rows[0]) if rows else None
    shared = {n for n, count in names.items() if count > 1} | (
        shared_names(session, set(names)) if session is not None else set())

    def label(person: Person) -> str:
        name = person.display_name
        return f"{name} (@{person.key})" if name in shared else name

    # A team written in two letter cases (`East`, `EAST`) is one team, named as the org
    # file first writes it (split, its kudos counted twice smaller: no team of the month);
    # one gone from the file since, as the period's oldest kudos write it.
    spelled = dict(team_spellings(org))  # (shared: a gone team's name added to a copy)

    def team_of(team: str | None) -> str | None:
        return spelled.setdefault(team_key(team), team) if team else team

    for row in rows:
        recipient: Person = row.recipient
        team = team_of(row.recipient_team)
        if recipient.active or not current:
            per_team.setdefault(team, Counter())[label(recipient)] += 1
        if team:
            teams[team] += 1
        if row.giver.active or not current:
            givers[label(row.giver)] += 1
        for key in row.values or []:
            cited[key] += 1
            # As the period's kudos name it (the latest): a value renamed or taken out of
            # the org file since does not rename a past roll.
            named[key] = kudos_label(org, row, key, locale)
    for key, count in cited.items():
        values[named[key]] += count
    honours = tuple(TeamHonour(team, winners) for team, counter in sorted(
        per_team.items(), key=lambda item: team_order(item[0]))
        if (winners := _top(counter)) is not None)
    start, end = period_of(year, month, org.tz)
    counted_from = began.astimezone(org.tz).date() \
        if began is not None and start < began < end else None
    return Roll(year, month, len(rows), honours, _top(teams), _top(values), _top(givers),
                org.timezone, counted_from)


def month_typed(text: str) -> tuple[int, int] | None:
    """(year, month number) of a month as typed, '2026-11' or '2026年11月' (full-width
    digits too), whether or not that month exists (2026-13): /honours and /monthly read
    months alike."""
    found = _MONTH.match(normalise(text))
    return (int(found.group(1)), int(found.group(2))) if found else None


def roll_period(arg: str, today: date) -> tuple[int, int | None] | None:
    """(year, month) of '2026-11' or 'December' (the latest one begun), (year, None) of
    '2026', last month of ''; None if bad."""
    arg = normalise(arg)
    month, year_match = month_typed(arg), _YEAR.match(arg)
    if not arg:
        return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if month and 1 <= month[1] <= 12:
        return month
    if year_match:
        return int(year_match.group(1)), None
    # 'last month', 本月, 'this year', 去年 (handlers/period_words.py): the calendar's, as
    # the rolls are named (a year's roll is January to December).
    words = arg.split()
    # A month by its name, with or without its year: 'December', 12月, 'Dec 2026'. The
    # roll's heading names the year it was read as.
    named = month_named(words, 0, today) if words else None
    if named is not None and named[1] == len(words):
        return named[0] if 1 <= named[0][1] <= 12 else None
    said = read_period(words, 0) if words else None
    if "财年" in arg or "fiscal" in arg.lower():
        return None  # a roll's year is the calendar's: no fiscal year is one
    if said is None or said[1] != len(words):
        return None
    typed = month_said(words, 0, today)
    if typed is not None:
        return typed[0]
    if said[0] in {"year", "last-year"}:
        return today.year - (said[0] == "last-year"), None
    return None


def cmd_honours(ctx: Context, args: str) -> None:
    """/honours: last month's roll; /honours 2026-11 a month; /honours 2026 a year."""
    local = ctx.clock.now().astimezone(ctx.org.tz)
    words = team_word(normalise(args)).split()
    at = next((n for n, w in enumerate(words) if w.lower() == "team"), None)
    if at is not None and at + 1 < len(words):
        # `/honours team East`: a roll is the whole org's, each team's best on it. The
        # team is read first: '/honours 2027-03 team Nowhere' is told the team is none,
        # not that March 2027 has not begun.
        _team_asked(ctx, words[:at], words[at + 1:], local)
        return
    show = roll_period(args, local.date())
    if show is None:
        words = normalise(args).split()
        quarter = quarter_named(words, 0, local.date(), ctx.org.goals.fiscal_year_start) \
            if words else None
        if quarter is not None and quarter[1] == len(words):
            # `/honours Q4`: rolls are monthly or yearly; the quarter's board is /kudos top's
            # (the same words, read the same way there).
            ctx.reply("honours_no_quarter", example=f"{local.year}-{local.month:02d}",
                      quarter=quarter[0], asked=" ".join(words))
            return
        ctx.reply("honours_usage", example=f"{local.year}-{local.month:02d}")
        return
    if not FIRST_YEAR <= show[0] <= local.year + 1:
        # Year 0 or 9999-12 has no calendar month to bound; year 1 no kudos. (Next year
        # is let through to be told it has not begun, but named as no year of rolls.)
        ctx.reply("honours_year_range", first=FIRST_YEAR, last=local.year,
                  example=f"{local.year}-{local.month:02d}")
        return
    start, end = period_of(show[0], show[1], ctx.org.tz)
    if start > ctx.clock.now():
        # "No kudos were given in March 2027. A quiet month" read as if it were over.
        ctx.reply("honours_not_begun", period=f"{show[0]}-{show[1]:02d}" if show[1]
                  else str(show[0]), year=local.year)
        return
    in_progress = start <= ctx.clock.now() < end
    rows = KudosRepo(ctx.session).between(start, end)
    began = first_ran(ctx.session, ctx.clock.now())
    if not rows and began >= end:
        # A month (or year) over before the bot first ran: "A quiet month" read as if
        # the team had praised nobody, when nothing could have been counted then.
        ctx.reply("honours_before_bot", roll_year=show[0], roll_month=show[1],
                  now=f"{local.year}-{local.month:02d}",
                  first=began.astimezone(ctx.org.tz).date())
        return
    ctx.reply("honours_roll", roll=build_roll(rows, ctx.org, ctx.locale, *show,
                                              current=in_progress, began=began),
              in_progress=in_progress, private=False)


def _team_asked(ctx: Context, before: list[str], after: list[str], local: datetime) -> None:
    """`/honours [period] team NAME`: the team told to be none (with the teams there
    are), or the roll told to take no team, with that team's own leaderboard of the period
    (`before` and what follows the team's name: the period as typed)."""
    team, typed, used = team_typed(ctx, after)
    if team is None:
        teams = sorted(today_teams(ctx), key=team_order)
        ctx.reply("honours_unknown_team", team=typed, teams=teams, guess=closest(typed, teams))
        return
    show = roll_period(" ".join([*before, *after[used:]]), local.date())
    board = ""
    if show is not None and show[1] is not None and FIRST_YEAR <= show[0] <= local.year \
            and period_of(*show, ctx.org.tz)[0] <= ctx.clock.now():
        board = f"{show[0]}-{show[1]:02d}"
    elif show is not None and ctx.org.goals.fiscal_year_start == 1 and \
            show[0] in (local.year, local.year - 1):
        # (The board's year is the fiscal one: the calendar's only where they are one.)
        board = "year" if show[0] == local.year else "last year"
    ctx.reply("honours_no_team", team=team, board=board)


def first_working_day(year: int, month: int) -> date:
    """The first Monday-to-Friday day of a month."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day = day.replace(day=day.day + 1)
    return day


def last_working_day(year: int, month: int) -> date:
    """The last Monday-to-Friday day of a month."""
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


#: A month's honour roll and review are due from POST_HOUR on its first working day; a bot
#: that was down then sends them when it starts (or at POST_HOUR the next days) until the
#: end of the month's seventh day, and not after: a review in the second week is stale.
CATCH_UP_DAYS = 7


def month_opening(local: datetime) -> bool:
    """Whether `local` (org time) is when last month's roll and review are due: from
    POST_HOUR on this month's first working day to the end of its CATCH_UP_DAYS-th day."""
    first = first_working_day(local.year, local.month)
    if local.day > CATCH_UP_DAYS or local.date() < first:
        return False
    return local.date() > first or local.hour >= POST_HOUR


def before_first_run(ctx: Context, year: int, month: int) -> bool:
    """Whether the month was over before the bot first ran (storage.digest.first_run): a
    fresh install started in a month's opening days owes no review nor honour roll of a
    month it was not there for ("Check-ins: none asked", "A quiet month"), as it owes no
    digest of a week before it (handlers/digest.py)."""
    first = DigestRepo(ctx.session).first_run()
    return first is None or as_utc(first) >= period_of(year, month, ctx.org.tz)[1]


def last_opening_run(year: int, month: int, tz: ZoneInfo) -> datetime:
    """The month's last scheduled run of the opening days (bot.scheduler: weekdays at
    POST_HOUR): POST_HOUR on its CATCH_UP_DAYS-th day, or on the last weekday before it.
    Someone added to the org file after it is reached by no run of that month."""
    day = date(year, month, CATCH_UP_DAYS)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day, time(POST_HOUR), tz)


def channel_locale(ctx: Context, platform: str) -> str:
    """The language of a post to a channel everyone on `platform` reads: `org.locale` if
    the org file sets one; else the language most of the org's active people reachable
    there read (their /language choice included), a tie going to the GM's. (It was the
    GM's org-file language: an org of Chinese readers got an English roll.)"""
    if ctx.org.locale is not None:
        return ctx.org.locale
    read = ctx.people.locales_read(platform)
    in_file = next((p for p in ctx.org.people if p.role == "gm"), None)
    gm = ctx.people.by_key(in_file.key) if in_file is not None else None
    first = gm.locale if gm is not None else "en"
    return max(sorted(read, key=lambda locale: locale != first), default=first,
               key=lambda locale: read[locale])


def _not_posted(ctx: Context, gms: list[Person], year: int, month: int, platform: str,
                channel: str, roll_in: Callable[[str], Roll]) -> Fallback | None:
    """What the GM is told, should the platform give the roll's channel post up for good:
    without it, only the log knew, and the team never saw its roll. Worded for why
    (bot.events): the channel refused it (archived, gone, the bot not in it: REFUSED),
    the platform refused it otherwise (REJECTED), or the platform kept failing for the
    outbox's whole retry window (GAVE_UP), when nothing was wrong with the channel; then
    the roll itself follows (`roll_in`: the month's roll in a language), as the GM's own
    copy may have been given up in the same outage, and "forward them the copy I sent
    you" would point at nothing."""
    found = next(((gm, target) for gm in gms if (target := ctx.dm_target(gm)) is not None),
                 None)
    if found is None:
        return None
    gm, target = found

    markup = ctx.addressbook.markup(target.platform)
    copy = ctx.renderer.message(gm.locale, "honours_roll", markup, in_progress=False,
                                roll=roll_in(gm.locale))

    def worded(cause: str) -> OutboundMessage:
        return OutboundMessage(ctx.renderer.message(
            gm.locale, "honours_not_posted", markup, year=year, month=month,
            platform=platform, channel=channel, cause=cause,
            copy=copy if cause == GAVE_UP else ""))
    return target, worded(REFUSED), {GAVE_UP: worded(GAVE_UP), REJECTED: worded(REJECTED)}


def post_monthly_honours(ctx: Context) -> bool:
    """From the first working day of a month (POST_HOUR, org time; until its seventh day
    for a bot that was down, see month_opening), post last month's roll to the honours
    channel of each platform and DM it to the GM.

    Safe to call any number of times: each message has a dedupe key per month, so a
    job firing again, or a restart at that moment, posts once. True if it was due.
    """
    org = ctx.org
    local = ctx.clock.now().astimezone(org.tz)
    if not month_opening(local):
        return False
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    if before_first_run(ctx, year, month):
        return False
    start, end = period_of(year, month, org.tz)
    rows = KudosRepo(ctx.session).between(start, end)
    tag = f"{year}-{month:02d}"
    gms = [p for p in ctx.people.active() if p.role == "gm"]
    rolls: dict[str, Roll] = {}
    began = first_ran(ctx.session, ctx.clock.now())

    def roll_in(locale: str) -> Roll:
        # Built once per language: the channels, the GMs' DMs and the copy a GM's note of
        # a refused channel post repeats read the same roll (it was built for each).
        if locale not in rolls:
            rolls[locale] = build_roll(rows, org, locale, year, month, began=began)
        return rolls[locale]

    for platform, channel in sorted(org.kudos.honours_channel.items()):
        locale = channel_locale(ctx, platform)
        text = ctx.renderer.message(locale, "honours_roll", ctx.addressbook.markup(platform),
                                    roll=roll_in(locale), in_progress=False)
        ctx.post(Target(platform, "channel", channel), text, dedupe_key=f"honours:{tag}:{platform}",
                 fallback=_not_posted(ctx, gms, year, month, platform, channel, roll_in))
    for gm in gms:
        # Sent as the GM's: withdrawn should the org file make someone else GM first.
        ctx.tell(gm, "honours_roll", roll=roll_in(gm.locale),
                 in_progress=False, dedupe_key=f"honours:{tag}:dm:{gm.key}", readers=GM)
    return True
