"""Turning what a person typed into a stored answer, or a specific reason it was refused."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, NoReturn

from bot.questions import Question
from bot.text import clean_text

MAX_TEXT_LENGTH = 2000
SKIP_WORDS = {"/skip", "skip", "跳过", "/跳过"}
#: '暂停' as the Chinese footer pairs it with /pause ('/skip 跳过 · /pause 暂停'), as
#: 跳过 already skips; never a real answer to any of the questions.
PAUSE_WORDS = {"pause", "暂停", "/暂停"}
#: Besides k/m/bn and the Chinese units, the abbreviations of continental Europe and of
#: finance: 'Tsd.' (Tausend), 'Mio.'/'mln'/'mn' (a million), 'Mrd.' (Milliarde, a billion),
#: the words after digits, '1.2 millions', '3 Millionen', and India's lakh (100,000) and
#: crore (10,000,000), and 'grand' (a thousand, '52 grand'). '1,2 Mio' was answered "That
#: isn't a number", and '3 Mio', '1.2 lakh' or '52 grand' "reply 3 alone" (1.2, 52): a
#: director doing as told stored a wrong figure. (German
#: 'Billion' is a million millions: left out, as is 'mil', a thousand or a million.)
_MULTIPLIERS = {"k": 1e3, "tsd": 1e3, "千": 1e3, "m": 1e6, "mm": 1e6, "mio": 1e6,
                "mln": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6, "millionen": 1e6,
                "w": 1e4, "万": 1e4, "萬": 1e4, "b": 1e9, "bn": 1e9, "billion": 1e9,
                "billions": 1e9, "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9,
                "亿": 1e8, "億": 1e8, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "lacs": 1e5,
                "crore": 1e7, "crores": 1e7, "cr": 1e7, "grand": 1e3}
#: The same, read-only, for the CRM import, which reads '1.5k' in an export as a check-in
#: reads it typed (bot/crm_import.py).
MULTIPLIERS: Mapping[str, float] = MappingProxyType(_MULTIPLIERS)
#: The abbreviation may keep its dot when a unit follows ('52 Tsd. USD', the unit taken out).
_NUMBER = re.compile(r"^([+-]?\d[\d.,]*)\s*(?:(" + "|".join(
    sorted(_MULTIPLIERS, key=len, reverse=True)) + r")\.?)?$", re.IGNORECASE)
#: "Yes" and "no" as people type them to a yes/no question. The large-figure question asks
#: "确定吗？", so 确定 (the word it asks in) is yes, as are 好的, 嗯, 行, 可以 and 没问题,
#: which Chinese speakers answer far more often than 是.
YES_WORDS = {"yes", "y", "yeah", "yep", "yup", "ok", "okay", "sure", "correct",
             "是", "是的", "对", "对的", "确认", "确定", "好", "好的", "嗯", "嗯嗯", "行",
             "可以", "没问题", "没错"}
NO_WORDS = {"no", "n", "nope", "nah", "否", "不", "不是", "不对", "不要", "不行", "错了"}
#: How people say they have nothing to add (a comment, a note, an action item): each
#: dialog that takes "nothing" adds its own words (pulse.NO_COMMENT_WORDS, the 1:1's).
NOTHING_WORDS = frozenset({"none", "no", "nothing", "n/a", "na", "nothing to add", "无", "没有",
                           "没有了", "没了", "暂无", "没什么", "不用"})
#: How people say "none" to a list whose choice "none" they did not type as shown (the
#: support question's "No support needed", 不需要支持).
NONE_WORDS = {"no", "nothing", "nope", "n/a", "na", "nil", "none needed", "no support",
              "无", "没有", "不需要", "不用", "没", "无需", "暂无", "暂时不需要"}


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


#: A keycap emoji, a phone's digit in a box ('4️⃣': the digit, U+FE0F, U+20E3).
_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")


def normalise(text: str) -> str:
    """Full-width digits and punctuation (common in Chinese input) become ASCII; a keycap
    emoji its digit ('4️⃣' to the confidence question was refused as no rating)."""
    return _KEYCAP.sub(r"\1", unicodedata.normalize("NFKC", text)).strip()


_TEAM_WORD = re.compile(r"(?:^|(?<=\s))团队(?=\s)")


def team_word(args: str) -> str:
    """A command's arguments with the word 团队 ('/summary 团队 China') as the 'team' the
    commands read; a team's own name that merely contains it ('团队A') is left alone."""
    return _TEAM_WORD.sub("team", args)


#: The Traditional characters of the reply words read here (skip, pause, yes, no,
#: nothing, done, held or not) and their Simplified forms. Each is Traditional only,
#: never written in Simplified text, so reading it as its Simplified form is no guess:
#: 跳過 to a question was filed as the answer the GM reads.
_TRADITIONAL = str.maketrans({
    "過": "过", "暫": "暂", "確": "确", "對": "对", "沒": "没", "問": "问", "題": "题",
    "錯": "错", "無": "无", "麼": "么", "時": "时", "進": "进", "開": "开", "談": "谈",
    "記": "记", "錄": "录", "見": "见", "動": "动", "項": "项", "說": "说", "補": "补",
    "認": "认", "謝": "谢", "點": "点", "讚": "赞", "須": "须",
})


def simplified(text: str) -> str:
    """`text` with the Traditional-only characters of the words the bot reads (above) in
    their Simplified forms: for finding those words, never for what is stored."""
    return text.translate(_TRADITIONAL)


def keyword(text: str) -> str:
    """A reply as the reply-word sets are written: NFKC, lower case, without a closing
    full stop or '!', in Simplified characters ('跳過。' is 跳过)."""
    return simplified(normalise(text).lower().rstrip(".!。！"))


def is_skip(text: str) -> bool:
    """Whether the person asked to skip the question ('跳过。' too, as is_pause reads '暂停。':
    filed as the answer, it reached the GM as this week's wins)."""
    return keyword(text) in SKIP_WORDS


def is_pause(text: str) -> bool:
    """Whether the person asked to stop for now, in words."""
    return keyword(text) in PAUSE_WORDS


def parse_answer(question: Question, raw: str, words: tuple[str, ...] = ()) -> ParsedAnswer:
    """Validate an answer for a question; raise AnswerError saying what was expected.

    `words` are a number question's own words besides its unit (the KPI's label in each
    language), which may follow the figure (see read_number). Terminal escapes and
    control characters are dropped before anything is stored.
    """
    text = clean_text(raw).strip()
    if not text:
        raise AnswerError("answer_empty")
    if question.kind == "text":
        if len(text) > MAX_TEXT_LENGTH:
            raise AnswerError("answer_too_long", length=len(text), limit=MAX_TEXT_LENGTH)
        return ParsedAnswer(text=text)
    if question.kind == "number":
        readings = read_number(text, question.unit_spellings(), words)
        if len(readings) > 1:
            # Ambiguous ('4,5', '45.000'): the caller asks which reading was meant.
            return ParsedAnswer(number=readings[0], extra={"readings": readings})
        return ParsedAnswer(number=readings[0])
    if question.kind == "scale":
        number = read_scale(text)
        if number is None:
            raise AnswerError("answer_not_scale")
        return ParsedAnswer(number=float(number))
    if question.kind == "choice":
        return ParsedAnswer(text=parse_choice(question, text))
    raise AnswerError("answer_empty")  # unreachable: kinds are validated on load


def read_scale(text: str) -> int | None:
    """A 1-5 rating as typed: '4', '４', '四', '4分', '4/5' (as the pulse poll takes them);
    None for anything else, a half point ('4.5分') included."""
    value = re.sub(r"\s*(/\s*5|分)$", "", normalise(text).rstrip(".!。！"))
    # isdecimal, not isdigit: '❺' is a "digit" int() cannot read (NFKC keeps it).
    number = int(value) if value.isdecimal() else chinese_number(value)
    return number if number is not None and 1 <= number <= 5 else None


