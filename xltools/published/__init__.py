"""Reading reports that already exist — a Word file, a saved web page, plain text — into the
JSON form (docs/format.md §3), and a narrative written in Word into a workbook's report (`build --narrative`).

Each format reader turns its file into the same paragraphs and table rows (`blocks`); one reader
of the text structure (`structure`) and one of the tables (`tables`) do the rest, so a report
reads the same whatever it was saved as. Totals are kept as printed, so `check` finds a
published report's arithmetic errors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools import spec
from xltools.errors import UnusableInput
from xltools.formats import READABLE, input_format, suffix_of, unsupported
from xltools.geometry import where_labels, where_text
from xltools.model import ERROR, Finding, Source
from xltools.published.blocks import MAX_INPUT, Block, Blocks, noting_removed, removed_note
from xltools.published.labels import number
from xltools.published.structure import FEE_PART, read_structure
from xltools.published.tables import (
    FEE_PART_TITLE,
    cells_of,
    locate,
    read_appeals,
    read_fee_table,
    read_proactive,
    read_requests,
)
from xltools.rules.registry import I1, I2, RULES

NARRATIVE_FIELDS = tuple(p for p in spec.FIELDS if p.startswith("overview.") or p in ("problems", "other_matters"))


@dataclass
class Imported:
    """What a report file states, by id path (JSON-ready values; None for a cell printed blank),
    and what the clerk should know about how it was read."""

    path: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)
    no_summary: bool = False  # part 一 printed no 综述 before its （一）
    texts: dict[str, str] = field(default_factory=dict)  # paragraphs around the tables, by where they stand
    unread: dict[str, str] = field(default_factory=dict)  # table values not read: path -> where it looked (I2)

    def to_json(self) -> dict:
        """The JSON form: every stated value in spec order, tables nested by row id. A value that
        could not be read is null there (the form has no "unread"; null is never taken as 0)."""
        from xltools.jsonform import json_keys

        out: dict[str, Any] = {"format": spec.FORMAT_ID}
        for path in spec.FIELDS:
            if path not in self.values and path not in self.unread:
                continue
            node = out
            *heads, last = json_keys(path)
            for key in heads:
                node = node.setdefault(key, {})
            node[last] = self.values.get(path)
        return out

    @property
    def noticed(self) -> frozenset[str]:
        """What the importer noticed that changes how a rule's finding reads (`Rule.replaces`)."""
        return frozenset({"no_summary"} if self.no_summary else ())

    def source(self) -> Source:
        """What the report states, as a Source (the JSON form's, without writing and parsing it)."""
        return Source(self.path, "json", dict(self.values), published=True)

    def check(self):
        """The imported data checked as it was read (unread values are neither 0 nor blank)."""
        from xltools.rules.checker import check

        return check(self.source(), normalised=normalised(self))


def normalised(imported: Imported):
    """`normalise` of the imported values, with the unread ones unknown: no sum rule uses them,
    no total over them is trusted, and no S2 blames the report for them."""
    from xltools.rules.checker import normalise
    from xltools.rules.sums import TOTAL_PARTS

    report, findings, unreadable = normalise(imported.source())
    for path in imported.unread:
        report.values[path] = None
        unreadable.add(path)
    for path, parts in TOTAL_PARTS.items():
        if any(p in unreadable for p in parts) and path not in imported.values:
            report.values[path] = None
            unreadable.add(path)
    return report, findings, unreadable


def where_of(path: str | None) -> str | None:
    """Where a field (or a table row) sits in a printed report, by its labels: "三、依申请公开
    四、结转下年度继续办理行 自然人列" (a published report has no cells to name; xltools.geometry
    words every place)."""
    return where_text(path)


