"""The heap as `teampulse run` has it once started, for the suites that time a running bot."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def settled() -> Iterator[None]:
    """What `teampulse run` does once started (bot.app.release_memory): collect, and freeze
    what start-up allocated, so later collections do not walk it again and again. Without
    it, the few full collections in a run (each walking every module, the org, the fake
    servers) cost more than the difference measured, and land on either side by chance.
    (Unfrozen afterwards: the suites that follow start as before.)"""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
