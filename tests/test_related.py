"""Related essays: shared tags and categories first, then text similarity; deterministic,
hand-picked with `related:`, cached by inputs."""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import engagement
from generator.build.related import (
    STOPWORDS,
    RelatedInput,
    Scoring,
    answers,
    common_limit,
    document_frequency,
    related_posts,
    top_terms,
)
from generator.build.related_update import (
    RelatedCache,
    item_hash,
    parse_cache,
    related_answer,
    serialise_cache,
)

from .conftest import REPO

START = datetime(2024, 1, 1, tzinfo=UTC)


def item(key: str, text: str, tags: tuple[str, ...] = (), categories: tuple[str, ...] = (),
         day: int = 0, chosen: tuple[str, ...] = ()) -> RelatedInput:  # fmt: skip
    return RelatedInput(key, f"/{key}/", START + timedelta(days=day), tags, categories,
                        top_terms(text), chosen)  # fmt: skip


CORPUS = [
    item("silence", "silence pauses quiet room listening silence pause", ("listening",), day=1),
    item("pauses", "pauses in conversation silence waiting quiet", ("listening",), day=2),
    item("endings", "endings termination goodbye last session ending grief", ("endings",), day=3),
    item("grief", "grief loss mourning ending goodbye", ("endings",), day=4),
    item("money", "fees invoices money payment cancellations", ("practice",), day=5),
    item("rooms", "the room chairs quiet light window", (), ("practice",), day=6),
]


def test_shared_tags_come_first_then_text_similarity() -> None:
    answer, problems = related_posts(CORPUS, 3)
    assert problems == []
    assert answer["silence"][0] == "pauses"  # a shared tag and shared words
    assert answer["endings"][0] == "grief"
    assert "money" not in answer["silence"]  # nothing in common: never listed
    assert all(key not in answer[key] for key in answer)
    assert all(len(keys) <= 3 for keys in answer.values())


def test_the_answer_does_not_depend_on_the_order_of_the_inputs() -> None:
    expected, _ = related_posts(CORPUS, 3)
    shuffled = list(CORPUS)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert related_posts(shuffled, 3)[0] == expected


def test_ties_go_to_the_newer_essay_then_the_key() -> None:
    same = [item("a", "apple", ("t",), day=1), item("b", "pear", ("t",), day=2),
            item("c", "plum", ("t",), day=2), item("d", "kiwi", ("t",), day=0)]  # fmt: skip
    answer, _ = related_posts(same, 3)
    assert answer["d"] == ("b", "c", "a")


def test_related_in_front_matter_replaces_the_choice_and_names_bad_references() -> None:
    items = [*CORPUS[:5], item("rooms", "room", chosen=("money", "/endings/", "nowhere"))]
    answer, problems = related_posts(items, 3, [f"content/posts/{i.key}.md" for i in items])
    assert answer["rooms"] == ("money", "endings")
    assert problems == [
        ("content/posts/rooms.md", 'related: no essay with the key or URL "nowhere"')
    ]


def test_top_terms_leave_out_stopwords_links_and_code() -> None:
    terms = top_terms("The therapist and the client. See [x](https://example.org/zebra) `zebra`")
    assert "the" not in terms and "and" not in terms
    assert "zebra" not in terms
    assert terms["therapist"] == 1


def test_the_cache_round_trips_and_a_broken_one_is_empty() -> None:
    answer, problems, cache = related_answer(CORPUS, 3, [], RelatedCache())
    assert problems == [] and cache is not None and answer == related_posts(CORPUS, 3)[0]
    again = parse_cache(serialise_cache(cache).decode())
    assert again == cache
    assert parse_cache("{not json").answer is None
    assert parse_cache('{"version": 99}') == RelatedCache()
    assert parse_cache('{"version": 2, "digest": "d", "answer": {}}') == RelatedCache()
    assert parse_cache('{"version": 3, "digest": "d"}') == RelatedCache()  # half a cache


