import inspect
import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

from tests.needs import SLOW

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PUBLISHED = ROOT / "tests" / "fixtures" / "published"  # the two published example reports

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
# XLTOOLS_HYPOTHESIS=ci (CI sets it) runs more examples than a developer's run.
settings.load_profile(os.environ.get("XLTOOLS_HYPOTHESIS", "dev"))


# Markers (registered in pyproject.toml) for the fast run, `python -m pytest -m "not libreoffice and
# not browser and not slow"`. A test is marked `libreoffice` when it, or a fixture it uses, drives
# LibreOffice through tests/libreoffice.py, or when it takes a corpus case LibreOffice makes; the
# browser test marks its module itself; `slow` is set by hand below (SLOW).
_LIBREOFFICE = re.compile(r"\blibreoffice\.|\b(convert|recalculate|require|libreoffice_inserted_rows)\(")


def _source(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


_BROWSER = re.compile(r"\b_require_(browser|chromium)\(")


def _functions(item) -> list:
    """The test function and every fixture it uses (directly or not)."""
    funcs = [getattr(item, "function", None)]
    for defs in getattr(item, "_fixtureinfo", None).name2fixturedefs.values() if hasattr(item, "_fixtureinfo") else ():
        funcs += [d.func for d in defs]
    return [f for f in funcs if f is not None]


def _uses_libreoffice(item) -> bool:
    module = getattr(item, "module", None)
    if module is None or not any(
        getattr(v, "__name__", "") == "tests.libreoffice" or getattr(v, "__module__", "") == "tests.libreoffice"
        for v in vars(module).values()
    ):
        uses = False
    else:
        funcs = [item.function]
        for defs in item._fixtureinfo.name2fixturedefs.values():
            funcs += [d.func for d in defs]
        uses = any(_LIBREOFFICE.search(_source(f)) for f in funcs)
    params = getattr(getattr(item, "callspec", None), "params", {})
    return uses or any(getattr(v, "soffice", False) is True for v in params.values())


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _uses_libreoffice(item):
            item.add_marker(pytest.mark.libreoffice)
        if any(_BROWSER.search(_source(f)) for f in _functions(item)):  # drives chromium
            item.add_marker(pytest.mark.browser)
        test = item.nodeid.split("[", 1)[0]
        if test in SLOW or test.split("::", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def suoluo_json() -> Path:
    return EXAMPLES / "suoluo-2024.json"


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The broken/foreign/hostile corpus of tests/corpus.py, each case made on first use."""
    from tests.corpus import Corpus

    return Corpus(tmp_path_factory.mktemp("corpus"))
