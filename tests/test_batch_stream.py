"""A batch streams: each file is digested where it was checked, its text or JSON entry
goes out as soon as it arrives, the summary workbook is written row by row, and the main process
keeps nothing per file. The outputs are byte for byte what the one-shot forms gave."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.workbooks import VALID_TEXTS, fill_to
from xltools import cli, verdict
from xltools.api import check_file
from xltools.cli import cli_hint, main
from xltools.collect import batch, summary
from xltools.files import atomic_path
from xltools.jsonform import dumps
from xltools.text import displayable

GBK_NAME = "报告".encode("gbk") + b".json"  # not UTF-8: shown escaped everywhere


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, list[str]]:
    """Batches of every kind: all passing, with errors, with unusable files, a non-UTF-8 name."""
    base = tmp_path_factory.mktemp("batches")
    ok = fill_to(base / "ok.xlsx", VALID_TEXTS)
    out: dict[str, list[str]] = {}

    def folder(name: str, files: dict[str, object]) -> None:
        d = base / name
        d.mkdir()
        for fname, content in files.items():
            target = d / fname
            if isinstance(content, Path):
                shutil.copy(content, target)
            else:
                target.write_bytes(content)
        out[name] = batch.input_paths([d])

    folder("one", {"甲.xlsx": ok})
    folder("ok", {"甲.xlsx": ok, "乙.json": EXAMPLES / "suoluo-2024.json", "丙.xlsx": EXAMPLES / "suoluo-2024.xlsx"})
    errors = fill_to(base / "r33.xlsx", {**VALID_TEXTS, "requests.new.natural": 5, "problems": "XX"})
    folder("errors", {"01.xlsx": ok, "02.xlsx": errors, "03.json": EXAMPLES / "suoluo-2024.json"})
    folder("unusable", {"01.xlsx": ok, "02.xlsx": errors, "03.xlsx": b"just text", "04.json": b"{", "05.xlsx": b""})
    folder("gbk", {"正常.json": EXAMPLES / "suoluo-2024.json"})
    with open(os.path.join(os.fsencode(base / "gbk"), GBK_NAME), "wb") as fh:
        fh.write((EXAMPLES / "suoluo-2024.json").read_bytes())
    out["gbk"] = batch.input_paths([base / "gbk"])
    out["unusable"].append(str(base / "unusable" / "missing.xlsx"))
    return out


def _cli(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def _one_shot_json(paths: list[str]) -> str:
    """What `check --json` printed before it streamed: the whole object at once."""
    return dumps(displayable(verdict.as_json([check_file(p) for p in paths]))).rstrip("\n") + "\n"


def _one_shot_text(paths: list[str]) -> str:
    results = [check_file(p) for p in paths]
    lines = [line for r in results for line in verdict.file_lines(r, cli_hint)]
    return verdict.human_text(lines, verdict.summary(results)) + "\n"


BATCHES = ["one", "ok", "errors", "unusable", "gbk"]


@pytest.mark.parametrize("pool", [False, True], ids=["in-process", "pool"])
@pytest.mark.parametrize("name", BATCHES)
def test_json_and_text_are_the_one_shot_forms(folders, name, pool, monkeypatch):
    if pool:  # every batch through the workers: the digest (and the command line's hint) pickles
        monkeypatch.setattr(batch, "POOL_THRESHOLD", 0)
    paths = folders[name]
    as_json = _cli(*paths, "--json", "-j", "2")
    assert as_json.stdout_bytes == _one_shot_json(paths).encode("utf-8")
    text = _cli(*paths, "-j", "2")
    assert text.stdout_bytes == _one_shot_text(paths).encode("utf-8")
    assert as_json.exit_code == text.exit_code == max(check_file(p).exit_code for p in paths)
    if name == "gbk":
        shown = "\\xb1\\xa8\\xb8\\xe6.json"
        assert any(f["path"].endswith(shown) for f in json.loads(as_json.stdout)["files"]) and shown in text.stdout


def test_json_stream_of_no_files_is_the_empty_list():
    out = io.StringIO()
    stream = verdict.JsonStream(out.write)
    stream.close(verdict.summary([]))
    assert out.getvalue() == dumps(verdict.as_json([]))


def test_each_file_is_out_before_the_next_is_checked(folders, monkeypatch):
    """Streaming really streams: when a file is checked, every file before it is already printed."""
    paths = folders["unusable"]
    for args in ([], ["--json"]):
        seen: list[str] = []

        def checking(path, *a, _seen=seen, **k):
            sys.stdout.flush()
            _seen.append(sys.stdout.buffer.getvalue().decode("utf-8"))  # what has been printed so far
            return check_file(path, *a, **k)

        monkeypatch.setattr(batch, "check_file", checking)
        result = _cli(*paths, "-j", "1", *args)
        assert result.exit_code == 2 and len(seen) == len(paths)
        assert seen[0] == ""
        for n, printed in enumerate(seen):
            assert [p for p in paths if p in printed] == paths[:n], (n, printed)


def _footprint(obj, seen=None, depth=0) -> int:
    """How many things `obj` holds, reaching through containers and attributes (not code, files or
    modules): what a per-file list would make grow."""
    if isinstance(obj, str | bytes | int | float | Decimal | bool | type(None)):
        return 1  # a value, however many share it
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 12 or callable(obj) or isinstance(obj, io.IOBase | type(sys)):
        return 0
    seen.add(id(obj))
    if isinstance(obj, dict):
        items = [*obj.keys(), *obj.values()]
    elif isinstance(obj, list | tuple | set | frozenset):
        items = list(obj)
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).values())
    else:
        return 1
    return 1 + sum(_footprint(i, seen, depth + 1) for i in items)


def test_the_main_process_keeps_nothing_per_file(folders, tmp_path):
    """After 5 files or 47 (the same file last), the tally and its outputs (JSON, text, the summary
    workbook being written) hold the same amount: counts, not lists."""
    paths = folders["unusable"]
    sizes = []
    for n in (5, 5 + 7 * len(paths)):
        stream = verdict.JsonStream(lambda _s: None)
        book = summary.SummaryBook(tmp_path / f"{n}.xlsx")
        tally = batch.Tally(
            json=True,
            text=True,
            summary=True,
            hint=cli_hint,
            sinks=[lambda d, s=stream: s.add(d.json), lambda d: None, lambda d, b=book: b.add(d.row, d.problems)],
        )
        digests = batch.check_many(paths * 10, jobs=1, digest=tally.digester)
        for d in (next(digests) for _ in range(n)):
            tally.add(d)
        sizes.append((_footprint(tally), _footprint(stream), _footprint(book)))
        assert len(book._sheet.table) <= 1 and len(book._list.table) <= 1  # one row in memory per sheet
        book.close()
    assert sizes[0] == sizes[1], sizes


def test_what_crosses_from_a_worker_is_the_digest_only(folders):
    """A digest is a few hundred bytes where a full result is tens of KB."""
    import pickle

    path = folders["ok"][2]  # the example workbook
    full = check_file(path)
    small = batch.digest(full, text=True, summary=True, hint=cli_hint)
    assert len(pickle.dumps(small)) * 5 < len(pickle.dumps(full))
    assert small.text == "\n".join(verdict.file_lines(full, cli_hint))
    assert (small.row, small.problems) == summary.rows_of(full)
    assert dict(zip(batch.COUNTS, small.counts, strict=True)) == verdict.summary([full])


# --- the summary workbook -----------------------------------------------------------------------


def test_summary_workbook_as_before_written_in_constant_memory(folders, tmp_path):
    """Read back, the workbook holds exactly each file's rows (ok, with errors, unusable), with the
    formats, frozen header and autofilter of the one-shot workbook; its strings are inline, which
    only xlsxwriter's constant_memory mode writes."""
    paths = folders["unusable"]
    out = tmp_path / "汇总.xlsx"
    result = _cli(*paths, "--summary", out)
    assert result.exit_code == 2 and f"已生成汇总：{out}" in result.stderr
    with zipfile.ZipFile(out) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()
        assert 't="inlineStr"' in zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    wb = openpyxl.load_workbook(out)
    ws, ps = wb[summary.SHEET_SUMMARY], wb[summary.SHEET_PROBLEMS]
    assert [c.value for c in ws[1]] == list(summary.SUMMARY_HEADERS)
    assert [c.value for c in ps[1]] == list(summary.PROBLEM_HEADERS)
    rows, problems = [], []
    for p in paths:
        row, found = summary.rows_of(check_file(p))
        rows.append(row)
        problems += found
    assert {r.status for r in rows} == {"通过", "未通过", "无法使用"}
    for n, row in enumerate(rows, start=2):
        got = [c.value for c in ws[n]]
        assert got[:4] == [row.path, row.name or None, row.year, row.status]
        if row.status == "无法使用":
            assert got[4:6] == [None, None] and got[-1] == row.reason
        else:
            assert got[4:6] == [row.errors, row.warnings] and got[-1] is None
        assert got[6:-1] == [float(v) if isinstance(v, Decimal) else v for v in row.figures]
        assert ws.cell(n, 4).font.color.rgb == ("FF006100" if row.status == "通过" else "FFC00000")
    assert [[c.value for c in r] for r in ps.iter_rows(min_row=2)] == [[v or None for v in p] for p in problems]
    assert ws.max_row == 1 + len(rows) and ps.max_row == 1 + len(problems)
    assert ws.freeze_panes == ps.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:N{1 + len(rows)}" and ps.auto_filter.ref == f"A1:G{1 + len(problems)}"
    assert ws.row_dimensions[1].height == 30 and ws.column_dimensions["A"].width == pytest.approx(26.7109375)


