"""The web page through FastAPI's test client: good, bad and hostile uploads each answer with a
page or a JSON message (4xx where the client must act), nothing is kept, the server keeps serving."""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lhtml

from tests.webclient import page_client
from tests.workbooks import VALID_TEXTS, fill
from xltools import api, spec
from xltools.api import load_bytes, load_report
from xltools.cli import main
from xltools.geometry import where_labels
from xltools.model import Report
from xltools.web import app as webapp
from xltools.web import pages
from xltools.web.app import FORMATS, create_app, display_name
from xltools.web.grid import sheet_grid
from xltools.workbook.layout import SHEETS, Label, Slot, field_ref

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "suoluo-2024.json"
BROKEN = {**VALID_TEXTS, "requests.new.natural": 3}  # R3.3: 3 received, nothing answered or carried over
CARRIED_OVER = field_ref("requests.carried_over.natural").split("!", 1)[1]  # D31, from the layout


@pytest.fixture(scope="module")
def client():
    with page_client(raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def broken_xlsx() -> bytes:
    return fill(BROKEN)


def upload(client, *files, url="/check", **data):
    return client.post(url, files=[("files", f) for f in files], data=data)


def doc(response):
    return lhtml.fromstring(response.text)


def text_of(node) -> str:
    return re.sub(r"\s+", " ", node.text_content()).strip()


def verdict(response) -> str:
    return text_of(doc(response).cssselect(".verdict")[0])


def message(response) -> str:
    return text_of(doc(response).cssselect("#error-message")[0])


# --- the page itself -------------------------------------------------------------------------------


def test_index_is_chinese_and_loads_nothing_from_outside(client):
    r = client.get("/")
    assert r.status_code == 200
    page = doc(r)
    assert "把文件拖到这里" in r.text
    form = page.cssselect("form#upload")[0]
    assert form.get("action").endswith("/check") and form.get("enctype") == "multipart/form-data"
    assert page.cssselect("input#files")[0].get("accept") == ".xlsx,.json,.html,.htm,.docx,.pdf,.txt"
    refs = [e.get("src") or e.get("href") for e in page.xpath("//script[@src]|//link[@href]|//img[@src]")]
    assert refs and all(ref.startswith(("/static/", "http://127.0.0.1/static/")) for ref in refs)
    for ref in refs:
        assert client.get(ref).status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_static_assets_name_no_outside_host():
    for path in (webapp.HERE / "static").iterdir():
        body = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|@import|url\(", body), path.name


def test_openapi_describes_the_endpoints_and_no_cdn_docs(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/check", "/download/{fmt}", "/template.xlsx", "/api/check", "/api/build/{fmt}", "/api/template"):
        assert path in paths
    assert client.get("/docs").status_code == 404  # Swagger UI would load its scripts from a CDN


def test_blank_template_download_is_our_template(client):
    r = client.get("/template.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == webapp.XLSX
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[: len(spec.SHEETS)] == list(spec.SHEETS)
    assert client.get("/api/template").content == r.content


# --- good uploads ----------------------------------------------------------------------------------


def test_shipped_example_passes_with_preview_and_downloads(client):
    r = upload(client, (EXAMPLE.name, EXAMPLE.read_bytes(), "application/json"))
    assert r.status_code == 200
    assert "通过：没有" in verdict(r)  # the seed report draws a C5 warning (no word on 考核评议), not an error
    assert "平凉市崆峒区索罗乡人民政府" in verdict(r)
    page = doc(r)
    assert not page.cssselect(".errors") and not page.cssselect(".grids")
    assert sorted(b.get("data-format") for b in page.cssselect("button.download")) == sorted(FORMATS)
    assert not page.cssselect("input[name=draft]")
    frame = page.cssselect("iframe.preview-frame")[0]
    assert frame.get("sandbox") == ""  # the preview runs no script
    preview = lhtml.fromstring(frame.get("srcdoc"))
    assert text_of(preview.cssselect("h1")[0]) == spec.TITLE.format(name="平凉市崆峒区索罗乡人民政府", year=2024)


def test_filled_workbook_passes(client):
    r = upload(client, ("单位.xlsx", fill(VALID_TEXTS)))
    assert r.status_code == 200
    assert verdict(r).endswith("通过：没有发现错误。")


# --- a broken workbook: findings by sheet, the table drawn, the cell marked --------------------------


def test_broken_workbook_findings_grouped_by_sheet_with_labels(client, broken_xlsx):
    r = upload(client, ("坏.xlsx", broken_xlsx))
    assert r.status_code == 200  # the check worked; the verdict says the report did not pass
    assert "未通过：1 处错误。改正后才能生成正式报告。" in verdict(r)
    page = doc(r)
    errors = page.cssselect("section.errors")[0]
    assert [text_of(h) for h in errors.cssselect("h4")] == [f"【{spec.SHEET_REQUESTS}】"]
    rows = [[text_of(td) for td in tr.cssselect("td")] for tr in errors.cssselect("tr.finding")]
    row_label = spec.REQUESTS.row("carried_over").label
    assert rows[0][:4] == ["D7、D8、D30、D31", row_label, spec.REQUESTS.column("natural").label, "R3.3"]
    assert "相差 3" in rows[0][4] and "应为" not in rows[0][4]
    assert [r[2] for r in rows] == ["自然人"]  # the 总计 column follows from it: one finding
    assert not page.cssselect("section.warnings")


def test_one_truth_per_page_for_a_total_over_an_invalid_cell(client):
    """With "3001" typed as text and a fraction, the grid once drew (七)总计 with bad values as 0
    while the spreadsheet's SUM (and the message) had another figure; now the grid's total is the
    spreadsheet's, marked as over an invalid cell, and no message quotes sums nobody typed."""
    values = {
        **VALID_TEXTS,
        "requests.new.natural": "3001",
        "requests.carried_in.natural": 34,
        "requests.granted.natural": 2,
        "requests.granted.business": 28.5,
    }
    page = doc(upload(client, ("坏.xlsx", fill(values))))
    (table,) = page.cssselect(f'table.sheet[data-sheet="{spec.SHEET_REQUESTS}"]')
    total = table.cssselect('td[data-field="requests.results_total.total"]')[0]
    assert total.text_content() == "30.5"  # SUM: 2 + 28.5, as LibreOffice and Gnumeric show it
    assert "mark-suspect" in total.get("class") and "不是有效数字" in total.get("title")
    new_total = table.cssselect('td[data-field="requests.new.total"]')[0]
    assert new_total.text_content() == "0" and "D7" in new_total.get("title")  # text counts 0 in SUM
    text = page.text_content()
    assert "相差" not in text and "2931.5" not in text
    rules = {tr.get("data-rule") for tr in page.cssselect("tr.finding")}
    assert rules == {"S2"}


def test_broken_workbook_table_drawn_as_in_the_workbook(client, broken_xlsx):
    page = doc(upload(client, ("坏.xlsx", broken_xlsx)))
    (table,) = page.cssselect(f'table.sheet[data-sheet="{spec.SHEET_REQUESTS}"]')
    marked = table.cssselect("td.mark-error")
    assert sorted(td.get("data-cell") for td in marked) == sorted([CARRIED_OVER, "D7", "D8", "D30"])
    cell = table.cssselect(f'td[data-cell="{CARRIED_OVER}"]')[0]
    assert cell.text_content() == "0" and "相差 3" in cell.get("title")
    assert table.cssselect('td[data-field="requests.new.natural"]')[0].text_content() == "3"
    # headers and labels are the layout's, with its merges
    note = next(td for td in table.cssselect("td.k-header") if td.text_content() == spec.REQUESTS_NOTE)
    assert (note.get("rowspan"), note.get("colspan")) == ("3", "3")
    results = next(td for td in table.cssselect("td.k-label") if td.text_content() == spec.REQUESTS_RESULTS)
    assert results.get("rowspan") == str(len(spec.REQUEST_RESULT_ROWS) + 1)
    assert [text_of(th) for th in table.cssselect("th.colname")] == list("ABCDEFGHIJ")


def test_strict_check_carries_into_the_downloads(client):
    # a township silent on 考核/评议/责任追究: a C5 warning, which the report data posted back still carries
    warned = fill({**VALID_TEXTS, "overview.oversight": "明确专人负责政府信息公开工作。"})
    lenient = doc(upload(client, ("w.xlsx", warned)))
    assert not lenient.cssselect("section.downloads input[name=strict]")
    page = doc(upload(client, ("w.xlsx", warned), strict="true"))
    forms = page.cssselect("section.downloads form")
    assert all(f.cssselect("input[name=strict]")[0].get("value") == "true" for f in forms)
    assert all(f.cssselect("input[name=draft]")[0].get("value") == "true" for f in forms)
    report = forms[0].cssselect("input[name=report]")[0].get("value")
    refused = client.post("/download/txt", data={"report": report, "strict": "true"})
    assert refused.status_code == 422
    draft = client.post("/download/txt", data={"report": report, "strict": "true", "draft": "true"})
    assert "草稿（未通过校验）" in draft.content.decode("utf-8")
    api = client.post(
        "/api/build/txt",
        files={"file": ("w.xlsx", warned)},
        data={"strict": "true"},
        headers={"accept": "application/json"},
    )
    assert api.status_code == 422 and api.json()["findings"][0]["rule"] == "C5"


def test_draft_downloads_only_for_a_report_with_errors(client, broken_xlsx):
    page = doc(upload(client, ("坏.xlsx", broken_xlsx)))
    forms = page.cssselect("section.downloads form")
    assert len(forms) == len(FORMATS)
    assert all(f.cssselect("input[name=draft]")[0].get("value") == "true" for f in forms)
    report = forms[0].cssselect("input[name=report]")[0].get("value")
    refused = client.post("/download/txt", data={"report": report})
    assert refused.status_code == 422
    assert "报告有 1 处错误，未生成报告。" in message(refused) and "草稿" in message(refused)
    draft = client.post("/download/txt", data={"report": report, "draft": "true"})
    assert draft.status_code == 200
    assert "草稿（未通过校验）" in draft.content.decode("utf-8")
    assert quote("（草稿）.txt") in draft.headers["content-disposition"]  # never mistaken for the report


def test_warnings_shown_apart_from_errors(client):
    r = upload(client, ("提示.xlsx", fill({**VALID_TEXTS, "proactive.regulations.issued": None})))
    assert r.status_code == 200
    assert "通过：没有错误，有 1 处提示请核实。" in verdict(r)
    page = doc(r)
    assert not page.cssselect("section.errors")
    (warnings,) = page.cssselect("section.warnings")
    cells = [text_of(td) for td in warnings.cssselect("tr.finding td")]
    assert cells[:4] == ["B6", "第二十条第（一）项 规章", "本年制发件数", "S2"]
    marked = page.cssselect(f'table.sheet[data-sheet="{spec.SHEET_PROACTIVE}"] td.mark-warning')
    assert [td.get("data-cell") for td in marked] == ["B6"]


def test_json_input_has_no_cells_but_is_placed_on_the_template(client):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["appeals"] = {"review": {"upheld": 1, "total": 5}}
    r = upload(client, ("复议.json", json.dumps(data, ensure_ascii=False).encode()))
    assert "未通过" in verdict(r)
    page = doc(r)
    assert [text_of(h) for h in page.cssselect("section.errors h4")] == [f"【{spec.SHEET_APPEALS}】"]
    cells = [text_of(td) for td in page.cssselect("section.errors tr.finding td")]
    assert cells[:4] == ["—", spec.APPEALS_REVIEW, spec.APPEALS.column("total").label, "R4.1"]
    marked = page.cssselect("table.sheet td.mark-error")
    assert [td.get("data-field") for td in marked] == ["appeals.review.total"]


# --- downloads -------------------------------------------------------------------------------------


def _report_field(client) -> str:
    page = doc(upload(client, (EXAMPLE.name, EXAMPLE.read_bytes())))
    return page.cssselect("section.downloads input[name=report]")[0].get("value")


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"pdf"}))  # pdf: tests/test_web_review.py, with LibreOffice
def test_every_download_format(client, fmt):
    r = client.post(f"/download/{fmt}", data={"report": _report_field(client)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == FORMATS[fmt]
    title = spec.TITLE.format(name="平凉市崆峒区索罗乡人民政府", year=2024)
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(api.OUTPUTS[fmt].suffix)
    assert re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    if fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
        assert title in text
    elif fmt == "json":
        assert json.loads(r.content)["agency"]["name"] == "平凉市崆峒区索罗乡人民政府"
    else:
        assert title in r.content.decode("utf-8")


def test_next_years_template_from_a_passing_report(client, broken_xlsx):
    r = client.post("/next-template.xlsx", data={"report": _report_field(client)})
    assert r.status_code == 200 and r.headers["content-type"] == webapp.XLSX
    assert "2025" in r.headers["content-disposition"]
    result = load_bytes(r.content, "下一年.xlsx")
    assert result.report.year == 2025 and result.report.name == "平凉市崆峒区索罗乡人民政府"
    page = doc(upload(client, ("坏.xlsx", broken_xlsx)))
    assert not page.cssselect("form.next-year")  # its 结转下年度 cannot be trusted yet
    refused = client.post("/next-template.xlsx", data={"report": page.cssselect("input[name=report]")[0].get("value")})
    assert refused.status_code == 422 and "未生成下一年度的模板" in message(refused)


def test_download_of_an_unknown_format_or_bad_data(client):
    r = client.post("/download/xls", data={"report": "{}"})
    assert r.status_code == 404 and "没有这种格式" in message(r)
    r = client.post("/download/docx", data={"report": "{not json"})
    assert r.status_code == 422 and "JSON 格式错误" in message(r)
    r = client.post("/download/docx", data={})
    assert r.status_code == 400 and "<" not in message(r)


# --- the JSON interface --------------------------------------------------------------------------


def test_api_check_answers_like_check_json(client, broken_xlsx):
    r = upload(client, ("坏.xlsx", broken_xlsx), (EXAMPLE.name, EXAMPLE.read_bytes()), url="/api/check")
    assert r.status_code == 200
    body = r.json()
    assert [f["path"] for f in body["files"]] == ["坏.xlsx", EXAMPLE.name]
    assert body["files"][0]["findings"][0]["cell"] == field_ref("requests.carried_over.natural")
    warnings = len(load_report(EXAMPLE).warnings)
    assert body["summary"] == {"files": 2, "ok": 1, "with_errors": 1, "unusable": 0, "errors": 1, "warnings": warnings}


def test_api_build_docx_and_refusal_with_findings(client, broken_xlsx):
    r = client.post("/api/build/docx", files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert r.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml")
    r = client.post("/api/build/md", files={"file": ("坏.xlsx", broken_xlsx)})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "build_errors"
    assert [f["rule"] for f in r.json()["findings"]] == ["R3.3"]
    r = client.post("/api/build/md", files={"file": ("坏.xlsx", broken_xlsx)}, data={"draft": "true"})
    assert r.status_code == 200 and "草稿" in r.content.decode("utf-8")


# --- bad and hostile uploads -----------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def _with_part(data: bytes, name: str, body: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    return _zip({**{i.filename: src.read(i.filename) for i in src.infolist()}, name: body})


def _foreign() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
)

HOSTILE = [
    # (name, bytes or a maker, status, words of the message)
    ("空.xlsx", b"", 422, "文件是空的"),
    ("改名.xlsx", "名称,数量\n索罗乡,0\n".encode("gb18030"), 422, "这不是 Excel 工作簿"),
    ("旧版.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 422, "Excel 97-2003"),
    ("截断.xlsx", lambda: fill(VALID_TEXTS)[:3000], 422, "文件已损坏"),
    (
        "炸弹.xlsx",
        lambda: _zip({"xl/workbook.xml": b"<a/>", "xl/big.xml": b"\0" * (40 * 1024 * 1024)}),
        422,
        "压缩炸弹",
    ),
    ("实体.xlsx", lambda: _with_part(_foreign(), "xl/workbook.xml", LAUGHS), 422, "不安全的 XML"),
    ("别人的.xlsx", _foreign, 422, "不是本工具的模板"),
    ("坏.json", b'{"format": ', 422, "JSON 格式错误"),
    ("深.json", b"[" * 100_000 + b"]" * 100_000, 422, "JSON"),
    ("编码.json", '{"format": "xltools.report/1", "agency": {"name": "索罗乡"}}'.encode("gb18030"), 422, "UTF-8"),
    ("数组.json", b"[1, 2]", 422, "不是本工具的报告数据"),
    ("说明.txt", b"hello", 422, "不像是一份政府信息公开工作年度报告"),  # read as a published report
    ("说明.md", b"hello", 415, "不支持的文件类型"),
    ("无扩展名", b"PK\x03\x04", 415, "不支持的文件类型"),
]


@pytest.mark.parametrize(("name", "data", "status", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_bad_and_hostile_uploads_answer_with_a_page_and_4xx(client, name, data, status, says):
    data = data() if callable(data) else data
    r = upload(client, (name, data))
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert says in verdict(r)
    assert "Traceback" not in r.text and "Error" not in r.text
    # the same through the JSON interface
    r = upload(client, (name, data), url="/api/check")
    assert r.status_code == status
    (entry,) = r.json()["files"]
    assert entry["ok"] is False and says in entry["error"]["message"]
    # and the server goes on serving
    assert upload(client, (EXAMPLE.name, EXAMPLE.read_bytes())).status_code == 200


def _corpus_cases():
    from tests.corpus import CASES

    return [c for c in CASES if not c.soffice and c.name not in ("missing", "folder")]


@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda c: c.name)
def test_every_corpus_input_gets_the_answer_check_gives(client, tmp_path, case):
    """The corpus of broken, foreign and hostile files (tests/corpus.py), uploaded: the same verdict as
    `xltools check`, as a 4xx for an unusable file, and the server keeps serving."""
    path = case.build(tmp_path)
    data = path.read_bytes()
    r = upload(client, (path.name, data), url="/api/check")
    if len(data) > webapp.MAX_REQUEST:  # refused before it is read
        assert r.status_code == 413 and "上传的内容过大" in r.json()["error"]["message"]
        return
    (entry,) = r.json()["files"]
    if len(data) > webapp.MAX_UPLOAD:
        assert r.status_code == 413 and entry["error"]["code"] == "too_large"
    elif case.status == 2:
        assert r.status_code in (413, 415, 422)
        assert entry["error"]["code"] == case.code
        # the command line's own hints ("xltools template -o …") are not the API's words
        assert all(words in entry["error"]["message"] for words in case.says if not words.startswith("xltools "))
    else:
        assert r.status_code == 200
        assert entry["ok"] is (case.status == 0)
        messages = " ".join(f["message"] for f in entry["findings"])
        assert all(words in messages for words in case.says if words != "通过")
    page = upload(client, (path.name, data))
    assert page.status_code == r.status_code and "Traceback" not in page.text
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.json", "passwd.json"),
        ("..\\..\\报表\\<img src=x onerror=alert(1)>.json", "_img src=x onerror=alert(1)_.json"),
    ],
)
def test_file_names_cannot_escape_or_inject(client, given, shown):
    r = upload(client, (given, EXAMPLE.read_bytes()))
    assert r.status_code == 200
    assert "<img" not in r.text and "../" not in r.text and "..\\" not in r.text
    assert verdict(r).startswith(shown + " （")


def test_narrative_markup_is_escaped_everywhere(client):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["agency"]["name"] = '<img src=x onerror="alert(1)">乡人民政府'
    r = upload(client, ("注入.json", json.dumps(data, ensure_ascii=False).encode()))
    assert r.status_code == 200
    page = doc(r)
    assert not page.xpath("//img") and "<img src=x" not in r.text
    frame = page.cssselect("iframe.preview-frame")[0]
    assert not lhtml.fromstring(frame.get("srcdoc")).xpath("//img")  # escaped inside the preview too


def test_requests_that_are_not_uploads(client):
    r = client.post("/check", data={"strict": "true"})
    assert r.status_code == 400 and message(r) == "没有收到文件。请先选择要检查的文件（.xlsx、.json 或已发布的报告）。"
    r = client.post("/check", files=[("files", ("", b""))])  # a browser's form with no file chosen
    assert r.status_code == 400 and "没有收到文件" in message(r)
    r = client.post("/check", content=b"--x\r\ngarbage", headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400 and "<" not in message(r)
    r = client.post("/check", json={"files": []})
    assert r.status_code == 400
    r = client.get("/check")
    assert r.status_code == 405 and "不支持这种访问方式" in message(r)
    r = client.get("/nowhere", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.json()["error"]["message"] == "没有这个页面。请回到首页。"


# --- limits ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    with page_client(create_app(max_upload=64 * 1024, max_request=512 * 1024, max_files=3)) as c:
        yield c


def test_one_file_over_the_limit_is_413(small):
    r = upload(small, ("大.xlsx", b"PK\x03\x04" + b"\0" * (65 * 1024)))
    assert r.status_code == 413
    assert "无法使用：文件过大（超过 64 KB），不像是年度报告。" in verdict(r)


def test_in_a_batch_a_file_over_the_limit_costs_its_line_only(small):
    r = upload(small, ("大.xlsx", b"\0" * (65 * 1024)), (EXAMPLE.name, EXAMPLE.read_bytes()))
    assert r.status_code == 200
    statuses = [tr.get("data-status") for tr in doc(r).cssselect("#batch tbody tr")]
    assert statuses == ["unusable", "warnings"]


def test_request_over_the_limit_is_413_with_a_message(small):
    r = upload(small, *[(f"{i}.json", b" " * (200 * 1024)) for i in range(3)])
    assert r.status_code == 413
    assert "上传的内容过大" in message(r)
    boundary = "xltoolsboundary"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.json"\r\n\r\n'.encode()

    def chunked():  # no Content-Length: the limit must hold while the bytes arrive
        yield part
        for _ in range(100):
            yield b" " * 8192

    r = small.post("/check", content=chunked(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "上传的内容过大" in message(r)
    r = upload(small, *[(f"{i}.json", b"{}") for i in range(4)])
    assert r.status_code == 413 and "最多 3 个" in message(r)
    assert upload(small, (EXAMPLE.name, EXAMPLE.read_bytes())).status_code == 200


def test_nothing_is_kept_on_disk(monkeypatch, tmp_path, small):
    """Parts over 1 MB are spooled to a temporary file: it must be gone when the answer is sent."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    big = json.dumps({**json.loads(EXAMPLE.read_text(encoding="utf-8")), "contact": "电话" * 200_000}).encode()
    with page_client(create_app(max_upload=4 * 1024 * 1024)) as c:
        r = upload(c, ("大报告.json", big))
    assert r.status_code == 200
    assert "通过" in verdict(r) and "未通过" not in verdict(r)  # 未通过 contains 通过
    assert list(spool.iterdir()) == []


# --- failures inside: a message, never a traceback -------------------------------------------------


def test_an_internal_failure_is_a_chinese_500_and_the_server_goes_on(monkeypatch):
    """In threads of this process (processes=False), where the replaced library function is seen."""

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    with page_client(create_app(processes=False), raise_server_exceptions=False) as client:
        monkeypatch.setattr(api, "check_bytes", broken)
        r = upload(client, (EXAMPLE.name, EXAMPLE.read_bytes()))
        assert r.status_code == 500
        assert "程序内部出错（RuntimeError）" in verdict(r) and "boom" not in r.text and "Traceback" not in r.text
        monkeypatch.setattr(pages, "unit_view", broken)
        r = upload(client, (EXAMPLE.name, EXAMPLE.read_bytes()))
        assert r.status_code == 500 and "程序内部错误" in message(r) and "boom" not in r.text
        monkeypatch.undo()
        assert upload(client, (EXAMPLE.name, EXAMPLE.read_bytes())).status_code == 200


# --- batch -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (
            "timeout",
            "汇总表未能生成：用时超过了限制，已停止。下面各文件的检查结果不受影响。请减少一次上传的文件数后再试。",
        ),
        ("died", "汇总表未能生成：生成汇总表的进程意外退出（可能是内存不足）。下面各文件的检查结果不受影响。请减少"),
        ("bug", "汇总表未能生成：程序内部出错。下面各文件的检查结果不受影响。"),
    ],
)
def test_a_summary_that_cannot_be_made_is_said_so_truly(monkeypatch, failure, words):
    """The batch page said 汇总表功能尚未安装 (not installed) whenever the summary workbook failed;
    it says that it could not be made, and why, and the verdicts are all there."""
    from xltools.collect.pool import TaskTimeout, WorkerDied

    def broken(*_a, **_k):
        raise {"timeout": TaskTimeout("no answer", seconds=60), "died": WorkerDied("ended"), "bug": KeyError("x")}[
            failure
        ]

    monkeypatch.setattr(api, "summary_workbook_bytes", broken)
    with page_client(create_app(processes=False), raise_server_exceptions=False) as client:
        r = upload(client, (EXAMPLE.name, EXAMPLE.read_bytes()), ("说明.txt", b"x"))
    page = doc(r)
    assert r.status_code < 500 and not page.cssselect("#summary-download")
    assert text_of(page.cssselect("#summary-failed")[0]).startswith(words)
    assert "尚未安装" not in r.text and "Traceback" not in r.text
    assert len(page.cssselect("#batch tbody tr")) == 2


def test_batch_view_one_line_per_unit_and_summary_workbook(client, broken_xlsx):
    r = upload(client, ("坏.xlsx", broken_xlsx), (EXAMPLE.name, EXAMPLE.read_bytes()), ("说明.txt", b"x"))
    assert r.status_code == 200
    page = doc(r)
    rows = page.cssselect("#batch tbody tr")
    assert [(tr.get("data-status"), tr.get("data-rank")) for tr in rows] == [
        ("errors", "1"),
        ("warnings", "2"),
        ("unusable", "0"),
    ]
    assert [text_of(td) for td in rows[0].cssselect("td")][1:6] == [
        "坏.xlsx",
        VALID_TEXTS["agency.name"],
        "2024",
        "未通过",
        "1",
    ]
    assert (
        text_of(page.cssselect("#batch-summary")[0])
        == "共 3 个文件： 无法使用 1 个，未通过 1 个，通过（有提示） 1 个，通过 0 个。"
    )
    assert page.cssselect('#batch button.sort[data-key="rank"]')
    # each unit's details, with its own table and downloads
    assert page.cssselect('#unit-0 td.mark-error[data-cell="D31"]')
    assert len(page.cssselect("#unit-1 button.download")) == len(FORMATS)
    # the summary workbook rides in the page itself: nothing kept on the server
    href = page.cssselect("#summary-download")[0].get("href")
    assert href.startswith(f"data:{webapp.XLSX};base64,")
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
    ws = wb.worksheets[0]
    names = [c.value for c in ws["A"]][1:]
    assert names == ["坏.xlsx", EXAMPLE.name, "说明.txt"]


# --- pieces ----------------------------------------------------------------------------------------


@given(st.text(max_size=400))
def test_display_name_is_a_plain_short_base_name(name):
    shown = display_name(name)
    assert shown and len(shown) <= 121
    assert not re.search(r'[\x00-\x1f\x7f/\\<>:"|?*]', shown)


@pytest.mark.parametrize("sheet", [t.sheet for t in spec.TABLES])
def test_grid_draws_every_label_and_cell_of_the_layout_once(sheet):
    grid = sheet_grid(sheet, None)
    layout = SHEETS[sheet]
    texts = [c.text for _, cells in grid.rows for c in cells if c.kind in ("label", "header")]
    expected = [i.text for i in layout.items if isinstance(i, Label) and i.style in ("label", "header")]
    assert sorted(texts) == sorted(expected)
    assert sorted(c.path for _, cells in grid.rows for c in cells if c.path) == sorted(
        i.path for i in layout.items if isinstance(i, Slot)
    )
    # spans fill the rectangle exactly: every (row, column) covered once
    width, taken = layout.last_col + 1, set()
    for r, (_, cells) in enumerate(grid.rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert (r + dr, c + dc) not in taken
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    assert taken == {(r, c) for r in range(len(grid.rows)) for c in range(width)}


def test_grid_follows_a_workbook_whose_rows_moved():
    """Rows inserted above a table move the names along; the drawn row numbers follow."""
    path = "requests.new.natural"
    sheet, ref = field_ref(path).split("!")
    moved = {path: f"{sheet}!D{int(ref[1:]) + 2}"}
    grid = sheet_grid(sheet, Report({}, cells=moved))
    numbers = [n for n, _ in grid.rows]
    assert numbers[0] == 4 + 2 and grid.cell(path).ref == moved[path].split("!")[1]


def test_where_labels_come_from_the_spec():
    assert where_labels("requests.refused.state_secret.business") == ("（三）不予公开 1.属于国家秘密", "商业企业")
    assert where_labels("appeals.suit_direct.total") == ("行政诉讼 未经复议直接起诉", "总计")
    assert where_labels("agency.name") == (spec.FIELDS["agency.name"].label, "")
    assert where_labels("no.such") == ("", "")


# --- the command -----------------------------------------------------------------------------------


def test_serve_without_the_extra_says_how_to_install(monkeypatch):
    for name in list(sys.modules):
        if name.startswith("xltools.web"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "网页版需要另外安装几个组件，请运行：pip install 'xltools[web]'" in result.output


def test_serve_refuses_a_port_in_use():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"无法在 127.0.0.1:{port} 上启动：端口已被占用" in result.output


def test_serve_help_is_chinese_and_defaults_to_loopback():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "启动网页版" in result.output and "127.0.0.1" in result.output and "--open" in result.output


def test_loopback_detection():
    from xltools.web.server import is_loopback, url_of

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    assert url_of("0.0.0.0", 8765) == "http://127.0.0.1:8765/"
    assert url_of("::1", 80) == "http://[::1]:80/"


def test_the_page_never_tells_a_web_user_to_run_a_command(client):
    """A foreign workbook: the library's message names no command; the page adds where to get the
    blank template on the page, the command line its command."""
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    page = upload(client, ("别人的.xlsx", buf.getvalue()))
    text = doc(page).text_content()
    assert "请使用本工具的空白模板填写。空白填报模板可在本页顶部下载。" in text
    assert not re.search(r"xltools (template|check|build|serve)", text)


def test_a_batch_flags_the_same_agency_twice(client, broken_xlsx):
    """Two files of one agency and year (merge would refuse them) are named on the batch page."""
    xlsx = (EXAMPLE.parent / "suoluo-2024.xlsx").read_bytes()
    page = doc(upload(client, ("甲.xlsx", xlsx), ("乙.xlsx", xlsx), ("坏.xlsx", broken_xlsx)))
    (notice,) = page.cssselect("#same-units")
    assert "平凉市崆峒区索罗乡人民政府（2024年）：“甲.xlsx”、“乙.xlsx”" in text_of(notice)
    assert "合并" in text_of(notice) and "坏.xlsx" not in text_of(notice)
    rows = page.cssselect("#batch tr.unit")
    assert ["same-unit" in r.get("class") for r in rows] == [True, True, False]
    assert "与“乙.xlsx”是同一机关同一年度的报告（重复）" in text_of(rows[0].cssselect("td.text")[0])
    single = doc(upload(client, ("甲.xlsx", xlsx), ("坏.xlsx", broken_xlsx)))
    assert not single.cssselect("#same-units") and not single.cssselect("tr.same-unit")


def test_a_published_reports_findings_are_not_drawn_as_a_workbook(client):
    """A published report has no workbook: its findings are listed with their places in words, and
    no sheet grid (with made-up cell letters) is drawn."""
    data = (Path(__file__).parent / "fixtures" / "published" / "suoluo-2024-report.txt").read_bytes()
    page = doc(upload(client, ("索罗乡2024年报告.txt", data)))
    assert page.cssselect("tr.finding")  # its C5 and C7 warnings
    assert not page.cssselect("table.sheet") and not page.cssselect("section.grids")
    workbook = doc(upload(client, ("坏.xlsx", fill({**VALID_TEXTS, "requests.new.natural": 3}))))
    assert workbook.cssselect("table.sheet")  # a workbook's still are
