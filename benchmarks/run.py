"""Benchmark: xltools check against the raw-read floor and openpyxl. Run by hand, never in CI:

    pip install python-calamine                   # the floor; a benchmark-only dependency
    python -m benchmarks.run                      # 1,000 and 10,000 workbooks in $TMPDIR/xltools-bench
    python -m benchmarks.run --write-readme       # and put the figures into README.md

Measured in one run, on the cores this process may use:
(a) one workbook: `xltools check F` (a fresh process, imports included) against
    `python -c "import openpyxl; openpyxl.load_workbook(F)"`; the median of --repeat runs each.
(b) `xltools check DIR --summary S` on N and on 10×N workbooks (every core), against the floor:
    python-calamine reading every sheet of the same files with a pool on the same cores
    (benchmarks/floor.py), and against a plain sequential openpyxl `load_workbook` loop (over the
    first --openpyxl of them: at a few hundred ms a file, all 1,000 would take minutes).
(c) `check DIR --previous-dir LAST --summary S` on the N, last year's report of each unit in LAST.
The N-file timings of (b) and (c) and their floor are taken in turn, --runs times, and their
medians reported (a machine's speed wanders by a tenth from minute to minute). Wall time of each
command, and the peak resident memory of its whole process tree (workers included, sampled from
/proc; shared pages counted once per process, so the figure errs high).
The 10×N folder holds each of the N workbooks ten times (making 10,000 distinct ones takes about
half an hour on two cores); last year's report of each unit agrees with this year's as a real one does
(benchmarks/generate.previous_values: the carries hold, the texts are its own).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENPYXL_LOOP = "import openpyxl, sys\nfor f in sys.argv[1:]:\n    openpyxl.load_workbook(f)\n"


def _make(args: tuple[Path, Path, int, int]) -> None:
    import random

    from benchmarks.generate import previous_values, unit_values
    from xltools.workbook.template import template_bytes

    folder, previous, start, stop = args
    for i in range(start, stop):
        path, last = folder / f"unit-{i:04d}.xlsx", previous / f"unit-{i:04d}.xlsx"
        if not (path.exists() and last.exists()):
            values = unit_values(random.Random(i), f"测试市第{i}单位")
            path.write_bytes(template_bytes(values))
            last.write_bytes(template_bytes(previous_values(values)))


def fingerprint() -> str:
    """What the workbooks are made from: the template and the generator. Workbooks made by an
    older template would be checked as tampered with (every total's formula "changed")."""
    import hashlib

    from xltools.workbook.template import template_bytes

    digest = hashlib.sha256(template_bytes())
    digest.update((ROOT / "benchmarks" / "generate.py").read_bytes())
    return digest.hexdigest()


def ensure_units(base: Path, n: int, big: int) -> tuple[list[Path], list[Path], Path]:
    """n filled workbooks, last year's report of each, and the folder of n × big copies, in
    `base` (made once, in parallel, then reused while the template and the generator stay the same)."""
    folder, previous, copies = base / f"units-{n}", base / f"previous-{n}", base / f"units-{n * big}"
    stamp = base / "fingerprint"
    if not stamp.exists() or stamp.read_text() != fingerprint():
        print("Making the workbooks (the template or the generator is new) …", file=sys.stderr)
        for made in (folder, previous, copies):
            shutil.rmtree(made, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint())
    folder.mkdir(exist_ok=True)
    previous.mkdir(exist_ok=True)
    step = 25
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make, [(folder, previous, i, min(i + step, n + 1)) for i in range(1, n + 1, step)]))
    files = sorted(folder.glob("unit-*.xlsx"))[:n]
    return files, ensure_copies(files, copies, n * big), previous


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


