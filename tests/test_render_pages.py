"""The Word file holds together when printed: tables never start with their header alone at
the foot of a page, header rows repeat, rows are never cut, table 三's groups stay on one page; the
title breaks between words and the contact line is not justified.

Proved twice: on the XML (python-docx), and on the pages LibreOffice prints (docx → PDF, the text of
each page by pdftotext), for both shipped examples and for reports with long names and large numbers.
"""

from __future__ import annotations

import html
import io
import json
import random
import re
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from tests.conftest import EXAMPLES
from xltools import spec
from xltools.jsonform import parse_json
from xltools.render import render
from xltools.render.document import LABEL, build_document
from xltools.render.docx import lead_in, split_tall_groups, table_layout
from xltools.rules.checker import check

LONG_NAME = "内蒙古自治区呼和浩特市赛罕区人民政府敕勒川路街道办事处综合行政执法局"


def _report(obj: dict):
    return check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "r.json")).report


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _scaled(obj, factor: int):
    """Every count multiplied (the sums still hold): large numbers in every table cell."""
    if isinstance(obj, dict):
        return {k: _scaled(v, factor) for k, v in obj.items()}
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj * factor
    return obj


def variants() -> dict[str, dict]:
    out = {"suoluo": _example("suoluo-2024.json"), "huaian": _example("huaian-2024.json")}
    rng = random.Random(17)
    for i in range(3):
        obj = _example(rng.choice(["suoluo-2024.json", "huaian-2024.json"]))
        year = obj["year"]
        for key in ("requests", "appeals", "proactive"):
            obj[key] = _scaled(obj.get(key, {}), rng.choice([1, 997, 10**7, 3 * 10**8]))
        obj["year"] = year
        obj["agency"]["name"] = LONG_NAME[: rng.randint(20, len(LONG_NAME))]
        obj["overview"]["summary"] = (obj["overview"]["summary"] + "\n") * rng.randint(1, 4)
        out[f"random{i}"] = obj
    # The extreme: the longest name and 999999999999 in every cell of table 三 (numbers wrap even
    # at the smallest size, and 三、本年度办理结果 no longer fits one page).
    obj = _example("huaian-2024.json")
    obj["agency"]["name"] = LONG_NAME
    obj["requests"] = {
        row: {col: 999999999999 for col in cols if col != "total"} for row, cols in obj["requests"].items()
    }
    out["max"] = obj
    return out


VARIANTS = variants()


@pytest.fixture(scope="module")
def reports():
    return {name: _report(obj) for name, obj in VARIANTS.items()}


# --- the XML ------------------------------------------------------------------------------------


