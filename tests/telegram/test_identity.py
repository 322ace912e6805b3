"""Telegram identity through the real client: a look-alike username is a stranger."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from tests.support import TEST_ORG
from tests.telegram.conftest import GROUP, TG

VIV = 1005  # Vera, a summary viewer, known to this org file only as @viv_ops
STRANGER = 7777


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test org, with Vera known by username instead of by id."""
    text = TEST_ORG.read_text(encoding="utf-8")
    text = text.replace("    telegram_id: 1005\n", "    telegram_username: viv_ops\n")
    assert "viv_ops" in text
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return replace(settings, org_file=path)


async def test_a_look_alike_username_gets_no_summary_and_binds_nothing(tg: TG) -> None:
    await tg.say(STRANGER, "/summary", username="v_v_ops")
    shown = tg.shown(STRANGER)
    assert len(shown) == 1 and "I don't know you yet" in shown[0]
    assert "Weekly summary" not in shown[0]

    # Vera herself is still recognised by her username, and only she.
    await tg.say(VIV, "/summary", username="Viv_Ops")
    assert "Weekly summary" in tg.shown(VIV)[-1]
    await tg.say(STRANGER, "/summary", username="v_v_ops")
    assert "I don't know you yet" in tg.shown(STRANGER)[-1]


async def test_a_username_taken_over_after_binding_is_a_stranger(tg: TG) -> None:
    await tg.say(VIV, "/help", username="viv_ops")  # binds Vera's id
    # Vera renames herself; someone else registers 'viv_ops' and asks for the summary.
    await tg.say(STRANGER, "/summary", username="viv_ops")
    assert "I don't know you yet" in tg.shown(STRANGER)[-1]
    await tg.say(VIV, "/summary", username="vera_new")
    assert "Weekly summary" in tg.shown(VIV)[-1]


async def test_a_strangers_refusal_in_a_group_goes_to_them_alone(tg: TG) -> None:
    tg.fake.start_bot(STRANGER)  # they opened a private chat with the bot once
    await tg.say_in_group(STRANGER, "/summary", username="nosy_neighbour")
    assert tg.sent(GROUP) == []  # the group hears nothing: no id, no name
    text = tg.shown(STRANGER)[-1]
    assert "I don't know you yet" in text and f"telegram_id: {STRANGER}" in text


async def test_a_stranger_who_never_started_the_bot_gets_a_short_note_without_ids(
        tg: TG) -> None:
    tg.fake.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    update = tg.fake.group_message(GROUP, STRANGER, "/summary", username="nosy_neighbour")
    await tg.send(update)
    group = tg.sent(GROUP)
    assert len(group) == 1
    note = group[0]
    assert "I don't know you yet" in note["text"] and "press Start" in note["text"]
    assert str(STRANGER) not in note["text"] and "nosy_neighbour" not in note["text"]
    assert note["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert tg.shown(STRANGER) == []


async def test_the_group_note_for_a_stranger_is_in_their_language(tg: TG) -> None:
    tg.fake.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    await tg.say_in_group(STRANGER, "/help", language_code="zh-hans")
    assert "我还不认识你" in tg.texts(GROUP)[-1]


async def test_kudos_for_the_new_holder_of_an_old_username_are_not_veras(tg: TG) -> None:
    # Vera is bound to her account; she renames herself and a stranger takes 'viv_ops' and
    # posts in the team group. Alice answers the stranger's post with /kudos, or names them
    # with a text mention: Telegram gives their id, which is not Vera's. The kudos went to
    # Vera ("You got kudos" in her chat, a shout-out naming her).
    from tests.telegram.conftest import ALICE, GRACE

    await tg.say(VIV, "/help", username="viv_ops")
    original = tg.fake.group_message(GROUP, STRANGER, "Signed the Initech deal!",
                                     username="viv_ops", first_name="Nick")["message"]
    before = len(tg.shown(VIV))
    await tg.say_in_group(ALICE, "/kudos for the great deal", reply_to_message=original)
    assert tg.texts(ALICE)[-1].startswith(
        "I can't give kudos to @viv_ops: they are not in the org file.")
    text = "/kudos Nick for the deal"
    await tg.say_in_group(GRACE, text, entities=_naming_nick(text))
    assert tg.texts(GRACE)[-1].startswith("I can't give kudos to Nick: they are not in the org")
    assert len(tg.shown(VIV)) == before  # Vera was told of no kudos
    assert not any("Vera" in t for t in tg.texts(GROUP))


async def test_a_reply_to_veras_own_account_under_her_new_name_is_still_her(tg: TG) -> None:
    from tests.telegram.conftest import ALICE

    await tg.say(VIV, "/help", username="viv_ops")
    original = tg.fake.group_message(GROUP, VIV, "Signed the Initech deal!",
                                     username="vera_new", first_name="Vera")["message"]
    await tg.say_in_group(ALICE, "/kudos for the great deal", reply_to_message=original)
    assert "You got kudos from" in tg.texts(VIV)[-1]


async def test_a_command_naming_the_new_holder_of_an_old_username_does_not_name_vera(
        tg: TG) -> None:
    from tests.telegram.conftest import GRACE

    await tg.say(VIV, "/help", username="viv_ops")
    text = "/summary Nick"
    await tg.say(GRACE, text, entities=_naming_nick(text))
    reply = tg.shown(GRACE)[-1]
    assert "Vera" not in reply
    assert reply.startswith("Nick is not in the org file, so no command reads about them")


async def test_an_outsider_named_like_a_director_is_not_her_and_the_gm_is_told_in_chinese(
        tg: TG) -> None:
    # A text mention of an account outside the org whose Telegram name is Alice Martin's.
    from tests.telegram.conftest import GRACE

    with tg.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    text = "/summary Alice Martin last 4w"
    await tg.say(GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 8},
        {"type": "text_mention", "offset": text.index("Alice"), "length": 12,
         "user": {"id": STRANGER, "is_bot": False, "first_name": "Alice Martin"}}])
    reply = tg.shown(GRACE)[-1]
    assert reply == ("Alice Martin 不在组织文件中，所以命令不会读取此人：提及指向的就是那个账号，"
                     "而不是同名的其他人。你是不是想找 Alice Martin（alice）？请用对方的 key。")


