"""Render user-facing text from Jinja2 templates, per locale, escaped for each platform.

Every `{{ value }}` is escaped for the target markup unless it is already markup
(the result of a filter such as `b` or `mention`, or of another macro). Literal
template text is trusted; anything a user typed never is.
"""

from __future__ import annotations

import difflib
import html
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from jinja2.filters import do_round as _jinja_round
from markupsafe import Markup

import templates as _templates_pkg
from bot.numbers import half_up, in_rupees, indian_grouped, percent_of, round_half_up
from bot.questions import LOCALES
from bot.text import clean_text, plural, shows_nothing

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(_templates_pkg.__file__).parent
MARKUPS = ("plain", "markdown", "slack", "telegram")
#: A chat message lists at most this many names in a row (missing, away, already asked),
#: then says how many more: at 10,000 people a full list is tens of thousands of characters.
#: Templates read it as `names_shown`.
NAMES_SHOWN = 10


def first_shown(items: Sequence[str], near: str = "") -> tuple[list[str], int]:
    """At most NAMES_SHOWN of `items` (in their order) and how many more, for a template's
    "A, B, … and 190 more" (as `first_shown`).

    Past the bound, those closest to `near` (what someone typed: "Est" for "East") are
    among the shown, so the list of teams under "There is no team Est" names the one
    they meant, not the first ten in alphabetical order.
    """
    items = list(items)
    if len(items) <= NAMES_SHOWN:
        return items, 0
    folded = [str(x).casefold() for x in items]
    where = {f: i for i, f in reversed(list(enumerate(folded)))}
    picked: list[int] = []
    # What was typed may carry the command's own word: "/checkin send team Est".
    for typed in dict.fromkeys([near.casefold(), *near.casefold().split()[-1:]]):
        for match in difflib.get_close_matches(typed, folded, n=NAMES_SHOWN, cutoff=0.6) \
                if typed else ():
            if where[match] not in picked:
                picked.append(where[match])
    picked = picked[:NAMES_SHOWN]
    for i in range(len(items)):
        if len(picked) >= NAMES_SHOWN:
            break
        if i not in picked:
            picked.append(i)
    return [items[i] for i in sorted(picked)], len(items) - NAMES_SHOWN


#: Slack mrkdwn's inline marks (bold, italics, strike, code) and the look-alike each one
#: typed by a person is shown as: ∗ (asterisk operator), ˍ (modifier letter low macron),
#: ∼ (tilde operator), ˋ (modifier letter grave accent).
SLACK_MARK_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
# A mark without a letter or digit ([^\W_]) on one side or the other: one that could pair.
# (The mark is matched first, its neighbours looked at only then: twice as fast.)
_SLACK_MARK = re.compile(r"[*_~`](?:(?<![^\W_][*_~`])|(?![^\W_]))")


def slack_unmarked(text: str) -> str:
    """`text` with each Slack mrkdwn mark that could pair (`*`, `_`, `~`, a backtick at
    either edge of a word) shown as its look-alike, so it reads as typed and formats nothing.

    Slack has no escape for these (a backslash shows; an entity such as `&#42;` shows as
    typed: only `&amp; &lt; &gt;` are decoded), and a zero-width space next to a mark is
    read as a word's edge, which makes it pair sooner. A mark between two letters or
    digits (`2*3`, `viv_ops`, `:white_check_mark:`) never pairs in Slack and is kept, so a
    handle or key copied from a message is the one typed.
    """
    # Most text has no mark at all: four substring tests are cheaper than any regex.
    if "*" not in text and "_" not in text and "~" not in text and "`" not in text:
        return text
    if "://" in text or "www." in text:
        # A link pasted into a blocker stays the link: Slack formats nothing inside one it
        # detects, and a look-alike in its path would send the reader somewhere else.
        return "".join(part if i % 2 else _unmark(part)
                       for i, part in enumerate(_LINK.split(text)))
    return _unmark(text)


def _unmark(text: str) -> str:
    return _SLACK_MARK.sub(lambda m: SLACK_MARK_LOOKALIKES[m.group()], text)


# A web address as Slack detects one in a message: from its scheme (or www.) to the next
# blank or angle bracket (the text is escaped by then: a `&amp;` is the link's own `&`,
# `&lt;` or `&gt;` ends it).
_LINK = re.compile(r"((?:[a-z][a-z0-9+.-]*://|www\.)(?:[^\s<>&]|&amp;)+)", re.IGNORECASE)


