"""What is wrong with an edit of the org file reaches the GM in their language: a GM who
reads Chinese was told "需要修正的问题（按文件原文，英文）" and then each problem in English
(an unknown manager, a bad timezone, a key given twice). Each problem is written in both
languages where it is found (bot.org.Problem); the log and `teampulse check-org` keep
English."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.suggest import did_you_mean, did_you_mean_zone
from bot.text import said_in
from tests.support import TEST_ORG, run_cli, say
from tests.test_org_reload import running  # noqa: F401 (the fixture)

#: Edits of the tests' org file, each with what the GM reads of it in English and Chinese.
EDITS = [
    pytest.param("manager: alice", "manager: alcie",
                 "people[5] ('sam'): manager 'alcie' does not exist in this file "
                 "(did you mean 'alice'?)",
                 "people[5]（'sam'）：manager 'alcie' 在本文件中不存在（是不是 'alice'？）",
                 id="unknown manager"),
    pytest.param("timezone: Europe/Rome", "timezone: Europe/Roma",
                 "people[2] ('bruno'): timezone 'Europe/Roma' is not a known IANA timezone "
                 "(did you mean 'Europe/Rome'?)",
                 "people[2]（'bruno'）：timezone 'Europe/Roma' 不是已知的 IANA 时区"
                 "（是不是 'Europe/Rome'？）", id="bad timezone"),
    pytest.param("key: bruno", "key: alice",
                 "people[2] ('alice'): duplicate key (also people[1]); give each person a "
                 "key of their own",
                 "people[2]（'alice'）：key 重复（people[1] 也用了它）；请给每个人一个自己的 key",
                 id="duplicate key"),
    pytest.param("    locale: en\n    slack_id: U0SAM", "    locle: en\n    slack_id: U0SAM",
                 "people[5] ('sam'): locle: unknown field (did you mean 'locale'?)",
                 "people[5]（'sam'）：locle：未知的字段（是不是 'locale'？）",
                 id="unknown field"),
    pytest.param("role: member\n    manager: alice", "role: boss\n    manager: alice",
                 "people[5] ('sam'): role: 'boss' is not one of 'gm', 'director' or 'member'",
                 "people[5]（'sam'）：role：'boss' 不是 'gm'、'director'、'member' 之一",
                 id="bad role"),
    pytest.param("values:", "pulse:\n  weekday: funday\nvalues:",
                 "pulse.weekday: 'funday' is not a weekday (mon … sun)",
                 "pulse.weekday：'funday' 不是星期几（mon … sun）", id="pulse"),
    pytest.param("values:", "reviews:\n  schedule: quarterly\n  start_month: 13\nvalues:",
                 "reviews.start_month: 13 is not a month (1 to 12)",
                 "reviews.start_month：13 不是月份（1 到 12）", id="reviews"),
    pytest.param("values:", "oneonones:\n  working_days: [mon, funday]\nvalues:",
                 "oneonones.working_days: 'funday' is not a day",
                 "oneonones.working_days：'funday' 不是星期几", id="one-on-ones"),
    pytest.param("values:", "departments:\n  - {key: Finance, name: Finance}\nvalues:",
                 "departments[0] ('Finance'): key must be lower-case letters",
                 "departments[0]（'Finance'）：key 只能由小写字母", id="departments"),
    pytest.param("weekly_target: 40000}", "weekly_target: 40,000}",
                 "people[2] ('bruno'): kpis.0: weekly_target 40 is followed by a field 0:",
                 "people[2]（'bruno'）：kpis.0：weekly_target 40 后面跟着字段 0：",
                 id="comma in a target"),
    pytest.param("telegram_id: 1006", "telegram_id: -1006",
                 "people[5] ('sam'): telegram_id -1006 is not a person's Telegram id",
                 "people[5]（'sam'）：telegram_id -1006 不是个人的 Telegram ID", id="telegram"),
    pytest.param("values:", "crm:\n  tolerance: lots\nvalues:",
                 "crm.tolerance: must be a fraction such as 0.1 (10%)",
                 "crm.tolerance：必须是小数，例如 0.1（10%）", id="crm"),
    pytest.param("values:", "goals:\n  - {metric: revenue, period: 2026-Q4, target: -5}\n"
                 "values:", "goals[0] (revenue 2026-Q4): target must be a number greater than 0",
                 "goals[0] (revenue 2026-Q4)：target 必须是大于 0 的数字", id="goals"),
    pytest.param("values:", "checkin:\n  questions:\n    - {key: mood, type: song}\nvalues:",
                 "checkin.questions[0] ('mood'): type must be one of",
                 "checkin.questions[0]（'mood'）：type 必须是", id="question"),
    # A goal's period: parse_period's words, also read by other commands.
    pytest.param("values:", "goals:\n  - {metric: revenue, period: 2026-Q5, target: 5}\n"
                 "values:",
                 "goals[0] (revenue 2026-Q5): period '2026-Q5' is not one of 2026, 2026-H2",
                 "goals[0] (revenue 2026-Q5)：period '2026-Q5' 不是 2026、2026-H2、2026-Q4、"
                 "2026-11、2026-W48 这样的期间", id="goal period"),
    pytest.param("values:", "goals:\n  - {metric: revenue, period: 2026-W54, target: 5}\n"
                 "values:",
                 "goals[0] (revenue 2026-W54): '2026-W54' is not an ISO week: the weeks of "
                 "2026 run from 2026-W01 to 2026-W53",
                 "goals[0] (revenue 2026-W54)：'2026-W54' 不是 ISO 周：2026 年的周从 2026-W01 "
                 "到 2026-W53", id="goal week"),
    pytest.param("values:", "goals:\n  - {metric: revenue, period: fortnight, "
                 "start: 2026-12-07, target: 5}\nvalues:",
                 "goals[0] (revenue fortnight): with a start date, period must be one of week",
                 "goals[0] (revenue fortnight)：有 start 日期时，period 必须是 week、month、"
                 "quarter、half-year、year 之一", id="goal kind"),
    # A CRM format's date_format, with what it likely means.
    pytest.param("values:", "crm:\n  formats:\n    - {name: hub, person: Owner, value: Amount, "
                 "date: Day, date_format: YYYY-MM-DD}\nvalues:",
                 "crm.formats[0]: date_format 'YYYY-MM-DD' is not a date pattern as teampulse "
                 "reads it (did you mean '%Y-%m-%d'?)",
                 "crm.formats[0]：date_format 'YYYY-MM-DD' 不是 teampulse 能读的日期格式"
                 "（是不是 '%Y-%m-%d'？）：格式用 Python 的代码书写", id="crm date_format"),
    # The hints, made in both languages where they are made (bot.suggest).
    pytest.param("timezone: Europe/Rome", "timezone: GMT+8",
                 "people[2] ('bruno'): timezone 'GMT+8' is not a known IANA timezone "
                 "(UTC+8 is an offset, not a timezone: write the IANA timezone of the place, "
                 "such as Asia/Shanghai,",
                 "people[2]（'bruno'）：timezone 'GMT+8' 不是已知的 IANA 时区（UTC+8 是时差，"
                 "不是时区：请写该地的 IANA 时区，例如 Asia/Shanghai（夏令时随之变化）；"
                 "全年固定为 UTC+8 可写 Etc/GMT-8）", id="offset for a timezone"),
    pytest.param("manager: alice", "manager: Alice Martin",
                 "people[5] ('sam'): manager 'Alice Martin' does not exist in this file "
                 "(did you mean 'alice', Alice Martin's key?)",
                 "people[5]（'sam'）：manager 'Alice Martin' 在本文件中不存在"
                 "（是不是 Alice Martin 的 key 'alice'？）", id="a name for a key"),
    pytest.param("manager: alice", "manager: nobody",
                 "people[5] ('sam'): manager 'nobody' does not exist in this file (give the key",
                 "people[5]（'sam'）：manager 'nobody' 在本文件中不存在（请填写其上级在 people "
                 "下的条目的 key，或者去掉 manager）", id="manager far off"),
]


@pytest.mark.parametrize(("old", "new", "english", "chinese"), EDITS)
async def test_a_chinese_gm_reads_what_to_fix_in_chinese(running, old, new,  # noqa: F811
                                                         english, chinese):
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.edit(old, new)
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "组织文件 org.yaml 已被修改，但这次修改没有生效" in told
    assert "英文" not in told
    assert chinese in told and english not in told


@pytest.mark.parametrize(("old", "new", "english", "chinese"), EDITS)
async def test_an_english_gm_reads_them_in_english(running, old, new,  # noqa: F811
                                                   english, chinese):
    running.chat.clear()
    running.edit(old, new)
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "The org file org.yaml was edited, but the edit was not applied" in told
    assert english in told and chinese not in told


def test_check_org_still_says_them_in_english(tmp_path: Path, database_url: str,
                                              capsys) -> None:
    """The operator's check-org prints the log's English, as before (its --locale is the
    language of the people list of a good file)."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "timezone: Europe/Rome", "timezone: Europe/Roma"), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    for args in (("check-org",), ("check-org", "--locale", "zh-CN")):
        code, _ = run_cli(settings, *args)
        err = capsys.readouterr().err
        assert code == 2
        assert ("people[2] ('bruno'): timezone 'Europe/Roma' is not a known IANA timezone "
                "(did you mean 'Europe/Rome'?)") in err
        assert "时区" not in err


