"""Support requests to resolution, from the users' side: a director asks for support in the
check-in, the GM and the department's owner hear of it, act on it with /support, and the
director is told each step in their own language; nobody else may act on it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.org import OrgError, parse_org
from storage.support import SupportRequest, open_items
from tests.support import TEST_ORG, csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid
from tests.test_digest import digests, edit_org

DEPARTMENTS = """
departments:
  - key: finance
    name: {en: Finance, zh-CN: 财务部}
    owners: [vera]
    handles: [budget]
  - key: marketing
    name: {en: Marketing, zh-CN: 市场部}
    owners: [sam]
    aliases: [mkt]
support:
  ageing_days: 5
"""
FRIDAY_W47 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
DEC_1_9AM_NY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
LI_ANSWERS = ["61000", "大客户签约", "审批慢", "5", "需要市场部做一份方案", "拜访 3 家", "4"]


def write_org(tmp_path: Path, extra: str = DEPARTMENTS) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.fixture
def settings(settings, tmp_path):
    """The test org plus departments (finance handles budget; marketing by name)."""
    return replace(settings, org_file=write_org(tmp_path))


def requests(bot) -> list[SupportRequest]:
    with bot.unit() as ctx:
        rows = list(ctx.session.scalars(select(SupportRequest).order_by(SupportRequest.id)))
        for r in rows:
            _ = r.weeks, r.comments
        ctx.session.expunge_all()
        return rows


async def alice_asks_for_budget(bot) -> None:
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)


async def test_a_check_in_support_request_is_tracked_and_the_gm_and_owner_told(bot, chat):
    await alice_asks_for_budget(bot)
    [req] = requests(bot)
    assert (req.kind, req.detail, req.department, req.status, req.week) == (
        "budget", "Travel budget", "finance", "open", "2026-W48")
    assert req.opened_at == bot.clock.now()
    to_grace = chat.last("grace")
    assert to_grace.startswith("🆘 New support request #1 Budget → Finance — Alice Martin, "
                               "2026-W48: Travel budget")
    assert "/support resolve 1" in to_grace
    assert chat.last("vera").startswith("🆘 New support request #1")  # finance's owner
    assert not chat.to("sam") and not chat.to("bruno")
    # Alice is told the number before her check-in's summary, which stays the last word.
    assert any("tracked as #1" in t for t in chat.to("alice"))
    assert "your check-in for 2026-W48 is in" in chat.last("alice")


async def test_no_support_needed_opens_nothing(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "none", "1", "Visit 5", "4"])
    assert requests(bot) == []
    assert not any("support request" in t for t in chat.to("grace"))


async def test_editing_the_check_in_changes_the_request_and_never_duplicates_it(bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "alice", "/edit 6")
    await say(bot, "alice", "Travel budget for the Milan fair")
    [req] = requests(bot)
    assert req.detail == "Travel budget for the Milan fair"
    assert "edited support request #1 (2026-W48): Travel budget for the Milan fair" \
        in chat.last("grace")
    # Edited to "no support needed": the request is withdrawn, not deleted.
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "1")
    [req] = requests(bot)
    assert req.status == "withdrawn"
    assert "is no longer needed and is withdrawn" in chat.last("grace")
    with bot.unit() as ctx:
        assert open_items(ctx.session, as_of=bot.clock.now()) == []


async def test_the_same_request_next_week_joins_the_open_one(bot, chat, clock):
    await alice_asks_for_budget(bot)
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["50000", "4", "Won Globex", "No blockers", "2",
                                    "Still need the travel budget", "Call 3", "3"])
    [req] = requests(bot)
    assert [w.week for w in req.weeks] == ["2026-W48", "2026-W49"]
    assert req.repeats == 1 and req.last_week == "2026-W49"
    assert "Alice Martin asks again in 2026-W49 for #1 Budget, open for 7 days (open): " \
           "Still need the travel budget" in chat.last("grace")
    assert any("still open as #1" in t for t in chat.to("alice"))
    with bot.unit() as ctx:
        [item] = open_items(ctx.session, as_of=bot.clock.now(), ageing_days=5)
    assert (item.detail, item.age_days, item.ageing, item.repeats) == (
        "Still need the travel budget", 7, True, 1)


async def test_help_from_another_department_next_week_is_new_not_a_repeat(bot, chat, clock):
    """Li asks Marketing for a deck, and the week after Finance for travel money: that was
    filed as Marketing's request "asked again" (its detail replaced by the finance need,
    Sam, Marketing's owner, told of it, Vera, Finance's, never). It is a new request to
    Finance; asking Marketing again, or naming no department, is still a repeat."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["61000", "大客户签约", "审批慢", "5",
                                 "需要财务部批一笔差旅费", "拜访 3 家", "4"])
    first, second = requests(bot)
    assert (first.department, first.detail, first.repeats) == (
        "marketing", "需要市场部做一份方案", 0)
    assert (second.department, second.detail, second.week) == (
        "finance", "需要财务部批一笔差旅费", "2026-W49")
    assert chat.last("vera").startswith("🆘 New support request #2 Help from another "
                                        "department → Finance — 李雷, 2026-W49")
    assert not any("需要财务部" in t for t in chat.to("sam"))
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["61000", "大客户签约", "审批慢", "5",
                                 "市场部的方案还没好", "拜访 3 家", "4"])
    assert [r.repeats for r in requests(bot)] == [1, 0]
    assert any("asks again in 2026-W50 for #1" in t for t in chat.to("grace"))