def check_imported(imported: Imported, *, strict: bool = False, previous=None):
    """A published report checked as it stands (`check report.html`): the import notes first, then
    the checker's findings, as the rules of the one list say a published report reads: a finding
    another rule's stands for there (`Rule.replaces`), each placed by its labels (`Rule.placed`)."""
    from xltools.rules.checker import check

    source = imported.source()
    source.findings = list(imported.notes)
    source.texts = dict(imported.texts)
    result = check(source, strict=strict, previous=previous, normalised=normalised(imported))
    findings = result.findings
    noticed = imported.noticed
    for rule in RULES.values():
        for swap in rule.replaces:
            if swap.when in noticed:
                findings = [f for f in findings if not (f.rule == swap.rule.id and f.field == swap.on)]
                message = rule.say(swap.words, **swap.fields)
                findings.append(rule.finding(swap.on, message, severity=ERROR if strict else None))
    result.findings = [RULES[f.rule].placed(f) for f in findings]
    return result


NO_SUMMARY = I1.say("no_summary", **I1.replaces[0].fields)  # part 一 printed without a 综述


def file_notes(blocks: list[Block]) -> list[Finding]:
    """What a format reader noticed about the file as a whole (a Word file's tracked changes)."""
    return [I1.finding(None, message) for message in getattr(blocks, "notes", ())]


def blocks_of(data: bytes, kind: str) -> Blocks:
    """The document's blocks; its notes say what was noticed about the file (tracked changes,
    invisible characters removed)."""
    with noting_removed() as removed:
        read = _read_blocks(data, kind)
    blocks = Blocks(read)
    blocks.notes = [*getattr(read, "notes", ()), *filter(None, [removed_note(removed)])]
    return blocks


def _read_blocks(data: bytes, kind: str) -> list[Block]:
    if kind == "docx":
        from xltools.published.docx import read_docx

        return read_docx(data)
    if kind == "html":
        from xltools.published.html import read_html

        return read_html(data)
    if kind == "pdf":
        from xltools.published.pdf import read_pdf

        return read_pdf(data)
    from xltools.published.txt import read_txt

    return read_txt(data)


# Why a file another reader takes is not taken here (the registry's refusals cover the suffixes
# no reader takes).
_TAKEN_ELSEWHERE = {
    ".pdf": "文字稿请用 Word 文档或文本文件，PDF 只能作为已发布的报告检查或导入。",
    ".xlsx": "这是填报模板，不需要导入，可直接检查。",
    ".json": "这已是报告数据（JSON），不需要导入，可直接检查。",
}


def kind_of(path: str | os.PathLike, *, narrative: bool = False) -> str:
    """The published-report reader of this file (xltools.formats' registry); UnusableInput saying
    what to give instead. `narrative`: only the formats a narrative may come from."""
    known = input_format(path)
    if known is not None and known.published and known.reader and (known.narrative or not narrative):
        return known.reader
    accepted = (
        "Word 文档（.docx）或文本文件（.txt）"
        if narrative
        else "Word 文档（.docx）、网页（.html）、PDF 或文本文件（.txt）"
    )
    suffix = suffix_of(path)
    message = unsupported(suffix, accepted) + _TAKEN_ELSEWHERE.get(suffix, "")
    raise UnusableInput(message, code="unsupported", path=str(path))


def read_file(path: str | os.PathLike) -> bytes:
    p = Path(path)
    if not p.exists():
        raise UnusableInput("文件不存在，请检查路径和文件名。", code="missing", path=str(path))
    if p.is_dir():
        raise UnusableInput("这是一个文件夹，不是文件。", code="is_dir", path=str(path))
    from xltools.workbook.reader import read_bytes

    try:
        return read_bytes(p, MAX_INPUT)
    except UnusableInput as exc:
        exc.path = str(path)
        raise


