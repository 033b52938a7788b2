"""The audit log as a person reads it: who (政务公开办, the unit, someone not logged in), what (the
action in Chinese, with what it concerned), for the office's log page and the export's log.txt.
The stored events keep their codes (format.md §10); only their wording is made here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xltools.round.model import CONFIRM, OFFICE, RETURN, Event
from xltools.round.service import RoundService

ACTORS = {OFFICE: "政务公开办", "unit": "填报单位", "anonymous": "未登录的访问者"}
ACTIONS = {
    "round_created": "建立收集",
    "round_imported": "导入收集",
    "round_closed": "关闭收集",
    "round_reopened": "重新开放收集",
    "deadline_set": "修改截止日期",
    "unit_added": "增加填报单位",
    "link_reissued": "重新生成链接",
    "link_revoked": "停用链接",
    "upload": "上传报告",
    "upload_refused": "上传被拒绝",
    CONFIRM: "确认报告",
    RETURN: "退回报告",
    "password_set": "设置登录密码",
    "login": "登录",
    "login_failed": "登录失败（密码不对）",
}
REFUSALS = {"closed": "收集已关闭", "too_large": "文件过大", "type": "文件类型不对"}


@dataclass(frozen=True)
class Line:
    """One event as read: the actor, the action and what it concerned, in Chinese."""

    actor: str
    action: str
    unit: str
    detail: str


def line(event: Event, unit_names: Mapping[int, str], versions: Mapping[int, int] | None = None) -> Line:
    """An event in words; `versions`: upload id -> its version number within its unit, so that a
    review says which version it concerned."""
    d: dict[str, Any] = event.detail or {}
    unit = unit_names.get(event.unit_id, "") if event.unit_id is not None else ""
    detail = ""
    if event.action == "upload":
        detail = str(d.get("filename", ""))
    elif event.action == "upload_refused":
        detail = "，".join(x for x in (str(d.get("filename", "")), REFUSALS.get(str(d.get("reason")), "")) if x)
    elif event.action in (CONFIRM, RETURN):
        number = (versions or {}).get(d.get("upload", -1))
        detail = "，".join(x for x in (f"第 {number} 版" if number else "", str(d.get("comment") or "")) if x)
    elif event.action == "round_created":
        detail = f"{d.get('year', '')}年度，{d.get('units', '')} 个单位"
    elif event.action == "deadline_set":
        detail = str(d.get("deadline") or "不设截止日期")
    elif event.action == "unit_added":
        detail = str(d.get("name", ""))
    elif event.action == "login_failed":
        detail = f"连续第 {d['failures']} 次" if d.get("failures") else ""
    return Line(ACTORS.get(event.actor, event.actor), ACTIONS.get(event.action, event.action), unit, detail)


def round_log(service: RoundService, round_id: int) -> list[tuple[dt.datetime, Line]]:
    """A round's audit log in words, newest first, with each event's time (UTC)."""
    units = service.units(round_id)
    names = {u.id: u.name for u in units}
    versions = {up.id: n for u in units for n, up in enumerate(service.store.uploads(u.id), 1)}
    return [(e.at, line(e, names, versions)) for e in reversed(service.events(round_id))]


__all__ = ["ACTIONS", "ACTORS", "Line", "line", "round_log"]
