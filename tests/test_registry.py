"""The rule registry: every id has one meaning, every finding is made by a rule in the one list
(checked statically, over the library's source), and README, the 校验 sheet, the contract and
`xltools rules` agree with the list."""

import ast
import importlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltools.api import check_file
from xltools.cli import main
from xltools.model import ERROR, WARNING
from xltools.published import import_report
from xltools.rules import registry
from xltools.rules.registry import RULES, SUM_RULES, markdown_table
from xltools.rules.rule import Rule
from xltools.rules.sums import Arithmetic
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


# --- the id guard, statically: findings are made only by Rule objects, and every Rule is listed ---

SOURCE = ROOT / "xltools"
# Where a Finding may be built from parts: the rule's own constructor, and one place that reads a
# stored finding back (a collection round's U1, kept as JSON: its id came from the rule that made it).
BUILDS_FINDINGS = {("rules/rule.py", "finding"), ("web/round_work.py", "as_stored")}


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        yield path.relative_to(SOURCE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree: ast.AST, name: str):
    """(enclosing function or None, call) for every call of `name` or `x.name`."""
    found = []

    def walk(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Call):
                f = child.func
                if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                    found.append((func, child))
            walk(child, inner)

    walk(tree, None)
    return found


def test_only_rules_make_findings():
    """No Finding is built from a bare id: each comes from `Rule.finding` of a rule object (nor is
    a finding's id replaced afterwards), so every id a finding carries is one of the list's."""
    stray = []
    for module, tree in _modules():
        stray += [
            f"{module}:{c.lineno}" for func, c in _calls(tree, "Finding") if (module, func) not in BUILDS_FINDINGS
        ]
        stray += [
            f"{module}:{c.lineno} replace(…, rule=…)"
            for _, c in _calls(tree, "replace")
            if any(k.arg == "rule" for k in c.keywords)
        ]
    assert stray == []


def _rule_calls(tree: ast.AST):
    """Every call that makes a rule: Rule(…) or one of its kinds (Arithmetic(…))."""
    kinds = {Rule.__name__, *(k.__name__ for k in Rule.__subclasses__())}
    return [call for kind in kinds for _, call in _calls(tree, kind)]


def test_every_rule_object_is_in_the_one_list():
    """Rules are made once, at module level, each named by its id (R3.3 as R3_3), and each is in
    the registry's list: a rule made anywhere else could make findings the list does not know."""
    defining = 0
    for module, tree in _modules():
        calls = _rule_calls(tree)
        if not calls:
            continue
        defining += 1
        top = {id(node.value) for node in tree.body if isinstance(node, ast.Assign)}
        assert all(id(call) in top for call in calls), f"{module}: a rule made inside code"
        mod = importlib.import_module("xltools." + module.removesuffix(".py").replace("/", "."))
        for name, value in vars(mod).items():
            if isinstance(value, Rule):
                assert RULES.get(value.id) is value, f"{module}: {name} is not in the registry's list"
                assert name == value.id.replace(".", "_"), f"{module}: {name} names rule {value.id}"
    assert defining >= 2  # the scan sees the registry and the modules beside it
    listed = list(RULES.values())
    assert [getattr(registry, r.id.replace(".", "_")) for r in listed] == listed


def test_every_rule_is_found_by_some_code():
    """Each rule of the list is either run by the checker (a check of its own, or the relations
    of a rule of sums) or made by name somewhere in the library (`I1.finding`, `S2.finding`)."""
    used: set[str] = set()
    for module, tree in _modules():
        if module == "rules/registry.py":
            continue  # the list itself names every rule
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
    for r in RULES.values():
        checked = r.check is not None or bool(isinstance(r, Arithmetic) and r.relations)
        assert checked or r.id.replace(".", "_") in used, f"{r.id}: nothing makes its findings"
        assert checked <= r.applies.checked, f"{r.id}: a check the checker does not run"
    assert {s.rule for s in SUM_RULES} == {r.id for r in RULES.values() if isinstance(r, Arithmetic)}


