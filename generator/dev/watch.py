"""Watching the site's sources with watchdog, with bursts of events debounced.

An editor's save often writes several events (temp file, rename, attribute
change); we wait until the folder has been quiet for a moment, then rebuild once.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from generator.core.config import CONFIG_FILE, SiteConfig
from generator.core.themes import BUILTIN_THEMES

DEBOUNCE_SECONDS = 0.05


class ChangeKind(enum.Enum):
    CONFIG = "config"
    CONTENT = "content"
    TEMPLATE = "template"
    THEME = "theme"
    COMMENTS = "comments"


def classify(path: Path, config: SiteConfig) -> ChangeKind | None:
    """What a changed file is, or None for files that do not affect the site."""
    name = path.name
    if name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913":
        return None  # editor scratch files and our own atomic-write temp files
    root = config.root
    if path == root / CONFIG_FILE:
        return ChangeKind.CONFIG
    if not config.feed_is_remote and path == config.feed_path:
        return ChangeKind.COMMENTS
    for folder, kind in (
        (root / "content", ChangeKind.CONTENT),
        (root / "templates", ChangeKind.TEMPLATE),
        (root / "themes", ChangeKind.THEME),
        (BUILTIN_THEMES, ChangeKind.THEME),
    ):
        if path.is_relative_to(folder):
            return kind
    return None


class _Handler(FileSystemEventHandler):
    def __init__(self, on_path: Callable[[Path], None]) -> None:
        self.on_path = on_path

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for attribute in ("src_path", "dest_path"):
            value = getattr(event, attribute, "")
            if value:
                self.on_path(Path(str(value)))


class SiteWatcher:
    """Calls ``rebuild(kinds, paths)`` once per burst of relevant changes."""

    def __init__(
        self, config: SiteConfig, rebuild: Callable[[set[ChangeKind], set[Path]], None]
    ) -> None:
        self.config = config
        self.rebuild = rebuild
        self.pending: set[ChangeKind] = set()
        self.paths: set[Path] = set()
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.observer = Observer()

    def start(self) -> None:
        root = self.config.root
        handler = _Handler(self.on_path)
        self.observer.schedule(handler, str(root), recursive=False)  # site.yaml, feed
        for folder in (root / "content", root / "templates", root / "themes"):
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True)
        feed_dir = self.config.feed_path.parent
        if not self.config.feed_is_remote and feed_dir != root and feed_dir.is_dir():
            self.observer.schedule(handler, str(feed_dir), recursive=False)
        if self.config.theme == "default" or (BUILTIN_THEMES / self.config.theme).is_dir():
            self.observer.schedule(handler, str(BUILTIN_THEMES), recursive=True)
        self.observer.daemon = True
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        if self.timer is not None:
            self.timer.cancel()

    def on_path(self, path: Path) -> None:
        kind = classify(path, self.config)
        if kind is None:
            return
        with self.lock:
            self.pending.add(kind)
            self.paths.add(path)
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(DEBOUNCE_SECONDS, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            kinds, self.pending = self.pending, set()
            paths, self.paths = self.paths, set()
            self.timer = None
        if kinds:
            self.rebuild(kinds, paths)
