"""The arithmetic rules (勾稽关系) of FORMAT.md §5 as data.

Each rule instance states `sum(lhs) == sum(rhs)` over field paths. The same object renders itself
as the Excel formula of the template's check cell and evaluates itself in Python for the checker,
so the template and the checker cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xltools.model import ERROR, WARNING
from xltools.spec import (
    APPEAL_PARTS,
    APPEALS,
    APPLICANT_COLUMNS,
    CARRIES,
    FIELDS,
    MAX_NUMBER,
    PROACTIVE,
    REQUEST_RESULT_ROWS,
    REQUESTS,
    SHEET_APPEALS,
    SHEET_PROACTIVE,
    SHEET_REQUESTS,
    YEAR_MAX,
    YEAR_MIN,
    Kind,
)

Number = int | Decimal
OK_MARK = "✓"
FAIL_MARK = "✗"
NA_MARK = "—"
NA_TEXT = f"{NA_MARK} 未填上年数据，不核对"


@dataclass(frozen=True)
class Sum:
    """sum(plus) − sum(minus) over field paths: an Excel expression and its Python value alike."""

    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()

    def excel(self) -> str:
        return f"({_sum(self.plus)}-{_sum(self.minus)})" if self.minus else _sum(self.plus)

    def value(self, v: Callable[[str], Number]) -> Number:
        return sum(v(p) for p in self.plus) - sum(v(p) for p in self.minus)


Text = tuple[str | Sum, ...]  # a check cell's explanation: literal text and sums, concatenated


def excel_text(n: Number) -> str:
    """A number as Excel's & shows it: 12, 1.5 (no trailing zeros, no exponent)."""
    if isinstance(n, Decimal):
        n = n.normalize()
        return str(int(n)) if n == n.to_integral_value() else format(n, "f")
    return str(n)


