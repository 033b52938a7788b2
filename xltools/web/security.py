"""Who the web server answers, and how long it waits: the guards every route stands behind.

The page runs on a clerk's machine (or an office's), reachable from her browser, where any other
site she visits could make the browser send requests to it. So the server trusts only itself:

- `HostGuard`: a request must name the server by one of its own names (`host_names`): the bound
  address and the loopback names, plus those the operator adds. A page on evil.example whose name
  is made to resolve to 127.0.0.1 (DNS rebinding) is refused, so it cannot read any answer. 400.
- `OriginGuard`: a state-changing request (POST, PUT, PATCH, DELETE) that says where it comes from
  (Origin, else Referer; Sec-Fetch-Site) must come from this very server. A script that says
  nothing (curl) passes: it has no victim's browser behind it. 403.
- CSRF tokens (`csrf_token`, `csrf_input`, `require_csrf`, `CsrfCookie`): a signed double-submit
  token per browser. The cookie (SameSite=Strict, HttpOnly) and the form field or header must be
  the same token, signed by this process. Every HTML form carries it; form routes depend on
  `require_csrf`. 403.
- `BodyPace`: a request body that stalls (no bytes for `stall` seconds) or, after `grace` seconds,
  arrives slower than `min_rate` bytes a second on average, is cut off (408) and its slot freed.
- `UploadGate`: at most `at_once` uploads inside the app, at most `per_client` of them from one
  client address; a client's further uploads wait for its own, unread, not for everyone's.

Using them for new routes (the collection service's office pages):

    from fastapi import APIRouter, Depends
    from xltools.web.security import require_csrf
    router = APIRouter(dependencies=[Depends(require_csrf)])   # every POST/PUT/PATCH/DELETE checked

and in every form of its templates (the app's Jinja environment has the helpers, see
`install_templates`): `<form method="post" ...>{{ csrf_input() }} ...</form>`. A script on the
page sends the token from `<meta name="csrf-token">` as the `X-CSRF-Token` header (or in a FormData
built from the form, which holds the hidden field). The guards are installed once, by create_app.

Nothing here knows about reports; every refusal is a Chinese message through the app's `refuse`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# (request, HTTP status, Chinese message, machine code) -> the answer; the app renders its own page or JSON
Refuse = Callable[[Request, int, str, str], Response]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # "every address": not a name anybody reaches the server by
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_SECRET = secrets.token_bytes(32)  # per process: after a restart, pages opened before must be reloaded
# The cookie's name is per process too: a browser shares cookies among all the ports of a host, so
# two servers on one machine (the page and the collection service) would otherwise overwrite each
# other's token.
COOKIE = "xltools_csrf_" + hashlib.sha256(b"cookie name" + _SECRET).hexdigest()[:8]
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_STATE_KEY = "xltools.csrf.new"  # a token issued during this request, for CsrfCookie to set

log = logging.getLogger("xltools.web")

MESSAGES = {
    "host": "拒绝访问：本服务不接受以“{name}”为地址的访问（可能是其他网站借用了本机的地址）。请用本服务的地址打开页面：{allowed}。",
    "origin": "拒绝请求：这个请求来自其他网站，不是本服务的页面。为保护数据，只接受从本服务页面提交的操作。请直接打开本服务的页面重新操作。",
    "csrf": "无法确认这个操作来自本服务的页面：页面可能已过期（服务重新启动过），或浏览器没有保存本站的 Cookie。请回到首页刷新后重新操作。",
    "stalled": "上传中断：超过 {seconds} 秒没有收到数据，已停止接收。请检查网络后重新上传。",
    "slow": "上传太慢：平均每秒不到 {rate}，已停止接收。请检查网络后重新上传。",
}


# --- names -------------------------------------------------------------------------------------


def normal_host(name: str) -> str:
    """A host name as compared: lower case, no brackets around an IPv6 address, no final dot."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name.rstrip(".")


