"""Filters over a whole snapshot, written in a table's `f.<field>` parameters:

- `text`: the field contains it (without regard to case); for numbers, true/false fields and
  fields with choices it must equal it instead, as on a live page;
- `=text`: the field equals it exactly (without regard to case; numbers as numbers);
- `low..high`, `low..` or `..high`: a range, inclusive, of numbers or dates (ISO 8601, a
  date alone covering its whole day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.utils.dateparse import parse_date

from .keys import BOOLEAN, NUMBER, number_key, text_key

RANGE = ".."
EXACT = "="
END_OF_DAY = timedelta(days=1) - timedelta(microseconds=1)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # "contains", "equals" or "range"
    text: str = ""
    number: float | None = None
    low: float | None = None
    high: float | None = None


def _bound(text: str, *, high: bool) -> float | None:
    text = text.strip()
    if not text:
        return None
    number = number_key(text)
    if number is not None:
        return number
    day = parse_date(text) if len(text) == 10 else None
    if day is None:
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC) + (END_OF_DAY if high else timedelta())
    return moment.timestamp()


def parse_condition(name: str, value: str, *, kind: str | None, has_choices: bool) -> Condition:
    """The condition a filter value states for a field of the given kind."""
    low_text, separator, high_text = value.partition(RANGE)
    if separator and (low_text.strip() or high_text.strip()):
        low, high = _bound(low_text, high=False), _bound(high_text, high=True)
        readable = (low is not None or not low_text.strip()) and (
            high is not None or not high_text.strip()
        )
        if readable:
            return Condition(name, "range", low=low, high=high)
    if value.startswith(EXACT) and len(value) > 1:
        wanted = value[1:]
        return Condition(name, "equals", text=text_key(wanted), number=_equal_number(wanted, kind))
    if kind in (NUMBER, BOOLEAN) or has_choices:
        return Condition(name, "equals", text=text_key(value), number=_equal_number(value, kind))
    return Condition(name, "contains", text=text_key(value))


def _equal_number(text: str, kind: str | None) -> float | None:
    return number_key(text) if kind == NUMBER else None
