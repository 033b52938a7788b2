"""A small, bounded reader of the .xlsx package: sheets, cells (values and formulas), defined
names, custom document properties.

Why not openpyxl here: we need only a few hundred cells of one known workbook, the defined names
and the formulas, and we need hard limits before anything is inflated (zip bombs) and no DTD at
all (entity expansion, external entities). openpyxl stays for tests.

How it stays fast (a province's folder in minutes): every part is parsed by expat (C) with callbacks that keep no
element objects, only the few values the check needs. A sheet is parsed only as far as the end of
its `sheetData` (the conditional formats and validations after it are most of a template sheet's
bytes and are never needed), and only when one of its cells is asked for; a cell becomes a `Cell`
only when it is read; the shared strings are parsed once, and only as far as the strings asked
for. The workbook part, its relationships and the custom properties are parsed once per distinct
content (every unit's copy of one template has the same bytes there). Every part is still inflated
whole, so a damaged member is found by its checksum as before.

Guards: the package's own (xltools.ooxml, shared with the Word reader): the zip directory
(entries, declared sizes, ratios) judged before anything is inflated, no part inflated past
MAX_PART, a document type declaration refused outright, so no entity is ever declared, expanded
or fetched; and here: all parts read together not past MAX_TOTAL, elements counted as they stream
in (MAX_ELEMENTS), Strict OOXML namespaces read as the transitional ones.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from xltools.errors import UnusableInput
from xltools.formats import WORKBOOK_LIMIT
from xltools.ooxml import (  # the package's safety, shared with the Word reader
    MAX_TOTAL,
    OLE_MAGIC,
    ZIP_MAGIC,
    check_end_record,
    check_zip_directory,
    feed,
    read_part,
)
from xltools.ooxml import Done as _Done
from xltools.ooxml import parser as _parser
from xltools.ooxml import run as _run
from xltools.text import size_text
from xltools.workbook.cells import col_index

MAX_FILE = WORKBOOK_LIMIT  # the registry's (xltools.formats)
MAX_ELEMENTS = 200_000  # XML elements in all parts read; a filled template has 3,000-6,000

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
# Expat's names for the elements read: "namespace local".
_SHEET_DATA = frozenset({f"{_MAIN} sheetData"})
_CELL = {f"{_MAIN} {n}": n for n in ("v", "f", "is")}
_STRING = {f"{_MAIN} {n}": n for n in ("t", "r")}
_SI = frozenset({f"{_MAIN} si"})
_BOOK = {f"{_MAIN} {n}": n for n in ("sheet", "definedName", "workbookPr")}
_REL_ID = f"{_REL} id"
_RELATIONSHIP = f"{_PKG_REL} Relationship"
_PROPERTY = f"{_CUSTOM} property"
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")
_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d{1,7})$")


class Cell(NamedTuple):
    value: Any  # str, int, float, bool or None; the cached result for a formula cell
    formula: str | None = None  # "=SUM(…)" for a formula cell ("=" alone for a shared-formula follower)
    error: str | None = None  # "#REF!" and the like


_BLANK = Cell(None)


class Book:
    """What we read of one workbook. Rows and columns are 0-based.

    `sheets` (in workbook order), `names` (workbook-level defined names → their text) and
    `properties` (custom document properties) are read when the book is opened; cells and shared
    strings when first asked for."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.sheets: list[str] = []
        self.names: dict[str, str] = {}
        self.properties: dict[str, str] = {}  # custom document properties
        self.workbook: dict[str, str] = {}  # the attributes of <workbookPr> (date1904, …)
        self.has_macros = False
        self._zip = zf
        self._infos = infos
        self._paths: dict[str, str] = {}  # sheet name -> part
        self._raw: dict[str, dict[tuple[int, int], tuple]] = {}  # sheet -> cell -> (t, v, formula, inline)
        self._cells: dict[str, dict[tuple[int, int], Cell]] = {}
        self._rows: dict[str, frozenset[int]] = {}  # sheet -> the only rows to read (see `only_rows`)
        self._strings: _Strings | None = None
        self._budget = MAX_TOTAL  # bytes inflated
        self._elements = MAX_ELEMENTS  # elements parsed
        self.date1904 = False  # workbookPr date1904="1": date serials count from 1904-01-01

    @property
    def strings(self) -> list[str]:
        """All the shared strings."""
        return self._shared().upto(None)

    def _string(self, index: int) -> str:
        """One shared string: the part is parsed only as far as it (and once). IndexError for an
        index that is not one (a negative one included: it is no string, not the last one)."""
        strings = self._strings
        if strings is not None and 0 <= index < len(strings.list):
            return strings.list[index]  # the usual case: a label among the strings read already
        if index < 0:
            raise IndexError(index)
        return self._shared().upto(index)[index]

    def _shared(self) -> _Strings:
        if self._strings is None:
            part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in self._infos else None
            self._strings = _Strings(self, read_part(self._zip, part) if part else b"")
        return self._strings

    def only_rows(self, rows: dict[str, set[int]]) -> None:
        """Read just these rows of these sheets, when they are first read: a reader that needs a
        few fields (last year's report, a file's year and agency) skips the others' rows cheaply and
        stops after the last row it needs (rows come in ascending order). Asking for any other cell
        of such a sheet reads it again, whole."""
        for sheet, wanted in rows.items():
            if sheet not in self._raw:
                self._rows[sheet] = frozenset(wanted)

    def _whole(self, sheet: str) -> None:
        """Forget a sheet read only in part, so that it is read again, whole."""
        if self._rows.pop(sheet, None) is not None:
            self._raw.pop(sheet, None)
            self._cells.pop(sheet, None)

    def cells(self, sheet: str) -> dict[tuple[int, int], Cell]:
        """Every cell of a sheet that holds something (a value, a formula or an error)."""
        self._whole(sheet)
        if sheet not in self._cells:
            self._cells[sheet] = {pos: self._cell(raw) for pos, raw in self._sheet(sheet).items()}
        return self._cells[sheet]

    def cell(self, sheet: str, row: int, col: int) -> Cell:
        rows = self._rows.get(sheet)
        if rows is not None and row not in rows:
            self._whole(sheet)
        cells = self._cells.get(sheet)
        if cells is not None:
            return cells.get((row, col), _BLANK)
        raw = self._sheet(sheet).get((row, col))
        return _BLANK if raw is None else self._cell(raw)

    def resolve(self, name: str) -> tuple[str, int, int] | None:
        """The single cell a workbook-level defined name points at, or None."""
        text = self.names.get(name)
        where = _NAMED.get(text, False) if text else None
        if where is False:
            where = _named_cell(text)
            if len(_NAMED) < 50_000:
                _NAMED[text] = where
        if where is None or where[0] not in self._paths:
            return None
        return where

    def _sheet(self, sheet: str) -> dict[tuple[int, int], tuple]:
        raw = self._raw.get(sheet)
        if raw is None:
            raw = self._raw[sheet] = _sheet_cells(self, self._read(self._paths[sheet]), self._rows.get(sheet))
        return raw

    def _cell(self, raw: tuple) -> Cell:
        t, v, formula, inline = raw
        if t == "s":
            try:
                value: Any = self._string(int(v)) if v is not None else None
            except (ValueError, IndexError):  # as openpyxl, which refuses to open such a file
                raise UnusableInput(
                    f"文件已损坏：单元格引用了不存在的共享文字（第 {v} 条）。请用 Excel/WPS 打开后另存为 .xlsx 再试。",
                    code="corrupt",
                ) from None
        elif t == "n":
            value = _number(v) if v not in (None, "") else None
        elif t == "inlineStr":
            value = inline if inline is not None else ""
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

    def _read(self, part: str) -> bytes:
        data = read_part(self._zip, part)
        self._budget -= len(data)
        if self._budget < 0:
            raise UnusableInput(
                "文件解压后过大，不像是年度报告模板（可能是恶意构造的压缩包），已停止读取。请确认选择的是填好的年度报告模板。",
                code="too_large",
            )
        return data


