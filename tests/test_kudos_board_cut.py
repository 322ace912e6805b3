"""A leaderboard of ten places whose last place is shared by more people than fit: it says
how many more share it, as the honour roll does ("and N more"), rather than drop them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support import TEST_ORG, bot_on_org, run_cli
from tests.test_kudos import kudo

KEYS = [f"m{n:02d}" for n in range(1, 13)]


def crowded_org(tmp_path: Path) -> Path:
    """The test org with twelve more members of East, and room to praise them all at once."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    sam = {k: v for k, v in next(p for p in data["people"] if p["key"] == "sam").items()
           if k not in ("slack_id", "telegram_id", "telegram_username")}
    data["people"] += [{**sam, "key": key, "name": f"Member {key[1:]}"} for key in KEYS]
    data["org"]["kudos"] = {"allowance": 50}
    path = tmp_path / "crowded.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def praise_the_crowd(bot) -> None:
    """m01 gets 2 kudos; m02 to m12 (eleven people) 1 each: places 2 to 12 are one tie."""
    everyone = " ".join(f"@{k}" for k in KEYS)
    await kudo(bot, "grace", f"/kudos {everyone} for the launch weekend")
    await kudo(bot, "alice", "/kudos @m01 for running the launch")


async def test_the_board_says_how_many_more_share_its_last_place(bot, clock, tmp_path):
    with bot_on_org(bot.settings, clock, crowded_org(tmp_path)) as (crowded, chat, settings):
        await praise_the_crowd(crowded)
        await kudo(crowded, "grace", "/kudos top", group=False)
        board = chat.last("grace")
        assert "1. Member 01 — 2\n2=. Member 02 — 1\n" in board
        assert "2=. Member 10 — 1\n…and 2 more at 2= (1 each)\n" in board
        assert "Member 11" not in board and "Member 12" not in board
        with crowded.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await kudo(crowded, "grace", "/kudos top", group=False)
        assert "2=. Member 10 —— 1 次\n……另有 2 人并列第 2 名（各 1 次）\n" in chat.last("grace")
        code, out = run_cli(settings, "kudos", "top", "--period", "all", "--format", "json")
        assert code == 0
        data = json.loads(out)
        assert len(data["received"]) == 10
        assert (data["received_more"], data["given_more"]) == (2, 0)
        code, out = run_cli(settings, "kudos", "top", "--period", "all", "--locale", "en")
        assert "and 2 more at 2= (1 each)" in out
        code, out = run_cli(settings, "kudos", "top", "--period", "all", "--locale", "zh-CN")
        assert "另有 2 人并列第 2 名（各 1 次）" in out


async def test_a_tie_that_fits_adds_no_line(bot, clock, tmp_path):
    with bot_on_org(bot.settings, clock, crowded_org(tmp_path)) as (crowded, chat, _):
        await kudo(crowded, "grace", "/kudos @m01 @m02 for the launch weekend")
        await kudo(crowded, "grace", "/kudos top", group=False)
        assert "1=. Member 01 — 1\n1=. Member 02 — 1\n" in chat.last("grace")
        assert "more at" not in chat.last("grace")