def _escape_slack(text: str) -> str:
    # Slack mrkdwn decodes exactly these three entities (no backslash escapes exist); a
    # person's own marks become look-alikes (slack_unmarked): a `*urgent*` or a name's
    # `_` no longer turns the rest of the GM's line bold or italic, nor breaks the bold
    # the bot puts around a name.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "&gt;" in text:
        text = _SLACK_QUOTE.sub(_unquoted, text)
    return slack_unmarked(text)


#: A `>` (`&gt;` once escaped) that starts a line: Slack shows the line as a block quote,
#: and `>>>` quotes everything after it to the end of the message. `&gt;` is how Slack
#: writes a quote itself, so only a look-alike (˃) keeps a pasted e-mail's `> …` from
#: quoting the rest of the GM's summary. Where the value starts is taken as a line's
#: start too: the template may put it there.
_SLACK_QUOTE = re.compile(r"(?:^|(?<=\n))([ \t]*)((?:&gt;)+)")


def _unquoted(match: re.Match[str]) -> str:
    return match.group(1) + "\u02c3" * (len(match.group(2)) // len("&gt;"))


def _escape_slack_code(text: str) -> str:
    # Within a code span Slack reads no * _ ~, so what is shown in code (a key, a command
    # to copy) keeps its underscores; only a backtick would end the span early (and a ```
    # pair with the next one however many lines down), so each becomes its look-alike.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("`", SLACK_MARK_LOOKALIKES["`"])


def _escape_telegram(text: str) -> str:
    return html.escape(text, quote=False)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~])")
# What would start a block at the beginning of a line: a list item ("- ", "+ ", "1. ",
# "1) "), a thematic break or setext underline ("---", "===").
_MD_LINE_START = re.compile(r"^([-+=])(?=[ \t]|$|\1)|^(\d{1,9})([.)])(?=[ \t]|$)",
                            re.MULTILINE)


def _escape_markdown(text: str) -> str:
    # Leading blanks on a person's next line could make an indented code block; each line
    # break they typed stays one (a backslash before the newline), in the same paragraph.
    first, *rest = text.split("\n")
    text = "\n".join([first, *(line.lstrip(" \t") for line in rest)])
    text = _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1)
                              else f"{m.group(2)}\\{m.group(3)}", _MD_SPECIAL.sub(r"\\\1", text))
    return text.replace("\n", "\\\n")


