"""Drafts show the truth: a refused value prints as typed and marked, in every format; a
total over it prints "—"; every error is listed at the start with its cell; a generated sentence
whose figures failed says so instead of inventing a number."""

from __future__ import annotations

import io
import json
import re
import subprocess

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.enum.text import WD_UNDERLINE
from docx.oxml.ns import qn

from tests.conftest import EXAMPLES
from xltools.api import load_report
from xltools.cli import main
from xltools.jsonform import parse_json
from xltools.render import build, render
from xltools.render.document import (
    BLANK_TEXT,
    FEE_FAILED,
    ON_REQUEST_FAILED,
    PROBLEMS_TITLE,
    UNKNOWN_TEXT,
    build_document,
)
from xltools.rules.checker import check
from xltools.workbook.layout import field_ref

# Every kind of invalid value, in one row of table 三: (JSON value, what the draft prints)
KINDS = {
    "natural": (-1, "-1"),  # negative
    "business": (1.5, "1.5"),  # fraction
    "research": ("三", "三"),  # text
    "nonprofit": (None, BLANK_TEXT),  # blank
    "legal": (10**13, "10000000000000"),  # huge
}


def _draft_result():
    obj = json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))
    for col, (raw, _) in KINDS.items():
        obj["requests"]["new"][col] = raw
    obj["appeals"]["review"]["upheld"] = -2
    obj["processing_fee"]["amount_yuan"] = "一百元"
    obj["overview"]["on_request"] = ""  # generated from table 三
    return check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "bad.json"))


@pytest.fixture(scope="module")
def result():
    r = _draft_result()
    assert len(r.errors) == 7
    return r


@pytest.fixture(scope="module")
def outputs(result):
    return {fmt: build(result, fmt, draft=True) for fmt in ("txt", "md", "html", "docx")}


def test_the_document_knows_what_failed(result):
    doc = build_document(result.report, draft=True, findings=result.findings)
    assert len(doc.problems) == 7
    three = doc.grids()[1]
    cells = {c.field: c for c in three.cells if c.field}
    for col, (_, shown) in KINDS.items():
        assert (cells[f"requests.new.{col}"].text, cells[f"requests.new.{col}"].mark) == (shown, "invalid")
    assert (cells["requests.new.total"].text, cells["requests.new.total"].mark) == (UNKNOWN_TEXT, "unknown")
    assert cells["requests.new.other"].mark is None and cells["requests.new.other"].text == "4"
    four = {c.field: c for c in doc.grids()[2].cells if c.field}
    assert four["appeals.review.total"].text == UNKNOWN_TEXT  # not 70, the total without the refused -2
    assert four["appeals.review.corrected"].text == "64" and four["appeals.review.corrected"].mark is None
    texts = [b.text for p in doc.parts for b in p.blocks if hasattr(b, "text")]
    assert ON_REQUEST_FAILED in texts and FEE_FAILED in texts
    assert not any("3119件" in t or "办结3050件" in t or "处理费100元" in t for t in texts)


def test_a_clean_report_has_no_marks():
    report = load_report(EXAMPLES / "huaian-2024.json")
    doc = build_document(report.report, findings=report.findings)
    assert doc.problems == () and not any(c.mark for g in doc.grids() for c in g.cells)


def test_text_marks_with_brackets(outputs):
    text = outputs["txt"].decode("utf-8")
    assert text.startswith("【草稿（未通过校验）】")
    assert PROBLEMS_TITLE.format(n=7) in text
    assert "1. " in text and "（现为 -1）" in text and "“abc”" not in text
    row = next(line for line in text.splitlines() if line.startswith("| 一、本年新收"))
    for _, shown in KINDS.values():
        assert f"【{shown}】" in row
    assert row.rstrip("| ").endswith(UNKNOWN_TEXT)
    assert ON_REQUEST_FAILED in text and FEE_FAILED in text


def test_markdown_marks_with_brackets(outputs):
    md = outputs["md"].decode("utf-8")
    assert f"**{PROBLEMS_TITLE.format(n=7)}**" in md
    assert len(re.findall(r"^\d+\. ", md, re.M)) == 7
    row = next(line for line in md.splitlines() if line.startswith("| 一、本年新收"))
    for _, shown in KINDS.values():
        assert f"【{shown}】" in row
    assert "| — |" in row


def test_html_marks_with_a_class(outputs):
    page = outputs["html"].decode("utf-8")
    assert '<section class="problems"' in page and page.count("<li>") == 7
    for col, (_, shown) in KINDS.items():
        m = re.search(
            rf'<td class="value invalid" data-field="requests\.new\.{col}" title="([^"]+)">([^<]*)</td>', page
        )
        assert m and m.group(2) == shown, col
    assert '<td class="value unknown" data-field="requests.new.total"' in page
    assert re.search(r'<p class="generated invalid">.*改正后才能生成', page)
    assert ".invalid {" in page and "wavy" in page


def test_word_marks_red_with_a_wavy_underline(outputs):
    d = docx.Document(io.BytesIO(outputs["docx"]))
    assert any(p.text.startswith(PROBLEMS_TITLE.format(n=7)) for p in d.paragraphs)
    three = d.tables[1]
    row = [three.cell(3, k) for k in range(3, 10)]
    for cell, (_, shown) in zip(row, KINDS.values(), strict=False):
        run = cell.paragraphs[0].runs[0]
        assert cell.text == shown
        assert run.font.underline == WD_UNDERLINE.WAVY and str(run.font.color.rgb) == "C00000"
        assert run._element.rPr.find(qn("w:u")).get(qn("w:color")) == "C00000"
    assert row[5].paragraphs[0].runs[0].font.underline is None  # 其他: 4, as typed, not marked
    assert row[6].text == UNKNOWN_TEXT
    marked = [p for p in d.paragraphs if p.text in (ON_REQUEST_FAILED, FEE_FAILED) or ON_REQUEST_FAILED in p.text]
    assert len(marked) == 2
    assert all(r.font.underline == WD_UNDERLINE.WAVY for p in marked for r in p.runs if r.text in p.text[-20:])