def _naming_nick(text: str) -> list[dict[str, object]]:
    """The entities of a command naming Nick (the stranger now holding 'viv_ops') with a
    text mention, as Telegram sends it when he is picked from the list."""
    return [{"type": "bot_command", "offset": 0, "length": text.index(" ")},
            {"type": "text_mention", "offset": text.index("Nick"), "length": 4,
             "user": {"id": STRANGER, "is_bot": False, "first_name": "Nick",
                      "username": "viv_ops"}}]


def _naming_outsider_alice(text: str) -> list[dict[str, object]]:
    """A command naming, with a text mention, an account outside the org whose Telegram
    name is Alice Martin's (as Telegram sends it when the GM picks the wrong one)."""
    return [{"type": "bot_command", "offset": 0, "length": text.index(" ")},
            {"type": "text_mention", "offset": text.index("Alice Martin"), "length": 12,
             "user": {"id": STRANGER, "is_bot": False, "first_name": "Alice Martin"}}]


@pytest.mark.parametrize("text", [
    "/agenda add Alice Martin pipeline review",
    "/actions add send the Initech deck Alice Martin",
    "/1on1 skip Alice Martin",
    "/1on1 note Alice Martin private: she may leave"])
async def test_a_one_on_one_command_naming_an_outsider_named_like_a_director_does_nothing(
        tg: TG, text: str) -> None:
    # The GM has a 1:1 with Alice (and with Bruno and 李雷); the account she picked from
    # the list is not Alice's, but an outsider's who calls themselves Alice Martin. The
    # agenda item, the action item (Alice told of it), the skip (Alice told) and the note
    # all went to the GM's 1:1 with the org's Alice, whom the mention did not name.
    from storage.oneonone import ActionItem, AgendaItem, MeetingNote, OneOnOneOverride
    from tests.telegram.conftest import ALICE, GRACE

    before = len(tg.shown(ALICE))
    await tg.say(GRACE, text, entities=_naming_outsider_alice(text))
    assert tg.shown(GRACE)[-1] == (
        "Alice Martin is not in the org file, so no command reads about them: a mention "
        "names that very account, not someone else called the same. Did you mean Alice "
        "Martin (alice)? Name them by key.")
    assert len(tg.shown(ALICE)) == before  # Alice was told of nothing
    with tg.bot.unit() as ctx:
        for kind in (AgendaItem, ActionItem, MeetingNote, OneOnOneOverride):
            assert ctx.session.query(kind).count() == 0


async def test_kudos_to_an_outsider_named_like_a_director_say_so_and_never_to_add_them(
        tg: TG) -> None:
    """An account outside the org calling itself Alice Martin, picked from the list or
    replied to: the GM was told "Alice Martin is not in the org file … ask the person who
    runs teampulse to add them", of a director who is, and to add the look-alike."""
    from sqlalchemy import func, select

    from storage.kudos import Kudos
    from tests.telegram.conftest import GRACE, LI

    text = "/kudos Alice Martin @bruno_r for the great demo"
    await tg.say_in_group(GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 12,
         "user": {"id": STRANGER, "is_bot": False, "first_name": "Alice Martin"}},
        {"type": "mention", "offset": text.index("@bruno_r"), "length": 8}])
    assert tg.texts(GRACE)[-1] == (
        "I can't give kudos to Alice Martin: that account is not in the org file, though it "
        "has the name of Alice Martin (<code>alice</code>) of the org: a mention names that "
        "very account, not someone else called the same. Nothing was given, to Bruno Rossi "
        "either: to praise the person of the org, mention their own account or reply to one "
        "of their messages.")
    original = tg.fake.group_message(GROUP, STRANGER, "Signed the Globex renewal!")["message"]
    original["from"].update(first_name="Alice Martin")
    original["from"].pop("last_name", None)
    await tg.say_in_group(LI, "/kudos 续约谈得非常漂亮", reply_to_message=original)
    assert tg.texts(LI)[-1] == (
        "无法给 Alice Martin 点赞：这个账号不在组织文件中，只是与组织中的 Alice Martin"
        "（<code>alice</code>）同名：提及指向的就是那个账号，而不是同名的其他人。这次没有送出任何"
        "点赞：要给组织中的这个人点赞，请提及对方自己的账号，或回复对方的消息。")
    with tg.bot.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Kudos)) == 0
