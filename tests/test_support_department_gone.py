"""A department taken out of the org file, from the users' side: Alice asks Finance for a
travel budget and 李雷 asks 财务部 for travel money (both tracked requests to `finance`),
then a reorganisation drops Finance from the org file (or changes its key). Every view
read the bare key, "(finance)", as if it were a name; now each reads the key marked as
gone (README, *Support requests*), in English and Chinese, open or in history, and the
GM still acts on the requests; the exports keep the key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid
from tests.test_digest import MONDAY_8AM_NY, digests, edit_org
from tests.test_support import (
    DEC_1_9AM_NY,
    DEPARTMENTS,
    alice_asks_for_budget,
    requests,
    write_org,
    write_org_text,
)

#: The departments after the reorganisation: Finance gone, Marketing as it was.
NO_FINANCE = DEPARTMENTS[:DEPARTMENTS.index("  - key: finance")] + \
    DEPARTMENTS[DEPARTMENTS.index("  - key: marketing"):]
#: Finance kept, under another key.
FIN_OPS = DEPARTMENTS.replace("key: finance", "key: fin-ops")
LI_ASKS_FINANCE = ["61000", "大客户签约", "审批慢", "5", "需要财务部批一笔差旅费", "拜访 3 家",
                   "4"]
GONE = "finance (no longer in the org file)"
GONE_ZH = "finance（已不在组织文件中）"


@pytest.fixture
def settings(settings, tmp_path):
    """The test org with departments (finance handles budget; marketing by name)."""
    return replace(settings, org_file=write_org(tmp_path))


def reorganise(bot, settings, departments: str) -> None:
    """The operator saves the org file with other departments: the running bot takes the
    edit in (tests.test_digest.edit_org), and `teampulse` reads the file as saved."""
    text = write_org_text(departments)
    settings.org_file.write_text(text, encoding="utf-8")
    edit_org(bot, text)


async def finance_asked_then_removed(bot, chat, settings) -> None:
    """#1 Alice's budget and #2 李雷's travel money, both Finance's; then Finance goes."""
    await alice_asks_for_budget(bot)
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ASKS_FINANCE)
    assert [r.department for r in requests(bot)] == ["finance", "finance"]
    assert "#1 Budget → Finance — Alice Martin" in chat.to("grace")[0]
    reorganise(bot, settings, NO_FINANCE)
    chat.clear()


async def test_support_reads_the_removed_department_marked_in_both_languages(
        bot, chat, settings):
    await finance_asked_then_removed(bot, chat, settings)
    await say(bot, "grace", "/support")
    listed = chat.last("grace")
    assert f"#1 Budget → {GONE} — Alice Martin, 2026-W48: Travel budget · open" in listed
    assert f"#2 Help from another department → {GONE} — 李雷, 2026-W48: 需要财务部批一笔差旅费" \
        in listed
    await say(bot, "grace", "/support 1")
    assert chat.last("grace").startswith(
        f"#1 Budget → {GONE} — Alice Martin, 2026-W48: Travel budget\nStatus: open")
    await say(bot, "alice", "/support 1")  # the requester reads the same
    assert chat.last("alice").startswith(f"#1 Budget → {GONE} — Alice Martin")

    await say(bot, "li", "/support 2")
    assert chat.last("li").startswith(
        f"#2 其他部门的协助 → {GONE_ZH} — 李雷，2026-W48：需要财务部批一笔差旅费\n状态：待处理")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/support")
    assert f"#1 预算 → {GONE_ZH} — Alice Martin，2026-W48：Travel budget · 待处理" \
        in chat.last("grace")
    # (No bare key left anywhere: "→ finance —" was all the old list said.)
    assert "→ finance —" not in chat.last("grace")


