"""Last year's reports identified with `keep` are read once: the check that pairs with
one takes it as it was kept. Whatever the mode, the results are the same, and the run's folder of
kept reports is gone when the run ends, however it ends."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests import corpus
from tests.workbooks import VALID_TEXTS, fill, fill_to
from xltools import previous, verdict
from xltools.collect.batch import check_many
from xltools.previous import Pairing

NAME = VALID_TEXTS["agency.name"]


def _unit(folder: Path, file: str, name: str, year: int, **values) -> Path:
    return fill_to(folder / file, {**VALID_TEXTS, "agency.name": name, "year": year, **values})


@pytest.fixture
def folders(tmp_path):
    """This year's units and last year's folder: a plain pair, a renamed agency, a last year's
    report readable only as far as its agency (its table 三 is damaged), two candidates, none."""
    this, last = tmp_path / "本年", tmp_path / "上年"
    this.mkdir()
    last.mkdir()
    units = [
        _unit(this, "a.xlsx", "甲局", 2024, **{"requests.carried_in.natural": 2}),
        _unit(this, "b.xlsx", "淮安市洪泽区人民政府", 2024),
        _unit(this, "c.xlsx", "丙局", 2024),
        _unit(this, "d.xlsx", "丁局", 2024),
        _unit(this, "e.xlsx", "戊局", 2024),
    ]
    _unit(last, "a.xlsx", "甲局", 2023, **{"requests.carried_over.natural": 3})
    _unit(last, "b.xlsx", "洪泽区人民政府", 2023)
    base = fill({**VALID_TEXTS, "agency.name": "丙局", "year": 2023})
    part = corpus.sheet_part(base, corpus.spec.SHEET_REQUESTS)
    (last / "c.xlsx").write_bytes(corpus.rezip(base, {part: b"<worksheet><sheetData><row"}))
    _unit(last, "d1.xlsx", "丁局", 2023)
    _unit(last, "d2.xlsx", "丁局", 2023)
    return [str(u) for u in units], str(last)


def _run(paths, last, **kw) -> list[dict]:
    return [verdict.as_json([r]) for r in check_many(paths, threshold=1, pairing=Pairing.of_dir(last), **kw)]


def _kept_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("xltools-previous-*")}


@pytest.mark.parametrize("jobs", [1, 2])
def test_kept_or_read_again_the_results_are_the_same(folders, jobs):
    paths, last = folders
    kept = _run(paths, last, jobs=jobs, keep_previous=True)
    assert kept == _run(paths, last, jobs=jobs, keep_previous=False)
    rules = [{f["rule"] for f in r["files"][0]["findings"]} for r in kept]
    assert "X1" in rules[0]  # 甲局: compared with last year's (上年结转 2, last year's 结转下年度 3)
    assert "X0" in rules[1]  # the renamed agency found its last year's report
    assert all("X4" in rules[i] for i in (2, 3, 4))  # unusable, two candidates, none: not compared


def test_a_kept_report_is_not_read_again(folders, monkeypatch):
    paths, last = folders
    read = []
    monkeypatch.setattr(
        previous, "load_previous", lambda path, _load=previous.load_previous: read.append(path) or _load(path)
    )
    list(check_many(paths, jobs=1, pairing=Pairing.of_dir(last), keep_previous=True))
    assert [Path(p).name for p in read] == ["c.xlsx"]  # only the one that could not be kept
    read.clear()
    list(check_many(paths, jobs=1, pairing=Pairing.of_dir(last), keep_previous=False))
    assert sorted(Path(p).name for p in read) == ["a.xlsx", "b.xlsx", "c.xlsx"]


def test_the_kept_reports_are_gone_when_the_run_ends_however_it_ends(folders):
    paths, last = folders
    before = _kept_folders()
    list(check_many(paths, jobs=1, pairing=Pairing.of_dir(last), keep_previous=True))
    assert _kept_folders() == before
    run = check_many(paths, jobs=1, pairing=Pairing.of_dir(last), keep_previous=True)
    next(run)
    assert len(_kept_folders() - before) == 1  # while it runs
    run.close()  # the consumer stops (an error, Ctrl-C)
    assert _kept_folders() == before


def test_kept_only_when_last_years_folder_is_not_much_larger(folders, monkeypatch):
    paths, last = folders
    made = []
    real = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: made.append(kw) or real(**kw))
    list(check_many(paths[:1], jobs=1, pairing=Pairing.of_dir(last)))  # 6 files of last year for 1
    assert made == []
    list(check_many(paths, jobs=1, pairing=Pairing.of_dir(last)))  # 6 for 5
    assert len(made) == 1
