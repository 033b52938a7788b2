"""Structure by meaning: part titles by their key words and order, part 一's
sub-sections by their heading words first, a 综述 missing only when nothing precedes （一）, the
信息处理费 table variant, the paragraphs around the tables (read by T2), header misprints, and
nothing dropped without a note. Each fixture is one of our own built reports, edited the way
published reports differ."""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLES
from xltools.api import load_report
from xltools.published import NO_SUMMARY, check_imported, import_bytes
from xltools.render import render


@pytest.fixture(scope="module")
def page() -> str:
    return render(load_report(EXAMPLES / "huaian-2024.json").report, "html").decode()


def _part(html: str, n: int) -> tuple[int, int]:
    """The span of part n's <section> contents after its title."""
    start = html.index(f'<section id="part-{n}">')
    start = html.index("</h2>", start) + len("</h2>")
    return start, html.index("</section>", start)


def _imported(html: str):
    return import_bytes(html.encode(), "html", "r.html")


def _messages(imported) -> list[str]:
    return [n.message for n in imported.notes]


@pytest.mark.parametrize(
    "title",
    ["五、政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进措施", "第五部分 存在的主要问题和改进措施"],
)
def test_part_five_found_by_its_key_words(page, title):
    html = page.replace("<h2>五、存在的主要问题及改进情况</h2>", f"<h2>{title}</h2>")
    back = _imported(html)
    assert back.values["problems"].startswith("对照上级新要求和公众新期待")
    assert "problems" not in str(back.values.get("overview.oversight", ""))
    result = check_imported(back)
    assert not [f for f in result.findings if f.field == "problems" and f.rule == "S4"]


def test_a_sub_heading_with_part_words_inside_part_one_is_not_a_part(page):
    start, _ = _part(page, 1)
    html = page[:start] + "<p>主动公开情况</p>" + page[start:]
    back = _imported(html)
    assert back.values["proactive.regulations.in_force"] == 11  # part 二 still found by its numbered title


def test_sub_sections_by_heading_words_first_with_a_note(page):
    start, end = _part(page, 1)
    body = (
        "<p>2024年，综述。</p>"
        "<p>（一）制作获取。制作获取的文字。</p>"
        "<p>（二）主动公开。主动公开的文字。</p>"
        "<p>（三）依申请公开。依申请公开的文字。</p>"
        "<p>（四）监督管理。监督管理的文字。</p>"
        "<p>（五）新媒体。新媒体的文字。</p>"
    )
    back = _imported(page[:start] + body + page[end:])
    v = back.values
    assert v["overview.proactive"] == "主动公开的文字。"
    assert v["overview.on_request"] == "依申请公开的文字。"
    assert v["overview.management"] == "制作获取的文字。"
    assert v["overview.oversight"] == "监督管理的文字。"
    assert v["overview.platform"] == "新媒体的文字。"
    assert v["overview.headings.proactive"] == "主动公开"
    moved = [m for m in _messages(back) if "与序号不一致" in m]
    assert any("（一）“制作获取”" in m and "政府信息管理" in m for m in moved)
    assert any("（二）“主动公开”" in m for m in moved)


def test_one_unknown_heading_is_filed_by_its_number_the_rest_by_words(page):
    start, end = _part(page, 1)
    body = (
        "<p>综述。</p><p>（一）主动公开。甲。</p><p>（二）依申请公开。乙。</p>"
        "<p>（三）信息发布。丙。</p><p>（四）平台建设。丁。</p><p>（五）监督保障。戊。</p>"
    )
    v = _imported(page[:start] + body + page[end:]).values
    assert (v["overview.proactive"], v["overview.on_request"], v["overview.management"]) == ("甲。", "乙。", "丙。")
    assert (v["overview.platform"], v["overview.oversight"]) == ("丁。", "戊。")


def test_part_one_straight_to_its_first_sub_section_is_no_error(page):
    start, end = _part(page, 1)
    body = page[start:end]
    first = body.index('<p><span class="lead">')  # the first sub-section
    back = _imported(page[:start] + body[first:] + page[end:])
    assert "overview.summary" not in back.values
    result = check_imported(back)
    assert not [f for f in result.findings if f.rule == "S4" and f.field == "overview.summary"]
    (note,) = [f for f in result.findings if f.message == NO_SUMMARY]
    assert note.severity == "warning" and note.where == "一、总体情况 综述"
    assert result.ok
    assert not [f for f in check_imported(_imported(page)).findings if f.message == NO_SUMMARY]


FEE_VARIANT = (
    '<section id="part-5"><h2>五、信息处理费收取情况</h2>'
    '<table border="1"><tr><th>通知收取件数</th><th>通知收取金额（元）</th><th>实际收取金额（元）</th></tr>'
    "<tr><td>3</td><td>150</td><td>100</td></tr></table></section>"
    '<section id="part-6"><h2>六、存在的主要问题及改进情况</h2><p>问题在于解读不足。下一步将加强培训，提高质量。</p></section>'
    '<section id="part-7"><h2>七、其他需要报告的事项</h2><p>无其他需要报告的事项。</p></section>'
)


