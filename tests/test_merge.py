"""xltools merge: exact sums, scope (本级/汇总), refusals with the offenders listed, reconciliation."""

from __future__ import annotations

import json
import random
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.generate import TEXTS, unit_values
from xltools.cli import main
from xltools.collect import merge
from xltools.jsonform import report_to_json
from xltools.model import Report, Source
from xltools.rules.checker import check
from xltools.spec import FIELDS, Kind
from xltools.workbook.reader import read_input
from xltools.workbook.template import template_bytes


def report_of(values: dict) -> Report:
    return check(Source("", "json", values)).report


def write_json(path: Path, values: dict) -> Path:
    path.write_text(json.dumps(report_to_json(report_of(values)), ensure_ascii=False), encoding="utf-8")
    return path


def units(tmp_path: Path, n: int = 3, seed: int = 7, year: int = 2024) -> tuple[list[Path], list[dict]]:
    rng = random.Random(seed)
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    values = [unit_values(rng, f"测试区第{i}局", year) for i in range(1, n + 1)]
    return [write_json(folder / f"u{i}.json", v) for i, v in enumerate(values, 1)], values


def with_texts(obj: dict) -> dict:
    """A merged JSON report with its narrative written, as the summing office would."""
    for path, text in TEXTS.items():
        if path.startswith("overview."):
            obj.setdefault("overview", {})[path.split(".")[1]] = text
        elif "." not in path:
            obj[path] = text
    return obj


def run(*args: str):
    return CliRunner().invoke(main, ["merge", *map(str, args)])


def load_out(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- summing ------------------------------------------------------------------------------------


def test_default_scope_sums_tables_and_takes_documents_from_self(tmp_path):
    paths, vals = units(tmp_path)
    out = tmp_path / "区.json"
    result = run(*paths, "-o", out, "--name", "测试区人民政府", "--self", "测试区第2局")
    assert result.exit_code == 0, result.output
    merged = read_input(out)
    report = check(merged).report
    assert report.name == "测试区人民政府" and report.year == 2024
    for p in merge.SUMMED:
        if p.startswith("proactive.regulations.") or p.startswith("proactive.normative_documents."):
            assert report.values[p] == vals[1][p], p  # 本级: the self unit's own figure
        elif p in vals[0] and not p.startswith("previous."):
            assert report.values[p] == sum(v[p] for v in vals), p
    # totals are computed from the summed parts
    assert report.values["requests.new.total"] == sum(report_of(v).values["requests.new.total"] for v in vals)
    assert "二（一）　表二 第二十条第（一）项 规章、行政规范性文件：本级（取自 测试区第2局）" in result.output
    assert "三　表三 收到和处理政府信息公开申请情况：汇总（3 个单位相加）" in result.output
    record = load_out(out)["merge"]
    assert record["self"] == "测试区第2局"
    assert record["scope"]["二（一）"] == "本级" and record["scope"]["三"] == "汇总"
    assert record["unit_names"] == ["测试区第1局", "测试区第2局", "测试区第3局"]


def test_merged_json_checks_clean_except_the_narrative_left_to_write(tmp_path):
    paths, _ = units(tmp_path)
    out = tmp_path / "区.json"
    assert run(*paths, "-o", out, "--name", "测试区人民政府", "--self", paths[0]).exit_code == 0
    result = check(read_input(out))
    assert {f.rule for f in result.findings} == {"S4"}  # the "merge" record is not a finding
    assert {f.field for f in result.findings} == {
        "overview.summary",
        "overview.proactive",
        "overview.management",
        "overview.platform",
        "overview.oversight",
        "problems",
    }


def test_build_works_on_the_merged_report_once_the_narrative_is_written(tmp_path):
    paths, _vals = units(tmp_path)
    out = tmp_path / "区.json"
    assert run(*paths, "-o", out, "--name", "测试区人民政府", "--self", paths[0]).exit_code == 0
    obj = with_texts(load_out(out))
    out.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    built = CliRunner().invoke(main, ["build", str(out), "-o", str(tmp_path / "区.txt")])
    assert built.exit_code == 0, built.output
    text = (tmp_path / "区.txt").read_text(encoding="utf-8")
    assert "测试区人民政府2024年政府信息公开工作年度报告" in text


def test_xlsx_output_is_a_filled_template_with_the_sums_and_the_scope_recorded(tmp_path):
    paths, vals = units(tmp_path)
    out = tmp_path / "区.xlsx"
    result = run(*paths, "-o", out, "--name", "测试区人民政府", "--self", "测试区第1局", "--scope", "四=本级")
    assert result.exit_code == 0, result.output
    report = check(read_input(out)).report
    via_json = tmp_path / "区.json"
    assert (
        run(*paths, "-o", via_json, "--name", "测试区人民政府", "--self", "测试区第1局", "--scope", "四=本级").exit_code
        == 0
    )
    same = check(read_input(via_json)).report
    numeric = [p for p, f in FIELDS.items() if f.kind in (Kind.COUNT, Kind.DECIMAL)]
    assert {p: report.values[p] for p in numeric} == {p: same.values[p] for p in numeric}
    assert report.values["appeals.review.upheld"] == vals[0]["appeals.review.upheld"]
    with zipfile.ZipFile(out) as zf:
        custom = zf.read("docProps/custom.xml").decode("utf-8")
    assert "xltools_merge" in custom and "测试区第1局" in custom and "本级" in custom


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False), min_size=1, max_size=30))
def test_decimals_sum_exactly(amounts):
    acc = merge.Accumulator(self_key="单位0")
    for i, amount in enumerate(amounts):
        acc.add_report(
            f"u{i}.json", report_of({"agency.name": f"单位{i}", "year": 2024, "proactive.fees.amount_wan": amount})
        )
    result = merge.merge(acc, name="汇总")
    assert result.report.values["proactive.fees.amount_wan"] == sum(amounts, Decimal(0))


