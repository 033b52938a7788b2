"""The web page (`xltools serve`): upload a filled workbook or JSON report, see the verdict and
every finding on the table as drawn in the workbook, preview the report, download it.

Handlers only move bytes between HTTP and the library (xltools.api, xltools.render,
xltools.collect.summary). Nothing is kept: an upload is streamed by the multipart parser into a
temporary file (in memory up to 1 MB, then an unnamed file on disk that vanishes when closed) and
read into memory one file at a time, by the worker that checks it. At most UPLOADS_AT_ONCE upload
requests are received at once (the others wait, unread), each at most MAX_REQUEST bytes: the
temporary storage is bounded, and memory holds at most WORKERS files at a time whatever the number
of concurrent uploads. Downloads are rebuilt from the report data the page posts back.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

import anyio
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from xltools import __version__, spec
from xltools.api import FileResult, check_bytes, load_bytes
from xltools.collect.summary import workbook_bytes
from xltools.errors import UnusableInput, XltoolsError
from xltools.previous import next_template_from
from xltools.render import build, render
from xltools.text import clean_text
from xltools.verdict import as_json
from xltools.web.views import STATUS_ORDER, STATUS_TEXT, phrased, summary_counts, unit_view
from xltools.workbook.template import template_bytes

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 20 * 1024 * 1024  # one file; a filled template is about 60 KB
MAX_REQUEST = 100 * 1024 * 1024  # one request, all files together
MAX_FILES = 500  # files in one request: a 区/县 has a few hundred units at most
MAX_FIELD = 4 * 1024 * 1024  # a non-file form field: the report data posted back for a download
WORKERS = 2  # checks and renders at once: bounds memory; more threads only contend for the GIL (benchmarks/web_load.py)
UPLOADS_AT_ONCE = 4  # upload requests received at once; bounds the temporary storage to 4 × MAX_REQUEST

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}
FORMAT_NAMES = {"docx": "Word", "html": "网页", "txt": "文本", "md": "Markdown", "json": "JSON 数据"}
Fmt = Literal["docx", "html", "txt", "md", "json"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "政府信息公开工作年度报告模板.xlsx"
SUMMARY_NAME = "检查汇总.xlsx"

log = logging.getLogger("xltools.web")

_STATUS_MESSAGES = {
    400: "请求格式不正确。请回到首页重新选择文件上传。",
    404: "没有这个页面。请回到首页。",
    405: "不支持这种访问方式。请回到首页重新操作。",
    413: "上传的内容过大：每个文件不超过 {upload}，一次上传的文件合计不超过 {request}、最多 {files} 个。",
    415: "不支持这种文件类型。",
    422: "文件无法使用。",
    500: "程序内部错误，已记录。请把所用文件和操作步骤反馈给维护人员。",
}


def create_app(*, max_upload: int = MAX_UPLOAD, max_request: int = MAX_REQUEST, max_files: int = MAX_FILES) -> FastAPI:
    """The application; the limits are parameters so that tests can make them small."""
    app = FastAPI(
        title="xltools 网页版",
        version=__version__,
        description="政府信息公开工作年度报告：上传填好的模板（.xlsx）、报告数据（.json）或已发布的报告（.html、.docx、.pdf、.txt），检查并生成报告。不保存任何上传的文件。",
        docs_url=None,  # the interactive docs load scripts from a CDN; the machines have no internet
        redoc_url=None,
        openapi_url="/openapi.json",
        form_limits={"max_files": max_files, "max_fields": 20, "max_part_size": MAX_FIELD},
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(
        version=__version__,
        status_text=STATUS_TEXT,
        format_names=FORMAT_NAMES,
        max_upload=max_upload,
        max_upload_text=size_text(max_upload),
        max_files=max_files,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(BodyLimit, limit=max_request, reject=lambda request: error(request, 413, _too_large(limits)))
    app.add_middleware(UploadGate, at_once=UPLOADS_AT_ONCE)
    limiter = anyio.CapacityLimiter(WORKERS)
    limits = {"upload": size_text(max_upload), "request": size_text(max_request), "files": max_files}

    def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def error(request: Request, status: int, message: str, code: str = "") -> Response:
        if _wants_json(request):
            return JSONResponse({"error": {"code": code or str(status), "message": message}}, status_code=status)
        return page(request, "error.html", status, message=message, status=status)

    async def work(fn, *args):
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    # --- errors: every one a Chinese message, never a traceback --------------------------------

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        if exc.status_code == 400 and str(exc.detail).startswith("Too many files"):  # the multipart parser's limit
            exc = HTTPException(413)
        if exc.status_code == 413:
            return error(request, 413, _too_large(limits))
        message = exc.detail if _is_chinese(exc.detail) else _STATUS_MESSAGES.get(exc.status_code, "请求无法处理。")
        return error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        locations = {str(e.get("loc", ("",))[0]) for e in errors}
        if "path" in locations:
            return error(request, 404, "没有这种格式。可下载的格式：" + "、".join(FORMATS) + "。", "not_found")
        return error(request, 400, form_problem(errors), "bad_form")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error(request, 500, _STATUS_MESSAGES[500], "internal")

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")  # units' data stays out of caches
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
        )
        return response

    # --- reading the uploads ------------------------------------------------------------------

    async def read_uploads(files: list[UploadFile]) -> list[tuple[str, UploadFile | None]]:
        """(display name, the spooled upload), or None for a file over the limit. Nothing is read
        into memory here: `load` does it, one file at a time, in the worker that checks it."""
        if len(files) > max_files:
            raise HTTPException(413)
        out = []
        for f in files:
            if not f.filename and not f.size:
                continue  # the empty part a browser sends when no file was chosen
            name = display_name(f.filename)
            out.append((name, None if f.size is not None and f.size > max_upload else f))
        if not out:
            raise HTTPException(400, "没有收到文件。请先选择要检查的文件（.xlsx、.json 或已发布的报告）。")
        return out

    def load(upload: UploadFile | None) -> bytes | None:
        """One upload's bytes (in a worker thread), or None when it is over the limit."""
        if upload is None:
            return None
        upload.file.seek(0)
        data = upload.file.read(max_upload + 1)
        return data if len(data) <= max_upload else None

    def check_one(name: str, upload: UploadFile | None, strict: bool) -> FileResult:
        """Read and check one upload; its bytes are let go on return, before the next is read."""
        data = load(upload)
        if data is None:
            too_large = UnusableInput(f"文件过大（超过 {size_text(max_upload)}），不像是年度报告。", code="too_large")
            return FileResult(name, error=too_large)
        try:
            return check_bytes(data, name, strict=strict)
        except Exception:  # a bug must cost one line of the batch, not the page
            log.exception("checking %s failed", name)
            return FileResult(name, error=UnusableInput(_STATUS_MESSAGES[500], code="internal"))

    def check_all(uploads: list[tuple[str, UploadFile | None]], strict: bool) -> list[FileResult]:
        return [check_one(name, upload, strict) for name, upload in uploads]

    def status_of(results: list[FileResult]) -> int:
        """A single unusable upload is the client's to fix (4xx); a batch always answers 200."""
        if len(results) != 1 or results[0].error is None:
            return 200
        return {"too_large": 413, "unsupported": 415, "internal": 500}.get(results[0].error.code, 422)

    # --- pages --------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, tags=["页面"], summary="上传页面")
    async def index(request: Request):
        return page(request, "index.html")

    @app.head("/", include_in_schema=False)  # a monitor's or a link checker's "is it up?"
    async def index_head(request: Request):
        return page(request, "index.html")

    @app.post("/check", response_class=HTMLResponse, tags=["页面"], summary="检查上传的文件，返回结果页面")
    async def check_page(
        request: Request,
        files: Annotated[
            list[UploadFile], File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告，可多个")
        ],
        strict: Annotated[bool, Form(description="把提示也当作错误")] = False,
    ):
        uploads = await read_uploads(files)
        results = await work(check_all, uploads, strict)
        units = [unit_view(i, r, strict) for i, r in enumerate(results)]
        status = status_of(results)
        if len(units) == 1:
            unit = units[0]
            preview = await work(_preview, results[0]) if unit.status != "unusable" else None
            return page(request, "result.html", status, unit=unit, preview=preview)
        summary = await work(workbook_bytes, results)  # xltools.collect.summary
        return page(
            request,
            "batch.html",
            status,
            units=units,
            counts=summary_counts(units),
            order=STATUS_ORDER,
            summary_href=f"data:{XLSX};base64,{base64.b64encode(summary).decode()}" if summary else None,
            summary_name=SUMMARY_NAME,
        )

    @app.post("/download/{fmt}", tags=["页面"], summary="按结果页面回传的报告数据生成报告文件")
    async def download(
        request: Request,
        fmt: Fmt,
        report: Annotated[str, Form(description="报告数据（xltools.report/1 JSON）")],
        draft: Annotated[bool, Form(description="有错误时仍生成，带“草稿”标记")] = False,
        strict: Annotated[bool, Form(description="把提示也当作错误（与检查时相同）")] = False,
    ):
        data = report.encode("utf-8")
        return await build_response(request, data, "report.json", fmt, draft, strict)

    @app.post("/next-template.xlsx", tags=["页面"], summary="按回传的本年报告数据生成下一年度的模板")
    async def next_template_download(
        request: Request, report: Annotated[str, Form(description="本年报告数据（xltools.report/1 JSON）")]
    ):
        try:
            body, filename = await work(_next_template, report.encode("utf-8"), "report.json")
        except XltoolsError as exc:
            return error(request, 422, phrased(exc), exc.code)
        return _attachment(body, XLSX, filename)

    @app.get("/template.xlsx", tags=["页面"], summary="下载空白填报模板")
    async def template_download():
        return _attachment(_template(), XLSX, TEMPLATE_NAME)

    # --- the same for programs ----------------------------------------------------------------

    @app.post("/api/check", tags=["接口"], summary="检查文件，返回 JSON（与 xltools check --json 相同）")
    async def api_check(
        files: Annotated[
            list[UploadFile], File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告，可多个")
        ],
        strict: Annotated[bool, Form()] = False,
    ):

        results = await work(check_all, await read_uploads(files), strict)
        return JSONResponse(as_json(results), status_code=status_of(results))

    @app.post("/api/build/{fmt}", tags=["接口"], summary="检查一个文件并生成报告")
    async def api_build(
        request: Request,
        fmt: Fmt,
        file: Annotated[UploadFile, File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告")],
        draft: Annotated[bool, Form()] = False,
        strict: Annotated[bool, Form(description="把提示也当作错误")] = False,
    ):
        ((name, upload),) = await read_uploads([file])
        data = await work(load, upload)
        if data is None:
            raise HTTPException(413)
        return await build_response(request, data, name, fmt, draft, strict)

    @app.get("/api/template", tags=["接口"], summary="空白填报模板（.xlsx）")
    async def api_template():
        return _attachment(_template(), XLSX, TEMPLATE_NAME)

    async def build_response(
        request: Request, data: bytes, name: str, fmt: str, draft: bool, strict: bool = False
    ) -> Response:
        try:
            body, filename = await work(_build, data, name, fmt, draft, strict)
        except XltoolsError as exc:
            status = 422 if exc.exit_code == 1 or exc.code != "unsupported" else 415
            if _wants_json(request) and getattr(exc, "findings", None):
                findings = [f.as_json() for f in exc.findings]
                content = {"error": {"code": exc.code, "message": phrased(exc)}, "findings": findings}
                return JSONResponse(content, status_code=status)
            return error(request, status, phrased(exc), exc.code)
        return _attachment(body, FORMATS[fmt], filename)

    return app


class UploadGate:
    """At most `at_once` upload (multipart) requests are received at a time; the others wait before
    their bodies are read, so the temporary storage their files are streamed into stays bounded."""

    def __init__(self, app, at_once: int):
        self.app = app
        self.gate = anyio.Semaphore(at_once)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"content-type", b"").lower().startswith(b"multipart/"):
                async with self.gate:
                    return await self.app(scope, receive, send)
        return await self.app(scope, receive, send)


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


