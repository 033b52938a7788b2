"""The collection round end to end in Debian's chromium (playwright), against `serve --data`'s app
on 127.0.0.1: the office creates a round of five units, a unit uploads a workbook with errors,
sees them, uploads a corrected one; the board shows 通过, the office confirms and downloads the
summary, the merged totals and the Word zip; then starts next year's round, whose template for
that unit carries last year's numbers. Screenshots at desktop and phone width are saved
(XLTOOLS_SCREENSHOTS names the folder; docs/img/ holds the ones the README shows)."""

from __future__ import annotations

import io
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import named_value
from tests.test_web_browser import ARGS
from tests.workbooks import VALID_TEXTS, fill

PASSWORD = "office-pass-2025"
YEAR = 2025
OFFICE = "测试市测试区人民政府"
UNITS = ["测试区发展和改革局", "测试区教育局", "测试区财政局", "测试镇人民政府", "测试街道办事处"]
UNIT = UNITS[3]
TEXTS = {k: v.replace("2024", str(YEAR)) if isinstance(v, str) else v for k, v in VALID_TEXTS.items()}
FIXED = {  # a correct report with numbers to carry: 5 new + 0 carried in = 2 granted + 3 carried over
    **TEXTS,
    "agency.name": UNIT,
    "year": YEAR,
    "requests.new.natural": 5,
    "requests.granted.natural": 2,
    "requests.carried_over.natural": 3,
    "proactive.regulations.in_force": 11,
}
BROKEN = {**FIXED, "requests.granted.natural": 0}  # the outcomes no longer add up: R3.3
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, chromium):
    from xltools import api
    from xltools.web.server import bind, make_server

    folder = tmp_path_factory.mktemp("round") / "data"
    with api.open_round_service(str(folder)) as service:
        service.set_password(PASSWORD)
    sock = bind("127.0.0.1", 0)
    server = make_server(sock, data_folder=folder)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(15)
    sock.close()


