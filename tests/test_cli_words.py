"""The command line's own words: click's messages in Chinese quotes (not Python's
'-j' / '--jobs', 'txt'), an output name with a control character shown escaped on its line."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import EXAMPLES
from xltools.cli import main


def _err(*args) -> str:
    return CliRunner().invoke(main, [str(a) for a in args]).stderr


def test_click_messages_use_chinese_quotes():
    jobs = _err("check", "-j", "0", "x.xlsx")
    assert "“-j / --jobs” 的值不正确：0 不在允许的范围（1 到 64）内" in jobs
    fmt = _err("build", EXAMPLES / "suoluo-2024.json", "--format", "txx")
    assert "“--format” 的值不正确：“txx”不是可选的值（可选：“txt”、“md”、“html”" in fmt
    for text in (jobs, fmt, _err("check", "--jobs=abc", "x.xlsx")):
        assert "'" not in text, text


def test_an_output_name_with_a_newline_is_shown_escaped(tmp_path):
    out = tmp_path / "报告\n第二行\t.txt"
    res = CliRunner().invoke(main, ["build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("已生成："))
    assert line.endswith("报告\\n第二行\\t.txt")
    again = CliRunner().invoke(main, ["build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out)])
    assert "报告\\n第二行\\t.txt 已存在" in again.stderr
