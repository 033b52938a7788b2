"""The web page's part of "nothing lost, nothing misread": HEAD works, form errors name the field, years stay in bounds,
odd file names download, and uploads are read one file at a time behind a gate."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.conftest import EXAMPLES
from tests.test_inputs import LISTED
from tests.webclient import page_client
from xltools import api
from xltools.web import app as web
from xltools.web import security
from xltools.web.app import create_app

EXAMPLE = EXAMPLES / "suoluo-2024.json"


@pytest.fixture(scope="module")
def client():
    with page_client(raise_server_exceptions=False) as c:
        yield c


def test_head_of_the_page_works(client):
    r = client.head("/")
    assert r.status_code == 200 and r.content == b""
    assert "text/html" in r.headers["content-type"]


def test_a_bad_yes_no_field_is_named(client):
    r = client.post("/check", files=[("files", ("a.json", EXAMPLE.read_bytes()))], data={"strict": "也许"})
    assert r.status_code == 400
    assert "把提示也当作错误" in r.text and "没有收到文件" not in r.text
    r = client.post("/api/check", files=[("files", ("a.json", EXAMPLE.read_bytes()))], data={"strict": "也许"})
    assert r.status_code == 400 and "把提示也当作错误" in r.json()["error"]["message"]
    r = client.post("/download/txt", data={"report": "{}", "draft": "x"})
    assert r.status_code == 400 and "生成草稿" in r.text


def test_no_template_for_a_year_the_tool_refuses(client):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["year"] = 2099
    r = client.post("/next-template.xlsx", data={"report": json.dumps(data, ensure_ascii=False)})
    assert r.status_code == 422 and "2100" in r.text and "超出" in r.text
    data["year"] = 2098
    r = client.post("/next-template.xlsx", data={"report": json.dumps(data, ensure_ascii=False)})
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_odd_file_names_and_characters_are_cleaned_for_the_download(client):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    name = data["agency"]["name"]
    data["agency"]["name"] = name[:2] + LISTED + name[2:]
    body = json.dumps(data).encode("ascii")  # the surrogates travel as \ud800 escapes
    for fmt in ("docx", "html", "txt"):
        r = client.post(f"/api/build/{fmt}", files={"file": ("\u2060报告\ufeff.json", body)})
        assert r.status_code == 200, r.text
        disposition = r.headers["content-disposition"]
        assert "filename*=UTF-8''" in disposition
    assert web.display_name("\udcb1\udca8报告\ud800.json") == "报告.json"  # a name that was not UTF-8
    r = client.post("/check", files=[("files", ("\u3164报告\u00ad.json", body))])
    assert r.status_code == 200 and "U+2060" in r.text and "\u00ad" not in r.text


def test_uploads_are_gated_and_read_one_file_at_a_time(monkeypatch):
    """However many uploads arrive, at most UPLOADS_AT_ONCE are inside the app (UPLOADS_PER_CLIENT
    from one client: the test client is one) and at most WORKERS files are in memory at once."""
    inside, most, held, most_held = 0, 0, 0, 0
    lock = threading.Lock()
    real_check = api.check_bytes

    def slow_check(data, name, **kw):
        nonlocal held, most_held
        with lock:
            held += 1
            most_held = max(most_held, held)
        time.sleep(0.05)
        try:
            return real_check(data, name, **kw)
        finally:
            with lock:
                held -= 1

    monkeypatch.setattr(api, "check_bytes", slow_check)
    real_init = security.UploadGate.__init__

    def counting_init(self, app, **kwargs):
        async def counted(scope, receive, send):
            nonlocal inside, most
            if not security.is_upload(scope):
                return await app(scope, receive, send)
            inside += 1
            most = max(most, inside)
            try:
                await app(scope, receive, send)
            finally:
                inside -= 1

        real_init(self, counted, **kwargs)

    monkeypatch.setattr(security.UploadGate, "__init__", counting_init)
    files = [("files", (f"{i}.json", EXAMPLE.read_bytes())) for i in range(5)]
    with page_client(create_app(processes=False), raise_server_exceptions=False) as c:  # sees slow_check
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(c.post("/api/check", files=files))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert [a.status_code for a in answers] == [200] * 8
    assert 1 <= most <= web.UPLOADS_PER_CLIENT <= web.UPLOADS_AT_ONCE
    assert 1 <= most_held <= web.WORKERS


def test_a_kept_result_does_not_keep_the_file_in_memory():
    """An unusable upload's error must not hold the reader's frames (and so the file's bytes): the
    web page keeps every result of a batch until the page is sent."""
    import os
    import tracemalloc

    from xltools.api import check_bytes

    size = 8 * 1024 * 1024
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        results = [check_bytes(os.urandom(size), f"{i}.xlsx") for i in range(5)]
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(r.error is not None and r.error.__traceback__ is None for r in results)
    assert kept < size, f"{kept / 2**20:.0f} MiB kept for 5 results"
