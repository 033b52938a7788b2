"""Checking: a pure function from what an input states to a normalised report and its findings.

No I/O here. Typing the values finds S2; then the rules of the one list (xltools/rules/registry.py)
run in its order: the relations of the rules of sums, then every rule with a check of its own. The
hard rules (S2–S4, R3.1–R4.1) decide whether a report may be built; the soft ones only warn, unless
the caller asks for `strict`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from xltools.model import ERROR, WARNING, CellError, CheckResult, Finding, Report, Source
from xltools.normalize import looks_blank, parse, sheet_number
from xltools.rules.registry import RULES, S2, SUM_RULES
from xltools.rules.rule import Context
from xltools.rules.soft import name_previous_cells
from xltools.rules.sums import TOTAL_PARTS, SumRule, inputs_of
from xltools.spec import CARRIES, FIELDS, OPTIONAL_NUMBERS, TABLES_BY_ID, Kind

_TABLES = ("proactive.", "requests.", "appeals.")


def _with_parts(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The fields and, for a total among them, every part it is summed from."""
    out: dict[str, None] = {}
    todo = list(paths)
    while todo:
        p = todo.pop()
        if p not in out:
            out[p] = None
            todo += TOTAL_PARTS.get(p, ())
    return tuple(p for p in FIELDS if p in out)


# Everything a check reads of last year's report: its year (it must be N−1), what each rule reads of
# it (`Rule.last_year`: the figures carried into this year, what the soft rules compare), and the
# parts of any total among these. Reading only these (`read_input(…, only=…)`) gives the same
# findings as reading it whole.
PREVIOUS_FIELDS = _with_parts(("year", *(p for r in RULES.values() for p in r.last_year)))

_BLANK_IN_TABLE = "空白（原模板此处为 0，空白说明数字被删除了），表格按 0 计算。没有的请填 0。"


def normalise(source: Source, only: tuple[str, ...] | None = None) -> tuple[Report, list[Finding], set[str]]:
    """Type every value; return the report, the S2 findings and the fields that could not be read.
    `only`: type just these fields (with the parts of any total among them, as PREVIOUS_FIELDS has)."""
    findings: list[Finding] = []
    unreadable: set[str] = set()
    values: dict[str, Any] = {}
    stated: set[str] = set()
    json_input = source.kind == "json"
    for f in FIELDS.values() if only is None else (FIELDS[p] for p in only):
        if f.computed and f.path not in source.values:
            continue  # computed below
        raw = source.values.get(f.path)
        if f.computed:
            stated.add(f.path)
        if json_input and raw is None and f.path in source.values and f.path.startswith(_TABLES):
            findings.append(_s2(source, f.path, S2.say("unfilled", published=source.published), ERROR))
            unreadable.add(f.path)
            values[f.path] = None
            continue
        parsed = parse(f, raw, text_decimals=json_input)
        if isinstance(raw, CellError):
            unreadable.add(f.path)
        if source.kind == "xlsx" and not f.computed and f.group in TABLES_BY_ID and f.kind.numeric and looks_blank(raw):
            findings.append(_s2(source, f.path, _BLANK_IN_TABLE, WARNING))
        if parsed.problem:
            findings.append(_s2(source, f.path, parsed.problem, parsed.severity))
        value = parsed.value
        if value is None and f.kind.numeric and parsed.severity == ERROR:
            unreadable.add(f.path)
        elif value is None and f.kind in (Kind.COUNT, Kind.DECIMAL) and f.path not in OPTIONAL_NUMBERS:
            value = Decimal(0) if f.kind is Kind.DECIMAL else 0
        values[f.path] = value
    for path in TOTAL_PARTS:  # dict order: a total's parts come before it
        if path not in values and (only is None or path in only):
            values[path] = _sum_known(values, TOTAL_PARTS[path])
            if any(p in unreadable for p in TOTAL_PARTS[path]):
                unreadable.add(path)
    return Report(values, frozenset(stated), dict(source.cells)), findings, unreadable


def typed_values(source: Source, paths: tuple[str, ...]) -> dict[str, Any]:
    """Some fields typed as `normalise` types them (their S2 findings left out)."""
    return {p: parse(FIELDS[p], source.values.get(p), text_decimals=source.kind == "json").value for p in paths}


