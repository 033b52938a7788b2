"""The rule registry: every id has one meaning, and README, the 校验 sheet, the contract and
`xltools rules` agree with it."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.findings_guard import UNREGISTERED
from xltools.api import check_file
from xltools.cli import main
from xltools.model import ERROR, WARNING, Finding
from xltools.published import import_report
from xltools.rules.registry import RULES, markdown_table
from xltools.workbook.layout import CHECKS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_readme_rule_table_is_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:[^\n]*-->\n(.*?)\n<!-- /rules -->", readme, re.S)
    assert block, "README has no rule table between the <!-- rules --> markers"
    assert block.group(1) == markdown_table(), "README's rule table differs from xltools/rules/registry.py"


def test_format_contract_names_every_rule():
    contract = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    missing = [r for r in RULES if not re.search(rf"\b{re.escape(r)}\b", contract)]
    assert missing == []


def test_check_sheet_rules_are_registered_with_their_severity():
    for c in CHECKS:
        rule = RULES[c.rule]
        assert (ERROR if c.hard else WARNING) in rule.severities, (c.name, rule.id)
    # every hard rule the sheet can show counts towards 通过/未通过, every soft one does not
    assert {c.rule for c in CHECKS if c.hard} == {"S2", "S4", "R3.1", "R3.2", "R3.3", "R4.1"}
    assert {c.rule for c in CHECKS if not c.hard} == {"X1", "X2"}


def test_registry_entries_are_complete_and_gbk_safe():
    for r in RULES.values():
        assert r.severity in (ERROR, WARNING) and r.also in (None, ERROR, WARNING) and r.also != r.severity
        assert r.title and r.description and r.applies
        f"{r.id}{r.level}{r.title}{r.description}{r.applies}".encode("gbk")  # a Chinese Windows console


def test_an_unregistered_rule_id_fails_the_tests():
    with pytest.raises(AssertionError, match=r"not in xltools/rules/registry\.py"):
        Finding("Z9", WARNING, None, "x")
    with pytest.raises(AssertionError):
        Finding("S3", WARNING, None, "S3 is only ever an error")
    assert UNREGISTERED[-2:] == ["Z9 (warning): x", "S3 (warning): S3 is only ever an error"]
    del UNREGISTERED[-2:]


def test_findings_over_the_examples_are_registered():
    seen = set()
    for path in sorted(EXAMPLES.glob("*.xlsx")) + sorted(EXAMPLES.glob("*.json")):
        r = check_file(path)
        if r.result is not None:
            seen |= {f.rule for f in r.result.findings}
    for path in sorted((ROOT / "tests" / "fixtures" / "published").iterdir()):
        if path.suffix in (".txt", ".html", ".htm", ".docx"):
            seen |= {n.rule for n in import_report(path).notes}
    assert seen <= set(RULES)


def test_rules_command_lists_every_rule_and_explains_one():
    runner = CliRunner()
    everything = runner.invoke(main, ["rules"])
    assert everything.exit_code == 0
    assert re.findall(r"^(\S+)  ", everything.output, re.M) == list(RULES)
    one = runner.invoke(main, ["rules", "r3.3"])
    assert one.exit_code == 0
    assert one.output.splitlines()[0] == "R3.3  错误  表三结转关系"
    assert "本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理" in one.output
    bad = runner.invoke(main, ["rules", "Q7"])
    assert bad.exit_code == 2 and "没有规则“Q7”" in bad.output
