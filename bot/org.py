"""The org file: who is in the team, their roles, timezones, locales, KPIs and chat ids.

Loading refuses an invalid file with every problem listed, each naming the file,
the entry and what is wrong, so an operator can fix it in one go.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.chat_ids import telegram_id_problem, telegram_username_problem
from bot.crm_import import CrmSettings, load_crm_settings
from bot.file_words import os_reason, yaml_problem
from bot.goals import GoalBook, PersonInfo, load_goals
from bot.oneonone import OneOnOnesEntry, OneOnOneSettings, build_settings
from bot.pulse_config import PulseEntry, PulseSettings, build_pulse
from bot.questions import (
    BUILTIN_QUESTIONS,
    DEFAULT_QUESTION_KEYS,
    KINDS,
    LOCALES,
    ChoiceDef,
    Question,
    kpi_question,
)
from bot.review_config import ReviewSchedule, ReviewsEntry, build_reviews
from bot.suggest import closest, did_you_mean, did_you_mean_zone
from bot.support_config import (
    DepartmentEntry,
    SupportConfigEntry,
    SupportSettings,
    build_support,
)
from bot.team_names import team_key
from bot.text import Problem, not_utf8, problems_text, said_in
from bot.text import where_zh as _where_zh

Role = Literal["gm", "director", "member"]
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_ZONE_EXAMPLE = Problem(" (for example Europe/Berlin or Asia/Shanghai)",
                        "（例如 Europe/Berlin 或 Asia/Shanghai）")
#: What to write for a manager matching nobody: what the field takes, since no key is near.
_MANAGER_HINT = Problem(
    " (give the key of their manager's entry under people, or leave manager out)",
    "（请填写其上级在 people 下的条目的 key，或者去掉 manager）")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
#: A Telegram group or channel to post to: its id (a forum's topic after a '/'), or @name.
_TELEGRAM_CHAT = re.compile(r"-?\d+(/\d+)?|@[A-Za-z][A-Za-z0-9_]{3,31}")
_LOCALE_ALIASES = {"en": "en", "en-us": "en", "en-gb": "en", "zh": "zh-CN", "zh-cn": "zh-CN",
                   "zh_cn": "zh-CN", "zh-hans": "zh-CN"}


class OrgError(ValueError):
    """The org file cannot be used; `problems` lists each problem on its own line.

    `lines` has the line in the file of each problem (None where it has none); the
    message writes it before the problem as `path:line: `, as compilers do. `files` has,
    per problem, the file it is in when that is another than `path` (a goals file the org
    file names), None where it is the org file; such a problem always names its file.
    """

    def __init__(self, path: Path, problems: list[str],
                 lines: list[int | None] | None = None,
                 files: list[Path | None] | None = None) -> None:
        self.path = path
        self.problems = problems
        self.lines = lines or [None] * len(problems)
        self.files = files or [None] * len(problems)
        lines = "\n".join(
            f"  - {file or path}:{line}: {p}" if line else
            f"  - {file}: {p}" if file else f"  - {p}"
            for p, line, file in zip(problems, self.lines, self.files, strict=True))
        super().__init__(f"{path}: {problems_text(len(problems))} in the org file:\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KpiEntry(_Strict):
    """A KPI target as written in the org file."""

    metric: str
    label: str | dict[str, str] | None = None
    unit: str | dict[str, str]
    weekly_target: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _comma_in_target(cls, data: Any) -> Any:
        # `{…, weekly_target: 50,000}`: in a YAML {…} a comma separates fields, so that is a
        # target of 50 and a field 000, which read "kpis.0.0: Keys should be strings".
        if isinstance(data, dict):
            target = data.get("weekly_target")
            split = [k for k, v in data.items() if isinstance(k, int)
                     and not isinstance(k, bool) and v is None]
            if split and isinstance(target, int | float) and not isinstance(target, bool):
                cut = ", ".join(map(str, split))
                raise ValueError(Problem(
                    f"weekly_target {target:g} is followed by a field {cut}: in {{…}} a comma "
                    "separates fields, so a target written with a comma (50,000) is cut "
                    "there; write it without commas (50000)",
                    f"weekly_target {target:g} 后面跟着字段 {cut}：在 {{…}} 中逗号用来分隔字段，"
                    "所以带逗号的目标（50,000）会在逗号处被截断；请不带逗号书写（50000）"))
        return data

    @field_validator("weekly_target", mode="before")
    @classmethod
    def _not_a_flag(cls, value: Any) -> Any:
        # YAML's `true` is 1 to pydantic: a target of 1 nobody meant.
        if isinstance(value, bool):
            raise ValueError(Problem(
                "must be a number greater than 0, written in digits (50000), "
                f"not {str(value).lower()}",
                f"必须是大于 0 的数字，用阿拉伯数字书写（50000），而不是 {str(value).lower()}"))
        return value


class PersonEntry(_Strict):
    """One person as written in the org file."""

    key: str
    name: str = Field(min_length=1, max_length=200)
    role: Role
    manager: str | None = None
    team: str | None = None
    timezone: str
    locale: str = "en"
    checks_in: bool | None = None
    kpis: list[KpiEntry] = []
    slack_id: str | None = None
    telegram_id: int | None = None
    telegram_username: str | None = None
    #: Other names that name this person in commands: a 李雷's pinyin or English name
    #: ("Li Lei", "Lei Li"), for a colleague with no Chinese keyboard.
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default=[], max_length=10)

    @field_validator("telegram_username")
    @classmethod
    def _strip_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else value


class QuestionEntry(_Strict):
    """A check-in question as written in the org file (built-in key, or custom)."""

    key: str
    type: str | None = None
    prompt: dict[str, str] | None = None
    choices: list[str | dict[str, str]] = []
    unit: str | dict[str, str] | None = None


class CheckinEntry(_Strict):
    """The `checkin:` section."""

    questions: list[QuestionEntry] | None = None


DEFAULT_KUDOS_WORDS = ("kudos", "thanks", "thank you", "shoutout", "谢谢", "感谢", "点赞",
                       ":clap:", "👏", ":tada:", "🎉")


class KudosEntry(_Strict):
    """The `org.kudos:` section."""

    allowance: int = Field(default=5, ge=1, le=1000)
    words: list[str] | None = None
    honours_channel: dict[str, str] = {}


class ValueEntry(_Strict):
    """A company value as written in the org file."""

    key: str
    label: str | dict[str, str] | None = None


class OrgSection(_Strict):
    """The `org:` section."""

    name: str = "teampulse"
    summary_viewers: list[str] = []
    admins: list[str] = []
    timezone: str | None = None
    # The language of what is posted to channels everyone reads (the honour roll).
    locale: str | None = None
    kudos: KudosEntry = KudosEntry()


class OrgFile(_Strict):
    """The whole org file."""

    org: OrgSection = OrgSection()
    people: list[PersonEntry]
    checkin: CheckinEntry = CheckinEntry()
    values: list[ValueEntry] = []
    oneonones: OneOnOnesEntry = OneOnOnesEntry()
    # Checked by bot/goals.py and bot/crm_import.py, which report problems in the same style.
    goals: Any = None
    crm: Any = None
    pulse: PulseEntry = PulseEntry()
    reviews: ReviewsEntry = ReviewsEntry()
    departments: list[DepartmentEntry] = []
    support: SupportConfigEntry = SupportConfigEntry()


@dataclass(frozen=True)
class Kpi:
    """A weekly KPI target."""

    metric: str
    label: dict[str, str]
    unit: str
    weekly_target: float
    unit_label: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrgPerson:
    """A validated person."""

    key: str
    name: str
    role: Role
    manager: str | None
    team: str | None
    timezone: str
    locale: str
    checks_in: bool
    can_view_summary: bool
    kpis: tuple[Kpi, ...]
    slack_id: str | None
    telegram_id: int | None
    telegram_username: str | None
    aliases: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        """The person's timezone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class CompanyValue:
    """A company value kudos can be tagged with (`#customer-first`)."""

    key: str
    label: dict[str, str]

    def label_for(self, locale: str) -> str:
        """The value's label in a locale (falling back to English, then the key)."""
        return self.label.get(locale) or self.label.get("en") or self.key


