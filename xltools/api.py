"""The library's one door: what the command line and the web page call, and all they call.

Every function here is thin: it names a step of the library (reading and checking, a batch,
building a document, the templates, fill, merge, import, the summary workbook, the rules, the JSON
schema) and passes the call on. The policy stays in the modules below; the skins (xltools.cli,
xltools.web) import only this module, xltools.errors and xltools.model, and phrase what comes back.

Heavy modules are imported inside the functions, so that importing this door costs nothing a
command does not use (`xltools --help` and a one-file check start fast).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from xltools import __version__
from xltools.errors import UsageError, XltoolsError, exit_status, http_status
from xltools.files import atomic_path, check_target, write_atomic
from xltools.formats import OUTPUT_FORMATS, OUTPUT_SUFFIXES, OUTPUTS, XLSX_MEDIA_TYPE, OutputFormat
from xltools.inputs import expand_inputs
from xltools.inputs import is_published as _is_published
from xltools.model import ERROR, WARNING, CheckResult, FileResult, Finding, Report
from xltools.round.errors import LoginRefused, NotFound, Refused, RoundError, StoreError, UploadRefused
from xltools.round.model import CONFIRM, RETURN, Event, Review, Round, Status, Unit, UnitState, Upload
from xltools.round.model import MAX_UPLOAD as ROUND_MAX_UPLOAD
from xltools.round.model import links_json as round_links_json
from xltools.round.model import status_json as round_status_json
from xltools.round.model import upload_json as round_upload_json
from xltools.spec import FIELDS, SHEETS, TABLES
from xltools.text import clean_text, display_path, format_number, os_reason

if TYPE_CHECKING:
    from xltools.collect.batch import Digest, Tally
    from xltools.collect.merge import MergeResult
    from xltools.collect.pool import Pool
    from xltools.collect.summary import SummaryBook
    from xltools.geometry import TableGrid
    from xltools.previous import Pairing
    from xltools.published import Imported
    from xltools.round.downloads import Merged
    from xltools.round.roster import Entry
    from xltools.round.service import Link, RoundService
    from xltools.rules.registry import Rule
    from xltools.verdict import Hint, JsonStream

# --- reading and checking one input -------------------------------------------------------------


def load_report(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check one file (a workbook, the JSON form, a published report); UnusableInput
    when it cannot be used at all."""
    from xltools import load

    return load.load_report(path, strict=strict, previous=previous)


def load_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> CheckResult:
    """Read and check an upload held in memory; `name` (its file name) only picks the reader."""
    from xltools import load

    return load.load_bytes(data, name, strict=strict, previous=previous)


def load_for_build(
    path: str | os.PathLike, *, previous_path: str | None = None, narrative_path: str | None = None
) -> CheckResult:
    """Read and check a report as `build` takes it: with last year's report and a separate
    narrative (Word or text), when given."""
    from xltools import load

    return load.load_for_build(path, previous_path=previous_path, narrative_path=narrative_path)


