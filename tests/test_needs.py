"""Each machine requirement has its own switch; the example count has its own profile."""

import os

import pytest
from _pytest.outcomes import Failed, Skipped
from hypothesis import settings

from tests.needs import SLOW, need


@pytest.mark.parametrize(
    "switch", ["XLTOOLS_REQUIRE_LIBREOFFICE", "XLTOOLS_REQUIRE_BROWSER", "XLTOOLS_REQUIRE_GNUMERIC"]
)
def test_a_missing_program_skips_unless_its_own_switch_is_set(monkeypatch, switch):
    for other in ("XLTOOLS_REQUIRE_LIBREOFFICE", "XLTOOLS_REQUIRE_BROWSER", "XLTOOLS_REQUIRE_GNUMERIC"):
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


def test_example_count_follows_its_own_switch():
    profile = os.environ.get("XLTOOLS_HYPOTHESIS", "dev")
    assert settings().max_examples == {"ci": 200, "dev": 60}[profile]


def test_every_slow_entry_names_a_test_that_exists():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for entry in SLOW:
        path, _, name = entry.partition("::")
        assert (root / path).is_file(), entry
        assert not name or f"def {name}(" in (root / path).read_text(encoding="utf-8"), entry
