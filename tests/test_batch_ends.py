"""A batch that meets a file which hangs, crashes its worker or breaks the reader goes on: that
file alone is 无法读取 (超时 / 进程意外退出 / 程序内部出错), the summary and `--json` are complete.
And however a run ends (SIGTERM, Ctrl-C to the main process alone, SIGKILL), no worker outlives it
and, where the run can still act, no scratch file is left. Real `python -m xltools` processes,
real signals.

The misbehaving files are simulated by a `sitecustomize` put on the children's path: it replaces
`xltools.load.load_report` for files named *-hang*, *-crash*, *-oops* (every process of the run
imports it, the fork server and its workers included).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.test_pool import alive, gone
from tests.workbooks import VALID_TEXTS, fill_to

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the run's processes in /proc")

SITECUSTOMIZE = """
import os, time
import xltools.load as load

_real = load.load_report

def load_report(path, **kw):
    name = os.path.basename(str(path))
    if "-hang" in name:
        time.sleep(3600)
    if "-crash" in name:
        os.kill(os.getpid(), 9)
    if "-oops" in name:
        raise TypeError("simulated")
    return _real(path, **kw)

load.load_report = load_report
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """18 good reports, with the misbehaving ones among them."""
    base = tmp_path_factory.mktemp("ends")
    d = base / "区"
    d.mkdir()
    ok = fill_to(base / "ok.xlsx", VALID_TEXTS)
    for i in range(18):
        shutil.copy(ok, d / f"u{i:02d}.xlsx")
    shutil.copy(ok, d / "u04-hang.xlsx")
    shutil.copy(ok, d / "u08-crash.xlsx")
    shutil.copy(ok, d / "u12-oops.xlsx")
    last = base / "2023"
    last.mkdir()
    for i in range(4):
        fill_to(last / f"p{i}.xlsx", {**VALID_TEXTS, "year": 2023, "agency.name": f"上年第{i}局"})
    site = base / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return d


def _env(folder: Path, tmp: Path, token: str, **extra) -> dict:
    tmp.mkdir(exist_ok=True)
    site = folder.parent / "site"
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "TMPDIR": str(tmp),
        "XLTOOLS_TEST_RUN": token,
        **extra,
    }


def _run_processes(token: str) -> list[int]:
    """Every live process started for this run (the CLI, its fork server, its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"XLTOOLS_TEST_RUN={token}".encode() in env.split(b"\0") and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_one_bad_file_never_stops_the_batch(folder, tmp_path):
    token = uuid.uuid4().hex
    env = _env(folder, tmp_path / "tmp", token, XLTOOLS_FILE_TIMEOUT="3")
    out = tmp_path / "汇总.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "xltools", "check", str(folder), "--json", "-j", "2", "--summary", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    data = json.loads(run.stdout)  # complete, not cut mid-array
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert len(by_name) == 21
    assert by_name["u04-hang.xlsx"]["error"]["code"] == "timeout"
    assert by_name["u04-hang.xlsx"]["error"]["message"].startswith("无法读取（超时）：超过 3 秒")
    assert by_name["u08-crash.xlsx"]["error"]["code"] == "crashed"
    assert by_name["u12-oops.xlsx"]["error"]["code"] == "internal"
    assert "程序内部出错（TypeError）" in by_name["u12-oops.xlsx"]["error"]["message"]
    assert sum(f["ok"] for f in by_name.values()) == 18
    assert data["summary"]["files"] == 21 and data["summary"]["ok"] == 18 and data["summary"]["unusable"] == 3
    assert out.exists()
    assert not _run_processes(token)


def test_an_exception_in_process_is_the_files_verdict_too(folder, tmp_path):
    """-j 1 checks in the main process: a reader's exception is still that file's verdict."""
    token = uuid.uuid4().hex
    run = subprocess.run(
        [sys.executable, "-m", "xltools", "check", str(folder / "u12-oops.xlsx"), str(folder / "u01.xlsx")],
        capture_output=True,
        text=True,
        env=_env(folder, tmp_path / "tmp", token),
        timeout=120,
    )
    assert run.returncode == 2
    assert "u12-oops.xlsx：无法使用 —— 无法读取：读取或检查这个文件时程序内部出错（TypeError）" in run.stdout
    assert "u01.xlsx（" in run.stdout and "共 2 个文件" in run.stdout


def _started(folder: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str, Path]:
    """A run in the middle of its work: workers busy (one on a file that hangs), the summary's
    temporary file and last year's kept reports on disk."""
    token = uuid.uuid4().hex
    out = tmp_path / "out" / "汇总.xlsx"
    out.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xltools", "check", str(folder), "-j", "2", "--summary", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(folder, tmp_path / "tmp", token),
    )
    lines = [proc.stdout.readline() for _ in range(3)]  # files checked: the pool is at work
    assert all(lines), proc.stderr.read()
    deadline = time.monotonic() + 60
    while len(_run_processes(token)) < 4:  # the CLI, the fork server, two workers
        assert time.monotonic() < deadline, _run_processes(token)
        time.sleep(0.05)
    assert list(out.parent.glob(".*.part")), "the summary's temporary file exists while the run works"
    return proc, token, out


def _scratch(tmp_path: Path, out: Path) -> list[Path]:
    return [*out.parent.iterdir(), *(tmp_path / "tmp").glob("xltools-*")]


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_run_leaves_no_process_and_no_scratch(folder, tmp_path, sig, status):
    proc, token, out = _started(folder, tmp_path, "--previous-dir", str(folder.parent / "2023"))
    assert list((tmp_path / "tmp").glob("xltools-previous-*")), "last year's reports are kept while it runs"
    proc.send_signal(sig)  # the main process alone, as `kill` does (Ctrl-C would reach the group)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    assert "已中断。" in stderr and "Traceback" not in stderr
    assert _scratch(tmp_path, out) == []  # no .part, no scratch folder, no pickled reports
    deadline = time.monotonic() + 10
    while _run_processes(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _run_processes(token) == []


def test_no_worker_outlives_a_killed_run(folder, tmp_path):
    proc, token, _out = _started(folder, tmp_path)
    pids = [p for p in _run_processes(token) if p != proc.pid]
    proc.kill()
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    assert gone(pids), [p for p in pids if alive(p)]


def test_a_file_that_hangs_in_process_is_stopped_too(folder, tmp_path):
    """-j 1 (and small runs) check in the main process: an interval timer stops a read that runs
    past the per-file limit, that file is 无法读取（超时）, the next one is checked."""
    token = uuid.uuid4().hex
    run = subprocess.run(
        [sys.executable, "-m", "xltools", "check", "-j", "1", str(folder / "u04-hang.xlsx"), str(folder / "u01.xlsx")],
        capture_output=True,
        text=True,
        env=_env(folder, tmp_path / "tmp", token, XLTOOLS_FILE_TIMEOUT="2"),
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "u04-hang.xlsx：无法使用 —— 无法读取（超时）：超过 2 秒仍未读完" in run.stdout
    assert "u01.xlsx（" in run.stdout and "通过" in run.stdout
