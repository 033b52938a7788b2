"""The report's text structure, common to every file type: title, preamble, the six parts, the
（一）…（五） sub-sections of part 一 with their headings, and the 信息处理费 sentence of part 六."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher

from xltools import spec
from xltools.model import WARNING, Finding
from xltools.published.blocks import Block
from xltools.published.labels import norm

PART_IDS = tuple(pid for pid, _ in spec.PARTS)
SECTION_IDS = tuple(sid for sid, _, _ in spec.OVERVIEW_SECTIONS)
_NUMERALS = "一二三四五六"
_PART = re.compile(r"^(?:第)?([一二三四五六])(?:部分)?[、.,，:：]?(.*)$")
_SUBHEAD = re.compile(r"^[（(]\s*([一二三四五六七八九十])\s*[)）]\s*")
_TITLE = re.compile(r"^(?P<name>[^，。,《》“”\s]{2,60}?)\s*(?P<year>\d{4})\s*年度?\s*政府信息公开工作年度报告")
_PRESS = re.compile(r"现发布《(?P<name>[^《》]{2,60}?)(?P<year>\d{4})年度?政府信息公开工作年度报告》")
_PERIOD = re.compile(r"统计期限[为自是]?\s*(\d{4})\s*年\s*1\s*月\s*1\s*日")
_HEAD_STOP = "。.：:　 "  # what ends a printed sub-heading
_HEAD_WORDS = ("方面", "情况")  # or a heading printed without a stop ends in one of these
_HEAD_MAX = 30
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]?")
_DATE_LINE = re.compile(r"^(?:[^。，,；;：:\d]{2,30}?)?(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$")
_PUBLISHED = re.compile(
    r"(?:发布|成文|公开)(?:日期|时间)\s*[:：]\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})"
)
_CONTACT = re.compile(r"电话|邮箱|邮编|地址|传真|联系")
_SELF = re.compile(r"我(市|县|区|州|盟|旗|乡|镇|局|委|办|厅|院|署|会|街道|中心)")
# Section keywords, checked in this order (平台 before 公开, 依申请 before 主动 …).
_SECTION_WORDS = (
    ("on_request", ("依申请",)),
    ("platform", ("平台",)),
    ("oversight", ("监督", "保障", "考核")),
    ("management", ("管理",)),
    ("proactive", ("主动",)),
)


@dataclass
class Structure:
    """What the text of a report states, as printed."""

    values: dict[str, object] = field(default_factory=dict)
    parts: dict[str, list[Block]] = field(default_factory=dict)  # part id -> its blocks (title excluded)
    found: list[str] = field(default_factory=list)  # part ids whose titles were found
    notes: list[Finding] = field(default_factory=list)
    fee_stated: dict[str, object] = field(default_factory=dict)

    def note(self, field_path: str | None, message: str) -> None:
        self.notes.append(Finding("I1", WARNING, field_path, message))


def part_of(block: Block) -> int | None:
    """The index of the part a block's text titles, or None."""
    text = block.text
    if block.is_row:
        filled = [c for c in block.cells if c.strip()]
        if len(filled) != 1:
            return None
        text = filled[0]
    n = norm(text)
    m = _PART.match(n)
    if not m or len(n) > 40:
        return None
    k = _NUMERALS.index(m.group(1))
    want = norm(spec.PARTS[k][1])[2:]
    rest = re.sub(r"[、,，和及与]", "", m.group(2))
    target = re.sub(r"[、,，和及与]", "", want)
    if rest == target or SequenceMatcher(None, rest, target).ratio() >= 0.75:
        return k
    return None


def split_parts(blocks: list[Block]) -> tuple[list[Block], dict[str, list[Block]], list[str]]:
    """(front matter, blocks by part, found part ids). Titles must come in order; one may be missing."""
    marks: list[tuple[int, int]] = []  # (block index, part index)
    for i, block in enumerate(blocks):
        k = part_of(block)
        if k is not None and (not marks or k > marks[-1][1]):
            marks.append((i, k))
    front_end = marks[0][0] if marks else len(blocks)
    parts: dict[str, list[Block]] = {pid: [] for pid in PART_IDS}
    for j, (i, k) in enumerate(marks):
        end = marks[j + 1][0] if j + 1 < len(marks) else len(blocks)
        parts[PART_IDS[k]] = list(blocks[i + 1 : end])
    if marks:
        parts[PART_IDS[marks[-1][1]]] = _within_article(blocks, marks)
    return list(blocks[:front_end]), parts, [PART_IDS[k] for _, k in marks]


def _within_article(blocks: list[Block], marks: list[tuple[int, int]]) -> list[Block]:
    """The last part ends where the article ends: on a web page, the element holding the first and
    last part titles; what follows it (site footer, links) is not the report's."""
    first, last = blocks[marks[0][0]], blocks[marks[-1][0]]
    tail = list(blocks[marks[-1][0] + 1 :])
    if not first.container or not last.container:
        return tail
    common = []
    for a, b in zip(first.container, last.container, strict=False):
        if a != b:
            break
        common.append(a)
    scope = tuple(common[:-1]) if first.container == last.container else tuple(common)
    out = []
    for block in tail:
        if block.container[: len(scope)] != scope:
            break
        out.append(block)
    return out


