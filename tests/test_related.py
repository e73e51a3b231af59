"""Related essays: shared tags and categories first, then text similarity; deterministic,
hand-picked with `related:`, cached by inputs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.related import (
    RelatedCache,
    RelatedInput,
    inputs_digest,
    parse_cache,
    related_posts,
    serialise_cache,
    top_terms,
)

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
    answer, _ = related_posts(CORPUS, 3)
    cache = RelatedCache(inputs_digest(CORPUS, 3), answer)
    again = parse_cache(serialise_cache(cache).decode())
    assert again.answer == answer and again.digest == cache.digest
    assert parse_cache("{not json").answer is None
    assert parse_cache('{"version": 99}') == RelatedCache()
    assert parse_cache('{"version": 1, "digest": "d", "answer": {}}') == RelatedCache()


def test_the_digest_changes_with_any_input() -> None:
    base = inputs_digest(CORPUS, 3)
    assert inputs_digest(CORPUS, 4) != base
    changed = [*CORPUS[:-1], item("rooms", "the room chairs", (), ("practice",), day=6)]
    assert inputs_digest(changed, 3) != base
    assert inputs_digest(list(CORPUS), 3) == base


def brute_force(items: list[RelatedInput], count: int) -> dict[str, tuple[str, ...]]:
    """Every pair scored the plain way: what the indexes and the shortcut must agree with."""
    from generator.build.related import CATEGORY_WEIGHT, TAG_WEIGHT, _vectors

    vectors = _vectors(items)
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
