"""One registry of input formats (xltools.formats): a file given by name and the same file found in a
folder get the same answer, and every suffix the registry knows gets its own reason, never silence
and never a generic "not supported" where the registry knows what the file is (docs/format.md §8)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.webclient import page_client
from xltools import formats, inputs
from xltools.cli import main
from xltools.errors import UnusableInput

# One file of each kind a clerk's folder may hold besides the reports: bytes as such a file starts.
OTHER_SPREADSHEETS = {
    "名单.csv": ("名称,数量\n索罗乡,0\n".encode("gb18030"), "文本或 CSV 文件"),
    "二进制.xlsb": (b"PK\x03\x04 binary workbook", "Excel 二进制工作簿（.xlsb）"),
    "旧版.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97-2003"),
    "开放格式.ods": (b"PK\x03\x04 not a zip", "文件已损坏"),
}


def _check(*args: str):
    return CliRunner().invoke(main, ["check", *args])


@pytest.fixture
def folder(tmp_path):
    """A unit's folder: one good report and every other kind of spreadsheet file."""
    d = tmp_path / "各单位"
    d.mkdir()
    shutil.copy(EXAMPLES / "suoluo-2024.json", d / "索罗乡.json")
    for name, (data, _) in OTHER_SPREADSHEETS.items():
        (d / name).write_bytes(data)
    (d / "说明.md").write_text("不是报告", encoding="utf-8")  # a suffix the registry does not know: left out
    return d


def test_every_spreadsheet_in_a_folder_is_listed_with_its_reason(folder):
    result = _check("--json", str(folder))
    assert result.exit_code == 2, result.output
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert set(files) == {"索罗乡.json", *OTHER_SPREADSHEETS}
    assert files["索罗乡.json"]["ok"] is True
    for name, (_, reason) in OTHER_SPREADSHEETS.items():
        assert reason in files[name]["error"]["message"], name


@pytest.mark.parametrize("name", sorted(OTHER_SPREADSHEETS))
def test_a_file_by_name_and_in_a_folder_get_the_same_answer(folder, name):
    alone = json.loads(_check("--json", str(folder / name)).stdout)["files"][0]
    together = {f["path"]: f for f in json.loads(_check("--json", str(folder)).stdout)["files"]}
    assert together[str(folder / name)]["error"] == alone["error"]


def test_a_folder_is_searched_for_every_registered_suffix_and_nothing_else(tmp_path):
    for f in formats.INPUT_FORMATS:
        (tmp_path / f"a{f.suffix.upper()}").write_bytes(b"x")  # suffixes in any case
    for name in ("b.md", "c.numbers", "~$d.xlsx", ".e.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    found = {Path(p).suffix.lower() for p in inputs.expand_inputs([tmp_path], published=True)}
    assert found == set(formats.INPUTS)
    workbooks = {Path(p).suffix.lower() for p in inputs.expand_inputs([tmp_path])}
    assert workbooks == {f.suffix for f in formats.INPUT_FORMATS if not f.published}


@pytest.mark.parametrize("fmt", [f for f in formats.INPUT_FORMATS if f.reader is None], ids=lambda f: f.suffix)
def test_a_refused_suffix_says_what_the_file_is_and_what_to_do(tmp_path, fmt):
    path = tmp_path / f"报告{fmt.suffix}"
    path.write_bytes(b"PK\x03\x04 whatever")
    result = _check("--json", str(path))
    assert result.exit_code == 2
    error = json.loads(result.stdout)["files"][0]["error"]
    assert error["code"] == "unsupported" and fmt.refusal in error["message"] and "另存为" in error["message"]


def test_an_upload_gets_the_same_refusal_as_a_file():
    with page_client() as client:
        r = client.post("/api/check", files={"files": ("报告.xlsb", b"PK\x03\x04 binary workbook")})
    assert r.status_code == 415
    assert formats.INPUTS[".xlsb"].refusal in r.json()["files"][0]["error"]["message"]


def test_the_readers_follow_the_registry():
    """The published readers take exactly the registry's published suffixes; the workbook reader's
    size limit and the JSON reader's are the registry's."""
    from xltools.jsonform import MAX_JSON
    from xltools.published import READABLE, kind_of
    from xltools.published.blocks import MAX_INPUT
    from xltools.workbook.xlsx import MAX_FILE

    assert {f.suffix: f.reader for f in formats.INPUT_FORMATS if f.published and f.reader} == READABLE
    assert {kind_of(f"a{s}") for s in READABLE} == {"html", "docx", "pdf", "txt"}
    narratives = {f.suffix for f in formats.INPUT_FORMATS if f.narrative}
    assert narratives == {".docx", ".txt", ".text"}
    for suffix in set(READABLE) - narratives:
        with pytest.raises(UnusableInput, match="Word 文档（\\.docx）或文本文件"):
            kind_of(f"a{suffix}", narrative=True)
    assert (MAX_FILE, MAX_JSON, MAX_INPUT) == (formats.WORKBOOK_LIMIT, formats.JSON_LIMIT, formats.PUBLISHED_LIMIT)
    assert inputs.is_published("报告.HTML") and not inputs.is_published("报告.xlsx")
