"""Summing the reports of a jurisdiction's units into the tables of its own report.

Counts add as integers and decimals as Decimal, so no float drift reaches a published figure.
Scope matters: a 区's table 二（一） counts the 规章 and 规范性文件 the 区 itself issued, and summing
现行有效 across departments gives a number nobody publishes. So each table or row group is either
本级 (taken from the unit named by `self`) or 汇总 (the sum of every unit), with defaults that follow
practice; the scope used travels with the result.

The summing itself is pure (`Accumulator`, `merge`); `load` reads the inputs through the batch
checker, streaming, so only running sums and one line per unit are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltools.collect.batch import check_many
from xltools.errors import UnusableInput, UsageError, XltoolsError
from xltools.jsonform import dumps, report_to_json
from xltools.load import load_report
from xltools.model import FileResult, Finding, Report, Source
from xltools.rules.checker import check
from xltools.rules.registry import M1
from xltools.spec import (
    APPEALS,
    CARRIES,
    DOCUMENT_ROWS,
    FIELDS,
    OPTIONAL_NUMBERS,
    PROACTIVE,
    PROACTIVE_BLOCKS,
    REQUESTS,
    Kind,
)
from xltools.text import display_path, fold, format_number
from xltools.workbook.template import template_bytes

SELF = "本级"
SUM = "汇总"
_SCOPE_WORDS = {SELF: SELF, "self": SELF, "own": SELF, SUM: SUM, "sum": SUM, "total": SUM}

# Every number a merged report carries: the table inputs, the 信息处理费 and last year's figures.
# Totals are not summed: the checker computes them from the summed parts, as the template does.
SUMMED = tuple(
    f.path
    for f in FIELDS.values()
    if f.kind in (Kind.COUNT, Kind.DECIMAL)
    and not f.computed
    and f.group in ("proactive", "requests", "appeals", "processing_fee", "previous")
)
MAX_LISTED = 20  # offenders listed by name in a refusal; the rest counted


@dataclass(frozen=True)
class ScopeGroup:
    """A table or row group whose figures are taken as a whole from 本级 or summed."""

    key: str  # what a clerk types after --scope: 二（一）, 三, 四, 信息处理费
    title: str
    prefixes: tuple[str, ...]  # the field paths it covers
    default: str
    aliases: tuple[str, ...] = ()

    def covers(self, path: str) -> bool:
        return path.startswith(self.prefixes)


def _with_carries(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """A group's fields and the 上年数据 fields their carries read (last year's figure goes with this year's)."""
    return prefixes + tuple(c.typed for c in CARRIES if c.this.startswith(prefixes))


def _groups() -> tuple[ScopeGroup, ...]:
    groups = []
    for article, _header, rows in PROACTIVE_BLOCKS:
        item = re.search(r"（.）", article).group(0)
        labels = "、".join(PROACTIVE.row(r).label for r in rows)
        documents = rows == DOCUMENT_ROWS  # 现行有效 counts documents, not events: 本级 by default
        groups.append(
            ScopeGroup(
                f"二{item}",
                f"表二 {article} {labels}",
                _with_carries(tuple(f"proactive.{r}." for r in rows)),
                SELF if documents else SUM,
                aliases=rows,
            )
        )
    groups.append(
        ScopeGroup("三", f"表三 {REQUESTS.part[2:]}", _with_carries(("requests.",)), SUM, aliases=("requests",))
    )
    groups.append(ScopeGroup("四", f"表四 {APPEALS.part[2:]}", ("appeals.",), SUM, aliases=("appeals",)))
    groups.append(ScopeGroup("信息处理费", "六 信息处理费", ("processing_fee.",), SUM, aliases=("processing_fee",)))
    return tuple(groups)


SCOPE_GROUPS = _groups()
DEFAULT_SCOPE = {g.key: g.default for g in SCOPE_GROUPS}
assert all(sum(g.covers(p) for g in SCOPE_GROUPS) == 1 for p in SUMMED)


def _group_for(key: str) -> ScopeGroup:
    want = fold(key).removeprefix("表")
    for g in SCOPE_GROUPS:
        if want in {fold(g.key), *(fold(a) for a in g.aliases)}:
            return g
    choices = "、".join(g.key for g in SCOPE_GROUPS)
    raise UsageError(f"口径设置中的“{key}”不是可以选择口径的表或行组。可选：{choices}。", code="scope")