async def test_the_summary_and_digest_read_the_removed_department_marked(
        bot, chat, settings, clock):
    await finance_asked_then_removed(bot, chat, settings)
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "Support: #1 Budget: Travel budget (finance, no longer in the org file) — open, " \
        "opened today" in summary
    assert "Support: #2 Help from another department: 需要财务部批一笔差旅费 (finance, no " \
        "longer in the org file) — open" in summary
    assert "(finance)" not in summary

    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary")
    assert "支持：#1 预算：Travel budget（finance，已不在组织文件中） — 未处理，今天开启" \
        in chat.last("grace")

    clock.set(MONDAY_8AM_NY)  # the week's digest is the GM's /summary of it
    await bot.run_digests()
    (digest,) = digests(chat, "grace")
    assert "支持：#1 预算：Travel budget（finance，已不在组织文件中） — 未处理，已 3 天" in digest
    assert "（finance）" not in digest


async def test_the_monthly_review_reads_the_removed_department_marked(bot, chat, settings,
                                                                     clock):
    await finance_asked_then_removed(bot, chat, settings)
    await say(bot, "grace", "/support resolve 1 Approved")  # in history, and still open
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    alice = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert f"• 2026-W48: #1 Budget → {GONE} — Travel budget — resolved 2026-11-27" in alice
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert f"• 2026-W48：#2 其他部门的协助 → {GONE_ZH} —— 需要财务部批一笔差旅费 —— 月末仍待处理" \
        in li
    await say(bot, "grace", "/monthly 2026-11 li")
    assert f"#2 Help from another department → {GONE} — 需要财务部批一笔差旅费" \
        in chat.last("grace")


async def test_teampulse_support_and_summary_mark_it_and_the_exports_keep_the_key(
        bot, chat, settings, clock, monkeypatch):
    await finance_asked_then_removed(bot, chat, settings)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, md = run_cli(settings, "support")
    assert code == 0
    assert f"| #1 | Alice Martin | Budget | {GONE} | 2026-W48 |" in md
    code, zh = run_cli(settings, "support", "--locale", "zh-CN")
    assert code == 0 and f"| #2 | 李雷 | 其他部门的协助 | {GONE_ZH} | 2026-W48 |" in zh
    code, out = run_cli(settings, "support", "--format", "json")
    assert [r["department"] for r in valid("support", out)["requests"]] == ["finance"] * 2
    code, out = run_cli(settings, "support", "--format", "csv")
    assert [r["department"] for r in csv_records(out)] == ["finance"] * 2

    code, md = run_cli(settings, "summary")
    assert code == 0
    assert "- Support: #1 Budget: Travel budget (finance, no longer in the org file) — open" \
        in md
    code, zh = run_cli(settings, "summary", "--lang", "zh-CN")
    assert code == 0
    assert "- 支持：#1 预算：Travel budget（finance，已不在组织文件中） — 未处理" in zh
    code, out = run_cli(settings, "summary", "--format", "json")
    support = [s for d in valid("summary", out)["directors"] for s in d["support"]]
    assert sorted((s["id"], s["department"], s["cross_department"]) for s in support) == [
        (1, "finance", True), (2, "finance", True)]


