"""Rounding of every figure a person reads: half up, on the decimal the figure stands for.

Python's round() and '%.1f' round half to even, and on the binary float: 57.5% of target
read 57% (0.575 is stored as 0.57499999999999995559), 90.5% read 90%, a morale of 3.25
read 3.2. A GM checks these against a spreadsheet, which shows 58%, 91% and 3.3; so every
figure shown in chat, the CLI and Markdown is rounded here. JSON and CSV exports keep the
raw values (rounded only to a few more places than any view shows).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

# A float holds 15 significant decimal digits faithfully (DBL_DIG); the digits beyond
# are the noise of its arithmetic (the mean of 1.33 and 0.48 is 0.9049999999999999).
# Cut to 15 first, a figure that stands for 0.905 rounds as 0.905 does.
_FAITHFUL = Context(prec=15, rounding=ROUND_HALF_EVEN)


def decimal_of(value: float | int) -> Decimal:
    """The decimal a float stands for: its shortest repr, cut to 15 significant digits."""
    return _FAITHFUL.plus(Decimal(repr(value) if isinstance(value, float) else value))


def half_up(value: float | int, digits: int = 0) -> Decimal:
    """`value` rounded to `digits` decimals, a half away from zero (as a spreadsheet)."""
    return decimal_of(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def round_half_up(value: float | int, digits: int = 0) -> float:
    """half_up() as a float, for a figure stored or passed on already rounded."""
    return float(half_up(value, digits))


def percent_to(ratio: float, digits: int = 1) -> float:
    """A ratio as a percentage to `digits` decimals: 0.5725 -> 57.3 (the decimal 0.5725
    stands for, times 100; the float 0.5725 * 100 is 57.24999...)."""
    shown = float((decimal_of(ratio) * 100).quantize(Decimal(1).scaleb(-digits),
                                                      rounding=ROUND_HALF_UP)) + 0.0
    # Short of one never reads 100 (see percent_of): 0.99996 -> 99.9, not 100.0.
    return 100 - 10 ** -digits if shown == 100 and ratio < 1 else shown


def percent_of(ratio: float) -> int:
    """A ratio as a whole percentage: 0.575 -> 58, 0.905 -> 91, -0.005 -> -1; a ratio
    short of one never reads 100 (0.99998 -> 99): a GM reads '100%' as met, and 49,999
    of a 50,000 target is not."""
    whole = int((decimal_of(ratio) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return 99 if whole == 100 and ratio < 1 else whole


#: The decimals an export keeps of a ratio (attainment: 0.9987 is 99.87%).
RATIO_PLACES = 4


def ratio_kept(ratio: float, places: int = RATIO_PLACES) -> float:
    """A ratio as the JSON and CSV exports keep it, to `places` decimals, on the side of
    one and of nothing it is on, as the chat's percentages are (percent_of): 49,999.99 of
    a 50,000 target is 0.9999, not the 1.0 a sheet reads as met, and 0.60 of 60,000 is
    0.0001, not the 0.0 of nothing booked (-0.0001 for a little below nothing)."""
    kept = round(ratio, places)
    if kept >= 1 and ratio < 1:
        return round(1 - 10 ** -places, places)
    if kept == 0 and ratio != 0:
        return 10 ** -places if ratio > 0 else -10 ** -places
    return kept


#: A KPI unit in Indian rupees, as the org file may write it or label it per language
#: ('INR', '₹', 'Rs', 'rupees', '印度卢比', 'lakh INR'): its figures are shown in lakhs and
#: crores (tests check it against the check-in's own currency names, handlers.answers,
#: which the vocabulary may not import).
_RUPEES = re.compile(r"₹|卢比|(?<![a-z])(?:inr|rs\.?|rupees?)(?![a-z])")


@lru_cache(maxsize=256)  # (an org has a few units; a summary formats thousands of figures)
def in_rupees(unit: str | None) -> bool:
    """Whether figures in `unit` are shown with Indian digit grouping ('INR', '₹')."""
    return bool(unit) and _RUPEES.search(unicodedata.normalize("NFKC", unit).lower()) \
        is not None


def indian_grouped(digits: str) -> str:
    """'4100000' -> '41,00,000', '123456789.5' -> '12,34,56,789.5': the last three whole
    digits, then pairs (lakh and crore), as India writes a figure; a sign kept."""
    sign = digits[:1] if digits[:1] in "+-" else ""
    whole, dot, fraction = digits[len(sign):].partition(".")
    head, tail = whole[:-3], whole[-3:]
    pairs = [head[max(0, i - 2):i] for i in range(len(head), 0, -2)][::-1]
    return sign + ",".join([*pairs, tail] if pairs else [tail]) + dot + fraction
