"""The image cache under .salon/images/: what each source is, and renditions already made.

- ``index.json`` remembers, for each source file, its size, mtime and content hash (so an
  unchanged file is not read again) and, for each content hash, the image's facts;
- each rendition is a file named by a hash of the source's content, the rendition's
  settings, Pillow's version and the image code's own text, so a stale one can never be
  used: any change simply makes another name.

Files are written whole (temp file, rename) through writer.write_private; entries no build
used are removed once they outnumber the used ones, as the build cache does.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from generator.build.image_plan import AVIF_CODEC, PILLOW_VERSION, SUFFIX, ImageInfo, Rendition
from generator.build.writer import write_private

INDEX = "index.json"


@lru_cache(maxsize=1)
def code_version() -> str:
    """The image code's own fingerprint: an edit elsewhere in Salon keeps the renditions."""
    here = Path(__file__).parent
    digest = hashlib.sha1(f"{PILLOW_VERSION}\0{AVIF_CODEC}".encode())
    for name in ("image_process.py", "image_cache.py", "image_strip.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def rendition_key(content_hash: str, rendition: Rendition) -> str:
    return hashlib.sha1(f"{code_version()}\0{content_hash}\0{rendition.spec}".encode()).hexdigest()


class ImageCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            data = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict) or data.get("version") != code_version():
            data = {}
        self.stats: dict[str, list[object]] = dict(data.get("stats", {}))
        self.infos: dict[str, dict[str, object]] = dict(data.get("infos", {}))
        self.used_files: set[str] = set()
        self.used_hashes: set[str] = set()
        self.changed = False

    # -- sources -----------------------------------------------------------------------

    def content_hash(self, path: Path) -> tuple[str, bytes | None]:
        """The file's content hash, and its bytes when they had to be read for it."""
        stat = path.stat()
        key = path.as_posix()
        known = self.stats.get(key)
        if isinstance(known, list) and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            return str(known[2]), None
        data = path.read_bytes()
        digest = hashlib.sha1(data).hexdigest()
        self.stats[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self.changed = True
        return digest, data

    def info(self, content_hash: str) -> ImageInfo | None:
        self.used_hashes.add(content_hash)
        found = self.infos.get(content_hash)
        if not isinstance(found, dict):
            return None
        try:
            return ImageInfo(**found)  # type: ignore[arg-type]
        except TypeError:
            return None

    def remember(self, content_hash: str, info: ImageInfo) -> None:
        self.infos[content_hash] = asdict(info)
        self.used_hashes.add(content_hash)
        self.changed = True

    # -- renditions --------------------------------------------------------------------

    def file_of(self, content_hash: str, rendition: Rendition) -> Path:
        key = rendition_key(content_hash, rendition)
        name = f"{key[:2]}/{key}{SUFFIX.get(rendition.format, '.' + rendition.format)}"
        self.used_files.add(name)
        return self.folder / name

    @staticmethod
    def store(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, data)  # whole or not at all: a killed build leaves no half file

    # -- end of a build ----------------------------------------------------------------

    def save(self, live_paths: set[str]) -> None:
        """Write the index, forgetting sources that are gone, and prune old renditions."""
        stats = {k: v for k, v in self.stats.items() if k in live_paths}
        infos = {k: v for k, v in self.infos.items() if k in self.used_hashes}
        if stats != self.stats or infos != self.infos:
            self.changed = True
        if self.changed or not (self.folder / INDEX).exists():
            data = {"version": code_version(), "stats": stats, "infos": infos}
            write_private(self.folder / INDEX, json.dumps(data, sort_keys=True).encode())
        self._prune()

    def _prune(self) -> None:
        if not self.folder.is_dir():
            return
        present = [
            f"{sub}/{name}"
            for sub in sorted(os.listdir(self.folder))
            if (self.folder / sub).is_dir()
            for name in os.listdir(self.folder / sub)
        ]
        unused = [name for name in present if name not in self.used_files]
        if len(unused) <= len(self.used_files) + 50:
            return  # a setting tried and undone costs nothing to try again
        for name in unused:
            (self.folder / name).unlink(missing_ok=True)