def parse_number(text: str, unit: str | None) -> float:
    """'45,000', '45k', '$45k USD', '4.5万', '１２' -> a float; refuse anything else.

    An ambiguous form gives its first reading (see read_number).
    """
    return read_number(text, (unit,) if unit else ())[0]


def read_number(text: str, units: tuple[str, ...] = (),
                words: tuple[str, ...] = ()) -> list[float]:
    """Every plausible reading of a typed number: one, or two when the form is ambiguous.

    '45,000' and '4.5' are read one way; '4,5' may be 4.5 (decimal comma) or 45, and
    '45.000' may be 45 or 45000 (dot as thousands separator): both readings are
    returned, decimal first. '45.000,50' and '45,000.50' use the last mark as decimals.
    A count ('customers', '位客户') is a whole number: a form with a fraction in any
    reading ('2.5', '4,5') is refused rather than stored as half a customer.
    The KPI's own words may follow the figure: its unit and `words` (its label), in the
    singular or plural, an English label's last word alone ('3 new customers', '3
    customers', '3 customer'; 'clients' for customers) and a Chinese one after a measure
    word ('3个新客户'); any other unit stays refused ('3 USD', '3 deals' to customers).
    """
    try:
        readings = _readings(text, units, words)
    except AnswerError as error:
        if error.message != "answer_not_number":
            raise
        # Only on the refusal path: the answers read at once pay nothing for it.
        try:
            readings = _numbered(text, units, error, words)
        except AnswerError as again:
            if again is not error:
                raise
            _with_words(text, units, error, words)
            raise
    for reading in readings:  # whole numbers first: the count check is then never made
        if reading % 1 and units and _is_count(units):
            raise AnswerError("answer_fraction_for_count", typed=normalise(text),
                              unit=units[0])
    return readings


#: A figure with a number sign: '#12', '# 12', '#: 12', 'No. 12', 'Nr 12', '12#' (a phone
#: keypad's habit, '以#号结束'); ＃ and № arrive as '#' and 'No' (NFKC). The sign group
#: needs a space or a dot after 'no'/'nr' ('nope' is no 'no' sign).
_NUMBER_SIGN = re.compile(
    r"^(?:#|(?:no|nr|number)(?=[\s.:#])\.?)\s*[:：]?\s*(?P<after>\S.*?)$"
    r"|^(?P<before>.*?\S)\s*#$", re.IGNORECASE)
#: A Chinese ordinal ('第12', '第十二名'): a position, 12th, never how many.
_ORDINAL = re.compile(r"^第\s*(?P<figure>.+?)\s*[名位个单次]?$")
#: An English ordinal ('12th', '1st', 'the 3rd', '2nd place'): a position too. The suffix
#: must end the word, so '12 thousand' stays an amount.
_EN_ORDINAL = re.compile(
    r"^(?:the\s+)?(?P<figure>\d[\d,]*)\s*(?:st|nd|rd|th)\b\.?(?:\s*place)?$", re.IGNORECASE)


def _numbered(text: str, units: tuple[str, ...], refused: AnswerError,
              words: tuple[str, ...] = ()) -> list[float]:
    """A figure typed with a number sign or as an ordinal, else `refused` raised again.

    Decided: '#' (and 'No.') in a count's answer is how a count is written in short,
    '# of deals: 12', so '# 12' is 12 deals. Before an amount of money or points it is a
    position in a list more likely than an amount ('#1 in the region'), and '第12' or
    '12th' is always the 12th: neither is stored; the reply names the figure to type alone."""
    typed = normalise(text)
    ordinal = _ORDINAL.match(typed) or _EN_ORDINAL.match(typed)
    sign = None if ordinal else _NUMBER_SIGN.match(typed)
    rest = ordinal.group("figure") if ordinal else \
        (sign.group("after") or sign.group("before")) if sign else None
    if not rest:
        raise refused
    try:
        readings = _readings(rest, units, words)
    except AnswerError:
        raise refused from None
    if sign is not None and units and _is_count(units):
        return readings
    figure = readings[0]
    raise AnswerError("answer_number_sign", typed=typed,
                      figure=int(figure) if figure == int(figure) else figure,
                      unit=", ".join(units[:1]))


#: Where a figure may end and words begin: '52000, mostly Acme', '52k (Acme)', '3 deals;
#: 2 pending', '52000，主要是Acme' (NFKC makes '，' a ',').
_WORDS_AFTER = re.compile(r"[,;:(]|\s")


def _with_words(text: str, units: tuple[str, ...], refused: AnswerError,
                words: tuple[str, ...] = ()) -> None:
    """Refuse a figure with words after it ('52000, mostly Acme') naming the figure to
    type alone; return quietly when no figure in digits starts the text (it is then
    refused as no number). The longest start that reads as one figure counts, so '52
    thousand, Acme' is 52,000, not 52."""
    typed = normalise(text)
    # A mark between two digits is inside the figure ('4,5', '45 000'), never after it.
    ends = [m.start() for m in _WORDS_AFTER.finditer(typed)
            if not typed[m.start() - 1:m.start()].isdigit()
            or not typed[m.start() + 1:m.start() + 2].isdigit()]
    # An emoji after the figure ('52000 🎉', '52k👍') is a word there too (it was answered
    # "That isn't a number", the figure plain to see).
    ends = sorted({*ends, *(at for at, ch in enumerate(typed) if at and _is_symbol(ch))})
    for end in reversed(ends):
        head, rest = typed[:end].strip(), typed[end:]
        # Digits start it ('two three' is two number words, no figure and a comment).
        if not head[:1].isdigit() or not any(ch.isalpha() or _is_symbol(ch) for ch in rest):
            continue
        try:
            readings = _readings(head, units, words)
        except AnswerError:
            continue
        if len(readings) > 1:
            continue  # '4,5 and more': which figure is meant is for the person to say
        _refuse_with_words(typed, readings[0], units, refused)
    # Words before the figure ('营收5万', 'Revenue: 52000', '🎉52000') were answered
    # "That isn't a number", a number plain to see. Only words: a figure or a Chinese
    # numeral before the digits ('3万50', '五万2000') makes them no figure of their own.
    start = next((at for at, ch in enumerate(typed) if ch.isdigit()), 0)
    head = typed[:start]
    # The digits start the figure only after a word, a space or a colon: after a sign or
    # a currency ('revenue -5000', 'sales $5k') the figure would be named without it.
    before = head[-1:]
    if not start or any(ch in _CN_NUMERALS for ch in head) \
            or not any(ch.isalpha() or _is_symbol(ch) for ch in head) \
            or not (before.isspace() or before == ":" or before.isalpha()
                    or _is_symbol(before)):
        return
    try:
        readings = _readings(typed[start:], units, words)
    except AnswerError:
        return
    if len(readings) == 1:
        _refuse_with_words(typed, readings[0], units, refused)


def _refuse_with_words(typed: str, figure: float, units: tuple[str, ...],
                       refused: AnswerError) -> NoReturn:
    """Refuse `typed`, naming `figure` as the one to type alone."""
    raise AnswerError("answer_with_words", typed=typed,
                      figure=int(figure) if figure == int(figure) else figure,
                      unit=", ".join(units[:1])) from refused


def _after_label(value: str, labels: frozenset[str]) -> str:
    """`value` without a count's own label and the colon after it ('new customers: 3');
    as it is otherwise."""
    for label in sorted(labels, key=len, reverse=True):
        rest = value[len(label):].lstrip() if value.startswith(label) else ""
        if rest[:1] in (":", "="):
            return rest[1:]
    return value


