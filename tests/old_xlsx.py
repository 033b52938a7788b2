"""A small, bounded reader of the .xlsx package: sheets, cells (values and formulas), defined
names and custom document properties.

Why not openpyxl here: we need only a few hundred cells of one known workbook, the defined names
and the formulas, and we need hard limits before anything is inflated (zip bombs) and no DTD at
all (entity expansion, external entities). One streaming pass over the XML does that, several
times faster than building openpyxl's object model. openpyxl stays for tests.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from xltools.errors import UnusableInput

MAX_FILE = 50 * 1024 * 1024  # a filled template is about 60 KB; a real workbook a few MB at most
MAX_PART = 30 * 1024 * 1024  # inflated size of any one XML part
MAX_TOTAL = 120 * 1024 * 1024  # inflated size of everything we read
MAX_ENTRIES = 5000
MAX_RATIO = 200  # compression ratio above which a part is a bomb, not a spreadsheet
MAX_ELEMENTS = 200_000  # XML elements in all parts read; a filled template has 3,000-6,000

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")
_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d{1,7})$")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Cell:
    value: Any  # str, int, float, bool or None; the cached result for a formula cell
    formula: str | None = None  # "=SUM(…)" for a formula cell ("=" alone for a shared-formula follower)
    error: str | None = None  # "#REF!" and the like


@dataclass
class Book:
    """What we read of one workbook. Rows and columns are 0-based."""

    sheets: list[str]
    names: dict[str, str]
    properties: dict[str, str]
    has_macros: bool
    strings: list[str]
    _zip: zipfile.ZipFile
    _paths: dict[str, str]
    _cells: dict[str, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    _budget: list[int] = field(default_factory=lambda: [MAX_TOTAL])
    _elements: list[int] = field(default_factory=lambda: [MAX_ELEMENTS])

    def cells(self, sheet: str) -> dict[tuple[int, int], Cell]:
        if sheet not in self._cells:
            self._cells[sheet] = _parse_sheet(self._read(self._paths[sheet]), self.strings, self._elements)
        return self._cells[sheet]

    def cell(self, sheet: str, row: int, col: int) -> Cell:
        return self.cells(sheet).get((row, col), Cell(None))

    def resolve(self, name: str) -> tuple[str, int, int] | None:
        """The single cell a workbook-level defined name points at, or None."""
        text = self.names.get(name)
        m = _NAME_REF.match(text.lstrip("=")) if text else None
        if not m:
            return None
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        if sheet not in self._paths:
            return None
        return sheet, int(m.group(4)) - 1, col_index(m.group(3))

    def _read(self, part: str) -> bytes:
        data = _read_part(self._zip, part)
        self._budget[0] -= len(data)
        if self._budget[0] < 0:
            raise UnusableInput(
                "文件解压后过大，不像是年度报告模板（可能是恶意构造的压缩包），已停止读取。请确认选择的是填好的年度报告模板。",
                code="too_large",
            )
        return data


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def open_book(data: bytes) -> Book:
    """Open .xlsx bytes; raises UnusableInput with a clerk's message for anything else."""
    sniff_container(data)
    _check_end_record(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnusableInput(
            "文件已损坏（压缩包不完整或无法打开），可能没有完整复制。请重新获取原文件。", code="corrupt"
        ) from exc
    check_zip_directory(infos)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise UnusableInput(_what_zip(zf, names), code="not_xlsx")
    has_macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    if has_macros:
        raise UnusableInput(
            "文件中含有宏（VBA 代码）。为防止恶意代码，本工具不接受带宏的工作簿，也从不运行宏。"
            "请在 Excel/WPS 中“另存为”“Excel 工作簿（*.xlsx）”（宏会被去掉）后再试。",
            code="macro",
        )
    elements = [MAX_ELEMENTS]
    try:
        workbook = _xml(_read_part(zf, "xl/workbook.xml"), elements)
        rels = _rels(zf, "xl/_rels/workbook.xml.rels", elements)
        sheets, paths, defined = [], {}, {}
        for sh in workbook.iter(_NS_MAIN + "sheet"):
            name = sh.get("name", "")
            target = rels.get(sh.get(_NS_REL + "id", ""))
            sheets.append(name)
            if target:
                paths[name] = target
        for dn in workbook.iter(_NS_MAIN + "definedName"):
            if dn.get("localSheetId") is None:
                defined[dn.get("name", "")] = (dn.text or "").strip()
        strings = _shared_strings(zf, "xl/sharedStrings.xml", elements) if "xl/sharedStrings.xml" in names else []
        props = _custom_properties(zf, elements) if "docProps/custom.xml" in names else {}
    except UnusableInput:
        raise
    except (DefusedXmlException, SafeET.ParseError, KeyError, ValueError) as exc:
        raise _xml_problem(exc) from exc
    book = Book(sheets, defined, props, has_macros, strings, zf, paths)
    book._elements = elements
    return book


def _what_zip(zf: zipfile.ZipFile, names: set[str]) -> str:
    """Say what a zip that is not a workbook is, and what to do."""
    if "word/document.xml" in names:
        return "这是 Word 文档（.docx），不是 Excel 工作簿（可能改了扩展名）。请提供填好的年度报告模板（.xlsx）。"
    if "mimetype" in names and b"opendocument.spreadsheet" in _read_part(zf, "mimetype")[:100]:
        return (
            "这是 OpenDocument 表格（.ods），不是 Excel 工作簿。请在 WPS 或 LibreOffice 中"
            "“另存为”“Excel 2007-365 (.xlsx)”后再试。"
        )
    return (
        "这不是 Excel 工作簿（.xlsx）：压缩包中没有工作簿内容（可能是改了扩展名的其他压缩包）。"
        "请使用 xltools template 生成的模板填写。"
    )


def sniff_container(data: bytes) -> None:
    """Tell a clerk what a non-xlsx file is, from its first bytes."""
    if not data:
        raise UnusableInput("文件是空的（0 字节），可能没有保存完整或复制失败。请重新获取原文件。", code="empty")
    if len(data) > MAX_FILE:
        raise UnusableInput(f"文件过大（{len(data) // 1024 // 1024} MB），不像是年度报告模板。", code="too_large")
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise UnusableInput(
                "文件设置了打开密码（已加密），程序无法读取。请在 Excel/WPS 中打开后取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），保存后再试。",
                code="encrypted",
            )
        raise UnusableInput(
            "这是旧版 Excel 97-2003 文件（.xls），不是本工具的模板。请使用 xltools template 生成的 .xlsx 模板填写；"
            "已有数据可复制到新模板中。",
            code="xls",
        )
    if not data.startswith(ZIP_MAGIC):
        head = data[:512]
        kind = "文本或 CSV 文件" if _looks_like_text(head) else "无法识别的文件"
        raise UnusableInput(
            f"这不是 Excel 工作簿（.xlsx），而是{kind}（可能只是改了扩展名）。请使用 xltools template 生成的模板。",
            code="not_xlsx",
        )


def _looks_like_text(head: bytes) -> bool:
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_end_record(data: bytes) -> None:
    """Refuse a zip whose central directory claims more entries than a workbook has, before
    zipfile builds an object for each of them."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return  # zipfile will say the archive is broken
    entries, cd_size = struct.unpack_from("<HI", data, at + 10)
    locator = at - 20
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if offset + 56 <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
            entries, cd_size = struct.unpack_from("<QQ", data, offset + 32)
    if entries > MAX_ENTRIES or cd_size > MAX_ENTRIES * 400:
        raise UnusableInput(
            "压缩包中的文件数量异常多，不像是年度报告模板，已停止读取。请确认选择的是填好的年度报告模板。",
            code="too_large",
        )


def check_zip_directory(infos: list[zipfile.ZipInfo], what: str = "年度报告模板") -> None:
    """Refuse a package by what its directory declares, before anything is inflated (zip bombs)."""
    if len(infos) > MAX_ENTRIES:
        raise UnusableInput(
            f"压缩包中的文件数量异常多，不像是{what}，已停止读取。请确认选择的是正确的文件。", code="too_large"
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART or total > MAX_TOTAL or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise UnusableInput(
                "文件解压后过大（可能是恶意构造的压缩包，即“压缩炸弹”），已停止读取，没有解压任何内容。"
                "请向报送单位重新索取用 Excel/WPS 保存的原文件。",
                code="zip_bomb",
            )


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, NotImplementedError, RuntimeError, ValueError)


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """Inflate one part, never more than MAX_PART bytes, whatever the directory claims.

    A damaged member (bad CRC, broken deflate data, a part the directory names but the archive
    lacks, an encrypted or unknown compression) is a corrupt file, not a program error."""
    try:
        with zf.open(name) as fh:
            data = fh.read(MAX_PART + 1)
    except _DAMAGED as exc:
        raise UnusableInput(
            "文件已损坏（压缩包中的数据不完整或校验失败），可能没有完整复制。请重新获取原文件，"
            "或用 Excel/WPS 打开后另存为 .xlsx 再试。",
            code="corrupt",
        ) from exc
    if len(data) > MAX_PART:
        raise UnusableInput(
            "文件中的某一部分解压后过大（可能是“压缩炸弹”），已停止读取。请向报送单位重新索取原文件。", code="zip_bomb"
        )
    return data


# Excel's "Strict Open XML" save: the same elements under ISO namespaces.
_STRICT = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    ),
)


def _xml(data: bytes, budget: list[int]):
    """Parse one part without any DTD, entity or external reference, counting its elements
    against the book's budget as they stream in, so no tree grows past it."""
    if b"http://purl.oclc.org/ooxml/" in data:
        for strict, transitional in _STRICT:
            data = data.replace(strict, transitional)
    events = SafeET.iterparse(
        io.BytesIO(data), events=("start",), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    for _ in events:
        budget[0] -= 1
        if budget[0] < 0:
            raise UnusableInput(
                "文件中的内容数量异常多（单元格或其他元素过多），不像是年度报告模板，已停止读取。请确认选择的是填好的年度报告模板。",
                code="too_large",
            )
    return events.root


def _xml_problem(exc: Exception) -> UnusableInput:
    if isinstance(exc, DefusedXmlException):
        return UnusableInput(
            "文件中含有不安全的 XML 内容（文档类型定义、实体或外部引用），可能是恶意构造的文件，已拒绝读取，"
            "没有访问其中引用的任何文件或网址。请向报送单位重新索取用 Excel/WPS 保存的原文件。",
            code="hostile_xml",
        )
    return UnusableInput("文件已损坏（内部 XML 无法解析），请用 Excel/WPS 打开后另存为 .xlsx 再试。", code="corrupt")


def _rels(zf: zipfile.ZipFile, name: str, budget: list[int]) -> dict[str, str]:
    root = _xml(_read_part(zf, name), budget)
    out = {}
    for rel in root.iter(_NS_PKG_REL + "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[rel.get("Id", "")] = _normpath(path)
    return out


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _text_of(si) -> str:
    """The text of a shared or inline string: plain <t>, or rich-text runs, without phonetics."""
    t = si.find(_NS_MAIN + "t")
    if t is not None:
        return unescape(t.text or "")
    return unescape("".join((r.findtext(_NS_MAIN + "t") or "") for r in si.findall(_NS_MAIN + "r")))


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Undo the `_xHHHH_` escapes (ECMA-376 ST_Xstring) that spreadsheet writers use for characters
    XML cannot hold (control characters) and for a literal "_x": Excel shows the character, so do we."""
    if "_x" not in text:
        return text
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in text):  # escaped UTF-16 halves: pair them, drop strays
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _shared_strings(zf: zipfile.ZipFile, name: str, budget: list[int]) -> list[str]:
    root = _xml(_read_part(zf, name), budget)
    return [_text_of(si) for si in root.findall(_NS_MAIN + "si")]


def _custom_properties(zf: zipfile.ZipFile, budget: list[int]) -> dict[str, str]:
    root = _xml(_read_part(zf, "docProps/custom.xml"), budget)
    out = {}
    for prop in root.findall(_NS_CUSTOM + "property"):
        value = next(iter(prop), None)
        out[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return out


def _parse_sheet(data: bytes, strings: list[str], budget: list[int]) -> dict[tuple[int, int], Cell]:
    try:
        root = _xml(data, budget)
        return _sheet_cells(root, strings)
    except (DefusedXmlException, SafeET.ParseError, ValueError) as exc:
        raise _xml_problem(exc) from exc


def _sheet_cells(root, strings: list[str]) -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    sheet_data = root.find(_NS_MAIN + "sheetData")
    if sheet_data is None:
        return cells
    for row_el in sheet_data:
        row_no = row_el.get("r")
        next_col = 0
        for c in row_el:
            ref = c.get("r")
            if ref:
                m = _CELL_REF.fullmatch(ref)
                if not m:
                    continue
                col, row = col_index(m.group(1)), int(m.group(2)) - 1
            else:  # references may be omitted; position follows the previous cell
                col, row = next_col, int(row_no or 1) - 1
            next_col = col + 1
            cells[(row, col)] = _cell(c, strings)
    return cells


def _cell(c, strings: list[str]) -> Cell:
    t = c.get("t", "n")
    f = c.find(_NS_MAIN + "f")
    formula = None
    if f is not None:
        formula = "=" + (f.text or "")
    v = c.findtext(_NS_MAIN + "v")
    if t == "s":
        try:
            value: Any = strings[int(v)] if v is not None else None
        except (ValueError, IndexError):
            value = None
    elif t == "inlineStr":
        is_el = c.find(_NS_MAIN + "is")
        value = _text_of(is_el) if is_el is not None else ""
    elif t == "str":
        value = unescape(v or "")
    elif t == "b":
        value = v == "1"
    elif t == "e":
        return Cell(None, formula, v or "#VALUE!")
    elif t == "d":
        value = v
    else:
        value = _number(v) if v not in (None, "") else None
    return Cell(value, formula)


def _number(text: str) -> int | float | str:
    try:
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        return float(text)
    except ValueError:
        return text
