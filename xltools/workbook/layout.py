"""Where everything sits in the template, derived from the spec.

The writer draws these items; the reader finds each field through its defined name and verifies
it against the same items (the label beside it, the formula in it). The three tables are the one
geometry (xltools.geometry) put below each sheet's title lines; what is the workbook's alone is
here: the other sheets, cell addresses, widths and heights, the check cells, the 校验 sheet and
the very hidden _meta sheet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from xltools import geometry, spec
from xltools.model import ERROR
from xltools.normalize import looks_blank, sheet_number
from xltools.rules import registry
from xltools.rules.registry import HARD_SUM_RULES, S2, S4, SOFT_SUM_RULES, SUM_RULES
from xltools.rules.sums import (
    DEFERRED,
    FAIL_MARK,
    INVALID,
    NA_MARK,
    NA_TEXT,
    OK_MARK,
    RANGE_NAMES,
    SEP,
    TOTAL_PARTS,
    SumRule,
    blank_expr,
    excel_text,
    inputs_of,
    total_formula,
)
from xltools.spec import FIELDS, Kind
from xltools.text import wide
from xltools.workbook.cells import a1, col_name

TOP = 3  # tables start below the sheet title, the status line and a hint line
META_FLAGS_TOP_ = 3  # the first row of the _meta columns (META_FLAGS_TOP, below)


@dataclass(frozen=True)
class Label:
    row: int
    col: int
    text: str
    style: str = "label"
    row2: int | None = None
    col2: int | None = None


@dataclass(frozen=True)
class Slot:
    """A field's cell: an input (unlocked) or a computed total (locked formula)."""

    row: int
    col: int
    path: str
    col2: int | None = None  # merged to the right, e.g. 本年处理决定数量 across B:D


@dataclass(frozen=True)
class Inputs:
    """The inputs as the check formulas see them: `nums` each number as SUM sees the cell (text and
    blanks 0; totals included), None for an error value or a `previous.*` left blank; `flags` 1
    where an input is not a clean number (S2); `values` as typed."""

    nums: Mapping[str, Any]
    flags: Mapping[str, int]
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Formula:
    """A formula cell; `value` gives, in Python, the text the formula shows for given inputs (the
    template stores it as the cached result), so the two are written side by side, once."""

    row: int
    col: int
    formula: str
    style: str
    name: str | None = None
    col2: int | None = None
    value: Callable[[Inputs], str] | None = field(default=None, compare=False)


@dataclass
class SheetLayout:
    name: str
    widths: dict[int, float]
    items: list = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    header_rows: tuple[int, int] | None = None  # repeated on every printed page
    landscape: bool = False
    one_page: bool = False  # printed on one page (table 三: one landscape A4)
    last_col: int = 3
    status_checks: tuple[str, ...] = ()  # names of the check cells summarised in the status line
    filter_rows: tuple[int, int] | None = None  # an autofilter over these rows (header first)

    def slots(self) -> list[Slot]:
        return [i for i in self.items if isinstance(i, Slot)]


def cell_ref(sheet: str, row: int, col: int) -> str:
    """A human cell reference as findings carry it: 三、依申请公开!D31."""
    return f"{sheet}!{a1(row, col)}"


