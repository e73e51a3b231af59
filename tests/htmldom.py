"""A small HTML tree on the standard library's parser, for asserting on structure.

Tests ask for elements by tag, class and attributes rather than matching text, so
whitespace and attribute order never matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that never have an end tag.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = None

    def iter(self) -> Iterator[Element]:
        """This element and every element under it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def matches(self, tag: str | None, class_: str | None, attrs: dict[str, str]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        if class_ is not None and not set(class_.split()) <= self.classes():
            return False
        return all(self.attrs.get(name) == value for name, value in attrs.items())

    def find_all(
        self, tag: str | None = None, class_: str | None = None, **attrs: str
    ) -> list[Element]:
        """Descendants (and self) matching; attribute names use _ for - (http_equiv)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [el for el in self.iter() if el.matches(tag, class_, wanted)]

    def find(
        self, tag: str | None = None, class_: str | None = None, **attrs: str
    ) -> Element | None:
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> Element:
        """The single matching element; fails the test when there are none or several."""
        found = self.find_all(tag, class_, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={class_} {attrs}>, found {len(found)}"
        return found[0]

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    @property
    def raw_text(self) -> str:
        return "".join(
            child if isinstance(child, str) else child.raw_text for child in self.children
        )

    @property
    def text(self) -> str:
        """Text content with runs of whitespace collapsed."""
        return " ".join(self.raw_text.split())

    def meta(self, key: str) -> str | None:
        """content= of <meta name=key> or <meta property=key>."""
        for el in self.find_all("meta"):
            if key in (el.attrs.get("name"), el.attrs.get("property")):
                return el.attrs.get("content")
        return None


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag, {k: v if v is not None else "" for k, v in attrs}, [], self.stack[-1]
        )
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag, {k: v if v is not None else "" for k, v in attrs}, [], self.stack[-1]
        )
        self.stack[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root
