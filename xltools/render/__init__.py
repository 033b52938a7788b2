"""Rendering a checked report into a publishable file: txt, md, html, docx or json.

`render(report, fmt, *, draft=False, templates_dir=None) -> bytes` is the one entry point the
CLI and the web page call. Each format's writer is imported only when asked for (the Word writer
is heavy).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from pathlib import Path

from xltools.errors import ReportHasErrors, UsageError
from xltools.model import Finding, Report

FORMATS = ("txt", "md", "html", "cms", "docx", "pdf", "json")
FORMAT_NAMES = {
    "txt": "纯文本",
    "md": "Markdown",
    "html": "网页",
    "cms": "网站后台粘贴用的网页片段",
    "docx": "Word",
    "pdf": "PDF",
    "json": "JSON 数据",
}
SUFFIXES = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".json": "json",
}
MEDIA_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "cms": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "json": "application/json",
}


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
        from xltools.jsonform import dumps, report_to_json

        obj = report_to_json(report)
        if draft:
            from xltools.render.document import DRAFT_BANNER

            obj = {"format": obj.pop("format"), "draft": DRAFT_BANNER, **obj}
        return dumps(obj).encode("utf-8")
    from xltools.render.document import build_document

    doc = build_document(report, draft=draft, templates_dir=templates_dir, findings=findings)
    writer = importlib.import_module(f"{__name__}.{fmt}")
    return writer.render_document(doc)


def build(result, fmt: str, *, draft: bool = False, templates_dir: str | os.PathLike | None = None) -> bytes:
    """The report of a check result. A report with errors is refused (ReportHasErrors), unless
    `draft` asks for it anyway, and then it carries the draft banner."""
    errors = result.errors
    if errors and not draft:
        raise ReportHasErrors(
            f"报告有 {len(errors)} 处错误，未生成报告。请按上面列出的位置改正后再运行；"
            "如只需给领导审阅，可加 --draft 生成带“草稿”标记的稿子。",
            findings=errors,
        )
    return render(result.report, fmt, draft=bool(errors), templates_dir=templates_dir, findings=result.findings)


def output_format(output: str | os.PathLike | None, fmt: str | None) -> str:
    """The format asked for: --format, else OUT's extension, else text (to the screen)."""
    if output is None:
        if fmt in ("docx", "pdf"):
            example = "年度报告.docx" if fmt == "docx" else "年度报告.pdf"
            raise UsageError(f"{FORMAT_NAMES[fmt]} 文件不能输出到屏幕，请用 -o 指定文件名，例如 -o {example}。")
        return fmt or "txt"
    suffix = Path(output).suffix.lower()
    by_suffix = SUFFIXES.get(suffix)
    if fmt is None:
        if by_suffix is None:
            known = "、".join(sorted(SUFFIXES))
            raise UsageError(
                f"无法从输出文件名“{Path(output).name}”判断格式。请使用扩展名 {known}，或加 --format 指定格式。"
            )
        return by_suffix
    if fmt == "cms" and by_suffix in ("html", "txt"):  # the fragment is html, saved as .html or .txt
        return fmt
    if by_suffix is not None and by_suffix != fmt:
        raise UsageError(
            f"输出文件 {Path(output).name} 的扩展名是 {FORMAT_NAMES[by_suffix]}格式，却指定了 --format {fmt}。"
            "请让两者一致。"
        )
    return fmt


__all__ = ["FORMATS", "MEDIA_TYPES", "SUFFIXES", "build", "output_format", "render"]
