"""The summary workbook of a batch check: who has errors, at a glance, and every finding to send back.

Sheet 汇总 has one row per file (unusable files included, with the reason); sheet 问题清单 one row
per finding. Rows are small tuples taken from each result as it passes (`rows_of`), so a batch
keeps no full report; `workbook_bytes` draws them with xlsxwriter.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from xltools.model import ERROR, FileResult
from xltools.rules.sums import TOTAL_PARTS
from xltools.spec import FEE_AMOUNT_LABEL, FIELDS

SHEET_SUMMARY = "汇总"
SHEET_PROBLEMS = "问题清单"

STATUS_OK = "通过"
STATUS_ERRORS = "未通过"
STATUS_UNUSABLE = "无法使用"

# The key figures of a report: (column heading, the fields it adds up).
KEY_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("本年新收", ("requests.new.total",)),
    ("上年结转", ("requests.carried_in.total",)),
    ("办理结果总计", ("requests.results_total.total",)),
    ("结转下年度", ("requests.carried_over.total",)),
    ("复议总计", ("appeals.review.total",)),
    ("诉讼总计", ("appeals.suit_direct.total", "appeals.suit_after_review.total")),
    (FEE_AMOUNT_LABEL.replace("收取金额", ""), ("processing_fee.amount_yuan",)),
)
assert all(p in FIELDS for _, paths in KEY_FIGURES for p in paths)

SUMMARY_HEADERS = (
    "文件",
    "机关全称",
    "年度",
    "状态",
    "错误数",
    "提示数",
    *(h for h, _ in KEY_FIGURES),
    "无法使用的原因",
)
PROBLEM_HEADERS = ("文件", "机关全称", "单元格", "规则", "级别", "项目", "说明")
SEVERITY_WORDS = {ERROR: "错误", "warning": "提示"}


class SummaryRow(NamedTuple):
    path: str
    name: str
    year: int | None
    status: str
    errors: int
    warnings: int
    figures: tuple  # one value (int, Decimal or None) per KEY_FIGURES entry
    reason: str


class ProblemRow(NamedTuple):
    path: str
    name: str
    cell: str
    rule: str
    severity: str
    field: str
    message: str


def rows_of(r: FileResult) -> tuple[SummaryRow, list[ProblemRow]]:
    """The 汇总 row and the 问题清单 rows of one file's result."""
    if r.result is None:
        reason = r.error.message if r.error is not None else ""
        row = SummaryRow(r.shown, "", None, STATUS_UNUSABLE, 0, 0, (None,) * len(KEY_FIGURES), reason)
        code = getattr(r.error, "code", "") or ""
        return row, [ProblemRow(r.shown, "", "", STATUS_UNUSABLE, SEVERITY_WORDS[ERROR], code, reason)]
    result = r.result
    report = result.report
    figures = tuple(_figure(report.values, paths) for _, paths in KEY_FIGURES)
    status = STATUS_OK if result.ok else STATUS_ERRORS
    row = SummaryRow(r.shown, report.name, report.year, status, len(result.errors), len(result.warnings), figures, "")
    problems = [
        ProblemRow(
            r.shown,
            report.name,
            f.cell or f.where or "",
            f.rule,
            SEVERITY_WORDS.get(f.severity, f.severity),
            f.field or "",
            f.message,
        )
        for f in sorted(result.findings, key=lambda f: f.severity != ERROR)
    ]
    return row, problems


def _figure(values: dict, paths: tuple[str, ...]):
    """The sum of the fields, or None when one of them (or a part of a total) could not be read."""

    needed, seen = list(paths), set()
    while needed:
        p = needed.pop()
        if values.get(p) is None:
            return None
        seen.add(p)
        needed += [q for q in TOTAL_PARTS.get(p, ()) if q not in seen]
    parts = [values.get(p) for p in paths]
    if any(v is None for v in parts):
        return None
    return sum(parts)


def workbook_bytes(rows: Sequence[SummaryRow], problems: Sequence[ProblemRow]) -> bytes:
    """The summary workbook as .xlsx bytes."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    wb.set_properties({"title": "政府信息公开工作年度报告检查汇总", "author": "xltools"})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
    text = wb.add_format({"valign": "top"})
    wrap = wb.add_format({"valign": "top", "text_wrap": True})
    bad = wb.add_format({"valign": "top", "font_color": "#C00000", "bold": True})
    good = wb.add_format({"valign": "top", "font_color": "#006100"})
    money = wb.add_format({"valign": "top", "num_format": "0.00"})

    ws = wb.add_worksheet(SHEET_SUMMARY)
    _header(ws, SUMMARY_HEADERS, head)
    widths = [40, 32, 8, 10, 8, 8] + [12] * len(KEY_FIGURES) + [60]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    for n, row in enumerate(rows, start=1):
        ws.write_string(n, 0, row.path, text)
        if row.name:
            ws.write_string(n, 1, row.name, text)
        if row.year is not None:
            ws.write_number(n, 2, row.year, text)
        ws.write_string(n, 3, row.status, good if row.status == STATUS_OK else bad)
        if row.status != STATUS_UNUSABLE:
            ws.write_number(n, 4, row.errors, text)
            ws.write_number(n, 5, row.warnings, text)
        for i, value in enumerate(row.figures):
            if value is not None:
                is_decimal = isinstance(value, Decimal)
                ws.write_number(n, 6 + i, float(value) if is_decimal else value, money if is_decimal else text)
        if row.reason:
            ws.write_string(n, 6 + len(KEY_FIGURES), row.reason, wrap)
    _finish(ws, len(rows), len(SUMMARY_HEADERS))

    ws = wb.add_worksheet(SHEET_PROBLEMS)
    _header(ws, PROBLEM_HEADERS, head)
    for i, w in enumerate((40, 32, 22, 8, 6, 36, 90)):
        ws.set_column(i, i, w)
    for n, p in enumerate(problems, start=1):
        for i, value in enumerate(p):
            if value:
                ws.write_string(n, i, value, wrap if i == len(p) - 1 else text)
    _finish(ws, len(problems), len(PROBLEM_HEADERS))
    wb.close()
    return buf.getvalue()


def _header(ws, headers: Sequence[str], fmt) -> None:
    for i, h in enumerate(headers):
        ws.write_string(0, i, h, fmt)
    ws.set_row(0, 30)


def _finish(ws, n_rows: int, n_cols: int) -> None:
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n_rows, 1), n_cols - 1)


__all__ = ["KEY_FIGURES", "SHEET_PROBLEMS", "SHEET_SUMMARY", "ProblemRow", "SummaryRow", "rows_of", "workbook_bytes"]
