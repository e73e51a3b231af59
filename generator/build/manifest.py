"""The manifest of outputs (.salon/output-manifest): what the last build wrote at each
path, read back so a build can keep files whose inputs did not change. writer.py records it.

Marshalled, as the plan index is: it is private to this machine's builds, and a build
reads it (and one that wrote anything writes it) whole, 13,444 entries at 5,000 essays:
JSON took 36 ms of an edit's build to read and write it, marshal 13. The JSON manifest
of earlier versions (output.json) is read where there is no other, and removed once the
new one is written.
"""

from __future__ import annotations

import json
import marshal
import os
from pathlib import Path
from typing import NamedTuple

from generator.core.files import LEGACY_OUTPUT_MANIFEST, OUTPUT_MANIFEST

MANIFEST = OUTPUT_MANIFEST  # under .salon/
LEGACY_MANIFEST = LEGACY_OUTPUT_MANIFEST  # before 2026-12-03, as JSON


class ManifestEntry(NamedTuple):
    """What the last build wrote at one path (stored as a tuple, in this order).

    A named tuple, not a dataclass: a build reads and makes one per output (13,444 at
    5,000 essays), and a tuple is made in a third of the time."""

    digest: str
    size: int
    mtime_ns: int
    key: str  # the render key of the inputs it was made from ("" for copied files)

    @staticmethod
    def parse(value: object) -> ManifestEntry | None:
        """An entry from its tuple (or list, in a JSON manifest); None for anything else
        (the file is then redone)."""
        if not isinstance(value, tuple | list) or len(value) != 4:
            return None
        digest, size, mtime_ns, key = value
        if type(digest) is not str or type(key) is not str:
            return None
        if type(size) is not int or type(mtime_ns) is not int:
            return None
        return ManifestEntry(digest, size, mtime_ns, key)

    def stored(self) -> tuple[str, int, int, str]:
        return (self.digest, self.size, self.mtime_ns, self.key)


class Manifest:
    """What the last build wrote: path -> ManifestEntry."""

    def __init__(self, path: Path) -> None:
        """``path``: the manifest in .salon/ (MANIFEST)."""
        self.path = path
        data = _read(path)
        self.entries: dict[str, ManifestEntry] = {}
        # The files found not as written, when an OutputCheck looked at them all at once
        # (output_check.py); None: each is looked at when asked about.
        self.changed: frozenset[str] | None = None
        parse, make = ManifestEntry.parse, ManifestEntry._make
        for relative, value in data.items() if isinstance(data, dict) else ():
            # ManifestEntry.parse's checks, spelled here for the usual entry (13,444 a
            # build at 5,000 essays: a call each was half of reading the manifest).
            if (
                type(value) is tuple
                and len(value) == 4
                and type(value[0]) is str
                and type(value[1]) is int
                and type(value[2]) is int
                and type(value[3]) is str
            ):
                self.entries[relative] = make(value)
            elif (entry := parse(value)) is not None:
                self.entries[relative] = entry

    def key(self, relative: str) -> str:
        entry = self.entries.get(relative)
        return entry.key if entry is not None else ""

    def intact(self, out_dir: Path, relative: str) -> bool:
        """The file is still as the last build left it (nobody edited or removed it)."""
        entry = self.entries.get(relative)
        if entry is None:
            return False
        if self.changed is not None:
            return relative not in self.changed
        try:
            stat = os.stat(os.path.join(out_dir, relative))
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (entry.size, entry.mtime_ns)

    def can_keep(self, out_dir: Path, relative: str, key: str) -> bool:
        """The file was made from inputs of this ``key`` and is still as it was written.

        ``intact`` spelled out, with one look-up: a build asks this of each of its files
        (13,440 at 5,000 essays), most of what an edit's execute step did."""
        entry = self.entries.get(relative)
        if not key or entry is None or entry.key != key:
            return False
        if self.changed is not None:
            return relative not in self.changed
        try:
            stat = os.stat(f"{out_dir}/{relative}")
        except OSError:
            return False
        return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns


def _read(path: Path) -> object:
    """The stored manifest; the JSON one of an earlier version where there is none (or
    where it is the one named: in the journal of a write that version left unfinished)."""
    if path.name != LEGACY_MANIFEST:
        try:
            return marshal.loads(path.read_bytes())
        except FileNotFoundError:
            path = path.with_name(LEGACY_MANIFEST)
        except (OSError, ValueError, EOFError, TypeError):
            return {}  # damaged: every file is made again
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
