"""Each machine requirement has its own switch; the example count has its own profile."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _pytest.outcomes import Failed, Skipped
from hypothesis import settings

from tests.needs import need


@pytest.mark.parametrize(
    "switch", ["XLTOOLS_REQUIRE_LIBREOFFICE", "XLTOOLS_REQUIRE_BROWSER", "XLTOOLS_REQUIRE_GNUMERIC"]
)
def test_a_missing_program_skips_unless_its_own_switch_is_set(monkeypatch, switch):
    for other in ("XLTOOLS_REQUIRE_LIBREOFFICE", "XLTOOLS_REQUIRE_BROWSER", "XLTOOLS_REQUIRE_GNUMERIC", "CI"):
        monkeypatch.delenv(other, raising=False)
    need(switch, None)  # present: nothing happens
    with pytest.raises(Skipped):
        need(switch, "not installed")
    monkeypatch.setenv(
        "XLTOOLS_REQUIRE_LIBREOFFICE" if switch != "XLTOOLS_REQUIRE_LIBREOFFICE" else "XLTOOLS_REQUIRE_BROWSER", "1"
    )
    with pytest.raises(Skipped):  # another program's switch does not make this one required
        need(switch, "not installed")
    monkeypatch.setenv(switch, "1")
    with pytest.raises(Failed, match=switch):
        need(switch, "not installed")


@pytest.mark.parametrize("value", ["true", "1", "True"])
def test_in_ci_a_missing_program_fails_whatever_the_switches(monkeypatch, value):
    for switch in ("XLTOOLS_REQUIRE_LIBREOFFICE", "XLTOOLS_REQUIRE_BROWSER", "XLTOOLS_REQUIRE_GNUMERIC"):
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.setenv("CI", value)
    with pytest.raises(Failed, match="CI is set"):
        need("XLTOOLS_REQUIRE_GNUMERIC", "Gnumeric (ssconvert) is not installed")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(Skipped):
        need("XLTOOLS_REQUIRE_GNUMERIC", "Gnumeric (ssconvert) is not installed")


def test_example_count_follows_its_own_switch():
    profile = os.environ.get("XLTOOLS_HYPOTHESIS", "dev")
    assert settings().max_examples == {"ci": 200, "dev": 60}[profile]


ROOT = Path(__file__).resolve().parent.parent

# A test module written the way CONTRIBUTING says, collected and run by a real pytest with this
# suite's conftest: what the fast selection keeps, and what a test that does not ask is refused.
_DEMO = """
import pytest
from tests import libreoffice as lo_module


@pytest.fixture
def resaved(libreoffice, tmp_path):
    return tmp_path


def test_plain():
    pass


def test_asks_directly(libreoffice):
    pass


def test_asks_through_a_fixture(resaved):
    pass


def test_needs_the_macro(libreoffice_macro):
    pass


def test_second_engine(gnumeric):
    pass


def test_page(chromium):
    pass


@pytest.mark.parametrize("fmt", ["txt", pytest.param("pdf", marks=pytest.mark.libreoffice)])
def test_param(fmt):
    pass


@pytest.mark.parametrize("case", [c for c in __import__("tests.corpus").corpus.CASES if c.name.startswith("rows_inserted")], ids=lambda c: c.name)
def test_corpus_case(case):
    pass


@pytest.mark.slow
def test_long():
    pass


def test_starts_libreoffice_without_asking(tmp_path):
    lo_module.convert([tmp_path / "x.xlsx"], "pdf", tmp_path)


def test_prints_a_pdf_without_asking():
    from xltools.api import load_report, render

    render(load_report("examples/suoluo-2024.json").report, "pdf")
"""


_CONFTEST = """from tests.conftest import *  # noqa: F403

SELECTION = ("libreoffice", "gnumeric", "browser", "slow")


def pytest_configure(config):
    for marker in SELECTION:
        config.addinivalue_line("markers", marker)


def pytest_collection_finish(session):
    for item in session.items:
        print("MARKS", item.name, *sorted({m.name for m in item.iter_markers()} & set(SELECTION)))