def _is_symbol(ch: str) -> bool:
    """An emoji or another pictograph ('🎉', '✅', '👍'): a symbol that is no currency."""
    return unicodedata.category(ch) == "So"


def _readings(text: str, units: tuple[str, ...], words: tuple[str, ...] = ()) -> list[float]:
    unit_text = ", ".join(units[:1])
    typed = normalise(text)
    # Financial numerals, as an invoice or a cheque writes an amount ('伍万', '壹万贰仟圆整'):
    # the everyday ones, and a closing 整 ('exactly') dropped.
    value = _FINANCIAL_END.sub("", typed.lower().translate(_FINANCIAL))
    if keyword(text) in _NO_FIGURE_WORDS:
        raise AnswerError("answer_no_figure", typed=typed, unit=unit_text)
    value = _unhedged(value)  # 'about 40k', '4万左右', '大概5万吧': that figure
    # A sentence's full stop or exclamation mark after the figure ('52000.', '5万。',
    # '52k!') ends the sentence, not the number; a trailing comma ('45,') stays refused.
    value = _SENTENCE_END.sub("", value)
    # 'percent', 'per cent', 'pct' are '%' spelt out ('30 percent').
    value = _PERCENT_WORD.sub("%", value)
    if value.startswith("+") and is_percent(units):
        # '+10%' to a rate is a change (up ten points, or ten per cent more), not the
        # rate: stored as 10 % it would read as this week's rate.
        raise AnswerError("answer_percent_change", typed=typed, unit=unit_text)
    own = unit_codes(units[0]) if units else frozenset()  # (read once for the checks below)
    currency = bool(own)
    if currency:
        # Another currency is refused before the unit's own spellings are taken out: a
        # unit written '元' would leave '美' of '52000美元' behind, refused as no number
        # at all instead of as dollars for a yuan question. (Only checked here: a unit
        # written '万元' is still taken out whole, '5.2万元' read in 万元 as before.)
        _currency_checked(value, units[0], own)
        _no_other_code(typed, units[0], own)
    elif units and (inside := _currency_named(normalise(units[0]).lower())) is not None:
        # A unit that names its currency with a unit of ten ('万元', 'k USD'): another
        # currency is refused as for 'CNY' ('$5' was stored as 5 万元, 50,000 yuan), and
        # the unit is then taken out whole as before (the check's text is not kept).
        codes = _unit_named(inside)
        _currency_checked(value, units[0], codes)
        _no_other_code(typed, units[0], codes)
        scale = _scale_word(units[0], inside)
        if scale is not None:
            sized = _in_unit_of_ten(typed, value, units[0], codes, scale)
            if sized is not None:
                return sized
    spellings = {normalise(u).lower() for u in units}
    if not currency:
        # '位客户' is also typed '客户', after another measure word ('三个客户').
        spellings |= {u[1:] for u in spellings if len(u) > 1 and u[0] in _MEASURE_WORDS}
        labels = _own_words(units, words)
        spellings |= labels
        # A count after its own label and a colon, 'New customers: 3', '新客户：3', is
        # that count, as '新客户3个' is (it was asked back as a figure with words).
        value = _after_label(value, labels)
    for unit in sorted(spellings, key=len, reverse=True):
        value = value.replace(unit, " ")
    value = _currency_checked(value, units[0] if units else "", own)
    value = _unhedged(value)  # once the unit is gone: '40k-ish dollars'
    if not currency:
        _no_money_for(value, units)
        # A count said with its measure word: '3家', '两个'. Not after an amount of money:
        # '3单' (three deals) is no revenue figure.
        value = _MEASURE_WORD.sub("", value)
    if _RANGE.search(value):
        raise AnswerError("answer_range", typed=typed, unit=unit_text)
    if _SPACED.search(value) and not _SPACE_GROUPED.search(value):
        # '5 3' is 53 to nobody for sure: a slip, or two figures. ('45 000' is grouped.)
        digits = re.search(r"\d[\d\s.,]*\d", value)
        raise AnswerError("answer_spaced", typed=typed, unit=unit_text,
                          joined=re.sub(r"\s", "", digits.group(0) if digits else typed))
    value = re.sub(r"[$€£¥_\s]|(?<=\d)'(?=\d)", "", value)
    # The typographic minus (U+2212, which word processors and phones put in), that NFKC
    # leaves alone: a negative figure is refused as such, not as "not a number".
    value = value.replace("\u2212", "-")
    # So is a leading en or em dash ('–3000'), which phones make of a typed '-'.
    value = re.sub(r"^[\u2013\u2014](?=\d)", "-", value)
    if value.endswith("%") or value.startswith("百分之"):
        # 80% of the target, perhaps; stored as 80 USD it would be a wrong figure.
        if not is_percent(units):
            raise AnswerError("answer_percent", unit=unit_text)
        value = value.removesuffix("%").removeprefix("百分之")
    value = _chinese_decimal(value)
    if value and all(ch in _CN_NUMERALS for ch in value):
        written = chinese_number(value)
        if written is None:  # '三百五': 350 said aloud, 305 written out; digits settle it
            raise AnswerError("answer_not_number", unit=unit_text)
        return [written]
    match = _NUMBER.match(value)
    if not match:
        mixed = _with_chinese_units(value)
        if mixed is None:
            mixed = english_number(value)
        if mixed is not None:
            return [mixed]
    if not match or match.group(1)[-1] in ".,":
        raise AnswerError("answer_not_number", unit=unit_text)
    multiplier = _MULTIPLIERS.get((match.group(2) or "").lower(), 1.0)
    readings = []
    for digits in _digit_readings(match.group(1)):
        try:
            number = _scaled(digits, multiplier)
        except ValueError:
            raise AnswerError("answer_not_number", unit=unit_text) from None
        if number < 0:
            raise AnswerError("answer_negative", unit=unit_text)
        if number > 1e15:
            raise AnswerError("answer_not_number", unit=unit_text)
        if number not in readings:
            readings.append(number)
    return readings


