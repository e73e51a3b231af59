"""The only module that writes files.

Nothing is written until the whole site has rendered, so a failed build leaves the
previous output/ as it was. Each file goes to a temp file and is renamed into place.
A file whose bytes did not change is not touched (its mtime is kept), so rsync and
CDNs upload only what changed. Files no longer produced are removed.

The manifest (.salon/output-manifest) remembers, for each file written, its digest,
size, mtime and the render key of the inputs it was made from. A later build whose
inputs give the same key may skip rendering and `keep` the file as it is on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG
from typing import Any

from generator.build.manifest import LEGACY_MANIFEST, MANIFEST, Manifest, ManifestEntry
from generator.build.output_listing import (
    existing_files,
    forget_folder_times,
    load_folder_times,
    save_folder_times,
)
from generator.build.output_set import Keep, OutputSet, Staged, WriteReport, check_relative
from generator.core.errors import SiteError
from generator.core.files import WRITE_JOURNAL, atomic_write


class Staging:
    """A private folder where rendered pages wait until the whole build has succeeded.

    Pages are staged as they are rendered (by worker processes too), so a big build
    never holds every page in memory; only when every page has rendered are the
    staged files moved into output/. A failed build leaves output/ untouched.

    The staging folder mirrors output/'s tree. Its folders are made by the workers,
    in parallel, and a first build (output/ absent or empty) moves the whole tree
    into place with one rename instead of one per file.
    """

    def __init__(self, folder: Path, out_dir: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.out_dir = out_dir
        self.manifest = manifest
        shutil.rmtree(folder, ignore_errors=True)  # what a failed build left behind
        folder.mkdir(parents=True, exist_ok=True)

    def path_of(self, relative: str) -> str:
        return os.path.join(self.folder, relative)  # check_relative() vetted the path

    def put(self, relative: str, data: bytes) -> Staged:
        digest = hashlib.sha1(data).hexdigest()
        entry = self.manifest.entries.get(relative)
        unchanged = entry is not None and entry.digest == digest
        if unchanged and self.manifest.intact(self.out_dir, relative):
            return Staged(digest, changed=False)
        self.place(relative, data)
        return Staged(digest, changed=True)

    def place(self, relative: str, content: bytes | Path) -> None:
        path = self.path_of(relative)
        try:
            _put_file(path, content)
        except FileNotFoundError:  # its folder is not there yet: asking first costs more
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _put_file(path, content)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def abandon(self) -> None:
        """After a failed build: discard, unless a committed write still needs the files."""
        if not (self.manifest.path.parent / JOURNAL).exists():
            self.discard()


def _put_file(path: str, content: bytes | Path) -> None:
    if isinstance(content, bytes):
        with open(path, "wb") as handle:
            handle.write(content)
    else:
        shutil.copyfile(content, path)


def _save_manifest(path: Path, entries: Mapping[str, ManifestEntry]) -> None:
    data = {relative: entry.stored() for relative, entry in entries.items()}
    atomic_write(path, marshal.dumps(data))
    (path.parent / LEGACY_MANIFEST).unlink(missing_ok=True)  # an earlier version's


def _digest(content: bytes | Path) -> str:
    if isinstance(content, bytes):
        return hashlib.sha1(content).hexdigest()
    digest = hashlib.sha1()
    with content.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The files now in output/ and the folders' times that stand, for a build making these.
Listing = Callable[[Mapping[str, object]], tuple[list[str], dict[str, int]]]

JOURNAL = WRITE_JOURNAL  # in .salon/: the write phase under way, until it is done


def write_outputs(
    out_dir: Path, outputs: OutputSet, manifest: Manifest, staging: Staging,
    keep: tuple[str, ...] = (), listing: Listing | None = None,
) -> WriteReport:  # fmt: skip
    """Make ``out_dir`` hold exactly ``outputs`` (and the top folders in ``keep``, left as
    they are), touching only files that changed. ``listing``: what output_listing's
    existing_files gives for these outputs, already found (output_check.py).

    Three phases, so that a build killed at any moment never leaves output/ half old and
    half new for longer than it takes the next command to start:

    1. prepare: every changed file is put in the staging folder (output/ untouched);
    2. commit: a journal lists the files to move in and to remove, and the manifest;
    3. apply: the moves and removals, then the journal goes.

    Killed before the journal exists, output/ is the old site; after, the next command
    (``finish_interrupted_write``) applies the journal again: each step can be redone.
    """
    _check_writable(out_dir, [out_dir if out_dir.exists() else out_dir.parent])
    state_dir = manifest.path.parent
    if _move_whole_tree(out_dir, outputs, staging):
        forget_folder_times(state_dir)
        return _first_manifest(out_dir, outputs, manifest)
    new: dict[str, ManifestEntry] = {}
    moves: list[str] = []
    unchanged = 0
    for relative, content in outputs.files.items():
        key = outputs.keys.get(relative, "")
        if isinstance(content, Keep) or (isinstance(content, Staged) and not content.changed):
            entry = manifest.entries[relative]
            new[relative] = entry if entry.key == key else entry._replace(key=key)
            unchanged += 1
            continue
        if isinstance(content, Staged):
            new[relative] = ManifestEntry(content.digest, 0, 0, key)  # size, time once moved
            moves.append(relative)
            continue
        digest = _digest(content)
        target = out_dir / relative  # check_relative() vetted the path when it was added
        stat: os.stat_result | None
        try:
            stat = target.stat()
        except (FileNotFoundError, NotADirectoryError):
            stat = None
        before = manifest.entries.get(relative)
        same = (
            before is not None
            and stat is not None
            and (before.digest, before.size, before.mtime_ns)
            == (digest, stat.st_size, stat.st_mtime_ns)
        )
        if not same and stat is not None and stat.st_size == _size(content):
            same = _digest(target) == digest  # same bytes, but the manifest did not know
        if same and stat is not None:
            new[relative] = ManifestEntry(digest, stat.st_size, stat.st_mtime_ns, key)
            unchanged += 1
            continue
        staging.place(relative, content)
        new[relative] = ManifestEntry(digest, 0, 0, key)
        moves.append(relative)
    if listing is not None:
        listed, folder_times = listing(outputs.files)
    else:
        listed, folder_times = existing_files(
            out_dir, outputs.files, keep, manifest.entries, load_folder_times(state_dir)
        )
    removals = [r for r in listed if r not in outputs.files]
    folders = {(out_dir / r).parent for r in (*moves, *removals)}
    _check_writable(out_dir, [f for f in folders if f.is_dir()])
    # The manifest's changes only, not all of it: the one on disk stays the old one until
    # the journal is applied, and applying the changes again gives the same (writing and
    # syncing the whole manifest twice was a quarter of an edit's write step).
    last = manifest.entries
    changes = {r: list(e) for r, e in new.items() if last.get(r) != e}  # (JSON lists)
    dropped = [r for r in last if r not in new]
    journal = {"output": str(out_dir), "staging": str(staging.folder),
               "manifest_path": str(manifest.path), "moves": moves, "removals": removals,
               "changes": changes, "dropped": dropped}  # fmt: skip
    journal_path = manifest.path.parent / JOURNAL
    if moves or removals:  # (with nothing to change in output/, nothing to journal)
        atomic_write(journal_path, json.dumps(journal).encode(), fsync=True)
    _apply_journal(journal, journal_path, new)
    save_folder_times(state_dir, folder_times)  # those the write changed no longer match
    return WriteReport(len(moves), unchanged, len(removals))


def _check_writable(out_dir: Path, folders: list[Path]) -> None:
    """Refuse to start a write that would stop halfway on a folder this user cannot write."""
    for folder in folders:
        if not os.access(folder, os.W_OK):
            if folder == out_dir.parent:
                shown = f"the folder that holds {out_dir.name}/"
            else:
                shown = (out_dir.name + "/" + folder.relative_to(out_dir).as_posix()).rstrip(".")
            raise SiteError.at(
                f"cannot write {shown}: it is read-only for this user (a read-only mount, or "
                "owned by someone else); nothing was changed"
            )


def _apply_journal(
    journal: dict[str, Any], journal_path: Path, entries: dict[str, ManifestEntry] | None = None
) -> None:
    """Do what the journal says; safe to run again after any step (kill -9 included).
    ``entries``: the new manifest, when the build that wrote the journal applies it."""
    out_dir = Path(journal["output"])
    staging = Path(journal["staging"])
    manifest_path = Path(journal["manifest_path"])
    new = entries if entries is not None else _manifest_after(journal, manifest_path)
    # Ctrl-C waits until output/ is whole again: a few renames, then it takes effect.
    with _sigint_deferred():
        made: set[Path] = set()
        for relative in journal["moves"]:
            target = out_dir / relative
            source = staging / relative
            if source.exists():  # not yet moved (or moved by a run that was killed)
                _make_parent(target, made)
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)  # a folder that the site now makes a file
                os.replace(source, target)
            done = target.stat()
            new[relative] = new[relative]._replace(size=done.st_size, mtime_ns=done.st_mtime_ns)
        for relative in journal["removals"]:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                (out_dir / relative).unlink()
        if journal["removals"]:
            # Bottom-up, so a folder emptied by removing its subfolders goes too.
            for folder, _dirs, _files in os.walk(out_dir, topdown=False):
                if Path(folder) != out_dir and not os.listdir(folder):
                    with contextlib.suppress(OSError):
                        Path(folder).rmdir()
        _save_manifest(manifest_path.with_name(MANIFEST), new)  # (an old journal: output.json)
        journal_path.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _manifest_after(journal: dict[str, Any], manifest_path: Path) -> dict[str, ManifestEntry]:
    """The manifest a journal leads to: the one on disk (the old one, or already the new
    one if the write was killed after saving it) with the journal's changes."""
    if isinstance(journal.get("manifest"), dict):  # a journal of Salon before 2026-12-02
        listed = journal["manifest"].items()
        return {r: e for r, value in listed if (e := ManifestEntry.parse(value)) is not None}
    entries = dict(Manifest(manifest_path).entries)
    for relative in journal["dropped"]:
        entries.pop(relative, None)
    for relative, value in journal["changes"].items():
        entry = ManifestEntry.parse(value)
        if entry is not None:
            entries[relative] = entry
    return entries


