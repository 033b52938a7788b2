"""Plain data passed between reading, checking and rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xltools.errors import XltoolsError
from xltools.spec import FIELDS, Kind
from xltools.text import display_path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CellError:
    """An error value a spreadsheet cell holds (#N/A, #REF!…), as read from a workbook."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Finding:
    """One problem, shaped as in docs/format.md §6 and §5.2: `cells` names every cell it involves (the
    sheet marks exactly those), `cell` is the first of them."""

    rule: str
    severity: str
    field: str | None
    message: str
    cell: str | None = None
    expected: Any = None
    actual: Any = None
    where: str | None = None  # a published report's table, row and column labels (it has no cells)
    cells: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cell and not self.cells:
            object.__setattr__(self, "cells", (self.cell,))
        elif self.cells and not self.cell:
            object.__setattr__(self, "cell", self.cells[0])

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "field": self.field,
            "cell": self.cell,
            "where": self.where,
            "cells": list(self.cells),
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "message": self.message,
        }

    @property
    def sheet(self) -> str | None:
        return self.cell.split("!", 1)[0] if self.cell else None


def _jsonable(value: Any) -> Any:
    """A finding's value as JSON holds it: a decimal and a cell's error value (#N/A) as their text."""
    if isinstance(value, (Decimal, CellError)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class Source:
    """What one input states, as read: raw values by id path, and where each one sits.

    A key is present only when the input states it; a workbook's intact total formula is not a
    statement (it is recomputed), a total overwritten with a value is. `findings` holds what the
    reader itself saw (an edited label, a formula typed into an input).
    """

    path: str
    kind: str  # "xlsx" or "json"
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # a published report's text outside the fields, by place
    published: bool = False  # read from a published report (Word, web page, text, PDF): no cells, no formulas

    def cell(self, path: str) -> str | None:
        return self.cells.get(path)


@dataclass
class Report:
    """A normalised report: every field path present, numbers typed, totals effective.

    A total's effective value is the stated one when stated (as a spreadsheet would use a typed
    value), else the sum of its parts. Text is a str ("" when blank), optional numbers may be None.
    """

    values: dict[str, Any]
    stated: frozenset[str] = frozenset()
    cells: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    def get(self, path: str, default: Any = None) -> Any:
        value = self.values.get(path)
        return default if value is None else value

    def text(self, path: str) -> str:
        return self.values.get(path) or ""

    @property
    def name(self) -> str:
        return self.text("agency.name")

    @property
    def year(self) -> int | None:
        year = self.values.get("year")
        return year if isinstance(year, int) else None

    def numbers(self, prefix: str) -> dict[str, Any]:
        """The numeric fields under a prefix, e.g. numbers("requests.new")."""
        return {
            p: v
            for p, v in self.values.items()
            if p.startswith(prefix + ".") and FIELDS[p].kind in (Kind.COUNT, Kind.DECIMAL)
        }


@dataclass
class CheckResult:
    """A checked report: the report as read, and every finding about it."""

    report: Report
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class FileResult:
    """One input's outcome: a check result, or the reason it could not be used."""

    path: str
    result: CheckResult | None = None
    error: XltoolsError | None = None

    @property
    def shown(self) -> str:
        """The path as a person reads it: bytes that are not UTF-8 shown escaped."""
        return display_path(self.path)

    @property
    def checked(self) -> CheckResult:
        """The check result of a file that could be used (error is None)."""
        if self.result is None:
            raise ValueError(f"{self.path}: no check result ({self.error})")
        return self.result

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return 0 if self.checked.ok else 1
