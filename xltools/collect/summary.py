"""The summary workbook of a batch check: who has errors, at a glance, and every finding to send back.

Sheet 汇总 has one row per file (unusable files included, with the reason); sheet 问题清单 one row
per finding. Rows are small tuples taken from each result as it passes (`rows_of`, in the worker
that checked it), and `SummaryBook` writes them as they arrive, so a batch keeps neither reports
nor rows.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import BinaryIO, NamedTuple

from xltools.errors import OutputError
from xltools.geometry import where_text
from xltools.model import ERROR, FileResult
from xltools.rules.sums import TOTAL_PARTS
from xltools.spec import FEE_AMOUNT_LABEL, FIELDS
from xltools.text import fold, os_reason, wide

SHEET_SUMMARY = "汇总"
SHEET_PROBLEMS = "问题清单"

STATUS_OK = "通过"
STATUS_ERRORS = "未通过"
STATUS_UNUSABLE = "无法使用"

# The key figures of a report: (column heading, the fields it adds up).
KEY_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("本年新收", ("requests.new.total",)),
    ("上年结转", ("requests.carried_in.total",)),
    ("办理结果总计", ("requests.results_total.total",)),
    ("结转下年度", ("requests.carried_over.total",)),
    ("复议总计", ("appeals.review.total",)),
    ("诉讼总计", ("appeals.suit_direct.total", "appeals.suit_after_review.total")),
    (FEE_AMOUNT_LABEL.replace("收取金额", ""), ("processing_fee.amount_yuan",)),
)
assert all(p in FIELDS for _, paths in KEY_FIGURES for p in paths)

SUMMARY_HEADERS = (
    "文件",
    "机关全称",
    "年度",
    "状态",
    "错误数",
    "提示数",
    *(h for h, _ in KEY_FIGURES),
    "无法使用的原因",
)
PROBLEM_HEADERS = ("文件", "机关全称", "单元格", "规则", "级别", "表格位置", "说明")
SEVERITY_WORDS = {ERROR: "错误", "warning": "提示"}


class SummaryRow(NamedTuple):
    path: str
    name: str
    year: int | None
    status: str
    errors: int
    warnings: int
    figures: tuple  # one value (int, Decimal or None) per KEY_FIGURES entry
    reason: str


class ProblemRow(NamedTuple):
    path: str
    name: str
    cell: str
    rule: str
    severity: str
    field: str
    message: str


def rows_of(r: FileResult) -> tuple[SummaryRow, list[ProblemRow]]:
    """The 汇总 row and the 问题清单 rows of one file's result."""
    if r.result is None:
        reason = r.error.message if r.error is not None else ""
        row = SummaryRow(r.shown, "", None, STATUS_UNUSABLE, 0, 0, (None,) * len(KEY_FIGURES), reason)
        return row, [ProblemRow(r.shown, "", "", STATUS_UNUSABLE, SEVERITY_WORDS[ERROR], "", reason)]
    result = r.result
    report = result.report
    figures = tuple(_figure(report.values, paths) for _, paths in KEY_FIGURES)
    status = STATUS_OK if result.ok else STATUS_ERRORS
    row = SummaryRow(r.shown, report.name, report.year, status, len(result.errors), len(result.warnings), figures, "")
    problems = [
        ProblemRow(
            r.shown,
            report.name,
            f.cell or f.where or "",
            f.rule,
            SEVERITY_WORDS.get(f.severity, f.severity),
            place(f.field),
            f.message,
        )
        for f in sorted(result.findings, key=lambda f: f.severity != ERROR)
    ]
    return row, problems


def unit_key(name: str, year: int | None) -> tuple[str, int | None] | None:
    """What makes two reports the same unit's: the 机关全称 compared loosely (as merge compares
    them) and the year; None for a report that names no agency."""
    return (fold(name), year) if fold(name) else None


