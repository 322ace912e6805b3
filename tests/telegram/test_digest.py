"""The weekly digest on Telegram: the text as a message, the chart as a photo."""

from __future__ import annotations

from datetime import timedelta

from tests.telegram.conftest import GRACE, TG
from tests.test_digest import MONDAY_8AM_NY, PNG, a_figure


async def test_the_gm_gets_the_digest_and_its_chart_as_a_photo(tg: TG) -> None:
    # An install that has been running: the GM wrote to it two weeks before.
    tg.clock.set(MONDAY_8AM_NY - timedelta(weeks=2))
    await tg.say(GRACE, "/help")
    a_figure(tg.bot)  # a week with figures: the chart has something to draw
    tg.clock.set(MONDAY_8AM_NY)
    await tg.bot.run_digests()
    await tg.settle()
    (text,) = [t for t in tg.texts(GRACE) if "Weekly digest" in t]
    assert text.startswith("<b>📬 Weekly digest — 2026-W48</b> (2026-11-23 – 2026-11-29)")
    (photo,) = [c for c in tg.fake.calls_for("sendPhoto") if c.params["chat_id"] == GRACE]
    assert photo.status == 200
    assert photo.files["photo"].data.startswith(PNG)
    assert photo.files["photo"].filename == "attainment-2026-W48.png"
    # (The install's two weeks, not eight: the weeks before it first ran did not exist.)
    assert photo.params["caption"] == ("📈 Attainment against target, the 2 weeks since "
                                       "teampulse started (2026-W47 to 2026-W48)")