async def test_an_edit_naming_another_department_moves_the_request_there(bot, chat):
    """Li edits the detail from Marketing's deck to Finance's travel money: the request
    stayed Marketing's (Sam told of the edit, Vera never). Marketing's is withdrawn, and
    the need goes to Finance as a new request."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "li", "/edit 5")
    await say(bot, "li", "需要财务部批一笔差旅费")
    first, second = requests(bot)
    assert (first.department, first.status) == ("marketing", "withdrawn")
    assert (second.department, second.detail, second.status) == (
        "finance", "需要财务部批一笔差旅费", "open")
    assert "#1 (Help from another department) is no longer needed" in chat.last("sam")
    assert chat.last("vera").startswith("🆘 New support request #2 Help from another "
                                        "department → Finance — 李雷")


async def test_gm_acks_comments_resolves_and_the_director_hears_each_step(bot, chat, clock):
    await alice_asks_for_budget(bot)
    clock.advance(timedelta(days=1))
    await say(bot, "grace", "/support ack 1")
    assert chat.last("grace") == "✅ Acknowledged #1; Alice Martin is told."
    assert chat.last("alice") == ("👀 Grace Chen acknowledged your support request #1 "
                                  "(Budget).")
    assert chat.last("vera") == "Grace Chen acknowledged #1 (Alice Martin, Budget)."
    await say(bot, "grace", "/support comment 1 Talking to finance on Monday")
    assert chat.last("alice") == ("💬 Grace Chen on your support request #1 (Budget): "
                                  "Talking to finance on Monday")
    clock.advance(timedelta(days=2))
    await say(bot, "grace", "/support resolve 1 Approved: 5k for the Milan fair")
    assert chat.last("grace") == "✅ Resolved #1 after 3 days; Alice Martin is told."
    assert chat.last("alice") == ("✅ Grace Chen resolved your support request #1 (Budget): "
                                  "Approved: 5k for the Milan fair")
    [req] = requests(bot)
    assert req.status == "resolved" and req.resolution == "Approved: 5k for the Milan fair"
    assert req.resolved_at == bot.clock.now()
    assert [c.text for c in req.comments] == ["Talking to finance on Monday"]
    # Once resolved, it is off the list; acting again changes nothing.
    await say(bot, "grace", "/support")
    assert chat.last("grace") == "No open support requests. 🎉"
    await say(bot, "grace", "/support resolve 1 again")
    assert chat.last("grace") == ("Request #1 is already resolved (since 2026-11-30); "
                                  "nothing was changed.")


async def test_the_departments_owner_may_act_and_a_stranger_may_not(bot, chat):
    await alice_asks_for_budget(bot)
    # Bruno (another director) and Sam (marketing's owner, not finance's) cannot touch it,
    # nor learn from trying that it exists or which department it went to.
    for who, typed in (("bruno", "/support resolve 1 done"), ("sam", "/support ack 1"),
                       ("bruno", "/support comment 1 hi"), ("bruno", "/support assign 1 mkt")):
        await say(bot, who, typed)
        assert chat.last(who) == ("There is no support request #1 that you can see. "
                                  "/support lists the open ones."), typed
    # Alice cannot close her own request either; she is told she'll hear.
    await say(bot, "alice", "/support resolve 1 sorted myself")
    assert "It is your own request" in chat.last("alice")
    [req] = requests(bot)
    assert req.status == "open" and req.resolution is None
    # Bruno's list and view do not show Alice's request.
    await say(bot, "bruno", "/support")
    assert chat.last("bruno").startswith("You have no open support requests.")
    await say(bot, "bruno", "/support 1")
    assert chat.last("bruno").startswith("There is no support request #1 that you can see.")
    # Vera owns finance: she resolves it; Alice and the GM hear.
    await say(bot, "vera", "/support resolve 1 Budget line approved")
    assert chat.last("alice").startswith("✅ Vera Ops resolved your support request #1")
    assert chat.last("grace") == ("Vera Ops resolved #1 (Alice Martin, Budget): "
                                  "Budget line approved")


async def test_a_fresh_request_is_not_listed_under_an_ageing_legend(bot, chat, settings):
    """The legend "⚠️ ageing: open 5 days or more." closed every list, so a request opened
    today read as if it were ageing: it is shown only when some row carries the mark (chat,
    both languages, and the CLI's table)."""
    await alice_asks_for_budget(bot)
    for key in ("grace", "alice"):
        await say(bot, key, "/support")
        assert "ageing" not in chat.last(key) and "#1 Budget" in chat.last(key)
    await say(bot, "grace", "/support")
    assert chat.last("grace").splitlines()[-1].startswith("/support ack N")
    tz = ZoneInfo(bot.org.timezone)  # (the CLI counts days by its own clock)
    with bot.unit() as ctx:
        ctx.session.get(SupportRequest, 1).opened_at = datetime.combine(
            SystemClock().now().astimezone(tz).date(), time(0, 1), tz).astimezone(UTC)
    for locale, legend in (("en", "ageing"), ("zh-CN", "已积压")):
        code, out = run_cli(settings, "support", "--locale", locale)
        assert code == 0 and "#1" in out and legend not in out
    # (Once a row is ageing the legend is back: test_support_lists_open_ones_oldest_first….)


async def test_support_lists_open_ones_oldest_first_with_age_and_status(bot, chat, clock):
    await alice_asks_for_budget(bot)
    clock.advance(timedelta(days=6))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/support ack 2")
    await say(bot, "grace", "/support")
    listed = chat.last("grace")
    first = listed.index("#1 Budget → Finance — Alice Martin")
    second = listed.index("#2 Help from another department → Marketing — 李雷")
    assert first < second
    assert "open, 6 days ⚠️ ageing" in listed and "acknowledged, today" in listed
    assert "ageing: open 5 days or more" in listed
    # Alice sees her own only; Sam (marketing's owner) sees Li's, which names Marketing.
    await say(bot, "alice", "/support")
    assert "#1 Budget" in chat.last("alice") and "#2" not in chat.last("alice")
    await say(bot, "sam", "/support")
    assert "#2 Help from another department → Marketing" in chat.last("sam")
    assert "#1" not in chat.last("sam")


async def test_a_chinese_director_hears_each_step_in_chinese(bot, chat):
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    [req] = requests(bot)
    assert (req.kind, req.department) == ("department", "marketing")
    assert any("已登记，编号 #1" in t for t in chat.to("li"))
    assert chat.last("sam").startswith("🆘 New support request #1 Help from another "
                                       "department → Marketing — 李雷")
    await say(bot, "sam", "/support ack 1")
    assert chat.last("li") == "👀 Sam Lee 已确认你的支持请求 #1（其他部门的协助）。"
    await say(bot, "grace", "/support resolve 1 Deck ready on Thursday")
    assert chat.last("li") == ("✅ Grace Chen 已解决你的支持请求 #1（其他部门的协助）："
                               "Deck ready on Thursday")


async def test_the_steps_typed_in_chinese_act_as_the_english_ones(bot, chat):
    """A Chinese-speaking handler types the step in Chinese (确认, 评论, 解决, 分配, 列表):
    it acts as ack, comment, resolve, assign and list, not "Usage: …"."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/support 确认 1")
    assert chat.last("grace") == "✅ 已确认 #1，已通知 李雷。"
    assert chat.last("li") == "👀 Grace Chen 已确认你的支持请求 #1（其他部门的协助）。"
    await say(bot, "li", "/support 评论 1 要英文版")
    assert chat.last("li") == "💬 已在 #1 添加评论，已通知总经理和市场部。"
    await say(bot, "grace", "/support 分配 1 财务部")
    assert chat.last("grace") == "#1 已转给 财务部，已通知其负责人。"
    await say(bot, "grace", "/support 列表")
    assert "#1 其他部门的协助 → 财务部 — 李雷" in chat.last("grace")
    await say(bot, "grace", "/support 解决 1 方案已发")
    assert chat.last("li") == "✅ Grace Chen 已解决你的支持请求 #1（其他部门的协助）：方案已发"
    [req] = requests(bot)
    assert (req.status, req.resolution, req.department) == ("resolved", "方案已发", "finance")
    assert [c.text for c in req.comments] == ["要英文版"]


async def test_bad_ids_and_states_get_specific_answers_in_both_languages(bot, chat):
    await alice_asks_for_budget(bot)
    cases = [
        ("/support resolve abc", "abc is not a request number. Write the number shown by "
                                 "/support, for example /support resolve 3."),
        ("/support ack", "Which request? Write the number shown by /support, for example "
                         "/support ack 3."),
        ("/support ack 99", "There is no support request #99 that you can see. /support lists "
                            "the open ones."),
        ("/support resolve 1", "Please say how it was resolved, for example "
                               "/support resolve 1 Budget approved, 5k. Nothing was changed."),
        ("/support comment 1", "Please write the comment after the number, for example "
                               "/support comment 1 Talking to finance on Monday."),
        # 'close' is resolve (it was answered with the usage, and nothing was closed).
        ("/support close 1", "Please say how it was resolved, for example "
                             "/support resolve 1 Budget approved, 5k. Nothing was changed."),
        ("/support frobnicate 1", "Usage: /support lists open requests"),
        ("/support assign 1 legal", "There is no department legal. Departments: finance "
                                    "(Finance), marketing (Marketing)."),
    ]
    for typed, expected in cases:
        await say(bot, "grace", typed)
        assert chat.last("grace").startswith(expected), typed
    await say(bot, "grace", "/support ack 1")
    await say(bot, "grace", "/support ack 1")
    assert chat.last("grace").startswith("Request #1 is already acknowledged by Grace Chen.")
    await say(bot, "grace", "/support comment 1 " + "x" * 2001)
    assert chat.last("grace").startswith("That is longer than 2000 characters")
    await say(bot, "li", "/support resolve x")
    assert chat.last("li").startswith("x 不是请求编号。")
    await say(bot, "li", "/support ack 1")  # Alice's request: not Li's to know of
    assert chat.last("li").startswith("没有你可以查看的支持请求 #1。")
    await say(bot, "li", "/support ack 42")
    assert chat.last("li").startswith("没有你可以查看的支持请求 #42。")
    [req] = requests(bot)
    assert req.status == "acknowledged" and req.comments == []


async def test_the_gm_assigns_a_request_to_a_department(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Legal", "5",
                                    "Need help from legal and product", "Visit 5", "4"])
    [req] = requests(bot)
    assert req.department is None  # names no department it knows
    await say(bot, "alice", "/support assign 1 marketing")  # her own: she may see it
    assert chat.last("alice").startswith("Only the GM can assign request #1")
    await say(bot, "grace", "/support assign 1 mkt")
    assert chat.last("grace") == "#1 now goes to Marketing; its owners are told."
    assert chat.last("sam").startswith("🆘 New support request #1 Help from another "
                                       "department → Marketing")
    await say(bot, "sam", "/support comment 1 On it")
    assert chat.last("alice").endswith("(Help from another department): On it")
    # Alice heard where her request went (she was told nothing of the move before).
    assert chat.to("alice")[-2] == (
        "➡️ Grace Chen passed your support request #1 (Help from another department) to "
        "Marketing.")


async def test_a_request_moved_to_another_department_tells_the_one_it_left(bot, chat):
    """Moved from Marketing to Finance: Marketing's owner was never told it was no longer
    theirs (and kept working on it), nor Alice where it went."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Legal", "5",
                                    "Need a deck from marketing", "Visit 5", "4"])
    [req] = requests(bot)
    assert req.department == "marketing"
    await say(bot, "grace", "/support assign 1 finance")
    assert chat.last("grace") == "#1 now goes to Finance; its owners are told."
    assert chat.last("sam") == (
        "➡️ Grace Chen passed #1 (Alice Martin, Help from another department) to Finance: "
        "it is no longer yours to handle.")
    assert chat.last("vera").startswith("🆘 New support request #1")
    assert chat.last("alice") == (
        "➡️ Grace Chen passed your support request #1 (Help from another department) to "
        "Finance.")
    # The same department again moves nothing and tells nobody.
    before = len(chat.sent)
    await say(bot, "grace", "/support assign 1 finance")
    assert [m.target.address for m in chat.sent[before:]] == ["grace"]
    # Li (Chinese) reads it in Chinese.
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["52000", "新签两家", "渠道冲突", "5", "需要市场部做一份材料",
                                 "拜访三家", "4"])
    await say(bot, "grace", "/support assign 2 finance")
    assert chat.last("li") == "➡️ Grace Chen 已将你的支持请求 #2（其他部门的协助）转给 财务部。"


async def test_cli_lists_open_requests_as_markdown_json_and_csv(bot, chat, settings):
    await alice_asks_for_budget(bot)
    # The command reads its own clock (SystemClock) and counts calendar days in the org's timezone:
    # opened at noon there, eight days before today there (not "now less 8 days and an
    # hour", which is nine calendar days back in the first hour after midnight).
    tz = ZoneInfo(bot.org.timezone)
    today = SystemClock().now().astimezone(tz).date()
    with bot.unit() as ctx:
        ctx.session.get(SupportRequest, 1).opened_at = datetime.combine(
            today - timedelta(days=8), time(12), tz).astimezone(UTC)
    code, out = run_cli(settings, "support", "--format", "json")
    assert code == 0
    data = valid("support", out)
    [item] = data["requests"]
    assert data["ageing_days"] == 5
    assert (item["id"], item["requester"], item["type"], item["department"], item["status"],
            item["ageing"]) == (1, "alice", "budget", "finance", "open", True)
    code, out = run_cli(settings, "support", "--format", "csv")
    [row] = csv_records(out)
    assert row["detail"] == "Travel budget" and row["age_days"] == "8"
    code, out = run_cli(settings, "support")
    assert code == 0 and "#1" in out and "Travel budget" in out and "ageing" in out
    assert "| # | requester | type | department | week | age (days) | status | detail |" in out
    # A GM who reads Chinese gets the table in Chinese, as /support reads to them.
    code, zh = run_cli(settings, "support", "--locale", "zh-CN")
    assert code == 0
    assert "| 编号 | 提出人 | 类型 | 部门 | 周 | 已开天数 | 状态 | 详情 |" in zh
    assert "8 ⚠️ 已积压 | 待处理 | Travel budget |" in zh
    assert "⚠️ 已积压：待处理 5 天或以上。" in zh
    with bot.unit() as ctx:  # a detail with a pipe and a line break stays in its cell
        request = ctx.session.get(SupportRequest, 1)
        for typed in [request, *request.weeks]:
            typed.detail = "Travel | budget\nfor Q1"
    code, out = run_cli(settings, "support")
    assert "| open | Travel \\| budget for Q1 |\n" in out
    with bot.unit() as ctx:  # a detail typed as a formula is shown, not run, by a spreadsheet
        request = ctx.session.get(SupportRequest, 1)
        for typed in [request, *request.weeks]:
            typed.detail = "=HYPERLINK(\"http://x\")"
    code, out = run_cli(settings, "support", "--format", "csv")
    [row] = csv_records(out)
    assert row["detail"] == "'=HYPERLINK(\"http://x\")"


