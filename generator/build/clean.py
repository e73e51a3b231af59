"""`salon clean`: remove what builds made, and only that."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

# What `salon clean` removes from .salon/: the build's caches and records, never the comment
# store, its keys, or posts.json (which the running comment service reads).
BUILD_STATE = (
    "cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm", "output-manifest",
    "output.json",  # the manifest as an earlier version kept it
    "last-build.json", "links.json", "staging", "builds", "images",  # images: renditions
    "related.json", "search.json", "pagefind",  # the search index's record and work folder
    "source-record", "sources.json",  # each source's status and hash (source_record.py)
    "output-folders.json",  # output/'s folders as the last build saw them (output_listing.py)
    "templates",  # compiled templates (template_cache.py)
    "plan-index",  # what each page showed, by the last build (plan_index.py)
)  # fmt: skip
# Left by clean: posts.json and search.sqlite3, which a running comment service reads.


def clean_site(out_dir: Path, private_dir: Path) -> int:
    """Remove what builds made: output/ (but for hidden entries at its top that a build did
    not make, such as .git) and the build state in .salon/. Returns the files removed."""
    removed = 0
    if out_dir.is_dir():
        for entry in sorted(out_dir.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink():
                removed += sum(1 for p in entry.rglob("*") if not p.is_dir())
                shutil.rmtree(entry)
            else:
                entry.unlink()
                removed += 1
        with contextlib.suppress(OSError):
            out_dir.rmdir()  # only when nothing hidden is left in it
    for name in BUILD_STATE:
        path = private_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    return removed
