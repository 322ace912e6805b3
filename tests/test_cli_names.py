"""The command line names a person as the chat does (handlers/people_named.py).

`teampulse checkin send --person` and `teampulse review` took a key only: an operator who
typed `--person "Alice Martin"` or `review 李雷` was told there was no such person, though
/checkin send and /review in chat took the same name. A name two people share is never
guessed: nothing is sent, and each of them is listed by key and team, as
`teampulse summary --person` lists them. `export` and `erase` stay key-only on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

from bot.cli import main
from storage.models import Person
from storage.review import ReviewRound
from storage.round_requests import RoundRequest
from tests.support import TEST_ORG, RecordingAdapter, bot_on_org, run_cli, say
from tests.test_people_named import TWIN_DIRECTORS

#: What `summary --person 王伟` has said since the shared matcher: the others say the same.
WANGWEI = "2 people are called '王伟': {how} wangwei (team North), {how} wangwei2 (team South)"
#: A name no one has, and who is close to it (as /summary names them in chat): each typo
#: tried below with the "did you mean" it now gets.
TYPOS = [("Alice Mart", " (did you mean 'alice' (Alice Martin)?)"),
         ("王伟伟", " (did you mean 'wangwei' (王伟) or 'wangwei2' (王伟)?)"),
         ("alice.*", " (did you mean 'alice' (Alice Martin)?)"),
         ("Zoltan", "")]  # close to nobody: no guess


@pytest.fixture
def twins(settings: Any, clock: Any,
          tmp_path: Path) -> Iterator[tuple[Any, RecordingAdapter, Any]]:
    """The test org and two directors called 王伟 (North, South): the bot, its chat, and
    the settings the command line runs with."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"].extend(TWIN_DIRECTORS)
    path = tmp_path / "twins.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with bot_on_org(settings, clock, path) as made:
        yield made


def _requests(bot: Any) -> list[tuple[str, str | None]]:
    with bot.unit() as ctx:
        return [(r.scope, r.name) for r in ctx.session.scalars(select(RoundRequest))]


def _rounds(bot: Any) -> int:
    with bot.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(ReviewRound))


# --- teampulse checkin send --person ------------------------------------------------------

@pytest.mark.parametrize(("typed", "key", "prompt"), [
    ("Alice Martin", "alice", "Time for your weekly check-in"),  # a full name
    ("alice　martin", "alice", "Time for your weekly check-in"),  # any case, full-width space
    ("李雷", "li", "每周签到"),  # a Chinese name
    ("ALICE", "alice", "Time for your weekly check-in"),  # a key in another case
])
async def test_checkin_send_to_a_person_by_name(twins, capsys, typed, key, prompt):
    bot, chat, settings = twins
    code, _ = run_cli(settings, "checkin", "send", "--person", typed, "--wait", "0")
    assert code == 0, capsys.readouterr().err  # queued, not waited for (--wait 0)
    assert _requests(bot) == [("person", key)]  # the key, as /checkin send records it
    assert await bot.run_round_requests() == 1
    assert prompt in chat.last(key)
    assert [k for k in ("alice", "bruno", "li", "wangwei", "wangwei2") if chat.to(k)] == [key]


@pytest.mark.parametrize("typed", [" east ", "ＥＡＳＴ", "EAST"])
async def test_a_team_is_read_as_the_chat_reads_it(twins, capsys, typed):
    """`--team` with a stray space or written full-width by a Chinese input method (as
    `/checkin send team ＥＡＳＴ` and `/kudos top team ＥＡＳＴ` read in chat) was refused,
    'no team' though East was in the list the refusal gave."""
    bot, _chat, settings = twins
    code, _ = run_cli(settings, "checkin", "send", "--team", typed, "--wait", "0")
    assert code == 0, capsys.readouterr().err
    assert _requests(bot) == [("team", "East")]
    code, out = run_cli(settings, "kudos", "top", "--team", typed, "--format", "json")
    assert code == 0, capsys.readouterr().err
    assert json.loads(out)["team"] == "East"
    code, out = run_cli(settings, "summary", "--team", typed, "--format", "json")
    assert code == 0, capsys.readouterr().err
    code, out = run_cli(settings, "pulse", "results", "--team", typed, "--format", "json")
    assert code == 0, capsys.readouterr().err
    # `goals team ＥＡＳＴ` was "no person or team 'ＥＡＳＴ' in the org".
    code, out = run_cli(settings, "goals", "team", typed, "--format", "json")
    assert code == 0, capsys.readouterr().err
    assert json.loads(out)["title"] == "East"
    code, out = run_cli(settings, "summary", "--chart", "morale", "--team", typed, "--out",
                        str(settings.org_file.parent / "morale.png"))
    assert code == 0, capsys.readouterr().err


