"""`LOG_FORMAT=json`: one JSON object per log line, for log collectors.

A record keeps what our own log lines say (they name events, ids and outcomes, never what
people wrote; see bot/log_privacy.py). An exception is given by its type and where it was
raised, never its message, which may quote the data it failed on.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON line: time, level, logger, message, and exception type."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (no newline inside, non-ASCII kept as is)."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            entry["exception"] = exc_type.__name__
            # Frames only (file, line, function): the exception's text stays out.
            entry["stack"] = [f"{f.filename}:{f.lineno} in {f.name}"
                              for f in traceback.extract_tb(tb)]
        return json.dumps(entry, ensure_ascii=False)
