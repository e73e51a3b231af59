"""The data that flows through a build and through the comment service.

Frozen dataclasses, so that a stage can never change what an earlier one made.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from generator.core.errors import Problem


class Kind(enum.Enum):
    POST = "post"
    PAGE = "page"


class CommentsMode(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class CommentStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"


class Heading(NamedTuple):
    """One heading of an essay's contents.

    A named tuple (as immutable as the dataclasses here): a build after an edit reads
    back every essay's contents with its light record (28,000 headings at 5,000
    essays), and 30,000 named tuples are unpickled in half the time of as many frozen
    dataclasses (22 ms against 46). Its repr is the dataclass's, which render keys use."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class ImageRef:
    """One use of an image by a document (found by build/image_refs.py)."""

    src: str  # as written in the rendered HTML (unescaped), or the front matter's value
    alt: str | None  # None: the tag has no alt attribute at all
    line: int  # line of the source file
    featured: bool = False  # named by the front matter's `image:`
    raw_html: bool = False  # an <img> tag of the author's own HTML


@dataclass(frozen=True)
class Rendered:
    """What Markdown rendering returns: plain data, cacheable and picklable."""

    html: str
    excerpt_html: str
    toc: tuple[Heading, ...]
    words: int
    # Every link and image of the body: (URL as written, line from the body's start, image?).
    links: tuple[tuple[str, int, bool], ...] = ()
    has_more: bool = True  # the body holds more than its excerpt ("Continue reading")
    # A light record's (cache.light_record): a hash of all it holds, made once, so that
    # an entry's fingerprint need not read it all at every build.
    digest: str = ""

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / 230))


@dataclass(frozen=True)
class Document:
    """A post or page as written by the author, before rendering."""

    kind: Kind
    source: str  # path relative to the site root, as shown in error messages
    key: str  # stable identity for comments: front matter `id`, else the slug
    title: str
    slug: str
    url: str  # site-relative, starts and ends with "/"
    body: str
    body_line: int  # line of the file where the body starts
    date: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""
    draft: bool = False
    author: str = ""
    comments: CommentsMode = CommentsMode.OPEN
    aliases: tuple[str, ...] = ()
    template: str = ""
    toc: bool | None = None  # None: show the table of contents when it helps
    image: str = ""  # front matter `image:`: a path in the bundle or site, or a URL
    image_alt: str = ""
    image_line: int | None = None  # where `image:` is, for errors about the file it names
    series: str = ""  # the name of the series this essay is part of
    series_order: int | None = None  # its place in the series; None: by date
    related: tuple[str, ...] = ()  # keys or URLs of essays chosen by hand
    likes: bool = True  # false: no like button on this essay
    share: bool = True  # false: no share links on this essay
    pinned: bool = False  # first on the home page, before the newer essays (WordPress's sticky)
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # unknown front-matter keys, as `path:line: …`
    date_from_name: bool = False  # no `date:`; dated by a Jekyll-style file name
    # A post's most frequent meaningful words, for related essays: counted where the
    # text is parsed (in worker processes, cached with the document), not once more.
    words: Mapping[str, int] = field(default_factory=dict)
    # A hash of those words (related.words_digest), which stays when they are let go: the
    # cache keeps the words apart, and a build reads them only when some essay's changed.
    words_digest: str = ""
    # The images the body shows, with their lines: found where the text is parsed too, so
    # that the images step needs no body (a build keeps bodies only to render them).
    body_images: tuple[ImageRef, ...] = ()
    # A hash of every field but those found in the body (``meta_digest_of``), made where
    # the text is parsed: what an entry's fingerprint reads of its document.
    meta_digest: str = ""


def meta_digest_of(doc: Document) -> str:
    """A hash of all of ``doc`` but what is found in its body: the body, its words and
    their digest, its images. Those are shown through the entry's rendering, which a
    page's key covers where the page read it (build/body_reads.py), and its pictures,
    which the entry's fingerprint covers."""
    bare = document_without(doc, body="", words={}, words_digest="", body_images=(), meta_digest="")
    return hashlib.sha1(repr(bare).encode("utf-8", "surrogatepass")).hexdigest()


def light_digest_of(light: Rendered) -> str:
    """A hash of all a light record holds (its HTML is empty)."""
    bare = replace(light, html="", digest="")
    return hashlib.sha1(repr(bare).encode("utf-8", "surrogatepass")).hexdigest()


def document_without(doc: Document, **changes: Any) -> Document:
    """``dataclasses.replace(doc, **changes)`` at a seventh of its cost: the copy's fields
    are the original's, with the changes (Document has no __post_init__ to run again).

    A build lets every document's words, then its body, go once their step is done:
    replace's __init__ over thirty fields was 13 µs a document, twice per build. A change
    to any other field lets ``meta_digest`` go too (an entry then makes it again).
    """
    unknown = changes.keys() - _DOCUMENT_FIELDS
    if unknown:
        raise TypeError(f"Document has no field {', '.join(sorted(unknown))}")
    copy = object.__new__(Document)
    copy.__dict__.update(doc.__dict__)
    copy.__dict__.update(changes)
    if "meta_digest" not in changes and not changes.keys() <= _OUT_OF_DIGEST:
        copy.__dict__["meta_digest"] = ""
    return copy


_DOCUMENT_FIELDS = frozenset(Document.__dataclass_fields__)
_OUT_OF_DIGEST = frozenset({"body", "words", "words_digest", "body_images"})
assert not hasattr(Document, "__post_init__"), "document_without would skip it"


@dataclass(frozen=True)
class PublicComment:
    """An approved comment as published in the public feed: public fields only."""

    id: str
    post: str  # Document.key
    parent: str | None
    author: str
    website: str
    body: str  # Markdown source, rendered safely at build time
    created: datetime
    by_author: bool = False
    avatar: str = ""  # keyed hash, the seed of a locally drawn identicon
    removed: bool = False  # erased by the moderator; kept as a placeholder for its replies


@dataclass(frozen=True)
class StoredComment:
    """A comment as the private store holds it: every status and private fields."""

    id: str
    post: str
    parent: str | None
    author: str
    email: str
    website: str
    body: str
    created: datetime
    status: CommentStatus
    by_author: bool = False
    ip: str = ""  # truncated to /24 (IPv4) or /48 (IPv6) before it is stored
    user_agent: str = ""
    moderated_by: str = ""
    moderated_at: datetime | None = None
    held_because: str = ""
    removed: bool = False
