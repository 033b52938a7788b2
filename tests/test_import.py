"""`xltools import`: published reports (Word, web page, text) read into the JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, PUBLISHED, ROOT
from xltools import spec
from xltools.cli import main
from xltools.errors import UnusableInput
from xltools.jsonform import json_schema, parse_json, source_from_object
from xltools.published import import_bytes, import_report
from xltools.published.labels import match_label
from xltools.published.structure import parse_fee, split_heading
from xltools.published.txt import blocks_of_text, grid_rows
from xltools.rules.checker import check, normalise

FIXTURES = ROOT / "tests" / "fixtures" / "import"
SHIPPED = {"huaian": PUBLISHED / "huaian-2024-report.txt", "suoluo": PUBLISHED / "suoluo-2024-report.txt"}


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def imported(path: Path) -> dict:
    return import_report(path).to_json()


# --- the two shipped examples ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_example_imports_to_its_hand_checked_fixture(name):
    result = import_report(SHIPPED[name])
    assert result.notes == []
    assert result.to_json() == fixture(f"{name}-2024.json")


def test_huaian_fixture_agrees_with_the_independent_transcription_in_examples():
    """examples/huaian-2024.json was typed from the same published text by another hand."""
    ours, theirs = fixture("huaian-2024.json"), json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
    for key in ("proactive", "requests", "appeals", "overview", "problems", "processing_fee", "year", "agency"):
        assert ours.get(key) == theirs.get(key), key
    # The published contact names 市人民政府办公室, not the agency: the sentence is kept whole.
    assert ours["contact"].startswith("如对本报告有疑问，请与淮安市人民政府办公室联系（地址：")
    assert theirs["contact"] in ours["contact"]


def test_huaian_key_figures_as_printed():
    d = fixture("huaian-2024.json")
    assert d["agency"] == {"name": "淮安市人民政府", "self": "我市", "level": "government"}
    assert d["requests"]["new"]["total"] == 3119
    assert d["requests"]["results_total"] == {
        "natural": 2932,
        "business": 53,
        "research": 0,
        "nonprofit": 0,
        "legal": 61,
        "other": 4,
        "total": 3050,
    }
    assert d["appeals"]["review"] == {"upheld": 72, "corrected": 64, "other": 178, "pending": 37, "total": 351}
    assert d["proactive"]["fees"] == {"amount_wan": "96171.6"}
    assert d["processing_fee"] == {"amount_yuan": "3940"}
    assert "other_matters" not in d  # part 六 is only the fee sentence
    assert d["overview"]["headings"]["platform"] == "政府信息公开平台建设情况"
    assert d["overview"]["on_request"].startswith("定期对政府信息公开申请集中的领域")


def test_suoluo_fee_sentence_is_taken_out_of_other_matters():
    d = fixture("suoluo-2024.json")
    assert d["processing_fee"] == {"amount_yuan": "0"}
    assert d["other_matters"] == "再无其他需要报告的事项。"
    assert d["overview"]["headings"] == {
        "proactive": "主动公开",
        "on_request": "依申请公开",
        "management": "政府信息管理",
        "platform": "平台建设",
        "oversight": "监督保障",
    }
    assert d["agency"]["level"] == "township"


def test_import_then_check_on_huaian_passes(tmp_path):
    out = tmp_path / "huaian.json"
    result = run("import", SHIPPED["huaian"], "-o", out)
    assert result.exit_code == 0, result.output
    assert f"已生成：{out}" in result.stderr
    assert json.loads(out.read_text("utf-8")) == fixture("huaian-2024.json")
    checked = run("check", out)
    assert checked.exit_code == 0, checked.output
    assert "：通过" in checked.stdout and "未通过" not in checked.stdout


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_import_output_is_valid_json_form(name):
    obj = fixture(f"{name}-2024.json")
    jsonschema.validate(obj, json_schema())
    source = parse_json(json.dumps(obj, ensure_ascii=False).encode("utf-8"), name)
    assert source.findings == []


def test_import_prints_json_to_stdout_without_output():
    result = run("import", SHIPPED["suoluo"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agency"]["name"] == "平凉市崆峒区索罗乡人民政府"


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("{}", encoding="utf-8")
    result = run("import", SHIPPED["suoluo"], "-o", out)
    assert result.exit_code == 2
    assert "已存在。如需覆盖，请加 --force" in result.stderr
    assert out.read_text("utf-8") == "{}"
    assert run("import", SHIPPED["suoluo"], "-o", out, "--force").exit_code == 0


# --- --previous and template --previous accept what import writes -------------------------------


def test_template_previous_accepts_an_import(tmp_path):
    import openpyxl

    out = tmp_path / "next.xlsx"
    result = run("template", "--previous", FIXTURES / "huaian-2024.json", "-o", out)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)

    def named(name: str):
        ((sheet, ref),) = list(wb.defined_names[name].destinations)
        return wb[sheet][ref.replace("$", "")].value

    assert named("year") == 2025
    assert named("agency_name") == "淮安市人民政府"
    assert named("requests_carried_in_natural") == 103


def test_check_previous_accepts_an_import(tmp_path):
    this_year = json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
    this_year["year"] = 2025
    this_year["requests"]["carried_in"] = {"natural": 100}  # last year carried over 103
    path = tmp_path / "2025.json"
    path.write_text(json.dumps(this_year, ensure_ascii=False), encoding="utf-8")
    result = run("check", path, "--previous", FIXTURES / "huaian-2024.json", "--json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    x1 = [f for f in findings if f["rule"] == "X1"]
    assert [f["field"] for f in x1] == ["requests.carried_in.natural"]


# --- round trip: what build writes imports back to the same data --------------------------------


def _effective(obj: dict) -> dict:
    report, _, _ = normalise(source_from_object(obj, "x"))
    values = dict(report.values)
    for sec_id, heading, _ in spec.OVERVIEW_SECTIONS:
        values[f"overview.headings.{sec_id}"] = values[f"overview.headings.{sec_id}"] or heading
    return values


@pytest.mark.parametrize("fmt", ["txt", "html", "docx"])
@pytest.mark.parametrize("name", ["huaian-2024.json", "suoluo-2024.json"])
def test_build_output_imports_back_to_the_same_data(name, fmt):
    from xltools.api import load_report
    from xltools.render import render

    original = json.loads((EXAMPLES / name).read_text("utf-8"))
    result = load_report(EXAMPLES / name)
    back = import_bytes(render(result.report, fmt), fmt, f"built.{fmt}")
    assert back.notes == []
    want, got = _effective(original), _effective(back.to_json())
    if not original.get("overview", {}).get("on_request"):  # blank: build generated the sentence
        assert got.pop("overview.on_request").startswith("2024年")
        want.pop("overview.on_request")
    for path in ("publish_date",):  # not printed in the report
        want.pop(path), got.pop(path)
    assert got == want


def test_round_trip_keeps_a_stated_fee_count(tmp_path):
    from xltools.api import load_report
    from xltools.render import render

    obj = json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
    obj["processing_fee"] = {"count": 3, "amount_yuan": "125.5"}
    obj["other_matters"] = "一是落实年度政务公开工作要点。\n二是公开建议提案办理结果。"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    back = import_bytes(render(load_report(path).report, "docx"), "docx", "r.docx").to_json()
    assert back["processing_fee"] == {"count": 3, "amount_yuan": "125.5"}
    assert back["other_matters"] == obj["other_matters"]


# --- hand-made variants -------------------------------------------------------------------------


def test_variants_in_text_import_right():
    result = import_report(FIXTURES / "variants-2023.txt")
    d = result.to_json()
    assert d["agency"] == {"name": "测试市测试区教育局", "self": "我局", "level": "department"}
    assert d["year"] == 2023
    assert d["publish_date"] == "2024-01-25"
    assert d["overview"]["headings"] == {
        "proactive": "主动公开方面",  # half-width parens, heading followed by a space
        "on_request": "依申请公开情况",  # followed by a full-width space
        "management": "政府信息管理方面",  # ends in 方面 and runs on with ，
        "platform": "平台建设情况",  # heading alone on its line
        "oversight": "监督保障",  # half-width colon
    }
    assert d["overview"]["management"] == "我局严格执行公开前保密审查。\n我局建立健全信息发布审核台账。"
    assert d["overview"]["platform"] == "持续优化网站公开专栏。"
    assert d["proactive"]["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}  # "规 章"
    assert d["proactive"]["normative_documents"]["in_force"] == 15  # full-width digits
    assert d["proactive"]["licensing"]["decisions"] == 1205  # thousands separator
    assert d["proactive"]["fees"]["amount_wan"] == "12.345678"
    assert d["requests"]["refused.prohibited"]["natural"] == 1  # the misprinted row
    assert d["requests"]["unavailable.not_held"]["legal"] == 1  # "1、" numbering
    assert d["appeals"]["suit_after_review"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
    assert d["processing_fee"] == {"count": 2, "amount_yuan": "300"}
    assert d["other_matters"] == "我局认真落实上级年度政务公开工作要点。"  # signature and date dropped
    assert check(source_from_object(d, "v")).errors == []


def test_misprinted_label_is_matched_with_a_warning():
    notes = import_report(FIXTURES / "variants-2023.txt").notes
    assert [(n.rule, n.severity, n.field) for n in notes] == [("I1", "warning", "requests.refused.prohibited")]
    assert notes[0].message == (
        "三、收到和处理政府信息公开申请情况中的行标签“2、其他法律行政止公开”与格式中的“2.其他法律行政法规禁止公开”"
        "不完全一致（可能是原报告印错），已按“2.其他法律行政法规禁止公开”行读取，请核对。"
    )


def test_import_command_shows_the_warning(tmp_path):
    result = run("import", FIXTURES / "variants-2023.txt", "-o", tmp_path / "v.json")
    assert result.exit_code == 0
    assert "导入时请核对以下 1 处" in result.stderr
    assert (
        "! [I1] requests.refused.prohibited 三、收到和处理政府信息公开申请情况中的行标签“2、其他法律行政止公开”"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("format2019-other-row.txt", "表三“（六）其他处理”只有一行，没有分为 1.至 3. 三项"),
        ("format2019-table2.txt", "表二含“第二十条第（九）项”"),
    ],
)
def test_2019_layout_is_refused_naming_the_layout(name, why):
    with pytest.raises(UnusableInput) as err:
        import_report(FIXTURES / name)
    assert err.value.code == "format_2019"
    result = run("import", FIXTURES / name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"这份报告是按 2019 年试行格式（国办公开办函〔2019〕60号）编制的：{why}。" in result.stderr
    assert "程序不做猜测" in result.stderr


def test_saved_gbk_page_with_layout_table_rowspans_and_site_furniture():
    result = import_report(FIXTURES / "county-2024-gbk.html")
    assert result.notes == []
    d = result.to_json()
    assert d["agency"]["name"] == "测试县人民政府"  # from <h1>, not the <title> with its site suffix
    assert d["publish_date"] == "2025-03-20"  # the page's 发布时间
    assert d["contact"] == "如对本报告有疑问，请与测试县人民政府办公室联系（电话：0000-2222222）。"  # not the nav bar's
    assert d["overview"]["summary"] == "2024年，我县深入贯彻《条例》，政务公开工作取得新进展。"  # source line break
    assert d["overview"]["headings"]["proactive"] == "主动公开"  # a heading on its own line
    assert (
        d["overview"]["proactive"] == "全年在县政府门户网站主动公开政府信息4300余条。\n我县持续深化重点领域信息公开。"
    )
    assert d["overview"]["management"] == "我县严格落实保密审查制度。"  # &nbsp; after the heading
    assert d["proactive"]["normative_documents"] == {"issued": 3, "repealed": 1, "in_force": 27}  # label with <br>
    assert d["proactive"]["licensing"] == {"decisions": 9876}
    assert d["requests"]["new"] == {
        "natural": 4,
        "business": 1,
        "research": 0,
        "nonprofit": 0,
        "legal": 0,
        "other": 0,
        "total": 5,
    }
    assert d["requests"]["unavailable.not_held"]["natural"] == 2
    assert d["processing_fee"] == {"amount_yuan": "0"}
    assert d["other_matters"] == "我县按要求公开人大代表建议和政协提案办理结果。"  # no footer, no signature


def test_published_r41_error_survives_import_and_check_finds_it(tmp_path):
    out = tmp_path / "county.json"
    result = run("import", FIXTURES / "county-2024-gbk.html", "-o", out)
    assert result.exit_code == 1  # docs/format.md §6: a report with errors, though the data is written
    assert (
        "错误：导入的数据有 1 处错误（原报告中的问题，如总计与各项之和不符，或未能读出的内容），数据已照原样导出。"
        in result.stderr
    )
    assert json.loads(out.read_text("utf-8"))["appeals"]["review"]["total"] == 0  # as printed
    checked = run("check", out, "--json")
    assert checked.exit_code == 1
    errors = [f for f in json.loads(checked.stdout)["files"][0]["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["field"], f["expected"], f["actual"]) for f in errors] == [
        ("R4.1", "appeals.review.total", 11, 0)
    ]


def test_missing_row_is_not_stated_and_check_says_so():
    text = (SHIPPED["suoluo"]).read_text("utf-8").replace("行政强制 | 0 | ||\n", "")
    result = import_bytes(text.encode("utf-8"), "txt", "x.txt")
    assert "proactive.coercion.decisions" not in result.values
    assert result.unread == {"proactive.coercion.decisions": "二、主动公开政府信息情况中找不到“行政强制”行"}
    assert [(n.rule, n.field, n.message) for n in result.notes] == [
        (
            "I2",
            "proactive.coercion",
            "未能读出：二、主动公开政府信息情况中找不到“行政强制”行。“本年处理决定数量”列没有读取（不按 0 计，也不算未填写），"
            "相关的合计核对未做。请对照原报告核对。",
        )
    ]
    assert result.check().errors == []  # not the report's fault: no S2 blames it
    assert result.to_json()["proactive"]["coercion"] == {"decisions": None}  # the JSON form never says 0


def test_table_four_as_fifteen_numbers_in_a_line_of_text():
    text = PUBLISHED.joinpath("huaian-2024-report.txt").read_text("utf-8")
    flattened = "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20"
    text = text.replace("72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20", flattened)
    assert flattened in text
    d = import_bytes(text.encode("utf-8"), "txt", "x.txt").to_json()
    assert d["appeals"] == fixture("huaian-2024.json")["appeals"]


def test_gbk_text_file_reads():
    data = SHIPPED["suoluo"].read_text("utf-8").encode("gb18030")
    assert import_bytes(data, "txt", "x.txt").to_json() == fixture("suoluo-2024.json")


# --- Word ----------------------------------------------------------------------------------------


def _word_report(path: Path) -> Path:
    """A Word report made the way offices make them: merged header cells, a vertically merged
    label column, a label broken over two lines, table 四 as one row of fifteen numbers."""
    import docx

    suoluo = fixture("suoluo-2024.json")
    doc = docx.Document()
    doc.add_paragraph("平凉市崆峒区索罗乡人民政府2024年政府信息公开工作年度报告")
    doc.add_paragraph("一、总体情况")
    doc.add_paragraph(suoluo["overview"]["summary"])
    doc.add_paragraph("（一）主动公开情况")
    doc.add_paragraph(suoluo["overview"]["proactive"])
    for numeral, sec in zip("二三四五", ("on_request", "management", "platform", "oversight"), strict=True):
        doc.add_paragraph(f"（{numeral}）{suoluo['overview']['headings'][sec]}。{suoluo['overview'][sec]}")
    doc.add_paragraph("二、主动公开政府信息情况")
    t2 = doc.add_table(rows=3, cols=4)
    t2.cell(0, 0).merge(t2.cell(0, 3)).text = "第二十条第（一）项"
    for i, label in enumerate(("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")):
        t2.cell(1, i).text = label
    for i, v in enumerate(("行政规范\n性文件", "4", "0", "9")):
        t2.cell(2, i).text = v
    doc.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows = list(spec.REQUESTS.rows)
    t3 = doc.add_table(rows=3 + len(rows), cols=10)
    t3.cell(0, 0).merge(t3.cell(2, 2)).text = spec.REQUESTS_NOTE
    t3.cell(0, 3).merge(t3.cell(0, 9)).text = "申请人情况"
    t3.cell(1, 3).merge(t3.cell(2, 3)).text = "自然人"
    t3.cell(1, 4).merge(t3.cell(1, 8)).text = "法人或其他组织"
    t3.cell(1, 9).merge(t3.cell(2, 9)).text = "总计"
    for i, label in enumerate(("商业\n企业", "科研机构", "社会公益组织", "法律服务机构", "其他")):
        t3.cell(2, 4 + i).text = label
    results_at = 3 + [r.id for r in rows].index("granted")
    t3.cell(results_at, 0).merge(t3.cell(results_at + 21, 0)).text = spec.REQUESTS_RESULTS
    for k, row in enumerate(rows):
        r = 3 + k
        if row.section is None:
            t3.cell(r, 0).merge(t3.cell(r, 2)).text = row.label
        else:
            t3.cell(r, 1).merge(t3.cell(r, 2)).text = row.label
        for j in range(7):
            t3.cell(r, 3 + j).text = str(2 if row.id in ("new", "granted") and j in (0, 6) else 0)
    doc.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = doc.add_table(rows=1, cols=15)
    for j in range(15):
        t4.cell(0, j).text = "1" if j in (0, 4) else "0"
    doc.add_paragraph("五、存在的主要问题及改进情况")
    doc.add_paragraph(suoluo["problems"].split("\n")[0])
    doc.add_paragraph("六、其他需要报告的事项")
    doc.add_paragraph("本年度收取信息处理费0元。")
    doc.save(path)
    return path


def test_word_report_with_merged_cells(tmp_path):
    result = import_report(_word_report(tmp_path / "r.docx"))
    d = result.to_json()
    missing = {n.field for n in result.notes}
    assert {n.rule for n in result.notes} == {"I2"}  # rows the table does not print are not read, and named
    assert missing == {
        "proactive.regulations",
        "proactive.licensing",
        "proactive.penalty",
        "proactive.coercion",
        "proactive.fees",
    }
    assert d["overview"]["headings"]["proactive"] == "主动公开情况"
    assert d["overview"]["proactive"] == fixture("suoluo-2024.json")["overview"]["proactive"]
    assert d["proactive"]["normative_documents"] == {"issued": 4, "repealed": 0, "in_force": 9}
    assert d["requests"]["new"] == {
        "natural": 2,
        "business": 0,
        "research": 0,
        "nonprofit": 0,
        "legal": 0,
        "other": 0,
        "total": 2,
    }
    assert d["requests"]["granted"]["total"] == 2
    assert d["requests"]["results_total"]["natural"] == 0  # printed 0 under a granted 2: R3.2 for check
    assert d["appeals"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert d["processing_fee"] == {"amount_yuan": "0"}


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("r.pdf", b"%PDF-1.7", "PDF 文件已损坏"),  # PDFs are read (tests/test_import_pdf.py); this one is broken
        ("r.doc", b"\xd0\xcf\x11\xe0", "旧版 Word 97-2003 文件"),
        ("r.xlsx", b"PK", "这是填报模板，不需要导入"),
    ],
)
def test_unsupported_files_are_refused_with_a_hint(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    result = run("import", path)
    assert result.exit_code == 2
    assert words in result.stderr


def test_old_word_renamed_docx_is_refused(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(UnusableInput) as err:
        import_report(path)
    assert err.value.code == "doc"


def test_text_that_is_not_a_report_is_refused(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("会议通知\n请各单位准时参加。", encoding="utf-8")
    result = run("import", path)
    assert result.exit_code == 2
    assert "找不到报告的各部分标题" in result.stderr


def test_missing_file(tmp_path):
    result = run("import", tmp_path / "none.txt")
    assert result.exit_code == 2
    assert "文件不存在" in result.stderr


# --- pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rest", "heading", "body"),
    [
        ("主动公开。坚持公开为常态。", "主动公开", "坚持公开为常态。"),
        ("主动公开情况。2024年，全年公开。", "主动公开情况", "2024年，全年公开。"),
        ("主动公开方面 全年公开。", "主动公开方面", "全年公开。"),
        ("依申请公开情况　全年收到申请。", "依申请公开情况", "全年收到申请。"),
        ("政府信息管理方面，我局严格审查。", "政府信息管理方面", "我局严格审查。"),
        ("监督保障:纳入考核。", "监督保障", "纳入考核。"),
        ("平台建设情况", "平台建设情况", ""),
        ("平台建设方面持续优化网站，更新及时，回应关切。", "平台建设方面", "持续优化网站，更新及时，回应关切。"),
        (
            "坚持公开为常态，全面公开财政预决算情况，回应社会关切，推进重点领域公开。",
            None,
            "坚持公开为常态，全面公开财政预决算情况，回应社会关切，推进重点领域公开。",
        ),
    ],
)
def test_split_heading(rest, heading, body):
    assert split_heading(rest) == (heading, body)


@pytest.mark.parametrize(
    ("sentence", "fee"),
    [
        ("全年收取政府信息公开信息处理费3940元。", {"amount_yuan": "3940"}),
        ("本年度没有收取信息公开处理费的情况。", {"amount_yuan": "0"}),
        ("本年度共收取信息处理费125.5元，涉及政府信息公开申请3件。", {"amount_yuan": "125.5", "count": 3}),
        ("收取信息处理费0.2万元。", {"amount_yuan": "2000"}),
        ("我局未产生信息处理费。", {"amount_yuan": "0"}),
        ("严格执行《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）。", None),
    ],
)
def test_parse_fee(sentence, fee):
    assert parse_fee(sentence) == fee


def test_drawn_grid_with_an_overfilled_line_snaps_to_the_rules():
    grid = [
        "+------+------+",
        "| 规章 |    1 |",
        "+------+------+",
        "| 行政规范性文件 | 2 |",  # overfilled: its bars drifted
        "|      |      |",
        "+------+------+",
    ]
    assert grid_rows(grid) == [["规章", "1"], ["行政规范性文件", "2"]]


def test_grid_with_spanning_cells_gives_each_cell_once():
    text = "\n".join(
        [
            "+------+------+------+",
            "| 项目 |    数量     |",
            "+------+------+------+",
            "| 甲   |    1 |    2 |",
            "|      +------+------+",
            "|      |    3 |    4 |",
            "+------+------+------+",
        ]
    )
    assert [b.cells for b in blocks_of_text(text)] == [("项目", "数量"), ("甲", "1", "2"), ("3", "4")]


_WIDE = str.maketrans({"(": "（", ")": "）", ".": "．", ",": "，", ":": "："})


@given(st.sampled_from(spec.REQUESTS.rows), st.lists(st.integers(min_value=0, max_value=40), max_size=4), st.booleans())
def test_labels_match_whatever_the_spacing_and_width(row, cuts, wide):
    label = row.label.translate(_WIDE) if wide else row.label
    for cut in sorted(set(cuts), reverse=True):
        label = label[:cut] + (" " if cut % 2 else "\n") + label[cut:]
    labels = {r.id: r.label for r in spec.REQUESTS.rows}
    m = match_label(label, labels)
    assert m is not None and m.key == row.id and m.exact


def test_page_without_a_charset_declaration_is_read_as_chinese(tmp_path):
    page = (
        (FIXTURES / "county-2024-gbk.html")
        .read_bytes()
        .replace(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />', b"")
    )
    assert b"charset" not in page
    assert import_bytes(page, "html", "p.html").to_json() == import_report(FIXTURES / "county-2024-gbk.html").to_json()


@pytest.mark.slow
def test_deeply_nested_page_is_refused():
    page = b"<html><body>" + b"<div>" * 5000 + "一、总体情况".encode() + b"</div>" * 5000 + b"</body></html>"
    with pytest.raises(UnusableInput) as err:
        import_bytes(page, "html", "p.html")
    assert err.value.code == "malformed"


def test_zip_bomb_renamed_docx_is_refused_before_inflating(tmp_path):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<" + b"a" * (40 * 1024 * 1024))
    with pytest.raises(UnusableInput) as err:
        import_report(path)
    assert err.value.code == "zip_bomb"


def test_table_four_as_three_labelled_rows_and_table_three_spaced_like_pdftotext():
    text = SHIPPED["huaian"].read_text("utf-8")
    text = text.replace(
        "72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20",
        "行政复议 | 72 | 64 | 178 | 37 | 351\n未经复议直接起诉 | 13 | 4 | 8 | 1 | 26\n复议后起诉 | 12 | 1 | 1 | 6 | 20",
    )
    text = text.replace(
        "四、结转下年度继续办理 | 103 | 0 | 0 | 0 | 0 | 0 | 103",
        "四、结转下年度继续办理   103   0   0   0   0   0   103",
    )
    result = import_bytes(text.encode("utf-8"), "txt", "x.txt")
    assert result.notes == []
    assert result.to_json() == fixture("huaian-2024.json")


_SENTENCES = (
    "全年主动公开政府信息1200条。",
    "严格落实公开前保密审查，规范发布流程。",
    "持续优化政府网站信息公开专栏。",
    "将政务公开纳入绩效考核，开展社会评议。",
    "一是解读形式单一；二是更新不够及时。",
)


@st.composite
def _reports(draw) -> dict:
    obj = json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
    for f in spec.INPUT_FIELDS:
        table = spec.split_path(f.path)
        if table is None:
            continue
        t, row, col = table
        if f.kind is spec.Kind.DECIMAL:
            amount = draw(st.decimals(min_value=0, max_value=10**6, places=draw(st.integers(0, 6))))
            value = format(amount.normalize(), "f")
        else:
            value = draw(st.integers(min_value=0, max_value=10**6))
        obj[t].setdefault(row, {})[col] = value
    for t in ("requests", "appeals"):
        for cells in obj[t].values():
            cells.pop("total", None)
    obj["requests"].pop("results_total", None)
    req = obj["requests"]
    for col in spec.APPLICANT_COLUMNS:  # R3.3: new + carried_in = results + carried_over
        out = sum(req[r][col] for r in spec.REQUEST_RESULT_ROWS) + req["carried_over"][col]
        req["carried_in"][col] = draw(st.integers(0, out))
        req["new"][col] = out - req["carried_in"][col]
    for sec_id, _, _ in spec.OVERVIEW_SECTIONS:
        obj["overview"][sec_id] = "\n".join(draw(st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=3)))
    count = draw(st.none() | st.integers(0, 99))
    obj["processing_fee"] = {"amount_yuan": str(draw(st.integers(0, 5000)))} | (
        {} if count is None else {"count": count}
    )
    return obj


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["txt", "html", "docx"])
@settings(max_examples=25)
@given(obj=_reports())
def test_any_built_report_imports_back(fmt, obj):
    """Every cell a different number: a column or row read into the wrong place cannot pass."""
    from xltools.render import render

    result = check(source_from_object(obj, "r"))
    assert result.errors == []
    back = import_bytes(render(result.report, fmt), fmt, f"r.{fmt}")
    assert back.notes == []
    want, got = _effective(obj), _effective(back.to_json())
    if not want["processing_fee.amount_yuan"] and not want["processing_fee.count"]:
        assert got.pop("processing_fee.count") is None  # "没有收取…的情况" states no count
        want.pop("processing_fee.count")
    assert got == want


def test_word_automatic_numbering_of_part_titles_and_sub_heads(tmp_path):
    """Offices number 一、… and （一）… with Word's list numbering: the numbers are not in the text."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = docx.Document()
    numbering = doc.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="77">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = doc.add_paragraph(text)
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="77"/></w:numPr>')
        )

    doc.add_paragraph("测试镇人民政府2024年政府信息公开工作年度报告")
    numbered("总体情况", 0)
    doc.add_paragraph("2024年，我镇政务公开工作有序推进。")
    for heading in ("主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障"):
        numbered(heading, 1)
        doc.add_paragraph(f"{heading}的正文。")
    for title in ("主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况"):
        numbered(title, 0)
    numbered("存在的主要问题及改进情况", 0)
    doc.add_paragraph("问题与改进的正文。")
    numbered("其他需要报告的事项", 0)
    doc.add_paragraph("本年度未收取信息处理费。")
    path = tmp_path / "numbered.docx"
    doc.save(path)
    from xltools.published import blocks_of
    from xltools.published.structure import read_structure

    d = read_structure(blocks_of(path.read_bytes(), "docx")).values
    assert d["agency.name"] == "测试镇人民政府"
    assert d["overview.summary"] == "2024年，我镇政务公开工作有序推进。"
    assert d["overview.headings.platform"] == "平台建设"
    assert d["overview.platform"] == "平台建设的正文。"
    assert d["problems"] == "问题与改进的正文。"
    assert d["processing_fee.amount_yuan"] == "0"
    with pytest.raises(UnusableInput) as err:  # no table printed at all: one refusal, not 100 findings
        import_report(path)
    assert err.value.code == "no_tables"


