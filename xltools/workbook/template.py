"""The protected Excel template, drawn from the layout with xlsxwriter.

`template_bytes()` is a pure function of the values it is given (none for a blank template, a
report's values for `fill`, last year's figures for next year's template).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import xlsxwriter

from xltools import spec
from xltools.normalize import looks_blank, sheet_number
from xltools.rules.registry import S2, SUM_RULES
from xltools.rules.sums import RANGE_NAMES, SEP, TOTAL_PARTS, total_formula
from xltools.spec import FIELDS, LEVELS, MAX_NUMBER, OPTIONAL_NUMBERS, TEMPLATE_VERSION, YEAR_MAX, YEAR_MIN, Kind
from xltools.workbook import layout
from xltools.workbook.layout import CHECKS, FIELD_CELLS, META_FLAGS, META_FLAGS_TOP, SHEETS, Formula, Label, Slot

_CREATED = dt.datetime(2021, 1, 1)  # fixed, so the same code writes the same bytes

GUIDE = [
    (
        "这是什么",
        f"政府信息公开工作年度报告填报模板（格式依据{spec.FORMAT_BASIS}，模板版本 {TEMPLATE_VERSION}）。"
        "填好后用 xltools 检查并生成可发布的报告（文本、网页、Word）。",
    ),
    ("填哪里", "只有黄色单元格可以填写，其他单元格已锁定。按工作表顺序填写：基本信息 → 一 至 六。"),
    (
        "数字",
        "表格中的数字直接输入半角阿拉伯数字；没有的填 0，不要填“无”“-”，也不要清空（清空的单元格按 0 计算，"
        "并变成橙色提醒）。件数为整数；金额可带小数。",
    ),
    (
        "红色",
        "红色单元格表示有问题：数字不是有效数字（从别处粘贴来的文本数字、全角数字——表格的合计会跳过它们；"
        "负数、小数件数、错误值 #N/A 等），必填的文字没有填写，或者合计关系不成立（该关系涉及的每个单元格都变红，"
        "请找出其中填错的数字）。每张表格顶部一行显示本表是否通过；“校验”表列出全部检查及原因，"
        "“总体结论”为“通过”（绿色）才说明全部检查通过。",
    ),
    (
        "灰色",
        "灰色底的单元格是总计，由公式自动计算，不要也无法手工填写；灰色斜体字是填写提示，不需要填写。",
    ),
    (
        "多段文字",
        "一个文字单元格可以写多段。粘贴多段文字前，先双击该单元格（或选中后按 F2）进入编辑状态，"
        "再粘贴；否则每一段会被粘贴到下面不同的单元格里。单元格内换行按 Alt+Enter。",
    ),
    (
        "小标题",
        "“一、总体情况”的五个小标题已预填常用写法，可以改成本机关习惯的写法；（一）至（五）编号由程序添加。"
        "“依申请公开”一段可以留空，程序会按表三的数字自动生成。",
    ),
    (
        "上年数据",
        "第一年使用本工具时，请在“基本信息”下方从上年报告抄录结转下年度和现行有效件数，用于核对；"
        "以后每年可以用上年的填报文件直接生成预填好的新模板。",
    ),
    (
        "检查",
        "把本文件上传到 xltools 网页（负责汇总的同事用 xltools serve 打开的页面），或在命令行运行 "
        "xltools check 本文件.xlsx —— 列出每处错误及需要修改的单元格，结论与本文件“校验”表相同。",
    ),
    (
        "生成报告",
        "检查通过后在网页上下载 Word、网页或文本格式的报告，或在命令行运行 "
        "xltools build 本文件.xlsx -o 年度报告.docx（也可以输出 .html .md .txt）。",
    ),
    ("注意", "请不要插入或删除行列、不要改动工作表名称和灰色标签，否则程序无法识别本文件。"),
]


def template_bytes(values: dict[str, Any] | None = None, *, properties: dict[str, str] | None = None) -> bytes:
    """The template as .xlsx bytes, its input cells holding `values` (typed) or the defaults;
    `properties`: extra custom document properties (e.g. the scope a merged report was summed in)."""
    values = {**{f.path: f.default for f in spec.INPUT_FIELDS}, **(values or {})}
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties({"title": "政府信息公开工作年度报告填报模板", "created": _CREATED, "author": "xltools"})
    wb.set_custom_property("xltools_template", TEMPLATE_VERSION)
    for key, text in (properties or {}).items():
        wb.set_custom_property(key, text)
    wb.define_name("xltools_template", f'="{TEMPLATE_VERSION}"')
    styles = _styles(wb)
    computed = _computed(values)

    _guide(wb, styles)
    for name, sl in SHEETS.items():
        ws = wb.add_worksheet(name)
        _draw(ws, sl, styles, values, computed)
        _setup(ws, sl)
    meta = wb.add_worksheet(spec.SHEET_META)
    meta.write_string(0, 0, "xltools_template")
    meta.write_string(0, 1, TEMPLATE_VERSION)
    meta.write_string(1, 0, "S2 标记：1 表示该输入不是有效数字")
    for i, (path, formula) in enumerate(META_FLAGS):
        meta.write_string(META_FLAGS_TOP + i, 0, path)
        meta.write_formula(META_FLAGS_TOP + i, 1, formula, None, computed["flags"][path])
    meta.write_string(1, layout.META_MARK_COL, "标记：2 红色（错误），1 橙色（提示）")
    for i, (path, formula) in enumerate(layout.META_MARKS):
        meta.write_string(META_FLAGS_TOP + i, layout.META_MARK_COL, path)
        meta.write_formula(META_FLAGS_TOP + i, layout.META_MARK_COL + 1, formula, None, computed["marks"][path])
    meta.write_string(1, layout.META_RULE_COL, "各核对关系所涉及的无效数字单元格")
    inp = computed["inputs"]
    for rule in SUM_RULES:
        row = layout.META_RULE_ROW[rule.name]
        meta.write_string(row, layout.META_RULE_COL - 1, rule.name)
        cached = "".join(c + SEP for c in layout.rule_invalid_cells(rule.name, inp.flags))
        meta.write_formula(row, layout.META_RULE_COL, layout.rule_invalid_formula(rule.name), None, cached)
    meta.write_string(1, layout.META_INVALID_COL, "各数字所含的无效数字单元格")
    for path, row in layout.META_INVALID_ROW.items():
        meta.write_string(row, layout.META_INVALID_COL - 1, path)
        cached = "".join(c + SEP for c in layout.invalid_cells(path, inp.flags))
        meta.write_formula(row, layout.META_INVALID_COL, layout.invalid_formula(path), None, cached)
    meta.write_string(1, layout.META_RED_COL, "红色单元格（表格顶部状态行）")
    previous, running = None, ""
    for path, cell, row in layout.red_cells():
        red = computed["marks"][path] == 2
        first = previous is None or layout.FIELD_CELLS[path][0] != layout.FIELD_CELLS[previous][0]
        running = (cell if red else "") if first else (running or (cell if red else ""))
        meta.write_string(row, layout.META_RED_COL - 1, path)
        cached_values = (int(red), cell if red else "", running)
        for k, (formula, value) in enumerate(
            zip(layout.red_formulas(path, cell, row, first), cached_values, strict=True)
        ):
            meta.write_formula(row, layout.META_RED_COL + k, formula, None, value)
        previous = path
    wb.define_name(layout.MARKS_NAME, layout.MARKS_RANGE)
    for paths, name in RANGE_NAMES.items():
        wb.define_name(name, layout.range_ref(paths))
    meta.protect()
    meta.very_hidden()
    for path, (sheet, row, col) in FIELD_CELLS.items():
        wb.define_name(FIELDS[path].name, layout.abs_ref(sheet, row, col))
    for sl in SHEETS.values():
        for item in sl.items:
            if isinstance(item, Formula) and item.name:
                wb.define_name(item.name, layout.abs_ref(sl.name, item.row, item.col))
    wb.worksheets()[1].activate()
    wb.close()
    return _lock_structure(buf.getvalue())


# --- values the formulas will compute, stored as cached results ---------------------------------


def _computed(values: dict[str, Any]) -> dict[str, Any]:
    """Results of every formula for the given inputs, whole, as a spreadsheet computes them, so a
    program that does not recalculate on load (LibreOffice by default) shows exactly what it would
    after recalculating (docs/format.md §4; the oracle test compares every cell with LibreOffice's)."""
    nums: dict[str, Any] = {}
    flags: dict[str, int] = {}
    for f in spec.INPUT_FIELDS:
        if f.kind.numeric:
            raw = values.get(f.path)
            flags[f.path] = S2.flagged(f.path, raw)
            nums[f.path] = None if f.path in OPTIONAL_NUMBERS and looks_blank(raw) else sheet_number(raw)
    for path, parts in TOTAL_PARTS.items():
        got = [nums.get(p) for p in parts]
        nums[path] = None if any(v is None for v in got) else sum(got)
    inputs = layout.Inputs(nums, flags, values)
    texts = {c.name: c.value(inputs) for c in CHECKS}
    marks = {path: layout.mark_value(path, inputs, texts) for path, _ in layout.META_MARKS}
    return {"nums": nums, "flags": flags, "inputs": inputs, "marks": marks, "texts": texts}


# --- drawing ------------------------------------------------------------------------------------


def _styles(wb) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "text_wrap": True}
    border = {"border": 1}
    yellow = {"bg_color": "#FFF2CC", "locked": False}
    s = {
        "title": {"bold": True, "font_size": 16, "align": "center"},
        "status": {"bold": True, "font_color": "#C00000"},
        "hint": {"font_color": "#7F7F7F", "italic": True},
        "section": {"bold": True, "bg_color": "#DDEBF7"},
        "header": {**border, "bold": True, "align": "center", "bg_color": "#F2F2F2"},
        "label": {**border},
        # "General": a count shows what was typed (1.5 stays 1.5, and turns red), never a rounded figure
        "count": {**border, **yellow, "num_format": "General", "align": "center"},
        "year": {**border, **yellow, "num_format": "General", "align": "left"},
        "decimal": {**border, **yellow, "num_format": "General", "align": "center"},
        "date": {**border, **yellow, "num_format": "yyyy-mm-dd", "align": "left"},
        "text": {**border, **yellow},
        "monthday": {**border, **yellow, "num_format": "@"},  # text, so "01-31" is not turned into a date
        "narrative": {**border, **yellow, "valign": "top"},
        "total": {**border, "bold": True, "num_format": "General", "align": "center", "bg_color": "#D9D9D9"},
        "check": {**border},
        # no underline: under a CJK numeral it reads as one more stroke (一 as 二, 二 as 三)
        "link": {**border, "font_color": "#0563C1"},
        "status_note": {"bold": True, "font_color": "#C00000"},
        "flag": {**border, "bold": True, "align": "center", "font_color": "#C00000"},
        "guide_head": {**border, "bold": True, "bg_color": "#F2F2F2", "valign": "top"},
        "guide": {**border, "valign": "top"},
    }
    styles = {k: wb.add_format({**base, **v}) for k, v in s.items()}
    styles["red"] = wb.add_format({"bg_color": "#FF9999", "font_color": "#9C0006"})
    styles["orange"] = wb.add_format({"bg_color": "#F4B084"})  # a clear orange, not the input yellow
    # a total over an invalid cell: its grey kept, the figure in red inside a red frame
    styles["invalid_total"] = wb.add_format({"font_color": "#C00000", "border": 2, "border_color": "#C00000"})
    styles["green"] = wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
    return styles


