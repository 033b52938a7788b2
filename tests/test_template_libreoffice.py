"""The template in a real spreadsheet program: LibreOffice recalculates it and saves it back."""

import datetime

import openpyxl
import pytest

from tests.libreoffice import named_value
from tests.workbooks import VALID_TEXTS, cell_of, fill
from xltools import spec
from xltools.rules.checker import check
from xltools.spec import FIELDS
from xltools.workbook import layout
from xltools.workbook.reader import read_workbook

CONSISTENT = {
    **VALID_TEXTS,
    "requests.new.natural": 5,
    "requests.new.business": 2,
    "requests.carried_in.natural": 1,
    "requests.granted.natural": 3,
    "requests.refused.state_secret.natural": 1,
    "requests.granted.business": 2,
    "requests.carried_over.natural": 2,
    "appeals.review.upheld": 4,
    "appeals.review.corrected": 7,
    "proactive.fees.amount_wan": 96171.6,
    "processing_fee.amount_yuan": 3940,
    "publish_date": datetime.datetime(2025, 1, 20),
    "agency.deadline": "01-31",
    "problems": "一是公开内容不够全面。\n二是解读形式单一。\n=下一步，加强培训（以等号开头也是文字）。",
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, libreoffice):
    """Several fills, recalculated and saved by one LibreOffice run: name -> (input bytes, output workbook)."""
    d = tmp_path_factory.mktemp("lo")
    cases = {
        "consistent": fill(CONSISTENT),
        "r33_broken": fill({**CONSISTENT, "requests.carried_over.business": 1}),
        "text_numbers": fill({**CONSISTENT, "requests.new.research": "12", "appeals.review.pending": "１２"}),
        "poisoned": libreoffice.poison_cached_results(fill(CONSISTENT)),
    }
    return libreoffice.recalculate(cases, d)


def _values(path):
    return openpyxl.load_workbook(path, data_only=True)


def test_recalculation_really_happens(recalculated):
    src, out = recalculated["poisoned"]
    assert named_value(_values(src), "requests_new_total") == 999  # the stored result is wrong before
    wb = _values(out)
    assert named_value(wb, "requests_new_total") == 7
    assert named_value(wb, "check_status") == "通过"
    assert named_value(wb, "check_R3_3_natural") == "✓"


def test_consistent_fill_passes_every_check(recalculated):
    _, out = recalculated["consistent"]
    wb = _values(out)
    for c in layout.CHECKS:
        if c.hard:
            assert named_value(wb, c.name) == "✓", c.name
    assert named_value(wb, "check_status") == "通过"
    for sheet in (spec.SHEET_PROACTIVE, spec.SHEET_REQUESTS, spec.SHEET_APPEALS):
        assert wb[sheet]["A2"].value == "本表校验通过"
    assert named_value(wb, "appeals_review_total") == 11


def test_breaking_r33_in_one_column_fails_exactly_that_check(recalculated):
    _, out = recalculated["r33_broken"]
    wb = _values(out)
    failing = {c.name for c in layout.CHECKS if c.hard and str(named_value(wb, c.name)).startswith("✗")}
    # the 总计 column sums the six, so it follows from them: one mistake, one failing check
    assert failing == {"check_R3_3_business"}
    assert named_value(wb, "check_R3_3_total") == "— 随各申请人列（已在出错的列报告）"
    assert named_value(wb, "check_R3_3_business") == "✗ 第一项加第二项为2，第三项加第四项为3"
    assert named_value(wb, "check_status") == "未通过"
    # the red cells the clerk counts: the column's 新收, 上年结转, （七）总计 and 结转下年度
    assert wb[spec.SHEET_REQUESTS]["A2"].value == "本表有 4 个红色单元格，第一个在 E7；原因见“校验”表"


def test_text_and_full_width_numbers_are_flagged(recalculated):
    _, out = recalculated["text_numbers"]
    wb = _values(out)
    assert named_value(wb, "check_S2_requests").startswith("✗ 有1个单元格")
    assert named_value(wb, "check_S2_appeals").startswith("✗ 有1个单元格")
    assert named_value(wb, "check_S2_proactive") == "✓"
    meta = wb["_meta"]
    flagged = {meta.cell(r + 1, 1).value for r in layout.META_FLAG_ROW.values() if meta.cell(r + 1, 2).value == 1}
    assert flagged == {"requests.new.research", "appeals.review.pending"}


def test_protection_unlocked_cells_and_validations_survive_a_libreoffice_save(recalculated):
    src, out = recalculated["consistent"]
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    assert after.sheetnames == before.sheetnames
    for f in FIELDS.values():
        b, a = cell_of(before, f.path), cell_of(after, f.path)
        assert a.coordinate == b.coordinate, f.path
        assert a.protection.locked == b.protection.locked, f.path
    for ws in after.worksheets:
        assert ws.protection.sheet, ws.title
    for f in spec.INPUT_FIELDS:
        b, a = _validation(before, f.path), _validation(after, f.path)
        assert a.type == b.type, f.path
        if b.type:  # LibreOffice writes the default operator out and a dummy formula2 where none applies
            assert a.formula1 == b.formula1, f.path
            assert (a.operator or "between") == (b.operator or "between"), f.path
            if b.formula2 is not None:
                assert a.formula2 == b.formula2, f.path
        assert a.prompt == b.prompt, f.path


def _validation(wb, path):
    c = cell_of(wb, path)
    return next(dv for dv in c.parent.data_validations.dataValidation if c.coordinate in dv.sqref)


def test_a_libreoffice_saved_file_reads_back_to_the_same_data(recalculated):
    src, out = recalculated["consistent"]
    ours, theirs = check(read_workbook(src)), check(read_workbook(out))
    assert theirs.report.values == ours.report.values
    assert [f.message for f in theirs.findings] == [f.message for f in ours.findings]
    assert theirs.ok
    assert theirs.report["publish_date"] == "2025-01-20"
    assert theirs.report["problems"].count("\n") == 2 and theirs.report["problems"].splitlines()[2].startswith("=")


def test_checker_agrees_with_the_sheet_on_the_broken_fill(recalculated):
    _, out = recalculated["r33_broken"]
    result = check(read_workbook(out))
    assert [(f.rule, f.field, f.cell) for f in result.errors] == [
        ("R3.3", "requests.carried_over.business", "三、依申请公开!E31"),
    ]
