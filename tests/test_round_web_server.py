"""The collection service as a real process (`xltools serve --data`), killed with SIGKILL while
uploads are in flight (a large body sent slowly, or a workbook being checked and stored), then
started again on the same folder: every stored file still matches its hash, every upload the
server answered is on the board, and the service carries on."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.workbooks import VALID_TEXTS, fill

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from xltools import api  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
OFFICE = "测试市测试区人民政府"
UNITS = [f"测试区第{i}局" for i in range(1, 7)]
TEXTS = {k: v.replace("2024", str(YEAR)) if isinstance(v, str) else v for k, v in VALID_TEXTS.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`xltools serve --data folder` on a free loopback port, in its own process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xltools", "serve", "--data", str(folder), "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, "the server stopped:\n" + "".join(self.lines)
            assert time.monotonic() < deadline, "the server did not start:\n" + "".join(self.lines)
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/office/login", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def office_client(base: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    r = c.post("/office/login", data={"password": password, "csrf_token": csrf(c.get("/office/login").text)})
    assert r.status_code == 303, r.text
    return c


def slow_body(token: str, data: bytes, boundary: str, chunk: int, pause: float):
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    for i in range(0, len(body), chunk):
        yield body[i : i + chunk]
        time.sleep(pause)


@pytest.mark.slow
def test_kill_mid_upload_and_restart_loses_nothing_answered(tmp_path):
    folder = tmp_path / "data"
    server = Server(folder)
    said = "".join(server.lines)
    password = re.search(r"登录密码（只显示这一次，请记下）：(\S+)", said).group(1)
    office = office_client(server.base, password)
    page = office.get("/office/new")
    r = office.post(
        "/office/new",
        data={"year": str(YEAR), "name": OFFICE, "roster": "\n".join(UNITS), "csrf_token": csrf(page.text)},
    )
    links = re.findall(r"<code>http://127\.0\.0\.1:\d+(/u/[^<]+)</code>", r.text)
    assert len(links) == len(UNITS)
    rng = random.Random(20251207)
    answered: dict[str, int] = {}  # link -> uploads the server said it took
    big = os.urandom(3 * 1024 * 1024)  # a large body: refused as no workbook, but only once it is all in
    for round_no in range(4):
        stop = threading.Event()

        def uploads(link: str, n: int, server: Server = server, stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=server.base, timeout=30) as c:
                for _ in range(n):
                    if stop.is_set():
                        return
                    try:
                        token = csrf(c.get(link).text)
                        book = fill({**TEXTS, "agency.name": UNITS[links.index(link)], "year": YEAR})
                        r = c.post(link + "/upload", data={"csrf_token": token}, files={"file": ("报表.xlsx", book)})
                    except (httpx.HTTPError, AttributeError):
                        return  # the server died under us: this upload is the one in flight
                    if r.status_code == 303:
                        answered[link] = answered.get(link, 0) + 1

        def slow(link: str, server: Server = server) -> None:
            with httpx.Client(base_url=server.base, timeout=30) as c:
                try:
                    token = csrf(c.get(link).text)
                    boundary = "xltoolsboundary"
                    c.post(
                        link + "/upload",
                        content=slow_body(token, big, boundary, 64 * 1024, 0.02),
                        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
                    )
                except httpx.HTTPError:
                    pass

        workers = [threading.Thread(target=uploads, args=(links[i], 3)) for i in range(3)]
        workers.append(threading.Thread(target=slow, args=(links[5],)))
        for w in workers:
            w.start()
        time.sleep(rng.uniform(0.3, 2.5))  # somewhere in the slow body, or in a check and its commit
        server.kill()
        stop.set()
        for w in workers:
            w.join(60)
        server = Server(folder)  # the same folder, started again
        office = office_client(server.base, password)
        board = office.get(f"/office/{YEAR}")
        assert board.status_code == 200, f"round {round_no}: {board.text}"
        with api.open_round_service(str(folder)) as service:
            assert service.store.verify() == [], f"round {round_no}"
            rnd = service.round(YEAR)
            counts = {s.unit.name: s.uploads for s in service.board(rnd.id)}
            for link, n in answered.items():
                assert counts[UNITS[links.index(link)]] >= n, f"round {round_no}: an answered upload is missing"
            for u in service.units(rnd.id):
                for v in service.history(u.id):
                    data = service.file(v.upload.id)
                    assert hashlib.sha256(data).hexdigest() == v.upload.sha256 and len(data) == v.upload.size
        shown = {
            m[0]: int(m[1])
            for m in re.findall(
                r'data-unit="([^"]+)" data-status="[a-z_]+">.*?<td class="num wide-only uploads">(\d+)</td>',
                board.text,
                re.S,
            )
        }
        assert shown == counts, "the board shows what the store holds"
    # and it carries on: one more upload through the restarted server
    with httpx.Client(base_url=server.base, timeout=30) as c:
        token = csrf(c.get(links[4]).text)
        book = fill({**TEXTS, "agency.name": UNITS[4], "year": YEAR})
        assert (
            c.post(links[4] + "/upload", data={"csrf_token": token}, files={"file": ("报表.xlsx", book)}).status_code
            == 303
        )
    server.kill()


def test_first_start_prints_a_password_once(tmp_path):
    folder = tmp_path / "data"
    server = Server(folder)
    first = "".join(server.lines)
    server.kill()
    password = re.search(r"登录密码（只显示这一次，请记下）：(\S+)", first).group(1)
    assert len(password) >= 12
    with api.open_round_service(str(folder)) as service:
        assert password not in (service.store.setting("office_password") or "")  # only its hash is kept
    again = Server(folder)
    second = "".join(again.lines)
    again.kill()
    assert "登录密码" not in second


def test_first_start_on_a_terminal_asks_for_the_password(tmp_path):
    """On a terminal the office's password is asked (twice, hidden), a short one refused with the
    library's message; it is then the one that logs in, and nothing is printed of it."""
    import pty

    folder = tmp_path / "data"
    port = free_port()
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "xltools", "serve", "--data", str(folder), "--port", str(port)])
    said = b""
    seen = 0  # what an earlier `until` matched is not matched again

    def until(text: str, seconds: float = 60) -> None:
        """Read the terminal until `text` appears after what was matched before (never blocking
        past the deadline)."""
        nonlocal said, seen
        deadline = time.monotonic() + seconds
        while (at := said.find(text.encode(), seen)) < 0:
            left = deadline - time.monotonic()
            assert left > 0, said.decode("utf-8", "replace")
            if select.select([fd], [], [], left)[0]:
                try:
                    said += os.read(fd, 4096)
                except OSError:  # the child closed the terminal
                    raise AssertionError(said.decode("utf-8", "replace")) from None
        seen = at + len(text.encode())

    try:
        # answer each prompt only once it is shown: the hidden prompt flushes what was typed before
        until("密码: ")
        os.write(fd, b"short\n")
        until("再输入一次: ")
        os.write(fd, b"short\n")
        until("至少")  # the library's own words: too short
        until("密码: ")
        os.write(fd, b"a-good-office-password\n")
        until("再输入一次: ")
        os.write(fd, b"a-good-office-password\n")
        until("已启动")
        assert b"a-good-office-password" not in said  # hidden input, never echoed or printed
        base = f"http://127.0.0.1:{port}"
        office_client(base, "a-good-office-password").close()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
