"""The oracle: the recalculated workbook and `check` give one verdict (docs/format.md §5.1).

Hypothesis generates fills: consistent ones, inconsistent ones, and cells spoiled the ways clerks
and pasting programs spoil them (every input class staff produce: text, full-width digits, blank,
fraction, negative, boolean, error value, blank-looking text, near-integer 1.0000000000000002, a
date in a count cell; a required text that only looks filled or holds an error value). Every fill
is written through the defined names with openpyxl and recalculated by two engines, LibreOffice
(one run for all) and Gnumeric. For every file and engine:
- 校验!check_status says 通过 exactly when `check` finds no error;
- each table sheet's status line passes exactly when `check` has no error of that table's checks,
  never shows an error value, and counts the red cells and names the first as computed in Python;
- the cells the sheet marks (the _meta mark its conditional formats read: red 2, orange 1) are
  exactly the cells the findings name (red: errors, orange: warnings).
The one difference by nature: LibreOffice counts TRUE as 1 in SUM (Excel and Gnumeric skip it), so
on a fill holding a boolean LibreOffice's arithmetic rules may mark other cells; the verdicts still
agree there (the boolean itself is an S2 error in both), and the test compares marks for
LibreOffice only on fills without booleans.

A second test recalculates every kind of workbook the tool writes (template, next year's template,
fill, merge, the batch summary) in LibreOffice and compares every formula cell's stored result,
whole, with LibreOffice's.
"""

import datetime
import io
import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import gnumeric, libreoffice
from tests.conftest import EXAMPLES
from tests.libreoffice import named_value
from tests.workbooks import VALID_TEXTS, fill
from xltools import spec
from xltools.model import ERROR
from xltools.rules.checker import check
from xltools.rules.sums import TOTAL_PARTS, inputs_of
from xltools.spec import APPLICANT_COLUMNS, FIELDS, REQUEST_RESULT_ROWS
from xltools.workbook import layout
from xltools.workbook.reader import read_workbook
from xltools.workbook.template import _computed, template_bytes

NUMERIC_INPUTS = [f.path for f in spec.INPUT_FIELDS if f.kind.numeric and f.path != "year"]
REQUIRED_TEXTS = [f.path for f in spec.REQUIRED_FIELDS if not f.kind.numeric]
BLANK_LOOKING = [" ", "\u3000", "\u00a0", "\n", "\t", "\u200b", "\x7f", "\u3000\u00a0 "]
SHEET_RULES = {"S2", "S4", "R3.1", "R3.2", "R3.3", "R4.1", "X1", "X2"}  # what the template checks itself
TABLE_OF_SHEET = {spec.SHEET_PROACTIVE: "proactive", spec.SHEET_REQUESTS: "requests", spec.SHEET_APPEALS: "appeals"}

# Every input class, and what it becomes in the cell.
SPOILERS = {
    "blank": lambda n: None,
    "text": lambda n: str(n),
    "full_width": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "thousands": lambda n: f"{n + 1000:,}",
    "negative": lambda n: -n - 1,
    "fraction": lambda n: n + 0.5,
    "boolean": lambda n: True,
    "error": lambda n: "#N/A",
    "blank_looking": lambda n: BLANK_LOOKING[n % len(BLANK_LOOKING)],
    "near_integer": lambda n: math.nextafter(float(n + 1), math.inf if n % 2 else -math.inf),
    "date": lambda n: datetime.datetime(2024, 3, 1 + n % 28),
    "off_by_one": lambda n: n + 1,
    "word": lambda n: "无",
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
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(NUMERIC_INPUTS))
        spoil = draw(st.sampled_from(sorted(SPOILERS)))
        before = values.get(path)
        values[path] = SPOILERS[spoil](before if isinstance(before, int) and before >= 0 else 1)
    if draw(st.integers(0, 4)) == 0:
        values[draw(st.sampled_from(REQUIRED_TEXTS))] = draw(st.sampled_from([*BLANK_LOOKING, "#N/A", None]))
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


def _every_class() -> list[dict]:
    """One fill per input class, in a count cell of table 三 and in one of table 二, and each
    blank-looking text and an error value in a required text: every class is met in every run."""
    base = {**VALID_TEXTS, "requests.new.natural": 2, "requests.granted.natural": 2, "proactive.regulations.issued": 3}
    out = []
    for spoil in SPOILERS.values():
        out.append({**base, "requests.granted.natural": spoil(2), "proactive.regulations.issued": spoil(3)})
    for text in [*BLANK_LOOKING, "#N/A"]:
        out.append({**base, "overview.platform": text})
    return out


def _marks(wb) -> dict[str, int]:
    meta = wb[spec.SHEET_META]
    out = {}
    for path, row in layout.META_MARK_ROW.items():
        assert meta.cell(row + 1, layout.META_MARK_COL + 1).value == path
        code = meta.cell(row + 1, layout.META_MARK_COL + 2).value
        if code:
            out[path] = int(code)
    return out


def _expected_marks(result, source) -> dict[str, int]:
    by_ref = {ref: path for path, ref in source.cells.items()}
    out: dict[str, int] = {}
    for f in result.findings:
        if f.rule not in SHEET_RULES:
            continue
        for c in f.cells:
            path = by_ref[c]
            out[path] = max(out.get(path, 0), 2 if f.severity == ERROR else 1)
    invalid = {f.field for f in result.errors if f.rule == "S2"}
    for total in TOTAL_PARTS:  # a total over an invalid cell: framed in red (3), unless red itself
        if out.get(total) != 2 and invalid.intersection(inputs_of((total,))):
            out[total] = layout.INVALID_TOTAL
    return out


