"""The renderers: html structure and escaping, docx read back (and converted by LibreOffice),
Markdown tables, text grids, and render() as the web page calls it."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import html5lib
import pytest
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from xltools import spec
from xltools.api import load_report
from xltools.jsonform import parse_json
from xltools.render import FORMATS, render
from xltools.render.document import DRAFT_BANNER, build_document
from xltools.render.docx import BODY_FONT, H1_FONT, H2_FONT, TITLE_FONT
from xltools.render.txt import draw_grid, width
from xltools.rules.checker import check

APPEALS_ROW = [str(n) for n in (72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20)]
NS = {"h": "http://www.w3.org/1999/xhtml"}
HOSTILE = '<script>alert("x")</script>&amp; <b>粗</b>'


@pytest.fixture(scope="module")
def huaian():
    return load_report(EXAMPLES / "huaian-2024.json").report


def hostile_report():
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["agency"]["name"] = "测试<script>乡</script>人民政府"
    obj["overview"]["platform"] = HOSTILE
    obj["overview"]["headings"] = {"oversight": "<i>监督</i>保障"}
    obj["problems"] += "\n" + HOSTILE
    obj["contact"] = "电话：<img src=x onerror=alert(1)>"
    return check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "h.json")).report


# --- html ---------------------------------------------------------------------------------------


def parse_html(data: bytes):
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=True)


def _text(el) -> str:
    return "".join(el.itertext()).strip()


def _table(root, table_id: str):
    return root.find(f".//h:table[@id='table-{table_id}']", NS)


def _rows(table) -> list[list]:
    return [tr.findall("h:th", NS) + tr.findall("h:td", NS) for tr in table.iter("{http://www.w3.org/1999/xhtml}tr")]


def _span(cell, attr: str) -> int:
    return int(cell.get(attr, "1"))


def test_html_is_a_standalone_page(huaian):
    data = render(huaian, "html")
    text = data.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    root = parse_html(data)
    assert root.find(".//h:meta[@charset='utf-8']", NS) is not None
    assert _text(root.find(".//h:title", NS)) == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert _text(root.find(".//h:h1", NS)) == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert [_text(h) for h in root.findall(".//h:h2", NS)] == [t for _, t in spec.PARTS]
    assert "@media print" in text and "@page { size: A4" in text
    assert "<script" not in text and "<link" not in text  # nothing loaded from elsewhere
    for page in (data, render(huaian, "html", draft=True)):
        html5lib.HTMLParser(strict=True).parse(page)  # no parse error at all


def test_html_table_three_has_the_official_merged_layout(huaian):
    table = _table(parse_html(render(huaian, "html")), "requests")
    thead = table.find("h:thead", NS)
    assert thead is not None and len(thead.findall("h:tr", NS)) == 3
    rows = _rows(table)
    assert len(rows) == 3 + 25
    note, applicants = rows[0]
    assert _text(note) == spec.REQUESTS_NOTE and (_span(note, "rowspan"), _span(note, "colspan")) == (3, 3)
    assert _text(applicants) == spec.REQUESTS_APPLICANTS and _span(applicants, "colspan") == 7
    natural, orgs, total = rows[1]
    assert (_text(natural), _span(natural, "rowspan")) == ("自然人", 2)
    assert (_text(orgs), _span(orgs, "colspan")) == (spec.REQUESTS_ORGS, 5)
    assert (_text(total), _span(total, "rowspan")) == ("总计", 2)
    assert [_text(c) for c in rows[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # body: every row is 7 numbers after its labels; spans as docs/format.md §7
    first = rows[3]
    assert (_text(first[0]), _span(first[0], "colspan")) == (spec.REQUESTS.rows[0].label, 3)
    assert [_text(c) for c in first[1:]] == ["3001", "53", "0", "0", "61", "4", "3119"]
    results = rows[5]
    assert (_text(results[0]), _span(results[0], "rowspan")) == (spec.REQUESTS_RESULTS, 22)
    assert (_text(results[1]), _span(results[1], "colspan")) == ("（一）予以公开", 2)
    refused = rows[7]
    assert (_text(refused[0]), _span(refused[0], "rowspan")) == ("（三）不予公开", 8)
    assert _text(refused[1]) == "1.属于国家秘密"
    spans = {_text(c): _span(c, "rowspan") for r in rows[3:] for c in r if c.get("rowspan")}
    assert spans == {
        spec.REQUESTS_RESULTS: 22,
        "（三）不予公开": 8,
        "（四）无法提供": 3,
        "（五）不予处理": 5,
        "（六）其他处理": 3,
    }
    last = rows[-1]
    assert _text(last[0]) == "四、结转下年度继续办理" and [_text(c) for c in last[1:]][-1] == "103"
    # each body row fills the 10 columns exactly
    covered = [0] * 28
    for r, row in enumerate(rows):
        for c in row:
            for k in range(_span(c, "rowspan")):
                covered[r + k] += _span(c, "colspan")
    assert covered == [10] * 28


def test_html_tables_two_and_four(huaian):
    root = parse_html(render(huaian, "html"))
    rows = _rows(_table(root, "proactive"))
    articles = [r[0] for r in rows if len(r) == 1]
    assert [_text(a) for a in articles] == [b[0] for b in spec.PROACTIVE_BLOCKS]
    assert all(_span(a, "colspan") == 4 for a in articles)
    assert [_text(c) for c in rows[2]] == ["规章", "1", "0", "11"]
    fees = rows[-1]
    assert [_text(c) for c in fees] == ["行政事业性收费", "96171.6"] and _span(fees[1], "colspan") == 3
    rows = _rows(_table(root, "appeals"))
    assert len(rows) == 4
    assert [(_text(c), _span(c, "colspan")) for c in rows[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [_span(c, "rowspan") for c in rows[1][:5]] == [2] * 5
    assert [(_text(c), _span(c, "colspan")) for c in rows[1][5:]] == [("未经复议直接起诉", 5), ("复议后起诉", 5)]
    assert [_text(c) for c in rows[2]] == [c.label for c in spec.APPEALS.columns] * 2
    assert [_text(c) for c in rows[3]] == APPEALS_ROW


def test_html_escapes_every_staff_text():
    data = render(hostile_report(), "html")
    text = data.decode("utf-8")
    assert "<script" not in text and "<img" not in text and "<i>" not in text and "<b>粗" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp; &lt;b&gt;粗&lt;/b&gt;" in text
    root = parse_html(data)
    assert root.find(".//h:script", NS) is None and root.find(".//h:img", NS) is None
    paras = [_text(p) for p in root.findall(".//h:p", NS)]
    assert "（四）平台建设。" + HOSTILE in paras
    assert _text(root.find(".//h:h1", NS)) == "测试<script>乡</script>人民政府2024年政府信息公开工作年度报告"


# --- docx ---------------------------------------------------------------------------------------


def _east_asian(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def huaian_docx(huaian):
    return render(huaian, "docx")


def test_docx_reads_back(huaian_docx):
    d = docx.Document(io.BytesIO(huaian_docx))
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (
        round(sec.top_margin.mm),
        round(sec.bottom_margin.mm),
        round(sec.left_margin.mm),
        round(sec.right_margin.mm),
    ) == (
        37,
        35,
        28,
        26,
    )
    title = d.paragraphs[0]
    assert title.style.name == "Title" and title.text == "淮安市人民政府\n2024年政府信息公开工作年度报告"
    assert [_east_asian(r) for r in title.runs] == [TITLE_FONT, TITLE_FONT]
    assert title.runs[0].font.size.pt == 22
    headings = [p for p in d.paragraphs if p.style.name == "Heading 1"]
    assert [h.text for h in headings] == [t for _, t in spec.PARTS]
    assert {_east_asian(r) for h in headings for r in h.runs} == {H1_FONT}
    sub = next(p for p in d.paragraphs if p.text.startswith("（三）政府信息管理情况。"))
    assert [_east_asian(r) for r in sub.runs] == [H2_FONT, BODY_FONT]
    assert sub.runs[0].text == "（三）政府信息管理情况。"
    assert sub.runs[1].font.size.pt == 16
    body = [p for p in d.paragraphs if p.style.name == "Normal" and p.text]
    assert all(_east_asian(r) in (BODY_FONT, H2_FONT) for p in body for r in p.runs)
    normal = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == BODY_FONT
    assert any(p.text.startswith("如对本报告有疑问") for p in d.paragraphs)
    fee = next(p.text for p in d.paragraphs if "信息处理费" in p.text and p.text.startswith("按照"))
    assert fee.endswith("本年度共收取信息处理费3940元。")


def test_docx_tables_have_merged_headers(huaian_docx):
    d = docx.Document(io.BytesIO(huaian_docx))
    assert len(d.tables) == 3
    two, three, four = d.tables
    assert (len(three.rows), len(three.columns)) == (28, 10)
    note = three.cell(0, 0)
    assert note.text == spec.REQUESTS_NOTE
    assert three.cell(2, 2)._tc is note._tc  # A1:C3 is one cell
    assert three.cell(0, 3)._tc is three.cell(0, 9)._tc  # 申请人情况 across D:J
    assert three.cell(1, 3)._tc is three.cell(2, 3)._tc and three.cell(1, 3).text == "自然人"
    assert three.cell(5, 0)._tc is three.cell(26, 0)._tc and three.cell(5, 0).text == spec.REQUESTS_RESULTS
    assert (
        three.cell(7, 1)._tc is three.cell(14, 1)._tc and three.cell(7, 1).text == "（三）\n不予公开"
    )  # broken after its number
    assert [three.cell(3, k).text for k in range(3, 10)] == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert three.cell(27, 9).text == "103"
    cols = list(three.columns)
    assert cols[3].width.mm >= 11 and cols[9].width.mm >= 11  # room for 3119 at 小五 without wrapping
    assert all(col.width.mm >= 10 for col in cols[3:])  # and for 科研／机构 two characters a line
    assert round(sum(col.width.mm for col in three.columns)) == 210 - 28 - 26  # the text block's width
    for i in range(3):  # header rows repeat on every page
        assert three.rows[i]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert four.cell(0, 0)._tc is four.cell(0, 4)._tc and four.cell(0, 0).text == "行政复议"
    assert four.cell(0, 5)._tc is four.cell(0, 14)._tc and four.cell(0, 5).text == "行政诉讼"
    assert four.cell(1, 0)._tc is four.cell(2, 0)._tc
    assert [four.cell(3, k).text for k in range(15)] == APPEALS_ROW
    assert two.cell(0, 0)._tc is two.cell(0, 3)._tc and two.cell(0, 0).text == "第二十条第（一）项"
    assert two.cell(len(two.rows) - 1, 1).text == "96171.6"
    fonts = {
        _east_asian(r) for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
    }
    assert fonts == {BODY_FONT, H1_FONT}


def test_docx_has_page_numbers(huaian_docx):
    d = docx.Document(io.BytesIO(huaian_docx))
    footer = d.sections[0].footer.paragraphs[0]._p
    assert footer.findall(f".//{qn('w:instrText')}")[0].text.strip() == "PAGE"
    assert [f.get(qn("w:fldCharType")) for f in footer.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]


def test_docx_converts_to_pdf_with_libreoffice(tmp_path, huaian_docx, libreoffice):
    src = tmp_path / "淮安.docx"
    src.write_bytes(huaian_docx)
    (pdf,) = libreoffice.convert([src], "pdf", tmp_path / "out")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 4
    assert re.search(rb"/MediaBox\s*\[0 0 595\.\d* 841\.\d*\]", data)  # A4 portrait


# --- markdown and text --------------------------------------------------------------------------


def test_markdown_tables_flatten_the_merged_labels(huaian):
    md = render(huaian, "md").decode("utf-8")
    assert md.startswith("# 淮安市人民政府2024年政府信息公开工作年度报告\n")
    assert "## 三、收到和处理政府信息公开申请情况" in md
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert "| 三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |" in rows
    assert "| 行政事业性收费 | 96171.6 |" in rows
    assert "**第二十条第（八）项**" in md
    assert "<strong>（一）主动公开情况。</strong>2024年，市政府网站" in md
    for table in md.split("\n\n"):
        lines = [line for line in table.splitlines() if line.startswith("|")]
        if lines:
            counts = {line.replace("\\|", "").count("|") for line in lines}
            assert len(counts) == 1, table[:80]


def test_markdown_escapes_staff_text():
    md = render(hostile_report(), "md").decode("utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert "\\<script\\>" in md


def test_text_grids_are_aligned(huaian):
    doc = build_document(huaian)
    for grid in doc.grids():
        lines = draw_grid(grid)
        assert len({width(line.rstrip()) for line in lines if line.startswith(("|", "+"))}) == 1, grid.id
        assert all(width(line) <= 110 for line in lines), grid.id


def test_text_has_one_line_per_paragraph(huaian):
    text = render(huaian, "txt").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "淮安市人民政府2024年政府信息公开工作年度报告"
    problems = next(i for i, line in enumerate(lines) if line == "五、存在的主要问题及改进情况")
    assert lines[problems + 1].startswith("\u3000\u3000对照上级新要求")
    assert lines[problems + 2] == ""


# --- render() as a library call -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=pytest.mark.libreoffice) if f == "pdf" else f for f in FORMATS])
def test_render_every_format_is_bytes_and_deterministic(huaian, fmt):
    a = render(huaian, fmt)
    assert isinstance(a, bytes) and a
    if fmt not in ("docx", "pdf"):  # docx stamps the save time, and the pdf its creation
        assert render(huaian, fmt) == a


def test_render_json_is_the_json_form(huaian):
    obj = json.loads(render(huaian, "json"))
    assert obj["format"] == "xltools.report/1"
    assert obj["requests"]["new"]["total"] == 3119
    assert obj["proactive"]["fees"]["amount_wan"] == "96171.6"
    draft = json.loads(render(huaian, "json", draft=True))
    assert draft["draft"] == DRAFT_BANNER


def test_render_rejects_an_unknown_format(huaian):
    from xltools.errors import UsageError

    with pytest.raises(UsageError, match="不支持的输出格式"):
        render(huaian, "odt")


def test_render_with_an_office_template_dir(huaian, tmp_path: Path):
    (tmp_path / "preamble.j2").write_text(
        "本报告由{{ name }}编制，统计期限为{{ year }}年1月1日至12月31日。", encoding="utf-8"
    )
    text = render(huaian, "txt", templates_dir=tmp_path).decode("utf-8")
    assert text.splitlines()[2] == "\u3000\u3000本报告由淮安市人民政府编制，统计期限为2024年1月1日至12月31日。"


# --- properties ---------------------------------------------------------------------------------

_chars = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\u2028\u2029\x85")
_para = st.text(_chars, min_size=1, max_size=40).filter(lambda t: t.strip(" \t\u3000") == t and t.strip())


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(_para, min_size=1, max_size=4))
def test_any_staff_text_comes_out_of_html_as_written(paras):
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    obj["problems"] = "\n".join(paras)
    report = check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "p.json")).report
    expected = [p for p in report.text("problems").split("\n") if p.strip(" \t\u3000")]
    root = parse_html(render(report, "html"))
    (section,) = [s for s in root.iter("{http://www.w3.org/1999/xhtml}section") if s.get("id") == "part-5"]
    got = ["".join(p.itertext()) for p in section.findall("h:p", NS)]
    assert got == [p.strip(" \t\u3000") for p in expected]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**12 - 1), min_size=15, max_size=15))
def test_text_grids_stay_aligned_for_any_numbers(numbers):
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    groups = [g.id for g in spec.APPEALS.rows]
    obj["appeals"] = {
        g: dict(zip(spec.APPEAL_PARTS, numbers[5 * i : 5 * i + 4], strict=True)) for i, g in enumerate(groups)
    }
    obj["requests"] = {"granted": {"natural": numbers[4]}, "new": {"natural": numbers[4]}}
    report = check(parse_json(json.dumps(obj).encode(), "n.json")).report
    for grid in build_document(report).grids():
        lines = [line for line in draw_grid(grid) if line.startswith(("|", "+"))]
        assert len({width(line.rstrip()) for line in lines}) == 1, grid.id
    text = render(report, "txt").decode("utf-8")
    for n in numbers[:4]:
        assert f" {n} |" in text


def test_a_merged_cell_reads_whole_down_its_rows(huaian):
    """Column A of table 三: the 22-row 三、本年度办理结果 cell, read down, is its label."""
    grid = next(g for g in build_document(huaian).grids() if g.id == "requests")
    lines = draw_grid(grid)
    first = next(i for i, line in enumerate(lines) if "（一）予以公开" in line)
    column_a = [re.split(r"[|+]", line)[1].strip() for line in lines[first - 1 : -2]]
    assert column_a[0] == column_a[-1] == "-" * 10  # the rules above and below it
    assert "".join(column_a[1:-1]) == spec.REQUESTS_RESULTS


def test_html_marks_only_what_the_program_wrote():
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    del obj["other_matters"]
    report = check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "g.json")).report
    root = parse_html(render(report, "html"))
    generated = [_text(p) for p in root.findall(".//h:p[@class='generated']", NS)]
    assert [g[:8] for g in generated] == ["根据《中华人民共", "（二）依申请公开", "按照《国务院办公"]
