"""Variants of the project's own published reports (tests/fixtures/published/), made the way real
sites print theirs: parts renumbered, tables titled with numbers of their own, narrative
headings that look like parts, titles wrapped, spaced or year first, column headers split over
two lines, a fee table as part 五, rows split across pages, columns in another order or left out.

Each variant is a pure function of the report's text; `variant(text, names)` applies several.
A variant that cannot apply to a text (its line is not there) leaves the text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import PUBLISHED
from xltools import spec

BASES = {
    "huaian": PUBLISHED / "huaian-2024-report.txt",
    "suoluo": PUBLISHED / "suoluo-2024-report.txt",
}
_NUMERALS = "一二三四五六七八九"
_PARTS = ("主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况")


def base(name: str) -> str:
    """A base text: a shipped report; "huaian-distinct", huaian with distinct table 三 numbers;
    "suoluo-distinct", suoluo (whose tables print only zeros) numbered anew in all three tables."""
    if name == "huaian-distinct":
        return distinct(BASES["huaian"].read_text("utf-8"))
    if name == "suoluo-distinct":
        return numbered(BASES["suoluo"].read_text("utf-8"))
    return BASES[name].read_text("utf-8")


BASE_NAMES = ("huaian", "suoluo", "huaian-distinct", "suoluo-distinct")


def distinct(text: str) -> str:
    """The report with every number of table 三 made different from its neighbours (each row's
    总计 still its sum), so that a value read into the wrong column cannot pass as right."""
    out = []
    k = 0
    for line in text.split("\n"):
        cells = line.split(" | ")
        nums = [i for i, c in enumerate(cells) if re.fullmatch(r"\d+", c.strip())]
        if len(nums) == 7 and not _is_table_four(line):
            k += 1
            values = [k * 10 + j + 1 for j in range(6)]
            for i, v in zip(nums, [*values, sum(values)], strict=True):
                cells[i] = str(v)
            line = " | ".join(cells)
        out.append(line)
    return "\n".join(out)


def _cells(line: str) -> tuple[list[str], str]:
    """A `a | b | c` line's cells and what trails the last one (suoluo's rows end in " |" or " ||")."""
    m = re.match(r"^(.*?)((?:\s*\|)*\s*)$", line)
    assert m is not None
    return m.group(1).split(" | "), m.group(2)


def _renumber(line: str, values: list[int]) -> str | None:
    """The line with its number cells replaced in order by `values`; None when their count differs."""
    cells, tail = _cells(line)
    nums = [i for i, c in enumerate(cells) if re.fullmatch(r"\d+", c.strip())]
    if len(nums) != len(values):
        return None
    for i, v in zip(nums, values, strict=True):
        cells[i] = str(v)
    return " | ".join(cells) + tail


# Table 三 numbered so that every identity of the format holds (each result row and column apart,
# 办理结果总计 their sum, 本年新收 + 上年结转 = 总计 + 结转下年度, each row's 总计 its sum).
_RESULTS = [[10 * i + j + 1 for j in range(6)] for i in range(1, 22)]
_RESULTS_TOTAL = [sum(r[j] for r in _RESULTS) for j in range(6)]
_CARRIED_IN = [3 * j + 4 for j in range(6)]
_CARRIED_OVER = [5 * j + 5 for j in range(6)]
_NEW = [t + o - c for t, o, c in zip(_RESULTS_TOTAL, _CARRIED_OVER, _CARRIED_IN, strict=True)]
_REQUEST_ROWS = [_NEW, _CARRIED_IN, *_RESULTS, _RESULTS_TOTAL, _CARRIED_OVER]
_PROACTIVE = {
    "规章": [7, 2, 31],
    "行政规范性文件": [12, 5, 48],
    "行政许可": [1201],
    "行政处罚": [1302],
    "行政强制": [1403],
}
_APPEALS = [3, 5, 7, 2, 17, 4, 1, 6, 8, 19, 10, 12, 14, 9, 45]


def numbered(text: str) -> str:
    """The report with the numbers of its three tables made different from one another, every
    identity of the format kept: a value read into another row or column cannot pass as right,
    and the base itself raises none of the tables' findings."""
    out = []
    rows = iter(_REQUEST_ROWS)
    for line in text.split("\n"):
        cells, _ = _cells(line)
        new: str | None = None
        if cells[0].strip() in _PROACTIVE:
            new = _renumber(line, _PROACTIVE[cells[0].strip()])
        elif len(cells) >= 15:
            new = _renumber(line, _APPEALS)
        if new is None and len(cells) >= 8:
            row = next(rows, None)
            new = _renumber(line, [*row, sum(row)]) if row is not None else None
            if new is None and row is not None:
                rows = iter([row, *rows])  # not a row of table 三: the row waits for the next line
        out.append(new if new is not None else line)
    return "\n".join(out)


