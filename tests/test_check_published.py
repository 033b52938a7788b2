"""`check` takes published reports as they stand (docs/format.md §8): saved web pages, Word and
text files are imported in memory and checked; findings name table, row and column labels."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from xltools.api import load_report
from xltools.cli import main
from xltools.render import render


def _run(*args):
    return CliRunner().invoke(main, list(args))


def _built(fmt: str, name: str = "huaian-2024.json") -> bytes:
    return render(load_report(EXAMPLES / name).report, fmt)


def _with_wrong_carried_in(html: bytes) -> bytes:
    """The 上年结转 自然人 cell printed one higher: its row total and the column no longer add up."""
    text = html.decode()
    text, n = re.subn(r'(data-field="requests.carried_in.natural">)(\d+)<', lambda m: f"{m[1]}{int(m[2]) + 1}<", text)
    assert n == 1
    return text.encode()


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_a_saved_page_with_an_arithmetic_error_exits_1_naming_the_labels(tmp_path, suffix):
    page = tmp_path / f"report{suffix}"
    page.write_bytes(_with_wrong_carried_in(_built("html")))
    result = _run("check", str(page), "--json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    r31 = next(f for f in entry["findings"] if f["rule"] == "R3.1")
    assert r31["cell"] is None
    assert r31["where"] == "三、依申请公开 二、上年结转政府信息公开申请数量行 总计列"
    text = _run("check", str(page)).output
    assert "【三、依申请公开】" in text and "× [R3.1]" in text


@pytest.mark.parametrize("fmt", ["html", "docx", "txt"])
def test_a_correct_published_report_passes_in_every_format(tmp_path, fmt):
    path = tmp_path / f"r.{fmt}"
    path.write_bytes(_built(fmt, "suoluo-2024.json"))
    result = _run("check", str(path), "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["agency"] == "平凉市崆峒区索罗乡人民政府" and entry["year"] == 2024


def test_import_notes_are_findings_with_their_place(tmp_path):
    """Nothing read silently: a row the page lacks is a note, and the check names it."""
    text = _built("html").decode()
    start = text.index("法律行政法规禁止")  # the label's middle: its ends are in unbreakable spans
    row_start = text.rfind("<tr>", 0, start)
    text = text[:row_start] + text[text.index("</tr>", start) + 5 :]
    page = tmp_path / "r.html"
    page.write_text(text, encoding="utf-8")
    result = _run("check", str(page), "--json")
    (entry,) = json.loads(result.stdout)["files"]
    notes = [f for f in entry["findings"] if f["rule"] == "I2" and "找不到" in f["message"]]
    assert notes and notes[0]["where"].endswith("2.其他法律行政法规禁止公开行")


def test_folder_with_published_reports_and_summary(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.html").write_bytes(_with_wrong_carried_in(_built("html")))
    (folder / "b.docx").write_bytes(_built("docx", "suoluo-2024.json"))
    (folder / "c.json").write_text((EXAMPLES / "suoluo-2024.json").read_text("utf-8"), encoding="utf-8")
    (folder / "d.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (folder / "e.txt").write_text("会议纪要：明天九点开会。", encoding="utf-8")
    summary = tmp_path / "sum.xlsx"
    result = _run("check", str(folder), "--summary", str(summary))
    assert result.exit_code == 2  # the .doc and the note are unusable, each with its reason
    book = openpyxl.load_workbook(io.BytesIO(summary.read_bytes()))
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    by_file = {r[0].rsplit("/", 1)[-1]: r for r in rows}
    assert set(by_file) == {"a.html", "b.docx", "c.json", "d.doc", "e.txt"}
    assert by_file["a.html"][3] == "未通过" and by_file["b.docx"][3] == "通过"
    assert "另存为 .docx" in by_file["d.doc"][-1]
    assert "不像是一份政府信息公开工作年度报告" in by_file["e.txt"][-1]
    problems = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    r31 = next(p for p in problems if p[0].endswith("a.html") and p[3] == "R3.1")
    assert r31[2] == "三、依申请公开 二、上年结转政府信息公开申请数量行 总计列"


def test_merge_and_previous_dir_still_take_only_workbooks_and_json(tmp_path):
    from xltools.api import expand_inputs

    (tmp_path / "a.html").write_text("x", encoding="utf-8")
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    assert [p.rsplit("/", 1)[-1] for p in expand_inputs([tmp_path])] == ["b.json"]
    assert [p.rsplit("/", 1)[-1] for p in expand_inputs([tmp_path], published=True)] == ["a.html", "b.json"]


def test_upload_of_a_published_report_is_checked_the_same(tmp_path):
    from xltools.api import check_bytes, check_file

    data = _with_wrong_carried_in(_built("html"))
    (tmp_path / "r.html").write_bytes(data)
    by_bytes, by_file = check_bytes(data, "r.html"), check_file(tmp_path / "r.html")
    assert [f.as_json() for f in by_bytes.result.findings] == [f.as_json() for f in by_file.result.findings]
    assert by_bytes.exit_code == 1


def test_the_web_page_checks_an_uploaded_published_report_the_same_way():
    from tests.webclient import page_client

    client = page_client()
    data = _with_wrong_carried_in(_built("html"))
    r = client.post("/check", files={"files": ("报告.html", data)}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "R3.1" in r.text and "二、上年结转政府信息公开申请数量" in r.text and "未通过" in r.text


def _raised(html: bytes, field: str, by: int) -> bytes:
    text, n = re.subn(rf'(data-field="{re.escape(field)}">)(\d+)<', lambda m: f"{m[1]}{int(m[2]) + by}<", html.decode())
    assert n == 1
    return text.encode()


@pytest.mark.parametrize(
    ("field", "rule", "place"),
    [
        ("requests.carried_in.natural", "R3.1", "三、依申请公开 二、上年结转政府信息公开申请数量行"),
        ("requests.results_total.business", "R3.2", "三、依申请公开 （七）总计行 商业企业列"),
        ("appeals.review.upheld", "R4.1", "四、复议诉讼 行政复议"),
    ],
)
def test_a_printed_total_that_disagrees_is_told_as_the_printed_report(tmp_path, field, rule, place):
    """A published report has no formula to restore: the message names the place in words and
    asks to check the original report; the same mistake in JSON data keeps the workbook's advice."""
    page = tmp_path / "report.html"
    page.write_bytes(_raised(_built("html"), field, 2))
    (entry,) = json.loads(_run("check", str(page), "--json").stdout)["files"]
    finding = next(f for f in entry["findings"] if f["rule"] == rule)
    message = finding["message"]
    assert message.startswith(f"{place}：报告中的总计为 ") and "请对照原报告核对" in message
    assert not [w for w in ("公式", "手工填写", "单元格", "模板", "重新填写") if w in message]
    assert finding["cell"] is None and finding["where"].startswith(place)
    assert all("公式" not in f["message"] and "模板" not in f["message"] for f in entry["findings"])


@pytest.mark.parametrize("how", ["title_year_first", "title_wrapped", "title_spaced"])
def test_title_forms_name_the_agency_on_the_command_line_and_the_web_page(tmp_path, how):
    """A year-first, wrapped or spaced title once gave 找不到报告标题 or S4 机关全称/年度未填写, on the
    command line and on the web page alike."""
    from tests.variants import base, variant
    from tests.webclient import page_client

    data = variant(base("suoluo"), (how,)).encode("utf-8")
    (tmp_path / "r.txt").write_bytes(data)
    result = _run("check", str(tmp_path / "r.txt"), "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert (entry["agency"], entry["year"]) == ("平凉市崆峒区索罗乡人民政府", 2024)
    assert not [f for f in entry["findings"] if f["rule"] == "S4" and f["field"] in ("agency.name", "year")]
    r = page_client().post("/check", files={"files": ("报告.txt", data)}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "平凉市崆峒区索罗乡人民政府" in r.text and "找不到报告标题" not in r.text and "机关全称未填写" not in r.text
