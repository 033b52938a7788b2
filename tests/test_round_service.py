"""The round's policy, at the library level: statuses from uploads and reviews, review rules,
an upload of another agency or year, refused uploads, deadlines, next year's round with carried
figures and automatic year-over-year checks, and the roster."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from roundkit import OFFICE, ROSTER, TOWN, Clock, book, with_errors
from workbooks import cell_of

from xltools.errors import UnusableInput
from xltools.round.errors import NotFound, Refused, UploadRefused
from xltools.round.model import Status
from xltools.round.roster import parse_roster, parse_roster_text
from xltools.round.service import RoundService
from xltools.workbook.layout import field_ref

EDU = "测试市测试区教育局"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def svc(tmp_path, clock):
    with RoundService.open(str(tmp_path / "data"), clock=clock) as s:
        yield s


@pytest.fixture
def issued(svc):
    return svc.create_round(2024, OFFICE, parse_roster_text(ROSTER), deadline=dt.date(2025, 1, 31))


def _town(svc, issued):
    return svc.unit_named(issued.round.id, TOWN)


def test_create_round_issues_one_unguessable_link_per_unit_and_stores_only_hashes(svc, issued):
    assert [link.unit.name for link in issued.links] == [TOWN, EDU, "测试市测试区财政局"]
    assert issued.links[0].unit.level == "乡镇" and issued.links[0].unit.parent == OFFICE
    tokens = [link.token for link in issued.links]
    assert len(set(tokens)) == 3 and all(len(t) >= 43 for t in tokens)  # 32 bytes, base64url
    assert issued.links[0].url("http://127.0.0.1:8000/") == f"http://127.0.0.1:8000/u/{tokens[0]}"
    dump = "\n".join(svc.store._db().iterdump())
    assert not any(t in dump for t in tokens)
    assert [s.status for s in svc.board(issued.round.id)] == [Status.NOT_SUBMITTED] * 3
    assert svc.events(issued.round.id)[0].action == "round_created"


def test_at_most_one_round_a_year(svc, issued):
    with pytest.raises(Refused, match="2024 年度的收集已经建立过"):
        svc.create_round(2024, OFFICE, parse_roster_text("某局"))


def test_every_status_transition(svc, issued):
    town = _town(svc, issued)

    def status():
        return svc.unit_state(town.id).status

    assert status() is Status.NOT_SUBMITTED
    svc.upload(town.id, b"not a workbook", "a.xlsx")
    assert status() is Status.ERRORS  # unreadable counts as errors
    svc.upload(town.id, with_errors(), "b.xlsx")
    assert status() is Status.ERRORS
    warned = svc.upload(town.id, book(**{"problems": "无"}), "c.xlsx")
    assert warned.warnings and not warned.errors
    assert status() is Status.WARNINGS
    svc.confirm(town.id)
    assert status() is Status.CONFIRMED  # the office confirmed a report with warnings: 已确认
    svc.upload(town.id, book(), "d.xlsx")
    assert status() is Status.PASSED  # a new upload clears the review
    svc.send_back(town.id, "请补充第五部分")
    state = svc.unit_state(town.id)
    assert state.status is Status.PASSED and state.returned and state.review.comment == "请补充第五部分"
    svc.confirm(town.id)
    assert status() is Status.CONFIRMED  # the latest review counts
    svc.upload(town.id, with_errors(), "e.xlsx")
    assert status() is Status.ERRORS
    assert svc.unit_state(town.id).review is None
    assert next(s.status for s in svc.board(issued.round.id)) is Status.ERRORS
    assert svc.unit_state(town.id).uploads == 5
    assert [v.upload.filename for v in svc.history(town.id)] == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx"]


def test_review_rules(svc, issued):
    town = _town(svc, issued)
    with pytest.raises(Refused, match="还没有上传"):
        svc.confirm(town.id)
    bad = svc.upload(town.id, with_errors(), "a.xlsx")
    with pytest.raises(Refused, match="有 1 处错误，不能确认"):
        svc.confirm(town.id)
    with pytest.raises(Refused, match="写明原因"):
        svc.send_back(town.id, "  ")
    svc.send_back(town.id, "R3.3 请改正", upload_id=bad.id)
    good = svc.upload(town.id, book(), "b.xlsx")
    with pytest.raises(Refused, match="新的版本"):
        svc.confirm(town.id, upload_id=bad.id)  # the office looked at the old one
    svc.confirm(town.id, upload_id=good.id)
    actions = [e.action for e in svc.events(issued.round.id)]
    assert actions == ["round_created", "upload", "return", "upload", "confirm"]
    assert [r.decision for r in svc.history(town.id)[0].reviews] == ["return"]


def test_an_upload_of_another_agency_or_year_is_kept_judged_and_an_error(svc, issued):
    edu = svc.unit_named(issued.round.id, EDU)
    data = book(2023)
    up = svc.upload(edu.id, data, "town.xlsx")  # the town's report of last year, on the 教育局's link
    u1 = [f for f in up.verdict["findings"] if f["rule"] == "U1"]
    assert [f["field"] for f in u1] == ["agency.name", "year"]
    assert [f["cell"] for f in u1] == [field_ref("agency.name"), field_ref("year")]  # the cells to correct
    assert f"“{TOWN}”" in u1[0]["message"] and f"“{EDU}”" in u1[0]["message"]
    assert "2023 年度" in u1[1]["message"] and "2024 年度" in u1[1]["message"]
    assert up.verdict["ok"] is False and up.verdict["agency"] == TOWN
    assert svc.unit_state(edu.id).status is Status.ERRORS
    assert svc.file(up.id) == data
    # a name that folds to the unit's (spaces, full-width) is the unit's own
    spaced = svc.upload(edu.id, book(name="测试市 测试区　教育局"), "edu.xlsx")
    assert not [f for f in spaced.verdict["findings"] if f["rule"] == "U1"]
    assert svc.unit_state(edu.id).status is Status.PASSED


def test_refused_uploads_are_logged_and_not_stored(svc, issued):
    town = _town(svc, issued)
    small = RoundService(svc.store, max_upload=1000, clock=svc.clock)
    with pytest.raises(UploadRefused, match="文件太大"):
        small.upload(town.id, b"x" * 1001, "big.xlsx")
    with pytest.raises(UploadRefused, match="不能检查这种文件"):
        svc.upload(town.id, b"MZ...", "virus.exe")
    assert svc.unit_state(town.id).status is Status.NOT_SUBMITTED
    refused = [e for e in svc.events(issued.round.id) if e.action == "upload_refused"]
    assert [(e.detail["filename"], e.detail["reason"]) for e in refused] == [
        ("big.xlsx", "too_large"),
        ("virus.exe", "type"),
    ]


def test_a_file_name_is_display_only(svc, issued):
    town = _town(svc, issued)
    up = svc.upload(town.id, book(), "../../etc/\u200b报告.xlsx")
    assert up.filename == "报告.xlsx"
    assert svc.store.blob_path(up.sha256).name == up.sha256


def test_a_closed_round_takes_no_upload_and_no_review_until_reopened(svc, issued):
    town = _town(svc, issued)
    svc.upload(town.id, book(), "a.xlsx")
    svc.close_round(issued.round.id)
    with pytest.raises(Refused, match="已结束"):
        svc.upload(town.id, book(), "b.xlsx")
    with pytest.raises(Refused, match="已结束"):
        svc.confirm(town.id)
    svc.reopen_round(issued.round.id)
    svc.confirm(town.id)
    actions = [e.action for e in svc.events(issued.round.id)]
    assert actions[-4:] == ["round_closed", "upload_refused", "round_reopened", "confirm"]


def test_past_the_deadline_units_without_a_passing_report_are_overdue(svc, issued, clock):
    town, edu = _town(svc, issued), svc.unit_named(issued.round.id, EDU)
    svc.upload(town.id, book(), "a.xlsx")
    svc.upload(edu.id, with_errors(name=EDU), "b.xlsx")
    assert not any(s.overdue for s in svc.board(issued.round.id))
    clock.when = dt.datetime(2025, 1, 31, 15, 59, tzinfo=dt.timezone.utc)  # 23:59 on the deadline in Beijing
    assert not any(s.overdue for s in svc.board(issued.round.id))
    clock.advance(minutes=2)  # 1 February in Beijing
    assert [(s.unit.name, s.overdue) for s in svc.board(issued.round.id)] == [
        (TOWN, False),
        (EDU, True),
        ("测试市测试区财政局", True),
    ]
    assert svc.board(issued.round.id)[1].as_json()["overdue"] is True


def test_next_year_carries_the_last_confirmed_report_and_checks_against_it(svc, issued):
    town, edu = _town(svc, issued), svc.unit_named(issued.round.id, EDU)
    last_year = {"requests.new.natural": 3, "requests.carried_over.natural": 3}
    svc.upload(town.id, book(**last_year), "2024.xlsx")
    svc.confirm(town.id)
    svc.upload(town.id, book(), "later.xlsx")  # newer, error-free, but not confirmed
    svc.upload(edu.id, book(name=EDU, **{"requests.new.natural": 7, "requests.carried_over.natural": 7}), "edu.xlsx")
    svc.upload(edu.id, with_errors(name=EDU), "edu-bad.xlsx")  # latest has errors: the error-free one carries
    svc.close_round(issued.round.id)

    nxt = svc.next_round(issued.round.id, deadline=dt.date(2026, 1, 31))
    assert nxt.round.year == 2025 and nxt.round.source_id == issued.round.id and nxt.round.open
    assert [link.unit.name for link in nxt.links] == [link.unit.name for link in issued.links]
    assert not {link.token for link in nxt.links} & {link.token for link in issued.links}

    new_town = svc.unit_named(nxt.round.id, TOWN)
    wb = openpyxl.load_workbook(io.BytesIO(svc.template(new_town.id)))
    assert cell_of(wb, "year").value == 2025
    assert cell_of(wb, "agency.name").value == TOWN
    assert cell_of(wb, "previous.carried_over.natural").value == 3  # last confirmed, not the later upload
    assert cell_of(wb, "requests.carried_in.natural").value == 3
    new_edu = svc.unit_named(nxt.round.id, EDU)
    assert svc.previous_report(new_edu).values["requests.carried_over.natural"] == 7

    # the year-over-year check uses last year's report without being told
    up = svc.upload(
        new_town.id, book(2025, **{"requests.carried_in.natural": 2, "requests.granted.natural": 2}), "2025.xlsx"
    )
    assert "X1" in {f["rule"] for f in up.verdict["findings"]}
    # a unit without last year's report gets a blank template with its name and the year
    fin = svc.unit_named(nxt.round.id, "测试市测试区财政局")
    assert fin.carried_sha256 is None
    wb = openpyxl.load_workbook(io.BytesIO(svc.template(fin.id)))
    assert cell_of(wb, "agency.name").value == "测试市测试区财政局"
    assert cell_of(wb, "year").value == 2025
    with pytest.raises(Refused, match="2025 年度的收集已经建立过"):
        svc.next_round(issued.round.id)


def test_next_year_with_an_edited_roster(svc, issued):
    nxt = svc.next_round(issued.round.id, roster=parse_roster_text(f"{TOWN}\n测试市测试区卫健委\n"))
    assert [link.unit.name for link in nxt.links] == [TOWN, "测试市测试区卫健委"]


def test_a_link_names_one_unit_and_a_revoked_or_unknown_one_none(svc, issued):
    town_link, edu_link = issued.links[0], issued.links[1]
    desk = svc.desk(town_link.token)
    assert desk.unit.name == TOWN
    data = book()
    up = desk.upload(data, "a.xlsx")
    assert up.actor == "unit"
    assert desk.file(up.id) == data
    other = svc.desk(edu_link.token)
    with pytest.raises(NotFound):
        other.file(up.id)  # the 教育局's link cannot read the town's file by its id
    with pytest.raises(NotFound):
        other.own(up.id)
    with pytest.raises(NotFound):
        other.rendered(up.id)
    with pytest.raises(NotFound):
        other.own(10**6)
    assert [v.upload.id for v in other.history()] == []
    svc.revoke_link(town_link.unit.id)
    with pytest.raises(NotFound, match="向政务公开办索取新的链接"):
        svc.desk(town_link.token)
    new = svc.reissue_link(town_link.unit.id)
    assert svc.desk(new.token).unit.id == town_link.unit.id
    for bad in ("", "x", town_link.token[:-1], town_link.token + "A"):
        with pytest.raises(NotFound):
            svc.desk(bad)


def test_the_token_is_compared_in_constant_time(svc, issued, monkeypatch):
    import hmac

    from xltools.round import auth

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    svc.desk(issued.links[0].token)
    assert len(calls) == 1 and calls[0][0] == calls[0][1]


def test_a_returned_comment_is_what_the_unit_sees(svc, issued):
    desk = svc.desk(issued.links[0].token)
    desk.upload(book(**{"problems": "无"}), "a.xlsx")
    svc.send_back(desk.unit.id, "第五部分过短，请补充")
    state = desk.state()
    assert state.status is Status.WARNINGS and state.returned
    assert desk.history()[-1].reviews[-1].comment == "第五部分过短，请补充"


def test_a_unit_downloads_its_word_report_only_when_it_has_no_errors(svc, issued):
    desk = svc.desk(issued.links[0].token)
    bad = desk.upload(with_errors(), "a.xlsx")
    from xltools.errors import ReportHasErrors

    with pytest.raises(ReportHasErrors):
        desk.rendered(bad.id)
    good = desk.upload(book(), "b.xlsx")
    assert desk.rendered(good.id, "docx")[:2] == b"PK"


# --- the roster -------------------------------------------------------------------------------------


def test_a_roster_of_text_with_levels_parents_comments_and_a_heading():
    text = "机关全称,层级,上级\n# 乡镇\n甲镇人民政府，政府，某区政府\n\n乙局\t部门\n丙局  # 新设\n"
    entries = parse_roster(text.encode("gb18030"), "名单.txt")
    assert [(e.name, e.level, e.parent, e.line) for e in entries] == [
        ("甲镇人民政府", "政府", "某区政府", 3),
        ("乙局", "部门", "", 5),
        ("丙局", "", "", 6),
    ]


def test_a_roster_workbook():
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (("单位名称", "层级"), ("甲镇人民政府", "政府"), (None, None), ("乙局", None)):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    entries = parse_roster(buf.getvalue(), "名单.xlsx")
    assert [(e.name, e.level, e.line) for e in entries] == [("甲镇人民政府", "政府", 2), ("乙局", "", 4)]


def test_two_roster_lines_that_fold_to_one_name_are_refused_naming_both():
    with pytest.raises(UnusableInput) as exc:
        parse_roster_text("甲镇人民政府\n乙局\n甲镇 人民政府\n")
    assert "第 1 行“甲镇人民政府”与第 3 行“甲镇 人民政府”" in exc.value.message


def test_an_empty_roster_is_refused():
    with pytest.raises(UnusableInput, match="空的"):
        parse_roster_text("# 只有注释\n\n")


def test_a_unit_added_to_a_round_and_the_deadline_moved(svc, issued, clock):
    link = svc.add_unit(issued.round.id, parse_roster_text("测试市测试区卫健委\t部门\n")[0])
    assert svc.desk(link.token).unit.name == "测试市测试区卫健委"
    assert [s.unit.name for s in svc.board(issued.round.id)][-1] == "测试市测试区卫健委"
    with pytest.raises(Refused, match="已经在 2024 年度的单位名单中"):
        svc.add_unit(issued.round.id, parse_roster_text("测试市 测试区教育局\n")[0])
    clock.when = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    assert all(s.overdue for s in svc.board(issued.round.id))
    assert svc.set_deadline(issued.round.id, dt.date(2025, 3, 31)).deadline == dt.date(2025, 3, 31)
    assert not any(s.overdue for s in svc.board(issued.round.id))
    assert [e.action for e in svc.events(issued.round.id)][-2:] == ["unit_added", "deadline_set"]


def test_a_roster_workbook_that_inflates_to_a_bomb_is_refused_before_reading():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    with pytest.raises(UnusableInput, match="解压后太大"):
        parse_roster(buf.getvalue(), "名单.xlsx")
    with pytest.raises(UnusableInput, match="无法读取"):
        parse_roster(b"not a zip", "名单.xlsx")


def test_an_upload_is_kept_even_when_the_check_breaks(tmp_path, clock):
    def broken(data, filename, previous):
        raise RuntimeError("worker lost")

    with RoundService.open(str(tmp_path / "d"), check=broken, clock=clock) as svc:
        unit = svc.create_round(2024, OFFICE, parse_roster_text("甲\n")).links[0].unit
        up = svc.upload(unit.id, b"bytes", "a.xlsx")
        assert up.verdict["error"]["code"] == "check_failed" and svc.file(up.id) == b"bytes"
        assert svc.unit_state(unit.id).status is Status.ERRORS
