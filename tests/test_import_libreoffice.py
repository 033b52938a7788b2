"""Word files made by another program: real LibreOffice saves a web page and a built report as
.docx (its own table markup, vMerge, layout tables), and the importer reads the same data."""

from __future__ import annotations

import json
import shutil

from tests.libreoffice import convert
from tests.test_import import EXAMPLES, FIXTURES, _effective
from xltools.published import import_report

WORD = "docx:MS Word 2007 XML"


def test_saved_page_converted_to_word_reads_like_the_page(tmp_path, libreoffice):
    page = tmp_path / "county.html"
    shutil.copy(FIXTURES / "county-2024-gbk.html", page)
    (docx,) = convert([page], WORD, tmp_path / "out")
    from_word, from_page = import_report(docx), import_report(FIXTURES / "county-2024-gbk.html")
    assert from_word.notes == []
    got, want = from_word.to_json(), from_page.to_json()
    # LibreOffice turns the page source's line break inside a sentence into a space.
    assert got["overview"].pop("summary") == "2024年，我县深入贯彻《条例》， 政务公开工作取得新进展。"
    want["overview"].pop("summary")
    assert got == want  # tables (layout table around them), signature and site footer left out


def test_built_report_resaved_by_libreoffice_imports_back(tmp_path, libreoffice):
    from xltools.api import load_report
    from xltools.render import render

    built = tmp_path / "huaian.docx"
    built.write_bytes(render(load_report(EXAMPLES / "huaian-2024.json").report, "docx"))
    (resaved,) = convert([built], WORD, tmp_path / "out")
    back = import_report(resaved)
    assert back.notes == []
    original = json.loads((EXAMPLES / "huaian-2024.json").read_text("utf-8"))
    assert _effective(back.to_json()) == _effective(original)
