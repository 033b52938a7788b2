"""Reading a saved web page: the report's paragraphs and its data tables, through html5lib (the
parser browsers follow, with their encoding sniffing: government pages are often GB2312/GBK).

Layout tables (a table holding other tables, or a single column of text) are read as ordinary
paragraphs; the innermost tables are the report's tables.
"""

from __future__ import annotations

import re
import unicodedata

import html5lib

from xltools.errors import UnusableInput
from xltools.published.blocks import Block, Blocks, check_size, clean
from xltools.published.htmlscan import check_page

_SKIP = frozenset(
    [
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "map",
        "audio",
        "video",
        "canvas",
    ]
)
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "ul",
        "caption",
    ]
)
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})


def read_html(data: bytes) -> list[Block]:
    check_size(data)
    check_page(data)  # before html5lib: a page that would cost it the square of its size is refused
    root = html5lib.parse(
        data, treebuilder="etree", namespaceHTMLElements=False, likely_encoding=_likely_encoding(data)
    )
    blocks = Blocks()
    title = root.find("./head/title")
    shown = clean("".join(title.itertext())) if title is not None else ""
    if shown:
        blocks.append(Block(shown))
    body = root.find("./body")
    if body is not None:
        try:
            _Walker(blocks).walk(body, (0,))
        except RecursionError as exc:
            raise UnusableInput("网页的结构嵌套过深，不像是一份年度报告的网页，已停止读取。", code="malformed") from exc
    return blocks


def _likely_encoding(data: bytes) -> str:
    """For a page that declares no charset: UTF-8 when it decodes as such, else GBK's superset
    (a Chinese page saved without a <meta charset> is one or the other, never windows-1252)."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


class _Walker:
    """Depth-first over the body: text gathers into a line until a block boundary ends it."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.line: list[str] = []
        self.where: tuple[int, ...] = ()

    def flush(self) -> None:
        text = clean(" ".join(_join_lines("".join(self.line)).replace("\xa0", " ").split()))
        self.line = []
        if text:
            self.blocks.append(Block(text, container=self.where))

    def text(self, s: str | None, where: tuple[int, ...]) -> None:
        if s:
            if not self.line:
                self.where = where
            self.line.append(s.replace("\r", "").replace("\t", " "))

    def walk(self, el, where: tuple[int, ...]) -> None:
        tag = _tag(el)
        if tag in _SKIP or _hidden(el) or not tag:
            return
        if tag == "table" and _is_data_table(el):
            self.flush()
            for row in _rows(el):
                self.blocks.append(Block.row(row, container=where))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in _BLOCK or tag in ("table", "tr", "td", "th") or tag in _SECTIONS
        if block:
            self.flush()
        self.text(el.text, where)
        for i, child in enumerate(el):
            self.walk(child, (*where, i))
            self.text(child.tail, where)
        if block:
            self.flush()


_BREAK = "\x00"  # a <br> or block edge inside a cell, unlike a line break of the page source
_SOURCE_BREAK = re.compile(r"[ \t\u3000]*\n\s*")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _join_lines(text: str) -> str:
    """A line break in the page source between two Chinese characters is not a space (as
    browsers render it, CSS Text 3); elsewhere it is one."""

    def repl(m: re.Match) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        return "" if before and after and _wide(before) and _wide(after) else " "

    return _SOURCE_BREAK.sub(repl, text)


def _direct_rows(table) -> list:
    rows = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in _SECTIONS:
            rows += [r for r in child if _tag(r) == "tr"]
    return rows


def _cells(tr) -> list:
    return [c for c in tr if _tag(c) in ("td", "th") and not _hidden(c)]


def _is_data_table(table) -> bool:
    if any(_tag(t) == "table" for t in table.iter() if t is not table):
        return False
    return any(len(_cells(tr)) > 1 for tr in _direct_rows(table))


def _rows(table) -> list[list[str]]:
    """Each printed cell once; a cell spanning rows or columns is not repeated (see blocks)."""
    return [[_cell_text(c) for c in _cells(tr)] for tr in _direct_rows(table) if _cells(tr)]


def _cell_text(cell) -> str:
    parts: list[str] = []

    def walk(el) -> None:
        tag = _tag(el)
        if tag in _SKIP or _hidden(el):
            return
        if tag == "br" or tag in _BLOCK:
            parts.append(_BREAK)
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK:
            parts.append(_BREAK)

    walk(cell)
    lines = [clean(" ".join(_join_lines(line).split())) for line in "".join(parts).split(_BREAK)]
    return "\n".join(line for line in lines if line)