def test_check_org_explains_bad_departments(tmp_path):
    text = TEST_ORG.read_text(encoding="utf-8") + """
departments:
  - key: Finance Dept
    owners: [nobody]
    handles: [budget, money]
  - key: hr
    handles: [budget]
"""
    with pytest.raises(OrgError) as err:
        parse_org(text)
    problems = "\n".join(err.value.problems)
    assert "departments[0] ('Finance Dept'): key must be lower-case letters" in problems
    assert "departments[0] ('Finance Dept'): owner 'nobody' is not a person in this file" \
        in problems
    assert "handles 'money' is not a support type (use budget, training, people, department)" \
        in problems
    assert "departments[1] ('hr'): support type 'budget' is already handled by department " \
           "'Finance Dept'" in problems
    path = write_org(tmp_path, "support:\n  ageing_days: 0\n")
    code, _ = run_cli(replace_settings(path), "check-org")
    assert code == 2


@pytest.mark.parametrize(("extra", "problem"), [
    ("departments:\n  - {key: finance, handles: [budget]}\n"
     "  - {key: finance, handles: [training]}\n",
     "departments[1] ('finance'): duplicate department key"),
    ("support:\n  ageing_days: 0\n",
     "support: ageing_days: Input should be greater than or equal to 1"),
    ("support:\n  ageing_days: 366\n",
     "support: ageing_days: Input should be less than or equal to 365")])
def test_a_repeated_department_key_and_an_ageing_days_outside_1_to_365_are_refused(
        extra, problem):
    """README: check-org rejects, with one line each, a repeated key and an ageing_days
    outside 1–365 (among the rest); 365 itself is taken."""
    base = TEST_ORG.read_text(encoding="utf-8")
    with pytest.raises(OrgError) as err:
        parse_org(base + extra)
    assert err.value.problems == [problem]
    assert parse_org(base + "support:\n  ageing_days: 365\n").support.ageing_days == 365


def test_check_org_lists_the_departments(tmp_path):
    code, out = run_cli(replace_settings(write_org(tmp_path)), "check-org")
    assert code == 0
    assert "departments (support requests ageing after 5 days):" in out
    assert "finance      Finance — owners: vera; handles: budget" in out
    assert "marketing    Marketing — owners: sam; handles: requests that name it" in out


def replace_settings(path: Path):
    from bot.config import Settings
    return Settings(database_url="sqlite://", org_file=path)


async def test_export_and_erase_cover_support_requests(bot, chat, settings):
    await alice_asks_for_budget(bot)
    await say(bot, "grace", "/support comment 1 Talking to finance on Monday")
    code, out = run_cli(settings, "export", "alice")
    part = json.loads(out)["support_requests"]
    assert part["requested"][0]["detail"] == "Travel budget"
    assert part["requested"][0]["comments"][0]["text"] == "Talking to finance on Monday"
    code, out = run_cli(settings, "erase", "alice", "--yes")
    assert code == 0 and "support: the words of 1 request and their comments" in out
    [req] = requests(bot)
    assert req.detail == "" and req.weeks[0].detail == "" and req.comments[0].text == ""
    assert (req.kind, req.status) == ("budget", "open")  # the figures stay
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count(SupportRequest.id))) == 1


async def test_the_monthly_review_shows_how_requests_were_resolved_and_the_honour_roll(
        bot, chat, clock):
    from tests.test_kudos import kudo

    clock.set(FRIDAY_W47)
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)  # budget: resolved a day later
    clock.advance(timedelta(days=1))
    await say(bot, "grace", "/support resolve 1 Approved")
    clock.set(FRIDAY_W47 + timedelta(days=7))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Pricing", "3",
                                    "Negotiation course", "Visit 5", "4"])
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    clock.advance(timedelta(days=3))
    await say(bot, "vera", "/support comment 2 not mine")  # not finance's: refused
    await say(bot, "grace", "/support resolve 2 Booked for January")
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)  # still open when November ends
    chat.clear()
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[0]
    assert ("Support requested\n"
            "• 2026-W47: #1 Budget → Finance — Travel budget — resolved 2026-11-21 in 1 day: "
            "Approved\n"
            "• 2026-W48: #2 Training — Negotiation course — resolved 2026-11-30 in 3 days: "
            "Booked for January\n"
            "Resolution time: median 2 days, longest 3 days.") in review
    assert "Recognition: 1 kudo received." in review
    assert "🏆 Honour roll — November 2026" in review and "Alice Martin — 1 kudo\n" in review
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "#3 其他部门的协助 → 市场部 —— 需要市场部做一份方案 —— 月末仍待处理（0 天）" in li
    assert "荣誉榜" in li
    # Once a month: the job firing again sends nothing more.
    count = len(chat.sent)
    assert await bot.run_monthly_review()
    assert len(chat.sent) == count


async def test_the_gm_reads_one_resolution_time_in_the_monthly_review_and_in_support(
        bot, chat, clock):
    """Alice asks for a budget at 22:30 on a Friday evening (New York, hers and the GM's)
    and Grace resolves it at 07:00 the next morning. `/support 1` said "after 1 day" (the
    calendar days the README promises) and the GM's `/monthly 2026-11 alice` "in 0.4 days"
    (24-hour periods), its median and longest too: one count for both, the calendar's."""
    clock.set(datetime(2026, 11, 21, 3, 30, tzinfo=UTC))  # Friday 22:30 in New York
    await alice_asks_for_budget(bot)
    clock.set(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))  # Saturday 07:00 in New York
    await say(bot, "grace", "/support resolve 1 Approved")
    clock.set(DEC_1_9AM_NY)
    await say(bot, "grace", "/support 1")
    assert "Resolved by Grace Chen on 2026-11-21 (after 1 day): Approved" in chat.last("grace")
    await say(bot, "grace", "/monthly 2026-11 alice")
    review = chat.last("grace")
    assert "#1 Budget → Finance — Travel budget — resolved 2026-11-21 in 1 day: Approved" \
        in review
    assert "Resolution time: median 1 day, longest 1 day." in review


async def test_a_request_resolved_the_day_it_was_opened_reads_so_in_the_monthly_review(
        bot, chat, clock):
    """Resolved the same evening: "the day it was opened", as `/support N` says it, not
    "in 0 days" (nor the 0.1 days of 24-hour periods); in Chinese 当天解决."""
    clock.set(datetime(2026, 11, 20, 14, 0, tzinfo=UTC))  # Friday 09:00 in New York
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(minutes=50))  # 22:50 in Shanghai, Li's: her day too
    await say(bot, "grace", "/support resolve 1 Approved")
    await say(bot, "grace", "/support resolve 2 好的")
    clock.set(DEC_1_9AM_NY)
    await say(bot, "grace", "/support 1")
    assert "on 2026-11-20 (the day it was opened): Approved" in chat.last("grace")
    await say(bot, "grace", "/monthly 2026-11 alice")
    assert "— Travel budget — resolved 2026-11-20, the day it was opened: Approved" \
        in chat.last("grace")
    assert "Resolution time: median 0 days, longest 0 days." in chat.last("grace")
    assert await bot.run_monthly_review()
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "—— 需要市场部做一份方案 —— 2026-11-20 当天解决：好的" in li


async def test_a_request_open_all_month_is_in_the_months_review_as_summary_flags_it(
        bot, chat, clock):
    """Alice asks for a budget at the end of October and not again: her November check-in
    needs no support, which closes nothing. All November /summary flags the request as
    ageing, but November's review, listing only requests asked, opened or resolved in the
    month, left it out: nothing "still open at the month's end", and the GM's overview
    counted no open request. Open in the month is in the month's review, in English and
    Chinese (Li asked Marketing in October too)."""
    clock.set(datetime(2026, 10, 30, 21, 0, tzinfo=UTC))  # Friday of 2026-W44
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # Friday of 2026-W48
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Pricing", "1",
                                    "Visit 5", "4"])  # no support needed this time
    chat.clear()
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert "• 2026-W44: #1 Budget → Finance — Travel budget — still open at the " \
        "month's end (32 days)" in review
    overview = next(t for t in chat.to("grace") if "Alice Martin · East" in t)
    assert "Alice Martin · East — check-ins 1 of 1 · Revenue 104% · New customers 75% · " \
        "⚠ 1 support request open" in overview
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "2026-W44：#2 其他部门的协助 → 市场部 —— 需要市场部做一份方案 —— 月末仍待处理" \
        "（31 天）" in li  # Shanghai: asked on 31 October there
    await say(bot, "grace", "/summary")
    assert "Alice Martin: support request open 31 days (Budget)" in chat.last("grace")
    # October's review has it as October left it; a month before it was asked, nothing.
    await say(bot, "grace", "/monthly 2026-10 alice")
    assert "#1 Budget → Finance — Travel budget — still open at the month's end (2 days)" \
        in chat.last("grace")
    await say(bot, "grace", "/monthly 2026-09 alice")
    assert "#1" not in chat.last("grace")


