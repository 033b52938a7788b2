"""Checking many inputs at once: a whole 区, 市 or province in one run.

Every file goes through the same `api.check_file` as a single check, so a finding never depends on
how many files were checked together. Work is spread over the machine's cores by a process pool;
only a bounded number of files is in flight at any time and results come back in input order, so
memory stays flat however many files a folder holds. A batch that only prints and summarises has
each result digested where it was checked (`digest`: its counts, text, JSON entry and summary
rows), so only that small digest crosses to this process, which adds up the counts and hands each
piece to its output as it arrives (`Tally`), keeping nothing per file.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from xltools import verdict
from xltools.errors import UnusableInput, XltoolsError
from xltools.inputs import expand_inputs
from xltools.load import check_file, failure
from xltools.model import FileResult

if TYPE_CHECKING:
    from concurrent.futures import Future

    from xltools.collect.pool import Pool

# Below this many files a pool costs more to start than it saves.
POOL_THRESHOLD = 16
MAX_CHUNK = 32  # files per task at most: amortises the round trip to a worker
CHUNKS_PER_WORKER = 4  # at least this many tasks per worker, so that no core idles at the end
KEEP_PREVIOUS = 2  # see check_many
IN_FLIGHT_PER_WORKER = 3  # tasks queued per worker: keeps workers busy, bounds memory


def workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def chunk_size(files: int, jobs: int) -> int:
    """Files per task: small folders in small tasks, so every core gets its share; large ones
    in tasks of MAX_CHUNK."""
    return max(1, min(MAX_CHUNK, files // (jobs * CHUNKS_PER_WORKER)))


_PAIRING = None  # a worker's pairing with last year's reports, given once when it starts

# What a check imports on first use: imported once by the fork server the workers start from, so
# that they share it instead of each importing it again.
CHECK_MODULES = ("xltools.load", "xltools.rules.soft", "xltools.rules.textnums", "xltools.jsonform")

FILE_TIMEOUT = 60.0  # seconds one file may take in a worker before it is stopped (XLTOOLS_FILE_TIMEOUT)
WORKER_MEMORY = 2 << 30  # bytes of address space per worker (XLTOOLS_WORKER_MEMORY; 0: no limit)


def file_timeout() -> float:
    """The per-file wall-clock limit: FILE_TIMEOUT, or XLTOOLS_FILE_TIMEOUT seconds when set."""
    try:
        return float(os.environ.get("XLTOOLS_FILE_TIMEOUT", "")) or FILE_TIMEOUT
    except ValueError:
        return FILE_TIMEOUT


def worker_memory() -> int | None:
    try:
        limit = int(os.environ.get("XLTOOLS_WORKER_MEMORY", WORKER_MEMORY))
    except ValueError:
        limit = WORKER_MEMORY
    return limit or None


def _executor(workers: int, pairing=None) -> Pool:
    """The worker pool (imported only when one is needed: a one-file check starts faster). A file
    that takes longer than `file_timeout()` costs its worker (killed and replaced), not the run."""
    from xltools.collect.pool import Pool

    return Pool(
        workers,
        timeout=file_timeout(),
        memory_limit=worker_memory(),
        initializer=_start_worker,
        initargs=(pairing,),
        preload=CHECK_MODULES,
    )


def _start_worker(pairing) -> None:
    """The pairing (last year's folder identified, possibly thousands of entries) comes once per
    worker, not with every task."""
    global _PAIRING
    _PAIRING = pairing


def _step() -> None:
    """One file of a task done: its worker's time limit counts again from here (collect.pool)."""
    from xltools.collect.pool import progress

    progress()


def _check_one(one: Callable[..., FileResult], path: str, strict: bool, digest: Callable | None):
    """One file's result (or digest): whatever goes wrong inside it is that file's verdict."""
    try:
        r = one(path, strict=strict)
    except Exception as exc:  # one file never stops the batch
        r = FileResult(str(path), error=failure(exc, path))
    if digest is None:
        return r
    try:
        return digest(r)
    except Exception as exc:
        return digest(FileResult(str(path), error=failure(exc, path)))


class _OverTime(BaseException):
    """The alarm of `_check_here`: a BaseException, so that no reader's `except Exception` takes it."""


def _check_here(one: Callable[..., FileResult], path: str, strict: bool, digest: Callable | None):
    """`_check_one` in this process, under the same per-file limit as a worker where the system
    has an interval timer and this is the main thread: SIGALRM stops the Python code of a read that
    runs too long (a worker is killed instead, which also stops code that is not Python)."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return _check_one(one, path, strict, digest)

    def overtime(signum, frame):
        raise _OverTime

    seconds = file_timeout()
    before = signal.signal(signal.SIGALRM, overtime)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return _check_one(one, path, strict, digest)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OverTime:
        from xltools.collect.pool import TaskTimeout

        return _check_lost(path, TaskTimeout("over time", 0, seconds), strict, digest)
    finally:
        signal.signal(signal.SIGALRM, before)


def _check_chunk(paths: Sequence[str], strict: bool, digest: Callable[[FileResult], Any] | None = None) -> list:
    one = check_file if _PAIRING is None else _PAIRING.check_file  # previous.Pairing (--previous…)
    out = []
    for p in paths:
        out.append(_check_one(one, p, strict, digest))
        _step()
    return out


def lost(exc: BaseException, path: str) -> XltoolsError:
    """The verdict of a file whose worker was stopped at the time limit or died under it."""
    from xltools.collect.pool import TaskTimeout, WorkerDied

    if isinstance(exc, TaskTimeout):
        seconds = exc.seconds or file_timeout()
        return UnusableInput(
            f"无法读取（超时）：超过 {seconds:g} 秒仍未读完，已停止。文件可能过大或结构异常，请另存或拆分后再试。",
            code="timeout",
            path=str(path),
        )
    if isinstance(exc, WorkerDied):
        return UnusableInput(
            "无法读取：检查这个文件的进程意外退出（可能是内存不足）。文件可能过大或已损坏，请另存或拆分后再试。",
            code="crashed",
            path=str(path),
        )
    return failure(exc, path)


def _check_lost(path: str, exc: BaseException, strict: bool, digest: Callable | None = None):
    """The result of a file whose worker was stopped (time limit) or died under it."""
    r = FileResult(str(path), error=lost(exc, path))
    return r if digest is None else digest(r)


def _identify_chunk(paths: Sequence[str], keep: str | None) -> list:
    from xltools.previous import identify

    out = []
    for p in paths:
        try:
            out.append(identify(p, keep))
        except Exception:  # not identified: as a file that cannot be last year's report
            out.append(None)
        _step()
    return out


def _identify_lost(path: str, exc: BaseException, keep: str | None) -> None:
    return None


_LOST = {_check_chunk: _check_lost, _identify_chunk: _identify_lost}


def _in_order(pool: Pool, task, chunks: Iterable, *args) -> Iterator:
    """Each chunk's results, in input order, with a bounded number of tasks in flight."""
    limit = pool.max_workers * IN_FLIGHT_PER_WORKER
    pending: deque[tuple[Sequence[str], Future]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(task, chunk, *args)))
            if len(pending) >= limit:
                yield from _results(pool, task, *pending.popleft(), args)
        while pending:
            yield from _results(pool, task, *pending.popleft(), args)
    finally:
        for _chunk, fut in pending:
            fut.cancel()


