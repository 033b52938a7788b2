"""What every route of the page shares: the limits, the templates, the answers (a page, an error
in Chinese as a page or as JSON, an attachment) and the names of things. One per app, found by
the routes as `site(request)`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from xltools.api import OUTPUTS, XLSX_MEDIA_TYPE, __version__, buildable_formats, clean_text
from xltools.web.security import install_templates
from xltools.web.views import STATUS_TEXT
from xltools.web.work import Worker

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 20 * 1024 * 1024  # one file; a filled template is about 60 KB
MAX_REQUEST = 100 * 1024 * 1024  # one request, all files together
MAX_FILES = 500  # files in one request: a 区/县 has a few hundred units at most
MAX_FIELD = 4 * 1024 * 1024  # a non-file form field: the report data posted back for a download
UPLOADS_AT_ONCE = 4  # upload requests received at once; bounds the temporary storage to 4 × MAX_REQUEST
UPLOADS_PER_CLIENT = 2  # of those, from one client address: one client cannot hold every slot

# The formats a download may ask for: every output format of the library (xltools.formats), in the
# order the page offers them; the page shows those the library can build here (api.buildable_formats:
# PDF only where LibreOffice is installed), with their media types.
Fmt = Literal["docx", "pdf", "html", "cms", "txt", "md", "json"]
FORMATS = {fmt: OUTPUTS[fmt].media_type for fmt in Fmt.__args__}  # type: ignore[attr-defined]
assert set(FORMATS) == set(OUTPUTS), "a download path for every output format"
XLSX = XLSX_MEDIA_TYPE
TEMPLATE_NAME = "政府信息公开工作年度报告模板.xlsx"
SUMMARY_NAME = "检查汇总.xlsx"

STATUS_MESSAGES = {
    400: "请求格式不正确。请回到首页重新选择文件上传。",
    403: "拒绝请求。请回到首页重新操作。",
    404: "没有这个页面。请回到首页。",
    405: "不支持这种访问方式。请回到首页重新操作。",
    408: "上传太慢或中断，已停止接收。请检查网络后重新上传。",
    413: "上传的内容过大：每个文件不超过 {upload}，一次上传的文件合计不超过 {request}、最多 {files} 个。",
    415: "不支持这种文件类型。",
    422: "文件无法使用。",
    500: "程序内部错误，已记录。请把所用文件和操作步骤反馈给维护人员。",
}


@dataclass(frozen=True)
class Limits:
    """The sizes the app accepts; parameters of create_app so that tests can make them small."""

    max_upload: int = MAX_UPLOAD
    max_request: int = MAX_REQUEST
    max_files: int = MAX_FILES

    def too_large(self) -> str:
        texts = {"upload": size_text(self.max_upload), "request": size_text(self.max_request)}
        return STATUS_MESSAGES[413].format(files=self.max_files, **texts)


class Site:
    """The app's shared state: limits, templates, the worker that runs the library."""

    def __init__(self, limits: Limits, worker: Worker):
        self.limits, self.worker = limits, worker
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals.update(
            version=__version__,
            status_text=STATUS_TEXT,
            download_formats=sorted(buildable_formats(), key=lambda f: list(FORMATS).index(f.id)),
            max_upload=limits.max_upload,
            max_upload_text=size_text(limits.max_upload),
            max_files=limits.max_files,
        )
        install_templates(self.templates.env)

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def error(self, request: Request, status: int, message: str, code: str = "") -> Response:
        """A Chinese message: JSON for programs, the error page for people."""
        if wants_json(request):
            return JSONResponse({"error": {"code": code or str(status), "message": message}}, status_code=status)
        return self.page(request, "error.html", status, message=message, status=status)


def site(request: Request) -> Site:
    """The Site of the app serving this request (a FastAPI dependency)."""
    return request.app.state.site  # type: ignore[no-any-return]


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    ascii_name = "report." + filename.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


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


def is_chinese(text: object) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)
