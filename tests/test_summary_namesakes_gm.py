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
