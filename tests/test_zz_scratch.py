from datetime import timedelta
from tests.test_org_reload import running, PROMPT, BRUNO, NY, ROME  # noqa: F401
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS
from bot import jobs

async def test_removed_midway(running):
    text = running.path.read_text()
    for a in ALICE_ANSWERS[:3]:
        await say(running.bot, "alice", a)
    running.chat.clear()
    start = text.index("  - key: alice"); end = text.index("  - key: bruno")
    alice = text[start:end]
    running.edit(alice, "")
    running.edit("manager: alice", "manager: grace")
    print(await running.watcher.check())
    await say(running.bot, "alice", ALICE_ANSWERS[3])
    print("ALICE>>", running.chat.to("alice"))
    await say(running.bot, "alice", "/language 中文")
    await say(running.bot, "alice", "hello")
    print("ALICE>>", running.chat.to("alice"))
    running.clock.advance(timedelta(days=7))
    running.write(text)
    print(await running.watcher.check())
    await running.bot.drain()
    print("ALICE back>>", [t[:100] for t in running.chat.to("alice")])
    await say(running.bot, "alice", "5")
    print("ALICE back2>>", [t[:200] for t in running.chat.to("alice")][-1:])

async def test_tz_move(running):
    # Bruno in Rome was asked at start? clock Friday 16:00 NY = 22:00 Rome
    print("BRUNO before>>", [t[:60] for t in running.chat.to("bruno")])
    running.chat.clear()
    running.edit("timezone: Europe/Rome", "timezone: America/Los_Angeles")
    print(await running.watcher.check())
    await running.bot.drain()
    running.clock.advance(timedelta(hours=3))
    await jobs.checkin_zone_job("America/Los_Angeles")
    await running.bot.drain()
    print("BRUNO after>>", [t[:60] for t in running.chat.to("bruno")])
