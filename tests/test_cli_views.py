"""The `teampulse` views (kudos, leaderboard, honour roll, one-on-ones, pulse results,
360° review, goals) in Markdown, JSON and CSV: what an operator pipes into a spreadsheet,
a script or a wiki page, and the JSON checked against its documented schema."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt

from bot.app import prepare
from bot.cli_output import csv_cell, json_bytes, json_text
from bot.config import Settings
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_goals import GOALS, answer_kpi
from tests.test_kudos import kudo
from tests.test_pulse import (  # noqa: F401
    EAST,
    POLL_DAY,
    PREVIOUS_POLL_DAY,
    PULSE_ORG,
    WEST,
    answer_all,
    close,
    pbot,
    pchat,
    pclock,
    run_poll,
)
from tests.test_review import run_review
from tests.test_summary_output import markdown_blocks

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schema"
#: The views this module covers (the summary's schema is tested with the summary).
VIEWS = ("kudos", "kudos-top", "kudos-honours", "oneonones", "pulse-results", "review",
         "goals", "org", "support")
# Sam is called "=cmd": a spreadsheet would run the name as a formula if it were not guarded.
FORMULA_ORG = TEST_ORG.read_text(encoding="utf-8").replace("name: Sam Lee", 'name: "=cmd"')


def valid(view: str, raw: str) -> dict:
    """The JSON a command printed, after checking it against docs/schema/<view>."""
    schema = json.loads((SCHEMAS / f"{view}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    data = json.loads(raw)
    errors = sorted(Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(data),
        key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return data


def table(raw: str) -> list[dict[str, str]]:
    """A CSV view's rows, after checking it starts with the byte-order mark (only there)."""
    assert raw.startswith("\ufeff") and "\ufeff" not in raw[1:]
    rows = list(csv.reader(StringIO(raw[1:])))
    header = rows[0]
    assert len(set(header)) == len(header)
    assert all(len(r) == len(header) for r in rows)
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


@pytest.fixture
def fsettings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "org.yaml"
    path.write_text(FORMULA_ORG + GOALS, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)


@pytest.fixture
def fbot(fsettings, clock, monkeypatch):
    bot, engine = prepare(fsettings, clock)
    bot.register(RecordingAdapter())
    # The command reads the system clock: make it the test's.
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    yield bot
    engine.dispose()


def test_a_csv_cell_is_never_a_formula_and_never_localised():
    assert [csv_cell(v) for v in ("=cmd", "+1 deal", "-x", "@here", "\tx", "ok")] == [
        "'=cmd", "'+1 deal", "'-x", "'@here", "'\tx", "ok"]
    assert [csv_cell(v) for v in (52000.0, 1234567.5, -5, 0.35, None, True, ["a", "b"])] == [
        "52000", "1234567.5", "-5", "0.35", "", "true", "a;b"]
    assert csv_cell(datetime(2026, 12, 1, 5, 30, tzinfo=UTC)) == "2026-12-01T05:30:00+00:00"
    assert csv_cell("\x1b[31mred\x1b[0m") == "red"


def test_json_escapes_del_and_c1_controls_and_keeps_every_other_character():
    # A terminal obeys C1 controls (U+0085, U+009B is CSI): escaped. Text beside them, and
    # characters whose UTF-8 shares a lead byte with C1 (£, NBSP, °) or is CJK, stay as
    # written, whether or not a control is elsewhere in the same export.
    plain = {"name": "Zoë £5 at 20° 季度目标 \u00a0ok"}
    assert json.loads(json_text(plain)) == plain
    assert "\\u" not in json_text(plain)
    text = json_text({"a": "x\x7fy\x85z\x9b[2J", "b": "£ 季度"})
    assert "\x7f" not in text and "\x85" not in text and "\x9b" not in text
    assert "\\u007f" in text and "\\u0085" in text and "\\u009b" in text
    assert json.loads(text) == {"a": "x\x7fy\x85z\x9b[2J", "b": "£ 季度"}
    assert json_text({"c": "only \x85 C1"}).count("\\u0085") == 1
    assert json_text({"d": "only \x7f DEL"}).count("\\u007f") == 1


def test_json_writes_number_keys_dates_and_sets_as_before_and_names_what_it_cannot():
    # Keys that are not text (a week number, a score) are written as json.dumps writes
    # them, deep inside an export as at its top; dates in ISO 8601, sets sorted; the
    # layout (two-space indent, key order as built) stays as every export printed it.
    data = {"view": "x", "weeks": [{"scores": {1: 2, 5: 0}, "day": date(2026, 11, 30),
                                    "tags": {"b", "a"}}], 3: None}
    assert json_text(data) == json.dumps(
        {"view": "x", "weeks": [{"scores": {"1": 2, "5": 0}, "day": "2026-11-30",
                                 "tags": ["a", "b"]}], "3": None},
        indent=2, ensure_ascii=False)
    assert json_text({"a": [1.5, None, True], "b": {}}) == \
        '{\n  "a": [\n    1.5,\n    null,\n    true\n  ],\n  "b": {}\n}'
    with pytest.raises(TypeError, match=r"JSON seriali[sz]able: object"):
        json_text({"a": object()})
    with pytest.raises(TypeError, match=r"JSON seriali[sz]able: object"):
        json_text({1: object()})


