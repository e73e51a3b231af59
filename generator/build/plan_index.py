"""What each page and feed of the last build showed, so that a build after an edit knows
which render keys cannot have changed, without computing them.

A job's render key is made of a base and of what the job read of its entries' rendered
Markdown. The base is a function of the key bases, of the values of its context and of
the fingerprints of the entries the context holds (context_keys.py), which cover all a
page could show of an entry but its rendering; the rendering is covered aspect by aspect
(the body's HTML, the excerpt, the contents, the word count, the reading time...), only
where the page read it as it rendered (body_reads.py, execute.py): a listing of 5,000
titles is not made again when one essay's text changes.

Of two models of the same shape (context_keys.shape_of: the same entries in the same
places, every other value the same), the planner, a pure function of the settings and
the model, makes the same jobs with the same values: only what their entries show can
differ. So when the shape and the bases are those of the last build, a job none of
whose entries' fingerprints changed has the base it had then, kept here with the entries
it showed and what it read, and its key is that base with what it reads now. Every other
job's key is computed, and what it showed recorded for the next build. What each page
read is used whatever the shape: a key made with it that is the key of the file there
was made from the same inputs.

A job that showed no entry is always computed: its values may be made from entries it
does not hold (the sitemap's dates of change). Computing every key stays the reference:
tests/test_plan_index.py plans edited sites both ways and requires the same keys;
tests/test_body_reads.py that what a page read reaches it.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.body_reads import Read
from generator.build.context_keys import shape_of
from generator.build.site import Entry, SiteModel
from generator.build.theme_hash import KeyBases
from generator.core.files import atomic_write

PLAN_INDEX = "plan-index"  # under .salon/: marshalled, private to this machine's builds
VERSION = 2

# What a job showed: its key; the base of its key (a hash of its context, with what its
# entries' rendering gives left out); the sources of the entries its context held; and
# what of their rendering it read (body_reads.py), packed (``_pack``).
Shown = tuple[str, str, tuple[str, ...], str]
Reread = tuple[str, str]  # a job's key made again, and its reads packed

# Reads packed as text: per source, its place among those held (or "@" and the source
# itself), then a letter per aspect. Spelled out, 13,444 jobs' reads more than doubled
# the index and the time to read it.
_LETTER = {"html": "h", "excerpt": "e", "toc": "t", "words": "w", "minutes": "m",
           "more": "o", "all": "a"}  # fmt: skip
_ASPECT = {letter: aspect for aspect, letter in _LETTER.items()}
_SOURCES, _PARTS = "\x1e", "\x1f"


def _pack(reads: Sequence[Read], held: Sequence[str]) -> str:
    """``reads`` as text."""
    places = {source: str(i) for i, source in enumerate(held)}
    grouped: dict[str, list[str]] = {}
    for source, aspect in reads:
        ref = places.get(source) or "@" + _escaped(source)
        grouped.setdefault(ref, []).append(_LETTER[aspect])
    return _SOURCES.join(f"{ref}{_PARTS}{''.join(letters)}" for ref, letters in grouped.items())


def _escaped(source: str) -> str:
    return source.replace("%", "%25").replace(_SOURCES, "%1E").replace(_PARTS, "%1F")


def _unescaped(text: str) -> str:
    return text.replace("%1F", _PARTS).replace("%1E", _SOURCES).replace("%25", "%")


def _unpack(packed: str, held: Sequence[str]) -> tuple[Read, ...] | None:
    """What ``_pack`` packed; None if it is not what it packs."""
    reads: list[Read] = []
    try:
        for part in packed.split(_SOURCES) if packed else ():
            ref, letters = part.split(_PARTS)
            source = _unescaped(ref[1:]) if ref.startswith("@") else held[int(ref)]
            reads.extend((source, _ASPECT[letter]) for letter in letters)
    except (ValueError, IndexError, KeyError):
        return None
    return tuple(sorted(reads))


@dataclass(frozen=True)
class LastPlan:
    shape: str
    fingerprints: Mapping[str, str]  # each entry's, by source (its rendering apart)
    sources: Mapping[str, str]  # each entry's source hash (which covers its rendering)
    shown: Mapping[str, Shown]  # by output path


def model_shape(bases: KeyBases, model: SiteModel) -> str:
    """The bases and the model's shape; "" (never the same) when it cannot be made."""
    shape = shape_of(model)
    if not shape:
        return ""
    return hashlib.sha1(f"{bases.pages}\0{bases.files}\0{shape}".encode()).hexdigest()


def model_entries(model: SiteModel) -> dict[str, Entry]:
    """The model's entries, by source."""
    return {entry.identity: entry for entry in (*model.posts, *model.pages)}


def key_of(
    base: str, reads: Sequence[Read], entries: Mapping[str, Entry],
    known: dict[Read, str] | None = None,
) -> str:  # fmt: skip
    """A job's render key: its base, and each aspect of a rendering it read (``known``:
    the aspects made so far, by source and aspect, kept for the next call)."""
    if not reads:
        return base
    known = {} if known is None else known
    parts = [base]
    for read in reads:
        made = known.get(read)
        if made is None:
            entry = entries.get(read[0])
            made = known[read] = entry.aspect(read[1]) if entry is not None else ""
        parts.append(f"{read[0]}\x1f{read[1]}={made}")
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


