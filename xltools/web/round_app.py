"""The collection service (xltools serve --data): the office's and the units' routes added to the
page, over the round service of the data folder (xltools.api). The stateless checking page stays
as it is; without --data none of this is mounted. The guards of xltools.web.security (host, origin,
CSRF, body pace, upload slots) stand in front of these routes as of every other."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException

from xltools import api
from xltools.web.round_common import RoundPages
from xltools.web.round_office import NeedLogin, office_router
from xltools.web.round_unit import UnknownLink, unit_router
from xltools.web.round_work import PoolCheck
from xltools.web.site import Site, is_chinese, wants_json

ROUND_MESSAGES = {
    400: "请求格式不正确。请回到上一页重新操作。",
    401: "请先登录。",
    403: "没有权限进行这个操作。",
    404: "没有这个页面。",
    405: "不支持这种访问方式。",
    408: "上传太慢或中断，已停止接收。请检查网络后重新上传。",
    409: "现在不能进行这个操作。",
    413: "上传的文件过大。",
    415: "不支持这种文件类型。",
    422: "文件无法使用。",
}
SESSION_HOURS = 12  # the office cookie's life: that of its session in the service (round.service)
GONE = "这个填报链接不存在或已作废。请联系政务公开办，索取本单位新的填报链接。"


def base_url(request: Request) -> str:
    """Where units reach this page when no address was set (round new --base-url): the address
    the office used (links are made from it)."""
    return str(request.base_url).rstrip("/")


def add_round(app: FastAPI, site: Site, data_folder: Path, *, check: PoolCheck | None = None) -> api.RoundService:
    """Mount the office's and the units' routes on `app` (the checking page's own app, with its
    `site`: templates, limits, the worker), over the round service of `data_folder`; uploads are
    judged by `check`, by default in the page's worker processes (round_work.PoolCheck). The
    service mounted is returned."""
    folder = str(data_folder)
    check = check or PoolCheck(site.worker)
    service = api.open_round_service(folder, check=check, max_upload=site.limits.max_upload)
    pages = RoundPages(service, folder, site.templates, site.worker, site.limits.max_upload)
    links_base = lambda request: service.base_url() or base_url(request)  # noqa: E731 - the address set, if any
    app.include_router(office_router(pages, base_url=links_base, session_hours=SESSION_HOURS))
    app.include_router(unit_router(pages, wants_json=wants_json, check=check))
    plain_errors = app.exception_handlers[HTTPException]

    @app.exception_handler(HTTPException)
    async def _round_error(request: Request, exc: HTTPException):
        """On the round's pages an error page of their own (no link to the checking page)."""
        path = request.url.path
        if wants_json(request) or not path.startswith(("/office", "/u/")):
            answer = plain_errors(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        message = exc.detail if is_chinese(exc.detail) else ROUND_MESSAGES.get(exc.status_code, "请求无法处理。")
        back = "/office" if path.startswith("/office") else ""
        return pages.page(request, "round/error.html", exc.status_code, message=message, back=back)

    @app.exception_handler(NeedLogin)
    async def _need_login(request: Request, exc: NeedLogin):
        if wants_json(request):
            return JSONResponse({"error": {"code": "login", "message": "请先登录。"}}, status_code=401)
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(request.url_for("office_login_form").path, status_code=303)
        return pages.page(
            request, "round/error.html", 401, message="登录已过期，请重新登录后再操作。", back="/office/login"
        )

    @app.exception_handler(UnknownLink)
    async def _unknown_link(request: Request, exc: UnknownLink):
        if wants_json(request):
            return JSONResponse({"error": {"code": "not_found", "message": GONE}}, status_code=404)
        return pages.page(request, "round/gone.html", 404)

    return service


__all__ = ["add_round", "base_url"]
