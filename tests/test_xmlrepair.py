"""xmlrepair: the faults export tools write, named and mended; text is never touched."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.importers.xmlrepair import diagnose, leading_junk, repair

GOOD = (
    b'<?xml version="1.0"?>\n<a x="1"><b y=\'2\'>t=u v="w"</b><![CDATA[<c d=e>]]><!-- f=g --></a>'
)


def test_a_well_formed_file_is_left_exactly_as_it_is() -> None:
    assert repair(GOOD) == (GOOD, [])
    assert leading_junk(GOOD) == b""
    assert leading_junk(b"\xef\xbb\xbf" + GOOD) == b""  # one byte-order mark is allowed


def test_unquoted_values_are_quoted_and_self_closing_tags_stay_closed() -> None:
    fixed, mends = repair(b"<a x=1 y=http://e.example/?q=1&amp;r=2><b z=3/></a>")
    assert fixed == b'<a x="1" y="http://e.example/?q=1&amp;r=2"><b z="3"/></a>'
    assert [m.split(":")[0] for m in mends] == [
        "line 1, column 6",
        "line 1, column 10",
        "line 1, column 45",
    ]
    ET.fromstring(fixed)


def test_diagnose_names_only_the_faults_it_knows() -> None:
    assert diagnose(GOOD, 1, 1) is None
    assert diagnose(b"<a><b></a>", 1, 7) is None


_TEXT = st.text(alphabet=st.sampled_from(list("ab =\"'<>/&;x\n")), max_size=30)


@settings(max_examples=400, deadline=None)
@given(
    junk=st.binary(max_size=4),
    value=st.from_regex(r"[A-Za-z0-9.:/?=-]{0,11}[A-Za-z0-9.:?=-]", fullmatch=True),
    text=_TEXT,
)
def test_a_mended_file_parses_and_keeps_cdata_byte_for_byte(
    junk: bytes, value: str, text: str
) -> None:
    cdata = text.replace("]]>", "")
    data = (
        junk.replace(b"<", b"")
        + b'<?xml version="1.0"?>\n<r><t k='
        + value.encode()
        + b"><![CDATA["
        + cdata.encode()
        + b"]]></t></r>"
    )
    fixed, _ = repair(data)
    root = ET.fromstring(fixed)
    assert root[0].get("k") == value
    assert root[0].text == (cdata or None)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_repair_never_fails_on_any_bytes(data: bytes) -> None:
    fixed, mends = repair(data)
    assert isinstance(fixed, bytes) and all(isinstance(m, str) for m in mends)
    diagnose(data, 1, 1)
