"""Every JSON document a command prints opens with its format key, and docs/format.md names every
format the code defines (the `xltools round … --json` documents are in tests/test_round_cli.py)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from tests.conftest import EXAMPLES, PUBLISHED, ROOT
from xltools import spec, verdict
from xltools.cli import main
from xltools.round import export, model


def _json(*args: str, code: int = 0) -> dict:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_check_json_opens_with_its_format():
    doc = _json("check", "--json", str(EXAMPLES / "suoluo-2024.json"))
    assert next(iter(doc)) == "format" and doc["format"] == "xltools.check/1"


def test_every_report_json_a_command_prints_opens_with_the_json_forms_format(tmp_path):
    merged = tmp_path / "汇总.json"
    printed = {
        "export": _json("export", str(EXAMPLES / "suoluo-2024.xlsx")),
        "import": _json("import", str(PUBLISHED / "huaian-2024-report.txt")),
        "build": _json("build", str(EXAMPLES / "huaian-2024.json"), "--format", "json"),
    }
    units = [str(EXAMPLES / n) for n in ("huaian-2024.json", "suoluo-2024.json")]
    result = CliRunner().invoke(
        main, ["merge", *units, "-o", str(merged), "--name", "测试市人民政府", "--scope", "二（一）=汇总"]
    )
    assert result.exit_code == 0, result.output
    printed["merge"] = json.loads(merged.read_text(encoding="utf-8"))
    for command, doc in printed.items():
        assert next(iter(doc)) == "format" and doc["format"] == "xltools.report/1", command


def test_the_schema_names_its_format_in_its_id():
    """A JSON Schema's own `format` is a keyword (a string format), so the schema's version is in its
    $id and title, and it requires the documents it describes to carry the format key."""
    schema = _json("schema")
    assert schema["$id"].endswith("/xltools.report-1.json") and "xltools.report/1" in schema["title"]
    assert schema["properties"]["format"] == {"const": "xltools.report/1"} and "format" in schema["required"]


def test_docs_name_every_format_the_code_defines():
    formats = [
        spec.FORMAT_ID,
        verdict.CHECK_FORMAT,
        model.LINKS_FORMAT,
        model.STATUS_FORMAT,
        model.UPLOAD_FORMAT,
        export.EXPORT_FORMAT,
        export.BACKUP_FORMAT,
    ]
    docs = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    for name in formats:
        assert re.fullmatch(r"xltools\.[a-z-]+/\d+", name), name
        assert f"`{name}`" in docs, f"docs/format.md does not describe {name}"
