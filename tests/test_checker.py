"""Each hard rule on JSON and workbook input, with the exact message a clerk reads."""

import copy
import io
import json
import zipfile

import pytest

from tests.conftest import EXAMPLES
from tests.workbooks import VALID_TEXTS, fill_to
from xltools.errors import UnusableInput
from xltools.jsonform import json_schema, parse_json, report_to_json, source_from_object
from xltools.rules.checker import check
from xltools.workbook.reader import read_input


def _base() -> dict:
    return json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))


def _check(obj):
    return check(source_from_object(obj, "t.json"))


def _errors(obj):
    return [(f.rule, f.field, f.message) for f in _check(obj).errors]


def test_the_shipped_example_passes():
    assert _check(_base()).ok


def test_r41_a_review_total_printed_as_zero_beside_parts_summing_to_eleven():
    obj = _base()
    obj["appeals"] = {"review": {"upheld": 4, "corrected": 7, "total": 0}}
    assert _errors(obj) == [
        (
            "R4.1",
            "appeals.review.total",
            "四、复议诉讼 行政复议：总计为 0，结果维持、结果纠正、其他结果、尚未审结之和为 11，相差 11。"
            "总计应由公式自动计算，不要手工填写；请核对这四项数字。",
        )
    ]
    finding = _check(obj).errors[0]
    assert (finding.expected, finding.actual, finding.cell) == (11, 0, None)  # the two sides


def test_r32_result_rows_summing_to_26_under_a_total_of_20():
    obj = _base()
    obj["requests"] = {
        "new": {"natural": 26},
        "granted": {"natural": 20},
        "partial": {"natural": 6},
        "results_total": {"natural": 20},
        "carried_over": {"natural": 6},
    }
    errors = _errors(obj)
    assert errors[0] == (
        "R3.2",
        "requests.results_total.natural",
        "三、依申请公开 （七）总计行 自然人列：总计为 20，（一）至（六）各项办理结果之和为 26，相差 6。"
        "总计应由公式自动计算；请核对该列哪一个办理结果数字填错了。",
    )


def test_r31_a_stated_row_total_that_disagrees():
    obj = _base()
    obj["requests"] = {"new": {"natural": 3, "legal": 2, "total": 6}, "granted": {"natural": 3, "legal": 2}}
    assert _errors(obj)[0] == (
        "R3.1",
        "requests.new.total",
        "三、依申请公开 一、本年新收政府信息公开申请数量行：总计为 6，自然人至其他六列之和为 5，相差 1。"
        "总计列应由公式自动计算，不要手工填写；请核对该行数字。",
    )


def test_r33_names_both_sides_and_the_cell_to_fix():
    obj = _base()
    obj["requests"] = {
        "new": {"natural": 5},
        "carried_in": {"natural": 1},
        "granted": {"natural": 4},
        "carried_over": {"natural": 3},
    }
    result = _check(obj)
    first = result.errors[0]
    assert (first.rule, first.field, first.expected, first.actual) == ("R3.3", "requests.carried_over.natural", 7, 6)
    assert first.message == (
        "三、依申请公开 自然人列：第一项加第二项（本年新收 5 + 上年结转 1 = 6）与第三项加第四项（办理结果总计 4 + "
        "结转下年度继续办理 3 = 7）不相等，相差 1。请核对该列的本年新收、上年结转、各项办理结果和结转下年度，找出填错的数字。"
    )
    assert "应为" not in first.message
    assert [f.rule for f in result.errors] == ["R3.3"]  # the 总计 column follows from it: one finding


def test_r33_on_a_workbook_names_the_cell(tmp_path):
    wb = fill_to(
        tmp_path / "f.xlsx",
        {**VALID_TEXTS, "requests.new.natural": 5, "requests.granted.natural": 4, "requests.carried_over.natural": 3},
    )
    errors = check(read_input(wb)).errors
    assert [(f.rule, f.cell) for f in errors] == [("R3.3", "三、依申请公开!D31")]  # not also the 总计 column
    assert set(errors[0].cells) == {
        "三、依申请公开!D31",
        "三、依申请公开!D7",
        "三、依申请公开!D8",
        "三、依申请公开!D30",
    }
    assert errors[0].as_json()["cells"][0] == errors[0].as_json()["cell"]


def test_s2_null_in_a_table_is_an_error_but_a_missing_key_is_zero():
    obj = _base()
    obj["requests"] = {"new": {"natural": None}}
    assert _errors(obj) == [
        (
            "S2",
            "requests.new.natural",
            "三、依申请公开 一、本年新收政府信息公开申请数量行 自然人列：未填写（没有数字）。表格中的每个数字都要填写，没有的填 0。",
        )
    ]


