"""In-memory collections of records with create/update/delete and cached queries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from .schema import Field, FieldError, Invalid, clean

Record = dict[str, Any]
Store = dict[str, "Collection"]
CACHED_QUERIES = 16


class Collection:
    """One resource's records in insertion order, indexed by `id`.

    Creating a collection registers it in `store` under `name`, which is also how `Field.ref`
    finds the collection a reference points into.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        fields: Sequence[Field],
        *,
        singular: str,
        new_id: Callable[[], Any],
        stamps: tuple[str, str],
        stamp: Callable[[float], str],
        read_only: bool = False,
    ) -> None:
        store[name] = self
        self.store = store
        self.name = name
        self.fields = tuple(fields)
        self.singular = singular
        self.new_id = new_id
        self.created_field, self.updated_field = stamps
        self.stamp = stamp
        self.read_only = read_only
        self.version = 0
        self._records: list[Record] = []
        self._index: dict[Any, Record] = {}
        self._cache: dict[tuple[Any, ...], list[Record]] = {}
        self._by_name = {field.name: field for field in self.fields}

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @property
    def sortable(self) -> frozenset[str]:
        return frozenset({"id", self.created_field, self.updated_field, *self._by_name})

    def load(self, records: Iterable[Record]) -> None:
        for record in records:
            self._records.append(record)
            self._index[record["id"]] = record
        self.version += 1

    def get(self, key: Any) -> Record | None:
        """The record with this id; a path segment is matched against integer ids too."""
        record = self._index.get(key)
        if record is None and isinstance(key, str) and key.isdigit():
            record = self._index.get(int(key))
        return record

    def select(
        self,
        where: Mapping[str, Any] | None = None,
        *,
        search: str | None = None,
        order: Sequence[tuple[str, bool]] = (),
    ) -> list[Record]:
        """Records equal to `where`, containing `search` in a searchable field (ignoring case),
        sorted by `order` ((field, descending) pairs). Do not mutate the returned list."""
        where = where or {}
        if not where and not search and not order:
            return self._records
        key = (self.version, tuple(sorted(where.items())), search, tuple(order))
        rows = self._cache.get(key)
        if rows is None:
            rows = [r for r in self._records if all(r.get(f) == v for f, v in where.items())]
            if search:
                rows = self._search(rows, search.casefold())
            for name, descending in reversed(order):
                rows.sort(key=lambda record: _sort_key(record.get(name)), reverse=descending)
            if len(self._cache) >= CACHED_QUERIES:
                self._cache.clear()
            self._cache[key] = rows
        return rows

    def create(self, payload: Mapping[str, Any], fixed: Mapping[str, Any] | None = None) -> Record:
        values = clean(self.fields, payload, required=True, defaults=True)
        self._check(values, None)
        now = self.stamp(time.time())
        record = {
            "id": self.new_id(),
            **(fixed or {}),
            **values,
            self.created_field: now,
            self.updated_field: now,
        }
        self.load([record])
        return record

    def update(
        self,
        record: Record,
        payload: Mapping[str, Any],
        *,
        required: bool = False,
        defaults: bool = False,
    ) -> Record:
        """Apply `payload` to `record` (see `clean` for `required` and `defaults`)."""
        values = clean(self.fields, payload, required=required, defaults=defaults)
        self._check(values, record)
        record.update(values)
        record[self.updated_field] = self.stamp(time.time())
        self.version += 1
        return record

    def delete(self, record: Record) -> None:
        del self._index[record["id"]]
        position = next(n for n, candidate in enumerate(self._records) if candidate is record)
        del self._records[position]
        self.version += 1

    def _check(self, values: Mapping[str, Any], current: Record | None) -> None:
        errors = []
        for name, value in values.items():
            field = self._by_name[name]
            if field.unique and any(
                other.get(name) == value for other in self._records if other is not current
            ):
                errors.append(FieldError(field, "unique", value))
            if field.ref and value is not None and self.store[field.ref].get(value) is None:
                errors.append(FieldError(field, "missing_ref", value))
        if errors:
            raise Invalid(errors)

    def _search(self, rows: list[Record], needle: str) -> list[Record]:
        names = [field.name for field in self.fields if field.searchable]
        return [
            record
            for record in rows
            if any(needle in str(record.get(name) or "").casefold() for name in names)
        ]


def _sort_key(value: Any) -> tuple[bool, Any]:
    return value is None, value
