"""The rules of sums (勾稽关系) of docs/format.md §5, each one object (`Arithmetic`) with its words.

Each relation of a rule (`SumRule`, one per row, column or group) states `sum(lhs) == sum(rhs)`
over field paths. The same object renders itself as the Excel formula of the template's check cell
and evaluates itself in Python for the checker, so the template and the checker cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from xltools.model import ERROR, WARNING
from xltools.normalize import BLANK_LOOKING
from xltools.rules.rule import FILLED, WITH_PREVIOUS, Rule, Words
from xltools.spec import (
    APPEAL_PARTS,
    APPEALS,
    APPLICANT_COLUMNS,
    CARRIES,
    FIELDS,
    PROACTIVE,
    REQUEST_RESULT_ROWS,
    REQUESTS,
    SHEET_APPEALS,
    SHEET_PROACTIVE,
    SHEET_REQUESTS,
    Carry,
)

Number = int | Decimal
OK_MARK = "✓"
FAIL_MARK = "✗"
NA_MARK = "—"
NA_TEXT = f"{NA_MARK} 未填上年数据，不核对"
DEFERRED = f"{NA_MARK} 随各申请人列（已在出错的列报告）"  # R3.3 on 总计 while an applicant column fails
ROUND_TO = 6  # both sides are compared after rounding, so every engine agrees on 1.0000000000000002
# A relation over a cell that is not a valid number (text, negative, fraction, error value) is not
# computed with what SUM makes of that cell (a number nobody typed): it names the cell instead.
INVALID = ("无法核对：", " 不是有效数字，请先改正它")
SEP = "、"  # after each cell in the _meta texts that list invalid cells


@dataclass(frozen=True)
class Sum:
    """sum(plus) − sum(minus) over field paths: an Excel expression and its Python value alike."""

    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()

    def excel(self) -> str:
        return f"({_sum(self.plus)}-{_sum(self.minus)})" if self.minus else _sum(self.plus)

    def value(self, v: Callable[[str], Number | None]) -> Number:
        return sum(_known(v(p)) for p in self.plus) - sum(_known(v(p)) for p in self.minus)


def _known(n: Number | None) -> Number:
    """A field's number in a sum: asked for only where the rule applies (no field without one)."""
    if n is None:
        raise ValueError("a sum over a field without a number: ask SumRule.applies first")
    return n


Text = tuple[str | Sum, ...]  # a check cell's explanation: literal text and sums, concatenated


def excel_text(n: Number) -> str:
    """A number as Excel's & shows it: 12, 1.5 (no trailing zeros, no exponent)."""
    if isinstance(n, Decimal):
        if n.is_finite() and n != 0 and abs(n.adjusted()) > 15:  # 1E+99999999 in full is 100 MB of zeros
            return f"{n:.6E}"
        n = n.normalize()
        return str(int(n)) if n == n.to_integral_value() else format(n, "f")
    return str(n)


