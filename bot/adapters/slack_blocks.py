"""Block Kit for outbound Slack messages: choices as buttons, and the 'answered' update.

Pure functions over dicts, so they are tested without a network. Slack's limits
they respect: section text 3,000 characters, 25 elements per actions block, button
text 75 characters, 50 blocks per message.
"""

from __future__ import annotations

import re
from typing import Any

from bot.events import Choice, OutboundMessage

ACTION_ID_PREFIX = "tp_choice_"
ACTION_ID_PATTERN = re.compile(rf"^{ACTION_ID_PREFIX}\d+$")
SECTION_LIMIT = 3000
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_LIMIT = 75
MAX_BLOCKS = 50

Block = dict[str, Any]


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut text into pieces of at most `limit` characters, preferring a blank line (between
    paragraphs, a summary's blocks) in the piece's second half, then a line break."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", limit // 2, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def button(index: int, choice: Choice) -> Block:
    """One button: its action_id is positional and unique; its value is the core's action."""
    label = choice.label if len(choice.label) <= BUTTON_TEXT_LIMIT else \
        choice.label[: BUTTON_TEXT_LIMIT - 1] + "…"
    return {
        "type": "button",
        "action_id": f"{ACTION_ID_PREFIX}{index}",
        "text": {"type": "plain_text", "text": label or "·", "emoji": True},
        "value": choice.value,
    }


def message_blocks(message: OutboundMessage) -> list[Block] | None:
    """Blocks for a message with choices (None when plain `text` says it all).

    The mrkdwn text goes in section blocks and the choices in actions blocks; the
    caller still sends `text` too, as the notification and accessibility fallback.
    """
    if not message.choices:
        return None
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in split_text(message.text)
    ]
    buttons = [button(i, c) for i, c in enumerate(message.choices)]
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        blocks.append({
            "type": "actions",
            "block_id": f"tp_choices_{start // BUTTONS_PER_BLOCK}",
            "elements": buttons[start:start + BUTTONS_PER_BLOCK],
        })
    if len(blocks) > MAX_BLOCKS:
        return None  # cannot be shown as blocks; the text fallback explains how to type it
    return blocks


def answered_blocks(original: list[Block] | None, text: str, label: str) -> list[Block]:
    """The original message without its buttons, plus a line showing what was chosen."""
    kept = [b for b in (original or []) if b.get("type") != "actions"]
    if not kept:
        kept = [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
                for piece in split_text(text)] if text else []
    kept.append({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"✅ *{escape_mrkdwn(label)}*"}],
    })
    return kept
