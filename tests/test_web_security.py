"""The server trusts only itself: Host names, Origin/Referer of state-changing requests, CSRF tokens
on forms, slow bodies cut off, one client never holding every upload slot, HEAD answered.

Headers and tokens through httpx's TestClient; names, slow bodies and per-client slots against the
real server process (`python -m xltools serve`) driven with raw sockets from several loopback
addresses (127.0.0.2, 127.0.0.3, ...: all of 127/8 is this machine)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html as lhtml

from tests.webclient import BASE, page_client
from xltools.web import security, work
from xltools.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "suoluo-2024.json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def client():
    with page_client(raise_server_exceptions=False) as c:
        yield c


def _files():
    return [("files", (EXAMPLE.name, EXAMPLE.read_bytes()))]


def _message(response) -> str:
    if response.headers["content-type"].startswith("application/json"):
        return response.json()["error"]["message"]
    return lhtml.fromstring(response.text).cssselect("#error-message")[0].text_content()


# --- names (DNS rebinding) -------------------------------------------------------------------------


def test_only_the_servers_own_names_are_answered():
    told = []
    app = create_app(hosts=security.host_names("0.0.0.0", ["192.168.1.10", "Reports.Local."]), told=told.append)
    with TestClient(app, base_url=BASE) as c:
        for host in ("127.0.0.1", "127.0.0.1:8765", "localhost:8765", "LOCALHOST.", "[::1]:8765", "192.168.1.10:80",
                     "reports.local"):  # fmt: skip
            r = c.get("/", headers={"host": host})
            assert r.status_code == 200, host
        for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "0.0.0.0:8765", "[::1", "a:b:c"):
            r = c.get("/", headers={"host": host})
            assert r.status_code == 400, host
            assert "拒绝访问" in _message(r) and "http://127.0.0.1" in _message(r)
        r = c.post("/api/check", files=_files(), headers={"host": "evil.example:8765"})
        assert r.status_code == 400 and "拒绝访问" in r.json()["error"]["message"]
        c.get("/", headers={"host": "evil.example"})
    assert told == ["evil.example", "127.0.0.1.evil.example", "0.0.0.0", "[::1", "a:b:c"]  # each once


def test_the_default_names_are_the_loopback_ones():
    assert security.host_names("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert security.host_names("0.0.0.0") == security.host_names("::") == security.LOCAL_HOSTS
    assert "192.168.1.10" in security.host_names("192.168.1.10")
    assert security.split_host("[::1]:8765") == ("::1", 8765)
    assert security.split_host("Example.ORG.") == ("example.org", None)
    assert security.split_host("a:99999") == ("", None)
    r = TestClient(create_app()).get("/")  # httpx's default name, testserver, is no name of ours
    assert r.status_code == 400


def test_allow_host_takes_names_and_addresses_only():
    from click.testing import CliRunner

    from xltools.cli import main
    from xltools.web.server import allowed_names

    assert allowed_names(["192.168.1.10", "Reports.Local", "[fe80::1]"]) == ["192.168.1.10", "reports.local", "fe80::1"]
    for given in ("http://192.168.1.10", "192.168.1.10:8765", "0.0.0.0", "a b", ""):
        r = CliRunner().invoke(main, ["serve", "--port", str(_free_port()), "--allow-host", given])
        assert r.exit_code == 2 and "不是主机名或地址" in r.output, given


# --- where a state-changing request comes from ------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},  # a sandboxed frame, a file:// page
        {"origin": "http://127.0.0.1:9999"},  # another program on this machine
        {"origin": "https://127.0.0.1"},
        {"referer": "http://evil.example/upload.html"},
        {"referer": "http://127.0.0.1.evil.example/"},
        {"sec-fetch-site": "cross-site", "origin": "http://127.0.0.1"},
        {"sec-fetch-site": "same-site"},
    ],
)
def test_a_post_from_another_site_is_refused_before_anything_runs(monkeypatch, client, headers):
    ran = []
    monkeypatch.setattr(work.Worker, "check", lambda *a, **k: ran.append(a))
    for url in ("/check", "/api/check"):
        r = client.post(url, files=_files(), headers=headers)
        assert r.status_code == 403, (url, headers)
        assert "这个请求来自其他网站" in _message(r)
        assert r.headers["connection"] == "close"
    r = client.post("/download/txt", data={"report": EXAMPLE.read_text(encoding="utf-8")}, headers=headers)
    assert r.status_code == 403
    assert ran == []


def test_a_post_from_the_page_itself_or_from_a_script_is_answered(client):
    for headers in (
        {"origin": BASE},
        {"origin": BASE + ":80"},
        {"referer": BASE + "/check"},
        {"sec-fetch-site": "same-origin", "origin": BASE},
        {"sec-fetch-site": "none"},  # typed into the address bar
        {},  # curl: no Origin, no Referer
    ):
        assert client.post("/api/check", files=_files(), headers=headers).status_code == 200, headers
        assert client.post("/check", files=_files(), headers=headers).status_code == 200, headers
    script = TestClient(create_app(), base_url=BASE)  # no cookie, no token: the API still answers
    assert script.post("/api/check", files=_files()).status_code == 200
    assert script.get("/api/template").status_code == 200


def test_same_origin_compares_scheme_name_and_port():
    assert security.same_origin("http://127.0.0.1:8765", "127.0.0.1:8765")
    assert security.same_origin("http://[::1]:8765/x", "[::1]:8765")
    assert security.same_origin("https://reports.local", "reports.local", "https")  # behind a TLS proxy
    assert not security.same_origin("https://reports.local", "reports.local", "http")
    assert not security.same_origin("http://127.0.0.1:8766", "127.0.0.1:8765")
    assert not security.same_origin("http://localhost:8765", "127.0.0.1:8765")
    assert not security.same_origin("null", "127.0.0.1:8765")
    assert not security.same_origin("file:///C:/x.html", "127.0.0.1:8765")
    assert not security.same_origin("http://127.0.0.1:99999", "127.0.0.1")


# --- CSRF tokens on forms ---------------------------------------------------------------------------


def test_every_form_carries_this_browsers_token_and_the_cookie_is_strict():
    with TestClient(create_app(), base_url=BASE) as browser:
        index = browser.get("/")
        cookie = index.headers["set-cookie"]
        assert cookie.startswith(security.COOKIE + "=")
        assert "SameSite=Strict" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        token = browser.cookies[security.COOKIE]
        assert security.valid_token(token)
        page = lhtml.fromstring(index.text)
        assert page.cssselect('meta[name="csrf-token"]')[0].get("content") == token
        forms = page.cssselect("form")
        assert forms and all(f.cssselect('input[name="csrf_token"]')[0].get("value") == token for f in forms)
        # the same token, not a new one, on the next page: its forms (downloads, next year) carry it
        result = browser.post("/check", files=_files(), data={"csrf_token": token})
        assert result.status_code == 200 and "set-cookie" not in result.headers
        forms = lhtml.fromstring(result.text).cssselect("form")
        assert len(forms) >= 5
        assert all(f.cssselect('input[name="csrf_token"]')[0].get("value") == token for f in forms)
        report = forms[0].cssselect('input[name="report"]')[0].get("value")
        download = browser.post("/download/txt", data={"report": report, "csrf_token": token})
        assert download.status_code == 200 and "年度报告" in download.text


def test_a_form_post_without_the_right_token_is_refused(monkeypatch):
    ran, real = [], work.Worker.check
    monkeypatch.setattr(work.Worker, "check", lambda *a, **k: ran.append(a) or real(*a, **k))
    forged = "x" * 32 + "." + "0" * 64  # the same forged value in cookie and form: the signature fails
    with TestClient(create_app(), base_url=BASE, raise_server_exceptions=False) as c:
        assert c.post("/check", files=_files()).status_code == 403  # no cookie, no token
        token = c.get("/").cookies.get(security.COOKIE) or c.cookies[security.COOKIE]
        for sent in ("", "wrong", token + "x", "令牌", security.new_token()):
            r = c.post("/check", files=_files(), data={"csrf_token": sent} if sent else {})
            assert r.status_code == 403, sent
            assert "无法确认这个操作来自本服务的页面" in _message(r)
        r = c.post("/next-template.xlsx", data={"report": "{}"})
        assert r.status_code == 403
        c.cookies.set(security.COOKIE, forged)
        assert c.post("/check", files=_files(), data={"csrf_token": forged}).status_code == 403
        assert ran == []
        c.cookies.set(security.COOKIE, token)
        assert c.post("/check", files=_files(), headers={"x-csrf-token": token}).status_code == 200  # a script's upload
    assert len(ran) == 1


def test_two_servers_on_one_host_keep_their_own_cookies():
    """Browsers share cookies among the ports of a host: each server process names its own."""
    code = "from xltools.web import security; print(security.COOKIE)"
    names = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        for _ in range(2)
    }
    assert len(names) == 2 and all(n.startswith("xltools_csrf_") for n in names)


def test_tokens_are_signed_by_this_process():
    token = security.new_token()
    assert security.valid_token(token)
    nonce, signature = token.split(".")
    assert not security.valid_token(nonce + "." + signature[:-1] + ("0" if signature[-1] != "0" else "1"))
    assert not security.valid_token("") and not security.valid_token(".") and not security.valid_token("令牌.x")


# --- HEAD and headers --------------------------------------------------------------------------------


def test_head_of_every_page_answers_like_get(client):
    for url, kind in (
        ("/", "text/html"),
        ("/template.xlsx", XLSX),
        ("/api/template", XLSX),
        ("/static/app.js", "javascript"),
    ):
        r = client.head(url)
        assert r.status_code == 200 and r.content == b"" and kind in r.headers["content-type"], url
    assert client.head("/check").status_code == 405


def test_every_answer_carries_the_protective_headers(client):
    for r in (
        client.get("/"),
        client.get("/", headers={"host": "evil.example"}),
        client.post("/check", headers={"origin": "null"}),
    ):
        assert (
            r.headers["referrer-policy"] == "same-origin"
        )  # a Referer only to itself: its own posts carry their Origin
        assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_upload_slots_per_client_are_counted_and_forgotten():
    """Six uploads from one address and two from another: at most two of the first inside at once,
    the other client never waits behind them, and no address is remembered afterwards."""
    import anyio

    inside: dict[str, int] = {}
    most: dict[str, int] = {}

    async def app(scope, receive, send):
        who = scope["client"][0]
        inside[who] = inside.get(who, 0) + 1
        most[who] = max(most.get(who, 0), inside[who])
        await anyio.sleep(0.05)
        inside[who] -= 1

    gate = security.UploadGate(app, at_once=4, per_client=2)

    async def upload(address: str) -> None:
        headers = [(b"content-type", b"multipart/form-data; boundary=x")]
        scope = {"type": "http", "method": "POST", "headers": headers, "client": (address, 1)}
        await gate(scope, None, None)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for address in ["10.0.0.1"] * 6 + ["10.0.0.2"] * 2:
                tg.start_soon(upload, address)

    anyio.run(main)
    assert most == {"10.0.0.1": 2, "10.0.0.2": 2}
    assert gate.clients == {}


# --- the real server process -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(log: Path, *args: str, env: dict[str, str] | None = None, path: tuple[str, ...] = ()):
    """`xltools serve` in its own process on a free port: (port, process, its output's file)."""
    pythonpath = os.pathsep.join([*path, str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, **(env or {}), "PYTHONPATH": pythonpath}
    for _ in range(3):
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "xltools", "serve", "--port", str(port), *args],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.1)
        if proc.poll() is None:
            break
    else:
        pytest.fail("xltools serve did not start: " + log.read_text(encoding="utf-8", errors="replace"))
    try:
        yield port, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server, allowing one extra name."""
    with _serving(tmp_path_factory.mktemp("serve") / "out.txt", "--allow-host", "reports.local") as running:
        yield running


def _request(port: int, method: str, path: str, *, host: str | None = None, body: bytes = b"", headers=None,
             source: str = "127.0.0.1", timeout: float = 60) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


BOUNDARY = "xltoolsboundary"


def _multipart(name: str, data: bytes) -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _upload(port: int, source: str, timeout: float = 120) -> tuple[int, bytes]:
    status, _, body = _request(
        port, "POST", "/api/check", body=_multipart("a.json", EXAMPLE.read_bytes()), source=source, timeout=timeout,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )  # fmt: skip
    return status, body


def test_the_real_server_answers_only_its_names(server):
    port, _, log = server
    status, _, body = _request(port, "GET", "/", host=f"evil.example:{port}")
    assert status == 400 and "拒绝访问" in body.decode("utf-8")
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"reports.local:{port}"):
        status, _, body = _request(port, "GET", "/", host=host)
        assert status == 200 and "把文件拖到这里" in body.decode("utf-8"), host
    status, headers, body = _request(port, "HEAD", "/template.xlsx")
    assert status == 200 and body == b"" and headers["content-type"] == XLSX
    # the operator is told, on the server's screen, how to allow a name that is the machine's own
    deadline = time.monotonic() + 10
    while "--allow-host evil.example" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "已拒绝以“evil.example”为地址的访问" in log.read_text(encoding="utf-8")


class SlowBody:
    """An upload whose body arrives one byte every `every` seconds, from `source`."""

    def __init__(self, port: int, source: str):
        self.sock = socket.socket()
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        head = (
            f"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 100000\r\n\r\n"
        )
        self.sock.sendall(head.encode())
        self.body = iter(_multipart("slow.json", b" " * 100_000))
        self.answer = b""
        self.closed = False

    def trickle(self) -> None:
        if not self.closed:
            with contextlib.suppress(OSError):
                self.sock.send(bytes([next(self.body)]))

    def read(self) -> None:
        """What the server said so far (without waiting)."""
        while not self.closed and select.select([self.sock], [], [], 0)[0]:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.answer += chunk

    def status(self) -> int | None:
        match = re.match(rb"HTTP/1\.1 (\d{3}) ", self.answer)
        return int(match.group(1)) if match else None

    def close(self) -> None:
        self.sock.close()


def _trickle(slow: list[SlowBody], until, every: float = 5.0, limit: float = 120) -> None:
    """Send each slow upload one byte every `every` seconds until `until()` or `limit` seconds."""
    deadline, next_byte = time.monotonic() + limit, 0.0
    while not until() and time.monotonic() < deadline:
        if time.monotonic() >= next_byte:
            for s in slow:
                s.trickle()
            next_byte = time.monotonic() + every
        for s in slow:
            s.read()
        time.sleep(0.1)


def test_one_client_cannot_take_every_upload_slot(server):
    """Four slow uploads from one address hold at most its two slots: another client's upload is
    answered while they are all still open and unanswered."""
    port = server[0]
    slow = [SlowBody(port, "127.0.0.2") for _ in range(4)]
    try:
        for s in slow:
            s.trickle()  # one byte each: all four have begun
        status, body = _upload(port, "127.0.0.3")
        for s in slow:
            s.read()
        assert status == 200 and json.loads(body)["files"][0]["ok"] is True
        assert [s.answer for s in slow] == [b""] * 4  # still held, still unanswered
    finally:
        for s in slow:
            s.close()


@pytest.mark.slow
def test_slow_bodies_are_cut_off_and_their_slots_freed(server):
    """Four clients each sending one byte every 5 s hold all four slots; the server cuts them off
    (408, in Chinese) and answers the fifth client, which was waiting, with its verdict."""
    port = server[0]
    slow = [SlowBody(port, f"127.0.0.{i}") for i in range(4, 8)]
    try:
        for s in slow:
            s.trickle()
        time.sleep(1)  # all four inside, holding every slot
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(_upload, port, "127.0.0.9")
            _trickle(slow, until=lambda: all(s.closed for s in slow) and waiting.done())
            status, body = waiting.result(timeout=120)
        assert status == 200 and json.loads(body)["files"][0]["ok"] is True
        for s in slow:
            assert s.status() == 408, s.answer[:200]
            assert "上传太慢" in s.answer.decode("utf-8", "replace")
    finally:
        for s in slow:
            s.close()


@pytest.mark.slow
def test_a_stalled_body_is_cut_off(server):
    port = server[0]
    stalled = SlowBody(port, "127.0.0.10")
    try:
        stalled.trickle()
        deadline = time.monotonic() + 90
        while not stalled.closed and time.monotonic() < deadline:
            stalled.read()
            time.sleep(0.2)
        assert stalled.status() == 408
        assert f"超过 {security.PACE.stall:g} 秒没有收到数据" in stalled.answer.decode("utf-8", "replace")
    finally:
        stalled.close()
    assert _upload(port, "127.0.0.10")[0] == 200  # the same client, once its stalled upload is gone


@pytest.mark.slow
def test_a_connection_that_never_finishes_its_headers_is_closed(server):
    """Slowloris: a connection that sends nothing, and one that sends its headers a byte every two
    seconds, are both closed (uvicorn alone keeps them open for ever)."""
    from xltools.web.server import HEAD_TIMEOUT

    port = server[0]
    silent = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.40", 0))
    trickling = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.41", 0))
    try:
        trickling.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        closed: dict[str, bool] = {}
        deadline = time.monotonic() + HEAD_TIMEOUT + 60
        while len(closed) < 2 and time.monotonic() < deadline:
            for name, s in (("silent", silent), ("trickling", trickling)):
                if name in closed:
                    continue
                if select.select([s], [], [], 0)[0]:
                    try:
                        closed[name] = s.recv(1024) == b""
                    except OSError:
                        closed[name] = True
                elif name == "trickling":
                    with contextlib.suppress(OSError):
                        trickling.send(b"X")
            time.sleep(2)
        assert closed == {"silent": True, "trickling": True}
    finally:
        silent.close()
        trickling.close()
    status, _, _ = _request(port, "GET", "/")  # and the server answers as before
    assert status == 200


# --- a check that hangs ------------------------------------------------------------------------------

# Every process of the server (its worker pool's fork server and workers included) imports this: an
# upload named *-hang* makes the reader hang, as a crafted file would.
SITECUSTOMIZE = """
import time
import xltools.load as load

