"""HTML: one standalone UTF-8 page for the 信息公开 column of a government website.

Tables carry the official merged headers (rowspan/colspan, docs/format.md §7); every piece of staff
text is escaped; the page prints on A4 with the table headers repeated on each page.
"""

from __future__ import annotations

import re
from html import escape

from xltools.render.breaks import label_pieces
from xltools.render.document import DRAFT_NOTE, HEADER, LABEL, PROBLEMS_TITLE, VALUE, Cell, Document, Grid

CSS = """
:root { --ink: #1a1a1a; --line: #444; --head: #f2f2f2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font-family: "FangSong", "仿宋", "FangSong_GB2312", "仿宋_GB2312", "Noto Serif CJK SC", "Songti SC", serif;
       font-size: 16px; line-height: 1.8; }
main { max-width: 60em; margin: 0 auto; padding: 2em 1.5em 4em; }
h1 { font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimSun", "宋体", "Noto Serif CJK SC", serif;
     font-size: 1.6em; font-weight: normal; text-align: center; line-height: 1.5; margin: 0.5em 0 1em; }
h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 1.1em; font-weight: normal;
     margin: 1.4em 0 0.6em; }
p { margin: 0 0 0.6em; text-indent: 2em; text-align: justify; }
.lead { font-family: "KaiTi", "楷体", "KaiTi_GB2312", "楷体_GB2312", serif; font-weight: bold; }
.draft { border: 3px solid #c00000; color: #c00000; padding: 0.6em 1em; margin: 0 0 1.5em; text-indent: 0;
         font-family: "SimHei", "黑体", sans-serif; font-size: 1.1em; }
.table-wrap { overflow-x: auto; margin: 0.6em 0 1.2em; }
table { border-collapse: collapse; width: 100%; font-size: 14px; line-height: 1.4; }
th, td { border: 1px solid var(--line); padding: 0.3em 0.4em; vertical-align: middle; }
th { background: var(--head); font-weight: normal; text-align: center; }
th.label { text-align: left; background: none; }
caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.nw { white-space: nowrap; }
.kw { word-break: keep-all; }
h1 .nw { display: inline-block; white-space: normal; } /* breaks between its pieces; inside one only if it is wider than the page */
td.value { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.value { min-width: 2.6em; }
/* the caption is for screen readers: the part heading above already says it on screen */
.invalid { color: #c00000; text-decoration: underline wavy #c00000; text-decoration-skip-ink: none; }
td.unknown { color: #c00000; }
/* a draft: the cell that is itself wrong strongly (red fill, red figure); the other cells of a
   relation that does not hold lightly (amber dots), for one of them is wrong, not all */
td.invalid { background: #ffe1e1; font-weight: bold; }
td.related { background: #fff6dc; outline: 2px dotted #b7791f; outline-offset: -3px; }
.problems { border: 1px solid #c00000; padding: 0.4em 1em; margin: 0 0 1.5em; color: #c00000; }
.problems h2 { margin: 0.3em 0; }
.problems li { margin: 0.2em 0; }
.problems .where { font-family: "SimHei", "黑体", sans-serif; }
@media print {
  @page { size: A4; margin: 20mm 18mm 22mm;
          @bottom-center { content: "— " counter(page) " —"; font-family: "SimSun", "宋体", serif; font-size: 11pt; } }
  body { font-size: 12pt; }
  main { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  table { font-size: 9pt; page-break-inside: auto; }
  thead { display: table-header-group; }
  tr, th, td { page-break-inside: avoid; break-inside: avoid; }
  h2 { page-break-after: avoid; break-after: avoid; }
  caption, thead, thead tr { break-after: avoid; }
  .table-wrap { break-before: auto; }
  .draft { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_document(doc: Document) -> bytes:
    return page_of(doc).encode("utf-8")


def page_of(doc: Document) -> str:
    title = (f"【{doc.banner}】" if doc.banner else "") + doc.title
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="xltools">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    if doc.banner:
        out.append(f'<p class="draft" role="alert"><strong>{escape(doc.banner)}</strong> {escape(DRAFT_NOTE)}</p>')
    if doc.problems:
        out.append('<section class="problems" aria-labelledby="problems-title">')
        out.append(f'<h2 id="problems-title">{escape(PROBLEMS_TITLE.format(n=len(doc.problems)))}</h2>')
        out.append("<ol>")
        for p in doc.problems:
            where = f'<span class="where">{escape(p.where)}</span> ' if p.where else ""
            out.append(f"<li>{where}{unbroken(p.message)}</li>")
        out.append("</ol>")
        out.append("</section>")
    out.append(f"<h1>{title_html(doc)}</h1>")
    out += [_para(p) for p in doc.preamble]
    for i, part in enumerate(doc.parts, start=1):
        out.append(f'<section id="part-{i}">')
        out.append(f"<h2>{escape(part.title)}</h2>")
        for block in part.blocks:
            out.append(grid_html(block) if isinstance(block, Grid) else _para(block))
        out.append("</section>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def title_html(doc: Document) -> str:
    """The title's lines as unbreakable pieces: a narrow screen wraps between them, never inside a
    word ("…2024年政府／信息公开…")."""
    return "".join(f'<span class="nw">{escape(line)}</span>' for line in doc.title_parts)


def header_text(text: str) -> str:
    """A column heading that breaks only between its words: 自然人 and 申请人情况 never break;
    商业企业, 结果维持 and 本年处理决定数量 break only between their two-character words."""
    n = len(text)
    if n <= 3 or n == 5:
        return f'<span class="nw">{escape(text)}</span>'
    if n % 2 == 0 and n <= 8 and not any(ch in text for ch in "（）()、，："):
        return '<span class="kw">' + "<wbr>".join(escape(text[i : i + 2]) for i in range(0, n, 2)) + "</span>"
    return escape(text)


# A date, or a number with its unit, is never broken across lines ("至12 / 月31日").
_UNBROKEN = re.compile(
    r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d[\d,.]*(?:\s?[%％]|[件条元万次个项年])?"
)


def unbroken(text: str) -> str:
    """The text escaped, each date and each number with its unit kept on one line."""
    out, at = [], 0
    for m in _UNBROKEN.finditer(text):
        if len(m.group(0)) > 1:
            out += [escape(text[at : m.start()]), f'<span class="nw">{escape(m.group(0))}</span>']
            at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def label_html(text: str) -> str:
    """A row's label that the browser can break only where Word's layout may (render/breaks.py):
    after its enumerator when its words are short (（三）/不予公开), else never inside the
    enumerator and its first two characters (1.属于/…) nor inside its last two (…禁止/公开)."""
    leader, head, middle, tail = label_pieces(text)
    out = f"{escape(leader)}<wbr>" if leader else ""
    out += f'<span class="nw">{escape(head)}</span>' if len(head) > 1 else escape(head)
    out += escape(middle)
    return out + (f'<span class="nw">{escape(tail)}</span>' if tail else "")


def _para(p) -> str:
    """A paragraph; one the program wrote (not staff) is marked, for reviewers and stylesheets."""
    lead = f'<span class="lead">{escape(p.lead)}</span>' if p.lead else ""
    classes = " ".join(c for c, on in (("generated", p.generated), ("invalid", p.invalid)) if on)
    cls = f' class="{classes}"' if classes else ""
    if not p.justify:  # an address and numbers: justification would spread the characters apart
        cls += ' style="text-align: left"'
    return f"<p{cls}>{lead}{unbroken(p.text)}</p>"


def _cell(c: Cell, in_head: bool) -> str:
    spans = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    if c.kind == HEADER:
        scope = ' scope="colgroup"' if c.colspan > 1 else ' scope="col"'
        return f"<th{spans}{scope}>{header_text(c.text)}</th>"
    if c.kind == LABEL:  # a row's heading: screen readers announce it with each number of the row
        scope = ' scope="rowgroup"' if c.rowspan > 1 else ' scope="row"'
        return f'<th class="label"{spans}{scope}>{label_html(c.text)}</th>'
    cls = "value" + (f" {c.mark}" if c.mark else "")
    data = f' data-field="{escape(c.field)}"' if c.field else ""
    note = f' title="{escape(c.note)}"' if c.note else ""
    assert c.kind in (VALUE, LABEL)
    return f'<td class="{cls}"{spans}{data}{note}>{escape(c.text)}</td>'


def grid_html(grid: Grid) -> str:
    rows = grid.rows()
    lines = [f'<div class="table-wrap"><table id="table-{grid.id}" class="report-table">']
    if grid.caption:
        lines.append(f"<caption>{escape(grid.caption)}</caption>")
    if grid.header_rows:
        lines.append("<thead>")
        lines += ["<tr>" + "".join(_cell(c, True) for c in row) + "</tr>" for row in rows[: grid.header_rows]]
        lines.append("</thead>")
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(_cell(c, False) for c in row) + "</tr>" for row in rows[grid.header_rows :]]
    lines.append("</tbody>")
    lines.append("</table></div>")
    return "\n".join(lines)


__all__ = ["grid_html", "label_html", "page_of", "render_document"]