def test_s2_text_number_in_json_warns_and_is_read():
    obj = _base()
    obj["requests"] = {"new": {"natural": "3"}, "granted": {"natural": 3}}
    result = _check(obj)
    assert result.ok
    assert [(f.field, f.severity) for f in result.warnings if f.rule == "S2"] == [("requests.new.natural", "warning")]
    assert result.report["requests.new.total"] == 3


def test_a_readable_problem_cell_does_not_also_trigger_rule_noise():
    obj = _base()
    obj["requests"] = {"new": {"natural": "无"}, "granted": {"natural": 3}}
    assert [f.rule for f in _check(obj).errors] == ["S2"]


@pytest.mark.parametrize("token", ["XX", "××", "○○", "待补充", "待填写", "此处填写", "TODO", "ＸＸ"])
def test_s3_placeholders(token):
    obj = _base()
    obj["overview"]["platform"] = f"依托{token}平台发布信息。"
    assert _errors(obj) == [
        (
            "S3",
            "overview.platform",
            f"一、总体情况 （四）平台建设：含有占位符“{token}”，像是没有写完。请替换为实际内容后再生成报告。",
        )
    ]


def test_s3_an_ellipsis_inside_a_sentence_is_punctuation_but_alone_is_a_placeholder():
    obj = _base()
    obj["overview"]["platform"] = "完善网站、新媒体……等平台。"
    assert _check(obj).ok
    obj["overview"]["platform"] = "……"
    assert _errors(obj)[0][0] == "S3"


def test_s3_the_templates_own_prompt_is_a_placeholder():
    obj = _base()
    obj["problems"] = "存在的主要问题和改进措施，可写上年度问题整改情况"
    assert _errors(obj)[0][2].endswith("与模板的提示语相同，像是没有写完。请替换为实际内容后再生成报告。")


def test_s4_required_parts_and_on_request_may_be_blank():
    obj = _base()
    del obj["overview"]["oversight"]
    obj["overview"]["on_request"] = ""
    assert _errors(obj) == [
        (
            "S4",
            "overview.oversight",
            "一、总体情况 （五）监督保障：未填写。这是报告必须包含的内容（国办公开办函〔2021〕30号要求各部分不能遗漏），请填写后再生成报告。",
        )
    ]


def test_unreadable_year_is_s2_only_not_also_s4():
    obj = _base()
    obj["year"] = 2019
    assert [f.rule for f in _check(obj).errors] == ["S2"]


def test_json_unknown_keys_and_wrong_types_are_reported_by_path():
    obj = _base()
    obj["requests"] = {"new": {"natrual": 3}, "granted": [1]}
    obj["colour"] = "red"
    messages = [(f.field, f.message) for f in _check(obj).errors]
    assert (
        "requests.new.natrual",
        "“requests.new.natrual”不是报告数据中的项目（拼写错误？），其中的数据没有读入。请删除或改正它。",
    ) in messages
    assert ("requests.granted", "“requests.granted”应是一个对象 {…}，现为列表。") in messages
    assert ("colour", "“colour”不是报告数据中的项目（拼写错误？），其中的数据没有读入。请删除或改正它。") in messages


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{", "malformed"),
        (b"[]", "not_report"),
        (b'{"format": "other"}', "not_report"),
        (b"", "empty"),
        (b'{"format": "xltools.report/1", "requests": {"other": {"natural": 1}}}', "format_2019"),
        (b"\xff\xfe{", "encoding"),
        (b"[" * 100000, "malformed"),
    ],
)
def test_unusable_json(data, code):
    with pytest.raises(UnusableInput) as exc:
        parse_json(data, "x.json")
    assert exc.value.code == code and exc.value.exit_code == 2


def test_json_round_trip_keeps_every_value():
    result = _check(_base())
    again = _check(report_to_json(result.report))
    assert again.report.values == result.report.values


def test_schema_describes_every_field_and_rejects_unknown_keys():
    schema = json_schema()
    assert schema["additionalProperties"] is False
    req = schema["properties"]["requests"]["properties"]
    assert req["refused.state_secret"]["properties"]["natural"]["minimum"] == 0
    assert schema["properties"]["agency"]["required"] == ["name"]
    example = copy.deepcopy(_base())
    assert set(example) <= set(schema["properties"])


# --- docs/format.md §4 "Dates as spreadsheets store them" ------------------------------------------------


def test_the_deadline_is_a_text_cell_and_a_date_found_there_is_read_as_month_and_day(tmp_path):
    import datetime

    import openpyxl

    from tests.workbooks import cell_of
    from xltools.workbook.template import template_bytes

    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    assert cell_of(wb, "agency.deadline").number_format == "@"  # so "01-31" stays text when typed
    # a Chinese-locale program that turned "01-31" into a date anyway (General format)
    wb = fill_to(tmp_path / "d.xlsx", {**VALID_TEXTS, "agency.deadline": datetime.datetime(2026, 1, 31)})
    result = check(read_input(wb))
    assert result.report["agency.deadline"] == "01-31"
    assert not [f for f in result.findings if f.field == "agency.deadline"]