@dataclass(frozen=True)
class KudosSettings:
    """How kudos work: recipients per giver per day, the words that make a channel
    message a kudos, and where the monthly honour roll is posted on each platform."""

    allowance: int = 5
    words: tuple[str, ...] = DEFAULT_KUDOS_WORDS
    honours_channel: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Org:
    """A validated org: people, who may read summaries, and the check-in questions."""

    name: str
    people: tuple[OrgPerson, ...]
    questions: tuple[Question, ...] = field(
        default=tuple(BUILTIN_QUESTIONS[k] for k in DEFAULT_QUESTION_KEYS)
    )
    timezone: str = "UTC"
    #: `org.locale`: the language of channel posts; None: the one most readers read.
    locale: str | None = None
    kudos: KudosSettings = field(default_factory=KudosSettings)
    values: tuple[CompanyValue, ...] = ()
    admins: frozenset[str] = frozenset()
    oneonones: OneOnOneSettings = field(default_factory=OneOnOneSettings)
    goals: GoalBook = field(default_factory=GoalBook)
    crm: CrmSettings = field(default_factory=CrmSettings)
    pulse: PulseSettings = field(default_factory=PulseSettings)
    reviews: ReviewSchedule = field(default_factory=ReviewSchedule)
    support: SupportSettings = field(default_factory=SupportSettings)

    @property
    def tz(self) -> ZoneInfo:
        """The org's timezone: periods of leaderboards and honours are measured in it."""
        return ZoneInfo(self.timezone)

    # Derived, not part of the org's identity: people by key (looked up once per person of
    # a round, so a scan would make a round quadratic), and the questions' snapshot dicts
    # per distinct KPI list (a round of 10,000 people shares a handful of them).
    _by_key: dict[str, OrgPerson] = field(init=False, repr=False, compare=False)
    _snapshots: dict[Any, list[dict[str, Any]]] = field(
        init=False, repr=False, compare=False, default_factory=dict)
    #: team_spellings, read once per Org (a reload builds a new one): it is asked several
    #: times a /summary and once per person a poll asks.
    _spellings: Mapping[str, str] | None = field(
        init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {p.key: p for p in self.people})

    def value(self, key: str) -> CompanyValue | None:
        """A company value by key (case-insensitive)."""
        return next((v for v in self.values if v.key == key.lower()), None)

    def can_send_rounds(self, key: str) -> bool:
        """Whether a person may send a check-in round now: the GM and the org's admins."""
        person = self.person(key)
        return person is not None and (person.role == "gm" or key in self.admins)

    def person(self, key: str) -> OrgPerson | None:
        """Look a person up by key."""
        return self._by_key.get(key)

    def questions_for(self, person: OrgPerson) -> list[Question]:
        """The questions a person is asked: one per KPI, then the org's questions."""
        kpis = [kpi_question(k.metric, k.label, k.unit, k.weekly_target, k.unit_label)
                for k in person.kpis]
        return kpis + list(self.questions)

    def question_snapshot(self, person: OrgPerson | None) -> list[dict[str, Any]]:
        """The questions a person is asked as a round's snapshot (`Question.to_dict` each).

        Computed once per distinct KPI list and shared: callers must not modify it.
        Someone not in the org file gets the org's questions.
        """
        kpis = person.kpis if person is not None else None
        signature = None if kpis is None else tuple(
            (k.metric, tuple(sorted(k.label.items())), k.unit, k.weekly_target,
             tuple(sorted(k.unit_label.items()))) for k in kpis)
        snapshot = self._snapshots.get(signature)
        if snapshot is None:
            questions = self.questions_for(person) if person is not None else list(
                self.questions)
            snapshot = self._snapshots[signature] = [q.to_dict() for q in questions]
        return snapshot


#: People named per spelling in the warning of teams written in other letter case.
CASE_NAMED = 5


def team_spellings(org: Org) -> Mapping[str, str]:
    """Each team (casefolded) as the org file first writes it: a team written `East` and
    `EAST` reads as one team, so a view names it one way, not each director's. Read once
    per Org and shared, so read-only (a caller adding names copies it)."""
    if org._spellings is None:
        first: dict[str, str] = {}
        for person in org.people:
            if person.team:
                first.setdefault(team_key(person.team), person.team)
        object.__setattr__(org, "_spellings", MappingProxyType(first))
    assert org._spellings is not None
    return org._spellings


def team_guess(org: Org, typed: str) -> str | None:
    """The org file's team closest to a team name that is none (a typo, a letter case,
    'Est' for East), as the file first writes it; None when none is close. What every
    refusal of an unknown team (the summary's, /goals') offers, so each names the same."""
    return closest(typed, sorted(team_spellings(org).values()))


def teams_in_other_case(org: Org) -> list[str]:
    """One warning per team the file writes in more than one letter case (`team: EAST`
    for one person, `East` for another), each spelling with who has it: most views
    (/summary, a director's own team, digests, charts, kudos, polls) read them as one
    team, /goals as two. A warning, not a refusal: files that start today keep starting."""
    spellings: dict[str, dict[str, list[str]]] = {}
    for person in org.people:
        if person.team:
            spellings.setdefault(team_key(person.team), {}).setdefault(
                person.team, []).append(person.key)
    found = []
    for written in spellings.values():
        if len(written) < 2:
            continue
        each = ", ".join(
            f"'{team}' ({', '.join(keys[:CASE_NAMED])}{', …' if len(keys) > CASE_NAMED else ''})"
            for team, keys in sorted(written.items()))
        found.append(f"team written in different letter case: {each}; most views (/summary, "
                     "a director's own team, digests, charts) read them as one team, /goals "
                     "as two: write the team alike in every entry")
    return found


