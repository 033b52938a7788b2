"""The report's fonts: the Word file names the 公文 fonts; our PDF, where they are not
installed, uses per role the best installed face in simplified-Chinese forms, never LibreOffice's
first fallback (Noto Sans CJK JP, Japanese forms, one face for everything)."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

from tests.conftest import EXAMPLES
from xltools.jsonform import parse_json
from xltools.render import pdf, render
from xltools.rules.checker import check


def _report():
    data = json.dumps(json.loads((EXAMPLES / "suoluo-2024.json").read_text("utf-8")), ensure_ascii=False).encode()
    return check(parse_json(data, "r.json")).report


def _xml(data: bytes, part: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(part).decode("utf-8")


def test_word_names_the_official_fonts_and_chinese_as_the_language():
    data = render(_report(), "docx")
    document, settings, styles = (_xml(data, p) for p in ("word/document.xml", "word/settings.xml", "word/styles.xml"))
    for font in ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"):
        assert f'w:eastAsia="{font}"' in document
    assert 'w:eastAsia="ja-JP"' not in settings and 'w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"' in settings
    assert 'w:eastAsia="en-US"' not in styles


def test_each_role_gets_the_best_installed_face_in_chinese_forms():
    installed = frozenset(
        {"Noto Serif CJK JP", "Noto Serif CJK SC", "Noto Sans CJK JP", "Noto Sans CJK SC", "AR PL UKai CN"}
    )
    got = pdf.faces(installed)
    assert got["方正小标宋简体"] == "Noto Serif CJK SC"
    assert got["黑体"] == "Noto Sans CJK SC"
    assert got["楷体_GB2312"] == "AR PL UKai CN"
    assert all(" JP" not in face for face in got.values())
    assert pdf.faces(installed | {"仿宋_GB2312", "楷体"}).get("仿宋_GB2312") is None  # installed: kept
    assert pdf.faces(installed | {"楷体"})["楷体_GB2312"] == "楷体"
    assert pdf.faces(None) == {}  # where fontconfig cannot say (Windows), the names stay
    converted = pdf.with_faces(render(_report(), "docx"), got)
    document = _xml(converted, "word/document.xml")
    assert "楷体_GB2312" not in document and 'w:eastAsia="AR PL UKai CN"' in document


def test_our_pdf_uses_a_face_per_role(tmp_path, libreoffice, poppler):
    installed = pdf.installed_families() or frozenset()
    (tmp_path / "r.pdf").write_bytes(render(_report(), "pdf"))
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True).stdout
    names = [line.split()[0].split("+", 1)[-1] for line in fonts.splitlines()[2:]]
    if "Noto Serif CJK SC" in installed:
        assert any("NotoSerifCJK" in n for n in names), fonts  # the title
    if "AR PL UKai CN" in installed:
        assert any("UKaiCN" in n for n in names), fonts  # the run-in sub-heads (楷体)
    assert any("NotoSansCJK" in n for n in names), fonts  # 黑体 headings
    assert "DejaVu" not in fonts  # digits and Latin letters in the CJK faces, not a stray Western one
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert "".join(text.split()).count("。") == render(_report(), "txt").decode("utf-8").count("。")