def paragraphs(blocks: list[Block]) -> list[str]:
    return [b.text if not b.is_row else " ".join(c for c in b.cells if c.strip()) for b in blocks]


def read_structure(blocks: list[Block], *, narrative_only: bool = False) -> Structure:
    st = Structure()
    front, st.parts, st.found = split_parts(blocks)
    if not narrative_only:
        _read_front(st, front)
    _read_overview(st, paragraphs(st.parts["overview"]), required=bool(st.found) and "overview" in st.found)
    _read_problems(st, paragraphs(st.parts["problems"]))
    _read_other(st, paragraphs(st.parts["other"]), narrative_only)
    if not narrative_only:
        _read_self(st)
    return st


# --- front matter -------------------------------------------------------------------------------


def _read_front(st: Structure, front: list[Block]) -> None:
    texts = paragraphs(front)
    title_at = None
    for i, text in enumerate(texts):
        m = _TITLE.match(unicodedata.normalize("NFKC", text).replace(" ", ""))
        if m and len(text) <= 120:
            title_at, name, year = i, m.group("name"), int(m.group("year"))
    if title_at is None:
        for text in texts:
            m = _PRESS.search(text)
            if m:
                title_at, name, year = -1, m.group("name"), int(m.group("year"))
                break
    if title_at is None:
        st.note(
            "agency.name",
            "找不到报告标题（“××2024年政府信息公开工作年度报告”），无法确定机关名称和年度，请在导入结果中补上。",
        )
        for text in texts:
            m = _PERIOD.search(text)
            if m:
                st.values["year"] = int(m.group(1))
        preamble = texts
    else:
        st.values["agency.name"] = name
        st.values["year"] = year
        st.values["agency.level"] = level_of(name)
        preamble = texts[title_at + 1 :]
    for text in texts:
        m = _PUBLISHED.search(text)
        if m:
            _set_date(st, m.groups())
    contact = []
    for text in preamble:
        for sentence in _sentences(text):
            if _CONTACT.search(sentence) and re.search(r"\d{3,}|@", sentence):
                contact.append(sentence.strip())
    if contact:
        st.values["contact"] = _unwrap_contact("".join(contact), st.values.get("agency.name"))


_CONTACT_SENTENCE = re.compile(r"^如对本报告有疑问，请与(?P<who>.+?)联系（(?P<contact>.+)）。$")


def _unwrap_contact(sentence: str, name: object) -> str:
    """The contact itself when the sentence is the standard one around the agency's own name
    (as `build` words it), else the sentence as printed."""
    m = _CONTACT_SENTENCE.match(sentence)
    return m.group("contact") if m and m.group("who") == name else sentence


def level_of(name: str) -> str:
    """The agency level its name says: 乡镇/街道, a 人民政府, or else a department (FORMAT.md §2)."""
    if re.search(r"(乡|镇|街道)(人民政府|办事处)$|街道办事处$|街道$", name):
        return "township"
    if name.endswith("人民政府"):
        return "government"
    return "department"


def _set_date(st: Structure, groups) -> None:
    import datetime as dt

    with contextlib.suppress(ValueError):
        st.values["publish_date"] = dt.date(*map(int, groups)).isoformat()


def _read_self(st: Structure) -> None:
    text = "\n".join(str(v) for k, v in st.values.items() if k.startswith("overview.") or k == "problems")
    counts = Counter(m.group(0) for m in _SELF.finditer(text))
    if counts:
        word, n = counts.most_common(1)[0]
        if n >= 2:
            st.values["agency.self"] = word


# --- part 一 -------------------------------------------------------------------------------------


def split_heading(rest: str) -> tuple[str | None, str]:
    """A sub-section paragraph after its numeral -> (heading, body). The heading ends at 。, ：
    or a space, or after 方面/情况 (printed with or without a stop after it: "政府信息管理方面，…");
    a short line is all heading."""
    rest = rest.strip()
    stop = next((i for i, ch in enumerate(rest[:_HEAD_MAX]) if ch in _HEAD_STOP), None)
    limit = _HEAD_MAX if stop is None else stop
    ends = [m.end() for m in re.finditer("|".join(_HEAD_WORDS), rest[:limit])]
    if stop is None:  # a heading runs on into its text only when it has no clause of its own
        ends = [e for e in ends if not re.search(r"[，,；;、]", rest[:e])]
    if ends:
        end = ends[0] if stop is None else ends[-1]
        return rest[:end], rest[end:].lstrip(" 　，,、：:。.")
    if stop is not None:
        return rest[:stop].strip(), rest[stop + 1 :].lstrip(" 　，,、：:。")
    if len(rest) <= _HEAD_MAX:
        return rest, ""
    return None, rest


