"""The published-report readers on the inputs that once hung them, took gigabytes or crashed them
(the inputs are made in tests/published_cases.py): each is answered, and the answer is
the right one. Their time and memory are bounded in tests/test_bounds.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import published_cases as pc
from xltools import api
from xltools.collect.pool import Pool
from xltools.errors import UnusableInput
from xltools.published import htmlscan
from xltools.published.blocks import MAX_BLOCKS
from xltools.published.docx import _chinese, read_docx
from xltools.published.html import read_html
from xltools.published.txt import read_txt

ROOT = Path(__file__).resolve().parent.parent


def _texts(blocks) -> list[str]:
    return [b.text for b in blocks]


def _docx_texts(data: bytes) -> list[str]:
    return _texts(read_docx(data))


def _within(seconds: float, fn, *args):
    """fn(*args) in a worker that is killed past `seconds`: a regression to an endless loop fails
    this test instead of hanging the suite."""
    with Pool(1, timeout=seconds) as pool:
        return pool.submit(fn, *args).result()


# --- Word ---------------------------------------------------------------------------------------


def test_paragraph_styles_based_on_each_other_end():
    """A→B→A (and C based on itself) in a numbered document once looped forever."""
    texts = _within(60, _docx_texts, pc.style_cycle_docx())
    assert texts[-1] == "一、标题"  # the list's number is still drawn
    assert texts[0] == pc.report_paragraphs()[0]


def test_style_numbering_follows_based_on_as_word_does():
    styles = pc.style("Base", numbered=True) + pc.style("Child", based_on="Base") + pc.style("Plain")
    body = pc.paragraph("甲", style="Child") + pc.paragraph("乙", style="Base") + pc.paragraph("丙", style="Plain")
    assert _docx_texts(pc.docx(body, styles=styles)) == ["一、甲", "二、乙", "丙"]
    # a paragraph with no style (or an unknown one) takes the document's default paragraph style
    default = '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    default += '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    body = pc.paragraph("甲") + pc.paragraph("乙", style="Nowhere") + pc.paragraph("丙", style="Plain")
    assert _docx_texts(pc.docx(body, styles=default + pc.style("Plain"))) == ["一、甲", "二、乙", "丙"]


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (9, "九"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (9999, "九千九百九十九"),
        (10000, "10000"),
        (-1, "-1"),
    ],
)
def test_chinese_counting(n, words):
    assert _chinese(n) == words


def test_numbering_edge_cases_read_instead_of_crashing():
    """A list reaching 100 or starting there, w:ilvl 9 and beyond, w:ilvl or w:start that are not
    numbers raised IndexError/ValueError and stopped the whole batch."""
    reaches = _docx_texts(pc.numbering_docx("reaches-100"))
    assert reaches[98:101] == ["九十九、第99项", "一百、第100项", "一百零一、第101项"]
    assert _docx_texts(pc.numbering_docx("starts-at-100")) == ["一百、甲", "一百零一、乙"]
    assert _docx_texts(pc.numbering_docx("ilvl-9")) == ["一、甲", "乙", "丙"]  # no level 9: no number
    assert _docx_texts(pc.numbering_docx("ilvl-9-in-numbering")) == ["一、甲"]
    assert _docx_texts(pc.numbering_docx("ilvl-text")) == ["一、甲", "乙"]
    assert _docx_texts(pc.numbering_docx("start-text")) == ["一、甲", "二、乙"]  # w:start unreadable: 1


@pytest.mark.parametrize("case", pc.NUMBERING_CASES)
def test_numbering_edge_cases_are_a_verdict_not_a_crash(case, tmp_path):
    path = tmp_path / f"{case}.docx"
    path.write_bytes(pc.numbering_docx(case))
    r = api.check_file(path)
    assert r.error is not None and r.error.code not in ("internal", "nested"), r.error.message


def test_too_many_paragraphs_are_refused_before_reading():
    with pytest.raises(UnusableInput) as caught:
        _within(60, read_docx, pc.many_paragraphs_docx())
    assert caught.value.code == "too_large"
    assert f"超过 {MAX_BLOCKS:,} 个" in caught.value.message


def test_too_many_paragraphs_are_counted_before_python_docx_builds_its_tree():
    """The package check counts w:p and w:tr by streaming (no tree): the refusal comes from it."""
    from xltools.published.docx import _check_package

    with pytest.raises(UnusableInput) as caught:
        _check_package(pc.dense_paragraphs_docx())
    assert caught.value.code == "too_large"
    _check_package(pc.docx(pc.paragraph("x") * MAX_BLOCKS))  # as many as allowed: on to python-docx
    with pytest.raises(UnusableInput):
        _check_package(pc.docx(pc.paragraph("x") * MAX_BLOCKS + "<w:tbl><w:tr/></w:tbl>"))  # rows count too
    with pytest.raises(UnusableInput) as caught:
        _check_package(pc.dense_runs_docx())  # 7,000 paragraphs, 2.1 million elements
    assert caught.value.code == "too_large" and "超过 1,000,000 个元素" in caught.value.message


# --- web pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", [pc.formatting_bomb(3000), pc.formatting_bomb(200), pc.nested_divs(20_000), pc.nested_divs(100_000)]
)
def test_pages_that_would_cost_the_square_are_refused_before_parsing(page):
    with pytest.raises(UnusableInput) as caught:
        htmlscan.check_page(page)
    assert "嵌套过深" in caught.value.message
    with pytest.raises(UnusableInput):
        _within(60, read_html, page)


def test_too_many_tags_are_refused():
    with pytest.raises(UnusableInput) as caught:
        htmlscan.check_page(b"<span>x</span>" * (htmlscan.MAX_TAGS + 1))
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    "page",
    [
        b"<p>x" * 30_000,  # paragraphs never closed: each closes the one before
        b"<ul>" + b"<li><b>x</b>" * 10_000,
        b"<table>" + b"<tr><td><font>x" * 10_000,  # a cell resets the formatting left open
        b"<p><b>x" * 10_000,  # the same <b> left open: the parser keeps three
        (b"<div>" * 150 + b"</div>" * 150) * 100,
        b"<a" * 100_000,  # no ">" anywhere: still one pass
        b'<a x="' * 100_000,
        b"<!--" * 100_000,
        b"<script>" + b"<div>" * 50_000 + b"</script>",  # script text is not tags
    ],
)
def test_ordinary_and_sloppy_pages_pass_the_scan(page):
    htmlscan.check_page(page)


def test_the_scan_leaves_the_example_page_as_it_reads():
    page = pc.example_page()
    htmlscan.check_page(page)
    assert api.check_bytes(page, "例.html").result.ok


def test_large_ordinary_pages_are_read_or_refused_with_a_reason():
    big = api.check_bytes(pc.big_page(27), "大.html")
    assert big.error is None and big.result.ok  # 27 MB of text in few elements: read
    many = api.check_bytes(pc.many_paragraphs_page(), "多.html")
    assert many.error is not None and many.error.code == "too_large"
    table = api.check_bytes(pc.big_table_page(), "表.html")  # 10,000 rows: under the block limit
    assert table.error is None


# --- text ---------------------------------------------------------------------------------------


def test_utf16_text_reads_as_its_utf8_twin():
    """Notepad's "Unicode" (UTF-16 with BOM) was refused while the page reader took it."""
    utf8 = pc.EXAMPLE_TEXT.read_bytes()
    assert _texts(read_txt(pc.utf16_text())) == _texts(read_txt(utf8))
    be = pc.EXAMPLE_TEXT.read_text(encoding="utf-8").encode("utf-16-be")
    assert _texts(read_txt(b"\xfe\xff" + be)) == _texts(read_txt(utf8))