def load_org(path: Path, *, given: bool = False) -> Org:
    """Read and validate an org file, raising OrgError with every problem found. `given`:
    the path was typed on the command line (a missing file is then a slip in it, not a
    setting to make)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        # A relative path is looked for where teampulse was started (a service's working
        # directory may be /), and the copy goes where the setting looks: TEAMPULSE_ORG_FILE
        # may name another file than org.yaml.
        where = "" if path.is_absolute() else f" in the working directory {Path.cwd()}"
        raise OrgError(path, ["file not found (check the path given)" if given else
                              f"file not found{where} (set TEAMPULSE_ORG_FILE to the org "
                              f"file's path, or copy org.example.yaml to {path})"]) from None
    except OSError as exc:
        raise OrgError(path, [Problem(f"cannot read the file: {exc.strerror}",
                                      f"无法读取文件：{os_reason(exc).zh}")]) from None
    except UnicodeDecodeError as exc:
        # Saved by an editor as GBK or ANSI (Chinese names and all): it stopped every
        # command with a traceback.
        line, problem = not_utf8(exc)
        raise OrgError(path, [problem], [line]) from None
    return parse_org(text, path)


# The C loader when PyYAML was built with libyaml (much faster); the same rules either way.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that notes every key repeated within one mapping.

    Plain YAML keeps the last of two equal keys without a word, so a second
    `role:` or `people:` would silently replace the first.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode,
                          deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, noting each repeated key (a `<<` merge may override keys)."""
        self.note_repeated_keys(node)
        return super().construct_mapping(node, deep=deep)

    def note_repeated_keys(self, node: yaml.MappingNode) -> None:
        """Note each key of a mapping node that an earlier key of it repeats."""
        try:
            keys = [key_node.value for key_node, _ in node.value]
            if len(set(keys)) == len(keys):
                return  # nothing repeated (the usual case: looked at no further)
        except TypeError:
            pass  # a key that is itself a list or mapping: see each one
        first_line: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            key = (key_node.tag, key_node.value)
            if key in first_line:
                self.duplicates.append(Problem(
                    f"line {line}: key {key_node.value!r} is repeated in the same entry "
                    f"(first on line {first_line[key]}); YAML would silently keep only "
                    "the last one",
                    f"第 {line} 行：字段 {key_node.value!r} 在同一条目中重复出现"
                    f"（第一次在第 {first_line[key]} 行）；YAML 会悄悄地只保留最后一个"))
            else:
                first_line[key] = line


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_MERGE = "tag:yaml.org,2002:merge"


class _Unusual(Exception):
    """A node the plain construction leaves to PyYAML's own constructor."""


def _construct_plain(loader: _UniqueKeyLoader, root: yaml.Node) -> Any:
    """What loader.construct_document(root) returns, for the plain documents org files are
    (mappings, lists and scalars, each node used once), without PyYAML's general
    machinery around every node: that machinery, not the C parser, was most of a cold
    start with 10,000 people (about a third of a million nodes). Scalars other than
    strings go through the loader's own constructors (ints, floats, booleans, dates,
    null). Anything else (an alias, a `<<` merge, a tag such as !!set) raises _Unusual,
    and the caller constructs the document PyYAML's way instead.
    """
    constructors = loader.yaml_constructors
    seen: set[int] = set()

    scalar = yaml.ScalarNode

    def build(node: yaml.Node) -> Any:
        if isinstance(node, scalar):
            if node.tag == _STR:
                return node.value
            construct = constructors.get(node.tag)
            if construct is None:
                raise _Unusual
            return construct(loader, node)
        if id(node) in seen:  # an alias: PyYAML gives the very same object
            raise _Unusual
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [build(item) for item in node.value]
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            loader.note_repeated_keys(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not scalar or key_node.tag == _MERGE:
                    raise _Unusual
                key = key_node.value if key_node.tag == _STR else build(key_node)
                # Most values are plain strings: taken here, without a call each.
                out[key] = value_node.value if (
                    type(value_node) is scalar and value_node.tag == _STR) else build(value_node)
            return out
        raise _Unusual

    return build(root)


#: From this size on (about 1,000 people) the parsed org file is cached by its content.
CACHE_FROM_BYTES = 256 * 1024
#: Cached org files kept (several bots, or tests, may share one cache folder).
CACHE_KEEP = 8


def _load_yaml(text: str) -> tuple[Any, list[str]]:
    # Even libyaml's C parser takes seconds for 10,000 people, on every start; the same
    # text parses to the same data, so a large file's data is kept as JSON (no code in
    # it, and checked as if freshly parsed) under the hash of its text.
    cached = _cached(text) if len(text) >= CACHE_FROM_BYTES else None
    if cached is not None:
        return cached, []
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        try:
            data = None if node is None else _construct_plain(loader, node)
        except _Unusual:
            loader.duplicates.clear()  # noted again, PyYAML's way
            data = loader.construct_document(node)
        duplicates = loader.duplicates
    finally:
        loader.dispose()
    if len(text) >= CACHE_FROM_BYTES and not duplicates:
        encoded = _cache(text, data)
        if encoded is not None:
            # Go on with the data as the next start reads it: made anew, once the
            # parser's much larger garbage is freed, it sits in the space that garbage
            # left rather than scattered among it (about 10 MB less resident memory
            # for as long as the bot runs, with 10,000 people).
            del data
            return json.loads(encoded), duplicates
    return data, duplicates


def cache_dir() -> Path:
    """Where parsed org files are cached: $TEAMPULSE_CACHE_DIR, else the user's cache."""
    folder = os.environ.get("TEAMPULSE_CACHE_DIR")
    if folder:
        # '~' as in DATABASE_URL: a systemd unit's Environment= passes it unexpanded.
        return Path(folder).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "teampulse"


def _cache_path(text: str) -> Path:
    return cache_dir() / f"org-{hashlib.sha256(text.encode('utf-8')).hexdigest()}.json"


def _cached(text: str) -> Any:
    try:
        return json.loads(_cache_path(text).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no cache yet, or unreadable: parse the YAML


def _cache(text: str, data: Any) -> str | None:
    """Keep `data` as JSON under the hash of `text`; the JSON, or None if it cannot be."""
    verified = None
    try:
        encoded = json.dumps(data, ensure_ascii=False)
        if json.loads(encoded) != data:
            return None  # YAML gave something JSON cannot carry exactly (a date, say)
        verified = encoded
        path = _cache_path(text)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(encoded, encoding="utf-8")
        os.replace(partial, path)
        for old in sorted(path.parent.glob("org-*.json"), key=lambda p: p.stat().st_mtime,
                          reverse=True)[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written only costs the next start its time
    return verified


#: A person's entry's first line in the file, as written in the example (`  - key: li`).
_ENTRY_START = re.compile(r"^[ \t]*-[ \t]+key:[ \t]*['\"]?([^'\"#\s]+)")


def _yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> OrgError:
    """The file is no YAML: where (`org.yaml:113:`, the column), what, and whose entry it is
    in, so a 10,000-person file's operator finds it; a tab is told what to do instead."""
    said = yaml_problem(exc, text)  # the parser's words, and their Chinese
    problem = str(said)
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return OrgError(path, [Problem(f"not valid YAML ({problem})",
                                       f"不是有效的 YAML：{said.zh}")])
    # The character YAML stopped on, not only its words: for a tab before a list's first
    # entry (or under `org:`) they are 'found character that cannot start any token'.
    lines = text.splitlines()
    at = lines[mark.line][mark.column:mark.column + 1] if mark.line < len(lines) else ""
    tab = "tab" in problem or at == "\t"
    hint = "; indent with spaces: YAML does not allow tabs there" if tab else ""
    entry = entry_zh = ""
    for number, line in reversed(list(enumerate(text.splitlines()[:mark.line + 1], 1))):
        found = _ENTRY_START.match(line)
        if found:
            entry = f", in the entry of {found[1]!r} that starts at line {number}"
            entry_zh = f"，位于从第 {number} 行开始的 {found[1]!r} 的条目中"
            break
    return OrgError(path, [Problem(
        f"column {mark.column + 1}: not valid YAML ({problem}){entry}{hint}",
        # (A tab is said in said.zh, the parser's English not at all.)
        f"第 {mark.column + 1} 列：不是有效的 YAML：{said.zh}{entry_zh}")],
        lines=[mark.line + 1])


def parse_org(text: str, path: Path = Path("<org>")) -> Org:
    """Validate org-file text (YAML)."""
    try:
        raw, duplicates = _load_yaml(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, text, exc) from None
    if duplicates:
        raise OrgError(path, duplicates)
    if raw is None:  # `touch org.yaml`, or every line commented out
        raise OrgError(path, [Problem(
            "the file is empty (or only comments): it needs a 'people:' list, such as "
            "org.example.yaml's",
            "文件是空的（或只有注释）：它需要一个 'people:' 列表，可参照 org.example.yaml")])
    if not isinstance(raw, dict):
        raise OrgError(path, [Problem("the file must be a mapping with a 'people:' list",
                                      "文件必须是一个带有 'people:' 列表的映射")])
    try:
        parsed = OrgFile.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe_error(err, raw) for err in exc.errors()]
        raise OrgError(path, problems, problem_lines(text, problems)) from None
    problems: list[str] = []
    org = _build(parsed, problems)
    infos = [PersonInfo(p.key, p.team, {k.metric: k.unit for k in p.kpis}) for p in org.people]
    before = len(problems)
    goals = load_goals(parsed.goals, path, infos, problems)
    # Problems found in a goals file the org file names (one it could read: `source`).
    in_goals = range(before, len(problems) if goals.source else before)
    org = replace(org, goals=goals,
                  crm=load_crm_settings(parsed.crm, path, {p.key for p in org.people}, problems))
    if problems:
        lines = problem_lines(text, problems)
        files: list[Path | None] = [None] * len(problems)
        if in_goals:
            goals_file = Path(goals.source or "")
            found = goals_file_lines(goals_file, problems[in_goals.start:in_goals.stop])
            for i, line in zip(in_goals, found, strict=True):
                lines[i], files[i] = line, goals_file
        raise OrgError(path, problems, lines, files)
    return org


#: Where a problem is: the entry it names (`people[12] ('wang.wei'): `, `org.kudos: `).
_WHERE = re.compile(r"(?P<path>[A-Za-z_]\w*(?:\[\d+\])?(?:\.[A-Za-z_]\w*(?:\[\d+\])?)*)"
                    r"(?: \([^)]*\))?: (?P<rest>.*)", re.DOTALL)
#: A problem's first word, when it names a field of the entry (`timezone 'X' is not …`,
#: `kpis.0.unit: …`, `timezon: unknown field …`).
_FIELD = re.compile(r"(?P<field>[\w.]+)[: ]")
_PART = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>\d+)\])?")


