"""`xltools build`: the seed report reproduced, the checker gate, drafts, formats and outputs."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES, PUBLISHED
from xltools.cli import main
from xltools.render.document import DRAFT_BANNER

SEED = PUBLISHED / "suoluo-2024-report.txt"
HUAIAN = EXAMPLES / "huaian-2024.json"
HUAIAN_TEXT = PUBLISHED / "huaian-2024-report.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def write_json(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def example(name: str = "suoluo-2024.json") -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


# --- the seed, reproduced -----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["suoluo-2024.json", "suoluo-2024.xlsx"])
def test_build_reproduces_the_seed_report(source):
    """Every non-table line of the published report appears, in order, in the text output."""
    result = run("build", str(EXAMPLES / source))
    assert result.exit_code == 0, result.stderr
    ours = [squash(line) for line in result.stdout.splitlines()]
    ours = [line for line in ours if line]
    seed = [squash(line) for line in SEED.read_text(encoding="utf-8").splitlines() if "|" not in line]
    # The seed's fee sentence says 信息公开处理费; ours uses the term of 国办函〔2020〕109号, in the
    # plain wording an editor would give it.
    seed = [line.replace("没有收取信息公开处理费的情况", "未收取信息处理费") for line in seed if line]
    assert len(seed) == 19  # title, preamble, 6 part titles, 11 paragraphs
    i = 0
    for line in seed:
        while i < len(ours) and ours[i] != line:
            i += 1
        assert i < len(ours), f"seed line missing or out of order: {line[:40]}"
        i += 1


def _table_numbers(lines: list[str]) -> list[str]:
    return [v for line in lines if "|" in line for v in _cells(line) if re.fullmatch(r"\d+(\.\d+)?", v)]


@pytest.mark.parametrize(("report", "source"), [("suoluo-2024.json", SEED), ("huaian-2024.json", HUAIAN_TEXT)])
def test_build_tables_carry_the_published_numbers(report, source):
    """The published report's table rows and ours hold the same numbers, in the same order."""
    theirs = _table_numbers(source.read_text(encoding="utf-8").splitlines())
    ours = _table_numbers(run("build", str(EXAMPLES / report)).stdout.splitlines())
    assert len(theirs) == 10 + 7 * 25 + 15 == 200
    assert ours == theirs


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_part_six_fee_sentence_and_first_other_matter_are_one_paragraph():
    out = run("build", str(EXAMPLES / "suoluo-2024.json")).stdout
    part6 = out.split("六、其他需要报告的事项", 1)[1].strip().splitlines()
    assert len(part6) == 1
    assert part6[0].strip().endswith("本年度未收取信息处理费。再无其他需要报告的事项。")


# --- the checker gate ---------------------------------------------------------------------------


def _broken(tmp_path: Path) -> Path:
    obj = example()
    obj["requests"] = {"new": {"natural": 3}, "granted": {"natural": 1}}  # 3 received, 1 answered: R3.3
    obj["problems"] = "XX"
    return write_json(tmp_path / "broken.json", obj)


def test_errors_print_findings_write_nothing_and_exit_1(tmp_path):
    src = _broken(tmp_path)
    out = tmp_path / "report.docx"
    result = run("build", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]  # no temporary file left
    assert "[R3.3]" in result.stderr and "[S3]" in result.stderr
    assert "未生成报告" in result.stderr and "--draft" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "docx", "json"])
def test_draft_has_a_visible_banner_in_every_format_and_exits_1(tmp_path, fmt):
    src = _broken(tmp_path)
    out = tmp_path / f"draft.{fmt}"
    result = run("build", str(src), "-o", str(out), "--draft")
    assert result.exit_code == 1, result.stderr
    assert "草稿" in result.stderr
    data = out.read_bytes()
    if fmt == "docx":
        import docx

        d = docx.Document(str(out))
        assert d.paragraphs[0].text == DRAFT_BANNER
        assert d.sections[0].header.paragraphs[0].text == DRAFT_BANNER
    else:
        text = data.decode("utf-8")
        assert DRAFT_BANNER in text
        if fmt in ("txt", "md"):
            assert DRAFT_BANNER in text.splitlines()[0]
        if fmt == "html":
            assert f'<p class="draft" role="alert"><strong>{DRAFT_BANNER}</strong>' in text