#: Currency codes and the symbols and words that name them in a typed figure (after NFKC,
#: lower case); a name shared by several currencies ('$', '¥') lists each. Longest first
#: when read, so '美元' is never taken for '元'. Beyond the dollar, yuan, euro, pound and
#: yen, the currencies sales teams report in across Asia and elsewhere: '₹50000' to an INR
#: target was "That isn't a number", and '50000 SGD' to a USD one "reply 50000 alone",
#: which stored Singapore dollars as US dollars.
_DOLLARS = frozenset({"USD", "HKD", "AUD", "CAD", "SGD", "NZD", "TWD", "MXN"})
_CURRENCY_NAMES: dict[str, frozenset[str]] = {
    "us$": frozenset({"USD"}), "usd": frozenset({"USD"}), "美元": frozenset({"USD"}),
    "美金": frozenset({"USD"}), "us dollars": frozenset({"USD"}),
    "us dollar": frozenset({"USD"}),
    "hk$": frozenset({"HKD"}), "hkd": frozenset({"HKD"}), "港元": frozenset({"HKD"}),
    "港币": frozenset({"HKD"}),
    "s$": frozenset({"SGD"}), "sgd": frozenset({"SGD"}), "新加坡元": frozenset({"SGD"}),
    "新元": frozenset({"SGD"}),
    "a$": frozenset({"AUD"}), "au$": frozenset({"AUD"}), "aud": frozenset({"AUD"}),
    "澳元": frozenset({"AUD"}),
    "c$": frozenset({"CAD"}), "ca$": frozenset({"CAD"}), "cad": frozenset({"CAD"}),
    "加元": frozenset({"CAD"}),
    "nz$": frozenset({"NZD"}), "nzd": frozenset({"NZD"}), "新西兰元": frozenset({"NZD"}),
    "nt$": frozenset({"TWD"}), "twd": frozenset({"TWD"}), "新台币": frozenset({"TWD"}),
    "台币": frozenset({"TWD"}), "新台幣": frozenset({"TWD"}), "台幣": frozenset({"TWD"}),
    "mx$": frozenset({"MXN"}), "mxn": frozenset({"MXN"}),
    "r$": frozenset({"BRL"}), "brl": frozenset({"BRL"}),
    "$": _DOLLARS,
    "€": frozenset({"EUR"}), "eur": frozenset({"EUR"}), "euro": frozenset({"EUR"}),
    "euros": frozenset({"EUR"}), "欧元": frozenset({"EUR"}),
    "£": frozenset({"GBP"}), "gbp": frozenset({"GBP"}), "英镑": frozenset({"GBP"}),
    "¥": frozenset({"CNY", "RMB", "JPY"}), "jpy": frozenset({"JPY"}),
    "日元": frozenset({"JPY"}), "円": frozenset({"JPY"}), "yen": frozenset({"JPY"}),
    "cny": frozenset({"CNY", "RMB"}), "rmb": frozenset({"CNY", "RMB"}),
    # 元 and 块 are the yuan's, and in Taiwan the New Taiwan dollar's ('5萬元', '5萬塊').
    "人民币": frozenset({"CNY", "RMB"}), "元": frozenset({"CNY", "RMB", "TWD"}),
    "块": frozenset({"CNY", "RMB", "TWD"}), "块钱": frozenset({"CNY", "RMB", "TWD"}),
    "塊": frozenset({"TWD", "CNY", "RMB"}),
    "yuan": frozenset({"CNY", "RMB"}),
    "₹": frozenset({"INR"}), "inr": frozenset({"INR"}), "rs": frozenset({"INR"}),
    "rupee": frozenset({"INR"}), "rupees": frozenset({"INR"}), "卢比": frozenset({"INR"}),
    "₩": frozenset({"KRW"}), "krw": frozenset({"KRW"}), "韩元": frozenset({"KRW"}),
    "chf": frozenset({"CHF"}), "瑞士法郎": frozenset({"CHF"}),
    "฿": frozenset({"THB"}), "thb": frozenset({"THB"}), "泰铢": frozenset({"THB"}),
    "₱": frozenset({"PHP"}), "php": frozenset({"PHP"}),
    "₫": frozenset({"VND"}), "vnd": frozenset({"VND"}), "越南盾": frozenset({"VND"}),
    "rp": frozenset({"IDR"}), "idr": frozenset({"IDR"}),
    "rm": frozenset({"MYR"}), "myr": frozenset({"MYR"}),
    "₽": frozenset({"RUB"}), "rub": frozenset({"RUB"}), "卢布": frozenset({"RUB"}),
    "₺": frozenset({"TRY"}), "₪": frozenset({"ILS"}), "₦": frozenset({"NGN"}),
    "₴": frozenset({"UAH"}), "aed": frozenset({"AED"}), "sar": frozenset({"SAR"}),
    "zar": frozenset({"ZAR"}), "sek": frozenset({"SEK"}), "nok": frozenset({"NOK"}),
    "dkk": frozenset({"DKK"}), "pln": frozenset({"PLN"}), "czk": frozenset({"CZK"}),
    "huf": frozenset({"HUF"}),
    # Spelt out: '52000 dollars', '52k bucks'.
    "dollars": _DOLLARS, "dollar": _DOLLARS, "bucks": _DOLLARS,
}
#: Names that are a currency only as a word of their own: 'rs' is inside 'crores', 'rm'
#: and 'rp' inside words, 'rub' inside 'rubber'.
_WORD_ONLY = frozenset({"rs", "rm", "rp", "rub", "yen", "yuan", "euro", "euros", "rupee",
                        "rupees", "sar", "zar", "php"})
#: As a reply quotes a name that is neither a code nor a sign.
_SHOWN = {"rs": "Rs", "rp": "Rp", "rm": "RM"}
_KNOWN_CURRENCIES = frozenset().union(*_CURRENCY_NAMES.values())
#: The names above as a code typed in capitals reads (read with the names, not again).
_CURRENCY_NAMES_UPPER = frozenset(name.upper() for name in _CURRENCY_NAMES)
#: ISO 4217 codes a KPI's unit may be written in (in capitals, as the org file names the
#: currency) besides those above: money all the same, so a figure in another currency is
#: refused as such, not '$40' called "an amount of money for a count in XOF".
_ISO_CODES = frozenset({
    "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BSD", "BTN", "BWP", "BYN", "BZD", "CDF", "CLP",
    "COP", "CRC", "CUP", "CVE", "DJF", "DOP", "DZD", "EGP", "ERN", "ETB", "FJD", "FKP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HNL", "HTG", "IQD", "IRR", "ISK",
    "JMD", "JOD", "KES", "KGS", "KHR", "KMF", "KPW", "KWD", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU",
    "MUR", "MVR", "MWK", "MZN", "NAD", "NIO", "NPR", "OMR", "PAB", "PEN", "PGK", "PKR",
    "PYG", "QAR", "RON", "RSD", "RWF", "SBD", "SCR", "SDG", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "TJS", "TMT", "TND", "TOP", "TTD", "TZS", "UGX",
    "UYU", "UZS", "VES", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZMW", "ZWL",
}) | _KNOWN_CURRENCIES
#: The currency names as they are read: the longest first ('us$' before '$').
_LONGEST_FIRST = sorted(_CURRENCY_NAMES, key=len, reverse=True)
#: Chinese measure words a count is said with ('3家', '三个', '5位').
_MEASURE_WORDS = frozenset("个家位名人单笔次件套台份项")
_MEASURE_WORD = re.compile(r"(?<=[\d零〇一二两三四五六七八九十百千万亿])\s*["
                           + "".join(sorted(_MEASURE_WORDS)) + r"]\s*$")
_PERCENT_UNITS = {"%", "percent", "pct", "百分比", "百分点"}
#: Typed instead of a figure: none of them says whether 0 or no answer is meant.
_NO_FIGURE_WORDS = {"n/a", "na", "n.a", "none", "nil", "nothing", "tbd", "tba", "unknown",
                    "-", "--", "—", "?", "无", "没有", "暂无", "不适用", "不知道", "待定"}
#: 'about 40k', '~40k', '40k or so', '大约4万', '4万左右', '差不多3个', '大概有5万', and a
#: closing particle or hedge, '5万吧', '大概5万吧', '50k I guess': the figure itself, as the
#: check-in asks for this week's best figure anyway ('大概5万吧' was "这不是一个数字", and
#: '差不多3个' asked back as a figure with words). Applied until nothing more is taken off.
_APPROXIMATELY = re.compile(
    r"^\s*(?:about|around|approx(?:imately)?\.?|roughly|circa|ca\.|probably|[~≈]"
    r"|(?:大约|大概|差不多|大致|估计|约)有?)\s*"
    r"|\s*(?:左右|上下|-?ish|or\s+so|i\s+(?:guess|think)|[吧啦呀啊呢哦]+)\s*$",
    re.IGNORECASE)


def _unhedged(value: str) -> str:
    """`value` without the words that say it is about so much, however many ('about 50k
    or so', '大概5万吧')."""
    while (shorter := _APPROXIMATELY.sub("", value)) != value:
        value = shorter
    return value


