import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests import needs
from tests.needs import chromium, gnumeric, libreoffice, libreoffice_macro, poppler  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PUBLISHED = ROOT / "tests" / "fixtures" / "published"  # the two published example reports

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
# XLTOOLS_HYPOTHESIS=ci (CI sets it) runs more examples than a developer's run.
settings.load_profile(os.environ.get("XLTOOLS_HYPOTHESIS", "dev"))


# What a test needs from the machine (tests/needs.py): a test asks for a program as a fixture, and the
# fixture marks it for the fast run, `python -m pytest -m "not libreoffice and not browser and not slow"`,
# and skips it (fails it in CI) when the program is missing.
def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {}).values()
        for marker in sorted(needs.markers_of(getattr(item, "fixturenames", ()), params)):
            item.add_marker(marker)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture: what the test may drive, and a skip (in CI a failure) when a program it
    needs is missing."""
    needs.running = {m.name for m in item.iter_markers()}
    params = getattr(getattr(item, "callspec", None), "params", {}).values()
    for name in sorted(needs.needed_by(getattr(item, "fixturenames", ()), params, needs.running)):
        needs.need(needs.REQUIREMENTS[name].switch, needs.REQUIREMENTS[name].problem())


@pytest.fixture(autouse=True)
def no_libreoffice_unless_asked(monkeypatch):
    """The library prints PDFs with LibreOffice: a test that has not asked for it must not start it."""
    if "libreoffice" in needs.running:
        return
    from xltools.render import pdf

    def refused():
        raise AssertionError(
            "this test prints a PDF with LibreOffice without asking for it: add the `libreoffice` fixture "
            "to its arguments (tests/needs.py)"
        )

    monkeypatch.setattr(pdf, "soffice", refused)


@pytest.fixture
def suoluo_json() -> Path:
    return EXAMPLES / "suoluo-2024.json"


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The broken/foreign/hostile corpus of tests/corpus.py, each case made on first use."""
    from tests.corpus import Corpus

    return Corpus(tmp_path_factory.mktemp("corpus"))