def test_a_clean_report_with_draft_carries_no_banner(tmp_path):
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "--draft")
    assert result.exit_code == 0
    assert DRAFT_BANNER not in result.stdout


def test_warnings_go_to_stderr_and_do_not_stop_the_build(tmp_path):
    obj = example()
    obj["problems"] = "无"  # C4: part 五 says nothing (a warning)
    src = write_json(tmp_path / "warn.json", obj)
    result = run("build", str(src))
    assert result.exit_code == 0
    assert "[C4]" in result.stderr
    assert "[C4]" not in result.stdout
    assert result.stdout.startswith("平凉市崆峒区索罗乡人民政府2024年政府信息公开工作年度报告")


def test_unusable_input_exits_2(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{", encoding="utf-8")
    result = run("build", str(bad))
    assert result.exit_code == 2
    assert "JSON 格式错误" in result.stderr
    assert run("build", str(tmp_path / "missing.xlsx")).exit_code == 2


# --- formats and outputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("r.txt", lambda b: b.decode().startswith("平凉市")),
        ("r.md", lambda b: b.decode().startswith("# 平凉市")),
        ("r.html", lambda b: b.decode().startswith("<!DOCTYPE html>")),
        ("r.htm", lambda b: b.decode().startswith("<!DOCTYPE html>")),
        ("r.docx", lambda b: b[:2] == b"PK"),
        ("r.json", lambda b: json.loads(b)["format"] == "xltools.report/1"),
    ],
)
def test_format_follows_the_output_extension(tmp_path, name, check):
    out = tmp_path / name
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert check(out.read_bytes())
    assert f"已生成：{out}" in result.stderr


def test_format_option_and_stdout():
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["agency"]["name"] == "平凉市崆峒区索罗乡人民政府"
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "--format", "docx")
    assert result.exit_code == 2
    assert "Word 文件不能输出到屏幕" in result.stderr


def test_format_option_disagreeing_with_the_extension_is_a_usage_error(tmp_path):
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(tmp_path / "r.docx"), "--format", "html")
    assert result.exit_code == 2
    assert "请让两者一致" in result.stderr
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(tmp_path / "r.odt"))
    assert result.exit_code == 2
    assert "无法从输出文件名“r.odt”判断格式" in result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_extension_with_a_format_is_fine(tmp_path):
    out = tmp_path / "report.out"
    assert run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out), "--format", "md").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "r.txt"
    out.write_text("old", encoding="utf-8")
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out))
    assert result.exit_code == 2
    assert "已存在" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "old"
    assert run("build", str(EXAMPLES / "suoluo-2024.json"), "-o", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("平凉市")


@pytest.mark.parametrize("source", ["suoluo-2024.json", "suoluo-2024.xlsx"])
def test_output_can_never_be_the_input(tmp_path, source):
    src = tmp_path / source
    src.write_bytes((EXAMPLES / source).read_bytes())
    before = src.read_bytes()
    for extra in ([], ["--force"], ["--force", "--format", "json"]):
        result = run("build", str(src), "-o", str(src), *extra)
        assert result.exit_code == 2
        assert "就是输入文件" in result.stderr
    assert src.read_bytes() == before


# --- generated sentences ------------------------------------------------------------------------


def test_huaian_example_passes_check_and_builds(tmp_path):
    assert run("check", str(HUAIAN)).exit_code == 0
    result = run("build", str(HUAIAN))
    assert result.exit_code == 0
    out = result.stdout
    assert "淮安市人民政府2024年政府信息公开工作年度报告" in out
    assert "（一）主动公开情况。2024年，市政府网站" in out
    assert "（五）政府信息公开监督保障情况。根据省政务公开" in out
    assert "如对本报告有疑问，请与淮安市人民政府联系（地址：淮安市翔宇南道1号" in out
    assert "本年度共收取信息处理费3940元。" in out
    for number in ("447228", "3985758", "96171.6", "3119", "3050", "351"):
        assert re.search(rf"\|\s+{re.escape(number)} \|", out), number


def test_on_request_generated_from_table_three(tmp_path):
    obj = json.loads(HUAIAN.read_text(encoding="utf-8"))
    obj["overview"]["on_request"] = ""
    obj["agency"].pop("self")
    src = write_json(tmp_path / "h.json", obj)
    result = run("build", str(src))
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "（二）依申请公开情况。" in line)
    assert line.strip() == (
        "（二）依申请公开情况。2024年，本机关共收到政府信息公开申请3119件，上年结转34件；本年度办结3050件，"
        "其中予以公开1362件，部分公开454件，不予公开178件，无法提供781件，不予处理88件，其他处理187件；"
        "结转下年度继续办理103件。"
    )


