"""Pairing with last year's folder finds a report's candidates by index (a province's
10,000 reports against 10,000 of last year's took seconds of name folding): the same candidates, in
the same order, as comparing with every entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xltools.previous import Entry, _Index
from xltools.text import fold

NAMES = st.sampled_from(
    [
        "洪泽区人民政府",
        "淮安市洪泽区人民政府",
        "区人民政府",
        "",
        " ",
        "洪泽区人民政府\u200b",
        "某局",
        "市某局",
        "某局办公室",
    ]
)


def brute_force(entries: list[Entry], year: int, key: str, unusable: frozenset[str]) -> list[Entry]:
    """What `find` did before the index: fold every entry's name and compare."""
    entries = [e for e in entries if e.path not in unusable]
    same = [e for e in entries if e.year == year and fold(e.name) == key]
    if not same and key:
        same = [
            e
            for e in entries
            if e.year == year and fold(e.name) and (key.endswith(fold(e.name)) or fold(e.name).endswith(key))
        ]
    return same


@given(
    st.lists(st.tuples(st.sampled_from([2022, 2023]), NAMES), max_size=12),
    NAMES,
    st.sampled_from([2022, 2023]),
    st.sets(st.integers(0, 11), max_size=3),
)
def test_the_index_finds_what_comparing_with_every_entry_finds(rows, name, year, dropped):
    entries = [Entry(y, n, f"上年/{i}.xlsx") for i, (y, n) in enumerate(rows)]
    unusable = frozenset(f"上年/{i}.xlsx" for i in dropped)
    key = fold(name)
    assert _Index(entries).same(year, key, unusable) == brute_force(entries, year, key, unusable)
