"""The killable worker pool (xltools.collect.pool): answers in futures, a wall-clock limit per task
after which the worker is killed and replaced, a memory limit, and no worker outliving its parent
however the parent ends (exit, Ctrl-C to it alone, SIGKILL). The signal tests start real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xltools.collect.pool import Pool, PoolClosed, TaskTimeout, WorkerDied, progress

ROOT = Path(__file__).resolve().parent.parent
linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def square(x):
    return x * x


def sleep(seconds):
    time.sleep(seconds)
    return os.getpid()


def steps(n, seconds):
    for _ in range(n):
        time.sleep(seconds)
        progress()
    return n


def fail():
    raise ValueError("该任务失败")


def die():
    os._exit(3)


def allocate(megabytes):
    return len(bytearray(megabytes << 20))


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def gone(pids, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def test_answers_in_order_and_failures_stay_with_their_task():
    with Pool(2) as pool:
        futures = [pool.submit(square, i) for i in range(50)]
        bad = pool.submit(fail)
        unpicklable = pool.submit(square, lambda: 1)
        assert [f.result() for f in futures] == [i * i for i in range(50)]
        with pytest.raises(ValueError, match="该任务失败"):
            bad.result()
        with pytest.raises(Exception):  # noqa: B017 - pickling's own error type
            unpicklable.result()
        assert pool.submit(square, 9).result() == 81
    with pytest.raises(PoolClosed):
        pool.submit(square, 1)


def test_a_task_past_its_limit_is_killed_and_its_worker_replaced():
    with Pool(1, timeout=0.5) as pool:
        first = pool.submit(sleep, 0, timeout=None).result()  # the worker imports this module: not timed
        started = time.monotonic()
        with pytest.raises(TaskTimeout) as caught:
            pool.submit(sleep, 60).result()
        assert time.monotonic() - started < 30
        assert caught.value.steps == 0
        assert not alive(first) or not Path("/proc").exists()  # the stuck worker itself was killed
        assert pool.submit(sleep, 0, timeout=None).result() != first  # a new worker
        assert pool.submit(square, 3).result() == 9


def test_progress_restarts_the_limit_and_counts_steps():
    with Pool(1, timeout=1.0) as pool:
        pool.submit(square, 1, timeout=None).result()  # this module imported in the worker: not timed below
        assert pool.submit(steps, 4, 0.4).result() == 4  # 1.6 s in all, never 1 s between steps
        with pytest.raises(TaskTimeout) as caught:
            pool.submit(steps, 5, 0.1).result() and pool.submit(steps, 3, 0.3).result()
            pool.submit(steps, 2, 5).result()
        assert caught.value.steps == 0
        with pytest.raises(TaskTimeout):
            pool.submit(sleep, 5, timeout=0.3).result()


def pid_square(x):
    return os.getpid(), x * x


def test_a_worker_is_replaced_after_max_tasks_and_answers_stay_in_order():
    with Pool(2, timeout=30, max_tasks=3) as pool:
        futures = [pool.submit(pid_square, i) for i in range(20)] + [pool.submit(fail)]
        answers = [f.result() for f in futures[:-1]]
        with pytest.raises(ValueError, match="该任务失败"):
            futures[-1].result()
        assert [square for _pid, square in answers] == [i * i for i in range(20)]
        pids = [pid for pid, _square in answers]
        assert max(pids.count(p) for p in pids) <= 3  # no worker ran a fourth task
        assert len(set(pids)) >= 7  # 21 tasks, 3 a worker
        assert gone(set(pids) - set(pool.pids))  # a retired worker ended
        assert len(pool.pids) <= 2
        with pytest.raises(TaskTimeout):  # the time limit holds for a replacement too
            pool.submit(sleep, 60, timeout=0.5).result()
        assert pool.submit(pid_square, 4).result()[1] == 16
    with pytest.raises(ValueError):
        Pool(1, max_tasks=0)


def test_a_worker_that_dies_fails_its_task_only():
    with Pool(2) as pool:
        dead = pool.submit(die)
        others = [pool.submit(square, i) for i in range(10)]
        with pytest.raises(WorkerDied) as caught:
            dead.result()
        assert caught.value.exitcode == 3
        assert [f.result() for f in others] == [i * i for i in range(10)]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX")
def test_memory_limit_raises_memory_error_in_the_task():
    with Pool(1, memory_limit=1 << 30) as pool:
        with pytest.raises(MemoryError):
            pool.submit(allocate, 2048).result()
        assert pool.submit(allocate, 10).result() == 10 << 20


def test_futures_can_be_awaited():
    async def main():
        with Pool(2) as pool:
            return await asyncio.gather(*(asyncio.wrap_future(pool.submit(square, i)) for i in range(5)))

    assert asyncio.run(main()) == [0, 1, 4, 9, 16]


@linux
def test_workers_end_with_the_pool():
    with Pool(2) as pool:
        pool.submit(sleep, 0.2)
        pool.submit(sleep, 0.2).result()
        pids = pool.pids
        assert len(pids) == 2
    assert gone(pids, within=5)
    with Pool(2) as pool:
        pool.submit(sleep, 30)
        time.sleep(0.5)
        pids = pool.pids
        pool.terminate()
    assert gone(pids, within=5)


# --- a parent that ends badly ---------------------------------------------------------------------

PARENT = """
import os, sys, time
from xltools.collect import pool as P
from tests.test_pool import sleep
context = None
if sys.argv[1] == "watchdog-only":  # the pipe alone: no prctl (as on macOS)
    import multiprocessing
    P._set_parent_death_signal = lambda: None
    context = multiprocessing.get_context("fork")
