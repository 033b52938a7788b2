"""Running the web page with uvicorn: bind the address first (a clear message when it is taken),
then serve until Ctrl+C."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn

from xltools.errors import UsageError
from xltools.web.app import create_app
from xltools.web.security import WILDCARDS, host_names, normal_host, split_host

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
HEAD_TIMEOUT = 10.0  # seconds a request's line and headers may take, from the connection or its first byte


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or UsageError saying in Chinese why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"无法识别的地址“{host}”。请填写 IP 地址，例如 127.0.0.1。") from exc
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except PermissionError as exc:
        sock.close()
        raise UsageError(
            f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）。请换一个端口，例如 8765。", code="port"
        ) from exc
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"无法在 {host}:{port} 上启动：端口已被占用或地址不属于本机。请换一个端口。", code="port"
        ) from exc
    sock.set_inheritable(True)
    return sock


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def allowed_names(names: tuple[str, ...] | list[str]) -> list[str]:
    """The --allow-host values, checked: a host name or an address, without scheme, port or path."""
    out = []
    for given in names:
        name, port = split_host(given)
        if not name or port is not None or any(c in name for c in "/\\ @?#") or normal_host(given) in WILDCARDS:
            raise UsageError(
                f"“{given}”不是主机名或地址：只填写本机的名称或 IP 地址，不带 http:// 和端口，例如 192.168.1.10。"
            )
        out.append(name)
    return out


def head_timed(seconds: float = HEAD_TIMEOUT) -> type:
    """uvicorn's h11 protocol with a limit on the time a request's head may take. uvicorn has none:
    a connection that sends nothing, or its headers a byte at a time (slowloris), would stay open
    forever, and enough of them take every file descriptor. Past the limit the connection is
    closed. (The body's pace is security.BodyPace's.)"""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadTimed(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._head_timer is None and self.conn.their_state is h11.IDLE:
                self._arm()  # the first byte of the next request on a kept-alive connection
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the head is in (or refused)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._head_timer = self.loop.call_later(seconds, self._head_late)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_late(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeadTimed


def make_server(
    sock: socket.socket,
    *,
    host: str | None = None,
    allow_hosts: tuple[str, ...] | list[str] = (),
    log_level: str = "warning",
    told: Callable[[str], None] | None = None,
    data_folder: Path | None = None,
) -> uvicorn.Server:
    """uvicorn serving the app on `sock`; the app answers to the loopback names, the bound address
    (`host` as given and as bound) and `allow_hosts` (security.HostGuard). `told` hears each
    refused name once, made printable."""
    bound = str(sock.getsockname()[0])
    hosts = host_names(bound, [*allowed_names(allow_hosts), *([host] if host else [])])

    def printable(name: str) -> None:
        if told is not None:
            told("".join(c if c.isprintable() else "?" for c in name))

    app = create_app(hosts=hosts, told=printable, data_folder=data_folder)
    config = uvicorn.Config(app, http=head_timed(), log_level=log_level, access_log=False, timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


def units_hosts(data_folder: Path | None) -> list[str]:
    """The names the collection service in `data_folder` answers to without being told: the host
    of the address its units' links use (none for the plain checker page)."""
    if data_folder is None:
        return []
    from xltools import api

    with api.open_round_service(str(data_folder)) as service:
        return service.hosts()


MMAP_THRESHOLD = 1 << 20


def return_freed_memory() -> None:
    """glibc: blocks of 1 MB and more are mapped on their own and given back when freed. Its
    threshold otherwise rises with every large block freed (an upload's bytes), after which such
    blocks come from the heap and stay with the process: measured with five 19 MB files from each
    of six clients at once, the server's peak fell from 246 to 115 MiB and its memory at the end
    from 189 to 57 MiB. The worker processes, started later, take it from the environment."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            import ctypes

            ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD; missing outside glibc


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    allow_hosts: tuple[str, ...] | list[str] = (),
    open_browser: bool = False,
    echo=print,
    told: Callable[[str], None] | None = None,
    other_machines: str = "",
    data_folder: Path | None = None,
) -> None:
    """Serve until interrupted. Not on loopback, say plainly that the units' data travels the
    network; on every address with no name allowed (neither given nor the address the units'
    links use), say `other_machines` (how to allow one)."""
    allowed_names(allow_hosts)  # a wrong name is said before anything starts
    return_freed_memory()
    sock = bind(host, port)
    url = url_of(host, port)
    server = make_server(sock, host=host, allow_hosts=allow_hosts, told=told, data_folder=data_folder)
    echo(f"xltools 网页版已启动：{url}  （按 Ctrl+C 停止）")
    if data_folder is not None:
        echo(f"年度收集：数据保存在“{data_folder}”；政务公开办登录：{url}office")
    if not is_loopback(host):
        echo(
            f"注意：正在 {host} 上提供服务，同一网络中能访问本机的人都可以打开此页面并上传文件；"
            "数据以明文（http）传输。只在可信的内部网络中这样使用。"
        )
        if normal_host(host) in WILDCARDS and not allow_hosts and not units_hosts(data_folder) and other_machines:
            echo(other_machines)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "allowed_names", "bind", "is_loopback", "make_server", "serve", "url_of"]
