"""Reading a Word report (.docx) with python-docx: body paragraphs and tables in document order.

The package is checked by xltools.ooxml (the workbook reader's guards: end record, directory,
declared sizes and ratios) before python-docx inflates anything, and python-docx parses its XML
without resolving entities.
"""

from __future__ import annotations

import io

from xltools.errors import UnusableInput
from xltools.ooxml import OLE_MAGIC, ZIP_MAGIC, Done, feed, open_package, parser, read_part, refuse_doctypes
from xltools.published.blocks import MAX_BLOCKS, Block, Blocks, check_size, clean, too_many_blocks


def read_docx(data: bytes) -> list[Block]:
    check_size(data)
    _check_package(data)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise UnusableInput(
            "Word 文件已损坏或不是 .docx 文档，无法打开。请在 Word/WPS 中打开后另存为 .docx 再试。", code="corrupt"
        ) from exc

    blocks = Blocks()
    body = document.element.body
    if sum(1 for _ in body.iter(qn("w:p"), qn("w:tr"))) > MAX_BLOCKS:  # before any paragraph is read
        raise too_many_blocks()
    numbers = _ListNumbers(document, qn)
    if body.find(".//" + qn("w:ins")) is not None or body.find(".//" + qn("w:del")) is not None:
        blocks.notes.append(TRACKED_CHANGES)

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                lines = shown_text(child).split("\n")
                lines[0] = numbers.label(child) + lines[0]
                for line in map(clean, lines):
                    if line:
                        blocks.append(Block(line))
            elif child.tag == qn("w:tbl") and _is_layout(child, qn):
                for tr in _rows(child, qn):  # a table that only lays the page out: read what it holds
                    for tc in _row_cells(tr, qn):
                        walk(tc)
            elif child.tag == qn("w:tbl"):
                for tr in _rows(child, qn):
                    cells = []
                    for tc in _row_cells(tr, qn):
                        if tc.vMerge == "continue":  # the rest of a vertically merged cell
                            continue
                        texts = [clean(shown_text(p)) for p in _cell_paragraphs(tc, qn)]
                        cells.append("\n".join(t for t in texts if t))
                    if len(cells) == 1:
                        if cells[0]:
                            blocks.append(Block(cells[0]))
                    elif cells:
                        blocks.append(Block.row(cells))
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content)
            elif child.tag in (qn("w:customXml"), qn("w:ins"), qn("w:moveTo")):
                walk(child)

    walk(document.element.body)
    return blocks


TRACKED_CHANGES = (
    "文件中有未接受的修订（修订模式下的插入或删除），已按接受全部修订后的内容读取：插入的文字计入，删除的文字不计。"
    "请在 Word/WPS 中接受或拒绝修订后再发布，以免读者看到的与此不同。"
)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Text that is not shown once all changes are accepted, or that is not text at all.
_HIDDEN = {_W + "del", _W + "moveFrom", _W + "instrText", _W + "delInstrText", _MC_FALLBACK, _W + "pPr", _W + "rPr"}
_BREAKS = {_W + "br": "\n", _W + "cr": "\n", _W + "tab": "\t", _W + "noBreakHyphen": "-"}


def shown_text(p) -> str:
    """A paragraph's text as Word shows it after accepting every change: inserted text (w:ins,
    w:moveTo) in, deleted text (w:del, w:moveFrom) out; text inside content controls (w:sdt),
    smart tags, custom XML, hyperlinks and fields (w:fldSimple, and a complex field's result) kept;
    a field's instruction, and the fallback copy of a drawing's text, left out."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in _HIDDEN:
                continue
            if tag == _W + "t":
                out.append(child.text or "")
            elif tag in _BREAKS:
                if tag != _W + "br" or child.get(_W + "type") in (None, "textWrapping"):
                    out.append(_BREAKS[tag])
            elif tag == _W + "p":  # a paragraph inside a text box
                out.append("\n")
                walk(child)
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _rows(tbl, qn):
    """A table's rows, those inside content controls too; a row deleted as a tracked change is gone."""
    for child in tbl.iterchildren():
        if child.tag == qn("w:tr"):
            tr_pr = child.find(qn("w:trPr"))
            if tr_pr is not None and tr_pr.find(qn("w:del")) is not None:
                continue
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
            if content is not None:
                yield from _rows(content, qn)


def _row_cells(tr, qn):
    for child in tr.iterchildren():
        if child.tag == qn("w:tc"):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
            if content is not None:
                yield from _row_cells(content, qn)