with P.Pool(2, context=context) as pool:
    futures = [pool.submit(sleep, 300) for _ in range(4)]
    while len(pool.pids) < 2:
        time.sleep(0.05)
    print(*pool.pids, flush=True)
    futures[0].result()
"""


def _parent(mode: str) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    pids = [int(p) for p in line.split()]
    assert len(pids) == 2 and all(alive(p) for p in pids)
    return proc, pids


@linux
@pytest.mark.parametrize("mode", ["default", "watchdog-only"])
def test_workers_die_when_the_parent_is_killed(mode):
    proc, pids = _parent(mode)
    proc.kill()  # SIGKILL: no handler, no atexit, nothing of the parent runs
    proc.wait()
    assert gone(pids), [p for p in pids if alive(p)]


@linux
def test_workers_die_when_only_the_parent_gets_ctrl_c():
    proc, pids = _parent("default")
    proc.send_signal(signal.SIGINT)  # to the main process alone, not its group
    proc.wait(timeout=30)
    assert gone(pids, within=5), [p for p in pids if alive(p)]


def test_the_door_checks_uploads_in_killable_workers(tmp_path):
    """What the web page uses (api.worker_pool, api.lost_result): the same result as in process;
    a task past the limit is the upload's 无法读取（超时） result."""
    from tests.workbooks import VALID_TEXTS, fill_to
    from xltools import api

    data = fill_to(tmp_path / "ok.xlsx", VALID_TEXTS).read_bytes()
    with api.worker_pool(1, timeout=30) as pool:
        pooled = pool.submit(api.check_bytes, data, "ok.xlsx").result()
        with pytest.raises(TaskTimeout) as caught:
            pool.submit(sleep, 30, timeout=0.3).result()
    here = api.check_bytes(data, "ok.xlsx")
    assert pooled.result.findings == here.result.findings and pooled.result.ok
    lost = api.lost_result(caught.value, "慢.docx")
    assert lost.error.code == "timeout" and lost.error.message.startswith("无法读取（超时）：超过 0.3 秒")
    assert api.lost_result(ValueError("x"), "a.docx").error.code == "internal"


def test_a_pool_that_cannot_start_workers_fails_its_futures_and_tries_again(monkeypatch):
    """No future waits forever when no worker can be started (a fork that fails, no memory); the
    pool stays open (a server goes on once the machine recovers)."""
    start = Pool._start_worker

    def broken(self):
        raise OSError("fork failed")

    monkeypatch.setattr(Pool, "_start_worker", broken)
    with Pool(1) as pool:
        futures = [pool.submit(square, i) for i in range(3)]
        for f in futures:
            with pytest.raises(WorkerDied, match="fork failed"):
                f.result(timeout=30)
        monkeypatch.setattr(Pool, "_start_worker", start)
        assert pool.submit(square, 3).result(timeout=60) == 9


def test_tasks_wait_for_the_workers_there_are_when_no_more_can_start(monkeypatch):
    with Pool(2) as pool:
        first = pool.submit(sleep, 0).result(timeout=60)
        monkeypatch.setattr(Pool, "_start_worker", lambda self: (_ for _ in ()).throw(OSError("no memory")))
        assert {f.result(timeout=60) for f in [pool.submit(sleep, 0.05) for _ in range(6)]} == {first}


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_pool_whose_thread_fails_fails_every_future(monkeypatch):
    """A bug in the pool's own thread: nothing waits for ever, and the pool says it is closed."""
    pool = Pool(1)
    running = pool.submit(sleep, 30)
    while not pool.pids:
        time.sleep(0.05)
    time.sleep(0.3)
    pids = pool.pids

    def broken():
        raise RuntimeError("a bug")

    waiting = [pool.submit(square, i) for i in range(3)]  # queued: the one worker is busy
    monkeypatch.setattr(pool, "_dispatch", broken)
    pool._wake()
    for f in waiting:
        with pytest.raises(WorkerDied, match="a bug"):
            f.result(timeout=30)
    with pytest.raises(WorkerDied):
        running.result(timeout=30)
    pool._thread.join(30)  # its exception is reported within this test (and its warning ignored)
    assert gone(pids)
    with pytest.raises(PoolClosed):
        pool.submit(square, 1)
