"""A round's roster: the units expected, from a text list or a workbook.

Text: one 机关全称 a line, optionally followed by its level and its parent, separated by a tab or a
comma (full-width too); `#` starts a comment; UTF-8 or GB18030. Workbook (.xlsx): the first sheet,
columns A–C the same three. A first line whose name is a heading (机关全称, 单位名称 …) is skipped.
Names are compared folded (xltools.text.fold: invisible characters, full-width forms, spaces), and
two lines that fold to one name are refused with both named.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from xltools.errors import UnusableInput
from xltools.text import clean_text, fold

MAX_ROSTER = 5 * 1024 * 1024
MAX_UNITS = 10_000
MAX_UNPACKED = 50 * 1024 * 1024  # a roster workbook inflated: 10,000 names take well under 5 MB
_HEADINGS = {fold(h) for h in ("机关全称", "单位名称", "单位", "名称", "填报单位", "机关名称")}
_SEPARATORS = re.compile(r"[\t,，]")


@dataclass(frozen=True)
class Entry:
    """One unit of a roster; `line` is where it was (a line or a row number) for messages."""

    name: str
    level: str = ""
    parent: str = ""
    line: int = 0

    @property
    def folded(self) -> str:
        return fold(self.name)


def parse_roster(data: bytes, filename: str) -> list[Entry]:
    """The roster in a file's bytes (`filename` only picks the reader: .xlsx, else text)."""
    if len(data) > MAX_ROSTER:
        raise UnusableInput("单位名单文件太大（超过 5 MB）。请每行只写一个机关全称。", code="too_large")
    rows = _xlsx_rows(data) if Path(filename).suffix.lower() == ".xlsx" else _text_rows(data)
    return checked(rows)


def parse_roster_text(text: str) -> list[Entry]:
    """A roster pasted as text (the web form)."""
    return checked(_split_lines(text))


def read_roster_file(path: str) -> list[Entry]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnusableInput(f"无法读取单位名单：{exc.strerror or exc}。", code="unreadable", path=path) from exc
    return parse_roster(data, path)


def _text_rows(data: bytes) -> list[tuple[int, list[str]]]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return _split_lines(data.decode(enc))
        except UnicodeDecodeError:
            continue
    raise UnusableInput("单位名单不是文本文件（应为每行一个机关全称）。", code="encoding")


def _split_lines(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        rows.append((i, [clean_text(part).strip() for part in _SEPARATORS.split(line)]))
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook  # type: ignore[import-untyped]  # lazy: heavy; only a workbook roster needs it

    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnusableInput(
            "单位名单工作簿无法读取。请另存为 .xlsx，或改用每行一个机关全称的文本文件。", code="unreadable"
        ) from exc
    if unpacked > MAX_UNPACKED:  # a zip bomb: refused before anything is inflated
        raise UnusableInput("单位名单工作簿解压后太大。请只保留名单一张表，或改用文本文件。", code="too_large")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnusableInput(
            "单位名单工作簿无法读取。请另存为 .xlsx，或改用每行一个机关全称的文本文件。", code="unreadable"
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for i, row in enumerate(sheet.iter_rows(max_col=3, values_only=True), 1):
            if i > MAX_UNITS + 1:
                break
            rows.append((i, [clean_text("" if v is None else str(v)).strip() for v in row]))
        return rows
    finally:
        book.close()


def checked(rows: list[tuple[int, list[str]]]) -> list[Entry]:
    """Entries from split rows: blank rows skipped, a heading row skipped, duplicates refused."""
    entries: list[Entry] = []
    for line, parts in rows:
        parts = [*parts, "", "", ""]
        name = parts[0]
        if not fold(name):
            continue
        if not entries and fold(name) in _HEADINGS:
            continue
        entries.append(Entry(name, parts[1], parts[2], line))
    if not entries:
        raise UnusableInput("单位名单是空的。请每行写一个机关全称。", code="empty_roster")
    if len(entries) > MAX_UNITS:
        raise UnusableInput(f"单位名单超过 {MAX_UNITS} 个单位。", code="too_large")
    seen: dict[str, Entry] = {}
    dups = []
    for e in entries:
        first = seen.setdefault(e.folded, e)
        if first is not e:
            dups.append(f"第 {first.line} 行“{first.name}”与第 {e.line} 行“{e.name}”")
    if dups:
        raise UnusableInput(
            f"单位名单中有 {len(dups)} 处重复（忽略空格和全角半角后是同一个名称）："
            + "；".join(dups[:20])
            + ("……" if len(dups) > 20 else "")
            + "。每个单位只能列一次，请删去重复的行。",
            code="duplicate_units",
        )
    return entries


__all__ = ["Entry", "parse_roster", "parse_roster_text", "read_roster_file"]
