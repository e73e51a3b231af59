"""Writing a file so that a reader never sees half of it (the build, the service and the
importers all write this way), and refusing to publish a link that leaves the site."""

from __future__ import annotations

import os
from pathlib import Path

from generator.core.errors import SiteError

# In .salon/: a build's write phase under way (build/writer.py), until it is done. Named
# here so that any command can look for it without loading the build.
WRITE_JOURNAL = "write-journal.json"
# In .salon/: what the last build wrote (build/manifest.py), and its name before 2026-12-03;
# named here for the check that an --output folder is one a build wrote (core/config.py).
OUTPUT_MANIFEST = "output-manifest"
LEGACY_OUTPUT_MANIFEST = "output.json"
OUTPUT_MANIFESTS = (OUTPUT_MANIFEST, LEGACY_OUTPUT_MANIFEST)


# Seconds: the coarsest file-time step of a common filesystem (FAT's). A file or folder
# touched more recently than this is never judged unchanged by its status alone: a
# coarse clock could give a later change the same times (build/freshness.py,
# build/source_record.py, build/output_listing.py read it here, at the moment of use).
STAT_MARGIN = 2.0


# A build's first step stats every input file up to three times (freshness.stat_digest,
# then, when something changed, read_inputs for each source and inputs_digest for the
# rest): ``Stats`` taken by the first serve the others, milliseconds later (a file that
# changes in between has another status at the next build, which reads it then).
Stats = dict[str, os.stat_result]


def stat_of(path: str, stats: Stats | None) -> os.stat_result:
    """os.stat(path), or what ``stats`` holds of it (where it is kept, once taken)."""
    if stats is None:
        return os.stat(path)
    found = stats.get(path)
    if found is None:
        found = stats[path] = os.stat(path)
    return found


def atomic_write(path: Path, data: bytes, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def refuse_outside_link(path: Path | str, root: Path) -> None:
    """A SiteError if ``path`` is a symbolic link to something outside ``root``."""
    if not os.path.islink(path):
        return
    real = os.path.realpath(path)
    if real.startswith(os.path.realpath(root) + os.sep):
        return
    try:
        shown = Path(path).relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    raise SiteError.at(
        f"is a symbolic link to {real}, outside the site; refusing to publish it "
        "(copy the file into the site, or remove the link)",
        shown,
    )
