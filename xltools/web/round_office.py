"""The office's pages of a collection round (xltools serve --data): login, creating a round and its
links, the board, a unit's history and review, downloads, closing and next year's round.

Every handler moves data between HTTP and the round service (xltools.api); the rules (statuses,
who may do what, next year's round) are the service's. Every page but the login needs the office's
session cookie; every state-changing form carries the CSRF token tied to that session."""

import base64
import datetime as dt
import functools
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from xltools import api
from xltools.errors import XltoolsError
from xltools.web.round_common import (
    OFFICE_COOKIE,
    STATUSES,
    RoundPages,
    display_name,
    notes_of,
    round_view,
    shanghai,
    streamed,
    today_in_china,
    version_number,
    versions_of,
)
from xltools.web.security import require_csrf
from xltools.web.site import attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
MAX_ROSTER = 5 * 1024 * 1024  # the library refuses a longer one with its own message
BOARD_COLUMNS = (  # (sort key, heading, shown on a phone too)
    ("order", "序号", False),
    ("name", "填报单位", True),
    ("status", "状态", True),
    ("last", "最后上传（北京时间）", True),
    ("uploads", "上传次数", False),
    ("errors", "错误", True),
    ("warnings", "提示", False),
)
_STATUS_RANK = {s: i for i, s in enumerate(("errors", "warnings", "not_submitted", "passed", "confirmed"))}


class NeedLogin(Exception):
    """Raised by the session dependency: the app answers with the login page (or 401 for JSON)."""


class BoardRow:
    """One unit on the board."""

    def __init__(self, state: Any):
        unit, last = state.unit, state.last
        self.id = unit.id
        self.order = unit.position + 1
        self.name = unit.name
        self.status = state.status.value
        self.overdue = state.overdue
        self.uploads = state.uploads
        self.last = last.uploaded if last else None
        self.last_upload_text = shanghai(self.last)
        self.errors = last.errors if last else 0
        self.warnings = last.warnings if last else 0
        self.review_text = ("已退回：" + state.review.comment) if state.returned else ""

    def key(self, column: str) -> Any:
        if column == "status":
            return (_STATUS_RANK[self.status], self.order)
        if column == "last":
            return (self.last or dt.datetime.min.replace(tzinfo=dt.timezone.utc), self.order)
        return (getattr(self, column), self.order)