def parse_scope(options: Iterable[str]) -> dict[str, str]:
    """The defaults, changed by `--scope 组=本级|汇总` options."""
    scope = dict(DEFAULT_SCOPE)
    for opt in options:
        key, sep, value = opt.replace("＝", "=").partition("=")
        word = _SCOPE_WORDS.get(fold(value).lower())
        if not sep or word is None:
            raise UsageError(
                f"口径设置的写法是“表或行组=本级”或“表或行组=汇总”，例如 二（一）=汇总（现为“{opt}”）。", code="scope"
            )
        scope[_group_for(key).key] = word
    return scope


def scope_of(path: str, scope: Mapping[str, str]) -> str:
    return next(scope[g.key] for g in SCOPE_GROUPS if g.covers(path))


# --- summing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    path: str
    name: str
    year: int | None


@dataclass
class Accumulator:
    """Running sums over the units' reports, and what a refusal would have to list."""

    self_key: str | None = None  # the 本级 unit: a path or a 机关全称
    sums: dict[str, Any] = field(
        default_factory=lambda: {p: Decimal(0) if FIELDS[p].kind is Kind.DECIMAL else 0 for p in SUMMED}
    )
    units: list[Unit] = field(default_factory=list)
    unusable: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[str, str, int]] = field(default_factory=list)
    self_unit: Unit | None = None
    self_values: dict[str, Any] | None = None

    def add(self, r: FileResult) -> None:
        if r.result is None:
            self.unusable.append((r.path, r.error.message if r.error else ""))
            return
        self.add_report(r.path, r.result.report, errors=len(r.result.errors))

    def add_report(self, path: str, report: Report, *, errors: int = 0) -> None:
        unit = Unit(path, report.name, report.year)
        if errors:
            self.invalid.append((path, report.name, errors))
            return
        self.units.append(unit)
        for p in SUMMED:
            value = report.values.get(p)
            if value is None or self.sums[p] is None:
                self.sums[p] = None  # one unit does not state it (e.g. 信息处理费件数): the sum is unknown
            else:
                self.sums[p] += value
        if self.self_key is not None and self._is_self(unit) and self.self_unit is None:
            self.self_unit = unit
            self.self_values = {p: report.values.get(p) for p in SUMMED}

    def _is_self(self, unit: Unit) -> bool:
        key = self.self_key or ""
        if fold(unit.name) == fold(key):
            return True
        try:
            return Path(unit.path).resolve() == Path(key).resolve()
        except OSError:
            return False


@dataclass
class MergeResult:
    report: Report  # the merged report, totals computed; narrative blank
    scope: dict[str, str]
    units: list[Unit]
    self_unit: Unit | None
    unknown: list[str]  # summed fields left blank because some unit does not state them
    reconciliation: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster names with no report
    unexpected: list[str] = field(default_factory=list)  # units not on the roster
    parent: Unit | None = None
    parent_errors: int = 0

    def record(self) -> dict:
        """The scope used, as recorded in the output."""
        return {
            "units": len(self.units),
            "self": self.self_unit.name if self.self_unit else None,
            "scope": dict(self.scope),
        }

    def record_full(self) -> dict:
        rec = self.record()
        rec["unit_names"] = [u.name for u in self.units]
        if self.parent is not None:
            rec["parent"] = self.parent.name
            rec["reconciliation"] = [f.as_json() for f in self.reconciliation]
        if self.missing or self.unexpected:
            rec["missing"] = list(self.missing)
            rec["unexpected"] = list(self.unexpected)
        return rec


class MergeRefused(XltoolsError):
    """The inputs cannot be summed; the message lists every offender."""

    code = "merge_refused"

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _listed(items: Sequence[str]) -> list[str]:
    shown = [f"    {display_path(i)}" for i in items[:MAX_LISTED]]  # a path that is not UTF-8, escaped
    if len(items) > MAX_LISTED:
        shown.append(f"    ……另有 {len(items) - MAX_LISTED} 个")
    return shown


