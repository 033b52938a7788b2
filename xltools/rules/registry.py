"""The one list of rules: every rule id the program reports, with one meaning each (docs/format.md §5.3).

Each rule is an object (xltools/rules/rule.py) defined beside what finds it: the rules of sums in
`sums`, S3 and S4 in `texts`, the soft rules in `soft`; the rules found while reading an input or in
another step (S1, S2, S5, F1, I1, I2, T3, X4, M1, U1) here, their findings made where they are found
(`I1.finding(…)`). The checker runs the list in this order (`checker.check`); README's rule table,
the 校验 sheet's legend and `xltools rules` are drawn from it. A new kind of finding is a new rule
in this list; tests/test_registry.py checks statically that no finding is made otherwise.
"""

from __future__ import annotations

from xltools import spec
from xltools.model import ERROR, WARNING
from xltools.rules.rule import (
    FILL,
    JSON,
    MERGE,
    NARRATIVE_FILE,
    PREVIOUS_DIR,
    PUBLISHED,
    ROUND,
    WORKBOOK,
    Replaces,
    Rule,
    Words,
)
from xltools.rules.soft import C1, C2, C3, C4, C5, C6, C7, T1, T2, X0, X3
from xltools.rules.sums import R3_1, R3_2, R3_3, R4_1, X1, X2, Arithmetic, SumRule
from xltools.rules.texts import S3, S4
from xltools.rules.values import S2

