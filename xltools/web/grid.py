"""The report's tables drawn for a page, cell by cell as the workbook has them, with the cells a
finding points at marked. The shape is the one table geometry, the cell names the workbook's, both
through the library's door (xltools.api): no label or span is spelled here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xltools.api import (
    FIELDS,
    TABLES,
    cell_position,
    column_name,
    format_number,
    sheet_total,
    table_grid,
    template_cell,
)
from xltools.model import ERROR, Finding, Report

if TYPE_CHECKING:
    from xltools.api import TableGrid

TABLE_SHEETS = tuple(t.sheet for t in TABLES)


@dataclass
class GridCell:
    text: str = ""
    kind: str = "empty"  # label | header | section | input | total | empty
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None
    ref: str | None = None  # the cell as the workbook names it, e.g. D31
    mark: str | None = None  # "error" or "warning"
    notes: list[str] = field(default_factory=list)


@dataclass
class Grid:
    sheet: str
    columns: list[str]  # column letters, as the spreadsheet shows them
    rows: list[tuple[int, list[GridCell]]]  # (row number as the spreadsheet shows it, cells)

    def cell(self, path: str) -> GridCell | None:
        return next((c for _, cells in self.rows for c in cells if c.path == path), None)


def marks_by_field(report: Report | None, findings: Iterable[Finding]) -> dict[str, tuple[str, list[str]]]:
    """Field path -> (worst severity, messages): every cell a finding names (as the workbook marks
    them), or its field for input without cells."""
    by_ref = {ref: path for path, ref in (report.cells.items() if report else ())}
    out: dict[str, tuple[str, list[str]]] = {}
    for f in findings:
        paths = [by_ref[c] for c in f.cells if c in by_ref]
        if not paths and f.field in FIELDS:
            paths = [f.field]
        for path in dict.fromkeys(paths):
            severity, notes = out.get(path, (f.severity, []))
            if f.severity == ERROR:
                severity = ERROR
            notes.append(f.message)
            out[path] = (severity, notes)
    return out


def sheet_grid(sheet: str, report: Report | None, findings: Sequence[Finding] = ()) -> Grid:
    """One table sheet's table (its title, hints and status line left out) as rows of cells: the
    one geometry (api.table_grid), numbered as the workbook numbers its rows and columns."""
    table = table_grid(sheet)
    marks = marks_by_field(report, findings)
    values = report.values if report else {}
    cells_at = report.cells if report else {}
    raw = {f.field: f.actual for f in findings if f.actual is not None and f.field}
    invalid = {f.field: f.actual for f in findings if f.rule == "S2" and f.severity == ERROR and f.field}
    top, left = _origin(table, cells_at)
    rows: list[list[GridCell]] = [[] for _ in range(table.n_rows)]
    for p in sorted(table.places, key=lambda p: (p.row, p.col)):
        if p.path is None:
            cell = GridCell(p.text, p.kind)
        else:
            f = FIELDS[p.path]
            value = values.get(p.path)
            total, over = sheet_total(p.path, values, invalid) if f.computed else (None, [])
            if over:  # the total as the spreadsheet (and every message) has it: SUM over what the cells hold
                value = total
            text = format_number(value) if value is not None else format_number(raw.get(p.path))
            ref = cells_at.get(p.path)
            shown_ref = ref.split("!", 1)[-1] if ref else f"{column_name(left + p.col)}{top + p.row + 1}"
            cell = GridCell(text, "total" if f.computed else "input", path=p.path, ref=shown_ref)
            if p.path in marks:
                cell.mark, cell.notes = marks[p.path][0], marks[p.path][1]
            elif over:
                cell.mark = "suspect"
                cell.notes = [
                    SUSPECT + "、".join(cells_at.get(q, "").split("!", 1)[-1] or FIELDS[q].label for q in over)
                ]
        cell.rowspan, cell.colspan = p.rowspan, p.colspan
        rows[p.row].append(cell)
    columns = [column_name(left + c) for c in range(table.n_cols)]
    return Grid(sheet, columns, [(top + r + 1, line) for r, line in enumerate(rows)])


SUSPECT = "这个总计包含不是有效数字的单元格，数字不可信，先改正："


def _origin(table: TableGrid, cells_at: dict[str, str]) -> tuple[int, int]:
    """Where the table's top-left cell sits in the workbook (row, column from 0): a filled copy's
    cells tell (rows inserted above a table move the defined names along); else the template's."""
    first = table.values()[0]
    for p in table.values():
        rc = cell_position(cells_at.get(p.path or ""))
        if rc is not None:
            return rc[0] - p.row, rc[1] - p.col
    rc = cell_position(template_cell(first.path or "").split("!", 1)[1])
    assert rc is not None
    return rc[0] - first.row, rc[1] - first.col


__all__ = ["TABLE_SHEETS", "Grid", "GridCell", "marks_by_field", "sheet_grid"]
