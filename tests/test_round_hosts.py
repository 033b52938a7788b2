"""The collection service answers to the address its units' links use (round new/next/links
--base-url, remembered in the store) without --allow-host: the links printed for the units would
otherwise open to "拒绝访问". The address is read as it stands, so one set while the server runs
counts at once; other names stay refused (security.HostGuard)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from xltools import api
from xltools.cli import main
from xltools.round.errors import Refused
from xltools.round.service import base_url_host
from xltools.web.app import create_app

OFFICE = "测试市测试区人民政府"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://192.168.1.10:8765", "192.168.1.10"),
        ("https://Reports.Example.:443/", "reports.example"),
        ("http://[fe80::1]:8765", "fe80::1"),
        ("http://bao-gao.local", "bao-gao.local"),
        ("192.168.1.10:8765", None),
        ("ftp://192.168.1.10", None),
        ("http://", None),
        ("http://a b:8765", None),
        ("http://user@evil.example@192.168.1.10", None),
        ("http://192.168.1.10:port", None),
        ("", None),
    ],
)
def test_the_host_of_an_address(url, host):
    assert base_url_host(url) == host


def test_the_service_remembers_the_address_and_names_its_host(tmp_path):
    with api.open_round_service(str(tmp_path / "data")) as service:
        assert service.base_url() is None and service.hosts() == []
        assert service.set_base_url(" http://192.168.1.10:8765/ ") == "http://192.168.1.10:8765"
        assert service.base_url() == "http://192.168.1.10:8765" and service.hosts() == ["192.168.1.10"]
        with pytest.raises(Refused, match="应以 http:// 或 https:// 开头") as caught:
            service.set_base_url("192.168.1.20:8765")
        assert "--" not in caught.value.message  # a library message: no command-line words
        assert service.base_url() == "http://192.168.1.10:8765"  # the refused one is not kept


def test_the_page_answers_to_the_links_address_once_it_is_set(tmp_path):
    data = tmp_path / "data"
    with api.open_round_service(str(data)) as service:
        service.set_password("office-pass-2025")
    with TestClient(create_app(data_folder=data), base_url="http://127.0.0.1") as client:
        r = client.get("/office/login", headers={"host": "reports.example:8765"})
        assert r.status_code == 400 and "拒绝访问" in r.text
        # the office sets the units' address from the command line while the server runs
        roster = tmp_path / "名单.txt"
        roster.write_text("测试区教育局\n", encoding="utf-8")
        args = ["round", "new", "--data", str(data), "--year", "2025", "--name", OFFICE, "--roster", str(roster)]
        res = CliRunner().invoke(main, [*args, "--base-url", "http://Reports.Example:8765/"])
        assert res.exit_code == 0, res.output
        link = next(w for w in res.stdout.split() if "/u/" in w)
        assert link.startswith("http://Reports.Example:8765/u/")
        for host in ("reports.example:8765", "REPORTS.example", "127.0.0.1:8765"):
            r = client.get("/office/login", headers={"host": host})
            assert r.status_code == 200, host
        unit = client.get(link.split(":8765", 1)[1], headers={"host": "reports.example:8765"})
        assert unit.status_code == 200 and "测试区教育局" in unit.text
        r = client.get("/office/login", headers={"host": "evil.example:8765"})
        assert r.status_code == 400 and "http://reports.example" in r.text  # named among the allowed


def test_the_checking_page_alone_answers_to_no_stored_address(tmp_path):
    """Without --data there is no store: only the server's own names."""
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        assert client.get("/", headers={"host": "reports.example"}).status_code == 400


def test_a_wrong_address_is_refused_on_the_command_line(tmp_path):
    roster = tmp_path / "名单.txt"
    roster.write_text("测试区教育局\n", encoding="utf-8")
    args = ["round", "new", "--data", str(tmp_path / "d"), "--year", "2025", "--name", OFFICE, "--roster", str(roster)]
    res = CliRunner().invoke(main, [*args, "--base-url", "192.168.1.10:8765"])
    assert res.exit_code == 2
    assert "网址“192.168.1.10:8765”不对：应以 http:// 或 https:// 开头" in res.stderr
    assert "Traceback" not in res.output


def test_links_made_on_the_page_use_the_address_set(tmp_path):
    """The office on the server itself (127.0.0.1) makes a round: its units' links use the address
    set for them, not the one the office's browser used."""
    import re

    data = tmp_path / "data"
    with api.open_round_service(str(data)) as service:
        service.set_password("office-pass-2025")
        service.set_base_url("http://192.168.1.10:8765")
    with TestClient(create_app(data_folder=data), base_url="http://127.0.0.1", follow_redirects=False) as office:

        def token(path: str) -> str:
            return re.search(r'name="csrf_token" value="([^"]+)"', office.get(path).text).group(1)

        r = office.post("/office/login", data={"password": "office-pass-2025", "csrf_token": token("/office/login")})
        assert r.status_code == 303
        form = {"year": "2025", "name": OFFICE, "roster": "测试区教育局", "csrf_token": token("/office/new")}
        page = office.post("/office/new", data=form)
        assert page.status_code == 200, page.text
        assert re.findall(r"<code>(http://[^/<]+)/u/", page.text) == ["http://192.168.1.10:8765"]


def test_on_every_address_the_hint_to_allow_a_name_is_given_only_when_no_name_is_known(tmp_path, monkeypatch):
    """`serve --host 0.0.0.0` tells how to let other machines in, unless the names are known: given
    with --allow-host, or the host of the address the units' links use."""
    from xltools.web import server

    class Idle:
        def run(self, sockets):
            pass

    monkeypatch.setattr(server, "make_server", lambda sock, **kw: Idle())
    monkeypatch.setattr(server, "return_freed_memory", lambda: None)

    def said(**kw) -> list[str]:
        lines: list[str] = []
        server.serve("0.0.0.0", 0, echo=lines.append, other_machines="HINT", **kw)
        return lines

    data = tmp_path / "data"
    assert "HINT" in said()  # the checker page
    assert "HINT" not in said(allow_hosts=("192.168.1.10",))
    with api.open_round_service(str(data)) as service:
        service.set_password("office-pass-2025")
    assert "HINT" in said(data_folder=data)  # no address set for the units yet
    with api.open_round_service(str(data)) as service:
        service.set_base_url("http://192.168.1.10:8765")
    lines = said(data_folder=data)
    assert "HINT" not in lines and any("注意：正在 0.0.0.0 上提供服务" in line for line in lines)
