"""Reading a report saved as plain text: one paragraph a line, tables either flattened into
`label | values` rows (as scraped from the web; tab-separated when copied out of a browser) or drawn as a grid of merged cells with + - |
(as `xltools build` writes them, CJK characters two columns wide)."""

from __future__ import annotations

import itertools
import re
import unicodedata

from xltools.published.blocks import MAX_BLOCKS, Block, Blocks, check_size, clean, decode_text, too_many_blocks

# Column separators: the ASCII bar of scraped text and the box-drawing bars of a drawn grid.
_SEPARATORS = "|｜│┃║"
_SPLIT = re.compile(f"[{_SEPARATORS}]|\t+")  # a table copied out of a browser comes tab-separated
# A ruling line of a drawn grid: nothing but rules, corners and spaces.
_RULE = re.compile(r"^[\s+\-=_─━═┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫│┃║|｜:]*$")


def read_txt(data: bytes) -> list[Block]:
    check_size(data)
    text = decode_text(data, "文本文件")
    return blocks_of_text(text)


def blocks_of_text(text: str) -> list[Block]:
    blocks = Blocks()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if sum(1 for line in lines if line.strip()) > MAX_BLOCKS:  # before any line is read
        raise too_many_blocks()
    i = 0
    while i < len(lines):
        if _GRID_EDGE.match(lines[i].strip()):
            end = i + 1
            while end < len(lines) and lines[end].strip()[:1] in ("+", "|"):
                end += 1
            rows = grid_rows([ln.strip() for ln in lines[i:end]])
            if rows:
                blocks += [Block.row(r) if len(r) > 1 else Block(r[0]) for r in rows]
                i = end
                continue
        line = lines[i]
        i += 1
        stripped = clean(line)
        if not stripped:
            continue
        if _SPLIT.search(stripped):
            if _RULE.match(stripped):
                continue
            cells = [clean(c) for c in _SPLIT.split(stripped)]
            if stripped[0] in _SEPARATORS:  # a drawn grid's left border
                cells = cells[1:]
            blocks.append(Block.row(cells))
        elif not _RULE.match(stripped) or not set(stripped) & set("-=─━═"):
            blocks.append(Block(stripped))
    return blocks


_GRID_EDGE = re.compile(r"^\+-[-+]*\+$")


def _cells_matrix(lines: list[str]) -> list[list[str]]:
    """Each line as display columns: a wide (CJK) character fills two, the second left empty."""
    matrix = []
    for line in lines:
        row: list[str] = []
        for ch in line:
            row.append(ch)
            if unicodedata.east_asian_width(ch) in ("W", "F", "A"):  # “ ” … — wide, as our text grids draw them
                row.append("")
        matrix.append(row)
    return matrix


_RULE_PIECE = re.compile(r"[+]-|-[+]")


def _is_rule(line: str) -> bool:
    return "+" in line and set(line) <= set("+-| ")


def grid_rows(lines: list[str]) -> list[list[str]]:
    """A drawn grid's cells, each once, grouped by the line its top edge is on, left to right:
    the same rows an HTML table with rowspan/colspan gives.

    The geometry comes from the ruling lines, which are exact; a text line whose bars drifted
    (a wide character counted narrow, a cell overfilled by one) is snapped onto the borders of
    the rules around it, bar for bar.
    """
    m = _cells_matrix(lines)
    width = max((len(r) for r in m), default=0)

    def at(y: int, x: int) -> str:
        return m[y][x] if 0 <= y < len(m) and 0 <= x < len(m[y]) else " "

    rules = [k for k, line in enumerate(lines) if _is_rule(line) or _RULE_PIECE.search(line)]
    texts: dict[tuple[int, int], str] = {}
    for k in rules:  # a merged cell's text may run across a rule line drawn beside it
        edges = [x for x, ch in enumerate(m[k]) if ch in ("|", "+")]
        for left, right in itertools.pairwise(edges):
            piece = m[k][left + 1 : right]
            if "-" not in piece and "".join(piece).strip():
                texts[(k, left)] = "".join(piece).strip()
                m[k][left + 1 : right] = [" "] * len(piece)
    for k in range(len(m)):
        if k in rules:
            continue
        above = max((r for r in rules if r < k), default=None)
        below = min((r for r in rules if r > k), default=None)
        if above is None or below is None:
            return []
        bars = [x for x, ch in enumerate(m[k]) if ch == "|"]
        borders = [x for x in range(width) if at(above, x) in ("+", "|") and at(below, x) in ("+", "|")]
        snapped = borders if len(bars) == len(borders) else bars
        for i in range(len(bars) - 1):
            texts[(k, snapped[i])] = "".join(m[k][bars[i] + 1 : bars[i + 1]]).strip()
        m[k] = [" "] * width
        for x in snapped:
            m[k][x] = "|"

    cells: list[tuple[int, int, str]] = []
    for y in range(len(m) - 1):
        for x, ch in enumerate(m[y]):
            if ch != "+" or at(y, x + 1) != "-" or at(y + 1, x) not in ("|", "+"):
                continue
            x2 = next((k for k in range(x + 1, len(m[y])) if at(y, k) == "+" and at(y + 1, k) in ("|", "+")), None)
            y2 = next((k for k in range(y + 1, len(m)) if at(k, x) == "+" and at(k, x + 1) == "-"), None)
            if x2 is None or y2 is None:
                return []
            cells.append((y, x, "".join(texts.get((k, x), "") for k in range(y + 1, y2))))
    rows: dict[int, list[str]] = {}
    for y, _x, text in sorted(cells):
        rows.setdefault(y, []).append(text)
    return [r for _, r in sorted(rows.items()) if any(c for c in r)]
