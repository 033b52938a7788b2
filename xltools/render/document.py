"""The report as a format-neutral document: title, preamble, parts, paragraphs and table grids.

Every renderer (txt, md, html, docx) draws this one structure, so the formats cannot drift
apart. Labels come from the spec, table shapes from the one table geometry (xltools.geometry: the
same merged cells the template draws, docs/format.md §7); generated sentences come from `sentences`.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from xltools import geometry, spec
from xltools.model import ERROR, Finding, Report
from xltools.render.sentences import Sentences
from xltools.rules.registry import S2, SUM_RULES
from xltools.rules.sums import TOTAL_PARTS
from xltools.spec import FIELDS
from xltools.text import format_number

DRAFT_BANNER = "草稿（未通过校验）"
DRAFT_NOTE = "本稿中的数字或文字尚未通过校验，仅供审阅，不得发布。"

VALUE, LABEL, HEADER = geometry.VALUE, geometry.LABEL, geometry.HEADER  # a cell's kind, as the geometry says
INVALID, UNKNOWN, RELATED = "invalid", "unknown", "related"
UNKNOWN_TEXT = "—"  # a total that depends on a figure that failed the check
BLANK_TEXT = "未填"  # what a draft prints for a required number left empty
WHOLE_TABLE_ROWS = 16  # a table of at most this many rows is printed on one page
MIN_FIRST_ROWS = 2  # body rows printed with a table's header on its first page


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `lead` is a run-in heading printed before it, e.g. "（一）主动公开。"."""

    text: str
    lead: str = ""
    generated: bool = False
    justify: bool = True  # False for a line of addresses and numbers, which justification spreads apart
    invalid: bool = False  # a draft's sentence that could not be written from figures that failed the check

    @property
    def full(self) -> str:
        return self.lead + self.text


@dataclass(frozen=True)
class Cell:
    """One table cell at its top-left position, with its span (as HTML's rowspan/colspan)."""

    row: int
    col: int
    text: str
    kind: str  # VALUE, LABEL or HEADER
    rowspan: int = 1
    colspan: int = 1
    field: str | None = None  # a value cell's id path
    # In a draft: INVALID (the cell itself is wrong: refused as typed, or the one cell an error names),
    # UNKNOWN (a total over such a cell) or RELATED (a cell of a relation that does not hold: one of
    # them is wrong, which one the clerk decides; marked less strongly than INVALID).
    mark: str | None = None
    note: str = ""  # why a marked cell is marked


