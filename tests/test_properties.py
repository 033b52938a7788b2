"""Property tests: whatever a cell or a JSON document holds, the tool either succeeds or
fails with one of its own messages (an XltoolsError, Chinese), never an unexpected exception."""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests import corpus
from tests.workbooks import VALID_TEXTS, fill
from xltools import verdict
from xltools.api import FileResult, load_bytes
from xltools.cli import main
from xltools.errors import XltoolsError
from xltools.jsonform import json_keys, parse_json
from xltools.model import Source
from xltools.render import build
from xltools.rules.checker import check
from xltools.spec import FIELDS, INPUT_FIELDS, Kind
from xltools.workbook.template import template_bytes

_CJK = re.compile(r"[\u4e00-\u9fff]")
INPUTS = [f.path for f in INPUT_FIELDS]
TOTALS = [f.path for f in FIELDS.values() if f.computed]
NARRATIVES = [f.path for f in INPUT_FIELDS if f.kind in (Kind.TEXT, Kind.NARRATIVE)]
NUMBERS = [f.path for f in INPUT_FIELDS if f.kind.numeric]

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
numberish = st.from_regex(r"\A[ \u3000]?[-+]?[0-9０-９,，.]{1,24}([.．][0-9]{0,14})?[ ]?\Z")
decimals = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("1E+99999999"), Decimal("-1E-99999999"), Decimal("0E-1000"), Decimal("123456789012.5")]
)
finite = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | decimals
    | text
    | numberish
    | st.dates().map(str)
)
anything = finite | st.floats() | st.decimals()


def assert_own_messages(findings) -> None:
    for f in findings:
        assert isinstance(f.message, str) and _CJK.search(f.message), f
        assert len(f.message) < 2000, f  # a value is quoted short, never whole


def assert_reported(result, name: str) -> None:
    """The result renders as a clerk and a program read it."""
    assert_own_messages(result.findings)
    fr = FileResult(name, result)
    verdict.human([fr])
    json.dumps(verdict.as_json([fr]), ensure_ascii=False)


# --- what a reader hands the checker -------------------------------------------------------------


@given(
    kind=st.sampled_from(["xlsx", "json"]),
    values=st.dictionaries(st.sampled_from(INPUTS + TOTALS), anything, max_size=40),
    base=st.booleans(),
)
def test_checker_takes_any_values(kind, values, base):
    start = {**VALID_TEXTS, "agency.level": "township"} if base else {}
    source = Source("任意.xlsx", kind, values={**start, **values})
    result = check(source)
    assert_reported(result, "任意.xlsx")


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.dictionaries(st.sampled_from(NARRATIVES), text, max_size=8),
    fmt=st.sampled_from(["txt", "md", "html"]),
    inject=st.sampled_from(NARRATIVES),
)
def test_any_text_renders_or_is_refused(values, fmt, inject):
    values[inject] = values.get(inject, "") + "<script>x()</script>"
    source = Source("任意.json", "json", values={**VALID_TEXTS, "agency.level": "township", **values})
    result = check(source)
    try:
        out = build(result, fmt)
    except XltoolsError as exc:
        assert _CJK.search(exc.message)
        assert result.errors
    else:
        out.decode("utf-8")
        if fmt == "html":
            assert b"<script>x()" not in out


# --- workbooks ---------------------------------------------------------------------------------


def _load(data: bytes) -> None:
    try:
        result = load_bytes(data, "任意.xlsx")
    except XltoolsError as exc:
        assert _CJK.search(exc.message), exc.message
    else:
        assert_reported(result, "任意.xlsx")


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(INPUTS), finite, max_size=25))
def test_any_cell_values_written_by_our_template(values):
    values = {k: v for k, v in values.items() if not (isinstance(v, Decimal) and abs(v.adjusted()) > 300)}  # no float
    _load(template_bytes({**VALID_TEXTS, "agency.level": "township", **values}))


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(INPUTS + TOTALS), finite, max_size=15))
def test_any_cell_values_written_by_another_program(values):
    """openpyxl turns a text starting with "=" into a formula: formulas land in inputs and totals too."""
    cleaned = {
        k: (ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else float(v) if isinstance(v, Decimal) else v)
        for k, v in values.items()
    }
    cleaned = {k: v for k, v in cleaned.items() if not (isinstance(v, float) and abs(v) > 1e300)}
    _load(fill(cleaned))


_BASE = corpus.filled()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_bytes_are_refused_or_read(data):
    raw = bytearray(_BASE)
    how = data.draw(st.sampled_from(["flip", "cut", "splice"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if how == "flip":
        for i in range(data.draw(st.integers(1, 16))):
            raw[(at + i * 997) % len(raw)] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        raw = raw[:at]
    else:
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    _load(bytes(raw))


def test_a_damaged_zip_version_is_a_damaged_file():
    """One flipped byte in the zip directory's "version needed to extract" (found by the test above)."""
    raw = bytearray(_BASE)
    raw[raw.find(b"PK\x01\x02") + 6] = 0xFF
    with pytest.raises(XltoolsError) as err:
        load_bytes(bytes(raw), "任意.xlsx")
    assert err.value.code == "corrupt"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=st.sampled_from(sorted(zipfile.ZipFile(corpus.io.BytesIO(_BASE)).namelist())), body=st.binary(max_size=300))
def test_any_part_replaced_by_junk(part, body):
    _load(corpus.rezip(_BASE, {part: body}))


# --- JSON documents ----------------------------------------------------------------------------

json_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
json_any = st.recursive(
    json_scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=20
)


def _parse(doc) -> None:
    try:
        source = parse_json(json.dumps(doc, ensure_ascii=False).encode("utf-8"), "任意.json")
    except XltoolsError as exc:
        assert _CJK.search(exc.message), exc.message
        return
    assert_reported(check(source), "任意.json")


@given(json_any)
def test_any_json_document(doc):
    _parse(doc)


@given(st.dictionaries(st.sampled_from(INPUTS + TOTALS) | text.map(lambda t: "requests." + t), json_any, max_size=12))
def test_any_values_in_a_report_shaped_document(changes):
    doc = corpus.report_json()
    for path, value in changes.items():
        keys = json_keys(path) if path in FIELDS else tuple(path.split("."))
        node = doc
        for key in keys[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = node[key] = {}
            node = nxt
        node[keys[-1]] = value
    _parse(doc)


@settings(max_examples=60)
@given(st.binary(max_size=200) | text.map(lambda t: t.encode("utf-8")))
def test_any_bytes_as_json(data):
    try:
        source = parse_json(data, "任意.json")
    except XltoolsError as exc:
        assert _CJK.search(exc.message)
    else:
        assert_reported(check(source), "任意.json")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=json_any)
def test_cli_on_any_json(doc, tmp_path: Path):
    path = tmp_path / "任意.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output and "程序内部错误" not in result.output, result.output