"""


def _pytest(tmp_path, *args, env: dict[str, str] | None = None):
    (tmp_path / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    (tmp_path / "test_demo.py").write_text(_DEMO, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLTOOLS_REQUIRE") and k != "CI"} | (env or {})
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", "--rootdir", str(tmp_path), *args]
    return subprocess.run([*cmd, str(tmp_path / "test_demo.py")], capture_output=True, text=True, cwd=ROOT, env=env)


def test_a_program_asked_for_marks_the_test_and_the_fast_selection_leaves_it_out(tmp_path):
    out = _pytest(tmp_path, "--collect-only").stdout
    marks = {line.split()[1]: set(line.split()[2:]) for line in out.splitlines() if line.startswith("MARKS ")}
    assert marks == {
        "test_plain": set(),
        "test_asks_directly": {"libreoffice"},
        "test_asks_through_a_fixture": {"libreoffice"},
        "test_needs_the_macro": {"libreoffice"},
        "test_second_engine": {"gnumeric"},
        "test_page": {"browser"},
        "test_param[txt]": set(),
        "test_param[pdf]": {"libreoffice"},
        "test_corpus_case[rows_inserted_openpyxl]": set(),
        "test_corpus_case[rows_inserted_libreoffice]": {"libreoffice"},
        "test_long": {"slow"},
        "test_starts_libreoffice_without_asking": set(),
        "test_prints_a_pdf_without_asking": set(),
    }, out


@pytest.mark.slow
def test_a_test_that_drives_libreoffice_without_asking_fails(tmp_path):
    run = _pytest(tmp_path, "-k", "without_asking", "-rf")
    assert run.returncode == 1, run.stdout
    assert "2 failed" in run.stdout, run.stdout
    assert "Failed: this test drives libreoffice without asking for it" in run.stdout
    assert "AssertionError: this test prints a PDF with LibreOffice without asking for it" in run.stdout


def test_the_script_provider_is_its_own_requirement(monkeypatch, tmp_path):
    """LibreOffice without its Python provider (libreoffice-script-provider-python) skips the
    macro tests and only them."""
    from tests import needs

    program = tmp_path / "program"
    program.mkdir()
    (program / "soffice").write_text("", encoding="utf-8")
    monkeypatch.setattr(needs, "SOFFICE", str(program / "soffice"))
    assert needs.REQUIREMENTS["libreoffice"].problem() is None
    assert "libreoffice-script-provider-python" in needs.REQUIREMENTS["libreoffice_macro"].problem()
    (program / "pythonscript.py").write_text("", encoding="utf-8")
    assert needs.REQUIREMENTS["libreoffice_macro"].problem() is None


def _libreoffice_without_its_python(tmp_path) -> dict[str, str]:
    """PATH with a LibreOffice first whose program folder has no pythonscript.py (a clone on a machine
    without libreoffice-script-provider-python)."""
    program = tmp_path / "lo" / "program"
    program.mkdir(parents=True)
    soffice = program / "soffice"
    soffice.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    soffice.chmod(0o755)
    return {"PATH": f"{program}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_without_the_script_provider_the_macro_tests_skip_and_the_others_run(tmp_path):
    path = _libreoffice_without_its_python(tmp_path)
    selected = "-k", "needs_the_macro or asks_directly or corpus_case"
    run = _pytest(tmp_path, *selected, "-rs", env=path)
    assert run.returncode == 0, run.stdout
    # the corpus case LibreOffice's macro makes skips too
    assert "2 passed, 2 skipped, 9 deselected" in run.stdout, run.stdout
    assert "SKIPPED [2]" in run.stdout and "libreoffice-script-provider-python) is not installed" in run.stdout
    ci = _pytest(tmp_path, *selected, env={**path, "CI": "true"})
    assert ci.returncode == 1 and "2 passed, 9 deselected, 2 errors" in ci.stdout, ci.stdout  # failed, not skipped
    assert "is not installed, but it is required here (CI is set)" in ci.stdout
