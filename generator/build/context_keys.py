"""Fingerprints derived from the objects a template or a feed receives.

A render key must change whenever anything its page could show changes. Instead of
listing each page's inputs by hand (and one day forgetting one), the key is computed
from the context objects themselves: every field of every dataclass, recursively,
so a new field is covered the moment it exists. Objects that already carry a
fingerprint of all they show (an entry, a comment thread) stand for themselves.

A field whose value is a pure function of another field of the same object (an
entry's parsed document, of its source's hash) says so with ``covered_by``; a
covered field must name a field that exists.

A ``Memo`` remembers the fingerprints of dataclasses already seen in one plan, and the
objects carrying their own fingerprint that a fingerprint met (``met``): the entries a
page shows, which plan_index.py keeps from one build to the next.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import inspect
import io
import pickle
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

COVERED_BY = "covered_by"
READ_APART = "read_apart"


def covered_by(other: str) -> dict[str, str]:
    """Field metadata: this field's value is a pure function of field ``other``."""
    return {COVERED_BY: other}


def read_apart() -> dict[str, bool]:
    """Field metadata: left out of the fingerprint, for the keys of the pages that read
    what it stands for to cover (an entry's body: body_reads.py)."""
    return {READ_APART: True}


class Memo:
    """Fingerprints of the dataclasses seen so far (by id, with the object, so that its id
    stays its own), each with the self-fingerprinted objects it met; and ``met``: those
    met since it was last cleared, in order, repeats included."""

    __slots__ = ("met", "seen")

    def __init__(self) -> None:
        self.seen: dict[int, tuple[Any, str, tuple[Any, ...]]] = {}
        self.met: list[Any] = []


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
        if item.metadata.get(READ_APART):
            continue
        if cover is None:
            kept.append(item.name)
        elif cover not in names:
            raise TypeError(f"{cls.__name__}.{item.name}: no field {cover} covers it")
    _FIELDS_READ[cls] = found = tuple(kept)
    return found


def fields_fingerprint(obj: Any, memo: Memo | None = None) -> str:
    """A hash of every field of the dataclass ``obj`` (covered fields by their cover)."""
    cls = type(obj)
    names = _FIELDS_READ.get(cls) or _fingerprinted_fields(cls)
    # A frozen dataclass keeps its fields in __dict__: read there, a third of getattr's time.
    values = getattr(obj, "__dict__", None)
    parts = [cls.__name__]
    for name in names:
        value = values[name] if values is not None else getattr(obj, name)
        kind = type(value)
        if kind in _PLAIN:  # spelled here as fingerprint_of spells it: one call fewer
            parts.append(f"{name}={kind.__name__}:{value!r}")
        elif _KINDS.get(kind) == _OWN and isinstance(own := value.fingerprint, str):
            parts.append(f"{name}={own}")  # an entry, a thread: likewise
            if memo is not None:
                memo.met.append(value)
        else:
            parts.append(f"{name}={fingerprint_of(value, memo)}")
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


_PLAIN = frozenset({type(None), bool, int, float, str})

# How each type is fingerprinted, found once per type (the isinstance chain below, ABCs
# included, cost a planned page more than its hashing). In the order of that chain.
_SCALAR, _SEQUENCE, _TIME, _ENUM, _PATH, _DATACLASS, _OWN, _MAPPING, _UNKNOWN = range(9)
_KINDS: dict[type, int] = {}


def _kind_of(kind: type) -> int:
    if issubclass(kind, bool | int | float | str) or kind is type(None):
        found = _SCALAR
    elif issubclass(kind, datetime | date):
        found = _TIME
    elif issubclass(kind, enum.Enum):
        found = _ENUM
    elif issubclass(kind, Path):
        found = _PATH
    elif dataclasses.is_dataclass(kind):
        # A class whose `fingerprint` is a value (a field, a property), not a method:
        # its objects carry a fingerprint of all they show (an entry, a thread).
        own = getattr(kind, "fingerprint", None)
        carried = "fingerprint" in kind.__dataclass_fields__ or not (
            own is None or inspect.isfunction(own)
        )
        found = _OWN if carried else _DATACLASS
    elif issubclass(kind, tuple | list):
        found = _SEQUENCE
    elif issubclass(kind, Mapping):
        found = _MAPPING
    else:
        found = _UNKNOWN
    _KINDS[kind] = found
    return found