_NUMERAL = r"[\d零〇一二两三四五六七八九十百千万萬亿億]"
#: Two figures ('40k-50k', '40k to 50k', '5 or 6', '4万到5万', '3~5') or an open one
#: ('40,000+', '4万多', '4万以上'): which figure to store is the person's to say.
_RANGE = re.compile(
    _NUMERAL + r"\S*\s*(?:[-–—~～]|to|or|到|至|或)\s*[$€£¥]?\s*" + _NUMERAL
    + r"|" + _NUMERAL + r"\S*?\s*(?:\+|多|以上|plus)\s*$", re.IGNORECASE)
_SPACED = re.compile(r"\d\s+\d")
#: A full stop or exclamation mark ending the sentence a figure was typed as.
_SENTENCE_END = re.compile(r"(?<=[\d\w%])\s*[.。!！]+$")
_PERCENT_WORD = re.compile(r"(?<=[\d\s])\s*(?:per\s?cent|pct)\.?$", re.IGNORECASE)
#: Thousands grouped with spaces, as much of Europe writes them: '45 000', '1 200 000,50'.
_SPACE_GROUPED = re.compile(r"^[^\d]*\d{1,3}(?:\s\d{3})+(?:[.,]\d+)?(?!\s*\d)")


def unit_codes(unit: str) -> frozenset[str]:
    """The currency codes a KPI's unit stands for: 'USD' (or 'usd'), an ISO code written
    in capitals ('XOF'), or a currency's own name ('₹', '美元'; '¥' is yuan or yen, '$'
    any dollar); none for a count, points, a percentage or '万元'."""
    code = unit.strip().upper()
    if code in _KNOWN_CURRENCIES or (unit.strip() == code and code in _ISO_CODES):
        return frozenset({"CNY", "RMB"} if code in ("CNY", "RMB") else {code})
    return _unit_named(normalise(unit).lower())


#: The yuan's words, which also name Taiwan's dollar when typed; as a KPI's unit ('元',
#: '万元') they are the renminbi, as the org file's writer means them.
_YUAN_WORDS = frozenset({"元", "块", "块钱", "塊"})


def _unit_named(name: str) -> frozenset[str]:
    """The codes a currency's name stands for as (part of) a KPI's unit."""
    codes = _CURRENCY_NAMES.get(name, frozenset())
    return codes - {"TWD"} if name in _YUAN_WORDS else codes


def other_currency(value: str, unit: str) -> str | None:
    """The currency `value` names ('¥', 'EUR', '美元') when it is not `unit`'s own, as
    written (upper case); None when it names none, or `unit` is no currency."""
    codes = unit_codes(unit)
    if not codes:
        return None
    text = unicodedata.normalize("NFKC", value).lower()
    for name, pattern in _EACH_OWN_CURRENCY:
        if name not in text or not pattern.search(text):
            continue
        if not codes & _CURRENCY_NAMES[name]:
            return _shown(name)
        text = pattern.sub(" ", text)
    return None


def _shown(name: str) -> str:
    """A currency name as a reply quotes it: a code or sign in capitals ('USD', 'US$'),
    a word as typed ('dollars', '美元', 'yen', 'Rs')."""
    if name in _SHOWN:
        return _SHOWN[name]
    return name.upper() if len(name) <= 3 and name not in _WORD_ONLY else name


def _currency_checked(value: str, unit: str, codes: frozenset[str] | None = None) -> str:
    """`value` without the currency it names when that is the question's own; a figure in
    another currency ('¥52000' for USD, '₹5 lakh' for SGD) is refused: read as the
    question's currency it would be stored several times too high or too low. `codes`:
    the unit's currency, if not unit_codes' (a unit such as '万元')."""
    codes = unit_codes(unit) if codes is None else codes
    if not codes:
        return value  # a count or points: a stray symbol changes nothing ('$45k customers')
    for name, pattern in _EACH_OWN_CURRENCY:
        if name not in value or not pattern.search(value):
            continue
        if not codes & _CURRENCY_NAMES[name]:
            raise AnswerError("answer_other_currency", typed=_shown(name), unit=unit)
        value = pattern.sub(" ", value)
    return value


_CODE_TYPED = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
#: ISO codes that are English words typed in capitals for emphasis ('50000 ALL in', 'TOP
#: deal'): not read as the Albanian lek or the Tongan pa'anga beside a figure (a question
#: in that currency still reads them as its own).
_CODES_ALSO_WORDS = frozenset({"ALL", "TOP", "CUP", "MAD", "SOS", "PEN", "BOB", "GEL",
                               "MOP", "BAM", "ERN"})


def _no_other_code(typed: str, unit: str, codes: frozenset[str] | None = None) -> None:
    """Refuse a figure with another ISO code typed in capitals beside it ('50000 XOF' to
    USD), a currency with no name of its own above: told to reply the figure alone, the
    person stored francs as dollars. `codes`: the unit's currency, if not unit_codes'."""
    codes = unit_codes(unit) if codes is None else codes
    for match in _CODE_TYPED.finditer(typed):
        code = match.group(0)
        if code in _ISO_CODES and code not in codes and code not in _CURRENCY_NAMES_UPPER \
                and code not in _CODES_ALSO_WORDS:
            raise AnswerError("answer_other_currency", typed=code, unit=unit)


#: A word that gives a figure its size ('5千', '12万5000', '52k', '1.2 million', '3 lakh');
#: a figure without one ('5', '450000', '五百') is one in its unit as typed.
_SIZE_WORD = re.compile(r"[千万萬亿億]|(?<![a-z])(?:" + "|".join(sorted(
    (word for word in _MULTIPLIERS if word.isascii()), key=len, reverse=True))
    + r"|thousand)(?![a-z])")


def _in_unit_of_ten(typed: str, value: str, unit: str, codes: frozenset[str],
                    scale: str) -> list[float] | None:
    """A figure to a unit with a unit of ten ('万元', 'k USD') read in that unit, or a
    refusal; None when it is to be read as before (a figure alone, '45', or with the unit
    written out, '45万元', '1千万元').

    Decided: a figure typed with a size of its own is that amount in the unit's currency,
    said in the unit: '5千' to 万元 is 0.5 万元, '12万5000' 12.5, '¥5万' 5, '1.2万' to
    k USD 12 (a size word names no currency), '0.5m' 500; it was read as 5,000 and
    125,000 万元 and asked "确定吗?" of that. A figure in the unit's currency without a
    size is refused with what it is in the unit: '5元' or '5000 USD' by their word; '¥5'
    or '$52' by a sign, which is often typed out of habit before the unit's own figure,
    with both readings to choose from ('¥5' was stored as 5 万元, 50,000 yuan)."""
    size = _MULTIPLIERS[scale]
    spelled = normalise(unit).lower()
    rest = value
    for spelling in (spelled, spelled.replace(" ", "")):
        rest = rest.replace(spelling, " ")
    if rest != value:
        return None  # the unit written out: '45万元', '¥5万元', '52k USD', '1千万元'
    named: str | None = None
    for name, pattern in _EACH_OWN_CURRENCY:
        if name in rest and pattern.search(rest) and codes & _CURRENCY_NAMES[name]:
            named = named or name
            rest = pattern.sub(" ", rest)
    sized = _SIZE_WORD.search(rest) is not None
    if not sized and named is None:
        return None
    try:
        readings = _readings(rest, ())
    except AnswerError:
        return None  # refused as before, in the question's unit
    if sized:
        return [float(Decimal(repr(reading)) / Decimal(repr(size))) for reading in readings]
    if len(readings) > 1 or named is None:
        return None
    figure = float(Decimal(repr(readings[0])) / Decimal(repr(size)))
    if all(ch.isalnum() or ch.isspace() for ch in named):
        raise AnswerError("answer_unit_without_scale", typed=typed, named=_shown(named),
                          figure=figure, unit=unit)
    raise AnswerError("answer_sign_without_scale", typed=typed, named=_shown(named),
                      figure=figure, bare=readings[0], unit=unit)


