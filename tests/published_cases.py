"""Published-report inputs that once hung the readers, took gigabytes or crashed them, made small
in code: Word packages written by hand, pathological web pages, large ordinary pages
and texts. tests/test_bounds.py runs each under CPU and memory limits; tests/test_published_bounds.py
checks what the readers make of them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TEXT = ROOT / "tests" / "fixtures" / "published" / "suoluo-2024-report.txt"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/numbering.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" '
    'Target="numbering.xml"/></Relationships>'
)


def paragraph(text: str, *, style: str | None = None, num: tuple[str, str] | None = None) -> str:
    """A w:p: `style` its pStyle, `num` its (numId, ilvl) as written (may be anything)."""
    props = ""
    if style is not None:
        props += f'<w:pStyle w:val="{style}"/>'
    if num is not None:
        props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    ppr = f"<w:pPr>{props}</w:pPr>" if props else ""
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"


def level(ilvl: str, *, start: str = "1", fmt: str = "chineseCounting", text: str = "%1、") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
    )


def docx(body: str, *, styles: str = "", levels: str | None = None) -> bytes:
    """A Word package: `body` the w:body's paragraphs, `styles` the w:style elements, `levels`
    the w:lvl elements of list 1 (numId 1)."""
    numbering = (
        f'<w:numbering xmlns:w="{_W}"><w:abstractNum w:abstractNumId="0">{levels or level("0")}</w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "word/_rels/document.xml.rels": _DOCUMENT_RELS,
        "word/document.xml": f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>',
        "word/styles.xml": f'<w:styles xmlns:w="{_W}">{styles}</w:styles>',
        "word/numbering.xml": numbering,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def style(sid: str, *, based_on: str | None = None, numbered: bool = False) -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    num = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>' if numbered else ""
    return f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{sid}"/>{based}{num}</w:style>'


def report_paragraphs() -> list[str]:
    """The example report's lines (a real report's words, tables as `|` lines)."""
    return [line for line in EXAMPLE_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def style_cycle_docx() -> bytes:
    """Two paragraph styles based on each other (A→B→A) in a numbered document: the style walk
    once went round forever (43 KB hung check, import and whole batches)."""
    styles = style("A", based_on="B") + style("B", based_on="A") + style("C", based_on="C")
    body = "".join(paragraph(_escape(t), style=("A", "B", "C")[i % 3]) for i, t in enumerate(report_paragraphs()))
    body += paragraph("标题", num=("1", "0"))
    return docx(body, styles=styles)


def many_paragraphs_docx(count: int = 330_000) -> bytes:
    """330,000 styled paragraphs (961 KB): one XPath over styles.xml per paragraph made it > 120 s."""
    styles = style("Normal") + "".join(style(f"S{i}", based_on=f"S{i - 1}" if i else "Normal") for i in range(30))
    body = "".join(paragraph(f"{i * 7919 % 1000003}", style=f"S{i % 30}") for i in range(count))
    return docx(body, styles=styles)


def dense_paragraphs_docx(count: int = 760_000) -> bytes:
    """760,000 short paragraphs of random numbers (1.8 MB, 26 MB inflated, under the bomb ratio):
    python-docx's tree of them took 431 MB, near the 500 MB bound, before they were counted."""
    import random

    r = random.Random(25)
    return docx("".join(f"<w:p><w:r><w:t>{r.randrange(1000)}</w:t></w:r></w:p>" for _ in range(count)))


def dense_runs_docx(paragraphs: int = 7_000, runs: int = 100) -> bytes:
    """Few paragraphs of many runs (2.1 million elements, 16 MB inflated): as costly a tree as
    too many paragraphs (308 MB), yet under the paragraph limit."""
    import random

    r = random.Random(26)
    return docx(
        "".join(
            "<w:p>" + "".join(f"<w:r><w:t>{r.randrange(1000)}</w:t></w:r>" for _ in range(runs)) + "</w:p>"
            for _ in range(paragraphs)
        )
    )


