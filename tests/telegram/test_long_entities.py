"""Telegram counts a message's length after reading its HTML: `&amp;` is one `&`, a tag
nothing. The splitter measured the markup, five characters for each `&`: a text of
4,000 `&`s went as five messages where one fits, and a summary of `<`s and bold names
as more messages than it needed."""

from __future__ import annotations

import html

from bot.adapters.telegram_format import html_to_plain, shown_len
from bot.events import OutboundMessage
from tests.fakes.telegram_api import parse_html, utf16_len
from tests.telegram.conftest import GRACE, TG


async def test_four_thousand_ampersands_go_as_one_message(tg: TG) -> None:
    text = html.escape("&" * 4000)
    await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))
    calls = tg.fake.calls_for("sendMessage")
    assert len(calls) == 1 and calls[0].status == 200
    assert tg.fake.sent_messages(GRACE)[-1]["text"] == "&" * 4000


async def test_a_longer_text_of_ampersands_splits_with_nothing_lost(tg: TG) -> None:
    text = "<b>" + html.escape("&<" * 2500) + "</b>"  # 5,000 characters as Telegram counts
    await tg.adapter.send_dm(str(GRACE), OutboundMessage(text))
    calls = tg.fake.calls_for("sendMessage")
    assert len(calls) == 2 and all(c.status == 200 for c in calls)  # each fits, valid HTML
    shown = [m["text"] for m in tg.fake.sent_messages(GRACE)[-2:]]
    assert "".join(shown) == "&<" * 2500
    assert [utf16_len(s) for s in shown] == [4096, 5000 - 4096]
    # The second part still bold: its tag reopened.
    assert all(parse_html(c.params["text"])[1] for c in calls)


def test_shown_length_is_what_telegram_counts() -> None:
    text = '<b>Alice &amp; Bob</b> &lt;3 <a href="https://x.org">a&#233;</a> 😀'
    plain, _ = parse_html(text)
    assert shown_len(text) == utf16_len(plain) == utf16_len(html_to_plain(text))