class BodyLimit:
    """Refuse a request body over `limit` bytes: at once when Content-Length says so, else as soon
    as the bytes read pass it (raised inside the handler, so the 413 page is ours)."""

    def __init__(self, app, limit: int, reject):
        self.app, self.limit, self.reject = app, limit, reject

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        try:
            declared = int(request.headers.get("content-length", "0"))
        except ValueError:
            declared = 0
        if declared > self.limit:
            response = self.reject(request)
            return await response(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413)
            return message

        await self.app(scope, counted, send)


def _too_large(limits: dict) -> str:
    return _STATUS_MESSAGES[413].format(**limits)


# --- pure helpers: library calls the handlers run in a worker thread -----------------------------


def _build(data: bytes, name: str, fmt: str, draft: bool, strict: bool = False) -> tuple[bytes, str]:
    """Check, then render; a report with errors only as a marked draft."""

    result = load_bytes(data, name, strict=strict)
    body = build(result, fmt, draft=draft)  # the library's build, as on the command line
    return body, report_filename(result.report.name, result.report.year, fmt, draft=bool(result.errors))


def _next_template(data: bytes, name: str) -> tuple[bytes, str]:
    """Next year's template pre-filled from this year's report (xltools.previous), which must
    pass: its 结转下年度 becomes next year's 上年结转."""

    result = load_bytes(data, name)
    body = next_template_from(result)
    filename = display_name(f"{result.report.name}{result.report.year + 1}年度报告模板.xlsx")
    return body, filename


