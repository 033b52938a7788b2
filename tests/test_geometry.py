"""One table geometry (xltools.geometry): the template's sheets, the report's HTML and Word tables and
the web page's grid all draw the same merged cells, cell for cell, and places are said in one way."""

from __future__ import annotations

import io
from collections import defaultdict

import docx
import lxml.html
import openpyxl
import pytest

from tests.conftest import EXAMPLES
from xltools import geometry, spec
from xltools.api import load_report
from xltools.geometry import GRIDS, HEADER, LABEL, VALUE, Place, TableGrid
from xltools.model import Finding
from xltools.render import render
from xltools.text import format_number
from xltools.web.grid import sheet_grid
from xltools.workbook import layout
from xltools.workbook.template import template_bytes

Box = tuple[int, int, int, int]  # top row, left column, rows, columns


@pytest.fixture(scope="module")
def huaian():
    return load_report(EXAMPLES / "huaian-2024.json").report


def expected(grid: TableGrid, report) -> dict[Box, str]:
    """Each merged cell of the geometry with the text the report prints in it."""
    return {
        (p.row, p.col, p.rowspan, p.colspan): format_number(report.values.get(p.path)) if p.path else p.text
        for p in grid.places
    }


def boxes(rows: list[list[tuple[int, int, str]]]) -> dict[Box, str]:
    """HTML's table algorithm: each row's cells (rowspan, colspan, text) placed at the next free column."""
    taken: set[tuple[int, int]] = set()
    out: dict[Box, str] = {}
    for r, cells in enumerate(rows):
        c = 0
        for rowspan, colspan, text in cells:
            while (r, c) in taken:
                c += 1
            out[(r, c, rowspan, colspan)] = text
            taken |= {(r + i, c + k) for i in range(rowspan) for k in range(colspan)}
            c += colspan
    return out


def test_each_table_is_a_tiling_of_its_merged_cells():
    for table in spec.TABLES:
        grid = GRIDS[table.id]
        matrix = grid.matrix()  # asserts every position covered exactly once
        assert len(matrix) == grid.n_rows and all(len(line) == grid.n_cols for line in matrix)
        assert {p.path for p in grid.values()} == {p for p in spec.FIELDS if p.startswith(table.id + ".")}
        assert all(p.kind == HEADER for p in grid.places if p.row < grid.header_rows)
        assert {p.kind for p in grid.places if p.row >= grid.header_rows} <= {LABEL, VALUE, HEADER}
    assert (GRIDS["requests"].n_rows, GRIDS["requests"].n_cols, GRIDS["requests"].header_rows) == (28, 10, 3)
    assert (GRIDS["appeals"].n_rows, GRIDS["appeals"].n_cols, GRIDS["appeals"].header_rows) == (4, 15, 3)


def test_a_broken_tiling_is_refused():
    grid = GRIDS["appeals"]
    overlapping = TableGrid(grid.id, grid.sheet, "", grid.n_rows, grid.n_cols, 3, (*grid.places, Place(0, 0, HEADER)))
    with pytest.raises(AssertionError):
        overlapping.matrix()
    gap = TableGrid(grid.id, grid.sheet, "", grid.n_rows, grid.n_cols, 3, grid.places[1:])
    with pytest.raises(AssertionError):
        gap.matrix()


def test_html_tables_are_the_geometry_cell_for_cell(huaian):
    page = lxml.html.fromstring(render(huaian, "html"))
    for table in spec.TABLES:
        (html,) = page.xpath(f'//table[@id="table-{table.id}"]')
        rows = [
            [(int(c.get("rowspan", 1)), int(c.get("colspan", 1)), c.text_content()) for c in tr.xpath("./th|./td")]
            for tr in html.xpath(".//tr")
        ]
        assert boxes(rows) == expected(GRIDS[table.id], huaian), table.id
        fields = [td.get("data-field") for td in html.xpath(".//td[@data-field]")]
        assert fields == [p.path for p in sorted(GRIDS[table.id].values(), key=lambda p: (p.row, p.col))]


def test_word_tables_are_the_geometry_cell_for_cell(huaian):
    """Word's merged cells are the geometry's; a label merged down more rows than fit a page may be
    printed as two cells of the same text (render/docx.split_tall_groups), nothing else differs."""
    tables = docx.Document(io.BytesIO(render(huaian, "docx"))).tables
    assert len(tables) == len(spec.TABLES)
    for table, word in zip(spec.TABLES, tables, strict=True):
        grid = GRIDS[table.id]
        want = expected(grid, huaian)
        matrix = grid.matrix()
        assert (len(word.rows), len(word.columns)) == (grid.n_rows, grid.n_cols)
        merged: dict[object, list[tuple[int, int]]] = defaultdict(list)  # by the cell's element (kept alive)
        for r in range(grid.n_rows):
            for c in range(grid.n_cols):
                cell = word.cell(r, c)
                merged[cell._tc].append((r, c))
                p = matrix[r][c]
                # a label may carry a line break where it is to wrap (（三）/不予公开)
                assert cell.text.replace("\n", "") == want[(p.row, p.col, p.rowspan, p.colspan)], (table.id, r, c)
        for positions in merged.values():  # each Word cell lies inside one of the geometry's
            assert len({id(matrix[r][c]) for r, c in positions}) == 1, (table.id, positions)
        whole = {(p.row, p.col, p.rowspan, p.colspan) for p in grid.places}
        split = len(merged) - len(whole)
        assert split == 0 or (table is spec.REQUESTS and split == 1), table.id  # 三、本年度办理结果 in two halves