def finish_interrupted_write(private_dir: Path) -> bool:
    """Finish the write phase of a build that was killed in it. True if there was one."""
    journal_path = private_dir / JOURNAL
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):  # cut short while written: the build had not committed
        journal_path.unlink(missing_ok=True)
        return False
    _apply_journal(journal, journal_path)
    return True


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _move_whole_tree(out_dir: Path, outputs: OutputSet, staging: Staging) -> bool:
    """A first build: stage what is left, then rename the staging tree to output/.

    Only when output/ is a plain folder that is absent or empty, so nothing there is
    kept or removed; False (and output/ as it was) otherwise, or when the rename is
    impossible (output/ a mount point, or on another filesystem).
    """
    if out_dir.is_symlink():  # it may point at a web server's folder: keep the link
        return False
    with contextlib.suppress(FileNotFoundError):
        if any(out_dir.iterdir()):
            return False
    if any(isinstance(c, Keep | Staged) and not _changed(c) for c in outputs.files.values()):
        return False
    for relative, content in outputs.files.items():
        if isinstance(content, bytes | Path):
            staging.place(relative, content)
    try:
        with contextlib.suppress(FileNotFoundError):
            out_dir.rmdir()
        os.replace(staging.folder, out_dir)
    except OSError:
        out_dir.mkdir(parents=True, exist_ok=True)
        return False
    return True