def _keep_next(row) -> bool:
    ps = list(row._tr.iter(qn("w:p")))
    return bool(ps) and all(p.pPr is not None and p.pPr.find(qn("w:keepNext")) is not None for p in ps)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_docx_tables_hold_together_in_the_xml(reports, name):
    report = reports[name]
    d = docx.Document(io.BytesIO(render(report, "docx")))
    doc = build_document(report)
    grids = doc.grids()
    assert len(d.tables) == len(grids) == 3
    headings = [p for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings and all(h.style.paragraph_format.keep_with_next for h in headings)
    for table, grid in zip(d.tables, grids, strict=True):
        widths, size, pad = table_layout(grid)
        grid = split_tall_groups(grid, widths, size, pad)  # as printed (a group too tall for a page split)
        keep_rows = grid.keep_with_next() | lead_in(grid, widths, size, pad)
        rows = table.rows
        assert grid.header_rows >= 2
        for i, row in enumerate(rows):
            trpr = row._tr.trPr
            assert trpr.find(qn("w:cantSplit")) is not None  # a row is never cut
            assert (trpr.find(qn("w:tblHeader")) is not None) == (i < grid.header_rows), (grid.id, i)
            assert _keep_next(row) == (i in keep_rows), (grid.id, i)
        # the header rows and the first body rows are held together, and with the heading before
        assert all(_keep_next(rows[i]) for i in range(min(grid.header_rows + 1, len(rows) - 1)))
        assert not _keep_next(rows[-1])
    two, three, four = (split_tall_groups(g, *table_layout(g)) for g in grids)
    assert two.keep_with_next() == frozenset(range(two.n_rows - 1))  # short tables are kept whole
    assert four.keep_with_next() == frozenset(range(four.n_rows - 1))
    # table 三: each group under a merged label is kept together; the rows before the first group
    # are kept with it when all of it fits on a page (the table starts on a fresh page rather than
    # leaving its header and two rows at the foot of one), otherwise the break before 三 is allowed
    lead = lead_in(three, *table_layout(three))
    keep = three.keep_with_next() | lead
    halves = sorted((c for c in three.cells if c.text == spec.REQUESTS_RESULTS), key=lambda c: c.row)
    assert len(halves) == 1 or name == "max"  # only a group too tall for a page is split
    assert lead in (frozenset(), frozenset(range(halves[0].row)))
    assert lead or name not in ("suoluo", "huaian")
    for results in halves:
        assert set(range(results.row, results.row + results.rowspan - 1)) <= keep
        assert (results.row - 1 in keep) == (results.row - 1 in lead)
        assert results.row + results.rowspan - 1 not in keep


def test_docx_title_breaks_between_words_and_contact_is_not_justified(reports):
    d = docx.Document(io.BytesIO(render(reports["huaian"], "docx")))
    title = d.paragraphs[0]
    assert title.text == "淮安市人民政府\n2024年政府信息公开工作年度报告"
    assert len(title._p.findall(".//" + qn("w:br"))) == 1
    contact = next(p for p in d.paragraphs if p.text.startswith("如对本报告有疑问"))
    assert contact.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
    body = next(p for p in d.paragraphs if p.text.startswith("根据《中华人民共和国政府信息公开条例》"))
    assert body.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY


# --- the printed pages --------------------------------------------------------------------------

TWO_ROWS = [r.label for r in spec.PROACTIVE.rows]
THREE_HEADER = ("申请人情况", "商业")
FOUR_HEADER = ("行政复议", "行政诉讼", "结果")


def _pages(pdf: Path) -> list[str]:
    n = int(next(line.split()[-1] for line in _run("pdfinfo", pdf).splitlines() if line.startswith("Pages:")))
    return [_run("pdftotext", "-f", str(i), "-l", str(i), "-layout", pdf, "-") for i in range(1, n + 1)]


def _run(*args) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return "".join(text.split())


def _pages_with(pages: list[str], needle: str) -> list[int]:
    return [i for i, p in enumerate(pages) if needle in _squash(p)]


@pytest.fixture(scope="module")
def pdfs(reports, tmp_path_factory, libreoffice, poppler) -> dict[str, Path]:
    """Each variant's Word file as LibreOffice prints it."""
    tmp = tmp_path_factory.mktemp("pages")
    paths = []
    for name, report in reports.items():
        path = tmp / f"{name}.docx"
        path.write_bytes(render(report, "docx"))
        paths.append(path)
    return {p.stem: p for p in libreoffice.convert(paths, "pdf", tmp / "pdf")}


@pytest.fixture(scope="module")
def printed(pdfs):
    return {name: _pages(p) for name, p in pdfs.items()}


def _key(label: str) -> str:
    """A row label's first characters: they print on the row's first line even in a column four
    characters wide (1.属于国家秘密 -> 1.属, 一、本年新收… -> 一、本年)."""
    return _squash(label)[: 3 if label[0].isdigit() else 4]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_printed_tables_start_with_their_header_and_never_split_a_row(printed, reports, name):
    pages = printed[name]
    report = reports[name]
    assert _pages_with(pages, _squash(report.name)[:8])[0] == 0  # the title on page 1
    # 二: the heading and every row on one page
    (two_page,) = _pages_with(pages, "第二十条第（一）项")
    assert _pages_with(pages, "二、主动公开政府信息情况") == [two_page]
    for label in TWO_ROWS:
        assert two_page in _pages_with(pages, label), label
    # 三: the heading with the first rows; every page with its rows starts with the header rows
    (heading_page,) = _pages_with(pages, "三、收到和处理政府信息公开申请情况")
    assert _pages_with(pages, "一、本年新收")[0] == heading_page
    three_pages = set()
    for r in spec.REQUESTS.rows:
        found = _pages_with(pages, _key(r.label))
        assert len(found) == 1, (r.label, found)  # a row (and its label) is never cut across pages
        three_pages |= set(found)
    for i in three_pages:
        for word in THREE_HEADER:
            assert word in _squash(pages[i]), (i, word)
        assert _squash(pages[i]).index("申请人情况") < min(
            _squash(pages[i]).find(_key(r.label)) for r in spec.REQUESTS.rows if _key(r.label) in _squash(pages[i])
        )
    # 三's groups: （三）不予公开 and the others on one page; every page with rows of a group shows
    # its label (三、本年度办理结果, too tall for one page in "max", repeats it on the next)
    for section in {r.section for r in spec.REQUESTS.rows if r.section}:
        rows = [r for r in spec.REQUESTS.rows if r.section == section]
        found = {p for r in rows for p in _pages_with(pages, _key(r.label))}
        assert len(found) == 1 or not section.startswith("（"), (section, found)
        assert len(found) == 1 or name == "max", (section, found)
        for i in found:
            assert _squash(section)[:3] in _squash(pages[i]), (section, i)  # its label (wrapped in a narrow cell)
    # 四: the heading, the header and the numbers on one page
    (four_page,) = _pages_with(pages, "四、政府信息公开行政复议、行政诉讼情况")
    for word in FOUR_HEADER:
        assert four_page in _pages_with(pages, word)
    numbers = [str(report.values[f"appeals.{g}.{c}"]) for g in ("review", "suit_direct") for c in ("upheld", "total")]
    assert all(n[:4] in _squash(pages[four_page]) for n in numbers)  # 10 digits wrap in 15 columns


# --- table 三's labels and table 四's size, as printed ----------------------------------------


def _lines(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's printed lines as (left, top, text), from pdftotext's bounding boxes."""
    xml = _run("pdftotext", "-bbox-layout", pdf, "-")
    pages = []
    for page in re.findall(r"<page .*?</page>", xml, re.S):
        lines = []
        for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</line>', page, re.S):
            text = "".join(html.unescape(w) for w in re.findall(r">([^<]*)</word>", m.group(3)))
            lines.append((float(m.group(1)), float(m.group(2)), text))
        pages.append(lines)
    return pages


@pytest.mark.parametrize("name", list(VARIANTS))
def test_table_three_labels_leave_no_single_character_on_a_line(pdfs, reports, name):
    """At the width the Word file gives them, no label of table 三 wraps with one character alone
    on its last line (…禁止公/开), and （三）不予公开 breaks after its number, not inside 不予."""
    three = build_document(reports[name]).grids()[1]
    label_words = {_squash(c.text) for c in three.cells if c.kind == LABEL}
    pages = _lines(pdfs[name])
    seen = 0
    for lines in pages:
        heads = [x for x, _, t in lines if t == "自然人"]
        if not heads:
            continue
        four = [y for _, y, t in lines if t.startswith("四、政府信息公开")]  # table 四 on the same page
        left_of_numbers = [t for x, y, t in lines if x < heads[0] - 2 and y < min(four, default=1e9)]
        labels = [t for t in left_of_numbers if t and any(t in w for w in label_words)]
        seen += len(labels)
        lone = [t for t in labels if len(t.strip("，。、；：）”")) == 1]
        assert not lone, (name, lone)
        cut = [t for t in labels if re.fullmatch(r"（[一二三四五六七]）\S{1,3}", t) and t not in label_words]
        assert not cut, (name, cut)
    assert seen >= len(spec.REQUESTS.rows)  # the labels were found (one line each at least)


@pytest.mark.parametrize("name", ["suoluo", "huaian"])
def test_table_three_starts_on_a_page_with_its_first_group_and_four_has_its_size(pdfs, printed, reports, name):
    """Table 三 never leaves its header and two rows at the foot of a page (its heading, header,
    一、二、 and the whole 三、本年度办理结果 print on one page); table 四's 15 columns are set in
    table 三's size (narrower cell margins rather than a smaller size)."""
    pages = printed[name]
    (heading_page,) = _pages_with(pages, "三、收到和处理政府信息公开申请情况")
    for r in spec.REQUESTS.rows:
        assert _pages_with(pages, _key(r.label)) == [heading_page], r.label
    d = docx.Document(io.BytesIO(render(reports[name], "docx")))
    sizes = [{run.font.size for cell in t._cells for p in cell.paragraphs for run in p.runs} for t in d.tables]
    assert sizes[2] == sizes[1] == {docx.shared.Pt(9)}
    (four_page,) = _pages_with(pages, "四、政府信息公开行政复议、行政诉讼情况")
    xml = _run("pdftotext", "-bbox-layout", "-f", heading_page + 1, "-l", four_page + 1, pdfs[name], "-")
    boxes = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\d+)</word>', xml)
    heights = {
        round(float(b) - float(a), 1) for a, b, _ in boxes if float(b) - float(a) < 12
    }  # not the 14 pt page number
    assert len(heights) == 1, heights  # every number of both tables printed in one size
