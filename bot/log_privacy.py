"""What people write stays out of the logs at the default levels (INFO, WARNING).

Some libraries quote whole requests in their log lines: slack_bolt logs a request
whose signature it refuses, body and all (a DM's text included), at INFO. Such a
library's records below ERROR are held at DEBUG: an operator who runs at DEBUG asks
for them knowingly; at INFO they never appear. Our own log lines name events, ids and
outcomes, never what was typed or sent; an exception we did not write ourselves is
named by its type only, because its message may quote the data it failed on. That holds
for a traceback too: `LOG_FORMAT=text` writes its frames and the exception's type, never
its message (`LOG_FORMAT=json` likewise, see bot/logjson.py).

Secrets never appear in a log line at any level, DEBUG included: the handler every line
goes through (bot.cli.log_handler) carries RedactSecrets, which replaces each secret the
settings hold (see protect) and anything shaped like one (a Slack or Telegram token, a
URL's password, a Socket Mode ticket, a Slack response_url or incoming webhook, a Slack
trigger_id, a pre-signed upload URL's secret part, a `token` field of a logged payload)
with ***. So is
the choice of a pressed anonymous button (a pulse poll's answer), at any level, and the
place of a pressed Slack button, which tells the same.
Libraries write their URLs and request parameters at DEBUG, and some quote a URL in an
ERROR line (slack_sdk's "Failed to connect (error: …url='wss://…?ticket=…')"); a filter
on the handler sees every record, whichever logger it came from. What Python would print
on stderr itself (a warning, a thread's or a task's uncaught exception) is made a record
too (route_python_reports, loop_exception_handler), or it would pass the filter by.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

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


#: What stands in for a secret in a log line.
MASK = "***"
#: A known secret shorter than this is not replaced wherever it appears (a password
#: "admin" would blank out every word holding it); the patterns below still catch it in
#: a URL.
MIN_SECRET = 6
_known: set[str] = set()
#: A '/' in a URL as logged: as is, escaped in JSON ('\/', '\\/' once more in a repr) or
#: URL-encoded in a form ('%2F', '%5C%2F').
_SLASH = r"(?:\\*/|(?:%5[Cc])*%2[Ff])"
#: JSON's ':' in a form (URL-encoded, spaces as '+' or %20 around it), and what stands
#: between a JSON object's braces there.
_FORM_COLON = r"(?:\+|%20)*%3A(?:\+|%20)*"
_FORM_INSIDE = r"(?:(?!%7[BD])[^&\s])"
#: What is shaped like a secret; the group `secret` is what is masked. (A pattern starting
#: with a literal or a rare character is searched fast; every DEBUG line meets them all.)
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Slack tokens (xoxb-, xoxp-, xoxe.xoxb-, xapp- …): the kind stays readable.
    re.compile(r"\b(?:xox[a-z]|xapp)-(?P<secret>[A-Za-z0-9-]+)"),
    # A Telegram bot token, the part after the colon (the digits are the bot's public id):
    # in a Bot API URL (…/bot<token>/getMe) whatever its length, elsewhere by its shape.
    re.compile(r"/bot[0-9]+:(?P<secret>[^/\s'\"]+)"),
    re.compile(r"(?<![0-9])[0-9]{3,}:(?P<secret>[A-Za-z0-9_-]{30,})"),
    # A URL's password: scheme://user:password@host.
    re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s'\"]*:(?P<secret>[^@/\s'\"]+)@"),
    # A URL's secret parameters (libpq's ?password=, Socket Mode's ?ticket=, the signature
    # of a pre-signed URL: S3's, Google Cloud Storage's, Azure's `sig`).
    re.compile(r"[?&;](?:password|passwd|pwd|sslpassword|token|access_token|secret|ticket"
               r"|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature"
               r"|x-goog-credential|signature|sig)="
               r"(?P<secret>[^&#\s'\"]+)", re.IGNORECASE),
    # Slack's pre-signed upload address (files.getUploadURLExternal's upload_url,
    # `https://files.slack.com/upload/v1/CwABAAAA…`), which uploads into the workspace
    # until it expires: slack_sdk logs it at DEBUG, in the answer and in the POST to it.
    re.compile(rf"[/Ff]upload{_SLASH}v[0-9]+{_SLASH}"
               rf"(?P<secret>[A-Za-z0-9_.~=+-]+(?:{_SLASH}[A-Za-z0-9_.~=+-]+)*)"),
    # The same field whatever its path: all but its scheme and host.
    re.compile(rf"""["']upload_url["']\s*:\s*["'][A-Za-z]+:{_SLASH}{_SLASH}[^/\\"'\s]+"""
               rf"""{_SLASH}(?P<secret>[^"'\s]+)"""),
    # A form logged whole, its first field Slack's legacy verification token (slack_bolt's
    # `body: token=…` for a slash command).
    re.compile(r"token=(?<![^\s(]token=)(?P<secret>[^&#\s'\"]+)"),
    # A Slack address that posts as the app: a command's or a button's response_url (anyone
    # holding it posts in that channel for 30 minutes), an incoming webhook's URL (for good);
    # masked after the workspace (`https://hooks.slack.com/commands/T0123/***`), whatever
    # the host (GovSlack's, a proxy's), as a URL, in Slack's JSON ('\/') or in a form (%2F).
    # ('F': the end of a '%2F' before it.)
    re.compile(rf"[/Ff](?:commands|actions|services|workflows|triggers){_SLASH}"
               rf"[A-Z][A-Z0-9]{{2,}}{_SLASH}(?P<secret>[A-Za-z0-9_-]+(?:{_SLASH}[A-Za-z0-9_-]+)*)"),
    # A Slack trigger_id (`13345224609.738474920.8088930838d88f008e0`), which opens a modal
    # in that person's Slack for 3 seconds: its random part.
    re.compile(r"\.(?<=[0-9]{5}\.)[0-9]{5,}\.(?P<secret>[0-9a-f]{12,})(?![\w.])"),
    # A secret field of a payload a library logs as JSON or a dict (Slack's legacy
    # verification `token` in every event, the `secret_token` setWebhook is given).
    re.compile(r"""["'](?:token|secret_token|signing_secret|client_secret|password)["']"""
               r"""\s*:\s*["'](?P<secret>[^"']+)"""),
    # The same in JSON sent as a form field (a button press's `payload=%7B%22token%22%3A…`).
    re.compile(r"%22(?:token|secret_token|signing_secret|client_secret|password)%22"
               r"(?:\+|%20)*%3A(?:\+|%20)*%22(?P<secret>(?:(?!%22)[^&\s])+)", re.IGNORECASE),
    # Not a secret of the bot's, but as private: the choice of an anonymous answer's button
    # (bot.events.CONCEALED_PREFIX, 'anon:pulse:<poll>:<step>:<choice>'), which a chat
    # library's DEBUG line quotes beside who pressed it (python-telegram-bot's "Processing
    # update … data='anon:pulse:7:1:4', from_user=User(id=…)"); URL-encoded too (a form).
    re.compile(r"(?<![a-z])anon(?::|%3A)[a-z_]+(?:(?::|%3A)[0-9]+)*(?::|%3A)(?P<secret>[0-9]+)\b",
               re.IGNORECASE),
    # The same choice told by the place of the Slack button pressed: its action_id
    # (bot.adapters.slack_blocks.button, `tp_choice_1` for a scale's 2), which slack_bolt
    # quotes in its lines about a request, with the payload at DEBUG.
    # (After a quote URL-encoded too, `%22tp_choice_1%22`: a form's payload, below.)
    re.compile(r"(?:(?<![A-Za-z0-9_])|(?<=%22)|(?<=%27))tp_choice_(?P<secret>[0-9]+)\b"),
    # And by its label, which Slack's payload gives with the press (`"text": "4"`): that
    # of a button of ours whose value is an anonymous answer's, as a payload logged whole
    # (slack_sdk's Socket Mode "Received message" at DEBUG) quotes it, in JSON or a dict.
    re.compile(r"""["']action_id["']\s*:\s*["']tp_choice_[0-9]+["'][^{}]*\{[^{}]*?"""
               r"""["']text["']\s*:\s*["'](?P<secret>(?:\\.|[^"'\\])*)["'][^{}]*\}"""
               r"""[^{}]*?["']value["']\s*:\s*["']anon(?::|%3A)"""),
    # The same URL-encoded, as a press's form is logged whole (bolt's line about a request
    # whose signature it refuses: `payload=%7B…%22text%22%3A%222%22…`).
    re.compile(rf"%22action_id%22{_FORM_COLON}%22tp_choice_[0-9]+%22{_FORM_INSIDE}*?%7B"
               rf"{_FORM_INSIDE}*?%22text%22{_FORM_COLON}%22"
               r"(?P<secret>(?:%5C%22|(?!%22)[^&\s])*)%22"
               rf"{_FORM_INSIDE}*%7D{_FORM_INSIDE}*?%22value%22{_FORM_COLON}%22anon(?::|%3A)",
               re.IGNORECASE),
)


