"""The JSON form `xltools.report/1` (docs/format.md §3): reading it, writing it, and its JSON Schema.

The nesting follows the id paths: tables nest as table → row id → column (row ids may hold a
dot), everything else splits on every dot.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from xltools.errors import UnusableInput
from xltools.formats import JSON_LIMIT
from xltools.model import Finding, Report, Source
from xltools.rules.registry import S5
from xltools.spec import FIELDS, FORMAT_ID, LEVELS, MAX_NUMBER, TABLES_BY_ID, YEAR_MAX, YEAR_MIN, Kind, split_path
from xltools.text import clean_text

MAX_JSON = JSON_LIMIT  # the registry's (xltools.formats)
MAX_DEPTH = 8
MAX_LISTED = 30  # structure findings listed one by one


def json_keys(path: str) -> tuple[str, ...]:
    """Where a field sits in the JSON object: ("requests", "refused.state_secret", "natural")."""
    parts = split_path(path)
    return parts if parts else tuple(path.split("."))


_TREE: dict = {}
for _path in FIELDS:
    node = _TREE
    *heads, last = json_keys(_path)
    for key in heads:
        node = node.setdefault(key, {})
    node[last] = _path


def parse_json(data: bytes, display: str) -> Source:
    if len(data) > MAX_JSON:
        raise UnusableInput(
            f"JSON 文件过大（超过 {MAX_JSON // 1024 // 1024} MB），不像是一份年度报告，未读取。请确认选择的是报告数据文件。",
            code="too_large",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInput("JSON 文件不是 UTF-8 编码，请另存为 UTF-8 后再试。", code="encoding") from exc
    if not text.strip():
        raise UnusableInput("JSON 文件是空的。请重新导出或重新获取报告数据。", code="empty")
    try:
        obj = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        what = next((v for k, v in _JSON_ERRORS.items() if exc.msg.startswith(k)), exc.msg)
        raise UnusableInput(
            f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列：{what}）。请用文本编辑器改正该处，"
            "或重新导出报告数据。",
            code="malformed",
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise UnusableInput(
            "JSON 结构异常（嵌套过深或含有 NaN、Infinity 等非法数值），不像是一份年度报告。请确认选择的是报告数据文件。",
            code="malformed",
        ) from exc
    return source_from_object(obj, display)


_JSON_ERRORS = {  # the json module's messages, as a clerk reads them
    "Expecting value": "缺少值，或多了逗号",
    "Expecting property name enclosed in double quotes": "名称应加英文双引号，或多了逗号",
    "Expecting ',' delimiter": "缺少英文逗号",
    "Expecting ':' delimiter": "缺少英文冒号",
    "Unterminated string": "文字缺少结尾的英文双引号",
    "Invalid control character": "文字中含有换行等控制字符，请写作 \\n",
    "Invalid \\escape": "反斜杠 \\ 的用法不对，文字中的反斜杠应写作 \\\\",
    "Extra data": "结尾处有多余的内容",
}


def _no_constant(name: str):
    raise ValueError(name)


def source_from_object(obj: Any, display: str) -> Source:
    """Validate a parsed JSON object against the form and flatten it to a Source."""
    if not isinstance(obj, dict):
        raise UnusableInput(
            "JSON 的最外层应是一个对象 {…}，这不是本工具的报告数据。请提供本工具导出的报告数据。",
            code="not_report",
        )
    fmt = obj.get("format")
    if fmt != FORMAT_ID:
        raise UnusableInput(
            f"这不是 xltools 的报告数据：“format”应为“{FORMAT_ID}”，现为“{clean_text(str(fmt))[:40]}”。"
            "请提供本工具导出的报告数据。",
            code="not_report",
        )
    requests = obj.get("requests")
    proactive = obj.get("proactive")
    if isinstance(requests, dict) and (
        "other" in requests or (isinstance(proactive, dict) and "procurement" in proactive)
    ):
        raise UnusableInput(
            "这份数据是 2019 年试行格式（国办公开办函〔2019〕60号）：表三“（六）其他处理”只有一行。"
            "2021 年起格式已改变，请按国办公开办函〔2021〕30号格式，把（六）分为 other.no_correction、other.no_fee、other.other 三行。",
            code="format_2019",
        )
    source = Source(display, "json")
    _walk(obj, _TREE, (), source, depth=0)
    if len(source.findings) > MAX_LISTED:  # a document of a million stray keys gets one line, not a million
        more = len(source.findings) - MAX_LISTED
        source.findings[MAX_LISTED:] = [
            S5.finding(
                None,
                S5.say("more", more=more),
            )
        ]
    return source


def _walk(obj: dict, tree: dict, where: tuple[str, ...], source: Source, depth: int) -> None:
    for key, value in obj.items():
        here = (*where, clean_text(str(key))[:60])  # a stray key is quoted: no invalid character in it
        dotted = ".".join(here)
        if not where and key in ("format", "merge"):  # "merge": how a merged report was summed (xltools merge)
            continue
        node = tree.get(key)
        if node is None:
            source.findings.append(_structure(dotted, S5.say("stray_key", key=dotted)))
        elif isinstance(node, str):
            if isinstance(value, dict | list):
                source.findings.append(_structure(node, S5.say("not_a_value", key=dotted, kind=_kind(value)), node))
            else:
                source.values[node] = value
        elif not isinstance(value, dict):
            if value is not None:
                source.findings.append(_structure(dotted, S5.say("not_an_object", key=dotted, kind=_kind(value))))
        elif depth < MAX_DEPTH:
            _walk(value, node, here, source, depth + 1)


def _kind(value: Any) -> str:
    return "列表" if isinstance(value, list) else "对象" if isinstance(value, dict) else "其他类型"


def _structure(where: str, message: str, field: str | None = None) -> Finding:
    return S5.finding(field or where, message)


# --- writing ------------------------------------------------------------------------------------


def report_to_json(report: Report) -> dict:
    """The JSON form of a checked report: every table cell, totals included; texts and optional
    numbers only where stated (nothing invented)."""
    out: dict[str, Any] = {"format": FORMAT_ID}
    for path, f in FIELDS.items():
        value = report.values.get(path)
        if value is None or value == "":
            continue
        if f.kind is Kind.DECIMAL:
            value = format(value, "f")
        node = out
        *heads, last = json_keys(path)
        for key in heads:
            node = node.setdefault(key, {})
        node[last] = value
    return out


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


# --- schema -------------------------------------------------------------------------------------


def json_schema() -> dict:
    """A JSON Schema (2020-12) of the form, generated from the spec."""

    def leaf(path: str) -> dict:
        f = FIELDS[path]
        desc = {"description": f.label}
        if f.kind is Kind.COUNT:
            return {**desc, "type": ["integer", "null"], "minimum": 0, "maximum": MAX_NUMBER - 1}
        if f.kind is Kind.YEAR:
            return {**desc, "type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
        if f.kind is Kind.DECIMAL:
            return {**desc, "type": ["string", "number", "null"], "pattern": r"^\d+(\.\d+)?$", "minimum": 0}
        if f.kind is Kind.CHOICE:
            return {**desc, "enum": list(LEVELS)}
        if f.kind is Kind.DATE:
            return {**desc, "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        if f.kind is Kind.MONTHDAY:
            return {**desc, "type": "string", "pattern": r"^\d{2}-\d{2}$"}
        return {**desc, "type": "string"}

    def node(tree: dict, top: bool = False) -> dict:
        props = {k: leaf(v) if isinstance(v, str) else node(v) for k, v in tree.items()}
        if top:
            props = {
                "format": {"const": FORMAT_ID},
                **props,
                "merge": {"type": "object", "description": "汇总报告的口径记录（汇总时写入，读取时忽略）"},
            }
        schema = {"type": "object", "properties": props, "additionalProperties": False}
        if top:
            schema["required"] = ["format", "agency", "year"]
        return schema

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://xltools.invalid/schema/xltools.report-1.json",
        "title": "政府信息公开工作年度报告（xltools.report/1）",
        **node(_TREE, top=True),
    }
    schema["properties"]["agency"]["required"] = ["name"]
    return schema


__all__ = ["TABLES_BY_ID", "dumps", "json_schema", "parse_json", "report_to_json", "source_from_object"]
