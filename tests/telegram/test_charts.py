"""/summary chart on Telegram: the chart arrives as a photo (the real PTB client, fake API)."""

from __future__ import annotations

from tests.telegram.conftest import GRACE, GROUP, LI, SAM, TG


async def test_gm_gets_the_chart_as_a_photo_and_a_group_hears_it_went_private(tg: TG) -> None:
    await tg.say(GRACE, "/summary chart kudos")
    call = tg.fake.last_call("sendPhoto")
    photo = call.files["photo"]
    assert photo.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert photo.filename.startswith("kudos-2026-W") and photo.filename.endswith(".png")
    assert call.params["chat_id"] == GRACE
    assert call.params["caption"].startswith("Kudos by team, Test Sales, ")
    await tg.say_in_group(GRACE, "/summary chart morale")
    assert len(tg.fake.calls_for("sendPhoto")) == 2
    assert tg.fake.last_call("sendPhoto").params["chat_id"] == GRACE  # not to the group
    assert all("<b>" not in text and "PNG" not in text for text in tg.texts(GROUP))


async def test_a_chinese_director_gets_their_teams_chart_and_a_member_is_refused(tg: TG) -> None:
    await tg.say(LI, "/summary chart")
    call = tg.fake.last_call("sendPhoto")
    assert call.params["chat_id"] == LI
    assert call.params["caption"].startswith("KPI 达成率，China 团队，")
    await tg.say(SAM, "/summary chart")
    assert tg.texts(SAM)[-1].startswith("Sorry, charts are for the GM")
    assert len(tg.fake.calls_for("sendPhoto")) == 1
