"""The org file: the example loads, and every kind of mistake is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.org import OrgError, load_org, parse_org

ROOT = Path(__file__).parent.parent

GOOD_PERSON = """
  - key: grace
    name: Grace
    role: gm
    timezone: America/New_York
"""


def problems(text: str) -> list[str]:
    with pytest.raises(OrgError) as info:
        parse_org(text, Path("org.yaml"))
    assert str(info.value).startswith("org.yaml: ")
    return info.value.problems


def test_the_example_org_loads():
    org = load_org(ROOT / "org.example.yaml")
    roles = [p.role for p in org.people]
    assert roles.count("gm") == 1 and roles.count("director") == 3 and "member" in roles
    li = org.person("li")
    assert li.locale == "zh-CN" and li.checks_in and li.kpis[1].label["zh-CN"] == "新客户"
    assert org.person("olivia").can_view_summary
    assert not org.person("sam").checks_in  # README: by default directors check in, the GM
    assert not org.person("grace").checks_in  # and members do not (neither sets checks_in)
    keys = [q.key for q in org.questions_for(org.person("alice"))]
    assert keys == ["kpi:revenue", "kpi:new_customers", "wins", "blockers", "support_type",
                    "support_detail", "plan", "confidence"]


def test_unknown_timezone_is_named_with_the_entry():
    found = problems("people:" + GOOD_PERSON + """
  - key: bob
    name: Bob
    role: director
    timezone: Mars/Olympus
""")
    assert found == ["people[1] ('bob'): timezone 'Mars/Olympus' is not a known IANA timezone "
                     "(for example Europe/Berlin or Asia/Shanghai)"]


def test_an_offset_written_as_the_timezone_is_answered_with_a_place_not_a_wrong_zone():
    """'GMT+8' or 'UTC+8' for Shanghai was answered "did you mean 'GMT+0'?" or "'UTC'?":
    followed, that sent every check-in eight hours off. The operator is told it is an
    offset, the timezone of a place at that offset, and the fixed zone with its sign
    reversed as IANA writes it."""
    found = problems("people:" + GOOD_PERSON + """
  - {key: li, name: Li, role: director, timezone: GMT+8}
  - {key: bo, name: Bo, role: director, timezone: UTC+8}
  - {key: ny, name: Ny, role: director, timezone: "UTC-05:00"}
  - {key: in, name: In, role: director, timezone: UTC+5:30}
org:
  timezone: GMT+1
""")
    assert "people[1] ('li'): timezone 'GMT+8' is not a known IANA timezone (UTC+8 is an " \
        "offset, not a timezone: write the IANA timezone of the place, such as " \
        "Asia/Shanghai, whose clock it follows, summer time included; or Etc/GMT-8 for " \
        "UTC+8 all year, its sign reversed as IANA writes it)" in found
    assert "people[2] ('bo'): timezone 'UTC+8' is not a known IANA timezone (UTC+8 is an " \
        "offset, not a timezone: write the IANA timezone of the place, such as " \
        "Asia/Shanghai, whose clock it follows, summer time included; or Etc/GMT-8 for " \
        "UTC+8 all year, its sign reversed as IANA writes it)" in found
    assert "people[3] ('ny'): timezone 'UTC-05:00' is not a known IANA timezone (UTC-5 is " \
        "an offset, not a timezone: write the IANA timezone of the place, such as " \
        "America/New_York, whose clock it follows, summer time included; or Etc/GMT+5 for " \
        "UTC-5 all year, its sign reversed as IANA writes it)" in found
    # No fixed zone is half an hour off: the place only.
    assert "people[4] ('in'): timezone 'UTC+5:30' is not a known IANA timezone (UTC+5:30 " \
        "is an offset, not a timezone: write the IANA timezone of the place, such as " \
        "Asia/Kolkata, whose clock it follows, summer time included)" in found
    assert "org.timezone: 'GMT+1' is not a known IANA timezone (UTC+1 is an offset, not a " \
        "timezone: write the IANA timezone of the place, such as Europe/Berlin, whose " \
        "clock it follows, summer time included; or Etc/GMT-1 for UTC+1 all year, its sign " \
        "reversed as IANA writes it)" in found
    assert not any("did you mean" in p for p in found)


def test_manager_must_exist_and_not_loop():
    found = problems("people:" + GOOD_PERSON + """
  - {key: a, name: A, role: director, manager: ghost, timezone: UTC}
  - {key: b, name: B, role: director, manager: c, timezone: UTC}
  - {key: c, name: C, role: director, manager: b, timezone: UTC}
  - {key: d, name: D, role: director, manager: d, timezone: UTC}
