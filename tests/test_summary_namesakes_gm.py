"""The GM's summary tells people of one name apart by key, wherever it lists them."""

from __future__ import annotations

import yaml

from tests.support import NAMESAKES, TEST_ORG, bot_on_org, say
from tests.test_checkin import answer_all


def _org(tmp_path, extra: list[dict]) -> object:
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"].extend(extra)
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_the_team_line_names_members_of_one_name_by_key(settings, clock, tmp_path):
    # Li's team has two members called 王伟 who check in; one did. The GM's full picture of
    # Li read "Team: 1 of 2 members checked in (not: 王伟)": which 王伟?
    twins = yaml.safe_load(NAMESAKES.replace("    role: member\n",
                                             "    role: member\n    checks_in: true\n"))
    with bot_on_org(settings, clock, _org(tmp_path, twins)) as (bot, chat, _):
        await bot.run_checkins(["wangwei", "wangwei2"])
        await answer_all(bot, "wangwei", ["好", "无", "1", "计划", "4"])
        await say(bot, "grace", "/summary li")
        assert "Team: 1 of 2 members checked in (not: 王伟 (@wangwei2))" in chat.last("grace")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary li")
        assert "团队：1/2 名成员已签到（未签到：王伟 (@wangwei2)）" in chat.last("grace")
        # A name nobody else on the team has stays as it is.
        await say(bot, "grace", "/summary alice")
        assert "(@" not in chat.last("grace")


async def test_two_directors_of_one_name_in_one_team_are_named_by_key(settings, clock, tmp_path):
    # Two directors called 王伟, both of team China: the GM's summary listed "王伟 (China),
    # 王伟 (China)" as missing and "王伟 (China): not checked in" twice.
    twins = [{"key": key, "name": "王伟", "role": "director", "manager": "grace",
              "team": "China", "timezone": "Asia/Shanghai", "locale": "zh-CN",
              "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": 30000}]}
             for key in ("wangwei", "wangwei2")]
    north = {**twins[0], "key": "wangwei3", "team": "North"}
    with bot_on_org(settings, clock, _org(tmp_path, [*twins, north])) as (bot, chat, _):
        await bot.run_checkins()
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        assert "王伟 (@wangwei), 王伟 (@wangwei2), 王伟 (North)" in text
        assert "王伟 (@wangwei2): not checked in this week" in text
        assert "王伟 (China)" not in text
        assert "王伟 (@wangwei) · team China" in text
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        assert "王伟（@wangwei）、王伟（@wangwei2）、王伟（North）" in text
        assert "王伟（@wangwei2）：本周未签到" in text
        # Each one's block says whose it is.
        assert "王伟 (@wangwei2) · 团队 China" in text and "王伟 (@wangwei3) · 团队 North" in text