def timed(cmd: list[str]) -> tuple[float, int, list[int]]:
    """Wall seconds, peak tree RSS and the tree RSS sampled every 10 ms, of one command (output
    discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    samples = []
    while proc.poll() is None:
        samples.append(_tree_rss(proc.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd[:4])} …")
    return wall, max(samples, default=0), samples


def growth_per_file(samples: list[int], files: int) -> float:
    """Bytes per file by which a run's memory grows: the tree RSS in its last fifth against the
    one in its second fifth (start-up and the pool's first tasks left out), medians of each."""
    fifth = len(samples) // 5
    if fifth < 2:
        return 0.0
    early, late = statistics.median(samples[fifth : 2 * fifth]), statistics.median(samples[-fifth:])
    return (late - early) / (files * 3 / 5)


def median_of(cmd: list[str], repeat: int) -> float:
    return statistics.median(timed(cmd)[0] for _ in range(repeat))


def ensure_copies(files: list[Path], folder: Path, n: int) -> list[Path]:
    """n workbooks in `folder`: the given ones over and over, as copies (not links)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"unit-{i + 1:05d}.xlsx"
        if not path.exists():
            shutil.copyfile(files[i % len(files)], path)
        out.append(path)
    return out


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


README_START = "<!-- benchmark: python -m benchmarks.run --write-readme -->"
README_END = "<!-- /benchmark -->"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of distinct workbooks (default 1000)")
    ap.add_argument("--big", type=int, default=10, help="the large folder holds this many times n (default 10)")
    ap.add_argument("--dir", type=Path, help="where the workbooks are kept (default $TMPDIR/xltools-bench)")
    ap.add_argument("--repeat", type=int, default=7, help="runs per single-workbook timing (median)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each 1,000-file timing, taken in turn (median)")
    ap.add_argument("--openpyxl", type=int, default=200, help="workbooks in the sequential openpyxl loop (default 200)")
    ap.add_argument("--write-readme", action="store_true", help="write the figures into README.md")
    args = ap.parse_args(argv)
    base = args.dir or Path(tempfile.gettempdir()) / "xltools-bench"
    py = sys.executable
    print(f"Workbooks in {base} …", file=sys.stderr)
    files, big, previous = ensure_units(base, args.n, args.big)
    folder = files[0].parent
    one = str(files[0])
    cores = len(os.sched_getaffinity(0))
    out = Path(tempfile.mkdtemp(prefix="xltools-bench-"))
    check = [py, "-m", "xltools", "check"]
    before = load()

    print("(a) one workbook …", file=sys.stderr)
    ours = median_of([*check, one], args.repeat)
    bare = median_of([py, "-c", f"import openpyxl; openpyxl.load_workbook({one!r})"], args.repeat)
    print(f"(b, c) {len(files)} workbooks, plain, floor and paired in turn, {args.runs} times …", file=sys.stderr)
    runs = [
        (
            timed([*check, str(folder), "--summary", str(out / "s1.xlsx"), "--force"]),
            timed([py, "-m", "benchmarks.floor", str(folder), "-j", str(cores)]),
            timed([*check, str(folder), "--previous-dir", str(previous), "--summary", str(out / "s3.xlsx"), "--force"]),
        )
        for _ in range(args.runs)
    ]
    small, small_floor, paired = (statistics.median(run[i][0] for run in runs) for i in range(3))
    small_peak, paired_peak = max(run[0][1] for run in runs), max(run[2][1] for run in runs)
    print(f"(b) {len(big)} workbooks …", file=sys.stderr)
    large, large_peak, large_samples = timed([*check, str(big[0].parent), "--summary", str(out / "s2.xlsx"), "--force"])
    large_floor, *_ = timed([py, "-m", "benchmarks.floor", str(big[0].parent), "-j", str(cores)])
    print("(b) openpyxl loop …", file=sys.stderr)
    sample = files[: args.openpyxl]
    loop, loop_peak, _ = timed([py, "-c", OPENPYXL_LOOP, *map(str, sample)])
    after = load()

    mb = 1024 * 1024
    growth = growth_per_file(large_samples, len(big)) / 1024
    n, m = len(files), len(big)
    kb = files[0].stat().st_size // 1024
    table = f"""性能（`python -m benchmarks.run`，不在 CI 中运行）：{cores} 核机器，Python {sys.version.split()[0]}，每份填好的模板约 {kb} KB；
测量时的系统负载（1/5/15 分钟平均）：开始 {before}，结束 {after}（机器上同时有其他任务时数字会偏大）。
“下限”是 python-calamine（Rust 编写的读取库）在同样的核数上读出同样文件的全部工作表（含 `check` 用不到的“校验”和隐藏的 `_meta`）所用的时间，即只读不查的最快速度。
{n} 个文件的三项（检查、下限、配对检查）轮流各测 {args.runs} 次取中位数，{m} 个文件各测一次。
{m} 个文件是 {n} 份各复制 {args.big} 次；每份的上年报告与本年报告衔接（上年结转、现行有效对得上，文字各写各的）。

| 测量 | xltools | 对照 | 比较 |
|---|---|---|---|
| 单个文件 `check`（含启动，{args.repeat} 次取中位数） | {ours:.3f} 秒 | openpyxl 仅打开：{bare:.3f} 秒 | {ours / bare:.2f} 倍 |
| {n} 个文件 `check --summary` | {small:.2f} 秒（每份 {small / n * 1000:.1f} 毫秒） | 下限 {small_floor:.2f} 秒 | {small / small_floor:.1f} 倍于下限 |
| {m} 个文件 `check --summary` | {large:.1f} 秒（每份 {large / m * 1000:.1f} 毫秒） | 下限 {large_floor:.1f} 秒 | {large / large_floor:.1f} 倍于下限 |
| {len(sample)} 个文件逐个用 openpyxl 打开（单进程） | | {loop:.1f} 秒（每份 {loop / len(sample) * 1000:.0f} 毫秒） | `check` 每份快 {loop / len(sample) / (small / n):.0f} 倍 |
| {n} 个文件 `check --previous-dir --summary` | {paired:.2f} 秒 | 不配对 {small:.2f} 秒 | {paired / small:.2f} 倍 |
| 峰值内存（含子进程） | {n} 个文件 {small_peak / mb:.0f} MB，{m} 个文件 {large_peak / mb:.0f} MB，配对 {paired_peak / mb:.0f} MB | openpyxl {loop_peak / mb:.0f} MB | {m} 个文件的运行中每多查一份 {growth:+.2f} KB |

按此速度，在这台 {cores} 核机器上：一个省（约一万份）约 {large / m * 10_000:.0f} 秒，全国（约 30 万份）约 {large / m * 300_000 / 60:.0f} 分钟。
内存不随文件数增长：同时在处理的文件有上限，每份的结论检查完就输出，汇总表逐行写入磁盘，主进程不保留任何一份的结果。
"""
    print()
    print(table)
    if args.write_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = text.index(README_START) + len(README_START), text.index(README_END)
        readme.write_text(text[:start] + "\n" + table + text[end:], encoding="utf-8")
        print(f"README.md updated ({README_START})", file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
