"""`teampulse check-org`: repeated YAML keys, a second GM and manager loops are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.org import OrgError, parse_org

GM = "  - {key: grace, name: Grace, role: gm, timezone: UTC}\n"


def problems(text: str) -> list[str]:
    with pytest.raises(OrgError) as info:
        parse_org(text, Path("org.yaml"))
    return info.value.problems


def test_a_repeated_key_in_a_person_is_refused_with_its_lines() -> None:
    found = problems("""people:
  - key: grace
    name: Grace
    role: gm
    timezone: UTC
  - key: alice
    name: Alice
    role: director
    timezone: UTC
    role: gm
""")
    assert found == ["line 10: key 'role' is repeated in the same entry (first on line 8); "
                     "YAML would silently keep only the last one"]


def test_a_second_people_list_does_not_silently_replace_the_first() -> None:
    found = problems("people:\n" + GM + "org:\n  name: Sales\npeople:\n"
                     "  - {key: bob, name: Bob, role: gm, timezone: UTC, name: Robert}\n")
    assert found == [
        "line 5: key 'people' is repeated in the same entry (first on line 1); "
        "YAML would silently keep only the last one",
        "line 6: key 'name' is repeated in the same entry (first on line 6); "
        "YAML would silently keep only the last one"]


def test_merge_keys_may_override_without_complaint() -> None:
    org = parse_org("""people:
  - &d {key: grace, name: Grace, role: gm, timezone: UTC}
  - {<<: *d, key: alice, name: Alice, role: director, timezone: Asia/Shanghai}
""")
    alice = org.person("alice")
    assert alice is not None and alice.role == "director" and alice.timezone == "Asia/Shanghai"


def test_the_c_loader_is_used_when_available() -> None:
    from bot import org

    assert issubclass(org._UniqueKeyLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_two_gms_are_refused_naming_both() -> None:
    found = problems("people:\n" + GM +
                     "  - {key: bob, name: Bob, role: director, timezone: UTC}\n"
                     "  - {key: olivia, name: Olivia, role: gm, timezone: UTC}\n")
    assert found == [
        "people: 2 people have role 'gm' (people[0] ('grace'), people[2] ('olivia')); the org "
        "has one GM: give the others role director or member (list them in "
        "org.summary_viewers to let them read summaries)"]


def test_a_manager_loop_is_reported_once_naming_everyone_in_it() -> None:
    found = problems("people:\n" + GM + """\
  - {key: dora, name: Dora, role: member, manager: bob, timezone: UTC}
  - {key: bob, name: Bob, role: director, manager: cat, timezone: UTC}
  - {key: cat, name: Cat, role: director, manager: abe, timezone: UTC}
  - {key: abe, name: Abe, role: director, manager: bob, timezone: UTC}
  - {key: eve, name: Eve, role: member, manager: eve, timezone: UTC}
""")
    assert found == [
        "people[5] ('eve'): manager is the person themself (give their manager's key, or "
        "leave manager out)",
        "people[2] ('bob'): managers form a loop: bob → cat → abe → bob; someone in it must "
        "report to someone outside it"]


def test_check_org_lists_every_problem_for_the_operator(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("people:\n" + GM + """\
  - key: ann
    name: Ann
    role: gm
    manager: ben
    timezone: UTC
    timezone: Europe/Paris
""", encoding="utf-8")
    assert main(["check-org", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: 1 problem" in err
    assert "line 8: key 'timezone' is repeated in the same entry (first on line 7)" in err
    path.write_text("people:\n" + GM + """\
  - {key: ann, name: Ann, role: gm, manager: ben, timezone: UTC}
  - {key: ben, name: Ben, role: director, manager: ann, timezone: UTC}
