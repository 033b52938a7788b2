"""Reading a Word report (.docx) with python-docx: body paragraphs and tables in document order.

The package is checked before python-docx inflates anything (zip bombs), and python-docx parses
its XML without resolving entities.
"""

from __future__ import annotations

import io
import zipfile

from xltools.errors import UnusableInput
from xltools.published.blocks import Block, Blocks, check_size, clean
from xltools.workbook.xlsx import OLE_MAGIC, ZIP_MAGIC, check_zip_directory


def read_docx(data: bytes) -> list[Block]:
    check_size(data)
    _check_package(data)
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise UnusableInput(
            "Word 文件已损坏或不是 .docx 文档，无法打开。请在 Word/WPS 中打开后另存为 .docx 再试。", code="corrupt"
        ) from exc

    blocks = Blocks()
    numbers = _ListNumbers(document, qn)
    body = document.element.body
    if body.find(".//" + qn("w:ins")) is not None or body.find(".//" + qn("w:del")) is not None:
        blocks.notes.append(TRACKED_CHANGES)

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                paragraph = Paragraph(child, document)
                lines = shown_text(child).split("\n")
                lines[0] = numbers.label(paragraph) + lines[0]
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


def _chinese(n: int) -> str:
    if n < 10:
        return _CHINESE[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CHINESE[tens]) + "十" + (_CHINESE[ones] if ones else "")


class _ListNumbers:
    """The numbers Word draws before list paragraphs ("一、", "（一）"): python-docx gives the
    text only, and offices often number their part titles and sub-heads this way."""

    def __init__(self, document, qn):
        self.qn = qn
        self.levels: dict[tuple[str, int], tuple[int, str, str]] = {}  # (numId, ilvl) -> start, format, text
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.iter(qn("w:abstractNum"))}
        for num in root.iter(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            a = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            if a is None:
                continue
            for lvl in a.iter(qn("w:lvl")):
                start, fmt, text = lvl.find(qn("w:start")), lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText"))
                self.levels[(num.get(qn("w:numId")), int(lvl.get(qn("w:ilvl"), "0")))] = (
                    int(start.get(qn("w:val"), "1")) if start is not None else 1,
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                )

    def _num_pr(self, paragraph):
        p_pr = paragraph._p.pPr
        if p_pr is not None and p_pr.numPr is not None:
            return p_pr.numPr
        style = paragraph.style
        while style is not None:
            s_pr = style.element.pPr
            if s_pr is not None and s_pr.numPr is not None:
                return s_pr.numPr
            style = style.base_style
        return None

    def label(self, paragraph) -> str:
        if not self.levels:
            return ""
        num_pr = self._num_pr(paragraph)
        if num_pr is None or num_pr.numId is None:
            return ""
        num_id = str(num_pr.numId.val)
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        start = self.levels[(num_id, ilvl)][0]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        text = self.levels[(num_id, ilvl)][2]
        for level in range(ilvl + 1):
            fmt = self.levels.get((num_id, level), (1, "decimal", ""))[1]
            n = counters[level] or self.levels.get((num_id, level), (1, "", ""))[0]
            shown = _chinese(n) if fmt in _CHINESE_FORMATS else str(n)
            text = text.replace(f"%{level + 1}", shown)
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
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnusableInput("Word 文件已损坏（压缩包不完整），请重新获取原文件。", code="corrupt") from exc
    check_zip_directory(infos, "一份年度报告")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise UnusableInput("这不是 Word 文档（.docx）：压缩包中没有正文内容。", code="not_docx")
