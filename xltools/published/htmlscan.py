"""A pass over a web page's tags before html5lib builds it, to refuse the pages that would make
html5lib work in the square of their size.

html5lib follows the browsers' algorithm, which has two costs that grow with the page: the stack
of open elements (each new block scans it for an open <p>: 20,000 nested <div> took 22 s) and the
list of active formatting elements (<b>, <font>, … left open are re-opened in every paragraph:
`<p><b class=c0>x<p><b class=c1>x…`, 85 KB, took 60 s and 3 GB). This pass follows the same
rules closely enough to know both sizes at every tag, in time linear in the page (each element
is pushed and popped once), and stops at the first tag past a limit. No real report comes near
the limits: a saved report page is a few thousand tags, nested a few dozen deep.
"""

from __future__ import annotations

import functools
import re

from xltools.errors import UnusableInput

MAX_TAGS = 100_000  # start tags in the whole page
MAX_DEPTH = 200  # elements open at once
MAX_FORMATTING = 64  # formatting elements left open (html5lib's "active formatting elements")
MAX_REOPENED = 100_000  # formatting elements the parser re-opens after a block closed them

# A tag's attributes run to its ">" and never past a "<", so that a page of "<" without ">" is
# still one pass (an attribute holding "<" is missed, which only makes this pass see less).
_TAG = re.compile(rb"<(?:!--.*?(?:-->|\Z)|[!?][^<>]*>?|(/?)([A-Za-z][^\s/<>]*)([^<>]*)>)", re.S)
_VOID = frozenset(
    b"area base basefont bgsound br col embed frame hr image img input keygen link meta param source track wbr".split()
)
_RAW = frozenset(b"script style textarea title xmp iframe noembed noframes plaintext".split())
_FORMATTING = frozenset(b"a b big code em font i nobr s small strike strong tt u".split())
_IGNORED = frozenset(b"html head body".split())
# A start tag that closes an open <p> (html5lib: "close a p element" in button scope).
_CLOSES_P = frozenset(
    b"address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form "
    b"h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul li dd dt listing".split()
)
# Start tags that close the nearest open one of a group, as the parser's implied end tags do.
_CLOSES = {
    b"li": (b"li",),
    b"dd": (b"dd", b"dt"),
    b"dt": (b"dd", b"dt"),
    b"td": (b"td", b"th"),
    b"th": (b"td", b"th"),
    b"tr": (b"tr", b"td", b"th"),
    b"tbody": (b"tbody", b"thead", b"tfoot", b"tr", b"td", b"th"),
    b"thead": (b"tbody", b"thead", b"tfoot", b"tr", b"td", b"th"),
    b"tfoot": (b"tbody", b"thead", b"tfoot", b"tr", b"td", b"th"),
    b"option": (b"option",),
}
# Elements that bound a scope: a <p> or cell outside them is not closed from inside them.
_BOUNDARY = frozenset(b"table td th caption button object marquee applet template".split())
_TABLE_PARTS = frozenset(b"table tbody thead tfoot tr td th caption".split())  # scoped by the table alone
_MARKERS = frozenset(b"td th caption object marquee applet template".split())  # reset formatting


@functools.cache
def _raw_end(name: bytes) -> re.Pattern:
    return re.compile(rb"</" + re.escape(name) + rb"[\s/>]", re.I)


def _nested() -> UnusableInput:
    return UnusableInput("网页的结构嵌套过深，不像是一份年度报告的网页，已停止读取。", code="malformed")


def check_page(data: bytes) -> None:
    """UnusableInput when the page has too many tags, nests too deep or leaves too many
    formatting elements open to be parsed in reasonable time (see the module docstring)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: the tags in ASCII for this pass
        try:
            data = data.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            return  # html5lib will decode it as it can; nothing here to count
    stack: list[bytes] = []
    where: dict[bytes, list[int]] = {}  # element name -> its positions in the stack
    boundaries: list[int] = []  # positions of scope boundaries in the stack
    tables: list[int] = []  # positions of tables (and templates) in the stack
    active: list[tuple[bytes, bytes] | None] = []  # formatting elements; None is a marker
    tags = reopened = 0
    pos, end = 0, len(data)

    def pop_to(depth: int) -> int:
        """Close the elements from `depth` up; how many of them were formatting elements."""
        formatting = 0
        while len(stack) > depth:
            name = stack.pop()
            formatting += name in _FORMATTING
            where[name].pop()
            if boundaries and boundaries[-1] == len(stack):
                boundaries.pop()
            if tables and tables[-1] == len(stack):
                tables.pop()
            if name in _MARKERS:
                while active and active.pop() is not None:
                    pass
        return formatting

    def in_scope(name: bytes) -> int | None:
        at = where.get(name)
        if not at:
            return None
        limits = tables if name in _TABLE_PARTS else boundaries
        if not limits or at[-1] >= limits[-1]:
            return at[-1]
        return None

    while pos < end:
        m = _TAG.search(data, pos)
        if m is None:
            break
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment, doctype or processing instruction
            continue
        name = name.lower()
        if m.group(1):  # an end tag
            at = in_scope(name)
            if at is not None:
                pop_to(at)
            if name in _FORMATTING:
                for i in range(len(active) - 1, -1, -1):
                    entry = active[i]
                    if entry is None:
                        break
                    if entry[0] == name:
                        del active[i]
                        break
            continue
        tags += 1
        if tags > MAX_TAGS:
            raise UnusableInput(
                f"网页中的元素过多（超过 {MAX_TAGS:,} 个），不像是一份年度报告的网页，已停止读取。"
                "请只保存年度报告本身的网页后再试。",
                code="too_large",
            )
        if name in _IGNORED:
            continue
        implied = 0  # formatting elements closed by this tag's implied end tags
        if name in _CLOSES_P and (at := in_scope(b"p")) is not None:
            implied += pop_to(at)
        for closed in _CLOSES.get(name, ()):
            if (at := in_scope(closed)) is not None:
                implied += pop_to(at)
                break
        if implied:  # those still active are opened again at the next text: each such block costs them all
            reopened += len(active)
            if reopened > MAX_REOPENED:
                raise _nested()
        if name in _RAW:
            found = _raw_end(name).search(data, pos)
            pos = end if found is None or name == b"plaintext" else found.end()
            continue
        if name in _VOID or m.group(3).rstrip().endswith(b"/"):
            continue
        if name in _FORMATTING:
            entry = (name, m.group(3).strip())
            same = 0
            for i in range(len(active) - 1, -1, -1):  # Noah's Ark: at most three alike
                if active[i] is None:
                    break
                if active[i] == entry:
                    same += 1
                    if same == 3:
                        del active[i]
                        break
            active.append(entry)
            if len(active) > MAX_FORMATTING:
                raise _nested()
        if name in _BOUNDARY:
            boundaries.append(len(stack))
        if name in (b"table", b"template"):
            tables.append(len(stack))
        if name in _MARKERS:
            active.append(None)
        where.setdefault(name, []).append(len(stack))
        stack.append(name)
        if len(stack) > MAX_DEPTH:
            raise _nested()
