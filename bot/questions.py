"""Check-in questions: the built-in set that follows the GM's practice, and custom ones.

A question is plain data so that a round can keep a snapshot of exactly what was
asked (see storage.models.CheckinRound.questions).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

QuestionKind = Literal["text", "number", "scale", "choice"]
KINDS: tuple[str, ...] = ("text", "number", "scale", "choice")
LOCALES: tuple[str, ...] = ("en", "zh-CN")


@dataclass(frozen=True)
class ChoiceDef:
    """One option of a choice question. `labels` is empty for built-ins (text in templates)."""

    value: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a check-in.

    `prompt` is empty for built-in questions, whose text lives in the templates;
    custom questions carry their own text in every locale. `skip_if` names another
    question and the answers that make this one unnecessary.
    """

    key: str
    kind: QuestionKind
    category: str = "other"
    prompt: dict[str, str] = field(default_factory=dict)
    choices: tuple[ChoiceDef, ...] = ()
    unit: str | None = None
    metric: str | None = None
    label: dict[str, str] = field(default_factory=dict)
    target: float | None = None
    skip_if: tuple[str, tuple[str, ...]] | None = None
    unit_label: dict[str, str] = field(default_factory=dict)

    def unit_text(self, locale: str) -> str:
        """The unit as a person of `locale` reads it ('' if none).

        Snapshots stored before per-locale units existed carry only `unit`.
        """
        return self.unit_label.get(locale) or self.unit or ""

    def unit_for(self, locale: str, value: float) -> str:
        """The unit after `value`: in English, a unit the org file writes as a plural
        ('customers', 'deals', 'opportunities') is singular after exactly 1 ('1 customer';
        the check-in's recap read '1 customers'). Other units and languages as written."""
        unit = self.unit_text(locale)
        if value != 1 or not locale.startswith("en") or not unit.isalpha() \
                or not unit.islower() or not unit.endswith("s") or unit.endswith("ss"):
            return unit
        if unit.endswith("ies"):
            return unit[:-3] + "y"
        if unit.endswith(("ches", "shes", "xes", "sses")):
            return unit[:-2]
        return unit[:-1]

    def unit_spellings(self) -> tuple[str, ...]:
        """Every way the unit is written (a person may type it after the number)."""
        return tuple(dict.fromkeys(u for u in (self.unit, *self.unit_label.values()) if u))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for the round snapshot."""
        data = asdict(self)
        data["choices"] = [asdict(c) for c in self.choices]
        data["skip_if"] = [self.skip_if[0], list(self.skip_if[1])] if self.skip_if else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Inverse of to_dict."""
        skip_if = data.get("skip_if")
        return cls(
            key=data["key"],
            kind=data["kind"],
            category=data.get("category", "other"),
            prompt=dict(data.get("prompt") or {}),
            choices=tuple(
                ChoiceDef(c["value"], dict(c.get("labels") or {})) for c in data.get("choices", [])
            ),
            unit=data.get("unit"),
            metric=data.get("metric"),
            label=dict(data.get("label") or {}),
            target=data.get("target"),
            skip_if=(skip_if[0], tuple(skip_if[1])) if skip_if else None,
            unit_label=dict(data.get("unit_label") or {}),
        )


SUPPORT_CHOICES = ("none", "budget", "training", "people", "department")

BUILTIN_QUESTIONS: dict[str, Question] = {
    "wins": Question("wins", "text", category="wins"),
    "blockers": Question("blockers", "text", category="blockers"),
    "support_type": Question(
        "support_type",
        "choice",
        category="support",
        choices=tuple(ChoiceDef(v) for v in SUPPORT_CHOICES),
    ),
    "support_detail": Question(
        "support_detail", "text", category="support", skip_if=("support_type", ("none",))
    ),
    "plan": Question("plan", "text", category="plan"),
    "confidence": Question("confidence", "scale", category="confidence"),
}
DEFAULT_QUESTION_KEYS: tuple[str, ...] = tuple(BUILTIN_QUESTIONS)


def kpi_question(metric: str, label: dict[str, str], unit: str, target: float,
                 unit_label: dict[str, str] | None = None) -> Question:
    """The numeric question for one KPI, carrying its target for attainment later.

    `unit` is the canonical unit (used to add up like with like); `unit_label` how
    each locale writes it.
    """
    return Question(
        key=f"kpi:{metric}",
        kind="number",
        category="kpi",
        unit=unit,
        metric=metric,
        label=label,
        target=target,
        unit_label=dict(unit_label or {}),
    )
