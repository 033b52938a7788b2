"""The low-level workbook reader (xltools/workbook/xlsx.py) on its own: what a Book gives, for a
workbook another program wrote, and the guards that hold whatever is asked of it."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests import corpus
from xltools.errors import UnusableInput
from xltools.workbook.xlsx import Cell, open_book


def _openpyxl_book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表'一"
    ws["A1"] = 12
    ws["B1"] = 2.5
    ws["C1"] = "中文_x000D_"
    ws["D1"] = True
    ws["E1"] = "=SUM(A1:B1)"
    ws["F1"] = "#DIV/0!"
    ws["F1"].data_type = "e"
    wb.create_sheet("空")
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.defined_names["named"] = openpyxl.workbook.defined_name.DefinedName("named", attr_text="'表''一'!$B$1")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_book_gives_every_value_type_and_the_workbook_properties():
    data = _openpyxl_book()
    book = open_book(data)
    assert book.sheets == ["表'一", "空"]
    assert book.workbook.get("date1904") in ("1", "true")  # the date system, for whoever needs it
    assert book.date1904 and open_book(data).date1904  # also when the workbook part is parsed once for both
    assert not open_book(corpus.filled()).date1904
    assert book.resolve("named") == ("表'一", 0, 1)
    cell = book.cell("表'一", 0, 0)
    assert cell == Cell(12) and isinstance(cell.value, int)
    assert book.cell("表'一", 0, 1) == Cell(2.5)
    assert book.cell("表'一", 0, 2).value == "中文\r"  # the _xHHHH_ escape undone
    assert book.cell("表'一", 0, 3) == Cell(True)
    assert book.cell("表'一", 0, 4).formula == "=SUM(A1:B1)"
    assert book.cell("表'一", 0, 5).error == "#DIV/0!"
    assert book.cell("表'一", 9, 9) == Cell(None)  # blank
    assert book.cell("空", 0, 0) == Cell(None)
    assert set(book.cells("表'一")) >= {(0, c) for c in range(6)}


def test_a_sheet_is_read_only_to_the_end_of_its_cells():
    """What follows <sheetData> (conditional formats, validations: most of a template sheet) is
    never parsed: junk there does not stop the reading, and costs no element of the budget."""
    base = corpus.filled()
    part = corpus.sheet_part(base, corpus.spec.SHEET_REQUESTS)
    body = zipfile.ZipFile(io.BytesIO(base)).read(part)
    junk = b"<x>" * 300_000  # more elements than the whole budget, never closed
    book = open_book(corpus.rezip(base, {part: body.replace(b"</sheetData>", b"</sheetData>" + junk)}))
    assert book.cells(corpus.spec.SHEET_REQUESTS)
    book = open_book(corpus.rezip(base, {part: body.replace(b"</sheetData>", junk + b"</sheetData>")}))
    with pytest.raises(UnusableInput) as err:
        book.cells(corpus.spec.SHEET_REQUESTS)
    assert err.value.code == "too_large"


def test_shared_strings_are_parsed_only_as_far_as_asked():
    import xlsxwriter  # writes shared strings (openpyxl writes inline ones)

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("串")
    for i in range(3000):
        ws.write_string(i, 0, f"第{i}个字符串")
    wb.close()
    book = open_book(out.getvalue())
    assert book.cell("串", 0, 0).value == "第0个字符串"
    assert 0 < len(book._shared().list) < 3000
    assert book.cell("串", 2999, 0).value == "第2999个字符串"
    assert len(book.strings) == 3000


def test_a_string_cell_with_a_negative_index_is_damage():
    """Not the last shared string, as Python's indexing would have it, and not a blank either
    (tests/test_xlsx_refs.py: an index that is no string is a damaged file)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("串")
    for i, text in enumerate(("甲", "乙", "丙")):
        ws.write_string(i, 0, text)
    wb.close()
    part = "xl/worksheets/sheet1.xml"
    body = zipfile.ZipFile(io.BytesIO(out.getvalue())).read(part)
    assert b'<c r="A1" t="s"><v>0</v></c>' in body
    data = corpus.rezip(out.getvalue(), {part: body.replace(b"<v>0</v>", b"<v>-1</v>")})
    book = open_book(data)
    assert book.cell("串", 2, 0).value == "丙"  # the strings are read …
    with pytest.raises(UnusableInput, match="共享文字"):  # … and -1 is none of them
        book.cell("串", 0, 0)


def _sheet(body: str) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{body}</sheetData><x/></worksheet>'.encode()


ROWS = (
    '<row r="1"><c r="A1" t="str"><v>一</v></c></row>'
    '<row r="2" spans="1:2"><c r="A2"><v>2</v></c><c r="B2"><f>A2*2</f><v>4</v></c></row>\n  '
    '<row r="3"/>'
    '<row r="4"><c r="A4"><v>4</v></c></row>'
)


@pytest.mark.parametrize(
    "body, cut",
    [
        (ROWS, True),
        (ROWS.replace('<row r="3"/>', '<row r="3"/><!-- <row r="4"><c r="A4"><v>9</v></c></row> -->'), False),
        (ROWS.replace('<c r="A1" t="str">', '<c r="A1" t="str"><row r="4"><c r="A4"><v>9</v></c></row>'), False),
        (ROWS.replace('<row r="3"/>', '<row r="3"/>文字'), False),
        (ROWS.replace('<row r="4">', "<row>"), False),
        (ROWS.replace('</c></row><row r="2"', '</c><row r="2"'), False),
    ],
    ids=["plain", "comment", "nested", "text", "no-number", "unclosed"],
)
def test_rows_are_cut_out_only_where_they_are_plainly_siblings(body, cut):
    from xltools.workbook import xlsx

    data = _sheet(body)
    rows = frozenset({1, 3})
    assert (xlsx._only_rows(data, rows) is not None) is cut
    whole, limited = open_book(corpus.filled()), open_book(corpus.filled())
    try:
        expected = xlsx._expat_cells(whole, data, rows)
    except UnusableInput as exc:
        expected = exc.code
    try:
        got = xlsx._sheet_cells(limited, data, rows)
    except UnusableInput as exc:
        got = exc.code
    assert got == expected
    if cut:
        assert got == {
            (1, 0): ("n", "2", None, None),
            (1, 1): ("n", "4", "=A2*2", None),
            (3, 0): ("n", "4", None, None),
        }


def test_damage_in_a_row_cut_out_does_not_matter_but_in_a_row_read_it_does():
    from xltools.workbook import xlsx

    damaged = ROWS.replace('<c r="A1" t="str"><v>一</v></c>', '<c r="A1" t="str"><v>一</c>')  # </v> lost
    book = open_book(corpus.filled())
    assert xlsx._sheet_cells(book, _sheet(damaged), frozenset({3})) == {(3, 0): ("n", "4", None, None)}
    with pytest.raises(UnusableInput) as err:
        xlsx._sheet_cells(open_book(corpus.filled()), _sheet(damaged), frozenset({0}))
    assert err.value.code == "corrupt"
