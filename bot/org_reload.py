"""The running bot follows edits to the org file, without a restart.

Every process (a single bot, the leader and each follower) looks at the org file (and the
goals file it names) every RELOAD_EVERY and on SIGHUP. A changed file is validated with
the same `load_org` start-up uses; a good one is applied as start-up applies it (people
synced, the check-in jobs and org-dependent sweeps brought in line on the leader, a
check-in missed by someone who just became due caught up), a bad one changes nothing and
is logged once per distinct bad version. A valid one that takes too many people out at
once, or gives a key to another person (of someone who left, or an entry edited in place:
bot.org_guard), is held back the same way, and applies once `teampulse apply-org --yes`
has applied it to the people stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.file_words import os_reason
from bot.org import Org, OrgError, parse_org, teams_in_other_case
from bot.org_guard import HeldBack, MassRemoval
from bot.readers import GM
from bot.renames import renamed_entries
from bot.telegram_rights import warn_unbound
from bot.text import Problem, not_utf8, said_in
from storage.db import describe_db_error

if TYPE_CHECKING:
    from bot.core import TeamPulse
    from handlers.context import Context

log = logging.getLogger(__name__)

#: How often the org file is looked at (a stat; it is read only when that changed).
RELOAD_EVERY = 60.0
#: People named in the reload's log line before "…".
NAMED = 5
#: Problems the GM's chat notice of a refused edit lists before "and N more".
NOTICE_LINES = 10


@dataclass(frozen=True)
class OrgChange:
    """What differs between two orgs: people by key, and the other sections by name."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    #: (old key, new key) of each person whose key the edit changed (bot.renames).
    renamed: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.sections
                    or self.renamed)

    def describe(self) -> str:
        """One line for the log: '1 added (dana), 2 changed (…); settings changed: values'."""
        people = ", ".join(f"{len(keys)} {what} ({_named(keys)})" for what, keys in (
            ("added", self.added), ("removed", self.removed), ("changed", self.changed))
            if keys)
        if self.renamed:
            moves = tuple(f"{old} → {new}" for old, new in self.renamed)
            people = ", ".join(p for p in (
                people, f"{len(moves)} renamed ({_named(moves)})") if p)
        settings = "settings changed: " + ", ".join(self.sections) if self.sections else ""
        return "; ".join(part for part in (people, settings) if part) or "no change"


def _named(keys: tuple[str, ...]) -> str:
    shown = ", ".join(keys[:NAMED])
    return shown + (", …" if len(keys) > NAMED else "")


def org_change(old: Org, new: Org) -> OrgChange:
    """What an edit changed, as an operator reads it."""
    old_people = {p.key: p for p in old.people}
    new_people = {p.key: p for p in new.people}
    sections = tuple(f.name for f in fields(Org)
                     if f.compare and f.name != "people"
                     and getattr(old, f.name) != getattr(new, f.name))
    moved = _renames(old, new)
    kept = set(moved) | set(moved.values())
    return OrgChange(
        added=tuple(k for k in new_people if k not in old_people and k not in kept),
        removed=tuple(k for k in old_people if k not in new_people and k not in kept),
        changed=tuple(k for k, p in new_people.items()
                      if k in old_people and old_people[k] != p),
        sections=sections,
        renamed=tuple((old_key, new_key) for new_key, old_key in moved.items()))


def _renames(old: Org, new: Org) -> dict[str, str]:
    """{new key: old key}: the people the edit renamed, as the people table's sync sees them."""
    return renamed_entries(old.people, new.people)


def newly_due(old: Org, new: Org) -> list[str]:
    """People whose check-in moment is new with this edit: added, starting to check in,
    or moved to another timezone. Start-up would catch their missed check-in up; so does
    a reload."""
    before = {p.key: p for p in old.people}
    before |= {new_key: before[old_key] for new_key, old_key in _renames(old, new).items()}
    return [p.key for p in new.people if p.checks_in and (
        (was := before.get(p.key)) is None or not was.checks_in or was.timezone != p.timezone)]


