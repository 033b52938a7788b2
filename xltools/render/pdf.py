"""PDF: the Word document, printed by LibreOffice (A4, fonts embedded).

The Word document names the 公文 fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) for offices
that have them. Where they are not installed, LibreOffice would print everything in its first CJK
fallback (Noto Sans CJK JP: Japanese glyph forms, no serif body, headings like the body), so for
our PDF each role's font is replaced, in the copy that is converted, by the best installed face
for that role in Chinese forms (FACES): a serif SC face for title and body, a sans SC face for 黑体,
a kai face for 楷体.

LibreOffice is found on the PATH or where its installers put it; without it the user is told how to
get it, or to save the Word file as PDF from WPS or Word. Each conversion runs LibreOffice with a
throwaway profile, so it neither waits for nor disturbs an instance the user has open.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
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
    return _find()


def available() -> bool:
    """Whether a PDF can be printed here (LibreOffice is installed): asking starts nothing."""
    return _find() is not None


def _find() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((p for p in _PLACES if os.path.isfile(p)), None)


# Per role, the faces to use, best first: the 公文 font itself, its usual Windows and macOS names,
# then free faces in simplified-Chinese forms (Debian: fonts-noto-cjk, fonts-arphic-ukai).
_SERIF_SC = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "AR PL UMing CN")
_SANS_SC = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei")
FACES = {
    "方正小标宋简体": ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", *_SERIF_SC),
    # a serif body: the Word file turns LibreOffice's hanging punctuation off (render/docx.py,
    # _no_hanging_in_libreoffice), which lost a 。 ending a justified line in Noto Serif CJK
    "仿宋_GB2312": ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong", *_SERIF_SC),
    "黑体": ("黑体", "SimHei", "STHeiti", *_SANS_SC),
    "楷体_GB2312": ("楷体_GB2312", "楷体", "KaiTi", "STKaiti", "AR PL UKai CN", *_SERIF_SC),
    "宋体": ("宋体", "SimSun", "STSong", *_SERIF_SC),
}


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """The font families fontconfig knows (Linux, macOS with it), or None where it cannot say."""
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        out = subprocess.run([program, ":", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def faces(installed: frozenset[str] | None) -> dict[str, str]:
    """Each 公文 font the document names -> the face our PDF uses (itself when installed)."""
    if installed is None:
        return {}
    out = {}
    for font, choices in FACES.items():
        best = next((f for f in choices if f in installed), font)
        if best != font:
            out[font] = best
    return out


def with_faces(data: bytes, mapping: dict[str, str]) -> bytes:
    """The .docx with each font name in `mapping` replaced (w:rFonts in the document, its styles
    and font table alike)."""
    if not mapping:
        return data
    names = re.compile(r'(w:(?:ascii|hAnsi|eastAsia|cs|name)=")(' + "|".join(map(re.escape, mapping)) + r')(")')
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                text = body.decode("utf-8")
                body = names.sub(lambda m: m.group(1) + mapping[m.group(2)] + m.group(3), text).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def render_document(doc: Document) -> bytes:
    from xltools.render import docx

    return docx_to_pdf(with_faces(docx.render_document(doc), faces(installed_families())))


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


__all__ = [
    "FACES",
    "NO_LIBREOFFICE",
    "available",
    "checked_pdf",
    "docx_to_pdf",
    "faces",
    "render_document",
    "soffice",
    "with_faces",
]
