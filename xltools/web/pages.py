"""The pages people use: the upload form and the result of a check (one unit, or a batch)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from xltools import api
from xltools.web import work
from xltools.web.checking import check_all, read_uploads, status_of
from xltools.web.security import require_csrf
from xltools.web.site import SUMMARY_NAME, XLSX, Site, site
from xltools.web.views import STATUS_ORDER, mark_same_units, summary_counts, unit_view

T = TypeVar("T")
log = logging.getLogger("xltools.web")
router = APIRouter(tags=["页面"], dependencies=[Depends(require_csrf)])


@router.get("/", response_class=HTMLResponse, summary="上传页面")
async def index(request: Request, here: Annotated[Site, Depends(site)]):
    return here.page(request, "index.html")


@router.post("/check", response_class=HTMLResponse, summary="检查上传的文件，返回结果页面")
async def check_page(
    request: Request,
    here: Annotated[Site, Depends(site)],
    files: Annotated[
        list[UploadFile], File(description="填好的模板（.xlsx）、报告数据（.json）或已发布的报告，可多个")
    ],
    strict: Annotated[bool, Form(description="把提示也当作错误")] = False,
):
    results = await check_all(here, read_uploads(here, files), strict)
    units = [unit_view(i, r, strict) for i, r in enumerate(results)]
    status = status_of(results)
    if len(units) == 1:
        unit = units[0]
        preview = await _courtesy(here, work.preview, results[0]) if unit.status != "unusable" else None
        return here.page(request, "result.html", status, unit=unit, preview=preview)
    same = mark_same_units(units, results)
    summary, summary_failed = None, None
    try:
        summary = await here.worker.run(work.summary, results)
    except Exception as exc:  # the verdicts stand without it; the page says why it is missing
        log.warning("summary failed: %r", exc)
        error = api.lost_result(exc, SUMMARY_NAME).error
        summary_failed = SUMMARY_FAILED.get(error.code if error else "", SUMMARY_FAILED["internal"])
    return here.page(
        request,
        "batch.html",
        status,
        units=units,
        counts=summary_counts(units),
        same_units=same,
        order=STATUS_ORDER,
        summary_href=f"data:{XLSX};base64,{base64.b64encode(summary).decode()}" if summary else None,
        summary_name=SUMMARY_NAME,
        summary_failed=summary_failed,
    )


_FEWER = "请减少一次上传的文件数后再试。"
SUMMARY_FAILED = {  # why the batch page has no summary workbook (by the library's error codes)
    "timeout": "汇总表未能生成：用时超过了限制，已停止。下面各文件的检查结果不受影响。" + _FEWER,
    "crashed": "汇总表未能生成：生成汇总表的进程意外退出（可能是内存不足）。下面各文件的检查结果不受影响。" + _FEWER,
    "internal": "汇总表未能生成：程序内部出错。下面各文件的检查结果不受影响。",
}


async def _courtesy(here: Site, fn: Callable[..., T | None], *args: Any) -> T | None:
    """A preview: the verdict and findings stand without it when it fails."""
    try:
        return await here.worker.run(fn, *args)
    except Exception as exc:
        log.warning("%s failed: %r", fn.__name__, exc)
        return None
