"""Last year's report is read only as far as a check compares with it (`checker.PREVIOUS_FIELDS`,
to save reading): the findings must be exactly those of a check against the whole report."""

from __future__ import annotations

import random

import pytest

from tests.workbooks import VALID_TEXTS, fill_to
from xltools.previous import load_previous
from xltools.rules.checker import PREVIOUS_FIELDS, check, normalise
from xltools.rules.soft import NARRATIVES
from xltools.spec import FIELDS, Kind
from xltools.workbook.reader import read_input

INPUTS = [
    f.path for f in FIELDS.values() if f.kind is Kind.COUNT and not f.computed and not f.path.startswith("previous.")
]


def values(rng: random.Random, year: int, name: str, texts: dict) -> dict:
    """Random counts everywhere (so the sums mostly fail, which is fine here), the given texts."""
    out = {**VALID_TEXTS, **texts, "year": year, "agency.name": name}
    for path in INPUTS:
        out[path] = rng.choice((0, 0, 1, 2, 3, 7, 30))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_a_check_against_the_fields_read_equals_one_against_the_whole_report(tmp_path, seed):
    rng = random.Random(seed)
    old_texts = {
        p: f"上年{p}的文字：坚持以公开为常态，不公开为例外，全年主动公开政府信息{seed}条，做好解读回应。"
        for p in NARRATIVES
    }
    copied = {p: old_texts[p] for p in NARRATIVES[seed % 3 :]}  # C3: text carried over from last year
    renamed = "测试市测试区测试镇人民政府" if seed % 2 else "测试市测试区另一镇人民政府"  # X0 on odd seeds
    last = fill_to(tmp_path / "last.xlsx", values(rng, 2023, renamed, old_texts))
    this = fill_to(tmp_path / "this.xlsx", values(rng, 2024, VALID_TEXTS["agency.name"], copied))

    whole = normalise(read_input(last))[0]
    read = load_previous(str(last))
    assert set(read.values) >= set(PREVIOUS_FIELDS)
    source = read_input(this)
    expected = check(source, previous=whole).findings
    assert check(source, previous=read).findings == expected
    rules = {f.rule for f in expected}
    assert {"X1", "X3", "C3"} <= rules  # the comparisons with last year really ran
    assert ("X0" in rules) == (seed % 2 == 0)


def test_the_fields_read_cover_what_the_soft_rules_compare():
    assert {"year", "agency.name", *NARRATIVES} <= set(PREVIOUS_FIELDS)
    assert "requests.carried_over.natural" in PREVIOUS_FIELDS
    assert "proactive.normative_documents.in_force" in PREVIOUS_FIELDS
    # a total among them comes with its parts, from which it is summed
    assert "requests.new.natural" in PREVIOUS_FIELDS and "appeals.review.upheld" in PREVIOUS_FIELDS


@pytest.mark.parametrize("only", [PREVIOUS_FIELDS, ("year", "agency.name")], ids=["previous", "identity"])
def test_reading_some_fields_reads_them_as_reading_everything_does(tmp_path, only):
    rng = random.Random(len(only))
    path = fill_to(tmp_path / "r.xlsx", values(rng, 2023, "测试市某局", {}))
    whole = read_input(path)
    some = read_input(path, only=only)
    assert some.values == {p: v for p, v in whole.values.items() if p in only}
    assert some.cells == {p: c for p, c in whole.cells.items() if p in only}


def test_a_sheet_read_for_some_rows_is_read_whole_when_another_cell_is_asked_for():
    from tests.workbooks import fill
    from xltools.workbook.layout import FIELD_CELLS
    from xltools.workbook.xlsx import open_book

    data = fill({**VALID_TEXTS, "requests.new.natural": 5, "requests.carried_over.other": 7})
    sheet, row, col = FIELD_CELLS["requests.new.natural"]
    _, far_row, far_col = FIELD_CELLS["requests.carried_over.other"]
    book = open_book(data)
    book.only_rows({sheet: {row}})
    assert book.cell(sheet, row, col).value == 5
    assert len(book._raw[sheet]) < len(open_book(data).cells(sheet))  # only that row was read
    assert book.cell(sheet, far_row, far_col).value == 7  # then the whole sheet
    assert book.cells(sheet) == open_book(data).cells(sheet)
