"""PDFs in the bounds corpus: each made here, small on disk, and checked in a child
process under the CPU and memory limits of tests/test_bounds.py. A Flate bomb, 200 pages of text,
50 pages of 10,000-cell grids (drawn as lines, or cell by cell) and a password-protected file are
each answered within the bounds, with the message that says what the file is."""

from __future__ import annotations

import pytest

from tests.pdfmake import flate_bomb, grid_page, pdf, text_page
from tests.test_bounds import CPU_SECONDS, MEMORY
from tests.test_bounds import run_bounded as bounded

pytestmark = pytest.mark.slow  # every case in a resource-limited child process, as tests/test_bounds.py


def run_bounded(*args: str) -> tuple[int, float, int, str]:
    """Exit status, CPU seconds, peak resident bytes and output of one bounded xltools run."""
    return bounded(*args, merge=True)


CASES = {
    # 300 KB on disk, 300 MB inflated: refused before any PDF engine unpacks it
    "flate-bomb.pdf": (lambda: flate_bomb(300), 2, "压缩数据解压后过大"),
    # a long document of plain text: read whole (it is no report, so refused as one)
    "pages-200.pdf": (
        lambda: pdf(
            [text_page([f"Page {p} line {i} of a long text" for i in range(40)]) for p in range(200)], flate=True
        ),
        2,
        "不像是一份政府信息公开工作年度报告",
    ),
    "grids-50-lines.pdf": (lambda: pdf([grid_page(100) for _ in range(50)], flate=True), 2, "个格子以上"),
    "grids-50-cells.pdf": (
        lambda: pdf([grid_page(100, per_cell=True) for _ in range(50)], flate=True),
        2,
        "表格线超过",
    ),
    "encrypted.pdf": (lambda: pdf([text_page(["secret"])], encrypt=b"secret"), 2, "设有打开密码（已加密）"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_pdf_case_within_bounds(name, tmp_path):
    make, status, words = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 3 * 1024 * 1024  # small on disk: the size is in the content, not the file
    code, cpu, peak, stderr = run_bounded("check", str(path))
    assert code >= 0, f"killed by signal {-code} (a bound was crossed): cpu {cpu:.1f}s, {peak >> 20} MB"
    assert code == status, stderr
    assert words in stderr
    assert "程序内部错误" not in stderr and "已损坏" not in stderr, stderr
    assert cpu <= CPU_SECONDS, f"{cpu:.1f} s of CPU"
    assert peak <= MEMORY, f"{peak >> 20} MB"


def test_the_bomb_is_refused_without_inflating_it(tmp_path):
    """The scan stops at the limit: memory stays near the file's size, not the content's (in a
    fresh process, whose own peak says it: this one's may be high already)."""
    import resource

    from xltools.errors import UnusableInput
    from xltools.published.pdf import MAX_STREAM, check_inflated

    data = flate_bomb(MAX_STREAM // (1 << 20) + 8)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UnusableInput) as err:
        check_inflated(data)
    assert err.value.code == "too_large"
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024 < 32 * 1024 * 1024
    path = tmp_path / "bomb.pdf"
    path.write_bytes(flate_bomb(300))  # 300 MB inflated
    code, _cpu, peak, out = run_bounded("check", str(path))
    assert code == 2 and "压缩数据解压后过大" in out
    assert peak < 100 << 20, f"{peak >> 20} MB"  # `xltools check` itself is about 26 MB


# --- what a PDF's pages say of their orientation and their lock ---------------------------------------


def _read(data: bytes):
    from xltools.published.pdf import read_pdf

    return [b.text for b in read_pdf(data)]


def test_a_page_rotated_for_the_screen_is_read_as_its_text_stands():
    """/Rotate turns the page on screen, not its text: read as printed (read turned, a correct
    report came back as "185 处错误")."""
    lines = ["First line of the page", "Second line", "Third line of it"]
    upright = _read(pdf([text_page(lines)]))
    for angle in (90, 180, 270):
        assert _read(pdf([text_page(lines)], rotate=angle)) == upright


def test_text_printed_turned_is_refused_naming_the_page():
    from xltools.errors import UnusableInput

    turned = b"BT /F1 11 Tf 0 1 -1 0 300 100 Tm (A line printed sideways) Tj 0 1 -1 0 320 100 Tm (and another) Tj ET"
    with pytest.raises(UnusableInput) as err:
        _read(pdf([text_page(["A first page"]), turned]))
    assert err.value.code == "rotated"
    assert "PDF 第 2 页的文字是转了 90 度排印的" in str(err.value)


def test_a_password_protected_pdf_is_called_encrypted_not_damaged():
    from xltools.errors import UnusableInput

    with pytest.raises(UnusableInput) as err:
        _read(pdf([text_page(["secret"])], encrypt=b"secret"))
    assert err.value.code == "encrypted"
    assert "已损坏" not in str(err.value) and "设有打开密码" in str(err.value)
