"""Related essays: for each post, the few others most like it. Pure and deterministic.

Shared tags and categories count first; text similarity (TF-IDF cosine over each
essay's most frequent words) breaks ties and fills in for essays that share no tag.
Equal scores fall back to the newer essay, then the key, so the answer never depends
on the order files were read in. `related:` in front matter replaces the choice.

Only each essay's top words are kept (``TOP_TERMS``): they are what makes it like
another, they keep the cache small, and they let an inverted index find candidates
without comparing every pair of a big archive.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

TOP_TERMS = 48
COMMON_SHARE = 0.05  # a word in more than this share of the essays is too common ...
COMMON_MIN = 25  # ... unless it is in no more than this many
TAG_WEIGHT = 3.0
CATEGORY_WEIGHT = 2.0
_WORD = re.compile(r"[^\W\d_]{3,}")
_URL = re.compile(r"\(?https?://\S+|<[^>]*>|`[^`]*`")
# Words too common in English prose to say what an essay is about.
_STOPWORD_TEXT = """about above after again against all also and any are because been before being
    below between both but can could did does doing down during each few for from further
    had has have having her here hers herself him himself his how into its itself just
    more most much must nor not now off once only other our ours ourselves out over own
    same she should some such than that the their theirs them themselves then there these
    they this those through too under until very was were what when where which while who
    whom why will with would you your yours yourself yourselves one two may might like
    even still something someone what every never always often without within upon"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class RelatedInput:
    key: str
    url: str
    date: datetime | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    terms: Mapping[str, int]  # top words and their counts (see ``top_terms``)
    chosen: tuple[str, ...] = ()  # `related:` from front matter: keys or URLs


