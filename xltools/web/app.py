"""The web page (`xltools serve`): upload a filled workbook or JSON report, see the verdict and
every finding on the table as drawn in the workbook, preview the report, download it.

This module assembles the app: the guards (security.py), the error answers, and the routers
(pages.py, downloads.py, api_routes.py), which share site.py (limits, templates, answers) and
work.py (the one place the library's checks and renders run).

Handlers only move bytes between HTTP and the library. Nothing is kept: an upload is streamed by
the multipart parser into a temporary file (in memory up to 1 MB, then an unnamed file on disk that
vanishes when closed) and read into memory one file at a time, by the worker that checks it. At
most UPLOADS_AT_ONCE upload requests are received at once (UPLOADS_PER_CLIENT from one client; the
others wait, unread), each at most MAX_REQUEST bytes, arriving at a minimum pace: the temporary
storage is bounded, and memory holds at most WORKERS files at a time whatever the number of
concurrent uploads. Downloads are rebuilt from the report data the page posts back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from xltools.api import __version__
from xltools.web import api_routes, downloads, pages, security
from xltools.web.site import (
    FORMATS,
    HERE,
    MAX_FIELD,
    MAX_FILES,
    MAX_REQUEST,
    MAX_UPLOAD,
    STATUS_MESSAGES,
    UPLOADS_AT_ONCE,
    UPLOADS_PER_CLIENT,
    XLSX,
    Limits,
    Site,
    display_name,
    is_chinese,
)
from xltools.web.work import WORKERS, Worker

log = logging.getLogger("xltools.web")


def create_app(
    *,
    max_upload: int = MAX_UPLOAD,
    max_request: int = MAX_REQUEST,
    max_files: int = MAX_FILES,
    hosts: Iterable[str] = security.LOCAL_HOSTS,
    pace: security.Pace = security.PACE,
    told: Callable[[str], None] | None = None,
    processes: bool = True,
    data_folder: Path | None = None,
) -> FastAPI:
    """The application. `hosts` are the names it answers to (security.host_names); `told` hears
    each refused Host name once. The limits are parameters so that tests can make them small;
    `processes=False` runs the checks in threads of this process (work.Worker). With a
    `data_folder` (serve --data) it is also the collection service (round_app.py), and answers
    to the host of the units' address (round new --base-url) too."""
    worker = Worker(WORKERS, processes=processes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            worker.close()

    app = FastAPI(
        lifespan=lifespan,
        title="xltools 网页版",
        version=__version__,
        description="政府信息公开工作年度报告：上传填好的模板（.xlsx）、报告数据（.json）或已发布的报告（.html、.docx、.pdf、.txt），检查并生成报告。不保存任何上传的文件。"
        "接口（/api/）供其他程序使用；从浏览器提交时须来自本服务的页面（Origin），页面的表单另带 CSRF 令牌。",
        docs_url=None,  # the interactive docs load scripts from a CDN; the machines have no internet
        redoc_url=None,
        openapi_url="/openapi.json",
        form_limits={"max_files": max_files, "max_fields": 20, "max_part_size": MAX_FIELD},
    )
    limits = Limits(max_upload, max_request, max_files)
    site = app.state.site = Site(limits, worker)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (pages.router, downloads.router, api_routes.router):
        app.include_router(router)
    _handle_errors(app, site)
    more_hosts = None
    if data_folder is not None:
        from xltools.web.round_app import add_round

        more_hosts = add_round(app, site, data_folder).hosts  # the address the units' links use

    # The guards, innermost first (Starlette puts the last added outermost).
    app.add_middleware(security.BodyLimit, limit=max_request, refuse=site.error, message=limits.too_large())
    app.add_middleware(security.BodyPace, pace=pace)
    app.add_middleware(security.UploadGate, at_once=UPLOADS_AT_ONCE, per_client=UPLOADS_PER_CLIENT)
    app.add_middleware(security.CsrfCookie)
    app.add_middleware(security.HeadAsGet)
    app.add_middleware(security.OriginGuard, refuse=site.error)
    app.add_middleware(security.HostGuard, hosts=hosts, refuse=site.error, told=told, more=more_hosts)
    app.add_middleware(security.SecurityHeaders)
    return app


def _handle_errors(app: FastAPI, site: Site) -> None:
    """Every error a Chinese message, never a traceback."""

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and str(exc.detail).startswith("Too many files"):  # the multipart parser's limit
            exc = HTTPException(413)
        if exc.status_code == 413:
            message = site.limits.too_large()
        elif is_chinese(exc.detail):
            message = str(exc.detail)
        else:
            message = STATUS_MESSAGES.get(exc.status_code, "请求无法处理。")
        response = site.error(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():  # Allow of a 405, Connection: close of a cut-off body
            response.headers[name] = value
        if exc.status_code in (408, 413):
            response.headers["Connection"] = "close"  # the rest of the body is not read
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        locations = {str(e.get("loc", ("",))[0]) for e in errors}
        if "path" in locations:
            return site.error(request, 404, "没有这种格式。可下载的格式：" + "、".join(FORMATS) + "。", "not_found")
        return site.error(request, 400, form_problem(errors), "bad_form")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return site.error(request, 500, STATUS_MESSAGES[500], "internal")


# What each form field is called on the page, for a message that names it.
FIELD_NAMES = {
    "files": "文件",
    "file": "文件",
    "strict": "“把提示也当作错误”",
    "draft": "“生成草稿”",
    "report": "报告数据",
}


def form_problem(errors) -> str:
    """A form that does not validate, said per field: a missing file is not a bad yes/no field."""
    lines = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", ()) if x != "body"]
        field = loc[0] if loc else ""
        what = FIELD_NAMES.get(field, f"“{field}”" if field else "表单")
        kind = str(e.get("type", ""))
        if field in ("files", "file"):  # missing, or the empty text part a form sends when none was chosen
            lines.append("没有收到文件。请先选择要检查的文件（.xlsx、.json 或已发布的报告）。")
        elif kind == "missing":
            lines.append(f"缺少{what}。请回到首页重新操作。")
        elif kind.startswith("bool"):
            lines.append(f"{what}应为“是”或“否”（true 或 false），现在的值无法识别。")
        else:
            lines.append(f"{what}的值不正确。请回到首页重新操作。")
    return "".join(dict.fromkeys(lines)) or "请求格式不正确。请回到首页重新选择文件上传。"


__all__ = [
    "FORMATS",
    "MAX_FILES",
    "MAX_REQUEST",
    "MAX_UPLOAD",
    "UPLOADS_AT_ONCE",
    "UPLOADS_PER_CLIENT",
    "WORKERS",
    "XLSX",
    "create_app",
    "display_name",
]