def _guide(wb, styles) -> None:
    ws = wb.add_worksheet(spec.SHEET_GUIDE)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 100)
    ws.merge_range(0, 0, 0, 1, "政府信息公开工作年度报告 填表说明", styles["title"])
    ws.set_row(0, 36)
    for i, (head, text) in enumerate(GUIDE, start=2):
        ws.write_string(i, 0, head, styles["guide_head"])
        ws.write_string(i, 1, text, styles["guide"])
        ws.set_row(i, layout.lines_in(text, 100) * layout.LINE_PT + 4)
    ws.protect("", {"format_rows": True, "format_columns": True})
    _print(ws, landscape=False)


def _draw(ws, sl: layout.SheetLayout, styles, values, computed) -> None:
    for col, width in sl.widths.items():
        ws.set_column(col, col, width)
    for row, height in sl.heights.items():
        ws.set_row(row, height)
    ws.set_row(0, 36)  # the 16 pt title, whole in every engine
    for item in sl.items:
        if isinstance(item, Label):
            _label(ws, item, styles)
        elif isinstance(item, Slot):
            _slot(ws, item, styles, values, computed)
        elif isinstance(item, Formula):
            cached = item.value(computed["inputs"]) if item.value else ""
            if item.col2 is not None:
                ws.merge_range(item.row, item.col, item.row, item.col2, "", styles[item.style])
            ws.write_formula(item.row, item.col, item.formula, styles[item.style], cached)
            if item.style == "status":
                _status_colours(ws, item, styles)
            elif item.style == "check":
                _check_colours(ws, item, styles)


