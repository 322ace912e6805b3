"""Whether a platform's servers can be reached, as the operator sees it.

A network outage (connection refused, a timeout, a name that does not resolve) is not
a refused token: it passes by itself. The operator gets one WARNING when it starts
(naming the platform and what is tried), a reminder every REMIND_EVERY with how long it
has lasted (not a line per retry), one INFO line when it is over (how long it lasted, how
many queued messages go out now), and /readyz answers 503 "unreachable" meanwhile.
Messages wait in the outbox (NotRunning: no attempt is counted, none is given up), one
of them trying the platform again every RETRY_SECONDS. The messages due while it tries wait
for its answer; once the platform answers, they and those held earlier go out at once, as
fast as the outbox's pacing allows (the platform's rate limits), not RETRY_SECONDS later.

A platform that comes and goes (lost again within STEADY_AFTER of coming back) is one
outage to the operator, not a WARNING and an INFO line per flap: the first loss after a
return writes one WARNING saying it comes and goes, later ones write nothing but the
reminder (at most one every REMIND_EVERY, counting the losses), and its return is said
once it has stayed back STEADY_AFTER. /readyz follows every flap as it happens.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.adapters.base import NotRunning
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)

#: What /readyz shows for a platform whose servers cannot be reached (503 meanwhile).
UNREACHABLE_STATE = "unreachable"
#: How often a message tries the platform again while it cannot be reached.
RETRY_SECONDS = 30.0
#: How often the log says again that the platform still cannot be reached.
REMIND_EVERY = timedelta(minutes=10)
#: Lost again sooner than this after coming back, the platform comes and goes: the same
#: outage to the operator, whose return is said once it has stayed back this long.
STEADY_AFTER = timedelta(minutes=5)


def lasted(span: timedelta) -> str:
    """A duration as an operator reads it: '45 s', '12 min', '2 h 5 min'."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


