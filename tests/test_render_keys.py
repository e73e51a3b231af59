"""Render keys are derived from what a page receives: changing any field of any
page's or feed's context, or of an entry, changes its key. A field added later is
covered without anyone listing it; one left out of a key fails here."""

from __future__ import annotations

import dataclasses
import enum
import shutil
from collections import OrderedDict, namedtuple
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from generator.build.context_keys import (
    COVERED_BY,
    READ_APART,
    Memo,
    fields_fingerprint,
    fingerprint_of,
)
from generator.build.jobs import FileJob, PageJob
from generator.build.pipeline import BuildMemory, BuildOptions, build_site
from generator.build.plan import Planner, plan_site
from generator.build.site import NO_IMAGES, Entry, SiteModel
from generator.contract.page_images import PageImages, Preview
from generator.core.models import Document, document_without

from .conftest import FIXED_NOW, SITES


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Planner, SiteModel]:
    site = tmp_path_factory.mktemp("keys") / "site"
    shutil.copytree(SITES / "incremental", site)
    (site / "content/posts/essay-2.md").write_text(
        (site / "content/posts/essay-2.md")
        .read_text(encoding="utf-8")
        .replace("tags:", "aliases: [/old/two.html]\ntags:"),
        encoding="utf-8",
    )
    memory = BuildMemory()
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1), memory)
    assert memory.planner is not None and memory.model is not None
    return memory.planner, memory.model


