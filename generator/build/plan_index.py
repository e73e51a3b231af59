"""What each page and feed of the last build showed, so that a build after an edit knows
which render keys cannot have changed, without computing them.

A job's render key is a function of the key bases, of the values of its context and of
the fingerprints of the entries the context holds (context_keys.py). Of two models of
the same shape (context_keys.shape_of: the same entries in the same places, every other
value the same), the planner, a pure function of the settings and the model, makes the
same jobs with the same values: only what their entries show can differ. So when the
shape and the bases are those of the last build, a job none of whose entries changed
has the key it had then, kept here with the entries it showed. Every other job's key is
computed, and what it showed recorded for the next build.

A job that showed no entry is always computed: its values may be made from entries it
does not hold (the sitemap's dates of change). Computing every key stays the reference:
tests/test_plan_index.py plans edited sites both ways and requires the same keys.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.context_keys import shape_of
from generator.build.site import Entry, SiteModel
from generator.build.theme_hash import KeyBases
from generator.build.writer import write_private

PLAN_INDEX = "plan-index"  # under .salon/: marshalled, private to this machine's builds
VERSION = 1

Shown = tuple[str, tuple[str, ...]]  # a job's key, and the sources of the entries it showed


@dataclass(frozen=True)
class LastPlan:
    shape: str
    fingerprints: Mapping[str, str]  # each entry's, by source
    shown: Mapping[str, Shown]  # by output path


def model_shape(bases: KeyBases, model: SiteModel) -> str:
    """The bases and the model's shape; "" (never the same) when it cannot be made."""
    shape = shape_of(model)
    if not shape:
        return ""
    return hashlib.sha1(f"{bases.pages}\0{bases.files}\0{shape}".encode()).hexdigest()


def entry_fingerprints(model: SiteModel) -> dict[str, str]:
    entries: Sequence[Entry] = (*model.posts, *model.pages)
    return {entry.identity: entry.fingerprint for entry in entries}


class KeptKeys:
    """The last build's keys this build may take as they are, and what this one showed."""

    def __init__(self, last: LastPlan | None, shape: str, fingerprints: Mapping[str, str]):
        self.shape = shape
        self.fingerprints = fingerprints
        self.shown: dict[str, Shown] = {}  # this build's, for the next
        self._last = last if last is not None and shape and last.shape == shape else None
        self._changed: set[str] = set()
        if self._last is not None:
            before = self._last.fingerprints
            self._changed = {s for s, made in fingerprints.items() if before.get(s) != made}

    def kept(self, path: str) -> str | None:
        """The last key of the job at ``path``, if nothing it shows can have changed."""
        if self._last is None:
            return None
        found = self._last.shown.get(path)
        if type(found) is not tuple or len(found) != 2 or type(found[0]) is not str:
            return None  # not there (or not what this code writes)
        if not found[1] or not self._changed.isdisjoint(found[1]):
            return None
        self.shown[path] = found
        return found[0]

    def record(self, path: str, key: str, met: Sequence[Any]) -> None:
        """A key computed now, with the self-fingerprinted objects its context met."""
        sources: dict[str, None] = {}
        for item in met:
            identity = getattr(item, "identity", None)
            if not isinstance(identity, str):
                sources = {}  # something shown that is not an entry: always computed
                break
            sources[identity] = None
        self.shown[path] = (key, tuple(sources))

    def save(self, path: Path) -> None:
        data = {"version": VERSION, "shape": self.shape, "fingerprints": dict(self.fingerprints),
                "shown": self.shown}  # fmt: skip
        write_private(path, marshal.dumps(data))


def load_last_plan(path: Path) -> LastPlan | None:
    """The last build's index; None if there is none or it is unreadable (only a shortcut)."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    shape, fingerprints, shown = data.get("shape"), data.get("fingerprints"), data.get("shown")
    if not (isinstance(shape, str) and isinstance(fingerprints, dict) and isinstance(shown, dict)):
        return None
    return LastPlan(shape, fingerprints, shown)
