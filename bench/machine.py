"""What machine a benchmark ran on, for the figures it prints."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def filesystem(folder: Path) -> str:
    """The file system ``folder`` is on, and for ext4 whether it keeps a journal.

    Without one, ext4 does not reuse an inode freed in the last minute (six, while the
    block holding it is not written back) and steps past each such inode whenever it makes
    a file or a folder: deleting a large tree makes the next few minutes' writes slower.
    """
    best = ("", "", "")  # mount point, type, device
    try:
        for line in Path("/proc/self/mounts").read_text().splitlines():
            device, point, kind = line.split()[:3]
            inside = folder == Path(point) or Path(point) in folder.parents
            if inside and len(point) >= len(best[0]):
                best = (point, kind, device)
    except OSError:
        return "unknown"
    point, kind, device = best
    if kind != "ext4":
        return kind or "unknown"
    task = Path("/sys/fs/ext4") / Path(device).name / "journal_task"
    try:
        journal = task.read_text().strip() != "<none>"
    except OSError:
        return "ext4"
    return "ext4 with a journal" if journal else "ext4 without a journal"


def describe(folder: Path | None = None) -> str:
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    disk = f", {folder} on {filesystem(folder.resolve())}" if folder is not None else ""
    return f"{system}, {cpu_name()}, Python {platform.python_version()}{disk}"
