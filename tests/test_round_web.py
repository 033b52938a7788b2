"""The collection service's pages through httpx (xltools serve --data): who may read and change
what. A unit's link reaches only that unit; the office's pages need its session; every form needs
its CSRF token and this server's origin; a wrong password is slowed down; a session expires."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import sqlite3
import zipfile

import openpyxl
import pytest

from tests.workbooks import VALID_TEXTS, fill

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from xltools import api
from xltools.web import security
from xltools.web.app import create_app

PASSWORD = "office-pass-2025"
BASE = "http://127.0.0.1"
OFFICE = "测试市测试区人民政府"
UNITS = ["测试区发展和改革局", "测试区教育局", "测试镇人民政府"]
YEAR = 2025


# the example texts, of this round's year (a text naming another year is a T2 warning)
TEXTS = {k: v.replace("2024", str(YEAR)) if isinstance(v, str) else v for k, v in VALID_TEXTS.items()}


def workbook(unit: str, **values) -> bytes:
    """A filled workbook of `unit` for the round's year: no errors or warnings unless `values` say so."""
    return fill({**TEXTS, "agency.name": unit, "year": YEAR, **values})


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def folder(tmp_path):
    with api.open_round_service(str(tmp_path / "data")) as service:
        service.set_password(PASSWORD)
    return tmp_path / "data"


@pytest.fixture
def app(folder):
    return create_app(data_folder=folder)


def client(app, base: str = BASE) -> TestClient:
    return TestClient(app, base_url=base, follow_redirects=False)


def login(c: TestClient, password: str = PASSWORD):
    token = csrf(c.get("/office/login").text)
    return c.post("/office/login", data={"password": password, "csrf_token": token})


@pytest.fixture
def office(app):
    c = client(app)
    assert login(c).status_code == 303
    return c


