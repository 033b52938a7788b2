"""A corpus of broken, foreign and hostile inputs, made fresh as files in a folder.

Each `Case` makes one file (or leaves one missing) and says what `xltools check` must answer:
the exit status (docs/format.md §6), the error code for an unusable file, words the Chinese message
must contain, and the cell it must name where one exists. Everything is built here from the
template, openpyxl, raw zip and compound-file bytes, msoffcrypto-tool and real LibreOffice,
so nothing opaque is checked in. Addresses and labels come from spec/layout, never retyped.
"""

from __future__ import annotations

import functools
import io
import json
import os
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from tests.libreoffice import SOFFICE, profile
from tests.needs import require
from tests.workbooks import VALID_TEXTS, cell_of, fill
from xltools import spec
from xltools.spec import FIELDS, TEMPLATE_VERSION
from xltools.workbook.layout import ANCHORS, FIELD_CELLS, cell_ref
from xltools.workbook.template import template_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_JSON = ROOT / "examples" / "suoluo-2024.json"


@dataclass(frozen=True)
class Case:
    """One input and what `check` must say about it."""

    name: str
    make: Callable[[Path], Path]  # writes the input into a folder and returns its path
    status: int  # exit status of `xltools check`
    says: tuple[str, ...] = ()  # fragments of the Chinese message
    code: str | None = None  # error code (`check --json`) of an unusable input
    cell: str | None = None  # the cell ("三、依申请公开!D6") a finding must name
    soffice: bool = False  # needs real LibreOffice to make
    macro: bool = False  # made by a LibreOffice macro (needs its Python script provider)

    @property
    def needs(self) -> tuple[str, ...]:
        """The programs making this case drives (tests/needs.py): a test of it is marked and skipped by them."""
        if not self.soffice:
            return ()
        return ("libreoffice", "libreoffice_macro") if self.macro else ("libreoffice",)

    def build(self, folder: Path) -> Path:
        for program in self.needs:
            require(program)
        return self.make(folder)


def ref(path: str) -> str:
    """The cell of a field, as findings name it."""
    return cell_ref(*FIELD_CELLS[path])


# --- building blocks -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _filled_cached(items: tuple) -> bytes:
    return fill(dict(items))


def filled(values: dict[str, Any] | None = None) -> bytes:
    """A valid filled template (openpyxl, as another program writes it) with `values` on top."""
    return _filled_cached(tuple({**VALID_TEXTS, **(values or {})}.items()))


def typed(values: dict[str, Any]) -> bytes:
    """A filled template written by our own writer (xlsxwriter escapes control characters)."""
    return template_bytes({**VALID_TEXTS, "agency.level": "township", **values})