async def test_an_owner_acting_on_their_own_request_is_not_told_they_left_the_org(
        bot, chat):
    """Alice owns Finance and asks it for a budget; she acknowledges and resolves her own
    request, as its department's owner may. The reply said "Alice Martin is no longer in
    the org file and is not told" (read as a requester who left): it says who hears of
    it, the GM, and the department's other owners when it has some (Li, asking
    Marketing, which Sam owns with her), in English and Chinese."""
    edit_org(bot, write_org_text(DEPARTMENTS.replace("owners: [vera]", "owners: [alice]")
                                 .replace("owners: [sam]", "owners: [sam, li]")))
    await alice_asks_for_budget(bot)
    await say(bot, "alice", "/support ack 1")
    assert chat.last("alice") == "✅ Acknowledged #1; the GM is told."
    await say(bot, "alice", "/support resolve 1 Found it in the travel line")
    assert chat.last("alice") == "✅ Resolved #1 the day it was opened; the GM is told."
    assert chat.last("grace") == \
        "Alice Martin resolved #1 (Alice Martin, Budget): Found it in the travel line"
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "li", "/support 确认 2")
    assert chat.last("li") == "✅ 已确认 #2，已通知总经理和市场部。"
    assert chat.last("sam") == "李雷 acknowledged #2 (李雷, Help from another department)."
    await say(bot, "li", "/support 解决 2 方案已完成")
    assert chat.last("li") == "✅ 已解决 #2，当天解决，已通知总经理和市场部。"


async def test_editing_the_type_moves_the_week_to_a_request_of_that_type(bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "3")  # training instead of budget; the detail is kept
    first, second = requests(bot)
    assert (first.kind, first.status, first.weeks) == ("budget", "withdrawn", [])
    assert (second.kind, second.status, second.detail, second.department) == (
        "training", "open", "Travel budget", None)
    assert any("support request #1 (Budget) is no longer needed" in t
               for t in chat.to("vera"))
    assert chat.last("grace").startswith("🆘 New support request #2 Training — Alice Martin")
    # Editing again to the same type changes nothing more.
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "3")
    assert len(requests(bot)) == 2


async def test_support_needed_after_all_is_tracked_even_before_its_detail_comes(bot, chat):
    """Alice's check-in said no support; on Monday she edits it to budget and, asked for the
    detail, pauses. Her answer read "Budget" and the GM's /summary "Support: Budget — open",
    while /support said "No open support requests. 🎉" and nobody was told: no request was
    tracked until the detail came, which may be never."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Pricing pushback", "1",
                                    "Visit 5", "4"])
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "2")  # budget after all
    assert "Tell me more" in chat.last("alice")
    assert any("Your request for Budget (Finance) is tracked as #1" in t
               for t in chat.to("alice"))
    await say(bot, "alice", "/pause")
    [req] = requests(bot)
    assert (req.kind, req.detail, req.department, req.status) == (
        "budget", "", "finance", "open")
    assert chat.last("vera").startswith("🆘 New support request #1 Budget → Finance — "
                                        "Alice Martin, 2026-W48\n")
    await say(bot, "grace", "/support")
    assert "#1 Budget → Finance — Alice Martin, 2026-W48 · open, today" in chat.last("grace")
    await say(bot, "grace", "/summary")
    assert "Support: #1 Budget (Finance) — open, opened today" in chat.last("grace")
    # The detail, given later, is the request's: edited, not a second request.
    await say(bot, "alice", "/edit 6")
    await say(bot, "alice", "Travel budget for the Milan fair")
    [req] = requests(bot)
    assert req.detail == "Travel budget for the Milan fair"
    assert "edited support request #1 (2026-W48): Travel budget for the Milan fair" \
        in chat.last("vera")


async def test_help_needed_after_all_goes_to_the_department_its_detail_names(bot, chat):
    """Li's check-in said no support; he edits it to help from another department, tracked
    at once (the GM's until a department is named), then names Marketing in the detail.
    It is the same request, now Marketing's: not withdrawn as "no longer needed" and
    opened again as #2, Li told of two requests for one need."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["61000", "大客户签约", "审批慢", "1", "拜访 3 家", "4"])
    await say(bot, "li", "/edit 4")
    await say(bot, "li", "5")
    assert chat.last("grace").startswith("🆘 New support request #1 Help from another "
                                         "department — 李雷, 2026-W48\n")
    await say(bot, "li", "需要市场部做一份方案")
    [req] = requests(bot)
    assert (req.department, req.detail, req.status) == ("marketing", "需要市场部做一份方案",
                                                        "open")
    assert chat.last("grace") == "✏️ 李雷 edited support request #1 (2026-W48): 需要市场部做一份方案"
    assert chat.last("sam").startswith(
        "🆘 New support request #1 Help from another department → Marketing — 李雷, "
        "2026-W48: 需要市场部做一份方案")
    assert sum("#1" in t for t in chat.to("sam")) == 1
    assert not any("withdrawn" in t for t in chat.to("grace"))
    assert [t for t in chat.to("li") if "支持请求已登记" in t] == [
        "你关于「其他部门的协助」的支持请求已登记，编号 #1。确认、评论和解决时我都会在这里通知你；"
        "用 /support 查看。"]
    assert chat.last("li") == "已保存。你 2026-W48 的签到已更新。"


async def test_the_requester_reads_one_request_with_its_comments(bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "vera", "/support comment 1 Which event is it for?")
    await say(bot, "alice", "/support 1")
    assert chat.last("alice") == ("#1 Budget → Finance — Alice Martin, 2026-W48: Travel budget\n"
                                  "Status: open, opened today\n"
                                  "• Vera Ops, 2026-11-27: Which event is it for?")
    await say(bot, "li", "/support 1")
    assert chat.last("li").startswith("没有你可以查看的支持请求 #1。")


async def test_one_request_says_who_acknowledged_and_who_resolved_it_when(bot, chat, clock):
    """`/support N` of a resolved request said "resolved, opened 9 days ago" and the note:
    not who resolved it, nor when, so not whether it took a day or nine."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "sam", "/support ack 1")
    await say(bot, "grace", "/support 1")
    assert chat.last("grace").split("\n")[1] == "Status: acknowledged by Sam Lee, opened today"
    clock.advance(timedelta(days=2))
    await say(bot, "sam", "/support resolve 1 Deck sent")
    clock.advance(timedelta(days=7))
    await say(bot, "grace", "/support 1")
    assert chat.last("grace").split("\n")[1:] == [
        "Status: resolved, opened 9 days ago",
        "Resolved by Sam Lee on 2026-11-29 (after 2 days): Deck sent"]
    await say(bot, "li", "/support 1")
    # Li reads the day in Shanghai, where it was already the 30th.
    assert chat.last("li").split("\n")[1:] == ["状态：已解决，9 天前提出",
                                               "Sam Lee 于 2026-11-30 解决（用时 2 天）：Deck sent"]


async def test_a_request_with_no_department_and_a_closed_ones_day_read_right(bot, chat):
    """The requester's comment on a request no department handles tells "the GM is told"
    (not "the GM are told"); acting on a closed request names the day it closed in the
    reader's calendar (Shanghai's 28th, not UTC's 27th)."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "Closed Acme", "Pricing pushback",
                                    "training", "Negotiation course", "Visit 5", "4"])
    await say(bot, "alice", "/support comment 1 Ideally in January")
    assert chat.last("alice") == "💬 Comment added to #1; the GM is told."
    await say(bot, "grace", "/support resolve 1 Booked")
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/support resolve 2 方案已发")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
        ctx.people.by_key("grace").timezone = "Asia/Shanghai"
    # Resolved at 21:00 UTC on the 27th: 05:00 on the 28th in Shanghai. (The reply read
    # "已已解决" too: "already" twice.)
    await say(bot, "grace", "/support resolve 2 again")
    assert chat.last("grace") == ("请求 #2 的状态已是「已解决」（自 2026-11-28 起），"
                                  "没有做任何更改。")


@pytest.mark.parametrize("typed", ["²", "①", "99999999999999999999999"])
async def test_a_number_that_is_not_a_request_number_gets_an_answer_not_an_error(
        bot, chat, typed):
    # A superscript digit passes str.isdigit() but not int(); a huge number overflows the
    # database's integer: both used to end in "something went wrong".
    await alice_asks_for_budget(bot)
    await say(bot, "grace", f"/support {typed}")
    assert chat.last("grace").startswith(("Usage: /support", "There is no support request"))
    await say(bot, "grace", f"/support resolve {typed} done")
    assert chat.last("grace").startswith((f"{typed} is not a request number.",
                                          f"There is no support request #{typed}"))
    [req] = requests(bot)
    assert req.status == "open"


async def test_full_width_digits_from_a_chinese_keyboard_name_the_request(bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "grace", "/support ack １")
    assert chat.last("grace") == "✅ Acknowledged #1; Alice Martin is told."


async def test_the_requester_answers_a_handlers_question_and_the_handlers_hear_it(
        bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "vera", "/support comment 1 Which event is it for?")
    assert chat.last("alice").endswith("Which event is it for?")
    await say(bot, "alice", "/support comment 1 The March trade fair in Lyon")
    assert chat.last("alice") == "💬 Comment added to #1; the GM and Finance are told."
    assert chat.last("vera") == ("Alice Martin on #1 (Alice Martin, Budget): "
                                 "The March trade fair in Lyon")
    assert chat.last("grace").endswith("The March trade fair in Lyon")
    [req] = requests(bot)
    assert [c.text for c in req.comments] == ["Which event is it for?",
                                              "The March trade fair in Lyon"]
    assert req.status == "open"  # a comment of hers does not acknowledge it
    # Acknowledging and resolving stay the handlers': she is told so, nothing changes.
    for typed in ("/support ack 1", "/support resolve 1 sorted"):
        await say(bot, "alice", typed)
        assert "It is your own request" in chat.last("alice")
    assert requests(bot)[0].status == "open"
    # Once resolved, her comment is refused like anyone's.
    await say(bot, "vera", "/support resolve 1 Approved")
    await say(bot, "alice", "/support comment 1 thanks!")
    assert chat.last("alice").startswith("Request #1 is already resolved")
    assert len(requests(bot)[0].comments) == 2


