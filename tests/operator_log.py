"""The log an operator reads, as `teampulse run` writes it: LOG_LEVEL=DEBUG, through
teampulse's own handler and formatter (LOG_FORMAT text or json), on a string buffer."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from bot.cli import log_handler
from bot.config import Settings

FORMATS = ("text", "json")


@contextmanager
def operator_log(settings: Settings, log_format: str = "text") -> Iterator[io.StringIO]:
    """Everything logged at DEBUG while the block runs, as the operator's stderr shows it.

    Entered before any adapter is built, as `teampulse run` sets logging up first."""
    stream = io.StringIO()
    handler = log_handler(replace(settings, log_format=log_format, log_level="DEBUG"), stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def quoting(log: str, *secrets: str) -> list[str]:
    """The log's lines that hold any of `secrets`."""
    return [line for line in log.splitlines() if any(s in line for s in secrets)]
