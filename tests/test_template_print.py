"""The clerk's workbook as LibreOffice and Gnumeric print it: every wrapped text whole
inside its row, never drawn over the next row's text (LibreOffice) or cut mid-sentence (Gnumeric),
on a fill where every kind of check fails with the longest texts; status lines and the 校验 sheet
saying what the clerk can count.

A text that does not fit its row crosses the row's border line in the PDF (both engines put every
character into the page, clipped or not), so the test reads each printed page with pdfplumber and
looks for characters that straddle a horizontal cell border.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.workbooks import VALID_TEXTS, fill
from xltools import spec

# Many checks fail at once, with long figures, invalid cells (text, fraction, negative), last
# year's figures that disagree and a long contact line.
MANY = {
    **VALID_TEXTS,
    "requests.new.natural": "3001",
    "requests.carried_in.natural": 34,
    "requests.granted.natural": 2,
    "requests.new.business": 123456789,
    "requests.granted.legal": 98765432.5,
    "requests.carried_over.research": -30,
    "requests.new.other": 5,
    "appeals.review.upheld": "#N/A",
    "proactive.regulations.in_force": 987654321,
    "previous.carried_over.natural": 77777,
    "previous.in_force.regulations": 123456,
    "contact": "联系电话：0933-1234567；地址：平凉市崆峒区索罗乡人民政府办公室；邮编：744000；电子邮箱：slx@example.gov.cn",
}


def crossings(pdf_path) -> list[tuple[int, str, str]]:
    """Characters that a horizontal border line runs through: (page, the character, its line)."""
    import pdfplumber

    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            borders = [e for e in page.edges if e["orientation"] == "h"]
            lines: dict[float, str] = {}
            for ch in page.chars:
                lines[round(ch["top"])] = lines.get(round(ch["top"]), "") + ch["text"]
            for ch in page.chars:
                if not ch["text"].strip():
                    continue
                x, h = (ch["x0"] + ch["x1"]) / 2, ch["bottom"] - ch["top"]
                if any(
                    e["x0"] <= x <= e["x1"] and ch["top"] + 0.3 * h < e["top"] < ch["bottom"] - 0.3 * h for e in borders
                ):
                    out.append((n, ch["text"], lines[round(ch["top"])]))
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory, libreoffice, gnumeric, poppler):
    """The MANY fill printed to PDF by LibreOffice and by Gnumeric: engine -> (pdf, its text)."""
    d = tmp_path_factory.mktemp("print")
    src = d / "many.xlsx"
    src.write_bytes(fill(MANY))
    (lo,) = libreoffice.convert([src], "pdf", d / "lo")
    gn = d / "gn.pdf"
    subprocess.run(
        [gnumeric.SSCONVERT, "-T", "Gnumeric_pdf:pdf_assistant", "--recalc", str(src), str(gn)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert gn.exists()
    out = {}
    for engine, pdf in (("libreoffice", lo), ("gnumeric", gn)):
        text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True).stdout
        out[engine] = (pdf, text)
    return out


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric"])
def test_no_printed_text_runs_over_a_row_border(printed, engine):
    """The ✗ texts of 校验, the hints of 基本信息, the long labels of 表三, the X2 aside of 表二 and
    the guide: each within its row (LibreOffice overprinted two wrapped ✗ texts, Gnumeric cut them)."""
    pdf, _ = printed[engine]
    bad = crossings(pdf)
    assert not bad, bad[:10]


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric"])
def test_status_lines_count_red_cells_and_name_one_cell(printed, engine):
    _, text = printed[engine]
    flat = "".join(text.split())
    assert "#REF!" not in flat and "#VALUE!" not in flat and "#NAME?" not in flat
    assert "本表有11个红色单元格，第一个在D7；原因见“校验”表" in flat  # 表三
    assert "本表有1个红色单元格，第一个在A7；原因见“校验”表" in flat  # 表四: the #N/A
    # relations over an invalid cell name it instead of quoting sums nobody typed
    assert "✗无法核对：三!D7不是有效数字，请先改正它" in flat
    assert "2931.5" not in flat and "相差" not in flat
    assert "项检查未通过，见下方标有“未通过”的行（可按该列筛选）" in flat


def test_the_checks_sheet_has_a_filter_and_links_without_underline():
    import io

    import openpyxl

    from xltools.workbook.template import template_bytes

    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    ws = wb[spec.SHEET_CHECKS]
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A4:E")
    assert ws.cell(4, 5).value == "未通过"
    link = ws.cell(5, 4)
    assert link.value.startswith("=HYPERLINK(") and not link.font.underline
    assert ws.protection.autoFilter is False  # the filter stays usable on the protected sheet
