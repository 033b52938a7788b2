"""Broken, foreign and hostile input: every case of tests/corpus.py gets the exit status
of docs/format.md §6, a Chinese message naming the file (and the cell) and what to do, no traceback,
no output file, and its input left byte for byte as it was."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from tests import corpus
from tests.corpus import CASES, LO_VALUES, Case, sha, tree
from tests.workbooks import VALID_TEXTS
from xltools import api, spec
from xltools.cli import main
from xltools.errors import OutputError
from xltools.files import write_atomic
from xltools.workbook.layout import FIELD_CELLS
from xltools.workbook.xlsx import open_book

ROOT = Path(__file__).resolve().parent.parent
_CJK = re.compile(r"[\u4e00-\u9fff]")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_clean(output: str) -> None:
    """No traceback, no internal error, Chinese text."""
    assert "Traceback" not in output and "程序内部错误" not in output, output
    assert _CJK.search(output), output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_answers_each_case(case: Case, hostile):
    path = hostile[case.name]
    before = tree(path.parent)
    result = invoke("check", str(path))
    out = result.output
    assert result.exit_code == case.status, out
    assert_clean(out)
    assert path.name in out, "the message names the file"
    for words in case.says:
        assert words in out, (words, out)
    if case.status:
        assert "请" in out, "the message says what to do"
    if case.cell:
        assert case.cell.split("!")[1] in out and case.cell.split("!")[0] in out
    assert tree(path.parent) == before, "nothing written, the input unchanged"


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "folder"], ids=lambda c: c.name)
def test_check_json_gives_code_and_cell(case: Case, hostile):
    path = hostile[case.name]
    result = invoke("check", "--json", str(path))
    assert result.exit_code == case.status
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["path"] == str(path)
    if case.code:
        assert entry["error"]["code"] == case.code
    else:
        assert "error" not in entry
    if case.cell:
        assert case.cell in [f["cell"] for f in entry["findings"]]


def test_folder_where_a_file_is_expected(tmp_path):
    folder = tmp_path / "报告.xlsx"
    folder.mkdir()
    for args in (["build", str(folder), "-o", str(tmp_path / "out.html")], ["export", str(folder)]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert_clean(result.output)
        assert "这是一个文件夹" in result.output and str(folder) in result.output
    assert not (tmp_path / "out.html").exists()


def test_libreoffice_inserted_rows_read_right(hostile, libreoffice_macro):
    """LibreOffice moves the names along with the rows: the values read are the ones typed."""
    path = hostile["rows_inserted_libreoffice"]
    result = api.load_report(path)
    assert result.ok, result.findings
    for field, value in LO_VALUES.items():
        assert result.report.values[field] == value
    row = FIELD_CELLS["requests.new.natural"][1]
    assert result.report.cells["requests.new.natural"].endswith(f"D{row + 1 + 2}")


def test_openpyxl_inserted_rows_are_refused_not_misread(hostile):
    result = api.load_report(hostile["rows_inserted_openpyxl"])
    s1 = [f for f in result.findings if f.rule == "S1"]
    assert s1 and not result.ok
    assert all(
        v in (None, 0, "") for k, v in result.report.values.items() if k.startswith("requests.") and k in LO_VALUES
    )


def test_renamed_sheet_is_one_message_not_hundreds(hostile):
    result = api.load_report(hostile["renamed_sheet"])
    assert [f.rule for f in result.errors] == ["S1"]
    assert "请恢复原来的工作表名称" in result.errors[0].message


def test_control_characters_are_removed_and_the_rest_kept(hostile):
    result = api.load_report(hostile["odd_characters"])
    text = result.report.values["overview.proactive"]
    assert "\x07" not in text and "\x0b" not in text and "\u202e" not in text
    assert "😀👍🏽" in text and "مرحبا بالعالم" in text and "שלום עולם" in text


def test_long_text_is_kept_whole(hostile):
    result = api.load_report(hostile["long_text"])
    assert result.report.values["overview.platform"] == corpus.LONG_TEXT
    assert len(corpus.LONG_TEXT) == 32767


# --- nothing is fetched ------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<x>fetched</x>")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", _Recorder.hits
    server.shutdown()
    server.server_close()


def test_external_entities_and_links_fetch_nothing(tmp_path, recorder):
    url, hits = recorder
    files = [
        corpus.write(tmp_path, "a.xlsx", corpus.xxe("sheet", url + "sheet")),
        corpus.write(tmp_path, "b.xlsx", corpus.xxe("strings", url + "strings")),
    ]
    for path in files:
        result = invoke("check", str(path))
        assert result.exit_code == 2 and "不安全" in result.output
    linked = corpus.write(tmp_path, "c.xlsx", corpus.external_formula().replace(b"http://127.0.0.1:9/", url.encode()))
    assert invoke("check", str(linked)).exit_code == 1
    xxe_file = corpus.write(tmp_path, "d.xlsx", corpus.xxe("sheet"))
    assert "root:" not in invoke("check", str(xxe_file)).output
    assert hits == []


# --- outputs -----------------------------------------------------------------------------------

BUILDS = [c for c in CASES if c.name != "folder"]


@pytest.mark.parametrize("case", BUILDS, ids=lambda c: c.name)
def test_build_writes_only_for_a_clean_report(case: Case, hostile, tmp_path):
    path = hostile[case.name]
    before = sha(path)
    out = tmp_path / "年度报告.html"
    result = invoke("build", str(path), "-o", str(out))
    assert result.exit_code == case.status, result.output
    assert_clean(result.output)
    assert out.exists() == (case.status == 0)
    assert [p.name for p in tmp_path.iterdir()] == (["年度报告.html"] if case.status == 0 else [])
    assert sha(path) == before


@pytest.mark.parametrize("case", [c for c in BUILDS if c.status], ids=lambda c: c.name)
def test_failed_build_leaves_an_existing_output_as_it_was(case: Case, hostile, tmp_path):
    out = tmp_path / "年度报告.docx"
    out.write_bytes(b"last year's good report")
    result = invoke("build", str(hostile[case.name]), "-o", str(out), "--force")
    assert result.exit_code == case.status
    assert out.read_bytes() == b"last year's good report"
    assert [p.name for p in tmp_path.iterdir()] == ["年度报告.docx"]


@pytest.fixture
def valid_json(tmp_path) -> Path:
    path = tmp_path / "报告.json"
    path.write_bytes((ROOT / "examples" / "suoluo-2024.json").read_bytes())
    return path


def test_no_overwrite_without_force(valid_json, tmp_path):
    out = tmp_path / "报告.html"
    out.write_text("旧的", encoding="utf-8")
    result = invoke("build", str(valid_json), "-o", str(out))
    assert result.exit_code == 2 and "已存在" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "旧的"
    assert invoke("build", str(valid_json), "-o", str(out), "--force").exit_code == 0
    assert "<html" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["build", "export"])
def test_output_may_not_be_the_input(command, valid_json, tmp_path):
    before = sha(valid_json)
    result = invoke(command, str(valid_json), "-o", str(valid_json), "--force")
    assert result.exit_code == 2 and "就是输入文件" in result.output
    link = tmp_path / "另一个名字.json"
    os.link(valid_json, link)
    result = invoke(command, str(valid_json), "-o", str(link), "--force")
    assert result.exit_code == 2 and "就是输入文件" in result.output
    assert sha(valid_json) == before


def test_fill_and_template_refuse_to_overwrite(valid_json, tmp_path):
    out = tmp_path / "填好.xlsx"
    assert invoke("fill", str(valid_json), "-o", str(out)).exit_code == 0
    first = sha(out)
    result = invoke("fill", str(valid_json), "-o", str(out))
    assert result.exit_code == 2 and "已存在" in result.output and sha(out) == first
    result = invoke("template", "-o", str(out))
    assert result.exit_code == 2 and sha(out) == first
    result = invoke("export", str(out), "-o", str(out), "--force")
    assert result.exit_code == 2 and sha(out) == first


def test_write_is_atomic_when_the_disk_fails(tmp_path, monkeypatch):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError) as err:
        write_atomic(target, b"new" * 1000, force=True)
    assert "无法写入" in err.value.message and "磁盘空间" in err.value.message
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["报告.docx"]


def test_written_file_gets_ordinary_permissions(tmp_path):
    target = tmp_path / "报告.html"
    write_atomic(target, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


# --- hostile narratives in every output ---------------------------------------------------------


@pytest.fixture
def hostile_json(tmp_path) -> Path:
    obj = corpus.report_json()
    obj["overview"]["platform"] = corpus.SCRIPT_TEXT
    obj["problems"] = corpus.EQUALS_TEXT + VALID_TEXTS["problems"]
    path = tmp_path / "脚本.json"
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_html_escapes_script(hostile, tmp_path):
    out = tmp_path / "r.html"
    assert invoke("build", str(hostile["script_and_equals"]), "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>加粗</b>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "=HYPERLINK(" in html


def test_docx_keeps_script_and_equals_as_text(hostile_json, tmp_path):
    import docx

    out = tmp_path / "r.docx"
    assert invoke("build", str(hostile_json), "-o", str(out)).exit_code == 0
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert corpus.SCRIPT_TEXT in text
    assert corpus.EQUALS_TEXT in text


def test_xlsx_keeps_a_leading_equals_as_text(hostile_json, tmp_path):
    out = tmp_path / "填好.xlsx"
    assert invoke("fill", str(hostile_json), "-o", str(out)).exit_code == 0
    book = open_book(out.read_bytes())
    sheet, row, col = FIELD_CELLS["problems"]
    cell = book.cell(sheet, row, col)
    assert cell.formula is None and cell.value.startswith(corpus.EQUALS_TEXT)
    back = invoke("export", str(out))
    assert json.loads(back.stdout)["problems"].startswith(corpus.EQUALS_TEXT)
    import openpyxl

    wb = openpyxl.load_workbook(out)
    links = [  # the only links are the 校验 sheet's own (each check line's cells), none from the text
        (ws.title, c.column)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" and str(c.value).upper().startswith("=HYPERLINK")
    ]
    assert links and set(links) == {(spec.SHEET_CHECKS, 4)}


# --- a Chinese Windows console ------------------------------------------------------------------


def _gbk(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONPATH": str(ROOT)}  # this tree's xltools
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_gbk_console_never_fails_on_output(hostile, tmp_path):
    odd = tmp_path / "报告😀.xlsx"
    odd.write_bytes(hostile["odd_characters"].read_bytes())
    bad = tmp_path / "错误😀.json"
    obj = corpus.report_json()
    obj["requests"] = {"new": {"natural": "😀"}}
    bad.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    runs = [
        (["--help"], 0),
        (["check", str(odd)], 0),
        (["check", "--json", str(odd), str(bad)], 1),
        (["check", str(bad), str(hostile["encrypted"])], 2),
        (["build", str(odd)], 0),
        (["build", str(odd), "-o", str(tmp_path / "r.docx")], 0),
        (["build", str(bad)], 1),
        (["export", str(odd)], 0),
        (["schema"], 0),
        (["template", "-o", str(tmp_path / "模板.xlsx")], 0),
        (["check", str(tmp_path / "没有😀.xlsx")], 2),
    ]
    for args, status in runs:
        proc = _gbk(*args, cwd=tmp_path)
        err = proc.stderr.decode("gbk", "replace")
        assert proc.returncode == status, (args, err)
        assert "Traceback" not in err and "UnicodeEncodeError" not in err and "程序内部错误" not in err, (args, err)
        proc.stdout.decode("gbk")  # what was printed is valid GBK


@pytest.mark.slow
def test_a_folder_of_everything_lists_every_file(hostile, tmp_path, libreoffice_macro):
    """A district's folder with every kind of file: each one is listed with its own outcome,
    spreadsheets in other formats included (refused with their reason, not silently left out)."""
    cases = [c for c in CASES if c.name not in ("missing", "folder", "unsupported_suffix")]
    for case in cases:
        src = hostile[case.name]
        (tmp_path / f"{case.name}{src.suffix}").write_bytes(src.read_bytes())
    result = invoke("check", "--json", str(tmp_path))
    assert result.exit_code == 2
    files = {Path(f["path"]).stem: f for f in json.loads(result.stdout)["files"]}
    assert set(files) == {c.name for c in cases}
    for case in cases:
        entry = files[case.name]
        if case.code:
            assert entry["error"]["code"] == case.code, case.name
        else:
            assert entry["ok"] == (case.status == 0), case.name


def test_previous_that_is_missing_or_broken(hostile, valid_json):
    for previous in (hostile["missing"], hostile["encrypted"], hostile["json_malformed"]):
        result = invoke("check", str(valid_json), "--previous", str(previous))
        assert result.exit_code == 2, result.output
        assert_clean(result.output)
        assert previous.name in result.output


def test_output_where_nothing_can_be_written(valid_json):
    result = invoke("build", str(valid_json), "-o", "/proc/年度报告.html")
    assert result.exit_code == 2
    assert_clean(result.output)
    assert "无法" in result.output and "请" in result.output


def test_output_with_a_long_name(valid_json, tmp_path):
    out = tmp_path / ("很长的机关名称" * 11 + "abcdefgh.html")  # 244 bytes: fits, and so must its temporary file
    assert 240 < len(out.name.encode()) < 255
    result = invoke("build", str(valid_json), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_pipe_is_not_read(tmp_path):
    pipe = tmp_path / "管道.json"
    os.mkfifo(pipe)
    result = invoke("check", str(pipe))
    assert result.exit_code == 2 and "不是普通文件" in result.output


def test_strict_open_xml_reads_right(hostile):
    """Excel's "Strict Open XML" save uses ISO namespaces for the same content."""
    result = api.load_report(hostile["strict_ooxml"])
    assert result.ok, result.findings
    for field, value in LO_VALUES.items():
        assert result.report.values[field] == value


def test_hand_built_compound_files_are_real_ones():
    """The .xls and encrypted containers the corpus builds by hand open as compound files."""
    import olefile

    xls = olefile.OleFileIO(corpus.biff8_workbook())
    assert xls.listdir() == [["Workbook"]]
    assert xls.openstream("Workbook").read(4) == bytes.fromhex("09081000")  # a BIFF8 BOF record
    enc = olefile.OleFileIO(corpus.encrypted_container())
    assert sorted(enc.listdir()) == [["EncryptedPackage"], ["EncryptionInfo"]]


def test_the_zip_bomb_is_real_and_small(hostile):
    """2 GiB of XML in a file of about 2 MB; the first megabytes really inflate."""
    path = hostile["zip_bomb"]
    assert path.stat().st_size < 3 * 1024 * 1024
    with zipfile.ZipFile(path) as zf:
        biggest = max(zf.infolist(), key=lambda i: i.file_size)
        assert biggest.file_size >= 2 * 1024**3
        with zf.open(biggest) as fh:
            head = fh.read(4 * 1024 * 1024)
    assert head.startswith(b"<?xml") and head.endswith(b" " * 1024)
