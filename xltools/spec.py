"""The report spec: every field, table, label and input kind of the annual report, declared once.

This module is the single source of truth (docs/format.md §2). The template writer, the reader, the
checker, the renderers, the importer and the JSON form all derive what they need from it; no
other module spells a label or an id by hand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import Enum

FORMAT_ID = "xltools.report/1"
TEMPLATE_VERSION = "2021.1"  # format edition 2021 (国办公开办函〔2021〕30号), template revision 1
FORMAT_BASIS = "国办公开办函〔2021〕30号"


class Kind(Enum):
    """How a field is typed, validated and rendered."""

    COUNT = "count"  # whole number >= 0
    DECIMAL = "decimal"  # decimal >= 0, travels as a string in JSON
    YEAR = "year"  # the report year
    TEXT = "text"  # one line of text
    NARRATIVE = "narrative"  # several paragraphs
    CHOICE = "choice"  # one of a fixed set (agency.level)
    DATE = "date"  # YYYY-MM-DD
    MONTHDAY = "monthday"  # MM-DD

    @functools.cached_property
    def numeric(self) -> bool:  # cached: asked for every field of every report checked
        return self in (Kind.COUNT, Kind.DECIMAL, Kind.YEAR)


@dataclass(frozen=True)
class Field:
    """One value of the report, addressed by its id path (docs/format.md §2)."""

    path: str
    kind: Kind
    label: str  # how a clerk names it in a message: "三、依申请公开 （七）总计行 自然人列"
    required: bool = False
    computed: bool = False  # a total: a locked formula in the template, never typed
    default: object = None  # what a fresh template holds
    prompt: str = ""  # the hint shown to staff; a text equal to it is a placeholder (S3)

    @functools.cached_property
    def name(self) -> str:
        """The workbook-level defined name of the field's cell (docs/format.md §4)."""
        return self.path.replace(".", "_")

    @functools.cached_property
    def group(self) -> str:
        """The top-level id, used to group S2 checks: proactive, requests, appeals, …"""
        return self.path.split(".", 1)[0]


@dataclass(frozen=True)
class Column:
    id: str
    label: str


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    section: str | None = None  # the merged group label a result row sits under, e.g. （三）不予公开
    computed: bool = False


@dataclass(frozen=True)
class Table:
    id: str
    part: str  # the part title it belongs to
    sheet: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]

    def row(self, row_id: str) -> Row:
        return next(r for r in self.rows if r.id == row_id)

    def column(self, col_id: str) -> Column:
        return next(c for c in self.columns if c.id == col_id)


# ---------------------------------------------------------------------------------------------
# Parts, sheets, preamble

TITLE = "{name}{year}年政府信息公开工作年度报告"
PREAMBLE = (
    "根据《中华人民共和国政府信息公开条例》规定，现发布《{title}》。报告由总体情况、主动公开政府信息情况、"
    "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
    "其他需要报告的事项六部分组成，报告所列数据的统计期限为{year}年1月1日至12月31日。"
)

