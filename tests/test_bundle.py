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
import socket
import struct
import subprocess
import sys
import time
import urllib.request
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
verify = _load("verify")
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
    for name in ("no-python.txt", "not-installed.txt"):  # shown by `type` under code page 65001: no BOM
        data = (folder / "tools" / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\n" not in data.replace(b"\r\n", b"")
        assert "install.bat" in data.decode("utf-8")


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


def test_install_helper_on_a_gbk_console(tmp_path):
    """install.bat hands its work to tools/install.py; with its output redirected on a Chinese Windows
    (code page 936) a character GBK lacks (here in the Python's path) is replaced, never an error,
    even under a strict encoding."""
    folder = _folder(tmp_path, "manylinux_x86_64", ["3.10" if HERE_PYTHON != "3.10" else "3.11"])
    odd = tmp_path / "Python😀 3" / "python"
    odd.parent.mkdir()
    odd.symlink_to(sys.executable)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    done = subprocess.run(
        [str(odd), str(folder / "tools" / "install.py")], capture_output=True, env={**clean, "PYTHONIOENCODING": "gbk"}
    )
    out = done.stdout.decode("gbk")
    assert done.returncode == 3 and b"Traceback" not in done.stderr, done.stderr.decode("gbk", "replace")
    assert f"这台电脑的 Python 是 {HERE_PYTHON}" in out and "Python? 3" in out


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
    meta += "".join(
        f"Provides-Extra: {e}\n" for e in sorted({e for r in requires for e in re.findall(r"extra == .(\w+)", r)})
    )
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    meta += f"Requires-Python: {python}\n" if python else ""
    with zipfile.ZipFile(folder / f"{name}-{version}-{tag}.whl", "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)
        zf.writestr(f"{name}-{version}.dist-info/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")


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


# --- the command line the release checklist relies on ----------------------------------------------


def test_the_documented_command_line():
    """The name and options the documentation promises (--platform win_amd64|manylinux_x86_64, --python 3.10 [3.11 …],
    -o 文件夹), and every `python packaging/bundle.py` line in README and in the script's own help."""
    args = bundle.arguments(["--platform", "win_amd64", "--python", "3.10", "3.11", "-o", "离线 安装包"])
    assert (args.platform, args.python, args.output) == (["win_amd64"], ["3.10", "3.11"], Path("离线 安装包"))
    both = bundle.arguments(
        ["--platform", "manylinux_x86_64", "--platform", "win_amd64", "--python", "3.14", "--python", "3.10", "-o", "x"]
    )
    assert both.platform == ["manylinux_x86_64", "win_amd64"] and both.python == ["3.14", "3.10"]
    listed = bundle.arguments(["--platform", "win_amd64", "manylinux_x86_64", "--python", "3.10", "-o", "x"])
    assert listed.platform == ["win_amd64", "manylinux_x86_64"]
    documented = re.findall(
        r"python packaging/bundle\.py (.+?)(?:\n\n|\n```|$)",
        (ROOT / "README.md").read_text(encoding="utf-8") + "\n\n" + bundle.__doc__,
        re.S,
    )
    assert len(documented) >= 2
    for line in documented:
        parsed = bundle.arguments(line.replace("\\\n", " ").split())
        assert set(parsed.platform) == {"win_amd64", "manylinux_x86_64"} and "3.10" in parsed.python, line


@pytest.mark.parametrize(
    "argv",
    [
        ["--platform", "win32", "--python", "3.10", "-o", "x"],
        ["--platform", "win_amd64", "--python", "3.9", "-o", "x"],
        ["--platform", "win_amd64", "--python", "3.10"],
    ],
)
def test_the_command_line_refuses(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        bundle.arguments(argv)
    assert stopped.value.code == 2
    assert "3.9" not in argv or "写成 3.10、3.11 这样" in capsys.readouterr().err


# --- building and proving a bundle, from a local index (no network) ----------------------------------


def _index(wheels: Path, into: Path) -> str:
    """A PEP 503 simple index of `wheels` on disk, as pip reads it over file://."""
    for wheel in wheels.glob("*.whl"):
        project = into / wheelset.read_wheel(wheel).name
        project.mkdir(parents=True, exist_ok=True)
        with (project / "index.html").open("a", encoding="utf-8") as page:
            page.write(f'<a href="{wheel.as_uri()}">{wheel.name}</a>\n')
    return into.as_uri()


def _world(tmp_path: Path) -> Path:
    """xltools (as a stand-in) with what pip run here would leave out for a Windows 3.10 target:
    a Windows-only and a below-3.11 dependency, a binary one per Python, the web extra's own."""
    wheels = tmp_path / "pypi"
    wheels.mkdir(parents=True)
    _wheel(
        wheels,
        "xltools",
        "0.1.0",
        "py3-none-any",
        ["core", 'colorama; platform_system == "Windows"', 'eg; python_version < "3.11"', 'webpart; extra == "web"'],
    )
    for python in ("cp310", "cp311"):
        _wheel(wheels, "core", "1.0", f"{python}-{python}-win_amd64")
    _wheel(wheels, "core", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
    for name in ("colorama", "eg", "webpart"):
        _wheel(wheels, name, "1.0", "py3-none-any")
    return wheels


@pytest.mark.slow
def test_a_bundle_is_built_and_proven_from_an_index(tmp_path):
    """make() for Windows, Python 3.10 and 3.11: the web extra in, what pip left out fetched (markers
    of the target, not this machine), one binary wheel per Python, no Linux wheel; one zip with the
    scripts and the README, proven complete by verify.py (our resolver and pip --dry-run --no-index)."""
    wheels = _world(tmp_path)
    index = _index(wheels, tmp_path / "simple")
    out = tmp_path / "离线 安装包"
    archive = bundle.make("win_amd64", ["3.10", "3.11"], out, wheels / "xltools-0.1.0-py3-none-any.whl", index, False)
    assert archive == out / "xltools-0.1.0-win_amd64.zip" and sorted(p.name for p in out.iterdir()) == [
        "xltools-0.1.0-win_amd64", "xltools-0.1.0-win_amd64.zip"
    ]  # fmt: skip
    with zipfile.ZipFile(archive) as zf:
        names = {n.encode("cp437").decode("gbk").split("/", 1)[1] for n in zf.namelist()}  # named for Explorer
    assert {n.removeprefix("wheels/") for n in names if n.startswith("wheels/")} == {
        "xltools-0.1.0-py3-none-any.whl", "colorama-1.0-py3-none-any.whl", "eg-1.0-py3-none-any.whl",
        "webpart-1.0-py3-none-any.whl", "core-1.0-cp310-cp310-win_amd64.whl", "core-1.0-cp311-cp311-win_amd64.whl",
    }  # fmt: skip
    assert {"install.bat", "xltools.bat", "serve.bat", "README-离线安装.txt", "tools/bundle.json"} <= names
    manifest = json.loads((out / "xltools-0.1.0-win_amd64" / "tools" / "bundle.json").read_text(encoding="utf-8"))
    assert manifest["requirement"] == "xltools[web]==0.1.0" and manifest["pythons"] == ["3.10", "3.11"]
    with pytest.raises(SystemExit, match="已存在"):  # nothing replaced without --force
        bundle.make("win_amd64", ["3.10"], out, wheels / "xltools-0.1.0-py3-none-any.whl", index, False)
    assert verify.main([str(out)]) == 0


def _bundle_folder(tmp_path: Path, wheels: Path, requirement: str = "xltools[web]==0.1.0") -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(wheels, folder / "wheels")
    names = sorted(p.name for p in (folder / "wheels").glob("*.whl"))
    manifest = {"platform": "win_amd64", "pythons": ["3.10", "3.11"], "requirement": requirement, "wheels": names}
    (folder / "tools").mkdir()
    (folder / "tools" / "bundle.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_verify_fails_when_a_requirement_has_no_wheel(tmp_path, capsys):
    """The CI proof for Windows: each Python version resolved from the bundle alone, by our resolver
    (markers of the target) and by pip (--dry-run --no-index --only-binary=:all: --platform win_amd64
    --python-version …); a requirement without a wheel for one version fails it, named."""
    wheels = _world(tmp_path)
    assert verify.check_complete(_bundle_folder(tmp_path / "ok", wheels)) == []
    assert "win_amd64 Python 3.11: 4 projects" in capsys.readouterr().out
    (wheels / "core-1.0-cp311-cp311-win_amd64.whl").unlink()
    (wheels / "eg-1.0-py3-none-any.whl").unlink()  # only 3.10 needs it: pip run here would not notice
    problems = verify.check_complete(_bundle_folder(tmp_path / "lacking", wheels))
    assert "win_amd64 Python 3.10: no wheel for eg" in problems
    assert "win_amd64 Python 3.11: no wheel for core" in problems
    assert any(p.startswith("win_amd64 Python 3.11: pip cannot install") and "core" in p for p in problems)
    without_web = verify.check_complete(_bundle_folder(tmp_path / "web", _world(tmp_path / "w"), "xltools==0.1.0"))
    assert without_web == ["bundle: the web page is left out (xltools==0.1.0, not xltools[web])"]


# --- Windows habits this machine can check -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_bat_command_on_a_gbk_console_opens_the_browser(bats, tmp_path):
    """serve.bat's own command line (serve --open %*) with --data a folder whose name GBK cannot
    print, output redirected on a Chinese Windows (the code page plus the .bat's error handler):
    the collection service starts, says where its data and its login are, names the folder with
    "?" for the emoji, opens the browser (here a command that notes the address) and answers."""
    code = _code(bats["serve.bat"])
    handler = next(line for line in code if "PYTHONIOENCODING=" in line).split("=", 1)[1].rstrip('"')
    command = next(line for line in code if line.startswith('"%PY%" -m xltools serve')).split()
    assert command[-1] == "%*"
    opened = tmp_path / "opened.txt"
    browser = f'{sys.executable} -c "import pathlib,sys;pathlib.Path(sys.argv[1]).write_text(sys.argv[2])" {opened} %s'
    data, port = tmp_path / "收集😀 数据", _free_port()
    env = {**os.environ, "PYTHONIOENCODING": "gbk" + handler, "PYTHONPATH": str(ROOT), "BROWSER": browser}
    env.pop("DISPLAY", None)
    argv = [sys.executable, *command[1:-1], "--data", str(data), "--port", str(port)]
    server = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(600):
            if opened.exists() or server.poll() is not None:
                break
            time.sleep(0.1)
        assert opened.read_text() == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/office/login", timeout=30) as response:
            assert "csrf_token" in response.read().decode("utf-8")
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0].decode("gbk")
    assert "Traceback" not in out and "UnicodeEncodeError" not in out, out
    assert "已生成政务公开办的登录密码" in out and f"收集? 数据”；政务公开办登录：http://127.0.0.1:{port}/office" in out


@pytest.mark.slow
def test_backslashes_in_paths_are_left_to_the_system(tmp_path):
    """xltools never splits a path itself: what the user types goes to the system unchanged (pathlib
    and open), so on Windows C:\\年度\\报告.xlsx, -o 模板\\2025.xlsx and --data D:\\收集 are Windows
    paths. On Linux a backslash is a character of a file name (a Windows zip unpacked there leaves
    such names): it is kept, never turned into a folder. Windows itself cannot be run here."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}

    def xl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "xltools", *args], capture_output=True, env=env, cwd=tmp_path, timeout=120
        )

    example = (ROOT / "examples" / "suoluo-2024.xlsx").read_bytes()
    (tmp_path / "甲\\乙.xlsx").write_bytes(example)
    (tmp_path / "年度\\报告").mkdir()
    (tmp_path / "年度\\报告" / "丙.xlsx").write_bytes(example)
    (tmp_path / "名单.txt").write_text("测试市测试区教育局\n", encoding="utf-8")
    runs = [
        (["template", "-o", "模板\\2025.xlsx"], 0),
        (["check", "甲\\乙.xlsx"], 0),
        (["check", "年度\\报告"], 0),  # a folder
        (["build", "甲\\乙.xlsx", "-o", "报告\\2025.docx"], 0),
        (
            [
                "round",
                "new",
                "--data",
                "收集\\2025",
                "--year",
                "2025",
                "--name",
                "测试市测试区人民政府",
                "--roster",
                "名单.txt",
            ],
            0,
        ),
    ]
    for args, status in runs:
        done = xl(*args)
        assert done.returncode == status, (args, done.stderr.decode("utf-8"))
    assert "丙.xlsx" in xl("check", "年度\\报告").stdout.decode("utf-8")
    made = {p.name for p in tmp_path.iterdir()}
    assert {"模板\\2025.xlsx", "报告\\2025.docx", "收集\\2025"} <= made
    assert not {"模板", "报告", "收集"} & made
    assert (tmp_path / "收集\\2025" / "store.sqlite3").is_file()
