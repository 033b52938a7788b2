"""Last year's report: loading it for `--previous`, pairing reports with last year's of the same
agency for `--previous-dir`, and the values of next year's pre-filled template.

A `Pairing` is small and picklable (paths, not reports), so a batch can hand it to worker
processes; each worker loads last year's files itself, once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from xltools.errors import ReportHasErrors, UnusableInput, UsageError, XltoolsError
from xltools.inputs import expand_inputs
from xltools.model import ERROR, WARNING, CheckResult, FileResult, Report
from xltools.rules.checker import PREVIOUS_FIELDS, check, normalise, typed_values
from xltools.rules.registry import X4
from xltools.spec import CARRIES, FIELDS, YEAR_MAX, YEAR_MIN
from xltools.text import fold
from xltools.workbook.reader import read_input


def load_previous(path: str) -> Report:
    """Last year's report as a check compares with it (of a workbook only the fields
    `checker.PREVIOUS_FIELDS` are read), normalised; UnusableInput when it cannot be read or has no year."""
    try:
        stat = os.stat(path)
    except OSError:
        stat = None
    return _load(str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=64)
def _load(path: str, _mtime: int, _size: int) -> Report:
    """Cached per file version: a batch pairs many reports with the same few files."""
    return _read_previous(path)


def _read_previous(path: str) -> Report:
    try:
        source = read_input(path, only=PREVIOUS_FIELDS)
    except UnusableInput as exc:
        raise UnusableInput(f"上年报告无法使用：{exc.message}", code=exc.code, path=exc.path or path) from exc
    report, _, _ = normalise(source, only=PREVIOUS_FIELDS)
    if report.year is None:
        raise UnusableInput(
            "上年报告中没有可用的年度，无法确定它是哪一年的报告。请在上年报告的“基本信息”中填写年度。",
            code="previous_year",
            path=path,
        )
    return report


def wrong_year(report: Report, previous: Report, previous_path: str) -> UnusableInput | None:
    """The error when last year's report is not of year N−1 (docs/format.md §6: exit 2)."""
    if report.year is None or previous.year == report.year - 1:
        return None
    return UnusableInput(
        f"用作对照的上年报告 {previous_path} 是 {previous.year} 年度的，本报告是 {report.year} 年度，"
        f"应使用 {report.year - 1} 年度的报告。请换一个上年报告文件。",
        code="previous_year",
    )


def require_year(report: Report, previous: Report, previous_path: str) -> None:
    """Raise the wrong-year error, if any (for commands that check one report)."""
    error = wrong_year(report, previous, str(previous_path))
    if error is not None:
        raise error


# --- pairing a batch with last year's folder ----------------------------------------------------


@dataclass(frozen=True)
class Entry:
    year: int
    name: str
    path: str
    kept: str | None = None  # the report as a check compares with it, pickled by `identify`