def refusals(acc: Accumulator, parent: Unit | None = None) -> tuple[list[str], int]:
    """Every reason the units cannot be summed, as message lines, and the exit status it calls for."""
    lines: list[str] = []
    code = 0
    if acc.unusable:
        lines.append(f"以下 {len(acc.unusable)} 个文件无法使用：")
        lines += _listed([f"{p}：{m}" for p, m in acc.unusable])
        code = 2
    if acc.invalid:
        lines.append(f"以下 {len(acc.invalid)} 份报告有错误，请先逐一检查并改正：")
        lines += _listed([f"{p}（{n or '未填机关全称'}）：{k} 处错误" for p, n, k in acc.invalid])
        code = max(code, 1)
    years: dict[int | None, list[Unit]] = {}
    for u in acc.units + ([parent] if parent else []):
        years.setdefault(u.year, []).append(u)
    if len(years) > 1:
        common = max(years, key=lambda y: len(years[y]))
        lines.append(f"年度不一致：{len(years[common])} 份是 {common} 年的报告，以下不是：")
        lines += _listed([f"{u.path}（{u.name}）：{u.year} 年" for y, us in years.items() if y != common for u in us])
        code = 2
    by_name: dict[str, list[Unit]] = {}
    for u in acc.units + ([parent] if parent else []):
        by_name.setdefault(fold(u.name), []).append(u)
    dups = [us for us in by_name.values() if len(us) > 1]
    if dups:
        lines.append(f"以下 {len(dups)} 个单位重复出现（同一单位只能计入一次）：")
        lines += _listed([f"{us[0].name}：{'、'.join(u.path for u in us)}" for us in dups])
        code = 2
    return lines, code


def merge(
    acc: Accumulator,
    *,
    name: str,
    scope: Mapping[str, str] | None = None,
    parent: Report | None = None,
    parent_path: str = "",
    parent_errors: int = 0,
    roster: Sequence[str] | None = None,
) -> MergeResult:
    """The merged report from the summed units; MergeRefused or UsageError when it cannot be made."""

    scope = dict(scope or DEFAULT_SCOPE)
    parent_unit = Unit(parent_path, parent.name, parent.year) if parent is not None else None
    lines, code = refusals(acc, parent_unit)
    if not acc.units and not lines:
        lines, code = ["没有可以汇总的报告。"], 2
    if lines:
        raise MergeRefused("无法汇总：\n" + "\n".join(lines), code)
    needs_self = [g for g in SCOPE_GROUPS if scope[g.key] == SELF]
    if acc.self_key is not None and acc.self_unit is None:
        raise UsageError(
            f"在输入中找不到本级单位“{acc.self_key}”。请写它的机关全称（与报告中一致）或文件路径，并把它列入输入。"
        )
    if needs_self and acc.self_unit is None:
        what = "、".join(g.title for g in needs_self)
        raise UsageError(
            f"{what}按本级取数，需要指明本级单位（机关全称或文件名）；如确需把各单位相加，请把口径改为汇总。",
            code="needs_self",
            group=needs_self[0].key,
        )
    values: dict[str, Any] = {"agency.name": name, "year": acc.units[0].year}
    unknown = []
    for p in SUMMED:
        value = acc.self_values[p] if scope_of(p, scope) == SELF else acc.sums[p]
        values[p] = value
        if value is None and scope_of(p, scope) == SUM and p in OPTIONAL_NUMBERS and not p.startswith("previous."):
            unknown.append(p)
    report = check(Source("", "json", values)).report
    result = MergeResult(report, scope, list(acc.units), acc.self_unit, unknown)
    if parent is not None:
        result.parent = parent_unit
        result.parent_errors = parent_errors
        result.reconciliation = reconcile(parent, report, scope, acc.self_unit)
    if roster is not None:
        have = {fold(u.name) for u in acc.units}
        listed = {fold(n) for n in roster}
        result.missing = [n for n in roster if fold(n) not in have]
        result.unexpected = [u.name for u in acc.units if fold(u.name) not in listed]
    return result


# --- reconciliation -----------------------------------------------------------------------------

_COMPARED = tuple(
    f.path
    for f in FIELDS.values()
    if f.kind in (Kind.COUNT, Kind.DECIMAL) and f.group in ("proactive", "requests", "appeals", "processing_fee")
)


def reconcile(parent: Report, merged: Report, scope: Mapping[str, str], self_unit: Unit | None) -> list[Finding]:
    """Every cell where the parent's own report differs from what its units add up to (warnings:
    scopes differ legitimately, but each difference should be explainable)."""
    findings = []
    for p in _COMPARED:
        mine, theirs = parent.values.get(p), merged.values.get(p)
        if mine is None or theirs is None or mine == theirs:
            continue
        if scope_of(p, scope) == SELF and self_unit is not None:
            basis = M1.say("self", unit=self_unit.name, theirs=format_number(theirs))
        else:
            basis = M1.say("units", theirs=format_number(theirs))
        diff = mine - theirs
        findings.append(
            M1.finding(
                p,
                M1.say(
                    "differs",
                    label=FIELDS[p].label,
                    mine=format_number(mine),
                    basis=basis,
                    diff=("+" if diff > 0 else "") + format_number(diff),
                ),
                cell=parent.cells.get(p),
                expected=theirs,
                actual=mine,
            )
        )
    return findings


