"""Bounded load test of the web page on loopback (kept out of CI).

Starts `xltools serve` on 127.0.0.1 in a child process, sends a fixed number of uploads from a
few concurrent clients (good and broken workbooks, the JSON example, a batch, a docx build, and
hostile files), checks every answer, and samples the server's resident memory and open file
descriptors from /proc. It stops by itself: after the given number of uploads, or at the time limit.

    python -m benchmarks.web_load [--uploads 400] [--clients 8] [--time-limit 600]
    python -m benchmarks.web_load --large --uploads 24 --clients 6   # 5 files of 19 MB per upload

`--large` sends only batches of five 19 MB files (random bytes named .xlsx, and workbooks padded
with a 19 MB stored part), the case where memory used to grow with the number of concurrent
uploads; `--server-pythonpath` runs the server from another checkout (to compare before/after).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.generate import unit_values
from xltools.workbook.template import template_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "suoluo-2024.json"


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<a/>")
        zf.writestr("xl/big.xml", b"\0" * (40 * 1024 * 1024))
    return out.getvalue()


def workload(rng: random.Random) -> list[tuple[str, str, list[tuple[str, bytes]], int]]:
    """(label, url, files, expected status) kinds, chosen at random for each upload."""
    good = template_bytes(unit_values(rng, "负载测试市某某局"))
    broken_values = unit_values(rng, "负载测试市另一局")
    broken_values["requests.new.natural"] = broken_values.get("requests.new.natural", 0) + 7
    broken = template_bytes(broken_values)
    example = EXAMPLE.read_bytes()
    batch = [(f"单位{i}.xlsx", template_bytes(unit_values(rng, f"负载测试市第{i}局"))) for i in range(5)]
    return [
        ("good xlsx page", "/check", [("好.xlsx", good)], 200),
        ("broken xlsx page", "/check", [("坏.xlsx", broken)], 200),
        ("example json api", "/api/check", [("example.json", example)], 200),
        ("batch of 5 page", "/check", batch, 200),
        ("docx build", "/api/build/docx", [("example.json", example)], 200),
        ("zip bomb", "/check", [("炸弹.xlsx", _bomb())], 422),
        ("garbage", "/check", [("乱码.xlsx", os.urandom(50_000))], 422),
        ("truncated", "/api/check", [("截断.xlsx", good[: len(good) // 2])], 422),
    ]


LARGE = 19 * 1024 * 1024


def large_workload(rng: random.Random) -> list[tuple[str, str, list[tuple[str, bytes]], int]]:
    """Batches of five 19 MB files: what a clerk's folder of scanned attachments looks like."""
    good = template_bytes(unit_values(rng, "负载测试市大文件局"))
    padded = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(zipfile.ZipInfo("xl/media/image1.png"), os.urandom(LARGE - len(good) - 4096))
    padded_bytes = padded.getvalue()
    noise = [os.urandom(LARGE) for _ in range(3)]
    batch = [(f"大{i}.xlsx", noise[i % 3] if i % 2 else padded_bytes) for i in range(5)]
    return [("5×19 MB page", "/check", batch, 200), ("5×19 MB api", "/api/check", batch, 200)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the worker pool's fork server and workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def sample(pid: int) -> tuple[int, int]:
    """(resident memory in KiB of the server and its worker processes, the server's open file
    descriptors)."""
    rss = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def page_client(base: str, n: int) -> httpx.Client:
    """Client number `n`, from its own loopback address (the server gives one address at most
    two upload slots), with the page's CSRF cookie and token, as a browser that opened the page."""
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + n % 200}")
    c = httpx.Client(timeout=300, transport=transport)
    c.get(base + "/")
    c.headers["X-CSRF-Token"] = next((v for k, v in c.cookies.items() if k.startswith("xltools_csrf")), "")
    return c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=400)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--large", action="store_true", help="only batches of five 19 MB files")
    ap.add_argument("--server-pythonpath", help="run the server from this checkout (default: this one)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    kinds = large_workload(rng) if args.large else workload(rng)
    env = dict(os.environ)
    if args.server_pythonpath:
        env["PYTHONPATH"] = args.server_pythonpath
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "xltools", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 2
            time.sleep(0.2)

        def one(kind, client: httpx.Client) -> tuple[str, bool, float]:
            label, url, files, expected = kind
            start = time.perf_counter()
            try:
                r = client.post(base + url, files=[("files" if "check" in url else "file", f) for f in files])
                ok = r.status_code == expected and "Traceback" not in r.text[:20000]
            except httpx.HTTPError:
                ok = False
            return label, ok, time.perf_counter() - start

        # warm up: every kind once, then take the baseline
        with contextlib.closing(page_client(base, 0)) as c:
            for kind in kinds:
                one(kind, c)
        baseline = sample(server.pid)
        samples = [baseline]
        stop = threading.Event()

        def sampler():
            while not stop.wait(0.1 if args.large else 0.5):
                samples.append(sample(server.pid))

        threading.Thread(target=sampler, daemon=True).start()
        plan = [rng.choice(kinds) for _ in range(args.uploads)]
        end_by = time.monotonic() + args.time_limit
        results: list[tuple[str, bool, float]] = []
        lock = threading.Lock()

        def worker(n: int, share: list):
            with contextlib.closing(page_client(base, n)) as c:
                for kind in share:
                    if time.monotonic() > end_by:
                        return
                    res = one(kind, c)
                    with lock:
                        results.append(res)

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(worker, range(args.clients), [plan[i :: args.clients] for i in range(args.clients)]))
        elapsed = time.perf_counter() - started
        stop.set()
        time.sleep(1)
        after = sample(server.pid)
        half = samples[len(samples) // 2]

        failed = [r for r in results if not r[1]]
        times = sorted(r[2] for r in results)
        print(f"uploads sent: {len(results)} of {args.uploads} from {args.clients} clients in {elapsed:.1f} s")
        print(f"failed answers: {len(failed)}" + (f" ({sorted({r[0] for r in failed})})" if failed else ""))
        if times:
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"latency: median {statistics.median(times) * 1000:.0f} ms, 95% {p95 * 1000:.0f} ms")
            print(f"throughput: {len(results) / elapsed:.1f} uploads/s")
        by_kind: dict[str, list[float]] = {}
        for label, _, took in results:
            by_kind.setdefault(label, []).append(took)
        print(
            "mix (count, median ms): "
            + ", ".join(f"{k} {len(v)}×{statistics.median(v) * 1000:.0f}" for k, v in sorted(by_kind.items()))
        )
        print(
            f"server memory (RSS, with its worker processes): after warm-up {baseline[0] / 1024:.0f} MiB, half-way {half[0] / 1024:.0f} MiB, "
            f"peak {max(s[0] for s in samples) / 1024:.0f} MiB, at the end {after[0] / 1024:.0f} MiB"
        )
        print(
            f"server open files: after warm-up {baseline[1]}, peak {max(s[1] for s in samples)}, at the end {after[1]}"
        )
        still = httpx.get(base + "/", timeout=5).status_code
        print(f"server still serving: {'yes' if still == 200 else 'NO'}")
        return 0 if not failed and still == 200 and len(results) == args.uploads else 1
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
