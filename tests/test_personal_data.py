"""A person's data: `teampulse export` writes all of it, `teampulse erase` leaves nothing of
theirs and keeps the GM's totals."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import yaml
from sqlalchemy import String, Text, inspect, select, text

from bot.cli import main
from storage.away import AwayRepo
from storage.models import Base, Person
from storage.personal_data import PARTS, Part, contribute
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_kudos import kudo


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(TEST_ORG))

    def cli(*args: str) -> tuple[int, str]:
        out = StringIO()
        code = main(["--env-file", "/dev/null", *args], stdout=out)
        return code, out.getvalue()
    return cli


async def alice_has_a_history(bot, chat) -> None:
    """Alice checks in, gives and gets kudos, and says she will be away."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await kudo(bot, "alice", "/kudos @bruno for the Milan deck")
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    with bot.unit() as ctx:
        person = ctx.people.by_key("alice")
        today = bot.clock.now().date()
        AwayRepo(ctx.session).add(person.id, today + timedelta(days=10),
                                  today + timedelta(days=14), bot.clock.now())
    await bot.drain()


def without_alice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator removes Alice from the org file (she left and asked to be erased)."""
    org = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    org["people"] = [p for p in org["people"] if p["key"] != "alice"]
    for person in org["people"]:
        if person.get("manager") == "alice":
            person["manager"] = "grace"
    path = tmp_path / "org-without-alice.yaml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(path))


def every_text_in_the_database(bot) -> list[str]:
    """Every string (and JSON) value in every table, as text."""
    found: list[str] = []
    with bot.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if not inspect(conn).has_table(table.name):
                continue
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(column.type, String | Text):
                        found.append(str(value))
                    elif isinstance(value, dict | list):
                        found.append(json.dumps(value, ensure_ascii=False))
    return found


def week_totals(cli) -> dict:
    code, out = cli("summary", "--format", "json", "--week", "2026-W48")
    assert code == 0
    week = json.loads(out)["weeks"][0]
    return {"checked_in": week["checked_in"], "expected": week["expected"],
            "teams": week.get("teams"), "totals": week.get("totals")}


async def test_export_holds_her_check_in_kudos_and_away_periods(bot, chat, cli_env) -> None:
    await alice_has_a_history(bot, chat)
    code, out = cli_env("export", "alice")
    assert code == 0
    data = json.loads(out)
    assert data["person"]["name"] == "Alice Martin"
    assert data["person"]["slack_id"] == "U0ALICE"
    [week] = data["checkins"]
    assert week["week"] == "2026-W48" and week["status"] == "submitted"
    # What the round kept of her that week (summaries of past weeks read it) is hers too.
    assert (week["role"], week["team"], week["timezone"], week["manager"]) == \
        ("director", "East", "America/New_York", "grace")
    answers = {a["question"]: a for a in week["answers"]}
    assert answers["kpi:revenue"]["number"] == 52000.0
    assert answers["wins"]["text"] == "Closed Acme"
    assert [k["reason"] for k in data["kudos"]["given"]] == ["the Milan deck"]
    assert [k["giver"] for k in data["kudos"]["received"]] == ["grace"]
    assert data["kudos"]["received"][0]["reason"] == "closing Acme"
    [away] = data["away"]
    assert away["starts_on"] == str(bot.clock.now().date() + timedelta(days=10))
    # What the bot sent her is hers too (her check-in questions, the kudos DM).
    assert any("kudos from Grace Chen" in (m["text"] or "") for m in data["messages_to_them"])


async def test_export_to_a_file_and_an_unknown_person(bot, chat, cli_env, tmp_path,
                                                     capsys) -> None:
    await alice_has_a_history(bot, chat)
    code, out = cli_env("export", "alice", "--output", str(tmp_path / "alice.json"))
    assert code == 0 and "alice.json" in out
    assert json.loads((tmp_path / "alice.json").read_text())["person"]["key"] == "alice"
    # Named as typed (ALICE), the line names whom it is about by key, as `erase` does.
    code, out = cli_env("export", "ALICE", "--output", str(tmp_path / "again.json"))
    assert code == 0 and out == f"wrote everything stored about alice to {tmp_path}/again.json\n"
    assert cli_env("export", "nobody")[0] == 2
    assert "no person 'nobody'" in capsys.readouterr().err


async def test_erase_without_yes_changes_nothing_and_says_how(bot, chat, cli_env,
                                                             capsys) -> None:
    """`teampulse erase alice` alone: --yes is required; nothing is erased. It names whom
    it would erase; a key that names nobody is told so at once (`erase alcie` was told to
    add --yes, and only then that alcie is nobody)."""
    await alice_has_a_history(bot, chat)
    assert cli_env("erase", "alice")[0] == 2
    assert capsys.readouterr().err == ("teampulse: erasing Alice Martin (alice) cannot be "
                                       "undone; run again with --yes\n")
    assert cli_env("erase", "alcie")[0] == 2
    err = capsys.readouterr().err
    assert "no person 'alcie' in the database (use their key)" in err and "--yes" not in err
    code, out = cli_env("export", "alice")
    assert code == 0 and json.loads(out)["kudos"]["received"][0]["reason"] == "closing Acme"


async def test_erase_leaves_nothing_of_hers_and_keeps_the_gms_totals(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    await alice_has_a_history(bot, chat)
    before = week_totals(cli_env)
    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0
    assert "erased alice:" in out
    assert "written answers deleted" in out and "kudos" in out
    assert "still in the org file" not in out

    texts = "\n".join(every_text_in_the_database(bot))
    for trace in ("Alice Martin", "U0ALICE", "Closed Acme", "Pricing pushback",
                  "Travel budget", "Visit 5", "the Milan deck", "closing Acme"):
        assert trace not in texts, trace
    with bot.unit() as ctx:
        keys = {p.key for p in ctx.session.scalars(select(Person))}
        former = ctx.session.scalar(select(Person).where(Person.key.like("former-%")))
    assert "alice" not in keys
    assert former is not None and former.telegram_id is None and not former.active

    # The GM's totals for that week are as they were: her numbers count, anonymously.
    after = week_totals(cli_env)
    assert after == before
    code, out = cli_env("export", former.key)
    numbers = {a["question"]: a["number"] for a in json.loads(out)["checkins"][0]["answers"]}
    assert numbers["kpi:revenue"] == 52000.0
    assert json.loads(out)["kudos"]["received"][0]["reason"] == ""


async def test_erase_report_counts_in_plain_english(bot, chat, cli_env, tmp_path,
                                                     monkeypatch) -> None:
    """The operator reads what erase did: '2 kudos', '1 period', never 'answer(s)' or
    '1 kudos' (the report wrote every count with '(s)' and kudos as if always many)."""
    await alice_has_a_history(bot, chat)
    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0
    assert "(s)" not in out
    assert "the words of 2 kudos given or received removed" in out
    assert "in 1 week kept anonymously" in out
    assert "away: 1 period kept (dates only)" in out


async def test_one_kudo_is_counted_as_one(bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0 and "the words of 1 kudo given or received removed" in out
    assert "check-ins: 0 written answers deleted; 0 numbers and choices in 0 weeks" in out


async def test_erase_needs_yes_and_warns_while_she_is_still_in_the_org(
        bot, chat, cli_env, capsys) -> None:
    await alice_has_a_history(bot, chat)
    assert cli_env("erase", "alice")[0] == 2
    assert "cannot be undone" in capsys.readouterr().err
    code, out = cli_env("export", "alice")
    assert code == 0 and json.loads(out)["checkins"][0]["answers"]
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0 and "still in the org file" in out  # the operator is told what to do


async def test_a_feature_contributes_its_own_part(bot, chat, cli_env) -> None:
    calls: list[str] = []
    part = Part("one_on_ones", lambda _s, p: [{"note": f"1:1 of {p.key}"}],
                lambda _s, p, former: calls.append(former) or ["one-on-ones: 1 note deleted"])
    contribute(part)
    try:
        _code, out = cli_env("export", "alice")
        assert json.loads(out)["one_on_ones"] == [{"note": "1:1 of alice"}]
        _code, out = cli_env("erase", "alice", "--yes")
        assert "one-on-ones: 1 note deleted" in out and calls and calls[0].startswith("former-")
    finally:
        PARTS.remove(part)


async def test_the_gms_summary_after_erase_counts_her_as_a_former_member(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "bruno", "41000")
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    _code, out = cli_env("summary", "--format", "json", "--week", "2026-W48")
    data = json.loads(out)  # the GM's view: per director
    people = {p["key"]: p for p in data["directors"]}
    former = next(k for k in people if k.startswith("former-"))
    assert people[former]["name"] == former
    assert "Alice" not in out and "Closed Acme" not in out
    assert data["weeks"][0]["checked_in"] == 1
    assert people[former]["status"] == "submitted"


async def test_her_monthly_review_and_one_on_one_words_are_exported_and_erased(
        bot, chat, cli_env, clock, tmp_path, monkeypatch) -> None:
    """The README promises everything stored about her and that her written words go:
    her answers to the monthly review and what she put on her 1:1 agenda had been left
    out of `export` and left in the database, under her row, by `erase`."""
    from datetime import UTC, datetime

    await say(bot, "alice", "/agenda add @grace Q1 hiring plan for Globex")
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # the first working day, 09:00
    assert await bot.run_monthly_review()
    for answer in ("Two new logos at Initech", "Legal review drags", "Push Globex expansion"):
        await say(bot, "alice", answer)
    assert chat.last("alice").startswith("Thank you")

    code, out = cli_env("export", "alice")
    assert code == 0
    data = json.loads(out)
    assert [a["text"] for a in data["monthly_reviews"]] == [
        "Two new logos at Initech", "Legal review drags", "Push Globex expansion"]
    assert [a["text"] for a in data["oneonones"]["agenda_items_written"]] == [
        "Q1 hiring plan for Globex"]

    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0
    assert "monthly review: 3 answers deleted" in out
    assert "one-on-ones: 1 agenda item and 0 notes of theirs or of their one-on-ones deleted" in out
    texts = "\n".join(every_text_in_the_database(bot))
    for trace in ("Initech", "Legal review drags", "Push Globex", "Q1 hiring plan"):
        assert trace not in texts, trace


async def test_export_to_a_file_it_cannot_write_says_so_in_one_line(bot, chat, cli_env, tmp_path,
                                                                   capsys) -> None:
    """A missing folder or a folder given as the file had ended in a traceback."""
    await alice_has_a_history(bot, chat)
    for path in (tmp_path / "no-such-folder" / "alice.json", tmp_path):
        assert cli_env("export", "alice", "-o", str(path))[0] == 2
        err = capsys.readouterr().err
        assert err.startswith(f"teampulse: cannot write {path}: ") and len(
            err.splitlines()) == 1, err
    # The folder is said to be one, with a file to name in it: it read "File exists".
    assert err == (f"teampulse: cannot write {tmp_path}: it is a folder; name the file to "
                   f"write, such as {tmp_path / 'alice.json'}\n")


async def test_erase_carries_her_crm_figures_over_to_the_former_member(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Her CRM figures were left under her key: the key she was erased from stayed in the
    database, and the GM's view of a past week lost the CRM figure it had counted for her
    (her self-report counted instead)."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)  # reports 52,000
    crm = tmp_path / "crm.csv"
    crm.write_text('"Opportunity Owner","Opportunity Name","Stage","Amount","Close Date"\n'
                   '"Alice Martin","Acme - Renewal","Closed Won","61,000.00","11/26/2026"\n',
                   encoding="utf-8")
    assert cli_env("import-actuals", str(crm))[0] == 0

    def her_goals(key: str) -> list:
        _code, out = cli_env("summary", "--format", "json", "--week", "2026-W48")
        return [d["goals"] for d in json.loads(out)["directors"] if d["key"] == key]

    before = her_goals("alice")
    assert "61000" in json.dumps(before)
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    with bot.unit() as ctx:
        former = ctx.session.scalar(select(Person.key).where(Person.key.like("former-%")))
        keys = set(ctx.session.scalars(select(text("person_key")).select_from(
            text("crm_actuals"))))
    assert keys == {former}
    assert her_goals(former) == before


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 64 kB file system of its own (tmpfs), nearly full: a USB stick or a /home at its
    quota, as an operator's disk is when an export meets it. Skipped where mounting is not
    allowed."""
    import shutil
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        import os

        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:  # everything but the last block's few hundred bytes
                os.write(fd, b"x" * 256)
        except OSError:
            pass
        finally:
            os.close(fd)
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