def _label(ws, item: Label, styles) -> None:
    if item.row2 is not None or item.col2 is not None:
        ws.merge_range(item.row, item.col, item.row2 or item.row, item.col2 or item.col, item.text, styles[item.style])
    else:
        ws.write_string(item.row, item.col, item.text, styles[item.style])


def _slot(ws, item: Slot, styles, values, computed) -> None:
    f = FIELDS[item.path]
    fmt = styles["total"] if f.computed else styles[layout.INPUT_STYLE[f.kind]]
    if item.col2 is not None:
        ws.merge_range(item.row, item.col, item.row, item.col2, "", fmt)
    if f.computed:
        total = computed["nums"][item.path]
        cached = "#VALUE!" if total is None else float(total) if isinstance(total, Decimal) else total
        ws.write_formula(item.row, item.col, total_formula(item.path), fmt, cached)
    else:
        _write_value(ws, item.row, item.col, f, values.get(item.path), fmt)
        _validate(ws, item, f)
    _mark_colours(ws, item, styles)


def _write_value(ws, row: int, col: int, f: spec.Field, value: Any, fmt) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif f.kind is Kind.CHOICE:
        ws.write_string(row, col, LEVELS.get(value, str(value)), fmt)
    elif f.kind is Kind.DATE and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        ws.write_datetime(row, col, dt.datetime.fromisoformat(value), fmt)
    elif isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        ws.write_string(row, col, str(value), fmt)
    else:
        ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt)


