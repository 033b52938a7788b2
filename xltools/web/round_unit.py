"""A unit's page of a collection round: /u/<token>, reached only through its private link.

The token is the unit's only credential: every route asks the service for the unit's desk by it
(looked up by hash, compared in constant time), and names versions by their number within that
unit, so no URL can reach another unit's data. An unknown or revoked token answers 404 with a page
saying to ask the office. The upload form is the unit's whole job; a script may use it too (GET
the page for the cookie and the form's CSRF token, then POST the file; `Accept: application/json`
gives the verdict as JSON)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from xltools.errors import XltoolsError
from xltools.web import round_work
from xltools.web.round_common import (
    RoundPages,
    display_name,
    notes_of,
    round_view,
    size_text,
    version_number,
    versions_of,
)
from xltools.web.round_office import XLSX
from xltools.web.security import require_csrf
from xltools.web.site import attachment
from xltools.web.views import phrased

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORTS = {"docx": DOCX, "pdf": "application/pdf"}


class UnknownLink(Exception):
    """The token names no live link: the app answers with the Chinese 404 page."""


def unit_router(pages: RoundPages, *, wants_json: Any, check: Any) -> APIRouter:
    """The unit's routes; `check` is the service's (round_work.PoolCheck), whose full result the
    upload's answer page shows."""
    svc = pages.service
    router = APIRouter(prefix="/u", include_in_schema=False, dependencies=[Depends(require_csrf)])

    def desk_of(token: str) -> Any:
        try:
            return svc.desk(token)
        except XltoolsError:
            raise UnknownLink() from None

    def home_of(request: Request, token: str) -> str:
        return request.url_for("unit_page", token=token).path

    @router.get("/{token}", response_class=HTMLResponse, name="unit_page")
    async def unit_page(request: Request, token: str, v: int | None = None):
        desk = desk_of(token)
        rnd, state, history = desk.round, desk.state(), desk.history()
        versions = versions_of(history)
        number = version_number(history, v)
        view = None
        if number is not None:
            view = await pages.findings(history[number - 1].upload)
        latest = versions[0] if versions else None
        home = home_of(request, token)
        return pages.page(
            request,
            "round/unit.html",
            rnd=round_view(rnd),
            unit={"name": desk.unit.name, "status": state.status.value, "overdue": state.overdue},
            home=home,
            versions=versions,
            latest=latest,
            shown_version=next((x for x in versions if x.number == number), None),
            view=view,
            notes=notes_of(history),
            version_href=lambda x: f"{home}?v={x.number}#findings",
            carried=bool(desk.unit.carried_sha256),
            report_ready=latest is not None and number == latest.number and latest.status != "errors",
            max_upload=pages.max_upload,
            max_upload_text=size_text(pages.max_upload),
        )

    @router.get("/{token}/template.xlsx", name="unit_template")
    async def unit_template(token: str):
        desk = desk_of(token)
        body = await pages.heavy(round_work.template, desk.unit.id)
        return attachment(body, XLSX, display_name(f"{desk.unit.name}{desk.round.year}年度报告模板.xlsx"))

    @router.post("/{token}/upload", name="unit_upload")
    async def unit_upload(request: Request, token: str, file: Annotated[UploadFile, File()]):
        desk = desk_of(token)
        data = await file.read(pages.max_upload + 1)
        if not data:
            raise HTTPException(400, "没有收到文件。请先选择填好的表格再上传。")

        def store() -> tuple[Any, Any]:
            """Upload (checked in a worker) and take the check's full result, in one thread."""
            upload = desk.upload(data, display_name(file.filename))
            return upload, round_work.as_stored(check.take(), upload)

        try:
            upload, result = await pages.work(store)
        except XltoolsError as exc:
            status = 413 if exc.code == "too_large" else 415 if exc.code == "type" else 409
            if wants_json(request):
                return JSONResponse({"error": {"code": exc.code, "message": phrased(exc)}}, status_code=status)
            raise HTTPException(status, phrased(exc)) from exc
        pages.remember(upload.id, result)
        if wants_json(request):
            state = desk.state()
            return JSONResponse(
                {
                    "version": state.uploads,
                    "status": state.status.value,
                    "sha256": upload.sha256,
                    "verdict": upload.verdict,
                }
            )
        return RedirectResponse(home_of(request, token) + "#findings", status_code=303)

    @router.get("/{token}/report.{fmt}", name="unit_report")
    async def unit_report(token: str, fmt: str) -> Response:
        desk = desk_of(token)
        if fmt not in REPORTS:
            raise HTTPException(404)
        history = desk.history()
        if not history:
            raise HTTPException(409, "还没有上传报告。")
        try:
            body = await pages.heavy(round_work.rendered, history[-1].upload.id, fmt)
        except XltoolsError as exc:
            raise HTTPException(409, phrased(exc)) from exc
        rnd = desk.round
        return attachment(
            body, REPORTS[fmt], display_name(f"{desk.unit.name}{rnd.year}年度政府信息公开工作年度报告.{fmt}")
        )

    return router


__all__ = ["UnknownLink", "unit_router"]
