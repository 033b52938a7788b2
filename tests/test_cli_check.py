"""`xltools check` through click's test runner: exit codes, streams, the --json shape (docs/format.md §6)."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, ROOT
from tests.workbooks import VALID_TEXTS, fill_to
from xltools.cli import main


def _run(*args):
    return CliRunner().invoke(main, list(args))


def _broken(tmp_path):
    return fill_to(
        tmp_path / "broken.xlsx",
        {**VALID_TEXTS, "requests.new.natural": 5, "requests.granted.natural": 4, "requests.carried_over.natural": 3},
    )


def test_passing_input_exits_0():
    result = _run("check", str(EXAMPLES / "suoluo-2024.json"))
    assert result.exit_code == 0
    assert result.output.startswith(f"{EXAMPLES / 'suoluo-2024.json'}（平凉市崆峒区索罗乡人民政府 2024年）：通过")


def test_errors_exit_1_and_are_grouped_by_sheet_with_cells(tmp_path):
    result = _run("check", str(_broken(tmp_path)))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith("（测试市测试区测试镇人民政府 2024年）：未通过：1 处错误")
    assert lines[1] == "  【三、依申请公开】"
    assert lines[2].startswith(  # every cell the rule involves, as the sheet marks them
        "    × [R3.3] D7、D8、D30、D31 三、依申请公开 自然人列：第一项加第二项（本年新收 5 + 上年结转 0 = 5）"
    )


def test_unusable_input_exits_2_with_the_reason(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = _run("check", str(bad))
    assert result.exit_code == 2
    assert "不是 Excel 工作簿（.xlsx），而是文本或 CSV 文件" in result.output


def test_highest_status_wins_and_summary_counts(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"")
    result = _run("check", str(EXAMPLES / "suoluo-2024.json"), str(_broken(tmp_path)), str(bad))
    assert result.exit_code == 2
    assert (
        result.output.splitlines()[-1]
        == "共 3 个文件：通过 1 个，有错误 1 个，无法使用 1 个；错误 1 处，提示 2 处。"  # suoluo: C5, C7
    )


def test_json_output_has_the_contract_shape(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = _run("check", "--json", str(_broken(tmp_path)), str(bad))
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    first, second = doc["files"]
    assert set(first) == {"path", "ok", "agency", "year", "findings"}
    assert first["ok"] is False and first["agency"] == "测试市测试区测试镇人民政府" and first["year"] == 2024
    f = first["findings"][0]
    assert set(f) == {"rule", "severity", "field", "cell", "cells", "where", "expected", "actual", "message"}
    assert f["where"] is None  # a workbook finding names its cell
    assert f["cells"][0] == f["cell"] and len(f["cells"]) == 4
    assert (f["rule"], f["severity"], f["field"], f["cell"], f["expected"], f["actual"]) == (
        "R3.3",
        "error",
        "requests.carried_over.natural",
        "三、依申请公开!D31",
        7,  # the two sides: 第三项加第四项 and 第一项加第二项, never a balancing value
        5,
    )
    assert second == {"path": str(bad), "ok": False, "error": {"code": "xls", "message": second["error"]["message"]}}
    assert doc["summary"] == {"files": 2, "ok": 0, "with_errors": 1, "unusable": 1, "errors": 1, "warnings": 0}
    assert list(doc) == ["format", "files", "summary"] and doc["format"] == "xltools.check/1"  # docs/format.md §6


def test_json_cell_is_null_for_json_input():
    src = json.loads((EXAMPLES / "suoluo-2024.json").read_text(encoding="utf-8"))
    src["appeals"] = {"review": {"upheld": 1, "total": 0}}
    runner = CliRunner()
    with runner.isolated_filesystem():
        with open("r.json", "w", encoding="utf-8") as fh:
            json.dump(src, fh, ensure_ascii=False)
        doc = json.loads(runner.invoke(main, ["check", "--json", "r.json"]).stdout)
    assert doc["files"][0]["findings"][0]["cell"] is None


def test_a_folder_is_searched_and_office_lock_files_skipped(tmp_path):
    d = tmp_path / "乡镇"
    (d / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLES / "suoluo-2024.json", d / "sub" / "a.json")
    fill_to(d / "b.xlsx", VALID_TEXTS)
    (d / "~$b.xlsx").write_bytes(b"lock")
    (d / "notes.md").write_text("x")  # not a report kind (a .txt would be read as a published report)
    result = _run("check", "--json", str(d))
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [str(d / "b.xlsx"), str(d / "sub" / "a.json")]
    assert result.exit_code == 0


def test_an_empty_folder_is_a_usage_error(tmp_path):
    result = _run("check", str(tmp_path))
    assert result.exit_code == 2 and "没有可检查的文件" in result.output


def test_unknown_option_is_a_chinese_usage_error():
    result = _run("check", "--bogus")
    assert result.exit_code == 2 and "没有“--bogus”这个选项" in result.output and "Traceback" not in result.output


def test_a_mistyped_name_is_suggested_in_chinese_quotes():
    """Not in Python's repr quotes ('build')."""
    assert _run("bild").output.splitlines()[0] == "错误：没有“bild”这个命令。是不是要用“build”？"
    assert "（是不是要用其中之一：“--jobs”、“--json”？）" in _run("check", "--jsn").output


def test_strict_turns_warnings_into_errors(tmp_path):
    wb = fill_to(tmp_path / "w.xlsx", {**VALID_TEXTS, "requests.new.natural": None})  # blank: a warning
    assert _run("check", str(wb)).exit_code == 0
    assert _run("check", "--strict", str(wb)).exit_code == 1


@pytest.mark.slow
def test_a_gbk_console_never_fails(tmp_path):
    wb = _broken(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    for args in (["check", str(wb)], ["check", "--json", str(wb)], ["--help"], ["schema"]):
        proc = subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, env=env, cwd=ROOT)
        assert proc.returncode in (0, 1), (args, proc.stderr.decode("gbk", "replace"))
        proc.stdout.decode("gbk")  # what the console receives is valid GBK
        assert b"Traceback" not in proc.stderr


def test_schema_command_prints_the_schema():
    result = _run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["properties"]["format"] == {"const": "xltools.report/1"}


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"xltools {name}" in readme, f"README does not document `xltools {name}`"