async def test_a_chinese_requesters_comment_is_confirmed_in_chinese(bot, chat):
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    [req] = requests(bot)
    await say(bot, "li", f"/support comment {req.id} 是为了三月的展会")
    assert chat.last("li") == f"💬 已在 #{req.id} 添加评论，已通知总经理和市场部。"


async def test_control_characters_in_a_note_are_dropped_not_stored(bot, chat):
    # A NUL (which PostgreSQL refuses to store) and a terminal escape pasted into a note:
    # the note is saved without them, as check-in answers are.
    await alice_asks_for_budget(bot)
    await say(bot, "grace", "/support comment 1 Asked fin\x00ance \x1b[31mtoday\x1b[0m")
    assert chat.last("alice").endswith("(Budget): Asked finance today")
    await say(bot, "grace", "/support resolve 1 Appro\x00ved\x07")
    [req] = requests(bot)
    assert req.status == "resolved" and req.resolution == "Approved"
    assert [c.text for c in req.comments] == ["Asked finance today"]


async def test_support_and_the_summary_agree_on_a_requests_age_and_the_ageing_flag(
        bot, chat, clock):
    await alice_asks_for_budget(bot)
    with bot.unit() as ctx:  # asked Friday 23:30 in New York, the GM's timezone
        ctx.session.get(SupportRequest, 1).opened_at = datetime(2026, 11, 28, 4, 30, tzinfo=UTC)
    # Wednesday 00:30 in New York: 4 days and an hour later, the 5th calendar day after
    # (the test org flags a request as ageing at 5 days).
    clock.set(datetime(2026, 12, 2, 5, 30, tzinfo=UTC))
    await say(bot, "grace", "/support")
    assert "5 days ⚠️ ageing" in chat.last("grace")
    await say(bot, "grace", "/summary 2026-W49")
    assert "Alice Martin: support request open 5 days (Budget)" in chat.last("grace")


async def test_summary_and_support_agree_a_request_counts_once_the_check_in_is_in(
        bot, chat, settings):
    """Alice answered the support question but has not finished her check-in: /summary
    listed "Budget: Travel budget — open" while /support and `teampulse support` said there
    was none. One rule for all three: a request is listed once its check-in is submitted."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:6])  # up to the support detail
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "in progress (6 of 8 answered)" in summary
    assert "Travel budget" not in summary
    await say(bot, "grace", "/support")
    assert "No open support requests" in chat.last("grace")
    code, out = run_cli(settings, "support", "--format", "json")
    assert code == 0 and json.loads(out)["requests"] == []
    await answer_all(bot, "alice", ALICE_ANSWERS[6:])  # submitted
    await say(bot, "grace", "/summary")
    assert "Support: #1 Budget: Travel budget (Finance) — open" in chat.last("grace")
    await say(bot, "grace", "/support")
    assert "Travel budget" in chat.last("grace")
    code, out = run_cli(settings, "support", "--format", "json")
    assert [r["id"] for r in json.loads(out)["requests"]] == [1]


async def test_the_team_view_lists_a_support_request_once_the_check_in_is_in(bot, chat):
    """Alice has answered the support question of a check-in she has not finished:
    /support, the GM's /summary and her one-on-one agenda know of no request yet, but
    `/summary team East` listed "Support requests • Alice Martin — Budget: Travel budget"
    (and over several weeks "— support: …"). Listed once it is submitted, as they do."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:6])  # up to the support detail
    await say(bot, "grace", "/support")
    assert "No open support requests" in chat.last("grace")
    await say(bot, "grace", "/summary team East")
    assert "Support requests\nNone this week." in chat.last("grace")
    await say(bot, "grace", "/summary team East last 2w")
    assert "Travel budget" not in chat.last("grace")
    await answer_all(bot, "alice", ALICE_ANSWERS[6:])  # submitted
    await say(bot, "grace", "/summary team East")
    assert "Support requests\n• Alice Martin — Budget: Travel budget" in chat.last("grace")
    await say(bot, "grace", "/summary team East last 2w")
    assert "— support: Budget: Travel budget" in chat.last("grace")


async def test_an_edit_after_the_request_was_resolved_is_not_lost(bot, chat):
    # Finance approved Alice's travel budget; on Monday she edits her check-in: she now
    # needs it for two people. Before, the resolved request's detail was changed in
    # silence: nobody was told, and '/support' listed nothing open.
    await alice_asks_for_budget(bot)
    await say(bot, "grace", "/support resolve 1 Approved, 3k")
    await say(bot, "alice", "/edit 6")
    await say(bot, "alice", "Travel budget for two people to the Milan fair")
    reqs = requests(bot)
    assert [(r.id, r.status, r.detail) for r in reqs] == [
        (1, "resolved", "Travel budget"),
        (2, "open", "Travel budget for two people to the Milan fair")]
    assert chat.last("grace").startswith("🆘 New support request #2 Budget → Finance — "
                                         "Alice Martin, 2026-W48: Travel budget for two "
                                         "people to the Milan fair")
    assert any("tracked as #2" in t for t in chat.to("alice"))
    await say(bot, "vera", "/support")
    assert "#2" in chat.last("vera")


async def test_asking_again_tells_each_handler_the_age_in_their_own_days(bot, chat, clock):
    # Li (Shanghai) asked Marketing for help on Friday 27 November (15:00 in Chicago, where
    # Sam, its owner, lives). She asks again when it is 00:30 on Saturday 5 December in New
    # York and still Friday the 4th, 23:30, in Chicago. Sam read 'open for 8 days' (New
    # York's calendar) in the notice, and 7 days in his own /support list.
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(datetime(2026, 12, 5, 5, 30, tzinfo=UTC))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["62000", "成绩", "无", "5", "还需要市场部的方案", "跟进", "4"])

    notice = next(t for t in reversed(chat.to("sam")) if "asks again" in t)
    assert "open for 7 days" in notice, notice
    await say(bot, "sam", "/support")
    assert "open, 7 days" in chat.last("sam")
    grace = next(t for t in reversed(chat.to("grace")) if "asks again" in t)
    assert "open for 8 days" in grace, grace  # in New York it is the 5th already


async def test_close_resolves_a_request_as_resolve_does(bot, chat):
    await alice_asks_for_budget(bot)
    await say(bot, "grace", "/support close 1 Budget approved, 5k")
    [req] = requests(bot)
    assert (req.status, req.resolution) == ("resolved", "Budget approved, 5k")
    assert "resolved your support request #1" in chat.last("alice")


@pytest.mark.parametrize("word", ["done", "关闭", "完成"])
async def test_done_and_the_chinese_close_words_resolve_as_resolve_does(bot, chat, word):
    """README's /support row: `close` or `done` is resolve; in Chinese also 解决, 关闭 or
    完成 (done, 关闭 and 完成 were untested)."""
    await alice_asks_for_budget(bot)
    await say(bot, "grace", f"/support {word} 1 Budget approved")
    [req] = requests(bot)
    assert (req.status, req.resolution) == ("resolved", "Budget approved")
    assert "resolved your support request #1" in chat.last("alice")


async def test_the_chinese_word_for_page_turns_the_page(bot, chat):
    """`页` for page, as README's /support row says."""
    await say(bot, "grace", "/support 页 2")
    assert chat.last("grace") == ("There is no page 2: the open support requests fill 1 "
                                  "page. The last one is /support.")


async def test_a_request_the_gm_passed_on_stays_there_when_edited_or_asked_again(
        bot, chat, clock):
    """Li asks Marketing for a deck; Grace passes it to Finance (who pays the agency). Li
    adds a deadline with /edit, and the week after asks again in the same words: each
    took the request back from Finance (Vera told it was "no longer needed and is
    withdrawn"), opened a second one to Marketing, and the week after a third beside it.
    The request stays Finance's, edited, then asked again."""
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/support assign 1 finance")
    await say(bot, "li", "/edit 5")
    await say(bot, "li", "需要市场部做一份方案，周五前")
    [req] = requests(bot)
    assert (req.department, req.status, req.detail) == (
        "finance", "open", "需要市场部做一份方案，周五前")
    assert chat.last("vera") == ("✏️ 李雷 edited support request #1 (2026-W48): "
                                 "需要市场部做一份方案，周五前")
    assert chat.last("sam").startswith("➡️ Grace Chen passed #1")  # nothing new for Sam
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    [req] = requests(bot)
    assert (req.department, req.repeats, req.last_week) == ("finance", 1, "2026-W49")
    assert chat.last("vera").startswith("🔁 李雷 asks again in 2026-W49 for #1")


async def test_replies_say_who_is_told_when_an_owner_or_the_requester_has_left(bot, chat):
    """Vera, Finance's only owner, leaves the org file; so does Bruno after asking for
    budget. Alice's comment on her Finance request read "the GM and Finance are told"
    (only the GM was), the GM passing Li's request to Finance read "its owners are told"
    (there are none: it is still hers), passing it there again said the same though
    nothing moved, and resolving Bruno's read "Bruno Rossi is told" (he never is)."""
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["bruno"])
    await answer_all(bot, "bruno", ["41000", "Won Milan", "none", "2", "Fair stand", "Visit 2",
                                    "4"])
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    assert [(r.requester_id is not None, r.department) for r in requests(bot)] == [
        (True, "finance"), (True, "finance"), (True, "marketing")]
    text = write_org_text(DEPARTMENTS.replace("owners: [vera]", "owners: []"))
    for who in ("vera", "bruno"):
        start = text.index(f"  - key: {who}\n")
        text = text[:start] + text[text.index("  - key: ", start + 1):]
    edit_org(bot, text.replace("summary_viewers: [vera]", "summary_viewers: []"))
    await say(bot, "alice", "/support comment 1 It is for the March trade fair")
    assert chat.last("alice") == "💬 Comment added to #1; the GM is told."
    await say(bot, "li", "/support 评论 3 周五前需要")
    assert chat.last("li") == "💬 已在 #3 添加评论，已通知总经理和市场部。"  # Sam still owns it
    await say(bot, "grace", "/support assign 3 finance")
    assert chat.last("grace") == ("#3 now goes to Finance, which has no owner in the org "
                                  "file: it is still yours to handle.")
    await say(bot, "grace", "/support assign 3 finance")
    assert chat.last("grace") == "#3 already goes to Finance; nothing was changed."
    await say(bot, "grace", "/support resolve 2 Stand booked")
    assert chat.last("grace") == ("✅ Resolved #2 the day it was opened; Bruno Rossi is no "
                                  "longer in the org file and is not told.")
    await say(bot, "grace", "/support resolve 1 Approved")
    assert chat.last("grace") == "✅ Resolved #1 the day it was opened; Alice Martin is told."
    await say(bot, "li", "/support 评论 3 谢谢")
    assert chat.last("li") == "💬 已在 #3 添加评论，已通知总经理。"


