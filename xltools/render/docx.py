"""Word (.docx) by python-docx, following GB/T 9704《党政机关公文格式》.

A4, margins 37/35/28/26 mm, 22 lines a page; title 方正小标宋简体 二号, body 仿宋_GB2312 三号,
part titles 黑体 三号, run-in sub-headings 楷体_GB2312 三号, page numbers "— 1 —" at the foot.
Word takes Chinese text's font from w:eastAsia, which python-docx does not set, so every run
and style here sets it explicitly. Tables have the official merged headers, and their header
rows repeat on each page.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
from dataclasses import replace
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_UNDERLINE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt, RGBColor

from xltools.render.breaks import ENUMERATOR, NO_END, NO_START, orphan
from xltools.render.document import (
    DRAFT_NOTE,
    HEADER,
    INVALID,
    LABEL,
    PROBLEMS_TITLE,
    RELATED,
    VALUE,
    Document,
    Grid,
    Paragraph,
)
from xltools.render.txt import _widths
from xltools.text import wide

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号
WIDE_TABLE_SIZE = Pt(9)  # 小五, for tables of many columns
LINE = Pt(28)  # 22 lines on a page of 225 mm
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH = PAGE_W - MARGINS["left"] - MARGINS["right"]


def render_document(doc: Document) -> bytes:
    d = new_docx()
    _page(d)
    _styles(d)
    if doc.banner:
        _banner(d, doc.banner)
    if doc.problems:
        _problems(d, doc)
    # each style looked up by name once (python-docx searches every style on each lookup)
    title_id, heading_id = (d.styles[name].style_id for name in ("Title", "Heading 1"))
    title = d.add_paragraph()
    title._p.style = title_id
    for i, line in enumerate(doc.title_parts):
        run = _run(title, line, TITLE_FONT, SIZE_2)
        if i < len(doc.title_parts) - 1:
            run.add_break()  # a manual line break between words, not where the width runs out
    for p in doc.preamble:
        _body(d, p)
    for part in doc.parts:
        h = d.add_paragraph()
        h._p.style = heading_id
        _run(h, part.title, H1_FONT, SIZE_3)
        for block in part.blocks:
            if isinstance(block, Grid):
                _table(d, block)
            else:
                _body(d, block)
    _keep_closing(d, heading_id)
    core = d.core_properties
    core.title = doc.title
    core.author = "xltools"
    core.comments = doc.banner or ""
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# --- page, styles, runs ------------------------------------------------------------------------


def _page(d) -> None:
    s = d.sections[0]
    s.page_width, s.page_height = PAGE_W, PAGE_H
    s.top_margin, s.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    s.left_margin, s.right_margin = MARGINS["left"], MARGINS["right"]
    s.footer_distance = Mm(28) - Mm(7)  # the page number sits 7 mm below the text block
    s.start_type = WD_SECTION.NEW_PAGE
    footer = s.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", PAGE_NUMBER_FONT, SIZE_4)
    _field(footer, "PAGE", PAGE_NUMBER_FONT, SIZE_4)
    _run(footer, " —", PAGE_NUMBER_FONT, SIZE_4)


def set_fonts(element_rpr, name: str) -> None:
    """Set every script's font, East Asian included, on a w:rPr."""
    fonts = element_rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        element_rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _style_font(style, name: str, size, *, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element.get_or_add_rPr(), name)


def _styles(d) -> None:
    normal = d.styles["Normal"]
    _style_font(normal, BODY_FONT, SIZE_3)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")  # Chinese line breaking and punctuation
    _chinese_defaults(d)
    _no_hanging_in_libreoffice(normal)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = pf.space_after = Pt(0)
    title = d.styles["Title"]
    _style_font(title, TITLE_FONT, SIZE_2)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the default Title has a rule under it
        ppr.remove(border)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = LINE
    h1 = d.styles["Heading 1"]
    _style_font(h1, H1_FONT, SIZE_3)
    h1.paragraph_format.first_line_indent = Pt(32)
    h1.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    h1.paragraph_format.line_spacing = LINE
    h1.paragraph_format.space_before = h1.paragraph_format.space_after = Pt(0)
    h1.paragraph_format.keep_with_next = True


