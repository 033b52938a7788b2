"""Word read as Word shows it after accepting changes: inserted text in, deleted text
out (with a note that the file has tracked changes), text in content controls, smart tags and
fields kept — by `import`/`check` and by `build --narrative` alike."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
from click.testing import CliRunner
from docx.oxml import parse_xml

from tests.conftest import EXAMPLES
from tests.workbooks import VALID_TEXTS, fill_to
from xltools.api import load_report
from xltools.cli import main
from xltools.published import import_bytes
from xltools.published.docx import TRACKED_CHANGES
from xltools.published.narrative import read_narrative
from xltools.render import render

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CHANGE = 'w:author="审核人" w:date="2025-01-10T09:00:00Z"'
# Appended to a paragraph: what a reviewer's Word file holds.
RUNS = (
    f'<w:ins {W} w:id="91" {CHANGE}><w:r><w:t>插入的句子。</w:t></w:r></w:ins>',
    f'<w:del {W} w:id="92" {CHANGE}><w:r><w:delText>删除的句子。</w:delText></w:r></w:del>',
    f'<w:smartTag {W} w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">'
    "<w:r><w:t>智能标记。</w:t></w:r></w:smartTag>",
    f'<w:fldSimple {W} w:instr=" DOCPROPERTY Company "><w:r><w:t>简单域。</w:t></w:r></w:fldSimple>',
    f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:r><w:t>内容控件。</w:t></w:r></w:sdtContent></w:sdt>",
    f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>',
    f'<w:r {W}><w:instrText xml:space="preserve"> DATE \\@ "yyyy" </w:instrText></w:r>',
    f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>',
    f"<w:r {W}><w:t>复杂域。</w:t></w:r>",
    f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>',
)
SHOWN = "插入的句子。智能标记。简单域。内容控件。复杂域。"


def _paragraph(document, starts: str):
    return next(p for p in document.paragraphs if p.text.strip(" \u3000").startswith(starts))


def _cell(document, row_label: str, column: int):
    table = next(t for t in document.tables if any(row_label in c.text for c in t.rows[-1].cells + t.columns[0].cells))
    row = next(r for r in table.rows if r.cells[0].text.strip() == row_label)
    return row.cells[column]


def _revised_report() -> bytes:
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text("utf-8"))
    document = docx.Document(io.BytesIO(render(load_report(EXAMPLES / "suoluo-2024.json").report, "docx")))
    para = _paragraph(document, obj["problems"].split("\n")[-1][:8])
    for xml in RUNS:
        para._p.append(parse_xml(xml))
    # a figure corrected as a tracked change, another typed into a content control of its cell
    cell = _cell(document, "行政规范性文件", 3)
    p = cell.paragraphs[0]._p
    for r in list(p.iterchildren("{*}r")):
        p.remove(r)
    p.append(parse_xml(f'<w:del {W} w:id="93" {CHANGE}><w:r><w:delText>99</w:delText></w:r></w:del>'))
    p.append(parse_xml(f'<w:ins {W} w:id="94" {CHANGE}><w:r><w:t>7</w:t></w:r></w:ins>'))
    cell = _cell(document, "行政规范性文件", 1)
    tc = cell._tc
    old = tc.findall("{*}p")[0]
    sdt = parse_xml(f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>5</w:t></w:r></w:p></w:sdtContent></w:sdt>")
    tc.replace(old, sdt)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_import_reads_what_word_shows_after_accepting_changes():
    obj = json.loads((EXAMPLES / "suoluo-2024.json").read_text("utf-8"))
    back = import_bytes(_revised_report(), "docx", "r.docx")
    assert back.values["problems"] == obj["problems"] + SHOWN
    assert "删除的句子" not in json.dumps(back.to_json(), ensure_ascii=False)
    assert "DATE" not in back.values["problems"]
    assert back.values["proactive.normative_documents.in_force"] == 7  # 99 deleted, 7 inserted
    assert back.values["proactive.normative_documents.issued"] == 5  # inside a content control
    (note,) = [n for n in back.notes if n.message == TRACKED_CHANGES]
    assert note.rule == "I1" and note.severity == "warning"


def test_check_of_the_revised_word_file_shows_the_tracked_changes_warning(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(_revised_report())
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "未接受的修订" in result.output


def test_a_word_file_without_revisions_has_no_such_note():
    back = import_bytes(render(load_report(EXAMPLES / "suoluo-2024.json").report, "docx"), "docx", "r.docx")
    assert all(n.message != TRACKED_CHANGES for n in back.notes)


def test_build_narrative_reads_the_same_way(tmp_path):
    document = docx.Document()
    for text in (
        "一、总体情况",
        "2024年，我镇综述。",
        "（一）主动公开 全年主动公开政府信息200条。",
        "（二）依申请公开 全年未收到申请。",
        "（三）政府信息管理 严格落实发布审核。",
        "（四）平台建设 网站专栏持续完善。",
        "（五）监督保障 考核、社会评议和责任追究均已落实。",
        "五、存在的主要问题及改进情况",
        "一是公开不够及时；二是解读形式单一。下一步我镇将加强培训、拓展渠道，提升政务公开质量和水平。",
        "六、其他需要报告的事项",
        "无。",
    ):
        document.add_paragraph(text)
    para = _paragraph(document, "一是公开不够及时")
    for xml in RUNS:
        para._p.append(parse_xml(xml))
    path = tmp_path / "n.docx"
    document.save(path)
    texts, _, notes = read_narrative(path)
    assert texts["problems"].endswith("提升政务公开质量和水平。" + SHOWN)
    assert any(n.message == TRACKED_CHANGES for n in notes)
    workbook = fill_to(tmp_path / "filled.xlsx", VALID_TEXTS)
    out = tmp_path / "report.txt"
    result = CliRunner().invoke(main, ["build", str(workbook), "--narrative", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert SHOWN in out.read_text("utf-8") and "删除的句子" not in Path(out).read_text("utf-8")
    assert "未接受的修订" in result.output