def _expected_status(values) -> dict[str, str]:
    """Each table's status line as the template computes it in Python for these inputs."""
    inputs = _computed(values)["inputs"]
    out = {}
    for sheet in TABLE_OF_SHEET:
        (line,) = [i for i in layout.SHEETS[sheet].items if isinstance(i, layout.Formula) and (i.row, i.col) == (1, 0)]
        out[sheet] = line.value(inputs)
    return out


def _table_fails(result) -> dict[str, bool]:
    """Whether `check` has an error among the checks a table sheet's status line counts."""
    bad = {f.field and FIELDS[f.field].group for f in result.errors if f.rule in SHEET_RULES - {"S4"}}
    return {sheet: table in bad for sheet, table in TABLE_OF_SHEET.items()}


@pytest.mark.parametrize(
    "engine",
    [
        pytest.param("libreoffice", marks=pytest.mark.libreoffice),
        pytest.param("gnumeric", marks=[pytest.mark.gnumeric, pytest.mark.slow]),
    ],
)
def test_the_recalculated_sheet_and_check_give_one_verdict(tmp_path, engine, request):
    n = min(settings().max_examples, 60)  # recalculation is slow: 20 random fills locally, 60 in CI
    samples = _every_class() + _collect(n if n >= 60 else 20)
    base = template_bytes()
    paths = []
    for i, values in enumerate(samples):
        p = tmp_path / f"fill{i:03d}.xlsx"
        p.write_bytes(fill(values, base=base))
        paths.append(p)
    if engine == "libreoffice":
        outs = libreoffice.convert(paths, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out", timeout=900)
    else:
        outs = gnumeric.recalculate(paths, tmp_path / "out")

    compared = 0
    for values, src, out in zip(samples, paths, outs, strict=True):
        wb = openpyxl.load_workbook(out, data_only=True)
        source = read_workbook(src)
        result = check(source)
        context = f"{engine} {src.name}: {values}"
        assert named_value(wb, "check_status") == ("通过" if result.ok else "未通过"), context
        expected = _expected_status(source.values)  # the inputs as read (a date is its serial)
        for sheet, fails in _table_fails(result).items():
            status = wb[sheet].cell(2, 1).value
            assert (status != layout.TABLE_PASSED) == fails, (sheet, status, context)
            assert isinstance(status, str) and not status.startswith("#"), (sheet, status, context)
        if engine == "libreoffice" and any(isinstance(v, bool) for v in values.values()):
            continue  # LibreOffice sums TRUE as 1 (Excel and Gnumeric skip it): see the docstring
        for sheet in TABLE_OF_SHEET:  # what the clerk counts (red cells) and the first of them
            assert wb[sheet].cell(2, 1).value == expected[sheet], (sheet, context)
        assert _marks(wb) == _expected_marks(result, source), context
        compared += 1
    assert compared >= len(samples) // 2


# --- every workbook we write stores the whole value each formula computes ---------------------------


def _formula_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate


def _workbooks_we_write() -> dict[str, bytes]:
    import json

    from xltools.api import check_file
    from xltools.collect import merge as merging
    from xltools.collect.summary import workbook_bytes
    from xltools.jsonform import source_from_object
    from xltools.previous import next_template_for
    from xltools.workbook.fill import fill_bytes

    example = check(
        source_from_object(json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8")), "s.json")
    )
    huaian = check(
        source_from_object(json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8")), "h.json")
    )
    return {
        "template": template_bytes(),
        "template_broken": template_bytes({**VALID_TEXTS, "requests.new.natural": 3, "appeals.review.total": None}),
        "next_template": next_template_for(example.report),
        "fill": fill_bytes(example),
        "fill_huaian": fill_bytes(huaian),
        "merge": _merged_bytes(merging),
        "summary": workbook_bytes(
            check_file(p) for p in (EXAMPLES / "suoluo-2024.xlsx", EXAMPLES / "suoluo-2024.json")
        ),
    }


def _merged_bytes(merging) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, n in enumerate((3, 5)):
            p = Path(d) / f"unit{i}.xlsx"
            p.write_bytes(fill({**VALID_TEXTS, "agency.name": f"测试单位{i}", "appeals.review.upheld": n}))
            paths.append(str(p))
        result = merging.run(paths, name="测试市测试区人民政府", self_key="测试单位0")
        return merging.output_bytes(result, ".xlsx")


def test_every_workbook_we_write_stores_what_its_formulas_compute(tmp_path, libreoffice):
    cases = _workbooks_we_write()
    done = libreoffice.recalculate(cases, tmp_path)
    checked = 0
    for name, data in cases.items():
        src, saved = done[name]
        ours = openpyxl.load_workbook(src, data_only=True)
        theirs = openpyxl.load_workbook(saved, data_only=True)
        for sheet, ref in _formula_cells(data):
            mine, lo = ours[sheet][ref].value, theirs[sheet][ref].value
            if isinstance(mine, int | float) and not isinstance(mine, bool):
                assert lo == pytest.approx(mine), (name, sheet, ref, mine, lo)
            else:
                assert mine == lo, (name, sheet, ref, mine, lo)  # whole strings
            checked += 1
    assert checked > 6 * 450  # six workbooks of the template's ~500 formulas each; the summary has none
