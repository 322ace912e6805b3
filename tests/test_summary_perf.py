"""The GM's /summary pauses the cyclic garbage collector while it builds (speed), and must
always give it back: a bot left without it would grow without bound."""

from __future__ import annotations

import gc

import pytest

from handlers.summary_gm import gc_paused


def test_collector_is_back_after_the_summary_even_when_it_fails() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("a failing summary")
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
