"""Test helpers: a recording adapter and shortcuts for talking to the bot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from io import StringIO
from pathlib import Path
from typing import Any

from bot.adapters.base import Adapter, Pacing
from bot.core import TeamPulse
from bot.events import InboundEvent, OutboundMessage, SendResult, Target
from bot.outbox import MAX_ATTEMPTS

DATA = Path(__file__).parent / "data"
#: The most a test waits for something the bot under test does (starting, a reply, a
#: stop): a bound that only ends a hang, never a sleep, as each wait ends when the thing
#: happens. Generous: on a loaded machine (CI's 2 busy cores) a start takes seconds.
WAIT = 60.0
TEST_ORG = DATA / "org.yaml"


#: Two members of Li's team (China) with the same name, 王伟, for the org file's people.
NAMESAKES = """  - key: wangwei
    name: 王伟
    role: member
    manager: li
    team: China
    timezone: Asia/Shanghai
    locale: zh-CN
  - key: wangwei2
    name: 王伟
    role: member
    manager: li
    team: China
    timezone: Asia/Shanghai
    locale: zh-CN
"""


@dataclass
class Sent:
    """One message the bot sent."""

    target: Target
    message: OutboundMessage

    @property
    def text(self) -> str:
        """The message text."""
        return self.message.text


@dataclass
class RecordingAdapter(Adapter):
    """An adapter that records what the bot sends instead of sending it.

    It speaks as the console platform (people are addressed by key) unless told
    otherwise, so handler tests need no network and no SDK.
    """

    platform: str = "console"
    markup: str = "plain"
    supports_ephemeral: bool = False
    pacing: Pacing = field(default_factory=Pacing)
    sent: list[Sent] = field(default_factory=list)
    fail_next: list[Exception] = field(default_factory=list)

    async def deliver(self, target: Target, message: OutboundMessage) -> SendResult:
        """Record (or raise the next scripted failure)."""
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(Sent(target, message))
        return SendResult(external_id=str(len(self.sent)))

    async def send_dm(self, user_ref: str, message: OutboundMessage) -> SendResult:
        return await self.deliver(Target(self.platform, "dm", user_ref), message)

    async def post_to_channel(self, channel: str, message: OutboundMessage) -> SendResult:
        return await self.deliver(Target(self.platform, "channel", channel), message)

    async def reply_in_thread(self, channel: str, thread_id: str,
                              message: OutboundMessage) -> SendResult:
        return await self.deliver(Target(self.platform, "thread", channel, thread_id), message)

    async def upload_image(self, target: Target, image: bytes, filename: str,
                           caption: str) -> SendResult:
        return await self.deliver(target, OutboundMessage(caption, image=image,
                                                          image_name=filename))

    def to(self, address: str) -> list[str]:
        """Texts sent to one address (a person's key for the console platform)."""
        return [s.text for s in self.sent if s.target.address == address]

    def last(self, address: str) -> str:
        """The last text sent to an address."""
        texts = self.to(address)
        assert texts, f"nothing was sent to {address!r}; sent: {self.sent!r}"
        return texts[-1]

    def clear(self) -> None:
        """Forget what was recorded."""
        self.sent.clear()


async def say(bot: TeamPulse, key: str, text: str = "", *, group: bool = False,
              action: str | None = None, event_id: str | None = None) -> bool:
    """Person `key` writes to the bot on the console platform (and what it started finishes)."""
    handled = await bot.handle(InboundEvent(
        platform="console", user_id=key, chat_id="team" if group else key,
        chat_type="group" if group else "direct", text=text, action=action,
        event_id=event_id))
    await bot.drain()
    return handled


def run_cli(settings: Any, *args: str) -> tuple[int, str]:
    """Run the `teampulse` command in-process against a test's database and org file."""
    from bot.cli import main

    out = StringIO()
    env = {"DATABASE_URL": settings.database_url, "TEAMPULSE_ORG_FILE": str(settings.org_file)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code = main(["--env-file", "/dev/null", *args], stdout=out)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if code == 0:
        check_json_view(args, out.getvalue())
    return code, out.getvalue()


#: docs/schema/<name>.schema.json by the command that prints it ("kudos" alone is the export).
SCHEMA_OF = {("kudos", "top"): "kudos-top", ("kudos", "honours"): "kudos-honours",
             ("kudos", "export"): "kudos", ("kudos",): "kudos",
             ("pulse", "results"): "pulse-results", ("oneonones",): "oneonones",
             ("review",): "review", ("goals",): "goals", ("support",): "support",
             ("check-org",): "org", ("summary",): "summary",
             ("import-actuals", "--list"): "crm-imports"}


def check_json_view(args: tuple[str, ...], raw: str) -> None:
    """Hold every `--format json` view any test prints to its documented schema, so the
    schema is checked against every output the suite makes, not a few chosen ones."""
    import json
    from itertools import pairwise

    from jsonschema import Draft202012Validator

    if "--format=json" not in args and not any(
            a == "--format" and b == "json" for a, b in pairwise(args)):
        return
    name = SCHEMA_OF.get(tuple(args[:2])) or SCHEMA_OF.get(tuple(args[:1]))
    if name is None or raw == "":  # nothing to show yet: said on standard error alone
        return
    schema = json.loads((DATA.parent.parent / "docs" / "schema" / f"{name}.schema.json")
                        .read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(
            json.loads(raw)), key=str)
    assert not errors, [f"{name}: {list(e.absolute_path)}: {e.message}" for e in errors]


def csv_records(raw: str) -> list[dict[str, str]]:
    """The rows of a CSV the `teampulse` command printed, after checking it starts with the
    UTF-8 byte-order mark Excel needs (once, not in the first column's name)."""
    import csv

    assert raw.startswith("\ufeff") and "\ufeff" not in raw[1:], raw[:40]
    return list(csv.DictReader(StringIO(raw[1:])))


async def restart(bot: TeamPulse, clock: Any) -> RecordingAdapter:
    """The bot starts again on the same database (its scheduler's start-up, whose catch-up
    runs in the background, included, and awaited): its chat."""
    from bot.scheduler import start_scheduler

    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    chat = RecordingAdapter()
    again.register(chat)
    scheduler = await start_scheduler(again, again.engine)
    scheduler.shutdown(wait=False)
    await again.drain()
    return chat


async def settle_outbox(bot: TeamPulse, clock: Any, tries: int = 10 * MAX_ATTEMPTS) -> None:
    """Let the outbox send and retry as it would over hours, moving the fake clock to
    each message's due time (never sleeping), until nothing is left to send."""
    for _ in range(tries):
        due = await bot.outbox.flush()
        if due is None:
            return
        clock.set(max(clock.now(), due))
    raise AssertionError("the outbox did not settle")


@contextmanager
def reads_side_by_side(monkeypatch: Any, watcher: Any, *,
                       then_one_commits: bool = False) -> Iterator[None]:
    """Two replicas handling one person's messages at once, within the block: each
    thread's first read of the person's dialog waits for the other's, so both read before
    either writes, as two processes could on PostgreSQL; or until one of them waits on a
    lock the other holds (seen on `watcher`, a third connection): an event handled now
    holds its sender first, so the second reads only once the first has committed.
    `then_one_commits`: after that, the second thread goes on only once the first has
    committed, so it reads everything else (the round's answers) after the other's
    change."""
    import threading

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from storage.repositories import ConversationRepo
    from tests.test_pulse_close_race import held_after_first

    both_read, first_done = held_after_first(watcher), threading.Event()
    read = ConversationRepo.get
    waited: set[int] = set()
    first: list[int] = []

    def get(self: Any, person: Any) -> Any:
        found = read(self, person)
        me = threading.get_ident()
        if me not in waited:
            waited.add(me)
            both_read()
            if then_one_commits:
                if not first:
                    first.append(me)
                elif first[0] != me:
                    assert first_done.wait(timeout=10), "the other replica never committed"
        return found

    def committed(_session: Session) -> None:
        if first and threading.get_ident() == first[0]:
            first_done.set()

    with monkeypatch.context() as patch:
        patch.setattr(ConversationRepo, "get", get)
        event.listen(Session, "after_commit", committed)
        try:
            yield
        finally:
            event.remove(Session, "after_commit", committed)


def direct_message(key: str, text: str, event_id: str) -> InboundEvent:
    """Person `key`'s console DM to the bot, with an event id (as a platform gives one)."""
    return InboundEvent(platform="console", user_id=key, chat_id=key, chat_type="direct",
                        text=text, event_id=event_id)


async def running_since(bot: TeamPulse, clock: Any, ago: Any = None, key: str = "grace") -> None:
    """An install that has been running a while: `key` wrote to it `ago` (default two weeks)
    before now. A fresh install owes no digest for a week before it first ran."""
    from datetime import timedelta

    now = clock.now()
    clock.set(now - (ago if ago is not None else timedelta(weeks=2)))
    await say(bot, key, "/help")
    clock.set(now)


@contextmanager
def bot_on_org(settings: Any, clock: Any, org_file: Path
               ) -> Iterator[tuple[TeamPulse, RecordingAdapter, Any]]:
    """A bot on another org file (the test database), a chat registered with it, and the
    settings the command line runs with; its engine disposed of afterwards."""
    from bot.app import prepare

    settings = replace(settings, org_file=org_file)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        yield bot, chat, settings
    finally:
        engine.dispose()


def settings_in_env(monkeypatch: Any, database_url: str, org_file: Path) -> None:
    """The settings `teampulse` reads, as the operator's environment: this database and
    org file, no chat platform's token, the console on."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(org_file))
    monkeypatch.setenv("TEAMPULSE_CONSOLE", "true")
