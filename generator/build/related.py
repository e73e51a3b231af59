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
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, combinations

TOP_TERMS = 48
COMMON_SHARE = 0.05  # a word in more than this share of the essays is too common ...
COMMON_MIN = 25  # ... unless it is in no more than this many
TAG_WEIGHT = 3.0
CATEGORY_WEIGHT = 2.0
# Far above the rounding error of a sum of a few dozen products, far below any weight.
MARGIN = 1e-6
_WORD = re.compile(r"[^\W\d_]{3,}")
# Within ASCII, _WORD's letters are exactly a-z and A-Z; so in a text with no letter
# beyond ASCII (curly quotes, dashes and ellipses are not letters), the words are the runs
# of this pattern, found faster without it (top_terms).
_ASCII_WORD = re.compile(r"[a-zA-Z]{3,}")
_OTHER_LETTER = re.compile(r"[^\x00-\x7f\W\d_]")
# Each branch starts with a literal, so re jumps from one candidate to the next (with
# a leading optional "(" it tried every position: five times slower, same matches).
_URL = re.compile(r"\(https?://\S+|https?://\S+|<[^>]*>|`[^`]*`")
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


# For a text with no letter beyond ASCII: every byte but a letter made a space, and A-Z
# made a-z, after every other character was made one byte ("?"): splitting then finds
# _ASCII_WORD's runs in the text's lower case.
_LETTERS_ONLY = bytes(
    byte if 97 <= byte <= 122 else byte + 32 if 65 <= byte <= 90 else 32 for byte in range(256)
)


