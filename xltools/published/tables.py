"""Reading the three tables from the rows of their parts, matched to the spec's rows and columns
by their printed labels (never by position alone, never by a label typed here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from xltools import spec
from xltools.errors import UnusableInput
from xltools.model import Finding
from xltools.published.blocks import Block
from xltools.published.labels import find_labels, match_label, norm, number
from xltools.rules.registry import I1, I2

_BLANKS = frozenset({"", "-", "—", "–", "——", "/", "／", "－", "无", "空"})
_INLINE = re.compile(r"^(.*?[^\d\s.,])\s+((?:\d[\d,]*(?:\.\d+)?\s*)+)$")
_PAGE_MARK = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?[-—–－\s]*$")
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
    if block.cells is not None:
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


def fit(values: list[str], n: int) -> list[str | None]:
    """Exactly n values: trailing empty cells (left by flattened spans) dropped; a value the row
    does not print at all is None (not read), unlike a cell printed empty ("")."""
    out: list[str | None] = list(values)
    while len(out) > n and not (out[-1] or "").strip():
        out.pop()
    return out + [None] * (n - len(out))


class TableReader:
    """Shared by the three tables: typed values by path, and the notes for the clerk."""

    def __init__(self, table: spec.Table):
        self.table = table
        self.values: dict[str, Any] = {}
        self.notes: list[Finding] = []
        self.seen: set[str] = set()
        self.unread: dict[str, str] = {}  # path -> where the importer looked and why it could not read it
        self.short: dict[str, int] = {}  # row id -> how many numbers a row printed, fewer than its columns

    def note(self, field: str | None, message: str) -> None:
        self.notes.append(I1.finding(field, message))

    def not_read(self, paths: Iterable[str], why: str) -> None:
        """These values are not guessed: they stay out of the data, named as unread (I2)."""
        for path in paths:
            if path not in self.values:
                self.unread.setdefault(path, why)

    def cells(self, row_id: str) -> list[str]:
        cols = spec.PROACTIVE_CELLS[row_id] if self.table is spec.PROACTIVE else [c.id for c in self.table.columns]
        return [f"{self.table.id}.{row_id}.{c}" for c in cols]

    def put(self, row_id: str, col_id: str, text: str | None, row_label: str) -> None:
        path = f"{self.table.id}.{row_id}.{col_id}"
        f = spec.FIELDS[path]
        if text is None:  # the row prints fewer values than it has columns: which one is missing is not known
            self.not_read([path], I2.say("short_row", part=self.table.part, row=row_label))
            return
        digits = number(text, units=("万元",) if f.kind is spec.Kind.DECIMAL else ("件", "个", "条", "项"))
        if digits is None:
            self.values[path] = None
            shown = I1.say("printed_as", text=text.strip()) if text.strip() else I1.say("printed_blank")
            column = _col_label(self.table, col_id)
            self.note(path, I1.say("no_number", part=self.table.part, row=row_label, column=column, shown=shown))
        elif f.kind is spec.Kind.DECIMAL or "." in digits:
            self.values[path] = digits
        else:
            self.values[path] = int(digits)

    def take(self, row_id: str, cols: list[str], values: list[str], row_label: str) -> None:
        if row_id in self.seen:
            self.note(f"{self.table.id}.{row_id}", I1.say("row_twice", part=self.table.part, row=row_label))
            return
        self.seen.add(row_id)
        printed = fit(values, 0)
        if len(printed) > len(cols):
            # More numbers than the columns the header names: which belongs where is not known.
            self.not_read(
                self.cells(row_id),
                I2.say(
                    "more_numbers",
                    part=self.table.part,
                    row=row_label,
                    printed=len(printed),
                    numbers="、".join(v for v in printed if v),
                    columns=len(cols),
                ),
            )
            return
        if len(cols) > 1 and len(printed) < len(cols):
            # Fewer numbers than columns: which one is missing is not known, so none is placed.
            self.short[row_id] = len(printed)
            self.not_read(
                self.cells(row_id),
                I2.say("fewer_numbers", part=self.table.part, row=row_label, printed=len(printed), columns=len(cols)),
            )
            return
        for col_id, text in zip(cols, fit(values, len(cols)), strict=False):
            self.put(row_id, col_id, text, row_label)
        named = {f"{self.table.id}.{row_id}.{c}" for c in cols}
        self.not_read(
            [p for p in self.cells(row_id) if p not in named],
            I2.say("column_not_found", part=self.table.part, row=row_label),
        )

    def all_rows_short(self, columns: int) -> None:
        """Every row printing the same fewer numbers is one table of other columns (自然人 |
        法人或其他组织 | 总计), not as many rows each missing a cell: said once, for the table."""
        counts = set(self.short.values())
        if len(self.short) < 3 or len(counts) != 1 or any(p.startswith(f"{self.table.id}.") for p in self.values):
            return
        why = I2.say("every_row_short", part=self.table.part, printed=counts.pop(), columns=columns)
        for row_id in self.short:
            for path in self.cells(row_id):
                self.unread[path] = why

    def missing(self, row_ids: Iterable[str]) -> None:
        for row_id in row_ids:
            if row_id in self.seen:
                continue
            label = self.table.row(row_id).label
            self.not_read(self.cells(row_id), I2.say("row_not_found", part=self.table.part, row=label))


def _col_label(table: spec.Table, col_id: str) -> str:
    return table.column(col_id).label


def _match_row(
    reader: TableReader, labels: list[str], candidates: dict[str, str], *, quiet: bool = False
) -> str | None:
    """The row a printed label names: exactly, else a close misprint (with a note); `quiet`:
    exact matches only (the caller has another reading to try)."""
    fragments = [frag for label in labels for frag in re.split(r"\s*/\s*", label) if frag.strip()]
    for frag in reversed(fragments):
        m = match_label(frag, candidates, fuzzy=False)
        if m:
            return m.key
    if fragments and not quiet:
        m = match_label(fragments[-1], candidates)
        if m:
            reader.note(
                f"{reader.table.id}.{m.key}",
                I1.say("row_misprint", part=reader.table.part, printed=fragments[-1].strip(), label=candidates[m.key]),
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
        message = I1.say("header_misprint", part=reader.table.part, printed=cell.strip(), label=columns[m.key])
        if all(n.message != message for n in reader.notes):
            reader.note(None, message)
    return keys


class CutRows:
    """A row the page break cut, joined again (tables 二, 三 and 四 alike): its label's first part
    on one page, the rest (with or without the numbers) after the break, or the numbers printed
    beside the label's first line and its last line after them; a page number (dropped by the
    caller) and the table's repeated header may stand between. The parts are placed only when the
    joined label names a row exactly; else the numbers get the I1 note `unknown` (a row not of the
    format) naming the label.

    `is_header` tells a header line (repeated after the break) from a label's part: a header
    neither starts nor ends a cut row (taken for a label, its "其他" or "总计" once named a row)."""

    def __init__(
        self,
        reader: TableReader,
        rows: dict[str, str],
        place: Callable[[str, list[str]], None],
        is_header: Callable[[list[str]], bool],
        unknown: str = "row_not_of_format",
    ):
        self.reader, self.rows, self.place, self.is_header = reader, rows, place, is_header
        self.unknown = lambda labels: I1.say(unknown, part=reader.table.part, labels=" / ".join(labels))
        # A line of labels without numbers: perhaps a label the break cut, its rest coming with the numbers.
        self.pending: list[str] | None = None
        # Numbers beside no label or only a label's first part (its rest printed after them), and
        # the note to give if no rest comes.
        self.orphan: tuple[list[str], list[str], str | None] | None = None

    def labels_only(self, labels: list[str]) -> None:
        """A line of labels and no number (not a page number)."""
        if self.is_header(labels):
            return
        if self.orphan is not None:
            head, numbers, note = self.orphan
            joined = [" / ".join(head) + labels[0], *labels[1:]]
            row_id = _match_row(self.reader, joined, self.rows, quiet=True)
            if row_id is not None:
                self.orphan = self.pending = None
                self.place(row_id, numbers)
                return
            self.orphan = (joined, numbers, note)  # perhaps more of the label follows
        self.pending = labels

    def drop_orphan(self) -> None:
        """No more of an orphan's label follows: its row is the one it names (a close misprint,
        noted), else its note is given."""
        if self.orphan is not None:
            labels, numbers, note = self.orphan
            self.orphan = None
            row_id = _match_row(self.reader, labels, self.rows) if note is None else None
            if row_id is not None:
                self.place(row_id, numbers)
            elif note is not None:
                self.reader.note(None, note)

    def numbers_of_a_cut_label(self, labels: list[str], values: list[str]) -> bool:
        """A line with numbers ends what an orphan was waiting for; True when the line is the
        numbers of a label printed before the break (taken), False when the caller reads it."""
        self.drop_orphan()
        if labels or not self.pending:
            return False
        self.numbers_only(values)
        return True

    def numbers_only(self, values: list[str]) -> None:
        """Numbers without a label after a line of labels: the label whole, its numbers after the break."""
        pending = self.pending or []
        row_id = _match_row(self.reader, pending, self.rows, quiet=True)
        if row_id is not None:
            self.pending = None
            self.place(row_id, values)
        else:
            self.orphan, self.pending = (pending, values, None), None

    def row(self, labels: list[str], values: list[str]) -> None:
        """A line with labels and numbers: the row its label names, or the row a cut label's first
        part before it names joined with it; else perhaps a label's first part (its rest after)."""
        row_id = _match_row(self.reader, labels, self.rows, quiet=bool(self.pending))
        if row_id is None and self.pending and labels:
            labels = [" / ".join(self.pending) + labels[0], *labels[1:]]
            row_id = _match_row(self.reader, labels, self.rows, quiet=True)
            if row_id is None:  # perhaps the label's last line printed after the numbers (…公开 / 申请)
                self.orphan, self.pending = (labels, values, None), None
                return
        self.pending = None
        if row_id is None:
            if labels:  # perhaps a label's first part, its rest on the lines after
                self.orphan = (labels, values, self.unknown(labels))
            return
        self.place(row_id, values)