def test_no_float_drift_in_the_output(tmp_path):
    folder = tmp_path / "u"
    folder.mkdir()
    for i, amount in enumerate(("0.1", "0.2", "0.000001")):
        write_json(
            folder / f"{i}.json",
            {**TEXTS, "agency.name": f"单位{i}", "year": 2024, "processing_fee.amount_yuan": Decimal(amount)},
        )
    out = tmp_path / "o.json"
    assert run(folder, "-o", out, "--name", "汇总", "--self", "单位0").exit_code == 0
    assert load_out(out)["processing_fee"]["amount_yuan"] == "0.300001"


def test_unknown_fee_count_stays_blank_and_is_said(tmp_path):
    paths, vals = units(tmp_path)
    vals[2].pop("processing_fee.count")
    write_json(paths[2], vals[2])
    out = tmp_path / "o.json"
    result = run(*paths, "-o", out, "--name", "汇总", "--self", paths[0])
    assert result.exit_code == 0, result.output
    assert "count" not in load_out(out).get("processing_fee", {})
    assert "注意：有单位未填写“信息处理费收取件数（件）”，汇总数无法确定，已留空。" in result.output


# --- scope options ------------------------------------------------------------------------------


def test_scope_option_sums_documents_when_asked(tmp_path):
    paths, vals = units(tmp_path)
    out = tmp_path / "o.json"
    result = run(*paths, "-o", out, "--name", "汇总", "--scope", "二(一)=汇总")
    assert result.exit_code == 0, result.output
    got = load_out(out)["proactive"]["regulations"]["in_force"]
    assert got == sum(v["proactive.regulations.in_force"] for v in vals)
    assert load_out(out)["merge"]["self"] is None


def test_scope_accepts_ids_and_english_words():
    scope = merge.parse_scope(["regulations=sum", "表三=本级", "appeals＝self"])
    assert scope["二（一）"] == "汇总" and scope["三"] == "本级" and scope["四"] == "本级"
    assert scope["信息处理费"] == "汇总"


def test_bad_scope_is_a_usage_error(tmp_path):
    paths, _ = units(tmp_path, 1)
    result = run(*paths, "-o", tmp_path / "o.json", "--name", "汇总", "--scope", "表九=汇总")
    assert result.exit_code == 2
    assert (
        "口径设置中的“表九”不是可以选择口径的表或行组。可选：二（一）、二（五）、二（六）、二（八）、三、四、信息处理费。"
        "用法：--scope 二（一）=汇总，可多次使用。" in result.output
    )
    result = run(*paths, "-o", tmp_path / "o.json", "--name", "汇总", "--scope", "三")
    assert result.exit_code == 2 and "口径设置的写法是" in result.output and "用法：--scope" in result.output


def test_self_is_required_for_a_self_scoped_table(tmp_path):
    paths, _ = units(tmp_path)
    out = tmp_path / "o.json"
    result = run(*paths, "-o", out, "--name", "汇总")
    assert result.exit_code == 2
    assert (
        "表二 第二十条第（一）项 规章、行政规范性文件按本级取数，需要指明本级单位（机关全称或文件名）；"
        "如确需把各单位相加，请把口径改为汇总。请用 --self 指明本级单位，或加 --scope 二（一）=汇总。"
    ) in result.output
    assert not out.exists()


def test_self_not_among_the_inputs(tmp_path):
    paths, _ = units(tmp_path)
    result = run(*paths, "-o", tmp_path / "o.json", "--name", "汇总", "--self", "不存在的局")
    assert result.exit_code == 2
    assert "在输入中找不到本级单位“不存在的局”" in result.output


