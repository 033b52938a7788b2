"""Markdown: headings, paragraphs and pipe tables.

Pipe tables cannot merge cells, so each table is flattened the way published reports flatten
them: merged label columns become one "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密"
label, stacked header cells become one "法人或其他组织 / 商业企业" header, a header row spanning
the whole table (第二十条第（一）项) becomes a caption, and a block of rows starts a new table.
"""

from __future__ import annotations

from xltools.render.document import DRAFT_NOTE, HEADER, PROBLEMS_TITLE, VALUE, Cell, Document, Grid
from xltools.render.txt import marked

SEP = " / "


def render_document(doc: Document) -> bytes:
    return markdown_of(doc).encode("utf-8")


def markdown_of(doc: Document) -> str:
    out: list[str] = []
    if doc.banner:
        out += [f"> **{doc.banner}** {escape(DRAFT_NOTE)}", ""]
    if doc.problems:
        out += [f"**{escape(PROBLEMS_TITLE.format(n=len(doc.problems)))}**", ""]
        out += [f"{i}. {escape(p.line, line_start=False)}" for i, p in enumerate(doc.problems, start=1)]
        out += [""]
    out += [f"# {escape(doc.title)}", ""]
    for p in doc.preamble:
        out += [escape(p.full), ""]
    for part in doc.parts:
        out += [f"## {escape(part.title)}", ""]
        for block in part.blocks:
            if isinstance(block, Grid):
                out += grid_markdown(marked(block))
            elif block.lead:
                # Raw <strong>: CommonMark will not close ** between "。" and a CJK letter.
                out += [f"<strong>{escape(block.lead)}</strong>{escape(block.text, line_start=False)}", ""]
            else:
                out += [escape(block.text), ""]
    return "\n".join(out).rstrip("\n") + "\n"


_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})


def escape(text: str, *, line_start: bool = True) -> str:
    """Staff text as literal Markdown: no markup, no HTML, and (at a line start) no list or rule."""
    text = text.translate(_SPECIAL)
    if line_start and text:
        if text[0] in "+-=":
            text = "\\" + text
        elif text[0].isdigit():
            digits = len(text) - len(text.lstrip("0123456789"))
            if text[digits : digits + 1] in (".", ")"):
                text = text[:digits] + "\\" + text[digits:]
    return text


# --- tables -------------------------------------------------------------------------------------


def _segments(grid: Grid) -> list[tuple[int, int, int]]:
    """(first row, first body row, end row) of each block: a run of header rows and its body."""
    m = grid.matrix()
    is_header = [all(c is not None and c.kind == HEADER for c in row) for row in m]
    segs: list[tuple[int, int, int]] = []
    r = 0
    while r < grid.n_rows:
        start = r
        while r < grid.n_rows and is_header[r]:
            r += 1
        body = r
        while r < grid.n_rows and not is_header[r]:
            r += 1
        segs.append((start, body, r))
    return segs


def _distinct(cells: list[Cell | None]) -> list[str]:
    seen: list[Cell] = []
    for c in cells:
        if c is not None and c not in seen and c.text:
            seen.append(c)
    return [c.text for c in seen]


def grid_markdown(grid: Grid) -> list[str]:
    m = grid.matrix()
    out: list[str] = []
    for start, body, end in _segments(grid):
        rows = m[start:end]
        # Columns merged in every row of this block are one column here.
        groups: list[list[int]] = []
        for k in range(grid.n_cols):
            if groups and all(row[k] is row[groups[-1][-1]] for row in rows):
                groups[-1].append(k)
            else:
                groups.append([k])
        # Leading columns holding no value in the body are the label column.
        n_label = 0
        for g in groups:
            if all(m[r][k] is None or m[r][k].kind != VALUE for r in range(body, end) for k in g):
                n_label += 1
            else:
                break
        cols = ([[k for g in groups[:n_label] for k in g]] if n_label else []) + groups[n_label:]
        head_rows = [row for row in m[start:body] if not _full_width(row)]
        for row in m[start:body]:
            if _full_width(row):
                out += [f"**{escape(row[0].text)}**", ""]
        header = [SEP.join(_distinct([row[k] for row in head_rows for k in col])) for col in cols]
        body_rows = [[SEP.join(_distinct([row[k] for k in col])) for col in cols] for row in m[body:end]]
        if not head_rows:  # a table needs a header row: the first body row serves
            header, body_rows = body_rows[0], body_rows[1:]
        out.append(_row(header))
        out.append("|" + "|".join(" ---: " if _numeric(body_rows, i) else " --- " for i in range(len(cols))) + "|")
        out += [_row(r) for r in body_rows]
        out.append("")
    return out


def _full_width(row: list[Cell | None]) -> bool:
    return row[0] is not None and row[0].colspan == len(row)


def _numeric(rows: list[list[str]], i: int) -> bool:
    return bool(rows) and all(r[i].replace(".", "", 1).isdigit() or not r[i] for r in rows)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(escape(c, line_start=False) for c in cells) + " |"


__all__ = ["escape", "grid_markdown", "markdown_of", "render_document"]
