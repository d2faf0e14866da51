"""The generators' vocabularies: JSON files under ``data/``, checked for shape as they load.

A wrong shape (a typo while editing a file) fails at import with the file and key named, instead of
as an odd row deep inside a generated set.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


class Table:
    """One data file (``<root>/<name>.json``, a JSON object), read with typed accessors."""

    def __init__(self, name: str, root: Path = DATA) -> None:
        self.path = root / f"{name}.json"
        value = json.loads(self.path.read_text(encoding="utf-8"))
        if not isinstance(value, dict):
            raise ValueError(f"{self.path}: not a JSON object")
        self._data: dict[str, object] = value

    def where(self, key: str) -> str:
        return f"{self.path}: {key}"

    def raw(self, key: str) -> object:
        if key not in self._data:
            raise ValueError(f"{self.path}: no {key!r}")
        return self._data[key]

    def strs(self, key: str) -> tuple[str, ...]:
        return as_strs(self.raw(key), self.where(key))

    def str_map(self, key: str) -> dict[str, str]:
        return {
            k: as_str(v, f"{self.where(key)}.{k}") for k, v in as_dict(self.raw(key), self.where(key)).items()
        }

    def str_lists(self, key: str) -> dict[str, tuple[str, ...]]:
        """An object whose values are lists of strings."""
        table = as_dict(self.raw(key), self.where(key))
        return {k: as_strs(v, f"{self.where(key)}.{k}") for k, v in table.items()}

    def rows(self, key: str, width: int) -> tuple[tuple[str, ...], ...]:
        """A list of lists of exactly width strings."""
        return tuple(as_strs(row, self.where(key), width) for row in as_list(self.raw(key), self.where(key)))

    def pairs(self, key: str) -> tuple[tuple[str, str], ...]:
        return tuple((a, b) for a, b in self.rows(key, 2))

    def str_records(self, key: str) -> tuple[dict[str, str], ...]:
        """A list of objects whose values are strings (a dataclass's fields: ``Cls(**record)``)."""
        return tuple(
            {name: as_str(value, f"{self.where(key)}.{name}") for name, value in record.items()}
            for record in self.records(key)
        )

    def records(self, key: str) -> tuple[dict[str, object], ...]:
        """A list of objects; the caller converts each field (with as_str, as_strs, as_ints)."""
        return tuple(as_dict(row, self.where(key)) for row in as_list(self.raw(key), self.where(key)))


def as_dict(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def as_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {value!r}")
    return value


def as_strs(value: object, where: str, width: int | None = None) -> tuple[str, ...]:
    items = tuple(as_str(item, where) for item in as_list(value, where))
    if width is not None and len(items) != width:
        raise ValueError(f"{where}: expected {width} strings, got {list(items)!r}")
    return items


def as_ints(value: object, where: str, width: int) -> tuple[int, ...]:
    numbers: list[int] = []
    for item in as_list(value, where):
        if not isinstance(item, int) or isinstance(item, bool):
            raise ValueError(f"{where}: expected integers, got {item!r}")
        numbers.append(item)
    if len(numbers) != width:
        raise ValueError(f"{where}: expected {width} integers, got {numbers!r}")
    return tuple(numbers)
