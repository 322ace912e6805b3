"""What people write stays out of the logs at the default levels (INFO, WARNING).

Some libraries quote whole requests in their log lines: slack_bolt logs a request
whose signature it refuses, body and all (a DM's text included), at INFO. Such a
library's records below ERROR are held at DEBUG: an operator who runs at DEBUG asks
for them knowingly; at INFO they never appear. Our own log lines name events, ids and
outcomes, never what was typed or sent; an exception we did not write ourselves is
named by its type only, because its message may quote the data it failed on. That holds
for a traceback too: `LOG_FORMAT=text` writes its frames and the exception's type, never
its message (`LOG_FORMAT=json` likewise, see bot/logjson.py).
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

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


#: What stands in for an exception's message in a traceback.
MESSAGE_LEFT_OUT = "(its message is left out of the log: it may quote what someone wrote)"


class TextFormatter(logging.Formatter):
    """`LOG_FORMAT=text`: a traceback keeps its frames (file, line, code) and each
    exception's type, never its message. A library error quoting what it failed on
    (`invalid literal for int() with base 10: 'my salary is …'`) is a message; what an
    operator needs to find the bug is where it was raised, which the frames say."""

    def format(self, record: logging.LogRecord) -> str:
        """The line; a traceback formatted here, not the one another handler cached."""
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: tuple[type[BaseException], BaseException,
                                         TracebackType | None] | tuple[None, None, None]
                        ) -> str:
        """The exception and the ones it came from, as Python prints them, messages left
        out (ours, a DeliveryError, keeps it: it says only what the platform answered)."""
        exc = ei[1]
        if exc is None:
            return ""
        chain: list[tuple[BaseException, str]] = []
        seen: set[int] = set()
        link = ""
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            chain.append((current, link))
            if current.__cause__ is not None:
                current, link = current.__cause__, _CAUSE
            elif current.__context__ is not None and not current.__suppress_context__:
                current, link = current.__context__, _CONTEXT
            else:
                current = None
        parts: list[str] = []
        for error, then in reversed(chain):
            frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
            name = type(error).__qualname__
            module = type(error).__module__
            if module not in ("builtins", "__main__"):
                name = f"{module}.{name}"
            said = f"{name}: {error}" if isinstance(error, DeliveryError) \
                else f"{name} {MESSAGE_LEFT_OUT}"
            parts.append("Traceback (most recent call last):\n" + "".join(frames) + said)
            if then:
                parts.append(then)
        return "\n".join(parts)


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n"
