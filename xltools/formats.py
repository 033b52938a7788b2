"""The file formats xltools reads and writes, by suffix: a small module of its own, so that deciding
what a file is costs no import of the readers or writers (a batch's workers import only what their
files need), and so that the command line, the web page and the library name a format alike."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath

# --- what xltools reads -------------------------------------------------------------------------

# Bytes worth reading of one input, by reader: far above any real report, low enough that a wrong or
# hostile file is refused before it costs memory.
WORKBOOK_LIMIT = 50 * 1024 * 1024  # a filled template is about 60 KB; a real workbook a few MB at most
JSON_LIMIT = 10 * 1024 * 1024  # a report is a few tens of KB
PUBLISHED_LIMIT = 30 * 1024 * 1024  # a report is a few hundred KB; a saved page with images a few MB


@dataclass(frozen=True)
class InputFormat:
    """A file suffix xltools knows as an input: which reader takes it (None: refused by its suffix,
    with `refusal` saying what it is and what to do), whether it is a published report (which
    `check` and `import` take, `merge` and last year's folder do not), how many bytes are worth
    reading, and whether a narrative (`build --narrative`) may come from it.

    A folder is searched for every suffix listed here (published ones only where published reports
    are taken): a file of a known kind is listed with its verdict or its refusal, never skipped."""

    suffix: str
    reader: str | None
    published: bool = False
    limit: int = 0
    refusal: str = ""
    narrative: bool = False


def _workbook(suffix: str) -> InputFormat:
    """Read by the workbook reader, whose verdict comes from the bytes: a renamed .xlsx is read, and
    an old .xls, an OpenDocument table, a macro workbook or a text file is told apart and refused
    with its own reason."""
    return InputFormat(suffix, "workbook", limit=WORKBOOK_LIMIT)


INPUT_FORMATS = (
    _workbook(".xlsx"),
    InputFormat(".json", "json", limit=JSON_LIMIT),
    _workbook(".xlsm"),
    _workbook(".xls"),
    _workbook(".et"),
    _workbook(".ods"),
    _workbook(".csv"),
    InputFormat(
        ".xlsb",
        None,
        refusal="这是 Excel 二进制工作簿（.xlsb），本工具不读取这种格式。"
        "请在 Excel/WPS 中“另存为”“Excel 工作簿（*.xlsx）”后再试。",
    ),
    InputFormat(".docx", "docx", published=True, limit=PUBLISHED_LIMIT, narrative=True),
    InputFormat(".pdf", "pdf", published=True, limit=PUBLISHED_LIMIT),
    InputFormat(".html", "html", published=True, limit=PUBLISHED_LIMIT),
    InputFormat(".htm", "html", published=True, limit=PUBLISHED_LIMIT),
    InputFormat(".shtml", "html", published=True, limit=PUBLISHED_LIMIT),
    InputFormat(".xhtml", "html", published=True, limit=PUBLISHED_LIMIT),
    InputFormat(".txt", "txt", published=True, limit=PUBLISHED_LIMIT, narrative=True),
    InputFormat(".text", "txt", published=True, limit=PUBLISHED_LIMIT, narrative=True),
    InputFormat(
        ".doc", None, published=True, refusal="这是旧版 Word 97-2003 文件，请在 Word/WPS 中另存为 .docx 后再试。"
    ),
    InputFormat(".wps", None, published=True, refusal="这是 WPS 文字文件，请在 WPS 中另存为 .docx 后再试。"),
    InputFormat(
        ".mht",
        None,
        published=True,
        refusal="这是单文件网页（.mht），请在浏览器中另存为“网页，仅 HTML”（.html）后再试。",
    ),
    InputFormat(
        ".mhtml",
        None,
        published=True,
        refusal="这是单文件网页（.mhtml），请在浏览器中另存为“网页，仅 HTML”（.html）后再试。",
    ),
)
INPUTS = {f.suffix: f for f in INPUT_FORMATS}
# Published reports (saved web pages, Word, PDF, text) by suffix, to their reader (xltools.published).
READABLE = {f.suffix: f.reader for f in INPUT_FORMATS if f.published and f.reader}


def suffix_of(name: str | os.PathLike) -> str:
    """A file name's suffix as the registry keys it: lower case, with its dot ("" for none)."""
    return PurePath(name).suffix.lower()


def input_format(name: str | os.PathLike) -> InputFormat | None:
    """The input format a file name's suffix names (any case), or None for one xltools does not know."""
    return INPUTS.get(suffix_of(name))


def unsupported(suffix: str, accepted: str) -> str:
    """The refusal of a file by its suffix: what is taken instead and, for a suffix xltools knows,
    what the file is and what to do."""
    known = INPUTS.get(suffix)
    hint = known.refusal if known is not None else ""
    return f"不支持的文件类型“{suffix or '无扩展名'}”。请提供{accepted}。{hint}"


# --- what xltools writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputFormat:
    """A format `build` writes: its id (`--format`, the web page's download path), its Chinese
    name, the suffix of its file, every suffix an output file name may take to ask for it, and
    its media type (a download's Content-Type)."""

    id: str
    name: str
    suffix: str
    media_type: str
    suffixes: tuple[str, ...] = ()
    binary: bool = False  # cannot be shown on a terminal: written to a file only


OUTPUT_FORMATS = (
    OutputFormat("txt", "纯文本", ".txt", "text/plain; charset=utf-8", (".txt", ".text")),
    OutputFormat("md", "Markdown", ".md", "text/markdown; charset=utf-8", (".md", ".markdown")),
    OutputFormat("html", "网页", ".html", "text/html; charset=utf-8", (".html", ".htm")),
    # A fragment of html for a website's editor: saved as .html (or .txt to paste from), never asked
    # for by a file name alone.
    OutputFormat("cms", "网站后台粘贴用的网页片段", ".html", "text/html; charset=utf-8"),
    OutputFormat(
        "docx",
        "Word",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        binary=True,
    ),
    OutputFormat("pdf", "PDF", ".pdf", "application/pdf", (".pdf",), binary=True),
    OutputFormat("json", "JSON 数据", ".json", "application/json", (".json",)),
)
OUTPUTS = {f.id: f for f in OUTPUT_FORMATS}
# The output format an output file's suffix asks for.
OUTPUT_SUFFIXES = {s: f.id for f in OUTPUT_FORMATS for s in f.suffixes}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = [
    "INPUTS",
    "INPUT_FORMATS",
    "JSON_LIMIT",
    "OUTPUTS",
    "OUTPUT_FORMATS",
    "OUTPUT_SUFFIXES",
    "PUBLISHED_LIMIT",
    "READABLE",
    "WORKBOOK_LIMIT",
    "XLSX_MEDIA_TYPE",
    "InputFormat",
    "OutputFormat",
    "input_format",
    "suffix_of",
    "unsupported",
]
