"""Plain text: reads well in a terminal and pastes cleanly into a website's editor.

One line per paragraph (indented with two full-width spaces, as Chinese plain text is), and the
tables as box grids with their merged cells, for terminals and fixed-width fonts: every character
counted by its East Asian width (`width`). A proportional font cannot keep any grid straight: the
`cms` format is the one to paste into a website's editor.
"""

from __future__ import annotations

from dataclasses import replace

from xltools.render.document import (
    DRAFT_NOTE,
    HEADER,
    INVALID,
    PROBLEMS_TITLE,
    VALUE,
    Cell,
    Document,
    Grid,
    Paragraph,
)
from xltools.text import wide

INDENT = "\u3000\u3000"
MAX_CELL = 16  # display columns before a cell's text wraps
MAX_HEADER = 8
MAX_TALL = 8  # a cell spanning several rows wraps narrow and uses its height
MAX_TABLE = 110  # a wider table gets narrower header cells
_NO_LINE_START = set("，。、；：？！）》」』】〕”’,.;:?!)%")


def render_document(doc: Document) -> bytes:
    return text_of(doc).encode("utf-8")


def text_of(doc: Document) -> str:
    lines: list[str] = []
    if doc.banner:
        lines += [f"【{doc.banner}】{DRAFT_NOTE}", ""]
    if doc.problems:
        lines += [PROBLEMS_TITLE.format(n=len(doc.problems))]
        lines += [f"{i}. {p.line}" for i, p in enumerate(doc.problems, start=1)]
        lines += [""]
    lines += [doc.title, ""]
    lines += [_para(p) for p in doc.preamble]
    for part in doc.parts:
        lines += ["", part.title]
        for block in part.blocks:
            if isinstance(block, Grid):
                lines += draw_grid(marked(block))
            else:
                lines.append(_para(block))
    return "\n".join(lines) + "\n"


def _para(p: Paragraph) -> str:
    return INDENT + p.full


def marked(grid: Grid) -> Grid:
    """A draft's grid as plain text shows it: a refused value in 【】, an unknown total as —."""
    cells = tuple(replace(c, text=f"【{c.text}】") if c.mark == INVALID else c for c in grid.cells)
    return replace(grid, cells=cells)