async def test_an_export_that_meets_a_full_disk_leaves_no_file_under_its_name(
        bot, chat, cli_env, small_disk: Path, capsys) -> None:
    """`export -o` onto a full disk created the file, wrote what fitted and said it could not
    write: the part it wrote stayed under the export's name, a JSON cut short the operator
    could send on as her data, and the export run again, the disk freed, was refused as
    'exists already'. Nothing is left under the name (nor beside it), and run again it
    writes her export whole."""
    await alice_has_a_history(bot, chat)
    path = small_disk / "alice.json"
    code, out = cli_env("export", "alice", "-o", str(path))
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert err.startswith(f"teampulse: cannot write {path}: No space left on device"), err
    assert sorted(f.name for f in small_disk.iterdir()) == ["filler"]

    (small_disk / "filler").unlink()
    code, out = cli_env("export", "alice", "-o", str(path))
    assert code == 0, capsys.readouterr().err
    assert json.loads(path.read_text(encoding="utf-8"))["person"]["key"] == "alice"
    assert sorted(f.name for f in small_disk.iterdir()) == ["alice.json"]
    assert path.stat().st_mode & 0o777 == 0o600  # her data: for the operator alone


async def test_export_refuses_to_overwrite_a_file_as_backup_does(bot, chat, cli_env, tmp_path,
                                                                 capsys) -> None:
    """`export -o FILE` wrote over an existing FILE without a word (say last month's export of
    someone else); `backup FILE` refuses to. It refuses in one line and leaves the file."""
    await alice_has_a_history(bot, chat)
    path = tmp_path / "bruno.json"
    path.write_text("bruno's export\n", encoding="utf-8")
    code, out = cli_env("export", "alice", "-o", str(path))
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert err == f"teampulse: {path} exists already; give a new file name\n"
    assert path.read_text(encoding="utf-8") == "bruno's export\n"


