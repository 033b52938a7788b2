"""Never a wrong number in silence: the project's published reports, varied the way real
sites print theirs (tests/variants.py), import so that every table value is either exactly the
one printed or named as unread (I2) - never a different number."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.variants import BASE_NAMES, LOSSLESS, VARIANTS, as_html, base, variant
from xltools import spec
from xltools.published import Imported, import_bytes

TABLE_VALUES = [p for p in spec.FIELDS if p.split(".", 1)[0] in ("proactive", "requests", "appeals")]


@cache
def reference(name: str) -> Imported:
    return import_bytes(base(name).encode("utf-8"), "txt", f"{name}.txt")


def imported(name: str, names: tuple[str, ...], kind: str = "txt") -> Imported:
    text = variant(base(name), names)
    if kind == "html":
        return import_bytes(as_html(text).encode("utf-8"), "html", "variant.html")
    return import_bytes(text.encode("utf-8"), "txt", "variant.txt")


def tally(name: str, got: Imported) -> tuple[int, int, list[str]]:
    """(exact, unread, wrong paths) of a variant's table values against its base's."""
    ref = reference(name)
    exact = unread = 0
    wrong = []
    for path in TABLE_VALUES:
        if path not in ref.values:
            continue
        if path in got.values:
            if got.values[path] == ref.values[path]:
                exact += 1
            else:
                wrong.append(f"{path}: {got.values[path]!r} (printed {ref.values[path]!r})")
        elif path in got.unread:
            unread += 1
        else:
            wrong.append(f"{path}: neither read nor named as unread")
    return exact, unread, wrong


def assert_exact_or_named(name: str, got: Imported) -> None:
    _, unread, wrong = tally(name, got)
    assert wrong == []
    i2 = [n for n in got.notes if n.rule == "I2"]
    assert bool(i2) == bool(unread)  # what was not read is said, and only that
    for path in got.unread:
        assert path not in got.values
        assert got.to_json() is not None and _json_at(got.to_json(), path) is None  # never 0 in the JSON form


def _json_at(obj: dict, path: str):
    from xltools.jsonform import json_keys

    node = obj
    for key in json_keys(path):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def test_the_bases_are_read_whole():
    for name in BASE_NAMES:
        ref = reference(name)
        assert ref.unread == {}
        assert [p for p in TABLE_VALUES if p not in ref.values] == []


@pytest.mark.parametrize("name", BASE_NAMES)
@pytest.mark.parametrize("how", sorted(VARIANTS))
def test_every_variant_reads_each_value_exactly_or_names_it(name, how):
    got = imported(name, (how,))
    assert_exact_or_named(name, got)
    if how in LOSSLESS:  # nothing of the tables is lost: every value comes back
        assert got.unread == {}
        assert tally(name, got)[0] == len([p for p in TABLE_VALUES if p in reference(name).values])


@pytest.mark.parametrize("how", sorted(LOSSLESS))
def test_a_lossless_variant_checks_like_its_base(how):
    ref, got = reference("huaian").check(), imported("huaian", (how,)).check()
    assert [(f.rule, f.field) for f in got.errors] == [(f.rule, f.field) for f in ref.errors]


def test_the_departments_own_numbering_is_read_by_the_tables_not_the_headings():
    """The issue's department: narrative parts 三、主动公开工作情况 / 四、政府信息公开申请情况 and tables
    titled 一、二、三 of their own; table 三 with distinct numbers, so a shifted column would show."""
    got = imported("huaian-distinct", ("renumbered_with_own_table_numbers",))
    assert got.unread == {} and tally("huaian-distinct", got)[2] == []
    assert got.values["requests.new.natural"] == 11 and got.values["requests.new.other"] == 16


def test_the_numbered_base_is_read_as_written_and_raises_no_table_finding():
    """suoluo's tables print only zeros; numbered anew (every identity kept), a value read into
    another row or column cannot pass as right - and the base is read exactly as generated."""
    from tests import variants

    ref = reference("suoluo-distinct")
    assert [ref.values[f"proactive.regulations.{c}"] for c in ("issued", "repealed", "in_force")] == [7, 2, 31]
    assert [ref.values[f"proactive.normative_documents.{c}"] for c in ("issued", "repealed", "in_force")] == [12, 5, 48]
    cols = [c.id for c in spec.REQUESTS.columns]
    for row, want in zip([r.id for r in spec.REQUESTS.rows], variants._REQUEST_ROWS, strict=True):
        assert [ref.values[f"requests.{row}.{c}"] for c in cols] == [*want, sum(want)], row
    assert [ref.values[p] for p in TABLE_VALUES if p.startswith("appeals.")] == variants._APPEALS
    assert [f for f in ref.check().findings if f.rule.startswith(("R", "S", "I"))] == []


@pytest.mark.parametrize("name", ["huaian", "suoluo-distinct"])
def test_in_force_never_lands_in_repealed(name):
    """A real report's 现行有效件数 of 表二 was once stored as 本年废止件数. Printed in another order it is read by
    its heading; not printed at all, 本年废止件数 is unread and named, never filled from a neighbour."""
    ref = reference(name)
    paths = [p for p in TABLE_VALUES if p.startswith(("proactive.regulations.", "proactive.normative_documents."))]
    got = imported(name, ("proactive_columns_reordered",))
    assert got.unread == {} and [got.values[p] for p in paths] == [ref.values[p] for p in paths]
    got = imported(name, ("proactive_column_left_out",))
    for row in ("regulations", "normative_documents"):
        assert got.values[f"proactive.{row}.in_force"] == ref.values[f"proactive.{row}.in_force"]
        assert got.values[f"proactive.{row}.issued"] == ref.values[f"proactive.{row}.issued"]
        assert f"proactive.{row}.repealed" not in got.values and f"proactive.{row}.repealed" in got.unread
    assert {n.field for n in got.notes if n.rule == "I2"} == {
        "proactive.regulations.repealed",
        "proactive.normative_documents.repealed",
    }
    assert all("本年废止件数" in n.message for n in got.notes if n.rule == "I2")


@pytest.mark.parametrize("name", ["huaian-distinct", "suoluo-distinct"])
def test_a_table_three_of_three_columns_stores_nothing_as_business(name):
    """A 表三 of 自然人 | 法人或其他组织 | 总计 once had its 法人或其他组织 figure stored as 商业企业.
    Nothing of it is placed; one finding names the table (not one per row), none blames the report."""
    got = imported(name, ("requests_three_columns",))
    assert [p for p in got.values if p.startswith("requests.")] == []
    assert len([p for p in got.unread if p.startswith("requests.")]) == len(spec.REQUESTS.rows) * 7
    (i2,) = [n for n in got.notes if n.rule == "I2"]
    assert i2.field == "requests" and "25 行共 175 个数字" in i2.message
    assert not [f for f in got.check().findings if f.rule in ("S2", "R3.1", "R3.2", "R3.3")]


@pytest.mark.parametrize("name", ["huaian", "suoluo-distinct"])
def test_a_row_not_found_is_unread_not_left_empty(name):
    """Rows the importer could not find once became S2 "未填写", blaming the agency. A row the
    page lacks is I2, named with the row, and the sums that need it are not checked."""
    got = imported(name, ("requests_row_left_out",))
    row = "requests.not_processed.duplicate"
    assert set(got.unread) == {f"{row}.{c.id}" for c in spec.REQUESTS.columns}
    (i2,) = [n for n in got.notes if n.rule == "I2"]
    assert i2.field == row and "找不到“2.重复申请”行" in i2.message
    findings = got.check().findings
    assert not [f for f in findings if f.rule == "S2"]
    ref_errors = {(f.rule, f.field) for f in reference(name).check().errors}
    assert {(f.rule, f.field) for f in got.check().errors} <= ref_errors  # nothing new blamed on the report


def test_a_header_of_two_columns_leaves_table_three_unread_with_one_finding():
    got = imported("huaian-distinct", ("requests_header_two_columns",))
    assert {p.split(".", 1)[0] for p in got.unread} == {"requests"}
    assert [p for p in got.values if p.startswith("requests.")] == []  # nothing stored as 商业企业
    (i2,) = [n for n in got.notes if n.rule == "I2"]
    assert i2.field == "requests" and "175 个数字" in i2.message
    findings = got.check().findings
    assert not [f for f in findings if f.rule in ("S2", "R3.1", "R3.2", "R3.3")]  # nothing blamed on the report


def test_a_missing_cell_leaves_its_row_unread_not_shifted():
    got = imported("huaian-distinct", ("cell_dropped",))
    assert set(got.unread) == {f"requests.carried_in.{c.id}" for c in spec.REQUESTS.columns}
    (i2,) = [n for n in got.notes if n.rule == "I2"]
    assert i2.field == "requests.carried_in" and "只印出 6 个数字，应为 7 个" in i2.message


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(BASE_NAMES),
    st.lists(st.sampled_from(sorted(VARIANTS)), min_size=1, max_size=5, unique=True),
    st.sampled_from(["txt", "html"]),
)
def test_any_combination_of_variants_is_exact_or_named(name, names, kind):
    assert_exact_or_named(name, imported(name, tuple(names), kind))


@pytest.mark.parametrize("name", BASE_NAMES)
@pytest.mark.parametrize("how", sorted(VARIANTS))
def test_every_variant_as_a_saved_page_reads_each_value_exactly_or_names_it(name, how):
    """The same variants as web pages (tables as <table>, the report inside a site's page)."""
    got = imported(name, (how,), "html")
    assert_exact_or_named(name, got)
    if how in LOSSLESS:
        assert got.unread == {}


# --- titles, levels and dates as real reports print them ------------------------------------------


@pytest.mark.parametrize("name", BASE_NAMES)
@pytest.mark.parametrize("how", sorted(VARIANTS))
def test_the_agency_and_year_survive_every_variant(name, how):
    ref, got = reference(name), imported(name, (how,))
    for path in ("agency.name", "year", "agency.level"):
        assert got.values.get(path) == ref.values[path], path
    assert not [n for n in got.notes if "找不到报告标题" in n.message]


@pytest.mark.parametrize(
    ("title", "name", "year"),
    [
        ("2025年黄浦区财政局政府信息公开工作年度报告", "黄浦区财政局", 2025),
        ("2025 年度黄浦区财政局政府信息公开工作年度报告", "黄浦区财政局", 2025),
        ("上海市黄浦区财政局\n2025年政府信息公开工作年度报告", "上海市黄浦区财政局", 2025),
        ("上海市黄浦区财政局2025年政府信息\n公开工作年度报告", "上海市黄浦区财政局", 2025),
        ("上海市黄浦区财政局２０２５ 年政府信息公开工作年度报告", "上海市黄浦区财政局", 2025),
    ],
)
def test_title_forms(title, name, year):
    text = base("suoluo").split("\n", 1)[1]
    got = import_bytes(f"{title}\n{text}".encode(), "txt", "t.txt")
    assert (got.values["agency.name"], got.values["year"]) == (name, year)
    assert got.values["agency.level"] == "department"


@pytest.mark.parametrize("agency", ["淮安市", "淮安市人民政府", "上海市黄浦区"])
def test_a_citys_report_is_a_government_not_a_department(agency):
    """A city's report once came back as a department."""
    text = base("huaian").split("\n", 3)[3].split("\n", 1)[1]  # the report without its title
    got = import_bytes(f"{agency}\n2024年政府信息公开工作年度报告\n{text}".encode(), "txt", "t.txt")
    assert (got.values["agency.name"], got.values["agency.level"]) == (agency, "government")


def test_a_title_without_the_agency_takes_the_pages_title_or_the_signature():
    text = base("suoluo").split("\n", 1)[1]
    bare = "2024年政府信息公开工作年度报告"
    page = import_bytes(
        f"索罗乡人民政府2024年政府信息公开工作年度报告_政务公开\n{bare}\n{text}".encode(), "txt", "t.txt"
    )
    assert page.values["agency.name"] == "索罗乡人民政府"
    signed = import_bytes(
        f"{bare}\n{text}\n平凉市崆峒区索罗乡人民政府\n2025年1月20日\u00a0\u00a0\u00a0".encode(), "txt", "t"
    )
    assert signed.values["agency.name"] == "平凉市崆峒区索罗乡人民政府"
    assert signed.values["agency.level"] == "township"
    assert signed.values["publish_date"] == "2025-01-20"


def test_signature_date_with_trailing_no_break_spaces_after_renumbered_parts():
    text = variant(base("huaian"), ("renumbered_with_own_table_numbers", "fee_table_as_part_five"))
    got = import_bytes(f"{text}\n淮安市人民政府办公室\n2025年1月20日\u00a0\u00a0\u2002\u3000".encode(), "txt", "t")
    assert got.values["publish_date"] == "2025-01-20"
    assert "淮安市人民政府办公室" not in got.values.get("other_matters", "")


@pytest.mark.parametrize(
    ("name", "self_word", "level"),
    [
        ("淮安市人民政府", None, "government"),
        ("淮安市", None, "government"),
        ("某某县", None, "government"),
        ("上海市黄浦区", None, "government"),
        ("某某县政府", None, "government"),
        ("平凉市崆峒区索罗乡人民政府", None, "township"),
        ("某某街道办事处", None, "township"),
        ("黄浦区财政局", None, "department"),
        ("淮安市人民政府办公室", None, "department"),
        ("某某市发展和改革委员会", None, "department"),
        ("某某区政务服务中心", None, "department"),
        ("某某市", "我市", "government"),
        ("某某开发区管理", "我局", "department"),
        ("某某开发区管理", "我区", "government"),
    ],
)
def test_level_from_the_names_ending_then_what_the_report_calls_itself(name, self_word, level):
    from xltools.published.structure import level_of

    assert level_of(name, self_word) == level


def test_a_header_that_contradicts_every_row_total_leaves_the_table_unread():
    """总计 and 自然人 swapped in the header only: every row's 总计 then disagrees with its parts,
    and the column headed 自然人 is each row's sum - a misreading, not 25 R3.1 errors."""
    got = imported("huaian-distinct", ("requests_header_mislabelled",))
    assert {p.split(".", 1)[0] for p in got.unread} == {"requests"}
    (i2,) = [n for n in got.notes if n.rule == "I2"]
    assert "表头与数字可能错位" in i2.message
    assert not [f for f in got.check().findings if f.rule.startswith("R3")]


def test_carries_failing_in_every_column_are_said():
    from xltools.published.tables import TableReader, _confirm_carries

    reader = TableReader(spec.REQUESTS)
    for c in spec.REQUESTS.columns:
        for row, value in (("new", 5), ("carried_in", 1), ("results_total", 3), ("carried_over", 1)):
            reader.values[f"requests.{row}.{c.id}"] = value
    _confirm_carries(reader)
    assert [n.message for n in reader.notes] == [
        "三、收到和处理政府信息公开申请情况的每一列都不满足“本年新收 + 上年结转 = 办理结果总计 + 结转下年度”，"
        "读出的行与原表可能错位，请对照原报告逐行核对。"
    ]
    reader.notes.clear()
    reader.values["requests.new.natural"] = 3  # one column holds: a misprint somewhere, not a misreading
    _confirm_carries(reader)
    assert reader.notes == []


@pytest.mark.parametrize(
    ("title", "h1"),
    [
        (
            "2024年平凉市崆峒区索罗乡人民政府政府信息公开工作年度报告",
            "2024年平凉市崆峒区索罗乡人民政府政府信息公开工作年度报告",
        ),
        ("平凉市崆峒区索罗乡人民政府2024年政府信息公开工作年度报告_政务公开", "2024 年政府信息公开工作年度报告"),
    ],
)
def test_a_saved_page_titled_year_first_or_named_only_in_its_title(title, h1):
    """The year-first form in both <title> and <h1> (real reports print it; it used to be
    refused as "找不到报告标题"), and an <h1> that
    names no agency under a <title> that does."""
    from tests.conftest import EXAMPLES
    from xltools.api import load_report
    from xltools.render import render

    html = render(load_report(EXAMPLES / "suoluo-2024.json").report, "html").decode()
    printed = "平凉市崆峒区索罗乡人民政府2024年政府信息公开工作年度报告"
    at = html.index("<title>")
    html = html[:at] + html[at:].replace(printed, title, 1)
    at = html.index("<h1")
    html = html[:at] + html[at:].replace(printed, h1, 1)
    got = import_bytes(html.encode(), "html", "page.html")
    assert (got.values["agency.name"], got.values["year"]) == ("平凉市崆峒区索罗乡人民政府", 2024)
    assert got.values["agency.level"] == "township"
    assert not [n for n in got.notes if "找不到报告标题" in n.message]
    assert not [f for f in got.check().findings if f.rule == "S4" and f.field in ("agency.name", "year")]
