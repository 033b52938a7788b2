"""`xltools build --narrative`: the text from a Word or text file, the numbers from the workbook."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.workbooks import VALID_TEXTS, fill_to
from xltools.cli import main
from xltools.published.narrative import load_with_narrative, merge_narrative, read_narrative
from xltools.workbook.reader import read_input

NARRATIVE = """\
测试镇2024年政府信息公开工作年度报告（文字稿）
一、总体情况
2024年，我镇以文字稿写的综述。
（一）主动公开方面 全年主动公开政府信息200条。
（二）依申请公开情况。全年未收到申请。
（三）政府信息管理：严格落实发布审核。
建立台账，逐条登记。
（四）平台建设
网站专栏持续完善。
（五）监督保障。考核、社会评议和责任追究均已落实。
五、存在的主要问题及改进情况
一是公开不够及时；二是解读形式单一。下一步我镇将加强培训、拓展渠道，提升政务公开质量和水平。
六、其他需要报告的事项
本年度没有收取信息处理费。我镇按要求公开了建议提案办理结果。
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def workbook(tmp_path) -> Path:
    values = dict(VALID_TEXTS)
    values["requests.new.natural"] = 3
    values["requests.granted.natural"] = 3
    return fill_to(tmp_path / "filled.xlsx", values)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_texts_from_the_file_numbers_from_the_workbook(tmp_path, workbook):
    out = tmp_path / "report.txt"
    result = run("build", workbook, "--narrative", write(tmp_path / "n.txt", NARRATIVE), "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    for line in (
        "　　2024年，我镇以文字稿写的综述。",
        "　　（一）主动公开方面。全年主动公开政府信息200条。",
        "　　（三）政府信息管理。严格落实发布审核。",
        "　　建立台账，逐条登记。",
        "　　（四）平台建设。网站专栏持续完善。",
        "　　一是公开不够及时；二是解读形式单一。下一步我镇将加强培训、拓展渠道，提升政务公开质量和水平。",
    ):
        assert line in text.splitlines()
    assert "本年度未收取信息处理费。我镇按要求公开了建议提案办理结果。" in text
    assert VALID_TEXTS["overview.proactive"] not in text
    assert "| 一、本年新收政府信息公开申请数量       |      3 |" in text  # the workbook's number


def test_what_the_file_lacks_comes_from_the_workbook(tmp_path, workbook):
    only_problems = (
        "五、存在的主要问题及改进情况\n文字稿中的问题与改进：一是解读不足；二是培训不够，下一步将加强培训和督促检查。\n"
    )
    out = tmp_path / "report.txt"
    result = run("build", workbook, "--narrative", write(tmp_path / "n.txt", only_problems), "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "文字稿中的问题与改进" in text
    assert VALID_TEXTS["problems"] not in text
    assert VALID_TEXTS["overview.summary"] in text
    assert VALID_TEXTS["overview.platform"] in text


def test_a_part_in_neither_is_the_usual_s4_error(tmp_path):
    values = {k: v for k, v in VALID_TEXTS.items() if k != "problems"}
    workbook = fill_to(tmp_path / "filled.xlsx", values)
    narrative = write(tmp_path / "n.txt", NARRATIVE.split("五、")[0])
    out = tmp_path / "report.txt"
    result = run("build", workbook, "--narrative", narrative, "-o", out)
    assert result.exit_code == 1
    assert "[S4]" in result.stderr and "五、存在的主要问题及改进情况：未填写" in result.stderr
    assert not out.exists()


def test_word_narrative(tmp_path, workbook):
    import docx

    doc = docx.Document()
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph("　　Word 文字稿的综述。")
    doc.add_heading("（一）主动公开", level=2)
    doc.add_paragraph("　　Word 中的主动公开段落。")
    doc.add_paragraph("　　第二段。")
    doc.add_heading("五、存在的主要问题及改进情况", level=1)
    doc.add_paragraph("Word 中的问题与改进：一是解读不足，二是培训不够，下一步加强培训、拓展公开渠道。")
    path = tmp_path / "文字稿.docx"
    doc.save(path)
    texts, fee, notes = read_narrative(path)
    assert texts == {
        "overview.summary": "Word 文字稿的综述。",
        "overview.headings.proactive": "主动公开",
        "overview.proactive": "Word 中的主动公开段落。\n第二段。",
        "problems": "Word 中的问题与改进：一是解读不足，二是培训不够，下一步加强培训、拓展公开渠道。",
    }
    assert fee == {} and notes == []
    result = run("build", workbook, "--narrative", path)
    assert result.exit_code == 0, result.output
    assert "　　（一）主动公开。Word 中的主动公开段落。" in result.stdout
    assert VALID_TEXTS["overview.management"] in result.stdout  # not in the file: the workbook's


def test_merge_is_pure_and_drops_the_replaced_cells(tmp_path, workbook):
    source = read_input(workbook)
    before = dict(source.values)
    merged = merge_narrative(source, {"overview.platform": "新的平台建设文字。"}, {}, [], "n.txt")
    assert source.values == before
    assert merged.values["overview.platform"] == "新的平台建设文字。"
    assert "overview.platform" not in merged.cells
    assert merged.cells["overview.summary"] == source.cells["overview.summary"]


def test_placeholder_in_the_file_is_reported_without_a_workbook_cell(tmp_path, workbook):
    narrative = write(tmp_path / "n.txt", NARRATIVE.replace("网站专栏持续完善。", "XX专栏待补充。"))
    checked = load_with_narrative(workbook, narrative)
    s3 = [f for f in checked.errors if f.rule == "S3"]
    assert [(f.field, f.cell) for f in s3] == [("overview.platform", None)]


def test_fee_in_the_file_that_disagrees_with_the_workbook_warns(tmp_path, workbook):
    narrative = write(tmp_path / "n.txt", NARRATIVE.replace("本年度没有收取信息处理费。", "本年度收取信息处理费50元。"))
    result = run("build", workbook, "--narrative", narrative)
    assert result.exit_code == 0
    assert "中写的信息处理费 50 元与模板中填写的 0 元不一致。报告中的这句话按模板中的数字生成" in result.stderr
    assert "收取信息处理费50元" not in result.stdout


def test_a_file_without_part_titles_is_refused(tmp_path, workbook):
    narrative = write(tmp_path / "n.txt", "今年我镇政务公开工作有序推进。\n明年继续努力。\n")
    result = run("build", workbook, "--narrative", narrative)
    assert result.exit_code == 2
    assert (
        "文字稿中找不到部分标题（如 一、总体情况、五、存在的主要问题及改进情况、六、其他需要报告的事项）"
        in result.stderr
    )


def test_a_web_page_is_not_a_narrative(tmp_path, workbook):
    page = write(tmp_path / "n.html", "<p>一、总体情况</p>")
    result = run("build", workbook, "--narrative", page)
    assert result.exit_code == 2
    assert "请提供Word 文档（.docx）或文本文件（.txt）" in result.stderr


def test_output_may_not_be_the_narrative(tmp_path, workbook):
    narrative = write(tmp_path / "n.txt", NARRATIVE)
    result = run("build", workbook, "--narrative", narrative, "-o", narrative, "--force")
    assert result.exit_code == 2
    assert "就是输入文件" in result.stderr
    assert narrative.read_text("utf-8") == NARRATIVE
