"""The file formats xltools reads, by suffix: a small module of its own, so that deciding what a
file is costs no import of the readers (a batch's workers import only what their files need)."""

from __future__ import annotations

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

__all__ = ["READABLE"]