def test_json_records_are_written_as_their_as_dict_makes_them():
    # The GM's export hands orjson its directors' views as they are (records=True), each
    # made a dict only as it is written: the bytes are those of the dicts made first,
    # dates, sets and layout alike; a dataclass with no as_dict is named, not written
    # field by field behind the export's back.
    @dataclass
    class Row:
        key: str
        day: date

        def as_dict(self) -> dict[str, object]:
            return {"key": self.key.upper(), "day": self.day, "tags": {"b", "a"}}

    @dataclass
    class Bare:
        x: int

    rows = [Row("a", date(2026, 11, 30)), Row("季度", date(2026, 12, 1))]
    data = {"view": "gm", "rows": rows, "more": {"first": rows[0]}}
    assert json_bytes(data, records=True) == json_bytes(
        {"view": "gm", "rows": [r.as_dict() for r in rows],
         "more": {"first": rows[0].as_dict()}})
    assert b'"day": "2026-11-30"' in json_bytes(data, records=True)
    with pytest.raises(TypeError, match="Bare"):
        json_bytes({"rows": [Bare(1)]}, records=True)
    assert json_bytes({"rows": [Bare(1)]}) == b'{\n  "rows": [\n    {\n      "x": 1\n    }\n  ]\n}'


async def test_kudos_export_leaderboard_and_honours_in_every_format(fbot, fsettings, clock):
    await kudo(fbot, "grace", "/kudos @alice for closing Acme, finally #customer-first")
    await kudo(fbot, "alice", "/kudos @sam +1 great demo #ownership")
    await kudo(fbot, "li", "/kudos @sam 第一单拿下了 #customer-first")
    await fbot.drain()

    code, raw = run_cli(fsettings, "kudos", "--format", "csv")  # the export, as before
    assert code == 0
    rows = table(raw)
    assert [(r["giver"], r["recipient_name"], r["reason"]) for r in rows] == [
        ("grace", "Alice Martin", "closing Acme, finally"),
        ("alice", "'=cmd", "'+1 great demo"), ("li", "'=cmd", "第一单拿下了")]
    export = valid("kudos", run_cli(fsettings, "kudos", "export", "--format", "json")[1])
    assert export["kudos"][1]["recipient_name"] == "=cmd"  # JSON keeps the name as it is
    code, md = run_cli(fsettings, "kudos", "--format", "md")
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Kudos — Test Sales")
    assert ("li", "2026-11-27 16:00 · Alice Martin → =cmd: +1 great demo (Ownership)") in blocks

    code, raw = run_cli(fsettings, "kudos", "top", "--format", "csv")
    assert code == 0
    board = table(raw)
    assert [(r["board"], r["rank"], r["tied"], r["name"], r["count"]) for r in board][:2] == [
        ("received", "1", "false", "'=cmd", "2"), ("received", "2", "false", "Alice Martin",
                                                   "1")]
    assert [r["name"] for r in board if r["board"] == "given"] == [
        "Alice Martin", "Grace Chen", "李雷"]
    top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--format", "json",
                                     "--period", "quarter", "--value", "#customer-first")[1])
    assert top["period"] == "quarter" and top["since"] == "2026-10-01T00:00:00-04:00"
    assert [(p["person"], p["count"], p["tied"]) for p in top["received"]] == [
        ("sam", 1, True), ("alice", 1, True)]  # a tie, by name: "=cmd" sorts first
    top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--team", "east", "--format",
                                     "json")[1])
    assert top["team"] == "East"
    assert [p["person"] for p in top["received"]] == ["sam", "alice"]
    code, md = run_cli(fsettings, "kudos", "top", "--team", "east")
    blocks = markdown_blocks(md)
    assert blocks[:2] == [("h1", "Kudos leaderboard — Test Sales"),
                          ("p", "This month, since 2026-11-01 · team East")]
    assert [b for b in blocks if b[0] == "h2"] == [
        ("h2", "Most recognised (kudos received)"), ("h2", "Most generous (kudos given)")]
    assert ("li", "1 =cmd (East) — 2") in blocks  # "1" is bold; the name is text, escaped
    code, md = run_cli(fsettings, "kudos", "top", "--locale", "zh-CN")
    assert markdown_blocks(md)[0] == ("h1", "点赞排行榜 —— Test Sales")

    honours = valid("kudos-honours", run_cli(fsettings, "kudos", "honours", "--period",
                                             "2026-11", "--format", "json")[1])
    assert (honours["period"], honours["in_progress"], honours["total"]) == ("2026-11", True, 3)
    assert honours["teams"] == [{"team": "East", "names": ["=cmd"], "count": 2}]
    assert honours["best_team"] == {"names": ["East"], "count": 3}
    assert honours["value"] == {"names": ["Customer first"], "count": 2}
    code, raw = run_cli(fsettings, "kudos", "honours", "--period", "2026-11", "--format", "csv")
    assert {"award": "team", "team": "East", "winner": "'=cmd", "count": "2"} in table(raw)
    code, md = run_cli(fsettings, "kudos", "honours", "--period", "2026")
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Honour roll — 2026 (so far) — Test Sales")
    assert ("li", "Most cited value: Customer first — 2 times") in blocks


