"""WordPress HTML → Markdown a person would want to edit.

* WordPress's automatic paragraphs (wpautop) are honoured for classic content: a
  blank line is a paragraph break and a single newline a line break. Content made
  with the block editor (it holds `<!-- wp:… -->` comments) is real HTML and is read
  as such, as WordPress itself does.
* Block comments are dropped and their content kept; blocks that had no content of
  their own (latest posts, archives, search…) are named in the findings.
* Headings, paragraphs, lists, quotes, links, images, code and simple tables become
  Markdown; what Markdown cannot say (a captioned figure, a table with merged cells,
  <sup>, video) stays as HTML, without WordPress's classes and inline styles.
* Shortcodes are expanded first (see shortcodes.py).

Comments use the same walk with `for_comment`: no HTML at all (the comment renderer
shows it as text), images become links, and a newline is a line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.importers.html_inline import (
    BLOCK,
    DROP,
    RAW,
    SCRIPTS_REMOVED,
    SPACE,
    InlineWalk,
    Options,
)
from generator.importers.html_tree import (
    Comment,
    Element,
    Node,
    Text,
    names,
    parse_html,
    to_html,
)
from generator.importers.mdtext import (
    keep_attribute,
)
from generator.importers.shortcodes import expand_shortcodes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNWRAP = names(
    "p div section article aside header footer main nav center address hgroup figcaption "
    "caption fieldset form dialog li dt dd tr td th thead tbody tfoot"
)


@dataclass(frozen=True)
class Conversion:
    markdown: str
    shortcodes_left: tuple[str, ...]
    blocks_dropped: tuple[str, ...]  # dynamic blocks that had nothing to keep
    media: tuple[str, ...]  # image and file URLs the text refers to, first seen first
    notes: tuple[str, ...]  # other things the author should know


@dataclass(frozen=True)
class _Chunk:
    kind: str  # "p", "list-ul", "list-ol", "code", "html", "heading", …
    text: str


def html_to_markdown(source: str, options: Options | None = None) -> Conversion:
    """Convert one post's (or comment's) HTML; pure."""
    options = options or Options()
    text = _CONTROL.sub("", source.replace("\r\n", "\n").replace("\r", "\n"))
    autop = options.for_comment or "<!-- wp:" not in text
    left: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    if not options.for_comment:
        expanded = expand_shortcodes(text)
        text, left, media = expanded.html, expanded.left, expanded.media
    converter = _Converter(options, autop)
    for url in media:
        converter.found.medium(url)
    chunks = converter.blocks(parse_html(text).children)
    markdown = "\n\n".join(chunk.text for chunk in chunks).strip("\n")
    found = converter.found
    return Conversion(
        markdown=markdown + "\n" if markdown else "",
        shortcodes_left=left,
        blocks_dropped=tuple(found.blocks_dropped),
        media=tuple(found.media),
        notes=tuple(found.notes),
    )


# -- the walk ---------------------------------------------------------------------------


class _Converter(InlineWalk):
    """The block walk: paragraphs, headings, lists, quotes, code, tables, figures."""

    # Blocks -------------------------------------------------------------------------

    def blocks(self, nodes: list[Node]) -> list[_Chunk]:
        """Block chunks for a container's children; inline runs become paragraphs."""
        chunks: list[_Chunk] = []
        run: list[Node] = []

        def flush() -> None:
            if run:
                paragraph = self.paragraph(run)
                if paragraph:
                    chunks.append(_Chunk("p", paragraph))
                run.clear()

        for node in nodes:
            if isinstance(node, Text):
                if self.autop:
                    parts = re.split(r"\n[ \t]*\n\s*", node.text)
                    for index, part in enumerate(parts):
                        if index:
                            flush()
                        run.append(Text(part))
                else:
                    run.append(node)
            elif isinstance(node, Comment):
                marker = self.comment(node)
                if marker is not None:  # a marker ends the paragraph, even one that shows nothing
                    flush()
                    if marker:
                        chunks.append(_Chunk("more", marker))
            elif node.tag in DROP:
                self.block(node, "")  # invisible: it does not end the paragraph around it
            elif node.tag in BLOCK:
                flush()
                previous = chunks[-1].kind if chunks else ""
                chunks.extend(self.block(node, previous))
            else:
                run.append(node)
        flush()
        return chunks

    def block(self, el: Element, previous: str) -> list[_Chunk]:
        tag = el.tag
        if tag in _UNWRAP:
            return self.blocks(el.children)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return self.heading(el)
        if tag == "blockquote":
            inner = self.joined(self.blocks(el.children))
            if not inner:
                return []
            quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
            return [_Chunk("quote", quoted)]
        if tag in ("ul", "ol", "menu"):
            return self.list_block(el, ordered=tag == "ol", previous=previous)
        if tag == "dl":
            return self.definition_list(el)
        if tag == "pre":
            return self.code_block(el)
        if tag == "table":
            return self.table(el)
        if tag == "figure":
            return self.figure(el)
        if tag == "hr":
            return [] if self.options.for_comment else [_Chunk("hr", "---")]
        if tag in DROP:
            if tag == "script":
                self.found.note(SCRIPTS_REMOVED)
            return []
        if tag == "iframe":
            link = self.frame_link(el)
            return [_Chunk("p", link)] if link else []
        if tag in RAW:
            return self.raw(el)
        return self.blocks(el.children)  # pragma: no cover - every BLOCK tag is handled above

    @staticmethod
    def joined(chunks: list[_Chunk]) -> str:
        return "\n\n".join(chunk.text for chunk in chunks)

    def heading(self, el: Element) -> list[_Chunk]:
        text = self.finish(self.inline(el.children), breaks=" ")
        if not text:
            return []
        if self.options.for_comment:
            return [_Chunk("p", f"**{text}**")]
        level = int(el.tag[1])
        return [_Chunk("heading", f"{'#' * level} {text}")]

    def list_block(self, el: Element, ordered: bool, previous: str) -> list[_Chunk]:
        items: list[list[Node]] = []
        for child in el.children:
            if isinstance(child, Element) and child.tag == "li":
                items.append(list(child.children))
            elif isinstance(child, Element) and items:
                items[-1].append(child)  # a list nested directly in a list: part of the item
            elif isinstance(child, Element):
                items.append([child])
        kind = "list-ol" if ordered else "list-ul"
        alternate = previous == kind  # two lists in a row would merge into one
        try:
            number = int(el.attrs.get("start", "1"))
        except ValueError:
            number = 1
        rendered: list[str] = []
        loose = False
        for nodes in items:
            chunks = self.blocks(nodes)
            if ordered:
                marker = f"{number}{')' if alternate else '.'}"
                number += 1
            else:
                marker = "*" if alternate else "-"
            body = ""
            for index, chunk in enumerate(chunks):
                if index == 0:
                    body = chunk.text
                elif chunk.kind.startswith("list") and index == 1 and chunks[0].kind == "p":
                    body += "\n" + chunk.text
                else:
                    body += "\n\n" + chunk.text
                    loose = True
            indent = " " * (len(marker) + 1)
            lines = body.split("\n")
            text = f"{marker} {lines[0]}".rstrip() if lines[0] else marker
            for line in lines[1:]:
                text += "\n" + (indent + line if line else "")
            rendered.append(text)
        if not rendered:
            return []
        return [_Chunk(kind, ("\n\n" if loose else "\n").join(rendered))]

    def definition_list(self, el: Element) -> list[_Chunk]:
        out: list[str] = []
        for child in el.children:
            if not isinstance(child, Element) or child.tag not in ("dt", "dd"):
                continue
            if child.tag == "dt":
                term = self.finish(self.inline(child.children), breaks=" ")
                if term:
                    out.append(f"**{term}**" if self.options.for_comment else term)
                continue
            body = self.joined(self.blocks(child.children))
            if self.options.for_comment or not out:
                out.append(body)
                continue
            lines = body.split("\n")
            text = (
                ": "
                + lines[0]
                + "".join("\n" + ("  " + line if line else "") for line in lines[1:])
            )
            out[-1] += "\n" + text
        return [_Chunk("p", part) for part in out if part]

    def code_block(self, el: Element) -> list[_Chunk]:
        allowed = {"code", "span", "br"}
        if self.html and any(child.tag not in allowed for child in el.elements()):
            return self.raw(el)  # formatted preformatted text: keep its markup
        code = el.text_content()
        if code.startswith("\n"):
            code = code[1:]
        code = code.rstrip()
        if not code.strip():
            return []
        classes = " ".join(
            [el.attrs.get("class", "")] + [c.attrs.get("class", "") for c in el.elements()]
        )
        match = re.search(r"(?:language|lang)[-:]\s*([\w+#-]+)|brush:\s*([\w+#-]+)", classes)
        language = (match.group(1) or match.group(2)) if match else ""
        runs = [len(run) for run in re.findall(r"`{3,}", code)]
        fence = "`" * max([3, *(n + 1 for n in runs)])
        return [_Chunk("code", f"{fence}{language}\n{code}\n{fence}")]

    def table(self, el: Element) -> list[_Chunk]:
        rows: list[tuple[Element, bool]] = []  # (row, in thead)
        for child in el.child_elements("thead", "tbody", "tfoot", "tr"):
            if child.tag == "tr":
                rows.append((child, False))
            else:
                rows.extend((row, child.tag == "thead") for row in child.child_elements("tr"))
        if not rows:
            return self.blocks(el.children)
        cells = [row.child_elements("td", "th") for row, _ in rows]
        if self.options.for_comment:
            lines = [
                " | ".join(self.finish(self.inline(c.children), " ") for c in row) for row in cells
            ]
            return [_Chunk("p", line) for line in lines if line.strip(" |")]
        first_in_head = rows[0][1]
        has_header = first_in_head or all(c.tag == "th" for c in cells[0])
        merged = any(
            c.attrs.get("colspan", "1") not in ("", "1")
            or c.attrs.get("rowspan", "1") not in ("", "1")
            for row in cells
            for c in row
        )
        has_blocks = any(
            e.tag in BLOCK and e.tag != "p" for row in cells for c in row for e in c.elements()
        )
        if not has_header or merged or has_blocks or el.child_elements("caption"):
            return self.raw(el)
        width = max(len(row) for row in cells)

        def cell(element: Element) -> str:
            text = self.finish(self.inline(element.children), breaks="<br>")
            return text.replace("|", "\\|") or " "

        lines = []
        for index, row in enumerate(cells):
            values = [cell(c) for c in row] + [" "] * (width - len(row))
            lines.append("| " + " | ".join(values) + " |")
            if index == 0:
                lines.append("|" + "|".join("---" for _ in range(width)) + "|")
        return [_Chunk("table", "\n".join(lines))]

    def figure(self, el: Element) -> list[_Chunk]:
        captions = el.child_elements("figcaption")
        content = [
            c
            for c in el.children
            if not (isinstance(c, Text) and not c.text.strip())
            and not isinstance(c, Comment)
            and not (isinstance(c, Element) and c.tag == "figcaption")
        ]
        image = content[0] if len(content) == 1 and isinstance(content[0], Element) else None
        if image is not None and image.tag == "a":
            inner = [c for c in image.children if not (isinstance(c, Text) and not c.text.strip())]
            if not (len(inner) == 1 and isinstance(inner[0], Element) and inner[0].tag == "img"):
                image = None
        if image is None or image.tag not in ("img", "a"):
            return self.blocks(el.children)
        caption = self.finish(self.inline(captions[0].children), " ") if captions else ""
        if not caption or not self.html:
            picture = self.finish(self.inline([image]), " ")
            return [_Chunk("p", part) for part in (picture, caption) if part]
        self.prepare_raw_tree(image)
        caption_html = "".join(to_html(c, keep_attribute) for c in captions[0].children)
        caption_html = SPACE.sub(" ", caption_html).strip()
        figure = (
            f"<figure>\n{to_html(image, keep_attribute)}\n"
            f"<figcaption>{caption_html}</figcaption>\n</figure>"
        )
        return [_Chunk("html", figure)]

    def raw(self, el: Element) -> list[_Chunk]:
        if not self.html:
            src = el.attrs.get("src") or next(
                (e.attrs["src"] for e in el.elements() if e.attrs.get("src")), ""
            )
            text = self.finish(self.inline(el.children), " ")
            if src.startswith(("http://", "https://")):
                return [_Chunk("p", f"<{src}>")]
            return [_Chunk("p", text)] if text else []
        self.prepare_raw_tree(el)
        markup = to_html(el, keep_attribute)
        if el.tag != "pre":  # only <pre> runs to its end tag; other HTML ends at a blank line
            markup = re.sub(r"\n\s*\n", "\n", markup)
        if el.tag == "table":  # a row a line, to be editable
            markup = re.sub(r"\n*(<(?:/?thead|/?tbody|/?tfoot|tr|/table)\b)", r"\n\1", markup)
        return [_Chunk("html", markup)]
