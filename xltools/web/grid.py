"""The template's tables drawn for a page, cell by cell as in the workbook, with the cells a
finding points at marked. Everything is derived from xltools.workbook.layout: no label is spelled here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xltools import spec
from xltools.model import ERROR, Finding, Report
from xltools.text import format_number
from xltools.workbook.cells import col_name, parse_a1
from xltools.workbook.layout import FIELD_CELLS, SHEETS, Label, Slot, inputs_of, sheet_total

TABLE_SHEETS = tuple(t.sheet for t in spec.TABLES)


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
        if not paths and f.field in spec.FIELDS:
            paths = [f.field]
        for path in dict.fromkeys(paths):
            severity, notes = out.get(path, (f.severity, []))
            if f.severity == ERROR:
                severity = ERROR
            notes.append(f.message)
            out[path] = (severity, notes)
    return out


def sheet_grid(sheet: str, report: Report | None, findings: Sequence[Finding] = ()) -> Grid:
    """One sheet's table area (titles, hints and status lines left out) as rows of cells."""
    layout = SHEETS[sheet]
    items = [i for i in layout.items if isinstance(i, Slot) or (isinstance(i, Label) and i.style in _DRAWN)]
    top = min(i.row for i in items)
    bottom = max(getattr(i, "row2", None) or i.row for i in items)
    marks = marks_by_field(report, findings)
    values = report.values if report else {}
    cells_at = report.cells if report else {}
    raw = {f.field: f.actual for f in findings if f.actual is not None and f.field}
    invalid = {f.field: f.actual for f in findings if f.rule == "S2" and f.severity == ERROR and f.field}
    d_row, d_col = _offset(layout, cells_at)
    grid: dict[tuple[int, int], GridCell | None] = {}
    for item in items:
        row2 = getattr(item, "row2", None) or item.row
        col2 = item.col2 if item.col2 is not None else item.col
        if isinstance(item, Label):
            cell = GridCell(item.text, item.style)
        else:
            f = spec.FIELDS[item.path]
            value = values.get(item.path)
            over = [p for p in inputs_of((item.path,)) if p in invalid] if f.computed else []
            if over:  # the total as the spreadsheet (and every message) has it: SUM over what the cells hold
                value = sheet_total(item.path, values, invalid)
            text = format_number(value) if value is not None else format_number(raw.get(item.path))
            ref = cells_at.get(item.path)
            shown_ref = ref.split("!", 1)[-1] if ref else f"{col_name(item.col + d_col)}{item.row + d_row + 1}"
            cell = GridCell(text, "total" if f.computed else "input", path=item.path, ref=shown_ref)
            if item.path in marks:
                cell.mark, cell.notes = marks[item.path][0], marks[item.path][1]
            elif over:
                cell.mark = "suspect"
                cell.notes = [
                    SUSPECT + "、".join(cells_at.get(p, "").split("!", 1)[-1] or spec.FIELDS[p].label for p in over)
                ]
        cell.rowspan, cell.colspan = row2 - item.row + 1, col2 - item.col + 1
        for r in range(item.row, row2 + 1):
            for c in range(item.col, col2 + 1):
                grid[(r, c)] = None
        grid[(item.row, item.col)] = cell
    rows = []
    for r in range(top, bottom + 1):
        line = []
        for c in range(layout.last_col + 1):
            if (r, c) not in grid:
                line.append(GridCell())
            elif (given := grid[(r, c)]) is not None:
                line.append(given)
        rows.append((r + d_row + 1, line))
    columns = [col_name(c + d_col) for c in range(layout.last_col + 1)]
    return Grid(sheet, columns, rows)


_DRAWN = ("label", "header", "section")
SUSPECT = "这个总计包含不是有效数字的单元格，数字不可信，先改正："


def _offset(layout, cells_at: dict[str, str]) -> tuple[int, int]:
    """How far the workbook's cells sit from the template's (rows inserted above a table move
    the defined names along); the first slot that was found tells."""
    for slot in layout.slots():
        rc = parse_a1(cells_at.get(slot.path))
        if rc is not None:
            return rc[0] - slot.row, rc[1] - slot.col
    return 0, 0


def sheet_of(path: str | None) -> str | None:
    """The template sheet a field lives on (also for JSON input, which has no cells)."""

    where = FIELD_CELLS.get(path or "")
    return where[0] if where else None


def where_labels(path: str | None) -> tuple[str, str]:
    """(row label, column label) of a table field as the workbook prints them; for another
    field its own label and ""."""
    if not path or path not in spec.FIELDS:
        return "", ""
    parts = spec.split_path(path)
    if parts is None:
        return spec.FIELDS[path].label, ""
    table_id, row_id, col_id = parts
    table = spec.TABLES_BY_ID[table_id]
    row, col = table.row(row_id), table.column(col_id)
    if table is spec.APPEALS:
        parent = spec.APPEALS_REVIEW if row_id == "review" else spec.APPEALS_SUIT
        row_label = row.label if row.label == parent else f"{parent} {row.label}"
        return row_label, col.label
    if row.section and row.section != spec.REQUESTS_RESULTS:
        return f"{row.section} {row.label}", col.label
    if table is spec.PROACTIVE:
        article = next(a for a, _, ids in spec.PROACTIVE_BLOCKS if row_id in ids)
        return f"{article} {row.label}", col.label
    return row.label, col.label


__all__ = ["TABLE_SHEETS", "Grid", "GridCell", "marks_by_field", "sheet_grid", "sheet_of", "where_labels"]