PARTS = (
    ("overview", "一、总体情况"),
    ("proactive", "二、主动公开政府信息情况"),
    ("requests", "三、收到和处理政府信息公开申请情况"),
    ("appeals", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other", "六、其他需要报告的事项"),
)
PART_TITLES = dict(PARTS)

SHEET_GUIDE = "填表说明"
SHEET_BASIC = "基本信息"
SHEET_OVERVIEW = "一、总体情况"
SHEET_PROACTIVE = "二、主动公开"
SHEET_REQUESTS = "三、依申请公开"
SHEET_APPEALS = "四、复议诉讼"
SHEET_PROBLEMS = "五、问题及改进"
SHEET_OTHER = "六、其他事项"
SHEET_CHECKS = "校验"
SHEET_META = "_meta"
SHEETS = (
    SHEET_GUIDE,
    SHEET_BASIC,
    SHEET_OVERVIEW,
    SHEET_PROACTIVE,
    SHEET_REQUESTS,
    SHEET_APPEALS,
    SHEET_PROBLEMS,
    SHEET_OTHER,
    SHEET_CHECKS,
)

# ---------------------------------------------------------------------------------------------
# Agency

LEVELS = {
    "government": "县级以上地方人民政府",
    "department": "县级以上人民政府部门",
    "township": "乡镇人民政府、街道办事处",
}
# Default publication deadline by level and its basis (docs/format.md §2, 条例第四十九条).
DEADLINES = {
    "government": ("03-31", "《政府信息公开条例》第四十九条"),
    "department": ("01-31", "《政府信息公开条例》第四十九条"),
    "township": ("01-31", "地方通行做法（条例对乡镇、街道未规定期限）"),
}

YEAR_MIN, YEAR_MAX = 2021, 2099  # the 2021 format applies to reports on 2021 and later
MAX_NUMBER = 10**12  # no count or amount in this report comes near; more is a typing slip

# ---------------------------------------------------------------------------------------------
# Narrative

# (id, default heading, what the paragraph covers) for part 一's five sub-sections.
OVERVIEW_SECTIONS = (
    ("proactive", "主动公开", "主动公开政府信息的做法和数量"),
    ("on_request", "依申请公开", "办理依申请公开的情况；留空则按表三自动生成"),
    ("management", "政府信息管理", "政府信息管理的制度和做法"),
    ("platform", "平台建设", "政府网站、政务新媒体等公开平台建设"),
    ("oversight", "监督保障", "监督保障；各级人民政府还应写工作考核、社会评议和责任追究结果情况"),
)
OVERVIEW_NUMERALS = ("（一）", "（二）", "（三）", "（四）", "（五）")

# ---------------------------------------------------------------------------------------------
# Table 二: 主动公开政府信息情况

DOCUMENT_ROWS = ("regulations", "normative_documents")  # 规章, 行政规范性文件: issued, repealed, in force
PROACTIVE_BLOCKS = (
    # (article, header of the value columns, row ids)
    ("第二十条第（一）项", None, DOCUMENT_ROWS),
    ("第二十条第（五）项", "本年处理决定数量", ("licensing",)),
    ("第二十条第（六）项", "本年处理决定数量", ("penalty", "coercion")),
    ("第二十条第（八）项", "本年收费金额（单位：万元）", ("fees",)),
)
PROACTIVE_ITEM_HEADER = "信息内容"
PROACTIVE = Table(
    id="proactive",
    part=PART_TITLES["proactive"],
    sheet=SHEET_PROACTIVE,
    rows=(
        Row("regulations", "规章"),
        Row("normative_documents", "行政规范性文件"),
        Row("licensing", "行政许可"),
        Row("penalty", "行政处罚"),
        Row("coercion", "行政强制"),
        Row("fees", "行政事业性收费"),
    ),
    columns=(
        Column("issued", "本年制发件数"),
        Column("repealed", "本年废止件数"),
        Column("in_force", "现行有效件数"),
        Column("decisions", "本年处理决定数量"),
        Column("amount_wan", "本年收费金额（单位：万元）"),
    ),
)
PROACTIVE_CELLS = {  # row id -> its columns
    **{row_id: ("issued", "repealed", "in_force") for row_id in DOCUMENT_ROWS},
    "licensing": ("decisions",),
    "penalty": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount_wan",),
}

# ---------------------------------------------------------------------------------------------
# Table 三: 收到和处理政府信息公开申请情况

REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUESTS_APPLICANTS = "申请人情况"
REQUESTS_ORGS = "法人或其他组织"
REQUESTS_RESULTS = "三、本年度办理结果"

_REFUSED = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_NOT_PROCESSED = "（五）不予处理"
_OTHER = "（六）其他处理"

REQUESTS = Table(
    id="requests",
    part=PART_TITLES["requests"],
    sheet=SHEET_REQUESTS,
    rows=(
        Row("new", "一、本年新收政府信息公开申请数量"),
        Row("carried_in", "二、上年结转政府信息公开申请数量"),
        Row("granted", "（一）予以公开", REQUESTS_RESULTS),
        Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", REQUESTS_RESULTS),
        Row("refused.state_secret", "1.属于国家秘密", _REFUSED),
        Row("refused.prohibited", "2.其他法律行政法规禁止公开", _REFUSED),
        Row("refused.safety", "3.危及“三安全一稳定”", _REFUSED),
        Row("refused.third_party", "4.保护第三方合法权益", _REFUSED),
        Row("refused.internal", "5.属于三类内部事务信息", _REFUSED),
        Row("refused.process", "6.属于四类过程性信息", _REFUSED),
        Row("refused.enforcement_file", "7.属于行政执法案卷", _REFUSED),
        Row("refused.query", "8.属于行政查询事项", _REFUSED),
        Row("unavailable.not_held", "1.本机关不掌握相关政府信息", _UNAVAILABLE),
        Row("unavailable.needs_creation", "2.没有现成信息需要另行制作", _UNAVAILABLE),
        Row("unavailable.unclear", "3.补正后申请内容仍不明确", _UNAVAILABLE),
        Row("not_processed.petition", "1.信访举报投诉类申请", _NOT_PROCESSED),
        Row("not_processed.duplicate", "2.重复申请", _NOT_PROCESSED),
        Row("not_processed.publication", "3.要求提供公开出版物", _NOT_PROCESSED),
        Row("not_processed.excessive", "4.无正当理由大量反复申请", _NOT_PROCESSED),
        Row("not_processed.confirmation", "5.要求行政机关确认或重新出具已获取信息", _NOT_PROCESSED),
        Row(
            "other.no_correction",
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            _OTHER,
        ),
        Row(
            "other.no_fee",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            _OTHER,
        ),
        Row("other.other", "3.其他", _OTHER),
        Row("results_total", "（七）总计", REQUESTS_RESULTS, computed=True),
        Row("carried_over", "四、结转下年度继续办理"),
    ),
    columns=(
        Column("natural", "自然人"),
        Column("business", "商业企业"),
        Column("research", "科研机构"),
        Column("nonprofit", "社会公益组织"),
        Column("legal", "法律服务机构"),
        Column("other", "其他"),
        Column("total", "总计"),
    ),
)
REQUEST_RESULT_ROWS = tuple(r.id for r in REQUESTS.rows[2:23])  # the 21 result rows
REQUEST_SECTIONS = (_REFUSED, _UNAVAILABLE, _NOT_PROCESSED, _OTHER)
APPLICANT_COLUMNS = tuple(c.id for c in REQUESTS.columns if c.id != "total")


# ---------------------------------------------------------------------------------------------
# Carries: which of this year's figures follow which of last year's (docs/format.md §5 X1, X2)


@dataclass(frozen=True)
class Carry:
    """`this` = `last` (last year's figure) + sum(`plus`) − sum(`minus`), all of this year but `last`.

    `typed` is the 上年数据 cell where staff type last year's figure (`template --previous` and a
    check against last year's report fill it from `last`). With `prefill`, next year's template
    also starts `this` at last year's figure (上年结转 = 上年的结转下年度, editable).
    """

    rule: str  # "X1" or "X2": the warning when it does not hold
    where: str  # the column (X1) or row (X2) id
    last: str  # last year's field
    typed: str  # this year's previous.* field holding it
    this: str
    plus: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()
    prefill: bool = False
    label: str = ""  # the typed field's label (基本信息 上年数据)
    prompt: str = ""


CARRIES: tuple[Carry, ...] = (
    *(
        Carry(
            "X1",
            col.id,
            last=f"requests.carried_over.{col.id}",
            typed=f"previous.carried_over.{col.id}",
            this=f"requests.carried_in.{col.id}",
            prefill=True,
            label=f"上年数据 结转下年度继续办理 {col.label}",
            prompt="上年报告表三第四项；不填则不做此项核对",
        )
        for col in REQUESTS.columns
        if col.id in APPLICANT_COLUMNS
    ),
    *(
        Carry(
            "X2",
            row_id,
            last=f"proactive.{row_id}.in_force",
            typed=f"previous.in_force.{row_id}",
            this=f"proactive.{row_id}.in_force",
            plus=(f"proactive.{row_id}.issued",),
            minus=(f"proactive.{row_id}.repealed",),
            label=f"上年数据 {PROACTIVE.row(row_id).label}现行有效件数",
            prompt="上年报告表二；不填则不做此项核对",
        )
        for row_id in DOCUMENT_ROWS
    ),
)
CARRY_INTO = {c.this: c for c in CARRIES}  # by the field it checks

# ---------------------------------------------------------------------------------------------
# Table 四: 政府信息公开行政复议、行政诉讼情况

APPEALS_REVIEW = "行政复议"
APPEALS_SUIT = "行政诉讼"
APPEALS = Table(
    id="appeals",
    part=PART_TITLES["appeals"],
    sheet=SHEET_APPEALS,
    rows=(
        Row("review", "行政复议"),
        Row("suit_direct", "未经复议直接起诉"),
        Row("suit_after_review", "复议后起诉"),
    ),
    columns=(
        Column("upheld", "结果维持"),
        Column("corrected", "结果纠正"),
        Column("other", "其他结果"),
        Column("pending", "尚未审结"),
        Column("total", "总计"),
    ),
)
APPEAL_PARTS = tuple(c.id for c in APPEALS.columns if c.id != "total")

TABLES = (PROACTIVE, REQUESTS, APPEALS)
TABLES_BY_ID = {t.id: t for t in TABLES}

# ---------------------------------------------------------------------------------------------
# 信息处理费 (part 六) and last year's figures

FEE_COUNT_LABEL = "信息处理费收取件数（件）"
FEE_AMOUNT_LABEL = "信息处理费收取金额（元）"


def _table_fields() -> list[Field]:
    fields: list[Field] = []
    for row_id, cols in PROACTIVE_CELLS.items():
        row = PROACTIVE.row(row_id)
        for col_id in cols:
            col = PROACTIVE.column(col_id)
            kind = Kind.DECIMAL if col_id == "amount_wan" else Kind.COUNT
            fields.append(
                Field(
                    f"proactive.{row_id}.{col_id}",
                    kind,
                    f"{SHEET_PROACTIVE} {row.label}行 {col.label}列",
                    default=0,
                )
            )
    for row in REQUESTS.rows:
        for col in REQUESTS.columns:
            computed = row.computed or col.id == "total"
            fields.append(
                Field(
                    f"requests.{row.id}.{col.id}",
                    Kind.COUNT,
                    f"{SHEET_REQUESTS} {row.label}行 {col.label}列",
                    computed=computed,
                    default=None if computed else 0,
                )
            )
    for row in APPEALS.rows:
        for col in APPEALS.columns:
            computed = col.id == "total"
            fields.append(
                Field(
                    f"appeals.{row.id}.{col.id}",
                    Kind.COUNT,
                    f"{SHEET_APPEALS} {row.label} {col.label}",
                    computed=computed,
                    default=None if computed else 0,
                )
            )
    return fields


def _fields() -> list[Field]:
    fields = [
        Field("agency.name", Kind.TEXT, "机关全称", required=True, prompt="例如：平凉市崆峒区索罗乡人民政府"),
        Field("agency.self", Kind.TEXT, "自称", prompt="生成句子时对本机关的称呼，例如：我乡、我局、本机关"),
        Field("agency.level", Kind.CHOICE, "机关类型", prompt="决定发布期限和是否须报告考核评议情况"),
        Field("agency.deadline", Kind.MONTHDAY, "发布期限（月-日）", prompt="可不填；填写则代替默认期限，格式如 01-31"),
        Field("year", Kind.YEAR, "年度", required=True, prompt="报告所述年度，例如 2024"),
        Field("publish_date", Kind.DATE, "发布日期", prompt="可不填，格式如 2025-01-20"),
        Field("contact", Kind.TEXT, "联系方式", prompt="可不填：地址、邮编、电话、邮箱"),
        Field(
            "overview.summary",
            Kind.NARRATIVE,
            "一、总体情况 综述",
            required=True,
            prompt="概述本年度政府信息公开工作的总体情况",
        ),
    ]
    for (sec_id, heading, what), numeral in zip(OVERVIEW_SECTIONS, OVERVIEW_NUMERALS, strict=True):
        fields.append(
            Field(
                f"overview.headings.{sec_id}",
                Kind.TEXT,
                f"一、总体情况 {numeral}小标题",
                default=heading,
            )
        )
        fields.append(
            Field(
                f"overview.{sec_id}",
                Kind.NARRATIVE,
                f"一、总体情况 {numeral}{heading}",
                required=sec_id != "on_request",
                prompt=what,
            )
        )
    fields += _table_fields()
    fields += [
        Field(
            "problems",
            Kind.NARRATIVE,
            "五、存在的主要问题及改进情况",
            required=True,
            prompt="存在的主要问题和改进措施，可写上年度问题整改情况",
        ),
        Field("processing_fee.count", Kind.COUNT, FEE_COUNT_LABEL, prompt="不清楚件数可留空"),
        Field("processing_fee.amount_yuan", Kind.DECIMAL, FEE_AMOUNT_LABEL, default=0, prompt="未收取填 0"),
        Field(
            "other_matters",
            Kind.NARRATIVE,
            "六、其他需要报告的事项",
            prompt="信息处理费之外需要报告的事项，例如落实政务公开工作要点情况",
        ),
    ]
    fields += [Field(c.typed, Kind.COUNT, c.label, prompt=c.prompt) for c in CARRIES]
    return fields


FIELDS: dict[str, Field] = {f.path: f for f in _fields()}
INPUT_FIELDS = tuple(f for f in FIELDS.values() if not f.computed)
REQUIRED_FIELDS = tuple(f for f in FIELDS.values() if f.required)
# The numeric inputs in groups (one S2 check each), with the short name the 校验 sheet gives each group.
NUMERIC_GROUPS = {
    "year": "年度",
    "proactive": "表二",
    "requests": "表三",
    "appeals": "表四",
    "processing_fee": "信息处理费",
    "previous": "上年数据",
}

# Values whose blank means "not given" rather than 0 (docs/format.md §2, §3).
OPTIONAL_NUMBERS = frozenset(p for p in FIELDS if p.startswith("previous.") or p == "processing_fee.count")


def split_path(path: str) -> tuple[str, str, str] | None:
    """Split a table path into (table, row, column); None for a path outside the tables.

    Row ids may hold a dot, but the list of rows is known, so a path reads unambiguously.
    """
    table_id, _, rest = path.partition(".")
    table = TABLES_BY_ID.get(table_id)
    if table is None:
        return None
    row_id, _, col_id = rest.rpartition(".")
    if not any(r.id == row_id for r in table.rows):
        return None
    return table_id, row_id, col_id


@dataclass(frozen=True)
class Placeholder:
    """Tokens that mean a text was never finished (S3)."""

    tokens: tuple[str, ...] = ("XX", "ＸＸ", "××", "○○", "待补充", "待填写", "此处填写", "TODO")
    only: tuple[str, ...] = ("……", "…", "...", "。。。")
    extra: tuple[str, ...] = field(default_factory=tuple)


PLACEHOLDERS = Placeholder()