@dataclass
class Pairing:
    """How each input finds last year's report: one file for all (`--previous`) or, from a
    folder (`--previous-dir`), the report of the same agency for year N−1."""

    last: str | None = None
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files of the folder that could not be read
    folder: list[str] = field(default_factory=list)  # last year's files still to be identified

    @classmethod
    def of_file(cls, path: str) -> Pairing:
        load_previous(str(path))  # fail early: a missing --previous is exit 2 before any work
        return cls(last=str(path))

    @classmethod
    def of_dir(cls, directory: str) -> Pairing:
        """The pairing with a folder: its files are listed here and identified by `indexed`, in
        the batch's worker processes, not one by one before the batch starts."""
        if not Path(directory).is_dir():
            raise UsageError(f"上年报告所在的文件夹 {directory} 不存在或不是文件夹。", code="previous_dir")
        return cls(folder=expand_inputs([directory]))

    def indexed(self, identities: Iterable[tuple[str, Entry | None]]) -> Pairing:
        """This pairing with last year's folder identified: `identities` is `identify` of each
        file of `folder`, in order."""
        pairing = Pairing(last=self.last)
        for path, entry in identities:
            if entry is None:
                pairing.skipped.append(path)
            else:
                pairing.entries.append(entry)
        return pairing

    def find(self, report: Report, unusable: frozenset[str] = frozenset()) -> tuple[str | None, str | None]:
        """(last year's path, or None with the reason) for one report of a batch; `unusable`:
        files found to be identified but not usable (left out as if never identified)."""
        if self.last is not None:
            return self.last, None
        if report.year is None:
            return None, None
        want = report.year - 1
        key = fold(report.name)
        same = self._index.same(want, key, unusable)
        if len(same) == 1:
            return same[0].path, None
        if len(same) > 1:
            listed = "、".join(Path(e.path).name for e in same[:5])
            return None, X4.say("several", count=len(same), year=want, files=listed)
        return None, X4.say("none", agency=report.name, year=want)

    @functools.cached_property
    def _index(self) -> _Index:
        return _Index(self.entries)

    def _previous(self, path: str) -> Report:
        """Last year's report at `path`: as `identify` kept it, else read."""
        kept = self._index.kept.get(path)
        if kept is not None:
            try:
                with open(kept, "rb") as fh:
                    return pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError):
                pass  # read it then
        return load_previous(path)

    def check_file(self, path: str, *, strict: bool = False):
        """One input's FileResult, checked against last year's report where one is found."""
        try:
            source = read_input(path)
            normalised = normalise(source)  # once: `check` takes it as it is
            last, why = self.find(normalised[0])
            unusable: frozenset[str] = frozenset()
            previous = None
            while last is not None:
                try:  # identified by its year and agency alone: it may still fail to be read whole
                    previous = self._previous(last)
                    break
                except XltoolsError:
                    if self.last is not None:
                        raise
                    unusable |= {last}
                    last, why = self.find(normalised[0], unusable)
            if previous is None:
                result = check(source, strict=strict, normalised=normalised)
                if why:
                    severity = ERROR if strict else WARNING
                    result.findings.append(X4.finding(None, why, severity=severity))
                return FileResult(str(path), result)
            result = check(source, previous=previous, strict=strict, normalised=normalised)
            error = wrong_year(result.report, previous, last)
            if error is not None:
                return FileResult(str(path), error=error)
            return FileResult(str(path), result)
        except XltoolsError as exc:
            return FileResult(str(path), error=exc)


class _Index:
    """Last year's entries by year and folded agency name, and by every ending of that name: a
    report finds its candidates in a few lookups, not by folding the whole folder's names (a
    province's 10,000 reports against 10,000 last year's would be 10^8 comparisons)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.order = {e: i for i, e in enumerate(entries)}
        self.kept = {e.path: e.kept for e in entries if e.kept}
        self.names: dict[tuple[int, str], list[Entry]] = {}
        self.endings: dict[tuple[int, str], list[Entry]] = {}  # the names that end so
        for e in entries:
            name = fold(e.name)
            self.names.setdefault((e.year, name), []).append(e)
            for i in range(len(name)):
                self.endings.setdefault((e.year, name[i:]), []).append(e)

    def same(self, year: int, key: str, unusable: frozenset[str]) -> list[Entry]:
        """The entries of that year with that agency; else, for a renamed agency (洪泽区人民政府 →
        淮安市洪泽区人民政府), those whose name ends this one's or is ended by it."""
        same = [e for e in self.names.get((year, key), ()) if e.path not in unusable]
        if same or not key:
            return same
        found = set(self.endings.get((year, key), ()))
        for i in range(1, len(key)):
            found.update(self.names.get((year, key[i:]), ()))
        return sorted((e for e in found if e.path not in unusable), key=self.order.__getitem__)


_IDENTITY = ("year", "agency.name")