async def test_the_cli_leaderboard_takes_the_months_and_quarters_the_chat_does(
        fbot, fsettings, clock, capsys):
    """The operator asks `teampulse kudos top --period December` (or 2026-11, 11月, Q4,
    2026-Q4, 第四季度, 'this fiscal year'), as a chat user may `/kudos top December`: it
    was refused ("expected one of week, month, …"). Now the same periods with the same
    meaning: without its year the latest month or quarter begun, quarters the fiscal ones;
    one not begun is said so, a slip names what is taken."""
    await kudo(fbot, "alice", "/kudos @sam +1 great demo #ownership")
    await fbot.drain()
    for said in ("2026-11", "November", "Nov 2026", "11月", "2026年11月"):
        top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--period", said,
                                         "--format", "json")[1])
        assert (top["period"], top["since"]) == ("2026-11", "2026-11-01T00:00:00-04:00"), said
        assert [p["person"] for p in top["received"]] == ["sam"], said
    # On 27 November "December" is the December gone by: a whole month, no kudos in it.
    top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--period", "December",
                                     "--format", "json")[1])
    assert (top["period"], top["until"][:10], top["received"]) == ("2025-12", "2025-12-31", [])
    for said in ("Q4", "2026-Q4", "2026Q4", "第四季度", "q4 2026"):
        top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--period", said,
                                         "--format", "json")[1])
        assert (top["period"], top["since"]) == ("2026-Q4", "2026-10-01T00:00:00-04:00"), said
    for said, period in (("this fiscal year", "year"), ("last month", "last-month"),
                         ("上个月", "last-month"), ("全部", "all")):
        top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--period", said,
                                         "--format", "json")[1])
        assert top["period"] == period, said
    _, md = run_cli(fsettings, "kudos", "top", "--period", "November")
    assert markdown_blocks(md)[1] == ("p", "November 2026, since 2026-11-01")
    _, md = run_cli(fsettings, "kudos", "top", "--period", "2025-12", "--locale", "zh-CN")
    assert markdown_blocks(md)[1][1].startswith("2025年12月，2025-12-01 至 2025-12-31\n")
    _, md = run_cli(fsettings, "kudos", "top", "--period", "Q4")
    assert markdown_blocks(md)[1] == ("p", "2026-Q4, since 2026-10-01")
    for said, message in (
            ("2026-12", "--period '2026-12': 2026-12 has not begun (no kudos yet)"),
            ("2027-Q1", "--period '2027-Q1': 2027-Q1 has not begun"),
            ("2026-13", "--period '2026-13': no such month; expected one of week, month, "),
            ("December please", "expected one of week, month, quarter, year, all, "
                                "last-week, last-month, last-quarter, last-year; or a "
                                "month (2026-12, December")):
        with pytest.raises(SystemExit) as stop:
            raise SystemExit(run_cli(fsettings, "kudos", "top", "--period", said)[0])
        assert stop.value.code == 2
        assert message in capsys.readouterr().err, said


async def test_the_cli_quarter_is_the_fiscal_one_the_chat_names(fbot, fsettings, clock):
    """An org whose fiscal year starts in April: `--period Q3` is October to December, the
    quarter `/kudos top Q3` shows, and its label is the chat's."""
    text = fsettings.org_file.read_text(encoding="utf-8")
    fsettings.org_file.write_text(
        text.replace("\ngoals:\n", "\ngoals:\n  fiscal_year_start: 4\n  targets:\n", 1),
        encoding="utf-8")
    bot, engine = prepare(fsettings, clock)
    try:
        assert bot.org.goals.fiscal_year_start == 4
        bot.register(RecordingAdapter())
        await say(bot, "grace", "/kudos top Q3")
        chat = bot.adapters["console"].last("grace")  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    top = valid("kudos-top", run_cli(fsettings, "kudos", "top", "--period", "Q3",
                                     "--format", "json")[1])
    assert top["since"] == "2026-10-01T00:00:00-04:00"
    assert top["period"] in chat and "2026-10-01" in chat


async def test_cli_honour_roll_says_which_timezone_bounds_its_months(fbot, fsettings, clock):
    """`teampulse kudos honours` in Markdown ends, as /honours and the posted roll do, by
    saying its months run midnight to midnight in the org's time: a kudos given on the
    1st in Shanghai is still the month before in New York. In English and in Chinese."""
    await kudo(fbot, "grace", "/kudos @alice for closing Acme, finally #customer-first")
    await fbot.drain()
    tz = fbot.org.timezone
    code, md = run_cli(fsettings, "kudos", "honours", "--period", "2026-11")
    assert code == 0
    assert markdown_blocks(md)[-1] == (
        "p", f"Month counted midnight to midnight in the org's time ({tz}); a tie names "
             "everyone on it, by name.")
    code, md = run_cli(fsettings, "kudos", "honours", "--period", "2026", "--locale", "zh-CN")
    assert markdown_blocks(md)[-1] == (
        "p", f"年份按组织时区（{tz}）从午夜到午夜计算；并列时按姓名列出所有人。")