def edit(data: bytes, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    """Open .xlsx bytes with openpyxl, change them, save (the way a script or another tool would)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(
    data: bytes,
    replace: dict[str, bytes | Callable[[bytes], bytes] | None] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """Rewrite a zip: parts replaced (bytes or a function of the old bytes), dropped (None) or added."""
    replace, add = replace or {}, add or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in replace:
                new = replace[info.filename]
                if new is None:
                    continue
                body = new(body) if callable(new) else new
            dst.writestr(info.filename, body)
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip path of a sheet's XML part, found through the workbook's relationships."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    index = wb.sheetnames.index(sheet)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- compound files (OLE2): what .xls and password-protected workbooks are ------------------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (MS-CFB version 3) holding `streams` at the root.

    Streams are padded to the mini-stream cutoff so every one sits in regular sectors.
    """
    sector = 512
    blobs = [(name, body.ljust(4096, b"\0")) for name, body in streams.items()]
    fat: list[int] = []
    starts = []
    for _, body in blobs:
        n = -(-len(body) // sector)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [_END]
    entries = 1 + len(blobs)
    dir_sectors = -(-entries * 128 // sector)
    dir_start = len(fat)
    fat += [dir_start + i + 1 for i in range(dir_sectors - 1)] + [_END]
    fat_start = len(fat)
    fat_sectors = 1
    while fat_start + fat_sectors > fat_sectors * 128:
        fat_sectors += 1
    fat += [_FATSECT] * fat_sectors
    fat += [_FREE] * (fat_sectors * 128 - len(fat))

    order = sorted(range(len(blobs)), key=lambda i: (len(blobs[i][0]), blobs[i][0].upper()))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, _FREE, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, _FREE, order[0] + 1 if order else _FREE, _END, 0)
    for pos, i in enumerate(order):
        name, body = blobs[i]
        right = order[pos + 1] + 1 if pos + 1 < len(order) else _FREE
        directory += entry(name, 2, right, _FREE, starts[i], len(body))
    directory = directory.ljust(dir_sectors * sector, b"\0")

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, _END, 0, _END, 0)
    )
    difat = [fat_start + i for i in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    body = b"".join(b.ljust(-(-len(b) // sector) * sector, b"\0") for _, b in blobs)
    body += directory + struct.pack(f"<{len(fat)}I", *fat)
    return header + body


def biff8_workbook() -> bytes:
    """An Excel 97-2003 (.xls) file: a compound file whose Workbook stream opens with a BIFF8 BOF."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)
    eof = struct.pack("<HH", 0x000A, 0)
    return compound_file({"Workbook": bof + eof})


def encrypted_workbook() -> bytes:
    """A real password-to-open workbook (ECMA-376 agile encryption), password 123456."""
    import msoffcrypto.format.ooxml

    plain = io.BytesIO(filled())
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("123456", out)
    data = out.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0") and "EncryptionInfo".encode("utf-16-le") in data
    return data


def encrypted_container() -> bytes:
    """The shape of any password-to-open Office file, built by hand: a compound file holding an
    EncryptionInfo stream (standard encryption, version 3.2) and the EncryptedPackage."""
    info = struct.pack("<HHI", 3, 2, 0x24) + b"\0" * 200
    package = struct.pack("<Q", 51_000) + bytes(range(256)) * 200
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})


# --- zip bombs ------------------------------------------------------------------------------------

_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _deflate_run(head: bytes, gib: float) -> tuple[bytes, int]:
    """A raw deflate stream that inflates to `head` and then `gib` GiB of spaces, built by repeating
    one flushed block (deflate resets its window at a full flush), so it costs milliseconds."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    chunk = b" " * (1 << 20)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH) == block
    n = int(gib * 1024)
    tail = c.flush()
    stream = start + block * n + tail
    probe = zlib.decompressobj(-15).decompress(stream[: len(start) + 3 * len(block)])
    assert probe == head + chunk * 3
    return stream, len(head) + n * len(chunk)


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand from (name, deflated bytes, crc, size claimed, method) per member, so
    its directory can state whatever an attacker wants."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, comp, crc, size, method in members:
        raw = name.encode("utf-8")
        offset = out.tell()
        fields = struct.pack("<HHHHHIII", 20, 0x0800, method, 0, 0x21, crc, len(comp), size)
        out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(raw), 0) + raw + comp)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, offset)
            + raw
        )
    cd = central.getvalue()
    start, n = out.tell(), len(members)
    zip64 = b""
    if n > 0xFFFF:  # the count goes to a zip64 end record
        at = start + len(cd)
        zip64 = (
            b"PK\x06\x06"
            + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, n, n, len(cd), start)
            + b"PK\x06\x07"
            + struct.pack("<IQI", 0, at, 1)
        )
        n = 0xFFFF
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, len(cd), start, 0)
    return out.getvalue() + cd + zip64 + eocd


def _members(data: bytes) -> list[tuple[str, bytes, int, int, int]]:
    src = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for info in src.infolist():
        body = src.read(info.filename)
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        members.append((info.filename, c.compress(body) + c.flush(), zlib.crc32(body), len(body), 8))
    return members


def zip_bomb(*, forged: bool, gib: float = 2.0) -> bytes:
    """A filled template whose 三、依申请公开 sheet inflates to `gib` GiB (a ~2 MB file).

    honest: the directory states the real size (a reader must refuse before inflating);
    forged: the directory claims the size of the real sheet (a reader must cap what it inflates).
    """
    base = filled()
    part = sheet_part(base, spec.SHEET_REQUESTS)
    members = _members(base)
    stream, size = _deflate_run(_SHEET_HEAD, gib)
    for i, (name, _comp, _crc, real_size, method) in enumerate(members):
        if name == part:
            members[i] = (name, stream, 0x12345678, real_size if forged else size, method)
    return _raw_zip(members)


def many_entries(count: int = 120_000) -> bytes:
    """A zip of a hundred thousand empty members: a reader that builds an object per entry
    before looking would spend its memory there."""
    members = _members(filled())
    members += [(f"x/{i}", b"\x03\x00", 0, 0, 8) for i in range(count)]
    return _raw_zip(members)


def huge_sheet(rows: int = 95_000) -> bytes:
    """A filled template whose 三、依申请公开 sheet holds about a million extra cells (27 MB of XML,
    an ordinary compression ratio): parsing it whole would take seconds and most of a gigabyte."""
    base = typed({})
    part = sheet_part(base, spec.SHEET_REQUESTS)
    body = zipfile.ZipFile(io.BytesIO(base)).read(part)
    cells = "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in "KLMNOPQRST")
    extra = "".join(f'<row r="{r}">' + cells.replace("{r}", str(r)) + "</row>" for r in range(200, 200 + rows))
    return rezip(base, {part: body.replace(b"</sheetData>", extra.encode() + b"</sheetData>")})