def test_fee_table_variant_is_read_into_processing_fee(page):
    start = page.index('<section id="part-5">')
    end = page.index("</main>")
    back = _imported(page[:start] + FEE_VARIANT + page[end:])
    v = back.values
    assert v["processing_fee.count"] == 3  # 通知收取件数
    assert v["processing_fee.amount_yuan"] == "100"  # 实际收取金额
    assert v["problems"] == "问题在于解读不足。下一步将加强培训，提高质量。"
    assert v["other_matters"] == "无其他需要报告的事项。"
    messages = _messages(back)
    assert any("通知收取金额为 150 元，实际收取金额为 100 元" in m for m in messages)
    assert not any("四、" in m or "行政复议" in m for m in messages)  # table 四 is not blamed


def test_fee_table_that_cannot_be_read_is_named(page):
    start = page.index('<section id="part-5">')
    end = page.index("</main>")
    broken = FEE_VARIANT.replace("<tr><td>3</td><td>150</td><td>100</td></tr>", "")
    back = _imported(page[:start] + broken + page[end:])
    assert any("“信息处理费收取情况”中的表格无法读取" in m for m in _messages(back))


def test_paragraphs_around_the_tables_are_read_by_t2(page):
    start, _ = _part(page, 2)
    para = "<p>2023年制作、获取政府信息的情况如下表，各项数字均为全年累计。</p>"
    back = _imported(page[:start] + para + page[start:])
    assert list(back.texts) == ["二、主动公开政府信息情况（表格以外的文字）"]
    (t2,) = [f for f in check_imported(back).findings if f.rule == "T2"]
    assert t2.where == "二、主动公开政府信息情况（表格以外的文字）" and "2023年" in t2.message
    assert not [f for f in check_imported(_imported(page)).findings if f.rule == "T2"]


def test_a_misprinted_column_heading_is_read_with_a_note(page):
    html = re.sub(r"现行(<wbr>)?有效(<wbr>)?件数", "先行有效件数", page)
    back = _imported(html)
    assert back.values["proactive.regulations.in_force"] == 11
    notes = [m for m in _messages(back) if "先行有效件数" in m]
    assert notes == [
        "二、主动公开政府信息情况的表头“先行有效件数”与格式中的“现行有效件数”不完全一致（可能是原报告印错），已按“现行有效件数”列读取，请核对。"
    ]


def test_what_cannot_be_placed_is_named(page):
    _, end = _part(page, 6)
    stray = '<table border="1"><tr><td>项目</td><td>件数</td></tr><tr><td>建议提案</td><td>12</td></tr></table>'
    start2, _ = _part(page, 2)
    row = '<table border="1"><tr><td>行政备案</td><td>5</td><td>6</td><td>7</td></tr></table>'
    back = _imported(page[:start2] + row + page[start2:end] + stray + page[end:])
    messages = _messages(back)
    assert any("六、其他需要报告的事项中有一个表格" in m and "建议提案" in m for m in messages)
    assert any("“行政备案”不是格式中的行" in m for m in messages)


def test_table_three_heading_that_cannot_be_matched_is_placed_by_elimination_with_a_note():
    text = render(load_report(EXAMPLES / "huaian-2024.json").report, "txt").decode().replace("商业企业", "商业企亚", 1)
    back = import_bytes(text.encode(), "txt", "r.txt")
    assert back.values["requests.new.business"] == 53
    assert [n.message for n in back.notes] == [
        "三、收到和处理政府信息公开申请情况的表头中找不到“商业企业”列（可能印错），"
        "其余各列都按格式的顺序印出，这一列按所在位置读取，请核对。"
    ]


def test_table_three_whose_header_names_two_columns_is_not_read_by_position():
    """A header of only 自然人 | 法人或其他组织: the five organisation columns cannot be told apart,
    so nothing of the table is guessed; one I2 names it all."""
    text = render(load_report(EXAMPLES / "huaian-2024.json").report, "txt").decode()
    for label in ("商业企业", "科研机构", "社会公益组织", "法律服务机构"):
        text = text.replace(label, "　" * len(label), 1)
    back = import_bytes(text.encode(), "txt", "r.txt")
    assert not [p for p in back.values if p.startswith("requests.")]
    assert len(back.unread) == 25 * 7
    (i2,) = [n for n in back.notes if n.rule == "I2"]
    assert "表头中认不全" in i2.message and "25 行共 175 个数字" in i2.message
    assert not [f for f in back.check().findings if f.rule in ("S2", "R3.1", "R3.2", "R3.3")]


def test_a_part_title_run_on_into_its_first_paragraph_is_split(page):
    html = page.replace("<h2>五、存在的主要问题及改进情况</h2>\n<p>", "<p>五、存在的主要问题及改进情况：")
    assert "<p>五、存在的主要问题及改进情况：对照上级" in html
    back = _imported(html)
    assert back.values["problems"].startswith("对照上级新要求和公众新期待")


def test_a_part_title_above_the_report_title_is_the_sites_not_the_reports(page):
    """A search hint or menu line that reads like a part title, above the report's own title (a
    saved page's hidden text that a Word conversion made visible): the report starts at its title."""
    at = page.index("<h1")
    html = page[:at] + "<p>一、总体情况（搜索提示）</p>" + page[at:]
    back = _imported(html)
    assert back.values["agency.name"] == "淮安市人民政府"
    assert back.values["overview.summary"] == _imported(page).values["overview.summary"]
    assert not [m for m in _messages(back) if "找不到报告标题" in m]
