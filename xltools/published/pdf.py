"""Reading a text PDF (what LibreOffice, Word, WPS or a browser prints) with pypdfium2.

Why pypdfium2: PDFium (the PDF engine of Chromium) gives each character with its box and font size,
and the page's path objects, about ten times faster than pdfminer.six. A report's tables are what
matter, and a PDF has no tables, only characters and lines at positions: the ruling lines are turned
into edges and pdfplumber's table finder (its `TableFinder`, pure geometry) rebuilds the cells from
them, so a label that wraps onto a second line stays one cell and a merged cell is one cell.
pdfplumber's own page reading (pdfminer.six) is no longer used.

A page is read as its text stands in PDF space: a /Rotate that turns a page sideways on screen does
not turn its text (read turned, a correct report came back as "185 处错误"); text printed turned (a
landscape table page set sideways) is refused with a message rather than guessed at.

Tables become rows of cells (a cell spanning rows or columns given once, as the other readers
do); the text around them becomes paragraphs, rebuilt from the printed lines: a line that starts
indented, or follows a line that stops short of the right margin, starts a paragraph. Page
numbers and the lines of a page break are not the report's. A table that runs on to the next page
continues; a row the page break cut in two is joined again.

Bounded: the file's streams are inflated (in a scan that stops at a limit) before PDFium sees the
file, so a Flate bomb is refused, not unpacked; pages, characters and ruling lines per page and
the whole read's time have limits too.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import math
import re
import time
import unicodedata
import zlib
from typing import Any

from xltools.errors import UnusableInput
from xltools.published.blocks import Block, check_size, clean

MAX_PAGES = 200  # a report is 5 to 30 pages
MAX_OBJECTS = 200_000  # indirect objects in the file; a report has a few thousand
MAX_INFLATED = 200 * 1024 * 1024  # all streams together, inflated; a report's are a few MB
MAX_STREAM = 64 * 1024 * 1024  # one stream inflated; a page's content is a few hundred KB
MAX_CHARS = 60_000  # characters on one page; a dense A4 page has about 3,000
MAX_EDGES = 20_000  # ruling-line pieces on one page; a page of table 三 has about 2,500
MAX_CELLS = 3_000  # table cells on one page; table 三 has 250
MAX_SECONDS = 60.0  # the whole read; a report takes well under a second
PDF_MAGIC = b"%PDF-"
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*/\s*\d{1,3})?(?:\s*共\s*\d+\s*页)?[-—–－\s]*$")
_LINE_TOLERANCE = 3  # points: words this close vertically sit on one line
_TOO_COMPLEX = "PDF 第 {page} 页{what}，不像是一份年度报告，程序不予读取。请提供同一报告的 Word 或网页版本。"


def read_pdf(data: bytes) -> list[Block]:
    check_size(data)
    if not data.lstrip()[:1024].find(PDF_MAGIC) >= 0:
        raise UnusableInput("这不是 PDF 文件，可能只是改了扩展名。请提供原始的 PDF、Word 或网页文件。", code="not_pdf")
    if data.count(b" obj") > MAX_OBJECTS:
        raise UnusableInput("PDF 文件的内部对象过多，不像是一份年度报告，程序不予读取。", code="too_large")
    check_inflated(data)
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == 4:  # FPDF_ERR_PASSWORD
            raise UnusableInput(
                "PDF 文件设有打开密码（已加密），程序无法读取。请用密码在 PDF 阅读器中打开后“另存为”或“打印为 PDF”"
                "得到不加密的文件，或提供同一报告的 Word、网页版本。",
                code="encrypted",
            ) from exc
        raise UnusableInput("PDF 文件已损坏，无法打开。请重新获取原文件。", code="corrupt") from exc
    try:
        if len(pdf) > MAX_PAGES:
            raise UnusableInput(f"PDF 有 {len(pdf)} 页，超过 {MAX_PAGES} 页，不像是一份年度报告。", code="too_large")
        deadline = time.monotonic() + MAX_SECONDS
        reader = _Reader()
        for number in range(len(pdf)):
            if time.monotonic() > deadline:
                raise UnusableInput(
                    f"PDF 读取超时（超过 {MAX_SECONDS:.0f} 秒，读到第 {number} 页），不像是一份年度报告，程序不予读取。",
                    code="too_large",
                )
            page = pdf[number]
            try:
                reader.page(_Page(page, number + 1))
            finally:
                page.close()
    except UnusableInput:
        raise
    except Exception as exc:
        raise UnusableInput("PDF 文件的内容无法读取（文件可能已损坏）。请重新获取原文件。", code="corrupt") from exc
    finally:
        pdf.close()
    if not reader.any_text:
        raise UnusableInput(
            "这份 PDF 没有文字层，是扫描件或图片，程序无法读出其中的文字和数字（不做文字识别）。"
            "请提供同一报告的 Word、网页版本，或可复制文字的 PDF。",
            code="scanned",
        )
    return reader.finish()


_STREAM = re.compile(rb"stream\r?\n")


def check_inflated(data: bytes) -> None:
    """Refuse a file whose compressed streams inflate past the limits (a Flate bomb: a few hundred
    KB that unpack to gigabytes), measured in bounded steps before any PDF engine unpacks them."""
    total = 0
    view = memoryview(data)  # pieces without copies: a report has hundreds of small streams
    for m in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        pos, size = m.end(), 0
        try:
            while not inflater.eof and pos < len(data):
                piece = view[pos : pos + 65536]
                pos += len(piece)
                out = inflater.decompress(piece, 1 << 20)
                while True:
                    size += len(out)
                    if size > MAX_STREAM or total + size > MAX_INFLATED:
                        limit = MAX_STREAM if size > MAX_STREAM else MAX_INFLATED
                        raise UnusableInput(
                            f"PDF 文件中的压缩数据解压后过大（超过 {limit // 1024 // 1024} MB），"
                            "可能是恶意构造的文件，程序不予读取。请重新获取原文件。",
                            code="too_large",
                        )
                    if not inflater.unconsumed_tail:
                        break
                    out = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
        except zlib.error:
            pass  # not a Flate stream (an image, another filter): PDFium reads it, if anything does
        total += size


class _Page:
    """One page as the reader needs it: characters (text, x0, x1, top, bottom, size) and ruling-line
    edges with a top-left origin, as pdfplumber describes them."""

    def __init__(self, page: Any, number: int):
        import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

        self.number = number
        w, h = page.get_width(), page.get_height()
        textpage = page.get_textpage()
        try:
            raw = textpage.raw
            count = pdfium_c.FPDFText_CountChars(raw)
            if count > MAX_CHARS:
                raise UnusableInput(_TOO_COMPLEX.format(page=number, what=f"有 {count} 个字符"), code="too_large")
            turn = _turn(raw, count)
            if turn:
                raise UnusableInput(
                    f"PDF 第 {number} 页的文字是转了 {turn} 度排印的（例如横排的表格页整页转印），程序不读旋转排印的文字，"
                    "以免读错数字。请提供同一报告的 Word、网页版本，或把该页转正后另存的 PDF。",
                    code="rotated",
                )
            self.width, self.height = w, h
            self.bbox = (0, 0, w, h)
            self.chars = self._chars(raw, count)
        finally:
            textpage.close()
        self.edges: list[dict] = []
        x, y = ctypes.c_float(), ctypes.c_float()
        self._point = (x, y, ctypes.byref(x), ctypes.byref(y))
        self._walk(page.raw, None, 0)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A point of PDF space (y up) as (x, top). The page's /Rotate is how a viewer shows it,
        not how its text runs: the text is read as it stands in PDF space."""
        return x, self.height - y

    def _chars(self, raw: Any, count: int) -> list[dict]:
        """Every printed character: its code from one bulk read, its box, baseline and size; the
        size (font size times the text matrix's scale) once per loose-box height (one font at one
        size). Two calls into PDFium a character: this loop is most of the read."""
        import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

        units = (ctypes.c_ushort * (count + 1))()
        pdfium_c.FPDFText_GetText(raw, 0, count, units)
        loose_box, origin = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
        generated = pdfium_c.FPDFText_IsGenerated
        rect, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        sizes: dict[float, float] = {}
        h = self.height
        chars = []
        for i in range(count):
            code = units[i]
            if code in (0, 10, 13, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
                continue
            if code == 32 and generated(raw, i) == 1:
                continue  # a space PDFium infers between words, not a printed one
            loose_box(raw, i, rect)
            origin(raw, i, ox, oy)
            key = rect.top - rect.bottom  # one font at one size: one loose box height
            size = sizes.get(key)
            if size is None:
                pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
                size = sizes[key] = pdfium_c.FPDFText_GetFontSize(raw, i) * math.hypot(matrix.c, matrix.d)
            x0, x1, bottom = rect.left, rect.right, h - oy.value
            chars.append(
                {
                    "text": chr(code),
                    "x0": x0,
                    "x1": x1,
                    "top": bottom - size,
                    "bottom": bottom,
                    "doctop": bottom - size,
                    "size": size,
                    "upright": True,
                }
            )
        return chars

    def _walk(self, parent: Any, form: Any, depth: int, outer: tuple[float, ...] = (1, 0, 0, 1, 0, 0)) -> None:
        """Every path object, inside forms too (their matrices composed), as edges."""
        import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

        if form:
            count, get_object = pdfium_c.FPDFFormObj_CountObjects(form), pdfium_c.FPDFFormObj_GetObject
            owner = form
        else:
            count, get_object = pdfium_c.FPDFPage_CountObjects(parent), pdfium_c.FPDFPage_GetObject
            owner = parent
        get_type, get_matrix = pdfium_c.FPDFPageObj_GetType, pdfium_c.FPDFPageObj_GetMatrix
        path_kind, form_kind = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
        matrix = pdfium_c.FS_MATRIX()
        for k in range(count):
            obj = get_object(owner, k)
            kind = get_type(obj)
            if kind != path_kind and kind != form_kind:
                continue
            get_matrix(obj, matrix)
            m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            if kind == form_kind:
                if depth < 8:
                    self._walk(parent, obj, depth + 1, m)
                continue
            self._path(obj, m)
            if len(self.edges) > MAX_EDGES:
                raise UnusableInput(
                    _TOO_COMPLEX.format(page=self.number, what=f"的表格线超过 {MAX_EDGES} 段"), code="too_large"
                )

    def _path(self, obj: Any, m: tuple[float, ...]) -> None:
        """A path's straight pieces as edges: only level and upright ones, the only ones a table
        finder uses (a curve's or a slanted line's pieces are no ruling line). A page has hundreds
        of paths: PDFium's functions are bound once, the page's two point buffers and their
        references made once (ctypes would make a reference for each call)."""
        count_segments, get_segment, get_point, get_type, get_close, moveto = _segments_api()
        x, y, rx, ry = self._point
        a, b, c, d, e, f = m
        h = self.height
        subpaths: list[list[tuple[float, float]]] = []
        for k in range(count_segments(obj)):
            segment = get_segment(obj, k)
            get_point(segment, rx, ry)
            px, py = x.value, y.value
            p = (a * px + c * py + e, h - (b * px + d * py + f))
            if not subpaths or get_type(segment) == moveto:
                subpaths.append([p])
            else:
                subpaths[-1].append(p)
                if get_close(segment) and subpaths[-1][0] != p:
                    subpaths[-1].append(subpaths[-1][0])
        edges = self.edges
        for points in subpaths:
            for (x0, t0), (x1, t1) in itertools.pairwise(points):
                if x0 == x1:
                    orientation = "v"
                elif t0 == t1:
                    orientation = "h"
                else:
                    continue
                top = min(t0, t1)
                edges.append(
                    {
                        "object_type": "curve_edge",
                        "x0": min(x0, x1),
                        "x1": max(x0, x1),
                        "top": top,
                        "doctop": top,
                        "bottom": max(t0, t1),
                        "width": abs(x0 - x1),
                        "height": abs(t0 - t1),
                        "orientation": orientation,
                    }
                )

    def find_tables(self) -> list:
        """The tables its ruling lines draw (pdfplumber's "lines" strategy, `pdftables`)."""
        from xltools.published.pdftables import TooManyCells, find_tables

        try:
            return find_tables(self.edges, MAX_CELLS)
        except TooManyCells as exc:
            raise UnusableInput(
                _TOO_COMPLEX.format(page=self.number, what=f"的表格有 {exc.args[0]} 个格子以上"), code="too_large"
            ) from exc


@functools.cache
def _segments_api() -> tuple[Any, ...]:
    """PDFium's path-segment functions and the MOVETO type, looked up once."""
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    return (
        pdfium_c.FPDFPath_CountSegments,
        pdfium_c.FPDFPath_GetPathSegment,
        pdfium_c.FPDFPathSegment_GetPoint,
        pdfium_c.FPDFPathSegment_GetType,
        pdfium_c.FPDFPathSegment_GetClose,
        pdfium_c.FPDF_SEGMENT_MOVETO,
    )


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix applying `inner` first, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _turn(raw: Any, count: int) -> int:
    """The angle (0, 90, 180, 270) most of the page's characters are turned by in PDF space
    (a sample of up to 200 of them)."""
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    votes: dict[int, int] = {}
    for i in range(0, count, max(1, count // 200)):
        angle = pdfium_c.FPDFText_GetCharAngle(raw, i)
        if angle < 0 or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
            continue
        turn = round(-math.degrees(angle) / 90) % 4 * 90  # PDFium measures clockwise; `turn` counter-clockwise
        votes[turn] = votes.get(turn, 0) + 1
    return max(votes, key=lambda t: votes[t]) if votes else 0


def _text(s: str | None) -> str:
    """A cell's text: lines joined (a wrap inside Chinese text is no space), radicals as characters."""
    if not s:
        return ""
    lines = [_unspace(line.strip()) for line in _radicals(s).split("\n")]
    out = ""
    for line in lines:
        if out and line and out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " " + line
        else:
            out += line
    return clean(out)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# The CJK Radicals Supplement has no compatibility mapping; these are the ones that are also
# whole characters (Unicode's EquivalentUnifiedIdeograph.txt).
_SUPPLEMENT = str.maketrans(
    "⺟⺠⺩⻄⻅⻆⻉⻋⻓⻔⻙⻚⻛⻜⻢⻥⻦⻧⻨⻩⻬⻮⻰⻳", "母民王西见角贝车长门韦页风飞马鱼鸟卤麦黄齐齿龙龟"
)


# Kangxi radicals whose compatibility mapping is the traditional variant of a character that a
# simplified-Chinese font draws the same way (⼾ is 戶, but the page shows 户).
_KANGXI_VARIANTS = str.maketrans("戶靑黃", "户青黄")


def _radicals(s: str) -> str:
    """Browsers' PDFs often map 一, 人, 行, 民 to radical code points (U+2F00…, U+2E80…): the same
    glyph, a different character. They are read as the ideographs they show."""
    s = s.replace("\u2015", "\u2014")  # the dash glyph of CJK fonts is mapped to the horizontal bar
    if not any("\u2e80" <= ch <= "\u2fdf" for ch in s):
        return s
    s = s.translate(_SUPPLEMENT)
    return "".join(
        unicodedata.normalize("NFKC", ch).translate(_KANGXI_VARIANTS) if "\u2f00" <= ch <= "\u2fdf" else ch for ch in s
    )


_DASH_SPACE = re.compile(r"(?<=\d[-－]) +(?=\d)")  # 0517- 83605210
_SPACE_BY_WIDE = re.compile(r"(?<=[^\x00-\u2e7f]) +| +(?=[^\x00-\u2e7f])")


def _unspace(text: str) -> str:
    """Justified lines spread their characters; no space belongs beside a Chinese character
    ("2024 年" is 2024年, "淮安 市" is 淮安市)."""
    return _DASH_SPACE.sub("", _SPACE_BY_WIDE.sub("", text))


class _Reader:
    def __init__(self):
        self.items: list[tuple[str, object]] = []  # ("line", _Line) or ("row", cells)
        self.any_text = False
        self.table_open = False  # the last thing read was a table row (a table may run on)

    def page(self, page: _Page) -> None:
        tables = page.find_tables()
        boxes = [t.bbox for t in tables]
        chars = [c for c in page.chars if c["text"].strip()]
        self.any_text = self.any_text or bool(chars)
        lines = _lines([c for c in chars if not any(_inside(c, box) for box in boxes)])
        outside = lines
        outside = [ln for ln in outside if not _PAGE_NUMBER.match(ln["text"])]
        left = min((ln["x0"] for ln in outside), default=0)
        right = max((ln["x1"] for ln in outside), default=page.width)
        events = [(ln["top"], "line", ln) for ln in outside] + [(t.bbox[1], "table", t) for t in tables]
        events.sort(key=lambda e: e[0])
        for i, (_, kind, item) in enumerate(events):
            if kind == "line":
                size = item["chars"][0]["size"] if item["chars"] else 0
                segments = _segments(item["chars"], size or 10.0)
                if len(segments) > 1:  # a row of a table drawn without lines: cells stand apart
                    self.items.append(("row", segments))
                    self.table_open = False
                    continue
                text = _unspace(_radicals(item["text"]))
                self.items.append(("line", _Line(item["x0"], item["x1"], text, left, right, round(size, 1))))
                self.table_open = False
                continue
            rows = [[_text(c) if c is not None else None for c in row] for row in item.extract(page.chars)]
            rows = [r for r in rows if any(c for c in r)]
            if not rows:
                continue
            continues = self.table_open and i == 0
            self._table(rows, continues)
            self.table_open = True

    def _table(self, rows: list[list[str | None]], continues: bool) -> None:
        first = rows[0]
        if continues and self.items and self.items[-1][0] == "row":
            last = self.items[-1][1]
            if len(last) == len(first) and (_no_values(first) or _no_values(last)) and not first[0]:
                # a row the page break cut in two: its label continues, its numbers on one side
                self.items[-1] = ("row", [_join(a, b) for a, b in zip(last, first, strict=True)])
                rows = rows[1:]
        self.items += [("row", r) for r in rows]

    def finish(self) -> list[Block]:
        blocks: list[Block] = []
        para: list[str] = []
        prev = None

        def flush():
            nonlocal para
            text = clean("".join(para))
            if text:
                blocks.append(Block(text))
            para = []

        for kind, item in self.items:
            if kind == "row":
                flush()
                prev = None
                cells = [c for c in item if c is not None]
                if len([c for c in cells if c]) == 1:
                    blocks.append(Block(next(c for c in cells if c)))
                elif cells:
                    blocks.append(Block.row(cells))
                continue
            em = item.size or 10.0
            if prev is not None and item.centred and prev.centred and item.size == prev.size:
                starts = False  # a centred title printed on two lines
            else:
                starts = (
                    prev is None
                    or item.x0 > item.left + em * 0.8
                    or (prev.x1 < prev.right - 1.5 * em and _ends_paragraph(prev.text))
                    or prev.centred
                    or _starts_part(item.text)
                )
            text = item.text
            if starts:
                flush()
            elif (
                para
                and para[-1][-1:].isascii()
                and para[-1][-1:].isalpha()
                and text[:1].isascii()
                and text[:1].isalpha()
            ):
                para.append(" ")  # English words wrapped; Chinese text and numbers wrap anywhere
            para.append(text.strip())
            prev = item
        flush()
        return blocks


def _lines(chars: list[dict]) -> list[dict]:
    """Characters grouped into printed lines (by their baseline), each read left to right. Built
    here rather than by pdfplumber's line search, which splits a justified line at wide gaps."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["bottom"]), c["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - ch["bottom"]) <= _LINE_TOLERANCE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        text = ""
        for prev, ch in zip([None, *line[:-1]], line, strict=True):
            if prev is not None and ch["x0"] - prev["x1"] > 0.3 * (ch["size"] or 10):
                text += " "
            text += ch["text"]
        out.append(
            {
                "x0": line[0]["x0"],
                "x1": max(c["x1"] for c in line),
                "top": min(c["top"] for c in line),
                "bottom": max(c["bottom"] for c in line),
                "text": text,
                "chars": line,
            }
        )
    return out


def _segments(chars: list[dict], size: float) -> list[str]:
    """A line's text split where a gap wider than a character stands: the cells of
    a table printed without ruling lines. Justified text never spreads that far. A number half
    a character or more after a Chinese character is a cell of its own too (a row label wrapped
    close to its number cell, as in a row whose borders a page break left open); in running
    text a number follows a character with no gap."""
    parts: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: c["x0"]):
        gap = ch["x0"] - parts[-1][-1]["x1"] if parts else 0.0
        if parts and gap > size / 2 and ch["text"].isdigit() and _wide(parts[-1][-1]["text"]):
            parts.append([ch])
        elif parts and gap <= size:
            parts[-1].append(ch)
        else:
            parts.append([ch])
    return [t for t in (_unspace(_radicals("".join(c["text"] for c in p)).strip()) for p in parts) if t]


class _Line:
    """One printed line outside the tables, with the text column it sits in."""

    def __init__(self, x0: float, x1: float, text: str, left: float, right: float, size: float):
        self.x0, self.x1, self.text, self.left, self.right, self.size = x0, x1, text, left, right, size

    @property
    def centred(self) -> bool:
        em = self.size or 10.0
        before, after = self.x0 - self.left, self.right - self.x1
        inset = before > 2.5 * em and after > 2 * em  # not a full line, not a first line's 2-em indent
        return inset and abs(before - after) < em  # the same room on both sides


_PART_START = re.compile(r"^\s*(?:[一二三四五六]、|[（(][一二三四五六七八九十][）)])")


# A line that stops short of the margin ends its paragraph, unless it stops mid-sentence: a
# left-aligned line (the contact line) wraps early before an unbreakable e-mail address or number.
_SENTENCE_END = "。！？；.!?;…”’）)】》"


def _ends_paragraph(text: str) -> bool:
    """Whether a line that stops short can end a paragraph: it ends a sentence, or is a heading."""
    text = text.rstrip()
    return not text or text[-1] in _SENTENCE_END or _starts_part(text) or len(text) <= 12


def _starts_part(text: str) -> bool:
    return bool(_PART_START.match(text))


def _no_values(row: list[str | None]) -> bool:
    return not any(c and re.fullmatch(r"[\d.,\s]+", c) for c in row)


def _join(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b if b else None
    if not b:
        return a
    return a + b if not a or not b or _wide(a[-1]) or _wide(b[0]) else f"{a} {b}"


def _inside(line: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    cy = (line["top"] + line["bottom"]) / 2
    cx = (line["x0"] + line["x1"]) / 2
    return top - 1 <= cy <= bottom + 1 and x0 - 1 <= cx <= x1 + 1
