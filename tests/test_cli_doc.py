"""README's command table is the command line's own (xltools/cli_doc.py): every command, every option;
the sections of docs/format.md the code cites exist; and the code cites no issue number."""

import re

import click

from tests.conftest import ROOT
from xltools.cli import main
from xltools.cli_doc import readme_table, table


def test_readme_command_table_is_drawn_from_the_command_line():
    found = readme_table((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "README has no command table between the <!-- commands --> markers"
    assert found == table(), "README's command table is stale: run python -m xltools.cli_doc --write-readme"


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        elif not command.hidden:
            yield " ".join(("xltools", *path, name)), command


def test_every_command_and_option_is_in_the_table():
    """Including those added later (a group's commands too): the table cannot miss one."""
    rows = table().splitlines()[2:]
    for usage, command in _commands(main):
        row = next((r for r in rows if r.startswith(f"| `{usage} ") or r.startswith(f"| `{usage}`")), None)
        assert row is not None, usage
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert any(f"{opt} " in row or f"{opt}]" in row or f"{opt}`" in row for opt in param.opts), (
                    usage,
                    param.opts,
                )
    assert "xltools export 文件 [-o 文件.json] [--force]" in table()
    assert "[--force] [-j 整数]" in next(r for r in rows if r.startswith("| `xltools merge "))


def test_every_section_of_docs_format_the_code_cites_exists():
    """Code and README cite docs/format.md by section (`docs/format.md §5.1`): each cited number is
    one of its headings, so a renumbered section cannot leave citations pointing nowhere."""
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", (ROOT / "docs" / "format.md").read_text("utf-8"), re.M))
    cited = {}
    sources = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    sources += [p for d in ("xltools", "tests", "benchmarks", "packaging", ".ci") for p in (ROOT / d).rglob("*.py")]
    for path in sources:
        if path.exists():
            for number in re.findall(r"format\.md ?§(\d+(?:\.\d+)?)", path.read_text("utf-8")):
                cited.setdefault(number, path.relative_to(ROOT))
    assert cited and {n: p for n, p in cited.items() if n not in headings} == {}


# The word issue with a number, or a number after "#" (in parentheses, say): a number a reader of the
# repository cannot look up. Not an upstream project's ("pypa/pip#12361"), not a colour ("#000;").
_ISSUE = re.compile(r"(?i)\bissues? ?#?\d+\b|(?<![\w/&#])#\d{1,3}(?=[),:\s]|$)")


def test_the_code_says_the_decision_instead_of_citing_an_issue_number():
    found = []
    for doc in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md", "docs/format.md"):
        for number, line in enumerate((ROOT / doc).read_text("utf-8").splitlines(), 1):
            if _ISSUE.search(line):
                found.append(f"{doc}:{number}: {line.strip()}")
    for folder in ("xltools", "tests", "benchmarks", "packaging", ".ci"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".j2", ".html", ".js", ".css", "") or "fixtures" in path.parts:
                continue
            if not path.is_file():
                continue
            for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
                if _ISSUE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "say the decision in words instead:\n" + "\n".join(found)


def test_the_quick_start_names_the_hints_its_example_shows():
    """README's quick start says which hints `xltools build examples/suoluo-2024.xlsx` shows: the
    paragraph after the command names exactly the rules of the example's findings."""
    from xltools import api

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("pip install . && xltools build examples/suoluo-2024.xlsx")
    paragraph = readme[start : readme.index("运行测试", start)]
    result = api.check_file(ROOT / "examples" / "suoluo-2024.xlsx").result
    assert result is not None and result.ok
    shown = {f.rule for f in result.findings}
    named = set(re.findall(r"（([A-Z]\d+)）", paragraph))
    assert named == shown, f"README names {sorted(named)}, the example shows {sorted(shown)}"
