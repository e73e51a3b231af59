"""The public feed format: the JSON Schema in docs/, the parser's errors, the writer."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.contract.feed import clean_text, parse_feed, parse_feed_document, serialise_feed
from generator.core.errors import SiteError
from generator.core.models import PublicComment

from .conftest import REPO, SITES

SCHEMA = json.loads((REPO / "docs" / "comments-feed.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "comments.json").read_text(encoding="utf-8"))
    return data


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_sample_feed_follows_the_schema_and_parses() -> None:
    data = sample()
    assert list(VALIDATOR.iter_errors(data)) == []
    comments = parse_feed(json.dumps(data), "comments.json")
    assert len(comments) == 8
    assert sum(c.by_author for c in comments) == 1
    assert [c.id for c in comments if c.parent] == ["c07d5e6a1f48", "9d3b6a0e2f77"]


def test_what_salon_writes_follows_the_schema_and_reads_back_the_same() -> None:
    comments = parse_feed((REPO / "comments.json").read_text(), "comments.json")
    removed = PublicComment("gone1", "the-alliance", None, "", "", "", comments[0].created,
                            removed=True)  # fmt: skip
    text = serialise_feed([*comments, removed], generated=datetime(2026, 11, 1, tzinfo=UTC))
    data = json.loads(text)
    assert list(VALIDATOR.iter_errors(data)) == []
    assert data["generated"] == "2026-11-01T00:00:00Z"
    assert {c.id: c for c in parse_feed(text, "x.json")} == {c.id: c for c in (*comments, removed)}


def test_equal_inputs_give_equal_bytes() -> None:
    comments = list(parse_feed((REPO / "comments.json").read_text(), "comments.json"))
    shuffled = comments[:]
    random.Random(7).shuffle(shuffled)
    assert serialise_feed(shuffled) == serialise_feed(comments)
    assert serialise_feed(comments) == (REPO / "comments.json").read_text()


# -- broken feeds: the schema and the parser agree, and the error names file, line, field --


def broken(change: str, value: Any) -> dict[str, Any]:
    data = sample()
    item = data["comments"][1]  # id 81be44c2d930, on line 16 of the indented text
    if value is KeyError:
        del item[change]
    else:
        item[change] = value
    return data


BROKEN = [
    (broken("created", "14 October 2026"),
     "comments[1].created: expected an ISO 8601 time with a UTC offset, got \"14 October 2026\""),
    (broken("created", "2026-10-14T13:40:00"),
     "comments[1].created: expected an ISO 8601 time with a UTC offset, "
     "got \"2026-10-14T13:40:00\""),
    (broken("created", KeyError),
     "comments[1].created: expected an ISO 8601 time with a UTC offset, got nothing"),
    (broken("post", ""), 'comments[1].post: expected the key of a post, got ""'),
    (broken("post", 7), "comments[1].post: expected the key of a post, got 7"),
    (broken("parent", "no spaces allowed"),
     'comments[1].parent: expected null or a comment id, got "no spaces allowed"'),
    (broken("author", ["a"]), "comments[1].author: expected text, got a list"),
    (broken("body", "   "), "comments[1].body: expected the comment's text, got \"   \""),
    (broken("by_author", "yes"), 'comments[1].by_author: expected true or false, got "yes"'),
    (broken("email", "a@b.example"), "comments[1].email: unknown field"),
    (broken("ip", "203.0.113.0/24"), "comments[1].ip: unknown field"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), BROKEN)
def test_a_feed_that_breaks_the_schema_is_an_error_naming_file_line_and_field(
    data: dict[str, Any], message: str
) -> None:
    assert list(VALIDATOR.iter_errors(data)) != [], "the schema should refuse it too"
    with pytest.raises(SiteError) as error:
        parse_feed(json.dumps(data, indent=2), "comments.json")
    assert [str(p) for p in error.value.problems] == [f"comments.json:16: {message}"]


def test_a_bad_id_is_named_by_its_position() -> None:
    data = sample()
    data["comments"][2]["id"] = "has space"
    assert list(VALIDATOR.iter_errors(data)) != []
    with pytest.raises(SiteError) as error:
        parse_feed(json.dumps(data, indent=2), "comments.json")
    assert str(error.value) == (
        "comments.json: comments[2].id: expected letters, digits, - or _ (at most 64), "
        'got "has space"'
    )


def test_duplicate_ids_are_an_error() -> None:
    data = sample()
    data["comments"][3]["id"] = data["comments"][0]["id"]
    with pytest.raises(SiteError) as error:
        parse_feed(json.dumps(data, indent=2), "comments.json")
    assert str(error.value) == "comments.json:38: comments[3].id: duplicate id 3f9a1c0b7d21"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1,\n "comments": [\n  {"id": "a",}\n ]\n}',
         "comments.json:3: not valid JSON: Expecting property name enclosed in double quotes"),
        ("", "comments.json:1: not valid JSON: Expecting value"),
        ("[]", "comments.json:1: expected a JSON object with version and comments"),
        ('{"version": 3, "comments": []}', "comments.json:1: version: expected 1 or 2, got 3"),
        ('{"comments": []}', "comments.json:1: version: expected 1 or 2, got nothing"),
        ('{"version": 1, "comments": [],\n "likes": {"a": 1}}',
         "comments.json:2: likes: only in version 2 feeds; set version to 2"),
        ('{"version": 2, "comments": [],\n "likes": {"a": 0}}',
         "comments.json:2: likes.a: expected a whole number of at least 1, got 0"),
        ('{"version": 2, "comments": [], "likes": []}',
         "comments.json:1: likes: expected an object, got a list"),
        ('{"version": 2, "comments": [],\n "extra": 1}', "comments.json:2: extra: unknown field"),
        ('{"version": 1, "comments": {}}', "comments.json:1: comments: expected a list"),
        ('{"version": 1, "comments": ["x"]}', "comments.json: comments[0]: expected an object"),
    ],
)  # fmt: skip
def test_feed_level_errors(text: str, message: str) -> None:
    with pytest.raises(SiteError) as error:
        parse_feed(text, "comments.json")
    assert str(error.value) == message


def test_a_broken_feed_stops_the_build_with_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "comments", site)
    data = json.loads((site / "comments.json").read_text())
    data["comments"][2]["created"] = "yesterday"
    data["comments"][4]["by_author"] = 1
    (site / "comments.json").write_text(json.dumps(data, indent=2))

    assert main(["build", "--site", str(site)]) == 1
    _out, err = capsys.readouterr()
    assert err == (
        "error: comments.json:27: comments[2].created: expected an ISO 8601 time with a UTC "
        'offset, got "yesterday"\n'
        "error: comments.json:49: comments[4].by_author: expected true or false, got 1\n"
        "2 problems; nothing was written.\n"
    )
    assert not (site / "output").exists()

    (site / "comments.json").write_text('{"version": 1, "comments": [}')
    assert main(["build", "--site", str(site)]) == 1
    assert capsys.readouterr().err == "error: comments.json:1: not valid JSON: Expecting value\n"


# -- text that cannot be published is dropped -------------------------------------------


def test_clean_text() -> None:
    assert clean_text("a\x00b\x08c\x1bd\x7fe\x9bf\ud800g\ufffeh") == "abcdefgh"
    assert clean_text("line one\n\tline two\r\n") == "line one\n\tline two\r\n"
    assert clean_text("body keeps \u202e marks") == "body keeps \u202e marks"
    assert clean_text("  Eve\u202e\u2066 \n Smith\u2069 ", inline=True) == "Eve Smith"
    # The marks too: in a name they would change how the text after it is ordered.
    assert clean_text("\u200fRTL\u061c name\u200e", inline=True) == "RTL name"
    # A name that draws nothing is no name (zero-width spaces, a Hangul filler, braille blank).
    assert clean_text("\u200b\u2060\ufeff", inline=True) == ""
    assert clean_text("\u3164 \u2800", inline=True) == ""
    assert clean_text("Zoë \u3164", inline=True) == "Zoë \u3164"


def test_the_parser_cleans_what_an_outside_feed_may_carry() -> None:
    data = sample()
    data["comments"][0]["author"] = "Eve\u202e\x1b[31m\ud800"
    data["comments"][0]["body"] = "Hi\x00 there\x0b."
    (first, *_) = parse_feed(json.dumps(data), "comments.json")
    assert (first.author, first.body) == ("Eve[31m", "Hi there.")
    serialise_feed([first]).encode("utf-8")  # no lone surrogate left to fail on


def test_the_writer_cleans_what_the_store_may_hold() -> None:
    (first, *_) = parse_feed((REPO / "comments.json").read_text(), "comments.json")
    dirty = replace(first, author="A\x07B\u2067", body="x\udcff\x0cy")
    item = json.loads(serialise_feed([dirty]))["comments"][0]
    assert (item["author"], item["body"]) == ("AB", "xy")


def test_version_2_carries_like_counts_and_version_1_still_reads() -> None:
    comments = parse_feed((REPO / "comments.json").read_text(), "comments.json")
    text = serialise_feed(comments, likes={"the-alliance": 12, "endings": 3, "gone": 0})
    data = json.loads(text)
    assert data["version"] == 2
    assert data["likes"] == {"endings": 3, "the-alliance": 12}  # sorted, zeros left out
    assert list(VALIDATOR.iter_errors(data)) == []
    feed = parse_feed_document(text, "comments.json")
    assert feed.likes == {"endings": 3, "the-alliance": 12}
    assert feed.comments == comments
    assert "likes" not in json.loads(serialise_feed(comments))  # none: no field
    old = REPO / "tests" / "sites" / "comments" / "comments.json"
    old_data = json.loads(old.read_text())
    assert old_data["version"] == 1
    assert list(VALIDATOR.iter_errors(old_data)) == []
    assert parse_feed_document(old.read_text(), "comments.json").likes == {}
    old_data["likes"] = {"x": 1}
    assert list(VALIDATOR.iter_errors(old_data)) != []  # the schema says so too


@settings(deadline=None)  # a loaded machine is not a bug
@given(
    st.one_of(
        st.none(), st.integers(), st.text(), st.lists(st.integers()),
        st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.booleans(), st.text(),
                                                        st.floats(), st.none())),
    ),
    st.sampled_from([1, 2, 3, "2", True]),
)  # fmt: skip
def test_any_likes_value_is_read_or_refused_with_a_message(likes: object, version: object) -> None:
    text = json.dumps({"version": version, "comments": [], "likes": likes})
    try:
        feed = parse_feed_document(text, "comments.json")
    except SiteError as error:
        assert all(str(problem).startswith("comments.json") for problem in error.problems)
        return
    assert version == 2
    assert all(isinstance(n, int) and n >= 1 for n in feed.likes.values())
