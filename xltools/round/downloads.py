"""What the office downloads of a round, as bytes (the web page and the command line only deliver
them): the summary workbook (as `check --summary`), the merged totals of the units' current
reports (as `merge`, with the roster so missing units are named), every current report as Word in
one zip, and the list of links (.xlsx and printable text).

Each unit's current report is its latest upload, read again from its stored bytes and checked as
at upload (with last year's report when the unit carries one, and U1). By default that happens here,
one unit after another; a caller with worker processes (the web page) hands in the results (or the
Word files) as its workers make them, unit by unit, so that no single call reads a whole round."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from xltools.model import FileResult
from xltools.round.errors import Refused
from xltools.round.model import UnitState
from xltools.round.service import CHINA, Link, RoundService

Current = Iterable[tuple[UnitState, FileResult]]  # each unit that uploaded, with its current report's result
Words = Iterable[tuple[UnitState, bytes | str | None]]  # each unit that uploaded, its report as Word
# (None: it has errors; a text: why it could not be made)


def submitted(service: RoundService, round_id: int) -> list[UnitState]:
    """Every unit that has uploaded, in roster order (what `current` and `words` go through)."""
    return [state for state in service.board(round_id) if state.last is not None]


def current(service: RoundService, round_id: int) -> Iterator[tuple[UnitState, FileResult]]:
    """Every unit that has uploaded, in roster order, with its current report checked again."""
    for state in submitted(service, round_id):
        assert state.last is not None
        yield state, service.result_of(state.last)


def word_of(result: FileResult) -> bytes | None:
    """A current report as Word, or None when it has errors (it is then named, not rendered)."""
    from xltools.render import build

    if result.result is None or not result.result.ok:
        return None
    return build(result.result, "docx")


def words(service: RoundService, round_id: int) -> Iterator[tuple[UnitState, bytes | None]]:
    """Every unit that has uploaded, in roster order, with its current report as Word (or None)."""
    for state, result in current(service, round_id):
        yield state, word_of(result)


def summary_workbook(service: RoundService, round_id: int, results: Current | None = None) -> bytes:
    """The summary workbook of the units' current reports: the same as `check --summary`."""
    from xltools.collect.summary import workbook_bytes

    pairs = current(service, round_id) if results is None else results
    return workbook_bytes(r for _, r in pairs)


@dataclass(frozen=True)
class Merged:
    """The merged totals as a file, and what the office should read about them."""

    data: bytes
    lines: list[str]
    missing: list[str]


def merged(service: RoundService, round_id: int, suffix: str = ".xlsx", results: Current | None = None) -> Merged:
    """The units' current reports without errors summed (as `merge`), with the roster: units
    without such a report are named. Table 二（一） is taken from the office's own unit (本级) when it
    is on the roster with such a report, else it is summed too (said in the lines)."""
    from xltools.collect import merge as m

    rnd = service.round_by_id(round_id)
    roster = [u.name for u in service.units(round_id)]
    acc = m.Accumulator(self_key=rnd.office)
    for state, r in current(service, round_id) if results is None else results:
        if r.result is not None and r.result.ok:
            acc.add_report(state.unit.name, r.result.report)
    if not acc.units:
        raise Refused("还没有可以汇总的报告：没有单位的最新报告是无错误的。", code="nothing_to_merge")
    scope = dict(m.DEFAULT_SCOPE)
    notes = []
    if acc.self_unit is None:
        acc.self_key = None
        scope = {k: m.SUM for k in scope}
        notes.append(f"注意：本级单位“{rnd.office}”不在名单中或没有无错误的报告，各表均按各单位相加。")
    result = m.merge(acc, name=rnd.office, scope=scope, roster=roster)
    lines = [*m.describe(result), *notes, *m.reconciliation_lines(result)]
    data = m.output_bytes(result, suffix)
    if suffix == ".xlsx":
        data = with_notes(data, lines)
    return Merged(data, lines, result.missing)


NOTES_SHEET = "汇总说明"


def with_notes(book: bytes, lines: Sequence[str]) -> bytes:
    """The merged workbook with a last sheet saying what was summed and which units are missing
    (the template's own sheets untouched: the workbook still checks and builds as a template)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # lazy: heavy

    wb = load_workbook(io.BytesIO(book))
    ws = wb.create_sheet(NOTES_SHEET)
    ws.column_dimensions["A"].width = 100
    for line in lines:
        ws.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def safe_name(name: str) -> str:
    """A unit's name as a file name inside a zip: no path separators or characters Windows refuses."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    return cleaned[:100] or "单位"


def word_zip(service: RoundService, round_id: int) -> bytes:
    """Every unit's current report as Word (.docx) in one zip (see `write_word_zip`)."""
    buf = io.BytesIO()
    write_word_zip(service, round_id, buf)
    return buf.getvalue()


def write_word_zip(service: RoundService, round_id: int, out: BinaryIO, reports: Words | None = None) -> int:
    """Every unit's current report as Word (.docx) in one zip written to `out` as it is made
    (a round of 3,000 units need not be held in memory); units whose current report has errors,
    or who have none, are listed in 说明.txt instead. Returns the number of reports."""
    skipped = []
    done = 0
    have = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for i, (state, docx) in enumerate(words(service, round_id) if reports is None else reports, 1):
            have.add(state.unit.id)
            if docx is None:
                skipped.append(f"{state.unit.name}：最新上传的报告有错误，未生成。")
                continue
            if isinstance(docx, str):
                skipped.append(f"{state.unit.name}：未能生成（{docx}）。")
                continue
            zf.writestr(f"{i:03d}-{safe_name(state.unit.name)}.docx", docx)
            done += 1
        for u in service.units(round_id):
            if u.id not in have:
                skipped.append(f"{u.name}：未提交。")
        note = [f"共生成 {done} 份报告。", *skipped]
        zf.writestr("说明.txt", "\r\n".join(note) + "\r\n")
    return done


def links_text(links: Sequence[Link], base_url: str, *, title: str = "") -> str:
    """The links as printable text: one unit a line with its link."""
    lines = [title] if title else []
    lines += [f"{i}. {link.unit.name}\t{link.url(base_url)}" for i, link in enumerate(links, 1)]
    return "\n".join(lines) + "\n"


def links_workbook(links: Sequence[Link], base_url: str, *, title: str = "") -> bytes:
    """The links as an .xlsx to send out: 序号, 机关全称, 层级, 上级, 链接."""
    import xlsxwriter  # type: ignore[import-untyped]

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("填报链接")
    bold = wb.add_format({"bold": True})
    row = 0
    if title:
        ws.write(0, 0, title, bold)
        row = 1
    ws.write_row(row, 0, ["序号", "机关全称", "层级", "上级", "填报链接"], bold)
    for i, link in enumerate(links, 1):
        u = link.unit
        ws.write_row(row + i, 0, [i, u.name, u.level, u.parent, link.url(base_url)])
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 3, 14)
    ws.set_column(4, 4, 80)
    wb.close()
    return buf.getvalue()


def shown_time(when: dt.datetime | None) -> str:
    """A stored UTC time as the office reads it (Beijing time)."""
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if when else ""


__all__ = [
    "Merged",
    "current",
    "links_text",
    "links_workbook",
    "merged",
    "safe_name",
    "shown_time",
    "submitted",
    "summary_workbook",
    "word_of",
    "word_zip",
    "words",
    "write_word_zip",
]
