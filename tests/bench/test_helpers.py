"""The bench's pure helpers: percentiles, the report, the traversal's rate-limit bound, the
snapshot section's views and memory comparison.
(Benchmarks themselves are never timed assertions in tests: `make bench` runs them.)"""

from __future__ import annotations

import pytest

from bench import closing, snapshots
from bench.report import Section, Table, Target, as_json, render_markdown
from bench.stats import Summary, percentile, ratio
from bench.traversal import (
    BOUND_S,
    SIZES,
    WINDOW_S,
    allowed_limit,
    rate_limit_toml,
    requests_needed,
)
from bench.vendors import VENDORS


@pytest.mark.parametrize(
    ("samples", "share", "expected"),
    [
        ([4.0, 1.0, 3.0, 2.0], 0.5, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 0.95, 3.85),
        ([4.0, 1.0, 3.0, 2.0], 0.0, 1.0),
        ([4.0, 1.0, 3.0, 2.0], 1.0, 4.0),
        ([7.0], 0.99, 7.0),
        (list(range(1, 101)), 0.99, 99.01),
    ],
)
def test_percentile_interpolates_between_ranks(samples, share, expected):
    assert percentile(samples, share) == pytest.approx(expected)


@pytest.mark.parametrize(("samples", "share"), [([], 0.5), ([1.0], 1.5), ([1.0], -0.1)])
def test_percentile_refuses_what_has_none(samples, share):
    with pytest.raises(ValueError, match=r"no samples|not within"):
        percentile(samples, share)


def test_summary_and_ratio():
    summary = Summary.of([10.0, 20.0, 30.0, 40.0, 1000.0])
    assert (summary.count, summary.median) == (5, 30.0)
    assert summary.p95 == pytest.approx(808.0)
    assert summary.as_dict()["p99"] == pytest.approx(961.6)
    assert ratio(55.0, 50.0) == pytest.approx(1.1)
    assert ratio(1.0, 0.0) is None


def test_report_lists_every_target_first_then_each_section():
    timings = Summary.of([1.0, 2.0, 3.0])
    sections = [
        Section(
            key="one",
            title="1. One",
            intro="First.",
            tables=[Table(headers=("what", "ms"), rows=[("a|b", timings.median), ("c", None)])],
            targets=[Target("speed", "≤ 1 ms", f"{timings.median:.1f} ms", timings.median <= 1)],
            notes=["a note"],
        ),
        Section(key="two", title="2. Two", targets=[Target("later", "0", "n/a", None)]),
    ]
    text = render_markdown("Benchmarks", ["Preface."], sections)
    assert text.index("## Targets") < text.index("## 1. One") < text.index("## 2. Two")
    assert "| speed | ≤ 1 ms | 2.0 ms | **missed** |" in text
    assert "| later | 0 | n/a | not measured |" in text
    assert "| a\\|b | 2.00 |" in text
    assert "| c | - |" in text
    assert "- a note" in text
    data = as_json({"commit": "abc"}, sections)
    assert data["sections"]["one"]["targets"][0]["met"] is False
    assert list(data["sections"]) == ["one", "two"]


def test_traversal_rate_makes_the_largest_bound_as_long_as_chosen():
    for vendor in VENDORS.values():
        needed = requests_needed(SIZES[-1], vendor.max_size)
        bound = needed / (allowed_limit(vendor.preset) / WINDOW_S)
        assert BOUND_S * 0.99 <= bound <= BOUND_S
    assert requests_needed(10_001, 100) == 101


def test_closing_note_explains_only_missed_targets():
    sections = [
        Section(
            key="x",
            title="X",
            targets=[
                Target("cached partial (d)", "≤ 5 ms median", "29.0", False),
                Target("traversal: vendor 429s", "0", "0", True),
                Target("something new", "≤ 1", "2", False),
            ],
        )
    ]
    note = closing.run(sections)
    assert note.data["missed"] == ["cached partial (d)", "something new"]
    assert note.notes[0].startswith("cached partial (d) (≤ 5 ms median; measured 29.0): A cached")
    assert note.notes[1].endswith("see its section.")
    assert closing.run([]).intro == "Every target is met."


def test_rate_limit_table_for_a_spec():
    assert rate_limit_toml(500, 10.0) == "[rate_limit]\nrequests = 500\nwindow = 10.0\n"


def test_every_snapshot_view_is_a_different_sort_with_a_filter():
    views = [tuple(sorted(view.items())) for view in snapshots.VIEWS]
    assert len(set(views)) == len(views) == len(snapshots.SORTS) * len(snapshots.FILTERS)
    for view in snapshots.VIEWS:
        assert view["sort"].lstrip("-") in VENDORS[snapshots.PRESET].sortable
        assert [name for name in view if name.startswith("f.")]
    assert snapshots.slug(100_000) == "linkit-100k"


def test_memory_growth_compares_the_largest_size_with_the_smallest():
    items = [
        {"database": "SQLite", "way": "view", "records": 10_000, "mb": 80.0},
        {"database": "SQLite", "way": "view", "records": 100_000, "mb": 81.5},
        {"database": "SQLite", "way": "command", "records": 100_000, "mb": 90.0},
        {"database": "SQLite", "way": "command", "records": 10_000, "mb": 85.0},
        {"database": "PostgreSQL", "way": "view", "records": 100_000, "mb": 99.0},
    ]
    growth = snapshots.memory_growth(items, "mb", ("database", "way"))
    assert growth == {"SQLite view": pytest.approx(1.5), "SQLite command": pytest.approx(5.0)}
