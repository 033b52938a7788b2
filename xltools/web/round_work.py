"""The collection round's heavy calls, in the page's worker processes (web/work.py): every call
that reads an uploaded file (checking it, reading it again for its findings, rendering it,
summing or summarising a round) runs where a file that hangs a reader or eats memory costs only a
worker, never the server. A worker opens the data folder's store once and keeps it open (each
process its own SQLite connections); the server's threads only read and write rows.

The functions here are handed to the pool by name, so they take the data folder, not a service."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from xltools import api
from xltools.api import FileResult, Report
from xltools.model import Finding

log = logging.getLogger("xltools.web")
T = TypeVar("T")
_services: dict[str, Any] = {}  # data folder -> the round service, one per worker process


def _service(folder: str) -> Any:
    service = _services.get(folder)
    if service is None:
        service = _services[folder] = api.open_round_service(folder)
    return service


def judge(data: bytes, name: str, previous: Report | None) -> FileResult:
    """An upload checked, as the service's own check checks it."""
    return api.check_bytes(data, name, previous=previous)


def findings(folder: str, upload_id: int) -> FileResult:
    """A stored upload read and checked again (last year's report and U1 as at upload)."""
    service = _service(folder)
    return service.result_of(service.upload_of(upload_id))


def template(folder: str, unit_id: int) -> bytes:
    return _service(folder).template(unit_id)


def rendered(folder: str, upload_id: int, fmt: str) -> bytes:
    return _service(folder).rendered(upload_id, fmt)


def word(folder: str, upload_id: int) -> bytes | None:
    """A unit's current report as Word (None: it has errors), for the round's Word zip."""
    service = _service(folder)
    return api.round_word_of(service.result_of(service.upload_of(upload_id)))


def in_order(worker: Any, fn: Callable[..., T], folder: str, items: Iterable[Any]) -> Iterator[T | Exception]:
    """`fn(folder, item)` for each item, in the page's worker processes, yielded in the items'
    order (called from a server thread). One call per unit, each within the worker's time limit,
    so a round of any size is never one call past it; at most twice as many calls as workers wait
    at once, so the units' uploads keep their turn in the workers between them. A call that failed
    (past the time limit, its worker died, or an error) is yielded as its exception."""
    if not worker.processes:
        for item in items:
            try:
                yield fn(folder, item)
            except Exception as exc:
                yield exc
        return
    pool = worker.pool()
    pending: deque[Any] = deque()

    def first() -> T | Exception:
        try:
            return pending.popleft().result()
        except Exception as exc:
            return exc

    for item in items:
        pending.append(pool.submit(fn, folder, item))
        if len(pending) >= max(worker.workers, 1) * 2:
            yield first()
    while pending:
        yield first()


class PoolCheck:
    """The round service's `check` for the web page: the upload is judged in a worker process
    (called from the server thread that stores it); past the time limit, or when its worker dies,
    its verdict is that (无法读取（超时）), stored like any other. The thread that called it may
    `take()` the full result afterwards, to show the findings without reading the file again."""

    def __init__(self, worker: Any):
        self.worker = worker
        self.local = threading.local()

    def __call__(self, data: bytes, name: str, previous: Report | None) -> dict:
        try:
            if self.worker.processes:
                result = self.worker.pool().submit(judge, data, name, previous).result()
            else:
                result = judge(data, name, previous)
        except Exception as exc:  # the file's verdict, never the server's failure
            log.warning("checking %s failed: %r", name, exc)
            result = api.lost_result(exc, name)
        self.local.last = result
        return api.round_verdict(result)

    def take(self) -> FileResult | None:
        """The result of this thread's last check (once)."""
        result, self.local.last = getattr(self.local, "last", None), None
        return result


def as_stored(result: FileResult | None, upload: Any) -> FileResult | None:
    """The result of an upload's check with what the service added to its stored verdict (the
    U1 findings: another agency or year), as reading it again would give (service.result_of)."""
    if result is None or result.result is None:
        return result
    added = [f for f in upload.verdict.get("findings", ()) if f.get("rule") == "U1"]
    result.result.findings[:0] = [
        Finding(
            f["rule"], f["severity"], f.get("field"), f["message"], expected=f.get("expected"), actual=f.get("actual")
        )
        for f in added
    ]
    return result


__all__ = ["PoolCheck", "as_stored", "findings", "in_order", "judge", "rendered", "template", "word"]
