"""Simulated platform rate limits for the fake servers: N requests per window, per scope.

A limit counts the requests it accepted in a sliding window (overall, per chat, or per
group chat); one over any limit is refused with a Retry-After saying when the oldest
request in that window leaves it. Refused requests do not count, as on the platforms.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Scope = Literal["all", "chat", "group"]


@dataclass(frozen=True)
class Limit:
    """At most `count` requests in any `window` seconds, overall or per (group) chat."""

    count: int
    window: float
    scope: Scope = "all"


class SimulatedLimits:
    """Decides whether a request to a chat is within the limits, and counts the 429s."""

    def __init__(self, limits: Sequence[Limit], *,
                 is_group: Callable[[str], bool] = lambda chat: False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = list(limits)
        self.is_group = is_group
        self.clock = clock
        self.accepted = 0
        self.rejected = 0
        #: Refusals per chat, to tell which chats were held back.
        self.rejected_chats: dict[str, int] = {}
        #: When each accepted request arrived (clock seconds), to measure the rate achieved.
        self.accepted_at: list[float] = []
        self._seen: dict[tuple[int, str], deque[float]] = {}

    def check(self, chat: str) -> int | None:
        """Record a request to `chat`: None if accepted, else the Retry-After in seconds."""
        now = self.clock()
        windows: list[deque[float]] = []
        wait = 0.0
        for index, limit in enumerate(self.limits):
            if limit.scope == "group" and not self.is_group(chat):
                continue
            if limit.scope == "chat" and self.is_group(chat) and any(
                    other.scope == "group" for other in self.limits):
                continue  # a group chat has its own limit instead
            key = (index, "" if limit.scope == "all" else chat)
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - limit.window:
                seen.popleft()
            if len(seen) >= limit.count:
                wait = max(wait, seen[0] + limit.window - now)
            windows.append(seen)
        if wait > 0:
            self.rejected += 1
            self.rejected_chats[chat] = self.rejected_chats.get(chat, 0) + 1
            return max(1, math.ceil(wait))
        for seen in windows:
            seen.append(now)
        self.accepted += 1
        self.accepted_at.append(now)
        return None
