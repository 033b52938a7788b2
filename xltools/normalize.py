"""Reading values the way staff actually type them (docs/format.md §4, S2, §5.1).

A clean number passes silently. In a workbook, text that reads as a number ("12", "１２", "1,234")
is an error: the sheet's SUM skips it, so the totals the clerk sees leave it out; the message says
what it holds and how to retype it. (In the JSON form such text is read, with a warning.) Text that
only looks filled (spaces of any width, NBSP, line breaks, U+200B, DEL) is blank. Anything else in
a number cell is an error that says what to type instead.

`sheet_number` is what a spreadsheet's SUM makes of a raw cell value (Excel's and Gnumeric's
reading), so the checker can evaluate the arithmetic rules exactly as the recalculated sheet does.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xltools.model import CellError
from xltools.spec import LEVELS, MAX_NUMBER, YEAR_MAX, YEAR_MIN, Field, Kind
from xltools.text import clean, format_number

_NUMBER = re.compile(r"[+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTHDAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
# Characters that only look like content. The template's formulas remove exactly these (with
# CLEAN() for the codes below 32), so the sheet and the checker agree on what is blank.
BLANK_LOOKING = (" ", "\u3000", "\u00a0", "\u200b", "\ufeff", "\x7f")
_BLANK_LOOKING = re.compile("[\x00-\x1f" + "".join(BLANK_LOOKING) + "]")
INTEGER_DECIMALS = 9  # a count within 1E-9 of a whole number is that number (0.1*3*10 = 3.0000000000000004)
MAX_DECIMALS = 10  # real amounts carry up to 6 decimals; more is noise (or 1E-99999999)
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)
_LEVEL_WORDS = {
    **{v: k for k, v in LEVELS.items()},
    **{k: k for k in LEVELS},
    "县级以上政府": "government",
    "人民政府": "government",
    "政府": "government",
    "部门": "department",
    "乡镇": "township",
    "街道": "township",
    "乡镇街道": "township",
    "乡镇人民政府": "township",
    "街道办事处": "township",
}


@dataclass(frozen=True)
class Parsed:
    """A value as read, and what was wrong with it: problem is None, a warning or an error."""

    value: Any
    problem: str | None = None
    severity: str | None = None  # "warning" or "error" when problem is set


def looks_blank(raw: Any) -> bool:
    """True for a blank cell and for text made only of BLANK_LOOKING characters and control codes."""
    return raw is None or (isinstance(raw, str) and not _BLANK_LOOKING.sub("", raw))


def sheet_number(raw: Any) -> int | Decimal | None:
    """What SUM() in Excel (and Gnumeric) makes of a cell: numbers count, text, booleans and blanks
    are 0; None for an error value, which makes every sum over it an error. (LibreOffice counts
    TRUE as 1; the README says so.)"""
    if isinstance(raw, CellError):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return 0
    if isinstance(raw, Decimal):  # a spreadsheet number is a binary double
        raw = float(raw) if raw.is_finite() else math.inf
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    return raw


def date_from_serial(serial: float, date1904: bool = False) -> dt.date:
    """A spreadsheet date serial as a date, in the workbook's date system."""
    return (_EPOCH_1904 if date1904 else _EXCEL_EPOCH) + dt.timedelta(days=int(serial))


def _show(raw: Any) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def parse(f: Field, raw: Any, *, text_decimals: bool = False) -> Parsed:
    """Read one raw value (from a cell or JSON) as a value of the field's kind.

    `text_decimals`: the JSON form, where decimals arrive as strings (so there a string is clean)
    and text that reads as a number is read with a warning; in a workbook it is an error.
    Text is cleaned first (`text.clean`): what was removed is a warning, with any other problem.
    """
    if type(raw) is int and f.kind is Kind.COUNT and 0 <= raw < MAX_NUMBER:
        return Parsed(raw)  # the usual cell, read first: most of a report is counts
    if isinstance(raw, CellError):
        return Parsed(
            None,
            f"单元格显示错误值 {raw.code}（公式或粘贴出错），表格的合计和校验都无法计算。请删除后重新填写。",
            "error",
        )
    if f.kind.numeric and isinstance(raw, str) and looks_blank(raw):
        return Parsed(None)  # blank, as the sheet's formulas read it (the checker warns in a table)
    if isinstance(raw, str):
        cleaned = clean(raw)
        if f.kind.numeric and cleaned.changed and not cleaned.text.strip():
            return Parsed(
                None,
                f"{cleaned.note()}单元格中只有这些不可见的字符，表格把它当作文字（不是数字，也不是空白）。"
                "请清空该单元格后填写数字，没有的填 0。",
                "error",
            )
        if cleaned.changed:
            parsed = _parse(f, cleaned.text, text_decimals)
            note = cleaned.note()
            if parsed.problem:
                return Parsed(parsed.value, f"{note}{parsed.problem}", parsed.severity)
            return Parsed(parsed.value, note, "warning")
    return _parse(f, raw, text_decimals)


def _parse(f: Field, raw: Any, text_decimals: bool) -> Parsed:
    if f.kind.numeric:
        return _parse_number(f, raw, text_decimals)
    if f.kind is Kind.CHOICE:
        return _parse_level(raw)
    if f.kind is Kind.DATE:
        return _parse_date(raw)
    if f.kind is Kind.MONTHDAY:
        return _parse_monthday(raw)
    return _parse_text(f, raw)