_CHINESE = "〇一二三四五六七八九"
_CHINESE_FORMATS = {
    "chineseCounting",
    "chineseCountingThousand",
    "chineseLegalSimplified",
    "ideographTraditional",
    "japaneseCounting",
    "taiwaneseCounting",
    "koreanCounting",
}


_CHINESE_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def _chinese(n: int) -> str:
    """n in Chinese counting as Word draws it (十一, 一百零一, 一千零一十); beyond 9999 or below
    0 in digits."""
    if n < 0 or n > 9999:
        return str(n)
    if n < 10:
        return _CHINESE[n]
    if n < 20:
        return "十" + (_CHINESE[n - 10] if n > 10 else "")
    out, zero = [], False
    for unit, name in _CHINESE_UNITS:
        digit, n = divmod(n, unit)
        if digit:
            if zero:
                out.append("零")
            out.append(_CHINESE[digit] + name)
            zero = False
        elif out:
            zero = True
    if n:
        out.append(("零" if zero else "") + _CHINESE[n])
    return "".join(out)


_LEVELS = 9  # w:ilvl 0-8 (ECMA-376 §17.9.3)


def _int(value: str | None, default: int | None = None) -> int | None:
    """A decimal attribute; `default` when missing or not a number (a damaged file is read, not refused)."""
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


