"""`salon new DIR`: a small working site to start from."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from generator.core.errors import SiteError
from generator.core.files import atomic_write

SITE_YAML = """\
# Salon site settings. Every key is described by `salon help config`.
title: {title}
description: Essays, and the conversations they start.
base_url: https://example.org
language: en
timezone: UTC
author:
  name: The Author
  # email is never published; it marks your own replies as the author's.
  email: ""
permalink: /{{year}}/{{month}}/{{slug}}/
posts_per_page: 10
theme: default
comments:
  enabled: true
  feed: comments.json
  endpoint: /api/comments
"""

FIRST_POST = """\
---
title: A first essay
date: {today}
tags: [beginnings]
category: Notes
---
This is the first essay of a new site. Edit it in `content/posts/first-essay.md`,
then run `salon build`, or `salon serve` to see each change as you save.

<!-- more -->

## What next

Write in Markdown. Front matter at the top sets the title, date, tags and category.
"""

ABOUT_PAGE = """\
---
title: About
---
Say who you are and what you write about.
"""

GITIGNORE = "/output/\n/.salon/\n"


def enclosing_site(folder: Path) -> Path | None:
    """The site (a folder with site.yaml) that ``folder`` is in, or is, if any."""
    for candidate in (folder, *folder.parents):
        if (candidate / "site.yaml").is_file():
            return candidate
    return None


def create_site(target: Path, title: str = "My Essays") -> None:
    if target.suffix.lower() in (".md", ".markdown"):
        raise SiteError.at(
            "salon new makes a site, in a folder; for an essay, run "
            '`salon new post "Title"` inside the site',
            str(target),
        )
    if target.exists() and any(target.iterdir()):
        raise SiteError.at("the folder is not empty; choose a new one", str(target))
    inside = enclosing_site(target.resolve().parent)
    if inside is not None:
        raise SiteError.at(
            f"this is inside the site in {inside}; make a new site outside it, or add an essay "
            'with `salon new post "Title"`',
            str(target),
        )
    (target / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (target / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (target / "templates").mkdir(exist_ok=True)
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    (target / "site.yaml").write_text(SITE_YAML.format(title=quoted), encoding="utf-8")
    (target / "content" / "posts" / "first-essay.md").write_text(
        # Today in UTC, the new site's timezone: a local date ahead of UTC would make the
        # first essay a scheduled post, held back from the first build.
        FIRST_POST.format(today=datetime.now(UTC).date().isoformat()),
        encoding="utf-8",
    )
    (target / "content" / "pages" / "about.md").write_text(ABOUT_PAGE, encoding="utf-8")
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    record_scaffold(target, SCAFFOLD_FILES)


# The files `salon new` writes that an import may replace while nobody has changed them.
SCAFFOLD_FILES = ("content/posts/first-essay.md", "content/pages/about.md")
SCAFFOLD_RECORD = ".salon/scaffold.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_scaffold(site: Path, files: tuple[str, ...]) -> None:
    """Remember what `salon new` wrote, so that a later import knows an untouched file."""
    record = {name: _digest(site / name) for name in files}
    atomic_write(site / SCAFFOLD_RECORD, (json.dumps(record, indent=1) + "\n").encode())


def untouched_scaffold(site: Path) -> set[str]:
    """The files `salon new` wrote that are still exactly as it wrote them."""
    try:
        record = json.loads((site / SCAFFOLD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(record, dict):
        return set()
    untouched: set[str] = set()
    for name, digest in record.items():
        path = site / str(name)
        try:
            if path.is_file() and _digest(path) == digest:
                untouched.add(str(name))
        except OSError:
            continue
    return untouched


NEW_POST = """\
---
title: {title}
date: {today}
draft: true
---
"""

NEW_PAGE = """\
---
title: {title}
draft: true
---
"""


def create_content(site: Path, kind: str, title: str) -> Path:
    """`salon new post "Title"`: content/posts/<slug>.md dated today in the site's timezone,
    a draft; `salon new page "Title"`: content/pages/<slug>.md. Never overwrites."""
    from generator.core.config import load_config
    from generator.core.urls import slug_of_title

    config = load_config(site)
    slug = slug_of_title(title)
    if not title.strip() or not slug:
        raise SiteError.at(
            f'salon new {kind}: the title must have a letter or a digit, got "{title}"'
        )
    folder = "posts" if kind == "post" else "pages"
    path = config.content_dir / folder / f"{slug}.md"
    shown = path.relative_to(site).as_posix()
    if path.exists():
        raise SiteError.at("already exists; choose another title, or edit that file", shown)
    quoted = json.dumps(title, ensure_ascii=False)  # a YAML double-quoted string
    today = datetime.now(config.tz).date().isoformat()
    text = (NEW_POST if kind == "post" else NEW_PAGE).format(title=quoted, today=today)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