def problem_lines(text: str, problems: list[str]) -> list[int | None]:
    """The line of each problem in the file (None where none is found): with 10,000 people
    an entry's index alone is a hunt.

    Only called once the file is refused: the file is composed again, with its marks, so
    the happy path never pays for them (and a large file's data may come from the cache).
    """
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return [None] * len(problems)
    return [_line_of(root, p) for p in problems]


def goals_file_lines(path: Path, problems: list[str]) -> list[int | None]:
    """The line of each problem (`goals[3] ...`) in a goals file, as problem_lines: only
    once the org file is refused. The file is read again for its marks; one edited since
    (or gone) may give a line off, or none."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except UnicodeDecodeError as exc:
        # Not UTF-8 (load_goals said so, its only problem): the line of the first bad byte.
        return [not_utf8(exc)[0]] * len(problems)
    except (OSError, UnicodeError, yaml.YAMLError):
        return [None] * len(problems)
    if root is None:
        return [None] * len(problems)
    if not (isinstance(root, yaml.MappingNode) and len(root.value) == 1
            and root.value[0][0].value == "goals"):
        # The file is the goals section itself (its targets, or fiscal_year_start and
        # targets): read it as under a `goals:` key, which its problems name.
        key = yaml.ScalarNode("tag:yaml.org,2002:str", "goals",
                              start_mark=root.start_mark, end_mark=root.start_mark)
        root = yaml.MappingNode("tag:yaml.org,2002:map", [(key, root)],
                                start_mark=root.start_mark, end_mark=root.end_mark)
    return [_line_of(root, p) for p in problems]


def _line_of(root: yaml.Node | None, problem: str) -> int | None:
    """The line (1-based) of the entry, or of its field, a problem names; None if unknown."""
    where = _WHERE.match(problem)
    if where is None or root is None:
        return None
    node: yaml.Node | None = root
    line: int | None = None
    for part in where["path"].split("."):
        found = _PART.fullmatch(part)
        assert found is not None  # (the pattern above only lets such parts through)
        node, line = _child(node, found["name"], line)
        if found["index"] is not None:
            node, line = _child(node, int(found["index"]), line)
        if node is None:
            return line
    field = _FIELD.match(where["rest"])
    for step in field["field"].split(".") if field else ():
        node, deeper = _child(node, int(step) if step.isdigit() else step, None)
        if node is None:
            break
        line = deeper
    return line


def _child(node: yaml.Node | None, step: str | int,
           line: int | None) -> tuple[yaml.Node | None, int | None]:
    """The node under `node` at a key or list index, and its line; (None, `line`) if none."""
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == step:
                return value_node, key_node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode) and isinstance(step, int):
        # `goals: {fiscal_year_start: 4, targets: [...]}`: goals[3] is the fourth target.
        node, line = _child(node, "targets", line)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        item = node.value[step]
        return item, item.start_mark.line + 1
    return None, line


def _entry_name(raw: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "people" and isinstance(loc[1], int):
        try:
            key = raw["people"][loc[1]].get("key")
        except (AttributeError, IndexError, KeyError, TypeError):
            key = None
        return f"people[{loc[1]}]" + (f" ({key!r})" if key else "")
    return str(loc[0]) if loc else "file"


def _describe_error(err: Any, raw: Any) -> str:
    loc = tuple(err["loc"])
    field_path = ".".join(str(p) for p in loc[2:]) if loc[:1] == ("people",) else ".".join(
        str(p) for p in loc[1:]
    )
    entry = _entry_name(raw, loc)
    where = _where_zh(entry)
    message = err["msg"]
    chinese = message  # (our own validators' words, below, have no Chinese: as written)
    if err["type"] == "extra_forbidden":
        if len(loc) == 1:
            # A whole section misnamed: `entry: unknown field` named nothing to fix.
            said = _unknown_field(loc, "section")
            return Problem(f"{loc[0]}: {said}", f"{loc[0]}：{said.zh}")
        said = _unknown_field(loc, "field")
        message, chinese = str(said), said.zh
    elif err["type"] == "missing":
        message, chinese = "required field is missing", "缺少必填字段"
    elif err["type"] == "value_error":
        message = message.removeprefix("Value error, ")  # our own words, as written
        raised = err.get("ctx", {}).get("error")
        chinese = said_in(raised.args[0], "zh-CN") \
            if isinstance(raised, ValueError) and raised.args else message
    elif err["type"] == "finite_number":
        message, chinese = "must be a finite number", "必须是有限的数字"
    elif err["type"] in ("too_long", "string_too_long"):
        # Pydantic's 'List should have at most 10 items after validation, not 11' (and
        # the GM reading Chinese got the same English): the limit and what was written.
        given = err.get("input")
        limit = err.get("ctx", {}).get("max_length")
        count = len(given) if isinstance(given, str | list | tuple) else None
        unit, unit_zh = ("characters", "个字符") if err["type"] == "string_too_long" else ("", "个")
        written = f" ({count} are written)" if count is not None else ""
        message = f"at most {limit}{' ' + unit if unit else ''}{written}"
        chinese = f"最多 {limit} {unit_zh}" + (
            f"（这里写了 {count} 个）" if count is not None else "")
    elif loc[-1:] == ("weekly_target",) and err["type"] in _NOT_A_TARGET:
        # Pydantic's "Input should be greater than 0" names neither the KPI nor what was
        # written; "60000 CNY" is the likeliest slip (a currency belongs in `unit`).
        given = err.get("input")
        metric = _kpi_metric(raw, loc)
        return Problem(
            f"{entry}: {field_path}{f' ({metric})' if metric else ''}: must be a number "
            f"greater than 0 ({given!r} is not), written in digits without commas or "
            "units (50000; the currency or unit goes in 'unit')",
            f"{where}：{field_path}{f'（{metric}）' if metric else ''}：必须是大于 0 的数字"
            f"（{given!r} 不是），只写阿拉伯数字，不带逗号或单位（50000；货币或单位写在 "
            "'unit' 里）")
    elif err["type"] in _PYDANTIC_ZH:
        # A number out of range, or a value of the wrong kind for a number, a yes/no, a
        # date or a time (`allowance: 0`, `checks_in: maybe`): the GM reading Chinese got
        # pydantic's English inside the Chinese notice of a refused edit.
        message, chinese = _pydantic_words(err, loc, message)
    elif err["type"] == "literal_error":
        message = f"{err.get('input')!r} is not one of {err['ctx']['expected']}"
        expected = err["ctx"]["expected"].replace(" or ", "、").replace(", ", "、")
        chinese = f"{err.get('input')!r} 不是 {expected} 之一"
    elif err["type"] in _WRONG_KIND:
        # Pydantic's words name Python's types, even a class of the code ('a valid
        # dictionary or instance of OrgSection'): said in YAML's instead.
        given = err.get("input")
        message = f"should be {_WRONG_KIND[err['type']]}, not {_yaml_kind(given)}"
        chinese = f"应为{_WRONG_KIND_ZH[err['type']]}，而不是{_YAML_KIND_ZH[_yaml_kind(given)]}"
        # A name or a team of digits is meant as written; a timezone of digits is no
        # timezone in quotes either (the next check names it).
        if err["type"] == "string_type" and isinstance(given, int | float) \
                and not isinstance(given, bool) and loc[-1] not in {"timezone", "locale"}:
            message += f' (put it in quotes: "{given}")'
            chinese += f'（请加上引号："{given}"）'
    if not field_path and len(loc) == 1:
        # a whole section: 'org: entry: …' named nothing more
        return Problem(f"{entry}: {message}", f"{where}：{chinese}")
    return Problem(f"{entry}: {field_path or 'entry'}: {message}",
                   f"{where}：{field_path or 'entry'}：{chinese}")


#: Pydantic's error types the org file's fields can raise, in Chinese ({…}: the error's
#: context, and `given`, what was written). Its English stays as pydantic writes it
#: ("Input should be greater than or equal to 1"), but for a pattern and a date (below).
_PYDANTIC_ZH = {
    "greater_than_equal": "不能小于 {ge}（这里写的是 {given}）",
    "less_than_equal": "不能大于 {le}（这里写的是 {given}）",
    "greater_than": "必须大于 {gt}（这里写的是 {given}）",
    "less_than": "必须小于 {lt}（这里写的是 {given}）",
    "int_parsing": "应为整数（例如 5），而不是 {given}",
    "int_type": "应为整数（例如 5），而不是 {given}",
    "int_from_float": "应为整数（例如 5），而不是 {given}",
    "float_parsing": "应为数字，而不是 {given}",
    "float_type": "应为数字，而不是 {given}",
    "bool_parsing": "应为 true 或 false，而不是 {given}",
    "bool_type": "应为 true 或 false，而不是 {given}",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不对（这里写的是 {given}）",
    "date_parsing": "应为日期，例如 2026-01-05，而不是 {given}",
    "date_type": "应为日期，例如 2026-01-05，而不是 {given}",
    "date_from_datetime_parsing": "应为日期，例如 2026-01-05，而不是 {given}",
    "date_from_datetime_inexact": "应为日期，例如 2026-01-05（不带时间），而不是 {given}",
}
#: Fields with a pattern, and what it asks for ([English, Chinese]): pydantic's own words
#: quote the regular expression ("String should match pattern '^\d{1,2}:\d{2}$'").
_PATTERN_WORDS = {
    "time": ("must be a time of day as HH:MM, such as \"11:00\"",
             "应为 HH:MM 格式的时间，例如 \"11:00\""),
    "key": ("must be lower-case letters, digits and '_', starting with a letter "
            "(at most 41 characters)",
            "只能由小写字母、数字和 '_' 组成，并以字母开头（最多 41 个字符）"),
}


def _pydantic_words(err: Any, loc: tuple[Any, ...], message: str) -> tuple[str, str]:
    """An error of _PYDANTIC_ZH's types in English and in Chinese."""
    given = repr(err.get("input"))
    kind = err["type"]
    if kind == "string_pattern_mismatch" and loc[-1] in _PATTERN_WORDS:
        english, chinese = _PATTERN_WORDS[str(loc[-1])]
        return f"{english} ({given} is not)", f"{chinese}（这里写的是 {given}）"
    if kind.startswith("date_"):
        message = f"must be a date such as 2026-01-05, not {given}"
    return message, _PYDANTIC_ZH[kind].format(given=given, **err.get("ctx", {}))


