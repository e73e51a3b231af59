"""models.document_without: dataclasses.replace for a Document, made cheap; the same copy."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.models import Document, Kind, document_without

DOC = Document(
    Kind.POST, "content/posts/x.md", "x", "Title", "x", "/2024/01/x/", "Body *text*.", 4,
    datetime(2024, 1, 2, tzinfo=UTC), tags=("a", "b"), words={"text": 1, "body": 1},
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "body": st.text(max_size=20),
            "words": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
            "title": st.text(max_size=10),
            "tags": st.tuples(st.text(max_size=5)),
        },
    )
)
def test_the_copy_is_the_one_replace_makes(changes: dict[str, object]) -> None:
    made = document_without(DOC, **changes)
    assert made == dataclasses.replace(DOC, **changes)  # type: ignore[arg-type]
    assert made is not DOC
    assert DOC.body == "Body *text*." and DOC.words == {"text": 1, "body": 1}  # untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.body = "changed"  # type: ignore[misc]


def test_an_unknown_field_is_refused_as_replace_refuses_it() -> None:
    with pytest.raises(TypeError, match="no field bodyy"):
        document_without(DOC, bodyy="")
