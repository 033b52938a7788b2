"""Soft rules a reviewer raises by reading (docs/format.md §5): T1, T2, C1–C6, and with last year's
report X0 (the agency's name), X3 and C3. Each is a Rule with its check; the checker runs them in the
order of the one list (xltools/rules/registry.py). Warnings only: each has legitimate exceptions, so
each message says what was seen, where, and what to check.

Pure functions over normalised reports; no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace

from xltools import spec
from xltools.model import WARNING, CheckResult, Finding, Report, Source
from xltools.rules.rule import FILLED, PREVIOUS_REPORT, Context, Rule, Words
from xltools.rules.textnums import METRICS, Claim, claims, sentences
from xltools.spec import APPEALS_REVIEW, APPEALS_SUIT, CARRY_INTO, DOCUMENT_ROWS, FIELDS, PROACTIVE, REQUESTS, Kind
from xltools.text import FULL_PUNCTUATION, fold, format_number, full_punctuation, half_punctuation

NARRATIVES = tuple(f.path for f in FIELDS.values() if f.kind is Kind.NARRATIVE)
SHINGLE = 13  # characters per shingle for C3 (docs/format.md §5)
COPY_SHARE = 0.5  # C3 warns above this share
THIN_PROBLEMS = 30  # C4: fewer characters than this say nothing
ACCOUNTABILITY_WORDS = ("考核", "评议", "考评", "责任追究", "追责", "问责")
FEE_BASIS = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


def _last(c: Context) -> Report:
    """Last year's report, which a rule that applies only with it (Scope.previous) is given."""
    assert c.previous is not None
    return c.previous


def _warn(rule: Rule, path: str | None, message: str, report: Report, **kw) -> Finding:
    return rule.finding(path, message, cell=report.cells.get(path) if path else None, **kw)


