"""`fill` (JSON form -> filled workbook) and `export` (input -> JSON form): the round trip is
lossless for every report that passes the hard rules; a report with errors is refused."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from tests.workbooks import VALID_TEXTS, cell_of, fill_to
from xltools import spec
from xltools.cli import main
from xltools.errors import ReportHasErrors
from xltools.jsonform import parse_json, report_to_json, source_from_object
from xltools.rules.checker import check
from xltools.rules.texts import placeholder_in
from xltools.text import clean_text
from xltools.workbook.fill import export_json, fill_bytes
from xltools.workbook.reader import read_book
from xltools.workbook.xlsx import open_book


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def checked_json(obj: dict):
    return check(source_from_object(obj, "r.json"))


def via_workbook(result) -> dict:
    """JSON -> xlsx -> JSON, all in memory."""
    data = fill_bytes(result)
    return report_to_json(check(read_book(open_book(data), "r.xlsx")).report)


# --- the shipped example ------------------------------------------------------------------------


def test_example_workbook_is_in_sync_with_its_json():
    made = fill_bytes(checked_json(json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))))
    assert made == (EXAMPLES / "suoluo-2024.xlsx").read_bytes(), (
        "examples/suoluo-2024.xlsx is stale: run "
        "`xltools fill examples/suoluo-2024.json -o examples/suoluo-2024.xlsx --force`"
    )


@pytest.mark.parametrize("name", ["suoluo-2024.json", "huaian-2024.json"])
def test_examples_round_trip(name):
    obj = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    result = checked_json(obj)
    assert result.ok
    assert via_workbook(result) == report_to_json(result.report)


# --- the commands -------------------------------------------------------------------------------


def test_fill_then_check_then_export(tmp_path):
    out = tmp_path / "huaian.xlsx"
    result = run("fill", str(EXAMPLES / "huaian-2024.json"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"已生成：{out}" in result.stderr
    assert run("check", str(out)).exit_code == 0
    exported = run("export", str(out))
    assert exported.exit_code == 0
    obj = json.loads(exported.stdout)
    assert obj == json.loads(run("export", str(EXAMPLES / "huaian-2024.json")).stdout)
    assert obj["requests"]["new"]["total"] == 3119  # totals computed by the workbook's formulas
    assert obj["proactive"]["fees"]["amount_wan"] == "96171.6"
    assert "count" not in obj["processing_fee"]  # not stated, not invented
    assert obj["overview"]["headings"]["platform"] == "政府信息公开平台建设情况"


def test_fill_refuses_stated_totals_that_disagree(tmp_path):
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["requests"] = {
        "new": {"natural": 2, "business": 1, "total": 4},  # R3.1: 2 + 1 is not 4
        "granted": {"natural": 2, "business": 1},
    }
    src = tmp_path / "r.json"
    src.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "r.xlsx"
    result = run("fill", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert "[R3.1]" in result.stderr
    assert "未生成填报文件" in result.stderr
    assert not out.exists()


def test_fill_accepts_stated_totals_that_agree(tmp_path):
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["requests"] = {"new": {"natural": 2, "total": 2}, "granted": {"natural": 2, "total": 2}}
    result = checked_json(obj)
    assert result.ok
    assert via_workbook(result)["requests"]["new"]["total"] == 2


def test_fill_needs_an_xlsx_output_and_force(tmp_path):
    result = run("fill", str(EXAMPLES / "suoluo-2024.json"), "-o", str(tmp_path / "r.xls"))
    assert result.exit_code == 2 and "应以 .xlsx 结尾" in result.stderr
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    result = run("fill", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_bytes() == b"old"
    assert run("fill", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out), "--force").exit_code == 0
    assert run("check", str(out)).exit_code == 0


def test_export_refuses_a_report_with_errors(tmp_path):
    wb = fill_to(tmp_path / "bad.xlsx", {**VALID_TEXTS, "requests.new.natural": 3})  # R3.3
    result = run("export", str(wb))
    assert result.exit_code == 1
    assert "[R3.3]" in result.stderr and "未导出" in result.stderr
    assert result.stdout == ""


def test_export_to_a_file(tmp_path):
    out = tmp_path / "r.json"
    assert run("export", str(EXAMPLES / "suoluo-2024.xlsx"), "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["agency"]["self"] == "我乡"


# --- the property -------------------------------------------------------------------------------

_counts = st.integers(min_value=0, max_value=10**6)
_big = st.integers(min_value=0, max_value=spec.MAX_NUMBER - 1)
_decimals = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False)
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\u2028\u2029\x85")
_line = st.text(_chars, min_size=1, max_size=60)
_narrative = st.lists(_line, min_size=1, max_size=3).map("\n".join)


@st.composite
def reports(draw) -> dict:
    """A JSON-form report that passes the hard rules (R3.1–R4.1, S2–S4)."""

    def text(strategy):
        # Blank as the checker reads it: only invisible/format characters (U+2060...) is not filled.
        value = draw(strategy.filter(lambda t: clean_text(t).strip() and not placeholder_in(t)))
        return value

    requests: dict = {}
    for col in spec.APPLICANT_COLUMNS:
        results = {r: draw(_counts) for r in spec.REQUEST_RESULT_ROWS}
        carried_over, new = draw(_counts), draw(_counts)
        carried_in = sum(results.values()) + carried_over - new
        if carried_in < 0:
            new, carried_in = new + carried_in, 0
        for row, value in {**results, "carried_over": carried_over, "new": new, "carried_in": carried_in}.items():
            requests.setdefault(row, {})[col] = value
    appeals = {g.id: {c: draw(_counts) for c in spec.APPEAL_PARTS} for g in spec.APPEALS.rows}
    proactive = {
        row: {col: (str(draw(_decimals)) if col == "amount_wan" else draw(_big)) for col in cols}
        for row, cols in spec.PROACTIVE_CELLS.items()
    }
    overview = {s: text(_narrative) for s, _, _ in spec.OVERVIEW_SECTIONS}
    overview["summary"] = text(_narrative)
    if draw(st.booleans()):
        overview["on_request"] = ""
    overview["headings"] = {s: draw(st.one_of(st.just(""), _line)) for s, _, _ in spec.OVERVIEW_SECTIONS}
    obj = {
        "format": spec.FORMAT_ID,
        "agency": {
            "name": text(_line),
            "self": draw(st.sampled_from(["我乡", "我局", "本机关", ""])),
            "level": draw(st.sampled_from(list(spec.LEVELS))),
        },
        "year": draw(st.integers(min_value=spec.YEAR_MIN, max_value=spec.YEAR_MAX)),
        "overview": overview,
        "proactive": proactive,
        "requests": requests,
        "appeals": appeals,
        "problems": text(_narrative),
        "processing_fee": {"amount_yuan": str(draw(_decimals))},
        "other_matters": draw(st.one_of(st.just(""), _narrative)),
    }
    if draw(st.booleans()):
        obj["processing_fee"]["count"] = draw(_counts)
    if draw(st.booleans()):
        obj["publish_date"] = draw(
            st.dates(min_value=datetime.date(2022, 1, 1), max_value=datetime.date(2099, 12, 31))
        ).isoformat()
        obj["agency"]["deadline"] = draw(st.sampled_from(["01-31", "03-31", "02-29"]))
    if draw(st.booleans()):
        obj["contact"] = text(_line)
    if draw(st.booleans()):
        obj["previous"] = {
            "carried_over": {c: draw(_counts) for c in spec.APPLICANT_COLUMNS},
            "in_force": {"regulations": draw(_counts), "normative_documents": draw(_counts)},
        }
    return obj


_TRICKY = {
    "format": spec.FORMAT_ID,
    "agency": {"name": "_x0041_ 机关 &lt;<b>", "self": "我乡", "level": "township"},
    "year": 2024,
    "overview": {
        "summary": "=SUM(A1)\n+1 第二段",
        "proactive": "'以引号开头",
        "management": "  前后空白  \n\n\n中间空行",
        "platform": "😀 emoji 与 〔2020〕",
        "oversight": "工作考核、社会评议和责任追究",
    },
    "proactive": {"fees": {"amount_wan": "123456789.123456"}},
    "problems": "0123",
    "processing_fee": {"amount_yuan": "0.000001", "count": 0},
}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(reports())
@example(_TRICKY)
def test_round_trip_json_xlsx_json_is_lossless(obj):
    result = checked_json(obj)
    assert result.ok, [f.message for f in result.errors]
    assert via_workbook(result) == report_to_json(result.report)


def test_a_decimal_beyond_a_spreadsheet_number_is_refused_not_written_as_text():
    """Text in a number cell is skipped by the sheet's sums (docs/format.md §5.1), and a float would change it."""
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["proactive"] = {"fees": {"amount_wan": "999999999999.123456"}}
    result = checked_json(obj)
    with pytest.raises(ReportHasErrors) as exc:
        fill_bytes(result)
    assert "999999999999.123456" in exc.value.findings[0].message


