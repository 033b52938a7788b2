"""A1 cell references, one codec for the reader, the writer's layout and the web page's grid
(kept apart from both, so reading never imports the workbook writer)."""

from __future__ import annotations

import re

_A1 = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def col_name(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def col_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) -> D31."""
    return f"{col_name(col)}{row + 1}"


def parse_a1(ref: str | None) -> tuple[int, int] | None:
    """D31 (or $D$31, 三、依申请公开!D31) -> zero-based (30, 3); None for anything else."""
    m = _A1.fullmatch((ref or "").rsplit("!", 1)[-1])
    return (int(m.group(2)) - 1, col_index(m.group(1))) if m else None


__all__ = ["a1", "col_index", "col_name", "parse_a1"]
