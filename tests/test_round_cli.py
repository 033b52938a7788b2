"""`xltools round …` end to end, each command a real `python -m xltools` process over a real data
folder: links, uploads on a unit's behalf, statuses, review, export, backup and restore, next
year's round, the office password; every failure a Chinese message with exit 2, no traceback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from roundkit import OFFICE, ROSTER, TOWN, book, with_errors

from xltools.round.service import RoundService

ROOT = Path(__file__).resolve().parent.parent
EDU = "测试市测试区教育局"


def xl(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        input=stdin.encode() if stdin is not None else None,
        timeout=120,
    )
    proc.out = proc.stdout.decode("utf-8")  # type: ignore[attr-defined]
    proc.err = proc.stderr.decode("utf-8")  # type: ignore[attr-defined]
    assert "Traceback" not in proc.err, proc.err
    return proc


def _new(tmp_path: Path, *extra: str) -> tuple[Path, list[dict]]:
    data = tmp_path / "data"
    roster = tmp_path / "名单.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    proc = xl(
        "round", "new", "--data", str(data), "--year", "2024", "--name", OFFICE, "--roster", str(roster),
        "--deadline", "2025-01-31", "--base-url", "http://192.168.1.5:8765/", "--json", *extra,
    )  # fmt: skip
    assert proc.returncode == 0, proc.err
    doc = json.loads(proc.out)
    assert list(doc) == ["format", "year", "links"] and doc["format"] == "xltools.round-links/1"  # docs/format.md §10
    assert doc["year"] == 2024
    return data, doc["links"]


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_new_prints_every_units_link_and_saves_the_list(tmp_path):
    data, links = _new(tmp_path, "-o", str(tmp_path / "链接.xlsx"))
    assert [row["unit"] for row in links] == [TOWN, EDU, "测试市测试区财政局"]
    assert all(row["link"].startswith("http://192.168.1.5:8765/u/") and len(row["link"]) == 26 + 43 for row in links)
    wb = openpyxl.load_workbook(tmp_path / "链接.xlsx")
    cells = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert [r[4] for r in cells if r[1] == TOWN] == [links[0]["link"]]
    with RoundService.open(str(data)) as svc:  # the printed link is the unit's
        assert svc.desk(links[1]["link"].rsplit("/", 1)[1]).unit.name == EDU
    text = xl(
        "round", "new", "--data", str(data), "--year", "2024", "--name", OFFICE, "--roster", str(tmp_path / "名单.txt")
    )
    assert text.returncode == 2 and text.err.startswith("错误：2024 年度的收集已经建立过")


def test_upload_status_review_through_the_command_line(tmp_path):
    data, _ = _new(tmp_path)
    bad = xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, "镇.xlsx", with_errors()))
    assert bad.returncode == 1 and "有错误" in bad.out and "[R3.3]" in bad.out
    fixed = book()
    good = xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, "镇2.xlsx", fixed), "--json")
    assert good.returncode == 0
    doc = json.loads(good.out)
    assert list(doc) == ["format", "unit", "status", "sha256", "verdict"] and doc["format"] == "xltools.round-upload/1"
    assert doc["unit"] == TOWN and doc["status"] == "passed" and doc["verdict"]["ok"] is True
    assert doc["sha256"] == hashlib.sha256(fixed).hexdigest()
    wrong = xl("round", "upload", "--data", str(data), "--unit", EDU, _file(tmp_path, "x.xlsx", book()))
    assert wrong.returncode == 1 and "[U1]" in wrong.out
    assert xl("round", "review", "--data", str(data), "--unit", EDU, "--confirm").err.startswith(
        "错误：“测试市测试区教育局”最新上传的报告有 1 处错误，不能确认"
    )
    assert xl("round", "review", "--data", str(data), "--unit", TOWN, "--confirm").returncode == 0
    status = xl("round", "status", "--data", str(data), "--json")
    board = json.loads(status.out)
    assert list(board) == ["format", "year", "units"] and board["format"] == "xltools.round-status/1"
    rows = {r["unit"]: r for r in board["units"]}
    assert (
        rows[TOWN]["status"] == "confirmed" and rows[TOWN]["uploads"] == 2 and rows[TOWN]["last_upload"].endswith("Z")
    )
    assert rows[EDU]["status"] == "errors"
    assert rows["测试市测试区财政局"] == {
        **rows["测试市测试区财政局"],
        "status": "not_submitted",
        "uploads": 0,
        "last_upload": None,
    }
    human = xl("round", "status", "--data", str(data), "--year", "2024")
    assert "已确认" in human.out and "未提交" in human.out and "逾期" in human.out  # the deadline is long past
    unknown = xl("round", "upload", "--data", str(data), "--unit", "不存在的局", _file(tmp_path, "y.xlsx", book()))
    assert unknown.returncode == 2 and "单位名单中没有“不存在的局”" in unknown.err


def test_export_has_every_version_and_an_index_with_hashes(tmp_path):
    data, _ = _new(tmp_path)
    sent = [with_errors(), book()]
    for i, content in enumerate(sent):
        xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, f"v{i}.xlsx", content))
    out = tmp_path / "2024.zip"
    proc = xl("round", "export", "--data", str(data), "-o", str(out))
    assert proc.returncode == 0, proc.err
    with zipfile.ZipFile(out) as zf:
        index = json.loads(zf.read("index.json"))
        (town,) = [u for u in index["units"] if u["name"] == TOWN]
        assert [u["filename"] for u in town["uploads"]] == ["v0.xlsx", "v1.xlsx"]
        assert [zf.read(u["file"]) for u in town["uploads"]] == sent
        assert all(hashlib.sha256(zf.read(u["file"])).hexdigest() == u["sha256"] for u in town["uploads"])
        assert f"\t政务公开办\t上传报告\t{TOWN}\tv0.xlsx" in zf.read("log.txt").decode("utf-8")  # in words
    again = xl("round", "export", "--data", str(data), "-o", str(out))
    assert again.returncode == 2 and "已存在" in again.err and "--force" in again.err
    assert xl("round", "export", "--data", str(data), "-o", str(out), "--force").returncode == 0
    # and it imports into another store
    other = tmp_path / "other"
    imported = xl("round", "import", "--data", str(other), str(out))
    assert imported.returncode == 0, imported.err
    board = json.loads(xl("round", "status", "--data", str(other), "--json").out)["units"]
    status = {r["unit"]: r["status"] for r in board}
    assert status[TOWN] == "passed"


def test_backup_and_restore(tmp_path):
    data, _ = _new(tmp_path)
    xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, "a.xlsx", book()))
    backup = tmp_path / "备份.zip"
    assert xl("round", "backup", "--data", str(data), "-o", str(backup)).returncode == 0
    restored = tmp_path / "restored"
    proc = xl("round", "restore", "--data", str(restored), "--from", str(backup))
    assert proc.returncode == 0, proc.err
    before = xl("round", "status", "--data", str(data), "--json").out
    assert xl("round", "status", "--data", str(restored), "--json").out == before
    refused = xl("round", "restore", "--data", str(data), "--from", str(backup))
    assert refused.returncode == 2 and "已有数据" in refused.err


def test_next_year_and_links(tmp_path):
    data, links = _new(tmp_path)
    xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, "a.xlsx", book()))
    nxt = xl("round", "next", "--data", str(data), "--json")
    assert nxt.returncode == 0, nxt.err
    new_links = json.loads(nxt.out)["links"]
    assert [r["unit"] for r in new_links] == [r["unit"] for r in links]
    assert new_links[0]["link"].startswith("http://192.168.1.5:8765/u/")  # the remembered base URL
    status = json.loads(xl("round", "status", "--data", str(data), "--json").out)  # the latest round: 2025
    assert status["year"] == 2025 and {r["status"] for r in status["units"]} == {"not_submitted"}
    reissued = xl("round", "links", "--data", str(data), "--unit", EDU, "--json")
    (row,) = json.loads(reissued.out)["links"]
    with RoundService.open(str(data)) as svc:
        assert svc.desk(row["link"].rsplit("/", 1)[1]).unit.name == EDU
        from xltools.round.errors import NotFound

        old = new_links[1]["link"].rsplit("/", 1)[1]
        try:
            svc.desk(old)
            raise AssertionError("the replaced link still works")
        except NotFound:
            pass
    text = xl("round", "links", "--data", str(data), "--all", "-o", str(tmp_path / "links.txt"))
    assert text.returncode == 0 and (tmp_path / "links.txt").read_text(encoding="utf-8").count("/u/") == 3


def test_the_office_password_is_set_from_a_script_and_stored_hashed(tmp_path):
    data, _ = _new(tmp_path)
    proc = xl("round", "password", "--data", str(data), "--stdin", stdin="ein gutes Passwort\n")
    assert proc.returncode == 0, proc.err
    with RoundService.open(str(data)) as svc:
        stored = svc.store.setting("office_password")
        assert stored.startswith("scrypt$n=32768,r=8,p=1$") and "gutes" not in stored
        assert svc.session_valid(svc.login("ein gutes Passwort"))
    short = xl("round", "password", "--data", str(data), "--stdin", stdin="kurz\n")
    assert short.returncode == 2 and "至少要 8 个字符" in short.err


def test_a_data_folder_without_a_store_is_named(tmp_path):
    proc = xl("round", "status", "--data", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "中没有收集数据" in proc.err
    assert not (tmp_path / "nowhere").exists()
    bad_date = xl("round", "new", "--data", str(tmp_path / "d"), "--year", "2024", "--name", OFFICE,
                  "--roster", str(tmp_path / "none.txt"), "--deadline", "31.1.2025")  # fmt: skip
    assert bad_date.returncode == 2 and "2026-01-31 这样" in bad_date.err


def test_the_office_downloads_from_the_command_line(tmp_path):
    data, _ = _new(tmp_path)
    xl("round", "upload", "--data", str(data), "--unit", TOWN, _file(tmp_path, "a.xlsx", book()))
    out = {k: tmp_path / f"{k}{s}" for k, s in (("summary", ".xlsx"), ("merged", ".json"), ("word", ".zip"))}
    args = [a for k, p in out.items() for a in (f"--{k}", str(p))]
    proc = xl("round", "download", "--data", str(data), *args)
    assert proc.returncode == 0, proc.err
    assert "单位名单中有 2 个单位没有报告" in proc.out and "已保存 1 份 Word 报告" in proc.out
    assert json.loads(out["merged"].read_text(encoding="utf-8"))["merge"]["missing"] == [EDU, "测试市测试区财政局"]
    assert any(TOWN in str(c.value) for row in openpyxl.load_workbook(out["summary"]).active.iter_rows() for c in row)
    with zipfile.ZipFile(out["word"]) as zf:
        assert sorted(zf.namelist()) == sorted([f"001-{TOWN}.docx", "说明.txt"])
    again = xl("round", "download", "--data", str(data), "--word", str(out["word"]))
    assert again.returncode == 2 and "已存在" in again.err
    assert xl("round", "download", "--data", str(data)).returncode == 2


def test_backup_while_another_process_keeps_uploading(tmp_path):
    """`round backup` from the command line while a separate writer process uploads in a loop (as
    the service would): each backup restores to a whole store holding a prefix of the uploads."""
    data, _ = _new(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = Path(__file__).resolve().parent / "round_child.py"
    writer = subprocess.Popen(
        [sys.executable, str(child), str(data), TOWN, "0", "7"], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        for n in range(2):
            writer.stdout.readline()  # at least one more upload committed before each backup
            proc = xl("round", "backup", "--data", str(data), "-o", str(tmp_path / f"b{n}.zip"))
            assert proc.returncode == 0, proc.err
    finally:
        writer.kill()
        writer.communicate()
    counts = []
    for n in range(2):
        restored = tmp_path / f"r{n}"
        assert xl("round", "restore", "--data", str(restored), "--from", str(tmp_path / f"b{n}.zip")).returncode == 0
        with RoundService.open(str(restored)) as back:
            assert back.store.verify() == []
            town = back.unit_named(back.round(2024).id, TOWN)
            ids = [up.id for up in back.store.uploads(town.id)]
            assert ids == list(range(1, len(ids) + 1))  # a prefix: nothing torn, nothing skipped
            counts.append(len(ids))
    assert 1 <= counts[0] <= counts[1]
