"""What a Chinese-reading GM is told of a file the bot cannot use is Chinese throughout:
an org file that is no YAML was described in PyYAML's English inside the Chinese line
("不是有效的 YAML（found character '\\t' that cannot start any token）"), an org or goals
file that cannot be read in the system's ("无法读取文件：Is a directory"), and a CRM
file in the watched folder likewise. The common cases are said in Chinese (the line and
column kept); the log and the operator's CLI keep the English, as before."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from bot.org import OrgError, load_org
from tests.support import TEST_ORG, say
from tests.test_crm_import import SALESFORCE, settled, watched_inbox
from tests.test_org_reload import running  # noqa: F401 (the fixture)

#: PyYAML's own words, none of which a Chinese line may carry.
PYYAML_WORDS = ("found character", "cannot start any token", "unexpected end of stream",
                "mapping values are not allowed", "expected <block end>", "while scanning",
                "while parsing", "could not find expected", "did not find expected",
                "in this context")

#: Edits of the org file that make it no YAML: what the Chinese GM reads, what the log says.
BROKEN = [
    pytest.param("  - key: grace", "\t- key: grace",
                 "org.yaml:6: 第 1 列：不是有效的 YAML：这里有制表符（Tab）",
                 "column 1: not valid YAML (found character that cannot start any token), in "
                 "the entry of 'grace' that starts at line 6; indent with spaces", id="tab"),
    pytest.param("name: Grace Chen", "name: 'Grace Chen",
                 "引号没有闭合：从第 7 行第 11 列开始的引号到文件末尾都没有结束",
                 "not valid YAML (found unexpected end of stream)", id="unclosed quote"),
    pytest.param("    role: gm", "   role: gm",
                 "org.yaml:8: 第 4 列：不是有效的 YAML：缩进不对",
                 "column 4: not valid YAML (did not find expected '-' indicator)",
                 id="bad indentation"),
    pytest.param("name: Grace Chen", "name: Grace: Chen",
                 "org.yaml:7: 第 16 列：不是有效的 YAML：这里不能再有“键: 值”",
                 "column 16: not valid YAML (mapping values are not allowed in this context)",
                 id="colon in a value"),
]


@pytest.mark.parametrize(("old", "new", "chinese", "english"), BROKEN)
async def test_a_chinese_gm_reads_why_the_org_file_is_no_yaml_in_chinese(
        running, caplog, old, new, chinese, english):  # noqa: F811
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.edit(old, new)
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "组织文件 org.yaml 已被修改，但这次修改没有生效" in told, told
    assert chinese in told, told
    assert not [w for w in PYYAML_WORDS if w in told], told
    # The log (the operator's) keeps PyYAML's English, as before.
    assert english in caplog.text, caplog.text


@pytest.mark.parametrize(("old", "new", "chinese", "english"), BROKEN)
def test_check_org_keeps_pyyaml_s_english(tmp_path, old, new, chinese, english):
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(old, new, 1),
                    encoding="utf-8")
    with pytest.raises(OrgError) as caught:
        load_org(path)
    assert english in str(caught.value), str(caught.value)


async def test_an_org_file_that_cannot_be_read_is_said_in_chinese(running):  # noqa: F811
    """The file replaced by a folder (an unpacked archive, a bad copy): "Is a directory"."""
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.path.unlink()
    running.path.mkdir()
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "无法读取文件：这是一个文件夹，不是文件" in told, told
    assert "Is a directory" not in told, told


@pytest.mark.parametrize(("goals", "chinese", "english"), [
    ("goals:\n\t- {metric: revenue, period: 2026-Q4, target: 5}\n",
     "这里有制表符（Tab）", "that cannot start any token"),
    (None, "无法读取目标文件 'goals.yaml'：这是一个文件夹，不是文件", "Is a directory"),
], ids=["no YAML", "a folder"])
async def test_a_goals_file_the_org_file_names_is_said_in_chinese(
        running, caplog, goals, chinese, english):  # noqa: F811
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    where = running.path.parent / "goals.yaml"
    if goals is None:
        where.mkdir()
    else:
        where.write_text(goals, encoding="utf-8")
    running.edit("values:", "goals: goals.yaml\nvalues:")
    await running.watcher.check()
    await running.watcher.check()
    await running.bot.drain()
    told = running.chat.last("grace")
    assert chinese in told, told
    assert english not in told and not [w for w in PYYAML_WORDS if w in told], told
    assert english in caplog.text, caplog.text


@pytest.mark.parametrize(("error", "chinese"), [
    (errno.EACCES, "没有读取权限"),
    (errno.ESTALE, "网络共享上的文件句柄已失效"),
    (errno.ETIMEDOUT, "读取超时"),
])
async def test_a_crm_file_that_cannot_be_read_is_said_in_chinese(bot, chat, tmp_path,
                                                                 monkeypatch, error, chinese):
    """A CRM export the bot may not read (a file copied in by another account), on a share
    gone stale or slow: the Chinese GM reads why in Chinese, not the system's words."""
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    inbox = watched_inbox(bot, tmp_path)
    shutil.copy(SALESFORCE, inbox / SALESFORCE.name)
    settled(inbox / SALESFORCE.name)
    reason = os.strerror(error)

    def refused(self: Path) -> bytes:
        raise OSError(error, reason, str(self))

    monkeypatch.setattr(Path, "read_bytes", refused)
    from bot.jobs import bind, crm_watch_job

    bind(bot)
    try:
        await crm_watch_job()
        await crm_watch_job()  # said to the GM when still so at the next scan
    finally:
        bind(None)
    told = chat.last("grace")
    assert SALESFORCE.name in told and chinese in told, told
    assert reason not in told, told


@pytest.mark.parametrize(("cells", "chinese", "english"), [
    ('alice,revenue,2026-W48,"5000\n', "有一个带引号的单元格没有闭合", "unexpected end of data"),
    ('alice,revenue,2026-W48,"5000"x\n', "带引号的单元格在结束引号后还有文字",
     "',' expected after '\"'"),
], ids=["quote left open", "text after a quote"])
async def test_a_crm_file_that_is_no_csv_is_said_in_chinese(bot, chat, tmp_path, monkeypatch,
                                                            cells, chinese, english):
    """Python's csv reader's own words ("not valid CSV (unexpected end of data)") in the
    Chinese GM's DM. The reader teampulse uses lets these pass on Python 3.11 (read as a
    cell to the end); a strict one, as another Python's may be, stands in for it."""
    import csv
    import functools

    from bot import crm_import
    from bot.jobs import bind, crm_watch_job

    monkeypatch.setattr(crm_import.csv, "reader", functools.partial(csv.reader, strict=True))
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    inbox = watched_inbox(bot, tmp_path)
    (inbox / "bad.csv").write_text("person,metric,week,value\n" + cells, encoding="utf-8")
    settled(inbox / "bad.csv")
    bind(bot)
    try:
        await crm_watch_job()
    finally:
        bind(None)
    told = chat.last("grace")
    assert "bad.csv" in told and chinese in told, told
    assert english not in told, told
    # The operator's words (the problem's English) are Python's, as before.
    with bot.unit() as ctx:
        people = crm_import.import_people(ctx.session, bot.org)
    parsed = crm_import.parse_bytes(("person,metric,week,value\n" + cells).encode(),
                                    bot.org.crm, people)
    assert f"not valid CSV ({english})" in str(parsed.errors[0][1][0]), parsed.errors

