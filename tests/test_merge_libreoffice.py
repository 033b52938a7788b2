"""A merged workbook in the real spreadsheet program: LibreOffice recalculates it, every table check
holds, the totals are the sums, and the reader reads back what merge wrote."""

from __future__ import annotations

import random

import openpyxl
import pytest
from click.testing import CliRunner

from benchmarks.generate import unit_values
from tests.libreoffice import named_value
from xltools.cli import main
from xltools.rules.checker import check
from xltools.workbook import layout
from xltools.workbook.reader import read_workbook
from xltools.workbook.template import template_bytes


@pytest.fixture(scope="module")
def merged(tmp_path_factory, libreoffice):
    d = tmp_path_factory.mktemp("merge_lo")
    rng = random.Random(11)
    values = [unit_values(rng, f"测试县第{i}局") for i in range(1, 4)]
    for i, v in enumerate(values, 1):
        (d / f"u{i}.xlsx").write_bytes(template_bytes(v))
    out = d / "县.xlsx"
    result = CliRunner().invoke(
        main, ["merge", str(d), "-o", str(out), "--name", "测试县人民政府", "--self", "测试县第1局"]
    )
    assert result.exit_code == 0, result.output
    (recalculated,) = libreoffice.convert([out], "xlsx:Calc MS Excel 2007 XML", d / "out")
    return out, recalculated, values


def test_every_table_check_holds_after_recalculation(merged):
    _, recalculated, values = merged
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    table_checks = [c for c in layout.CHECKS if c.hard and c.rule.startswith(("R", "S2"))]
    assert table_checks
    for c in table_checks:
        assert named_value(wb, c.name) == "✓", c.name
    assert named_value(wb, "requests_new_total") == sum(
        v[f"requests.new.{col}"]
        for v in values
        for col in ("natural", "business", "research", "nonprofit", "legal", "other")
    )
    assert named_value(wb, "check_status") == "未通过"  # the narrative is the summing office's to write


def test_reader_reads_back_the_merged_numbers_after_libreoffice_saved_it(merged):
    out, recalculated, _ = merged
    ours, theirs = check(read_workbook(out)), check(read_workbook(recalculated))
    numeric = [
        p for p in ours.report.values if p.startswith(("proactive.", "requests.", "appeals.", "processing_fee."))
    ]
    assert {p: ours.report.values[p] for p in numeric} == {p: theirs.report.values[p] for p in numeric}
    assert {f.rule for f in theirs.findings if f.severity == "error"} == {"S4"}
