"""Start-up with a large org: the org file's data cached by content, people synced in bulk.

No timing here: what is checked is what made start-up slow (YAML parsed on every
start, one write per person) and that the shortcuts never serve stale data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from bot import org as org_module
from bot.org import OrgError, load_org
from tests.test_round_scale import org_yaml


@pytest.fixture
def small_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Cache every org file (not only large ones) in a folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(folder))
    monkeypatch.setattr(org_module, "CACHE_FROM_BYTES", 0)
    return folder


def yaml_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the YAML parses that happen from now on."""
    calls: list[int] = []
    real = org_module._UniqueKeyLoader.get_single_node

    def counting(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(self)

    monkeypatch.setattr(org_module._UniqueKeyLoader, "get_single_node", counting)
    return calls


def test_a_restart_reads_the_org_file_without_parsing_its_yaml_again(
        tmp_path, small_cache, monkeypatch):
    path = tmp_path / "org.yaml"
    path.write_text(org_yaml(50), encoding="utf-8")
    parses = yaml_parses(monkeypatch)
    first = load_org(path)
    again = load_org(path)
    assert len(parses) == 1
    assert again.people == first.people and again.questions == first.questions


def test_an_edited_org_file_is_read_afresh_not_from_the_cache(tmp_path, small_cache):
    path = tmp_path / "org.yaml"
    path.write_text(org_yaml(5), encoding="utf-8")
    assert load_org(path).person("d0004").name == "Director 4"
    path.write_text(org_yaml(5).replace("Director 4", "Diana Four"), encoding="utf-8")
    assert load_org(path).person("d0004").name == "Diana Four"


def test_a_broken_org_file_is_refused_every_time_never_cached(tmp_path, small_cache):
    path = tmp_path / "org.yaml"
    text = org_yaml(3).replace("role: director, manager: gm,",
                               "role: director, role: gm, manager: gm,", 1)
    path.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(OrgError, match="repeated in the same entry"):
            load_org(path)
    assert list(small_cache.glob("org-*.json")) == []


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(org_module, "CACHE_FROM_BYTES", 0)
    path = tmp_path / "org.yaml"
    path.write_text(org_yaml(3), encoding="utf-8")
    assert load_org(path).person("d0002") is not None
    assert load_org(path).person("d0002") is not None


def test_restarting_with_an_unchanged_org_writes_nothing_to_people(bot):
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement.split("(")[0][:40])

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        bot.sync_org()
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)
    assert writes == []
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert [k.metric for k in alice.kpis] == ["revenue", "new_customers"]


YAML_CASES = [
    # plain strings, numbers, booleans, nulls, dates, quoting, flow and block styles
    """org: {name: "Sales 2026", timezone: Asia/Shanghai}
people:
  - {key: gm, name: Grace, role: gm, timezone: UTC, telegram_id: 0x1F, slack_id: 'U0123'}
  - key: d1
    name: '007'
    kpis:
      - {metric: revenue, weekly_target: 1_000.5, unit: USD}
      - {metric: calls, weekly_target: .inf, unit: ~}
    checks_in: yes
    note: 2026-11-23
    empty:
    list: [1, -2, +3, 1e3, "4", true, False, null, 12:30]
""",
    # an alias and a merge key: read PyYAML's own way, the same result
    """people:
  - &d {key: grace, name: Grace, role: gm, timezone: UTC}
  - {<<: *d, key: alice, name: Alice}
  - *d
""",
    "just a string\n",
    "",
    "? [a, b]\n: complex key\n",
    "set: !!set {a, b}\n",
]


@pytest.mark.parametrize("text", YAML_CASES)
def test_an_org_file_reads_exactly_as_pyyaml_reads_it(text: str) -> None:
    import yaml

    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)):
            org_module._load_yaml(text)
        return
    data, repeated = org_module._load_yaml(text)
    assert data == expected and repeated == []
    assert [type(v) for v in _leaves(data)] == [type(v) for v in _leaves(expected)]


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in (*_leaves(k), *_leaves(v))]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_a_repeated_key_is_found_among_many_people() -> None:
    text = org_yaml(200).replace("role: director,", "role: director, role: gm,", 1)
    _, repeated = org_module._load_yaml(text)
    assert len(repeated) == 1 and "key 'role' is repeated in the same entry" in repeated[0]
