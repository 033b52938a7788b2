"""The library side of `fill` (JSON form -> filled workbook) and `export` (input -> JSON form).

`fill` is the inverse of the reader: it writes a checked report's inputs into a fresh template
through the template writer (the totals stay formulas). Both refuse a report with errors, so the
round trip JSON -> xlsx -> JSON is lossless for every report that passes the hard rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .checker import CheckResult
from .errors import ReportHasErrors
from .model import Report
from .spec import INPUT_FIELDS, Kind


def input_values(report: Report) -> dict[str, Any]:
    """The typed input values a template holds for this report (totals are the template's formulas).

    A decimal that a spreadsheet's binary number cannot hold exactly (more than 15 significant
    digits) is written as text, which the reader still reads exactly (with an S2 warning).
    """
    values: dict[str, Any] = {}
    for f in INPUT_FIELDS:
        value = report.values.get(f.path)
        if f.kind is Kind.DECIMAL and isinstance(value, Decimal) and Decimal(repr(float(value))) != value:
            value = format(value, "f")
        values[f.path] = value
    return values


def _refuse(result: CheckResult, what: str) -> None:
    if result.errors:
        raise ReportHasErrors(
            f"报告有 {len(result.errors)} 处错误，未{what}。请按上面列出的位置改正后再运行。",
            findings=result.errors,
        )


def fill_bytes(result: CheckResult) -> bytes:
    """A filled template (.xlsx bytes) holding the checked report; ReportHasErrors if it has errors."""
    from .template import template_bytes

    _refuse(result, "生成填报文件")
    return template_bytes(input_values(result.report))


def export_json(result: CheckResult) -> str:
    """The JSON form (FORMAT.md §3) of a checked report; ReportHasErrors if it has errors."""
    from .jsonform import dumps, report_to_json

    _refuse(result, "导出")
    return dumps(report_to_json(result.report))


__all__ = ["export_json", "fill_bytes", "input_values"]
