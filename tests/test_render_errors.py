"""Mistakes found while rendering name the source that caused them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.scaffold import create_site


def test_a_missing_custom_template_names_the_post(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    create_site(site)
    post = site / "content" / "posts" / "first-essay.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("tags:", "template: missing.html\ntags:"),
        encoding="utf-8",
    )
    assert main(["build", "--site", str(site)]) == 1
    assert capsys.readouterr().err == (
        "error: content/posts/first-essay.md: template: no template named "
        '"missing.html" in templates/ or the theme\n'
    )
    assert not (site / "output").exists()