def _url_encoded(secret: str) -> str:
    """`secret` as it stands in a URL; a byte of the environment that is not UTF-8 (a lone
    surrogate) as that byte, not an error raised while masking."""
    return quote(secret, safe="", errors="surrogateescape")


def protect(*secrets: str) -> None:
    """Leave these values out of every log line from now on (and their URL-encoded form,
    as they would stand in a URL)."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET:
            _known.add(secret)
            _known.add(_url_encoded(secret))


def redact(text: str, known: bool = True, also: Iterable[str] = ()) -> str:
    """`text` with every known secret, and anything shaped like one, replaced by ***
    (`known=False`: only what is shaped like one, for a line about settings not yet in
    force, which the secrets protected so far say nothing of; `also`: those settings' own
    secrets, masked in this text alone as `protect` would have them).

    Every span to mask is found in the text as given, then overlapping ones are masked
    as one: a known value and a pattern that overlap leave no fragment of either."""
    spans: list[tuple[int, int]] = []
    extra = {form for secret in also if len(secret) >= MIN_SECRET
             for form in (secret, _url_encoded(secret))}
    for secret in (_known | extra) if known else extra:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    for pattern in _PATTERNS:
        spans.extend(m.span("secret") for m in pattern.finditer(text))
    if not spans:
        return text
    parts: list[str] = []
    end = 0
    for start, stop in sorted(spans):
        if start > end or not parts:  # a span of its own (else it extends the last)
            parts += [text[end:start], MASK]
        end = max(end, stop)
    parts.append(text[end:])
    return "".join(parts)


class RedactSecrets(logging.Filter):
    """On the log handler: rewrites a record whose message holds a secret; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted text where that differs."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when the line is written
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def describe_exception(exc: BaseException) -> str:
    """An exception for a log line or the outbox's last_error, without message content.

    Delivery errors are ours and say only what the platform answered (a status or an
    error code); any other exception is named by its type alone.
    """
    if isinstance(exc, DeliveryError):
        return redact(f"{type(exc).__name__}: {exc}")
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
            said = redact(f"{name}: {error}") if isinstance(error, DeliveryError) \
                else f"{name} {MESSAGE_LEFT_OUT}"
            parts.append("Traceback (most recent call last):\n" + "".join(frames) + said)
            if then:
                parts.append(then)
        return "\n".join(parts)


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n"


