"""Who a Telegram sender is: usernames match exactly, and a bound id is never rebound."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import TeamPulse
from bot.org import Org, parse_org
from storage.models import Person
from storage.repositories import PeopleRepo

ORG = """
people:
  - {key: grace, name: Grace, role: gm, timezone: UTC, telegram_id: 1001}
  - {key: viv, name: Viv, role: member, timezone: UTC, telegram_username: viv_ops}
  - {key: pct, name: Percy, role: member, timezone: UTC, telegram_username: percy_p}
  - {key: max, name: Max, role: member, timezone: UTC, telegram_username: Max_Power}
org: {summary_viewers: [viv]}
"""


def org(text: str = ORG) -> Org:
    """The org above, Percy's username "a%" set past the file check (which refuses one no
    Telegram account can have), to show the database compares it only as itself."""
    parsed = parse_org(text)
    people = tuple(replace(p, telegram_username="a%") if p.key == "pct" else p
                   for p in parsed.people)
    return replace(parsed, people=people)


@pytest.fixture
def people(bot: TeamPulse) -> TeamPulse:
    """The bot with the org above synced instead of the test org."""
    with bot.unit() as ctx:
        PeopleRepo(ctx.session).sync(org().people)
    return bot


def who(bot: TeamPulse, user_id: int | str, username: str | None) -> str | None:
    """The key of the person the sender is taken for (committing any binding)."""
    with bot.unit() as ctx:
        found = ctx.people.by_platform("telegram", str(user_id), username)
        return found.key if found else None


def bound(bot: TeamPulse, key: str) -> int | None:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        assert person is not None
        return person.telegram_id


@pytest.mark.parametrize("username", ["v_v_ops", "viv%", "%", "_iv_ops", "VIV\\_OPS", "viv_op"])
def test_a_username_that_only_matches_as_a_pattern_is_a_stranger(
        people: TeamPulse, username: str) -> None:
    assert who(people, 9999, username) is None
    assert bound(people, "viv") is None  # nothing was bound for good


@pytest.mark.parametrize("username", ["a%", "A%", "@a%"])
def test_pattern_characters_in_the_org_file_match_only_themselves(
        people: TeamPulse, username: str) -> None:
    assert who(people, 9998, "abc") is None
    assert who(people, 9998, "a_") is None
    assert who(people, 9998, username) == "pct"


def test_usernames_match_case_insensitively_and_bind_the_id(people: TeamPulse) -> None:
    assert who(people, 2002, "max_power") == "max"
    assert bound(people, "max") == 2002
    assert who(people, 2002, None) == "max"  # from now on the id alone is enough


def test_a_bound_person_is_not_rebound_by_their_old_username(people: TeamPulse) -> None:
    assert who(people, 3003, "viv_ops") == "viv"
    # Viv renames herself; someone else takes 'viv_ops' and writes.
    assert who(people, 3003, "viv_new") == "viv"
    assert who(people, 6666, "viv_ops") is None
    assert bound(people, "viv") == 3003


def test_a_bound_id_writing_with_another_persons_username_stays_who_it_is(
        people: TeamPulse) -> None:
    # Grace (bound by id) takes the username the file gives Viv: she is still Grace,
    # and Viv's slot stays free for Viv.
    assert who(people, 1001, "viv_ops") == "grace"
    assert bound(people, "viv") is None
    assert who(people, 3003, "viv_ops") == "viv"


def test_a_non_numeric_sender_id_is_nobody(people: TeamPulse) -> None:
    assert who(people, "viv_ops", "viv_ops") is None
    assert bound(people, "viv") is None


def test_a_learned_id_survives_a_restart_but_yields_to_the_file(people: TeamPulse) -> None:
    assert who(people, 3003, "viv_ops") == "viv"
    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(org().people)  # a restart: the same file
    assert bound(people, "viv") == 3003
    with people.unit() as ctx:  # the username differs only in case: still the same person
        PeopleRepo(ctx.session).sync(org(ORG.replace("viv_ops", "Viv_Ops")).people)
    assert bound(people, "viv") == 3003
    # The operator now gives that Telegram id to Max in the file: it is Max's alone.
    changed = org()
    maxp = next(p for p in changed.people if p.key == "max")
    people_now = [replace(p, telegram_id=3003) if p is maxp else p for p in changed.people]
    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(people_now)
    assert bound(people, "viv") is None
    assert who(people, 3003, "viv_ops") == "max"


def test_the_person_found_by_username_carries_the_bound_id(people: TeamPulse) -> None:
    with people.unit() as ctx:
        found = ctx.people.by_platform("telegram", "2002", "MAX_POWER")
        assert found is not None and found.telegram_id == 2002


def _without_viv(extra: str = "") -> Org:
    text = ORG.replace(
        "  - {key: viv, name: Viv, role: member, timezone: UTC, telegram_username: viv_ops}\n",
        extra).replace("summary_viewers: [viv]", "summary_viewers: []")
    return org(text)


async def test_a_username_someone_removed_gave_up_tells_its_new_owner_nothing_of_them(
        people: TeamPulse) -> None:
    """Viv (in the file by username, never wrote) is taken out. Whoever has 'viv_ops' on
    Telegram now writes: a stranger, not told Viv's key and name as someone who left."""
    from bot.events import InboundEvent
    from tests.support import RecordingAdapter

    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(_without_viv().people)
    chat = RecordingAdapter(platform="telegram")
    people.register(chat)
    await people.handle(InboundEvent(platform="telegram", user_id="6666", chat_id="6666",
                                     chat_type="direct", text="/help", username="viv_ops"))
    await people.drain()
    told = chat.sent[-1].message.text
    assert "don't know you yet" in told
    assert "viv" not in told.lower().replace("viv_ops", "")


def test_a_username_freed_weeks_ago_given_to_someone_new_is_not_a_rename(
        people: TeamPulse) -> None:
    """Viv leaves; a later edit adds Walt with the username Viv had (Telegram lets anyone
    take a freed one): Walt is someone new, Viv's history stays hers. Taken out and put
    in by the same edit, the username does tell a key corrected."""
    with people.unit() as ctx:
        viv = ctx.people.by_key("viv")
        assert viv is not None
        viv_id = viv.id
    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(_without_viv().people)
    walt = "  - {key: walt, name: Walt, role: member, timezone: UTC, telegram_username: viv_ops}\n"
    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(_without_viv(walt).people)
    with people.unit() as ctx:
        new = ctx.people.by_key("walt")
        assert new is not None and new.id != viv_id
        old = ctx.session.get(Person, viv_id)
        assert old is not None and old.key == "viv" and not old.active

    with people.unit() as ctx:  # (the same edit: a rename)
        PeopleRepo(ctx.session).sync(org().people)
    with people.unit() as ctx:
        PeopleRepo(ctx.session).sync(org(ORG.replace("key: viv,", "key: vivian,")
                                         .replace("[viv]", "[vivian]")).people)
    with people.unit() as ctx:
        renamed = ctx.people.by_key("vivian")
        assert renamed is not None and renamed.id == viv_id
