"""The report: a list of sections, each with its own tables, targets and notes, rendered to
Markdown (`latest.md`) and JSON (`latest.json`). A new measurement (snapshots, exports) is
one more `Section` in the list given to `render_markdown` and `as_json`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class Target:
    """A goal from the issue and the figure measured against it (`met` None: not measured)."""

    name: str
    goal: str
    measured: str
    met: bool | None


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def cell(value: Any) -> str:
    """A table cell: floats with one decimal (two below 10), None as "-", `|` escaped."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value).replace("|", "\\|")


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def _table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(cell(name) for name in table.headers) + " |",
        "| " + " | ".join("---" for _ in table.headers) + " |",
    ]
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in table.rows)
    return lines


def targets_table(targets: Sequence[Target]) -> Table:
    return Table(
        headers=("target", "goal", "measured", "verdict"),
        rows=[(item.name, item.goal, item.measured, verdict(item.met)) for item in targets],
    )


def render_markdown(title: str, preface: Sequence[str], sections: Sequence[Section]) -> str:
    """The whole report: the title, the preface paragraphs, a summary of every target, then
    each section with its intro, targets, tables and notes."""
    lines = [f"# {title}", ""]
    for paragraph in preface:
        lines += [paragraph, ""]
    every_target = [target for section in sections for target in section.targets]
    if every_target:
        lines += ["## Targets", "", *_table(targets_table(every_target)), ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.intro:
            lines += [section.intro, ""]
        for table in section.tables:
            lines += [*_table(table), ""]
        lines += [f"- {note}" for note in section.notes]
        if section.notes:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_json(meta: dict[str, Any], sections: Sequence[Section]) -> dict[str, Any]:
    return {
        "meta": meta,
        "sections": {
            section.key: {
                "title": section.title,
                "targets": [
                    {
                        "name": t.name,
                        "goal": t.goal,
                        "measured": t.measured,
                        "met": t.met,
                    }
                    for t in section.targets
                ],
                "notes": section.notes,
                "data": section.data,
            }
            for section in sections
        },
    }
