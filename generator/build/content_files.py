"""Finding and reading content files: which files under content/ are posts and pages
and which are other files to publish (hidden ones, symbolic links out of the site and
broken ones left out), and reading one into a SourceFile. Reading is kept apart from
parsing its text (content.py, pure)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from generator.build.content import MARKDOWN_SUFFIXES, SourceFile
from generator.core.config import SiteConfig
from generator.core.errors import decode_utf8
from generator.core.files import refuse_outside_link
from generator.core.models import Kind


def _visible_files(base: Path | str) -> list[tuple[str, str, bool]]:
    """(path relative to ``base``, suffix, a plain file?) of every file below it, hidden
    ones left out, in the order paths sort: part by part. A plain file is a regular file
    and no symbolic link, as the folder's listing says (no system call to ask); a link to
    a folder is neither followed nor listed, as os.walk does.

    Strings and os.scandir, not pathlib: a big archive's thousands of Path objects cost
    more than reading the files.
    """
    found: list[tuple[list[str], str, str, bool]] = []

    def visit(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return  # as os.walk: a folder that cannot be read has nothing to list
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.is_symlink():
                    visit(entry.path, prefix + name + "/")
                continue
            relative = prefix + name
            plain = entry.is_file(follow_symlinks=False)
            found.append((relative.split("/"), relative, os.path.splitext(name)[1], plain))

    visit(os.fspath(base), "")
    found.sort(key=lambda item: item[0])
    return [(relative, suffix, plain) for _parts, relative, suffix, plain in found]


def check_link(config: SiteConfig, path: Path | str) -> None:
    """Refuse a symbolic link that leads out of the site.

    A link to /etc/passwd or ~/.ssh/id_rsa in content/ would otherwise be published.
    Links within the site (a shared image linked into two bundles) are fine.
    """
    refuse_outside_link(path, config.root)


def _usable(config: SiteConfig, path: Path | str, plain: bool) -> bool:
    """Whether a listed file is one to publish: a plain file (as the listing said), or a
    link to a file within the site (a link out of it is refused; a broken one skipped)."""
    if plain:
        return True
    if not os.path.isfile(path):
        return False
    check_link(config, path)
    return True


def source_paths(config: SiteConfig) -> Iterator[tuple[Kind, str]]:
    """(kind, path under content/posts or content/pages) of every post and page, in a
    stable order (folder by folder)."""
    for kind, folder in ((Kind.POST, "posts"), (Kind.PAGE, "pages")):
        base = os.path.join(config.root, "content", folder)  # strings: see _visible_files
        if not os.path.isdir(base):
            continue
        for relative, suffix, plain in _visible_files(base):
            if suffix.lower() not in MARKDOWN_SUFFIXES:
                continue
            if _usable(config, os.path.join(base, relative), plain):
                yield kind, relative


def iter_sources(config: SiteConfig) -> Iterator[SourceFile]:
    """Read every post and page under content/, in a stable order (folder by folder)."""
    for kind, relative in source_paths(config):
        yield read_source(config, kind, relative)


def source_file(config: SiteConfig, kind: Kind, relative: str) -> tuple[str, str]:
    """(the file on disk, the path shown in messages) of a post or page."""
    folder = "posts" if kind is Kind.POST else "pages"
    # (os.path.join of the root, not config.content_dir: a Path made per source cost more
    # than the rest of this)
    return os.path.join(config.root, "content", folder, relative), f"content/{folder}/{relative}"


def read_source(config: SiteConfig, kind: Kind, relative: str) -> SourceFile:
    """One post or page, by its path under content/posts or content/pages."""
    path, shown = source_file(config, kind, relative)
    with open(path, "rb") as handle:
        data = handle.read()
    stem = relative[: -len(os.path.splitext(relative)[1])]
    return SourceFile(kind, shown, stem, decode_utf8(data, shown), hashlib.sha1(data).hexdigest())


def iter_assets(config: SiteConfig) -> Iterator[tuple[Path, str]]:
    """Every other file under content/: (file on disk, path relative to content/)."""
    base = config.content_dir
    if not base.is_dir():
        return
    for relative, suffix, plain in _visible_files(base):
        if suffix.lower() in MARKDOWN_SUFFIXES:
            continue
        path = base / relative
        if _usable(config, path, plain):
            yield path, relative
