"""What a benchmark reports: a figure, the baseline it is divided by, and its target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure as a ratio to a baseline measured in the same run.

    `higher_is_better` flips the target's direction: a throughput ratio must reach
    the target, a time or memory ratio must stay under it. A missed target fails
    `make bench` unless BENCH_REPORT_ONLY=1 (CI on shared hardware; bench/__main__.py).
    """

    name: str
    what: str
    value: float
    baseline: float
    unit: str
    baseline_what: str
    target: float
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        """value / baseline."""
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        """Whether the ratio meets the target."""
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def line(self) -> str:
        """One line for the report."""
        sign = ">=" if self.higher_is_better else "<="
        mark = "ok  " if self.met else "MISS"
        return (f"{mark} {self.name:<22} {self.ratio:8.2f}x  (target {sign} {self.target:g}x)  "
                f"{self.what}: {self.value:.4g} {self.unit} vs {self.baseline_what}: "
                f"{self.baseline:.4g} {self.unit}")
