"""The web page in a real browser: Debian's chromium driven by Playwright against the app served
by uvicorn on 127.0.0.1 in a background thread. The tests ask for the `chromium` fixture
(tests/needs.py): skipped when chromium or playwright is missing, failed instead in CI."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import openpyxl
import pytest

from tests.workbooks import VALID_TEXTS, fill
from xltools import spec
from xltools.workbook.layout import field_ref

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "suoluo-2024.json"
EXAMPLE_XLSX = EXAMPLES / "suoluo-2024.xlsx"  # the shipped filled workbook
AGENCY = "平凉市崆峒区索罗乡人民政府"
TITLE = spec.TITLE.format(name=AGENCY, year=2024)
CARRIED_OVER = field_ref("requests.carried_over.natural").split("!", 1)[1]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
        "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip


@pytest.fixture(scope="module")
def base_url(chromium):
    from xltools.web.server import bind, make_server

    sock = bind("127.0.0.1", 0)
    server = make_server(sock)
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


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base_url + "/")
    yield page
    context.close()


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("web") / "坏的报表.xlsx"
    path.write_bytes(fill({**VALID_TEXTS, "requests.new.natural": 3}))
    return path


def _upload(page, files, strict: bool = False) -> None:
    """Choose files, (tick 严格检查,) press 开始检查 and wait for the answer."""
    page.set_input_files("#files", files)
    if strict:
        page.check("input[name=strict]")
    with page.expect_navigation():
        page.click("#submit")


def test_choosing_a_file_waits_for_the_strict_box(page, tmp_path):
    """Choosing a file lists it and does not submit: 严格检查 can still be ticked."""
    page.set_input_files("#files", str(EXAMPLE_XLSX))
    page.wait_for_timeout(500)
    assert page.locator("#chosen li").inner_text() == EXAMPLE_XLSX.name
    assert page.locator("#verdict-0").count() == 0  # still the upload page
    _upload(page, str(EXAMPLE_XLSX), strict=True)
    assert page.locator("#verdict-0").get_attribute("data-status") == "errors"  # the C5 warning, under strict


def test_example_verdict_preview_and_docx_download(page, tmp_path):
    _upload(page, str(EXAMPLE_XLSX))
    verdict = page.locator("#verdict-0")
    assert verdict.get_attribute("data-status") in ("ok", "warnings")
    assert "通过：没有" in verdict.inner_text() and AGENCY in verdict.inner_text()
    assert page.locator("section.errors").count() == 0
    assert page.frame_locator("iframe.preview-frame").locator("h1").inner_text() == TITLE
    with page.expect_download() as info:
        page.click('button.download[data-format="docx"]')
    download = info.value
    assert download.suggested_filename == f"{TITLE}.docx"
    saved = tmp_path / "report.docx"
    download.save_as(saved)
    import docx

    document = docx.Document(str(saved))
    assert TITLE in [p.text.replace("\n", "") for p in document.paragraphs]  # the title breaks after the name
    assert document.tables, "the report's tables are in the Word file"


def test_broken_workbook_verdict_and_highlighted_cell(page, broken, tmp_path):
    _upload(page, str(broken))
    verdict = page.locator("#verdict-0")
    assert verdict.get_attribute("data-status") == "errors"
    assert "未通过：1 处错误" in verdict.inner_text()
    cell = page.locator(f'table.sheet td.mark-error[data-cell="{CARRIED_OVER}"]')
    cell.scroll_into_view_if_needed()
    assert cell.is_visible() and cell.inner_text() == "0"
    style = cell.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.backgroundColor]; }")
    plain = page.locator('table.sheet td[data-field="requests.new.business"]')
    assert style[0] == "solid"
    assert style[1] != plain.evaluate("e => getComputedStyle(e).backgroundColor")
    assert "相差 3" in cell.get_attribute("title")
    first = page.locator("section.errors tr.finding").first
    assert first.locator("td.cell").inner_text() == "D7、D8、D30、D31"
    # a report with errors downloads only as a marked draft
    with page.expect_download() as info:
        page.click('button.download[data-format="docx"]')
    saved = tmp_path / "draft.docx"
    info.value.save_as(saved)
    import docx

    assert any("草稿" in p.text for p in docx.Document(str(saved)).paragraphs)


def test_drop_zone_takes_a_dropped_file(page):
    text = EXAMPLE.read_text(encoding="utf-8")
    page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.items.add(new File([text], "拖进来的.json", {type: "application/json"}));
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )
    assert page.locator("#chosen li").inner_text() == "拖进来的.json"
    with page.expect_navigation():
        page.click("#submit")
    assert "拖进来的.json" in page.locator("#verdict-0").inner_text()


def test_oversized_file_is_refused_before_uploading(page):
    from xltools.web.app import MAX_UPLOAD

    page.set_input_files("#files", {"name": "太大.xlsx", "mimeType": "application/octet-stream",
                                    "buffer": b"\0" * (MAX_UPLOAD + 1)})  # fmt: skip
    problem = page.locator("#upload-error")
    problem.wait_for(state="visible")
    assert "“太大.xlsx”过大（超过 20 MB）" in problem.inner_text()
    assert page.url.endswith("/")


def test_batch_sorts_by_status_and_gives_the_summary_workbook(page, broken, tmp_path):
    notes = tmp_path / "说明.txt"
    notes.write_text("不是报表", encoding="utf-8")
    _upload(page, [str(EXAMPLE), str(broken), str(notes)])
    rows = page.locator("#batch tbody tr")
    assert rows.count() == 3
    statuses = lambda: [rows.nth(i).get_attribute("data-status") for i in range(3)]  # noqa: E731
    assert statuses()[1:] == ["errors", "unusable"]
    page.click('#batch button.sort[data-key="rank"]')
    assert statuses()[:2] == ["unusable", "errors"]
    page.click('#batch button.sort[data-key="rank"]')
    assert statuses()[2] == "unusable"
    with page.expect_download() as info:
        page.click("#summary-download")
    saved = tmp_path / "summary.xlsx"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "检查汇总.xlsx"
    ws = openpyxl.load_workbook(saved).worksheets[0]
    assert [c.value for c in ws["A"]][1:] == [EXAMPLE.name, broken.name, notes.name]


@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_fits_a_phone_and_a_desktop(browser, base_url, broken, width):
    """At 390 px (a phone) the page never scrolls sideways: the batch table and the findings become
    one card per row (names and 说明 as wide as the screen), the workbook grid scrolls in its own
    box; at 1366 px they stay tables."""
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(base_url + "/")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        _upload(page, [str(broken), str(EXAMPLE_XLSX), str(EXAMPLE_XLSX)])
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        agency = page.locator("#batch tbody tr").first.locator("td.agency")
        text = page.locator("section.errors td.text").first
        display = page.locator("#batch").evaluate("e => getComputedStyle(e).display")
        if width < 640:
            assert display == "block"
            box = agency.bounding_box()
            assert box["width"] > 250 and box["height"] < 60  # 测试市测试区测试镇人民政府 on one or two lines
            assert text.bounding_box()["width"] > 250  # 说明 no longer four characters a line
            assert "说明：" in text.evaluate("e => getComputedStyle(e, '::before').content + e.textContent")
            grid = page.locator(".grid-wrap").first
            assert grid.evaluate("e => e.scrollWidth > e.clientWidth")  # the grid scrolls inside its box
        else:
            assert display == "table"
        page.goto(base_url + "/")
        _upload(page, str(broken))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    finally:
        context.close()


# --- every state of the page on a phone (390 px) and a desktop (1366 px) ------------------------------


PHONE, DESKTOP = 390, 1366
SHOTS = {PHONE: 844, DESKTOP: 900}  # viewport heights


@pytest.fixture(scope="module")
def batch_files(tmp_path_factory, broken) -> list[Path]:
    """A batch as a reviewer gets it: the same unit twice (and once more with an error), another
    unit whose file name is one long word, a file that cannot be used."""
    folder = tmp_path_factory.mktemp("batch")
    same = fill(VALID_TEXTS)
    (folder / "甲.xlsx").write_bytes(same)
    (folder / "丙.xlsx").write_bytes(same)
    long_name = folder / ("乙" * 40 + ".xlsx")
    long_name.write_bytes(fill({**VALID_TEXTS, "agency.name": "另一个单位人民政府", "requests.new.natural": 3}))
    (folder / "坏.json").write_bytes(b"{")
    return [folder / "甲.xlsx", long_name, folder / "丙.xlsx", folder / "坏.json", broken]


@pytest.fixture(scope="module")
def published_report(tmp_path_factory) -> Path:
    """The shipped published report with 5 carried over that nothing accounts for (R3.3)."""
    source = Path(__file__).resolve().parent / "fixtures" / "published" / "suoluo-2024-report.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("四、结转下年度继续办理 |"))
    lines[at] = "四、结转下年度继续办理 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |"
    path = tmp_path_factory.mktemp("published") / "报告.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _fits(page) -> None:
    """The page does not scroll sideways: whatever is wider (a drawn sheet) scrolls in its own frame."""
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"the page scrolls sideways: {width} px on a {inner} px screen"


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_state_of_the_page_fits_the_screen(browser, base_url, width, broken, batch_files, published_report,
                                                  tmp_path):  # fmt: skip
    """Start page, a workbook's result with errors (findings, grid, draft preview), a passing
    workbook with soft findings, a published report's result, a batch and the error page: no sideways scroll at 390 px or 1366 px, the
    finding list and the batch table reflowed as cards on a phone, 说明 and names readable (not a
    few characters per line). Screenshots go to tmp_path, to look at."""
    context = browser.new_context(viewport={"width": width, "height": SHOTS[width]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:

        def shot(name: str) -> None:
            _fits(page)
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)

        def box(selector: str) -> dict:
            return page.locator(selector).first.bounding_box()

        page.goto(base_url + "/")
        shot("start")

        _upload(page, str(broken))
        shot("workbook")
        text = box("section.errors td.text")
        assert text["width"] >= (250 if width == PHONE else 400), "说明 has a readable width"
        assert box("table.sheet td.mark-error")  # the sheet is drawn, scrolled inside its frame
        frame = box(".grid-wrap")
        assert frame["x"] + frame["width"] <= width
        page.locator("iframe.preview-frame").scroll_into_view_if_needed()
        assert page.frame_locator("iframe.preview-frame").locator("h1").count() == 1  # the draft's preview
        shot("draft")

        page.goto(base_url + "/")
        _upload(page, str(EXAMPLE_XLSX))  # passes, with soft findings naming many cells (C7)
        shot("passing")
        cells = box("section.warnings td.cell")
        assert cells["x"] + cells["width"] <= width, "a long list of cells wraps"

        page.goto(base_url + "/")
        _upload(page, str(published_report))
        shot("published")
        assert page.locator("table.sheet").count() == 0
        assert box("section.errors td.where")["width"] >= (250 if width == PHONE else 150)

        page.goto(base_url + "/")
        _upload(page, [str(p) for p in batch_files])
        shot("batch")
        table = box("#batch")
        assert table["width"] <= width
        name = box("#batch tbody tr:nth-child(2) td.file a")
        assert name["width"] >= 150, "a long file name wraps across the line, not a character per line"
        assert page.locator("#same-units li.same-unit").count() == 1
        if width == PHONE:  # cards: one row of the table is one block, its cells stacked
            first, second = box("#batch tbody tr td.index"), box("#batch tbody tr td.file")
            assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 5
            page.click('#batch button.sort[data-key="rank"]')  # sorting still works
            assert page.locator("#batch tbody tr").first.get_attribute("data-status") == "unusable"

        page.goto(base_url + "/no-such-page")
        shot("error")
        assert page.locator("#error-message").is_visible()
    finally:
        context.close()