def _results(pool: Pool, task, chunk: Sequence[str], future: Future, args: tuple) -> list:
    """A chunk's results. When its worker was stopped or died at a file, that file gets its
    verdict and the files before and after it go to workers again."""
    from xltools.collect.pool import WorkerLost

    try:
        return future.result()
    except WorkerLost as exc:
        k = min(exc.steps, len(chunk) - 1)  # the files done before the one it was at
        why: Exception = exc
    except Exception as exc:  # a chunk whose answer was lost: each file on its own
        if len(chunk) == 1:
            return [_LOST[task](chunk[0], exc, *args)]
        return [r for p in chunk for r in _results(pool, task, [p], pool.submit(task, [p], *args), args)]
    out = []
    if k:
        out += _results(pool, task, chunk[:k], pool.submit(task, chunk[:k], *args), args)
    out.append(_LOST[task](chunk[k], why, *args))
    if rest := chunk[k + 1 :]:
        out += _results(pool, task, rest, pool.submit(task, rest, *args), args)
    return out


def _chunks(paths: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    return (paths[i : i + size] for i in range(0, len(paths), size))


def check_many(
    paths: Sequence[str],
    *,
    strict: bool = False,
    jobs: int | None = None,
    threshold: int | None = None,
    pairing=None,
    digest: Callable[[FileResult], Any] | None = None,
    keep_previous: bool | None = None,
) -> Iterator:
    """Check every path, yielding one FileResult (or its digest) per path, in input order.

    `jobs`: worker processes (default: every core available); 1, or fewer paths than `threshold`,
    checks in this process. A pairing with last year's folder (`previous.Pairing.of_dir`) has
    that folder identified first, by the same workers. `digest` (picklable: a module-level
    function or a functools.partial of one) is applied to each result where it was checked, and
    what it returns is yielded instead: only that crosses from a worker to this process.
    `keep_previous`: last year's reports, once identified, are kept (pickled, in a folder of this
    run's own, removed at the end) for the checks that pair with them, so that each is read once;
    by default when last year's folder holds at most KEEP_PREVIOUS times as many files as are
    checked (reading the whole of a much larger folder would cost more than it saves).
    """
    jobs = workers() if jobs is None else max(1, jobs)
    threshold = POOL_THRESHOLD if threshold is None else threshold
    folder = pairing.folder if pairing is not None else []
    if not folder:
        yield from _check(paths, strict, jobs, threshold, pairing, digest)
        return
    if keep_previous is None:
        keep_previous = len(folder) <= KEEP_PREVIOUS * len(paths)
    keep = tempfile.mkdtemp(prefix="xltools-previous-") if keep_previous else None
    try:
        if jobs == 1 or len(folder) < max(threshold, 2):
            identities = [_identify_chunk([p], keep)[0] for p in folder]
        else:
            size = chunk_size(len(folder), jobs)
            with _executor(min(jobs, -(-len(folder) // size))) as pool:
                identities = list(_in_order(pool, _identify_chunk, _chunks(folder, size), keep))
        yield from _check(paths, strict, jobs, threshold, pairing.indexed(zip(folder, identities, strict=True)), digest)
    finally:
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)


def _check(paths: Sequence[str], strict: bool, jobs: int, threshold: int, pairing, digest) -> Iterator:
    """`check_many` once last year's folder, if any, is identified: in this process or the pool."""
    if jobs == 1 or len(paths) < max(threshold, 2):
        one = check_file if pairing is None else pairing.check_file
        for p in paths:
            yield _check_here(one, p, strict, digest)
        return
    size = chunk_size(len(paths), jobs)
    with _executor(min(jobs, -(-len(paths) // size)), pairing) as pool:
        yield from _in_order(pool, _check_chunk, _chunks(paths, size), strict, digest)


COUNTS = ("files", "ok", "with_errors", "unusable", "errors", "warnings")  # docs/format.md §6 `summary`


class Digest(NamedTuple):
    """What the outputs of a batch need of one file, computed where it was checked."""

    counts: tuple[int, ...]  # one per COUNTS
    exit_code: int
    json: str | None = None  # its entry in `--json` (verdict.json_entry)
    text: str | None = None  # its verdict and findings as printed (verdict.file_lines)
    row: Any = None  # its 汇总 row (collect.summary.SummaryRow)
    problems: Sequence = ()  # its 问题清单 rows


def digest(
    r: FileResult, *, json: bool = False, text: bool = False, summary: bool = False, hint: verdict.Hint | None = None
) -> Digest:
    """One file's digest: the pieces asked for. `hint` must be picklable (module level) when a
    pool applies this."""
    counts = verdict.summary([r])
    row, problems = None, ()
    if summary:
        from xltools.collect.summary import rows_of  # lazy: a single check never needs the summary

        row, problems = rows_of(r)
    return Digest(
        tuple(counts[k] for k in COUNTS),
        r.exit_code,
        verdict.json_entry(r) if json else None,
        "\n".join(verdict.file_lines(r, hint)) if text else None,
        row,
        problems,
    )


@dataclass
class Tally:
    """The main process's part of a batch: counts and exit code added up, and each file's digest
    handed to the outputs (`sinks`) as it arrives; nothing is kept per file.

    `json`, `text`, `summary` and `hint` say which pieces the digests carry (`digester`)."""

    json: bool = False
    text: bool = False
    summary: bool = False
    hint: verdict.Hint | None = None  # the interface's words after an unusable file's message
    sinks: Sequence[Callable[[Digest], object]] = ()
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    exit_code: int = 0

    @property
    def digester(self) -> Callable[[FileResult], Digest]:
        """The digest of this tally's pieces, to be applied where each file is checked."""
        return functools.partial(digest, json=self.json, text=self.text, summary=self.summary, hint=self.hint)

    def add(self, d: Digest) -> None:
        for key, n in zip(COUNTS, d.counts, strict=True):
            self.counts[key] += n
        self.exit_code = max(self.exit_code, d.exit_code)
        for sink in self.sinks:
            sink(d)


def run(
    paths: Sequence[str],
    tally: Tally,
    *,
    strict: bool = False,
    jobs: int | None = None,
    progress: Callable[[Digest], None] | None = None,
    pairing=None,
) -> Tally:
    """Check every path into `tally`; `progress` is called after each file."""
    # closed however the loop ends, so that its pool and scratch folder go at once, not when collected
    with contextlib.closing(check_many(paths, strict=strict, jobs=jobs, pairing=pairing, digest=tally.digester)) as it:
        for d in it:
            tally.add(d)
            if progress is not None:
                progress(d)
    return tally


def input_paths(inputs: Iterable[str], *, outputs: Iterable[str | None] = (), published: bool = False) -> list[str]:
    """The files to check (folders expanded; with `published`, published reports found too),
    without this run's own outputs: a summary written into the checked folder last time is not a report."""
    from pathlib import Path

    skip = {Path(o).resolve() for o in outputs if o}
    return [p for p in expand_inputs(inputs, published=published) if Path(p).resolve() not in skip]
