"""Where the page's library calls run: in worker processes that can be killed (xltools.api.worker_pool),
never in the server's own threads, so that a file that hangs a reader or eats memory costs its
worker and its own answer (无法读取（超时）), not the server. `Worker._call` is the one place a
check, a build, a render or a summary is handed over; at most `workers` run at once, and an
upload's bytes are read only when its turn comes, so memory holds at most WORKERS files whatever
the number of uploads. The functions handed over are below: plain library calls, no HTTP.

With `processes=False` the calls run in threads of this process instead: for tests that replace a
library function here (a process of the pool would not see the replacement).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import anyio

from xltools import api
from xltools.api import Document, FileResult
from xltools.errors import UnusableInput

WORKERS = 2  # checks and renders at once: bounds memory and the machine's cores (benchmarks/web_load.py)
CALL_TIMEOUT = 60.0  # seconds one call may take in a worker before it is killed (XLTOOLS_FILE_TIMEOUT, as the batch)
WORKER_MEMORY = 2 << 30  # bytes of address space per worker (XLTOOLS_WORKER_MEMORY; 0: no limit, as the batch)

log = logging.getLogger("xltools.web")
T = TypeVar("T")


def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


class Worker:
    """Runs the library's calls for the page, `workers` at a time, each within `timeout` seconds."""

    def __init__(self, workers: int = WORKERS, *, processes: bool = True, timeout: float | None = None):
        self.workers, self.processes = workers, processes
        self.timeout = timeout if timeout is not None else _setting("XLTOOLS_FILE_TIMEOUT", CALL_TIMEOUT)
        self.limiter = anyio.CapacityLimiter(workers)
        self._pool: Any = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker; a call past the time limit or whose worker died raises
        (xltools.collect.pool.WorkerLost: turn it into an answer with `api.lost_result`)."""
        async with self.limiter:
            return await self._call(fn, *args, **kwargs)

    async def check(self, name: str, file: BinaryIO | None, limit: int, limit_text: str, strict: bool) -> FileResult:
        """One upload's result, never raised: read (when its turn comes) and checked in a worker;
        a file over the limit, past the time limit, or that broke its worker is its verdict."""
        async with self.limiter:
            data = None if file is None else await anyio.to_thread.run_sync(read_limited, file, limit)
            if data is None:
                too_large = UnusableInput(f"文件过大（超过 {limit_text}），不像是年度报告。", code="too_large")
                return FileResult(name, error=too_large)
            try:
                return await self._call(api.check_bytes, data, name, strict=strict)
            except Exception as exc:  # a bug must cost one line of the batch, not the page
                log.warning("checking %s failed: %r", name, exc)
                return api.lost_result(exc, name)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The one place a library call runs."""
        if not self.processes:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
        future = self.pool().submit(fn, *args, **kwargs)
        try:
            return await asyncio.wrap_future(future)
        finally:
            future.cancel()  # the request went away before the call started: it never will

    def pool(self) -> Any:
        """The worker processes, started with the first call (importing the app starts none)."""
        if self._pool is None:
            memory = int(_setting("XLTOOLS_WORKER_MEMORY", WORKER_MEMORY)) or None
            self._pool = api.worker_pool(self.workers, timeout=self.timeout, memory_limit=memory)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (the app's shutdown); they also die with this process."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None


# --- what runs in the worker -------------------------------------------------------------------


def read_limited(file: BinaryIO | None, limit: int) -> bytes | None:
    """One upload's bytes, or None when it is over the limit (or was refused as such already)."""
    if file is None:
        return None
    file.seek(0)
    data = file.read(limit + 1)
    return data if len(data) <= limit else None


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
