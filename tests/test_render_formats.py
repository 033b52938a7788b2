"""html for people and machines, the cms fragment, text grids that never misalign, and PDF through
LibreOffice."""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata

import html5lib
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from xltools.api import load_report
from xltools.cli import main, output_format
from xltools.render import pdf as pdf_module
from xltools.render import render
from xltools.render.document import build_document
from xltools.render.html import header_text
from xltools.render.txt import draw_grid, width

NS = {"h": "http://www.w3.org/1999/xhtml"}
TD, TH = "{http://www.w3.org/1999/xhtml}td", "{http://www.w3.org/1999/xhtml}th"


@pytest.fixture(scope="module")
def huaian():
    return load_report(EXAMPLES / "huaian-2024.json").report


# --- txt: East Asian width for every character ---------------------------------------------------


def _columns(line: str, chars: str) -> list[int]:
    """The display columns at which any of `chars` stands in a line."""
    out, col = [], 0
    for ch in line:
        if ch in chars:
            out.append(col)
        col += width(ch)
    return out


def test_ambiguous_width_characters_count_double():
    assert width("“三安全一稳定”") == 16  # the quotes are wide in Chinese fonts and terminals
    assert all(width(ch) == 2 for ch in "“”‘’…—·①（），。：")
    assert width("3.abc") == 5


def test_text_grid_bars_line_up_under_the_rules(huaian):
    """Every bar of every row stands under a + of the rule above it: nothing is shifted, even on
    the row 3.危及“三安全一稳定” (its quotes are ambiguous-width)."""
    for grid in build_document(huaian).grids():
        lines = draw_grid(grid)
        rule_cols: list[int] = []
        for line in lines:
            if line.startswith("+") or set(line) <= set("+-| "):
                rule_cols = _columns(line, "+|")  # a rule: + at crossings, | beside a merged cell
                continue
            assert set(_columns(line, "|")) <= set(rule_cols), (grid.id, line)
        assert len({width(line) for line in lines}) == 1, grid.id
    text = render(huaian, "txt").decode("utf-8")
    row = next(line for line in text.splitlines() if "3.危及“三安全一" in line)
    assert any(unicodedata.east_asian_width(ch) == "A" for ch in row)


# --- html ---------------------------------------------------------------------------------------


def test_html_headings_break_between_words_only():
    assert header_text("自然人") == '<span class="nw">自然人</span>'
    assert header_text("申请人情况") == '<span class="nw">申请人情况</span>'
    assert header_text("商业企业") == '<span class="kw">商业<wbr>企业</span>'
    assert header_text("本年处理决定数量") == '<span class="kw">本年<wbr>处理<wbr>决定<wbr>数量</span>'


def test_html_is_accessible_and_prints_with_page_numbers(huaian):
    page = render(huaian, "html").decode("utf-8")
    root = html5lib.parse(page)
    assert root.get("lang") == "zh-CN"
    h1 = root.find(".//h:h1", NS)
    assert [s.text for s in h1.findall("h:span", NS)] == ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
    tables = root.findall(".//h:table", NS)
    assert [t.find("h:caption", NS).text for t in tables] == [
        "主动公开政府信息情况",
        "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况",
    ]
    for t in tables:
        assert t.find("h:thead", NS) is not None  # repeated on each printed page
        ths = t.findall(".//h:th", NS)
        assert ths and all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in ths)
        assert not t.findall(".//h:td[@class='label']", NS)  # row labels are header cells
    three = tables[1]
    results = next(th for th in three.iter(TH) if "".join(th.itertext()) == "三、本年度办理结果")
    assert results.get("scope") == "rowgroup"
    assert "counter(page)" in page and "@bottom-center" in page
    assert "thead { display: table-header-group; }" in page


# --- cms ----------------------------------------------------------------------------------------


def test_cms_fragment_is_plain(huaian):
    frag = render(huaian, "cms").decode("utf-8")
    assert not re.search(r"<(html|head|body|style|script|link|meta|div)\b", frag, re.I)
    assert not re.search(r"\s(class|id|on\w+)=", frag, re.I)
    assert frag.count('<table border="1" cellspacing="0" cellpadding="4"') == 3
    assert re.search(r'<td rowspan="22" style="[^"]*">三、本年度办理结果</td>', frag)
    assert "淮安市人民政府<br>2024年政府信息公开工作年度报告" in frag
    root = html5lib.parse(frag)
    cells = [*root.iter(TD), *root.iter(TH)]
    assert cells and all("border:1px solid" in c.get("style", "") for c in cells)
    assert "3119" in frag and "本年度共收取信息处理费3940元。" in frag


