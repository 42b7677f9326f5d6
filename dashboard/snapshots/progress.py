"""What the snapshot panel of a table says: the state of its snapshots in words and numbers
(pages, records, requests left in the budget, the expected time to finish)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils import timezone

from dashboard.browse.banners import seconds_text

from .models import Snapshot, Status
from .selectors import TableSnapshot


@dataclass(frozen=True)
class Progress:
    """A snapshot being taken."""

    snapshot: Snapshot
    percent: int | None
    eta: str | None

    @property
    def summary(self) -> str:
        snapshot = self.snapshot
        if snapshot.status == Status.QUEUED:
            return "Waiting for a background worker…"
        pages = f"{snapshot.pages:,} page{'s' if snapshot.pages != 1 else ''}"
        total = f" of {snapshot.total:,}" if snapshot.total is not None else ""
        parts = [f"{pages} fetched", f"{snapshot.records:,}{total} records"]
        if snapshot.budget_remaining is not None:
            parts.append(f"{snapshot.budget_remaining:,} requests left in the budget")
        if self.eta:
            parts.append(f"about {self.eta} to go")
        if snapshot.cancel_requested:
            parts.append("stopping…")
        return " · ".join(parts)


def progress(snapshot: Snapshot) -> Progress:
    """The share done and the time left, when the vendor reported a total."""
    if snapshot.total is None or snapshot.total == 0:
        return Progress(snapshot, None, None)
    done = min(snapshot.records, snapshot.total)
    percent = math.floor(100 * done / snapshot.total)
    eta = None
    if snapshot.pages and snapshot.started_at and snapshot.heartbeat_at and snapshot.page_size:
        per_page = (snapshot.heartbeat_at - snapshot.started_at).total_seconds() / snapshot.pages
        pages_left = math.ceil((snapshot.total - done) / snapshot.page_size)
        eta = seconds_text(per_page * pages_left)
    return Progress(snapshot, percent, eta)


def age_text(snapshot: Snapshot) -> str:
    """`4 min` since the snapshot finished."""
    finished = snapshot.finished_at or snapshot.created_at
    return seconds_text((timezone.now() - finished).total_seconds())


@dataclass(frozen=True)
class Panel:
    """Everything the panel template shows."""

    state: TableSnapshot
    progress: Progress | None
    age: str | None
    records: str | None
    latest_age: str | None
    max_age_minutes: int
    suggested: bool


def panel(state: TableSnapshot, *, max_age_minutes: int, suggested: bool) -> Panel:
    """`suggested`: the vendor cannot sort or filter this resource itself."""
    return Panel(
        state=state,
        progress=progress(state.active) if state.active is not None else None,
        age=age_text(state.serving) if state.serving is not None else None,
        records=f"{state.serving.records:,}" if state.serving is not None else None,
        latest_age=age_text(state.latest) if state.latest is not None else None,
        max_age_minutes=max_age_minutes,
        suggested=suggested,
    )