class KeptKeys:
    """The last build's keys this build may take as they are, and what this one showed."""

    def __init__(self, last: LastPlan | None, shape: str, entries: Mapping[str, Entry]) -> None:
        self.shape = shape
        self.entries = entries
        self.fingerprints = {source: entry.fingerprint for source, entry in entries.items()}
        self.sources = {source: entry.source_hash for source, entry in entries.items()}
        self.shown: dict[str, Shown] = {}  # this build's, for the next
        self._aspects: dict[Read, str] = {}  # entries' aspects made so far (key_of)
        # What each page read last time stands, whatever the shape: a key made with it
        # that is the key of the file there was made from the same inputs.
        self._read = last.shown if last is not None else {}
        self._last = last if last is not None and shape and last.shape == shape else None
        self._changed: set[str] = set()  # entries whose fingerprint changed
        self._rendered: set[str] = set()  # entries whose rendering may have changed
        if self._last is not None:
            before, sources = self._last.fingerprints, self._last.sources
            self._changed = {s for s, made in self.fingerprints.items() if before.get(s) != made}
            self._rendered = {s for s, made in self.sources.items() if sources.get(s) != made}

    def kept(self, path: str) -> str | None:
        """The key of the job at ``path`` if none of the entries it shows changed but in
        what it did not read of their rendering: the last one, or made of its base with
        what it reads."""
        if self._last is None:
            return None
        found = self._last.shown.get(path)
        if not _is_shown(found):
            return None  # not there (or not what this code writes)
        assert found is not None
        key, base, held, packed = found
        if not held or not self._changed.isdisjoint(held):
            return None
        self.shown[path] = found
        rendered = self._rendered
        # (A changed rendering matters only to a job that holds the entry, or read it
        # elsewhere: "@" and its source.)
        if rendered and ("@" in packed or not rendered.isdisjoint(held)):
            reads = _unpack(packed, held)
            if reads is None:
                return None
            if any(source in rendered for source, _aspect in reads):
                key = key_of(base, reads, self.entries, self._aspects)
                self.shown[path] = (key, base, held, packed)
        return key

    def reads(self, path: str) -> tuple[Read, ...] | None:
        """What the job at ``path`` read when it was last made; None if unknown."""
        found = self._read.get(path)
        if found is None or not _is_shown(found):
            return None
        return _unpack(found[3], found[2])

    def record(self, path: str, base: str, met: Sequence[Any], reads: tuple[Read, ...]) -> str:
        """A base computed now, with the self-fingerprinted objects its context met and
        what it is taken to read: its key."""
        sources: dict[str, None] = {}
        for item in met:
            identity = getattr(item, "identity", None)
            if not isinstance(identity, str):
                sources = {}  # something shown that is not an entry: always computed
                break
            sources[identity] = None
        key = key_of(base, reads, self.entries, self._aspects)
        held = tuple(sources)
        self.shown[path] = (key, base, held, _pack(reads, held))
        return key

    def reread(self, path: str, reads: tuple[Read, ...]) -> Reread | None:
        """The job at ``path`` read ``reads`` as it was made: its new key and its reads
        packed, if its key was made with other reads (None otherwise). It records
        nothing: a page worker asks it right after the page (done in the build's own
        process, after a cold build's pages, it took 0.4 s at 5,000 essays), and the
        build gives the answers to ``take``."""
        found = self.shown.get(path)
        if found is None:
            return None
        held = found[2]
        packed = _pack(reads, held)
        if packed == found[3]:
            return None
        return key_of(found[1], reads, self.entries, self._aspects), packed

    def take(self, path: str, reread: Reread) -> str:
        """What ``reread`` answered for the job at ``path``, recorded: its key."""
        key, packed = reread
        found = self.shown[path]
        self.shown[path] = (key, found[1], found[2], packed)
        return key

    def save(self, path: Path) -> None:
        data = {"version": VERSION, "shape": self.shape, "fingerprints": self.fingerprints,
                "sources": self.sources, "shown": self.shown}  # fmt: skip
        # Whole or not at all, but not synced: a lost index only costs the shortcut (and
        # syncing its megabytes was a tenth of an edit's write step).
        atomic_write(path, marshal.dumps(data))


def _is_shown(found: object) -> bool:
    return (
        type(found) is tuple
        and len(found) == 4
        and type(found[0]) is str
        and type(found[1]) is str
        and type(found[2]) is tuple
        and type(found[3]) is str
    )


def load_last_plan(path: Path) -> LastPlan | None:
    """The last build's index; None if there is none or it is unreadable (only a shortcut)."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    shape, fingerprints, shown = data.get("shape"), data.get("fingerprints"), data.get("shown")
    sources = data.get("sources")
    if not (isinstance(shape, str) and isinstance(fingerprints, dict) and isinstance(shown, dict)
            and isinstance(sources, dict)):  # fmt: skip
        return None
    return LastPlan(shape, fingerprints, sources, shown)