""")
    assert "people[1] ('a'): manager 'ghost' does not exist in this file (give the key of " \
        "their manager's entry under people, or leave manager out)" in found
    assert "people[4] ('d'): manager is the person themself (give their manager's key, or " \
        "leave manager out)" in found
    assert any(p.startswith("people[2] ('b'): managers form a loop") for p in found)


def test_a_typo_or_a_name_where_a_key_belongs_is_answered_with_the_likely_key():
    """The operator who writes 'gracee', 'Grace' (the name) or 'Asia/Shangai' is told what
    they most likely meant; a value like nothing in the file gets no guess."""
    found = problems("people:" + GOOD_PERSON + """
  - {key: a, name: Alice Martin, role: director, manager: gracee, timezone: Asia/Shangai}
  - {key: b, name: B, role: director, manager: Alice Martin, timezone: america/new_york}
  - {key: c, name: C, role: director, manager: ghost, timezone: Mars/Olympus}
org:
  admins: [Grace]
  summary_viewers: [aa]
""")
    assert "people[1] ('a'): manager 'gracee' does not exist in this file (did you mean " \
        "'grace'?)" in found
    assert "people[1] ('a'): timezone 'Asia/Shangai' is not a known IANA timezone (did you " \
        "mean 'Asia/Shanghai'?)" in found
    assert "people[2] ('b'): manager 'Alice Martin' does not exist in this file (did you " \
        "mean 'a', Alice Martin's key?)" in found
    assert "people[2] ('b'): timezone 'america/new_york' is not a known IANA timezone (did " \
        "you mean 'America/New_York'?)" in found
    assert "people[3] ('c'): manager 'ghost' does not exist in this file (give the key of " \
        "their manager's entry under people, or leave manager out)" in found
    assert "people[3] ('c'): timezone 'Mars/Olympus' is not a known IANA timezone (for " \
        "example Europe/Berlin or Asia/Shanghai)" in found
    assert "org.admins: 'Grace' is not a person in this file (did you mean 'grace', " \
        "Grace's key?)" in found
    assert "org.summary_viewers: 'aa' is not a person in this file" in found


def test_duplicate_keys_and_ids():
    found = problems("people:" + GOOD_PERSON + """
  - {key: grace, name: G2, role: director, timezone: UTC}
  - {key: x, name: X, role: director, timezone: UTC, slack_id: U123ABC}
  - {key: y, name: Y, role: director, timezone: UTC, slack_id: U123ABC, telegram_id: 5}
  - {key: z, name: Z, role: member, timezone: UTC, telegram_id: 5}
""")
    assert "people[1] ('grace'): duplicate key (also people[0]); give each person a key of " \
        "their own" in found
    assert "people[3] ('y'): slack_id 'U123ABC' is also used by 'x'" in found
    assert "people[4] ('z'): telegram_id 5 is also used by 'y'" in found


def test_unknown_fields_missing_fields_and_bad_values():
    found = problems("""
people:
  - key: grace
    name: Grace
    role: boss
    timezone: UTC
    timzone: UTC
  - key: bob
    role: director
    timezone: UTC
    kpis:
      - {metric: revenue, unit: USD, weekly_target: -5}
""")
    assert "people[0] ('grace'): role: 'boss' is not one of 'gm', 'director' or 'member'" in found
    assert "people[0] ('grace'): timzone: unknown field (did you mean 'timezone'?)" in found
    assert "people[1] ('bob'): name: required field is missing" in found
    assert "people[1] ('bob'): kpis.0.weekly_target (revenue): must be a number greater than " \
        "0 (-5 is not), written in digits without commas or units (50000; the currency or " \
        "unit goes in 'unit')" in found


def test_an_unknown_field_or_section_says_what_to_write_instead():
    """An operator's typo in the org file is answered with the field meant, or with the
    fields the entry has; a misnamed section by its name, not as 'entry: unknown field'."""
    found = problems("""
people:
  - key: grace
    name: Grace
    role: gm
    timezone: UTC
    colour: red
    kpis: [{metric: revenue, unit: USD, weekly_target: 5, unti: x}]
peeple: []
orgs_extra: 1
pulse: {treshold: 3}
oneonones: {default: {cadense: weekly}}
""")
    assert "people[0] ('grace'): colour: unknown field (check the spelling; the fields " \
        "here: key, name, role, manager, team, timezone, locale, checks_in, kpis, slack_id, " \
        "telegram_id, telegram_username, aliases)" in found
    assert "people[0] ('grace'): kpis.0.unti: unknown field (did you mean 'unit'?)" in found
    assert "peeple: unknown section (did you mean 'people'?)" in found
    assert "orgs_extra: unknown section (check the spelling; the sections here: org, " \
        "people, checkin, values, oneonones, goals, crm, pulse, reviews, departments, " \
        "support)" in found
    assert "pulse: treshold: unknown field (did you mean 'threshold'?)" in found
    assert "oneonones: default.cadense: unknown field (did you mean 'cadence'?)" in found


def test_locale_and_slack_id_are_checked():
    found = problems("people:" + GOOD_PERSON + """
  - {key: f, name: F, role: director, timezone: UTC, locale: fr, slack_id: alice}
