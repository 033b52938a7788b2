"""Reading the figures a narrative states, the way offices write them (docs/format.md §5, T1).

Numbers come as Arabic digits (3119, 3,119, 3，119), full-width digits (３１１９), Chinese numerals
(十二, 一百零三, 两千) or with 万 (3.94万元). A claim is a number bound to what it counts by the
words around it: "受理政府信息公开申请3119件", "另有103件顺延到下年度答复", "行政复议351件，其中结果
维持72件". This module only reads; comparing claims with the tables is `soft`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# --- numbers ------------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG)

ARABIC = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER = rf"(?:(?:{ARABIC})万?|[{CN_CHARS}]+)"


def chinese_to_int(text: str) -> int | None:
    """十二 → 12, 一百零三 → 103, 两千 → 2000, 三千一百一十九 → 3119, 二〇二四 → 2024."""
    if not text or any(ch not in CN_CHARS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):  # positional: 二〇二四
        return int("".join(str(_CN_DIGITS[ch]) for ch in text)) if len(text) > 1 or text in _CN_DIGITS else None
    total = section = 0
    digit: int | None = None
    last_unit = 10**4  # units fall within a section: 三千一百一十九, never 十十
    for ch in text:
        if ch in _CN_DIGITS:
            if digit:  # 三四 inside a numeral with units (零 may precede a digit: 一百零三)
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            if _CN_UNITS[ch] >= last_unit:
                return None
            last_unit = _CN_UNITS[ch]
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            section += digit or 0
            if section == 0:
                return None
            total += section * _CN_BIG[ch]
            section, digit, last_unit = 0, None, 10**4
    return total + section + (digit or 0)


def read_number(text: str) -> int | Decimal | None:
    """A number as an office writes it; None when it is not one."""
    text = text.translate(_FULLWIDTH).strip()
    if not text:
        return None
    scale = 1
    if text.endswith("万") and re.fullmatch(rf"(?:{ARABIC})万", text):
        text, scale = text[:-1], 10**4
    if re.fullmatch(ARABIC, text):
        try:
            value = Decimal(text.replace(",", "").replace("，", "")) * scale
        except InvalidOperation:
            return None
        return int(value) if value == value.to_integral_value() else value.normalize()
    return chinese_to_int(text)


# --- sentences ----------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")


def sentences(text: str) -> list[str]:
    """Split on 。！？ and line breaks; each piece keeps its end mark, blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def _mask(sentence: str) -> str:
    """The sentence with years, dates, ordinals and percentages blanked out (same length), so
    "2024年受理申请12件" reads 12, never 2024. Full-width digits become ASCII, one for one."""
    s = sentence.translate(_FULLWIDTH)

    def blank(m: re.Match) -> str:
        return re.sub(r"[\d〇零一二三四五六七八九十]", "Y", m.group(0))

    s = re.sub(r"\d{4}\s*年|[〇零一二三四五六七八九]{4}年", blank, s)
    s = re.sub(
        r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月份?|第\s*\d+|\d+(?:\.\d+)?\s*[%％]|\d+(?:\.\d+)?\s*个?百分点",
        blank,
        s,
    )
    return s