async def test_goals_from_the_command_line_as_in_the_chat(fbot, fsettings, clock):
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    answer_kpi(fbot, "alice", "2026-W47", 40_000)
    answer_kpi(fbot, "alice", "2026-W48", 45_000)
    await say(fbot, "grace", "/goals alice")
    chat_text = fbot.adapters["console"].last("grace")  # type: ignore[attr-defined]

    code, md = run_cli(fsettings, "goals", "alice")
    assert code == 0
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "🎯 Goals — Alice Martin")
    # The same goal line as /goals in the chat.
    first = next(text for kind, text in blocks if kind == "li")
    assert first.split("\n")[0].replace("**", "") in chat_text.replace("• ", "")

    data = valid("goals", run_cli(fsettings, "goals", "alice", "--format", "json")[1])
    [goal] = data["goals"]
    assert (goal["metric"], goal["period"], goal["owner"], goal["target"], goal["actual"]) == (
        "revenue", "2026-Q4", "alice", 150000, 85000)
    assert goal["start"] == "2026-10-01" and goal["state"] in {"behind", "on_track"}
    data = valid("goals", run_cli(fsettings, "goals", "--format", "json")[1])
    assert data["title"] == "Test Sales"
    assert {(g["scope"], g["owner"]) for g in data["goals"]} == {
        ("org", None), ("team", "East"), ("team", "Europe"), ("team", "China")}
    assert data["breakdown"][0]["difference"] == 40000
    code, raw = run_cli(fsettings, "goals", "team", "east", "--format", "csv")
    rows = table(raw)
    assert [(r["scope"], r["owner"], r["target"], r["actual"]) for r in rows] == [
        ("team", "East", "200000", "85000"), ("person", "alice", "150000", "85000"),
        ("person", "sam", "50000", "0")]


async def test_one_on_ones_review_and_pulse_in_csv_and_json(bot, chat, clock, settings,
                                                           monkeypatch):
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    data = valid("oneonones", run_cli(settings, "oneonones", "--format", "json")[1])
    code, raw = run_cli(settings, "oneonones", "--format", "csv")
    rows = table(raw)
    assert {r["director"] for r in rows} == {d["key"] for d in data["directors"]}
    pairs = sum((1 if d["own"] else 0) + len(d["team"]) for d in data["directors"])
    assert len(rows) == max(pairs, len(data["directors"]))
    alice = [r for r in rows if r["director"] == "alice"]
    assert ("own", "grace", "alice") in {(r["relation"], r["manager"], r["report"])
                                         for r in alice}

    await run_review(bot, chat)
    data = valid("review", run_cli(settings, "review", "alice", "--format", "json")[1])
    assert data["groups_shown"] == ["manager", "peer+report"]
    code, raw = run_cli(settings, "review", "alice", "--format", "csv")
    assert code == 0
    rows = table(raw)
    assert {"director": "alice", "criterion": "goals", "group": "peer+report",
            "average": "3.33", "asked": "", "answered": "",
            "not_reached": "", "comment": ""} in rows
    assert {"director": "alice", "criterion": "goals", "group": "self", "average": "4",
            "asked": "", "answered": "", "not_reached": "", "comment": ""} in rows
    # criteria x (manager, peer+report, self, others), then the comments (the manager's
    # two, the peers' and reports' three), then how many were asked and answered per
    # counted group (manager, peer+report, self) and overall
    assert len(rows) == 5 * 4 + 5 + 4
    assert {"director": "alice", "criterion": "cooperation", "group": "peer+report",
            "average": "", "asked": "", "answered": "", "not_reached": "",
            "comment": "Slow to share leads"} in rows
    assert {"director": "alice", "criterion": "response", "group": "all", "average": "",
            "asked": "5", "answered": "5", "not_reached": "0", "comment": ""} in rows


def test_a_director_with_no_one_on_ones_has_one_csv_row_saying_so(tmp_path, database_url,
                                                                   clock, monkeypatch):
    """docs/cli.md: every director has a row in `oneonones --format csv`, relation `none`
    when they have no one-on-one set up (Bruno's with Grace is switched off)."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + """
oneonones:
  pairs:
    - {report: bruno, enabled: false}
""", encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    _bot, engine = prepare(settings, clock)
    engine.dispose()
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "oneonones", "--format", "csv")
    assert code == 0
    bruno = [r for r in table(raw) if r["director"] == "bruno"]
    assert [(r["relation"], r["manager"], r["report"], r["director_name"]) for r in bruno] == [
        ("none", "", "", "Bruno Rossi")]
    assert {r["relation"] for r in table(raw) if r["director"] == "alice"} == {"own", "team"}


async def test_pulse_results_in_csv_hide_small_groups(pbot, pchat, pclock,  # noqa: F811
                                                      database_url):
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2, f"note {key}")
    await answer_all(pbot, pchat, "bruno", 1, 5)
    await close(pbot, pclock)
    data = valid("pulse-results", run_cli(settings, "pulse", "results", "--format", "json")[1])
    code, raw = run_cli(settings, "pulse", "results", "--format", "csv")
    rows = table(raw)
    morale = next(r for r in rows if r["question"] == "morale")
    assert (morale["poll"], morale["shown"], morale["answers"], morale["average"]) == (
        "2026-12-09", "true", "7", str(data["questions"][0]["stats"]["average"]))
    valid("pulse-results", run_cli(settings, "pulse", "results", "--format", "json",
                                   "--team", "east")[1])
    code, raw = run_cli(settings, "pulse", "results", "--format", "csv", "--team", "east")
    assert code == 0
    assert {r["shown"] for r in table(raw)} == {"false"}
    assert {r["average"] for r in table(raw)} == {""}


async def test_pulse_results_trend_in_json(pbot, pchat, pclock, database_url):  # noqa: F811
    """`--last N` adds the trend the schema describes: one entry per poll, oldest first."""
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    everyone = EAST + WEST + ["grace", "nova"]
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(everyone, 4))
    await run_poll(pbot, pchat, pclock, POLL_DAY, dict.fromkeys(EAST + WEST[:2], 3))
    data = valid("pulse-results", run_cli(settings, "pulse", "results", "--last", "6",
                                          "--format", "json")[1])
    assert data["trend"] == [
        {"poll": "2026-11-25", "closed": True, "asked": 12, "answered": 12, "morale": 4.0,
         "stress": 2.0},
        {"poll": "2026-12-09", "closed": True, "asked": 12, "answered": 8, "morale": 3.0,
         "stress": 2.0}]


async def test_pulse_results_for_a_poll_that_is_no_date_say_a_date_is_expected(
        pbot, pchat, pclock, database_url, capsys):  # noqa: F811
    """`--poll notadate` had said "no pulse poll dated 'notadate'", as if a poll were missing:
    a date is expected, as `kudos --since` says. A date with no poll names the polls, as
    /pulse results does in the chat."""
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY, dict.fromkeys(EAST, 4))
    await run_poll(pbot, pchat, pclock, POLL_DAY, dict.fromkeys(EAST, 3))
    capsys.readouterr()
    assert run_cli(settings, "pulse", "results", "--poll", "notadate") == (2, "")
    assert capsys.readouterr().err == ("teampulse: --poll 'notadate': expected a date "
                                       "(YYYY-MM-DD) such as 2026-12-09\n")
    assert run_cli(settings, "pulse", "results", "--poll", "2026-12-10") == (2, "")
    assert capsys.readouterr().err == ("teampulse: no pulse poll dated 2026-12-10 (polls: "
                                       "2026-12-09, 2026-11-25)\n")
    code, out = run_cli(settings, "pulse", "results", "--poll", "2026-11-25", "--format", "json")
    assert code == 0 and valid("pulse-results", out)["poll"] == "2026-11-25"


async def test_goals_json_carries_crm_mismatches_and_a_team_s_breakdown(tmp_path, database_url,
                                                                       clock, monkeypatch):
    """A self-report the CRM contradicts is listed under the goal, and a team's goal its
    people over-allocate names the team, as the schema says."""
    from bot.crm_import import import_actuals
    from tests.test_crm_import import SALESFORCE

    path = tmp_path / "org.yaml"
    bruno = "  - {metric: revenue, period: 2026-Q4, person: bruno, target: 130000}\n"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + GOALS + bruno, encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, clock)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    try:
        clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
        answer_kpi(bot, "alice", "2026-W48", 45_000)  # the CRM says 52,000 for this week
        with bot.unit() as ctx:
            import_actuals(ctx.session, SALESFORCE.name, SALESFORCE.read_bytes(), bot.org.crm,
                           [(p.key, p.name) for p in bot.org.people], clock.now())
    finally:
        engine.dispose()
    data = valid("goals", run_cli(settings, "goals", "alice", "--format", "json")[1])
    assert data["goals"][0]["mismatches"] == [
        {"person": "Alice Martin", "week": "2026-W48", "crm": 52000, "reported": 45000}]
    data = valid("goals", run_cli(settings, "goals", "--format", "json")[1])
    europe = next(b for b in data["breakdown"] if b["whole_scope"] == "team")
    assert (europe["whole_owner"], europe["whole"], europe["allocated"]) == (
        "Europe", 120000, 130000)


@pytest.mark.parametrize("args, message", [
    (("kudos", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
    (("kudos", "top", "--since", "2026-11-01"), "--since is for 'kudos export', not "
                                                "'kudos top'"),
    (("kudos", "top", "--period", "fortnight"), "--period 'fortnight': expected one of week"),
    (("kudos", "top", "--period", "2026-13"), "--period '2026-13': no such month; expected"),
    (("kudos", "honours", "--period", "2026-13"), "--period '2026-13': expected a month"),
    (("kudos", "honours", "--period", "0000"), "--period '0000': honour rolls go from 2000"),
    (("kudos", "top", "--team", "Mars"), "no team called 'Mars'"),
    (("goals", "nobody"), "no person or team 'nobody' in the org"),
    (("goals", "--format", "yaml"), "argument --format: invalid choice: 'yaml'"),
    (("oneonones", "--bogus"), "unrecognized arguments: --bogus"),
    (("pulse", "results", "--last", "0"), "--last must be 1 or more"),
    (("support", "--locale", "fr"), "argument --locale: invalid choice: 'fr'"),
])
def test_a_bad_option_is_one_clear_line_and_exit_2(fsettings, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        code, _ = run_cli(fsettings, *args)
        raise SystemExit(code)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


@pytest.mark.parametrize("args", [("kudos", "top"), ("goals", "--format", "csv")])
def test_views_piped_into_head_exit_quietly(fsettings, args):
    env = {**os.environ, "DATABASE_URL": fsettings.database_url,
           "TEAMPULSE_ORG_FILE": str(fsettings.org_file)}
    result = subprocess.run(
        f"{sys.executable} -m bot --env-file /dev/null {' '.join(args)} | head -1",
        shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.stderr == "" and result.stdout.count("\n") == 1
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--env-file", "/dev/null", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err, err


def test_every_schema_is_a_draft_2020_12_schema_and_documented():
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for view in VIEWS:
        path = SCHEMAS / f"{view}.schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
        assert f"schema/{path.name}" in docs, path.name
    md = MarkdownIt("commonmark").parse(docs)
    assert md[0].type == "heading_open"


def test_check_org_lists_the_people_in_every_format(fsettings):
    path = str(fsettings.org_file)
    code, raw = run_cli(fsettings, "check-org", path, "--format", "csv")
    assert code == 0
    sam = next(r for r in table(raw) if r["key"] == "sam")
    assert (sam["name"], sam["team"], sam["checks_in"]) == ("'=cmd", "East", "false")
    alice = next(r for r in table(raw) if r["key"] == "alice")
    assert alice["kpis"] == "revenue 50000 USD;new_customers 4 customers"
    data = valid("org", run_cli(fsettings, "check-org", path, "--format", "json")[1])
    assert [p["key"] for p in data["people"]] == ["grace", "alice", "bruno", "li", "vera",
                                                   "sam"]
    assert data["goals"] == 7 and data["reviews"] is None
    assert data["breakdown"][0].startswith("revenue 2026-Q4: East + Europe + China")
    code, md = run_cli(fsettings, "check-org", path, "--format", "md")
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Org file — Test Sales")
    assert ("li", "=cmd (sam) · member · team East · reports to alice · America/Chicago · en"
            ) in blocks
    assert ("h2", "Breakdown") in blocks
    code, text = run_cli(fsettings, "check-org", path)  # the plain report, as before
    assert text.startswith(f"{path}: OK — Test Sales, 6 people")


def test_readme_s_command_line_names_every_command_and_option_help_shows():
    """README's *The command line* block and `teampulse <command> --help` agree: every
    command and every option --help lists is in the block, and every command in the
    block exists."""
    import argparse
    import re

    from bot.cli import _parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("\n## The command line\n", 1)[1].split("```text\n", 1)[1]
    block = block.split("```", 1)[0]

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update(action.choices)
        return found

    # Each entry: a line starting "teampulse …" and the indented lines continuing it.
    entries = re.findall(r"^teampulse .*(?:\n +.*)*", block, re.M)
    missing = []
    for name, parser in subcommands(_parser()).items():
        nested = subcommands(parser)
        for full, each in ({f"{name} {n}": p for n, p in nested.items()} or
                           {name: parser}).items():
            told = "\n".join(e for e in entries if re.match(rf"teampulse {full}\b", e))
            if not told:
                missing.append(f"teampulse {full}")
            for action in each._actions:
                options = [o for o in action.option_strings if o not in ("-h", "--help")]
                if options and not any(re.search(rf"{o}\b", told) for o in options):
                    missing.append(f"teampulse {full} {options[0]}")
    for option in ("--env-file", "--version"):
        if option not in block:
            missing.append(option)
    assert missing == []
    known = set(subcommands(_parser()))
    assert {m for m in re.findall(r"^teampulse ([a-z][a-z-]*)", block, re.M)} <= known


def test_the_bad_option_line_docs_cli_md_shows_is_the_line_the_command_prints(fsettings,
                                                                              capsys):
    """docs/cli.md quotes `--period 'fortnight'`'s line as an operator sees it; it had lost
    the last-week … last-year periods the command lists (and accepts) since."""
    import re

    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    quoted = re.search(r"`(teampulse: --period 'fortnight':[^`]*)`", docs)
    assert quoted is not None
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(run_cli(fsettings, "kudos", "top", "--period", "fortnight")[0])
    assert stop.value.code == 2
    assert capsys.readouterr().err == " ".join(quoted[1].split()) + "\n"


def test_every_option_the_docs_name_exists_for_its_command():
    """The reverse of the test above: an option README's command-line block or docs/cli.md's
    table names for a command is one that command takes (a documented option the parser
    lacks would be refused as 'unrecognized arguments')."""
    import argparse
    import re

    from bot.cli import _parser

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        return {name: sub for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)
                for name, sub in action.choices.items()}

    top = _parser()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("\n## The command line\n", 1)[1].split("```text\n", 1)[1]
    entries = re.findall(r"^teampulse .*(?:\n +.*)*", block.split("```", 1)[0], re.M)
    table = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    entries += [cell.replace("\\|", "|") for cell in re.findall(r"^\| `(teampulse [^`]*)`",
                                                                table, re.M)]
    unknown = []
    for entry in entries:
        said = "\n".join(line.split("#", 1)[0] for line in entry.splitlines())
        parser = top
        for word in said.split()[1:]:
            if word.startswith("-"):
                break
            parser = subcommands(parser).get(word, parser)
        takes = {o for p in (top, parser) for a in p._actions for o in a.option_strings}
        unknown += [f"{said.split()[:3]} {o}" for o in
                    re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", said) if o not in takes]
    assert len(entries) > 25 and unknown == []


async def test_goals_in_csv_name_the_figures_left_out_for_their_unit(tmp_path, database_url,
                                                                     clock, monkeypatch):
    """李雷 reports revenue in CNY, the org's goal is in USD. The JSON had the 300,000 CNY
    left out of the org's actual (other_units); the CSV an operator opens in a spreadsheet
    had no column for it: the org's 40,000 read as all there was."""
    from tests.test_goals import answer_asked, li_in_cny

    path = tmp_path / "org.yaml"
    path.write_text(li_in_cny(GOALS), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, clock)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    try:
        clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
        answer_asked(bot, "alice", "2026-W47", 40_000)
        answer_asked(bot, "li", "2026-W48", 300_000)
    finally:
        engine.dispose()
    rows = table(run_cli(settings, "goals", "--format", "csv")[1])
    org = next(r for r in rows if r["scope"] == "org")
    assert (org["actual"], org["unit"], org["other_units"]) == ("40000", "USD", "300000 CNY")
    china = next(r for r in rows if r["owner"] == "China")
    assert (china["actual"], china["unit"], china["other_units"]) == ("300000", "CNY", "")
    data = valid("goals", run_cli(settings, "goals", "--format", "json")[1])
    assert data["goals"][0]["other_units"] == [
        {"unit": "CNY", "value": 300000, "people": ["李雷"]}]


