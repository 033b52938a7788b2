"""From an upload to an answer, the same for the page and the API: which parts are files, checking
them in the worker, the HTTP status of a result, a built report as an attachment or a refusal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from xltools import api
from xltools.api import FileResult
from xltools.errors import XltoolsError, http_status
from xltools.web import work
from xltools.web.site import Site, attachment, display_name, size_text, wants_json
from xltools.web.views import phrased

Uploads = list[tuple[str, UploadFile | None]]
T = TypeVar("T")
log = logging.getLogger("xltools.web")


def read_uploads(site: Site, files: list[UploadFile]) -> Uploads:
    """(display name, the spooled upload), or None for a file over the limit. Nothing is read into
    memory here: the worker does it, one file at a time, as it checks it."""
    if len(files) > site.limits.max_files:
        raise HTTPException(413)
    out: Uploads = []
    for f in files:
        if not f.filename and not f.size:
            continue  # the empty part a browser sends when no file was chosen
        name = display_name(f.filename)
        out.append((name, None if f.size is not None and f.size > site.limits.max_upload else f))
    if not out:
        raise HTTPException(400, "没有收到文件。请先选择要检查的文件（.xlsx、.json 或已发布的报告）。")
    return out


async def check_all(site: Site, uploads: Uploads, strict: bool) -> list[FileResult]:
    """Every upload's result, in order, each checked in a worker as its turn comes."""
    limit = site.limits.max_upload
    return [
        await site.worker.check(name, None if upload is None else upload.file, limit, size_text(limit), strict)
        for name, upload in uploads
    ]


async def read_one(site: Site, upload: UploadFile | None) -> bytes:
    """One upload's bytes; 413 when it is over the limit."""
    file = None if upload is None else upload.file
    data = await anyio.to_thread.run_sync(work.read_limited, file, site.limits.max_upload)
    if data is None:
        raise HTTPException(413)
    return data


async def library(site: Site, name: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in the worker; whatever stops it is an XltoolsError to phrase: the library's
    own, or the upload's 无法读取 (time limit, a dead worker, a bug)."""
    try:
        return await site.worker.run(fn, *args)
    except XltoolsError:
        raise
    except Exception as exc:
        log.warning("%s on %s failed: %r", getattr(fn, "__name__", fn), name, exc)
        error = api.lost_result(exc, name).error
        assert error is not None
        raise error from None


def status_of(results: list[FileResult]) -> int:
    """A single unusable upload is the client's to fix (4xx); a batch always answers 200."""
    error = results[0].error if len(results) == 1 else None
    return 200 if error is None else http_status(error)


async def build_response(
    site: Site, request: Request, data: bytes, name: str, fmt: str, draft: bool, strict: bool = False
) -> Response:
    """The report built in `fmt` as an attachment, or the library's refusal (with its findings for
    a program)."""
    try:
        document = await library(site, name, work.build_report, data, name, fmt, draft, strict)
    except XltoolsError as exc:
        status = http_status(exc)
        if wants_json(request) and getattr(exc, "findings", None):
            findings = [f.as_json() for f in getattr(exc, "findings", [])]
            content = {"error": {"code": exc.code, "message": phrased(exc)}, "findings": findings}
            return JSONResponse(content, status_code=status)
        return site.error(request, status, phrased(exc), exc.code)
    return attachment(document.data, document.media_type, display_name(document.filename))