# --- grids --------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Display width in a Chinese terminal or fixed-width font: wide and full-width characters take
    two columns, and so do the ambiguous ones (“ ” ‘ ’ … — · ①), which Chinese fonts and terminals
    in a Chinese locale draw wide (counting them narrow shifted 3.危及“三安全一稳定” by two columns)."""
    return sum(2 if wide(ch) else 1 for ch in text)


def wrap(text: str, limit: int) -> list[str]:
    """Break text into lines of at most `limit` display columns (CJK text has no spaces to break at).

    Closing punctuation never starts a line: the character before it moves down with it.
    """
    lines, line, w = [], "", 0
    for ch in text:
        cw = width(ch)
        if line and w + cw > limit:
            carry = line[-1] if ch in _NO_LINE_START and len(line) > 1 else ""
            lines.append(line[: len(line) - len(carry)])
            line, w = carry, width(carry)
        line += ch
        w += cw
    if line or not lines:
        lines.append(line)
    return lines


def _cap(c: Cell, header: int, label: int) -> int:
    if c.kind == VALUE:
        return max(width(c.text), 1)
    if c.rowspan >= 3:
        return MAX_TALL
    return header if c.kind == HEADER else label


def _column_widths(grid: Grid) -> list[int]:
    for header in (MAX_HEADER, MAX_HEADER // 2):
        widths = _widths(grid, header)
        if sum(widths) + 3 * grid.n_cols + 1 <= MAX_TABLE:
            break
    return widths


def _widths(grid: Grid, header: int, label: int = MAX_CELL) -> list[int]:
    widths = [2] * grid.n_cols
    for c in grid.cells:
        if c.colspan == 1:
            widths[c.col] = max(widths[c.col], min(width(c.text), _cap(c, header, label)))
    for c in grid.cells:  # a wide value across merged columns widens the last of them
        if c.colspan > 1 and c.kind == VALUE:
            span = sum(widths[c.col : c.col + c.colspan]) + 3 * (c.colspan - 1)
            if width(c.text) > span:
                widths[c.col + c.colspan - 1] += width(c.text) - span
    return widths


def _span_width(widths: list[int], c: Cell) -> int:
    return sum(widths[c.col : c.col + c.colspan]) + 3 * (c.colspan - 1)


def _pad(text: str, w: int, kind: str) -> str:
    gap = w - width(text)
    if kind == VALUE:
        return " " * gap + text
    if kind == HEADER:
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def draw_grid(grid: Grid) -> list[str]:
    """The grid drawn with + - | borders. A merged cell has no inner borders: its text runs on
    through the lines of all its rows, centred vertically. Border lines carry no text, so every
    line is either a rule or a row of cells (what `xltools import` reads back)."""
    widths = _column_widths(grid)
    m = grid.matrix()
    wrapped = {(c.row, c.col): wrap(c.text, _span_width(widths, c)) for c in grid.cells}
    heights = [1] * grid.n_rows
    for c in grid.cells:
        if c.rowspan == 1:
            heights[c.row] = max(heights[c.row], len(wrapped[(c.row, c.col)]))
    for c in grid.cells:  # a tall cell whose text does not fit its rows gets more room in its last row
        need = len(wrapped[(c.row, c.col)]) - _room(heights, c)
        if need > 0:
            heights[c.row + c.rowspan - 1] += need

    def owner(r: int, k: int) -> Cell | None:
        return m[r][k] if 0 <= r < grid.n_rows and 0 <= k < grid.n_cols else None

    def vbar(r: int, j: int) -> bool:
        """A vertical line at column boundary j (left of column j) in row r."""
        return j in (0, grid.n_cols) or owner(r, j - 1) is not owner(r, j)

    starts = {(c.row, c.col): _first_line(heights, c, len(wrapped[(c.row, c.col)])) for c in grid.cells}

    def text_at(c: Cell, line: int) -> str:
        """The text of a cell on its `line`-th text line."""
        lines = wrapped[(c.row, c.col)]
        i = line - starts[(c.row, c.col)]
        return lines[i] if 0 <= i < len(lines) else ""

    def border(r: int) -> str:
        """The line above row r (r == n_rows: the bottom line)."""
        out = []
        for j in range(grid.n_cols + 1):
            up = r > 0 and vbar(r - 1, j)
            down = r < grid.n_rows and vbar(r, j)
            left = j > 0 and owner(r - 1, j - 1) is not owner(r, j - 1)
            right = j < grid.n_cols and owner(r - 1, j) is not owner(r, j)
            out.append(
                "+" if (up or down) and (left or right) else "|" if up or down else "-" if left or right else " "
            )
            if j < grid.n_cols:
                out.append(("-" if right else " ") * (widths[j] + 2))
        return "".join(out)

    lines = [border(0)]
    for r in range(grid.n_rows):
        for i in range(heights[r]):
            out = []
            k = 0
            while k < grid.n_cols:
                c = m[r][k]
                if c is None:
                    out.append("| " + " " * widths[k] + " ")
                    k += 1
                    continue
                line = sum(heights[c.row : r]) + i
                out.append("| " + _pad(text_at(c, line), _span_width(widths, c), c.kind) + " ")
                k += c.colspan
            lines.append("".join(out) + "|")
        lines.append(border(r + 1))
    return lines


def _first_line(heights: list[int], c: Cell, n: int) -> int:
    """Where a cell's n text lines start, counted in text lines from its top: within one of its
    rows when one is tall enough (the one nearest its middle, so no rule cuts through the text),
    else centred over all of them."""
    rows = range(c.row, c.row + c.rowspan)
    middle = (c.rowspan - 1) / 2
    fits = sorted((r for r in rows if heights[r] >= n), key=lambda r: (abs(r - c.row - middle), -r))
    if fits:
        r = fits[0]
        return sum(heights[c.row : r]) + (heights[r] - n) // 2
    return (_room(heights, c) - n) // 2


def _room(heights: list[int], c: Cell) -> int:
    """Text lines inside a cell: its rows' lines."""
    return sum(heights[c.row : c.row + c.rowspan])


__all__ = ["draw_grid", "render_document", "text_of", "width", "wrap"]
