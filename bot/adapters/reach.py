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
            self.since = self._reminded = now
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
        self.since = self._reminded = None
        if self.bot.platform_state.get(self.platform) == UNREACHABLE_STATE:
            self.bot.platform_state[self.platform] = "connected"
        # The messages held meanwhile go now, not RETRY_SECONDS after this one.
        outbox = getattr(self.bot, "outbox", None)
        if outbox is not None:
            outbox.release(self.platform, str(self.hold()))
        task = asyncio.get_running_loop().create_task(
            self._say_back(since, self.bot.clock.now()))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

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