def check_file(path: str | os.PathLike, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    """Read and check one file; a failure is kept in the result, never raised."""
    from xltools import load

    return load.check_file(path, strict=strict, previous=previous)


def check_bytes(data: bytes, name: str, *, strict: bool = False, previous: Report | None = None) -> FileResult:
    """Read and check one upload; a failure is kept in the result, never raised."""
    from xltools import load

    return load.check_bytes(data, name, strict=strict, previous=previous)


def detached(exc: BaseException) -> BaseException:
    """The exception without its tracebacks, to be kept in a result (see xltools.load.detached)."""
    from xltools import load

    return load.detached(exc)


# --- worker processes that can be killed (a check that may hang or take too much memory) ---------


def worker_pool(workers: int, *, timeout: float | None = None, memory_limit: int | None = None) -> Pool:
    """Worker processes for checks (xltools.collect.pool.Pool): `pool.submit(check_bytes, data,
    name)` gives a concurrent.futures.Future (`await asyncio.wrap_future(f)`); past `timeout`
    seconds its worker is killed and replaced and the future fails (turn that into the upload's
    result with `lost_result`). `memory_limit`: bytes of address space per worker. Workers die
    with this process, however it ends; end the pool with `shutdown()` or `terminate()`."""
    from xltools.collect import batch
    from xltools.collect.pool import Pool

    return Pool(workers, timeout=timeout, memory_limit=memory_limit, preload=batch.CHECK_MODULES)


def lost_result(exc: BaseException, name: str) -> FileResult:
    """An input's result when its check in a worker failed: 无法读取（超时） past the time limit,
    a worker that died, or any exception, as that input's error (never raised)."""
    from xltools.collect import batch

    return FileResult(name, error=batch.lost(exc, name))


# --- many inputs: a batch, as a stream ----------------------------------------------------------


def input_paths(inputs: Iterable[str], *, outputs: Iterable[str | None] = (), published: bool = False) -> list[str]:
    """The files an input list means (folders searched; with `published`, published reports
    found too), without this run's own outputs."""
    from xltools.collect import batch

    return batch.input_paths(inputs, outputs=outputs, published=published)


def previous_pairing(previous: str | None, previous_dir: str | None) -> Pairing | None:
    """Last year's report, or last year's folder, to check each report against (or None);
    UsageError when both are given."""
    from xltools.previous import pairing

    return pairing(previous, previous_dir)


def check_stream(
    paths: Sequence[str], *, strict: bool = False, jobs: int | None = None, pairing: Pairing | None = None
) -> Iterator[FileResult]:
    """Check every path (over the machine's cores), yielding each file's result as soon as it is
    checked, in input order; a file that cannot be used is a result carrying its error."""
    from xltools.collect import batch

    return batch.check_many(paths, strict=strict, jobs=jobs, pairing=pairing)


def check_batch(
    paths: Sequence[str],
    *,
    strict: bool = False,
    jobs: int | None = None,
    pairing: Pairing | None = None,
    json: bool = False,
    text: bool = False,
    summary: bool = False,
    hint: Hint | None = None,
    sinks: Sequence[Callable[[Digest], object]] = (),
    progress: Callable[[Digest], None] | None = None,
) -> Tally:
    """Check every path, handing each file's digest (its counts and the pieces asked for: `json`
    entry, `text` lines, `summary` rows) to `sinks` as it arrives; keeps nothing per file. The
    returned tally holds the counts and the exit status of the whole batch."""
    from xltools.collect import batch

    tally = batch.Tally(json=json, text=text, summary=summary, hint=hint, sinks=sinks)
    return batch.run(paths, tally, strict=strict, jobs=jobs, progress=progress, pairing=pairing)


# --- results as people and programs read them ---------------------------------------------------


def file_lines(r: FileResult, hint: Hint | None = None) -> list[str]:
    """One file's verdict and findings as printed; `hint` adds the interface's own words."""
    from xltools import verdict

    return verdict.file_lines(r, hint)


def finding_line(f: Finding) -> str:
    from xltools import verdict

    return verdict.finding_line(f)


def count_line(counts: dict) -> str | None:
    """The closing line of a batch (None for a single file)."""
    from xltools import verdict

    return verdict.count_line(counts)


def results_json(results: Sequence[FileResult]) -> dict:
    """The results as `check --json` prints them (docs/format.md §6)."""
    from xltools import verdict

    return verdict.as_json(results)


def json_stream(write: Callable[[str], object]) -> JsonStream:
    """`check --json` written onto `write` a file at a time: `.add(digest.json)`, then `.close(counts)`."""
    from xltools import verdict

    return verdict.JsonStream(write)


def cells_text(cells: Sequence[str], sheet: str | None = None) -> str:
    """Cells as a clerk reads them ("D7、D8" or "D9:D29", a range where they run down a column);
    cells on another sheet than `sheet` keep their sheet name."""
    from xltools.geometry import cells_text as text

    return text(tuple(cells), sheet)


def finding_order(f: Finding) -> tuple:
    """The key that lists findings in the order of the workbook's sheets and cells."""
    from xltools.geometry import finding_order as order

    return order(f)


# --- where things are: the spec's fields and sheets, the one table geometry, cell names ----------
# The report's own structure, for an interface that draws it (the web page's tables): FIELDS (id
# path -> the field: its label, kind, whether it is a computed total), SHEETS (the workbook's sheets,
# in order) and TABLES (the report's tables) are the spec's (xltools.spec, loaded with xltools.model);
# the grids come from xltools.geometry, imported when first asked for.


def table_grid(sheet: str) -> TableGrid:
    """The table on a sheet as a grid of merged cells (xltools.geometry.TableGrid: its places, each
    with its span, counted from the table's top-left cell); KeyError for a sheet without a table."""
    from xltools.geometry import GRID_OF_SHEET

    return GRID_OF_SHEET[sheet]


def sheet_of(path: str | None) -> str | None:
    """The sheet a field is typed on (also for JSON input, which has no cells); None for no field."""
    from xltools.geometry import sheet_of as of

    return of(path)


def where_labels(path: str | None) -> tuple[str, str]:
    """(row words, column words) of a table field as its table prints them; for another field its
    own label and ""; ("", "") for no field."""
    from xltools.geometry import where_labels as labels

    return labels(path)


def where_text(path: str | None) -> str | None:
    """Where a field (or a table row) is, in the words every message uses; None for no place."""
    from xltools.geometry import where_text as text

    return text(path)


def column_name(col: int) -> str:
    """A column as a spreadsheet names it, counted from 0: 0 -> A, 26 -> AA."""
    from xltools.workbook.cells import col_name

    return col_name(col)


def cell_position(ref: str | None) -> tuple[int, int] | None:
    """A cell name (D31, $D$31, 三、依申请公开!D31) as zero-based (row, column); None otherwise."""
    from xltools.workbook.cells import parse_a1

    return parse_a1(ref)


def template_cell(path: str) -> str:
    """The template's cell of a field, "三、依申请公开!D31": where a report without cells of its
    own (JSON) would have typed it."""
    from xltools.workbook.layout import field_ref

    return field_ref(path)


def sheet_total(path: str, values: dict[str, Any], invalid: dict[str, Any]) -> tuple[Any, list[str]]:
    """A total as the workbook's SUM shows it when some of its inputs are not valid numbers
    (`invalid`: their raw contents), and those inputs: (the figure, their paths); (None, []) when
    every input is valid (the total is the report's own)."""
    from xltools.rules.sums import inputs_of
    from xltools.workbook.layout import sheet_total as total

    over = [p for p in inputs_of((path,)) if p in invalid]
    return (total(path, values, invalid), over) if over else (None, [])


# --- the summary workbook -----------------------------------------------------------------------


def summary_book(target: str | os.PathLike, *, name: str = "") -> SummaryBook:
    """The summary workbook written while a batch runs (`.add(digest.row, digest.problems)`), as a
    context manager: complete on a clean exit, discarded on a failure."""
    from xltools.collect.summary import SummaryBook

    return SummaryBook(target, name=name)


def same_units(results: Sequence[FileResult]) -> list[list[int]]:
    """The reports of one unit a batch holds more than once (the same 机关全称, compared loosely,
    and the same year), as groups of indices into `results`: merge would refuse them."""
    from xltools.collect.summary import same_units as groups

    return groups(results)


def summary_workbook_bytes(results: Iterable[FileResult]) -> bytes:
    """The summary workbook of these results, as .xlsx bytes."""
    from xltools.collect.summary import workbook_bytes

    return workbook_bytes(results)


# --- documents ----------------------------------------------------------------------------------


class Document(NamedTuple):
    """A built report: its bytes, its format (id, Chinese name, suffix, media type) and the file
    name it is offered under (the title; a draft's says 草稿)."""

    data: bytes
    format: OutputFormat
    filename: str

    @property
    def media_type(self) -> str:
        return self.format.media_type

    @property
    def suffix(self) -> str:
        return self.format.suffix


def buildable_formats() -> list[OutputFormat]:
    """The formats `build` can write on this machine: PDF only where LibreOffice is found."""
    from xltools.render.pdf import available

    return [f for f in OUTPUT_FORMATS if f.id != "pdf" or available()]


def output_format(fmt: str) -> OutputFormat:
    """The format of this id; UsageError for one `build` does not write."""
    try:
        return OUTPUTS[fmt]
    except KeyError:
        raise UsageError(f"不支持的输出格式“{fmt}”。可用的格式：{'、'.join(OUTPUTS)}。", code="format") from None


def report_filename(report: Report, fmt: str, *, draft: bool = False) -> str:
    """The name a built report is offered under: its title, 草稿 for a draft, the format's suffix."""
    from xltools import spec

    title = spec.TITLE.format(name=report.name, year=report.year or "") if report.name else "年度报告"
    return f"{title}{'（草稿）' if draft else ''}{output_format(fmt).suffix}"


def build(
    result: CheckResult,
    fmt: str,
    *,
    draft: bool = False,
    templates_dir: str | os.PathLike | None = None,
    fix_punctuation: bool = False,
) -> Document:
    """The report of a check result in one format. A report with errors is refused
    (ReportHasErrors), unless `draft` asks for it anyway: then it carries the draft banner.
    `fix_punctuation` writes the staff text's half-width punctuation beside Chinese (rule C7)
    full-width in the built report; the input is never changed, and nothing is changed unasked."""
    from xltools import render

    if fix_punctuation:
        result = with_full_punctuation(result)
    data = render.build(result, fmt, draft=draft, templates_dir=templates_dir)
    return Document(data, output_format(fmt), report_filename(result.report, fmt, draft=bool(result.errors)))


def is_published(name: str | os.PathLike) -> bool:
    """True for a published report's file (Word, web page, text, PDF): it has no workbook cells."""
    return _is_published(name)


def half_punctuation_count(report: Report) -> int:
    """How many half-width marks beside Chinese the staff text holds (rule C7's count)."""
    from xltools.rules.soft import half_punctuation_count as count

    return count(report)


def with_full_punctuation(result: CheckResult) -> CheckResult:
    """The check result with its staff text's half-width punctuation (rule C7) made full-width."""
    from xltools.rules.soft import with_full_punctuation as full

    return full(result)


def render(
    report: Report,
    fmt: str,
    *,
    draft: bool = False,
    templates_dir: str | os.PathLike | None = None,
    findings: Iterable[Finding] = (),
) -> bytes:
    """The report in one format as it stands, checked or not (a preview); `findings` make a draft
    show its errors."""
    from xltools import render as renderer

    return renderer.render(report, fmt, draft=draft, templates_dir=templates_dir, findings=findings)


# --- templates, fill, export --------------------------------------------------------------------


def template_bytes() -> bytes:
    """The blank template."""
    from xltools.workbook.template import template_bytes as blank

    return blank()


def next_template(result: CheckResult) -> bytes:
    """Next year's template pre-filled from this year's checked report; a report with errors is
    refused (ReportHasErrors): next year's 上年结转 would come from wrong figures."""
    from xltools.previous import next_template_from

    return next_template_from(result)


def next_template_filename(report: Report) -> str:
    """The name next year's template is offered under."""
    return f"{report.name}{(report.year or 0) + 1}年度报告模板.xlsx"


def fill_bytes(result: CheckResult) -> bytes:
    """The JSON form's report written into a new template (inputs only); refused with the findings
    when it has errors."""
    from xltools.workbook.fill import fill_bytes as fill

    return fill(result)


def export_json(result: CheckResult) -> str:
    """The JSON form (xltools.report/1) of a checked report; refused when it has errors."""
    from xltools.workbook.fill import export_json as export

    return export(result)


def report_json(report: Report) -> dict:
    """The JSON form of a report as it stands (what the web page posts back for a download)."""
    from xltools.jsonform import report_to_json

    return report_to_json(report)


def dumps(obj: Any) -> str:
    """JSON as xltools writes it (UTF-8 text, indented, decimals as strings)."""
    from xltools.jsonform import dumps as write

    return write(obj)


def json_schema() -> dict:
    """The JSON Schema of the JSON form xltools.report/1."""
    from xltools.jsonform import json_schema as schema

    return schema()


# --- published reports -------------------------------------------------------------------------


def import_report(path: str | os.PathLike) -> Imported:
    """A published report (web page, Word, PDF, text) read into the JSON form, totals as printed:
    `.to_json()`, `.notes` (what to verify), `.check()`."""
    from xltools.published import import_report as read

    return read(path)


# --- merge --------------------------------------------------------------------------------------


def merge_scope(options: Iterable[str]) -> dict[str, str]:
    """The scope changes asked for (`二（一）=汇总`), checked; UsageError with the groups otherwise."""
    from xltools.collect import merge

    return merge.parse_scope(options)


def merge_reports(
    paths: Sequence[str],
    *,
    name: str | None,
    self_key: str | None = None,
    scope: dict[str, str] | None = None,
    parent: str | None = None,
    roster: str | None = None,
    jobs: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
) -> MergeResult:
    """Every unit's report read, checked and summed; reconciled with the parent's own report and
    the roster when given."""
    from xltools.collect import merge

    return merge.run(
        paths, name=name, self_key=self_key, scope=scope, parent=parent, roster=roster, jobs=jobs, progress=progress
    )


def merge_bytes(result: MergeResult, suffix: str) -> bytes:
    """The merged report as .json (with the scope record) or .xlsx (the template)."""
    from xltools.collect import merge

    return merge.output_bytes(result, suffix)


def merge_lines(result: MergeResult) -> tuple[list[str], list[str]]:
    """What was summed under which scope, and the reconciliation with the parent and the roster."""
    from xltools.collect import merge

    return merge.describe(result), merge.reconciliation_lines(result)


# --- the rules ----------------------------------------------------------------------------------


def rules(ids: Iterable[str] = ()) -> list[Rule]:
    """The rules with these ids (any case), or every rule; UsageError naming an unknown id."""
    from xltools.rules.registry import RULES

    ids = list(ids)
    unknown = [r for r in ids if r.upper() not in RULES]
    if unknown:
        raise UsageError(f"没有规则“{'”“'.join(unknown)}”。规则编号有：{' '.join(RULES)}。", code="unknown_rule")
    return [RULES[i.upper()] for i in ids] or list(RULES.values())


# --- the collection round (xltools.round; docs/format.md §10) ------------------------------------
# The service and its store are imported when first used: a plain check never loads sqlite3.


def open_round_service(folder: str, **kw: Any) -> RoundService:
    """The collection rounds kept in a data folder (created, or migrated forward, on open).
    Keywords: `check` (the upload checker: (bytes, file name, last year's report) -> verdict),
    `clock`, `max_upload`. See xltools.round.service.RoundService for what it does."""
    from xltools.round.service import RoundService

    return RoundService.open(folder, **kw)


def roster_from_file(path: str) -> list[Entry]:
    """A roster from a .txt or .xlsx file (docs/format.md §10)."""
    from xltools.round.roster import read_roster_file

    return read_roster_file(path)


def roster_from_bytes(data: bytes, filename: str) -> list[Entry]:
    """A roster from an uploaded file's bytes; `filename` only picks the reader."""
    from xltools.round.roster import parse_roster

    return parse_roster(data, filename)


def roster_from_text(text: str) -> list[Entry]:
    """A roster pasted as text."""
    from xltools.round.roster import parse_roster_text

    return parse_roster_text(text)


def round_log(service: RoundService, round_id: int) -> list[tuple[Any, Any]]:
    """A round's audit log as the office reads it, newest first: (time in UTC, the line in words:
    its actor, action, unit and detail)."""
    from xltools.round import journal

    return list(journal.round_log(service, round_id))


def round_submitted(service: RoundService, round_id: int) -> list[UnitState]:
    """The units of a round that have uploaded, in roster order: the ones the downloads read."""
    from xltools.round import downloads

    return downloads.submitted(service, round_id)


def round_word_of(result: FileResult) -> bytes | None:
    """A unit's current report (its `result_of`) as Word, or None when it has errors."""
    from xltools.round import downloads

    return downloads.word_of(result)


def round_summary_bytes(
    service: RoundService, round_id: int, results: Iterable[tuple[UnitState, FileResult]] | None = None
) -> bytes:
    """The summary workbook of a round's current reports (as `check --summary`); `results`: the
    units' current results as a caller's workers made them (else they are read here, in turn)."""
    from xltools.round import downloads

    return downloads.summary_workbook(service, round_id, results)


def round_merged(
    service: RoundService,
    round_id: int,
    suffix: str = ".xlsx",
    results: Iterable[tuple[UnitState, FileResult]] | None = None,
) -> Merged:
    """The merged totals of a round's error-free current reports (as `merge`, with the roster)."""
    from xltools.round import downloads

    return downloads.merged(service, round_id, suffix, results)


def round_word_zip(service: RoundService, round_id: int) -> bytes:
    """Every unit's current report as Word, in one zip."""
    from xltools.round import downloads

    return downloads.word_zip(service, round_id)


def round_write_word_zip(
    service: RoundService,
    round_id: int,
    out: BinaryIO,
    reports: Iterable[tuple[UnitState, bytes | str | None]] | None = None,
) -> int:
    """Every unit's current report as Word, as one zip written to `out` as it is made; the count.
    `reports`: each unit's Word file (None: errors; a text: why not made) as a caller's workers made them."""
    from xltools.round import downloads

    return downloads.write_word_zip(service, round_id, out, reports)


def round_links_bytes(links: Sequence[Link], base_url: str, suffix: str, *, title: str = "") -> bytes:
    """The list of links as .xlsx, or as printable text (any other suffix)."""
    from xltools.round import downloads

    if suffix.lower() == ".xlsx":
        return downloads.links_workbook(links, base_url, title=title)
    return downloads.links_text(links, base_url, title=title).encode("utf-8")


def round_export(service: RoundService, rnd: Round, target: str | os.PathLike, *, force: bool = False) -> dict:
    """Write a round's export zip (every version of every file, the log, a JSON index)."""
    from xltools.round import export

    return export.export_round(service, rnd, target, force=force)


def round_import(service: RoundService, source: str | os.PathLike) -> Round:
    """Put an exported round into a store without a round of that year."""
    from xltools.round import export

    return export.import_round(service, source)


def round_backup(service: RoundService, target: str | os.PathLike, *, force: bool = False) -> dict:
    """A consistent copy of the live store (SQLite's backup API and the blobs it names), zipped."""
    from xltools.round import export

    return export.backup(service.store, target, force=force)


def round_restore(source: str | os.PathLike, folder: str | os.PathLike, *, force: bool = False) -> dict:
    """Put a backup into a data folder (an empty one, or with `force` replacing its database)."""
    from xltools.round import export

    return export.restore(source, folder, force=force)


def round_time(when: Any) -> str:
    """A stored UTC time as the office reads it (Beijing time, to the minute)."""
    from xltools.round.downloads import shown_time

    return shown_time(when)


def round_verdict(r: FileResult) -> dict:
    """One checked upload as a round stores its verdict: its `check --json` entry (what the
    service's own check gives; for a check run elsewhere, e.g. in the web page's worker pool)."""
    from xltools.text import displayable
    from xltools.verdict import file_json

    return displayable(file_json(r))


def new_office_password() -> str:
    """A random office password to print once (first start of the service)."""
    from xltools.round.auth import generate_password

    return generate_password()


__all__ = [
    "CONFIRM",
    "ERROR",
    "FIELDS",
    "OUTPUTS",
    "OUTPUT_FORMATS",
    "OUTPUT_SUFFIXES",
    "RETURN",
    "ROUND_MAX_UPLOAD",
    "SHEETS",
    "TABLES",
    "WARNING",
    "XLSX_MEDIA_TYPE",
    "CheckResult",
    "Document",
    "Event",
    "FileResult",
    "Finding",
    "LoginRefused",
    "NotFound",
    "OutputFormat",
    "Refused",
    "Report",
    "Review",
    "Round",
    "RoundError",
    "Status",
    "StoreError",
    "Unit",
    "UnitState",
    "Upload",
    "UploadRefused",
    "XltoolsError",
    "__version__",
    "atomic_path",
    "build",
    "buildable_formats",
    "cell_position",
    "cells_text",
    "check_batch",
    "check_bytes",
    "check_file",
    "check_stream",
    "check_target",
    "clean_text",
    "column_name",
    "count_line",
    "detached",
    "display_path",
    "dumps",
    "exit_status",
    "expand_inputs",
    "export_json",
    "file_lines",
    "fill_bytes",
    "finding_line",
    "finding_order",
    "format_number",
    "half_punctuation_count",
    "http_status",
    "import_report",
    "input_paths",
    "is_published",
    "json_schema",
    "json_stream",
    "load_bytes",
    "load_for_build",
    "load_report",
    "lost_result",
    "merge_bytes",
    "merge_lines",
    "merge_reports",
    "merge_scope",
    "new_office_password",
    "next_template",
    "next_template_filename",
    "open_round_service",
    "os_reason",
    "output_format",
    "previous_pairing",
    "render",
    "report_filename",
    "report_json",
    "results_json",
    "roster_from_bytes",
    "roster_from_file",
    "roster_from_text",
    "round_backup",
    "round_export",
    "round_import",
    "round_links_bytes",
    "round_links_json",
    "round_log",
    "round_merged",
    "round_restore",
    "round_status_json",
    "round_submitted",
    "round_summary_bytes",
    "round_time",
    "round_upload_json",
    "round_verdict",
    "round_word_of",
    "round_word_zip",
    "round_write_word_zip",
    "rules",
    "same_units",
    "sheet_of",
    "sheet_total",
    "summary_book",
    "summary_workbook_bytes",
    "table_grid",
    "template_bytes",
    "template_cell",
    "where_labels",
    "where_text",
    "with_full_punctuation",
    "worker_pool",
    "write_atomic",
]
