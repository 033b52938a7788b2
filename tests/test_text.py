"""The shared helpers of xltools/text.py: one number formatter, one name folding."""

from decimal import Decimal

import pytest

from xltools.text import fold, format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (3119, "3119"),
        (-4, "-4"),
        (Decimal("96171.60"), "96171.6"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("0.00"), "0"),
        (Decimal("1E+99999999"), "1.000E+99999999"),
        (None, ""),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_fold_compares_names_loosely():
    assert fold("淮安市 人民政府\u3000") == fold("淮安市人民政府") == "淮安市人民政府"
    assert fold("ＡＢ１") == "AB1"
    assert fold(None) == ""


def test_a1_codec_round_trips():
    from xltools.workbook.cells import a1, col_index, col_name, parse_a1

    for col in (0, 25, 26, 701, 702, 16383):
        assert col_index(col_name(col)) == col
    assert col_name(3) == "D" and a1(30, 3) == "D31"
    assert parse_a1("D31") == parse_a1("$D$31") == parse_a1("三、依申请公开!D31") == (30, 3)
    assert parse_a1("XFD1048576") == (1048575, 16383)
    assert parse_a1("31D") is None and parse_a1(None) is None