def read_roster(path: str) -> list[str]:
    """A list of the units expected: one 机关全称 a line (UTF-8 or GB18030); # starts a comment."""

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnusableInput(f"无法读取单位名单：{exc.strerror or exc}。", code="unreadable", path=path) from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnusableInput("单位名单不是文本文件（应为每行一个机关全称）。", code="encoding", path=path)
    names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [n for n in names if n]


# --- reading the inputs -------------------------------------------------------------------------


def load(paths: Sequence[str], *, self_key: str | None = None, jobs: int | None = None, progress=None) -> Accumulator:
    """Read, check and sum every input (streaming, over the batch checker)."""

    acc = Accumulator(self_key=self_key)
    for r in check_many(paths, jobs=jobs):
        acc.add(r)
        if progress is not None:
            progress(r)
    return acc


def run(
    paths: Sequence[str],
    *,
    name: str | None,
    self_key: str | None = None,
    scope: Mapping[str, str] | None = None,
    parent: str | None = None,
    roster: str | None = None,
    jobs: int | None = None,
    progress=None,
) -> MergeResult:
    """Everything `xltools merge` does short of writing: read the parent, sum the units, reconcile."""

    names = read_roster(roster) if roster else None
    parent_report, parent_errors = None, 0
    if parent:
        checked = load_report(parent)
        parent_report, parent_errors = checked.report, len(checked.errors)
    name = name or (parent_report.name if parent_report is not None else None)
    if not name:
        raise UsageError("汇总报告需要写明机关全称。", code="needs_name")
    acc = load(paths, self_key=self_key, jobs=jobs, progress=progress)
    return merge(
        acc,
        name=name,
        scope=scope,
        parent=parent_report,
        parent_path=parent or "",
        parent_errors=parent_errors,
        roster=names,
    )


def describe(result: MergeResult) -> list[str]:
    """What was summed and under which scope, for the clerk (printed and recorded)."""
    n = len(result.units)
    lines = [f"已汇总 {n} 个单位的报告（{result.report.year} 年），口径："]
    for g in SCOPE_GROUPS:
        how = f"本级（取自 {result.self_unit.name}）" if result.scope[g.key] == SELF else f"汇总（{n} 个单位相加）"
        lines.append(f"  {g.key}　{g.title}：{how}")
    for p in result.unknown:
        lines.append(f"  注意：有单位未填写“{FIELDS[p].label}”，汇总数无法确定，已留空。")
    return lines


def reconciliation_lines(result: MergeResult) -> list[str]:
    lines: list[str] = []
    if result.parent is not None:
        head = f"核对上级报告 {result.parent.path}（{result.parent.name}）"
        if result.parent_errors:
            head += f"（该报告本身有 {result.parent_errors} 处错误，可单独检查查看）"
        if result.reconciliation:
            lines.append(f"{head}：{len(result.reconciliation)} 处与下级合计不一致：")
            lines += [
                f"  ! [{f.rule}] {f.cell.split('!', 1)[1] + ' ' if f.cell else ''}{f.message}"
                for f in result.reconciliation
            ]
        else:
            lines.append(f"{head}：各项数字与下级合计一致。")
    if result.missing:
        lines.append(f"单位名单中有 {len(result.missing)} 个单位没有报告：")
        lines += _listed(result.missing)
    if result.unexpected:
        lines.append(f"以下 {len(result.unexpected)} 个单位不在单位名单中（已计入汇总）：")
        lines += _listed(result.unexpected)
    return lines


def output_bytes(result: MergeResult, suffix: str) -> bytes:
    """The merged report as .json (the JSON form plus the scope record) or .xlsx (the template)."""
    import json

    if suffix == ".json":
        obj = report_to_json(result.report)
        obj["merge"] = result.record_full()
        return dumps(obj).encode("utf-8")

    values = {p: v for p, v in result.report.values.items() if not FIELDS[p].computed and v not in (None, "")}
    rec = result.record()
    record = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    if len(record) > 255 and rec["self"]:  # Excel keeps at most 255 characters in a text property
        rec["self"] = rec["self"][: max(0, len(rec["self"]) - (len(record) - 255) - 1)] + "…"
        record = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    return template_bytes(values, properties={"xltools_merge": record})


__all__ = [
    "DEFAULT_SCOPE",
    "SCOPE_GROUPS",
    "Accumulator",
    "MergeRefused",
    "MergeResult",
    "describe",
    "load",
    "merge",
    "output_bytes",
    "parse_scope",
    "read_roster",
    "reconcile",
    "run",
]
