"""Benchmark: checking published reports as the reviewing office receives them. By hand, not in CI:

    python -m benchmarks.published                 # 1000 saved web pages, 100 PDFs
    python -m benchmarks.published --pages 200 --pdfs 20
    python -m benchmarks.published --pages 20 --pdfs 100 --jobs 2   # the goal: 2 workers

Makes N saved web pages (our own html report of a random consistent unit, wrapped in a site's
header, navigation and footer, as a browser's "save page" keeps them) and M PDFs (the same
reports printed to A4 by Chromium), in $TMPDIR/xltools-bench/published; then times
`xltools check DIR --summary 汇总.xlsx` on each folder in a fresh process (every core), and
prints the wall time, the machine's cores and its load average before the run.

Per PDF, against a floor (a reader in C that reads no tables): the CPU time of reading each PDF into its data in this
process (`import_report`, the reader warm) beside the CPU time of `pdftotext -layout` on the same
file (poppler: characters and layout in C, no tables), median and worst ratio. CPU time, not wall
time: on a shared machine the wall time grows with the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_政府信息公开_某某区人民政府</title></head>
<body><div class="header"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/hdjl">互动交流</a></div>
<div class="main"><div class="position">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>
<div class="article"><div class="info">发布时间：2025-01-{day:02d} 信息来源：{name}</div>
{body}
</div></div><div class="footer">主办单位：某某区人民政府办公室 地址：某某路1号 网站标识码 0000000000</div></body></html>
"""


def _report(i: int, rng: random.Random):
    from benchmarks.generate import unit_values
    from xltools.model import Source
    from xltools.rules.checker import check

    name = f"某某区第{i:04d}局"
    values = unit_values(rng, name)
    return check(Source(f"unit-{i}", "json", values)).report


def make_pages(folder: Path, n: int) -> None:
    from xltools.render import render

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    for i in range(n):
        path = folder / f"unit-{i:04d}.html"
        report = _report(i, rng)
        if path.exists():
            continue
        html = render(report, "html").decode()
        body = html[html.index("<main>") : html.index("</main>") + len("</main>")]
        title = f"{report.name}2024年政府信息公开工作年度报告"
        path.write_text(SITE.format(title=title, name=report.name, day=1 + i % 28, body=body), encoding="utf-8")


def make_pdfs(folder: Path, n: int) -> None:
    from playwright.sync_api import sync_playwright

    from xltools.render import render

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(14)
    todo = []
    for i in range(n):
        report = _report(i, rng)
        if not (folder / f"unit-{i:04d}.pdf").exists():
            todo.append((i, render(report, "html")))
    if not todo:
        return
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for i, html in todo:
            src = Path(tmp) / f"{i}.html"
            src.write_bytes(html)
            page.goto(src.as_uri())
            page.pdf(path=str(folder / f"unit-{i:04d}.pdf"), format="A4")
        browser.close()


def time_check(folder: Path, jobs: int | None = None) -> tuple[float, float, int, str]:
    """Wall time, and the CPU time of the whole process tree (user + system, workers included):
    on a busy machine the wall time grows with the load, the CPU time does not, and CPU time
    divided by the cores is the wall time an otherwise idle machine would need. The batch's
    workers come from a forkserver (not children of the command, so its rusage misses them): the
    tree's CPU is sampled from /proc every 50 ms (a worker's last 50 ms may be missed)."""
    summary = folder.parent / f"{folder.name}-汇总.xlsx"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xltools",
            "check",
            str(folder),
            "--summary",
            str(summary),
            "--force",
            *(["-j", str(jobs)] if jobs else []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: dict[int, float] = {}
    while proc.poll() is None:
        seen.update(_tree_cpu(proc.pid))
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    elapsed = time.perf_counter() - start
    last = stdout.strip().splitlines()[-1] if stdout else stderr[-300:]
    return elapsed, sum(seen.values()), proc.returncode, f"load average {load:.1f} before; {last}"


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of `root` and every process descending from it, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return {pid: cpu[pid] for pid in tree if pid in cpu}


def pdf_floor(folder: Path) -> None:
    """Each PDF read by xltools (CPU seconds in this process) against pdftotext on the same file
    (CPU seconds of the child: its start included, as a user of it pays it too)."""
    import resource
    import shutil
    import statistics

    from xltools.published import import_report

    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs or not shutil.which("pdftotext"):
        print("pdftotext not installed or no PDFs: no floor")
        return
    import_report(pdfs[0])  # the reader's imports are paid once per process
    ours, floor = [], []
    for path in pdfs:
        start = time.process_time()
        import_report(path)
        ours.append(time.process_time() - start)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        floor.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    ratios = [a / max(b, 1e-3) for a, b in zip(ours, floor, strict=True)]
    print(
        f"{len(pdfs)} PDFs read: xltools {statistics.median(ours) * 1000:.0f} ms median CPU each "
        f"(total {sum(ours):.2f} s), pdftotext {statistics.median(floor) * 1000:.0f} ms median "
        f"(total {sum(floor):.2f} s); ratio median {statistics.median(ratios):.1f}x, worst {max(ratios):.1f}x, "
        f"totals {sum(ours) / max(sum(floor), 1e-3):.1f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--pdfs", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=None, help="check's -j (default: every core)")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "xltools-bench" / "published")
    args = ap.parse_args()
    pages, pdfs = args.dir / f"pages-{args.pages}", args.dir / f"pdfs-{args.pdfs}"
    make_pages(pages, args.pages)
    make_pdfs(pdfs, args.pdfs)
    print(f"cores: {os.cpu_count()}")
    pdf_floor(pdfs)
    for label, folder, n in (("saved web pages", pages, args.pages), ("PDFs", pdfs, args.pdfs)):
        elapsed, cpu, code, tail = time_check(folder, args.jobs)
        cores = args.jobs or len(os.sched_getaffinity(0))
        print(
            f"{n} {label}: wall {elapsed:.1f} s; CPU {cpu:.1f} s ({cpu / n * 1000:.0f} ms each), "
            f"i.e. {cpu / cores:.1f} s on {cores} idle cores ({cores} workers); exit {code}; {tail}"
        )


if __name__ == "__main__":
    main()
