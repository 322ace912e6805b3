"""A Chinese GM reads names in pinyin order, as in a phone's contact list: 李雷 (li) before
王芳 (wang) before 张伟 (zhang). By code point 张 came before 李 and 王 on the kudos board,
the honour roll and the GM summary; English names keep their order among them."""

from __future__ import annotations

from bot.app import prepare
from bot.config import Settings
from bot.name_order import name_key
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_kudos import kudo


async def test_chinese_names_are_listed_in_pinyin_order(database_url, clock, tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "name: Alice Martin", "name: 张伟").replace("name: Sam Lee", "name: 王芳"),
        encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        for key in ("alice", "li", "bruno", "sam"):
            await kudo(bot, "grace", f"/kudos @{key} for the great work")
        await say(bot, "grace", "/kudos top")
        board = chat.last("grace")
        assert "1=. Bruno Rossi — 1\n1=. 李雷 — 1\n1=. 王芳 — 1\n1=. 张伟 — 1" in board, board
        await say(bot, "grace", "/honours 2026-11")
        assert "• East: 王芳 and 张伟 — 1 kudo each, a tie" in chat.last("grace")
        await say(bot, "grace", "/summary")  # each director's block, by name
        summary = chat.last("grace")
        blocks = [summary.index(f"{name} · team") for name in ("Bruno Rossi", "李雷", "张伟")]
        assert blocks == sorted(blocks), summary
    finally:
        engine.dispose()


def test_the_order_is_the_same_every_time_and_surnames_read_as_surnames():
    names = ["张伟", "黎明", "李雷", "曾志伟", "王伟", "吕布", "卢俊义", "Zoë", "alice", "Bob"]
    assert sorted(names, key=name_key) == [
        "alice", "Bob", "李雷", "黎明", "卢俊义", "吕布", "王伟", "曾志伟", "张伟", "Zoë"]
    assert sorted(reversed(names), key=name_key) == sorted(names, key=name_key)
    assert [name_key(n) for n in ("Alice Martin", "Zoë")] == ["alice martin", "zoë"]


def test_the_pinyin_table_is_never_read_for_names_without_chinese(monkeypatch):
    # README: pypinyin's table is read when a Chinese name is first ordered, never for an
    # org without one (an English org pays nothing for it).
    import bot.name_order as name_order
    read: list[bool] = []
    monkeypatch.setattr(name_order, "_readings", lambda: read.append(True) or {})
    name_order._pinyin_key.cache_clear()
    sorted(["Zoë", "Alice Martin", "Bruno Rossi", "José", "Ørsted"], key=name_key)
    assert read == []
    name_key("李雷")
    assert read == [True]
    name_order._pinyin_key.cache_clear()