def quote(sentence: str, fragment: str = "", limit: int = 70) -> str:
    """The sentence, cut around the fragment when it is long."""
    s = sentence.strip()
    if len(s) <= limit:
        return s
    at = s.find(fragment) if fragment else 0
    at = max(at, 0)
    start = max(0, min(at - limit // 3, len(s) - limit))
    cut = s[start : start + limit]
    return ("…" if start else "") + cut + ("…" if start + limit < len(s) else "")


# --- T1: figures in the text against the tables -------------------------------------------------

T1 = Rule(
    "T1",
    WARNING,
    "文字与表格数字一致",
    "正文中的数字与表格一致：收到/受理、上年结转、办结、予以公开、结转下年度、行政复议、行政诉讼、"
    "现行有效/制发/废止文件、信息处理费；句中有范围词（如“市本级”）时注明把握较低；"
    "讲结果的句子（如“未发生被行政复议纠错或行政诉讼败诉情形”）不是件数，不比对。",
    FILLED,
    check=lambda c: t1_findings(c.report),
)

_REQ = "requests"
_SECTION_ROWS = {
    section: tuple(r.id for r in spec.REQUESTS.rows if r.section == section) for section in spec.REQUEST_SECTIONS
}
_SECTION_OF = dict(
    zip(("refused", "unavailable", "not_processed", "other_handled"), spec.REQUEST_SECTIONS, strict=True)
)


def _req_total(row: str) -> str:
    return f"{_REQ}.{row}.total"


def _candidates(claim: Claim) -> list[tuple[str, tuple[str, ...]]]:
    """What a claim may be compared with: (how to name it, the fields summed)."""
    m, d = claim.metric, claim.detail
    new, carried_in = _req_total("new"), _req_total("carried_in")
    suits = ("appeals.suit_direct.total", "appeals.suit_after_review.total")
    if m == "received":
        return [("", (new,)), ("本年新收加上年结转", (new, carried_in))]
    if m == "received_part" and d:
        columns = tuple(c for c in spec.APPLICANT_COLUMNS if c != "natural") if d == "orgs" else (d,)
        who = "法人或其他组织五列之和" if d == "orgs" else f"{spec.REQUESTS.column(d).label}列"
        return [
            (f"{spec.SHEET_REQUESTS} 本年新收 {who}", tuple(f"{_REQ}.new.{c}" for c in columns)),
            (f"本年新收加上年结转 {who}", tuple(f"{_REQ}.{r}.{c}" for r in ("new", "carried_in") for c in columns)),
        ]
    if m == "handled":
        return [("", (new,)), ("本年新收加上年结转", (new, carried_in)), ("", (_req_total("results_total"),))]
    simple = {
        "carried_in": carried_in,
        "answered": _req_total("results_total"),
        "carried_over": _req_total("carried_over"),
        "granted": _req_total("granted"),
        "partial": _req_total("partial"),
        "review": "appeals.review.total",
        "fee_yuan": "processing_fee.amount_yuan",
        "fee_count": "processing_fee.count",
    }
    if m in simple:
        return [("", (simple[m],))]
    if m in _SECTION_OF:
        section = _SECTION_OF[m]
        return [
            (f"{spec.SHEET_REQUESTS} {section}各项之和（总计列）", tuple(_req_total(r) for r in _SECTION_ROWS[section]))
        ]
    if m == "suit":
        return [("未经复议直接起诉总计 + 复议后起诉总计", suits)]
    if m == "review_suit":
        return [("行政复议总计 + 两类行政诉讼总计", ("appeals.review.total", *suits))]
    if m == "appeal_part" and d:
        group, column = d.split(".")
        label = spec.APPEALS.column(column).label
        if group == "review":
            return [("", (f"appeals.review.{column}",))]
        return [
            (f"行政诉讼两类的{label}之和", (f"appeals.suit_direct.{column}", f"appeals.suit_after_review.{column}"))
        ]
    if m in ("in_force", "issued", "repealed"):
        column = {"in_force": "in_force", "issued": "issued", "repealed": "repealed"}[m]
        rows = (d,) if d else DOCUMENT_ROWS
        out: list[tuple[str, tuple[str, ...]]] = [("", (f"proactive.{r}.{column}",)) for r in rows]
        if not d:
            out.append(("规章与行政规范性文件之和", tuple(f"proactive.{r}.{column}" for r in rows)))
        return out
    return []


def _agrees(claim: Claim, actual) -> bool:
    if claim.approx == "at_least":
        return actual >= claim.value
    if claim.approx == "about":
        return abs(actual - claim.value) <= max(1, claim.value / 10)
    return actual == claim.value


_OTHER_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_LAST_YEAR_WORDS = re.compile(r"(?:去年|上一?年度?|前一年)(?!度?结转|度?遗留)")


def _about_other_year(claim: Claim, year: int | None) -> bool:
    """A statement about another year ("2023年受理申请20件", "上年度受理…") is not about these tables.

    The year that governs a claim is the last one named before it in the sentence."""
    before = unicodedata.normalize("NFKC", claim.sentence[: claim.start])
    clause = re.split(r"[，,；;]", before)[-1]
    if claim.metric != "carried_in" and _LAST_YEAR_WORDS.search(clause):
        return True
    years = [int(y) for y in _OTHER_YEAR.findall(before)]
    return bool(years) and year is not None and years[-1] < year


def t1_findings(report: Report) -> list[Finding]:
    out: list[Finding] = []
    for path in NARRATIVES:
        text = report.text(path)
        if not text:
            continue
        for claim in claims(text):
            if _about_other_year(claim, report.year):
                continue
            finding = _t1_compare(report, path, claim)
            if finding is not None:
                out.append(finding)
    return out


def _t1_compare(report: Report, path: str, claim: Claim) -> Finding | None:
    options = []
    for label, paths in _candidates(claim):
        values = [v for p in paths if (v := report.values.get(p)) is not None]
        if len(values) < len(paths):
            continue  # not stated (processing_fee.count) or unreadable: nothing to compare
        actual = sum(values)
        if _agrees(claim, actual):
            return None
        options.append((label, paths, actual))
    if not options:
        return None
    label, paths, actual = options[0]
    name = label or FIELDS[paths[0]].label
    cells = "、".join(c for c in (report.cells.get(p) for p in paths) if c)
    where = f"（{cells}）" if cells and len(paths) <= 3 else ""
    also = ""
    others = [(lb, ps, v) for lb, ps, v in options[1:] if v != actual]
    if others:
        also = "；" + "；".join(f"{lb or FIELDS[ps[0]].label}为 {format_number(v)}" for lb, ps, v in others)
    unit = "元" if claim.metric == "fee_yuan" else "件"
    said = {"at_least": "至少", "about": "约"}.get(claim.approx or "", "")
    scope = ""
    if claim.scope:
        scope = (
            f"句中有“{claim.scope}”，文字说的可能是另一统计范围（例如只含本级或包含下属单位），这条提示的把握较低；"
            f"如确是不同口径，请在文字中写明口径。"
        )
    message = (
        f"{FIELDS[path].label}：文字“{quote(claim.sentence, claim.fragment)}”说{METRICS[claim.metric]}{said} "
        f"{format_number(claim.value)} {unit}，但表格中“{name}”为 {format_number(actual)}{where}{also}。{scope}"
        f"请核对文字和表格，改正有误的一方。"
    )
    return _warn(T1, path, message, report, expected=actual, actual=claim.value)


# --- T2: the year in title, period and text agree ----------------------------------------------

T2 = Rule(
    "T2",
    WARNING,
    "年份一致",
    "正文中的年份（段首年份、统计期限、报告标题）与报告年度一致；发布日期不早于年度结束。",
    FILLED,
    check=lambda c: t2_findings(c.report, c.source.texts if c.source is not None else None),
)

_PERIOD = re.compile(r"(\d{4})\s*年\s*1\s*月\s*1\s*日\s*(?:至|到|—|-|～|~)\s*(?:(\d{4})\s*年\s*)?12\s*月\s*31\s*日")
_TITLE_YEAR = re.compile(r"(\d{4})\s*年度?政府信息公开(?:工作)?年度报告")
_LEAD_YEAR = re.compile(
    r"^[（(]?[一二三四五六七八九十]?[）)]?\s*(?:[^，。]{0,12}?。)?\s*(\d{4})\s*年(?!以来|来)(?:度)?[，,]?"
)
_REVIEWING_LAST_YEAR = re.compile(r"整改|上年|上一年|去年|指出|反映|提出的问题")


def t2_findings(report: Report, extra: dict[str, str] | None = None) -> list[Finding]:
    """`extra`: text a published report prints outside the fields (the paragraphs around its
    tables), by where it stands; its findings name that place (`where`), having no field."""
    year = report.year
    if year is None:
        return []
    out: list[Finding] = []
    texts: list[tuple[str | None, str, str]] = [
        (p, FIELDS[p].label, report.text(p)) for p in (*NARRATIVES, "contact") if report.text(p)
    ]
    texts += [(None, place, text) for place, text in (extra or {}).items() if text]
    for path, label, text in texts:
        where: dict[str, str] = {"where": label} if path is None else {}
        norm = unicodedata.normalize("NFKC", text)
        for m in _PERIOD.finditer(norm):
            years = {int(y) for y in m.groups() if y}
            if years != {year}:
                out.append(
                    _warn(
                        T2,
                        path,
                        f"{label}：文字中的统计期限“{m.group(0)}”与报告年度 {year} 年不符。"
                        f"统计期限应为{year}年1月1日至12月31日，请改正（多半是沿用了往年的文字）。",
                        report,
                        expected=year,
                        actual=min(years),
                        **where,
                    )
                )
        for m in _TITLE_YEAR.finditer(norm):
            y = int(m.group(1))
            sentence = _sentence_at(norm, m.start())
            if y == year or (y < year and _REVIEWING_LAST_YEAR.search(sentence)):
                continue
            out.append(
                _warn(
                    T2,
                    path,
                    f"{label}：文字提到“{m.group(0)}”，与本报告年度 {year} 年不符（“{quote(sentence, m.group(0))}”）。"
                    f"请核对年份。",
                    report,
                    expected=year,
                    actual=y,
                    **where,
                )
            )
        if path is None or path.startswith("overview."):
            for para in norm.split("\n"):
                lead = _LEAD_YEAR.match(para.strip())
                if lead and int(lead.group(1)) not in (year, year + 1):
                    y = int(lead.group(1))
                    out.append(
                        _warn(
                            T2,
                            path,
                            f"{label}：段落以“{y}年”开头（“{quote(para, lead.group(0))}”），但本报告是 {year} 年度的。"
                            f"这一段像是沿用了往年的文字，请改为 {year} 年的情况。",
                            report,
                            expected=year,
                            actual=y,
                            **where,
                        )
                    )
    published = report.values.get("publish_date")
    if isinstance(published, str) and published[:4].isdigit() and published < f"{year + 1}-01-01":
        out.append(
            _warn(
                T2,
                "publish_date",
                f"{FIELDS['publish_date'].label}：{published} 早于统计期限结束（{year}年12月31日）。"
                f"{year} 年度报告应在 {year + 1} 年发布，请核对年度或发布日期。",
                report,
                expected=f"{year + 1}",
                actual=published,
            )
        )
    return out


def _sentence_at(text: str, at: int) -> str:
    start = max(text.rfind(ch, 0, at) for ch in "。！？\n") + 1
    ends = [i for i in (text.find(ch, at) for ch in "。！？\n") if i >= 0]
    return text[start : (min(ends) + 1 if ends else len(text))]


# --- C1: part 六 states the 信息处理费 ----------------------------------------------------------

C1 = Rule(
    "C1",
    WARNING,
    "信息处理费",
    "第六部分写明信息处理费：金额已填，件数与金额不矛盾。",
    FILLED,
    check=lambda c: c1_findings(c.report, c.source),
    words={
        "no_count": Words(
            "{count}为 0，但{amount}为 {yuan} 元。请填写实际收费件数，不清楚件数可留空（{basis}）。",
            published="{count}为 0，但{amount}为 {yuan} 元。两者矛盾，请对照原报告核对这两个数字（{basis}）。",
        )
    },
)


def c1_findings(report: Report, source: Source | None) -> list[Finding]:
    out: list[Finding] = []
    amount_path, count_path = "processing_fee.amount_yuan", "processing_fee.count"
    if (
        source is not None
        and source.kind == "xlsx"
        and amount_path not in source.values
        and amount_path in source.cells
    ):
        out.append(
            _warn(
                C1,
                amount_path,
                f"{FIELDS[amount_path].label}：未填写。第六部分须说明是否收取以及收取多少信息处理费（{FEE_BASIS}），"
                f"空白将按 0 生成“没有收取信息处理费”的说明。确未收取请填 0，收取了请填金额。",
                report,
            )
        )
    count, amount = report.values.get(count_path), report.values.get(amount_path)
    if count and amount is not None and amount == 0:
        out.append(
            _warn(
                C1,
                amount_path,
                f"{FIELDS[amount_path].label}为 0，但{FIELDS[count_path].label}为 {count}。收取了信息处理费就应有金额，"
                f"未收取则件数应为 0 或留空；请核对两个数字（{FEE_BASIS}）。",
                report,
                actual=format_number(amount),
            )
        )
    elif count == 0 and amount:
        out.append(
            _warn(
                C1,
                count_path,
                C1.say(
                    "no_count",
                    published=source is not None and source.published,
                    count=FIELDS[count_path].label,
                    amount=FIELDS[amount_path].label,
                    yuan=format_number(amount),
                    basis=FEE_BASIS,
                ),
                report,
                actual=count,
            )
        )
    return out


# --- C6: part 六's own text denies the fee the fee cells state -----------------------------------

C6 = Rule(
    "C6",
    WARNING,
    "第六部分与收费数字矛盾",
    "第六部分自己写的文字说没有收取信息处理费，但信息处理费一栏填了金额或件数（报告会前后矛盾）。",
    FILLED,
    check=lambda c: c6_findings(c.report),
)

_FEE_DENIED = re.compile(
    r"(没有|未|无|不|均未|并未|从未)(收取|收|产生|发生|涉及)[^。；;！!\n]{0,12}?(信息处理费|信息公开处理费|处理费|费用)"
    r"|(无|不涉及|未涉及)(信息处理费|信息公开处理费|处理费|收费)"
)


def c6_findings(report: Report) -> list[Finding]:
    """The clerk's part 六 says no fee was collected while the fee cells state one: the report
    would print the generated "共收取信息处理费…" beside the clerk's denial."""
    amount, count = report.values.get("processing_fee.amount_yuan"), report.values.get("processing_fee.count")
    if not amount and not count:
        return []
    text = report.text("other_matters")
    m = _FEE_DENIED.search(text)
    if not m:
        return []
    stated = f"{format_number(amount)} 元" if amount else f"{count} 件"
    return [
        _warn(
            C6,
            "other_matters",
            f"{FIELDS['other_matters'].label}写有“{quote(_sentence_at(text, m.start()), m.group(0))}”，"
            f"但信息处理费一栏填的是 {stated}；报告会在同一部分先写“共收取信息处理费”，前后矛盾。"
            f"请核对：确实收取了就删去这句话，未收取就把信息处理费改为 0（{FEE_BASIS}）。",
            report,
            actual=m.group(0),
        )
    ]


# --- C7: half-width punctuation in the Chinese text ----------------------------------------------

C7 = Rule(
    "C7",
    WARNING,
    "半角标点",
    "各部分文字中，紧挨汉字的逗号、分号、冒号、问号、叹号或括号是半角的（如“2024 年,索罗乡”）：公文应使用全角标点。"
    "生成报告时可以选择把它们改为全角，不会自动改。",
    FILLED,
    check=lambda c: c7_findings(c.report),
)


def c7_findings(report: Report) -> list[Finding]:
    """One warning for the whole text: how many half-width marks, in which parts, the first place."""
    places = [(p, half_punctuation(report.text(p))) for p in NARRATIVES]
    places = [(p, at) for p, at in places if at]
    if not places:
        return []
    first, at = places[0]
    text = report.text(first)
    start = max(0, at[0] - 8)
    seen = text[start : at[0] + 6].replace("\n", " ")
    parts = "、".join(f"{FIELDS[p].label} {len(a)} 处" for p, a in places)
    marks = "".join(sorted({report.text(p)[i] for p, a in places for i in a}, key=list(FULL_PUNCTUATION).index))
    fixed = "".join(FULL_PUNCTUATION[m] for m in marks)
    cells = tuple(c for c in (report.cells.get(p) for p, _ in places) if c)
    return [
        C7.finding(
            first,
            f"正文中有 {sum(len(a) for _, a in places)} 处紧挨汉字的半角标点（{marks}），公文应使用全角（{fixed}）："
            f"{parts}；第一处在{FIELDS[first].label}“{'…' if start else ''}{seen}…”。"
            f"请改为全角标点；生成报告时也可以选择自动改为全角（只改生成的报告，不改原文件）。",
            cells=cells,
            actual=seen,
        )
    ]


def half_punctuation_count(report: Report) -> int:
    """How many half-width marks beside Chinese the staff text holds (C7's count; what `build` says
    it fixed or could fix)."""
    return sum(len(half_punctuation(report.text(p))) for p in NARRATIVES)


def with_full_punctuation(result: CheckResult) -> CheckResult:
    """The check result with its staff text's half-width punctuation (C7) made full-width: what a
    built report prints when asked to fix it. A new result; the one given, and its input, unchanged."""
    values = dict(result.report.values)
    for path in NARRATIVES:
        if isinstance(values.get(path), str):
            values[path] = full_punctuation(values[path])
    return replace(result, report=replace(result.report, values=values))


# --- C2: published by the deadline ---------------------------------------------------------------

C2 = Rule(
    "C2",
    WARNING,
    "发布期限",
    "发布日期不晚于发布期限（基本信息中的期限，或按机关类型：条例第四十九条；乡镇、街道按地方通行做法）。",
    FILLED,
    check=lambda c: c2_findings(c.report),
)


def infer_level(name: str) -> str | None:
    """The agency level a name suggests, when staff left 机关类型 blank."""
    if re.search(r"(?:乡|镇)人民政府$|街道办事处$", name):
        return "township"
    if name.endswith("人民政府"):
        return "government"
    if name:
        return "department"
    return None


def deadline(report: Report) -> tuple[dt.date, str] | None:
    """The publication deadline of the report and its basis, or None when the year is unknown."""
    year = report.year
    if year is None:
        return None
    own = report.values.get("agency.deadline")
    level = report.values.get("agency.level")
    guessed = ""
    if own:
        monthday, basis = own, f"本机关填写的{FIELDS['agency.deadline'].label}"
    else:
        if level is None:
            level = infer_level(report.name)
            if level is None:
                return None
            guessed = f"（机关类型未填，按机关名称视为{spec.LEVELS[level]}）"
        monthday, law = spec.DEADLINES[level]
        basis = f"{spec.LEVELS[level]}，依据{law}{guessed}"
    month, day = (int(x) for x in monthday.split("-"))
    try:
        return dt.date(year + 1, month, day), basis
    except ValueError:  # 02-29 in a common year
        return dt.date(year + 1, month, 28), basis


def c2_findings(report: Report) -> list[Finding]:
    published = report.values.get("publish_date")
    due = deadline(report)
    if not published or due is None:
        return []
    try:
        date = dt.date.fromisoformat(published)
    except ValueError:
        return []
    limit, basis = due
    if date <= limit:
        return []
    late = (date - limit).days
    return [
        _warn(
            C2,
            "publish_date",
            f"{FIELDS['publish_date'].label} {date.isoformat()} 晚于发布期限 {limit.isoformat()}（{basis}），"
            f"逾期 {late} 天。请核对发布日期；如经批准延期，请在第六部分说明。",
            report,
            expected=limit.isoformat(),
            actual=date.isoformat(),
        )
    ]


# --- C4: part 五 too thin ------------------------------------------------------------------------

C4 = Rule(
    "C4",
    WARNING,
    "第五部分过短",
    "第五部分（存在的主要问题及改进情况）只有“无”或不足 30 字。",
    FILLED,
    check=lambda c: c4_findings(c.report),
)

_EMPTY_WORDS = {"无", "暂无", "没有", "无问题", "暂无问题", "不存在问题", "无。", "暂无。"}


def _content_chars(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def c4_findings(report: Report) -> list[Finding]:
    text = report.text("problems").strip()
    if not text:
        return []  # S4 reports it as an error
    content = _content_chars(text)
    label = FIELDS["problems"].label
    if text.rstrip("。.") in _EMPTY_WORDS or content in _EMPTY_WORDS:
        what = f"只写了“{text}”"
    elif len(content) < THIN_PROBLEMS:
        what = f"只有 {len(content)} 个字（“{quote(text)}”）"
    else:
        return []
    return [
        _warn(
            C4,
            "problems",
            f"{label}：{what}，说不清问题和改进措施。请写明本年工作存在的主要问题和下一步改进措施"
            f"（国办公开办函〔2021〕30号要求的第五部分），可分“一是、二是”几点。",
            report,
            actual=len(content),
        )
    ]


# --- C5: 工作考核、社会评议和责任追究结果 (条例第五十条第四项) ---------------------------------

C5 = Rule(
    "C5",
    WARNING,
    "考核评议追责",
    "人民政府（含乡镇、街道）的报告提到工作考核、社会评议和责任追究结果（条例第五十条第四项）。",
    FILLED,
    check=lambda c: c5_findings(c.report),
)


def c5_findings(report: Report) -> list[Finding]:
    level = report.values.get("agency.level") or infer_level(report.name)
    if level not in ("government", "township"):
        return []
    staff = "".join(report.text(p) for p in NARRATIVES)
    if not staff.strip() or any(w in staff for w in ACCOUNTABILITY_WORDS):
        return []
    return [
        _warn(
            C5,
            "overview.oversight",
            f"{FIELDS['overview.oversight'].label}：报告没有提到工作考核、社会评议和责任追究结果情况。"
            f"《政府信息公开条例》第五十条第（四）项要求各级人民政府（含乡镇、街道）报告这一内容，"
            f"请在监督保障部分写明（例如是否纳入绩效考核、社会评议结果、有无责任追究）。",
            report,
        )
    ]


# --- with last year's report: agency name, X3, C3 -----------------------------------------------


def _in_force(row: str) -> str:
    return PROACTIVE.row(row).label + PROACTIVE.column("in_force").label


# A change smaller than this (in 件) never needs explaining, however large its percentage.
X3_MIN_CHANGE = 3
X3_FIGURES = (
    # (name, fields summed, words that show the text discusses it)
    (REQUESTS.row("new").label.removeprefix("一、"), ("requests.new.total",), ("申请",)),
    (f"{APPEALS_REVIEW}总计", ("appeals.review.total",), ("复议",)),
    (
        f"{APPEALS_SUIT}总计（直接起诉与复议后起诉）",
        ("appeals.suit_direct.total", "appeals.suit_after_review.total"),
        ("诉讼",),
    ),
    (_in_force("regulations"), ("proactive.regulations.in_force",), ("规章", "清理")),
    (_in_force("normative_documents"), ("proactive.normative_documents.in_force",), ("规范性文件", "清理")),
    (f"{PROACTIVE.row('fees').label}金额（万元）", ("proactive.fees.amount_wan",), ("收费",)),
)

X0 = Rule(
    "X0",
    WARNING,
    "机关名称与上年不同",
    "机关全称与上年报告不同：机关更名的可忽略，否则请确认对照的上年报告是本机关的。",
    PREVIOUS_REPORT,
    check=lambda c: name_findings(c.report, _last(c)),
    last_year=("agency.name",),
)
X3 = Rule(
    "X3",
    WARNING,
    "关键数字大幅变化",
    "本年新收申请、行政复议、行政诉讼、现行有效件数或行政事业性收费比上年变化超过一半（或由 0 变为非 0），"
    "正文应有说明；相差不到 3（如 0→2、1→0）的不提示。",
    PREVIOUS_REPORT,
    check=lambda c: x3_findings(c.report, _last(c)),
    last_year=tuple(p for _, paths, _ in X3_FIGURES for p in paths),
)
C3 = Rule(
    "C3",
    WARNING,
    "与上年文字雷同",
    "本年正文中被上年正文里连续 13 个字覆盖的部分超过一半（程序生成的句子不计）。",
    PREVIOUS_REPORT,
    check=lambda c: c3_findings(c.report, _last(c)),
    last_year=NARRATIVES,
)


def name_findings(report: Report, previous: Report) -> list[Finding]:
    if not previous.name or not report.name or fold(previous.name) == fold(report.name):
        return []
    return [
        _warn(
            X0,
            "agency.name",
            f"{FIELDS['agency.name'].label}与上年报告不同：本年“{report.name}”，上年“{previous.name}”。"
            f"机关更名的可忽略；否则请确认用作对照的上年报告是本机关的。",
            report,
            expected=previous.name,
            actual=report.name,
        )
    ]


_CHANGE_WORDS = re.compile(r"增加|减少|增长|下降|上升|回落|同比|较上年|比上年|较去年|比去年|翻番|大幅|清理|原因")


def _explained(report: Report, words: Iterable[str]) -> bool:

    for path in NARRATIVES:
        for s in sentences(report.text(path)):
            if any(w in s for w in words) and _CHANGE_WORDS.search(s):
                return True
    return False


def x3_findings(report: Report, previous: Report) -> list[Finding]:
    out: list[Finding] = []
    for name, paths, words in X3_FIGURES:
        now = [v for p in paths if (v := report.values.get(p)) is not None]
        before = [v for p in paths if (v := previous.values.get(p)) is not None]
        if len(now + before) < 2 * len(paths):
            continue
        new, old = sum(now), sum(before)
        if abs(new - old) < X3_MIN_CHANGE:
            continue  # 0→2, 1→0: too small a change to need an explanation
        if old == 0:
            if new == 0:
                continue
            change = f"由上年的 0 变为 {format_number(new)}"
        elif abs(new - old) * 2 > old:
            pct = round(abs(new - old) * 100 / old)
            change = f"上年 {format_number(old)}，本年 {format_number(new)}，{'增加' if new > old else '减少'} {pct}%"
        else:
            continue
        if _explained(report, words):
            continue
        out.append(
            _warn(
                X3,
                paths[0],
                f"{name}：{change}，变化超过一半。数字无误的，请在文字中说明变化的原因（例如机构调整、集中清理、"
                f"个别申请人大量申请）；否则请核对。",
                report,
                expected=old,
                actual=new,
            )
        )
    return out


def _staff_text(report: Report, path: str) -> str:
    text = unicodedata.normalize("NFKC", report.text(path))
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\d+", "#", text)  # a copied sentence with this year's figures is still copied


def copied_share(report: Report, previous: Report) -> tuple[float, dict[str, float]]:
    """C3: the share of this year's staff text covered by 13-character shingles of last year's."""
    seen: set[str] = set()
    for path in NARRATIVES:
        old = _staff_text(previous, path)
        seen.update(old[i : i + SHINGLE] for i in range(len(old) - SHINGLE + 1))
    total = covered = 0
    per_field: dict[str, float] = {}
    for path in NARRATIVES:
        text = _staff_text(report, path)
        if not text:
            continue
        hit = [False] * len(text)
        for i in range(len(text) - SHINGLE + 1):
            if text[i : i + SHINGLE] in seen:
                for j in range(i, i + SHINGLE):
                    hit[j] = True
        n = sum(hit)
        total += len(text)
        covered += n
        per_field[path] = n / len(text)
    return (covered / total if total else 0.0), per_field


def c3_findings(report: Report, previous: Report) -> list[Finding]:
    share, per_field = copied_share(report, previous)
    if share <= COPY_SHARE:
        return []
    worst = sorted(((v, p) for p, v in per_field.items() if v > COPY_SHARE), reverse=True)
    parts = "、".join(f"{FIELDS[p].label} {round(v * 100)}%" for v, p in worst[:5])
    return [
        _warn(
            C3,
            worst[0][1] if worst else None,
            f"本年报告的文字有 {round(share * 100)}% 与上年报告相同（按连续 {SHINGLE} 个字比对，不计程序生成的句子）"
            f"{'，其中 ' + parts if parts else ''}。像是沿用了上年的文字，请按本年的实际工作改写。",
            report,
            actual=round(share * 100),
        )
    ]


# --- naming last year's cells in X1/X2 ------------------------------------------------------------


def name_previous_cells(
    findings: list[Finding], previous: Report | None, report: Report | None = None
) -> list[Finding]:
    """X1 and X2 name both cells: this year's (the finding's cell) and the one last year's figure
    came from: last year's report with `--previous`, else the 上年数据 cell staff typed it into."""
    out = []
    for f in findings:
        carry = CARRY_INTO.get(f.field) if f.field else None
        if carry is not None and f.rule == carry.rule:
            if previous is not None:
                cell = previous.cells.get(carry.last)
                where = f"对照的是上年报告 {FIELDS[carry.last].label}" + (f"（{cell}）" if cell else "")
                ours = report.cells.get(carry.typed) if report is not None else None
                f = replace(f, cells=tuple(c for c in f.cells if c != ours))
            else:
                cell = report.cells.get(carry.typed) if report is not None else None
                if not cell:
                    out.append(f)
                    continue
                where = f"上年数据取自 {cell}（{FIELDS[carry.typed].label}），抄录有误的请改正"
            f = replace(f, message=f"{f.message}{where}。")
        out.append(f)
    return out


__all__ = [
    "copied_share",
    "deadline",
    "half_punctuation_count",
    "infer_level",
    "name_previous_cells",
    "quote",
    "with_full_punctuation",
]
