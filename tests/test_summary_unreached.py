"""The GM's summary says why someone was not reached, read in one statement for the week
and only when someone was not reached (the summary is benchmarked: bench/summary.py)."""

from __future__ import annotations

import json

from sqlalchemy import event

from tests.support import RecordingAdapter, run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_truth import LI_ANSWERS

NO_PLATFORM = ("no running chat platform could reach them when it was sent — check their "
               "slack_id or telegram_id in the org file")


def _reads_of_why(bot) -> list[str]:
    """A list that fills with the statements reading why someone was not reached (the
    only read of the outbox's attempts), as they run."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "outbox.attempts" in statement and "outbox.last_error" in statement:
            seen.append(statement)

    event.listen(bot.engine, "before_cursor_execute", record)
    return seen


async def test_a_director_no_running_platform_knows_reads_check_their_ids(bot, settings,
                                                                          clock, monkeypatch):
    """Bruno's prompt had nowhere to go (no running platform knew him): the GM reads to
    check his ids in the org file; Alice, reached, has no reason in the JSON."""
    assert (await bot.run_checkins(["bruno"])).results["bruno"] == "unreachable"
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "li", LI_ANSWERS)
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary")

    assert f"⚠️ Bruno Rossi — not reached: the check-in could not be delivered ({NO_PLATFORM})" \
        in chat.last("grace"), chat.last("grace")
    assert len(reads) == 1  # one statement for the week, whoever was not reached
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    why = {d["key"]: d["not_reached_why"] for d in json.loads(out)["directors"]}
    assert why == {"alice": None, "bruno": "no_platform", "li": None}
    code, md = run_cli(settings, "summary", "--format", "md", "--locale", "zh-CN")
    assert "Bruno Rossi — 未送达：签到消息无法发送（发送时没有正在运行的聊天平台能联系到" \
        r"对方——请检查组织文件中的 slack\_id 或 telegram\_id）" in md, md  # (Markdown: \_ is _)


async def test_nothing_more_is_read_when_everyone_was_reached(bot, chat):
    """With everyone reached, the summary reads nothing more than before."""
    await bot.run_checkins(["alice", "li"])
    reads = _reads_of_why(bot)

    await say(bot, "grace", "/summary")

    assert "not reached" not in chat.last("grace")
    assert reads == []