def import_bytes(data: bytes, kind: str, display: str) -> Imported:
    """A published report -> what it states. UnusableInput when it is not one (or a 2019 one)."""
    blocks = blocks_of(data, kind)
    st = read_structure(blocks)
    if not st.found:
        raise UnusableInput(
            "找不到报告的各部分标题（“一、总体情况”至“六、其他需要报告的事项”），这不像是一份政府信息公开工作年度报告。",
            code="not_report",
        )
    result = Imported(display, kind, notes=file_notes(blocks) + list(st.notes), no_summary=st.no_summary)
    values = dict(st.values)
    where = locate(st.body, st.parts)
    for reader, part in ((read_proactive, "proactive"), (read_requests, "requests"), (read_appeals, "appeals")):
        found, notes, unread = reader(where[part])
        values.update(found)
        result.notes += notes
        result.unread.update(unread)
    if all(p in result.unread for p in _TABLE_VALUES):
        raise UnusableInput(NO_TABLES, code="no_tables")
    result.notes += unread_notes(result.unread)
    for part in ("proactive", "requests", "appeals"):
        prose = [b.text for b in st.parts[part] if _is_prose(b)]
        if prose:
            result.texts[f"{spec.PART_TITLES[part]}（表格以外的文字）"] = "\n".join(prose)
    if FEE_PART in st.found:
        found, notes = read_fee_table(st.parts[FEE_PART], FEE_PART_TITLE)
        values.update(found)
        result.notes += notes
    result.notes += _stray_tables(st, {id(b) for blocks in where.values() for b in blocks})
    result.values = {p: values[p] for p in spec.FIELDS if p in values}
    return result


_TABLE_VALUES = tuple(p for p in spec.FIELDS if p.split(".", 1)[0] in ("proactive", "requests", "appeals"))
NO_TABLES = (
    "这份报告的表格（主动公开、收到和处理申请、行政复议和行政诉讼三张表）一个数字也没有读出："
    "找不到表格的行和列，或表格是图片。请提供同一报告的其他版本（Word、网页或可复制文字的 PDF），"
    "或按报告用本工具的模板填写后再检查。"
)


def unread_notes(unread: dict[str, str]) -> list[Finding]:
    """One I2 finding per reason (a missing row, a header that names no column …), naming every
    value it leaves unread and where the importer looked."""
    by_why: dict[str, list[str]] = {}
    for path, why in unread.items():
        by_why.setdefault(why, []).append(path)
    out = []
    for why, paths in by_why.items():
        rows = list(dict.fromkeys(p.rsplit(".", 1)[0] for p in paths))
        cols = list(dict.fromkeys(where_labels(p)[1] for p in paths))
        whole_row = len(rows) == 1 and len(paths) == len(_cells_of_row(rows[0]))
        field_path = rows[0] if whole_row else paths[0] if len(paths) == 1 else rows[0].split(".", 1)[0]
        where = where_of(field_path)
        shown = (
            I2.say("columns", columns="、".join(cols))
            if len(rows) == 1
            else I2.say("rows", rows=len(rows), values=len(paths))
        )
        out.append(
            I2.finding(
                field_path,
                I2.say("unread", why=why, shown=shown),
                where=where,
            )
        )
    return out


def _cells_of_row(row_path: str) -> list[str]:
    return [p for p in _TABLE_VALUES if p.rsplit(".", 1)[0] == row_path]


def _is_prose(block: Block) -> bool:
    """A paragraph of sentences (not a table line, caption or unit note) among a part's tables."""
    if block.is_row or len(block.text) < 12 or not re.search(r"[，。；,;]", block.text):
        return False
    return len(cells_of(block)) == 1


def _stray_tables(st, read: set[int]) -> list[Finding]:
    """A table with figures where the format has none (parts 一, 五, 六) is not read: say so
    (unless it is one of the three tables, found there by its rows: `read` holds their blocks)."""
    out = []
    for part in ("overview", "problems", "other"):
        rows = [
            b
            for b in st.parts[part]
            if b.cells is not None and id(b) not in read and sum(1 for c in b.cells if c.strip()) >= 2
        ]
        figures = [b for b in rows if any(number(c) is not None for c in b.cells)]
        if figures:
            out.append(
                I1.finding(
                    None,
                    I1.say("stray_table", part=spec.PART_TITLES[part], row=figures[0].text[:40]),
                )
            )
    return out


def import_report(path: str | os.PathLike) -> Imported:
    kind = kind_of(path)
    data = read_file(path)
    try:
        return import_bytes(data, kind, str(path))
    except UnusableInput as exc:
        exc.path = exc.path or str(path)
        raise


__all__ = [
    "NARRATIVE_FIELDS",
    "READABLE",
    "Imported",
    "check_imported",
    "import_bytes",
    "import_report",
    "kind_of",
    "where_of",
]
