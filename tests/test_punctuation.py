"""Half-width punctuation in the clerk's Chinese text: rule C7 names it, and the build
makes it full-width only when asked (--fix-punctuation), in the built report only."""

from __future__ import annotations

import hashlib
import io
import json

import docx
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from xltools.api import build, load_report
from xltools.cli import main
from xltools.jsonform import parse_json
from xltools.rules.checker import check
from xltools.text import full_punctuation, half_punctuation


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("2024年,索罗乡信息公开", "2024年，索罗乡信息公开"),
        ("主要是:标准不高;内容不全!对吗?", "主要是：标准不高；内容不全！对吗？"),
        ("国办函(2020)109号", "国办函（2020）109号"),  # a bracket pair goes together
        ("(一)主动公开", "（一）主动公开"),
        ("工作 , 进一步", "工作，进一步"),  # a space typed beside the mark goes
        ("共1,234件，9:30开始", "共1,234件，9:30开始"),  # numbers and times keep theirs
        ("网址 http://www.gov.cn/a?b=1", "网址 http://www.gov.cn/a?b=1"),
        ("see (this), ok", "see (this), ok"),  # English text
        ("（全角），已是全角", "（全角），已是全角"),
    ],
)
def test_half_width_marks_beside_chinese_and_their_full_width(text, fixed):
    assert full_punctuation(text) == fixed
    assert bool(half_punctuation(text)) == (text != fixed)


def test_c7_names_the_parts_the_count_and_the_first_place():
    result = load_report(EXAMPLES / "suoluo-2024.xlsx")
    (c7,) = [f for f in result.findings if f.rule == "C7"]
    assert c7.severity == "warning" and c7.field == "overview.summary"
    assert "正文中有 61 处紧挨汉字的半角标点（,:）" in c7.message
    assert "五、存在的主要问题及改进情况 24 处" in c7.message
    assert "第一处在一、总体情况 综述“2024年,索罗乡" in c7.message
    assert c7.cells[0].endswith("!B4") and len(c7.cells) == 6  # every part that has them
    assert not result.errors  # a warning: the report may still be built


def test_a_text_in_full_width_draws_no_c7():
    obj = json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))
    result = check(parse_json(json.dumps(obj, ensure_ascii=False).encode(), "r.json"))
    assert "C7" not in {f.rule for f in result.findings}


def test_build_fixes_only_when_asked_and_never_the_input(tmp_path):
    source = tmp_path / "索罗.xlsx"
    source.write_bytes((EXAMPLES / "suoluo-2024.xlsx").read_bytes())
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    runner = CliRunner()
    plain = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "a.txt")])
    fixed = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "b.txt"), "--fix-punctuation"])
    assert plain.exit_code == fixed.exit_code == 0
    assert "[C7]" in plain.stderr and "加 --fix-punctuation" in plain.stderr
    assert "已把 61 处半角标点改为全角" in fixed.stderr
    a, b = (tmp_path / "a.txt").read_text(encoding="utf-8"), (tmp_path / "b.txt").read_text(encoding="utf-8")
    assert "2024年,索罗乡" in a and "2024年，索罗乡" in b
    assert not half_punctuation(b) and half_punctuation(a)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before  # the input is never changed
    word = docx.Document(io.BytesIO(build(load_report(source), "docx", fix_punctuation=True).data))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "2024年，索罗乡" in text and not half_punctuation(text)