def _name_pattern(name: str) -> str:
    return rf"(?<![a-z]){re.escape(name)}(?![a-z])" if name.isascii() and name.isalpha() \
        else re.escape(name)


#: Any currency name at all, in one search: most answers name none, and a search per name
#: made reading a count four times slower on the answer path.
_ANY_CURRENCY = re.compile("|".join(_name_pattern(name) for name in _CURRENCY_NAMES))
#: Each currency name's own search (a code only as a word of its own), longest first.
_EACH_CURRENCY = [(name, re.compile(_name_pattern(name))) for name in _LONGEST_FIRST]
#: Each name as a money question's answer is read for it: inside a word as well ('52kusd',
#: '5万美元'), but those of _WORD_ONLY only as a word of their own ('Rs. 5 lakh').
_EACH_OWN_CURRENCY = [(name, re.compile(
    _name_pattern(name) + (r"\.?" if name in _SHOWN else "") if name in _WORD_ONLY
    else re.escape(name))) for name in _LONGEST_FIRST]


def currency_names_pattern() -> str:
    """Every currency name a money answer is read with, as one regular-expression
    alternation (longest first; 'Rs', 'rub', 'yen' and the like only as words of their
    own): the CRM import takes them off a figure as the check-in does."""
    return "|".join(pattern.pattern for _, pattern in _EACH_OWN_CURRENCY)


def currency_signs() -> str:
    """The currency signs among those names ('$', '¥', '€', '₹', …), each one character."""
    return "".join(name for name in _LONGEST_FIRST if len(name) == 1 and not name.isalnum())


def read_any_money(text: str) -> list[float]:
    """read_number's readings of a figure typed alone, with no question to read it for,
    in any currency the check-in reads ('$62000', '₹62000', 'INR 62000', 'Rs. 62000',
    '62000 XOF', '5万元') or in none; AnswerError when it is no such figure.

    Without a unit, read_number takes off only '$ € £ ¥': a corrected revenue typed in
    rupees after the check-in was in got no word of /edit, while '$62000' did."""
    try:
        return read_number(text)
    except AnswerError as error:
        refused = error
    typed = normalise(text)
    # An ISO code in capitals ('62000 XOF'), as the check-in reads it beside a figure.
    value = _CODE_TYPED.sub(lambda m: " " if m.group(0) in _ISO_CODES else m.group(0),
                            typed).lower()
    for name, pattern in _EACH_OWN_CURRENCY:
        if name in value:
            value = pattern.sub(" ", value)
    if value == typed.lower():
        raise refused  # no currency named: refused as it was
    try:
        return read_number(value)
    except AnswerError:
        raise refused from None


@functools.lru_cache(maxsize=256)
def _unit_is_money(unit: str) -> bool:
    return bool(unit_codes(unit)) or _currency_named(normalise(unit).lower()) is not None


def said_back(text: str, units: tuple[str, ...], number: float) -> bool:
    """Whether a figure stored from `text` is said back as it was read before the next
    question: one said to be about so much ('大概5万吧', 'about 50k', '差不多3个'), or one
    read in a unit of ten as other digits than those typed ('5千' or '12万5000' to 万元:
    0.5, 12.5; '50k' to 万元: 5). A director sees what was stored before the check-in's
    end lists it."""
    typed = normalise(text).lower()
    if _APPROXIMATELY.search(typed):
        return True
    if not units or unit_codes(units[0]):
        return False
    inside = _currency_named(normalise(units[0]).lower())
    if inside is None or _scale_word(units[0], inside) is None:
        return False
    digits = re.search(r"\d[\d.,]*", typed)
    try:
        return digits is None or float(digits.group(0).replace(",", "")) != number
    except ValueError:
        return True


def _scale_word(unit: str, inside: str) -> str | None:
    """The unit of ten of a unit that names its currency (`inside`) with one: '万' of
    '万元', 'k' of 'k USD'; None when the rest is no unit of ten (_MULTIPLIERS)."""
    word = normalise(unit).lower().replace(inside, "", 1).strip()
    return word if word in _MULTIPLIERS else None


def _currency_named(text: str) -> str | None:
    """The first currency `text` names ('¥', 'usd', '元'); a code only as a word of its
    own ('entrepreneurs' names no euro)."""
    if _ANY_CURRENCY.search(text) is None:
        return None
    return next((name for name, pattern in _EACH_CURRENCY if pattern.search(text)), None)


def _no_money_for(value: str, units: tuple[str, ...]) -> None:
    """Refuse an amount of money ('$40', '¥1,200', '40 USD') for a count or points: it is
    no count of customers, and the unit it would be stored in does not say so. A unit
    that names money itself ('万元', 'k USD') is left to be read as before."""
    if not units or any(_unit_is_money(u) for u in units):
        return
    name = _currency_named(value)
    if name is not None:
        raise AnswerError("answer_money_for_count", typed=_shown(name), unit=units[0])


#: Nouns that name the same things as a KPI's unit or label noun ('3 clients' to new
#: customers), both ways; no other unit is ever taken for the KPI's own.
_SAME_NOUN = {"customer": "client", "client": "customer"}
#: Words never taken out as a KPI's own, whatever its label says: a unit of ten, a number
#: word, a currency or a percentage would change or hide the figure typed ('3m').
_NEVER_OWN = frozenset({*_MULTIPLIERS, "thousand", "hundred", "and", "new", "per", "cent",
                        *_CURRENCY_NAMES, *_PERCENT_UNITS})


def _noun_forms(noun: str) -> set[str]:
    """An English noun in the singular and the plural ('customers': also 'customer';
    'opportunity': also 'opportunities'); a word in another script as it is."""
    if not noun.isascii() or not noun.isalpha():
        return {noun}
    if noun.endswith("ies"):
        one = noun[:-3] + "y"
    elif noun.endswith(("ches", "shes", "xes", "sses")):
        one = noun[:-2]
    elif noun.endswith("s") and not noun.endswith("ss"):
        one = noun[:-1]
    else:
        one = noun
    many = one[:-1] + "ies" if one.endswith("y") and one[-2:-1] not in "aeiou" else \
        one + "es" if one.endswith(("ch", "sh", "x", "ss")) else one + "s"
    return {noun, one, many}


@functools.lru_cache(maxsize=256)
def _own_words(units: tuple[str, ...], words: tuple[str, ...]) -> frozenset[str]:
    """What a count's figure may be typed with besides its unit as written (lower case,
    NFKC): the unit and each label with its last word in the singular or plural ('new
    customer'), that word alone ('customers' of 'New customers') and its same-meaning
    noun ('clients'), and a Chinese phrase without its measure word ('新客户'). Nothing
    for money, percentages or points: their figures are read as before."""
    if not _is_count(units):
        return frozenset()
    found: set[str] = set()
    for phrase in {normalise(w).lower() for w in (*units, *words) if w}:
        if phrase[:1] in _MEASURE_WORDS and len(phrase) > 2:
            phrase = phrase[1:]  # '位客户': '3个客户' is said too
        head, _, noun = phrase.rpartition(" ")
        forms = _noun_forms(noun)
        forms |= {_SAME_NOUN[form] for form in forms if form in _SAME_NOUN}
        forms = {each for form in forms for each in _noun_forms(form)}
        found |= forms | {f"{head} {form}" for form in forms if head}
    return frozenset(word for word in found if len(word) > 1 and word not in _NEVER_OWN
                     and not any(ch.isdigit() for ch in word)
                     and _currency_named(word) is None)


def is_percent(units: tuple[str, ...]) -> bool:
    """Whether a KPI's unit is a percentage ('%', 'percent', '百分比')."""
    return any(normalise(u).lower() in _PERCENT_UNITS for u in units)