""")
    assert "people[1] ('f'): locale 'fr' is not supported (use en or zh-CN)" in found
    assert any("slack_id 'alice' does not look like a Slack user id" in p for p in found)


def test_an_org_needs_a_gm():
    assert problems("people:\n  - {key: a, name: A, role: director, timezone: UTC}\n") == [
        "people: nobody has role 'gm'; the org needs a GM to read summaries"]


def test_summary_viewers_must_exist():
    found = problems("org: {summary_viewers: [nobody]}\npeople:" + GOOD_PERSON)
    assert found == ["org.summary_viewers: 'nobody' is not a person in this file"]


def test_invalid_yaml_names_the_line():
    found = problems("people:\n  - key: [unclosed\n")
    assert found[0].startswith("column ") and "not valid YAML" in found[0]


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(OrgError) as info:
        load_org(tmp_path / "org.yaml")
    assert "file not found" in str(info.value) and "org.example.yaml" in str(info.value)


def test_locale_aliases_are_accepted():
    org = parse_org("people:" + GOOD_PERSON + "    locale: zh\n")
    assert org.people[0].locale == "zh-CN"


def test_custom_questions():
    org = parse_org("people:" + GOOD_PERSON + """
checkin:
  questions:
    - key: wins
    - key: pipeline_health
      type: choice
      prompt: {en: 'How healthy is your pipeline?', zh-CN: 你的销售管道健康吗？}
      choices:
        - {value: good, en: Good, zh-CN: 良好}
        - {value: weak, en: Weak, zh-CN: 薄弱}
""")
    assert [q.key for q in org.questions] == ["wins", "pipeline_health"]
    assert org.questions[1].choices[1].labels == {"en": "Weak", "zh-CN": "薄弱"}


def test_custom_questions_need_every_locale_and_a_type():
    found = problems("people:" + GOOD_PERSON + """
checkin:
  questions:
    - {key: mood, type: scale, prompt: {en: 'How are you?'}}
    - {key: other, type: essay, prompt: {en: x, zh-CN: y}}
    - {key: pick, type: choice, prompt: {en: x, zh-CN: y}, choices: [only]}
""")
    assert "checkin.questions[0] ('mood'): prompt needs text for every locale; missing zh-CN" \
        in found
    assert any(p.startswith("checkin.questions[1] ('other'): type must be one of") for p in found)
    assert "checkin.questions[2] ('pick'): a choice question needs at least two choices" in found


def test_a_question_of_its_own_under_a_built_in_key_is_refused():
    """`support_type` written with its own choices (`legal`) was taken: a check-in then
    tracked a support request "legal", named so raw in /support, the summary and the
    person's history (no label: support types are the built-in ones), and its `budget`
    read the built-in "Budget", not the file's "Money"; a `confidence` of another type
    left the confidence trend empty. A built-in key is listed alone, or the question
    needs a key of its own."""
    found = problems("people:" + GOOD_PERSON + """
checkin:
  questions:
    - key: support_type
      type: choice
      prompt: {en: 'Support needed?', zh-CN: 需要支持？}
      choices:
        - {value: none, en: Nothing, zh-CN: 无}
        - {value: legal, en: Legal review, zh-CN: 法务审核}
    - {key: confidence, type: text, prompt: {en: 'Confident?', zh-CN: 有信心吗？}}
    - {key: wins}
""")
    assert found == [
        "checkin.questions[0] ('support_type'): 'support_type' is a built-in question's "
        "key: list it alone (- key: support_type) to ask the built-in question, or give "
        "your own question another key",
        "checkin.questions[1] ('confidence'): 'confidence' is a built-in question's key: "
        "list it alone (- key: confidence) to ask the built-in question, or give your own "
        "question another key"]


async def test_custom_questions_are_asked_and_answered(tmp_path, settings, clock):
    from dataclasses import replace

    from bot.app import prepare
    from tests.support import RecordingAdapter, say

    org_file = tmp_path / "org.yaml"
    org_file.write_text("people:" + GOOD_PERSON + """
  - {key: dan, name: Dan, role: director, timezone: America/New_York, locale: zh-CN}
checkin:
  questions:
    - key: pipeline_health
      type: choice
      prompt: {en: 'How healthy is your pipeline?', zh-CN: 你的销售管道健康吗？}
      choices:
        - {value: good, en: Good, zh-CN: 良好}
        - {value: weak, en: Weak, zh-CN: 薄弱}
""", encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins()
    assert "你的销售管道健康吗？" in chat.last("dan") and "2. 薄弱" in chat.last("dan")
    await say(bot, "dan", "薄弱")
    assert "签到已提交" in chat.last("dan") and "薄弱" in chat.last("dan")
    engine.dispose()


def test_every_commented_example_in_the_example_org_works_once_uncommented(tmp_path):
    """org.example.yaml is 'a complete, commented example': an operator who uncomments a
    section (departments, one-on-one pairs, pulse, reviews, goals, crm …) gets a file
    teampulse accepts, not one naming people who are not in it."""
    import re

    lines = (ROOT / "org.example.yaml").read_text(encoding="utf-8").splitlines()
    section = re.compile(r"^(\s*)# (words|honours_channel|pulse|reviews|goals|crm|"
                         r"departments|support):")
    # One-on-one pairs the example sets (so that Grace's directors are not all at one
    # time), with more examples commented beneath them.
    pair = re.compile(r"^(\s*)# - \{report: ")
    uncommented, opened = [], []
    i = 0
    while i < len(lines):
        if (item := pair.match(lines[i])) is not None:
            uncommented.append(item.group(1) + lines[i][len(item.group(1)) + 2:])
            opened.append("pairs")
            i += 1
            continue
        start = section.match(lines[i])
        if start is None:
            uncommented.append(lines[i])
            i += 1
            continue
        indent = start.group(1)
        opened.append(start.group(2))
        uncommented.append(indent + lines[i][len(indent) + 2:])
        i += 1
        # The section's body: comment lines indented further after the '#'.
        while i < len(lines) and re.match(rf"^{indent}#(   |\s+- )", lines[i]):
            uncommented.append(indent + lines[i][len(indent) + 2:])
            i += 1
    assert len(opened) == 10, opened  # eight sections and two pairs
    (tmp_path / "crm-inbox").mkdir()
    org_file = tmp_path / "org.yaml"
    org_file.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    org = load_org(org_file)
    assert org.support.departments and org.reviews.enabled and org.crm.watch_folder is not None
    assert org.oneonones.pairs["sam"].cadence == "monthly"
    assert org.oneonones.pairs["olivia"].enabled is False


def test_the_example_org_books_nobody_into_two_one_on_ones_at_once():
    """The example is what operators copy: its directors each meet Grace at a time of
    their own, and 李雷's is in Shanghai's working hours."""
    from datetime import date

    from bot.oneonone import pairs_at_once, pairs_off_hours

    org = load_org(ROOT / "org.example.yaml")
    for today in (date(2026, 12, 1), date(2027, 6, 1)):
        assert pairs_at_once(org.people, org.oneonones, today) == []
        assert pairs_off_hours(org.people, org.oneonones, today) == []


def test_the_readmes_org_file_examples_from_kudos_to_pulse_polls_load_as_written():
    """README's sections from *Kudos and honours* to *Pulse polls* each show an org-file
    section (goals, crm, departments and support, reviews, pulse) an operator copies into
    their file: each loads beside the example org as written, with what its comments say
    (a weekly plan of one number per working week, the tolerance, the defaults)."""
    import re

    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Kudos and honours"):readme.index("\n## Configuration")]
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    assert [sorted(b) for b in blocks] == [["goals"], ["crm"], ["departments", "support"],
                                           ["reviews"], ["pulse"]]
    base = yaml.safe_load((ROOT / "org.example.yaml").read_text(encoding="utf-8"))
    orgs = [parse_org(yaml.safe_dump({**base, **b}, allow_unicode=True)) for b in blocks]
    goals, crm, support, reviews, pulse = orgs
    plan = next(g for g in goals.goals.goals if g.weekly_plan is not None)
    assert plan.weekly_plan == (2, 4, 6, 6, 2) and plan.target == 20
    li = next(g for g in goals.goals.goals if g.owner == "li")
    assert str(li.period.start) == "2026-12-16" and li.target == 90000
    assert crm.crm.tolerance == 0.1 and [f.name for f in crm.crm.formats] == ["pipedrive",
                                                                             "hubspot"]
    assert support.support.ageing_days == 7
    assert [d.key for d in support.support.departments] == ["finance"]
    assert (reviews.reviews.name, reviews.reviews.day, reviews.reviews.open_days,
            reviews.reviews.peers, reviews.reviews.remind_days) == ("quarterly", 1, 14, 8, 2)
    assert (pulse.pulse.every_weeks, pulse.pulse.close_after_days, pulse.pulse.threshold) \
        == (2, 3, 5)
    assert [q.key for q in pulse.pulse.questions] == ["workload"]