def test_a_rule_makes_findings_of_its_own_severities():
    assert registry.S3.finding("problems", "x").severity == ERROR
    assert registry.S2.finding("year", "x", severity=WARNING).severity == WARNING  # S2's lesser kind
    assert registry.T1.finding(None, "x", severity=ERROR).severity == ERROR  # any finding under strict
    with pytest.raises(ValueError, match="S3 has no warning"):
        registry.S3.finding(None, "x", severity=WARNING)


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


def test_rules_that_compare_with_last_year_say_what_they_read():
    """Last year's report is read only as far as the rules read it (`checker.PREVIOUS_FIELDS`),
    so each rule that compares with it names the fields it reads, and no other rule names any."""
    from xltools.rules.checker import PREVIOUS_FIELDS
    from xltools.rules.rule import PREVIOUS_REPORT, WITH_PREVIOUS

    for r in RULES.values():
        compares = r.applies in (PREVIOUS_REPORT, WITH_PREVIOUS)
        assert bool(r.last_year) == compares, r.id
        assert set(r.last_year) <= set(PREVIOUS_FIELDS), r.id


def test_no_rule_id_is_written_out_in_the_library():
    """Code that asks about a rule names its object (`f.rule == S2.id`), never the id as a string:
    an id is written once, in its rule's definition. Exempt: `__all__`, the spec below the rules
    (spec.CARRIES says which of X1, X2 each carry is) and the web page, which may not import rules."""
    ids = set(RULES)
    written = []
    for module, tree in _modules():
        if module == "spec.py" or module.startswith("web/"):
            continue
        own: set[int] = set()
        for call in _rule_calls(tree):
            rule_id = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else None
            own |= {id(n) for n in ast.walk(call) if isinstance(n, ast.Constant) and n.value == rule_id}
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                own |= {id(n) for n in ast.walk(node)}
        written += [
            f"{module}:{n.lineno} {n.value}"
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and n.value in ids and id(n) not in own
        ]
    assert written == []


def test_every_message_a_rule_names_it_holds():
    """A rule's words are complete templates (every named field filled by the fields it is said
    with), and a finding one rule stands for in a published report (`Rule.replaces`) names a rule
    of the list and a message its declaring rule holds, said with the fields it gives."""
    import string

    from xltools.published import NO_SUMMARY

    for r in RULES.values():
        for name, words in r.words.items():
            for text in filter(None, (words.text, words.published)):
                fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                assert all(f.isidentifier() for f in fields), f"{r.id} {name}: {fields}"
        for swap in r.replaces:
            assert RULES.get(swap.rule.id) is swap.rule and swap.words in r.words, r.id
            assert r.say(swap.words, **swap.fields)
    assert NO_SUMMARY.startswith("一、总体情况直接从（一）开始")


def test_every_message_said_in_the_library_exists_with_its_fields():
    """Statically, over the library's source: each `RULE.say("name", field=…)` names a message the
    rule holds and gives every field its template uses. A message said only on a rare path (a
    table printed with more numbers than columns) would otherwise fail there, in a user's hands."""
    import string

    said = []
    for path in sorted(p for p in SOURCE.rglob("*.py") if p.name != "__main__.py"):
        module = importlib.import_module(
            ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        )
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "say"
                and isinstance(n.func.value, ast.Name)
                and isinstance(getattr(module, n.func.value.id, None), Rule)
                and n.args
                and isinstance(n.args[0], ast.Constant)
            ):
                continue
            rule, name = getattr(module, n.func.value.id), n.args[0].value
            where = f"{path.relative_to(ROOT)}:{n.lineno} {rule.id}.say({name!r})"
            assert name in rule.words, where
            if any(k.arg is None for k in n.keywords):  # **fields: not known statically
                continue
            given = {k.arg for k in n.keywords} - {"published"}
            words = rule.words[name]
            for text in filter(None, (words.text, words.published)):
                needed = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                assert needed <= given, f"{where} lacks {sorted(needed - given)}"
            said.append(where)
    assert any("I2.say('more_numbers')" in w for w in said)  # the walk reaches the table readers