def moved_from(old: Org, new: Org) -> dict[str, str]:
    """{key: the timezone they had}: people who check in whom the edit moved to another
    timezone (see bot.scheduler.catch_up: the week they were still owed there)."""
    before = {p.key: p for p in old.people}
    before |= {new_key: before[old_key] for new_key, old_key in _renames(old, new).items()}
    return {p.key: was.timezone for p in new.people if p.checks_in
            and (was := before.get(p.key)) is not None and was.checks_in
            and was.timezone != p.timezone}


Stamp = tuple[tuple[str, int, int], ...]


def _stamp(paths: list[Path]) -> Stamp:
    """Each file's modification time and size (a missing file reads as -1, -1)."""
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(path), -1, -1))
    return tuple(out)


def stamp_of(path: Path, org: Org | None = None) -> Stamp:
    """The org file's (and, given its org, the goals file's) time and size: taken before
    start-up reads the file, an edit made while it starts is a change, not missed."""
    return _stamp([path] if org is None else _watched(path, org))


def _watched(path: Path, org: Org) -> list[Path]:
    """The org file and the goals file it names (edited on its own, it changes the org too)."""
    goals = org.goals.source
    return [path] + ([Path(goals)] if goals else [])


@dataclass
class OrgWatcher:
    """Notices edits to the org file and applies good ones to the running bot."""

    bot: TeamPulse
    path: Path
    #: What the last look at the files saw, and the hash of what it read.
    stamp: Stamp = ()
    digest: str | None = None
    #: Bad versions already reported (by hash of the text), so each is logged once.
    refused: set[str] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: An applied edit whose jobs the leader has still to bring in line: (old org, new org).
    _jobs_due: tuple[Org, Org] | None = None
    #: A refused version not told to the GM yet: (its hash, the problems), told once still
    #: there at the next look (a file saved in place is briefly half-written).
    _notice_due: tuple[str, OrgError] | None = None
    #: A valid version held back for taking too many people out (bot.org_guard): (the org,
    #: its hash), tried again at each look, so it applies once `teampulse apply-org --yes`
    #: has applied it to the people stored.
    _held: tuple[Org, str | None] | None = None
    #: The versions the GM was told of (see `_tell_gm`).
    _told: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # The files as start-up read them (see `stamp_of`): only a later edit is a change.
        self.stamp = self.stamp or _stamp(_watched(self.path, self.bot.org))

    def wake(self) -> None:
        """Look at the file now (SIGHUP)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, every: float = RELOAD_EVERY) -> None:
        """Check every `every` seconds, or when woken, until `stop`."""
        while not stop.is_set():
            forced = self._wake.is_set()
            self._wake.clear()
            try:
                await self.check(force=forced)
            except DBAPIError as exc:  # the database is down: the next look tries again
                log.error("the edited org file could not be applied (%s); trying again in "
                          "%.0f s", describe_db_error(exc), every)
            except Exception:
                log.exception("reloading the org file failed; trying again in %.0f s", every)
            waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            try:
                await asyncio.wait(waits, timeout=every, return_when=asyncio.FIRST_COMPLETED)
            finally:  # (cancelled at exit, too)
                for task in waits:
                    task.cancel()

    async def check(self, *, force: bool = False) -> OrgChange | None:
        """Apply the org file if it changed since the last look; what changed, or None
        (unchanged, or refused).

        `force` reads the file even when its time and size look the same (SIGHUP).
        """
        self._sync_jobs()
        stamp = _stamp(_watched(self.path, self.bot.org))
        if stamp == self.stamp and not force:
            if self._held is not None:
                change = await self._apply(*self._held, stamp)
                if self._held is None:  # applied on purpose meanwhile
                    return change
            if self._notice_due is not None:
                await self._tell_gm(*self._notice_due)
            return None
        text, unreadable, line = await asyncio.to_thread(self._read)
        self._held = None  # (whatever the file says now is what counts)
        digest = None if unreadable else _digest(text, stamp)
        if digest is not None and digest == self.digest:
            self.stamp = stamp  # touched, or saved unchanged (a bad version put right)
            self._notice_due = None
            if force:
                log.info("org file %s: unchanged", self.path)
            return None
        try:
            if unreadable:  # (named `org.yaml:N:` as a start names it)
                raise OrgError(self.path, [unreadable], [line])
            new = await asyncio.to_thread(parse_org, text, self.path)
        except OrgError as exc:
            key = digest or f"{line}:{unreadable}"
            if key not in self.refused:
                self.refused.add(key)
                self.bot.metrics.org_reloads.labels("refused").inc()
                log.warning("org file not reloaded; the running org is kept. %s", exc)
                version = hashlib.sha256((key + repr(stamp)).encode("utf-8")).hexdigest()
                self._notice_due = (version[:40], exc)
            self.stamp = stamp
            return None
        if _stamp(_watched(self.path, self.bot.org)) != stamp:
            # Written again while we read it (an editor saving in place truncates, then
            # writes): what we read may be its first part, still a valid org. Not applied;
            # the next look reads the file as it is then.
            log.info("org file %s changed while it was read; reading it again at the next "
                     "look", self.path)
            return None
        self._notice_due = None  # a good version came in time: nothing to tell
        return await self._apply(new, digest, stamp, force=force)

    async def _apply(self, new: Org, digest: str | None, stamp: Stamp, *,
                     force: bool = False) -> OrgChange | None:
        """Apply a valid version read from the files as `stamp` found them, unless it
        bot.org_guard holds back (then it is held: see `_hold`)."""
        old = self.bot.org
        change = org_change(old, new)
        if not change and force:
            log.info("org file %s: unchanged", self.path)
        if change:
            try:
                await self.bot.db(self.bot.sync_org_to, new)
            except HeldBack as exc:
                self._hold(new, digest, stamp, exc)
                return None
            except Exception:  # the next look tries again
                self.bot.metrics.org_reloads.labels("failed").inc()
                raise
            self.bot.apply_org(new)
            self.bot.metrics.org_reloads.labels("applied").inc()
            # A survey the edit sent (a peer asked in place of one who left) goes now.
            await self.bot.deliver(wait=False)
            log.info("org file reloaded: %s", change.describe())
            for warning in set(teams_in_other_case(new)) - set(teams_in_other_case(old)):
                log.warning("org file %s: %s", self.path, warning)  # as a start says it
            if self.bot.settings.telegram_enabled:
                await self.bot.db(warn_unbound, self.bot, new)
            self._jobs_due = (old, new) if self._jobs_due is None else (self._jobs_due[0], new)
        # The goals file named may have changed with the edit: its stamp is taken anew.
        self.stamp, self.digest = _stamp(_watched(self.path, new)), digest
        self.refused.clear()
        self._told.clear()
        self._held = self._notice_due = None
        self._sync_jobs()
        return change or None

    def _hold(self, new: Org, digest: str | None, stamp: Stamp, exc: HeldBack) -> None:
        """Keep the running org for a version held back (bot.org_guard): said once
        per version (log, metric, and the GM at the next look, as for a bad version)."""
        self._held = (new, digest)
        self.stamp = stamp
        key = f"held:{digest}"
        version = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        if version not in self._told:
            # (again after a look that read it anew, which dropped the notice due)
            self._notice_due = (version, exc)
        if key in self.refused:
            return
        self.refused.add(key)
        self.bot.metrics.org_reloads.labels("refused").inc()
        log.warning("org file %s not reloaded; the running org is kept: %s", self.path,
                    exc.problem)

    async def _tell_gm(self, key: str, exc: OrgError) -> None:
        """The GM reads in chat that an edit was refused and why: whoever saved it may
        never see the log, and believes it applied ("I added Dana")."""
        self._notice_due = None
        self._told.add(key)
        problems = [f"{(exc.files[i] or exc.path).name}:{line}: {p}" if line else p
                    for i, (p, line) in enumerate(zip(exc.problems, exc.lines, strict=True))]
        # The same, in the GM's language (each problem's own Chinese text: bot.org.Problem).
        problems_zh = [f"{(exc.files[i] or exc.path).name}:{line}: {said_in(p, 'zh-CN')}"
                       if line else said_in(p, "zh-CN")
                       for i, (p, line) in enumerate(zip(exc.problems, exc.lines, strict=True))]

        def tell(ctx: Context) -> None:
            gm = next((p for p in ctx.people.active() if p.role == "gm"), None)
            if gm is None:
                return
            if isinstance(exc, MassRemoval):
                # Said in the GM's language, not as the log's English line: how many it
                # would take out, by name, and the command that applies it anyway.
                people = [(k, ctx.people.by_key(k)) for k in exc.removed[:NAMED]]
                ctx.tell(gm, "org_held_removal", file=exc.path.name,
                         removed=len(exc.removed), before=exc.before,
                         names=[p.display_name if p is not None else k for k, p in people],
                         more=max(0, len(exc.removed) - NAMED), apply=exc.apply,
                         listing=exc.apply.removesuffix(" --yes"),
                         dedupe_key=f"org-refused:{key}", readers=GM)
            else:  # (one per bad version, whichever replica tells it first)
                said = problems_zh if gm.locale == "zh-CN" else problems
                # (A key given to another person too: bot.org_guard.KeyReused words it in
                # both languages, as the log, a start and apply-org read it.)
                ctx.tell(gm, "org_refused", file=exc.path.name, problems=said[:NOTICE_LINES],
                         more=max(0, len(problems) - NOTICE_LINES),
                         dedupe_key=f"org-refused:{key}", readers=GM)

        await self.bot.db(self.bot._in_unit, tell)
        await self.bot.deliver(wait=False)

    def _sync_jobs(self) -> None:
        """The leader's part of a reload: its jobs and the catch-up (see
        bot.scheduler.org_reloaded); tried again at the next look if the database failed."""
        if self._jobs_due is None:
            return
        scheduler = self.bot.scheduler
        if scheduler is None or not scheduler.running:
            # A follower: the leader applies the edit itself, and a new leader's start
            # syncs its jobs with the org it then has.
            self._jobs_due = None
            return
        from bot.scheduler import org_reloaded  # it imports this module

        old, new = self._jobs_due
        try:
            org_reloaded(scheduler, self.bot, old, new)
        except Exception as exc:
            log.error("the check-in jobs could not follow the reloaded org file (%s); trying "
                      "again at the next look", describe_db_error(exc)
                      if isinstance(exc, DBAPIError) else type(exc).__name__)
            return
        self._jobs_due = None

    def _read(self) -> tuple[str, str, int | None]:
        """The file's text, or why it cannot be read (and the line that says so, if any)."""
        try:
            return self.path.read_text(encoding="utf-8"), "", None
        except FileNotFoundError:
            return "", Problem("file not found", "找不到文件"), None
        except UnicodeDecodeError as exc:
            line, problem = not_utf8(exc)
            return "", problem, line
        except OSError as exc:
            # The system's words for the log; their Chinese (Is a directory: 这是一个文件夹).
            return "", Problem(f"cannot read the file: {exc.strerror or exc}",
                               f"无法读取文件：{os_reason(exc).zh}"), None


def _digest(text: str, stamp: Stamp) -> str:
    # The goals file's stamp is part of the version: it is read by the parse, not here.
    return hashlib.sha256((text + repr(stamp[1:])).encode("utf-8")).hexdigest()
