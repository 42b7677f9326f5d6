"""How a stored record is sorted, filtered and searched: keys computed once, when it is stored.

- `numbers`: per field, a number to sort and compare by: JSON numbers, numeric text
  (`"12.50"`) and ISO 8601 date-times (as seconds since 1970, so dates sort as dates).
- `texts`: per field, the value's text without regard to case (`plain_text`, casefolded),
  cut at `MAX_TEXT_KEY` characters.
- `search`: every field's casefolded text, separated by a character a search never holds.

Sorting orders by the number, then the text, and puts missing values last; a filter or a
search compares casefolded text with casefolded text.
"""

from __future__ import annotations

import math
import re
from typing import Any

from dashboard.browse.formatting import as_datetime, plain_text

MAX_TEXT_KEY = 500
SEPARATOR = "\x1f"
NUMERIC_TEXT = re.compile(r"-?\d+(\.\d+)?")

NUMBER, DATE, BOOLEAN, TEXT, NESTED = "number", "date", "boolean", "text", "nested"


def kind_of(value: Any) -> str | None:
    """What a value is, for the filter form and the column's default comparison."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, dict | list):
        return NESTED
    if isinstance(value, str) and as_datetime(value) is not None:
        return DATE
    return TEXT


def number_key(value: Any) -> float | None:
    """The number a value sorts and compares by, if it has one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if NUMERIC_TEXT.fullmatch(text):
        return float(text)
    moment = as_datetime(text)
    return moment.timestamp() if moment is not None else None


def text_key(value: Any) -> str:
    return plain_text(value).casefold()


def record_keys(record: dict[str, Any]) -> tuple[dict[str, float], dict[str, str], str]:
    """`numbers`, `texts` and `search` for one record (missing and null fields have none)."""
    numbers: dict[str, float] = {}
    texts: dict[str, str] = {}
    for name, value in record.items():
        if value is None:
            continue
        number = number_key(value)
        if number is not None:
            numbers[name] = number
        texts[name] = text_key(value)[:MAX_TEXT_KEY]
    search = SEPARATOR.join(text_key(value) for value in record.values() if value is not None)
    return numbers, texts, search