#: _WRONG_KIND and _yaml_kind's words in Chinese.
_WRONG_KIND_ZH = {
    "model_type": "映射（name: 等字段各占一行，缩进在它下面）",
    "dict_type": "映射（name: 等字段各占一行，缩进在它下面）",
    "list_type": "列表（每项一行，以 '- ' 开头）",
    "string_type": "文本",
}
_YAML_KIND_ZH = {"empty": "空值", "true or false": " true 或 false", "a number": "数字",
                 "a list": "列表", "a mapping": "映射", "text": "文本"}


#: What a field of each kind takes, for pydantic's error types of a value of another kind.
_WRONG_KIND = {
    "model_type": "a mapping (fields such as name: on lines of their own, indented under it)",
    "dict_type": "a mapping (fields such as name: on lines of their own, indented under it)",
    "list_type": "a list (one '- ' line per item)",
    "string_type": "text",
}


def _yaml_kind(value: object) -> str:
    """What a YAML value is, in the org file's words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


#: Pydantic's error types for a weekly_target that is no number above 0.
_NOT_A_TARGET = ("greater_than", "float_parsing", "float_type")


def _kpi_metric(raw: Any, loc: tuple[Any, ...]) -> str:
    """The metric of the KPI an error's location (people, i, kpis, j, …) is in, or ''."""
    try:
        metric = raw[loc[0]][loc[1]][loc[2]][loc[3]].get("metric")
    except (AttributeError, IndexError, KeyError, TypeError):
        return ""
    return metric if isinstance(metric, str) else ""


