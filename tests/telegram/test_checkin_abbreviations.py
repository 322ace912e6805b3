"""A director writes figures as continental Europe and finance abbreviate them, '52 Tsd.',
'1,2 Mio', '3 Mio.', '3 Millionen', '30 lakh', or with a decimal in Chinese numerals,
'五点八万': read as the amounts they are."""

from __future__ import annotations

import pytest

from tests.telegram.conftest import ALICE, GRACE, LI, TG


async def test_tsd_and_mio_are_read_as_thousands_and_millions(tg: TG) -> None:
    await tg.checkins("alice")
    # 'Mio' with a decimal comma: 1.2 million, or 12 million typed with a grouping comma?
    # Asked back, as '4,5' is, never "That isn't a number".
    await tg.say(ALICE, "1,2 Mio")
    asked = tg.shown(ALICE)[-1]
    assert 'I can read "1,2 Mio" two ways: 1,200,000 USD or 12,000,000 USD' in asked
    assert "isn't a number" not in asked
    # She meant her week's revenue in thousands after all; the abbreviation keeps its dot.
    await tg.say(ALICE, "52 Tsd. USD")
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]
    for answer in ["3", "Win", "None", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    assert "52,000 USD" in tg.shown(ALICE)[-1]

    await tg.say(GRACE, "/summary")
    assert "Revenue 52,000 / 50,000 USD (104%)" in tg.shown(GRACE)[-1]


@pytest.mark.parametrize("typed", ["3 Mio.", "3 Millionen", "3 millions", "30 lakh",
                                   "0.3 crore", "3000 grand"])
async def test_three_mio_is_three_million_not_three(tg: TG, typed: str) -> None:
    # '3 Mio' was answered "If 3 is the figure, reply 3 alone": a director doing as told
    # would have stored 3 USD. Three million is 60 times her target: asked to confirm.
    await tg.checkins("alice")
    await tg.say(ALICE, typed)
    asked = tg.shown(ALICE)[-1]
    assert "alone" not in asked
    assert "3,000,000 USD is more than 20 times your weekly target" in asked
    await tg.press(ALICE, "Yes, 3,000,000 USD")
    await tg.say(GRACE, "/summary")
    assert "Revenue 3,000,000 / 50,000 USD" in tg.shown(GRACE)[-1]


async def test_a_chinese_decimal_in_numerals_is_read(tg: TG) -> None:
    # '五点八万', as said and as a phone's voice input writes it, was "这不是数字".
    await tg.checkins("li")
    await tg.say(LI, "五点八万")
    assert "第 2 题" in tg.shown(LI)[-1]
    for answer in ["赢单", "无", "1", "计划", "4"]:
        await tg.say(LI, answer)
    assert "58,000 USD" in tg.shown(LI)[-1]
    await tg.say(GRACE, "/summary")
    assert "Revenue 58,000 / 60,000 USD (97%)" in tg.shown(GRACE)[-1]
