"""The raw-read floor: python-calamine (Rust) reading every sheet of every workbook in a folder, on
the same cores as `xltools check` (a process pool, chunks of files). A benchmark-only dependency:

    pip install python-calamine
    python -m benchmarks.floor DIR [-j 2]
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def read_all(paths: list[str]) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            cells += sum(len(row) for row in wb.get_sheet_by_name(name).to_python())
    return cells


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = ap.parse_args(argv)
    files = sorted(str(p) for p in args.folder.rglob("*.xlsx"))
    size = max(1, min(32, len(files) // (args.jobs * 4)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(args.jobs) as pool:
        cells = sum(pool.map(read_all, chunks))
    print(f"{len(files)} files, {cells} cells")


if __name__ == "__main__":
    main()
