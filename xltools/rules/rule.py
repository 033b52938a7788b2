"""A rule as one object: its id, severity, words, where it applies, and the findings it makes.

Every finding is made by its rule (`Rule.finding`), never from a bare id, so a finding's id is
registered by construction: tests/test_registry.py checks statically that nothing else in the
library builds a Finding and that every Rule object is in the one list (xltools/rules/registry.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from xltools.geometry import where_text
from xltools.model import ERROR, WARNING, Finding, Report, Source


@dataclass(frozen=True)
class Scope:
    """Which inputs or steps a rule applies to, in the words staff know (`str(scope)`): `checked`,
    the checker runs it on every report; `previous`, only when last year's report is given."""

    words: str
    checked: bool = False
    previous: bool = False

    def __str__(self) -> str:
        return self.words


@dataclass(frozen=True)
class Context:
    """What a rule's check reads: the normalised report, last year's (when given), the input as
    read (None for a report that was not read from a file), and the fields that could not be read."""

    report: Report
    previous: Report | None = None
    source: Source | None = None
    unreadable: AbstractSet[str] = frozenset()

    @property
    def published(self) -> bool:
        """A published report is checked: its messages speak of the printed report (`Words`)."""
        return self.source is not None and self.source.published


@dataclass(frozen=True)
class Words:
    """A message of a rule as a template with named fields (`str.format`), and how it reads for a
    published report when that differs: a printed report has no cell, formula or template to fix,
    only figures that disagree, so the advice there is to check the original report."""

    text: str
    published: str | None = None

    def say(self, *, published: bool = False, **fields: Any) -> str:
        return (self.published if published and self.published is not None else self.text).format(**fields)


@dataclass(frozen=True)
class Replaces:
    """In a published report, when the importer noticed `when` (`Imported.noticed`), `rule`'s
    finding on the field `on` gives way to a finding of the rule that declares this, saying `words` (its
    message of that name, with `fields`): e.g. part 一 printed without a 综述 is I1's note, not S4's error."""

    rule: Rule
    on: str
    when: str
    words: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule: `severity` is what its findings are (under `strict` every warning becomes an error);
    `also` is the other severity some of its findings carry (e.g. S2's blank cell is a warning)."""

    id: str
    severity: str
    title: str  # a few words, for tables and the 校验 sheet
    description: str  # what it checks, in a sentence or two
    applies: Scope  # which inputs or steps it applies to
    also: str | None = None
    # How the checker finds its findings in one report (its applies.checked); None for a rule found
    # while reading an input or in another step (S1, S5, I1, F1 …), which makes its findings there.
    check: Callable[[Context], list[Finding]] | None = field(default=None, repr=False)
    last_year: tuple[str, ...] = ()  # the fields of last year's report its check reads
    words: Mapping[str, Words] = field(default_factory=dict, repr=False)  # its messages, by name
    replaces: tuple[Replaces, ...] = ()  # findings of other rules its own stand for in a published report

    @property
    def severities(self) -> tuple[str, ...]:
        return (self.severity,) if self.also is None else (self.severity, self.also)

    @property
    def level(self) -> str:
        """The severity in words: 错误 (blocks the report) or 提示 (shown, never blocks)."""
        words = {ERROR: "错误", WARNING: "提示"}
        return words[self.severity] + (f"（部分为{words[self.also]}）" if self.also else "")

    def say(self, name: str, /, *, published: bool = False, **fields: Any) -> str:
        """Its message `name` with these fields, as it reads for a workbook or JSON data, or for a
        published report (`published`)."""
        return self.words[name].say(published=published, **fields)

    def placed(self, finding: Finding) -> Finding:
        """Its finding as a published report shows it: a report has no cells, so a finding without
        a cell or a place is named by its field's place in words (its table, row and column labels)."""
        return finding if finding.cell or finding.where else replace(finding, where=where_text(finding.field))

    def finding(
        self,
        field: str | None,
        message: str,
        *,
        severity: str | None = None,
        cell: str | None = None,
        cells: tuple[str, ...] = (),
        expected: Any = None,
        actual: Any = None,
        where: str | None = None,
    ) -> Finding:
        """A finding of this rule, of its severity (or of `also`; any rule's finding may be an error
        under `strict`). A severity the rule does not have is a mistake in the program."""
        severity = severity or self.severity
        if severity not in self.severities and severity != ERROR:
            raise ValueError(f"rule {self.id} has no {severity} findings")
        return Finding(
            self.id, severity, field, message, cell=cell, cells=cells, expected=expected, actual=actual, where=where
        )


# Where a rule applies (`Rule.applies`), in the words staff know.
FILLED = Scope("填报工作簿和 JSON 数据", checked=True)
TYPED = Scope(FILLED.words)  # S2: found while the values are typed (checker.normalise), not by a check
WORKBOOK = Scope("填报工作簿")
JSON = Scope("JSON 数据")
PUBLISHED = Scope("导入的已发布报告（Word、网页、文本、PDF）")
WITH_PREVIOUS = Scope("与上年报告或“基本信息”中的上年数据对照", checked=True)
PREVIOUS_REPORT = Scope("与上年报告对照", checked=True, previous=True)
PREVIOUS_DIR = Scope("按上年报告文件夹逐一配对时")
FILL = Scope("由 JSON 数据生成填报工作簿时")
NARRATIVE_FILE = Scope("生成报告时另附文字稿")
MERGE = Scope("汇总下级单位的报告时")
ROUND = Scope("年度收集中单位上传的报告")

__all__ = ["Context", "Replaces", "Rule", "Scope", "Words"]