def test_cms_format_by_name_and_suffix():
    assert output_format(None, "cms") == "cms"
    assert output_format("片段.html", "cms") == "cms"
    assert output_format("报告.pdf", None) == "pdf"


# --- pdf ----------------------------------------------------------------------------------------


def test_pdf_without_libreoffice_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "soffice", lambda: None)
    out = tmp_path / "报告.pdf"
    res = CliRunner().invoke(main, ["build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "生成 PDF 需要 LibreOffice" in res.output and "另存为" in res.output
    assert "Traceback" not in res.output and not out.exists()


def test_pdf_is_a4_with_fonts_embedded_and_the_report_text(tmp_path, libreoffice, poppler):
    out = tmp_path / "报告.pdf"
    res = CliRunner().invoke(main, ["build", str(EXAMPLES / "huaian-2024.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
    text = "".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout.split())
    report = json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))
    assert "淮安市人民政府2024年政府信息公开工作年度报告" in text
    assert "".join(report["problems"].split())[:60] in text
    assert "本年度共收取信息处理费3940元。" in text
    for n in ("3119", "3050", "96171.6", "351"):
        assert n in text


@pytest.mark.parametrize("name", ["huaian-2024.json", "suoluo-2024.json", "long-and-large"])
def test_pdf_imports_back_to_the_same_data(name, libreoffice):
    """build → pdf → import (the PDF reader) → the data we started from."""
    from tests.test_import import _effective
    from xltools.jsonform import parse_json
    from xltools.published import import_bytes
    from xltools.rules.checker import check

    if name == "long-and-large":  # a long name (a full title line) and numbers in the hundreds of millions
        original = json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
        original["agency"].update(name="呼和浩特市赛罕区敕勒川路街道办事处", level="township")
        original["requests"] = {
            row: {col: n * 100003 for col, n in cols.items()} for row, cols in original["requests"].items()
        }
    else:
        original = json.loads((EXAMPLES / name).read_text("utf-8"))
    report = check(parse_json(json.dumps(original, ensure_ascii=False).encode(), "r.json")).report
    back = import_bytes(render(report, "pdf"), "pdf", "built.pdf")
    want, got = _effective(original), _effective(back.to_json())
    if not original.get("overview", {}).get("on_request"):  # blank: build generated the sentence
        assert got.pop("overview.on_request").startswith("2024年")
        want.pop("overview.on_request")
    want.pop("publish_date"), got.pop("publish_date")  # not printed in the report
    assert got == want


_FAKE_SOFFICE = """#!/bin/sh
# A LibreOffice that leaves a bad file where the PDF should be.
while [ "$#" -gt 0 ]; do
  if [ "$1" = "--outdir" ]; then out="$2"; fi
  shift
done
printf '%s' "$XLTOOLS_FAKE_PDF" > "$out/report.pdf"
"""


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands for LibreOffice")
@pytest.mark.parametrize(
    "content", ["", "<html>Error</html>" * 100, "%PDF-1.7\n" + "x" * 2000]
)  # empty, not a PDF, cut
def test_a_bad_pdf_from_libreoffice_is_not_published(tmp_path, monkeypatch, content):
    """LibreOffice leaving an empty or non-PDF file: `build -o x.pdf` said 已生成 and, with
    --force, replaced a good PDF with it. Now refused, and the old file stays."""
    fake = tmp_path / "soffice"
    fake.write_text(_FAKE_SOFFICE, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf_module, "soffice", lambda: str(fake))
    monkeypatch.setenv("XLTOOLS_FAKE_PDF", content)
    out = tmp_path / "报告.pdf"
    good = b"%PDF-1.7\n" + b"0" * 4096 + b"\n%%EOF\n"
    out.write_bytes(good)
    res = CliRunner().invoke(main, ["build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out), "--force"])
    assert res.exit_code == 2, res.output
    assert "LibreOffice 只生成了" in res.output and "已生成" not in res.output
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    fresh = tmp_path / "新.pdf"
    res = CliRunner().invoke(main, ["build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(fresh)])
    assert res.exit_code == 2 and not fresh.exists()


def test_checked_pdf_takes_a_whole_pdf():
    data = b"%PDF-1.4\n" + b"1 0 obj\n" * 200 + b"%%EOF\r\n"
    assert pdf_module.checked_pdf(data) == data