def same_units(results: Sequence[FileResult]) -> list[list[int]]:
    """Groups of indices of the results that are reports of one unit (unit_key), each group in
    order, more than one in each: a batch should hold every unit once, and merge refuses them."""
    groups: dict[tuple[str, int | None], list[int]] = {}
    for i, r in enumerate(results):
        key = unit_key(r.result.report.name, r.result.report.year) if r.result is not None else None
        if key is not None:
            groups.setdefault(key, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def place(path: str | None) -> str:
    """Where a finding is, in the words of the report's tables (三、依申请公开 四、结转下年度继续办理行
    自然人列; a published report's row not read: 三、依申请公开 四、结转下年度继续办理行), never a field key."""
    return where_text(path) or ""


def _figure(values: dict, paths: tuple[str, ...]):
    """The sum of the fields, or None when one of them (or a part of a total) could not be read."""

    needed, seen = list(paths), set()
    while needed:
        p = needed.pop()
        if values.get(p) is None:
            return None
        seen.add(p)
        needed += [q for q in TOTAL_PARTS.get(p, ()) if q not in seen]
    parts = [values.get(p) for p in paths]
    if any(v is None for v in parts):
        return None
    return sum(parts)


def _forget_written(ws, row: int) -> None:
    """Drop what xlsxwriter keeps of a row already written out. In constant_memory mode a row is
    flushed when the next one gets a cell, but a row's height (set_row) stays in `row_info` and
    `row_sizes` for ever: about 200 bytes a row, which a country's 问题清单 would pile up."""
    for kept in (getattr(ws, "row_info", None), getattr(ws, "row_sizes", None)):
        if isinstance(kept, dict):
            kept.pop(row, None)


class SummaryBook:
    """The summary workbook written as the results arrive, so a batch keeps no rows: xlsxwriter's
    constant_memory mode holds one row per sheet and streams each sheet to a scratch file, in a
    folder of its own that is removed however the writing ends. `target`: a file name (the scratch
    folder goes beside it: on the disk the user chose, not in a /tmp that may be memory) or a
    binary file; `name`: how messages name the workbook (the target may be a temporary file).

    A failure to write while a batch runs (a full disk) is kept, not raised, so the check goes on
    and loses no result; `close` raises it."""

    ROWS_PER_SHEET = 1_048_575  # Excel's rows, less the header; a sheet that is full goes on in the next

    def __init__(self, target: str | os.PathLike | BinaryIO, *, name: str = ""):
        import xlsxwriter

        self.name = name
        self.failed: OSError | None = None
        self.rows = self.problems = 0  # rows written so far: the autofilters reach the last ones
        self._wb = None
        beside = (os.path.dirname(os.fspath(target)) or ".") if isinstance(target, str | os.PathLike) else None
        try:
            self._scratch = tempfile.mkdtemp(prefix=".xltools-summary-", dir=beside)
        except OSError as exc:
            raise self._error(exc) from exc
        try:
            wb = self._wb = xlsxwriter.Workbook(
                os.fspath(target) if isinstance(target, str | os.PathLike) else target,
                {
                    "constant_memory": True,  # needs in_memory off: the sheets go to scratch files
                    "in_memory": False,
                    "tmpdir": self._scratch,
                    "strings_to_numbers": False,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                },
            )
            wb.set_properties({"title": "政府信息公开工作年度报告检查汇总", "author": "xltools"})
            head = wb.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
            )
            cell = {"valign": "top", "text_wrap": True, "border": 1, "border_color": "#BFBFBF"}
            # a unit with errors (or an unusable file): its whole 汇总 row filled, its status in bold red
            self._formats = {
                (kind, bad): wb.add_format({**cell, **extra, **({"bg_color": "#FCE4D6"} if bad else {})})
                for kind, extra in (
                    ("text", {}),
                    ("money", {"num_format": "0.00"}),
                    ("good", {"font_color": "#006100"}),
                    ("bad", {"font_color": "#C00000", "bold": True}),
                )
                for bad in (False, True)
            }
            self._text = self._formats["text", False]
            self._head = head
            self._other_year = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700", "bold": True})
            self._twice = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
            self._pages = {
                SHEET_SUMMARY: (SUMMARY_HEADERS, [26, 24, 6, 8, 6, 6] + [9] * len(KEY_FIGURES) + [36], []),
                SHEET_PROBLEMS: (PROBLEM_HEADERS, (24, 20, 12, 6, 6, 24, 60), []),
            }
            self._page(SHEET_SUMMARY)
            self._page(SHEET_PROBLEMS)
        except OSError as exc:
            self.discard()
            raise self._error(exc) from exc
        except BaseException:
            self.discard()
            raise

    def _page(self, kind: str):
        """A new sheet of this kind (汇总 or 问题清单), with its header: the first, or the next when
        the one before is full (a country's problems outnumber Excel's 1,048,576 rows)."""
        headers, widths, pages = self._pages[kind]
        ws = self._wb.add_worksheet(kind if not pages else f"{kind}（续{len(pages) + 1}）")
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        for i, h in enumerate(headers):
            ws.write_string(0, i, h, self._head)
        ws.set_row(0, 30)
        ws.freeze_panes(1, 0)
        # printable: landscape A4, all columns on the page's width, the header on every page
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")
        if kind == SHEET_SUMMARY:
            ws.write_comment(0, 2, "黄底的年度与本批多数文件的年度不同，请核实是否交错了文件。")
            ws.write_comment(
                0, 1, "红底的机关全称在本批中出现不止一次（同一机关、同一年度），汇总时只能计入一次，请核实留下哪一份。"
            )
        pages.append([ws, 0])
        return ws

    @property
    def _sheet(self):
        """The 汇总 sheet being written."""
        return self._pages[SHEET_SUMMARY][2][-1][0]

    @property
    def _list(self):
        """The 问题清单 sheet being written."""
        return self._pages[SHEET_PROBLEMS][2][-1][0]

    def _next(self, kind: str):
        """The sheet and row the next line of this kind goes to."""
        pages = self._pages[kind][2]
        if pages[-1][1] >= self.ROWS_PER_SHEET:
            self._page(kind)
        page = pages[-1]
        page[1] += 1
        _forget_written(page[0], page[1] - 2)
        return page[0], page[1]

    def add(self, row: SummaryRow | None, problems: Sequence[ProblemRow] = ()) -> None:
        """One file's 汇总 row and its 问题清单 rows."""
        if self.failed is None:
            try:
                if row is not None:
                    self._add_row(row)
                for p in problems:
                    self._add_problem(p)
            except OSError as exc:
                self.failed = exc

    def _add_row(self, row: SummaryRow) -> None:
        bad = row.status != STATUS_OK
        text = self._formats["text", bad]
        self.rows += 1
        ws, n = self._next(SHEET_SUMMARY)
        texts = {0: row.path, 1: row.name, 6 + len(KEY_FIGURES): row.reason}
        ws.set_row(n, _height(texts, self._pages[SHEET_SUMMARY][1]))
        _text(ws, n, 0, row.path, text)
        _text(ws, n, 1, row.name, text)
        if row.year is not None:
            ws.write_number(n, 2, row.year, text)
        else:
            ws.write_blank(n, 2, None, text)
        ws.write_string(n, 3, row.status, self._formats["bad" if bad else "good", bad])
        if row.status != STATUS_UNUSABLE:
            ws.write_number(n, 4, row.errors, text)
            ws.write_number(n, 5, row.warnings, text)
        else:
            ws.write_blank(n, 4, None, text)
            ws.write_blank(n, 5, None, text)
        for i, value in enumerate(row.figures):
            if value is None:
                ws.write_blank(n, 6 + i, None, text)
            elif isinstance(value, Decimal):
                ws.write_number(n, 6 + i, float(value), self._formats["money", bad])
            else:
                ws.write_number(n, 6 + i, value, text)
        _text(ws, n, 6 + len(KEY_FIGURES), row.reason, text)

    def _add_problem(self, p: ProblemRow) -> None:
        self.problems += 1
        ws, n = self._next(SHEET_PROBLEMS)
        ws.set_row(n, _height(dict(enumerate(p)), self._pages[SHEET_PROBLEMS][1]))
        error = p.severity == SEVERITY_WORDS[ERROR]
        for i, value in enumerate(p):
            fmt = self._formats["bad", False] if error and i == 4 else self._text
            _text(ws, n, i, value, fmt)

    def close(self) -> None:
        """Finish the workbook: the autofilters, which need the last rows, then the file itself.
        OutputError when it could not be written, now or while the batch ran."""
        from xlsxwriter.exceptions import FileCreateError

        try:
            if self.failed is None:
                for headers, _widths, pages in self._pages.values():
                    for ws, rows in pages:
                        ws.autofilter(0, 0, max(rows, 1), len(headers) - 1)
                self._flag_other_years()
                self._flag_same_units()
                self._wb.close()
        except FileCreateError as exc:  # xlsxwriter's wrapper of the OSError
            self.failed = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        except OSError as exc:
            self.failed = exc
        finally:
            self.discard()
        if self.failed is not None:
            raise self._error(self.failed) from self.failed

    def _flag_other_years(self) -> None:
        """A report of another year than most of the batch's: its 年度 cell flagged (a conditional
        format, as the rows went out before the batch's year was known), explained in the header."""
        self._flag(2, "=AND(ISNUMBER($C2),$C2<>MODE($C$2:$C${last}))", self._other_year)

    def _flag_same_units(self) -> None:
        """A unit met more than once (the same 机关全称 and year, as same_units): its 机关全称 flagged
        on each of its rows. A conditional format, as the rows went out before the second one came
        (the book keeps nothing per file); it compares the names as written, same_units loosely."""
        self._flag(1, '=AND($B2<>"",COUNTIFS($B$2:$B${last},$B2,$C$2:$C${last},$C2)>1)', self._twice)

    def _flag(self, col: int, criteria: str, fmt) -> None:
        """A column of every 汇总 page formatted where `criteria` holds (its `{last}`: the page's last row)."""
        for ws, rows in self._pages[SHEET_SUMMARY][2]:
            if rows:
                criteria_here = criteria.replace("{last}", str(rows + 1))
                ws.conditional_format(1, col, rows, col, {"type": "formula", "criteria": criteria_here, "format": fmt})

    def discard(self) -> None:
        """Let go of the scratch files: an interrupted or failed run leaves none behind."""
        if self._wb is not None:
            for ws in self._wb.worksheets():
                with contextlib.suppress(Exception):
                    ws._opt_close()  # a sheet's row data, open until the workbook is assembled
            self._wb.fileclosed = True  # an xlsxwriter that closes in its destructor must not write it now
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _error(self, exc: OSError) -> OutputError:
        where = f" {self.name}" if self.name else ""
        return OutputError(f"无法写入汇总{where}：{os_reason(exc)}", code="os")

    def __enter__(self) -> SummaryBook:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