def test_a_summary_without_problems_still_filters_its_header(tmp_path):
    buf = io.BytesIO()
    with summary.SummaryBook(buf):
        pass
    wb = openpyxl.load_workbook(buf)
    assert wb[summary.SHEET_SUMMARY].auto_filter.ref == "A1:N2"
    assert wb[summary.SHEET_PROBLEMS].auto_filter.ref == "A1:G2"


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """Where xlsxwriter's scratch files go, so a test can see that none is left."""
    d = tmp_path / "scratch"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_summary_that_fails_at_the_end_loses_no_result_and_leaves_nothing(folders, tmp_path, scratch, monkeypatch):
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def full(self):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    paths = folders["unusable"]
    where = tmp_path / "out"
    where.mkdir()
    result = _cli(*paths, "--summary", where / "汇总.xlsx")
    assert result.exit_code == 2
    assert f"无法写入汇总 {where / '汇总.xlsx'}：磁盘空间不足" in result.stderr, result.stderr
    assert result.stdout == _one_shot_text(paths)  # every result, and the count line
    assert _left(where) == [] and _left(scratch) == []


def test_a_summary_that_fails_during_the_run_loses_no_result(folders, tmp_path, scratch, monkeypatch):
    written = []

    def fails_third(self, p):
        written.append(p)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(summary.SummaryBook, "_add_problem", fails_third)
    paths = folders["unusable"]
    result = _cli(*paths, "--summary", tmp_path / "汇总.xlsx")
    assert result.exit_code == 2 and "磁盘空间不足" in result.stderr
    assert result.stdout == _one_shot_text(paths)
    assert len(written) == 3  # no more rows tried once writing failed
    assert _left(tmp_path) == ["scratch"] and _left(scratch) == []


