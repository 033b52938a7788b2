"""Shared strings in their usual form are read by a regular expression, everything else by expat
(`xlsx._Strings`): both must give the same strings and errors, charge the same element
budget, and the usual form must really take the fast way."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.workbooks import VALID_TEXTS
from xltools.errors import UnusableInput
from xltools.workbook import xlsx
from xltools.workbook.template import template_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="9" uniqueCount="9">'

# Pieces of text: ordinary ones, and everything XML forbids, normalises or spells differently.
PIECES = [
    "年度报告",
    "abc",
    " ",
    "\t",
    "\n",
    ">",
    '"',
    "&amp;",
    "&lt;",
    "&#65;",
    "&#x4E2D;",
    "&#0;",
    "&#1;",
    "&#x1F;",
    "&#13;",
    "&#xFFFE;",
    "&bogus;",
    "&",
    "]]>",
    "\r",
    "\x01",
    "_x000D_",
    "_x4e2d_",
    "\ufffe",
    "<![CDATA[c]]>",
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=5).map("".join)


def _si(kind: str, text: str) -> str:
    return {
        "plain": f"<si><t>{text}</t></si>",
        "preserve": f'<si><t xml:space="preserve">{text}</t></si>',
        "rich": f"<si><r><rPr><b/></rPr><t>{text}</t></r><r><t>尾</t></r></si>",
        "phonetic": f'<si><t>{text}</t><rPh sb="0" eb="1"><t>よみ</t></rPh></si>',
        "empty": "<si><t/></si>",
        "bare": "<si/>",
        "space": f"\n  <si><t>{text}</t></si>",
        "comment": f"<!-- 注释 --><si><t>{text}</t></si>",
        "prefixed": f'<x:si xmlns:x="{MAIN}"><x:t>{text}</x:t></x:si>',
    }[kind]


ITEMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["plain"] * 6 + ["preserve", "rich", "phonetic", "empty", "bare", "space", "comment", "prefixed"]
        ),
        TEXT,
    ),
    max_size=12,
)
HEADS = st.sampled_from(
    [
        HEAD,
        "\ufeff" + HEAD,
        f'<?xml version="1.0"?><sst xmlns="{MAIN}">',
        f'<?xml version="1.0" encoding="ISO-8859-1"?><sst xmlns="{MAIN}">',
        f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e "x">]><sst xmlns="{MAIN}">',
        f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="1" count="2">',
        f'<?xml version="1.0"?><x:sst xmlns:x="{MAIN}">',
    ]
)


def _read(data: bytes, fast: bool, budget: int, upto: int | None):
    book = xlsx.Book(zipfile.ZipFile.__new__(zipfile.ZipFile), {})
    book._elements = budget
    try:
        strings = xlsx._Strings(book, data, fast=fast)
        if upto is not None:
            strings.upto(upto)
        return list(strings.upto(None)), book._elements, strings
    except UnusableInput as exc:
        return exc.code, None, None


@given(HEADS, ITEMS, st.sampled_from([b"", b"\xff", b"\xe4\xb8"]), st.integers(0, 8), st.sampled_from([10_000, 9]))
def test_fast_and_expat_read_the_same_strings(head, items, junk, upto, budget):
    body = "".join(_si(kind, text) for kind, text in items)
    data = head.encode("utf-8") + body.encode("utf-8") + b"</sst>"
    if junk:  # bytes that are not UTF-8 inside the first string's text
        data = data.replace(b"<t>", b"<t>" + junk, 1)
    fast = _read(data, True, budget, upto)
    slow = _read(data, False, budget, upto)
    assert fast[:2] == slow[:2]


@pytest.mark.parametrize("piece", PIECES)
@pytest.mark.parametrize("kind", ["plain", "preserve"])
def test_each_piece_alone_in_the_usual_form(piece, kind):
    data = (HEAD + _si(kind, f"前{piece}后") + _si("plain", "下一个") + "</sst>").encode()
    fast = _read(data, True, 10_000, None)
    assert fast[:2] == _read(data, False, 10_000, None)[:2]


@pytest.mark.parametrize(
    "data",
    [
        template_bytes(),
        template_bytes({**VALID_TEXTS, "requests.new.natural": 3}),
        template_bytes({**VALID_TEXTS, "problems": " A&B <tag> “引号” _x000D_ 结尾 "}),  # entities, spaces kept
    ],
    ids=["template", "filled", "escaped"],
)
def test_the_strings_of_our_writers_take_the_fast_way(data):
    zf = zipfile.ZipFile(io.BytesIO(data))
    part = zf.read("xl/sharedStrings.xml")
    fast = _read(part, True, 100_000, None)
    slow = _read(part, False, 100_000, None)
    assert fast[:2] == slow[:2]
    assert len(fast[0]) > 100
    # every string is read by the regular expression alone
    book = xlsx.Book(zipfile.ZipFile.__new__(zipfile.ZipFile), {})
    strings = xlsx._Strings(book, part)
    strings._fast(None)
    assert strings.list == fast[0]
