"""/language: each person chooses the language the bot writes to them in.

The org file gives Alice `locale: en` and 李雷 `zh-CN`. Before, someone given the wrong
one had to ask whoever runs the bot to edit the file.
"""

from __future__ import annotations

import pytest

from tests.support import say


async def test_a_director_switches_to_chinese_and_the_check_in_comes_in_chinese(bot, chat):
    await say(bot, "alice", "/language 中文")
    assert chat.last("alice").startswith("好的：今后我用简体中文给你发消息，定时消息也一样。")

    await bot.run_checkins(["alice"])
    assert "第 1 题" in chat.last("alice") and "Question 1" not in chat.last("alice")
    await say(bot, "alice", "52000")
    assert "第 2 题" in chat.last("alice")


async def test_the_choice_outlives_a_reload_of_the_org_file_until_default(bot, chat):
    await say(bot, "alice", "/language chinese")
    bot.sync_org()  # the file still says en: the person's own choice stays
    await say(bot, "alice", "/help")
    assert chat.last("alice").startswith("teampulse —— 团队的每周节奏。")
    await say(bot, "alice", "/language")
    assert chat.last("alice").startswith(
        "我用简体中文给你发消息，这是你选择的（组织文件设置的是英文）")

    await say(bot, "alice", "/language default")
    assert chat.last("alice").startswith("Done: from now on I write to you in English, as the "
                                         "org file says")
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert (alice.locale, alice.chosen_locale) == ("en", None)


async def test_an_unknown_language_changes_nothing(bot, chat):
    await say(bot, "li", "/language klingon")
    assert chat.last("li") == ("我可以用英文或简体中文：/language en 或 /language 中文（“klingon”"
                               "都不是；/language default 为组织文件的设置）。没有做任何修改。")
    await say(bot, "li", "/language en")
    assert chat.last("li").startswith("Done: from now on I write to you in English, scheduled "
                                      "messages too. An edit of the org file does not change it")
    await say(bot, "li", "/language")
    assert chat.last("li").startswith("I write to you in English, as you chose (the org file "
                                      "says Simplified Chinese)")



@pytest.mark.parametrize(("who", "typed", "said", "help_starts"), [
    ("alice", "/language 简体中文", "好的：今后我用简体中文给你发消息", "teampulse —— "),
    ("li", "/language english", "Done: from now on I write to you in English", "teampulse — "),
    ("li", "/language 英文", "Done: from now on I write to you in English", "teampulse — "),
])
async def test_each_name_readme_gives_a_language_switches_to_it(bot, chat, who, typed, said,
                                                               help_starts):
    """README: /language takes `chinese`, `简体中文`, `english`, `英文` too."""
    await say(bot, who, typed)
    assert chat.last(who).startswith(said), chat.last(who)
    await say(bot, who, "/help")
    assert chat.last(who).startswith(help_starts)


async def test_a_language_with_a_full_stop_after_it_is_that_language(bot, chat):
    """`/language English.` or `/language 中文。`, as a sentence ends, was refused:
    "“中文。”都不是" (neither English nor Chinese). The sentence's end is no part of it;
    a word that is neither still changes nothing."""
    await say(bot, "alice", "/language 中文。")
    assert chat.last("alice").startswith("好的：今后我用简体中文给你发消息")
    await say(bot, "alice", "/language English!")
    assert chat.last("alice").startswith("Done: from now on I write to you in English")
    await say(bot, "alice", "/language French.")
    assert chat.last("alice").endswith("Nothing was changed.")
    await say(bot, "alice", "/language")
    assert chat.last("alice").startswith("I write to you in English, as you chose")