def test_tables_copied_out_of_a_browser_come_tab_separated():
    text = SHIPPED["huaian"].read_text("utf-8").replace(" | ", "\t").replace(" / ", "\t")
    assert "\t" in text and " | " not in text
    result = import_bytes(text.encode("utf-8"), "txt", "x.txt")
    assert result.notes == []
    assert result.to_json() == fixture("huaian-2024.json")


def test_grid_cell_text_running_across_a_rule_line():
    grid = [
        "+------+------+",
        "| 甲   |    1 |",
        "| 乙   +------+",
        "| 丙   |    2 |",
        "+------+------+",
    ]
    assert grid_rows(grid) == [["甲乙丙", "1"], ["2"]]


@pytest.mark.parametrize(
    "tail",
    [
        "<p>淮安市人民政府办公室</p><p>2025年1月20日&nbsp;&nbsp;</p><p>&nbsp;</p>",
        "<p>淮安市人民政府办公室</p><p>2025年1月20日&amp;nbsp;&amp;nbsp;</p>",  # escaped twice: shown as text
        "<p>淮安市人民政府办公室&nbsp;<br>2025年1月20日&amp;nbsp</p>",
        "<p>淮安市人民政府办公室&emsp;2025年1月20日&nbsp;</p>",
    ],
)
def test_publish_date_survives_spaces_after_the_signature_date(tail):
    from xltools.api import load_report
    from xltools.render import render

    html = render(load_report(EXAMPLES / "huaian-2024.json").report, "html").decode()
    at = html.rfind("</section>")
    back = import_bytes((html[:at] + tail + html[at:]).encode(), "html", "r.html")
    assert back.values["publish_date"] == "2025-01-20"
    assert "2025" not in back.values["processing_fee.amount_yuan"]
    assert "办公室" not in (back.values.get("other_matters") or "")