def _unknown_field(loc: tuple[Any, ...], what: str) -> Problem:
    """'unknown field (did you mean 'timezone'?)' for a typo of a field the entry has, else
    the fields it has: the operator sees what to write instead, not only what is wrong.
    In both languages (`what` is "field" or "section")."""
    what_zh = "部分" if what == "section" else "字段"
    allowed = _fields_at(loc[:-1])
    if not allowed:
        return Problem(f"unknown {what} (check the spelling)", f"未知的{what_zh}（请检查拼写）")
    close = closest(str(loc[-1]), allowed)
    if close is not None:
        return Problem(f"unknown {what} (did you mean {close!r}?)",
                       f"未知的{what_zh}（是不是 {close!r}？）")
    return Problem(f"unknown {what} (check the spelling; the {what}s here: "
                   f"{', '.join(allowed)})",
                   f"未知的{what_zh}（请检查拼写；这里可用的{what_zh}：{', '.join(allowed)}）")


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the org file's model at `loc` (as pydantic writes an error's
    location), or [] where the location leaves the models (a free-form section)."""
    kind: Any = OrgFile
    for part in loc:
        kind = _model_in(kind) if isinstance(part, str) else kind
        if isinstance(part, str):
            if kind is None or part not in kind.model_fields:
                return []
            kind = kind.model_fields[part].annotation
        elif get_origin(kind) is list:
            kind = get_args(kind)[0]
        else:
            return []
    model = _model_in(kind)
    return list(model.model_fields) if model is not None else []


def _model_in(kind: Any) -> type[BaseModel] | None:
    """The model a field's type is, or holds as one of a union's (`X | None`) members."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return kind
    if get_origin(kind) in (Union, UnionType):
        return next((m for m in map(_model_in, get_args(kind)) if m is not None), None)
    return None


def _person_label(index: int, key: str) -> str:
    return f"people[{index}] ({key!r})"


