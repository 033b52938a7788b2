"""The library's entry points: what the CLI and the web page call.

Each function takes paths or bytes and returns plain results; failures are domain exceptions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .checker import CheckResult, check
from .errors import UnusableInput, XltoolsError
from .model import Report
from .reader import read_input

INPUT_SUFFIXES = (".xlsx", ".json")
# Found in a folder too, so each is refused with its reason instead of silently left out.
OTHER_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".et", ".ods")


@dataclass
class FileResult:
    """One input's outcome: a check result, or the reason it could not be used."""

    path: str
    result: CheckResult | None = None
    error: XltoolsError | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return 0 if self.result.ok else 1


def expand_inputs(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Files as given, and folders searched (recursively, sorted) for .xlsx and .json files
    (and other spreadsheet files, which are then refused with a reason).

    Office lock files (~$name.xlsx) and hidden files are skipped.
    """
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file()
                and f.suffix.lower() in INPUT_SUFFIXES + OTHER_SPREADSHEETS
                and not f.name.startswith(("~$", "."))
            )
            out += [str(f) for f in found]
        else:
            out.append(str(p))
    return out


def load_report(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check one input; UnusableInput when it cannot be used at all."""
    return check(read_input(path), strict=strict, previous=previous)


def load_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check an upload held in memory (the web page); `name` only picks the reader."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".json":
            from .jsonform import MAX_JSON, parse_json

            if len(data) > MAX_JSON:
                raise UnusableInput(
                    f"JSON 文件过大（超过 {MAX_JSON // 1024 // 1024} MB），不像是一份年度报告。", code="too_large"
                )
            source = parse_json(data, name)
        elif suffix in (".xlsx", ".xlsm", ".xls", ".csv", ".et", ".ods"):
            from .reader import read_book
            from .xlsx import open_book

            source = read_book(open_book(data), name)
        else:
            raise UnusableInput(
                f"不支持的文件类型“{suffix or '无扩展名'}”。请提供 xltools 模板填写的 .xlsx 文件，或 .json 报告数据。",
                code="unsupported",
            )
    except UnusableInput as exc:
        exc.path = exc.path or name
        raise
    return check(source, strict=strict, previous=previous)


def check_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    try:
        return FileResult(name, load_bytes(data, name, strict=strict, previous=previous))
    except XltoolsError as exc:
        return FileResult(name, error=exc)


def check_file(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    try:
        return FileResult(str(path), load_report(path, strict=strict, previous=previous))
    except XltoolsError as exc:
        return FileResult(str(path), error=exc)


def check_paths(paths: Iterable[str], *, strict: bool = False) -> Iterator[FileResult]:
    for path in paths:
        yield check_file(path, strict=strict)


def exit_code(results: Iterable[FileResult]) -> int:
    return max((r.exit_code for r in results), default=0)


__all__ = [
    "FileResult",
    "UnusableInput",
    "check_bytes",
    "check_file",
    "check_paths",
    "exit_code",
    "expand_inputs",
    "load_bytes",
    "load_report",
]
