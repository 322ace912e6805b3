from tests.support import say

async def test_explore_choice(bot, chat, clock):
    await bot.run_checkins(["li", "alice"])
    for typed in ["6万", "成绩", "阻碍"]:
        await say(bot, "li", typed)
    for typed in ["不需要支持", "预算", "budget", "Budget", "none"]:
        await say(bot, "li", typed)
        print(">>> li:", typed, "->", chat.last("li")[:80].replace("\n", " | "))
    for typed in ["52000", "3", "wins", "blockers"]:
        await say(bot, "alice", typed)
    for typed in ["No support needed", "no", "Budget", "budget"]:
        await say(bot, "alice", typed)
        print(">>> alice:", typed, "->", chat.last("alice")[:80].replace("\n", " | "))