#: English nouns a count is kept in (singular; a unit's last word, 's' dropped, is
#: compared): a unit such as 'points', 'hours' or 'kg' keeps its decimals.
_COUNT_NOUNS = frozenset({
    "customer", "client", "deal", "account", "lead", "meeting", "call", "demo", "order",
    "contract", "visit", "opportunity", "signup", "sign-up", "unit",
    "people", "person", "hire", "referral", "proposal", "quote", "renewal", "logo",
    "user", "subscription", "ticket", "partner", "store", "shop", "distributor",
    "dealer", "prospect", "trial", "pilot", "install", "installation", "project"})


def is_count(unit: str) -> bool:
    """Whether a KPI in this unit counts things ('customers', '位客户'): its figure is a
    whole number, typed in a check-in or imported from the CRM."""
    return _is_count((unit,))


@functools.lru_cache(maxsize=256)
def _is_count(units: tuple[str, ...]) -> bool:
    """Whether a KPI counts things, so its answer is a whole number: a unit said with a
    Chinese measure word ('位客户', '家') or an English count noun ('customers', 'new
    deals'); never money or a percentage."""
    if is_percent(units) or any(_unit_is_money(u) for u in units):
        return False
    for unit in units:
        spelled = normalise(unit).lower()
        if spelled and spelled[0] in _MEASURE_WORDS:
            return True
        noun = spelled.split()[-1] if spelled.split() else ""
        if noun.endswith("ies"):
            noun = noun[:-3] + "y"  # 'opportunities'
        if noun in _COUNT_NOUNS or noun.removesuffix("s") in _COUNT_NOUNS:
            return True
    return False