@dataclass(frozen=True)
class Grid:
    """A table as a grid of merged cells."""

    id: str
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    header_rows: int = 0  # leading rows repeated on every printed page
    caption: str = ""  # what the table is, for screen readers: 收到和处理政府信息公开申请情况

    def keep_with_next(self) -> frozenset[int]:
        """Rows that must print on the same page as the row after them.

        A short table is kept whole; a longer one keeps its header rows with the first body rows
        (a table never starts at the foot of a page with its header alone), and each group of rows
        under a label merged down several rows stays together (table 三's 三、本年度办理结果 and
        its （三）…（六）), so a group never continues on the next page without its label."""
        last = self.n_rows - 1
        if self.n_rows <= WHOLE_TABLE_ROWS:
            return frozenset(range(last))
        keep = set(range(min(self.header_rows + MIN_FIRST_ROWS - 1, last)))
        for c in self.cells:
            if c.kind == LABEL and c.rowspan > 1:
                keep.update(range(c.row, c.row + c.rowspan - 1))
        return frozenset(keep)

    def rows(self) -> list[list[Cell]]:
        """The cells that start in each row, left to right (HTML's <tr> contents)."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[c.row].append(c)
        return out

    def matrix(self) -> list[list[Cell | None]]:
        """For each grid position, the cell covering it (None where nothing does)."""
        m: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    m[r][k] = c
        return m


@dataclass(frozen=True)
class Part:
    title: str
    blocks: tuple[Paragraph | Grid, ...]


@dataclass(frozen=True)
class Problem:
    """One error of a draft: where it is (a cell, or what the text is) and what is wrong."""

    where: str
    message: str

    @property
    def line(self) -> str:
        return f"【{self.where}】{self.message}" if self.where else self.message


PROBLEMS_TITLE = "未通过校验的内容（共 {n} 处，改正后才能发布）"


@dataclass(frozen=True)
class Document:
    title: str
    preamble: tuple[Paragraph, ...]
    parts: tuple[Part, ...]
    draft: bool = False
    title_lines: tuple[str, ...] = ()  # the title broken between words: agency name, then the rest
    problems: tuple[Problem, ...] = ()  # a draft's errors, listed at its start

    @property
    def title_parts(self) -> tuple[str, ...]:
        return self.title_lines or (self.title,)

    @property
    def banner(self) -> str | None:
        return DRAFT_BANNER if self.draft else None

    def grids(self) -> list[Grid]:
        return [b for p in self.parts for b in p.blocks if isinstance(b, Grid)]


# --- building -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """What a draft knows of its errors: the text each refused or disputed cell holds, and the
    totals that cannot be known because a part was refused."""

    shown: dict[str, str]  # field path -> what to print (what was typed)
    notes: dict[str, str]  # field path -> the error message
    unknown: frozenset[str]  # totals printed as UNKNOWN_TEXT
    related: dict[str, str] = dc_field(default_factory=dict)  # a failing relation's cells -> its message

    def bad(self, path: str) -> bool:
        return path in self.shown or path in self.unknown or path in self.related


def truth_of(report: Report, findings: Iterable[Finding]) -> Truth:
    """The draft's view of its errors. A number the checker refused (S2) prints as typed; a figure
    an error names alone prints as it stands, marked; the cells of a relation that does not hold
    (an R rule's sums) are marked as related, not as wrong; a total over a refused part is unknown,
    even when stated (its effective value would leave the refused part out, and a stated one cannot
    be checked)."""
    shown: dict[str, str] = {}
    notes: dict[str, str] = {}
    related: dict[str, str] = {}
    refused: set[str] = set()
    by_cell = {ref: path for path, ref in report.cells.items()}
    for f in findings:
        if f.severity != ERROR or f.field not in FIELDS:
            continue
        relation = _relation_fields(f, by_cell)
        if len(relation) > 1:
            for path in relation:
                related.setdefault(path, f.message)
            continue
        notes.setdefault(f.field, f.message)
        if f.rule == S2.id and report.values.get(f.field) is None:
            refused.add(f.field)
            shown.setdefault(f.field, typed_text(f.actual))
        else:
            shown.setdefault(f.field, format_number(report.values.get(f.field)) or BLANK_TEXT)
    unknown: set[str] = set()
    for path, parts in TOTAL_PARTS.items():  # dict order: a total's parts come before it
        if path not in shown and any(p in refused or p in unknown for p in parts):
            unknown.add(path)
    related = {p: m for p, m in related.items() if p not in shown and p not in unknown}  # wrong first
    return Truth(shown, notes, frozenset(unknown), related)


def _relation_fields(f: Finding, by_cell: dict[str, str]) -> tuple[str, ...]:
    """The fields of the relation a finding reports (its cells, or for a report read without
    cells the rule's relation at that field); one field for a finding about a single cell."""
    paths = [by_cell[c] for c in f.cells if c in by_cell]
    if not paths:
        paths = next((list(r.fields) for r in SUM_RULES if r.rule == f.rule and r.target == f.field), [])
    return tuple(p for p in dict.fromkeys(paths) if p in FIELDS)


def typed_text(raw: Any) -> str:
    """A refused value as the clerk typed it: -1, 1.5, 三, 10000000000000; nothing typed is 未填."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return BLANK_TEXT
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e16:
        raw = int(raw)
    text = " ".join(str(raw).split())
    return text if len(text) <= 24 else text[:23] + "…"


def problems_of(report: Report, findings: Iterable[Finding]) -> tuple[Problem, ...]:
    """Every error, with its cell (or the field's label where there is no cell)."""
    out = []
    for f in findings:
        if f.severity != ERROR:
            continue
        where = f.cell or f.where or ""
        out.append(Problem(where, f.message))
    return tuple(out)


# The figures each generated sentence is written from: table 三 (its totals are sums of the rest),
# and the fee cells.
_REQUESTS_FIGURES = tuple(p for p in FIELDS if p.startswith("requests."))
_FEE_FIGURES = ("processing_fee.amount_yuan", "processing_fee.count")


def _figures_failed(truth: Truth, paths: Iterable[str]) -> bool:
    return any(truth.bad(p) for p in paths)


@functools.cache
def _our_sentences() -> Sentences:
    """Our own wording, its templates compiled once a process (an office's are read on each build)."""
    return Sentences(None)


def build_document(
    report: Report,
    *,
    draft: bool = False,
    templates_dir: str | os.PathLike | None = None,
    findings: Iterable[Finding] = (),
) -> Document:
    """The document for a checked report. Pure: the same report gives the same document.

    With `findings` that hold errors (a draft), the document tells the truth about them: every
    error is listed at its start, refused cells print what was typed (marked), totals over them
    print UNKNOWN_TEXT, and a generated sentence whose figures failed says so instead."""

    findings = list(findings)
    truth = truth_of(report, findings)
    words = Sentences(templates_dir) if templates_dir is not None else _our_sentences()
    ctx = words.context(report)
    title = spec.TITLE.format(name=report.name, year=report.year or "")
    preamble = [Paragraph(words.render("preamble", ctx, title=title), generated=True)]
    contact = report.text("contact")
    if contact:
        preamble.append(Paragraph(words.render("contact", ctx, contact=contact), generated=True, justify=False))
    preamble = [p for p in preamble if p.text]  # an office's template may leave a sentence out

    blocks: dict[str, list[Paragraph | Grid]] = {pid: [] for pid, _ in spec.PARTS}
    blocks["overview"] += paragraphs(report.text("overview.summary"))
    for (sec_id, default_heading, _), numeral in zip(spec.OVERVIEW_SECTIONS, spec.OVERVIEW_NUMERALS, strict=True):
        heading = report.text(f"overview.headings.{sec_id}") or default_heading
        text = report.text(f"overview.{sec_id}")
        generated = False
        invalid = False
        if not text and sec_id == "on_request":
            text, generated = words.render("on_request", ctx), True
            if _figures_failed(truth, _REQUESTS_FIGURES):
                text, invalid = ON_REQUEST_FAILED, True
        paras = section(numeral, heading, text, default_heading, generated=generated)
        if invalid:
            paras[0] = replace(paras[0], invalid=True)
        blocks["overview"] += paras
    for table in spec.TABLES:
        blocks[table.id].append(table_grid(table, report, truth))
    blocks["problems"] += paragraphs(report.text("problems"))
    fee = words.render("processing_fee", ctx)
    other = paragraphs(report.text("other_matters"))
    if fee and _figures_failed(truth, _FEE_FIGURES):
        blocks["other"].append(Paragraph(FEE_FAILED, generated=True, invalid=True))
        fee = ""
    if fee and len(other) == 1 and _nfkc(other[0].text).strip(_BARE_END) in BARE_NONE:
        # "…涉及政府信息公开申请2件。无" does not read as one text: say what the 无 means.
        other = [Paragraph(NOTHING_ELSE)]
    if other and not _NUMBERED.match(_nfkc(other[0].text)):
        # The seed prints the fee sentence and the first paragraph as one paragraph; a first
        # paragraph opening with its own numbering (（一）, 一、, 1.) is an item and stands alone.
        blocks["other"].append(Paragraph(fee + other[0].text))  # part staff text: not marked generated
        blocks["other"] += other[1:]
    else:
        blocks["other"] += [Paragraph(fee, generated=True)] if fee else []
        blocks["other"] += other
    parts = tuple(Part(title, tuple(blocks[pid])) for pid, title in spec.PARTS)
    return Document(
        title,
        tuple(preamble),
        parts,
        draft=draft,
        title_lines=title_lines(report),
        problems=problems_of(report, findings),
    )


def title_lines(report: Report) -> tuple[str, ...]:
    """The title in lines that break between words: the agency's name, then "2024年政府信息公开
    工作年度报告" (a title wrapped by width alone breaks inside a word: "…2024年政府／信息公开…")."""
    name = report.name
    rest = spec.TITLE.format(name="", year=report.year or "")
    if not name or spec.TITLE.format(name=name, year=report.year or "") != name + rest:
        return ()
    return (name, rest)


def paragraphs(text: str) -> list[Paragraph]:
    """A staff text's paragraphs: one per non-blank line, surrounding white space dropped."""
    return [Paragraph(line.strip(" \t\u3000")) for line in text.splitlines() if line.strip(" \t\u3000")]


ON_REQUEST_FAILED = "【此段应按表三的数字生成，但表三中有数字未通过校验（见本稿开头所列），改正后才能生成。】"
FEE_FAILED = "【信息处理费的说明应按“信息处理费”一栏的数字生成，但该栏未通过校验（见本稿开头所列），改正后才能生成。】"
BARE_NONE = frozenset({"无", "没有", "暂无", "无其他", "没有其他"})
_BARE_END = " 。.．;；"
NOTHING_ELSE = "无其他需要报告的事项。"
_OWN_NUMERAL = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")
_NUMBERED = re.compile(r"^([(][一二三四五六七八九十]{1,3}[)]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、](?!\d))")
_LEAD_END = "。：:．."
_MAX_LEAD = 40  # a run-in heading is short; a longer first sentence is body text


def section(numeral: str, heading: str, text: str, default_heading: str, *, generated: bool = False) -> list[Paragraph]:
    """A sub-section of part 一: its paragraphs, the first opening with the numbered heading.

    A text that already opens with a heading (its own numeral, or the heading words followed by
    a full stop or colon) keeps it and is not given a second one.
    """
    paras = paragraphs(text)
    if not paras:
        return []
    first = paras[0].text
    lead, rest = _own_lead(first, (heading, default_heading))
    if lead is None:
        heading = heading.strip()
        stop = "" if heading[-1:] in _LEAD_END else "。"
        lead, rest = f"{numeral}{heading}{stop}", first
    elif not _OWN_NUMERAL.match(_nfkc(lead)):
        lead = numeral + lead
    return [Paragraph(rest, lead=lead, generated=generated), *paras[1:]]


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _own_lead(first: str, headings: tuple[str, ...]) -> tuple[str | None, str]:
    """(the heading the text opens with, the rest), or (None, text)."""
    norm = _nfkc(first)
    m = _OWN_NUMERAL.match(norm)
    if m:
        # Own numeral: the lead runs to the first full stop or colon, when that comes soon.
        end = next((i for i, ch in enumerate(first) if _nfkc(ch) in _LEAD_END), None)
        if end is not None and end < _MAX_LEAD:
            return first[: end + 1], first[end + 1 :]
        return first[: len(m.group(0))], first[len(m.group(0)) :]
    for heading in headings:
        h = heading.strip()
        if h and first.startswith(h):
            after = first[len(h) : len(h) + 1]
            if after and _nfkc(after) in _LEAD_END:
                return first[: len(h) + 1], first[len(h) + 1 :]
            if h[-1:] and _nfkc(h[-1]) in _LEAD_END:
                return first[: len(h)], first[len(h) :]
    return None, first


# --- tables -------------------------------------------------------------------------------------


def table_grid(table: spec.Table, report: Report, truth: Truth | None = None) -> Grid:
    """A table's grid: the one geometry (xltools.geometry) the template draws too, so the report
    prints exactly the merged cells staff filled in, with the report's figures in its value cells."""
    g = geometry.GRIDS[table.id]
    cells: list[Cell] = []
    for p in g.places:
        if p.path is None:
            cells.append(Cell(p.row, p.col, p.text, p.kind, p.rowspan, p.colspan))
            continue
        text, mark, note = format_number(report.values.get(p.path)), None, ""
        if truth is not None and p.path in truth.shown:
            text, mark, note = truth.shown[p.path], INVALID, truth.notes[p.path]
        elif truth is not None and p.path in truth.unknown:
            text, mark, note = UNKNOWN_TEXT, UNKNOWN, "有组成数字未通过校验，无法得出"
        elif truth is not None and p.path in truth.related:
            mark, note = RELATED, truth.related[p.path]
        cells.append(Cell(p.row, p.col, text, VALUE, p.rowspan, p.colspan, field=p.path, mark=mark, note=note))
    return Grid(table.id, g.n_rows, g.n_cols, tuple(cells), g.header_rows, g.caption)


__all__ = [
    "DRAFT_BANNER",
    "INVALID",
    "RELATED",
    "UNKNOWN",
    "Cell",
    "Document",
    "Grid",
    "Paragraph",
    "Part",
    "Problem",
    "build_document",
    "table_grid",
]
