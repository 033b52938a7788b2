"""The html and cms outputs in a real browser (Debian's chromium driven by Playwright):
the cms fragment pasted into a contenteditable editor keeps its tables; the page's column headings
never break inside a word, even narrow; printed, every page has its number and each table page
its header rows. Asks for the `chromium` fixture (tests/needs.py): skipped when chromium or
playwright is missing, failed instead in CI."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import EXAMPLES
from tests.test_web_browser import ARGS
from xltools.api import load_report
from xltools.render import render
from xltools.render.document import LABEL, build_document

EDITOR = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>编辑器</title></head>
<body><div id="editor" contenteditable="true" style="width:900px;min-height:200px;border:1px solid #999"></div>
</body></html>"""


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def huaian():
    return load_report(EXAMPLES / "huaian-2024.json").report


def test_cms_fragment_pasted_into_an_editor_keeps_its_tables(browser, huaian, tmp_path):
    fragment = render(huaian, "cms").decode("utf-8")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    (tmp_path / "editor.html").write_text(EDITOR, encoding="utf-8")
    page.goto((tmp_path / "editor.html").as_uri())
    # A real paste: the fragment goes onto the clipboard as html, then Ctrl+V into the editor.
    page.evaluate(
        """html => navigator.clipboard.write([new ClipboardItem({
             "text/html": new Blob([html], {type: "text/html"}),
             "text/plain": new Blob(["x"], {type: "text/plain"})})])""",
        fragment,
    )
    page.click("#editor")
    page.keyboard.press("Control+V")
    page.wait_for_function("document.querySelectorAll('#editor table').length >= 3")
    got = page.evaluate(
        """() => [...document.querySelectorAll('#editor table')].map(t => ({
             rows: t.rows.length,
             border: t.getAttribute('border'),
             cells: [...t.querySelectorAll('td,th')].map(c => [c.textContent.trim(), c.rowSpan, c.colSpan,
                     getComputedStyle(c).borderTopStyle])
           }))"""
    )
    context.close()
    grids = build_document(huaian).grids()
    assert len(got) == len(grids) == 3
    for table, grid in zip(got, grids, strict=True):
        assert table["rows"] == grid.n_rows
        assert table["border"] == "1"
        want = [[c.text, c.rowspan, c.colspan] for row in grid.rows() for c in row]
        assert [cell[:3] for cell in table["cells"]] == want
        assert {cell[3] for cell in table["cells"]} == {"solid"}  # the inline borders survive too


def test_html_headings_do_not_break_inside_a_word(browser, huaian, tmp_path):
    path = tmp_path / "r.html"
    path.write_bytes(render(huaian, "html"))
    page = browser.new_page(viewport={"width": 520, "height": 900})
    page.goto(path.as_uri())
    broken = page.evaluate(
        """() => {
          const out = [];
          for (const s of document.querySelectorAll('th .nw, th .kw')) {
            // each piece (a whole word, or a two-character word of a longer heading) on one line
            const words = s.classList.contains('nw') ? [s] : [];
            if (!words.length) {
              const r = document.createRange();
              for (const node of s.childNodes) if (node.nodeType === 3) {
                r.selectNodeContents(node);
                if (r.getClientRects().length > 1) out.push(node.textContent);
              }
            } else if (s.getClientRects().length > 1 || s.offsetHeight > 1.6 * parseFloat(getComputedStyle(s).lineHeight)) {
              out.push(s.textContent);
            }
          }
          const h1 = [...document.querySelectorAll('h1 .nw')].map(s => s.getClientRects().length);
          return {broken: out, h1};
        }"""
    )
    page.close()
    assert broken["broken"] == []
    assert broken["h1"] == [1, 1]  # 淮安市人民政府 / 2024年政府信息公开工作年度报告, each whole


def test_html_printed_has_page_numbers_and_repeated_headers(browser, huaian, tmp_path, poppler):
    path = tmp_path / "r.html"
    path.write_bytes(render(huaian, "html"))
    page = browser.new_page()
    page.goto(path.as_uri())
    pdf = tmp_path / "r.pdf"
    page.pdf(path=str(pdf), format="A4")
    page.close()
    n = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1]
    )
    assert n >= 2
    for i in range(1, n + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        squashed = "".join(text.split())
        assert f"—{i}—" in squashed, i  # "— 1 —" at the foot of every page
        if "属于国家秘密" in squashed or "补正后申请内容仍不明确" in squashed:  # a page with table 三's rows
            assert "申请人情况" in squashed, i


# Each label cell's lines as drawn: its characters grouped by the line box each one sits on.
LABEL_LINES = """() => [...document.querySelectorAll('th.label')].map(th => {
  const r = document.createRange(), lines = [];
  const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  let node, last = null;
  while ((node = walk.nextNode())) {
    for (let i = 0; i < node.data.length; i++) {
      r.setStart(node, i); r.setEnd(node, i + 1);
      const box = [...r.getClientRects()].find(b => b.width > 0);
      if (!box) continue;
      const middle = box.top + box.height / 2;
      if (last === null || Math.abs(middle - last) > box.height / 2) { lines.push(''); last = middle; }
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
})"""
ENUMERATOR = re.compile(r"（[一二三四五六七八九十]+）|\d+\.|[一二三四五六七八九十]+、")


def _characters(line: str) -> int:
    """Characters that count on a line: punctuation hangs on its neighbour."""
    return sum(ch.isalnum() for ch in line)


def _breaks_badly(lines: list[str]) -> bool:
    m = ENUMERATOR.match(lines[0])
    if any(_characters(line) < 2 for line in lines[1:]):
        return True  # …禁止公/开
    if not m:
        return _characters(lines[0]) < 2
    if lines[0] == m.group():  # （三）/不予公开: right after the enumerator, the words on one line
        return len(lines) > 2
    words = "".join(lines)[m.end() :]
    return _characters(lines[0][m.end() :]) < 2 or _characters(words) <= 4  # （三）不/予公开, （三）不予/公开


@pytest.mark.parametrize("width", [1366, 390])
def test_html_row_labels_break_only_where_they_may(browser, huaian, tmp_path, width):
    """No label line holds a single character (…禁止公/开, 1.属/于…), and an enumerator stays
    with the words it introduces: a label breaks right after it only when the words then take one
    line (（三）/不予公开), never after one of them (（三）不/予公开) nor inside it; words of up to
    four characters after an enumerator are never broken (（三）不予/公开)."""
    path = tmp_path / "r.html"
    path.write_bytes(render(huaian, "html"))
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    labels = page.evaluate(LABEL_LINES)
    page.close()
    table3 = [c.text for c in build_document(huaian).grids()[1].cells if c.kind == LABEL]
    assert set(table3) <= {"".join(lines) for lines in labels}
    wrapped = [lines for lines in labels if len(lines) > 1]
    assert wrapped  # the check below would be empty otherwise
    bad = [lines for lines in wrapped if _breaks_badly(lines)]
    assert bad == [], bad