_real = load.check_bytes

def check_bytes(data, name, **kw):
    if "-hang" in name:
        time.sleep(3600)
    return _real(data, name, **kw)

load.check_bytes = check_bytes
"""


def _upload_named(port: int, name: str, source: str) -> tuple[int, dict]:
    status, _, body = _request(
        port, "POST", "/api/check", body=_multipart(name, EXAMPLE.read_bytes()), source=source, timeout=120,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )  # fmt: skip
    return status, json.loads(body)


def test_a_check_that_hangs_is_killed_and_the_server_goes_on(tmp_path):
    """Checks run in worker processes that are killed past the time limit: two uploads that hang
    the reader (both workers) are each answered 无法读取（超时）, and the next upload is checked."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    with _serving(tmp_path / "out.txt", env={"XLTOOLS_FILE_TIMEOUT": "3"}, path=(str(hook),)) as (port, proc, _):
        with ThreadPoolExecutor(2) as pool:
            hung = [pool.submit(_upload_named, port, f"u{i}-hang.json", f"127.0.0.{20 + i}") for i in range(2)]
            answers = [f.result(timeout=120) for f in hung]
        for status, answer in answers:
            error = answer["files"][0]["error"]
            assert status == 422 and error["code"] == "timeout", answer
            assert error["message"].startswith("无法读取（超时）：超过 3 秒")
        status, answer = _upload_named(port, "u3.json", "127.0.0.22")
        assert status == 200 and answer["files"][0]["ok"] is True
        assert proc.poll() is None


