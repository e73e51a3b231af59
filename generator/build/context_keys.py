"""Fingerprints derived from the objects a template or a feed receives.

A render key must change whenever anything its page could show changes. Instead of
listing each page's inputs by hand (and one day forgetting one), the key is computed
from the context objects themselves: every field of every dataclass, recursively,
so a new field is covered the moment it exists. Objects that already carry a
fingerprint of all they show (an entry, a comment thread) stand for themselves.

A field whose value is a pure function of another field of the same object (an
entry's parsed document, of its source's hash) says so with ``covered_by``; a
covered field must name a field that exists.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

COVERED_BY = "covered_by"


def covered_by(other: str) -> dict[str, str]:
    """Field metadata: this field's value is a pure function of field ``other``."""
    return {COVERED_BY: other}


_FIELDS_READ: dict[type, tuple[str, ...]] = {}


def _fingerprinted_fields(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass its fingerprint reads: all but the covered ones.

    Once per class: dataclasses.fields() cost a planned page more than its hashing."""
    known = _FIELDS_READ.get(cls)
    if known is not None:
        return known
    every = dataclasses.fields(cls)
    names = {f.name for f in every}
    kept = []
    for item in every:
        cover = item.metadata.get(COVERED_BY)
        if cover is None:
            kept.append(item.name)
        elif cover not in names:
            raise TypeError(f"{cls.__name__}.{item.name}: no field {cover} covers it")
    _FIELDS_READ[cls] = found = tuple(kept)
    return found


def fields_fingerprint(obj: Any, memo: dict[int, tuple[Any, str]] | None = None) -> str:
    """A hash of every field of the dataclass ``obj`` (covered fields by their cover)."""
    parts = [type(obj).__name__]
    parts.extend(
        f"{name}={fingerprint_of(getattr(obj, name), memo)}"
        for name in _fingerprinted_fields(type(obj))
    )
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


_PLAIN = frozenset({type(None), bool, int, float, str})


def fingerprint_of(value: Any, memo: dict[int, tuple[Any, str]] | None = None) -> str:
    """A stable text standing for ``value`` and everything reachable from it.

    ``memo`` remembers dataclasses already seen (a tag's posts appear on each of its
    pages); it holds the objects too, so their ids stay theirs while it lives.
    """
    kind = type(value)
    if kind in _PLAIN:  # most values: told apart before the isinstance chain
        return f"{kind.__name__}:{value!r}"
    if kind is tuple or kind is list:
        return "[" + ",".join([fingerprint_of(item, memo) for item in value]) + "]"
    if value is None or isinstance(value, bool | int | float | str):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, datetime | date):
        return f"{type(value).__name__}:{value.isoformat()}"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}:{value.value!r}"
    if isinstance(value, Path):
        return f"path:{value.as_posix()}"
    own = getattr(value, "fingerprint", None)
    if isinstance(own, str) and dataclasses.is_dataclass(value):
        return own  # an entry or a thread: a fingerprint of all it shows
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if memo is None:
            return fields_fingerprint(value)
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = (value, fields_fingerprint(value, memo))
        return found[1]
    if isinstance(value, tuple | list):
        return "[" + ",".join(fingerprint_of(item, memo) for item in value) + "]"
    if isinstance(value, Mapping):
        items = sorted((repr(k), fingerprint_of(v, memo)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    raise TypeError(f"cannot fingerprint a {type(value).__name__}: teach context_keys.py")