# --- claims -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One figure a sentence states.

    metric: what it counts (see METRICS); value: the number; sentence: the whole sentence, for
    quoting; fragment: the words matched; detail: a refinement (the document kind of
    现行有效/制发/废止, or "group.column" of an appeal result); approx: None, "at_least" (N余件,
    超过N件) or "about" (约N件); scope: a scope word found in the sentence (区政府办, 市本级, …).
    """

    metric: str
    value: int | Decimal
    sentence: str
    fragment: str
    start: int
    detail: str | None = None
    approx: str | None = None
    scope: str | None = None


METRICS = {
    "received": "收到/受理申请",
    "received_part": "按申请人统计的申请",
    "carried_in": "上年结转申请",
    "answered": "办结/答复申请",
    "handled": "办理申请",
    "carried_over": "结转下年度申请",
    "granted": "予以公开",
    "partial": "部分公开",
    "refused": "不予公开",
    "unavailable": "无法提供",
    "not_processed": "不予处理",
    "other_handled": "其他处理",
    "review": "行政复议",
    "suit": "行政诉讼",
    "review_suit": "行政复议和行政诉讼",
    "appeal_part": "复议诉讼结果",
    "in_force": "现行有效文件",
    "issued": "制发文件",
    "repealed": "废止文件",
    "fee_yuan": "信息处理费金额",
    "fee_count": "信息处理费件数",
}

SCOPE_WORDS = (
    "区政府办", "市政府办", "县政府办", "政府办公室", "政府办", "市本级", "区本级", "县本级", "机关本级", "本级",
    "全市", "全区", "全县", "全省", "各部门", "各单位", "各县区", "各县（市、区）", "各乡镇", "各地",
)  # fmt: skip

_COUNT_UNIT = r"(?:件次|件|起|宗|例)"
_BREAK = "，。；！？,;!?\n、"
# Between a keyword and its number: no digits, no clause break; a whole parenthesis may sit there.


def _gap(n: int) -> str:
    return rf"(?:[^\d{_BREAK}（）()]|（[^）\d]{{0,24}}）|\([^)\d]{{0,24}}\)){{0,{n}}}?"


_APPROX_BEFORE = re.compile(r"(?:约|大约|近|将近|超过|逾|多达)$")
_EXCLUDED = re.compile(r"许可|审批|政务服务|热线|信访|来信|来访|投诉|咨询|留言|建议|提案|诉求|工单|办件|12345")
_DELTA = re.compile(r"增加|减少|增长|下降|上升|同比|较上年|比上年|较去年|比去年|环比|多出|少了")
_DOC_KINDS = (("规章", "regulations"), ("规范性文件", "normative_documents"))


@dataclass(frozen=True)
class _Pattern:
    metric: str
    keyword: str
    unit: str = _COUNT_UNIT
    gap: int = 24
    doc: bool = False  # the document kind (规章 / 规范性文件) is read from the gap


_KEYWORD_FIRST = (
    _Pattern("review_suit", r"行政复议(?:和|及|与|、|或)(?:提起)?行政诉讼(?:案件)?(?:共|合计|各)?"),
    _Pattern("carried_in", r"上一?年度?结转|上年度?遗留"),
    _Pattern(
        "carried_over",
        r"结转(?:至|到)?(?:下一?年度?|Y{4}年度?)(?:继续办理|办理)?|(?:顺延|转入)(?:至|到)?(?:下一?年度?|Y{4}年度?)",
    ),
    _Pattern("received", r"收到|受理|新收|接收|共收"),
    _Pattern("answered", r"办结|答复|办理完毕|处理完毕|作出答复"),
    _Pattern("handled", r"办理"),
    _Pattern("granted", r"(?<!主动)予以公开"),
    _Pattern("partial", r"部分公开"),
    _Pattern("refused", r"不予公开"),
    _Pattern("unavailable", r"无法提供"),
    _Pattern("not_processed", r"不予处理"),
    _Pattern("other_handled", r"其他处理"),
    _Pattern("review", r"行政复议(?:案件)?"),
    _Pattern("suit", r"行政诉讼(?:案件)?"),
    _Pattern("in_force", r"现行有效", doc=True),
    _Pattern("issued", r"制发|制定|出台|印发|新增|发布", doc=True),
    _Pattern("repealed", r"废止|宣布失效", doc=True),
    _Pattern("fee_yuan", r"信息(?:公开)?处理费", unit=r"元"),
    _Pattern("fee_count", r"信息(?:公开)?处理费", unit=r"件|笔"),
)
# Numbers that come before their keyword: "另有103件顺延到下年度答复", "1362件予以公开".
_NUMBER_FIRST = {
    "carried_over": r"(?:申请)?(?:结转|顺延|转入)(?:至|到)?下一?年",
    "carried_in": r"(?:申请)?(?:为|系|属)?上一?年度?结转",
    "granted": r"(?:申请)?(?<!主动)予以公开",
    "partial": r"(?:申请)?部分公开",
    "refused": r"(?:申请)?不予公开",
    "unavailable": r"(?:申请)?无法提供",
    "not_processed": r"(?:申请)?不予处理",
}
_APPLICANT_PARTS = (
    ("natural", r"自然人"),
    ("orgs", r"法人(?:或|和|及)其他组织"),
    ("business", r"商业企业"),
    ("research", r"科研机构"),
    ("nonprofit", r"社会公益组织"),
    ("legal", r"法律服务机构"),
)
_DOC_NOT_ISSUED = re.compile(r"解读|清理|备案|审查|审核|征求意见|草案|评估|宣传|培训|转发")
_APPEAL_PARTS = (
    ("upheld", r"结果维持|维持(?:原(?:行政行为|决定))?"),
    ("corrected", r"结果纠正|纠正|撤销"),
    ("other", r"其他结果"),
    ("pending", r"尚未审结|未审结|正在审理|审理中"),
)
_NEGATION = re.compile(
    r"(?:未收到|未受理|未发生|未产生|未出现|未收取|未因|未被|无因|没有因|没有收到|没有受理|没有发生|没有收取|没有产生|没有出现|没有被|均未|无(?=政府信息公开|依申请|行政复议|行政诉讼|信息处理费))"
    r"([^，。；！？,;!?\n]{0,30})"  # an enumeration (、) stays inside: 行政复议、行政诉讼
)
_NEG_TARGETS = (
    ("received", re.compile(r"(?:公开|依)申请|申请公开|依申请公开件")),
    ("review", re.compile(r"行政复议")),
    ("suit", re.compile(r"行政诉讼")),
    ("fee_yuan", re.compile(r"信息(?:公开)?处理费|处理费")),
)
_ANY_KEYWORD = re.compile("|".join(p.keyword for p in _KEYWORD_FIRST[1:]))
# What became of reviews and suits, not how many there were: "未发生因依申请公开被行政复议纠错或行政
# 诉讼败诉情形", "被行政复议纠错1件", "行政诉讼败诉2件". A sentence about outcomes claims no count of
# 行政复议 or 行政诉讼 (the outcome columns are read only as parts after a count: `_appeal_parts`).
_OUTCOME = re.compile(r"纠错|败诉|胜诉|被撤销|被纠正|被确认违法|确认违法|被责令|责令|被维持|均获维持|均维持|获得维持")
_APPEAL_METRICS = ("review", "suit", "review_suit")


def claims(text: str) -> list[Claim]:
    """Every figure the text states about the report's tables, in order."""
    out: list[Claim] = []
    for sentence in sentences(text):
        out += sentence_claims(sentence)
    return out