def top_terms(text: str, limit: int = TOP_TERMS) -> dict[str, int]:
    """The essay's most frequent meaningful words (Markdown links and code left out)."""
    text = _URL.sub(" ", text)
    if _OTHER_LETTER.search(text):
        words = Counter(_WORD.findall(text.lower()))
    else:
        # _ASCII_WORD's words in text.lower(), found by bytes.translate and split (counting
        # words was 60% of parsing an essay; this takes a third of the time). No character
        # but a letter lowers to an ASCII letter, and only two non-ASCII letters do (İ and
        # the Kelvin sign), which take the other branch, where they give the same words.
        runs = text.encode("ascii", "replace").translate(_LETTERS_ONLY).decode("ascii")
        words = Counter(runs.split())
        for word in [word for word in words if len(word) < 3]:
            del words[word]
    for word in STOPWORDS & words.keys():
        del words[word]
    ranked = sorted(words.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return dict(ranked)


def words_digest(words: Mapping[str, int]) -> str:
    """A hash of an essay's top words and their counts, in their order (the same words
    come in the same order, as top_terms ranks them). Made where the essay is parsed,
    once; repr, not marshal, whose bytes vary with how the values are shared."""
    return hashlib.sha1(repr(tuple(words.items())).encode()).hexdigest()


def common_limit(total: int) -> int:
    """Essays a word may appear in and still say what an essay is about."""
    return max(COMMON_MIN, int(total * COMMON_SHARE))


def document_frequency(items: Sequence[RelatedInput]) -> Counter[str]:
    """How many essays keep each word among their top words."""
    frequency: Counter[str] = Counter()
    for item in items:
        frequency.update(item.terms.keys())
    return frequency


def _vectors(items: Sequence[RelatedInput], frequency: Mapping[str, int]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors over the kept words, those common to many essays left out:
    they weigh little (a low IDF) and would make every essay a candidate of every other."""
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


Ranked = tuple[float, int, int]  # (-score rounded, place by date, index): best first


class Scoring:
    """The indexes every essay's answer is looked up in: its words' vectors, and who has
    each word, tag and category."""

    def __init__(self, items: Sequence[RelatedInput], frequency: Mapping[str, int]) -> None:
        self.items = items
        self.vectors = vectors = _vectors(items, frequency)
        self.by_term: dict[str, list[int]] = defaultdict(list)
        self.by_label: dict[str, list[int]] = defaultdict(list)
        for index, (item, vector) in enumerate(zip(items, vectors, strict=True)):
            for term in vector:
                self.by_term[term].append(index)
            for tag in item.tags:
                self.by_label["t:" + tag].append(index)
            for category in item.categories:
                self.by_label["c:" + category].append(index)
        self.members = {c[2:]: frozenset(m) for c, m in self.by_label.items() if c.startswith("c:")}
        tag_lists = {t[2:]: m for t, m in self.by_label.items() if t.startswith("t:")}
        self.tag_sets = {tag: frozenset(m) for tag, m in tag_lists.items()}
        # The sets stand for the lists only if no essay names a tag twice.
        self.sets_exact = all(len(self.tag_sets[tag]) == len(m) for tag, m in tag_lists.items())
        self.by_ref: dict[str, int] = {}
        for index, item in enumerate(items):
            self.by_ref.setdefault(item.key, index)
            self.by_ref.setdefault(item.url, index)
        # Ties go to the newer essay, then the key: one number per essay says both.
        newest_first = sorted(
            range(len(items)), key=lambda i: (-_timestamp(items[i].date), items[i].key)
        )
        self.order = [0] * len(items)
        for place, index in enumerate(newest_first):
            self.order[index] = place

    def _shared(self, index: int) -> dict[int, float]:
        """Scores of the essays sharing a tag or a top word with this one, categories added
        for those (categories alone are counted by the caller, only when they can count)."""
        item, vectors, by_term = self.items[index], self.vectors, self.by_term
        # Shared tags counted in C (whole multiples of the weight: the same floats as
        # adding it once per tag), then the text's weights added in the same order as ever.
        shared_tags = Counter(chain.from_iterable(self.by_label["t:" + tag] for tag in item.tags))
        scores: dict[int, float] = defaultdict(float)
        for other, tags_in_common in shared_tags.items():
            scores[other] = TAG_WEIGHT * tags_in_common
        for term, weight in vectors[index].items():
            for other in by_term[term]:
                scores[other] += weight * vectors[other][term]
        scores.pop(index, None)
        # Only those sharing a category change (adding 0.0 changes no score).
        members = self.members
        shared_categories = Counter(
            chain.from_iterable(scores.keys() & members[c] for c in set(item.categories))
        )
        for other, in_common in shared_categories.items():
            scores[other] += CATEGORY_WEIGHT * in_common
        return scores

    def _category_only(self, index: int, scores: dict[int, float]) -> None:
        categories = set(self.items[index].categories)
        for category in categories:
            for other in self.by_label["c:" + category]:
                if other != index and other not in scores:
                    shared = categories.intersection(self.items[other].categories)
                    scores[other] = CATEGORY_WEIGHT * len(shared)

    def best(self, index: int, count: int) -> list[Ranked]:
        """The ``count`` essays most like this one, best first (``count`` or fewer)."""
        found = self._best_by_bound(index, count)
        return found if found is not None else self.best_of_all(index, count)

    def _best_by_bound(self, index: int, count: int) -> list[Ranked] | None:
        """The answer from the few essays that can still be in it, or None to look at all.

        A score is TAG_WEIGHT a shared tag, CATEGORY_WEIGHT a shared category, plus a text
        similarity between 0 and 1. Only the essays sharing two tags or more have their
        shares counted one by one; all others share one tag and the category (or not) or
        none. Once ``count`` essays are sure of a score, an essay whose shares cannot
        bring it within 1 of it is not scored at all: with broad tags, on a big archive,
        that is all but a few of the thousands sharing a tag, where scoring them made the
        step grow with the square of the archive. The answer is the one scoring every
        candidate gives (the same sums, in the same order), or None when not sure.
        """
        item = self.items[index]
        tags, categories = item.tags, set(item.categories)
        if not tags or len(set(tags)) != len(tags) or len(categories) > 1 or not self.sets_exact:
            return None
        sets = [self.tag_sets[tag] for tag in tags]
        in_category = self.members[next(iter(categories))] if categories else frozenset()
        several: set[int] = set()  # sharing two tags or more
        for one, another in combinations(sets, 2):
            several |= one & another
        several.discard(index)
        shared = Counter(chain.from_iterable(several & tag_set for tag_set in sets))
        with_category = several & in_category
        shares = {
            other: TAG_WEIGHT * in_common + (CATEGORY_WEIGHT if other in with_category else 0.0)
            for other, in_common in shared.items()
        }
        single_share = TAG_WEIGHT + CATEGORY_WEIGHT  # one tag and the category
        # Every score is at least its share: the count-th best share is a floor of the answer.
        floors = sorted(shares.values(), reverse=True)[:count]
        single: set[int] = set()
        if len(floors) < count or floors[-1] < single_share + 1.0 + MARGIN:
            # Those sharing one tag and the category may count: found only then.
            single = set().union(*(tag_set & in_category for tag_set in sets)) - several
            single.discard(index)
            floors = sorted([*floors, *[single_share] * min(count, len(single))], reverse=True)
        if len(floors) < count:
            return None  # essays sharing one tag alone could be in it
        floor = floors[count - 1]
        chosen = [other for other, share in shares.items() if share + 1.0 + MARGIN >= floor]
        # The most an essay left out can score, plus 1: one tag and no category, words
        # and the category, the category alone, one tag and the category (unless chosen),
        # or a share it was left out for.
        left = [TAG_WEIGHT, CATEGORY_WEIGHT * len(categories)]
        left.extend(share for share in shares.values() if share + 1.0 + MARGIN < floor)
        if single_share + 1.0 + MARGIN >= floor:
            chosen.extend(single)
        elif categories:
            left.append(single_share)
        ceiling = max(left) + 1.0 + MARGIN
        vector, vectors = self.vectors[index], self.vectors
        scores: dict[int, float] = {}
        for other in chosen:  # summed as _shared sums: tags, then words in order, category
            score = TAG_WEIGHT * shared.get(other, 1)  # (those of `single` share one)
            theirs = vectors[other]
            for term, weight in vector.items():
                value = theirs.get(term)
                if value is not None:
                    score += weight * value
            if other in in_category:
                score += CATEGORY_WEIGHT
            scores[other] = score
        best = _best(scores, self.order, count)
        if len(best) < count or -best[-1][0] <= ceiling:
            return None
        return best

    def best_of_all(self, index: int, count: int) -> list[Ranked]:
        """``best`` by scoring every essay sharing anything with this one."""
        scores = self._shared(index)
        best = _best(scores, self.order, count)
        # An essay sharing only a category scores at most this: when the best found so
        # far all score more, no such essay can be among them, and a big category's
        # hundreds of essays need not be looked at.
        categories = self.items[index].categories
        only_category = CATEGORY_WEIGHT * len(set(categories))
        if categories and (len(best) < count or -best[-1][0] <= only_category):
            self._category_only(index, scores)
            best = _best(scores, self.order, count)
        return best

    def every_score(self, index: int) -> dict[int, float]:
        """This essay's score with every other it shares anything with."""
        scores = self._shared(index)
        self._category_only(index, scores)
        return scores


def related_posts(
    items: Sequence[RelatedInput], count: int, sources: Sequence[str] = ()
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str]]]:
    """Each post's related posts (by key), and (source, problem) for bad `related:` refs."""
    scoring = Scoring(items, document_frequency(items))
    answer, _, problems = answers(scoring, range(len(items)), count, sources)
    return answer, problems


# Each essay's answer by key, the last of each full answer, and (source, problem)s.
Answers = tuple[dict[str, tuple[str, ...]], dict[str, Ranked | None], list[tuple[str, str]]]


def answers(
    scoring: Scoring, indexes: Iterable[int], count: int, sources: Sequence[str] = ()
) -> Answers:
    """The answers of these essays, the last of each full answer (the bar a newcomer must
    beat), and (source, problem) for bad `related:` refs."""
    items = scoring.items
    answer: dict[str, tuple[str, ...]] = {}
    bars: dict[str, Ranked | None] = {}
    problems: list[tuple[str, str]] = []
    for index in indexes:
        item = items[index]
        if item.chosen:
            source = sources[index] if sources else ""
            chosen, messages = resolve_chosen(item, scoring.by_ref, source)
            problems.extend((source or item.key, m) for m in messages)
            answer[item.key] = tuple(items[i].key for i in chosen if i != index)
            bars[item.key] = None
            continue
        best = scoring.best(index, count)
        answer[item.key] = tuple(items[i].key for _, _, i in best)
        bars[item.key] = best[-1] if len(best) == count else None
    return answer, bars, problems


def _best(scores: Mapping[int, float], order: Sequence[int], count: int) -> list[Ranked]:
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