def _sum_known(values: dict[str, Any], parts: tuple[str, ...]) -> int:
    return sum(values.get(p) or 0 for p in parts)


def _s2(source: Source, path: str, problem: str, severity: str | None) -> Finding:
    return S2.finding(
        path,
        f"{FIELDS[path].label}：{problem}",
        severity=severity or ERROR,
        cell=source.cell(path),
        actual=source.values.get(path),
    )


def check(
    source: Source,
    *,
    previous: Report | None = None,
    strict: bool = False,
    normalised: tuple[Report, list[Finding], set[str]] | None = None,
) -> CheckResult:
    """Every finding for one input. `previous` is last year's report, when given (X1, X2, soft rules);
    `normalised`: `normalise(source)`, when the caller has it already."""
    report, findings, unreadable = normalised if normalised is not None else normalise(source)
    findings = list(source.findings) + findings
    if previous is not None:
        report = with_previous(report, previous)

    value: Callable[[str], int | Decimal | None]
    if source.kind == "xlsx":
        value = sheet_values(source, report, previous is not None).get
    else:

        def value(path: str):
            return None if path in unreadable else report.values.get(path)

    invalid = {f.field for f in findings if f.rule == S2.id and f.severity == ERROR}
    failing: set[str] = set()
    for rule in SUM_RULES:
        if any(value(p) is None for p in rule.optional):
            continue
        if invalid.intersection(inputs_of(rule.fields)):
            # not computed with what a sum makes of an invalid cell: its S2 finding names it
            failing.add(rule.name)
        elif rule.applies(value) and not rule.holds(value):
            failing.add(rule.name)
            if not failing.intersection(rule.defer_to):  # one mistake, one finding
                findings.append(rule_finding(rule, value, report, source.published))
    findings = name_previous_cells(findings, previous, report)
    context = Context(report, previous, source, frozenset(unreadable))
    for r in RULES.values():
        if r.check is not None and r.applies.checked and (previous is not None or not r.applies.previous):
            findings += r.check(context)
    if strict:
        findings = [replace(f, severity=ERROR) for f in findings]
    return CheckResult(report, findings)


def sheet_values(source: Source, report: Report, previous_given: bool = False) -> dict[str, int | Decimal | None]:
    """Every number as the recalculated sheet sees it (docs/format.md §5.1): a number counts
    even when invalid (a fraction, a negative), text and blanks count 0, an error value makes every
    sum over it an error (None: the rule cannot be evaluated, as in the sheet). `previous.*` left
    blank is "not given" (None)."""
    values: dict[str, int | Decimal | None] = {}
    for f in FIELDS.values():
        if not f.kind.numeric:
            continue
        if f.computed and f.path not in source.values:
            continue
        raw = source.values.get(f.path)
        if f.path.startswith("previous.") and (previous_given or looks_blank(raw)):
            values[f.path] = report.values.get(f.path)  # last year's report, or not given (None)
        elif f.path in OPTIONAL_NUMBERS and looks_blank(raw):
            values[f.path] = None
        else:
            values[f.path] = sheet_number(raw)
    for path, parts in TOTAL_PARTS.items():
        if path not in values:
            got = [values.get(p) for p in parts]
            numbers = [v for v in got if v is not None]
            values[path] = sum(numbers) if len(numbers) == len(got) else None
    return values


def rule_finding(rule: SumRule, value, report: Report, published: bool = False) -> Finding:
    lhs, rhs = rule.sides(value)
    cells = [report.cells.get(rule.target)] + [report.cells.get(p) for p in rule.fields if p != rule.target]
    return rule.of.finding(
        rule.target,
        rule.explain(rule, value, published),
        expected=rhs,
        actual=lhs,
        cells=tuple(dict.fromkeys(c for c in cells if c)),
    )


def with_previous(report: Report, previous: Report) -> Report:
    """Take last year's 结转下年度 and 现行有效 into this year's `previous.*` fields."""
    values = dict(report.values)
    for c in CARRIES:
        values[c.typed] = previous.values.get(c.last)
    return replace(report, values=values)