#: What a person's line breaks show as where their words sit inside a line the bot builds
#: (a list item, a director's block): the same in every language.
LINE_SEPARATOR = " / "
# Every line break a person's text can carry: CR LF, LF, CR (as clean_text reads them; the
# other control characters it drops) and the Unicode line and paragraph separators.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` on one line: its line breaks (any run of them, blank lines and lines of
    blanks alone included) show as LINE_SEPARATOR, those at either end are dropped.

    What someone typed, shown inside a message the bot builds for someone else, must not
    start a line of its own there: a blocker's second line "Bruno Costa · team West"
    reads as another director's block of the GM's summary. Each line is cleaned alone, so
    a right-to-left override left open turns its own line's words only, not the
    separator and the lines after it.
    """
    if text.isprintable() or not _LINE_BREAK.search(text):  # the common case, cheap
        return text
    lines = (clean_text(line).strip() for line in _LINE_BREAK.split(text))
    return LINE_SEPARATOR.join(line for line in lines if not shows_nothing(line))


def markdown_cell(text: str) -> str:
    """One CommonMark table cell of untrusted text: one line, escaped (a `|` cannot end it)."""
    return _escape_markdown(" ".join(clean_text(text).split()))


@dataclass(frozen=True)
class Markup_:
    """How one platform spells escaping, bold, italics, headings and list items.

    `heading(level)` prefixes a line that is a heading; `item(chat)` starts a line
    that is a list item (Markdown's "- "; in chat the given prefix, such as "• ").
    """

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    code: Callable[[str], str]
    heading: Callable[[int, str], str] | None = None
    item: Callable[[str], str] = lambda chat: chat
    #: How text inside `code` is escaped, where it differs from `escape`.
    code_escape: Callable[[str], str] | None = None


_FLAVOURS: dict[str, Markup_] = {
    "plain": Markup_(lambda s: s, lambda s: s, lambda s: s, lambda s: s),
    "markdown": Markup_(_escape_markdown, lambda s: f"**{s}**", lambda s: f"_{s}_",
                        lambda s: f"`{s}`", heading=lambda level, s: f"{'#' * level} {s}",
                        item=lambda chat: "- "),
    "slack": Markup_(_escape_slack, lambda s: f"*{s}*", lambda s: f"_{s}_", lambda s: f"`{s}`",
                     code_escape=_escape_slack_code),
    "telegram": Markup_(_escape_telegram, lambda s: f"<b>{s}</b>", lambda s: f"<i>{s}</i>",
                        lambda s: f"<code>{s}</code>"),
}


class _Compiled(FileSystemBytecodeCache):
    """Compiled templates kept on disk between runs: a process's first message in a
    language and markup loads them (about 15 ms) instead of compiling every message file
    again (about 0.3 s, and again for each language and platform in use). Jinja checks a
    kept file against its template's source and its own version, so an edited template
    is compiled anew.

    One file set per markup: Jinja names a compiled template by the template alone, not
    by the environment that compiled it, and works some output out while compiling (its
    constant text, escaped as that environment escapes), so no environment ever reads
    another's. A cache that cannot be written (a read-only disk) only costs the
    compiling."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError as exc:
            log.debug("no compiled template to be read (%s)", exc.strerror or exc)
        except Exception as exc:  # any damage to a kept file
            # A file cut short past its header (a power cut after Jinja's rename) made
            # Jinja's unpickling raise, and every message failed until it was deleted:
            # read as no file, so the template is compiled and the file written anew.
            bucket.reset()
            log.debug("compiled template unreadable, compiled again (%s)", type(exc).__name__)

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("compiled template not kept (%s)", exc.strerror or exc)


def _compiled(directory: Path | None, markup: str) -> _Compiled | None:
    try:
        return _Compiled(str(directory) if directory is not None else None,
                         f"teampulse-{markup}-%s.cache")
    except (OSError, RuntimeError) as exc:  # no private temp directory to be had
        log.debug("compiled templates are not kept between runs (%s)", exc)
        return None


class Renderer:
    """Renders named messages (macros in `<locale>/messages*.j2`) and whole templates."""

    def __init__(self, template_dir: Path = TEMPLATE_DIR,
                 compiled_dir: Path | None = None) -> None:
        """`compiled_dir`: where compiled templates are kept between runs (by default a
        directory of this user's own in the system's temp directory; see _Compiled)."""
        self._template_dir = template_dir
        self._compiled_dir = compiled_dir
        self._envs = {name: self._make_env(template_dir, name) for name in MARKUPS}
        self._modules: dict[tuple[str, str], dict[str, Any]] = {}
        self._labels: dict[tuple[str, str, str], str] = {}

    def _messages(self, locale: str, markup: str) -> dict[str, Any]:
        # Building a template module is costly; message files hold only macros, so one
        # table of macros per locale and markup serves every call.
        key = (_locale(locale), markup)
        macros = self._modules.get(key)
        if macros is None:
            macros = {}
            for name in message_files(self._template_dir, key[0]):
                module = self._envs[markup].get_template(name).module
                for macro, fn in vars(module).items():
                    if macro.startswith("_") or not callable(fn):
                        continue
                    if macro in macros:
                        raise KeyError(f"message {macro!r} is defined twice ({name})")
                    macros[macro] = fn
            self._modules[key] = macros
        return macros

    def _make_env(self, template_dir: Path, markup: str) -> Environment:
        flavour = _FLAVOURS[markup]

        # Summaries print the same labels, units and names thousands of times: escaping
        # each distinct short string once keeps a 10,000-person render linear and cheap.
        escaped: dict[str, Markup] = {}

        def esc(value: Any) -> Markup:
            if isinstance(value, Markup):
                return value
            text = "" if value is None else str(value)
            found = escaped.get(text)
            if found is None:
                # Control characters go in every markup, chat included (see bot/text.py).
                found = Markup(flavour.escape(clean_text(text)))
                if len(text) <= 100:
                    if len(escaped) >= 20_000:  # a few MB at most
                        escaped.clear()
                    escaped[text] = found
            return found

        def heading(level: int) -> Callable[[Any], Markup]:
            # A heading in Markdown; bold wherever there are no headings (chat).
            if flavour.heading is None:
                return wrap(flavour.bold)
            return lambda value: Markup(flavour.heading(level, str(esc(value))))

        def wrap(fn: Callable[[str], str]) -> Callable[[Any], Markup]:
            return lambda value: Markup(fn(str(esc(value))))

        def code(value: Any) -> Markup:
            if flavour.code_escape is None or isinstance(value, Markup):
                return Markup(flavour.code(str(esc(value))))
            text = "" if value is None else str(value)
            return Markup(flavour.code(flavour.code_escape(clean_text(text))))

        def oneline(value: Any) -> Any:
            # A person's typed text inside a chat message keeps to its line (one_line);
            # the Markdown export keeps their breaks as hard breaks inside one paragraph,
            # list starts escaped (_escape_markdown), so it shows them as typed. The value
            # stays unescaped: `finalize` (esc) escapes it for the platform.
            if markup == "markdown" or isinstance(value, Markup) or not isinstance(value, str):
                return value
            return one_line(value)

        def mention(person: Any) -> Markup:
            name = esc(getattr(person, "display_name", None) or getattr(person, "name", person))
            if markup == "slack" and getattr(person, "slack_id", None):
                return Markup(f"<@{person.slack_id}>")
            if markup == "telegram" and getattr(person, "telegram_id", None):
                return Markup(f'<a href="tg://user?id={int(person.telegram_id)}">{name}</a>')
            return name

        env = Environment(
            loader=FileSystemLoader(str(template_dir)),
            autoescape=True,
            finalize=esc,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            bytecode_cache=_compiled(self._compiled_dir, markup),
        )
        env.filters.update(
            b=wrap(flavour.bold),
            i=wrap(flavour.italic),
            code=code,
            h1=heading(1),
            h2=heading(2),
            mention=mention,
            oneline=oneline,
            num=format_number,
            pct=format_percent,
            fixed=format_fixed,
            round=round_filter,
            day=format_day,
            plural=plural,
        )
        env.globals["markup"] = markup
        env.globals["names_shown"] = NAMES_SHOWN
        env.globals["first_shown"] = first_shown
        env.globals["li"] = lambda chat="": Markup(flavour.item(chat))
        env.globals["cmd"] = lambda name: Markup(command_spelling(markup, name))
        # A placeholder such as <person>: a call, not a literal, because Jinja HTML-escapes
        # constant expressions at compile time, before `finalize` can escape per platform.
        env.globals["arg"] = lambda name: esc(f"<{name}>")
        return env

    def message(self, locale: str, name: str, markup: str = "plain", /, **params: Any) -> str:
        """Render the macro `name` from the locale's message files."""
        macro = self._messages(locale, markup).get(name)
        if macro is None:
            raise KeyError(f"no message {name!r} in {_locale(locale)}/messages*.j2")
        return _tidy(str(macro(**params)), markup)

    def choice_label(self, locale: str, question: str, value: str) -> str:
        """A built-in choice's label (plain text), cached: summaries ask for it per round."""
        key = (locale, question, value)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = self.message(locale, "choice_label", "plain",
                                                     question=question, value=value)
        return label

    def template(self, locale: str, name: str, markup: str = "plain", /, **params: Any) -> str:
        """Render a whole template file `<locale>/<name>.j2`."""
        tpl = self._envs[markup].get_template(f"{_locale(locale)}/{name}.j2")
        # Template.render's own steps, but the context let go of afterwards: it refers to
        # itself, so it lives until the next cyclic collection, and with it everything it
        # was given (for the GM's view, tens of thousands of objects for that collection
        # to walk, a few milliseconds per summary).
        context = tpl.new_context(params)
        try:
            text = tpl.environment.concat(tpl.root_render_func(context))  # type: ignore[attr-defined]
        except Exception:
            tpl.environment.handle_exception()
        finally:
            context.vars.clear()
            context.parent.clear()
        return _tidy(text, markup)

    def message_names(self, locale: str) -> set[str]:
        """Every message a locale defines (to check locales stay in step)."""
        return set(self._messages(locale, "plain"))


def message_files(template_dir: Path, locale: str) -> list[str]:
    """A locale's message files: `messages.j2`, then one per feature in `messages/`.

    Each feature keeps its short messages in its own file (`messages/kudos.j2`), so
    features grow side by side; a macro name must be unique across the files.
    """
    folder = template_dir / locale / "messages"
    extra = sorted(p.name for p in folder.glob("*.j2")) if folder.is_dir() else []
    return [f"{locale}/messages.j2", *(f"{locale}/messages/{name}" for name in extra)]


@lru_cache(maxsize=1)
def shared_renderer() -> Renderer:
    """One renderer per process: templates are read-only, compiling them is not free."""
    return Renderer()


# Slack has a built-in /away and lets apps not register /help, so on Slack these two are
# subcommands of the app's own /teampulse command (see slack-manifest.yaml).
_SLACK_SUBCOMMANDS = frozenset({"away", "help"})


def command_spelling(markup: str, name: str) -> str:
    """How a person types a command on a platform: '/away', or '/teampulse away' on Slack."""
    if markup == "slack" and name in _SLACK_SUBCOMMANDS:
        return f"/teampulse {name}"
    return f"/{name}"


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "en"


def _tidy(text: str, markup: str = "plain") -> str:
    # Templates are written readably; collapse the blank lines that loops leave behind.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return _markdown_blocks(text) if markup == "markdown" else text


def _markdown_blocks(text: str) -> str:
    """Lay rendered Markdown out so it parses as the template meant.

    Chat is line-based, Markdown is block-based: a heading, a list or a table gets a blank
    line around it (a line after a list item would otherwise continue the item), and two
    lines of text in a row keep their line break instead of joining into one line.
    """
    out: list[str] = []
    prev = "blank"
    for line in text.split("\n"):
        kind = _md_kind(line)
        if out and kind != "blank" and prev != "blank":
            continued = _HARD_BREAK.search(out[-1]) is not None  # a person's own line break
            if not continued and ("heading" in (kind, prev) or kind != prev):
                out.append("")
            elif not continued and kind == prev == "text":
                out[-1] += "\\"
        out.append(line)
        prev = kind
    return "\n".join(out)


_HARD_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\$")  # an odd number of backslashes at the end


def _md_kind(line: str) -> str:
    if not line.strip():
        return "blank"
    if re.match(r"#{1,6} ", line):
        return "heading"
    if line.startswith("|"):  # a table row (a person's own `|` is escaped, never first)
        return "table"
    return "item" if line.startswith("- ") else "text"


def format_number(value: float | int | None, digits: int = 2, unit: str | None = None) -> str:
    """1234567.5 -> '1,234,567.5'; whole numbers lose their decimals; a half rounds up
    (bot.numbers: 0.125 -> '0.13', as a spreadsheet shows it). A figure in rupees
    (`unit` 'INR', '₹') is grouped in lakhs and crores, as India reads it: '41,00,000'."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    comma = "" if in_rupees(unit) else ","  # (rupees: grouped below)
    if float(value).is_integer():
        text = f"{int(value):{comma}}"
    else:
        text = f"{half_up(value, digits):{comma}.{digits}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text if comma else indian_grouped(text)


def format_fixed(value: float | int | None, digits: int = 1) -> str:
    """3.25 -> '3.3': exactly `digits` decimals, a half rounded up (a 1-5 average)."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    return f"{half_up(value, digits):.{digits}f}"


def round_filter(value: float | int, precision: int = 0, method: str = "common") -> float:
    """Jinja's `round`, a half rounded up as every figure shown is (bot.numbers), not to
    even: a plan to date of 1,234.5 reads 1,235."""
    if method != "common" or not math.isfinite(value):
        return float(_jinja_round(value, precision, method))
    return round_half_up(value, precision)


def format_percent(value: float | None) -> str:
    """0.873 -> '87%'; 0.575 -> '58%' (a half rounds up, see bot.numbers); 0.004 -> '<1%',
    -0.004 -> '<0%', 0.996 -> '99%', 0 -> '0%', 1.0 -> '100%'.

    It shows shares of a whole — attainment of a target, a review's response rate — so
    neither edge may round onto the other side: something booked never reads '0%' (what
    nothing booked reads), short of the whole never '100%' (what a GM reads as met; see
    percent_of). The one other ratio, the CRM tolerance ('more than 10% apart'), is a
    threshold, and keeps the filter: of a lower bound '<1%' and '99%' still read true.
    """
    if value is None or not math.isfinite(value):
        return "—"
    whole = percent_of(value)
    if whole == 0 and value > 0:
        return "<1%"
    if whole == 0 and value < 0:
        return "<0%"  # a little below nothing (a CRM's refund): not what nothing reads
    return f"{whole:,d}%"  # 500,000% as every other figure reads


def format_day(value: date | datetime) -> str:
    """ISO date, the same in both locales."""
    return value.strftime("%Y-%m-%d")
