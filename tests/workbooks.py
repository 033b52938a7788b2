"""Making filled workbooks for tests the way another program would: openpyxl writing values into
the template's defined names and leaving everything else alone (docs/format.md §4)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl

from xltools.spec import FIELDS
from xltools.workbook.template import template_bytes

VALID_TEXTS = {
    "agency.name": "测试市测试区测试镇人民政府",
    "agency.self": "我镇",
    "agency.level": "乡镇人民政府、街道办事处",
    "year": 2024,
    "overview.summary": "2024年，我镇认真贯彻落实《中华人民共和国政府信息公开条例》，政府信息公开工作有序推进。",
    "overview.proactive": "坚持以公开为常态、不公开为例外，全年主动公开政府信息120条。",
    "overview.management": "严格落实信息发布审核制度，做好公开前保密审查。",
    "overview.platform": "持续完善政府网站信息公开专栏，依托政务新媒体发布信息。",
    "overview.oversight": "明确专人负责政府信息公开工作，年度考核、社会评议和责任追究结果均纳入监督。",
    "problems": "主要问题是公开内容不够全面，解读形式较为单一。下一步，我镇将拓展公开渠道，提升解读质量，加强队伍培训。",
}


def cell_of(wb, path: str):
    """The openpyxl cell a field's defined name points at."""
    dn = wb.defined_names[FIELDS[path].name]
    ((sheet, ref),) = list(dn.destinations)
    return wb[sheet][ref.replace("$", "")]


def fill(values: dict[str, Any], *, base: bytes | None = None) -> bytes:
    """A template with `values` written into the named cells through openpyxl; returns .xlsx bytes.

    Made once per distinct filling in a test run: a load and save cost a quarter of a second and
    many tests fill the same values; the bytes are immutable, so sharing them is safe."""
    key = (repr(sorted(values.items(), key=lambda item: item[0])), base)
    if key not in _FILLED:
        wb = openpyxl.load_workbook(io.BytesIO(base or template_bytes()))
        for path, value in values.items():
            cell_of(wb, path).value = value
        out = io.BytesIO()
        wb.save(out)
        _FILLED[key] = out.getvalue()
    return _FILLED[key]


_FILLED: dict[tuple[str, bytes | None], bytes] = {}


def fill_to(path: Path, values: dict[str, Any], **kw) -> Path:
    path.write_bytes(fill(values, **kw))
    return path
