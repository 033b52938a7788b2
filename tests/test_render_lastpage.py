"""The report's last page never holds its closing alone (issue: "last page of two lines"): the
closing paragraph prints whole, with its heading, and with at least two lines of the body text
before it when that paragraph is short (LibreOffice carries a kept paragraph only whole: a long
one stays where it is, and the closing then starts the last page with its heading).

Proved on the pages LibreOffice prints from the Word file, as it stands (the 公文 fonts named) and
with the installed faces put in, as `build -o .pdf` prints it (render/pdf.py), for the
variants of test_render_pages and for reports whose problems narrative is lengthened until, before
the change, the closing's last two lines (or the closing with its heading) stood alone on the last page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest

from tests.test_render_pages import VARIANTS, _example, _lines, _report
from xltools.render import render
from xltools.render.pdf import faces, installed_families, with_faces

CHUNK = "进一步加强政府信息公开工作人员的业务培训，提升工作能力。"  # one line of body text, about


def _longer(name: str, k: int) -> dict:
    obj = _example(name)
    obj["problems"] += CHUNK * k
    return obj


# Before the closing was kept whole and with the text before it, suoluo+20 and +21 printed the
# closing's last two lines alone on the last page, suoluo the heading 六 and the closing alone.
LONGER = {f"{n}+{k}": _longer(f"{n}-2024.json", k) for n, k in (("suoluo", 20), ("suoluo", 21), ("suoluo", 22))}
LONGER["huaian+6"] = _longer("huaian-2024.json", 6)
CASES = {**VARIANTS, **LONGER}
CLOSING_LINES = 2  # lines of body text before the closing, on the last page with it
SHORT = 6 * 27  # characters: a paragraph of up to six lines (27 characters a line) is short
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory, libreoffice, poppler):
    tmp = tmp_path_factory.mktemp("lastpage")
    paths, docs = [], {}
    ours = faces(installed_families())
    for name, obj in CASES.items():
        data = render(_report(obj), "docx")
        for route, body in (("docx", data), ("pdf", with_faces(data, ours))):
            path = tmp / f"{name}@{route}.docx"
            path.write_bytes(body)
            paths.append(path)
        docs[name] = [p for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]
    pdfs = {Path(p).stem: p for p in libreoffice.convert(paths, "pdf", tmp / "pdf")}
    return {(name, route): (_lines(pdfs[f"{name}@{route}"]), docs[name]) for name in CASES for route in ROUTES}


ROUTES = ("docx", "pdf")  # the Word file as LibreOffice prints it; our PDF (the faces installed here)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(CASES))
def test_last_page_holds_the_closing_whole_with_body_text_before_it(printed, name, route):
    pages, paragraphs = printed[name, route]
    closing, before = paragraphs[-1], [p for p in paragraphs[:-1] if p.style.name != "Heading 1"][-1]
    last = [t for _, _, t in pages[-1] if t.strip() and not PAGE_NUMBER.fullmatch(t.strip())]
    closing_text = _squash(closing.text)
    ours = [t for t in last if _squash(t) in closing_text]
    assert _squash("".join(ours)) == closing_text, (name, last)  # the closing prints whole on the last page
    headings = {_squash(p.text) for p in paragraphs if p.style.name == "Heading 1"}
    body = [t for t in last if _squash(t) not in closing_text and _squash(t) not in headings]
    assert _squash(last[0]) in headings or body, (name, last)  # the heading 六 with it
    if len(before.text) + 2 <= SHORT:  # the two-character indent
        assert len(body) >= CLOSING_LINES, (name, last)
