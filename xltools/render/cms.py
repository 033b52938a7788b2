"""An html fragment for the editors of government websites' back ends (TRS and other 内容管理系统).

Such editors keep what a paste brings only when it is plain: no <style>, no classes or ids, no
scripts, tables with border/cellpadding attributes and inline styles. So this is the report's
body alone, every look written inline: pasted (or put into the editor's source view), it keeps
its merged table headers and reads as published.
"""

from __future__ import annotations

from html import escape

from xltools.render.document import (
    DRAFT_NOTE,
    HEADER,
    INVALID,
    LABEL,
    PROBLEMS_TITLE,
    RELATED,
    UNKNOWN,
    Cell,
    Document,
    Grid,
    Paragraph,
)

FONT = "font-family:仿宋,仿宋_GB2312,FangSong,serif;"
P = f"margin:0 0 0.6em;text-indent:2em;line-height:1.8;font-size:16px;{FONT}"
H1 = "margin:0.5em 0 1em;text-align:center;font-size:22px;font-weight:bold;line-height:1.5;"
H2 = "margin:1.2em 0 0.5em;font-size:16px;font-weight:bold;font-family:黑体,SimHei,sans-serif;"
LEAD = "font-family:楷体,楷体_GB2312,KaiTi,serif;font-weight:bold;"
TABLE = "border-collapse:collapse;width:100%;font-size:14px;line-height:1.4;"
CELL = "border:1px solid #000;padding:3px 4px;vertical-align:middle;"
RED = "color:#c00000;"
MARK = "color:#c00000;text-decoration:underline wavy #c00000;"


def render_document(doc: Document) -> bytes:
    return fragment_of(doc).encode("utf-8")


def fragment_of(doc: Document) -> str:
    out: list[str] = []
    if doc.banner:
        out.append(
            f'<p style="{P}{RED}text-indent:0;font-weight:bold;">【{escape(doc.banner)}】{escape(DRAFT_NOTE)}</p>'
        )
    if doc.problems:
        out.append(f'<p style="{P}{RED}text-indent:0;">{escape(PROBLEMS_TITLE.format(n=len(doc.problems)))}</p>')
        out.append(f'<ol style="{RED}">' + "".join(f"<li>{escape(p.line)}</li>" for p in doc.problems) + "</ol>")
    out.append(f'<p style="{H1}">' + "<br>".join(escape(line) for line in doc.title_parts) + "</p>")
    out += [_para(p) for p in doc.preamble]
    for part in doc.parts:
        out.append(f'<p style="{H2}">{escape(part.title)}</p>')
        for block in part.blocks:
            out.append(_table(block) if isinstance(block, Grid) else _para(block))
    return "\n".join(out) + "\n"


def _para(p: Paragraph) -> str:
    lead = f'<span style="{LEAD}">{escape(p.lead)}</span>' if p.lead else ""
    text = f'<span style="{MARK}">{escape(p.text)}</span>' if p.invalid else escape(p.text)
    align = "text-align:justify;" if p.justify else "text-align:left;"
    return f'<p style="{P}{align}">{lead}{text}</p>'


def _cell(c: Cell) -> str:
    spans = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    if c.kind == HEADER:
        return (
            f'<th{spans} style="{CELL}text-align:center;font-weight:normal;background:#f2f2f2;">{escape(c.text)}</th>'
        )
    if c.kind == LABEL:
        return f'<td{spans} style="{CELL}text-align:left;">{escape(c.text)}</td>'
    look = {INVALID: "background:#ffe1e1;font-weight:bold;" + MARK, RELATED: "background:#fff6dc;", UNKNOWN: RED}.get(
        c.mark or "", ""
    )
    return f'<td{spans} style="{CELL}text-align:center;white-space:nowrap;{look}">{escape(c.text)}</td>'


def _table(grid: Grid) -> str:
    rows = grid.rows()
    lines = [f'<table border="1" cellspacing="0" cellpadding="4" width="100%" style="{TABLE}">']
    if grid.header_rows:
        lines.append("<thead>")
        lines += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows[: grid.header_rows]]
        lines.append("</thead>")
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows[grid.header_rows :]]
    lines.append("</tbody>")
    lines.append("</table>")
    return "\n".join(lines)


__all__ = ["fragment_of", "render_document"]
