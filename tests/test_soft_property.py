"""T1 as a property: for any consistent tables, a paragraph quoting them (in Arabic, full-width,
thousands-separated or Chinese numerals) raises no T1; one wrong figure raises exactly one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.test_soft import report_of, run, warnings
from tests.test_textnums import _to_chinese

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def written(n: int, style: str) -> str:
    if style == "chinese":
        return _to_chinese(n)
    if style == "fullwidth":
        return str(n).translate(_FULL)
    if style == "thousands":
        return f"{n:,}"
    return str(n)


@st.composite
def tables(draw):
    new = draw(st.integers(0, 5000))
    carried_in = draw(st.integers(0, 300))
    granted = draw(st.integers(0, new + carried_in))
    refused = draw(st.integers(0, new + carried_in - granted))
    carried_over = new + carried_in - granted - refused
    review = (draw(st.integers(0, 400)), draw(st.integers(0, 50)))
    suits = (draw(st.integers(0, 60)), draw(st.integers(0, 60)))
    return {
        "new": new,
        "carried_in": carried_in,
        "granted": granted,
        "refused": refused,
        "carried_over": carried_over,
        "review": review,
        "suits": suits,
    }


def _data(t: dict, text: str) -> dict:
    return report_of(
        {
            "requests": {
                "new": {"natural": t["new"]},
                "carried_in": {"natural": t["carried_in"]},
                "granted": {"natural": t["granted"]},
                "refused.state_secret": {"natural": t["refused"]},
                "carried_over": {"natural": t["carried_over"]},
            },
            "appeals": {
                "review": {"upheld": t["review"][0], "pending": t["review"][1]},
                "suit_direct": {"upheld": t["suits"][0]},
                "suit_after_review": {"other": t["suits"][1]},
            },
            "overview/on_request": text,
        }
    )


def _paragraph(t: dict, style: str, received: int | None = None) -> str:
    w = lambda n: written(n, style)  # noqa: E731
    answered = t["granted"] + t["refused"]
    return (
        f"2024年，我局共收到政府信息公开申请{w(t['new'] if received is None else received)}件，"
        f"上年结转{w(t['carried_in'])}件，办结{w(answered)}件，其中予以公开{w(t['granted'])}件，"
        f"不予公开{w(t['refused'])}件，结转下年度继续办理{w(t['carried_over'])}件。"
        f"全年发生政府信息公开行政复议{w(sum(t['review']))}件，其中结果维持{w(t['review'][0])}件；"
        f"行政诉讼{w(sum(t['suits']))}件。"
    )


STYLES = st.sampled_from(["arabic", "fullwidth", "thousands", "chinese"])


@given(tables(), STYLES)
def test_consistent_paragraph_raises_no_t1(t, style):
    result = run(_data(t, _paragraph(t, style)))
    assert result.errors == []
    assert warnings(result, "T1") == []


@given(tables(), STYLES)
def test_one_wrong_figure_raises_exactly_one_t1(t, style):
    wrong = t["new"] + t["carried_in"] + 1  # neither 本年新收 nor 新收加上年结转
    (f,) = warnings(run(_data(t, _paragraph(t, style, received=wrong))), "T1")
    assert f.actual == wrong and f.expected == t["new"]