def _no_hanging_in_libreoffice(style) -> None:
    """w:overflowPunct="1" on the body style: Word's own default (a full stop may overhang the
    margin), so Word is unchanged; LibreOffice reads the attribute inverted (its DOCX
    import sets hanging punctuation to `value == 0`) and so sets these lines without hanging
    punctuation. Hanging, LibreOffice 7.x neither draws nor keeps in the PDF's text a 。 that
    ends a justified line set in Noto Serif CJK (tests/test_render_fonts.py)."""
    ppr = style.element.get_or_add_pPr()
    mark = ppr.find(qn("w:overflowPunct"))
    if mark is None:
        mark = OxmlElement("w:overflowPunct")
        ppr.insert_element_before(
            mark,
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        )
    mark.set(qn("w:val"), "1")


def _chinese_defaults(d) -> None:
    """Chinese as the document's East Asian language everywhere it is stated: python-docx's
    default template says ja-JP (settings' theme language) and en-US (the default run
    properties), which led LibreOffice, lacking the named fonts, to Japanese glyph forms."""
    settings = d.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:eastAsia"), "zh-CN")
    defaults = d.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for lang in defaults.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")


def _run(paragraph, text: str, font: str, size, *, bold: bool = False, color: RGBColor | None = None):
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    set_fonts(run._element.get_or_add_rPr(), font)
    return run


def _field(paragraph, code: str, font: str, size) -> None:
    """A Word field (PAGE): begin, instruction, separate, a shown value, end."""
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(paragraph, "", font, size)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif text.strip() == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text


def _banner(d, banner: str) -> None:
    red = RED
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, banner, H1_FONT, SIZE_3, bold=True, color=red)
    note = d.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(note, DRAFT_NOTE, BODY_FONT, SIZE_4, color=red)
    header = d.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(header, banner, H1_FONT, SIZE_4, bold=True, color=red)


RED = RGBColor(0xC0, 0, 0)


def _mark(run) -> None:
    """A draft's refused figure or sentence: red with a wavy underline, as a spelling checker marks."""
    run.font.color.rgb = RED
    run.font.underline = WD_UNDERLINE.WAVY
    u = run._element.rPr.find(qn("w:u"))
    u.set(qn("w:color"), "C00000")


def _problems(d, doc: Document) -> None:
    """A draft's errors at its start, each with its cell, so a reviewer sees what is not yet true."""
    head = d.add_paragraph()
    head.paragraph_format.keep_with_next = True
    _run(head, PROBLEMS_TITLE.format(n=len(doc.problems)), H1_FONT, SIZE_4, color=RED)
    for i, p in enumerate(doc.problems, start=1):
        para = d.add_paragraph()
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.space_after = Pt(3)
        para.paragraph_format.left_indent = Pt(21)
        para.paragraph_format.first_line_indent = Pt(-21)
        _run(para, f"{i}. ", BODY_FONT, TABLE_SIZE)
        if p.where:
            _run(para, f"【{p.where}】", H1_FONT, TABLE_SIZE, color=RED)
        _run(para, p.message, BODY_FONT, TABLE_SIZE)
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _body(d, p: Paragraph) -> None:
    para = d.add_paragraph()
    para.paragraph_format.first_line_indent = Pt(32)  # two characters
    para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if p.justify else WD_ALIGN_PARAGRAPH.LEFT
    if p.lead:
        _run(para, p.lead, H2_FONT, SIZE_3)
    if p.text:
        run = _run(para, p.text, BODY_FONT, SIZE_3)
        if p.invalid:
            _mark(run)


CLOSING_LINES = 2  # lines of body text that print on the last page with the report's closing
CARRY_LINES = 6  # a paragraph this short is carried whole with the closing where a reader keeps it whole
CHARS_A_LINE = int(TEXT_WIDTH / SIZE_3)  # a body line's characters (三号 across the text block)


def _lines_of(text: str) -> int:
    return math.ceil((len(text) + 2) / CHARS_A_LINE)  # with the first line's indent


