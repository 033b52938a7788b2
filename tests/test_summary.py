"""The summary workbook: one row per file with the key figures, one row per finding, unusable
files listed with the reason; autofilter and frozen header on both sheets."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal

import openpyxl

from benchmarks.generate import unit_values
from xltools.api import FileResult, check_file
from xltools.collect import summary
from xltools.errors import UnusableInput
from xltools.jsonform import report_to_json
from xltools.model import Source
from xltools.rules.checker import check


def _result(tmp_path, values: dict, name: str = "u.json") -> FileResult:
    path = tmp_path / name
    report = check(Source("", "json", values)).report
    path.write_text(json.dumps(report_to_json(report), ensure_ascii=False), encoding="utf-8")
    return check_file(path)


def _book(rows, problems):
    """The workbook of these rows, read back (the problems written with the first row)."""
    buf = io.BytesIO()
    with summary.SummaryBook(buf) as book:
        for n, row in enumerate(rows):
            book.add(row, problems if n == 0 else ())
    return openpyxl.load_workbook(buf)


def test_one_row_per_file_with_the_key_figures(tmp_path):
    values = unit_values(random.Random(5), "测试县财政局")
    values["processing_fee.amount_yuan"] = Decimal("12.5")
    r = _result(tmp_path, values)
    row, problems = summary.rows_of(r)
    assert problems == []
    wb = _book([row], problems)
    ws = wb[summary.SHEET_SUMMARY]
    assert [c.value for c in ws[1]] == list(summary.SUMMARY_HEADERS)
    assert summary.SUMMARY_HEADERS[6:13] == (
        "本年新收",
        "上年结转",
        "办理结果总计",
        "结转下年度",
        "复议总计",
        "诉讼总计",
        "信息处理费（元）",
    )
    got = dict(zip(summary.SUMMARY_HEADERS, (c.value for c in ws[2]), strict=True))
    v = r.result.report.values
    assert got["文件"] == str(tmp_path / "u.json")
    assert got["机关全称"] == "测试县财政局" and got["年度"] == 2024
    assert got["状态"] == "通过" and got["错误数"] == 0 and got["提示数"] == 0
    assert got["本年新收"] == v["requests.new.total"]
    assert got["上年结转"] == v["requests.carried_in.total"]
    assert got["办理结果总计"] == v["requests.results_total.total"]
    assert got["结转下年度"] == v["requests.carried_over.total"]
    assert got["复议总计"] == v["appeals.review.total"]
    assert got["诉讼总计"] == v["appeals.suit_direct.total"] + v["appeals.suit_after_review.total"]
    assert got["信息处理费（元）"] == 12.5
    assert got["无法使用的原因"] is None


def test_findings_and_unusable_files_are_listed(tmp_path):
    values = {**unit_values(random.Random(1), "测试乡"), "problems": "XX"}
    bad = _result(tmp_path, values, "bad.json")
    unusable = FileResult("坏.xlsx", error=UnusableInput("文件已损坏。", code="corrupt"))
    rows, problems = [], []
    for r in (bad, unusable):
        row, found = summary.rows_of(r)
        rows.append(row)
        problems += found
    wb = _book(rows, problems)
    ws = wb[summary.SHEET_SUMMARY]
    assert [c.value for c in ws[2]][3:6] == ["未通过", len(bad.result.errors), len(bad.result.warnings)]
    assert len(bad.result.errors) == 1
    last = [c.value for c in ws[3]]
    assert last[0] == "坏.xlsx" and last[3] == "无法使用" and last[-1] == "文件已损坏。"
    assert last[4:13] == [None] * 9  # no counts or figures invented for a file never read
    ps = wb[summary.SHEET_PROBLEMS]
    assert [c.value for c in ps[1]] == list(summary.PROBLEM_HEADERS)
    assert ps.max_row == 1 + len(bad.result.findings) + 1
    s3 = [c.value for c in ps[2]]  # errors first
    assert s3[:6] == [str(tmp_path / "bad.json"), "测试乡", None, "S3", "错误", "五、存在的主要问题及改进情况"]
    assert "含有占位符“XX”" in s3[6]
    assert [c.value for c in ps[ps.max_row]] == ["坏.xlsx", None, None, "无法使用", "错误", None, "文件已损坏。"]


def test_header_frozen_and_filtered_on_both_sheets(tmp_path):
    r = _result(tmp_path, unit_values(random.Random(2), "甲"))
    row, problems = summary.rows_of(r)
    wb = _book([row, row, row], problems)
    assert wb[summary.SHEET_SUMMARY].freeze_panes == "A2"
    assert wb[summary.SHEET_SUMMARY].auto_filter.ref == "A1:N4"
    assert wb[summary.SHEET_PROBLEMS].freeze_panes == "A2"
    assert wb[summary.SHEET_PROBLEMS].auto_filter.ref == "A1:G2"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    r = _result(tmp_path, {**unit_values(random.Random(3), '=HYPERLINK("http://x")')})
    row, problems = summary.rows_of(r)
    ws = _book([row], problems)[summary.SHEET_SUMMARY]
    assert ws["B2"].data_type == "s" and ws["B2"].value == '=HYPERLINK("http://x")'


def test_unreadable_figure_is_left_blank(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(
        json.dumps(
            {
                "format": "xltools.report/1",
                "agency": {"name": "乙"},
                "year": 2024,
                "requests": {"new": {"natural": "十"}},
            }
        ),
        encoding="utf-8",
    )
    row, _ = summary.rows_of(check_file(path))
    assert row.status == "未通过" and row.figures[0] is None and row.figures[1] == 0


def test_a_total_over_an_unreadable_result_row_is_left_blank(tmp_path):
    path = tmp_path / "y.json"
    path.write_text(
        json.dumps(
            {
                "format": "xltools.report/1",
                "agency": {"name": "丙"},
                "year": 2024,
                "requests": {"granted": {"legal": "两"}},
            }
        ),
        encoding="utf-8",
    )
    row, _ = summary.rows_of(check_file(path))
    assert row.figures[2] is None and row.figures[0] == 0


def test_a_full_sheet_goes_on_in_the_next(tmp_path, monkeypatch):
    """Excel holds 1,048,576 rows; a country's problems can outnumber them, and xlsxwriter would
    drop the rest silently. (The limit is lowered here to 3 rows.)"""
    monkeypatch.setattr(summary.SummaryBook, "ROWS_PER_SHEET", 3)
    rows = [
        summary.SummaryRow(f"{i}.xlsx", f"单位{i}", 2024, summary.STATUS_OK, 0, 0, (None,) * 7, "") for i in range(7)
    ]
    problems = [summary.ProblemRow(f"{i}.xlsx", "", "D7", "R3.1", "错误", "", f"第{i}处") for i in range(8)]
    target = tmp_path / "汇总.xlsx"
    with summary.SummaryBook(target) as book:
        for row in rows:
            book.add(row, problems[: 8 if row.path == "6.xlsx" else 0])
    wb = openpyxl.load_workbook(target)
    summaries = [ws for ws in wb.worksheets if ws.title.startswith(summary.SHEET_SUMMARY)]
    lists = [ws for ws in wb.worksheets if ws.title.startswith(summary.SHEET_PROBLEMS)]
    assert [ws.title for ws in summaries] == ["汇总", "汇总（续2）", "汇总（续3）"]
    assert [ws.title for ws in lists] == ["问题清单", "问题清单（续2）", "问题清单（续3）"]
    for ws in summaries + lists:
        assert ws.max_row <= 4 and ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert ws["A1"].value == "文件"
    assert [r[0].value for ws in summaries for r in ws.iter_rows(min_row=2)] == [r.path for r in rows]
    assert [r[6].value for ws in lists for r in ws.iter_rows(min_row=2)] == [p.message for p in problems]


def test_printable_and_in_the_words_of_the_tables(tmp_path):
    """Printed as a clerk prints it: landscape A4, fitted to the width, the header on every page, text wrapped; units
    with errors stand out (row fill); a report of another year is flagged; no field key or "null"
    anywhere a person reads."""
    ok = _result(tmp_path, unit_values(random.Random(4), "甲"))
    obj = report_to_json(check(Source("", "json", unit_values(random.Random(5), "乙"))).report)
    obj["requests"]["new"]["natural"] = None  # a published page's unreadable cell reads as null
    (tmp_path / "bad.json").write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    bad = check_file(tmp_path / "bad.json")
    other = _result(tmp_path, {**unit_values(random.Random(6), "丙"), "year": 2023}, "other.json")
    rows, problems = zip(*(summary.rows_of(r) for r in (ok, bad, other, ok)), strict=True)
    target = tmp_path / "汇总.xlsx"
    with summary.SummaryBook(target) as book:
        for row, found in zip(rows, problems, strict=True):
            book.add(row, found)
    wb = openpyxl.load_workbook(target)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 by default
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows.replace("$", "") == "1:1"
        assert ws["A2"].alignment.wrap_text
    ws = wb[summary.SHEET_SUMMARY]
    assert ws["D3"].value == "未通过" and ws["A3"].fill.fgColor.rgb.endswith("FCE4D6")
    assert ws["A2"].fill.fgColor.rgb in (None, "00000000")
    flags = {str(f.sqref): f for f in ws.conditional_formatting}
    flag = flags.pop("C2:C5")
    assert "MODE($C$2:$C$5)" in flag.rules[0].formula[0]
    assert set(flags) == {"B2:B5"} and "COUNTIFS" in flags["B2:B5"].rules[0].formula[0]  # 甲 twice (test_web_review.py)
    text = " ".join(str(c.value) for w in wb.worksheets for r in w.iter_rows() for c in r if c.value is not None)
    assert "null" not in text and "requests." not in text and "overview." not in text
    assert "三、依申请公开 一、本年新收政府信息公开申请数量行 自然人列" in text