def _names_columns(labels: list[str], words: dict[str, str], least: int) -> bool:
    """Whether a line of labels names at least `least` distinct header words: a header line."""
    return len(set(find_labels(" ".join(labels), words))) >= least


def check_2019(blocks: Iterable[Block]) -> None:
    for block in blocks:
        text = norm(block.text)
        for mark, why in _MARKS_2019.items():
            if norm(mark) in text:
                raise format_2019(why)


# --- where each table stands ----------------------------------------------------------------------


def locate(body: list[Block], parts: dict[str, list[Block]]) -> dict[str, list[Block]]:
    """The blocks holding each table, found by the table itself: the stretch between two titles
    whose rows carry most of that table's row labels. Offices number their parts their own way
    (a narrative "三、主动公开工作情况" before tables titled 一、二、三 of their own), so the part a
    heading's number or words name is only the fallback when no stretch holds the table's rows."""
    from xltools.published.structure import title_of

    stretches: list[list[Block]] = [[]]
    for block in body:
        if title_of(block) is not None:
            stretches.append([])
        stretches[-1].append(block)
    out = {}
    for part, table in (("proactive", spec.PROACTIVE), ("requests", spec.REQUESTS), ("appeals", spec.APPEALS)):
        scores = [_score(stretch, table) for stretch in stretches]
        best = max(range(len(stretches)), key=lambda i: scores[i], default=None)
        own = _score(parts.get(part, []), table)
        if best is not None and scores[best] >= 2 and scores[best] > own:
            out[part] = stretches[best]
        else:
            out[part] = parts.get(part, [])
    return out


