"""Driving a second spreadsheet engine: Gnumeric's `ssconvert --recalc` (Debian package gnumeric).

Gnumeric's SUM, ISNUMBER and TRIM read booleans and text as Excel does, where LibreOffice does
not, so the oracle checks the template's formulas in both. A test that uses it asks for the
`gnumeric` fixture, or is marked `gnumeric` (tests/needs.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests import needs

SSCONVERT = shutil.which("ssconvert")


def require() -> None:
    needs.require("gnumeric")


def recalculate(paths: list[Path], outdir: Path, *, timeout: int = 120) -> list[Path]:
    """Recalculate each workbook in Gnumeric and save it as .xlsx into outdir (about 0.3 s a file)."""
    require()
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    for p in paths:
        target = outdir / Path(p).name
        proc = subprocess.run(
            [SSCONVERT, "--recalc", "--export-type=Gnumeric_Excel:xlsx2", str(p), str(target)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if not target.exists():
            raise AssertionError(f"Gnumeric did not write {target}: {proc.stdout} {proc.stderr}")
        out.append(target)
    return out
