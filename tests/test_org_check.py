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