@pytest.mark.parametrize("fmt", ["txt", "html", "docx"])
def test_invisible_characters_removed_from_a_published_report_are_named(fmt):
    """The importer removes invisible characters like every reader, and says so (I1): a clerk is told
    exactly what was removed."""
    import io

    import docx

    from xltools.render import build

    data = build(check(source_from_object(import_report(SHIPPED["suoluo"]).to_json(), "x")), fmt)
    if fmt == "docx":  # a site editor's paste: a soft hyphen and a zero-width space in a paragraph
        document = docx.Document(io.BytesIO(data))
        document.paragraphs[-1].add_run("\u00ad\u200b\u200b")
        buf = io.BytesIO()
        document.save(buf)
        data = buf.getvalue()
    else:
        text = data.decode("utf-8")
        data = text.replace("存在的主要问题", "存在的\u00ad主要\u200b问题\u200b", 1).encode("utf-8")
    imported = import_bytes(data, fmt, f"报告.{fmt}")
    notes = [n.message for n in imported.notes if "不可见的字符" in n.message]
    assert notes == [
        "文件中的文字含有 3 个不可见的字符，已删除：U+00AD（软连字符）、U+200B（零宽空格） 2 个。"
        "请检查文字是否从别处粘贴带入了格式符号。"
    ]
    assert all(n.rule == "I1" for n in imported.notes)
    assert "\u200b" not in json.dumps(imported.to_json(), ensure_ascii=False)


def test_a_clean_published_report_has_no_removal_note():
    imported = import_report(SHIPPED["huaian"])
    assert not [n for n in imported.notes if "不可见" in n.message]