def _text_of(element) -> str:
    """A block's text (its w:t elements; python-docx's element classes repeat it in itertext)."""
    return "".join(t.text or "" for t in element.iter(qn("w:t"))).strip()


def _keep_closing(d, heading: str) -> None:
    """The report's closing (its last paragraph) never stands alone on the last page, nor its last
    line or two: it is kept whole (w:keepLines, when short) and with the body text before it (the
    headings between hold with what follows already): keep-with-next and widow control on the
    paragraphs before it, back to CLOSING_LINES lines. Word carries a paragraph's last two lines
    with the next; LibreOffice carries the whole paragraph, so only short ones (CARRY_LINES) are
    kept: a longer chain than a page would leave a page empty there."""
    blocks = [e for e in d.element.body if e.tag in (qn("w:p"), qn("w:tbl"))]
    text = _text_of(blocks[-1]) if blocks and blocks[-1].tag == qn("w:p") else ""
    if not text:
        return
    closing = blocks[-1].get_or_add_pPr()
    closing.widowControl_val = True
    if _lines_of(text) > CARRY_LINES:
        return
    closing.keepLines_val = True
    lines = 0
    for e in reversed(blocks[:-1]):
        text = _text_of(e)
        if e.tag != qn("w:p") or not text or lines >= CLOSING_LINES or _lines_of(text) > CARRY_LINES:
            break
        if e.style == heading:  # keeps with the next by its style
            continue
        ppr = e.get_or_add_pPr()
        ppr.keepNext_val = ppr.widowControl_val = True
        lines += _lines_of(text)


# --- tables -------------------------------------------------------------------------------------


SMALL_SIZES = (Pt(7.5), Pt(6.5))  # 六号 and smaller, for tables of very large numbers
DIGIT = 0.62  # a digit's width, in ems of the font size (the widest of the fallback fonts)
CELL_PAD = Mm(4.2)  # Word's default cell margins (1.9 mm a side) and a little air
NARROW_MARGIN = Mm(1)  # a cell's left and right margin in a table of many columns
NARROW_PAD = Mm(2.4)  # those margins and a little air: table 四's 15 columns keep table 三's size


def _header_chars(text: str) -> int:
    """Characters on the widest line of a column heading: a word of up to three characters stays
    whole (自然人, never 自然／人), a longer one breaks between its two-character words (商业／企业)."""
    return len(text) if len(text) <= 3 else 2


def column_widths(grid: Grid) -> tuple[list[int], Pt]:
    """Column widths in EMU across the text block, and the font size that lets them fit."""
    widths, size, _ = table_layout(grid)
    return widths, size


