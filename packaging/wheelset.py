"""A folder of wheels seen from a target machine: which wheels it can install, and whether every
requirement of xltools[web] has one.

pip cannot answer this itself for another machine: `pip download/install --platform --python-version`
picks wheel tags for the target but evaluates environment markers against the interpreter running
pip (`exceptiongroup; python_version < "3.11"` is skipped for a 3.10 target when pip runs on 3.11,
`colorama; platform_system == "Windows"` for Windows when pip runs on Linux). So the closure is
walked here, with markers evaluated for the target. Used by bundle.py (to fetch what pip left out)
and verify.py (to prove a bundle complete without network).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

# The `packaging` library (pytest, and so the test extra, brings it; else `pip install packaging`).
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

# The platforms a bundle is made for: pip's --platform values and the marker environment of the
# machine. manylinux wheels up to glibc 2.17 (CentOS 7, the oldest Linux an office runs Python 3.10 on).
PLATFORMS: dict[str, dict] = {
    "win_amd64": {
        "tags": ["win_amd64"],
        "markers": {
            "os_name": "nt",
            "sys_platform": "win32",
            "platform_system": "Windows",
            "platform_machine": "AMD64",
        },
    },
    "manylinux_x86_64": {
        "tags": [
            "manylinux_2_17_x86_64",
            "manylinux2014_x86_64",
            "manylinux_2_12_x86_64",
            "manylinux2010_x86_64",
            "manylinux_2_5_x86_64",
            "manylinux1_x86_64",
        ],
        "markers": {
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
        },
    },
}

PYTHON = re.compile(r"3\.(1[0-9])")


@dataclass(frozen=True)
class Target:
    """One machine a bundle must install on: a platform and a CPython minor version."""

    platform: str
    python: str  # "3.10"

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    @property
    def abi(self) -> str:
        return "cp{}{}".format(*self.version)

    def pip_options(self) -> list[str]:
        """pip download/install options that select this target's wheels."""
        options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python]
        for tag in PLATFORMS[self.platform]["tags"]:
            options += ["--platform", tag]
        for abi in (self.abi, "abi3", "none"):
            options += ["--abi", abi]
        return options

    def tags(self) -> set[Tag]:
        platforms = PLATFORMS[self.platform]["tags"]
        found = set(cpython_tags(self.version, [self.abi, "abi3", "none"], platforms))
        found |= set(compatible_tags(self.version, self.abi, platforms))
        return found

    def environment(self, extra: str = "") -> dict[str, str]:
        return {
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": self.python,
            "python_full_version": self.python + ".0",
            "implementation_version": self.python + ".0",
            "platform_release": "",
            "platform_version": "",
            **PLATFORMS[self.platform]["markers"],
            "extra": extra,
        }

    def applies(self, marker: Marker | None, extras: set[str]) -> bool:
        if marker is None:
            return True
        return any(marker.evaluate(self.environment(extra)) for extra in (extras or {""}))


@dataclass
class Wheel:
    path: Path
    name: str
    version: Version
    tags: frozenset[Tag]
    requires: list[Requirement] = field(default_factory=list)
    requires_python: SpecifierSet = field(default_factory=SpecifierSet)

    def installs_on(self, target: Target) -> bool:
        return bool(self.tags & target.tags()) and self.requires_python.contains(target.python + ".0")


