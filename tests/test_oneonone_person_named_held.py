"""`/1on1 held` where someone of the org is keyed `held` (or goes by `finish`): the words
for "done" (done, finish, close, held) were read as the hint on recording a meeting, so
the GM could not ask for that person's one-on-one by the key the org file gives them.
The person wins; where nobody is called so, the hint stays."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.oneonone_support import ONEONONES
from tests.support import TEST_ORG, say

HELD = """  - key: held
    name: Helen Hu
    role: director
    manager: grace
    team: East
    timezone: America/New_York
    locale: en
    aliases: [finish]
"""


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules and a director keyed `held` (alias `finish`)."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", HELD + "# Company values") + ONEONONES, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)


async def test_a_person_keyed_held_is_asked_for_by_that_key(bot, chat):
    for typed in ("/1on1 held", "/1on1 Held", "/1on1 finish"):
        await say(bot, "grace", typed)
        schedule, agenda = [m.message.text for m in chat.sent[-2:]]
        assert any(line.startswith("Helen Hu: ") for line in schedule.splitlines()), schedule
        assert agenda.splitlines()[0].startswith("1:1 with Helen Hu — "), agenda


async def test_someone_without_a_1on1_with_them_is_told_whose_there_are(bot, chat):
    # Sam's one-on-one is with Alice: "held" is a person, not his, as '/1on1 alice' would be.
    await say(bot, "sam", "/1on1 held")
    assert chat.last("sam") == "You have no one-on-one with held. Yours: Alice Martin."


async def test_the_words_nobody_is_called_still_give_the_hint(bot, chat):
    for typed in ("/1on1 done", "/1on1 close", "/1on1 held 3"):
        await say(bot, "grace", typed)
        assert chat.last("grace").startswith(
            "There is no /1on1 done: once a 1:1 ends, I ask the manager"), chat.last("grace")