def test_large_text_is_refused_by_its_lines():
    with pytest.raises(UnusableInput) as caught:
        read_txt(pc.big_text(29))
    assert caught.value.code == "too_large"


# --- the whole run ------------------------------------------------------------------------------


def test_error_values_in_json_outputs(tmp_path):
    """`check --json` crashed (程序内部错误（TypeError）) on an input cell holding #N/A or #DIV/0!:
    the finding carried the error object. Error values are their text in JSON."""
    from tests.workbooks import VALID_TEXTS, fill_to

    path = fill_to(
        tmp_path / "错误值.xlsx", {**VALID_TEXTS, "requests.new.natural": "#N/A", "requests.granted.legal": "#DIV/0!"}
    )
    run = subprocess.run(
        [sys.executable, "-m", "xltools", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["files"][0]["findings"]
    assert {f["actual"] for f in findings if f["rule"] == "S2"} >= {"#N/A", "#DIV/0!"}
    assert json.loads(json.dumps(api.results_json([api.check_file(path)])))["summary"]["with_errors"] == 1
    # the page's JSON interface answered HTTP 500 on the same file; its own page shows the values
    from tests.webclient import page_client

    with page_client() as client:
        data = path.read_bytes()
        r = client.post("/api/check", files=[("files", (path.name, data))])
        assert r.status_code == 200, r.text
        findings = r.json()["files"][0]["findings"]
        assert {f["actual"] for f in findings if f["rule"] == "S2"} >= {"#N/A", "#DIV/0!"}
        page = client.post("/check", files=[("files", (path.name, data))])
        assert page.status_code == 200 and "#N/A" in page.text and "#DIV/0!" in page.text


def test_too_large_says_the_real_size_and_the_limit(tmp_path):
    path = tmp_path / "大.txt"
    with open(path, "wb") as fh:
        fh.truncate(37 * 1024 * 1024)
    r = api.check_file(path)
    assert r.error.code == "too_large"
    assert "文件过大（37 MB，上限 30 MB）" in r.error.message


def test_the_export_hint_is_for_json_inputs_only(tmp_path):
    """After an unusable published report the command line suggested `xltools export` (about
    the JSON form); it still does for a damaged .json."""
    from click.testing import CliRunner

    from xltools.cli import main

    page = tmp_path / "页.html"
    page.write_bytes(pc.nested_divs(20_000))
    word = tmp_path / "文.docx"
    word.write_bytes(pc.numbering_docx("ilvl-9"))
    broken = tmp_path / "坏.json"
    broken.write_text("{", encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(page), str(word), str(broken)]).stdout
    lines = out.splitlines()
    assert "嵌套过深" in lines[0] and "找不到报告的各部分标题" in lines[1]
    assert "xltools export" not in lines[0] + lines[1]
    assert "xltools export" in lines[2]


# --- the shared package guards (xltools.ooxml) ---------------------------------------------------


def _rezip_docx(replace: dict[str, bytes], method=None) -> bytes:
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(pc.numbering_docx("reaches-100")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_word_documents_declaring_entities_are_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        b"<w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    with pytest.raises(UnusableInput) as caught:
        read_docx(_rezip_docx({"word/document.xml": laughs}))
    assert caught.value.code == "hostile_xml"
    with pytest.raises(UnusableInput) as caught:  # in any part, the styles too
        read_docx(_rezip_docx({"word/styles.xml": laughs.replace(b"w:document", b"w:styles")}))
    assert caught.value.code == "hostile_xml"


def test_word_zip_bombs_are_refused_before_inflating():
    bomb = b"<w:p/>" * (8 << 20)  # 48 MB of XML that deflates to almost nothing
    with pytest.raises(UnusableInput) as caught:
        read_docx(_rezip_docx({"word/document.xml": bomb}))
    assert caught.value.code == "zip_bomb" and "Word/WPS" in caught.value.message


def test_the_word_reader_stands_on_the_package_module_not_on_the_workbook_reader():
    code = "import sys, xltools.published.docx\nprint('xltools.workbook.xlsx' in sys.modules, 'xltools.ooxml' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.split() == ["False", "True"], run.stderr