def _is_table_four(line: str) -> bool:
    return line.count("|") >= 14


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _part_at(lines: list[str], words: str) -> int | None:
    return next((i for i, ln in enumerate(lines) if re.match(rf"^[{_NUMERALS}]、{re.escape(words)}", ln)), None)


def renumbered_with_own_table_numbers(text: str) -> str:
    """The issue's department: narrative parts 三、主动公开工作情况 and 四、政府信息公开申请情况,
    the tables after them titled 一、二、三 of their own."""
    lines = _lines(text)
    for k, (words, narrative, numeral) in enumerate(
        (
            (_PARTS[0], "三、主动公开工作情况", "一"),
            (_PARTS[1], "四、政府信息公开申请情况", "二"),
            (_PARTS[2], "五、行政复议和行政诉讼情况", "三"),
        )
    ):
        at = _part_at(lines, words)
        if at is None:
            continue
        lines[at : at + 1] = [
            narrative,
            f"全年工作稳步推进，相关情况见表{numeral}。我们将继续做好第{k + 1}项工作。",
            f"{numeral}、{words}",
        ]
    for words, numeral in (("存在的主要问题", "六"), ("其他需要报告", "七")):
        at = next((i for i, ln in enumerate(lines) if re.match(rf"^[{_NUMERALS}]、{words}", ln)), None)
        if at is not None:
            lines[at] = numeral + lines[at][1:]
    return "\n".join(lines)


def parts_shifted(text: str) -> str:
    """A narrative part of its own after 总体情况: every later part numbered one more."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        m = re.match(rf"^([{_NUMERALS[1:6]}])、(\S.*)$", ln)
        if m and len(ln) < 30 and "|" not in ln and not ln.startswith(("二、上年", "三、本年", "四、结转")):
            lines[i] = _NUMERALS[_NUMERALS.index(m.group(1)) + 1] + "、" + m.group(2)
    at = _part_at(lines, "主动公开政府信息情况")
    if at is not None:
        lines[at:at] = ["二、重点领域信息公开情况", "全年围绕重点领域公开信息，依法保障群众知情权。"]
    return "\n".join(lines)


def narrative_heading_like_a_part(text: str) -> str:
    """A heading inside part 二 that reads like part 三's title, before the table of part 二."""
    lines = _lines(text)
    at = _part_at(lines, _PARTS[0])
    if at is not None:
        lines[at + 1 : at + 1] = [
            "三、依申请公开工作",
            "全年依法办理政府信息公开申请，答复规范及时。",
            "（一）主动公开政府信息情况统计",
        ]
    return "\n".join(lines)


def title_wrapped(text: str) -> str:
    """The report's title on two lines: the agency, then 2024年政府信息公开工作年度报告."""
    lines = _lines(text)
    for i, ln in enumerate(lines[:6]):
        m = re.match(r"^(\S+?)(\d{4}年政府信息公开工作年度报告)$", ln)
        if m:
            lines[i : i + 1] = [m.group(1), m.group(2)]
            break
    return "\n".join(lines)


