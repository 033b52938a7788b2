"""Where things are in the report: each table's grid of merged cells, the sheet a field is typed on,
and a place said in words. Derived from the spec; pure (no workbook, no renderer).

This is the one table geometry. The template (workbook/layout.py) puts each grid on its sheet below
the title lines, the report (render/document.py) prints it, the web page (web/grid.py) draws it, so
the three cannot disagree on a span; no other module does span arithmetic. Positions here count from
the table's top-left cell (row 0, column 0); where that cell sits in a workbook is the workbook's
business (layout.TOP, the defined names of a filled copy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xltools import spec

HEADER, LABEL, VALUE = "header", "label", "value"


@dataclass(frozen=True)
class Place:
    """One merged cell of a table: a heading (HEADER), a row's words (LABEL) or a field's value
    (VALUE, with its id path), at its top-left position with its span (HTML's rowspan/colspan)."""

    row: int
    col: int
    kind: str
    text: str = ""
    path: str | None = None
    rowspan: int = 1
    colspan: int = 1

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(frozen=True)
class TableGrid:
    """A table as a grid of merged cells that covers every position exactly once."""

    id: str
    sheet: str
    caption: str  # what the table is, for screen readers: 收到和处理政府信息公开申请情况
    n_rows: int
    n_cols: int
    header_rows: int  # leading rows that head the body (repeated on every printed page)
    places: tuple[Place, ...]

    def values(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.kind == VALUE)

    def matrix(self) -> list[list[Place]]:
        """For each position, the place covering it."""
        m: list[list[Place | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for p in self.places:
            for r in range(p.row, p.row + p.rowspan):
                for k in range(p.col, p.col + p.colspan):
                    assert m[r][k] is None, (self.id, r, k)  # tiled: covered once
                    m[r][k] = p
        assert all(p is not None for line in m for p in line), self.id  # and covered
        return m  # type: ignore[return-value]  # every position covered, as just asserted


def _grid(table: spec.Table, header_rows: int, places: list[Place]) -> TableGrid:
    n_rows = max(p.last_row for p in places) + 1
    n_cols = max(p.last_col for p in places) + 1
    caption = re.sub(r"^[一二三四五六七八九十]+、", "", table.part)
    grid = TableGrid(table.id, table.sheet, caption, n_rows, n_cols, header_rows, tuple(places))
    grid.matrix()  # a spec change that breaks the tiling fails on import, in every test
    return grid


def _proactive() -> TableGrid:
    """Table 二: stacked blocks, each an article title across the table, its column headings, its rows."""
    t = spec.PROACTIVE
    places: list[Place] = []
    row = 0
    for article, header, row_ids in spec.PROACTIVE_BLOCKS:
        places.append(Place(row, 0, HEADER, article, colspan=4))
        places.append(Place(row + 1, 0, HEADER, spec.PROACTIVE_ITEM_HEADER))
        if header is None:
            for i, col_id in enumerate(spec.PROACTIVE_CELLS[row_ids[0]]):
                places.append(Place(row + 1, 1 + i, HEADER, t.column(col_id).label))
        else:
            places.append(Place(row + 1, 1, HEADER, header, colspan=3))
        for j, row_id in enumerate(row_ids):
            r = row + 2 + j
            places.append(Place(r, 0, LABEL, t.row(row_id).label))
            cols = spec.PROACTIVE_CELLS[row_id]
            if header is None:
                places += [Place(r, 1 + i, VALUE, path=f"proactive.{row_id}.{c}") for i, c in enumerate(cols)]
            else:
                places.append(Place(r, 1, VALUE, path=f"proactive.{row_id}.{cols[0]}", colspan=3))
        row += 2 + len(row_ids)
    return _grid(t, 2, places)  # the first block's title and column headings


def _requests() -> TableGrid:
    """Table 三: three heading rows, then a row per spec row; the result rows under their merged
    section labels (三、本年度办理结果, （三）不予公开 …)."""
    t = spec.REQUESTS
    orgs = len(spec.APPLICANT_COLUMNS) - 1
    places = [
        Place(0, 0, HEADER, spec.REQUESTS_NOTE, rowspan=3, colspan=3),
        Place(0, 3, HEADER, spec.REQUESTS_APPLICANTS, colspan=len(t.columns)),
        Place(1, 3, HEADER, t.column("natural").label, rowspan=2),
        Place(1, 4, HEADER, spec.REQUESTS_ORGS, colspan=orgs),
        Place(1, 4 + orgs, HEADER, t.column("total").label, rowspan=2),
    ]
    places += [Place(2, 4 + i, HEADER, t.column(c).label) for i, c in enumerate(spec.APPLICANT_COLUMNS[1:])]
    first = 3
    rows = {r.id: first + i for i, r in enumerate(t.rows)}

    def spanning(label: str, members: list[spec.Row], col: int) -> Place:
        top, bottom = rows[members[0].id], rows[members[-1].id]
        return Place(top, col, LABEL, label, rowspan=bottom - top + 1)

    places.append(spanning(spec.REQUESTS_RESULTS, [r for r in t.rows if r.section is not None], 0))
    for section in spec.REQUEST_SECTIONS:
        places.append(spanning(section, [r for r in t.rows if r.section == section], 1))
    for r in t.rows:
        if r.section is None:
            places.append(Place(rows[r.id], 0, LABEL, r.label, colspan=3))
        elif r.section == spec.REQUESTS_RESULTS:
            places.append(Place(rows[r.id], 1, LABEL, r.label, colspan=2))
        else:
            places.append(Place(rows[r.id], 2, LABEL, r.label))
        places += [Place(rows[r.id], 3 + i, VALUE, path=f"requests.{r.id}.{c.id}") for i, c in enumerate(t.columns)]
    return _grid(t, first, places)


def _appeals() -> TableGrid:
    """Table 四: one row of figures, 行政复议 then 行政诉讼's two groups, each five columns wide."""
    t = spec.APPEALS
    width = len(t.columns)
    places = [
        Place(0, 0, HEADER, spec.APPEALS_REVIEW, colspan=width),
        Place(0, width, HEADER, spec.APPEALS_SUIT, colspan=width * (len(t.rows) - 1)),
    ]
    for g, group in enumerate(t.rows):
        start = width * g
        if g == 0:
            places += [Place(1, start + i, HEADER, c.label, rowspan=2) for i, c in enumerate(t.columns)]
        else:
            places.append(Place(1, start, HEADER, group.label, colspan=width))
            places += [Place(2, start + i, HEADER, c.label) for i, c in enumerate(t.columns)]
        places += [Place(3, start + i, VALUE, path=f"appeals.{group.id}.{c.id}") for i, c in enumerate(t.columns)]
    return _grid(t, 3, places)


GRIDS: dict[str, TableGrid] = {g.id: g for g in (_proactive(), _requests(), _appeals())}  # by table id
assert set(GRIDS) == set(spec.TABLES_BY_ID)
GRID_OF_SHEET: dict[str, TableGrid] = {g.sheet: g for g in GRIDS.values()}
PLACES: dict[str, Place] = {p.path: p for g in GRIDS.values() for p in g.values() if p.path}  # field -> its cell
assert set(PLACES) == {p for p in spec.FIELDS if spec.split_path(p)}, "every table field has one cell"


# --- sheets -------------------------------------------------------------------------------------

# The sheet each field outside the tables is typed on, by its top-level id (a table's fields are on
# its table's sheet). The template draws them there; workbook/layout.py asserts it.
_SHEET_OF_GROUP = {
    "agency": spec.SHEET_BASIC,
    "year": spec.SHEET_BASIC,
    "publish_date": spec.SHEET_BASIC,
    "contact": spec.SHEET_BASIC,
    "previous": spec.SHEET_BASIC,
    "overview": spec.SHEET_OVERVIEW,
    "problems": spec.SHEET_PROBLEMS,
    "processing_fee": spec.SHEET_OTHER,
    "other_matters": spec.SHEET_OTHER,
    **{t.id: t.sheet for t in spec.TABLES},
}
SHEET_OF: dict[str, str] = {path: _SHEET_OF_GROUP[f.group] for path, f in spec.FIELDS.items()}


def sheet_of(path: str | None) -> str | None:
    """The sheet a field is typed on (also for JSON input, which has no cells)."""
    return SHEET_OF.get(path or "")


# --- a place in words ---------------------------------------------------------------------------


def where_labels(path: str | None) -> tuple[str, str]:
    """(row words, column words) of a table field as its table prints them, with the merged label
    the row sits under ("（三）不予公开 1.属于国家秘密", "商业企业"; "行政诉讼 未经复议直接起诉",
    "总计"; "第二十条第（一）项 规章", "本年制发件数"); for another field its own label and ""."""
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


def where_text(path: str | None) -> str | None:
    """Where a field, or a whole table row ("requests.carried_over"), is, in the words every message
    uses (the spec's labels; a published report has no cells to name): "三、依申请公开
    四、结转下年度继续办理行 自然人列", "三、依申请公开 四、结转下年度继续办理行"; None for a path that
    names nothing."""
    if path is None:
        return None
    if path in spec.FIELDS:
        return spec.FIELDS[path].label
    table_id, _, row_id = path.partition(".")
    table = spec.TABLES_BY_ID.get(table_id)
    if table is None or not any(r.id == row_id for r in table.rows):
        return None
    # A row's words are its fields' without the column: "…四、结转下年度继续办理行", and for table
    # 四, whose groups are columns, "四、复议诉讼 未经复议直接起诉" (no 行, as its fields' labels)
    first = next(p for p in spec.FIELDS if p.startswith(f"{path}.") and spec.split_path(p))
    return spec.FIELDS[first].label.rsplit(" ", 1)[0]


_A1 = re.compile(r"([A-Z]{1,3})(\d+)")


def cells_text(cells: tuple[str, ...] | list[str], sheet: str | None = None) -> str:
    """Cells as a clerk reads them: "D7、D8、D30、D31" or "D9:D29、D30" (runs of three or more in a
    column as a range); cells on another sheet than `sheet` keep their sheet name."""
    by_col: dict[tuple[str, str], list[int]] = {}
    for c in cells:
        where, ref = c.split("!", 1) if "!" in c else ("", c)
        m = _A1.fullmatch(ref)
        if not m:
            continue
        by_col.setdefault((where, m.group(1)), []).append(int(m.group(2)))
    parts = []
    for (where, col), rows in by_col.items():
        prefix = f"{where}!" if where and where != sheet else ""
        rows = sorted(set(rows))
        run = [rows[0]]
        for r in [*rows[1:], None]:
            if r is not None and r == run[-1] + 1:
                run.append(r)
                continue
            if len(run) >= 3:
                parts.append(f"{prefix}{col}{run[0]}:{col}{run[-1]}")
            else:
                parts += [f"{prefix}{col}{x}" for x in run]
            if r is not None:
                run = [r]
    return "、".join(parts)


# --- findings in the workbook's order -----------------------------------------------------------

_SHEET_ORDER = {name: i for i, name in enumerate(spec.SHEETS)}
_FIELD_ORDER = {path: i for i, path in enumerate(spec.FIELDS)}  # on each sheet, the order it draws them


def _rc(ref: str) -> tuple[int, int]:
    m = _A1.fullmatch(ref)
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def finding_order(f) -> tuple:
    """Sort key: the workbook's sheet order (findings about the whole report last), errors before
    warnings, then the cell's row and column (for input without cells, the order the sheet draws
    its fields in: the spec's)."""
    if f.cell and "!" in f.cell:
        sheet, ref = f.cell.split("!", 1)
        return (_SHEET_ORDER.get(sheet, len(_SHEET_ORDER)), f.severity != "error", _rc(ref))
    sheet = sheet_of(f.field)
    at = (0, _FIELD_ORDER[f.field]) if sheet is not None else (0, 0)
    return (_SHEET_ORDER.get(sheet or "", len(_SHEET_ORDER)), f.severity != "error", at)


__all__ = [
    "GRIDS",
    "GRID_OF_SHEET",
    "HEADER",
    "LABEL",
    "PLACES",
    "SHEET_OF",
    "VALUE",
    "Place",
    "TableGrid",
    "cells_text",
    "finding_order",
    "sheet_of",
    "where_labels",
    "where_text",
]
