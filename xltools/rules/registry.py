"""Every rule id the program reports, with one meaning each (docs/format.md §5.3).

A Finding's `rule` is always one of these ids (the tests check every finding they see). The README's
rule table, the 校验 sheet's rule column and `xltools rules` are drawn from this list; a test fails
when README and this list differ. A new kind of finding gets a new id here first.
"""

from __future__ import annotations

from dataclasses import dataclass

from xltools.model import ERROR, WARNING

# Where a rule applies (`Rule.applies`), in the words staff know.
FILLED = "填报工作簿和 JSON 数据"
WORKBOOK = "填报工作簿"
JSON = "JSON 数据"
PUBLISHED = "导入的已发布报告（Word、网页、文本、PDF）"
WITH_PREVIOUS = "与上年报告或“基本信息”中的上年数据对照"
PREVIOUS_REPORT = "与上年报告对照"
PREVIOUS_DIR = "按上年报告文件夹逐一配对时"
FILL = "由 JSON 数据生成填报工作簿时"
NARRATIVE_FILE = "生成报告时另附文字稿"
MERGE = "汇总下级单位的报告时"
ROUND = "年度收集中单位上传的报告"


@dataclass(frozen=True)
class Rule:
    """One rule: `severity` is what its findings are (under `strict` every warning becomes an error);
    `also` is the other severity some of its findings carry (e.g. S2's blank cell is a warning)."""

    id: str
    severity: str
    title: str  # a few words, for tables and the 校验 sheet
    description: str  # what it checks, in a sentence or two
    applies: str  # which inputs or steps it applies to
    also: str | None = None

    @property
    def severities(self) -> tuple[str, ...]:
        return (self.severity,) if self.also is None else (self.severity, self.also)

    @property
    def level(self) -> str:
        """The severity in words: 错误 (blocks the report) or 提示 (shown, never blocks)."""
        words = {ERROR: "错误", WARNING: "提示"}
        return words[self.severity] + (f"（部分为{words[self.also]}）" if self.also else "")


