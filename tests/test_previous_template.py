"""`xltools template --previous LAST -o next.xlsx`: next year's template, pre-filled, with the
in-sheet X1/X2 checks proven by a real LibreOffice recalculation."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.libreoffice import named_value
from tests.workbooks import VALID_TEXTS, fill, fill_to
from xltools.api import load_report
from xltools.cli import main
from xltools.model import WARNING
from xltools.previous import next_year_values
from xltools.spec import APPLICANT_COLUMNS
from xltools.workbook.reader import read_input

LAST = {
    **VALID_TEXTS,
    "agency.deadline": "02-15",
    "contact": "地址：测试镇政府大院，电话：0000-1234567",
    "overview.headings.platform": "政府信息公开平台建设情况",
    "requests.new.natural": 5,
    "requests.new.legal": 1,
    "requests.granted.natural": 2,
    "requests.carried_over.natural": 3,
    "requests.carried_over.legal": 1,
    "proactive.regulations.in_force": 11,
    "proactive.normative_documents.in_force": 66,
}


@pytest.fixture
def last_xlsx(tmp_path):
    return fill_to(tmp_path / "2024.xlsx", LAST)


def test_template_previous_prefills(tmp_path, last_xlsx):
    out = tmp_path / "2025.xlsx"
    result = CliRunner().invoke(main, ["template", "--previous", str(last_xlsx), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成下一年度的模板" in result.output
    wb = openpyxl.load_workbook(out)
    assert named_value(wb, "agency_name") == "测试市测试区测试镇人民政府"
    assert named_value(wb, "agency_self") == "我镇"
    assert named_value(wb, "agency_level") == "乡镇人民政府、街道办事处"
    assert named_value(wb, "agency_deadline") == "02-15"
    assert named_value(wb, "contact") == LAST["contact"]
    assert named_value(wb, "year") == 2025
    assert named_value(wb, "overview_headings_platform") == "政府信息公开平台建设情况"
    assert named_value(wb, "requests_carried_in_natural") == 3
    assert named_value(wb, "requests_carried_in_legal") == 1
    assert named_value(wb, "previous_carried_over_natural") == 3
    assert named_value(wb, "previous_in_force_regulations") == 11
    assert named_value(wb, "previous_in_force_normative_documents") == 66
    assert named_value(wb, "overview_summary") is None  # last year's text is not carried: C3 would flag it
    assert named_value(wb, "requests_new_natural") == 0


def test_next_template_reads_back_and_checks_against_last(tmp_path, last_xlsx):
    out = tmp_path / "2025.xlsx"
    CliRunner().invoke(main, ["template", "--previous", str(last_xlsx), "-o", str(out)])
    result = load_report(out)
    v = result.report.values
    assert v["year"] == 2025 and v["agency.level"] == "township"
    assert [v[f"requests.carried_in.{c}"] for c in APPLICANT_COLUMNS] == [3, 0, 0, 0, 1, 0]
    assert not [f for f in result.findings if f.rule == "X1"]
    (x2,) = [f for f in result.findings if f.rule == "X2" and f.field == "proactive.regulations.in_force"]
    assert x2.severity == WARNING and "上年现行有效 11 + 本年制发 0 − 本年废止 0 = 11 件" in x2.message


def test_template_previous_from_json(tmp_path):
    last = tmp_path / "2024.json"
    last.write_text(
        json.dumps(
            {
                "format": "xltools.report/1",
                "agency": {"name": "淮安市人民政府", "level": "government"},
                "year": 2024,
                "requests": {"carried_over": {"natural": 103}},
                "proactive": {"regulations": {"in_force": 11}},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    values = next_year_values(check_report(last))
    assert values["year"] == 2025 and values["requests.carried_in.natural"] == 103
    assert values["previous.in_force.regulations"] == 11 and values["previous.in_force.normative_documents"] == 0
    assert values["agency.level"] == "government" and "agency.self" not in values
    out = tmp_path / "next.xlsx"
    refused = CliRunner().invoke(main, ["template", "--previous", str(last), "-o", str(out)])
    assert refused.exit_code == 1 and "未生成下一年度的模板" in refused.stderr and "[S4]" in refused.stderr
    assert not out.exists()  # a report with errors gives no next year's template (as on the web page)
    example = Path(__file__).resolve().parent.parent / "examples" / "suoluo-2024.json"
    assert CliRunner().invoke(main, ["template", "--previous", str(example), "-o", str(out)]).exit_code == 0


def check_report(path):
    from xltools.rules.checker import check

    return check(read_input(path)).report


def test_template_previous_refuses_overwrite_and_missing(tmp_path, last_xlsx):
    exists = tmp_path / "exists.xlsx"
    exists.write_bytes(b"keep")
    r = CliRunner().invoke(main, ["template", "--previous", str(last_xlsx), "-o", str(exists)])
    assert r.exit_code == 2 and "已存在" in r.stderr and exists.read_bytes() == b"keep"
    r = CliRunner().invoke(main, ["template", "--previous", str(last_xlsx), "-o", str(last_xlsx), "--force"])
    assert r.exit_code == 2 and "就是输入文件" in r.stderr
    r = CliRunner().invoke(
        main, ["template", "--previous", str(tmp_path / "none.xlsx"), "-o", str(tmp_path / "n.xlsx")]
    )
    assert r.exit_code == 2 and "文件不存在" in r.stderr and not (tmp_path / "n.xlsx").exists()


# --- LibreOffice: the in-sheet X1/X2 checks ---------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, libreoffice):
    d = tmp_path_factory.mktemp("next")
    last = d / "2024.xlsx"
    last.write_bytes(fill(LAST))
    runner = CliRunner()
    nxt = d / "2025.xlsx"
    assert runner.invoke(main, ["template", "--previous", str(last), "-o", str(nxt)]).exit_code == 0
    base = nxt.read_bytes()
    cases = {
        "fresh": libreoffice.poison_cached_results(base),
        "typed_ok": libreoffice.poison_cached_results(
            fill(
                {
                    "proactive.regulations.issued": 2,
                    "proactive.regulations.repealed": 1,
                    "proactive.regulations.in_force": 12,
                    "proactive.normative_documents.in_force": 66,
                },
                base=base,
            )
        ),
        "typed_wrong": libreoffice.poison_cached_results(
            fill({"proactive.regulations.in_force": 15, "requests.carried_in.natural": 4}, base=base)
        ),
    }
    saved = libreoffice.recalculate(cases, d)
    return {name: openpyxl.load_workbook(out, data_only=True) for name, (_, out) in saved.items()}


def test_libreoffice_fresh_next_template(recalculated):
    wb = recalculated["fresh"]
    for col in APPLICANT_COLUMNS:
        assert named_value(wb, f"check_X1_{col}") == "✓"
    # last year's 11 in force and nothing typed yet: the X2 check shows the carry-over to reach
    assert named_value(wb, "check_X2_regulations") == "✗ 现行有效0，上年现行有效+制发−废止为11"
    assert named_value(wb, "check_X2_normative_documents") == "✗ 现行有效0，上年现行有效+制发−废止为66"
    # shown beside table 二 too, where staff type
    assert named_value(wb, "x2_beside_regulations") == "✗ 现行有效0，上年现行有效+制发−废止为11（上年现行有效 11 件）"


def test_libreoffice_typed_consistent(recalculated):
    wb = recalculated["typed_ok"]
    assert named_value(wb, "check_X2_regulations") == "✓"
    assert named_value(wb, "check_X2_normative_documents") == "✓"
    assert named_value(wb, "x2_beside_normative_documents") == "✓（上年现行有效 66 件）"
    assert named_value(wb, "check_X1_natural") == "✓"


def test_libreoffice_typed_inconsistent(recalculated):
    wb = recalculated["typed_wrong"]
    assert named_value(wb, "check_X2_regulations") == "✗ 现行有效15，上年现行有效+制发−废止为11"
    assert named_value(wb, "check_X1_natural") == "✗ 上年结转4，上年结转下年度3"
    assert named_value(wb, "check_X1_legal") == "✓"


def test_last_years_in_force_beside_table_two(tmp_path, last_xlsx):
    """Without recalculation too (the cached results): the carry-over shows beside the table."""
    from xltools import spec
    from xltools.workbook import layout

    out = tmp_path / "2025.xlsx"
    CliRunner().invoke(main, ["template", "--previous", str(last_xlsx), "-o", str(out)])
    wb = openpyxl.load_workbook(out, data_only=True)
    # the cached results are the whole strings the formulas compute (as LibreOffice shows them above)
    assert named_value(wb, "x2_beside_regulations") == "✗ 现行有效0，上年现行有效+制发−废止为11（上年现行有效 11 件）"
    assert named_value(wb, "check_X2_normative_documents") == "✗ 现行有效0，上年现行有效+制发−废止为66"
    assert named_value(wb, "check_X1_natural") == "✓"
    cell = wb.defined_names["x2_beside_regulations"]
    ((sheet, ref),) = list(cell.destinations)
    assert sheet == spec.SHEET_PROACTIVE
    ws = wb[sheet]
    header = ws[ref.replace("$", "")].offset(row=-1)
    assert header.value == layout.X2_BESIDE_HEADER
    assert (
        ws[ref.replace("$", "")].offset(column=-1).coordinate
        == layout.field_ref("proactive.regulations.in_force").split("!")[1]
    )
    from xltools.workbook.template import template_bytes

    fresh = template_bytes()
    assert "CLEAN(previous_in_force_regulations)" in named_value(  # blank, or only looks filled
        openpyxl.load_workbook(io.BytesIO(fresh)), "x2_beside_regulations"
    )
    assert (
        named_value(openpyxl.load_workbook(io.BytesIO(fresh), data_only=True), "x2_beside_regulations")
        == layout.X2_BESIDE_BLANK
    )


def test_next_template_from_an_upload_in_memory(last_xlsx):
    from xltools.api import load_bytes
    from xltools.errors import UnusableInput
    from xltools.previous import next_template_for

    data = next_template_for(load_bytes(last_xlsx.read_bytes(), "2024.xlsx").report)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert named_value(wb, "year") == 2025 and named_value(wb, "requests_carried_in_natural") == 3
    with pytest.raises(UnusableInput) as info:
        next_template_for(load_bytes(fill({"year": None}), "blank.xlsx").report)
    assert "没有可用的年度" in info.value.message