def _score(blocks: list[Block], table: spec.Table) -> int:
    """How many of a table's row labels (table 四: its group labels) a stretch prints."""
    labels = {r.id: r.label for r in table.rows}
    seen: set[str] = set()
    for block in blocks:
        if not block.is_row and "。" in block.text:
            continue
        if table is spec.APPEALS:
            seen.update(find_labels(block.text, labels))
            continue
        row_labels, _ = split_row(cells_of(block))
        for label in row_labels:
            for frag in re.split(r"\s*/\s*", label):
                m = match_label(frag, labels, fuzzy=False)
                if m:
                    seen.add(m.key)
    return len(seen)


# --- table 二 ----------------------------------------------------------------------------------


def read_proactive(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding], dict[str, str]]:
    table = spec.PROACTIVE
    reader = TableReader(table)
    check_2019(blocks)
    rows = {r.id: r.label for r in table.rows}
    columns = {c.id: c.label for c in table.columns}
    header: list[str] = []

    def place(row_id: str, values: list[str]) -> None:
        expected = list(spec.PROACTIVE_CELLS[row_id])
        ordered = [c for c in header if c in expected]
        if len(expected) == 1:
            cols = expected  # a row of one number: nothing to confuse it with
        elif ordered:
            cols = ordered  # the columns the header names, in its order; any other stays unread
        else:
            reader.seen.add(row_id)
            names = "、".join(columns[c] for c in expected)
            reader.not_read(
                reader.cells(row_id),
                I2.say("no_header_above", part=table.part, row=rows[row_id], columns=names),
            )
            return
        reader.take(row_id, cols, values, rows[row_id])

    # Header lines: the column headings, 信息内容 and the articles (第二十条第（一）项) heading each block.
    header_words = columns | {"item": spec.PROACTIVE_ITEM_HEADER} | {a: a for a, _, _ in spec.PROACTIVE_BLOCKS}
    cut = CutRows(reader, rows, place, lambda labels: _names_columns(labels, header_words, 1))
    for block in blocks:
        labels, values = split_row(cells_of(block))
        if not any(v.strip() for v in values):
            found = header_keys(reader, labels, columns)
            if found:
                header = found
            elif labels and not _PAGE_MARK.match(block.text):
                cut.labels_only(labels)
            continue
        if cut.numbers_of_a_cut_label(labels, values):
            continue
        cut.row(labels, values)
    cut.drop_orphan()
    reader.missing(spec.PROACTIVE_CELLS)
    return reader.values, reader.notes, reader.unread


