"""An Office Open XML package (.xlsx, .docx) opened safely: the zip judged by its directory before
anything is inflated, every part inflated within a limit, XML parsed by expat with no document
type declaration at all. The workbook reader (workbook/xlsx.py) and the Word reader
(published/docx.py) both stand on this.

Guards: the end-of-central-directory record and the directory (entries, declared sizes,
compression ratios) are judged before zipfile builds its objects or anything is inflated; no part
inflates past MAX_PART (zipfile itself stops a member at its declared size, and `read_part` at
MAX_PART whatever is declared); a document type declaration is refused outright, so no entity is
ever declared, expanded or fetched.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.parsers import expat

from xltools.errors import UnusableInput

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .xls, .doc, or an encrypted package
ZIP_MAGIC = b"PK\x03\x04"
MAX_PART = 30 * 1024 * 1024  # inflated size of any one part
MAX_TOTAL = 120 * 1024 * 1024  # inflated size of all parts together, as declared
MAX_ENTRIES = 5000
MAX_RATIO = 200  # compression ratio above which a part is a bomb, not a document

# What a damaged member raises while it is inflated (bad CRC, broken deflate data, a part the
# directory names but the archive lacks, an encrypted or unknown compression).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, NotImplementedError, RuntimeError, ValueError)


def check_end_record(data: bytes, what: str = "年度报告模板") -> None:
    """Refuse a zip whose central directory claims more entries than a document has, before
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
            f"压缩包中的文件数量异常多，不像是{what}，已停止读取。请确认选择的是填好的{what}。"
            if what == "年度报告模板"
            else f"压缩包中的文件数量异常多，不像是{what}，已停止读取。请确认选择的是正确的文件。",
            code="too_large",
        )


def check_zip_directory(infos: list[zipfile.ZipInfo], what: str = "年度报告模板", saved_by: str = "Excel/WPS") -> None:
    """Refuse a package by what its directory declares, before anything is inflated (zip bombs).
    `what` the document it should be, `saved_by` the programs that save a good one."""
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
                f"请向报送单位重新索取用 {saved_by} 保存的原文件。",
                code="zip_bomb",
            )


def open_package(data: bytes, what: str, saved_by: str, broken: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip of a package whose end record and directory passed (`check_end_record`,
    `check_zip_directory`); `broken`: the message for an archive that cannot be opened."""
    check_end_record(data, what)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:  # "zip file version"
        raise UnusableInput(broken, code="corrupt") from exc
    check_zip_directory(infos, what, saved_by)
    return zf, infos


_PROLOG = 64 * 1024  # a document type declaration comes before the root element


def refuse_doctypes(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a package any of whose XML parts declares a document type (for a reader that parses
    parts itself, as python-docx does): no entity ever reaches a parser."""
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with zf.open(info) as fh:
                head = fh.read(_PROLOG)
        except DAMAGED:
            continue  # the reader will find it damaged
        if b"<!DOCTYPE" in head.upper() or b"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E" in head.upper():
            raise UnusableInput(_HOSTILE, code="hostile_xml")


def read_part(zf: zipfile.ZipFile, name: str, resave: str = "用 Excel/WPS 打开后另存为 .xlsx 再试") -> bytes:
    """Inflate one part, never more than MAX_PART bytes, whatever the directory claims. A
    damaged member is a corrupt file (`resave` says what to do), not a program error."""
    try:
        with zf.open(name) as fh:
            data = fh.read(MAX_PART + 1)
    except DAMAGED as exc:
        raise UnusableInput(
            f"文件已损坏（压缩包中的数据不完整或校验失败），可能没有完整复制。请重新获取原文件，或{resave}。",
            code="corrupt",
        ) from exc
    if len(data) > MAX_PART:
        raise UnusableInput(
            "文件中的某一部分解压后过大（可能是“压缩炸弹”），已停止读取。请向报送单位重新索取原文件。", code="zip_bomb"
        )
    return data


_HOSTILE = (
    "文件中含有不安全的 XML 内容（文档类型定义、实体或外部引用），可能是恶意构造的文件，已拒绝读取，"
    "没有访问其中引用的任何文件或网址。请向报送单位重新索取用 Excel/WPS 保存的原文件。"
)


# --- XML: expat with callbacks that keep no element objects -----------------------------------------


class Hostile(Exception):
    """A document type declaration: the way to entities and external references."""


class Done(Exception):
    """Raised by a callback: everything the reader needs of a part has been seen."""


def _refuse(*_args) -> None:
    raise Hostile


SLICE = 16 * 1024


def parser(start, end=None, text=None):
    """An expat parser that refuses any document type declaration, so no entity is declared,
    expanded or fetched."""
    p = expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse
    p.buffer_text = True
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    return p


def feed(p, data: bytes, resave: str = "用 Excel/WPS 打开后另存为 .xlsx 再试") -> None:
    """Parse one part; a callback raising `Done` ends it early."""
    for at in range(0, len(data), SLICE):  # in slices, so that a part left early is not tokenised to its end
        if run(p, data[at : at + SLICE], False, resave):
            return
    run(p, b"", True, resave)


def run(p, data: bytes, final: bool, resave: str = "用 Excel/WPS 打开后另存为 .xlsx 再试") -> bool:
    """Feed the parser; True when a callback said it has all it needs."""
    try:
        p.Parse(data, final)
    except Done:
        return True
    except Hostile as exc:
        raise UnusableInput(_HOSTILE, code="hostile_xml") from exc
    except (expat.ExpatError, ValueError) as exc:
        raise UnusableInput(f"文件已损坏（内部 XML 无法解析），请{resave}。", code="corrupt") from exc
    return False