def _build(parsed: OrgFile, problems: list[str]) -> Org:
    keys: dict[str, int] = {}
    for i, p in enumerate(parsed.people):
        if not _KEY.match(p.key):
            label = _person_label(i, p.key)
            problems.append(Problem(
                f"{label}: key must be lower-case letters, digits, '_', '-' or '.', "
                "starting with a letter or digit",
                f"{_where_zh(label)}：key 只能由小写字母、数字、'_'、'-' 或 '.' 组成，"
                "并以字母或数字开头"))
        if p.key in keys:
            label = _person_label(i, p.key)
            problems.append(Problem(
                f"{label}: duplicate key (also people[{keys[p.key]}]); "
                "give each person a key of their own",
                f"{_where_zh(label)}：key 重复（people[{keys[p.key]}] 也用了它）；"
                "请给每个人一个自己的 key"))
        keys.setdefault(p.key, i)
    gms = [_person_label(i, p.key) for i, p in enumerate(parsed.people) if p.role == "gm"]
    if not gms:
        problems.append(Problem(
            "people: nobody has role 'gm'; the org needs a GM to read summaries",
            "people：没有人的 role 是 'gm'；组织需要一位 GM 来阅读概况"))
    elif len(gms) > 1:
        problems.append(Problem(
            f"people: {len(gms)} people have role 'gm' ({', '.join(gms)}); the org "
            "has one GM: give the others role director or member (list them in "
            "org.summary_viewers to let them read summaries)",
            f"people：有 {len(gms)} 人的 role 是 'gm'（{'、'.join(gms)}）；组织只有一位 GM："
            "请把其他人的 role 改为 director 或 member（把他们列入 org.summary_viewers "
            "即可让他们阅读概况）"))

    seen_ids: dict[tuple[str, str], str] = {}
    people: list[OrgPerson] = []
    viewers = set(parsed.org.summary_viewers)
    names = {p.name: p.key for p in parsed.people}  # a name written where a key belongs
    for v in sorted(viewers - set(keys)):
        hint = did_you_mean(v, keys, names)
        problems.append(Problem(f"org.summary_viewers: {v!r} is not a person in this file{hint}",
                                f"org.summary_viewers：{v!r} 不是本文件中的人{hint.zh}"))
    admins = set(parsed.org.admins)
    for a in sorted(admins - set(keys)):
        hint = did_you_mean(a, keys, names)
        problems.append(Problem(f"org.admins: {a!r} is not a person in this file{hint}",
                                f"org.admins：{a!r} 不是本文件中的人{hint.zh}"))
    for i, p in enumerate(parsed.people):
        label = _person_label(i, p.key)
        where = _where_zh(label)
        try:
            ZoneInfo(p.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            hint = did_you_mean_zone(p.timezone) or _ZONE_EXAMPLE
            problems.append(Problem(
                f"{label}: timezone {p.timezone!r} is not a known IANA timezone{hint}",
                f"{where}：timezone {p.timezone!r} 不是已知的 IANA 时区{hint.zh}"))
        locale = _LOCALE_ALIASES.get(p.locale.lower())
        if locale is None:
            problems.append(Problem(
                f"{label}: locale {p.locale!r} is not supported (use en or zh-CN)",
                f"{where}：不支持 locale {p.locale!r}（请用 en 或 zh-CN）"))
            locale = "en"
        if p.manager is not None:
            if p.manager == p.key:
                problems.append(Problem(
                    f"{label}: manager is the person themself (give their "
                    "manager's key, or leave manager out)",
                    f"{where}：manager 是其本人（请填写其上级的 key，或者去掉 manager）"))
            elif p.manager not in keys:
                hint = did_you_mean(p.manager, keys, names) or _MANAGER_HINT
                problems.append(Problem(
                    f"{label}: manager {p.manager!r} does not exist in this file{hint}",
                    f"{where}：manager {p.manager!r} 在本文件中不存在{hint.zh}"))
        metrics: set[str] = set()
        kpis: list[Kpi] = []
        for k in p.kpis:
            if not _KEY.match(k.metric):
                problems.append(Problem(
                    f"{label}: kpi metric {k.metric!r} must be a short lower-case name "
                    "such as revenue or new_customers",
                    f"{where}：kpi metric {k.metric!r} 必须是简短的小写名称，"
                    "例如 revenue 或 new_customers"))
            if k.metric in metrics:
                problems.append(Problem(f"{label}: kpi metric {k.metric!r} is listed twice",
                                        f"{where}：kpi metric {k.metric!r} 列了两次"))
            metrics.add(k.metric)
            unit, unit_label = _unit(k.unit, f"{label}: kpi {k.metric!r}", problems)
            kpis.append(Kpi(k.metric, _labels(k.label), unit or "", k.weekly_target, unit_label))
        for platform, value in (("slack_id", p.slack_id), ("telegram_id", p.telegram_id),
                                ("telegram_username", p.telegram_username)):
            if value is None:
                continue
            norm = str(value).lower()
            if platform == "slack_id" and not _SLACK_ID.match(str(value)):
                problems.append(Problem(
                    f"{label}: slack_id {value!r} does not look like a Slack user id "
                    "(U... or W..., as shown in the user's profile)",
                    f"{where}：slack_id {value!r} 不像 Slack 用户 ID"
                    "（应为 U... 或 W...，见该用户的个人资料）"))
            wrong = telegram_username_problem(str(value)) if platform == "telegram_username" \
                else telegram_id_problem(int(value)) if platform == "telegram_id" else None
            if wrong:
                problems.append(Problem(f"{label}: {wrong}",
                                        f"{where}：{said_in(wrong, 'zh-CN')}"))
            other = seen_ids.get((platform, norm))
            if other:
                problems.append(Problem(f"{label}: {platform} {value!r} is also used by {other!r}",
                                        f"{where}：{platform} {value!r} 也被 {other!r} 使用"))
            seen_ids[(platform, norm)] = p.key
        checks_in = p.checks_in if p.checks_in is not None else p.role == "director"
        people.append(OrgPerson(
            key=p.key, name=p.name, role=p.role, manager=p.manager, team=p.team,
            timezone=p.timezone, locale=locale, checks_in=checks_in,
            can_view_summary=p.role == "gm" or p.key in viewers, kpis=tuple(kpis),
            slack_id=p.slack_id, telegram_id=p.telegram_id, telegram_username=p.telegram_username,
            aliases=tuple(" ".join(a.split()) for a in p.aliases if a.strip()),
        ))
    _check_manager_cycles(parsed, keys, problems)
    questions = _questions(parsed.checkin.questions, problems)
    timezone = _org_timezone(parsed, problems)
    values = _values(parsed.values, problems)
    kudos = parsed.org.kudos
    words = tuple(w.strip().lower() for w in kudos.words if w.strip()) if kudos.words is not None \
        else DEFAULT_KUDOS_WORDS
    for platform in kudos.honours_channel:
        if platform not in {"slack", "telegram", "console"}:
            problems.append(Problem(
                f"org.kudos.honours_channel: {platform!r} is not a platform "
                "(use slack, telegram or console)",
                f"org.kudos.honours_channel：{platform!r} 不是平台（请用 slack、telegram 或 "
                "console）"))
    telegram = kudos.honours_channel.get("telegram")
    if telegram is not None and not _TELEGRAM_CHAT.fullmatch(telegram):
        problems.append(Problem(
            f"org.kudos.honours_channel.telegram: {telegram!r} is not a Telegram "
            "chat (a group's id such as -1001234567890, -1001234567890/12 for "
            "topic 12 of a forum, or @channelname)",
            f"org.kudos.honours_channel.telegram：{telegram!r} 不是 Telegram 聊天"
            "（应为群组 ID，例如 -1001234567890；论坛的第 12 个话题写 -1001234567890/12；"
            "或 @频道名）"))
    org_locale = None
    if parsed.org.locale is not None:
        org_locale = _LOCALE_ALIASES.get(parsed.org.locale.lower())
        if org_locale is None:
            problems.append(Problem(
                f"org.locale: {parsed.org.locale!r} is not supported (use en or zh-CN)",
                f"org.locale：不支持 {parsed.org.locale!r}（请用 en 或 zh-CN）"))
    oneonones = build_settings(parsed.oneonones, {p.key: (p.manager, p.team)
                                                  for p in parsed.people}, problems)
    return Org(name=parsed.org.name, people=tuple(people), questions=tuple(questions),
               admins=frozenset(admins), timezone=timezone, values=tuple(values),
               oneonones=oneonones, locale=org_locale,
               kudos=KudosSettings(allowance=kudos.allowance, words=words,
                                   honours_channel=dict(kudos.honours_channel)),
               pulse=build_pulse(parsed.pulse, problems),
               reviews=build_reviews(parsed.reviews, {p.key: p.role for p in parsed.people},
                                     problems),
               support=build_support(parsed.departments, parsed.support, set(keys), problems))


def _org_timezone(parsed: OrgFile, problems: list[str]) -> str:
    # Default: the GM's timezone, since the GM is who reads the periods.
    if parsed.org.timezone is None:
        gm = next((p for p in parsed.people if p.role == "gm"), None)
        zone = gm.timezone if gm else "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"  # the GM's own entry already reports the bad timezone
        return zone
    try:
        ZoneInfo(parsed.org.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean_zone(parsed.org.timezone) or _ZONE_EXAMPLE
        problems.append(Problem(
            f"org.timezone: {parsed.org.timezone!r} is not a known IANA timezone{hint}",
            f"org.timezone：{parsed.org.timezone!r} 不是已知的 IANA 时区{hint.zh}"))
        return "UTC"
    return parsed.org.timezone


def _values(entries: list[ValueEntry], problems: list[str]) -> list[CompanyValue]:
    out: list[CompanyValue] = []
    seen: set[str] = set()
    for i, v in enumerate(entries):
        key = v.key.lstrip("#")
        where = f"values[{i}] ({v.key!r})"
        if not _KEY.match(key):
            problems.append(Problem(
                f"{where}: key must be lower-case letters, digits, '_', '-' or '.' "
                "(it is typed as #key, for example #customer-first)",
                f"{_where_zh(where)}：key 只能由小写字母、数字、'_'、'-' 或 '.' 组成"
                "（输入时写作 #key，例如 #customer-first）"))
        if key in seen:
            problems.append(Problem(f"{where}: duplicate value key",
                                    f"{_where_zh(where)}：价值观 key 重复"))
        seen.add(key)
        labels = _labels(v.label) or {loc: key for loc in LOCALES}
        out.append(CompanyValue(key, labels))
    return out


def _labels(label: str | dict[str, str] | None) -> dict[str, str]:
    if label is None:
        return {}
    if isinstance(label, str):
        return {loc: label for loc in LOCALES}
    return {_LOCALE_ALIASES.get(k.lower(), k): v for k, v in label.items()}


def _unit(unit: str | dict[str, str] | None, where: str,
          problems: list[str]) -> tuple[str | None, dict[str, str]]:
    """A unit as one string or per locale -> (canonical unit, label per locale).

    The canonical unit (the English one) is what totals group by and what is stored;
    each person reads their own locale's label.
    """
    if unit is None:
        return None, {}
    if isinstance(unit, str):
        return unit, {}
    labels = {_LOCALE_ALIASES.get(k.lower(), k): v for k, v in unit.items()}
    unknown = sorted(k for k in labels if k not in LOCALES)
    if unknown:
        problems.append(Problem(
            f"{where}: unit has an unknown locale {', '.join(unknown)} "
            f"(use {', '.join(LOCALES)})",
            f"{_where_zh(where)}：unit 含有未知的 locale {'、'.join(unknown)}"
            f"（请用 {'、'.join(LOCALES)}）"))
    if not labels.get("en"):
        problems.append(Problem(f"{where}: a unit given per locale needs an en label",
                                f"{_where_zh(where)}：按语言给出的 unit 需要一个 en 标签"))
    return labels.get("en") or next(iter(labels.values()), ""), labels


def _check_manager_cycles(parsed: OrgFile, keys: dict[str, int], problems: list[str]) -> None:
    """Report each loop of managers once, naming everyone in it, from its first in the file.

    Someone who is their own manager is reported where managers are checked.
    """
    managers = {p.key: p.manager for p in parsed.people}
    reported: set[frozenset[str]] = set()
    for start in managers:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in managers and current not in path:
            path.append(current)
            current = managers[current]
        if current is None or current not in path:
            continue  # the chain ends at someone without a manager (or an unknown one)
        loop = path[path.index(current):]
        if len(loop) < 2 or frozenset(loop) in reported:
            continue
        reported.add(frozenset(loop))
        first = min(loop, key=lambda k: keys[k])
        at = loop.index(first)
        ordered = loop[at:] + loop[:at] + [first]
        label = _person_label(keys[first], first)
        problems.append(Problem(
            f"{label}: managers form a loop: "
            f"{' → '.join(ordered)}; someone in it must report to someone outside it",
            f"{_where_zh(label)}：上级关系形成了循环：{' → '.join(ordered)}；"
            "其中必须有人向循环之外的人汇报"))


def _questions(entries: list[QuestionEntry] | None, problems: list[str]) -> list[Question]:
    if entries is None:
        return [BUILTIN_QUESTIONS[k] for k in DEFAULT_QUESTION_KEYS]
    out: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(entries):
        where = f"checkin.questions[{i}] ({q.key!r})"
        if q.key in seen:
            problems.append(Problem(f"{where}: duplicate question key",
                                    f"{_where_zh(where)}：问题 key 重复"))
        seen.add(q.key)
        if q.key in BUILTIN_QUESTIONS and q.type is None and q.prompt is None:
            out.append(BUILTIN_QUESTIONS[q.key])
            continue
        if q.key in BUILTIN_QUESTIONS:
            # Its answers would be read as the built-in's (a support request, the
            # confidence trend) with the built-in's labels: a "legal" support type read raw.
            problems.append(Problem(
                f"{where}: {q.key!r} is a built-in question's key: list it "
                f"alone (- key: {q.key}) to ask the built-in question, or give "
                "your own question another key",
                f"{_where_zh(where)}：{q.key!r} 是内置问题的 key：若要问内置问题，只写它"
                f"（- key: {q.key}）；否则给你自己的问题另取一个 key"))
            continue
        if not _KEY.match(q.key) or q.key.startswith("kpi"):
            problems.append(Problem(
                f"{where}: key must be a short lower-case name not starting with 'kpi'",
                f"{_where_zh(where)}：key 必须是简短的小写名称，且不以 'kpi' 开头"))
        if q.type not in KINDS:
            problems.append(Problem(
                f"{where}: type must be one of {', '.join(KINDS)} "
                f"(built-in keys: {', '.join(DEFAULT_QUESTION_KEYS)})",
                f"{_where_zh(where)}：type 必须是 {'、'.join(KINDS)} 之一"
                f"（内置问题的 key：{'、'.join(DEFAULT_QUESTION_KEYS)}）"))
            continue
        prompt = {_LOCALE_ALIASES.get(k.lower(), k): v for k, v in (q.prompt or {}).items()}
        missing = [loc for loc in LOCALES if not prompt.get(loc)]
        if missing:
            problems.append(Problem(
                f"{where}: prompt needs text for every locale; missing {', '.join(missing)}",
                f"{_where_zh(where)}：prompt 需要每种语言的文本；缺少 {'、'.join(missing)}"))
        choices: list[ChoiceDef] = []
        if q.type == "choice":
            if len(q.choices) < 2:
                problems.append(Problem(
                    f"{where}: a choice question needs at least two choices",
                    f"{_where_zh(where)}：选择题至少需要两个选项"))
            for c in q.choices:
                if isinstance(c, str):
                    choices.append(ChoiceDef(c, {loc: c for loc in LOCALES}))
                else:
                    labels = {_LOCALE_ALIASES.get(k.lower(), k): v for k, v in c.items()
                              if k != "value"}
                    value = c.get("value") or labels.get("en")
                    if not value:
                        problems.append(Problem(
                            f"{where}: each choice needs a value or an en label",
                            f"{_where_zh(where)}：每个选项都需要 value 或 en 标签"))
                        continue
                    choices.append(ChoiceDef(value, labels))
        unit, unit_label = _unit(q.unit, where, problems)
        out.append(Question(key=q.key, kind=q.type, prompt=prompt,  # type: ignore[arg-type]
                            choices=tuple(choices), unit=unit, unit_label=unit_label))
    return out
