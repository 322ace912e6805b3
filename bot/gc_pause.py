"""Pausing Python's cyclic garbage collector around allocation-heavy work.

Reading a 10,000-person org at start-up, or building the GM's view of 1,000 directors,
allocates hundreds of thousands of objects, none of them in reference cycles. Each
allocation burst sets off a collection that walks the whole heap again, which cost more
than the work itself (a third of /summary at 1,000 directors, several times start-up).
Reference counting still frees everything; the collector is only held off meanwhile.
"""

from __future__ import annotations

import gc
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
