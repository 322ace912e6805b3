"""The teampulse command (`python -m bot`, and the `teampulse` script).

Loading the command takes a moment (most of a second on a busy server): a Ctrl-C in it
printed a Python traceback, or, caught and wrapped by a library building its models
(pydantic), a traceback of that library's error and exit code 1. This module imports
nothing heavy itself, so it can say it in one line instead."""

from __future__ import annotations

import signal
import sys
from types import FrameType

#: Exit code for a Ctrl-C, as a shell gives a command that SIGINT stopped (128 + 2).
INTERRUPTED = 130


def main() -> int:
    """Run the teampulse command; a Ctrl-C while it loads: one line and exit 130."""
    interrupted = False

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True  # whatever a library makes of the KeyboardInterrupt below
        raise KeyboardInterrupt

    # Only in place of Python's own handler (a SIGINT ignored, as for `nohup … &`, stays
    # so), and only while loading: asyncio sets its own where it finds Python's.
    guarded = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if guarded:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        from bot.cli import main as command
    except BaseException:
        if not interrupted:
            raise
        print("teampulse: interrupted (Ctrl-C) while starting; nothing was run",
              file=sys.stderr)
        return INTERRUPTED
    finally:
        if guarded:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    return command()


if __name__ == "__main__":
    raise SystemExit(main())