""", encoding="utf-8")
    assert main(["check-org", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err
    assert "people[0] ('grace'), people[1] ('ann')" in err
    assert err.count("managers form a loop") == 1 and "ann → ben → ann" in err


def _big_org(count: int) -> str:
    """An org file of a GM and `count` directors, one field a line (as large files are)."""
    people = ["people:\n  - key: grace\n    name: Grace\n    role: gm\n    timezone: UTC\n"]
    people += [f"  - key: d{i:04d}\n    name: Director {i}\n    role: director\n"
               f"    manager: grace\n    timezone: UTC\n" for i in range(count)]
    return "".join(people)


def _line(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


def _edit(text: str, entry: str, old: str, new: str) -> str:
    """`text` with `old` replaced by `new` in the entry that starts `  - key: <entry>`."""
    at = text.index(f"  - key: {entry}\n")
    return text[:at] + text[at:].replace(old, new, 1)


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
             text: str) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    env = tmp_path / "test.env"
    env.write_text(f"TEAMPULSE_ORG_FILE={path}\nDATABASE_URL=sqlite:///{tmp_path}/tp.db\n",
                   encoding="utf-8")
    args = ["check-org", str(path)] if command == "check-org" else ["--env-file", str(env), "run"]
    assert main(args) == 2
    return capsys.readouterr().err.replace(str(path), "org.yaml")


@pytest.mark.parametrize("command", ["check-org", "run"])
def test_each_problem_names_its_line_in_a_large_org_file(tmp_path, capsys, command) -> None:
    """An operator with a 2,000-person file is told where each problem is, first, middle
    and last entry alike, not only `people[1001]` to count to."""
    big = _big_org(2000)
    # What the file's model refuses: an unknown field, a wrong type.
    text = _edit(big, "grace", "timezone:", "timezon:")
    text = _edit(text, "d1000", "role: director", "role: director\n    checks_in: sometimes")
    text = _edit(text, "d1999", "manager:", "manger:")
    err = _refused(tmp_path, capsys, command, text)
    assert "org.yaml: 4 problems in the org file:\n" in err
    assert (f"  - org.yaml:{_line(text, 'timezon:')}: people[0] ('grace'): timezon: unknown "
            "field (did you mean 'timezone'?)\n") in err
    assert f"  - org.yaml:{_line(text, 'sometimes')}: people[1001] ('d1000'): checks_in: " in err
    assert (f"  - org.yaml:{_line(text, 'manger:')}: people[2000] ('d1999'): manger: unknown "
            "field (did you mean 'manager'?)\n") in err
    # The required timezone missing from Grace's entry: the entry's first line.
    assert "  - org.yaml:2: people[0] ('grace'): timezone: required field is missing\n" in err
    # What the checks after it refuse: a timezone, a manager, a key taken twice.
    text = _edit(big, "grace", "timezone: UTC", "timezone: Europe/Berln")
    text = _edit(text, "d1000", "manager: grace", "manager: gracee")
    text = _edit(text, "d1999", "key: d1999", "key: d0005")
    err = _refused(tmp_path, capsys, command, text)
    assert "org.yaml: 3 problems in the org file:\n" in err
    assert (f"  - org.yaml:{_line(text, 'Europe/Berln')}: people[0] ('grace'): timezone "
            "'Europe/Berln' is not a known IANA timezone (did you mean 'Europe/Berlin'?)\n") in err
    assert (f"  - org.yaml:{_line(text, 'manager: gracee')}: people[1001] ('d1000'): manager "
            "'gracee' does not exist in this file (did you mean 'grace'?)\n") in err
    assert (f"  - org.yaml:{text.count(chr(10)) - 4}: people[2000] ('d0005'): duplicate key "
            "(also people[6]); give each person a key of their own\n") in err


def test_a_problem_of_a_section_names_the_line_of_its_field() -> None:
    for text, line, problem in [
            ("org:\n  name: Sales\n  kudos:\n    allowance: lots\npeople:\n" + GM, 4,
             "org: kudos.allowance: "),
            ("org:\n  name: Sales\n  timezone: Mars/Olympus\npeople:\n" + GM, 3,
             "org.timezone: 'Mars/Olympus' is not a known IANA timezone")]:
        with pytest.raises(OrgError) as info:
            parse_org(text, Path("org.yaml"))
        assert info.value.lines == [line]
        assert f"\n  - org.yaml:{line}: {problem}" in str(info.value)


def _goals_file(count: int) -> str:
    """A goals file of `count` person goals, one field a line (as the org file's people)."""
    return "fiscal_year_start: 1\ntargets:\n" + "".join(
        f"  - metric: revenue\n    period: 2026-Q4\n    target: {100000 + i}\n"
        f"    person: d{i:04d}\n" for i in range(count))


@pytest.mark.parametrize("command", ["check-org", "run"])
def test_each_problem_of_a_goals_file_names_its_line(tmp_path, capsys, command) -> None:
    """`goals: goals.yaml`: a problem in the goals file names that file and its line, for
    the first, a middle and the last goal, as the org file's own problems do."""
    kpis = "    kpis: [{metric: revenue, unit: USD, weekly_target: 1000}]\n"
    # Every director reports revenue (the GM's entry, the first, has no KPI).
    org = _big_org(200).replace("    timezone: UTC\n", "    timezone: UTC\n" + kpis)
    org = org.replace(kpis, "", 1)
    goals = _goals_file(200)
    goals = goals.replace("  - metric: revenue\n", "  - metric: revenu\n", 1)
    goals = goals.replace("target: 100100\n", "target: 100,100\n")
    goals = goals.replace("person: d0199\n", "person: d0200\n")
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    err = _refused(tmp_path, capsys, command, org + "goals: goals.yaml\n")
    err = err.replace(str(tmp_path / "goals.yaml"), "goals.yaml")
    assert "org.yaml: 3 problems in the org file:\n" in err
    assert (f"  - goals.yaml:{_line(goals, 'revenu')}: goals[0]: metric 'revenu' is no one's "
            "KPI in the org file (did you mean 'revenue'?)") in err
    assert (f"  - goals.yaml:{_line(goals, '100,100')}: goals[100] (revenue 2026-Q4): target "
            "must be a number greater than 0 ('100,100' is not)") in err
    assert (f"  - goals.yaml:{_line(goals, 'd0200')}: goals[199] (revenue 2026-Q4): person "
            "'d0200' does not exist in the org file\n") in err


def test_a_goals_problem_names_its_line_however_the_goals_are_written(tmp_path) -> None:
    """A goals file that is a bare list, or `goals:` holding targets; and goals written in
    the org file itself, as a list or with `targets:`."""
    kpis = ("  - {key: ann, name: Ann, role: director, manager: grace, timezone: UTC, "
            "kpis: [{metric: revenue, unit: USD, weekly_target: 10}]}\n")
    good = "  - {metric: revenue, period: 2026-Q4, target: 5, person: ann}\n"
    bad = "  - {metric: revenue, period: 2026-Q4, target: 5, person: bob}\n"
    org = "people:\n" + GM + kpis
    for goals_text, org_goals in [
            (good + bad, "goals: goals.yaml\n"),
            ("goals:\n  targets:\n  " + good + "  " + bad, "goals: goals.yaml\n"),
            ("", "goals:\n" + good + bad),
            ("", "goals:\n  fiscal_year_start: 4\n  targets:\n  " + good + "  " + bad)]:
        (tmp_path / "goals.yaml").write_text(goals_text, encoding="utf-8")
        text = org + org_goals
        with pytest.raises(OrgError) as info:
            parse_org(text, tmp_path / "org.yaml")
        [problem] = info.value.problems
        assert problem.startswith("goals[1] (revenue 2026-Q4): person 'bob' does not exist")
        in_file = goals_text or text
        assert info.value.lines == [_line(in_file, "bob")], (goals_text, org_goals)
        assert info.value.files == [tmp_path / "goals.yaml" if goals_text else None]


def test_a_good_goals_file_is_read_without_its_marks(tmp_path, monkeypatch) -> None:
    """Start-up speed: the lines are looked up only for a refused file."""
    (tmp_path / "goals.yaml").write_text(_goals_file(3), encoding="utf-8")
    org = _big_org(3).replace("    timezone: UTC\n", "    timezone: UTC\n    kpis: [{metric: "
                              "revenue, unit: USD, weekly_target: 1000}]\n")

    def composed(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was composed for its marks on the happy path")

    monkeypatch.setattr(yaml, "compose", composed)
    assert len(parse_org(org + "goals: goals.yaml\n", tmp_path / "org.yaml").goals.goals) == 3


def test_a_goals_file_that_is_not_valid_yaml_says_where(tmp_path) -> None:
    """Named at the org file's `goals:` line, with the goals file's own line and column
    (the parser's text named the file "<unicode string>")."""
    (tmp_path / "goals.yaml").write_text("targets:\n  - {metric: revenue, period: 2026-Q4\n",
                                         encoding="utf-8")
    with pytest.raises(OrgError) as info:
        parse_org("people:\n" + GM + "goals: goals.yaml\n", tmp_path / "org.yaml")
    assert info.value.problems == [
        "goals: the goals file 'goals.yaml' is not valid YAML at line 3, column 1 (expected "
        "',' or '}', but got '<stream end>')"]
    assert info.value.lines == [3] and info.value.files == [None]


@pytest.mark.parametrize("command", ["check-org", "run"])
def test_a_goals_file_not_in_utf8_is_named_with_its_line_as_the_org_file_is(
        tmp_path, capsys, command) -> None:
    """Saved as GBK by a Chinese editor ("ANSI"): check-org printed a traceback, then
    "cannot be read: 'utf-8' codec can't decode byte 0xbb in position 62: …" at the org
    file's `goals:` line. Now the goals file and the line of its first Chinese character,
    said as an org file saved so is; saved again as UTF-8, it is read."""
    text = ("# 华东区目标\ntargets:\n  - {metric: revenue, period: 2026-Q4, target: 5, "
            "team: 华东}\n")
    goals_file = tmp_path / "goals.yaml"
    goals_file.write_bytes(text.replace("# 华东区目标", "# goals").encode("gbk"))
    err = _refused(tmp_path, capsys, command, "people:\n" + GM + "goals: goals.yaml\n")
    assert err == ("teampulse: org.yaml: 1 problem in the org file:\n"
                   f"  - {goals_file}:3: not UTF-8 text (byte 0xbb); save the file as UTF-8, "
                   "not GBK or ANSI\n")
    goals_file.write_bytes(text.encode("gbk"))
    err = _refused(tmp_path, capsys, command, "people:\n" + GM + "goals: goals.yaml\n")
    assert f"  - {goals_file}:1: not UTF-8 text (byte 0xbb)" in err
    goals_file.write_text(text, encoding="utf-8")
    # Read now: what is left is the goal's own slip (no team 华东 in this org file).
    err = _refused(tmp_path, capsys, command, "people:\n" + GM + "goals: goals.yaml\n")
    assert f"  - {goals_file}:3: goals[0]" in err and "UTF-8" not in err


@pytest.mark.parametrize("command", ["check-org", "run"])
def test_the_operators_slips_name_the_file_the_line_and_the_person(
        tmp_path, capsys, command) -> None:
    """A tab, a role not in the list, a currency written into a KPI's target: each is
    refused (exit 2) naming the file and line, whose entry it is, what was written and
    what to write instead, by `check-org` and by `run` alike."""
    good = _big_org(30)
    tab = _edit(good, "d0012", "    role: director", "\trole: director")
    err = _refused(tmp_path, capsys, command, tab)
    assert (f"org.yaml:{_line(tab, chr(9))}: column 1: not valid YAML (found a tab character "
            "that violates indentation), in the entry of 'd0012' that starts at line "
            f"{_line(tab, 'key: d0012')}; indent with spaces: YAML does not allow tabs there"
            ) in err
    # The list's first entry, or a line under org:, indented with a tab: YAML's words for
    # it name no tab ('found character that cannot start any token').
    tabbed = _edit(good, "grace", "  - key: grace", "\t- key: grace")
    err = _refused(tmp_path, capsys, command, tabbed)
    assert f"org.yaml:{_line(tabbed, chr(9))}: column 1: not valid YAML (" in err
    assert err.rstrip().endswith("; indent with spaces: YAML does not allow tabs there")
    role = _edit(good, "d0020", "role: director", "role: vp")
    err = _refused(tmp_path, capsys, command, role)
    assert (f"org.yaml:{_line(role, 'role: vp')}: people[21] ('d0020'): role: 'vp' is not one "
            "of 'gm', 'director' or 'member'") in err
    money = _edit(good, "d0007", "    timezone: UTC\n", "    timezone: UTC\n    kpis:\n"
                  "      - {metric: revenue, unit: CNY, weekly_target: 60000 CNY}\n")
    err = _refused(tmp_path, capsys, command, money)
    assert (f"org.yaml:{_line(money, 'weekly_target: 60000 CNY')}: people[8] ('d0007'): "
            "kpis.0.weekly_target (revenue): must be a number greater than 0 ('60000 CNY' is "
            "not), written in digits without commas or units (50000; the currency or unit "
            "goes in 'unit')") in err


def test_an_org_file_saved_as_gbk_is_named_with_its_line_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An org file saved by a Chinese Windows editor as GBK ("ANSI"), its comment and names
    in Chinese: every command stopped on a UnicodeDecodeError traceback ('teampulse stopped
    on an unexpected error', exit 1). Now the file's problem with its line, exit 2; saved
    again as UTF-8, it is read."""
    from tests.support import TEST_ORG

    text = "# 北方销售团队 — 组织文件\n" + TEST_ORG.read_text(encoding="utf-8")
    org_file = tmp_path / "org.yaml"
    org_file.write_bytes(text.encode("gbk"))
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(org_file))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tp.db'}")
    monkeypatch.setenv("TEAMPULSE_CONSOLE", "true")
    for command in (["check-org"], ["summary"], ["run"]):
        assert main(["--env-file", "/dev/null", *command]) == 2
        assert capsys.readouterr().err == (
            f"teampulse: {org_file}: 1 problem in the org file:\n"
            f"  - {org_file}:1: not UTF-8 text (byte 0xb1); save the file as UTF-8, not GBK or "
            "ANSI\n")
    org_file.write_text(text, encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org"]) == 0


def test_a_mistyped_path_to_check_org_is_named_as_the_slip_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `teampulse check-org org.yml` (the file is org.yaml): the path typed is what is wrong;
    # "set TEAMPULSE_ORG_FILE" sent the operator to a setting this command did not read.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMPULSE_ORG_FILE", raising=False)
    assert main(["check-org", "org.yml"]) == 2
    err = capsys.readouterr().err
    assert "org.yml" in err and "file not found (check the path given)" in err
    assert "TEAMPULSE_ORG_FILE" not in err
    # Without a path, the setting is what chose the file: it is still named.
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(tmp_path / "missing.yaml"))
    assert main(["check-org"]) == 2
    assert "set TEAMPULSE_ORG_FILE" in capsys.readouterr().err


def test_an_org_file_setting_that_names_no_file_says_where_it_was_looked_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """TEAMPULSE_ORG_FILE=orgs/prod.yaml under a service started in another folder: the
    message said to 'copy org.example.yaml to org.yaml', a file this setting never reads,
    and not where the relative path was looked for."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", "orgs/prod.yaml")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/tp.db")
    for command in (["run"], ["check-org"]):
        assert main(["--env-file", "/dev/null", *command]) == 2
        assert capsys.readouterr().err == (
            "teampulse: orgs/prod.yaml: 1 problem in the org file:\n"
            f"  - file not found in the working directory {tmp_path} (set TEAMPULSE_ORG_FILE "
            "to the org file's path, or copy org.example.yaml to orgs/prod.yaml)\n")


def test_an_empty_org_file_is_named_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An org.yaml created empty (`touch org.yaml`, or every line commented out) was 'the
    file must be a mapping with a people: list', which does not say the file is empty."""
    monkeypatch.chdir(tmp_path)
    for text in ("", "# people:\n#   - key: grace\n", "\n\n"):
        (tmp_path / "org.yaml").write_text(text, encoding="utf-8")
        for command in ("check-org", "run"):
            args = ["check-org", "org.yaml"] if command == "check-org" else [
                "--env-file", "/dev/null", "run"]
            monkeypatch.setenv("TEAMPULSE_ORG_FILE", "org.yaml")
            monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/tp.db")
            assert main(args) == 2
            assert capsys.readouterr().err == (
                "teampulse: org.yaml: 1 problem in the org file:\n"
                "  - the file is empty (or only comments): it needs a 'people:' list, such as "
                "org.example.yaml's\n")
    # Something else than a mapping is still named as such.
    (tmp_path / "org.yaml").write_text("- grace\n", encoding="utf-8")
    assert main(["check-org", "org.yaml"]) == 2
    assert "the file must be a mapping with a 'people:' list" in capsys.readouterr().err


def test_a_value_of_the_wrong_kind_says_what_was_written_in_yaml_words() -> None:
    """`org: [a, b]` was 'org: entry: Input should be a valid dictionary or instance of
    OrgSection' (a class name of the code), `name: 123` 'Input should be a valid string':
    each now says what the field takes and what the file has, as YAML writes it."""
    found = problems("org: [1, 2]\npeople:\n  - {key: grace, name: 123, role: gm, "
                     "timezone: UTC}\n  - {key: al, name: Al, role: director, "
                     "timezone: UTC, kpis: {metric: x}}\n")
    assert "org: should be a mapping (fields such as name: on lines of their "\
           "own, indented under it), not a list" in found
    assert "people[0] ('grace'): name: should be text, not a number (put it in "\
           "quotes: \"123\")" in found
    assert "people[1] ('al'): kpis: should be a list (one '- ' line per item), "\
           "not a mapping" in found
    assert not any("Input should" in p or "instance of" in p for p in found)
    # A timezone written as a number is no timezone in quotes either.
    found = problems("people:\n  - {key: grace, name: G, role: gm, timezone: 8}\n")
    assert found == ["people[0] ('grace'): timezone: should be text, not a number"]