def prompt_title(f: spec.Field) -> str:
    """The input prompt's title: the field's label without its sheet's name, cut at the end to the
    32 characters a spreadsheet shows."""
    label = f.label
    for sheet in spec.SHEETS:
        label = label.removeprefix(sheet + " ")
    if len(label) <= 32:
        return label
    head, sep, tail = label.rpartition(" ")  # keep the column ("自然人列") whole, cut the row label's end
    if head and len(tail) < 12:
        return head[: 32 - len(tail) - 2] + "…" + sep + tail
    return label[:31] + "…"


def _validate(ws, item: Slot, f: spec.Field) -> None:
    last = item.col2 if item.col2 is not None else item.col
    rng = (item.row, item.col, item.row, last)
    common = {"input_title": prompt_title(f), "error_type": "stop"}
    if f.kind is Kind.COUNT:
        opts = {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": MAX_NUMBER - 1,
            "input_message": "填写整数（件），没有的填 0。",
            "error_title": "请输入整数",
            "error_message": "这里只能填 0 或正整数（半角数字）。没有的填 0。",
        }
    elif f.kind is Kind.DECIMAL:
        opts = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": MAX_NUMBER - 1,
            "input_message": "填写金额，可以有小数，没有的填 0。",
            "error_title": "请输入金额",
            "error_message": "这里只能填 0 或正数（半角数字，可带小数）。",
        }
    elif f.kind is Kind.YEAR:
        opts = {
            "validate": "integer",
            "criteria": "between",
            "minimum": YEAR_MIN,
            "maximum": YEAR_MAX,
            "input_message": f.prompt,
            "error_title": "请输入年度",
            "error_message": f"年度应为 {YEAR_MIN} 至 {YEAR_MAX} 之间的四位数字，例如 2024。",
        }
    elif f.kind is Kind.CHOICE:
        opts = {
            "validate": "list",
            "source": list(LEVELS.values()),
            "input_message": f.prompt,
            "error_title": "请从列表中选择",
            "error_message": "请点击单元格右侧的下拉箭头，选择机关类型。",
        }
    elif f.kind is Kind.DATE:
        opts = {
            "validate": "date",
            "criteria": ">=",
            "value": dt.date(YEAR_MIN + 1, 1, 1),
            "input_message": f.prompt,
            "error_title": "请输入日期",
            "error_message": "请按 2025-01-20 的格式输入日期。",
        }
    else:
        opts = {"validate": "any", "input_message": (f.prompt or "填写文字")[:255]}
        common.pop("error_type")
    ws.data_validation(*rng, {**common, **opts})


