"""A pool of worker processes that can be killed: one file that hangs or eats memory costs its
worker, never the run.

`concurrent.futures.ProcessPoolExecutor` can neither stop a task that runs too long nor replace a
worker it lost, and its workers outlive a parent killed with SIGKILL. Here every task has a
wall-clock limit: past it the worker is killed and replaced and the task's future fails with
`TaskTimeout`; a worker that dies under a task (a crash, the memory limit) fails it with
`WorkerDied`; the other tasks go on. A task may call `progress()` in the worker to say it finished
one step (one file of a chunk): the limit then counts from there, and the failure says how many
steps were done (`.steps`), so a caller can hand the rest to another worker.

Workers die with their parent, however it ends: on Linux the kernel sends them SIGKILL when it
dies (prctl PR_SET_PDEATHSIG); everywhere a thread in each worker waits on a pipe only the
parent holds open, and ends the worker when it reads end-of-file. Workers ignore Ctrl-C (the
parent's to handle, which then kills them) and may be given an address-space limit
(RLIMIT_AS), under which a file too large for memory raises MemoryError in its task instead of
taking the machine.

A worker is retired after `max_tasks` tasks (like multiprocessing's maxtasksperchild) and a fresh
one takes the next task: a check's memory that the allocator keeps (about 19 MB per large file,
levelling off at 160-300 MiB a worker in a long-running server) goes back to the system. A retired
worker is idle: it is told to end and reaped later, the pool's thread never waits for it.

When no worker can be started at all (a fork that fails, no memory), the tasks waiting fail with
`WorkerDied` instead of waiting for ever; the pool stays open and tries again with the next task.

    with Pool(2, timeout=60) as pool:
        future = pool.submit(fn, arg)          # fn: a picklable, module-level function
        value = future.result()                # or: await asyncio.wrap_future(future)

Futures are `concurrent.futures.Future`s. Workers are started from a fork server (Linux) or
spawned, never forked from this (possibly threaded) process.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from types import EllipsisType
from typing import Any


class WorkerLost(Exception):
    """A task's worker was stopped or died before the task returned. `steps`: how many times the
    task had called `progress()` by then."""

    def __init__(self, message: str, steps: int = 0):
        super().__init__(message)
        self.steps = steps


class TaskTimeout(WorkerLost):
    """The task ran past its wall-clock limit (`seconds`, since it started or since its last
    `progress()`)."""

    def __init__(self, message: str, steps: int = 0, seconds: float | None = None):
        super().__init__(message, steps)
        self.seconds = seconds


class WorkerDied(WorkerLost):
    """The worker process ended under the task (killed, crashed, out of memory)."""

    def __init__(self, message: str, steps: int = 0, exitcode: int | None = None):
        super().__init__(message, steps)
        self.exitcode = exitcode


MAX_TASKS = 50
"""Tasks a worker runs before it is replaced. A replacement forks from the fork server with the
check modules already imported (milliseconds), so 50 costs well under 1% of 50 checks, while a
server's worker gives its kept memory back at least every 50 uploads."""


class PoolClosed(RuntimeError):
    """A task submitted to a pool that is shut down."""


# --- the worker's side -------------------------------------------------------------------------

_CONN = None  # the worker's end of its task pipe (None in any other process)


def progress() -> None:
    """Called by a task in a worker: one step done; its time limit starts again. Nothing elsewhere."""
    if _CONN is not None:
        _CONN.send(("step",))


