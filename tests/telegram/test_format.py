"""Splitting long Telegram HTML and laying out buttons (pure functions)."""

from __future__ import annotations

from bot.adapters.telegram_format import (
    button_rows,
    display_width,
    html_to_plain,
    shown_len,
    split_html,
    utf16_len,
)
from tests.fakes.telegram_api import parse_html


def test_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_parts_break_at_lines_and_keep_order() -> None:
    lines = [f"line {n}" for n in range(40)]
    parts = split_html("\n".join(lines), limit=50)
    assert all(len(p) <= 50 for p in parts)
    assert "\n".join(parts).split("\n") == lines  # nothing lost, nothing cut mid-line


def test_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    text = '<b>Header</b>\n<a href="https://x.org/a">' + "\n".join(
        f"link line {n}" for n in range(20)) + "</a>\n<i>end</i>"
    parts = split_html(text, limit=80)
    assert len(parts) > 2
    for part in parts:
        assert shown_len(part) <= 80
        parse_html(part)  # valid Telegram HTML on its own: raises otherwise
    assert parts[1].startswith('<a href="https://x.org/a">') and parts[1].endswith("</a>")
    assert html_to_plain("\n".join(parts)) == html_to_plain(text)


def test_a_line_longer_than_the_limit_breaks_at_spaces_never_inside_entities() -> None:
    text = "<i>" + " ".join(["fish &amp; chips"] * 30) + "</i>"
    parts = split_html(text, limit=60)
    for part in parts:
        assert shown_len(part) <= 60
        plain, _ = parse_html(part)
        assert not plain.startswith(" ") and "&am" not in plain
    assert " ".join(html_to_plain(p) for p in parts) == html_to_plain(text)


def test_text_without_spaces_is_cut_anywhere() -> None:
    assert split_html("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_emoji_count_as_two_units_like_telegram_does() -> None:
    parts = split_html("😀" * 10, limit=8)
    assert [utf16_len(p) for p in parts] == [8, 8, 4]


def test_parts_without_visible_text_are_dropped() -> None:
    assert split_html("a\n\n\n<b>\n</b>\n\nb", limit=3) == ["a", "b"]


def test_buttons_share_rows_when_short() -> None:
    assert button_rows(["1", "2", "3", "4", "5"]) == [[0, 1, 2, 3, 4]]
    labels = ["No support needed", "Budget", "Training", "People / hiring",
              "Help from another department"]
    assert button_rows(labels) == [[0], [1, 2], [3], [4]]
    assert button_rows([str(n) for n in range(10)]) == [list(range(8)), [8, 9]]


def test_wide_characters_count_double() -> None:
    assert display_width("预算") == 4
    assert button_rows(["不需要支持", "预算", "培训", "人员/招聘", "其他部门的帮助"]) == [
        [0, 1, 2], [3, 4]]
