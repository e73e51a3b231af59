"""What of output/ is still as the last build left it, found in a process forked beside
the build, while this one parses, plans and renders on the other core.

Keeping a page needs its file to be as it was written (the manifest's size and time:
manifest.py), and removing what the build no longer makes needs a listing of output/
(output_listing.py): at 5,000 essays, 13,440 files' status and 8,600 folders', 0.13 s
of the one busy core of a build with one essay edited. Asked for by execute.py (which
files are intact) and the writer (the listing); where there is no fork, or few files,
the same is done in this process when first asked.

The files are looked at when the build starts rather than as it keeps each: a file
changed by hand while the build runs is, as before, found changed by the next build.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from generator.build.manifest import Manifest, ManifestEntry
from generator.build.output_listing import existing_files, load_folder_times
from generator.build.pools import ForkedCall, can_fork

CHECKED_APART = 2000  # fewer files than this: checked here, forking costs more


@dataclass(frozen=True)
class Findings:
    """output/ as found, against the manifest's paths."""

    changed: frozenset[str]  # files not as the last build wrote them (or gone)
    unlisted: frozenset[str]  # files the listing did not find
    strays: tuple[str, ...]  # files the listing found that the manifest does not know
    folder_times: dict[str, int]  # the folders' times that still stand (output_listing.py)


def examine(out_dir: Path, entries: Mapping[str, ManifestEntry], keep: tuple[str, ...],
            times: Mapping[str, int]) -> Findings:  # fmt: skip
    """Look at output/: each file of ``entries`` and the listing (the top folder's hidden
    entries judged as if the build made what the last one did: ``OutputCheck.listing``)."""
    if not out_dir.is_dir():  # removed since (or never built): nothing there to keep
        return Findings(frozenset(entries), frozenset(entries), (), {})
    top = os.fspath(out_dir)
    changed = []
    for relative, entry in entries.items():
        try:
            stat = os.stat(f"{top}/{relative}")
        except OSError:
            changed.append(relative)
            continue
        if stat.st_size != entry.size or stat.st_mtime_ns != entry.mtime_ns:
            changed.append(relative)
    listed, folder_times = existing_files(out_dir, entries, keep, entries, times)
    found = set(listed)
    strays = tuple(path for path in listed if path not in entries)
    unlisted = frozenset(path for path in entries if path not in found)
    return Findings(frozenset(changed), unlisted, strays, folder_times)


class OutputCheck:
    """``examine`` for this build, started now (in a fork, where it is worth one)."""

    def __init__(self, out_dir: Path, manifest: Manifest, keep: tuple[str, ...]) -> None:
        self.out_dir, self.manifest, self.keep = out_dir, manifest, keep
        self._times = load_folder_times(manifest.path.parent)
        self._findings: Findings | None = None
        self._child: ForkedCall | None = None
        # Not from a process running other threads (`salon serve`): a fork copies the
        # locks they hold, and the child could wait on one forever.
        alone = threading.active_count() == 1
        if len(manifest.entries) >= CHECKED_APART and out_dir.is_dir() and alone and can_fork():
            entries, times = manifest.entries, self._times
            self._child = ForkedCall(lambda: examine(out_dir, entries, keep, times))
        self.forked = self._child is not None

    def findings(self) -> Findings:
        if self._findings is None:
            child, self._child = self._child, None
            found = child.result() if child is not None else None
            if not isinstance(found, Findings):  # no fork, or it died: here, then
                found = examine(self.out_dir, self.manifest.entries, self.keep, self._times)
            self._findings = found
        return self._findings

    def changed(self) -> frozenset[str]:
        """The manifest's files that are not as the last build wrote them."""
        return self.findings().changed

    def listing(self, produced: Mapping[str, object]) -> tuple[list[str], dict[str, int]]:
        """What ``output_listing.existing_files`` gives for a build making ``produced``."""
        entries = self.manifest.entries
        if _top_hidden(produced) != _top_hidden(entries):
            # A hidden file or folder at the top made by one build and not the other:
            # the listing judged them by the last build's; this one's decides.
            return existing_files(self.out_dir, produced, self.keep, entries, self._times)
        found = self.findings()
        listed = [path for path in entries if path not in found.unlisted]
        listed.extend(found.strays)
        return listed, found.folder_times

    def stop(self) -> None:
        """End the child if it still runs (the build stopped before asking)."""
        if self._child is not None:
            self._child.stop()
            self._child = None

    def __enter__(self) -> OutputCheck:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self.stop()


def _top_hidden(paths: Mapping[str, object]) -> set[str]:
    return {path for path in paths if path.startswith(".")}