@pytest.mark.parametrize("args, message", [
    (("kudos", "--since", ""), "--since '': expected a date (YYYY-MM-DD) such as 2026-11-01"),
    (("kudos", "export", "--until", " "),
     "--until ' ': expected a date (YYYY-MM-DD) such as 2026-11-01"),
    (("kudos", "top", "--period", ""), "--period '': expected one of week"),
    (("kudos", "honours", "--period", ""), "--period '': expected a month such as 2026-11"),
    (("kudos", "honours", "--period", "  "), "--period '  ': expected a month such as"),
    # Guards: these were refused already.
    (("summary", "--week", ""), '--week: "" is not a week: give --week an ISO week'),
    (("summary", "--week", "", "--chart", "kudos", "--out", "x.png"),
     '--week: "" is not a week: give --week an ISO week'),
    (("digest", "--week", ""), "--week '': expected a past or the current ISO week such as "
                               "2026-W48, or 'last'"),
    (("pulse", "results", "--poll", ""), "--poll '': expected a date (YYYY-MM-DD)"),
    # `goals "$WHO"` with WHO unset showed the org's goals, as `goals` alone does.
    (("goals", ""), "no person or team '' in the org (give a person's key, or team NAME"),
    (("goals", " "), "no person or team ' ' in the org"),
    # Guards: refused already.
    (("summary", "--team", ""), "no team '' in the org"),
    (("checkin", "send", "--team", "", "--wait", "0"), "no team '' in the org"),
    (("checkin", "send", "--person", "", "--wait", "0"), "no person '' in the org"),
])
def test_an_empty_date_week_or_period_is_refused_not_read_as_the_default(
        fsettings, capsys, tmp_path, monkeypatch, args, message):
    """`--since ''` (a script's unset variable: `--since "$FROM"`) read as "not given":
    the whole history came out, or the default week or month, as if asked for, with
    nothing to say the value was lost. An empty value is refused as any other value that
    is not a date, week or period: one line naming the option and what it takes, exit 2."""
    monkeypatch.chdir(tmp_path)  # the chart's --out, were it ever written
    code, out = run_cli(fsettings, *args)
    err = capsys.readouterr().err
    assert code == 2 and out == "", (code, out)
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.png").exists()


