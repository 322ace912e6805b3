"""What `teampulse summary` writes: Markdown that renders as meant, no terminal control
codes from anyone's answers, and a quiet exit when the reader of a pipe goes away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from sqlalchemy import update

from bot.render import MARKUPS, Renderer
from storage.models import Answer
from tests.support import say
from tests.test_checkin import answer_all, answers_of
from tests.test_summary import run_cli

ROOT = Path(__file__).resolve().parent.parent
CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]

# Alice's answers, typed to break things: Markdown block syntax at line starts, an
# entity, emphasis, ANSI colours, a bell, a NUL (PostgreSQL refuses to store one), a C1
# "clear screen".
TRICKY = ["52000", "3",
          "Closed Acme\n- not a list\n# not a heading\n1. not a numbered list",
          "\x1b[31mRed alert\x1b[0m\x07\x00 & &amp; ***loud***", "2",
          "Travel\x9b2J budget", "---", "4"]


def markdown_blocks(md: str) -> list[tuple[str, str]]:
    """(block type, text) for each heading, list item and paragraph, as CommonMark parses."""
    tokens = MarkdownIt("commonmark").parse(md)
    out: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            opener = tokens[i - 1]
            inside_item = any(t.type == "list_item_open" and t.level == opener.level - 1
                              for t in tokens[max(0, i - 2):i])
            kind = opener.tag if opener.type == "heading_open" else (
                "li" if inside_item else "p")
            text = "".join(c.content if c.type in {"text", "code_inline"} else
                           "\n" if c.type in {"softbreak", "hardbreak"} else ""
                           for c in tok.children or [])
            out.append((kind, text))
        elif tok.type in {"hr", "code_block", "fence", "html_block"}:
            out.append((tok.type, tok.content))
    return out


async def gm_summary_md(bot, chat, clock, settings, monkeypatch, *args: str) -> str:
    await bot.run_checkins()
    await answer_all(bot, "alice", TRICKY)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, md = run_cli(settings, "summary", "--format", "md", *args)
    assert code == 0
    return md


async def test_markdown_summary_has_headings_and_lists(bot, chat, clock, settings,
                                                       monkeypatch):
    md = await gm_summary_md(bot, chat, clock, settings, monkeypatch)
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Weekly summary — Test Sales")
    headings = [text for kind, text in blocks if kind == "h2"]
    # The GM's view: headline, attention, then one block per director, most in need first.
    assert headings == ["Headline", "Needs your attention", "Bruno Rossi · team Europe",
                        "李雷 · team China", "Alice Martin · team East"]
    items = [text for kind, text in blocks if kind == "li"]
    assert "Check-ins: 1 of 3 · missing: Bruno Rossi, 李雷" in items
    assert "Bruno Rossi: not checked in this week" in items
    assert any(i.startswith("Goals: Revenue 52,000 / 50,000 USD (104%) · New customers 3 / 4 "
                            "customers (75%)") for i in items)
    # A person's lines stay inside their item, literally: no list, heading or rule of theirs.
    assert any("this week's wins: Closed Acme\n- not a list\n# not a heading\n"
               "1. not a numbered list" in i for i in items)
    assert any(i.startswith("Execution: blockers: Red alert & &amp; ***loud***") for i in items)
    assert not [b for b in blocks if b[0] in {"hr", "code_block", "fence", "html_block"}]
    # The only paragraphs: the week's dates, and each director's check-in status.
    assert [text for kind, text in blocks if kind == "p"] == [
        "2026-W48 (2026-11-23 – 2026-11-29) · month 2026-11 · quarter 2026-Q4",
        "❌ Bruno Rossi — not checked in", "❌ 李雷 — not checked in",
        "✅ Alice Martin — checked in"]
    _, md = run_cli(settings, "summary", "--format", "md", "--person", "alice")
    assert ("li", "Next week: ---") in markdown_blocks(md)


async def test_markdown_trend_and_person_summaries_parse_as_lists(bot, chat, clock, settings,
                                                                  monkeypatch):
    md = await gm_summary_md(bot, chat, clock, settings, monkeypatch, "--weeks", "2")
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Summary of the last 2 weeks — Test Sales")
    assert ("li", "2026-W48: 1 of 3 · missing: Bruno Rossi, 李雷") in blocks
    # Against the whole team's target: 52,000 of 150,000.
    assert ("li", "Team · 2026-W48 · Revenue 52,000 / 150,000 USD (35%), 1 of 3 reporting · "
                  "not reported: Bruno Rossi, 李雷") in blocks
    code, md = run_cli(settings, "summary", "--format", "md", "--person", "alice")
    assert code == 0
    blocks = markdown_blocks(md)
    # A director's full picture first, then their weeks.
    assert blocks[0] == ("h1", "Full picture — Alice Martin")
    assert ("h1", "Alice Martin · team East · last 4 weeks") in blocks
    assert ("h2", "2026-W48 (2026-11-23 – 2026-11-29): checked in") in blocks
    assert ("li", "Revenue 52,000 / 50,000 USD (104%)") in blocks
    assert ("li", "Next week: ---") in blocks


async def test_no_control_characters_reach_the_terminal_file_or_chat(bot, chat, clock, settings,
                                                                    monkeypatch):
    md = await gm_summary_md(bot, chat, clock, settings, monkeypatch)
    stored = answers_of(bot, "alice")
    assert stored["blockers"][0] == "Red alert & &amp; ***loud***"  # cleaned before storing
    assert stored["support_detail"][0] == "Travel budget"
    # Text stored before this cleaning existed is cleaned on the way out as well.
    with bot.unit() as ctx:
        ctx.session.execute(update(Answer).where(Answer.question_key == "wins").values(
            text_value="\x1b]0;pwned\x07Won\x1b[2J\x0e \x85big\r\nand more"))
    _, md = run_cli(settings, "summary", "--format", "md")
    _, plain_json = run_cli(settings, "summary", "--format", "json")
    await say(bot, "grace", "/summary")
    for out in (md, plain_json, chat.last("grace")):
        assert not [c for c in CONTROL if c in out], repr(out)
    # (In chat, on its line: see tests/test_echoed_text.py; the JSON keeps it as typed.)
    assert "Won big / and more" in chat.last("grace")
    alice = next(p for p in json.loads(plain_json)["directors"] if p["key"] == "alice")
    assert alice["execution"]["wins"] == "Won big\nand more"


def test_every_markup_drops_control_characters_from_values():
    renderer = Renderer()
    answer = "\x1b[1mBig\x1b[0m\x07 win"
    args = {"week": "2026-W48", "items": [{"prompt": "Wins?", "answer": answer}]}
    for markup in MARKUPS:
        out = renderer.message("en", "checkin_done", markup, **args)
        assert "Big win" in out and not [c for c in CONTROL if c in out], (markup, out)


async def test_summary_piped_into_a_closed_reader_exits_quietly(bot, chat, settings):
    env = {**os.environ, "DATABASE_URL": settings.database_url,
           "TEAMPULSE_ORG_FILE": str(settings.org_file)}
    for fmt in ("md", "json"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "summary", "--format",
             fmt], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head -0`: the reader is gone before anything is written
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
        assert "Traceback" not in err and "BrokenPipe" not in err, err
        assert code == 141


async def test_summary_piped_into_head_prints_the_first_line(bot, chat, settings):
    env = {**os.environ, "DATABASE_URL": settings.database_url,
           "TEAMPULSE_ORG_FILE": str(settings.org_file)}
    result = subprocess.run(
        f"{sys.executable} -m bot --env-file /dev/null summary --weeks 12 | head -1",
        shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout == "# Summary of the last 12 weeks — Test Sales\n"
    assert result.stderr == ""