def test_a_workbook_in_the_1904_date_system_keeps_its_dates(tmp_path):
    import datetime

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from tests.workbooks import cell_of
    from xltools.workbook.template import template_bytes

    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    wb.epoch = CALENDAR_MAC_1904
    for path, value in VALID_TEXTS.items():
        cell_of(wb, path).value = value
    cell_of(wb, "publish_date").value = datetime.datetime(2025, 1, 20)
    cell_of(wb, "agency.deadline").value = datetime.datetime(2026, 2, 28)
    p = tmp_path / "mac.xlsx"
    wb.save(p)
    assert b'date1904="1"' in zipfile.ZipFile(p).read("xl/workbook.xml")
    report = check(read_input(p)).report
    assert (report["publish_date"], report["agency.deadline"]) == ("2025-01-20", "02-28")


def test_what_the_sheet_sums_is_what_the_rules_check(tmp_path):
    """docs/format.md §5.1: text is an S2 error, a blank counts 0 (an S2 warning), an error value is an S2
    error; a rule over an invalid cell is not computed (the sheet's check names the cell instead of
    quoting a sum nobody typed), so the S2 finding alone speaks of it."""
    wb = fill_to(
        tmp_path / "t.xlsx",
        {
            **VALID_TEXTS,
            "requests.new.natural": "３",  # R3.1 and R3.3 over it name it, without computing
            "requests.granted.natural": 3,
            "appeals.review.upheld": None,
            "proactive.regulations.issued": "#N/A",
            "overview.platform": "\u3000\u00a0\u200b",
        },
    )
    result = check(read_input(wb))
    got = {(f.rule, f.severity, f.field) for f in result.findings if f.rule in ("S2", "S4", "R3.3", "X2")}
    assert got == {
        ("S2", "error", "requests.new.natural"),
        ("S2", "warning", "appeals.review.upheld"),
        ("S2", "error", "proactive.regulations.issued"),
        ("S4", "error", "overview.platform"),
        ("S2", "warning", "overview.platform"),  # the invisible U+200B, removed
    }
    text = next(f for f in result.findings if f.field == "requests.new.natural")
    assert "“３”是文本" in text.message and "合计会跳过它" in text.message and "重新输入数字 3" in text.message
    assert "#N/A" in next(f.message for f in result.findings if f.field == "proactive.regulations.issued")


# Advice only a workbook or JSON data can take: a published report has no cell, formula or template.
WORKBOOK_ONLY = ("公式", "手工填写", "单元格", "模板", "重新填写", "再生成报告", "请填写", "填 0")


def test_a_published_reports_messages_say_to_check_the_original_not_to_fill_in():
    """The same mistakes read as a workbook's (fill in, build again) and as a published report's
    (check the printed report): S2 a number printed blank, S3 a placeholder, S4 a part missing, C1
    a fee without its count, R3.1/R3.2/R4.1 a total that disagrees with its parts."""
    from dataclasses import replace

    obj = _base()
    obj["requests"] = {
        "new": {"natural": 3, "legal": 2, "total": 6},
        "granted": {"natural": 3, "legal": 2},
        "carried_in": {"business": None},
        "results_total": {"natural": 4},
    }
    obj["appeals"] = {"review": {"upheld": 4, "corrected": 7, "total": 0}}
    obj["overview"]["platform"] = "依托XX平台发布信息。"
    del obj["overview"]["oversight"]
    obj["processing_fee"] = {"count": 0, "amount_yuan": 50}
    source = source_from_object(obj, "t.json")
    filled = {f.rule: f.message for f in check(source).findings}
    printed = {f.rule: f.message for f in check(replace(source, published=True)).findings}
    rules = ("S2", "S3", "S4", "C1", "R3.1", "R3.2", "R4.1")
    assert set(rules) <= set(filled) and set(rules) <= set(printed)
    for rule in rules:
        assert not [w for w in WORKBOOK_ONLY if w in printed[rule]], printed[rule]
        assert "原报告" in printed[rule] and printed[rule] != filled[rule]
    assert filled["C1"] == (
        "信息处理费收取件数（件）为 0，但信息处理费收取金额（元）为 50 元。请填写实际收费件数，"
        "不清楚件数可留空（《政府信息公开信息处理费管理办法》（国办函〔2020〕109号））。"
    )
    assert printed["R4.1"] == (
        "四、复议诉讼 行政复议：报告中的总计为 0，结果维持、结果纠正、其他结果、尚未审结之和为 11，相差 11。"
        "总计与这四项之和不一致，请对照原报告核对这五个数字，找出印错的一项。"
    )
    assert printed["S2"].startswith("三、依申请公开 二、上年结转政府信息公开申请数量行 商业企业列：报告中此处空白")
