"""Driving a second spreadsheet engine: Gnumeric's `ssconvert --recalc` (Debian package gnumeric).

Gnumeric's SUM, ISNUMBER and TRIM read booleans and text as Excel does, where LibreOffice does
not, so the oracle checks the template's formulas in both. Tests that need it skip when ssconvert
is missing, unless XLTOOLS_REQUIRE_GNUMERIC is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SSCONVERT = shutil.which("ssconvert")


def require() -> None:
    if SSCONVERT:
        return
    if os.environ.get("XLTOOLS_REQUIRE_GNUMERIC"):
        pytest.fail("Gnumeric (ssconvert) is required here (XLTOOLS_REQUIRE_GNUMERIC is set) but missing")
    pytest.skip("Gnumeric (ssconvert) is not installed")


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