# --- table 三 ----------------------------------------------------------------------------------

_GROUP = "__orgs__"


def _request_columns(header_rows: list[list[str]], reader: TableReader) -> list[str] | None:
    """Column order from the header rows, the 法人或其他组织 group standing for its five columns
    (a misprinted heading read as the column it resembles, with a note). A header split over two
    lines ("商业" / "企业") is read joined, column by column. None when the columns cannot all be
    identified: then no value of the table is guessed."""
    labels = {c.id: c.label for c in spec.REQUESTS.columns} | {_GROUP: spec.REQUESTS_ORGS}
    official = [c.id for c in spec.REQUESTS.columns]
    order = _order(header_rows, TableReader(reader.table), labels)
    if sorted(order) != sorted(official):
        joined = _joined_columns(header_rows)
        if joined and sorted(_order([joined], TableReader(reader.table), labels)) == sorted(official):
            header_rows = [joined]
    order = _order(header_rows, reader, labels)  # again, now keeping its notes
    if sorted(order) == sorted(official):
        return order
    missing = [c for c in official if c not in order]
    if len(missing) == 1 and order == [c for c in official if c != missing[0]]:
        # one heading unreadable, every other in the format's order: the gap is that column
        reader.note(
            None,
            I1.say("column_by_position", part=reader.table.part, label=labels[missing[0]]),
        )
        return official
    return None


def _order(header_rows: list[list[str]], reader: TableReader, labels: dict[str, str]) -> list[str]:
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
    return [k for k in order if k != _GROUP]


