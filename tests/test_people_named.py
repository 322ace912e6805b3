"""A name typed into any command names the same person, or gets the same "which one?".

Each command had its own matcher: '/summary Alice Martin' was a usage error while
'/goals Alice Martin' worked, '/1on1 history Alice　Martin' (a Chinese keyboard's space)
knew nobody, '@bruno_r' (a Telegram username) was Bruno only to /1on1, and the namesakes
answer listed teams in some commands and bare keys in others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import prepare
from tests.support import NAMESAKES, TEST_ORG, RecordingAdapter, say

#: Two directors called 王伟, in teams North and South.
TWIN_DIRECTORS = [
    {"key": key, "name": "王伟", "role": "director", "manager": "grace", "team": team,
     "timezone": "Asia/Shanghai", "locale": "zh-CN",
     "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": 30000}]}
    for key, team in (("wangwei", "North"), ("wangwei2", "South"))]


def _person(pattern: str) -> Callable[[str], str | None]:
    return lambda reply: (m.group(1) if (m := re.search(pattern, reply)) else None)


#: Each command that names a person: how to type it, and where its reply names who it
#: took (None when it took nobody). The GM types them all.
COMMANDS: dict[str, Callable[[str], str | None]] = {
    "/summary": _person(r"^Full picture — (.+)$"),
    "/checkin send": _person(r"^Check-in round sent to (.+?):"),
    "/review report": _person(r"^(.+) has no closed 360° review yet\.$"),
    "/monthly": _person(r"^📅 Month in review — \S+ · (.+)$"),
    "/goals": _person(r"^🎯 Goals — (.+)$"),
    "/1on1 history": _person(r"^No one-on-ones of (.+) are recorded yet\.$"),
}


@pytest.fixture
def twins(settings: Any, clock: Any, tmp_path: Path) -> Iterator[tuple[Any, RecordingAdapter]]:
    """The test org (Bruno's Telegram username is bruno_r) and the two directors 王伟."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"].extend(TWIN_DIRECTORS)
    path = tmp_path / "twins.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


def _namesakes(command: str, locale: str = "en") -> str:
    """The one answer to '王伟' (with `command` where each command names its own)."""
    if locale == "zh-CN":
        return (f"有 2 人叫 王伟，请用对方的 key：{command} wangwei（团队 North）、"
                f"{command} wangwei2（团队 South）。")
    return (f"2 people are called 王伟; name one by key: {command} wangwei (team North), "
            f"{command} wangwei2 (team South).")


async def _outcome(bot: Any, chat: RecordingAdapter, command: str, typed: str) -> str:
    """What `command typed` did: 'person: <name>', 'namesakes', or 'nobody: <reply>'."""
    await say(bot, "grace", f"{command} {typed}")
    reply = chat.last("grace")
    name = COMMANDS[command](reply.splitlines()[0])
    if name is not None:
        return f"person: {name}"
    if reply.replace("; nothing was sent", "") == _namesakes(command):
        return "namesakes"
    return f"nobody: {reply}"


# Typed name -> what every command must take it as.
TABLE = [
    ("li", "person: 李雷"),  # a key
    ("ALICE", "person: Alice Martin"),  # a key in another case
    ("＠alice", "person: Alice Martin"),  # a Chinese keyboard's at sign
    ("alice martin", "person: Alice Martin"),  # a name in another case, with a space
    ("Alice　Martin", "person: Alice Martin"),  # a Chinese keyboard's full-width space
    ("李雷", "person: 李雷"),  # a Chinese name
    ("@bruno_r", "person: Bruno Rossi"),  # a Telegram username
    ("王伟", "namesakes"),  # two directors: neither guessed, the same list everywhere
    # Pasted with a name copied from a web page or a chat: a zero-width space, a direction
    # mark. They show nothing, so the GM read "I don't know anyone called "alice"".
    ("ali\u200bce", "person: Alice Martin"),
    ("\u200eAlice Martin\u200f", "person: Alice Martin"),
]

#: Looks like someone, is nobody: a partial name, a longer one, a pattern. (`Martin`, a
#: surname alone, as README's example of part of a name: `Alice` is her key in another case.)
STRANGERS = ["Alice Mart", "Martin", "王伟伟", "alice.*", "%", "李",
             "\u0430lice"]  # its first letter Cyrillic: looks like Alice, is nobody


@pytest.mark.parametrize(("typed", "expected"), TABLE, ids=[t for t, _ in TABLE])
async def test_every_command_takes_a_typed_name_as_the_same_person(twins, typed, expected):
    bot, chat = twins
    got = {command: await _outcome(bot, chat, command, typed) for command in COMMANDS}
    assert got == dict.fromkeys(COMMANDS, expected)


@pytest.mark.parametrize("typed", STRANGERS)
async def test_a_look_alike_names_nobody_in_any_command(twins, typed):
    bot, chat = twins
    for command in COMMANDS:
        got = await _outcome(bot, chat, command, typed)
        assert got.startswith("nobody: "), (command, got)
        # Each says it knows nobody by that name (not a usage text, not someone else).
        assert typed in got and "Usage" not in got, (command, got)


async def test_the_namesakes_answer_is_the_same_in_chinese(twins):
    bot, chat = twins
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    for command in COMMANDS:
        await say(bot, "grace", f"{command} 王伟")
        assert chat.last("grace").replace("，未发送任何内容", "") == \
            _namesakes(command, "zh-CN"), command


async def test_a_director_asking_for_a_namesake_in_their_team_is_asked_which(
        settings, clock, tmp_path):
    # Li's team has two members called 王伟: '/summary 王伟' showed the first, silently.
    path = tmp_path / "team_twins.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "li", "/summary 王伟")
        assert chat.last("li") == ("有 2 人叫 王伟，请用对方的 key："
                                   "/summary wangwei（团队 China）、"
                                   "/summary wangwei2（团队 China）。")
        await say(bot, "li", "/summary wangwei2")
        assert "王伟" in chat.last("li") and "key" not in chat.last("li")
    finally:
        engine.dispose()
