"""The template as written: contract of docs/format.md §4, protection, validation, the committed file."""

import io
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.workbooks import cell_of
from xltools import spec
from xltools.cli import main
from xltools.rules.registry import SUM_RULES
from xltools.spec import FIELDS, TEMPLATE_VERSION
from xltools.workbook import layout
from xltools.workbook.template import template_bytes


@pytest.fixture(scope="module")
def wb():
    return openpyxl.load_workbook(io.BytesIO(template_bytes()))


def _cell(wb, name):
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")]


def test_committed_template_is_what_the_code_generates():
    committed = zipfile.ZipFile(ROOT / "template.xlsx")
    fresh = zipfile.ZipFile(io.BytesIO(template_bytes()))
    assert committed.namelist() == fresh.namelist()
    for name in fresh.namelist():
        assert committed.read(name) == fresh.read(name), (
            f"{name} differs: run `xltools template -o template.xlsx --force`"
        )


def test_sheets_in_contract_order(wb):
    assert wb.sheetnames == [*spec.SHEETS, "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"


def test_every_field_and_check_has_its_defined_name(wb):
    names = set(wb.defined_names.keys())
    assert {f.name for f in FIELDS.values()} <= names
    assert {r.name for r in SUM_RULES} <= names
    assert {"check_status", "xltools_template", "check_S2_requests", "check_R3_3_natural", "check_R4_1_review"} <= names
    for example in (
        "agency_name",
        "year",
        "overview_proactive",
        "overview_headings_platform",
        "proactive_regulations_issued",
        "proactive_fees_amount_wan",
        "requests_new_natural",
        "requests_refused_state_secret_business",
        "appeals_review_upheld",
        "processing_fee_amount_yuan",
        "previous_carried_over_natural",
        "problems",
        "other_matters",
        "requests_new_total",
        "requests_results_total_legal",
        "appeals_suit_after_review_total",
    ):
        assert example in names


def test_field_cells_sit_where_format_md_puts_them(wb):
    assert layout.field_ref("requests.carried_over.natural") == "三、依申请公开!D31"
    assert _cell(wb, "requests_carried_over_natural").coordinate == "D31"
    # every label the reader verifies is really there
    for path, anchors in layout.ANCHORS.items():
        c = _cell(wb, FIELDS[path].name)
        for d_row, d_col, text in anchors:
            assert c.parent.cell(c.row + d_row, c.column + d_col).value == text, path


def test_version_stamped_in_three_places(wb):
    assert wb.custom_doc_props["xltools_template"].value == TEMPLATE_VERSION
    assert wb.defined_names["xltools_template"].attr_text == f'"{TEMPLATE_VERSION}"'
    assert wb["_meta"]["B1"].value == TEMPLATE_VERSION


def test_unlocked_cells_are_exactly_the_input_cells(wb):
    unlocked = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.protection.locked is False and not isinstance(c, openpyxl.cell.cell.MergedCell):
                    unlocked.add((ws.title, c.coordinate))
    inputs = {(_cell(wb, f.name).parent.title, _cell(wb, f.name).coordinate) for f in spec.INPUT_FIELDS}
    assert unlocked == inputs


def test_every_sheet_protected_and_structure_locked(wb):
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert wb.security.lockStructure


def test_totals_are_locked_formulas_and_counts_start_at_zero(wb):
    for f in (f for f in spec.FIELDS.values() if f.computed):
        c = _cell(wb, f.name)
        assert c.protection.locked and str(c.value).startswith("=SUM("), f.path
    for f in spec.INPUT_FIELDS:
        if f.kind is spec.Kind.COUNT and not f.path.startswith("previous.") and f.path != "processing_fee.count":
            assert _cell(wb, f.name).value == 0, f.path


def test_every_input_has_a_validation_with_a_chinese_prompt(wb):
    covered = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                    for c in row:
                        covered[(ws.title, c.coordinate)] = dv
    for f in spec.INPUT_FIELDS:
        c = _cell(wb, f.name)
        dv = covered[(c.parent.title, c.coordinate)]
        assert re.search(r"[\u4e00-\u9fff]", dv.prompt or ""), f.path
        if f.kind is spec.Kind.COUNT:
            assert dv.type == "whole" and dv.formula1 == "0" and re.search(r"[\u4e00-\u9fff]", dv.error)
        if f.kind is spec.Kind.DECIMAL:
            assert dv.type == "decimal" and dv.formula1 == "0"


def test_level_is_a_drop_down_of_the_three_levels(wb):
    c = _cell(wb, "agency_level")
    dv = next(dv for dv in c.parent.data_validations.dataValidation if c.coordinate in dv.sqref)
    assert dv.type == "list"
    assert dv.formula1 == '"' + ",".join(spec.LEVELS.values()) + '"'


def test_print_setup(wb):
    for name in (spec.SHEET_PROACTIVE, spec.SHEET_REQUESTS, spec.SHEET_APPEALS):
        ws = wb[name]
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
        one_page = name == spec.SHEET_REQUESTS  # 三 on one page (1 is the default, written as None)
        assert ws.page_setup.fitToHeight == (None if one_page else 0)
    assert wb[spec.SHEET_REQUESTS].print_title_rows == "$4:$6"
    for ws in wb.worksheets:  # the tables draw their own borders; a printed grid would cover the page
        assert not ws.print_options.gridLines, ws.title


def test_table_three_layout_follows_format_md(wb):
    ws = wb[spec.SHEET_REQUESTS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {
        "A4:C6",
        "D4:J4",
        "D5:D6",
        "E5:I5",
        "J5:J6",
        "A9:A30",
        "B11:B18",
        "B19:B21",
        "B22:B26",
        "B27:B29",
        "A7:C7",
        "A31:C31",
        "B9:C9",
        "B30:C30",
    } <= merged
    assert ws["A4"].value == spec.REQUESTS_NOTE
    assert [ws.cell(6, c).value for c in range(5, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]


def test_table_four_layout_follows_format_md(wb):
    ws = wb[spec.SHEET_APPEALS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:E4", "F4:O4", "A5:A6", "E5:E6", "F5:J5", "K5:O5"} <= merged
    assert [ws.cell(6, c).value for c in range(6, 16)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2


def test_status_line_on_each_table_sheet(wb):
    for name in (spec.SHEET_PROACTIVE, spec.SHEET_REQUESTS, spec.SHEET_APPEALS):
        formula = wb[name]["A2"].value
        assert "本表校验通过" in formula and "个红色单元格，第一个在" in formula
        assert "MATCH(" not in formula and "INDEX(" not in formula  # Gnumeric showed #REF! on one cell


def test_formulas_use_only_old_functions(wb):
    allowed = {
        "SUM",
        "IF",
        "AND",
        "OR",
        "NOT",
        "ABS",
        "ROUND",
        "INT",
        "ISNUMBER",
        "ISBLANK",
        "COUNTIF",
        "SUMPRODUCT",
        "LEFT",
        "LEN",
        "TRIM",
        "MOD",
        "ROWS",
        "CLEAN",
        "SUBSTITUTE",
        "CHAR",
        "FIND",
        "INDEX",
        "ISERROR",
        "ISLOGICAL",
        "ISTEXT",
        "HYPERLINK",
        "MATCH",
    }  # all of them in Excel 2007
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", c.value))
                    assert used <= allowed, (ws.title, c.coordinate, used - allowed)


def test_no_macros_in_the_package():
    names = zipfile.ZipFile(io.BytesIO(template_bytes())).namelist()
    assert not any("vba" in n.lower() for n in names)


def test_template_command_writes_atomically_and_needs_force(tmp_path):
    out = tmp_path / "t.xlsx"
    runner = CliRunner()
    first = runner.invoke(main, ["template", "-o", str(out)])
    assert first.exit_code == 0 and out.exists()
    out.write_bytes(b"keep me")
    again = runner.invoke(main, ["template", "-o", str(out)])
    assert again.exit_code == 2
    assert "已存在" in again.output and "--force" in again.output
    assert out.read_bytes() == b"keep me"
    forced = runner.invoke(main, ["template", "-o", str(out), "--force"])
    assert forced.exit_code == 0 and zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]  # no temporary file left behind


def test_help_is_chinese_and_version_works():
    runner = CliRunner()
    assert "生成受保护的 Excel 填报模板" in runner.invoke(main, ["--help"]).output
    helped = runner.invoke(main, ["template", "--help"])
    assert helped.exit_code == 0 and "用法" in helped.output and "覆盖" in helped.output
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("xltools ")


def test_python_dash_m_runs():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "xltools", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "xltools" in proc.stdout


def _cf_formulas(ws, coordinate):
    out = []
    for rng in ws.conditional_formatting:
        if coordinate in rng.sqref:
            for rule in rng.rules:
                out += rule.formula or []
    return out


def _mark(wb, path: str) -> str:
    """The _meta mark formula of a field, after checking the cell's conditional formats read it."""
    row = layout.META_MARK_ROW[path]
    meta = wb[spec.SHEET_META]
    assert meta.cell(row + 1, layout.META_MARK_COL + 1).value == path
    c = _cell(wb, FIELDS[path].name)
    k = row - layout.META_FLAGS_TOP + 1
    cf = _cf_formulas(c.parent, c.coordinate)
    assert f"INDEX({layout.MARKS_NAME},{k})=2" in cf and f"INDEX({layout.MARKS_NAME},{k})=1" in cf, path
    return meta.cell(row + 1, layout.META_MARK_COL + 2).value


def test_failing_checks_turn_every_cell_they_involve_red(wb):
    for path in (
        "requests.new.natural",
        "requests.carried_in.natural",
        "requests.results_total.natural",
        "requests.carried_over.natural",
    ):
        assert "check_R3_3_natural" in _mark(wb, path), path
    assert "check_R4_1_review" in _mark(wb, "appeals.review.total")
    assert "check_R4_1_review" in _mark(wb, "appeals.review.upheld")
    assert "check_R3_2_legal" in _mark(wb, "requests.granted.legal")
    assert "check_S4_overview_platform" in _mark(wb, "overview.platform")


def test_every_numeric_input_is_marked_when_not_a_clean_number(wb):
    for f in spec.INPUT_FIELDS:
        if f.kind.numeric:
            flag = layout.abs_ref(spec.SHEET_META, layout.META_FLAG_ROW[f.path], 1)
            assert f"{flag}=1" in _mark(wb, f.path), f.path


def test_guide_explains_yellow_red_paste_and_the_commands(wb):
    text = "\n".join(str(c.value) for row in wb[spec.SHEET_GUIDE].iter_rows() for c in row if c.value)
    for needle in ("黄色", "红色", "橙色", "灰色", "网页", "F2", "双击", "xltools check", "xltools build", "校验"):
        assert needle in text


def test_cached_results_are_the_whole_texts_the_formulas_show():
    """Each check cell's formula and its cached result come from one object (layout.Check): a
    program that does not recalculate shows the same whole text a spreadsheet computes."""
    book = openpyxl.load_workbook(io.BytesIO(template_bytes({"requests.new.natural": 5})), data_only=True)
    assert _cell(book, "check_R3_3_natural").value == "✗ 第一项加第二项为5，第三项加第四项为0"
    assert _cell(book, "check_R3_1_new").value == "✓"
    assert _cell(book, "check_status").value == "未通过"
    status = book[spec.SHEET_REQUESTS].cell(2, 1).value
    assert status == "本表有 4 个红色单元格，第一个在 D7；原因见“校验”表"  # 总计 follows from 自然人
    assert _cell(book, "check_R3_3_total").value == "— 随各申请人列（已在出错的列报告）"
    assert book[spec.SHEET_APPEALS].cell(2, 1).value == "本表校验通过"
    book = openpyxl.load_workbook(io.BytesIO(template_bytes({"requests.new.natural": "五"})), data_only=True)
    assert _cell(book, "check_S2_requests").value == "✗ 有1个单元格不是有效数字，已标红"
    assert _cell(book, "check_X1_natural").value == "— 未填上年数据，不核对"
    # a rule over an invalid cell names it instead of quoting what SUM made of it
    assert _cell(book, "check_R3_3_natural").value == "✗ 无法核对：三!D7 不是有效数字，请先改正它"
    assert book[spec.SHEET_REQUESTS].cell(2, 1).value == "本表有 1 个红色单元格，第一个在 D7；原因见“校验”表"


def test_prompt_titles_start_where_the_label_starts_and_name_no_sheet(wb):
    """At most 32 characters, cut at the end (the column kept), never mid-phrase at the start."""
    for f in spec.INPUT_FIELDS:
        c = _cell(wb, f.name)
        dv = next(d for d in c.parent.data_validations.dataValidation if c.coordinate in d.sqref)
        title = dv.promptTitle
        assert len(title) <= 32, (f.path, title)
        assert not any(title.startswith(s) for s in spec.SHEETS), (f.path, title)
        label = f.label.split(" ", 1)[1] if f.label.split(" ", 1)[0] in spec.SHEETS else f.label
        assert label.startswith(title.split("…", 1)[0]), (f.path, title)


def test_check_status_is_green_when_it_passes(wb):
    ws = wb[spec.SHEET_CHECKS]
    cell = _cell(wb, "check_status").coordinate
    rules = [r for rng in ws.conditional_formatting if cell in rng.sqref for r in rng.rules]
    assert any(r.formula == ['"通过"'] and r.dxf.font.color.rgb.endswith("006100") for r in rules)


def test_each_check_line_links_to_the_cells_it_checks(wb):
    """校验: a fourth column names the sheet and the block of cells, as a link to the first cell."""
    ws = wb[spec.SHEET_CHECKS]
    row = layout.check_row("check_R3_3_natural") + 1
    assert ws.cell(row, 4).value == f'=HYPERLINK("#\'{spec.SHEET_REQUESTS}\'!D7","三!D7:D31")'
    row = layout.check_row("check_S4_overview_platform") + 1
    link = ws.cell(row, 4).value
    assert link.startswith(f"=HYPERLINK(\"#'{spec.SHEET_OVERVIEW}'!") and '"一!B' in link
    links = [ws.cell(r, 4).value for r in range(layout.CHECKS_FIRST_ROW + 1, ws.max_row + 1) if ws.cell(r, 3).value]
    assert all(x.startswith("=HYPERLINK(") for x in links) and len(links) == len(layout.CHECKS)


def test_number_formats_never_hide_what_was_typed(wb):
    """1.5 typed in a count cell shows 1.5 (and turns red), not a rounded 2: format General."""
    for f in spec.FIELDS.values():
        if f.kind.numeric and f.kind is not spec.Kind.DECIMAL:
            assert _cell(wb, f.name).number_format == "General", f.path


def test_every_formula_is_shorter_than_older_excel_allows(wb):
    """Excel 2007 and older keep at most 1,024 characters of a formula (R3.2 had 1,716)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert len(c.value) < 1024, (ws.title, c.coordinate, len(c.value))


def test_the_checks_sheet_explains_its_rule_codes(wb):
    from xltools.rules.registry import rule

    ws = wb[spec.SHEET_CHECKS]
    texts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    for code in {c.rule for c in layout.CHECKS}:
        assert texts[code].startswith(rule(code).title + "："), code


def _hue(rgb: str) -> float:
    import colorsys

    r, g, b = (int(rgb[-6:][i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_a_warned_cell_is_not_the_input_yellow_nor_the_error_red(wb):
    """The orange of a warned (e.g. cleared) input cell is told from the yellow input fill and from
    the red of an error at a glance: their hues differ by 15 degrees or more (the former orange,
    FFD966, had the input yellow's hue)."""
    for path in ("proactive.regulations.issued", "requests.new.natural", "appeals.review.upheld"):
        cell = cell_of(wb, path)
        fills = {}
        for rng, rules in cell.parent.conditional_formatting._cf_rules.items():
            if cell.coordinate in str(rng.sqref).split():
                for r in rules:
                    if r.dxf is not None and r.dxf.fill is not None and r.formula:
                        fills[r.formula[0][-1]] = r.dxf.fill.bgColor.rgb  # ...=2 red, ...=1 orange
        input_hue, red, orange = _hue(cell.fill.fgColor.rgb), _hue(fills["2"]), _hue(fills["1"])
        assert abs(orange - input_hue) >= 15 and abs(orange - red) >= 15, (path, fills)