def _joined_columns(header_rows: list[list[str]]) -> list[str] | None:
    """The last two header rows joined cell by cell, aligned at their right end (the label column
    on the left may be merged and missing from the second): a heading printed over two lines."""
    rows = [r for r in header_rows if len(r) >= 3][-2:]
    if len(rows) < 2:
        return None
    width = max(len(r) for r in rows)
    padded = [[""] * (width - len(r)) + list(r) for r in rows]
    return ["".join(r[i] for r in padded) for i in range(width)]


def read_requests(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding], dict[str, str]]:
    table = spec.REQUESTS
    reader = TableReader(table)
    rows = {r.id: r.label for r in table.rows}
    sections = {norm(s) for s in (*spec.REQUEST_SECTIONS, spec.REQUESTS_RESULTS)}
    other_section = norm(spec.REQUEST_SECTIONS[-1])
    header: list[list[str]] = []
    columns: list[str] | None = None
    decided = False

    def place(row_id: str, values: list[str]) -> None:
        nonlocal decided, columns
        if not decided:
            decided, columns = True, _request_columns(header, reader)
        if columns is None:
            reader.seen.add(row_id)
            reader.not_read(
                reader.cells(row_id),
                I2.say("requests_header", part=table.part),
            )
            return
        reader.take(row_id, columns, values, rows[row_id])

    header_words = {c.id: c.label for c in table.columns} | {_GROUP: spec.REQUESTS_ORGS}
    cut = CutRows(reader, rows, place, lambda labels: _names_columns(labels, header_words, 2))
    for block in blocks:
        cells = cells_of(block)
        labels, values = split_row(cells)
        if not values or not any(v.strip() for v in values):
            if not decided and (block.is_row or "。" not in block.text):  # a sentence is no header
                header.append(cells)
            elif decided and labels and not _PAGE_MARK.match(block.text):
                cut.labels_only(labels)
            continue
        if cut.numbers_of_a_cut_label(labels, values):
            continue
        last = norm(labels[-1].split("/")[-1]) if labels else ""
        if last == other_section:
            raise format_2019("表三“（六）其他处理”只有一行，没有分为 1.至 3. 三项")
        if last in sections:
            continue
        cut.row(labels, values)
    cut.drop_orphan()
    reader.all_rows_short(len(spec.REQUESTS.columns))
    reader.missing(rows)
    _confirm_requests(reader)
    return reader.values, reader.notes, reader.unread


def _confirm_carries(reader: TableReader) -> None:
    """新收 + 上年结转 = 办理结果总计 + 结转下年度 in no column at all, where the rows are read:
    the reading is not confirmed (a real report misses it in a column or two, not in all seven)."""
    failing = 0
    for c in spec.REQUESTS.columns:
        row = [
            reader.values.get(f"requests.{r}.{c.id}") for r in ("new", "carried_in", "results_total", "carried_over")
        ]
        numbers = [v for v in row if isinstance(v, int)]
        if len(numbers) < 4:
            return
        failing += numbers[0] + numbers[1] != numbers[2] + numbers[3]
    if failing == len(spec.REQUESTS.columns):
        reader.note(
            "requests",
            I1.say("rows_misaligned", part=reader.table.part),
        )


def _confirm_requests(reader: TableReader) -> None:
    """Row totals confirm the column reading: when the 总计 column disagrees with the sum of its
    row in two rows or more while another column is the sum of the rest in every row, the columns
    were misread, not misprinted."""
    cols = [c.id for c in spec.REQUESTS.columns]
    full: list[tuple[str, list[int]]] = []
    for r in spec.REQUESTS.rows:
        got = [reader.values.get(f"requests.{r.id}.{c}") for c in cols]
        numbers = [v for v in got if isinstance(v, int)]
        if len(numbers) == len(got) and any(numbers):
            full.append((r.id, numbers))
    _confirm_carries(reader)
    if len(full) < 3:
        return
    if sum(1 for _, v in full if sum(v[:-1]) != v[-1]) < 2:
        return  # the 总计 column holds (a misprint or two are the check's to report)
    for j in range(len(cols) - 1):
        if all(sum(v) - v[j] == v[j] for _, v in full):
            paths = [p for r in spec.REQUESTS.rows for p in reader.cells(r.id)]
            for p in paths:
                reader.values.pop(p, None)
            reader.not_read(
                paths,
                I2.say("total_misplaced", part=reader.table.part, column=spec.REQUESTS.columns[j].label),
            )
            return


