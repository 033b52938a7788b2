"""Benchmark: xltools check against a bare openpyxl load. Run by hand, never in CI:

    python -m benchmarks.run            # 1000 workbooks, kept in $TMPDIR/xltools-bench/units-1000
    python -m benchmarks.run -n 200 --repeat 5

(a) one workbook: `xltools check F` (a fresh process, imports included) against
    `python -c "import openpyxl; openpyxl.load_workbook(F)"`; the median of --repeat runs each.
(b) N workbooks: `xltools check DIR` (every core) against a plain sequential openpyxl
    `load_workbook` loop over the same files, each in a fresh process; wall time and the peak
    resident memory of the whole process tree (workers included, sampled from /proc; shared pages
    counted once per process, so the figure errs high). Peak memory is also taken at N/10 files, to
    show it does not grow with N.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENPYXL_LOOP = "import openpyxl, sys\nfor f in sys.argv[1:]:\n    openpyxl.load_workbook(f)\n"


def _make(args: tuple[Path, int, int]) -> None:
    import random

    from benchmarks.generate import unit_values
    from xltools.workbook.template import template_bytes

    folder, start, stop = args
    for i in range(start, stop):
        path = folder / f"unit-{i:04d}.xlsx"
        if not path.exists():
            rng = random.Random(i)
            path.write_bytes(template_bytes(unit_values(rng, f"测试市第{i}单位")))


def ensure_units(folder: Path, n: int) -> list[Path]:
    """n filled workbooks in `folder` (made once, in parallel, then reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    step = 25
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make, [(folder, i, min(i + step, n + 1)) for i in range(1, n + 1, step)]))
    return sorted(folder.glob("unit-*.xlsx"))[:n]


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
    return total


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak tree RSS of one command (output discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd[:4])} …")
    return wall, peak


def median_of(cmd: list[str], repeat: int) -> float:
    return statistics.median(timed(cmd)[0] for _ in range(repeat))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of workbooks (default 1000)")
    ap.add_argument("--dir", type=Path, help="where the workbooks are kept (default $TMPDIR/xltools-bench/units-N)")
    ap.add_argument("--repeat", type=int, default=7, help="runs per single-workbook timing (median)")
    args = ap.parse_args(argv)
    folder = args.dir or Path(tempfile.gettempdir()) / "xltools-bench" / f"units-{args.n}"
    py = sys.executable
    print(f"Generating {args.n} filled workbooks in {folder} …", file=sys.stderr)
    files = ensure_units(folder, args.n)
    one = str(files[0])

    print("(a) one workbook …", file=sys.stderr)
    ours = median_of([py, "-m", "xltools", "check", one], args.repeat)
    bare = median_of([py, "-c", f"import openpyxl; openpyxl.load_workbook({one!r})"], args.repeat)

    print(f"(b) {len(files)} workbooks …", file=sys.stderr)
    tenth = folder.parent / f"{folder.name}-tenth"
    tenth.mkdir(exist_ok=True)
    for f in files[: max(1, len(files) // 10)]:
        link = tenth / f.name
        if not link.exists():
            link.symlink_to(f)
    small_wall, small_peak = timed([py, "-m", "xltools", "check", str(tenth)])
    batch_wall, batch_peak = timed([py, "-m", "xltools", "check", str(folder)])
    loop_wall, loop_peak = timed([py, "-c", OPENPYXL_LOOP, *map(str, files)])

    mb = 1024 * 1024
    print(
        f"\nMachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; workbooks of {files[0].stat().st_size // 1024} KB\n"
    )
    print("| measurement | xltools check | openpyxl | ratio |")
    print("|---|---|---|---|")
    print(
        f"| (a) one workbook, wall (median of {args.repeat}) | {ours:.3f} s | {bare:.3f} s | {ours / bare:.2f}× the openpyxl time |"
    )
    print(
        f"| (b) {len(files)} workbooks, wall | {batch_wall:.1f} s | {loop_wall:.1f} s "
        f"| {loop_wall / batch_wall:.1f}× faster |"
    )
    print(f"| (b) peak memory, process tree | {batch_peak / mb:.0f} MB | {loop_peak / mb:.0f} MB | |")
    print(
        f"| peak memory at {len(list(tenth.iterdir()))} workbooks ({small_wall:.1f} s) | {small_peak / mb:.0f} MB | | |"
    )


if __name__ == "__main__":
    main()
