"""Reading a Word report (.docx) with python-docx: body paragraphs and tables in document order.

The package is checked before python-docx inflates anything (zip bombs), and python-docx parses
its XML without resolving entities.
"""

from __future__ import annotations

import io
import zipfile

from xltools.errors import UnusableInput
from xltools.published.blocks import Block, check_size, clean
from xltools.workbook.xlsx import OLE_MAGIC, ZIP_MAGIC, check_zip_directory


def read_docx(data: bytes) -> list[Block]:
    check_size(data)
    _check_package(data)
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise UnusableInput(
            "Word 文件已损坏或不是 .docx 文档，无法打开。请在 Word/WPS 中打开后另存为 .docx 再试。", code="corrupt"
        ) from exc

    blocks: list[Block] = []
    numbers = _ListNumbers(document, qn)

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                paragraph = Paragraph(child, document)
                lines = paragraph.text.split("\n")
                lines[0] = numbers.label(paragraph) + lines[0]
                for line in lines:
                    if clean(line):
                        blocks.append(Block(clean(line)))
            elif child.tag == qn("w:tbl") and _is_layout(child, qn):
                for tr in child.tr_lst:  # a table that only lays the page out: read what it holds
                    for tc in tr.tc_lst:
                        walk(tc)
            elif child.tag == qn("w:tbl"):
                table = Table(child, document)
                for tr in child.tr_lst:
                    cells = []
                    for tc in tr.tc_lst:
                        if tc.vMerge == "continue":  # the rest of a vertically merged cell
                            continue
                        texts = [clean(p.text) for p in _cell_paragraphs(tc, table)]
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

    walk(document.element.body)
    return blocks


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


def _cell_paragraphs(tc, table):
    from docx.table import _Cell

    return _Cell(tc, table).paragraphs


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
