"""Getting a round out: the office's downloads (summary workbook, merged totals with the roster,
every report as Word), the export zip and its import into another store, and backup/restore of
the live store while a writer is busy."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile

import openpyxl
import pytest
from roundkit import OFFICE, ROSTER, TOWN, Clock, book, with_errors

from xltools.errors import UnusableInput
from xltools.round import downloads, export
from xltools.round.errors import Refused
from xltools.round.model import Status
from xltools.round.roster import parse_roster_text
from xltools.round.service import RoundService

EDU = "测试市测试区教育局"
FIN = "测试市测试区财政局"


@pytest.fixture
def svc(tmp_path):
    with RoundService.open(str(tmp_path / "data"), clock=Clock()) as s:
        yield s


@pytest.fixture
def filled(svc):
    """A 2024 round: the town confirmed (after a version with errors), the 教育局 with errors, 财政局 missing."""
    issued = svc.create_round(2024, OFFICE, parse_roster_text(ROSTER))
    town, edu = svc.unit_named(issued.round.id, TOWN), svc.unit_named(issued.round.id, EDU)
    svc.upload(town.id, with_errors(), "镇-初稿.xlsx")
    svc.upload(town.id, book(**{"requests.new.natural": 4, "requests.granted.natural": 4}), "镇.xlsx")
    svc.confirm(town.id)
    svc.upload(edu.id, with_errors(name=EDU), "教育局.xlsx")
    svc.send_back(edu.id, "请改正表三")
    return issued


def test_the_summary_workbook_has_a_row_per_unit_that_uploaded(svc, filled):
    wb = openpyxl.load_workbook(io.BytesIO(downloads.summary_workbook(svc, filled.round.id)))
    text = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert TOWN in text and EDU in text and "R3.3" in text
    assert FIN not in text


def test_merged_totals_sum_the_error_free_reports_and_name_the_missing_units(svc, filled):
    merged = downloads.merged(svc, filled.round.id, ".json")
    obj = json.loads(merged.data)
    assert merged.missing == [EDU, FIN]
    assert any(EDU in line for line in merged.lines) and any("各表均按各单位相加" in line for line in merged.lines)
    assert obj["merge"]["units"] == 1
    assert obj["agency"]["name"] == OFFICE and obj["year"] == 2024
    assert obj["requests"]["new"]["natural"] == 4  # the town's, the only error-free current report
    xlsx = downloads.merged(svc, filled.round.id, ".xlsx").data
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    notes = [r[0].value for r in wb[downloads.NOTES_SHEET].iter_rows()]
    assert "单位名单中有 2 个单位没有报告：" in notes and any(EDU in str(n) for n in notes)
    assert "xltools_merge" in {p.name for p in wb.custom_doc_props.props}  # the scope record survives
    from xltools.load import check_bytes

    checked = check_bytes(xlsx, "合计.xlsx")  # still our template, its structure intact (only the narrative is blank)
    assert checked.error is None and {f.rule for f in checked.result.findings} <= {"S4", "C4", "C5", "T1"}
    assert checked.result.report.values["requests.new.natural"] == 4


def test_nothing_to_merge_is_said(svc):
    issued = svc.create_round(2024, OFFICE, parse_roster_text("甲\n"))
    with pytest.raises(Refused, match="还没有可以汇总的报告"):
        downloads.merged(svc, issued.round.id)


def test_the_word_zip_has_each_good_report_and_says_what_is_missing(svc, filled):
    with zipfile.ZipFile(io.BytesIO(downloads.word_zip(svc, filled.round.id))) as zf:
        names = zf.namelist()
        assert names[0].endswith(f"{TOWN}.docx") and zf.read(names[0])[:2] == b"PK"
        note = zf.read("说明.txt").decode("utf-8")
    assert len(names) == 2
    assert f"{EDU}：最新上传的报告有错误" in note and f"{FIN}：未提交" in note


def test_links_as_a_workbook_and_as_text(svc):
    issued = svc.create_round(2024, OFFICE, parse_roster_text(ROSTER))
    text = downloads.links_text(issued.links, "http://h:1", title="链接")
    assert text.splitlines()[1] == f"1. {TOWN}\thttp://h:1/u/{issued.links[0].token}"
    wb = openpyxl.load_workbook(io.BytesIO(downloads.links_workbook(issued.links, "http://h:1")))
    rows = [[c.value for c in r] for r in wb.active.iter_rows()]
    assert rows[0] == ["序号", "机关全称", "层级", "上级", "填报链接"]
    assert rows[1] == [1, TOWN, "乡镇", OFFICE, f"http://h:1/u/{issued.links[0].token}"]
    assert downloads.safe_name('a/b\\c:d*"e') == "a_b_c_d__e"


def test_export_and_import_round_trip(tmp_path, svc, filled):
    target = tmp_path / "2024.zip"
    index = export.export_round(svc, filled.round, target)
    assert index["format"] == export.EXPORT_FORMAT
    with zipfile.ZipFile(target) as zf:
        for u in index["units"]:
            for up in u["uploads"]:
                assert hashlib.sha256(zf.read(up["file"])).hexdigest() == up["sha256"]
        assert json.loads(zf.read("index.json")) == index
    with pytest.raises(Exception, match="已存在"):
        export.export_round(svc, filled.round, target)  # never overwritten without force

    with RoundService.open(str(tmp_path / "other")) as other:
        rnd = export.import_round(other, target)
        assert (rnd.year, rnd.office, rnd.open) == (2024, OFFICE, False)
        before = {s.unit.name: (s.status, s.uploads, s.returned) for s in svc.board(filled.round.id)}
        after = {s.unit.name: (s.status, s.uploads, s.returned) for s in other.board(rnd.id)}
        assert after == before
        assert before[TOWN][0] is Status.CONFIRMED and before[EDU] == (Status.ERRORS, 1, True)
        town = other.unit_named(rnd.id, TOWN)
        assert [other.file(v.upload.id) for v in other.history(town.id)] == [
            svc.file(v.upload.id) for v in svc.history(svc.unit_named(filled.round.id, TOWN).id)
        ]
        actions = [e.action for e in other.events(rnd.id)]
        assert actions[:-1] == [e.action for e in svc.events(filled.round.id)] and actions[-1] == "round_imported"
        # the links sent out open the imported round: their hashes came along, never the links
        assert all(u.linked for u in other.units(rnd.id))
        with zipfile.ZipFile(target) as zf:
            written = b"".join(zf.read(n) for n in zf.namelist() if not n.startswith("files/")).decode("utf-8")
        for link in filled.links:
            assert other.desk(link.token).unit.name == link.unit.name
            assert link.token not in written and hashlib.sha256(link.token.encode()).hexdigest() in written
        other.reopen_round(rnd.id)
        town_link = next(link for link in filled.links if link.unit.name == TOWN)
        other.revoke_link(other.desk(town_link.token).unit.id)
        links = other.issue_missing_links(rnd.id)
        assert [link.unit.name for link in links] == [TOWN] and other.desk(links[0].token).unit.name == TOWN
        assert other.store.verify() == []
        with pytest.raises(Refused, match="已经有 2024 年度的收集"):
            export.import_round(other, target)
        # the next year's round of an imported round carries its confirmed report
        nxt = other.next_round(rnd.id)
        assert other.previous_report(other.unit_named(nxt.round.id, TOWN)).values["requests.new.natural"] == 4


def test_an_export_with_a_damaged_file_is_refused_and_nothing_is_imported(tmp_path, svc, filled):
    target = tmp_path / "2024.zip"
    index = export.export_round(svc, filled.round, target)
    damaged = tmp_path / "damaged.zip"
    victim = index["units"][0]["uploads"][0]["file"]
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:-1] + b"!" if item.filename == victim else data)
    with RoundService.open(str(tmp_path / "other")) as other:
        with pytest.raises(UnusableInput, match="已损坏"):
            export.import_round(other, damaged)
        assert other.rounds() == []
        (tmp_path / "not.zip").write_bytes(b"plain text")
        with pytest.raises(UnusableInput, match="不是 xltools 导出的"):
            export.import_round(other, tmp_path / "not.zip")


def test_backup_while_a_writer_is_busy_restores_a_consistent_store(tmp_path):
    def stub(data, filename, previous):
        return {"path": filename, "ok": True, "agency": "甲", "year": 2024, "findings": []}

    data = tmp_path / "data"
    with RoundService.open(str(data), check=stub) as svc:
        unit = svc.create_round(2024, OFFICE, parse_roster_text("甲\n")).links[0].unit
        stop = threading.Event()
        written = []

        def writer():
            i = 0
            while not stop.is_set():
                written.append(svc.upload(unit.id, f"{i}".encode() * 5000, f"{i}.xlsx").id)
                i += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            counts = []
            for n in range(3):
                while len(written) < 5 * (n + 1):
                    stop.wait(0.01)
                at_start = len(written)
                manifest = export.backup(svc.store, tmp_path / f"b{n}.zip")
                counts.append((at_start, manifest["blobs"], len(written)))
        finally:
            stop.set()
            thread.join()
    for n, (at_start, blobs, at_end) in enumerate(counts):
        restored = tmp_path / f"r{n}"
        export.restore(tmp_path / f"b{n}.zip", restored)
        with RoundService.open(str(restored)) as back:
            assert back.store.verify() == []
            ups = back.store.uploads(unit.id)
            assert at_start <= len(ups) <= at_end + 1
            assert blobs == len(ups)  # every upload's bytes differ, so one blob each
            assert [up.id for up in ups] == written[: len(ups)]  # a prefix: nothing torn, nothing skipped


def test_restore_checks_the_backup_whole_before_writing_anything(tmp_path, svc, filled):
    good = tmp_path / "b.zip"
    export.backup(svc.store, good)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"x" + data[1:] if item.filename.startswith("blobs/") else data)
    with pytest.raises(UnusableInput, match="已损坏"):
        export.restore(bad, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    with pytest.raises(Refused, match="已有数据"):
        export.restore(good, tmp_path / "data")
    export.restore(good, tmp_path / "data", force=True)  # over a store (the service stopped)
    with RoundService.open(str(tmp_path / "data")) as back:
        assert [s.status for s in back.board(filled.round.id)] == [s.status for s in svc.board(filled.round.id)]