def identify(path: str, keep: str | None = None) -> Entry | None:
    """The year and agency of one file of last year's folder, reading of a workbook only the
    cells these need; None for a file that cannot be last year's report.

    With `keep` (a folder of this run's own), the file is read as far as a check compares with it
    and that report is kept there, pickled: the check it pairs with reads it from there instead of
    reading the workbook a second time."""
    if keep is not None:
        try:
            report = _read_previous(path)
        except XltoolsError:
            pass  # identified as below (an unusable file may still be somebody's last year's report)
        else:
            kept = os.path.join(keep, hashlib.sha1(os.fsencode(path)).hexdigest() + ".pickle")
            try:
                with open(kept, "wb") as fh:
                    pickle.dump(report, fh, protocol=pickle.HIGHEST_PROTOCOL)
            except OSError:
                kept = None  # a full disk: read it again when it is needed
            return Entry(report.year, report.name, path, kept)
    try:
        if Path(path).suffix.lower() == ".xlsx":
            report = Report(typed_values(read_input(path, only=_IDENTITY), _IDENTITY), frozenset(), {})
        else:
            report = load_previous(path)
    except XltoolsError:
        return None
    return None if report.year is None else Entry(report.year, report.name, path)


def pairing(previous: str | None, previous_dir: str | None) -> Pairing | None:
    """The pairing the command line asked for, or None."""
    if previous and previous_dir:
        raise UsageError("上年报告只能给一种：一份上年报告，或上年报告所在的文件夹。", code="previous_both")
    if previous:
        return Pairing.of_file(previous)
    if previous_dir:
        return Pairing.of_dir(previous_dir)
    return None


# --- next year's template -----------------------------------------------------------------------

CARRIED_FIELDS = (
    "agency.name",
    "agency.self",
    "agency.level",
    "agency.deadline",
    "contact",
    *(p for p in FIELDS if p.startswith("overview.headings.")),
)


def next_year_values(last: Report) -> dict[str, Any]:
    """The input values of next year's template: agency fields and headings kept, year + 1,
    上年结转 = last year's 结转下年度 (editable), and last year's figures in `previous.*` so the
    in-sheet X1/X2 checks work while staff type."""
    values: dict[str, Any] = {p: last.values.get(p) for p in CARRIED_FIELDS if last.values.get(p) not in (None, "")}
    values["year"] = last.year + 1
    for c in CARRIES:
        values[c.typed] = last.values.get(c.last) or 0
        if c.prefill:
            values[c.this] = values[c.typed]
    return values


def next_template_from(result: CheckResult) -> bytes:
    """Next year's template from this year's checked report (a file or an upload alike). A report
    with errors is refused, the same everywhere: next year's 上年结转 would be taken from wrong figures."""
    if result.errors:
        raise ReportHasErrors(
            f"这份报告有 {len(result.errors)} 处错误，未生成下一年度的模板：下一年的上年结转数取自这份报告，"
            "请按列出的位置改正后再生成。",
            findings=result.errors,
            code="next_template_errors",
        )
    return next_template_for(result.report)


def next_template_for(last: Report) -> bytes:
    """Next year's template pre-filled from a report already read (a file or an upload)."""

    if last.year is None:
        raise UnusableInput(
            "上年报告中没有可用的年度，无法生成下一年度的模板。请在“基本信息”中填写年度。",
            code="previous_year",
        )
    if last.year + 1 > YEAR_MAX:
        raise UnusableInput(
            f"本年报告是 {last.year} 年的，下一年度 {last.year + 1} 年超出了本程序支持的年度（{YEAR_MIN}–{YEAR_MAX} 年），"
            "无法生成下一年度的模板。请核对报告中的年度。",
            code="previous_year",
        )
    from xltools.workbook.template import template_bytes  # lazy: xlsxwriter is heavy, and a single check never needs it

    return template_bytes(next_year_values(last))


__all__ = [
    "Pairing",
    "load_previous",
    "next_template_for",
    "next_template_from",
    "next_year_values",
    "pairing",
    "require_year",
    "wrong_year",
]
