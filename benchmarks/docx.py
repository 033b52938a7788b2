"""Benchmark: building Word reports, as the collection service's Word zip does (one per unit, in a
long-lived worker process). By hand, not in CI:

    python -m benchmarks.docx                      # the examples and 30 generated units
    python -m benchmarks.docx --units 100 --repeat 5
    python -m benchmarks.docx --parts parts.json   # and every part's sha256, per report

Each report (examples/*.xlsx and *.json, and --units random consistent units made into workbooks
by benchmarks/generate.py and read back) is built `api.build(result, "docx")` --repeat times in
this process; printed: the first build in the process (cold caches), then the median and the
95th percentile of all later builds, per report, and the machine's load average.

--parts writes, per report, the sha256 of every part of the built .docx (document.xml, styles,
...): run it on two revisions and compare the files to prove that a change kept the output byte
for byte (the zip itself differs by its timestamps).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reports(units: int) -> dict[str, object]:
    """Check results to build: the examples, then `units` generated workbooks."""
    from benchmarks.generate import unit_values
    from xltools import api
    from xltools.workbook.template import template_bytes

    out: dict[str, object] = {}
    for path in sorted((ROOT / "examples").glob("*")):
        if path.suffix in (".xlsx", ".json"):
            out[path.name] = api.load_report(path)
    for i in range(units):
        values = unit_values(random.Random(i), f"测试市第{i}单位")
        out[f"unit-{i:03d}"] = api.load_bytes(template_bytes(values), f"unit-{i:03d}.xlsx")
    return out


def parts(data: bytes) -> dict[str, str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: hashlib.sha256(z.read(n)).hexdigest() for n in sorted(z.namelist())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3, help="builds of each report")
    ap.add_argument("--parts", type=Path, help="write every part's sha256 per report to this JSON file")
    args = ap.parse_args()

    from xltools import api

    results = reports(args.units)
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, {len(results)} reports")
    first = next(iter(results.values()))
    t = time.perf_counter()
    api.build(first, "docx", draft=True)
    print(f"first build in the process: {time.perf_counter() - t:.3f} s")
    times, hashes = [], {}
    for _ in range(args.repeat):
        for name, result in results.items():
            t = time.perf_counter()
            data = api.build(result, "docx", draft=True).data
            times.append(time.perf_counter() - t)
            hashes[name] = parts(data)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"per report: median {statistics.median(times):.3f} s, p95 {p95:.3f} s ({len(times)} builds)")
    if args.parts:
        args.parts.write_text(json.dumps(hashes, indent=1, sort_keys=True), encoding="utf-8")
        print(f"parts: {args.parts}")


if __name__ == "__main__":
    main()