@dataclass(frozen=True)
class SumRule:
    """One relation of a rule of sums: `sum(lhs) == sum(rhs)`; `target` is the field a failure is
    reported at (the first of its cells). Its rule (`of`) holds its words and severity."""

    of: Arithmetic
    where: str  # row, column or group id
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    target: str
    title: str  # what is checked, for the 校验 sheet: "一、本年新收… 行：总计 = 六列之和"
    optional: tuple[str, ...] = ()  # fields whose blank means "not given": the rule is skipped
    marks: tuple[str, ...] = ()  # fields the template marks when it fails (default: every field it involves)
    defer_to: tuple[str, ...] = ()  # names of checks whose failure makes this one follow from them

    @property
    def rule(self) -> str:
        """The rule's id: "R3.1"."""
        return self.of.id

    @property
    def severity(self) -> str:
        return self.of.severity

    @property
    def explain(self) -> Callable[[SumRule, Callable[[str], Number], bool], str]:
        """The Chinese message of a failure: `explain(relation, value, published)`."""
        return self.of.explain

    @property
    def short(self) -> Callable[[SumRule], Text]:
        """The check cell's text after ✗ (Excel and Python alike): `short(relation)`."""
        return self.of.short

    @property
    def name(self) -> str:
        """The template's defined name of this rule's check cell (docs/format.md §4)."""
        return f"check_{self.rule.replace('.', '_')}_{self.where.replace('.', '_')}"

    @property
    def fields(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    def applies(self, value: Callable[[str], Number | None]) -> bool:
        """False when a field it needs is not given (a blank `previous.*`) or unreadable."""
        return all(value(p) is not None for p in self.fields)

    def sides(self, value: Callable[[str], Number | None]) -> tuple[Number, Number]:
        return sum(_known(value(p)) for p in self.lhs), sum(_known(value(p)) for p in self.rhs)

    def holds(self, value: Callable[[str], Number | None]) -> bool:
        lhs, rhs = self.sides(value)
        diff = Decimal(lhs) - Decimal(rhs)
        return abs(diff) < 1 and round(diff, ROUND_TO) == 0

    @property
    def marked(self) -> tuple[str, ...]:
        """Every field it involves: a failing rule marks them all, and its finding names them all."""
        return self.marks or self.fields

    @property
    def sources(self) -> tuple[str, ...]:
        """Fields whose cells, with the parts of the totals among them, are every input the rule
        reads, each once: a total whose inputs another listed field already covers is left out."""
        covered: set[str] = set()
        out = []
        for p in self.fields:
            below = set(inputs_of((p,)))
            if not below <= covered:
                out.append(p)
                covered |= below
        return tuple(out)

    def formula(self, invalid: str | None = None) -> str:
        """The check cell's formula: ✓, or ✗ and a short explanation with the numbers; `invalid`,
        the cell listing the rule's invalid input cells ("三!D7、…"), names the first of them
        instead of computing."""
        lhs, rhs = _sum(self.lhs), _sum(self.rhs)
        short = "&".join(f'"{part}"' if isinstance(part, str) else part.excel() for part in self.short(self))
        check = f'IF(ROUND({lhs}-{rhs},{ROUND_TO})=0,"{OK_MARK}","{FAIL_MARK} "&{short})'
        if invalid:
            first = f'LEFT({invalid},FIND("{SEP}",{invalid})-1)'
            check = f'IF({invalid}<>"","{FAIL_MARK} {INVALID[0]}"&{first}&"{INVALID[1]}",{check})'
        if self.defer_to:
            failing = ",".join(f'ISNUMBER(FIND("{FAIL_MARK}",{n}))' for n in self.defer_to)
            check = f'IF(OR({failing}),"{DEFERRED}",{check})'
        if self.optional:
            blanks = ",".join(blank_expr(FIELDS[p].name) for p in self.optional)
            return f'=IF(OR({blanks}),"{NA_TEXT}",{check})'
        return "=" + check

    def cell_text(
        self, value: Callable[[str], Number | None], deferred: bool = False, invalid: str | None = None
    ) -> str:
        """What `formula()` shows for these values: each a number as SUM sees the cell (text and
        blanks 0), None for an optional field left blank, or for an error value; `invalid`, the
        first of the rule's input cells that is not a valid number."""
        if any(value(p) is None for p in self.optional):
            return NA_TEXT
        if deferred:
            return DEFERRED
        if invalid:
            return f"{FAIL_MARK} {INVALID[0]}{invalid}{INVALID[1]}"
        if not self.applies(value):
            return "#VALUE!"
        if self.holds(value):
            return OK_MARK
        parts = (part if isinstance(part, str) else excel_text(part.value(value)) for part in self.short(self))
        return f"{FAIL_MARK} " + "".join(parts)


def blank_expr(ref: str) -> str:
    """An Excel condition: the cell is blank or holds only blank-looking characters."""
    inner = f"CLEAN({ref})"
    for ch in BLANK_LOOKING:
        inner = f'SUBSTITUTE({inner},{"CHAR(127)" if ch == chr(127) else chr(34) + ch + chr(34)},"")'
    return f"LEN({inner})=0"


def _sum(paths: Sequence[str]) -> str:
    return "SUM(" + (RANGE_NAMES.get(tuple(paths)) or ",".join(FIELDS[p].name for p in paths)) + ")"


def _sides(lhs: Number, rhs: Number) -> str:
    return f"相差 {excel_text(abs(Decimal(lhs) - Decimal(rhs)))}"


def _req(row: str, col: str) -> str:
    return f"requests.{row}.{col}"


# Cells that lie in one column block get one Excel range name, which keeps R3.2 short (docs/format.md §4:
# formulas under 1,024 characters); the template defines each name over exactly these cells.
RANGE_NAMES: dict[tuple[str, ...], str] = {
    tuple(_req(r, col.id) for r in REQUEST_RESULT_ROWS): f"requests_results_{col.id}" for col in REQUESTS.columns
}


# --- the rules of sums ----------------------------------------------------------------------------
# Each rule below is one object: its id, severity, title and description (README's table, the 校验
# sheet's legend, `xltools rules`), where it applies, and its relations with their words: the 校验
# line's title, the message of a failure (`explain`) and the check cell's text after ✗ (`short`).


@dataclass(frozen=True, eq=False, kw_only=True)
class Arithmetic(Rule):
    """A rule of sums (勾稽关系): one relation (SumRule) per row, column or group it holds for."""

    explain: Callable[[SumRule, Callable[[str], Number], bool], str]  # the Chinese message of a failure
    short: Callable[[SumRule], Text]  # the check cell's text after ✗ (Excel and Python alike)
    build: Callable[[Arithmetic], Iterable[SumRule]] = field(repr=False)

    @cached_property
    def relations(self) -> tuple[SumRule, ...]:
        return tuple(self.build(self))


# --- R3.1: each table-三 row, total = the six applicant columns ------------------------------


def _r31_explain(rule: SumRule, v, published: bool = False) -> str:
    row = REQUESTS.row(rule.where)
    return rule.of.say("failed", published=published, place=f"{SHEET_REQUESTS} {row.label}行", **_totals(rule, v))


def _totals(rule: SumRule, v) -> dict[str, str]:
    """The named fields of a total's message: the total, the sum of its parts, their difference."""
    total, parts = rule.sides(v)
    return {"total": excel_text(total), "parts": excel_text(parts), "diff": _sides(total, parts)}


R3_1 = Arithmetic(
    "R3.1",
    ERROR,
    "表三行总计",
    "表三每一行：总计 = 自然人 + 法人或其他组织五列之和。",
    FILLED,
    words={
        "failed": Words(
            "{place}：总计为 {total}，自然人至其他六列之和为 {parts}，{diff}。总计列应由公式自动计算，不要手工填写；请核对该行数字。",
            published="{place}：报告中的总计为 {total}，自然人至其他六列之和为 {parts}，{diff}。"
            "总计与各列之和不一致，请对照原报告核对该行的数字，找出印错的一项。",
        )
    },
    explain=_r31_explain,
    short=lambda rule: ("总计", Sum((rule.target,)), "，六列之和", Sum(rule.rhs)),
    build=lambda r: (
        SumRule(
            r,
            row.id,
            (_req(row.id, "total"),),
            tuple(_req(row.id, c) for c in APPLICANT_COLUMNS),
            _req(row.id, "total"),
            f"{row.label}：总计 = 六列之和",
        )
        for row in REQUESTS.rows
    ),
)


# --- R3.2: each table-三 column, （七）总计 = the 21 result rows --------------------------------


def _r32_explain(rule: SumRule, v, published: bool = False) -> str:
    col = REQUESTS.column(rule.where)
    place = f"{SHEET_REQUESTS} （七）总计行 {col.label}列"
    return rule.of.say("failed", published=published, place=place, **_totals(rule, v))


R3_2 = Arithmetic(
    "R3.2",
    ERROR,
    "表三办理结果总计",
    "表三每一列：（七）总计 = （一）至（六）各项办理结果之和。",
    FILLED,
    words={
        "failed": Words(
            "{place}：总计为 {total}，（一）至（六）各项办理结果之和为 {parts}，{diff}。"
            "总计应由公式自动计算；请核对该列哪一个办理结果数字填错了。",
            published="{place}：报告中的总计为 {total}，（一）至（六）各项办理结果之和为 {parts}，{diff}。"
            "总计与各项之和不一致，请对照原报告核对该列的总计和各项办理结果，找出印错的一项。",
        )
    },
    explain=_r32_explain,
    short=lambda rule: ("（七）总计", Sum((rule.target,)), "，各项办理结果之和", Sum(rule.rhs)),
    build=lambda r: (
        SumRule(
            r,
            col.id,
            (_req("results_total", col.id),),
            tuple(_req(row, col.id) for row in REQUEST_RESULT_ROWS),
            _req("results_total", col.id),
            f"{col.label}列：（七）总计 = （一）至（六）各项之和",
        )
        for col in REQUESTS.columns
    ),
)


# --- R3.3: each table-三 column, 一 + 二 = 三 + 四 ----------------------------------------------


def _r33_explain(rule: SumRule, v, published: bool = False) -> str:
    col = REQUESTS.column(rule.where)
    new, carried_in = (v(p) for p in rule.lhs)
    results, carried_over = (v(p) for p in rule.rhs)
    lhs, rhs = rule.sides(v)
    f = excel_text
    return (
        f"{SHEET_REQUESTS} {col.label}列：第一项加第二项（本年新收 {f(new)} + 上年结转 {f(carried_in)} = {f(lhs)}）"
        f"与第三项加第四项（办理结果总计 {f(results)} + 结转下年度继续办理 {f(carried_over)} = {f(rhs)}）不相等，"
        f"{_sides(lhs, rhs)}。请核对该列的本年新收、上年结转、各项办理结果和结转下年度，找出填错的数字。"
    )


R3_3 = Arithmetic(
    "R3.3",
    ERROR,
    "表三结转关系",
    "表三每一列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理。",
    FILLED,
    explain=_r33_explain,
    short=lambda rule: ("第一项加第二项为", Sum(rule.lhs), "，第三项加第四项为", Sum(rule.rhs)),
    build=lambda r: (
        SumRule(
            r,
            col.id,
            (_req("new", col.id), _req("carried_in", col.id)),
            (_req("results_total", col.id), _req("carried_over", col.id)),
            _req("carried_over", col.id),
            f"{col.label}列：第一项 + 第二项 = 第三项 + 第四项",
            # one mistake, one finding: the 总计 column follows from the applicant columns
            defer_to=tuple(f"check_R3_3_{c}" for c in APPLICANT_COLUMNS) if col.id == "total" else (),
        )
        for col in REQUESTS.columns
    ),
)


# --- R4.1: each table-四 group, total = its four results ---------------------------------------


def _r41_explain(rule: SumRule, v, published: bool = False) -> str:
    group = APPEALS.row(rule.where)
    return rule.of.say("failed", published=published, place=f"{SHEET_APPEALS} {group.label}", **_totals(rule, v))


R4_1 = Arithmetic(
    "R4.1",
    ERROR,
    "表四总计",
    "表四每一组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。",
    FILLED,
    words={
        "failed": Words(
            "{place}：总计为 {total}，结果维持、结果纠正、其他结果、尚未审结之和为 {parts}，{diff}。"
            "总计应由公式自动计算，不要手工填写；请核对这四项数字。",
            published="{place}：报告中的总计为 {total}，结果维持、结果纠正、其他结果、尚未审结之和为 {parts}，{diff}。"
            "总计与这四项之和不一致，请对照原报告核对这五个数字，找出印错的一项。",
        )
    },
    explain=_r41_explain,
    short=lambda rule: ("总计", Sum((rule.target,)), "，四项之和", Sum(rule.rhs)),
    build=lambda r: (
        SumRule(
            r,
            group.id,
            (f"appeals.{group.id}.total",),
            tuple(f"appeals.{group.id}.{c}" for c in APPEAL_PARTS),
            f"appeals.{group.id}.total",
            f"{group.label}：总计 = 四项之和",
        )
        for group in APPEALS.rows
    ),
)


def _carried(r: Arithmetic, title: Callable[[Carry], str]) -> Iterable[SumRule]:
    """X1 and X2: this = last + plus − minus, written as this + minus = last + plus; skipped while
    last year's figure is not given (its 上年数据 cell left blank, no last year's report)."""
    for c in CARRIES:
        if c.rule == r.id:
            yield SumRule(r, c.where, (c.this, *c.minus), (c.typed, *c.plus), c.this, title(c), optional=(c.typed,))


# --- X1: this year's 上年结转 = last year's 结转下年度 (warning) --------------------------------


def _x1_explain(rule: SumRule, v, published: bool = False) -> str:
    col = REQUESTS.column(rule.where)
    this, last = rule.sides(v)
    return (
        f"{SHEET_REQUESTS} {col.label}列：上年结转为 {excel_text(this)}，上年报告的结转下年度继续办理为 "
        f"{excel_text(last)}，{_sides(this, last)}。两者通常相等；请核实哪个数字有误，如有正当原因请在文字中说明。"
    )


X1 = Arithmetic(
    "X1",
    WARNING,
    "上年结转",
    "表三每一列：本年的“上年结转”= 上年的“结转下年度继续办理”。",
    WITH_PREVIOUS,
    last_year=tuple(c.last for c in CARRIES if c.rule == "X1"),
    explain=_x1_explain,
    short=lambda rule: ("上年结转", Sum((rule.target,)), "，上年结转下年度", Sum(rule.rhs[:1])),
    build=lambda r: _carried(r, lambda c: REQUESTS.column(c.where).label + "列：上年结转 = 上年的结转下年度"),
)


# --- X2: 现行有效(N) = 现行有效(N-1) + 制发(N) − 废止(N) (warning) -------------------------------


def _x2_explain(rule: SumRule, v, published: bool = False) -> str:
    row = PROACTIVE.row(rule.where)
    in_force, repealed = (v(p) for p in rule.lhs)
    previous, issued = (v(p) for p in rule.rhs)
    f = excel_text
    carried = previous + issued - repealed
    return (
        f"{SHEET_PROACTIVE} {row.label}：现行有效 {f(in_force)} 件，上年现行有效 {f(previous)} + 本年制发 "
        f"{f(issued)} − 本年废止 {f(repealed)} = {f(carried)} 件，{_sides(in_force, carried)} 件。"
        f"本年做过清理的请在文字中说明，否则请核对这几个数字。"
    )


X2 = Arithmetic(
    "X2",
    WARNING,
    "现行有效件数",
    "规章和行政规范性文件：现行有效 = 上年现行有效 + 本年制发 － 本年废止（做过清理的请在文字中说明）。",
    WITH_PREVIOUS,
    last_year=tuple(c.last for c in CARRIES if c.rule == "X2"),
    explain=_x2_explain,
    short=lambda rule: ("现行有效", Sum(rule.lhs[:1]), "，上年现行有效+制发−废止为", Sum(rule.rhs, rule.lhs[1:])),
    build=lambda r: _carried(
        r, lambda c: f"{PROACTIVE.row(c.where).label}：现行有效 = 上年现行有效 + 本年制发 − 本年废止"
    ),
)

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


def inputs_of(paths: Sequence[str]) -> tuple[str, ...]:
    """The input fields behind `paths`: each total replaced by its parts, in order, each once."""
    out: dict[str, None] = {}
    for p in paths:
        if p in TOTAL_PARTS:
            out.update(dict.fromkeys(inputs_of(TOTAL_PARTS[p])))
        else:
            out[p] = None
    return tuple(out)


def total_formula(path: str) -> str:
    """The template formula of a computed field."""
    return "=" + _sum(TOTAL_PARTS[path])