S1 = Rule(
    "S1",
    ERROR,
    "模板结构",
    "工作簿是本工具所出的模板（受支持的版本）：工作表、标签、输入单元格和总计公式都在原处；"
    "标签被改、总计公式被删或改成数值、输入单元格中填了公式都是错误；模板版本较旧时为提示。",
    WORKBOOK,
    also=WARNING,
    words={
        "old_version": Words("模板版本为 {version}，本程序按 {expected} 读取。建议用新版模板填写。"),
        "sheets_renamed": Words("工作表名称被改动或删除：缺少“{missing}”，多出“{extra}”。请恢复原来的工作表名称。"),
        "sheets_missing": Words("缺少工作表“{missing}”。请使用完整的模板，不要删除工作表。"),
        "formula_in_input": Words("{label}：输入单元格中是{what}“{formula}”。请删除公式，直接填写数字或文字。"),
        "names_lost": Words(
            "工作表“{sheet}”中找不到 {shown} 的单元格（名称 {name} 等已被删除或失效）。"
            "模板被改动过，请把数据复制到新生成的模板中。"
        ),
        "labels_moved": Words(
            "工作表“{sheet}”中 {shown} 旁边的标签与模板不符（插入或删除了行列，或改动了标签），"
            "程序无法确定这些数字属于哪一项。请撤销改动，或把数据复制到新生成的模板中。"
        ),
        "total_changed": Words(
            "{label}：总计的公式被改动（现为“{formula}”）。总计由模板公式自动计算，请恢复原公式或使用新模板。"
        ),
        "total_deleted": Words("{label}：总计的公式被删除了。请恢复原公式或使用新模板。"),
        "total_typed": Words(
            "{label}：总计的公式被改成了数值“{value}”。总计应由公式自动计算，请恢复公式或使用新模板，不要手工填写。"
        ),
    },
)
S5 = Rule(
    "S5",
    ERROR,
    "JSON 数据结构",
    "JSON 数据中的项目都是报告中的项目（拼写错误的项目不会被读入），形状正确（数字或文字处不能是对象或列表）。",
    JSON,
    words={
        "stray_key": Words("“{key}”不是报告数据中的项目（拼写错误？），其中的数据没有读入。请删除或改正它。"),
        "not_a_value": Words("“{key}”应是一个数字或文字，不能是{kind}。"),
        "not_an_object": Words("“{key}”应是一个对象 {{…}}，现为{kind}。"),
        "more": Words("另有 {more} 处同类问题未列出。请对照报告数据的格式说明（JSON Schema）检查这份数据。"),
    },
)
F1 = Rule(
    "F1",
    ERROR,
    "文字过长",
    "一部分文字超过 Excel 单元格的上限（32767 个字符），写入模板会被截断，因此不生成填报工作簿。",
    FILL,
    words={
        "too_long": Words(
            "{label}：共 {length} 个字符，超过 Excel 单元格的上限 {limit} 个字符，"
            "写入模板会被截断。请精简这部分文字后再生成填报文件。"
        )
    },
)
I1 = Rule(
    "I1",
    WARNING,
    "导入说明",
    "导入已发布的报告时程序的说明：某部分或某行没有找到、数字的读法有疑问、表格与格式不符等；导入的数据请人工核对。",
    PUBLISHED,
    words={
        "no_summary": Words(
            "{part}直接从（一）开始，（一）之前没有综述文字。格式不强制要求综述；如原报告另有综述段落，请核对是否漏印。"
        ),
        # how part 一 and the title were read (published/structure.py)
        "no_title": Words(
            "找不到报告标题（“××2024年政府信息公开工作年度报告”），无法确定机关名称和年度，请在导入结果中补上。"
        ),
        "no_sections": Words("{part}中没有找到（一）至（五）小标题，全部文字按综述读取。"),
        "section_by_heading": Words(
            "{part}的{numeral}“{heading}”按小标题的文字归入“{title}”（格式中为{expected}），与序号不一致，请核对。"
        ),
        "heading_unclear": Words("{numeral}的小标题无法与正文分开，已按默认小标题读取，请核对。"),
        # how the tables were read (published/tables.py)
        "no_number": Words("{part} “{row}”行“{column}”列没有数字（{shown}），按未填写处理。"),
        "printed_as": Words("印作“{text}”"),  # what a cell without a number shows (no_number's shown)
        "printed_blank": Words("空白"),
        "row_twice": Words("{part} “{row}”行出现了两次，只读取了第一次。"),
        "row_misprint": Words(
            "{part}中的行标签“{printed}”与格式中的“{label}”不完全一致（可能是原报告印错），已按“{label}”行读取，请核对。"
        ),
        "header_misprint": Words(
            "{part}的表头“{printed}”与格式中的“{label}”不完全一致（可能是原报告印错），已按“{label}”列读取，请核对。"
        ),
        "column_by_position": Words(
            "{part}的表头中找不到“{label}”列（可能印错），其余各列都按格式的顺序印出，这一列按所在位置读取，请核对。"
        ),
        "row_not_of_format": Words("{part}中的行“{labels}”不是格式中的行，已忽略。请核对原报告。"),
        "row_unknown": Words("{part}中的行“{labels}”无法识别，已忽略。请核对原报告。"),
        "rows_misaligned": Words(
            "{part}的每一列都不满足“本年新收 + 上年结转 = 办理结果总计 + 结转下年度”，"
            "读出的行与原表可能错位，请对照原报告逐行核对。"
        ),
        "fee_unreadable": Words(
            "“{part}”中的表格无法读取（找不到“通知收取件数”“实际收取金额”等列及其数字），信息处理费按未填写处理。"
        ),
        "fee_amounts": Words(
            "“{part}”表中通知收取金额为 {notified} 元，实际收取金额为 {collected} 元；"
            "信息处理费收取金额按实际收取的 {collected} 元读取，请核对。"
        ),
        "stray_table": Words(
            "{part}中有一个表格（如“{row}”一行），格式中这一部分没有表格，表中的数字未读取，只作为文字保留。请核对原报告。"
        ),
    },
    # the format asks for the five sub-sections; a 综述 before them is optional
    replaces=(Replaces(S4, "overview.summary", "no_summary", "no_summary", {"part": spec.PART_TITLES["overview"]}),),
)
I2 = Rule(
    "I2",
    WARNING,
    "未能读出",
    "导入已发布的报告时，表格中有数字未能可靠读出（找不到这一行、表头认不出这一列、数字个数与列数不符、"
    "读法与本行总计矛盾等）：这些数字不猜测、不按 0 计、不算作未填写，涉及它们的合计核对不做；请对照原报告核对。",
    PUBLISHED,
    words={
        "unread": Words(
            "未能读出：{why}。{shown}没有读取（不按 0 计，也不算未填写），相关的合计核对未做。请对照原报告核对。"
        ),
        "columns": Words("“{columns}”列"),  # what is not read of one row
        "rows": Words("{rows} 行共 {values} 个数字"),  # what is not read of several rows
        # Why a value is not read (the `why` of "unread"), as the table readers find it:
        "row_not_found": Words("{part}中找不到“{row}”行"),
        "short_row": Words("{part} “{row}”行印出的数字少于列数，无法确定缺的是哪一列"),
        "more_numbers": Words(
            "{part} “{row}”行印出 {printed} 个数字（{numbers}），多于表头中能认出的 {columns} 列，无法确定各数字属于哪一列"
        ),
        "fewer_numbers": Words("{part} “{row}”行只印出 {printed} 个数字，应为 {columns} 个，无法确定缺的是哪一列"),
        "column_not_found": Words("{part}的表头中找不到这一列，“{row}”行的这个数字无法确定位置"),
        "every_row_short": Words(
            "{part}的每一行都只印出 {printed} 个数字，应为 {columns} 个：表格的列与格式不符"
            "（例如只分“自然人”“法人或其他组织”两类），各数字属于哪一列无法确定"
        ),
        "no_header_above": Words("{part} “{row}”行之上找不到表头（{columns}），各数字属于哪一列无法确定"),
        "requests_header": Words("{part}的表头中认不全“自然人”“商业企业”至“总计”各列，各数字属于哪一列无法确定"),
        "total_misplaced": Words(
            "{part}按表头读出的“总计”列与每一行各列之和都不符，而“{column}”列"
            "恰与其余各列之和相符：表头与数字可能错位，表三的数字不予读取"
        ),
        "appeals_count": Words(
            "{part}的数字行印出 {printed} 个数字，应为 {need} 个"
            "（行政复议、未经复议直接起诉、复议后起诉各 {columns} 个），各数字属于哪一格无法确定"
        ),
        "appeals_header": Words(
            "{part}的表头中认不全“结果维持”至“总计”各列，按格式的顺序读出的“{group}”各数与总计不符，读法无法确认"
        ),
    },
)
T3 = Rule(
    "T3",
    WARNING,
    "文字稿的信息处理费",
    "另附的文字稿中写的信息处理费金额与填报文件中的一致（报告中的这句话按填报文件中的数字生成）。",
    NARRATIVE_FILE,
    words={
        "differs": Words(
            "文字稿 {file} 中写的信息处理费 {stated} 元与模板中填写的 {in_book} 元不一致。"
            "报告中的这句话按模板中的数字生成，请核对后改正其中一处。"
        )
    },
)
X4 = Rule(
    "X4",
    WARNING,
    "未找到上年报告",
    "上年报告文件夹中没有找到本机关上一年度的报告（或找到不止一份），未做与上年的核对。",
    PREVIOUS_DIR,
    words={
        "several": Words(
            "上年报告文件夹中有 {count} 份可能是本机关 {year} 年度的报告（{files}），无法确定用哪一份，未做同比核对。"
        ),
        "none": Words(
            "上年报告文件夹中没有找到“{agency}”{year} 年度的报告，未做同比核对（上年结转、现行有效、文字雷同等）。"
        ),
    },
)
M1 = Rule(
    "M1",
    WARNING,
    "汇总核对",
    "上级报告中的数字与各单位报告之和（本级口径时为本级单位的数字）不一致，统计口径可能不同。",
    MERGE,
    words={
        "differs": Words("{label}：上级报告为 {mine}，{basis}（相差 {diff}）。统计口径可能不同，请核实。"),
        "self": Words("本级单位（{unit}）为 {theirs}"),  # the basis of a field summed at the parent's own level
        "units": Words("各单位合计为 {theirs}"),  # … summed over the units
    },
)
U1 = Rule(
    "U1",
    ERROR,
    "不是本单位本年度的报告",
    "年度收集中上传的报告，机关全称（忽略空格和全角半角）应与单位名单中的本单位一致，年度应为本轮收集的年度；"
    "不一致的报告仍然保存并检查，但记为错误，写明报告中的名称或年度。",
    ROUND,
    words={
        "agency": Words(
            "上传的报告机关全称是“{agency}”，不是本单位“{unit}”。请上传本单位的报告，或在“基本信息”中改正机关全称。"
        ),
        "no_agency": Words("上传的报告没有填写机关全称，本单位是“{unit}”。请在“基本信息”中填写机关全称后再上传。"),
        "year": Words(
            "上传的报告是{found} 年度的，本次收集的是 {year} 年度的报告。请上传 {year} 年度的报告，或在“基本信息”中改正年度。"
        ),
        "no_year": Words("上传的报告没有填写年度，本次收集的是 {year} 年度的报告。请在“基本信息”中填写年度后再上传。"),
    },
)