def write_org_text(extra: str) -> str:
    """The test org's text with `extra` (departments) added."""
    return TEST_ORG.read_text(encoding="utf-8") + extra


async def test_three_weeks_of_one_need_read_alike_in_the_digest_and_summary(bot, chat, clock):
    """Alice asks for the travel budget three weeks running; Li asks Marketing for a deck,
    then answers "no support needed". Grace reads in Chinese. One request each, still
    open (Li's was not withdrawn: only an edit of the week that asked withdraws one), the
    same lines in Monday's digest and in /summary of the week, and the department named
    in her language: both read "（finance）", the org file's key, not 财务部."""
    await say(bot, "grace", "/language 中文")
    alice_again = ["50000", "4", "Won Globex", "No blockers", "2",
                   "Still need the travel budget", "Call 3", "3"]
    for week in range(3):
        await bot.run_checkins(["alice", "li"])
        await answer_all(bot, "alice", ALICE_ANSWERS if week == 0 else alice_again)
        await answer_all(bot, "li", LI_ANSWERS if week == 0 else
                         ["61000", "大客户签约", "审批慢", "1", "拜访 3 家", "4"])
        clock.advance(timedelta(days=7))
    budget, deck = requests(bot)
    assert (budget.repeats, budget.last_week, budget.status) == (2, "2026-W50", "open")
    assert (deck.repeats, deck.status) == (0, "open")
    clock.set(datetime(2026, 12, 14, 13, 0, tzinfo=UTC))  # Monday 08:00 in New York
    await bot.run_digests()
    (digest,) = digests(chat, "grace")
    await say(bot, "grace", "/summary 2026-W50")
    summary = chat.last("grace")

    def support(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("支持：")]

    assert support(digest) == support(summary) == [  # (Li's need first: another department)
        "支持：#2 其他部门的协助：需要市场部做一份方案（市场部） — 未处理，已 17 天",
        "支持：#1 预算：Still need the travel budget（财务部） — 未处理，已 17 天",
        "支持：没有未处理的请求"]


# A request opened late on a Monday in New York (the GM's timezone and, by default, the
# org's): 22:00 on 28 December 2026, already Tuesday in UTC.
MON_DEC_28_10PM_NY = datetime(2026, 12, 29, 3, 0, tzinfo=UTC)
# Friday 1 January 2027, 09:30 in New York: December's reviews went out at 09:00.
FRI_JAN_1_930AM_NY = datetime(2027, 1, 1, 14, 30, tzinfo=UTC)
AGEING_4_DAYS = DEPARTMENTS.replace("ageing_days: 5", "ageing_days: 4")


def ageing_at_4_days(bot) -> None:
    """The org file flags a request at 4 days: Monday to Friday."""
    edit_org(bot, write_org_text(AGEING_4_DAYS))


async def test_a_requests_age_reads_the_same_in_the_review_the_summary_and_support(
        bot, chat, clock):
    """Alice asks for a budget on Monday 28 December at 22:00 (New York, where she and the
    GM live); on Friday morning December's review went out. The review counted the age
    to the month's end in 24-hour periods: "still open at the month's end (3 days)",
    while /summary and /support, counting calendar days, read 4 — and flagged it as
    ageing. Every view counts the reader's calendar days now, in English and Chinese."""
    ageing_at_4_days(bot)
    clock.set(MON_DEC_28_10PM_NY)
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(FRI_JAN_1_930AM_NY)
    assert await bot.run_monthly_review()
    review = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert "#1 Budget → Finance — Travel budget — still open at the month's end (4 days)" \
        in review
    await say(bot, "alice", "/support")
    assert "open, 4 days ⚠️ ageing" in chat.last("alice")

    await say(bot, "grace", "/monthly 2026-12 alice")
    assert "still open at the month's end (4 days)" in chat.last("grace")
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "Alice Martin: support request open 4 days (Budget)" in summary
    assert "Support: #1 Budget: Travel budget (Finance) — open, 4 days old" in summary
    await say(bot, "grace", "/support")
    assert "#1 Budget → Finance — Alice Martin, 2026-W53: Travel budget · open, " \
        "4 days ⚠️ ageing" in chat.last("grace")

    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/monthly 2026-12 alice")
    assert "月末仍待处理（4 天）" in chat.last("grace")
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "支持请求已开启 4 天（预算）" in summary
    assert "支持：#1 预算：Travel budget（财务部） — 未处理，已 4 天" in summary
    await say(bot, "grace", "/support")
    assert "待处理，4 天 ⚠️ 已积压" in chat.last("grace")

    # Li, in Shanghai, asked at the same moment, Tuesday 11:00 there: 3 days on her
    # calendar, in her review as in her /support (her own days, as each reader's are).
    li_review = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "月末仍待处理（3 天）" in li_review
    await say(bot, "li", "/support")
    assert "待处理，3 天" in chat.last("li") and "已积压" not in chat.last("li")


async def test_the_ageing_flag_and_the_age_agree_at_the_boundary(bot, chat, clock):
    """`ageing_days: 4`, a request opened Monday 22:00: at 23:30 on Thursday (3 calendar
    days) nothing is ageing and every view reads 3; half an hour after midnight it is
    Friday, the 4th calendar day (only 3 days and 2½ hours in 24-hour periods), and every
    view reads 4, and those that flag it do: /summary, /support, `teampulse support`'s
    list; the month's review reads the same days (this month's as it stands, then last
    month's at its end)."""
    ageing_at_4_days(bot)
    clock.set(MON_DEC_28_10PM_NY)
    await alice_asks_for_budget(bot)

    async def views() -> tuple[str, str, str, tuple[int, bool]]:
        await say(bot, "grace", "/monthly 2026-12 alice")
        review = chat.last("grace")
        await say(bot, "grace", "/summary")
        summary = chat.last("grace")
        await say(bot, "grace", "/support")
        with bot.unit() as ctx:  # what `teampulse support` prints
            [item] = open_items(ctx.session, as_of=bot.clock.now(), ageing_days=4,
                                timezone=bot.org.timezone)
        return review, summary, chat.last("grace"), (item.age_days, item.ageing)

    # The month in progress reads the age as it is now, not at the month's end to come
    # (it read "still open at the month's end (3 days)" at once, of a day not yet come).
    review, summary, listed, cli = await views()
    assert "still open (0 days so far)" in review and "month's end" not in review
    assert "open, opened today" in summary and "open, today" in listed
    assert cli == (0, False)

    clock.set(datetime(2027, 1, 1, 4, 30, tzinfo=UTC))  # Thursday 31 December, 23:30
    review, summary, listed, cli = await views()
    assert "still open (3 days so far)" in review
    assert "open, 3 days old" in summary and "support request open" not in summary
    assert "open, 3 days" in listed and "ageing" not in listed
    assert cli == (3, False)
    await say(bot, "grace", "/language 中文")  # the same in Chinese
    await say(bot, "grace", "/monthly 2026-12 alice")
    assert "仍待处理（至今 3 天）" in chat.last("grace") and "月末" not in chat.last("grace")
    await say(bot, "grace", "/language English")

    clock.set(datetime(2027, 1, 1, 5, 30, tzinfo=UTC))  # Friday 1 January, 00:30
    review, summary, listed, cli = await views()
    assert "still open at the month's end (4 days)" in review
    assert "Alice Martin: support request open 4 days (Budget)" in summary
    assert "open, 4 days ⚠️ ageing" in listed
    assert cli == (4, True)