_REFS: dict[str, tuple[int, int] | None] = {}  # "D7" -> (6, 3): the same few hundred refs in every file


def _ref(ref: str) -> tuple[int, int] | None:
    pos = _REFS.get(ref, False)
    if pos is False:
        m = _CELL_REF.fullmatch(ref)
        pos = (int(m.group(2)) - 1, col_index(m.group(1))) if m else None
        if len(_REFS) < 50_000:
            _REFS[ref] = pos
    return pos


_NAMED: dict[str, tuple[str, int, int] | None] = {}  # a defined name's text -> its cell: the same in every file


def _named_cell(text: str) -> tuple[str, int, int] | None:
    m = _NAME_REF.match(text.lstrip("="))
    if not m:
        return None
    return (m.group(1) or "").replace("''", "'") or m.group(2), int(m.group(4)) - 1, col_index(m.group(3))


_ONCE: dict[tuple[Any, bytes], tuple[Any, int]] = {}


def _once(book: Book, parse, data: bytes):
    """`parse(book, data)`, remembered by the part's content: the workbook part, its relationships
    and the custom properties are the same bytes in every workbook made from one template.
    The elements are charged to the book as if it had been parsed; the result is shared, not to be changed."""
    key = (parse, data)
    done = _ONCE.get(key)
    if done is None:
        before = book._elements
        done = parse(book, data), before - book._elements
        if len(_ONCE) >= 32:
            _ONCE.clear()
        _ONCE[key] = done
    else:
        book._elements -= done[1]
    return done[0]


