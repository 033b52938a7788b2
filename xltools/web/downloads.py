"""What the page's buttons download: the blank template, a report rebuilt from the data a result
page posts back, and next year's template pre-filled from a passing report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from xltools.errors import XltoolsError
from xltools.web import work
from xltools.web.checking import build_response, library
from xltools.web.security import require_csrf
from xltools.web.site import TEMPLATE_NAME, XLSX, Fmt, Site, attachment, display_name, site
from xltools.web.views import phrased

router = APIRouter(tags=["页面"], dependencies=[Depends(require_csrf)])


@router.post("/download/{fmt}", summary="按结果页面回传的报告数据生成报告文件")
async def download(
    request: Request,
    here: Annotated[Site, Depends(site)],
    fmt: Fmt,
    report: Annotated[str, Form(description="报告数据（xltools.report/1 JSON）")],
    draft: Annotated[bool, Form(description="有错误时仍生成，带“草稿”标记")] = False,
    strict: Annotated[bool, Form(description="把提示也当作错误（与检查时相同）")] = False,
):
    return await build_response(here, request, report.encode("utf-8"), "report.json", fmt, draft, strict)


@router.post("/next-template.xlsx", summary="按回传的本年报告数据生成下一年度的模板")
async def next_template_download(
    request: Request,
    here: Annotated[Site, Depends(site)],
    report: Annotated[str, Form(description="本年报告数据（xltools.report/1 JSON）")],
):
    try:
        body, filename = await library(here, "report.json", work.next_template, report.encode("utf-8"), "report.json")
    except XltoolsError as exc:
        return here.error(request, 422, phrased(exc), exc.code)
    return attachment(body, XLSX, display_name(filename))


@router.get("/template.xlsx", summary="下载空白填报模板")
async def template_download():
    return attachment(work.blank_template(), XLSX, TEMPLATE_NAME)