async def test_pulse_results_last_is_at_most_24_polls_as_its_help_says(
        pbot, pchat, pclock, database_url, capsys):  # noqa: F811
    """`--last 30` shows the trend over 24 polls, as /pulse results does in the chat, and
    --help says so; from a poll named by --poll too (it had shown all 30)."""
    from datetime import timedelta

    from storage.pulse import PulseRepo

    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await run_poll(pbot, pchat, pclock, POLL_DAY, dict.fromkeys(EAST, 3))
    with pbot.unit() as ctx:
        repo = PulseRepo(ctx.session)
        latest = repo.recent(1)[0]
        for weeks in range(1, 30):  # 29 earlier polls, a week apart
            day = date.fromisoformat(latest.key) - timedelta(weeks=weeks)
            earlier = repo.create(day.isoformat(), latest.questions, latest.threshold,
                                  latest.teams, latest.closes_at - timedelta(weeks=weeks))
            earlier.closed = True
    for by_date in ((), ("--poll", latest.key)):
        data = valid("pulse-results", run_cli(settings, "pulse", "results", *by_date,
                                              "--last", "30", "--format", "json")[1])
        assert len(data["trend"]) == 24, by_date
        assert data["trend"][-1]["poll"] == latest.key
    capsys.readouterr()
    with pytest.raises(SystemExit):
        run_cli(settings, "pulse", "results", "--help")
    assert "the last N polls (at most 24" in " ".join(capsys.readouterr().out.split())