def changed(value: Any, others: tuple[Entry, ...]) -> Any:
    """Another value of the same kind as ``value``."""
    if isinstance(value, Entry) or value is None:
        return next(e for e in others if e is not value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, enum.Enum):
        return next(other for other in type(value) if other is not value)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "·"
    if isinstance(value, datetime):
        return value + timedelta(days=1)
    if isinstance(value, tuple):
        return value[:-1] if value else (others[0],)
    if isinstance(value, dict):  # an entry's pictures, by path
        return {**value, "/another.jpg": len(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        first = dataclasses.fields(value)[0].name
        return dataclasses.replace(value, **{first: changed(getattr(value, first), others)})
    raise AssertionError(f"no other value for a {type(value).__name__}")


def test_every_field_of_every_context_is_in_its_key(built: tuple[Planner, SiteModel]) -> None:
    planner, model = built
    jobs = [
        j for j in plan_site(planner.config, planner.bases, model, []) if not isinstance(j, dict)
    ]
    others = (*model.posts, *model.pages)
    seen: dict[str, set[str]] = {}
    for job in jobs:
        if not isinstance(job, PageJob | FileJob):
            continue
        context = job.context
        before = context.fingerprint()
        for item in dataclasses.fields(context):
            other = dataclasses.replace(
                context, **{item.name: changed(getattr(context, item.name), others)}
            )
            assert other.fingerprint() != before, f"{type(context).__name__}.{item.name}"
            seen.setdefault(type(context).__name__, set()).add(item.name)
    assert set(seen) == {
        "PostPage", "StandalonePage", "HomePage", "TermsPage", "TermPage", "ArchivesPage",
        "ArchivePage", "NotFoundPage", "AliasPage", "PostsFeed", "RssFeed", "CommentsFeed",
        "SitemapFile", "RobotsFile",
    }  # fmt: skip


def test_every_field_of_an_entry_is_in_its_fingerprint(built: tuple[Planner, SiteModel]) -> None:
    _, model = built
    entry = next(e for e in model.posts if e.comment_count)
    other = next(e for e in model.posts if not e.comment_count)
    names = {item.name for item in dataclasses.fields(Entry)}
    for item in dataclasses.fields(Entry):
        if not item.init:
            continue  # made of other fields: light_hash, of the document and light record
        cover = item.metadata.get(COVERED_BY)
        if cover is not None:
            assert cover in names  # a covered field names the field that stands for it
            continue
        if item.metadata.get(READ_APART):
            continue  # the rendering: in the keys of the pages that read it (below)
        value = getattr(entry, item.name)
        new = getattr(other, item.name) if item.name == "thread" else changed(value, (other,))
        moved = dataclasses.replace(entry, **{item.name: new})
        assert moved.fingerprint != entry.fingerprint, item.name
    # The images, through images_fingerprint: made again for new ones, and made once for
    # all the entries without any (one object they share).
    moved = dataclasses.replace(entry, images=PageImages(sizes="(min-width: 40em) 50vw"))
    assert moved.fingerprint != entry.fingerprint
    assert moved.images_fingerprint == fingerprint_of(moved.images)
    bare = [e for e in model.posts if not e.images.pictures and e.images.preview is None]
    assert bare and all(e.images is NO_IMAGES for e in bare)
    assert entry.images_fingerprint == fingerprint_of(PageImages())
    # The document, through meta_hash: every field but those found in the body.
    for name in Document.__dataclass_fields__:
        if name in ("body", "words", "words_digest", "body_images", "meta_digest"):
            continue  # shown through the rendering (body_reads.py) and the pictures
        doc = document_without(entry.doc, **{name: changed(getattr(entry.doc, name), (other,))})
        assert dataclasses.replace(entry, doc=doc).fingerprint != entry.fingerprint, name
    # The rendering: out of the fingerprint; each field in the aspect that shows it, and
    # the source's hash (which covers the body) in the body's.
    moved = dataclasses.replace(entry, source_hash=entry.source_hash + "·")
    assert moved.fingerprint == entry.fingerprint
    assert moved.aspect("html") != entry.aspect("html")
    aspects = {"excerpt_html": "excerpt", "toc": "toc", "words": "words", "has_more": "more",
               "links": "all"}  # fmt: skip
    entry = dataclasses.replace(entry, doc=document_without(entry.doc, toc=True))  # shown
    for name, aspect in aspects.items():
        light = dataclasses.replace(
            entry._light, digest="", **{name: changed(getattr(entry._light, name), (other,))}
        )
        moved = dataclasses.replace(entry, _light=light)
        assert moved.fingerprint == entry.fingerprint, name
        assert moved.aspect(aspect) != entry.aspect(aspect), name
        assert moved.aspect("all") != entry.aspect("all"), name


def test_the_page_metadata_is_in_the_key(built: tuple[Planner, SiteModel]) -> None:
    planner, model = built
    entry = model.posts[0]
    job = next(j for j in planner.post(entry, model) if isinstance(j, PageJob))
    again = planner.page(job.template, job.url, job.source, job.meta, job.context)
    moved = planner.page(
        job.template, job.url, job.source, dataclasses.replace(job.meta, noindex=True), job.context
    )
    assert again.key != moved.key
    # A post's metadata is made from its entry (every field of which is in the entry's
    # fingerprint, tested above), the settings (in every key) and the logo: by those.
    assert next(planner.post(entry, model)).key == job.key
    logo = Preview("https://inc.example/logo.png", "Logo", 64, 64, "image/png")
    fresh = Planner(planner.config, planner.bases)
    with_logo = next(fresh.post(entry, dataclasses.replace(model, logo=logo)))
    assert with_logo.meta != job.meta and with_logo.key != job.key
    other = model.posts[1]
    assert next(fresh.post(other, model)).key != job.key


def test_a_value_that_cannot_be_fingerprinted_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot fingerprint a object"):
        fingerprint_of(object())

    @dataclasses.dataclass(frozen=True)
    class Broken:
        a: str = dataclasses.field(default="", metadata={COVERED_BY: "nothing"})

    with pytest.raises(TypeError, match="no field nothing covers it"):
        fields_fingerprint(Broken())


def test_keys_are_stable_between_runs(built: tuple[Planner, SiteModel], tmp_path: Path) -> None:
    planner, model = built
    first = [
        j.key for j in plan_site(planner.config, planner.bases, model, []) if hasattr(j, "key")
    ]
    again = [
        j.key for j in plan_site(planner.config, planner.bases, model, []) if hasattr(j, "key")
    ]
    assert first == again and len(set(first)) == len(first)


# -- the fingerprints' text, pinned: a faster fingerprint_of must give the same keys ---------


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


Pair = namedtuple("Pair", "left right")


@dataclass(frozen=True)
class Inner:
    name: str
    when: date | None = None


@dataclass(frozen=True)
class Outer:
    inner: Inner
    items: tuple[Inner, ...]
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Owned:
    fingerprint: str
    ignored: object = None


@dataclass(frozen=True)
class Carried:
    """Carries a fingerprint made from its fields (as an Entry does)."""

    name: str

    @cached_property
    def fingerprint(self) -> str:
        return f"carried {self.name}"


@dataclass(frozen=True)
class Methodical:
    """A `fingerprint` method (as a page's context has) is not a fingerprint it carries."""

    name: str

    def fingerprint(self) -> str:
        return "never used"


@dataclass(frozen=True, slots=True)
class Slotted:
    name: str
    items: tuple[int, ...] = ()


inner = Inner("a", date(2024, 2, 29))
PINNED_VALUES = [
    None,
    True,
    0,
    -7,
    1.5,
    "tēxt",
    "",
    Level.HIGH,
    Colour.RED,
    datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC),
    date(2024, 2, 29),
    Path("a/b.md"),
    (1, "1", 1.0, True),
    [None, [()]],
    Pair(1, "x"),
    {"b": 1, "a": [1, {"c": None}], 2: "two"},
    OrderedDict(z=1),
    MappingProxyType({"k": (1,)}),
    inner,
    Outer(inner, (inner, Inner("b")), {"json": {"@type": "X", "n": [1, 2]}}),
    Owned("own-fingerprint", object()),
    Owned(""),
    {},
    Carried("x"),
    (Carried("y"), Methodical("z")),
    Slotted("s", (1, 2)),
]
PINNED = [
    "NoneType:None",
    "bool:True",
    "int:0",
    "int:-7",
    "float:1.5",
    "str:'tēxt'",
    "str:''",
    "Level:<Level.HIGH: 3>",
    "Colour:'red'",
    "datetime:2024-03-01T09:30:00.123456+00:00",
    "date:2024-02-29",
    "path:a/b.md",
    "[int:1,str:'1',float:1.0,bool:True]",
    "[NoneType:None,[[]]]",
    "[int:1,str:'x']",
    "{'a':[int:1,{'c':NoneType:None}],'b':int:1,2:str:'two'}",
    "{'z':int:1}",
    "{'k':[int:1]}",
    "bcd02b10980fd7fd9308bd0891d0c9fb5b3ca2ec",
    "2e994635782728a12472e2928ed6283d2d7530be",
    "own-fingerprint",
    "",
    "{}",
    "carried x",
    "[carried y,e7102b942a52569140f7af5dc0409a6993b599d6]",
    "5ffbec65059b490f866ef4f0898f2a8ef1399138",
]


def test_fingerprints_are_the_pinned_texts() -> None:
    """Keys must not change with how fingerprint_of is written (every page would be
    rendered again after an upgrade), and each kind of value keeps its own spelling."""
    assert [fingerprint_of(value) for value in PINNED_VALUES] == PINNED
    memo = Memo()
    assert [fingerprint_of(value, memo) for value in PINNED_VALUES] == PINNED
