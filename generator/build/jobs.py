"""The jobs a plan is made of (plan.py makes them, execute.py runs them): a page made
through a template, a file made without one, and a page or feed kept as it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from generator.build.contexts import FileContext, PageContext
from generator.build.theme_assets import CopyFile
from generator.contract.theme_page import PageMeta


@dataclass(frozen=True)
class PageJob:
    """A page made through a template."""

    path: str
    url: str
    source: str  # who asked for it, for error messages
    template: str
    custom: bool  # the template was named by the source's front matter
    # The page's metadata, or what makes it when the page is rendered: a post's (its
    # JSON-LD above all) is made only for the posts rendered, in the worker rendering it.
    meta_made: PageMeta | Callable[[], PageMeta]
    context: PageContext
    key: str
    noindex: bool = False  # left out of the sitemap (what meta.noindex says)

    @cached_property
    def meta(self) -> PageMeta:
        made = self.meta_made
        return made if isinstance(made, PageMeta) else made()


class KeptJob(NamedTuple):
    """A page or feed whose last key still holds (plan_index.py), planned without its
    context: ``make(path)`` plans the whole job, should its file not be intact. (Making
    13,000 contexts and jobs to learn they were kept was most of planning an edit; a
    named tuple, as it is made for nearly every file of an edit's plan.)"""

    path: str
    url: str  # the page's, for the sitemap; "" for a feed
    source: str
    key: str
    modified: datetime | None  # the page's last change, for the sitemap
    make: Callable[[str], PageJob | FileJob]


@dataclass(frozen=True)
class FileJob:
    """A file made without templates: a feed, the sitemap, robots.txt, _redirects."""

    path: str
    source: str
    context: FileContext
    key: str


Job = PageJob | FileJob | CopyFile | KeptJob
