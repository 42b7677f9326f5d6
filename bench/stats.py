"""Summaries of timing samples: percentiles by linear interpolation between order statistics
(the method NumPy calls "linear"), and the ratios the report shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(samples: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile of `samples`, interpolated linearly between the two
    nearest ranks; raises ValueError for no samples or a share outside 0..1."""
    if not samples:
        raise ValueError("no samples")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share {share} is not within 0..1")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Milliseconds."""

    count: int
    median: float
    p95: float
    p99: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            count=len(samples),
            median=percentile(samples, 0.5),
            p95=percentile(samples, 0.95),
            p99=percentile(samples, 0.99),
        )

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 2) for key, value in asdict(self).items()}


def ratio(value: float, base: float) -> float | None:
    """`value / base`, or None when the base is zero (nothing to compare with)."""
    return value / base if base else None
