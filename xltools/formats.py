"""The file formats xltools reads and writes, by suffix: a small module of its own, so that deciding
what a file is costs no import of the readers or writers (a batch's workers import only what their
files need), and so that the command line, the web page and the library name a format alike."""

from __future__ import annotations

from dataclasses import dataclass

# Published reports (saved web pages, Word, PDF, text), read by xltools.published.
READABLE = {
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".txt": "txt",
    ".text": "txt",
}


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

__all__ = ["OUTPUTS", "OUTPUT_FORMATS", "OUTPUT_SUFFIXES", "READABLE", "XLSX_MEDIA_TYPE", "OutputFormat"]
