"""What people write stays out of the logs at the default levels (INFO, WARNING).

Some libraries quote whole requests in their log lines: slack_bolt logs a request
whose signature it refuses, body and all (a DM's text included), at INFO. Such a
library's records below ERROR are held at DEBUG: an operator who runs at DEBUG asks
for them knowingly; at INFO they never appear. Our own log lines name events, ids and
outcomes, never what was typed or sent; an exception we did not write ourselves is
named by its type only, because its message may quote the data it failed on.
"""

from __future__ import annotations

import logging

from bot.adapters.base import DeliveryError


class HeldAtDebug(logging.Filter):
    """Turns a record below ERROR into a DEBUG record: emitted only where DEBUG is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote INFO and WARNING records; keep DEBUG, ERROR and CRITICAL as they are."""
        if logging.DEBUG < record.levelno < logging.ERROR:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def held_at_debug(name: str) -> logging.Logger:
    """A logger whose INFO and WARNING records count as DEBUG (the filter is added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, HeldAtDebug) for f in logger.filters):
        logger.addFilter(HeldAtDebug())
    return logger


def hold_library_loggers(prefix: str) -> None:
    """Hold every existing logger named `prefix` or `prefix.…` at DEBUG."""
    for name in list(logging.Logger.manager.loggerDict):
        if name == prefix or name.startswith(prefix + "."):
            held_at_debug(name)


def describe_exception(exc: BaseException) -> str:
    """An exception for a log line or the outbox's last_error, without message content.

    Delivery errors are ours and say only what the platform answered (a status or an
    error code); any other exception is named by its type alone.
    """
    if isinstance(exc, DeliveryError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__
