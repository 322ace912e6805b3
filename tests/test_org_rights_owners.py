"""A support request's news to a department's owner still waits in the outbox when the
platform is down; the operator gives the department to someone else in the org file
meanwhile. Once the platform is back the old owner gets none of it (the request's details
were theirs only as the owner); the new owner is not sent the old owner's copies and reads
the open request in /support; the GM and the requester get theirs."""

from __future__ import annotations

from bot.readers import GM, department_readers, may_read
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_org_reload import running  # noqa: F401  (the fixture)
from tests.test_org_rights import DOWN, _back, _statuses

FINANCE = """departments:
  - key: finance
    name: {en: Finance, zh-CN: 财务部}
    owners: [bruno]
    handles: [budget]
  - key: marketing
    name: {en: Marketing, zh-CN: 市场部}
    owners: [li]
"""


async def finance_owned_by_bruno(running) -> None:  # noqa: F811
    running.write(running.path.read_text(encoding="utf-8") + FINANCE)
    assert await running.watcher.check() is not None


async def reload(running) -> None:  # noqa: F811
    change = await running.watcher.check()
    assert change is not None and change.removed == ()


async def test_a_request_for_an_owner_taken_off_the_department_waits_no_more(
        running):  # noqa: F811
    """Finance (Bruno's) handles budgets. Alice asks for a travel budget in her check-in
    and Bruno lists /support while the platform is down; the operator gives Finance to
    Li before it is back. Bruno never gets request #1 or its detail; Grace (the GM) and
    Alice get theirs; Li is sent no copy but finds #1 in /support (in Chinese)."""
    await finance_owned_by_bruno(running)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await answer_all(running.bot, "alice", ALICE_ANSWERS)
    await say(running.bot, "bruno", "/support")  # his departments' requests: #1
    assert running.chat.sent == []
    running.edit("owners: [bruno]", "owners: [li]")
    await reload(running)
    await _back(running)
    to_bruno = running.chat.to("bruno")
    assert not any("#1" in t or "Travel budget" in t for t in to_bruno), to_bruno
    assert [s for s, _ in _statuses(running.bot, "bruno")][-2:] == ["expired"] * 2
    assert any("New support request" in t and "#1" in t for t in running.chat.to("grace"))
    assert any("tracked as #1" in t for t in running.chat.to("alice"))
    assert not any("#1" in t for t in running.chat.to("li"))
    await say(running.bot, "li", "/support")
    assert "#1" in running.chat.last("li") and "Travel budget" in running.chat.last("li")
    assert "未解决的支持请求" in running.chat.last("li")
    await say(running.bot, "bruno", "/support")
    assert "#1" not in running.chat.last("bruno")


async def test_an_owner_who_keeps_the_department_gets_it_when_the_platform_is_back(
        running):  # noqa: F811
    """The same request, but the edit adds Li beside Bruno: Bruno still owns Finance, so
    his news of #1 and his /support list go out; Li is sent no copy."""
    await finance_owned_by_bruno(running)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await answer_all(running.bot, "alice", ALICE_ANSWERS)
    await say(running.bot, "bruno", "/support")
    running.edit("owners: [bruno]", "owners: [bruno, li]")
    await reload(running)
    await _back(running)
    to_bruno = running.chat.to("bruno")
    assert any("New support request" in t and "#1" in t for t in to_bruno), to_bruno
    assert any("Open support requests" in t and "#1" in t for t in to_bruno)
    assert not any("#1" in t for t in running.chat.to("li"))


async def test_an_assigned_requests_notes_follow_the_departments_owners(
        running):  # noqa: F811
    """Grace sends #1 from Finance to Marketing while the platform is down: Bruno is
    told it left Finance, Li that it came to Marketing. The operator then takes Finance
    from Bruno and Marketing from Li (both to Vera): neither note goes out."""
    await finance_owned_by_bruno(running)
    await answer_all(running.bot, "alice", ALICE_ANSWERS)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "grace", "/support assign 1 marketing")
    running.edit("owners: [bruno]", "owners: [vera]")
    running.edit("owners: [li]", "owners: [vera]")
    await reload(running)
    await _back(running)
    assert not any("#1" in t for t in running.chat.to("bruno")), running.chat.to("bruno")
    assert not any("#1" in t for t in running.chat.to("li")), running.chat.to("li")
    assert any("#1" in t for t in running.chat.to("alice"))  # her request moved
    assert any("#1" in t for t in running.chat.to("grace"))  # her own "done"


def test_a_department_mark_is_read_by_its_owners_and_the_gm() -> None:
    """An owner of every department named reads it, as does the GM; nobody else, and
    nobody no longer in the org file."""
    mark = department_readers("marketing", "finance")
    assert mark == "dept:finance,marketing"

    def reads(role: str, owns: set[str], active: bool = True) -> bool:
        return may_read(mark, active=active, role=role, team=None, can_view_summary=True,
                        owns=owns)

    assert reads("director", {"finance", "marketing", "hr"})
    assert not reads("director", {"finance"})  # Marketing's requests are not theirs
    assert not reads("member", set())  # a summary viewer is no handler
    assert reads("gm", set())
    assert not reads("gm", set(), active=False)
    assert not may_read(GM, active=True, role="director", team=None, can_view_summary=True,
                        owns={"finance"})


async def test_an_owner_who_loses_one_of_two_departments_still_gets_the_other_ones_list(
        running):  # noqa: F811
    """Bruno owns Finance and Marketing; his /support list (#1 Marketing's, #2 Finance's)
    waits while the platform is down, and the operator gives Marketing to Vera. The list
    was withdrawn whole: Bruno got nothing, though Finance's #2 is still his. Now it
    comes again as it stands: #2, not #1, saying why (in his language)."""
    await finance_owned_by_bruno(running)
    running.edit("owners: [li]", "owners: [bruno]")  # Marketing too
    running.edit("Europe/Rome\n    locale: en", "Europe/Rome\n    locale: zh-CN")  # his
    await reload(running)
    await answer_all(running.bot, "alice", ALICE_ANSWERS)  # #1, a budget: Finance
    await say(running.bot, "grace", "/support assign 1 marketing")
    await answer_all(running.bot, "li", ["/checkin", *ALICE_ANSWERS])  # #2: Finance
    await _back(running)
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "bruno", "/support")
    assert running.chat.sent == []
    text = running.path.read_text(encoding="utf-8")
    running.write(text.replace("zh-CN: 市场部}\n    owners: [bruno]",
                               "zh-CN: 市场部}\n    owners: [vera]"))
    await reload(running)
    await _back(running)
    to_bruno = running.chat.to("bruno")
    assert len(to_bruno) == 1, to_bruno
    assert "#2" in to_bruno[0] and "#1" not in to_bruno[0]
    assert "你负责的部门有变动：以下是现在的列表" in to_bruno[0]
    # Taken off both: nothing of the list was his to be sent, nothing comes again.
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "bruno", "/support")
    text = running.path.read_text(encoding="utf-8")
    running.write(text.replace("owners: [bruno]", "owners: [li]"))
    await reload(running)
    await _back(running)
    assert running.chat.to("bruno") == []
