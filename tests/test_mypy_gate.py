"""The mypy gate's rules (.ci/mypy_gate.py), on made-up counts: the baseline only goes down, new
modules and the core packages have no errors. (CI runs the gate itself on the real mypy output.)"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mypy_gate", ROOT / ".ci" / "mypy_gate.py")
assert _spec is not None and _spec.loader is not None
gate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate)


def test_a_count_may_fall_but_not_rise():
    baseline = {"xltools/render/docx.py": 3}
    assert gate.compare(Counter({"xltools/render/docx.py": 3}), baseline) == ([], [])
    problems, lower = gate.compare(Counter({"xltools/render/docx.py": 1}), baseline)
    assert problems == [] and lower == ["xltools/render/docx.py: 3 -> 1"]
    problems, _ = gate.compare(Counter({"xltools/render/docx.py": 4}), baseline)
    assert problems == ["xltools/render/docx.py: 4 mypy errors, the baseline allows 3"]


def test_a_new_module_and_the_core_have_none():
    problems, _ = gate.compare(Counter({"xltools/round/new.py": 1, "xltools/rules/soft.py": 1}), {})
    assert problems == [
        "xltools/round/new.py: 1 mypy errors, the baseline allows 0",
        "xltools/rules/soft.py: 1 mypy errors, a core module must have none",
    ]
    problems, _ = gate.compare(Counter(), {"xltools/api.py": 2})
    assert problems == ["xltools/api.py: a core module may not be in the baseline"]


def test_the_checked_in_baseline_keeps_the_core_out():
    baseline = json.loads((ROOT / ".ci" / "mypy-baseline.json").read_text(encoding="utf-8"))
    assert baseline and not [p for p in baseline if gate.is_core(p)]
    assert all(isinstance(n, int) and n > 0 for n in baseline.values())