class _ListNumbers:
    """The numbers Word draws before list paragraphs ("一、", "（一）"): python-docx gives the
    text only, and offices often number their part titles and sub-heads this way.

    Everything is worked out once per document: the levels of each list, and each paragraph
    style's numbering with its `w:basedOn` chain followed (a chain that runs in a circle stops
    where it meets itself), so that a paragraph costs a dictionary lookup."""

    def __init__(self, document, qn):
        self.qn = qn
        self.levels: dict[tuple[int, int], tuple[int, str, str]] = {}  # (numId, ilvl) -> start, format, text
        self.counters: dict[int, list[int]] = {}
        self.style_numbering: dict[str | None, object] = {}  # paragraph style id -> its numPr (or None)
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        val = qn("w:val")
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.iter(qn("w:abstractNum"))}
        for num in root.iter(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            a = abstract.get(ref.get(val)) if ref is not None else None
            num_id = _int(num.get(qn("w:numId")))
            if a is None or num_id is None:
                continue
            for lvl in a.iter(qn("w:lvl")):
                ilvl = _int(lvl.get(qn("w:ilvl"), "0"))
                if ilvl is None or not 0 <= ilvl < _LEVELS:
                    continue
                start, fmt, text = lvl.find(qn("w:start")), lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText"))
                self.levels[(num_id, ilvl)] = (
                    _int(start.get(val), 1) if start is not None else 1,  # type: ignore[arg-type]
                    fmt.get(val, "decimal") if fmt is not None else "decimal",
                    text.get(val, "") if text is not None else "",
                )
        if self.levels:
            self._styles(document)

    def _styles(self, document) -> None:
        qn = self.qn
        try:
            root = document.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        own: dict[str, object] = {}  # a paragraph style's own numPr
        based: dict[str, str] = {}
        default = None
        for style in root.iter(qn("w:style")):
            if style.get(qn("w:type"), "paragraph") != "paragraph":
                continue
            sid = style.get(qn("w:styleId"))
            if sid is None:
                continue
            if style.get(qn("w:default")) in ("1", "true", "on"):
                default = sid  # the last one, as Word (and python-docx) take it
            p_pr = style.find(qn("w:pPr"))
            own[sid] = p_pr.find(qn("w:numPr")) if p_pr is not None else None
            parent = style.find(qn("w:basedOn"))
            if parent is not None and parent.get(qn("w:val")) is not None:
                based[sid] = parent.get(qn("w:val"))
        for sid in own:
            seen, at, found = set(), sid, None
            while at in own and at not in seen:
                seen.add(at)
                if own[at] is not None:
                    found = own[at]
                    break
                at = based.get(at)
            self.style_numbering[sid] = found
        # a paragraph without a style, or with one the file does not define, has the default one
        self.style_numbering[None] = self.style_numbering.get(default)

    def _num_pr(self, p):
        qn = self.qn
        p_pr = p.find(qn("w:pPr"))
        if p_pr is not None:
            num_pr = p_pr.find(qn("w:numPr"))
            if num_pr is not None:
                return num_pr
            style = p_pr.find(qn("w:pStyle"))
            sid = style.get(qn("w:val")) if style is not None else None
            if sid in self.style_numbering:
                return self.style_numbering[sid]
        return self.style_numbering.get(None)

    def label(self, p) -> str:
        """The number Word draws before paragraph element `p` ("" when none)."""
        if not self.levels:
            return ""
        qn = self.qn
        num_pr = self._num_pr(p)
        if num_pr is None:
            return ""
        num = num_pr.find(qn("w:numId"))
        num_id = _int(num.get(qn("w:val"))) if num is not None else None
        level = num_pr.find(qn("w:ilvl"))
        ilvl = _int(level.get(qn("w:val")), 0) if level is not None else 0
        if num_id is None or (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * _LEVELS)
        start = self.levels[(num_id, ilvl)][0]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start  # type: ignore[index]
        for deeper in range(ilvl + 1, _LEVELS):  # type: ignore[operator]
            counters[deeper] = 0
        text = self.levels[(num_id, ilvl)][2]
        for level_ in range(ilvl + 1):  # type: ignore[operator]
            fmt = self.levels.get((num_id, level_), (1, "decimal", ""))[1]
            n = counters[level_] or self.levels.get((num_id, level_), (1, "", ""))[0]
            shown = _chinese(n) if fmt in _CHINESE_FORMATS else str(n)
            text = text.replace(f"%{level_ + 1}", shown)
        return text


def _is_layout(tbl, qn) -> bool:
    """A table holding other tables, or a single column of text, lays a page out (a web page
    saved as Word); the report's own tables are the innermost ones with several columns."""
    if any(True for _ in tbl.iterdescendants(qn("w:tbl"))):
        return True
    return all(len(tr.tc_lst) <= 1 for tr in tbl.tr_lst)


def _cell_paragraphs(tc, qn):
    """A cell's paragraphs, those inside content controls too."""
    for child in tc.iterchildren():
        if child.tag == qn("w:p"):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
            if content is not None:
                yield from _cell_paragraphs(content, qn)


def _check_package(data: bytes) -> None:
    if data.startswith(OLE_MAGIC):
        raise UnusableInput(
            "这是旧版 Word 97-2003 文件（.doc）或加密的文档，程序无法读取。请在 Word/WPS 中打开，"
            "另存为 .docx（如有密码请先取消）后再试。",
            code="doc",
        )
    if not data.startswith(ZIP_MAGIC):
        raise UnusableInput(
            "这不是 Word 文档（.docx），可能只是改了扩展名。请提供 .docx、.html 或 .txt 文件。", code="not_docx"
        )
    zf, infos = open_package(data, "一份年度报告", "Word/WPS", "Word 文件已损坏（压缩包不完整），请重新获取原文件。")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise UnusableInput("这不是 Word 文档（.docx）：压缩包中没有正文内容。", code="not_docx")
    refuse_doctypes(zf, infos)
    _count_blocks(read_part(zf, "word/document.xml", _RESAVE))


_RESAVE = "在 Word/WPS 中打开后另存为 .docx 再试"
_BLOCK_TAGS = frozenset({_W[1:-1] + " p", _W[1:-1] + " tr"})  # as expat names them (namespace_separator " ")


MAX_ELEMENTS = 1_000_000
"""XML elements of document.xml python-docx may build a tree of (about 200 bytes each: at most
some 200 MB). A report saved by Word has a few tens of thousands; ours about 5,000."""


def _count_blocks(document: bytes) -> None:
    """Refuse a body of more than MAX_BLOCKS paragraphs and rows, or of more than MAX_ELEMENTS
    elements, before python-docx builds its tree: streamed by expat, which keeps no elements. The
    tree costs about 15 times the XML (a 26 MB document.xml of 760,000 short paragraphs took
    431 MB, close to the 500 MB bound; as many runs in fewer paragraphs would cost the same)."""
    blocks = elements = 0

    def start(name: str, _attrs) -> None:
        nonlocal blocks, elements
        elements += 1
        if name in _BLOCK_TAGS:
            blocks += 1
        if blocks > MAX_BLOCKS or elements > MAX_ELEMENTS:
            raise Done

    try:
        feed(parser(start), document, _RESAVE)
    except UnusableInput as exc:
        if exc.code == "corrupt":  # python-docx says it in the reader's own words
            return
        raise
    if blocks > MAX_BLOCKS:
        raise too_many_blocks()
    if elements > MAX_ELEMENTS:
        raise UnusableInput(
            f"Word 文件的正文结构异常复杂（超过 {MAX_ELEMENTS:,} 个元素），不像是一份年度报告，已停止读取。"
            "请在 Word/WPS 中打开，只保留年度报告本身，另存为 .docx 后再试。",
            code="too_large",
        )