def host_names(bound: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names the server answers to: the loopback names, the address it is bound to (unless it
    is a wildcard such as 0.0.0.0, which nobody types) and the names the operator adds."""
    names = set(LOCAL_HOSTS)
    if normal_host(bound) not in WILDCARDS:
        names.add(normal_host(bound))
    names.update(normal_host(n) for n in extra if normal_host(n))
    return frozenset(names)


def split_host(value: str) -> tuple[str, int | None]:
    """A Host header (or an URL's netloc) as (name, port): "[::1]:8765" -> ("::1", 8765). A value
    that cannot be a host gives ("", None)."""
    value = value.strip()
    port: int | None = None
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return "", None
        digits = rest[1:]
    elif value.count(":") == 1:
        name, _, digits = value.partition(":")
    else:
        name, digits = value, ""
    if digits:
        if not digits.isdigit() or not 0 < int(digits) < 65536:
            return "", None
        port = int(digits)
    return normal_host(name), port


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _shown(name: str) -> str:
    return f"[{name}]" if ":" in name else name


# --- the guards --------------------------------------------------------------------------------


async def _answer(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    """A refusal sent before the body was read: the connection is closed after it, so the unread
    body does not keep it (or its slot) busy."""
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def plain_refuse(request: Request, status: int, message: str, code: str) -> Response:
    """The refusal when the app gives none: a bare Chinese page."""
    return HTMLResponse(f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><p>{escape(message)}</p>', status)


class HostGuard:
    """Refuse (400) a request whose Host header is not one of the server's names; a request without
    Host (HTTP/1.0) passes, a browser always sends one. `more()`: names allowed as of now besides
    `hosts` (asked only for a name not among them: the collection service's address, which the
    office may change while the server runs). `told(name)` hears each refused name once, for the
    operator (server.py prints how to allow it)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: Iterable[str],
        refuse: Refuse = plain_refuse,
        told: Callable[[str], None] | None = None,
        more: Callable[[], Iterable[str]] | None = None,
    ):
        self.app, self.hosts, self.refuse, self.told = app, frozenset(normal_host(h) for h in hosts), refuse, told
        self.more = more
        self.seen: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _header(scope, b"host")
            if host is not None:
                name, _ = split_host(host)
                if name not in self.hosts and (not name or name not in self._more()):
                    return await self._refuse(scope, receive, send, name or host)
        await self.app(scope, receive, send)

    def _more(self) -> frozenset[str]:
        return frozenset(normal_host(h) for h in self.more()) if self.more is not None else frozenset()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, name: str) -> None:
        name = name[:80]
        if self.told is not None and name not in self.seen and len(self.seen) < 100:
            self.seen.add(name)
            self.told(name)
        if scope["type"] != "http":
            return await send({"type": "websocket.close", "code": 1008})
        allowed = "、".join(f"http://{_shown(h)}" for h in sorted(self.hosts | self._more()))
        message = MESSAGES["host"].format(name=name, allowed=allowed)
        await _answer(self.refuse(Request(scope), 400, message, "bad_host"), scope, receive, send)


