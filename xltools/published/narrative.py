"""`build --narrative`: the narrative parts from a Word or text file written the way offices
write it, the numbers from the workbook. Whatever the file lacks falls back to the workbook's
text; a part found in neither is the usual S4 error.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from xltools import spec
from xltools.errors import UnusableInput
from xltools.model import Finding, Source
from xltools.published import NARRATIVE_FIELDS, blocks_of, file_notes, kind_of, read_file
from xltools.published.structure import read_structure
from xltools.rules.checker import check
from xltools.rules.registry import T3
from xltools.workbook.reader import read_input


def read_narrative(path: str | os.PathLike) -> tuple[dict[str, str], dict[str, object], list[Finding]]:
    """(narrative texts by path, the 信息处理费 the file states, notes). UnusableInput when the
    file has none of the part titles."""
    kind = kind_of(path, narrative=True)
    data = read_file(path)
    try:
        blocks = blocks_of(data, kind)
        st = read_structure(blocks, narrative_only=True)
    except UnusableInput as exc:
        exc.path = exc.path or str(path)
        raise
    if not st.found:
        titles = "、".join(title for _, title in spec.PARTS if title[:1] in "一五六")
        raise UnusableInput(
            f"文字稿中找不到部分标题（如 {titles}），程序无法判断各段文字属于哪一部分。"
            "请按年度报告的结构写：部分标题单独成行，一、总体情况下用（一）至（五）小标题。",
            code="not_narrative",
            path=str(path),
        )
    texts = {p: v for p, v in st.values.items() if p in NARRATIVE_FIELDS and isinstance(v, str) and v.strip()}
    return texts, st.fee_stated, file_notes(blocks) + st.notes


def merge_narrative(
    source: Source, texts: dict[str, str], fee: dict[str, object], notes: list[Finding], display: str
) -> Source:
    """The workbook's Source with the file's texts in place of the cells' (pure). A replaced text
    no longer sits in a cell, so its cell reference is dropped."""
    values = dict(source.values)
    cells = dict(source.cells)
    for path, text in texts.items():
        values[path] = text
        cells.pop(path, None)
    findings = list(source.findings) + [replace(n, message=f"文字稿 {display}：{n.message}") for n in notes]
    stated = fee.get("amount_yuan")
    if stated is not None:
        try:
            in_book = Decimal(str(source.values.get("processing_fee.amount_yuan") or 0))
            differs = Decimal(str(stated)) != in_book
        except InvalidOperation:
            differs = False
        if differs:
            findings.append(
                T3.finding(
                    "processing_fee.amount_yuan",
                    T3.say("differs", file=display, stated=stated, in_book=format(in_book, "f")),
                    cell=source.cell("processing_fee.amount_yuan"),
                )
            )
    return Source(source.path, source.kind, values, cells, findings)


def load_with_narrative(path: str | os.PathLike, narrative: str | os.PathLike, **check_options):
    """Read the workbook (or JSON), take the narrative from the file, check: what `build` uses."""

    texts, fee, notes = read_narrative(narrative)
    source = merge_narrative(read_input(path), texts, fee, notes, str(narrative))
    return check(source, **check_options)


__all__ = ["load_with_narrative", "merge_narrative", "read_narrative"]
