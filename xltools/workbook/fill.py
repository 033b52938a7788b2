"""The library side of `fill` (JSON form -> filled workbook) and `export` (input -> JSON form).

`fill` is the inverse of the reader: it writes a checked report's inputs into a fresh template
through the template writer (the totals stay formulas). Both refuse a report with errors, so the
round trip JSON -> xlsx -> JSON is lossless for every report that passes the hard rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xltools.errors import ReportHasErrors
from xltools.jsonform import dumps, report_to_json
from xltools.model import CheckResult, Finding, Report
from xltools.rules.registry import F1, S2
from xltools.spec import INPUT_FIELDS, Kind


def input_values(report: Report) -> dict[str, Any]:
    """The typed input values a template holds for this report (totals are the template's formulas).

    A number is always written as a number: text would be skipped by the sheet's sums (docs/format.md §5.1),
    so `fill` refuses a decimal a spreadsheet cannot hold exactly (see `too_precise`).
    """
    return {f.path: report.values.get(f.path) for f in INPUT_FIELDS}


def too_precise(report: Report) -> list[Finding]:
    """Decimals a spreadsheet's binary number cannot hold exactly (more than 15 significant digits)."""
    return [
        S2.finding(
            f.path,
            f"{f.label}：{value} 的有效数字超过 15 位，电子表格无法精确保存（写入会被改动）。"
            "请减少小数位数后再生成填报文件。",
        )
        for f in INPUT_FIELDS
        if f.kind is Kind.DECIMAL
        and isinstance(value := report.values.get(f.path), Decimal)
        and Decimal(repr(float(value))) != value
    ]


EXCEL_CELL_LIMIT = 32767  # characters a spreadsheet cell holds; more would be cut off silently


def _refuse(result: CheckResult, what: str) -> None:
    if result.errors:
        raise ReportHasErrors(
            f"报告有 {len(result.errors)} 处错误，未{what}。请按上面列出的位置改正后再运行。",
            findings=result.errors,
        )


def too_long(report: Report) -> list[Finding]:
    """Texts a workbook cell cannot hold whole."""
    return [
        F1.finding(
            f.path,
            F1.say("too_long", label=f.label, length=len(report.text(f.path)), limit=EXCEL_CELL_LIMIT),
        )
        for f in INPUT_FIELDS
        if f.kind in (Kind.TEXT, Kind.NARRATIVE) and len(report.text(f.path)) > EXCEL_CELL_LIMIT
    ]


def fill_bytes(result: CheckResult) -> bytes:
    """A filled template (.xlsx bytes) holding the checked report; ReportHasErrors if it has errors
    or a text no spreadsheet cell can hold."""

    _refuse(result, "生成填报文件")
    long = too_long(result.report) + too_precise(result.report)
    if long:
        raise ReportHasErrors("未生成填报文件。" + " ".join(f.message for f in long), findings=long)
    from xltools.workbook.template import template_bytes  # lazy: xlsxwriter is heavy, and a single check never needs it

    return template_bytes(input_values(result.report))


def export_json(result: CheckResult) -> str:
    """The JSON form (docs/format.md §3) of a checked report; ReportHasErrors if it has errors."""

    _refuse(result, "导出")
    return dumps(report_to_json(result.report))


__all__ = ["export_json", "fill_bytes", "input_values"]
