"""The manifest of the last build's outputs (.salon/output.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path


class Manifest:
    """What the last build wrote: path -> [digest, size, mtime_ns, render key]."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.entries: dict[str, list[object]] = data if isinstance(data, dict) else {}

    def key(self, relative: str) -> str:
        entry = self.entries.get(relative)
        return str(entry[3]) if isinstance(entry, list) and len(entry) == 4 else ""

    def intact(self, out_dir: Path, relative: str) -> bool:
        """The file is still as the last build left it (nobody edited or removed it)."""
        entry = self.entries.get(relative)
        if not isinstance(entry, list) or len(entry) != 4:
            return False
        try:
            stat = os.stat(os.path.join(out_dir, relative))
        except OSError:
            return False
        return [stat.st_size, stat.st_mtime_ns] == entry[1:3]

    def can_keep(self, out_dir: Path, relative: str, key: str) -> bool:
        return bool(key) and self.key(relative) == key and self.intact(out_dir, relative)
