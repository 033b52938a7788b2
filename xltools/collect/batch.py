"""Checking many inputs at once: a whole 区, 市 or province in one run.

Every file goes through the same `api.check_file` as a single check, so a finding never depends on
how many files were checked together. Work is spread over the machine's cores by a process pool;
only a bounded number of files is in flight at any time and results come back in input order, so
memory stays flat however many files a folder holds. The caller consumes each result as it
arrives (`Tally` keeps only what the outputs need) and lets the full report go.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xltools import verdict
from xltools.api import check_file, expand_inputs
from xltools.model import FileResult

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

# Below this many files a pool costs more to start than it saves.
POOL_THRESHOLD = 16
MAX_CHUNK = 32  # files per task at most: amortises the round trip to a worker
CHUNKS_PER_WORKER = 4  # at least this many tasks per worker, so that no core idles at the end
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


# What a check imports on first use: imported before the workers start, so that where they are
# forked (Linux) they share it instead of each importing it again.
_CHECK_MODULES = ("xltools.rules.soft", "xltools.rules.textnums", "xltools.jsonform")


def _executor(workers: int, pairing=None) -> Executor:
    """The worker pool (imported only when one is needed: a one-file check starts faster)."""
    import importlib
    from concurrent.futures import ProcessPoolExecutor

    for module in _CHECK_MODULES:
        importlib.import_module(module)
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(pairing,))


def _start_worker(pairing) -> None:
    """Ctrl-C is the main process's to handle: a worker stopped by it would print a traceback.
    The pairing (last year's folder identified, possibly thousands of entries) comes once per
    worker, not with every task."""
    import signal

    global _PAIRING
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PAIRING = pairing


def _check_chunk(paths: Sequence[str], strict: bool) -> list[FileResult]:
    one = check_file if _PAIRING is None else _PAIRING.check_file  # previous.Pairing (--previous…)
    return [one(p, strict=strict) for p in paths]


def _identify_chunk(paths: Sequence[str]) -> list:
    from xltools.previous import identify

    return [identify(p) for p in paths]


def _in_order(pool: Executor, task, chunks: Iterable, *args) -> Iterator:
    """Each chunk's results, in input order, with a bounded number of tasks in flight."""
    limit = pool._max_workers * IN_FLIGHT_PER_WORKER
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(task, chunk, *args))
            if len(pending) >= limit:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()


def _chunks(paths: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    return (paths[i : i + size] for i in range(0, len(paths), size))


def check_many(
    paths: Sequence[str],
    *,
    strict: bool = False,
    jobs: int | None = None,
    threshold: int | None = None,
    pairing=None,
) -> Iterator[FileResult]:
    """Check every path, yielding one FileResult per path, in input order.

    `jobs`: worker processes (default: every core available); 1, or fewer paths than `threshold`,
    checks in this process. A pairing with last year's folder (`previous.Pairing.of_dir`) has
    that folder identified first, by the same workers.
    """
    jobs = workers() if jobs is None else max(1, jobs)
    threshold = POOL_THRESHOLD if threshold is None else threshold
    folder = pairing.folder if pairing is not None else []
    if folder:
        if jobs == 1 or len(folder) < max(threshold, 2):
            from xltools.previous import identify

            identities = [identify(p) for p in folder]
        else:
            size = chunk_size(len(folder), jobs)
            with _executor(min(jobs, -(-len(folder) // size))) as pool:
                identities = list(_in_order(pool, _identify_chunk, _chunks(folder, size)))
        pairing = pairing.indexed(zip(folder, identities, strict=True))
    if jobs == 1 or len(paths) < max(threshold, 2):
        one = check_file if pairing is None else pairing.check_file
        for p in paths:
            yield one(p, strict=strict)
        return
    size = chunk_size(len(paths), jobs)
    with _executor(min(jobs, -(-len(paths) // size)), pairing) as pool:
        yield from _in_order(pool, _check_chunk, _chunks(paths, size), strict)


@dataclass
class Tally:
    """What the outputs of a batch need, taken from each result as it passes.

    Counts as in FORMAT.md §6 `summary`; optionally each file's JSON entry, its human text and its
    summary-workbook rows. No full report is kept.
    """

    json: bool = False
    text: bool = False
    summary: bool = False
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("files", "ok", "with_errors", "unusable", "errors", "warnings"), 0)
    )
    exit_code: int = 0
    files: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    hint: verdict.Hint | None = None  # the interface's words after an unusable file's message

    def add(self, r: FileResult) -> None:

        for key, n in verdict.summary([r]).items():
            self.counts[key] += n
        self.exit_code = max(self.exit_code, r.exit_code)
        if self.json:
            self.files += verdict.as_json([r])["files"]
        if self.text:
            self.lines += verdict.file_lines(r, self.hint)
        if self.summary:
            from xltools.collect.summary import (
                rows_of,  # lazy: the summary (xlsxwriter) is heavy, and a single check never needs it
            )

            row, problems = rows_of(r)
            self.rows.append(row)
            self.problems += problems

    def as_json(self) -> dict:
        return {"files": self.files, "summary": dict(self.counts)}


def run(
    paths: Sequence[str],
    tally: Tally,
    *,
    strict: bool = False,
    jobs: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    pairing=None,
) -> Tally:
    """Check every path into `tally`; `progress` is called after each file."""
    for r in check_many(paths, strict=strict, jobs=jobs, pairing=pairing):
        tally.add(r)
        if progress is not None:
            progress(r)
    return tally


def input_paths(inputs: Iterable[str], *, outputs: Iterable[str | None] = (), published: bool = False) -> list[str]:
    """The files to check (folders expanded; with `published`, published reports found too),
    without this run's own outputs: a summary written into the checked folder last time is not a report."""
    from pathlib import Path

    skip = {Path(o).resolve() for o in outputs if o}
    return [p for p in expand_inputs(inputs, published=published) if Path(p).resolve() not in skip]