def _set_parent_death_signal() -> None:
    """Linux: the kernel kills this process when the thread that started it ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc symbol: the pipe watchdog still works
        pass


def _watch_parent(life) -> None:
    """Block on the parent's pipe; end-of-file means the parent is gone (however it ended)."""
    try:
        while True:
            life.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _worker(conn, life, life_w, parent: int | None, memory_limit: int | None, initializer, initargs) -> None:
    """A worker's life: tasks from `conn`, one at a time, answered on `conn`."""
    global _CONN
    _set_parent_death_signal()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    life_w.close()  # only the parent may hold it open, or its end would never be seen
    threading.Thread(target=_watch_parent, args=(life,), daemon=True, name="xltools-parent-watch").start()
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent ended before the kernel was asked to tell
    if memory_limit is not None:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    _CONN = conn
    if initializer is not None:
        initializer(*initargs)
    conn.send(("ready",))  # a task's time limit starts when a worker takes it, not while one starts
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        fn, args, kwargs = task
        try:
            reply: tuple = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # the task's failure is its future's, not the worker's
            reply = ("error", _portable(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    os._exit(0)


def _portable(exc: BaseException) -> BaseException:
    """The exception without its traceback, or a stand-in when it cannot be pickled."""
    import pickle

    exc.__traceback__ = None
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


# --- the parent's side -------------------------------------------------------------------------


@dataclass
class _Task:
    future: Future
    fn: Callable
    args: tuple
    kwargs: dict
    timeout: float | None
    steps: int = 0
    deadline: float = float("inf")


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: _Task | None = None
    ready: bool = False
    done: int = 0  # tasks answered


def _fail(tasks: list[_Task], why: str) -> None:
    """Tasks that never reached a worker fail with `why` (one cancelled meanwhile stays cancelled)."""
    for task in tasks:
        if task.future.set_running_or_notify_cancel():
            task.future.set_exception(WorkerDied(why))


_POOLS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _kill_all() -> None:
    for pool in list(_POOLS):
        pool.terminate()


def default_context():
    """The fork server on Linux (workers start fast and do not inherit this process's threads),
    spawn elsewhere."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Pool:
    """`workers` processes taking tasks (`submit`) in order; see the module docstring.

    `timeout`: each task's wall-clock limit in seconds (None: none), `submit` may set its own.
    `memory_limit`: bytes of address space per worker (None: no limit; ignored where the system
    has none). `initializer(*initargs)` runs in each worker when it starts (also in a replacement).
    `preload`: modules the fork server imports once, so that workers start with them.
    `max_tasks`: tasks a worker runs before it ends and a fresh one replaces it (None: no limit).
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout: float | None = None,
        memory_limit: int | None = None,
        initializer: Callable | None = None,
        initargs: tuple = (),
        preload: Sequence[str] = (),
        max_tasks: int | None = MAX_TASKS,
        context=None,
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_tasks is not None and max_tasks < 1:
            raise ValueError("max_tasks must be at least 1")
        self.max_tasks = max_tasks
        self.max_workers = workers
        self.timeout = timeout
        self._memory_limit = memory_limit
        self._initializer = initializer
        self._initargs = initargs
        self._ctx = context or default_context()
        if preload and self._ctx.get_start_method() == "forkserver":
            self._ctx.set_forkserver_preload(list(preload))
        self._life_r, self._life_w = self._ctx.Pipe(duplex=False)
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._lock = threading.Lock()
        self._queue: collections.deque[_Task] = collections.deque()
        self._workers: list[_Worker] = []
        self._retired: list[tuple[Any, float]] = []  # (process, kill it after) told to end, not yet reaped
        self._closing = False
        self._terminated = False
        self._thread: threading.Thread | None = None
        _POOLS.add(self)

    # -- the public side

    def submit(self, fn: Callable, /, *args, timeout: float | EllipsisType | None = ..., **kwargs) -> Future:
        """Run `fn(*args, **kwargs)` in a worker; its Future. `timeout` overrides the pool's."""
        future: Future = Future()
        task = _Task(future, fn, args, kwargs, self.timeout if timeout is ... else timeout)
        with self._lock:
            if self._closing:
                raise PoolClosed("the pool is shut down")
            self._queue.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="xltools-pool")
                self._thread.start()
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more tasks; with `wait`, until those submitted are done and the workers have ended.
        `cancel_futures`: tasks not yet started are cancelled."""
        with self._lock:
            self._closing = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft().future.cancel()
            thread = self._thread
        self._wake()
        if thread is None:
            self._close_pipes()
        elif wait:
            thread.join()

    def terminate(self) -> None:
        """Kill every worker now; tasks not finished fail (running) or are cancelled (waiting)."""
        with self._lock:
            self._closing = self._terminated = True
            while self._queue:
                self._queue.popleft().future.cancel()
            thread = self._thread
        self._wake()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        else:
            self._kill_workers()
            self._close_pipes()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Interrupted (Ctrl-C, SIGTERM, a consumer that stopped early): nothing is waited for.
        if exc_type is None:
            self.shutdown(wait=True)
        else:
            self.terminate()

    @property
    def pids(self) -> list[int]:
        """The worker processes now alive (for tests and monitoring)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.is_alive()]

    # -- the pool's thread

    def _wake(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._wake_w.send_bytes(b"")

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        parent = os.getpid() if self._ctx.get_start_method() != "forkserver" else None
        args = (child_end, self._life_r, self._life_w, parent, self._memory_limit, self._initializer, self._initargs)
        try:
            process = self._ctx.Process(target=_worker, args=args, daemon=True, name="xltools-worker")
            process.start()
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _run(self) -> None:
        from multiprocessing.connection import wait

        try:
            while True:
                with self._lock:
                    if self._terminated:
                        break
                    self._dispatch()
                    busy = [w for w in self._workers if w.task is not None]
                    if self._closing and not busy and not self._queue:
                        break
                now = time.monotonic()
                deadline = min((w.task.deadline for w in busy if w.task), default=float("inf"))
                deadline = min([deadline] + [kill_after for _p, kill_after in self._retired])
                timeout = None if deadline == float("inf") else max(0.0, deadline - now)
                handles: list = [self._wake_r]
                for w in self._workers:
                    handles += [w.conn, w.process.sentinel]
                handles += [process.sentinel for process, _kill_after in self._retired]
                ready = set(wait(handles, timeout))
                self._reap(ready)
                if self._wake_r in ready:
                    with contextlib.suppress(EOFError, OSError):
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                for w in list(self._workers):
                    if w.conn in ready:
                        self._receive(w)
                    elif w.process.sentinel in ready:
                        self._lost(w, WorkerDied, "the worker process ended")
                now = time.monotonic()
                for w in list(self._workers):
                    if w.task is not None and w.task.deadline <= now:
                        self._lost(w, TaskTimeout, f"no answer within {w.task.timeout} s")
        except BaseException as exc:  # the pool itself failed (no worker could be started): no future waits forever
            with self._lock:
                self._closing = self._terminated = True
                waiting, self._queue = list(self._queue), collections.deque()
            _fail(waiting, f"the pool stopped: {type(exc).__name__}: {exc}")
            raise
        finally:
            self._kill_workers(graceful=not self._terminated)
            self._close_pipes()

    def _dispatch(self) -> None:
        """Hand waiting tasks to idle workers, starting workers up to max_workers (lock held)."""
        while self._queue:
            idle = next((w for w in self._workers if w.ready and w.task is None), None)
            if idle is None:
                starting = sum(1 for w in self._workers if not w.ready)
                if starting < len(self._queue) and len(self._workers) < self.max_workers:
                    try:
                        self._start_worker()
                    except Exception as exc:
                        self._cannot_start(exc)
                        return
                    continue
                return
            task = self._queue.popleft()
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                idle.conn.send((task.fn, task.args, task.kwargs))
            except (OSError, EOFError) as exc:  # the worker is gone: its sentinel will say so
                task.future.set_exception(WorkerDied(f"the worker could not be reached: {exc}"))
                continue
            except Exception as exc:  # unpicklable arguments: this task's failure alone
                task.future.set_exception(exc)
                continue
            task.deadline = float("inf") if task.timeout is None else time.monotonic() + task.timeout
            idle.task = task

    def _cannot_start(self, exc: Exception) -> None:
        """No new worker could be started (lock held). With none left to wait for, every waiting task
        fails; otherwise they wait for the workers there are."""
        if self._workers:
            return
        waiting, self._queue = list(self._queue), collections.deque()
        _fail(waiting, f"no worker process could be started: {type(exc).__name__}: {exc}")

    def _receive(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                message = w.conn.recv()
                task = w.task
                if message[0] == "ready":
                    w.ready = True
                    with self._lock:
                        self._dispatch()
                    continue
                if message[0] == "step":
                    if task is not None:
                        task.steps += 1
                        if task.timeout is not None:
                            task.deadline = time.monotonic() + task.timeout
                    continue
                w.task = None
                if task is None:
                    continue
                if message[0] == "ok":
                    task.future.set_result(message[1])
                else:
                    task.future.set_exception(message[1])
                w.done += 1
                if self.max_tasks is not None and w.done >= self.max_tasks:
                    self._retire(w)
                    return
        except (EOFError, OSError):
            self._lost(w, WorkerDied, "the worker process ended")
        except Exception as exc:  # an answer that cannot be unpickled here
            if w.task is not None:
                w.task.future.set_exception(exc)
                w.task = None

    def _retire(self, w: _Worker) -> None:
        """`w` has run its `max_tasks` (and is idle): told to end (the end of its pipe would do too);
        the next task starts a fresh one. Reaped by `_reap`, killed if still there after 5 s."""
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)
        with contextlib.suppress(OSError, ValueError):
            w.conn.send(None)
        w.conn.close()
        self._retired.append((w.process, time.monotonic() + 5))

    def _reap(self, ready: set) -> None:
        """Join the retired workers that ended (their sentinel is in `ready`); kill the late ones."""
        now = time.monotonic()
        left = []
        for process, kill_after in self._retired:
            if process.sentinel not in ready and kill_after > now:
                left.append((process, kill_after))
                continue
            if process.sentinel not in ready:
                with contextlib.suppress(OSError, AttributeError):
                    process.kill()
            process.join()
            with contextlib.suppress(ValueError):
                process.close()
        self._retired = left

    def _lost(self, w: _Worker, kind: type[TaskTimeout | WorkerDied], why: str) -> None:
        """Kill `w`, fail its task, and forget it (a replacement starts with the next task)."""
        with contextlib.suppress(OSError, AttributeError):
            w.process.kill()
        w.process.join(5)
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)
        w.conn.close()
        task, w.task = w.task, None
        if task is None:
            return
        if kind is WorkerDied:
            task.future.set_exception(WorkerDied(why, task.steps, w.process.exitcode))
        else:
            task.future.set_exception(TaskTimeout(why, task.steps, task.timeout))

    def _kill_workers(self, graceful: bool = False) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        retired, self._retired = self._retired, []
        for process, _kill_after in retired:
            process.join(5 if graceful else 0)
            if process.is_alive():
                with contextlib.suppress(OSError, AttributeError):
                    process.kill()
                process.join()
        for w in workers:
            if graceful:
                with contextlib.suppress(OSError, ValueError):
                    w.conn.send(None)
            else:
                with contextlib.suppress(OSError, AttributeError):
                    w.process.kill()
        for w in workers:
            w.process.join(5 if graceful else None)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            if w.task is not None:
                w.task.future.set_exception(WorkerDied("the pool was stopped", w.task.steps, w.process.exitcode))
                w.task = None
            w.conn.close()

    def _close_pipes(self) -> None:
        for conn in (self._life_w, self._life_r, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                conn.close()