async def test_a_goal_a_cent_short_is_short_of_it_in_the_goals_json(fbot, fsettings, clock):
    """Alice's 149,999.99 of her 150,000 quarter reads 99% in /goals, with 0.01 still
    needed: her JSON's attainment is short of 1 too, not the 1.0 a sheet reads as met."""
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    answer_kpi(fbot, "alice", "2026-W47", 100_000)
    answer_kpi(fbot, "alice", "2026-W48", 49_999.99)
    await say(fbot, "grace", "/goals alice")
    chat_text = fbot.adapters["console"].last("grace")  # type: ignore[attr-defined]
    assert "149,999.99 of 150,000 USD (99%)" in chat_text
    # 0.01 is still needed, not the "0" of the whole unit it was rounded to.
    assert "Still needed: 0.01 over the 25 working days left" in chat_text
    with fbot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(fbot, "grace", "/goals alice")
    chat_text = fbot.adapters["console"].last("grace")  # type: ignore[attr-defined]
    assert "149,999.99 / 150,000 USD（99%）" in chat_text
    assert "还需完成：0.01（剩余 25 个工作日）" in chat_text
    data = valid("goals", run_cli(fsettings, "goals", "alice", "--format", "json")[1])
    [goal] = data["goals"]
    assert goal["actual"] == 149_999.99
    assert 0.99 < goal["attainment"] < 1


async def test_pulse_results_csv_says_why_a_row_is_empty(pbot, pchat, pclock,  # noqa: F811
                                                         database_url):
    """docs/cli.md: the CSV's empty cells had no reason beside them (the chat and the JSON
    say why): an operator took East's hidden row for a team that did not answer. The
    `hidden_why` column says open while the poll is, then why as the JSON says it."""
    settings = Settings(database_url=database_url, org_file=PULSE_ORG)
    await pbot.run_pulse()
    for key in EAST:
        await answer_all(pbot, pchat, key, 4, 2, f"note {key}")
    await answer_all(pbot, pchat, "bruno", 1, 5)
    code, raw = run_cli(settings, "pulse", "results", "--format", "csv")
    assert code == 0 and {(r["shown"], r["hidden_why"]) for r in table(raw)} == {
        ("false", "open")}
    await close(pbot, pclock)
    code, raw = run_cli(settings, "pulse", "results", "--format", "csv")
    assert list(table(raw)[0])[-1] == "hidden_why"
    assert {r["hidden_why"] for r in table(raw) if r["shown"] == "true"} == {""}
    data = valid("pulse-results", run_cli(settings, "pulse", "results", "--format", "json",
                                          "--team", "east")[1])
    code, raw = run_cli(settings, "pulse", "results", "--format", "csv", "--team", "east")
    rows = table(raw)
    assert [(r["question"], r["hidden_why"]) for r in rows] == [
        (q["key"], q["hidden_why"]) for q in data["questions"]]
    assert all(r["hidden_why"] in {"few", "subtraction", "either"} for r in rows), rows


def test_cli_errors_follow_the_org_s_language(tmp_path, database_url, capsys) -> None:
    """README, Command line: the CLI's own errors were English only, while its views are
    written in the GM's language. In an org whose GM reads Chinese, a team, a person or a
    poll not found and a bad date are said in Chinese; --locale en says them in English.
    (The rarer errors and --help stay English: docs/cli.md, Errors and pipes.)"""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "    locale: en", "    locale: zh-CN", 1) + GOALS, encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    _bot, engine = prepare(settings)
    engine.dispose()
    assert run_cli(settings, "goals", "alcie") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 组织中没有名为 'alcie' 的人或团队（你是指 'alice' (Alice Martin) 吗？）（请给出"
        "某人的 key，或 team 团队名；现有团队：China、East、Europe）\n")
    assert run_cli(settings, "pulse", "results", "--team", "Est") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 没有名为 'Est' 的团队（你是指 'East' 吗？）（现有团队：China、East、Europe）\n")
    assert run_cli(settings, "pulse", "results", "--poll", "2026-12-10") == (2, "")
    assert capsys.readouterr().err == "teampulse: 没有 2026-12-10 的脉搏调查（现有调查：尚无）\n"
    assert run_cli(settings, "pulse", "results", "--poll", "12/10") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: --poll '12/10'：应为日期（YYYY-MM-DD），例如 2026-12-09\n")
    assert run_cli(settings, "summary", "--person", "alcie") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 组织中没有 'alcie' 这个人（你是指 'alice' (Alice Martin) 吗？）\n")
    assert run_cli(settings, "review", "alcie") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 组织中没有 'alcie' 这个人（你是指 'alice' (Alice Martin) 吗？）"
        "（请给出总监的 key，或组织文件中写的姓名）\n")
    assert run_cli(settings, "summary", "--team", "Est") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 组织中没有名为 'Est' 的团队（你是指 'East' 吗？）"
        "（现有团队：China、East、Europe）\n")
    assert run_cli(settings, "digest", "--to", "nobody", "--dry-run") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: 组织中没有 'nobody' 这个人（请给出其 key，或组织文件中写的姓名，或 gm）\n")
    assert run_cli(settings, "kudos", "export", "--since", "last week") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: --since 'last week'：应为日期（YYYY-MM-DD），例如 2026-11-01\n")
    assert run_cli(settings, "kudos", "top", "--team", "Mars") == (2, "")
    assert capsys.readouterr().err.startswith("teampulse: 没有名为 'Mars' 的团队（现有团队：")
    assert run_cli(settings, "goals", "alcie", "--locale", "en") == (2, "")
    assert capsys.readouterr().err.startswith(
        "teampulse: no person or team 'alcie' in the org (did you mean 'alice' (Alice Martin)?)")
    assert run_cli(settings, "pulse", "results", "--poll", "12/10", "--locale", "en") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: --poll '12/10': expected a date (YYYY-MM-DD) such as 2026-12-09\n")