def _parse_number(f: Field, raw: Any, text_decimals: bool) -> Parsed:
    if looks_blank(raw):
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(None, f"“{raw}”不是数字，请填写数字。", "error")
    read_from_text = False
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).replace("\u3000", " ").strip()
        if not _NUMBER.fullmatch(text):
            if text.lstrip().startswith("-") and _NUMBER.fullmatch(text.lstrip()[1:].strip()):
                return Parsed(None, f"不能为负数（现为“{_show(raw)}”）。请填写 0 或正数。", "error")
            return Parsed(None, f"“{_show(raw)}”不是数字。请填写阿拉伯数字，没有的填 0。", "error")
        number = Decimal(text.lstrip("+").replace(",", ""))
        read_from_text = not (f.kind is Kind.DECIMAL and text_decimals and text == raw)
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            return Parsed(None, f"“{raw}”不是有效数字。请填写数字。", "error")
        number = Decimal(repr(raw))
        if f.kind is not Kind.DECIMAL and abs(number - round(number)) < Decimal(1).scaleb(-INTEGER_DECIMALS):
            number = Decimal(round(number))  # what the sheet's ROUND(…,9) reads too
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            return Parsed(None, f"“{raw}”不是有效数字。请填写数字。", "error")
        number = raw
    else:
        return Parsed(None, f"“{_show(raw)}”不是数字。", "error")

    if number < 0:
        return Parsed(None, f"不能为负数（现为 {format_number(number)}）。请填写 0 或正数。", "error")
    if number >= MAX_NUMBER:
        return Parsed(None, f"数字 {format_number(number)} 过大，请核对是否多输了位数。", "error")
    exponent = number.as_tuple().exponent  # an int: the number is finite here
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS and number != number.quantize(_QUANTUM):
        return Parsed(
            None, f"小数位数过多（现为 {format_number(number)}），请最多保留 {MAX_DECIMALS} 位小数。", "error"
        )
    if f.kind is Kind.DECIMAL:
        value: Any = Decimal(int(number)) if number == number.to_integral_value() else number.normalize()
    elif number != number.to_integral_value():
        what = "年度" if f.kind is Kind.YEAR else "件数"
        return Parsed(None, f"{what}应为整数（现为 {format_number(number)}）。请填写整数。", "error")
    else:
        value = int(number)
    if f.kind is Kind.YEAR and not YEAR_MIN <= value <= YEAR_MAX:
        return Parsed(
            None,
            f"年度 {value} 不可用：本格式（国办公开办函〔2021〕30号）适用于 {YEAR_MIN} 年及以后的报告，"
            f"请填写报告所述年度，例如 2024。",
            "error",
        )
    if read_from_text and text_decimals:
        return Parsed(
            value,
            f"“{_show(raw)}”是文本而不是数字，已按 {format_number(value)} 读取。请直接写数字 {format_number(value)}。",
            "warning",
        )
    if read_from_text:
        return Parsed(
            None,
            f"单元格中的“{_show(raw)}”是文本，不是数字：表格的合计会跳过它（按 0 计算）。请删除后重新输入数字 "
            f"{format_number(value)}（半角数字，不带逗号和空格）。",
            "error",
        )
    return Parsed(value)


def _parse_text(f: Field, raw: Any) -> Parsed:
    if raw is None:
        return Parsed("")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime | dt.date):
        raw = raw.isoformat()[:10]
    cleaned = clean(str(raw)).text.strip()  # a str was cleaned (and its warning given) by `parse`
    if f.kind is Kind.TEXT:
        cleaned = " ".join(cleaned.split())
    return Parsed(cleaned)


def _parse_level(raw: Any) -> Parsed:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    level = _LEVEL_WORDS.get(str(raw).strip())
    if level is None:
        choices = "、".join(LEVELS.values())
        return Parsed(None, f"机关类型“{_show(raw)}”无法识别，请从下拉列表中选择：{choices}。", "error")
    return Parsed(level)


def _parse_date(raw: Any) -> Parsed:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    if isinstance(raw, dt.datetime | dt.date):
        return Parsed(raw.isoformat()[:10])
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return Parsed(date_from_serial(raw).isoformat())
    m = _DATE.fullmatch(unicodedata.normalize("NFKC", str(raw)).strip())
    if m:
        try:
            return Parsed(dt.date(*map(int, m.groups())).isoformat())
        except ValueError:
            pass
    return Parsed(None, f"发布日期“{_show(raw)}”无法识别，请按 2025-01-20 的格式填写。", "error")


def _parse_monthday(raw: Any) -> Parsed:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        raw = date_from_serial(raw)  # "01-31" typed into a cell that is not text became a date
    if isinstance(raw, dt.datetime | dt.date):
        return Parsed(f"{raw.month:02d}-{raw.day:02d}")
    m = _MONTHDAY.fullmatch(unicodedata.normalize("NFKC", str(raw)).strip())
    if m:
        month, day = map(int, m.groups())
        try:
            dt.date(2024, month, day)  # a leap year, so 02-29 is accepted
            return Parsed(f"{month:02d}-{day:02d}")
        except ValueError:
            pass
    return Parsed(None, f"发布期限“{_show(raw)}”无法识别，请按 01-31 的格式填写月和日。", "error")
