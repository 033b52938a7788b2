"""Check results as a clerk reads them (text) and as other programs read them (docs/format.md §6)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xltools.errors import XltoolsError
from xltools.geometry import cells_text, finding_order
from xltools.jsonform import dumps
from xltools.model import ERROR, FileResult, Finding
from xltools.text import displayable

Hint = Callable[[XltoolsError], str]  # an interface's own words after a library message (CLI, web)


def summary(results: Sequence[FileResult]) -> dict:
    checked = [r.result for r in results if r.result is not None]
    return {
        "files": len(results),
        "ok": sum(1 for c in checked if c.ok),
        "with_errors": sum(1 for c in checked if not c.ok),
        "unusable": sum(1 for r in results if r.error is not None),
        "errors": sum(len(c.errors) for c in checked),
        "warnings": sum(len(c.warnings) for c in checked),
    }


# The shape of `check --json` (docs/format.md §6): a program reading it checks this key first; the
# number goes up only when a key changes meaning or goes away (new keys may come without it).
CHECK_FORMAT = "xltools.check/1"


def as_json(results: Sequence[FileResult]) -> dict:
    return {"format": CHECK_FORMAT, "files": [file_json(r) for r in results], "summary": summary(results)}


def file_json(r: FileResult) -> dict:
    """One file's entry in `check --json`'s "files"."""
    if r.error is not None:
        return {"path": r.shown, "ok": False, "error": {"code": r.error.code, "message": r.error.message}}
    result = r.checked
    report = result.report
    return {
        "path": r.shown,
        "ok": result.ok,
        "agency": report.name or None,
        "year": report.year,
        "findings": [f.as_json() for f in result.findings],
    }


# `check --json` written as it goes: byte for byte `dumps(displayable(as_json(results)))`, the files
# one by one (each rendered where it was checked) and the counts at the end.
_ENTRY_INDENT = "    "  # an entry of "files" sits two levels deep
_HEAD = f'{{\n  "format": "{CHECK_FORMAT}",\n'  # the document up to "files"


def json_entry(r: FileResult) -> str:
    """One file's entry as `JsonStream` writes it: displayable, indented to its place."""
    text = dumps(displayable(file_json(r)))[:-1]
    return _ENTRY_INDENT + text.replace("\n", "\n" + _ENTRY_INDENT)


class JsonStream:
    """`check --json` onto `write`, a file's entry at a time (`json_entry`), keeping only a count."""

    def __init__(self, write: Callable[[str], object]):
        self.write = write
        self.files = 0

    def add(self, entry: str) -> None:
        self.write((_HEAD + '  "files": [\n' if self.files == 0 else ",\n") + entry)
        self.files += 1

    def close(self, totals: dict) -> None:
        counts = dumps(displayable(totals))[:-1].replace("\n", "\n  ")
        self.write((_HEAD + '  "files": [],\n' if self.files == 0 else "\n  ],\n") + f'  "summary": {counts}\n}}\n')


def verdict_line(r: FileResult, hint: Hint | None = None) -> str:
    if r.error is not None:
        return f"{r.shown}：无法使用 —— {r.error.message}{hint(r.error) if hint else ''}"
    report = r.checked.report
    when = f" {report.year}年" if report.year else ""
    who = f"（{report.name}{when}）" if report.name else ""
    errors, warnings = len(r.checked.errors), len(r.checked.warnings)
    if errors:
        state = f"未通过：{errors} 处错误" + (f"，{warnings} 处提示" if warnings else "")
    else:
        state = "通过" + (f"，{warnings} 处提示请核实" if warnings else "")
    return f"{r.shown}{who}：{state}"


def finding_line(f: Finding) -> str:
    mark = "×" if f.severity == ERROR else "!"
    where = cells_text(f.cells, f.sheet) if f.cells else (f.where or f.field or "")
    if f.where and f.message.startswith(f.where):
        where = ""  # the message names the place itself
    return f"    {mark} [{f.rule}] {where + ' ' if where else ''}{f.message}"


def file_lines(r: FileResult, hint: Hint | None = None) -> list[str]:
    """One file's verdict line and its findings grouped by sheet."""
    lines = [verdict_line(r, hint)]
    if r.result is None:
        return lines
    groups: dict[str, list[Finding]] = {}
    for f in sorted(r.result.findings, key=finding_order):  # the web page lists them in this order too
        part = f.where.split(" ", 1)[0] if f.where else None  # a published report: grouped by its part
        groups.setdefault(f.sheet or part or "全文", []).append(f)
    for sheet, items in groups.items():
        lines.append(f"  【{sheet}】")
        lines += [finding_line(f) for f in items]
    return lines


def summary_line(s: dict) -> str:
    return (
        f"共 {s['files']} 个文件：通过 {s['ok']} 个，有错误 {s['with_errors']} 个，无法使用 {s['unusable']} 个；"
        f"错误 {s['errors']} 处，提示 {s['warnings']} 处。"
    )


def human_text(lines: Sequence[str], counts: dict) -> str:
    """The files' lines, closed by a count summary when there is more than one file to sum up."""
    closing = count_line(counts)
    return "\n".join([*lines, closing] if closing else lines)


def count_line(counts: dict) -> str | None:
    """The line that closes a check's text: only when there is more than one file to sum up."""
    return summary_line(counts) if counts["files"] > 1 or counts["unusable"] else None


def human(results: Sequence[FileResult]) -> str:
    """A verdict line per file, its findings grouped by sheet, and a count summary."""
    return human_text([line for r in results for line in file_lines(r)], summary(results))
