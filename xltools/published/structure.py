"""The report's text structure, common to every file type: title, preamble, the six parts, the
（一）…（五） sub-sections of part 一 with their headings, and the 信息处理费 sentence of part 六."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher

from xltools import spec
from xltools.model import Finding
from xltools.published.blocks import Block
from xltools.published.labels import norm
from xltools.rules.registry import I1

PART_IDS = tuple(pid for pid, _ in spec.PARTS)
SECTION_IDS = tuple(sid for sid, _, _ in spec.OVERVIEW_SECTIONS)
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
    ("platform", ("平台", "新媒体", "网站", "公报")),
    ("oversight", ("监督", "保障", "考核")),
    ("management", ("管理", "制作", "获取")),
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
    no_summary: bool = False  # part 一 goes straight to its （一）: no 综述 printed
    signature: str | None = None  # the issuing office printed above the date at the end
    body: list[Block] = field(default_factory=list)  # from part 一's title to the article's end

    def note(self, field_path: str | None, message: str) -> None:
        self.notes.append(I1.finding(field_path, message))


# Each part's title by its key words: offices reword titles ("五、政府信息公开工作存在的主要问题及
# 改进情况", "存在的主要问题及改进措施"), the key words stay. FEE_PART is the local variant that
# prints 信息处理费 as a part of its own (a table), moving the problems and other matters down.
FEE_PART = "fee"
_PART_WORDS = (
    ("overview", ("总体情况", "基本情况", "工作概况")),
    ("proactive", ("主动公开",)),
    ("requests", ("收到和处理", "依申请公开情况", "信息公开申请情况", "依申请公开政府信息情况")),
    ("appeals", ("行政复议", "行政诉讼")),
    (FEE_PART, ("信息处理费",)),
    ("problems", ("存在的主要问题", "存在的问题", "主要问题", "问题及改进", "问题和改进")),
    ("other", ("其他需要报告", "其他事项", "其他需报告")),
)
_PART_ORDER = ("overview", "proactive", "requests", "appeals", FEE_PART, "problems", "other")
_NUMBERED = re.compile(
    r"^(?:第)?([一二三四五六七八九])(?:部分)?[、.,，:：]\s*(.*)$|^第([一二三四五六七八九])部分\s*(.*)$"
)


@dataclass(frozen=True)
class _Title:
    at: int  # block index
    part: str
    numbered: bool
    numeral: int | None
    text: str


def title_of(block: Block) -> tuple[str, bool, int | None] | None:
    """(part id, printed with a numeral, the numeral's index) when a block titles a part."""
    text = block.text
    if block.is_row:
        filled = [c for c in block.cells if c.strip()]
        if len(filled) != 1:
            return None
        text = filled[0]
    n = norm(text)
    if len(n) > 40 or not n or n[0] in "（(" or "。" in n.rstrip("。"):
        return None
    m = _NUMBERED.match(n)
    numeral = None
    if m:
        numeral = "一二三四五六七八九".index(m.group(1) or m.group(3))
        rest = m.group(2) if m.group(1) else m.group(4)
    else:
        rest = n
    part = next((pid for pid, words in _PART_WORDS if any(w in rest for w in words)), None)
    if part is None and numeral is not None and numeral < len(PART_IDS):
        want = re.sub(r"[、,，和及与]", "", norm(spec.PARTS[numeral][1])[2:])
        if SequenceMatcher(None, re.sub(r"[、,，和及与]", "", rest), want).ratio() >= 0.75:
            part = PART_IDS[numeral]
    if part is None:
        return None
    if numeral is None:  # unnumbered: only a line that is a title and nothing else
        standard = dict(spec.PARTS).get(part, "信息处理费收取情况")
        target = norm(standard).split("、", 1)[-1]
        if len(rest) > 24 or SequenceMatcher(None, rest, target).ratio() < 0.6:
            return None
    return part, numeral is not None, numeral


def split_parts(blocks: list[Block]) -> tuple[list[Block], dict[str, list[Block]], list[str], list[Block]]:
    """(front matter, blocks by part, found part ids). Titles are found by their key words and
    must come in order; one printed with its numeral wins over an unnumbered line of the same
    words (a sub-heading inside another part)."""
    found: list[_Title] = []
    for i, block in enumerate(blocks):
        titled = title_of(block)
        if titled is not None:
            found.append(_Title(i, *titled, block.text))
    start = _report_title_at(blocks, before=max((t.at for t in found if t.part == PART_IDS[0]), default=0))
    if start is not None:
        found = [t for t in found if t.at > start]  # above the report's own title: the site's, not the report's
    numbered = {t.part for t in found if t.numbered}
    candidates = [t for t in found if t.numbered or t.part not in numbered]
    marks: list[_Title] = []
    for t in candidates:
        if not marks or _PART_ORDER.index(t.part) > _PART_ORDER.index(marks[-1].part):
            marks.append(t)
    front_end = marks[0].at if marks else len(blocks)
    parts: dict[str, list[Block]] = {pid: [] for pid in (*PART_IDS, FEE_PART)}
    for j, t in enumerate(marks):
        end = marks[j + 1].at if j + 1 < len(marks) else len(blocks)
        parts[t.part] = list(blocks[t.at + 1 : end])
    body: list[Block] = []
    if marks:
        parts[marks[-1].part] = _within_article(blocks, [(t.at, 0) for t in marks])
        body = list(blocks[front_end : marks[-1].at + 1]) + parts[marks[-1].part]
    return list(blocks[:front_end]), parts, [t.part for t in marks], body


def _report_title_at(blocks: list[Block], before: int) -> int | None:
    """Where the report's title (“××2024年政府信息公开工作年度报告”) stands: the last one above its
    part 一. A part title above it is a page's menu or search hint (e.g. hidden text that a Word
    conversion made visible); a page's <title> above them all does not count as the start."""
    return max(
        (i for i, block in enumerate(blocks[:before]) if not block.is_row and title_in(block.text) is not None),
        default=None,
    )


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


_RUN_ON = re.compile(r"^(?:第)?([一二三四五六])(?:部分)?[、.．,，:：]\s*")


def split_run_on_titles(blocks: list[Block]) -> list[Block]:
    """A part title printed at the start of its first paragraph ("一、总体情况 2024年，我局…",
    "五、存在的主要问题及改进情况：一是…") becomes the title and a paragraph of its own."""
    out: list[Block] = []
    for block in blocks:
        m = None if block.is_row else _RUN_ON.match(block.text)
        if m:
            numeral = "一二三四五六".index(m.group(1))
            title = spec.PARTS[numeral][1].split("、", 1)[1]
            rest = block.text[m.end() :]
            if rest.startswith(title) and len(rest) > len(title) + 4:
                body = rest[len(title) :].lstrip(" 　。.：:，,")
                out += [replace(block, text=block.text[: m.end()] + title), replace(block, text=body)]
                continue
        out.append(block)
    return out


def read_structure(blocks: list[Block], *, narrative_only: bool = False) -> Structure:
    st = Structure()
    front, st.parts, st.found, st.body = split_parts(split_run_on_titles(blocks))
    if not narrative_only:
        _read_front(st, front)
    _read_overview(st, paragraphs(st.parts["overview"]), required=bool(st.found) and "overview" in st.found)
    _read_problems(st, paragraphs(st.parts["problems"]))
    _read_other(st, paragraphs(st.parts["other"]), narrative_only)
    if not narrative_only:
        _read_self(st)
    return st


# --- front matter -------------------------------------------------------------------------------


_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>\d{4})\s*年度?\s*(?P<name>[^，。,《》“”\s\d]{2,60}?)\s*政府信息公开工作年度报告"
)
_TITLE_NO_NAME = re.compile(r"^(?P<year>\d{4})\s*年度?\s*政府信息公开工作年度报告")
_TITLE_MAX = 120