def test_checkin_send_to_a_name_two_people_share_sends_nothing_and_lists_both(twins, capsys):
    bot, _chat, settings = twins
    code, out = run_cli(settings, "checkin", "send", "--person", "王伟", "--wait", "0")
    assert (code, out) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: {WANGWEI.format(how='--person')}; nothing was sent\n")
    assert _requests(bot) == []
    # The same list as `teampulse summary --person 王伟` gives.
    assert run_cli(settings, "summary", "--person", "王伟") == (2, "")
    assert capsys.readouterr().err == f"teampulse: {WANGWEI.format(how='--person')}\n"


@pytest.mark.parametrize("args", [("--person", "王伟", "--team", "North"),
                                  ("--person", "li", "--team", "East"),
                                  ("--team", "East", "--person", "alice", "--format", "csv")])
def test_summary_of_a_person_and_a_team_at_once_is_refused_not_half_read(twins, capsys, args):
    """`summary --person li --team East` printed 李雷's history (team China) with --team
    dropped without a word, and `--person 王伟 --team North` still listed both namesakes:
    the help's "--team: only this team" was not what it did. One or the other, as
    `checkin send` takes them."""
    _bot, _chat, settings = twins
    with pytest.raises(SystemExit) as exit_:  # refused as the command line is read
        run_cli(settings, "summary", *args)
    assert exit_.value.code == 2
    shown = capsys.readouterr()
    err = shown.err
    assert shown.out == ""
    assert "not allowed with argument" in err and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("args", "says"), [
    (("--person", ""), "teampulse: no person '' in the org\n"),
    (("--person", "", "--format", "csv"), "teampulse: no person '' in the org\n"),
    (("--team", ""), "teampulse: no team '' in the org (teams: "),
    (("--chart", "kudos", "--out", "OUT", "--person", ""),
     "teampulse: --chart draws everyone or one --team, not one --person\n"),
])
def test_summary_of_an_empty_person_or_team_is_refused_not_the_whole_org(twins, capsys,
                                                                         tmp_path, args, says):
    """`summary --person "$WHO"` with WHO unset printed every director's summary, as if no
    --person had been given (an empty --team likewise), where `checkin send`, `digest --to`
    and `kudos top --team` refuse the empty name. It is a person no one is."""
    _bot, _chat, settings = twins
    out = tmp_path / "never.png"
    assert run_cli(settings, "summary", *(str(out) if a == "OUT" else a for a in args)) \
        == (2, "")
    assert capsys.readouterr().err.startswith(says)
    assert not out.exists()


def test_goals_of_a_name_two_people_share_lists_both_with_their_teams(twins, capsys):
    # It listed bare keys ('name one by key: wangwei, wangwei2'), unlike every other command.
    _bot, _chat, settings = twins
    assert run_cli(settings, "goals", "王伟") == (2, "")
    assert capsys.readouterr().err == f"teampulse: {WANGWEI.format(how='goals')}\n"
    # In Chinese, as the views (and the org's other CLI errors) are.
    for command in (("goals", "王伟"), ("summary", "--person", "王伟"), ("review", "王伟")):
        how = "--person" if "--person" in command else command[0]
        assert run_cli(settings, *command, "--locale", "zh-CN") == (2, "")
        assert capsys.readouterr().err == (
            f"teampulse: 有 2 个人叫 '王伟'：{how} wangwei（团队 North）、{how} wangwei2（团队 "
            "South）\n"), command


@pytest.mark.parametrize(("typed", "hint"), [*TYPOS, ("%", "")])
def test_checkin_send_to_nobody_says_what_is_accepted_and_sends_nothing(twins, capsys, typed,
                                                                        hint):
    bot, _chat, settings = twins
    assert run_cli(settings, "checkin", "send", "--person", typed, "--wait", "0") == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: no person {typed!r} in the org{hint} (give their key, or their name as the "
        "org file writes it)\n")
    assert _requests(bot) == []


# --- teampulse review ---------------------------------------------------------------------