def title_spaced(text: str) -> str:
    """ "2024 年" with a space, as justified PDFs and some editors print it."""
    lines = _lines(text)
    for i, ln in enumerate(lines[:6]):
        if re.search(r"\d{4}年政府信息公开工作年度报告$", ln):
            lines[i] = re.sub(r"(\d{4})年", r" \1 年 ", ln, count=1)
            break
    return "\n".join(lines)


def title_year_first(text: str) -> str:
    """ "2024年淮安市人民政府政府信息公开工作年度报告"."""
    lines = _lines(text)
    for i, ln in enumerate(lines[:6]):
        m = re.match(r"^(\S+?)(\d{4}年)(政府信息公开工作年度报告)$", ln)
        if m:
            lines[i] = m.group(2) + m.group(1) + m.group(3)
            break
    return "\n".join(lines)


def headers_split(text: str) -> str:
    """Column headings printed over two lines (商业 / 企业, 本年制发 / 件数); table 三's own
    group line (申请人情况 …) left out so the split line is all there is."""
    lines = _lines(text)
    out = []
    for ln in lines:
        if ln.startswith("申请人情况："):
            continue
        if ln.startswith("项目 | 自然人 | 商业企业"):
            out += [
                "项目 | 自然人 | 商业 | 科研 | 社会公益 | 法律服务 | 其他 | 总计",
                " | | 企业 | 机构 | 组织 | 机构 | | ",
            ]
            continue
        if ln.startswith("信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数"):
            out += ["信息内容 | 本年制发 | 本年废止 | 现行有效", " | 件数 | 件数 | 件数"]
            continue
        out.append(ln)
    return "\n".join(out)


def fee_table_as_part_five(text: str) -> str:
    """A local variant: part 五 is 信息处理费收取情况, a table; the last two parts move down."""
    lines = _lines(text)
    at = next((i for i, ln in enumerate(lines) if re.match(r"^五、存在的主要问题", ln)), None)
    if at is None:
        return text
    for i in range(at, len(lines)):
        if re.match(r"^五、存在的主要问题", lines[i]):
            lines[i] = "六" + lines[i][1:]
        elif re.match(r"^六、其他需要报告", lines[i]):
            lines[i] = "七" + lines[i][1:]
    lines[at:at] = ["五、信息处理费收取情况", "通知收取件数 | 通知收取金额（元） | 实际收取金额（元）", "0 | 0 | 0"]
    return "\n".join(lines)


def row_split_across_pages(text: str) -> str:
    """A long row cut by a page break: its label's first half on one page, the rest with the
    numbers on the next, a page number and the repeated header between them."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        m = re.match(r"^(.*1\.申请人无正当理由逾期不补正、)(行政机关不再处理其政府信息公开申请)( \|.*)$", ln)
        if m:
            lines[i : i + 1] = [m.group(1) + " |  |  |  |  |  |  | ", "- 5 -", m.group(2) + m.group(3)]
            break
    return "\n".join(lines)


def requests_row_split_under_repeated_header(text: str) -> str:
    """As `row_split_across_pages`, the table's header repeated at the next page's top between the
    label's two parts (Word's "重复标题行", a web page's <thead>): its 其他 or 总计 is no row's label."""
    lines = _lines(row_split_across_pages(text))
    at = next((i for i, ln in enumerate(lines) if ln == "- 5 -"), None)
    header = next((ln for ln in lines if ln.startswith("项目 | 自然人 | 商业企业")), None)
    if at is not None and header is not None:
        lines[at + 1 : at + 1] = [header]
    return "\n".join(lines)


def _proactive_header(lines: list[str]) -> list[str]:
    """Table 二's first block heading (第二十条第（一）项 and its column headings), as repeated at a page's top."""
    at = next((i for i, ln in enumerate(lines) if ln.startswith("信息内容 | 本年制发件数")), None)
    return [] if at is None else lines[at - 1 : at + 1]


def proactive_row_split_across_pages(text: str) -> str:
    """Table 二's 行政规范性文件 in a narrow label column (行政规范 / 性文件), cut by the page break: its
    label's first line on one page, its last line with the numbers after the page number and the
    repeated heading."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        cells, tail = _cells(ln)
        if cells[0] == "行政规范性文件" and len(cells) >= 4:
            first = " | ".join(["行政规范", *[""] * (len(cells) - 1)])
            lines[i : i + 1] = [first, "- 5 -", *_proactive_header(lines), " | ".join(["性文件", *cells[1:]]) + tail]
            break
    return "\n".join(lines)