def _preview(r: FileResult) -> str | None:
    """The report as it will be published (html), or None when it cannot be rendered."""
    try:
        return render(r.result.report, "html", draft=not r.result.ok, findings=r.result.findings).decode("utf-8")
    except Exception:  # the preview is a courtesy: the verdict and findings stand without it
        log.exception("preview of %s failed", r.path)
        return None


@functools.lru_cache(maxsize=1)
def _template() -> bytes:

    return template_bytes()


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def display_name(filename: str | None) -> str:
    """The upload's base name, cleaned for showing and for picking a reader: no folders, no
    control characters, not endless."""
    name = unicodedata.normalize("NFC", clean_text((filename or "").replace("\\", "/").rsplit("/", 1)[-1]))
    name = _UNSAFE.sub("_", name).strip(" .") or "未命名文件"
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:100] + "…" + dot + ext) if dot and len(ext) <= 8 else name[:120]
    return name


def size_text(n: int) -> str:
    return f"{n // 1024 // 1024} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def report_filename(agency: str, year: int | None, fmt: str, *, draft: bool = False) -> str:
    """The download's name; a draft's says 草稿, so it is never mistaken for the report itself."""
    title = spec.TITLE.format(name=agency, year=year or "") if agency else "年度报告"
    return display_name(f"{title}{'（草稿）' if draft else ''}.{fmt}")


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    ascii_name = "report." + filename.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _is_chinese(text) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


__all__ = ["FORMATS", "MAX_FILES", "MAX_REQUEST", "MAX_UPLOAD", "create_app", "display_name", "report_filename"]
