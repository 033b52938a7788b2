"""The library's one door: what the command line and the web page call.

The functions themselves live below (xltools.load and the packages it names); this module only
gathers them, so that the skins import nothing else of the library.
"""

from __future__ import annotations

from xltools.inputs import expand_inputs
from xltools.load import (
    check_bytes,
    check_file,
    detached,
    load_bytes,
    load_for_build,
    load_report,
)
from xltools.model import CheckResult, FileResult, Report

__all__ = [
    "CheckResult",
    "FileResult",
    "Report",
    "check_bytes",
    "check_file",
    "detached",
    "expand_inputs",
    "load_bytes",
    "load_for_build",
    "load_report",
]