_RULES = (
    Rule(
        "S1",
        ERROR,
        "模板结构",
        "工作簿是本工具所出的模板（受支持的版本）：工作表、标签、输入单元格和总计公式都在原处；"
        "标签被改、总计公式被删或改成数值、输入单元格中填了公式都是错误；模板版本较旧时为提示。",
        WORKBOOK,
        also=WARNING,
    ),
    Rule(
        "S2",
        ERROR,
        "数字有效",
        "件数是不小于 0 的整数，金额是不小于 0 的数，年度合理；以文本形式输入的数字和错误值（#N/A 等）是错误；"
        "表格中留空的数字单元格按 0 计并提示。",
        FILLED,
        also=WARNING,
    ),
    Rule(
        "S3",
        ERROR,
        "没有占位符",
        "文字中不能留有“XX”“××”“待补充”“TODO”之类的占位符，也不能只有“……”或与模板提示语相同。",
        FILLED,
    ),
    Rule(
        "S4",
        ERROR,
        "必填项已填写",
        "机关全称、年度、总体情况各部分和第五部分（存在的主要问题及改进情况）不能为空（国办公开办函〔2021〕30号）。",
        FILLED,
    ),
    Rule(
        "S5",
        ERROR,
        "JSON 数据结构",
        "JSON 数据中的项目都是报告中的项目（拼写错误的项目不会被读入），形状正确（数字或文字处不能是对象或列表）。",
        JSON,
    ),
    Rule("R3.1", ERROR, "表三行总计", "表三每一行：总计 = 自然人 + 法人或其他组织五列之和。", FILLED),
    Rule("R3.2", ERROR, "表三办理结果总计", "表三每一列：（七）总计 = （一）至（六）各项办理结果之和。", FILLED),
    Rule(
        "R3.3",
        ERROR,
        "表三结转关系",
        "表三每一列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理。",
        FILLED,
    ),
    Rule("R4.1", ERROR, "表四总计", "表四每一组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。", FILLED),
    Rule(
        "F1",
        ERROR,
        "文字过长",
        "一部分文字超过 Excel 单元格的上限（32767 个字符），写入模板会被截断，因此不生成填报工作簿。",
        FILL,
    ),
    Rule(
        "I1",
        WARNING,
        "导入说明",
        "导入已发布的报告时程序的说明：某部分或某行没有找到、数字的读法有疑问、表格与格式不符等；导入的数据请人工核对。",
        PUBLISHED,
    ),
    Rule(
        "I2",
        WARNING,
        "未能读出",
        "导入已发布的报告时，表格中有数字未能可靠读出（找不到这一行、表头认不出这一列、数字个数与列数不符、"
        "读法与本行总计矛盾等）：这些数字不猜测、不按 0 计、不算作未填写，涉及它们的合计核对不做；请对照原报告核对。",
        PUBLISHED,
    ),
    Rule(
        "T1",
        WARNING,
        "文字与表格数字一致",
        "正文中的数字与表格一致：收到/受理、上年结转、办结、予以公开、结转下年度、行政复议、行政诉讼、"
        "现行有效/制发/废止文件、信息处理费；句中有范围词（如“市本级”）时注明把握较低；"
        "讲结果的句子（如“未发生被行政复议纠错或行政诉讼败诉情形”）不是件数，不比对。",
        FILLED,
    ),
    Rule(
        "T2",
        WARNING,
        "年份一致",
        "正文中的年份（段首年份、统计期限、报告标题）与报告年度一致；发布日期不早于年度结束。",
        FILLED,
    ),
    Rule(
        "T3",
        WARNING,
        "文字稿的信息处理费",
        "另附的文字稿中写的信息处理费金额与填报文件中的一致（报告中的这句话按填报文件中的数字生成）。",
        NARRATIVE_FILE,
    ),
    Rule("C1", WARNING, "信息处理费", "第六部分写明信息处理费：金额已填，件数与金额不矛盾。", FILLED),
    Rule(
        "C2",
        WARNING,
        "发布期限",
        "发布日期不晚于发布期限（基本信息中的期限，或按机关类型：条例第四十九条；乡镇、街道按地方通行做法）。",
        FILLED,
    ),
    Rule(
        "C3",
        WARNING,
        "与上年文字雷同",
        "本年正文中被上年正文里连续 13 个字覆盖的部分超过一半（程序生成的句子不计）。",
        PREVIOUS_REPORT,
    ),
    Rule("C4", WARNING, "第五部分过短", "第五部分（存在的主要问题及改进情况）只有“无”或不足 30 字。", FILLED),
    Rule(
        "C5",
        WARNING,
        "考核评议追责",
        "人民政府（含乡镇、街道）的报告提到工作考核、社会评议和责任追究结果（条例第五十条第四项）。",
        FILLED,
    ),
    Rule(
        "C6",
        WARNING,
        "第六部分与收费数字矛盾",
        "第六部分自己写的文字说没有收取信息处理费，但信息处理费一栏填了金额或件数（报告会前后矛盾）。",
        FILLED,
    ),
    Rule(
        "X0",
        WARNING,
        "机关名称与上年不同",
        "机关全称与上年报告不同：机关更名的可忽略，否则请确认对照的上年报告是本机关的。",
        PREVIOUS_REPORT,
    ),
    Rule(
        "X1",
        WARNING,
        "上年结转",
        "表三每一列：本年的“上年结转”= 上年的“结转下年度继续办理”。",
        WITH_PREVIOUS,
    ),
    Rule(
        "X2",
        WARNING,
        "现行有效件数",
        "规章和行政规范性文件：现行有效 = 上年现行有效 + 本年制发 － 本年废止（做过清理的请在文字中说明）。",
        WITH_PREVIOUS,
    ),
    Rule(
        "X3",
        WARNING,
        "关键数字大幅变化",
        "本年新收申请、行政复议、行政诉讼、现行有效件数或行政事业性收费比上年变化超过一半（或由 0 变为非 0），"
        "正文应有说明；相差不到 3（如 0→2、1→0）的不提示。",
        PREVIOUS_REPORT,
    ),
    Rule(
        "X4",
        WARNING,
        "未找到上年报告",
        "上年报告文件夹中没有找到本机关上一年度的报告（或找到不止一份），未做与上年的核对。",
        PREVIOUS_DIR,
    ),
    Rule(
        "M1",
        WARNING,
        "汇总核对",
        "上级报告中的数字与各单位报告之和（本级口径时为本级单位的数字）不一致，统计口径可能不同。",
        MERGE,
    ),
    Rule(
        "U1",
        ERROR,
        "不是本单位本年度的报告",
        "年度收集中上传的报告，机关全称（忽略空格和全角半角）应与单位名单中的本单位一致，年度应为本轮收集的年度；"
        "不一致的报告仍然保存并检查，但记为错误，写明报告中的名称或年度。",
        ROUND,
    ),
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


__all__ = ["RULES", "Rule", "markdown_table", "rule"]