def nested_xml(depth: int = 1_000_000) -> bytes:
    """A sheet part of a million nested elements, stored uncompressed (so no ratio gives it away)."""
    base = filled()
    part = sheet_part(base, spec.SHEET_REQUESTS)
    body = _SHEET_HEAD + b"<a>" * depth + b"</a>" * depth + b"</sheetData></worksheet>"
    members = [
        (n, c, crc, size, m) if n != part else (n, body, zlib.crc32(body), len(body), 0)
        for n, c, crc, size, m in _members(base)
    ]
    return _raw_zip(members)


# --- hostile XML ----------------------------------------------------------------------------------

_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>"
)


def billion_laughs(part: str) -> bytes:
    """A filled template whose `part` ("sheet" or "sharedStrings") expands to gigabytes of "lol"."""
    base = typed({})  # written with shared strings, as Excel and WPS do
    if part == "sheet":
        name = sheet_part(base, spec.SHEET_REQUESTS)
        body = (
            _LAUGHS + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
        )
    else:
        name = "xl/sharedStrings.xml"
        body = (
            _LAUGHS + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<si><t>&lol9;</t></si></sst>"
        )
    return rezip(base, {name: body})


def xxe(part: str, url: str = "file:///etc/passwd") -> bytes:
    """A filled template whose `part` pulls in an external entity (a file, or a URL)."""
    base = typed({})
    dtd = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'.encode()
    if part == "sheet":
        name = sheet_part(base, spec.SHEET_REQUESTS)
        body = (
            dtd + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
        )
    else:
        name = "xl/sharedStrings.xml"
        body = (
            dtd + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
        )
    return rezip(base, {name: body})


# --- foreign and outdated workbooks ---------------------------------------------------------------


def foreign_workbook(*, report_like: bool) -> bytes:
    """A workbook another program made from scratch (openpyxl's Workbook())."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if report_like:
        ws.append([spec.REQUESTS.rows[0].label, 3, 0, 0, 0, 0, 0, 3])
        ws.append([spec.REQUESTS.row("granted").label, 3, 0, 0, 0, 0, 0, 3])
    else:
        ws.append(["姓名", "金额"])
        ws.append(["张三", 100])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def format_2019_workbook() -> bytes:
    """A table in the 2019 试行 shape: 第二十条第（九）项 (政府集中采购) and a single （六）其他处理 row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "主动公开"
    ws.append(["第二十条第（九）项"])
    ws.append(["信息内容", "采购项目数量", "采购总金额"])
    ws.append(["政府集中采购", 0, 0])
    requests = wb.create_sheet("依申请公开")
    requests.append([spec.REQUESTS.rows[0].label, 0, 0, 0, 0, 0, 0, 0])
    requests.append(["（六）其他处理", 0, 0, 0, 0, 0, 0, 0])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def versioned(version: str) -> bytes:
    """A filled template stamped with another template version, in all three places."""
    old = TEMPLATE_VERSION.encode()
    new = version.encode()
    base = filled()
    return rezip(
        base,
        {
            "docProps/custom.xml": lambda b: b.replace(old, new),
            "xl/workbook.xml": lambda b: b.replace(b'"' + old + b'"', b'"' + new + b'"').replace(
                b"&quot;" + old + b"&quot;", b"&quot;" + new + b"&quot;"
            ),
            "xl/sharedStrings.xml": lambda b: b.replace(b">" + old + b"<", b">" + new + b"<"),
        },
    )


def future_versions() -> tuple[str, str]:
    major, minor = map(int, TEMPLATE_VERSION.split("."))
    return f"{major}.{minor + 1}", f"{major + 4}.1"


