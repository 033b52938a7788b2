"""The shipped examples and the real published texts: no false T1 (or T2) warning, and T1 does
read the figures they quote."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, PUBLISHED
from xltools.cli import main
from xltools.jsonform import source_from_object
from xltools.rules.checker import check
from xltools.rules.soft import NARRATIVES
from xltools.rules.textnums import claims

CASES = [("suoluo-2024.json", "suoluo-2024-report.txt"), ("huaian-2024.json", "huaian-2024-report.txt")]


def _load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("example", "_seed"), CASES)
def test_check_prints_no_t1_on_shipped_examples(example, _seed):
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / example)])
    assert result.exit_code == 0, result.output
    assert "[T1]" not in result.output and "[T2]" not in result.output


@pytest.mark.parametrize(("example", "seed"), CASES)
def test_every_published_sentence_agrees_with_the_tables(example, seed):
    """All prose of the published report (not just what the example keeps) against its tables."""
    data = _load(example)
    lines = (PUBLISHED / seed).read_text(encoding="utf-8").splitlines()
    prose = [ln for ln in lines[1:] if "|" not in ln and not ln.startswith(("source:", "note:"))]
    data["other_matters"] = "\n".join(prose)
    result = check(source_from_object(data, example))
    assert [f for f in result.findings if f.rule in ("T1", "T2")] == []


def test_huaian_text_is_actually_read():
    data = _load("huaian-2024.json")
    texts = [data["overview"].get(p.split(".", 1)[1], "") for p in NARRATIVES if p.startswith("overview.")]
    found = [c for text in texts for c in claims(text)]
    metrics = sorted({c.metric for c in found})
    assert len(found) >= 15
    assert {"received", "answered", "carried_in", "carried_over", "review", "suit", "appeal_part", "issued"} <= set(
        metrics
    )


def test_huaian_with_a_wrong_table_figure_warns():
    data = _load("huaian-2024.json")
    data["appeals"]["review"]["upheld"] = 70  # the text says 结果维持72件 and 行政复议351件
    data["appeals"]["review"].pop("total", None)  # let the total follow its parts
    result = check(source_from_object(data, "huaian.json"))
    t1 = [f for f in result.findings if f.rule == "T1"]
    assert [(f.expected, f.actual) for f in t1] == [(349, 351), (70, 72)]
    assert "行政复议351件" in t1[0].message


def test_suoluo_zero_text_against_nonzero_table_warns():
    data = _load("suoluo-2024.json")
    data["overview"]["on_request"] = "2024年我乡未收到政府信息依申请公开件。"
    data["requests"] = {"new": {"natural": 2}, "granted": {"natural": 2}}
    (f,) = [f for f in check(source_from_object(data, "suoluo.json")).findings if f.rule == "T1"]
    assert f.expected == 2 and f.actual == 0