def office_router(pages: RoundPages, *, base_url: Callable[[Request], str], session_hours: int) -> APIRouter:
    """The office's routes. Every state-changing one is checked by the router's CSRF dependency
    (xltools.web.security: the page's token and origin checks); every page but the login needs
    the session. `base_url(request)` is the address units reach the page by."""
    svc = pages.service
    router = APIRouter(prefix="/office", include_in_schema=False, dependencies=[Depends(require_csrf)])

    def session_of(request: Request) -> str:
        token = request.cookies.get(OFFICE_COOKIE, "")
        if not svc.session_valid(token):
            raise NeedLogin()
        return token

    Session = Annotated[str, Depends(session_of)]

    def office_page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return pages.page(request, name, status_code, office=True, **context)

    def the_round(year: int) -> Any:
        try:
            return svc.round(year)
        except XltoolsError as exc:
            raise HTTPException(404, exc.message) from exc

    def the_unit(rnd: Any, unit_id: int) -> Any:
        """A unit of this round; any other id is 404, as if it did not exist."""
        try:
            unit = svc.unit(unit_id)
        except XltoolsError:
            unit = None
        if unit is None or unit.round_id != rnd.id:
            raise HTTPException(404, "本次收集中没有这个填报单位。")
        return unit

    def back_to(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    async def act(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """A service action in a worker; a refusal becomes 409 with the service's message."""
        try:
            return await pages.work(functools.partial(fn, *args, **kw))
        except XltoolsError as exc:
            raise HTTPException(409, exc.message) from exc

    # --- login ---------------------------------------------------------------------------------

    @router.get("/login", response_class=HTMLResponse, name="office_login_form")
    async def office_login_form(request: Request):
        return pages.page(request, "round/login.html")

    @router.post("/login", response_class=HTMLResponse, name="office_login")
    async def office_login(request: Request, password: Annotated[str, Form()] = ""):
        try:
            session = await pages.work(svc.login, password)
        except XltoolsError as exc:
            return pages.page(request, "round/login.html", 401, message=exc.message)
        response = back_to(request.url_for("office_home").path)
        response.set_cookie(
            OFFICE_COOKIE,
            session,
            max_age=session_hours * 3600,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/logout", name="office_logout")
    async def office_logout(request: Request, session: Session):
        svc.logout(session)
        response = back_to(request.url_for("office_login_form").path)
        response.delete_cookie(OFFICE_COOKIE, path="/")
        return response

    # --- rounds --------------------------------------------------------------------------------

    @router.get("", response_class=HTMLResponse, name="office_home")
    async def office_home(request: Request, session: Session):
        rounds = [round_view(r, len(svc.units(r.id))) for r in reversed(svc.rounds())]
        return office_page(request, "round/home.html", rounds=rounds)

    @router.get("/new", response_class=HTMLResponse, name="office_new_round")
    async def office_new_round(request: Request, session: Session):
        form = {"year": today_in_china().year - 1, "name": "", "deadline": "", "roster": ""}
        return office_page(request, "round/new_round.html", form=form, previous=None)

    async def roster_of(text: str, upload: UploadFile | None) -> list[Any] | None:
        """The roster uploaded (txt/xlsx) or else pasted; None when neither was given."""
        if upload is not None and upload.filename:
            data = await upload.read(MAX_ROSTER + 1)
            return await pages.work(api.roster_from_bytes, data, display_name(upload.filename))
        if text.strip():
            return api.roster_from_text(text)
        return None

    def deadline_of(text: str) -> dt.date | None:
        if not text.strip():
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise HTTPException(400, f"截止日期“{text}”无法识别，请按 2026-01-31 的格式填写。") from None

    @router.post("/new", response_class=HTMLResponse, name="office_create_round")
    async def office_create_round(
        request: Request,
        session: Session,
        year: Annotated[int, Form()],
        name: Annotated[str, Form()],
        deadline: Annotated[str, Form()] = "",
        roster: Annotated[str, Form()] = "",
        roster_file: Annotated[UploadFile | None, File()] = None,
    ):
        form = {"year": year, "name": name, "deadline": deadline, "roster": roster}
        try:
            entries = await roster_of(roster, roster_file)
            issued = await pages.work(svc.create_round, year, name, entries or [], deadline_of(deadline))
        except XltoolsError as exc:
            return office_page(request, "round/new_round.html", 400, form=form, previous=None, message=exc.message)
        return links_page(request, issued.round, issued.links, fresh=True)

    @router.get("/{year}/next", response_class=HTMLResponse, name="office_next_round_form")
    async def office_next_round_form(request: Request, session: Session, year: int):
        rnd = the_round(year)
        roster = "\n".join(_roster_line(u) for u in svc.units(rnd.id))
        form = {"year": year + 1, "name": rnd.office, "deadline": "", "roster": roster}
        return office_page(request, "round/new_round.html", form=form, previous=round_view(rnd))

    @router.post("/{year}/next", response_class=HTMLResponse, name="office_next_round")
    async def office_next_round(
        request: Request,
        session: Session,
        year: int,
        deadline: Annotated[str, Form()] = "",
        roster: Annotated[str, Form()] = "",
        roster_file: Annotated[UploadFile | None, File()] = None,
    ):
        rnd = the_round(year)
        form = {"year": year + 1, "name": rnd.office, "deadline": deadline, "roster": roster}
        try:
            entries = await roster_of(roster, roster_file)
            issued = await pages.work(svc.next_round, rnd.id, entries, deadline_of(deadline))
        except XltoolsError as exc:
            return office_page(
                request, "round/new_round.html", 400, form=form, previous=round_view(rnd), message=exc.message
            )
        return links_page(request, issued.round, issued.links, fresh=True)

    # --- links ---------------------------------------------------------------------------------

    def links_page(request: Request, rnd: Any, links: list[Any] | None, fresh: bool = False) -> HTMLResponse:
        """The units with their links. The store keeps only the links' hashes: a link is shown
        when made (creation, re-issue) and never again, with the workbook to send them out in
        the page itself (a data: link), since the server cannot make it later."""
        base = base_url(request)
        made = {link.unit.id: link.url(base) for link in links or ()}
        units = [
            {"id": u.id, "name": u.name, "link": made.get(u.id, ""), "linked": u.linked} for u in svc.units(rnd.id)
        ]
        workbook = ""
        if links:
            title = f"{rnd.office} {rnd.year}年度政府信息公开工作年度报告 填报链接"
            body = api.round_links_bytes(links, base, ".xlsx", title=title)
            workbook = f"data:{XLSX};base64,{base64.b64encode(body).decode('ascii')}"
        return office_page(
            request,
            "round/links.html",
            rnd=round_view(rnd),
            units=units,
            fresh=fresh,
            shown=bool(made),
            workbook=workbook,
            workbook_name=f"{rnd.year}年度填报链接.xlsx",
        )

    @router.get("/{year}/links", response_class=HTMLResponse, name="office_links")
    async def office_links(request: Request, session: Session, year: int):
        return links_page(request, the_round(year), None)

    @router.post("/{year}/links", response_class=HTMLResponse, name="office_reissue_all")
    async def office_reissue_all(request: Request, session: Session, year: int):
        rnd = the_round(year)
        links = [await act(svc.reissue_link, u.id) for u in svc.units(rnd.id)]
        return links_page(request, rnd, links, fresh=True)

    # --- the board -----------------------------------------------------------------------------

    @router.get("/{year}", response_class=HTMLResponse, name="office_board")
    async def office_board(
        request: Request,
        session: Session,
        year: int,
        status: Annotated[str, Query()] = "",
        sort: Annotated[str, Query()] = "order",
        desc: Annotated[bool, Query()] = False,
    ):
        rnd = the_round(year)
        rows = [BoardRow(s) for s in svc.board(rnd.id)]
        counts: dict[str, int] = {s: 0 for s in STATUSES}
        for r in rows:
            counts[r.status] += 1
        counts["overdue"] = sum(1 for r in rows if r.overdue)
        if status == "overdue":
            shown = [r for r in rows if r.overdue]
        elif status in STATUSES:
            shown = [r for r in rows if r.status == status]
        else:
            status, shown = "", list(rows)
        if sort not in {key for key, _, _ in BOARD_COLUMNS}:
            sort = "order"
        shown.sort(key=lambda r: r.key(sort), reverse=desc)
        return office_page(
            request,
            "round/board.html",
            rnd=round_view(rnd, len(rows)),
            board=rows,
            shown=shown,
            counts=counts,
            statuses=STATUSES,
            status=status,
            sort=sort,
            desc=desc,
            columns=BOARD_COLUMNS,
            past_deadline=rnd.deadline is not None and today_in_china() > rnd.deadline,
            has_next=any(r.year == year + 1 for r in svc.rounds()),
        )

    @router.post("/{year}/close", name="office_close")
    async def office_close(request: Request, session: Session, year: int):
        await act(svc.close_round, the_round(year).id)
        return back_to(request.url_for("office_board", year=year).path)

    @router.post("/{year}/reopen", name="office_reopen")
    async def office_reopen(request: Request, session: Session, year: int):
        await act(svc.reopen_round, the_round(year).id)
        return back_to(request.url_for("office_board", year=year).path)

    @router.get("/{year}/log", response_class=HTMLResponse, name="office_log")
    async def office_log(request: Request, session: Session, year: int):
        rnd = the_round(year)
        events = await pages.work(api.round_log, svc, rnd.id)
        rows = [{"at": shanghai(at), **vars(said)} for at, said in events]
        return office_page(request, "round/log.html", rnd=round_view(rnd), events=rows)

    # --- one unit ------------------------------------------------------------------------------

    @router.get("/{year}/units/{unit}", response_class=HTMLResponse, name="office_unit")
    async def office_unit(request: Request, session: Session, year: int, unit: int, v: int | None = None):
        rnd = the_round(year)
        u = the_unit(rnd, unit)
        state = svc.unit_state(u.id)
        history = svc.history(u.id)
        versions = versions_of(history)
        number = version_number(history, v)
        view = None
        if number is not None:
            view = await pages.findings(history[number - 1].upload)
        here = request.url_for("office_unit", year=year, unit=u.id).path
        current = versions[0] if versions else None
        return office_page(
            request,
            "round/office_unit.html",
            rnd=round_view(rnd),
            unit={
                "id": u.id,
                "name": u.name,
                "level": u.level,
                "parent": u.parent,
                "status": state.status.value,
                "overdue": state.overdue,
                "linked": u.linked,
            },
            versions=versions,
            current=current,
            shown_version=next((x for x in versions if x.number == number), None),
            view=view,
            notes=notes_of(history),
            version_href=lambda x: f"{here}?v={x.number}#findings",
            can_confirm=rnd.open and current is not None and current.status in ("passed", "warnings"),
            round_open=rnd.open,
        )

    def upload_of(u: Any, number: int) -> Any:
        history = svc.history(u.id)
        if not 1 <= number <= len(history):
            raise HTTPException(404, "没有这个版本。")
        return history[number - 1].upload

    @router.get("/{year}/units/{unit}/v/{version}", name="office_version_file")
    async def office_version_file(session: Session, year: int, unit: int, version: int):
        up = upload_of(the_unit(the_round(year), unit), version)
        body = await pages.work(svc.file, up.id)
        return attachment(body, "application/octet-stream", display_name(up.filename))

    @router.post("/{year}/units/{unit}/confirm", name="office_confirm")
    async def office_confirm(request: Request, session: Session, year: int, unit: int, version: Annotated[int, Form()]):
        u = the_unit(the_round(year), unit)
        await act(svc.confirm, u.id, upload_id=upload_of(u, version).id)
        return back_to(request.url_for("office_unit", year=year, unit=unit).path)

    @router.post("/{year}/units/{unit}/return", name="office_return")
    async def office_return(
        request: Request,
        session: Session,
        year: int,
        unit: int,
        version: Annotated[int, Form()],
        comment: Annotated[str, Form()] = "",
    ):
        u = the_unit(the_round(year), unit)
        await act(svc.send_back, u.id, comment, upload_id=upload_of(u, version).id)
        return back_to(request.url_for("office_unit", year=year, unit=unit).path)

    @router.post("/{year}/units/{unit}/revoke", name="office_revoke")
    async def office_revoke(request: Request, session: Session, year: int, unit: int):
        u = the_unit(the_round(year), unit)
        await act(svc.revoke_link, u.id)
        return back_to(request.url_for("office_unit", year=year, unit=unit).path)

    @router.post("/{year}/units/{unit}/reissue", response_class=HTMLResponse, name="office_reissue")
    async def office_reissue(request: Request, session: Session, year: int, unit: int):
        rnd = the_round(year)
        u = the_unit(rnd, unit)
        link = await act(svc.reissue_link, u.id)
        return links_page(request, rnd, [link], fresh=True)

    # --- downloads -----------------------------------------------------------------------------

    @router.get("/{year}/downloads", response_class=HTMLResponse, name="office_downloads")
    async def office_downloads(request: Request, session: Session, year: int):
        return office_page(request, "round/downloads.html", rnd=round_view(the_round(year)))

    async def download(year: int, make: Callable[..., bytes], media_type: str, filename: str) -> Response:
        """A round's file, put together in a server thread from its units' current reports,
        each read in a worker process (RoundPages.current): one call per unit, never one call
        that reads the whole round."""
        rnd = the_round(year)
        try:
            body = await pages.work(make, rnd.id)
        except XltoolsError as exc:
            raise HTTPException(409, exc.message) from exc
        return attachment(body, media_type, filename)

    @router.get("/{year}/summary.xlsx", name="office_summary")
    async def office_summary(session: Session, year: int):
        def make(round_id: int) -> bytes:
            return api.round_summary_bytes(svc, round_id, pages.current(round_id))

        return await download(year, make, XLSX, f"{year}年度检查汇总.xlsx")

    @router.get("/{year}/merged.xlsx", name="office_merged")
    async def office_merged(session: Session, year: int):
        def make(round_id: int) -> bytes:
            return api.round_merged(svc, round_id, ".xlsx", pages.current(round_id)).data

        return await download(year, make, XLSX, f"{year}年度各单位合计.xlsx")

    @router.get("/{year}/reports.zip", name="office_reports_zip")
    async def office_reports_zip(session: Session, year: int):
        """Every unit's report as Word, each made in a worker, sent as a zip while it is made: the
        download starts at once and grows unit by unit (a round of thousands takes minutes)."""
        rnd = the_round(year)

        def write(out: BinaryIO) -> None:
            api.round_write_word_zip(svc, rnd.id, out, pages.words(rnd.id))

        name = f"{year}年度各单位报告（Word）.zip"
        return StreamingResponse(
            streamed(write),
            media_type=ZIP,
            headers={"Content-Disposition": f"attachment; filename=\"reports.zip\"; filename*=UTF-8''{quote(name)}"},
        )

    async def temporary_file(make: Callable[[str], None], name: str) -> Response:
        """A file `make(path)` writes in a server thread, sent and then removed."""
        folder = tempfile.mkdtemp(prefix="xltools-round-")
        target = os.path.join(folder, "download.zip")
        try:
            await act(make, target)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        disposition = f"attachment; filename=\"download.zip\"; filename*=UTF-8''{quote(name)}"
        return FileResponse(
            target,
            media_type=ZIP,
            headers={"Content-Disposition": disposition},
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    @router.get("/{year}/export.zip", name="office_export")
    async def office_export(session: Session, year: int):
        """The round's complete export, written to a temporary file and sent from there (it
        holds every version of every file: not kept in memory), removed once sent."""
        rnd = the_round(year)

        def make(target: str) -> None:
            api.round_export(svc, rnd, target)

        return await temporary_file(make, f"{year}年度完整归档.zip")

    return router


def _roster_line(u: Any) -> str:
    """A unit as a roster line (name, level, parent, tab-separated), for next year's form."""
    return "\t".join([u.name, u.level, u.parent]).rstrip("\t")


__all__ = ["NeedLogin", "office_router"]