async def test_a_request_from_a_director_who_left_stays_in_the_gms_summary_while_open(
        bot, chat, clock, settings):
    """Alice asks for a travel budget, then is taken out of the org file. The next week
    /support (and `teampulse support`) still listed #1, ageing, for the GM to answer,
    but that week's /summary had no word of it (nor its JSON), though `/summary last 2w`
    did: the company still owes it an answer, so the week's summary keeps her block for
    it, marked as no longer in the org file, until it is resolved; /support marks her so
    too (it named her as if she could still be asked)."""
    await alice_asks_for_budget(bot)  # 2026-W48
    text = write_org_text(DEPARTMENTS)
    start = text.index("  - key: alice\n")
    text = text[:start] + text[text.index("  - key: ", start + 1):]
    text = text.replace("manager: alice", "manager: grace")  # Sam's new manager
    settings.org_file.write_text(text, encoding="utf-8")
    edit_org(bot, text)
    clock.advance(timedelta(days=7))  # 2026-W49
    await bot.run_checkins(["bruno", "li"])
    await say(bot, "grace", "/support")
    assert "#1 Budget → Finance — Alice Martin (no longer in the org file since 2026-11-27), " \
        "2026-W48: Travel budget · open, 7 days ⚠️ ageing" in chat.last("grace")
    await say(bot, "grace", "/support 1")
    assert "— Alice Martin (no longer in the org file since 2026-11-27), 2026-W48" \
        in chat.last("grace")
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "Check-ins: 0 of 2 · missing: Bruno Rossi, 李雷" in summary  # nobody chases her
    assert "Alice Martin: support request open 7 days (Budget)" in summary
    # Since when (Grace's day), as `/summary alice` says it.
    assert "▫️ Alice Martin — no check-in sent · no longer in the org file since 2026-11-27\n" \
        in summary
    assert "Support: #1 Budget: Travel budget (Finance) — open, 7 days old" in summary
    code, out = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    [alice] = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    assert alice["left"] and [s["id"] for s in alice["support"]] == [1]
    assert alice["left_on"] == "2026-11-27"
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/support")
    assert "— Alice Martin（自 2026-11-27 起已不在组织文件中），2026-W48：Travel budget" \
        in chat.last("grace")
    await say(bot, "grace", "/summary")
    assert "▫️ Alice Martin — 未发送签到 · 自 2026-11-27 起已不在组织文件中\n" in chat.last("grace")
    assert "Alice Martin：支持请求已开启 7 天（预算）" in chat.last("grace")
    # Resolved: nothing left owed, and her block goes from the week's summary.
    await say(bot, "grace", "/support resolve 1 Approved before she left")
    await say(bot, "grace", "/summary")
    assert "Alice Martin" not in chat.last("grace")
    await say(bot, "grace", "/support")
    assert "没有未解决的支持请求" in chat.last("grace")


async def test_the_cli_export_marks_a_request_from_a_director_who_left(
        bot, chat, clock, settings):
    """Alice asks for a travel budget, then is taken out of the org file. /support marks
    her request "no longer in the org file", but `teampulse support` in CSV or JSON (what
    an operator hands to a spreadsheet or a script) gave no sign of it: the row read as a
    request from someone who could still be asked. Each row now says whether its
    requester has left (a field added; the others as they were), and the table marks
    her as /support does, in both languages."""
    await alice_asks_for_budget(bot)  # 2026-W48
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)  # Li stays: his request is not marked
    text = write_org_text(DEPARTMENTS)
    start = text.index("  - key: alice\n")
    text = text[:start] + text[text.index("  - key: ", start + 1):]
    text = text.replace("manager: alice", "manager: grace")  # Sam's new manager
    settings.org_file.write_text(text, encoding="utf-8")
    edit_org(bot, text)
    code, out = run_cli(settings, "support", "--format", "json")
    assert code == 0
    data = valid("support", out)
    assert [(r["requester"], r["requester_left"]) for r in data["requests"]] == [
        ("alice", True), ("li", False)]
    code, out = run_cli(settings, "support", "--format", "csv")
    assert code == 0
    rows = csv_records(out)
    assert [(r["requester"], r["requester_left"]) for r in rows] == [
        ("alice", "true"), ("li", "false")]
    assert list(rows[0])[:3] == ["id", "requester", "requester_name"]  # as before
    code, out = run_cli(settings, "support")
    assert "| Alice Martin (no longer in the org file since " in out, out
    assert "| 李雷 | " in out
    code, out = run_cli(settings, "support", "--locale", "zh-CN")
    assert " 起已不在组织文件中） | 预算 |" in out, out


async def test_the_cli_export_says_since_when_a_requester_is_out_of_the_org_file(
        bot, chat, clock, settings):
    """`teampulse support` said only that Alice's request came from someone no longer in
    the org file (`requester_left`): a spreadsheet of open requests could not tell a
    departure of last week from one of last year, which the GM's summary and its CSV name.
    The CSV has the day as a new last column (the columns before keep their places), the
    JSON as `requester_left_on`, the table and /support beside the mark: the GM's day, as
    `teampulse summary` says it, in both languages."""
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)
    # Friday 21:30 in New York (Grace's day), already Saturday in UTC (the org's zone).
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))
    text = write_org_text(DEPARTMENTS)
    start = text.index("  - key: alice\n")
    text = text[:start] + text[text.index("  - key: ", start + 1):]
    text = text.replace("manager: alice", "manager: grace")
    settings.org_file.write_text(text, encoding="utf-8")
    edit_org(bot, text)
    clock.advance(timedelta(days=3))

    code, out = run_cli(settings, "support", "--format", "csv")
    assert code == 0
    rows = csv_records(out)
    assert list(rows[0])[-3:] == ["week", "requester_left", "requester_left_on"]
    assert [(r["requester"], r["requester_left"], r["requester_left_on"]) for r in rows] == [
        ("alice", "true", "2026-11-27"), ("li", "false", "")]
    code, out = run_cli(settings, "support", "--format", "json")
    assert code == 0
    data = valid("support", out)
    assert [(r["requester"], r["requester_left_on"]) for r in data["requests"]] == [
        ("alice", "2026-11-27"), ("li", None)]
    code, out = run_cli(settings, "support")
    assert "| Alice Martin (no longer in the org file since 2026-11-27) | Budget |" in out, out
    code, out = run_cli(settings, "support", "--locale", "zh-CN")
    assert "| Alice Martin（自 2026-11-27 起已不在组织文件中） | 预算 |" in out, out
    await say(bot, "grace", "/support")
    assert "Alice Martin (no longer in the org file since 2026-11-27), 2026-W48" \
        in chat.last("grace"), chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/support")
    assert "Alice Martin（自 2026-11-27 起已不在组织文件中），2026-W48" in chat.last("grace"), \
        chat.last("grace")

    # Taken out before 0024_leftat recorded when: marked, with no day made up.
    from sqlalchemy import update

    from storage.models import Person
    with bot.unit() as ctx:
        ctx.session.execute(update(Person).where(Person.key == "alice").values(left_at=None))
    code, out = run_cli(settings, "support", "--format", "csv")
    assert [r["requester_left_on"] for r in csv_records(out)] == ["", ""]
    code, out = run_cli(settings, "support")
    assert "| Alice Martin (no longer in the org file) | Budget |" in out, out


# --- team members' requests in the GM's /summary -------------------------------------------

MEMBERS = "".join(
    f"  - {{key: m{i}, name: Member {i}, role: member, manager: alice, team: East, "
    f"timezone: America/New_York, locale: en, checks_in: true}}\n" for i in range(1, 7)) + (
    "  - {key: fang, name: 王芳, role: member, manager: li, team: China, "
    "timezone: Asia/Shanghai, locale: zh-CN, checks_in: true}\n")


async def test_the_gms_summary_shows_team_members_open_support_requests(
        settings, clock, tmp_path):
    """Team members who check in ask for support as directors do: the GM is told of each
    request and /support lists it, yet /summary, which promises "blockers and support
    requests", showed none of them (a director's block lists their own only). The first
    page now counts them and lists the oldest five, who asked in which team and which
    department it went to; /support has them all, and the CLI's export lists every one."""
    from handlers.summary_gm import build_gm_summary, render_gm
    from tests.support import bot_on_org

    org = tmp_path / "members.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", MEMBERS + "# Company values") + DEPARTMENTS, encoding="utf-8")
    friday_w48 = clock.now()
    with bot_on_org(settings, clock, org) as (bot, chat, cli_settings):
        clock.set(friday_w48 - timedelta(weeks=1))
        await bot.run_checkins(["m1"])
        await answer_all(bot, "m1", ["Won", "none", "2", "Trade fair budget", "Plan", "4"])
        clock.set(friday_w48)
        await bot.run_checkins(["m2", "m3", "m4", "m5", "m6", "fang", "alice"])
        for key in ("m2", "m3", "m4", "m5", "m6"):
            await answer_all(bot, key, ["Won", "none", "3", "Negotiation course", "Plan", "4"])
        await answer_all(bot, "fang", ["赢单", "无", "5", "需要市场部做一份方案", "计划", "4"])
        await answer_all(bot, "alice", ALICE_ANSWERS)  # #8: her own, in her block
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        head, alice = text.split("Alice Martin · team East")
        assert ("needs help from another department (opened today)\n\n"
                "Team members' support requests\n"
                "7 open, 1 ⚠️ ageing; the oldest 5:\n"
                "#1 Budget (Finance) — Member 1, team East — open, 7 days old ⚠️\n"
                "#2 Training — Member 2, team East — open, opened today\n") in head
        assert "#5 Training — Member 5, team East" in head and "Member 6" not in head
        assert head.endswith("and 2 more: /support lists them all, /support N shows one.\n\n")
        assert "Support: #8 Budget: Travel budget (Finance) — open" in alice
        assert "#8" not in head and "Trade fair budget" not in text  # no detail: /support N
        # Resolved, a request leaves the list; the rest all fit.
        await say(bot, "grace", "/support resolve 1 Approved")
        await say(bot, "grace", "/support resolve 2 Booked")
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        assert "Team members' support requests\n5 open:\n#3 Training — Member 3" in text
        assert ("#7 Help from another department (Marketing) — 王芳, team China — open, "
                "opened today\n/support N shows one with its detail.") in text
        # In Chinese, for a GM who reads it so.
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        assert "团队成员的支持请求\n5 项未处理：\n" \
            "#3 培训 — Member 3，East 团队 — 未处理，今天开启\n" in text
        assert "#7 其他部门的协助（市场部） — 王芳，China 团队 — 未处理，今天开启\n" \
            "/support 编号 查看一项及其详情。" in text
        # Every platform's markup, and the CLI's export with all of them.
        with bot.unit() as ctx:
            view = build_gm_summary(ctx, "en", "2026-W48", 1, "America/New_York", page=1)
            shown = {markup: render_gm(ctx.renderer, "en", markup, view, page=1)
                     for markup in ("slack", "telegram")}
        assert "*Team members' support requests*\n5 open:\n#3 Training — Member 3" \
            in shown["slack"] and "`/support N` shows one" in shown["slack"]
        assert "<b>Team members' support requests</b>\n5 open:\n#3 Training — Member 3" \
            in shown["telegram"] and "<code>/support N</code> shows one" in shown["telegram"]
        code, out = run_cli(cli_settings, "summary")
        assert code == 0 and "Team members' support requests" in out
        assert "#7 Help from another department (Marketing) — 王芳, team China" in out