def macro_workbook() -> bytes:
    """A filled template saved with a VBA project (what Excel writes for .xlsm)."""
    base = filled()
    vba = compound_file({"dir": b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub\n'})
    return rezip(
        base,
        {
            "[Content_Types].xml": lambda b: b.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        },
        add={"xl/vbaProject.bin": vba},
    )


def strict_ooxml() -> bytes:
    """A filled template as Excel saves it with "Strict Open XML Spreadsheet": ISO namespaces."""
    pairs = (
        (
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        ),
        (
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        ),
        (
            b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
            b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
        ),
        (
            b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
            b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        ),
    )

    def iso(body: bytes) -> bytes:
        for transitional, strict in pairs:
            body = body.replace(transitional, strict)
        return body

    base = filled(LO_VALUES)
    names = zipfile.ZipFile(io.BytesIO(base)).namelist()
    return rezip(base, {n: iso for n in names if n.endswith((".xml", ".rels"))})


def word_document() -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph(VALID_TEXTS["agency.name"] + "2024年政府信息公开工作年度报告")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def ods_spreadsheet() -> bytes:
    """An OpenDocument spreadsheet (what LibreOffice saves by default): mimetype first, stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        )
    return out.getvalue()


def truncated(fraction: float) -> bytes:
    data = filled()
    return data[: int(len(data) * fraction)]


def corrupt_member() -> bytes:
    """A zip whose directory is intact but whose sheet data is damaged (a bad copy from a USB stick)."""
    base = filled()
    part = sheet_part(base, spec.SHEET_REQUESTS)
    members = _members(base)
    out = []
    for name, comp, crc, size, method in members:
        if name == part:
            mid = len(comp) // 2
            comp = comp[:mid] + bytes(b ^ 0x5A for b in comp[mid : mid + 64]) + comp[mid + 64 :]
        out.append((name, comp, crc, size, method))
    return _raw_zip(out)


# --- edited templates -----------------------------------------------------------------------------


def renamed_sheet(*, names_follow: bool) -> bytes:
    """三、依申请公开 renamed: by a tool that leaves the defined names behind (openpyxl), or the way
    Excel does it (the names follow the new sheet name)."""
    old = spec.SHEET_REQUESTS
    new = "依申请公开情况"
    if not names_follow:
        return edit(filled(), lambda wb: setattr(wb[old], "title", new))
    return rezip(filled(), {"xl/workbook.xml": lambda b: b.replace(old.encode(), new.encode())})


def deleted_sheet() -> bytes:
    return edit(filled(), lambda wb: wb.remove(wb[spec.SHEET_APPEALS]))


def _label_cell(path: str) -> tuple[str, int, int, str]:
    """The sheet, row, column and text of the first label that `path` is checked against."""
    sheet, row, col = FIELD_CELLS[path]
    d_row, d_col, text = ANCHORS[path][0]
    return sheet, row + d_row, col + d_col, text


def first_field_beside(sheet: str, row: int, col: int) -> str:
    """The first field (in spec order) whose label is the given cell: the one a finding names."""
    for path in FIELDS:
        s, r, c = FIELD_CELLS[path]
        if s == sheet and any((r + dr, c + dc) == (row, col) for dr, dc, _ in ANCHORS[path]):
            return path
    raise LookupError((sheet, row, col))


EDITED_LABEL_FIELD = "requests.granted.natural"
EDITED_LABEL_CELL = ref(first_field_beside(*_label_cell(EDITED_LABEL_FIELD)[:3]))


def edited_label() -> tuple[bytes, str]:
    """Protection removed and one label changed; returns the workbook and the cell to be named."""
    sheet, row, col, text = _label_cell(EDITED_LABEL_FIELD)

    def change(wb):
        ws = wb[sheet]
        ws.protection.sheet = False
        ws.cell(row + 1, col + 1).value = text + "（含部分公开）"

    return edit(filled(), change), EDITED_LABEL_CELL


def openpyxl_inserted_rows() -> bytes:
    """Two rows inserted above table 三 by openpyxl, which moves cells but not names or formulas."""

    def change(wb):
        ws = wb[spec.SHEET_REQUESTS]
        ws.protection.sheet = False
        ws.insert_rows(1, 2)

    return edit(filled(LO_VALUES), change)


LO_VALUES = {
    "requests.new.natural": 7,
    "requests.granted.natural": 5,
    "requests.carried_over.natural": 2,
    "appeals.review.upheld": 1,
}

_LO_MACRO = """
import os
import uno
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def insert_rows(*args):
    desktop = XSCRIPTCONTEXT.getDesktop()
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.environ["XLT_SRC"]), "_blank", 0,
                                       (_prop("Hidden", True),))
    try:
        for sheet_name in os.environ["XLT_SHEETS"].split("|"):
            sheet = doc.Sheets.getByName(sheet_name)
            sheet.unprotect("")
            sheet.Rows.insertByIndex(int(os.environ["XLT_ROW"]), int(os.environ["XLT_COUNT"]))
        doc.storeToURL(uno.systemPathToFileUrl(os.environ["XLT_DST"]),
                       (_prop("FilterName", "Calc MS Excel 2007 XML"),))
    finally:
        doc.close(True)


