"""Reading numbers and claims from narrative text the way offices write them (T1's input)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.rules.textnums import chinese_to_int, claims, read_number, sentence_claims, sentences


def _as_tuples(text):
    return [(c.metric, c.value, c.detail) for c in claims(text)]


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3119", 3119),
        ("3,119", 3119),
        ("3，119", 3119),
        ("１２", 12),
        ("３，１１９", 3119),
        ("十二", 12),
        ("十", 10),
        ("二十", 20),
        ("一百零三", 103),
        ("两千", 2000),
        ("三千一百一十九", 3119),
        ("一万零五", 10005),
        ("二〇二四", 2024),
        ("3.94万", 39400),
        ("3940.5", Decimal("3940.5")),
        ("0", 0),
    ],
)
def test_read_number(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize("text", ["", "约", "三四十", "十十二", "abc"])
def test_read_number_refuses_what_is_not_one_number(text):
    assert read_number(text) is None


_DIGITS = "零一二三四五六七八九"


def _to_chinese(n: int) -> str:
    """The conventional written form, for the round-trip property below (n < 10**8)."""
    if n == 0:
        return "零"

    def below_10000(k: int, lead: bool) -> str:
        out, zero = "", False
        for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            d = k // value % 10
            if d:
                if zero and out:
                    out += "零"
                zero = False
                out += ("" if (unit == "十" and d == 1 and not out and lead) else _DIGITS[d]) + unit
            elif out:
                zero = True
        return out

    high, low = divmod(n, 10000)
    if not high:
        return below_10000(low, True)
    text = below_10000(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10000(low, False)
    return text


@given(st.integers(min_value=0, max_value=99_999_999))
def test_chinese_numerals_round_trip(n):
    assert chinese_to_int(_to_chinese(n)) == n


def test_known_chinese_forms():
    assert _to_chinese(103) == "一百零三"
    assert _to_chinese(12) == "十二"
    assert _to_chinese(10005) == "一万零五"


# --- sentences and claims -------------------------------------------------------------------------


HUAIAN = (
    "2024年，全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复），"
    "均在法定期限内予以答复。政府信息公开行政复议351件，其中结果维持72件，结果纠正64件，其他结果178件，尚未审结37件；"
    "政府信息公开行政诉讼46件，其中结果维持25件，结果纠正5件，其他结果9件，尚未审结7件。"
)


def test_sentences_split_on_end_marks_and_lines():
    assert sentences("一句。二句！\n三句？四") == ["一句。", "二句！", "三句？", "四"]


def test_huaian_paragraph_every_figure_read():
    assert _as_tuples(HUAIAN) == [
        ("received", 3119, None),
        ("answered", 3050, None),
        ("carried_in", 34, None),
        ("carried_over", 103, None),
        ("review", 351, None),
        ("appeal_part", 72, "review.upheld"),
        ("appeal_part", 64, "review.corrected"),
        ("appeal_part", 178, "review.other"),
        ("appeal_part", 37, "review.pending"),
        ("suit", 46, None),
        ("appeal_part", 25, "suit.upheld"),
        ("appeal_part", 5, "suit.corrected"),
        ("appeal_part", 9, "suit.other"),
        ("appeal_part", 7, "suit.pending"),
    ]


def test_every_match_in_a_sentence_is_read():
    text = "其中予以公开1362件，部分公开454件，不予公开178件，无法提供781件，不予处理88件，其他处理187件。"
    assert _as_tuples(text) == [
        ("granted", 1362, None),
        ("partial", 454, None),
        ("refused", 178, None),
        ("unavailable", 781, None),
        ("not_processed", 88, None),
        ("other_handled", 187, None),
    ]


def test_total_including_carried_in():
    text = "全年共受理政府信息公开申请95件（含上年结转3件），已全部办结。"
    assert _as_tuples(text) == [("received", 95, None), ("carried_in", 3, None)]


def test_chinese_fullwidth_and_separated_numbers():
    assert _as_tuples("本年新收政府信息公开申请十二件。") == [("received", 12, None)]
    assert _as_tuples("收到政府信息公开申请１２件。") == [("received", 12, None)]
    assert _as_tuples("共受理依申请公开申请1,234件。") == [("received", 1234, None)]
    assert _as_tuples("受理政府信息公开申请一百零三件。") == [("received", 103, None)]


def test_years_dates_and_percentages_are_not_counts():
    assert _as_tuples("2024年1月1日至12月31日，我局受理政府信息公开申请12件，按时答复率100%。") == [
        ("received", 12, None)
    ]
    assert _as_tuples("二〇二四年受理政府信息公开申请5件。") == [("received", 5, None)]


def test_changes_are_not_counts():
    assert _as_tuples("受理政府信息公开申请较上年增加15件。") == []


def test_other_business_is_not_an_application_count():
    assert _as_tuples("政务服务中心受理行政许可申请447228件。") == []
    assert _as_tuples("全年办结12345热线工单3200件，答复人大代表建议12件。") == []


def test_number_before_keyword():
    assert _as_tuples("另有5件结转下年度继续办理。") == [("carried_over", 5, None)]
    assert _as_tuples("结转下年度继续办理5件。") == [("carried_over", 5, None)]


def test_review_and_suit_together():
    assert _as_tuples("发生政府信息公开行政复议和行政诉讼案件共3件。") == [("review_suit", 3, None)]
    assert _as_tuples("行政复议、行政诉讼各1件。") == [("review", 1, None), ("suit", 1, None)]


def test_negations_claim_zero():
    assert _as_tuples("2024年我乡未收到政府信息依申请公开件。") == [("received", 0, None)]
    assert _as_tuples("全年未发生政府信息公开行政复议和行政诉讼。") == [("review", 0, None), ("suit", 0, None)]
    assert _as_tuples("本年度没有收取信息公开处理费的情况。") == [("fee_yuan", 0, None)]


def test_documents_in_force_issued_repealed():
    text = "全年制发行政规范性文件8件，废止规范性文件26件，现行有效规范性文件66件，现行有效规章11件。"
    assert _as_tuples(text) == [
        ("issued", 8, "normative_documents"),
        ("repealed", 26, "normative_documents"),
        ("in_force", 66, "normative_documents"),
        ("in_force", 11, "regulations"),
    ]
    assert _as_tuples("新增公开市政府规章1件、市政府及市政府办政策性文件11件。") == [("issued", 1, "regulations")]


def test_fee_amount_and_count():
    assert _as_tuples("全年收取政府信息公开信息处理费3940元。") == [("fee_yuan", 3940, None)]
    assert _as_tuples("收取信息处理费0.39万元。") == [("fee_yuan", 3900, None)]


def test_scope_word_and_approximation_recorded():
    (c,) = sentence_claims("区政府办共受理政府信息公开申请17件。")
    assert c.scope == "区政府办"
    (c,) = sentence_claims("全年受理政府信息公开申请3000余件。")
    assert c.approx == "at_least" and c.value == 3000
    (c,) = sentence_claims("受理政府信息公开申请约300件。")
    assert c.approx == "about"


def test_claim_quotes_whole_sentence():
    (c,) = sentence_claims("我局共受理政府信息公开申请17件。")
    assert c.sentence == "我局共受理政府信息公开申请17件。"
    assert c.fragment == "受理政府信息公开申请17件"


def test_applicant_breakdown_after_a_received_claim():
    text = "本年度共收到政府信息公开申请28件，其中自然人申请25件，法人或其他组织申请3件。"
    assert _as_tuples(text) == [("received", 28, None), ("received_part", 25, "natural"), ("received_part", 3, "orgs")]
    assert _as_tuples("自然人申请25件。") == []  # no 收到/受理 claim to bind it to


def test_carried_over_to_a_named_year():
    assert _as_tuples("结转至2025年继续办理3件。") == [("carried_over", 3, None)]


def test_negation_covers_an_enumeration():
    text = "无因政府信息公开被申请行政复议、提起行政诉讼的情况。"
    assert _as_tuples(text) == [("review", 0, None), ("suit", 0, None)]
    assert _as_tuples("全年未发生因政府信息公开申请引起的行政复议。") == [("review", 0, None)]


def test_published_interpretations_are_not_issued_documents():
    assert _as_tuples("在网站发布规范性文件解读8件。") == []
    assert _as_tuples("清理规范性文件30件，废止规范性文件5件。") == [("repealed", 5, "normative_documents")]


def test_fee_figures_in_later_clauses():
    text = "按照规定对申请人收取信息处理费，全年共收取2笔，金额共计150元。"
    assert _as_tuples(text) == [("fee_count", 2, None), ("fee_yuan", 150, None)]
    assert _as_tuples("全年共收取2笔，金额共计150元。") == []  # no 处理费: some other charge


@pytest.mark.parametrize(
    "sentence",
    [
        "全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。",
        "未发生因政府信息公开被行政复议纠错和行政诉讼败诉的情况。",
        "本年度未出现政府信息公开行政复议被纠错、行政诉讼败诉情况。",
        "全年没有因政府信息公开工作被行政复议撤销或确认违法的情形。",
        "行政复议和行政诉讼案件均获维持。",
        "被行政复议纠错1件。",
        "行政诉讼败诉2件。",
    ],
)
def test_outcomes_are_not_counts_of_reviews_or_suits(sentence):
    """T1 claims only counts: what became of reviews and suits (纠错, 败诉, 被撤销, 均获维持) says
    nothing of how many there were (a real report's, flagged against the table's 55 and 34)."""
    assert [c for c in claims(sentence) if c.metric in ("review", "suit", "review_suit")] == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("未发生政府信息公开行政复议和行政诉讼。", [("review", 0), ("suit", 0)]),
        ("全年无因政府信息公开被申请行政复议、提起行政诉讼的情况。", [("review", 0), ("suit", 0)]),
        ("共发生政府信息公开行政复议3件，均获维持。", [("review", 3)]),
        (
            "政府信息公开行政诉讼5件，其中结果维持4件，结果纠正1件。",
            [("suit", 5), ("appeal_part", 4), ("appeal_part", 1)],
        ),
    ],
)
def test_counts_beside_outcomes_are_still_read(sentence, expected):
    assert [(c.metric, c.value) for c in claims(sentence)] == expected
