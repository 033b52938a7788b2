"""What a test needs from the machine, each with its own switch.

A test that needs a program the machine lacks is skipped locally; where the switch is set (CI sets
all three) it fails instead, so a missing install step cannot pass as green:
- XLTOOLS_REQUIRE_LIBREOFFICE: LibreOffice (soffice), which recalculates and converts files
- XLTOOLS_REQUIRE_BROWSER: Debian's chromium and playwright, for the web page's browser test
- XLTOOLS_REQUIRE_GNUMERIC: gnumeric's ssconvert, a second spreadsheet engine (tests/gnumeric.py)
The number of hypothesis examples is a separate switch: XLTOOLS_HYPOTHESIS=ci (see conftest.py).
"""

from __future__ import annotations

import os

import pytest


def need(switch: str, problem: str | None) -> None:
    """Skip (or fail, when `switch` is set) with `problem`; nothing when problem is None."""
    if problem is None:
        return
    if os.environ.get(switch):
        pytest.fail(f"{problem}, but it is required here ({switch} is set)")
    pytest.skip(problem)


# The longest tests (20 s and more each, measured with --durations), and the module that runs every
# corpus case in a resource-limited subprocess: `slow`, left out of the fast run.
SLOW = {
    "tests/test_inputs.py::test_every_listed_character_is_cleaned_through_check_build_fill_and_merge",
    "tests/test_fill.py::test_round_trip_json_xlsx_json_is_lossless",
    "tests/test_import.py::test_any_built_report_imports_back",
    "tests/test_properties.py::test_any_cell_values_written_by_another_program",
    "tests/test_properties.py::test_any_cell_values_written_by_our_template",
    "tests/test_hostile.py::test_a_folder_of_everything_lists_every_file",
    "tests/test_bounds.py",
    "tests/test_previous.py::test_previous_dir_of_workbooks_is_identified_in_the_pool",
    # 5 to 11 s each: what keeps the fast run under two minutes
    "tests/test_hostile.py::test_gbk_console_never_fails_on_output",
    "tests/test_cli_check.py::test_a_gbk_console_never_fails",
    "tests/test_render_draft.py::test_every_kind_alone_in_every_format",
    "tests/test_import.py::test_deeply_nested_page_is_refused",
    "tests/test_render.py::test_any_staff_text_comes_out_of_html_as_written",
}


__all__ = ["SLOW", "need"]