def open_book(data: bytes) -> Book:
    """Open .xlsx bytes; raises UnusableInput with a clerk's message for anything else."""
    sniff_container(data)
    check_end_record(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:  # "zip file version"
        raise UnusableInput(
            "文件已损坏（压缩包不完整或无法打开），可能没有完整复制。请重新获取原文件。", code="corrupt"
        ) from exc
    check_zip_directory(infos)
    by_name = {i.filename: i for i in infos}
    if "xl/workbook.xml" not in by_name:
        raise UnusableInput(_what_zip(zf, set(by_name)), code="not_xlsx")
    if any(n.lower().endswith("vbaproject.bin") for n in by_name):
        raise UnusableInput(
            "文件中含有宏（VBA 代码）。为防止恶意代码，本工具不接受带宏的工作簿，也从不运行宏。"
            "请在 Excel/WPS 中“另存为”“Excel 工作簿（*.xlsx）”（宏会被去掉）后再试。",
            code="macro",
        )
    book = Book(zf, by_name)
    sheets, names, book.workbook = _once(book, _workbook, read_part(zf, "xl/workbook.xml"))
    book.names, book.workbook = dict(names), dict(book.workbook)
    book.date1904 = book.workbook.get("date1904", "").lower() in ("1", "true")
    rels = _once(book, _rels, read_part(zf, "xl/_rels/workbook.xml.rels"))
    for sheet, rid in sheets:
        book.sheets.append(sheet)
        if rels.get(rid):
            book._paths[sheet] = rels[rid]
    if "docProps/custom.xml" in by_name:
        book.properties = dict(_once(book, _custom_properties, read_part(zf, "docProps/custom.xml")))
    return book


def _what_zip(zf: zipfile.ZipFile, names: set[str]) -> str:
    """Say what a zip that is not a workbook is, and what to do."""
    if "word/document.xml" in names:
        return "这是 Word 文档（.docx），不是 Excel 工作簿（可能改了扩展名）。请提供填好的年度报告模板（.xlsx）。"
    if "mimetype" in names and b"opendocument.spreadsheet" in read_part(zf, "mimetype")[:100]:
        return (
            "这是 OpenDocument 表格（.ods），不是 Excel 工作簿。请在 WPS 或 LibreOffice 中"
            "“另存为”“Excel 2007-365 (.xlsx)”后再试。"
        )
    return (
        "这不是 Excel 工作簿（.xlsx）：压缩包中没有工作簿内容（可能是改了扩展名的其他压缩包）。"
        "请使用本工具的空白模板填写。"
    )


def sniff_container(data: bytes) -> None:
    """Tell a clerk what a non-xlsx file is, from its first bytes."""
    if not data:
        raise UnusableInput("文件是空的（0 字节），可能没有保存完整或复制失败。请重新获取原文件。", code="empty")
    if len(data) > MAX_FILE:
        raise UnusableInput(
            f"文件过大（{size_text(len(data))}，上限 {size_text(MAX_FILE)}），不像是年度报告模板。", code="too_large"
        )
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise UnusableInput(
                "文件设置了打开密码（已加密），程序无法读取。请在 Excel/WPS 中打开后取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），保存后再试。",
                code="encrypted",
            )
        raise UnusableInput(
            "这是旧版 Excel 97-2003 文件（.xls），不是本工具的模板。请使用本工具的空白模板（.xlsx）填写；"
            "已有数据可复制到新模板中。",
            code="xls",
        )
    if not data.startswith(ZIP_MAGIC):
        head = data[:512]
        kind = "文本或 CSV 文件" if _looks_like_text(head) else "无法识别的文件"
        raise UnusableInput(
            f"这不是 Excel 工作簿（.xlsx），而是{kind}（可能只是改了扩展名）。请使用本工具的空白模板填写。",
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


# --- parsing: expat with callbacks that keep no element objects ------------------------------------


def _iso(data: bytes) -> bytes:
    """Strict OOXML read as transitional."""
    if b"http://purl.oclc.org/ooxml/" in data:
        for strict, transitional in _STRICT:
            data = data.replace(strict, transitional)
    return data


def _feed(parser, data: bytes) -> None:
    """Parse one part (Strict OOXML read as transitional); a callback raising `_Done` ends it early."""
    feed(parser, _iso(data))


def _parse(data: bytes, start, end=None, text=None) -> None:
    _feed(_parser(start, end, text), data)


def _too_many() -> UnusableInput:
    return UnusableInput(
        "文件中的内容数量异常多（单元格或其他元素过多），不像是年度报告模板，已停止读取。请确认选择的是填好的年度报告模板。",
        code="too_large",
    )


def _rels(book: Book, data: bytes) -> dict[str, str]:
    """Relationship id -> part, for the package's own (not external) targets."""
    out: dict[str, str] = {}

    def start(name, attrs):
        book._elements -= 1
        if book._elements < 0:
            raise _too_many()
        if name == _RELATIONSHIP and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[attrs.get("Id", "")] = _normpath(path)

    _parse(data, start)
    return out


class _Text:
    """An element's own text as ElementTree's `.text` has it: what comes before its first child."""

    __slots__ = ("at", "parts")

    def __init__(self) -> None:
        self.parts: list[str] | None = None
        self.at = 0

    def open(self, depth: int) -> None:
        self.parts, self.at = [], depth

    def close(self) -> str:
        text = "".join(self.parts)
        self.parts = None
        return text


def _workbook(book: Book, data: bytes) -> tuple[list[tuple[str, str]], dict[str, str], dict[str, str]]:
    """The sheets in order (each with its relationship id), the workbook-level defined names and
    the workbook's properties (<workbookPr>)."""
    sheets: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    properties: dict[str, str] = {}
    depth = 0
    own = _Text()
    defined = ""  # the name whose text is being read

    def start(name, attrs):
        nonlocal depth, defined
        book._elements -= 1
        if book._elements < 0:
            raise _too_many()
        depth += 1
        if own.parts is not None:
            names[defined] = own.close().strip()
        kind = _BOOK.get(name)
        if kind == "sheet":
            sheets.append((attrs.get("name", ""), attrs.get(_REL_ID, "")))
        elif kind == "definedName" and attrs.get("localSheetId") is None:
            defined = attrs.get("name", "")
            own.open(depth)
        elif kind == "workbookPr" and depth == 2:
            properties.update(attrs)

    def end(name):
        nonlocal depth
        if own.parts is not None and depth == own.at:
            names[defined] = own.close().strip()
        depth -= 1

    def text(data):
        if own.parts is not None:
            own.parts.append(data)

    _parse(data, start, end, text)
    return sheets, names, properties


def _custom_properties(book: Book, data: bytes) -> dict[str, str]:
    """Each property's name and the text of its value (its first child element)."""
    out: dict[str, str] = {}
    depth = 0
    prop: str | None = None  # the property being read
    own = _Text()

    def start(name, attrs):
        nonlocal depth, prop
        book._elements -= 1
        if book._elements < 0:
            raise _too_many()
        depth += 1
        if own.parts is not None:
            out[prop] = own.close()
            prop = None
        if depth == 2:
            prop = attrs.get("name", "") if name == _PROPERTY else None
            if prop is not None:
                out[prop] = ""  # a property without a value element
        elif depth == 3 and prop is not None:
            own.open(depth)

    def end(name):
        nonlocal depth, prop
        if own.parts is not None and depth == own.at:
            out[prop] = own.close()
            prop = None
        depth -= 1

    def text(data):
        if own.parts is not None:
            own.parts.append(data)

    _parse(data, start, end, text)
    return out


class _Rich:
    """The text of a shared or inline string as it is shown: its own <t>, else its rich-text runs'
    first <t> each; phonetic runs (<rPh>) and formatting left out. Fed the string element's
    children (depth `base` + 1) and grandchildren."""

    __slots__ = ("base", "own", "own_seen", "run", "runs", "skip", "text")

    def __init__(self, base: int, *, skip: bool = False) -> None:
        self.base = base
        self.skip = skip  # an element that is not a string: its children are counted, not read
        self.text = _Text()
        self.reset()

    def reset(self) -> None:
        self.own: str | None = None
        self.own_seen = False
        self.run = False  # inside a run whose <t> has not come yet
        self.runs: list[str] = []

    def start(self, kind: str | None, depth: int) -> None:
        if depth == self.base + 1:
            if kind == "t" and not self.own_seen:
                self.own_seen = True
                self.text.open(depth)
            self.run = kind == "r"
        elif depth == self.base + 2 and self.run and kind == "t":
            self.run = False
            self.text.open(depth)

    def close(self) -> None:
        if self.text.at == self.base + 1:
            self.own = self.text.close()
        else:
            self.runs.append(self.text.close())

    def value(self) -> str:
        if self.own_seen:
            return unescape(self.own or "")
        return unescape("".join(self.runs))


def _string_parser(book: Book, out: list[str]):
    """A parser that appends the text of each <si> (see `_Rich`) to `out`, in order."""
    depth = 0
    own: str | None = None  # the si's own <t>, the usual case
    gather = False
    buf = ""
    rich: _Rich | None = None  # for an si that is not a single <t>
    si = _SI
    tee = f"{_MAIN} t"

    def start(name, attrs):
        nonlocal depth, own, gather, buf, rich
        book._elements -= 1
        if book._elements < 0:
            raise _too_many()
        depth += 1
        if gather:  # a child of the <t>: its own text ends here
            gather = False
            own = buf
        if depth == 2:
            own = rich = None
            if name not in si:
                rich = _Rich(2, skip=True)
        elif rich is None and depth == 3 and name == tee and own is None:
            gather, buf, own = True, "", ""
        else:  # anything else: read it the general way
            if rich is None:
                rich = _Rich(2)
                if own is not None:  # the si's own <t> came first
                    rich.own_seen, rich.own = True, own
            if rich.text.parts is not None:
                rich.close()
            rich.start(_STRING.get(name), depth)

    def end(name):
        nonlocal depth, own, gather, rich
        if gather and depth == 3:
            gather = False
            own = buf
        elif rich is not None and rich.text.parts is not None and depth == rich.text.at:
            rich.close()
        if depth == 2:
            if rich is None:
                out.append(unescape(own) if own is not None else "")
            elif not rich.skip:
                out.append(rich.value())
            rich = None
        depth -= 1

    def chars(data):
        nonlocal buf
        if gather:
            buf += data
        elif rich is not None and rich.text.parts is not None:
            rich.text.parts.append(data)

    return _parser(start, end, chars)


class _Strings:
    """The shared strings, parsed only as far as they are asked for.

    The usual string, `<si><t>text</t></si>`, is read by a regular expression (in C), a string at a
    time; expat reads the part's head first (the guard against a document type declaration) and
    everything from the first string that is not in that form on, in slices. Both give the same
    strings and charge the same two elements for each such string (tests/test_xlsx_strings.py)."""

    def __init__(self, book: Book, data: bytes, *, fast: bool = True) -> None:
        self.list: list[str] = []
        self.data = _iso(data)
        self.at = 0
        self.done = not data
        self.book = book
        self.parser = _string_parser(book, self.list) if data else None
        self.fast: int | None = None  # where the next string in the usual form would begin
        head = _SST_HEAD.match(self.data) if data and fast else None
        if head is not None:
            self.at = head.end()
            _run(self.parser, self.data[: self.at], False)
            self.fast = self.at

    def upto(self, index: int | None) -> list[str]:
        """The strings parsed so far, at least up to `index` (all of them for None) if there are so many."""
        if self.fast is not None:
            self._fast(index)
        while not self.done and (index is None or len(self.list) <= index):
            chunk = self.data[self.at : self.at + _STRING_SLICE]
            self.at += _STRING_SLICE
            self.done = self.at >= len(self.data)
            _run(self.parser, chunk, self.done)
        return self.list

    def _fast(self, index: int | None) -> None:
        data, at, out, book = self.data, self.fast, self.list, self.book
        match = _SI_PLAIN.match
        while index is None or len(out) <= index:
            m = match(data, at)
            if m is None:
                break
            try:
                text = m.group(1).decode("utf-8")
                if "&" in text:
                    text = _decoded(text)
            except (UnicodeDecodeError, _NotPlain):
                break
            if "]]>" in text or "\ufffe" in text or "\uffff" in text:
                break
            book._elements -= 2
            if book._elements < 0:
                raise _too_many()
            out.append(unescape(text))
            at = m.end()
        else:
            self.fast = at
            return
        self.fast, self.at = None, at  # the end of the strings, or one in another form: expat reads on


# The head of a shared-strings part as Excel, WPS, LibreOffice and xlsxwriter write it, up to its
# first string; and a string that is one plain <t>, its text free of anything XML forbids or
# normalises ("<", control characters, carriage returns). Anything else is read by expat.
_SST_HEAD = re.compile(
    rb'(?:\xef\xbb\xbf)?<\?xml version="1\.0"(?: encoding="(?i:utf-8)")?(?: standalone="(?:yes|no)")?\?>\s*'
    rb'<sst xmlns="http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"(?: [a-zA-Z]+="[0-9]*")*>(?=<si>)'
)
_SI_PLAIN = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<\x00-\x08\x0b\x0c\x0e-\x1f\r]*)</t></si>')
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _NotPlain(Exception):
    """Text the fast path leaves to expat."""


