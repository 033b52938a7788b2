"""The report's fonts: the Word file names the 公文 fonts; our PDF, where they are not
installed, uses per role the best installed face in simplified-Chinese forms, never LibreOffice's
first fallback (Noto Sans CJK JP, Japanese forms, one face for everything)."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import zipfile

import pytest

from tests.conftest import EXAMPLES
from tests.test_render_pages import VARIANTS
from tests.test_render_pages import _report as _report_of
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
        assert any("NotoSerifCJK" in n for n in names), fonts  # the title and the body
    if "AR PL UKai CN" in installed:
        assert any("UKaiCN" in n for n in names), fonts  # the run-in sub-heads (楷体)
    assert any("NotoSansCJK" in n for n in names), fonts  # 黑体 headings
    assert "DejaVu" not in fonts  # digits and Latin letters in the CJK faces, not a stray Western one


def _chars(data: bytes) -> list[tuple[str, str, float]]:
    """Every character PDFium finds in the PDF: (the character, its font's name, its size in pt)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out = []
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    for page in pdfium.PdfDocument(data):
        text = page.get_textpage()
        for i in range(raw.FPDFText_CountChars(text)):
            raw.FPDFText_GetFontInfo(text, i, name, len(name), flags)
            font = name.value.decode("latin-1").split("+", 1)[-1]
            out.append((chr(raw.FPDFText_GetUnicode(text, i)), font, round(raw.FPDFText_GetFontSize(text, i), 1)))
    return out


@pytest.mark.parametrize("name", list(VARIANTS))
def test_our_pdf_sets_the_body_in_a_serif_face_and_keeps_every_full_stop(tmp_path, libreoffice, poppler, name):
    """The body (仿宋 role, 三号 = 16 pt, neither the 黑体 headings nor the 楷体 sub-heads) is printed
    in the serif SC face, and no 。 is lost: LibreOffice's hanging punctuation, which the Word file
    turns off, neither drew nor kept a 。 that ended a justified serif line (suoluo lost one)."""
    report = _report_of(VARIANTS[name])
    data = render(report, "pdf")
    chars = _chars(data)
    body = [(c, font) for c, font, size in chars if size == 16.0 and "Sans" not in font and "Kai" not in font]
    body_text = "".join(c for c, _ in body)
    assert "报告所列数据的统计期限为" in body_text  # the lead-in, a body paragraph
    if "Noto Serif CJK SC" in (pdf.installed_families() or frozenset()):
        assert {font for c, font in body if not c.isspace()} <= {
            "NotoSerifCJKjp-Regular-VKana",
            "NotoSerifCJKsc-Regular",
        }
    stops = render(report, "txt").decode("utf-8").count("。")
    assert sum(c == "。" for c, _, _ in chars) == stops
    (tmp_path / "r.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert text.count("。") == stops


# Characters whose simplified-Chinese and Japanese forms differ visibly (角's middle stroke, 直's
# foot, 骨's inner stroke, 返's 辶): what the page shows must be the SC form.
FORM_TEST = "骨直返角画"


def _face_file(family: str) -> tuple[str, int] | None:
    """fontconfig's file and face index of a family's regular style."""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}|%{family}", f"{family}:style=Regular"], capture_output=True, text=True
    ).stdout
    file, index, families = [*out.split("|"), "", "", ""][:3]
    return (file, int(index)) if family in families.split(",") else None


def test_our_pdf_draws_chinese_forms_not_japanese(libreoffice):
    """pdffonts calls Debian's embedded Noto CJK subset "…CJKjp…" whatever face of the collection
    is used, so the forms are checked on the page itself: each test character, cut out of the
    rendered PDF, is nearer (in differing pixels) to the SC face's drawing than to the JP face's.
    LibreOffice picks the collection's face by the text's language: with python-docx's ja-JP this
    test fails (骨 nearer the JP form), with the Word file's zh-CN it passes."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    sc, jp = _face_file("Noto Serif CJK SC"), _face_file("Noto Serif CJK JP")
    if sc is None or jp is None:
        pytest.skip("Noto Serif CJK SC and JP are not both installed")
    import pypdfium2 as pdfium

    report = _report()
    values = dict(report.values)
    values["overview.summary"] = f"{FORM_TEST}。" + str(values["overview.summary"])
    data = render(dataclasses.replace(report, values=values), "pdf")
    page = pdfium.PdfDocument(data)[0]
    text = page.get_textpage()
    scale = 8
    image = page.render(scale=scale).to_pil().convert("L")
    height = page.get_height()

    def ink(im):
        return im.point(lambda v: 0 if v < 128 else 255)

    found = text.get_text_range().find(FORM_TEST)
    assert found >= 0, "the test characters are not on the first page"
    for i, ch in enumerate(FORM_TEST):
        left, bottom, right, top = text.get_charbox(found + i)
        cut = ink(
            image.crop(
                (int(left * scale), int((height - top) * scale), int(right * scale), int((height - bottom) * scale))
            )
        )
        box = ImageChops.invert(cut).getbbox()
        assert box is not None, ch
        cut = cut.crop(box)
        distance = {}
        for form, (file, index) in (("SC", sc), ("JP", jp)):
            font = ImageFont.truetype(file, 400, index=index)
            drawn = Image.new("L", (600, 600), 255)
            ImageDraw.Draw(drawn).text((50, 50), ch, font=font, fill=0)
            drawn = ink(drawn)
            drawn = drawn.crop(ImageChops.invert(drawn).getbbox()).resize(cut.size)
            distance[form] = sum(ImageChops.difference(ink(drawn), cut).histogram()[1:])
        assert distance["SC"] < distance["JP"], (ch, distance)