def _section_ids(numerals: list[int], headings: list[str | None]) -> list[str | None]:
    """Which sub-section each printed one is: by its heading's words when that is unambiguous,
    else by its numeral (the format's order)."""
    by_words = []
    for heading in headings:
        sid = next((s for s, words in _SECTION_WORDS if heading and any(w in heading for w in words)), None)
        by_words.append(sid)
    if None not in by_words and len(set(by_words)) == len(by_words):
        return by_words
    return [SECTION_IDS[n] if n < len(SECTION_IDS) else None for n in numerals]


def _read_overview(st: Structure, texts: list[str], *, required: bool) -> None:
    summary: list[str] = []
    sections: list[tuple[int, str | None, list[str]]] = []  # (numeral index, heading, paragraphs)
    for text in texts:
        m = _SUBHEAD.match(text)
        numeral = "一二三四五六七八九十".index(m.group(1)) if m else None
        if m and numeral == len(sections) and numeral < len(SECTION_IDS):
            heading, body = split_heading(text[m.end() :])
            sections.append((numeral, heading, [body] if body else []))
        elif sections:
            sections[-1][2].append(text)
        else:
            summary.append(text)
    if summary:
        st.values["overview.summary"] = "\n".join(summary)
    if not sections:
        if required:
            st.note(
                "overview.proactive",
                f"{spec.PART_TITLES['overview']}中没有找到（一）至（五）小标题，全部文字按综述读取。",
            )
        return
    ids = _section_ids([n for n, _, _ in sections], [h for _, h, _ in sections])
    for (numeral, heading, body), sid in zip(sections, ids, strict=True):
        if sid is None:
            continue
        if heading is None:
            st.note(
                f"overview.{sid}",
                f"{spec.OVERVIEW_NUMERALS[numeral]}的小标题无法与正文分开，已按默认小标题读取，请核对。",
            )
        else:
            st.values[f"overview.headings.{sid}"] = heading
        if body:
            st.values[f"overview.{sid}"] = "\n".join(body)


# --- parts 五 and 六 -----------------------------------------------------------------------------


def _read_problems(st: Structure, texts: list[str]) -> None:
    if texts:
        st.values["problems"] = "\n".join(texts)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


_FEE = re.compile(r"处理费")
_AMOUNT = re.compile(r"(\d[\d,，]*(?:\.\d+)?)\s*(万?)\s*元")
_COUNT = re.compile(r"(\d[\d,，]*)\s*件")
_NONE = re.compile(
    r"(未|没有|无|不|免)[^。，,]{0,8}(收取|收费|收|产生|发生)|(收取|收费)[^。]{0,12}(为|共计|合计)?\s*(0|零)\s*元|未产生|未发生|不存在"
)


def parse_fee(sentence: str) -> dict[str, object] | None:
    """The 信息处理费 a sentence states: amount in 元 (a decimal string) and the count when given."""
    if not _FEE.search(sentence):
        return None
    text = unicodedata.normalize("NFKC", sentence)
    m = _AMOUNT.search(text)
    out: dict[str, object] = {}
    if m:
        try:
            amount = Decimal(m.group(1).replace(",", "").replace("，", ""))
        except InvalidOperation:
            return None
        if m.group(2):
            amount *= 10000
        out["amount_yuan"] = format(amount.normalize() if amount else Decimal(0), "f")
    elif _NONE.search(text):
        out["amount_yuan"] = "0"
    else:
        return None
    c = _COUNT.search(text)
    if c:
        out["count"] = int(c.group(1).replace(",", "").replace("，", ""))
    return out


def _read_other(st: Structure, texts: list[str], narrative_only: bool) -> None:
    texts = _strip_signature(st, texts, narrative_only)
    kept: list[str] = []
    fee_done = False
    for text in texts:
        rest = []
        for sentence in _sentences(text):
            fee = None if fee_done else parse_fee(sentence)
            if fee is not None:
                fee_done = True
                st.fee_stated = fee
                for key, value in fee.items():
                    st.values[f"processing_fee.{key}"] = value
            else:
                rest.append(sentence)
        if "".join(rest).strip():
            kept.append("".join(rest).strip())
    if kept:
        st.values["other_matters"] = "\n".join(kept)


def _strip_signature(st: Structure, texts: list[str], narrative_only: bool) -> list[str]:
    """A report ends with the issuing office and a date; what follows the date (a saved page's
    footer) is not the report's either. The date is the publication date when none is known."""
    texts = list(texts)
    tail = range(len(texts) - 1, max(len(texts) - 6, -1), -1)
    at = next((i for i in tail if _DATE_LINE.match(unicodedata.normalize("NFKC", texts[i]).replace(" ", ""))), None)
    if at is None:
        return texts
    m = _DATE_LINE.match(unicodedata.normalize("NFKC", texts[at]).replace(" ", ""))
    if not narrative_only and "publish_date" not in st.values:
        _set_date(st, m.groups())
    texts = texts[:at]
    if m.start(1) > 0:  # "某某局 2025年1月20日": signature and date on one line
        return texts
    if texts and len(texts[-1]) <= 30 and not re.search(r"[。，,；;！？]", texts[-1]):
        texts.pop()
    return texts