class Reachability:
    """One platform's outage, if any: said once, reminded of, and said over."""

    def __init__(self, bot: TeamPulse, platform: str, name: str, advice: str) -> None:
        self.bot, self.platform, self.name, self.advice = bot, platform, name, advice
        #: When the outage began (None while the platform answers).
        self.since: datetime | None = None
        self._reminded: datetime | None = None
        #: The first loss of an outage that may still come and go, and its last return
        #: (None once it has stayed back STEADY_AFTER, or before any loss).
        self._first_lost: datetime | None = None
        self._back_at: datetime | None = None
        #: Losses after the first within the outage: more than none, it comes and goes.
        self._flaps = 0
        #: How long a wait for the platform to have stayed back lasts (tests: none).
        self.steady_wait = STEADY_AFTER.total_seconds()
        self._steady_timer: asyncio.TimerHandle | None = None
        #: The try under way, if any: done once it has ended (the others wait for it).
        self._probe: asyncio.Future[None] | None = None
        self._telling: set[asyncio.Task[None]] = set()

    @property
    def down(self) -> bool:
        """Whether the platform could not be reached at the last try."""
        return self.since is not None

    def lost(self, reason: str, tried: str, *, receiving: bool = False) -> NotRunning:
        """The platform did not answer: say so once (then every REMIND_EVERY), report it
        in /readyz, and return what holds the message in the outbox. `tried` says what
        teampulse does meanwhile; `receiving` that nothing arrives from it either."""
        now = self.bot.clock.now()
        if self.since is None:
            self.steady()  # back long enough before this loss: that outage is over
        if self.since is None and self._back_at is not None:
            self._lost_again(now, reason, tried)
        elif self.since is None:
            self.since = self._reminded = self._first_lost = now
            self._flaps = 0
            what = "sent to or received from" if receiving else "sent to"
            log.warning("%s cannot be reached (%s): nothing is %s %s meanwhile; messages "
                        "wait in the outbox, none is given up. teampulse %s and says when "
                        "%s is back. %s", self.name, reason, what, self.name, tried,
                        self.name, self.advice)
            # Only "connected" is ours to change: a follower's "standby", a refused token
            # or a stopped adapter says more.
            if self.bot.platform_state.get(self.platform) == "connected":
                self.bot.platform_state[self.platform] = UNREACHABLE_STATE
        elif self._reminded is not None and now - self._reminded >= REMIND_EVERY:
            self._reminded = now
            log.warning("%s still cannot be reached, for %s now (%s); teampulse %s",
                        self.name, lasted(now - self.since), reason, tried)
        return self.hold()

    def _lost_again(self, now: datetime, reason: str, tried: str) -> None:
        """Lost again before it had stayed back STEADY_AFTER: the same outage. Said once
        as coming and going, then only in the reminder."""
        self.since = now
        self._back_at = None
        self._flaps += 1
        if self.bot.platform_state.get(self.platform) == "connected":
            self.bot.platform_state[self.platform] = UNREACHABLE_STATE
        began = f"{self._first_lost or now:%H:%M} UTC"
        if self._flaps == 1:
            self._reminded = now
            log.warning("%s cannot be reached again (%s), soon after it came back: it comes "
                        "and goes (lost since %s). teampulse %s; each further loss is not "
                        "logged, a reminder every %d min counts them, and one line says when "
                        "%s has stayed back %d min", self.name, reason, began, tried,
                        REMIND_EVERY.seconds // 60, self.name, STEADY_AFTER.seconds // 60)
        elif self._reminded is None or now - self._reminded >= REMIND_EVERY:
            self._reminded = now
            log.warning("%s still comes and goes: lost %d times since %s (%s); teampulse %s",
                        self.name, self._flaps + 1, began, reason, tried)

    def steady(self) -> None:
        """Say, once the platform has stayed back STEADY_AFTER after coming and going, that
        it is steady again; forget the outage. (Also on a timer after each return.)"""
        now = self.bot.clock.now()
        if self.since is not None or self._back_at is None \
                or now - self._back_at < STEADY_AFTER:
            return
        if self._flaps and self._first_lost is not None:
            log.info("%s has stayed reachable for %s: it came and went %d times between "
                     "%s and %s UTC", self.name, lasted(now - self._back_at), self._flaps + 1,
                     f"{self._first_lost:%H:%M}", f"{self._back_at:%H:%M}")
        self._back_at = self._first_lost = self._reminded = None
        self._flaps = 0

    def hold(self) -> NotRunning:
        """What a message gets while the platform cannot be reached: wait RETRY_SECONDS."""
        return NotRunning(RETRY_SECONDS, f"{self.name} cannot be reached")

    async def probe(self) -> bool:
        """Whether this message is the one trying the platform (then pair with `probed`,
        on every path). While another message tries, this one waits for its answer: the
        platform still down, it is held (raises NotRunning); back, it is sent as usual
        (False). Call only while `down` (the common path costs no coroutine)."""
        if self.since is None:
            return False
        trying = self._probe
        if trying is None:
            self._probe = asyncio.get_running_loop().create_future()
            return True
        # Shielded: a waiter cancelled (a stop) must not end the try it waits for.
        await asyncio.shield(trying)
        if self.since is not None:
            raise self.hold()
        return False

    def probed(self) -> None:
        """The trying message is done (whatever came of it): those waiting for it go on."""
        trying, self._probe = self._probe, None
        if trying is not None and not trying.done():
            trying.set_result(None)

    def back(self) -> None:
        """The platform answered: after an outage, /readyz "connected" again, and a line
        (written once the queued messages are counted) with how long it lasted."""
        since = self.since
        if since is None:
            return
        now = self.bot.clock.now()
        self.since = None
        self._back_at = now
        if self.bot.platform_state.get(self.platform) == UNREACHABLE_STATE:
            self.bot.platform_state[self.platform] = "connected"
        # The messages held meanwhile go now, not RETRY_SECONDS after this one.
        outbox = getattr(self.bot, "outbox", None)
        if outbox is not None:
            outbox.release(self.platform, str(self.hold()))
        loop = asyncio.get_running_loop()
        if not self._flaps:  # a first return is said at once; one that comes and goes
            # is said once it has stayed back (steady)
            self._reminded = None
            task = loop.create_task(self._say_back(since, now))
            self._telling.add(task)
            task.add_done_callback(self._telling.discard)
        if self._steady_timer is not None:
            self._steady_timer.cancel()
        # A timer, not a task: one still waiting at a stop is dropped without a word.
        self._steady_timer = loop.call_later(self.steady_wait, self.steady)

    async def _say_back(self, since: datetime, now: datetime) -> None:
        try:
            queued = await asyncio.to_thread(self._queued, now)
        except Exception as exc:  # the database is down too: the line is still worth it
            log.debug("reach: could not count the queued messages: %r", exc)
            queued = None
        waiting = "" if queued is None else f"; {queued} message(s) queued meanwhile go out now"
        log.info("%s can be reached again after %s%s", self.name, lasted(now - since), waiting)

    def _queued(self, back: datetime) -> int:
        """Messages still waiting, and those already sent since `back`: the message whose
        try found the platform back may be recorded sent before this counts."""
        waiting = OutboxMessage.status.in_(("pending", "sending"))
        sent_since = (OutboxMessage.status == "sent") & (OutboxMessage.sent_at >= back)
        with self.bot.sessions() as session:
            return int(session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.platform == self.platform, waiting | sent_since)) or 0)