def _mark_colours(ws, item: Slot, styles) -> None:
    """Red for an error, orange for a warning, as the field's mark on _meta says (layout.META_MARKS)."""
    if item.path not in layout.META_MARK_ROW:
        return
    cell = layout.a1(item.row, item.col)
    k = layout.META_MARK_ROW[item.path] - META_FLAGS_TOP + 1
    for code, style in ((2, "red"), (layout.INVALID_TOTAL, "invalid_total"), (1, "orange")):
        ws.conditional_format(
            cell, {"type": "formula", "criteria": f"=INDEX({layout.MARKS_NAME},{k})={code}", "format": styles[style]}
        )


def _check_colours(ws, item: Formula, styles) -> None:
    cell = layout.a1(item.row, item.col)
    ws.conditional_format(cell, {"type": "text", "criteria": "begins with", "value": "✗", "format": styles["red"]})
    ws.conditional_format(cell, {"type": "text", "criteria": "begins with", "value": "✓", "format": styles["green"]})
    ws.conditional_format(cell, {"type": "text", "criteria": "begins with", "value": "通过", "format": styles["green"]})


def _status_colours(ws, item: Formula, styles) -> None:
    cell = layout.a1(item.row, item.col)
    for passed in (layout.TABLE_PASSED, layout.PASSED):  # 通过 green; 未通过 keeps the red of the style
        ws.conditional_format(
            cell, {"type": "cell", "criteria": "==", "value": f'"{passed}"', "format": styles["green"]}
        )


def _setup(ws, sl: layout.SheetLayout) -> None:
    ws.protect("", {"format_rows": True, "format_columns": True, "autofilter": True})
    if sl.filter_rows:
        ws.autofilter(sl.filter_rows[0], 0, sl.filter_rows[1], sl.last_col)
    if sl.header_rows:
        ws.repeat_rows(*sl.header_rows)
        ws.freeze_panes(sl.header_rows[1] + 1, 0)
    _print(ws, sl.landscape, sl.one_page)


def _print(ws, landscape: bool, one_page: bool = False) -> None:
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 1 if one_page else 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if landscape:
        ws.set_landscape()
    ws.set_footer("&C第 &P 页，共 &N 页")


_NUMBER_CELL = re.compile(rb"(<c [^>]*>)((?:<f>[^<]*</f>)?)<v>([^<]*)</v>")


def shortest_numbers(xml: bytes) -> bytes:
    """Each number of a worksheet's XML in the shortest form that reads back as the same binary
    number: xlsxwriter writes 17 significant digits' worth ("%.16G": 96171.6 as 96171.60000000001,
    which Gnumeric shows as it stands); the amount is the decimal the clerk typed."""

    def short(m: re.Match) -> bytes:
        if b' t="' in m.group(1):
            return m.group(0)  # a string, a boolean or an error: not a number
        try:
            value = float(m.group(3))
        except ValueError:
            return m.group(0)
        text = repr(value).removesuffix(".0").encode()
        return m.group(1) + m.group(2) + b"<v>" + text + b"</v>" if float(text) == value else m.group(0)

    return _NUMBER_CELL.sub(short, xml)


def _lock_structure(data: bytes) -> bytes:
    """Add the workbook structure lock, which xlsxwriter cannot write itself; numbers written in
    their shortest form (shortest_numbers)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                body = re.sub(rb"(<workbookPr[^>]*/>)", rb'\1<workbookProtection lockStructure="1"/>', body, count=1)
                assert b"workbookProtection" in body
            elif info.filename.startswith("xl/worksheets/sheet"):
                body = shortest_numbers(body)
            dst.writestr(info, body)
    return out.getvalue()
