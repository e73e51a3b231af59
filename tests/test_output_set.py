"""OutputSet's paths: the shortcuts (a canonical path taken as it is, the walk up the
folders stopping at the first known one) decide as the plain rules do, for any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.output_set import OutputSet, check_relative
from generator.core.errors import SiteError


def reference_check(path: str) -> str | None:
    """The plain rule: None where the path is refused."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or path.startswith("/") or ".." in parts or "\\" in path or "\x00" in path:
        return None
    return "/".join(parts)


def _checked(path: str) -> str | None:
    try:
        return check_relative(path)
    except SiteError:
        return None


SEGMENT = st.sampled_from(["a", "b", ".", "..", "", ".hidden", "x.html", "a\\b", "\x00", "é"])
PATHS = st.lists(SEGMENT, min_size=0, max_size=6).map("/".join) | st.text(max_size=12)


@settings(max_examples=2000, deadline=None)
@given(PATHS)
def test_check_relative_decides_as_the_plain_rule(path: str) -> None:
    assert _checked(path) == reference_check(path)


class ReferenceSet:
    """OutputSet.add's rules written plainly, every folder above checked every time: the
    message of the error it would raise, or None."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.folders: dict[str, str] = {}

    def add(self, path: str, source: str) -> str | None:
        path = check_relative(path)
        if path in self.sources:
            return f"{self.sources[path]} and {source} both want to write output/{path}"
        parts = path.split("/")
        folders = ["/".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
        clash = next((f for f in folders if f in self.sources), None)
        if clash is not None:
            return f"{self.sources[clash]} writes output/{clash} and {source} needs it as a"
        if path in self.folders:
            inner = self.folders[path]
            return f"{source} writes output/{path} and {self.sources[inner]} needs it as a"
        for folder in folders:
            self.folders.setdefault(folder, path)
        self.sources[path] = source
        return None


NAMES = st.lists(st.sampled_from(["a", "b", "c", "index.html"]), min_size=1, max_size=4)


@settings(max_examples=500, deadline=None)
@given(st.lists(NAMES.map("/".join), min_size=1, max_size=12))
def test_output_set_refuses_what_the_plain_rules_refuse(paths: list[str]) -> None:
    made, reference = OutputSet(), ReferenceSet()
    for number, path in enumerate(paths):
        expected = reference.add(path, f"source {number}")
        if expected is None:
            made.add(path, b"", f"source {number}")
            continue
        with pytest.raises(SiteError) as caught:
            made.add(path, b"", f"source {number}")
        assert str(caught.value).startswith(expected)
        return  # a build stops at its first error
    assert made.folders == reference.folders and made.sources == reference.sources


def test_a_name_longer_than_a_file_system_allows_is_refused_not_a_crash() -> None:
    # 255 bytes is the longest name ext4, XFS, Btrfs, tmpfs and APFS store: writing one
    # longer ended a build with OSError's traceback.
    made = OutputSet()
    made.add("a/" + "é" * 127 + "/index.html", b"", "fits")  # 254 bytes
    with pytest.raises(SiteError) as caught:
        made.add("img/" + "x" * 250 + "-1280.webp", b"", "content/posts/x/photo.jpg")
    message = str(caught.value)
    assert message.startswith("content/posts/x/photo.jpg wants to write output/img/xxx")
    assert "is longer than a file name can be (255 bytes)" in message
    assert len(message) < 300  # the name is shortened in the message
