"""Resource bounds (issue #7): every corpus case is answered within 5 s of CPU and 500 MB.

Each case runs `python -m xltools check` in a child process under RLIMIT_CPU and RLIMIT_AS, so a
runaway is killed rather than waited for, and the child's own usage (os.wait4) is measured. A
bound crossed is a failure; normal speed is the benchmarks' business, not asserted here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.corpus import CASES, Case

ROOT = Path(__file__).resolve().parent.parent
CPU_SECONDS = 5
MEMORY = 500 * 1024 * 1024
HANG = 60  # wall-clock seconds after which a child that is not using CPU counts as hung


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_bounded(*args: str) -> tuple[int, float, int, str]:
    """Exit status, CPU seconds, peak resident bytes and stderr of one bounded xltools run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xltools", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_limits,
    )
    deadline = time.monotonic() + HANG
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_within_bounds(case: Case, hostile):
    path = hostile[case.name]
    status, cpu, peak, stderr = run_bounded("check", str(path))
    assert status >= 0, f"killed by signal {-status} (a bound was crossed): cpu {cpu:.1f}s, {peak >> 20} MB"
    assert status == case.status, stderr
    assert "MemoryError" not in stderr and "程序内部错误" not in stderr, stderr
    assert cpu <= CPU_SECONDS, f"{cpu:.1f} s of CPU"
    assert peak <= MEMORY, f"{peak >> 20} MB"


@pytest.mark.parametrize("case", [c for c in CASES if c.status == 0], ids=lambda c: c.name)
def test_building_a_clean_case_within_bounds(case: Case, hostile, tmp_path):
    status, cpu, peak, stderr = run_bounded("build", str(hostile[case.name]), "-o", str(tmp_path / "r.docx"))
    assert status == 0, stderr
    assert cpu <= CPU_SECONDS and peak <= MEMORY, (cpu, peak >> 20)


def test_the_limits_bite():
    """The harness itself: a child that allocates past the limit is stopped, not measured as fine."""
    proc = subprocess.run(
        [sys.executable, "-c", "x = bytearray(800 * 1024 * 1024)"],
        preexec_fn=_limits,
        capture_output=True,
    )
    assert proc.returncode != 0 and b"MemoryError" in proc.stderr
