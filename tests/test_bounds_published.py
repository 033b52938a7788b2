"""Published reports in the bounds corpus: each web page, Word file and text made
here (small on disk, or large only in the test's own folder) and checked in a child process under
the CPU and memory limits of tests/test_bounds.py. Every denial-of-service input found against
the readers is among them: Word styles based on each other, 330,000 paragraphs, numbering that
crashed, html that cost the square of its size, large ordinary pages and texts.
PDFs: tests/test_bounds_pdf.py (the same limits).

`python -m benchmarks.bounds` measures each case's CPU time and peak memory (the figures in README).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests import published_cases as pc
from tests.test_bounds import CPU_SECONDS, MEMORY, run_bounded

pytestmark = pytest.mark.slow  # every case in a resource-limited child process, as tests/test_bounds.py

# name -> (the file's bytes, exit status of `check`, words its message must hold)
CASES: dict[str, tuple[Callable[[], bytes], int, str]] = {
    "style-cycle.docx": (pc.style_cycle_docx, 2, ""),
    "paragraphs-330k.docx": (pc.many_paragraphs_docx, 2, "段落和表格行过多"),
    "paragraphs-760k.docx": (pc.dense_paragraphs_docx, 2, "段落和表格行过多"),
    "runs-2m.docx": (pc.dense_runs_docx, 2, "结构异常复杂"),
    "runs-990k.docx": (lambda: pc.dense_runs_docx(3_300), 2, "找不到报告的各部分标题"),  # just under: read whole
    **{f"numbering-{c}.docx": (lambda c=c: pc.numbering_docx(c), 2, "") for c in pc.NUMBERING_CASES},
    "formatting-3000.html": (pc.formatting_bomb, 2, "嵌套过深"),
    "divs-20k.html": (pc.nested_divs, 2, "嵌套过深"),
    "divs-100k.html": (lambda: pc.nested_divs(100_000), 2, "嵌套过深"),
    "tags-100k.html": (lambda: b"<span>x</span>" * 100_001, 2, "元素过多"),
    "page-27mb.html": (pc.big_page, 0, ""),
    "table-10k-rows.html": (pc.big_table_page, 0, ""),
    "paragraphs-60k.html": (pc.many_paragraphs_page, 2, "段落和表格行过多"),
    "text-29mb.txt": (pc.big_text, 2, "段落和表格行过多"),
    "utf16.txt": (pc.utf16_text, 0, ""),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_published_case_within_bounds(name, tmp_path):
    make, status, words = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    code, cpu, peak, stderr = run_bounded("check", str(path))
    assert code >= 0, f"killed by signal {-code} (a bound was crossed): cpu {cpu:.1f}s, {peak >> 20} MB"
    assert code == status, stderr
    assert "程序内部错误" not in stderr and "程序内部出错" not in stderr and "MemoryError" not in stderr, stderr
    assert cpu <= CPU_SECONDS, f"{cpu:.1f} s of CPU"
    assert peak <= MEMORY, f"{peak >> 20} MB"
    if words:
        import subprocess
        import sys

        from tests.test_bounds import ROOT

        out = subprocess.run(
            [sys.executable, "-m", "xltools", "check", str(path)],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        ).stdout
        assert words in out, out
