"""What a test needs from the machine, each with its own switch.

A test that needs a program the machine lacks is skipped locally; where the switch is set (CI sets
all three) it fails instead, so a missing install step cannot pass as green:
- XLTOOLS_REQUIRE_LIBREOFFICE: LibreOffice (soffice), which recalculates and converts files
- XLTOOLS_REQUIRE_BROWSER: Debian's chromium and playwright, for the web page's browser test
- XLTOOLS_REQUIRE_GNUMERIC: gnumeric's ssconvert, a second spreadsheet engine
The number of hypothesis examples is a separate switch: XLTOOLS_HYPOTHESIS=ci (see conftest.py).
"""

from __future__ import annotations

import os
import shutil

import pytest

SSCONVERT = shutil.which("ssconvert")


def need(switch: str, problem: str | None) -> None:
    """Skip (or fail, when `switch` is set) with `problem`; nothing when problem is None."""
    if problem is None:
        return
    if os.environ.get(switch):
        pytest.fail(f"{problem}, but it is required here ({switch} is set)")
    pytest.skip(problem)


def require_gnumeric() -> None:
    need("XLTOOLS_REQUIRE_GNUMERIC", None if SSCONVERT else "gnumeric (ssconvert) is not installed")


__all__ = ["SSCONVERT", "need", "require_gnumeric"]
