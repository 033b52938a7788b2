"""Which files an input list means: files as given, folders searched (docs/format.md §8). Light on
purpose (no reader imported), like xltools.formats."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from xltools.formats import READABLE

# Published reports (saved web pages, Word, PDF, text) are checked as they stand (docs/format.md §8).
PUBLISHED_SUFFIXES = tuple(READABLE)
# Found in a folder too, so each is refused with its reason instead of silently left out.
OTHER_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".et", ".ods")
OTHER_DOCUMENTS = (".doc", ".wps", ".mht", ".mhtml")  # refused by the importer, with what to do instead


def expand_inputs(paths: Iterable[str | os.PathLike], *, published: bool = False) -> list[str]:
    """Files as given, and folders searched (recursively, sorted) for .xlsx and .json files
    (and other spreadsheet files, which are then refused with a reason); with `published`, for
    published reports too (web pages, Word, PDF, text: what `check` takes).

    Office lock files (~$name.xlsx) and hidden files are skipped.
    """
    wanted = (".xlsx", ".json", *OTHER_SPREADSHEETS)
    if published:
        wanted += PUBLISHED_SUFFIXES + OTHER_DOCUMENTS
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
    return Path(name).suffix.lower() in PUBLISHED_SUFFIXES + OTHER_DOCUMENTS


__all__ = ["PUBLISHED_SUFFIXES", "expand_inputs", "is_published"]