_MAY_CLAIM = re.compile(r"[件起宗例元笔]|未|没有|无")  # a claim needs a unit, or is a negation


def sentence_claims(sentence: str) -> list[Claim]:
    if not _MAY_CLAIM.search(sentence):
        return []
    masked = _mask(sentence)
    scope = next((w for w in SCOPE_WORDS if w in sentence), None)
    taken: set[int] = set()  # start positions of numbers already read
    found: list[Claim] = []

    def add(metric: str, m_start: int, num_start: int, num_text: str, end: int, **kw) -> None:
        if num_start in taken:
            return
        value = read_number(num_text)
        if value is None:
            return
        taken.add(num_start)
        approx = kw.pop("approx", None)
        tail = masked[end : end + 2]
        if approx is None and (
            tail[:1] in ("余", "多")
            or masked[num_start + len(num_text) : num_start + len(num_text) + 1] in ("余", "多")
        ):
            approx = "at_least"
        found.append(Claim(metric, value, sentence, sentence[m_start:end], m_start, approx=approx, scope=scope, **kw))

    for p in _KEYWORD_FIRST:
        rx = re.compile(
            rf"(?P<kw>{p.keyword})(?P<gap>{_gap(p.gap)})(?P<num>{NUMBER})(?P<rest>[余多]?)(?P<unit>{p.unit})"
        )
        for m in rx.finditer(masked):
            gap = m.group("gap")
            plain_gap = re.sub(r"（[^）]*）|\([^)]*\)", "", gap)
            if p.metric != "review_suit" and _ANY_KEYWORD.search(plain_gap):
                continue  # the number belongs to a keyword nearer to it
            if _DELTA.search(gap):
                continue  # "较上年增加15件" is a change, not a count
            if p.metric in ("review", "suit") and ("行政复议" in plain_gap or "行政诉讼" in plain_gap):
                continue
            if p.metric in _APPEAL_METRICS and (_OUTCOME.search(gap) or masked[m.start() - 1 : m.start()] == "被"):
                continue  # "被行政复议纠错1件", "行政诉讼败诉2件": an outcome, not the count
            if p.metric in ("received", "answered", "handled"):
                window = masked[max(0, m.start() - 2) : m.end() + 4]
                if _EXCLUDED.search(gap) or _EXCLUDED.search(masked[m.end() : m.end() + 6]):
                    continue
                before = masked[: m.start()]
                if "申请" not in window and not (p.metric == "answered" and "申请" in before):
                    continue
            detail = None
            if p.doc:
                if p.metric != "in_force" and _DOC_NOT_ISSUED.search(gap):
                    continue  # 发布规范性文件解读8件: not documents issued
                after = re.split(rf"[{_BREAK}]", masked[m.end() : m.end() + 8])[0]
                detail = _doc_kind(m.group("gap")) or _doc_kind(after)
                if detail is None and p.metric != "in_force":
                    continue  # "制发12件" of what? Too vague to compare
                if detail is None and re.search(r"条|项|个", m.group("unit")):
                    continue
            approx = "about" if _APPROX_BEFORE.search(gap) else None
            if p.metric == "review_suit" and m.group("kw").endswith("各"):
                for metric in ("review", "suit"):
                    found.append(
                        Claim(
                            metric,
                            read_number(m.group("num")) or 0,
                            sentence,
                            sentence[m.start() : m.end()],
                            m.start(),
                            scope=scope,
                        )
                    )
                taken.add(m.start("num"))
                continue
            add(p.metric, m.start(), m.start("num"), m.group("num"), m.end(), detail=detail, approx=approx)

    for metric, keyword in _NUMBER_FIRST.items():
        rx = re.compile(rf"(?P<num>{NUMBER})(?P<rest>[余多]?){_COUNT_UNIT}(?P<gap>[^\d{_BREAK}]{{0,3}}?){keyword}")
        for m in rx.finditer(masked):
            if _DELTA.search(m.group("gap")):
                continue
            start = m.start("num")
            # a leading 其中/另有 belongs to the clause, quote from the number
            add(metric, start, start, m.group("num"), m.end())

    found += _appeal_parts(sentence, masked, found, scope, taken)
    found += _applicant_parts(sentence, masked, found, scope, taken)
    if "处理费" in masked and not any(c.metric == "fee_yuan" for c in found):
        # "收取信息处理费，全年共收取2笔，金额共计150元": the figures sit in later clauses
        for metric, pattern in (
            ("fee_yuan", rf"(?:金额|费用|共计|合计)[^\d{_BREAK}]{{0,6}}?(?P<num>{NUMBER})元"),
            ("fee_count", rf"收取[^\d{_BREAK}]{{0,6}}?(?P<num>{NUMBER})(?:笔|件)"),
        ):
            for m in re.finditer(pattern, masked):
                if not _DELTA.search(m.group(0)):
                    add(metric, m.start(), m.start("num"), m.group("num"), m.end())
    found += _negations(sentence, masked, found, scope)
    return _enumerated(sorted(found, key=lambda c: c.start), masked)


