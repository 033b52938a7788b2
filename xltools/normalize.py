"""Reading values the way staff actually type them (FORMAT.md §4, S2).

A clean number passes silently. Text that still reads as a number ("12", "１２", "1,234",
" 12 ") is read, with a warning naming the number read, because spreadsheet programs disagree on
such values. Anything else in a number cell is an error that says what to type instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xltools.spec import LEVELS, MAX_NUMBER, YEAR_MAX, YEAR_MIN, Field, Kind
from xltools.text import clean

_NUMBER = re.compile(r"[+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTHDAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
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


def _show(raw: Any) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def parse(f: Field, raw: Any, *, text_decimals: bool = False) -> Parsed:
    """Read one raw value (from a cell or JSON) as a value of the field's kind.

    `text_decimals`: decimals arrive as strings in the JSON form, so there a string is clean.
    Text is cleaned first (`text.clean`): what was removed is a warning, with any other problem.
    """
    if isinstance(raw, str):
        cleaned = clean(raw)
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
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(None, f"“{raw}”不是数字，请填写数字。", "error")
    read_from_text = False
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).replace("\u3000", " ").strip()
        if not text:
            return Parsed(None, "单元格中只有空格，已按空白处理。请清空该单元格或填写数字。", "warning")
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
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            return Parsed(None, f"“{raw}”不是有效数字。请填写数字。", "error")
        number = raw
    else:
        return Parsed(None, f"“{_show(raw)}”不是数字。", "error")

    if number < 0:
        return Parsed(None, f"不能为负数（现为 {_fmt(number)}）。请填写 0 或正数。", "error")
    if number >= MAX_NUMBER:
        return Parsed(None, f"数字 {_fmt(number)} 过大，请核对是否多输了位数。", "error")
    if number.as_tuple().exponent < -MAX_DECIMALS and number != number.quantize(_QUANTUM):
        return Parsed(None, f"小数位数过多（现为 {_fmt(number)}），请最多保留 {MAX_DECIMALS} 位小数。", "error")
    if f.kind is Kind.DECIMAL:
        value: Any = Decimal(int(number)) if number == number.to_integral_value() else number.normalize()
    elif number != number.to_integral_value():
        what = "年度" if f.kind is Kind.YEAR else "件数"
        return Parsed(None, f"{what}应为整数（现为 {_fmt(number)}）。请填写整数。", "error")
    else:
        value = int(number)
    if f.kind is Kind.YEAR and not YEAR_MIN <= value <= YEAR_MAX:
        return Parsed(
            None,
            f"年度 {value} 不可用：本格式（国办公开办函〔2021〕30号）适用于 {YEAR_MIN} 年及以后的报告，"
            f"请填写报告所述年度，例如 2024。",
            "error",
        )
    if read_from_text:
        return Parsed(
            value,
            f"单元格中的“{_show(raw)}”是文本而不是数字，已按 {_fmt(value)} 读取。请直接输入数字 "
            f"{_fmt(value)}（半角数字，不带逗号和空格）。",
            "warning",
        )
    return Parsed(value)


def _fmt(number: Any) -> str:
    if isinstance(number, Decimal):
        if number != 0 and abs(number.adjusted()) > 20:  # 1E+99999999 in full would be 100 MB of zeros
            return f"{number:.3E}"
        return format(number.normalize(), "f") if number != 0 else "0"
    return str(number)


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
        return Parsed((_EXCEL_EPOCH + dt.timedelta(days=int(raw))).isoformat())
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
