"""Resource bounds: every corpus case is answered within 5 s of CPU and 500 MB.

Each case runs `python -m xltools check` in a child process under RLIMIT_CPU and RLIMIT_AS, so a
runaway is killed rather than waited for, and the child's own usage (os.wait4) is measured. A
bound crossed is a failure; normal speed is the benchmarks' business, not asserted here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import CASES, Case

pytestmark = pytest.mark.slow  # every corpus case in a resource-limited subprocess

ROOT = Path(__file__).resolve().parent.parent
CPU_SECONDS = 5
MEMORY = 500 * 1024 * 1024
HANG = 60  # wall-clock seconds after which a child that is not using CPU counts as hung


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


# The child is started by a small launcher, not by this process: a process's peak resident memory
# (ru_maxrss) starts at that of the process it was forked from (Linux keeps the larger of the two
# across exec), so a child of the test runner would be measured at the runner's size. The launcher
# (a bare Python, about 10 MB) sets the limits, runs the command, and writes its usage to a pipe.
LAUNCHER = """
import json, os, resource, sys, time
cpu, memory, hang, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
os.set_inheritable(out, False)
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[5:]])
deadline = time.monotonic() + hang
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        done, status, usage = os.wait4(pid, 0)
        break
    time.sleep(0.02)
os.write(out, json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024]).encode())
"""


def run_bounded(*args: str, merge: bool = False) -> tuple[int, float, int, str]:
    """Exit status, CPU seconds, peak resident bytes and stderr (with `merge`: stdout and stderr)
    of one `xltools` run under the limits; killed after HANG seconds."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    read, write = os.pipe()
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-c",
                LAUNCHER,
                *map(str, (CPU_SECONDS, MEMORY, HANG, write)),
                "-m",
                "xltools",
                *args,
            ],
            stdout=subprocess.PIPE if merge else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            env=env,
            pass_fds=(write,),
        )
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as answer:
        stdout, stderr = proc.communicate(timeout=HANG + 60)
        code, cpu, peak = json.loads(answer.read())
    return code, cpu, peak, ((stdout if merge else stderr) or b"").decode("utf-8", "replace")


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


def test_the_peak_is_the_childs_own():
    """ru_maxrss of a child starts at its parent's size: measured from the test runner, a 25 MB
    check was reported at the runner's hundreds of MB (and a small case could fail the bound)."""
    ballast = bytearray(200 << 20)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # resident, not only reserved
    status, _cpu, peak, stderr = run_bounded("check", str(ROOT / "examples" / "suoluo-2024.json"))
    assert status == 0, stderr
    assert 10 << 20 < peak < 120 << 20, peak >> 20
    del ballast
