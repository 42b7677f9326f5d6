"""Cell and row markup built in Python (`Cell.html`, `Row.html`): the same HTML the cell
template used to produce, with every vendor value escaped; record links built without a
`reverse()` per row, the same as `reverse()` gives."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from dashboard.browse.formatting import cell
from dashboard.browse.table import Row
from dashboard.browse.views import _record_url

HOSTILE = "\"><img src=x onerror=alert(1)>&'"

# The markup `browse/_cell.html` had as a template, kept here as the reference.
CELL_TEMPLATE = (
    '{% if cell.kind == "datetime" %}<time datetime="{{ cell.iso }}" title="{{ cell.title }}">'
    '{{ cell.text }}</time>{% elif cell.kind == "long" %}<details class="long"><summary><bdi>'
    '{{ cell.text }}</bdi></summary><div class="full-text"><bdi>{{ cell.full }}</bdi></div>'
    '</details>{% elif cell.kind == "bool" %}<span class="flag flag-{{ cell.title }}">'
    '{{ cell.text }}</span>{% elif cell.kind == "empty" %}<span class="muted" '
    'title="{{ cell.title }}">—</span>{% elif cell.kind == "nested" or cell.kind == "number" %}'
    '<span title="{{ cell.title }}"><bdi>{{ cell.text }}</bdi></span>{% else %}<bdi>'
    "{{ cell.text }}</bdi>{% endif %}"
)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        1234.5,
        "2024-01-13T10:49:18Z",
        HOSTILE,
        HOSTILE * 40,
        [HOSTILE, 1],
        {HOSTILE: HOSTILE},
    ],
)
def test_cell_markup_matches_the_template_and_escapes(value):
    with timezone.override("Europe/Berlin"):
        formatted = cell(value)
        expected = engines["django"].from_string(CELL_TEMPLATE).render({"cell": formatted})
        assert formatted.html == expected
    assert "<img" not in formatted.html


def test_row_links_its_first_cell_and_escapes_everything():
    row = Row(record_id=HOSTILE, url=f"/r/{HOSTILE}/", cells=(cell(HOSTILE), cell(7)))
    html = row.html
    assert html.startswith('<tr><td class="cell-text"><a href="/r/&quot;&gt;&lt;img')
    assert 'title="Open &quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#x27;"' in html
    assert html.endswith('<td class="cell-number"><span title="7"><bdi>7</bdi></span></td></tr>')
    assert "<img" not in html


def test_row_without_a_url_shows_its_first_cell_as_a_cell():
    html = Row(record_id="", url=None, cells=(cell(None),)).html
    assert html == '<tr><td class="cell-empty"><span class="muted" title="empty">—</span></td></tr>'


@pytest.mark.parametrize(
    "record_id",
    ["42", "a b", "100%", "x?y=1#z", "ünï-çødé", "名前", "!$&'()*+,;=:@~", "-._", HOSTILE, ".x"],
)
def test_record_links_are_what_reverse_gives(record_id):
    team = SimpleNamespace(slug="ops")
    membership = SimpleNamespace(team=team)
    connection = SimpleNamespace(slug="crm")
    resource = SimpleNamespace(name="contacts", allows=lambda method: method == "get")
    expected = reverse(
        "browse:record",
        kwargs={"team": "ops", "connection": "crm", "resource": "contacts", "record_id": record_id},
    )
    assert _record_url(membership, connection, resource)(record_id) == expected


@pytest.mark.parametrize("record_id", ["a/b", ".", ".."])
def test_ids_that_would_name_another_path_get_no_link(record_id):
    resource = SimpleNamespace(name="contacts", allows=lambda method: True)
    build = _record_url(
        SimpleNamespace(team=SimpleNamespace(slug="ops")), SimpleNamespace(slug="crm"), resource
    )
    assert build(record_id) is None
