"""What a build will write, by path, before anything is written: pure.

Each output is bytes to write, a file to copy, or a note that it is already right
(``Keep``: its render key did not change; ``Staged``: its bytes wait in the staging
folder). Paths are vetted here, once, so that nothing is ever written outside output/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import SiteError
from generator.core.urls import NAME_MAX_BYTES, long_segment, shortened


@dataclass(frozen=True)
class Keep:
    """The file on disk is already right: its inputs have not changed since it was written."""

    key: str


@dataclass(frozen=True)
class Staged:
    """Rendered bytes already written to the staging folder (or found equal to output/)."""

    digest: str
    changed: bool  # False: the bytes equal the file already in output/


Content = bytes | Path | Keep | Staged  # bytes, a file to copy, keep as is, or staged


def check_relative(path: str) -> str:
    """Refuse any output path that is absolute or climbs out of the output folder."""
    if (
        path
        and path[0] not in "/."
        and path[-1] != "/"
        and "//" not in path
        and "/." not in path
        and "\\" not in path
        and "\x00" not in path
    ):
        # Already what the rest makes of it (no empty part, none starting with a dot, so
        # neither "." nor ".."): every planned page's path, at a fifth of the cost.
        return path
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or path.startswith("/") or ".." in parts or "\\" in path or "\x00" in path:
        raise SiteError.at(f'refusing to write "{path}": it would leave output/')
    return "/".join(parts)


class OutputSet:
    """Every file a build will write, by path; two sources for one path is an error."""

    def __init__(self) -> None:
        self.files: dict[str, Content] = {}
        self.sources: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # folder -> a file inside it

    def add(self, path: str, content: Content, source: str, key: str = "") -> None:
        path = check_relative(path)
        if long := long_segment(path):  # (the content step names most of them, with a line)
            raise SiteError.at(
                f"{source} wants to write output/{shortened(path, 60)}, whose part "
                f'"{shortened(long, 60)}" is longer than a file name can be ({NAME_MAX_BYTES} '
                "bytes); shorten the name it is made from"
            )
        if path in self.files:
            raise SiteError.at(
                f"{self.sources[path]} and {source} both want to write output/{path}; "
                "give one of them another slug, URL or alias"
            )
        # A file where another output needs a folder (slug "feed.xml" beside /feed.xml).
        # Folders are recorded with all those above them, and none of those is a file (it
        # was checked then, and a file is never added where a folder is): the walk up
        # stops at the first folder already known.
        folders = []
        folder = path.rpartition("/")[0]
        while folder and folder not in self.folders:
            if folder in self.files:
                raise SiteError.at(
                    f"{self.sources[folder]} writes output/{folder} and {source} needs it as "
                    f"a folder for output/{path}; give one of them another slug or URL"
                )
            folders.append(folder)
            folder = folder.rpartition("/")[0]
        if path in self.folders:
            inner = self.folders[path]
            raise SiteError.at(
                f"{source} writes output/{path} and {self.sources[inner]} needs it as a "
                f"folder for output/{inner}; give one of them another slug or URL"
            )
        for folder in folders:
            self.folders[folder] = path
        self.files[path] = content
        self.sources[path] = source
        if key:
            self.keys[path] = key

    def replace(self, path: str, content: Content) -> None:
        """A child theme's file standing in for its parent's."""
        self.files[check_relative(path)] = content

    def __contains__(self, path: str) -> bool:
        return path in self.files

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