def table_layout(grid: Grid) -> tuple[list[int], Pt, int]:
    """Column widths in EMU across the text block, the font size that lets them fit, and the
    cells' horizontal padding (CELL_PAD, or NARROW_PAD when narrower margins keep the size).

    A number column is at least as wide as its longest number and its heading (see
    `_header_chars`); label columns share the rest in proportion to their text, then their
    split is chosen so that no label wraps with a single character on its last line (see
    `_fit_labels`). When the numbers do not fit at the usual size, the cells' margins narrow
    first (a table of many columns is set in the same size as table 三), then the table's size
    steps down (large numbers do not wrap until they no longer fit at the smallest size)."""

    m = grid.matrix()
    label_widths = _widths(grid, 8, 24)
    value_cols = [
        any(row[k] is not None and row[k].kind == VALUE and row[k].colspan == 1 for row in m)
        for k in range(grid.n_cols)
    ]
    base = WIDE_TABLE_SIZE if grid.n_cols > 4 else TABLE_SIZE
    tries = [(base, int(CELL_PAD)), (base, int(NARROW_PAD)), *((s, int(NARROW_PAD)) for s in SMALL_SIZES)]
    for size, pad in tries:
        need, prefer = [], []
        for k in range(grid.n_cols):
            cells = [row[k] for row in m if row[k] is not None and row[k].colspan == 1]
            if value_cols[k]:
                # a draft's refused value (14 digits typed by mistake) may wrap: it does not size the table
                digits = max([len(c.text) for c in cells if c.kind == VALUE and not c.mark] + [1])
                chars = max([_header_chars(c.text) for c in cells if c.kind == HEADER] + [2])
                w = int(max(digits * DIGIT, chars) * size) + pad
                need.append(w)
                prefer.append(w)
            else:
                need.append(int(4 * size) + pad)  # a label column holds four characters at least
                prefer.append(int(label_widths[k] * size / 2) + pad)  # txt widths count half-em columns
        if sum(need) <= TEXT_WIDTH:
            break
    spare = int(TEXT_WIDTH) - sum(need)
    if spare <= 0:  # the numbers do not fit even small: labels keep their room, the numbers wrap
        label_room = sum(n for n, v in zip(need, value_cols, strict=True) if not v)
        numbers = sum(n for n, v in zip(need, value_cols, strict=True) if v)
        left = int(TEXT_WIDTH) - label_room
        widths = [int(left * n / numbers) if v else n for n, v in zip(need, value_cols, strict=True)]
    elif sum(prefer) <= TEXT_WIDTH:  # everything fits as preferred: widen in proportion
        widths = [int(TEXT_WIDTH * w / sum(prefer)) for w in prefer]
    else:  # the label columns share what the numbers leave
        extra = [p - n for p, n in zip(prefer, need, strict=True)]
        widths = [n + int(spare * e / sum(extra)) for n, e in zip(need, extra, strict=True)]
    widths[-1] += int(TEXT_WIDTH) - sum(widths)
    return _fit_labels(grid, widths, value_cols, size, pad), size, pad


# --- where a cell's text wraps ------------------------------------------------------------------


# A half-width character's width in ems: in the 公文 fonts (仿宋_GB2312) every one is half an em;
# where they are missing LibreOffice sets them in DejaVu Sans (digits 0.64, a full stop 0.32).
FACES = ("gb", "fallback")
_NARROW = frozenset(".,:;!|'il ")


def _half(ch: str, face: str) -> float:
    return 0.5 if face == "gb" else 0.32 if ch in _NARROW else 0.64


@functools.cache
def _line_width(text: str, size: float, face: str = "fallback") -> float:
    return sum(size if wide(ch) else _half(ch, face) * size for ch in text)


@functools.cache
def wrap(text: str, room: float, size: float, face: str = "fallback") -> tuple[str, ...]:
    """The lines `text` takes in `room` points at `size`, broken as a word processor breaks
    Chinese: between any two Chinese characters, never inside a run of Latin letters and digits
    ("2."), no closing punctuation at the start of a line nor an opening one at its end."""
    lines: list[str] = []
    for para in text.split("\n"):
        tokens: list[str] = []
        for is_wide, group in itertools.groupby(para, wide):
            chars = list(group)
            tokens.extend(chars if is_wide else ["".join(chars)])
        units: list[str] = []  # what cannot be broken apart
        for t in tokens:
            if units and (t[0] in NO_START or units[-1][-1] in NO_END):
                units[-1] += t
            else:
                units.append(t)
        line, used = "", 0.0
        for u in units:
            w = _line_width(u, size, face)
            if line and used + w > room:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + u, used + w
        lines.append(line)
    return tuple(lines)


@functools.cache
def label_lines(text: str, room: float, size: float, face: str = "fallback") -> tuple[str, ...]:
    """A label's printed lines: wrapped, except that a label starting with an enumerator
    (（三）不予公开) that wraps anyway breaks after it (（三）/不予公开, never （三）不/予公开)."""
    lines = wrap(text, room, size, face)
    m = ENUMERATOR.match(text)
    if len(lines) > 1 and m and m.end() < len(text):
        rest = wrap(text[m.end() :], room, size, face)
        if 1 + len(rest) <= len(lines):
            return (m.group(), *rest)
    return lines