def title_in(text: str) -> tuple[str | None, int] | None:
    """(agency name, year) a line states as the report's title: "××2024年政府信息公开工作年度报告",
    year first ("2025年黄浦区财政局政府信息公开工作年度报告"), "2024 年" with spaces, or the year
    alone ("2024年政府信息公开工作年度报告": name None)."""
    if len(text) > _TITLE_MAX:
        return None
    t = unicodedata.normalize("NFKC", text).replace(" ", "")
    m = _TITLE_NO_NAME.match(t)
    if m:
        return None, int(m.group("year"))
    for pattern in (_TITLE, _TITLE_YEAR_FIRST):
        m = pattern.match(t)
        if m:
            return m.group("name"), int(m.group("year"))
    return None


def _titles(texts: list[str]) -> list[tuple[int, str | None, int]]:
    """Every title line (index, name, year); a title set on two lines (the agency, then
    "2024年政府信息公开工作年度报告", or cut anywhere) is read joined, at its second line."""
    out = []
    for i, text in enumerate(texts):
        found = title_in(text)
        if i and (found is None or found[0] is None):
            prev = texts[i - 1]
            if 2 <= len(prev) <= 40 and not re.search(r"[。，,；;：:]", prev) and title_in(prev) is None:
                joined = title_in(prev + text)
                if joined is not None and joined[0] is not None:
                    found = joined
        if found is not None:
            out.append((i, *found))
    return out


