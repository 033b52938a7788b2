"""What a reviewer sees on the page: every format the library builds offered for download
(PDF where LibreOffice is), a published report's findings placed in words (no workbook grid of a
template its reader never saw), and a unit met twice in one batch flagged with both files named,
on the page and in the summary workbook."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lhtml

from tests.webclient import page_client
from tests.workbooks import VALID_TEXTS, fill
from xltools import api
from xltools.collect import summary

HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "fixtures" / "published" / "suoluo-2024-report.txt"
AGENCY = "平凉市崆峒区索罗乡人民政府"
CARRIED_OVER_WORDS = "三、依申请公开 四、结转下年度继续办理行 自然人列"


@pytest.fixture(scope="module")
def client():
    with page_client(raise_server_exceptions=False) as c:
        yield c


def upload(client, *files, **data):
    return client.post("/check", files=[("files", f) for f in files], data=data)


def doc(response):
    return lhtml.fromstring(response.text)


def words(node) -> str:
    return re.sub(r"\s+", " ", node.text_content()).strip()


def published_with_error() -> bytes:
    """The shipped published report with 5 carried over (自然人 and 总计) that nothing accounts for:
    R3.3 on the 自然人 column."""
    lines = PUBLISHED.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("四、结转下年度继续办理 |"))
    lines[at] = "四、结转下年度继续办理 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |"
    return "\n".join(lines).encode("utf-8")


# --- downloads ------------------------------------------------------------------------------------


def test_every_buildable_format_is_offered(client, monkeypatch):
    """The buttons are the library's formats that can be built here: PDF only with LibreOffice."""
    response = upload(client, ("ok.json", (HERE.parent / "examples" / "suoluo-2024.json").read_bytes()))
    offered = [b.get("data-format") for b in doc(response).cssselect("button.download")]
    assert offered == [f for f in ("docx", "pdf", "html", "cms", "txt", "md", "json")
                       if f in {g.id for g in api.buildable_formats()}]  # fmt: skip
    assert {"cms", "docx", "html", "txt", "md", "json"} <= set(offered)
    labels = {b.get("data-format"): words(b) for b in doc(response).cssselect("button.download")}
    assert labels["cms"] == "网站后台粘贴用的网页片段（.html）"


def test_pdf_offered_exactly_when_libreoffice_is_found(monkeypatch):
    import xltools.render.pdf as pdf

    monkeypatch.setattr(pdf, "_find", lambda: None)
    assert "pdf" not in {f.id for f in api.buildable_formats()}
    with page_client() as c:
        response = upload(c, ("ok.json", (HERE.parent / "examples" / "suoluo-2024.json").read_bytes()))
    assert not doc(response).cssselect('button.download[data-format="pdf"]')
    monkeypatch.setattr(pdf, "_find", lambda: "/usr/bin/soffice")
    assert "pdf" in {f.id for f in api.buildable_formats()}
    with page_client() as c:
        response = upload(c, ("ok.json", (HERE.parent / "examples" / "suoluo-2024.json").read_bytes()))
    assert doc(response).cssselect('button.download[data-format="pdf"]')


def _download(client, fmt: str, report: str, draft: bool = False):
    data = {"report": report, **({"draft": "true"} if draft else {})}
    return client.post(f"/download/{fmt}", data=data)


def _report_field(client, name: str, body: bytes) -> str:
    page = doc(upload(client, (name, body)))
    return page.cssselect('form[action$="/download/docx"] input[name=report]')[0].get("value")


def test_cms_docx_and_json_downloads_are_what_they_say(client):
    report = _report_field(client, "ok.json", (HERE.parent / "examples" / "suoluo-2024.json").read_bytes())
    cms = _download(client, "cms", report)
    assert cms.status_code == 200 and cms.headers["content-type"].startswith("text/html")
    assert "<style" not in cms.text and "<table" in cms.text and AGENCY in cms.text  # the paste-in fragment
    docx = _download(client, "docx", report)
    assert docx.content[:2] == b"PK" and "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx.content)).namelist()


def test_pdf_download_is_a_pdf(client, libreoffice, poppler, tmp_path):
    import subprocess

    report = _report_field(client, "ok.json", (HERE.parent / "examples" / "suoluo-2024.json").read_bytes())
    response = _download(client, "pdf", report)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert ".pdf" in response.headers["content-disposition"]
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert AGENCY in re.sub(r"\s+", "", text)


# --- a published report's findings ----------------------------------------------------------------


def test_published_report_findings_are_placed_in_words_not_cells(client):
    response = upload(client, ("报告.txt", published_with_error()))
    page = doc(response)
    assert page.cssselect("#verdict-0")[0].get("data-status") == "errors"
    assert not page.cssselect("table.sheet"), "no workbook grid for a published report"
    assert not page.cssselect("td.cell"), "no cell addresses"
    rows = page.cssselect("section.errors table.findings.in-words tr.finding")
    assert [r.get("data-rule") for r in rows] == ["R3.3"]
    assert words(rows[0].cssselect("td.where")[0]) == CARRIED_OVER_WORDS
    # the same words `check` prints
    line = api.finding_line(api.check_bytes(published_with_error(), "报告.txt").checked.errors[0])
    assert CARRIED_OVER_WORDS in line
    assert [words(h) for h in page.cssselect("section.errors h4")] == ["【三、依申请公开】"]
    assert not re.search(
        r"(?<![A-Za-z0-9.])[A-Z]{1,2}\d+(?![0-9.])", words(page.cssselect("section.errors")[0])
    )  # no D31


