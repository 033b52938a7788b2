"""A TestClient that talks to the web app as its own page does: by the name 127.0.0.1 (the app
refuses other Host names) and carrying the page's CSRF cookie and token (security.require_csrf)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BASE = "http://127.0.0.1"


def page_client(app: Any = None, **kwargs: Any) -> TestClient:
    from xltools.web.app import create_app
    from xltools.web.security import COOKIE, HEADER, new_token

    client = TestClient(app if app is not None else create_app(), base_url=BASE, **kwargs)
    token = new_token()
    client.cookies.set(COOKIE, token)
    client.headers[HEADER] = token
    return client