# --- in a real browser: another site, and a name rebound to this machine -----------------------------

ATTACK = """<!DOCTYPE html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="{target}/check">
<input id="i" type="file" name="files"><input type="hidden" name="csrf_token" value="guessed"></form>
<script>
const dt = new DataTransfer();
dt.items.add(new File(['{{"x": 1}}'], "a.json", {{type: "application/json"}}));
document.getElementById("i").files = dt.files;
document.getElementById("f").submit();
</script></body></html>"""


def test_a_browser_visiting_another_site_cannot_use_the_page(chromium):
    """Chromium on a page of evil.example (served by Playwright) that posts a file to the local
    page: refused for its Origin. The same name made to resolve to 127.0.0.1 (DNS rebinding, by
    Chromium's host resolver rules): refused for its Host, so the other site reads nothing."""
    import threading

    from playwright.sync_api import sync_playwright

    from tests.test_web_browser import ARGS
    from xltools.web.server import bind, make_server

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = make_server(sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        target = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            rules = "--host-resolver-rules=MAP evil.example 127.0.0.1"
            browser = p.chromium.launch(executable_path=chromium, args=[*ARGS, rules])
            try:
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                page.set_default_timeout(30_000)
                # the clerk has the page open: her browser holds its CSRF cookie
                page.goto(target + "/")
                attack = ATTACK.format(target=target)
                context.route("http://attacker.example/**", lambda route: route.fulfill(body=attack, content_type="text/html"))  # fmt: skip
                with page.expect_response(target + "/check") as answer:
                    page.goto("http://attacker.example/")
                assert answer.value.status == 403
                page.wait_for_load_state()
                assert "这个请求来自其他网站" in page.locator("#error-message").inner_text()
                # DNS rebinding: evil.example now resolves to this machine
                response = page.goto(f"http://evil.example:{port}/")
                assert response is not None and response.status == 400
                assert "拒绝访问" in page.locator("#error-message").inner_text()
                # the page itself still works in the same browser
                response = page.goto(target + "/")
                assert response is not None and response.status == 200
            finally:
                browser.close()
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
