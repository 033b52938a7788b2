"""Benchmark of the collection round's library, by hand, never in CI:

    python -m benchmarks.round_store [--units 3000] [--uploads 200]

(a) creating a round of --units units (one transaction, a token hashed per unit);
(b) --uploads real uploads (the in-process check of a filled workbook, store write included), one
    at a time: p50/p95 of upload-to-verdict;
(c) the same count of uploads with a stub check: the store's own cost per upload (blob fsync, rename,
    folder fsync, one transaction);
(d) the board (every unit's status) of the --units round, with one upload per unit;
(e) the summary workbook over the units that uploaded in (b) (each current report read again).
Figures depend on the machine and its disk (fsync); the README quotes one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--uploads", type=int, default=200)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from workbooks import VALID_TEXTS, fill

    from xltools.round import downloads
    from xltools.round.roster import parse_roster_text
    from xltools.round.service import RoundService

    names = [f"测试市第{i:04d}局" for i in range(args.units)]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        svc = RoundService.open(str(Path(tmp) / "data"))
        issued = svc.create_round(2024, "测试市人民政府", parse_roster_text("\n".join(names)))
        print(f"(a) round of {args.units} units created: {time.perf_counter() - t:.2f} s")
        units = [link.unit for link in issued.links]
        books = [fill({**VALID_TEXTS, "agency.name": names[i]}) for i in range(min(args.uploads, 20))]
        svc.upload(units[0].id, books[0], "warm.xlsx")  # imports
        times = []
        for i in range(args.uploads):
            t = time.perf_counter()
            svc.upload(units[i % len(books)].id, books[i % len(books)], f"{i}.xlsx")
            times.append(time.perf_counter() - t)
        print(
            f"(b) {args.uploads} real uploads: p50 {statistics.median(times) * 1000:.0f} ms, p95 {_pct(times, 0.95) * 1000:.0f} ms"
        )

        def stub(data, filename, previous):
            return {"path": filename, "ok": True, "agency": filename[:-5], "year": 2024, "findings": []}

        fast = RoundService(svc.store, check=stub)
        times = []
        for i, u in enumerate(units):
            t = time.perf_counter()
            fast.upload(u.id, f"{i}".encode() * 2000, f"{u.name}.xlsx")
            times.append(time.perf_counter() - t)
        print(
            f"(c) {len(units)} stub uploads: p50 {statistics.median(times) * 1000:.1f} ms, p95 {_pct(times, 0.95) * 1000:.1f} ms"
        )
        t = time.perf_counter()
        board = svc.board(issued.round.id)
        print(f"(d) board of {len(board)} units: {(time.perf_counter() - t) * 1000:.0f} ms")
        small = svc.create_round(2025, "测试市人民政府", parse_roster_text("\n".join(names[: len(books)])))
        for link, data in zip(small.links, books, strict=True):
            svc.upload(link.unit.id, data, "a.xlsx")
        t = time.perf_counter()
        downloads.summary_workbook(svc, small.round.id)
        print(f"(e) summary workbook of {len(books)} units: {time.perf_counter() - t:.2f} s")
        svc.close()


if __name__ == "__main__":
    main()