def test_a_workbook_draft_names_the_cells(tmp_path):
    src = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(EXAMPLES / "suoluo-2024.xlsx")
    ref = field_ref("requests.new.natural")
    sheet, cell = ref.split("!", 1)
    wb[sheet.strip("'")][cell.replace("$", "")] = -3
    wb.save(src)
    out = tmp_path / "draft.txt"
    res = CliRunner().invoke(main, ["build", str(src), "--draft", "-o", str(out)])
    assert res.exit_code == 1
    text = out.read_text(encoding="utf-8")
    problems = text.split("\n\n", 2)[1]
    assert f"【{sheet.strip(chr(39))}!{cell.replace('$', '')}】" in problems
    row = next(line for line in text.splitlines() if line.startswith("| 一、本年新收"))
    assert "【-3】" in row and row.rstrip("| ").endswith(UNKNOWN_TEXT)


@pytest.mark.slow
def test_every_kind_alone_in_every_format():
    """Each kind of invalid value on its own (not hidden behind another's error) prints as typed."""
    base = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    for col, (raw, shown) in KINDS.items():
        obj = json.loads(json.dumps(base))
        obj.setdefault("requests", {}).setdefault("new", {})[col] = raw
        result = check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "x.json"))
        assert len(result.errors) == 1, (col, result.errors)
        for fmt in ("txt", "md", "html", "cms", "docx"):
            data = render(result.report, fmt, draft=True, findings=result.findings)
            if fmt == "docx":
                d = docx.Document(io.BytesIO(data))
                texts = [c.text for c in d.tables[1].rows[3].cells]
                assert shown in texts and UNKNOWN_TEXT in texts, (col, fmt)
            elif fmt == "html":
                assert f">{shown}</td>" in data.decode("utf-8") and 'class="value invalid"' in data.decode("utf-8")
            elif fmt == "cms":  # inline styles only: red with a wavy underline
                assert re.search(rf'<td style="[^"]*underline wavy #c00000;">{re.escape(shown)}</td>', data.decode())
                assert re.search(r'<td style="[^"]*color:#c00000;">—</td>', data.decode())
            else:
                assert f"【{shown}】" in data.decode("utf-8"), (col, fmt)


def test_a_pdf_draft_shows_the_same(result, tmp_path, libreoffice, poppler):
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(build(result, "pdf", draft=True))
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "草稿（未通过校验）" in text and PROBLEMS_TITLE.format(n=7).replace(" ", "") in text
    assert "10000000000000" in text and "未填" in text and UNKNOWN_TEXT in text
    assert "".join(ON_REQUEST_FAILED.split())[:20] in text


def test_wrong_cells_marked_strongly_and_a_relations_other_cells_lightly(tmp_path):
    """A value that is itself wrong (text, negative) is marked as wrong (red); the cells
    of a relation that does not hold (R3.3 in 科研机构) are marked as related, not red, for one of
    them is wrong, not all — in the document, the html page, cms and Word."""
    from tests.workbooks import VALID_TEXTS, fill_to

    wb = fill_to(
        tmp_path / "bad.xlsx",
        {
            **VALID_TEXTS,
            "requests.new.natural": "3001",  # text
            "requests.granted.business": -30,  # negative
            "requests.carried_over.research": 7,  # R3.3: 0 + 0 != 0 + 7
        },
    )
    result = load_report(wb)
    assert sorted(f.rule for f in result.errors) == ["R3.3", "S2", "S2"]
    three = {c.field: c for c in build_document(result.report, draft=True, findings=result.findings).grids()[1].cells}
    assert three["requests.new.natural"].mark == three["requests.granted.business"].mark == "invalid"
    relation = ["requests.new.research", "requests.carried_in.research"]
    relation += ["requests.results_total.research", "requests.carried_over.research"]
    assert [three[p].mark for p in relation] == ["related"] * 4
    assert "R3.3" not in three["requests.new.natural"].note and "相差 7" in three["requests.carried_over.research"].note
    assert three["requests.new.other"].mark is None
    page = render(result.report, "html", draft=True, findings=result.findings).decode()
    assert re.search(r'<td class="value invalid" data-field="requests\.new\.natural"[^>]*>3001</td>', page)
    assert re.search(r'<td class="value related" data-field="requests\.carried_over\.research"[^>]*>7</td>', page)
    style = page[page.index("td.related {") :].split("}")[0]
    assert "c00000" not in style and "background" in style  # not red like the culprits
    cms = render(result.report, "cms", draft=True, findings=result.findings).decode()
    assert re.search(r'<td style="[^"]*background:#fff6dc;">7</td>', cms)
    d = docx.Document(io.BytesIO(render(result.report, "docx", draft=True, findings=result.findings)))
    rows = d.tables[1].rows

    def look(row: int, col: int) -> tuple[str | None, bool]:
        cell = rows[row].cells[col]
        shd = cell._tc.tcPr.find(qn("w:shd"))
        run = cell.paragraphs[0].runs[0]
        return (shd.get(qn("w:fill")) if shd is not None else None), run.font.underline == WD_UNDERLINE.WAVY

    red, amber = look(3, 3), look(27, 5)  # 3001 (自然人, 一、本年新收) and 7 (科研机构, 四、结转下年度)
    assert red[1] and not amber[1] and red[0] and amber[0] and red[0] != amber[0]
    assert look(3, 4) == (None, False)  # 商业企业 0 of the same row: not marked
