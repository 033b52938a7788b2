"""Values as staff type them (docs/format.md §4, S2): read with a warning, or refused with a reason."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.model import CellError
from xltools.normalize import looks_blank, parse, sheet_number
from xltools.spec import FIELDS

COUNT = FIELDS["requests.new.natural"]
MONEY = FIELDS["proactive.fees.amount_wan"]
YEAR = FIELDS["year"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [(12, 12), (12.0, 12), (0, 0), (None, None), (447228, 447228)],
)
def test_clean_counts_pass_silently(raw, value):
    assert parse(COUNT, raw).value == value
    assert parse(COUNT, raw).problem is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [("12", 12), ("１２", 12), (" 12 ", 12), ("1,234", 1234), ("1，234", 1234), ("12.0", 12), ("\u300012", 12)],
)
def test_text_that_reads_as_a_number_is_an_error_in_a_workbook_and_a_warning_in_json(raw, value):
    """docs/format.md §5.1: the sheet's SUM skips text, so its totals leave the number out: an S2 error that
    says what the cell holds, that totals skip it, and how to retype it."""
    parsed = parse(COUNT, raw)
    assert parsed.value is None
    assert parsed.severity == "error"
    assert parsed.problem == (
        f"单元格中的“{raw}”是文本，不是数字：表格的合计会跳过它（按 0 计算）。请删除后重新输入数字 {value}"
        "（半角数字，不带逗号和空格）。"
    )
    in_json = parse(COUNT, raw, text_decimals=True)
    assert (in_json.value, in_json.severity) == (value, "warning")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("无", "“无”不是数字。请填写阿拉伯数字，没有的填 0。"),
        ("-", "“-”不是数字。请填写阿拉伯数字，没有的填 0。"),
        ("十二", "“十二”不是数字。请填写阿拉伯数字，没有的填 0。"),
        ("约30", "“约30”不是数字。请填写阿拉伯数字，没有的填 0。"),
        (-3, "不能为负数（现为 -3）。请填写 0 或正数。"),
        ("-3", "不能为负数（现为“-3”）。请填写 0 或正数。"),
        (2.5, "件数应为整数（现为 2.5）。请填写整数。"),
        (10**15, "数字 1000000000000000 过大，请核对是否多输了位数。"),
        (True, "“True”不是数字，请填写数字。"),
        (float("nan"), "“nan”不是有效数字。请填写数字。"),
    ],
)
def test_what_is_not_a_count_is_refused_with_a_reason(raw, problem):
    parsed = parse(COUNT, raw)
    assert parsed.value is None
    assert parsed.severity == "error"
    assert parsed.problem == problem


@pytest.mark.parametrize("raw", ["   ", "\u3000", "\u00a0", "\n", "\t", "\u200b", "\x7f", "\ufeff \u3000"])
def test_a_cell_that_only_looks_filled_is_blank(raw):
    """Blank, as the sheet's formulas read it (the checker warns about a blank table input)."""
    parsed = parse(COUNT, raw)
    assert parsed.value is None and parsed.problem is None
    assert looks_blank(raw)
    assert not looks_blank(" x ")


def test_near_integers_are_whole_counts_as_every_engine_reads_them():
    assert parse(COUNT, 1.0000000000000002).value == 1
    assert parse(COUNT, 0.9999999999999998).value == 1
    assert parse(COUNT, 1.5).severity == "error"


def test_an_error_value_is_an_error():
    parsed = parse(COUNT, CellError("#N/A"))
    assert parsed.severity == "error" and "#N/A" in parsed.problem
    assert sheet_number(CellError("#N/A")) is None
    assert [sheet_number(x) for x in ("3", True, None, -2, 1.5)] == [0, 0, 0, -2, Decimal("1.5")]


def test_money_is_exact_decimal():
    assert parse(MONEY, 96171.6).value == Decimal("96171.6")
    assert parse(MONEY, "12.345678", text_decimals=True) == parse(MONEY, "12.345678", text_decimals=True)
    assert parse(MONEY, "12.345678", text_decimals=True).problem is None  # the JSON form's own way
    assert parse(MONEY, "12.5").severity == "error"  # text in a workbook cell: SUM skips it
    assert parse(MONEY, 3).value == Decimal(3)


@pytest.mark.parametrize("raw", [2019, 1999, 2100, "abc"])
def test_implausible_years_are_refused(raw):
    assert parse(YEAR, raw).severity == "error"


def test_year_message_names_the_format():
    assert "国办公开办函〔2021〕30号" in parse(YEAR, 2019).problem


@pytest.mark.parametrize(
    ("raw", "level"),
    [("乡镇人民政府、街道办事处", "township"), ("department", "department"), ("县级以上地方人民政府", "government")],
)
def test_levels_by_label_or_id(raw, level):
    assert parse(FIELDS["agency.level"], raw).value == level


def test_unknown_level_lists_the_choices():
    assert "请从下拉列表中选择" in parse(FIELDS["agency.level"], "村委会").problem


@pytest.mark.parametrize("raw", ["2025-01-20", "2025/1/20", "2025年1月20日", "2025.01.20", 45677])
def test_dates_as_offices_write_them(raw):
    assert parse(FIELDS["publish_date"], raw).value == "2025-01-20"


def test_control_characters_are_removed_with_a_warning():
    parsed = parse(FIELDS["problems"], "问题\x07一\u202e是")
    assert parsed.value == "问题一是" and parsed.severity == "warning"


def test_paragraphs_are_kept_and_line_ends_unified():
    assert parse(FIELDS["problems"], " 一是……\r\n二是……\r三是 ").value == "一是……\n二是……\n三是"


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_every_count_reads_back_from_its_text_forms(n):
    for raw in (n, float(n), str(n), f"{n:,}", str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        assert parse(COUNT, raw, text_decimals=True).value == n


@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=30), st.booleans(), st.decimals()))
def test_parse_never_raises(raw):
    for f in (COUNT, MONEY, YEAR, FIELDS["publish_date"], FIELDS["agency.deadline"], FIELDS["agency.level"]):
        parsed = parse(f, raw)
        assert parsed.problem is None or parsed.severity in ("warning", "error")
