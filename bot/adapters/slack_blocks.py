"""Block Kit for outbound Slack messages: choices as buttons, and the 'answered' update.

Pure functions over dicts, so they are tested without a network. Slack's limits
they respect: section text 3,000 characters, 25 elements per actions block, button
text 75 characters, 50 blocks per message.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.clusters import joins
from bot.events import Choice, OutboundMessage
from bot.render import slack_unmarked

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
    paragraphs, a summary's blocks) in the piece's second half, then a line break, then a
    space; never inside an HTML entity (`&amp;`), a link or mention (`<…>`) or a character
    a reader sees as one (an accent, a flag, an emoji with its skin tone or ZWJ sequence)."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", limit // 2, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        cut = safe_cut(rest, cut if cut > 0 else limit)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


#: An entity Slack decodes in mrkdwn (`&amp;`, `&lt;`, `&gt;`) or HTML writes (`&#128512;`).
_ENTITY = re.compile(r"&(?:[A-Za-z]{1,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_ENTITY_LONGEST = 10
#: A link, mention or date token (`<https://…|Acme & co>`, `<@U123>`) is at most this long
#: in what the bot writes; a `<` further back is text, not a token to keep whole.
_TOKEN_LONGEST = 1000


def safe_cut(text: str, cut: int) -> int:
    """`cut`, or the nearest position before it that is not inside an entity, a `<…>` token
    or a grapheme cluster (`cut` itself when everything before it is one of those)."""
    wanted = cut
    while 0 < cut < len(text):
        start = text.rfind("&", max(0, cut - _ENTITY_LONGEST), cut)
        if start >= 0 and (m := _ENTITY.match(text, start)) and m.end() > cut:
            cut = start
            continue
        opened = text.rfind("<", max(0, cut - _TOKEN_LONGEST), cut)
        if opened >= 0 and text.find(">", opened, cut) < 0 and \
                text.find(">", cut, opened + _TOKEN_LONGEST) >= 0 and opened > 0:
            cut = opened
            continue
        if joins(text, cut):  # inside a character drawn as one (bot/adapters/clusters.py)
            cut -= 1
            continue
        return cut
    return cut if cut > 0 else wanted


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
        "elements": [{"type": "mrkdwn", "text": f"✅ *{slack_unmarked(escape_mrkdwn(label))}*"}],
    })
    return kept