_TOTALS = ("received", "answered", "handled")


def _enumerated(found: list[Claim], masked: str) -> list[Claim]:
    """In "办结依申请2件，其中公开答复1件，无法提供1件" the first number is the total and what
    follows 其中 are its parts: a part is never read as the total again ("答复1件" is not 办结 1)."""
    out: list[Claim] = []
    for claim in found:
        if claim.metric in _TOTALS:
            total = next((c for c in out if c.metric in _TOTALS), None)
            if total is not None and "其中" in masked[total.start : claim.start]:
                continue
        out.append(claim)
    return out


def _doc_kind(text: str) -> str | None:
    hits = [kind for word, kind in _DOC_KINDS if word in text]
    return hits[0] if len(hits) == 1 else None


def _appeal_parts(sentence: str, masked: str, found: list[Claim], scope, taken: set[int]) -> list[Claim]:
    """结果维持/纠正/其他结果/尚未审结 counts after a 行政复议 or 行政诉讼 claim, bound to it."""
    groups = sorted((c for c in found if c.metric in ("review", "suit")), key=lambda c: c.start)
    out: list[Claim] = []
    for column, keyword in _APPEAL_PARTS:
        rx = re.compile(rf"(?P<kw>{keyword})(?P<gap>[^\d{_BREAK}]{{0,6}}?)(?P<num>{NUMBER}){_COUNT_UNIT}")
        for m in rx.finditer(masked):
            owner = [g for g in groups if g.start < m.start()]
            if not owner or m.start("num") in taken:
                continue
            group = owner[-1]
            between = masked[group.start : m.start()]
            if "。" in between or ("；" in between and "其中" not in between[between.rfind("；") :]):
                continue
            value = read_number(m.group("num"))
            if value is None:
                continue
            taken.add(m.start("num"))
            out.append(
                Claim(
                    "appeal_part",
                    value,
                    sentence,
                    sentence[m.start() : m.end()],
                    m.start(),
                    detail=f"{group.metric}.{column}",
                    scope=scope,
                )
            )
    return out


