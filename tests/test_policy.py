"""Policy in the library, words in the interfaces: the command line and the web page refuse the
same things through the same library functions, and only they name their own controls."""

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.webclient import page_client
from tests.workbooks import VALID_TEXTS, fill_to
from xltools import cli
from xltools.api import load_report
from xltools.cli import main
from xltools.errors import ReportHasErrors
from xltools.previous import next_template_from
from xltools.render import build
from xltools.web.views import WEB_HINTS

ROOT = Path(__file__).resolve().parent.parent
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]+|-o)(?![\w:-])")  # not a CSS --property:
CJK = re.compile(r"[\u4e00-\u9fff]")


def _messages(path: Path):
    """Every Chinese string literal of a module, docstrings and comments aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and CJK.search(n.value):
            yield n.lineno, n.value


def test_library_messages_name_no_command_line_option():
    offenders = []
    for path in sorted((ROOT / "xltools").rglob("*.py")):
        if path.name == "cli.py":
            continue
        for line, text in _messages(path):
            quoting = "xltools " in text or "var(--" in text  # a whole command quoted (the guide, API docs); CSS
            if OPTION.search(text) and not quoting:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]}")
    assert offenders == []


@pytest.fixture
def broken(tmp_path):
    return fill_to(tmp_path / "本年.xlsx", {**VALID_TEXTS, "requests.new.natural": 5})


def test_next_years_template_from_a_report_with_errors_is_refused_alike(tmp_path, broken):
    result = load_report(broken)
    with pytest.raises(ReportHasErrors) as refused:
        next_template_from(result)
    library = refused.value.message
    # the command line: exit 1, the findings listed, nothing written
    out = tmp_path / "下一年.xlsx"
    r = CliRunner().invoke(main, ["template", "--previous", str(broken), "-o", str(out)])
    assert r.exit_code == 1 and library in r.stderr and "[R3.3]" in r.stderr
    assert not out.exists()
    # the web page: the same refusal (422), the same words
    with page_client() as client:
        answer = client.post("/next-template.xlsx", data={"report": json.dumps(_report_json(result))})
    assert answer.status_code == 422 and library in answer.text


def _report_json(result):
    from xltools.jsonform import report_to_json

    return report_to_json(result.report)


def test_build_refusal_is_the_librarys_with_each_interfaces_hint(broken):
    with pytest.raises(ReportHasErrors) as refused:
        build(load_report(broken), "txt")
    library = refused.value.message
    assert "--" not in library
    r = CliRunner().invoke(main, ["build", str(broken)])
    assert r.exit_code == 1 and library + cli.CLI_HINTS["build_errors"] in r.stderr
    with page_client() as client:
        answer = client.post(
            "/api/build/txt", files={"file": (broken.name, broken.read_bytes())}, headers={"accept": "application/json"}
        )
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == library + WEB_HINTS["build_errors"]
    assert "--draft" not in answer.text


def test_command_line_hints_fill_in_the_errors_data(tmp_path):
    out = tmp_path / "汇总.json"
    r = CliRunner().invoke(
        main, ["merge", str(ROOT / "examples" / "suoluo-2024.json"), "-o", str(out), "--name", "某区"]
    )
    assert r.exit_code == 2 and "请用 --self 指明本级单位，或加 --scope 二（一）=汇总。" in r.stderr


COMMAND = re.compile(r"xltools (template|check|build|import|fill|merge|export|serve|schema|rules)\b|pip install")
# Where naming a command is the point: the command line itself, the template's 填表说明 sheet (a guide
# for both ways of working), the API's OpenAPI descriptions (for programmers).
NAMES_COMMANDS = {"cli.py", "template.py", "api_routes.py"}


def test_library_messages_name_no_command():
    """A library message says what to do in words any interface can show; the command line adds its
    command and the web page its button (cli.CLI_HINTS, web.views.WEB_HINTS)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]}"
        for path in sorted((ROOT / "xltools").rglob("*.py"))
        if path.name not in NAMES_COMMANDS
        for line, text in _messages(path)
        if COMMAND.search(text)
    ]
    assert offenders == []


def test_a_foreign_workbook_gets_each_interfaces_hint(tmp_path):
    import openpyxl

    path = tmp_path / "别人的.xlsx"
    openpyxl.Workbook().save(path)
    r = CliRunner().invoke(main, ["check", str(path)])
    assert r.exit_code == 2
    assert "请使用本工具的空白模板填写。空白模板用 xltools template -o 模板.xlsx 生成。" in r.output
    api = page_client().post("/api/check", files={"files": (path.name, path.read_bytes())})
    assert api.json()["files"][0]["error"]["message"].endswith("请使用本工具的空白模板填写。")


# The skins and the modules they may import (pyproject.toml's "forbidden" contracts): everything else
# of xltools must be listed as forbidden there, so a module added later is out of their reach too.
SKIN_MAY_IMPORT = {
    "xltools.cli": {"xltools.api", "xltools.errors", "xltools.model", "xltools.cli_chinese", "xltools.web"},
    "xltools.web": {"xltools.api", "xltools.errors", "xltools.model"},
}


def _top_level_modules() -> set[str]:
    return {
        f"xltools.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "xltools").iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__")) or (p / "__init__.py").exists()
    }


def _forbidden(source: str) -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for block in text.split("[[tool.importlinter.contracts]]")[1:]:
        if 'type = "forbidden"' in block and f'source_modules = ["{source}"]' in block:
            listed = re.search(r"forbidden_modules = \[(.*?)\]", block, re.S)
            return set(re.findall(r'"([\w.]+)"', listed.group(1))) if listed else set()
    return set()


@pytest.mark.parametrize("skin", sorted(SKIN_MAY_IMPORT))
def test_a_skin_may_import_only_the_door(skin):
    others = _top_level_modules() - SKIN_MAY_IMPORT[skin] - {skin}
    assert others - _forbidden(skin) == set(), f"add these to {skin}'s forbidden contract in pyproject.toml"
    assert _forbidden(skin) & SKIN_MAY_IMPORT[skin] == set()


def test_a_skin_has_no_exception_to_the_door():
    """No import of a skin is let through its contract: every forbidden contract and the layers
    list no ignore_imports, so the web page's table drawing, like the rest, goes through xltools.api."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    contracts = text.split("[[tool.importlinter.contracts]]")[1:]
    assert len([c for c in contracts if 'type = "forbidden"' in c]) == len(SKIN_MAY_IMPORT)
    assert [c for c in contracts if re.search(r"^ignore_imports\s*=", c, re.M)] == []
