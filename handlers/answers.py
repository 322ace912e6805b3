"""Turning what a person typed into a stored answer, or a specific reason it was refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.questions import Question
from bot.text import clean_text

MAX_TEXT_LENGTH = 2000
SKIP_WORDS = {"/skip", "skip", "跳过", "/跳过"}
_MULTIPLIERS = {"k": 1e3, "千": 1e3, "m": 1e6, "mm": 1e6, "w": 1e4, "万": 1e4, "萬": 1e4,
                "b": 1e9, "bn": 1e9, "亿": 1e8, "億": 1e8}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(k|千|mm|m|w|万|萬|bn|b|亿|億)?$", re.IGNORECASE)


class AnswerError(ValueError):
    """An answer was refused; `message` names a template and `params` fill it in."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class ParsedAnswer:
    """A valid answer: what to store."""

    text: str | None = None
    number: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Full-width digits and punctuation (common in Chinese input) become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def is_skip(text: str) -> bool:
    """Whether the person asked to skip the question."""
    return normalise(text).lower() in SKIP_WORDS


def parse_answer(question: Question, raw: str) -> ParsedAnswer:
    """Validate an answer for a question; raise AnswerError saying what was expected.

    Terminal escapes and control characters are dropped before anything is stored.
    """
    text = clean_text(raw).strip()
    if not text:
        raise AnswerError("answer_empty")
    if question.kind == "text":
        if len(text) > MAX_TEXT_LENGTH:
            raise AnswerError("answer_too_long", length=len(text), limit=MAX_TEXT_LENGTH)
        return ParsedAnswer(text=text)
    if question.kind == "number":
        return ParsedAnswer(number=parse_number(text, question.unit))
    if question.kind == "scale":
        value = normalise(text)
        if not value.isdigit() or not 1 <= int(value) <= 5:
            raise AnswerError("answer_not_scale")
        return ParsedAnswer(number=float(value))
    if question.kind == "choice":
        return ParsedAnswer(text=parse_choice(question, text))
    raise AnswerError("answer_empty")  # unreachable: kinds are validated on load


def parse_number(text: str, unit: str | None) -> float:
    """'45,000', '45k', '$45k USD', '4.5万', '１２' -> a float; refuse anything else."""
    value = normalise(text).lower()
    if unit:
        value = value.replace(normalise(unit).lower(), " ")
    value = re.sub(r"[$€£¥￥,_\s]|(?<=\d)'(?=\d)", "", value)
    value = value.removesuffix("%")
    match = _NUMBER.match(value)
    if not match:
        raise AnswerError("answer_not_number", unit=unit or "")
    number = float(match.group(1)) * _MULTIPLIERS.get((match.group(2) or "").lower(), 1.0)
    if number < 0:
        raise AnswerError("answer_negative", unit=unit or "")
    if number > 1e15:
        raise AnswerError("answer_not_number", unit=unit or "")
    return number


def parse_choice(question: Question, text: str) -> str:
    """A choice by its number in the list, its value, or its label in any locale."""
    value = normalise(text).lower()
    if value.isdigit() and 1 <= int(value) <= len(question.choices):
        return question.choices[int(value) - 1].value
    for choice in question.choices:
        names = {choice.value.lower(), *(label.lower() for label in choice.labels.values())}
        if value in names:
            return choice.value
    raise AnswerError("answer_not_choice", count=len(question.choices))
