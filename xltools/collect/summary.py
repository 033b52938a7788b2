"""The summary workbook of a batch check: who has errors, at a glance, and every finding to send back.

Sheet 汇总 has one row per file (unusable files included, with the reason); sheet 问题清单 one row
per finding. Rows are small tuples taken from each result as it passes (`rows_of`, in the worker
that checked it), and `SummaryBook` writes them as they arrive, so a batch keeps neither reports
nor rows.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import BinaryIO, NamedTuple

from xltools.errors import OutputError
from xltools.model import ERROR, FileResult
from xltools.rules.sums import TOTAL_PARTS
from xltools.spec import FEE_AMOUNT_LABEL, FIELDS
from xltools.text import os_reason

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
PROBLEM_HEADERS = ("文件", "机关全称", "单元格", "规则", "级别", "项目", "说明")
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
        code = getattr(r.error, "code", "") or ""
        return row, [ProblemRow(r.shown, "", "", STATUS_UNUSABLE, SEVERITY_WORDS[ERROR], code, reason)]
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
            f.field or "",
            f.message,
        )
        for f in sorted(result.findings, key=lambda f: f.severity != ERROR)
    ]
    return row, problems


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
            self._text = wb.add_format({"valign": "top"})
            self._wrap = wb.add_format({"valign": "top", "text_wrap": True})
            self._bad = wb.add_format({"valign": "top", "font_color": "#C00000", "bold": True})
            self._good = wb.add_format({"valign": "top", "font_color": "#006100"})
            self._money = wb.add_format({"valign": "top", "num_format": "0.00"})
            self._head = head
            self._pages = {
                SHEET_SUMMARY: (SUMMARY_HEADERS, [40, 32, 8, 10, 8, 8] + [12] * len(KEY_FIGURES) + [60], []),
                SHEET_PROBLEMS: (PROBLEM_HEADERS, (40, 32, 22, 8, 6, 36, 90), []),
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
        text = self._text
        self.rows += 1
        ws, n = self._next(SHEET_SUMMARY)
        ws.write_string(n, 0, row.path, text)
        if row.name:
            ws.write_string(n, 1, row.name, text)
        if row.year is not None:
            ws.write_number(n, 2, row.year, text)
        ws.write_string(n, 3, row.status, self._good if row.status == STATUS_OK else self._bad)
        if row.status != STATUS_UNUSABLE:
            ws.write_number(n, 4, row.errors, text)
            ws.write_number(n, 5, row.warnings, text)
        for i, value in enumerate(row.figures):
            if value is not None:
                is_decimal = isinstance(value, Decimal)
                ws.write_number(n, 6 + i, float(value) if is_decimal else value, self._money if is_decimal else text)
        if row.reason:
            ws.write_string(n, 6 + len(KEY_FIGURES), row.reason, self._wrap)

    def _add_problem(self, p: ProblemRow) -> None:
        self.problems += 1
        ws, n = self._next(SHEET_PROBLEMS)
        last = len(p) - 1
        for i, value in enumerate(p):
            if value:
                ws.write_string(n, i, value, self._wrap if i == last else self._text)

    def close(self) -> None:
        """Finish the workbook: the autofilters, which need the last rows, then the file itself.
        OutputError when it could not be written, now or while the batch ran."""
        from xlsxwriter.exceptions import FileCreateError

        try:
            if self.failed is None:
                for headers, _widths, pages in self._pages.values():
                    for ws, rows in pages:
                        ws.autofilter(0, 0, max(rows, 1), len(headers) - 1)
                self._wb.close()
        except FileCreateError as exc:  # xlsxwriter's wrapper of the OSError
            self.failed = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        except OSError as exc:
            self.failed = exc
        finally:
            self.discard()
        if self.failed is not None:
            raise self._error(self.failed) from self.failed

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
    "workbook_bytes",
]
