"""What the collection round's office and unit pages share: the page renderer, times as the office
reads them (Asia/Shanghai), a unit's versions and notes as plain rows, and the stored verdict turned
back into the checking page's view. Holds no state: every page is built from the store."""

from __future__ import annotations

import datetime as dt
import io
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import anyio
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from xltools import api
from xltools.api import FileResult
from xltools.web import round_work
from xltools.web.site import display_name, size_text
from xltools.web.views import UnitView, unit_view

STATUS_NAMES = {
    "not_submitted": "未提交",
    "errors": "有错误",
    "warnings": "有提示待核实",
    "passed": "通过",
    "confirmed": "已确认",
}
STATUSES = tuple(STATUS_NAMES)
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
OFFICE_COOKIE = "xltools_office"
log = logging.getLogger("xltools.web")

RESULTS = 256  # checked uploads kept for showing again (about 60 KB each)
THREADS = 4  # server threads for the store's rows (the files themselves go to the worker processes)


def shanghai(when: dt.datetime | None) -> str:
    """A stored UTC time as the office reads it: 2026-01-05 11:04."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def today_in_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def date_text(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "未定"


class RoundPages:
    """The shared parts the office and unit routers are built with: the service, the page's
    templates, and where calls run: `work` in a thread of the server (rows of the store),
    `heavy` in the page's worker processes (anything that reads an uploaded file: round_work)."""

    def __init__(self, service: Any, folder: str, templates: Jinja2Templates, worker: Any, max_upload: int):
        self.service, self.folder, self.templates, self.worker = service, folder, templates, worker
        self.max_upload = max_upload
        self.limiter = anyio.CapacityLimiter(THREADS)
        self.results: OrderedDict[int, FileResult] = OrderedDict()  # upload id -> its result (uploads never change)

    async def work(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    async def heavy(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(folder, *args)` (a function of round_work) in a worker process."""
        return await self.worker.run(fn, self.folder, *args)

    def remember(self, upload_id: int, result: FileResult | None) -> None:
        """Keep the last RESULTS results read: a page shown again (or right after its upload)
        does not read its file again. A cache of what the store holds, never the only copy."""
        if result is None:
            return
        self.results[upload_id] = result
        self.results.move_to_end(upload_id)
        while len(self.results) > RESULTS:
            self.results.popitem(last=False)

    def _latest(self, round_id: int) -> list[tuple[Any, Any]]:
        """Each unit that uploaded, with its current upload."""
        return [(s, s.last) for s in api.round_submitted(self.service, round_id) if s.last is not None]

    def current(self, round_id: int) -> Iterator[tuple[Any, FileResult]]:
        """Each unit that uploaded with its current report's result, read in the workers one
        unit a call (for the round's downloads; called from a server thread)."""
        latest = self._latest(round_id)
        cached = [self.results.get(upload.id) for _, upload in latest]
        todo = [upload.id for (_, upload), r in zip(latest, cached, strict=True) if r is None]
        made = round_work.in_order(self.worker, round_work.findings, self.folder, todo)
        for (state, upload), result in zip(latest, cached, strict=True):
            if result is None:
                got = next(made)
                result = api.lost_result(got, upload.filename) if isinstance(got, Exception) else got
            yield state, result

    def words(self, round_id: int) -> Iterator[tuple[Any, bytes | str | None]]:
        """Each unit that uploaded with its current report as Word (None: it has errors; a text:
        why it could not be made), made in the workers one unit a call."""
        latest = self._latest(round_id)
        made = round_work.in_order(self.worker, round_work.word, self.folder, [upload.id for _, upload in latest])
        for (state, upload), got in zip(latest, made, strict=True):
            if isinstance(got, Exception):
                log.warning("Word report of upload %s failed: %r", upload.id, got)
                lost = api.lost_result(got, upload.filename).error
                yield state, lost.message if lost is not None else str(got)
            else:
                yield state, got

    async def findings(self, upload: Any) -> UnitView:
        """A stored upload read and checked again (as `check` would, with last year's report),
        laid out as the checking page lays out its findings."""
        result = self.results.get(upload.id)
        if result is None:
            try:
                result = await self.heavy(round_work.findings, upload.id)
                self.remember(upload.id, result)
            except Exception as exc:  # past the time limit, or its worker died: said as the file's verdict
                result = api.lost_result(exc, upload.filename)
        view = unit_view(0, result)
        view.filename = upload.filename
        return view

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request, name, {"status_names": STATUS_NAMES, **context}, status_code=status_code
        )


class _Gone(Exception):
    """The download's reader went away: the writer stops."""


class _Pipe(io.RawIOBase):
    """The write end of a download: what is written goes to the response as it comes (not
    seekable: a zip written here carries its sizes after each member, as zipfile does for streams)."""

    def __init__(self, chunks: queue.Queue, gone: threading.Event):
        self.chunks, self.gone = chunks, gone

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        if not _put(self.chunks, data, self.gone):
            raise _Gone
        return len(data)


def _put(chunks: queue.Queue, item: object, gone: threading.Event) -> bool:
    """`item` queued for the reader as soon as there is room; False when the reader went away first."""
    while not gone.is_set():
        try:
            chunks.put(item, timeout=0.5)
            return True
        except queue.Full:
            continue
    return False


async def streamed(write: Callable[[BinaryIO], None]) -> AsyncIterator[bytes]:
    """The bytes `write(out)` writes, in a thread of its own, as they are written: a download of a
    whole round starts at once and grows as its units' files are made (never held whole in memory
    or on disk). The writer stops when the reader goes away."""
    chunks: queue.Queue = queue.Queue(maxsize=16)
    gone = threading.Event()
    end = object()

    def run() -> None:
        try:
            write(_Pipe(chunks, gone))  # type: ignore[arg-type]  # a RawIOBase is a binary stream
        except _Gone:
            return
        except Exception:
            log.exception("a streamed download failed")  # the download ends short: the reader sees a broken file
        finally:
            _put(chunks, end, gone)

    threading.Thread(target=run, daemon=True, name="xltools-download").start()
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(chunks.get)
            if chunk is end:
                return
            yield chunk
    finally:
        gone.set()


@dataclass
class RoundView:
    """A round as its pages show it."""

    id: int
    year: int
    name: str
    deadline: dt.date | None
    closed: bool
    units: int = 0

    @property
    def deadline_text(self) -> str:
        return date_text(self.deadline)


def round_view(r: Any, units: int = 0) -> RoundView:
    return RoundView(r.id, r.year, r.office, r.deadline, not r.open, units)


@dataclass
class VersionView:
    """One upload in a unit's history: `number` counts the unit's own uploads from 1, so a URL
    names a version only within one unit (never a global id)."""

    number: int
    upload_id: int
    time_text: str
    filename: str
    status: str
    errors: int
    warnings: int
    review_text: str = ""
    reviewed: bool = False

    @property
    def status_text(self) -> str:
        return STATUS_NAMES[self.status]


def versions_of(history: list[Any]) -> list[VersionView]:
    """A unit's history (the service's Versions, oldest first) as rows, newest first, each with
    the office's last decision on it."""
    out = []
    for number, v in enumerate(history, start=1):
        u, review = v.upload, (v.reviews[-1] if v.reviews else None)
        status = u.verdict_status.value
        text = ""
        if review is not None:
            if review.decision == "confirm" and status != "errors":
                status, text = "confirmed", "已确认"
            elif review.decision == "return":
                text = "已退回"
        out.append(
            VersionView(
                number, u.id, shanghai(u.uploaded), u.filename, status, u.errors, u.warnings, text, review is not None
            )
        )
    return out[::-1]


@dataclass
class Note:
    """The office's word on a version, as the unit reads it."""

    kind: str  # "returned" or "confirmed"
    title: str
    text: str
    time_text: str
    version: int | None


def notes_of(history: list[Any]) -> list[Note]:
    """Every review of the unit's uploads, newest first."""
    notes = []
    for number, v in enumerate(history, start=1):
        for r in v.reviews:
            kind = "confirmed" if r.decision == "confirm" else "returned"
            notes.append(
                (
                    r.at,
                    Note(
                        kind, "已确认" if kind == "confirmed" else "退回修改", r.comment or "", shanghai(r.at), number
                    ),
                )
            )
    return [n for _, n in sorted(notes, key=lambda x: x[0], reverse=True)]


def version_number(history: list[Any], wanted: int | None) -> int | None:
    """The version a page shows: `wanted` when the unit has it, else its latest (None: no upload)."""
    if not history:
        return None
    return wanted if wanted is not None and 1 <= wanted <= len(history) else len(history)


__all__ = [
    "CHINA",
    "OFFICE_COOKIE",
    "STATUSES",
    "STATUS_NAMES",
    "Note",
    "RoundPages",
    "RoundView",
    "VersionView",
    "date_text",
    "display_name",
    "notes_of",
    "round_view",
    "shanghai",
    "size_text",
    "today_in_china",
    "version_number",
    "versions_of",
]