async def test_after_erase_no_row_links_her_key_to_her_anonymous_one(
        bot, chat, cli_env, clock, tmp_path, monkeypatch) -> None:
    """A scheduled 360° review of Alice was recorded under her key ('alice') beside the
    review it started. Erase renamed the review's subject to former-<id> and left that
    record: one join named whose figures former-<id>'s are, and the close of the
    schedule's reviews named her by her key. After erase her key is nowhere."""
    from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY, scheduled

    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 3
    # Before: her export holds the schedule's record of her review, and the review.
    reviews = json.loads(cli_env("export", "alice")[1])["reviews_360_of_them"]
    assert reviews["scheduled"] and [s["round_id"] for s in reviews["scheduled"]] == [
        r["round_id"] for r in reviews["rounds"]]
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    holding = []
    with bot.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            keys = [c for c in table.columns if c.name.endswith("_key")
                    and isinstance(c.type, String | Text) and c.name != "question_key"]
            holding += [f"{table.name}.{column.name}" for column in keys
                        if conn.execute(select(column).where(column == "alice")).first()]
    assert holding == []


async def test_erase_clears_the_language_she_chose_in_chat(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """The language Alice chose with /language stayed on the former-<id> row after erase:
    a choice of hers, kept beside an anonymous row. Erase clears it (and the row's
    language, which the choice had set, goes back to the default)."""
    await say(bot, "alice", "/language 中文")
    assert chat.last("alice").startswith("好的")
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    with bot.unit() as ctx:
        former = ctx.session.scalar(select(Person).where(Person.key.like("former-%")))
        assert former is not None
        assert (former.chosen_locale, former.locale) == (None, "en")
    code, out = cli_env("export", former.key)
    assert code == 0 and json.loads(out)["person"]["locale_chosen_in_chat"] is None


async def test_a_reminder_naming_her_that_expired_unsent_is_deleted_not_kept_anonymised(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Grace's "your 1:1 with Alice Martin starts soon" that was held up until the meeting
    began and dropped (expired) is done with, as a delivered one: erase deletes it, and
    the report does not count it among the messages still waiting to go out."""
    now = bot.clock.now()
    with bot.unit() as ctx:
        ctx.outbox.add(platform="console", target_kind="dm", address="grace",
                       payload={"text": "Your 1:1 with Alice Martin starts soon: 10:00."},
                       now=now, expires_at=now + timedelta(minutes=15))
    bot.clock.advance(timedelta(minutes=40))
    await bot.outbox.flush()
    assert not chat.to("grace")
    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0
    assert "1 delivered deleted and 0 waiting anonymised" in out
    with bot.unit() as ctx:
        assert ctx.outbox.by_status("expired") == []


async def test_erase_removes_every_raters_comments_on_her_360_review(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Erase removed only the comments of her own (self) answers: her manager's named
    comments and her peers' and reports' on her review stayed, words written about her,
    so the GM's `/review report former-<id>` quoted them ("Slow to share leads", "Not
    enough coaching") as a kudo's words would have said who former-<id> was. Every
    rater's comments on a review of her go, as both sides' words of her one-on-ones do;
    the ratings stay, and so does the report's figures."""
    from tests.test_review import run_review

    await run_review(bot, chat)
    written = ("Strong quarter", "Weekly one-on-ones", "Slow to share leads", "沟通顺畅",
               "Not enough coaching")
    code, out = cli_env("review", "alice", "--format", "json")
    before = json.loads(out)
    assert code == 0 and all(words in out for words in written)
    without_alice(tmp_path, monkeypatch)
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0
    assert "360° reviews: 5 comments in the reviews of them or in their named answers " \
           "deleted (ratings kept)" in out
    texts = "\n".join(every_text_in_the_database(bot))
    assert [w for w in written if w in texts] == []
    with bot.unit() as ctx:
        former = ctx.session.scalar(select(Person.key).where(Person.key.like("former-%")))
    code, out = cli_env("review", former, "--format", "json")
    after = json.loads(out)
    assert code == 0 and not any(words in out for words in written)
    assert after["criteria"] == before["criteria"]  # the ratings count as before
    assert all(not comments for comments in after["comments"].values())
    await say(bot, "grace", f"/review report {former}")
    assert chat.last("grace").startswith(f"🔄 360° review — {former}")
    assert "Comments" not in chat.last("grace")


@pytest.mark.skipif(bool(SERVER_URL), reason="teampulse backup/restore are SQLite's")
async def test_a_restore_of_a_backup_made_before_an_erase_says_to_erase_again(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Alice asked to be erased and was; a week later the operator restored last month's
    backup (a bad org file edit to undo). Everything erase had removed was back, her
    name, words and chat ids, and the restore said nothing of it. It names her and the
    command to erase her again; a restore over a database that erased no one says
    nothing of the kind."""
    await alice_has_a_history(bot, chat)
    saved = tmp_path / "saved.db"
    assert cli_env("backup", str(saved))[0] == 0
    code, out = cli_env("restore", "--yes", str(saved))
    assert code == 0 and "erase" not in out
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    bot.engine.dispose()

    code, out = cli_env("restore", "--yes", str(saved))
    assert code == 0
    assert "the backup was made before 1 person was erased (alice): they are in it again " \
           "with everything erase had removed; erase them again before starting the bot: " \
           "teampulse erase alice --yes\n" in out
    assert "Closed Acme" in "\n".join(every_text_in_the_database(bot))
    code, out = cli_env("erase", "alice", "--yes")
    assert code == 0 and "erased alice:" in out
    assert "Closed Acme" not in "\n".join(every_text_in_the_database(bot))


async def test_a_kudo_whose_words_were_erased_says_so_where_it_is_listed(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Grace's `/kudos me` listed the kudo she gave Alice, once Alice was erased, as
    "• 2026-11-27 former-2:" and nothing after the colon, as if the words had been lost
    (the CLI's list too). A kudo always has its words but an erased one: it says they
    were erased, in English and Chinese."""
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    await kudo(bot, "bruno", "/kudos @grace for the Rome workshop")
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    with bot.unit() as ctx:
        former = ctx.session.scalar(select(Person.key).where(Person.key.like("former-%")))
    await say(bot, "grace", "/kudos me")
    assert chat.last("grace").endswith(f"Given: 1\n• 2026-11-27 {former}: (words erased)")
    assert "• 2026-11-27 Bruno Rossi: the Rome workshop" in chat.last("grace")
    code, out = cli_env("kudos", "--format", "md")
    assert code == 0 and f"· Grace Chen → {former}: (words erased)\n" in out
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/kudos me")
    assert chat.last("grace").endswith(f"• 2026-11-27 {former}：（内容已删除）")


async def test_erase_keeps_the_check_in_count_of_a_week_she_answered_in_words_only(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Alice skipped every figure that week and answered in words. Erase deleted her
    written answers with their rows, so her round, submitted, had no answer left: the
    GM's past week read "Check-ins: 0 of 3" where it had read 1 of 3, and her line
    "skipped". README: the week keeps its check-in count. Her words go; that she
    answered stays."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ["/skip", "/skip", "Closed Acme", "Pricing pushback",
                                    "/skip", "Visit 5", "/skip"])
    assert chat.last("alice").startswith("Thanks — your check-in for 2026-W48 is in.")
    before = week_totals(cli_env)
    assert before["checked_in"] == 1
    _code, out = cli_env("summary", "--format", "json", "--week", "2026-W48")
    [her] = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    assert week_totals(cli_env) == before
    _code, out = cli_env("summary", "--format", "json", "--week", "2026-W48")
    [former] = [d for d in json.loads(out)["directors"] if d["key"].startswith("former-")]
    assert (former["status"], former["answered"], former["skipped"]) == \
        (her["status"], her["answered"], her["skipped"]) == ("submitted", 3, 4)
    assert not any(words in out for words in ("Closed Acme", "Pricing pushback", "Visit 5"))
    await say(bot, "grace", "/summary")
    assert "Check-ins: 1 of 3" in chat.last("grace")
    # She reported a blocker: its words are gone, not the blocker ("no blockers" said
    # nothing was in her way).
    assert "Execution: blockers: (words erased)" in chat.last("grace")
    assert "no blockers" not in chat.last("grace")
    texts = "\n".join(every_text_in_the_database(bot))
    assert not any(words in texts for words in ("Closed Acme", "Pricing pushback", "Visit 5"))


async def test_a_peers_export_does_not_say_which_review_he_was_asked_to_rate(
        bot, chat, cli_env) -> None:
    """Which anonymous 360° reviews someone was asked to rate is left out of their export
    on purpose (README): it goes through the operator's hands. Bruno's listed the
    survey's messages to him all the same ("You're asked for feedback on Alice Martin as
    a fellow director", each question, "Thank you"). Sam, a report, too. The manager's
    named survey is in Grace's, as before."""
    from tests.test_review import run_review

    await run_review(bot, chat)
    await bot.outbox.flush()
    for key in ("bruno", "sam"):
        code, out = cli_env("export", key)
        assert code == 0
        assert "Alice Martin" not in out and "feedback on" not in out, \
            [line for line in out.splitlines() if "Alice" in line]
    code, out = cli_env("export", "grace")
    assert code == 0 and "feedback on Alice Martin as their manager" in out


async def test_erase_leaves_her_key_in_no_message_sent_to_an_address_she_has_since_left(
        bot, chat, cli_env, tmp_path, monkeypatch) -> None:
    """Her check-in prompts were sent to the chat she had then; the org file has given her
    another since. Erase found her messages by today's address, and a message's key names
    her by her key ('checkin:alice:…', 'undelivered:…:checkin:alice:…')."""
    from storage.models import OutboxMessage

    await alice_has_a_history(bot, chat)
    with bot.unit() as ctx:
        rows = list(ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("%alice%"))))
        assert rows  # (her prompts are keyed by her key)
        for row in rows:  # the address she had then
            row.address = "-100200300" if row.platform == "telegram" else "U0OLDCHAT"
        rows[0].dedupe_key = "undelivered:2026-W01:checkin:alice:1"
        rows[0].status = "failed"
        rows[0].payload = {"text": "Time for your weekly check-in."}  # (not naming her)
        # One still to send to that chat, not naming her either.
        ctx.session.add(OutboxMessage(
            dedupe_key="digest:2026-W01:alice", platform=rows[0].platform,
            target_kind=rows[0].target_kind, address=rows[0].address,
            payload={"text": "Your week in numbers."}, status="pending",
            not_before=bot.clock.now(), created_at=bot.clock.now()))
    without_alice(tmp_path, monkeypatch)
    assert cli_env("erase", "alice", "--yes")[0] == 0
    with bot.engine.connect() as conn:
        keys = [k for (k,) in conn.execute(select(OutboxMessage.dedupe_key))
                if k is not None and "alice" in k]
        waiting = conn.execute(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like("digest:2026-W01:%"))).scalar_one()
    assert keys == []
    assert waiting.startswith("digest:2026-W01:former-")  # still to send, under her new key
