"""Soft rules (docs/format.md §5): every warning kind has a true positive and a near-miss that stays
silent. Reports are built in the JSON form and checked through the real checker."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from xltools.jsonform import source_from_object
from xltools.model import ERROR, WARNING, Report
from xltools.rules.checker import check
from xltools.rules.soft import copied_share, deadline, infer_level
from xltools.workbook.layout import field_ref

BASE = {
    "format": "xltools.report/1",
    "agency": {"name": "测试市测试区教育局", "self": "我局", "level": "department"},
    "year": 2024,
    "overview": {
        "summary": "2024年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，政府信息公开工作有序推进。",
        "proactive": "全年制发行政规范性文件2件，废止1件，现行有效规范性文件10件。",
        "on_request": "2024年，我局共收到政府信息公开申请12件，上年结转1件，办结12件，结转下年度继续办理1件。",
        "management": "严格落实信息发布审核制度，做好公开前保密审查。",
        "platform": "持续完善政府网站信息公开专栏，依托政务新媒体发布信息。",
        "oversight": "明确专人负责政府信息公开工作，接受社会监督。",
    },
    "proactive": {"normative_documents": {"issued": 2, "repealed": 1, "in_force": 10}},
    "requests": {
        "new": {"natural": 10, "business": 2},
        "carried_in": {"natural": 1},
        "granted": {"natural": 8, "business": 2},
        "unavailable.not_held": {"natural": 2},
        "carried_over": {"natural": 1},
    },
    "appeals": {"review": {"upheld": 1, "pending": 1}, "suit_direct": {"upheld": 1}, "suit_after_review": {"other": 2}},
    "problems": "主要问题是公开内容不够全面，政策解读形式较为单一。下一步，我局将拓展公开渠道，提升解读质量，加强队伍培训。",
    "processing_fee": {"amount_yuan": "0"},
    "other_matters": "无其他需要报告的事项。",
}


def report_of(changes: dict | None = None, **top) -> dict:
    data = copy.deepcopy(BASE)
    for dotted, value in (changes or {}).items():
        node = data
        *heads, last = dotted.split("/")
        for key in heads:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    data.update(top)
    return data


def run(data: dict, previous: dict | None = None, **kw):
    prev = None
    if previous is not None:
        prev = check(source_from_object(previous, "last.json")).report
    return check(source_from_object(data, "this.json"), previous=prev, **kw)


def warnings(result, rule: str):
    return [f for f in result.findings if f.rule == rule]


def test_base_report_is_clean():
    result = run(report_of())
    assert result.findings == []


# --- T1 -------------------------------------------------------------------------------------------


def test_t1_received_disagrees_quotes_sentence_and_names_cell():
    text = "2024年，我局共收到政府信息公开申请17件，全部按时答复。"
    (f,) = warnings(run(report_of({"overview/on_request": text})), "T1")
    assert f.severity == WARNING
    assert f.field == "overview.on_request"
    assert f.expected == 12 and f.actual == 17
    assert f"文字“{text}”" in f.message
    assert "但表格中“三、依申请公开 一、本年新收政府信息公开申请数量行 总计列”为 12" in f.message
    assert "本年新收加上年结转为 13" in f.message


def test_t1_total_including_carried_in_is_silent():
    text = "2024年，我局共受理政府信息公开申请13件（含上年结转1件），办结12件，结转下年度继续办理1件。"
    assert warnings(run(report_of({"overview/on_request": text})), "T1") == []


def test_t1_chinese_numerals_agree():
    text = "本年新收政府信息公开申请十二件，办结十二件。"
    assert warnings(run(report_of({"overview/on_request": text})), "T1") == []


def test_t1_every_match_in_a_sentence_is_compared():
    text = "我局共收到政府信息公开申请12件，上年结转1件，办结11件，结转下年度继续办理1件。"
    (f,) = warnings(run(report_of({"overview/on_request": text})), "T1")
    assert "办结/答复申请 11 件" in f.message
    assert "（七）总计行 总计列”为 12" in f.message


def test_t1_scope_word_lowers_confidence_and_says_so():
    text = "区政府办共受理政府信息公开申请5件。"
    (f,) = warnings(run(report_of({"overview/on_request": text})), "T1")
    assert "句中有“区政府办”" in f.message and "把握较低" in f.message


def test_t1_suit_is_both_suit_groups():
    ok = "全年发生政府信息公开行政复议2件，行政诉讼3件。"
    assert warnings(run(report_of({"overview/oversight": ok})), "T1") == []
    wrong = "全年发生政府信息公开行政诉讼1件。"
    (f,) = warnings(run(report_of({"overview/oversight": wrong})), "T1")
    assert "“未经复议直接起诉总计 + 复议后起诉总计”为 3" in f.message


def test_t1_review_breakdown():
    ok = "行政复议2件，其中结果维持1件，尚未审结1件。"
    assert warnings(run(report_of({"overview/oversight": ok})), "T1") == []
    wrong = "行政复议2件，其中结果维持2件。"
    (f,) = warnings(run(report_of({"overview/oversight": wrong})), "T1")
    assert "行政复议 结果维持”为 1" in f.message


def test_t1_in_force_and_issued():
    wrong = "全年制发行政规范性文件3件，现行有效规范性文件11件。"
    found = warnings(run(report_of({"overview/proactive": wrong})), "T1")
    assert [(f.expected, f.actual) for f in found] == [(2, 3), (10, 11)]


def test_t1_fee_amount():
    text = "全年收取信息处理费100元。"
    (f,) = warnings(run(report_of({"other_matters": text})), "T1")
    assert "信息处理费金额 100 元" in f.message and "“信息处理费收取金额（元）”为 0" in f.message
    assert warnings(run(report_of({"other_matters": text, "processing_fee/amount_yuan": "100"})), "T1") == []


def test_t1_sentence_about_last_year_is_not_compared():
    text = "2023年共收到政府信息公开申请30件，2024年共收到政府信息公开申请12件。"
    assert warnings(run(report_of({"overview/on_request": text})), "T1") == []
    text = "上年度共收到政府信息公开申请30件。"
    assert warnings(run(report_of({"overview/on_request": text})), "T1") == []


def test_t1_zero_claim_against_table():
    text = "2024年我局未收到政府信息公开申请。"
    (f,) = warnings(run(report_of({"overview/on_request": text})), "T1")
    assert f.actual == 0 and f.expected == 12


def test_t1_names_the_table_cell_in_a_workbook(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to
    from xltools.api import load_report

    values = {**VALID_TEXTS, "requests.new.natural": 95, "requests.granted.natural": 95}
    values["overview.on_request"] = "2024年，我镇共受理政府信息公开申请17件。"
    result = load_report(fill_to(tmp_path / "t1.xlsx", values))
    (f,) = warnings(result, "T1")
    assert field_ref("requests.new.total") in f.message
    assert f.cell == field_ref("overview.on_request")


# --- T2 -------------------------------------------------------------------------------------------


def test_t2_paragraph_opening_with_another_year():
    text = "2023年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。"
    (f,) = warnings(run(report_of({"overview/summary": text})), "T2")
    assert "段落以“2023年”开头" in f.message and f.actual == 2023


def test_t2_next_year_plans_are_silent():
    text = "2024年，我局工作有序推进。2025年，我局将继续深化政务公开。"
    assert warnings(run(report_of({"overview/summary": text})), "T2") == []


def test_t2_statistics_period():
    wrong = "报告所列数据的统计期限为2023年1月1日至12月31日。"
    (f,) = warnings(run(report_of({"other_matters": wrong})), "T2")
    assert "统计期限“2023年1月1日至12月31日”" in f.message
    ok = "报告所列数据的统计期限为2024年1月1日至2024年12月31日。"
    assert warnings(run(report_of({"other_matters": ok})), "T2") == []


def test_t2_title_year():
    wrong = "现发布《测试市测试区教育局2023年政府信息公开工作年度报告》。"
    assert len(warnings(run(report_of({"other_matters": wrong})), "T2")) == 1
    reviewing = BASE["problems"] + "2023年政府信息公开工作年度报告中指出的问题已整改完毕。"
    assert warnings(run(report_of({"problems": reviewing})), "T2") == []


def test_t2_published_before_the_year_ended():
    (f,) = warnings(run(report_of(publish_date="2024-12-20")), "T2")
    assert f.field == "publish_date" and "应在 2025 年发布" in f.message
    assert warnings(run(report_of(publish_date="2025-01-20")), "T2") == []


# --- C1 -------------------------------------------------------------------------------------------


def test_c1_blank_fee_cell_in_workbook(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to
    from xltools.api import load_report

    blank = load_report(fill_to(tmp_path / "blank.xlsx", {**VALID_TEXTS, "processing_fee.amount_yuan": None}))
    (f,) = warnings(blank, "C1")
    assert f.cell == field_ref("processing_fee.amount_yuan")
    assert "国办函〔2020〕109号" in f.message and "确未收取请填 0" in f.message
    zero = load_report(fill_to(tmp_path / "zero.xlsx", {**VALID_TEXTS, "processing_fee.amount_yuan": 0}))
    assert warnings(zero, "C1") == []


@pytest.mark.parametrize(
    "text",
    [
        "本年度未收取信息处理费。",
        "我局没有收取任何费用。",
        "无收费情况。",
        "本年度均未收取信息公开处理费，无其他事项。",
    ],
)
def test_c6_own_text_denies_the_fee_the_cells_state(text):
    fee = {"processing_fee/amount_yuan": "100", "processing_fee/count": 2}
    (f,) = warnings(run(report_of({**fee, "other_matters": text})), "C6")
    assert f.field == "other_matters" and "100 元" in f.message and "前后矛盾" in f.message
    # the same text with no fee stated, or a text that does not deny one, is silent
    assert warnings(run(report_of({"other_matters": text})), "C6") == []
    assert warnings(run(report_of({**fee, "other_matters": "本年度收取信息处理费100元。"})), "C6") == []
    assert warnings(run(report_of({**fee, "other_matters": "无其他需要报告的事项。"})), "C6") == []


def test_c1_count_and_amount_contradict():
    (f,) = warnings(run(report_of({"processing_fee/count": 3})), "C1")
    assert "为 0，但信息处理费收取件数（件）为 3" in f.message
    assert warnings(run(report_of({"processing_fee/count": 3, "processing_fee/amount_yuan": "150"})), "C1") == []
    (f,) = warnings(run(report_of({"processing_fee/count": 0, "processing_fee/amount_yuan": "50"})), "C1")
    assert f.field == "processing_fee.count"
    assert warnings(run(report_of({"processing_fee/amount_yuan": "50"})), "C1") == []  # count not stated


# --- C2 -------------------------------------------------------------------------------------------


def test_c2_department_late():
    (f,) = warnings(run(report_of(publish_date="2025-02-01")), "C2")
    assert "晚于发布期限 2025-01-31" in f.message
    assert "县级以上人民政府部门，依据《政府信息公开条例》第四十九条" in f.message
    assert "逾期 1 天" in f.message
    assert warnings(run(report_of(publish_date="2025-01-31")), "C2") == []


def test_c2_government_deadline_is_march():
    data = report_of({"agency/level": "government", "agency/name": "测试市人民政府"}, publish_date="2025-03-31")
    assert warnings(run(data), "C2") == []
    data["publish_date"] = "2025-04-01"
    (f,) = warnings(run(data), "C2")
    assert "2025-03-31" in f.message


def test_c2_township_cites_local_practice_and_own_deadline_overrides():
    data = report_of({"agency/level": "township", "agency/name": "测试镇人民政府"}, publish_date="2025-02-10")
    (f,) = warnings(run(data), "C2")
    assert "地方通行做法" in f.message
    data["agency"]["deadline"] = "02-28"
    assert warnings(run(data), "C2") == []
    data["publish_date"] = "2025-03-01"
    (f,) = warnings(run(data), "C2")
    assert "本机关填写的发布期限（月-日）" in f.message


def test_c2_level_inferred_from_name_when_blank():
    data = report_of({"agency/level": None, "agency/name": "测试市人民政府"}, publish_date="2025-03-15")
    assert warnings(run(data), "C2") == []
    data["publish_date"] = "2025-04-15"
    (f,) = warnings(run(data), "C2")
    assert "机关类型未填，按机关名称视为县级以上地方人民政府" in f.message


def test_deadline_and_level_helpers():
    assert infer_level("平凉市崆峒区索罗乡人民政府") == "township"
    assert infer_level("某某街道办事处") == "township"
    assert infer_level("淮安市人民政府") == "government"
    assert infer_level("淮安市教育局") == "department"
    r = Report({"year": 2024, "agency.deadline": "02-29", "agency.level": None, "agency.name": "x"})
    assert deadline(r)[0].isoformat() == "2025-02-28"


# --- C4 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["无", "暂无。", "无问题", "公开内容不够全面，下一步加强。"])
def test_c4_thin_problems(text):
    (f,) = warnings(run(report_of({"problems": text})), "C4")
    assert f.field == "problems" and "下一步改进措施" in f.message


def test_c4_thirty_characters_is_enough():
    text = "政策解读形式单一，公开内容不够全面。下一步将丰富解读形式，扩大公开范围。"
    assert len([c for c in text if c.isalnum()]) >= 30
    assert warnings(run(report_of({"problems": text})), "C4") == []


def test_c4_empty_is_left_to_s4():
    result = run(report_of({"problems": ""}))
    assert warnings(result, "C4") == [] and [f.rule for f in result.errors] == ["S4"]


# --- C5 -------------------------------------------------------------------------------------------


def test_c5_township_silent_on_accountability():
    data = report_of({"agency/level": "township", "agency/name": "测试镇人民政府"})
    (f,) = warnings(run(data), "C5")
    assert "第五十条第（四）项" in f.message and f.field == "overview.oversight"


def test_c5_mentioned_or_department_is_silent():
    data = report_of({"agency/level": "township", "overview/oversight": "将政务公开工作纳入年度绩效考核。"})
    assert warnings(run(data), "C5") == []
    assert warnings(run(report_of()), "C5") == []  # a department


def test_c5_level_inferred_from_name():
    data = report_of({"agency/level": None, "agency/name": "测试县某某镇人民政府"})
    assert len(warnings(run(data), "C5")) == 1


# --- with last year's report: X0, X1, X2, X3, C3 ------------------------------------------------


def last_year(changes: dict | None = None) -> dict:
    data = report_of(changes, year=2023)
    data["requests"] = {"new": {"natural": 10}, "granted": {"natural": 9}, "carried_over": {"natural": 1}}
    data["proactive"] = {"normative_documents": {"in_force": 9}}
    data["appeals"] = {"review": {"upheld": 2}, "suit_direct": {"upheld": 3}}
    for key in ("summary", "proactive", "on_request", "management", "platform", "oversight"):
        data["overview"][key] = "上年的文字完全不同，只谈当年的工作安排和成效。"
    data["problems"] = "上年问题在于队伍建设薄弱，人员流动较快，培训不足，需要加强。"
    data["other_matters"] = ""
    return data


def test_previous_consistent_is_clean():
    assert run(report_of(), previous=last_year()).findings == []


def test_x0_agency_renamed():
    prev = last_year({"agency/name": "测试区教育局"})
    (f,) = warnings(run(report_of(), previous=prev), "X0")
    assert "本年“测试市测试区教育局”，上年“测试区教育局”" in f.message and "更名" in f.message
    prev = last_year({"agency/name": "测试市 测试区教育局"})
    assert warnings(run(report_of(), previous=prev), "X0") == []


def test_x1_and_x2_name_last_years_figures():
    prev = last_year()
    prev["requests"]["carried_over"] = {"natural": 2}
    prev["proactive"]["normative_documents"]["in_force"] = 20
    result = run(report_of(), previous=prev)
    (x1,) = warnings(result, "X1")
    assert x1.field == "requests.carried_in.natural"
    assert "上年结转为 1，上年报告的结转下年度继续办理为 2，相差 1" in x1.message
    assert "对照的是上年报告 三、依申请公开 四、结转下年度继续办理行 自然人列" in x1.message
    (x2,) = warnings(result, "X2")
    assert "上年现行有效 20 + 本年制发 2 − 本年废止 1 = 21 件" in x2.message


def test_x1_names_last_years_cell_in_a_workbook(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to
    from xltools.api import load_report
    from xltools.workbook.reader import read_input

    last = fill_to(
        tmp_path / "last.xlsx",
        {**VALID_TEXTS, "year": 2023, "requests.new.natural": 3, "requests.carried_over.natural": 3},
    )
    prev = check(read_input(last)).report
    this = fill_to(
        tmp_path / "this.xlsx", {**VALID_TEXTS, "requests.carried_in.natural": 2, "requests.granted.natural": 2}
    )
    (x1,) = warnings(load_report(this, previous=prev), "X1")
    assert x1.cell == field_ref("requests.carried_in.natural")
    assert f"（{field_ref('requests.carried_over.natural')}）" in x1.message


def test_x3_big_change_unexplained():
    prev = last_year()
    prev["requests"] = {"new": {"natural": 4}, "granted": {"natural": 3}, "carried_over": {"natural": 1}}
    (f,) = warnings(run(report_of(), previous=prev), "X3")
    assert f.field == "requests.new.total"
    assert "上年 4，本年 12，增加 200%" in f.message


def test_x3_small_change_or_explained_is_silent():
    assert warnings(run(report_of(), previous=last_year()), "X3") == []  # 10 → 12
    prev = last_year()
    prev["requests"] = {"new": {"natural": 4}, "granted": {"natural": 3}, "carried_over": {"natural": 1}}
    explained = BASE["overview"]["on_request"] + "申请数量较上年大幅增加，主要是涉及征收拆迁的申请增多。"
    assert warnings(run(report_of({"overview/on_request": explained}), previous=prev), "X3") == []


def test_x3_from_zero():
    prev = last_year()
    prev["appeals"] = {"review": {"upheld": 2}}  # no suits last year
    (f,) = warnings(run(report_of(), previous=prev), "X3")
    assert "由上年的 0 变为 3" in f.message


@pytest.mark.parametrize(
    ("before", "now", "fires"),
    [
        (0, 1, False),
        (0, 2, False),
        (1, 0, False),
        (2, 0, False),
        (2, 4, False),
        (19, 69, True),
        (58, 21, True),
        (0, 9, True),
    ],
)
def test_x3_threshold_in_both_directions(before, now, fires):
    """Changes under X3_MIN_CHANGE (3) need no explanation, however large the percentage."""
    prev = last_year()
    prev["appeals"] = {"review": {"upheld": before}, "suit_direct": {"upheld": 1}, "suit_after_review": {"other": 2}}
    this = report_of({"appeals/review": {"upheld": now}})
    found = [f for f in warnings(run(this, previous=prev), "X3") if f.field == "appeals.review.total"]
    assert bool(found) is fires
    if fires:
        assert (found[0].expected, found[0].actual) == (before, now)


def test_t1_enumeration_after_qizhong_reads_the_first_number_as_total():
    text = "2024年，我局共收到政府信息公开申请12件，上年结转1件，办结依申请12件，其中公开答复10件，无法提供2件。"
    assert warnings(run(report_of({"overview/on_request": text})), "T1") == []
    wrong = text.replace("办结依申请12件", "办结依申请11件")
    (f,) = [f for f in warnings(run(report_of({"overview/on_request": wrong})), "T1") if "11" in f.message]
    assert "办结依申请11件" in f.message


def test_c3_copied_text():
    prev = last_year()
    prev["overview"] = copy.deepcopy(BASE["overview"])
    prev["overview"]["on_request"] = prev["overview"]["on_request"].replace("2024", "2023")
    prev["problems"] = BASE["problems"]
    (f,) = warnings(run(report_of(), previous=prev), "C3")
    assert f.actual > 50
    assert f"本年报告的文字有 {f.actual}% 与上年报告相同（按连续 13 个字比对" in f.message


def _texts(**values) -> Report:
    return Report({"overview.summary": values.get("summary", ""), "problems": values.get("problems", "")})


def test_c3_share_measure_is_exact():
    copied = "坚持以公开为常态不公开为例外总体要求遵循公正公平合法便民的原则主动公开政策文件。"  # 40
    fresh = "围绕优化营商环境开展专题解读组织新闻发布会回应社会关切提升政务服务水平促进发展。"  # 40
    assert len(copied) == len(fresh) == 40
    last = _texts(summary=copied)
    share, per_field = copied_share(_texts(summary=copied + fresh), last)
    assert share == 0.5 and per_field["overview.summary"] == 0.5
    share, _ = copied_share(_texts(summary=copied, problems=fresh), last)
    assert share == 0.5
    share, _ = copied_share(_texts(summary=copied + fresh[:-2]), last)
    assert share == pytest.approx(40 / 78)
    # figures changed, wording kept: still copied
    share, _ = copied_share(_texts(summary="2024年" + copied), _texts(summary="2023年" + copied))
    assert share == 1.0


def test_c3_at_half_is_silent():
    prev = last_year()
    this = report_of()
    shared = "坚持以公开为常态不公开为例外总体要求遵循公正公平合法便民的原则主动公开政策文件。"
    prev["overview"]["summary"] = shared
    for key in ("summary", "proactive", "on_request", "management", "platform", "oversight"):
        this["overview"][key] = ""
    this["overview"]["summary"] = shared
    this["problems"] = "围绕优化营商环境开展专题解读组织新闻发布会回应社会关切提升政务服务水平促进发展。"
    this["other_matters"] = ""
    assert warnings(run(this, previous=prev), "C3") == []


# --- strict ---------------------------------------------------------------------------------------


def test_strict_turns_warnings_into_errors():
    data = report_of({"problems": "无"})
    assert run(data).ok
    strict = run(data, strict=True)
    assert not strict.ok and [f.rule for f in strict.errors] == ["C4"]
    assert all(f.severity == ERROR for f in strict.findings)


def test_decimal_fee_values_compare_exactly():
    data = report_of({"other_matters": "收取信息处理费12.5元。", "processing_fee/amount_yuan": "12.50"})
    assert warnings(run(data), "T1") == []
    assert run(data).report.values["processing_fee.amount_yuan"] == Decimal("12.5")


def test_t1_applicant_breakdown():
    ok = "2024年，我局共收到政府信息公开申请12件，其中自然人申请10件，法人或其他组织申请2件。"
    assert warnings(run(report_of({"overview/on_request": ok})), "T1") == []
    wrong = "2024年，我局共收到政府信息公开申请12件，其中自然人申请9件，法人或其他组织申请3件。"
    found = warnings(run(report_of({"overview/on_request": wrong})), "T1")
    assert [(f.expected, f.actual) for f in found] == [(10, 9), (2, 3)]
    assert "本年新收 法人或其他组织五列之和”为 2" in found[1].message


def test_x1_from_typed_previous_cells_names_both_cells(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to
    from xltools.api import load_report

    values = {**VALID_TEXTS, "requests.carried_in.natural": 2, "requests.granted.natural": 2}
    values["previous.carried_over.natural"] = 3
    result = load_report(fill_to(tmp_path / "typed.xlsx", values))
    (x1,) = warnings(result, "X1")
    assert x1.cell == field_ref("requests.carried_in.natural")
    assert (
        f"上年数据取自 {field_ref('previous.carried_over.natural')}（上年数据 结转下年度继续办理 自然人）" in x1.message
    )
    values["previous.carried_over.natural"] = 2
    assert warnings(load_report(fill_to(tmp_path / "same.xlsx", values)), "X1") == []


def test_messages_print_on_a_gbk_console():
    prev = last_year({"agency/name": "测试区教育局"})
    prev["requests"] = {"new": {"natural": 2}, "carried_over": {"natural": 2}}
    data = report_of(
        {
            "problems": "无",
            "overview/summary": "2024年，区政府办共受理政府信息公开申请5件。统计期限为2023年1月1日至12月31日。",
            "processing_fee/count": 2,
            "agency/level": "township",
        },
        publish_date="2025-03-01",
    )
    result = run(data, previous=prev)
    assert {f.rule for f in result.findings} >= {"T1", "T2", "C1", "C2", "C4", "C5", "X0", "X1", "X3"}
    for f in result.findings:
        f.message.encode("gbk")


def test_t2_since_last_year_is_silent():
    text = "2023年以来，我局持续推进政务公开标准化规范化建设。"
    assert warnings(run(report_of({"overview/summary": text})), "T2") == []