g_exportedScripts = (insert_rows,)
"""


def libreoffice_inserted_rows(src: Path, dst: Path, sheets: tuple[str, ...], *, row: int = 1, count: int = 2) -> Path:
    """Insert rows above the tables of `sheets` with real LibreOffice (a Python macro run headless
    in a throwaway profile) and save as .xlsx. LibreOffice moves names and formulas along."""
    require("libreoffice_macro")
    with profile("lo-macro-", macro=_LO_MACRO) as command:
        # LibreOffice embeds the system Python: keep a pyenv/venv interpreter off its PATH.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV", "VIRTUAL_ENV"))}
        env.update(
            PATH="/usr/sbin:/usr/bin:/sbin:/bin",
            XLT_SRC=str(src.resolve()),
            XLT_DST=str(dst.resolve()),
            XLT_SHEETS="|".join(sheets),
            XLT_ROW=str(row),
            XLT_COUNT=str(count),
        )
        cmd = command("vnd.sun.star.script:xlt.py$insert_rows?language=Python&location=user")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    if not dst.exists():
        raise AssertionError(
            f"LibreOffice did not write {dst} (is libreoffice-script-provider-python installed?): {proc.stderr}"
        )
    return dst


def _lo_saved_as(fmt: str) -> Callable[[Path], Path]:
    """A filled template saved by real LibreOffice in another format (.xls, .ods)."""

    def make(folder: Path) -> Path:
        from tests.libreoffice import convert

        src = write(folder, "另存为.xlsx", filled())
        (out,) = convert([src], fmt, folder / "out")
        src.unlink()
        return out

    return make


def _lo_rows(folder: Path) -> Path:
    src = write(folder, "插入行前.xlsx", filled(LO_VALUES))
    dst = libreoffice_inserted_rows(
        src, folder / "LibreOffice插入行.xlsx", (spec.SHEET_REQUESTS, spec.SHEET_APPEALS, spec.SHEET_BASIC)
    )
    src.unlink()
    return dst


def with_formula(path: str, formula: str) -> bytes:
    return edit(filled(), lambda wb: setattr(cell_of(wb, path), "value", formula))


def external_formula() -> bytes:
    """An input pointing into last year's workbook, with the external-link part Excel writes."""
    data = with_formula("requests.carried_in.natural", f"=[1]{spec.SHEET_REQUESTS}!$D$30")
    link = (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships" r:id="rId1"/></externalLink>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLinkPath" Target="http://127.0.0.1:9/2023.xlsx" '
        b'TargetMode="External"/></Relationships>'
    )
    return rezip(
        data, add={"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": rels}
    )


# --- narratives -----------------------------------------------------------------------------------

LONG_TEXT = ("我镇坚持以公开为常态、不公开为例外，持续推进决策、执行、管理、服务、结果公开。" * 1000)[:32767]
ODD_TEXT = (
    "坚持主动公开\x07政府信息\x0b，群众满意度高😀👍🏽。引用外文资料：مرحبا بالعالم و שלום עולם，\u202e倒序\u202c完毕。"
)
SCRIPT_TEXT = '<script>alert("x")</script>依托政府网站公开信息，<b>加粗</b>&amp;转义。'
EQUALS_TEXT = '=HYPERLINK("http://127.0.0.1:9/","点击查看")，平台运行平稳。'


# --- JSON -----------------------------------------------------------------------------------------


