"""The files now in output/, for the write step to remove those the build no longer makes,
without reading every folder of a big site.

Listing output/ read each of its folders: at 20,000 essays, 33,000 folders and most of a
second (three on a cold disk cache) for a build that changed one page. After a write,
output/ holds exactly what the manifest lists (hidden entries at its top and the kept
folders aside), so a folder whose change time is the one recorded at the last build
still holds what that build left: no file or folder was added, removed or renamed in it
since. Only folders whose time differs, or that are not recorded, are read.

A folder's time is recorded only when it is older than core/files.STAT_MARGIN (a coarse
clock could give a later change the same time), so the folders a write has just changed
are read by the next build, and recorded then. The top folder is always read (hidden
entries and kept folders are decided there).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from generator.core import files as file_times
from generator.core.files import atomic_write

RECORD = "output-folders.json"


def load_folder_times(state_dir: Path) -> dict[str, int]:
    try:
        data = json.loads((state_dir / RECORD).read_text(encoding="utf-8"))
        return {str(folder): int(mtime) for folder, mtime in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}  # only a shortcut: every folder is read


def save_folder_times(state_dir: Path, times: Mapping[str, int]) -> None:
    atomic_write(state_dir / RECORD, json.dumps(dict(times), sort_keys=True).encode())


def forget_folder_times(state_dir: Path) -> None:
    (state_dir / RECORD).unlink(missing_ok=True)


def _known_tree(listed: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """From the manifest's paths: each folder's files and its subfolders ("" is the top)."""
    files: dict[str, list[str]] = {}
    folders: dict[str, list[str]] = {}
    linked = {""}  # folders already listed under the one above them
    for path in listed:
        parent, _, name = path.rpartition("/")
        files.setdefault(parent, []).append(name)
        while parent not in linked:
            linked.add(parent)
            above = parent.rpartition("/")[0]
            folders.setdefault(above, []).append(parent)
            folders.setdefault(parent, [])
            parent = above
    return files, folders


def existing_files(
    root: Path, produced: Mapping[str, object], keep: tuple[str, ...],
    listed: Iterable[str], times: Mapping[str, int],
) -> tuple[list[str], dict[str, int]]:  # fmt: skip
    """Files in output/ (hidden ones at its top that the build does not make, and the
    folders in ``keep``, left out), and the folders' times that still stand for their
    contents. ``listed``: what the last write left (the manifest's paths)."""
    top = os.fspath(root)
    recent = time.time() - file_times.STAT_MARGIN
    known_files, known_folders = _known_tree(listed)
    found: list[str] = []
    standing: dict[str, int] = {}

    def visit(folder: str) -> None:
        path = os.path.join(top, folder) if folder else top
        if folder:  # output/ itself is always read: hidden entries and kept folders are there
            try:
                stat = os.lstat(path)
            except OSError:
                return  # gone (or never there): nothing in it to remove
            # The change time: it moves with every entry added, removed or renamed, and,
            # unlike the modification time, no one can set it back.
            if times.get(folder) == stat.st_ctime_ns and stat.st_ctime < recent:
                standing[folder] = stat.st_ctime_ns
                found.extend(f"{folder}/{name}" for name in known_files.get(folder, ()))
                for sub in known_folders.get(folder, ()):
                    visit(sub)
                return
            if stat.st_ctime < recent:
                standing[folder] = stat.st_ctime_ns  # read now: stands until changed
        with os.scandir(path) as entries:
            for entry in entries:
                name = entry.name
                child = f"{folder}/{name}" if folder else name
                if entry.is_dir(follow_symlinks=False):
                    if not folder and (name in keep or _hidden_not_ours(name, produced)):
                        continue
                    if child in known_folders:
                        visit(child)
                    else:
                        found.extend(_every_file(top, child))  # not ours: all of it goes
                elif entry.is_dir():
                    continue  # a link to a folder: left, as os.walk does
                elif folder or not name.startswith(".") or name in produced:
                    found.append(child)

    visit("")
    return found, standing


def _every_file(top: str, folder: str) -> Iterator[str]:
    start = len(os.path.join(top, ""))
    for base, _dirs, files in os.walk(os.path.join(top, folder)):
        prefix = base[start:].replace(os.sep, "/") + "/"
        yield from (prefix + name for name in files)


def _hidden_not_ours(folder: str, produced: Mapping[str, object]) -> bool:
    """A hidden folder at the top of output/ (.git) the build makes nothing inside."""
    return folder.startswith(".") and not any(p.startswith(folder + "/") for p in produced)
