"""Reading a filled workbook into a Source: the cells found through the defined names, verified
beside their labels (docs/format.md §4). Cached formula results are never trusted.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import NamedTuple

from xltools import spec
from xltools.errors import UnusableInput
from xltools.formats import InputFormat, input_format, suffix_of, unsupported
from xltools.jsonform import parse_json
from xltools.model import ERROR, CellError, Finding, Source
from xltools.normalize import date_from_serial
from xltools.rules.registry import S1
from xltools.rules.sums import total_formula
from xltools.spec import FIELDS, SHEETS, TEMPLATE_VERSION, Kind
from xltools.text import fold, os_reason, size_text
from xltools.workbook.layout import ANCHORS, FIELD_CELLS, cell_ref
from xltools.workbook.xlsx import Book, open_book

# Text that only the 2019 试行 format (国办公开办函〔2019〕60号) has.
_FORMAT_2019_MARKS = ("第二十条第（九）项", "第二十条第(九)项", "政府集中采购")
_REPORT_MARKS = ("本年新收政府信息公开申请数量", "政府信息公开", "予以公开")


def read_input(path: str | os.PathLike, *, only: tuple[str, ...] | None = None) -> Source:
    """Read a workbook or a JSON report; UnusableInput for anything that cannot be used at all.
    `only`: of a workbook, read just these fields (see `read_book`)."""
    p = Path(path)
    try:
        os.stat(p)
    except FileNotFoundError:
        pass
    except OSError as exc:  # a name too long, a loop of links, a folder without permission
        raise UnusableInput(f"无法读取文件：{os_reason(exc)}", code="unreadable", path=str(path)) from exc
    if not p.exists():
        raise UnusableInput("文件不存在，请检查路径和文件名。", code="missing", path=str(path))
    if p.is_dir():
        raise UnusableInput(
            "这是一个文件夹，不是文件。请给出其中的某个文件。",
            code="is_dir",
            path=str(path),
        )
    if not p.is_file():  # a pipe or a device would block or never end
        raise UnusableInput(
            "这不是普通文件（可能是管道或设备）。请给出保存在磁盘上的文件。", code="unreadable", path=str(path)
        )
    try:
        return read_data(read_bytes(p, _format(str(p)).limit), str(path), only=only)
    except UnusableInput as exc:
        exc.path = exc.path or str(path)
        raise


def _format(name: str) -> InputFormat:
    """The registry's entry of this input (xltools.formats): its reader, and how many bytes are worth
    reading (one more is read, so that the reader can say it is too large). UnusableInput for a
    suffix this reader does not take, with the registry's reason where it knows the suffix."""
    known = input_format(name)
    if known is None or known.reader not in ("workbook", "json"):
        accepted = " xltools 模板填写的 .xlsx 文件，或 .json 报告数据"
        raise UnusableInput(unsupported(suffix_of(name), accepted), code="unsupported")
    return known


def read_data(data: bytes, name: str, *, only: tuple[str, ...] | None = None) -> Source:
    """Read an input held in memory (a file's bytes, an upload); `name` picks the reader."""
    if _format(name).reader == "json":
        return parse_json(data, name)
    return read_book(open_book(data), name, only=only)