def _changed(content: Keep | Staged) -> bool:
    return isinstance(content, Staged) and content.changed


def _first_manifest(out_dir: Path, outputs: OutputSet, manifest: Manifest) -> WriteReport:
    new: dict[str, ManifestEntry] = {}
    for relative, content in outputs.files.items():
        target = os.path.join(out_dir, relative)
        assert not isinstance(content, Keep)  # _move_whole_tree moves nothing when any is
        digest = content.digest if isinstance(content, Staged) else _digest(content)
        done = os.stat(target)
        key = outputs.keys.get(relative, "")
        new[relative] = ManifestEntry(digest, done.st_size, done.st_mtime_ns, key)
    _save_manifest(manifest.path, new)
    return WriteReport(len(new), 0, 0)


def _make_parent(target: Path, made: set[Path]) -> None:
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)


def _size(content: bytes | Path) -> int:
    return len(content) if isinstance(content, bytes) else content.stat().st_size


def write_one(out_dir: Path, relative: str, data: bytes) -> None:
    """One file straight into output/ (a preview in `salon serve`; the build that
    follows finds it changed by hand and makes it right if it must)."""
    atomic_write(out_dir / check_relative(relative), data)


def replace_folder(out_dir: Path, name: str, folder: Path) -> None:
    """Put the finished ``folder`` in place as output/NAME (the search bundle), in two
    renames: a reader meets the old folder or the new one, never a half-written one."""
    target = out_dir / check_relative(name)
    old = out_dir / f".{name}.old"
    shutil.rmtree(old, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        _keep_times_of_unchanged(target, folder)
        os.replace(target, old)
    try:
        os.replace(folder, target)
    except OSError:
        if old.is_dir():
            os.replace(old, target)  # the previous bundle stays in use
        raise
    shutil.rmtree(old, ignore_errors=True)


def _keep_times_of_unchanged(old: Path, new: Path) -> None:
    """A file of the new folder with the old one's bytes takes its modification time, so
    that `salon deploy` (rsync compares size and time) sends only the files that changed.
    Two status calls a file, on strings (five on Paths took 0.2 s for a 5,000-file bundle)."""
    for folder, _, names in os.walk(new):
        relative = os.path.relpath(folder, new)
        for name in names:
            path, before = os.path.join(folder, name), os.path.join(old, relative, name)
            try:
                now, then = os.stat(path), os.lstat(before)  # an old link: not its file
                if not (S_ISREG(now.st_mode) and S_ISREG(then.st_mode)):
                    continue
                if (now.st_dev, now.st_ino) == (then.st_dev, then.st_ino):
                    continue  # a link to it (the search bundle's unchanged files): its time
                if then.st_size == now.st_size and _same_bytes(before, path):
                    os.utime(path, ns=(then.st_atime_ns, then.st_mtime_ns))
            except OSError:
                continue  # only a cheaper deploy is lost


def _same_bytes(one: str, other: str) -> bool:
    with open(one, "rb") as first, open(other, "rb") as second:
        return first.read() == second.read()


def write_private(path: Path, data: bytes) -> None:
    """A file outside output/ (the post manifest for the comment service, caches)."""
    if path.exists() and path.read_bytes() == data:
        return
    atomic_write(path, data, fsync=True)
