"""Batch checking: the pool path gives exactly the one-file path's findings, in input order, with
bounded work in flight; `check DIR --summary` end to end."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.workbooks import VALID_TEXTS, fill_to
from xltools.api import check_file
from xltools.cli import main
from xltools.collect import batch
from xltools.collect.pool import Pool
from xltools.workbook.xlsx import OLE_MAGIC


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> list[str]:
    """A folder as a 区 receives it: good, wrong, half-typed and broken files."""
    d = tmp_path_factory.mktemp("units")
    fill_to(d / "01-ok.xlsx", VALID_TEXTS)
    fill_to(d / "02-r33.xlsx", {**VALID_TEXTS, "requests.new.natural": 5, "requests.granted.business": 2})
    fill_to(
        d / "03-text.xlsx",
        {**VALID_TEXTS, "requests.new.legal": "１２", "requests.granted.legal": 12, "problems": "XX"},
    )
    fill_to(d / "04-total.xlsx", {**VALID_TEXTS, "appeals.review.total": 3, "agency.name": None})
    fill_to(d / "05-fee.xlsx", {**VALID_TEXTS, "processing_fee.amount_yuan": -3, "year": 2019})
    (d / "06-junk.xlsx").write_bytes(b"just text")
    (d / "07-empty.xlsx").write_bytes(b"")
    (d / "08-old.xlsx").write_bytes(OLE_MAGIC + b"\0" * 600)
    shutil.copy(EXAMPLES / "suoluo-2024.json", d / "09-suoluo.json")
    (d / "10-bad.json").write_text("{", encoding="utf-8")
    return [*batch.input_paths([d]), str(d / "11-missing.xlsx")]


def _same(one, other) -> None:
    assert one.path == other.path
    if one.error is not None:
        assert other.result is None
        assert (type(one.error), one.error.code, one.error.message, one.error.path) == (
            type(other.error),
            other.error.code,
            other.error.message,
            other.error.path,
        )
        return
    assert other.error is None
    assert one.result.findings == other.result.findings
    assert one.result.report.values == other.result.report.values
    assert one.result.report.cells == other.result.report.cells


class _Recording(Pool):
    tasks = 0

    def submit(self, fn, *args, **kwargs):
        type(self).tasks += 1
        return super().submit(fn, *args, **kwargs)


def test_pool_findings_identical_to_the_one_file_path(mixed, monkeypatch):
    monkeypatch.setattr(batch, "_executor", lambda n, pairing=None: _Recording(n))
    pooled = list(batch.check_many(mixed, jobs=2, threshold=0))
    assert _Recording.tasks == len(mixed)  # the work really went through worker processes, a file a task
    assert [r.path for r in pooled] == mixed
    for one, other in zip((check_file(p) for p in mixed), pooled, strict=True):
        _same(one, other)
    # the folder exercises every kind of outcome
    kinds = {(r.error.code if r.error else ("ok" if r.result.ok else "errors")) for r in pooled}
    assert {"ok", "errors", "not_xlsx", "empty", "xls", "malformed", "missing"} <= kinds
    rules = {f.rule for r in pooled if r.result for f in r.result.findings}
    assert {"S1", "S2", "S3", "S4", "R3.3"} <= rules


def test_strict_travels_to_the_workers(mixed):
    pooled = list(batch.check_many(mixed, jobs=2, threshold=0, strict=True))
    for one, other in zip((check_file(p, strict=True) for p in mixed), pooled, strict=True):
        _same(one, other)


def test_work_in_flight_is_bounded(tmp_path, monkeypatch):
    """However many files, only jobs × IN_FLIGHT_PER_WORKER tasks are queued ahead of the reader."""
    submitted = []

    class Counting(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            submitted.append(1)
            return super().submit(fn, *args, **kwargs)

        @property
        def max_workers(self):
            return self._max_workers

    monkeypatch.setattr(batch, "_executor", lambda n, pairing=None: Counting(max_workers=n))
    paths = [str(tmp_path / f"missing-{i:04d}.xlsx") for i in range(400)]
    limit = 2 * batch.IN_FLIGHT_PER_WORKER
    size = batch.chunk_size(400, 2)
    ahead = []
    for n, r in enumerate(batch.check_many(paths, jobs=2, threshold=0), start=1):
        assert r.path == paths[n - 1]
        ahead.append(len(submitted) - n // size)
    assert len(submitted) == -(-400 // size)
    assert max(ahead) <= limit + 1


@pytest.mark.parametrize("files", [17, 20, 64, 100, 1_000, 10_000, 300_000])
def test_chunks_keep_every_core_busy(files):
    """Small folders in small tasks (no core idles while another works through a big last task),
    large ones in tasks big enough that the round trip to a worker does not count."""
    for jobs in (2, 4, 16):
        size = batch.chunk_size(files, jobs)
        tasks = -(-files // size)
        assert tasks >= min(files, jobs * batch.CHUNKS_PER_WORKER)
        assert 1 <= size <= batch.MAX_CHUNK
        if files >= jobs * batch.CHUNKS_PER_WORKER * batch.MAX_CHUNK:
            assert size == batch.MAX_CHUNK


def test_small_runs_stay_in_process(monkeypatch, mixed):
    def refuse(*a, **k):
        raise AssertionError("no pool for a handful of files")

    monkeypatch.setattr(batch, "_executor", refuse)
    assert len(list(batch.check_many(mixed[:3]))) == 3
    assert len(list(batch.check_many(mixed, jobs=1, threshold=0))) == len(mixed)


def test_tally_counts_match_the_one_shot_summary(mixed):
    from xltools import verdict

    entries = []
    tally = batch.run(mixed, batch.Tally(json=True, sinks=[lambda d: entries.append(d.json)]), jobs=2)
    results = [check_file(p) for p in mixed]
    assert tally.counts == verdict.summary(results)
    assert entries == [verdict.json_entry(r) for r in results]
    assert tally.exit_code == 2


# --- the command --------------------------------------------------------------------------------


def _cli(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_check_folder_with_summary(mixed, tmp_path):
    folder = Path(mixed[0]).parent
    out = tmp_path / "汇总.xlsx"
    result = _cli(folder, "--summary", out)
    assert result.exit_code == 2  # unusable files met
    assert f"已生成汇总：{out}" in result.stderr
    assert "共 10 个文件：通过 2 个，有错误 4 个，无法使用 4 个；" in result.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "问题清单"]
    assert wb["汇总"].max_row == 11
    statuses = [c.value for c in wb["汇总"]["D"][1:]]
    assert statuses.count("无法使用") == 4 and statuses.count("通过") == 2


def test_summary_in_the_checked_folder_is_not_an_input(mixed, tmp_path):
    folder = tmp_path / "区"
    shutil.copytree(Path(mixed[0]).parent, folder)
    out = folder / "汇总.xlsx"
    first = _cli(folder, "--summary", out)
    assert out.exists()
    again = _cli(folder, "--summary", out)
    assert again.exit_code == 2
    assert f"{out} 已存在。如需覆盖，请加 --force；或换一个输出文件名。" in again.stderr
    assert again.stdout == ""  # refused before checking anything
    forced = _cli(folder, "--summary", out, "--force")
    assert forced.stdout == first.stdout  # the summary itself was not checked as a report
    assert openpyxl.load_workbook(out)["汇总"].max_row == 11


def test_summary_must_be_xlsx(mixed, tmp_path):
    result = _cli(mixed[0], "--summary", tmp_path / "汇总.csv")
    assert result.exit_code == 2
    assert "汇总文件应以 .xlsx 结尾" in result.stderr


def test_json_output_is_the_same_with_one_or_two_processes(mixed):
    one = _cli(*mixed, "--json", "-j", "1")
    two = _cli(*mixed, "--json", "-j", "2")
    assert one.exit_code == two.exit_code == 2
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert json.loads(two.stdout)["summary"] == {
        "files": 11,
        "ok": 2,
        "with_errors": 4,
        "unusable": 5,
        "errors": json.loads(one.stdout)["summary"]["errors"],
        "warnings": json.loads(one.stdout)["summary"]["warnings"],
    }


def test_human_output_is_the_same_with_one_or_two_processes(mixed):
    one = _cli(*mixed, "-j", "1")
    two = _cli(*mixed, "-j", "2")
    assert one.stdout == two.stdout
    assert one.stdout.startswith(f"{mixed[0]}（测试市测试区测试镇人民政府 2024年）：通过\n")


def test_progress_bar_for_long_runs_only(tmp_path):
    ok = fill_to(tmp_path / "ok.xlsx", VALID_TEXTS)
    assert "正在检查" not in _cli(ok).stderr
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(25):
        shutil.copy(ok, folder / f"u{i:02d}.xlsx")
    result = _cli(folder)
    assert result.exit_code == 0
    assert "正在检查" in result.stderr
    assert "共 25 个文件：通过 25 个" in result.stdout


def test_one_file_check_imports_no_pool_and_no_writer(tmp_path):
    """A single check starts fast: no process pool, no workbook writer, no Word or HTML machinery."""
    import subprocess
    import sys

    ok = fill_to(tmp_path / "ok.xlsx", VALID_TEXTS)
    code = (
        "import sys\nfrom xltools.cli import main\n"
        f"rc = main.main(['check', {str(ok)!r}], standalone_mode=False)\n"
        "heavy = [m for m in ('concurrent.futures.process', 'multiprocessing', 'xlsxwriter.workbook', 'openpyxl',"
        " 'docx', 'jinja2', 'xltools.collect.summary', 'xltools.collect.merge') if m in sys.modules]\n"
        "print(rc, heavy, file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert run.stderr.strip().splitlines()[-1] == "0 []", run.stderr
