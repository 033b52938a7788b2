"""Rows and cells without `r=` (optional in ECMA-376) are placed as openpyxl places them: a row
without r after the row before it, a cell without r after the cell before it in its row. They
were all read as row 1 (a correct report written that way got 654 differing cells and 11 false
errors). A shared-string index that is no string is a damaged file, as openpyxl says, not a blank."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import corpus
from xltools import api
from xltools.errors import UnusableInput
from xltools.spec import SHEET_REQUESTS
from xltools.workbook.xlsx import open_book

_ROW = re.compile(rb'<row r="(\d+)"')
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"')


def _drop(xml: bytes, rows: set[int] | None, cells: set[int] | None, *, consistent: bool = False) -> bytes:
    """The sheet with r= dropped from the rows (by their order in the part) and cells (by theirs)
    chosen; None: all. `consistent`: only where the position would follow anyway (the row right
    after the one before, the cell right after the one before in its row)."""
    from openpyxl.utils import column_index_from_string

    out, pos = [], 0
    row_i = cell_i = 0
    last_row = 0
    last_col = 0
    for m in re.finditer(rb'<row r="(\d+)"|<c r="([A-Z]+)(\d+)"', xml):
        out.append(xml[pos : m.start()])
        pos = m.end()
        if m.group(1) is not None:
            number = int(m.group(1))
            drop = (rows is None or row_i in rows) and (not consistent or number == last_row + 1)
            out.append(b"<row" if drop else m.group(0))
            last_row, last_col, row_i = number, 0, row_i + 1
        else:
            col = column_index_from_string(m.group(2).decode())
            drop = (cells is None or cell_i in cells) and (not consistent or col == last_col + 1)
            out.append(b"<c" if drop else m.group(0))
            last_col, cell_i = col, cell_i + 1
    out.append(xml[pos:])
    return b"".join(out)


def _sheets(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    names = wb.sheetnames
    wb.close()
    return names


def _openpyxl_cells(data: bytes, sheet: str) -> dict[tuple[int, int], object]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return {(r - 1, c - 1): cell.value for (r, c), cell in ws._cells.items() if cell.value is not None and r >= 1}


def _fast_cells(data: bytes, sheet: str) -> dict[tuple[int, int], object]:
    cells = open_book(data).cells(sheet)
    out = {}
    for pos, c in cells.items():
        value = c.formula if c.formula else c.value if c.error is None else c.error
        if value is not None:
            out[pos] = value
    return out


BASE = corpus.filled()
PART = corpus.sheet_part(BASE, SHEET_REQUESTS)
# Merged ranges left out of the comparisons: openpyxl blanks every cell a range covers but its
# first, so a cell moved into a range would differ for that reason alone.
XML = re.sub(rb"<mergeCells.*?</mergeCells>", b"", corpus.zipfile.ZipFile(io.BytesIO(BASE)).read(PART), flags=re.S)
ROWS = len(_ROW.findall(XML))
THIRD = b'<row r="' + _ROW.findall(XML)[2] + b'"'  # the third row of the sheet, as written
CELLS = len(_CELL.findall(XML))


def test_a_report_written_without_any_r_checks_as_the_same_report():
    """Every r= a writer may leave out (each row right after the one before, each cell right
    after the one before) left out of every sheet: the same findings, the same values."""
    parts = [corpus.sheet_part(BASE, s) for s in _sheets(BASE)]
    stripped = corpus.rezip(BASE, {p: lambda x: _drop(x, None, None, consistent=True) for p in parts})
    left = corpus.zipfile.ZipFile(io.BytesIO(stripped)).read(PART)
    assert len(_ROW.findall(left)) < ROWS / 2 and len(_CELL.findall(left)) < CELLS / 2  # most of them gone
    here, there = api.check_bytes(BASE, "r.xlsx"), api.check_bytes(stripped, "r.xlsx")
    assert there.error is None
    assert there.result.report.values == here.result.report.values
    assert there.result.findings == here.result.findings
    assert here.result.ok


def test_a_sheet_without_any_r_at_all_reads_as_openpyxl_reads_it():
    xml = _drop(XML, None, None)
    assert b' r="' not in re.sub(rb"<(?!row|c[ >])[^>]*>", b"", xml)  # no row or cell keeps one
    data = corpus.rezip(BASE, {PART: xml})
    assert _fast_cells(data, SHEET_REQUESTS) == _openpyxl_cells(data, SHEET_REQUESTS)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.sets(st.integers(0, ROWS - 1), max_size=ROWS),
    cells=st.sets(st.integers(0, CELLS - 1), max_size=60),
)
def test_the_fast_reader_places_cells_as_openpyxl_does(rows, cells):
    """r= dropped from random rows and cells (which may move them: both readers must agree where)."""
    data = corpus.rezip(BASE, {PART: _drop(XML, rows, cells)})
    assert _fast_cells(data, SHEET_REQUESTS) == _openpyxl_cells(data, SHEET_REQUESTS)


@pytest.mark.parametrize("r", ["x", "2.5", ""])
def test_a_row_number_that_is_none_is_a_damaged_file(r):
    xml = XML.replace(THIRD, f'<row r="{r}"'.encode(), 1)
    assert xml != XML
    data = corpus.rezip(BASE, {PART: xml})
    with pytest.raises(Exception):  # noqa: B017 - openpyxl's own error
        openpyxl.load_workbook(io.BytesIO(data))
    with pytest.raises(UnusableInput) as caught:
        open_book(data).cells(SHEET_REQUESTS)
    assert caught.value.code == "corrupt"


@pytest.mark.parametrize(("r", "cells"), [("3.0", set()), ("0", set()), ("-2", set()), ("0", {13, 14, 15})])
def test_row_numbers_are_taken_as_openpyxl_takes_them(r, cells):
    """A decimal that is whole; a number below 1 (the rows after it without r= count from it; a
    cell of its own without r= is on no row of the sheet, openpyxl keeps it off the sheet)."""
    xml = XML.replace(THIRD, f'<row r="{r}"'.encode(), 1)
    assert xml != XML
    data = corpus.rezip(BASE, {PART: _drop(xml, {3, 4}, cells)})
    assert _fast_cells(data, SHEET_REQUESTS) == _openpyxl_cells(data, SHEET_REQUESTS)


def _shared_string_cell(index: str) -> bytes:
    """A workbook with shared strings whose first string cell points at `index`."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet("表")
    ws.write_string(0, 0, "甲")
    ws.write_string(0, 1, "乙")
    wb.close()
    data = out.getvalue()
    part = "xl/worksheets/sheet1.xml"
    xml = corpus.zipfile.ZipFile(io.BytesIO(data)).read(part)
    return corpus.rezip(
        data, {part: re.sub(rb'(<c r="B1"[^>]*t="s"[^>]*><v>)1(</v>)', rb"\g<1>" + index.encode() + rb"\2", xml)}
    )


@pytest.mark.parametrize("index", ["2", "999", "-1", "x"])
def test_a_shared_string_past_the_table_is_a_damaged_file(index):
    """Read as blank before, and passed. openpyxl refuses these too, but for -1, which it takes
    as the last string (Python's list index): it is no string of the table either."""
    data = _shared_string_cell(index)
    if index != "-1":
        with pytest.raises(Exception):  # noqa: B017 - openpyxl's own error
            openpyxl.load_workbook(io.BytesIO(data))
    with pytest.raises(UnusableInput) as caught:
        open_book(data).cells("表")
    assert caught.value.code == "corrupt" and "共享文字" in caught.value.message
    assert open_book(_shared_string_cell("1")).cell("表", 0, 1).value == "乙"
