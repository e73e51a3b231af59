"""`salon new DIR`: a small working site to start from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from generator.core.errors import SiteError

SITE_YAML = """\
# Salon site settings. Every key is described in docs/configuration.md.
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


def create_site(target: Path, title: str = "My Essays") -> None:
    if target.exists() and any(target.iterdir()):
        raise SiteError.at("the folder is not empty; choose a new one", str(target))
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