def _read_front(st: Structure, front: list[Block]) -> None:
    texts = paragraphs(front)
    titles = _titles(texts)
    title_at = None
    name: str | None = None
    year = None
    if titles:
        title_at, name, year = titles[-1]
        if name is None:  # the title names no agency: the page's <title> or another title line may
            name = next((n for _, n, y in reversed(titles) if n and y == year), None)
    if title_at is None:
        for text in texts:
            m = _PRESS.search(text)
            if m:
                title_at, name, year = -1, m.group("name"), int(m.group("year"))
                break
    if title_at is None:
        st.note("agency.name", I1.say("no_title"))
        for text in texts:
            m = _PERIOD.search(text)
            if m:
                st.values["year"] = int(m.group(1))
        preamble = texts
    else:
        if name:
            st.values["agency.name"] = name
        st.values["year"] = year
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


_TOWNSHIP = re.compile(r"(乡|镇|街道)(人民政府|政府|办事处)?$|街道办事处$")
_GOVERNMENT = re.compile(r"(人民政府|政府)$|^[^局委办厅院署会所站队]{2,12}(省|自治区|市|区|县|州|盟|旗)$")
_DEPARTMENT = re.compile(r"(局|委|委员会|办|办公室|厅|中心|院|署|会|所|站|队|处|馆|部|社|行|司)$")
_SELF_LEVEL = {
    "我市": "government",
    "我县": "government",
    "我区": "government",
    "我州": "government",
    "我盟": "government",
    "我旗": "government",
    "我乡": "township",
    "我镇": "township",
    "我街道": "township",
}


def level_of(name: str, self_word: str | None = None) -> str:
    """The agency level (docs/format.md §2): from the name's ending first (乡/镇/街道, 人民政府 or a
    place's name, 局/委/办/厅/中心 …), else from what the report calls itself (我市, 我局 …)."""
    if _TOWNSHIP.search(name):
        return "township"
    if _GOVERNMENT.search(name):
        return "government"
    if _DEPARTMENT.search(name):
        return "department"
    return _SELF_LEVEL.get(self_word or "", "department")


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
    if "agency.name" not in st.values and st.signature and _is_agency(st.signature):
        st.values["agency.name"] = st.signature  # the title names no agency; the signature does
    name = st.values.get("agency.name")
    if isinstance(name, str):
        st.values["agency.level"] = level_of(name, st.values.get("agency.self"))  # type: ignore[arg-type]


def _is_agency(text: str) -> bool:
    return 3 <= len(text) <= 40 and bool(_TOWNSHIP.search(text) or _GOVERNMENT.search(text) or _DEPARTMENT.search(text))


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
    """Which sub-section each printed one is: by its heading's words first (when no other heading
    has the same words), then by its numeral (the format's order), then the next one left."""
    by_words = []
    for heading in headings:
        sid = next((s for s, words in _SECTION_WORDS if heading and any(w in heading for w in words)), None)
        by_words.append(sid)
    counts = Counter(w for w in by_words if w)
    ids: list[str | None] = [w if w and counts[w] == 1 else None for w in by_words]
    taken = {w for w in ids if w}
    for i, n in enumerate(numerals):
        sid = SECTION_IDS[n] if n < len(SECTION_IDS) else None
        if ids[i] is None and sid is not None and sid not in taken:
            ids[i] = sid
            taken.add(sid)
    for i in range(len(ids)):
        free = [s for s in SECTION_IDS if s not in taken]
        if ids[i] is None and free:
            ids[i] = free[0]
            taken.add(free[0])
    return ids


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
            st.note("overview.proactive", I1.say("no_sections", part=spec.PART_TITLES["overview"]))
        return
    if not summary:
        st.no_summary = True
    ids = _section_ids([n for n, _, _ in sections], [h for _, h, _ in sections])
    for (numeral, heading, body), sid in zip(sections, ids, strict=True):
        if sid is None:
            continue
        if heading and sid != SECTION_IDS[numeral]:
            st.note(
                f"overview.{sid}",
                I1.say(
                    "section_by_heading",
                    part=spec.PART_TITLES["overview"],
                    numeral=spec.OVERVIEW_NUMERALS[numeral],
                    heading=heading,
                    title=dict((i, t) for i, t, _ in spec.OVERVIEW_SECTIONS)[sid],
                    expected=spec.OVERVIEW_NUMERALS[SECTION_IDS.index(sid)],
                ),
            )
        if heading is None:
            st.note(
                f"overview.{sid}",
                I1.say("heading_unclear", numeral=spec.OVERVIEW_NUMERALS[numeral]),
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
    assert m is not None  # the line `at` was chosen for matching
    if not narrative_only and "publish_date" not in st.values:
        _set_date(st, m.groups())
    texts = texts[:at]
    if m.start(1) > 0:  # "某某局 2025年1月20日": signature and date on one line
        st.signature = m.group(0)[: m.start(1)]
        return texts
    if texts and len(texts[-1]) <= 30 and not re.search(r"[。，,；;！？]", texts[-1]):
        st.signature = texts.pop().strip()
    return texts