def _applicant_parts(sentence: str, masked: str, found: list[Claim], scope, taken: set[int]) -> list[Claim]:
    """ "其中自然人申请25件，法人或其他组织申请3件" after a 收到/受理 claim: per applicant column."""
    owners = sorted((c for c in found if c.metric == "received"), key=lambda c: c.start)
    out: list[Claim] = []
    for column, keyword in _APPLICANT_PARTS:
        rx = re.compile(rf"(?P<kw>{keyword})(?P<gap>[^\d{_BREAK}]{{0,8}}?)(?P<num>{NUMBER}){_COUNT_UNIT}")
        for m in rx.finditer(masked):
            owner = [c for c in owners if c.start < m.start()]
            if not owner or m.start("num") in taken or "。" in masked[owner[-1].start : m.start()]:
                continue
            value = read_number(m.group("num"))
            if value is None:
                continue
            taken.add(m.start("num"))
            fragment = sentence[m.start() : m.end()]
            out.append(Claim("received_part", value, sentence, fragment, m.start(), detail=column, scope=scope))
    return out


def _negations(sentence: str, masked: str, found: list[Claim], scope) -> list[Claim]:
    """ "未收到政府信息公开申请", "未发生行政复议和行政诉讼", "没有收取信息处理费": a claim of 0."""
    out: list[Claim] = []
    stated = {c.metric for c in found}
    for m in _NEGATION.finditer(masked):
        window = masked[m.start() : m.end()]
        if _EXCLUDED.search(window) or re.search(r"涉及|关于|有关|针对|超过|逾期", window):
            continue
        if _OUTCOME.search(window):
            continue  # "未发生……被行政复议纠错或行政诉讼败诉情形": no outcome, not no case
        for metric, rx in _NEG_TARGETS:
            if metric in stated or not rx.search(window):
                continue
            if metric == "received" and "收" not in window[:4] and "受理" not in window and window[:1] != "无":
                continue
            out.append(Claim(metric, 0, sentence, sentence[m.start() : m.end()], m.start(), scope=scope))
    return out


__all__ = ["METRICS", "SCOPE_WORDS", "Claim", "chinese_to_int", "claims", "read_number", "sentence_claims", "sentences"]
