"""Reading rendered table pages in tests: the data table's headers and rows as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Grid:
    headers: list[str] = field(default_factory=list)
    sorted_by: dict[str, str] = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)

    def column(self, label: str) -> list[str]:
        index = self.headers.index(label)
        return [row[index] for row in self.rows]


class _GridParser(HTMLParser):
    """Collects the text of `<table class="grid data">`: header labels (without the
    screen-reader hint), `aria-sort`, and the cells of each body row."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = Grid()
        self._in_table = False
        self._in_head = False
        self._hidden_depth = 0
        self._text: list[str] | None = None
        self._aria_sort = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and "data" in (attributes.get("class") or "").split():
            self._in_table = True
        if not self._in_table:
            return
        if self._hidden_depth or "visually-hidden" in (attributes.get("class") or ""):
            self._hidden_depth += 1
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.grid.rows.append([])
        elif tag in ("th", "td"):
            self._text = []
            self._aria_sort = attributes.get("aria-sort") or ""

    def handle_endtag(self, tag: str) -> None:
        if not self._in_table:
            return
        if self._hidden_depth:
            self._hidden_depth -= 1
        if tag == "table":
            self._in_table = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._text is not None:
            text = " ".join("".join(self._text).split())
            if tag == "th":
                self.grid.headers.append(text)
                if self._aria_sort:
                    self.grid.sorted_by[text] = self._aria_sort
            elif self.grid.rows:
                self.grid.rows[-1].append(text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._hidden_depth:
            self._text.append(data)


def grid(html: str) -> Grid:
    parser = _GridParser()
    parser.feed(html)
    return parser.grid


def text_of(html: str, css_class: str) -> list[str]:
    """The text of every element whose class attribute starts with `css_class`."""
    pattern = rf'class="{re.escape(css_class)}[^"]*"[^>]*>(.*?)</'
    return [
        " ".join(re.sub(r"<[^>]+>", "", found).split()) for found in re.findall(pattern, html, re.S)
    ]
