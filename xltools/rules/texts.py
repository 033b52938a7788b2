"""S3 and S4, the hard rules over texts: no placeholder left, nothing required empty.

Pure functions over a normalised report; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from xltools.model import ERROR, CellError, Finding, Report
from xltools.normalize import looks_blank
from xltools.rules.rule import FILLED, Rule, Words
from xltools.rules.sums import FAIL_MARK, OK_MARK, blank_expr
from xltools.spec import FIELDS, PLACEHOLDERS, REQUIRED_FIELDS, Kind

# --- S3: placeholders ---------------------------------------------------------------------------

S3 = Rule(
    "S3",
    ERROR,
    "没有占位符",
    "文字中不能留有“XX”“××”“待补充”“TODO”之类的占位符，也不能只有“……”或与模板提示语相同。",
    FILLED,
    check=lambda c: placeholder_findings(c.report, c.published),
    words={
        "placeholder": Words(
            "{label}：{shown}，像是没有写完。请替换为实际内容后再生成报告。",
            published="{label}：{shown}，像是没有写完就发布了。请对照原报告核对。",
        )
    },
)

_PLACEHOLDER = re.compile("|".join(re.escape(t) for t in PLACEHOLDERS.tokens))


def placeholder_in(text: str, prompt: str = "") -> str | None:
    """The placeholder a text still holds, or None. An ellipsis inside a sentence is punctuation."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped in PLACEHOLDERS.only or set(stripped) <= set("…．.。、 "):
        return stripped
    if prompt and stripped == prompt:
        return "模板提示语"
    m = _PLACEHOLDER.search(stripped)
    return m.group(0) if m else None


def placeholder_findings(report: Report, published: bool = False) -> list[Finding]:
    findings = []
    for f in FIELDS.values():
        if f.kind not in (Kind.TEXT, Kind.NARRATIVE):
            continue
        text = report.text(f.path)
        token = placeholder_in(text, f.prompt)
        if token:
            shown = "与模板的提示语相同" if token == "模板提示语" else f"含有占位符“{token}”"
            findings.append(
                S3.finding(
                    f.path,
                    S3.say("placeholder", published=published, label=f.label, shown=shown),
                    cell=report.cells.get(f.path),
                    actual=token,
                )
            )
    return findings


# --- S4: required fields ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Required(Rule):
    """S4 in the template as well: a check cell per required field, its Excel formula and the same
    computed in Python (text made only of blank-looking characters is empty there as here)."""

    empty: str = f"{FAIL_MARK} 未填写"
    error: str = f"{FAIL_MARK} 单元格显示错误值"

    def sheet_formula(self, ref: str) -> str:
        return f'=IF(ISERROR({ref}),"{self.error}",IF({blank_expr(ref)},"{self.empty}","{OK_MARK}"))'

    def sheet_text(self, raw: object) -> str:
        """`sheet_formula` in Python, for the cell's content."""
        return self.error if isinstance(raw, CellError) else self.empty if looks_blank(raw) else OK_MARK


S4 = Required(
    "S4",
    ERROR,
    "必填项已填写",
    "机关全称、年度、总体情况各部分和第五部分（存在的主要问题及改进情况）不能为空（国办公开办函〔2021〕30号）。",
    FILLED,
    check=lambda c: required_findings(c.report, c.unreadable, c.published),
    words={
        "empty": Words(
            "{label}：未填写。这是报告必须包含的内容（{basis}），请填写后再生成报告。",
            published="{label}：报告中没有这部分内容。这是报告必须包含的内容（{basis}），请对照原报告核对是否漏印。",
        )
    },
)


def required_findings(
    report: Report, unreadable: AbstractSet[str] = frozenset(), published: bool = False
) -> list[Finding]:
    """Empty required fields; a field already reported unreadable (S2) is not reported again."""
    findings = []
    for f in REQUIRED_FIELDS:
        value = report.values.get(f.path)
        if (value is None or looks_blank(value)) and f.path not in unreadable:
            findings.append(
                S4.finding(
                    f.path,
                    S4.say("empty", published=published, label=f.label, basis=_basis(f.path)),
                    cell=report.cells.get(f.path),
                )
            )
    return findings


def _basis(path: str) -> str:
    if path in ("agency.name", "year"):
        return "标题和统计期限都要用到"
    return "国办公开办函〔2021〕30号要求各部分不能遗漏"


__all__ = ["S3", "S4", "Required", "placeholder_in"]