def _decoded(text: str) -> str:
    """Text with its entity and character references replaced, as an XML parser gives it; _NotPlain
    for any other "&" and for a reference to a character XML forbids."""
    decoded = _ENTITY.sub(_entity, text)
    if "&" in _ENTITY.sub("", text):
        raise _NotPlain
    return decoded


def _entity(m: re.Match) -> str:
    if m.group(1):
        return _PREDEFINED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if not (
        code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ):
        raise _NotPlain
    return chr(code)


_STRING_SLICE = 4096


def _sheet_cells(book: Book, data: bytes, rows: frozenset[int] | None = None) -> dict[tuple[int, int], tuple]:
    """Every cell of the sheet's <sheetData> as (type, value text, formula, inline text); the part
    is not parsed past it. With `rows` (0-based), only the cells of those rows: where the rows are
    plainly siblings (`_only_rows`) the others are cut out before parsing, else their elements are
    counted, not read, and parsing stops at the first row past the last one wanted."""
    if rows is not None:
        cut = _only_rows(data, rows)
        if cut is not None:
            left = book._elements
            try:
                return _expat_cells(book, cut, rows)
            except UnusableInput:
                book._elements = left  # the whole sheet decides what is wrong with it
    return _expat_cells(book, data, rows)


_ROW_START = re.compile(rb"<row[\s>/]")
_ROW_NUMBER = re.compile(rb'<row r="([1-9][0-9]{0,6})"')
_EMPTY_ROW = re.compile(rb"<row[^<>]*/>")


