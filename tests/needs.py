"""What a test needs from the machine: fixtures that mark and skip themselves.

A test that drives a program asks for it as a fixture, directly or through another fixture:

    def test_saved_by_libreoffice(libreoffice, tmp_path): ...  # LibreOffice (tests/libreoffice.py)
    def test_rows_inserted(libreoffice_macro): ...            # and its Python script provider
    def test_second_engine(gnumeric): ...                     # Gnumeric's ssconvert (tests/gnumeric.py)
    def test_page(chromium): ...                              # Debian's chromium and playwright
    def test_pages_read_back(libreoffice, poppler): ...       # pdftotext, pdfinfo, pdffonts

A parameter that needs a program is marked instead: `pytest.param("pdf", marks=pytest.mark.libreoffice)`.

Asking is all there is to it. The fixture marks the test (`libreoffice`, `gnumeric`, `browser`), so
the fast run, `-m "not libreoffice and not browser and not slow"`, leaves it out; when the program is
missing the test is skipped, and where the program's switch is set, or CI is set (as CI services
and .ci/run set it), it fails instead, so a missing install step cannot pass as green:
- XLTOOLS_REQUIRE_LIBREOFFICE: LibreOffice (and its script provider, and poppler-utils)
- XLTOOLS_REQUIRE_BROWSER: Debian's chromium and playwright
- XLTOOLS_REQUIRE_GNUMERIC: gnumeric's ssconvert
A parametrized case that needs a program (a corpus case LibreOffice makes) names it in its `needs`
attribute: the test of that case is marked and skipped the same way.

A test that starts LibreOffice without asking fails and says so (`require` checks the test's marks;
the library's PDF printer is guarded too), so the fast run cannot start it by accident. A test that
takes long (5 s and more, measured with --durations) is marked by hand: `@pytest.mark.slow`.
The number of hypothesis examples is a separate switch: XLTOOLS_HYPOTHESIS=ci (see conftest.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    """CI services set CI (to "true"); there every program is required, whatever the switches say."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def need(switch: str, problem: str | None) -> None:
    """Skip (or fail, when `switch` or CI is set) with `problem`; nothing when problem is None."""
    if problem is None:
        return
    if os.environ.get(switch):
        pytest.fail(f"{problem}, but it is required here ({switch} is set)")
    if in_ci():
        pytest.fail(f"{problem}, but it is required here (CI is set)")
    pytest.skip(problem)


def _soffice() -> str | None:
    return None if SOFFICE else "LibreOffice (soffice) is not installed"


def _script_provider() -> str | None:
    """LibreOffice runs Python macros only with its script provider (Debian package
    libreoffice-script-provider-python), which installs pythonscript.py beside soffice."""
    if SOFFICE is None:
        return _soffice()
    program = Path(os.path.realpath(SOFFICE)).parent
    if (program / "pythonscript.py").exists():
        return None
    return "LibreOffice's Python script provider (libreoffice-script-provider-python) is not installed"


def _poppler() -> str | None:
    missing = not all(shutil.which(t) for t in ("pdftotext", "pdfinfo", "pdffonts"))
    return "poppler-utils (pdftotext) is not installed" if missing else None


def _gnumeric() -> str | None:
    return None if shutil.which("ssconvert") else "Gnumeric (ssconvert) is not installed"


def _chromium() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return "Debian's chromium is not installed"
    return None


@dataclass(frozen=True)
class Requirement:
    """A program some tests need: the mark it gives them, its switch, and what is missing (None
    when nothing is)."""

    marker: str | None
    switch: str
    problem: Callable[[], str | None]


REQUIREMENTS = {
    "libreoffice": Requirement("libreoffice", "XLTOOLS_REQUIRE_LIBREOFFICE", _soffice),
    "libreoffice_macro": Requirement("libreoffice", "XLTOOLS_REQUIRE_LIBREOFFICE", _script_provider),
    "poppler": Requirement(None, "XLTOOLS_REQUIRE_LIBREOFFICE", _poppler),
    "gnumeric": Requirement("gnumeric", "XLTOOLS_REQUIRE_GNUMERIC", _gnumeric),
    "chromium": Requirement("browser", "XLTOOLS_REQUIRE_BROWSER", _chromium),
}

# The marks of the test being set up or run (conftest's pytest_runtest_setup sets them); None outside
# a test run (tests/corpus.py run as a script).
running: set[str] | None = None


def require(name: str) -> None:
    """Skip or fail this test when the program `name` (a key of REQUIREMENTS) is missing; fail when
    the test drives it without having asked for it (it would run in the fast selection)."""
    req = REQUIREMENTS[name]
    if running is not None and req.marker is not None and req.marker not in running:
        pytest.fail(
            f"this test drives {name} without asking for it: add the `{name}` fixture to its arguments "
            "(tests/needs.py), so that it is marked and the fast run leaves it out"
        )
    need(req.switch, req.problem())


# What a mark alone requires: a test marked by hand (a parameter's `pytest.param(..., marks=...)`)
# is skipped the same way as one that asks for the fixture.
BY_MARKER = {"libreoffice": "libreoffice", "gnumeric": "gnumeric", "browser": "chromium"}


def needed_by(fixturenames, params, marks=()) -> set[str]:
    """The programs (keys of REQUIREMENTS) a test needs: the fixtures among `fixturenames` (their whole
    closure), the `needs` of its parameters, and what its `marks` (set by hand) stand for."""
    names = set(fixturenames) | {BY_MARKER[m] for m in marks if m in BY_MARKER}
    for value in params:
        names.update(getattr(value, "needs", ()) or ())
    return names & REQUIREMENTS.keys()


def markers_of(fixturenames, params) -> set[str]:
    """The marks a test gets from the programs it needs."""
    return {m for n in needed_by(fixturenames, params) if (m := REQUIREMENTS[n].marker)}


# --- the fixtures (conftest.py makes them available to every test) --------------------------------


@pytest.fixture(scope="session")
def libreoffice():
    """LibreOffice: marks the test `libreoffice`; skips (fails in CI) without it. Gives the module that
    drives it (tests/libreoffice.py: convert, recalculate, profile)."""
    require("libreoffice")
    from tests import libreoffice as driver

    return driver


@pytest.fixture(scope="session")
def libreoffice_macro(libreoffice):
    """LibreOffice able to run a Python macro (its script provider installed); as `libreoffice`."""
    require("libreoffice_macro")
    return libreoffice


@pytest.fixture(scope="session")
def poppler() -> None:
    """poppler-utils (pdftotext, pdfinfo, pdffonts): reading back the pages of a printed PDF."""
    require("poppler")


@pytest.fixture(scope="session")
def gnumeric():
    """Gnumeric, a second spreadsheet engine: marks the test `gnumeric`. Gives the module that drives
    it (tests/gnumeric.py: recalculate)."""
    require("gnumeric")
    from tests import gnumeric as driver

    return driver


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, driven through playwright: marks the test `browser`."""
    require("chromium")
    return CHROMIUM if os.path.exists(CHROMIUM) else (shutil.which("chromium") or "")


__all__ = [
    "REQUIREMENTS",
    "chromium",
    "gnumeric",
    "in_ci",
    "libreoffice",
    "libreoffice_macro",
    "markers_of",
    "need",
    "needed_by",
    "poppler",
    "require",
]