@pytest.fixture
def links(office) -> dict[str, str]:
    """A round made through the office's form; unit name -> its link's path."""
    page = office.get("/office/new")
    r = office.post(
        "/office/new",
        data={
            "year": str(YEAR),
            "name": OFFICE,
            "deadline": "2099-01-31",
            "roster": "\n".join(UNITS),
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 200, r.text
    found = dict(re.findall(r'<tr data-unit="([^"]+)">.*?<code>http://127\.0\.0\.1(/u/[^<]+)</code>', r.text, re.S))
    assert list(found) == UNITS
    return found


def upload(c: TestClient, link: str, data: bytes, name: str = "报表.xlsx", **headers):
    token = csrf(c.get(link).text)
    return c.post(link + "/upload", data={"csrf_token": token}, files={"file": (name, data)}, headers=headers)


def unit_id(office: TestClient, name: str) -> int:
    board = office.get(f"/office/{YEAR}").text
    return int(re.search(rf'href="[^"]*/office/{YEAR}/units/(\d+)">{name}<', board).group(1))


# --- the office ----------------------------------------------------------------------------------


def test_office_pages_need_the_session(app, links):
    unit = client(app)
    unit.get(links[UNITS[0]])  # a unit's browser, with its own CSRF cookie but no office session
    for path in (
        "/office",
        f"/office/{YEAR}",
        f"/office/{YEAR}?status=errors",
        f"/office/{YEAR}/links",
        f"/office/{YEAR}/units/1",
        f"/office/{YEAR}/units/1/v/1",
        f"/office/{YEAR}/downloads",
        f"/office/{YEAR}/summary.xlsx",
        f"/office/{YEAR}/merged.xlsx",
        f"/office/{YEAR}/reports.zip",
        f"/office/{YEAR}/export.zip",
        f"/office/{YEAR}/log",
        f"/office/{YEAR}/next",
    ):
        r = unit.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/office/login", path
        r = unit.get(path, headers={"accept": "application/json"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "login", path
    token = csrf(unit.get(links[UNITS[0]]).text)  # a valid CSRF token is no session
    for path in (
        f"/office/{YEAR}/close",
        f"/office/{YEAR}/units/1/revoke",
        f"/office/{YEAR}/units/1/reissue",
        f"/office/{YEAR}/links",
    ):
        r = unit.post(path, data={"csrf_token": token})
        assert r.status_code == 401 and "登录" in r.text, path
    r = unit.post(f"/office/{YEAR}/units/1/confirm", data={"csrf_token": token, "version": "1"})
    assert r.status_code == 401


def test_login_cookie_is_httponly_strict_and_expires(app):
    c = client(app)
    r = login(c)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("xltools_office=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert re.search(r"Max-Age=\d+", cookie) and "Secure" not in cookie
    secure = client(app, "https://127.0.0.1")
    assert "Secure" in login(secure).headers["set-cookie"]
    assert c.get("/office").status_code == 200
    token = csrf(c.get("/office").text)
    assert c.post("/office/logout", data={"csrf_token": token}).status_code == 303
    c.cookies.set("xltools_office", cookie.split(";")[0].split("=", 1)[1])  # the old cookie, replayed
    assert c.get("/office").status_code == 303


def test_an_expired_session_is_sent_to_login(app, folder):
    c = client(app)
    login(c)
    assert c.get("/office").status_code == 200
    with sqlite3.connect(folder / "store.sqlite3") as db:
        db.execute("UPDATE sessions SET expires = '2000-01-01T00:00:00.000000Z'")
    r = c.get("/office")
    assert r.status_code == 303 and r.headers["location"] == "/office/login"


def test_a_wrong_password_is_refused_and_slowed(app):
    c = client(app)
    r = login(c, "not-the-password")
    assert r.status_code == 401 and "密码不对" in r.text and "xltools_office" not in r.headers.get("set-cookie", "")
    for _ in range(5):
        r = login(c, "not-the-password")
    assert r.status_code == 401
    r = login(c)  # the right one, too soon after: refused, and told how long to wait
    assert r.status_code == 401 and re.search(r"请 \d+ 秒后再试", r.text)
    assert c.get("/office").status_code == 303


# --- the units -----------------------------------------------------------------------------------


def test_a_unit_sees_only_its_own(app, office, links):
    first, second = client(app), client(app)
    assert (
        upload(first, links[UNITS[0]], workbook(UNITS[0], **{"requests.new.natural": 3}), "甲的报表.xlsx").status_code
        == 303
    )
    page = first.get(links[UNITS[0]]).text
    assert "甲的报表.xlsx" in page and 'data-status="errors"' in page
    own = second.get(links[UNITS[1]]).text
    assert "甲的报表.xlsx" not in own and UNITS[0] not in own
    for v in (1, 2, 0, -1, 999):  # versions are counted within the unit: another's cannot be named
        r = second.get(links[UNITS[1]] + f"?v={v}")
        assert r.status_code == 200 and "甲的报表.xlsx" not in r.text and 'id="verdict"' not in r.text
    r = second.get(links[UNITS[1]] + "/report.docx")
    assert r.status_code == 409 and "还没有上传" in r.text
    # the office's pages stay closed to a unit, whatever id it tries
    for u in range(1, 5):
        assert second.get(f"/office/{YEAR}/units/{u}").status_code == 303
        assert second.get(f"/office/{YEAR}/units/{u}/v/1").status_code == 303


def test_an_unknown_or_revoked_link_is_a_chinese_404(app, office, links):
    unit = client(app)
    link = links[UNITS[0]]
    for bad in ("/u/x", link[:-1], link[:-1] + ("A" if link[-1] != "A" else "B"), link + "x", "/u/" + "A" * 43):
        r = unit.get(bad)
        assert r.status_code == 404 and "请联系政务公开办" in r.text, bad
        assert unit.get(bad + "/template.xlsx").status_code == 404
    token = csrf(unit.get(link).text)  # the unit's page, open before the link is revoked
    uid = unit_id(office, UNITS[0])
    page = office.get(f"/office/{YEAR}/units/{uid}")
    assert office.post(f"/office/{YEAR}/units/{uid}/revoke", data={"csrf_token": csrf(page.text)}).status_code == 303
    r = unit.get(link)
    assert r.status_code == 404 and "已作废" in r.text
    r = unit.post(link + "/upload", data={"csrf_token": token}, files={"file": ("a.xlsx", workbook(UNITS[0]))})
    assert r.status_code == 404 and "已作废" in r.text
    page = office.get(f"/office/{YEAR}/units/{uid}")
    r = office.post(f"/office/{YEAR}/units/{uid}/reissue", data={"csrf_token": csrf(page.text)})
    new = re.search(r"<code>http://127\.0\.0\.1(/u/[^<]+)</code>", r.text).group(1)
    assert new != link and unit.get(new).status_code == 200 and unit.get(link).status_code == 404


def test_the_unit_form_works_for_a_script(app, links):
    """GET the page (cookie and token), POST the file with Accept: application/json: the verdict."""
    script = client(app)
    token = csrf(script.get(links[UNITS[2]]).text)
    r = script.post(
        links[UNITS[2]] + "/upload",
        data={"csrf_token": token},
        files={"file": ("报表.xlsx", workbook(UNITS[2]))},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1 and body["status"] in ("passed", "warnings") and len(body["sha256"]) == 64
    assert body["verdict"]["agency"] == UNITS[2] and not any(
        f["severity"] == "error" for f in body["verdict"]["findings"]
    )
    template = script.get(links[UNITS[2]] + "/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert UNITS[2] in [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]


def test_every_form_refuses_a_missing_token_and_a_foreign_origin(app, office, links):
    uid = unit_id(office, UNITS[0])
    unit = client(app)
    unit.get(links[UNITS[0]])
    posts = [
        (office, "/office/new", {"year": "2030", "name": OFFICE, "roster": "甲"}),
        (office, f"/office/{YEAR}/close", {}),
        (office, f"/office/{YEAR}/reopen", {}),
        (office, f"/office/{YEAR}/links", {}),
        (office, f"/office/{YEAR}/units/{uid}/confirm", {"version": "1"}),
        (office, f"/office/{YEAR}/units/{uid}/return", {"version": "1", "comment": "改"}),
        (office, f"/office/{YEAR}/units/{uid}/revoke", {}),
        (office, f"/office/{YEAR}/units/{uid}/reissue", {}),
        (office, f"/office/{YEAR}/next", {"roster": "甲"}),
        (office, "/office/logout", {}),
        (office, "/office/login", {"password": PASSWORD}),
    ]
    token = csrf(office.get("/office").text)
    for c, path, data in posts:
        r = c.post(path, data=data)
        assert r.status_code == 403, path
        r = c.post(path, data={**data, "csrf_token": token}, headers={"origin": "http://evil.example"})
        assert r.status_code == 403, path
        r = c.post(path, data={**data, "csrf_token": "forged." + "0" * 64})
        assert r.status_code == 403, path
    link = links[UNITS[0]]
    wb = workbook(UNITS[0])
    assert unit.post(link + "/upload", files={"file": ("a.xlsx", wb)}).status_code == 403
    token = csrf(unit.get(link).text)
    r = unit.post(
        link + "/upload",
        data={"csrf_token": token},
        files={"file": ("a.xlsx", wb)},
        headers={"origin": "http://evil.example"},
    )
    assert r.status_code == 403
    r = unit.post(
        link + "/upload",
        data={"csrf_token": token},
        files={"file": ("a.xlsx", wb)},
        headers={"referer": "http://evil.example/x"},
    )
    assert r.status_code == 403
    assert office.get(f"/office/{YEAR}").text.count('data-status="not_submitted"') >= len(UNITS)  # nothing happened
    assert "逾期" not in office.get(f"/office/{YEAR}").text


# --- the round, through the office's pages ---------------------------------------------------------


def test_review_board_and_downloads(app, office, links):
    unit = client(app)
    link = links[UNITS[0]]
    first = workbook(UNITS[0], **{"requests.new.natural": 3})
    assert upload(unit, link, first).status_code == 303
    board = office.get(f"/office/{YEAR}").text
    assert re.search(rf'data-unit="{UNITS[0]}" data-status="errors"', board)
    assert re.search(rf'data-unit="{UNITS[1]}" data-status="not_submitted"', board)
    errors_only = office.get(f"/office/{YEAR}?status=errors").text
    assert UNITS[0] in errors_only and f'data-unit="{UNITS[1]}"' not in errors_only
    uid = unit_id(office, UNITS[0])
    page = office.get(f"/office/{YEAR}/units/{uid}").text
    assert 'id="confirm"' not in page  # a version with errors cannot be confirmed
    r = office.post(f"/office/{YEAR}/units/{uid}/confirm", data={"csrf_token": csrf(page), "version": "1"})
    assert r.status_code == 409 and "不能确认" in r.text
    r = office.post(
        f"/office/{YEAR}/units/{uid}/return",
        data={"csrf_token": csrf(page), "version": "1", "comment": "请核对第三部分。"},
    )
    assert r.status_code == 303
    assert "请核对第三部分。" in unit.get(link).text  # the unit sees the office's comment
    assert upload(unit, link, workbook(UNITS[0])).status_code == 303
    board = office.get(f"/office/{YEAR}").text
    assert re.search(rf'data-unit="{UNITS[0]}" data-status="(passed|warnings)"', board)
    page = office.get(f"/office/{YEAR}/units/{uid}").text
    assert (
        office.post(f"/office/{YEAR}/units/{uid}/confirm", data={"csrf_token": csrf(page), "version": "2"}).status_code
        == 303
    )
    assert re.search(rf'data-unit="{UNITS[0]}" data-status="confirmed"', office.get(f"/office/{YEAR}").text)
    history = office.get(f"/office/{YEAR}/units/{uid}").text
    assert history.count('data-version="') == 2
    original = office.get(f"/office/{YEAR}/units/{uid}/v/1")
    assert original.status_code == 200 and original.content == first
    summary = office.get(f"/office/{YEAR}/summary.xlsx")
    assert summary.status_code == 200 and "filename*=UTF-8''" in summary.headers["content-disposition"]
    rows = [
        [c for c in row if c is not None]
        for row in openpyxl.load_workbook(io.BytesIO(summary.content)).worksheets[0].values
    ]
    assert any(UNITS[0] in str(v) for row in rows for v in row)
    merged = office.get(f"/office/{YEAR}/merged.xlsx")
    assert merged.status_code == 200 and merged.content[:2] == b"PK"
    reports = office.get(f"/office/{YEAR}/reports.zip")
    with zipfile.ZipFile(io.BytesIO(reports.content)) as z:
        names = z.namelist()
        assert any(UNITS[0] in n and n.endswith(".docx") for n in names)
        notes = z.read("说明.txt").decode("utf-8")
        assert f"{UNITS[1]}：未提交" in notes
    log = office.get(f"/office/{YEAR}/log").text  # the audit log in words, newest first
    returned = log.index(f"退回报告</td>\n      <td>{UNITS[0]}：第 1 版，请核对第三部分。")
    confirmed = log.index(f"确认报告</td>\n      <td>{UNITS[0]}：第 2 版")
    uploaded = log.index(f"上传报告</td>\n      <td>{UNITS[0]}：报表.xlsx")
    assert confirmed < returned < log.index("建立收集") and uploaded < returned
    assert "<td>填报单位</td><td>上传报告" in log and "<td>政务公开办</td><td>确认报告" in log
    export = office.get(f"/office/{YEAR}/export.zip")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as z:
        index = json.loads(z.read("index.json"))
        stored = {f["sha256"]: f["file"] for u in index["units"] for f in u["uploads"]}
        assert len(stored) == 2
        for sha, name in stored.items():
            assert hashlib.sha256(z.read(name)).hexdigest() == sha


def test_an_upload_is_judged_in_a_killable_worker(folder, monkeypatch):
    """The service's check is the page's worker pool: a check past the time limit is stopped,
    and the upload is kept with that verdict (无法读取（超时）), not lost and not hanging the server."""
    monkeypatch.setenv("XLTOOLS_FILE_TIMEOUT", "0.001")  # no check of a workbook is this fast, on any machine
    app = create_app(data_folder=folder)
    with client(app) as office:
        login(office)
        page = office.get("/office/new")
        r = office.post(
            "/office/new", data={"year": str(YEAR), "name": OFFICE, "roster": UNITS[0], "csrf_token": csrf(page.text)}
        )
        link = re.search(r"<code>http://127\.0\.0\.1(/u/[^<]+)</code>", r.text).group(1)
        unit = client(app)
        token = csrf(unit.get(link).text)
        r = unit.post(
            link + "/upload",
            data={"csrf_token": token},
            files={"file": ("报表.xlsx", workbook(UNITS[0]))},
            headers={"accept": "application/json"},
        )
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "errors" and body["verdict"]["error"]["code"] == "timeout"
        assert "超时" in body["verdict"]["error"]["message"]
        assert re.search(rf'data-unit="{UNITS[0]}" data-status="errors"', office.get(f"/office/{YEAR}").text)


def test_overdue_filter_sort_and_closing(app, folder, office):
    import datetime as dt

    with api.open_round_service(str(folder)) as service:  # a round whose deadline has passed
        issued = service.create_round(2024, OFFICE, api.roster_from_text("\n".join(UNITS)), dt.date(2025, 1, 31))
        tokens = {link.unit.name: f"/u/{link.token}" for link in issued.links}
    unit = client(app)
    late = dict(TEXTS, year=2024)
    token = csrf(unit.get(tokens[UNITS[1]]).text)
    book = fill({**late, "agency.name": UNITS[1], "requests.new.natural": 3})  # an error
    assert (
        unit.post(
            tokens[UNITS[1]] + "/upload", data={"csrf_token": token}, files={"file": ("a.xlsx", book)}
        ).status_code
        == 303
    )
    token = csrf(unit.get(tokens[UNITS[2]]).text)
    book = fill({**late, "agency.name": UNITS[2]})
    assert (
        unit.post(
            tokens[UNITS[2]] + "/upload", data={"csrf_token": token}, files={"file": ("b.xlsx", book)}
        ).status_code
        == 303
    )
    board = office.get("/office/2024").text
    rows = re.findall(r'<tr class="unit s-(\w+)( overdue)?" data-unit="([^"]+)"', board)
    assert [(name, status, bool(late_)) for status, late_, name in rows] == [
        (UNITS[0], "not_submitted", True),
        (UNITS[1], "errors", True),
        (UNITS[2], "passed", False),  # passed in time enough: not overdue
    ]
    overdue = office.get("/office/2024?status=overdue").text
    assert re.findall(r'data-unit="([^"]+)" data-status', overdue) == UNITS[:2]
    by_status = office.get("/office/2024?sort=status").text
    assert re.findall(r'data-unit="([^"]+)" data-status', by_status) == [UNITS[1], UNITS[0], UNITS[2]]
    by_name_desc = office.get("/office/2024?sort=name&desc=1").text
    assert re.findall(r'data-unit="([^"]+)" data-status', by_name_desc) == sorted(UNITS, reverse=True)
    # closing: the units can no longer upload, and are told so; reopening lets them again
    page = office.get("/office/2024").text
    assert office.post("/office/2024/close", data={"csrf_token": csrf(page)}).status_code == 303
    page = unit.get(tokens[UNITS[0]]).text
    assert 'id="closed"' in page and 'id="upload"' not in page
    book = fill({**late, "agency.name": UNITS[0]})
    r = unit.post(
        tokens[UNITS[0]] + "/upload",
        data={"csrf_token": unit.cookies[security.COOKIE]},  # the form is gone; the browser's token stays
        files={"file": ("c.xlsx", book)},
    )
    assert r.status_code == 409 and "收集已结束" in r.text
    page = office.get("/office/2024").text
    assert "已关闭" in page
    assert office.post("/office/2024/reopen", data={"csrf_token": csrf(page)}).status_code == 303
    token = csrf(unit.get(tokens[UNITS[0]]).text)
    assert (
        unit.post(
            tokens[UNITS[0]] + "/upload", data={"csrf_token": token}, files={"file": ("c.xlsx", book)}
        ).status_code
        == 303
    )


def test_uploads_keep_the_page_limits(folder):
    app = create_app(data_folder=folder, max_upload=200_000)
    office = client(app)
    login(office)
    page = office.get("/office/new")
    r = office.post(
        "/office/new", data={"year": str(YEAR), "name": OFFICE, "roster": UNITS[0], "csrf_token": csrf(page.text)}
    )
    link = re.search(r"<code>http://127\.0\.0\.1(/u/[^<]+)</code>", r.text).group(1)
    unit = client(app)
    token = csrf(unit.get(link).text)
    r = unit.post(link + "/upload", data={"csrf_token": token}, files={"file": ("大.xlsx", b"PK" + b"\0" * 300_000)})
    assert r.status_code == 413 and "文件太大" in r.text
    r = unit.post(link + "/upload", data={"csrf_token": token}, files={"file": ("程序.exe", b"MZ" + b"\0" * 100)})
    assert r.status_code == 415 and "不能检查这种文件" in r.text
    r = unit.post(
        link + "/upload", data={"csrf_token": token}, files={"file": ("../../etc/passwd.xlsx", workbook(UNITS[0]))}
    )
    assert r.status_code == 303
    page = unit.get(link).text
    assert "passwd.xlsx" in page and "../" not in page  # a name for showing only, never a path
    assert not list(folder.rglob("*passwd*"))
    assert re.search(rf'data-unit="{UNITS[0]}" data-status="passed"', office.get(f"/office/{YEAR}").text)


def test_in_order_keeps_the_order_bounds_what_waits_and_yields_failures():
    """The downloads' fan-out: results in the items' order, at most twice the workers waiting at
    once (uploads keep their turn between them), a failed call yielded as its exception."""
    from concurrent.futures import Future

    from xltools.web.round_work import in_order

    class Pool:
        def __init__(self):
            self.futures: list[Future] = []

        def submit(self, fn, *args):
            f: Future = Future()
            self.futures.append(f)
            try:
                f.set_result(fn(*args))
            except Exception as exc:
                f.set_exception(exc)
            return f

    class Worker:
        processes, workers = True, 2

        def __init__(self):
            self.the_pool = Pool()

        def pool(self):
            return self.the_pool

    def fn(folder, item):
        if item == 3:
            raise RuntimeError("lost")
        return (folder, item)

    worker = Worker()
    made = in_order(worker, fn, "data", range(10))
    got = []
    for result in made:
        got.append(result)
        assert len(worker.the_pool.futures) - len(got) <= 4  # submitted, not yet taken
    assert [g for g in got if not isinstance(g, Exception)] == [("data", i) for i in range(10) if i != 3]
    assert isinstance(got[3], RuntimeError)


def test_the_downloads_read_one_unit_a_call_and_a_failed_unit_is_named(folder, monkeypatch):
    """The summary, the merged totals and the Word zip read each unit's report in its own call to
    the workers (never one call for the whole round, which the time limit would stop on a large
    round); a unit whose call failed is named, the others are all there."""
    from xltools.web import round_work

    app = create_app(data_folder=folder, processes=False)
    office = client(app)
    login(office)
    page = office.get("/office/new")
    r = office.post(
        "/office/new",
        data={"year": str(YEAR), "name": OFFICE, "roster": "\n".join(UNITS), "csrf_token": csrf(page.text)},
    )
    assert r.status_code == 200
    with api.open_round_service(str(folder)) as service:  # uploaded beside the page: nothing of them remembered
        rnd = service.round(YEAR)
        ids = {u.name: service.upload(u.id, workbook(u.name), "报表.xlsx").id for u in service.units(rnd.id)}
    calls: dict[str, list[int]] = {"findings": [], "word": []}
    findings, word = round_work.findings, round_work.word

    def counted_findings(data, upload_id):
        calls["findings"].append(upload_id)
        return findings(data, upload_id)

    def counted_word(data, upload_id):
        calls["word"].append(upload_id)
        if upload_id == ids[UNITS[1]]:
            raise RuntimeError("worker lost")
        return word(data, upload_id)

    monkeypatch.setattr(round_work, "findings", counted_findings)
    monkeypatch.setattr(round_work, "word", counted_word)
    summary = office.get(f"/office/{YEAR}/summary.xlsx")
    assert summary.status_code == 200
    cells = {
        str(c)
        for ws in openpyxl.load_workbook(io.BytesIO(summary.content)).worksheets
        for row in ws.values
        for c in row
    }
    assert all(any(name in c for c in cells) for name in UNITS)
    assert sorted(calls["findings"]) == sorted(ids.values())  # one call per unit
    assert office.get(f"/office/{YEAR}/merged.xlsx").status_code == 200
    reports = office.get(f"/office/{YEAR}/reports.zip")
    assert reports.status_code == 200
    with zipfile.ZipFile(io.BytesIO(reports.content)) as z:
        docx = [n for n in z.namelist() if n.endswith(".docx")]
        notes = z.read("说明.txt").decode("utf-8")
    assert len(docx) == 2 and not any(UNITS[1] in n for n in docx)
    assert f"{UNITS[1]}：未能生成" in notes and "共生成 2 份报告" in notes
    assert sorted(calls["word"]) == sorted(ids.values())


def test_a_unit_uploads_its_published_report_and_downloads_word_and_pdf(app, links, libreoffice):
    """A unit may send its published report (here the .html the tool builds) instead of the
    workbook: judged as `check` judges it; its Word and PDF reports are then offered."""
    name = UNITS[2]
    published = api.build(api.load_bytes(workbook(name), "报表.xlsx"), "html").data
    unit = client(app)
    link = links[name]
    r = upload(unit, link, published, "年报.html", accept="application/json")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "passed" and r.json()["verdict"]["ok"] and r.json()["verdict"]["agency"] == name
    page = unit.get(link).text
    assert "年报.html" in page and 'id="report-docx"' in page and 'id="report-pdf"' in page
    docx = unit.get(link + "/report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert api.load_bytes(docx.content, "x.docx").report.name == name  # the unit's own report, read back
    pdf = unit.get(link + "/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert unit.get(links[UNITS[0]] + "/report.pdf").status_code == 409  # nothing uploaded there yet


def test_a_roster_workbook_uploaded_through_the_form_with_levels_and_parents(folder, office):
    """The office uploads its roster as .xlsx (机关全称, 层级, 上级) instead of pasting it; a
    roster with two lines of one name is refused on the form, naming both, and nothing is made."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ("机关全称", "层级", "上级"),
        (UNITS[0], "部门", OFFICE),
        (UNITS[2], "政府", OFFICE),
        (UNITS[1], None, None),
    ):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    page = office.get("/office/new")
    r = office.post(
        "/office/new",
        data={"year": str(YEAR), "name": OFFICE, "deadline": "2099-01-31", "csrf_token": csrf(page.text)},
        files={"roster_file": ("名单.xlsx", buf.getvalue())},
    )
    assert r.status_code == 200, r.text
    assert re.findall(r'<tr data-unit="([^"]+)">', r.text) == [UNITS[0], UNITS[2], UNITS[1]]
    with api.open_round_service(str(folder)) as service:
        units = service.units(service.round(YEAR).id)
        assert [(u.name, u.level, u.parent) for u in units] == [
            (UNITS[0], "部门", OFFICE),
            (UNITS[2], "政府", OFFICE),
            (UNITS[1], "", ""),
        ]
        assert service.round(YEAR).deadline.isoformat() == "2099-01-31"
    twice = f"{UNITS[0]}\n{UNITS[1]}\n{UNITS[0].replace('区', ' 区')}"  # folds to the first line
    page = office.get("/office/new")
    r = office.post(
        "/office/new", data={"year": str(YEAR + 1), "name": OFFICE, "roster": twice, "csrf_token": csrf(page.text)}
    )
    assert r.status_code == 400 and "第 1 行" in r.text and "第 3 行" in r.text
    assert office.get(f"/office/{YEAR + 1}").status_code == 404


def test_a_units_findings_are_in_the_words_of_check(app, links):
    """What the unit reads after its upload is what `check` says of the same file: every
    finding, by its rule and in its message's words."""
    name = UNITS[1]
    data = workbook(name, **{"requests.new.natural": 3})
    unit = client(app)
    assert upload(unit, links[name], data).status_code == 303
    page = unit.get(links[name]).text
    said = api.check_bytes(data, "报表.xlsx").result.findings
    assert said and any(f.severity == "error" for f in said)
    for f in said:
        assert html.escape(f.message, quote=False) in page or html.escape(f.message) in page, f.message
        assert f'data-rule="{f.rule}"' in page, f.rule


def test_a_streamed_download_starts_before_it_is_made_and_stops_when_the_reader_goes():
    """The Word zip is sent as it is written: the first bytes reach the reader while the rest is
    still being made, and a reader that goes away stops the writer (no work for no one)."""
    import threading

    import anyio

    from xltools.web.round_common import streamed

    release, stopped = threading.Event(), threading.Event()
    written = []

    def write(out) -> None:
        try:
            out.write(b"first")
            assert release.wait(30)
            for i in range(1000):
                out.write(b"more %d" % i)
                written.append(i)
        except BaseException:
            stopped.set()
            raise

    async def read_all() -> list[bytes]:
        got = []
        async for chunk in streamed(write):
            got.append(chunk)
            if chunk == b"first":
                assert not written  # the writer is still waiting: the first bytes came before the rest
                release.set()
        return got

    got = anyio.run(read_all)
    assert got[0] == b"first" and len(got) == 1001 and got[-1] == b"more 999"

    release.clear()
    written.clear()

    async def read_one_and_go() -> None:
        stream = streamed(write)
        assert await stream.__anext__() == b"first"
        await stream.aclose()  # the reader goes away
        release.set()

    anyio.run(read_one_and_go)
    assert stopped.wait(10) and len(written) < 1000  # the writer stopped early