def top_terms(text: str, limit: int = TOP_TERMS) -> dict[str, int]:
    """The essay's most frequent meaningful words (Markdown links and code left out)."""
    words = Counter(_WORD.findall(_URL.sub(" ", text).lower()))
    for word in STOPWORDS & words.keys():
        del words[word]
    ranked = sorted(words.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return dict(ranked)


def common_limit(total: int) -> int:
    """Essays a word may appear in and still say what an essay is about."""
    return max(COMMON_MIN, int(total * COMMON_SHARE))


def _vectors(items: Sequence[RelatedInput]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors over the kept words, those common to many essays left out:
    they weigh little (a low IDF) and would make every essay a candidate of every other."""
    frequency: Counter[str] = Counter()
    for item in items:
        frequency.update(item.terms.keys())
    total = len(items)
    limit = common_limit(total)
    vectors = []
    for item in items:
        vector = {
            term: (1 + math.log(count)) * math.log((1 + total) / (1 + frequency[term]))
            for term, count in item.terms.items()
            if frequency[term] <= limit
        }
        norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
        vectors.append({term: value / norm for term, value in vector.items() if value > 0})
    return vectors


def resolve_chosen(
    item: RelatedInput, by_ref: Mapping[str, int], source: str
) -> tuple[list[int], list[str]]:
    """Indexes of the hand-picked essays, and a message for each reference not found."""
    found: list[int] = []
    problems: list[str] = []
    for ref in item.chosen:
        index = by_ref.get(ref) if ref in by_ref else by_ref.get("/" + ref.strip("/") + "/")
        if index is None:
            problems.append(f'related: no essay with the key or URL "{ref}"')
        elif index not in found:
            found.append(index)
    return found, problems


def related_posts(
    items: Sequence[RelatedInput], count: int, sources: Sequence[str] = ()
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str]]]:
    """Each post's related posts (by key), and (source, problem) for bad `related:` refs."""
    vectors = _vectors(items)
    by_term: dict[str, list[int]] = defaultdict(list)
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, (item, vector) in enumerate(zip(items, vectors, strict=True)):
        for term in vector:
            by_term[term].append(index)
        for tag in item.tags:
            by_label["t:" + tag].append(index)
        for category in item.categories:
            by_label["c:" + category].append(index)
    members = {c[2:]: frozenset(m) for c, m in by_label.items() if c.startswith("c:")}
    by_ref: dict[str, int] = {}
    for index, item in enumerate(items):
        by_ref.setdefault(item.key, index)
        by_ref.setdefault(item.url, index)

    # Ties go to the newer essay, then the key: one number per essay says both.
    newest_first = sorted(
        range(len(items)), key=lambda i: (-_timestamp(items[i].date), items[i].key)
    )
    order = [0] * len(items)
    for place, index in enumerate(newest_first):
        order[index] = place
    answer: dict[str, tuple[str, ...]] = {}
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        if item.chosen:
            chosen, messages = resolve_chosen(item, by_ref, sources[index] if sources else "")
            problems.extend((sources[index] if sources else item.key, m) for m in messages)
            answer[item.key] = tuple(items[i].key for i in chosen if i != index)
            continue
        # Shared tags counted in C (whole multiples of the weight: the same floats as
        # adding it once per tag), then the text's weights added in the same order as ever.
        shared_tags = Counter(chain.from_iterable(by_label["t:" + tag] for tag in item.tags))
        scores: dict[int, float] = defaultdict(float)
        for other, tags_in_common in shared_tags.items():
            scores[other] = TAG_WEIGHT * tags_in_common
        vector = vectors[index]
        for term, weight in vector.items():
            for other in by_term[term]:
                scores[other] += weight * vectors[other][term]
        scores.pop(index, None)
        categories = set(item.categories)
        # Only those sharing a category change (adding 0.0 changes no score).
        shared_categories = Counter(
            chain.from_iterable(scores.keys() & members[category] for category in categories)
        )
        for other, in_common in shared_categories.items():
            scores[other] += CATEGORY_WEIGHT * in_common
        best = _best(scores, order, count)
        # An essay sharing only a category scores at most this: when the best found so
        # far all score more, no such essay can be among them, and a big category's
        # hundreds of essays need not be looked at.
        only_category = CATEGORY_WEIGHT * len(categories)
        if categories and (len(best) < count or -best[-1][0] <= only_category):
            for category in categories:
                for other in by_label["c:" + category]:
                    if other != index and other not in scores:
                        shared = categories.intersection(items[other].categories)
                        scores[other] = CATEGORY_WEIGHT * len(shared)
            best = _best(scores, order, count)
        answer[item.key] = tuple(items[i].key for _, _, i in best)
    return answer, problems


def _best(
    scores: Mapping[int, float], order: Sequence[int], count: int
) -> list[tuple[float, int, int]]:
    """The ``count`` best (-score, place by date, index), best first.

    Scores are compared rounded to 9 places (so that sums in another order tie). Only
    scores near the count-th best raw one can be among the best once rounded (rounding
    moves a score by at most 5e-10), so only those are rounded and ranked.
    """
    if len(scores) > 4 * count:
        floor = min(heapq.nlargest(count, scores.values()), default=0.0) - 2e-9
        scores = {i: score for i, score in scores.items() if score >= floor}
    return heapq.nsmallest(
        count, ((-round(score, 9), order[i], i) for i, score in scores.items() if score > 1e-9)
    )


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


CACHE_VERSION = 2  # 1 also kept each source's words, now counted with its document


@dataclass(frozen=True)
class RelatedCache:
    """The whole answer of the last build, by a digest of every input: an unchanged site,
    or an edit that changes no essay's top words, tags or dates, recomputes nothing."""

    digest: str = ""
    answer: Mapping[str, tuple[str, ...]] | None = None


def parse_cache(text: str | None) -> RelatedCache:
    """The cache file's text; anything unreadable is an empty cache (it is only a cache)."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return RelatedCache()
    answer = data.get("answer")
    return RelatedCache(
        str(data.get("digest", "")),
        {k: tuple(v) for k, v in answer.items()} if isinstance(answer, dict) else None,
    )


def serialise_cache(cache: RelatedCache) -> bytes:
    answer = {k: list(v) for k, v in (cache.answer or {}).items()}
    data = {"version": CACHE_VERSION, "digest": cache.digest, "answer": answer}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def inputs_digest(items: Sequence[RelatedInput], count: int) -> str:
    digest = hashlib.sha1(str(count).encode())
    for item in items:
        terms = sorted(item.terms.items())
        parts = (item.key, item.url, item.date, item.tags, item.categories, item.chosen, terms)
        digest.update(repr(parts).encode())
    return digest.hexdigest()
