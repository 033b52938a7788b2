"""Reading the three tables from the rows of their parts, matched to the spec's rows and columns
by their printed labels (never by position alone, never by a label typed here)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from xltools import spec
from xltools.errors import UnusableInput
from xltools.model import WARNING, Finding
from xltools.published.blocks import Block
from xltools.published.labels import find_labels, match_label, norm, number

_BLANKS = frozenset({"", "-", "—", "–", "——", "/", "／", "－", "无", "空"})
_INLINE = re.compile(r"^(.*?[^\d\s.,])\s+((?:\d[\d,]*(?:\.\d+)?\s*)+)$")
_ALL_NUMBERS = re.compile(r"^(?:\d[\d,]*(?:\.\d+)?\s+){2,}\d[\d,]*(?:\.\d+)?$")

FORMAT_2019_MESSAGE = (
    "这份报告是按 2019 年试行格式（国办公开办函〔2019〕60号）编制的：{why}。"
    "2021 年起的报告采用国办公开办函〔2021〕30号格式，两者的表格不能一一对应，程序不做猜测。"
    "如需以它作为上年数据，请用本工具的空白模板，参照该报告手工填写。"
)
# Text only the 2019 format prints (its table 二 differs, docs/format.md legal frame).
_MARKS_2019 = {
    "第二十条第(九)项": "表二含“第二十条第（九）项”",
    "政府集中采购": "表二含“政府集中采购”",
    "本年新制作数量": "表二的列为“本年新制作数量”",
    "对外公开总数量": "表二的列为“对外公开总数量”",
}


def format_2019(why: str) -> UnusableInput:
    return UnusableInput(FORMAT_2019_MESSAGE.format(why=why), code="format_2019")


def cells_of(block: Block) -> list[str]:
    """A block as cells; a paragraph such as "行政许可 447228" or fifteen numbers splits too."""
    if block.is_row:
        return list(block.cells)
    text = block.text.strip()
    if _ALL_NUMBERS.match(text):
        return text.split()
    m = _INLINE.match(text)
    if m:
        return [m.group(1).strip(), *m.group(2).split()]
    return [text]


def is_value(cell: str) -> bool:
    return number(cell) is not None or norm(cell) in _BLANKS


def split_row(cells: list[str]) -> tuple[list[str], list[str]]:
    """(labels, values): leading empty cells skipped, labels until the first value-like cell."""
    i = 0
    while i < len(cells) and not cells[i].strip():
        i += 1
    labels = []
    while i < len(cells) and not is_value(cells[i]):
        labels.append(cells[i])
        i += 1
    return labels, cells[i:]


def fit(values: list[str], n: int) -> list[str]:
    """Exactly n values: trailing empty cells (left by flattened spans) dropped, missing ones blank."""
    values = list(values)
    while len(values) > n and not values[-1].strip():
        values.pop()
    return values + [""] * (n - len(values))


class TableReader:
    """Shared by the three tables: typed values by path, and the notes for the clerk."""

    def __init__(self, table: spec.Table):
        self.table = table
        self.values: dict[str, Any] = {}
        self.notes: list[Finding] = []
        self.seen: set[str] = set()

    def note(self, field: str | None, message: str) -> None:
        self.notes.append(Finding("I1", WARNING, field, message))

    def put(self, row_id: str, col_id: str, text: str, row_label: str) -> None:
        path = f"{self.table.id}.{row_id}.{col_id}"
        f = spec.FIELDS[path]
        digits = number(text, units=("万元",) if f.kind is spec.Kind.DECIMAL else ("件", "个", "条", "项"))
        if digits is None:
            self.values[path] = None
            shown = f"印作“{text.strip()}”" if text.strip() else "空白"
            self.note(
                path,
                f"{self.table.part} “{row_label}”行“{_col_label(self.table, col_id)}”列没有数字（{shown}），按未填写处理。",
            )
        elif f.kind is spec.Kind.DECIMAL or "." in digits:
            self.values[path] = digits
        else:
            self.values[path] = int(digits)

    def take(self, row_id: str, cols: list[str], values: list[str], row_label: str) -> None:
        if row_id in self.seen:
            self.note(f"{self.table.id}.{row_id}", f"{self.table.part} “{row_label}”行出现了两次，只读取了第一次。")
            return
        self.seen.add(row_id)
        extra = [v for v in values[len(cols) :] if v.strip()]
        if extra:
            self.note(
                f"{self.table.id}.{row_id}",
                f"{self.table.part} “{row_label}”行多出 {len(extra)} 个数字（{'、'.join(extra)}），已忽略。请核对原报告。",
            )
        for col_id, text in zip(cols, fit(values, len(cols)), strict=False):
            self.put(row_id, col_id, text, row_label)

    def missing(self, row_ids: Iterable[str], cols_of) -> None:
        for row_id in row_ids:
            if row_id in self.seen:
                continue
            label = self.table.row(row_id).label
            self.note(f"{self.table.id}.{row_id}", f"{self.table.part}中找不到“{label}”行，按未填写处理。")
            for col_id in cols_of(row_id):
                self.values[f"{self.table.id}.{row_id}.{col_id}"] = None


def _col_label(table: spec.Table, col_id: str) -> str:
    return table.column(col_id).label


def _match_row(reader: TableReader, labels: list[str], candidates: dict[str, str]) -> str | None:
    fragments = [frag for label in labels for frag in re.split(r"\s*/\s*", label) if frag.strip()]
    for frag in reversed(fragments):
        m = match_label(frag, candidates, fuzzy=False)
        if m:
            return m.key
    if fragments:
        m = match_label(fragments[-1], candidates)
        if m:
            reader.note(
                f"{reader.table.id}.{m.key}",
                f"{reader.table.part}中的行标签“{fragments[-1].strip()}”与格式中的“{candidates[m.key]}”不完全一致"
                f"（可能是原报告印错），已按“{candidates[m.key]}”行读取，请核对。",
            )
            return m.key
    return None


def header_keys(reader: TableReader, cells: list[str], columns: dict[str, str]) -> list[str]:
    """The columns a header row names, in order. A heading printed slightly wrong ("先行有效件数")
    is taken for the column it resembles, with a note naming both (once per misprint)."""
    keys: list[str] = []
    for cell in cells:
        found = find_labels(cell, columns)
        if found:
            keys += found
            continue
        m = match_label(cell, columns)
        if m is None or m.exact:
            continue
        keys.append(m.key)
        message = (
            f"{reader.table.part}的表头“{cell.strip()}”与格式中的“{columns[m.key]}”不完全一致"
            f"（可能是原报告印错），已按“{columns[m.key]}”列读取，请核对。"
        )
        if all(n.message != message for n in reader.notes):
            reader.note(None, message)
    return keys


def check_2019(blocks: Iterable[Block]) -> None:
    for block in blocks:
        text = norm(block.text)
        for mark, why in _MARKS_2019.items():
            if norm(mark) in text:
                raise format_2019(why)


# --- table 二 ----------------------------------------------------------------------------------


def read_proactive(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding]]:
    table = spec.PROACTIVE
    reader = TableReader(table)
    check_2019(blocks)
    rows = {r.id: r.label for r in table.rows}
    columns = {c.id: c.label for c in table.columns}
    header: list[str] = []
    for block in blocks:
        labels, values = split_row(cells_of(block))
        if not values:
            found = header_keys(reader, labels, columns)
            if found:
                header = found
            continue
        row_id = _match_row(reader, labels, rows)
        if row_id is None:
            if labels and any(v.strip() for v in values):
                reader.note(None, f"{table.part}中的行“{' / '.join(labels)}”不是格式中的行，已忽略。请核对原报告。")
            continue
        expected = list(spec.PROACTIVE_CELLS[row_id])
        ordered = [c for c in header if c in expected]
        cols = ordered if sorted(ordered) == sorted(expected) else expected
        reader.take(row_id, cols, values, rows[row_id])
    reader.missing(spec.PROACTIVE_CELLS, lambda r: spec.PROACTIVE_CELLS[r])
    return reader.values, reader.notes


# --- table 三 ----------------------------------------------------------------------------------

_GROUP = "__orgs__"


def _request_columns(header_rows: list[list[str]], reader: TableReader) -> list[str]:
    """Column order from the header rows, the 法人或其他组织 group standing for its five columns
    (a misprinted heading read as the column it resembles, with a note)."""
    labels = {c.id: c.label for c in spec.REQUESTS.columns} | {_GROUP: spec.REQUESTS_ORGS}
    orgs = [c for c in spec.APPLICANT_COLUMNS if c != "natural"]
    order: list[str] = []
    for cells in header_rows:
        for key in header_keys(reader, cells, labels):
            if key in order:
                continue
            if key in orgs and _GROUP in order:
                order.insert(order.index(_GROUP), key)
            else:
                order.append(key)
    order = [k for k in order if k != _GROUP]
    official = [c.id for c in spec.REQUESTS.columns]
    if sorted(order) == sorted(official):
        return order
    if order:  # a header was printed but does not name every column
        missing = "、".join(labels[c] for c in official if c not in order)
        reader.note(
            None,
            f"{reader.table.part}的表头中找不到“{missing}”列（可能印错），各列按格式中的顺序读取，请核对。",
        )
    return official


def read_requests(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding]]:
    table = spec.REQUESTS
    reader = TableReader(table)
    rows = {r.id: r.label for r in table.rows}
    sections = {norm(s) for s in (*spec.REQUEST_SECTIONS, spec.REQUESTS_RESULTS)}
    other_section = norm(spec.REQUEST_SECTIONS[-1])
    header: list[list[str]] = []
    columns: list[str] | None = None
    for block in blocks:
        labels, values = split_row(cells_of(block))
        if not values or not any(v.strip() for v in values):
            if columns is None:
                header.append(labels)
            continue
        last = norm(labels[-1].split("/")[-1]) if labels else ""
        if last == other_section:
            raise format_2019("表三“（六）其他处理”只有一行，没有分为 1.至 3. 三项")
        if last in sections:
            continue
        row_id = _match_row(reader, labels, rows)
        if row_id is None:
            if labels:
                reader.note(None, f"{table.part}中的行“{' / '.join(labels)}”不是格式中的行，已忽略。请核对原报告。")
            continue
        if columns is None:
            columns = _request_columns(header, reader)
        reader.take(row_id, columns, values, rows[row_id])
    reader.missing(rows, lambda r: [c.id for c in table.columns])
    return reader.values, reader.notes


# --- table 四 ----------------------------------------------------------------------------------


def read_appeals(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding]]:
    table = spec.APPEALS
    reader = TableReader(table)
    groups_labels = {r.id: r.label for r in table.rows}
    column_labels = {c.id: c.label for c in table.columns}
    header_groups: list[str] = []
    header_cols: list[str] = []
    for block in blocks:
        labels, values = split_row(cells_of(block))
        if not values or not any(v.strip() for v in values):
            text = " ".join(labels)
            header_groups += [g for g in find_labels(text, groups_labels) if g not in header_groups]
            header_cols += [c for c in find_labels(text, column_labels) if c not in header_cols]
            continue
        groups = header_groups if sorted(header_groups) == sorted(groups_labels) else list(groups_labels)
        cols = header_cols if sorted(header_cols) == sorted(column_labels) else list(column_labels)
        if labels:
            group = _match_row(reader, labels, groups_labels)
            if group is None:
                reader.note(None, f"{table.part}中的行“{' / '.join(labels)}”无法识别，已忽略。请核对原报告。")
                continue
            reader.take(group, cols, values, groups_labels[group])
            continue
        need = len(groups) * len(cols)
        filled = fit(values, need)
        printed = len(fit(values, 0))
        if printed < need:
            reader.note(
                None,
                f"{table.part}的数字行只有 {printed} 个数字，应为 {need} 个"
                f"（行政复议、未经复议直接起诉、复议后起诉各 {len(cols)} 个），缺少的按未填写处理。",
            )
        for i, group in enumerate(groups):
            chunk = filled[i * len(cols) : (i + 1) * len(cols)]
            if i == len(groups) - 1:
                chunk += filled[(i + 1) * len(cols) :]
            reader.take(group, cols, chunk, groups_labels[group])
    reader.missing(groups_labels, lambda g: [c.id for c in table.columns])
    return reader.values, reader.notes


# --- the 信息处理费 table of a local variant ----------------------------------------------------

FEE_PART_TITLE = "信息处理费收取情况"
_FEE_COLUMNS = {
    "notified_count": "通知收取件数",
    "notified_amount": "通知收取金额",
    "collected_amount": "实际收取金额",
}


def read_fee_table(blocks: list[Block], part_title: str) -> tuple[dict[str, Any], list[Finding]]:
    """A part "信息处理费收取情况" printed as a table 通知收取件数 | 通知收取金额（元）| 实际收取金额（元）.

    processing_fee.count is the 通知收取件数 (the only count printed); processing_fee.amount_yuan
    is the 实际收取金额 — the money actually collected, what the standard report's sentence
    states — or the 通知收取金额 when no 实际收取 column is printed. A notified amount that differs
    from the collected one is named in a note (docs/format.md §3)."""
    notes: list[Finding] = []
    header: list[str] = []
    found: dict[str, str] = {}
    for block in blocks:
        cells = cells_of(block)
        labels, values = split_row(cells)
        keys = find_labels(" ".join(labels), _FEE_COLUMNS)
        if keys and not any(v.strip() for v in values):
            header = keys
            continue
        if header and values:
            found = dict(zip(header, fit(values, len(header)), strict=False))
            break
        if keys and values and len(keys) == 1:  # "实际收取金额（元） 0" as label | value lines
            found[keys[0]] = values[0]
    out: dict[str, Any] = {}

    def note(path: str | None, message: str) -> None:
        notes.append(Finding("I1", WARNING, path, message))

    if not found:
        note(
            "processing_fee.amount_yuan",
            f"“{part_title}”中的表格无法读取（找不到“通知收取件数”“实际收取金额”等列及其数字），信息处理费按未填写处理。",
        )
        return out, notes
    count = number(found.get("notified_count", ""))
    if count is not None:
        out["processing_fee.count"] = int(float(count))
    collected = number(found.get("collected_amount", ""), units=("元",))
    notified = number(found.get("notified_amount", ""), units=("元",))
    amount = collected if collected is not None else notified
    if amount is not None:
        out["processing_fee.amount_yuan"] = amount
    if collected is not None and notified is not None and float(collected) != float(notified):
        note(
            "processing_fee.amount_yuan",
            f"“{part_title}”表中通知收取金额为 {notified} 元，实际收取金额为 {collected} 元；"
            f"信息处理费收取金额按实际收取的 {collected} 元读取，请核对。",
        )
    return out, notes