def test_a_workbook_still_gets_its_grid(client):
    response = upload(client, ("坏.xlsx", fill({**VALID_TEXTS, "requests.new.natural": 3})))
    page = doc(response)
    assert page.cssselect("table.sheet td.mark-error")
    assert page.cssselect("section.errors td.cell") and not page.cssselect("table.in-words")


# --- a unit met twice in a batch ------------------------------------------------------------------


def test_same_unit_twice_in_a_batch_is_flagged_naming_both_files(client):
    same = fill(VALID_TEXTS)
    other = fill({**VALID_TEXTS, "agency.name": "另一个单位人民政府"})
    response = upload(client, ("甲.xlsx", same), ("乙.xlsx", other), ("丙.xlsx", same))
    page = doc(response)
    notice = page.cssselect("#same-units")
    assert notice, "the batch page names the units met twice"
    items = [words(li) for li in notice[0].cssselect("li.same-unit")]
    assert len(items) == 1 and "“甲.xlsx”" in items[0] and "“丙.xlsx”" in items[0] and "乙" not in items[0]
    flagged = {words(r.cssselect("td.file")[0]): words(r.cssselect("td.text")[0])
               for r in page.cssselect("#batch tr.same-unit")}  # fmt: skip
    assert set(flagged) == {"甲.xlsx", "丙.xlsx"}
    assert "“丙.xlsx”" in flagged["甲.xlsx"] and "“甲.xlsx”" in flagged["丙.xlsx"]
    assert "重复" in flagged["甲.xlsx"]


def test_a_batch_of_different_units_has_no_flag(client):
    a, b = fill(VALID_TEXTS), fill({**VALID_TEXTS, "agency.name": "另一个单位人民政府"})
    page = doc(upload(client, ("甲.xlsx", a), ("乙.xlsx", b)))
    assert not page.cssselect("#same-units") and not page.cssselect("#batch tr.same-unit")


def test_same_units_policy_folds_names_and_keeps_years_apart():
    def result(name: str, year: int) -> api.FileResult:
        r = api.check_bytes(fill({**VALID_TEXTS, "agency.name": name, "year": year}), f"{name}{year}.xlsx")
        assert r.result is not None
        return r

    results = [
        result("索罗乡人民政府", 2024),
        result("索罗乡 人民政府", 2024),  # the same name, spaced
        result("索罗乡人民政府", 2023),  # another year: not the same report
        api.FileResult("坏.xlsx", error=api.XltoolsError("无法读取")),
        result("别的乡人民政府", 2024),
    ]
    assert api.same_units(results) == [[0, 1]]


def _summary_of_one_unit_met_twice():
    """The summary workbook of 甲, 乙 and 丙, where 甲 and 丙 are the same unit; its summary sheet
    and the conditional format that flags 机关全称 met twice."""
    same = api.check_bytes(fill(VALID_TEXTS), "甲.xlsx")
    other = api.check_bytes(fill({**VALID_TEXTS, "agency.name": "另一个单位人民政府"}), "乙.xlsx")
    again = api.check_bytes(fill(VALID_TEXTS), "丙.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(api.summary_workbook_bytes([same, other, again])))
    ws = wb[summary.SHEET_SUMMARY]
    (flag,) = [f for f in ws.conditional_formatting if str(f.sqref) == "B2:B4"]
    return wb, ws, flag


def test_summary_workbook_flags_the_unit_met_twice():
    _, ws, flag = _summary_of_one_unit_met_twice()
    assert flag.rules[0].formula == ['AND($B2<>"",COUNTIFS($B$2:$B$4,$B2,$C$2:$C$4,$C2)>1)']
    assert [ws[f"B{n}"].value for n in (2, 3, 4)] == [
        VALID_TEXTS["agency.name"],
        "另一个单位人民政府",
        VALID_TEXTS["agency.name"],
    ]
    assert "不止一次" in ws["B1"].comment.text


def test_summary_flag_is_evaluated_by_libreoffice(libreoffice, tmp_path):
    """The flag's formula, as LibreOffice evaluates it: true on 甲 and 丙 (the same unit), not on 乙."""
    from tests.libreoffice import convert

    wb, ws, flag = _summary_of_one_unit_met_twice()
    formula = flag.rules[0].formula[0]
    for n in (2, 3, 4):  # the rule's formula written into a cell of each row, relative to it
        ws[f"Z{n}"] = "=" + formula.replace("$B2", f"$B{n}").replace("$C2", f"$C{n}")
    source = tmp_path / "flag.xlsx"
    wb.save(source)
    (saved,) = convert([source], "xlsx", tmp_path / "out")
    values = openpyxl.load_workbook(saved, data_only=True)[summary.SHEET_SUMMARY]
    assert [values[f"Z{n}"].value for n in (2, 3, 4)] == [True, False, True]