async def test_the_gm_acts_on_a_request_of_a_removed_department(bot, chat, settings, clock):
    """Nothing refuses: the GM acknowledges, comments and resolves, and the requesters
    hear each step; Vera, who owned Finance, no longer handles (or sees) its requests; the
    GM passes one on to the department the work went to; a resolved one reads the same."""
    await finance_asked_then_removed(bot, chat, settings)
    await say(bot, "vera", "/support ack 1")
    assert chat.last("vera") == ("There is no support request #1 that you can see. "
                                 "/support lists the open ones.")
    clock.advance(timedelta(days=1))
    await say(bot, "grace", "/support ack 1")
    assert chat.last("grace") == "✅ Acknowledged #1; Alice Martin is told."
    assert chat.last("alice") == "👀 Grace Chen acknowledged your support request #1 (Budget)."
    await say(bot, "alice", "/support comment 1 It is for the March fair")
    assert chat.last("alice") == "💬 Comment added to #1; the GM is told."
    await say(bot, "grace", "/support resolve 2 已批准")
    assert chat.last("grace") == "✅ Resolved #2 after 1 day; 李雷 is told."
    assert chat.last("li") == "✅ Grace Chen 已解决你的支持请求 #2（其他部门的协助）：已批准"
    await say(bot, "li", "/support 2")  # in history
    assert chat.last("li").startswith(f"#2 其他部门的协助 → {GONE_ZH} — 李雷")
    assert "已解决" in chat.last("li")
    await say(bot, "grace", "/support assign 1 marketing")
    assert chat.last("grace") == "#1 now goes to Marketing; its owners are told."
    assert chat.last("alice") == ("➡️ Grace Chen passed your support request #1 (Budget) to "
                                  "Marketing.")
    assert chat.last("sam").startswith("🆘 New support request #1 Budget → Marketing")
    assert len(chat.to("vera")) == 1  # (her refusal above: told of no step since)
    [first, second] = requests(bot)
    assert (first.status, first.department, second.status) == (
        "acknowledged", "marketing", "resolved")


async def test_check_ins_after_the_removal_ask_as_before(bot, chat, settings, clock):
    """The support question asks what it asked (its choices are support types, not
    departments): asking the budget again joins the open request; a new need naming
    Finance goes to no department, the GM's."""
    await finance_asked_then_removed(bot, chat, settings)
    clock.advance(timedelta(days=7))
    await bot.run_checkins(["alice", "bruno"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    assert any("still open as #1" in t for t in chat.to("alice"))
    assert chat.to("alice")[-1].startswith("Thanks — your check-in for 2026-W49 is in.")
    await answer_all(bot, "bruno", ["41000", "Won Milan", "none", "5", "Need Finance to sign",
                                    "Visit 2", "4"])
    assert any("tracked as #3" in t for t in chat.to("bruno"))
    assert any(t.startswith("🆘 New support request #3 Help from another department — "
                            "Bruno Rossi, 2026-W49: Need Finance to sign")
               for t in chat.to("grace"))
    assert "asks again in 2026-W49 for #1 Budget" in "\n".join(chat.to("grace"))
    assert [(r.id, r.department, r.repeats) for r in requests(bot)] == [
        (1, "finance", 1), (2, "finance", 0), (3, None, 0)]


async def test_a_department_whose_key_changed_reads_its_old_key_until_reassigned(
        bot, chat, settings, clock):
    """Finance kept, its key corrected to fin-ops: the request still names `finance`,
    which the file no longer declares, so it reads as gone and is the GM's alone (Vera
    owns fin-ops, not it) until the GM passes it on; then it reads Finance again."""
    await alice_asks_for_budget(bot)
    reorganise(bot, settings, FIN_OPS)
    chat.clear()
    await say(bot, "grace", "/support 1")
    assert chat.last("grace").startswith(f"#1 Budget → {GONE} — Alice Martin")
    await say(bot, "vera", "/support")
    assert chat.last("vera") == "No open support requests. 🎉"
    await say(bot, "grace", "/support assign 1 fin-ops")
    assert chat.last("grace") == "#1 now goes to Finance; its owners are told."
    assert chat.last("vera").startswith("🆘 New support request #1 Budget → Finance — Alice")
    await say(bot, "grace", "/summary")
    assert "Support: #1 Budget: Travel budget (Finance) — open" in chat.last("grace")
    assert requests(bot)[0].department == "fin-ops"


async def test_an_earlier_weeks_summary_read_after_the_edit_marks_it_too(
        bot, chat, settings, clock):
    """A week read back later (history) names departments as the org file has them now:
    the request of 2026-W48 reads its department marked as gone, not as its key."""
    await finance_asked_then_removed(bot, chat, settings)
    clock.set(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary 2026-W48")
    assert "(finance, no longer in the org file) — open" in chat.last("grace")
