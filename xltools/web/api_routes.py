"""The same for programs: JSON answers, no CSRF token (a script has no victim's browser behind it;
a browser's cross-site request is refused by its Origin in security.OriginGuard)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from xltools.api import results_json
from xltools.web import work
from xltools.web.checking import build_response, check_all, read_one, read_uploads, status_of
from xltools.web.site import TEMPLATE_NAME, XLSX, Fmt, Site, attachment, site

router = APIRouter(prefix="/api", tags=["接口"])


@router.post("/check", summary="检查文件，返回 JSON（与 xltools check --json 相同）")
async def api_check(
    here: Annotated[Site, Depends(site)],
    files: Annotated[
        list[UploadFile], File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告，可多个")
    ],
    strict: Annotated[bool, Form()] = False,
):
    results = await check_all(here, read_uploads(here, files), strict)
    return JSONResponse(results_json(results), status_code=status_of(results))


@router.post("/build/{fmt}", summary="检查一个文件并生成报告")
async def api_build(
    request: Request,
    here: Annotated[Site, Depends(site)],
    fmt: Fmt,
    file: Annotated[UploadFile, File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告")],
    draft: Annotated[bool, Form()] = False,
    strict: Annotated[bool, Form(description="把提示也当作错误")] = False,
):
    ((name, upload),) = read_uploads(here, [file])
    data = await read_one(here, upload)
    return await build_response(here, request, data, name, fmt, draft, strict)


@router.get("/template", summary="空白填报模板（.xlsx）")
async def api_template():
    return attachment(work.blank_template(), XLSX, TEMPLATE_NAME)