#: Where Python's own reports go once routed through the log (see route_python_reports).
_reports = logging.getLogger("teampulse.python")


def route_python_reports() -> None:
    """Send what Python itself prints to stderr through the log instead, so the log's
    handler masks it as it masks every line: a warning (any library's `warnings.warn`,
    whose text may quote a URL with a token), an exception nothing caught in a thread,
    and an exception Python could only ignore (`Exception ignored in …`, a `__del__`'s,
    a generator's closed by the collector). Called where the log is set up (and before,
    with bot.cli._early_logging's handler); an asyncio loop's reports go through
    `loop_exception_handler`."""
    # Off, then on: captureWarnings(True) does nothing if it was on before, even when
    # something has put warnings.showwarning back since (a test's catch_warnings).
    logging.captureWarnings(False)
    logging.captureWarnings(True)
    threading.excepthook = _thread_exception
    sys.unraisablehook = _unraisable


def _thread_exception(args: threading.ExceptHookArgs) -> None:
    """threading.excepthook: the exception logged (frames and type), not printed whole."""
    if args.exc_type is SystemExit:
        return  # as Python's own hook: a thread that exits is no error
    name = args.thread.name if args.thread is not None else "(unknown)"
    _reports.error("uncaught exception in thread %s", name,
                   exc_info=(args.exc_type, args.exc_value,
                             args.exc_traceback))


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """sys.unraisablehook: named by the function (a `__del__`) or the object's type, not
    by the object's repr (which may quote data)."""
    obj = unraisable.object
    where = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    exc_type = unraisable.exc_type
    _reports.error("exception ignored in %s", where,
                   exc_info=(exc_type, unraisable.exc_value,
                             unraisable.exc_traceback))


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An asyncio loop's exception handler (a task's exception never retrieved, a failed
    callback): asyncio's own writes the task's repr, the exception's message in it; this
    one names the task and leaves the exception to the formatter (frames and type)."""
    task = context.get("task") or context.get("future")
    what = ""
    if isinstance(task, asyncio.Task):
        what = f" (task {task.get_name()})"
    elif task is not None:
        what = f" (a {type(task).__name__})"
    # Its words, up to a repr ("Exception in callback f(<its arguments>)"): code, not data.
    said = str(context.get("message") or "").split("<")[0].split("(")[0].strip()
    exc = context.get("exception")
    _reports.error("%s%s", redact(said or "asyncio reported an error"), what,
                   exc_info=exc if isinstance(exc, BaseException) else None)