def test_name_is_required_without_a_parent(tmp_path):
    paths, _ = units(tmp_path, 1)
    result = run(*paths, "-o", tmp_path / "o.json")
    assert result.exit_code == 2 and "汇总报告需要写明机关全称。请用 --name 写明。" in result.output


def test_output_suffix(tmp_path):
    paths, _ = units(tmp_path, 1)
    result = run(*paths, "-o", tmp_path / "o.docx", "--name", "汇总")
    assert result.exit_code == 2 and "输出文件应以 .json 或 .xlsx 结尾" in result.output


# --- refusals -----------------------------------------------------------------------------------


def test_mixed_years_are_refused_with_the_offenders(tmp_path):
    paths, vals = units(tmp_path, 3)
    vals[1]["year"] = 2023
    write_json(paths[1], vals[1])
    out = tmp_path / "o.json"
    result = run(*paths, "-o", out, "--name", "汇总", "--self", paths[0])
    assert result.exit_code == 2
    assert "年度不一致：2 份是 2024 年的报告，以下不是：" in result.output
    assert f"{paths[1]}（测试区第2局）：2023 年" in result.output
    assert not out.exists()


def test_duplicate_units_are_refused(tmp_path):
    paths, vals = units(tmp_path, 3)
    vals[2]["agency.name"] = " 测试区第1局 "
    write_json(paths[2], vals[2])
    result = run(*paths, "-o", tmp_path / "o.json", "--name", "汇总", "--self", paths[1])
    assert result.exit_code == 2
    assert "以下 1 个单位重复出现（同一单位只能计入一次）：" in result.output
    assert f"测试区第1局：{paths[0]}、{paths[2]}" in result.output


def test_invalid_and_unusable_inputs_are_refused_together(tmp_path):
    paths, vals = units(tmp_path, 3)
    vals[1]["requests.new.natural"] += 1  # breaks R3.3, and R3.1 against the stated total
    write_json(paths[1], vals[1])
    junk = paths[0].parent / "坏.xlsx"
    junk.write_bytes(b"not a workbook")
    out = tmp_path / "o.json"
    result = run(paths[0].parent, "-o", out, "--name", "汇总", "--self", paths[0])
    assert result.exit_code == 2  # the highest status met: an unusable file
    assert "无法汇总：" in result.output
    assert "以下 1 个文件无法使用：" in result.output and f"{junk}：这不是 Excel 工作簿" in result.output
    assert "以下 1 份报告有错误，请先逐一检查并改正：" in result.output
    assert f"{paths[1]}（测试区第2局）：2 处错误"  # R3.1 on the stated total, R3.3 in result.output
    junk.unlink()
    result = run(paths[0].parent, "-o", out, "--name", "汇总", "--self", paths[0])
    assert result.exit_code == 1, result.output
    assert not out.exists()


def test_refusal_lists_are_bounded():
    acc = merge.Accumulator()
    for i in range(merge.MAX_LISTED + 5):
        acc.unusable.append((f"f{i}.xlsx", "坏"))
    lines, code = merge.refusals(acc)
    assert code == 2 and lines[-1] == "    ……另有 5 个" and len(lines) == merge.MAX_LISTED + 2


# --- reconciliation -----------------------------------------------------------------------------


def test_reconciliation_lists_each_differing_cell_and_missing_units(tmp_path):
    paths, vals = units(tmp_path, 3)
    out = tmp_path / "o.json"
    assert run(*paths, "-o", out, "--name", "测试区人民政府", "--self", paths[0]).exit_code == 0
    parent = with_texts(load_out(out))
    parent.pop("merge")
    parent["proactive"]["licensing"]["decisions"] += 4
    parent["proactive"]["regulations"]["issued"] += 1
    parent_path = tmp_path / "区本身.json"
    parent_path.write_text(json.dumps(parent, ensure_ascii=False), encoding="utf-8")
    roster = tmp_path / "名单.txt"
    roster.write_text("# 应报单位\n测试区第1局\n测试区第2局\n测试区第3局\n测试区第4局\n", encoding="utf-8")
    result = run(*paths, "-o", tmp_path / "o2.json", "--self", paths[0], "--parent", parent_path, "--roster", roster)
    assert result.exit_code == 0, result.output
    lic = sum(v["proactive.licensing.decisions"] for v in vals)
    assert f"核对上级报告 {parent_path}（测试区人民政府）：2 处与下级合计不一致：" in result.output
    assert (
        f"二、主动公开 行政许可行 本年处理决定数量列：上级报告为 {lic + 4}，各单位合计为 {lic}（相差 +4）。统计口径可能不同，请核实。"
    ) in result.output
    reg = vals[0]["proactive.regulations.issued"]
    assert f"上级报告为 {reg + 1}，本级单位（测试区第1局）为 {reg}（相差 +1）" in result.output
    assert "单位名单中有 1 个单位没有报告：\n    测试区第4局" in result.output
    record = load_out(tmp_path / "o2.json")["merge"]
    assert load_out(tmp_path / "o2.json")["agency"]["name"] == "测试区人民政府"  # --name defaults to the parent's
    assert record["parent"] == "测试区人民政府" and record["missing"] == ["测试区第4局"]
    assert {f["field"] for f in record["reconciliation"]} == {
        "proactive.licensing.decisions",
        "proactive.regulations.issued",
    }
    assert record["reconciliation"][0]["severity"] == "warning"


