"""Pausing Python's cyclic garbage collector around allocation-heavy work.

Reading a 10,000-person org at start-up, or building the GM's view of 1,000 directors,
allocates hundreds of thousands of objects, none of them in reference cycles. Each
allocation burst sets off a collection that walks the whole heap again, which cost more
than the work itself (a third of /summary at 1,000 directors, several times start-up).
Reference counting still frees everything; the collector is only held off meanwhile.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; a collector already off stays off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `fn` inside `gc_paused()`."""
    @wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with gc_paused():
            return fn(*args, **kwargs)
    return run


#: While acknowledged events wait to be stored (bot/ingest.py), the youngest generation
#: is collected after this many new objects instead of Python's 700. A burst allocates
#: objects by the million, nearly all freed by reference counting within a batch; at
#: 700 every few of them survived a young collection only because they were still in
#: use, piled up in the oldest generation and set off full collections of the whole
#: heap, a fifth of the burst's time (blocking every ack meanwhile). Collections still
#: run, only less often, so memory stays bounded even under endless load.
BURST_GEN0_THRESHOLD = 50_000

_burst_lock = threading.Lock()
_bursts = 0
_saved_threshold: tuple[int, int, int] | None = None


def burst_started() -> None:
    """A burst of work began: collect the youngest generation less often until it ends.

    Every call is paired with one burst_ended(); nested bursts (several lanes, several
    bots in one process) keep the setting until the last one ends.
    """
    global _bursts, _saved_threshold
    with _burst_lock:
        _bursts += 1
        if _bursts == 1:
            current = gc.get_threshold()
            if current[0] < BURST_GEN0_THRESHOLD:
                _saved_threshold = current
                gc.set_threshold(BURST_GEN0_THRESHOLD, *current[1:])


def burst_ended() -> None:
    """The pair of burst_started(): the last to end restores the usual thresholds."""
    global _bursts, _saved_threshold
    with _burst_lock:
        _bursts = max(0, _bursts - 1)
        if _bursts == 0 and _saved_threshold is not None:
            gc.set_threshold(*_saved_threshold)
            _saved_threshold = None
