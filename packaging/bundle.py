"""Build the offline bundle: xltools and every dependency (the web page included) as wheels, with
install and start scripts, for machines that have Python but no route to a package index.

    python packaging/bundle.py --platform win_amd64 --platform manylinux_x86_64 \\
        --python 3.10 3.11 3.12 3.13 -o 离线安装包

writes, per platform, a folder xltools-<version>-<platform>/ (wheels/, tools/, the scripts,
README-离线安装.txt) and a zip of it. Wheels come from PyPI proper: this machine's pip configuration
(config files, PIP_* variables: local wheel folders, extra indexes, constraints) is shut out, so the
bundle is the same wherever it is built. pip evaluates environment markers for the machine running
it, not the target, so after pip's download the closure is walked for each target (wheelset.py)
and anything pip left out is fetched too; the build fails if a requirement still has no wheel.
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wheelset  # noqa: E402

ROOT = HERE.parent
FILES = HERE / "bundle_files"
PYPI = "https://pypi.org/simple"
README = "README-离线安装.txt"
# What each platform's folder gets from bundle_files/ (besides tools/install.py).
SCRIPTS = {
    "win_amd64": ["install.bat", "xltools.bat", "serve.bat"],
    "manylinux_x86_64": ["install.sh", "xltools.sh", "serve.sh"],
}


def pip(*args: str, check: bool = True) -> bool:
    """Run pip quietly in the isolated environment; False when it failed and check is off (its
    complaint is then not shown: fill() names what is still missing in the end)."""
    command = [sys.executable, "-m", "pip", "-q", *args]
    done = subprocess.run(command, env=wheelset.pip_env(), check=check, capture_output=not check)
    return done.returncode == 0


def build_wheel(dest: Path) -> Path:
    """The xltools wheel, built from this source tree (in a copy: the tree gets no build/ folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(
            ROOT,
            src,
            ignore=shutil.ignore_patterns(
                ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "tests", "benchmarks"
            ),
        )
        pip("wheel", "--no-deps", "--index-url", PYPI, "-w", str(dest), str(src))
    (wheel,) = dest.glob("xltools-*.whl")
    return wheel


def download(requirement: str, folder: Path, target: wheelset.Target, index: str, check: bool = True) -> bool:
    return pip("download", "--index-url", index, "--dest", str(folder), *target.pip_options(), requirement, check=check)


def fill(folder: Path, local: str, root: str, targets: list[wheelset.Target], index: str) -> None:
    """Download until every target's closure of `root` is complete: pip's own pass over the local
    wheel `local` for each target, then what pip left out (it evaluates markers and Requires-Python
    for this machine, not the target). Checked again for every target after each download: a newer
    wheel fetched for one Python version can change what another one resolves to."""
    for target in targets:
        download(local, folder, target, index)
    while True:
        lacking = {target: complete(folder, root, target) for target in targets}
        if not any(lacking.values()):
            return
        before = set(folder.iterdir())
        for target, missing in lacking.items():
            for requirement in missing:  # some may be unobtainable (on a path the resolver then leaves)
                download(requirement, folder, target, index, check=False)
        if set(folder.iterdir()) == before:
            raise SystemExit(
                "这些依赖没有可用的 wheel：\n"
                + "\n".join(f"  {t.platform} Python {t.python}: {', '.join(m)}" for t, m in lacking.items() if m)
            )


def complete(folder: Path, root: str, target: wheelset.Target) -> list[str]:
    """What the target still lacks to install `root` from `folder` alone (requirement texts)."""
    return wheelset.closure(wheelset.wheels_in(folder), root, target).missing


def copy_file(name: str, folder: Path, values: dict[str, str], as_name: str | None = None) -> None:
    """A file of bundle_files/ with its {{PLACEHOLDERS}} filled. For Windows, text files get CRLF
    (a .bat with bare LF breaks labels) and the README a BOM (older Notepad reads UTF-8 without one as GBK)."""
    text = (FILES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise SystemExit(f"{name}: a placeholder is left: {text[text.index('{{') :][:40]}")
    target = folder / (as_name or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    windows = values["PLATFORM"].startswith("win")
    if windows and target.suffix in (".bat", ".txt"):
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = text.encode("utf-8")
    if windows and target.name == README:
        data = b"\xef\xbb\xbf" + data
    target.write_bytes(data)
    if target.suffix == ".sh":
        target.chmod(0o755)


class GbkName(zipfile.ZipInfo):
    """A zip entry named for Windows' own zip support (Explorer), which reads names in the system's
    code page and ignores the UTF-8 flag: the name in GBK (code page 936, a Chinese Windows), and
    in UTF-8 in the Info-ZIP Unicode Path extra field that 7-Zip, WinRAR, Bandizip and unzip read."""

    def __init__(self, filename: str):
        super().__init__(filename)
        try:
            filename.encode("ascii")
        except UnicodeEncodeError:
            utf8, gbk = filename.encode("utf-8"), filename.encode("gbk")
            self.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(gbk)) + utf8

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own hook (private, in 3.10 to 3.14)
        try:
            return self.filename.encode("ascii"), self.flag_bits
        except UnicodeEncodeError:
            return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_folder(folder: Path, windows: bool = False) -> Path:
    """One zip with the folder inside, .sh executable; names in UTF-8 (zipfile marks them so), for
    Windows in GBK with a UTF-8 copy (GbkName)."""
    archive = folder.parent / (folder.name + ".zip")
    part = folder.parent / (folder.name + ".zip.part")
    entry = GbkName if windows else zipfile.ZipInfo
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = entry(str(path.relative_to(folder.parent).as_posix()))
                info.compress_type = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
                info.external_attr = (0o100755 if path.suffix == ".sh" else 0o100644) << 16
                zf.writestr(info, path.read_bytes())
    part.replace(archive)
    return archive


def make(platform: str, pythons: list[str], out: Path, xltools_wheel: Path, index: str, force: bool) -> Path:
    """One platform's folder and zip; an earlier one is replaced only with force."""
    version = xltools_wheel.name.split("-")[1]
    folder = out / f"xltools-{version}-{platform}"
    for old in (folder, out / f"{folder.name}.zip"):
        if old.exists() and not force:
            raise SystemExit(f"{old} 已存在。要替换它，请加 --force。")
    if folder.exists():
        shutil.rmtree(folder)
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy2(xltools_wheel, wheels)
    root = f"xltools[web]=={version}"
    targets = wheelset.targets([platform], pythons)
    fill(wheels, str(wheels / xltools_wheel.name) + "[web]", root, targets, index)
    listed = wheelset.wheels_in(wheels)
    manifest = {
        "xltools": version,
        "platform": platform,
        "pythons": pythons,
        "requirement": root,
        "wheels": sorted(w.path.name for w in listed),
    }
    write_files(folder, platform, pythons, manifest)
    return zip_folder(folder, windows=platform.startswith("win"))


def write_files(folder: Path, platform: str, pythons: list[str], manifest: dict) -> None:
    """Everything but the wheels: tools/ (the manifest, the install helper, messages), the scripts, the README."""
    tools = folder / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    (tools / "bundle.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    newest_first = sorted(pythons, key=lambda v: wheelset.Target(platform, v).version, reverse=True)
    values = {
        "VERSION": manifest["xltools"],
        "PYTHONS": " ".join(newest_first),
        "PYTHONS_CN": "、".join(reversed(newest_first)),
        "PLATFORM": platform,
        "FOLDER": folder.name,
        "INSTALL": "install.bat" if platform.startswith("win") else "sh install.sh",
    }
    for name in [*SCRIPTS[platform], "tools/install.py", "tools/no-python.txt", "tools/not-installed.txt"]:
        copy_file(name, folder, values)
    readme = README.replace(".txt", ".win.txt" if platform.startswith("win") else ".linux.txt")
    copy_file(readme, folder, values, as_name=README)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, as README and the release checklist write it:
    --platform win_amd64|manylinux_x86_64 (repeatable) --python 3.10 [3.11 …] -o 文件夹."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--platform",
        action="extend",
        nargs="+",
        required=True,
        choices=sorted(wheelset.PLATFORMS),
        help="目标平台（可写多个，也可重复）",
    )
    parser.add_argument(
        "--python", action="extend", nargs="+", required=True, metavar="3.X", help="目标 Python 版本（可重复，3.10 起）"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="文件夹", help="输出文件夹")
    parser.add_argument("--index-url", default=PYPI, help=f"下载依赖的软件包索引（默认 {PYPI}）")
    parser.add_argument("--force", action="store_true", help="替换输出文件夹中已有的同名安装包")
    args = parser.parse_args(argv)
    args.platform = list(dict.fromkeys(args.platform))
    args.python = list(dict.fromkeys(args.python))
    for v in args.python:
        if not wheelset.PYTHON.fullmatch(v):
            parser.error(f"Python 版本“{v}”不对：写成 3.10、3.11 这样，3.10 起")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    pythons: list[str] = args.python
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        xltools_wheel = build_wheel(Path(tmp))
        for platform in args.platform:
            archive = make(platform, pythons, out, xltools_wheel, args.index_url, args.force)
            folder = out / archive.name.removesuffix(".zip")
            count = len(list((folder / "wheels").glob("*.whl")))
            print(
                f"{archive}  {size(archive) / 1e6:.1f} MB zip, {size(folder) / 1e6:.1f} MB unpacked, {count} wheels",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
