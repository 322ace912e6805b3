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