_EN_ONES = {w: n for n, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen"])}
_EN_TENS = {w: 10 * n for n, w in enumerate([
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)}
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
#: One word or figure at a time, longest first ('seventeen' before 'seven'); spaces are
#: gone by then, so 'fifty thousand' arrives as 'fiftythousand'.
_EN_TOKEN = re.compile(r"\d+(?:\.\d+)?|-|" + "|".join(
    sorted([*_EN_ONES, *_EN_TENS, *_EN_SCALES, "hundred", "and", "a"], key=len,
           reverse=True)))


#: A half of a scale, as said aloud (spaces gone): 'half a million', 'one and a half
#: thousand', 'a million and a half', '2 and a half million'.
_EN_HALF = re.compile(r"halfa(?P<s1>thousand|million|billion)"
                      r"|(?P<n2>[a-z\d-]+?)andahalf(?P<s2>thousand|million|billion)"
                      r"|(?P<n3>[a-z\d-]+?)(?P<s3>thousand|million|billion)andahalf")


def _scaled(figure: str | float, scale: float) -> float:
    """`figure` (as typed: '64.1', or a float read from it) times a unit of ten ('k', '万',
    'million'), as the decimal typed: in floats 64.1 x 1000 is 64099.99999999999, which
    the exports showed, a target of 64,100 read as missed (99%), and a count of '16.1k'
    was refused as no whole number."""
    try:
        typed = Decimal(figure if isinstance(figure, str) else repr(figure))
    except InvalidOperation:  # as float() would: '1.2.3' is no number
        raise ValueError(figure) from None
    return float(typed * Decimal(scale))


def english_number(value: str) -> float | None:
    """A number in English words, as typed in a check-in: 'three', 'twenty-five',
    'fifty thousand', 'a hundred', 'one hundred and five', also with digits, '50
    thousand', '1.2 million', '3 hundred', and halves of a scale, 'half a million', 'one
    and a half thousand' (spaces already removed, lower case); None for anything not read
    in full ('two three', 'thousand', 'five and')."""
    if not value or not value[0].isalnum() or value.isdigit():
        return None
    if (half := _EN_HALF.fullmatch(value)) is not None:
        scale = _EN_SCALES[half.group("s1") or half.group("s2") or half.group("s3")]
        said = half.group("n2") or half.group("n3")
        # What comes before 'and a half' is a small whole number: 'one', 'a', '2'.
        whole = 0.0 if said is None else 1.0 if said == "a" else float(said) \
            if said.isdigit() else english_number(said)
        if whole is None or whole >= 1000 or whole != int(whole):
            return None
        return (whole + 0.5) * scale
    tokens = []
    at = 0
    while at < len(value):
        match = _EN_TOKEN.match(value, at)
        if match is None:
            return None
        tokens.append(match.group(0))
        at = match.end()
    total = 0.0
    group = 0.0  # the part below the last scale word ('five hundred' of 'three million
    # five hundred')
    last = ""  # the kind of the previous token
    scale = 10**12  # scales come largest first
    for token in tokens:
        if token in _EN_ONES or token in _EN_TENS:
            number = _EN_ONES.get(token, _EN_TENS.get(token, 0))
            if last in ("tens", "-") and 1 <= number <= 9:
                pass  # 'twenty five', 'twenty-five'
            elif last not in ("", "hundred", "scale", "and"):
                return None  # 'two three', 'twenty-twelve'
            elif last in ("hundred", "and") and group % 100:
                return None
            if token == "zero" and tokens != ["zero"]:
                return None
            group += number
            last = "tens" if token in _EN_TENS else "ones"
        elif token[0].isdigit():
            if last not in ("", "scale", "and"):
                return None
            group += float(token)
            last = "digits"
        elif token == "a":
            if last not in ("", "scale", "and"):
                return None
            group += 1
            last = "a"
        elif token == "hundred":
            if last not in ("ones", "tens", "digits", "a") or not 0 < group < 100:
                return None
            group = _scaled(group, 100)
            last = "hundred"
        elif token in _EN_SCALES:
            unit = _EN_SCALES[token]
            if last not in ("ones", "tens", "digits", "a", "hundred") or unit >= scale:
                return None
            total += _scaled(group, unit)
            group, scale, last = 0.0, unit, "scale"
        elif token == "and":
            if last not in ("hundred", "scale"):
                return None
            last = "and"
        elif last != "tens":  # '-': only 'twenty-five'
            return None
        else:
            last = "-"
    if last in ("-", "and", "a") or ("." in value and last == "digits"):
        return None
    number = total + group
    return number if number <= 1e15 else None


_CN_UNITS = {"千亿": 10**11, "百亿": 10**10, "十亿": 10**9, "亿": 10**8, "億": 10**8,
             "千万": 10**7, "百万": 10**6, "十万": 10**5, "万": 10**4, "萬": 10**4,
             "千": 10**3, "百": 100, "十": 10}
_CN_PART = re.compile(r"(\d+(?:\.\d+)?)(" + "|".join(_CN_UNITS) + ")")
_SHORT_TAIL = re.compile(r"[1-9]")
#: The rest of an amount after its last unit, written out: '零' and a figure below a tenth
#: of that unit ('3万零5', 30,005), or exactly as many digits as the unit has noughts
#: ('12万5000', 125,000; '5万0500', 50,500), which no shortening can be.
_FULL_TAIL = re.compile(r"(?P<nought>零)?(?P<digits>\d+)")


def _with_chinese_units(value: str) -> float | None:
    """Digits with Chinese units as business writes amounts: '5千万' (50,000,000),
    '1.2百万', '3万5千' (35,000); None for anything else.

    Each part is smaller than the unit before it; a last digit alone is a tenth of the
    unit before it, as speech shortens amounts ('3万5' is 35,000; 30,005 is '3万零5').
    A decimal only in a single part: '1.5万3千' says two amounts at once.
    """
    parts = []
    at = 0
    while at < len(value):
        match = _CN_PART.match(value, at)
        if match is None:
            # A last digit with no unit takes a tenth of the unit before it, as said
            # ('3万5' is 35,000, '1千2' 1,200; 30,005 is written '3万零5').
            if parts and _SHORT_TAIL.fullmatch(value, at) and parts[-1][1] >= 100:
                parts.append((value[at:], parts[-1][1] // 10))
                break
            tail = _FULL_TAIL.fullmatch(value, at)
            if parts and tail is not None and _full_tail(tail, parts[-1][1]):
                parts.append((tail.group("digits"), 1))
                break
            return None
        parts.append((match.group(1), _CN_UNITS[match.group(2)]))
        at = match.end()
    if not parts or (len(parts) > 1 and any("." in digits for digits, _ in parts)):
        return None
    total = 0.0
    previous: int | None = None
    for digits, unit in parts:
        amount = _scaled(digits, unit)
        if previous is not None and (unit >= previous or amount >= previous):
            return None
        total += amount
        previous = unit
    return total if total <= 1e15 else None


def _full_tail(tail: re.Match[str], unit: int) -> bool:
    """Whether `tail` is the rest of an amount after `unit`, written out in full; '3万50'
    and '3万500' are not (30,050 or 35,000?), nor '3万零5000' (零 stands for a nought)."""
    digits = tail.group("digits")
    if tail.group("nought"):
        return int(digits) < unit // 10
    return len(digits) == len(str(unit)) - 1


#: The financial forms of the Chinese numerals (大写), Simplified and Traditional, and of
#: 元, as their everyday forms.
_FINANCIAL = str.maketrans({
    "壹": "一", "贰": "二", "貳": "二", "叁": "三", "參": "三", "肆": "四", "伍": "五",
    "陆": "六", "陸": "六", "柒": "七", "捌": "八", "玖": "九", "拾": "十", "佰": "百",
    "仟": "千", "圆": "元", "圓": "元"})
#: '25万元整', '伍万圆正': 整 (or 正) after the amount says it is exact, no part of it.
_FINANCIAL_END = re.compile(r"(?<=[\d零〇一二两三四五六七八九十百千万萬亿億元块])\s*[整正]$")


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_NUMERALS = frozenset({*_CN_DIGITS, *_CN_SMALL, *_CN_LARGE})


#: A decimal in Chinese numerals, as said and as phones' voice input writes it: '一点二万'
#: (1.2万), '十二点五万', '三点五' (3.5); the unit after it, if any, is read as after digits.
_CN_DECIMAL = re.compile(r"^(?P<whole>[零〇一二两兩三四五六七八九十百千]+)点"
                         r"(?P<frac>[零〇一二三四五六七八九]+)(?P<unit>[十百千万萬亿億]*)$")


def _chinese_decimal(value: str) -> str:
    """'一点二万' as '1.2万', for the digits' readers; anything else as it is (it was
    refused "That isn't a number")."""
    match = _CN_DECIMAL.match(value)
    whole = chinese_number(match.group("whole")) if match else None
    if match is None or whole is None:
        return value
    frac = "".join(str(_CN_DIGITS[ch]) for ch in match.group("frac"))
    return f"{whole}.{frac}{match.group('unit')}"


def chinese_number(text: str) -> int | None:
    """A number written in Chinese numerals ('六', '两', '十二', '一百零五', '三万五千'),
    also shortened as it is said: a last digit after 百, 千, 万 or 亿 is a tenth of that
    unit ('三百五' 350, '五万二' 52,000, '两万三千五' 23,500; 305 is '三百零五'). None if
    it is not a number."""
    if not text or not set(text) <= _CN_NUMERALS:
        return None
    total = section = 0
    digit: int | None = None
    small = 0  # the small unit (10, 100, 1000) just used in this section; 0: none yet
    large = 0  # the large unit (万, 亿) just used; 0: none yet
    after_unit = 0  # the unit (百, 千, 万, 亿) the last sign was: a digit after it alone
    # is a tenth of it ('三百五')
    for ch in text:
        if ch in _CN_DIGITS:
            value = _CN_DIGITS[ch]
            if digit is not None:
                return None  # '三五': two digits in a row
            if value == 0:
                after_unit = 0  # '一千零五': what follows stands alone
                continue
            digit = value
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            if small and unit >= small:
                return None  # '十百': units come largest first
            if digit is None:
                if unit != 10 or section or total:
                    return None  # only '十' may stand without a digit ('十二' = 12)
                digit = 1
            section += digit * unit
            digit, small, after_unit = None, unit, unit if unit > 10 else 0
        else:
            unit = _CN_LARGE[ch]
            if large and unit >= large:
                return None  # '三万两亿': largest first
            if digit is not None:
                if after_unit:
                    return None  # '三千五万': a shortened part before a larger unit
                section += digit
            if section == 0:
                return None  # '万' with nothing before it
            total += section * unit
            section, digit, small, large, after_unit = 0, None, 0, unit, unit
    if digit is not None:
        # '三百五' 350, '五万二' 52,000 ('万' then '二': 二千), '一千二' 1,200
        section += digit * (after_unit // 10 if after_unit else 1)
    if total + section == 0 and text not in ("零", "〇"):
        return None
    return total + section


def _grouped(groups: list[str], mark: str) -> bool:
    """Whether digits split at several marks are thousands as people group them: threes
    after the first group (1,000,000), or with commas as India writes lakhs and crores,
    twos before a last three (12,34,567). Any other split ('5,000,00', '52,000,5') is a
    slip, never to be joined into a figure ten or a hundred times the one meant."""
    if not 1 <= len(groups[0]) <= 3 or len(groups[-1]) != 3:
        return False
    middle = {len(g) for g in groups[1:-1]}
    return middle <= {3} or (mark == "," and middle == {2})


def _digit_readings(raw: str) -> list[str]:
    """'4,5' -> ['4.5', '45']; '45,000' -> ['45000']; '1.234.567' -> ['1234567']."""
    sign, body = (raw[0], raw[1:]) if raw[0] in "+-" else ("", raw)
    if "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        whole, _, frac = body.rpartition(decimal)
        if decimal in whole or not _grouped(whole.split(grouping), grouping):
            return ["x"]  # '5,000,00.50', '1,5.00': the marks group no thousands
        return [sign + whole.replace(grouping, "") + "." + frac]
    for mark in ",.":
        if mark not in body:
            continue
        groups = body.split(mark)
        if len(groups) > 2:  # several marks: thousands separators (1,000,000 / 1.000.000)
            if not _grouped(groups, mark):
                return ["x"]  # '1.2.3', '5,000,00' (5,000.00 mistyped) are no number
            return [sign + "".join(groups)]
        whole, frac = groups
        if whole.lstrip("0") == "":  # '0,5' / '0.500': only a decimal mark makes sense
            return [sign + whole + "." + frac]
        if mark == "," and len(frac) == 3:  # 45,000: thousands
            return [sign + whole + frac]
        if mark == "." and len(frac) != 3:  # 4.5, 4.50: decimals
            return [sign + whole + "." + frac]
        return [sign + whole + "." + frac, sign + whole + frac]
    return [sign + body]


def parse_choice(question: Question, text: str) -> str:
    """A choice by its number in the list, its value, or its label in any locale; a full
    stop or '!' after it as after a rating ('2.', '预算。'), never part of a label."""
    value = normalise(text).lower().rstrip(".!。！")
    if value.isdecimal() and 1 <= int(value) <= len(question.choices):
        return question.choices[int(value) - 1].value
    word = simplified(value)
    for choice in question.choices:
        names = {choice.value.lower(),
                 *(label.lower().rstrip(".!。！") for label in choice.labels.values())}
        if value in names or (choice.value == "none" and word in NONE_WORDS):
            return choice.value
    raise AnswerError("answer_not_choice", count=len(question.choices))
