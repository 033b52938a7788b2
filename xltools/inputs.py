"""Which files an input list means: files as given, folders searched (docs/format.md §8). Light on
purpose (no reader imported), like xltools.formats, whose registry of input formats it follows."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from xltools.formats import INPUT_FORMATS, input_format

# Published reports (saved web pages, Word, PDF, text), read ones and refused ones alike.
PUBLISHED_SUFFIXES = tuple(f.suffix for f in INPUT_FORMATS if f.published)


def folder_suffixes(*, published: bool = False) -> tuple[str, ...]:
    """The suffixes a folder is searched for: every input format xltools knows (read, or refused
    with its reason), published reports only where they are taken."""
    return tuple(f.suffix for f in INPUT_FORMATS if published or not f.published)


def expand_inputs(paths: Iterable[str | os.PathLike], *, published: bool = False) -> list[str]:
    """Files as given, and folders searched (recursively, sorted) for every input format of the
    registry: workbooks and JSON forms, other spreadsheet files (.xls, .ods, .csv, .xlsb, …: each
    then refused with its reason, not left out silently); with `published`, published reports too
    (web pages, Word, PDF, text, and the document formats refused with a reason).

    Office lock files (~$name.xlsx) and hidden files are skipped.
    """
    wanted = folder_suffixes(published=published)
    out: list[str] = []
    for p in paths:
        path = Path(p)
        try:
            folder = path.is_dir()
        except OSError:  # a name too long, a loop of links: the reader says so for this file alone
            folder = False
        if folder:
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in wanted and not f.name.startswith(("~$", "."))
            )
            out += [str(f) for f in found]
        else:
            out.append(str(p))
    return out


def is_published(name: str | os.PathLike) -> bool:
    """A published report (web page, Word, PDF, text) rather than a workbook or JSON form."""
    known = input_format(name)
    return known is not None and known.published


__all__ = ["PUBLISHED_SUFFIXES", "expand_inputs", "folder_suffixes", "is_published"]