# --- table 四 ----------------------------------------------------------------------------------


def read_appeals(blocks: list[Block]) -> tuple[dict[str, Any], list[Finding], dict[str, str]]:
    table = spec.APPEALS
    reader = TableReader(table)
    guessed: set[str] = set()  # groups read without a header naming every column
    groups_labels = {r.id: r.label for r in table.rows}
    column_labels = {c.id: c.label for c in table.columns}
    header_groups: list[str] = []
    header_cols: list[str] = []

    def columns() -> list[str]:
        named = sorted(header_cols) == sorted(column_labels)
        if not named:
            guessed.update(groups_labels)
        return header_cols if named else list(column_labels)

    def place(group: str, values: list[str]) -> None:
        reader.take(group, columns(), values, groups_labels[group])

    # A header line names a column, or two of 行政复议, 行政诉讼 and its two kinds (the group
    # headings above the columns); a group's label on a row of its own names one.
    header_words = groups_labels | {"suit": spec.APPEALS_SUIT}
    cut = CutRows(
        reader,
        groups_labels,
        place,
        lambda labels: _names_columns(labels, column_labels, 1) or _names_columns(labels, header_words, 2),
        unknown="row_unknown",
    )
    for block in blocks:
        labels, values = split_row(cells_of(block))
        if not values or not any(v.strip() for v in values):
            text = " ".join(labels)
            header_groups += [g for g in find_labels(text, groups_labels) if g not in header_groups]
            header_cols += [c for c in find_labels(text, column_labels) if c not in header_cols]
            if labels and not _PAGE_MARK.match(block.text):
                cut.labels_only(labels)
            continue
        cut.drop_orphan()
        if labels:
            cut.row(labels, values)
            continue
        cols = columns()
        if cut.pending and len(fit(values, 0)) == len(cols):
            cut.numbers_only(values)  # one group's numbers, its label (a row of its own) before the break
            continue
        cut.pending = None
        groups = header_groups if sorted(header_groups) == sorted(groups_labels) else list(groups_labels)
        need = len(groups) * len(cols)
        printed = len(fit(values, 0))
        if printed != need:
            for group in groups:
                reader.seen.add(group)
                reader.not_read(
                    reader.cells(group),
                    I2.say("appeals_count", part=table.part, printed=printed, need=need, columns=len(cols)),
                )
            continue
        filled = fit(values, need)
        for i, group in enumerate(groups):
            chunk = [v or "" for v in filled[i * len(cols) : (i + 1) * len(cols)]]
            reader.take(group, cols, chunk, groups_labels[group])
    cut.drop_orphan()
    reader.missing(groups_labels)
    for group in guessed:  # read in the format's column order: kept only where the group's total confirms it
        got = [reader.values.get(p) for p in reader.cells(group)]
        numbers = [v for v in got if isinstance(v, int)]
        if len(numbers) == len(got) and sum(numbers[:-1]) != numbers[-1]:
            for p in reader.cells(group):
                reader.values.pop(p, None)
            reader.not_read(
                reader.cells(group),
                I2.say("appeals_header", part=table.part, group=groups_labels[group]),
            )
    return reader.values, reader.notes, reader.unread


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
            found = {k: v or "" for k, v in zip(header, fit(values, len(header)), strict=False)}
            break
        if keys and values and len(keys) == 1:  # "实际收取金额（元） 0" as label | value lines
            found[keys[0]] = values[0]
    out: dict[str, Any] = {}

    def note(path: str | None, message: str) -> None:
        notes.append(I1.finding(path, message))

    if not found:
        note(
            "processing_fee.amount_yuan",
            I1.say("fee_unreadable", part=part_title),
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
            I1.say("fee_amounts", part=part_title, notified=notified, collected=collected),
        )
    return out, notes