LINE_PT = 15.0  # a wrapped line of 11 pt text


def _height(texts: dict[int, str], widths: Sequence[float]) -> float:
    """A row's height for its wrapped texts (no spreadsheet program grows a row it loads, so a
    printed summary would show one line of each): the most lines any of them takes in its column."""

    def lines(text: str, width: float) -> int:
        units = sum(2.2 if wide(ch) else 1.1 for ch in text)
        return max(1, math.ceil(units / max(width - 1.5, 1)))

    return LINE_PT * max([1, *(lines(t, widths[i]) for i, t in texts.items() if t)]) + 2


def _text(ws, row: int, col: int, value: str, fmt) -> None:
    """A text cell, or a blank one with the row's format (its fill and frame)."""
    if value:
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def workbook_bytes(results: Iterable[FileResult]) -> bytes:
    """The summary workbook of these results as .xlsx bytes (the web page's download): the
    batch's writer, into memory."""
    buf = io.BytesIO()
    with SummaryBook(buf) as book:
        for r in results:
            book.add(*rows_of(r))
    return buf.getvalue()


__all__ = [
    "KEY_FIGURES",
    "SHEET_PROBLEMS",
    "SHEET_SUMMARY",
    "ProblemRow",
    "SummaryBook",
    "SummaryRow",
    "rows_of",
    "same_units",
    "unit_key",
    "workbook_bytes",
]
