"""The bounds corpus measured: every case of tests/corpus.py (workbooks, JSON and the
foreign files), tests/test_bounds_published.py (web pages, Word, text) and tests/test_bounds_pdf.py,
each checked by `python -m xltools check FILE` in a fresh process under the test's limits (5 s of
CPU, 500 MB of address space), as the bounds tests run them. By hand, never in CI:

    python -m benchmarks.bounds            # every case, then the worst of each format
    python -m benchmarks.bounds --repeat 3 # each case three times, its median CPU and largest peak

Per case: CPU seconds of the child (user + system, os.wait4), wall seconds, peak resident memory
(ru_maxrss), the exit status. A fresh Python with xltools' imports is included in every figure
(`xltools check` of the example .json is printed first as that floor). Where a format's worst
case is, is what README's bounds paragraph states.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cases(folder: Path) -> list[tuple[str, Callable[[], Path]]]:
    """(name, make) of every case; make() writes the file and returns its path."""
    from tests import corpus
    from tests.test_bounds_pdf import CASES as PDF
    from tests.test_bounds_published import CASES as PUBLISHED

    out: list[tuple[str, Callable[[], Path]]] = []
    for case in corpus.CASES:
        if case.soffice and not corpus.SOFFICE:
            continue

        def make(case=case) -> Path:
            sub = folder / case.name
            sub.mkdir()
            return case.build(sub)

        out.append((case.name, make))
    for name, (data, *_rest) in [*PUBLISHED.items(), *PDF.items()]:

        def write(name=name, data=data) -> Path:
            path = folder / name
            path.write_bytes(data())
            return path

        out.append((name, write))
    return out


def _format(path: Path) -> str:
    if path.is_dir():
        return "folder"
    suffix = path.suffix.lower().lstrip(".")
    return {"xlsm": "xlsx", "htm": "html"}.get(suffix, suffix or "none")


def main() -> None:
    from tests.test_bounds import run_bounded

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case (median CPU, largest peak)")
    parser.add_argument("--only", default="", help="cases whose name contains this")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)
    worst: dict[str, dict[str, tuple[float, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="xltools-bounds-") as tmp:
        folder = Path(tmp)
        floor = ROOT / "examples" / "suoluo-2024.json"
        status, cpu, peak, _ = run_bounded("check", str(floor))
        print(f"floor: check {floor.name}: {cpu:.2f} s CPU, {peak >> 20} MB (status {status})")
        print("| case | format | size | status | CPU s | wall s | peak MB |")
        for name, make in _cases(folder):
            if args.only not in name:
                continue
            try:
                path = make()
            except Exception as exc:  # a case that cannot be made here (no LibreOffice, …)
                print(f"| {name} | - | - | not made: {exc!r} | | | |")
                continue
            fmt = _format(path)
            size = path.stat().st_size if path.is_file() else 0
            cpus, peaks, walls, codes = [], [], [], []
            for _ in range(args.repeat):
                started = time.monotonic()
                status, cpu, peak, _err = run_bounded("check", str(path))
                walls.append(time.monotonic() - started)
                cpus.append(cpu)
                peaks.append(peak)
                codes.append(status)
            cpu, wall, peak = statistics.median(cpus), statistics.median(walls), max(peaks)
            shown = "/".join(sorted({str(c) for c in codes}))
            print(f"| {name} | {fmt} | {size / 1024:,.0f} KB | {shown} | {cpu:.2f} | {wall:.2f} | {peak >> 20} |")
            sys.stdout.flush()
            mine = worst.setdefault(fmt, {"cpu": (0.0, ""), "peak": (0.0, "")})
            if cpu > mine["cpu"][0]:
                mine["cpu"] = (cpu, name)
            if peak > mine["peak"][0]:
                mine["peak"] = (peak, name)
            if path.is_file():
                path.unlink()
    print("\n| format | worst CPU | case | worst peak | case |")
    for fmt, w in sorted(worst.items()):
        print(f"| {fmt} | {w['cpu'][0]:.2f} s | {w['cpu'][1]} | {int(w['peak'][0]) >> 20} MB | {w['peak'][1]} |")


if __name__ == "__main__":
    main()