def read_wheel(path: Path) -> Wheel:
    name, version, _build, tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as zf:
        meta = next(n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        headers = HeaderParser().parsestr(zf.read(meta).decode("utf-8"))
    requires = [Requirement(r) for r in headers.get_all("Requires-Dist") or []]
    python = SpecifierSet(headers.get("Requires-Python") or "")
    return Wheel(path, canonicalize_name(name), version, frozenset(tags), requires, python)


def wheels_in(folder: Path) -> list[Wheel]:
    return [read_wheel(p) for p in sorted(folder.glob("*.whl"))]


@dataclass
class Closure:
    """What a target would install from a folder (name -> wheel) and what it lacks (requirement texts)."""

    chosen: dict[str, Wheel]
    missing: list[str]


def closure(wheels: list[Wheel], root: str, target: Target) -> Closure:
    """Resolve `root` (e.g. "xltools[web]==0.1.0") from the wheels the target can install (tags and
    Requires-Python), markers evaluated for the target, newest version first, backtracking on a
    conflict as pip does on the target. When it fails, `missing` lists the requirements that no
    wheel satisfies on the first path tried (what to fetch, or what the bundle lacks)."""
    usable: dict[str, list[Wheel]] = {}
    for w in wheels:
        if w.installs_on(target):
            usable.setdefault(w.name, []).append(w)
    for candidates in usable.values():
        candidates.sort(key=lambda w: w.version, reverse=True)

    def deps(wheel: Wheel, extras: set[str]) -> list[Requirement]:
        return [d for d in wheel.requires if target.applies(d.marker, extras)]

    Found = tuple[dict[str, tuple[Wheel, set[str]]], list[str]]

    def resolve(pending: list[Requirement], chosen: dict[str, tuple[Wheel, set[str]]], specs: dict) -> Found | None:
        """(choice, requirements without any wheel) for the pending requirements; None on a conflict.
        A requirement no wheel satisfies is noted and passed over, so that all of them are named."""
        if not pending:
            return chosen, []
        req, rest = pending[0], pending[1:]
        name = canonicalize_name(req.name)
        specs = {**specs, name: [*specs.get(name, []), req.specifier]}
        if name in chosen:
            wheel, extras = chosen[name]
            if not req.specifier.contains(wheel.version, prereleases=True):
                return None
            new = set(req.extras) - extras
            more = deps(wheel, extras | new) if new else []
            return resolve(rest + more, {**chosen, name: (wheel, extras | new)}, specs)
        if not any(req.specifier.contains(w.version, prereleases=True) for w in usable.get(name, [])):
            found = resolve(rest, chosen, specs)
            return None if found is None else (found[0], [_without_marker(req), *found[1]])
        fits = [w for w in usable[name] if all(s.contains(w.version, prereleases=True) for s in specs[name])]
        first = None
        for wheel in fits:
            found = resolve(rest + deps(wheel, set(req.extras)), {**chosen, name: (wheel, set(req.extras))}, specs)
            if found is not None and not found[1]:
                return found
            if found is not None and (first is None or len(found[1]) < len(first[1])):
                first = found  # the branch that lacks least: what to fetch, or what to name
        return first

    found = resolve([Requirement(root)], {}, {})
    if found is None:
        return Closure({}, [f"{root}（版本冲突）"])
    return Closure({name: wheel for name, (wheel, _) in found[0].items()}, sorted(set(found[1])))


def pip_env() -> dict[str, str]:
    """The environment pip runs in: no config file and no PIP_* variable of this machine (local
    wheel folders, extra indexes, constraints), so that only what is asked for is used."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def pip_check(folder: Path, root: str, target: Target) -> str | None:
    """pip's own answer, without network: can it install `root` for the target from `folder` alone?
    None when it can, else pip's message. (pip evaluates markers and Requires-Python for the
    interpreter running it, so this alone proves little for another Python or Windows: closure()
    is the real check.) pip needs --target, never written to under --dry-run, for the platform options."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--no-index",
            "--target", str(Path(tmp) / "target"), "--find-links", str(folder), *target.pip_options(), root,
        ]  # fmt: skip
        done = subprocess.run(command, env=pip_env(), capture_output=True, text=True)
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())


def _without_marker(req: Requirement) -> str:
    extras = "[" + ",".join(sorted(req.extras)) + "]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def targets(platforms: list[str], pythons: list[str]) -> list[Target]:
    return [Target(p, v) for p in platforms for v in pythons]


__all__ = [
    "PLATFORMS",
    "PYTHON",
    "Closure",
    "Target",
    "Wheel",
    "closure",
    "pip_check",
    "pip_env",
    "read_wheel",
    "targets",
    "wheels_in",
]