def read_bytes(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
            if len(data) > limit:  # said with its real size: only limit + 1 bytes were read
                size = max(len(data), os.fstat(fh.fileno()).st_size)
                raise UnusableInput(
                    f"文件过大（{size_text(size)}，上限 {size_text(limit)}），不像是一份年度报告。"
                    "请确认选择的是年度报告文件。",
                    code="too_large",
                )
    except PermissionError as exc:
        raise UnusableInput(
            "没有读取该文件的权限。请检查文件权限，或把文件复制到自己的文件夹后再试。", code="unreadable"
        ) from exc
    except OSError as exc:
        raise UnusableInput(
            f"无法读取文件：{os_reason(exc)}如仍不行，请把文件复制到本机磁盘后再试。", code="unreadable"
        ) from exc
    return data


def read_workbook(path: Path) -> Source:
    return read_input(path)


def read_book(book: Book, display: str, *, only: tuple[str, ...] | None = None) -> Source:
    """The Source of a workbook; `only`: read just these fields (and only the cells they need),
    as pairing a batch with last year's folder reads each file's year and agency first."""
    version = _identify(book)
    source = Source(display, "xlsx")
    findings = source.findings
    missing_sheets = _check_sheets(book, findings)
    lost: dict[str, list[str]] = {}  # template sheet -> fields whose name no longer resolves
    if version != TEMPLATE_VERSION:
        findings.append(_s1(None, None, S1.say("old_version", version=version, expected=TEMPLATE_VERSION), "warning"))
    mismatched: dict[str, list[str]] = {}
    plan = _plan(book, only)
    if only is not None:
        book.only_rows(plan.rows)
    for path in plan.lost:
        lost.setdefault(FIELD_CELLS[path][0], []).append(path)
    wrong = {
        i for i, label in enumerate(plan.labels) if label is None or _normed(book.cell(*label[:3]).value) != label[3]
    }
    for path, f, (sheet, row, col), ref, label_ids in plan.fields:
        source.cells[path] = ref
        if wrong and not wrong.isdisjoint(label_ids):
            mismatched.setdefault(sheet, []).append(ref)
            continue
        cell = book.cell(sheet, row, col)
        if f.computed:
            _read_total(source, path, ref, cell)
        elif cell.formula is not None:
            external = "[" in cell.formula or "://" in cell.formula
            what = "引用了其他工作簿的公式" if external else "公式"
            findings.append(
                _s1(path, ref, S1.say("formula_in_input", label=f.label, what=what, formula=cell.formula[:60]))
            )
        elif cell.error:
            source.values[path] = CellError(cell.error)  # S2 in both the sheet and the checker
        elif _is_date_serial(f.kind, cell.value):
            source.values[path] = date_from_serial(cell.value, book.date1904)  # a date, in the book's system
        elif cell.value is not None:
            source.values[path] = cell.value
    for sheet, paths in lost.items():
        if sheet in missing_sheets:
            continue  # the missing sheet is reported once, not once per cell
        shown = "、".join(f"“{FIELDS[p].label}”" for p in paths[:3]) + (
            f" 等 {len(paths)} 项" if len(paths) > 3 else ""
        )
        findings.append(
            _s1(
                paths[0],
                None,
                S1.say("names_lost", sheet=sheet, shown=shown, name=FIELDS[paths[0]].name),
            )
        )
    for sheet, refs in mismatched.items():
        shown = "、".join(refs[:5]) + (f" 等 {len(refs)} 处" if len(refs) > 5 else "")
        findings.append(
            _s1(
                None,
                refs[0],
                S1.say("labels_moved", sheet=sheet, shown=shown),
            )
        )
    return source


def _is_date_serial(kind: Kind, value) -> bool:
    """A number in a date cell (publish_date), or in 发布期限, where "01-31" typed into a cell that is
    not text becomes a date."""
    if (
        (kind is not Kind.DATE and kind is not Kind.MONTHDAY)
        or isinstance(value, bool)
        or not isinstance(value, int | float)
    ):
        return False
    return 20000 < value < 80000 if kind is Kind.DATE else 1 <= value < 2958466


def _identify(book: Book) -> str:
    """The template version, or UnusableInput saying what the workbook is instead."""
    version = book.properties.get("xltools_template") or _name_constant(book.names.get("xltools_template"))
    if not version and spec.SHEET_META in book.sheets:
        version = str(book.cell(spec.SHEET_META, 0, 1).value or "")
    text = ""
    if not version:  # say what it is instead: other programs often write their text into the cells
        # (only then: a narrative of our own template may well quote the 2019 format's words)
        text = "\n".join(book.strings[:5000]) + "\n" + _inline_text(book)
    if any(m in text for m in _FORMAT_2019_MARKS):
        raise UnusableInput(
            "这是按 2019 年试行格式（国办公开办函〔2019〕60号）制作的表格：表二含“第二十条第（九）项”，"
            "表三“（六）其他处理”只有一行。2021 年起应使用国办公开办函〔2021〕30号格式。"
            "请用本工具的空白模板按新格式重新填写。",
            code="format_2019",
        )
    if not version:
        what = (
            "像是一份年度报告表格，但不是本工具生成的模板"
            if any(m in text for m in _REPORT_MARKS)
            else "不是本工具的模板"
        )
        raise UnusableInput(f"这个工作簿{what}（没有模板版本标记）。请使用本工具的空白模板填写。", code="foreign")
    key, ours = _version_key(version), _version_key(TEMPLATE_VERSION)
    if key is None:
        raise UnusableInput(f"模板版本标记“{version[:40]}”无法识别。请使用本工具的空白模板填写。", code="foreign")
    assert ours is not None  # this program's own marker
    if key > ours:
        raise UnusableInput(
            f"这个模板的版本（{version}）比本程序支持的（{TEMPLATE_VERSION}）新。请升级 xltools 后再试。",
            code="newer_version",
        )
    if key[0] != ours[0]:
        raise UnusableInput(f"模板版本 {version} 已不再支持。请用本工具的空白模板重新填写。", code="old_version")
    return version


def _inline_text(book: Book, limit: int = 5000) -> str:
    texts: list[str] = []
    for sheet in book.sheets[:12]:
        try:
            cells = book.cells(sheet)
        except KeyError:  # a sheet entry without a part
            continue
        texts += [c.value for c in cells.values() if isinstance(c.value, str)][: limit - len(texts)]
    return "\n".join(texts)


def _name_constant(text: str | None) -> str:
    m = re.fullmatch(r'="?([^"]*)"?', text or "")
    return m.group(1) if m else ""


def _version_key(version: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d{4}\.\d{1,3}", version):
        return None
    return tuple(int(p) for p in version.split("."))


def _check_sheets(book: Book, findings: list[Finding]) -> list[str]:
    expected = list(SHEETS)
    present = [s for s in book.sheets if s != spec.SHEET_META]
    missing = [s for s in expected if s not in present]
    extra = [s for s in present if s not in expected]
    if missing and extra:
        findings.append(
            _s1(
                None,
                None,
                S1.say("sheets_renamed", missing="”“".join(missing), extra="”“".join(extra)),
            )
        )
    elif missing:
        findings.append(_s1(None, None, S1.say("sheets_missing", missing="”“".join(missing))))
    return missing


_NORMED: dict = {}  # label text -> normalised: the same few hundred labels in every workbook


def _normed(value) -> str:
    key = (type(value), value)  # 1, 1.0 and True are one dict key, but not one label
    text = _NORMED.get(key)
    if text is None:
        text = fold(value)
        if len(_NORMED) < 20_000:
            _NORMED[key] = text
    return text


class _Plan(NamedTuple):
    """Where a workbook's fields and their labels are, worked out once per layout: every filled copy
    of one template resolves its defined names to the same cells."""

    fields: tuple[tuple[str, spec.Field, tuple[str, int, int], str, frozenset[int]], ...]  # … ref, its labels
    lost: tuple[str, ...]  # fields whose defined name no longer resolves
    labels: tuple[tuple[str, int, int, str] | None, ...]  # (sheet, row, col, text wanted); None: off the sheet
    rows: dict[str, set[int]]  # by sheet, the rows that hold the fields and their labels


_PLANS: dict[tuple, _Plan] = {}


def _plan(book: Book, only: tuple[str, ...] | None) -> _Plan:
    fields = _fields(only)
    key = (only, tuple(book.names.get(name) for _path, _f, name in fields), tuple(book._paths))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _make_plan(book, fields)
        if len(_PLANS) >= 64:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _make_plan(book: Book, fields: tuple[tuple[str, spec.Field, str], ...]) -> _Plan:
    placed, lost = [], []
    labels: dict[tuple[str, int, int, str] | None, int] = {}  # each label cell (and text) once
    rows: dict[str, set[int]] = {}
    for path, f, name in fields:
        where = book.resolve(name)
        if where is None:
            lost.append(path)
            continue
        sheet, row, col = where
        ids = set()
        for d_row, d_col, want in _anchors(path):
            r, c = row + d_row, col + d_col
            label = (sheet, r, c, want) if r >= 0 and c >= 0 else None
            ids.add(labels.setdefault(label, len(labels)))
            rows.setdefault(sheet, set()).add(r)
        rows.setdefault(sheet, set()).add(row)
        placed.append((path, f, where, cell_ref(*where), frozenset(ids)))
    return _Plan(tuple(placed), tuple(lost), tuple(labels), rows)


@functools.cache
def _fields(only: tuple[str, ...] | None = None) -> tuple[tuple[str, spec.Field, str], ...]:
    return tuple((path, f, f.name) for path, f in FIELDS.items() if only is None or path in only)


@functools.cache
def _anchors(path: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((d_row, d_col, fold(text)) for d_row, d_col, text in ANCHORS[path])


def _read_total(source: Source, path: str, ref: str, cell) -> None:
    f = FIELDS[path]
    if cell.formula is not None:
        if _formula_key(cell.formula) != _formula_key(total_formula(path)):
            source.findings.append(
                _s1(
                    path,
                    ref,
                    S1.say("total_changed", label=f.label, formula=cell.formula[:60]),
                )
            )
        return
    if cell.value is None and cell.error is None:
        source.findings.append(_s1(path, ref, S1.say("total_deleted", label=f.label)))
        return
    source.values[path] = cell.value
    source.findings.append(
        _s1(
            path,
            ref,
            S1.say("total_typed", label=f.label, value=cell.value),
        )
    )


@functools.lru_cache(maxsize=4096)
def _formula_key(formula: str) -> str:
    return re.sub(r"\s+", "", formula.lstrip("=")).upper().replace("_XLFN.", "")


def _s1(path: str | None, cell: str | None, message: str, severity: str = ERROR) -> Finding:
    return S1.finding(path, message, severity=severity, cell=cell)


__all__ = ["FIELD_CELLS", "read_book", "read_data", "read_input", "read_workbook"]
