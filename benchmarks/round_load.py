"""Load benchmark of the collection service on loopback (kept out of CI).

Starts `xltools serve --data` on 127.0.0.1 in a child process over a fresh data folder, logs in
as the office and creates a round of `--units` units through the office's form, then lets
`--clients` units upload at once, each through its own link as a browser does: GET the page (for
the form's CSRF token), POST the workbook, follow the answer to the page that shows the findings.
Upload-to-findings is timed from the POST to the findings page received. Every answer is checked
(status, the verdict on the page); the server's resident memory (with its worker processes) is
sampled from /proc, from after a first upload (which starts the workers) to the end. At the end the board must show every upload.
Then the office's downloads of the whole round are timed (summary, merged totals, Word zip: each
unit's report read, or rendered, in its own call to the workers).

    python -m benchmarks.round_load [--units 200] [--clients 20] [--passes 2] [--no-downloads]

Goal (a district's units uploading near the deadline): p95 under 2 s for a workbook, no errors, memory flat.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.generate import unit_values
from xltools.workbook.template import template_bytes

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(pid: int) -> int:
    """Resident memory in KiB of a process and all its descendants (the check workers)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            lines = Path(f"/proc/{entry}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("PPid:"):
                parents[int(entry)] = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1])
    family, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in family} - family
        grew = bool(more)
        family |= more
    return sum(rss.get(p, 0) for p in family)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--passes", type=int, default=2, help="uploads per unit")
    parser.add_argument("--no-downloads", action="store_true", help="skip timing the office's downloads")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="xltools-round-load-")) / "data"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "xltools", "serve", "--data", str(folder), "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    out: list[str] = []
    threading.Thread(target=lambda: out.extend(server.stdout), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/office/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start:\n" + "".join(out))
                return 1
            time.sleep(0.1)
        password = re.search(r"记下）：(\S+)", "".join(out)).group(1)
        names = [f"负载测试区第{i:03d}单位" for i in range(1, args.units + 1)]
        office = httpx.Client(base_url=base, timeout=120)
        office.post("/office/login", data={"password": password, "csrf_token": csrf(office.get("/office/login").text)})
        page = office.get("/office/new")
        r = office.post(
            "/office/new",
            data={
                "year": str(YEAR),
                "name": "负载测试区人民政府",
                "roster": "\n".join(names),
                "csrf_token": csrf(page.text),
            },
        )
        links = re.findall(r"<code>http://127\.0\.0\.1:\d+(/u/[^<]+)</code>", r.text)
        assert len(links) == args.units, r.text[:2000]
        rng = random.Random(21)
        books = []
        for name in names:
            values = unit_values(rng, name, year=YEAR)
            if rng.random() < 0.3:  # a third with an error, as a first upload often has
                values["requests.new.natural"] = values.get("requests.new.natural", 0) + 7
            books.append(template_bytes(values))
        print(f"{args.units} units, {args.clients} uploading at once, {args.passes} uploads each; "
              f"workbooks {min(map(len, books)) // 1024}-{max(map(len, books)) // 1024} KB")  # fmt: skip

        with httpx.Client(base_url=base, timeout=120) as warm:  # starts the worker processes
            r = warm.post(links[0] + "/upload", data={"csrf_token": csrf(warm.get(links[0]).text)},
                          files={"file": ("报表.xlsx", books[0])}, follow_redirects=True)  # fmt: skip
            assert r.status_code == 200, r.text[:500]
        start_rss = tree_rss(server.pid)
        peak = [start_rss]
        stop = threading.Event()

        def sampler() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss(server.pid))
                time.sleep(0.2)

        threading.Thread(target=sampler, daemon=True).start()
        jobs = [i for _ in range(args.passes) for i in range(args.units)]
        local = threading.local()

        def one(i: int) -> tuple[float, str]:
            c = getattr(local, "client", None)
            if c is None:
                c = local.client = httpx.Client(base_url=base, timeout=120)
            try:
                token = csrf(c.get(links[i]).text)
                began = time.perf_counter()
                r = c.post(
                    links[i] + "/upload",
                    data={"csrf_token": token},
                    files={"file": ("报表.xlsx", books[i])},
                    follow_redirects=True,
                )
                took = time.perf_counter() - began
            except Exception as exc:
                return 0.0, f"{type(exc).__name__}: {exc}"
            if r.status_code != 200 or 'id="verdict"' not in r.text:
                return took, f"HTTP {r.status_code}"
            return took, ""

        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(one, jobs))
        wall = time.perf_counter() - began
        stop.set()
        time.sleep(1.0)
        end_rss = tree_rss(server.pid)
        times = sorted(t for t, e in results if not e)
        errors = [e for _, e in results if e]
        board = office.get(f"/office/{YEAR}").text
        counted = sum(int(n) for n in re.findall(r'<td class="num wide-only uploads">(\d+)</td>', board))
        p50 = statistics.median(times) if times else float("nan")
        p95 = times[int(0.95 * (len(times) - 1))] if times else float("nan")
        print(f"uploads: {len(results)} in {wall:.1f} s ({len(results) / wall:.1f}/s); errors: {len(errors)}"
              + (f" (first: {errors[0]})" if errors else ""))  # fmt: skip
        print(f"upload-to-findings: p50 {p50:.2f} s, p95 {p95:.2f} s, max {times[-1]:.2f} s")
        print(
            f"server memory (with workers): start {start_rss // 1024} MB, peak {peak[0] // 1024} MB, end {end_rss // 1024} MB"
        )
        print(f"board: {counted} uploads recorded (expected {len(results) - len(errors) + 1}, with the warm-up)")
        downloaded = True
        if not args.no_downloads:  # the office's downloads of the whole round, one at a time, idle
            for what in ("summary.xlsx", "merged.xlsx", "reports.zip"):
                began = time.perf_counter()
                r = office.get(f"/office/{YEAR}/{what}", timeout=3600)
                took = time.perf_counter() - began
                downloaded = downloaded and r.status_code == 200
                print(f"download {what}: HTTP {r.status_code}, {len(r.content) // 1024} KB in {took:.1f} s")
        print(f"load average of the machine at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        return 0 if not errors and counted == len(results) + 1 and downloaded else 1
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
