"""`--previous` and `--previous-dir` on check and build, and `--strict`, through the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_soft import BASE
from tests.workbooks import VALID_TEXTS, fill_to
from xltools.cli import main
from xltools.workbook.layout import field_ref


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def this_year(**changes) -> dict:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def last_year(name: str = BASE["agency"]["name"], year: int = 2023, carried_over: int = 1) -> dict:
    data = copy.deepcopy(BASE)
    data["year"] = year
    data["agency"]["name"] = name
    data["requests"] = {
        "new": {"natural": 11},
        "granted": {"natural": 11 - carried_over},
        "carried_over": {"natural": carried_over},
    }
    data["proactive"] = {"normative_documents": {"in_force": 9}}
    data["appeals"] = {"review": {"upheld": 2}, "suit_direct": {"upheld": 2}}
    for key in data["overview"]:
        data["overview"][key] = "上年的文字完全不同，只谈当年的工作安排和成效。"
    data["problems"] = "上年问题在于队伍建设薄弱，人员流动较快，培训不足，需要加强。"
    return data


def test_check_previous_consistent(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2023.json", last_year())
    result = invoke("check", this, "--previous", last)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{this}（测试市测试区教育局 2024年）：通过"


def test_check_previous_x1_warning_human_and_json(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2023.json", last_year(carried_over=3))
    result = invoke("check", this, "--previous", last)
    assert result.exit_code == 0
    assert "! [X1]" in result.output and "上年报告的结转下年度继续办理为 3" in result.output
    data = json.loads(invoke("check", this, "--previous", last, "--json").output)
    (f,) = [f for f in data["files"][0]["findings"] if f["rule"] == "X1"]
    assert f["severity"] == "warning" and f["expected"] == 3 and f["actual"] == 1
    assert data["summary"]["warnings"] >= 1 and data["summary"]["errors"] == 0


def test_check_previous_workbooks_name_both_cells(tmp_path):
    last = fill_to(
        tmp_path / "2023.xlsx",
        {**VALID_TEXTS, "year": 2023, "requests.new.natural": 3, "requests.carried_over.natural": 3},
    )
    this = fill_to(
        tmp_path / "2024.xlsx", {**VALID_TEXTS, "requests.carried_in.natural": 2, "requests.granted.natural": 2}
    )
    result = invoke("check", this, "--previous", last)
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if "[X1]" in ln)
    this_cell = field_ref("requests.carried_in.natural").split("!")[1]
    assert line.strip().startswith(f"! [X1] {this_cell} ")
    assert f"（{field_ref('requests.carried_over.natural')}）" in line


def test_check_previous_wrong_year_is_exit_2(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2022.json", last_year(year=2022))
    result = invoke("check", this, "--previous", last)
    assert result.exit_code == 2
    assert f"用作对照的上年报告 {last} 是 2022 年度的，本报告是 2024 年度，应使用 2023 年度的报告。" in result.output
    data = json.loads(invoke("check", this, "--previous", last, "--json").output)
    assert data["files"][0]["error"]["code"] == "previous_year"


def test_check_previous_missing_is_exit_2(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    result = invoke("check", this, "--previous", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "上年报告无法使用：文件不存在" in result.stderr


def test_check_previous_and_dir_together_is_usage_error(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    result = invoke("check", this, "--previous", this, "--previous-dir", tmp_path)
    assert result.exit_code == 2 and "只能用一个" in result.stderr


def test_check_previous_renamed_agency_warns(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2023.json", last_year(name="测试区教育局"))
    result = invoke("check", this, "--previous", last)
    assert result.exit_code == 0
    assert "! [X0] agency.name 机关全称与上年报告不同：本年“测试市测试区教育局”，上年“测试区教育局”" in result.output


def test_previous_dir_pairs_by_agency(tmp_path):
    now, before = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    before.mkdir()
    a = write(now / "a.json", this_year())
    b_data = this_year()
    b_data["agency"] = {**b_data["agency"], "name": "淮安市洪泽区人民政府", "level": "department"}
    b = write(now / "b.json", b_data)
    c_data = this_year()
    c_data["agency"] = {**c_data["agency"], "name": "没有上年报告的单位"}
    c = write(now / "c.json", c_data)
    write(before / "a-2023.json", last_year(carried_over=5))  # same agency: X1 fires
    write(before / "a-2022.json", last_year(year=2022))  # same agency, other year: ignored
    write(before / "b-2023.json", last_year(name="洪泽区人民政府"))  # renamed: paired, X0 shown
    (before / "broken.json").write_text("{", encoding="utf-8")
    data = json.loads(invoke("check", now, "--previous-dir", before, "--json").output)
    by_path = {Path(f["path"]).name: [x["rule"] for x in f["findings"]] for f in data["files"]}
    assert by_path == {"a.json": ["X1"], "b.json": ["X0"], "c.json": ["X4"]}
    c_msg = next(f for f in data["files"] if f["path"] == str(c))["findings"][0]["message"]
    assert "没有找到“没有上年报告的单位”2023 年度的报告" in c_msg
    assert {str(a), str(b), str(c)} == {f["path"] for f in data["files"]}


def test_previous_dir_ambiguous(tmp_path):
    now, before = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    before.mkdir()
    write(now / "a.json", this_year())
    write(before / "one.json", last_year(carried_over=5))
    write(before / "two.json", last_year(carried_over=5))
    data = json.loads(invoke("check", now, "--previous-dir", before, "--json").output)
    (f,) = data["files"][0]["findings"]
    assert f["rule"] == "X4" and "有 2 份可能是本机关 2023 年度的报告" in f["message"]


def test_previous_dir_not_a_folder(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    result = invoke("check", this, "--previous-dir", tmp_path / "missing")
    assert result.exit_code == 2 and "不是文件夹。--previous-dir 后面应是上年报告所在的文件夹。" in result.stderr


# --- strict -----------------------------------------------------------------------------------------


def test_strict_makes_warnings_block(tmp_path):
    data = this_year(problems="无")
    path = write(tmp_path / "thin.json", data)
    relaxed = invoke("check", path)
    assert relaxed.exit_code == 0 and "通过，1 处提示请核实" in relaxed.output
    strict = invoke("check", path, "--strict")
    assert strict.exit_code == 1
    assert "未通过：1 处错误" in strict.output and "× [C4]" in strict.output
    js = json.loads(invoke("check", path, "--strict", "--json").output)
    assert js["files"][0]["findings"][0]["severity"] == "error"


def test_strict_with_previous_dir_missing_pair_is_error(tmp_path):
    now, before = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    before.mkdir()
    write(now / "a.json", this_year())
    result = invoke("check", now, "--previous-dir", before, "--strict")
    assert result.exit_code == 1 and "× [X4]" in result.output


# --- build ------------------------------------------------------------------------------------------


def test_build_previous_warnings_on_stderr(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2023.json", last_year(carried_over=3))
    result = invoke("build", this, "--previous", last)
    assert result.exit_code == 0, result.stderr
    assert "[X1]" in result.stderr and "[X1]" not in result.stdout
    assert "测试市测试区教育局2024年政府信息公开工作年度报告" in result.stdout


def test_build_previous_wrong_year_is_exit_2(tmp_path):
    this = write(tmp_path / "2024.json", this_year())
    last = write(tmp_path / "2024b.json", this_year())
    out = tmp_path / "r.txt"
    result = invoke("build", this, "--previous", last, "-o", out)
    assert result.exit_code == 2
    assert "应使用 2023 年度的报告" in result.stderr
    assert not out.exists()


def test_previous_dir_through_the_process_pool(tmp_path):
    """A batch large enough for worker processes pairs exactly as one process does."""
    now, before = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    before.mkdir()
    for i in range(20):
        data = this_year()
        data["agency"] = {**data["agency"], "name": f"测试区第{i}局"}
        write(now / f"u{i:02}.json", data)
        write(before / f"u{i:02}.json", last_year(name=f"测试区第{i}局", carried_over=1 if i % 2 else 4))
    pooled = json.loads(invoke("check", now, "--previous-dir", before, "--json", "-j", "2").stdout)
    single = json.loads(invoke("check", now, "--previous-dir", before, "--json", "-j", "1").stdout)
    assert pooled == single
    rules = [[f["rule"] for f in f["findings"]] for f in pooled["files"]]
    assert rules == [["X1"] if i % 2 == 0 else [] for i in range(20)]


@pytest.mark.slow
def test_previous_dir_of_workbooks_is_identified_in_the_pool(tmp_path, monkeypatch):
    """Last year's folder is identified by the worker processes (year and agency only), the pairing
    reaches each worker once, not with every task, and the findings are those of one process. A
    last-year workbook that can be identified but not read whole is left out as it always was."""
    from tests import corpus
    from xltools import previous
    from xltools.collect import batch
    from xltools.collect.pool import Pool
    from xltools.spec import SHEET_REQUESTS

    now, before = tmp_path / "2024", tmp_path / "2023"
    now.mkdir()
    before.mkdir()
    names = [f"测试区第{i}局" for i in range(18)]
    for i, name in enumerate(names):
        fill_to(now / f"u{i:02}.xlsx", {**VALID_TEXTS, "agency.name": name, "requests.carried_in.natural": 1})
        last = fill_to(before / f"u{i:02}.xlsx", {**VALID_TEXTS, "year": 2023, "agency.name": name})
        if i == 5:  # its year and agency read, its table 三 damaged
            data = last.read_bytes()
            last.write_bytes(corpus.rezip(data, {corpus.sheet_part(data, SHEET_REQUESTS): b"<worksheet"}))
    tasks = []

    class Recording(Pool):
        def submit(self, fn, *args, **kwargs):
            assert not any(isinstance(a, previous.Pairing) for a in args)
            tasks.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(
        batch, "_executor", lambda n, pairing=None: Recording(n, initializer=batch._start_worker, initargs=(pairing,))
    )
    paths = batch.input_paths([now])
    pooled = list(batch.check_many(paths, jobs=2, pairing=previous.pairing(None, str(before))))
    single = list(batch.check_many(paths, jobs=1, pairing=previous.pairing(None, str(before))))
    assert "_identify_chunk" in tasks and "_check_chunk" in tasks
    for one, other in zip(single, pooled, strict=True):
        assert (one.path, one.error, one.result.findings) == (other.path, other.error, other.result.findings)
    rules = [sorted(f.rule for f in r.result.findings) for r in pooled]
    assert "X4" in rules[5] and "X1" not in rules[5]
    assert any("没有找到" in f.message for f in pooled[5].result.findings)
    assert all("X1" in r and "X4" not in r for i, r in enumerate(rules) if i != 5)  # 上年结转 1 against 0