def test_web_grid_is_the_geometry_cell_for_cell(huaian):
    for table in spec.TABLES:
        web = sheet_grid(table.sheet, huaian)
        rows = [[(c.rowspan, c.colspan, c.text) for c in cells] for _, cells in web.rows]
        assert boxes(rows) == expected(GRIDS[table.id], huaian), table.id
        assert [c.kind for _, cells in web.rows for c in cells].count("empty") == 0


def test_template_sheets_draw_the_geometry_below_their_title_lines():
    """The generated template's table area: every label where the geometry puts it, every merge
    the geometry's, every field's defined name on its value cell (layout.TOP rows down)."""
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    top = layout.TOP
    for table in spec.TABLES:
        grid, ws = GRIDS[table.id], wb[table.sheet]
        merges = {
            (m.min_row - 1 - top, m.min_col - 1, m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
            for m in ws.merged_cells.ranges
            if m.min_row - 1 >= top and m.max_col - 1 < grid.n_cols
        }
        assert merges == {(p.row, p.col, p.rowspan, p.colspan) for p in grid.places if p.rowspan * p.colspan > 1}
        for p in grid.places:
            if p.path is None:
                assert ws.cell(top + p.row + 1, p.col + 1).value == p.text, (table.id, p)
            else:
                ((sheet, ref),) = list(wb.defined_names[spec.FIELDS[p.path].name].destinations)
                cell = ws[ref.replace("$", "")]
                assert (sheet, cell.row - 1 - top, cell.column - 1) == (table.sheet, p.row, p.col), p.path


def test_every_field_is_on_the_sheet_the_template_puts_it():
    assert {path: sheet for path, (sheet, _, _) in layout.FIELD_CELLS.items()} == geometry.SHEET_OF
    assert geometry.sheet_of("requests.new.natural") == spec.SHEET_REQUESTS
    assert geometry.sheet_of(None) is None and geometry.sheet_of("no.such") is None


def test_places_in_words():
    assert geometry.where_labels("requests.refused.state_secret.business") == (
        "（三）不予公开 1.属于国家秘密",
        "商业企业",
    )
    assert geometry.where_labels("appeals.suit_direct.total") == ("行政诉讼 未经复议直接起诉", "总计")
    assert geometry.where_labels("appeals.review.upheld") == ("行政复议", "结果维持")
    assert geometry.where_labels("proactive.fees.amount_wan") == (
        "第二十条第（八）项 行政事业性收费",
        "本年收费金额（单位：万元）",
    )
    assert geometry.where_labels("agency.name") == (spec.FIELDS["agency.name"].label, "")
    assert geometry.where_text("requests.carried_over.natural") == "三、依申请公开 四、结转下年度继续办理行 自然人列"
    assert geometry.where_text("requests.carried_over") == "三、依申请公开 四、结转下年度继续办理行"
    assert geometry.where_text("appeals.suit_direct") == "四、复议诉讼 未经复议直接起诉"  # its groups are columns
    assert geometry.where_text("proactive.fees") == "二、主动公开 行政事业性收费行"
    assert geometry.where_text("requests.no_such") is None and geometry.where_text(None) is None
    assert (
        geometry.cells_text(
            ["三、依申请公开!D9", "三、依申请公开!D10", "三、依申请公开!D11", "三、依申请公开!D30"], "三、依申请公开"
        )
        == "D9:D11、D30"
    )


def test_findings_without_cells_follow_the_sheets_as_the_template_draws_them():
    """A JSON report's findings (no cells) in the order of the workbook: its sheets, errors first,
    then each sheet's fields as the template draws them."""
    paths = list(layout.FIELD_CELLS)
    shuffled = [Finding("S2", "warning" if i % 3 else "error", p, "") for i, p in enumerate(reversed(paths))]

    def template_key(f):
        sheet, row, col = layout.FIELD_CELLS[f.field]
        return (list(layout.SHEETS).index(sheet), f.severity != "error", row, col)

    assert sorted(shuffled, key=geometry.finding_order) == sorted(shuffled, key=template_key)
    whole = Finding("S1", "error", None, "")
    assert sorted([whole, *shuffled], key=geometry.finding_order)[-1] is whole


def test_every_module_that_names_a_place_names_it_as_the_geometry_does():
    """The published report's places, the summary workbook's and the web page's finding list say a
    place the one way (no module words a field by itself)."""
    from xltools.collect.summary import place
    from xltools.published import where_of
    from xltools.web.views import finding_view

    rows = [f"{t.id}.{r.id}" for t in spec.TABLES for r in t.rows]
    for path in [*spec.FIELDS, *rows, "no.such"]:
        assert where_of(path) == geometry.where_text(path)
        assert place(path) == (geometry.where_text(path) or "")
    for path in spec.FIELDS:
        view = finding_view(Finding("S2", "error", path, "…"))
        assert (view.row_label, view.col_label) == geometry.where_labels(path)
        assert view.sheet == geometry.sheet_of(path)
    assert place("requests.carried_over") == "三、依申请公开 四、结转下年度继续办理行"  # a row no reader could read