def test_on_request_for_no_applications_uses_the_seed_wording(tmp_path):
    obj = example()
    obj["agency"]["self"] = "我镇"
    obj["year"] = 2025
    src = write_json(tmp_path / "z.json", obj)
    out = run("build", str(src)).stdout
    assert "（二）依申请公开。2025年我镇未收到政府信息依申请公开件。" in out


@pytest.mark.parametrize(
    ("fee", "sentence"),
    [
        ({"amount_yuan": "0"}, "本年度未收取信息处理费。"),
        ({}, "本年度未收取信息处理费。"),
        ({"amount_yuan": "120.5", "count": 3}, "本年度共收取信息处理费120.5元，涉及政府信息公开申请3件。"),
        ({"amount_yuan": "3940"}, "本年度共收取信息处理费3940元。"),
        ({"amount_yuan": "3940", "count": None}, "本年度共收取信息处理费3940元。"),
    ],
)
def test_fee_sentence(tmp_path, fee, sentence):
    obj = example()
    obj["processing_fee"] = fee
    obj["other_matters"] = "无其他需要报告的事项。\n第二段。"
    src = write_json(tmp_path / "f.json", obj)
    out = run("build", str(src)).stdout
    part6 = [line.strip() for line in out.split("六、其他需要报告的事项", 1)[1].strip().splitlines()]
    assert part6[0].startswith(
        "按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
    )
    assert part6 == [part6[0], "第二段。"]
    assert part6[0].endswith(sentence + "无其他需要报告的事项。")


@pytest.mark.parametrize("bare", ["无", "无。", "没有", "暂无。"])
def test_a_bare_none_beside_the_fee_sentence_reads_as_one_text(tmp_path, bare):
    obj = example()
    obj["processing_fee"] = {"amount_yuan": "100", "count": 2}
    obj["other_matters"] = bare
    out = run("build", str(write_json(tmp_path / "f.json", obj))).stdout
    part6 = [line.strip() for line in out.split("六、其他需要报告的事项", 1)[1].strip().splitlines()]
    assert part6 == [part6[0]]
    assert part6[0].endswith("本年度共收取信息处理费100元，涉及政府信息公开申请2件。无其他需要报告的事项。")
    assert "信息公开处理费" not in out


@pytest.mark.parametrize(
    "first",
    ["（一）落实政务公开工作要点情况。按要求落实。", "一、人大代表建议办理情况。全部公开。", "1.年度创新。无。"],
)
def test_a_numbered_first_other_matter_stands_alone(tmp_path, first):
    obj = example()
    obj["other_matters"] = first + "\n第二项。"
    out = run("build", str(write_json(tmp_path / "f.json", obj))).stdout
    part6 = [line.strip() for line in out.split("六、其他需要报告的事项", 1)[1].strip().splitlines()]
    assert part6[0].endswith("本年度未收取信息处理费。")
    assert part6[1:] == [first, "第二项。"]


def test_fee_sentence_alone_when_there_are_no_other_matters(tmp_path):
    obj = example()
    del obj["other_matters"]
    out = run("build", str(write_json(tmp_path / "f.json", obj))).stdout
    part6 = out.split("六、其他需要报告的事项", 1)[1].strip().splitlines()
    assert [line.strip()[-12:] for line in part6] == ["本年度未收取信息处理费。"[-12:]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("坚持公开。", "（四）平台建设。坚持公开。"),
        ("平台建设。坚持公开。", "（四）平台建设。坚持公开。"),
        ("（四）平台建设。坚持公开。", "（四）平台建设。坚持公开。"),
        ("(四)平台建设情况:坚持公开。", "(四)平台建设情况:坚持公开。"),
        ("政府信息公开平台建设情况。坚持公开。", "（四）政府信息公开平台建设情况。坚持公开。"),
    ],
)
def test_a_staff_text_opening_with_its_own_heading_gets_no_second_one(tmp_path, text, expected):
    obj = example()
    obj["overview"]["platform"] = text
    if text.startswith("政府"):
        obj["overview"]["headings"] = {"platform": "政府信息公开平台建设情况"}
    out = run("build", str(write_json(tmp_path / "h.json", obj))).stdout
    lines = [line.strip() for line in out.splitlines()]
    assert expected in lines


