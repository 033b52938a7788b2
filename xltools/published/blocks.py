"""The document as the importer sees it, whatever the file type: paragraphs and table rows in
reading order. Each format reader (txt, html, docx) produces this; the structure reader only
ever looks at it, so the three formats cannot drift apart.

A table row keeps each printed cell once: a cell spanning columns (colspan, gridSpan) appears
once, a cell continued from the row above (rowspan, vMerge) does not appear again. That is also
how a `label | values` line of a text file reads, so all three formats give the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from xltools.errors import UnusableInput
from xltools.formats import PUBLISHED_LIMIT
from xltools.text import clean as clean_chars
from xltools.text import describe, size_text

MAX_INPUT = PUBLISHED_LIMIT  # the registry's (xltools.formats)


@dataclass(frozen=True)
class Block:
    """One paragraph (`cells` is None) or one table row (`cells` holds its cell texts)."""

    text: str
    cells: tuple[str, ...] | None = None
    container: tuple[int, ...] = field(default=(), compare=False)  # html: the element path, for scoping

    @property
    def is_row(self) -> bool:
        return self.cells is not None

    @classmethod
    def row(cls, cells, container: tuple[int, ...] = ()) -> Block:
        cells = tuple(cells)
        return cls(" | ".join(cells), cells, container)


# Paragraphs and table rows a document may have: a report has a few hundred, a long one with its
# appendices a few thousand. Past this the readers stop, so that no document costs more than
# reading this many (a Word file of 330,000 paragraphs took minutes).
MAX_BLOCKS = 20_000


def too_many_blocks() -> UnusableInput:
    return UnusableInput(
        f"文件中的段落和表格行过多（超过 {MAX_BLOCKS:,} 个），不像是一份年度报告，已停止读取。"
        "请只保留年度报告本身（删去附件或其他内容）后再试。",
        code="too_large",
    )


class Blocks(list):
    """The blocks of a document, with what the reader noticed about the file as a whole; no
    more than MAX_BLOCKS."""

    def __init__(self, *args):
        super().__init__(*args)
        self.notes: list[str] = []

    def append(self, block: Block) -> None:
        if len(self) >= MAX_BLOCKS:
            raise too_many_blocks()
        super().append(block)


# The invisible and invalid characters `clean` removed while one document is read: the reader sees
# each paragraph on its own, the note is about the file (and says exactly what was removed).
_removed: ContextVar[dict[str, int] | None] = ContextVar("removed", default=None)


@contextmanager
def noting_removed() -> Iterator[dict[str, int]]:
    removed: dict[str, int] = {}
    token = _removed.set(removed)
    try:
        yield removed
    finally:
        _removed.reset(token)


def removed_note(removed: dict[str, int]) -> str | None:
    said = describe(tuple(removed.items()))
    return f"文件中的文字{said}" if said else None


def _clean_chars(text: str) -> str:
    cleaned = clean_chars(text)
    removed = _removed.get()
    if removed is not None:
        for ch, n in cleaned.removed:
            removed[ch] = removed.get(ch, 0) + n
    return cleaned.text


# Spaces a site's editor escaped twice: the page shows "2025年1月20日&nbsp;" as text.
_LITERAL_SPACE = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|#160|#xa0|#12288|#x3000);?", re.IGNORECASE)


def clean(text: str) -> str:
    """A paragraph's text without the indentation and padding that printing adds."""
    if "&" in text:
        text = _LITERAL_SPACE.sub(" ", text)
    return _clean_chars(text.replace("\xa0", " ")).strip(" \t\n\u3000\u2002\u2003")


def decode_text(data: bytes, what: str) -> str:
    """Text files come as UTF-8 (with or without BOM) or, saved on a Chinese Windows, as GBK, or
    as Notepad's "Unicode" (UTF-16 with its byte-order mark; the page reader takes it too)."""
    encodings: tuple[str, ...] = ("utf-8-sig", "gb18030")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    for enc in encodings:
        try:
            return _clean_chars(data.decode(enc))  # invisible and invalid characters go, as in every reader
        except UnicodeDecodeError:
            continue
    raise UnusableInput(f"{what}的文字编码无法识别。请另存为 UTF-8 编码后再试。", code="encoding")


def check_size(data: bytes) -> None:
    if not data:
        raise UnusableInput("文件是空的（0 字节），可能没有保存完整或复制失败。请重新获取原文件。", code="empty")
    if len(data) > MAX_INPUT:
        raise UnusableInput(
            f"文件过大（{size_text(len(data))}，上限 {size_text(MAX_INPUT)}），不像是一份年度报告。", code="too_large"
        )