def abs_ref(sheet: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
    ref = f"'{sheet}'!${col_name(col)}${row + 1}"
    if row2 is not None:
        ref += f":${col_name(col2 if col2 is not None else col)}${row2 + 1}"
    return ref


# --- the sheets ---------------------------------------------------------------------------------

LINE_PT = 16.5  # one wrapped line at 11 pt in the CJK faces LibreOffice and Gnumeric substitute
_LONGEST_NUMBER = "-123456789.25"  # the widest figure a check quotes, for the room its text needs


def display_width(text: str) -> float:
    """Width units a text takes in a spreadsheet column: a CJK character takes 2.2 (Gnumeric's
    substitute face is the widest of the engines), anything else 1."""
    return sum(2.2 if wide(ch) else 1 for ch in text)


def _title(sl: SheetLayout, text: str) -> None:
    sl.items.append(Label(0, 0, text, "title", col2=sl.last_col))


def _basic() -> SheetLayout:
    widths: dict[int, float] = {0: 36, 1: 36, 2: 36}
    sl = SheetLayout(spec.SHEET_BASIC, widths, last_col=2)  # A4 portrait, fitted to its width
    _title(sl, "基本信息")
    sl.items.append(Label(1, 0, "黄色单元格为填写项；灰色提示不需要填写。", "hint", col2=2))
    row = 3
    for path in ("agency.name", "agency.self", "agency.level", "agency.deadline", "year", "publish_date", "contact"):
        f = FIELDS[path]
        sl.items += [Label(row, 0, f.label), Slot(row, 1, path), Label(row, 2, f.prompt, "hint")]
        lines = max(lines_in(f.label, widths[0]), lines_in(f.prompt, widths[2]))
        if path == "contact":  # address, post code, telephone and e-mail: room for four lines
            lines = 4
        sl.heights[row] = lines * LINE_PT + 3
        row += 1
    row += 1
    sl.items.append(Label(row, 0, "上年数据（第一年使用本工具时从上年报告抄录；不填则不做核对）", "section", col2=2))
    row += 1
    for c in spec.CARRIES:
        label = FIELDS[c.typed].label.removeprefix("上年数据 ")
        sl.items += [Label(row, 0, label), Slot(row, 1, c.typed)]
        sl.heights[row] = lines_in(label, widths[0]) * LINE_PT + 3
        row += 1
    return sl


def _narrative(sl: SheetLayout, row: int, label: str, path: str, height: float = 160) -> int:
    sl.items += [Label(row, 0, label), Slot(row, 1, path)]
    sl.heights[row] = height
    return row + 1


def _overview() -> SheetLayout:
    sl = SheetLayout(spec.SHEET_OVERVIEW, {0: 16, 1: 100}, last_col=1)
    _title(sl, spec.PART_TITLES["overview"])
    sl.items.append(
        Label(
            1,
            0,
            "每段写在一个单元格内；粘贴多段文字前先双击单元格（或按 F2）。小标题可改写，编号由程序加。",
            "hint",
            col2=1,
        )
    )
    row = _narrative(sl, 3, "综述", "overview.summary")
    for (sec_id, _, _), numeral in zip(spec.OVERVIEW_SECTIONS, spec.OVERVIEW_NUMERALS, strict=True):
        sl.items += [Label(row, 0, f"{numeral}小标题"), Slot(row, 1, f"overview.headings.{sec_id}")]
        row = _narrative(sl, row + 1, f"{numeral}正文", f"overview.{sec_id}")
    return sl


X2_BESIDE_HEADER = "与上年核对（上年现行有效 + 本年制发 − 本年废止）"
X2_BESIDE_BLANK = "— 未填上年现行有效件数（基本信息），不核对"


def _x2_beside(rule: SumRule) -> Formula:
    """Beside 规章 / 行政规范性文件: last year's 现行有效 and the X2 check, so staff see the carry-over
    while they type (the 上年数据 cell sits on 基本信息; `template --previous` fills it)."""
    typed = rule.optional[0]
    prev = FIELDS[typed].name
    before, after = "（上年现行有效 ", " 件）"

    def value(inp: Inputs) -> str:
        if looks_blank(inp.values.get(typed)):
            return X2_BESIDE_BLANK
        return f"{rule.cell_text(inp.nums.get)}{before}{excel_text(inp.nums.get(typed) or 0)}{after}"

    formula = f'=IF({blank_expr(prev)},"{X2_BESIDE_BLANK}",{rule.name}&"{before}"&{prev}&"{after}")'
    return Formula(0, 4, formula, "check", name=f"x2_beside_{rule.where}", value=value)


def _table(sl: SheetLayout, table: spec.Table) -> list[Label | Slot]:
    """The table's one geometry (xltools.geometry) put on its sheet: TOP rows down, in column A.
    Returns the items, in the geometry's order, for the caller to add beside them what only the
    workbook has."""
    grid = geometry.GRIDS[table.id]
    assert sl.last_col == grid.n_cols - 1, table.id  # the printed width is the table's
    items: list[Label | Slot] = []
    for p in grid.places:
        col2 = p.last_col if p.colspan > 1 else None
        if p.path is not None:
            items.append(Slot(TOP + p.row, p.col, p.path, col2=col2))
        else:
            row2 = TOP + p.last_row if p.rowspan > 1 else None
            items.append(Label(TOP + p.row, p.col, p.text, p.kind, row2=row2, col2=col2))
    return items


def _header_rows(table: spec.Table) -> tuple[int, int]:
    return TOP, TOP + geometry.GRIDS[table.id].header_rows - 1


def _proactive() -> SheetLayout:
    """Table 二, and beside 规章 / 行政规范性文件 (outside the printed width) the X2 aside: its
    heading next to 现行有效件数's, its check next to each row's figures."""
    t = spec.PROACTIVE
    sl = SheetLayout(t.sheet, {0: 24, 1: 18, 2: 18, 3: 18, 4: 50}, last_col=3, status_checks=_checks_for("proactive"))
    _title(sl, t.part)
    aside_col = sl.last_col + 1
    in_force = t.column(spec.PROACTIVE_CELLS[spec.DOCUMENT_ROWS[0]][-1]).label
    x2_rules = {rule.target: rule for rule in SOFT_SUM_RULES if rule.rule == registry.X2.id}
    for item in _table(sl, t):
        sl.items.append(item)
        if isinstance(item, Label) and item.style == "header" and item.text == in_force:
            sl.items.append(Label(item.row, aside_col, X2_BESIDE_HEADER, "hint"))  # not part of the official table
            sl.heights[item.row] = lines_in(X2_BESIDE_HEADER, 50) * LINE_PT + 3
        elif isinstance(item, Slot) and item.path in x2_rules:
            x2 = x2_rules[item.path]
            sl.items.append(replace(_x2_beside(x2), row=item.row, col=aside_col))
            short = "".join(p if isinstance(p, str) else _LONGEST_NUMBER for p in x2.short(x2))
            longest = f"{FAIL_MARK} {short}（上年现行有效 {_LONGEST_NUMBER} 件）"
            sl.heights[item.row] = lines_in(longest, 50) * LINE_PT + 3
    return sl


def _requests() -> SheetLayout:
    t = spec.REQUESTS
    sl = SheetLayout(
        t.sheet,
        {0: 8, 1: 14, 2: 44, **{c: 10 for c in range(3, 10)}},
        last_col=9,
        header_rows=_header_rows(t),
        landscape=True,
        one_page=True,
        status_checks=_checks_for("requests"),
    )
    _title(sl, t.part)
    sl.items += _table(sl, t)
    labels = {(i.row, i.text): i for i in sl.items if isinstance(i, Label)}
    for r in t.rows:  # the whole table on one landscape page; a long label wraps onto a second line
        row = TOP + geometry.PLACES[f"requests.{r.id}.natural"].row
        label = labels[(row, r.label)]
        width = sum(sl.widths[c] for c in range(label.col, (label.col2 or label.col) + 1))
        sl.heights[row] = lines_in(r.label, width) * LINE_PT + 1
    return sl


def _appeals() -> SheetLayout:
    t = spec.APPEALS
    sl = SheetLayout(
        t.sheet,
        {c: 9 for c in range(15)},
        last_col=14,
        header_rows=_header_rows(t),
        landscape=True,
        status_checks=_checks_for("appeals"),
    )
    _title(sl, t.part)
    sl.items += _table(sl, t)
    sl.heights[TOP + geometry.GRIDS[t.id].n_rows - 1] = 30  # the row of figures
    return sl


def _problems() -> SheetLayout:
    sl = SheetLayout(spec.SHEET_PROBLEMS, {0: 16, 1: 100}, last_col=1)
    _title(sl, spec.PART_TITLES["problems"])
    sl.items.append(
        Label(1, 0, "写存在的主要问题和改进措施（可分“一是、二是”几段），可写上年度问题整改情况。", "hint", col2=1)
    )
    _narrative(sl, 3, "问题及改进", "problems", height=300)
    return sl


def _other() -> SheetLayout:
    sl = SheetLayout(spec.SHEET_OTHER, {0: 30, 1: 90}, last_col=1)
    _title(sl, spec.PART_TITLES["other"])
    sl.items.append(Label(1, 0, "信息处理费的说明句由程序按下面两个数字生成；其他事项写在下方。", "hint", col2=1))
    sl.items += [
        Label(3, 0, FIELDS["processing_fee.count"].label),
        Slot(3, 1, "processing_fee.count"),
        Label(4, 0, FIELDS["processing_fee.amount_yuan"].label),
        Slot(4, 1, "processing_fee.amount_yuan"),
    ]
    _narrative(sl, 6, "其他需要报告的事项", "other_matters", height=220)
    return sl


# --- checks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check cell of the 校验 sheet."""

    name: str
    rule: str
    title: str
    formula: str
    hard: bool
    table: str | None  # which table sheet's status line counts it
    marks: tuple[str, ...] = ()  # fields that turn red (or orange, for warnings) when it fails
    value: Callable[[Inputs], str] = field(default=lambda inp: OK_MARK, compare=False)  # what the formula shows


_RULES = {r.name: r for r in HARD_SUM_RULES + SOFT_SUM_RULES}

# On _meta, the invalid input cells behind each number and each arithmetic rule, as text
# ("三!D7、三!D9、"; "" when there is none): an input's own cell when its S2 flag is up, a total's
# the concatenation of its parts', a rule's that of the fields it reads (SumRule.sources). A rule
# over an invalid cell names it instead of computing; a total over one is marked (code 3).
META_INVALID_COL = 11  # column L (paths in K)
META_INVALID_ROW = {f.path: META_FLAGS_TOP_ + i for i, f in enumerate(f for f in FIELDS.values() if f.kind.numeric)}
META_RULE_COL = 8  # column I (names in H)
META_RULE_ROW = {r.name: META_FLAGS_TOP_ + i for i, r in enumerate(SUM_RULES)}


def invalid_ref(path: str) -> str:
    return abs_ref(spec.SHEET_META, META_INVALID_ROW[path], META_INVALID_COL)


def rule_invalid_ref(name: str) -> str:
    return abs_ref(spec.SHEET_META, META_RULE_ROW[name], META_RULE_COL)


def short_ref(path: str) -> str:
    """A field's cell as the 校验 sheet and the status lines name it: 三!D7."""
    sheet, row, col = FIELD_CELLS[path]
    return f"{sheet.split('、', 1)[0]}!{a1(row, col)}"


def invalid_formula(path: str) -> str:
    if path in TOTAL_PARTS:
        return "=" + "&".join(invalid_ref(p) for p in TOTAL_PARTS[path])
    return f'=IF({abs_ref(spec.SHEET_META, META_FLAG_ROW[path], 1)}=1,"{short_ref(path)}{SEP}","")'


def rule_invalid_formula(name: str) -> str:
    return "=" + "&".join(invalid_ref(p) for p in _RULES[name].sources)


def invalid_cells(path: str, flags: Mapping[str, int]) -> list[str]:
    """What `invalid_formula` lists, in its order."""
    if path in TOTAL_PARTS:
        return [c for p in TOTAL_PARTS[path] for c in invalid_cells(p, flags)]
    return [short_ref(path)] if flags.get(path) == 1 else []


def sheet_total(path: str, values: Mapping[str, Any], invalid: Mapping[str, Any]) -> Any:
    """A total as a spreadsheet's SUM makes it, where `invalid` holds the raw contents of the
    invalid cells (a number counts as such, text 0; an error value makes it None) and `values`
    the typed others: the figure the workbook shows, for pages that draw it."""
    total: Any = 0
    for p in inputs_of((path,)):
        n = sheet_number(invalid[p]) if p in invalid else values.get(p)
        if n is None:
            return None
        total += n
    return total


def rule_invalid_cells(name: str, flags: Mapping[str, int]) -> list[str]:
    return [c for p in _RULES[name].sources for c in invalid_cells(p, flags)]


def _rule_text(r: SumRule, inp: Inputs) -> str:
    """What a rule's check cell shows (its formula, computed in Python)."""
    deferred = any(_rule_text(_RULES[n], inp).startswith(FAIL_MARK) for n in r.defer_to)
    invalid = rule_invalid_cells(r.name, inp.flags)
    return r.cell_text(inp.nums.get, deferred, invalid[0] if invalid else None)


def _sum_check(r: SumRule) -> Check:
    table = FIELDS[r.target].group
    formula = r.formula(rule_invalid_ref(r.name))
    return Check(r.name, r.rule, r.title, formula, r.severity == ERROR, table, r.marked, lambda inp: _rule_text(r, inp))


PASSED, FAILED = "通过", "未通过"  # check_status
TABLE_PASSED = "本表校验通过"  # a table sheet's status line


def passed(text: str) -> bool:
    """A check cell that does not fail the report: ✓, or — (not applicable, or following from others)."""
    return text == OK_MARK or text.startswith(NA_MARK)


def _passed(rng: str) -> str:
    """Every check in the range shows ✓ (or —): an error value or any ✗ fails (Excel, LibreOffice
    and Gnumeric alike; COUNTIF("✗*") would skip error values)."""
    return f'COUNTIF({rng},"{OK_MARK}")+COUNTIF({rng},"{NA_MARK}*")=ROWS({rng})'


def _failures(rng: str) -> str:
    return f'ROWS({rng})-COUNTIF({rng},"{OK_MARK}")-COUNTIF({rng},"{NA_MARK}*")'


def _s2_check(group: str, label: str) -> Check:
    paths = _numeric_inputs(group)

    def value(inp: Inputs) -> str:
        return S2.check_text(sum(inp.flags[p] for p in paths))

    formula = S2.check_formula(_flag_range(group))
    table = group if group in spec.TABLES_BY_ID else None
    return Check(f"check_S2_{group}", S2.id, f"{label}：每个数字都是有效数字", formula, True, table, value=value)


def _s4_check(f: spec.Field) -> Check:
    """S4: filled, where text made only of blank-looking characters is empty (as for the checker)."""

    def value(inp: Inputs) -> str:
        return S4.sheet_text(inp.values.get(f.path))

    n = f.name
    return Check(f"check_S4_{n}", S4.id, f"{f.label}：已填写", S4.sheet_formula(n), True, None, (f.path,), value)


def _numeric_inputs(group: str) -> list[str]:
    return [f.path for f in spec.INPUT_FIELDS if f.group == group and f.kind.numeric]


def _build_checks() -> list[Check]:
    checks = [_sum_check(r) for r in HARD_SUM_RULES]
    checks += [_s2_check(group, label) for group, label in spec.NUMERIC_GROUPS.items()]
    checks += [_s4_check(f) for f in spec.REQUIRED_FIELDS]
    order = {"proactive": 0, "requests": 1, "appeals": 2, None: 3}
    checks.sort(key=lambda c: order[c.table])  # each table's checks contiguous, for its status line
    checks += [_sum_check(r) for r in SOFT_SUM_RULES]
    return checks


def _checks_for(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in CHECKS if c.table == table and c.hard)


# The very hidden _meta sheet: the version stamp, then one S2 flag cell per numeric input.
META_FLAGS_TOP = 3
META_FLAGS: list[tuple[str, str]] = [
    (path, f"=IF({S2.flag_formula(path)},1,0)") for g in spec.NUMERIC_GROUPS for path in _numeric_inputs(g)
]
META_FLAG_ROW = {path: META_FLAGS_TOP + i for i, (path, _) in enumerate(META_FLAGS)}


# Beside the flags, one mark per field a check can mark: 2 red (an error: an S2 flag, a failing
# hard check), 3 a total over an invalid cell (red frame: the figure is not to be trusted), 1 orange
# (a warning: a blank table input, a failing soft check), 0 none. The cells' conditional formats
# read these, so the marks are values every engine computes and tests can read.
META_MARK_COL = 4
INVALID_TOTAL = 3


def _mark_formula(path: str) -> str | None:
    def failing(c: Check) -> str:
        found = f'ISNUMBER(FIND("{FAIL_MARK}",{c.name}))'
        if c.name in META_RULE_ROW:  # a rule over an invalid cell marks that cell alone (by its S2 flag)
            return f'AND({found},{rule_invalid_ref(c.name)}="")'
        return found

    errs = [failing(c) for c in CHECKS if c.hard and path in c.marks]
    warns = [failing(c) for c in CHECKS if not c.hard and path in c.marks]
    if path in META_FLAG_ROW:
        errs.insert(0, f"{abs_ref(spec.SHEET_META, META_FLAG_ROW[path], 1)}=1")
    if path in BLANK_WARNED:
        warns.insert(0, S2.blank_formula(path))
    if not errs and not warns:
        return None
    code = f"IF(OR({','.join(warns)}),1,0)" if warns else "0"
    if path in TOTAL_PARTS:
        code = f'IF({invalid_ref(path)}<>"",{INVALID_TOTAL},{code})'
    return f"=IF(OR({','.join(errs)}),2,{code})" if errs else "=" + code


def _flag_range(group: str) -> str:
    rows = [META_FLAG_ROW[p] for p in _numeric_inputs(group)]
    return abs_ref(spec.SHEET_META, min(rows), 1, max(rows), 1)


CHECKS: list[Check] = _build_checks()
# Blank inputs of the three tables are warned about (the fresh template holds 0 there).
BLANK_WARNED = frozenset(p for g in ("proactive", "requests", "appeals") for p in _numeric_inputs(g))
META_MARKS: list[tuple[str, str]] = [(p, m) for p in FIELDS if (m := _mark_formula(p))]
META_MARK_ROW = {path: META_FLAGS_TOP + i for i, (path, _) in enumerate(META_MARKS)}
MARKS_NAME = "xltools_marks"
MARKS_RANGE = abs_ref(
    spec.SHEET_META, META_FLAGS_TOP, META_MARK_COL + 1, META_FLAGS_TOP + len(META_MARKS) - 1, META_MARK_COL + 1
)


def mark_value(path: str, inp: Inputs, texts: Mapping[str, str]) -> int:
    """What a field's _meta mark formula computes, from the check cells' texts (name -> text)."""

    def failing(c: Check) -> bool:
        if not texts[c.name].startswith(FAIL_MARK):
            return False
        return c.name not in META_RULE_ROW or not rule_invalid_cells(c.name, inp.flags)

    red = inp.flags.get(path) == 1 or any(c.hard and path in c.marks and failing(c) for c in CHECKS)
    if red:
        return 2
    if path in TOTAL_PARTS and invalid_cells(path, inp.flags):
        return INVALID_TOTAL
    orange = (path in BLANK_WARNED and S2.blank(inp.values.get(path))) or any(
        not c.hard and path in c.marks and failing(c) for c in CHECKS
    )
    return 1 if orange else 0


CHECKS_FIRST_ROW = 4  # the 校验 sheet: title, status, blank, header, then one row per check
CHECK_WIDTHS = {0: 6, 1: 40, 2: 40, 3: 14, 4: 8}  # 规则, 检查内容, 结果, 单元格, 未通过 (A4 portrait)
FLAG_TEXT = "未通过"  # the 校验 sheet's last column, which its filter offers
COUNT_FAILED = " 项检查未通过，见下方标有“未通过”的行（可按该列筛选）"


def lines_in(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of `width` units (with a unit of padding)."""
    return max(1, math.ceil(display_width(text) / (width - 1.5)))


def longest_texts(c: Check) -> list[str]:
    """Every kind of text a check cell can show, its numbers at their longest."""
    if c.name in META_RULE_ROW:
        r = _RULES[c.name]
        short = "".join(p if isinstance(p, str) else _LONGEST_NUMBER for p in r.short(r))
        invalid = f"{FAIL_MARK} {INVALID[0]}基本信息!B20{INVALID[1]}"  # the longest cell name
        return [f"{FAIL_MARK} {short}", invalid, NA_TEXT, DEFERRED]
    if c.rule == S2.id:
        return [S2.check_text(999)]
    return [S4.error, S4.empty]


def check_height(c: Check) -> float:
    """A check row's height: room for its title and the longest text its result can show, wrapped
    (neither LibreOffice's nor Gnumeric's print grows a row for a formula's text)."""
    lines = max(lines_in(c.title, CHECK_WIDTHS[1]), *(lines_in(t, CHECK_WIDTHS[2]) for t in longest_texts(c)))
    return round(lines * LINE_PT + 3, 1)


def _checks_sheet() -> SheetLayout:
    sl = SheetLayout(spec.SHEET_CHECKS, dict(CHECK_WIDTHS), last_col=4, header_rows=(3, 3))
    _title(sl, "校验结果")
    hard = [c for c in CHECKS if c.hard]
    soft = [c for c in CHECKS if not c.hard]
    last_hard = CHECKS_FIRST_ROW + len(hard) - 1
    results = abs_ref(spec.SHEET_CHECKS, CHECKS_FIRST_ROW, 2, last_hard, 2)

    def count(inp: Inputs) -> str:
        failing = sum(not passed(c.value(inp)) for c in hard)
        return f"{failing}{COUNT_FAILED}" if failing else ""

    sl.items += [
        Label(1, 0, "总体结论", "label", col2=1),
        Formula(
            1,
            2,
            f'=IF({_passed(results)},"{PASSED}","{FAILED}")',
            "status",
            name="check_status",
            value=lambda inp: PASSED if all(passed(c.value(inp)) for c in hard) else FAILED,
        ),
        Formula(
            2,
            0,
            f'=IF({_passed(results)},"",{_failures(results)}&"{COUNT_FAILED}")',
            "status_note",
            col2=4,
            value=count,
        ),
        Label(3, 0, "规则", "header"),
        Label(3, 1, "检查内容", "header"),
        Label(3, 2, "结果", "header"),
        Label(3, 3, "单元格", "header"),
        Label(3, 4, FLAG_TEXT, "header"),
    ]
    sl.heights[1] = sl.heights[2] = LINE_PT + 3
    row = CHECKS_FIRST_ROW

    def check_line(row: int, c: Check) -> None:
        ok = f'COUNTIF({c.name},"{OK_MARK}")+COUNTIF({c.name},"{NA_MARK}*")=1'
        sl.items.extend(
            [
                Label(row, 0, c.rule),
                Label(row, 1, c.title),
                Formula(row, 2, c.formula, "check", c.name, value=c.value),
                _link(row, c),
                Formula(
                    row,
                    4,
                    f'=IF({ok},"","{FLAG_TEXT}")',
                    "flag",
                    value=lambda inp: "" if passed(c.value(inp)) else FLAG_TEXT,
                ),
            ]
        )
        sl.heights[row] = max(check_height(c), lines_in(LINK_TEXT[c.name], CHECK_WIDTHS[3]) * LINE_PT + 3)

    for c in hard:
        check_line(row, c)
        row += 1
    sl.filter_rows = (3, row - 1)
    row += 1
    sl.items.append(
        Label(row, 0, "提示（与上年数据核对；不影响“通过”，有差异时请核实或在文字中说明）", "section", col2=4)
    )
    row += 1
    for c in soft:
        check_line(row, c)
        row += 1
    row += 1
    sl.items.append(Label(row, 0, "规则编号（与 xltools 检查结果中的编号相同）", "section", col2=4))
    for rule_id in dict.fromkeys(c.rule for c in CHECKS):
        row += 1
        r = registry.rule(rule_id)
        text = f"{r.title}：{r.description}"
        sl.items += [Label(row, 0, r.id), Label(row, 1, text, col2=4)]
        sl.heights[row] = lines_in(text, sum(CHECK_WIDTHS.values()) - CHECK_WIDTHS[0]) * LINE_PT + 3
    return sl


def _link(row: int, c: Check) -> Formula:
    """Where a check looks: its sheet and the block of cells it involves, as a link to the first
    of them (HYPERLINK, in Excel 2007)."""
    paths = c.marks or tuple(_numeric_inputs(c.name.removeprefix("check_S2_")))
    where = {slot.path: (sl.name, slot.row, slot.col) for sl in SHEETS.values() if sl for slot in sl.slots()}
    cells = [where[p] for p in paths]
    sheet, r, col = cells[0]
    same = [x for x in cells if x[0] == sheet]
    top, left = min(x[1] for x in same), min(x[2] for x in same)
    bottom, right = max(x[1] for x in same), max(x[2] for x in same)
    block = a1(top, left) + (f":{a1(bottom, right)}" if (top, left) != (bottom, right) else "")
    shown = f"{sheet.split('、', 1)[0]}!{block}" + ("…" if len(same) < len(cells) else "")
    formula = f'=HYPERLINK("#\'{sheet}\'!{a1(r, col)}","{shown}")'
    LINK_TEXT[c.name] = shown
    return Formula(row, 3, formula, "link", value=lambda inp: shown)


LINK_TEXT: dict[str, str] = {}  # check name -> the sheet and cells it looks at ("三!D7:D31")


def check_row(name: str) -> int:
    """The 校验 sheet row of a check cell."""
    return next(i.row for i in SHEETS[spec.SHEET_CHECKS].items if isinstance(i, Formula) and i.name == name)


# A table's status line counts the red cells of its sheet and names the first of them (reading
# order), through plain cells on _meta that every engine computes alike (no MATCH, no INDEX): per
# marked cell, in the table's reading order, 1 when red and its address when red, and a running
# "first red so far" that the last row of the table holds.
META_RED_COL = 14  # columns O (1 if red), P (its address if red), Q (the first red so far); paths in N
TABLE_RED = ("本表有 ", " 个红色单元格，第一个在 ", "；原因见“校验”表")
TABLE_FAILED = "本表未通过，原因见“校验”表"


def _red_rows() -> dict[str, list[tuple[str, str]]]:
    """Per table sheet, its marked fields in reading order with their cells: name -> [(path, "D7")]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for sl in SHEETS.values():
        if sl and sl.status_checks:
            slots = sorted((s for s in sl.slots() if s.path in META_MARK_ROW), key=lambda s: (s.row, s.col))
            out[sl.name] = [(s.path, a1(s.row, s.col)) for s in slots]
    return out


def red_cells() -> list[tuple[str, str, int]]:
    """The _meta rows of the status lines: (path, cell, row), the tables one after another."""
    rows, i = [], META_FLAGS_TOP
    for cells in RED_ROWS.values():
        for path, cell in cells:
            rows.append((path, cell, i))
            i += 1
    return rows


def red_formulas(path: str, cell: str, row: int, first: bool) -> tuple[str, str, str]:
    mark = abs_ref(spec.SHEET_META, META_MARK_ROW[path], META_MARK_COL + 1)
    prev = abs_ref(spec.SHEET_META, row - 1, META_RED_COL + 2)
    own = abs_ref(spec.SHEET_META, row, META_RED_COL + 1)
    running = f"={own}" if first else f'=IF({prev}<>"",{prev},{own})'
    return f"=IF({mark}=2,1,0)", f'=IF({mark}=2,"{cell}","")', running


def _status_line(sl: SheetLayout) -> Formula:
    names = sl.status_checks
    rows = [check_row(n) for n in names]
    rng = abs_ref(spec.SHEET_CHECKS, min(rows), 2, max(rows), 2)
    assert max(rows) - min(rows) + 1 == len(rows), "a table's checks must be contiguous"
    checks = [c for c in CHECKS if c.name in names]
    cells = RED_ROWS[sl.name]
    at = [r for path, _, r in red_cells() if path in dict(cells)]
    reds = abs_ref(spec.SHEET_META, min(at), META_RED_COL, max(at), META_RED_COL)
    first = abs_ref(spec.SHEET_META, max(at), META_RED_COL + 2)
    before, middle, after = TABLE_RED

    def value(inp: Inputs) -> str:
        if all(passed(c.value(inp)) for c in checks):
            return TABLE_PASSED
        texts = {c.name: c.value(inp) for c in CHECKS}
        red = [cell for path, cell in cells if mark_value(path, inp, texts) == 2]
        return f"{before}{len(red)}{middle}{red[0]}{after}" if red else TABLE_FAILED

    formula = (
        f'=IF({_passed(rng)},"{TABLE_PASSED}",IF(SUM({reds})=0,"{TABLE_FAILED}",'
        f'"{before}"&SUM({reds})&"{middle}"&{first}&"{after}"))'
    )
    return Formula(1, 0, formula, "status", col2=sl.last_col, value=value)


def _build() -> dict[str, SheetLayout]:
    sheets = [_basic(), _overview(), _proactive(), _requests(), _appeals(), _problems(), _other()]
    by_name = {s.name: s for s in sheets}
    by_name[spec.SHEET_CHECKS] = None  # placeholder keeps the order
    return by_name


SHEETS: dict[str, SheetLayout] = _build()
SHEETS[spec.SHEET_CHECKS] = _checks_sheet()
RED_ROWS = _red_rows()
for _sl in SHEETS.values():
    if _sl.status_checks:
        _sl.items.append(_status_line(_sl))

# --- what the reader and the writer look up -----------------------------------------------------

FIELD_CELLS: dict[str, tuple[str, int, int]] = {
    slot.path: (sl.name, slot.row, slot.col) for sl in SHEETS.values() for slot in sl.slots()
}
assert set(FIELD_CELLS) == set(FIELDS), set(FIELDS) ^ set(FIELD_CELLS)
assert all(geometry.SHEET_OF[p] == sheet for p, (sheet, _, _) in FIELD_CELLS.items()), "each field on its sheet"


def range_ref(paths: tuple[str, ...]) -> str:
    """The absolute range of fields that lie one below the other in one column (RANGE_NAMES)."""
    where = {slot.path: (sl.name, slot.row, slot.col) for sl in SHEETS.values() if sl for slot in sl.slots()}
    cells = [where[p] for p in paths]
    (sheet,), (col,) = {c[0] for c in cells}, {c[2] for c in cells}
    rows = [c[1] for c in cells]
    assert rows == list(range(rows[0], rows[0] + len(rows))), paths
    return abs_ref(sheet, rows[0], col, rows[-1], col)


assert all(range_ref(paths) for paths in RANGE_NAMES)


def field_ref(path: str) -> str:
    sheet, row, col = FIELD_CELLS[path]
    return cell_ref(sheet, row, col)


def _anchors() -> dict[str, tuple[tuple[int, int, str], ...]]:
    """For each field, the labels that must sit at fixed offsets from it: (d_row, d_col, text).

    Row labels sit in the same row to the left; column labels in the header rows above. Offsets
    survive rows inserted above a table, which real spreadsheet programs handle by moving names.
    """
    anchors: dict[str, list[tuple[int, int, str]]] = {}
    for sl in SHEETS.values():
        labels = [i for i in sl.items if isinstance(i, Label) and i.style in ("label", "header")]
        for slot in sl.slots():
            found = []
            row_labels = [lb for lb in labels if lb.row == slot.row and lb.col < slot.col]
            if row_labels:
                lb = max(row_labels, key=lambda x: x.col)
                found.append((lb.row - slot.row, lb.col - slot.col, lb.text))
            above = [lb for lb in labels if lb.style == "header" and lb.row < slot.row and lb.col == slot.col]
            if above:
                lb = max(above, key=lambda x: x.row)
                found.append((lb.row - slot.row, 0, lb.text))
            anchors[slot.path] = found
    return {k: tuple(v) for k, v in anchors.items()}


ANCHORS = _anchors()

INPUT_STYLE = {
    Kind.COUNT: "count",
    Kind.DECIMAL: "decimal",
    Kind.YEAR: "year",
    Kind.TEXT: "text",
    Kind.NARRATIVE: "narrative",
    Kind.CHOICE: "text",
    Kind.DATE: "date",
    Kind.MONTHDAY: "monthday",
}

__all__ = [
    "ANCHORS",
    "CHECKS",
    "FIELD_CELLS",
    "META_FLAGS",
    "META_FLAG_ROW",
    "SHEETS",
    "Check",
    "Formula",
    "Label",
    "Slot",
    "abs_ref",
    "cell_ref",
    "field_ref",
    "inputs_of",
    "sheet_total",
    "total_formula",
]
