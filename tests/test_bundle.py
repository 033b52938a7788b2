"""The offline bundle (packaging/bundle.py), without network: the .bat files read as cmd reads them
(ASCII, CRLF, every path quoted), the .sh files and the install helper run for real in a folder
with Chinese and spaces, the CLI started the way xltools.bat starts it on a GBK console, and the
resolver that proves a bundle complete for another platform and Python version. The real bundle
(downloaded from PyPI, installed offline) is proven in CI by packaging/verify.py --run."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
HERE_PYTHON = "{}.{}".format(*sys.version_info[:2])


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(PACKAGING))  # bundle.py imports wheelset from beside it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(PACKAGING))
    return module


bundle = _load("bundle")
wheelset = bundle.wheelset


def _folder(tmp_path: Path, platform: str, pythons=PYTHONS) -> Path:
    folder = tmp_path / "离线 安装 (2025)" / f"xltools-0.1.0-{platform}"
    manifest = {"xltools": "0.1.0", "platform": platform, "pythons": pythons, "requirement": "xltools[web]==0.1.0"}
    bundle.write_files(folder, platform, pythons, {**manifest, "wheels": []})
    return folder


# --- the .bat files, read as cmd reads them ------------------------------------------------------

BATS = ["install.bat", "xltools.bat", "serve.bat"]


@pytest.fixture(scope="module")
def bats(tmp_path_factory) -> dict[str, bytes]:
    folder = _folder(tmp_path_factory.mktemp("bat"), "win_amd64")
    assert sorted(p.name for p in folder.glob("*.bat")) == sorted(BATS)
    return {name: (folder / name).read_bytes() for name in BATS}


def _lines(data: bytes) -> list[str]:
    return data.decode("ascii").split("\r\n")


def _code(data: bytes) -> list[str]:
    """The lines cmd executes (no comments, no blank lines)."""
    return [
        line.strip() for line in _lines(data) if line.strip() and not line.strip().lower().startswith(("rem ", "@echo"))
    ]


@pytest.mark.parametrize("name", BATS)
def test_bat_is_ascii_with_crlf(bats, name):
    """cmd reads a .bat in the console's code page (936 on a Chinese Windows): ASCII reads the same in
    all of them; bare LF line ends break labels and goto."""
    data = bats[name]
    data.decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert not re.search(r"(?i)^\s*rem .*%", data.decode("ascii"), re.M), "a rem line is expanded too"


@pytest.mark.parametrize("name", BATS)
def test_bat_quotes_every_path(bats, name):
    """Folders with spaces and Chinese: every use of the script's folder (%~dp0) and of a path variable
    is inside double quotes, and %~dp0 (which ends with a backslash) never closes a quote: a program
    would read backslash-quote as a literal quote."""
    for line in _code(bats[name]):
        for match in re.finditer(r"%~dp0|%PY%|%~1", line):
            assert line[: match.start()].count('"') % 2 == 1, (name, line)
        assert '%~dp0"' not in line, (name, line)


@pytest.mark.parametrize("name", BATS)
def test_bat_labels_exist_and_settings_stay_local(bats, name):
    code = _code(bats[name])
    labels = {line[1:].lower() for line in code if line.startswith(":")}
    for line in code:
        for target in re.findall(r"(?i)\b(?:goto|call) :?(\w+)", line):
            assert target.lower() in labels, (name, line)
    first = code.index("setlocal")
    assert all(not line.lower().startswith("set ") for line in code[:first]), name
    assert code[first + 1] == 'set "PYTHONIOENCODING=:replace"', name
    assert any(line.lower().startswith("exit /b") for line in code), name


def test_bats_run_xltools_from_the_venv_with_the_arguments_unchanged(bats):
    xltools, serve = _code(bats["xltools.bat"]), _code(bats["serve.bat"])
    assert 'set "PY=%~dp0venv\\Scripts\\python.exe"' in xltools
    assert '"%PY%" -m xltools %*' in xltools
    assert '"%PY%" -m xltools serve --open %*' in serve  # opens the browser; --data etc. pass through
    install = _code(bats["install.bat"])
    assert "for %%v in (3.13 3.12 3.11 3.10) do (" in install  # the bundle's versions, newest first
    assert any('"%~dp0tools\\install.py"' in line for line in install)


def test_bat_command_on_a_gbk_console(bats, tmp_path):
    """The CLI started exactly as xltools.bat starts it (its command line and its PYTHONIOENCODING),
    with output redirected on a Chinese Windows: Python writes in the code page (GBK), the .bat adds
    the error handler. Characters GBK lacks (an emoji in a file name) print without UnicodeEncodeError."""
    code = _code(bats["xltools.bat"])
    handler = next(line for line in code if "PYTHONIOENCODING=" in line).split("=", 1)[1].rstrip('"')
    command = next(line for line in code if line.startswith('"%PY%" -m xltools %*')).split()
    odd = tmp_path / "报告😀 2025.xlsx"
    odd.write_bytes((ROOT / "examples" / "suoluo-2024.xlsx").read_bytes())
    env = {**os.environ, "PYTHONIOENCODING": "gbk" + handler, "PYTHONPATH": str(ROOT)}
    runs = [(["check", str(odd)], 0, "报告? 2025.xlsx"), (["check", str(tmp_path / "没有😀.xlsx")], 2, "没有?.xlsx")]
    for args, status, shown in [*runs, (["--help"], 0, "用法")]:
        argv = [sys.executable, *command[1:-1], *args]
        proc = subprocess.run(argv, capture_output=True, env=env, cwd=tmp_path, timeout=120)
        err = proc.stderr.decode("gbk")
        assert proc.returncode == status, (args, err)
        assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
        assert shown in proc.stdout.decode("gbk") + err  # the emoji replaced, the rest as given


def test_windows_files_for_notepad_and_the_console(tmp_path):
    folder = _folder(tmp_path, "win_amd64")
    readme = (folder / "README-离线安装.txt").read_bytes()
    assert readme.startswith(b"\xef\xbb\xbf") and b"\n" not in readme.replace(b"\r\n", b"")
    text = readme.decode("utf-8-sig")
    for needed in ("install.bat", "serve.bat --data", "Python 3.10、3.11、3.12、3.13", "卸载", "python.org", "venv"):
        assert needed in text, needed
    assert not list(folder.glob("*.sh"))


# --- the .sh files and the install helper, for real --------------------------------------------


def _fake_xltools_wheel(folder: Path) -> None:
    """A stand-in xltools wheel that prints how it was started (the real one is installed in CI)."""
    files = {
        "xltools/__init__.py": "",
        "xltools/__main__.py": (
            "import json, os, sys\n"
            "if sys.argv[1:] == ['--version']:\n    print('xltools 0.1.0'); sys.exit(0)\n"
            "print(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd(), 'prefix': sys.prefix}))\n"
        ),
        "xltools-0.1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: xltools\nVersion: 0.1.0\nProvides-Extra: web\n",
        "xltools-0.1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files["xltools-0.1.0.dist-info/RECORD"] = "\n".join([*record, "xltools-0.1.0.dist-info/RECORD,,"]) + "\n"
    (folder / "wheels").mkdir(exist_ok=True)
    with zipfile.ZipFile(folder / "wheels" / "xltools-0.1.0-py3-none-any.whl", "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)


def _sh(folder: Path, script: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "DISPLAY", "WAYLAND"))}
    return subprocess.run(
        ["sh", str(folder / script), *args], capture_output=True, text=True, cwd=cwd, env={**clean, **(env or {})}
    )


@pytest.mark.slow
def test_install_sh_and_the_start_scripts(tmp_path):
    """install.sh makes venv/ next to itself offline (pip --isolated --no-index: this machine's pip
    settings play no part); xltools.sh and serve.sh run it from anywhere with the arguments unchanged."""
    folder = _folder(tmp_path, "manylinux_x86_64", [HERE_PYTHON])
    work = tmp_path / "工作 目录"
    work.mkdir()
    before = _sh(folder, "xltools.sh", "--help", cwd=work)
    assert before.returncode == 2 and "还没有安装" in before.stderr and "sh install.sh" in before.stderr
    _fake_xltools_wheel(folder)
    done = _sh(folder, "install.sh", sys.executable, cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout
    assert (folder / "venv" / "pyvenv.cfg").is_file()
    ran = _sh(folder, "xltools.sh", "check", "年度 报告/甲 单位.xlsx", "--json", cwd=work)
    shown = json.loads(ran.stdout)
    assert shown["argv"] == ["check", "年度 报告/甲 单位.xlsx", "--json"]
    assert Path(shown["cwd"]) == work and Path(shown["prefix"]) == folder / "venv"
    served = json.loads(_sh(folder, "serve.sh", "--data", "收集 数据", cwd=work).stdout)
    assert served["argv"] == ["serve", "--data", "收集 数据"]  # no desktop: no browser
    on_desktop = json.loads(_sh(folder, "serve.sh", cwd=work, env={"DISPLAY": ":0"}).stdout)
    assert on_desktop["argv"] == ["serve", "--open"]
    again = _sh(folder, "install.sh", sys.executable, cwd=work)  # an upgrade in place
    assert again.returncode == 0, again.stdout + again.stderr


def test_install_refuses_a_python_the_bundle_is_not_for(tmp_path):
    other = "3.10" if HERE_PYTHON != "3.10" else "3.11"
    folder = _folder(tmp_path, "manylinux_x86_64", [other])
    done = _sh(folder, "install.sh", sys.executable, cwd=tmp_path)
    assert done.returncode == 3
    assert f"这台电脑的 Python 是 {HERE_PYTHON}" in done.stdout and f"适用于 Python {other}" in done.stdout
    assert not (folder / "venv").exists()


def test_install_sh_without_a_python_says_what_to_do(tmp_path):
    folder = _folder(tmp_path, "manylinux_x86_64", ["3.10"])
    tools = tmp_path / "bin"  # a PATH with the shell's tools and no python
    tools.mkdir()
    for tool in ("sh", "dirname", "cat"):
        (tools / tool).symlink_to(shutil.which(tool))
    done = _sh(folder, "install.sh", cwd=tmp_path, env={"PATH": str(tools)})
    assert done.returncode == 3 and "没有找到可用的 Python" in done.stderr


# --- completeness for another machine ------------------------------------------------------------


def _wheel(folder: Path, name: str, version: str, tag: str, requires=(), python: str = "") -> None:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    meta += f"Requires-Python: {python}\n" if python else ""
    with zipfile.ZipFile(folder / f"{name}-{version}-{tag}.whl", "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)


def test_closure_evaluates_markers_tags_and_requires_python_for_the_target(tmp_path):
    """What pip gets wrong when it runs on another machine: markers are the target's
    (exceptiongroup only below 3.11, colorama only on Windows), binary wheels must match the target's
    Python and platform, a version whose Requires-Python excludes the target is passed over and the
    resolver backtracks (pdf 2.0 wants pil>=13, which has no 3.10 wheel: pdf 1.0 it is)."""
    _wheel(
        tmp_path,
        "app",
        "1.0",
        "py3-none-any",
        ['eg; python_version < "3.11"', "colorama; platform_system == 'Windows'", "pdf", "web; extra == 'web'"],
    )
    _wheel(tmp_path, "pdf", "2.0", "py3-none-any", ["pil>=13"])
    _wheel(tmp_path, "pdf", "1.0", "py3-none-any", ["pil"])
    _wheel(tmp_path, "pil", "13.0", "cp311-cp311-win_amd64", python=">=3.11")
    _wheel(tmp_path, "pil", "12.0", "cp310-cp310-win_amd64")
    _wheel(tmp_path, "pil", "12.0", "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64")
    _wheel(tmp_path, "web", "1.0", "py3-none-any", python=">=3.10")
    wheels = wheelset.wheels_in(tmp_path)

    def resolve(platform, python, root="app[web]"):
        return wheelset.closure(wheels, root, wheelset.Target(platform, python))

    win310 = resolve("win_amd64", "3.10")
    assert win310.missing == ["colorama", "eg"]
    _wheel(tmp_path, "eg", "1.3", "py3-none-any")
    _wheel(tmp_path, "colorama", "0.4.6", "py2.py3-none-any")
    wheels = wheelset.wheels_in(tmp_path)
    win310 = resolve("win_amd64", "3.10")
    assert win310.missing == []
    assert {n: str(w.version) for n, w in win310.chosen.items()} == {
        "app": "1.0", "eg": "1.3", "colorama": "0.4.6", "pdf": "1.0", "pil": "12.0", "web": "1.0"
    }  # fmt: skip
    assert set(resolve("win_amd64", "3.11").chosen) == {"app", "colorama", "pdf", "pil", "web"}
    assert resolve("win_amd64", "3.11").chosen["pdf"].version.major == 2
    assert resolve("manylinux_x86_64", "3.10", "app").chosen.keys() == {"app", "eg", "pdf", "pil"}
    assert resolve("manylinux_x86_64", "3.11").missing == ["pil>=13"]  # no cp311 Linux wheel at all


def test_the_bundle_never_sees_this_machines_pip_settings():
    env = wheelset.pip_env()
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert not [
        k for k in env if k.startswith("PIP_") and k not in ("PIP_CONFIG_FILE", "PIP_DISABLE_PIP_VERSION_CHECK")
    ]
    options = wheelset.Target("win_amd64", "3.10").pip_options()
    assert options[:1] == ["--only-binary=:all:"] and "cp310" in options and "win_amd64" in options


def test_the_windows_zip_names_its_readme_for_explorer_and_for_7zip(tmp_path):
    """Explorer reads zip names in the system code page and ignores the UTF-8 flag: the Windows zip
    names README-离线安装.txt in GBK, with the UTF-8 name in the Info-ZIP Unicode Path field (7-Zip,
    WinRAR, Bandizip, unzip). The Linux zip keeps UTF-8 names, flagged."""
    wanted = "xltools-0.1.0-win_amd64/README-离线安装.txt"
    archive = bundle.zip_folder(_folder(tmp_path, "win_amd64"), windows=True)
    with zipfile.ZipFile(archive) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".txt") and "/tools/" not in i.filename)
        raw = info.filename.encode("cp437")  # zipfile's reading of a name without the UTF-8 flag
        assert not info.flag_bits & 0x800 and raw.decode("gbk") == wanted
        tag, size, version, crc = struct.unpack("<HHBI", info.extra[:9])
        assert (tag, size, version, crc) == (0x7075, 5 + len(wanted.encode()), 1, zlib.crc32(raw))
        assert info.extra[9:].decode("utf-8") == wanted
        assert zf.read(info).startswith(b"\xef\xbb\xbf")
    if shutil.which("unzip"):  # Info-ZIP reads the Unicode Path field
        listed = subprocess.run(
            ["unzip", "-Z1", str(archive)], capture_output=True, env={**os.environ, "LANG": "C.UTF-8"}
        )
        assert wanted in listed.stdout.decode("utf-8").splitlines()
    linux = bundle.zip_folder(_folder(tmp_path / "linux", "manylinux_x86_64"))
    with zipfile.ZipFile(linux) as zf:
        names = {i.filename: i for i in zf.infolist()}
        readme = names["xltools-0.1.0-manylinux_x86_64/README-离线安装.txt"]
        assert readme.flag_bits & 0x800
        assert names["xltools-0.1.0-manylinux_x86_64/install.sh"].external_attr >> 16 == 0o100755
