"""What of its entries' rendered Markdown a page read while it rendered.

An entry's fingerprint covers all a page could show of it but what its Markdown's
rendering gives (site.Entry.aspect): the body's HTML, the excerpt, the contents, the
word count, the reading time, whether there is more than the excerpt. A page's render
key covers each of those only where the page read it (plan_index.py): a listing of
5,000 essays that shows their titles is not made again when one essay's text changes,
nor a tag page whose excerpts and reading times stayed the same.

Every way to them passes here (the properties of site.Entry, cache.RenderedStore); the
page renderer starts the count before each page and takes it after (execute.py). Each
process counts its own pages (the forked page workers too).
"""

from __future__ import annotations

# Entry.aspect's names; "all" is the whole rendering (its light record read as such).
ASPECTS = ("html", "excerpt", "toc", "words", "minutes", "more", "all")

Read = tuple[str, str]  # (an entry's source, an aspect)

_READ: set[Read] = set()


def body_read(source: str, aspect: str) -> None:
    _READ.add((source, aspect))


def start() -> None:
    _READ.clear()


def taken() -> tuple[Read, ...]:
    """What was read since ``start``, sorted."""
    found = tuple(sorted(_READ))
    _READ.clear()
    return found


def set_apart() -> set[Read]:
    """What was read so far, set aside: the reads from now to ``rejoin`` are counted
    alone (a partial kept for other pages: partial_cache.py)."""
    outer = set(_READ)
    _READ.clear()
    return outer


def rejoin(outer: set[Read]) -> tuple[Read, ...]:
    """The reads since ``set_apart``; the count goes on with those set aside."""
    own = tuple(sorted(_READ))
    _READ.update(outer)
    return own


def replay(reads: tuple[Read, ...]) -> None:
    """Count reads made for another page, of what this page shows too."""
    _READ.update(reads)