@dataclass(frozen=True)
class SumRule:
    """`sum(lhs) == sum(rhs)`; `target` is the cell a failure is reported at."""

    rule: str  # "R3.1"
    where: str  # row, column or group id
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    target: str
    title: str  # what is checked, for the 校验 sheet: "一、本年新收… 行：总计 = 六列之和"
    explain: Callable[[SumRule, Callable[[str], Number]], str]  # the Chinese message on failure
    short: Callable[[SumRule], Text]  # the check cell's text after ✗ (Excel and Python alike)
    severity: str = ERROR
    optional: tuple[str, ...] = ()  # fields whose blank means "not given": the rule is skipped
    marks: tuple[str, ...] = ()  # fields the template marks when it fails (default: the target)

    @property
    def name(self) -> str:
        """The template's defined name of this rule's check cell (FORMAT.md §4)."""
        return f"check_{self.rule.replace('.', '_')}_{self.where.replace('.', '_')}"

    @property
    def fields(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    def applies(self, value: Callable[[str], Number | None]) -> bool:
        """False when a field it needs is not given (a blank `previous.*`) or unreadable."""
        return all(value(p) is not None for p in self.fields)

    def holds(self, value: Callable[[str], Number]) -> bool:
        return sum(value(p) for p in self.lhs) == sum(value(p) for p in self.rhs)

    def expected(self, value: Callable[[str], Number]) -> Number:
        """The value the target cell would need for the rule to hold."""
        lhs = sum(value(p) for p in self.lhs)
        rhs = sum(value(p) for p in self.rhs)
        own, other = (lhs, rhs) if self.target in self.lhs else (rhs, lhs)
        return value(self.target) + other - own

    @property
    def marked(self) -> tuple[str, ...]:
        return self.marks or (self.target,)

    def formula(self) -> str:
        """The check cell's formula: ✓, or ✗ and a short explanation with the numbers."""
        lhs, rhs = _sum(self.lhs), _sum(self.rhs)
        short = "&".join(f'"{part}"' if isinstance(part, str) else part.excel() for part in self.short(self))
        check = f'IF({lhs}={rhs},"{OK_MARK}","{FAIL_MARK} "&{short})'
        if self.optional:
            blanks = ",".join(f"ISBLANK({FIELDS[p].name})" for p in self.optional)
            return f'=IF(OR({blanks}),"{NA_TEXT}",{check})'
        return "=" + check

    def cell_text(self, value: Callable[[str], Number | None]) -> str:
        """What `formula()` shows for these inputs (None: a blank cell, or text, which SUM skips)."""
        if any(value(p) is None for p in self.optional):
            return NA_TEXT
        v = lambda p: value(p) or 0  # noqa: E731
        if self.holds(v):
            return OK_MARK
        parts = (part if isinstance(part, str) else excel_text(part.value(v)) for part in self.short(self))
        return f"{FAIL_MARK} " + "".join(parts)


def _sum(paths: Sequence[str]) -> str:
    return "SUM(" + ",".join(FIELDS[p].name for p in paths) + ")"


def _req(row: str, col: str) -> str:
    return f"requests.{row}.{col}"


# --- R3.1: each table-三 row, total = the six applicant columns ------------------------------


def _r31_explain(rule: SumRule, v) -> str:
    row = REQUESTS.row(rule.where)
    return (
        f"{SHEET_REQUESTS} {row.label}行：总计为 {v(rule.target)}，但自然人至其他六列之和为 "
        f"{rule.expected(v)}。请核对该行数字；总计列应由公式自动计算，不要手工填写。"
    )


def _r31_short(rule: SumRule) -> Text:
    return ("总计", Sum((rule.target,)), "，六列之和", Sum(rule.rhs))


# --- R3.2: each table-三 column, （七）总计 = the 21 result rows --------------------------------


def _r32_explain(rule: SumRule, v) -> str:
    col = REQUESTS.column(rule.where)
    return (
        f"{SHEET_REQUESTS} （七）总计行 {col.label}列：总计为 {v(rule.target)}，但（一）至（六）"
        f"各项办理结果之和为 {rule.expected(v)}。请核对该列的办理结果数字。"
    )


def _r32_short(rule: SumRule) -> Text:
    return ("（七）总计", Sum((rule.target,)), "，各项办理结果之和", Sum(rule.rhs))


# --- R3.3: each table-三 column, 一 + 二 = 三 + 四 ----------------------------------------------


def _r33_explain(rule: SumRule, v) -> str:
    col = REQUESTS.column(rule.where)
    new, carried_in = (v(p) for p in rule.lhs)
    results, carried_over = (v(p) for p in rule.rhs)
    return (
        f"{SHEET_REQUESTS} {col.label}列：第一项加第二项（本年新收 {new} + 上年结转 {carried_in} = "
        f"{new + carried_in}）应等于第三项加第四项（办理结果总计 {results} + 结转下年度 "
        f"{carried_over} = {results + carried_over}）。按此，结转下年度继续办理应为 "
        f"{rule.expected(v)}，现为 {carried_over}。请核对该列的新收、结转和办理结果数字。"
    )


def _r33_short(rule: SumRule) -> Text:
    return ("第一项加第二项为", Sum(rule.lhs), "，第三项加第四项为", Sum(rule.rhs))


# --- R4.1: each table-四 group, total = its four results ---------------------------------------


def _r41_explain(rule: SumRule, v) -> str:
    group = APPEALS.row(rule.where)
    return (
        f"{SHEET_APPEALS} {group.label}：总计为 {v(rule.target)}，但结果维持、结果纠正、其他结果、"
        f"尚未审结之和为 {rule.expected(v)}。请核对；总计应由公式自动计算，不要手工填写。"
    )


def _r41_short(rule: SumRule) -> Text:
    return ("总计", Sum((rule.target,)), "，四项之和", Sum(rule.rhs))


# --- X1: this year's 上年结转 = last year's 结转下年度 (warning) --------------------------------


def _x1_explain(rule: SumRule, v) -> str:
    col = REQUESTS.column(rule.where)
    return (
        f"{SHEET_REQUESTS} {col.label}列：上年结转为 {v(rule.target)}，但上年报告的结转下年度继续办理"
        f"为 {v(rule.rhs[0])}。两者通常相等；请核实，如有正当原因请在文字中说明。"
    )


def _x1_short(rule: SumRule) -> Text:
    return ("上年结转", Sum((rule.target,)), "，上年结转下年度", Sum(rule.rhs[:1]))


# --- X2: 现行有效(N) = 现行有效(N-1) + 制发(N) − 废止(N) (warning) -------------------------------


def _x2_explain(rule: SumRule, v) -> str:
    row = PROACTIVE.row(rule.where)
    in_force, repealed = (v(p) for p in rule.lhs)
    previous, issued = (v(p) for p in rule.rhs)
    return (
        f"{SHEET_PROACTIVE} {row.label}：现行有效 {in_force} 件，但上年现行有效 {previous} + 本年制发 "
        f"{issued} − 本年废止 {repealed} = {previous + issued - repealed} 件。本年做过清理的请在文字中"
        f"说明，否则请核对。"
    )


def _x2_short(rule: SumRule) -> Text:
    return ("现行有效", Sum(rule.lhs[:1]), "，上年现行有效+制发−废止为", Sum(rule.rhs, rule.lhs[1:]))


def _build_rules() -> tuple[SumRule, ...]:
    rules: list[SumRule] = []
    for row in REQUESTS.rows:
        rules.append(
            SumRule(
                "R3.1",
                row.id,
                (_req(row.id, "total"),),
                tuple(_req(row.id, c) for c in APPLICANT_COLUMNS),
                _req(row.id, "total"),
                f"{row.label}：总计 = 六列之和",
                _r31_explain,
                _r31_short,
            )
        )
    for col in REQUESTS.columns:
        rules.append(
            SumRule(
                "R3.2",
                col.id,
                (_req("results_total", col.id),),
                tuple(_req(r, col.id) for r in REQUEST_RESULT_ROWS),
                _req("results_total", col.id),
                f"{col.label}列：（七）总计 = （一）至（六）各项之和",
                _r32_explain,
                _r32_short,
            )
        )
    for col in REQUESTS.columns:
        rules.append(
            SumRule(
                "R3.3",
                col.id,
                (_req("new", col.id), _req("carried_in", col.id)),
                (_req("results_total", col.id), _req("carried_over", col.id)),
                _req("carried_over", col.id),
                f"{col.label}列：第一项 + 第二项 = 第三项 + 第四项",
                _r33_explain,
                _r33_short,
                marks=(
                    _req("new", col.id),
                    _req("carried_in", col.id),
                    _req("results_total", col.id),
                    _req("carried_over", col.id),
                ),
            )
        )
    for group in APPEALS.rows:
        rules.append(
            SumRule(
                "R4.1",
                group.id,
                (f"appeals.{group.id}.total",),
                tuple(f"appeals.{group.id}.{c}" for c in APPEAL_PARTS),
                f"appeals.{group.id}.total",
                f"{group.label}：总计 = 四项之和",
                _r41_explain,
                _r41_short,
            )
        )
    for c in CARRIES:  # this = last + plus − minus, written as this + minus = last + plus
        x1 = c.rule == "X1"
        where = (
            REQUESTS.column(c.where).label + "列：上年结转 = 上年的结转下年度"
            if x1
            else (f"{PROACTIVE.row(c.where).label}：现行有效 = 上年现行有效 + 本年制发 − 本年废止")
        )
        rules.append(
            SumRule(
                c.rule,
                c.where,
                (c.this, *c.minus),
                (c.typed, *c.plus),
                c.this,
                where,
                _x1_explain if x1 else _x2_explain,
                _x1_short if x1 else _x2_short,
                severity=WARNING,
                optional=(c.typed,),
                marks=() if x1 else (c.this, *c.minus, c.typed, *c.plus),
            )
        )
    return tuple(rules)


SUM_RULES: tuple[SumRule, ...] = _build_rules()
HARD_SUM_RULES = tuple(r for r in SUM_RULES if r.severity == ERROR)
SOFT_SUM_RULES = tuple(r for r in SUM_RULES if r.severity == WARNING)

# The totals: each computed field is the sum of these parts (the template's formulas).
TOTAL_PARTS: dict[str, tuple[str, ...]] = {}
for _row in REQUESTS.rows:
    for _col in APPLICANT_COLUMNS:
        if _row.id == "results_total":
            TOTAL_PARTS[_req(_row.id, _col)] = tuple(_req(r, _col) for r in REQUEST_RESULT_ROWS)
    TOTAL_PARTS[_req(_row.id, "total")] = tuple(_req(_row.id, c) for c in APPLICANT_COLUMNS)
for _group in APPEALS.rows:
    TOTAL_PARTS[f"appeals.{_group.id}.total"] = tuple(f"appeals.{_group.id}.{c}" for c in APPEAL_PARTS)
assert set(TOTAL_PARTS) == {f.path for f in FIELDS.values() if f.computed}


def total_formula(path: str) -> str:
    """The template formula of a computed field."""
    return "=" + _sum(TOTAL_PARTS[path])


def cell_flag_formula(path: str) -> str:
    """An Excel condition that is TRUE when an input is not a clean value of its kind (S2).

    The nesting keeps INT() away from text, so no error value leaks into the result in any
    spreadsheet program.
    """
    f = FIELDS[path]
    n = f.name
    if f.kind is Kind.YEAR:
        ok = f"AND({n}=INT({n}),{n}>={YEAR_MIN},{n}<={YEAR_MAX})"
    elif f.kind is Kind.DECIMAL:
        ok = f"AND({n}>=0,{n}<{MAX_NUMBER:.0E})"
    else:
        ok = f"AND({n}>=0,{n}=INT({n}),{n}<{MAX_NUMBER:.0E})"
    return f"IF(ISBLANK({n}),FALSE,IF(ISNUMBER({n}),NOT({ok}),TRUE))"
