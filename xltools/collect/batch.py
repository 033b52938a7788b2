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

from xltools.api import check_file
from xltools.model import FileResult

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

# Below this many files a pool costs more to start than it saves.
POOL_THRESHOLD = 16
CHUNK = 8  # files per task: amortises the round trip to a worker
IN_FLIGHT_PER_WORKER = 3  # tasks queued per worker: keeps workers busy, bounds memory


def workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _executor(workers: int) -> Executor:
    """The worker pool (imported only when one is needed: a one-file check starts faster)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker)


def _quiet_worker() -> None:
    """Ctrl-C is the main process's to handle: a worker stopped by it would print a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_chunk(paths: Sequence[str], strict: bool, pairing=None) -> list[FileResult]:
    one = check_file if pairing is None else pairing.check_file  # pairing: previous.Pairing (--previous)
    return [one(p, strict=strict) for p in paths]


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
    checks in this process.
    """
    jobs = workers() if jobs is None else max(1, jobs)
    threshold = POOL_THRESHOLD if threshold is None else threshold
    if jobs == 1 or len(paths) < max(threshold, 2):
        one = check_file if pairing is None else pairing.check_file
        for p in paths:
            yield one(p, strict=strict)
        return
    chunks = [paths[i : i + CHUNK] for i in range(0, len(paths), CHUNK)]
    limit = jobs * IN_FLIGHT_PER_WORKER
    with _executor(min(jobs, len(chunks))) as pool:
        pending: deque[Future] = deque()
        todo = iter(chunks)
        try:
            for chunk in todo:
                pending.append(pool.submit(_check_chunk, chunk, strict, pairing))
                if len(pending) >= limit:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()


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

    def add(self, r: FileResult) -> None:
        from xltools import verdict

        for key, n in verdict.summary([r]).items():
            self.counts[key] += n
        self.exit_code = max(self.exit_code, r.exit_code)
        if self.json:
            self.files += verdict.as_json([r])["files"]
        if self.text:
            self.lines += verdict.file_lines(r)
        if self.summary:
            from xltools.collect.summary import rows_of

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

    from xltools.api import expand_inputs

    skip = {Path(o).resolve() for o in outputs if o}
    return [p for p in expand_inputs(inputs, published=published) if Path(p).resolve() not in skip]