def report_json(**changes: Any) -> dict:
    """The example JSON report with top-level keys changed (None drops a key)."""
    obj = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def jwrite(folder: Path, name: str, obj: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(obj, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def _deep_json(folder: Path) -> Path:
    depth = 100_000
    path = folder / "嵌套过深.json"
    head = json.dumps(report_json())[:-1] + ', "contact": '
    path.write_text(head + "[" * depth + "]" * depth + "}", encoding="utf-8")
    return path


def _huge_json(folder: Path) -> Path:
    """A 100 MB JSON report: a real document, its contact text 100 MB long."""
    path = folder / "超大.json"
    head = json.dumps(report_json(), ensure_ascii=False)[:-1] + ', "contact": "'
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head)
        line = "联系电话：0000-0000000。" * 1000
        written = 0
        while written < 100 * 1024 * 1024:
            fh.write(line)
            written += len(line.encode("utf-8"))
        fh.write('"}')
    return path


def _wrong_types(folder: Path) -> Path:
    obj = report_json()
    obj["year"] = "二〇二四年"
    obj["requests"] = {**obj.get("requests", {}), "new": {"natural": "三", "business": [1], "research": True}}
    obj["appeals"] = ["review"]
    return jwrite(folder, "类型错误.json", obj)


def _unknown_keys(folder: Path) -> Path:
    obj = report_json()
    obj["requests"] = {**obj.get("requests", {}), "new": {"natual": 5}}
    obj["remarks"] = "备注"
    return jwrite(folder, "未知字段.json", obj)


def _no_name(folder: Path) -> Path:
    obj = report_json()
    obj["agency"] = {k: v for k, v in obj["agency"].items() if k != "name"}
    return jwrite(folder, "缺机关名称.json", obj)


def _json_2019(folder: Path) -> Path:
    obj = report_json()
    obj["requests"] = {**obj.get("requests", {}), "other": {"natural": 0}}
    return jwrite(folder, "2019格式.json", obj)


# --- the corpus -----------------------------------------------------------------------------------


def _folder(folder: Path) -> Path:
    path = folder / "一个文件夹.xlsx"
    path.mkdir()
    return path


def _xlsx(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    return lambda folder: write(folder, name, data())


def _label_case(folder: Path) -> Path:
    return write(folder, "改了标签.xlsx", edited_label()[0])


_NEW_REV, _NEW_EDITION = future_versions()

CASES: tuple[Case, ...] = (
    # files that are not there or not files
    Case("missing", lambda d: d / "不存在的报告.xlsx", 2, ("文件不存在", "请检查"), "missing"),
    Case("folder", _folder, 2, ("文件夹", "请"), "usage"),
    Case("empty", _xlsx("空文件.xlsx", lambda: b""), 2, ("空的", "请重新获取"), "empty"),
    Case(
        "unsupported_suffix",
        lambda d: write(d, "报告.pages", b"PK\x03\x04 not really"),
        2,
        ("不支持的文件类型", "请提供"),
        "unsupported",
    ),
    # not an .xlsx
    Case("xls_biff", _xlsx("旧格式.xls", biff8_workbook), 2, ("97-2003", "请使用"), "xls"),
    Case("xls_libreoffice", _lo_saved_as("xls"), 2, ("97-2003", "请使用"), "xls", soffice=True),
    Case("ods_libreoffice", _lo_saved_as("ods"), 2, ("OpenDocument", "另存为"), "not_xlsx", soffice=True),
    Case("xls_renamed_xlsx", _xlsx("旧格式改名.xlsx", biff8_workbook), 2, ("97-2003", "请使用"), "xls"),
    Case(
        "csv_renamed",
        _xlsx("表格.xlsx", lambda: "项目,数量\n本年新收,3\n".encode("gb18030")),
        2,
        ("CSV", "请使用"),
        "not_xlsx",
    ),
    Case("docx_renamed", _xlsx("文档.xlsx", word_document), 2, ("Word 文档", "请提供"), "not_xlsx"),
    Case("ods", _xlsx("开放格式.ods", ods_spreadsheet), 2, ("OpenDocument", "另存为"), "not_xlsx"),
    Case(
        "zip_not_workbook",
        _xlsx("压缩包.xlsx", lambda: rezip(filled(), {"xl/workbook.xml": None})),
        2,
        ("不是 Excel 工作簿", "请"),
        "not_xlsx",
    ),
    Case("xlsm_macro", _xlsx("带宏.xlsm", macro_workbook), 2, ("宏", "请", ".xlsx"), "macro"),
    Case("xlsx_with_macro", _xlsx("带宏改名.xlsx", macro_workbook), 2, ("宏", "请", ".xlsx"), "macro"),
    Case("encrypted", _xlsx("加密.xlsx", encrypted_workbook), 2, ("密码", "请"), "encrypted"),
    Case("encrypted_constructed", _xlsx("加密2.xlsx", encrypted_container), 2, ("密码", "请"), "encrypted"),
    Case("truncated_half", _xlsx("复制一半.xlsx", lambda: truncated(0.5)), 2, ("损坏", "请重新获取"), "corrupt"),
    Case("truncated_tail", _xlsx("少了结尾.xlsx", lambda: truncated(0.995)), 2, ("损坏", "请重新获取"), "corrupt"),
    Case("corrupt_member", _xlsx("数据损坏.xlsx", corrupt_member), 2, ("损坏", "请"), "corrupt"),
    # hostile
    Case("zip_bomb", _xlsx("压缩炸弹.xlsx", lambda: zip_bomb(forged=False)), 2, ("压缩炸弹", "已停止"), "zip_bomb"),
    Case("zip_bomb_forged", _xlsx("伪造大小.xlsx", lambda: zip_bomb(forged=True)), 2, ("损坏", "请"), "corrupt"),
    Case("many_entries", _xlsx("条目过多.xlsx", many_entries), 2, ("数量异常多", "请确认"), "too_large"),
    Case("huge_sheet", _xlsx("单元格过多.xlsx", huge_sheet), 2, ("数量异常多", "请确认"), "too_large"),
    Case("nested_xml", _xlsx("层层嵌套.xlsx", nested_xml), 2, ("数量异常多", "请确认"), "too_large"),
    Case(
        "laughs_sheet",
        _xlsx("实体膨胀表.xlsx", lambda: billion_laughs("sheet")),
        2,
        ("不安全", "已拒绝"),
        "hostile_xml",
    ),
    Case(
        "laughs_strings",
        _xlsx("实体膨胀串.xlsx", lambda: billion_laughs("strings")),
        2,
        ("不安全", "已拒绝"),
        "hostile_xml",
    ),
    Case("xxe_sheet", _xlsx("外部实体表.xlsx", lambda: xxe("sheet")), 2, ("不安全", "已拒绝"), "hostile_xml"),
    Case("xxe_strings", _xlsx("外部实体串.xlsx", lambda: xxe("strings")), 2, ("不安全", "已拒绝"), "hostile_xml"),
    # foreign and outdated
    Case(
        "other_program",
        _xlsx("别的表格.xlsx", lambda: foreign_workbook(report_like=False)),
        2,
        ("不是本工具的模板", "请使用本工具的空白模板", "xltools template -o"),
        "foreign",
    ),
    Case(
        "other_program_report",
        _xlsx("自制报表.xlsx", lambda: foreign_workbook(report_like=True)),
        2,
        ("不是本工具生成的模板", "请使用本工具的空白模板", "xltools template -o"),
        "foreign",
    ),
    Case(
        "future_revision", _xlsx("新版模板.xlsx", lambda: versioned(_NEW_REV)), 2, (_NEW_REV, "请升级"), "newer_version"
    ),
    Case(
        "future_edition",
        _xlsx("未来格式.xlsx", lambda: versioned(_NEW_EDITION)),
        2,
        (_NEW_EDITION, "请升级"),
        "newer_version",
    ),
    Case(
        "format_2019",
        _xlsx("2019格式.xlsx", format_2019_workbook),
        2,
        ("2019", "请用本工具的空白模板", "xltools template -o"),
        "format_2019",
    ),
    Case("json_2019", _json_2019, 2, ("2019", "other.no_correction"), "format_2019"),
    # our template, edited
    Case("strict_ooxml", _xlsx("严格格式.xlsx", strict_ooxml), 0, ("通过",)),
    Case(
        "renamed_sheet",
        _xlsx("改了表名.xlsx", lambda: renamed_sheet(names_follow=False)),
        1,
        (spec.SHEET_REQUESTS, "依申请公开情况", "请恢复"),
    ),
    Case(
        "renamed_sheet_names_follow",
        _xlsx("改了表名2.xlsx", lambda: renamed_sheet(names_follow=True)),
        1,
        (spec.SHEET_REQUESTS, "依申请公开情况", "请恢复"),
    ),
    Case("deleted_sheet", _xlsx("删了表.xlsx", deleted_sheet), 1, (spec.SHEET_APPEALS, "请使用完整的模板")),
    Case("edited_label", _label_case, 1, ("标签与模板不符", "请撤销改动"), cell=EDITED_LABEL_CELL),
    Case(
        "rows_inserted_openpyxl",
        _xlsx("插入了行.xlsx", openpyxl_inserted_rows),
        1,
        (spec.SHEET_REQUESTS, "标签与模板不符", "请撤销改动"),
    ),
    Case("rows_inserted_libreoffice", _lo_rows, 0, ("通过",), soffice=True, macro=True),
    Case(
        "formula_in_input",
        _xlsx("输入了公式.xlsx", lambda: with_formula("requests.new.natural", "=3+4")),
        1,
        ("公式", "=3+4", "请删除公式"),
        cell=ref("requests.new.natural"),
    ),
    Case(
        "external_formula",
        _xlsx("外部引用.xlsx", external_formula),
        1,
        ("引用了其他工作簿", "请删除公式"),
        cell=ref("requests.carried_in.natural"),
    ),
    Case(
        "total_overwritten",
        _xlsx("改了总计.xlsx", lambda: with_formula("requests.new.total", 99)),
        1,
        ("数值“99”", "请恢复公式"),
        cell=ref("requests.new.total"),
    ),
    # numbers as staff type them
    Case(
        "numbers_as_text",
        _xlsx("文本数字.xlsx", lambda: filled({"requests.new.natural": "12", "requests.granted.natural": "12"})),
        1,  # docs/format.md §5.1: the sheet's SUM skips text, so its totals leave these out
        ("是文本，不是数字", "合计会跳过它", "重新输入数字 12"),
        cell=ref("requests.new.natural"),
    ),
    Case(
        "fullwidth_digits",
        _xlsx("全角数字.xlsx", lambda: filled({"requests.new.natural": "１２", "requests.granted.natural": "１２"})),
        1,
        ("“１２”是文本", "重新输入数字 12", "半角数字"),
        cell=ref("requests.new.natural"),
    ),
    Case(
        "negative",
        _xlsx("负数.xlsx", lambda: filled({"appeals.review.upheld": -3})),
        1,
        ("不能为负数",),
        cell=ref("appeals.review.upheld"),
    ),
    Case(
        "fraction",
        _xlsx("小数.xlsx", lambda: filled({"appeals.review.upheld": 2.5})),
        1,
        ("应为整数",),
        cell=ref("appeals.review.upheld"),
    ),
    Case(
        "fraction_text",
        _xlsx("分数.xlsx", lambda: filled({"appeals.review.upheld": "1/2"})),
        1,
        ("不是数字", "请填写阿拉伯数字"),
        cell=ref("appeals.review.upheld"),
    ),
    Case(
        "ten_to_15",
        _xlsx("过大.xlsx", lambda: filled({"proactive.licensing.decisions": 10**15})),
        1,
        ("过大", "请核对"),
        cell=ref("proactive.licensing.decisions"),
    ),
    Case(
        "text_in_number",
        _xlsx("文字.xlsx", lambda: filled({"proactive.penalty.decisions": "无"})),
        1,
        ("不是数字", "没有的填 0"),
        cell=ref("proactive.penalty.decisions"),
    ),
    # narratives
    Case("long_text", _xlsx("长文本.xlsx", lambda: filled({"overview.platform": LONG_TEXT})), 0, ("通过",)),
    Case(
        "odd_characters",
        _xlsx("特殊字符.xlsx", lambda: typed({"overview.proactive": ODD_TEXT})),
        0,
        ("控制字符", "已删除"),
        cell=ref("overview.proactive"),
    ),
    Case(
        "script_and_equals",
        _xlsx(
            "脚本.xlsx",
            lambda: typed({"overview.platform": SCRIPT_TEXT, "problems": EQUALS_TEXT + VALID_TEXTS["problems"]}),
        ),
        0,
        ("通过",),
    ),
    # JSON
    Case(
        "json_malformed",
        lambda d: write(d, "坏.json", b'{"format": "xltools.report/1", "year": 2024,,}'),
        2,
        ("JSON 格式错误", "第 1 行"),
        "malformed",
    ),
    Case(
        "json_not_utf8",
        lambda d: write(d, "编码.json", json.dumps(report_json(), ensure_ascii=False).encode("gb18030")),
        2,
        ("UTF-8", "请另存为"),
        "encoding",
    ),
    Case("json_array", lambda d: jwrite(d, "数组.json", [report_json()]), 2, ("最外层",), "not_report"),
    Case("json_wrong_types", _wrong_types, 1, ("不是数字", "应是一个对象")),
    Case("json_unknown_keys", _unknown_keys, 1, ("natual", "remarks", "拼写错误")),
    Case("json_no_agency_name", _no_name, 1, ("机关全称", "未填写")),
    Case("json_deeply_nested", _deep_json, 2, ("嵌套过深",), "malformed"),
    Case("json_100mb", _huge_json, 2, ("过大",), "too_large"),
    Case(
        "json_nan",
        lambda d: write(
            d, "非数.json", json.dumps(report_json())[:-1].encode() + b', "processing_fee": {"amount_yuan": NaN}}'
        ),
        2,
        ("非法数值",),
        "malformed",
    ),
)

BY_NAME = {c.name: c for c in CASES}


class Corpus:
    """The corpus made lazily in one folder: each case in its own sub-folder, made on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._made: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self._made:
            sub = self.folder / name
            sub.mkdir(parents=True)
            self._made[name] = BY_NAME[name].build(sub)
        return self._made[name]


def make_all(folder: Path, *, soffice: bool = True) -> dict[str, Path]:
    """Every case as a file in `folder` (the LibreOffice one only when `soffice`)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for case in CASES:
        if case.soffice and not (soffice and SOFFICE):
            continue
        sub = folder / case.name
        sub.mkdir()
        out[case.name] = case.build(sub)
    return out


def sha(path: Path) -> str | None:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def tree(folder: Path) -> dict[str, str | None]:
    """Every file under a folder with its hash: to show nothing was written or changed."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*"))}


__all__ = ["BY_NAME", "CASES", "Case", "Corpus", "make_all", "sha", "tree"]


if __name__ == "__main__":  # python -m tests.corpus FOLDER: write the corpus to look at it
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for name, path in make_all(target).items():
        print(f"{name:28} {path}")
