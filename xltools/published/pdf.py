"""Reading a text PDF (what LibreOffice, Word, WPS or a browser prints) with pdfplumber.

Why pdfplumber: a report's tables are what matter, and a PDF has no tables, only words and lines
at positions. pdfplumber (on pdfminer.six) gives both the words and the ruling lines and rebuilds
table cells from the lines, so a label that wraps onto a second line stays one cell and a merged
cell is one cell; pdfminer.six alone gives text boxes but no cells; pypdfium2 is fast but gives
characters and no ruling lines, which would mean writing the cell finder ourselves.

Tables become rows of cells (a cell spanning rows or columns given once, as the other readers
do); the text around them becomes paragraphs, rebuilt from the printed lines: a line that starts
indented, or follows a line that stops short of the right margin, starts a paragraph. Page
numbers and the lines of a page break are not the report's. A table that runs on to the next page
continues; a row the page break cut in two is joined again.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

from xltools.errors import UnusableInput
from xltools.published.blocks import Block, check_size, clean

MAX_PAGES = 200  # a report is 5 to 30 pages
MAX_OBJECTS = 200_000  # indirect objects in the file; a report has a few thousand
PDF_MAGIC = b"%PDF-"
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*/\s*\d{1,3})?(?:\s*共\s*\d+\s*页)?[-—–－\s]*$")
_LINE_TOLERANCE = 3  # points: words this close vertically sit on one line


def read_pdf(data: bytes) -> list[Block]:
    check_size(data)
    if not data.lstrip()[:1024].find(PDF_MAGIC) >= 0:
        raise UnusableInput("这不是 PDF 文件，可能只是改了扩展名。请提供原始的 PDF、Word 或网页文件。", code="not_pdf")
    if data.count(b" obj") > MAX_OBJECTS:
        raise UnusableInput("PDF 文件的内部对象过多，不像是一份年度报告，程序不予读取。", code="too_large")
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of browser-made PDFs
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except Exception as exc:  # pdfminer raises many kinds for a damaged or encrypted file
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise UnusableInput(
                "PDF 文件设有密码，程序无法读取。请提供未加密的 PDF，或同一报告的 Word、网页版本。", code="encrypted"
            ) from exc
        raise UnusableInput("PDF 文件已损坏，无法打开。请重新获取原文件。", code="corrupt") from exc
    with pdf:
        if len(pages) > MAX_PAGES:
            raise UnusableInput(f"PDF 有 {len(pages)} 页，超过 {MAX_PAGES} 页，不像是一份年度报告。", code="too_large")
        try:
            reader = _Reader()
            for page in pages:
                reader.page(page)
                page.flush_cache()
        except UnusableInput:
            raise
        except Exception as exc:
            raise UnusableInput("PDF 文件的内容无法读取（文件可能已损坏）。请重新获取原文件。", code="corrupt") from exc
    if not reader.any_text:
        raise UnusableInput(
            "这份 PDF 没有文字层，是扫描件或图片，程序无法读出其中的文字和数字（不做文字识别）。"
            "请提供同一报告的 Word、网页版本，或可复制文字的 PDF。",
            code="scanned",
        )
    return reader.finish()


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

    def page(self, page) -> None:
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
            rows = [[_text(c) if c is not None else None for c in row] for row in item.extract()]
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
    a table printed without ruling lines. Justified text never spreads that far."""
    parts: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: c["x0"]):
        if parts and ch["x0"] - parts[-1][-1]["x1"] <= size:
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