def _only_rows(data: bytes, rows: frozenset[int]) -> bytes | None:
    """The sheet with only these rows in its <sheetData>, or None unless its rows are plainly
    siblings: each `<row r="N"` either empty or closed by `</row>` before the next one begins,
    nothing between them but white space, no comment, CDATA or processing instruction that could
    hide a row. (The rows cut out are not parsed: damage inside them does not matter here.)"""
    start = data.find(b"<sheetData>")
    end = data.find(b"</sheetData>", start)
    if start < 0 or end < 0:
        return None
    start += len(b"<sheetData>")
    body = data[start:end]
    if b"<!" in body or b"<?" in body:
        return None
    starts = [m.start() for m in _ROW_START.finditer(body)]
    if body[: starts[0] if starts else len(body)].strip():
        return None
    kept = []
    for i, at in enumerate(starts):
        row = body[at : starts[i + 1] if i + 1 < len(starts) else len(body)].rstrip()
        number = _ROW_NUMBER.match(row)
        if number is None or not (row.endswith(b"</row>") or _EMPTY_ROW.fullmatch(row)):
            return None
        if int(number[1]) - 1 in rows:
            kept.append(row)
    return data[:start] + b"".join(kept) + b"</sheetData>"


def _expat_cells(book: Book, data: bytes, rows: frozenset[int] | None = None) -> dict[tuple[int, int], tuple]:
    """`_sheet_cells` by expat, any sheet.

    As ElementTree read it before the expat reader: the first <sheetData> child of the root; its
    children are rows, theirs cells, whatever their names; a cell's first <v>, <f> and <is>, each
    with its own text (before any child element). This runs once per element of every sheet read,
    so it keeps its state in local variables and does the least it can per call."""
    cells: dict[tuple[int, int], tuple] = {}
    refs = _REFS
    kinds = _CELL
    last_row = max(rows, default=-1) if rows is not None else -1
    depth = 0
    left = book._elements
    row_no = 0  # 1-based, as openpyxl counts: a row without r= follows the one before
    next_col = 0
    pos: tuple[int, int] | None = None  # the cell being read; None for one that is skipped
    t = v = f = inline = None
    gather = ""  # "v" or "f" while that element's own text is being read
    buf = ""
    rich: _Rich | None = None  # while inside the cell's first <is>

    def close():
        nonlocal v, f, gather
        if gather == "v":
            v = buf
        elif gather == "f":
            f = "=" + buf
        gather = ""

    def start(name, attrs):
        nonlocal depth, left, row_no, next_col, pos, t, v, f, inline, gather, buf, rich
        left -= 1
        if left < 0:
            raise _too_many()
        depth += 1
        if gather:  # a child element: ElementTree's .text ends here
            close()
        if depth == 4:
            ref = attrs.get("r")
            if ref:
                pos = refs.get(ref) or _ref(ref)
                if pos is None:
                    return
            else:  # references may be omitted: the cell follows the one before, in its row
                pos = (row_no - 1, next_col)
                if row_no < 1:  # in no row of the sheet (openpyxl keeps it off the sheet)
                    next_col += 1
                    pos = None
                    return
            next_col = pos[1] + 1
            t = attrs.get("t", "n")
            v = f = inline = None
        elif depth == 5:
            if pos is None:
                return
            kind = kinds.get(name)
            if kind == "v":
                if v is None:
                    gather, buf, v = "v", "", ""
            elif kind == "f":
                if f is None:
                    gather, buf, f = "f", "", "="
            elif kind == "is" and inline is None and rich is None:
                rich = _Rich(5)
        elif depth == 3:
            row_no = _row_number(attrs.get("r"), row_no)
            next_col = 0
            if rows is not None and row_no - 1 not in rows:
                if row_no - 1 > last_row:
                    raise _Done
                parser.StartElementHandler, parser.EndElementHandler = skip, skip_end
                parser.CharacterDataHandler = None
        elif rich is not None:
            if rich.text.parts is not None:
                rich.close()
            rich.start(_STRING.get(name), depth)

    def end(name):
        nonlocal depth, pos, inline, rich
        if gather and depth == 5:
            close()
        if depth == 4:
            if pos is not None:
                cells[pos] = (t, v, f, inline)
            pos = None
        elif rich is not None:
            if rich.text.parts is not None and depth == rich.text.at:
                rich.close()
            if depth == 5:
                inline, rich = rich.value(), None
        elif depth == 2:
            raise _Done
        depth -= 1

    def chars(data):
        nonlocal buf
        if gather:
            buf += data
        elif rich is not None and rich.text.parts is not None:
            rich.text.parts.append(data)

    def skip(name, attrs):  # inside a row that is not read
        nonlocal depth, left
        left -= 1
        if left < 0:
            raise _too_many()
        depth += 1

    def skip_end(name):
        nonlocal depth
        depth -= 1
        if depth == 2:  # the row ended
            parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars

    def outside(name, attrs):  # before <sheetData>
        nonlocal depth, left
        left -= 1
        if left < 0:
            raise _too_many()
        depth += 1
        if depth == 2 and name in _SHEET_DATA:
            parser.StartElementHandler = start
            parser.EndElementHandler = end
            parser.CharacterDataHandler = chars

    def outside_end(name):
        nonlocal depth
        depth -= 1

    parser = _parser(outside, outside_end)
    try:
        _feed(parser, data)
    finally:
        book._elements = left
    return cells


def _row_number(r: str | None, before: int) -> int:
    """A row's 1-based number: its r= (openpyxl also takes "7.0"), else the one after `before`;
    a number that is none is a damaged sheet (openpyxl refuses the file). A number below 1 only
    matters to a cell without r= of its own, which is then on no row of the sheet."""
    if r is None:
        return before + 1
    try:
        number = float(int(r))
    except ValueError:
        try:
            number = float(r)
        except ValueError:
            number = 0.5
    if not number.is_integer() or not -(1 << 31) < number < 1 << 31:
        raise UnusableInput(
            f"文件已损坏：工作表中的行号“{r[:20]}”无效。请用 Excel/WPS 打开后另存为 .xlsx 再试。", code="corrupt"
        )
    return int(number)


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


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


_INTEGER = re.compile(r"-?\d+")


def _number(text: str) -> int | float | str:
    try:
        if _INTEGER.fullmatch(text):
            return int(text)
        return float(text)
    except ValueError:
        return text