@pytest.mark.parametrize(("hint", "english", "chinese"), [
    (lambda: did_you_mean("alcie", ["alice", "bruno"]), " (did you mean 'alice'?)",
     "（是不是 'alice'？）"),
    (lambda: did_you_mean("Grace Chen", ["grace"], {"Grace Chen": "grace"}),
     " (did you mean 'grace', Grace Chen's key?)", "（是不是 Grace Chen 的 key 'grace'？）"),
    (lambda: did_you_mean_zone("Asia/Shangai"), " (did you mean 'Asia/Shanghai'?)",
     "（是不是 'Asia/Shanghai'？）"),
    (lambda: did_you_mean_zone("UTC+0"), " (UTC+0 is an offset, not a timezone: write the "
     "IANA timezone of the place, such as Europe/London, whose clock it follows, summer time "
     "included; or UTC for UTC+0 all year)",
     "（UTC+0 是时差，不是时区：请写该地的 IANA 时区，例如 Europe/London（夏令时随之变化）；"
     "全年固定为 UTC+0 可写 UTC）"),
    (lambda: did_you_mean_zone("UTC+5:45"), " (UTC+5:45 is an offset, not a timezone: write "
     "the IANA timezone of the place, such as Asia/Kathmandu, whose clock it follows, summer "
     "time included)", "（UTC+5:45 是时差，不是时区：请写该地的 IANA 时区，例如 Asia/Kathmandu"
     "（夏令时随之变化））"),
    (lambda: did_you_mean("zzz", ["alice"]), "", ""),
], ids=["typo", "a name for a key", "zone typo", "offset", "offset with minutes", "none"])
def test_each_hint_is_written_in_both_languages_where_it_is_made(hint, english, chinese):
    """The Chinese hint is made beside the English one, not found again in its words by a
    pattern (a reworded English hint then fell back to English in a Chinese line)."""
    made = hint()
    assert str(made) == english
    assert said_in(made, "zh-CN") == chinese


