"""The org file's `departments:` and `support:` sections: who owns which department, which
support requests go to it, and when an open request counts as ageing.

```yaml
departments:
  - key: finance
    name: {en: Finance, zh-CN: 财务部}
    owners: [vera]            # people told about, and able to handle, its requests
    handles: [budget]         # support types that always go to this department
    aliases: [fin, 财务]       # words that name it in a request's detail
support:
  ageing_days: 7              # an open request this many days old is flagged as ageing
```

Which department a request concerns (the decision, written down): a support type one
department `handles` goes to it; a request of type "department" (help from another
department) goes to the one department whose key, name or alias its detail names, when
exactly one is named. Otherwise it has none until the GM assigns it (`/support assign`).

A department the org file no longer declares (the decision, written down): a request
keeps the key it was filed under (`support_requests.department`), and the operator may
since have removed that department or changed its key (a reorganisation). Every view then
reads the key marked as gone — "finance (no longer in the org file)", "finance（已不在组
织文件中）" — see `department_name()`. Not its last known name: nothing stored holds it
(a round's question snapshot keeps the support type, not the departments, which the org
file names), keeping it would take a migration, and "Finance" alone would read as a
department that still exists and whose owners still handle it, when only the GM does now
(and may `/support assign` it to where the work went). Exports (JSON, CSV) keep the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bot.questions import LOCALES, SUPPORT_CHOICES
from bot.text import Problem, where_zh

if TYPE_CHECKING:
    from bot.render import Renderer

#: An open request this many days old (or older) is flagged as ageing, unless the org says.
DEFAULT_AGEING_DAYS = 7
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepartmentEntry(_Strict):
    """One department as written in the org file."""

    key: str
    name: str | dict[str, str] | None = None
    owners: list[str] = []
    handles: list[str] = []
    aliases: list[str] = []


class SupportConfigEntry(_Strict):
    """The `support:` section."""

    ageing_days: int = Field(default=DEFAULT_AGEING_DAYS, ge=1, le=365)


@dataclass(frozen=True)
class Department:
    """A validated department."""

    key: str
    name: dict[str, str]
    owners: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def name_for(self, locale: str) -> str:
        """The department's name in a locale (English, then the key, as fallbacks)."""
        return self.name.get(locale) or self.name.get("en") or self.key

    def named_in(self, text: str) -> bool:
        """Whether a text names this department (key, a name, or an alias; any case)."""
        folded = text.casefold()
        for word in (self.key, *self.name.values(), *self.aliases):
            word = word.casefold().strip()
            if not word:
                continue
            if word.isascii():
                if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", folded):
                    return True
            elif word in folded:  # CJK has no spaces between words
                return True
        return False


@dataclass(frozen=True)
class SupportSettings:
    """Departments and the ageing threshold of support requests."""

    departments: tuple[Department, ...] = ()
    ageing_days: int = DEFAULT_AGEING_DAYS
    _by_key: dict[str, Department] = field(init=False, default_factory=dict, compare=False,
                                           repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {d.key: d for d in self.departments})

    def department(self, key: str | None) -> Department | None:
        """A department by key (None for None or an unknown key)."""
        return self._by_key.get(key or "")

    def find(self, text: str) -> Department | None:
        """A department by key, name or alias as someone types it (`/support assign`)."""
        typed = text.strip().casefold()
        return next((d for d in self.departments
                     if typed in {d.key, *(n.casefold() for n in d.name.values()),
                                  *(a.casefold() for a in d.aliases)}), None)

    def department_for(self, kind: str, detail: str) -> str | None:
        """Which department a request concerns (see the module's docstring), or None."""
        handling = next((d for d in self.departments if kind in d.handles), None)
        if handling is not None:
            return handling.key
        if kind != "department":
            return None
        named = [d for d in self.departments if d.named_in(detail)]
        return named[0].key if len(named) == 1 else None

    def owned_by(self, person_key: str) -> set[str]:
        """The keys of the departments a person owns."""
        return {d.key for d in self.departments if person_key in d.owners}


def department_name(support: SupportSettings, renderer: Renderer, locale: str,
                    key: str | None, *, inside: bool = False) -> str:
    """The department a request went to (its stored key) as a reader of `locale` reads
    it: its name in the org file; a key the file no longer declares, marked so (see the
    module's docstring); '' for none. `inside`: said within brackets already (the GM's
    summary), so the mark needs none of its own."""
    if not key:
        return ""
    department = support.department(key)
    if department is not None:
        return department.name_for(locale)
    return renderer.message(locale, "department_gone", "plain", key=key, inside=inside)


def build_support(departments: list[DepartmentEntry], support: SupportConfigEntry,
                  people: set[str], problems: list[str]) -> SupportSettings:
    """Check the two sections, adding a clear line per problem to `problems`."""
    out: list[Department] = []
    seen: set[str] = set()
    handled: dict[str, str] = {}
    kinds = [k for k in SUPPORT_CHOICES if k != "none"]
    for i, d in enumerate(departments):
        where = f"departments[{i}] ({d.key!r})"
        if not _KEY.match(d.key):
            problems.append(Problem(
                f"{where}: key must be lower-case letters, digits, '_' or '-' "
                "(for example finance or customer-success)",
                f"{where_zh(where)}：key 只能由小写字母、数字、'_' 或 '-' 组成"
                "（例如 finance 或 customer-success）"))
        if d.key in seen:
            problems.append(Problem(f"{where}: duplicate department key",
                                    f"{where_zh(where)}：部门 key 重复"))
        seen.add(d.key)
        for owner in d.owners:
            if owner not in people:
                problems.append(Problem(
                    f"{where}: owner {owner!r} is not a person in this file",
                    f"{where_zh(where)}：owner {owner!r} 不是本文件中的人"))
        for kind in d.handles:
            if kind not in kinds:
                problems.append(Problem(
                    f"{where}: handles {kind!r} is not a support type "
                    f"(use {', '.join(kinds)})",
                    f"{where_zh(where)}：handles 中的 {kind!r} 不是支持类型"
                    f"（请用 {'、'.join(kinds)}）"))
            elif kind in handled:
                problems.append(Problem(
                    f"{where}: support type {kind!r} is already handled by "
                    f"department {handled[kind]!r}; a type goes to one department",
                    f"{where_zh(where)}：支持类型 {kind!r} 已由部门 {handled[kind]!r} 处理；"
                    "一种类型只能归一个部门"))
            else:
                handled[kind] = d.key
        if isinstance(d.name, str):
            names = {loc: d.name for loc in LOCALES}
        else:
            names = {("zh-CN" if k.lower() in {"zh", "zh-cn", "zh_cn"} else k): v
                     for k, v in (d.name or {}).items()}
            unknown = sorted(k for k in names if k not in LOCALES)
            if unknown:
                problems.append(Problem(
                    f"{where}: name has an unknown locale {', '.join(unknown)} "
                    f"(use {', '.join(LOCALES)})",
                    f"{where_zh(where)}：name 含有未知的 locale {'、'.join(unknown)}"
                    f"（请用 {'、'.join(LOCALES)}）"))
        out.append(Department(d.key, names or {loc: d.key for loc in LOCALES},
                              tuple(d.owners), tuple(d.handles),
                              tuple(a for a in d.aliases if a.strip())))
    return SupportSettings(tuple(out), support.ageing_days)
