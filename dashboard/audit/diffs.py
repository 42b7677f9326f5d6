"""Changed fields as rows to show: the field, its value before and after, formatted like
table cells (plain text, escaped by the templates)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.browse.columns import label
from dashboard.browse.formatting import Cell, cell

ABSENT = Cell(kind="empty", text="—", title="absent")


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: Cell
    after: Cell
    has_before: bool
    has_after: bool


def _side(change: Mapping[str, Any], side: str) -> Cell:
    return cell(change[side]) if side in change else ABSENT


def change_rows(changes: Mapping[str, Any] | None) -> list[ChangeRow]:
    """Rows for `{field: {"before": ..., "after": ...}}` (a side may be missing)."""
    return [
        ChangeRow(
            field=name,
            label=label(name),
            before=_side(change, "before"),
            after=_side(change, "after"),
            has_before="before" in change,
            has_after="after" in change,
        )
        for name, change in (changes or {}).items()
        if isinstance(change, Mapping)
    ]
