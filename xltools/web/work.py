"""Where the page's library calls run: `Worker.run` is the one place a check, a render or a summary
is carried out, at most WORKERS at a time, so memory holds at most WORKERS files whatever the
number of uploads. The functions it runs are below: plain library calls, no HTTP.

Today the calls run in threads (anyio's thread pool, bounded by a CapacityLimiter).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import anyio

from xltools import api
from xltools.api import Document, FileResult, check_bytes
from xltools.errors import UnusableInput

WORKERS = 2  # checks and renders at once: bounds memory; more threads only contend for the GIL (benchmarks/web_load.py)
INTERNAL = "程序内部错误，已记录。请把所用文件和操作步骤反馈给维护人员。"

log = logging.getLogger("xltools.web")
T = TypeVar("T")


class Worker:
    """Runs the library's calls for the page, `workers` at a time."""

    def __init__(self, workers: int = WORKERS):
        self.limiter = anyio.CapacityLimiter(workers)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)


# --- what runs in the worker -------------------------------------------------------------------


def read_limited(file: BinaryIO | None, limit: int) -> bytes | None:
    """One upload's bytes, or None when it is over the limit (or was refused as such already)."""
    if file is None:
        return None
    file.seek(0)
    data = file.read(limit + 1)
    return data if len(data) <= limit else None


def check_upload(name: str, file: BinaryIO | None, limit: int, limit_text: str, strict: bool) -> FileResult:
    """Read and check one upload; its bytes are let go on return, before the next is read."""
    data = read_limited(file, limit)
    if data is None:
        too_large = UnusableInput(f"文件过大（超过 {limit_text}），不像是年度报告。", code="too_large")
        return FileResult(name, error=too_large)
    try:
        return check_bytes(data, name, strict=strict)
    except Exception:  # a bug must cost one line of the batch, not the page
        log.exception("checking %s failed", name)
        return FileResult(name, error=UnusableInput(INTERNAL, code="internal"))


def check_uploads(
    uploads: list[tuple[str, BinaryIO | None]], limit: int, limit_text: str, strict: bool
) -> list[FileResult]:
    return [check_upload(name, file, limit, limit_text, strict) for name, file in uploads]


def build_report(data: bytes, name: str, fmt: str, draft: bool, strict: bool = False) -> Document:
    """Check, then build (a report with errors only as a marked draft), as on the command line."""
    return api.build(api.load_bytes(data, name, strict=strict), fmt, draft=draft)


def next_template(data: bytes, name: str) -> tuple[bytes, str]:
    """Next year's template pre-filled from this year's report, which must pass: its 结转下年度
    becomes next year's 上年结转. The body and the name it is offered under."""
    result = api.load_bytes(data, name)
    return api.next_template(result), api.next_template_filename(result.report)


def preview(r: FileResult) -> str | None:
    """The report as it will be published (html), or None when it cannot be rendered."""
    result = r.result
    if result is None:
        return None
    try:
        return api.render(result.report, "html", draft=not result.ok, findings=result.findings).decode("utf-8")
    except Exception:  # the preview is a courtesy: the verdict and findings stand without it
        log.exception("preview of %s failed", r.path)
        return None


def summary(results: list[FileResult]) -> bytes | None:
    """The batch's summary workbook."""
    return api.summary_workbook_bytes(results)


@functools.lru_cache(maxsize=1)
def blank_template() -> bytes:
    return api.template_bytes()
