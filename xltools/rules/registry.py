"""Every rule id the program reports, with one meaning each (docs/format.md §5.3).

A Finding's `rule` is always one of these ids (the tests check every finding they see). The README's
rule table, the 校验 sheet's rule column and `xltools rules` are drawn from this list; a test fails
when README and this list differ. A new kind of finding gets a new id here first.
"""

from __future__ import annotations

from xltools.model import ERROR, WARNING
from xltools.rules.rule import (
    FILL,
    FILLED,
    JSON,
    MERGE,
    NARRATIVE_FILE,
    PREVIOUS_DIR,
    PUBLISHED,
    ROUND,
    WITH_PREVIOUS,
    WORKBOOK,
    Rule,
)
from xltools.rules.soft import C1, C2, C3, C4, C5, C6, T1, T2, X0, X3

S1 = Rule(
    "S1",
    ERROR,
    "模板结构",
    "工作簿是本工具所出的模板（受支持的版本）：工作表、标签、输入单元格和总计公式都在原处；"
    "标签被改、总计公式被删或改成数值、输入单元格中填了公式都是错误；模板版本较旧时为提示。",
    WORKBOOK,
    also=WARNING,
)
S2 = Rule(
    "S2",
    ERROR,
    "数字有效",
    "件数是不小于 0 的整数，金额是不小于 0 的数，年度合理；以文本形式输入的数字和错误值（#N/A 等）是错误；"
    "表格中留空的数字单元格按 0 计并提示。",
    FILLED,
    also=WARNING,
)
S3 = Rule(
    "S3",
    ERROR,
    "没有占位符",
    "文字中不能留有“XX”“××”“待补充”“TODO”之类的占位符，也不能只有“……”或与模板提示语相同。",
    FILLED,
)
S4 = Rule(
    "S4",
    ERROR,
    "必填项已填写",
    "机关全称、年度、总体情况各部分和第五部分（存在的主要问题及改进情况）不能为空（国办公开办函〔2021〕30号）。",
    FILLED,
)
S5 = Rule(
    "S5",
    ERROR,
    "JSON 数据结构",
    "JSON 数据中的项目都是报告中的项目（拼写错误的项目不会被读入），形状正确（数字或文字处不能是对象或列表）。",
    JSON,
)
R3_1 = Rule("R3.1", ERROR, "表三行总计", "表三每一行：总计 = 自然人 + 法人或其他组织五列之和。", FILLED)
R3_2 = Rule("R3.2", ERROR, "表三办理结果总计", "表三每一列：（七）总计 = （一）至（六）各项办理结果之和。", FILLED)
R3_3 = Rule(
    "R3.3",
    ERROR,
    "表三结转关系",
    "表三每一列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理。",
    FILLED,
)
R4_1 = Rule("R4.1", ERROR, "表四总计", "表四每一组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。", FILLED)
F1 = Rule(
    "F1",
    ERROR,
    "文字过长",
    "一部分文字超过 Excel 单元格的上限（32767 个字符），写入模板会被截断，因此不生成填报工作簿。",
    FILL,
)
I1 = Rule(
    "I1",
    WARNING,
    "导入说明",
    "导入已发布的报告时程序的说明：某部分或某行没有找到、数字的读法有疑问、表格与格式不符等；导入的数据请人工核对。",
    PUBLISHED,
)
I2 = Rule(
    "I2",
    WARNING,
    "未能读出",
    "导入已发布的报告时，表格中有数字未能可靠读出（找不到这一行、表头认不出这一列、数字个数与列数不符、"
    "读法与本行总计矛盾等）：这些数字不猜测、不按 0 计、不算作未填写，涉及它们的合计核对不做；请对照原报告核对。",
    PUBLISHED,
)
T3 = Rule(
    "T3",
    WARNING,
    "文字稿的信息处理费",
    "另附的文字稿中写的信息处理费金额与填报文件中的一致（报告中的这句话按填报文件中的数字生成）。",
    NARRATIVE_FILE,
)
X1 = Rule(
    "X1",
    WARNING,
    "上年结转",
    "表三每一列：本年的“上年结转”= 上年的“结转下年度继续办理”。",
    WITH_PREVIOUS,
)
X2 = Rule(
    "X2",
    WARNING,
    "现行有效件数",
    "规章和行政规范性文件：现行有效 = 上年现行有效 + 本年制发 － 本年废止（做过清理的请在文字中说明）。",
    WITH_PREVIOUS,
)
X4 = Rule(
    "X4",
    WARNING,
    "未找到上年报告",
    "上年报告文件夹中没有找到本机关上一年度的报告（或找到不止一份），未做与上年的核对。",
    PREVIOUS_DIR,
)
M1 = Rule(
    "M1",
    WARNING,
    "汇总核对",
    "上级报告中的数字与各单位报告之和（本级口径时为本级单位的数字）不一致，统计口径可能不同。",
    MERGE,
)
U1 = Rule(
    "U1",
    ERROR,
    "不是本单位本年度的报告",
    "年度收集中上传的报告，机关全称（忽略空格和全角半角）应与单位名单中的本单位一致，年度应为本轮收集的年度；"
    "不一致的报告仍然保存并检查，但记为错误，写明报告中的名称或年度。",
    ROUND,
)

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
    C3,
    C4,
    C5,
    C6,
    X0,
    X1,
    X2,
    X3,
    X4,
    M1,
    U1,
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
assert len(RULES) == len(_RULES), "a rule id is listed twice"


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