def numbering_docx(case: str) -> bytes:
    """Word numbering that once raised IndexError/ValueError: a Chinese-numbered list reaching
    100 or starting there, w:ilvl 9 and beyond, w:ilvl and w:start that are not numbers."""
    if case == "reaches-100":
        return docx("".join(paragraph(f"第{i}项", num=("1", "0")) for i in range(1, 106)))
    if case == "starts-at-100":
        return docx(paragraph("甲", num=("1", "0")) + paragraph("乙", num=("1", "0")), levels=level("0", start="100"))
    if case == "ilvl-9":
        levels = level("0") + level("9", fmt="decimal", text="%10.") + level("12")
        body = paragraph("甲", num=("1", "0")) + paragraph("乙", num=("1", "9")) + paragraph("丙", num=("1", "12"))
        return docx(body, levels=levels)
    if case == "ilvl-9-in-numbering":
        return docx(paragraph("甲", num=("1", "0")), levels=level("0") + level("9") + level("-1"))
    if case == "ilvl-text":
        return docx(
            paragraph("甲", num=("1", "x")) + paragraph("乙", num=("one", "0")), levels=level("0") + level("二")
        )
    if case == "start-text":
        return docx(paragraph("甲", num=("1", "0")) + paragraph("乙", num=("1", "0")), levels=level("0", start="一"))
    raise ValueError(case)


NUMBERING_CASES = ("reaches-100", "starts-at-100", "ilvl-9", "ilvl-9-in-numbering", "ilvl-text", "start-text")


# --- web pages ----------------------------------------------------------------------------------------


def formatting_bomb(n: int = 3000) -> bytes:
    """`<p><b class=c0>x<p><b class=c1>x…`: every <p> closes the previous one, so html5lib's
    adoption agency reopens all open <b> elements each time: the cost grew with the square (85 KB:
    60 s and 3 GB)."""
    return ("<!doctype html><body>" + "".join(f"<p><b class=c{i}>x" for i in range(n))).encode()


def nested_divs(n: int = 20_000) -> bytes:
    """n nested <div>: 20,000 (250 KB) took 22 s, 100,000 over 300 s."""
    return ("<!doctype html><body>" + "<div>" * n + "x" + "</div>" * n).encode()


def example_page() -> bytes:
    """The example report as our own html output (a page that reads as the correct report)."""
    from xltools import api

    return api.render(api.load_report(ROOT / "examples" / "suoluo-2024.json").report, "html")


def _into_body(page: bytes, extra: bytes) -> bytes:
    at = page.rindex(b"</body>")
    return page[:at] + extra + page[at:]


def big_page(megabytes: int = 27) -> bytes:
    """The example page made large by text in few elements (a 27 MB page took 20 s)."""
    page = example_page()
    filler = ("<p>" + "本机关依法公开政府信息。" * 2000 + "</p>").encode()
    return _into_body(page, filler * max(0, ((megabytes << 20) - len(page)) // len(filler)))


def many_paragraphs_page(count: int = 60_000) -> bytes:
    """The example page followed by many short paragraphs (2.5 MB)."""
    return _into_body(example_page(), b"".join(b"<p>%d</p>" % i for i in range(count)))


def big_table_page(rows: int = 10_000) -> bytes:
    """The example page with a 10,000-row table after it (a 3 MB such page took 15 s)."""
    cells = "".join(
        f'<tr><td style="border:1px solid">第{i}行</td><td style="border:1px solid">{i}</td>'
        f'<td style="border:1px solid">{i * 2}</td><td style="border:1px solid">{i * 3}</td></tr>'
        for i in range(rows)
    )
    return _into_body(example_page(), f"<table>{cells}</table>".encode())


def big_text(megabytes: int = 29) -> bytes:
    """An ordinary text made large (29 MB took 34 s)."""
    head = EXAMPLE_TEXT.read_text(encoding="utf-8")
    filler = "本机关依法公开政府信息，" * 40 + "\n"
    count = max(0, (megabytes << 20) - len(head.encode())) // len(filler.encode())
    return (head + filler * count).encode("utf-8")


def utf16_text() -> bytes:
    """The example report saved by Notepad as "Unicode": UTF-16 LE with a BOM."""
    return EXAMPLE_TEXT.read_text(encoding="utf-8").encode("utf-16")
