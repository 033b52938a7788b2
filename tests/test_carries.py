"""Carries (this year's figures that follow last year's) are declared once, in spec.CARRIES, and
every place that needs them derives from that table."""

from pathlib import Path

from xltools import spec
from xltools.collect.merge import SCOPE_GROUPS
from xltools.previous import load_previous, next_year_values
from xltools.rules.checker import with_previous
from xltools.rules.registry import SOFT_SUM_RULES
from xltools.workbook.layout import CHECKS, SHEETS

ROOT = Path(__file__).resolve().parent.parent


def test_the_warnings_x1_x2_are_the_carries():
    assert sorted((r.rule, r.target, r.optional) for r in SOFT_SUM_RULES) == sorted(
        (c.rule, c.this, (c.typed,)) for c in spec.CARRIES
    )
    assert {c.rule for c in spec.CARRIES} == {"X1", "X2"}
    assert [c.where for c in spec.CARRIES if c.rule == "X2"] == list(spec.DOCUMENT_ROWS)
    assert [c.where for c in spec.CARRIES if c.rule == "X1"] == list(spec.APPLICANT_COLUMNS)


def test_previous_fields_sit_on_the_basic_sheet_in_carry_order():
    assert [f.path for f in spec.FIELDS.values() if f.group == "previous"] == [c.typed for c in spec.CARRIES]
    basic = [s.path for s in SHEETS[spec.SHEET_BASIC].slots() if s.path.startswith("previous.")]
    assert basic == [c.typed for c in spec.CARRIES]


def test_last_years_report_fills_every_typed_field_and_next_years_template():
    last = load_previous(str(ROOT / "examples" / "suoluo-2024.xlsx"))
    values = next_year_values(last)
    checked = with_previous(last, last)
    for c in spec.CARRIES:
        assert values[c.typed] == (last.values.get(c.last) or 0)
        assert checked.values[c.typed] == last.values.get(c.last)
        if c.prefill:
            assert values[c.this] == values[c.typed]
        else:
            assert c.this not in values


def test_merge_keeps_last_years_figure_with_this_years():
    for c in spec.CARRIES:
        (group,) = [g for g in SCOPE_GROUPS if g.covers(c.this)]
        assert group.covers(c.typed), (c.typed, group.key)


def test_the_template_marks_and_places_each_carry_check():
    by_rule = {c.name: c for c in CHECKS}
    for c in spec.CARRIES:
        check = by_rule[f"check_{c.rule}_{c.where}"]
        assert not check.hard and check.table == spec.FIELDS[c.this].group
        assert c.this in check.marks


def test_document_rows_are_written_once():
    hits = [
        p.relative_to(ROOT)
        for p in (ROOT / "xltools").rglob("*.py")
        if '("regulations", "normative_documents")' in p.read_text(encoding="utf-8")
    ]
    assert hits == [Path("xltools/spec.py")]