def proactive_label_end_after_numbers(text: str) -> str:
    """Table 二's 行政规范性文件 cut after its label's first line: the numbers printed beside 行政规范 (a
    label set in the middle of its cell), the label's last line 性文件 after the page number."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        cells, tail = _cells(ln)
        if cells[0] == "行政规范性文件" and len(cells) >= 4:
            lines[i : i + 1] = [" | ".join(["行政规范", *cells[1:]]) + tail, "- 5 -", "性文件"]
            break
    return "\n".join(lines)


def _appeals_numbers(lines: list[str]) -> int | None:
    return next((i for i, ln in enumerate(lines) if _is_table_four(ln) and all(_num(c) for c in _cells(ln)[0])), None)


def _appeals_header(lines: list[str], at: int) -> list[str]:
    """The header lines of table 四 above its numbers (down from its 行政复议 heading)."""
    top = next((i for i in range(at - 1, -1, -1) if lines[i].startswith("行政复议")), at)
    return lines[top:at]


def appeals_as_labelled_rows(text: str) -> str:
    """Table 四 printed as three labelled rows under its header (行政复议 | 5 numbers, 未经复议直接起诉 |
    5 numbers, 复议后起诉 | 5 numbers), as some reports print it."""
    lines = _lines(text)
    at = _appeals_numbers(lines)
    if at is None:
        return text
    nums = _cells(lines[at])[0][:15]
    lines[at : at + 1] = [" | ".join([row.label, *nums[5 * k : 5 * k + 5]]) for k, row in enumerate(spec.APPEALS.rows)]
    return "\n".join(lines)


def appeals_row_split_across_pages(text: str) -> str:
    """Table 四 as labelled rows, its 未经复议直接起诉 row cut by the page break: 未经复议 on one page,
    the page number and the repeated header, then 直接起诉 with the numbers."""
    before = _appeals_numbers(_lines(text))
    lines = _lines(appeals_as_labelled_rows(text))
    for i, ln in enumerate(lines):
        cells, _ = _cells(ln)
        if before is not None and cells[0] == "未经复议直接起诉" and len(cells) == 6:
            header = _appeals_header(lines, before)
            lines[i : i + 1] = [
                " | ".join(["未经复议", *[""] * 5]),
                "- 5 -",
                *header,
                " | ".join(["直接起诉", *cells[1:]]),
            ]
            break
    return "\n".join(lines)


def appeals_header_cut_from_numbers(text: str) -> str:
    """Table 四's header at a page's foot, its line of numbers on the next page after the page
    number and the repeated header."""
    lines = _lines(text)
    at = _appeals_numbers(lines)
    if at is None:
        return text
    lines[at:at] = ["- 5 -", *_appeals_header(lines, at)]
    return "\n".join(lines)


def requests_columns_reordered(text: str) -> str:
    """Table 三 printed with 总计 first and 其他 before 法律服务机构, heading and numbers alike:
    read by header, not position."""
    lines = _lines(text)
    out = []
    for ln in lines:
        if ln.startswith("申请人情况："):
            continue
        cells = ln.split(" | ")
        if (ln.startswith("项目 | ") and len(cells) == 8) or (len(cells) == 8 and all(_num(c) for c in cells[1:])):
            head, vals = cells[0], cells[1:]
            n, b, r, np_, lg, o, t = vals
            ln = " | ".join([head, t, n, b, r, np_, o, lg])
        out.append(ln)
    return "\n".join(out)


def requests_header_mislabelled(text: str) -> str:
    """Table 三's header prints 总计 first and 自然人 last while the numbers keep the format's order
    (a template's header edited, its body not): the row totals show the misreading."""
    lines = _lines(text)
    out = []
    for ln in lines:
        if ln.startswith("申请人情况："):
            continue
        if ln.startswith("项目 | 自然人 | 商业企业"):
            ln = ln.replace("自然人", "＃", 1).replace("总计", "自然人", 1).replace("＃", "总计", 1)
        out.append(ln)
    return "\n".join(out)


def requests_header_two_columns(text: str) -> str:
    """Table 三's header names only 自然人 | 法人或其他组织 | 总计: the five columns cannot be told apart."""
    lines = _lines(text)
    out = []
    for ln in lines:
        if ln.startswith("申请人情况："):
            continue
        if ln.startswith("项目 | 自然人 | 商业企业"):
            ln = "项目 | 自然人 | 法人或其他组织 |  |  |  |  | 总计"
        out.append(ln)
    return "\n".join(out)


# The rows of table 二's first block, and the parts a page break leaves of one (行政规范 / 性文件).
_DOCUMENT_ROWS = ("规章", "行政规范性文件", "行政规范", "性文件")


def proactive_column_left_out(text: str) -> str:
    """Table 二 prints no 本年废止件数 column: 制发 and 现行有效 are read, 废止 is not."""
    lines = _lines(text)
    out = []
    for ln in lines:
        cells = ln.split(" | ")
        if ln.startswith("信息内容 | 本年制发件数 | 本年废止件数"):
            ln = " | ".join(c for c in cells if c != "本年废止件数")
        elif cells[0] in _DOCUMENT_ROWS and len(cells) >= 4:
            ln = " | ".join([cells[0], cells[1], *cells[3:]])
        out.append(ln)
    return "\n".join(out)


def proactive_columns_reordered(text: str) -> str:
    """Table 二 printed 本年制发 | 现行有效 | 本年废止, heading and numbers alike: 现行有效件数 must not
    land in 本年废止件数."""
    out = []
    for ln in _lines(text):
        cells, tail = _cells(ln)
        if cells[0] in ("信息内容", *_DOCUMENT_ROWS) and len(cells) >= 4:  # a header split or not
            ln = " | ".join([cells[0], cells[1], cells[3], cells[2], *cells[4:]]) + tail
        out.append(ln)
    return "\n".join(out)


def requests_three_columns(text: str) -> str:
    """Table 三 printed with three columns, 自然人 | 法人或其他组织 | 总计, the five kinds of
    organisation summed into one: nothing of it may be stored as 商业企业."""
    out = []
    for ln in _lines(text):
        if ln.startswith("申请人情况："):
            continue
        if ln.startswith("项目 | 自然人 | 商业企业"):
            out.append("项目 | 自然人 | 法人或其他组织 | 总计")
            continue
        cells, tail = _cells(ln)
        nums = [i for i, c in enumerate(cells) if re.fullmatch(r"\d+", c.strip())]
        if len(nums) == 7 and not _is_table_four(ln):
            values = [int(cells[i]) for i in nums]
            head = [c for i, c in enumerate(cells) if i < nums[0]]
            ln = " | ".join([*head, str(values[0]), str(sum(values[1:6])), str(values[6])]) + tail
        out.append(ln)
    return "\n".join(out)


def proactive_header_lost(text: str) -> str:
    """Table 二's column headings lost (an image, a scraped page): its three-column rows cannot be placed."""
    return "\n".join(ln for ln in _lines(text) if not ln.startswith("信息内容 | 本年制发件数"))


def requests_row_left_out(text: str) -> str:
    """Table 三 without its 2.重复申请 row (a row lost when a page was saved or copied)."""
    return "\n".join(ln for ln in _lines(text) if not re.search(r"(^|[|/] ?)2\.重复申请 ?\|", ln))


def cell_dropped(text: str) -> str:
    """One number of a table 三 row missing (a merged cell flattened away): which one is not known."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        cells = ln.split(" | ")
        if ln.startswith("二、上年结转") and len(cells) >= 8:
            del cells[3]
            lines[i] = " | ".join(cells)
            break
    return "\n".join(lines)


def appeals_number_dropped(text: str) -> str:
    """Table 四 as a line of fourteen numbers instead of fifteen."""
    lines = _lines(text)
    for i, ln in enumerate(lines):
        cells = ln.split(" | ")
        if len(cells) >= 15 and all(_num(c) for c in cells[:15]):
            del cells[6]
            lines[i] = " | ".join(cells)
            break
    return "\n".join(lines)


def tab_separated(text: str) -> str:
    """Copied out of a browser: cells separated by tabs."""
    return text.replace(" | ", "\t").replace(" / ", "\t")


def _num(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*\d[\d,]*(\.\d+)?\s*", cell))


VARIANTS: dict[str, Callable[[str], str]] = {
    f.__name__: f
    for f in (
        renumbered_with_own_table_numbers,
        parts_shifted,
        narrative_heading_like_a_part,
        title_wrapped,
        title_spaced,
        title_year_first,
        headers_split,
        fee_table_as_part_five,
        row_split_across_pages,
        requests_row_split_under_repeated_header,
        proactive_row_split_across_pages,
        proactive_label_end_after_numbers,
        appeals_as_labelled_rows,
        appeals_row_split_across_pages,
        appeals_header_cut_from_numbers,
        requests_columns_reordered,
        requests_header_mislabelled,
        requests_header_two_columns,
        proactive_column_left_out,
        proactive_columns_reordered,
        requests_three_columns,
        proactive_header_lost,
        requests_row_left_out,
        cell_dropped,
        appeals_number_dropped,
        tab_separated,
    )
}
# Those that change where things are, not which cells are printed: every value must come back exact.
LOSSLESS = (
    "renumbered_with_own_table_numbers",
    "parts_shifted",
    "narrative_heading_like_a_part",
    "title_wrapped",
    "title_spaced",
    "title_year_first",
    "headers_split",
    "fee_table_as_part_five",
    "row_split_across_pages",
    "requests_row_split_under_repeated_header",
    "proactive_row_split_across_pages",
    "proactive_label_end_after_numbers",
    "appeals_as_labelled_rows",
    "appeals_row_split_across_pages",
    "appeals_header_cut_from_numbers",
    "requests_columns_reordered",
    "proactive_columns_reordered",
)


def variant(text: str, names: tuple[str, ...]) -> str:
    for name in names:
        text = VARIANTS[name](text)
    return text


def as_html(text: str) -> str:
    """The text as a saved web page would hold it: paragraphs as <p>, each run of `a | b` lines as
    one <table> (a cell left empty stays an empty <td>), inside a site's header and footer."""
    from html import escape

    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开</title></head><body>",
        "<div class='nav'><a href='/'>首页</a> | <a href='/zwgk'>政务公开</a></div><div class='article'>",
    ]
    table = False
    for line in text.split("\n"):
        cells = [c.strip() for c in re.split(r"\s*[|\t]\s*", line)] if ("|" in line or "\t" in line) else None
        if cells is not None:
            if not table:
                out.append("<table border='1'>")
                table = True
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if table:
            out.append("</table>")
            table = False
        if line.strip():
            out.append(f"<p>{escape(line)}</p>")
    if table:
        out.append("</table>")
    out.append("</div><div class='footer'>主办单位：某某人民政府办公室</div></body></html>")
    return "\n".join(out)