def test_export_json_is_parseable_back():
    result = checked_json(json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8")))
    again = check(parse_json(export_json(result).encode("utf-8"), "again.json"))
    assert again.ok and report_to_json(again.report) == report_to_json(result.report)


# --- a newcomer's path --------------------------------------------------------------------------


def test_newcomer_path_template_libreoffice_check_build(tmp_path: Path, libreoffice):
    """template -> filled by another program (openpyxl) -> opened and saved by LibreOffice ->
    check -> build, as an office would do it."""
    template = tmp_path / "模板.xlsx"
    assert run("template", "-o", str(template)).exit_code == 0
    values = {
        **VALID_TEXTS,
        "requests.new.natural": 5,
        "requests.carried_in.natural": 1,
        "requests.granted.natural": 4,
        "requests.unavailable.not_held.natural": 1,
        "requests.carried_over.natural": 1,
        "appeals.review.upheld": 2,
        "proactive.fees.amount_wan": 12.5,
        "processing_fee.amount_yuan": 0,
        "other_matters": "无其他需要报告的事项。",
    }
    (tmp_path / "filled").mkdir()
    filled = fill_to(tmp_path / "filled" / "已填写.xlsx", values, base=template.read_bytes())
    (saved,) = libreoffice.convert([filled], "xlsx", tmp_path / "saved")
    checked = run("check", str(saved))
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "年度报告.docx"
    built = run("build", str(saved), "-o", str(out))
    assert built.exit_code == 0, built.stderr
    text = run("build", str(saved)).stdout
    assert "（二）依申请公开。2024年，我镇共收到政府信息公开申请5件，上年结转1件；本年度办结5件，" in text
    assert "其中予以公开4件，无法提供1件；结转下年度继续办理1件。" in text
    assert "本年度未收取信息处理费。无其他需要报告的事项。" in text
    import docx

    d = docx.Document(str(out))
    assert d.paragraphs[0].text == "测试市测试区测试镇人民政府\n2024年政府信息公开工作年度报告"
    assert d.tables[1].cell(3, 3).text == "5"


def test_fill_refuses_a_text_no_cell_can_hold(tmp_path):
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["problems"] = "问题" * 20000
    src = tmp_path / "long.json"
    src.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "long.xlsx"
    result = run("fill", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert "五、存在的主要问题及改进情况：共 40000 个字符，超过 Excel 单元格的上限 32767 个字符" in result.stderr
    assert not out.exists()


def test_amounts_are_written_as_the_decimal_they_are():
    """xlsxwriter writes 96171.6 as 96171.60000000001 (Gnumeric shows that); the file holds 96171.6."""
    from xltools.workbook.template import template_bytes

    data = template_bytes({"proactive.fees.amount_wan": Decimal("96171.6")})
    sheets = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/worksheets/")]
    xml = b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in sheets)
    assert b"<v>96171.6</v>" in xml and b"96171.60000000001" not in xml
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert cell_of(wb, "proactive.fees.amount_wan").value == 96171.6