def test_headings_come_from_the_report_and_paragraphs_are_kept(tmp_path):
    obj = example()
    obj["overview"]["headings"] = {"proactive": "主动公开情况", "management": "政府信息管理情况"}
    obj["overview"]["management"] = "第一段。\n\n第二段。"
    out = run("build", str(write_json(tmp_path / "h.json", obj))).stdout
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.startswith("（一）主动公开情况。坚持以") for line in lines)
    i = lines.index("（三）政府信息管理情况。第一段。")
    assert lines[i + 1] == "第二段。"
    assert any(line.startswith("（四）平台建设。") for line in lines)


# --- office wording -----------------------------------------------------------------------------


def test_templates_dir_overrides_wording(tmp_path):
    words = tmp_path / "words"
    words.mkdir()
    (words / "processing_fee.j2").write_text(
        "{% if collected %}本年度收取信息处理费{{ amount }}元。{% else %}本年度本机关未收取任何信息处理费。{% endif %}",
        encoding="utf-8",
    )
    out = run("build", str(EXAMPLES / "suoluo-2024.json"), "--templates", str(words)).stdout
    assert "本年度本机关未收取任何信息处理费。再无其他需要报告的事项。" in out
    assert "（二）依申请公开。2024年我乡未收到政府信息依申请公开件。" in out  # the rest is ours


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ amout }}", "措辞模板 processing_fee.j2 用到了不存在的变量"),
        ("{% if %}", "措辞模板 processing_fee.j2 第 1 行有语法错误"),
        ("{{ ''.__class__.__mro__ }}", "措辞模板 processing_fee.j2"),
    ],
)
def test_a_broken_office_template_is_a_clear_error(tmp_path, body, message):
    words = tmp_path / "words"
    words.mkdir()
    (words / "processing_fee.j2").write_text(body, encoding="utf-8")
    out = tmp_path / "r.txt"
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "--templates", str(words), "-o", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_templates_dir(tmp_path):
    result = run("build", str(EXAMPLES / "suoluo-2024.json"), "--templates", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "措辞模板文件夹" in result.stderr


def test_draft_from_a_workbook_with_unreadable_cells(tmp_path):
    from tests.workbooks import VALID_TEXTS, fill_to

    values = {**VALID_TEXTS, "requests.new.natural": "五件", "problems": None}
    wb = fill_to(tmp_path / "草稿.xlsx", values)
    out = tmp_path / "草稿.txt"
    result = run("build", str(wb), "-o", str(out), "--draft")
    assert result.exit_code == 1
    assert "[S2]" in result.stderr and "[S4]" in result.stderr
    assert "以上生成的只是草稿，改正前不能发布" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("【草稿（未通过校验）】")
    row = next(line for line in text.splitlines() if line.startswith("| 一、本年新收"))
    assert row.split("|")[2].strip() == "【五件】"  # the unreadable cell shows what was typed, marked
    assert row.rstrip("| ").endswith("—")  # and its row total is not invented
    assert "五、存在的主要问题及改进情况\n\n六、" in text


def test_build_format_choices_are_the_renderers():
    from xltools.cli import build_cmd
    from xltools.render import FORMATS

    (fmt,) = [p for p in build_cmd.params if p.name == "fmt"]
    assert tuple(fmt.type.choices) == FORMATS


def test_check_and_text_build_do_not_load_the_word_writer(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from xltools.cli import main\n"
        "for args in (['check', {src!r}], ['build', {src!r}, '-o', {out!r}]):\n"
        "    main.main(args, standalone_mode=False)\n"
        "assert 'docx' not in sys.modules and 'xltools.render.docx' not in sys.modules, 'docx loaded'\n"
        "print('ok')\n"
    ).format(src=str(EXAMPLES / "suoluo-2024.json"), out=str(tmp_path / "r.html"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().endswith("ok"), proc.stderr
