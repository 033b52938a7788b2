"""Reading and checking one input, from a path or from bytes: the step every command, the batch and
the web page share. Failures are domain exceptions; `check_file`/`check_bytes` turn them into a
result that carries the error.
"""

from __future__ import annotations

import os
from typing import TypeVar

from xltools.errors import UnusableInput, XltoolsError
from xltools.inputs import is_published
from xltools.model import CheckResult, FileResult, Report
from xltools.rules.checker import check
from xltools.workbook.reader import read_input

E = TypeVar("E", bound=BaseException)


def load_report(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check one input; UnusableInput when it cannot be used at all. A published report
    is imported in memory and checked as it stands."""
    if is_published(path):
        from xltools.published import check_imported, import_report

        return check_imported(import_report(path), strict=strict, previous=previous)
    return check(read_input(path), strict=strict, previous=previous)


def load_for_build(
    path: str | os.PathLike, *, previous_path: str | None = None, narrative_path: str | None = None
) -> CheckResult:
    """Read and check a report as `build` takes it: with last year's report (year N-1, else
    UnusableInput) and with the narrative from a separate Word or text file, when given."""
    last = None
    if previous_path:
        from xltools.previous import load_previous

        last = load_previous(previous_path)
    if narrative_path:
        from xltools.published.narrative import load_with_narrative

        result = load_with_narrative(path, narrative_path, previous=last)
    else:
        result = load_report(path, previous=last)
    if last is not None and previous_path:
        from xltools.previous import require_year

        require_year(result.report, last, previous_path)
    return result


def load_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check an upload held in memory (the web page); `name` only picks the reader."""
    from xltools.workbook.reader import read_data

    if is_published(name):
        from xltools.published import check_imported, import_bytes, kind_of

        try:
            imported = import_bytes(data, kind_of(name), name)
        except UnusableInput as exc:
            exc.path = exc.path or name
            raise
        return check_imported(imported, strict=strict, previous=previous)
    try:
        source = read_data(data, name)
    except UnusableInput as exc:
        exc.path = exc.path or name
        raise
    return check(source, strict=strict, previous=previous)


def check_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    """One upload's result; whatever goes wrong inside its read or check is its verdict."""
    try:
        return FileResult(name, load_bytes(data, name, strict=strict, previous=previous))
    except Exception as exc:  # one file never stops a batch (or the page)
        return FileResult(name, error=failure(exc, name))


def check_file(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    """One file's result; whatever goes wrong inside its read or check is its verdict."""
    try:
        return FileResult(str(path), load_report(path, strict=strict, previous=previous))
    except Exception as exc:  # one file never stops a batch
        return FileResult(str(path), error=failure(exc, path))


def failure(exc: BaseException, path: str | os.PathLike | None = None) -> XltoolsError:
    """Any failure of one file's read or check as that file's verdict (无法读取): ours as it is,
    an unexpected one named in Chinese, never a traceback."""
    if isinstance(exc, XltoolsError):
        return detached(exc)
    if isinstance(exc, MemoryError):
        message = "无法读取（内存不足）：读取这个文件所需的内存超过了上限。文件可能过大或已损坏，请另存或拆分后再试。"
        code = "memory"
    elif isinstance(exc, RecursionError):
        message = "无法读取：文件的结构嵌套过深，无法读取。文件可能已损坏，请另存后再试。"
        code = "nested"
    else:
        message = f"无法读取：读取或检查这个文件时程序内部出错（{type(exc).__name__}）。请把这个文件反馈给维护人员。"
        code = "internal"
    return UnusableInput(message, code=code, path=str(path) if path is not None else None)


def detached(exc: E) -> E:
    """The exception without its tracebacks (its own and its causes'): a result that is kept must
    not keep the reader's frames alive, and with them the whole file's bytes (a batch of five 19 MB
    uploads kept all five in memory until the page was sent)."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        e.__traceback__ = None
        e = e.__cause__ or e.__context__
    return exc
