"""How a share is shown: never a bare percentage over a handful of cases.

A share over fewer than ``ENOUGH`` cases reads "too few to tell (3/4)"; with enough, it
reads "62% (95% CI 48–75%, 31/50)", the interval being Wilson's (sound near 0% and
100%, unlike the textbook one). A comparison of two shares says "too few to tell" when
either side has fewer than ``ENOUGH``: 0/4 against 8/10 is no finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ENOUGH = 20  # cases on a side before a share is shown as a percentage
TOO_FEW = f"Too few to tell ({ENOUGH} needed on each side)"


@dataclass(frozen=True, slots=True)
class Share:
    hits: int
    total: int

    @property
    def enough(self) -> bool:
        return self.total >= ENOUGH

    def wilson(self, z: float = 1.96) -> tuple[float, float]:
        """The Wilson score interval of hits/total, as fractions ((0, 1) when empty)."""
        n = self.total
        if not n:
            return 0.0, 1.0
        p = self.hits / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        return max(0.0, centre - half), min(1.0, centre + half)

    def counts(self) -> str:
        return f"{self.hits}/{self.total}"

    def text(self) -> str:
        if not self.total:
            return "–"
        if not self.enough:
            return f"too few to tell ({self.counts()})"
        low, high = self.wilson()
        share = 100 * self.hits / self.total
        return f"{share:.0f}% (95% CI {100 * low:.0f}–{100 * high:.0f}%, {self.counts()})"

    def as_json(self) -> dict[str, object]:
        """Counts always; the share and its interval only when there are enough."""
        ci = [round(x, 4) for x in self.wilson()] if self.enough else None
        return {
            "hits": self.hits,
            "total": self.total,
            "share": round(self.hits / self.total, 4) if self.enough else None,
            "ci95": ci,
        }


def compare(a: Share, b: Share, says: str) -> str:
    """``says`` (with ``{a}`` and ``{b}``) filled with both shares, or, when either side
    has too few cases, with their counts alone after "Too few to tell"."""
    if a.enough and b.enough:
        sentence = says.format(a=a.text(), b=b.text())
        return sentence[:1].upper() + sentence[1:]
    return f"{TOO_FEW}: " + says.format(a=a.counts(), b=b.counts())


def share(part: int, whole: int) -> float | None:
    """The bare fraction the JSON has always carried (its ``*_share`` keys)."""
    return round(part / whole, 4) if whole else None
