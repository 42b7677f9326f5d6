"""Geometry for the small calls-per-minute chart on a connection's health view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from dashboard.connectors.stats import StatsSummary

WIDTH = 600
HEIGHT = 100


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    errors: bool
    label: str


def calls_chart(summary: StatsSummary) -> dict[str, object]:
    """Bars scaled to the busiest minute, one per minute, oldest first."""
    top = max(summary.busiest_minute, 1)
    slot = WIDTH / max(len(summary.minutes), 1)
    bars = []
    for index, minute in enumerate(summary.minutes):
        height = HEIGHT * minute.calls / top
        start = timezone.localtime(datetime.fromtimestamp(minute.start, tz=UTC))
        bars.append(
            Bar(
                x=round(index * slot + 1, 1),
                y=round(HEIGHT - height, 1),
                width=round(slot - 2, 1),
                height=round(height, 1),
                errors=minute.errors > 0,
                label=f"{start:%H:%M}: {minute.calls} calls, {minute.errors} errors",
            )
        )
    return {"width": WIDTH, "height": HEIGHT, "bars": bars}
