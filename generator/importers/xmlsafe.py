"""Reading an export's XML safely: no entity expansion, no external resources.

Exports come from elsewhere and can be hostile or simply broken. defusedxml's
parser refuses entity declarations (the "billion laughs" bomb) and external
references; a syntax error becomes a SiteError naming the line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from generator.core.errors import SiteError
from generator.importers.xmlrepair import diagnose, leading_junk, repair


@dataclass(frozen=True)
class XmlDocument:
    root: Element
    lines: dict[int, int]  # id(element) -> line where it starts, for the elements asked for
    repairs: tuple[str, ...] = ()  # what --lenient mended (xmlrepair.repair), line by line

    def line(self, element: Element) -> int | None:
        return self.lines.get(id(element))


class _LineRecorder:
    """A TreeBuilder target that remembers where chosen elements start."""

    def __init__(self, wanted: frozenset[str], shift: int = 0) -> None:
        self.builder = TreeBuilder()
        self.wanted = wanted
        self.shift = shift
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrs)
        if self.parser is not None and tag.rsplit("}", 1)[-1] in self.wanted:
            self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber) + self.shift
        return element

    def end(self, tag: str) -> Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def parse_xml(
    data: bytes, path: str, line_of: frozenset[str] = frozenset(), lenient: bool = False
) -> XmlDocument:
    """Parse ``data``; elements whose local name is in ``line_of`` get their line recorded.

    ``lenient`` first mends the faults export tools are known to write (xmlrepair.py);
    without it, such a fault is named at its line and column with the way to repair it.
    """
    original, shift = data, 0
    repairs: list[str] = []
    if lenient:
        shift = leading_junk(data).count(b"\n")  # recorded lines stay those of the file
        data, repairs = repair(data)
    target = _LineRecorder(line_of, shift)
    parser = DefusedXMLParser(target=target)
    target.parser = parser

    def where() -> int:
        return int(parser.parser.CurrentLineNumber)

    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        line, column = exc.position
        line += shift
        reason = diagnose(original, line, column + 1) or _explain(str(exc))
        raise SiteError.at(f"malformed XML at column {column + 1}: {reason}", path, line) from None
    except LookupError as exc:  # expat asks Python for an encoding it does not know
        name = str(exc).removeprefix("unknown encoding: ")
        raise SiteError.at(
            f'the XML declaration names the encoding "{name}", which Python does not know; '
            "export the file again as UTF-8 (or change the declaration to the real encoding)",
            path,
            1 + shift,
        ) from None
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise SiteError.at(
                f'the file declares the external entity "{exc.name}" ({exc.sysid or exc.pubid}); '
                "refused, because reading it could reveal files on this machine or reach the "
                "network",
                path,
                where(),
            ) from None
        raise SiteError.at(
            f'the file declares the XML entity "{exc.name}"; entities are refused because they '
            "can expand into gigabytes (an XML bomb) or read other files, and a genuine export "
            "never declares them",
            path,
            where(),
        ) from None
    except ExternalReferenceForbidden as exc:
        raise SiteError.at(
            f"the file refers to an external resource ({exc.sysid}); refused, because reading "
            "it could reach other files or the network",
            path,
            where(),
        ) from None
    except DTDForbidden:  # pragma: no cover - DTDs themselves are allowed, entities are not
        raise SiteError.at(
            "the file has a document type declaration; refused", path, where()
        ) from None
    return XmlDocument(root, target.lines, tuple(repairs))


def _explain(message: str) -> str:
    reason = message.split(":", 1)[0]
    if reason == "no element found":
        return "the file ends too early; is the export complete?"
    if reason == "undefined entity":
        return "undefined entity (XML knows only &amp; &lt; &gt; &quot; &apos;)"
    return reason


def read_export(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SiteError.at("no such file", shown) from None
    except IsADirectoryError:
        raise SiteError.at("is a folder; give the export's XML file", shown) from None
    except OSError as exc:
        raise SiteError.at(f"cannot read the file ({exc.strerror})", shown) from None