def test_ctrl_c_during_a_summary_leaves_nothing(folders, tmp_path, scratch, monkeypatch):
    checked = []

    def interrupted(path, *a, **k):
        checked.append(path)
        if len(checked) == 3:
            raise KeyboardInterrupt
        return check_file(path, *a, **k)

    monkeypatch.setattr(batch, "check_file", interrupted)
    result = _cli(*folders["unusable"], "--summary", tmp_path / "汇总.xlsx", "-j", "1")
    assert result.exit_code == 130 and "已中断" in result.stderr
    assert _left(tmp_path) == ["scratch"] and _left(scratch) == []


def test_a_real_ctrl_c_during_a_summary_exits_130_and_leaves_nothing(folders, tmp_path):
    import signal
    import subprocess

    from tests.conftest import ROOT

    scratch, out = tmp_path / "scratch", tmp_path / "out"
    scratch.mkdir()
    out.mkdir()
    code = (
        "import sys, time; import xltools.collect.batch as b\nreal = b.check_file\n"
        "def slow(*a, **k):\n    r = real(*a, **k); print('checked', file=sys.stderr, flush=True); time.sleep(60); return r\n"
        "b.check_file = slow\nfrom xltools.cli import entry\n"
        "sys.argv = ['xltools', 'check', '-j', '1', '--summary', *sys.argv[1:]]\nentry()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)}
    args = [str(out / "汇总.xlsx"), *folders["unusable"]]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stderr=subprocess.PIPE)
    assert proc.stderr.readline().strip() == b"checked"
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=30)[1].decode("utf-8")
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err, err
    assert _left(out) == [] and _left(scratch) == []


def test_atomic_path_removes_its_temporary_on_failure_and_keeps_the_target(tmp_path):
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"before")
    with pytest.raises(RuntimeError), atomic_path(target, force=True) as part:
        Path(part).write_bytes(b"half")
        raise RuntimeError
    assert _left(tmp_path) == ["汇总.xlsx"] and target.read_bytes() == b"before"
    with atomic_path(target, force=True) as part:
        Path(part).write_bytes(b"after")
    assert _left(tmp_path) == ["汇总.xlsx"] and target.read_bytes() == b"after"


# --- the progress bar ---------------------------------------------------------------------------


def test_no_progress_bar_over_text_on_a_terminal(monkeypatch):
    paths = [EXAMPLES / "suoluo-2024.json"] * 20  # the bar's least
    assert "正在检查" in _cli(*paths).stderr  # text into a file or a pipe: the bar stays
    monkeypatch.setattr(cli, "_is_terminal", lambda _stream: True)
    assert "正在检查" not in _cli(*paths).stderr  # the lines themselves show the progress
    assert "正在检查" in _cli(*paths, "--json").stderr
