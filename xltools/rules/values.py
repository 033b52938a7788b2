"""S2, every number a valid number: one rule object that renders the template's S2 checks as Excel
formulas and computes the same in Python (the template's cached results), as the rules of sums do.

The checker finds S2 while typing the values (checker.normalise over normalize.parse); the template
flags each input cell with `flag_formula`, whose Python twin `flagged` calls the same parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xltools.model import ERROR, WARNING
from xltools.normalize import looks_blank, parse
from xltools.rules.rule import TYPED, Rule, Words
from xltools.rules.sums import FAIL_MARK, OK_MARK, blank_expr
from xltools.spec import FIELDS, MAX_NUMBER, YEAR_MAX, YEAR_MIN, Kind


@dataclass(frozen=True, eq=False)
class ValidNumbers(Rule):
    """S2 in the template: a flag per input cell, a warning flag per blank table cell, and one
    check line per group of numbers counting the flagged cells."""

    failed: tuple[str, str] = ("有", "个单元格不是有效数字，已标红")  # around the count of flagged cells

    def flag_formula(self, path: str) -> str:
        """An Excel condition that is TRUE when an input is not a clean value of its kind: an error
        value, a boolean, text that is not blank-looking, or a number out of range.

        ISLOGICAL comes before ISNUMBER because LibreOffice counts TRUE as a number; a count is whole
        when ROUND(n,9) is, so every engine reads 1.0000000000000002 alike.
        """
        f = FIELDS[path]
        n = f.name
        r = f"ROUND({n},9)"
        if f.kind is Kind.YEAR:
            ok = f"AND({r}=INT({r}),{n}>={YEAR_MIN},{n}<={YEAR_MAX})"
        elif f.kind is Kind.DECIMAL:
            ok = f"AND({n}>=0,{n}<{MAX_NUMBER:.0E})"
        else:
            ok = f"AND({n}>=0,{r}=INT({r}),{n}<{MAX_NUMBER:.0E})"
        return (
            f"IF(ISBLANK({n}),FALSE,IF(ISERROR({n}),TRUE,IF(ISLOGICAL({n}),TRUE,"
            f"IF(ISNUMBER({n}),NOT({ok}),NOT({blank_expr(n)})))))"
        )

    def flagged(self, path: str, raw: Any) -> int:
        """`flag_formula` in Python: 1 where the cell holds an invalid value, else 0."""
        return 0 if looks_blank(raw) else int(parse(FIELDS[path], raw).severity == ERROR)

    def blank_formula(self, path: str) -> str:
        """An Excel condition that is TRUE when an input is blank or only looks filled (a warning in
        a table: the fresh template holds 0 there)."""
        n = FIELDS[path].name
        return f"IF(ISBLANK({n}),TRUE,IF(ISTEXT({n}),{blank_expr(n)},FALSE))"

    def blank(self, raw: Any) -> bool:
        """`blank_formula` in Python."""
        return looks_blank(raw)

    def check_formula(self, flags: str) -> str:
        """A group's check cell over the range of its inputs' flags: ✓, or ✗ and how many."""
        before, after = self.failed
        return f'=IF(SUM({flags})=0,"{OK_MARK}","{FAIL_MARK} {before}"&SUM({flags})&"{after}")'

    def check_text(self, bad: int) -> str:
        """`check_formula` in Python, for `bad` flagged cells."""
        return f"{FAIL_MARK} {self.failed[0]}{bad}{self.failed[1]}" if bad else OK_MARK


S2 = ValidNumbers(
    "S2",
    ERROR,
    "数字有效",
    "件数是不小于 0 的整数，金额是不小于 0 的数，年度合理；以文本形式输入的数字和错误值（#N/A 等）是错误；"
    "表格中留空的数字单元格按 0 计并提示。",
    TYPED,
    also=WARNING,
    words={
        # a table number given as null in JSON data, or printed blank in a published report
        "unfilled": Words(
            "未填写（没有数字）。表格中的每个数字都要填写，没有的填 0。",
            published="报告中此处空白，没有数字。表格中的每个数字都应写明，没有的应为 0；请对照原报告核对。",
        )
    },
)

__all__ = ["S2", "ValidNumbers"]