@pytest.fixture(scope="module")
def browser(base_url, chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("XLTOOLS_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_page(browser, viewport=DESKTOP):
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def download(page, selector: str, target: Path):
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(target)
    return info.value.suggested_filename


def snap(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def status_on_board(page, unit: str) -> str:
    return page.locator(f'#board tr[data-unit="{unit}"]').get_attribute("data-status")


def test_a_whole_round_and_the_next(browser, base_url, shots, tmp_path):
    office = new_page(browser)
    office.goto(base_url + "/office")
    assert office.url.endswith("/office/login")
    office.fill("#password", PASSWORD)
    click_and_wait(office, "#login")
    click_and_wait(office, "#new-round")
    office.fill("#year", str(YEAR))
    office.fill("#name", OFFICE)
    office.fill("#deadline", "2099-01-31")
    office.fill("#roster", "\n".join(UNITS))
    click_and_wait(office, "#create")
    rows = office.locator("#links tbody tr")
    assert rows.count() == 5
    links = {rows.nth(i).get_attribute("data-unit"): rows.nth(i).locator("code").inner_text() for i in range(5)}
    assert list(links) == UNITS and all(
        re.fullmatch(r"http://127\.0\.0\.1:\d+/u/[\w-]{40,}", v) for v in links.values()
    )
    assert download(office, "#links-xlsx", tmp_path / "links.xlsx") == f"{YEAR}年度填报链接.xlsx"
    sheet = openpyxl.load_workbook(tmp_path / "links.xlsx").worksheets[0]
    assert {links[UNIT]} <= {c for row in sheet.values for c in row if isinstance(c, str)}
    snap(office, shots, "office-links")

    # the unit: its template, a workbook with errors, then the corrected one
    unit = new_page(browser)
    unit.goto(links[UNIT])
    assert unit.locator("#unit-name").inner_text() == UNIT
    assert unit.locator("#unit-status").get_attribute("data-status") == "not_submitted"
    download(unit, "#template", tmp_path / "template.xlsx")
    template = openpyxl.load_workbook(tmp_path / "template.xlsx")
    assert named_value(template, "agency_name") == UNIT and named_value(template, "year") == YEAR
    broken, fixed = tmp_path / "有错误.xlsx", tmp_path / "改好了.xlsx"
    broken.write_bytes(fill(BROKEN))
    fixed.write_bytes(fill(FIXED))
    unit.set_input_files("#file", str(broken))
    click_and_wait(unit, "#submit")
    assert unit.locator("#verdict").get_attribute("data-status") == "errors"
    assert "未通过：1 处错误" in unit.locator("#verdict").inner_text()
    assert unit.locator("section.errors tr.finding[data-rule='R3.3']").count() == 1
    assert unit.locator("table.sheet td.mark-error").count() >= 1
    snap(unit, shots, "unit-errors")
    phone = new_page(browser, PHONE)
    phone.goto(links[UNIT])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    snap(phone, shots, "unit-errors-phone")
    unit.set_input_files("#file", str(fixed))
    click_and_wait(unit, "#submit")
    assert unit.locator("#verdict").get_attribute("data-status") == "ok"
    assert unit.locator("#unit-status").get_attribute("data-status") == "passed"
    assert unit.locator("#history tbody tr").count() == 2
    assert download(unit, "#report-docx", tmp_path / "report.docx").endswith(".docx")
    snap(unit, shots, "unit-passed")
    phone.goto(links[UNIT])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(phone, shots, "unit-passed-phone")

    # the office: the board, the review, the downloads
    office.goto(base_url + f"/office/{YEAR}")
    assert status_on_board(office, UNIT) == "passed"
    assert office.locator(f'#board tr[data-unit="{UNIT}"] td.status').inner_text().startswith("通过")
    assert status_on_board(office, UNITS[0]) == "not_submitted"
    snap(office, shots, "office-board")
    click_and_wait(office, f'#board tr[data-unit="{UNIT}"] td.errors a')  # the count links to the findings
    assert office.url.endswith("#findings") and "通过" in office.locator("#findings").inner_text()
    office.go_back()
    click_and_wait(office, f'#board tr[data-unit="{UNIT}"] td.name a')
    assert office.locator("#history tbody tr").count() == 2
    click_and_wait(office, "#confirm")
    assert office.locator("#unit-status").get_attribute("data-status") == "confirmed"
    office.goto(base_url + f"/office/{YEAR}?status=confirmed")
    assert office.locator("#board tbody tr.unit").count() == 1 and status_on_board(office, UNIT) == "confirmed"
    office.goto(base_url + f"/office/{YEAR}")
    phone_office = new_page(browser, PHONE)
    phone_office.context.add_cookies(office.context.cookies())
    phone_office.goto(base_url + f"/office/{YEAR}")
    assert phone_office.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(phone_office, shots, "office-board-phone")
    phone_office.goto(base_url + f"/office/{YEAR}/log")  # the audit log, newest first
    assert phone_office.locator("#log tbody tr").first.get_attribute("data-action") == "确认报告"
    assert phone_office.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(phone_office, shots, "office-log-phone")
    office.goto(base_url + f"/office/{YEAR}/downloads")
    download(office, "#dl-summary", tmp_path / "summary.xlsx")
    summary = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    assert any(UNIT in str(c) for ws in summary.worksheets for row in ws.values for c in row if c)
    download(office, "#dl-merged", tmp_path / "merged.xlsx")
    assert openpyxl.load_workbook(tmp_path / "merged.xlsx").worksheets
    download(office, "#dl-reports", tmp_path / "reports.zip")
    with zipfile.ZipFile(tmp_path / "reports.zip") as z:
        assert [n for n in z.namelist() if n.endswith(".docx")] and UNIT in " ".join(z.namelist())
    download(office, "#dl-export", tmp_path / "export.zip")
    with zipfile.ZipFile(tmp_path / "export.zip") as z:
        assert "index.json" in z.namelist()

    # next year's round: the unit's template carries this year's numbers
    office.goto(base_url + f"/office/{YEAR}")
    click_and_wait(office, "#start-next")
    assert office.locator("#roster").input_value().splitlines() == UNITS
    office.fill("#deadline", "2100-01-31")
    click_and_wait(office, "#create")
    assert office.locator("h1").inner_text() == f"{YEAR + 1}年度填报链接"
    new_link = office.locator(f'#links tr[data-unit="{UNIT}"] code').inner_text()
    assert new_link != links[UNIT]
    unit.goto(new_link)
    assert "带入" in unit.locator(".steps").inner_text()
    download(unit, "#template", tmp_path / "next.xlsx")
    carried = openpyxl.load_workbook(io.BytesIO((tmp_path / "next.xlsx").read_bytes()))
    assert named_value(carried, "agency_name") == UNIT
    assert named_value(carried, "year") == YEAR + 1
    assert named_value(carried, "requests_carried_in_natural") == 3  # last year's 结转下年度 is this year's 上年结转
    assert named_value(carried, "previous_carried_over_natural") == 3
    assert named_value(carried, "previous_in_force_regulations") == 11
    unit.goto(links[UNIT])  # last year's link still works: its round is still there
    assert unit.locator("#unit-status").get_attribute("data-status") == "confirmed"
