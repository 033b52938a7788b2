"""What the pages show for a checked upload: plain data built from the library's results, so the
templates only lay it out. No checking happens here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from xltools.api import (
    SHEETS,
    cells_text,
    finding_order,
    is_published,
    report_json,
    same_units,
    sheet_of,
    where_labels,
    where_text,
)
from xltools.errors import NOT_OUR_TEMPLATE, XltoolsError
from xltools.model import ERROR, FileResult, Finding
from xltools.web.grid import TABLE_SHEETS, Grid, sheet_grid

# Status of a unit, worst first: the batch view sorts on this order.
STATUS_ORDER = ("unusable", "errors", "warnings", "ok")
STATUS_TEXT = {"unusable": "无法使用", "errors": "未通过", "warnings": "通过（有提示）", "ok": "通过"}
WHOLE = "全文"  # findings that belong to no sheet (a JSON report's structure, the whole text)


@dataclass
class FindingView:
    rule: str
    severity: str
    sheet: str
    cell: str  # "D31" (workbook input), or "" for JSON input
    row_label: str
    col_label: str
    message: str
    field: str | None
    where: str = ""  # the place in the words of the report's tables (a published report has no cells)


@dataclass
class UnitView:
    index: int
    filename: str
    status: str
    agency: str = ""
    year: int | None = None
    error_code: str = ""
    error_message: str = ""
    errors: dict[str, list[FindingView]] = field(default_factory=dict)  # by sheet, in sheet order
    warnings: dict[str, list[FindingView]] = field(default_factory=dict)
    grids: list[Grid] = field(default_factory=list)
    n_errors: int = 0
    n_warnings: int = 0
    report_json: str = ""  # the JSON form, posted back for the downloads
    strict: bool = False  # checked with warnings as errors; the downloads are judged the same way
    published: bool = False  # a published report: its findings placed in words, no workbook drawn
    same_as: list[str] = field(default_factory=list)  # the other files of the batch that are this unit's

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def status_rank(self) -> int:
        return STATUS_ORDER.index(self.status)

    @property
    def verdict(self) -> str:
        if self.status == "unusable":
            return f"无法使用：{self.error_message}"
        if self.n_errors:
            more = f"，另有 {self.n_warnings} 处提示" if self.n_warnings else ""
            return f"未通过：{self.n_errors} 处错误{more}。改正后才能生成正式报告。"
        if self.n_warnings:
            return f"通过：没有错误，有 {self.n_warnings} 处提示请核实。"
        return "通过：没有发现错误。"


# The page's own words after a library message: what to do here (the library names no command or
# option; errors carry a code, and each interface adds its own hint).
WEB_HINTS = {
    "build_errors": "也可以下载标有“草稿”的版本供审阅（页面上的草稿按钮，或接口的 draft=true）。",
    "newer_version": "请联系管理员升级本页所用的 xltools。",
}
WEB_HINTS.update(dict.fromkeys(NOT_OUR_TEMPLATE, "空白填报模板可在本页顶部下载。"))


def phrased(exc: XltoolsError) -> str:
    """A library message as the page says it, with the page's own hint."""
    return exc.message + WEB_HINTS.get(exc.code, "")


def finding_view(f: Finding, published: bool = False) -> FindingView:
    """One finding as listed: by sheet and cell for a workbook (or JSON) input; for a published
    report by its part and place in words, as `check` lists it."""
    cell = cells_text(f.cells, f.sheet) if f.cells else ""
    row_label, col_label = where_labels(f.field)
    where = f.where or where_text(f.field) or ""
    part = (where.split(" ", 1)[0] or WHOLE) if published else f.sheet or sheet_of(f.field) or WHOLE
    return FindingView(f.rule, f.severity, part, cell, row_label, col_label, f.message, f.field, where)


def _by_sheet(findings: Sequence[FindingView]) -> dict[str, list[FindingView]]:
    order = {name: i for i, name in enumerate(SHEETS)}
    groups: dict[str, list[FindingView]] = {}
    for f in sorted(findings, key=lambda f: order.get(f.sheet, len(order))):
        groups.setdefault(f.sheet, []).append(f)
    return groups


def unit_view(index: int, r: FileResult, strict: bool = False) -> UnitView:
    """One upload as the page shows it; for a workbook or JSON input the affected tables drawn with
    their cells marked (a published report's reader never saw the workbook: its places are words)."""
    if r.error is not None:
        return UnitView(index, r.path, "unusable", error_code=r.error.code, error_message=phrased(r.error))

    result = r.checked
    published = is_published(r.path)
    views = [finding_view(f, published) for f in sorted(result.findings, key=finding_order)]  # as `check` lists them
    errors = [v for v in views if v.severity == ERROR]
    warnings = [v for v in views if v.severity != ERROR]
    status = "errors" if errors else "warnings" if warnings else "ok"
    affected = set() if published else {v.sheet for v in views}
    grids = [sheet_grid(s, result.report, result.findings) for s in TABLE_SHEETS if s in affected]
    return UnitView(
        index,
        r.path,
        status,
        agency=result.report.name,
        year=result.report.year,
        errors=_by_sheet(errors),
        warnings=_by_sheet(warnings),
        grids=grids,
        n_errors=len(errors),
        n_warnings=len(warnings),
        report_json=json.dumps(report_json(result.report), ensure_ascii=False, separators=(",", ":")),
        strict=strict,
        published=published,
    )


def mark_same_units(units: Sequence[UnitView], results: Sequence[FileResult]) -> list[list[UnitView]]:
    """The units of a batch met more than once (the library's api.same_units): each told the other
    files; the groups, for the page's notice."""
    groups = [[units[i] for i in group] for group in same_units(results)]
    for group in groups:
        for u in group:
            u.same_as = [o.filename for o in group if o is not u]
    return groups


def summary_counts(units: Sequence[UnitView]) -> dict[str, int]:
    counts = {s: 0 for s in STATUS_ORDER}
    for u in units:
        counts[u.status] += 1
    return counts


__all__ = [
    "STATUS_ORDER",
    "STATUS_TEXT",
    "FindingView",
    "UnitView",
    "finding_view",
    "mark_same_units",
    "summary_counts",
    "unit_view",
]
