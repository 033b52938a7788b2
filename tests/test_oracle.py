"""The oracle: LibreOffice's verdict in the template's check cells equals the Python rules' verdict.

Hypothesis generates fills (consistent ones, inconsistent ones, blank cells, text numbers, full-width
digits, totals overwritten by values, last year's figures given or not). Every fill is written through
the defined names with openpyxl, all are recalculated in one LibreOffice run, and for every file:
- each rule's check cell (✓ / ✗ / — not applicable) equals the same SumRule evaluated in Python on
  what the cells hold, the way a spreadsheet's SUM sees them (text ignored);
- the cells the sheet flags under S2 are exactly those the checker reports under S2;
- on fills where every input is a clean number, the checker's rule findings are exactly the failing
  check cells (FORMAT.md §4: on clean numbers the template and the checker agree on every rule).
"""

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import libreoffice
from tests.libreoffice import named_value
from tests.workbooks import VALID_TEXTS, fill
from xltools import spec
from xltools.rules.checker import check
from xltools.rules.sums import SUM_RULES, TOTAL_PARTS
from xltools.spec import APPLICANT_COLUMNS, FIELDS, REQUEST_RESULT_ROWS
from xltools.workbook import layout
from xltools.workbook.reader import read_workbook
from xltools.workbook.template import template_bytes

NUMERIC_INPUTS = [f.path for f in spec.INPUT_FIELDS if f.kind.numeric and f.path != "year"]
TOTALS = list(TOTAL_PARTS)

# How a clerk or a pasting program spoils a number, and what it becomes in the cell.
SPOILERS = {
    "blank": lambda n: None,
    "text": lambda n: str(n),
    "full_width": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "negative": lambda n: -n - 1,
    "fraction": lambda n: n + 0.5,
    "word": lambda n: "无",
    "off_by_one": lambda n: n + 1,
    "thousands": lambda n: f"{n + 1000:,}",
}


@st.composite
def fills(draw):
    values = dict(VALID_TEXTS)
    for col in APPLICANT_COLUMNS:
        results = {r: draw(st.integers(0, 3)) for r in REQUEST_RESULT_ROWS}
        carried_over = draw(st.integers(0, 4))
        carried_in = draw(st.integers(0, sum(results.values()) + carried_over))
        values.update({f"requests.{r}.{col}": n for r, n in results.items()})
        values[f"requests.carried_over.{col}"] = carried_over
        values[f"requests.carried_in.{col}"] = carried_in
        values[f"requests.new.{col}"] = sum(results.values()) + carried_over - carried_in
        if draw(st.booleans()):
            values[f"previous.carried_over.{col}"] = carried_in + draw(st.sampled_from([0, 0, 1]))
    for group in ("review", "suit_direct", "suit_after_review"):
        for part in spec.APPEAL_PARTS:
            values[f"appeals.{group}.{part}"] = draw(st.integers(0, 50))
    for row in ("regulations", "normative_documents"):
        issued, repealed, previous = draw(st.integers(0, 9)), draw(st.integers(0, 9)), draw(st.integers(9, 60))
        values.update({f"proactive.{row}.issued": issued, f"proactive.{row}.repealed": repealed})
        values[f"proactive.{row}.in_force"] = previous + issued - repealed + draw(st.sampled_from([0, 0, 2]))
        if draw(st.booleans()):
            values[f"previous.in_force.{row}"] = previous
    values["proactive.fees.amount_wan"] = draw(st.sampled_from([0, 1.5, 96171.6, 12.345678]))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(NUMERIC_INPUTS))
        spoil = draw(st.sampled_from(sorted(SPOILERS)))
        before = values.get(path)
        values[path] = SPOILERS[spoil](before if isinstance(before, int) and before >= 0 else 1)
    for _ in range(draw(st.integers(0, 2))):
        values[draw(st.sampled_from(TOTALS))] = draw(st.integers(0, 40))
    if draw(st.integers(0, 9)) == 0:
        values["overview.platform"] = None
    return values


def _collect(n: int) -> list[dict]:
    found: list[dict] = []

    @settings(
        max_examples=n, database=None, phases=[Phase.generate], deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(fills())
    def gather(values):
        found.append(values)

    gather()
    return found


def _sheet_value(source, path: str):
    """A cell as the sheet's SUM() sees it: numbers count, text and blanks are 0."""
    raw = source.values.get(path)
    if path in TOTAL_PARTS and path not in source.values:
        return sum(_sheet_value(source, p) for p in TOTAL_PARTS[path])
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return 0
    return raw


def _expected_cell(rule, source) -> str:
    if any(source.values.get(p) is None for p in rule.optional):
        return "—"
    return "✓" if rule.holds(lambda p: _sheet_value(source, p)) else "✗"


def test_sheet_and_python_agree_on_every_rule(tmp_path):
    libreoffice.require()
    samples = _collect(settings().max_examples)
    base = template_bytes()
    paths = []
    for i, values in enumerate(samples):
        p = tmp_path / f"fill{i:03d}.xlsx"
        p.write_bytes(fill(values, base=base))
        paths.append(p)
    outs = libreoffice.convert(paths, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out", timeout=900)

    clean_fills = 0
    for values, src, out in zip(samples, paths, outs, strict=True):
        wb = openpyxl.load_workbook(out, data_only=True)
        source = read_workbook(src)
        result = check(source)
        context = f"{src.name}: {values}"

        for rule in SUM_RULES:
            assert str(named_value(wb, rule.name))[:1] == _expected_cell(rule, source), (rule.name, context)

        meta = wb[spec.SHEET_META]
        flagged = {p for p, r in layout.META_FLAG_ROW.items() if meta.cell(r + 1, 2).value == 1}
        reported = {f.field for f in result.findings if f.rule == "S2"}
        assert flagged == reported, context
        for group in spec.NUMERIC_GROUPS:
            bad = any(FIELDS[p].group == group for p in reported)
            assert str(named_value(wb, f"check_S2_{group}"))[:1] == ("✗" if bad else "✓"), (group, context)

        for f in spec.REQUIRED_FIELDS:
            assert str(named_value(wb, f"check_S4_{f.name}"))[:1] == ("✗" if not values.get(f.path) else "✓")

        if not reported:
            clean_fills += 1
            failing_cells = {r.name for r in SUM_RULES if str(named_value(wb, r.name)).startswith("✗")}
            by_target = {(r.rule, r.target): r.name for r in SUM_RULES}
            failing_findings = {by_target[(f.rule, f.field)] for f in result.findings if (f.rule, f.field) in by_target}
            assert failing_findings == failing_cells, context
            hard_fail = any(f.severity == "error" and f.rule.startswith("R") for f in result.findings)
            s1 = any(f.rule == "S1" and f.severity == "error" for f in result.findings)
            s4 = any(f.rule == "S4" for f in result.findings)
            assert (named_value(wb, "check_status") == "通过") == (not (hard_fail or s4)), context
            assert s1 == any(p in values for p in TOTALS), context  # an overwritten total is tampering
    assert clean_fills >= len(samples) // 5  # the generator keeps producing plenty of clean fills
