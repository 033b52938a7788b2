"""Rendering a checked report into a publishable file: txt, md, html, docx or json.

`render(report, fmt, *, draft=False, templates_dir=None) -> bytes` is the one entry point the
CLI and the web page call. Each format's writer is imported only when asked for (the Word writer
is heavy).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable

from xltools.errors import ReportHasErrors, UsageError
from xltools.formats import OUTPUT_FORMATS, OUTPUT_SUFFIXES, OUTPUTS
from xltools.jsonform import dumps, report_to_json
from xltools.model import Finding, Report

# The format table is xltools.formats' (one for the command line, the web page and the library).
FORMATS = tuple(OUTPUTS)
FORMAT_NAMES = {f.id: f.name for f in OUTPUT_FORMATS}
SUFFIXES = OUTPUT_SUFFIXES


def render(
    report: Report,
    fmt: str,
    *,
    draft: bool = False,
    templates_dir: str | os.PathLike | None = None,
    findings: Iterable[Finding] = (),
) -> bytes:
    """The report in one format. `draft` puts the 草稿（未通过校验） banner on it; `findings` (the
    check's) make a draft show its errors: listed at the start, the cells marked as typed."""
    if fmt not in FORMATS:
        raise UsageError(f"不支持的输出格式“{fmt}”。可用的格式：{'、'.join(FORMATS)}。")
    if fmt == "json":
        obj = report_to_json(report)
        if draft:
            from xltools.render.document import (
                DRAFT_BANNER,  # lazy: the document (jinja2) is heavy, and a single check never needs it
            )

            obj = {"format": obj.pop("format"), "draft": DRAFT_BANNER, **obj}
        return dumps(obj).encode("utf-8")

    from xltools.render.document import (
        build_document,  # lazy: the document (jinja2) is heavy, and a single check never needs it
    )

    doc = build_document(report, draft=draft, templates_dir=templates_dir, findings=findings)
    writer = importlib.import_module(f"{__name__}.{fmt}")
    return writer.render_document(doc)


def build(result, fmt: str, *, draft: bool = False, templates_dir: str | os.PathLike | None = None) -> bytes:
    """The report of a check result. A report with errors is refused (ReportHasErrors), unless
    `draft` asks for it anyway, and then it carries the draft banner."""
    errors = result.errors
    if errors and not draft:
        raise ReportHasErrors(
            f"报告有 {len(errors)} 处错误，未生成报告。请按列出的位置改正。", findings=errors, code="build_errors"
        )
    return render(result.report, fmt, draft=bool(errors), templates_dir=templates_dir, findings=result.findings)


__all__ = ["FORMATS", "SUFFIXES", "build", "render"]
