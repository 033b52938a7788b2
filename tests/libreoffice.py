"""Driving the real spreadsheet program: LibreOffice headless, with a throwaway profile.

LibreOffice does not recalculate an .xlsx on load unless told to, so the profile sets
OOXMLRecalcMode to 0 ("always"). A test that uses this module asks for the `libreoffice` fixture
(tests/needs.py): it is then marked, and skipped when soffice is missing (failed where
XLTOOLS_REQUIRE_LIBREOFFICE is set, as in CI).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

from tests import needs
from tests.needs import SOFFICE

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def require() -> None:
    """Skip or fail without LibreOffice; fail in a test that has not asked for it (tests/needs.py)."""
    needs.require("libreoffice")


def require_poppler() -> None:
    """Skip or fail without poppler-utils; new tests ask for the `poppler` fixture (tests/needs.py)."""
    needs.require("poppler")


@contextlib.contextmanager
def profile(prefix: str = "lo-profile-", *, macro: str | None = None):
    """A fresh LibreOffice user profile (our settings; with `macro`, that Python script as the
    user's xlt.py) and the soffice command line that runs in it, headless: `command(*args)`."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        user = Path(folder) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        if macro is not None:
            (user / "Scripts" / "python").mkdir(parents=True)
            (user / "Scripts" / "python" / "xlt.py").write_text(macro, encoding="utf-8")

        def command(*args: str) -> list[str]:
            return [SOFFICE, f"-env:UserInstallation=file://{folder}", "--headless", "--norestore", "--nologo", *args]

        yield command


def convert(paths: list[Path], fmt: str, outdir: Path, *, timeout: int = 300) -> list[Path]:
    """Open each file in LibreOffice (recalculating it) and save it as `fmt` into outdir.

    One soffice start serves many files, which keeps batch tests within a few minutes.
    """
    require()
    outdir.mkdir(parents=True, exist_ok=True)
    with profile() as command:
        cmd = command("--convert-to", fmt, "--outdir", str(outdir), *map(str, paths))
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = fmt.split(":", 1)[0]
    out = [outdir / (Path(p).stem + "." + ext) for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise AssertionError(f"LibreOffice did not write {missing}: {proc.stdout} {proc.stderr}")
    return out


def poison_cached_results(data: bytes) -> bytes:
    """Store a wrong result (999) for every formula, so only a real recalculation gives the right ones."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(rb"</f><v>[^<]*</v>", b"</f><v>999</v>", body)
            dst.writestr(info, body)
    return out.getvalue()


def named_value(wb, name: str):
    """The value of the cell a workbook-level defined name points at (openpyxl workbook)."""
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")].value


def recalculate(cases: dict[str, bytes], workdir: Path) -> dict[str, tuple[Path, Path]]:
    """Write each named workbook, recalculate and save them all in one LibreOffice run:
    name -> (the file as written, the file as LibreOffice saved it)."""
    paths = []
    for name, data in cases.items():
        p = workdir / f"{name}.xlsx"
        p.write_bytes(data)
        paths.append(p)
    out = convert(paths, "xlsx:Calc MS Excel 2007 XML", workdir / "out")
    return {name: (src, saved) for name, src, saved in zip(cases, paths, out, strict=True)}