def test_reconcile_is_pure_and_silent_when_everything_agrees():
    a = report_of({"agency.name": "甲", "year": 2024, "requests.new.natural": 3})
    assert merge.reconcile(a, a, merge.DEFAULT_SCOPE, None) == []
    b = report_of({"agency.name": "甲", "year": 2024, "requests.new.natural": 5})
    found = merge.reconcile(b, a, merge.DEFAULT_SCOPE, None)
    assert {f.field for f in found} == {"requests.new.natural", "requests.new.total"}
    assert all(f.severity == "warning" and f.rule == "M1" for f in found)


def test_parent_of_another_year_is_refused(tmp_path):
    paths, vals = units(tmp_path, 2)
    parent = write_json(tmp_path / "p.json", {**vals[0], "agency.name": "测试区人民政府", "year": 2023})
    result = run(*paths, "-o", tmp_path / "o.json", "--self", paths[0], "--parent", parent)
    assert result.exit_code == 2
    assert f"{parent}（测试区人民政府）：2023 年" in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_same_result_with_or_without_the_pool(tmp_path, jobs, monkeypatch):
    from xltools.collect import batch

    monkeypatch.setattr(batch, "POOL_THRESHOLD", 2)
    paths, vals = units(tmp_path, 5)
    out = tmp_path / f"o{jobs}.json"
    assert run(*paths, "-o", out, "--name", "汇总", "--self", paths[0], "-j", jobs).exit_code == 0
    got = load_out(out)
    assert got["requests"]["new"]["total"] == sum(report_of(v).values["requests.new.total"] for v in vals)


def test_xlsx_units_merge_like_json_units(tmp_path):
    rng = random.Random(3)
    vals = [unit_values(rng, f"乡{i}", 2024) for i in range(2)]
    xs = []
    for i, v in enumerate(vals):
        p = tmp_path / f"{i}.xlsx"
        p.write_bytes(template_bytes(v))
        xs.append(p)
    out = tmp_path / "o.json"
    assert run(*xs, "-o", out, "--name", "汇总", "--self", "乡0").exit_code == 0
    assert Decimal(load_out(out)["proactive"]["fees"]["amount_wan"]) == sum(
        v["proactive.fees.amount_wan"] for v in vals
    )


def test_output_is_required_with_a_chinese_message(tmp_path):
    paths, _ = units(tmp_path, 1)
    result = run(*paths, "--name", "汇总")
    assert result.exit_code == 2
    assert "请用 -o 指定汇总报告保存到的文件，例如 -o 汇总.xlsx 或 -o 汇总.json。" in result.output


def test_parent_inside_the_input_folder_is_not_a_unit(tmp_path):
    paths, vals = units(tmp_path, 2)
    parent = write_json(paths[0].parent / "区本身.json", {**vals[0], "agency.name": "测试区人民政府"})
    out = tmp_path / "o.json"
    result = run(paths[0].parent, "-o", out, "--self", paths[0], "--parent", parent)
    assert result.exit_code == 0, result.output
    assert load_out(out)["merge"]["unit_names"] == ["测试区第1局", "测试区第2局"]


def test_scope_record_fits_an_excel_text_property(tmp_path):
    rng = random.Random(9)
    long_name = "某" * 200
    p = tmp_path / "u.json"
    write_json(p, unit_values(rng, long_name))
    out = tmp_path / "o.xlsx"
    assert run(p, "-o", out, "--name", "汇总", "--self", long_name).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        custom = zf.read("docProps/custom.xml").decode("utf-8")
    record = custom.split('name="xltools_merge"', 1)[1].split("<vt:lpwstr>", 1)[1].split("</vt:lpwstr>", 1)[0]
    assert len(record) <= 255 and json.loads(record)["scope"]["二（一）"] == "本级"


def test_a_self_unit_not_found_is_an_error_even_when_no_table_needs_it(tmp_path):
    paths, _ = units(tmp_path, 2)
    result = run(*paths, "-o", tmp_path / "o.json", "--name", "汇总", "--scope", "二（一）=汇总", "--self", "第九局")
    assert result.exit_code == 2 and "在输入中找不到本级单位“第九局”" in result.output
