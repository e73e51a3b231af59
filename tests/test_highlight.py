"""Code fences highlighted once: what Pygments gave is kept in the build cache, and an
edit that leaves an essay's code alone neither highlights it again nor imports Pygments'
lexers (nor markdown-it-py, which only the reference engine needs)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from generator.build import highlight
from generator.build.cache import BuildCache
from generator.build.highlight import (
    forget_if_grown,
    highlight_code,
    pygments_css,
    remembering,
    stylesheet,
)
from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES
from .test_build_imports import build_in_a_new_process

SNIPPETS = [
    ("def f(x):\n    return x + 1\n", "python"),
    ('echo "$HOME" > /tmp/x\n', "bash"),
    ("<b>not a tag</b>\n", "nosuchlang"),
    ("plain\n", ""),
    ("key: value\n", "yaml extra words"),
]


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    cache = BuildCache(tmp_path / "cache.sqlite3")
    return cache.db


def _fresh() -> None:
    highlight._highlighted.cache_clear()  # the in-process memo would answer first


@pytest.mark.parametrize(("code", "lang"), SNIPPETS)
def test_remembered_highlighting_is_the_same_as_pygments_now(
    db: sqlite3.Connection, code: str, lang: str
) -> None:
    _fresh()
    direct = highlight_code(code, lang)
    _fresh()
    with remembering(db):
        stored = highlight_code(code, lang)
    _fresh()
    with remembering(db):  # answered from the table this time
        again = highlight_code(code, lang)
    assert stored == again == direct
    rows = db.execute("SELECT count(*) FROM highlight").fetchone()[0]
    assert rows == (1 if lang else 0)  # a fence without a language asks nothing


def test_a_stored_highlighting_is_what_is_used(db: sqlite3.Connection) -> None:
    """The table is read: a row put there by hand is the answer (so a kept row really
    spares Pygments its work)."""
    _fresh()
    with remembering(db):
        highlight_code("x = 1\n", "python")
    ((key,),) = db.execute("SELECT key FROM highlight").fetchall()
    db.execute("UPDATE highlight SET value = ? WHERE key = ?", ("<pre>kept</pre>", key))
    db.commit()
    _fresh()
    with remembering(db):
        assert highlight_code("x = 1\n", "python") == "<pre>kept</pre>"
    _fresh()
    assert highlight_code("x = 1\n", "python").startswith('<pre class="highlight">')


def test_nothing_is_stored_when_the_block_fails(db: sqlite3.Connection) -> None:
    _fresh()
    with pytest.raises(RuntimeError), remembering(db):
        highlight_code("y = 2\n", "python")
        raise RuntimeError("the batch failed")
    assert db.execute("SELECT count(*) FROM highlight").fetchone()[0] == 0
    assert highlight._MEMORY is None  # and the memory is let go


def test_the_table_is_emptied_once_it_outgrows_the_site(db: sqlite3.Connection) -> None:
    rows = [(f"k{n}", "<pre></pre>") for n in range(1041)]
    db.executemany("INSERT INTO highlight VALUES (?, ?)", rows)
    db.commit()
    forget_if_grown(db, documents=10)  # 1,041 > 4 × 10 + 1,000
    assert db.execute("SELECT count(*) FROM highlight").fetchone()[0] == 0
    db.executemany("INSERT INTO highlight VALUES (?, ?)", rows[:1040])
    db.commit()
    forget_if_grown(db, documents=10)
    assert db.execute("SELECT count(*) FROM highlight").fetchone()[0] == 1040


def test_the_stylesheet_is_kept_and_is_pygments_css(db: sqlite3.Connection) -> None:
    assert stylesheet(db) == pygments_css()
    assert db.execute("SELECT count(*) FROM highlight").fetchone()[0] == 1
    db.execute("UPDATE highlight SET value = '.highlight{}'")
    db.commit()
    assert stylesheet(db) == ".highlight{}"  # read back, not made again


ESSAY = """---
title: Code in an essay
date: 2024-03-01
---

Some prose before the code.

```python
def greet(name):
    return f"hello {name}"
```

And after it.
"""


def _site_with_code(tmp_path: Path) -> tuple[Path, Path]:
    """The incremental site with ESSAY, built: the site and the essay's file."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    essay = site / "content/posts/code.md"
    essay.write_text(ESSAY, encoding="utf-8")
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site, essay


def _page(site: Path) -> str:
    return next((site / "output").glob("**/code/index.html")).read_text("utf-8")


def test_an_edit_that_leaves_the_code_alone_imports_no_lexer(tmp_path: Path) -> None:
    site, essay = _site_with_code(tmp_path)
    page = _page(site)
    essay.write_text(ESSAY.replace("Some prose", "Some words"), encoding="utf-8")
    report = build_in_a_new_process(site)
    assert report["written"] >= 1
    heavy = ("pygments.lexer", "pygments.formatter", "pygments.styles", "markdown_it.",
             "mdit_py_plugins")  # fmt: skip
    assert [m for m in report["modules"] if m.startswith(heavy)] == []
    again = _page(site)
    assert again == page.replace("Some prose", "Some words")  # the same highlighting
    assert '<span class="k">def</span>' in again


def test_a_changed_fence_is_highlighted_anew(tmp_path: Path) -> None:
    site, essay = _site_with_code(tmp_path)
    essay.write_text(ESSAY.replace("return f", "yield f"), encoding="utf-8")
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    page = _page(site)
    assert '<span class="k">yield</span>' in page
    assert '<span class="k">return</span>' not in page
