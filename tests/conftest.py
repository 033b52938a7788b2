import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.findings_guard import UNREGISTERED, install

install()

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PUBLISHED = ROOT / "tests" / "fixtures" / "published"  # the two published example reports

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") or os.environ.get("XLTOOLS_REQUIRE_LIBREOFFICE") else "dev")


def pytest_sessionfinish(session, exitstatus):
    if UNREGISTERED:  # also when the AssertionError was swallowed by code under test
        print("\nFindings with unregistered rule ids:\n  " + "\n  ".join(UNREGISTERED[:20]))
        session.exitstatus = 1


@pytest.fixture
def suoluo_json() -> Path:
    return EXAMPLES / "suoluo-2024.json"


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The broken/foreign/hostile corpus of tests/corpus.py, each case made on first use."""
    from tests.corpus import Corpus

    return Corpus(tmp_path_factory.mktemp("corpus"))