def _items(value: Any, memo: Memo | None) -> str:
    """A sequence, its plain items and entries spelled here (a page's listing of ten
    entries was eleven calls)."""
    parts = []
    for item in value:
        kind = type(item)
        if kind in _PLAIN:
            parts.append(f"{kind.__name__}:{item!r}")
        elif _KINDS.get(kind) == _OWN and isinstance(own := item.fingerprint, str):
            parts.append(own)
            if memo is not None:
                memo.met.append(item)
        else:
            parts.append(fingerprint_of(item, memo))
    return "[" + ",".join(parts) + "]"


def fingerprint_of(value: Any, memo: Memo | None = None) -> str:
    """A stable text standing for ``value`` and everything reachable from it.

    ``memo`` remembers dataclasses already seen (a tag's posts appear on each of its
    pages); it holds the objects too, so their ids stay theirs while it lives.
    """
    kind = type(value)
    if kind in _PLAIN:  # most values: told apart before anything else
        return f"{kind.__name__}:{value!r}"
    if kind is tuple or kind is list:
        return _items(value, memo)
    how = _KINDS.get(kind)
    if how is None:
        how = _kind_of(kind)
    if how == _OWN:
        own = value.fingerprint
        if isinstance(own, str):
            if memo is not None:
                memo.met.append(value)
            return own  # an entry or a thread: a fingerprint of all it shows
        how = _DATACLASS
    if how == _DATACLASS:
        if memo is None:
            return fields_fingerprint(value)
        found = memo.seen.get(id(value))
        if found is None:
            mark = len(memo.met)
            made = fields_fingerprint(value, memo)
            found = memo.seen[id(value)] = (value, made, tuple(memo.met[mark:]))
        else:
            memo.met.extend(found[2])
        return found[1]
    if how == _SCALAR:
        return f"{kind.__name__}:{value!r}"
    if how == _MAPPING:
        if not value:
            return "{}"
        items = sorted(
            (repr(k), f"{type(v).__name__}:{v!r}" if type(v) in _PLAIN else fingerprint_of(v, memo))
            for k, v in value.items()
        )
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if how == _SEQUENCE:
        return _items(value, memo)
    if how == _TIME:
        return f"{kind.__name__}:{value.isoformat()}"
    if how == _ENUM:
        return f"{kind.__name__}:{value.value!r}"
    if how == _PATH:
        return f"path:{value.as_posix()}"
    raise TypeError(f"cannot fingerprint a {kind.__name__}: teach context_keys.py")


# -- the shape of a model -------------------------------------------------------------
#
# What stays when every object carrying its own fingerprint stands for what it is (its
# ``identity``: an entry, its source) instead of what it shows: which entries are where
# (listings, pages of them, neighbours, related essays), and every other value. Two
# models of the same shape differ only in what their entries show (plan_index.py).
# An object may stand for itself with ``shape_digest`` (the comment threads: a digest,
# not every thread read); one carrying a fingerprint but no identity stands for that.
#
# Made by pickling (a walk in Python over the 60,000 values of a 5,000-essay model took
# 55-75 ms, this a third of that): everything reachable is in it, attributes beyond the
# fields too, so it can only differ more often than what a page shows, which costs the
# shortcut, never a wrong key. In "fast" mode, without the memo: with it, the bytes
# varied with how the model's strings were shared (a cold build's from a warm one's).
# A set is taken sorted (its order varies from one process to the next).


class _ShapePickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        how = _SHAPE_KINDS.get(kind)
        if how is None:
            how = _shape_kind(kind)
        if how == _AS_IS:
            return None
        if how == _IDENTIFIED:
            return obj.identity
        if how == _STANDS:
            return f"{kind.__name__}={obj.shape_digest}"
        if how == _OWN:
            return obj.fingerprint
        return ("set", *sorted(obj, key=repr))


_AS_IS, _IDENTIFIED, _STANDS, _SET = range(100, 104)
_SHAPE_KINDS: dict[type, int] = {}


def _shape_kind(kind: type) -> int:
    if isinstance(getattr(kind, "shape_digest", None), property):
        found = _STANDS
    elif issubclass(kind, set | frozenset):
        found = _SET
    elif dataclasses.is_dataclass(kind) and (_KINDS.get(kind) or _kind_of(kind)) == _OWN:
        own = getattr(kind, "fingerprint", None)
        named = isinstance(getattr(kind, "identity", None), property)
        found = _IDENTIFIED if named else _OWN if not callable(own) else _AS_IS
    else:
        found = _AS_IS
    _SHAPE_KINDS[kind] = found
    return found


def shape_of(value: Any) -> str:
    """A digest of ``value``'s shape; "" when it cannot be made (then it matches none)."""
    out = io.BytesIO()
    pickler = _ShapePickler(out, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError):
        return ""
    return hashlib.sha1(out.getbuffer()).hexdigest()
