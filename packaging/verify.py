"""Prove offline bundles complete, without network (CI runs this after bundle.py).

    python packaging/verify.py 文件夹 [--run]

For each bundle zip in the folder (made by bundle.py) and each Python version it is made for:
- resolve xltools[web] from its wheels alone, markers and Requires-Python evaluated for that target
  (wheelset.closure; pip cannot do this for another platform or Python) and fail naming every
  requirement without a wheel;
- ask pip too: `pip install --dry-run --no-index --only-binary=:all: --platform … --python-version …
  --find-links wheels xltools[web]` must succeed.
With --run, a Linux bundle made for this interpreter's Python is unpacked into a folder whose name
has Chinese and spaces, installed by its own install.sh with this Python, with the network cut off
(`unshare -n` where the machine allows it), template, check and build run through xltools.sh (cut off
too), and serve through serve.sh (on loopback: one HTTP request, then stopped), as the web page and
as the collection service (`--data`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wheelset  # noqa: E402

ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "suoluo-2024.xlsx"


def unpack(archive: Path, into: Path) -> Path:
    """The bundle's folder, unpacked from its zip (what the IT person gets), scripts executable."""
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
        for info in zf.infolist():
            mode = info.external_attr >> 16
            if mode:
                (into / info.filename).chmod(mode & 0o777)
    (folder,) = [p for p in into.iterdir() if p.is_dir()]
    return folder


def check_complete(folder: Path) -> list[str]:
    """Problems with one unpacked bundle, one line each (empty: complete for all its targets)."""
    manifest = json.loads((folder / "tools" / "bundle.json").read_text(encoding="utf-8"))
    wheels = wheelset.wheels_in(folder / "wheels")
    listed = sorted(w.path.name for w in wheels)
    problems = [] if listed == manifest["wheels"] else [f"{folder.name}: wheels/ differs from tools/bundle.json"]
    if "web" not in Requirement(manifest["requirement"]).extras:
        problems.append(f"{folder.name}: the web page is left out ({manifest['requirement']}, not xltools[web])")
    for python in manifest["pythons"]:
        target = wheelset.Target(manifest["platform"], python)
        found = wheelset.closure(wheels, manifest["requirement"], target)
        where = f"{manifest['platform']} Python {python}"
        if found.missing:
            problems.append(f"{where}: no wheel for {', '.join(found.missing)}")
        else:
            print(f"{where}: {len(found.chosen)} projects, each with a wheel", flush=True)
        complaint = wheelset.pip_check(folder / "wheels", manifest["requirement"], target)
        if complaint:
            problems.append(f"{where}: pip cannot install from the bundle alone:\n{complaint}")
    return problems


def offline() -> list[str]:
    """A command prefix that cuts the network off (a new, empty network namespace), where allowed."""
    for prefix in (["unshare", "-n"], ["unshare", "-r", "-n"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
                return prefix
        except OSError:
            pass
    print("unshare is not allowed here: installing with --no-index only, network not cut off", flush=True)
    return []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_linux_bundle(archive: Path) -> None:
    """Install a Linux bundle with its own script, offline, and use it as an IT person would."""
    cut = offline()
    with tempfile.TemporaryDirectory() as tmp:
        folder = unpack(archive, Path(tmp) / "离线 安装")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
        env.pop("VIRTUAL_ENV", None)
        env.pop("DISPLAY", None)  # serve.sh opens no browser
        env.pop("WAYLAND_DISPLAY", None)

        def sh(script: str, *args: str, cwd: Path, status: int = 0, quiet: bool = False) -> str:
            done = subprocess.run(
                [*cut, "sh", str(folder / script), *args], cwd=cwd, env=env, stdout=subprocess.PIPE if quiet else None
            )
            if done.returncode != status:
                raise SystemExit(f"{script} {' '.join(args)}: exit {done.returncode}, expected {status}")
            return done.stdout.decode("utf-8") if quiet else ""

        work = Path(tmp) / "工作 目录"
        work.mkdir()
        started = time.monotonic()
        sh("install.sh", sys.executable, cwd=work)
        print(f"installed offline in {time.monotonic() - started:.0f} s", flush=True)
        shutil.copy(EXAMPLE, work / "示例 报告.xlsx")
        sh("xltools.sh", "template", "-o", "模板 2025.xlsx", cwd=work)
        checked = json.loads(
            sh("xltools.sh", "check", "--json", "示例 报告.xlsx", "模板 2025.xlsx", cwd=work, status=1, quiet=True)
        )
        assert [f["ok"] for f in checked["files"]] == [True, False], checked["summary"]  # the empty template: errors
        sh("xltools.sh", "build", "示例 报告.xlsx", "-o", "年度 报告.docx", cwd=work)
        assert (work / "模板 2025.xlsx").stat().st_size > 0 and (work / "年度 报告.docx").stat().st_size > 0
        # serve on loopback outside the cut-off namespace, so that the request can reach it
        page = _serve_once(folder, work, env, [], "/")
        assert "xltools" in page or "年度报告" in page, page[:200]
        # the collection service: its data folder made on the first start (Chinese and a space in
        # its name), the office's password generated without a terminal, the login page served
        data = work / "收集 数据"
        page = _serve_once(folder, work, env, ["--data", str(data)], "/office/login", "已生成政务公开办的登录密码")
        assert "csrf_token" in page and any(data.iterdir()), page[:200]


def _serve_once(folder: Path, work: Path, env: dict, args: list[str], path: str, said: str = "") -> str:
    """serve.sh with `args` on a free loopback port: one GET of `path`, then stopped; `said` must
    be in what it printed. No terminal on stdin (a service started by the system)."""
    port = free_port()
    server = subprocess.Popen(
        ["sh", str(folder / "serve.sh"), *args, "--port", str(port)],
        cwd=work,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = _first_page(port, server, path)
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0].decode("utf-8", "replace")
        print(out, end="", flush=True)
    command = " ".join(["serve.sh", *args])
    if said not in out:
        raise SystemExit(f"{command}: “{said}” was not printed")
    print(f"{command} answered GET {path} on port {port}", flush=True)
    return page


def _first_page(port: int, server: subprocess.Popen, path: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"serve stopped with exit {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            time.sleep(0.5)
    raise SystemExit("serve did not answer within 60 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="bundle.py 的输出文件夹")
    parser.add_argument("--run", action="store_true", help="也在本机离线安装 Linux 安装包并运行")
    args = parser.parse_args(argv)
    archives = sorted(args.folder.glob("xltools-*.zip"))
    if not archives:
        raise SystemExit(f"{args.folder}: no bundle zip")
    problems: list[str] = []
    ran = False
    here = "{}.{}".format(*sys.version_info[:2])
    runnable = []
    for archive in archives:
        with tempfile.TemporaryDirectory() as tmp:
            folder = unpack(archive, Path(tmp))
            manifest = json.loads((folder / "tools" / "bundle.json").read_text(encoding="utf-8"))
            problems += check_complete(folder)
        if manifest["platform"].startswith("manylinux") and here in manifest["pythons"]:
            runnable.append(archive)
    if args.run and not problems:
        for archive in runnable:
            run_linux_bundle(archive)
            ran = True
    if args.run and not ran and not problems:
        problems.append(f"--run: no Linux bundle for Python {here} in {args.folder}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