def test_the_same_inputs_reuse_the_answer_and_any_change_is_seen() -> None:
    _, _, cache = related_answer(CORPUS, 3, [], RelatedCache())
    assert cache is not None
    assert related_answer(list(CORPUS), 3, [], cache)[2] is None  # nothing to save
    assert related_answer(CORPUS, 4, [], cache)[2] is not None
    changed = [*CORPUS[:-1], item("rooms", "the room chairs", (), ("practice",), day=6)]
    assert item_hash(changed[-1]) != item_hash(CORPUS[-1])
    assert related_answer(changed, 3, [], cache)[2] is not None


def brute_force(items: list[RelatedInput], count: int) -> dict[str, tuple[str, ...]]:
    """Every pair scored the plain way: what the indexes and the shortcut must agree with."""
    from generator.build.related import CATEGORY_WEIGHT, TAG_WEIGHT, _vectors, document_frequency

    vectors = _vectors(items, document_frequency(items))
    answer = {}
    for i, item in enumerate(items):
        scored = []
        for j, other in enumerate(items):
            if i == j:
                continue
            score = TAG_WEIGHT * len(set(item.tags) & set(other.tags))
            score += CATEGORY_WEIGHT * len(set(item.categories) & set(other.categories))
            score += sum(w * vectors[j].get(t, 0.0) for t, w in vectors[i].items())
            if score > 1e-9:
                date = other.date.timestamp() if other.date else 0.0
                scored.append((-round(score, 9), -date, other.key))
        answer[item.key] = tuple(key for _, _, key in sorted(scored)[:count])
    return answer


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=2, max_value=40))
def test_the_indexes_and_the_category_shortcut_change_no_answer(seed: int, size: int) -> None:
    rng = random.Random(seed)
    words = ["river", "garden", "letter", "winter", "doubt", "repair", "voice", "trust"]
    items = [
        item(f"e{n:02d}", " ".join(rng.choices(words, k=rng.randint(0, 12))),
             tuple(rng.sample(["a", "b", "c", "d"], rng.randint(0, 2))),
             tuple(rng.sample(["X", "Y"], rng.randint(0, 1))), day=rng.randint(0, 5))
        for n in range(size)
    ]  # fmt: skip
    assert related_posts(items, 3)[0] == brute_force(items, 3)


VOCABULARY = sorted({"".join(random.Random(n).choices("aeioulmnrst", k=5)) for n in range(300)})


def _random_item(rng: random.Random, key: str, day: int, words: int = 40) -> RelatedInput:
    vocabulary = VOCABULARY[:words]
    return item(key, " ".join(rng.choices(vocabulary, k=rng.randint(0, 14))),
                tuple(rng.sample(["a", "b", "c", "d"], rng.randint(0, 2))),
                tuple(rng.sample(["X", "Y"], rng.randint(0, 1))), day=day)  # fmt: skip


def _edited(rng: random.Random, old: RelatedInput, size: int) -> RelatedInput:
    """Another text, tags, categories or choice; or the same words more or fewer times."""
    if rng.random() < 0.4 and old.terms:
        terms = {word: count + rng.randint(0, 2) for word, count in old.terms.items()}
        return RelatedInput(old.key, old.url, old.date, old.tags, old.categories, terms)
    new = _random_item(rng, old.key, 0, words=rng.choice([40, 300]))
    chosen = (f"e{rng.randrange(size):03d}",) if rng.random() < 0.1 else ()
    return RelatedInput(old.key, old.url, old.date, new.tags, new.categories, new.terms, chosen)