#: Edits giving a setting a value out of its range or of the wrong kind: what the Chinese
#: GM reads, and the English the log keeps (pydantic's, but for a time's and a date's).
OUT_OF_RANGE = [
    pytest.param("  summary_viewers: [vera]", "  summary_viewers: [vera]\n  kudos: {allowance: 0}",
                 "org：kudos.allowance：不能小于 1（这里写的是 0）",
                 "org: kudos.allowance: Input should be greater than or equal to 1",
                 id="allowance 0"),
    pytest.param("  summary_viewers: [vera]",
                 "  summary_viewers: [vera]\n  kudos: {allowance: lots}",
                 "org：kudos.allowance：应为整数（例如 5），而不是 'lots'",
                 "org: kudos.allowance: Input should be a valid integer", id="allowance lots"),
    pytest.param("    telegram_id: 1002\n", "    telegram_id: 1002\n    checks_in: maybe\n",
                 "checks_in：应为 true 或 false，而不是 'maybe'",
                 "checks_in: Input should be a valid boolean", id="checks_in maybe"),
    pytest.param("people:\n", "pulse:\n  every_weeks: 20\npeople:\n",
                 "pulse：every_weeks：不能大于 12（这里写的是 20）",
                 "pulse: every_weeks: Input should be less than or equal to 12",
                 id="every_weeks 20"),
    pytest.param("people:\n", "pulse:\n  time: '1100'\npeople:\n",
                 "pulse：time：应为 HH:MM 格式的时间，例如 \"11:00\"（这里写的是 '1100'）",
                 "pulse: time: must be a time of day as HH:MM, such as \"11:00\" ('1100' is not)",
                 id="pulse time 1100"),
    pytest.param("people:\n", "pulse:\n  first_week: soon\npeople:\n",
                 "pulse：first_week：应为日期，例如 2026-01-05，而不是 'soon'",
                 "pulse: first_week: must be a date such as 2026-01-05, not 'soon'",
                 id="first_week soon"),
]


@pytest.mark.parametrize(("old", "new", "chinese", "english"), OUT_OF_RANGE)
async def test_a_chinese_gm_reads_a_value_out_of_range_in_chinese(
        running, caplog, old, new, chinese, english):  # noqa: F811
    """`allowance: 0` or `checks_in: maybe` reached the Chinese GM as 'org：kudos.allowance：
    Input should be greater than or equal to 1', pydantic's English in the Chinese notice."""
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.edit(old, new)
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "组织文件 org.yaml 已被修改，但这次修改没有生效" in told, told
    assert chinese in told, told
    assert "should" not in told and "Input" not in told, told
    assert english in caplog.text, caplog.text
