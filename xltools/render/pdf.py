"""PDF: the Word document, printed by LibreOffice (A4, fonts embedded).

LibreOffice is found on the PATH or where its installers put it; without it the user is told how to
get it, or to save the Word file as PDF from WPS or Word. Each conversion runs LibreOffice with a
throwaway profile, so it neither waits for nor disturbs an instance the user has open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from xltools.errors import OutputError
from xltools.render.document import Document

TIMEOUT = 180  # seconds; a report converts in a few
_PLACES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
NO_LIBREOFFICE = (
    "生成 PDF 需要 LibreOffice（免费的办公软件），本机没有找到。请从 https://zh-cn.libreoffice.org/ 下载安装"
    "（统信 UOS、银河麒麟等系统可在应用商店安装 LibreOffice），然后重新生成；"
    "也可以先生成 Word 文件（.docx），用 WPS 或 Word 打开后“另存为”PDF。"
)


def soffice() -> str | None:
    """LibreOffice's program, or None when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((p for p in _PLACES if os.path.isfile(p)), None)


def render_document(doc: Document) -> bytes:
    from xltools.render import docx

    return docx_to_pdf(docx.render_document(doc))


def docx_to_pdf(data: bytes) -> bytes:
    program = soffice()
    if program is None:
        raise OutputError(NO_LIBREOFFICE, code="no_libreoffice")
    with tempfile.TemporaryDirectory(prefix="xltools-pdf-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            tmp,
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                f"LibreOffice 在 {TIMEOUT} 秒内没有完成 PDF 转换。请关闭正在运行的 LibreOffice 后重试，"
                "或先生成 Word 文件再另存为 PDF。",
                code="pdf_failed",
            ) from exc
        except OSError as exc:
            raise OutputError(f"无法启动 LibreOffice（{program}）：{exc.strerror or exc}。", code="pdf_failed") from exc
        out = Path(tmp) / "report.pdf"
        if not out.is_file():
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:200]
            raise OutputError(
                "LibreOffice 没有生成 PDF" + (f"（{detail}）" if detail else "") + "。请先生成 Word 文件再另存为 PDF。",
                code="pdf_failed",
            )
        return checked_pdf(out.read_bytes())


MIN_PDF = 1024  # bytes: a one-page report with its fonts embedded is tens of KB


def checked_pdf(data: bytes) -> bytes:
    """LibreOffice's output, when it is a PDF: it begins `%PDF-`, ends with `%%EOF` (whitespace
    aside) and has a plausible size. An empty, cut or foreign file is refused, so nothing is
    published and an existing PDF stays as it was."""
    tail = data[-1024:].rstrip()
    if len(data) < MIN_PDF or not data.startswith(b"%PDF-") or not tail.endswith(b"%%EOF"):
        what = "一个空文件" if not data else "一个不完整或不是 PDF 的文件"
        raise OutputError(
            f"LibreOffice 只生成了{what}（{len(data)} 字节），没有保存。请关闭正在运行的 LibreOffice 后重试，"
            "或先生成 Word 文件再另存为 PDF。",
            code="pdf_failed",
        )
    return data


__all__ = ["NO_LIBREOFFICE", "checked_pdf", "docx_to_pdf", "render_document", "soffice"]