def from_elsewhere(scope: Scope) -> bool:
    """Whether a request says it comes from a page other than this server's: Sec-Fetch-Site, else
    Origin, else Referer. A request that says nothing is a script's, not from elsewhere."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None and site.strip().lower() in ("cross-site", "same-site"):
        return True
    source = _header(scope, b"origin")
    if source is None:
        source = _header(scope, b"referer")
        if source is None or not source.strip():
            return False
    return not same_origin(source, _header(scope, b"host") or "", scope.get("scheme", "http"))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(source: str, host: str, scheme: str = "http") -> bool:
    """Whether an Origin or Referer URL names this server as the Host header does, port included
    (`scheme` is the request's: a Host without a port means its default). "null" never does."""
    try:
        parts = urlsplit(source.strip())
        source_port = parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False
    name, port = split_host(host)
    if not name or normal_host(parts.hostname) != name:
        return False
    wanted = port if port is not None else _DEFAULT_PORTS.get(scheme, 80)  # the port the request came in on
    return (source_port or _DEFAULT_PORTS[parts.scheme]) == wanted


class OriginGuard:
    """Refuse (403) a state-changing request that comes from another site, before its body is read."""

    def __init__(self, app: ASGIApp, refuse: Refuse = plain_refuse):
        self.app, self.refuse = app, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in STATE_CHANGING and from_elsewhere(scope):
            response = self.refuse(Request(scope), 403, MESSAGES["origin"], "cross_site")
            return await _answer(response, scope, receive, send)
        await self.app(scope, receive, send)


# --- CSRF tokens -------------------------------------------------------------------------------


def _sign(nonce: str) -> str:
    return hmac.new(_SECRET, nonce.encode("ascii"), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A fresh token: a random nonce and this process's signature of it."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(nonce)}"


def valid_token(token: str) -> bool:
    """Signed by this process (so a cookie planted by another site on the same host name fails)."""
    nonce, dot, signature = token.rpartition(".")
    if not dot or not nonce or not nonce.isascii():
        return False
    return hmac.compare_digest(signature.encode("ascii", "replace"), _sign(nonce).encode("ascii"))


def csrf_token(request: Request) -> str:
    """This browser's token: its cookie's when valid, else a new one (CsrfCookie sets the cookie)."""
    state = request.scope.setdefault("state", {})
    issued = state.get(_STATE_KEY)
    if issued:
        return str(issued)
    cookie = request.cookies.get(COOKIE, "")
    if valid_token(cookie):
        return cookie
    state[_STATE_KEY] = token = new_token()
    return token


def csrf_input(request: Request) -> Markup:
    """The hidden form field that carries the token."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, csrf_token(request))


async def require_csrf(request: Request) -> None:
    """FastAPI dependency: a state-changing request must carry, in the `X-CSRF-Token` header or the
    `csrf_token` form field, the same valid token as its cookie. Raises HTTPException(403)."""
    if request.method not in STATE_CHANGING:
        return
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            value = (await request.form()).get(FIELD)  # the form FastAPI already parsed, cached
            sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(COOKIE, "")
    if not (sent and cookie and valid_token(cookie)):
        raise HTTPException(403, MESSAGES["csrf"])
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), cookie.encode("utf-8", "replace")):
        raise HTTPException(403, MESSAGES["csrf"])


def install_templates(env: Any) -> None:
    """Give a Jinja environment `csrf_input()` and `csrf_token()` (they find `request` in the context)."""
    from jinja2 import pass_context

    @pass_context
    def _input(context: Any) -> Markup:
        return csrf_input(context["request"])

    @pass_context
    def _token(context: Any) -> str:
        return csrf_token(context["request"])

    env.globals.update(csrf_input=_input, csrf_token=_token)


class CsrfCookie:
    """Set the cookie of a token issued while answering (a page that rendered a form)."""

    def __init__(self, app: ASGIApp, secure: bool = False):
        self.app, self.secure = app, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})

        async def send_with_cookie(message: Message) -> None:
            token = state.get(_STATE_KEY)
            if message["type"] == "http.response.start" and token:
                secure = "; Secure" if self.secure or scope.get("scheme") == "https" else ""
                cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# --- bodies: pace and slots --------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    """How a request body must arrive: never `stall` seconds without a byte, and after `grace`
    seconds at least `min_rate` bytes a second on average since the first read."""

    stall: float = 10.0
    grace: float = 10.0
    min_rate: int = 4096


PACE = Pace()


def rate_text(rate: int) -> str:
    return f"{rate // 1024} KB" if rate >= 1024 else f"{rate} 字节"


class BodyTooSlow(HTTPException):
    """Raised inside the app's read of the body, so the app answers it (408) with its own page."""

    def __init__(self, message: str):
        super().__init__(408, message, headers={"Connection": "close"})


class BodyPace:
    """Cut off a request body that stalls or crawls: the handler reading it gets BodyTooSlow, its
    slot is freed, the connection closed after the answer."""

    def __init__(self, app: ASGIApp, pace: Pace = PACE):
        self.app, self.pace = app, pace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in STATE_CHANGING:
            return await self.app(scope, receive, send)
        pace, started, got, done = self.pace, -1.0, 0, False

        async def paced() -> Message:
            nonlocal started, got, done
            if done:  # the body is in; what follows is the wait for a disconnect, unbounded
                return await receive()
            if started < 0:
                started = anyio.current_time()
            try:
                with anyio.fail_after(pace.stall):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow(MESSAGES["stalled"].format(seconds=f"{pace.stall:g}")) from None
            if message["type"] == "http.request":
                got += len(message.get("body", b""))
                done = not message.get("more_body", False)
                elapsed = anyio.current_time() - started
                if not done and elapsed > pace.grace and got < pace.min_rate * elapsed:
                    raise BodyTooSlow(MESSAGES["slow"].format(rate=rate_text(pace.min_rate)))
            return message

        await self.app(scope, paced, send)


class UploadGate:
    """At most `at_once` upload (multipart) requests inside the app, at most `per_client` of them
    from one client address; the others wait before their bodies are read, so the temporary storage
    stays bounded and one client cannot hold every slot."""

    def __init__(self, app: ASGIApp, at_once: int, per_client: int):
        self.app = app
        self.gate = anyio.Semaphore(at_once)
        self.per_client = per_client
        self.clients: dict[str, tuple[anyio.Semaphore, int]] = {}  # address -> (its slots, requests using them)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_upload(scope):
            return await self.app(scope, receive, send)
        client = scope.get("client")
        address = str(client[0]) if client else ""
        slots, users = self.clients.get(address) or (anyio.Semaphore(self.per_client), 0)
        self.clients[address] = (slots, users + 1)
        try:
            async with slots, self.gate:
                await self.app(scope, receive, send)
        finally:
            slots, users = self.clients[address]
            if users == 1:
                del self.clients[address]
            else:
                self.clients[address] = (slots, users - 1)


class BodyLimit:
    """Refuse a request body over `limit` bytes: at once when Content-Length says so, else as soon
    as the bytes read pass it (raised inside the handler, so the 413 page is the app's)."""

    def __init__(self, app: ASGIApp, limit: int, refuse: Refuse = plain_refuse, message: str = "上传的内容过大。"):
        self.app, self.limit, self.refuse, self.message = app, limit, refuse, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            declared = int(_header(scope, b"content-length") or "0")
        except ValueError:
            declared = 0
        if declared > self.limit:
            response = self.refuse(Request(scope), 413, self.message, "too_large")
            return await _answer(response, scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, self.message, headers={"Connection": "close"})
            return message

        await self.app(scope, counted, send)


def is_upload(scope: Scope) -> bool:
    if scope["type"] != "http" or scope.get("method") not in STATE_CHANGING:
        return False
    return (_header(scope, b"content-type") or "").lower().startswith("multipart/")


class HeadAsGet:
    """HEAD on any GET route answers as GET without the body (a monitor's or link checker's "is it
    up?"), instead of 405."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            return await self.app(scope, receive, send)

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


class SecurityHeaders:
    """Headers on every answer: nothing cached (units' data), no sniffing, no framing by others, no
    outside resources, a Referer only to this server itself (so its own posts carry their Origin)."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"content-security-policy", CSP.encode("ascii")),
    )

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self._names]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers + list(self.HEADERS)
            await send(message)

        await self.app(scope, receive, with_headers)

    _names = frozenset(k for k, _ in HEADERS)


__all__ = [
    "COOKIE",
    "FIELD",
    "HEADER",
    "LOCAL_HOSTS",
    "PACE",
    "BodyLimit",
    "BodyPace",
    "CsrfCookie",
    "HeadAsGet",
    "HostGuard",
    "OriginGuard",
    "Pace",
    "SecurityHeaders",
    "UploadGate",
    "csrf_input",
    "csrf_token",
    "from_elsewhere",
    "host_names",
    "install_templates",
    "new_token",
    "require_csrf",
    "same_origin",
    "split_host",
    "valid_token",
]
