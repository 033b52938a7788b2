"""The format-neutral document: grids derived from the template layout, sub-section headings,
paragraphs, generated sentences and office wording templates."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES
from xltools import spec
from xltools.api import load_report
from xltools.errors import UsageError
from xltools.jsonform import source_from_object
from xltools.render.document import HEADER, LABEL, VALUE, build_document, paragraphs, section, table_grid
from xltools.render.sentences import OUTCOMES, Sentences
from xltools.rules.checker import check
from xltools.workbook import layout


def report_of(obj: dict):
    return check(source_from_object(obj, "r.json")).report


def suoluo() -> dict:
    return json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def huaian():
    return load_report(EXAMPLES / "huaian-2024.json").report


# --- grids --------------------------------------------------------------------------------------


def test_every_table_cell_of_the_layout_is_in_its_grid(huaian):
    for table in spec.TABLES:
        grid = table_grid(table, huaian)
        fields = {c.field for c in grid.cells if c.kind == VALUE}
        assert fields == {p for p in spec.FIELDS if p.startswith(table.id + ".")}
        labels = {c.text for c in grid.cells if c.kind in (LABEL, HEADER)}
        assert {r.label for r in table.rows} <= labels | {spec.APPEALS_REVIEW}
        # the grid sits exactly where the template draws the table (same merges, same order)
        sl = layout.SHEETS[table.sheet]
        slots = {s.path: (s.row - layout.TOP, s.col) for s in sl.slots()}
        assert all(slots[c.field] == (c.row, c.col) for c in grid.cells if c.field)


def test_grid_shapes_follow_format_md_section_7(huaian):
    three = table_grid(spec.REQUESTS, huaian)
    assert (three.n_rows, three.n_cols, three.header_rows) == (28, 10, 3)
    four = table_grid(spec.APPEALS, huaian)
    assert (four.n_rows, four.n_cols, four.header_rows) == (4, 15, 3)
    two = table_grid(spec.PROACTIVE, huaian)
    assert (two.n_rows, two.n_cols, two.header_rows) == (4 * 2 + 6, 4, 2)  # its first block's title and headings
    matrix = three.matrix()
    assert all(cell is not None for row in matrix for cell in row)
    assert matrix[26][0].text == spec.REQUESTS_RESULTS and matrix[26][1].text == "（七）总计"


def test_grid_values_are_formatted_as_published(huaian):
    cells = {c.field: c.text for g in build_document(huaian).grids() for c in g.cells if c.field}
    assert cells["proactive.fees.amount_wan"] == "96171.6"
    assert cells["requests.results_total.total"] == "3050"
    assert cells["appeals.suit_direct.total"] == "26"


# --- paragraphs and headings --------------------------------------------------------------------


def test_paragraphs_keep_staff_paragraphs_and_drop_blank_lines():
    assert [p.text for p in paragraphs("  第一段。\n\n\u3000\u3000第二段。\r\n第三段。  ")] == [
        "第一段。",
        "第二段。",
        "第三段。",
    ]
    assert paragraphs("") == [] and paragraphs("\n \n") == []


@pytest.mark.parametrize(
    ("heading", "text", "lead", "rest"),
    [
        ("主动公开", "坚持公开。", "（一）主动公开。", "坚持公开。"),
        ("主动公开情况。", "坚持公开。", "（一）主动公开情况。", "坚持公开。"),
        ("主动公开", "主动公开：坚持公开。", "（一）主动公开：", "坚持公开。"),
        ("主动公开", "（一）主动公开。坚持公开。", "（一）主动公开。", "坚持公开。"),
        (
            "主动公开",
            "(一)主动公开情况 坚持公开，全年公开信息5500余条，各项工作有序推进，取得实效。",
            "(一)",
            "主动公开情况 坚持公开，全年公开信息5500余条，各项工作有序推进，取得实效。",
        ),
        ("主动公开情况", "主动公开。坚持。", "（一）主动公开。", "坚持。"),  # the default heading, typed by staff
        ("主动公开", "主动公开政府信息是常态。", "（一）主动公开。", "主动公开政府信息是常态。"),
    ],
)
def test_section_heading_is_given_once(heading, text, lead, rest):
    (p,) = section("（一）", heading, text, "主动公开")
    assert (p.lead, p.text) == (lead, rest)


def test_section_heading_goes_on_the_first_paragraph_only():
    paras = section("（三）", "政府信息管理", "一是制度。\n二是审查。", "政府信息管理")
    assert [(p.lead, p.text) for p in paras] == [("（三）政府信息管理。", "一是制度。"), ("", "二是审查。")]
    assert section("（三）", "政府信息管理", "  ", "政府信息管理") == []


def test_document_parts_in_order(huaian):
    doc = build_document(huaian)
    assert [p.title for p in doc.parts] == [t for _, t in spec.PARTS]
    assert doc.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert [p.lead for p in doc.parts[0].blocks if p.lead] == [
        "（一）主动公开情况。",
        "（二）依申请公开情况。",
        "（三）政府信息管理情况。",
        "（四）政府信息公开平台建设情况。",
        "（五）政府信息公开监督保障情况。",
    ]
    assert [type(b).__name__ for p in doc.parts[1:4] for b in p.blocks] == ["Grid"] * 3
    assert not doc.draft and doc.banner is None
    assert build_document(huaian, draft=True).banner == "草稿（未通过校验）"


def test_a_blank_heading_falls_back_to_the_default():
    obj = suoluo()
    obj["overview"]["headings"] = {"platform": ""}
    doc = build_document(report_of(obj))
    assert any(b.lead == "（四）平台建设。" for b in doc.parts[0].blocks)


# --- generated sentences ------------------------------------------------------------------------


def test_outcome_groups_come_from_the_spec():
    assert [label for label, _ in OUTCOMES] == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]
    assert sum(len(rows) for _, rows in OUTCOMES) == len(spec.REQUEST_RESULT_ROWS) == 21


def test_on_request_with_only_carried_in_is_not_the_none_wording():
    obj = suoluo()
    obj["requests"] = {"carried_in": {"natural": 1}, "granted": {"natural": 1}}
    doc = build_document(report_of(obj))
    (p,) = [b for b in doc.parts[0].blocks if b.lead == "（二）依申请公开。"]
    assert p.generated
    assert p.text == "2024年，我乡共收到政府信息公开申请0件，上年结转1件；本年度办结1件，其中予以公开1件。"


def test_staff_on_request_text_wins_over_the_generated_one():
    obj = suoluo()
    obj["overview"]["on_request"] = "全年未收到申请。"
    doc = build_document(report_of(obj))
    (p,) = [b for b in doc.parts[0].blocks if b.lead == "（二）依申请公开。"]
    assert (p.text, p.generated) == ("全年未收到申请。", False)


def test_contact_sentence_as_given_when_it_is_a_full_sentence():
    obj = suoluo()
    obj["contact"] = "联系电话：0933-1234567。"
    doc = build_document(report_of(obj))
    assert [p.text for p in doc.preamble][1] == "联系电话：0933-1234567。"
    obj["contact"] = "电话：0933-1234567"
    doc = build_document(report_of(obj))
    assert doc.preamble[1].text == "如对本报告有疑问，请与平凉市崆峒区索罗乡人民政府联系（电话：0933-1234567）。"


def test_an_office_template_may_leave_a_sentence_out(tmp_path):
    (tmp_path / "contact.j2").write_text("{# 不要联系方式 #}", encoding="utf-8")
    (tmp_path / "processing_fee.j2").write_text("", encoding="utf-8")
    obj = suoluo()
    obj["contact"] = "电话：0933-1234567"
    doc = build_document(report_of(obj), templates_dir=tmp_path)
    assert len(doc.preamble) == 1
    assert [b.text for b in doc.parts[5].blocks] == ["再无其他需要报告的事项。"]


def test_template_lines_are_joined_into_one_paragraph(tmp_path):
    (tmp_path / "preamble.j2").write_text("第一行，\n  第二行。\n", encoding="utf-8")
    assert build_document(report_of(suoluo()), templates_dir=tmp_path).preamble[0].text == "第一行，第二行。"


def test_a_template_not_in_utf8_is_a_clear_error(tmp_path):
    (tmp_path / "preamble.j2").write_bytes("导语".encode("gbk"))
    with pytest.raises(UsageError, match="不是 UTF-8 编码"):
        build_document(report_of(suoluo()), templates_dir=tmp_path)


def test_templates_are_sandboxed(tmp_path):
    (tmp_path / "preamble.j2").write_text("{{ name.__class__.__base__.__subclasses__() }}", encoding="utf-8")
    with pytest.raises(UsageError, match=r"措辞模板 preamble\.j2"):
        build_document(report_of(suoluo()), templates_dir=tmp_path)


def test_every_shipped_template_renders_strictly(huaian):
    words = Sentences()
    ctx = words.context(huaian)
    for name in ("preamble", "on_request", "processing_fee"):
        assert words.render(name, ctx, title="标题")
    assert words.render("contact", ctx, contact="电话：1") == "如对本报告有疑问，请与淮安市人民政府联系（电话：1）。"
    with pytest.raises(UsageError, match=r"contact\.j2 用到了不存在的变量"):
        words.render("contact", ctx)  # contact is only defined when there is one
