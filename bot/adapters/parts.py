"""Deliveries made of several calls (a long text in parts, a photo and its caption).

A retry of the same delivery resumes after the last call that worked, so a failure
half-way (a 429 on part 2, say) does not send part 1 again. The record is kept in
memory: a restart forgets it, and a delivery retried after one starts again from its
first part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.adapters.base import DeliveryError

T = TypeVar("T")


def delivery_key(*parts: object) -> str:
    """A key for one delivery: where it goes and what it says (bytes taken as they are)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


class Resumable:
    """The calls of multi-call deliveries already made, by delivery key."""

    def __init__(self) -> None:
        self._done: dict[str, int] = {}

    async def run(self, key: str, steps: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
        """Make the calls of one delivery in order, from the first one not yet made.

        Returns what the calls made this time returned. A permanent failure forgets the
        delivery (it will not be retried); any other keeps where it stopped.
        """
        done = self._done.get(key, 0) if len(steps) > 1 else 0
        results: list[T] = []
        try:
            for index in range(done, len(steps)):
                results.append(await steps[index]())
                if len(steps) > 1:
                    self._done[key] = index + 1
        except DeliveryError as exc:
            if exc.permanent:
                self._done.pop(key, None)
            raise
        self._done.pop(key, None)
        return results

    def resume(self, key: str, done: int) -> None:
        """Mark the first `done` calls of delivery `key` as made (found after a restart)."""
        self._done[key] = done

    def done(self, key: str) -> int:
        """How many calls of the delivery `key` were made (0 for one not begun)."""
        return self._done.get(key, 0)

    def __len__(self) -> int:
        return len(self._done)
