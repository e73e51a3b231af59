"""Related essays from one build to the next: the last answer kept, and updated for what
changed instead of computed again.

Every essay's answer is a function of every essay's top words (through their document
frequencies), tags and categories. After an edit most answers cannot have changed:

- an essay whose inputs are the same, and none of whose words changed how many essays
  keep them, has the same vector, so its score with every unchanged essay is the same;
- its answer can change only if an essay that changed was among its answer, or now
  scores at least as well as the last of its answer (the "bar", kept from the last
  build), or its answer was not full and a changed essay now scores at all.

Those essays, and the changed ones, are answered again in full; the scores of the others
with the changed essays come from one look at each changed essay (scores are
symmetric). A score within rounding of a bar counts as beating it, so the update never
differs from computing everything (tests/test_related.py compares the two). When the
essays themselves change (one added, removed, renamed or redated) or many changed,
everything is computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from generator.build.related import (
    Answers,
    Ranked,
    RelatedInput,
    Scoring,
    answers,
    common_limit,
    document_frequency,
    words_digest,
)

# What answers the essays of some indexes: `related.answers`, or the same in workers
# (engagement.answers_in_workers), which must give the same answers in the same order.
AnswerMany = Callable[[Scoring, Sequence[int], int, Sequence[str]], Answers]

CACHE_VERSION = 5  # 1 kept each source's words (now counted with its document); 2 no bars;
# 3 item_hash for every essay; 4 a build passed its sources' hashes; 5 input_hash instead
MOST_CHANGED = 0.1  # above this share of changed essays, computing everything is cheaper
TIE = 2e-9  # scores are compared rounded to 9 places: nearer than this may tie


@dataclass(frozen=True)
class RelatedCache:
    """What the last build computed, and enough of its inputs to update it."""

    digest: str = ""  # of every input: equal, and the answer is the answer
    answer: Mapping[str, tuple[str, ...]] | None = None
    shape: str = ""  # of the essays' keys, URLs and dates, in order, and the count
    items: Mapping[str, str] = field(default_factory=dict)  # each essay's inputs, hashed
    frequency: Mapping[str, int] = field(default_factory=dict)  # essays keeping each word
    bars: Mapping[str, tuple[float, int] | None] = field(default_factory=dict)


def item_hash(item: RelatedInput) -> str:
    """A hash of the essay's inputs: ``input_hash`` with its words' digest."""
    return input_hash(item.key, item.url, item.date, item.tags, item.categories, item.chosen,
                      words_digest(item.terms))  # fmt: skip


def input_hash(
    key: str, url: str, date: datetime | None, tags: tuple[str, ...],
    categories: tuple[str, ...], chosen: tuple[str, ...], words: str,
) -> str:  # fmt: skip
    """A hash of everything an essay gives related essays (``words``: words_digest of its
    top words), so that a build knows without the words whether an essay's inputs changed
    (repr, not marshal, whose bytes vary with how the values are shared)."""
    moment = date.isoformat() if date else ""
    parts = (key, url, moment, tags, categories, chosen, words)
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def last_answer(
    last: RelatedCache, hashes: Sequence[str], count: int
) -> dict[str, tuple[str, ...]] | None:
    """The last build's answer, if every input is the same (``hashes``: one per essay,
    in order, as related_answer takes them); None otherwise."""
    if last.answer is not None and last.digest == inputs_digest(hashes, count):
        return dict(last.answer)
    return None


def shape_of(items: Sequence[RelatedInput], count: int) -> str:
    return hashlib.sha1(repr((count, [(i.key, i.url, i.date) for i in items])).encode()).hexdigest()


def inputs_digest(hashes: Sequence[str], count: int) -> str:
    return hashlib.sha1(f"{count}\0{','.join(hashes)}".encode()).hexdigest()


def related_answer(
    items: Sequence[RelatedInput], count: int, sources: Sequence[str], last: RelatedCache,
    hashes: Sequence[str] | None = None, answer_many: AnswerMany = answers,
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str]], RelatedCache | None]:  # fmt: skip
    """Every essay's related essays, (source, problem) for bad `related:` references, and
    the cache for the next build (None: the last one still holds).

    ``hashes``: one per item, changing whenever its inputs do: ``item_hash`` by default;
    a build passes ``input_hash`` of each document with its words' digest, which it has
    without the words. A hash that changes while the inputs do not only makes the update
    answer that essay again.
    ``answer_many``: how the essays to answer are answered (a build answers many in
    workers)."""
    if hashes is None:
        hashes = [item_hash(item) for item in items]
    digest = inputs_digest(hashes, count)
    if last.answer is not None and last.digest == digest:
        return dict(last.answer), [], None
    frequency = document_frequency(items)
    scoring = Scoring(items, frequency)
    shape = shape_of(items, count)
    todo = _to_answer_again(items, hashes, frequency, scoring, shape, last)
    answer: dict[str, tuple[str, ...]] = {}
    bars: dict[str, tuple[float, int] | None] = {}
    if todo is not None:
        answer, bars = dict(last.answer or {}), dict(last.bars)
    indexes = range(len(items)) if todo is None else sorted(todo)
    fresh, fresh_bars, problems = answer_many(scoring, indexes, count, sources)
    answer.update(fresh)
    bars.update({key: _bar(ranked) for key, ranked in fresh_bars.items()})
    keys = [item.key for item in items]
    items_by_key = dict(zip(keys, hashes, strict=True))
    cache = RelatedCache(digest, answer, shape, items_by_key, dict(frequency), bars)
    return answer, problems, cache


def _bar(ranked: Ranked | None) -> tuple[float, int] | None:
    """The last of a full answer: its score (negated, rounded) and its place by date."""
    return (ranked[0], ranked[1]) if ranked is not None else None


def _to_answer_again(
    items: Sequence[RelatedInput], hashes: Sequence[str], frequency: Mapping[str, int],
    scoring: Scoring, shape: str, last: RelatedCache,
) -> set[int] | None:  # fmt: skip
    """The essays whose answer may have changed, or None: answer every essay again."""
    if last.answer is None or last.shape != shape:
        return None
    # A word whose document frequency changed moves the vector of every essay keeping it,
    # unless it was too common to be in any vector before and still is (the same essays,
    # so the same limit: the shape is the same); an essay's words changing often changes
    # how many essays keep a common word, which made every essay keeping it "changed".
    limit = common_limit(len(items))
    moved = {w for w in frequency.keys() | last.frequency.keys()
             if (now := frequency.get(w, 0)) != (then := last.frequency.get(w, 0))
             and min(now, then) <= limit}  # fmt: skip
    changed = {
        index
        for index, (item, digest) in enumerate(zip(items, hashes, strict=True))
        if last.items.get(item.key) != digest or not moved.isdisjoint(item.terms)
    }
    if len(changed) > MOST_CHANGED * len(items):
        return None
    changed_keys = {items[i].key for i in changed}
    todo = set(changed)
    for index, item in enumerate(items):
        if index not in changed and not changed_keys.isdisjoint(last.answer.get(item.key, ())):
            todo.add(index)
    for index in changed:
        for other, score in scoring.every_score(index).items():
            if other in todo or items[other].chosen:
                continue
            bar = last.bars.get(items[other].key)
            if bar is None:
                if score > 1e-9:  # its answer was not full: any score gets in
                    todo.add(other)
            elif -round(score, 9) <= bar[0] + TIE:  # as good as its last, or nearly
                todo.add(other)
    return todo


def parse_cache(text: str | None) -> RelatedCache:
    """The cache file's text; anything unreadable is an empty cache (it is only a cache)."""
    try:
        data = json.loads(text) if text else None
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return RelatedCache()
        return RelatedCache(
            str(data["digest"]),
            {str(k): tuple(str(x) for x in v) for k, v in data["answer"].items()},
            str(data["shape"]),
            {str(k): str(v) for k, v in data["items"].items()},
            {str(k): int(v) for k, v in data["frequency"].items()},
            {str(k): (float(v[0]), int(v[1])) if v else None for k, v in data["bars"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return RelatedCache()


def serialise_cache(cache: RelatedCache) -> bytes:
    data = {
        "version": CACHE_VERSION,
        "digest": cache.digest,
        "answer": {k: list(v) for k, v in (cache.answer or {}).items()},
        "shape": cache.shape,
        "items": cache.items,
        "frequency": cache.frequency,
        "bars": {k: list(v) if v else None for k, v in cache.bars.items()},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