def _label_breaks(text: str, room: float, size: float) -> str:
    """A label with the line breaks it needs: after its enumerator (（三）/不予公开), and where a
    single character would still be left on the last line in either face (a table of very large
    numbers leaves its labels little room), before the last two (…公开/申请)."""
    lines = label_lines(text, room, size)
    if len(lines) > 1 and ENUMERATOR.fullmatch(lines[0]):
        text = lines[0] + "\n" + text[len(lines[0]) :]
    if orphan(lines) and orphan(label_lines(text, room, size, "gb")):
        k = len(lines[-1]) + 1
        while k < len(lines[-2]) + len(lines[-1]) and text[-k] in NO_START | NO_END:
            k += 1
        if k < len(lines[-2]) + len(lines[-1]):
            text = text[:-k] + "\n" + text[-k:]
    return text


def _fit_labels(grid: Grid, widths: list[int], value_cols: list[bool], size: Pt, pad: int) -> list[int]:
    """The label columns' widths re-split (their sum kept) so that no label leaves a single
    character on its last line, then the table is as short as can be: table 三's outer label
    columns (三、本年度办理结果, （三）不予公开) narrow, its row labels wide."""
    labels = list(itertools.takewhile(lambda k: not value_cols[k], range(grid.n_cols)))
    if len(labels) < 2:  # table 二's one label column has room to spare
        return widths
    budget = sum(widths[k] for k in labels)
    cells = [c for c in grid.cells if c.kind == LABEL and c.col + c.colspan <= len(labels)]
    pt = size.pt

    def cost(ws: list[int]) -> tuple[int, int, int, int]:
        overflows, orphans, rows, spans = 0, 0, [1] * grid.n_rows, []
        for c in cells:
            room = (sum(ws[c.col : c.col + c.colspan]) - pad) / 12700
            lines = label_lines(c.text, room, pt)
            orphans += orphan(lines) + orphan(label_lines(c.text, room, pt, "gb"))  # in either face
            overflows += sum(_line_width(line, pt) > room for line in lines)  # a word wider than its cell: （五 / ）
            if c.rowspan == 1:
                rows[c.row] = max(rows[c.row], len(lines))
            else:
                spans.append((c, len(lines)))
        height = sum(rows) + sum(max(0, n - sum(rows[c.row : c.row + c.rowspan])) for c, n in spans)
        return overflows, orphans, height, sum(ws[:-1])

    least = int(4 * size) + pad  # the last label column keeps four characters
    numbers = [k for k in range(len(labels), grid.n_cols)]
    best, best_cost = widths, cost(widths[: len(labels)])
    for quarters in range(17 if numbers else 1):  # the last label column up to 4 ems narrower,
        if quarters and best_cost[:2] == (0, 0):  # only while a label still breaks badly
            break
        give = int(quarters * size / 4)
        for chars in itertools.product(range(2, 7), repeat=len(labels) - 1):  # characters a line
            ws = [int(n * size) + pad for n in chars]
            last = budget - sum(ws) - give
            if last < least:
                continue
            c = cost([*ws, last])
            if c < best_cost:
                rest = [w + give // len(numbers) for w in widths[len(labels) :]] if numbers else []
                best, best_cost = [*ws, last, *rest], c
    best[-1] += int(TEXT_WIDTH) - sum(best)
    return best


PAGE_TEXT_HEIGHT = (PAGE_H - MARGINS["top"] - MARGINS["bottom"]) / 12700  # in points


def _text_width(text: str, size: float) -> float:
    """A text's width in points at `size`: CJK characters one em, others about half."""
    return sum(size if wide(ch) else DIGIT * size for ch in text)


def row_heights(grid: Grid, widths: list[int], size: float, pad: int = int(CELL_PAD)) -> list[float]:
    """Each row's printed height in points, estimated from its one-row cells' wrapped lines."""
    heights = [0.0] * grid.n_rows
    for c in grid.cells:
        if c.rowspan > 1:
            continue
        room = (sum(widths[c.col : c.col + c.colspan]) - pad) / 12700
        if c.kind == LABEL:
            lines = len(label_lines(c.text, room, size))
        else:
            lines = max(1, math.ceil(_text_width(c.text, size) / max(room, size)))
        heights[c.row] = max(heights[c.row], lines * size * ROW_LINE + 1)
    return heights


ROW_LINE = 1.45  # a table line's height in ems, as LibreOffice sets Noto CJK (the 公文 faces take less)
LEAD_IN_ROWS = 3  # at most this many body rows before a table's first group are kept with it


def lead_in(grid: Grid, widths: list[int], size, pad: int = int(CELL_PAD)) -> frozenset[int]:
    """The rows before a table's first group of rows (table 三's 一、 and 二、 before 三、本年度
    办理结果), held with that group when all of it fits on a page: the table then starts on a
    fresh page instead of leaving its header and two rows at the foot of one."""
    body = range(grid.header_rows, grid.n_rows)
    groups = [c.row for c in grid.cells if c.kind == LABEL and c.rowspan > 1 and c.row in body]
    if not groups or min(groups) - grid.header_rows > LEAD_IN_ROWS:
        return frozenset()
    first = min(groups)
    end = max(c.row + c.rowspan for c in grid.cells if c.kind == LABEL and c.row == first)
    heights = row_heights(grid, widths, size.pt, pad)
    if sum(heights[:end]) + LINE.pt > PAGE_TEXT_HEIGHT:  # with the heading before the table
        return frozenset()
    return frozenset(range(first))


def split_tall_groups(grid: Grid, widths: list[int], size, pad: int = int(CELL_PAD)) -> Grid:
    """A group of rows (table 三's 三、本年度办理结果) too tall for one page is printed as two
    groups, each with the label, split between two of its inner groups: the part continued on the
    next page repeats its label, and the page breaks where the split is (each half is kept whole)."""
    heights = row_heights(grid, widths, size.pt, pad)
    room = PAGE_TEXT_HEIGHT - sum(heights[: grid.header_rows]) - 2 * size.pt
    cells = list(grid.cells)
    for c in grid.cells:
        if c.kind != LABEL or c.rowspan < 4 or sum(heights[c.row : c.row + c.rowspan]) <= room:
            continue
        inner = [x for x in grid.cells if x is not c and x.kind == LABEL and x.rowspan > 1 and x.col > c.col]
        inside = {r for x in inner for r in range(x.row + 1, x.row + x.rowspan)}  # rows not to split before
        bounds = [r for r in range(c.row + 1, c.row + c.rowspan) if r not in inside]
        total = sum(heights[c.row : c.row + c.rowspan])
        fits = [r for r in bounds if sum(heights[c.row : r]) <= room and sum(heights[r : c.row + c.rowspan]) <= room]
        if not bounds:
            continue
        r = min(fits or bounds, key=lambda r: abs(sum(heights[c.row : r]) - total / 2))
        cells.remove(c)
        cells.append(replace(c, rowspan=r - c.row))
        cells.append(replace(c, row=r, rowspan=c.row + c.rowspan - r))
    return replace(grid, cells=tuple(cells)) if len(cells) != len(grid.cells) else grid


def _table(d, grid: Grid) -> None:
    widths, size, pad = table_layout(grid)
    grid = split_tall_groups(grid, widths, size, pad)
    keep_rows = grid.keep_with_next() | lead_in(grid, widths, size, pad)
    texts = {
        (c.row, c.col): _label_breaks(c.text, (sum(widths[c.col : c.col + c.colspan]) - pad) / 12700, size.pt)
        if c.kind == LABEL
        else c.text
        for c in grid.cells
    }
    d.element.body._insert_tbl(parse_xml(table_xml(grid, widths, size, pad == NARROW_PAD, keep_rows, texts)))
    d.add_paragraph()  # Word needs a paragraph between adjacent tables and after the last


# The table's XML is written as text and parsed once: python-docx's cell, merge and formatting
# calls (each a walk of the tree) took most of a report's build time. The XML is the same, byte for
# byte, as those calls made (benchmarks/docx.py compares every part of every variant's file).
_W = nsdecls("w")
_TBL_LOOK = (
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1"'
    ' w:val="04A0"/>'
)
SHADES = {INVALID: "FFCFCF", RELATED: "FFEFB8"}  # a wrong cell: light red; a failing relation's others: amber


def _twips(emu: int) -> int:
    return Emu(emu).twips


def _run_xml(text: str, font: str, size: Pt, mark: str | None) -> str:
    """A run as python-docx's add_run and our _run/_mark make it: fonts, not bold, colour, size,
    wavy underline; tabs and line breaks as w:tab and w:br."""
    red = '<w:color w:val="C00000"/>' if mark and mark != RELATED else ""
    wave = '<w:u w:val="wave" w:color="C00000"/>' if mark == INVALID else ""
    fonts = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    parts = [f'<w:r><w:rPr>{fonts}<w:b w:val="0"/>{red}<w:sz w:val="{int(size.pt * 2)}"/>{wave}</w:rPr>']
    for piece in re.split(r"([\t\r\n])", text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
    parts.append("</w:r>")
    return "".join(parts)


def table_xml(
    grid: Grid, widths: list[int], size: Pt, narrow: bool, keep_rows: frozenset[int], texts: dict[tuple[int, int], str]
) -> str:
    """The w:tbl of a grid: fixed column widths, merged cells (w:gridSpan, w:vMerge), rows never
    split, header rows repeated, keep-with-next on every paragraph of the rows in `keep_rows`
    (Word's way of keeping rows together), each cell's text (`texts`, by the cell's row and column)."""
    tw = [_twips(w) for w in widths]
    at: dict[tuple[int, int], tuple] = {}
    hidden: set[tuple[int, int]] = set()
    for c in grid.cells:
        for r in range(c.row, c.row + c.rowspan):
            at[r, c.col] = (c, r == c.row)
            hidden.update((r, k) for k in range(c.col + 1, c.col + c.colspan))
    margins = ""
    if narrow:
        m = round(NARROW_MARGIN / 635)
        margins = f'<w:tblCellMar><w:left w:w="{m}" w:type="dxa"/><w:right w:w="{m}" w:type="dxa"/></w:tblCellMar>'
    out = [
        f'<w:tbl {_W}><w:tblPr><w:tblStyle w:val="{_table_style_id()}"/><w:tblW w:type="auto" w:w="0"/>'
        f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>{margins}{_TBL_LOOK}</w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in tw),
        "</w:tblGrid>",
    ]
    for i in range(grid.n_rows):
        keep = "<w:keepNext/>" if i in keep_rows else ""
        head = '<w:tblHeader w:val="true"/>' if i < grid.header_rows else ""
        out.append(f'<w:tr><w:trPr><w:cantSplit w:val="true"/>{head}</w:trPr>')
        for k in range(grid.n_cols):
            if (i, k) in hidden:
                continue
            c, top = at.get((i, k), (None, False))
            span = c.colspan if c is not None else 1
            out.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{sum(tw[k : k + span])}"/>')
            if span > 1:
                out.append(f'<w:gridSpan w:val="{span}"/>')
            if c is not None and c.rowspan > 1:
                out.append('<w:vMerge w:val="restart"/>' if top else "<w:vMerge/>")
            if not top:  # a merged cell's continuation (or a position no cell covers): an empty paragraph
                out.append(f"</w:tcPr><w:p><w:pPr>{keep}</w:pPr></w:p></w:tc>" if keep else "</w:tcPr><w:p/></w:tc>")
                continue
            if c.mark in SHADES:
                out.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{SHADES[c.mark]}"/>')
            align = "center" if c.kind in (HEADER, VALUE) else "left"
            out.append(
                f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr>{keep}<w:spacing w:line="240" w:lineRule="auto"/>'
                f'<w:ind w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>'
            )
            out.append(_run_xml(texts[i, k], H1_FONT if c.kind == HEADER else BODY_FONT, size, c.mark))
            out.append("</w:p></w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


@functools.cache
def _table_style_id() -> str:
    """The id of python-docx's default template's "Table Grid" style (TableGrid)."""
    return new_docx().styles["Table Grid"].style_id


__all__ = ["BODY_FONT", "H1_FONT", "H2_FONT", "TITLE_FONT", "column_widths", "render_document", "set_fonts"]
