"""The expat reader (issue #16) against the ElementTree reader it replaces: on random fills, damaged
and junk parts and the whole hostile corpus, the same values, cells and findings, or the same
refusal. Kept only while both readers exist (tests/old_xlsx.py is the old one)."""

from __future__ import annotations

import random
import re
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from benchmarks.generate import unit_values
from tests import corpus, old_xlsx
from tests.conftest import EXAMPLES
from tests.test_properties import INPUTS, TOTALS, finite
from tests.workbooks import VALID_TEXTS, fill
from xltools.errors import XltoolsError
from xltools.rules.checker import check
from xltools.workbook import xlsx
from xltools.workbook.reader import read_book
from xltools.workbook.template import template_bytes


def outcome(data: bytes, open_book) -> tuple:
    """Everything a check of these bytes answers, comparable across readers."""
    try:
        source = read_book(open_book(data), "报告.xlsx")
        result = check(source)
    except XltoolsError as exc:
        return ("refused", exc.code, exc.message)
    return ("read", repr(source.values), source.cells, repr([f.as_json() for f in result.findings]))


def same(data: bytes) -> None:
    new = outcome(data, xlsx.open_book)
    assert new == outcome(data, old_xlsx.open_book)
    return new


def test_example_and_benchmark_units():
    assert same((EXAMPLES / "suoluo-2024.xlsx").read_bytes())[0] == "read"
    rng = random.Random(16)
    for i in range(5):
        assert same(template_bytes(unit_values(rng, f"测试市第{i}单位")))[0] == "read"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(INPUTS), finite, max_size=25))
def test_random_fills_by_our_template(values):
    values = {k: v for k, v in values.items() if not (isinstance(v, Decimal) and abs(v.adjusted()) > 300)}
    same(template_bytes({**VALID_TEXTS, "agency.level": "township", **values}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(INPUTS + TOTALS), finite, max_size=15))
def test_random_fills_by_another_program(values):
    """openpyxl writes inline formulas, other string types and number forms than our template."""
    cleaned = {
        k: (ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else float(v) if isinstance(v, Decimal) else v)
        for k, v in values.items()
    }
    cleaned = {k: v for k, v in cleaned.items() if not (isinstance(v, float) and abs(v) > 1e300)}
    same(fill(cleaned))


_BASE = corpus.filled()
_PARTS = sorted(zipfile.ZipFile(corpus.io.BytesIO(_BASE)).namelist())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_bytes(data):
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
    same(bytes(raw))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=st.sampled_from(_PARTS), body=st.binary(max_size=300))
def test_any_part_replaced_by_junk(part, body):
    same(corpus.rezip(_BASE, {part: body}))


_SHEET = corpus.sheet_part(_BASE, corpus.spec.SHEET_REQUESTS)
_CELLS = ("D7", "E7", "J7", "A7", "D9", "E30", "B12")  # inputs, a total, labels
_xml_text = st.text(alphabet=st.sampled_from(list("ab 中文_x000D_x0041_&<>\"'\n\r\t]")), max_size=12)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def cell_xml(draw, ref: str) -> str:
    """One cell as a spreadsheet writer might put it: every type, inline and rich text, formulas,
    CDATA, comments, a prefixed namespace, a missing or broken reference."""
    r = draw(st.sampled_from([f' r="{ref}"', "", ' r="ZZZZ1"', f' r="{ref.lower()}"']))
    t = draw(st.sampled_from(["", ' t="n"', ' t="s"', ' t="str"', ' t="b"', ' t="e"', ' t="d"', ' t="inlineStr"']))
    text = _escaped(draw(_xml_text))
    parts = draw(
        st.lists(
            st.sampled_from(
                [
                    f"<v>{text}</v>",
                    "<v>&#x4E2D;&amp;&lt;1</v>",
                    "<v>0</v>",
                    "<v>12.5</v>",
                    "<v>-3</v>",
                    "<v>1</v>",
                    "<v></v>",
                    f"<v><![CDATA[{draw(_xml_text).replace(']', '')}]]></v>",
                    "<v>4<x/>5</v>",
                    "<f>SUM(D7:I7)</f>",
                    '<f t="shared" si="0"/>',
                    f"<f>{text}</f>",
                    f"<is><t>{text}</t></is>",
                    f"<is><r><rPr/><t>{text}</t></r><r><t>b</t></r><rPh><t>ぴ</t></rPh></is>",
                    "<is><r><t>a</t></r><t>own</t></is>",
                    "<!-- note -->",
                    "<?pi x?>",
                    "<extLst><v>9</v></extLst>",
                ]
            ),
            max_size=4,
        )
    )
    return f"<c{r}{t}>{''.join(parts)}</c>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_cell_xml(data):
    body = zipfile.ZipFile(corpus.io.BytesIO(_BASE)).read(_SHEET).decode()
    for ref in data.draw(st.lists(st.sampled_from(_CELLS), min_size=1, max_size=3, unique=True)):
        new = data.draw(cell_xml(ref))
        body = re.sub(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', lambda _m, new=new: new, body, count=1)
    if data.draw(st.booleans()):  # the same sheet with a namespace prefix, as some writers save it
        body = body.replace("<", "<x:").replace("<x:/", "</x:").replace("<x:?", "<?").replace("<x:!", "<!")
        body = body.replace('xmlns="', 'xmlns:x="', 1)
    same(corpus.rezip(_BASE, {_SHEET: body.encode()}))


@pytest.mark.parametrize("case", [c for c in corpus.CASES if not c.name.startswith("json")], ids=lambda c: c.name)
def test_hostile_corpus(case, hostile):
    path = hostile[case.name]
    if not path.is_file():
        pytest.skip("not a file: the reader is not reached")
    same(path.read_bytes())