async def test_review_of_a_director_by_name(twins, capsys):
    bot, _chat, settings = twins
    for key in ("alice", "li"):
        await say(bot, "grace", f"/review start {key}")
        await say(bot, "grace", f"/review close {key}")
    code, out = run_cli(settings, "review", "Alice Martin")
    assert code == 0, capsys.readouterr().err
    assert out.startswith("# 🔄 360° review — Alice Martin")
    code, out = run_cli(settings, "review", "李雷")
    assert code == 0, capsys.readouterr().err
    assert out.startswith("# 🔄 360° review — 李雷")
    code, out = run_cli(settings, "review", "alice　MARTIN", "--format", "json")
    assert code == 0 and '"director": "alice"' in out


async def test_review_of_a_name_two_directors_share_lists_both(twins, capsys):
    bot, _chat, settings = twins
    await say(bot, "grace", "/review start wangwei")
    await say(bot, "grace", "/review close wangwei")
    assert run_cli(settings, "review", "王伟") == (2, "")  # not wangwei's, silently
    assert capsys.readouterr().err == f"teampulse: {WANGWEI.format(how='review')}\n"
    assert _rounds(bot) == 1
    code, out = run_cli(settings, "review", "wangwei")
    assert code == 0 and out.startswith("# 🔄 360° review — 王伟")


@pytest.mark.parametrize(("typed", "hint"), TYPOS)
async def test_review_of_nobody_says_so_plainly(twins, capsys, typed, hint):
    bot, _chat, settings = twins
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review close alice")
    assert run_cli(settings, "review", typed) == (2, "")
    # It said "no 360° review of 'Alice Mart'", as if the name were right.
    assert capsys.readouterr().err == (
        f"teampulse: no person {typed!r} in the org{hint} (give the director's key, or their "
        "name "
        "as the org file writes it)\n")
    assert _rounds(bot) == 1


# --- teampulse digest --to -----------------------------------------------------------------

@pytest.mark.parametrize(("typed", "key"), [
    ("Alice Martin", "alice"), ("alice　martin", "alice"), ("李雷", "li"), ("ALICE", "alice"),
    ("gm", "grace"), ("Grace Chen", "grace"),
])
def test_digest_to_a_person_by_name(twins, capsys, typed, key):
    """`digest --to` took a key only: `--to "Alice Martin"` was refused."""
    _bot, _chat, settings = twins
    # (The week given: by default it is the latest check-in's by the real clock.)
    code, out = run_cli(settings, "digest", "--to", typed, "--week", "2026-W48", "--dry-run")
    assert code == 0, capsys.readouterr().err
    assert [line for line in out.splitlines() if line.startswith("## Digest for ")] == [
        f"## Digest for {key}, 2026-W48"]


def test_digest_to_a_name_two_directors_share_sends_nothing_and_lists_both(twins, capsys):
    bot, _chat, settings = twins
    assert run_cli(settings, "digest", "--to", "王伟") == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: {WANGWEI.format(how='--to')}; nothing was sent\n")
    from storage.digest import DigestSent
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(DigestSent)) == 0


@pytest.mark.parametrize(("typed", "hint"), TYPOS)
def test_digest_to_nobody_says_what_is_accepted(twins, capsys, typed, hint):
    _bot, _chat, settings = twins
    assert run_cli(settings, "digest", "--to", typed) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: no person {typed!r} in the org{hint} (give their key, or their name as the "
        "org file writes it, or gm)\n")


# --- what --help says, and the commands kept key-only --------------------------------------

@pytest.mark.parametrize(("command", "says"), [
    (["checkin", "send"], "their key, or their name as the org file writes it"),
    (["review"], "their key, or their name as the org file writes it"),
    (["digest"], "the GM (gm), or one director: their key, or their name as the org file "
                 "writes it"),
    (["export"], "their key, as in the org file (a name is not accepted)"),
    (["erase"], "their key, as in the org file (a name is not accepted: erasing"),
])
def test_help_says_what_names_a_person(capsys, command, says):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert says in " ".join(capsys.readouterr().out.split())