@settings(deadline=None, max_examples=150)
@given(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=2, max_value=120),
    st.integers(min_value=1, max_value=4),
)
def test_updating_the_last_answer_equals_computing_it_all(seed: int, size: int, edits: int) -> None:
    """Edits of a few essays (their words, tags, categories, hand-picked related), answered
    from the last build's cache, give exactly what computing everything gives."""
    rng = random.Random(seed)
    items = [_random_item(rng, f"e{n:03d}", rng.randint(0, 9), 300) for n in range(size)]
    _, _, cache = related_answer(items, 3, [], RelatedCache())
    for _ in range(edits):
        assert cache is not None
        for index in rng.sample(range(size), rng.randint(1, max(1, size // 20))):
            items[index] = _edited(rng, items[index], size)
        answer, problems, saved = related_answer(items, 3, [], cache)
        assert problems == []
        assert answer == related_posts(items, 3)[0]  # itself compared with brute force above
        cache = saved or cache


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=2, max_value=80))
def test_hashes_that_change_more_often_than_the_inputs_still_give_the_answer(
    seed: int, size: int
) -> None:
    """A build passes its sources' hashes, which change when a body does though its words
    do not: such an essay is only answered again, and the answer is still everything's."""
    rng = random.Random(seed)
    items = [_random_item(rng, f"e{n:03d}", rng.randint(0, 9), 300) for n in range(size)]
    hashes = [f"source {n}" for n in range(size)]
    _, _, cache = related_answer(items, 3, [], RelatedCache(), hashes)
    assert cache is not None
    touched = rng.sample(range(size), rng.randint(1, max(1, size // 10)))
    for index in touched:
        hashes[index] += " touched"  # the same inputs, another hash
        if rng.random() < 0.5:
            items[index] = _edited(rng, items[index], size)
    answer, problems, saved = related_answer(items, 3, [], cache, hashes)
    assert problems == [] and saved is not None
    assert answer == related_posts(items, 3)[0]
    assert related_answer(items, 3, [], saved, hashes)[2] is None  # the same hashes: kept


def test_an_edit_answers_again_only_the_essays_it_can_change() -> None:
    rng = random.Random(7)
    items = [_random_item(rng, f"e{n:03d}", n % 50, 300) for n in range(400)]
    _, _, cache = related_answer(items, 3, [], RelatedCache())
    assert cache is not None
    answered: list[int] = []

    def counting(scoring: Scoring, indexes: Any, *args: Any) -> Any:
        indexes = list(indexes)
        answered.append(len(indexes))
        return answers(scoring, indexes, *args)

    index = next(i for i, it in enumerate(items) if i >= 100 and len(it.terms) >= 5)
    edited = items[index]
    more = {word: count + 1 for word, count in edited.terms.items()}  # the same words, more
    items[index] = RelatedInput(edited.key, edited.url, edited.date, edited.tags,
                                edited.categories, more)  # fmt: skip
    answer, _, saved = related_answer(items, 3, [], cache, answer_many=counting)
    assert answer == related_posts(items, 3)[0]
    assert saved is not None and saved.answer == answer
    assert 1 <= answered[0] < 40, answered  # of 400


COMMON = ["river", "garden", "letter", "winter", "doubt", "repair", "voice", "trust"]


def _common_item(rng: random.Random, key: str, day: int) -> RelatedInput:
    """An essay of a few common words (kept by more essays than common_limit allows)
    and a few rare ones."""
    text = " ".join(rng.choices(COMMON, k=rng.randint(0, 10)) + rng.choices(VOCABULARY, k=3))
    return item(key, text, tuple(rng.sample(["a", "b", "c", "d"], rng.randint(0, 2))),
                tuple(rng.sample(["X", "Y"], rng.randint(0, 1))), day=day)  # fmt: skip


def test_a_common_word_kept_by_one_essay_more_answers_no_other_essay_again() -> None:
    """The word "river" is kept by far more essays than the limit, before the edit and
    after: it is in no vector either way, so only the edited essay, and those it can
    reach, are answered again (they were all answered again: every essay keeping
    "river" counted as changed)."""
    rng = random.Random(11)
    items = [_common_item(rng, f"e{n:03d}", n % 50) for n in range(400)]
    keeping = sum("river" in it.terms for it in items)
    assert keeping > common_limit(len(items)) + 1
    _, _, cache = related_answer(items, 3, [], RelatedCache())
    answered: list[int] = []

    def counting(scoring: Scoring, indexes: Any, *args: Any) -> Any:
        indexes = list(indexes)
        answered.append(len(indexes))
        return answers(scoring, indexes, *args)

    index = next(i for i, it in enumerate(items) if "river" not in it.terms and it.terms)
    edited = items[index]
    terms = {**edited.terms, "river": 1}
    items[index] = RelatedInput(edited.key, edited.url, edited.date, edited.tags,
                                edited.categories, terms)  # fmt: skip
    answer, _, saved = related_answer(items, 3, [], cache, answer_many=counting)
    assert answer == related_posts(items, 3)[0]
    assert saved is not None and saved.frequency["river"] == keeping + 1
    assert 1 <= answered[0] < 40, answered  # of 400


@settings(deadline=None, max_examples=60)
@given(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=30, max_value=200),
    st.integers(min_value=1, max_value=3),
)
def test_updating_with_common_words_equals_computing_it_all(
    seed: int, size: int, edits: int
) -> None:
    """As above, where many words are common (kept by more essays than the limit) and
    edits move them across it, or not."""
    rng = random.Random(seed)
    items = [_common_item(rng, f"e{n:03d}", rng.randint(0, 9)) for n in range(size)]
    _, _, cache = related_answer(items, 3, [], RelatedCache())
    for _ in range(edits):
        assert cache is not None
        for index in rng.sample(range(size), rng.randint(1, max(1, size // 20))):
            old = items[index]
            new = _common_item(rng, old.key, 0)
            items[index] = RelatedInput(old.key, old.url, old.date, old.tags, old.categories,
                                        new.terms)  # fmt: skip
        answer, problems, saved = related_answer(items, 3, [], cache)
        assert problems == []
        assert answer == related_posts(items, 3)[0]
        cache = saved or cache


# top_terms as it was before its fast paths (an ASCII word pattern for texts without
# other letters, a URL pattern whose branches start with literals): the reference.
_REFERENCE_WORD = re.compile(r"[^\W\d_]{3,}")
_REFERENCE_URL = re.compile(r"\(?https?://\S+|<[^>]*>|`[^`]*`")


def reference_top_terms(text: str, limit: int = 48) -> dict[str, int]:
    words = Counter(_REFERENCE_WORD.findall(_REFERENCE_URL.sub(" ", text).lower()))
    for word in STOPWORDS & words.keys():
        del words[word]
    return dict(sorted(words.items(), key=lambda item: (-item[1], item[0]))[:limit])


# Pieces that tell the patterns apart: links with and without "(", tags, code, digits,
# letters beyond ASCII (one whose lower case is ASCII, one that lowers to two), and
# characters \w counts that are not letters by \d (superscripts, fractions, numerals).
_PIECES = st.sampled_from([
    "word", "Words", "the", "ab", "abc", " ", "\n", "(", ")", "http://x.example/a",
    "(https://y.example/b)", "https:", "<em>", "<a href='x'>", ">", "`code`", "`", "_",
    "42", "x2y", "café", "Ångström", "İstanbul", "\u212a", "ß", "²", "½", "Ⅻ", "٣", "…",
    "’", "“", "—", "naïve", "日本語", "ǅemal",
])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=40).map("".join))
def test_top_terms_finds_the_words_the_reference_finds(text: str) -> None:
    assert top_terms(text) == reference_top_terms(text)
    assert top_terms(text, 5) == reference_top_terms(text, 5)


def test_top_terms_matches_the_reference_on_the_sample_essays() -> None:
    essays = sorted((REPO / "content").rglob("*.md"))
    assert len(essays) >= 5
    for path in essays:
        text = path.read_text(encoding="utf-8")
        assert top_terms(text) == reference_top_terms(text), path


def _broad_corpus(rng: random.Random, size: int, tags: int, words: int) -> list[RelatedInput]:
    """Essays with few broad tags and one category each: the shape of a big archive,
    where the bound of Scoring.best leaves most essays unscored."""
    names = [f"t{n}" for n in range(tags)]
    return [
        item(f"e{n:03d}", " ".join(rng.choices(VOCABULARY[:words], k=rng.randint(0, 30))),
             tuple(rng.sample(names, rng.randint(1, min(4, tags)))),
             tuple(rng.sample(["X", "Y", "Z"], rng.choice([0, 1, 1, 1]))),
             day=rng.randint(0, 30))
        for n in range(size)
    ]  # fmt: skip


@settings(deadline=None, max_examples=120)
@given(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=2, max_value=160),
    st.integers(min_value=1, max_value=8),
    st.sampled_from([20, 80, 300]),
    st.integers(min_value=1, max_value=5),
)
def test_the_bound_gives_the_answer_scoring_everyone_gives(
    seed: int, size: int, tags: int, words: int, count: int
) -> None:
    """Scoring.best leaves out essays that cannot reach the answer; its answer, and the
    last of it (the bar an edit is measured against), are those of scoring every one."""
    from generator.build.related import Scoring, document_frequency

    items = _broad_corpus(random.Random(seed), size, tags, words)
    scoring = Scoring(items, document_frequency(items))
    for index in range(size):
        assert scoring.best(index, count) == scoring.best_of_all(index, count)


def test_the_bound_is_taken_on_a_broad_archive() -> None:
    """Not a test that cannot fail: on such an archive most answers come from the bound."""
    from generator.build.related import Scoring, document_frequency

    items = _broad_corpus(random.Random(7), 400, 6, 300)
    scoring = Scoring(items, document_frequency(items))
    bounded = sum(scoring._best_by_bound(i, 3) is not None for i in range(len(items)))
    assert bounded > len(items) // 2
    assert related_posts(items, 3)[0] == brute_force(items, 3)


def test_only_letters_lower_to_ascii_letters() -> None:
    """What top_terms' ASCII path relies on, for every character of this Python's Unicode:
    only the two letters it names lose their letterhood in lower case, and no character
    that is not a letter lowers to an ASCII letter."""
    other_letter = re.compile(r"[^\x00-\x7f\W\d_]")
    differs = []
    for point in range(0x80, 0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        lower = char.lower()
        letter = other_letter.search(char) is not None
        lost = letter != (other_letter.search(lower) is not None)
        gained = not letter and any("a" <= c <= "z" for c in lower)
        if lost or gained:
            differs.append(char)
    assert differs == ["\u0130", "\u212a"]


def test_answers_in_workers_are_the_answers_of_one_process_in_its_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cold build answers many essays in forked workers: the same answers, bars (the
    floats exactly) and problems, in the order one process gives them."""
    rng = random.Random(7)
    items = _broad_corpus(rng, 300, 6, 300)
    for index in (5, 150, 299):  # hand-picked related essays, one reference unknown
        old = items[index]
        items[index] = RelatedInput(old.key, old.url, old.date, old.tags, old.categories,
                                    old.terms, ("e010", "no-such-essay"))  # fmt: skip
    sources = [f"content/posts/{it.key}.md" for it in items]
    scoring = Scoring(items, document_frequency(items))
    expected = answers(scoring, range(len(items)), 4, sources)
    monkeypatch.setattr(engagement, "PARALLEL_ANSWERS", 50)
    noted = tmp_path / "answered-in"

    def answers_noting_the_process(*args: Any, **kwargs: Any) -> Any:
        with noted.open("a") as note:  # a worker's own memory never reaches this process
            note.write(f"{os.getpid()}\n")
        return answers(*args, **kwargs)

    monkeypatch.setattr(engagement, "answers", answers_noting_the_process)
    got = engagement.answers_in_workers(2)(scoring, range(len(items)), 4, sources)
    assert list(got[0].items()) == list(expected[0].items())
    assert list(got[1].items()) == list(expected[1].items())
    assert got[2] == expected[2] and len(got[2]) == 3
    answered_in = set(noted.read_text().split())
    assert len(answered_in) >= 1 and str(os.getpid()) not in answered_in  # workers did it
    # Below the threshold (an edit's few essays), this process answers them itself.
    monkeypatch.setattr(engagement, "PARALLEL_ANSWERS", 10_000)
    assert engagement.answers_in_workers(2)(scoring, [1, 2, 3], 4, sources) == answers(
        scoring, [1, 2, 3], 4, sources
    )