# In this order the checker runs them, `xltools rules` and README list them.
_RULES = (
    S1,
    S2,
    S3,
    S4,
    S5,
    R3_1,
    R3_2,
    R3_3,
    R4_1,
    F1,
    I1,
    I2,
    T1,
    T2,
    T3,
    C1,
    C2,
    C4,
    C5,
    C6,
    C7,
    X0,
    X1,
    X2,
    X3,
    C3,  # with X0 and X3: the rules that read last year's report, run last
    X4,
    M1,
    U1,
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
assert len(RULES) == len(_RULES), "a rule id is listed twice"


# Every relation of the rules of sums, in the list's order (the 校验 sheet's lines, the checker's order).
SUM_RULES: tuple[SumRule, ...] = tuple(s for r in _RULES if isinstance(r, Arithmetic) for s in r.relations)
HARD_SUM_RULES = tuple(s for s in SUM_RULES if s.severity == ERROR)
SOFT_SUM_RULES = tuple(s for s in SUM_RULES if s.severity == WARNING)


def rule(rule_id: str) -> Rule:
    """The rule of an id; KeyError for an id that is not registered."""
    return RULES[rule_id]


def markdown_table() -> str:
    """The README's rule table (docs and README are tested against this)."""
    lines = ["| 规则 | 级别 | 名称 | 检查什么 | 适用于 |", "|---|---|---|---|---|"]
    lines += [f"| {r.id} | {r.level} | {r.title} | {r.description} | {r.applies} |" for r in _RULES]
    return "\n".join(lines)


__all__ = [
    "C1",
    "C2",
    "C3",
    "C4",
    "C5",
    "C6",
    "F1",
    "HARD_SUM_RULES",
    "I1",
    "I2",
    "M1",
    "R3_1",
    "R3_2",
    "R3_3",
    "R4_1",
    "RULES",
    "S1",
    "S2",
    "S3",
    "S4",
    "S5",
    "SOFT_SUM_RULES",
    "SUM_RULES",
    "T1",
    "T2",
    "T3",
    "U1",
    "X0",
    "X1",
    "X2",
    "X3",
    "X4",
    "Rule",
    "markdown_table",
    "rule",
]