def test_erase_and_export_still_need_the_exact_key(twins, capsys):
    # Kept so on purpose: erasing cannot be undone, so a name (or a guess) must not do it.
    bot, _chat, settings = twins
    for command in (["export", "Alice Martin"], ["erase", "Alice Martin", "--yes"]):
        assert run_cli(settings, *command) == (2, "")
        assert "no person 'Alice Martin' in the database (use their key)" \
            in capsys.readouterr().err
    with bot.unit() as ctx:
        alice = ctx.session.scalar(select(Person).where(Person.key == "alice"))
        assert alice is not None and alice.active and alice.display_name == "Alice Martin"


async def test_review_while_open_shows_no_answers_from_the_command_line(twins, capsys):
    """The GM (or an operator) cannot watch a 360° review's answers arrive from the
    command line any more than with /review report: an open review stays unseen."""
    bot, _chat, settings = twins
    await say(bot, "grace", "/review start alice")
    await say(bot, "grace", "/review close alice")
    await say(bot, "grace", "/review start alice")  # the second, still open
    code, out = run_cli(settings, "review", "alice", "--format", "json")
    assert code == 0, capsys.readouterr().err
    assert '"status": "closed"' in out and '"status": "open"' not in out
    await say(bot, "grace", "/review start li")
    # Nothing to show yet, not a wrong request: said, with success (it exited 2).
    assert run_cli(settings, "review", "李雷") == (0, "")
    assert capsys.readouterr().err == (
        "teampulse: the 360° review of 李雷 (li) is still open: nothing to show until it "
        "closes, its answers stay unseen till then (/review close li)\n")


@pytest.mark.parametrize(("command", "says"), [
    # The format names --format takes were in no help text, only in an error.
    (["import-actuals"], "the export's format, salesforce, chinese, teampulse-daily, "
                         "teampulse-weekly or a name under crm.formats"),
    # restore replaced the database without a question and kept nothing; its help says
    # what it costs, that it asks (--yes for scripts), and where the old database is kept.
    (["restore"], "Everything written since the backup (check-ins, kudos, notes) leaves the "
                  "database, so it asks first, showing the database and the backup (on a "
                  "terminal; elsewhere it needs --yes), and keeps a copy of the database as it "
                  "was beside it, named with the time"),
    (["config"], "names in that file that look like a mistyped setting are named on "
                 "standard error as ignored"),
])
def test_help_says_what_the_command_takes_and_what_it_costs(capsys, command, says):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert says in " ".join(capsys.readouterr().out.split())


# --- someone who has left the org ------------------------------------------------------------

def _without(settings: Any, tmp_path: Path, key: str) -> Any:
    """`settings` on the test org with `key` taken out, applied: they have left."""
    from dataclasses import replace

    org = tmp_path / "org.yaml"
    lines = TEST_ORG.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  - key: {key}\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    org.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    settings = replace(settings, org_file=org)
    assert run_cli(settings, "apply-org", "--yes")[0] == 0
    return settings


def test_checkin_send_to_someone_who_left_says_when_and_sends_nothing(bot, settings, clock,
                                                                       capsys, tmp_path):
    """`checkin send --person sam` after Sam left said "no person 'sam' in the org", as
    for a typo: the operator could not tell he was gone, nor since when."""
    settings = _without(settings, tmp_path, "sam")
    capsys.readouterr()
    day = clock.now().astimezone(ZoneInfo("America/New_York")).date().isoformat()  # the GM's
    for typed in ("sam", "Sam Lee"):
        assert run_cli(settings, "checkin", "send", "--person", typed, "--wait", "0") \
            == (2, "")
        assert capsys.readouterr().err == (
            f"teampulse: Sam Lee (sam) left the org on {day} (America/New_York): a leaver is "
            "not sent check-ins; nothing was sent\n")
    assert _requests(bot) == []


def test_digest_to_a_director_who_left_says_when_and_sends_nothing(bot, settings, clock,
                                                                    capsys, tmp_path):
    settings = _without(settings, tmp_path, "bruno")
    capsys.readouterr()
    assert run_cli(settings, "digest", "--to", "bruno") == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: Bruno Rossi (bruno) left the org on "
        f"{clock.now().astimezone(ZoneInfo('America/New_York')).date().isoformat()} "
        "(America/New_York): a leaver is not sent digests; nothing was sent\n")
    from storage.digest import DigestSent
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(DigestSent)) == 0
    # A typo of him is still a typo (no one of that name has left): who is close.
    assert run_cli(settings, "digest", "--to", "brnuo") == (2, "")
    assert capsys.readouterr().err.startswith("teampulse: no person 'brnuo' in the org")
