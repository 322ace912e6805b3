"""The console chat: the embedded default, so teampulse runs with no accounts at all.

You act as any person of the org (`/as <key>`), type commands and answers, and see
every message the bot sends and to whom. Works on a terminal and with piped input,
so a whole session can be scripted.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from bot.adapters.base import Adapter
from bot.events import InboundEvent, Mention, OutboundMessage, SendResult, Target
from bot.org import Org, cache_dir
from bot.schedule import next_checkin_anywhere
from bot.text import INVISIBLE, ascii_width, clean_text, shows_nothing
from bot.weeks import current_week
from storage.db import describe_db_error

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)



# A key is ASCII: Chinese text right against it ('谢谢@alice帮忙') is no part of it (\w
# had read the name 'alice帮忙' and, before it, no mention at all), and a Chinese keyboard's
# full-width '＠' names as '@' does. An ASCII letter before the sign is an e-mail address.
# A whole line typed in full-width mode ('＠ａｌｉｃｅ') is read the same (bot.text.ascii_width).
_MENTION = re.compile(r"(?<![A-Za-z0-9_.@＠])[@＠]([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]"
                      r"|[A-Za-z0-9])")
BOT_NAMES = frozenset({"teampulse", "bot"})


def console_mentions(text: str) -> tuple[Mention, ...]:
    """`@alice` in console text → mentions of person keys; `@teampulse`/`@bot` is the bot."""
    # The same length in ASCII, so each match's place and text are those typed.
    folded = ascii_width(text)
    return tuple(Mention(username=m.group(1).lower(), display=text[m.start():m.end()],
                         is_bot=m.group(1).lower() in BOT_NAMES)
                 for m in _MENTION.finditer(folded))


#: The most words a person's name typed after `/fire checkin` is read in (see _keys_named).
NAME_WORDS = 5


class ConsoleAdapter(Adapter):
    """Chat with teampulse on standard input and output."""

    platform = "console"
    markup = "plain"

    def __init__(self, bot: TeamPulse, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, interactive: bool | None = None) -> None:
        self.bot = bot
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.current: str | None = None
        self._names: dict[str, str] = {}
        # Each person's language, looked up when first needed and again after they type
        # (a /language changes it): the console's own words are said in it, as the bot's are.
        self._locales: dict[str, str] = {}
        self._buttons: dict[str, tuple[str, ...]] = {}
        self._counter = 0
        # The input thread reads one line per request from run(), so an interactive prompt
        # appears after the bot's answer to the previous line, naming whoever /as made you.
        self._want_line = threading.Semaphore(0)
        # A prompt is on the screen, awaiting typing (the input thread is in input()).
        self._reading = False
        # How many messages had been printed when the banner was: start-up's catch-up (a
        # digest due, this week's prompt) may push it off the screen.
        self._sent_at_banner = 0

    # --- outbound ------------------------------------------------------------------------

    async def send_dm(self, user_ref: str, message: OutboundMessage) -> SendResult:
        """Print a DM, naming its recipient."""
        name = self._names.get(user_ref, user_ref)
        self._print_message(self._text(user_ref, "console_sent_to", name=name, key=user_ref),
                            message, reader=user_ref)
        if message.choices:
            self._buttons[user_ref] = tuple(c.value for c in message.choices)
        return self._result()

    async def post_to_channel(self, channel: str, message: OutboundMessage) -> SendResult:
        """Print a group-chat message."""
        self._print_message(self._text(self.current, "console_sent_to", channel=channel),
                            message)
        return self._result()

    async def reply_in_thread(self, channel: str, thread_id: str,
                              message: OutboundMessage) -> SendResult:
        """Print a threaded reply."""
        self._print_message(self._text(self.current, "console_sent_to", channel=channel,
                                       thread=thread_id), message)
        return self._result()

    async def upload_image(self, target: Target, image: bytes, filename: str,
                           caption: str) -> SendResult:
        """A console cannot show images: save it under the cache folder and say where."""
        result = self._result()
        # Numbered, so a second chart of the same week never overwrites the first.
        path = cache_dir() / "charts" / f"{result.external_id}-{Path(filename).name}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(image)
            where = {"image": filename, "saved_in": str(path)}
        except OSError as exc:
            where = {"image": filename, "saved_in": str(path.parent),
                     "error": exc.strerror or str(exc)}
        name = self._names.get(target.address, target.address)
        self._print_message(self._text(target.address, "console_sent_to", name=name,
                                       key=target.address, **where),
                            OutboundMessage(caption), reader=target.address)
        return result

    def _result(self) -> SendResult:
        self._counter += 1
        return SendResult(external_id=str(self._counter))

    def _print_message(self, header: str, message: OutboundMessage,
                       reader: str | None = None) -> None:
        """Print a message under its header; `reader`: whose DM it is (their language)."""
        lines = [f"[{header}]"]
        lines += [f"  {line}" if line else "" for line in message.text.splitlines()]
        if message.choices:
            buttons = "  ".join(f"[{i}: {c.label}]" for i, c in enumerate(message.choices, 1))
            lines.append("  " + self._text(reader or self.current, "console_buttons",
                                           buttons=buttons))
        text = "\n".join(lines) + "\n\n"
        if self.interactive and self._reading:
            # A message that comes while the prompt awaits typing (a scheduled prompt, a
            # digest) goes below the prompt's line, not into it, and the prompt is drawn
            # again under it with what was typed so far.
            text = f"\n{text}{self.current}> {_typed_so_far()}"
        self.stdout.write(text)
        self.stdout.flush()

    def org_changed(self, org: Org) -> None:
        """Names shown with what is sent, as the reloaded org file gives them."""
        self._names = {p.key: p.name for p in org.people}
        self._locales.clear()  # the file may give someone another language

    # --- inbound -------------------------------------------------------------------------

    def _load_people(self) -> list[tuple[str, str, str]]:
        with self.bot.unit() as ctx:
            people = [(p.key, p.display_name, p.role) for p in ctx.people.active()]
        self._names = {key: name for key, name, _ in people}
        return people

    def next_checkin(self, reader: str) -> datetime | None:
        """The next scheduled check-in anywhere, in `reader`'s time (None if nobody checks
        in): a fresh install's console said only "Try: /fire checkin", and nothing of the
        check-in going out by itself, nor when."""
        entry = self.bot.org.person(reader)
        found = next_checkin_anywhere(self.bot.settings.checkin_schedule,
                                      (p.timezone for p in self.bot.org.people
                                       if p.checks_in), self.bot.clock.now())
        if found is None or entry is None:
            return None
        return found[0].astimezone(ZoneInfo(entry.timezone))

    def banner(self) -> str:
        """What the console shows on start."""
        people = self._load_people()
        if self.current is None:
            self.current = next((k for k, _, role in people if role == "gm"), people[0][0])
        schedule = self.bot.settings.checkin_schedule
        return self._text(self.current, "console_banner", org=self.bot.org.name,
                          name=self._names[self.current], key=self.current,
                          next_checkin=self.next_checkin(self.current),
                          day=schedule.day, at=f"{schedule.at:%H:%M}") + "\n"

    async def start(self) -> None:
        """Greet before anything else prints (the scheduler may send a catch-up prompt)."""
        self.stdout.write(self.banner() + "\n")
        self.stdout.flush()
        self._sent_at_banner = self._counter

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read lines until end of input, /quit, or `stop` is set.

        A line already read is always processed to the end; `stop` only prevents
        reading the next one, so a shutdown never cuts an answer in half.
        """
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401 - gives input() line editing and history
        lines = self._start_reader()
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        # One person at the keyboard: what start-up owes (this week's prompts, above all)
        # is settled before their first line, or a /summary typed at once could show last
        # week. (The chat platforms are served meanwhile, as during any scheduled round.)
        catching_up = self.bot.catching_up
        if catching_up is not None and not catching_up.done():
            await asyncio.wait({catching_up, stopping} if stopping else {catching_up},
                               return_when=asyncio.FIRST_COMPLETED)
        if catching_up is not None and catching_up.done() and (stop is None or
                                                                not stop.is_set()):
            # What it sent (a digest due, this week's prompt) is shown before the first
            # prompt, not printed into it.
            await self.bot.deliver()
            if self._counter > self._sent_at_banner:
                # The banner has scrolled away under what start-up sent: say again, just
                # above the first prompt, who you are and what to type.
                self._note("console_after_start_up",
                           name=self._names.get(self.current or "", self.current),
                           key=self.current)
        try:
            while stop is None or not stop.is_set():
                self._want_line.release()  # the reader may read (and prompt) once more
                getting = asyncio.ensure_future(lines.get())
                waiters = {getting} if stopping is None else {getting, stopping}
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()
                    if self.interactive:
                        self.stdout.write("\n")  # end the prompt line the signal interrupted
                        self.stdout.flush()
                    break
                line = getting.result()
                if line is None:  # end of input
                    if self.interactive:
                        self.stdout.write("\n")
                    break
                line = line.rstrip("\n")
                if not self.interactive and _visible(line):
                    self.stdout.write(f"{self.current}> {line}\n")
                try:
                    if not await self.process_line(line):
                        break
                except DBAPIError as exc:  # the database is down: keep the console open
                    log.error("console: %r failed: %s", line.split(" ", 1)[0],
                              describe_db_error(exc))
                    # Said in the language last known: asking the database for it
                    # would fail the same way.
                    self._say(self._text(self.current, "console_database_down", lookup=False))
        finally:
            if stopping is not None:
                stopping.cancel()

    def _start_reader(self) -> asyncio.Queue[str | None]:
        """Lines of input, read by a daemon thread; None marks the end of input.

        A blocking read cannot be cancelled, and a pooled executor thread stuck in
        one (a pipe that stays open) would keep the process from exiting. A daemon
        thread is simply left behind at exit. Real file descriptors are read with
        os.read, not through sys.stdin's buffer, whose lock a thread left behind
        would still hold when the interpreter shuts down.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def put(item: str | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody listens
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def read() -> None:
            lines = self._lines()
            try:
                while self._want_line.acquire() and (line := next(lines, None)) is not None:
                    put(line)
            except Exception:  # a broken input ends the session like end of input
                log.exception("reading console input failed")
            put(None)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return queue

    def _lines(self) -> Iterator[str]:
        if self.interactive:
            while True:
                self._reading = True
                try:
                    line = input(f"{self.current}> ")
                except EOFError:
                    return
                finally:
                    self._reading = False
                yield line
        fd = _fileno(self.stdin)
        if fd is None:  # an in-memory stream never blocks
            yield from iter(self.stdin.readline, "")
            return
        decoder = codecs.getincrementaldecoder(
            getattr(self.stdin, "encoding", None) or "utf-8")(errors="replace")
        pending = ""
        while chunk := os.read(fd, 65536):
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending

    async def process_line(self, line: str) -> bool:
        """Handle one typed line; False means leave."""
        # Nothing visible typed (Enter alone, an arrow key's escape sequence where the
        # terminal has no line editing, a zero-width character pasted) is no message: a
        # chat app sends nothing for it, so the console only shows the prompt again.
        text = _visible(line)
        if not text or self._comment(text):
            return True
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in {"/quit", "/exit"}:
            return False
        if word == "/console":
            self._note("console_help")
        elif word == "/who":
            self._say("\n".join(
                f"  {k:<12} " + self._text(self.current, "console_who_row", name=n, role=r,
                                           you=k == self.current)
                for k, n, r in self._load_people()))
        elif word == "/as":
            self._switch(rest.strip())
        elif word == "/fire":
            await self._fire(rest.split())
        elif word == "/press":
            await self._press(rest.strip())
        elif word == "/group":
            await self._group(rest.strip())
        else:
            await self._send(text)
        return True

    def _comment(self, text: str) -> bool:
        """Whether a line is a comment, dropped unsent: in a script piped in only, and only
        `#` alone or followed by a space. At the prompt a person is chatting, and an
        answer such as '#1 in the region: 12' must never vanish unanswered."""
        return not self.interactive and (text == "#" or text.startswith(("# ", "#\t")))

    async def _group(self, text: str) -> None:
        """Say `text` in the team's group; a word from the console where nothing answers.

        The bot rightly stays quiet about group chatter (a real group would not want a
        reply to every message), but here one person types everything: silence after
        `/group hi` reads as a bot that is broken.
        """
        if not text:
            self._note("console_group_usage")
            return
        printed = self._counter
        await self._send(text, group=True)
        if self._counter == printed:
            self._note("console_group_quiet")

    def _note(self, message: str, /, **params: object) -> None:
        """Say the console's message `message` in the language of whoever /as made you (the one
        they chose in chat, else the org file's)."""
        self._say(self._text(self.current, message, **params))

    def _text(self, key: str | None, message: str, /, *, lookup: bool = True,
              **params: object) -> str:
        """The console's message `message` in the language of the person `key`.

        `lookup=False` uses only what is already known (English for a person not yet
        looked up): for when the database cannot be reached.
        """
        locale = self._locales.get(key or "")
        if locale is None:
            locale = self._locale_of(key or "") if lookup else "en"
        return self.bot.renderer.message(locale, message, "plain", **params)

    def _locale_of(self, key: str) -> str:
        try:
            with self.bot.unit() as ctx:
                person = ctx.people.by_key(key)
                locale = person.locale if person is not None else "en"
        except DBAPIError:  # a header or a note is no reason to fail: English, this once
            return "en"
        self._locales[key] = locale
        return locale

    def _say(self, text: str) -> None:
        self.stdout.write(text + "\n\n")
        self.stdout.flush()

    def _key_of(self, typed: str, keys: set[str]) -> str | None:
        """The key of the one person among `keys` whom `typed` names, as chat names people
        (handlers/people_named.py): their key in any case, or their name as the org file
        writes it; None for nobody, or for a name two people share."""
        from handlers.people_named import people_named

        named = people_named((p for p in self.bot.org.people if p.key in keys), typed)
        return named[0].key if len(named) == 1 else None

    def _switch(self, typed: str) -> None:
        people = {k: n for k, n, _ in self._load_people()}
        if not typed:
            self._note("console_as_usage", keys=sorted(people))
            return
        key = typed if typed in people else self._key_of(typed, set(people))
        if key is None:
            self._note("console_no_such_person", key=typed, keys=sorted(people))
            return
        self.current = key
        self._note("console_you_are_now", name=people[key], key=key)

    async def _fire(self, args: list[str]) -> None:
        if not args or args[0] not in {"checkin", "reminders", "pulse"}:
            self._note("console_fire_usage")
            return
        await self._fire_job(args)
        # The scheduled jobs only wake the outbox's loop; here the next line typed may
        # answer or press what was just sent, so it is all shown before that line is read.
        await self.bot.deliver()

    async def _fire_job(self, args: list[str]) -> None:
        if args[0] == "pulse":
            done = await self.bot.run_pulse()
            every = self.bot.org.pulse.every_weeks
            self._note("console_fired_pulse", asked=done.asked, reminded=done.reminded,
                       closed=list(done.closed), every=every)
            return
        if args[0] == "reminders":
            count = await self.bot.run_reminders()
            self._note("console_fired_reminders", count=count)
            return
        # The operator trying the bot out: the check-in is asked now, even of someone in
        # the middle of another dialog (the start-up may just have asked the monthly
        # review's first question), so the next line typed answers it.
        keys: list[str] | None = None
        if args[1:]:
            # Each key as /as takes it; one that names nobody is said, not dropped unsaid.
            known = {k for k, _, _ in self._load_people()}
            keys = []
            for typed, key in self._keys_named(args[1:], known):
                if key is None:
                    self._note("console_no_such_person", key=typed, keys=sorted(known))
                else:
                    keys.append(key)
            if not keys:
                return  # (none given is everyone: never so for keys that were all unknown)
        # Everyone is asked about the week the GM reads as now (their /summary's): on a
        # Sunday afternoon in New York it is Monday in Shanghai, and 李雷 was asked about
        # the week just begun there while Grace's summary, of the week ending, read him
        # "no check-in sent" right after he answered (README's quick start).
        gm = next((p for p in self.bot.org.people if p.role == "gm"), None)
        week = current_week(self.bot.clock.now(), (gm or self.bot.org).timezone)
        run = await self.bot.run_checkins(keys, take_over=True, week=week)
        if not run.results:
            self._note("console_fired_nobody")
            return
        self._note("console_fired_checkin", results=list(run.results.items()))

    def _keys_named(self, words: list[str], known: set[str]
                    ) -> list[tuple[str, str | None]]:
        """What each person typed after `/fire checkin` names: (as typed, key or None).

        A name of several words, `Alice Martin`, is one person, as `/as` reads it (the
        longest run of words naming one person); words that are each a key stay apart
        (`vera sam`), so a key is never swallowed into a name. A name is read up to
        NAME_WORDS words long, so a long list of keys costs no quadratic search."""
        lowered = {k.lower() for k in known}
        found: list[tuple[str, str | None]] = []
        start = 0
        while start < len(words):
            for end in range(min(len(words), start + NAME_WORDS), start, -1):
                span = words[start:end]
                if end - start > 1 and all(w.lower() in lowered for w in span):
                    continue
                typed = " ".join(span)
                key = typed if typed in known else self._key_of(typed, known)
                if key is not None or end - start == 1:
                    found.append((typed, key))
                    start = end
                    break
        return found

    async def _press(self, arg: str) -> None:
        buttons = self._buttons.get(self.current or "", ())
        if not arg.isdigit() or not 1 <= int(arg) <= len(buttons):
            self._note("console_press_usage", count=len(buttons))
            return
        await self._send("", action=buttons[int(arg) - 1])

    async def _send(self, text: str, *, group: bool = False, action: str | None = None) -> None:
        assert self.current is not None
        # What they type may change their language (/language): asked again when next
        # needed, whether what the bot says back is shown during the handling or after it.
        self._locales.pop(self.current, None)
        await self.bot.handle(InboundEvent(
            platform="console", user_id=self.current,
            chat_id="team" if group else self.current,
            chat_type="group" if group else "direct", text=text, action=action,
            display_name=self._names.get(self.current), mentions=console_mentions(text)))
        self._locales.pop(self.current, None)


def _visible(line: str) -> str:
    """What a typed line shows: without control characters, escape sequences, invisible
    characters and the spaces around them ('' for a line of variation selectors too)."""
    return "" if shows_nothing(line) else clean_text(line).strip().strip(INVISIBLE).strip()


def _fileno(stream: TextIO) -> int | None:
    """The stream's file descriptor, or None for an in-memory stream."""
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError
        return None


def _typed_so_far() -> str:
    """What the person has typed at the prompt so far (readline's line buffer)."""
    readline = sys.modules.get("readline")
    return readline.get_line_buffer() if readline is not None else ""  # type: ignore[no-any-return]