async def test_the_gms_json_and_csv_exports_list_team_members_open_support_requests(
        settings, clock, tmp_path, monkeypatch):
    """A GM who exports the summary to share it (`teampulse summary --format json|csv`)
    got the directors' requests only: the team members' open ones that /summary in chat
    lists were left out. Both now list every one, oldest first, with who asked (key, name,
    team), type, department, detail, age and the ageing flag the chat shows; a resolved one
    is gone from both, as from the chat."""
    from tests.support import bot_on_org

    org = tmp_path / "members.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", MEMBERS + "# Company values") + DEPARTMENTS, encoding="utf-8")
    friday_w48 = clock.now()
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(settings, clock, org) as (bot, chat, cli_settings):
        clock.set(friday_w48 - timedelta(weeks=1))
        await bot.run_checkins(["m1"])
        await answer_all(bot, "m1", ["Won", "none", "2", "Trade fair budget", "Plan", "4"])
        clock.set(friday_w48)
        await bot.run_checkins(["m2", "fang", "alice"])
        await answer_all(bot, "m2", ["Won", "none", "3", "Negotiation course", "Plan", "4"])
        await answer_all(bot, "fang", ["赢单", "无", "5", "需要市场部做一份方案", "计划", "4"])
        await answer_all(bot, "alice", ALICE_ANSWERS)  # #4: hers, in her block
        await say(bot, "grace", "/support resolve 2 Booked")
        await say(bot, "grace", "/summary")
        shown = chat.last("grace")
        assert ("Team members' support requests\n2 open, 1 ⚠️ ageing:\n"
                "#1 Budget (Finance) — Member 1, team East — open, 7 days old ⚠️\n"
                "#3 Help from another department (Marketing) — 王芳, team China — open, "
                "opened today\n") in shown, shown

        code, raw = run_cli(cli_settings, "summary", "--format", "json")  # (schema-checked)
        assert code == 0
        data = json.loads(raw)
        assert data["members_support"] == [
            {"id": 1, "requester": "m1", "name": "Member 1", "team": "East", "type": "budget",
             "detail": "Trade fair budget", "department": "finance", "cross_department": True,
             "opened": "2026-11-20", "age_days": 7, "ageing": True, "status": "open",
             "left": False, "left_on": None},
            {"id": 3, "requester": "fang", "name": "王芳", "team": "China",
             "type": "department", "detail": "需要市场部做一份方案", "department": "marketing",
             "cross_department": True, "opened": "2026-11-27", "age_days": 0,
             "ageing": False, "status": "open", "left": False, "left_on": None}]
        alice = next(d for d in data["directors"] if d["key"] == "alice")
        assert [s["id"] for s in alice["support"]] == [4]  # hers stays in her block alone
        data["members_support"][0]["surprise"] = 1  # the schema knows each field
        with pytest.raises(AssertionError):
            valid("summary", json.dumps(data))
        # One director's full picture has no members' list (an empty one would say none).
        code, raw = run_cli(cli_settings, "summary", "--format", "json", "--person", "alice")
        assert code == 0 and "members_support" not in json.loads(raw)["director"]

        code, raw = run_cli(cli_settings, "summary", "--format", "csv")
        assert code == 0
        rows = csv_records(raw)
        directors = [r for r in rows if r["row"] == "director"]
        assert {r["director"] for r in directors} >= {"alice", "li"}
        assert all(r["requester"] == r["support_id"] == "" for r in directors)
        members = [r for r in rows if r["row"] == "member_support"]
        assert rows[-len(members):] == members  # below the directors' table
        assert [{k: r[k] for k in ("week", "director", "name", "team", "support_open",
                                   "support_cross_department", "oldest_support_days",
                                   "left", "requester", "support_id", "support_type",
                                   "support_detail", "support_department",
                                   "support_status", "support_ageing", "status",
                                   "revenue_week_actual")}
                for r in members] == [
            {"week": "2026-W48", "director": "", "name": "Member 1", "team": "East",
             "support_open": "1", "support_cross_department": "1",
             "oldest_support_days": "7", "left": "false", "requester": "m1",
             "support_id": "1", "support_type": "budget",
             "support_detail": "Trade fair budget", "support_department": "finance",
             "support_status": "open", "support_ageing": "true", "status": "",
             "revenue_week_actual": ""},
            {"week": "2026-W48", "director": "", "name": "王芳", "team": "China",
             "support_open": "1", "support_cross_department": "1",
             "oldest_support_days": "0", "left": "false", "requester": "fang",
             "support_id": "3", "support_type": "department",
             "support_detail": "需要市场部做一份方案", "support_department": "marketing",
             "support_status": "open", "support_ageing": "false", "status": "",
             "revenue_week_actual": ""}]

        # Member 1 taken out of the org file: their request is still owed an answer, and
        # the GM reads since when they are out (her day), as `/summary m1` says it.
        from tests.test_digest import edit_org

        org.write_text(org.read_text(encoding="utf-8").replace(
            "  - {key: m1, name: Member 1, role: member, manager: alice, team: East, "
            "timezone: America/New_York, locale: en, checks_in: true}\n", ""), encoding="utf-8")
        edit_org(bot, org.read_text(encoding="utf-8"))
        await say(bot, "grace", "/summary")
        assert "#1 Budget (Finance) — Member 1, team East (no longer in the org file since " \
               "2026-11-27) — open, 7 days old ⚠️\n" in chat.last("grace"), chat.last("grace")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        assert "#1 预算（财务部） — Member 1，East 团队（自 2026-11-27 起已不在组织文件中）" \
            in chat.last("grace"), chat.last("grace")
        code, raw = run_cli(cli_settings, "summary", "--format", "json")
        first = json.loads(raw)["members_support"][0]
        assert (first["requester"], first["left"], first["left_on"]) == ("m1", True, "2026-11-27")
        code, raw = run_cli(cli_settings, "summary", "--format", "csv")
        first = next(r for r in csv_records(raw) if r["row"] == "member_support")
        assert (first["requester"], first["left"], first["left_on"]) == ("m1", "true",
                                                                         "2026-11-27")


async def test_a_request_of_a_check_in_answered_late_is_dated_not_aged_from_its_monday(
        bot, chat, clock):
    """Alice finished her 2026-W48 check-in on Tuesday of the week after, asking for a
    travel budget. The GM's summary of W48 said "support request open 7 days" (counted
    from W48's Monday) under "Needs your attention" on the very day she asked, while
    /support said "today". Now it says when she asked: after the week."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    clock.set(DEC_1_9AM_NY)
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    await say(bot, "grace", "/summary 2026-W48")
    summary = chat.last("grace")
    assert ("Support: #1 Budget: Travel budget (Finance) — asked for 2026-12-01, after the "
            "week (check-in answered late)") in summary
    assert "Alice Martin: needs help from another department (asked for 2026-12-01, after " \
           "the week)" in summary
    assert "7 days" not in summary and "ageing" not in summary
    await say(bot, "grace", "/support")
    assert "open, today" in chat.last("grace")
    # A week on, W48 still says when she asked, and W49 (which it was open through) its age.
    clock.set(DEC_1_9AM_NY + timedelta(weeks=1))
    await say(bot, "grace", "/summary 2026-W48")
    assert "asked for 2026-12-01, after the week" in chat.last("grace")
    await say(bot, "grace", "/summary 2026-W49")
    assert "#1 Budget: Travel budget (Finance) — open, 6 days old" in chat.last("grace")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W48")
    assert "支持：#1 预算：Travel budget（财务部） — 本周结束后 2026-12-01 提出（签到补交）" \
        in chat.last("grace")


async def test_a_request_repeated_in_a_check_in_answered_late_is_listed_once(
        bot, chat, clock):
    """Alice asked for a travel budget in 2026-W47 (#1) and again in W48's check-in,
    finished on Tuesday after: the W48 summary listed #1 and, beside it, "Budget: Travel
    budget — open, 7 days old", the same request twice and two lines in "Needs your
    attention"."""
    clock.set(FRIDAY_W47)
    await alice_asks_for_budget(bot)
    clock.set(FRIDAY_W47 + timedelta(weeks=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    clock.set(DEC_1_9AM_NY)
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert len(requests(bot)) == 1
    await say(bot, "grace", "/summary 2026-W48")
    summary = chat.last("grace")
    assert "Support: #1 Budget: Travel budget (Finance) — open, 10 days old\n" in summary
    assert summary.count("support request open") == 1


async def test_a_request_asked_first_in_a_week_answered_later_reads_that_week(
        bot, chat, clock):
    """Alice answered 2026-W48's check-in first, asking for a travel budget, and then
    W47's, late, asking for it too: /support said it was first asked in W48. It was asked
    in W47, whatever order she answered them in."""
    clock.set(FRIDAY_W47)
    await bot.run_checkins(["alice"])  # W47's, not answered that week
    clock.set(FRIDAY_W47 + timedelta(weeks=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)  # W48's
    await say(bot, "alice", "/checkin last week")
    await answer_all(bot, "alice", ALICE_ANSWERS)  # W47's, late
    assert "your check-in for 2026-W47 is in" in chat.last("alice")
    [req] = requests(bot)
    assert ([w.week for w in req.weeks], req.week, req.last_week) == (
        ["2026-W47", "2026-W48"], "2026-W47", "2026-W48")
    await say(bot, "grace", "/support")
    assert "#1 Budget → Finance — Alice Martin, 2026-W47: Travel budget · open" \
        in chat.last("grace"), chat.last("grace")
    assert "asked in 2 weeks" in chat.last("grace")
    await say(bot, "grace", "/support 1")
    assert "asked in 2 weeks (latest 2026-W48)" in chat.last("grace")
